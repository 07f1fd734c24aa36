/*
 * json.c - the output buffer, the sinks, the string escaper and the JSON
 * writer (contracts in json.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

/* ---- buffer ---------------------------------------------------------------- */

static int reserve(struct sw_buf *b, size_t more)
{
	size_t need = b->len + more + 1, cap;
	char *p;

	if (b->oom)
		return -1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void sw_buf_put(struct sw_buf *b, const void *s, size_t n)
{
	if (reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sw_buf_puts(struct sw_buf *b, const char *s)
{
	sw_buf_put(b, s, strlen(s));
}

void sw_buf_vprintf(struct sw_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || reserve(b, (size_t)n) < 0)
		return;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void sw_buf_printf(struct sw_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sw_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void sw_buf_consume(struct sw_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->p, b->p + n, b->len - n);
		b->len -= n;
	}
	if (b->p)
		b->p[b->len] = '\0';
}

void sw_buf_free(struct sw_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- sinks ----------------------------------------------------------------- */

static void buf_write(void *ctx, const char *p, size_t n)
{
	sw_buf_put(ctx, p, n);
}

static void file_write(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, ctx);
}

void sw_sink_buf(struct sw_sink *s, struct sw_buf *b)
{
	s->write = buf_write;
	s->ctx = b;
}

void sw_sink_file(struct sw_sink *s, FILE *f)
{
	s->write = file_write;
	s->ctx = f;
}

/* Write to a sink; a buffer with room takes the bytes without a call (most writes are short). */
static inline void sink_put(const struct sw_sink *k, const char *s, size_t n)
{
	struct sw_buf *b = k->ctx;

	if (k->write == buf_write && !b->oom && b->len + n < b->cap) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
		b->p[b->len] = '\0';
		return;
	}
	k->write(k->ctx, s, n);
}

/* ---- escaping -------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if not valid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void sw_json_escape(const struct sw_sink *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, i = 0;
	char esc[8];

	sink_put(out, "\"", 1);
	while (i < n) {
		unsigned char c = p[i];
		size_t l;
		const char *rep = NULL;
		size_t rl = 0;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			run++;
			i++;
			continue;
		}
		if (c >= 0x80 && (l = utf8_len(p + i, n - i)) > 0) {
			run += l;
			i += l;
			continue;
		}
		if (run)
			sink_put(out, (const char *)p + i - run, run);
		run = 0;
		switch (c) {
		case '"': rep = "\\\"", rl = 2; break;
		case '\\': rep = "\\\\", rl = 2; break;
		case '\n': rep = "\\n", rl = 2; break;
		case '\r': rep = "\\r", rl = 2; break;
		case '\t': rep = "\\t", rl = 2; break;
		case '\b': rep = "\\b", rl = 2; break;
		case '\f': rep = "\\f", rl = 2; break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				rep = esc, rl = 6;
			} else {
				rep = "\\ufffd", rl = 6; /* a byte of no valid UTF-8 sequence */
			}
		}
		sink_put(out, rep, rl);
		i++;
	}
	if (run)
		sink_put(out, (const char *)p + i - run, run);
	sink_put(out, "\"", 1);
}

void sw_buf_json_str(struct sw_buf *b, const char *s)
{
	struct sw_sink k;

	sw_sink_buf(&k, b);
	sw_json_escape(&k, s, strlen(s));
}

/* ---- writer ---------------------------------------------------------------- */

void sw_jw_init(struct sw_jw *w, const struct sw_sink *sink)
{
	memset(w, 0, sizeof(*w));
	w->sink = *sink;
}

void sw_jw_init_buf(struct sw_jw *w, struct sw_buf *b)
{
	struct sw_sink k;

	sw_sink_buf(&k, b);
	sw_jw_init(w, &k);
}

void sw_jw_init_file(struct sw_jw *w, FILE *f)
{
	struct sw_sink k;

	sw_sink_file(&k, f);
	sw_jw_init(w, &k);
}

static void put(struct sw_jw *w, const char *s, size_t n)
{
	sink_put(&w->sink, s, n);
}

/* Before a value: the comma between array elements. */
static void pre_value(struct sw_jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->n[w->depth])
		put(w, ",", 1);
	w->n[w->depth] = 1;
}

void sw_jw_key(struct sw_jw *w, const char *key)
{
	if (w->n[w->depth])
		put(w, ",", 1);
	w->n[w->depth] = 1;
	sw_json_escape(&w->sink, key, strlen(key));
	put(w, ":", 1);
	w->after_key = 1;
}

static void open_(struct sw_jw *w, const char *c)
{
	pre_value(w);
	if (w->depth >= SW_JW_DEPTH) {
		w->err = 1;
		put(w, c, 1);
		return;
	}
	put(w, c, 1);
	w->n[++w->depth] = 0;
}

