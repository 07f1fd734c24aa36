/*
 * seq.h - wrap-safe comparisons for 32-bit TCP sequence numbers and for the
 * engine's 32-bit millisecond ticks.  Every comparison of either kind in
 * statewall goes through these; both are valid while the two values are
 * less than 2^31 apart (TCP: always, by RFC 793 / RFC 1982 serial number
 * arithmetic; ticks: 24.8 days).  For ticks the engine keeps it so: timeouts
 * are capped at SW_TICK_MAX_SPAN, and time moves at most SW_TICK_STEP at
 * once - a longer gap in a capture is walked in steps, each ending what is
 * due by then (docs/design.md, Time).
 */
#ifndef SW_UTIL_SEQ_H
#define SW_UTIL_SEQ_H

#include <stdint.h>

static inline int sw_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline int sw_seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline int sw_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline int sw_seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }
static inline uint32_t sw_seq_max(uint32_t a, uint32_t b) { return sw_seq_gt(a, b) ? a : b; }

/* Ticks: milliseconds since the engine's epoch, wrapping every 49.7 days. */
typedef uint32_t sw_tick_t;
#define SW_TICK_HZ 1000u
/* Longest span two live ticks may be apart: timeouts are clamped to this. */
#define SW_TICK_MAX_SPAN (2000000u * SW_TICK_HZ)
/*
 * Longest step of time at once: one day.  After a step, a live session's
 * ticks lie within its timer (at most SW_TICK_MAX_SPAN) plus one wheel slot
 * of now, and a tombstone's within tombstone-ttl (at most a day), so one
 * more step keeps every pair less than 2^31 apart.
 */
#define SW_TICK_STEP (86400u * SW_TICK_HZ)
_Static_assert((uint64_t)SW_TICK_MAX_SPAN + SW_TICK_STEP + SW_TICK_HZ < (1ull << 31),
	       "live ticks must stay less than 2^31 apart");

static inline int sw_tick_before(sw_tick_t a, sw_tick_t b) { return (int32_t)(a - b) < 0; }
static inline int sw_tick_after(sw_tick_t a, sw_tick_t b) { return (int32_t)(a - b) > 0; }
static inline int sw_tick_reached(sw_tick_t now, sw_tick_t deadline)
{
	return (int32_t)(now - deadline) >= 0;
}

#endif
