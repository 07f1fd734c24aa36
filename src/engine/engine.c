/*
 * engine.c - the packet path: parse, look up, track, time, decide.
 *
 * sw_engine_packet() reads top to bottom like pf_test():
 *   1. let time pass (expire what is due);
 *   2. build the packet descriptor (parse);
 *   3. fragments and ICMP errors go to their own small paths;
 *   4. look the session up; a session whose deadline passed is ended here,
 *      so expiry is exact whatever the wheel's granularity;
 *   5. no session: tombstone check (late packet of an ended session), TCP
 *      SYN check, security rules, create;
 *   6. track (TCP per direction, or the simple UDP/ICMP/other trackers);
 *   7. recompute the timer in force when the tracker reported an event.
 *
 * Timers (tables.h, PAN-OS names) and half-close modes are in timers.c.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "engine/engine_int.h"
#include "pkt/seg.h"
#include "track/tcp.h"
#include "track/zeek.h"
#include "util/bug.h"


static inline sw_tick_t to_tick(const struct sw_engine *e, sw_time_t t)
{
	return (sw_tick_t)((t - e->epoch) / (SW_NS_PER_SEC / SW_TICK_HZ));
}

sw_time_t sw_engine_tick_time(const struct sw_engine *e, sw_tick_t t)
{
	/* Ticks are relative to the epoch; interpret them near `now`. */
	int32_t d = (int32_t)(t - e->now);
	return e->now_ns + (sw_time_t)d * (SW_NS_PER_SEC / SW_TICK_HZ) -
	       (e->now_ns - e->epoch) % (SW_NS_PER_SEC / SW_TICK_HZ);
}

int sw_engine_create(struct sw_engine **out, const struct sw_conf *conf)
{
	struct sw_engine *e;
	uint64_t seed = 0x5eedULL;
	char err[256];
	int rc;

	*out = NULL;
	if (sw_conf_validate(conf, err, sizeof(err)) < 0)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->conf = *conf;
	sw_engine_load_timeouts(e);
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed ^= (uint64_t)(uintptr_t)e;
	rc = sw_table_init(&e->tab, conf->max_sessions, seed);
	if (rc < 0) {
		free(e);
		return rc;
	}
	rc = sw_tomb_init(&e->tomb, conf->max_tombstones);
	if (rc < 0) {
		sw_table_free(&e->tab);
		free(e);
		return rc;
	}
	rc = sw_press_init(e, seed ^ 0x9e3779b97f4a7c15ull);
	if (rc < 0) {
		sw_tomb_free(&e->tomb);
		sw_table_free(&e->tab);
		free(e);
		return rc;
	}
	sw_wheel_init(&e->wheel, 0);
	if (sw_engine_tun_conf(e) < 0) {
		sw_press_free(e);
		sw_tomb_free(&e->tomb);
		sw_table_free(&e->tab);
		free(e);
		return -ENOMEM;
	}
	e->st.max_sessions = conf->max_sessions;
	e->st.bytes_per_session =
		sw_table_bytes_per_session(&e->tab, 0) + sw_press_bytes_per_session(e, 0) +
		(e->tun ? sizeof(*e->tun) : 0);
	*out = e;
	return 0;
}

void sw_engine_destroy(struct sw_engine *e)
{
	if (!e)
		return;
	sw_press_free(e);
	sw_tomb_free(&e->tomb);
	sw_table_free(&e->tab);
	free(e->tun);
	free(e);
}

const struct sw_conf *sw_engine_conf(const struct sw_engine *e)
{
	return &e->conf;
}

void sw_engine_on_end(struct sw_engine *e, sw_end_fn fn, void *ctx)
{
	e->on_end = fn;
	e->on_end_ctx = ctx;
}

void sw_engine_on_reset(struct sw_engine *e, sw_rst_fn fn, void *ctx)
{
	e->on_reset = fn;
	e->on_reset_ctx = ctx;
}

void sw_engine_on_event(struct sw_engine *e, sw_event_fn fn, void *ctx)
{
	e->on_event = fn;
	e->on_event_ctx = ctx;
}

sw_time_t sw_engine_now(const struct sw_engine *e)
{
	return e->now_ns;
}

void sw_engine_stats(const struct sw_engine *e, struct sw_stats *st)
{
	*st = e->st;
	st->ctr[SW_CTR_BUGS] = sw_bug_count();
	st->active = e->tab.count;
	st->tombstones = e->tomb.count;
	st->sources_at_quota = e->conf.max_per_source ? e->press.at_quota : 0;
	st->accelerating = e->press.accel;
}

void sw_stats_add(struct sw_stats *sum, const struct sw_stats *s)
{
	for (int k = 0; k < SW_CTR_MAX; k++)
		sum->ctr[k] += s->ctr[k];
	for (int k = 0; k < SW_DROP_MAX; k++)
		sum->drop[k] += s->drop[k];
	for (int k = 0; k < SW_END_MAX; k++)
		sum->end[k] += s->end[k];
	for (int k = 0; k < SW_TO_MAX; k++)
		sum->end_timer[k] += s->end_timer[k];
	for (int k = 0; k < 4; k++)
		sum->active_proto[k] += s->active_proto[k];
	sum->active += s->active;
	sum->peak += s->peak;
	sum->tombstones += s->tombstones;
	sum->half_closed += s->half_closed;
	sum->discard += s->discard;
	sum->max_sessions += s->max_sessions;
	sum->bytes_per_session = s->bytes_per_session;
	sum->sources_at_quota += s->sources_at_quota;
	sum->accelerating |= s->accelerating;
}

/* ---- session end --------------------------------------------------------- */

int sw_engine_proto_slot(uint8_t proto)
{
	switch (proto) {
	case 6: return 0;
	case 17: return 1;
	case 1: case 58: return 2;
	default: return 3;
	}
}

/* sw_engine_fill_info for a caller that already rebuilt the session's key k. */
static void fill_info(const struct sw_engine *e, uint32_t idx, const struct sw_key *k,
		      struct sw_sess_info *si)
{
	const struct sw_sess *s = &e->tab.sess[idx];
	const struct sw_sess_cold *c = &e->tab.cold[idx];
	int o = (s->flags & SW_SF_ORIG1) ? 1 : 0;

