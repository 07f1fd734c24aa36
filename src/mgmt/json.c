/*
 * json.c - the control protocol's reader: string and number members of one
 * request or response frame, over jansson (strict parsing of untrusted
 * input: duplicate keys refused, depth bounded by the library).  Writing
 * JSON is util/json.h's job.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/mgmt.h"

/* The member `key` of the object in `obj`; *root to decref.  NULL: absent or malformed (*bad). */
static json_t *member(const char *obj, const char *key, json_t **root, int *bad)
{
	json_error_t e;

	*bad = 0;
	*root = json_loads(obj, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	if (!*root || !json_is_object(*root)) {
		*bad = 1;
		return NULL;
	}
	return json_object_get(*root, key);
}

/* The string value of v, NULL if v is no string or holds a NUL. */
static const char *str_of(json_t *v, size_t *n)
{
	if (!json_is_string(v))
		return NULL;
	*n = json_string_length(v);
	if (memchr(json_string_value(v), '\0', *n))
		return NULL;
	return json_string_value(v);
}

int sw_json_get_str(const char *obj, const char *key, char *out, size_t outlen)
{
	json_t *root, *v;
	int bad, rc;
	const char *s;
	size_t n = 0;

	v = member(obj, key, &root, &bad);
	if (!v) {
		json_decref(root);
		return bad ? -1 : 0;
	}
	s = str_of(v, &n);
	if (!s || n >= outlen) {
		rc = -1;
	} else {
		memcpy(out, s, n + 1);
		rc = 1;
	}
	json_decref(root);
	return rc;
}

char *sw_json_get_strdup(const char *obj, const char *key)
{
	json_t *root, *v;
	int bad;
	const char *s;
	size_t n = 0;
	char *r = NULL;

	v = member(obj, key, &root, &bad);
	if (v && (s = str_of(v, &n)))
		r = strdup(s);
	json_decref(root);
	return r;
}

long sw_json_get_int(const char *obj, const char *key, long def)
{
	json_t *root, *v;
	int bad;
	long r = def;

	v = member(obj, key, &root, &bad);
	if (json_is_true(v))
		r = 1;
	else if (json_is_false(v) || json_is_null(v))
		r = 0;
	else if (json_is_integer(v))
		r = (long)json_integer_value(v);
	else if (json_is_real(v))
		r = (long)json_real_value(v);
	json_decref(root);
	return r;
}
