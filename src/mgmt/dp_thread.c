/*
 * dp_thread.c - the data plane by messages (dp_thread.h): the packet
 * worker's side (answering requests between bursts, queueing events and
 * ended sessions without ever blocking) and the management side (struct
 * sw_dp operations as requests, answers merged over the workers).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "mgmt/dp_thread.h"
#include "util/clock.h"

#define REQ_SLOTS 16
#define SPIN_LOOKS 1000 /* ring looks (tens of us) before waiting on the eventfd */

static void kick(int fd)
{
	uint64_t one = 1;
	(void)!write(fd, &one, sizeof(one));
}

static void drain_fd(int fd)
{
	uint64_t v;
	(void)!read(fd, &v, sizeof(v));
}

int sw_dp_link_init(struct sw_dp_link *l, unsigned index, unsigned nworkers, struct sw_engine *e,
		    struct sw_afp *port0, struct sw_afp *port1, int notify_fd, unsigned ev_slots,
		    unsigned end_slots)
{
	struct sw_dp dp;
	int rc;

	memset(l, 0, sizeof(*l));
	l->wake_fd = -1;
	if (nworkers == 0 || nworkers > SW_DP_MAX_WORKERS || index >= nworkers)
		return -EINVAL;
	if ((rc = sw_ring_init(&l->req, sizeof(struct sw_dpm_req), REQ_SLOTS)) < 0 ||
	    (rc = sw_ring_init(&l->res, sizeof(struct sw_dpm_res), REQ_SLOTS)) < 0 ||
	    (rc = sw_ring_init(&l->ev, sizeof(struct sw_ev_rec), ev_slots)) < 0 ||
	    (rc = sw_ring_init(&l->end, sizeof(struct sw_dpm_end), end_slots)) < 0)
		goto fail;
	l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->wake_fd < 0) {
		rc = -errno;
		goto fail;
	}
	l->notify_fd = notify_fd;
	l->index = index;
	l->nworkers = nworkers;
	sw_dp_direct_init(&dp, &l->dd, e, port0, port1);
	return 0;
fail:
	sw_dp_link_free(l);
	return rc;
}

void sw_dp_link_free(struct sw_dp_link *l)
{
	sw_ring_free(&l->req);
	sw_ring_free(&l->res);
	sw_ring_free(&l->ev);
	sw_ring_free(&l->end);
	if (l->wake_fd >= 0)
		close(l->wake_fd);
	l->wake_fd = -1;
}

uint32_t sw_dp_link_gid(const struct sw_dp_link *l, uint32_t local)
{
	return sw_dp_gid(local, l->index, l->nworkers);
}

void sw_dp_globalize(struct sw_sess_info *si, unsigned w, unsigned n)
{
	si->id = sw_dp_gid(si->id, w, n);
	si->tunnel_id = sw_dp_gid(si->tunnel_id, w, n);
	si->worker = (uint8_t)w;
}

void sw_dp_stall_add(struct sw_dp_stall *a, const struct sw_dp_stall *b)
{
	a->wakeups += b->wakeups;
	for (int i = 0; i < SW_STALL_BUCKETS; i++)
		a->hist[i] += b->hist[i];
	if (b->max_ns > a->max_ns)
		a->max_ns = b->max_ns;
	if (b->max_req_ns > a->max_req_ns)
		a->max_req_ns = b->max_req_ns;
	if (b->max_timer_ns > a->max_timer_ns)
		a->max_timer_ns = b->max_timer_ns;
	if (b->max_cpu_ns > a->max_cpu_ns)
		a->max_cpu_ns = b->max_cpu_ns;
}

void sw_dp_stall_note(struct sw_dp_stall *s, int64_t ns, int64_t cpu_ns)
{
	int64_t b = ns / SW_STALL_BUCKET_NS;

	s->wakeups++;
	if (cpu_ns > s->max_cpu_ns)
		s->max_cpu_ns = cpu_ns;
	if (ns > s->max_ns)
		s->max_ns = ns;
	s->hist[b < SW_STALL_BUCKETS - 1 ? b : SW_STALL_BUCKETS - 1]++;
}

