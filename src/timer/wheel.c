/*
 * wheel.c - see wheel.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "timer/wheel.h"

#define SLOT_TICKS (1u << SW_TW_SHIFT)
/* SW_TW_SPAN: one slot short of a full turn, so a reschedule never lands in the slot firing. */
#define SPAN_TICKS SW_TW_SPAN

void sw_wheel_init(struct sw_wheel *w, sw_tick_t now)
{
	for (uint32_t i = 0; i < SW_TW_SLOTS; i++)
		w->head[i] = SW_IDX_NONE;
	w->cur = now & ~(SLOT_TICKS - 1);
	w->count = 0;
}

void sw_wheel_schedule(struct sw_wheel *w, struct sw_sess_cold *cold, uint32_t idx,
		       sw_tick_t when)
{
	uint32_t slot;

	sw_wheel_unlink(w, cold, idx);
	/* Never behind the next slot to fire, never beyond the span. */
	if (sw_tick_before(when, w->cur))
		when = w->cur;
	if (sw_tick_after(when, w->cur + SPAN_TICKS))
		when = w->cur + SPAN_TICKS;
	slot = (when >> SW_TW_SHIFT) & (SW_TW_SLOTS - 1);
	cold[idx].tw_prev = SW_TW_HEAD | slot;
	cold[idx].tw_next = w->head[slot];
	if (w->head[slot] != SW_IDX_NONE)
		cold[w->head[slot]].tw_prev = idx;
	w->head[slot] = idx;
	w->count++;
}

void sw_wheel_unlink(struct sw_wheel *w, struct sw_sess_cold *cold, uint32_t idx)
{
	uint32_t prev = cold[idx].tw_prev, next = cold[idx].tw_next;

	if (prev == SW_IDX_NONE)
		return;
	if (prev & SW_TW_HEAD)
		w->head[prev & ~SW_TW_HEAD] = next;
	else
		cold[prev].tw_next = next;
	if (next != SW_IDX_NONE)
		cold[next].tw_prev = prev;
	cold[idx].tw_prev = cold[idx].tw_next = SW_IDX_NONE;
	w->count--;
}

/* Detach a slot's list, then fire its members; fire() touches only its own idx. */
static void fire_slot(struct sw_wheel *w, struct sw_sess_cold *cold, uint32_t slot,
		      sw_wheel_fire_fn fire, void *ctx)
{
	uint32_t idx = w->head[slot];

	w->head[slot] = SW_IDX_NONE;
	while (idx != SW_IDX_NONE) {
		uint32_t next = cold[idx].tw_next;
		cold[idx].tw_prev = cold[idx].tw_next = SW_IDX_NONE;
		w->count--;
		fire(ctx, idx);
		idx = next;
	}
}

void sw_wheel_advance(struct sw_wheel *w, struct sw_sess_cold *cold, sw_tick_t now,
		      sw_wheel_fire_fn fire, void *ctx)
{
	if (w->count == 0) {
		/* Nothing to fire: move to now, however far (the engine jumps empty gaps). */
		w->cur = now & ~(SLOT_TICKS - 1);
		return;
	}
	/*
	 * Far behind (a capture with a long silence): one sweep over every slot
	 * instead of walking the gap slot by slot.  Everything on the wheel is due
	 * by then, or is rescheduled relative to the new position.
	 */
	if (sw_tick_after(now, w->cur + SW_TW_SLOTS * SLOT_TICKS)) {
		uint32_t first = w->cur >> SW_TW_SHIFT;
		w->cur = now & ~(SLOT_TICKS - 1);
		for (uint32_t i = 0; i < SW_TW_SLOTS && w->count; i++)
			fire_slot(w, cold, (first + i) & (SW_TW_SLOTS - 1), fire, ctx);
		return;
	}
	/* A slot fires once its last tick is in the past. */
	while (sw_tick_reached(now, w->cur + SLOT_TICKS)) {
		uint32_t slot = (w->cur >> SW_TW_SHIFT) & (SW_TW_SLOTS - 1);

		w->cur += SLOT_TICKS;
		fire_slot(w, cold, slot, fire, ctx);
		/* Nothing scheduled at all: jump instead of walking empty slots. */
		if (w->count == 0 && sw_tick_after(now, w->cur + SLOT_TICKS))
			w->cur = now & ~(SLOT_TICKS - 1);
	}
}

int sw_wheel_check(const struct sw_wheel *w, const struct sw_sess_cold *cold, uint32_t nrec,
		   sw_wheel_visit_fn visit, void *ctx, char *err, size_t errlen)
{
	uint32_t total = 0, cur_slot = (w->cur >> SW_TW_SHIFT) & (SW_TW_SLOTS - 1);

	if (w->cur & (SLOT_TICKS - 1)) {
		snprintf(err, errlen, "wheel: position %u is not on a slot boundary", w->cur);
		return -EFAULT;
	}
	for (uint32_t slot = 0; slot < SW_TW_SLOTS; slot++) {
		uint32_t prev = SW_TW_HEAD | slot;
		sw_tick_t start = w->cur + (((slot - cur_slot) & (SW_TW_SLOTS - 1)) << SW_TW_SHIFT);

		for (uint32_t idx = w->head[slot]; idx != SW_IDX_NONE; idx = cold[idx].tw_next) {
			if (idx >= nrec || total >= w->count) {
				snprintf(err, errlen, "wheel: slot %u: record %u beyond %u, or more than "
					 "the %u counted", slot, idx, nrec, w->count);
				return -EFAULT;
			}
			if (cold[idx].tw_prev != prev) {
				snprintf(err, errlen, "wheel: slot %u: record %u links back to %#x, not %#x",
					 slot, idx, cold[idx].tw_prev, prev);
				return -EFAULT;
			}
			total++;
			if (visit && visit(ctx, idx, start))
				return -EFAULT;
			prev = idx;
		}
	}
	if (total != w->count) {
		snprintf(err, errlen, "wheel: %u records in the slots, %u counted", total, w->count);
		return -EFAULT;
	}
	return 0;
}
