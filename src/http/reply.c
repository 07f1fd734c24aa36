/*
 * reply.c - what every endpoint uses to read a request and write its answer:
 * JSON bodies read with jansson (duplicates, depth, NUL and bad UTF-8
 * refused), query parameters, the JSON string writer that never lets
 * invalid UTF-8 through, error bodies and the response headers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http-int.h"

/* ---- UTF-8 ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4
												 : 0;
	}
	return 0;
}

void http_json_str(struct sw_buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	sw_buf_put(b, "\"", 1);
	while (*s) {
		size_t n = utf8_seq(s);
		if (!n) {
			sw_buf_puts(b, "\\ufffd");
			s++;
		} else if (*s == '"' || *s == '\\') {
			char e[2] = {'\\', (char)*s};
			sw_buf_put(b, e, 2);
			s++;
		} else if (*s == '\n') {
			sw_buf_puts(b, "\\n");
			s++;
		} else if (*s == '\t') {
			sw_buf_puts(b, "\\t");
			s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			sw_buf_printf(b, "\\u%04x", *s);
			s++;
		} else {
			sw_buf_put(b, s, n);
			s += n;
		}
	}
	sw_buf_put(b, "\"", 1);
}

void http_utf8_clean(char *out, size_t outlen, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t o = 0;

	if (!outlen)
		return;
	while (*s) {
		size_t n = utf8_seq(s);
		if (!n || *s < 0x20 || *s == 0x7f) {
			const char *rep = n ? "?" : "\xef\xbf\xbd";
			size_t rl = strlen(rep);
			if (o + rl >= outlen)
				break;
			memcpy(out + o, rep, rl);
			o += rl;
			s++;
			continue;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, s, n);
		o += n;
		s += n;
	}
	out[o] = '\0';
}

/* ---- responses ------------------------------------------------------------ */

void http_set_json(struct req *r, int status, struct sw_buf *b)
{
	sw_buf_free(&r->resp);
	r->resp = *b;
	memset(b, 0, sizeof(*b));
	r->status = status;
	r->ctype = "application/json";
	r->ready = 1;
}

static void set_error_v(struct req *r, int status, const char *field, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static void set_error_v(struct req *r, int status, const char *field, const char *fmt, va_list ap)
{
	struct sw_buf b = {0};
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	sw_buf_puts(&b, "{\"error\":");
	http_json_str(&b, msg);
	if (field) {
		sw_buf_puts(&b, ",\"field\":");
		http_json_str(&b, field);
	}
	sw_buf_printf(&b, ",\"status\":%d}\n", status);
	http_set_json(r, status, &b);
}

void http_set_error(struct req *r, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error_v(r, status, NULL, fmt, ap);
	va_end(ap);
}

void http_set_field_error(struct req *r, int status, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error_v(r, status, field, fmt, ap);
	va_end(ap);
}

void http_method_not_allowed(struct req *r, const char *allow)
{
	http_set_error(r, 405, "method not allowed here (allowed: %s)", allow);
}

void http_add_common_headers(struct MHD_Response *resp, int api)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; style-src 'self'; "
				"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
				"base-uri 'none'; form-action 'self'");
	MHD_add_response_header(resp, "Cache-Control", api ? "no-store" : "no-cache");
}

