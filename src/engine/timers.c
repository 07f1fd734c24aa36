/*
 * timers.c - the timer in force for every session: PAN-OS timer values in
 * ticks, the half-close modes, the RFC 5961 RST rules that shorten (or may
 * no longer shorten) a life, and configuration changes reaching live
 * sessions.  engine.c asks after every segment that changed something
 * (sw_engine_tcp_retime) and puts the session on the wheel where its new
 * deadline says.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine_int.h"
#include "track/tcp.h"

static_assert(SW_END_MAX < SW_NO_END, "end reasons must fit sw_sess.ended_by");

static uint32_t ticks(uint32_t secs)
{
	uint64_t t = (uint64_t)secs * SW_TICK_HZ;
	return t > SW_TICK_MAX_SPAN ? SW_TICK_MAX_SPAN : (uint32_t)t;
}

void sw_timers_effective(const struct sw_conf *c, int rule, int svc, int app,
			 struct sw_timer_eff *out)
{
	int hc = c->half_close_mode == SW_HC_TCPWAIT ? SW_TO_TCPWAIT : SW_TO_TCP_HALF_CLOSED;

	memset(out, 0, sizeof(*out));
	out->rule = out->svc = out->app = -1;
	for (int t = 0; t < SW_TO_MAX; t++) {
		out->secs[t] = c->timeout[t];
		out->src[t] = c->timeout[t] == sw_timeout_info[t].def ? SW_TS_DEFAULT
								       : SW_TS_CONFIGURED;
	}
	if (app >= 0 && (unsigned)app < c->napps && app < SW_APPS_MAX) {
		static const int app_to[SW_APP_TIMERS] = {
			[SW_APP_TCP] = SW_TO_TCP, [SW_APP_HALF_CLOSED] = -1,
			[SW_APP_TIME_WAIT] = SW_TO_TCP_TIME_WAIT, [SW_APP_UDP] = SW_TO_UDP};
		const struct sw_app *a = &c->apps[app];
		for (int k = 0; k < SW_APP_TIMERS; k++) {
			int t = app_to[k] < 0 ? hc : app_to[k];
			if (a->timer[k]) {
				out->secs[t] = a->timer[k];
				out->src[t] = SW_TS_APP;
			}
		}
	}
	if (rule >= 0 && (unsigned)rule < c->nrules && rule < SW_RULES_MAX)
		for (int t = 0; t < SW_TO_MAX; t++)
			if (c->rules[rule].timeout[t]) {
				out->secs[t] = c->rules[rule].timeout[t];
				out->src[t] = SW_TS_RULE;
			}
	if (svc >= 0 && (unsigned)svc < c->nservices && svc < SW_SERVICES_MAX &&
	    c->services[svc].override) {
		const struct sw_service *s = &c->services[svc];
		int map[SW_SVC_TIMERS] = {s->proto == 17 ? SW_TO_UDP : SW_TO_TCP,
					  s->proto == 17 ? -1 : hc,
					  s->proto == 17 ? -1 : SW_TO_TCP_TIME_WAIT};
		for (int k = 0; k < SW_SVC_TIMERS; k++)
			if (s->timer[k] && map[k] >= 0) {
				out->secs[map[k]] = s->timer[k];
				out->src[map[k]] = SW_TS_SERVICE;
			}
	}
	for (int t = 0; t < SW_TO_MAX; t++) {
		if (out->src[t] == SW_TS_APP)
			out->app = (int16_t)app;
		else if (out->src[t] == SW_TS_RULE)
			out->rule = (int16_t)rule;
		else if (out->src[t] == SW_TS_SERVICE)
			out->svc = (int16_t)svc;
	}
}

void sw_timers_of_flow(const struct sw_conf *c, unsigned rule, const struct sw_flow *f,
		       struct sw_timer_eff *out)
{
	int svc = -1;

	if (rule && rule <= c->nrules && rule <= SW_RULES_MAX && c->rules[rule - 1].nsvc)
		svc = sw_conf_rule_service(c, &c->rules[rule - 1], f);
	sw_timers_effective(c, (int)rule - 1, svc, sw_conf_app_match(c, f), out);
}

const char *sw_timer_src_str(const struct sw_conf *c, const struct sw_timer_eff *te, unsigned t,
			     char *buf, size_t len)
{
	switch (t < SW_TO_MAX ? te->src[t] : SW_TS_DEFAULT) {
	case SW_TS_SERVICE:
		snprintf(buf, len, "service %.*s override", SW_RULE_NAME_MAX - 1,
			 c->services[te->svc].name);
		break;
	case SW_TS_RULE:
		snprintf(buf, len, "rule %.*s", SW_RULE_NAME_MAX - 1, c->rules[te->rule].name);
		break;
	case SW_TS_APP:
		snprintf(buf, len, "application %.*s", SW_RULE_NAME_MAX - 1, c->apps[te->app].name);
		break;
	case SW_TS_CONFIGURED:
		snprintf(buf, len, "configured");
		break;
	default:
		snprintf(buf, len, "default");
		break;
	}
	return buf;
}

int sw_timer_applies(unsigned t, uint8_t proto, int discard, unsigned half_close_mode)
{
	if (discard)
		return t == (proto == 6 ? SW_TO_DISCARD_TCP
			     : proto == 17 ? SW_TO_DISCARD_UDP : SW_TO_DISCARD_DEFAULT);
	switch (t) {
	case SW_TO_TCP: case SW_TO_TCPHANDSHAKE: case SW_TO_TCPINIT: case SW_TO_TCP_UNVERIFIED_RST:
		return proto == 6;
	case SW_TO_TCPWAIT:
		return proto == 6 && half_close_mode == SW_HC_TCPWAIT;
	case SW_TO_TCP_HALF_CLOSED: case SW_TO_TCP_TIME_WAIT:
		return proto == 6 && half_close_mode != SW_HC_TCPWAIT;
	case SW_TO_UDP:
		return proto == 17;
	case SW_TO_ICMP:
		return proto == 1 || proto == 58;
	case SW_TO_DEFAULT:
		return proto != 6 && proto != 17 && proto != 1 && proto != 58;
	default:
		return 0;
	}
}

/*
 * The profile of a session of rule r (index + 1, 0 none) whose service is
 * sv and whose application is ap (index + 1, 0 none): the timers of
 * sw_timers_effective in ticks, and which of them each source gave; and
 * its reset-on-expiry, by the same precedence (applications have none).
 */
