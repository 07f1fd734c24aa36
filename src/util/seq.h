/*
 * seq.h - wrap-safe comparisons for 32-bit TCP sequence numbers and for the
 * engine's 32-bit millisecond ticks.  Every comparison of either kind in
 * statewall goes through these; both are valid while the two values are
 * less than 2^31 apart (TCP: always, by RFC 793 / RFC 1982 serial number
 * arithmetic; ticks: 24.8 days, which is why timeouts are capped at
 * SW_TICK_MAX_SPAN, see docs/design.md).
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

static inline int sw_tick_before(sw_tick_t a, sw_tick_t b) { return (int32_t)(a - b) < 0; }
static inline int sw_tick_after(sw_tick_t a, sw_tick_t b) { return (int32_t)(a - b) > 0; }
static inline int sw_tick_reached(sw_tick_t now, sw_tick_t deadline)
{
	return (int32_t)(now - deadline) >= 0;
}

#endif
