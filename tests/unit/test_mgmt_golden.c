/*
 * test_mgmt_golden.c - the text and JSON forms of every `show` command
 * against golden files (tests/data/mgmt/COMMAND.txt / .json), on a fixed
 * engine state: a half-closed TCP session, a SYN-only one, UDP, ICMP echo
 * and a discard session of a deny rule.  The JSON forms must also parse.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_show_commands, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
