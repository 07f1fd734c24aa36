/*
 * tcp.c - per-direction TCP tracking.  See tcp.h.
 *
 * Peer fields, as pf's pf_state_peer:
 *   end     highest sequence number this side has sent, + 1 (SYN and FIN
 *           count one each) - pf's seqlo;
 *   maxend  highest sequence end the other side's ACK + window allow this
 *           side to send - pf's seqhi;
 *   maxwin  largest window this side advertised, unscaled.
 *
 * A segment [seq, end) from src to dst passes when (van Rooij, pf):
 *   (1) end <= src.maxend                    - inside the receiver's window
 *   (2) seq >= src.end - (dst.maxwin << dws) - at most one window back
 *   (3) ack <= dst.end + MAXACKWINDOW         - acks nothing far beyond what dst sent
 *   (4) ack >= dst.end - (MAXACKWINDOW << sws) - acks nothing far in the past
 * and an RST must carry exactly the next sequence number (RFC 5961 3.2:
 * an in-window RST with another sequence number only raises suspicion).
 */
#include "track/tcp.h"
#include "util/seq.h"

/* How far a picked-up session's bounds reach: the largest window, 65535 << 14. */
#define LOOSE_SPAN (65535u << 14)

static uint32_t seg_end(const struct sw_pkt *p)
{
	uint32_t end = p->seq + p->payload;

	if (p->th_flags & SW_TH_SYN)
		end++;
	if (p->th_flags & SW_TH_FIN)
		end++;
	return end;
}

/* First segment seen from a peer: learn its sequence space. */
static void peer_init(struct sw_peer *src, const struct sw_pkt *p)
{
	uint32_t end = seg_end(p);

	src->end = end;
	src->maxend = end + 1;
	src->maxwin = p->win ? p->win : 1;
	src->wscale = SW_WS_INIT;
	if ((p->th_flags & SW_TH_SYN) && (p->pflags & SW_PF_OPT_WSCALE))
		src->wscale |= SW_WS_OPT | (p->wscale & SW_WS_MASK);
}

void sw_tcp_init(struct sw_sess *s, const struct sw_pkt *p, int pickup)
{
	struct sw_peer *o = &s->peer[0], *r = &s->peer[1];

	peer_init(o, p);
	if (pickup) {
		/*
		 * Mid-stream: the handshake (and so the window scale) was never
		 * seen.  Both sides are taken as established and the window bounds
		 * are learned loosely, as conntrack's "liberal" pickup does; the
		 * session is marked so the log says it was picked up.
		 */
		o->state = (p->th_flags & SW_TH_RST) ? SW_TCPS_RESET
			 : (p->th_flags & SW_TH_FIN) ? SW_TCPS_FIN_SENT : SW_TCPS_ESTABLISHED;
		r->state = SW_TCPS_ESTABLISHED;
		o->maxend = o->end + ((uint32_t)(p->win ? p->win : 1) << 14);
		if (p->th_flags & SW_TH_ACK) {
			r->end = p->ack;
			r->maxend = p->ack + 1;
			r->maxwin = 1;
			r->wscale = SW_WS_INIT;
		}
		return;
	}
	o->state = SW_TCPS_SYN_SENT;
	r->maxwin = 1; /* until the responder speaks: only the SYN itself may be resent */
	if (p->th_flags & SW_TH_FIN)
		o->state = SW_TCPS_FIN_SENT;
	r->state = SW_TCPS_CLOSED;
}

int sw_tcp_reusable(const struct sw_sess *s)
{
	const struct sw_peer *o = &s->peer[0], *r = &s->peer[1];

	if (o->state == SW_TCPS_RESET || r->state == SW_TCPS_RESET)
		return 1;
	return o->state >= SW_TCPS_FIN_SENT && r->state >= SW_TCPS_FIN_SENT;
}

static enum sw_drop track_full(struct sw_sess *s, const struct sw_pkt *p, int dir,
			       int window_check, unsigned *ev);

enum sw_drop sw_tcp_track(struct sw_sess *s, const struct sw_pkt *p, int dir, int window_check,
			  unsigned *ev)
{
	if (sw_tcp_established_case(s, p->th_flags)) {
		struct sw_seg g = sw_seg_of(p);
		return sw_tcp_track_established(s, &g, dir, window_check, ev);
	}
	return track_full(s, p, dir, window_check, ev);
}

