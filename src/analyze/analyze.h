/*
 * analyze.h - `statewall analyze` as a library (swanalyze): which timers
 * break which sessions of a capture, the smallest values that break none,
 * and what each setting costs.  One file of src/analyze/ per stage:
 *
 *   load.c       the capture once into memory (one buffer, an index of frames)
 *   measure.c    one pass through an engine whose timers never fire: the
 *                timing facts of every session, by phase
 *   recommend.c  per half-close mode, the smallest whole seconds that cover
 *                every session, verified by replaying with them
 *   cost.c       replays under each setting: broken sessions, refused flows,
 *                peak concurrency, session-seconds
 *   pressure.c   each setting against a real table: the peak its timers need,
 *                its accelerated-aging threshold and max-sessions crossed
 *   scope.c      the narrowest fix: per destination port, the service
 *                override (and the set lines) that saves what the current
 *                setting breaks, against the same timer raised globally
 *   output.c     the tables and the JSON document
 *   plot.c       the picture (cairo; only with SW_WITH_PLOT)
 *   par.c        the stages' independent replays on several threads
 *
 * Call an_load, an_measure, an_recommend, an_cost and an_scope in that order on one
 * analysis; each returns 0 or -errno with a message in err that names what
 * failed.  No stage prints anything: the caller decides what goes where.
 * docs/analyze.md says what every number means.
 */
#ifndef SW_ANALYZE_ANALYZE_H
#define SW_ANALYZE_ANALYZE_H

#include <stddef.h>
#include <stdio.h>

#include "statewall/conf.h"

struct an;

/*
 * An analysis of the captures at paths (files, directories, "-"; merged by
 * time as replay does; kept, not copied) under cur; NULL if out of memory.
 */
struct an *an_create(const char *const *paths, int npaths, const struct sw_conf *cur);
void an_destroy(struct an *a);

/*
 * Replays at once, on as many threads (1 to AN_THREADS_MAX, default 1): the
 * stages' independent replays run in parallel; the results are the same
 * for every n (par.c).
 */
#define AN_THREADS_MAX 16
void an_set_threads(struct an *a, unsigned n);

/*
 * Load the capture.  0: all of it.  1: a read error (truncated or corrupt
 * file) after some packets; err names the file and the packet, and the
 * analysis goes on with the packets before it (a caller exits non-zero, as
 * `statewall replay` does).  -errno: nothing to analyze, err says why.
 */
int an_load(struct an *a, char *err, size_t errlen);
int an_measure(struct an *a, char *err, size_t errlen);
int an_recommend(struct an *a, char *err, size_t errlen);

/* A --what-if specification 'K=V,...' applied to cur: 0, or -EINVAL with a message. */
int an_parse_whatif(const struct sw_conf *cur, const char *spec, struct sw_conf *out, char *err,
		    size_t errlen);
/* Replay under the current setting, each recommendation, the models and each named extra. */
int an_cost(struct an *a, char *const *names, const struct sw_conf *confs, size_t n, char *err,
	    size_t errlen);

/* The narrowest fixes of what the current setting breaks (after an_cost). */
int an_scope(struct an *a, char *err, size_t errlen);

/* The tables (top rows of each session list) or the JSON document: 0 or -errno of the stream. */
int an_text(FILE *f, const struct an *a, size_t top);
int an_json(FILE *f, const struct an *a);
/* One line: what was analyzed and how long each stage took. */
int an_timing(FILE *f, const struct an *a);

#ifdef SW_WITH_PLOT
/* The picture, to path (.svg or .png): 0, or -1 with a message in err. */
int an_plot(const struct an *a, const char *path, char *err, size_t errlen);
#endif

#endif
