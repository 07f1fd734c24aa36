/*
 * test_event_stream.c - the event stream's backlog and subscribers (mgmt/events.c)
 * without threads or sockets: numbering, filters, resume from an id, the
 * overflow notice of a subscriber that falls behind and its disconnect if
 * it stays behind, packet-side loss, and both output forms.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mgmt/events.h"

static struct sw_ev_rec rec(unsigned type, uint16_t dport)
{
	struct sw_ev_rec r;
	memset(&r, 0, sizeof(r));
	r.type = (uint8_t)type;
	r.ts = 1700000000LL * SW_NS_PER_SEC;
	r.si.id = dport;
	r.si.proto = 6;
	r.si.family = 4;
	r.si.resp_p = dport;
	r.si.orig_p = 40000;
	r.si.timer = SW_TO_MAX;
	r.from = r.to = SW_TO_MAX;
	return r;
}

static int readies;
static void on_ready(void *ctx)
{
	(void)ctx;
	readies++;
}

static int next_str(struct sw_ev_sub *s, enum sw_ev_format fmt, char *out, size_t len, uint64_t *id)
{
	struct sw_buf b = {0};
	int rc = sw_ev_next(s, fmt, &b, id);
	snprintf(out, len, "%s", b.p ? b.p : "");
	sw_buf_free(&b);
	return rc;
}

static void test_order_and_filter(void **st)
{
	struct sw_events *ev;
	struct sw_filter f;
	char *argv[] = {"destination-port", "80"}, err[128], line[2048];
	uint64_t id;
	(void)st;

	assert_int_equal(sw_events_create(&ev, 64), 0);
	assert_int_equal(sw_filter_parse(&f, argv, 2, err, sizeof(err)), 0);
	struct sw_ev_sub *all = sw_events_subscribe(ev, NULL, 0, 0, on_ready, NULL);
	struct sw_ev_sub *p80 = sw_events_subscribe(ev, &f, 0, 0, on_ready, NULL);
	readies = 0;
	struct sw_ev_rec r = rec(SW_EV_START, 22);
	sw_events_publish(ev, &r);
	assert_int_equal(readies, 1); /* only `all` wants it */
	assert_false(sw_ev_pending(p80));
	r = rec(SW_EV_HALF_CLOSE, 80);
	r.side = 1;
	sw_events_publish(ev, &r);
	assert_int_equal(readies, 2); /* p80 armed; `all` was told already */
	assert_int_equal(sw_events_last_id(ev), 2);

	assert_int_equal(next_str(all, SW_EV_JSON, line, sizeof(line), &id), 1);
	assert_int_equal(id, 1);
	assert_non_null(strstr(line, "\"event\":\"start\""));
	assert_int_equal(next_str(all, SW_EV_JSON, line, sizeof(line), &id), 1);
	assert_int_equal(id, 2);
	assert_non_null(strstr(line, "\"side\":\"server\""));
	assert_int_equal(next_str(all, SW_EV_JSON, line, sizeof(line), &id), 0);

	assert_int_equal(next_str(p80, SW_EV_TEXT, line, sizeof(line), &id), 1);
	assert_int_equal(id, 2);
	assert_non_null(strstr(line, ",TRAFFIC,half-close,2,80,"));
	assert_non_null(strstr(line, "fin-from-server"));
	assert_int_equal(next_str(p80, SW_EV_TEXT, line, sizeof(line), &id), 0);

	sw_ev_unsubscribe(all);
	sw_ev_unsubscribe(p80);
	sw_events_destroy(ev);
}

static void test_end_fields(void **st)
{
	struct sw_events *ev;
	char line[2048];
	uint64_t id;
	(void)st;

	assert_int_equal(sw_events_create(&ev, 64), 0);
	struct sw_ev_sub *s = sw_events_subscribe(ev, NULL, 0, 0, NULL, NULL);
	struct sw_ev_rec r = rec(SW_EV_END, 443);
	r.si.end_reason = SW_END_AGED_OUT;
	r.si.timer = SW_TO_TCP_TIME_WAIT;
	r.si.late_pkts = 3;
	sw_events_publish(ev, &r);
	assert_int_equal(next_str(s, SW_EV_JSON, line, sizeof(line), &id), 1);
	assert_non_null(strstr(line, "\"reason\":\"aged-out\""));
	char want[64];
	snprintf(want, sizeof(want), "\"timer\":\"%s\"", sw_timeout_name(SW_TO_TCP_TIME_WAIT));
	assert_non_null(strstr(line, want));
	assert_non_null(strstr(line, "\"late_pkts\":3"));
	sw_ev_unsubscribe(s);
	sw_events_destroy(ev);
}

