/*
 * rpool.c - replay on several engines (rpool.h): the dispatch hash, the
 * batches in flight and the threads that run the engines' parts of them,
 * ended sessions queued per batch and engine and handed over on the
 * calling thread.
 *
 * rpool_submit() runs on the caller's thread: it reads each packet's flow
 * (an Ethernet IPv4 TCP packet's addresses and ports where its headers put
 * them, any other packet by the parser; the engine parses it in full),
 * picks its engine and appends the packet to that engine's part of the
 * batch.  A part (one engine's packets of one batch, in capture order,
 * bursts of 32 as the single-engine replay does, then the advance to the
 * batch's last time) may run once the engine has run its part of every
 * earlier batch; whichever thread is free takes the oldest such part and
 * runs up to SLICE packets of it (another thread may go on with it),
 * writing its verdicts in its part's order; collecting the batch puts them
 * in capture order on the caller's thread.  One mutex guards the schedule
 * (which engine is busy, its next batch, the parts a batch still waits
 * for); the batch itself is written by the caller before it is published
 * under the mutex and read by the engines after, and a batch slot is
 * reused only once collected.  The end-of-capture flush is a batch too,
 * each engine's part its sw_engine_flush (the largest part of a replay of
 * many short flows: every tombstone is logged then).  With nothing in
 * flight nothing runs, so stats read the engines directly.  With one
 * engine no thread is started, the engine runs the caller's arrays in
 * rpool_submit (no dispatch, no copy but the times, verdicts in place) and
 * ended sessions go straight to the caller, as engine 0's do in the flush.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/rpool.h"
#include "mgmt/dp_thread.h"
#include "pkt/wire.h"
#include "statewall/conf.h"
#include "statewall/pkt.h"
#include "util/prefetch.h"

#define CHUNK 32
/*
 * Packets a thread runs of an engine's part before it lets the schedule
 * choose again: the caller's thread, which reads the next batch once the
 * oldest is done, then comes back to reading within about 100 us.
 */
#define SLICE 512
#define FRAG_SLOTS 4096 /* first fragments remembered for their later fragments */
#define STICKY_SLOTS 65536 /* flows remembered with their engine */

/* Ended sessions of one engine in one batch, local ids. */
struct endq {
	struct sw_sess_info *v;
	size_t n, cap;
};

struct rworker {
	struct rpool *p;
	unsigned index;
	struct sw_engine *eng;
	struct endq *cur; /* where its ended sessions go: the batch it runs */
	uint64_t next;    /* the batch (sequence number) whose part it runs next */
	unsigned pos;     /* packets of that part already run */
	int busy;         /* a thread runs its part */
	int direct;       /* its ended sessions go straight to the caller's callback */
	int oom;
};

/*
 * One batch in flight.  Each engine's part is written by the dispatch as
 * arrays of its own, in capture order, which its engine reads straight
 * through: frames, lengths, times (never before the previous one) and,
 * for collecting, the packets' indices in the batch.  The engine writes its
 * verdicts in the same order; the caller's thread puts them in capture
 * order when it collects the batch (engines reading one array of the whole
 * batch, and writing verdicts of neighbouring packets into one cache line,
 * took its lines from each other and from the reading thread).
 */
struct rbatch {
	struct sw_verdict *out;
	int link;
	unsigned n;
	int flush;     /* 1 + enum sw_end: a batch that ends every session (rpool_flush), 0 not */
	unsigned left; /* engines whose part is not done */
	sw_time_t clock; /* its last time, every engine's time after it */
	unsigned nlist[SW_RPOOL_MAX];
	uint32_t *list[SW_RPOOL_MAX];
	const uint8_t **fr[SW_RPOOL_MAX];
	uint32_t *len[SW_RPOOL_MAX], *wire[SW_RPOOL_MAX]; /* captured, wire lengths */
	sw_time_t *ts[SW_RPOOL_MAX];
	struct sw_verdict *res[SW_RPOOL_MAX];
	struct endq ended[SW_RPOOL_MAX];
};

/* A remembered key and the engine it went to (first fragments, flows). */
struct slot {
	uint32_t key; /* a fragment key or a flow hash; 0 = empty */
	uint8_t worker;
};

