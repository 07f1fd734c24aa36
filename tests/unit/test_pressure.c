/*
 * test_pressure.c - a full table: eviction by class and its order, the
 * evict-min-idle guarantee, refusal when nothing qualifies, late packets of
 * an evicted session; the per-source quota (IPv4 /32, IPv6 /64, set at run
 * time); accelerated aging at its exact moment.  sw_engine_check after
 * every packet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pktbuild.h"
#include "statewall/engine.h"

#define T0 (1000000000LL * SW_NS_PER_SEC)
#define SEC(x) (T0 + (sw_time_t)((x) * 1e9 + 0.5))

/* si: sessions as they ended (END events); fin: as logged, once their tombstone retired. */
struct log {
	struct sw_sess_info si[64], fin[64];
	int n, nfin;
};

static void on_event(void *ctx, const struct sw_event *ev)
{
	struct log *l = ctx;
	if (ev->type == SW_EV_END && l->n < 64)
		l->si[l->n++] = *ev->si;
}

static void on_end(void *ctx, const struct sw_sess_info *si)
{
	struct log *l = ctx;
	if (l->nfin < 64)
		l->fin[l->nfin++] = *si;
}

static void check_engine(const struct sw_engine *e)
{
	char err[256];

	if (sw_engine_check(e, err, sizeof(err)) < 0)
		fail_msg("engine invariant: %s", err);
}

static struct sw_engine *mk(struct sw_conf *c, struct log *l)
{
	struct sw_engine *e;
	assert_int_equal(sw_engine_create(&e, c), 0);
	sw_engine_on_end(e, on_end, l);
	sw_engine_on_event(e, on_event, l);
	return e;
}

static struct sw_verdict tcp(struct sw_engine *e, const char *s, const char *d, uint16_t sp,
			     uint16_t dp, uint8_t fl, uint32_t seq, uint32_t ack, double t)
{
	struct pb_seg g = {.src = s, .dst = d, .sport = sp, .dport = dp, .flags = fl, .seq = seq,
			   .ack = ack, .win = 65535, .wscale = -1};
	struct pb_pkt p;
	struct sw_verdict v;

	pb_tcp(&p, &g);
	v = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(t));
	check_engine(e);
	return v;
}

/* Client port sp: SYN, SYN-ACK, ACK at t; returns the session id. */
static uint32_t handshake(struct sw_engine *e, const char *c, uint16_t sp, double t)
{
	struct sw_verdict v = tcp(e, c, "10.9.0.1", sp, 80, SW_TH_SYN, 100, 0, t);

	assert_int_equal(v.reason, SW_DROP_NONE);
	assert_int_equal(tcp(e, "10.9.0.1", c, 80, sp, SW_TH_SYN | SW_TH_ACK, 500, 101, t).reason,
			 SW_DROP_NONE);
	assert_int_equal(tcp(e, c, "10.9.0.1", sp, 80, SW_TH_ACK, 101, 501, t).reason, SW_DROP_NONE);
	return v.sess;
}

static const struct sw_sess_info *ended(const struct log *l, uint32_t id)
{
	for (int i = 0; i < l->n; i++)
		if (l->si[i].id == id)
			return &l->si[i];
	return NULL;
}

static void expect_evicted(const struct log *l, uint32_t id, int cls)
{
	const struct sw_sess_info *si = ended(l, id);

	if (!si) {
		for (int i = 0; i < l->n; i++)
			print_message("ended %u reason %s class %u\n", l->si[i].id,
				      sw_end_name(l->si[i].end_reason), l->si[i].evict_class);
		fail_msg("session %u did not end", id);
	}
	assert_int_equal(si->end_reason, SW_END_EVICTED);
	assert_int_equal(si->evict_class, cls);
	assert_int_equal(si->timer, SW_TO_MAX);
}

