/*
 * test_conf_system.c - `set deviceconfig system NAME VALUE` (src/conf/system.c,
 * issue 15): what `statewall run` reads from its file besides the session
 * settings.  Every error names file, line and token and leaves the struct
 * unchanged; the canonical writer gives back lines the parser reads into the
 * same bytes; `delete` clears.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "statewall/conf.h"

static struct sw_conf *conf_new(void)
{
	struct sw_conf *c = malloc(sizeof(*c));
	assert_non_null(c);
	sw_conf_defaults(c);
	return c;
}

static const char good[] =
	"set deviceconfig system vwire [ eth1 eth2 ]\n"
	"set deviceconfig system http-listen 127.0.0.1:8443\n"
	"set deviceconfig system ctl-socket /run/statewall/vw0.sock\n"
	"set deviceconfig system log-file /var/log/statewall/vw0.log\n"
	"set deviceconfig system http-auth-file /etc/statewall/admin.hash\n"
	"set deviceconfig system http-keys-file /etc/statewall/api-keys\n"
	"set deviceconfig system tls-cert-file /etc/statewall/cert.pem\n"
	"set deviceconfig system tls-key-file /etc/statewall/key.pem\n";

static void test_set_all(void **state)
{
	struct sw_conf *c = conf_new();
	char err[512] = "";

	(void)state;
	assert_int_equal(sw_conf_load_buf(c, good, strlen(good), "t.conf", err, sizeof(err)), 0);
	assert_string_equal(c->sys.vwire[0], "eth1");
	assert_string_equal(c->sys.vwire[1], "eth2");
	assert_string_equal(c->sys.http_listen, "127.0.0.1:8443");
	assert_string_equal(c->sys.ctl_socket, "/run/statewall/vw0.sock");
	assert_string_equal(c->sys.log_file, "/var/log/statewall/vw0.log");
	assert_string_equal(c->sys.http_auth, "/etc/statewall/admin.hash");
	assert_string_equal(c->sys.http_keys, "/etc/statewall/api-keys");
	assert_string_equal(c->sys.tls_cert, "/etc/statewall/cert.pem");
	assert_string_equal(c->sys.tls_key, "/etc/statewall/key.pem");
	assert_int_equal(sw_conf_validate(c, err, sizeof(err)), 0);
	free(c);
}

/* text loads; the writer gives back text exactly; that loads into the same bytes */
static void round_trip(const char *text, struct sw_conf *c)
{
	struct sw_conf *back = conf_new();
	char err[512] = "", *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (sw_conf_load_buf(c, text, strlen(text), "t.conf", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	sw_conf_write(c, f, 0);
	fclose(f);
	assert_string_equal(buf, text);
	assert_int_equal(sw_conf_load_buf(back, buf, len, "w.conf", err, sizeof(err)), 0);
	assert_memory_equal(c, back, sizeof(*c));
	free(buf);
	free(back);
}

static void test_round_trip(void **state)
{
	struct sw_conf *c = conf_new();

	(void)state;
	round_trip(good, c);
	free(c);
}

static void test_delete_clears(void **state)
{
	struct sw_conf *c = conf_new(), *def = conf_new();
	char err[512] = "";
	static const char *const names[] = {"vwire", "http-listen", "ctl-socket", "log-file",
					    "http-auth-file", "http-keys-file", "tls-cert-file",
					    "tls-key-file"};

	(void)state;
	assert_int_equal(sw_conf_load_buf(c, good, strlen(good), "t.conf", err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char line[128];
		snprintf(line, sizeof(line), "delete deviceconfig system %s", names[i]);
		assert_int_equal(sw_conf_apply_line(c, line, "d.conf", 1, err, sizeof(err)), 0);
	}
	assert_memory_equal(c, def, sizeof(*c));
	free(c);
	free(def);
}

static void test_errors(void **state)
{
	static const struct {
		const char *line, *tok, *what;
	} cases[] = {
		{"set deviceconfig system", "system", "missing setting name"},
		{"set deviceconfig system vwires [ a b ]", "vwires", "unknown system setting (expected 'vwire'"},
		{"set deviceconfig system vwire eth1", "eth1", "two interfaces"},
		{"set deviceconfig system vwire [ eth1 ]", "eth1", "two interfaces"},
		{"set deviceconfig system vwire [ a b c ]", "c", "two interfaces"},
		{"set deviceconfig system vwire [ eth1 eth1 ]", "eth1", "two different interfaces"},
		{"set deviceconfig system vwire [ eth/1 eth2 ]", "eth/1", "not an interface name"},
		{"set deviceconfig system vwire [ a23456789012345678 b ]", "a23456789012345678", "not an interface name"},
		{"set deviceconfig system vwire [ eth1 eth2", "eth2", "unterminated list"},
		{"set deviceconfig system log-file", "log-file", "missing value (expected <path>)"},
		{"set deviceconfig system log-file relative/x.log", "relative/x.log", "absolute path"},
		{"set deviceconfig system log-file \"/var/log/a b\"", "/var/log/a b", "absolute path"},
		{"set deviceconfig system log-file [ /a /b ]", "[", "a list is not allowed here"},
		{"set deviceconfig system log-file /a /b", "/b", "expected end of line"},
		{"set deviceconfig system http-listen 127.0.0.1", "127.0.0.1", "ADDR:PORT"},
		{"set deviceconfig system http-listen 127.0.0.1:0", "127.0.0.1:0", "ADDR:PORT"},
		{"set deviceconfig system http-listen 127.0.0.1:65536", "127.0.0.1:65536", "ADDR:PORT"},
		{"set deviceconfig system http-listen :80", ":80", "ADDR:PORT"},
		{"delete deviceconfig system log-file /x", "/x", "expected end of line"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sw_conf *c = conf_new(), *before = conf_new();
		char err[512] = "", want[256];
		int rc = sw_conf_apply_line(c, cases[i].line, "s.conf", 7, err, sizeof(err));
		if (rc != -EINVAL)
			fail_msg("accepted: %s", cases[i].line);
		snprintf(want, sizeof(want), "s.conf:7: token '%s': ", cases[i].tok);
		if (!strstr(err, want) || !strstr(err, cases[i].what))
			fail_msg("line \"%s\"\n  got:  %s\n  want: %s ... %s", cases[i].line, err, want,
				 cases[i].what);
		assert_memory_equal(c, before, sizeof(*c));
		free(c);
		free(before);
	}
}

/* an IPv6 listen address is quoted (brackets are list words) and comes back the same */
static void test_ipv6_listen_quoted(void **state)
{
	struct sw_conf *c = conf_new();

	(void)state;
	round_trip("set deviceconfig system http-listen \"[::1]:8443\"\n", c);
	assert_string_equal(c->sys.http_listen, "[::1]:8443");
	free(c);
}

/* a path as long as the field allows is kept whole; one more character is refused */
static void test_path_length(void **state)
{
	struct sw_conf *c = conf_new();
	char line[SW_SYS_PATH_MAX + 64], path[SW_SYS_PATH_MAX + 1], err[512];

	(void)state;
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[SW_SYS_PATH_MAX - 1] = '\0';
	snprintf(line, sizeof(line), "set deviceconfig system log-file %s", path);
	assert_int_equal(sw_conf_apply_line(c, line, "l.conf", 1, err, sizeof(err)), 0);
	assert_string_equal(c->sys.log_file, path);
	path[SW_SYS_PATH_MAX - 1] = 'a';
	path[SW_SYS_PATH_MAX] = '\0';
	snprintf(line, sizeof(line), "set deviceconfig system log-file %s", path);
	assert_int_equal(sw_conf_apply_line(c, line, "l.conf", 1, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too long"));
	free(c);
}

/* every row of the table has a name, a placeholder and help (the man page lists them) */
static void test_info_table(void **state)
{
	struct sw_sys_info si;

	(void)state;
	assert_true(sw_conf_nsys() >= 8);
	for (unsigned i = 0; i < sw_conf_nsys(); i++) {
		assert_int_equal(sw_conf_sys(i, &si), 0);
		assert_true(si.name[0] && (si.value[0] == '<' || si.value[0] == '['));
		assert_true(strlen(si.help) > 10);
	}
	assert_int_equal(sw_conf_sys(sw_conf_nsys(), &si), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_all),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_delete_clears),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_ipv6_listen_quoted),
		cmocka_unit_test(test_path_length),
		cmocka_unit_test(test_info_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
