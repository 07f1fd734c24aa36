/*
 * test_encap.c - encapsulations (src/pkt/l2.c), tunnels (src/pkt/tunnel.c),
 * tunnel sessions and --decap (src/engine/tunnel.c), offload super-frames.
 *
 * Frames are an inner packet from tests/lib/pktbuild.c behind headers
 * written here in hex, one table row per encapsulation and per
 * malformation, each with the reason it must give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktbuild.h"
#include "statewall/engine.h"
#include "statewall/pkt.h"
#include "track/zeek.h"

#define V4A "10.0.0.1"
#define V4B "10.0.0.2"
#define V6A "2001:db8::1"
#define V6B "2001:db8::2"
#define T1 "192.0.2.1" /* tunnel endpoints */
#define T2 "192.0.2.2"
#define M "0200000000020200000000a1" /* 12 bytes of MAC addresses */

#define assert_reason(got, want)                                                                   \
	do {                                                                                       \
		enum sw_drop g_ = (got), w_ = (want);                                              \
		if (g_ != w_)                                                                      \
			print_error("reason %s, expected %s\n", sw_drop_name(g_), sw_drop_name(w_)); \
		assert_int_equal(g_, w_);                                                          \
	} while (0)

/* Hex digits (spaces ignored) into buf; returns the byte count. */
static size_t unhex(const char *s, uint8_t *buf, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ' ')
			continue;
		v = *s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10;
		if (hi < 0) {
			hi = v;
		} else {
			assert_true(n < max);
			buf[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_true(hi < 0);
	return n;
}

enum inner_kind { IN_NONE, IN_IP4, IN_IP6, IN_ETH, IN_ETH6 };

/* The inner packet: a TCP SYN 10.0.0.1:40000 -> 10.0.0.2:443 (or v6), as an IP packet or frame. */
static size_t mk_inner(struct pb_pkt *b, enum inner_kind k, uint16_t dport)
{
	struct pb_seg s = {.src = V4A, .dst = V4B, .sport = 40000, .dport = dport,
			   .flags = SW_TH_SYN, .seq = 1000, .win = 64240, .wscale = -1, .payload = 0};

	if (k == IN_IP6 || k == IN_ETH6) {
		s.src = V6A;
		s.dst = V6B;
	}
	assert_true(pb_tcp(b, &s) > 0);
	if (k == IN_NONE)
		b->len = 14;
	return k == IN_ETH || k == IN_ETH6 ? 0 : 14;
}

static void assert_inner_flow(const struct sw_pkt *p, int v6, uint16_t dport)
{
	char a[SW_ADDRSTRLEN];

	assert_int_equal(p->flow.proto, 6);
	assert_int_equal(p->flow.sport, 40000);
	assert_int_equal(p->flow.dport, dport);
	assert_string_equal(sw_addr_str(&p->flow.src, a), v6 ? V6A : V4A);
}

/* ---- link layer ---------------------------------------------------------- */

struct l2_case {
	const char *name;
	int link;
	const char *hdr;
	enum inner_kind inner;
	enum sw_drop want;
	uint32_t l3_off;
};

#define W80211 "0000" M "0200000000a2" "0000"    /* duration, 3 addresses, sequence */
#define SNAP4 "aaaa030000000800"
#define PBB_HOP "88e7" "00000100" M

static const struct l2_case l2_cases[] = {
	{"mpls one label", SW_LINK_EN10MB, M "8847 00010140", IN_IP4, SW_DROP_NONE, 18},
	{"mpls two labels", SW_LINK_EN10MB, M "8847 00010040 00020140", IN_IP4, SW_DROP_NONE, 22},
	{"mpls ipv6", SW_LINK_EN10MB, M "8847 00010140", IN_IP6, SW_DROP_NONE, 18},
	{"mpls multicast", SW_LINK_EN10MB, M "8848 00010140", IN_IP4, SW_DROP_NONE, 18},
	{"mpls over vlan", SW_LINK_EN10MB, M "8100 0064 8847 00010140", IN_IP4, SW_DROP_NONE, 22},
	{"mpls pseudowire + control word", SW_LINK_EN10MB, M "8847 00010140 00000000", IN_ETH,
	 SW_DROP_NONE, 36},
	{"mpls pseudowire, no control word", SW_LINK_EN10MB, M "8847 00010140", IN_ETH, SW_DROP_NONE,
	 32},
	{"mpls stack without bottom", SW_LINK_EN10MB, M "8847 00010040", IN_NONE,
	 SW_DROP_TRUNCATED_MPLS, 0},
	{"mpls nothing after the stack", SW_LINK_EN10MB, M "8847 00010140", IN_NONE,
	 SW_DROP_TRUNCATED_MPLS, 0},
	{"mpls 17 labels", SW_LINK_EN10MB,
	 M "8847 00010040 00010040 00010040 00010040 00010040 00010040 00010040 00010040"
	   "00010040 00010040 00010040 00010040 00010040 00010040 00010040 00010040 00010140",
	 IN_IP4, SW_DROP_MPLS_DEPTH, 0},
	{"mpls associated channel", SW_LINK_EN10MB, M "8847 00010140 10000000", IN_IP4,
	 SW_DROP_UNSUPPORTED_L2, 0},
	{"pppoe ipv4", SW_LINK_EN10MB, M "8864 1100 0001 0100 0021", IN_IP4, SW_DROP_NONE, 22},
	{"pppoe ipv6", SW_LINK_EN10MB, M "8864 1100 0001 0100 0057", IN_IP6, SW_DROP_NONE, 22},
	{"pppoe over qinq", SW_LINK_EN10MB, M "88a8 0064 8100 00c8 8864 1100 0001 0100 0021", IN_IP4,
	 SW_DROP_NONE, 30},
	{"pppoe bad version", SW_LINK_EN10MB, M "8864 2100 0001 0100 0021", IN_IP4,
	 SW_DROP_BAD_PPPOE, 0},
	{"pppoe discovery code", SW_LINK_EN10MB, M "8864 1109 0001 0100 0021", IN_IP4,
	 SW_DROP_BAD_PPPOE, 0},
	{"pppoe length 0", SW_LINK_EN10MB, M "8864 1100 0001 0000 0021", IN_IP4, SW_DROP_BAD_PPPOE,
	 0},
	{"pppoe lcp", SW_LINK_EN10MB, M "8864 1100 0001 0100 c021", IN_IP4, SW_DROP_UNSUPPORTED_L2,
	 0},
	{"pppoe truncated", SW_LINK_EN10MB, M "8864 1100 00", IN_NONE, SW_DROP_TRUNCATED_L2, 0},
	{"pbb 802.1ah", SW_LINK_EN10MB, M "88a8 0064 88e7 00000100", IN_ETH, SW_DROP_NONE, 36},
	{"pbb truncated i-tag", SW_LINK_EN10MB, M "88e7 0000", IN_NONE, SW_DROP_TRUNCATED_L2, 0},
	{"vn-tag", SW_LINK_EN10MB, M "8926 00000000 0800", IN_IP4, SW_DROP_NONE, 20},
	{"e-tag", SW_LINK_EN10MB, M "893f 000000000000 0800", IN_IP4, SW_DROP_NONE, 22},
	{"fabricpath", SW_LINK_EN10MB, M "8903 0000", IN_ETH, SW_DROP_NONE, 30},
	{"three nested ethernet headers", SW_LINK_EN10MB, M PBB_HOP PBB_HOP PBB_HOP "0800", IN_IP4,
	 SW_DROP_NONE, 68},
	{"five nested ethernet headers", SW_LINK_EN10MB, M PBB_HOP PBB_HOP PBB_HOP PBB_HOP "0800",
	 IN_IP4, SW_DROP_L2_DEPTH, 0},
	{"17 vn-tags", SW_LINK_EN10MB,
	 M "8926 00000000 8926 00000000 8926 00000000 8926 00000000 8926 00000000 8926 00000000"
	   "8926 00000000 8926 00000000 8926 00000000 8926 00000000 8926 00000000 8926 00000000"
	   "8926 00000000 8926 00000000 8926 00000000 8926 00000000 8926 00000000 0800",
	 IN_IP4, SW_DROP_L2_DEPTH, 0},
	{"802.3 llc/snap", SW_LINK_EN10MB, M "0040" SNAP4, IN_IP4, SW_DROP_NONE, 22},
	{"802.3 llc, not snap", SW_LINK_EN10MB, M "0040 424203", IN_IP4, SW_DROP_UNSUPPORTED_L2, 0},
	{"snap with a foreign oui", SW_LINK_EN10MB, M "0040 aaaa03 00000c 0800", IN_IP4,
	 SW_DROP_UNSUPPORTED_L2, 0},
	{"snap truncated", SW_LINK_EN10MB, M "0040 aaaa0300", IN_NONE, SW_DROP_TRUNCATED_L2, 0},
	{"fddi", SW_LINK_FDDI, "50" M SNAP4, IN_IP4, SW_DROP_NONE, 21},
	{"fddi truncated", SW_LINK_FDDI, "50 0200", IN_NONE, SW_DROP_TRUNCATED_L2, 0},
	{"802.11 data", SW_LINK_IEEE802_11, "0801" W80211 SNAP4, IN_IP4, SW_DROP_NONE, 32},
	{"802.11 qos data", SW_LINK_IEEE802_11, "8801" W80211 "0000" SNAP4, IN_IP4, SW_DROP_NONE, 34},
	{"802.11 qos data + ht control", SW_LINK_IEEE802_11, "8881" W80211 "0000 00000000" SNAP4,
	 IN_IP4, SW_DROP_NONE, 38},
	{"802.11 four addresses", SW_LINK_IEEE802_11, "0803" W80211 "0200000000a3" SNAP4, IN_IP6
	 /* SNAP says IPv4: the version check must catch it */, SW_DROP_BAD_IP_VERSION, 0},
	{"802.11 four addresses v4", SW_LINK_IEEE802_11, "0803" W80211 "0200000000a3" SNAP4, IN_IP4,
	 SW_DROP_NONE, 38},
	{"802.11 protected", SW_LINK_IEEE802_11, "0841" W80211 SNAP4, IN_IP4, SW_DROP_WLAN_PROTECTED,
	 0},
	{"802.11 beacon", SW_LINK_IEEE802_11, "8000" W80211, IN_IP4, SW_DROP_UNSUPPORTED_L2, 0},
	{"802.11 null data", SW_LINK_IEEE802_11, "4801" W80211, IN_NONE, SW_DROP_UNSUPPORTED_L2, 0},
	{"802.11 a-msdu", SW_LINK_IEEE802_11, "8801" W80211 "8000" SNAP4, IN_IP4,
	 SW_DROP_UNSUPPORTED_L2, 0},
	{"802.11 truncated", SW_LINK_IEEE802_11, "0801 0000", IN_NONE, SW_DROP_TRUNCATED_L2, 0},
	{"radiotap", SW_LINK_IEEE802_11_RADIO, "00000c00 00000000 00000000" "0801" W80211 SNAP4,
	 IN_IP4, SW_DROP_NONE, 44},
	{"radiotap version 1", SW_LINK_IEEE802_11_RADIO, "01000800 00000000" "0801" W80211 SNAP4,
	 IN_IP4, SW_DROP_BAD_RADIO_HDR, 0},
	{"radiotap length past the frame", SW_LINK_IEEE802_11_RADIO, "0000ff00 00000000", IN_NONE,
	 SW_DROP_BAD_RADIO_HDR, 0},
	{"radiotap length 4", SW_LINK_IEEE802_11_RADIO, "00000400 00000000", IN_IP4,
	 SW_DROP_BAD_RADIO_HDR, 0},
	{"ppi + 802.11", SW_LINK_PPI, "00000800 69000000" "0801" W80211 SNAP4, IN_IP4, SW_DROP_NONE,
	 40},
	{"ppi + ethernet", SW_LINK_PPI, "00000800 01000000", IN_ETH, SW_DROP_NONE, 22},
	{"ppi + unknown dlt", SW_LINK_PPI, "00000800 7f000000", IN_IP4, SW_DROP_UNSUPPORTED_L2, 0},
	{"ppi bad version", SW_LINK_PPI, "02000800 69000000", IN_IP4, SW_DROP_BAD_RADIO_HDR, 0},
	{"ppp hdlc-framed", SW_LINK_PPP, "ff03 0021", IN_IP4, SW_DROP_NONE, 4},
	{"ppp bare", SW_LINK_PPP, "0057", IN_IP6, SW_DROP_NONE, 2},
	{"ppp compressed protocol", SW_LINK_PPP, "21", IN_IP4, SW_DROP_NONE, 1},
	{"ppp mpls", SW_LINK_PPP, "ff03 0281 00010140", IN_IP4, SW_DROP_NONE, 8},
	{"ppp lcp", SW_LINK_PPP, "ff03 c021", IN_IP4, SW_DROP_UNSUPPORTED_L2, 0},
	{"ppp empty", SW_LINK_PPP, "ff03", IN_NONE, SW_DROP_TRUNCATED_L2, 0},
	{"ppp serial", SW_LINK_PPP_SERIAL, "ff03 0021", IN_IP4, SW_DROP_NONE, 4},
	{"ppp serial, cisco hdlc", SW_LINK_PPP_SERIAL, "0f00 0800", IN_IP4, SW_DROP_NONE, 4},
	{"ppp serial, cisco hdlc multicast", SW_LINK_PPP_SERIAL, "8f00 86dd", IN_IP6, SW_DROP_NONE,
	 4},
	{"ppp serial, unknown framing", SW_LINK_PPP_SERIAL, "1234 0800", IN_IP4,
	 SW_DROP_UNSUPPORTED_L2, 0},
	{"cisco hdlc", SW_LINK_C_HDLC, "0f00 0800", IN_IP4, SW_DROP_NONE, 4},
	{"cisco hdlc truncated", SW_LINK_C_HDLC, "0f00", IN_NONE, SW_DROP_TRUNCATED_L2, 0},
	{"pppoe link type", SW_LINK_PPP_ETHER, "1100 0001 0100 0021", IN_IP4, SW_DROP_NONE, 8},
	{"mpls link type", SW_LINK_MPLS, "00010140", IN_IP4, SW_DROP_NONE, 4},
	{"nflog", SW_LINK_NFLOG, "02000000 08000100 00000000 2c000900", IN_IP4, SW_DROP_NONE, 16},
	{"nflog ipv6", SW_LINK_NFLOG, "0a000000 40000900", IN_IP6, SW_DROP_NONE, 8},
	{"nflog unknown family", SW_LINK_NFLOG, "07000000 40000900", IN_IP4, SW_DROP_UNSUPPORTED_L2,
	 0},
	{"nflog tlv past the frame", SW_LINK_NFLOG, "02000000 f0000100", IN_NONE,
	 SW_DROP_TRUNCATED_L2, 0},
	{"nflog without payload tlv", SW_LINK_NFLOG, "02000000 08000100 00000000", IN_NONE,
	 SW_DROP_TRUNCATED_L2, 0},
	{"sll 802.2 frame", SW_LINK_LINUX_SLL, "0000 0001 0006 020000000001 0000 0004" SNAP4, IN_IP4,
	 SW_DROP_NONE, 24},
};

static void test_link_layer(void **state)
{
	int seen[SW_DROP_MAX] = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(l2_cases) / sizeof(l2_cases[0]); i++) {
		const struct l2_case *c = &l2_cases[i];
		struct pb_pkt in, b;
		struct sw_pkt p;
		uint8_t hdr[512];
		size_t hlen = unhex(c->hdr, hdr, sizeof(hdr)), ioff;
		enum sw_drop r;

		ioff = mk_inner(&in, c->inner, 443);
		if (c->inner == IN_NONE)
			in.len = ioff = 0;
		assert_true(pb_wrap(&b, hdr, hlen, &in, ioff) > 0 || b.len == 0);
		r = sw_pkt_parse(&p, b.data, b.len, c->link, SW_PARSE_CHECKSUM);
		if (r != c->want)
			print_error("case '%s'\n", c->name);
		assert_reason(r, c->want);
		seen[r] = 1;
		assert_true(sw_pkt_link_supported(c->link));
		if (r != SW_DROP_NONE)
			continue;
		if (p.l3_off != c->l3_off)
			print_error("case '%s': l3 at %u\n", c->name, p.l3_off);
		assert_int_equal(p.l3_off, c->l3_off);
		assert_inner_flow(&p, c->inner == IN_IP6 || c->inner == IN_ETH6, 443);
		assert_int_equal(p.l4_csum_ok, 1);
		/* every prefix of the frame is a clean drop, never a read past it */
		for (size_t n = 0; n < b.len; n++) {
			uint8_t *cut = malloc(n ? n : 1);

			memcpy(cut, b.data, n);
			(void)sw_pkt_parse(&p, n ? cut : NULL, n, c->link, SW_PARSE_CHECKSUM);
			free(cut);
		}
	}
	/* every link-layer reason has its case */
	for (int r = SW_DROP_L2_DEPTH; r <= SW_DROP_WLAN_PROTECTED; r++) {
		if (!seen[r])
			print_error("no case for %s\n", sw_drop_name((unsigned)r));
		assert_true(seen[r]);
	}
}

