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

static inline uint16_t sw_be16(const uint8_t *b)
{
	return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static inline uint32_t sw_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/*
 * 1 if frame f (cap bytes captured) is Ethernet, IPv4 without options or
 * fragmentation, TCP with sane header and IP lengths, all of it captured;
 * *tlen gets the IP total length, *thlen the TCP header length.
 */
static inline __attribute__((always_inline)) int sw_pkt_tcp4(const uint8_t *f, size_t cap,
							    size_t *tlen, size_t *thlen)
{
	const uint8_t *ip = f + 14, *th = ip + 20;

	if (cap < 14 + 20 + 20 || f[12] != 0x08 || f[13] != 0x00 || ip[0] != 0x45 || ip[9] != 6 ||
	    (sw_be16(ip + 6) & 0x3fff))
		return 0;
	*tlen = sw_be16(ip + 2);
	*thlen = (size_t)(th[12] >> 4) * 4;
	return *tlen >= 20 + 20 && 14 + *tlen <= cap && *thlen >= 20 && *thlen <= *tlen - 20;
}

/* 1 with *x filled if f is an express frame (the top of this file). */
static inline __attribute__((always_inline)) int sw_pkt_express(const uint8_t *f, size_t cap,
							       struct sw_xpkt *x)
{
	static const uint8_t ts_opt[4] = { 1, 1, 8, 10 };
	const uint8_t *ip = f + 14, *th = ip + 20;
	size_t tlen, thlen;

	if (!sw_pkt_tcp4(f, cap, &tlen, &thlen) ||
	    (th[13] & (SW_TH_SYN | SW_TH_ACK | SW_TH_RST | SW_TH_FIN)) != SW_TH_ACK ||
	    (thlen != 20 && (thlen != 32 || memcmp(th + 20, ts_opt, 4) != 0)))
		return 0;
	memcpy(&x->src, ip + 12, 4);
	memcpy(&x->dst, ip + 16, 4);
	x->sport = sw_be16(th);
	x->dport = sw_be16(th + 2);
	x->ip_len = (uint32_t)tlen;
	x->g.seq = sw_be32(th + 4);
	x->g.ack = sw_be32(th + 8);
	x->g.payload = (uint32_t)(tlen - 20 - thlen);
	x->g.sack_right = 0;
	x->g.win = sw_be16(th + 14);
	x->g.th_flags = th[13];
	x->g.sack = 0;
	return 1;
}

#endif