static void test_eviction_order(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	struct sw_stats s;
	char err[256];
	const char *rules = "set rulebase security rules no-telnet protocol tcp\n"
			    "set rulebase security rules no-telnet destination-port 23\n"
			    "set rulebase security rules no-telnet action deny\n";
	uint32_t est, hc, closing, disc, syn, udp;

	(void)st;
	sw_conf_defaults(&c);
	if (sw_conf_load_buf(&c, rules, strlen(rules), "t", err, sizeof(err)) < 0)
		fail_msg("%s", err);
	c.max_sessions = 6;
	c.evict_min_idle = 3;
	c.accel_aging = 0;
	c.max_tombstones = 64; /* tombstones are kept, so the log gets them at flush */
	e = mk(&c, &l);
	est = handshake(e, "10.0.0.1", 1001, 0);
	hc = handshake(e, "10.0.0.1", 1002, 0);
	tcp(e, "10.0.0.1", "10.9.0.1", 1002, 80, SW_TH_FIN | SW_TH_ACK, 101, 501, 0);
	closing = handshake(e, "10.0.0.1", 1003, 0);
	tcp(e, "10.0.0.1", "10.9.0.1", 1003, 80, SW_TH_FIN | SW_TH_ACK, 101, 501, 0);
	tcp(e, "10.9.0.1", "10.0.0.1", 80, 1003, SW_TH_FIN | SW_TH_ACK, 501, 102, 0);
	disc = tcp(e, "10.0.0.1", "10.9.0.1", 1004, 23, SW_TH_SYN, 100, 0, 1).sess;
	syn = tcp(e, "10.0.0.1", "10.9.0.1", 1005, 80, SW_TH_SYN, 100, 0, 2).sess;
	{
		struct pb_seg u = {.src = "10.0.0.1", .dst = "10.9.0.1", .sport = 1006, .dport = 53};
		struct pb_pkt p;
		pb_udp(&p, &u);
		udp = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(3)).sess;
		check_engine(e);
	}
	sw_engine_stats(e, &s);
	assert_int_equal(s.active, 6);

	/*
	 * At t = 4 (the SYN of 2 still within its tcpinit) each new connection completes its handshake, so it is never a
	 * candidate itself: the victims come in class order, then refusal.
	 */
	handshake(e, "10.0.0.2", 2001, 4);
	expect_evicted(&l, disc, SW_EC_DISCARD);
	handshake(e, "10.0.0.2", 2002, 4);
	expect_evicted(&l, syn, SW_EC_UNESTABLISHED); /* older than the UDP one */
	handshake(e, "10.0.0.2", 2003, 4);
	expect_evicted(&l, udp, SW_EC_UNESTABLISHED);
	handshake(e, "10.0.0.2", 2004, 4);
	expect_evicted(&l, closing, SW_EC_CLOSING);
	handshake(e, "10.0.0.2", 2005, 4);
	expect_evicted(&l, est, SW_EC_ESTABLISHED);
	handshake(e, "10.0.0.2", 2006, 4);
	expect_evicted(&l, hc, SW_EC_HALF_CLOSED);
	/* Six fresh established sessions: nothing qualifies. */
	assert_int_equal(tcp(e, "10.0.0.2", "10.9.0.1", 2007, 80, SW_TH_SYN, 100, 0, 4).reason,
			 SW_DROP_RESOURCES);
	/* A late packet of the evicted established session hits its tombstone. */
	assert_int_equal(tcp(e, "10.0.0.1", "10.9.0.1", 1001, 80, SW_TH_ACK, 101, 501, 5).reason,
			 SW_DROP_SESSION_AGED_OUT);
	sw_engine_stats(e, &s);
	assert_int_equal(s.ctr[SW_CTR_EVICT_DISCARD], 1);
	assert_int_equal(s.ctr[SW_CTR_EVICT_UNESTABLISHED], 2);
	assert_int_equal(s.ctr[SW_CTR_EVICT_CLOSING], 1);
	assert_int_equal(s.ctr[SW_CTR_EVICT_ESTABLISHED], 1);
	assert_int_equal(s.ctr[SW_CTR_EVICT_HALF_CLOSED], 1);
	assert_int_equal(s.ctr[SW_CTR_SESS_REFUSED], 1);
	assert_int_equal(s.end[SW_END_EVICTED], 6);
	assert_int_equal(s.ctr[SW_CTR_LATE_PKTS], 1);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	/* (a full table reuses a freed id at once: the evicted one is the first logged) */
	for (int i = 0, seen = 0; i < l.nfin; i++)
		if (l.fin[i].id == est && !seen++) {
			assert_int_equal(l.fin[i].end_reason, SW_END_EVICTED);
			assert_int_equal(l.fin[i].late_pkts, 1);
		}
	sw_engine_destroy(e);
}

