/*
 * bug.c - what an invariant failure does (see bug.h): one process-wide
 * atomic count, the only global state of the engine library.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/bug.h"

static atomic_uint_fast64_t bugs;
#ifdef NDEBUG
static atomic_int fatal = 0;
#else
static atomic_int fatal = 1;
#endif

void sw_bug(const char *file, int line, const char *cond)
{
	uint64_t n = atomic_fetch_add(&bugs, 1) + 1;

	if (atomic_load(&fatal)) {
		fprintf(stderr, "statewall: BUG at %s:%d: %s\n", file, line, cond);
		abort();
	}
	if (n <= 10 || (n & (n - 1)) == 0)
		fprintf(stderr, "statewall: invariant failed at %s:%d: %s (%llu so far)\n", file, line,
			cond, (unsigned long long)n);
}

uint64_t sw_bug_count(void)
{
	return atomic_load(&bugs);
}

int sw_bug_set_fatal(int f)
{
	return atomic_exchange(&fatal, f);
}