double sw_dp_stall_quantile_us(const struct sw_dp_stall *s, double q)
{
	uint64_t want = (uint64_t)(q * (double)s->wakeups), seen = 0;

	for (int b = 0; b < SW_STALL_BUCKETS - 1; b++) {
		seen += s->hist[b];
		if (seen > want)
			return (double)(b + 1) * SW_STALL_BUCKET_NS / 1000.0;
	}
	return (double)s->max_ns / 1000.0;
}

/* ---- the worker's side ----------------------------------------------------- */

struct copy {
	struct sw_sess_info *out;
	unsigned n;
};

static int copy_cb(void *ctx, const struct sw_sess_info *si)
{
	struct copy *c = ctx;
	c->out[c->n++] = *si;
	return 0;
}

static void answer(struct sw_dp_link *l, const struct sw_dpm_req *q, struct sw_dpm_res *a)
{
	struct sw_dp_direct *d = &l->dd;

	memset(a, 0, sizeof(*a));
	a->seq = q->seq;
	switch (q->op) {
	case SW_DPM_WALK: {
		struct copy c = {.out = q->out};
		uint32_t cur = q->arg;
		sw_engine_walk(d->eng, &cur, q->max < SW_DPM_WALK_MAX ? q->max : SW_DPM_WALK_MAX,
			       copy_cb, &c);
		a->count = c.n;
		a->cursor = cur;
		break;
	}
	case SW_DPM_SESSION: a->rc = sw_engine_session(d->eng, q->arg, q->out); break;
	case SW_DPM_CLEAR: a->rc = sw_engine_clear(d->eng, q->arg); break;
	case SW_DPM_STATS: sw_engine_stats(d->eng, q->out); break;
	case SW_DPM_NOW: break;
	case SW_DPM_SET_CONF: a->rc = sw_engine_set_conf(d->eng, q->conf); break;
	case SW_DPM_IFACE: {
		struct sw_dp_if *o = q->out;
		struct sw_afp *p = q->arg < 2 ? d->port[q->arg] : NULL;
		if (!p) {
			a->rc = -ENOENT;
			break;
		}
		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", sw_afp_name(p));
		o->ifindex = sw_afp_ifindex(p);
		sw_afp_stats(p, &o->st);
		break;
	}
	case SW_DPM_STOP: l->stop = 1; break;
	case SW_DPM_STALL:
		*(struct sw_dp_stall *)q->out = l->stall;
		if (q->arg)
			memset(&l->stall, 0, sizeof(l->stall));
		break;
	default: a->rc = -EINVAL; break;
	}
	a->now = sw_engine_now(d->eng);
}

unsigned sw_dp_link_serve(struct sw_dp_link *l, int64_t budget_ns)
{
	int64_t start = sw_mono_ns();
	const struct sw_dpm_req *q;
	unsigned n = 0;

	drain_fd(l->wake_fd); /* before looking: a request queued after this wakes us again */
	while ((q = sw_ring_peek(&l->req))) {
		struct sw_dpm_res *a = sw_ring_reserve(&l->res);
		if (!a)
			break; /* answers not read yet: the management side reads before it asks again */
		answer(l, q, a);
		sw_ring_commit(&l->res);
		sw_ring_release(&l->req);
		l->pushed = 1;
		n++;
		if (sw_mono_ns() - start >= budget_ns)
			break;
	}
	if (sw_ring_peek(&l->req))
		kick(l->wake_fd); /* budget spent: the rest at the next wakeup */
	sw_dp_link_notify(l);
	return n;
}

void sw_dp_link_event(struct sw_dp_link *l, const struct sw_event *ev)
{
	struct sw_ev_rec *r = sw_ring_reserve(&l->ev);

	if (!r) {
		l->ev_lost++;
		return;
	}
	sw_ev_rec_fill(r, ev, l->ev_lost);
	sw_dp_globalize(&r->si, l->index, l->nworkers);
	sw_ring_commit(&l->ev);
	l->pushed = 1;
}

int sw_dp_link_end(struct sw_dp_link *l, const struct sw_sess_info *si)
{
	struct sw_dpm_end *r = sw_ring_reserve(&l->end);

	if (!r) {
		l->end_lost++;
		return -ENOSPC;
	}
	r->si = *si;
	sw_dp_globalize(&r->si, l->index, l->nworkers);
	r->lost_before = l->end_lost;
	sw_ring_commit(&l->end);
	l->pushed = 1;
	return 0;
}