	memset(si, 0, sizeof(*si));
	si->id = idx + 1;
	si->proto = s->proto;
	si->family = (s->flags & SW_SF_V6) ? 6 : 4;
	si->orig_h = k->a[o];
	si->orig_p = k->p[o];
	si->resp_h = k->a[!o];
	si->resp_p = k->p[!o];
	si->start = sw_engine_tick_time(e, c->start);
	si->last_seen = sw_engine_tick_time(e, s->last_seen);
	si->half_closed_at = (s->flags & SW_SF_HALFCLOSED) ? sw_engine_tick_time(e, c->hc_at) : 0;
	si->expires = sw_engine_tick_time(e, sw_engine_deadline(e, s) + 1);
	si->timer = s->timer;
	si->timer_fixed = (s->flags & SW_SF_FIXED) != 0;
	sw_engine_timer_source(e, idx, s->timer, si);
	if (c->rule && c->rule <= e->conf.nrules && e->conf.rules[c->rule - 1].nsvc) {
		struct sw_flow f = {.src = si->orig_h, .dst = si->resp_h, .sport = si->orig_p,
				    .dport = si->resp_p, .proto = s->proto, .family = si->family};
		int sv = sw_conf_rule_service(&e->conf, &e->conf.rules[c->rule - 1], &f);
		if (sv >= 0)
			memcpy(si->service, e->conf.services[sv].name, sizeof(si->service));
	}
	si->reset_mode = s->proto == 6 && !(s->flags & SW_SF_DISCARD)
				 ? e->prof[(s->tflags & SW_TF_PROF) ? c->prof : 0].reset
				 : SW_RST_MODES;
	si->state[0] = s->proto == 6 ? s->peer[0].state : 0;
	si->state[1] = s->proto == 6 ? s->peer[1].state : 0;
	si->picked_up = (s->flags & SW_SF_PICKUP) != 0;
	si->discard = (s->flags & SW_SF_DISCARD) != 0;
	si->rule = c->rule;
	if (e->press.accel && !(s->flags & SW_SF_FIXED))
		si->accel_factor = (uint8_t)e->conf.accel_factor;
	sw_zeek_history(c, si->history, sizeof(si->history));
	si->flipped = si->history[0] == '^';
	si->conn_state = sw_zeek_conn_state(s, c);
	for (int d = 0; d < 2; d++) {
		si->pkts[d] = s->pkts[d];
		si->ip_bytes[d] = (uint64_t)c->bytes_wraps[d] << 32 | s->bytes[d];
	}
	sw_engine_tun_info(e, idx, si);
}

void sw_engine_fill_info(const struct sw_engine *e, uint32_t idx, struct sw_sess_info *si)
{
	struct sw_key k;

	sw_table_key(&e->tab, idx, &k);
	fill_info(e, idx, &k, si);
}

/*
 * reset-on-expiry for TCP session idx that a timer ended (engine.h,
 * struct sw_rst): an RST to each end if its policy asks for it and both
 * sides' sequence numbers are known.
 */
static void expiry_reset(struct sw_engine *e, uint32_t idx, struct sw_sess_info *si)
{
	const struct sw_sess *s = &e->tab.sess[idx];
	unsigned m = si->reset_mode; /* SW_RST_MODES: not TCP, or a discard session */

	if (m >= SW_RST_MODES || m == SW_RST_NONE ||
	    (m == SW_RST_HALF_CLOSED && !(s->flags & SW_SF_HALFCLOSED)))
		return;
	if (!(s->peer[0].wscale & s->peer[1].wscale & SW_WS_INIT)) {
		si->expiry_reset = SW_XR_NO_SEQ;
		e->st.ctr[SW_CTR_RST_EXPIRY_UNKNOWN]++;
		return;
	}
	si->expiry_reset = SW_XR_SENT;
	e->st.ctr[SW_CTR_RST_EXPIRY] += 2;
	if (!e->on_reset)
		return;
	for (int to = 0; to < 2; to++) {
		/* to the end `to`, as if from the other one */
		struct sw_rst r = {.sess = si->id, .family = si->family, .to = (uint8_t)to,
				   .seq = s->peer[!to].end, .ack = s->peer[to].end};
		r.src = to ? si->orig_h : si->resp_h;
		r.dst = to ? si->resp_h : si->orig_h;
		r.sport = to ? si->orig_p : si->resp_p;
		r.dport = to ? si->resp_p : si->orig_p;
		e->on_reset(e->on_reset_ctx, &r);
	}
}

/*
 * End session idx at tick `at` with `reason` (and the timer that fired, for
 * aged-out).  Its record goes to the tombstones (logged when they retire) or,
 * for reasons after which no packet can be late, straight to the log.
 */
static void end_session(struct sw_engine *e, uint32_t idx, int reason, int timer, sw_tick_t at)
{
	struct sw_sess *s = &e->tab.sess[idx];
	struct sw_tomb_ent *t;
	struct sw_sess_info si;
	struct sw_key k;
	uint64_t h;

	/* One key for the record, the index and the tombstone. */
	sw_table_key(&e->tab, idx, &k);
	h = sw_key_hash(&e->tab, &k);
	fill_info(e, idx, &k, &si);
	si.end_reason = (uint8_t)reason;
	si.timer = (uint8_t)timer;
	sw_engine_timer_source(e, idx, (unsigned)timer, &si);
	si.end = sw_engine_tick_time(e, at);
	si.expires = 0;
	if (reason != SW_END_AGED_OUT)
		si.accel_factor = 0; /* only an idle timer that fired was accelerated */
	else if (si.accel_factor)
		e->st.ctr[SW_CTR_ACCEL_AGED]++;
	if (reason == SW_END_AGED_OUT)
		expiry_reset(e, idx, &si);
	if (reason == SW_END_EVICTED)
		si.evict_class = (uint8_t)sw_press_listed(e, idx);
	e->st.end[reason]++;
	e->st.ctr[SW_CTR_SESS_ENDED]++;
	if (reason == SW_END_AGED_OUT && timer < SW_TO_MAX)
		e->st.end_timer[timer]++;
	e->st.active_proto[sw_engine_proto_slot(s->proto)]--;
	if (s->flags & SW_SF_HALFCLOSED)
		e->st.half_closed--;
	if (s->flags & SW_SF_DISCARD)
		e->st.discard--;
	if (e->on_event)
		sw_engine_emit(e, SW_EV_END, &si, si.end, 0, SW_TO_MAX, SW_TO_MAX);

	sw_wheel_unlink(&e->wheel, e->tab.cold, idx);
	sw_press_ended(e, idx);
	sw_table_remove_hashed(&e->tab, idx, h);
	sw_press_update(e);

	if (e->flushing || e->tomb.cap == 0) {
		if (e->on_end)
			e->on_end(e->on_end_ctx, &si);
		return;
	}
	t = sw_tomb_add(&e->tomb, &k, h, &si,
			at + e->conf.tombstone_ttl * SW_TICK_HZ, e->on_end, e->on_end_ctx);
	(void)t;
	e->st.ctr[SW_CTR_TOMBSTONES]++;
}

/* Why a session whose deadline passed ends. */
static int expiry_reason(const struct sw_sess *s)
{
	if (s->flags & SW_SF_DISCARD)
		return SW_END_POLICY_DENY;
	if (s->proto == 6 && s->ended_by != SW_NO_END)
		return s->ended_by;
	if (s->proto == 6 && (s->flags & SW_SF_RSTPEND))
		return (s->peer[0].wscale & SW_WS_RSTPEND) ? SW_END_TCP_RST_CLIENT
							     : SW_END_TCP_RST_SERVER;
	return SW_END_AGED_OUT;
}