/* ---- offload super-frames ------------------------------------------------ */

static void test_offload_length(void **state)
{
	struct pb_pkt b;
	struct sw_pkt p;
	struct pb_seg s;
	(void)state;

	pb_conv(&s, 1, SW_TH_ACK, 1, 1, 1800);
	assert_true(pb_tcp(&b, &s) > 0);
	b.data[14 + 2] = b.data[14 + 3] = 0; /* the NIC fills the length in; the capture has 0 */
	pb_fix_csum(&b);
	assert_reason(sw_pkt_parse(&p, b.data, b.len, SW_LINK_EN10MB, SW_PARSE_CHECKSUM),
		      SW_DROP_NONE);
	assert_int_equal(p.lflags, SW_LF_LEN_FROM_CAP);
	assert_int_equal(p.ip_len, b.len - 14);
	assert_int_equal(p.payload, 1800);

	/* IPv6 payload length 0 (BIG TCP) likewise; with no next header it is just empty */
	s.src = V6A;
	s.dst = V6B;
	assert_true(pb_tcp(&b, &s) > 0);
	b.data[14 + 4] = b.data[14 + 5] = 0;
	assert_reason(sw_pkt_parse(&p, b.data, b.len, SW_LINK_EN10MB, 0), SW_DROP_NONE);
	assert_int_equal(p.lflags, SW_LF_LEN_FROM_CAP);
	assert_int_equal(p.payload, 1800);
	b.data[14 + 6] = 59;
	b.len = 14 + 40;
	assert_reason(sw_pkt_parse(&p, b.data, b.len, SW_LINK_EN10MB, 0), SW_DROP_NONE);
	assert_int_equal(p.lflags, 0);
}

