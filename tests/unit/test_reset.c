/*
 * test_reset.c - reset on expiry: the RST frames (sw_pkt_build_rst: fields,
 * IP and TCP checksums, IPv4 and IPv6), the engine's RSTs for a session a
 * timer ended (sequence numbers from the tracked state, none when unknown),
 * and which policy wins (service override > rule > global).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pktbuild.h"
#include "statewall/engine.h"

#define T0 (1000000000LL * SW_NS_PER_SEC)
#define SEC(x) (T0 + (sw_time_t)((x) * 1e9))

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)rd16(b) << 16 | rd16(b + 2);
}

static void addr(struct sw_addr *a, const char *s)
{
	struct sw_cidr c;
	assert_int_equal(sw_cidr_parse(&c, s), 0);
	*a = c.addr;
}

/* Build, then check every field and both checksums, and that the parser takes it. */
static void check_built(const char *src, const char *dst, int family, int vlan)
{
	static const uint8_t eth[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00};
	uint8_t l2[18], buf[128];
	size_t l2len = vlan ? 18 : 14, ipl = family == 4 ? 20 : 40;
	struct sw_rst r = {.family = (uint8_t)family, .sport = 5002, .dport = 40001,
			   .seq = 0xfffffff0u, .ack = 123456789u};
	struct sw_pkt p;

	memcpy(l2, eth, 12);
	if (vlan) {
		const uint8_t tag[4] = {0x81, 0x00, 0x00, 0x07};
		memcpy(l2 + 12, tag, 4);
	}
	l2[l2len - 2] = 0x12; /* a wrong EtherType: the builder sets it */
	l2[l2len - 1] = 0x34;
	addr(&r.src, src);
	addr(&r.dst, dst);
	size_t n = sw_pkt_build_rst(buf, sizeof(buf), l2, l2len, &r);
	assert_int_equal(n, l2len + ipl + 20);
	assert_memory_equal(buf, l2, l2len - 2);
	assert_int_equal(rd16(buf + l2len - 2), family == 4 ? 0x0800 : 0x86dd);
	const uint8_t *ip = buf + l2len, *th = ip + ipl;
	uint32_t ps;
	if (family == 4) {
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(rd16(ip + 2), 40);
		assert_int_equal(ip[9], 6);
		assert_memory_equal(ip + 12, &r.src.b[12], 4);
		assert_memory_equal(ip + 16, &r.dst.b[12], 4);
		assert_int_equal(sw_csum_fold(sw_csum_partial(ip, 20, 0)), 0);
		ps = sw_csum_partial(ip + 12, 8, 0);
	} else {
		assert_int_equal(ip[0] >> 4, 6);
		assert_int_equal(rd16(ip + 4), 20);
		assert_int_equal(ip[6], 6);
		assert_memory_equal(ip + 8, r.src.b, 16);
		assert_memory_equal(ip + 24, r.dst.b, 16);
		ps = sw_csum_partial(ip + 8, 32, 0);
	}
	assert_int_equal(rd16(th), 5002);
	assert_int_equal(rd16(th + 2), 40001);
	assert_int_equal(rd32(th + 4), 0xfffffff0u);
	assert_int_equal(rd32(th + 8), 123456789u);
	assert_int_equal(th[12] >> 4, 5);
	assert_int_equal(th[13], SW_TH_RST | SW_TH_ACK);
	assert_int_equal(sw_csum_fold(sw_csum_partial(th, 20, ps + 6 + 20)), 0);

	/* the engine's parser, checksums verified, reads it back */
	assert_int_equal(sw_pkt_parse(&p, buf, n, SW_LINK_EN10MB, SW_PARSE_CHECKSUM), SW_DROP_NONE);
	assert_int_equal(p.flow.family, family);
	assert_int_equal(p.th_flags, SW_TH_RST | SW_TH_ACK);
	assert_int_equal(p.seq, r.seq);
	assert_int_equal(p.ack, r.ack);
	assert_int_equal(p.l4_csum_ok, 1);
	assert_memory_equal(&p.flow.src, &r.src, sizeof(r.src));
	assert_int_equal(p.nvlan, vlan ? 1 : 0);

	/* raw IP: no L2 header at all */
	n = sw_pkt_build_rst(buf, sizeof(buf), NULL, 0, &r);
	assert_int_equal(n, ipl + 20);
	assert_int_equal(sw_pkt_parse(&p, buf, n, family == 4 ? SW_LINK_IPV4 : SW_LINK_IPV6,
				      SW_PARSE_CHECKSUM),
			 SW_DROP_NONE);
	assert_int_equal(p.l4_csum_ok, 1);
	/* what does not fit, or is not IP, is refused */
	assert_int_equal(sw_pkt_build_rst(buf, l2len + ipl + 19, l2, l2len, &r), 0);
	assert_int_equal(sw_pkt_build_rst(buf, sizeof(buf), l2, 10, &r), 0);
	r.family = 5;
	assert_int_equal(sw_pkt_build_rst(buf, sizeof(buf), l2, l2len, &r), 0);
}

