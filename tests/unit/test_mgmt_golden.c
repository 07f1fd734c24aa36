/*
 * test_mgmt_golden.c - the text and JSON forms of every `show` command
 * against golden files (tests/data/mgmt/COMMAND.txt / .json), on a fixed
 * engine state: a half-closed TCP session, a SYN-only one, UDP, ICMP echo
 * and a discard session of a deny rule; services (one with an override), a
 * service-group, an application and rules that use them, so sessions 1 and
 * 3 have timers from every source.  The JSON forms must also parse.
 *
 * After a deliberate change of the output, regenerate the files and review
 * the diff before committing it:
 *
 *   SW_GOLDEN_UPDATE=1 build/tests/test_mgmt_golden
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "mgmt/mgmt.h"
#include "pktbuild.h"
#include "statewall/engine.h"

#define T0 (1700000000LL * SW_NS_PER_SEC)
#define MS (SW_NS_PER_SEC / 1000)

struct fx {
	struct sw_engine *e;
	struct sw_mgmt_host h;
	struct sw_dp_direct dpd;
	struct sw_mgmt_sess s;
};

static void feed(struct sw_engine *e, const struct pb_pkt *p, sw_time_t t)
{
	sw_engine_packet(e, p->data, p->len, SW_LINK_EN10MB, t);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sw_conf c;
	struct pb_seg g;
	struct pb_pkt p;
	char err[256];

	setenv("TZ", "UTC", 1);
	tzset();
	sw_conf_defaults(&c);
	c.max_sessions = 64;
	assert_int_equal(sw_conf_apply_line(&c, "set rulebase security rules block-telnet protocol tcp",
					    "t", 1, err, sizeof(err)), 0);
	assert_int_equal(sw_conf_apply_line(&c, "set rulebase security rules block-telnet "
					    "destination-port 23", "t", 2, err, sizeof(err)), 0);
	assert_int_equal(sw_conf_apply_line(&c, "set rulebase security rules block-telnet action deny",
					    "t", 3, err, sizeof(err)), 0);
	assert_int_equal(sw_conf_apply_line(&c, "set deviceconfig setting session timeout-udp 45", "t",
					    4, err, sizeof(err)), 0);
	/* objects: session 1 (tcp/80) gets a service override, a rule's and an application's timers */
	static const char *const objects[] = {
		"set service svc-web protocol tcp port 80,8080",
		"set service svc-web protocol tcp override yes timeout 7200 halfclose-timeout 600",
		"set service svc-web protocol tcp override yes reset-on-expiry half-closed",
		"set service svc-ssh protocol tcp port 22",
		"set service svc-dns protocol udp port 53 override yes timeout 90",
		"set service-group web-svcs members [ svc-web svc-ssh ]",
		"set application app-api protocol tcp port 80 tcp-time-wait-timeout 30",
		"set rulebase security rules web protocol tcp",
		"set rulebase security rules web service web-svcs",
		"set rulebase security rules web timeout-tcp-half-closed 300",
		"set rulebase security rules web action allow",
		"set rulebase security rules dns service svc-dns",
		"set rulebase security rules dns action allow",
		"set rulebase security rules dns reset-on-expiry all",
	};
	for (unsigned i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (sw_conf_apply_line(&c, objects[i], "t", (int)i + 5, err, sizeof(err)) != 0)
			fail_msg("%s", err);
	assert_int_equal(sw_engine_create(&f->e, &c), 0);
	sw_dp_direct_init(&f->h.dp, &f->dpd, f->e, NULL, NULL);
	f->h.started = T0;
	sw_mgmt_sess_init(&f->s);

	/* 1: handshake, data, the client's FIN: half-closed */
	pb_conv(&g, 1, SW_TH_SYN, 0, 0, 0);
	pb_tcp(&p, &g);
	feed(f->e, &p, T0);
	pb_conv(&g, 0, SW_TH_SYN | SW_TH_ACK, 0, 1, 0);
	pb_tcp(&p, &g);
	feed(f->e, &p, T0 + 10 * MS);
	pb_conv(&g, 1, SW_TH_ACK, 1, 1, 0);
	pb_tcp(&p, &g);
	feed(f->e, &p, T0 + 20 * MS);
	pb_conv(&g, 1, SW_TH_ACK | SW_TH_PSH, 1, 1, 100);
	pb_tcp(&p, &g);
	feed(f->e, &p, T0 + 30 * MS);
	pb_conv(&g, 1, SW_TH_FIN | SW_TH_ACK, 101, 1, 0);
	pb_tcp(&p, &g);
	feed(f->e, &p, T0 + 40 * MS);
	/* 2: a SYN only */
	g = (struct pb_seg){.src = "10.0.0.3", .dst = "10.0.0.9", .sport = 41000, .dport = 443,
			    .flags = SW_TH_SYN, .seq = 7, .win = 65535, .wscale = -1};
	pb_tcp(&p, &g);
	feed(f->e, &p, T0 + 100 * MS);
	/* 3: UDP */
	g = (struct pb_seg){.src = "10.0.0.4", .dst = "10.0.0.9", .sport = 5353, .dport = 53,
			    .payload = 30};
	pb_udp(&p, &g);
	feed(f->e, &p, T0 + 200 * MS);
	/* 4: ICMP echo */
	g = (struct pb_seg){.src = "10.0.0.5", .dst = "10.0.0.9", .sport = 7, .seq = 1};
	pb_icmp_echo(&p, &g, 0);
	feed(f->e, &p, T0 + 300 * MS);
	/* 5: telnet, denied: a discard session */
	g = (struct pb_seg){.src = "10.0.0.6", .dst = "10.0.0.9", .sport = 42000, .dport = 23,
			    .flags = SW_TH_SYN, .seq = 9, .win = 65535, .wscale = -1};
	pb_tcp(&p, &g);
	feed(f->e, &p, T0 + 400 * MS);
	sw_engine_advance(f->e, T0 + 2 * SW_NS_PER_SEC);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sw_mgmt_sess_free(&f->s);
	sw_engine_destroy(f->e);
	free(f);
	return 0;
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *p = NULL;
	size_t n = 0;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = (size_t)ftell(fp);
	rewind(fp);
	p = malloc(n + 1);
	if (p && fread(p, 1, n, fp) != n) {
		free(p);
		p = NULL;
	} else if (p) {
		p[n] = '\0';
	}
	fclose(fp);
	return p;
}