static void close_(struct sw_jw *w, const char *c)
{
	if (w->depth == 0)
		w->err = 1;
	else
		w->depth--;
	put(w, c, 1);
}

void sw_jw_obj(struct sw_jw *w)
{
	open_(w, "{");
}

void sw_jw_obj_end(struct sw_jw *w)
{
	close_(w, "}");
}

void sw_jw_arr(struct sw_jw *w)
{
	open_(w, "[");
}

void sw_jw_arr_end(struct sw_jw *w)
{
	close_(w, "]");
}

static void putf(struct sw_jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct sw_jw *w, const char *fmt, ...)
{
	char b[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(w, b, (size_t)n < sizeof(b) ? (size_t)n : sizeof(b) - 1);
}

void sw_jw_str(struct sw_jw *w, const char *s)
{
	if (!s) {
		sw_jw_null(w);
		return;
	}
	sw_jw_strn(w, s, strlen(s));
}

void sw_jw_strn(struct sw_jw *w, const char *s, size_t n)
{
	pre_value(w);
	sw_json_escape(&w->sink, s, n);
}

/* v in decimal, right-aligned at the end of b (24 bytes); returns its start. */
static char *dec(char *b, uint64_t v)
{
	char *p = b + 24;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

void sw_jw_u64(struct sw_jw *w, uint64_t v)
{
	char b[24], *p = dec(b, v);

	pre_value(w);
	put(w, p, (size_t)(b + 24 - p));
}

void sw_jw_i64(struct sw_jw *w, int64_t v)
{
	char b[25], *p = dec(b + 1, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);

	if (v < 0)
		*--p = '-';
	pre_value(w);
	put(w, p, (size_t)(b + 25 - p));
}

void sw_jw_dbl(struct sw_jw *w, double v, int decimals)
{
	if (!isfinite(v)) {
		sw_jw_null(w);
		return;
	}
	pre_value(w);
	putf(w, "%.*f", decimals, v);
}

void sw_jw_bool(struct sw_jw *w, int v)
{
	pre_value(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void sw_jw_null(struct sw_jw *w)
{
	pre_value(w);
	put(w, "null", 4);
}

void sw_jw_span(struct sw_jw *w, sw_time_t ns)
{
	uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	uint64_t us = a % SW_NS_PER_SEC / 1000;
	char b[32], *p;

	/* "S.UUUUUU": six digits of microseconds, then the seconds before the point */
	for (int i = 0; i < 6; i++, us /= 10)
		b[31 - i] = (char)('0' + us % 10);
	b[25] = '.';
	p = dec(b + 1, a / SW_NS_PER_SEC); /* ends at b + 25 */
	if (ns < 0)
		*--p = '-';
	pre_value(w);
	put(w, p, (size_t)(b + 32 - p));
}

void sw_jw_time(struct sw_jw *w, sw_time_t t)
{
	if (t <= 0)
		sw_jw_null(w);
	else
		sw_jw_span(w, t);
}

void sw_jw_raw(struct sw_jw *w, const char *json, size_t n)
{
	pre_value(w);
	put(w, json, n);
}

void sw_jw_kstr(struct sw_jw *w, const char *key, const char *s)
{
	sw_jw_key(w, key);
	sw_jw_str(w, s);
}

void sw_jw_ku64(struct sw_jw *w, const char *key, uint64_t v)
{
	sw_jw_key(w, key);
	sw_jw_u64(w, v);
}

void sw_jw_ki64(struct sw_jw *w, const char *key, int64_t v)
{
	sw_jw_key(w, key);
	sw_jw_i64(w, v);
}

void sw_jw_kdbl(struct sw_jw *w, const char *key, double v, int decimals)
{
	sw_jw_key(w, key);
	sw_jw_dbl(w, v, decimals);
}

void sw_jw_kbool(struct sw_jw *w, const char *key, int v)
{
	sw_jw_key(w, key);
	sw_jw_bool(w, v);
}

void sw_jw_knull(struct sw_jw *w, const char *key)
{
	sw_jw_key(w, key);
	sw_jw_null(w);
}

void sw_jw_ktime(struct sw_jw *w, const char *key, sw_time_t t)
{
	sw_jw_key(w, key);
	sw_jw_time(w, t);
}

void sw_jw_kspan(struct sw_jw *w, const char *key, sw_time_t ns)
{
	sw_jw_key(w, key);
	sw_jw_span(w, ns);
}

void sw_json_str(FILE *f, const char *s)
{
	struct sw_sink k;

	sw_sink_file(&k, f);
	sw_json_escape(&k, s, strlen(s));
}

void sw_json_time(FILE *f, sw_time_t t)
{
	struct sw_jw w;

	sw_jw_init_file(&w, f);
	sw_jw_time(&w, t);
}
