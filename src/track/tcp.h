/*
 * tcp.h - per-direction TCP tracking with sequence windows.
 *
 * Each session has two peers (originator, responder), each with its own
 * state (closed, SYN sent, established, FIN sent, FIN acked, reset) and the
 * sequence bounds of Guido van Rooij's "Real Stateful TCP Packet Filtering
 * in IP Filter" as pf_tcp_track_full applies them.  The tracker decides on
 * one segment and reports what happened as events; the engine turns events
 * into timers, so the tracker knows nothing about PAN-OS timers or modes.
 */
#ifndef SW_TRACK_TCP_H
#define SW_TRACK_TCP_H

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "flow/session.h"
#include "pkt/seg.h"
#include "statewall/pkt.h"
#include "statewall/types.h"
#include "util/seq.h"

/* Events of one segment (bit set). */
#define SW_EV_SYN 0x0001          /* a new SYN (not a retransmission) */
#define SW_EV_SYNACK 0x0002       /* a new SYN+ACK */
#define SW_EV_ESTABLISHED 0x0004  /* a peer reached established */
#define SW_EV_FIN 0x0008          /* a peer sent its first FIN */
#define SW_EV_FIN_RETRANS 0x0010  /* a FIN already seen, again */
#define SW_EV_RST 0x0020          /* verified RST: the sender's state is reset */
#define SW_EV_RST_INEXACT 0x0040  /* in-window RST, sequence not the expected one */
#define SW_EV_RETRANS 0x0080      /* data already sent before */
#define SW_EV_SYN_RETRANS 0x0100  /* SYN retransmitted */
#define SW_EV_WINDOW_LOOSE 0x0200 /* failed a window bound but passed (check off) */
#define SW_EV_ZERO_WINDOW 0x0400  /* advertised a zero window */
#define SW_EV_FIN_ACKED 0x0800    /* a peer's FIN was acknowledged */
/* Observations for the passive (Zeek) view only; they never change a verdict or a timer. */
#define SW_EV_SEQ_JUMP 0x1000     /* the segment starts beyond all this side had sent (a hole) */
#define SW_EV_SEQ_SAME 0x2000     /* a SYN or FIN ending where this side's sequence space ends */
#define SW_EV_SYN_CHALLENGE 0x4000 /* a SYN inside a live connection: a challenge ACK is due */

/* MAXACKWINDOW of pf: ack skew tolerated, one window plus a fragment. */
#define SW_MAXACKWINDOW (65535 + 1500)

/* Initialise a session from its first segment (a SYN, or a mid-stream pickup). */
void sw_tcp_init(struct sw_sess *s, const struct sw_pkt *p, int pickup);

/*
 * Track one segment from role `dir` (0 originator, 1 responder).  Returns
 * SW_DROP_NONE or the bound it broke; *ev gets the events.  With
 * window_check == 0 a broken bound is counted (SW_EV_WINDOW_LOOSE) and the
 * segment tracked as if it were in window.
 */
enum sw_drop sw_tcp_track(struct sw_sess *s, const struct sw_pkt *p, int dir, int window_check,
			  unsigned *ev);

/* The established path: see the top of tcp.c for the bounds.  Inline for the engine's fast path. */
static inline int sw_tcp_wscale_shift(const struct sw_peer *a, const struct sw_peer *b)
{
	/* Scaling is in force only when both SYNs carried the option (RFC 7323 2.2). */
	if ((a->wscale & SW_WS_OPT) && (b->wscale & SW_WS_OPT))
		return a->wscale & SW_WS_MASK;
	return 0;
}

/*
 * The four van Rooij bounds (see the top of tcp.c) and the SACK edge, for
 * a segment [seq, end) acknowledging `ack`: SW_DROP_NONE or the bound it
 * breaks.  One copy for the established fast path and the full tracker.
 */
static inline __attribute__((always_inline)) enum sw_drop
sw_tcp_window_bounds(const struct sw_peer *src, const struct sw_peer *dst, int sack,
		     uint32_t sack_right, uint32_t seq, uint32_t end, uint32_t ack, int sws, int dws)
{
	int32_t ackskew = (int32_t)(dst->end - ack);

	if (!sw_seq_geq(src->maxend, end))
		return SW_DROP_SEQ_HIGH;
	if (!sw_seq_geq(seq, src->end - ((uint32_t)dst->maxwin << dws)))
		return SW_DROP_SEQ_LOW;
	if (ackskew < -SW_MAXACKWINDOW)
		return SW_DROP_ACK_HIGH;
	if (ackskew > (SW_MAXACKWINDOW << sws))
		return SW_DROP_ACK_LOW;
	/* A SACK block is an acknowledgement too: it must not cover unsent data. */
	if (sack && (dst->wscale & SW_WS_INIT) && sw_seq_gt(sack_right, dst->end + SW_MAXACKWINDOW))
		return SW_DROP_ACK_HIGH;
	return SW_DROP_NONE;
}

