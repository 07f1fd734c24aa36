/*
 * analyze.c - `statewall analyze`: which timers break which sessions of a
 * capture, the smallest values that break none, and what each costs.
 *
 *   1. load the capture once into memory (one buffer, an index of frames);
 *   2. measure: one pass through an engine whose timers never fire (every
 *      timeout at its maximum, half-close-mode idle); per packet, the verdict
 *      names the session, and a side table per session keeps its timing facts
 *      by phase (establishing, established, half-closed, closed), reading the
 *      engine's own view of the phase from its timer in force;
 *   3. from the facts, per half-close mode, the smallest whole second for
 *      every timer that covers every session; verify by replaying with it,
 *      raise what still breaks, and replay with each value minus one second;
 *   4. cost: replay under every setting (current, recommended, models of
 *      PAN-OS, Linux conntrack and pf, --what-if) and sweep session starts and
 *      ends for peak concurrency and session-seconds.
 *
 * See docs/analyze.md for every number's meaning.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/analyze.h"
#include "app/app.h"
#include "app/report.h"
#include "io/capture.h"
#include "statewall/engine.h"
#include "statewall/pkt.h"

#define NS SW_NS_PER_SEC

enum { PH_NONE, PH_INIT, PH_HS, PH_EST, PH_HC, PH_CLOSED, PH_URST, PH_OTHER };

struct an_frame {
	sw_time_t ts;
	uint32_t caplen;
	uint64_t off;
};

struct an_setting {
	char name[96];
	struct sw_conf conf;
	const char *note;
};

/* A recommendation for one timer in one mode. */
struct an_rec {
	int64_t need;      /* ns, -1 = not exercised */
	uint32_t who;      /* session index + 1 */
	uint32_t value;    /* recommended seconds */
	uint32_t first;    /* value before verification */
	uint8_t beyond;    /* the need exceeds the range's maximum */
	uint8_t raised;    /* verification raised it */
	uint8_t held;      /* half-closed held up to time-wait by the range rule */
	int64_t minus_broken, minus_splits; /* replay with value - 1; -1 = not run */
};

struct an {
	const char *path;
	int link;
	uint8_t *buf;
	size_t blen, bcap;
	struct an_frame *fr;
	size_t nfr, capfr;
	sw_time_t t0, t1;

	struct an_sess *s;
	size_t ns, caps;
	uint32_t *idmap;
	size_t nidmap;
	uint32_t *kbucket;
	size_t nkb;
	uint64_t created_proto[4];
	uint64_t unfixable;

	struct sw_conf cur;
	struct an_rec rec[3][SW_TO_MAX];
	int64_t rec_broken[3], rec_unfixable[3], rec_splits[3];
	int rec_iters[3];

	struct an_run *runs;
	size_t nruns;
	double t_load, t_facts, t_rec, t_cost;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double sec(int64_t ns)
{
	return (double)ns / (double)NS;
}

static int proto_slot(unsigned proto)
{
	switch (proto) {
	case 6: return 0;
	case 17: return 1;
	case 1: case 58: return 2;
	default: return 3;
	}
}

/* ---- loading --------------------------------------------------------------- */

static int load(struct an *a, const char *path, char *err, size_t errlen)
{
	struct sw_capture *cap;
	const uint8_t *data;
	uint32_t caplen, wirelen;
	sw_time_t ts;
	int n;

	if (sw_capture_open(&cap, path, "", err, errlen) < 0)
		return -1;
	a->link = sw_capture_linktype(cap);
	while ((n = sw_capture_next(cap, &data, &caplen, &wirelen, &ts, err, errlen)) > 0) {
		if (a->nfr == a->capfr) {
			size_t c = a->capfr ? a->capfr * 2 : 4096;
			void *p = realloc(a->fr, c * sizeof(*a->fr));
			if (!p)
				goto oom;
			a->fr = p;
			a->capfr = c;
		}
		if (a->blen + caplen > a->bcap) {
			size_t c = a->bcap ? a->bcap : 1 << 20;
			while (c < a->blen + caplen)
				c *= 2;
			void *p = realloc(a->buf, c);
			if (!p)
				goto oom;
			a->buf = p;
			a->bcap = c;
		}
		memcpy(a->buf + a->blen, data, caplen);
		a->fr[a->nfr].ts = ts;
		a->fr[a->nfr].caplen = caplen;
		a->fr[a->nfr].off = a->blen;
		a->blen += caplen;
		if (a->nfr == 0 || ts < a->t0)
			a->t0 = ts;
		if (a->nfr == 0 || ts > a->t1)
			a->t1 = ts;
		a->nfr++;
	}
	sw_capture_close(cap);
	if (n < 0)
		fprintf(stderr, "statewall analyze: %s (analyzing the packets before it)\n", err);
	return 0;
oom:
	sw_capture_close(cap);
	snprintf(err, errlen, "%s: out of memory loading the capture", path);
	return -1;
}

/* ---- keys ------------------------------------------------------------------- */

static uint32_t key_hash(unsigned proto, const struct sw_addr *a, uint16_t pa,
			 const struct sw_addr *b, uint16_t pb)
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *x, *y;
	uint16_t px, py;
	int sw = memcmp(a, b, sizeof(*a));

