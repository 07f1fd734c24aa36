/*
 * seg.h - the frame most packets are, read without a descriptor.
 *
 * struct sw_seg is what the TCP tracker's established path reads of a
 * segment (track/tcp.h), filled from a parsed packet (sw_seg_of) or, for the
 * engine's express lane (engine.c), straight from the frame by
 * sw_pkt_express(): an Ethernet / IPv4 (no options, not a fragment) / TCP
 * segment with ACK and none of SYN, FIN, RST, all of it captured, whose TCP
 * options are none or the NOP NOP timestamp that Linux puts in every segment.
 * For such a frame sw_pkt_parse() fills struct sw_pkt with the same values
 * and returns SW_DROP_NONE (it shares the header checks: sw_pkt_tcp4()), so
 * the engine may take the express lane and fall back to the parse at any
 * point before it changes anything.
 */
#ifndef SW_PKT_SEG_H
#define SW_PKT_SEG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "statewall/pkt.h"
#include "wire.h"

struct sw_seg {
	uint32_t seq, ack;
	uint32_t payload;    /* TCP payload bytes */
	uint32_t sack_right; /* sack: the highest right edge of its SACK blocks */
	uint16_t win;        /* raw (unscaled) window */
	uint8_t th_flags;
	uint8_t sack;        /* SACK blocks present */
};

static inline __attribute__((always_inline)) struct sw_seg sw_seg_of(const struct sw_pkt *p)
{
	struct sw_seg g = {
		.seq = p->seq, .ack = p->ack, .payload = p->payload, .sack_right = p->sack_right,
		.win = p->win, .th_flags = p->th_flags, .sack = !!(p->pflags & SW_PF_OPT_SACK),
	};
	return g;
}

/* An express frame: its addresses as struct sw_addr.w[3] holds them, ports in host order. */
struct sw_xpkt {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t ip_len;
	struct sw_seg g;
};

/*
 * 1 if frame f (cap bytes captured) is Ethernet, IPv4 without options or
 * fragmentation, TCP with sane header and IP lengths, all of it captured;
 * *tlen gets the IP total length, *thlen the TCP header length.
 */
static inline __attribute__((always_inline)) int sw_pkt_tcp4(const uint8_t *f, size_t cap,
							    size_t *tlen, size_t *thlen)
{
	const uint8_t *ip = f + SW_ETH_HLEN, *th = ip + SW_IP4_HLEN;

	/* Two words: EtherType and version/IHL; fragment bits, TTL and protocol. */
	if (cap < SW_ETH_HLEN + SW_IP4_HLEN + SW_TCP_HLEN ||
	    (sw_rd32(f + 12) & 0xffffff00u) != ((uint32_t)SW_ETHERTYPE_IP << 16 | 0x45u << 8) ||
	    (sw_rd32(ip + 6) & 0x3fff00ffu) != SW_PROTO_TCP)
		return 0;
	*tlen = sw_rd16(ip + 2);
	*thlen = (size_t)(th[12] >> 4) * 4;
	return *tlen >= SW_IP4_HLEN + SW_TCP_HLEN && SW_ETH_HLEN + *tlen <= cap &&
	       *thlen >= SW_TCP_HLEN && *thlen <= *tlen - SW_IP4_HLEN;
}

/* 1 with *x filled if f is an express frame (the top of this file). */
static inline __attribute__((always_inline)) int sw_pkt_express(const uint8_t *f, size_t cap,
							       struct sw_xpkt *x)
{
	static const uint8_t ts_opt[4] = { 1, 1, 8, 10 };
	const uint8_t *ip = f + SW_ETH_HLEN, *th = ip + SW_IP4_HLEN;
	size_t tlen, thlen;

	if (!sw_pkt_tcp4(f, cap, &tlen, &thlen) ||
	    (th[13] & (SW_TH_SYN | SW_TH_ACK | SW_TH_RST | SW_TH_FIN)) != SW_TH_ACK ||
	    (thlen != SW_TCP_HLEN && (thlen != SW_TCP_HLEN + 12 || memcmp(th + SW_TCP_HLEN, ts_opt, 4) != 0)))
		return 0;
	memcpy(&x->src, ip + 12, 4);
	memcpy(&x->dst, ip + 16, 4);
	x->sport = sw_rd16(th);
	x->dport = sw_rd16(th + 2);
	x->ip_len = (uint32_t)tlen;
	x->g.seq = sw_rd32(th + 4);
	x->g.ack = sw_rd32(th + 8);
	x->g.payload = (uint32_t)(tlen - SW_IP4_HLEN - thlen);
	x->g.sack_right = 0;
	x->g.win = sw_rd16(th + 14);
	x->g.th_flags = th[13];
	x->g.sack = 0;
	return 1;
}

#endif
