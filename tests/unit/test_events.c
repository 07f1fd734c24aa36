/*
 * test_events.c - the session event stream (sw_engine_on_event): scripted
 * conversations (tests/lib/pktbuild.h, client 10.0.0.1:40000, server
 * 10.0.0.2:80) must give exactly the expected sequence of start, half-close,
 * timer, end and late events under each half-close mode, and the session log
 * (sw_engine_on_end) must be unchanged by a subscriber.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pktbuild.h"
#include "statewall/engine.h"

/* The engine's invariants (sw_engine_check) hold after every step. */
static void check_engine(const struct sw_engine *e)
{
	char err[256];

	if (sw_engine_check(e, err, sizeof(err)) < 0)
		fail_msg("engine invariant: %s", err);
}

#define T0 (1700000000LL * SW_NS_PER_SEC)
#define SEC(x) (T0 + (sw_time_t)((x) * 1e9 + 0.5))

struct evlog {
	char text[2048];
	sw_time_t end_ts;
	uint64_t late_at_late;
	int ended; /* sw_engine_on_end calls */
};

static const char *to_short(unsigned t)
{
	return t >= SW_TO_MAX ? "-" : sw_timeout_name(t) + strlen("timeout-");
}

/* Each event as one word: start, half-close:c|s, timer:FROM>TO, end:REASON:TIMER, late:N. */
static void on_event(void *ctx, const struct sw_event *ev)
{
	struct evlog *l = ctx;
	char w[128];

	switch (ev->type) {
	case SW_EV_HALF_CLOSE:
		snprintf(w, sizeof(w), "half-close:%c", ev->side ? 's' : 'c');
		break;
	case SW_EV_TIMER:
		snprintf(w, sizeof(w), "timer:%s>%s", to_short(ev->from), to_short(ev->to));
		assert_int_equal(ev->si->timer, ev->to);
		break;
	case SW_EV_END:
		snprintf(w, sizeof(w), "end:%s:%s", sw_end_name(ev->si->end_reason),
			 to_short(ev->si->timer));
		assert_int_equal(ev->ts, ev->si->end);
		l->end_ts = ev->ts;
		break;
	case SW_EV_LATE:
		snprintf(w, sizeof(w), "late:%llu", (unsigned long long)ev->si->late_pkts);
		break;
	default:
		snprintf(w, sizeof(w), "%s", sw_event_name(ev->type));
		break;
	}
	assert_true(ev->si->id != 0);
	if (l->text[0])
		strncat(l->text, " ", sizeof(l->text) - strlen(l->text) - 1);
	strncat(l->text, w, sizeof(l->text) - strlen(l->text) - 1);
}

static void on_end(void *ctx, const struct sw_sess_info *si)
{
	struct evlog *l = ctx;

	(void)si;
	l->ended++;
}

static struct sw_engine *mk(int mode, struct evlog *l)
{
	struct sw_conf c;
	struct sw_engine *e;

	memset(l, 0, sizeof(*l));
	sw_conf_defaults(&c);
	c.half_close_mode = (uint8_t)mode;
	c.max_sessions = 1024; /* a small table keeps check_engine cheap */
	assert_int_equal(sw_engine_create(&e, &c), 0);
	sw_engine_on_event(e, on_event, l);
	sw_engine_on_end(e, on_end, l);
	return e;
}

/* One segment of the conversation; c2s: from the client.  Returns the verdict's reason. */
static int seg(struct sw_engine *e, double t, int c2s, const char *flags, uint32_t seq,
	       uint32_t ack, size_t payload)
{
	struct pb_seg g;
	struct pb_pkt p;

	int reason;

	pb_conv(&g, c2s, pb_tcp_flags(flags), seq, ack, payload);
	pb_tcp(&p, &g);
	reason = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(t)).reason;
	check_engine(e);
	return reason;
}

static void handshake(struct sw_engine *e)
{
	assert_int_equal(seg(e, 0.0, 1, "S", 0, 0, 0), SW_DROP_NONE);
	assert_int_equal(seg(e, 0.1, 0, "SA", 0, 1, 0), SW_DROP_NONE);
	assert_int_equal(seg(e, 0.2, 1, "A", 1, 1, 0), SW_DROP_NONE);
	assert_int_equal(seg(e, 0.3, 1, "PA", 1, 1, 100), SW_DROP_NONE);
}

#define OPEN "start timer:tcpinit>tcphandshake timer:tcphandshake>tcp"

static void expect(struct sw_engine *e, struct evlog *l, const char *want)
{
	check_engine(e);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	check_engine(e);
	if (strcmp(l->text, want) != 0)
		fail_msg("events\n  got:  %s\n  want: %s", l->text, want);
	sw_engine_destroy(e);
}

