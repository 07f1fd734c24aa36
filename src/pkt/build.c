/*
 * build.c - frames statewall itself sends: the RSTs of reset-on-expiry
 * (sw_pkt_build_rst, statewall/pkt.h).  Into the caller's buffer; nothing
 * allocates.
 */
#include <string.h>

#include "statewall/pkt.h"
#include "wire.h"

static void wr16(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void wr32(uint8_t *b, uint32_t v)
{
	wr16(b, v >> 16);
	wr16(b + 2, v);
}

size_t sw_pkt_build_rst(uint8_t *buf, size_t cap, const uint8_t *l2, size_t l2len,
			const struct sw_rst *r)
{
	size_t ipl = r->family == 4 ? SW_RST_IP4_LEN : SW_RST_IP6_LEN;
	uint8_t *ip = buf + l2len, *th;
	uint32_t sum;

	if ((r->family != 4 && r->family != 6) || (l2len && l2len < 14) || cap < l2len + ipl)
		return 0;
	if (l2len) {
		memcpy(buf, l2, l2len);
		wr16(buf + l2len - 2, r->family == 4 ? SW_ETHERTYPE_IP : SW_ETHERTYPE_IPV6);
	}
	memset(ip, 0, ipl);
	if (r->family == 4) {
		ip[0] = 0x45;
		wr16(ip + 2, SW_RST_IP4_LEN);
		wr16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, &r->src.b[12], 4);
		memcpy(ip + 16, &r->dst.b[12], 4);
		wr16(ip + 10, sw_csum_fold(sw_csum_partial(ip, 20, 0)));
		th = ip + 20;
		sum = sw_csum_partial(ip + 12, 8, 0);
	} else {
		ip[0] = 0x60;
		wr16(ip + 4, 20);
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, r->src.b, 16);
		memcpy(ip + 24, r->dst.b, 16);
		th = ip + 40;
		sum = sw_csum_partial(ip + 8, 32, 0);
	}
	wr16(th, r->sport);
	wr16(th + 2, r->dport);
	wr32(th + 4, r->seq);
	wr32(th + 8, r->ack);
	th[12] = 5 << 4;
	th[13] = SW_TH_RST | SW_TH_ACK;
	/* pseudo header: the addresses (above), protocol and TCP length */
	sum += 6 + 20;
	wr16(th + 16, sw_csum_fold(sw_csum_partial(th, 20, sum)));
	return l2len + ipl;
}
