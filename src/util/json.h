/*
 * json.h - the one JSON writer of statewall, over a sink (a growing buffer
 * or a FILE), and its one string escaper.
 *
 * Everything that writes JSON goes through here: the session log, the
 * replay summary, the control protocol's frames, the management emitter
 * (REST bodies, `-o json`), events and analyze.  Reading untrusted JSON is
 * jansson's job (src/mgmt/json.c), not this file's.
 *
 * Contracts:
 *   - Strings are escaped once, here (sw_json_escape): `"` `\` and control
 *     characters become escapes, valid UTF-8 passes through, and every byte
 *     that is not part of a valid UTF-8 sequence (overlong forms, surrogates,
 *     code points above U+10FFFF, truncated sequences) becomes \ufffd.  The
 *     output is always valid UTF-8 and valid JSON, whatever the input.
 *   - Times: an instant (sw_jw_time) is seconds since the epoch with six
 *     decimals ("1700000000.123456"); 0 or negative means unset and is
 *     written as null.  A duration (sw_jw_span) is seconds with six decimals
 *     and is never null.  Text forms: sw_time_text in util/clock.h.
 *   - The writer places commas itself: call key/value functions in order;
 *     a value inside an object needs a key first (sw_jw_key, or the sw_jw_k*
 *     shorthands).  Depth is limited to SW_JW_DEPTH; deeper begins set err.
 *   - Out of memory (buffer sink) sets the buffer's oom flag; a failed FILE
 *     write is seen with ferror().  Neither aborts the writer.
 */
#ifndef SW_UTIL_JSON_H
#define SW_UTIL_JSON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "statewall/types.h"

/* ---- a growing output buffer --------------------------------------------- */

struct sw_buf {
	char *p;   /* NUL-terminated content (NULL until the first append) */
	size_t len, cap;
	int oom;   /* an append failed: the content is incomplete */
};

void sw_buf_put(struct sw_buf *b, const void *s, size_t n);
void sw_buf_puts(struct sw_buf *b, const char *s);
void sw_buf_printf(struct sw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sw_buf_vprintf(struct sw_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* A JSON string literal (sw_json_escape rules). */
void sw_buf_json_str(struct sw_buf *b, const char *s);
/* Drop the first n bytes. */
void sw_buf_consume(struct sw_buf *b, size_t n);
void sw_buf_free(struct sw_buf *b);

/* ---- sinks ----------------------------------------------------------------- */

struct sw_sink {
	void (*write)(void *ctx, const char *p, size_t n);
	void *ctx;
};
void sw_sink_buf(struct sw_sink *s, struct sw_buf *b);
void sw_sink_file(struct sw_sink *s, FILE *f);

/* `s` (n bytes, may hold NULs, which become \u0000) as a quoted JSON string. */
void sw_json_escape(const struct sw_sink *out, const char *s, size_t n);

/* ---- the writer ------------------------------------------------------------ */

#define SW_JW_DEPTH 32

struct sw_jw {
	struct sw_sink sink;
	int depth;
	int err;                            /* nesting misuse or too deep */
	unsigned char n[SW_JW_DEPTH + 1];   /* members written at each depth (0, 1 = "more") */
	unsigned char after_key;            /* a key was written, its value comes next */
};

void sw_jw_init(struct sw_jw *w, const struct sw_sink *sink);
void sw_jw_init_buf(struct sw_jw *w, struct sw_buf *b);
void sw_jw_init_file(struct sw_jw *w, FILE *f);

void sw_jw_obj(struct sw_jw *w);      /* { */
void sw_jw_obj_end(struct sw_jw *w);  /* } */
void sw_jw_arr(struct sw_jw *w);      /* [ */
void sw_jw_arr_end(struct sw_jw *w);  /* ] */
void sw_jw_key(struct sw_jw *w, const char *key);

void sw_jw_str(struct sw_jw *w, const char *s);    /* NULL -> null */
void sw_jw_strn(struct sw_jw *w, const char *s, size_t n);
void sw_jw_u64(struct sw_jw *w, uint64_t v);
void sw_jw_i64(struct sw_jw *w, int64_t v);
void sw_jw_dbl(struct sw_jw *w, double v, int decimals); /* NaN / inf -> null */
void sw_jw_bool(struct sw_jw *w, int v);
void sw_jw_null(struct sw_jw *w);
void sw_jw_time(struct sw_jw *w, sw_time_t t);     /* instant; <= 0 -> null */
void sw_jw_span(struct sw_jw *w, sw_time_t ns);    /* duration, never null */
/* Already-serialized JSON (trusted: the caller's own output) as one value. */
void sw_jw_raw(struct sw_jw *w, const char *json, size_t n);

/* key + value shorthands */
void sw_jw_kstr(struct sw_jw *w, const char *key, const char *s);
void sw_jw_ku64(struct sw_jw *w, const char *key, uint64_t v);
void sw_jw_ki64(struct sw_jw *w, const char *key, int64_t v);
void sw_jw_kdbl(struct sw_jw *w, const char *key, double v, int decimals);
void sw_jw_kbool(struct sw_jw *w, const char *key, int v);
void sw_jw_knull(struct sw_jw *w, const char *key);
void sw_jw_ktime(struct sw_jw *w, const char *key, sw_time_t t);
void sw_jw_kspan(struct sw_jw *w, const char *key, sw_time_t ns);

/* ---- FILE shorthands (the replay summary, analyze) -------------------------- */

/* A JSON string literal to f. */
void sw_json_str(FILE *f, const char *s);
/* An instant to f (sw_jw_time rules). */
void sw_json_time(FILE *f, sw_time_t t);

#endif