/*
 * An IP length larger than the frame: with the wire length unknown, or the
 * frame shorter than it was on the wire, a snap-length cut (the payload by
 * the IP length); captured whole (SW_PARSE_WHOLE), a TSO/GSO super-frame
 * (the captured length, SW_LF_LEN_FROM_CAP).
 */
static void test_offload_beyond_frame(void **state)
{
	struct pb_pkt b;
	struct sw_pkt p;
	struct pb_seg s;
	(void)state;

	pb_conv(&s, 1, SW_TH_ACK, 1, 1, 1600);
	assert_true(pb_tcp(&b, &s) > 0);
	b.data[14 + 2] = (40 + 3000) >> 8; /* the length the stack gave the super-frame */
	b.data[14 + 3] = (40 + 3000) & 0xff;
	assert_int_equal(sw_parse_whole(b.len, (uint32_t)b.len), SW_PARSE_WHOLE);
	assert_int_equal(sw_parse_whole(b.len, (uint32_t)b.len + 1400), 0);
	assert_int_equal(sw_parse_whole(b.len, 0), 0);
	for (unsigned slow = 0; slow <= SW_PARSE_NO_FAST; slow += SW_PARSE_NO_FAST) {
		assert_reason(sw_pkt_parse(&p, b.data, b.len, SW_LINK_EN10MB, slow), SW_DROP_NONE);
		assert_int_equal(p.lflags, 0);
		assert_int_equal(p.ip_len, 40 + 3000);
		assert_int_equal(p.payload, 3000);
		assert_reason(sw_pkt_parse(&p, b.data, b.len, SW_LINK_EN10MB,
					   slow | sw_parse_whole(b.len, (uint32_t)b.len)),
			      SW_DROP_NONE);
		assert_int_equal(p.lflags, SW_LF_LEN_FROM_CAP);
		assert_int_equal(p.ip_len, b.len - 14);
		assert_int_equal(p.payload, 1600);
	}
	/* a length shorter than the header is broken whole or not */
	b.data[14 + 2] = 0;
	b.data[14 + 3] = 12;
	assert_reason(sw_pkt_parse(&p, b.data, b.len, SW_LINK_EN10MB, SW_PARSE_WHOLE),
		      SW_DROP_BAD_IP_LEN);
	/* a length within the frame is the packet's (the rest is padding) */
	b.data[14 + 2] = (40 + 1000) >> 8;
	b.data[14 + 3] = (40 + 1000) & 0xff;
	assert_reason(sw_pkt_parse(&p, b.data, b.len, SW_LINK_EN10MB, SW_PARSE_WHOLE),
		      SW_DROP_NONE);
	assert_int_equal(p.lflags, 0);
	assert_int_equal(p.payload, 1000);

	/* IPv6 payload length beyond a whole frame likewise */
	s.src = V6A;
	s.dst = V6B;
	assert_true(pb_tcp(&b, &s) > 0);
	b.data[14 + 4] = (20 + 3000) >> 8;
	b.data[14 + 5] = (20 + 3000) & 0xff;
	assert_reason(sw_pkt_parse(&p, b.data, b.len, SW_LINK_EN10MB, 0), SW_DROP_NONE);
	assert_int_equal(p.lflags, 0);
	assert_int_equal(p.payload, 3000);
	assert_reason(sw_pkt_parse(&p, b.data, b.len, SW_LINK_EN10MB, SW_PARSE_WHOLE), SW_DROP_NONE);
	assert_int_equal(p.lflags, SW_LF_LEN_FROM_CAP);
	assert_int_equal(p.payload, 1600);
}

/* ---- tunnels ------------------------------------------------------------- */

struct tun_case {
	const char *name;
	uint8_t proto;
	uint16_t dport;
	const char *hdr;
	enum inner_kind inner;
	enum sw_drop want;
	int type; /* SW_TUN_MAX: none */
	int link; /* -1: no inner packet */
};

#define ERSPAN2 "100088be 00000001"