void sw_engine_expire(struct sw_engine *e, uint32_t idx)
{
	struct sw_sess *s = &e->tab.sess[idx];

	end_session(e, idx, expiry_reason(s), s->timer, sw_engine_deadline(e, s) + 1);
}

_Static_assert(SW_CTR_EVICT_HALF_CLOSED - SW_CTR_EVICT_DISCARD == SW_EC_HALF_CLOSED - SW_EC_DISCARD,
	       "one eviction counter per class, in class order");

void sw_engine_evict(struct sw_engine *e, uint32_t idx, int cls)
{
	e->st.ctr[SW_CTR_EVICT_DISCARD + cls]++;
	end_session(e, idx, SW_END_EVICTED, SW_TO_MAX, e->now);
}

static void wheel_fire(void *ctx, uint32_t idx)
{
	struct sw_engine *e = ctx;
	struct sw_sess *s = &e->tab.sess[idx];
	sw_tick_t d = sw_engine_deadline(e, s);

	if (sw_tick_after(e->now, d))
		sw_engine_expire(e, idx);
	else
		sw_wheel_schedule(&e->wheel, e->tab.cold, idx, d + 1);
}

/* Move time forward by at most SW_TICK_STEP: fire the wheel and retire tombstones. */
static void step_to(struct sw_engine *e, sw_time_t now)
{
	sw_tick_t t = to_tick(e, now);

	e->now_ns = now;
	if (t == e->now)
		return; /* same millisecond: nothing can be due that was not before */
	e->next_tick_ns = e->epoch + ((sw_time_t)t + 1) * (SW_NS_PER_SEC / SW_TICK_HZ);
	if (e->press.sweep_left)
		sw_press_sweep(e, t - e->now);
	e->now = t;
	sw_wheel_advance(&e->wheel, e->tab.cold, e->now, wheel_fire, e);
	sw_tomb_expire(&e->tomb, e->now, e->on_end, e->on_end_ctx);
}

/*
 * A time in the current millisecond only moves now_ns (never backwards):
 * nothing can be due that was not before.  1 if that was all; inline, so the
 * burst pays no call per packet.
 */
static inline int same_tick(struct sw_engine *e, sw_time_t now)
{
	if (!e->started || now >= e->next_tick_ns)
		return 0;
	if (now > e->now_ns)
		e->now_ns = now;
	return 1;
}

void sw_engine_advance(struct sw_engine *e, sw_time_t now)
{
	const sw_time_t step = (sw_time_t)SW_TICK_STEP * (SW_NS_PER_SEC / SW_TICK_HZ);

	if (same_tick(e, now))
		return;
	if (!e->started) {
		/* The clock starts at the first packet, on a whole millisecond. */
		e->epoch = now - now % (SW_NS_PER_SEC / SW_TICK_HZ);
		e->now_ns = now;
		e->now = 0;
		e->next_tick_ns = e->epoch + SW_NS_PER_SEC / SW_TICK_HZ;
		e->started = 1;
		sw_wheel_init(&e->wheel, 0);
		return;
	}
	if (now <= e->now_ns)
		return; /* time never runs backwards (unordered captures) */
	/*
	 * A silence longer than a step (capture gaps of days or years): walk it
	 * one day at a time, so that every live tick stays within 2^31 of now and
	 * each step ends what was due by then.  Once nothing is left to end, the
	 * rest of the gap is one jump.
	 */
	while (now - e->now_ns > step && (e->tab.count || e->tomb.count))
		step_to(e, e->now_ns + step);
	step_to(e, now);
}

/*
 * The flush walks the pool in order, but ending a session rewrites lines at
 * random: its index bucket, its neighbours on the timing wheel and on its
 * eviction list.  Fetch those FLUSH_AHEAD sessions ahead.
 */
#define FLUSH_AHEAD 8

static void flush_prefetch(const struct sw_engine *e, uint32_t idx)
{
	const struct sw_sess_cold *c = &e->tab.cold[idx];
	struct sw_key k;

	sw_table_key(&e->tab, idx, &k);
	sw_table_prefetch(&e->tab, sw_key_hash(&e->tab, &k));
	if (c->tw_next != SW_IDX_NONE)
		sw_prefetch(&e->tab.cold[c->tw_next]);
	if (c->tw_prev != SW_IDX_NONE && !(c->tw_prev & SW_TW_HEAD))
		sw_prefetch(&e->tab.cold[c->tw_prev]);
	if (!(c->ev_next & SW_EVL_END))
		sw_prefetch(&e->tab.cold[c->ev_next]);
	if (!(c->ev_prev & SW_EVL_END))
		sw_prefetch(&e->tab.cold[c->ev_prev]);
}

void sw_engine_flush(struct sw_engine *e, enum sw_end reason)
{
	/* Sessions that ended earlier are logged first, so the log stays in end order. */
	sw_tomb_flush(&e->tomb, e->on_end, e->on_end_ctx);
	e->flushing = 1;
	for (uint32_t i = 0; i < e->tab.hwm; i++) {
		struct sw_sess *s = &e->tab.sess[i];
		uint32_t a = i + FLUSH_AHEAD;

		if (a < e->tab.hwm && (e->tab.sess[a].flags & SW_SF_INUSE))
			flush_prefetch(e, a);
		if (!(s->flags & SW_SF_INUSE))
			continue;
		if (sw_tick_after(e->now, sw_engine_deadline(e, s)))
			sw_engine_expire(e, i);
		else if (s->proto == 6 && s->ended_by != SW_NO_END)
			end_session(e, i, s->ended_by, SW_TO_MAX, e->now); /* closed, lingering */
		else
			end_session(e, i, reason, SW_TO_MAX, e->now);
	}
	e->flushing = 0;
}

int sw_engine_clear(struct sw_engine *e, uint32_t id)
{
	uint32_t idx = id - 1;

	if (id == 0 || idx >= e->tab.hwm || !(e->tab.sess[idx].flags & SW_SF_INUSE))
		return -ENOENT;
	end_session(e, idx, SW_END_CLEARED, SW_TO_MAX, e->now);
	return 0;
}

int sw_engine_session(const struct sw_engine *e, uint32_t id, struct sw_sess_info *si)
{
	uint32_t idx = id - 1;

	if (id == 0 || idx >= e->tab.hwm || !(e->tab.sess[idx].flags & SW_SF_INUSE))
		return -ENOENT;
	sw_engine_fill_info(e, idx, si);
	return 0;
}

unsigned sw_engine_walk(const struct sw_engine *e, uint32_t *cursor, unsigned max, sw_sess_fn fn,
			void *ctx)
{
	unsigned n = 0;
	uint32_t i = *cursor ? *cursor - 1 : 0;
	/* Bound the slots looked at too, so a sparse table never makes one slice long. */
	uint64_t budget = (uint64_t)max * 16 + 64;
	struct sw_sess_info si;

	for (; i < e->tab.hwm && n < max && budget; i++, budget--) {
		if (!(e->tab.sess[i].flags & SW_SF_INUSE))
			continue;
		sw_engine_fill_info(e, i, &si);
		n++;
		if (fn(ctx, &si)) {
			i++;
			break;
		}
	}
	*cursor = i < e->tab.hwm ? i + 1 : 0;
	return n;
}