void sw_dp_link_notify(struct sw_dp_link *l)
{
	if (l->pushed) {
		l->pushed = 0;
		kick(l->notify_fd);
	}
}

/* ---- the management side --------------------------------------------------- */

/*
 * Send q[i] to worker first + i for i < n, wait for every answer (in
 * t->last[first + i]).  Records that arrive meanwhile on the event and end
 * rings stay there for the management loop.  0 or -ETIMEDOUT.
 */
static int ask(struct sw_dp_thread *t, unsigned first, unsigned n, struct sw_dpm_req *q)
{
	uint32_t seq = ++t->seq;
	int64_t deadline = sw_mono_ns() + t->timeout_ns;
	unsigned got = 0, spins = 0;
	int have[SW_DP_MAX_WORKERS] = {0};

	t->calls++;
	for (unsigned i = 0; i < n; i++) {
		struct sw_dp_link *l = t->w[first + i];
		q[i].seq = seq;
		while (sw_ring_push(&l->req, &q[i], sizeof(q[i])) < 0) {
			/* only after timeouts can old requests still be queued */
			if (sw_mono_ns() > deadline) {
				t->timeouts++;
				return -ETIMEDOUT;
			}
			poll(NULL, 0, 1);
		}
		kick(l->wake_fd);
	}
	for (;;) {
		for (unsigned i = 0; i < n; i++) {
			struct sw_dpm_res a;
			while (!have[i] && sw_ring_pop(&t->w[first + i]->res, &a, sizeof(a))) {
				if (a.seq != seq)
					continue; /* the answer to a request that timed out */
				t->last[first + i] = a;
				t->now = a.now;
				t->now_at = sw_mono_ns();
				have[i] = 1;
				got++;
			}
		}
		if (got == n)
			return 0;
		/* a worker on its own CPU answers within microseconds: look again before sleeping */
		if (spins++ < SPIN_LOOKS)
			continue;
		int64_t left = deadline - sw_mono_ns();
		if (left <= 0) {
			t->timeouts++;
			return -ETIMEDOUT;
		}
		struct pollfd p = {.fd = t->notify_fd, .events = POLLIN};
		if (poll(&p, 1, (int)(left / 1000000) + 1) > 0)
			drain_fd(t->notify_fd);
	}
}

static void req_all(struct sw_dp_thread *t, struct sw_dpm_req *q, uint8_t op)
{
	memset(q, 0, sizeof(*q) * t->nw);
	for (unsigned i = 0; i < t->nw; i++)
		q[i].op = op;
}

/* Worker w's first local id at or after global id g (g 0: from the start). */
static uint32_t local_cursor(const struct sw_dp_thread *t, unsigned w, uint32_t g)
{
	if (g == 0 || g <= w + 1)
		return g ? 1 : 0;
	return (g - w - 1 + t->nw - 1) / t->nw + 1;
}

static uint32_t gid(const struct sw_dp_thread *t, unsigned w, uint32_t local)
{
	return sw_dp_gid(local, w, t->nw);
}

/*
 * Each worker lists up to max sessions from the cursor; the answers are
 * merged in global id order up to the first session some worker has not
 * reached yet (a worker's slot budget may stop it short), so no id is
 * skipped or listed twice.
 */