static const struct tun_case tun_cases[] = {
	{"gre ipv4", 47, 0, "00000800", IN_IP4, SW_DROP_NONE, SW_TUN_GRE, SW_LINK_IPV4},
	{"gre ipv6", 47, 0, "000086dd", IN_IP6, SW_DROP_NONE, SW_TUN_GRE, SW_LINK_IPV6},
	{"gre key + sequence", 47, 0, "30000800 00000001 00000002", IN_IP4, SW_DROP_NONE, SW_TUN_GRE,
	 SW_LINK_IPV4},
	{"gre checksum", 47, 0, "80000800 00000000", IN_IP4, SW_DROP_NONE, SW_TUN_GRE, SW_LINK_IPV4},
	{"gre ethernet bridging", 47, 0, "00006558", IN_ETH, SW_DROP_NONE, SW_TUN_GRE,
	 SW_LINK_EN10MB},
	{"gre mpls", 47, 0, "00008847 00010140", IN_IP4, SW_DROP_NONE, SW_TUN_GRE, SW_LINK_MPLS},
	{"gre routing bit", 47, 0, "40000800", IN_IP4, SW_DROP_BAD_GRE, SW_TUN_GRE, -1},
	{"gre recursion", 47, 0, "01000800", IN_IP4, SW_DROP_BAD_GRE, SW_TUN_GRE, -1},
	{"gre version 2", 47, 0, "00020800", IN_IP4, SW_DROP_BAD_GRE, SW_TUN_GRE, -1},
	{"gre key cut", 47, 0, "30000800 0000", IN_NONE, SW_DROP_TRUNCATED_TUNNEL, SW_TUN_GRE, -1},
	{"gre header cut", 47, 0, "3000", IN_NONE, SW_DROP_TRUNCATED_TUNNEL, SW_TUN_GRE, -1},
	{"gre keepalive", 47, 0, "00000000", IN_NONE, SW_DROP_NONE, SW_TUN_GRE, -1},
	{"pptp ipv4", 47, 0, "3001880b 00400000 00000001 ff030021", IN_IP4, SW_DROP_NONE, SW_TUN_GRE,
	 SW_LINK_IPV4},
	{"pptp with ack, compressed ppp", 47, 0, "3081880b 00400000 00000001 00000001 57", IN_IP6,
	 SW_DROP_NONE, SW_TUN_GRE, SW_LINK_IPV6},
	{"pptp ack only", 47, 0, "2081880b 00000000 00000001", IN_NONE, SW_DROP_NONE, SW_TUN_GRE, -1},
	{"pptp lcp", 47, 0, "3001880b 00400000 00000001 ff03c021", IN_IP4, SW_DROP_NONE, SW_TUN_GRE,
	 -1},
	{"pptp without key", 47, 0, "1001880b 00000001", IN_IP4, SW_DROP_BAD_GRE, SW_TUN_GRE, -1},
	{"gre v1 not ppp", 47, 0, "30010800 00400000 00000001", IN_IP4, SW_DROP_BAD_GRE, SW_TUN_GRE,
	 -1},
	{"erspan type i", 47, 0, "000088be", IN_ETH, SW_DROP_NONE, SW_TUN_ERSPAN, SW_LINK_EN10MB},
	{"erspan type ii", 47, 0, ERSPAN2 "10010000 00000000", IN_ETH, SW_DROP_NONE, SW_TUN_ERSPAN,
	 SW_LINK_EN10MB},
	{"erspan type ii, version 2", 47, 0, ERSPAN2 "20010000 00000000", IN_ETH, SW_DROP_BAD_ERSPAN,
	 SW_TUN_ERSPAN, -1},
	{"erspan type ii cut", 47, 0, ERSPAN2 "1001", IN_NONE, SW_DROP_TRUNCATED_TUNNEL,
	 SW_TUN_ERSPAN, -1},
	{"erspan type iii", 47, 0, "100022eb 00000001 20010000 00000000 00000000", IN_ETH,
	 SW_DROP_NONE, SW_TUN_ERSPAN, SW_LINK_EN10MB},
	{"erspan type iii + platform header", 47, 0,
	 "100022eb 00000001 20010000 00000000 00000001 00000000 00000000", IN_ETH, SW_DROP_NONE,
	 SW_TUN_ERSPAN, SW_LINK_EN10MB},
	{"erspan type iii, version 1", 47, 0, "100022eb 00000001 10010000 00000000 00000000", IN_ETH,
	 SW_DROP_BAD_ERSPAN, SW_TUN_ERSPAN, -1},
	{"ip in ip", 4, 0, "", IN_IP4, SW_DROP_NONE, SW_TUN_IPIP, SW_LINK_IPV4},
	{"ipv6 in ip", 41, 0, "", IN_IP6, SW_DROP_NONE, SW_TUN_IPIP, SW_LINK_IPV6},
	{"gre in udp", 17, 4754, "00000800", IN_IP4, SW_DROP_NONE, SW_TUN_GRE, SW_LINK_IPV4},
	{"vxlan", 17, 4789, "08000000 00000100", IN_ETH, SW_DROP_NONE, SW_TUN_VXLAN, SW_LINK_EN10MB},
	{"vxlan without the i flag", 17, 4789, "00000000 00000100", IN_ETH, SW_DROP_BAD_VXLAN,
	 SW_TUN_VXLAN, -1},
	{"vxlan cut", 17, 4789, "0800", IN_NONE, SW_DROP_TRUNCATED_TUNNEL, SW_TUN_VXLAN, -1},
	{"geneve ethernet", 17, 6081, "00006558 00000100", IN_ETH, SW_DROP_NONE, SW_TUN_GENEVE,
	 SW_LINK_EN10MB},
	{"geneve options skipped", 17, 6081, "02006558 00000100 01020304 05060708", IN_ETH,
	 SW_DROP_NONE, SW_TUN_GENEVE, SW_LINK_EN10MB},
	{"geneve ipv4", 17, 6081, "00000800 00000100", IN_IP4, SW_DROP_NONE, SW_TUN_GENEVE,
	 SW_LINK_IPV4},
	{"geneve version 1", 17, 6081, "40006558 00000100", IN_ETH, SW_DROP_BAD_GENEVE,
	 SW_TUN_GENEVE, -1},
	{"geneve options past the packet", 17, 6081, "3f006558 00000100", IN_NONE,
	 SW_DROP_TRUNCATED_TUNNEL, SW_TUN_GENEVE, -1},
	{"geneve other protocol", 17, 6081, "00000806 00000100", IN_IP4, SW_DROP_NONE, SW_TUN_GENEVE,
	 -1},
	{"gtp-u", 17, 2152, "30ff0000 00000001", IN_IP4, SW_DROP_NONE, SW_TUN_GTPU, SW_LINK_IPV4},
	{"gtp-u ipv6 + sequence", 17, 2152, "32ff0000 00000001 00010000", IN_IP6, SW_DROP_NONE,
	 SW_TUN_GTPU, SW_LINK_IPV6},
	{"gtp-u extension headers", 17, 2152, "34ff0000 00000001 00000085 01000085 02000000 00000000",
	 IN_IP4, SW_DROP_NONE, SW_TUN_GTPU, SW_LINK_IPV4},
	{"gtp-u zero-length extension", 17, 2152, "34ff0000 00000001 00000085 00000000", IN_IP4,
	 SW_DROP_BAD_GTP, SW_TUN_GTPU, -1},
	{"gtp-u extension past the packet", 17, 2152, "34ff0000 00000001 00000085 ff", IN_NONE,
	 SW_DROP_TRUNCATED_TUNNEL, SW_TUN_GTPU, -1},
	{"gtp-u version 2", 17, 2152, "50ff0000 00000001", IN_IP4, SW_DROP_BAD_GTP, SW_TUN_GTPU, -1},
	{"gtp prime", 17, 2152, "20ff0000 00000001", IN_IP4, SW_DROP_BAD_GTP, SW_TUN_GTPU, -1},
	{"gtp-u echo request", 17, 2152, "32010004 00000000 00010000", IN_NONE, SW_DROP_NONE,
	 SW_TUN_GTPU, -1},
	{"teredo", 17, 3544, "", IN_IP6, SW_DROP_NONE, SW_TUN_TEREDO, SW_LINK_IPV6},
	{"teredo origin indication", 17, 3544, "0000 ffff 3fffffff", IN_IP6, SW_DROP_NONE,
	 SW_TUN_TEREDO, SW_LINK_IPV6},
	{"teredo authentication + origin", 17, 3544,
	 "0001 0102 aa bbcc 0102030405060708 00 0000 ffff 3fffffff", IN_IP6, SW_DROP_NONE,
	 SW_TUN_TEREDO, SW_LINK_IPV6},
	{"teredo authentication cut", 17, 3544, "0001 0505 00", IN_NONE, SW_DROP_BAD_TEREDO,
	 SW_TUN_TEREDO, -1},
	{"teredo origin cut", 17, 3544, "0000 ffff", IN_NONE, SW_DROP_BAD_TEREDO, SW_TUN_TEREDO, -1},
	{"udp 3544, not ipv6", 17, 3544, "", IN_IP4, SW_DROP_NONE, SW_TUN_TEREDO, -1},
	{"teredo bubble", 17, 3544,
	 "6000 0000 0000 3b15 20010db8000000000000000000000001 20010db8000000000000000000000002",
	 IN_NONE, SW_DROP_NONE, SW_TUN_TEREDO, -1},
	{"ayiya ipv6", 17, 5072, "00000129 00000000 00", IN_IP6, SW_DROP_NONE, SW_TUN_AYIYA,
	 SW_LINK_IPV6},
	{"ayiya ipv4, 16-byte identity, signature", 17, 5072,
	 "41110104 00000000 00000000000000000000000000000000 00000000", IN_IP4, SW_DROP_NONE,
	 SW_TUN_AYIYA, SW_LINK_IPV4},
	{"ayiya heartbeat", 17, 5072, "00000029 00000000 00", IN_NONE, SW_DROP_NONE, SW_TUN_AYIYA, -1},
	{"ayiya identity past the packet", 17, 5072, "f0000129 00000000", IN_IP6, SW_DROP_BAD_AYIYA,
	 SW_TUN_AYIYA, -1},
	{"udp 53", 17, 53, "", IN_IP4, SW_DROP_NONE, SW_TUN_MAX, -1},
	{"teredo on a relay port", 17, 32900, "0000 ffff 3fffffff", IN_IP6, SW_DROP_NONE,
	 SW_TUN_TEREDO, SW_LINK_IPV6},
	{"udp 32900, a broken teredo look-alike", 17, 32900, "0001 0505 00", IN_NONE, SW_DROP_NONE,
	 SW_TUN_MAX, -1},
	{"tcp", 6, 0, "", IN_NONE, SW_DROP_NONE, SW_TUN_MAX, -1},
};

