/*
 * engine_int.h - the engine's private state, shared by engine.c, timers.c,
 * events.c, check.c and tomb.c.
 */
#ifndef SW_ENGINE_INT_H
#define SW_ENGINE_INT_H

#include "engine/tomb.h"
#include "flow/table.h"
#include "statewall/engine.h"
#include "timer/wheel.h"

#define SW_BURST_MAX 64
#define SW_FRAG_SLOTS 64 /* first fragments remembered for their later fragments */

struct sw_frag {
	struct sw_addr src, dst;
	uint32_t id;
	uint32_t sess;
	uint8_t proto, pass, used;
};

/* pressure.c: one source's session count (quota table entry; cnt 0 = empty). */
struct sw_src {
	uint32_t k[2]; /* IPv4: address, 0; IPv6: the /64 prefix */
	uint32_t cnt;  /* bit 31: IPv6; the rest: live sessions of the source */
};

/*
 * pressure.c: the eviction lists are linked through cold.ev_next/ev_prev;
 * the head's ev_prev and the tail's ev_next are SW_EVL_END | class, a record
 * on no list has ev_prev SW_IDX_NONE.
 */
#define SW_EVL_END 0x80000000u
struct sw_press {
	uint32_t head[SW_EC_MAX], tail[SW_EC_MAX];
	struct sw_src *src;
	uint32_t nsrc;     /* entries (cap * 5/4 + 1) */
	uint32_t nsources, at_quota;
	uint64_t seed;
	uint8_t accel;     /* accelerated aging in force now */
	uint32_t sweep_cur, sweep_left; /* accelerated-aging reschedule sweep */
};

/*
 * A timer profile: every timer's value for the sessions of one (rule with
 * timeouts, service with override, application) triple, built at each
 * configuration change (timers.c); profile 0 is the global timers
 * (sw_engine.to).  A session costs nothing more for it: the profile index
 * shares cold.rule's 16 bits, and sw_engine_profile computes it from ranks.
 */
#define SW_PROFILES SW_TIMER_PROFILES
struct sw_prof {
	uint32_t to[SW_TO_MAX]; /* ticks, clamped to SW_TICK_MAX_SPAN */
	uint16_t from_svc;      /* bit t: timer t is the service override's */
	uint16_t from_rule;     /* bit t: timer t is the rule's timeout-NAME */
	uint16_t from_app;      /* bit t: timer t is the application's */
	uint16_t rule;          /* from_rule: the rule, index + 1 */
	uint8_t svc;            /* from_svc: the service, index + 1 */
	uint8_t app;            /* from_app: the application, index + 1 */
	uint8_t reset;          /* reset-on-expiry in force: enum sw_reset_mode */
};
static_assert(SW_TO_MAX <= 16, "sw_prof masks hold one bit per timer");
static_assert(SW_PROFILES <= 128, "profile indexes must fit sw_sess_cold.prof");
static_assert(SW_RULES_MAX + 1 <= 512, "rule indexes must fit sw_sess_cold.rule");

struct sw_engine {
	struct sw_conf conf;
	uint32_t to[SW_TO_MAX];     /* timeouts in ticks, clamped to SW_TICK_MAX_SPAN */
	uint32_t to_idle[SW_TO_MAX]; /* idle timers in force: to[] / the accelerated-aging factor */
	uint32_t old_to[SW_TO_MAX]; /* previous values during sw_engine_set_conf */
	struct sw_prof prof[SW_PROFILES], old_prof[SW_PROFILES];
	uint8_t rule_rank[SW_RULES_MAX + 1];   /* rule + 1 -> its rank among rules with timeouts */
	uint8_t svc_rank[SW_SERVICES_MAX + 1]; /* service + 1 -> rank among overriding ones */
	uint8_t np_svc, np_app;                /* ranks of each (with 0 = none) */
	struct sw_table tab;
	struct sw_tomb tomb;
	sw_time_t epoch;  /* tick 0 */
	sw_time_t now_ns; /* latest time seen */
	sw_time_t next_tick_ns; /* when `now` next moves: a packet before it only sets now_ns */
	sw_tick_t now;
	int started;
	uint8_t no_quick; /* tests only (test_engine_quick): every packet takes the general path */
	int flushing; /* sw_engine_flush: ended sessions go straight to the log */
	sw_end_fn on_end;
	void *on_end_ctx;
	sw_event_fn on_event; /* NULL: no event is built */
	void *on_event_ctx;
	sw_rst_fn on_reset;   /* NULL: reset-on-expiry only counts */
	void *on_reset_ctx;
	struct sw_stats st;
	struct sw_frag frag[SW_FRAG_SLOTS];
	uint32_t frag_next;
	struct sw_wheel wheel;
	struct sw_press press;
	uint32_t *tun;    /* per pool index: outer session id << 4 | tunnel type; NULL until
			     tunnel-inspect is on (tunnel.c) */
	uint32_t tun_cur; /* the link a session created now gets (0: not in a tunnel) */
	struct sw_layer *lay; /* sw_engine_layers: where the inner layers go (NULL: nowhere) */
	unsigned nlay;
};

