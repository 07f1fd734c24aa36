/*
 * timers.c - the timer in force for every session: PAN-OS timer values in
 * ticks, the half-close modes, the RFC 5961 RST rules that shorten (or may
 * no longer shorten) a life, and configuration changes reaching live
 * sessions.  engine.c asks after every segment that changed something
 * (sw_engine_tcp_retime) and puts the session on the wheel where its new
 * deadline says.
 */
#include <errno.h>
#include <string.h>

#include "engine/engine_int.h"
#include "track/tcp.h"

static_assert(SW_END_MAX < SW_NO_END, "end reasons must fit sw_sess.ended_by");

void sw_engine_load_timeouts(struct sw_engine *e)
{
	for (int i = 0; i < SW_TO_MAX; i++) {
		uint64_t t = (uint64_t)e->conf.timeout[i] * SW_TICK_HZ;
		e->to[i] = t > SW_TICK_MAX_SPAN ? SW_TICK_MAX_SPAN : (uint32_t)t;
	}
}

/* A fixed life that may only shorten what is left (PAN-OS "min(x, remaining)"). */
static void shorten(struct sw_engine *e, struct sw_sess *s, int timer, sw_tick_t now)
{
	sw_tick_t d = now + e->to[timer];
	sw_tick_t cur = sw_engine_deadline(e, s);

	if (!sw_tick_before(d, cur))
		return;
	sw_engine_set_fixed(e, s, timer, d);
}

/* The timer of a half-closed session, counted from its first FIN. */
static void half_close_timer(struct sw_engine *e, struct sw_sess *s, const struct sw_sess_cold *c)
{
	switch (e->conf.half_close_mode) {
	case SW_HC_TCPWAIT:
		sw_engine_set_fixed(e, s, SW_TO_TCPWAIT, c->hc_at + e->to[SW_TO_TCPWAIT]);
		break;
	case SW_HC_FIXED:
		sw_engine_set_fixed(e, s, SW_TO_TCP_HALF_CLOSED, c->hc_at + e->to[SW_TO_TCP_HALF_CLOSED]);
		break;
	default:
		sw_engine_set_idle(s, SW_TO_TCP_HALF_CLOSED);
		break;
	}
}

/*
 * The timer in force for a TCP session after the events of one segment.
 * Half-close modes (the reason this project exists):
 *   tcpwait  first FIN or RST: life = timeout-tcpwait, once, never extended;
 *   fixed    first FIN: life = timeout-tcp-half-closed, never extended;
 *            second FIN / verified RST: min(timeout-tcp-time-wait, remaining);
 *   idle     first FIN: idle timer timeout-tcp-half-closed, re-armed by every
 *            accepted packet; both FINs / verified RST: timeout-tcp-time-wait.
 */
