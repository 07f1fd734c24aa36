/*
 * test_engine.c - the engine beyond one TCP conversation: security rules and
 * discard sessions, the session limit, ICMP errors, fragments, IPv6, clear,
 * listing, and configuration changes reaching live sessions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
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

#define T0 (1000000000LL * SW_NS_PER_SEC)
#define SEC(x) (T0 + (sw_time_t)((x) * 1e9))

struct log {
	struct sw_sess_info si[16];
	int n;
};

static void on_end(void *ctx, const struct sw_sess_info *si)
{
	struct log *l = ctx;
	if (l->n < 16)
		l->si[l->n++] = *si;
}

static struct sw_engine *mk(struct sw_conf *c, struct log *l)
{
	struct sw_engine *e;
	assert_int_equal(sw_engine_create(&e, c), 0);
	sw_engine_on_end(e, on_end, l);
	return e;
}

static struct sw_verdict send_tcp(struct sw_engine *e, const char *s, const char *d, uint16_t sp,
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

static void test_deny_rule_discard_session(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	char err[256];
	struct sw_engine *e;
	struct sw_verdict v;
	struct sw_sess_info si;

	(void)st;
	sw_conf_defaults(&c);
	const char *rules =
		"set rulebase security rules no-telnet protocol tcp\n"
		"set rulebase security rules no-telnet destination-port 23\n"
		"set rulebase security rules no-telnet action deny\n";
	if (sw_conf_load_buf(&c, rules, strlen(rules), "t", err, sizeof(err)) < 0)
		fail_msg("%s", err);
	e = mk(&c, &l);
	v = send_tcp(e, "10.0.0.1", "10.0.0.2", 40000, 23, SW_TH_SYN, 1, 0, 0);
	assert_int_equal(v.action, SW_DROP);
	assert_int_equal(v.reason, SW_DROP_POLICY_DENY);
	assert_int_equal(sw_engine_session(e, v.sess, &si), 0);
	assert_true(si.discard);
	assert_int_equal(si.timer, SW_TO_DISCARD_TCP);
	assert_int_equal(si.rule, 1);
	/* Repeats hit the discard session: dropped, counted, not a new session. */
	v = send_tcp(e, "10.0.0.1", "10.0.0.2", 40000, 23, SW_TH_SYN, 1, 0, 1);
	assert_int_equal(v.reason, SW_DROP_POLICY_DENY);
	assert_int_equal(sw_engine_session(e, v.sess, &si), 0);
	assert_int_equal(si.pkts[0], 2);
	/* Another port is allowed by default. */
	v = send_tcp(e, "10.0.0.1", "10.0.0.2", 40001, 22, SW_TH_SYN, 1, 0, 2);
	assert_int_equal(v.action, SW_PASS);
	/* The discard session lives timeout-discard-tcp (90 s), then ends as policy-deny. */
	send_tcp(e, "10.0.0.9", "10.0.0.8", 1, 2, SW_TH_SYN, 1, 0, 100);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	assert_int_equal(l.si[0].end_reason, SW_END_AGED_OUT); /* the allowed one, tcpinit */
	assert_int_equal(l.si[1].end_reason, SW_END_POLICY_DENY);
	assert_int_equal(l.si[1].timer, SW_TO_DISCARD_TCP);
	sw_engine_destroy(e);
}

static void test_max_sessions(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	struct sw_stats s;

	(void)st;
	sw_conf_defaults(&c);
	c.max_sessions = 2;
	c.table_full_action = SW_TFA_REFUSE; /* PAN-OS: a full table refuses */
	e = mk(&c, &l);
	assert_int_equal(send_tcp(e, "10.0.0.1", "10.0.0.2", 1, 80, SW_TH_SYN, 1, 0, 0).action, SW_PASS);
	assert_int_equal(send_tcp(e, "10.0.0.1", "10.0.0.2", 2, 80, SW_TH_SYN, 1, 0, 0).action, SW_PASS);
	struct sw_verdict v = send_tcp(e, "10.0.0.1", "10.0.0.2", 3, 80, SW_TH_SYN, 1, 0, 0);
	assert_int_equal(v.reason, SW_DROP_RESOURCES);
	sw_engine_stats(e, &s);
	assert_int_equal(s.active, 2);
	assert_int_equal(s.peak, 2);
	/* Issue 10 item 17: a refusal is counted apart; no session ended. */
	assert_int_equal(s.ctr[SW_CTR_SESS_REFUSED], 1);
	assert_int_equal(s.ctr[SW_CTR_SESS_ENDED], 0);
	for (int r = 0; r < SW_END_MAX; r++)
		assert_int_equal(s.end[r], 0);
	/* Once one times out (tcpinit 5 s), there is room again. */
	assert_int_equal(send_tcp(e, "10.0.0.1", "10.0.0.2", 3, 80, SW_TH_SYN, 1, 0, 6).action, SW_PASS);
	sw_engine_destroy(e);
}