enum MHD_Result http_send_ready(struct req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len = r->resp.len;
	char *p = r->resp.p;

	if (r->resp.oom) {
		sw_buf_free(&r->resp);
		p = NULL;
		len = 0;
		r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	if (p) {
		resp = MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE);
		memset(&r->resp, 0, sizeof(r->resp));
	} else {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!resp)
		return MHD_NO;
	if (r->ctype)
		MHD_add_response_header(resp, "Content-Type", r->ctype);
	http_add_common_headers(resp, 1);
	if (r->cookie[0])
		MHD_add_response_header(resp, "Set-Cookie", r->cookie);
	if (r->cookie2[0])
		MHD_add_response_header(resp, "Set-Cookie", r->cookie2);
	if (r->retry_after > 0) {
		char v[16];
		snprintf(v, sizeof(v), "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", v);
	}
	if (r->close)
		MHD_add_response_header(resp, "Connection", "close");
	if (r->status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"statewall\"");
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- JSON request bodies -------------------------------------------------- */

/*
 * Linear pre-scan: nesting depth (jansson's own limit is a compile-time
 * 2048) and the number of values, so that what jansson builds is bounded
 * whatever the body holds.  The offset of the first excess, or -1.
 */
static long too_big(const char *buf, size_t len, const char **what)
{
	int depth = 0, in_str = 0;
	unsigned values = 1;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > HTTP_JSON_MAX_DEPTH) {
				*what = "nested deeper than " SW_STR(HTTP_JSON_MAX_DEPTH) " levels";
				return (long)i;
			}
		} else if (c == ']' || c == '}') {
			depth--;
		} else if (c == ',' && ++values > HTTP_JSON_MAX_VALUES) {
			*what = "more than " SW_STR(HTTP_JSON_MAX_VALUES) " values";
			return (long)i;
		}
	}
	return -1;
}

json_t *http_json_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *v;
	const char *what = "";
	long at = too_big(buf, len, &what);
	char clean[JSON_ERROR_TEXT_LENGTH * 2];

	if (at >= 0) {
		snprintf(err, errlen, "offset %ld: %s", at, what);
		return NULL;
	}
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!v) {
		http_utf8_clean(clean, sizeof(clean), je.text);
		snprintf(err, errlen, "offset %d: %s", je.position, clean);
	}
	return v;
}

const char *http_json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
	default:
		return "null";
	}
}

json_t *http_body_object(struct req *r)
{
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
	char e[512];
	json_t *v;

	if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
		http_set_error(r, 415, "the body must be JSON (Content-Type: application/json)");
		return NULL;
	}
	if (!r->body.len) {
		http_set_error(r, 400, "empty body: expected a JSON object");
		return NULL;
	}
	v = http_json_parse(r->body.p, r->body.len, e, sizeof(e));
	if (!v) {
		http_set_error(r, 400, "malformed JSON: %s", e);
		return NULL;
	}
	if (!json_is_object(v)) {
		http_set_error(r, 400, "expected a JSON object, got %s", http_json_type_name(v));
		json_decref(v);
		return NULL;
	}
	return v;
}

int http_only_members(struct req *r, json_t *o, const char *const *known, const char *where)
{
	const char *k;
	json_t *val;

	json_object_foreach(o, k, val) {
		int ok = 0;
		for (unsigned i = 0; known[i]; i++)
			ok |= strcmp(k, known[i]) == 0;
		if (!ok) {
			struct sw_buf l = {0};
			char name[96];
			for (unsigned i = 0; known[i]; i++)
				sw_buf_printf(&l, "%s%s", i ? ", " : "", known[i]);
			http_utf8_clean(name, sizeof(name), k);
			http_set_field_error(r, 400, name, "unknown member \"%.64s\" in %s (known: %s)", name,
					     where, l.p ? l.p : "");
			sw_buf_free(&l);
			return -1;
		}
	}
	return 0;
}

/* ---- query parameters ----------------------------------------------------- */

int http_parse_num(const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	if (!v || !*v)
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (*end || errno || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

struct noargs {
	char name[96];
	int bad;
};

static enum MHD_Result no_args(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct noargs *q = cls;

	(void)kind;
	(void)value;
	http_utf8_clean(q->name, sizeof(q->name), key);
	q->bad = 1;
	return MHD_NO;
}

int http_refuse_args(struct req *r)
{
	struct noargs q = {.bad = 0};

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, no_args, &q);
	if (q.bad) {
		http_set_field_error(r, 400, q.name, "unknown query parameter '%.64s'", q.name);
		return -1;
	}
	return 0;
}