/* ---- the packet path ------------------------------------------------------ */

static inline struct sw_verdict verdict(struct sw_engine *e, int reason, uint32_t idx, int dir)
{
	struct sw_verdict v = {
		.action = reason == SW_DROP_NONE ? SW_PASS : SW_DROP,
		.reason = (uint8_t)reason,
		.dir = (uint8_t)dir,
		.sess = idx == SW_IDX_NONE ? 0 : idx + 1,
	};
	if (reason == SW_DROP_NONE) {
		e->st.ctr[SW_CTR_FORWARDED]++;
	} else {
		e->st.ctr[SW_CTR_DROPPED]++;
		e->st.drop[reason]++;
	}
	return v;
}

static void account(struct sw_engine *e, uint32_t idx, int dir, uint32_t ip_len)
{
	struct sw_sess *s = &e->tab.sess[idx];

	if (s->pkts[dir] != UINT32_MAX)
		s->pkts[dir]++;
	if (s->bytes[dir] + ip_len < s->bytes[dir]) {
		/* Wraps (once per 4 GiB): counted in the cold record, up to 2^48 bytes. */
		uint16_t *w = &e->tab.cold[idx].bytes_wraps[dir];
		if (*w == UINT16_MAX) {
			s->bytes[dir] = UINT32_MAX;
			return;
		}
		(*w)++;
	}
	s->bytes[dir] += ip_len;
}

/* Remember a first fragment's verdict so its later fragments follow it. */
static void frag_note(struct sw_engine *e, const struct sw_pkt *p, uint32_t idx, int pass)
{
	struct sw_frag *f = &e->frag[e->frag_next++ % SW_FRAG_SLOTS];

	f->src = p->flow.src;
	f->dst = p->flow.dst;
	f->id = p->frag_id;
	f->proto = p->flow.proto;
	f->sess = idx;
	f->pass = (uint8_t)pass;
	f->used = 1;
}

static struct sw_verdict frag_later(struct sw_engine *e, const struct sw_pkt *p)
{
	for (unsigned i = 0; i < SW_FRAG_SLOTS; i++) {
		struct sw_frag *f = &e->frag[i];
		if (f->used && f->id == p->frag_id && f->proto == p->flow.proto &&
		    !memcmp(&f->src, &p->flow.src, sizeof(f->src)) &&
		    !memcmp(&f->dst, &p->flow.dst, sizeof(f->dst))) {
			uint32_t idx = f->sess;
			e->st.ctr[SW_CTR_FRAG_LATER]++;
			if (idx != SW_IDX_NONE && (e->tab.sess[idx].flags & SW_SF_INUSE)) {
				struct sw_key k;
				sw_key_from_flow(&k, &p->flow);
				int dir = k.swapped ^ !!(e->tab.sess[idx].flags & SW_SF_ORIG1);
				account(e, idx, dir, p->ip_len);
			}
			return verdict(e, f->pass ? SW_DROP_NONE : SW_DROP_FRAGMENT, idx, 0);
		}
	}
	return verdict(e, SW_DROP_FRAGMENT, SW_IDX_NONE, 0);
}

static struct sw_verdict icmp_error(struct sw_engine *e, const struct sw_pkt *p)
{
	struct sw_key k;
	uint32_t idx;

	/* The quoted packet belongs to a session; the error never creates one. */
	sw_key_from_flow(&k, &p->inner);
	idx = sw_table_lookup(&e->tab, &k, sw_key_hash(&e->tab, &k));
	if (idx == SW_IDX_NONE || sw_tick_after(e->now, sw_engine_deadline(e, &e->tab.sess[idx])))
		return verdict(e, SW_DROP_BAD_ICMP_ERROR, SW_IDX_NONE, 0);
	if (e->tab.sess[idx].flags & SW_SF_DISCARD)
		return verdict(e, SW_DROP_POLICY_DENY, idx, 0);
	e->st.ctr[SW_CTR_ICMP_ERR_MATCHED]++;
	/* The error travels opposite to the packet it quotes. */
	return verdict(e, SW_DROP_NONE, idx, !(k.swapped ^ !!(e->tab.sess[idx].flags & SW_SF_ORIG1)));
}

/* Limited broadcast or multicast destination: nobody answers from there. */
static int sw_addr_multicast(const struct sw_flow *f)
{
	const uint8_t *d = f->dst.b;

	if (f->family == 4)
		return d[12] >= 224 || (d[12] == 255 && d[13] == 255 && d[14] == 255 && d[15] == 255);
	return d[0] == 0xff;
}

/*
 * Create a session for the packet's flow (the packet's source is the
 * originator unless a pickup or UDP guess flips it); SW_IDX_NONE with
 * *reason = resources-unavailable when the table is full.
 */
static uint32_t create(struct sw_engine *e, struct sw_key *k, uint64_t h, const struct sw_pkt *p,
		       int pickup, int deny, int rule, unsigned prof, int *reason)
{
	uint32_t idx;
	struct sw_sess *s;
	struct sw_sess_cold *c;
	int flip = 0;

	if (pickup) {
		/* Zeek's guess: a SYN-ACK comes from the responder; else a likely server port serves. */
		uint16_t sp = p->flow.sport, dp = p->flow.dport;
		if ((p->th_flags & (SW_TH_SYN | SW_TH_ACK)) == (SW_TH_SYN | SW_TH_ACK))
			flip = 1;
		else if (sw_zeek_likely_server_port(6, sp))
			flip = !sw_zeek_likely_server_port(6, dp) || sp < dp;
	} else if (p->flow.proto == 17 && !deny) {
		/* Zeek: a reply from a likely server port to a client port, unless broadcast. */
		flip = sw_zeek_likely_server_port(17, p->flow.sport) &&
		       !sw_zeek_likely_server_port(17, p->flow.dport) && !sw_addr_multicast(&p->flow);
	}
	/* Refused, not ended: the end reasons add up to the sessions ended. */
	if (!sw_press_admit(e, flip ? &p->flow.dst : &p->flow.src, reason))
		return SW_IDX_NONE;
	idx = sw_table_insert(&e->tab, k, h);
	if (!SW_CHECK(idx != SW_IDX_NONE)) { /* admitted: a slot is free */
		*reason = SW_DROP_RESOURCES;
		e->st.ctr[SW_CTR_SESS_REFUSED]++;
		return SW_IDX_NONE;
	}
	s = &e->tab.sess[idx];
	c = &e->tab.cold[idx];
	if (flip)
		s->flags ^= SW_SF_ORIG1;
	c->start = e->now;
	s->last_seen = e->now;
	c->rule = (uint16_t)rule;
	if (e->tun)
		e->tun[idx] = e->tun_cur;
	sw_engine_set_profile(e, s, prof);
	e->st.ctr[SW_CTR_SESS_CREATED]++;
	e->st.active_proto[sw_engine_proto_slot(p->flow.proto)]++;
	if (e->tab.count > e->st.peak)
		e->st.peak = e->tab.count;

	if (deny) {
		int t = p->flow.proto == 6 ? SW_TO_DISCARD_TCP
			: p->flow.proto == 17 ? SW_TO_DISCARD_UDP : SW_TO_DISCARD_DEFAULT;
		s->flags |= SW_SF_DISCARD;
		e->st.discard++;
		sw_engine_set_fixed(e, s, t, e->now + sw_engine_to(e, s, t));
	} else if (p->flow.proto == 6) {
		if (flip) {
			/* Track from the responder's view: its SYN-ACK or segment came first. */
			sw_tcp_init(s, p, 1);
			struct sw_peer tmp = s->peer[0];
			s->peer[0] = s->peer[1];
			s->peer[1] = tmp;
		} else {
			sw_tcp_init(s, p, pickup);
		}
		if (pickup) {
			s->flags |= SW_SF_PICKUP;
			e->st.ctr[SW_CTR_PICKUPS]++;
			sw_engine_set_idle(s, SW_TO_TCP);
		} else {
			sw_engine_set_fixed(e, s, SW_TO_TCPINIT, e->now + sw_engine_to(e, s, SW_TO_TCPINIT));
		}
	} else if (p->flow.proto == 17) {
		sw_engine_set_idle(s, SW_TO_UDP);
	} else if (p->flow.proto == 1 || p->flow.proto == 58) {
		sw_engine_set_idle(s, SW_TO_ICMP);
	} else {
		sw_engine_set_idle(s, SW_TO_DEFAULT);
	}
	if (flip)
		sw_zeek_flip(s, c);
	sw_press_created(e, idx);
	sw_press_link(e, idx);
	sw_wheel_schedule(&e->wheel, e->tab.cold, idx, sw_engine_deadline(e, s) + 1);
	return idx;
}