/* The outer frame of a table row (proto 6: a plain TCP frame). */
static void mk_outer(struct pb_pkt *b, const struct tun_case *c, struct pb_pkt *in)
{
	uint8_t hdr[256];
	size_t hlen = unhex(c->hdr, hdr, sizeof(hdr)), ioff = mk_inner(in, c->inner, 443);

	if (c->inner == IN_NONE)
		in->len = ioff = 0;
	if (c->proto == 6) {
		ioff = mk_inner(b, IN_ETH, 80);
		return;
	}
	assert_true(pb_tunnel(b, T1, T2, c->proto, c->dport, hdr, hlen, in, ioff) > 0);
}

static void test_tunnels(void **state)
{
	int seen[SW_DROP_MAX] = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(tun_cases) / sizeof(tun_cases[0]); i++) {
		const struct tun_case *c = &tun_cases[i];
		struct pb_pkt in, b;
		struct sw_pkt p, q;
		struct sw_tun t;
		enum sw_drop r;

		mk_outer(&b, c, &in);
		b.data[b.len] = 0xee; /* a trailer the outer IP length excludes */
		assert_reason(sw_pkt_parse(&p, b.data, b.len + 1, SW_LINK_EN10MB, 0), SW_DROP_NONE);
		r = sw_pkt_tunnel(&p, b.data, b.len + 1, &t);
		if (r != c->want || t.type != c->type || t.link != c->link)
			print_error("case '%s': %s type %d link %d\n", c->name, sw_drop_name(r), t.type,
				    t.link);
		assert_reason(r, c->want);
		seen[r] = 1;
		assert_int_equal(t.type, c->type);
		assert_int_equal(t.link, c->link);
		if (t.link < 0)
			continue;
		assert_int_equal(t.off + t.len, b.len);
		assert_reason(sw_pkt_parse(&q, b.data + t.off, t.len, t.link, SW_PARSE_CHECKSUM),
			      SW_DROP_NONE);
		assert_inner_flow(&q, c->inner == IN_IP6 || c->inner == IN_ETH6, 443);
		/* a first fragment is never decoded */
		p.pflags |= SW_PF_FRAG_FIRST;
		assert_reason(sw_pkt_tunnel(&p, b.data, b.len, &t), SW_DROP_NONE);
		assert_int_equal(t.type, SW_TUN_MAX);
	}
	/* every tunnel reason has its case (tunnel-too-deep: test_tunnel_depth) */
	for (int r = SW_DROP_TRUNCATED_TUNNEL; r < SW_DROP_TUNNEL_DEPTH; r++) {
		if (!seen[r])
			print_error("no case for %s\n", sw_drop_name((unsigned)r));
		assert_true(seen[r]);
	}
	/* and every tunnel type its decoded case */
	for (int ty = 0; ty < SW_TUN_MAX; ty++) {
		int ok = 0;

		for (size_t i = 0; i < sizeof(tun_cases) / sizeof(tun_cases[0]); i++)
			ok |= tun_cases[i].type == ty && tun_cases[i].link >= 0;
		assert_true(ok);
	}
}

/* ---- tunnel sessions ----------------------------------------------------- */

#define NLOG 16
struct log {
	struct sw_sess_info si[NLOG];
	unsigned n;
};

static void on_end(void *ctx, const struct sw_sess_info *si)
{
	struct log *l = ctx;

	if (l->n < NLOG)
		l->si[l->n++] = *si;
}

static struct sw_engine *mk_engine(struct sw_conf *c, struct log *l)
{
	struct sw_engine *e;

	assert_int_equal(sw_engine_create(&e, c), 0);
	memset(l, 0, sizeof(*l));
	sw_engine_on_end(e, on_end, l);
	return e;
}

static const struct sw_sess_info *find(const struct log *l, uint8_t proto)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->si[i].proto == proto)
			return &l->si[i];
	return NULL;
}

static void vxlan_frame(struct pb_pkt *b, const char *vx, uint16_t dport)
{
	struct pb_pkt in;
	uint8_t hdr[8];

	mk_inner(&in, IN_ETH, dport);
	assert_true(pb_tunnel(b, T1, T2, 17, 4789, hdr, unhex(vx, hdr, sizeof(hdr)), &in, 0) > 0);
}

