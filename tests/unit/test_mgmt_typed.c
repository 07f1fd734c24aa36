/*
 * test_mgmt_typed.c - every command family through the typed interface, as
 * REST drives it (no sockets, no command strings): arguments from jansson
 * objects, 0 / -errno results with the offending field, the same frame from
 * CLI words and from JSON; the one escaper on invalid UTF-8 (issue 10,
 * item 5); a pending-at-restart setting that a later commit keeps (issue
 * 10, item 12).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "mgmt/registry.h"
#include "pktbuild.h"
#include "statewall/engine.h"

#define T0 (1000000000LL * SW_NS_PER_SEC)

struct fx {
	struct sw_engine *e;
	struct sw_mgmt_host h;
	struct sw_dp_direct dpd;
	struct sw_mgmt_sess s;
	struct sw_buf out;
	int rc;
	char field[64], err[768];
};

static void syn(struct sw_engine *e, const char *src, uint16_t sp, uint16_t dp)
{
	struct pb_seg g = {.src = src, .dst = "10.9.9.9", .sport = sp, .dport = dp,
			   .flags = SW_TH_SYN, .seq = 1000, .win = 65535, .wscale = -1};
	struct pb_pkt p;
	pb_tcp(&p, &g);
	sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, T0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sw_conf c;

	sw_conf_defaults(&c);
	c.max_sessions = 4096;
	assert_int_equal(sw_engine_create(&f->e, &c), 0);
	sw_dp_direct_init(&f->h.dp, &f->dpd, f->e, NULL, NULL);
	f->h.started = T0;
	sw_mgmt_sess_init(&f->s);
	for (int i = 0; i < 100; i++)
		syn(f->e, "10.0.0.1", (uint16_t)(20000 + i), 80);
	for (int i = 0; i < 10; i++)
		syn(f->e, "10.0.1.1", (uint16_t)(30000 + i), 22);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sw_mgmt_sess_free(&f->s);
	sw_buf_free(&f->out);
	sw_engine_destroy(f->e);
	free(f);
	return 0;
}

/* Run `words` with the JSON arguments `args` (a JSON text or NULL): rc, field, message, out. */
static int call(struct fx *f, const char *words, const char *args)
{
	json_t *a = args ? json_loads(args, 0, NULL) : NULL;
	struct sw_mgmt_call *c;
	const char *fl;

	if (args)
		assert_non_null(a);
	f->out.len = 0;
	if (f->out.p)
		f->out.p[0] = '\0';
	c = sw_mgmt_call_json(&f->h, &f->s, words, a, &f->out);
	assert_non_null(c);
	json_decref(a); /* the call keeps nothing of it */
	while (sw_mgmt_call_step(c) == SW_CALL_MORE)
		;
	f->rc = sw_mgmt_call_rc(c);
	fl = sw_mgmt_call_field(c);
	snprintf(f->field, sizeof(f->field), "%s", fl ? fl : "");
	snprintf(f->err, sizeof(f->err), "%s", sw_mgmt_call_error(c));
	sw_mgmt_call_free(c);
	if (f->rc == 0) {
		json_t *v = json_loads(f->out.p, JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(v);
		json_decref(v);
	}
	return f->rc;
}

/* ---- session ----------------------------------------------------------------- */

static void test_session_family(void **state)
{
	struct fx *f = *state;

	assert_int_equal(call(f, "show session all", "{\"protocol\":\"tcp\",\"destination_port\":22}"), 0);
	assert_non_null(strstr(f->out.p, "\"matched\":10,"));
	assert_int_equal(call(f, "show session all", "{\"source\":\"10.0.0.0/24\",\"count\":true}"), 0);
	assert_non_null(strstr(f->out.p, "\"matched\":100,"));
	assert_int_equal(call(f, "show session all", "{\"limit\":5,\"start_at\":\"3\"}"), 0);
	assert_non_null(strstr(f->out.p, "\"next_start_at\":8"));
	assert_int_equal(call(f, "show session all", "{\"source\":\"10.0.0.300\"}"), -EINVAL);
	assert_string_equal(f->field, "source");
	assert_non_null(strstr(f->err, "10.0.0.300"));
	assert_int_equal(call(f, "show session all", "{\"state\":\"closing\"}"), -EINVAL);
	assert_string_equal(f->field, "state");
	assert_int_equal(call(f, "show session all", "{\"destination_port\":70000}"), -EINVAL);
	assert_string_equal(f->field, "destination_port");
	assert_int_equal(call(f, "show session all", "{\"colour\":\"red\"}"), -EINVAL);
	assert_string_equal(f->field, "");
	assert_non_null(strstr(f->err, "colour"));
	assert_int_equal(call(f, "show session all", "{\"limit\":[1]}"), -EINVAL);
	assert_string_equal(f->field, "limit");
	assert_int_equal(call(f, "show session all", "[1]"), -EINVAL);

	assert_int_equal(call(f, "show session id", "{\"id\":5}"), 0);
	assert_non_null(strstr(f->out.p, "\"id\":5,"));
	assert_int_equal(call(f, "show session id", "{\"id\":999999}"), -ENOENT);
	assert_string_equal(f->field, "id");
	assert_int_equal(call(f, "show session id", "{\"id\":\"five\"}"), -EINVAL);
	assert_string_equal(f->field, "id");
	assert_int_equal(call(f, "show session id", "{\"id\":-1}"), -EINVAL);
	assert_int_equal(call(f, "show session id", "{}"), -EINVAL);
	assert_string_equal(f->field, "id");
	assert_non_null(strstr(f->err, "missing argument"));
	assert_int_equal(call(f, "show session id", NULL), -EINVAL);

	assert_int_equal(call(f, "clear session id", "{\"id\":3}"), 0);
	assert_non_null(strstr(f->out.p, "\"cleared\":1"));
	assert_int_equal(call(f, "clear session id", "{\"id\":3}"), -ENOENT);
	assert_int_equal(call(f, "clear session all", "{\"destination_port\":22}"), 0);
	assert_non_null(strstr(f->out.p, "\"cleared\":10}"));
	assert_int_equal(call(f, "clear session all", "{\"limit\":1}"), -EINVAL); /* no paging here */
	assert_int_equal(call(f, "no such command", NULL), -ENOENT);
}

/* The same frame from CLI words and from JSON. */
static void test_words_and_json_agree(void **st)
{
	const struct sw_cmd *c = sw_cmd_find("show session all");
	char *words[] = {"filter", "source", "10.0.0.0/8", "protocol", "udp", "destination-port",
			 "53", "state", "half-closed", "limit", "5", "count", "yes", "start-at", "9"};
	json_t *j = json_loads("{\"filter\":true,\"source\":\"10.0.0.0/8\",\"protocol\":17,"
			       "\"destination_port\":\"53\",\"state\":\"half-closed\",\"limit\":5,"
			       "\"count\":\"yes\",\"start_at\":9}", 0, NULL);
	char err[256];
	int bad;
	(void)st;

	assert_non_null(c);
	void *a = calloc(1, c->frame_size), *b = calloc(1, c->frame_size);
	assert_int_equal(sw_cmd_parse_words(c, words, 15, a, &bad, err, sizeof(err)), 0);
	assert_int_equal(sw_cmd_parse_json(c, j, b, &bad, err, sizeof(err)), 0);
	assert_memory_equal(a, b, c->frame_size);
	/* the same refusal, naming the same argument */
	char *bw[] = {"protocol", "gre"};
	json_t *bj = json_pack("{s:s}", "protocol", "gre");
	int b1, b2;
	char e1[256], e2[256];
	assert_int_equal(sw_cmd_parse_words(c, bw, 2, a, &b1, e1, sizeof(e1)), -EINVAL);
	assert_int_equal(sw_cmd_parse_json(c, bj, b, &b2, e2, sizeof(e2)), -EINVAL);
	assert_int_equal(b1, b2);
	assert_string_equal(e1, e2);
	json_decref(bj);
	json_decref(j);
	free(a);
	free(b);
}

/* ---- stats ------------------------------------------------------------------- */

static void tail(void *ctx, struct sw_emit *e)
{
	sw_emit_u64(e, "broken_sessions", NULL, *(uint64_t *)ctx);
}

static void test_stats_family(void **state)
{
	struct fx *f = *state;
	uint64_t broken = 42;

	assert_int_equal(call(f, "show session info", NULL), 0);
	assert_non_null(strstr(f->out.p, "\"active\":110,"));
	assert_int_equal(call(f, "show session info", "{\"verbose\":true}"), -EINVAL);
	assert_int_equal(call(f, "show counter global", "{}"), 0);
	assert_non_null(strstr(f->out.p, "\"sessions-created\":110"));
	assert_int_equal(call(f, "show interface", NULL), 0);
	assert_non_null(strstr(f->out.p, "\"interfaces\":[]"));

	/* REST's extra members go inside the document, not after it */
	struct sw_mgmt_call *c = sw_mgmt_call_json(&f->h, &f->s, "show session info", NULL, &f->out);
	f->out.len = 0;
	sw_mgmt_call_set_tail(c, tail, &broken);
	while (sw_mgmt_call_step(c) == SW_CALL_MORE)
		;
	assert_int_equal(sw_mgmt_call_rc(c), 0);
	sw_mgmt_call_free(c);
	json_t *v = json_loads(f->out.p, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(v, "broken_sessions")), 42);
	assert_int_equal(json_integer_value(json_object_get(v, "active")), 110);
	json_decref(v);
}