static struct sw_verdict new_session(struct sw_engine *e, struct sw_key *k, uint64_t h,
				     const struct sw_pkt *p)
{
	int pickup = 0, reason = SW_DROP_NONE, rule_idx = 0, dir;
	enum sw_action act;
	const struct sw_rule *rule;
	uint32_t idx;

	if (p->flow.proto == 6) {
		uint8_t fl = p->th_flags;
		if ((fl & (SW_TH_SYN | SW_TH_FIN)) == (SW_TH_SYN | SW_TH_FIN) ||
		    (fl & (SW_TH_SYN | SW_TH_RST)) == (SW_TH_SYN | SW_TH_RST))
			return verdict(e, SW_DROP_BAD_TCP_FLAGS, SW_IDX_NONE, 0);
		if ((fl & (SW_TH_SYN | SW_TH_ACK | SW_TH_RST)) != SW_TH_SYN) {
			struct sw_tomb_ent *t = sw_tomb_find(&e->tomb, k, h);
			if (!e->conf.tcp_reject_non_syn) {
				pickup = 1;
			} else if (t) {
				t->info.late_pkts++;
				t->info.late_bytes += p->ip_len;
				e->st.ctr[SW_CTR_LATE_PKTS]++;
				if (t->info.late_pkts == 1 && e->on_event)
					sw_engine_emit(e, SW_EV_LATE, &t->info, e->now_ns, 0, SW_TO_MAX,
						       SW_TO_MAX);
				/* Counted against the session that ended, by its id. */
				return verdict(e, SW_DROP_SESSION_AGED_OUT, t->info.id - 1, 0);
			} else {
				return verdict(e, SW_DROP_NON_SYN_TCP, SW_IDX_NONE, 0);
			}
		}
	}
	rule = sw_conf_match(&e->conf, &p->flow, &act);
	if (rule)
		rule_idx = (int)(rule - e->conf.rules) + 1;
	idx = create(e, k, h, p, pickup, act == SW_ACT_DENY, rule_idx,
		     sw_engine_profile(e, (unsigned)rule_idx, &p->flow), &reason);
	if (idx == SW_IDX_NONE)
		return verdict(e, reason, SW_IDX_NONE, 0);
	dir = k->swapped ^ !!(e->tab.sess[idx].flags & SW_SF_ORIG1);
	account(e, idx, dir, p->ip_len);
	if (act == SW_ACT_DENY) {
		if (e->on_event)
			sw_engine_emit_live(e, idx, SW_EV_START, dir, SW_TO_MAX, SW_TO_MAX);
		if (p->pflags & SW_PF_FRAG_FIRST)
			frag_note(e, p, idx, 0);
		return verdict(e, SW_DROP_POLICY_DENY, idx, dir);
	}
	if (p->flow.proto == 6) {
		struct sw_sess *s = &e->tab.sess[idx];
		sw_zeek_tcp(s, &e->tab.cold[idx], dir, p, pickup ? 0 : SW_EV_SYN);
		if (e->on_event)
			sw_engine_emit_live(e, idx, SW_EV_START, dir, SW_TO_MAX, SW_TO_MAX);
		if (pickup && (p->th_flags & (SW_TH_FIN | SW_TH_RST))) {
			/*
			 * Picked up by a FIN or RST: the close starts now, as for any other.
			 * The only first packet that changes the session's eviction class.
			 */
			int t0 = s->timer, before = sw_press_class(s);
			sw_engine_tcp_retime(e, s, &e->tab.cold[idx],
				   (p->th_flags & SW_TH_RST) ? SW_EV_RST : SW_EV_FIN, dir, e->now);
			if (s->flags & SW_SF_HALFCLOSED)
				e->st.half_closed++;
			sw_wheel_schedule(&e->wheel, e->tab.cold, idx, sw_engine_deadline(e, s) + 1);
			if (e->on_event)
				sw_engine_emit_changes(e, idx, dir, 0, t0);
			sw_press_reclass(e, idx, before);
		}
	} else {
		sw_zeek_other(&e->tab.sess[idx], &e->tab.cold[idx], dir, p);
		if (e->on_event)
			sw_engine_emit_live(e, idx, SW_EV_START, dir, SW_TO_MAX, SW_TO_MAX);
	}
	if (p->pflags & SW_PF_FRAG_FIRST)
		frag_note(e, p, idx, 1);
	return verdict(e, SW_DROP_NONE, idx, dir);
}