static void test_resume(void **st)
{
	struct sw_events *ev;
	char line[2048];
	uint64_t id;
	(void)st;

	assert_int_equal(sw_events_create(&ev, 16), 0);
	for (int i = 0; i < 40; i++) {
		struct sw_ev_rec r = rec(SW_EV_START, (uint16_t)(1000 + i));
		sw_events_publish(ev, &r);
	}
	/* after 30: 31..40 are still in the backlog (25..40) */
	struct sw_ev_sub *s = sw_events_subscribe(ev, NULL, 30, 0, NULL, NULL);
	assert_int_equal(next_str(s, SW_EV_JSON, line, sizeof(line), &id), 1);
	assert_int_equal(id, 31);
	sw_ev_unsubscribe(s);
	/* after 5: 6..24 are gone */
	s = sw_events_subscribe(ev, NULL, 5, 0, NULL, NULL);
	assert_int_equal(next_str(s, SW_EV_JSON, line, sizeof(line), &id), 1);
	assert_string_equal(line, "{\"event\":\"overflow\",\"lost\":19}");
	assert_int_equal(next_str(s, SW_EV_JSON, line, sizeof(line), &id), 1);
	assert_int_equal(id, 25);
	sw_ev_unsubscribe(s);
	sw_events_destroy(ev);
}

static void test_overflow_then_close(void **st)
{
	struct sw_events *ev;
	struct sw_events_stats es;
	char line[2048];
	uint64_t id;
	int i;
	(void)st;

	assert_int_equal(sw_events_create(&ev, 64), 0);
	struct sw_ev_sub *slow = sw_events_subscribe(ev, NULL, 0, 8, NULL, NULL);
	struct sw_ev_sub *fast = sw_events_subscribe(ev, NULL, 0, 8, NULL, NULL);
	for (i = 0; i < 9; i++) {
		struct sw_ev_rec r = rec(SW_EV_START, (uint16_t)i);
		sw_events_publish(ev, &r);
		assert_int_equal(next_str(fast, SW_EV_JSON, line, sizeof(line), &id), 1);
	}
	/* the 9th put `slow` 9 behind with a queue of 8: it lost all 9 */
	assert_int_equal(next_str(slow, SW_EV_JSON, line, sizeof(line), &id), 1);
	assert_string_equal(line, "{\"event\":\"overflow\",\"lost\":9}");
	assert_int_equal(id, 9);
	assert_int_equal(next_str(slow, SW_EV_JSON, line, sizeof(line), &id), 0);
	/* behind again; then behind again before reading the notice: closed */
	for (i = 0; i < 18; i++) {
		struct sw_ev_rec r = rec(SW_EV_START, (uint16_t)i);
		sw_events_publish(ev, &r);
		assert_int_equal(next_str(fast, SW_EV_JSON, line, sizeof(line), &id), 1);
	}
	assert_int_equal(next_str(slow, SW_EV_JSON, line, sizeof(line), &id), 1);
	assert_non_null(strstr(line, "overflow"));
	assert_int_equal(next_str(slow, SW_EV_JSON, line, sizeof(line), &id), -EPIPE);
	sw_events_stats(ev, &es);
	assert_int_equal(es.overflows, 2);
	assert_int_equal(es.closed, 1);
	assert_int_equal(es.subscribers, 2);
	assert_int_equal(next_str(fast, SW_EV_JSON, line, sizeof(line), &id), 0);
	sw_ev_unsubscribe(slow);
	sw_ev_unsubscribe(fast);
	sw_events_destroy(ev);
}

static void test_ring_loss(void **st)
{
	struct sw_events *ev;
	struct sw_events_stats es;
	char line[2048];
	uint64_t id;
	(void)st;

	assert_int_equal(sw_events_create(&ev, 64), 0);
	struct sw_ev_sub *s = sw_events_subscribe(ev, NULL, 0, 0, NULL, NULL);
	struct sw_ev_rec r = rec(SW_EV_START, 1);
	sw_events_publish(ev, &r);
	r.lost_before = 5; /* the packet thread could not queue 5 before this one */
	sw_events_publish(ev, &r);
	assert_int_equal(next_str(s, SW_EV_JSON, line, sizeof(line), &id), 1);
	assert_int_equal(next_str(s, SW_EV_JSON, line, sizeof(line), &id), 1);
	assert_string_equal(line, "{\"event\":\"overflow\",\"lost\":5}");
	assert_int_equal(next_str(s, SW_EV_JSON, line, sizeof(line), &id), 1);
	assert_int_equal(id, 3);
	sw_events_stats(ev, &es);
	assert_int_equal(es.lost_ring, 5);
	assert_int_equal(es.published, 2);
	sw_ev_unsubscribe(s);
	sw_events_destroy(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_filter),
		cmocka_unit_test(test_end_fields),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_overflow_then_close),
		cmocka_unit_test(test_ring_loss),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