/* Run line in both forms and compare with tests/data/mgmt/NAME.{txt,json}. */
static void golden(struct fx *f, const char *name, const char *line)
{
	for (int json = 0; json < 2; json++) {
		struct sw_buf out = {0};
		char err[512], path[512];
		int rc = sw_mgmt_run(&f->h, &f->s, line, json, &out, err, sizeof(err));

		if (rc != SW_CALL_DONE)
			fail_msg("%s: %s", line, err);
		snprintf(path, sizeof(path), "%s/tests/data/mgmt/%s.%s", SW_SOURCE_DIR, name,
			 json ? "json" : "txt");
		if (json) {
			json_error_t je;
			json_t *v = json_loads(out.p, JSON_REJECT_DUPLICATES, &je);
			if (!v)
				fail_msg("%s -o json does not parse: %s", line, je.text);
			json_decref(v);
		}
		if (getenv("SW_GOLDEN_UPDATE")) {
			FILE *fp = fopen(path, "w");
			assert_non_null(fp);
			fputs(out.p ? out.p : "", fp);
			fclose(fp);
		} else {
			char *want = slurp(path);
			if (!want)
				fail_msg("%s missing: SW_GOLDEN_UPDATE=1 %s", path, "build/tests/test_mgmt_golden");
			if (strcmp(want, out.p ? out.p : "") != 0) {
				fprintf(stderr, "--- %s\n+++ got\n%s", path, out.p ? out.p : "");
				free(want);
				fail_msg("%s (%s) differs from %s", line, json ? "json" : "text", path);
			}
			free(want);
		}
		sw_buf_free(&out);
	}
}

static void test_show_commands(void **state)
{
	struct fx *f = *state;

	golden(f, "show-session-info", "show session info");
	golden(f, "show-session-all", "show session all");
	golden(f, "show-session-all-tcp", "show session all filter protocol tcp");
	golden(f, "show-session-all-count", "show session all state half-closed count yes");
	golden(f, "show-session-all-page", "show session all limit 2 start-at 2");
	golden(f, "show-session-id-1", "show session id 1");
	golden(f, "show-session-id-5", "show session id 5");
	golden(f, "show-counter-global", "show counter global");
	golden(f, "show-interface", "show interface");
	golden(f, "show-config-running", "show config running");
	golden(f, "show-service", "show service");
	golden(f, "show-service-svc-web", "show service svc-web");
	golden(f, "show-service-group", "show service-group");
	golden(f, "show-application", "show application");
	golden(f, "show-running-security-policy", "show running security-policy");
	golden(f, "show-session-id-3", "show session id 3");
	golden(f, "help", "help");
	char err[256];
	struct sw_buf out = {0};
	assert_int_equal(sw_mgmt_run(&f->h, &f->s, "configure", 0, &out, err, sizeof(err)),
			 SW_CALL_DONE);
	assert_int_equal(sw_mgmt_run(&f->h, &f->s, "set deviceconfig setting session timeout-tcp 600",
				     0, &out, err, sizeof(err)), SW_CALL_DONE);
	golden(f, "show-candidate", "show");
	sw_buf_free(&out);
}