	if (sw > 0 || (sw == 0 && pa > pb)) {
		x = b->b; y = a->b; px = pb; py = pa;
	} else {
		x = a->b; y = b->b; px = pa; py = pb;
	}
	for (int i = 0; i < 16; i++)
		h = (h ^ x[i]) * 1099511628211ULL;
	for (int i = 0; i < 16; i++)
		h = (h ^ y[i]) * 1099511628211ULL;
	h = (h ^ px) * 1099511628211ULL;
	h = (h ^ py) * 1099511628211ULL;
	h = (h ^ proto) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static int same_flow(const struct an_sess *s, const struct sw_sess_info *si)
{
	if (s->proto != si->proto)
		return 0;
	if (!memcmp(&s->orig_h, &si->orig_h, sizeof(s->orig_h)) &&
	    !memcmp(&s->resp_h, &si->resp_h, sizeof(s->resp_h)) && s->orig_p == si->orig_p &&
	    s->resp_p == si->resp_p)
		return 1;
	return !memcmp(&s->orig_h, &si->resp_h, sizeof(s->orig_h)) &&
	       !memcmp(&s->resp_h, &si->orig_h, sizeof(s->resp_h)) && s->orig_p == si->resp_p &&
	       s->resp_p == si->orig_p;
}

static int build_keys(struct an *a)
{
	a->nkb = 1024;
	while (a->nkb < a->ns * 2)
		a->nkb *= 2;
	a->kbucket = calloc(a->nkb, sizeof(*a->kbucket));
	if (!a->kbucket)
		return -1;
	for (size_t i = 0; i < a->ns; i++) {
		uint32_t b = a->s[i].khash & (uint32_t)(a->nkb - 1);
		a->s[i].prev_key = a->kbucket[b];
		a->kbucket[b] = (uint32_t)i + 1;
	}
	return 0;
}

/* The measured session a replayed one corresponds to: same flow, started in its span. */
static uint32_t find_sess(const struct an *a, const struct sw_sess_info *si)
{
	uint32_t h = key_hash(si->proto, &si->orig_h, si->orig_p, &si->resp_h, si->resp_p);
	uint32_t best = 0;

	if (!a->kbucket)
		return 0;
	for (uint32_t i = a->kbucket[h & (uint32_t)(a->nkb - 1)]; i; i = a->s[i - 1].prev_key) {
		const struct an_sess *s = &a->s[i - 1];
		if (s->khash != h || !same_flow(s, si))
			continue;
		if (s->start <= si->start + NS / 500) {
			if (!best || a->s[best - 1].start < s->start)
				best = i;
		}
	}
	return best;
}

/* ---- measuring ------------------------------------------------------------------ */

static void facts_on_end(void *ctx, const struct sw_sess_info *si)
{
	struct an *a = ctx;
	uint32_t pick = 0;

	if (si->id >= a->nidmap)
		return;
	for (uint32_t i = a->idmap[si->id]; i; i = a->s[i - 1].prev_id)
		if (!a->s[i - 1].ended)
			pick = i;
	if (!pick)
		return;
	struct an_sess *s = &a->s[pick - 1];
	s->ended = 1;
	s->end_reason = si->end_reason;
	s->end_timer = si->timer;
	s->late_pkts = si->late_pkts;
}

static void max_to(int64_t *v, int64_t x)
{
	if (x > *v)
		*v = x;
}

static struct an_sess *new_sess(struct an *a, struct sw_engine *e, uint32_t id, sw_time_t ts,
				const struct sw_pkt *p, int parsed)
{
	struct sw_sess_info si;
	struct an_sess *s;

	if (a->ns == a->caps) {
		size_t c = a->caps ? a->caps * 2 : 1024;
		void *q = realloc(a->s, c * sizeof(*a->s));
		if (!q)
			return NULL;
		a->s = q;
		a->caps = c;
	}
	if (id >= a->nidmap) {
		size_t c = a->nidmap ? a->nidmap : 4096;
		while (c <= id)
			c *= 2;
		uint32_t *q = realloc(a->idmap, c * sizeof(*q));
		if (!q)
			return NULL;
		memset(q + a->nidmap, 0, (c - a->nidmap) * sizeof(*q));
		a->idmap = q;
		a->nidmap = c;
	}
	s = &a->s[a->ns];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->prev_id = a->idmap[id];
	a->idmap[id] = (uint32_t)++a->ns;
	s->start = s->last = s->last_acc = ts;
	s->fin1_dir = -1;
	s->end_timer = SW_TO_MAX;
	s->gap_estab = s->req_init = s->req_hs = s->gap_est = s->gap_hc = -1;
	s->gap_closed = s->req_urst = s->gap_other = s->open_gap = -1;
	if (sw_engine_session(e, id, &si) == 0) {
		s->proto = si.proto;
		s->picked_up = si.picked_up;
		s->orig_h = si.orig_h;
		s->resp_h = si.resp_h;
		s->orig_p = si.orig_p;
		s->resp_p = si.resp_p;
		sw_flow_str(&si, s->flow, sizeof(s->flow));
		s->origin = si.expires - NS / 1000 -
			    (sw_time_t)sw_engine_conf(e)->timeout[si.timer < SW_TO_MAX ? si.timer : 0] * NS;
		if (si.proto == 6) {
			s->phase = si.timer == SW_TO_TCPINIT ? PH_INIT : PH_EST;
			if (s->phase == PH_INIT)
				s->origin = ts;
		} else {
			s->phase = PH_OTHER;
		}
	}
	if (parsed && s->proto == 6 && (p->th_flags & (SW_TH_SYN | SW_TH_ACK)) == SW_TH_SYN) {
		s->isn = p->seq;
		s->has_isn = 1;
	}
	s->khash = key_hash(s->proto, &s->orig_h, s->orig_p, &s->resp_h, s->resp_p);
	a->created_proto[proto_slot(s->proto)]++;
	return s;
}

static int phase_of(const struct sw_sess_info *si)
{
	switch (si->timer) {
	case SW_TO_TCPINIT: return PH_INIT;
	case SW_TO_TCPHANDSHAKE: return PH_HS;
	case SW_TO_TCP_HALF_CLOSED: return PH_HC;
	case SW_TO_TCP_TIME_WAIT: return PH_CLOSED;
	case SW_TO_TCP_UNVERIFIED_RST: return PH_URST;
	default: return PH_EST;
	}
}

/* A TCP packet of session s (verdict v) at ts: facts first, then the engine's new phase. */
static void tcp_packet(struct an *a, struct sw_engine *e, struct an_sess *s, const struct sw_pkt *p,
		       struct sw_verdict v, sw_time_t ts)
{
	uint8_t fl = p->th_flags;
	int pure_syn = (fl & (SW_TH_SYN | SW_TH_ACK | SW_TH_RST)) == SW_TH_SYN;
	int64_t gap = ts - s->last_acc;

	(void)a;
	s->pkts++;
	if (pure_syn)
		return; /* never late: after the session's end it starts a new one */
	switch (s->phase) {
	case PH_INIT:
		max_to(&s->req_init, ts - s->origin);
		max_to(&s->gap_estab, gap);
		break;
	case PH_HS:
		max_to(&s->req_hs, ts - s->origin);
		max_to(&s->gap_estab, gap);
		break;
	case PH_EST: max_to(&s->gap_est, gap); break;
	case PH_HC: max_to(&s->gap_hc, gap); break;
	case PH_CLOSED: max_to(&s->gap_closed, gap); break;
	case PH_URST: max_to(&s->req_urst, ts - s->origin); break;
	default: break;
	}
	s->last = ts;
	if (s->fin1 && v.dir != (uint8_t)s->fin1_dir) {
		s->open_pkts++;
		s->open_bytes += p->payload;
		if (p->payload)
			s->open_last = ts;
		max_to(&s->open_gap, ts - s->open_prev);
		s->open_prev = ts;
	}
	if (v.action != SW_PASS)
		return;
	s->last_acc = ts;
	if ((fl & (SW_TH_SYN | SW_TH_FIN | SW_TH_RST)) || s->phase == PH_INIT || s->phase == PH_HS ||
	    s->phase == PH_URST) {
		struct sw_sess_info si;
		if (sw_engine_session(e, v.sess, &si) < 0)
			return;
		s->phase = (uint8_t)phase_of(&si);
		if (si.timer_fixed && si.timer < SW_TO_MAX)
			s->origin = si.expires - NS / 1000 -
				    (sw_time_t)sw_engine_conf(e)->timeout[si.timer] * NS;
		if (!s->fin1 && si.half_closed_at) {
			s->fin1 = ts;
			s->fin1_dir = (int8_t)v.dir;
			s->open_prev = ts;
		}
		if (!s->close_at &&
		    (si.state[0] == SW_TCPS_RESET || si.state[1] == SW_TCPS_RESET ||
		     (si.state[0] >= SW_TCPS_FIN_SENT && si.state[1] >= SW_TCPS_FIN_SENT))) {
			s->close_at = ts;
			s->close_rst = si.state[0] == SW_TCPS_RESET || si.state[1] == SW_TCPS_RESET;
			s->phase = PH_CLOSED;
		}
	}
}

static int feed_facts(struct an *a, struct sw_engine *e, const uint8_t *data, uint32_t caplen,
		      sw_time_t ts, int again)
{
	struct sw_pkt p;
	struct sw_stats st;
	uint64_t before;
	struct sw_verdict v;
	struct an_sess *s;
	int parsed;

	sw_engine_stats(e, &st);
	before = st.ctr[SW_CTR_SESS_CREATED];
	v = sw_engine_packet(e, data, caplen, a->link, ts);
	if (v.sess == 0)
		return 0;
	parsed = sw_pkt_parse(&p, data, caplen, a->link, 0) == SW_DROP_NONE;
	if (!parsed || (p.pflags & (SW_PF_ICMP_ERR | SW_PF_FRAG_LATER)))
		return 0;
	sw_engine_stats(e, &st);
	if (st.ctr[SW_CTR_SESS_CREATED] != before || v.sess >= a->nidmap || !a->idmap[v.sess]) {
		if (!new_sess(a, e, v.sess, ts, &p, parsed))
			return -1;
		if (a->s[a->ns - 1].proto == 6)
			a->s[a->ns - 1].pkts = 1;
		else
			a->s[a->ns - 1].pkts = 1;
		return 0;
	}
	s = &a->s[a->idmap[v.sess] - 1];
	if (s->proto == 6 && p.flow.proto == 6) {
		int pure_syn = (p.th_flags & (SW_TH_SYN | SW_TH_ACK | SW_TH_RST)) == SW_TH_SYN;
		if (pure_syn && v.action == SW_DROP && !again &&
		    (v.dir == 1 || !s->has_isn || p.seq != s->isn)) {
			/*
			 * A new connection's SYN on the tuple of a live one: with any
			 * realistic timer the old session would be gone by now, so the
			 * facts split here (the old session ends "split").
			 */
			s->split = 1;
			sw_engine_clear(e, v.sess);
			return feed_facts(a, e, data, caplen, ts, 1);
		}
		tcp_packet(a, e, s, &p, v, ts);
	} else if (p.flow.proto == s->proto) {
		s->pkts++;
		if (v.action == SW_PASS) {
			max_to(&s->gap_other, ts - s->last_acc);
			s->last_acc = ts;
		}
		s->last = ts;
	}
	return 0;
}

static int measure(struct an *a, char *err, size_t errlen)
{
	struct sw_conf c = a->cur;
	struct sw_engine *e;
	int rc;

	c.half_close_mode = SW_HC_IDLE;
	for (int t = 0; t < SW_TO_MAX; t++)
		c.timeout[t] = sw_timeout_info[t].max;
	c.tombstone_ttl = 86400;
	rc = sw_engine_create(&e, &c);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create the engine: %s", strerror(-rc));
		return -1;
	}
	sw_engine_on_end(e, facts_on_end, a);
	for (size_t i = 0; i < a->nfr; i++)
		if (feed_facts(a, e, a->buf + a->fr[i].off, a->fr[i].caplen, a->fr[i].ts, 0) < 0) {
			sw_engine_destroy(e);
			snprintf(err, errlen, "out of memory measuring sessions");
			return -1;
		}
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	sw_engine_destroy(e);
	for (size_t i = 0; i < a->ns; i++)
		if (a->s[i].late_pkts)
			a->unfixable++;
	return build_keys(a);
}

