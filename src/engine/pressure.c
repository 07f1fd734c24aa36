/*
 * pressure.c - what a full or nearly full session table gives up: PAN-OS
 * accelerated aging, eviction by class (table-full-action evict) and the
 * per-source quota (max-sessions-per-source).  docs/design.md "Table
 * pressure" explains the choices; engine.c calls in at session create,
 * after every packet that may change a session's class, and at session end.
 *
 * Eviction lists.  Every live session is on exactly one list, the one of its
 * class (SW_EVICT_CLASSES, a pure function of its hot record:
 * sw_press_class()), with a position tick `pos`, linked through its cold
 * record (ev_next, ev_prev, ev_pos); the head's ev_prev and the tail's
 * ev_next name the class, so unlinking needs no class byte.  Lists only ever grow at the tail with
 * pos = max(last_seen, tail's pos), so pos never decreases along a list.
 * A packet never touches a list (only a class change does: handshake done,
 * a reply, a FIN, an RST); instead the eviction scan gives a second chance
 * to a head that was active after it was queued (last_seen > pos): it goes
 * back to the tail.  Each such move consumes activity a packet brought, so
 * the scan is O(1) amortised over packets and new sessions.
 *
 * Per-source quota: an open-addressing table (linear probing, backward-shift
 * deletion) of source -> session count, cap * 5/4 entries reserved at create
 * (there are never more sources than sessions).  It is filled only while a
 * quota is set; turning one on counts the table once, on the control path
 * (sw_engine_set_conf, which already retimes every session).
 *
 * Accelerated aging: sw_engine_deadline() divides idle timers through
 * e->to_idle.  Turning it on would leave idle sessions on the wheel at their
 * normal (later) deadline; instead of rescheduling the whole table at once,
 * a sweep reschedules SW_SWEEP_PER_TICK records per tick that passes (ending
 * those already due), so the table is relieved within hwm / SW_SWEEP_PER_TICK
 * ms and no packet waits for more than a slice.  Turning it off needs
 * nothing: the wheel may fire early, and then reschedules.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "util/bigmem.h"

#define SW_SWEEP_PER_TICK 256u

/* ---- classes and lists ---------------------------------------------------- */

/* An end of list c: the head's ev_prev, the tail's ev_next (never a pool index). */
#define END(c) (SW_EVL_END | (uint32_t)(c))
#define IS_END(l) (((l) & SW_EVL_END) && (l) != SW_IDX_NONE)

static void list_append(struct sw_engine *e, uint32_t idx, int cls)
{
	struct sw_press *p = &e->press;
	struct sw_sess_cold *cold = e->tab.cold, *q = &cold[idx];
	uint32_t tail = p->tail[cls];
	sw_tick_t ls = e->tab.sess[idx].last_seen;

	q->ev_pos = ls;
	if (tail != SW_IDX_NONE && sw_tick_before(ls, cold[tail].ev_pos))
		q->ev_pos = cold[tail].ev_pos;
	q->ev_next = END(cls);
	if (tail != SW_IDX_NONE) {
		q->ev_prev = tail;
		cold[tail].ev_next = idx;
	} else {
		q->ev_prev = END(cls);
		p->head[cls] = idx;
	}
	p->tail[cls] = idx;
}

/* A list's ends carry its class, so unlinking needs no class byte. */
static void list_remove(struct sw_engine *e, uint32_t idx)
{
	struct sw_press *p = &e->press;
	struct sw_sess_cold *cold = e->tab.cold, *q = &cold[idx];
	uint32_t prev = q->ev_prev, next = q->ev_next;

	if (prev == SW_IDX_NONE)
		return;
	if (IS_END(prev))
		p->head[prev & ~SW_EVL_END] = IS_END(next) ? SW_IDX_NONE : next;
	else
		cold[prev].ev_next = next;
	if (IS_END(next))
		p->tail[next & ~SW_EVL_END] = IS_END(prev) ? SW_IDX_NONE : prev;
	else
		cold[next].ev_prev = prev;
	q->ev_next = q->ev_prev = SW_IDX_NONE;
}

int sw_press_listed(const struct sw_engine *e, uint32_t idx)
{
	const struct sw_sess_cold *cold = e->tab.cold;
	uint32_t l = cold[idx].ev_prev;

	if (l == SW_IDX_NONE)
		return SW_EC_MAX;
	if (IS_END(l))
		return (int)(l & ~SW_EVL_END);
	for (l = cold[idx].ev_next; !IS_END(l); l = cold[l].ev_next)
		;
	return (int)(l & ~SW_EVL_END);
}

void sw_press_link(struct sw_engine *e, uint32_t idx)
{
	list_append(e, idx, sw_press_class(&e->tab.sess[idx]));
}

void sw_press_reclass(struct sw_engine *e, uint32_t idx, int before)
{
	int now = sw_press_class(&e->tab.sess[idx]);

	if (now == before)
		return;
	list_remove(e, idx);
	list_append(e, idx, now);
}

/* ---- per-source quota ----------------------------------------------------- */

struct sw_src_key {
	uint32_t k[2];
	uint32_t v6;
};

