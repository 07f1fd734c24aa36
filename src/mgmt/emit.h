/*
 * emit.h - the one emitter of command output: a handler makes one sequence
 * of calls (fields, nested objects, lists of rows) and the emitter renders
 * it as PAN-OS-style text or as one JSON document.  No handler formats text
 * or JSON by hand.
 *
 * The call sequence of a command:
 *
 *   sw_emit_begin(e);                      JSON "{"             text: nothing
 *     sw_emit_u64(e, "active", "Number of active sessions:", n);
 *                                          "active":n           "Number of active sessions:   n"
 *     sw_emit_obj(e, "timeouts", "Session timeout");
 *                                          "timeouts":{         title line, indent +2
 *       sw_emit_u64(e, "timeout-tcp", "TCP timeout:", 3600);
 *     sw_emit_obj_end(e);                  "}"                  indent -2
 *     sw_emit_list(e, "sessions", cols, ncols);
 *                                          "sessions":[         the column header
 *       sw_emit_row(e);                    "{"                  a new line
 *         sw_emit_str(e, "state", "", "ACTIVE");               one padded column
 *       sw_emit_row_end(e);                "}"                  newline
 *     sw_emit_list_end(e);                 "]"
 *     sw_emit_note(e, "more: add `start-at %u`", id);   text only
 *   sw_emit_end(e);                        "}\n"
 *
 * Rules:
 *   - key is the JSON member name, label the text label.  A NULL label makes
 *     a field JSON-only; a NULL key makes it text-only.  Inside a list row
 *     the label only says "show this as the next text column" (any non-NULL
 *     string); its header comes from the list's columns.
 *   - sw_emit_text_as(e, fmt, ...) replaces the text form of the next field
 *     only (JSON keeps the typed value): "Packet rate: 12/s" vs 12.0.
 *   - sw_emit_text_hide(e) leaves the next field out of the text form
 *     (counters that are zero), JSON still has it.
 *   - Values: instants 0 are unset (null / "-"), strings NULL are null / "-",
 *     bools are true/false in JSON and True/False in text; every string is
 *     escaped by util/json.h (invalid UTF-8 becomes U+FFFD).
 *   - sw_emit_obj with a NULL key is a text-only section: its title and
 *     indent in text, nothing in JSON (its fields stay in the enclosing
 *     object).  Without a title a section has no text form (no indent).
 *   - An empty label ("") prints the value alone on its line.
 *   - The rows of a list without columns have no text form (write notes).
 *   - A list without a key inside a list-valued member holds scalars
 *     (sw_emit_item_str): JSON array of strings, text one per line.
 *   - Text lists: a value wider than its column pushes the next columns
 *     right by the overflow (one space always separates two columns).
 *   - An emitter is resumable across the steps of a sliced command: it lives
 *     in the call, and a listing opened in step 1 is closed in step N.
 */
#ifndef SW_MGMT_EMIT_H
#define SW_MGMT_EMIT_H

#include <stdarg.h>
#include <stdint.h>

#include "util/json.h"
#include "util/sessrec.h"

#define SW_EMIT_DEPTH 8

/* A text column of a list: its header and width (0: as wide as the value, last column). */
struct sw_emit_col {
	const char *header;
	int width;
};

struct sw_emit {
	int json;
	struct sw_buf *out;
	struct sw_jw jw;
	/* text state */
	int indent;              /* spaces before a label */
	int label_width;         /* labels are padded to this (default 56) */
	const struct sw_emit_col *cols;
	unsigned ncols, col;     /* inside a row: the next column */
	int over;                /* inside a row: how far earlier columns overflowed */
	int odepth;              /* open sw_emit_obj sections */
	unsigned char ojson[SW_EMIT_DEPTH]; /* ... which of them are JSON objects */
	unsigned char otitle[SW_EMIT_DEPTH]; /* ... which of them have a text title (indent) */
	int in_row;
	char text_as[160];       /* override for the next field's text */
	int has_text_as;
	int hide;                /* next field: JSON only */
};

void sw_emit_init(struct sw_emit *e, struct sw_buf *out, int json);
/* Label column width of text fields from now on (PAN-OS "show session info": 56). */
void sw_emit_label_width(struct sw_emit *e, int w);

void sw_emit_begin(struct sw_emit *e);
void sw_emit_end(struct sw_emit *e);

void sw_emit_obj(struct sw_emit *e, const char *key, const char *title);
void sw_emit_obj_end(struct sw_emit *e);

void sw_emit_list(struct sw_emit *e, const char *key, const struct sw_emit_col *cols,
		  unsigned ncols);
void sw_emit_list_end(struct sw_emit *e);
void sw_emit_row(struct sw_emit *e);
void sw_emit_row_end(struct sw_emit *e);
void sw_emit_item_str(struct sw_emit *e, const char *s);

void sw_emit_u64(struct sw_emit *e, const char *key, const char *label, uint64_t v);
void sw_emit_i64(struct sw_emit *e, const char *key, const char *label, int64_t v);
void sw_emit_dbl(struct sw_emit *e, const char *key, const char *label, double v, int decimals);
void sw_emit_str(struct sw_emit *e, const char *key, const char *label, const char *s);
void sw_emit_bool(struct sw_emit *e, const char *key, const char *label, int v);
void sw_emit_null(struct sw_emit *e, const char *key, const char *label);
void sw_emit_time(struct sw_emit *e, const char *key, const char *label, sw_time_t t);
void sw_emit_span(struct sw_emit *e, const char *key, const char *label, sw_time_t ns);
void sw_emit_fval(struct sw_emit *e, const char *key, const char *label, const struct sw_fval *v);

/*
 * The fields of si in `views` (SW_SESS_FIELDS): keys and labels from the
 * list.  JSON: one flat run of members in list order.  Text: the fields
 * whose key starts with orig_ in a "c2s flow:" section, resp_ in "s2c
 * flow:", then the others (Zeek's naming says which side a field is).
 * Inside a text row: the SW_SV_ROW fields, as columns (remaining in whole
 * seconds).
 */
void sw_emit_sess(struct sw_emit *e, const struct sw_sess_info *si, const struct sw_sess_ctx *cx,
		  unsigned views);

void sw_emit_text_as(struct sw_emit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sw_emit_text_hide(struct sw_emit *e);
/* A text-only line (indented); JSON ignores it. */
void sw_emit_note(struct sw_emit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text-only: a raw block (configuration lines), written as is. */
void sw_emit_text_raw(struct sw_emit *e, const char *s);

#endif