/* The client closes first; the server sends on, then closes; time-wait (or tcpwait) ends it. */
static void client_half_close(int mode, const char *want, sw_time_t end_ts)
{
	struct evlog l;
	struct sw_engine *e = mk(mode, &l);

	handshake(e);
	assert_int_equal(seg(e, 1.0, 1, "FA", 101, 1, 0), SW_DROP_NONE);
	assert_int_equal(seg(e, 1.1, 0, "A", 1, 102, 0), SW_DROP_NONE);
	assert_int_equal(seg(e, 2.0, 0, "PA", 1, 102, 100), SW_DROP_NONE);
	assert_int_equal(seg(e, 3.0, 0, "FA", 101, 102, 0), SW_DROP_NONE);
	assert_int_equal(seg(e, 3.1, 1, "A", 102, 102, 0), SW_DROP_NONE);
	sw_engine_advance(e, SEC(200));
	assert_int_equal(l.end_ts, end_ts);
	assert_int_equal(l.ended, 0); /* the log line waits for the tombstone */
	expect(e, &l, want);
	assert_int_equal(l.ended, 1);
}

static void test_client_half_close(void **st)
{
	(void)st;
	client_half_close(SW_HC_IDLE,
			  OPEN " half-close:c timer:tcp>tcp-half-closed"
			  " timer:tcp-half-closed>tcp-time-wait end:tcp-fin:tcp-time-wait",
			  SEC(18.001));
	client_half_close(SW_HC_FIXED,
			  OPEN " half-close:c timer:tcp>tcp-half-closed"
			  " timer:tcp-half-closed>tcp-time-wait end:tcp-fin:tcp-time-wait",
			  SEC(18.001));
	/* Legacy: the first FIN's 30 s life stands; the second FIN changes nothing. */
	client_half_close(SW_HC_TCPWAIT, OPEN " half-close:c timer:tcp>tcpwait end:tcp-fin:tcpwait",
			  SEC(31.001));
}

static void test_server_half_close_side(void **st)
{
	struct evlog l;
	struct sw_engine *e = mk(SW_HC_IDLE, &l);

	(void)st;
	handshake(e);
	assert_int_equal(seg(e, 1.0, 0, "FA", 1, 101, 0), SW_DROP_NONE);
	expect(e, &l, OPEN " half-close:s timer:tcp>tcp-half-closed end:end-of-capture:-");
}

static void rst(int mode, const char *want)
{
	struct evlog l;
	struct sw_engine *e = mk(mode, &l);

	handshake(e);
	assert_int_equal(seg(e, 1.0, 1, "R", 101, 0, 0), SW_DROP_NONE);
	sw_engine_advance(e, SEC(100));
	expect(e, &l, want);
}

static void test_rst(void **st)
{
	(void)st;
	rst(SW_HC_IDLE, OPEN " timer:tcp>tcp-time-wait end:tcp-rst-from-client:tcp-time-wait");
	rst(SW_HC_FIXED, OPEN " timer:tcp>tcp-time-wait end:tcp-rst-from-client:tcp-time-wait");
	rst(SW_HC_TCPWAIT, OPEN " timer:tcp>tcpwait end:tcp-rst-from-client:tcpwait");
}

/* Both FINs, then a new SYN on the tuple: the old session ends as tcp-reuse, a new one starts. */
static void reuse(int mode, const char *closing)
{
	struct evlog l;
	struct sw_engine *e = mk(mode, &l);
	char want[512];

	handshake(e);
	assert_int_equal(seg(e, 1.0, 1, "FA", 101, 1, 0), SW_DROP_NONE);
	assert_int_equal(seg(e, 1.1, 0, "FA", 1, 102, 0), SW_DROP_NONE);
	assert_int_equal(seg(e, 1.2, 1, "A", 102, 2, 0), SW_DROP_NONE);
	assert_int_equal(seg(e, 5.0, 1, "S", 70000, 0, 0), SW_DROP_NONE);
	snprintf(want, sizeof(want), OPEN " half-close:c %s end:tcp-reuse:- start end:aged-out:tcpinit",
		 closing);
	sw_engine_advance(e, SEC(20));
	expect(e, &l, want);
}

static void test_reuse(void **st)
{
	(void)st;
	reuse(SW_HC_IDLE, "timer:tcp>tcp-half-closed timer:tcp-half-closed>tcp-time-wait");
	reuse(SW_HC_FIXED, "timer:tcp>tcp-half-closed timer:tcp-half-closed>tcp-time-wait");
	reuse(SW_HC_TCPWAIT, "timer:tcp>tcpwait");
}