/* ---- what each mode needs ------------------------------------------------------------ */

static int relevant(int mode, int t)
{
	switch (t) {
	case SW_TO_TCPINIT: case SW_TO_TCPHANDSHAKE: case SW_TO_TCP: case SW_TO_TCP_UNVERIFIED_RST:
	case SW_TO_UDP: case SW_TO_ICMP: case SW_TO_DEFAULT:
		return 1;
	case SW_TO_TCPWAIT: return mode == SW_HC_TCPWAIT;
	case SW_TO_TCP_HALF_CLOSED: case SW_TO_TCP_TIME_WAIT: return mode != SW_HC_TCPWAIT;
	default: return 0;
	}
}

/* What session s needs of timer t in mode m, ns; -1 = nothing. */
static int64_t sess_need(const struct an_sess *s, int m, int t)
{
	switch (t) {
	case SW_TO_TCPINIT: return s->proto == 6 ? s->req_init : -1;
	case SW_TO_TCPHANDSHAKE: return s->proto == 6 ? s->req_hs : -1;
	case SW_TO_TCP: return s->proto == 6 ? s->gap_est : -1;
	case SW_TO_TCP_UNVERIFIED_RST: return s->proto == 6 ? s->req_urst : -1;
	case SW_TO_UDP: return s->proto == 17 ? s->gap_other : -1;
	case SW_TO_ICMP: return (s->proto == 1 || s->proto == 58) ? s->gap_other : -1;
	case SW_TO_DEFAULT:
		return (s->proto != 6 && s->proto != 17 && s->proto != 1 && s->proto != 58)
			       ? s->gap_other : -1;
	case SW_TO_TCPWAIT: {
		sw_time_t from = s->fin1;
		if (s->close_at && (!from || s->close_at < from))
			from = s->close_at;
		return (m == SW_HC_TCPWAIT && from) ? s->last - from : -1;
	}
	case SW_TO_TCP_HALF_CLOSED:
		if (m == SW_HC_FIXED)
			return s->fin1 ? s->last - s->fin1 : -1;
		return m == SW_HC_IDLE ? s->gap_hc : -1;
	case SW_TO_TCP_TIME_WAIT:
		return (m != SW_HC_TCPWAIT && s->close_at) ? s->last - s->close_at : -1;
	default: return -1;
	}
}

static void need_of(const struct an *a, int m, struct an_need *n)
{
	for (int t = 0; t < SW_TO_MAX; t++) {
		n->ns[t] = -1;
		n->who[t] = 0;
	}
	for (size_t i = 0; i < a->ns; i++) {
		const struct an_sess *s = &a->s[i];
		if (s->late_pkts)
			continue; /* nothing in range saves it: reported apart */
		for (int t = 0; t < SW_TO_MAX; t++) {
			int64_t v = sess_need(s, m, t);
			if (v > n->ns[t]) {
				n->ns[t] = v;
				n->who[t] = (uint32_t)i + 1;
			}
		}
	}
}

/* ---- replay ------------------------------------------------------------------------ */

struct run_ctx {
	struct an *a;
	struct an_run *r;
	/* live at the end of the capture: when each one's timer would have fired */
	sw_time_t *exp_start, *exp_at;
	size_t nexp;
	int flushing, oom;
};

static int note_expiry(void *ctx, const struct sw_sess_info *si)
{
	struct run_ctx *x = ctx;

	if (si->id >= x->nexp) {
		size_t c = x->nexp ? x->nexp : 1024;
		while (c <= si->id)
			c *= 2;
		void *p = realloc(x->exp_start, c * sizeof(*x->exp_start));
		if (p)
			x->exp_start = p;
		void *q = p ? realloc(x->exp_at, c * sizeof(*x->exp_at)) : NULL;
		if (!p || !q) {
			x->oom = 1;
			return 1;
		}
		x->exp_at = q;
		memset(x->exp_start + x->nexp, 0xff, (c - x->nexp) * sizeof(*x->exp_start));
		x->nexp = c;
	}
	x->exp_start[si->id] = si->start;
	x->exp_at[si->id] = si->expires;
	return 0;
}

static void run_on_end(void *ctx, const struct sw_sess_info *si)
{
	struct run_ctx *x = ctx;
	struct an_run *r = x->r;

	r->created++;
	r->created_proto[proto_slot(si->proto)]++;
	if (r->nocc == r->capocc) {
		size_t c = r->capocc ? r->capocc * 2 : 1024;
		void *p = realloc(r->starts, c * sizeof(*r->starts));
		void *q = p ? realloc(r->ends, c * sizeof(*r->ends)) : NULL;
		if (p)
			r->starts = p;
		if (!p || !q) {
			r->oom = 1;
			return;
		}
		r->ends = q;
		r->capocc = c;
	}
	sw_time_t end = si->end;
	if (x->flushing && si->id < x->nexp && x->exp_start[si->id] == si->start &&
	    x->exp_at[si->id] > end)
		end = x->exp_at[si->id]; /* the capture ended first: its timer runs out after */
	if (end < si->start)
		end = si->start;
	r->starts[r->nocc] = si->start;
	r->ends[r->nocc] = end;
	r->nocc++;
	r->sess_seconds_capture += sec((si->end > si->start ? si->end : si->start) - si->start);
	if (si->late_pkts) {
		struct an_broken *b;
		if (r->nbroken == r->capbroken) {
			size_t c = r->capbroken ? r->capbroken * 2 : 16;
			void *p = realloc(r->broken, c * sizeof(*r->broken));
			if (!p) {
				r->oom = 1;
				return;
			}
			r->broken = p;
			r->capbroken = c;
		}
		b = &r->broken[r->nbroken++];
		memset(b, 0, sizeof(*b));
		b->sess = find_sess(x->a, si);
		sw_flow_str(si, b->flow, sizeof(b->flow));
		b->timer = si->timer;
		b->end_reason = si->end_reason;
		b->late_pkts = si->late_pkts;
		b->late_bytes = si->late_bytes;
		b->start = si->start;
		b->end = si->end;
		if (b->sess && x->a->s[b->sess - 1].late_pkts)
			r->nunfixable++;
	}
}

static int cmp_time(const void *x, const void *y)
{
	sw_time_t a = *(const sw_time_t *)x, b = *(const sw_time_t *)y;
	return (a > b) - (a < b);
}

