/*
 * bug.h - runtime invariants of the engine (HAProxy's BUG_ON / CHECK_IF).
 *
 *   SW_BUG_ON(cond)  statement: `cond` must never be true;
 *   SW_CHECK(cond)   expression: `cond` must hold; its value is cond's, so
 *                    the caller can still take a safe way out
 *                    (`if (!SW_CHECK(found)) return;`).
 *
 * A failure aborts with file:line and the condition in debug and sanitizer
 * builds (no NDEBUG: tests and fuzzers stop at the first one).  In release
 * builds it is counted and logged to stderr, rate-limited (the first 10,
 * then at every power of two), and the packet path goes on.
 * sw_bug_count() reads the process-wide count; `show counter global` has it
 * as invariant-failures.
 */
#ifndef SW_UTIL_BUG_H
#define SW_UTIL_BUG_H

#include <stdint.h>

void sw_bug(const char *file, int line, const char *cond);
uint64_t sw_bug_count(void);
/* Tests: 1 aborts on failure (the default without NDEBUG), 0 counts and logs; returns the old. */
int sw_bug_set_fatal(int fatal);

#define SW_BUG_ON(cond)                                                                            \
	do {                                                                                       \
		if (__builtin_expect(!!(cond), 0))                                                 \
			sw_bug(__FILE__, __LINE__, #cond);                                         \
	} while (0)

#define SW_CHECK(cond)                                                                             \
	(__builtin_expect(!!(cond), 1) ? 1 : (sw_bug(__FILE__, __LINE__, "!(" #cond ")"), 0))

#endif