/* ---- config ------------------------------------------------------------------ */

static void test_config_family(void **state)
{
	struct fx *f = *state;

	assert_int_equal(call(f, "set", "{\"words\":\"deviceconfig setting session timeout-tcp 5\"}"),
			 -EACCES); /* operational mode */
	assert_int_equal(call(f, "configure", NULL), 0);
	assert_int_equal(f->s.mode, SW_MODE_CONF);
	assert_int_equal(call(f, "show session info", NULL), -EACCES);
	assert_int_equal(call(f, "set", "{\"words\":\"deviceconfig setting session timeout-tcp 99999999\"}"),
			 -EINVAL);
	assert_string_equal(f->field, "timeout-tcp");
	assert_non_null(strstr(f->err, "99999999"));
	assert_int_equal(call(f, "set", "{\"words\":\"deviceconfig setting session timeout-tcp 5\"}"), 0);
	assert_non_null(strstr(f->out.p, "\"uncommitted\":1"));
	assert_int_equal(call(f, "set", "{\"words\":\"rulebase security rules \\\"no ssh\\\" protocol tcp\"}"),
			 0);
	assert_int_equal(call(f, "set", "{\"words\":\"rulebase security rules \\\"no ssh\\\" action deny\"}"),
			 0);
	/* REST's settings: typed, no line to write */
	assert_int_equal(call(f, "set setting", "{\"name\":\"timeout-udp\",\"value\":45}"), 0);
	assert_int_equal(call(f, "set setting", "{\"name\":\"half-close-mode\",\"value\":\"fixed\"}"), 0);
	assert_int_equal(call(f, "set setting", "{\"name\":\"timeout-udp\",\"value\":\"lots\"}"),
			 -EINVAL);
	assert_string_equal(f->field, "timeout-udp");
	assert_int_equal(call(f, "set setting", "{\"name\":\"timeout-bogus\",\"value\":1}"), -EINVAL);
	assert_string_equal(f->field, "name");
	assert_int_equal(call(f, "set setting", "{\"name\":\"timeout-udp\"}"), -EINVAL);
	assert_string_equal(f->field, "value");
	{
		/* not a CLI command: `set setting ...` typed is the set grammar, and help omits it */
		char err[256];
		struct sw_buf b = {0};
		assert_int_equal(sw_mgmt_run(&f->h, &f->s, "set setting timeout-udp 45", 0, &b, err,
					     sizeof(err)), SW_CALL_ERROR);
		assert_non_null(strstr(err, "setting"));
		assert_int_equal(sw_mgmt_run(&f->h, &f->s, "help", 0, &b, err, sizeof(err)), SW_CALL_DONE);
		assert_null(strstr(b.p, "set setting"));
		sw_buf_free(&b);
	}
	assert_int_equal(call(f, "set", "{\"words\":42}"), -EINVAL);
	assert_string_equal(f->field, "words");
	assert_int_equal(call(f, "show", NULL), 0);
	assert_non_null(strstr(f->out.p, "\"no ssh\\\" action deny"));
	assert_int_equal(call(f, "commit", NULL), 0);
	assert_non_null(strstr(f->out.p, "\"committed\":true"));
	assert_int_equal(sw_engine_conf(f->e)->timeout[SW_TO_TCP], 5);
	assert_int_equal(sw_engine_conf(f->e)->timeout[SW_TO_UDP], 45);
	assert_int_equal(sw_engine_conf(f->e)->half_close_mode, SW_HC_FIXED);
	assert_int_equal(sw_engine_conf(f->e)->nrules, 1);
	assert_int_equal(call(f, "delete", "{\"words\":\"rulebase security rules \\\"no ssh\\\"\"}"), 0);
	assert_int_equal(call(f, "exit", NULL), 0);
	assert_non_null(strstr(f->out.p, "\"discarded\":1"));
	assert_int_equal(sw_engine_conf(f->e)->nrules, 1);
	assert_int_equal(call(f, "show config running", NULL), 0);
	assert_non_null(strstr(f->out.p, "timeout-tcp 5"));
	assert_int_equal(call(f, "show config saved", NULL), -ENOENT); /* no file */
	/* a cross-setting refusal at commit names the line and the setting, never by its text */
	assert_int_equal(call(f, "configure", NULL), 0);
	assert_int_equal(call(f, "set", "{\"words\":\"deviceconfig setting session timeout-tcp-half-closed 10\"}"), 0);
	assert_int_equal(call(f, "set", "{\"words\":\"deviceconfig setting session timeout-tcp-time-wait 20\"}"), 0);
	assert_int_equal(call(f, "commit", NULL), -EINVAL);
	assert_string_equal(f->field, "timeout-tcp-time-wait");
	assert_non_null(strstr(f->err, "line 2 of this session"));
	assert_null(strstr(f->err, "candidate:"));
	assert_int_equal(sw_engine_conf(f->e)->timeout[SW_TO_TCP_TIME_WAIT], 15);
}