static void test_build_ipv4(void **st)
{
	(void)st;
	check_built("198.51.100.20", "192.0.2.10", 4, 0);
	check_built("198.51.100.20", "192.0.2.10", 4, 1);
}

static void test_build_ipv6(void **st)
{
	(void)st;
	check_built("2001:db8::20", "2001:db8:1::10", 6, 0);
	check_built("2001:db8::20", "2001:db8:1::10", 6, 1);
}

/* ------------------------------------------------------------------------ */

struct rec {
	struct sw_rst r[8];
	int n;
	struct sw_sess_info si[8];
	int nend;
};

static void on_rst(void *ctx, const struct sw_rst *r)
{
	struct rec *x = ctx;
	if (x->n < 8)
		x->r[x->n++] = *r;
}

static void on_end(void *ctx, const struct sw_sess_info *si)
{
	struct rec *x = ctx;
	if (x->nend < 8)
		x->si[x->nend++] = *si;
}

static void tcp(struct sw_engine *e, const char *s, const char *d, uint16_t sp, uint16_t dp,
		uint8_t fl, uint32_t seq, uint32_t ack, size_t payload, double t)
{
	struct pb_seg g = {.src = s, .dst = d, .sport = sp, .dport = dp, .flags = fl, .seq = seq,
			   .ack = ack, .win = 65535, .wscale = -1, .payload = payload};
	struct pb_pkt p;
	char err[256];

	pb_tcp(&p, &g);
	struct sw_verdict v = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(t));
	assert_int_equal(v.action, SW_PASS);
	if (sw_engine_check(e, err, sizeof(err)) < 0)
		fail_msg("engine invariant: %s", err);
}

/*
 * Client c:cp to server s:dp: handshake, 100 bytes each way (client ISN
 * 1000, server ISN 0xfffffff0: the sequence numbers wrap); the client
 * half-closes if hc.  The client's next sequence number is then 1101 (+1
 * for its FIN), the server's 0xfffffff0 + 101 = 0x55.
 */
static void conversation(struct sw_engine *e, const char *c, const char *s, uint16_t cp,
			 uint16_t dp, int hc)
{
	const uint32_t ci = 1000, si = 0xfffffff0u;

	tcp(e, c, s, cp, dp, SW_TH_SYN, ci, 0, 0, 0);
	tcp(e, s, c, dp, cp, SW_TH_SYN | SW_TH_ACK, si, ci + 1, 0, 0.01);
	tcp(e, c, s, cp, dp, SW_TH_ACK, ci + 1, si + 1, 0, 0.02);
	tcp(e, c, s, cp, dp, SW_TH_ACK | SW_TH_PSH, ci + 1, si + 1, 100, 0.03);
	tcp(e, s, c, dp, cp, SW_TH_ACK | SW_TH_PSH, si + 1, ci + 101, 100, 0.04);
	tcp(e, c, s, cp, dp, SW_TH_ACK, ci + 101, si + 101, 0, 0.05);
	if (hc) {
		tcp(e, c, s, cp, dp, SW_TH_FIN | SW_TH_ACK, ci + 101, si + 101, 0, 1);
		tcp(e, s, c, dp, cp, SW_TH_ACK, si + 101, ci + 102, 0, 1.01);
	}
}

static struct sw_engine *mk(const char *conf, struct rec *x)
{
	struct sw_conf c;
	struct sw_engine *e;
	char err[256];