/* Absolute time of a tick (ticks are interpreted near the engine's now). */
sw_time_t sw_engine_tick_time(const struct sw_engine *e, sw_tick_t t);

/* The value in ticks of timer t for session s: its profile's, or the global one. */
static inline uint32_t sw_engine_to(const struct sw_engine *e, const struct sw_sess *s, int t)
{
	if (!(s->tflags & SW_TF_PROF))
		return e->to[t];
	return e->prof[e->tab.cold[s - e->tab.sess].prof].to[t];
}

/* Tick at which the session's timer in force runs out. */
static inline sw_tick_t sw_engine_deadline(const struct sw_engine *e, const struct sw_sess *s)
{
	if (s->flags & SW_SF_FIXED)
		return e->tab.cold[s - e->tab.sess].deadline; /* fixed timers only: the cold line */
	if (s->tflags & SW_TF_PROF) /* a service override, accelerated like the others */
		return s->last_seen + sw_engine_to(e, s, s->timer) /
					      (e->press.accel ? e->conf.accel_factor : 1);
	return s->last_seen + e->to_idle[s->timer];
}

/* An absolute life (tcpinit, handshake, fixed half-close, time-wait, discard...). */
static inline void sw_engine_set_fixed(struct sw_engine *e, struct sw_sess *s, int timer,
				       sw_tick_t deadline)
{
	s->timer = (uint8_t)timer;
	e->tab.cold[s - e->tab.sess].deadline = deadline;
	s->flags |= SW_SF_FIXED;
}

/* An idle timer, counted from last_seen. */
static inline void sw_engine_set_idle(struct sw_sess *s, int timer)
{
	s->timer = (uint8_t)timer;
	s->flags &= (uint8_t)~SW_SF_FIXED;
}

/* timers.c: e->to and the profiles from the configuration; the timer after one segment's tracker events. */
void sw_engine_load_timeouts(struct sw_engine *e);
/* si->timer_secs and si->timer_from: timer t (SW_TO_MAX: none) of live session idx. */
void sw_engine_timer_source(const struct sw_engine *e, uint32_t idx, unsigned t,
			    struct sw_sess_info *si);
/* The profile of a session of rule (index + 1, 0 none) for flow f: 0 = the global timers. */
unsigned sw_engine_profile(const struct sw_engine *e, unsigned rule, const struct sw_flow *f);
/* Give session s profile p (0: the global timers). */
static inline void sw_engine_set_profile(struct sw_engine *e, struct sw_sess *s, unsigned p)
{
	e->tab.cold[s - e->tab.sess].prof = (uint16_t)(p & 0x7f);
	if (p)
		s->tflags |= SW_TF_PROF;
	else
		s->tflags &= (uint8_t)~SW_TF_PROF;
}
void sw_engine_tcp_retime(struct sw_engine *e, struct sw_sess *s, struct sw_sess_cold *c,
			  unsigned ev, int dir, sw_tick_t now);
/*
 * events.c (only with on_event set): report an event about `si`; about live
 * session idx as it is now; the half-close and timer change one segment from
 * `dir` made.
 */
void sw_engine_emit(struct sw_engine *e, int type, const struct sw_sess_info *si, sw_time_t ts,
		    int side, int from, int to);
void sw_engine_emit_live(struct sw_engine *e, uint32_t idx, int type, int side, int from, int to);
void sw_engine_emit_changes(struct sw_engine *e, uint32_t idx, int dir, int was_hc,
			    int timer_before);
/* engine.c: end a session whose deadline has passed, at its deadline. */
void sw_engine_expire(struct sw_engine *e, uint32_t idx);
/* Index of stats.active_proto: tcp, udp, icmp, other. */
int sw_engine_proto_slot(uint8_t proto);
void sw_engine_fill_info(const struct sw_engine *e, uint32_t idx, struct sw_sess_info *si);
/*
 * engine.c: steps 3-7 for one parsed packet (`reason` from its parse); the
 * verdict is counted.
 */
struct sw_verdict sw_engine_one(struct sw_engine *e, const struct sw_pkt *p, int reason);
/*
 * tunnel.c: tun_conf allocates the tunnel links once tunnel-inspect is on
 * (0 or -ENOMEM); tun_info fills si's tunnel fields; decap, given the outer
 * packet of *f parsed into p, parses instead the inner frame of a mirror
 * transport that --decap names (*f, *len then describe it); tunnels follows
 * the inner packets of a frame whose outer packet got verdict v, and returns
 * the frame's verdict.  parse_frame (here, inline for the burst) parses a
 * frame (`whole`: SW_PARSE_WHOLE if it was captured whole, else 0) and
 * unwraps it with decap when --decap is on.
 */
