/*
 * test_service_filter.c - `show session all filter service NAME` (issue 12):
 * the filter words parse, and a session matches by the service of its rule
 * that matched its flow (struct sw_sess_info.service).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "mgmt/mgmt.h"

static void test_filter_service(void **st)
{
	struct sw_filter f;
	struct sw_sess_info si;
	char err[256];
	char *w[] = {"filter", "service", "svc-x", "protocol", "tcp"};

	(void)st;
	assert_int_equal(sw_filter_parse(&f, w, 5, err, sizeof(err)), 0);
	memset(&si, 0, sizeof(si));
	si.proto = 6;
	assert_false(sw_filter_match(&f, &si)); /* service any */
	strcpy(si.service, "svc-x");
	assert_true(sw_filter_match(&f, &si));
	strcpy(si.service, "svc-xy");
	assert_false(sw_filter_match(&f, &si));
	/* without the keyword every service matches */
	assert_int_equal(sw_filter_parse(&f, w + 3, 2, err, sizeof(err)), 0);
	assert_true(sw_filter_match(&f, &si));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_service),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