static int file_has(const char *path, const char *s)
{
	char buf[65536];
	FILE *fp = fopen(path, "r");
	size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;

	if (fp)
		fclose(fp);
	buf[n] = '\0';
	return strstr(buf, s) != NULL;
}

/* Issue 10, item 12: a later commit keeps a setting pending until the next start. */
static void test_pending_survives_commit(void **state)
{
	struct fx *f = *state;
	char path[] = "/tmp/test_mgmt_typed.conf.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	f->h.conf_path = path;
	assert_int_equal(call(f, "configure", NULL), 0);
	assert_int_equal(call(f, "set", "{\"words\":\"deviceconfig setting session max-sessions 5000\"}"), 0);
	assert_int_equal(call(f, "commit", NULL), 0);
	assert_non_null(strstr(f->out.p, "\"restart_needed\":true"));
	assert_true(file_has(path, "max-sessions 5000"));
	assert_int_equal(sw_engine_conf(f->e)->max_sessions, 4096);
	/* an unrelated commit, in a new configure */
	assert_int_equal(call(f, "exit", NULL), 0);
	assert_int_equal(call(f, "configure", NULL), 0);
	assert_int_equal(call(f, "show", NULL), 0);
	assert_non_null(strstr(f->out.p, "max-sessions 5000"));
	assert_int_equal(call(f, "set", "{\"words\":\"deviceconfig setting session timeout-udp 45\"}"), 0);
	assert_int_equal(call(f, "commit", NULL), 0);
	assert_non_null(strstr(f->out.p, "\"restart_needed\":true"));
	assert_true(file_has(path, "timeout-udp 45"));
	assert_true(file_has(path, "max-sessions 5000"));
	assert_int_equal(call(f, "exit", NULL), 0);
	/* running, saved and pending are told apart */
	assert_int_equal(call(f, "show config running", NULL), 0);
	assert_non_null(strstr(f->out.p, "max-sessions 4096"));
	assert_non_null(strstr(f->out.p, "\"pending\":{\"max-sessions\":5000}"));
	assert_int_equal(call(f, "show config saved", NULL), 0);
	assert_non_null(strstr(f->out.p, "max-sessions 5000"));
	struct sw_buf t = {0};
	char err[256];
	assert_int_equal(sw_mgmt_run(&f->h, &f->s, "show config running", 0, &t, err, sizeof(err)),
			 SW_CALL_DONE);
	assert_non_null(strstr(t.p, "# pending (takes effect at the next start): set deviceconfig "
				    "setting session max-sessions 5000"));
	sw_buf_free(&t);
	/* setting it back to the running value clears the pending mark */
	assert_int_equal(call(f, "configure", NULL), 0);
	assert_int_equal(call(f, "set", "{\"words\":\"deviceconfig setting session max-sessions 4096\"}"), 0);
	assert_int_equal(call(f, "commit", NULL), 0);
	assert_non_null(strstr(f->out.p, "\"restart_needed\":false"));
	assert_non_null(strstr(f->out.p, "\"pending\":{}"));
	unlink(path);
	f->h.conf_path = NULL;
}

