/*
 * rest_json.c - a strict, bounded JSON parser for REST request bodies.
 *
 * Recursive descent over one buffer, depth-limited; the tree is a list of
 * sw_jv nodes (objects and arrays keep their children as a linked list).
 * Every error says where (byte offset) and what.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/rest.h"

struct jp {
	const char *p, *start, *end;
	char *err;
	size_t errlen;
	int failed;
};

static void jerr(struct jp *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jerr(struct jp *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->failed)
		return;
	j->failed = 1;
	n = snprintf(j->err, j->errlen, "offset %zu: ", (size_t)(j->p - j->start));
	if (n < 0 || (size_t)n >= j->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(j->err + n, j->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

const char *sw_jv_type_name(int type)
{
	switch (type) {
	case SW_JNULL: return "null";
	case SW_JBOOL: return "boolean";
	case SW_JNUM: return "number";
	case SW_JSTR: return "string";
	case SW_JARR: return "array";
	case SW_JOBJ: return "object";
	default: return "?";
	}
}

void sw_jv_free(struct sw_jv *v)
{
	while (v) {
		struct sw_jv *next = v->next;
		sw_jv_free(v->kid);
		free(v->s);
		free(v->key);
		free(v);
		v = next;
	}
}

static int hex4(struct jp *j, unsigned *out)
{
	unsigned v = 0;

	if (j->end - j->p < 4) {
		jerr(j, "truncated \\u escape");
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		char ch = *j->p++;
		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
		else {
			jerr(j, "bad \\u escape");
			return -1;
		}
	}
	*out = v;
	return 0;
}

/* A string literal (j->p at the opening quote); allocated, NUL-terminated. */
static char *jstring(struct jp *j)
{
	size_t cap = 32, n = 0;
	char *s = malloc(cap);

	if (!s) {
		jerr(j, "out of memory");
		return NULL;
	}
	j->p++; /* " */
	for (;;) {
		unsigned char ch;
		char tmp[4];
		size_t tn = 0;

		if (j->p >= j->end) {
			jerr(j, "unterminated string");
			goto bad;
		}
		ch = (unsigned char)*j->p++;
		if (ch == '"')
			break;
		if (ch < 0x20) {
			jerr(j, "control character in a string");
			goto bad;
		}
		if (ch != '\\') {
			tmp[tn++] = (char)ch;
		} else {
			if (j->p >= j->end) {
				jerr(j, "unterminated string");
				goto bad;
			}
			ch = (unsigned char)*j->p++;
			switch (ch) {
			case '"': tmp[tn++] = '"'; break;
			case '\\': tmp[tn++] = '\\'; break;
			case '/': tmp[tn++] = '/'; break;
			case 'b': tmp[tn++] = '\b'; break;
			case 'f': tmp[tn++] = '\f'; break;
			case 'n': tmp[tn++] = '\n'; break;
			case 'r': tmp[tn++] = '\r'; break;
			case 't': tmp[tn++] = '\t'; break;
			case 'u': {
				unsigned cp, lo;
				if (hex4(j, &cp) < 0)
					goto bad;
				if (cp >= 0xd800 && cp < 0xdc00) {
					if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u') {
						jerr(j, "unpaired surrogate");
						goto bad;
					}
					j->p += 2;
					if (hex4(j, &lo) < 0)
						goto bad;
					if (lo < 0xdc00 || lo > 0xdfff) {
						jerr(j, "unpaired surrogate");
						goto bad;
					}
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				} else if (cp >= 0xdc00 && cp <= 0xdfff) {
					jerr(j, "unpaired surrogate");
					goto bad;
				}
				if (cp == 0) {
					jerr(j, "\\u0000 is not accepted");
					goto bad;
				}
				if (cp < 0x80) {
					tmp[tn++] = (char)cp;
				} else if (cp < 0x800) {
					tmp[tn++] = (char)(0xc0 | cp >> 6);
					tmp[tn++] = (char)(0x80 | (cp & 0x3f));
				} else if (cp < 0x10000) {
					tmp[tn++] = (char)(0xe0 | cp >> 12);
					tmp[tn++] = (char)(0x80 | (cp >> 6 & 0x3f));
					tmp[tn++] = (char)(0x80 | (cp & 0x3f));
				} else {
					tmp[tn++] = (char)(0xf0 | cp >> 18);
					tmp[tn++] = (char)(0x80 | (cp >> 12 & 0x3f));
					tmp[tn++] = (char)(0x80 | (cp >> 6 & 0x3f));
					tmp[tn++] = (char)(0x80 | (cp & 0x3f));
				}
				break;
			}
			default:
				jerr(j, "bad escape \\%c", ch >= 0x20 && ch < 0x7f ? ch : '?');
				goto bad;
			}
		}
		if (n + tn + 1 > cap) {
			char *ns;
			while (n + tn + 1 > cap)
				cap *= 2;
			ns = realloc(s, cap);
			if (!ns) {
				jerr(j, "out of memory");
				goto bad;
			}
			s = ns;
		}
		memcpy(s + n, tmp, tn);
		n += tn;
	}
	s[n] = '\0';
	return s;
bad:
	free(s);
	return NULL;
}