/* Peak concurrency and session-seconds from the starts and ends (ends first on ties). */
static void occupancy(struct an_run *r)
{
	size_t i = 0, j = 0;
	uint32_t cur = 0;
	double ss = 0;

	for (size_t k = 0; k < r->nocc; k++)
		ss += sec(r->ends[k] - r->starts[k]);
	r->sess_seconds = ss;
	qsort(r->starts, r->nocc, sizeof(*r->starts), cmp_time);
	qsort(r->ends, r->nocc, sizeof(*r->ends), cmp_time);
	r->peak = 0;
	while (i < r->nocc) {
		if (j < r->nocc && r->ends[j] <= r->starts[i]) {
			cur--;
			j++;
		} else {
			cur++;
			i++;
			if (cur > r->peak)
				r->peak = cur;
		}
	}
}

static void run_free(struct an_run *r)
{
	free(r->broken);
	free(r->starts);
	free(r->ends);
	r->broken = NULL;
	r->starts = r->ends = NULL;
	r->nbroken = r->nocc = r->capbroken = r->capocc = 0;
}

static int replay(struct an *a, struct an_run *r)
{
	struct sw_engine *e;
	struct run_ctx x = {.a = a, .r = r};
	int rc = sw_engine_create(&e, &r->conf);

	if (rc < 0)
		return rc;
	sw_engine_on_end(e, run_on_end, &x);
	for (size_t i = 0; i < a->nfr; i++)
		sw_engine_packet(e, a->buf + a->fr[i].off, a->fr[i].caplen, a->link, a->fr[i].ts);
	for (uint32_t cur = 0;;) {
		sw_engine_walk(e, &cur, 4096, note_expiry, &x);
		if (!cur || x.oom)
			break;
	}
	x.flushing = 1;
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	sw_engine_destroy(e);
	free(x.exp_start);
	free(x.exp_at);
	if (x.oom)
		r->oom = 1;
	r->splits = 0;
	for (int p = 1; p < 4; p++)
		if (r->created_proto[p] > a->created_proto[p])
			r->splits += (int64_t)(r->created_proto[p] - a->created_proto[p]);
	occupancy(r);
	return r->oom ? -ENOMEM : 0;
}

/* Replay with conf; only the counts are kept. */
static int replay_counts(struct an *a, const struct sw_conf *c, int64_t *broken, int64_t *splits,
			 uint64_t *split_proto)
{
	struct an_run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.conf = *c;
	rc = replay(a, &r);
	*broken = (int64_t)(r.nbroken - r.nunfixable);
	*splits = r.splits;
	if (split_proto)
		for (int p = 0; p < 4; p++)
			split_proto[p] = r.created_proto[p] > a->created_proto[p]
						 ? r.created_proto[p] - a->created_proto[p] : 0;
	run_free(&r);
	return rc;
}

/* ---- recommendations ------------------------------------------------------------------ */

static uint32_t clamp_to(int t, int64_t need, uint8_t *beyond)
{
	const struct sw_timeout_info *ti = &sw_timeout_info[t];
	int64_t v = need <= 0 ? 0 : (need + NS - 1) / NS;

	*beyond = 0;
	if (v < (int64_t)ti->min)
		v = ti->min;
	if (v > (int64_t)ti->max) {
		v = ti->max;
		*beyond = 1;
	}
	return (uint32_t)v;
}

static void rec_conf(const struct an *a, int m, struct sw_conf *c)
{
	*c = a->cur;
	c->half_close_mode = (uint8_t)m;
	for (int t = 0; t < SW_TO_MAX; t++)
		if (relevant(m, t))
			c->timeout[t] = a->rec[m][t].value;
}

/* Keep time-wait <= half-closed (the configuration rule) in modes that use both. */
static void hold_hc(struct an *a, int m)
{
	struct an_rec *hc = &a->rec[m][SW_TO_TCP_HALF_CLOSED], *tw = &a->rec[m][SW_TO_TCP_TIME_WAIT];

	if (m == SW_HC_TCPWAIT)
		return;
	if (tw->value > hc->value) {
		hc->value = tw->value;
		hc->held = 1;
	}
}

