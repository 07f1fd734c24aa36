/*
 * dp_direct.c - the data plane on the caller's thread (dp.h): one engine and
 * up to two interfaces, called directly.  Tests, fuzzers and tools use it;
 * the daemon's packet thread uses it to answer the management thread.
 */
#include <errno.h>
#include <stdio.h>

#include "mgmt/dp.h"

static unsigned d_walk(void *ctx, uint32_t *cursor, unsigned max, sw_sess_fn fn, void *fctx)
{
	struct sw_dp_direct *d = ctx;
	return sw_engine_walk(d->eng, cursor, max, fn, fctx);
}

static int d_session(void *ctx, uint32_t id, struct sw_sess_info *si)
{
	struct sw_dp_direct *d = ctx;
	return sw_engine_session(d->eng, id, si);
}

static int d_clear(void *ctx, uint32_t id)
{
	struct sw_dp_direct *d = ctx;
	return sw_engine_clear(d->eng, id);
}

static void d_stats(void *ctx, struct sw_stats *st)
{
	struct sw_dp_direct *d = ctx;
	sw_engine_stats(d->eng, st);
}

static unsigned d_workers(void *ctx, struct sw_stats *per, unsigned max)
{
	if (max == 0)
		return 0;
	d_stats(ctx, per);
	return 1;
}

static sw_time_t d_now(void *ctx)
{
	struct sw_dp_direct *d = ctx;
	return sw_engine_now(d->eng);
}

static int d_set_conf(void *ctx, const struct sw_conf *conf)
{
	struct sw_dp_direct *d = ctx;
	return sw_engine_set_conf(d->eng, conf);
}

static const struct sw_conf *d_conf(void *ctx)
{
	struct sw_dp_direct *d = ctx;
	return sw_engine_conf(d->eng);
}

static int d_iface(void *ctx, unsigned port, struct sw_dp_if *out)
{
	struct sw_dp_direct *d = ctx;

	if (port > 1 || !d->port[port])
		return -ENOENT;
	snprintf(out->name, sizeof(out->name), "%s", sw_afp_name(d->port[port]));
	out->ifindex = sw_afp_ifindex(d->port[port]);
	sw_afp_stats(d->port[port], &out->st);
	return 0;
}

static const struct sw_dp_ops direct_ops = {
	.walk = d_walk,
	.session = d_session,
	.clear = d_clear,
	.stats = d_stats,
	.workers = d_workers,
	.now = d_now,
	.set_conf = d_set_conf,
	.conf = d_conf,
	.iface = d_iface,
};

void sw_dp_direct_init(struct sw_dp *dp, struct sw_dp_direct *d, struct sw_engine *e,
		       struct sw_afp *port0, struct sw_afp *port1)
{
	d->eng = e;
	d->port[0] = port0;
	d->port[1] = port1;
	dp->ops = &direct_ops;
	dp->ctx = d;
}