static void test_min_idle_protects(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	uint32_t a, b;

	(void)st;
	sw_conf_defaults(&c);
	c.max_sessions = 2;
	c.evict_min_idle = 10;
	c.accel_aging = 0;
	e = mk(&c, &l);
	a = handshake(e, "10.0.0.1", 1001, 0);
	b = handshake(e, "10.0.0.1", 1002, 1);
	/* a speaks at 5: at 14.999 it is idle 9.999 s, b 13.999 s: b goes (second chance for a). */
	tcp(e, "10.0.0.1", "10.9.0.1", 1001, 80, SW_TH_ACK, 101, 501, 5);
	handshake(e, "10.0.0.2", 2001, 14.999);
	expect_evicted(&l, b, SW_EC_ESTABLISHED);
	assert_null(ended(&l, a));
	/* a idle exactly 10 s: not more than evict-min-idle, so refused. */
	assert_int_equal(tcp(e, "10.0.0.2", "10.9.0.1", 2002, 80, SW_TH_SYN, 100, 0, 15).reason,
			 SW_DROP_RESOURCES);
	/* One millisecond later it qualifies. */
	assert_int_equal(tcp(e, "10.0.0.2", "10.9.0.1", 2002, 80, SW_TH_SYN, 100, 0, 15.001).reason,
			 SW_DROP_NONE);
	expect_evicted(&l, a, SW_EC_ESTABLISHED);
	sw_engine_destroy(e);

	/* table-full-action refuse: the same full table refuses. */
	memset(&l, 0, sizeof(l));
	c.table_full_action = SW_TFA_REFUSE;
	e = mk(&c, &l);
	tcp(e, "10.0.0.1", "10.9.0.1", 1001, 80, SW_TH_SYN, 100, 0, 0);
	tcp(e, "10.0.0.1", "10.9.0.1", 1002, 80, SW_TH_SYN, 100, 0, 0);
	assert_int_equal(tcp(e, "10.0.0.1", "10.9.0.1", 1003, 80, SW_TH_SYN, 100, 0, 1).reason,
			 SW_DROP_RESOURCES);
	assert_int_equal(l.n, 0);
	sw_engine_destroy(e);
}

