/*
 * check.c - sw_engine_check(): the engine's invariants, walked in full.
 *
 * The table, the wheel and the tombstones check their own structure
 * (sw_table_check, sw_wheel_check, sw_tomb_check); this file adds what ties
 * them together: every live session is on the wheel exactly once, in a slot
 * no later than its deadline (the wheel may look early, never late), no
 * deadline lies behind the wheel's position by more than the one tick
 * expiry adds, the engine's counters match what is in the table, and the
 * end reasons add up to the sessions ended.  Table pressure (pressure.c):
 * every live session is on the eviction list of its class exactly once,
 * positions never decrease along a list, the per-source counts are what the
 * table holds, and accelerated aging is on exactly when the count says so
 * (while its sweep runs, a session may still sit at its normal deadline).
 * For unit tests and fuzz_engine (after every step); never on the packet
 * path.
 */
#include <errno.h>
#include <stdio.h>

#include "engine/engine_int.h"

struct chk {
	const struct sw_engine *e;
	char *err;
	size_t errlen;
	uint32_t on_wheel;
};

static int visit(void *p, uint32_t idx, sw_tick_t slot_start)
{
	struct chk *c = p;
	const struct sw_engine *e = c->e;
	const struct sw_sess *s = &e->tab.sess[idx];
	sw_tick_t due, cur = e->wheel.cur;

	if (!(s->flags & SW_SF_INUSE)) {
		snprintf(c->err, c->errlen, "wheel holds record %u, which is not a live session", idx);
		return -1;
	}
	c->on_wheel++;
	due = (e->press.sweep_left ? sw_engine_deadline_normal(e, s) : sw_engine_deadline(e, s)) + 1;
	if (sw_tick_before(due, cur)) {
		snprintf(c->err, c->errlen, "session %u: deadline tick %u is behind the wheel (%u, now %u)",
			 idx + 1, due - 1, cur, e->now);
		return -1;
	}
	if (sw_tick_after(due, cur + SW_TW_SPAN))
		due = cur + SW_TW_SPAN;
	if (sw_tick_after(slot_start, due)) {
		snprintf(c->err, c->errlen, "session %u: on the wheel at tick %u, after its deadline %u "
			 "(timer %s)", idx + 1, slot_start, due - 1, sw_timeout_name(s->timer));
		return -1;
	}
	return 0;
}

static int check_lists(const struct sw_engine *e, uint32_t live, char *err, size_t errlen)
{
	const struct sw_press *p = &e->press;
	const struct sw_sess_cold *cold = e->tab.cold;
	uint32_t total = 0;

	for (int c = 0; c < SW_EC_MAX; c++) {
		uint32_t n = 0, prev = SW_EVL_END | (uint32_t)c, last = SW_IDX_NONE, i = p->head[c];
		while (i != SW_IDX_NONE) {
			const struct sw_sess *s;
			if (i >= e->tab.hwm || n > live) {
				snprintf(err, errlen, "%s list: link to record %u (hwm %u) or a cycle",
					 sw_evict_class_name((unsigned)c), i, e->tab.hwm);
				return -EFAULT;
			}
			s = &e->tab.sess[i];
			if (!(s->flags & SW_SF_INUSE) || sw_press_class(s) != c || cold[i].ev_prev != prev) {
				snprintf(err, errlen, "session %u on the %s list: live %d, class %s, back "
					 "link %#x (expected %#x)", i + 1, sw_evict_class_name((unsigned)c),
					 !!(s->flags & SW_SF_INUSE),
					 sw_evict_class_name((unsigned)sw_press_class(s)), cold[i].ev_prev, prev);
				return -EFAULT;
			}
			if (last != SW_IDX_NONE && sw_tick_before(cold[i].ev_pos, cold[last].ev_pos)) {
				snprintf(err, errlen, "%s list: session %u at position %u after session %u "
					 "at %u", sw_evict_class_name((unsigned)c), i + 1, cold[i].ev_pos,
					 last + 1, cold[last].ev_pos);
				return -EFAULT;
			}
			n++;
			prev = last = i;
			i = cold[i].ev_next;
			if (i == (SW_EVL_END | (uint32_t)c))
				i = SW_IDX_NONE;
			else if (i & SW_EVL_END) {
				snprintf(err, errlen, "%s list: session %u ends it as %#x",
					 sw_evict_class_name((unsigned)c), last + 1, i);
				return -EFAULT;
			}
		}
		if (last != p->tail[c]) {
			snprintf(err, errlen, "%s list: %u sessions, ends at %u, tail says %u",
				 sw_evict_class_name((unsigned)c), n, last, p->tail[c]);
			return -EFAULT;
		}
		total += n;
	}
	if (total != live) {
		snprintf(err, errlen, "%u live sessions, %u on eviction lists", live, total);
		return -EFAULT;
	}
	if (p->accel != (e->conf.accel_aging && (uint64_t)live * 100 >=
				       (uint64_t)e->conf.accel_threshold * e->conf.max_sessions)) {
		snprintf(err, errlen, "accelerated aging %s with %u of %u sessions (threshold %u %%)",
			 p->accel ? "on" : "off", live, e->conf.max_sessions, e->conf.accel_threshold);
		return -EFAULT;
	}
	return 0;
}