static int recommend(struct an *a)
{
	for (int m = 0; m < 3; m++) {
		struct an_need n;
		uint32_t step[SW_TO_MAX] = {0};
		struct sw_conf c;

		need_of(a, m, &n);
		for (int t = 0; t < SW_TO_MAX; t++) {
			struct an_rec *r = &a->rec[m][t];
			memset(r, 0, sizeof(*r));
			r->minus_broken = r->minus_splits = -1;
			if (!relevant(m, t)) {
				r->need = -1;
				r->value = a->cur.timeout[t];
				continue;
			}
			r->need = n.ns[t];
			r->who = n.who[t];
			r->value = r->first = clamp_to(t, n.ns[t], &r->beyond);
		}
		hold_hc(a, m);
		/* Verify; raise what still breaks (by the broken session's timer) or splits. */
		for (int it = 0;; it++) {
			struct an_run run;
			int raise[SW_TO_MAX] = {0}, any = 0, rc;

			memset(&run, 0, sizeof(run));
			rec_conf(a, m, &run.conf);
			rc = replay(a, &run);
			a->rec_iters[m] = it + 1;
			if (rc < 0) {
				run_free(&run);
				return rc;
			}
			for (size_t b = 0; b < run.nbroken; b++) {
				int t = run.broken[b].timer;
				uint32_t si = run.broken[b].sess;
				if (si && a->s[si - 1].late_pkts)
					continue; /* no value in range saves it */
				if (t < SW_TO_MAX && relevant(m, t) &&
				    a->rec[m][t].value < sw_timeout_info[t].max)
					raise[t] = 1;
			}
			if (run.created_proto[1] > a->created_proto[1])
				raise[SW_TO_UDP] = 1;
			if (run.created_proto[2] > a->created_proto[2])
				raise[SW_TO_ICMP] = 1;
			if (run.created_proto[3] > a->created_proto[3])
				raise[SW_TO_DEFAULT] = 1;
			a->rec_broken[m] = (int64_t)(run.nbroken - run.nunfixable);
			a->rec_unfixable[m] = (int64_t)run.nunfixable;
			a->rec_splits[m] = run.splits;
			run_free(&run);
			for (int t = 0; t < SW_TO_MAX; t++) {
				struct an_rec *r = &a->rec[m][t];
				if (!raise[t] || r->value >= sw_timeout_info[t].max)
					continue;
				step[t] = step[t] ? step[t] * 2 : 1;
				r->value = r->value + step[t] > sw_timeout_info[t].max
						   ? sw_timeout_info[t].max : r->value + step[t];
				r->raised = 1;
				any = 1;
			}
			if (!any || it >= 40)
				break;
			hold_hc(a, m);
		}
		/* Tightness: each exercised value minus one second. */
		rec_conf(a, m, &c);
		for (int t = 0; t < SW_TO_MAX; t++) {
			struct an_rec *r = &a->rec[m][t];
			struct sw_conf c1 = c;
			if (!relevant(m, t) || r->need < 0 || r->value <= sw_timeout_info[t].min)
				continue;
			c1.timeout[t] = r->value - 1;
			if (c1.timeout[SW_TO_TCP_TIME_WAIT] > c1.timeout[SW_TO_TCP_HALF_CLOSED]) {
				r->held = 1; /* not a valid configuration: time-wait holds it */
				continue;
			}
			if (replay_counts(a, &c1, &r->minus_broken, &r->minus_splits, NULL) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* ---- settings ----------------------------------------------------------------------------- */

static void base_model(const struct an *a, struct sw_conf *c, int mode)
{
	*c = a->cur;
	for (int t = 0; t < SW_TO_MAX; t++)
		c->timeout[t] = sw_timeout_info[t].def;
	c->half_close_mode = (uint8_t)mode;
}

static int add_run(struct an *a, const char *name, const struct sw_conf *c)
{
	void *p = realloc(a->runs, (a->nruns + 1) * sizeof(*a->runs));
	struct an_run *r;

	if (!p)
		return -ENOMEM;
	a->runs = p;
	r = &a->runs[a->nruns++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->conf = *c;
	return replay(a, r);
}

static int parse_whatif(const struct sw_conf *cur, const char *spec, struct sw_conf *out, char *err,
			size_t errlen)
{
	char buf[512], *save = NULL;

	*out = *cur;
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "--what-if '%.40s...': too long", spec);
		return -1;
	}
	strcpy(buf, spec);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		while (*kv == ' ')
			kv++;
		if (!*kv)
			continue;
		if (sw_conf_apply_kv(out, kv, err, errlen) < 0)
			return -1;
	}
	return sw_conf_validate(out, err, errlen) < 0 ? -1 : 0;
}

static int cost(struct an *a, char **whatif, int nwhatif, const struct sw_conf *wconf)
{
	static const char *mname[3] = {"recommended-tcpwait", "recommended-fixed", "recommended-idle"};
	struct sw_conf c;
	int rc;

	if ((rc = add_run(a, "current", &a->cur)) < 0)
		return rc;
	for (int m = 0; m < 3; m++) {
		rec_conf(a, m, &c);
		if ((rc = add_run(a, mname[m], &c)) < 0)
			return rc;
	}
	/* PAN-OS >= 6.1: the table's defaults, half-close fixed. */
	base_model(a, &c, SW_HC_FIXED);
	if ((rc = add_run(a, "pan-os", &c)) < 0)
		return rc;
	/* PAN-OS <= 6.0: defaults, legacy tcpwait 30. */
	base_model(a, &c, SW_HC_TCPWAIT);
	if ((rc = add_run(a, "pan-os-6.0", &c)) < 0)
		return rc;
	/* Linux nf_conntrack defaults (docs/analyze.md has the mapping). */
	base_model(a, &c, SW_HC_IDLE);
	c.timeout[SW_TO_TCPINIT] = 60;      /* syn_sent 120, beyond the range: 60 */
	c.timeout[SW_TO_TCPHANDSHAKE] = 60; /* syn_recv 60 */
	c.timeout[SW_TO_TCP] = 432000;      /* established */
	c.timeout[SW_TO_TCP_HALF_CLOSED] = 60; /* close_wait 60 (fin_wait 120 until the FIN is ACKed) */
	c.timeout[SW_TO_TCP_TIME_WAIT] = 60;   /* last_ack 30 + time_wait 120, capped by close_wait */
	c.timeout[SW_TO_TCP_UNVERIFIED_RST] = 10; /* close 10 */
	c.timeout[SW_TO_UDP] = 30;          /* udp_timeout (stream 120) */
	c.timeout[SW_TO_ICMP] = 30;
	c.timeout[SW_TO_DEFAULT] = 600;     /* generic */
	if ((rc = add_run(a, "linux-conntrack", &c)) < 0)
		return rc;
	/* OpenBSD pf defaults. */
	base_model(a, &c, SW_HC_IDLE);
	c.timeout[SW_TO_TCPINIT] = 60;       /* tcp.first 120, beyond the range: 60 */
	c.timeout[SW_TO_TCPHANDSHAKE] = 30;  /* tcp.opening */
	c.timeout[SW_TO_TCP] = 86400;        /* tcp.established */
	c.timeout[SW_TO_TCP_HALF_CLOSED] = 900; /* tcp.closing, idle */
	c.timeout[SW_TO_TCP_TIME_WAIT] = 90; /* tcp.closed (tcp.finwait 45 before the FINs are ACKed) */
	c.timeout[SW_TO_TCP_UNVERIFIED_RST] = 90;
	c.timeout[SW_TO_UDP] = 60;           /* udp.multiple */
	c.timeout[SW_TO_ICMP] = 10;          /* icmp.error (after the reply) */
	c.timeout[SW_TO_DEFAULT] = 60;       /* other.multiple */
	if ((rc = add_run(a, "openbsd-pf", &c)) < 0)
		return rc;
	for (int i = 0; i < nwhatif; i++)
		if ((rc = add_run(a, whatif[i], &wconf[i])) < 0)
			return rc;
	return 0;
}

/* ---- output ------------------------------------------------------------------------------------ */

static const char *mode_name(int m)
{
	return sw_half_close_mode_name((unsigned)m);
}

/* The timers a setting's mode actually uses, for the config tables. */
static int shown(int mode, int t)
{
	return relevant(mode, t);
}

static void print_secs(FILE *f, int64_t ns)
{
	if (ns < 0)
		fputs("null", f);
	else
		fprintf(f, "%.6f", sec(ns));
}

static double rel(const struct an *a, sw_time_t t)
{
	return sec(t - a->t0);
}

static void text_facts(FILE *f, const struct an *a)
{
	static const struct {
		const char *what;
		int mode, t;
	} rows[] = {
		{"SYN -> SYN-ACK (and anything before it)", SW_HC_IDLE, SW_TO_TCPINIT},
		{"SYN-ACK -> handshake complete", SW_HC_IDLE, SW_TO_TCPHANDSHAKE},
		{"idle gap while established", SW_HC_IDLE, SW_TO_TCP},
		{"first FIN (or RST) -> last packet", SW_HC_TCPWAIT, SW_TO_TCPWAIT},
		{"first FIN -> last packet", SW_HC_FIXED, SW_TO_TCP_HALF_CLOSED},
		{"idle gap while half-closed", SW_HC_IDLE, SW_TO_TCP_HALF_CLOSED},
		{"both FINs or RST -> last packet", SW_HC_IDLE, SW_TO_TCP_TIME_WAIT},
		{"unverified RST -> the packet that settled it", SW_HC_IDLE, SW_TO_TCP_UNVERIFIED_RST},
		{"UDP idle gap", SW_HC_IDLE, SW_TO_UDP},
		{"ICMP idle gap", SW_HC_IDLE, SW_TO_ICMP},
		{"other protocols: idle gap", SW_HC_IDLE, SW_TO_DEFAULT},
	};
	uint64_t hc = 0, closed = 0;
	int64_t gclosed = -1, gestab = -1;
	uint32_t wclosed = 0, westab = 0;

	for (size_t i = 0; i < a->ns; i++) {
		if (a->s[i].fin1)
			hc++;
		if (a->s[i].close_at)
			closed++;
		if (!a->s[i].late_pkts && a->s[i].gap_closed > gclosed) {
			gclosed = a->s[i].gap_closed;
			wclosed = (uint32_t)i + 1;
		}
		if (!a->s[i].late_pkts && a->s[i].gap_estab > gestab) {
			gestab = a->s[i].gap_estab;
			westab = (uint32_t)i + 1;
		}
	}
	fprintf(f, "Timing facts (longest over all sessions)\n");
	fprintf(f, "  %-46s %12s  %-22s %s\n", "fact", "seconds", "timer it needs", "session");
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		const struct an_rec *x = &a->rec[rows[r].mode][rows[r].t];
		char tn[40];
		snprintf(tn, sizeof(tn), "%s%s", sw_timeout_name((unsigned)rows[r].t),
			 rows[r].t == SW_TO_TCP_HALF_CLOSED ? (rows[r].mode == SW_HC_FIXED ? " (fixed)" : " (idle)") : "");
		if (x->need < 0)
			fprintf(f, "  %-46s %12s  %-22s\n", rows[r].what, "-", tn + 8);
		else
			fprintf(f, "  %-46s %12.6f  %-22s #%u %s\n", rows[r].what, sec(x->need), tn + 8,
				a->s[x->who - 1].id, a->s[x->who - 1].flow);
	}
	if (gestab >= 0)
		fprintf(f, "  %-46s %12.6f  %-22s #%u %s\n", "idle gap while establishing", sec(gestab),
			"(fixed timers above)", a->s[westab - 1].id, a->s[westab - 1].flow);
	if (gclosed >= 0)
		fprintf(f, "  %-46s %12.6f  %-22s #%u %s\n", "idle gap after both FINs / RST", sec(gclosed),
			"(time-wait is fixed)", a->s[wclosed - 1].id, a->s[wclosed - 1].flow);
	fprintf(f, "  %llu half-closed sessions, %llu closed by both FINs or an RST\n",
		(unsigned long long)hc, (unsigned long long)closed);
	if (a->unfixable)
		fprintf(f, "  %llu sessions have packets after their end even with every timer at its "
			   "maximum: no setting in range keeps them (listed as \"unfixable\")\n",
			(unsigned long long)a->unfixable);
}

static int cmp_hc(const void *x, const void *y, void *ctx)
{
	const struct an *a = ctx;
	const struct an_sess *s = &a->s[*(const uint32_t *)x], *t = &a->s[*(const uint32_t *)y];
	int64_t u = s->last - s->fin1, v = t->last - t->fin1;
	return (u < v) - (u > v);
}

static void text_halfclosed(FILE *f, const struct an *a, size_t top)
{
	uint32_t *ix = malloc(a->ns * sizeof(*ix) + 1);
	size_t n = 0;

	if (!ix)
		return;
	for (size_t i = 0; i < a->ns; i++)
		if (a->s[i].fin1)
			ix[n++] = (uint32_t)i;
	qsort_r(ix, n, sizeof(*ix), cmp_hc, (void *)a);
	if (n) {
		fprintf(f, "\nHalf-closed sessions (%zu), longest first%s\n", n,
			n > top ? " (the first ones; --json has all)" : "");
		fprintf(f, "  %-6s %-50s %-10s %10s %10s %10s %10s %10s\n", "id", "flow", "FIN by",
			"FIN at", "open sent", "open last", "hc gap", "FIN->last");
		fprintf(f, "  %-6s %-50s %-10s %10s %10s %10s %10s %10s\n", "", "", "",
			"s (capture)", "pkts", "data +s", "s", "s");
	}
	for (size_t k = 0; k < n && k < top; k++) {
		const struct an_sess *s = &a->s[ix[k]];
		char ol[24];
		if (s->open_last)
			snprintf(ol, sizeof(ol), "%.3f", sec(s->open_last - s->fin1));
		else
			snprintf(ol, sizeof(ol), "-");
		fprintf(f, "  #%-5u %-50s %-10s %10.3f %10llu %10s %10.3f %10.3f\n", s->id, s->flow,
			s->fin1_dir == 0 ? "originator" : "responder", rel(a, s->fin1),
			(unsigned long long)s->open_pkts, ol, s->gap_hc < 0 ? 0 : sec(s->gap_hc),
			sec(s->last - s->fin1));
	}
	free(ix);
}

static void text_broken(FILE *f, const struct an *a, const struct an_run *r, size_t top)
{
	fprintf(f, "\nSessions the current configuration (half-close-mode %s) breaks: %zu\n",
		mode_name(r->conf.half_close_mode), r->nbroken);
	for (size_t i = 0; i < r->nbroken && i < top; i++) {
		const struct an_broken *b = &r->broken[i];
		const struct an_sess *s = b->sess ? &a->s[b->sess - 1] : NULL;
		fprintf(f, "  %s: %s%s%s after %.3f s, then %llu late packet%s", b->flow,
			sw_end_name(b->end_reason), b->timer < SW_TO_MAX ? " by " : "",
			b->timer < SW_TO_MAX ? sw_timeout_name(b->timer) : "", sec(b->end - b->start),
			(unsigned long long)b->late_pkts, b->late_pkts == 1 ? "" : "s");
		if (s && b->timer < SW_TO_MAX) {
			int64_t need = sess_need(s, r->conf.half_close_mode, b->timer);
			if (need >= 0)
				fprintf(f, "; it needs %.3f s, has %u", sec(need), r->conf.timeout[b->timer]);
		}
		if (s && s->late_pkts)
			fputs(" (unfixable)", f);
		fputc('\n', f);
	}
	if (r->nbroken > top)
		fprintf(f, "  ... %zu more (--json lists all)\n", r->nbroken - top);
}

static void text_recommend(FILE *f, const struct an *a)
{
	fprintf(f, "\nRecommended: the smallest whole seconds that break no session of this capture,\n"
		   "verified by replaying with them (and with each value minus one second)\n");
	for (int m = 0; m < 3; m++) {
		fprintf(f, "  half-close-mode %s: replay breaks %lld session%s, splits %lld (%d replay%s)",
			mode_name(m), (long long)a->rec_broken[m], a->rec_broken[m] == 1 ? "" : "s",
			(long long)a->rec_splits[m], a->rec_iters[m], a->rec_iters[m] == 1 ? "" : "s");
		if (a->rec_unfixable[m])
			fprintf(f, "; plus %lld unfixable", (long long)a->rec_unfixable[m]);
		fputc('\n', f);
		fprintf(f, "    %-28s %12s %9s %12s  %s\n", "timer", "needed s", "set", "range",
			"value - 1 s");
		for (int t = 0; t < SW_TO_MAX; t++) {
			const struct an_rec *r = &a->rec[m][t];
			char need[24], range[32], minus[64], note[96] = "";
			if (!relevant(m, t))
				continue;
			if (r->need < 0)
				snprintf(need, sizeof(need), "-");
			else
				snprintf(need, sizeof(need), "%.6f", sec(r->need));
			snprintf(range, sizeof(range), "%u-%u", sw_timeout_info[t].min, sw_timeout_info[t].max);
			if (r->minus_broken >= 0)
				snprintf(minus, sizeof(minus), "breaks %lld, splits %lld",
					 (long long)r->minus_broken, (long long)r->minus_splits);
			else if (r->need < 0)
				snprintf(minus, sizeof(minus), "(no session uses it)");
			else if (r->held)
				snprintf(minus, sizeof(minus), "(held at time-wait)");
			else
				snprintf(minus, sizeof(minus), "(range minimum)");
			if (r->beyond)
				snprintf(note, sizeof(note), "  BEYOND RANGE: needs %.0f s > max %u",
					 ceil(sec(r->need)), sw_timeout_info[t].max);
			else if (r->raised)
				snprintf(note, sizeof(note), "  raised from %u by replay", r->first);
			else if (r->held && r->value > r->first)
				snprintf(note, sizeof(note), "  raised to time-wait (time-wait <= half-closed)");
			fprintf(f, "    %-28s %12s %9u %12s  %s%s\n", sw_timeout_name((unsigned)t), need,
				r->value, range, minus, note);
		}
	}
}

static void conf_str(const struct sw_conf *c, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "mode %s", mode_name(c->half_close_mode));
	static const int ts[] = {SW_TO_TCPINIT, SW_TO_TCPHANDSHAKE, SW_TO_TCP, SW_TO_TCPWAIT,
				 SW_TO_TCP_HALF_CLOSED, SW_TO_TCP_TIME_WAIT, SW_TO_UDP, SW_TO_ICMP};
	static const char *sh[] = {"init", "hs", "tcp", "tcpwait", "hc", "tw", "udp", "icmp"};

	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]) && o < len; i++)
		if (shown(c->half_close_mode, ts[i]))
			o += (size_t)snprintf(buf + o, len - o, " %s %u", sh[i], c->timeout[ts[i]]);
}