struct rpool {
	unsigned n, nthreads; /* engines; threads started (engines 1..nthreads) */
	struct rworker w[SW_RPOOL_MAX];
	pthread_t tid[SW_RPOOL_MAX];
	pthread_mutex_t mu;
	pthread_cond_t work; /* a part may have become runnable (the threads wait) */
	pthread_cond_t done; /* a batch is done (the caller waits) */
	int stop, sync_init, clock_set;
	uint64_t submitted, collected; /* batches */
	sw_end_fn end_fn;
	void *end_ctx;
	sw_time_t clock; /* the latest time any engine was given */
	uint32_t v4mapped; /* addr_fold's state after the three words every IPv4 address starts with */
	struct rbatch b[SW_RPOOL_DEPTH];
	struct slot frag[FRAG_SLOTS];
	struct slot sticky[STICKY_SLOTS];
};

static uint32_t mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x9e3779b1u;
	return h ^ (h >> 15);
}

/* h mixed with words [from, 4) of a. */
static uint32_t addr_fold(const struct sw_addr *a, unsigned from, uint32_t h)
{
	for (unsigned i = from; i < 4; i++)
		h = mix(h, a->w[i]);
	return h;
}

/* Two folded addresses as an unordered pair: the same for both directions. */
static uint32_t pair(uint32_t a, uint32_t b)
{
	return (a ^ b) + (a + b) * 31u;
}

static uint32_t addr_pair(const struct sw_flow *f)
{
	return pair(addr_fold(&f->src, 0, 0), addr_fold(&f->dst, 0, 0));
}

static uint32_t ports_proto(uint32_t h, uint8_t proto, uint16_t sport, uint16_t dport)
{
	h = mix(h, proto);
	return mix(h, (uint32_t)sport ^ dport) + (uint32_t)sport * dport;
}

static uint32_t flow_hash(const struct sw_flow *f)
{
	return ports_proto(addr_pair(f), f->proto, f->sport, f->dport);
}

/*
 * The common case without the parser: an Ethernet frame of an unfragmented
 * IPv4 TCP packet (TCP never carries a tunnel) needs only its addresses and
 * ports, read where the IP header says; 1 with *fh what flow_hash() gives
 * for its parsed flow, 0 for the parser.  A malformed packet may go to the
 * engine of the tuple it shows: every engine drops it the same way.
 */
static int quick(const struct rpool *p, const uint8_t *f, uint32_t caplen, int link, uint32_t *fh)
{
	struct sw_addr s, d;
	unsigned ihl;

	const uint8_t *ip = f + SW_ETH_HLEN;

	if (link != SW_LINK_EN10MB || caplen < SW_ETH_HLEN + SW_IP4_HLEN + 4 ||
	    sw_rd16(f + 12) != SW_ETHERTYPE_IP || (ip[0] >> 4) != 4 || ip[9] != SW_PROTO_TCP ||
	    (sw_rd16(ip + 6) & 0x3fff))
		return 0;
	ihl = (ip[0] & 15u) * 4;
	if (ihl < SW_IP4_HLEN || SW_ETH_HLEN + ihl + 4 > caplen)
		return 0;
	memcpy(&s.w[3], ip + 12, 4);
	memcpy(&d.w[3], ip + 16, 4);
	*fh = ports_proto(pair(addr_fold(&s, 3, p->v4mapped), addr_fold(&d, 3, p->v4mapped)),
			  SW_PROTO_TCP, sw_rd16(ip + ihl), sw_rd16(ip + ihl + 2));
	return 1;
}

static uint32_t frag_key(const struct sw_pkt *k)
{
	uint32_t h = mix(mix(addr_pair(&k->flow), k->flow.proto), k->frag_id);
	return h ? h : 1;
}

