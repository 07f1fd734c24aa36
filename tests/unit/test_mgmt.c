/*
 * test_mgmt.c - the management plane without a network: the command line
 * splitter, the session filter, the JSON reader, the registry (parsing,
 * abbreviations, errors, help, completion) and the handlers run against a
 * real engine fed with built frames, including the incremental listing and
 * configure/set/commit with its all-or-nothing rules.
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

#include "mgmt/mgmt.h"
#include "pktbuild.h"
#include "statewall/engine.h"

#define T0 (1000000000LL * SW_NS_PER_SEC)

struct fx {
	struct sw_engine *e;
	struct sw_mgmt_host h;
	struct sw_dp_direct dpd;
	struct sw_mgmt_sess s;
	struct sw_buf out;
	char err[1024];
};

static void syn(struct sw_engine *e, const char *src, const char *dst, uint16_t sp, uint16_t dp)
{
	struct pb_seg g = {.src = src, .dst = dst, .sport = sp, .dport = dp, .flags = SW_TH_SYN,
			   .seq = 1000, .win = 65535, .wscale = -1};
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
	/* 1000 TCP flows from 10.0.0.1 to port 80, 10 to port 22 from 10.0.1.1 */
	for (int i = 0; i < 1000; i++)
		syn(f->e, "10.0.0.1", "10.9.9.9", (uint16_t)(20000 + i), 80);
	for (int i = 0; i < 10; i++)
		syn(f->e, "10.0.1.1", "10.9.9.9", (uint16_t)(30000 + i), 22);
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

static int run(struct fx *f, const char *line, int json)
{
	f->out.len = 0;
	if (f->out.p)
		f->out.p[0] = '\0';
	return sw_mgmt_run(&f->h, &f->s, line, json, &f->out, f->err, sizeof(f->err));
}

/* ---- pieces ------------------------------------------------------------- */

static void test_split(void **st)
{
	char buf[256], *argv[8];
	(void)st;
	assert_int_equal(sw_mgmt_split("  show   session id 5 ", buf, sizeof(buf), argv, 8), 4);
	assert_string_equal(argv[3], "5");
	assert_int_equal(sw_mgmt_split("set rulebase security rules \"my rule\" action deny", buf,
				       sizeof(buf), argv, 8), 7);
	assert_string_equal(argv[4], "my rule");
	assert_int_equal(sw_mgmt_split("a \"unterminated", buf, sizeof(buf), argv, 8), -1);
	assert_int_equal(sw_mgmt_split("a b c d e f g h i", buf, sizeof(buf), argv, 8), -1);
	assert_int_equal(sw_mgmt_split("", buf, sizeof(buf), argv, 8), 0);
}

