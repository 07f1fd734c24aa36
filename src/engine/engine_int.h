/*
 * engine_int.h - the engine's private state, shared by engine.c and tomb.c.
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

struct sw_engine {
	struct sw_conf conf;
	uint32_t to[SW_TO_MAX];     /* timeouts in ticks, clamped to SW_TICK_MAX_SPAN */
	uint32_t old_to[SW_TO_MAX]; /* previous values during sw_engine_set_conf */
	struct sw_table tab;
	struct sw_tomb tomb;
	sw_time_t epoch;  /* tick 0 */
	sw_time_t now_ns; /* latest time seen */
	sw_tick_t now;
	int started;
	int flushing; /* sw_engine_flush: ended sessions go straight to the log */
	sw_end_fn on_end;
	void *on_end_ctx;
	sw_event_fn on_event; /* NULL: no event is built */
	void *on_event_ctx;
	struct sw_stats st;
	struct sw_frag frag[SW_FRAG_SLOTS];
	uint32_t frag_next;
	struct sw_wheel wheel;
};

/* Absolute time of a tick (ticks are interpreted near the engine's now). */
sw_time_t sw_engine_tick_time(const struct sw_engine *e, sw_tick_t t);
/* Tick at which the session's timer in force runs out. */
sw_tick_t sw_engine_deadline(const struct sw_engine *e, const struct sw_sess *s);
/* Index of stats.active_proto: tcp, udp, icmp, other. */
int sw_engine_proto_slot(uint8_t proto);
void sw_engine_fill_info(const struct sw_engine *e, uint32_t idx, struct sw_sess_info *si);

#endif