/* The engine packet i belongs to. */
static unsigned pick(struct rpool *p, const uint8_t *frame, uint32_t caplen, int link)
{
	struct sw_pkt k;
	uint32_t qh;

	if (quick(p, frame, caplen, link, &qh))
		return qh % p->n;
	if (sw_pkt_parse(&k, frame, caplen, link, 0) != SW_DROP_NONE)
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
	uint32_t fh = flow_hash(&k.flow), key = fh ? fh : 1;
	/* a protocol that never carries a tunnel needs no memory: its hash always says the same */
	if (!sw_pkt_tunnel_proto(k.flow.proto))
		return fh % p->n;
	/*
	 * A flow stays where its first packet went (a flow may be told a
	 * tunnel by its payload only from some packet on: Teredo on any port).
	 * A tunnel goes by its end points alone: its inner flows are sessions
	 * too (tunnel-inspect), and an inner flow's two directions may ride
	 * outer flows of different ports (VXLAN's source port is a hash of the
	 * inner packet), so the outer and inner sessions stay together.
	 */
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
	struct endq *q = w->cur;

	if (w->direct) {
		struct sw_sess_info g;
		if (!w->p->end_fn)
			return;
		if (w->p->n == 1) { /* ids global already: (l - 1) * 1 + 0 + 1, worker 0 */
			w->p->end_fn(w->p->end_ctx, si);
			return;
		}
		g = *si;
		sw_dp_globalize(&g, w->index, w->p->n);
		w->p->end_fn(w->p->end_ctx, &g);
		return;
	}
	if (q->n == q->cap) {
		size_t n = q->cap ? q->cap * 2 : 256;
		void *v = realloc(q->v, n * sizeof(*q->v));
		if (!v) {
			w->oom = 1;
			return;
		}
		q->v = v;
		q->cap = n;
	}
	q->v[q->n++] = *si;
}

/*
 * Packets [from, to) of a part (all of them: `all`) through engine e, in
 * bursts of CHUNK, verdicts into res.
 */
static void run_chunks(struct sw_engine *e, const uint8_t *const *fr, const uint32_t *len,
		       const uint32_t *wire, int link, const sw_time_t *ts, unsigned from,
		       unsigned to, unsigned all, struct sw_verdict *res)
{
	for (unsigned i = from; i < to; i += CHUNK) {
		unsigned m = to - i < CHUNK ? to - i : CHUNK;
		/*
		 * The next chunk's frames, from the reading thread's cache or
		 * memory: the engine's parse waited for them.  Headers up to TCP's
		 * end are 54 bytes, on two lines unless the frame starts a line
		 * (a prefetch never faults, past the frame neither).
		 */
		for (unsigned j = i + CHUNK; j < i + 2 * CHUNK && j < all; j++) {
			sw_prefetch(fr[j]);
			sw_prefetch((const void *)((uintptr_t)fr[j] + 63));
		}
		sw_engine_burst_wire(e, fr + i, len + i, wire + i, link, ts + i, m, res + i);
	}
}

/* Up to SLICE packets more of worker w's part of batch b; 1 when the part is done. */
static int run_slice(struct rworker *w, struct rbatch *b)
{
	unsigned e = w->index, nl = b->nlist[e], all = nl;

	w->cur = &b->ended[e];
	if (b->flush) {
		/*
		 * Engine 0's sessions come first in the flush, and every batch
		 * before it was handed over (rpool_flush): while the others queue
		 * theirs, engine 0's go to the callback from whichever thread runs
		 * it, the only one calling it then (a flush of a million sessions
		 * queued 352 MB, and the page faults cost more than the flush).
		 */
		w->direct = e == 0;
		sw_engine_flush(w->eng, (enum sw_end)(b->flush - 1));
		w->direct = w->p->n == 1;
		return 1;
	}
	if (nl - w->pos > SLICE)
		nl = w->pos + SLICE;
	run_chunks(w->eng, b->fr[e], b->len[e], b->wire[e], b->link, b->ts[e], w->pos, nl, all,
		   b->res[e]);
	w->pos = nl;
	if (nl < all)
		return 0;
	w->pos = 0;
	if (b->n)
		sw_engine_advance(w->eng, b->clock);
	return 1;
}

/* The free engine whose next part is the oldest submitted, or NULL (mu held). */
static struct rworker *runnable(struct rpool *p)
{
	struct rworker *best = NULL;

	for (unsigned i = 0; i < p->n; i++) {
		struct rworker *w = &p->w[i];
		if (!w->busy && w->next < p->submitted && (!best || w->next < best->next))
			best = w;
	}
	return best;
}

/* A slice of w's next part with the mutex released (held on entry and return). */
static void run_locked(struct rpool *p, struct rworker *w)
{
	struct rbatch *b = &p->b[w->next % SW_RPOOL_DEPTH];
	int done;

	w->busy = 1;
	pthread_mutex_unlock(&p->mu);
	done = run_slice(w, b);
	pthread_mutex_lock(&p->mu);
	w->busy = 0;
	if (done) {
		w->next++;
		if (--b->left == 0)
			pthread_cond_signal(&p->done);
	}
	/* its next part, for a thread that waits (this one may take another) */
	if (runnable(p))
		pthread_cond_signal(&p->work);
}