static void test_filter(void **st)
{
	struct sw_filter fl;
	struct sw_sess_info si;
	char err[256];
	char *a1[] = {"filter", "source", "10.0.0.0/24", "destination-port", "80", "protocol", "tcp",
		      "state", "active"};
	char *a2[] = {"source", "10.0.0.300"};
	char *a3[] = {"state", "closing"};
	char *a4[] = {"source-port"};
	char *a5[] = {"colour", "red"};
	(void)st;

	assert_int_equal(sw_filter_parse(&fl, a1, 9, err, sizeof(err)), 0);
	memset(&si, 0, sizeof(si));
	struct sw_cidr c;
	assert_int_equal(sw_cidr_parse(&c, "10.0.0.7"), 0);
	si.orig_h = c.addr;
	assert_int_equal(sw_cidr_parse(&c, "10.9.9.9"), 0);
	si.resp_h = c.addr;
	si.resp_p = 80;
	si.proto = 6;
	assert_true(sw_filter_match(&fl, &si));
	si.half_closed_at = 1;
	assert_false(sw_filter_match(&fl, &si)); /* HALF-CLOSED is not ACTIVE */
	assert_string_equal(sw_sess_state_name(&si), "HALF-CLOSED");
	si.half_closed_at = 0;
	si.resp_p = 81;
	assert_false(sw_filter_match(&fl, &si));
	si.resp_p = 80;
	assert_int_equal(sw_cidr_parse(&c, "10.0.1.7"), 0);
	si.orig_h = c.addr;
	assert_false(sw_filter_match(&fl, &si));

	assert_int_equal(sw_filter_parse(&fl, a2, 2, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "10.0.0.300"));
	assert_int_equal(sw_filter_parse(&fl, a3, 2, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "closing"));
	assert_int_equal(sw_filter_parse(&fl, a4, 1, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing value"));
	assert_int_equal(sw_filter_parse(&fl, a5, 2, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown filter"));
}

static void test_json_read(void **st)
{
	char s[64];
	const char *o = "{\"op\":\"exec\", \"n\": 12, \"nested\": {\"cmd\": \"no\"}, "
			"\"cmd\":\"show \\\"x\\\"\\n\\u00e9\", \"b\": true}";
	(void)st;
	assert_int_equal(sw_json_get_str(o, "op", s, sizeof(s)), 1);
	assert_string_equal(s, "exec");
	assert_int_equal(sw_json_get_str(o, "cmd", s, sizeof(s)), 1);
	assert_string_equal(s, "show \"x\"\n\xc3\xa9");
	assert_int_equal(sw_json_get_str(o, "missing", s, sizeof(s)), 0);
	assert_int_equal(sw_json_get_int(o, "n", 0), 12);
	assert_int_equal(sw_json_get_int(o, "b", 0), 1);
	assert_int_equal(sw_json_get_int(o, "nope", 7), 7);
	assert_int_equal(sw_json_get_str(o, "op", s, 3), -1); /* too long */
	assert_int_equal(sw_json_get_str("{\"op\":\"unterminated", "op", s, sizeof(s)), -1);
	assert_null(sw_json_get_strdup("not json", "op"));
}

/* ---- commands ----------------------------------------------------------- */

static void test_show_info_and_abbrev(void **state)
{
	struct fx *f = *state;

	assert_int_equal(run(f, "show session info", 0), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "Number of active sessions:"));
	assert_non_null(strstr(f->out.p, "1010"));
	assert_non_null(strstr(f->out.p, "timeout-tcpwait"));
	assert_non_null(strstr(f->out.p, "PAN-OS: new sessions only"));
	assert_int_equal(run(f, "sh sess inf", 1), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "\"active\":1010"));
	assert_non_null(strstr(f->out.p, "\"active_tcp\":1010"));
	assert_non_null(strstr(f->out.p, "\"timeout-tcp-half-closed\":120"));
	/* every drop reason of tables.h is in the JSON */
	for (unsigned r = 1; r < SW_DROP_MAX; r++) {
		char k[64];
		snprintf(k, sizeof(k), "\"%s\":", sw_drop_name(r));
		assert_non_null(strstr(f->out.p, k));
	}
}

static void test_errors(void **state)
{
	struct fx *f = *state;

	assert_int_equal(run(f, "show sesion info", 0), SW_CALL_ERROR);
	assert_non_null(strstr(f->err, "sesion"));
	assert_non_null(strstr(f->err, "session"));
	assert_int_equal(run(f, "show session", 0), SW_CALL_ERROR);
	assert_non_null(strstr(f->err, "incomplete"));
	assert_int_equal(run(f, "s session info", 0), SW_CALL_DONE); /* set is not an operational word */
	assert_int_equal(run(f, "show session info now", 0), SW_CALL_ERROR);
	assert_non_null(strstr(f->err, "now"));
	assert_int_equal(run(f, "show session id", 0), SW_CALL_ERROR);
	assert_int_equal(run(f, "show session id abc", 0), SW_CALL_ERROR);
	assert_int_equal(run(f, "show session id 999999", 0), SW_CALL_ERROR);
	assert_non_null(strstr(f->err, "no such"));
	assert_int_equal(run(f, "set deviceconfig setting session timeout-tcp 5", 0), SW_CALL_ERROR);
	assert_non_null(strstr(f->err, "configure"));
	assert_int_equal(run(f, "", 0), SW_CALL_ERROR);
}

static void test_listing_is_incremental(void **state)
{
	struct fx *f = *state;
	struct sw_mgmt_call *c;
	int steps = 0, rc;

	f->out.len = 0;
	c = sw_mgmt_call_start(&f->h, &f->s, "show session all", 1, &f->out);
	assert_non_null(c);
	while ((rc = sw_mgmt_call_step(c)) == SW_CALL_MORE)
		steps++;
	assert_int_equal(rc, SW_CALL_DONE);
	sw_mgmt_call_free(c);
	/* 1010 sessions in slices of SW_MGMT_SLICE: several steps, never one big one */
	assert_true(steps >= 1010 / SW_MGMT_SLICE);
	assert_non_null(strstr(f->out.p, "\"matched\":1010"));

	assert_int_equal(run(f, "show session all filter destination-port 22", 1), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "\"matched\":10,"));
	assert_int_equal(run(f, "show session all source 10.0.1.0/24 count yes", 0), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "match filter: 10"));
	assert_int_equal(run(f, "show session all state discard count yes", 0), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "match filter: 0"));
	/* paging: limit + start-at */
	assert_int_equal(run(f, "show session all destination-port 80 limit 100", 1), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "\"matched\":100,"));
	assert_non_null(strstr(f->out.p, "\"next_start_at\":101"));
	assert_int_equal(run(f, "show session all destination-port 80 limit 100 start-at 101", 0),
			 SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "\n101 "));
	assert_non_null(strstr(f->out.p, "start-at 201"));
	assert_int_equal(run(f, "show session all source 10.0.0.300", 0), SW_CALL_ERROR);
}

