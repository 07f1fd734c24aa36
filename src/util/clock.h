/*
 * clock.h - the clocks of the daemon and the one text form of an instant.
 *
 * sw_mono_ns: CLOCK_MONOTONIC in ns, for budgets, deadlines and rates (never
 * jumps).  sw_wall_ns: CLOCK_REALTIME in ns, the engine's time in a live
 * daemon (`statewall run` keeps wall = base + mono so it never runs
 * backwards).  Both are cheap (vDSO) and thread-safe.
 *
 * sw_time_text: an instant as PAN-OS prints one ("Mon Dec  2 16:03:05 2026",
 * local time); 0 or negative means unset and gives "-", the same rule as
 * sw_jw_time's null (util/json.h).
 */
#ifndef SW_UTIL_CLOCK_H
#define SW_UTIL_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "statewall/types.h"

static inline int64_t sw_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SW_NS_PER_SEC + ts.tv_nsec;
}

static inline sw_time_t sw_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (sw_time_t)ts.tv_sec * SW_NS_PER_SEC + ts.tv_nsec;
}

/* CPU time of the calling thread in ns: a stall's wall time minus what preemption took. */
static inline int64_t sw_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * SW_NS_PER_SEC + ts.tv_nsec;
}

/* Format instant t into buf (at least 32 bytes useful); returns buf. */
const char *sw_time_text(sw_time_t t, char *buf, size_t len);

#endif