static void *thread_main(void *arg)
{
	struct rpool *p = arg;
	struct rworker *w;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && !(w = runnable(p)))
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		run_locked(p, w);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/*
 * Batch b's verdicts in capture order, ids global; what the engines ended in
 * it to the caller, engine by engine, ids global.
 */
static void hand_over(struct rpool *p, struct rbatch *b)
{
	for (unsigned i = 0; i < p->n; i++) {
		const uint32_t *list = b->list[i];
		const struct sw_verdict *res = b->res[i];
		for (unsigned j = 0; j < b->nlist[i]; j++) {
			struct sw_verdict *o = &b->out[list[j]];
			*o = res[j];
			o->sess = sw_dp_gid(res[j].sess, i, p->n);
		}
	}
	for (unsigned i = 0; i < p->n; i++) {
		struct endq *q = &b->ended[i];
		for (size_t k = 0; k < q->n; k++) {
			sw_dp_globalize(&q->v[k], i, p->n);
			if (p->end_fn)
				p->end_fn(p->end_ctx, &q->v[k]);
		}
		q->n = 0;
	}
}

static void free_all(struct rpool *p)
{
	if (p->sync_init) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->work);
		pthread_cond_destroy(&p->done);
	}
	for (unsigned i = 0; i < SW_RPOOL_MAX; i++)
		sw_engine_destroy(p->w[i].eng);
	for (unsigned k = 0; k < SW_RPOOL_DEPTH; k++) {
		free(p->b[k].list[0]);
		free(p->b[k].fr[0]);
		free(p->b[k].len[0]);
		free(p->b[k].wire[0]);
		free(p->b[k].ts[0]);
		free(p->b[k].res[0]);
		for (unsigned i = 0; i < SW_RPOOL_MAX; i++)
			free(p->b[k].ended[i].v);
	}
	free(p);
}

int rpool_create(struct rpool **out, unsigned n, const struct sw_conf *conf)
{
	static const struct sw_addr v4m = {.b = {[10] = 0xff, [11] = 0xff}}; /* ::ffff:0.0.0.0 */
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
	p->v4mapped = mix(mix(mix(0, v4m.w[0]), v4m.w[1]), v4m.w[2]);
	sw_conf_share(&share, n);
	for (unsigned k = 0; k < SW_RPOOL_DEPTH; k++) {
		struct rbatch *b = &p->b[k];
		size_t m = (size_t)n * SW_RPOOL_BATCH;
		if (!(b->list[0] = malloc(m * sizeof(*b->list[0]))) ||
		    !(b->fr[0] = malloc(m * sizeof(*b->fr[0]))) ||
		    !(b->len[0] = malloc(m * sizeof(*b->len[0]))) ||
		    !(b->wire[0] = malloc(m * sizeof(*b->wire[0]))) ||
		    !(b->ts[0] = malloc(m * sizeof(*b->ts[0]))) ||
		    !(b->res[0] = malloc(m * sizeof(*b->res[0])))) {
			free_all(p);
			return -ENOMEM;
		}
		for (unsigned i = 1; i < n; i++) {
			b->list[i] = b->list[0] + (size_t)i * SW_RPOOL_BATCH;
			b->fr[i] = b->fr[0] + (size_t)i * SW_RPOOL_BATCH;
			b->len[i] = b->len[0] + (size_t)i * SW_RPOOL_BATCH;
			b->wire[i] = b->wire[0] + (size_t)i * SW_RPOOL_BATCH;
			b->ts[i] = b->ts[0] + (size_t)i * SW_RPOOL_BATCH;
			b->res[i] = b->res[0] + (size_t)i * SW_RPOOL_BATCH;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		struct rworker *w = &p->w[i];
		w->p = p;
		w->index = i;
		w->cur = &p->b[0].ended[i];
		w->direct = n == 1; /* one engine runs on the caller's thread: no queue */
		if ((rc = sw_engine_create(&w->eng, &share)) < 0) {
			free_all(p);
			return rc;
		}
		sw_engine_on_end(w->eng, on_end, w);
	}
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free_all(p);
		return -ENOMEM;
	}
	if (pthread_cond_init(&p->work, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		free_all(p);
		return -ENOMEM;
	}
	if (pthread_cond_init(&p->done, NULL) != 0) {
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->mu);
		free_all(p);
		return -ENOMEM;
	}
	p->sync_init = 1;
	/* n - 1 threads: the caller is the n-th while it waits for a batch */
	for (unsigned i = 1; i < n; i++) {
		if ((rc = pthread_create(&p->tid[i], NULL, thread_main, p)) != 0) {
			rpool_destroy(p);
			return -rc;
		}
		p->nthreads = i;
	}
	*out = p;
	return 0;
}

