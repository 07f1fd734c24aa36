/*
 * events.c - the session event stream (sw_engine_on_event, SW_EVENTS in
 * tables.h).  engine.c calls these only when a callback is registered, so
 * without one nothing here runs and nothing is built.
 */
#include "engine/engine_int.h"

void sw_engine_emit(struct sw_engine *e, int type, const struct sw_sess_info *si, sw_time_t ts,
		    int side, int from, int to)
{
	struct sw_event ev = {
		.type = (uint8_t)type,
		.side = (uint8_t)side,
		.from = (uint8_t)from,
		.to = (uint8_t)to,
		.ts = ts,
		.si = si,
	};

	e->on_event(e->on_event_ctx, &ev);
}

void sw_engine_emit_live(struct sw_engine *e, uint32_t idx, int type, int side, int from, int to)
{
	struct sw_sess_info si;

	sw_engine_fill_info(e, idx, &si);
	sw_engine_emit(e, type, &si, e->now_ns, side, from, to);
}

/* After a segment from `dir` was tracked: its first FIN, a change of timer. */
void sw_engine_emit_changes(struct sw_engine *e, uint32_t idx, int dir, int was_hc,
			    int timer_before)
{
	const struct sw_sess *s = &e->tab.sess[idx];

	if (!was_hc && (s->flags & SW_SF_HALFCLOSED))
		sw_engine_emit_live(e, idx, SW_EV_HALF_CLOSE, dir, SW_TO_MAX, SW_TO_MAX);
	if (s->timer != timer_before)
		sw_engine_emit_live(e, idx, SW_EV_TIMER, dir, timer_before, s->timer);
}