/* ---- one escaper: invalid UTF-8 never comes back raw ----------------------------- */

static void test_utf8(void **state)
{
	struct fx *f = *state;
	struct sw_buf b = {0};
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"a\xff" "b", "\"a\\ufffdb\""},
		{"caf\xc3\xa9", "\"caf\xc3\xa9\""},              /* valid: passes */
		{"\xe2\x82\xac", "\"\xe2\x82\xac\""},             /* euro sign */
		{"\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""},     /* 4 bytes */
		{"\xc0\xaf", "\"\\ufffd\\ufffd\""},               /* overlong */
		{"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},     /* surrogate */
		{"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* > U+10FFFF */
		{"x\xe2\x82", "\"x\\ufffd\\ufffd\""},              /* truncated */
		{"\x01\t\"\\", "\"\\u0001\\t\\\"\\\\\""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b.len = 0;
		sw_buf_json_str(&b, cases[i].in);
		assert_string_equal(b.p, cases[i].out);
	}
	/* an error message quoting a bad byte, and a completion prefix, stay valid JSON */
	char err[256];
	assert_int_equal(sw_mgmt_run(&f->h, &f->s, "show session all source 1.2.3.\xc3", 1, &b, err,
				     sizeof(err)), SW_CALL_ERROR);
	assert_non_null(strstr(err, "\xc3"));
	b.len = 0;
	sw_buf_json_str(&b, err);
	json_t *v = json_loads(b.p, JSON_DECODE_ANY, NULL);
	assert_non_null(v);
	json_decref(v);
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "show \xff\xfe", &b);
	v = json_loads(b.p, 0, NULL);
	assert_non_null(v);
	json_decref(v);
	sw_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_and_json_agree),
		cmocka_unit_test_setup_teardown(test_session_family, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_family, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_family, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_survives_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