/* The originator's address of live session idx, as a quota key (IPv6: its /64). */
static void src_key_of(const struct sw_engine *e, uint32_t idx, struct sw_src_key *sk)
{
	struct sw_key k;
	const struct sw_addr *a;

	sw_table_key(&e->tab, idx, &k);
	a = &k.a[(e->tab.sess[idx].flags & SW_SF_ORIG1) ? 1 : 0];
	sw_press_src_key(a, sk->k, &sk->v6);
}

void sw_press_src_key(const struct sw_addr *a, uint32_t k[2], uint32_t *v6)
{
	*v6 = !sw_addr_is_v4(a);
	k[0] = *v6 ? a->w[0] : a->w[3];
	k[1] = *v6 ? a->w[1] : 0;
}

static uint32_t src_home(const struct sw_press *p, const uint32_t k[2], uint32_t v6)
{
	uint64_t h = sw_hash_mix(p->seed, (uint64_t)k[0] << 32 | k[1]);
	h = sw_hash_mix(h, v6);
	return (uint32_t)(((h >> 32) * (uint64_t)p->nsrc) >> 32);
}

static int src_eq(const struct sw_src *s, const uint32_t k[2], uint32_t v6)
{
	return s->cnt && s->k[0] == k[0] && s->k[1] == k[1] && (s->cnt >> 31) == v6;
}

#define SRC_CNT(s) ((s)->cnt & 0x7fffffffu)

/* Slot of key k, or of the empty slot where it would go. */
static uint32_t src_slot(const struct sw_press *p, const uint32_t k[2], uint32_t v6)
{
	uint32_t i = src_home(p, k, v6);

	while (p->src[i].cnt && !src_eq(&p->src[i], k, v6))
		i = i + 1 == p->nsrc ? 0 : i + 1;
	return i;
}

uint32_t sw_press_src_count(const struct sw_engine *e, const uint32_t k[2], uint32_t v6)
{
	const struct sw_press *p = &e->press;

	if (!e->conf.max_per_source)
		return 0;
	return SRC_CNT(&p->src[src_slot(p, k, v6)]);
}

static void src_add(struct sw_engine *e, const struct sw_src_key *sk)
{
	struct sw_press *p = &e->press;
	struct sw_src *s = &p->src[src_slot(p, sk->k, sk->v6)];

	if (!s->cnt) {
		s->k[0] = sk->k[0];
		s->k[1] = sk->k[1];
		s->cnt = sk->v6 << 31;
		p->nsources++;
	}
	s->cnt++;
	if (SRC_CNT(s) == e->conf.max_per_source)
		p->at_quota++;
}