/*
 * Byte counts past 4 GiB per direction: the hot record counts 32 bits and
 * the cold record how often they wrapped.  70,000 UDP datagrams whose IPv4
 * total length says 65,535 (captured short: a snap-length cut) are
 * 4,587,450,000 bytes one way.
 */
static void test_bytes_past_4gib(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	struct pb_seg g = {.src = "10.0.0.1", .dst = "10.0.0.2", .sport = 5000, .dport = 53,
			   .wscale = -1, .payload = 8};
	struct sw_sess_info si;
	struct pb_pkt p;
	struct sw_verdict v = {0};
	const uint32_t n = 70000;

	(void)st;
	sw_conf_defaults(&c);
	e = mk(&c, &l);
	pb_udp(&p, &g);
	p.data[14 + 2] = 0xff; /* total length 65535, of which the capture holds 36 */
	p.data[14 + 3] = 0xff;
	for (uint32_t i = 0; i < n; i++) {
		v = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(0.001 * i));
		assert_int_equal(v.action, SW_PASS);
	}
	assert_int_equal(sw_engine_session(e, v.sess, &si), 0);
	assert_true(si.ip_bytes[0] == (uint64_t)n * 65535);
	assert_true(si.pkts[0] == n);
	assert_true(si.ip_bytes[1] == 0);
	check_engine(e);
	sw_engine_destroy(e);
}

static void test_icmp_error_attached(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	struct pb_seg u = {.src = "10.0.0.1", .dst = "10.0.0.2", .sport = 5000, .dport = 53, .payload = 20};
	struct pb_pkt p, err;
	struct sw_verdict v, v2;
	struct sw_stats s;

	(void)st;
	sw_conf_defaults(&c);
	e = mk(&c, &l);
	pb_udp(&p, &u);
	v = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(0));
	assert_int_equal(v.action, SW_PASS);
	/* Port unreachable from the server quoting the datagram. */
	pb_icmp_error(&err, "10.0.0.2", "10.0.0.1", 3, 3, &p, 28);
	v2 = sw_engine_packet(e, err.data, err.len, SW_LINK_EN10MB, SEC(0.1));
	assert_int_equal(v2.action, SW_PASS);
	assert_int_equal(v2.sess, v.sess);
	/* An error quoting a flow with no session is dropped and creates nothing. */
	u.dport = 54;
	pb_udp(&p, &u);
	pb_icmp_error(&err, "10.0.0.2", "10.0.0.1", 3, 3, &p, 28);
	v2 = sw_engine_packet(e, err.data, err.len, SW_LINK_EN10MB, SEC(0.2));
	assert_int_equal(v2.reason, SW_DROP_BAD_ICMP_ERROR);
	sw_engine_stats(e, &s);
	assert_int_equal(s.active, 1);
	sw_engine_destroy(e);
}

static void test_ipv6_session_and_echo(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	struct pb_seg g = {.src = "2001:db8::1", .dst = "2001:db8::2", .sport = 7, .seq = 1};
	struct pb_pkt p;
	struct sw_verdict v1, v2;

	(void)st;
	sw_conf_defaults(&c);
	e = mk(&c, &l);
	pb_icmp_echo(&p, &g, 0);
	v1 = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(0));
	g.src = "2001:db8::2", g.dst = "2001:db8::1";
	pb_icmp_echo(&p, &g, 1);
	v2 = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(0.01));
	assert_int_equal(v1.action, SW_PASS);
	assert_int_equal(v2.sess, v1.sess);
	assert_int_equal(v2.dir, 1);
	/* ICMP lives timeout-icmp (6 s). */
	v2 = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(10));
	assert_int_not_equal(v2.sess, v1.sess);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.si[0].end_reason, SW_END_AGED_OUT);
	assert_int_equal(l.si[0].timer, SW_TO_ICMP);
	assert_int_equal(l.si[0].family, 6);
	sw_engine_destroy(e);
}

