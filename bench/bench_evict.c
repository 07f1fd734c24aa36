/*
 * bench_evict.c - the cost of eviction: new sessions per second into an
 * empty table against new sessions into a full one (table-full-action
 * evict), paired in the same run (docs/benchmarks.md).
 *
 *   bench_evict [N [ROUNDS]]
 *
 * Every round builds a fresh engine with max-sessions N and feeds it, in
 * bursts of 32 through sw_engine_burst(), 2 N SYN frames of distinct flows
 * (distinct sources, 1 us apart, so no timer runs out):
 *   empty - the first N fill the table: every one a plain create;
 *   full  - the next N find it full: every one evicts the oldest
 *           unestablished session (which goes to its tombstone) first.
 * One warm-up round, then ROUNDS recorded; reports the median of each rate
 * and the median of the per-round ratios full / empty.  The frames are built
 * outside the timed region.  Output ends with a "RESULT" line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame.h"
#include "statewall/engine.h"

#define BATCH 32
#define MAX_ROUNDS 64

static double now_sec(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_dbl);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Feed frames [from, to) in bursts; returns the seconds it took and counts passes. */
static double feed(struct sw_engine *e, uint8_t *frames, const sw_time_t *ts, uint32_t from,
		   uint32_t to, uint64_t *passed)
{
	const uint8_t *fp[BATCH];
	uint32_t len[BATCH];
	struct sw_verdict v[BATCH];
	double t0 = now_sec();

	for (uint32_t i = from; i < to; i += BATCH) {
		unsigned n = to - i < BATCH ? to - i : BATCH;
		for (unsigned j = 0; j < n; j++) {
			fp[j] = frames + (size_t)(i + j) * FRAME;
			len[j] = FRAME;
		}
		sw_engine_burst(e, fp, len, SW_LINK_EN10MB, ts + i, n, v);
		for (unsigned j = 0; j < n; j++)
			*passed += v[j].action == SW_PASS;
	}
	return now_sec() - t0;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	double empty[MAX_ROUNDS], full[MAX_ROUNDS], ratio[MAX_ROUNDS];
	uint8_t *frames;
	sw_time_t *ts;
	struct sw_conf c;

	if (n < BATCH || n > 50000000 || rounds < 1 || rounds >= MAX_ROUNDS) {
		fprintf(stderr, "usage: bench_evict [N (>= 32) [ROUNDS (1..63)]]\n");
		return 2;
	}
	frames = malloc((size_t)2 * n * FRAME);
	ts = malloc((size_t)2 * n * sizeof(*ts));
	if (!frames || !ts) {
		fprintf(stderr, "bench_evict: out of memory\n");
		return 1;
	}
	for (uint32_t i = 0; i < 2 * n; i++) {
		/* 10.0.0.0/8 + i: every flow its own source, one server port */
		build_frame(frames + (size_t)i * FRAME, 0x0a000000u + i + 1, 0xc0a80001u,
			    (uint16_t)(1024 + hash32(i) % 60000), 80, hash32(i ^ 0x5a5a5a5a), 0,
			    SW_TH_SYN, 0, (uint16_t)i);
		ts[i] = 1700000000LL * SW_NS_PER_SEC + (sw_time_t)i * 1000;
	}
	sw_conf_defaults(&c);
	c.max_sessions = n;
	printf("table               max-sessions %u, %u SYNs of distinct flows per phase, "
	       "bursts of %d\n", n, n, BATCH);
	printf("%-6s %14s %14s %8s\n", "round", "empty k new/s", "full k new/s", "ratio");
	for (int r = 0; r <= rounds; r++) {
		struct sw_engine *e;
		struct sw_stats st;
		uint64_t pe = 0, pf = 0;
		double te, tf;

		if (sw_engine_create(&e, &c) < 0) {
			fprintf(stderr, "bench_evict: sw_engine_create failed\n");
			return 1;
		}
		te = feed(e, frames, ts, 0, n, &pe);
		tf = feed(e, frames, ts, n, 2 * n, &pf);
		sw_engine_stats(e, &st);
		if (pe != n || pf != n || st.end[SW_END_EVICTED] != n) {
			fprintf(stderr, "bench_evict: %llu + %llu of %u + %u passed, %llu evicted\n",
				(unsigned long long)pe, (unsigned long long)pf, n, n,
				(unsigned long long)st.end[SW_END_EVICTED]);
			return 1;
		}
		sw_engine_destroy(e);
		if (r == 0) {
			printf("%-6s %14.0f %14.0f %8.3f\n", "warmup", n / te / 1e3, n / tf / 1e3, te / tf);
			continue;
		}
		empty[r - 1] = n / te;
		full[r - 1] = n / tf;
		ratio[r - 1] = te / tf;
		printf("%-6d %14.0f %14.0f %8.3f\n", r, empty[r - 1] / 1e3, full[r - 1] / 1e3,
		       ratio[r - 1]);
	}
	printf("median              empty %.0f k new sessions/s, full (evicting) %.0f k/s, "
	       "ratio full/empty %.3f (median of paired ratios)\n",
	       median(empty, rounds) / 1e3, median(full, rounds) / 1e3, median(ratio, rounds));
	printf("RESULT n=%u rounds=%d empty_kps=%.0f full_kps=%.0f ratio=%.3f\n", n, rounds,
	       median(empty, rounds) / 1e3, median(full, rounds) / 1e3, median(ratio, rounds));
	free(frames);
	free(ts);
	return 0;
}