/* JSON of line, parsed (the test fails if it does not run or parse). */
static json_t *run_json(struct fx *f, const char *line)
{
	struct sw_buf out = {0};
	char err[512];
	json_t *v;

	if (sw_mgmt_run(&f->h, &f->s, line, 1, &out, err, sizeof(err)) != SW_CALL_DONE)
		fail_msg("%s: %s", line, err);
	v = json_loads(out.p, 0, NULL);
	assert_non_null(v);
	sw_buf_free(&out);
	return v;
}

/* The row of `show session id`'s "timers" that is in force. */
static json_t *in_force(json_t *sess)
{
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(sess, "timers"), i, row)
		if (json_is_true(json_object_get(row, "in_force")))
			return row;
	return NULL;
}

/*
 * Every timer `show session id` lists is computed from the configuration
 * (sw_timers_of_flow); the one in force must be what the engine runs
 * (timer_value, timer_source from the session's profile), for sessions of
 * every source: service override, rule, application, default, discard.
 */
static void test_timers_agree_with_engine(void **state)
{
	struct fx *f = *state;

	for (unsigned id = 1; id <= 5; id++) {
		char line[64];
		snprintf(line, sizeof(line), "show session id %u", id);
		json_t *v = run_json(f, line), *row = in_force(v);
		assert_non_null(row);
		assert_string_equal(json_string_value(json_object_get(row, "name")),
				    json_string_value(json_object_get(v, "timer")));
		assert_int_equal(json_integer_value(json_object_get(row, "value")),
				 json_integer_value(json_object_get(v, "timer_value")));
		assert_string_equal(json_string_value(json_object_get(row, "source")),
				    json_string_value(json_object_get(v, "timer_source")));
		json_decref(v);
	}
}

/*
 * A commit reaches live sessions: a new override on svc-web re-times session
 * 1 at once, `show session id 1` names it, and `show session info` says how
 * many live sessions the commit re-evaluated and re-timed.
 */
static void test_commit_reaches_live_sessions(void **state)
{
	struct fx *f = *state;
	static const char *const lines[] = {
		"configure",
		"set service svc-web protocol tcp override yes halfclose-timeout 900",
		"commit",
		"exit",
	};
	struct sw_buf out = {0};
	char err[512];

	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (sw_mgmt_run(&f->h, &f->s, lines[i], 0, &out, err, sizeof(err)) != SW_CALL_DONE)
			fail_msg("%s: %s", lines[i], err);
	assert_non_null(strstr(out.p, "5 live sessions re-evaluated, 1 with a new value"));
	sw_buf_free(&out);
	json_t *v = run_json(f, "show session id 1"), *row = in_force(v);
	assert_int_equal(json_integer_value(json_object_get(v, "timer_value")), 900);
	assert_int_equal(json_integer_value(json_object_get(row, "value")), 900);
	assert_string_equal(json_string_value(json_object_get(row, "source")),
			    "service svc-web override");
	json_decref(v);
	v = run_json(f, "show session info");
	assert_int_equal(json_integer_value(json_object_get(v, "commits")), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "last_commit_reevaluated")), 5);
	assert_int_equal(json_integer_value(json_object_get(v, "last_commit_retimed")), 1);
	assert_true(json_is_true(json_object_get(v, "object_changes_apply_to_existing_sessions")));
	json_decref(v);
}

/* TAB after `show service`, `show service-group`, `show application`: the running objects' names. */
static void test_complete_object_names(void **state)
{
	static const struct {
		const char *line, *want, *not;
	} cases[] = {
		{"show service ", "\"svc-web\"", "\"web-svcs\""},
		{"show service svc-s", "\"svc-ssh\"", "\"svc-web\""},
		{"show service-group ", "\"web-svcs\"", "\"svc-web\""},
		{"show application ", "\"app-api\"", "\"svc-web\""},
		{"show run", "\"running\"", "\"service\""},
	};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sw_buf b = {0};
		sw_mgmt_complete(&f->h, &f->s, cases[i].line, &b);
		if (!strstr(b.p, cases[i].want) || strstr(b.p, cases[i].not))
			fail_msg("'%s' completes to %s", cases[i].line, b.p);
		sw_buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_show_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timers_agree_with_engine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_reaches_live_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complete_object_names, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