static void text_cost(FILE *f, const struct an *a)
{
	fprintf(f, "\nCost of each setting (replayed; a session occupies the table from its first packet\n"
		   "until its timer runs out, after the capture if need be; \"in capture\" stops at its end)\n");
	int w = 22;

	for (size_t i = 0; i < a->nruns; i++)
		if ((int)strlen(a->runs[i].name) > w)
			w = (int)strlen(a->runs[i].name);
	fprintf(f, "  %-*s %7s %7s %7s %8s %14s %14s %9s  %s\n", w, "setting", "broken", "unfix.",
		"splits", "peak", "session-s", "in capture", "peak/max", "configuration");
	for (size_t i = 0; i < a->nruns; i++) {
		const struct an_run *r = &a->runs[i];
		char cs[200];
		conf_str(&r->conf, cs, sizeof(cs));
		fprintf(f, "  %-*s %7zu %7zu %7lld %8u %14.1f %14.1f %8.4f%%  %s\n", w, r->name, r->nbroken,
			r->nunfixable, (long long)r->splits, r->peak, r->sess_seconds, r->sess_seconds_capture,
			100.0 * r->peak / (double)r->conf.max_sessions, cs);
	}
}

static void json_conf(FILE *f, const struct sw_conf *c)
{
	fputs("{\"half-close-mode\":", f);
	sw_json_str(f, mode_name(c->half_close_mode));
	for (int t = 0; t < SW_TO_MAX; t++)
		fprintf(f, ",\"%s\":%u", sw_timeout_name((unsigned)t), c->timeout[t]);
	fprintf(f, ",\"max-sessions\":%u}", c->max_sessions);
}