/* Every session counted under its source, and nothing else (quota set). */
static int check_sources(const struct sw_engine *e, char *err, size_t errlen)
{
	const struct sw_press *p = &e->press;
	uint64_t sum = 0;
	uint32_t used = 0, at = 0;

	if (!e->conf.max_per_source)
		return 0;
	for (uint32_t i = 0; i < p->nsrc; i++) {
		if (!p->src[i].cnt)
			continue;
		used++;
		sum += p->src[i].cnt & 0x7fffffffu;
		at += (p->src[i].cnt & 0x7fffffffu) >= e->conf.max_per_source;
		if (sw_press_src_count(e, p->src[i].k, p->src[i].cnt >> 31) != (p->src[i].cnt & 0x7fffffffu)) {
			snprintf(err, errlen, "source table: entry %u is not found by its own lookup", i);
			return -EFAULT;
		}
	}
	for (uint32_t i = 0; i < e->tab.hwm; i++) {
		struct sw_key k;
		uint32_t sk[2], v6;
		if (!(e->tab.sess[i].flags & SW_SF_INUSE))
			continue;
		sw_table_key(&e->tab, i, &k);
		sw_press_src_key(&k.a[(e->tab.sess[i].flags & SW_SF_ORIG1) ? 1 : 0], sk, &v6);
		if (sw_press_src_count(e, sk, v6) == 0) {
			snprintf(err, errlen, "session %u: its source is not counted", i + 1);
			return -EFAULT;
		}
	}
	if (sum != e->tab.count || used != p->nsources || at != p->at_quota) {
		snprintf(err, errlen, "source table: %llu sessions in %u sources (%u at quota), table "
			 "holds %u, counted %u sources, %u at quota", (unsigned long long)sum, used, at,
			 e->tab.count, p->nsources, p->at_quota);
		return -EFAULT;
	}
	return 0;
}

int sw_engine_check(const struct sw_engine *e, char *err, size_t errlen)
{
	struct chk c = {.e = e, .err = err, .errlen = errlen};
	uint32_t live = 0, hc = 0, disc = 0, proto[4] = {0};
	int rc;

	if ((rc = sw_table_check(&e->tab, err, errlen)) < 0 ||
	    (rc = sw_tomb_check(&e->tomb, err, errlen)) < 0 ||
	    (rc = sw_wheel_check(&e->wheel, e->tab.cold, e->tab.hwm, visit, &c, err, errlen)) < 0)
		return rc;
	for (uint32_t i = 0; i < e->tab.hwm; i++) {
		const struct sw_sess *s = &e->tab.sess[i];
		if (!(s->flags & SW_SF_INUSE))
			continue;
		live++;
		hc += (s->flags & SW_SF_HALFCLOSED) != 0;
		disc += (s->flags & SW_SF_DISCARD) != 0;
		proto[sw_engine_proto_slot(s->proto)]++;
		if (s->timer >= SW_TO_MAX) {
			snprintf(err, errlen, "session %u: timer %u out of range", i + 1, s->timer);
			return -EFAULT;
		}
	}
	if ((rc = check_lists(e, live, err, errlen)) < 0 || (rc = check_sources(e, err, errlen)) < 0)
		return rc;
	if (c.on_wheel != live) {
		snprintf(err, errlen, "%u live sessions, %u of them on the wheel", live, c.on_wheel);
		return -EFAULT;
	}
	if (hc != e->st.half_closed || disc != e->st.discard) {
		snprintf(err, errlen, "counted %u half-closed and %u discard sessions, the table holds "
			 "%u and %u", e->st.half_closed, e->st.discard, hc, disc);
		return -EFAULT;
	}
	for (int p = 0; p < 4; p++) {
		if (proto[p] != e->st.active_proto[p]) {
			snprintf(err, errlen, "protocol class %d: %u counted active, %u in the table", p,
				 e->st.active_proto[p], proto[p]);
			return -EFAULT;
		}
	}
	{
		uint64_t ends = 0;
		for (int r = 0; r < SW_END_MAX; r++)
			ends += e->st.end[r];
		if (ends != e->st.ctr[SW_CTR_SESS_ENDED]) {
			snprintf(err, errlen, "end reasons add up to %llu, %llu sessions ended",
				 (unsigned long long)ends,
				 (unsigned long long)e->st.ctr[SW_CTR_SESS_ENDED]);
			return -EFAULT;
		}
	}
	if (e->st.ctr[SW_CTR_SESS_CREATED] - e->st.ctr[SW_CTR_SESS_ENDED] != live) {
		snprintf(err, errlen, "%llu sessions created, %llu ended, but %u live",
			 (unsigned long long)e->st.ctr[SW_CTR_SESS_CREATED],
			 (unsigned long long)e->st.ctr[SW_CTR_SESS_ENDED], live);
		return -EFAULT;
	}
	return 0;
}
