/*
 * rest.h - what the HTTP front end (http.c) needs beyond mgmt.h: a strict
 * JSON reader for request bodies (rest_json.c).
 *
 * mgmt.h's sw_json_get_* read one member of a flat object and skip what they
 * do not understand; a REST API must instead refuse malformed JSON, wrong
 * types and unknown members with a message, so request bodies are parsed
 * completely into a small tree first.
 */
#ifndef SW_HTTP_REST_H
#define SW_HTTP_REST_H

#include <stddef.h>
#include <stdint.h>

enum sw_jt { SW_JNULL, SW_JBOOL, SW_JNUM, SW_JSTR, SW_JARR, SW_JOBJ };

struct sw_jv {
	int type;          /* enum sw_jt */
	int b;             /* SW_JBOOL */
	int is_int;        /* SW_JNUM: written without fraction or exponent, fits int64 */
	int64_t i;         /* SW_JNUM with is_int */
	double d;          /* SW_JNUM */
	char *s;           /* SW_JSTR (NUL-terminated; embedded NULs are refused) */
	char *key;         /* member name when the parent is an object */
	struct sw_jv *kid; /* first element / member */
	struct sw_jv *next;
	unsigned n;        /* elements / members */
};

#define SW_JSON_MAX_DEPTH 16

/*
 * Parse exactly one JSON value (RFC 8259; surrounding white space allowed)
 * from buf[0..len).  Duplicate member names, depth beyond SW_JSON_MAX_DEPTH
 * and invalid UTF-8 escapes are errors.  Returns the tree (free with
 * sw_jv_free) or NULL with "offset N: what" in err.
 */
struct sw_jv *sw_jv_parse(const char *buf, size_t len, char *err, size_t errlen);
void sw_jv_free(struct sw_jv *v);
/* Member `key` of object o, or NULL. */
const struct sw_jv *sw_jv_get(const struct sw_jv *o, const char *key);
const char *sw_jv_type_name(int type);

#endif
