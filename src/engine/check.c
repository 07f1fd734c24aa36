/*
 * check.c - sw_engine_check(): the engine's invariants, walked in full.
 *
 * The table, the wheel and the tombstones check their own structure
 * (sw_table_check, sw_wheel_check, sw_tomb_check); this file adds what ties
 * them together: every live session is on the wheel exactly once, in a slot
 * no later than its deadline (the wheel may look early, never late), no
 * deadline lies behind the wheel's position by more than the one tick
 * expiry adds, the engine's counters match what is in the table, and the
 * end reasons add up to the sessions ended.
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
	due = sw_engine_deadline(e, s) + 1;
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