static void prof_build(const struct sw_engine *e, unsigned r, unsigned sv, unsigned ap,
		       struct sw_prof *p)
{
	struct sw_timer_eff te;

	sw_timers_effective(&e->conf, (int)r - 1, (int)sv - 1, (int)ap - 1, &te);
	memset(p, 0, sizeof(*p));
	/* reset-on-expiry: the service override's, else the rule's, else the global one */
	p->reset = e->conf.reset_on_expiry;
	if (r && e->conf.rules[r - 1].reset)
		p->reset = (uint8_t)(e->conf.rules[r - 1].reset - 1);
	if (sv && e->conf.services[sv - 1].override && e->conf.services[sv - 1].reset)
		p->reset = (uint8_t)(e->conf.services[sv - 1].reset - 1);
	for (int t = 0; t < SW_TO_MAX; t++) {
		p->to[t] = ticks(te.secs[t]);
		if (te.src[t] == SW_TS_SERVICE)
			p->from_svc |= (uint16_t)(1u << t);
		else if (te.src[t] == SW_TS_RULE)
			p->from_rule |= (uint16_t)(1u << t);
		else if (te.src[t] == SW_TS_APP)
			p->from_app |= (uint16_t)(1u << t);
	}
	p->rule = (uint16_t)(te.rule + 1);
	p->svc = (uint8_t)(te.svc + 1);
	p->app = (uint8_t)(te.app + 1);
}

/*
 * e->to from the global timeouts, and the timer profiles: profile
 * (rr * ns + ss) * na + aa for the rr-th rule with a timeout, the ss-th
 * service with override yes and application aa (0: none of each), so a
 * session finds its profile by arithmetic, with no search.
 * sw_conf_validate keeps the product within SW_PROFILES.
 */