/* Kept out of line so the established path does not pay for its register saves. */
__attribute__((noinline)) static enum sw_drop track_full(struct sw_sess *s, const struct sw_pkt *p,
							 int dir, int window_check, unsigned *ev)
{
	struct sw_peer *src = &s->peer[dir], *dst = &s->peer[!dir];
	uint8_t fl = p->th_flags;
	uint32_t seq = p->seq, ack = p->ack, end = seg_end(p), orig_seq = p->seq;
	int sws, dws, loose = (s->flags & SW_SF_PICKUP) != 0;
	enum sw_drop why = SW_DROP_NONE;
	uint32_t win;
	int32_t ackskew;

	*ev = 0;
	/* SYN+FIN, SYN+RST and flagless segments have no meaning in any state. */
	if ((fl & (SW_TH_SYN | SW_TH_FIN)) == (SW_TH_SYN | SW_TH_FIN) ||
	    (fl & (SW_TH_SYN | SW_TH_RST)) == (SW_TH_SYN | SW_TH_RST) ||
	    !(fl & (SW_TH_SYN | SW_TH_FIN | SW_TH_RST | SW_TH_ACK)))
		return SW_DROP_BAD_TCP_FLAGS;

	if (!(src->wscale & SW_WS_INIT)) {
		/* The responder's first segment: normally the SYN-ACK. */
		if ((fl & SW_TH_RST) && !(fl & SW_TH_ACK) && !loose)
			return SW_DROP_TCP_STATE;
		peer_init(src, p);
		/* The originator's SYN advertised a window: the responder may fill it (pf). */
		src->maxend = src->end + (dst->maxwin ? dst->maxwin : 1);
		if (fl & SW_TH_SYN) {
			src->state = SW_TCPS_SYN_SENT;
			*ev |= (fl & SW_TH_ACK) ? SW_EV_SYNACK : SW_EV_SYN;
		} else if (fl & SW_TH_RST) {
			/* A reset in answer to the SYN: its ACK must cover the SYN exactly. */
			if (ack != dst->end && !loose)
				return SW_DROP_RST_OUT_OF_WINDOW;
			src->state = SW_TCPS_RESET;
			*ev |= SW_EV_RST;
			return SW_DROP_NONE;
		} else if (!loose) {
			/*
			 * Before any SYN-ACK.  A bare ACK is what a peer that still holds
			 * an old connection on this tuple sends as a challenge ACK (RFC
			 * 5961 4): let it through, learn nothing, so the originator can
			 * reset the stale connection.  Data is not allowed.
			 */
			src->wscale = 0;
			if (p->payload == 0 && !(fl & SW_TH_FIN) && (fl & SW_TH_ACK))
				return SW_DROP_NONE;
			return SW_DROP_TCP_STATE;
		} else {
			src->state = (fl & SW_TH_FIN) ? SW_TCPS_FIN_SENT : SW_TCPS_ESTABLISHED;
		}
		if (!(src->wscale & SW_WS_OPT))
			dst->wscale &= (uint8_t)~(SW_WS_OPT | SW_WS_MASK);
	} else {
		if ((fl & SW_TH_SYN) && src->state == SW_TCPS_SYN_SENT && seg_end(p) == src->end)
			*ev |= SW_EV_SYN_RETRANS;
		/* For the passive view: a repeated SYN/FIN, or a hole in what was seen. */
		if ((fl & (SW_TH_SYN | SW_TH_FIN)) && !(fl & SW_TH_RST) && seg_end(p) == src->end)
			*ev |= SW_EV_SEQ_SAME;
		if (!(fl & (SW_TH_RST | SW_TH_SYN)) && seg_end(p) != p->seq &&
		    sw_seq_gt(p->seq, src->end))
			*ev |= SW_EV_SEQ_JUMP;
	}

	if (fl & SW_TH_RST) {
		/*
		 * RFC 5961 3.2: an RST is acceptable only if its sequence number is
		 * exactly the next expected one; one elsewhere inside the window is
		 * suspicious (the receiver answers with a challenge ACK); anything
		 * else is not the peer's.  An RST once the session is already reset,
		 * or from an originator whose peer has not spoken (the answer to a
		 * stale peer's challenge ACK), cannot do harm and passes unverified.
		 */
		uint32_t hi = loose ? src->end + LOOSE_SPAN : src->maxend;

		if (src->state == SW_TCPS_RESET || dst->state == SW_TCPS_RESET) {
			/* Already reset: the other side's own RST closes its direction too. */
			uint32_t lo = src->end - ((uint32_t)dst->maxwin << sw_tcp_wscale_shift(dst, src));
			if (sw_seq_geq(orig_seq, lo) && sw_seq_leq(orig_seq, hi)) {
				if (orig_seq == src->end)
					src->state = SW_TCPS_RESET;
				return SW_DROP_NONE;
			}
		} else if (orig_seq == src->end) {
			src->state = SW_TCPS_RESET;
			*ev |= SW_EV_RST;
			return SW_DROP_NONE;
		} else if (!(dst->wscale & SW_WS_INIT) ||
			   (sw_seq_gt(orig_seq, src->end) && sw_seq_leq(orig_seq, hi))) {
			*ev |= SW_EV_RST_INEXACT;
			return SW_DROP_NONE;
		}
		if (window_check)
			return SW_DROP_RST_OUT_OF_WINDOW;
		*ev |= SW_EV_WINDOW_LOOSE;
		if (src->state != SW_TCPS_RESET && dst->state != SW_TCPS_RESET) {
			*ev |= SW_EV_RST;
			src->state = SW_TCPS_RESET;
		}
		return SW_DROP_NONE;
	}
	if ((fl & SW_TH_SYN) && !(fl & SW_TH_ACK) && src->state >= SW_TCPS_ESTABLISHED) {
		/*
		 * A SYN inside a live connection: the receiver answers with a
		 * challenge ACK (RFC 5961 4.2).  Pass it, learn nothing from it.
		 */
		*ev |= SW_EV_SYN_CHALLENGE;
		return SW_DROP_NONE;
	}

	sws = sw_tcp_wscale_shift(src, dst);
	dws = sw_tcp_wscale_shift(dst, src);
	win = (uint32_t)p->win << ((fl & SW_TH_SYN) ? 0 : sws);

	if (!(fl & SW_TH_ACK) || !(dst->wscale & SW_WS_INIT))
		ack = dst->end; /* nothing (known) acknowledged: the ack checks pass trivially */
	else if (ack == 0 && (fl & SW_TH_RST))
		ack = dst->end; /* some stacks send RST|ACK with a zero ack */
	if (seq == end && !(fl & SW_TH_RST)) {
		/* A bare ACK carries no sequence space: check it at the edge. */
		seq = src->end;
		end = seq;
	}
	ackskew = (int32_t)(dst->end - ack);

	if (loose) {
		/*
		 * Picked up mid-stream: the window scale was never seen, so the
		 * bounds are the widest any window allows (scale 14).  What lies
		 * beyond even those is not part of this connection.
		 */
		if (sw_seq_gt(end, src->end + LOOSE_SPAN))
			why = SW_DROP_SEQ_HIGH;
		else if (sw_seq_lt(seq, src->end - LOOSE_SPAN))
			why = SW_DROP_SEQ_LOW;
		else if (ackskew < -(int32_t)LOOSE_SPAN)
			why = SW_DROP_ACK_HIGH;
		else if (ackskew > (int32_t)LOOSE_SPAN)
			why = SW_DROP_ACK_LOW;
	} else {
		why = sw_tcp_window_bounds(src, dst, !!(p->pflags & SW_PF_OPT_SACK), p->sack_right,
					   seq, end, ack, sws, dws);
	}
	if (why != SW_DROP_NONE) {
		if (window_check)
			return why;
		*ev |= SW_EV_WINDOW_LOOSE;
	}
	if (src->state == SW_TCPS_RESET && window_check) {
		/* The side that reset has no connection any more: nothing it sends is real. */
		return SW_DROP_CLOSED_SESSION;
	}
	if (window_check && !loose && src->state >= SW_TCPS_FIN_SENT && sw_seq_gt(end, src->end)) {
		/* New sequence space after the sender's own FIN: a FIN is the last byte. */
		return SW_DROP_TCP_STATE;
	}
	if (window_check && !loose && (fl & SW_TH_FIN) && src->state == SW_TCPS_SYN_SENT &&
	    dst->state == SW_TCPS_CLOSED) {
		/* A FIN before the peer answered: there is no connection to close (conntrack sIV). */
		return SW_DROP_TCP_STATE;
	}

	/* In window: learn. */
	if (p->win > src->maxwin)
		src->maxwin = p->win;
	if (p->payload && sw_seq_leq(p->seq + p->payload, src->end) && !(fl & SW_TH_SYN))
		*ev |= SW_EV_RETRANS;
	if (sw_seq_gt(end, src->end))
		src->end = end;
	if (fl & SW_TH_ACK) {
		uint32_t lim = ack + (win ? win : 1);
		if (sw_seq_geq(lim, dst->maxend))
			dst->maxend = lim;
	}
	if (loose && sw_seq_gt(src->end, src->maxend))
		src->maxend = src->end;
	if (p->win == 0 && !(fl & SW_TH_SYN))
		*ev |= SW_EV_ZERO_WINDOW;

	if ((fl & SW_TH_SYN) && src->state == SW_TCPS_CLOSED)
		src->state = SW_TCPS_SYN_SENT;
	if (fl & SW_TH_ACK) {
		if (dst->state == SW_TCPS_SYN_SENT && sw_seq_geq(ack, dst->end)) {
			dst->state = SW_TCPS_ESTABLISHED;
			*ev |= SW_EV_ESTABLISHED;
		} else if (dst->state == SW_TCPS_FIN_SENT && sw_seq_geq(ack, dst->end)) {
			dst->state = SW_TCPS_FIN_ACKED;
			*ev |= SW_EV_FIN_ACKED;
		}
		/* Picked up: an ACK from a SYN-sent side we never saw acked means it is open. */
		if (loose && src->state == SW_TCPS_SYN_SENT && !(fl & SW_TH_SYN) &&
		    dst->state >= SW_TCPS_ESTABLISHED)
			src->state = SW_TCPS_ESTABLISHED;
	}
	if (fl & SW_TH_FIN) {
		if (src->state < SW_TCPS_FIN_SENT) {
			src->state = SW_TCPS_FIN_SENT;
			*ev |= SW_EV_FIN;
		} else {
			/* A retransmitted FIN never moves the state (conntrack's table does). */
			*ev |= SW_EV_FIN_RETRANS;
			src->wscale |= SW_WS_FINRX;
		}
	}
	return SW_DROP_NONE;
}