static int count_cb(void *ctx, const struct sw_sess_info *si)
{
	(void)si;
	(*(int *)ctx)++;
	return 0;
}

static void test_clear_walk_and_new_timers(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	struct sw_sess_info si;
	uint32_t cursor = 0;
	int n = 0;

	(void)st;
	sw_conf_defaults(&c);
	e = mk(&c, &l);
	for (uint16_t i = 0; i < 10; i++)
		send_tcp(e, "10.0.0.1", "10.0.0.2", (uint16_t)(100 + i), 80, SW_TH_SYN, 1, 0, 0);
	/* Listing in slices of 3 visits every session once. */
	do
		sw_engine_walk(e, &cursor, 3, count_cb, &n);
	while (cursor);
	assert_int_equal(n, 10);
	assert_int_equal(sw_engine_clear(e, 1), 0);
	assert_int_equal(sw_engine_clear(e, 1), -ENOENT);
	assert_int_equal(l.n, 0); /* cleared sessions wait in tombstones */
	/* A new tcpinit reaches live sessions: 5 s -> 20 s from their SYN. */
	c.timeout[SW_TO_TCPINIT] = 20;
	assert_int_equal(sw_engine_set_conf(e, &c), 0);
	assert_int_equal(sw_engine_session(e, 2, &si), 0);
	assert_int_equal((si.expires - SEC(0)) / SW_NS_PER_SEC, 20);
	/* Shortened below what has passed (12 s): due sessions end at once, not at a later slot. */
	sw_engine_advance(e, SEC(12));
	c.timeout[SW_TO_TCPINIT] = 10;
	assert_int_equal(sw_engine_set_conf(e, &c), 0);
	check_engine(e);
	assert_int_equal(sw_engine_session(e, 2, &si), -ENOENT);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	assert_int_equal(l.si[0].end_reason, SW_END_CLEARED);
	assert_int_equal(l.si[1].end_reason, SW_END_AGED_OUT);
	assert_int_equal(l.si[1].end, SEC(10.001));
	sw_engine_destroy(e);
}

static void load(struct sw_conf *c, const char *text)
{
	char err[256];

	if (sw_conf_load_buf(c, text, strlen(text), "t", err, sizeof(err)) < 0)
		fail_msg("%s", err);
}

/* A service override reaches sessions created before it, and leaves when it is removed. */
static void test_service_override_live(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	struct sw_sess_info si;

	(void)st;
	sw_conf_defaults(&c);
	load(&c, "set service svc protocol tcp port 5002\n"
		 "set rulebase security rules R service svc\n"
		 "set rulebase security rules R action allow\n");
	e = mk(&c, &l);
	send_tcp(e, "10.0.0.1", "10.0.0.2", 40000, 5002, SW_TH_SYN, 100, 0, 0);
	send_tcp(e, "10.0.0.2", "10.0.0.1", 5002, 40000, SW_TH_SYN | SW_TH_ACK, 500, 101, 0.01);
	send_tcp(e, "10.0.0.1", "10.0.0.2", 40000, 5002, SW_TH_ACK, 101, 501, 0.02);
	assert_int_equal(sw_engine_session(e, 1, &si), 0);
	assert_int_equal(si.timer, SW_TO_TCP);
	assert_int_equal(si.timer_secs, 3600);
	assert_string_equal(si.timer_from, "default");
	assert_int_equal(si.rule, 1);

	load(&c, "set service svc protocol tcp override yes timeout 600\n");
	assert_int_equal(sw_engine_set_conf(e, &c), 0);
	check_engine(e);
	assert_int_equal(sw_engine_session(e, 1, &si), 0);
	assert_int_equal(si.timer_secs, 600);
	assert_string_equal(si.timer_from, "service svc override");
	assert_int_equal(si.expires, SEC(600.021));

	load(&c, "set service svc protocol tcp override yes timeout 30\n");
	assert_int_equal(sw_engine_set_conf(e, &c), 0);
	sw_engine_advance(e, SEC(31));
	check_engine(e);
	assert_int_equal(sw_engine_session(e, 1, &si), -ENOENT);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.si[0].end_reason, SW_END_AGED_OUT);
	assert_int_equal(l.si[0].end, SEC(30.021));
	assert_int_equal(l.si[0].timer_secs, 30);
	assert_string_equal(l.si[0].timer_from, "service svc override");

	/* Another flow of the rule, a port the service does not cover: default action, global timers. */
	load(&c, "delete service svc protocol tcp override\n");
	assert_int_equal(sw_engine_set_conf(e, &c), 0);
	send_tcp(e, "10.0.0.1", "10.0.0.2", 40001, 5003, SW_TH_SYN, 100, 0, 40);
	assert_int_equal(sw_engine_session(e, 2, &si), 0);
	assert_int_equal(si.rule, 0);
	assert_string_equal(si.timer_from, "default");
	sw_engine_destroy(e);
}