static unsigned t_walk(void *ctx, uint32_t *cursor, unsigned max, sw_sess_fn fn, void *fctx)
{
	struct sw_dp_thread *t = ctx;
	struct sw_dpm_req q[SW_DP_MAX_WORKERS];
	unsigned pos[SW_DP_MAX_WORKERS] = {0}, n = 0;
	uint64_t bound = UINT64_MAX;
	uint32_t last_g = 0;

	if (max > SW_DPM_WALK_MAX)
		max = SW_DPM_WALK_MAX;
	req_all(t, q, SW_DPM_WALK);
	for (unsigned i = 0; i < t->nw; i++) {
		q[i].arg = local_cursor(t, i, *cursor);
		q[i].max = max;
		q[i].out = t->walk[i];
	}
	if (ask(t, 0, t->nw, q) < 0) {
		*cursor = 0;
		return 0;
	}
	for (unsigned i = 0; i < t->nw; i++)
		if (t->last[i].cursor && gid(t, i, t->last[i].cursor) < bound)
			bound = gid(t, i, t->last[i].cursor);
	for (; n < max; n++) {
		unsigned best = t->nw;
		uint32_t best_id = 0;
		for (unsigned i = 0; i < t->nw; i++) {
			if (pos[i] >= t->last[i].count)
				continue;
			uint32_t g = gid(t, i, t->walk[i][pos[i]].id);
			if (best == t->nw || g < best_id)
				best = i, best_id = g;
		}
		if (best == t->nw || best_id >= bound)
			break;
		struct sw_sess_info *si = &t->walk[best][pos[best]++];
		sw_dp_globalize(si, best, t->nw); /* its id becomes best_id */
		last_g = best_id;
		if (fn(fctx, si)) {
			*cursor = best_id + 1;
			return n + 1;
		}
	}
	/* the next slice starts after what was listed, or at the nearest frontier */
	if (n == max)
		*cursor = last_g + 1;
	else
		*cursor = bound == UINT64_MAX ? 0 : (uint32_t)bound;
	return n;
}

static int t_one(struct sw_dp_thread *t, uint8_t op, uint32_t id, void *out)
{
	struct sw_dpm_req q = {.op = op};
	unsigned w;

	if (id == 0)
		return -ENOENT;
	w = (id - 1) % t->nw;
	q.arg = (id - 1) / t->nw + 1;
	q.out = out;
	if (ask(t, w, 1, &q) < 0)
		return -ETIMEDOUT;
	return t->last[w].rc;
}

static int t_session(void *ctx, uint32_t id, struct sw_sess_info *si)
{
	struct sw_dp_thread *t = ctx;
	int rc = t_one(t, SW_DPM_SESSION, id, t->walk[0]);

	if (rc == 0) {
		*si = t->walk[0][0]; /* local ids: the record came from worker (id - 1) % n */
		sw_dp_globalize(si, (id - 1) % t->nw, t->nw);
	}
	return rc;
}

static int t_clear(void *ctx, uint32_t id)
{
	return t_one(ctx, SW_DPM_CLEAR, id, NULL);
}

/* Every worker's stats in t->stats; 0 or -ETIMEDOUT. */
static int ask_stats(struct sw_dp_thread *t)
{
	struct sw_dpm_req q[SW_DP_MAX_WORKERS];

	req_all(t, q, SW_DPM_STATS);
	for (unsigned i = 0; i < t->nw; i++)
		q[i].out = &t->stats[i];
	return ask(t, 0, t->nw, q) < 0 ? -ETIMEDOUT : 0;
}

static void t_stats(void *ctx, struct sw_stats *st)
{
	struct sw_dp_thread *t = ctx;

	memset(st, 0, sizeof(*st));
	if (ask_stats(t) < 0)
		return;
	for (unsigned i = 0; i < t->nw; i++)
		sw_stats_add(st, &t->stats[i]);
}

static unsigned t_workers(void *ctx, struct sw_stats *per, unsigned max)
{
	struct sw_dp_thread *t = ctx;
	unsigned n = t->nw < max ? t->nw : max;

	if (ask_stats(t) < 0)
		return 0;
	memcpy(per, t->stats, n * sizeof(*per));
	return n;
}

/* Engine time: the latest answer's if it is under 10 ms old (a listing asks per row). */
static sw_time_t t_now(void *ctx)
{
	struct sw_dp_thread *t = ctx;
	struct sw_dpm_req q[SW_DP_MAX_WORKERS];

	if (t->now_at && sw_mono_ns() - t->now_at < 10 * 1000 * 1000)
		return t->now;
	req_all(t, q, SW_DPM_NOW);
	if (ask(t, 0, t->nw, q) == 0)
		for (unsigned i = 0; i < t->nw; i++)
			if (t->last[i].now > t->now)
				t->now = t->last[i].now;
	return t->now;
}