void sw_engine_load_timeouts(struct sw_engine *e)
{
	unsigned rules[SW_RULES_MAX + 1] = {0}, svcs[SW_SERVICES_MAX + 1] = {0};
	unsigned nr = 1, ns = 1, na = e->conf.napps + 1;

	for (int i = 0; i < SW_TO_MAX; i++)
		e->to[i] = ticks(e->conf.timeout[i]);
	memset(e->prof, 0, sizeof(e->prof));
	memset(e->rule_rank, 0, sizeof(e->rule_rank));
	memset(e->svc_rank, 0, sizeof(e->svc_rank));
	memcpy(e->prof[0].to, e->to, sizeof(e->to));
	e->prof[0].reset = e->conf.reset_on_expiry;
	for (unsigned r = 1; r <= e->conf.nrules && r <= SW_RULES_MAX; r++)
		if (sw_rule_scoped(&e->conf.rules[r - 1])) {
			e->rule_rank[r] = (uint8_t)nr;
			rules[nr++] = r;
		}
	for (unsigned i = 0; i < e->conf.nservices && i < SW_SERVICES_MAX; i++)
		if (e->conf.services[i].override) {
			e->svc_rank[i + 1] = (uint8_t)ns;
			svcs[ns++] = i + 1;
		}
	if (nr * ns * na > SW_PROFILES) {
		/* refused by sw_conf_validate: the global timers only */
		nr = ns = na = 1;
		memset(e->rule_rank, 0, sizeof(e->rule_rank));
		memset(e->svc_rank, 0, sizeof(e->svc_rank));
	}
	e->np_svc = (uint8_t)ns;
	e->np_app = (uint8_t)na;
	for (unsigned rr = 0; rr < nr; rr++)
		for (unsigned ss = 0; ss < ns; ss++)
			for (unsigned aa = 0; aa < na; aa++)
				if (rr || ss || aa)
					prof_build(e, rules[rr], svcs[ss], aa,
						   &e->prof[(rr * ns + ss) * na + aa]);
}

unsigned sw_engine_profile(const struct sw_engine *e, unsigned rule, const struct sw_flow *f)
{
	unsigned rr = 0, ss = 0, aa;
	int svc = -1;

	if (rule && rule <= e->conf.nrules) {
		rr = e->rule_rank[rule];
		if (e->conf.rules[rule - 1].nsvc)
			svc = sw_conf_rule_service(&e->conf, &e->conf.rules[rule - 1], f);
		if (svc >= 0)
			ss = e->svc_rank[svc + 1];
	}
	aa = e->np_app > 1 ? (unsigned)(sw_conf_app_match(&e->conf, f) + 1) : 0;
	if (aa >= e->np_app)
		aa = 0;
	if (rr >= SW_PROFILES || ss >= e->np_svc)
		return 0;
	return (rr * e->np_svc + ss) * e->np_app + aa;
}

void sw_engine_timer_source(const struct sw_engine *e, uint32_t idx, unsigned t,
			    struct sw_sess_info *si)
{
	const struct sw_sess *s = &e->tab.sess[idx];
	unsigned p = (s->tflags & SW_TF_PROF) ? e->tab.cold[idx].prof : 0;
	const struct sw_prof *pr = &e->prof[p];
	uint16_t bit = (uint16_t)(1u << (t & 15));
	struct sw_timer_eff te;

	if (t >= SW_TO_MAX)
		return;
	memset(&te, 0, sizeof(te));
	te.rule = (int16_t)(pr->rule - 1);
	te.svc = (int16_t)(pr->svc - 1);
	te.app = (int16_t)(pr->app - 1);
	te.src[t] = (pr->from_svc & bit)    ? SW_TS_SERVICE
		    : (pr->from_rule & bit) ? SW_TS_RULE
		    : (pr->from_app & bit)  ? SW_TS_APP
		    : e->conf.timeout[t] == sw_timeout_info[t].def ? SW_TS_DEFAULT
								    : SW_TS_CONFIGURED;
	si->timer_secs = te.src[t] > SW_TS_CONFIGURED ? (uint32_t)(pr->to[t] / SW_TICK_HZ)
						      : e->conf.timeout[t];
	sw_timer_src_str(&e->conf, &te, t, si->timer_from, sizeof(si->timer_from));
}