/* A TCP segment's consequences once the tracker has decided (reason, events). */
static struct sw_verdict tcp_tracked(struct sw_engine *e, uint32_t idx, int dir,
				     const struct sw_pkt *p, int reason, unsigned ev, int was_hc)
{
	struct sw_sess *s = &e->tab.sess[idx];
	struct sw_sess_cold *c = &e->tab.cold[idx];

	sw_zeek_tcp(s, c, dir, p, ev);
	if (ev & SW_EV_WINDOW_LOOSE)
		e->st.ctr[SW_CTR_WINDOW_PASSED]++;
	if (ev & SW_EV_SYN_RETRANS)
		e->st.ctr[SW_CTR_SYN_RETRANS]++;
	if (ev & SW_EV_FIN_RETRANS)
		e->st.ctr[SW_CTR_FIN_RETRANS]++;
	if (ev & SW_EV_RST_INEXACT)
		e->st.ctr[SW_CTR_RST_UNVERIFIED]++;
	if (reason != SW_DROP_NONE) {
		if (p->pflags & SW_PF_FRAG_FIRST)
			frag_note(e, p, idx, 0);
		return verdict(e, reason, idx, dir);
	}
	/*
	 * half-closed-refresh open-side: once half-closed, the side that
	 * sent its FIN (ACKs, FIN retransmissions) no longer keeps the
	 * session alive; only the open side does.
	 */
	if (!(ev & SW_EV_SYN_RETRANS) &&
	    !(e->conf.hc_refresh && (s->flags & SW_SF_HALFCLOSED) &&
	      s->peer[dir].state >= SW_TCPS_FIN_SENT))
		s->last_seen = e->now;
	if (ev || (s->flags & SW_SF_RSTPEND) || (s->tflags & SW_TF_SYNCHAL)) {
		int t0 = s->timer;
		sw_engine_tcp_retime(e, s, c, ev, dir, e->now);
		/*
		 * A shorter idle timer (first FIN in idle mode) must move the
		 * session too: the wheel may look early, never late.
		 */
		if (s->timer != t0 && !(s->flags & SW_SF_FIXED))
			sw_wheel_schedule(&e->wheel, e->tab.cold, idx, sw_engine_deadline(e, s) + 1);
		if (e->on_event)
			sw_engine_emit_changes(e, idx, dir, was_hc, t0);
	}
	if (!was_hc && (s->flags & SW_SF_HALFCLOSED))
		e->st.half_closed++;
	/* The timer may have shortened: put the session where it now belongs. */
	if (s->flags & SW_SF_FIXED)
		sw_wheel_schedule(&e->wheel, e->tab.cold, idx, c->deadline + 1);
	if (p->pflags & SW_PF_FRAG_FIRST)
		frag_note(e, p, idx, 1);
	return verdict(e, SW_DROP_NONE, idx, dir);
}

static struct sw_verdict track(struct sw_engine *e, uint32_t idx, int dir, const struct sw_pkt *p)
{
	struct sw_sess *s = &e->tab.sess[idx];
	int was_hc = (s->flags & SW_SF_HALFCLOSED) != 0;
	unsigned ev = 0;

	account(e, idx, dir, p->ip_len);
	if (s->flags & SW_SF_DISCARD)
		return verdict(e, SW_DROP_POLICY_DENY, idx, dir);
	if (s->proto == 6) {
		int reason = sw_tcp_track(s, p, dir, e->conf.tcp_window_check, &ev);
		return tcp_tracked(e, idx, dir, p, reason, ev, was_hc);
	}
	sw_zeek_other(s, &e->tab.cold[idx], dir, p);
	s->last_seen = e->now;
	if (p->pflags & SW_PF_FRAG_FIRST)
		frag_note(e, p, idx, 1);
	return verdict(e, SW_DROP_NONE, idx, dir);
}

/*
 * The packet most packets are: an ACK or data segment of an established TCP
 * session on an idle timer (not half-closed, not closing, no RST or SYN
 * challenge pending, not a discard session, not picked up), whose Zeek
 * history it changes at most by its own letter ('D' for the role's first
 * data, 'A' for its first bare ACK), and not a first fragment.  Such a
 * packet cannot change the session's eviction class or timer unless the
 * tracker reports an event; without one it costs the window check, the
 * counts and last_seen (and the letter, once per role and kind, in the cold
 * record).
 */
static_assert(offsetof(struct sw_sess, peer) == offsetof(struct sw_sess, proto) + 4,
	      "quick_word reads proto, flags, timer, ended_by and tflags as one word");

static inline uint32_t quick_word(const struct sw_sess *s)
{
	return sw_word32_at(s, offsetof(struct sw_sess, proto));
}

/* quick_word() of a record with these fields and every other bit 0. */
static inline uint32_t quick_word_of(uint8_t proto, uint8_t flags, uint8_t ended_by, uint8_t tflags)
{
	struct sw_sess s = { .proto = proto, .flags = flags, .ended_by = ended_by & 0xf,
			     .tflags = tflags & 0xf };

	return quick_word(&s);
}

/* The hot line's header word and both peers' state words in the quick case. */
static inline int quick_head(const struct sw_sess *s)
{
	uint32_t m = quick_word_of(0xff,
				   SW_SF_DISCARD | SW_SF_HALFCLOSED | SW_SF_FIXED | SW_SF_RSTPEND |
					   SW_SF_PICKUP,
				   0xf, SW_TF_SYNCHAL);
	uint32_t v = quick_word_of(6, 0, SW_NO_END, 0);

	return (quick_word(s) & m) == v && sw_tcp_peers_established(s);
}

/*
 * The quick case of an ACK or data segment (no SYN, FIN or RST) from role
 * dir with its letter already recorded: a masked compare of the hot line's
 * header word, both peers' state words and the Zeek history word.
 */
static inline int quick_seg(const struct sw_sess *s, int dir, uint32_t payload)
{
	return quick_head(s) && sw_zeek_ack_settled(s, dir, payload);
}

/* The quick case with the segment's own letter possibly still due. */
static inline int quick_quiet(const struct sw_sess *s, int dir)
{
	return quick_head(s) && sw_zeek_ack_quiet(s, dir);
}

/*
 * The quick case's work for segment g of session idx from role dir: the
 * counts and the established tracker; 1 (last_seen set) if it passed
 * without an event, else 0 with the drop reason and the events for
 * quick_rest.
 */
static inline __attribute__((always_inline)) int
quick_pass(struct sw_engine *e, uint32_t idx, int dir, const struct sw_seg *g, uint32_t ip_len,
	   int *reason, unsigned *ev)
{
	struct sw_sess *s = &e->tab.sess[idx];

	account(e, idx, dir, ip_len);
	*reason = sw_tcp_track_established(s, g, dir, e->conf.tcp_window_check, ev);
	if (*ev || *reason != SW_DROP_NONE)
		return 0;
	s->last_seen = e->now;
	return 1;
}

static inline int ack_only(uint8_t th_flags)
{
	return (th_flags & (SW_TH_SYN | SW_TH_ACK | SW_TH_RST | SW_TH_FIN)) == SW_TH_ACK;
}

static inline int quick_case(const struct sw_sess *s, int dir, const struct sw_pkt *p)
{
	return !(p->pflags & SW_PF_FRAG_FIRST) && ack_only(p->th_flags) && quick_quiet(s, dir);
}

/* A quick-case segment the tracker reported an event for, or would drop: the general rest. */
static struct sw_verdict quick_rest(struct sw_engine *e, uint32_t idx, int dir,
				    const struct sw_pkt *p, int reason, unsigned ev)
{
	struct sw_verdict v = tcp_tracked(e, idx, dir, p, reason, ev, 0);

	if (sw_press_class(&e->tab.sess[idx]) != SW_EC_ESTABLISHED)
		sw_press_reclass(e, idx, SW_EC_ESTABLISHED);
	return v;
}