static int t_set_conf(void *ctx, const struct sw_conf *conf)
{
	struct sw_dp_thread *t = ctx;
	struct sw_dpm_req q[SW_DP_MAX_WORKERS];

	/* each engine gets its share of the table limits (sw_conf_share) */
	t->pending = *conf;
	sw_conf_share(&t->pending, t->nw);
	req_all(t, q, SW_DPM_SET_CONF);
	for (unsigned i = 0; i < t->nw; i++)
		q[i].conf = &t->pending;
	if (ask(t, 0, t->nw, q) < 0)
		return -ETIMEDOUT;
	/* every engine validates the same configuration: they agree */
	for (unsigned i = 0; i < t->nw; i++)
		if (t->last[i].rc < 0)
			return t->last[i].rc;
	t->running = *conf;
	return 0;
}

static const struct sw_conf *t_conf(void *ctx)
{
	struct sw_dp_thread *t = ctx;
	return &t->running;
}

/* An interface's counters summed over the workers that serve it. */
static int t_iface(void *ctx, unsigned port, struct sw_dp_if *out)
{
	struct sw_dp_thread *t = ctx;
	struct sw_dpm_req q[SW_DP_MAX_WORKERS];
	int found = 0;

	req_all(t, q, SW_DPM_IFACE);
	for (unsigned i = 0; i < t->nw; i++) {
		q[i].arg = port;
		q[i].out = &t->ifs[i];
	}
	if (ask(t, 0, t->nw, q) < 0)
		return -ETIMEDOUT;
	for (unsigned i = 0; i < t->nw; i++) {
		const struct sw_dp_if *f = &t->ifs[i];
		if (t->last[i].rc < 0)
			continue;
		if (!found++) {
			*out = *f;
			continue;
		}
		sw_afp_stats_add(&out->st, &f->st);
	}
	return found ? 0 : -ENOENT;
}

static const struct sw_dp_ops thread_ops = {
	.walk = t_walk,
	.session = t_session,
	.clear = t_clear,
	.stats = t_stats,
	.workers = t_workers,
	.now = t_now,
	.set_conf = t_set_conf,
	.conf = t_conf,
	.iface = t_iface,
};

int sw_dp_thread_init(struct sw_dp *dp, struct sw_dp_thread *t, struct sw_dp_link *const *w,
		      unsigned n, int notify_fd, const struct sw_conf *running)
{
	memset(t, 0, sizeof(*t));
	if (n == 0 || n > SW_DP_MAX_WORKERS)
		return -EINVAL;
	t->nw = n;
	t->notify_fd = notify_fd;
	t->timeout_ns = 5LL * SW_NS_PER_SEC;
	t->running = *running;
	t->stats = calloc(n, sizeof(*t->stats));
	t->stalls = calloc(n, sizeof(*t->stalls));
	if (!t->stats || !t->stalls) {
		sw_dp_thread_free(t);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		t->w[i] = w[i];
		t->walk[i] = calloc(SW_DPM_WALK_MAX, sizeof(struct sw_sess_info));
		if (!t->walk[i]) {
			sw_dp_thread_free(t);
			return -ENOMEM;
		}
	}
	dp->ops = &thread_ops;
	dp->ctx = t;
	return 0;
}

void sw_dp_thread_free(struct sw_dp_thread *t)
{
	for (unsigned i = 0; i < SW_DP_MAX_WORKERS; i++) {
		free(t->walk[i]);
		t->walk[i] = NULL;
	}
	free(t->stats);
	t->stats = NULL;
	free(t->stalls);
	t->stalls = NULL;
}

int sw_dp_thread_stall(struct sw_dp_thread *t, struct sw_dp_stall *out, int reset)
{
	struct sw_dpm_req q[SW_DP_MAX_WORKERS];
	int rc;

	memset(out, 0, sizeof(*out));
	req_all(t, q, SW_DPM_STALL);
	for (unsigned i = 0; i < t->nw; i++) {
		q[i].arg = reset ? 1 : 0;
		q[i].out = &t->stalls[i];
	}
	if ((rc = ask(t, 0, t->nw, q)) < 0)
		return rc;
	for (unsigned i = 0; i < t->nw; i++)
		sw_dp_stall_add(out, &t->stalls[i]);
	return 0;
}

int sw_dp_thread_stop(struct sw_dp_thread *t)
{
	struct sw_dpm_req q[SW_DP_MAX_WORKERS];

	req_all(t, q, SW_DPM_STOP);
	return ask(t, 0, t->nw, q);
}