static void test_source_quota(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	struct sw_stats s;
	uint32_t first;

	(void)st;
	sw_conf_defaults(&c);
	c.max_sessions = 100;
	c.max_per_source = 2;
	e = mk(&c, &l);
	first = tcp(e, "10.0.0.1", "10.9.0.1", 1, 80, SW_TH_SYN, 100, 0, 0).sess;
	tcp(e, "10.0.0.1", "10.9.0.2", 2, 80, SW_TH_SYN, 100, 0, 0);
	assert_int_equal(tcp(e, "10.0.0.1", "10.9.0.3", 3, 80, SW_TH_SYN, 100, 0, 0).reason,
			 SW_DROP_SOURCE_QUOTA);
	/* Replies to the quota'd host count against their originator, 10.0.0.1. */
	assert_int_equal(tcp(e, "10.9.0.1", "10.0.0.1", 80, 1, SW_TH_SYN | SW_TH_ACK, 500, 101, 0).reason,
			 SW_DROP_NONE);
	assert_int_equal(tcp(e, "10.0.0.2", "10.9.0.1", 1, 80, SW_TH_SYN, 100, 0, 0).reason,
			 SW_DROP_NONE);
	/* IPv6: one /64 is one source. */
	assert_int_equal(tcp(e, "2001:db8:1:1::1", "2001:db8::9", 1, 80, SW_TH_SYN, 1, 0, 0).reason,
			 SW_DROP_NONE);
	assert_int_equal(tcp(e, "2001:db8:1:1::2", "2001:db8::9", 1, 80, SW_TH_SYN, 1, 0, 0).reason,
			 SW_DROP_NONE);
	assert_int_equal(tcp(e, "2001:db8:1:1:ffff::3", "2001:db8::9", 1, 80, SW_TH_SYN, 1, 0, 0).reason,
			 SW_DROP_SOURCE_QUOTA);
	assert_int_equal(tcp(e, "2001:db8:1:2::1", "2001:db8::9", 1, 80, SW_TH_SYN, 1, 0, 0).reason,
			 SW_DROP_NONE);
	sw_engine_stats(e, &s);
	assert_int_equal(s.sources_at_quota, 2);
	assert_int_equal(s.ctr[SW_CTR_SESS_REFUSED_QUOTA], 2);
	assert_int_equal(s.drop[SW_DROP_SOURCE_QUOTA], 2);
	/* One of 10.0.0.1's sessions ends: it may open one more. */
	assert_int_equal(sw_engine_clear(e, first), 0);
	check_engine(e);
	sw_engine_stats(e, &s);
	assert_int_equal(s.sources_at_quota, 1);
	assert_int_equal(tcp(e, "10.0.0.1", "10.9.0.3", 3, 80, SW_TH_SYN, 100, 0, 1).reason,
			 SW_DROP_NONE);
	/* The quota changed at run time counts the sessions already there. */
	c.max_per_source = 1;
	assert_int_equal(sw_engine_set_conf(e, &c), 0);
	check_engine(e);
	sw_engine_stats(e, &s);
	assert_int_equal(s.sources_at_quota, 4); /* 10.0.0.1, 10.0.0.2 and both /64s */
	assert_int_equal(tcp(e, "10.0.0.2", "10.9.0.1", 9, 80, SW_TH_SYN, 100, 0, 1).reason,
			 SW_DROP_SOURCE_QUOTA);
	c.max_per_source = 0;
	assert_int_equal(sw_engine_set_conf(e, &c), 0);
	check_engine(e);
	assert_int_equal(tcp(e, "10.0.0.2", "10.9.0.1", 9, 80, SW_TH_SYN, 100, 0, 1).reason,
			 SW_DROP_NONE);
	sw_engine_stats(e, &s);
	assert_int_equal(s.sources_at_quota, 0);
	sw_engine_destroy(e);
}

/*
 * Ten-session table, threshold 50 %, timeout-tcp 100 s.  `n` established
 * sessions; the first one last spoke at 0, the others at 10.  The first
 * speaks again at `t`: its verdict.
 */
static int accel_case(int n, int on, unsigned factor, double t, struct log *l)
{
	struct sw_conf c;
	struct sw_engine *e;
	struct sw_verdict v;
	uint32_t first;

	sw_conf_defaults(&c);
	c.max_sessions = 10;
	c.accel_aging = (uint8_t)on;
	c.accel_threshold = 50;
	c.accel_factor = factor;
	c.timeout[SW_TO_TCP] = 100;
	memset(l, 0, sizeof(*l));
	e = mk(&c, l);
	first = handshake(e, "10.0.0.1", 1000, 0);
	for (int i = 1; i < n; i++) {
		handshake(e, "10.0.0.1", (uint16_t)(1000 + i), 0);
		tcp(e, "10.0.0.1", "10.9.0.1", (uint16_t)(1000 + i), 80, SW_TH_ACK, 101, 501, 10);
	}
	v = tcp(e, "10.0.0.1", "10.9.0.1", 1000, 80, SW_TH_ACK, 101, 501, t);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	sw_engine_destroy(e);
	for (int i = 0; i < l->n; i++)
		if (l->si[i].id == first && l->si[i].end_reason == SW_END_AGED_OUT)
			return 1;
	(void)v;
	return 0;
}