/* A SACK edge beyond what the peer sent is as forged as such an ACK. */
static void test_sack_beyond_sent(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	struct pb_pkt p;
	struct sw_verdict v;
	/* SACK block [5000+1, 5000+1+N): kind 5, length 10, left, right. */
	uint8_t sack[12] = {1, 1, 5, 10, 0, 0, 0x13, 0x89, 0, 0, 0, 0};
	struct pb_seg g = {.src = "10.0.0.1", .dst = "10.0.0.2", .sport = 40000, .dport = 80,
			   .flags = SW_TH_ACK, .seq = 1001, .ack = 5001, .win = 65535, .wscale = -1,
			   .tcpopts = sack, .tcpoptlen = sizeof(sack)};

	(void)st;
	sw_conf_defaults(&c);
	e = mk(&c, &l);
	send_tcp(e, "10.0.0.1", "10.0.0.2", 40000, 80, SW_TH_SYN, 1000, 0, 0);
	send_tcp(e, "10.0.0.2", "10.0.0.1", 80, 40000, SW_TH_SYN | SW_TH_ACK, 5000, 1001, 0.1);
	send_tcp(e, "10.0.0.1", "10.0.0.2", 40000, 80, SW_TH_ACK, 1001, 5001, 0.2);
	/* Right edge 5001 + 100: the server sent nothing after its SYN, but within slack. */
	sack[8] = 0, sack[9] = 0, sack[10] = 0x13, sack[11] = 0xed;
	pb_tcp(&p, &g);
	v = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(0.3));
	assert_int_equal(v.action, SW_PASS);
	/* Right edge 0x40001389: a gigabyte the server never sent. */
	sack[8] = 0x40;
	pb_tcp(&p, &g);
	v = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(0.4));
	assert_int_equal(v.reason, SW_DROP_ACK_HIGH);
	sw_engine_destroy(e);
}

/* Set the IPv4 fragment fields of a built frame. */
static void set_frag(struct pb_pkt *p, uint16_t id, uint16_t off8, int more)
{
	size_t l3 = pb_l3_off(p);
	uint16_t v = (uint16_t)(off8 | (more ? 0x2000 : 0));

	p->data[l3 + 4] = (uint8_t)(id >> 8);
	p->data[l3 + 5] = (uint8_t)id;
	p->data[l3 + 6] = (uint8_t)(v >> 8);
	p->data[l3 + 7] = (uint8_t)v;
	pb_fix_csum(p);
}

static void test_fragments_follow_first(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	struct pb_seg u = {.src = "10.0.0.1", .dst = "10.0.0.2", .sport = 5000, .dport = 53, .payload = 64};
	struct pb_pkt first, later;
	struct sw_verdict v1, v2;
	char err[256];
	const char *rules = "set rulebase security rules no-dns protocol udp\n"
			    "set rulebase security rules no-dns destination-port 54\n"
			    "set rulebase security rules no-dns action deny\n";

	(void)st;
	sw_conf_defaults(&c);
	if (sw_conf_load_buf(&c, rules, strlen(rules), "t", err, sizeof(err)) < 0)
		fail_msg("%s", err);
	e = mk(&c, &l);
	pb_udp(&first, &u);
	set_frag(&first, 77, 0, 1);
	pb_udp(&later, &u);
	set_frag(&later, 77, 9, 0);
	v1 = sw_engine_packet(e, first.data, first.len, SW_LINK_EN10MB, SEC(0));
	v2 = sw_engine_packet(e, later.data, later.len, SW_LINK_EN10MB, SEC(0.001));
	assert_int_equal(v1.action, SW_PASS);
	assert_int_equal(v2.action, SW_PASS);
	assert_int_equal(v2.sess, v1.sess);
	/* A later fragment whose first was never seen is dropped. */
	set_frag(&later, 78, 9, 0);
	v2 = sw_engine_packet(e, later.data, later.len, SW_LINK_EN10MB, SEC(0.002));
	assert_int_equal(v2.reason, SW_DROP_FRAGMENT);
	/* Fragments of a denied datagram are denied with it. */
	u.dport = 54;
	pb_udp(&first, &u);
	set_frag(&first, 79, 0, 1);
	pb_udp(&later, &u);
	set_frag(&later, 79, 9, 0);
	v1 = sw_engine_packet(e, first.data, first.len, SW_LINK_EN10MB, SEC(0.003));
	v2 = sw_engine_packet(e, later.data, later.len, SW_LINK_EN10MB, SEC(0.004));
	assert_int_equal(v1.reason, SW_DROP_POLICY_DENY);
	assert_int_equal(v2.action, SW_DROP);
	sw_engine_destroy(e);
}