/*
 * A packet may move its session to another eviction class (handshake done,
 * a reply, a FIN, an RST): compared on the hot record only, so an
 * established packet touches no list.
 */
static struct sw_verdict in_session(struct sw_engine *e, uint32_t idx, int dir,
				    const struct sw_pkt *p)
{
	struct sw_sess *s = &e->tab.sess[idx];
	int before;
	struct sw_verdict v;

	if (!e->no_quick && quick_case(s, dir, p)) {
		struct sw_seg g = sw_seg_of(p);
		unsigned ev;
		int reason;

		if (quick_pass(e, idx, dir, &g, p->ip_len, &reason, &ev)) {
			if (!sw_zeek_ack_seen(s, dir, p->payload))
				sw_zeek_ack_letter(s, &e->tab.cold[idx], dir, p->payload);
			return verdict(e, SW_DROP_NONE, idx, dir);
		}
		return quick_rest(e, idx, dir, p, reason, ev);
	}
	before = sw_press_class(s);
	v = track(e, idx, dir, p);
	if (sw_press_class(s) != before)
		sw_press_reclass(e, idx, before);
	return v;
}

/* Steps 3-7 for a parsed packet whose key and hash are known. */
static struct sw_verdict decide(struct sw_engine *e, const struct sw_pkt *p, struct sw_key *k,
				uint64_t h, uint32_t cand)
{
	uint32_t idx = sw_table_lookup_hint(&e->tab, k, h, cand);

	if (idx != SW_IDX_NONE) {
		struct sw_sess *s = &e->tab.sess[idx];
		if (sw_tick_after(e->now, sw_engine_deadline(e, s))) {
			/* Due but not yet reaped: expiry is exact at lookup. */
			sw_engine_expire(e, idx);
			idx = SW_IDX_NONE;
		} else if (s->proto == 6 &&
			   (p->th_flags & (SW_TH_SYN | SW_TH_ACK | SW_TH_RST | SW_TH_FIN)) == SW_TH_SYN &&
			   sw_tcp_reusable(s)) {
			/*
			 * A new connection on the tuple of a closed one, from either side:
			 * the sender becomes the originator and the rules see it anew.
			 */
			end_session(e, idx, SW_END_TCP_REUSE, SW_TO_MAX, e->now);
			idx = SW_IDX_NONE;
		}
	}
	if (idx == SW_IDX_NONE)
		return new_session(e, k, h, p);
	return in_session(e, idx, k->swapped ^ !!(e->tab.sess[idx].flags & SW_SF_ORIG1), p);
}

/* Parsed, but not by flow: returns 1 with *v set if the packet is done. */
static int special(struct sw_engine *e, int reason, const struct sw_pkt *p, struct sw_verdict *v)
{
	if (reason == SW_DROP_BAD_CHECKSUM) {
		/*
		 * A corrupt segment never creates or changes state, but the session
		 * it would belong to records that one arrived (Zeek's 'c').
		 */
		struct sw_key k;
		uint32_t idx;

		sw_key_from_flow(&k, &p->flow);
		idx = sw_table_lookup(&e->tab, &k, sw_key_hash(&e->tab, &k));
		if (idx != SW_IDX_NONE)
			sw_zeek_bad_checksum(&e->tab.sess[idx], &e->tab.cold[idx],
					     k.swapped ^ !!(e->tab.sess[idx].flags & SW_SF_ORIG1));
		*v = verdict(e, reason, idx, 0);
		return 1;
	}
	if (reason != SW_DROP_NONE) {
		*v = verdict(e, reason, SW_IDX_NONE, 0);
		return 1;
	}
	if (p->pflags & SW_PF_FRAG_LATER) {
		*v = frag_later(e, p);
		return 1;
	}
	if (p->pflags & SW_PF_ICMP_ERR) {
		*v = icmp_error(e, p);
		return 1;
	}
	return 0;
}

struct sw_verdict sw_engine_one(struct sw_engine *e, const struct sw_pkt *p, int reason)
{
	struct sw_key k;
	struct sw_verdict v;

	if (special(e, reason, p, &v))
		return v;
	sw_key_from_flow(&k, &p->flow);
	return decide(e, p, &k, sw_key_hash(&e->tab, &k), SW_IDX_NONE);
}

struct sw_verdict sw_engine_packet(struct sw_engine *e, const uint8_t *frame, size_t caplen,
				   int link, sw_time_t ts)
{
	return sw_engine_packet_wire(e, frame, caplen, 0, link, ts);
}

struct sw_verdict sw_engine_packet_wire(struct sw_engine *e, const uint8_t *frame, size_t caplen,
					uint32_t wirelen, int link, sw_time_t ts)
{
	struct sw_layer outer;
	struct sw_verdict v;

	sw_engine_frame(e, frame, caplen, wirelen, link, ts, &outer, 0, &v);
	return v;
}

/*
 * The cold record is needed by packets that change state (handshake, close,
 * reset, a new Zeek history letter) and by sessions on a fixed timer, whose
 * deadline lives there: a third line that an established packet never
 * touches.  Once the candidate session's hot line has arrived, look ahead and
 * fetch the cold record only for those (a replay of short flows spent a
 * quarter of its time waiting for it).  The candidate is stage 2's signature
 * match, unverified and possibly ended since: reading a pool record is always
 * safe, and a wrong guess costs one useless prefetch.
 */
#define COLD_AHEAD 4

static inline void prefetch_cold(const struct sw_engine *e, uint32_t idx, int swapped,
				 const struct sw_seg *g)
{
	const struct sw_sess *s = &e->tab.sess[idx];
	int dir = swapped ^ !!(s->flags & SW_SF_ORIG1);

	if (s->proto == 6 ? !(ack_only(g->th_flags) && quick_seg(s, dir, g->payload))
			  : (s->flags & (SW_SF_FIXED | SW_SF_HALFCLOSED)) != 0) {
		const char *c = (const char *)&e->tab.cold[idx];
		sw_prefetch(c);
		sw_prefetch(c + sizeof(struct sw_sess_cold) - 1);
	}
}

/*
 * An express segment of session idx in the quick case but for its own
 * history letter, which is due (the role's first data or bare ACK): once per
 * role and kind, so out of the express lane's line.  1 with *v set if it
 * took the segment; 0 for the general path, nothing having changed.
 */