static void test_accelerated_aging(void **st)
{
	struct log l;

	(void)st;
	/* Six of ten (>= 50 %), factor 2: 100 s / 2 = 50 s. */
	assert_int_equal(accel_case(6, 1, 2, 50.0, &l), 0);
	assert_int_equal(accel_case(6, 1, 2, 50.001, &l), 1);
	for (int i = 0; i < l.n; i++) {
		if (l.si[i].end_reason != SW_END_AGED_OUT)
			continue;
		assert_int_equal(l.si[i].timer, SW_TO_TCP);
		assert_int_equal(l.si[i].accel_factor, 2);
		assert_int_equal(l.si[i].end, SEC(50.001));
	}
	/* Factor 4: 25 s. */
	assert_int_equal(accel_case(6, 1, 4, 25.0, &l), 0);
	assert_int_equal(accel_case(6, 1, 4, 25.001, &l), 1);
	/* Four of ten: below the threshold, the normal 100 s. */
	assert_int_equal(accel_case(4, 1, 2, 99.0, &l), 0);
	/* Exactly at the threshold (5 of 10) it accelerates. */
	assert_int_equal(accel_case(5, 1, 2, 50.001, &l), 1);
	/* Aging off. */
	assert_int_equal(accel_case(6, 0, 2, 99.0, &l), 0);
	for (int i = 0; i < l.n; i++)
		assert_int_equal(l.si[i].accel_factor, 0);
}

/* The wheel relieves the table: no packet needed, one slot after the deadline. */
static void test_accelerated_aging_wheel(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	struct sw_stats s;
	uint32_t first;

	(void)st;
	sw_conf_defaults(&c);
	c.max_sessions = 10;
	c.accel_threshold = 50;
	c.accel_factor = 2;
	c.timeout[SW_TO_TCP] = 100;
	e = mk(&c, &l);
	/* Four idle sessions below the threshold from 0 ... */
	first = handshake(e, "10.0.0.1", 1000, 0);
	for (int i = 1; i < 4; i++)
		handshake(e, "10.0.0.1", (uint16_t)(1000 + i), 30);
	/* ... then two more at 40 make it six: their accelerated deadlines come first. */
	handshake(e, "10.0.0.2", 2000, 40);
	handshake(e, "10.0.0.2", 2001, 40);
	sw_engine_stats(e, &s);
	assert_int_equal(s.accelerating, 1);
	sw_engine_advance(e, SEC(51));
	check_engine(e);
	/* The session idle since 0 ended at 50.001 (accelerated), with no packet. */
	assert_int_equal(l.n, 1);
	assert_int_equal(l.si[0].id, first);
	sw_engine_stats(e, &s);
	assert_int_equal(s.active, 5);
	assert_int_equal(s.ctr[SW_CTR_ACCEL_AGED], 1);
	/* Five of ten: still accelerating; the three from 30 go at 80.001. */
	sw_engine_advance(e, SEC(81));
	check_engine(e);
	sw_engine_stats(e, &s);
	/* The first of them brought it to four: below 50 %, the others are back to 100 s. */
	assert_int_equal(s.active, 4);
	assert_int_equal(s.accelerating, 0);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	assert_int_equal(ended(&l, first)->accel_factor, 2);
	assert_int_equal(ended(&l, first)->end, SEC(50.001));
	sw_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eviction_order),
		cmocka_unit_test(test_min_idle_protects),
		cmocka_unit_test(test_source_quota),
		cmocka_unit_test(test_accelerated_aging),
		cmocka_unit_test(test_accelerated_aging_wheel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