	sw_conf_defaults(&c);
	if (sw_conf_load_buf(&c, conf, strlen(conf), "test", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(sw_engine_create(&e, &c), 0);
	sw_engine_on_reset(e, on_rst, x);
	sw_engine_on_end(e, on_end, x);
	return e;
}

static void stats(struct sw_engine *e, uint64_t *sent, uint64_t *unknown)
{
	struct sw_stats s;
	sw_engine_stats(e, &s);
	*sent = s.ctr[SW_CTR_RST_EXPIRY];
	*unknown = s.ctr[SW_CTR_RST_EXPIRY_UNKNOWN];
}

/* A half-closed session the timer ends: an RST to each end at exactly rcv_nxt. */
static void test_engine_half_closed(void **st)
{
	struct rec x = {0};
	uint64_t sent, unknown;
	struct sw_engine *e = mk("set deviceconfig setting session reset-on-expiry half-closed\n"
				 "set deviceconfig setting session timeout-tcp-half-closed 5\n"
				 "set deviceconfig setting session timeout-tcp-time-wait 5\n",
				 &x);

	(void)st;
	conversation(e, "192.0.2.10", "198.51.100.20", 40001, 5002, 1);
	sw_engine_advance(e, SEC(4));
	assert_int_equal(x.n, 0);
	sw_engine_advance(e, SEC(7));
	assert_int_equal(x.n, 2);
	/* to the client, from the server: seq = the client's rcv_nxt, ack = its snd_nxt (FIN + 1) */
	assert_int_equal(x.r[0].to, 0);
	assert_int_equal(x.r[0].family, 4);
	assert_int_equal(x.r[0].sport, 5002);
	assert_int_equal(x.r[0].dport, 40001);
	assert_int_equal(x.r[0].seq, 0x55);
	assert_int_equal(x.r[0].ack, 1102);
	assert_int_equal(x.r[0].src.b[15], 20);
	assert_int_equal(x.r[0].dst.b[15], 10);
	/* to the server, from the client */
	assert_int_equal(x.r[1].to, 1);
	assert_int_equal(x.r[1].sport, 40001);
	assert_int_equal(x.r[1].dport, 5002);
	assert_int_equal(x.r[1].seq, 1102);
	assert_int_equal(x.r[1].ack, 0x55);
	assert_int_equal(x.r[0].sess, x.r[1].sess);
	stats(e, &sent, &unknown);
	assert_int_equal(sent, 2);
	assert_int_equal(unknown, 0);

	/* the server resumes: its late packets are still counted against the session */
	struct pb_seg g = {.src = "198.51.100.20", .dst = "192.0.2.10", .sport = 5002,
			   .dport = 40001, .flags = SW_TH_ACK | SW_TH_PSH, .seq = 0x55,
			   .ack = 1102, .win = 65535, .wscale = -1, .payload = 50};
	struct pb_pkt p;
	pb_tcp(&p, &g);
	struct sw_verdict v = sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, SEC(8));
	assert_int_equal(v.action, SW_DROP);
	assert_int_equal(v.reason, SW_DROP_SESSION_AGED_OUT);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	assert_int_equal(x.nend, 1);
	assert_int_equal(x.si[0].end_reason, SW_END_AGED_OUT);
	assert_int_equal(x.si[0].expiry_reset, SW_XR_SENT);
	assert_int_equal(x.si[0].late_pkts, 1);
	assert_int_equal(x.n, 2);
	sw_engine_destroy(e);
}

/* half-closed spares an established session; all resets it; IPv6 alike. */
static void test_engine_modes(void **st)
{
	struct rec x = {0};
	uint64_t sent, unknown;
	const char *base = "set deviceconfig setting session timeout-tcp 10\n";
	char conf[256];

	(void)st;
	snprintf(conf, sizeof(conf), "%sset deviceconfig setting session reset-on-expiry half-closed\n", base);
	struct sw_engine *e = mk(conf, &x);
	conversation(e, "192.0.2.10", "198.51.100.20", 40001, 5002, 0);
	sw_engine_advance(e, SEC(20));
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	assert_int_equal(x.n, 0);
	assert_int_equal(x.nend, 1);
	assert_int_equal(x.si[0].expiry_reset, SW_XR_NONE);
	sw_engine_destroy(e);

	memset(&x, 0, sizeof(x));
	snprintf(conf, sizeof(conf), "%sset deviceconfig setting session reset-on-expiry all\n", base);
	e = mk(conf, &x);
	conversation(e, "2001:db8:1::10", "2001:db8::20", 40001, 5002, 0);
	sw_engine_advance(e, SEC(20));
	assert_int_equal(x.n, 2);
	assert_int_equal(x.r[0].family, 6);
	assert_int_equal(x.r[0].seq, 0x55);
	assert_int_equal(x.r[0].ack, 1101); /* no FIN this time */
	assert_int_equal(x.r[1].seq, 1101);
	assert_int_equal(x.r[1].ack, 0x55);
	assert_int_equal(x.r[0].dst.b[15], 0x10);

	/* a SYN nobody answered: the server's sequence numbers are unknown, nothing is sent */
	tcp(e, "192.0.2.10", "198.51.100.20", 40002, 5003, SW_TH_SYN, 77, 0, 0, 30);
	sw_engine_advance(e, SEC(60));
	assert_int_equal(x.n, 2);
	stats(e, &sent, &unknown);
	assert_int_equal(sent, 2);
	assert_int_equal(unknown, 1);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	assert_int_equal(x.nend, 2);
	assert_int_equal(x.si[1].end_reason, SW_END_AGED_OUT);
	assert_int_equal(x.si[1].timer, SW_TO_TCPINIT);
	assert_int_equal(x.si[1].expiry_reset, SW_XR_NO_SEQ);

	/* an end that is not a timer's (the flush at end of capture) resets nothing */
	tcp(e, "192.0.2.10", "198.51.100.20", 40003, 5004, SW_TH_SYN, 77, 0, 0, 61);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	assert_int_equal(x.n, 2);
	stats(e, &sent, &unknown);
	assert_int_equal(unknown, 1);
	sw_engine_destroy(e);
}

/*
 * Precedence, table-driven: the service override's reset-on-expiry, else
 * the rule's, else the global one.  Half-closed sessions to port 5002 (in
 * service svc) and 7000 (not in it), both through rule R.
 */
static void test_precedence(void **st)
{
	static const struct {
		const char *name, *conf;
		int reset5002, reset7000;
	} cases[] = {
		{"global none", "", 0, 0},
		{"global half-closed", "set deviceconfig setting session reset-on-expiry half-closed\n", 1, 1},
		{"rule beats global", "set deviceconfig setting session reset-on-expiry all\n"
				      "set rulebase security rules R reset-on-expiry none\n", 0, 0},
		{"rule alone", "set rulebase security rules R reset-on-expiry half-closed\n", 1, 1},
		{"service beats rule", "set rulebase security rules R reset-on-expiry none\n"
				       "set service svc protocol tcp override yes reset-on-expiry all\n", 1, 0},
		{"service none beats global", "set deviceconfig setting session reset-on-expiry all\n"
					      "set service svc protocol tcp override yes reset-on-expiry none\n", 0, 1},
		{"service without reset: the rule's", "set rulebase security rules R reset-on-expiry all\n"
						      "set service svc protocol tcp override yes timeout 900\n", 1, 1},
		{"rule timeout and service reset", "set rulebase security rules R timeout-tcp 900\n"
						   "set service svc protocol tcp override yes reset-on-expiry half-closed\n", 1, 0},
	};
	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char conf[1024];
		struct rec x = {0};
		snprintf(conf, sizeof(conf),
			 "set deviceconfig setting session timeout-tcp-half-closed 5\n"
			 "set deviceconfig setting session timeout-tcp-time-wait 5\n"
			 "set service svc protocol tcp port 5002\n"
			 "set service svc2 protocol tcp port 7000\n"
			 "set rulebase security rules R service [ svc svc2 ]\n"
			 "set rulebase security rules R action allow\n%s",
			 cases[i].conf);
		struct sw_engine *e = mk(conf, &x);
		conversation(e, "192.0.2.10", "198.51.100.20", 40001, 5002, 1);
		conversation(e, "192.0.2.10", "198.51.100.20", 40002, 7000, 1);
		sw_engine_advance(e, SEC(30));
		sw_engine_flush(e, SW_END_END_OF_CAPTURE);
		int got5002 = 0, got7000 = 0;
		for (int k = 0; k < x.n; k++) {
			got5002 += x.r[k].to == 1 && x.r[k].dport == 5002;
			got7000 += x.r[k].to == 1 && x.r[k].dport == 7000;
		}
		if (got5002 != cases[i].reset5002 || got7000 != cases[i].reset7000)
			fail_msg("%s: port 5002 %d, port 7000 %d RSTs to the server; want %d, %d",
				 cases[i].name, got5002, got7000, cases[i].reset5002, cases[i].reset7000);
		sw_engine_destroy(e);
	}
}

/* A live session follows a configuration change: the policy in force at expiry decides. */
static void test_change_reaches_live(void **st)
{
	struct rec x = {0};
	struct sw_conf c;
	char err[256];
	const char *conf = "set deviceconfig setting session timeout-tcp-half-closed 5\n"
			   "set deviceconfig setting session timeout-tcp-time-wait 5\n";
	struct sw_engine *e = mk(conf, &x);

	(void)st;
	conversation(e, "192.0.2.10", "198.51.100.20", 40001, 5002, 1);
	sw_conf_defaults(&c);
	assert_int_equal(sw_conf_load_buf(&c, conf, strlen(conf), "t", err, sizeof(err)), 0);
	assert_int_equal(sw_conf_apply_line(&c, "set deviceconfig setting session reset-on-expiry all",
					    "t", 3, err, sizeof(err)),
			 0);
	assert_int_equal(sw_engine_set_conf(e, &c), 0);
	sw_engine_advance(e, SEC(10));
	assert_int_equal(x.n, 2);
	sw_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_ipv4),
		cmocka_unit_test(test_build_ipv6),
		cmocka_unit_test(test_engine_half_closed),
		cmocka_unit_test(test_engine_modes),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_change_reaches_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