/* A fixed life that may only shorten what is left (PAN-OS "min(x, remaining)"). */
static void shorten(struct sw_engine *e, struct sw_sess *s, int timer, sw_tick_t now)
{
	sw_tick_t d = now + sw_engine_to(e, s, timer);
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
		sw_engine_set_fixed(e, s, SW_TO_TCPWAIT, c->hc_at + sw_engine_to(e, s, SW_TO_TCPWAIT));
		break;
	case SW_HC_FIXED:
		sw_engine_set_fixed(e, s, SW_TO_TCP_HALF_CLOSED, c->hc_at + sw_engine_to(e, s, SW_TO_TCP_HALF_CLOSED));
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
		s->tflags = (uint8_t)((s->tflags & SW_TF_PROF) | SW_TF_ALIVE);
	if ((ev & SW_EV_SYN_CHALLENGE) && !(s->tflags & SW_TF_ALIVE))
		s->tflags = (uint8_t)((s->tflags & SW_TF_PROF) | SW_TF_SYNCHAL |
				      (dir ? SW_TF_SYN1 : 0));
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
		s->tflags = (uint8_t)((s->tflags & SW_TF_PROF) | SW_TF_ALIVE);
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
				sw_engine_set_fixed(e, s, SW_TO_TCP_TIME_WAIT, now + sw_engine_to(e, s, SW_TO_TCP_TIME_WAIT));
		}
		return;
	}
	if (s->flags & SW_SF_HALFCLOSED)
		return;
	if (o->state >= SW_TCPS_ESTABLISHED && r->state >= SW_TCPS_ESTABLISHED) {
		sw_engine_set_idle(s, SW_TO_TCP);
	} else if (ev & SW_EV_SYNACK) {
		sw_engine_set_fixed(e, s, SW_TO_TCPHANDSHAKE, now + sw_engine_to(e, s, SW_TO_TCPHANDSHAKE));
	} else if (!(s->flags & SW_SF_FIXED) && s->timer != SW_TO_TCP) {
		sw_engine_set_fixed(e, s, SW_TO_TCPINIT, now + sw_engine_to(e, s, SW_TO_TCPINIT));
	}
}

/*
 * Recompute timers of every live session after a configuration change: its
 * profile again (the service objects may have changed; its rule stays the
 * one that matched at creation), then its deadline.  A session the shorter
 * timer has already run out ends now, at its deadline.  Counted:
 * sessions-reevaluated (every live one), sessions-retimed (those whose timer
 * in force got a new value), so `show session info` can say what a commit did.
 */
static void retime_all(struct sw_engine *e)
{
	for (uint32_t i = 0; i < e->tab.hwm; i++) {
		struct sw_sess *s = &e->tab.sess[i];
		struct sw_sess_cold *c = &e->tab.cold[i];
		if (!(s->flags & SW_SF_INUSE))
			continue;
		uint32_t old = (s->tflags & SW_TF_PROF) ? e->old_prof[c->prof].to[s->timer]
							: e->old_to[s->timer];
		struct sw_key k;
		struct sw_flow f;
		int o = (s->flags & SW_SF_ORIG1) ? 1 : 0;
		sw_table_key(&e->tab, i, &k);
		memset(&f, 0, sizeof(f));
		f.src = k.a[o];
		f.dst = k.a[!o];
		f.sport = k.p[o];
		f.dport = k.p[!o];
		f.proto = s->proto;
		f.family = (s->flags & SW_SF_V6) ? 6 : 4;
		sw_engine_set_profile(e, s, (s->flags & SW_SF_DISCARD) ? 0
								: sw_engine_profile(e, c->rule, &f));
		e->st.ctr[SW_CTR_REEVALUATED]++;
		if (sw_engine_to(e, s, s->timer) != old)
			e->st.ctr[SW_CTR_RETIMED]++;
		if (s->flags & SW_SF_FIXED) {
			/* A fixed life restarts from its origin with the new value. */
			sw_tick_t origin = c->deadline - old;
			c->deadline = origin + sw_engine_to(e, s, s->timer);
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
	memcpy(e->old_prof, e->prof, sizeof(e->prof));
	e->conf = *conf;
	if (sw_engine_tun_conf(e) < 0)
		e->conf.tunnel_inspect = 0; /* no memory for the links: tunnels stay outer flows */
	sw_engine_load_timeouts(e);
	sw_press_conf(e, old_quota);
	retime_all(e);
	return 0;
}