/*
 * Issue 10 item 11: 32-bit millisecond ticks wrap every 49.7 days and compare
 * right only within 24.8.  Gaps longer than that must still end what is due
 * and keep what is not, and log start < end.
 */
static void test_long_gaps_across_tick_wrap(void **st)
{
	struct sw_conf c;
	struct log l = {0};
	struct sw_engine *e;
	struct sw_stats s;
	const double day = 86400;

	(void)st;
	sw_conf_defaults(&c);
	c.timeout[SW_TO_TCP] = 2000000; /* 23.1 days, the longest a timer can be */
	e = mk(&c, &l);
	/* Pickup sessions are established at once (tcp-reject-non-syn no). */
	c.tcp_reject_non_syn = 0;
	assert_int_equal(sw_engine_set_conf(e, &c), 0);
	assert_int_equal(send_tcp(e, "10.0.0.1", "10.0.0.2", 1000, 80, SW_TH_ACK, 1, 1, 0).action,
			 SW_PASS);
	/* Alive: every 22 days, five times over (110 days: the ticks wrap twice). */
	for (int i = 1; i <= 5; i++) {
		struct sw_verdict v = send_tcp(e, "10.0.0.1", "10.0.0.2", 1000, 80, SW_TH_ACK, 1, 1,
					       22 * day * i);
		assert_int_equal(v.reason, SW_DROP_NONE);
		assert_int_equal(v.sess, 1);
	}
	assert_int_equal(l.n, 0);
	/* Then 26 days of silence: it ended 23.1 days after its last packet. */
	assert_int_equal(send_tcp(e, "10.0.0.1", "10.0.0.2", 1000, 80, SW_TH_ACK, 1, 1,
				  22 * day * 5 + 26 * day).sess, 2);
	sw_engine_stats(e, &s);
	assert_int_equal(s.end[SW_END_AGED_OUT], 1);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.si[0].timer, SW_TO_TCP);
	assert_int_equal(l.si[0].end, SEC(22 * day * 5 + 2000000) + 1000000);
	assert_int_equal(l.si[0].last_seen, SEC(22 * day * 5));
	/* (Its start is the known limit of docs/design.md: it lived longer than 24.8 days.) */
	/* 30 years of silence with a live session: ended, and the clock still works after. */
	assert_int_equal(send_tcp(e, "10.0.0.3", "10.0.0.4", 1, 2, SW_TH_SYN, 1, 0,
				  22 * day * 5 + 40 * day).action, SW_PASS);
	assert_int_equal(send_tcp(e, "10.0.0.5", "10.0.0.6", 1, 2, SW_TH_SYN, 1, 0,
				  22 * day * 5 + 40 * day + 30 * 365 * day).action, SW_PASS);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.si[2].timer, SW_TO_TCPINIT);
	assert_int_equal(l.si[2].end - l.si[2].start, 5 * SW_NS_PER_SEC + 1000000);
	sw_engine_advance(e, SEC(22 * day * 5 + 40 * day + 30 * 365 * day + 6));
	check_engine(e);
	sw_engine_stats(e, &s);
	assert_int_equal(s.active, 0);
	sw_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deny_rule_discard_session),
		cmocka_unit_test(test_long_gaps_across_tick_wrap),
		cmocka_unit_test(test_max_sessions),
		cmocka_unit_test(test_bytes_past_4gib),
		cmocka_unit_test(test_icmp_error_attached),
		cmocka_unit_test(test_ipv6_session_and_echo),
		cmocka_unit_test(test_clear_walk_and_new_timers),
		cmocka_unit_test(test_service_override_live),
		cmocka_unit_test(test_fragments_follow_first),
		cmocka_unit_test(test_sack_beyond_sent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
