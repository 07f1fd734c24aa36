/*
 * rpool.c - replay on several engines (rpool.h): the dispatch hash, the
 * per-engine threads and their batch barrier, ended sessions queued per
 * engine and handed over on the calling thread.
 *
 * One batch: the caller's thread parses each packet for its flow (the
 * engine parses it again: the dispatch needs only the tuple), picks its
 * engine and appends the packet's index to that engine's list; a barrier
 * starts every engine on its list (in capture order, bursts of 32 as the
 * single-engine replay does), each then advances to the batch's last
 * timestamp; a second barrier ends the batch.  Engine 0 runs on the
 * caller's thread.  Between batches the other threads wait on the barrier
 * and touch nothing, so flush and stats run on the caller's thread alone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "app/rpool.h"
#include "mgmt/dp_thread.h"
#include "statewall/conf.h"
#include "statewall/pkt.h"

#define CHUNK 32
#define FRAG_SLOTS 4096 /* first fragments remembered for their later fragments */
#define STICKY_SLOTS 65536 /* flows remembered with their engine */

struct rworker {
	struct rpool *p;
	unsigned index;
	struct sw_engine *eng;
	pthread_t tid;
	uint32_t *list; /* this batch's packets (indices into the batch) */
	unsigned nlist;
	struct sw_sess_info *ended; /* ended during the batch, local ids */
	size_t nended, capended;
	int oom;
};

/* A remembered key and the engine it went to (first fragments, flows). */
struct slot {
	uint32_t key; /* a fragment key or a flow hash; 0 = empty */
	uint8_t worker;
};

struct rpool {
	unsigned n;
	struct rworker w[SW_RPOOL_MAX];
	pthread_barrier_t start, done;
	int stop, barriers, clock_set;
	sw_end_fn end_fn;
	void *end_ctx;
	/* the batch */
	const uint8_t *const *frames;
	const uint32_t *caplen, *wirelen;
	sw_time_t ts[SW_RPOOL_BATCH]; /* the batch's times, never before the previous one */
	sw_time_t clock;              /* the latest time any engine was given */
	struct sw_verdict *out;
	int link;
	unsigned nbatch;
	struct slot frag[FRAG_SLOTS];
	struct slot sticky[STICKY_SLOTS];
};

static uint32_t mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x9e3779b1u;
	return h ^ (h >> 15);
}

/* Addresses as an unordered pair: the same for both directions. */
static uint32_t addr_pair(const struct sw_flow *f)
{
	uint32_t a = 0, b = 0;

	for (int i = 0; i < 4; i++) {
		a = mix(a, f->src.w[i]);
		b = mix(b, f->dst.w[i]);
	}
	return (a ^ b) + (a + b) * 31u;
}

static uint32_t flow_hash(const struct sw_flow *f)
{
	uint32_t h = mix(addr_pair(f), f->proto);
	return mix(h, (uint32_t)f->sport ^ f->dport) + (uint32_t)f->sport * f->dport;
}

static uint32_t frag_key(const struct sw_pkt *k)
{
	uint32_t h = mix(mix(addr_pair(&k->flow), k->flow.proto), k->frag_id);
	return h ? h : 1;
}