static void test_tunnel_sessions(void **state)
{
	struct sw_conf c;
	struct sw_engine *e;
	struct sw_stats st;
	struct log l;
	struct pb_pkt b;
	struct sw_verdict v;
	const struct sw_sess_info *o, *i;
	(void)state;

	sw_conf_defaults(&c);
	c.tunnel_inspect = SW_TUN_ALL;
	vxlan_frame(&b, "08000000 00000100", 443);

	e = mk_engine(&c, &l);
	v = sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, 1000000000);
	assert_int_equal(v.action, SW_PASS);
	sw_engine_stats(e, &st);
	assert_int_equal(st.ctr[SW_CTR_SESS_CREATED], 2);
	assert_int_equal(st.ctr[SW_CTR_TUNNEL_INNER], 1);
	assert_int_equal(st.ctr[SW_CTR_FORWARDED], 1);
	assert_int_equal(st.ctr[SW_CTR_PKTS], 1);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	o = find(&l, 17);
	i = find(&l, 6);
	assert_non_null(o);
	assert_non_null(i);
	assert_int_equal(o->tunnel_id, 0);
	assert_int_equal(i->tunnel_id, o->id);
	assert_string_equal(sw_tunnel_name(i->tunnel_type), "vxlan");
	assert_int_equal(i->orig_p, 40000);
	sw_engine_destroy(e);

	/* none, or another type: the inner flow is payload */
	c.tunnel_inspect = 1u << SW_TUN_GRE;
	e = mk_engine(&c, &l);
	sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, 1000000000);
	sw_engine_stats(e, &st);
	assert_int_equal(st.ctr[SW_CTR_SESS_CREATED], 1);
	sw_engine_destroy(e);

	/* a malformed header of an inspected type drops the frame; uninspected, it passes */
	vxlan_frame(&b, "00000000 00000100", 443);
	c.tunnel_inspect = SW_TUN_ALL;
	e = mk_engine(&c, &l);
	v = sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, 1000000000);
	assert_reason(v.reason, SW_DROP_BAD_VXLAN);
	sw_engine_stats(e, &st);
	assert_int_equal(st.ctr[SW_CTR_DROPPED], 1);
	assert_int_equal(st.ctr[SW_CTR_FORWARDED], 0);
	assert_int_equal(st.drop[SW_DROP_BAD_VXLAN], 1);
	sw_engine_destroy(e);
	c.tunnel_inspect = 0;
	e = mk_engine(&c, &l);
	v = sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, 1000000000);
	assert_int_equal(v.action, SW_PASS);
	sw_engine_destroy(e);
}

static void test_tunnel_inner_drop(void **state)
{
	struct sw_conf c;
	struct sw_engine *e;
	struct sw_stats st;
	struct log l;
	struct pb_pkt b;
	struct sw_verdict v;
	char err[256];
	(void)state;

	sw_conf_defaults(&c);
	c.tunnel_inspect = SW_TUN_ALL;
	static const char rules[] = "set rulebase security rules no-telnet protocol tcp\n"
				    "set rulebase security rules no-telnet destination-port 23\n"
				    "set rulebase security rules no-telnet action deny\n";
	assert_int_equal(sw_conf_load_buf(&c, rules, strlen(rules), "t", err, sizeof(err)), 0);
	vxlan_frame(&b, "08000000 00000100", 23);
	e = mk_engine(&c, &l);
	v = sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, 1000000000);
	assert_int_equal(v.action, SW_DROP);
	assert_reason(v.reason, SW_DROP_POLICY_DENY);
	sw_engine_stats(e, &st);
	assert_int_equal(st.ctr[SW_CTR_DROPPED], 1);
	assert_int_equal(st.ctr[SW_CTR_FORWARDED], 0);
	assert_int_equal(st.drop[SW_DROP_POLICY_DENY], 1);
	sw_engine_destroy(e);
}

/* IP-in-IP nested `n` times around a TCP SYN, each layer between other endpoints. */
static void nested(struct pb_pkt *b, unsigned n)
{
	struct pb_pkt in;

	mk_inner(b, IN_ETH, 443);
	for (unsigned k = 0; k < n; k++) {
		char src[32], dst[32];

		snprintf(src, sizeof(src), "192.0.2.%u", 10 + k);
		snprintf(dst, sizeof(dst), "198.51.100.%u", 10 + k);
		in = *b;
		assert_true(pb_tunnel(b, src, dst, 4, 0, "", 0, &in, 14) > 0);
	}
}

/* sw_engine_layers: the frame as sw_engine_packet gives it, and each layer's own verdict. */
static void test_tunnel_layers(void **state)
{
	struct sw_conf c;
	struct sw_engine *e;
	struct sw_stats st;
	struct log l;
	struct pb_pkt b;
	struct sw_layer lay[SW_LAYERS_MAX];
	struct sw_verdict v;
	struct sw_sess_info si;
	char err[256];
	(void)state;

	sw_conf_defaults(&c);
	c.tunnel_inspect = SW_TUN_ALL;
	vxlan_frame(&b, "08000000 00000100", 443);
	e = mk_engine(&c, &l);
	assert_int_equal(sw_engine_layers(e, b.data, b.len, 0, SW_LINK_EN10MB, 1000000000, lay, &v), 2);
	assert_int_equal(v.action, SW_PASS);
	assert_int_equal(v.sess, lay[0].v.sess);
	assert_true(lay[0].parsed && lay[0].created);
	assert_int_equal(lay[0].pkt.flow.proto, 17);
	assert_int_equal(lay[0].tun_type, SW_TUN_MAX);
	assert_int_equal(lay[0].tunnel, 0);
	assert_true(lay[1].parsed && lay[1].created);
	assert_int_equal(lay[1].v.action, SW_PASS);
	assert_int_not_equal(lay[1].v.sess, lay[0].v.sess);
	assert_int_equal(lay[1].pkt.flow.dport, 443);
	assert_int_equal(lay[1].tun_type, SW_TUN_VXLAN);
	assert_int_equal(lay[1].tunnel, lay[0].v.sess);
	sw_engine_stats(e, &st);
	assert_int_equal(st.ctr[SW_CTR_PKTS], 1);
	assert_int_equal(st.ctr[SW_CTR_FORWARDED], 1);
	assert_int_equal(st.ctr[SW_CTR_SESS_CREATED], 2);
	/* the inner layer again, after its session is cleared: a new session in the same tunnel */
	assert_int_equal(sw_engine_clear(e, lay[1].v.sess), 0);
	sw_engine_layer_again(e, &lay[1]);
	assert_true(lay[1].created);
	assert_int_equal(sw_engine_session(e, lay[1].v.sess, &si), 0);
	assert_int_equal(si.tunnel_id, lay[0].v.sess);
	assert_int_equal(si.tunnel_type, SW_TUN_VXLAN);
	/* the same frame again: no new session */
	assert_int_equal(sw_engine_layers(e, b.data, b.len, 0, SW_LINK_EN10MB, 1001000000, lay, &v), 2);
	assert_false(lay[0].created || lay[1].created);
	sw_engine_destroy(e);

	/* an inner packet the policy drops: the frame is dropped, the outer layer passed */
	static const char rules[] = "set rulebase security rules no-telnet protocol tcp\n"
				    "set rulebase security rules no-telnet destination-port 23\n"
				    "set rulebase security rules no-telnet action deny\n";
	assert_int_equal(sw_conf_load_buf(&c, rules, strlen(rules), "t", err, sizeof(err)), 0);
	vxlan_frame(&b, "08000000 00000100", 23);
	e = mk_engine(&c, &l);
	assert_int_equal(sw_engine_layers(e, b.data, b.len, 0, SW_LINK_EN10MB, 1000000000, lay, &v), 2);
	assert_int_equal(v.action, SW_DROP);
	assert_reason(v.reason, SW_DROP_POLICY_DENY);
	assert_int_equal(lay[0].v.action, SW_PASS);
	assert_int_equal(lay[1].v.action, SW_DROP);
	assert_reason(lay[1].v.reason, SW_DROP_POLICY_DENY);
	sw_engine_destroy(e);

	/* tunnel-inspect none: one layer, the outer packet */
	c.tunnel_inspect = 0;
	e = mk_engine(&c, &l);
	assert_int_equal(sw_engine_layers(e, b.data, b.len, 0, SW_LINK_EN10MB, 1000000000, lay, &v), 1);
	assert_int_equal(v.action, SW_PASS);
	sw_engine_destroy(e);

	/* nested to the deepest tunnel-max-depth: every layer has its place */
	sw_conf_defaults(&c);
	c.tunnel_inspect = SW_TUN_ALL;
	c.tunnel_max_depth = SW_LAYERS_MAX - 1;
	nested(&b, SW_LAYERS_MAX - 1);
	e = mk_engine(&c, &l);
	assert_int_equal(sw_engine_layers(e, b.data, b.len, 0, SW_LINK_EN10MB, 1000000000, lay, &v),
			 SW_LAYERS_MAX);
	assert_int_equal(v.action, SW_PASS);
	for (unsigned k = 1; k < SW_LAYERS_MAX; k++)
		assert_int_equal(lay[k].tunnel, lay[k - 1].v.sess);
	assert_int_equal(lay[SW_LAYERS_MAX - 1].pkt.flow.dport, 443);
	sw_engine_destroy(e);
}

