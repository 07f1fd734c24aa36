/*
 * sessrec.h - the session record, generated from SW_SESS_FIELDS (tables.h).
 *
 * One list gives: the session-log line (sw_sess_log_line), the REST / `-o
 * json` session objects and the event payloads (sw_sess_write,
 * sw_sess_write_members), the text of `show session id` and the columns of
 * `show session all` (through sw_sess_field, by the management emitter),
 * the OpenAPI schema of a session object (sw_sess_openapi) and the
 * "Session fields" table of docs/reference.md (sw_sess_fields_md).
 *
 * Field i (0 <= i < sw_sess_nfields()) is described by sw_sess_field_info
 * and valued by sw_sess_field.  Code outside sessrec.c must use these
 * functions, never SW_SESS_FIELDS itself, so that a list extended in one
 * translation unit (SW_SESS_FIELDS_LOCAL, tests) reaches every output.
 */
#ifndef SW_UTIL_SESSREC_H
#define SW_UTIL_SESSREC_H

#include <stdio.h>

#include "statewall/engine.h"
#include "util/json.h"

/* Where a field appears (the `views` of SW_SESS_FIELDS). */
#define SW_SV_LOG 1u  /* the session log (ended sessions) */
#define SW_SV_LIVE 2u /* show session id, show session all -o json, REST */
#define SW_SV_ROW 4u  /* a text column of show session all */
#define SW_SV_ALL (SW_SV_LOG | SW_SV_LIVE | SW_SV_ROW)

/* How a field renders (the `type` of SW_SESS_FIELDS). */
enum sw_fv_type { SW_FT_U64, SW_FT_I64N, SW_FT_BOOL, SW_FT_STR, SW_FT_PROTO, SW_FT_ADDR,
		  SW_FT_TIME, SW_FT_SPAN };

/* What the value expressions may read besides the record. */
struct sw_sess_ctx {
	const struct sw_conf *conf; /* running configuration; NULL is fine for SW_SV_LOG */
	sw_time_t now;              /* data-plane time (remaining) */
};

struct sw_sess_field_info {
	const char *key, *label, *help;
	enum sw_fv_type type;
	unsigned views;
	int width; /* SW_SV_ROW: text column width */
};

/* A rendered value.  null: JSON null, text "-". */
struct sw_fval {
	enum sw_fv_type type;
	int null;
	uint64_t u;      /* U64, BOOL */
	int64_t i;       /* I64N; TIME and SPAN in ns */
	const char *s;   /* STR, PROTO, ADDR: points into buf or at a constant */
	char buf[48];
};

unsigned sw_sess_nfields(void);
const struct sw_sess_field_info *sw_sess_field_info(unsigned i);
/* Field i of si; cx may be NULL for fields of SW_SV_LOG only. */
void sw_sess_field(unsigned i, const struct sw_sess_info *si, const struct sw_sess_ctx *cx,
		   struct sw_fval *out);

/* Write a value with the JSON writer (instants and spans per util/json.h). */
void sw_fval_json(struct sw_jw *w, const struct sw_fval *v);
/* Text form (instants by sw_time_text, spans "12.3 s", null "-", bools True/False). */
const char *sw_fval_text(const struct sw_fval *v, char *buf, size_t len);

/* The members of the fields in `views` into an open object. */
void sw_sess_write_members(struct sw_jw *w, const struct sw_sess_info *si,
			   const struct sw_sess_ctx *cx, unsigned views);
/* The same as one object. */
void sw_sess_write(struct sw_jw *w, const struct sw_sess_info *si, const struct sw_sess_ctx *cx,
		   unsigned views);
/* One session-log line: the SW_SV_LOG object and a newline. */
void sw_sess_log_line(FILE *f, const struct sw_sess_info *si);

/* OpenAPI 3 schema object of a session in `views` (properties, types, nullable, descriptions). */
void sw_sess_openapi(struct sw_jw *w, unsigned views);
/* docs/reference.md's "Session fields" table. */
void sw_sess_fields_md(FILE *f);

/* "a.b.c.d:p -> e.f.g.h:q proto" (IPv6 in brackets): summaries, analyze. */
void sw_flow_str(const struct sw_sess_info *si, char *buf, size_t len);

/* Used by the value expressions (and the emitter). */
const char *sw_sess_state_name(const struct sw_sess_info *si); /* ACTIVE / HALF-CLOSED / DISCARD */
const char *sw_sess_rule_name(const struct sw_sess_ctx *cx, const struct sw_sess_info *si);

#endif