static void json_sess(FILE *f, const struct an *a, const struct an_sess *s)
{
	char pb[8];

	fprintf(f, "{\"id\":%u,\"flow\":", s->id);
	sw_json_str(f, s->flow);
	fputs(",\"proto\":", f);
	sw_json_str(f, sw_proto_name(s->proto, pb, sizeof(pb)));
	fprintf(f, ",\"start\":%.6f,\"last\":%.6f,\"duration\":%.6f,\"pkts\":%llu", rel(a, s->start),
		rel(a, s->last), sec(s->last - s->start), (unsigned long long)s->pkts);
	if (s->proto == 6) {
		fprintf(f, ",\"picked_up\":%s,\"establishing\":{\"syn_to_synack\":",
			s->picked_up ? "true" : "false");
		print_secs(f, s->req_init);
		fputs(",\"synack_to_established\":", f);
		print_secs(f, s->req_hs);
		fputs(",\"longest_gap\":", f);
		print_secs(f, s->gap_estab);
		fputs("},\"established\":{\"longest_gap\":", f);
		print_secs(f, s->gap_est);
		fputs("},\"half_closed\":", f);
		if (s->fin1) {
			fprintf(f, "{\"by\":\"%s\",\"at\":%.6f,\"open_side_pkts\":%llu,\"open_side_bytes\":%llu,"
				   "\"open_side_last_data\":",
				s->fin1_dir == 0 ? "originator" : "responder", rel(a, s->fin1),
				(unsigned long long)s->open_pkts, (unsigned long long)s->open_bytes);
			print_secs(f, s->open_last ? s->open_last - s->fin1 : -1);
			fputs(",\"open_side_longest_gap\":", f);
			print_secs(f, s->open_gap);
			fputs(",\"longest_gap\":", f);
			print_secs(f, s->gap_hc);
			fputs(",\"fin_to_last\":", f);
			print_secs(f, s->last - s->fin1);
			fputc('}', f);
		} else {
			fputs("null", f);
		}
		fputs(",\"closed\":", f);
		if (s->close_at) {
			fprintf(f, "{\"by\":\"%s\",\"at\":%.6f,\"close_to_last\":", s->close_rst ? "rst" : "fin",
				rel(a, s->close_at));
			print_secs(f, s->last - s->close_at);
			fputs(",\"longest_gap\":", f);
			print_secs(f, s->gap_closed);
			fputc('}', f);
		} else {
			fputs("null", f);
		}
		fputs(",\"unverified_rst\":", f);
		print_secs(f, s->req_urst);
		fputs(",\"tcpwait_span\":", f);
		print_secs(f, sess_need(s, SW_HC_TCPWAIT, SW_TO_TCPWAIT));
	} else {
		fputs(",\"longest_gap\":", f);
		print_secs(f, s->gap_other);
	}
	fputs(",\"end_reason\":", f);
	sw_json_str(f, s->split ? "split-by-new-syn" : s->ended ? sw_end_name(s->end_reason) : "?");
	fprintf(f, ",\"unfixable\":%s,\"late_pkts_at_max\":%llu}", s->late_pkts ? "true" : "false",
		(unsigned long long)s->late_pkts);
}

static void json_out(FILE *f, const struct an *a)
{
	fputs("{\"capture\":{\"file\":", f);
	sw_json_str(f, a->path);
	fprintf(f, ",\"packets\":%zu,\"start\":", a->nfr);
	sw_json_time(f, a->t0);
	fprintf(f, ",\"duration\":%.6f,\"sessions\":%zu,\"sessions_by_proto\":{\"tcp\":%llu,"
		   "\"udp\":%llu,\"icmp\":%llu,\"other\":%llu},\"unfixable\":%llu},",
		sec(a->t1 - a->t0), a->ns, (unsigned long long)a->created_proto[0],
		(unsigned long long)a->created_proto[1], (unsigned long long)a->created_proto[2],
		(unsigned long long)a->created_proto[3], (unsigned long long)a->unfixable);
	fputs("\"current\":", f);
	json_conf(f, &a->cur);
	fputs(",\"recommended\":{", f);
	for (int m = 0; m < 3; m++) {
		const char *sep = "";
		fprintf(f, "%s\"%s\":{", m ? "," : "", mode_name(m));
		for (int t = 0; t < SW_TO_MAX; t++)
			if (relevant(m, t)) {
				fprintf(f, "%s\"%s\":%u", sep, sw_timeout_name((unsigned)t), a->rec[m][t].value);
				sep = ",";
			}
		fputc('}', f);
	}
	fputs("},\"verification\":{", f);
	for (int m = 0; m < 3; m++) {
		const char *sep = "";
		fprintf(f, "%s\"%s\":{\"broken\":%lld,\"unfixable\":%lld,\"splits\":%lld,\"replays\":%d,"
			   "\"timers\":{",
			m ? "," : "", mode_name(m), (long long)a->rec_broken[m],
			(long long)a->rec_unfixable[m], (long long)a->rec_splits[m],
			a->rec_iters[m]);
		for (int t = 0; t < SW_TO_MAX; t++) {
			const struct an_rec *r = &a->rec[m][t];
			if (!relevant(m, t))
				continue;
			fprintf(f, "%s\"%s\":{\"needed\":", sep, sw_timeout_name((unsigned)t));
			print_secs(f, r->need);
			fprintf(f, ",\"session\":");
			if (r->who)
				fprintf(f, "%u", a->s[r->who - 1].id);
			else
				fputs("null", f);
			fprintf(f, ",\"from_facts\":%u,\"value\":%u,\"min\":%u,\"max\":%u,\"beyond_range\":%s,"
				   "\"raised_by_replay\":%s,\"held_by_time_wait\":%s,\"minus_one_broken\":",
				r->first, r->value, sw_timeout_info[t].min, sw_timeout_info[t].max,
				r->beyond ? "true" : "false", r->raised ? "true" : "false",
				r->held ? "true" : "false");
			if (r->minus_broken >= 0)
				fprintf(f, "%lld,\"minus_one_splits\":%lld}", (long long)r->minus_broken,
					(long long)r->minus_splits);
			else
				fputs("null,\"minus_one_splits\":null}", f);
			sep = ",";
		}
		fputs("}}", f);
	}
	fputs("},\"settings\":[", f);
	for (size_t i = 0; i < a->nruns; i++) {
		const struct an_run *r = &a->runs[i];
		fprintf(f, "%s{\"name\":", i ? "," : "");
		sw_json_str(f, r->name);
		fputs(",\"config\":", f);
		json_conf(f, &r->conf);
		fprintf(f, ",\"broken\":%zu,\"unfixable\":%zu,\"splits\":%lld,\"sessions\":%llu,\"peak\":%u,"
			   "\"session_seconds\":%.3f,\"session_seconds_in_capture\":%.3f,"
			   "\"peak_share\":%.8f,\"broken_sessions\":[",
			r->nbroken, r->nunfixable, (long long)r->splits, (unsigned long long)r->created,
			r->peak, r->sess_seconds, r->sess_seconds_capture, (double)r->peak / (double)r->conf.max_sessions);
		for (size_t b = 0; b < r->nbroken; b++) {
			const struct an_broken *x = &r->broken[b];
			fprintf(f, "%s{\"flow\":", b ? "," : "");
			sw_json_str(f, x->flow);
			fputs(",\"session\":", f);
			if (x->sess)
				fprintf(f, "%u", a->s[x->sess - 1].id);
			else
				fputs("null", f);
			fputs(",\"end_reason\":", f);
			sw_json_str(f, sw_end_name(x->end_reason));
			fputs(",\"timer\":", f);
			if (x->timer < SW_TO_MAX)
				sw_json_str(f, sw_timeout_name(x->timer));
			else
				fputs("null", f);
			fprintf(f, ",\"start\":%.6f,\"end\":%.6f,\"late_pkts\":%llu,\"late_bytes\":%llu,"
				   "\"unfixable\":%s}",
				rel(a, x->start), rel(a, x->end), (unsigned long long)x->late_pkts,
				(unsigned long long)x->late_bytes,
				x->sess && a->s[x->sess - 1].late_pkts ? "true" : "false");
		}
		fputs("]}", f);
	}
	fputs("],\"sessions\":[", f);
	for (size_t i = 0; i < a->ns; i++) {
		if (i)
			fputc(',', f);
		fputc('\n', f);
		json_sess(f, a, &a->s[i]);
	}
	fprintf(f, "\n],\"timing\":{\"load\":%.3f,\"measure\":%.3f,\"recommend\":%.3f,\"cost\":%.3f}}\n",
		a->t_load, a->t_facts, a->t_rec, a->t_cost);
}