static void test_show_and_clear_id(void **state)
{
	struct fx *f = *state;

	assert_int_equal(run(f, "show session id 1", 0), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "c2s flow"));
	assert_non_null(strstr(f->out.p, "s2c flow"));
	assert_non_null(strstr(f->out.p, "timeout-tcpinit"));
	assert_non_null(strstr(f->out.p, "timer value from"));
	assert_non_null(strstr(f->out.p, "syn-sent"));
	assert_int_equal(run(f, "show session id 1", 1), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "\"timer\":\"timeout-tcpinit\""));
	assert_non_null(strstr(f->out.p, "\"timer_source\":\"default\""));
	assert_int_equal(run(f, "clear session id 1", 0), SW_CALL_DONE);
	assert_int_equal(run(f, "show session id 1", 0), SW_CALL_ERROR);
	assert_int_equal(run(f, "clear session id 1", 0), SW_CALL_ERROR);
	assert_int_equal(run(f, "clear session all filter destination-port 22", 1), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "\"cleared\":10"));
	assert_int_equal(run(f, "show session info", 1), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "\"active\":999"));
	assert_int_equal(run(f, "clear session all", 0), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "999 sessions cleared"));
}

static void test_counters_and_help(void **state)
{
	struct fx *f = *state;

	assert_int_equal(run(f, "show counter global", 1), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "\"sessions-created\":1010"));
	assert_int_equal(run(f, "show counter global", 0), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "sessions-created"));
	assert_int_equal(run(f, "help", 0), SW_CALL_DONE);
	for (unsigned i = 0;; i++) {
		struct sw_mgmt_cmd_info ci;
		if (!sw_mgmt_cmd_info(i, &ci))
			break;
		if (ci.modes & SW_MODE_OP)
			assert_non_null(strstr(f->out.p, ci.words));
	}
	assert_int_equal(run(f, "show interface", 1), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "\"interfaces\":[]"));
}