/* The engine packet i belongs to. */
static unsigned pick(struct rpool *p, const uint8_t *frame, uint32_t caplen)
{
	struct sw_pkt k;

	if (sw_pkt_parse(&k, frame, caplen, p->link, 0) != SW_DROP_NONE)
		return 0; /* dropped by whichever engine: count it in the first */
	if (k.pflags & SW_PF_ICMP_ERR)
		return flow_hash(&k.inner) % p->n;
	if (k.pflags & (SW_PF_FRAG_FIRST | SW_PF_FRAG_LATER)) {
		uint32_t key = frag_key(&k);
		struct slot *s = &p->frag[key % FRAG_SLOTS];
		if (k.pflags & SW_PF_FRAG_FIRST) {
			unsigned w = flow_hash(&k.flow) % p->n;
			s->key = key;
			s->worker = (uint8_t)w;
			return w;
		}
		/* a later fragment whose first one was not seen (or was overwritten): by addresses */
		return s->key == key ? s->worker : addr_pair(&k.flow) % p->n;
	}
	/*
	 * A flow stays where its first packet went (a flow may be told a
	 * tunnel by its payload only from some packet on: Teredo on any port).
	 * A tunnel goes by its end points alone: its inner flows are sessions
	 * too (tunnel-inspect), and an inner flow's two directions may ride
	 * outer flows of different ports (VXLAN's source port is a hash of the
	 * inner packet), so the outer and inner sessions stay together.
	 */
	uint32_t fh = flow_hash(&k.flow), key = fh ? fh : 1;
	struct slot *st = &p->sticky[fh % STICKY_SLOTS];
	struct sw_tun t;
	if (st->key == key)
		return st->worker;
	(void)sw_pkt_tunnel(&k, frame, caplen, &t);
	st->key = key;
	st->worker = (uint8_t)((t.type != SW_TUN_MAX ? addr_pair(&k.flow) : fh) % p->n);
	return st->worker;
}

static void on_end(void *ctx, const struct sw_sess_info *si)
{
	struct rworker *w = ctx;

	if (w->nended == w->capended) {
		size_t n = w->capended ? w->capended * 2 : 256;
		void *q = realloc(w->ended, n * sizeof(*w->ended));
		if (!q) {
			w->oom = 1;
			return;
		}
		w->ended = q;
		w->capended = n;
	}
	w->ended[w->nended++] = *si;
}

/* Worker w's part of the batch. */
static void run_part(struct rworker *w)
{
	struct rpool *p = w->p;
	const uint8_t *f[CHUNK];
	uint32_t len[CHUNK], wire[CHUNK];
	sw_time_t ts[CHUNK];
	struct sw_verdict v[CHUNK];

	for (unsigned i = 0; i < w->nlist; i += CHUNK) {
		unsigned m = w->nlist - i < CHUNK ? w->nlist - i : CHUNK;
		for (unsigned j = 0; j < m; j++) {
			uint32_t k = w->list[i + j];
			f[j] = p->frames[k];
			len[j] = p->caplen[k];
			wire[j] = p->wirelen[k];
			ts[j] = p->ts[k];
		}
		sw_engine_burst_wire(w->eng, f, len, wire, p->link, ts, m, v);
		for (unsigned j = 0; j < m; j++) {
			struct sw_verdict *o = &p->out[w->list[i + j]];
			*o = v[j];
			o->sess = sw_dp_gid(v[j].sess, w->index, p->n);
		}
	}
	if (p->nbatch)
		sw_engine_advance(w->eng, p->clock);
}

static void *thread_main(void *arg)
{
	struct rworker *w = arg;
	struct rpool *p = w->p;

	for (;;) {
		pthread_barrier_wait(&p->start);
		if (p->stop)
			return NULL;
		run_part(w);
		pthread_barrier_wait(&p->done);
	}
}

/* Hand what the engines ended to the caller, engine by engine, ids global. */
static void hand_over(struct rpool *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct rworker *w = &p->w[i];
		for (size_t k = 0; k < w->nended; k++) {
			sw_dp_globalize(&w->ended[k], i, p->n);
			if (p->end_fn)
				p->end_fn(p->end_ctx, &w->ended[k]);
		}
		w->nended = 0;
	}
}