/* A timer ends the session; the server's late packets: one `late` event, at the first. */
static void expiry_late(int mode, const char *want)
{
	struct evlog l;
	struct sw_engine *e = mk(mode, &l);

	handshake(e);
	assert_int_equal(seg(e, 1.0, 1, "FA", 101, 1, 0), SW_DROP_NONE);
	assert_int_equal(seg(e, 1.1, 0, "A", 1, 102, 0), SW_DROP_NONE);
	/* tcpwait 30 s from the FIN; half-closed 120 s (idle: from this packet, fixed: the FIN). */
	assert_int_equal(seg(e, 40.0, 0, "PA", 1, 102, 100), mode == SW_HC_TCPWAIT
				 ? SW_DROP_SESSION_AGED_OUT : SW_DROP_NONE);
	assert_int_equal(seg(e, 200.0, 0, "PA", 101, 102, 100), SW_DROP_SESSION_AGED_OUT);
	assert_int_equal(seg(e, 210.0, 0, "PA", 201, 102, 100), SW_DROP_SESSION_AGED_OUT);
	assert_int_equal(seg(e, 211.0, 0, "PA", 301, 102, 100), SW_DROP_SESSION_AGED_OUT);
	expect(e, &l, want);
}

static void test_expiry_with_late_packets(void **st)
{
	(void)st;
	expiry_late(SW_HC_IDLE, OPEN " half-close:c timer:tcp>tcp-half-closed"
				" end:aged-out:tcp-half-closed late:1");
	expiry_late(SW_HC_FIXED, OPEN " half-close:c timer:tcp>tcp-half-closed"
				 " end:aged-out:tcp-half-closed late:1");
	expiry_late(SW_HC_TCPWAIT, OPEN " half-close:c timer:tcp>tcpwait end:aged-out:tcpwait late:1");
}

static void test_cleared(void **st)
{
	struct evlog l;
	struct sw_engine *e;
	struct pb_seg g;
	struct pb_pkt p;
	struct sw_verdict v;

	(void)st;
	for (int mode = 0; mode < 3; mode++) {
		e = mk(mode, &l);
		pb_conv(&g, 1, pb_tcp_flags("S"), 0, 0, 0);
		pb_tcp(&p, &g);
		v = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(0));
		assert_int_equal(sw_engine_clear(e, v.sess), 0);
		assert_int_equal(sw_engine_clear(e, v.sess), -ENOENT);
		/* A SYN on the cleared tuple is a new session, not a late packet. */
		assert_int_equal(seg(e, 0.5, 1, "S", 0, 0, 0), SW_DROP_NONE);
		assert_int_equal(seg(e, 0.6, 0, "A", 1, 1, 0), SW_DROP_NONE);
		expect(e, &l, "start end:cleared:- start end:end-of-capture:-");
	}
}

/*
 * Idle mode, a FIN long after the handshake: the shorter idle timer must move
 * the session on the wheel, so its end is reported when it happens (the wheel
 * used to find it only at the old timer's slot, up to 17 minutes late).
 */
static void test_idle_half_close_reported_on_time(void **st)
{
	struct evlog l;
	struct sw_engine *e = mk(SW_HC_IDLE, &l);

	(void)st;
	handshake(e);
	sw_engine_advance(e, SEC(60)); /* the handshake's slot fires: re-queued at timeout-tcp */
	assert_int_equal(seg(e, 100.0, 1, "FA", 101, 1, 0), SW_DROP_NONE);
	sw_engine_advance(e, SEC(221));
	assert_int_equal(l.end_ts, SEC(220.001));
	expect(e, &l, OPEN " half-close:c timer:tcp>tcp-half-closed end:aged-out:tcp-half-closed");
}

/* UDP: start and end only (no TCP state, no timer change). */
static void test_udp(void **st)
{
	struct evlog l;
	struct sw_engine *e = mk(SW_HC_IDLE, &l);
	struct pb_seg g = {.src = "10.0.0.1", .dst = "10.0.0.2", .sport = 5000, .dport = 53,
			   .payload = 20, .wscale = -1};
	struct pb_pkt p;

	(void)st;
	pb_udp(&p, &g);
	sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(0));
	sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(1));
	sw_engine_advance(e, SEC(100));
	expect(e, &l, "start end:aged-out:udp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_half_close),
		cmocka_unit_test(test_server_half_close_side),
		cmocka_unit_test(test_rst),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_expiry_with_late_packets),
		cmocka_unit_test(test_cleared),
		cmocka_unit_test(test_idle_half_close_reported_on_time),
		cmocka_unit_test(test_udp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