static __attribute__((noinline)) int express_letter(struct sw_engine *e, const struct sw_xpkt *x,
						    uint32_t idx, int dir, struct sw_pkt *p,
						    const uint8_t *f, size_t len, struct sw_verdict *v)
{
	struct sw_sess *s = &e->tab.sess[idx];
	unsigned ev;
	int reason;

	if (!quick_quiet(s, dir) || sw_zeek_ack_seen(s, dir, x->g.payload) ||
	    sw_tick_after(e->now, sw_engine_deadline(e, s)))
		return 0;
	if (quick_pass(e, idx, dir, &x->g, x->ip_len, &reason, &ev)) {
		sw_zeek_ack_letter(s, &e->tab.cold[idx], dir, x->g.payload);
		*v = verdict(e, SW_DROP_NONE, idx, dir);
		return 1;
	}
	sw_engine_parse_frame(e, p, &f, &len, SW_LINK_EN10MB, 0);
	*v = quick_rest(e, idx, dir, p, reason, ev);
	return 1;
}

/*
 * The express lane.  An express frame (pkt/seg.h: an IPv4 TCP ACK or data
 * segment) of a live session in the quick case takes the tracker's
 * established path straight from the frame, with no struct sw_pkt and no
 * struct sw_key.  Anything else - no session, one already due, not the quick
 * case - is parsed into *p and decided by the general path, nothing having
 * changed; a tracker event or drop after the established path continues as
 * the quick path does (quick_rest), from the parsed packet.
 */
static inline __attribute__((always_inline)) struct sw_verdict
express(struct sw_engine *e, const struct sw_xpkt *x,
				 const struct sw_key4 *k, uint64_t h, uint32_t cand,
				 struct sw_pkt *p, const uint8_t *f, size_t len)
{
	uint32_t idx = sw_table_lookup4_hint(&e->tab, k, h, cand);
	struct sw_key key;

	if (idx != SW_IDX_NONE) {
		struct sw_sess *s = &e->tab.sess[idx];
		int dir = k->swapped ^ !!(s->flags & SW_SF_ORIG1);
		struct sw_verdict v;

		if (quick_seg(s, dir, x->g.payload) &&
		    !sw_tick_after(e->now, sw_engine_deadline(e, s))) {
			unsigned ev;
			int reason;

			if (quick_pass(e, idx, dir, &x->g, x->ip_len, &reason, &ev))
				return verdict(e, SW_DROP_NONE, idx, dir);
			sw_engine_parse_frame(e, p, &f, &len, SW_LINK_EN10MB, 0);
			return quick_rest(e, idx, dir, p, reason, ev);
		}
		if (express_letter(e, x, idx, dir, p, f, len, &v))
			return v;
		cand = idx;
	}
	sw_engine_parse_frame(e, p, &f, &len, SW_LINK_EN10MB, 0);
	sw_key_from_flow(&key, &p->flow);
	return decide(e, p, &key, h, cand);
}

void sw_engine_burst(struct sw_engine *e, const uint8_t *const *frames, const uint32_t *caplen,
		     int link, const sw_time_t *ts, unsigned n, struct sw_verdict *out)
{
	sw_engine_burst_wire(e, frames, caplen, NULL, link, ts, n, out);
}

void sw_engine_burst_wire(struct sw_engine *e, const uint8_t *const *frames,
			  const uint32_t *caplen, const uint32_t *wirelen, int link,
			  const sw_time_t *ts, unsigned n, struct sw_verdict *out)
{
	struct sw_pkt p[SW_BURST_MAX];
	struct sw_key k[SW_BURST_MAX];
	struct sw_xpkt x[SW_BURST_MAX];
	struct sw_key4 k4[SW_BURST_MAX];
	uint64_t h[SW_BURST_MAX];
	uint32_t cand[SW_BURST_MAX];
	uint8_t done[SW_BURST_MAX], reason[SW_BURST_MAX], xp[SW_BURST_MAX];
	uint8_t sw[SW_BURST_MAX]; /* the key's swapped, of either kind */
	const uint8_t *f[SW_BURST_MAX]; /* the frame parsed (not express): an inner one with --decap */
	size_t len[SW_BURST_MAX];
	/* The express lane needs the frame as it is: no checksum to verify, nothing to unwrap. */
	int xok = link == SW_LINK_EN10MB && !e->no_quick && !e->conf.tcp_checksum_check &&
		  !e->conf.decap;

	while (n > SW_BURST_MAX) {
		sw_engine_burst_wire(e, frames, caplen, wirelen, link, ts, SW_BURST_MAX, out);
		frames += SW_BURST_MAX;
		caplen += SW_BURST_MAX;
		wirelen = wirelen ? wirelen + SW_BURST_MAX : NULL;
		ts += SW_BURST_MAX;
		out += SW_BURST_MAX;
		n -= SW_BURST_MAX;
	}
	/* Stage 1: parse (express frames: read), hash and prefetch every bucket. */
	for (unsigned i = 0; i < n; i++) {
		xp[i] = xok && sw_pkt_express(frames[i], caplen[i], &x[i]);
		if (xp[i]) {
			done[i] = 0;
			sw_key4_of(&k4[i], x[i].src, x[i].sport, x[i].dst, x[i].dport, 6);
			h[i] = sw_key4_hash(&e->tab, &k4[i]);
			sw[i] = k4[i].swapped;
			sw_table_prefetch(&e->tab, h[i]);
			continue;
		}
		f[i] = frames[i];
		len[i] = caplen[i];
		reason[i] = (uint8_t)sw_engine_parse_frame(e, &p[i], &f[i], &len[i], link,
							   wirelen ? sw_parse_whole(len[i], wirelen[i]) : 0);
		done[i] = reason[i] != SW_DROP_NONE ||
			  (p[i].pflags & (SW_PF_FRAG_LATER | SW_PF_ICMP_ERR));
		if (done[i])
			continue;
		sw_key_from_flow(&k[i], &p[i].flow);
		h[i] = sw_key_hash(&e->tab, &k[i]);
		sw[i] = k[i].swapped;
		x[i].g = sw_seg_of(&p[i]);
		sw_table_prefetch(&e->tab, h[i]);
	}
	/* Stage 2: buckets are arriving; fetch the sessions their signatures point at. */
	for (unsigned i = 0; i < n; i++)
		cand[i] = done[i] ? SW_IDX_NONE : sw_table_prefetch_match(&e->tab, h[i]);
	/* Stage 3: in order, so timers and creations see time as it was. */
	for (unsigned i = 0; i < n; i++) {
		unsigned a = i + COLD_AHEAD;

		if (a < n && cand[a] != SW_IDX_NONE)
			prefetch_cold(e, cand[a], sw[a], &x[a].g);
		if (!same_tick(e, ts[i]))
			sw_engine_advance(e, ts[i]);
		e->st.ctr[SW_CTR_PKTS]++;
		if (xp[i]) {
			/* TCP: no tunnel to follow. */
			out[i] = express(e, &x[i], &k4[i], h[i], cand[i], &p[i], frames[i], caplen[i]);
			continue;
		}
		if (done[i]) {
			special(e, reason[i], &p[i], &out[i]);
			continue;
		}
		out[i] = decide(e, &p[i], &k[i], h[i], cand[i]);
		if (e->conf.tunnel_inspect && sw_pkt_may_tunnel(&p[i]))
			out[i] = sw_engine_tunnels(e, &p[i], out[i], f[i], len[i]);
	}
}
