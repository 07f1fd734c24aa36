/*
 * json.c - the output buffer and the little JSON the control protocol needs:
 * writing string literals, and reading string/number members of one flat
 * object (a request, or a response frame).  Not a general parser: nested
 * values are skipped, not interpreted.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/mgmt.h"

/* ---- reading ------------------------------------------------------------- */

static const char *ws(const char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

/*
 * Decode the string literal at p (pointing at the opening quote) into out
 * (may be NULL to only skip it).  Returns the position after the closing
 * quote, NULL if malformed; *outn gets the decoded length.
 */
static const char *str_lit(const char *p, char *out, size_t outlen, size_t *outn)
{
	size_t n = 0;

	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++) {
		char ch = *p;
		if (ch == '\\') {
			p++;
			switch (*p) {
			case '"': ch = '"'; break;
			case '\\': ch = '\\'; break;
			case '/': ch = '/'; break;
			case 'b': ch = '\b'; break;
			case 'f': ch = '\f'; break;
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			case 'u': {
				unsigned v = 0;
				for (int i = 1; i <= 4; i++) {
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
					v = v * 16 + (unsigned)(isdigit((unsigned char)p[i])
						? p[i] - '0' : (tolower((unsigned char)p[i]) - 'a' + 10));
				}
				p += 4;
				if (v < 0x80) {
					ch = (char)v;
				} else {
					/* UTF-8 encode (BMP only; surrogates are passed through as is) */
					char u[3];
					size_t k;
					if (v < 0x800) {
						u[0] = (char)(0xc0 | (v >> 6));
						u[1] = (char)(0x80 | (v & 0x3f));
						k = 2;
					} else {
						u[0] = (char)(0xe0 | (v >> 12));
						u[1] = (char)(0x80 | ((v >> 6) & 0x3f));
						u[2] = (char)(0x80 | (v & 0x3f));
						k = 3;
					}
					for (size_t i = 0; i < k; i++, n++)
						if (out && n + 1 < outlen)
							out[n] = u[i];
					continue;
				}
				break;
			}
			default: return NULL;
			}
		}
		if (out && n + 1 < outlen)
			out[n] = ch;
		n++;
	}
	if (*p != '"')
		return NULL;
	if (out && outlen)
		out[n < outlen ? n : outlen - 1] = '\0';
	if (outn)
		*outn = n;
	return p + 1;
}

/* Skip any JSON value; NULL if malformed. */
static const char *skip_value(const char *p, int depth)
{
	p = ws(p);
	if (depth > 32)
		return NULL;
	if (*p == '"')
		return str_lit(p, NULL, 0, NULL);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		p = ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				p = str_lit(ws(p), NULL, 0, NULL);
				if (!p)
					return NULL;
				p = ws(p);
				if (*p != ':')
					return NULL;
				p++;
			}
			p = skip_value(p, depth + 1);
			if (!p)
				return NULL;
			p = ws(p);
			if (*p == close)
				return p + 1;
			if (*p != ',')
				return NULL;
			p++;
		}
	}
	if (!*p)
		return NULL;
	while (*p && (isalnum((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.'))
		p++;
	return p;
}

/* Position of key's value in the top-level object, or NULL. */
static const char *find_key(const char *obj, const char *key)
{
	const char *p = ws(obj);
	char name[64];

	if (*p != '{')
		return NULL;
	p = ws(p + 1);
	if (*p == '}')
		return NULL;
	for (;;) {
		size_t n;
		p = str_lit(ws(p), name, sizeof(name), &n);
		if (!p)
			return NULL;
		p = ws(p);
		if (*p != ':')
			return NULL;
		p = ws(p + 1);
		if (n < sizeof(name) && strcmp(name, key) == 0)
			return p;
		p = skip_value(p, 0);
		if (!p)
			return NULL;
		p = ws(p);
		if (*p != ',')
			return NULL;
		p++;
	}
}

int sw_json_get_str(const char *obj, const char *key, char *out, size_t outlen)
{
	const char *v = find_key(obj, key);
	size_t n;

	if (!v || *v != '"')
		return v ? -1 : 0;
	if (!str_lit(v, out, outlen, &n))
		return -1;
	return n < outlen ? 1 : -1;
}

char *sw_json_get_strdup(const char *obj, const char *key)
{
	const char *v = find_key(obj, key);
	size_t n;
	char *s;

	if (!v || *v != '"' || !str_lit(v, NULL, 0, &n))
		return NULL;
	s = malloc(n + 1);
	if (s)
		str_lit(v, s, n + 1, NULL);
	return s;
}

long sw_json_get_int(const char *obj, const char *key, long def)
{
	const char *v = find_key(obj, key);

	if (!v)
		return def;
	if (strncmp(v, "true", 4) == 0)
		return 1;
	if (strncmp(v, "false", 5) == 0 || strncmp(v, "null", 4) == 0)
		return 0;
	if (*v == '-' || isdigit((unsigned char)*v))
		return strtol(v, NULL, 10);
	return def;
}