void rpool_destroy(struct rpool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 1; i <= p->nthreads; i++)
		pthread_join(p->tid[i], NULL);
	free_all(p);
}

void rpool_on_end(struct rpool *p, sw_end_fn fn, void *ctx)
{
	p->end_fn = fn;
	p->end_ctx = ctx;
}

unsigned rpool_inflight(const struct rpool *p)
{
	return (unsigned)(p->submitted - p->collected);
}

/* The next batch slot, free (collected). */
static struct rbatch *next_slot(struct rpool *p)
{
	struct rbatch *b;

	if (rpool_inflight(p) == SW_RPOOL_DEPTH)
		rpool_collect(p);
	b = &p->b[p->submitted % SW_RPOOL_DEPTH];
	b->left = p->n;
	b->flush = 0;
	b->n = 0;
	for (unsigned i = 0; i < p->n; i++)
		b->nlist[i] = 0;
	return b;
}

/* Batch b, filled, to the engines: run now with one engine, else by whichever thread is free. */
static void publish(struct rpool *p, struct rbatch *b)
{
	if (p->n == 1) {
		while (!run_slice(&p->w[0], b))
			;
		p->w[0].next++;
		b->left = 0;
		p->submitted++;
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->submitted++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
}

/*
 * An engine's time never runs backwards (sw_engine_advance): a packet older
 * than the latest one is taken at the latest time.  Every engine must agree
 * on that time, including those that did not see the latest packet, so the
 * times are made non-decreasing here: packet time t as the engines take it.
 */
static sw_time_t engine_time(struct rpool *p, sw_time_t t)
{
	if (t > p->clock || !p->clock_set)
		p->clock = t;
	p->clock_set = 1;
	return p->clock;
}

void rpool_submit(struct rpool *p, const uint8_t *const *frames, const uint32_t *caplen,
		  const uint32_t *wirelen, int link, const sw_time_t *ts, unsigned n,
		  struct sw_verdict *out)
{
	struct rbatch *b = next_slot(p);

	if (n > SW_RPOOL_BATCH)
		n = SW_RPOOL_BATCH;
	b->out = out;
	b->link = link;
	b->n = n;
	if (p->n == 1) {
		/*
		 * One engine, on this thread: it runs the caller's arrays as they
		 * are, only the times copied, and writes the verdicts in place.
		 * Its part stays empty: publishing the batch only advances the
		 * engine to the batch's last time, and collecting it has no
		 * verdicts to put in order (one engine's ids are global).
		 */
		for (unsigned i = 0; i < n; i++)
			b->ts[0][i] = engine_time(p, ts[i]);
		run_chunks(p->w[0].eng, frames, caplen, wirelen, link, b->ts[0], 0, n, n, out);
	}
	for (unsigned i = 0; i < n && p->n > 1; i++) {
		unsigned w = pick(p, frames[i], caplen[i], link), k = b->nlist[w]++;
		b->list[w][k] = i;
		b->fr[w][k] = frames[i];
		b->len[w][k] = caplen[i];
		b->wire[w][k] = wirelen[i];
		b->ts[w][k] = engine_time(p, ts[i]);
	}
	b->clock = p->clock;
	publish(p, b);
}

int rpool_collect(struct rpool *p)
{
	struct rbatch *b;

	if (p->collected == p->submitted)
		return 0;
	b = &p->b[p->collected % SW_RPOOL_DEPTH];
	if (p->n > 1) {
		pthread_mutex_lock(&p->mu);
		while (b->left) {
			struct rworker *w = runnable(p);
			if (w)
				run_locked(p, w);
			else
				pthread_cond_wait(&p->done, &p->mu);
		}
		pthread_mutex_unlock(&p->mu);
	}
	hand_over(p, b);
	p->collected++;
	return 1;
}

void rpool_flush(struct rpool *p, enum sw_end reason)
{
	struct rbatch *b;

	while (rpool_collect(p))
		;
	/* a batch of its own, so the engines flush at the same time */
	b = next_slot(p);
	b->flush = 1 + (int)reason;
	publish(p, b);
	(void)rpool_collect(p);
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