static void test_configure_commit(void **state)
{
	struct fx *f = *state;
	char path[] = "/tmp/test_mgmt.conf.XXXXXX";
	int fd = mkstemp(path);
	FILE *fp;
	char buf[4096];
	size_t n;

	assert_true(fd >= 0);
	close(fd);
	f->h.conf_path = path;
	assert_int_equal(run(f, "configure", 0), SW_CALL_DONE);
	assert_int_equal(f->s.mode, SW_MODE_CONF);
	/* operational commands are not configuration-mode commands */
	assert_int_equal(run(f, "show session info", 0), SW_CALL_ERROR);
	/* a bad value is refused and names the token; the candidate stays as it was */
	assert_int_equal(run(f, "set deviceconfig setting session timeout-tcpwait 99999", 0),
			 SW_CALL_ERROR);
	assert_non_null(strstr(f->err, "99999"));
	assert_int_equal(f->s.nlines, 0);
	assert_int_equal(run(f, "set deviceconfig setting session timeout-tcpwait 7", 0), SW_CALL_DONE);
	assert_int_equal(run(f, "set rulebase security rules \"no ssh\" protocol tcp", 0), SW_CALL_DONE);
	assert_int_equal(run(f, "set rulebase security rules \"no ssh\" destination-port 22", 0),
			 SW_CALL_DONE);
	/* not committed: the engine still runs the old value */
	assert_int_equal(sw_engine_conf(f->e)->timeout[SW_TO_TCPWAIT], 30);
	assert_int_equal(run(f, "show", 0), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "timeout-tcpwait 7"));
	/* the rule has no action: commit fails, names this session's line, changes nothing */
	assert_int_equal(run(f, "commit", 0), SW_CALL_ERROR);
	assert_non_null(strstr(f->err, "line "));
	assert_int_equal(sw_engine_conf(f->e)->timeout[SW_TO_TCPWAIT], 30);
	fp = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	assert_int_equal(n, 0);
	/* complete it: commit saves and applies */
	assert_int_equal(run(f, "set rulebase security rules \"no ssh\" action deny", 0), SW_CALL_DONE);
	assert_int_equal(run(f, "commit", 0), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "committed successfully"));
	assert_int_equal(sw_engine_conf(f->e)->timeout[SW_TO_TCPWAIT], 7);
	assert_int_equal(sw_engine_conf(f->e)->nrules, 1);
	fp = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "timeout-tcpwait 7"));
	assert_non_null(strstr(buf, "\"no ssh\" action deny"));
	/* table sizes are saved but only take effect at the next start */
	assert_int_equal(run(f, "set deviceconfig setting session max-sessions 8192", 0), SW_CALL_DONE);
	assert_int_equal(run(f, "commit", 1), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "\"restart_needed\":true"));
	assert_int_equal(sw_engine_conf(f->e)->max_sessions, 4096);
	/* delete, exit discards uncommitted lines */
	assert_int_equal(run(f, "delete rulebase security rules \"no ssh\"", 0), SW_CALL_DONE);
	assert_int_equal(run(f, "exit", 0), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "1 uncommitted change discarded"));
	assert_int_equal(f->s.mode, SW_MODE_OP);
	assert_int_equal(sw_engine_conf(f->e)->nrules, 1);
	assert_int_equal(run(f, "show config running", 0), SW_CALL_DONE);
	assert_non_null(strstr(f->out.p, "timeout-tcpwait 7"));
	/* SIGHUP path: the file is reloaded as a whole */
	fp = fopen(path, "w");
	fputs("set deviceconfig setting session timeout-tcpwait 9\n", fp);
	fclose(fp);
	assert_int_equal(sw_mgmt_reload(&f->h, f->err, sizeof(f->err)), 0);
	assert_int_equal(sw_engine_conf(f->e)->timeout[SW_TO_TCPWAIT], 9);
	assert_int_equal(sw_engine_conf(f->e)->nrules, 0);
	fp = fopen(path, "w");
	fputs("set deviceconfig setting session timeout-tcpwait nine\n", fp);
	fclose(fp);
	assert_true(sw_mgmt_reload(&f->h, f->err, sizeof(f->err)) < 0);
	assert_int_equal(sw_engine_conf(f->e)->timeout[SW_TO_TCPWAIT], 9);
	unlink(path);
	f->h.conf_path = NULL;
}