int sw_engine_tun_conf(struct sw_engine *e);
void sw_engine_tun_info(const struct sw_engine *e, uint32_t idx, struct sw_sess_info *si);
enum sw_drop sw_engine_decap(struct sw_engine *e, struct sw_pkt *p, const uint8_t **f, size_t *len);

static inline enum sw_drop sw_engine_parse_frame(struct sw_engine *e, struct sw_pkt *p,
						 const uint8_t **f, size_t *len, int link,
						 unsigned whole)
{
	enum sw_drop r = sw_pkt_parse(p, *f, *len, link,
				      (e->conf.tcp_checksum_check ? SW_PARSE_CHECKSUM : 0) | whole);

	if (r == SW_DROP_NONE && (p->lflags & SW_LF_LEN_FROM_CAP))
		e->st.ctr[SW_CTR_IP_LEN_FROM_CAP]++;
	if (r != SW_DROP_NONE || !e->conf.decap)
		return r;
	return sw_engine_decap(e, p, f, len);
}
struct sw_verdict sw_engine_tunnels(struct sw_engine *e, const struct sw_pkt *outer,
				    struct sw_verdict v, const uint8_t *f, size_t len);
/*
 * One frame through the engine (advance, count, parse, decide, tunnels):
 * its verdict in *frame_v, its layers in out[0 .. return) - the outer one
 * always, the inner ones too if `inner` (out then has SW_LAYERS_MAX).
 */
unsigned sw_engine_frame(struct sw_engine *e, const uint8_t *frame, size_t caplen,
			 uint32_t wirelen, int link, sw_time_t ts, struct sw_layer *out, int inner,
			 struct sw_verdict *frame_v);
/* engine.c: end live session idx, evicted from class cls, now. */
void sw_engine_evict(struct sw_engine *e, uint32_t idx, int cls);

/*
 * pressure.c: accelerated aging, eviction lists, per-source quota.
 *   class       the eviction class of a session (enum sw_evict_class)
 *   link        put a new session on its class's list
 *   reclass     after a packet: move it if its class is no longer `before`
 *   admit       may a session from `src` be created now?  Evicts one if the
 *               table is full (evict); 0 with *reason and the refusal counted
 *   created / ended   quota counts and accelerated aging follow the table
 *   sweep       `ticks` passed: reschedule a slice after aging accelerated
 */
int sw_press_init(struct sw_engine *e, uint64_t seed);
void sw_press_free(struct sw_engine *e);
void sw_press_conf(struct sw_engine *e, uint32_t old_quota);
/* The eviction class of a session: a pure function of its hot record. */
static inline int sw_press_class(const struct sw_sess *s)
{
	if (s->flags & SW_SF_DISCARD)
		return SW_EC_DISCARD;
	if (s->proto == 6) {
		if (s->ended_by != SW_NO_END)
			return SW_EC_CLOSING;
		if (s->peer[0].state < SW_TCPS_ESTABLISHED || s->peer[1].state < SW_TCPS_ESTABLISHED)
			return SW_EC_UNESTABLISHED;
		return (s->flags & SW_SF_HALFCLOSED) ? SW_EC_HALF_CLOSED : SW_EC_ESTABLISHED;
	}
	return s->pkts[0] && s->pkts[1] ? SW_EC_ESTABLISHED : SW_EC_UNESTABLISHED;
}
void sw_press_link(struct sw_engine *e, uint32_t idx);
/*
 * The class of the list session idx is on (SW_EC_MAX: none): O(1) at either
 * end of it (a new session, an eviction victim), else a walk to its tail.
 */
int sw_press_listed(const struct sw_engine *e, uint32_t idx);
void sw_press_reclass(struct sw_engine *e, uint32_t idx, int before);
int sw_press_admit(struct sw_engine *e, const struct sw_addr *src, int *reason);
void sw_press_created(struct sw_engine *e, uint32_t idx);
void sw_press_ended(struct sw_engine *e, uint32_t idx);
void sw_press_update(struct sw_engine *e);
void sw_press_sweep(struct sw_engine *e, uint32_t ticks);
void sw_press_src_key(const struct sw_addr *a, uint32_t k[2], uint32_t *v6);
uint32_t sw_press_src_count(const struct sw_engine *e, const uint32_t k[2], uint32_t v6);
size_t sw_press_bytes_per_session(const struct sw_engine *e, int with_quota);
/* The deadline a session has without accelerated aging (the sweep's lag). */
static inline sw_tick_t sw_engine_deadline_normal(const struct sw_engine *e, const struct sw_sess *s)
{
	if (s->flags & SW_SF_FIXED)
		return e->tab.cold[s - e->tab.sess].deadline;
	return s->last_seen + e->to[s->timer];
}

#endif