static struct sw_jv *jvalue(struct jp *j, int depth);

static struct sw_jv *jnew(struct jp *j, int type)
{
	struct sw_jv *v = calloc(1, sizeof(*v));

	if (!v)
		jerr(j, "out of memory");
	else
		v->type = type;
	return v;
}

static int jlit(struct jp *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0) {
		jerr(j, "unexpected character");
		return -1;
	}
	j->p += n;
	return 0;
}

/* One or more decimal digits; -1 with "bad number" if there is none. */
static int digits(struct jp *j)
{
	if (j->p >= j->end || *j->p < '0' || *j->p > '9') {
		jerr(j, "bad number");
		return -1;
	}
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return 0;
}

static struct sw_jv *jnumber(struct jp *j)
{
	const char *s = j->p;
	int frac = 0;
	char buf[64];
	struct sw_jv *v;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++; /* RFC 8259: no leading zeros */
	else if (digits(j) < 0)
		return NULL;
	if (j->p < j->end && *j->p == '.') {
		frac = 1;
		j->p++;
		if (digits(j) < 0)
			return NULL;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		frac = 1;
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (digits(j) < 0)
			return NULL;
	}
	if ((size_t)(j->p - s) >= sizeof(buf)) {
		jerr(j, "number too long");
		return NULL;
	}
	memcpy(buf, s, (size_t)(j->p - s));
	buf[j->p - s] = '\0';
	if (!(v = jnew(j, SW_JNUM)))
		return NULL;
	errno = 0;
	v->d = strtod(buf, NULL);
	if (!frac) {
		long long ll;
		errno = 0;
		ll = strtoll(buf, NULL, 10);
		if (errno == 0) {
			v->is_int = 1;
			v->i = ll;
		}
	}
	if (!isfinite(v->d)) {
		free(v);
		jerr(j, "number out of range");
		return NULL;
	}
	return v;
}

static struct sw_jv *jcontainer(struct jp *j, int depth, int obj)
{
	struct sw_jv *v = jnew(j, obj ? SW_JOBJ : SW_JARR), **tail;

	if (!v)
		return NULL;
	tail = &v->kid;
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
		j->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct sw_jv *kid;

		ws(j);
		if (obj) {
			if (j->p >= j->end || *j->p != '"') {
				jerr(j, "expected a member name in double quotes");
				goto bad;
			}
			if (!(key = jstring(j)))
				goto bad;
			for (struct sw_jv *k = v->kid; k; k = k->next)
				if (strcmp(k->key, key) == 0) {
					jerr(j, "duplicate member \"%.64s\"", key);
					free(key);
					goto bad;
				}
			ws(j);
			if (j->p >= j->end || *j->p != ':') {
				jerr(j, "expected ':'");
				free(key);
				goto bad;
			}
			j->p++;
		}
		kid = jvalue(j, depth + 1);
		if (!kid) {
			free(key);
			goto bad;
		}
		kid->key = key;
		*tail = kid;
		tail = &kid->next;
		v->n++;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
			j->p++;
			return v;
		}
		jerr(j, "expected ',' or '%c'", obj ? '}' : ']');
		goto bad;
	}
bad:
	sw_jv_free(v);
	return NULL;
}

static struct sw_jv *jvalue(struct jp *j, int depth)
{
	struct sw_jv *v;

	if (depth > SW_JSON_MAX_DEPTH) {
		jerr(j, "nested deeper than %d", SW_JSON_MAX_DEPTH);
		return NULL;
	}
	ws(j);
	if (j->p >= j->end) {
		jerr(j, "unexpected end of input");
		return NULL;
	}
	switch (*j->p) {
	case '{': return jcontainer(j, depth, 1);
	case '[': return jcontainer(j, depth, 0);
	case '"': {
		char *s = jstring(j);
		if (!s)
			return NULL;
		if (!(v = jnew(j, SW_JSTR))) {
			free(s);
			return NULL;
		}
		v->s = s;
		return v;
	}
	case 't':
	case 'f':
		if (jlit(j, *j->p == 't' ? "true" : "false") < 0 || !(v = jnew(j, SW_JBOOL)))
			return NULL;
		v->b = j->p[-1] == 'e' && j->p[-2] == 'u';
		return v;
	case 'n':
		if (jlit(j, "null") < 0)
			return NULL;
		return jnew(j, SW_JNULL);
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return jnumber(j);
		jerr(j, "unexpected character");
		return NULL;
	}
}

struct sw_jv *sw_jv_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	struct jp j = {.p = buf, .start = buf, .end = buf + len, .err = err, .errlen = errlen};
	struct sw_jv *v;

	if (errlen)
		err[0] = '\0';
	v = jvalue(&j, 0);
	if (!v)
		return NULL;
	ws(&j);
	if (j.p != j.end) {
		jerr(&j, "trailing characters after the JSON value");
		sw_jv_free(v);
		return NULL;
	}
	return v;
}

const struct sw_jv *sw_jv_get(const struct sw_jv *o, const char *key)
{
	if (!o || o->type != SW_JOBJ)
		return NULL;
	for (const struct sw_jv *k = o->kid; k; k = k->next)
		if (strcmp(k->key, key) == 0)
			return k;
	return NULL;
}