static int has_word(const char *json, const char *w)
{
	char k[96];
	snprintf(k, sizeof(k), "{\"word\":\"%s\"", w);
	return strstr(json, k) != NULL;
}

static void test_complete(void **state)
{
	struct fx *f = *state;
	struct sw_buf b = {0};

	sw_mgmt_complete(&f->h, &f->s, "", &b);
	assert_true(has_word(b.p, "show") && has_word(b.p, "clear") && has_word(b.p, "configure"));
	assert_false(has_word(b.p, "set"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "show session ", &b);
	assert_true(has_word(b.p, "info") && has_word(b.p, "all") && has_word(b.p, "id"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "show session a", &b);
	assert_true(has_word(b.p, "all"));
	assert_false(has_word(b.p, "info"));
	assert_non_null(strstr(b.p, "\"prefix\":\"a\""));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "sh sess all ", &b);
	assert_true(has_word(b.p, "filter") && has_word(b.p, "source") && has_word(b.p, "state") &&
		    has_word(b.p, "<Enter>"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "show session all filter state ", &b);
	assert_true(has_word(b.p, "active") && has_word(b.p, "half-closed") &&
		    has_word(b.p, "discard"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "show session all source 1.2.3.4 ", &b);
	assert_false(has_word(b.p, "source"));
	assert_true(has_word(b.p, "destination"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "show session id ", &b);
	assert_true(has_word(b.p, "<id>"));

	f->s.mode = SW_MODE_CONF;
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "set deviceconfig setting session ", &b);
	for (unsigned t = 0; t < SW_TO_MAX; t++)
		assert_true(has_word(b.p, sw_timeout_info[t].name));
	assert_true(has_word(b.p, "half-close-mode"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "set deviceconfig setting session half-close-mode ", &b);
	assert_true(has_word(b.p, "tcpwait") && has_word(b.p, "fixed") && has_word(b.p, "idle"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "set deviceconfig setting session timeout-tcpwait ", &b);
	assert_true(has_word(b.p, "<1-600>"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "set rulebase security rules web ", &b);
	assert_true(has_word(b.p, "action") && has_word(b.p, "destination-port") &&
		    has_word(b.p, "service") && has_word(b.p, "timeout-tcp-half-closed"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "set ", &b);
	assert_true(has_word(b.p, "service"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "set service s protocol ", &b);
	assert_true(has_word(b.p, "tcp") && has_word(b.p, "udp"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "set service s protocol tcp port 80 ", &b);
	assert_true(has_word(b.p, "override") && has_word(b.p, "halfclose-timeout"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "set service s protocol udp ", &b);
	assert_true(has_word(b.p, "timeout"));
	assert_false(has_word(b.p, "halfclose-timeout"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "set service s protocol tcp override ", &b);
	assert_true(has_word(b.p, "yes") && has_word(b.p, "no"));
	b.len = 0;
	sw_mgmt_complete(&f->h, &f->s, "co", &b);
	assert_true(has_word(b.p, "commit"));
	f->s.mode = SW_MODE_OP;
	sw_buf_free(&b);
}

static void test_buf(void **st)
{
	struct sw_buf b = {0};
	(void)st;
	for (int i = 0; i < 10000; i++)
		sw_buf_printf(&b, "%d,", i);
	assert_false(b.oom);
	assert_int_equal(b.len, strlen(b.p));
	sw_buf_consume(&b, 2);
	assert_int_equal(strncmp(b.p, "1,2,", 4), 0);
	b.len = 0;
	sw_buf_json_str(&b, "a\"b\\c\n\x01");
	assert_string_equal(b.p, "\"a\\\"b\\\\c\\n\\u0001\"");
	sw_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_json_read),
		cmocka_unit_test(test_buf),
		cmocka_unit_test_setup_teardown(test_show_info_and_abbrev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing_is_incremental, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_and_clear_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_and_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configure_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complete, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
