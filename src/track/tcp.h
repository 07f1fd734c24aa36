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

#include "flow/session.h"
#include "statewall/pkt.h"
#include "statewall/types.h"

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

/* 1 if a SYN now should end this session and start a new one (port reuse). */
int sw_tcp_reusable(const struct sw_sess *s);

/* Both peers have sent a FIN. */
static inline int sw_tcp_both_fin(const struct sw_sess *s)
{
	return s->peer[0].state >= SW_TCPS_FIN_SENT && s->peer[0].state != SW_TCPS_RESET &&
	       s->peer[1].state >= SW_TCPS_FIN_SENT && s->peer[1].state != SW_TCPS_RESET;
}

#endif