static void test_tunnel_depth(void **state)
{
	struct sw_conf c;
	struct sw_engine *e;
	struct sw_stats st;
	struct log l;
	struct pb_pkt b;
	struct sw_verdict v;
	(void)state;

	sw_conf_defaults(&c);
	c.tunnel_inspect = SW_TUN_ALL;
	assert_int_equal(c.tunnel_max_depth, 4);
	nested(&b, 4);
	e = mk_engine(&c, &l);
	v = sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, 1000000000);
	assert_int_equal(v.action, SW_PASS);
	sw_engine_stats(e, &st);
	assert_int_equal(st.ctr[SW_CTR_SESS_CREATED], 5);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	/* each session is linked to the one around it */
	for (unsigned k = 0; k < l.n; k++)
		if (l.si[k].proto == 6)
			assert_string_equal(sw_tunnel_name(l.si[k].tunnel_type), "ip-in-ip");
	sw_engine_destroy(e);

	nested(&b, 5);
	e = mk_engine(&c, &l);
	v = sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, 1000000000);
	assert_reason(v.reason, SW_DROP_TUNNEL_DEPTH);
	sw_engine_destroy(e);
	c.tunnel_max_depth = 8;
	e = mk_engine(&c, &l);
	v = sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, 1000000000);
	assert_int_equal(v.action, SW_PASS);
	sw_engine_destroy(e);
}

static void test_decap(void **state)
{
	struct sw_conf c;
	struct sw_engine *e;
	struct sw_stats st;
	struct log l;
	struct pb_pkt b[2];
	const uint8_t *fr[2];
	uint32_t len[2];
	sw_time_t ts[2] = {1000000000, 1000000001};
	struct sw_verdict v[2];
	(void)state;

	sw_conf_defaults(&c);
	c.decap = (1u << SW_TUN_VXLAN) | (1u << SW_TUN_GENEVE) | (1u << SW_TUN_ERSPAN);
	vxlan_frame(&b[0], "08000000 00000100", 443);
	nested(&b[1], 1); /* IP-in-IP is no mirror transport: its outer flow stays */
	for (int k = 0; k < 2; k++) {
		fr[k] = b[k].data;
		len[k] = (uint32_t)b[k].len;
	}
	e = mk_engine(&c, &l);
	sw_engine_burst(e, fr, len, SW_LINK_EN10MB, ts, 2, v);
	assert_int_equal(v[0].action, SW_PASS);
	sw_engine_stats(e, &st);
	assert_int_equal(st.ctr[SW_CTR_DECAP], 1);
	assert_int_equal(st.ctr[SW_CTR_SESS_CREATED], 2);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	assert_non_null(find(&l, 6));
	assert_non_null(find(&l, 4));
	assert_null(find(&l, 17));
	sw_engine_destroy(e);
}

/* The burst path follows tunnels exactly like the one-packet path. */
static void test_tunnel_burst(void **state)
{
	struct sw_conf c;
	struct sw_engine *e1, *e2;
	struct sw_stats s1, s2;
	struct log l1, l2;
	struct pb_pkt b[3];
	const uint8_t *fr[3];
	uint32_t len[3];
	sw_time_t ts[3] = {1000000000, 1000000001, 1000000002};
	struct sw_verdict v[3];
	(void)state;

	sw_conf_defaults(&c);
	c.tunnel_inspect = SW_TUN_ALL;
	vxlan_frame(&b[0], "08000000 00000100", 443);
	vxlan_frame(&b[1], "00000000 00000100", 443);
	nested(&b[2], 2);
	e1 = mk_engine(&c, &l1);
	e2 = mk_engine(&c, &l2);
	for (int k = 0; k < 3; k++) {
		struct sw_verdict one = sw_engine_packet(e1, b[k].data, b[k].len, SW_LINK_EN10MB, ts[k]);

		fr[k] = b[k].data;
		len[k] = (uint32_t)b[k].len;
		v[k] = one;
	}
	{
		struct sw_verdict w[3];

		sw_engine_burst(e2, fr, len, SW_LINK_EN10MB, ts, 3, w);
		for (int k = 0; k < 3; k++) {
			assert_int_equal(w[k].action, v[k].action);
			assert_int_equal(w[k].reason, v[k].reason);
			assert_int_equal(w[k].sess, v[k].sess);
		}
	}
	sw_engine_stats(e1, &s1);
	sw_engine_stats(e2, &s2);
	assert_memory_equal(s1.ctr, s2.ctr, sizeof(s1.ctr));
	sw_engine_destroy(e1);
	sw_engine_destroy(e2);
}

/*
 * A TSO super-frame (IP length 0, more than an MSS of payload) advances
 * the sender's sequence state as one segment: the ACK of all of it passes,
 * and a segment repeating its last bytes is a retransmission (Zeek's 'T').
 */
static void test_superframe_tracking(void **state)
{
	struct sw_conf c;
	struct sw_engine *e;
	struct sw_stats st;
	struct log l;
	struct pb_pkt b;
	struct pb_seg s;
	struct sw_verdict v;
	sw_time_t t = 1000000000;
	(void)state;

	sw_conf_defaults(&c);
	e = mk_engine(&c, &l);
	pb_conv(&s, 1, SW_TH_SYN, 0, 0, 0);
	s.mss = 1460;
	pb_tcp(&b, &s);
	assert_int_equal(sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, t).action, SW_PASS);
	pb_conv(&s, 0, SW_TH_SYN | SW_TH_ACK, 0, 1, 0);
	pb_tcp(&b, &s);
	assert_int_equal(sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, t + 1).action, SW_PASS);
	pb_conv(&s, 1, SW_TH_ACK, 1, 1, 0);
	pb_tcp(&b, &s);
	assert_int_equal(sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, t + 2).action, SW_PASS);
	pb_conv(&s, 1, SW_TH_ACK | SW_TH_PSH, 1, 1, 1900);
	pb_tcp(&b, &s);
	b.data[16] = b.data[17] = 0;
	pb_fix_csum(&b);
	v = sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, t + 3);
	assert_reason(v.reason, SW_DROP_NONE);
	pb_conv(&s, 0, SW_TH_ACK, 1, 1 + 1900, 0);
	pb_tcp(&b, &s);
	v = sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, t + 4);
	assert_reason(v.reason, SW_DROP_NONE);
	pb_conv(&s, 1, SW_TH_ACK | SW_TH_PSH, 1 + 1800, 1, 100);
	pb_tcp(&b, &s);
	v = sw_engine_packet(e, b.data, b.len, SW_LINK_EN10MB, t + 5);
	assert_reason(v.reason, SW_DROP_NONE);
	sw_engine_stats(e, &st);
	assert_int_equal(st.ctr[SW_CTR_IP_LEN_FROM_CAP], 1);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	assert_int_equal(l.n, 1);
	assert_non_null(strchr(l.si[0].history, 'T'));
	assert_int_equal(l.si[0].ip_bytes[0], 44 + 40 + 40 + 1900 + 140);
	sw_engine_destroy(e);
}

