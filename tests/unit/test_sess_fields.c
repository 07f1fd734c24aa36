/*
 * test_sess_fields.c - one entry added to SW_SESS_FIELDS reaches the session
 * log, the REST / -o json session objects, the text of show session id and
 * show session all, the OpenAPI schema and the reference doc, with no other
 * edit.
 *
 * This translation unit appends a field through the list's hook
 * (SW_SESS_FIELDS_LOCAL) and compiles the record's only expansion of the
 * list (src/util/sessrec.c) and the session-log writer (src/app/report.c)
 * with it.  The management library is the one every front end links: it
 * asks for the fields through sessrec.h, so the linker gives it this
 * unit's version and the new field shows up in its output too.
 */
#define SW_SESS_FIELDS_LOCAL(X)                                                                    \
	X(probe_marker, "probe marker", U64, SW_SV_ALL, 8, "a field only this test has",         \
	  (uint64_t)si->id * 1000 + 7)

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../src/util/sessrec.c"
#include "../../src/app/report.c"

#include "mgmt/registry.h"
#include "pktbuild.h"

#define T0 (1700000000LL * SW_NS_PER_SEC)

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);

	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return p;
}

static void log_one(FILE *f, const void *si)
{
	sw_log_session(f, si);
}

static void md(FILE *f, const void *unused)
{
	(void)unused;
	sw_sess_fields_md(f);
}

static void test_log_line(void **st)
{
	struct sw_sess_info si;
	(void)st;

	memset(&si, 0, sizeof(si));
	si.id = 3;
	si.proto = 17;
	si.start = T0;
	si.end = T0 + SW_NS_PER_SEC;
	si.timer = SW_TO_UDP;
	char *line = capture(log_one, &si);
	json_t *v = json_loads(line, 0, NULL);
	assert_non_null(v);
	assert_int_equal(json_integer_value(json_object_get(v, "probe_marker")), 3007);
	assert_string_equal(json_string_value(json_object_get(v, "proto")), "udp");
	json_decref(v);
	free(line);
}

static void test_docs_and_schema(void **st)
{
	struct sw_buf b = {0};
	struct sw_jw w;
	char path[512], *doc, *table;
	FILE *f;
	(void)st;

	table = capture(md, NULL);
	assert_non_null(strstr(table, "| `probe_marker` | integer | yes | yes | a field only this test has |"));
	/* the committed reference has every other row of this table, and not this one */
	snprintf(path, sizeof(path), "%s/docs/reference.md", SW_SOURCE_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	doc = calloc(1, 1 << 20);
	assert_int_not_equal(fread(doc, 1, (1 << 20) - 1, f), 0);
	fclose(f);
	assert_null(strstr(doc, "probe_marker"));
	for (char *l = table, *e; (e = strchr(l, '\n')); l = e + 1) {
		*e = '\0';
		if (!strstr(l, "probe_marker"))
			assert_non_null(strstr(doc, l));
	}
	free(doc);
	free(table);

	sw_jw_init_buf(&w, &b);
	sw_sess_openapi(&w, SW_SV_LIVE);
	json_t *v = json_loads(b.p, 0, NULL);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(v, "properties"), "probe_marker"),
				    "type")),
			    "integer");
	json_decref(v);
	sw_buf_free(&b);
}

static void test_mgmt_outputs(void **st)
{
	struct sw_engine *e;
	struct sw_conf c;
	struct sw_mgmt_host h = {0};
	struct sw_dp_direct d;
	struct sw_mgmt_sess s;
	struct sw_buf out = {0};
	char err[256];
	struct pb_seg g = {.src = "10.0.0.1", .dst = "10.0.0.2", .sport = 1000, .dport = 80,
			   .flags = SW_TH_SYN, .seq = 1, .win = 1000, .wscale = -1};
	struct pb_pkt p;
	(void)st;

	sw_conf_defaults(&c);
	c.max_sessions = 16;
	assert_int_equal(sw_engine_create(&e, &c), 0);
	sw_dp_direct_init(&h.dp, &d, e, NULL, NULL);
	sw_mgmt_sess_init(&s);
	pb_tcp(&p, &g);
	sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, T0);

	/* REST: the typed call */
	json_t *args = json_pack("{s:i}", "id", 1);
	struct sw_mgmt_call *k = sw_mgmt_call_json(&h, &s, "show session id", args, &out);
	while (sw_mgmt_call_step(k) == SW_CALL_MORE)
		;
	assert_int_equal(sw_mgmt_call_rc(k), 0);
	sw_mgmt_call_free(k);
	json_decref(args);
	assert_non_null(strstr(out.p, "\"probe_marker\":1007"));
	out.len = 0;
	assert_int_equal(sw_mgmt_run(&h, &s, "show session all", 1, &out, err, sizeof(err)),
			 SW_CALL_DONE);
	assert_non_null(strstr(out.p, "\"probe_marker\":1007"));
	out.len = 0;
	/* text: a line of show session id, a column of show session all */
	assert_int_equal(sw_mgmt_run(&h, &s, "show session id 1", 0, &out, err, sizeof(err)),
			 SW_CALL_DONE);
	assert_non_null(strstr(out.p, "probe marker:"));
	assert_non_null(strstr(out.p, "1007"));
	out.len = 0;
	assert_int_equal(sw_mgmt_run(&h, &s, "show session all", 0, &out, err, sizeof(err)),
			 SW_CALL_DONE);
	assert_non_null(strstr(out.p, "probe_marker"));
	assert_non_null(strstr(out.p, " 1007 "));
	sw_buf_free(&out);
	sw_mgmt_sess_free(&s);
	sw_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_line),
		cmocka_unit_test(test_docs_and_schema),
		cmocka_unit_test(test_mgmt_outputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