static void src_del(struct sw_engine *e, const struct sw_src_key *sk)
{
	struct sw_press *p = &e->press;
	uint32_t i = src_slot(p, sk->k, sk->v6), j;
	struct sw_src *s = &p->src[i];

	if (!s->cnt)
		return; /* counted before the quota was set: never, see sw_press_conf */
	if (SRC_CNT(s) == e->conf.max_per_source)
		p->at_quota--;
	if (--s->cnt & 0x7fffffffu)
		return;
	/* Backward-shift deletion: pull up every entry whose probe passed slot i. */
	p->nsources--;
	for (j = i;;) {
		uint32_t h;
		j = j + 1 == p->nsrc ? 0 : j + 1;
		if (!p->src[j].cnt)
			break;
		h = src_home(p, p->src[j].k, p->src[j].cnt >> 31);
		/* Entry j stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		p->src[i] = p->src[j];
		i = j;
	}
	memset(&p->src[i], 0, sizeof(p->src[i]));
}

/* ---- accelerated aging ---------------------------------------------------- */

static void load_idle(struct sw_engine *e)
{
	uint32_t f = e->press.accel ? e->conf.accel_factor : 1;

	for (int i = 0; i < SW_TO_MAX; i++)
		e->to_idle[i] = e->to[i] / f;
}

/* Accelerated aging on or off for the current count; a switch on starts a sweep. */
void sw_press_update(struct sw_engine *e)
{
	struct sw_press *p = &e->press;
	int on = e->conf.accel_aging &&
		 (uint64_t)e->tab.count * 100 >= (uint64_t)e->conf.accel_threshold * e->conf.max_sessions;

	if (on == p->accel)
		return;
	p->accel = (uint8_t)on;
	load_idle(e);
	if (on)
		p->sweep_left = e->tab.hwm; /* every record, from wherever the cursor is */
}

void sw_press_sweep(struct sw_engine *e, uint32_t ticks)
{
	struct sw_press *p = &e->press;
	uint64_t n = (uint64_t)ticks * SW_SWEEP_PER_TICK;

	while (p->sweep_left && n--) {
		uint32_t i = p->sweep_cur;
		struct sw_sess *s;

		p->sweep_left--;
		p->sweep_cur = i + 1 >= e->tab.hwm ? 0 : i + 1;
		if (i >= e->tab.hwm)
			continue;
		s = &e->tab.sess[i];
		if (!(s->flags & SW_SF_INUSE) || (s->flags & SW_SF_FIXED))
			continue;
		if (sw_tick_after(e->now, sw_engine_deadline(e, s)))
			sw_engine_expire(e, i);
		else
			sw_wheel_schedule(&e->wheel, e->tab.cold, i, sw_engine_deadline(e, s) + 1);
	}
}

/* ---- eviction ------------------------------------------------------------- */

/* End the oldest session of the first class that has a candidate: 1, or 0 if none. */
static int evict_one(struct sw_engine *e)
{
	struct sw_press *p = &e->press;
	sw_tick_t min_idle = e->conf.evict_min_idle * SW_TICK_HZ;

	for (int c = 0; c < SW_EC_MAX; c++) {
		int idle_class = c == SW_EC_ESTABLISHED || c == SW_EC_HALF_CLOSED;

		while (p->head[c] != SW_IDX_NONE) {
			uint32_t idx = p->head[c];
			sw_tick_t ls = e->tab.sess[idx].last_seen, pos = e->tab.cold[idx].ev_pos;

			if (idle_class && (sw_tick_t)(e->now - ls) > min_idle) {
				sw_engine_evict(e, idx, c);
				return 1;
			}
			if (sw_tick_after(ls, pos)) {
				/* Active since it was queued: a second chance, at the tail. */
				list_remove(e, idx);
				list_append(e, idx, c);
				continue;
			}
			if (idle_class)
				break; /* every later one was queued later, and was active since */
			sw_engine_evict(e, idx, c);
			return 1;
		}
	}
	return 0;
}

int sw_press_admit(struct sw_engine *e, const struct sw_addr *src, int *reason)
{
	if (e->conf.max_per_source) {
		uint32_t k[2], v6;
		sw_press_src_key(src, k, &v6);
		if (sw_press_src_count(e, k, v6) >= e->conf.max_per_source) {
			*reason = SW_DROP_SOURCE_QUOTA;
			e->st.ctr[SW_CTR_SESS_REFUSED_QUOTA]++;
			return 0;
		}
	}
	if (e->tab.count < e->tab.cap)
		return 1;
	if (e->conf.table_full_action == SW_TFA_EVICT && evict_one(e))
		return 1;
	*reason = SW_DROP_RESOURCES;
	e->st.ctr[SW_CTR_SESS_REFUSED]++;
	return 0;
}

void sw_press_created(struct sw_engine *e, uint32_t idx)
{
	if (e->conf.max_per_source) {
		struct sw_src_key sk;
		src_key_of(e, idx, &sk);
		src_add(e, &sk);
	}
	sw_press_update(e);
}

void sw_press_ended(struct sw_engine *e, uint32_t idx)
{
	list_remove(e, idx);
	if (e->conf.max_per_source) {
		struct sw_src_key sk;
		src_key_of(e, idx, &sk);
		src_del(e, &sk);
	}
}

/* ---- setup ---------------------------------------------------------------- */

int sw_press_init(struct sw_engine *e, uint64_t seed)
{
	struct sw_press *p = &e->press;
	uint32_t cap = e->tab.cap;

	memset(p, 0, sizeof(*p));
	p->seed = seed | 1;
	p->nsrc = cap + cap / 4 + 1;
	p->src = sw_big_alloc((size_t)p->nsrc * sizeof(*p->src));
	if (!p->src)
		return -ENOMEM;
	for (int c = 0; c < SW_EC_MAX; c++)
		p->head[c] = p->tail[c] = SW_IDX_NONE;
	load_idle(e);
	return 0;
}

void sw_press_free(struct sw_engine *e)
{
	struct sw_press *p = &e->press;

	sw_big_free(p->src, (size_t)p->nsrc * sizeof(*p->src));
	p->src = NULL;
}

void sw_press_conf(struct sw_engine *e, uint32_t old_quota)
{
	struct sw_press *p = &e->press;

	/* The factor or threshold may have changed: recompute; retime_all reschedules all. */
	p->accel = 2;
	sw_press_update(e);
	p->sweep_left = 0;
	if (old_quota == e->conf.max_per_source)
		return;
	/* Recount from the table (a control-path walk, like the retime that follows). */
	memset(p->src, 0, (size_t)p->nsrc * sizeof(*p->src));
	p->nsources = p->at_quota = 0;
	if (!e->conf.max_per_source)
		return;
	for (uint32_t i = 0; i < e->tab.hwm; i++) {
		struct sw_src_key sk;
		if (!(e->tab.sess[i].flags & SW_SF_INUSE))
			continue;
		src_key_of(e, i, &sk);
		src_add(e, &sk);
	}
	/* src_add counted a source reaching the quota; one already beyond it counts too. */
	p->at_quota = 0;
	for (uint32_t i = 0; i < p->nsrc; i++)
		p->at_quota += p->src[i].cnt && SRC_CNT(&p->src[i]) >= e->conf.max_per_source;
}

size_t sw_press_bytes_per_session(const struct sw_engine *e, int with_quota)
{
	/* The eviction lists live in the cold record (sw_table_bytes_per_session). */
	return with_quota ? (size_t)e->press.nsrc * sizeof(struct sw_src) / e->tab.cap : 0;
}
