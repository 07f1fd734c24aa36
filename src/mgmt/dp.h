/*
 * dp.h - everything the management plane may ask of the data plane.
 *
 * Command handlers never touch an engine or an interface: they call these
 * operations on the host's `struct sw_dp`.  Two implementations:
 *
 *   - dp_direct.c: one engine (and up to two interfaces) on the caller's own
 *     thread.  Unit tests, fuzzers and one-shot tools use it.
 *   - the daemon's: each operation is a message to the packet thread over a
 *     bounded single-producer ring, answered on another (docs/design.md,
 *     "The management thread").  Several packet workers can answer one
 *     operation; the implementation merges their answers (walks in id
 *     order, stats summed), so handlers are the same for one worker or many.
 *
 * Every operation is bounded: a walk visits at most `max` sessions (and
 * 16 * max table slots), so the packet thread answers within its budget.
 */
#ifndef SW_MGMT_DP_H
#define SW_MGMT_DP_H

#include <stdint.h>

#include "io/afpacket.h"
#include "statewall/engine.h"

/* One interface of the virtual wire, as `show interface` reports it. */
struct sw_dp_if {
	char name[32];
	int ifindex;
	struct sw_afp_stats st;
};

struct sw_dp_ops {
	/* sw_engine_walk: live sessions with id >= *cursor, at most max; *cursor 0 when done */
	unsigned (*walk)(void *ctx, uint32_t *cursor, unsigned max, sw_sess_fn fn, void *fctx);
	/* sw_engine_session: 0 or -ENOENT */
	int (*session)(void *ctx, uint32_t id, struct sw_sess_info *si);
	/* sw_engine_clear: 0 or -ENOENT */
	int (*clear)(void *ctx, uint32_t id);
	void (*stats)(void *ctx, struct sw_stats *st);
	/* each worker's own stats (at most max); how many workers (0: no answer) */
	unsigned (*workers)(void *ctx, struct sw_stats *per, unsigned max);
	/* data-plane time (ns) as last advanced */
	sw_time_t (*now)(void *ctx);
	/* sw_engine_set_conf on every engine: 0 or -errno; conf is copied */
	int (*set_conf)(void *ctx, const struct sw_conf *conf);
	/* the running configuration (the management side's copy; valid until the next set_conf) */
	const struct sw_conf *(*conf)(void *ctx);
	/* interface `port` (0 or 1): 0, or -ENOENT when there is none */
	int (*iface)(void *ctx, unsigned port, struct sw_dp_if *out);
};

struct sw_dp {
	const struct sw_dp_ops *ops;
	void *ctx;
};

static inline unsigned sw_dp_walk(const struct sw_dp *dp, uint32_t *cursor, unsigned max,
				  sw_sess_fn fn, void *fctx)
{
	return dp->ops->walk(dp->ctx, cursor, max, fn, fctx);
}
static inline int sw_dp_session(const struct sw_dp *dp, uint32_t id, struct sw_sess_info *si)
{
	return dp->ops->session(dp->ctx, id, si);
}
static inline int sw_dp_clear(const struct sw_dp *dp, uint32_t id)
{
	return dp->ops->clear(dp->ctx, id);
}
static inline void sw_dp_stats(const struct sw_dp *dp, struct sw_stats *st)
{
	dp->ops->stats(dp->ctx, st);
}
static inline unsigned sw_dp_workers(const struct sw_dp *dp, struct sw_stats *per, unsigned max)
{
	return dp->ops->workers(dp->ctx, per, max);
}
static inline sw_time_t sw_dp_now(const struct sw_dp *dp)
{
	return dp->ops->now(dp->ctx);
}
static inline int sw_dp_set_conf(const struct sw_dp *dp, const struct sw_conf *conf)
{
	return dp->ops->set_conf(dp->ctx, conf);
}
static inline const struct sw_conf *sw_dp_conf(const struct sw_dp *dp)
{
	return dp->ops->conf(dp->ctx);
}
static inline int sw_dp_iface(const struct sw_dp *dp, unsigned port, struct sw_dp_if *out)
{
	return dp->ops->iface(dp->ctx, port, out);
}

/* The direct implementation: `e` and the ports (either may be NULL) on this thread. */
struct sw_dp_direct {
	struct sw_engine *eng;
	struct sw_afp *port[2];
};
void sw_dp_direct_init(struct sw_dp *dp, struct sw_dp_direct *d, struct sw_engine *e,
		       struct sw_afp *port0, struct sw_afp *port1);

#endif