void sw_engine_tcp_retime(struct sw_engine *e, struct sw_sess *s, struct sw_sess_cold *c,
			  unsigned ev, int dir, sw_tick_t now)
{
	int mode = e->conf.half_close_mode;
	struct sw_peer *o = &s->peer[0], *r = &s->peer[1];

	/* RFC 5961 challenges (session.h SW_TF_*): the target of a SYN answers it. */
	if ((s->tflags & SW_TF_SYNCHAL) && dir != !!(s->tflags & SW_TF_SYN1) &&
	    !(ev & (SW_EV_RST | SW_EV_RST_INEXACT)))
		s->tflags = SW_TF_ALIVE;
	if ((ev & SW_EV_SYN_CHALLENGE) && !(s->tflags & SW_TF_ALIVE))
		s->tflags = (uint8_t)(SW_TF_SYNCHAL | (dir ? SW_TF_SYN1 : 0));
	ev &= ~(unsigned)SW_EV_SYN_CHALLENGE;
	if (!ev && !(s->flags & SW_SF_RSTPEND))
		return;

	if (ev & SW_EV_RST) {
		s->ended_by = dir == 0 ? SW_END_TCP_RST_CLIENT : SW_END_TCP_RST_SERVER;
		s->flags &= (uint8_t)~SW_SF_RSTPEND;
		if (mode == SW_HC_TCPWAIT)
			shorten(e, s, SW_TO_TCPWAIT, now);
		else
			shorten(e, s, SW_TO_TCP_TIME_WAIT, now);
		return;
	}
	if (s->ended_by != SW_NO_END)
		return; /* closing: the life set by the close stands */
	if (ev & SW_EV_RST_INEXACT) {
		/*
		 * RFC 5961: the receiver answers with a challenge ACK; until then,
		 * suspicion - unless its target already answered a challenge (the
		 * SYN's, or an earlier RST's): then the RST is false, and could not
		 * even get its own answer within the target's rate limit.
		 */
		if (s->tflags & SW_TF_ALIVE)
			return;
		s->flags |= SW_SF_RSTPEND;
		s->peer[dir].wscale |= SW_WS_RSTPEND;
		s->peer[!dir].wscale &= (uint8_t)~SW_WS_RSTPEND;
		shorten(e, s, SW_TO_TCP_UNVERIFIED_RST, now);
		return;
	}
	if ((s->flags & SW_SF_RSTPEND) && !(s->peer[dir].wscale & SW_WS_RSTPEND)) {
		/* The challenge ACK: the RST's target is alive, the RST was not its peer's. */
		s->flags &= (uint8_t)~(SW_SF_RSTPEND | SW_SF_FIXED);
		s->tflags = SW_TF_ALIVE;
		if (s->flags & SW_SF_HALFCLOSED) {
			half_close_timer(e, s, c);
			return;
		}
		sw_engine_set_idle(s, SW_TO_TCP);
	} else if (s->flags & SW_SF_RSTPEND) {
		return;
	}

	if (ev & SW_EV_FIN) {
		if (!(s->flags & SW_SF_HALFCLOSED)) {
			s->flags |= SW_SF_HALFCLOSED;
			c->hc_at = now;
			half_close_timer(e, s, c);
		}
		if (sw_tcp_both_fin(s)) {
			s->ended_by = SW_END_TCP_FIN;
			if (mode == SW_HC_TCPWAIT)
				return; /* legacy: the first FIN's life stands */
			if (mode == SW_HC_FIXED)
				shorten(e, s, SW_TO_TCP_TIME_WAIT, now);
			else
				sw_engine_set_fixed(e, s, SW_TO_TCP_TIME_WAIT, now + e->to[SW_TO_TCP_TIME_WAIT]);
		}
		return;
	}
	if (s->flags & SW_SF_HALFCLOSED)
		return;
	if (o->state >= SW_TCPS_ESTABLISHED && r->state >= SW_TCPS_ESTABLISHED) {
		sw_engine_set_idle(s, SW_TO_TCP);
	} else if (ev & SW_EV_SYNACK) {
		sw_engine_set_fixed(e, s, SW_TO_TCPHANDSHAKE, now + e->to[SW_TO_TCPHANDSHAKE]);
	} else if (!(s->flags & SW_SF_FIXED) && s->timer != SW_TO_TCP) {
		sw_engine_set_fixed(e, s, SW_TO_TCPINIT, now + e->to[SW_TO_TCPINIT]);
	}
}

/*
 * Recompute timers of every live session after a configuration change; a
 * session the shorter timer has already run out ends now, at its deadline.
 */
static void retime_all(struct sw_engine *e)
{
	for (uint32_t i = 0; i < e->tab.hwm; i++) {
		struct sw_sess *s = &e->tab.sess[i];
		if (!(s->flags & SW_SF_INUSE))
			continue;
		if (s->flags & SW_SF_FIXED) {
			/* A fixed life restarts from its origin with the new value. */
			struct sw_sess_cold *c = &e->tab.cold[i];
			sw_tick_t origin = c->deadline - e->old_to[s->timer];
			c->deadline = origin + e->to[s->timer];
		}
		if (sw_tick_after(e->now, sw_engine_deadline(e, s)))
			sw_engine_expire(e, i);
		else
			sw_wheel_schedule(&e->wheel, e->tab.cold, i, sw_engine_deadline(e, s) + 1);
	}
}

int sw_engine_set_conf(struct sw_engine *e, const struct sw_conf *conf)
{
	char err[256];

	if (sw_conf_validate(conf, err, sizeof(err)) < 0)
		return -EINVAL;
	if (conf->max_sessions != e->conf.max_sessions || conf->max_tombstones != e->conf.max_tombstones)
		return -EBUSY; /* table sizes are fixed for the engine's life */
	uint32_t old_quota = e->conf.max_per_source;

	memcpy(e->old_to, e->to, sizeof(e->to));
	e->conf = *conf;
	sw_engine_load_timeouts(e);
	sw_press_conf(e, old_quota);
	retime_all(e);
	return 0;
}
