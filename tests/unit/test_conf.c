/*
 * test_conf.c - the configuration language: defaults, every setting's range,
 * error messages, all-or-nothing loading, validation, the canonical writer's
 * round trip, rule matching, --set, atomic save, and that
 * docs/configuration.md cannot drift from tables.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "statewall/conf.h"

#ifndef SW_SOURCE_DIR
#error "SW_SOURCE_DIR must name the source tree (tests/CMakeLists.txt sets it)"
#endif

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

/* struct sw_conf is ~200 KiB: keep it off the test stack. */
static struct sw_conf *conf_new(void)
{
	struct sw_conf *c = malloc(sizeof(*c));
	assert_non_null(c);
	sw_conf_defaults(c);
	return c;
}

static int load_str(struct sw_conf *c, const char *text, char *err, size_t errlen)
{
	return sw_conf_load_buf(c, text, strlen(text), "t.conf", err, errlen);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected \"%s\" in \"%s\"", needle, hay);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (;;) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (len + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* sw_conf_write into a string. */
static char *write_str(const struct sw_conf *c, int full)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	sw_conf_write(c, f, full);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static struct sw_flow mkflow(const char *src, const char *dst, uint8_t proto, uint16_t dport)
{
	struct sw_flow f;
	struct sw_cidr a, b;
	memset(&f, 0, sizeof(f));
	assert_int_equal(sw_cidr_parse(&a, src), 0);
	assert_int_equal(sw_cidr_parse(&b, dst), 0);
	f.src = a.addr;
	f.dst = b.addr;
	f.proto = proto;
	f.sport = 40000;
	f.dport = dport;
	f.family = strchr(src, ':') ? 6 : 4;
	return f;
}

/* ------------------------------------------------------------------------ */
/* Defaults                                                                 */

static void test_defaults_equal_tables(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new();

#define CHECK_DEFAULT(id, name_, def_, lo_, hi_, label_, help_)                                    \
	assert_int_equal(c->timeout[SW_TO_##id], def_);                                            \
	assert_int_equal(sw_timeout_info[SW_TO_##id].def, def_);                                   \
	assert_int_equal(sw_timeout_info[SW_TO_##id].min, lo_);                                    \
	assert_int_equal(sw_timeout_info[SW_TO_##id].max, hi_);                                    \
	assert_string_equal(sw_timeout_info[SW_TO_##id].name, name_);
	SW_TIMEOUTS(CHECK_DEFAULT)
#undef CHECK_DEFAULT

	assert_int_equal(c->max_sessions, 1000000);
	assert_int_equal(c->max_tombstones, 65536);
	assert_int_equal(c->tombstone_ttl, 300);
	assert_int_equal(c->half_close_mode, SW_HC_IDLE);
	assert_int_equal(c->tcp_reject_non_syn, 1);
	assert_int_equal(c->tcp_window_check, 1);
	assert_int_equal(c->tcp_checksum_check, 0);
	assert_int_equal(c->default_action, SW_ACT_ALLOW);
	assert_int_equal(c->nrules, 0);

	char err[256];
	assert_int_equal(sw_conf_validate(c, err, sizeof(err)), 0);

	/* defaults write nothing at all when only differences are asked for */
	char *s = write_str(c, 0);
	assert_string_equal(s, "");
	free(s);
	free(c);
}

static void test_half_close_mode_name(void **state)
{
	(void)state;
	assert_string_equal(sw_half_close_mode_name(SW_HC_TCPWAIT), "tcpwait");
	assert_string_equal(sw_half_close_mode_name(SW_HC_FIXED), "fixed");
	assert_string_equal(sw_half_close_mode_name(SW_HC_IDLE), "idle");
	assert_string_equal(sw_half_close_mode_name(3), "?");
	assert_string_equal(sw_half_close_mode_name(~0u), "?");
}

/* ------------------------------------------------------------------------ */
/* Settings: valid, invalid, boundaries                                    */

/* Expect `set ... NAME VALUE` at line 7 to fail naming the token; c unchanged. */
static void expect_bad_value(const char *name, const char *value, const char *what)
{
	struct sw_conf *c = conf_new(), *before = conf_new();
	char line[256], err[512];

	snprintf(line, sizeof(line), "set deviceconfig setting session %s %s", name, value);
	int rc = sw_conf_apply_line(c, line, "lab.conf", 7, err, sizeof(err));
	if (rc != -EINVAL)
		fail_msg("'%s' accepted (rc %d)", line, rc);
	assert_contains(err, "lab.conf:7: ");
	char tok[128];
	snprintf(tok, sizeof(tok), "token '%s': ", value);
	assert_contains(err, tok);
	assert_contains(err, name);
	if (what)
		assert_contains(err, what);
	assert_memory_equal(c, before, sizeof(*c));
	free(c);
	free(before);
}

static void expect_good_value(const char *name, const char *value, size_t off, int is_u8,
			 uint32_t want)
{
	struct sw_conf *c = conf_new();
	char line[256], err[512] = "";
	snprintf(line, sizeof(line), "set deviceconfig setting session %s %s", name, value);
	if (sw_conf_apply_line(c, line, "lab.conf", 1, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", line, err);
	uint32_t got;
	if (is_u8)
		got = ((const uint8_t *)c)[off];
	else
		memcpy(&got, (const char *)c + off, sizeof(got));
	assert_int_equal(got, want);
	free(c);
}

static void test_timeout_bounds(void **state)
{
	(void)state;
	for (unsigned t = 0; t < SW_TO_MAX; t++) {
		const struct sw_timeout_info *ti = &sw_timeout_info[t];
		size_t off = offsetof(struct sw_conf, timeout) + t * sizeof(uint32_t);
		char v[32], range[64];

		snprintf(range, sizeof(range), "must be %u..%u", ti->min, ti->max);
		snprintf(v, sizeof(v), "%u", ti->min);
		expect_good_value(ti->name, v, off, 0, ti->min);
		snprintf(v, sizeof(v), "%u", ti->max);
		expect_good_value(ti->name, v, off, 0, ti->max);
		snprintf(v, sizeof(v), "%u", ti->def);
		expect_good_value(ti->name, v, off, 0, ti->def);
		snprintf(v, sizeof(v), "%u", ti->min - 1);
		expect_bad_value(ti->name, v, range);
		snprintf(v, sizeof(v), "%u", ti->max + 1);
		expect_bad_value(ti->name, v, range);
		expect_bad_value(ti->name, "abc", "whole number of seconds");
		snprintf(v, sizeof(v), "%ux", ti->min);
		expect_bad_value(ti->name, v, "whole number");
		expect_bad_value(ti->name, "-1", "whole number");
		expect_bad_value(ti->name, "+5", "whole number");
		expect_bad_value(ti->name, "0x10", "whole number");
		expect_bad_value(ti->name, "1.5", "whole number");
		expect_bad_value(ti->name, "99999999999999999999999", range);
		expect_bad_value(ti->name, "yes", NULL);
	}
}

struct u32_case {
	const char *name;
	size_t off;
	uint32_t min, max;
};

static void test_u32_settings_bounds(void **state)
{
	(void)state;
	static const struct u32_case cases[] = {
		{"max-sessions", offsetof(struct sw_conf, max_sessions), 1, 100000000},
		{"max-tombstones", offsetof(struct sw_conf, max_tombstones), 0, 10000000},
		{"tombstone-ttl", offsetof(struct sw_conf, tombstone_ttl), 1, 86400},
		{"accelerated-aging-threshold", offsetof(struct sw_conf, accel_threshold), 50, 99},
		{"accelerated-aging-scaling-factor", offsetof(struct sw_conf, accel_factor), 2, 16},
		{"evict-min-idle", offsetof(struct sw_conf, evict_min_idle), 1, 86400},
		{"max-sessions-per-source", offsetof(struct sw_conf, max_per_source), 0, 100000000},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct u32_case *k = &cases[i];
		char v[32], range[64];
		snprintf(range, sizeof(range), "%s must be %u..%u", k->name, k->min, k->max);
		snprintf(v, sizeof(v), "%u", k->min);
		expect_good_value(k->name, v, k->off, 0, k->min);
		snprintf(v, sizeof(v), "%u", k->max);
		expect_good_value(k->name, v, k->off, 0, k->max);
		if (k->min > 0) {
			snprintf(v, sizeof(v), "%u", k->min - 1);
			expect_bad_value(k->name, v, range);
		}
		snprintf(v, sizeof(v), "%u", k->max + 1);
		expect_bad_value(k->name, v, range);
		expect_bad_value(k->name, "many", "whole number");
		expect_bad_value(k->name, "10k", "whole number");
		expect_bad_value(k->name, "4294967296", range);
	}
}

struct word_case {
	const char *name;
	size_t off;
	const char *words[4];
	uint32_t values[4];
};

static void test_word_settings(void **state)
{
	(void)state;
	static const struct word_case cases[] = {
		{"half-close-mode", offsetof(struct sw_conf, half_close_mode),
		 {"tcpwait", "fixed", "idle"}, {SW_HC_TCPWAIT, SW_HC_FIXED, SW_HC_IDLE}},
		{"tcp-reject-non-syn", offsetof(struct sw_conf, tcp_reject_non_syn), {"yes", "no"},
		 {1, 0}},
		{"tcp-window-check", offsetof(struct sw_conf, tcp_window_check), {"yes", "no"},
		 {1, 0}},
		{"tcp-checksum-check", offsetof(struct sw_conf, tcp_checksum_check), {"yes", "no"},
		 {1, 0}},
		{"default-action", offsetof(struct sw_conf, default_action), {"allow", "deny"},
		 {SW_ACT_ALLOW, SW_ACT_DENY}},
		{"accelerated-aging", offsetof(struct sw_conf, accel_aging), {"yes", "no"}, {1, 0}},
		{"table-full-action", offsetof(struct sw_conf, table_full_action),
		 {"evict", "refuse"}, {SW_TFA_EVICT, SW_TFA_REFUSE}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct word_case *k = &cases[i];
		for (unsigned w = 0; k->words[w]; w++)
			expect_good_value(k->name, k->words[w], k->off, 1, k->values[w]);
		expect_bad_value(k->name, "maybe", k->words[0]);
		expect_bad_value(k->name, "1", NULL);
		expect_bad_value(k->name, "YES", NULL);
		expect_bad_value(k->name, "yes,no", NULL);
	}
}

static void test_error_message_exact(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new();
	char err[512];
	const char *text = "# lab\n"
			   "\n"
			   "set deviceconfig setting session timeout-tcp-time-wait 700\n";
	assert_int_equal(sw_conf_load_buf(c, text, strlen(text), "lab.conf", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "lab.conf:3: token '700': timeout-tcp-time-wait must be 1..600");
	free(c);
}

static void test_unknown_setting_suggests(void **state)
{
	(void)state;
	static const struct {
		const char *typo, *want;
	} cases[] = {
		{"timeout-tcpwiat", "timeout-tcpwait"},
		{"tcpwait", "timeout-tcpwait"},
		{"timeout-tcp-halfclosed", "timeout-tcp-half-closed"},
		{"tcp-time-wait", "timeout-tcp-time-wait"},
		{"max-sesions", "max-sessions"},
		{"half-close", "half-close-mode"},
		{"Timeout-UDP", "timeout-udp"},
		{"default-actoin", "default-action"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sw_conf *c = conf_new();
		char line[128], err[512], want[128];
		snprintf(line, sizeof(line), "set deviceconfig setting session %s 10", cases[i].typo);
		assert_int_equal(sw_conf_apply_line(c, line, "x.conf", 2, err, sizeof(err)), -EINVAL);
		snprintf(want, sizeof(want), "x.conf:2: token '%s': unknown session setting",
			 cases[i].typo);
		assert_contains(err, want);
		snprintf(want, sizeof(want), "did you mean '%s'?", cases[i].want);
		assert_contains(err, want);
		free(c);
	}
}

/* ------------------------------------------------------------------------ */
/* Syntax                                                                   */

static void test_comments_blank_quotes(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new();
	char err[512] = "";
	const char *text = "\n"
			   "   # a comment\n"
			   "\t\n"
			   "set deviceconfig setting session timeout-udp 45 # trailing comment\n"
			   "set deviceconfig setting session timeout-icmp 7#tight comment\r\n"
			   "set rulebase security rules \"my rule\" action deny\n"
			   "set rulebase security rules \"x#y\"x action deny\n";
	/* the last line is bad: text right after a closing quote */
	assert_int_equal(load_str(c, text, err, sizeof(err)), -EINVAL);
	assert_contains(err, "t.conf:7: token '\"x#y\"x'");
	assert_int_equal(c->timeout[SW_TO_UDP], 30); /* all or nothing */

	size_t good = strstr(text, "set rulebase security rules \"x#y\"") - text;
	assert_int_equal(sw_conf_load_buf(c, text, good, "t.conf", err, sizeof(err)), 0);
	assert_int_equal(c->timeout[SW_TO_UDP], 45);
	assert_int_equal(c->timeout[SW_TO_ICMP], 7);
	assert_int_equal(c->nrules, 1);
	assert_string_equal(c->rules[0].name, "my rule");
	assert_int_equal(c->rules[0].action, SW_ACT_DENY);
	free(c);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	static const struct {
		const char *line, *tok, *what;
	} cases[] = {
		{"sett deviceconfig", "sett", "expected 'set' or 'delete'"},
		{"set", "set", "incomplete line"},
		{"set devicecfg setting session timeout-tcp 1", "devicecfg", "expected 'deviceconfig', 'rulebase', 'service', 'service-group' or 'application'"},
		{"set deviceconfig settings session timeout-tcp 1", "settings", "expected 'setting'"},
		{"set deviceconfig setting", "setting", "expected 'session'"},
		{"set deviceconfig setting sessions x", "sessions", "expected 'session'"},
		{"set deviceconfig setting session", "session", "missing setting name"},
		{"set deviceconfig setting session timeout-tcp", "timeout-tcp", "missing value (expected seconds 1..15999999)"},
		{"set deviceconfig setting session half-close-mode", "half-close-mode", "tcpwait, fixed or idle"},
		{"set deviceconfig setting session timeout-tcp 10 20", "20", "expected end of line"},
		{"set deviceconfig setting session timeout-tcp [ 10 ]", "[", "a list is not allowed here"},
		{"set deviceconfig setting session tcp-window-check \"\"", "", "must be no or yes"},
		{"delete deviceconfig setting session timeout-tcp 10", "10", "expected end of line"},
		{"set rulebase security rules", "rules", "missing rule name"},
		{"set rulebase security rules r1", "r1", "missing field"},
		{"set rulebase security rules r1 sources any", "sources", "did you mean 'source'?"},
		{"set rulebase security rules r1 action", "action", "missing value"},
		{"set rulebase security rules r1 action permit", "permit", "expected allow or deny"},
		{"set rulebase security rules r1 action allow deny", "deny", "expected end of line"},
		{"set rulebase security rules r1 action [ allow ]", "[", "a list is not allowed"},
		{"set rulebase security rules r1 protocol sctpx", "sctpx", "unknown protocol"},
		{"set rulebase security rules r1 protocol 256", "256", "unknown protocol"},
		{"set rulebase security rules r1 protocol -1", "-1", "unknown protocol"},
		{"set rulebase security rules r1 source 10.0.0.0/33", "10.0.0.0/33", "not an address"},
		{"set rulebase security rules r1 source 10.0.0/8", "10.0.0/8", "not an address"},
		{"set rulebase security rules r1 source 2001:db8::/129", "2001:db8::/129", "not an address"},
		{"set rulebase security rules r1 source 10.0.0.1/", "10.0.0.1/", "not an address"},
		{"set rulebase security rules r1 source 10.0.0.1/+8", "10.0.0.1/+8", "not an address"},
		{"set rulebase security rules r1 source [ 10.0.0.1", "10.0.0.1", "unterminated list"},
		{"set rulebase security rules r1 source [ ]", "]", "empty list"},
		{"set rulebase security rules r1 source [ [ 1.2.3.4 ] ]", "[", "nested list"},
		{"set rulebase security rules r1 source [ 1.2.3.4 ] x", "x", "after the list"},
		{"set rulebase security rules r1 source ]", "]", "without '['"},
		{"set rulebase security rules r1 source [ any 1.2.3.4 ]", "any", "cannot be combined"},
		{"set rulebase security rules r1 destination-port 70000", "70000", "not a port"},
		{"set rulebase security rules r1 destination-port 80-", "80-", "not a port"},
		{"set rulebase security rules r1 destination-port 90-80", "90-80", "backwards"},
		{"set rulebase security rules r1 destination-port 80,,443", "80,,443", "not a port"},
		{"set rulebase security rules r1 destination-port http", "http", "not a port"},
		{"set rulebase security rules -bad action allow", "-bad", "invalid rule name"},
		{"set rulebase security rules \"\" action allow", "", "invalid rule name"},
		{"set rulebase security rules a/b action allow", "a/b", "invalid rule name"},
		{"set rulebase security rules "
		 "a123456789012345678901234567890123456789012345678901234567890123 action allow",
		 "a123456789012345678901234567890123456789012345678901234567890123", "invalid rule name"},
		{"set rulebase security rules \"open action allow", "\"open action allow", "unterminated quoted string"},
		{"set rulebase security rules ab\"c\" action allow", "ab\"", "double quote inside a word"},
		{"delete rulebase security rules nosuch", "nosuch", "no such rule"},
		{"delete rulebase security rules nosuch action", "nosuch", "no such rule"},
		{"set deviceconfig setting session timeout-tcp \x01", "\\x01", "control character"},
		{"set deviceconfig setting session reset-on-expiry some", "some", "must be none, half-closed or all"},
		{"set rulebase security rules R reset-on-expiry sometimes", "sometimes", "expected none, half-closed or all"},
		{"set rulebase security rules R reset-on-expiry [ all ]", "[", "a list is not allowed here"},
		{"set service s protocol tcp port 1 reset-on-expiry all", "reset-on-expiry", "needs 'override yes'"},
		{"set service s protocol udp port 1 override yes reset-on-expiry all", "reset-on-expiry", "for tcp services"},
		{"set service s protocol tcp port 1 override yes reset-on-expiry al", "al", "expected none, half-closed or all"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sw_conf *c = conf_new(), *before = conf_new();
		char err[512] = "", want[256];
		int rc = sw_conf_apply_line(c, cases[i].line, "s.conf", 12, err, sizeof(err));
		if (rc != -EINVAL)
			fail_msg("accepted: %s", cases[i].line);
		snprintf(want, sizeof(want), "s.conf:12: token '%s': ", cases[i].tok);
		if (!strstr(err, want) || !strstr(err, cases[i].what))
			fail_msg("line \"%s\"\n  got:  %s\n  want: %s ... %s", cases[i].line, err, want,
				 cases[i].what);
		assert_memory_equal(c, before, sizeof(*c));
		free(c);
		free(before);
	}
}

static void test_long_line_and_nul(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new();
	char err[512];
	size_t n = 5000;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	assert_int_equal(sw_conf_apply_line(c, big, "l.conf", 1, err, sizeof(err)), -EINVAL);
	assert_contains(err, "l.conf:1: token 'aaaa");
	assert_contains(err, "at most 4096");
	free(big);

	/* a NUL byte inside a buffer is a control character, not the end */
	static const char buf[] = "set deviceconfig setting session timeout-udp 4\0005\n";
	assert_int_equal(sw_conf_load_buf(c, buf, sizeof(buf) - 1, "n.conf", err, sizeof(err)),
			 -EINVAL);
	assert_contains(err, "n.conf:1: token '4\\x00'");
	assert_int_equal(c->timeout[SW_TO_UDP], 30);

	/* a NUL inside a comment is harmless; no final newline is fine */
	static const char buf2[] = "# x\000y\nset deviceconfig setting session timeout-udp 45";
	assert_int_equal(sw_conf_load_buf(c, buf2, sizeof(buf2) - 1, "n.conf", err, sizeof(err)),
			 0);
	assert_int_equal(c->timeout[SW_TO_UDP], 45);
	free(c);
}

static void test_delete_setting_resets(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new();
	char err[256];
	assert_int_equal(load_str(c,
				  "set deviceconfig setting session timeout-tcpwait 99\n"
				  "set deviceconfig setting session half-close-mode tcpwait\n",
				  err, sizeof(err)),
			 0);
	assert_int_equal(c->timeout[SW_TO_TCPWAIT], 99);
	assert_int_equal(load_str(c,
				  "delete deviceconfig setting session timeout-tcpwait\n"
				  "delete deviceconfig setting session half-close-mode\n",
				  err, sizeof(err)),
			 0);
	assert_int_equal(c->timeout[SW_TO_TCPWAIT], 30);
	assert_int_equal(c->half_close_mode, SW_HC_IDLE);
	free(c);
}

/* ------------------------------------------------------------------------ */
/* Loading: all or nothing, validation                                      */

static void test_failed_load_leaves_struct(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new(), *before;
	char err[512];
	assert_int_equal(load_str(c,
				  "set deviceconfig setting session timeout-udp 50\n"
				  "set rulebase security rules keep action allow\n",
				  err, sizeof(err)),
			 0);
	before = malloc(sizeof(*before));
	assert_non_null(before);
	memcpy(before, c, sizeof(*c));

	const char *text = "set deviceconfig setting session timeout-udp 51\n"
			   "set rulebase security rules keep action deny\n"
			   "delete rulebase security rules keep\n"
			   "set rulebase security rules new action deny\n"
			   "set deviceconfig setting session max-sessions 0\n";
	assert_int_equal(load_str(c, text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:5: token '0': max-sessions must be 1..100000000");
	assert_memory_equal(c, before, sizeof(*c));

	/* a missing file too */
	char path[] = "/nonexistent-statewall-dir/x.conf";
	assert_int_equal(sw_conf_load(c, path, err, sizeof(err)), -ENOENT);
	assert_contains(err, path);
	assert_memory_equal(c, before, sizeof(*c));

	/* a directory */
	assert_int_equal(sw_conf_load(c, "/", err, sizeof(err)), -EISDIR);
	assert_memory_equal(c, before, sizeof(*c));
	free(before);
	free(c);
}

static void test_time_wait_longer_than_half_closed(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new();
	char err[512];

	/* half-closed default is 120 */
	const char *bad = "# first line\n"
			  "set deviceconfig setting session timeout-tcp-time-wait 200\n";
	assert_int_equal(load_str(c, bad, err, sizeof(err)), -EINVAL);
	assert_contains(err, "t.conf:2: token '200': ");
	assert_contains(err, "timeout-tcp-time-wait (200 s) is longer than timeout-tcp-half-closed (120 s)");
	assert_int_equal(c->timeout[SW_TO_TCP_TIME_WAIT], 15);

	/* lowering half-closed below time-wait points at that line */
	const char *bad2 = "set deviceconfig setting session timeout-tcp-half-closed 10\n";
	assert_int_equal(load_str(c, bad2, err, sizeof(err)), -EINVAL);
	assert_contains(err, "t.conf:1: token '10': ");
	assert_contains(err, "time-wait must not exceed half-closed");

	/* order inside one file does not matter: only the end result is checked */
	const char *good = "set deviceconfig setting session timeout-tcp-time-wait 200\n"
			   "set deviceconfig setting session timeout-tcp-half-closed 300\n";
	assert_int_equal(load_str(c, good, err, sizeof(err)), 0);
	assert_int_equal(c->timeout[SW_TO_TCP_TIME_WAIT], 200);

	/* equal is fine */
	assert_int_equal(load_str(c, "set deviceconfig setting session timeout-tcp-time-wait 300\n",
				  err, sizeof(err)),
			 0);

	/* sw_conf_validate says it in words too */
	c->timeout[SW_TO_TCP_TIME_WAIT] = 301;
	assert_int_equal(sw_conf_validate(c, err, sizeof(err)), -EINVAL);
	assert_contains(err, "timeout-tcp-time-wait (301 s) is longer than timeout-tcp-half-closed (300 s)");

	/* a struct that was already invalid has no line in the file */
	assert_int_equal(load_str(c, "# nothing\n", err, sizeof(err)), -EINVAL);
	assert_contains(err, "t.conf: timeout-tcp-time-wait (301 s)");

	/* out-of-range values poked in by hand are caught */
	sw_conf_defaults(c);
	c->timeout[SW_TO_TCP] = 0;
	assert_int_equal(sw_conf_validate(c, err, sizeof(err)), -EINVAL);
	assert_contains(err, "timeout-tcp is 0 but must be 1..15999999");
	sw_conf_defaults(c);
	c->half_close_mode = 7;
	assert_int_equal(sw_conf_validate(c, err, sizeof(err)), -EINVAL);
	assert_contains(err, "half-close-mode");
	free(c);
}

static void test_rule_without_action(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new();
	char err[512];
	const char *text = "set rulebase security rules ok action allow\n"
			   "set rulebase security rules web protocol tcp\n"
			   "set rulebase security rules web destination-port 80\n";
	assert_int_equal(load_str(c, text, err, sizeof(err)), -EINVAL);
	assert_contains(err, "t.conf:2: token 'web': rule 'web' has no action");
	assert_int_equal(c->nrules, 0);

	/* the rule can be completed by sw_conf_apply_line, then validated */
	assert_int_equal(sw_conf_apply_line(c, "set rulebase security rules web protocol tcp", "cli",
					    1, err, sizeof(err)),
			 0);
	assert_int_equal(c->nrules, 1);
	assert_int_equal(sw_conf_validate(c, err, sizeof(err)), -EINVAL);
	assert_contains(err, "rule 'web' has no action");

	/* an incomplete rule never matches */
	struct sw_flow f = mkflow("10.0.0.1", "10.0.0.2", IPPROTO_TCP, 80);
	enum sw_action a = SW_ACT_DENY;
	assert_null(sw_conf_match(c, &f, &a));
	assert_int_equal(a, SW_ACT_ALLOW);

	assert_int_equal(sw_conf_apply_line(c, "set rulebase security rules web action deny", "cli",
					    2, err, sizeof(err)),
			 0);
	assert_int_equal(sw_conf_validate(c, err, sizeof(err)), 0);

	/* deleting the action makes it incomplete again */
	assert_int_equal(sw_conf_apply_line(c, "delete rulebase security rules web action", "cli",
					    3, err, sizeof(err)),
			 0);
	assert_int_equal(sw_conf_validate(c, err, sizeof(err)), -EINVAL);
	free(c);
}

static void test_port_needs_tcp_udp(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new();
	char err[512];
	static const char *const bad_protos[] = {"icmp", "icmp6", "47", "0"};
	for (size_t i = 0; i < sizeof(bad_protos) / sizeof(bad_protos[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text),
			 "set rulebase security rules p destination-port 80\n"
			 "set rulebase security rules p action deny\n"
			 "set rulebase security rules p protocol %s\n",
			 bad_protos[i]);
		assert_int_equal(load_str(c, text, err, sizeof(err)), -EINVAL);
		assert_contains(err, "t.conf:3: token 'p': rule 'p' has a destination-port but protocol");
		assert_int_equal(c->nrules, 0);
	}
	static const char *const ok_protos[] = {"tcp", "udp", "any", "6", "17"};
	for (size_t i = 0; i < sizeof(ok_protos) / sizeof(ok_protos[0]); i++) {
		char text[512];
		sw_conf_defaults(c);
		snprintf(text, sizeof(text),
			 "set rulebase security rules p protocol %s\n"
			 "set rulebase security rules p destination-port 80\n"
			 "set rulebase security rules p action deny\n",
			 ok_protos[i]);
		if (load_str(c, text, err, sizeof(err)) != 0)
			fail_msg("%s refused: %s", ok_protos[i], err);
	}
	free(c);
}

/* ------------------------------------------------------------------------ */
/* Rules                                                                    */

static void test_rule_lists(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new();
	char err[512];
	const char *text =
		"set rulebase security rules r source [ 10.0.0.0/8 192.168.1.7/24 ]\n"
		"set rulebase security rules r source 2001:db8::1/32\n"
		"set rulebase security rules r source 10.0.0.0/8\n" /* duplicate: ignored */
		"set rulebase security rules r destination-port [ 80 443,8000-8080 ]\n"
		"set rulebase security rules r destination-port 80-80\n" /* duplicate */
		"set rulebase security rules r protocol ipv6-icmp\n"
		"set rulebase security rules r protocol tcp\n" /* scalar: replaced */
		"set rulebase security rules r action allow\n";
	assert_int_equal(load_str(c, text, err, sizeof(err)), 0);
	const struct sw_rule *r = &c->rules[0];
	assert_int_equal(c->nrules, 1);
	assert_int_equal(r->nsrc, 3);
	assert_int_equal(r->ndst, 0);
	/* host bits are cleared, IPv4 prefix is over 128 bits */
	char buf[64];
	assert_int_equal(r->src[1].plen, 120);
	assert_string_equal(sw_addr_str(&r->src[1].addr, buf), "192.168.1.0");
	assert_int_equal(r->src[2].plen, 32);
	assert_string_equal(sw_addr_str(&r->src[2].addr, buf), "2001:db8::");
	assert_int_equal(r->ndport, 3);
	assert_int_equal(r->dport[0].lo, 80);
	assert_int_equal(r->dport[0].hi, 80);
	assert_int_equal(r->dport[2].lo, 8000);
	assert_int_equal(r->dport[2].hi, 8080);
	assert_int_equal(r->proto, IPPROTO_TCP);

	/* `any` empties a list */
	assert_int_equal(load_str(c, "set rulebase security rules r source any\n"
				     "set rulebase security rules r destination-port any\n",
				  err, sizeof(err)),
			 0);
	assert_int_equal(c->rules[0].nsrc, 0);
	assert_int_equal(c->rules[0].ndport, 0);

	/* a 17th address is refused, naming the rule */
	char big[2048];
	size_t o = (size_t)snprintf(big, sizeof(big), "set rulebase security rules r source [");
	for (int i = 0; i < SW_RULE_ADDRS + 1; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, " 10.0.%d.0/24", i);
	snprintf(big + o, sizeof(big) - o, " ]\n");
	assert_int_equal(load_str(c, big, err, sizeof(err)), -EINVAL);
	assert_contains(err, "token '10.0.16.0/24': rule 'r' would have more than 16 source");
	assert_int_equal(c->rules[0].nsrc, 0);
	free(c);
}

static void test_rule_order_and_delete(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new();
	char err[512];
	const char *text = "set rulebase security rules a action allow\n"
			   "set rulebase security rules b action deny\n"
			   "set rulebase security rules c action allow\n"
			   "set rulebase security rules a protocol udp\n" /* a keeps its place */
			   "delete rulebase security rules b\n"
			   "set rulebase security rules b action allow\n" /* b is now last */
			   "delete rulebase security rules a protocol\n";
	assert_int_equal(load_str(c, text, err, sizeof(err)), 0);
	assert_int_equal(c->nrules, 3);
	assert_string_equal(c->rules[0].name, "a");
	assert_string_equal(c->rules[1].name, "c");
	assert_string_equal(c->rules[2].name, "b");
	assert_int_equal(c->rules[0].proto, -1);
	assert_int_equal(c->rules[2].action, SW_ACT_ALLOW);

	/* freed slots are zero, so structs compare bytewise after a round trip */
	struct sw_rule zero;
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&c->rules[3], &zero, sizeof(zero));

	/* the rule limit */
	sw_conf_defaults(c);
	for (int i = 0; i < SW_RULES_MAX; i++) {
		char line[128];
		snprintf(line, sizeof(line), "set rulebase security rules r%d action allow", i);
		assert_int_equal(sw_conf_apply_line(c, line, "m", i + 1, err, sizeof(err)), 0);
	}
	assert_int_equal(sw_conf_apply_line(c, "set rulebase security rules one-more action deny",
					    "m", 999, err, sizeof(err)),
			 -EINVAL);
	assert_contains(err, "m:999: token 'one-more': too many rules");
	/* an existing rule can still be changed */
	assert_int_equal(sw_conf_apply_line(c, "set rulebase security rules r7 action deny", "m",
					    1000, err, sizeof(err)),
			 0);
	free(c);
}

static void test_match(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new();
	char err[512];
	const char *text =
		"set rulebase security rules telnet protocol tcp\n"
		"set rulebase security rules telnet destination-port 23\n"
		"set rulebase security rules telnet action deny\n"
		"set rulebase security rules lan-web source 10.1.2.0/24\n"
		"set rulebase security rules lan-web protocol tcp\n"
		"set rulebase security rules lan-web destination-port [ 80 443 8000-8099 ]\n"
		"set rulebase security rules lan-web action allow\n"
		"set rulebase security rules v6-net destination 2001:db8:1::/48\n"
		"set rulebase security rules v6-net action deny\n"
		"set rulebase security rules dns protocol udp\n"
		"set rulebase security rules dns destination-port 53\n"
		"set rulebase security rules dns destination 192.0.2.53\n"
		"set rulebase security rules dns action allow\n"
		"set rulebase security rules any-ports destination-port 1000-2000\n"
		"set rulebase security rules any-ports action deny\n"
		"set rulebase security rules icmp-all protocol icmp\n"
		"set rulebase security rules icmp-all action deny\n"
		"set deviceconfig setting session default-action allow\n";
	assert_int_equal(load_str(c, text, err, sizeof(err)), 0);

	static const struct {
		const char *src, *dst;
		uint8_t proto;
		uint16_t dport;
		const char *rule; /* NULL: default */
		enum sw_action act;
	} cases[] = {
		/* order: telnet is first even for the LAN */
		{"10.1.2.3", "8.8.8.8", IPPROTO_TCP, 23, "telnet", SW_ACT_DENY},
		{"10.1.2.3", "8.8.8.8", IPPROTO_UDP, 23, NULL, SW_ACT_ALLOW},
		/* v4 prefix boundaries */
		{"10.1.2.255", "8.8.8.8", IPPROTO_TCP, 443, "lan-web", SW_ACT_ALLOW},
		{"10.1.3.0", "8.8.8.8", IPPROTO_TCP, 443, NULL, SW_ACT_ALLOW},
		{"10.1.2.0", "8.8.8.8", IPPROTO_TCP, 8000, "lan-web", SW_ACT_ALLOW},
		{"10.1.2.0", "8.8.8.8", IPPROTO_TCP, 8099, "lan-web", SW_ACT_ALLOW},
		{"10.1.2.0", "8.8.8.8", IPPROTO_TCP, 8100, NULL, SW_ACT_ALLOW},
		{"10.1.2.0", "8.8.8.8", IPPROTO_TCP, 7999, NULL, SW_ACT_ALLOW},
		/* v6 */
		{"2001:db8:2::1", "2001:db8:1:ffff::1", IPPROTO_TCP, 80, "v6-net", SW_ACT_DENY},
		{"2001:db8:2::1", "2001:db8:2::1", IPPROTO_TCP, 80, NULL, SW_ACT_ALLOW},
		/* a v4 flow never matches a v6 prefix and vice versa */
		{"10.9.9.9", "32.1.13.184", IPPROTO_UDP, 9, NULL, SW_ACT_ALLOW},
		{"::ffff:10.1.2.3", "8.8.8.8", IPPROTO_TCP, 80, "lan-web", SW_ACT_ALLOW},
		/* protocol and host destination */
		{"1.1.1.1", "192.0.2.53", IPPROTO_UDP, 53, "dns", SW_ACT_ALLOW},
		{"1.1.1.1", "192.0.2.54", IPPROTO_UDP, 53, NULL, SW_ACT_ALLOW},
		{"1.1.1.1", "192.0.2.53", IPPROTO_TCP, 53, NULL, SW_ACT_ALLOW},
		/* ports with protocol any: TCP and UDP only */
		{"1.1.1.1", "2.2.2.2", IPPROTO_UDP, 1500, "any-ports", SW_ACT_DENY},
		{"1.1.1.1", "2.2.2.2", IPPROTO_TCP, 2000, "any-ports", SW_ACT_DENY},
		/* an ICMP echo id of 1500 in the port field must not hit any-ports */
		{"1.1.1.1", "2.2.2.2", IPPROTO_ICMP, 1500, "icmp-all", SW_ACT_DENY},
		{"1.1.1.1", "2.2.2.2", IPPROTO_ICMPV6, 1500, NULL, SW_ACT_ALLOW},
		{"1.1.1.1", "2.2.2.2", 47, 1500, NULL, SW_ACT_ALLOW},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sw_flow f = mkflow(cases[i].src, cases[i].dst, cases[i].proto, cases[i].dport);
		enum sw_action a = (enum sw_action)99;
		const struct sw_rule *r = sw_conf_match(c, &f, &a);
		if (cases[i].rule == NULL && r != NULL)
			fail_msg("case %zu: matched '%s', expected the default", i, r->name);
		if (cases[i].rule && (r == NULL || strcmp(r->name, cases[i].rule) != 0))
			fail_msg("case %zu: matched '%s', expected '%s'", i, r ? r->name : "(none)",
				 cases[i].rule);
		assert_int_equal(a, cases[i].act);
	}

	/* the default action applies when nothing matches, and action may be NULL */
	assert_int_equal(sw_conf_apply_line(c, "set deviceconfig setting session default-action deny",
					    "x", 1, err, sizeof(err)),
			 0);
	struct sw_flow f = mkflow("1.1.1.1", "2.2.2.2", IPPROTO_TCP, 99);
	enum sw_action a = SW_ACT_ALLOW;
	assert_null(sw_conf_match(c, &f, &a));
	assert_int_equal(a, SW_ACT_DENY);
	assert_null(sw_conf_match(c, &f, NULL));

	/* ::/0 matches IPv4 too; 0.0.0.0/0 only IPv4 */
	sw_conf_defaults(c);
	assert_int_equal(load_str(c, "set rulebase security rules v4 destination 0.0.0.0/0\n"
				     "set rulebase security rules v4 action deny\n",
				  err, sizeof(err)),
			 0);
	f = mkflow("1.1.1.1", "2.2.2.2", IPPROTO_TCP, 1);
	assert_non_null(sw_conf_match(c, &f, &a));
	f = mkflow("2001:db8::1", "2001:db8::2", IPPROTO_TCP, 1);
	assert_null(sw_conf_match(c, &f, &a));
	free(c);
}

static void test_cidr_parse(void **state)
{
	(void)state;
	struct sw_cidr c;
	char buf[64];

	assert_int_equal(sw_cidr_parse(&c, "any"), 0);
	assert_int_equal(c.plen, 0);
	assert_int_equal(sw_cidr_parse(&c, "192.0.2.1"), 0);
	assert_int_equal(c.plen, 128);
	assert_true(sw_addr_is_v4(&c.addr));
	assert_string_equal(sw_addr_str(&c.addr, buf), "192.0.2.1");
	assert_int_equal(sw_cidr_parse(&c, "192.0.2.1/24"), 0);
	assert_int_equal(c.plen, 120);
	assert_string_equal(sw_addr_str(&c.addr, buf), "192.0.2.0");
	assert_int_equal(sw_cidr_parse(&c, "0.0.0.0/0"), 0);
	assert_int_equal(c.plen, 96);
	assert_int_equal(sw_cidr_parse(&c, "10.255.255.255/9"), 0);
	assert_string_equal(sw_addr_str(&c.addr, buf), "10.128.0.0");
	assert_int_equal(sw_cidr_parse(&c, "2001:db8::1/64"), 0);
	assert_int_equal(c.plen, 64);
	assert_string_equal(sw_addr_str(&c.addr, buf), "2001:db8::");
	assert_int_equal(sw_cidr_parse(&c, "2001:db8::ff/127"), 0);
	assert_string_equal(sw_addr_str(&c.addr, buf), "2001:db8::fe");
	assert_int_equal(sw_cidr_parse(&c, "::/0"), 0);
	assert_int_equal(c.plen, 0);
	assert_int_equal(sw_cidr_parse(&c, "::ffff:10.0.0.0/104"), 0);
	assert_int_equal(c.plen, 104);
	assert_true(sw_addr_is_v4(&c.addr));

	static const char *const bad[] = {"",	       "1.2.3",	  "1.2.3.4/33", "1.2.3.4/-1",
					  "1.2.3.4/",   "1.2.3.4/ 8", "256.1.1.1",  "::/129",
					  "2001:db8::g", "01.2.3.4",   "1.2.3.4/0008", "ANY",
					  "/8",	       "1.2.3.4/8/8", "10.0.0.0 /8",
					  "1:2:3:4:5:6:7:8:9:0:1:2:3:4:5:6:7:8:9:0:1:2:3:4:5:6:7:8/1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sw_cidr_parse(&c, bad[i]) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
}

/* ------------------------------------------------------------------------ */
/* Round trip                                                               */

static void check_round_trip(const struct sw_conf *c, int full)
{
	char err[512] = "";
	char *text = write_str(c, full);
	struct sw_conf *back = conf_new();
	if (sw_conf_load_buf(back, text, strlen(text), "written", err, sizeof(err)) != 0)
		fail_msg("written text refused: %s\n%s", err, text);
	assert_memory_equal(back, c, sizeof(*c));
	char *again = write_str(back, full);
	assert_string_equal(again, text);
	free(again);
	free(text);
	free(back);
}

static void test_round_trip_data_files(void **state)
{
	(void)state;
	static const char *const files[] = {"example.conf", "legacy-tcpwait.conf",
					    "fixed-halfclose.conf", "deny-default.conf"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[1024], err[512] = "";
		snprintf(path, sizeof(path), "%s/tests/data/%s", SW_SOURCE_DIR, files[i]);
		struct sw_conf *c = conf_new();
		if (sw_conf_load(c, path, err, sizeof(err)) != 0)
			fail_msg("%s: %s", files[i], err);
		check_round_trip(c, 0);
		check_round_trip(c, 1);
		free(c);
	}

	/* what the example promises */
	char path[1024], err[512] = "";
	snprintf(path, sizeof(path), "%s/tests/data/example.conf", SW_SOURCE_DIR);
	struct sw_conf *c = conf_new();
	assert_int_equal(sw_conf_load(c, path, err, sizeof(err)), 0);
	assert_int_equal(c->timeout[SW_TO_TCP], 7200);
	assert_int_equal(c->timeout[SW_TO_DISCARD_UDP], 60);
	assert_int_equal(c->nrules, 5);
	assert_string_equal(c->rules[2].name, "lab dns");
	assert_int_equal(c->rules[1].ndst, 3);
	assert_int_equal(c->rules[3].proto, 47);
	assert_int_equal(c->rules[4].proto, IPPROTO_ICMPV6);
	free(c);

	snprintf(path, sizeof(path), "%s/tests/data/legacy-tcpwait.conf", SW_SOURCE_DIR);
	c = conf_new();
	assert_int_equal(sw_conf_load(c, path, err, sizeof(err)), 0);
	assert_int_equal(c->half_close_mode, SW_HC_TCPWAIT);
	free(c);
}

static void test_round_trip_everything_changed(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new();
	char err[512];
	/* every setting away from its default, odd prefixes and names */
	for (unsigned t = 0; t < SW_TO_MAX; t++)
		c->timeout[t] = sw_timeout_info[t].def == sw_timeout_info[t].max
					? sw_timeout_info[t].min
					: sw_timeout_info[t].max;
	c->timeout[SW_TO_TCP_TIME_WAIT] = 600;
	c->max_sessions = 1;
	c->max_tombstones = 0;
	c->tombstone_ttl = 86400;
	c->half_close_mode = SW_HC_FIXED;
	c->tcp_reject_non_syn = 0;
	c->tcp_window_check = 0;
	c->tcp_checksum_check = 1;
	c->default_action = SW_ACT_DENY;
	c->reset_on_expiry = SW_RST_HALF_CLOSED;
	const char *text =
		"set rulebase security rules \"a b.c_d-e\" source [ ::ffff:10.0.0.0/104 ::/0 ]\n"
		"set rulebase security rules \"a b.c_d-e\" destination [ 0.0.0.0/0 fe80::1 1.2.3.4 ]\n"
		"set rulebase security rules \"a b.c_d-e\" protocol 0\n"
		"set rulebase security rules \"a b.c_d-e\" action allow\n"
		"set rulebase security rules ports protocol 17\n"
		"set rulebase security rules ports destination-port 0,65535,1-65534\n"
		"set rulebase security rules ports action deny\n"
		"set rulebase security rules p255 protocol 255\n"
		"set rulebase security rules p255 action deny\n"
		"set service \"s 1\" protocol tcp port 5002,6000-6010 source-port 1024-65535\n"
		"set service \"s 1\" protocol tcp override yes timeout 1 halfclose-timeout 604800 "
		"timewait-timeout 600\n"
		"set service dns protocol udp port 53 override yes timeout 90\n"
		"set service plain protocol tcp port 1\n"
		"set service-group \"g 1\" members [ plain \"s 1\" ]\n"
		"set rulebase security rules ports service [ dns \"s 1\" \"g 1\" ]\n"
		"set rulebase security rules p255 service plain\n"
		"set rulebase security rules p255 timeout-tcp-half-closed 604800\n"
		"set rulebase security rules p255 timeout-udp 1\n"
		"set rulebase security rules p255 reset-on-expiry none\n"
		"set rulebase security rules ports reset-on-expiry half-closed\n"
		"set service \"s 1\" protocol tcp override yes reset-on-expiry all\n"
		"set application \"a 1\" protocol tcp port 5002,7000-7010 tcp-timeout 9 "
		"tcp-half-closed-timeout 604800 tcp-time-wait-timeout 600\n"
		"set application dns protocol udp port 53 udp-timeout 1\n"
		"set rulebase security rules \"a b.c_d-e\" service application-default\n";
	assert_int_equal(load_str(c, text, err, sizeof(err)), 0);
	check_round_trip(c, 0);
	check_round_trip(c, 1);

	char *s = write_str(c, 0);
	assert_contains(s, "set rulebase security rules \"a b.c_d-e\" source [ 10.0.0.0/8 ::/0 ]\n");
	assert_contains(s, "set rulebase security rules ports protocol udp\n");
	assert_contains(s, "set rulebase security rules ports destination-port 0,65535,1-65534\n");
	assert_contains(s, "set deviceconfig setting session half-close-mode fixed\n");
	assert_contains(s, "set service \"s 1\" protocol tcp override yes timeout 1 "
			   "halfclose-timeout 604800 timewait-timeout 600 reset-on-expiry all\n");
	assert_contains(s, "set rulebase security rules p255 reset-on-expiry none\n");
	assert_contains(s, "set rulebase security rules ports reset-on-expiry half-closed\n");
	assert_contains(s, "set deviceconfig setting session reset-on-expiry half-closed\n");
	assert_contains(s, "set rulebase security rules ports service [ dns \"s 1\" \"g 1\" ]\n");
	assert_contains(s, "set service-group \"g 1\" members [ plain \"s 1\" ]\n");
	assert_contains(s, "set rulebase security rules p255 timeout-tcp-half-closed 604800\n");
	assert_contains(s, "set application dns protocol udp port 53 udp-timeout 1\n");
	assert_contains(s, "set rulebase security rules \"a b.c_d-e\" service application-default\n");
	free(s);
	free(c);
}

/* ------------------------------------------------------------------------ */
/* --set                                                                    */

static void test_apply_kv(void **state)
{
	(void)state;
	struct sw_conf *c = conf_new(), *before = conf_new();
	char err[512];

	assert_int_equal(sw_conf_apply_kv(c, "timeout-tcpwait=60", err, sizeof(err)), 0);
	assert_int_equal(c->timeout[SW_TO_TCPWAIT], 60);
	assert_int_equal(sw_conf_apply_kv(c, "tcpwait=61", err, sizeof(err)), 0);
	assert_int_equal(c->timeout[SW_TO_TCPWAIT], 61);
	assert_int_equal(sw_conf_apply_kv(c, "TCP-Half-Closed=600", err, sizeof(err)), 0);
	assert_int_equal(c->timeout[SW_TO_TCP_HALF_CLOSED], 600);
	assert_int_equal(sw_conf_apply_kv(c, "half-close-mode=fixed", err, sizeof(err)), 0);
	assert_int_equal(c->half_close_mode, SW_HC_FIXED);
	assert_int_equal(sw_conf_apply_kv(c, "max-sessions=5", err, sizeof(err)), 0);
	assert_int_equal(c->max_sessions, 5);
	assert_int_equal(sw_conf_apply_kv(c, "tcp-checksum-check=yes", err, sizeof(err)), 0);
	assert_int_equal(c->tcp_checksum_check, 1);

	memcpy(before, c, sizeof(*c));
	assert_int_equal(sw_conf_apply_kv(c, "tcpwait=700", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--set: token 'tcpwait=700': timeout-tcpwait must be 1..600");
	assert_int_equal(sw_conf_apply_kv(c, "tcpwait=", err, sizeof(err)), -EINVAL);
	assert_contains(err, "--set: token 'tcpwait=': timeout-tcpwait must be a whole number");
	assert_int_equal(sw_conf_apply_kv(c, "tcpwiat=5", err, sizeof(err)), -EINVAL);
	assert_contains(err, "--set: token 'tcpwiat=5': unknown session setting 'tcpwiat'");
	assert_contains(err, "did you mean 'timeout-tcpwait'?");
	assert_int_equal(sw_conf_apply_kv(c, "tcpwait", err, sizeof(err)), -EINVAL);
	assert_contains(err, "--set: token 'tcpwait': expected NAME=VALUE");
	assert_int_equal(sw_conf_apply_kv(c, "=5", err, sizeof(err)), -EINVAL);
	assert_int_equal(sw_conf_apply_kv(c, "half-close-mode=sometimes", err, sizeof(err)),
			 -EINVAL);
	assert_contains(err, "half-close-mode must be tcpwait, fixed or idle");
	/* rules are not settings */
	assert_int_equal(sw_conf_apply_kv(c, "action=deny", err, sizeof(err)), -EINVAL);
	assert_memory_equal(c, before, sizeof(*c));
	free(c);
	free(before);
}

/* ------------------------------------------------------------------------ */
/* Atomic save                                                              */

/* Names in dir other than `keep`; 0 means none (no temporary files left). */
static int count_others(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, keep) == 0)
			continue;
		n++;
	}
	closedir(d);
	return n;
}

static void test_save_atomic(void **state)
{
	(void)state;
	char dir[] = "/tmp/sw-conf-save-XXXXXX", path[256], err[512] = "";
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/running.conf", dir);

	struct sw_conf *c = conf_new();
	assert_int_equal(load_str(c, "set deviceconfig setting session timeout-udp 77\n"
				     "set rulebase security rules r action deny\n",
				  err, sizeof(err)),
			 0);
	if (sw_conf_save(c, path, err, sizeof(err)) != 0)
		fail_msg("save: %s", err);
	char *text = read_file(path);
	assert_non_null(text);
	char *want = write_str(c, 0);
	assert_contains(text, want);
	free(want);
	free(text);
	assert_int_equal(count_others(dir, "running.conf"), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	struct sw_conf *back = conf_new();
	assert_int_equal(sw_conf_load(back, path, err, sizeof(err)), 0);
	assert_memory_equal(back, c, sizeof(*c));

	/* replacing keeps the file's mode */
	assert_int_equal(chmod(path, 0640), 0);
	c->timeout[SW_TO_UDP] = 78;
	assert_int_equal(sw_conf_save(c, path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	sw_conf_defaults(back);
	assert_int_equal(sw_conf_load(back, path, err, sizeof(err)), 0);
	assert_int_equal(back->timeout[SW_TO_UDP], 78);
	assert_int_equal(count_others(dir, "running.conf"), 0);

	/* an invalid struct is not saved; the old file stays */
	c->timeout[SW_TO_TCP_TIME_WAIT] = 500;
	assert_int_equal(sw_conf_save(c, path, err, sizeof(err)), -EINVAL);
	assert_contains(err, path);
	assert_contains(err, "longer than");
	c->timeout[SW_TO_TCP_TIME_WAIT] = 15;

	/* rename over a non-empty directory fails: temp file removed, message names the path */
	char sub[300], inner[320];
	snprintf(sub, sizeof(sub), "%s/adir", dir);
	snprintf(inner, sizeof(inner), "%s/f", sub);
	assert_int_equal(mkdir(sub, 0755), 0);
	FILE *f = fopen(inner, "w");
	assert_non_null(f);
	fclose(f);
	int rc = sw_conf_save(c, sub, err, sizeof(err));
	assert_true(rc < 0);
	assert_contains(err, sub);
	assert_int_equal(count_others(dir, "running.conf"), 1); /* just adir */
	unlink(inner);
	rmdir(sub);

	/* a directory that does not exist */
	char missing[300];
	snprintf(missing, sizeof(missing), "%s/nope/x.conf", dir);
	assert_int_equal(sw_conf_save(c, missing, err, sizeof(err)), -ENOENT);
	assert_contains(err, missing);

	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	free(back);
	free(c);
}

/*
 * Saving into a directory we cannot write must fail with -EACCES and leave
 * the old file alone.  Root ignores directory permissions, so as root the
 * save runs in a child that dropped to "nobody".
 */
static void test_save_unwritable_dir(void **state)
{
	(void)state;
	char dir[] = "/tmp/sw-conf-ro-XXXXXX", path[256], err[512] = "";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/old.conf", dir);
	static const char old[] = "set deviceconfig setting session timeout-udp 33\n";
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(old, f);
	fclose(f);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chmod(dir, 0555), 0);

	struct sw_conf *c = conf_new();
	c->timeout[SW_TO_UDP] = 44;
	int skipped = 0;
	if (geteuid() != 0) {
		int rc = sw_conf_save(c, path, err, sizeof(err));
		assert_int_equal(rc, -EACCES);
		assert_contains(err, path);
		assert_contains(err, "temporary file");
	} else {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(77);
			int rc = sw_conf_save(c, path, err, sizeof(err));
			_exit(rc == -EACCES && strstr(err, path) ? 0 : 1);
		}
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		if (WEXITSTATUS(st) == 77)
			skipped = 1;
		else
			assert_int_equal(WEXITSTATUS(st), 0);
	}
	char *text = read_file(path);
	assert_non_null(text);
	assert_string_equal(text, old);
	free(text);
	assert_int_equal(count_others(dir, "old.conf"), 0);

	assert_int_equal(chmod(dir, 0755), 0);
	unlink(path);
	rmdir(dir);
	free(c);
	if (skipped)
		skip();
}

/* ------------------------------------------------------------------------ */
/* docs/configuration.md cannot drift                                        */

/*
 * The timeout table in docs/configuration.md is generated from
 * sw_timeout_info: this test builds the exact text and requires it to be in
 * the document.  If it fails, paste the printed table into the doc.
 */
/* sw_conf_load_buf_at: the line an error is about, for a bad token and for a cross-setting check. */
static void test_load_buf_at_line(void **state)
{
	struct sw_conf c;
	char err[512];
	int line = -1;
	const char *bad = "set deviceconfig setting session timeout-udp 45\n"
			  "# a comment\n"
			  "set deviceconfig setting session timeout-tcp nine\n";
	const char *cross = "set deviceconfig setting session timeout-tcp-half-closed 10\n"
			    "set deviceconfig setting session timeout-udp 45\n"
			    "set deviceconfig setting session timeout-tcp-time-wait 20\n";
	const char *good = "set deviceconfig setting session timeout-udp 45\n";
	(void)state;

	sw_conf_defaults(&c);
	assert_int_equal(sw_conf_load_buf_at(&c, bad, strlen(bad), "b", &line, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(line, 3);
	assert_int_equal(c.timeout[SW_TO_UDP], 30); /* all or nothing */
	assert_int_equal(sw_conf_load_buf_at(&c, cross, strlen(cross), "b", &line, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(line, 3); /* the later of the two lines */
	assert_int_equal(sw_conf_load_buf_at(&c, good, strlen(good), "b", &line, err, sizeof(err)), 0);
	assert_int_equal(line, 0);
	assert_int_equal(c.timeout[SW_TO_UDP], 45);
}

static void test_docs_timeout_table(void **state)
{
	(void)state;
	char path[1024];
	snprintf(path, sizeof(path), "%s/docs/configuration.md", SW_SOURCE_DIR);
	char *doc = read_file(path);
	if (!doc)
		fail_msg("cannot read %s", path);

	char *table = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&table, &len);
	assert_non_null(f);
	fputs("| Setting | Default | Range | GUI label | Meaning |\n", f);
	fputs("|---|---|---|---|---|\n", f);
	for (unsigned t = 0; t < SW_TO_MAX; t++) {
		const struct sw_timeout_info *ti = &sw_timeout_info[t];
		fprintf(f, "| `%s` | %u | %u..%u | %s | %s |\n", ti->name, ti->def, ti->min,
			ti->max, ti->label, ti->help);
	}
	fclose(f);
	if (!strstr(doc, table))
		fail_msg("%s: the timeout table is out of date; it must read:\n\n%s", path, table);

	/* the other settings are hand-written: check name, default and range */
	static const char *const rows[] = {
		"| `max-sessions` | 1000000 | 1..100000000 |",
		"| `max-tombstones` | 65536 | 0..10000000 |",
		"| `tombstone-ttl` | 300 | 1..86400 |",
		"| `half-close-mode` | idle | tcpwait, fixed, idle |",
		"| `tcp-reject-non-syn` | yes | yes, no |",
		"| `tcp-window-check` | yes | yes, no |",
		"| `tcp-checksum-check` | no | yes, no |",
		"| `default-action` | allow | allow, deny |",
		"| `accelerated-aging` | yes | yes, no |",
		"| `accelerated-aging-threshold` | 80 | 50..99 |",
		"| `accelerated-aging-scaling-factor` | 2 | 2..16 |",
		"| `table-full-action` | evict | evict, refuse |",
		"| `evict-min-idle` | 60 | 1..86400 |",
		"| `max-sessions-per-source` | 0 | 0..100000000 |",
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!strstr(doc, rows[i]))
			fail_msg("%s: missing or stale row \"%s\"", path, rows[i]);
	free(table);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_equal_tables),
		cmocka_unit_test(test_half_close_mode_name),
		cmocka_unit_test(test_timeout_bounds),
		cmocka_unit_test(test_u32_settings_bounds),
		cmocka_unit_test(test_word_settings),
		cmocka_unit_test(test_error_message_exact),
		cmocka_unit_test(test_unknown_setting_suggests),
		cmocka_unit_test(test_comments_blank_quotes),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_long_line_and_nul),
		cmocka_unit_test(test_delete_setting_resets),
		cmocka_unit_test(test_failed_load_leaves_struct),
		cmocka_unit_test(test_time_wait_longer_than_half_closed),
		cmocka_unit_test(test_rule_without_action),
		cmocka_unit_test(test_port_needs_tcp_udp),
		cmocka_unit_test(test_rule_lists),
		cmocka_unit_test(test_rule_order_and_delete),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_round_trip_data_files),
		cmocka_unit_test(test_round_trip_everything_changed),
		cmocka_unit_test(test_apply_kv),
		cmocka_unit_test(test_save_atomic),
		cmocka_unit_test(test_save_unwritable_dir),
		cmocka_unit_test(test_docs_timeout_table),
		cmocka_unit_test(test_load_buf_at_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