/*
 * sw_tcp_track() specialised to the segment most packets are: an ACK or data
 * segment (no SYN, FIN or RST) between two established peers of a session
 * whose handshake was seen.  The checks, the learning and the events are the
 * full tracker's (tcp.c) with the branches that cannot apply to that case left
 * out; keep the two in step.
 */
static inline __attribute__((always_inline)) enum sw_drop
sw_tcp_track_established(struct sw_sess *s, const struct sw_seg *g, int dir, int window_check,
			 unsigned *ev)
{
	struct sw_peer *src = &s->peer[dir], *dst = &s->peer[!dir];
	uint32_t seq = g->seq, ack = g->ack, end = g->seq + g->payload;
	int sws = sw_tcp_wscale_shift(src, dst), dws = sw_tcp_wscale_shift(dst, src);
	uint32_t win = (uint32_t)g->win << sws;
	unsigned e = 0;
	enum sw_drop why;

	if (g->payload && sw_seq_gt(seq, src->end))
		e |= SW_EV_SEQ_JUMP;
	if (!g->payload) {
		/* A bare ACK carries no sequence space: check it at the edge. */
		seq = src->end;
		end = seq;
	}
	why = sw_tcp_window_bounds(src, dst, g->sack, g->sack_right, seq, end, ack, sws, dws);
	if (why != SW_DROP_NONE) {
		if (window_check) {
			*ev = e;
			return why;
		}
		e |= SW_EV_WINDOW_LOOSE;
	}

	/* In window: learn. */
	if (g->win > src->maxwin)
		src->maxwin = g->win;
	if (g->payload && sw_seq_leq(g->seq + g->payload, src->end))
		e |= SW_EV_RETRANS;
	if (sw_seq_gt(end, src->end))
		src->end = end;
	if (sw_seq_geq(ack + (win ? win : 1), dst->maxend))
		dst->maxend = ack + (win ? win : 1);
	if (g->win == 0)
		e |= SW_EV_ZERO_WINDOW;
	*ev = e;
	return SW_DROP_NONE;
}

/*
 * A peer's wscale and state bytes as one word, and what that word is for an
 * established peer whose sequence space is known (SW_WS_INIT).
 */
static_assert(offsetof(struct sw_peer, state) == offsetof(struct sw_peer, wscale) + 1,
	      "sw_peer_word reads wscale and state as one word");

static inline uint16_t sw_peer_word(const struct sw_peer *p)
{
	return sw_word16_at(p, offsetof(struct sw_peer, wscale));
}

static inline uint16_t sw_peer_word_of(uint8_t wscale, uint8_t state)
{
	struct sw_peer p = { .wscale = wscale, .state = state };

	return sw_peer_word(&p);
}

/* 1 if both peers are established with their sequence spaces known. */
static inline int sw_tcp_peers_established(const struct sw_sess *s)
{
	uint16_t m = sw_peer_word_of(SW_WS_INIT, 0xff);
	uint16_t v = sw_peer_word_of(SW_WS_INIT, SW_TCPS_ESTABLISHED);

	return (((sw_peer_word(&s->peer[0]) & m) ^ v) | ((sw_peer_word(&s->peer[1]) & m) ^ v)) == 0;
}

/*
 * 1 if sw_tcp_track() takes its established path for a segment with these
 * flags: an ACK or data segment (no SYN, FIN or RST) between two established
 * peers of a session whose handshake was seen.
 */
static inline int sw_tcp_established_case(const struct sw_sess *s, uint8_t th_flags)
{
	return (th_flags & (SW_TH_SYN | SW_TH_FIN | SW_TH_RST | SW_TH_ACK)) == SW_TH_ACK &&
	       !(s->flags & SW_SF_PICKUP) && sw_tcp_peers_established(s);
}

/* 1 if a SYN now should end this session and start a new one (port reuse). */
int sw_tcp_reusable(const struct sw_sess *s);

/* Both peers have sent a FIN. */
static inline int sw_tcp_both_fin(const struct sw_sess *s)
{
	return s->peer[0].state >= SW_TCPS_FIN_SENT && s->peer[0].state != SW_TCPS_RESET &&
	       s->peer[1].state >= SW_TCPS_FIN_SENT && s->peer[1].state != SW_TCPS_RESET;
}

#endif