static int plot(const struct an *a, const char *path, char *err, size_t errlen)
{
	struct an_plot_in in;
	double *d = malloc((a->ns + 1) * sizeof(*d));
	char title[256], l0[64], l1[64];
	const char *base = strrchr(a->path, '/');
	int rc, m = a->cur.half_close_mode;

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(&in, 0, sizeof(in));
	for (size_t i = 0; i < a->ns; i++)
		if (a->s[i].fin1)
			d[in.nhc++] = sec(a->s[i].last - a->s[i].fin1);
	snprintf(title, sizeof(title), "statewall analyze %s: %zu packets, %zu sessions",
		 base ? base + 1 : a->path, a->nfr, a->ns);
	in.t0 = a->t0;
	in.t1 = a->t1;
	in.runs = a->runs;
	in.nruns = a->nruns;
	in.hc_durations = d;
	in.title = title;
	snprintf(l0, sizeof(l0), "recommended tcpwait %u s", a->rec[SW_HC_TCPWAIT][SW_TO_TCPWAIT].value);
	in.mark_label[0] = l0;
	in.mark_s[0] = a->rec[SW_HC_TCPWAIT][SW_TO_TCPWAIT].value;
	if (m == SW_HC_TCPWAIT) {
		snprintf(l1, sizeof(l1), "current tcpwait %u s", a->cur.timeout[SW_TO_TCPWAIT]);
		in.mark_s[1] = a->cur.timeout[SW_TO_TCPWAIT];
	} else {
		snprintf(l1, sizeof(l1), "current half-closed (%s) %u s", mode_name(m),
			 a->cur.timeout[SW_TO_TCP_HALF_CLOSED]);
		in.mark_s[1] = a->cur.timeout[SW_TO_TCP_HALF_CLOSED];
	}
	in.mark_label[1] = l1;
	in.nmarks = 2;
	rc = an_plot(&in, path, err, errlen);
	free(d);
	return rc;
}

/* ---- the command ---------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: statewall analyze [options] CAPTURE\n"
	      "  -c, --config FILE        configuration file of `set` lines (the current setting)\n"
	      "      --set NAME=VALUE     one session setting (repeatable)\n"
	      "      --what-if 'K=V,...'  one more named setting to compare (repeatable), e.g.\n"
	      "                           --what-if 'timeout-tcpwait=60,half-close-mode=fixed'\n"
	      "      --json               one JSON object on stdout instead of the tables\n"
	      "      --plot FILE          occupancy and half-close plot, FILE.svg or FILE.png\n"
	      "      --top N              rows of the session lists in the tables (default 20)\n"
	      "  -q, --quiet              no timing line on stderr\n",
	      f);
}

static void an_free(struct an *a)
{
	for (size_t i = 0; i < a->nruns; i++)
		run_free(&a->runs[i]);
	free(a->runs);
	free(a->s);
	free(a->idmap);
	free(a->kbucket);
	free(a->fr);
	free(a->buf);
}

static int has_ext(const char *p, const char *ext)
{
	size_t n = strlen(p), m = strlen(ext);
	return n > m && strcasecmp(p + n - m, ext) == 0;
}

int sw_cmd_analyze(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"set", required_argument, NULL, 'S'},
		{"what-if", required_argument, NULL, 'W'}, {"json", no_argument, NULL, 'J'},
		{"plot", required_argument, NULL, 'P'}, {"top", required_argument, NULL, 'T'},
		{"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct app_conf ac;
	struct an *a = NULL;
	char **whatif = NULL, err[512];
	struct sw_conf *wconf = NULL;
	int nwhatif = 0, json = 0, quiet = 0, ch, rc = 2;
	const char *plotpath = NULL;
	long top = 20;
	double t;

	app_conf_init(&ac);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': ac.config = optarg; break;
		case 'S':
			if (app_conf_add_set(&ac, optarg) < 0)
				goto out;
			break;
		case 'W': {
			void *p = realloc(whatif, (size_t)(nwhatif + 1) * sizeof(*whatif));
			if (!p)
				goto out;
			whatif = p;
			whatif[nwhatif++] = optarg;
			break;
		}
		case 'J': json = 1; break;
		case 'P': plotpath = optarg; break;
		case 'T':
			top = strtol(optarg, NULL, 10);
			if (top < 0)
				top = 0;
			break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); rc = 0; goto out;
		default: usage(stderr); goto out;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		goto out;
	}
	if (plotpath && !has_ext(plotpath, ".svg") && !has_ext(plotpath, ".png")) {
		fprintf(stderr, "statewall analyze: --plot %s: the name must end in .svg or .png\n",
			plotpath);
		goto out;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		goto out;
	a->path = argv[optind];
	if (app_conf_build(&ac, &a->cur) < 0)
		goto out;
	if (nwhatif && !(wconf = calloc((size_t)nwhatif, sizeof(*wconf))))
		goto out;
	for (int i = 0; i < nwhatif; i++)
		if (parse_whatif(&a->cur, whatif[i], &wconf[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "statewall analyze: --what-if '%s': %s\n", whatif[i], err);
			goto out;
		}
	rc = 1;
	t = now_s();
	if (load(a, a->path, err, sizeof(err)) < 0) {
		fprintf(stderr, "statewall analyze: %s\n", err);
		goto out;
	}
	a->t_load = now_s() - t;
	t = now_s();
	if (measure(a, err, sizeof(err)) < 0) {
		fprintf(stderr, "statewall analyze: %s\n", err);
		goto out;
	}
	a->t_facts = now_s() - t;
	t = now_s();
	if (recommend(a) < 0) {
		fputs("statewall analyze: out of memory replaying\n", stderr);
		goto out;
	}
	a->t_rec = now_s() - t;
	t = now_s();
	if (cost(a, whatif, nwhatif, wconf) < 0) {
		fputs("statewall analyze: out of memory replaying\n", stderr);
		goto out;
	}
	a->t_cost = now_s() - t;
	if (json) {
		json_out(stdout, a);
	} else {
		printf("statewall analyze %s: %zu packets over %.3f s, %zu sessions (%llu tcp, %llu udp, "
		       "%llu icmp, %llu other)\n\n",
		       a->path, a->nfr, sec(a->t1 - a->t0), a->ns, (unsigned long long)a->created_proto[0],
		       (unsigned long long)a->created_proto[1], (unsigned long long)a->created_proto[2],
		       (unsigned long long)a->created_proto[3]);
		text_facts(stdout, a);
		text_halfclosed(stdout, a, (size_t)top);
		text_broken(stdout, a, &a->runs[0], (size_t)top);
		text_recommend(stdout, a);
		text_cost(stdout, a);
	}
	if (plotpath) {
		if (plot(a, plotpath, err, sizeof(err)) < 0) {
			fprintf(stderr, "statewall analyze: --plot %s: %s\n", plotpath, err);
			goto out;
		}
		if (!json)
			printf("\nplot: %s\n", plotpath);
	}
	if (!quiet)
		fprintf(stderr, "statewall analyze: %zu packets, %zu sessions, %zu settings; load %.3f s, "
				"measure %.3f s, recommend %.3f s, cost %.3f s\n",
			a->nfr, a->ns, a->nruns, a->t_load, a->t_facts, a->t_rec, a->t_cost);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	if (a)
		an_free(a);
	free(a);
	free(wconf);
	free(whatif);
	app_conf_free(&ac);
	return rc;
}