/*
 * One connection whose client sends a super-frame of three MSS of payload
 * with an IPv4 total length larger than the frame, then the next segment;
 * the server ACKs all of it.  `wire`: the frame's wire length as the
 * capture says it (whole: the frame; cut: the IP length).  Burst and
 * one-packet paths alike.
 */
#define SF_MSS 536
#define SF_PAYLOAD (3 * SF_MSS)
#define SF_CLAIMED (SF_PAYLOAD + 2 * SF_MSS)

static void superframe_conn(struct sw_engine *e, int cut, int burst, struct sw_verdict *v)
{
	struct pb_pkt b[6];
	struct pb_seg s;
	const uint8_t *fr[6];
	uint32_t len[6], wire[6];
	sw_time_t ts[6];

	pb_conv(&s, 1, SW_TH_SYN, 0, 0, 0);
	s.mss = SF_MSS;
	pb_tcp(&b[0], &s);
	pb_conv(&s, 0, SW_TH_SYN | SW_TH_ACK, 0, 1, 0);
	s.mss = SF_MSS;
	pb_tcp(&b[1], &s);
	pb_conv(&s, 1, SW_TH_ACK, 1, 1, 0);
	pb_tcp(&b[2], &s);
	pb_conv(&s, 1, SW_TH_ACK | SW_TH_PSH, 1, 1, SF_PAYLOAD);
	pb_tcp(&b[3], &s);
	b[3].data[14 + 2] = (20 + 20 + SF_CLAIMED) >> 8;
	b[3].data[14 + 3] = (20 + 20 + SF_CLAIMED) & 0xff;
	pb_conv(&s, 1, SW_TH_ACK | SW_TH_PSH, 1 + SF_PAYLOAD, 1, 100);
	pb_tcp(&b[4], &s);
	pb_conv(&s, 0, SW_TH_ACK, 1, 1 + SF_PAYLOAD + 100, 0);
	pb_tcp(&b[5], &s);
	for (int k = 0; k < 6; k++) {
		fr[k] = b[k].data;
		len[k] = (uint32_t)b[k].len;
		wire[k] = len[k];
		ts[k] = 1000000000 + k;
	}
	if (cut)
		wire[3] = 14 + 40 + SF_CLAIMED;
	if (burst) {
		sw_engine_burst_wire(e, fr, len, wire, SW_LINK_EN10MB, ts, 6, v);
		return;
	}
	for (int k = 0; k < 6; k++)
		v[k] = sw_engine_packet_wire(e, fr[k], len[k], wire[k], SW_LINK_EN10MB, ts[k]);
}

static void test_superframe_whole(void **state)
{
	struct sw_conf c;
	struct sw_engine *e;
	struct sw_stats st, first;
	struct log l;
	struct sw_verdict v[6];
	(void)state;

	sw_conf_defaults(&c);
	for (int burst = 0; burst < 2; burst++) {
		/* captured whole: one segment of SF_PAYLOAD bytes, the next one in order, all ACKed */
		e = mk_engine(&c, &l);
		superframe_conn(e, 0, burst, v);
		for (int k = 0; k < 6; k++)
			assert_reason(v[k].reason, SW_DROP_NONE);
		sw_engine_stats(e, &st);
		assert_int_equal(st.ctr[SW_CTR_IP_LEN_FROM_CAP], 1);
		assert_int_equal(st.ctr[SW_CTR_DROPPED], 0);
		if (burst)
			assert_memory_equal(st.ctr, first.ctr, sizeof(st.ctr));
		first = st;
		sw_engine_flush(e, SW_END_END_OF_CAPTURE);
		assert_int_equal(l.n, 1);
		assert_null(strchr(l.si[0].history, 'T')); /* the next segment is no retransmission */
		assert_int_equal(l.si[0].ip_bytes[0], 44 + 40 + (40 + SF_PAYLOAD) + 140);
		sw_engine_destroy(e);

		/*
		 * shorter than on the wire: a snap-length cut, the sequence space
		 * advanced by the IP length - the next segment repeats bytes of it
		 */
		e = mk_engine(&c, &l);
		superframe_conn(e, 1, burst, v);
		sw_engine_stats(e, &st);
		assert_int_equal(st.ctr[SW_CTR_IP_LEN_FROM_CAP], 0);
		sw_engine_flush(e, SW_END_END_OF_CAPTURE);
		assert_int_equal(l.n, 1);
		assert_non_null(strchr(l.si[0].history, 'T'));
		assert_int_equal(l.si[0].ip_bytes[0], 44 + 40 + (40 + SF_CLAIMED) + 140);
		sw_engine_destroy(e);
	}
}

/* tunnel-inspect in the configuration language: all, none, lists, errors. */
static void test_tunnel_conf(void **state)
{
	struct sw_conf c;
	char err[256];
	(void)state;

	sw_conf_defaults(&c);
	assert_int_equal(c.tunnel_inspect, 0);
	assert_int_equal(sw_conf_apply_kv(&c, "tunnel-inspect=all", err, sizeof(err)), 0);
	assert_int_equal(c.tunnel_inspect, SW_TUN_ALL);
	assert_int_equal(sw_conf_apply_kv(&c, "tunnel-inspect=gre,vxlan", err, sizeof(err)), 0);
	assert_int_equal(c.tunnel_inspect, (1u << SW_TUN_GRE) | (1u << SW_TUN_VXLAN));
	assert_int_equal(sw_conf_apply_line(&c, "set deviceconfig setting session tunnel-inspect "
					       "[ geneve gtp-u ]", "f", 1, err, sizeof(err)), 0);
	assert_int_equal(c.tunnel_inspect, (1u << SW_TUN_GENEVE) | (1u << SW_TUN_GTPU));
	assert_int_equal(sw_conf_apply_kv(&c, "tunnel-inspect=gre,vxlen", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "'vxlen'"));
	assert_int_equal(sw_conf_apply_line(&c, "set deviceconfig setting session tunnel-inspect "
					       "[ gre", "f", 2, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "']'"));
	assert_int_equal(sw_conf_apply_kv(&c, "tunnel-inspect=none", err, sizeof(err)), 0);
	assert_int_equal(c.tunnel_inspect, 0);
	assert_int_equal(sw_conf_apply_kv(&c, "tunnel-max-depth=9", err, sizeof(err)), -EINVAL);
}

/* The likely-server ports are Zeek's, with the tunnel analyzers' (regressions). */
static void test_zeek_ports(void **state)
{
	(void)state;
	assert_true(sw_zeek_likely_server_port(17, 5072)); /* AYIYA */
	assert_true(sw_zeek_likely_server_port(17, 4754)); /* GRE over UDP */
	assert_true(sw_zeek_likely_server_port(17, 3544)); /* Teredo */
	assert_true(sw_zeek_likely_server_port(6, 1883));  /* MQTT */
	assert_false(sw_zeek_likely_server_port(6, 5072));
	assert_false(sw_zeek_likely_server_port(6, 23)); /* no telnet analyzer in base */
	assert_false(sw_zeek_likely_server_port(47, 80));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_layer),	  cmocka_unit_test(test_offload_length),
		cmocka_unit_test(test_tunnels),		  cmocka_unit_test(test_tunnel_sessions),
		cmocka_unit_test(test_tunnel_inner_drop), cmocka_unit_test(test_tunnel_layers),
		cmocka_unit_test(test_tunnel_depth),
		cmocka_unit_test(test_decap),		  cmocka_unit_test(test_tunnel_burst),
		cmocka_unit_test(test_superframe_tracking), cmocka_unit_test(test_tunnel_conf),
		cmocka_unit_test(test_offload_beyond_frame), cmocka_unit_test(test_superframe_whole),
		cmocka_unit_test(test_zeek_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
