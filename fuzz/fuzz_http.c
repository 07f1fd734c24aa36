/*
 * fuzz_http.c - what the web server reads and echoes (src/http/reply.c):
 * the JSON body reader (jansson with the depth and value caps) on any
 * bytes, and the writers of anything echoed back -- the JSON string writer
 * and the UTF-8 cleaner -- whose output must always be valid UTF-8 JSON,
 * with valid input kept as it was.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], clean[256];
	char *s = malloc(size + 1);
	struct sw_buf b = {0};
	json_t *v, *back;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	/* the body reader: any bytes; its message is itself valid UTF-8 */
	v = http_json_parse((const char *)data, size, err, sizeof(err));
	if (!v) {
		if (!(back = json_string(err)))
			abort();
		json_decref(back);
	}
	json_decref(v);

	/* the JSON string writer: always a valid JSON string, and valid UTF-8 comes back unchanged */
	http_json_str(&b, s);
	back = json_loadb(b.p, b.len, JSON_DECODE_ANY, NULL);
	if (!back || !json_is_string(back))
		abort();
	json_t *orig = json_string(s);
	if (orig && !b.oom && strcmp(json_string_value(orig), json_string_value(back)) != 0)
		abort();
	json_decref(orig);
	json_decref(back);
	sw_buf_free(&b);

	/* the cleaner: valid UTF-8 within its bound */
	http_utf8_clean(clean, sizeof(clean), s);
	if (strlen(clean) >= sizeof(clean) || !(back = json_string(clean)))
		abort();
	json_decref(back);
	free(s);
	return 0;
}
