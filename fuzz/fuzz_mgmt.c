/*
 * fuzz_mgmt.c - libFuzzer harness for the management plane's parsers: the
 * REST API's JSON body reader (http_json_parse: jansson with caps), the control protocol's JSON field
 * readers (sw_json_get_*), the typed argument parsers of every command of
 * the registry (from a JSON object: sw_cmd_parse_json and the REST entry
 * sw_mgmt_call_json run to the end; from CLI words: sw_cmd_parse_words),
 * and the command line the CLI and the control socket send (sw_mgmt_run,
 * including session filters, configure / set / delete / commit and
 * completion), run against a small live engine with a few sessions in it.
 *
 * The input is split at its first NUL: before it, JSON (the arguments given
 * to every command); after it, command lines, one per line, run in order on
 * one management session (so `configure` then `set ...` then `commit`
 * sequences are reachable), each line's words also parsed as the arguments
 * of every command.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/http-int.h"
#include "mgmt/mgmt.h"
#include "mgmt/registry.h"
#include "statewall/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sw_engine *engine(void)
{
	static const uint8_t syn[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,     /* Ethernet */
		0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0,             /* IPv4 */
		10, 0, 0, 1, 10, 0, 0, 2,
		0x9c, 0x40, 0, 80, 0, 0, 3, 0xe8, 0, 0, 0, 0,         /* TCP SYN */
		0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
	struct sw_conf conf;
	struct sw_engine *e;
	uint8_t f[sizeof(syn)];

	sw_conf_defaults(&conf);
	conf.max_sessions = 64;
	conf.max_tombstones = 8;
	if (sw_engine_create(&e, &conf) < 0)
		abort();
	for (int i = 0; i < 5; i++) {
		memcpy(f, syn, sizeof(f));
		f[35] = (uint8_t)(0x40 + i); /* source port */
		sw_engine_packet(e, f, sizeof(f), SW_LINK_EN10MB, 1700000000LL * SW_NS_PER_SEC + i);
	}
	return e;
}

/* Every command with the JSON arguments `args`, through the REST entry point. */
static void typed_json(const json_t *args)
{
	struct sw_mgmt_host host = {0};
	struct sw_mgmt_sess sess;
	struct sw_dp_direct dpd;
	struct sw_engine *eng = engine();
	char err[256];
	int bad;

	sw_dp_direct_init(&host.dp, &dpd, eng, NULL, NULL);
	sw_mgmt_sess_init(&sess);
	for (unsigned i = 0; i < sw_cmd_count(); i++) {
		const struct sw_cmd *c = sw_cmd_at(i);
		void *frame = calloc(1, c->frame_size);
		struct sw_buf out = {0};

		if (!frame)
			abort();
		(void)sw_cmd_parse_json(c, args, frame, &bad, err, sizeof(err));
		sw_cmd_frame_free(frame);
		free(frame);
		if ((c->modes & SW_MODE_CONF) && sess.mode != SW_MODE_CONF)
			sw_mgmt_run(&host, &sess, "configure", 0, &out, err, sizeof(err));
		else if (!(c->modes & SW_MODE_CONF) && sess.mode == SW_MODE_CONF)
			sess.mode = SW_MODE_OP;
		struct sw_mgmt_call *k = sw_mgmt_call_json(&host, &sess, c->words, args, &out);
		if (!k)
			abort();
		while (sw_mgmt_call_step(k) == SW_CALL_MORE)
			;
		(void)sw_mgmt_call_field(k);
		sw_mgmt_call_free(k);
		sw_buf_free(&out);
	}
	sw_mgmt_sess_free(&sess);
	sw_engine_destroy(eng);
}

/* A line's words as the arguments of every command. */
static void typed_words(const char *line)
{
	size_t l = strlen(line);
	char *buf = malloc(l + 1 + SW_MGMT_MAXARGS), *argv[SW_MGMT_MAXARGS], err[256];
	int argc, bad;

	if (!buf)
		abort();
	argc = sw_mgmt_split(line, buf, l + 1 + SW_MGMT_MAXARGS, argv, SW_MGMT_MAXARGS);
	for (unsigned i = 0; argc >= 0 && i < sw_cmd_count(); i++) {
		const struct sw_cmd *c = sw_cmd_at(i);
		void *frame = calloc(1, c->frame_size);
		if (!frame)
			abort();
		(void)sw_cmd_parse_words(c, argv, argc, frame, &bad, err, sizeof(err));
		free(frame);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t jlen = nul ? (size_t)(nul - data) : size;
	char *json = malloc(jlen + 1), err[256], val[128];
	json_t *v;

	if (!json)
		return 0;
	memcpy(json, data, jlen);
	json[jlen] = 0;
	v = http_json_parse(json, jlen, err, sizeof(err));
	if (v) {
		(void)json_object_get(v, "filter");
		json_decref(v);
	}
	(void)sw_json_get_str(json, "cmd", val, sizeof(val));
	free(sw_json_get_strdup(json, "cmd"));
	(void)sw_json_get_int(json, "id", 0);
	json_t *args = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
	if (args) {
		typed_json(args);
		json_decref(args);
	}
	free(json);

	if (nul && size - jlen - 1 > 0) {
		struct sw_mgmt_host host = {0};
		struct sw_mgmt_sess sess;
		size_t n = size - jlen - 1;
		char *lines = malloc(n + 1);

		if (!lines)
			return 0;
		memcpy(lines, nul + 1, n);
		lines[n] = 0;
		struct sw_dp_direct dpd;
		struct sw_engine *eng = engine();

		sw_dp_direct_init(&host.dp, &dpd, eng, NULL, NULL);
		sw_mgmt_sess_init(&sess);
		for (char *line = strtok(lines, "\n"); line; line = strtok(NULL, "\n")) {
			struct sw_buf out = {0};
			typed_words(line);
			sw_mgmt_run(&host, &sess, line, line[0] & 1, &out, err, sizeof(err));
			sw_buf_free(&out);
			sw_mgmt_complete(&host, &sess, line, &out);
			sw_buf_free(&out);
		}
		sw_mgmt_sess_free(&sess);
		sw_engine_destroy(eng);
		free(lines);
	}
	return 0;
}