int rpool_create(struct rpool **out, unsigned n, const struct sw_conf *conf)
{
	struct sw_conf share = *conf;
	struct rpool *p;
	int rc;

	*out = NULL;
	if (n == 0 || n > SW_RPOOL_MAX)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->n = n;
	sw_conf_share(&share, n);
	for (unsigned i = 0; i < n; i++) {
		struct rworker *w = &p->w[i];
		w->p = p;
		w->index = i;
		w->list = malloc(SW_RPOOL_BATCH * sizeof(*w->list));
		if (!w->list || (rc = sw_engine_create(&w->eng, &share)) < 0) {
			rc = w->list ? rc : -ENOMEM;
			goto bad;
		}
		sw_engine_on_end(w->eng, on_end, w);
	}
	if (pthread_barrier_init(&p->start, NULL, n) != 0 ||
	    pthread_barrier_init(&p->done, NULL, n) != 0) {
		rc = -ENOMEM;
		goto bad;
	}
	p->barriers = 1;
	for (unsigned i = 1; i < n; i++) {
		if ((rc = pthread_create(&p->w[i].tid, NULL, thread_main, &p->w[i])) != 0) {
			/* the barriers count n threads: without them all, none can run */
			p->n = i;
			rpool_destroy(p);
			return -rc;
		}
	}
	*out = p;
	return 0;
bad:
	p->n = 1; /* no thread started yet */
	for (unsigned i = 0; i < SW_RPOOL_MAX; i++) {
		sw_engine_destroy(p->w[i].eng);
		free(p->w[i].list);
	}
	if (p->barriers) {
		pthread_barrier_destroy(&p->start);
		pthread_barrier_destroy(&p->done);
	}
	free(p);
	return rc;
}

void rpool_destroy(struct rpool *p)
{
	if (!p)
		return;
	if (p->n > 1) {
		p->stop = 1;
		pthread_barrier_wait(&p->start);
		for (unsigned i = 1; i < p->n; i++)
			pthread_join(p->w[i].tid, NULL);
	}
	pthread_barrier_destroy(&p->start);
	pthread_barrier_destroy(&p->done);
	for (unsigned i = 0; i < SW_RPOOL_MAX; i++) {
		sw_engine_destroy(p->w[i].eng);
		free(p->w[i].list);
		free(p->w[i].ended);
	}
	free(p);
}

void rpool_on_end(struct rpool *p, sw_end_fn fn, void *ctx)
{
	p->end_fn = fn;
	p->end_ctx = ctx;
}

void rpool_burst(struct rpool *p, const uint8_t *const *frames, const uint32_t *caplen,
		 const uint32_t *wirelen, int link, const sw_time_t *ts, unsigned n,
		 struct sw_verdict *out)
{
	if (n > SW_RPOOL_BATCH)
		n = SW_RPOOL_BATCH;
	p->frames = frames;
	p->caplen = caplen;
	p->wirelen = wirelen;
	p->out = out;
	p->link = link;
	p->nbatch = n;
	for (unsigned i = 0; i < p->n; i++)
		p->w[i].nlist = 0;
	/*
	 * An engine's time never runs backwards (sw_engine_advance): a packet
	 * older than the latest one is taken at the latest time.  Every engine
	 * must agree on that time, including those that did not see the
	 * latest packet, so the times are made non-decreasing here.
	 */
	for (unsigned i = 0; i < n; i++) {
		struct rworker *w = &p->w[p->n > 1 ? pick(p, frames[i], caplen[i]) : 0];
		if (ts[i] > p->clock || !p->clock_set)
			p->clock = ts[i];
		p->clock_set = 1;
		p->ts[i] = p->clock;
		w->list[w->nlist++] = i;
	}
	if (p->n > 1)
		pthread_barrier_wait(&p->start);
	run_part(&p->w[0]);
	if (p->n > 1)
		pthread_barrier_wait(&p->done);
	hand_over(p);
}

void rpool_flush(struct rpool *p, enum sw_end reason)
{
	for (unsigned i = 0; i < p->n; i++)
		sw_engine_flush(p->w[i].eng, reason);
	hand_over(p);
}

void rpool_stats(struct rpool *p, struct sw_stats *st)
{
	struct sw_stats one;

	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < p->n; i++) {
		sw_engine_stats(p->w[i].eng, &one);
		sw_stats_add(st, &one);
	}
}

int rpool_oom(const struct rpool *p)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->w[i].oom)
			return 1;
	return 0;
}
