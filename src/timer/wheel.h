/*
 * wheel.h - one timing wheel for every session timer, O(1) per operation.
 *
 * Each session sits in at most one slot list (intrusive links in its cold
 * record).  Packets never touch the wheel: an idle timer is refreshed by
 * storing last_seen in the session (performance.md 3.5 measured an eager
 * re-queue per packet at -42..-49 % throughput).  When a slot comes due the
 * engine recomputes the session's true deadline and either ends it or puts
 * it back where it now belongs - HAProxy's and VPP's lazy requeue.  A state
 * change that shortens the deadline (first FIN, RST) moves the session
 * eagerly, which is rare and O(1).
 *
 * Deadlines further away than the wheel's span go into the last slot within
 * it and are re-examined then, so no timer value is too long.  Expiry is
 * exact at lookup (the engine checks the deadline of every session it finds),
 * so the wheel only has to be eventually on time: it fires a slot once the
 * whole slot lies in the past.
 */
#ifndef SW_TIMER_WHEEL_H
#define SW_TIMER_WHEEL_H

#include <stdint.h>

#include "flow/session.h"
#include "util/seq.h"

#define SW_TW_SHIFT 7u /* slot = 128 ticks (ms) */
#define SW_TW_SLOTS 8192u
#define SW_TW_HEAD 0x80000000u /* tw_prev of a list head: flag | slot */
/* How far ahead a session can be put: one slot short of a full turn. */
#define SW_TW_SPAN ((SW_TW_SLOTS - 2u) << SW_TW_SHIFT)

struct sw_wheel {
	uint32_t head[SW_TW_SLOTS];
	sw_tick_t cur; /* first tick of the next slot to fire */
	uint32_t count;
};

void sw_wheel_init(struct sw_wheel *w, sw_tick_t now);

/* Put session idx in the slot for `when` (clamped into the wheel's span). */
void sw_wheel_schedule(struct sw_wheel *w, struct sw_sess_cold *cold, uint32_t idx,
		       sw_tick_t when);

/* Take session idx off the wheel, if it is on it. */
void sw_wheel_unlink(struct sw_wheel *w, struct sw_sess_cold *cold, uint32_t idx);

/*
 * Fire every slot that lies entirely before `now`.  fire(ctx, idx) is called
 * with the session already off the wheel; it must reschedule it or end it,
 * and must not touch any other session on the wheel.
 */
typedef void (*sw_wheel_fire_fn)(void *ctx, uint32_t idx);
void sw_wheel_advance(struct sw_wheel *w, struct sw_sess_cold *cold, sw_tick_t now,
		      sw_wheel_fire_fn fire, void *ctx);

/*
 * Invariants: every slot list is doubly linked right (a head's tw_prev names
 * its slot), holds only records below nrec, and the lists hold w->count
 * records in all.  visit(ctx, idx, first tick of idx's slot) is called for
 * each, and may fail the check by returning non-zero (having written err).
 * 0, or -EFAULT with what was wrong in err.
 */
typedef int (*sw_wheel_visit_fn)(void *ctx, uint32_t idx, sw_tick_t slot_start);
int sw_wheel_check(const struct sw_wheel *w, const struct sw_sess_cold *cold, uint32_t nrec,
		   sw_wheel_visit_fn visit, void *ctx, char *err, size_t errlen);

#endif
