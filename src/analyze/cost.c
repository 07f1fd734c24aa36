/*
 * cost.c - the fourth stage: replay the loaded capture under a setting and
 * keep what it costs: the sessions it breaks (late packets after a timer
 * ended them), the splits, and from every session's start and end (its timer
 * running out after the capture if need be) the peak concurrency and the
 * session-seconds.  Each broken session carries its cause: a timer, or the
 * table's pressure (accelerated aging, eviction, a refusal).  Then every
 * setting compared: the current one, each recommendation, models of PAN-OS,
 * Linux conntrack and pf, and --what-if; each also against its table
 * (pressure.c); the settings at once on --threads (par.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/an-int.h"
#include "util/sessrec.h"
#include "statewall/pkt.h"

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

/* A new entry in the run's broken list, or NULL (out of memory, noted). */
static struct an_broken *new_broken(struct an_run *r)
{
	struct an_broken *b;

	if (r->nbroken == r->capbroken) {
		size_t c = r->capbroken ? r->capbroken * 2 : 16;
		void *p = realloc(r->broken, c * sizeof(*r->broken));
		if (!p) {
			r->oom = 1;
			return NULL;
		}
		r->broken = p;
		r->capbroken = c;
	}
	b = &r->broken[r->nbroken++];
	memset(b, 0, sizeof(*b));
	return b;
}

/*
 * Frame i was dropped because the table was full: the flow of its layer l
 * that was refused (the measured session it belongs to) is broken by the
 * table limit, once per flow; its later refused packets are counted on the
 * same entry.
 */
static void note_refused(struct run_ctx *x, size_t i, const struct sw_layer *l, int quota)
{
	struct an *a = x->a;
	struct an_run *r = x->r;
	const struct an_frame *fr = &a->fr[i];
	struct an_broken *b;
	uint32_t k = 0;

	if (l->parsed)
		k = an_find_flow(a, &l->pkt.flow, fr->ts);
	if (k && r->refused_of[k - 1]) {
		b = &r->broken[r->refused_of[k - 1] - 1];
		b->late_pkts++;
		b->late_bytes += fr->caplen;
		b->end = fr->ts;
		return;
	}
	if (!(b = new_broken(r)))
		return;
	if (quota)
		r->nquota++;
	else
		r->nrefused++;
	b->sess = k;
	b->refused = 1;
	b->cause = quota ? AN_CAUSE_QUOTA : AN_CAUSE_FULL;
	r->pr.broken_by[b->cause]++;
	b->timer = SW_TO_MAX;
	b->end_reason = SW_END_RESOURCES;
	b->late_pkts = 1;
	b->late_bytes = fr->caplen;
	b->start = b->end = fr->ts;
	if (k) {
		memcpy(b->flow, a->s[k - 1].flow, sizeof(b->flow));
		r->refused_of[k - 1] = (uint32_t)r->nbroken;
	} else {
		snprintf(b->flow, sizeof(b->flow), "frame %zu (not parsed)", i + 1);
	}
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
	if (!si->late_pkts && si->proto != 6 &&
	    (si->end_reason == SW_END_EVICTED || (si->end_reason == SW_END_AGED_OUT && si->accel_factor))) {
		/* ended by the table's pressure: did its flow go on (a split, not a break)? */
		uint32_t k = an_find_sess(x->a, si);
		if (k && x->a->s[k - 1].last > si->end)
			r->pr.pressure_splits++;
	}
	if (si->late_pkts) {
		struct an_broken *b = new_broken(r);
		if (!b)
			return;
		b->sess = an_find_sess(x->a, si);
		if (b->sess)
			memcpy(b->flow, x->a->s[b->sess - 1].flow, sizeof(b->flow));
		else
			sw_flow_str(si, b->flow, sizeof(b->flow));
		b->timer = si->timer;
		b->rule = si->rule;
		b->timer_secs = si->timer_secs;
		memcpy(b->timer_from, si->timer_from, sizeof(b->timer_from));
		b->end_reason = si->end_reason;
		b->late_pkts = si->late_pkts;
		b->late_bytes = si->late_bytes;
		b->start = si->start;
		b->end = si->end;
		if (si->end_reason == SW_END_EVICTED) {
			b->cause = AN_CAUSE_EVICT;
			b->evict_class = si->evict_class;
		} else if (si->end_reason == SW_END_AGED_OUT && si->accel_factor) {
			b->cause = AN_CAUSE_ACCEL;
			b->accel_factor = si->accel_factor;
		}
		r->pr.broken_by[b->cause]++;
		if (b->sess && x->a->s[b->sess - 1].rec.late_pkts)
			r->nunfixable++;
		else if (b->cause == AN_CAUSE_TIMER)
			r->ntimer++;
	}
}

static int cmp_time(const void *x, const void *y)
{
	sw_time_t a = *(const sw_time_t *)x, b = *(const sw_time_t *)y;
	return (a > b) - (a < b);
}

/* Peak concurrency and session-seconds from the starts and ends (ends first on ties). */
void an_occupancy(struct an_run *r)
{
	size_t i = 0, j = 0;
	uint32_t cur = 0;
	double ss = 0;

	for (size_t k = 0; k < r->nocc; k++)
		ss += sec(r->ends[k] - r->starts[k]);
	r->sess_seconds = ss;
	r->peak = 0;
	if (!r->nocc)
		return; /* no session: nothing to sort (qsort wants an array, even of none) */
	qsort(r->starts, r->nocc, sizeof(*r->starts), cmp_time);
	qsort(r->ends, r->nocc, sizeof(*r->ends), cmp_time);
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

void an_run_free(struct an_run *r)
{
	free(r->broken);
	free(r->starts);
	free(r->ends);
	r->broken = NULL;
	r->starts = r->ends = NULL;
	r->nbroken = r->nocc = r->capbroken = r->capocc = 0;
}

int an_replay(struct an *a, struct an_run *r)
{
	struct sw_engine *e;
	struct run_ctx x = {.a = a, .r = r};
	struct sw_stats st;
	int rc = sw_engine_create(&e, &r->conf);

	if (rc < 0)
		return rc;
	r->refused_of = calloc(a->ns ? a->ns : 1, sizeof(*r->refused_of));
	if (!r->refused_of) {
		sw_engine_destroy(e);
		return -ENOMEM;
	}
	sw_engine_on_end(e, run_on_end, &x);
	for (size_t i = 0; i < a->nfr; i++) {
		struct sw_layer lay[SW_LAYERS_MAX];
		struct sw_verdict v;
		/* the layers: a refused inner flow is the inner session's (its frame's last layer) */
		unsigned n = sw_engine_layers(e, a->buf + a->fr[i].off, a->fr[i].caplen,
					      a->fr[i].wirelen, a->fr[i].link, a->fr[i].ts, lay, &v);
		if (v.action == SW_DROP &&
		    (v.reason == SW_DROP_RESOURCES || v.reason == SW_DROP_SOURCE_QUOTA))
			note_refused(&x, i, &lay[n - 1], v.reason == SW_DROP_SOURCE_QUOTA);
	}
	for (uint32_t cur = 0;;) {
		sw_engine_walk(e, &cur, 4096, note_expiry, &x);
		if (!cur || x.oom)
			break;
	}
	sw_engine_stats(e, &st);
	r->pr.accel_at_end = st.accelerating;
	x.flushing = 1;
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	sw_engine_stats(e, &st);
	r->pr.accel_aged = st.ctr[SW_CTR_ACCEL_AGED];
	for (int c = 0; c < SW_EC_MAX; c++)
		r->pr.evicted[c] = st.ctr[SW_CTR_EVICT_DISCARD + c];
	sw_engine_destroy(e);
	free(x.exp_start);
	free(x.exp_at);
	free(r->refused_of);
	r->refused_of = NULL;
	if (x.oom)
		r->oom = 1;
	r->splits = 0;
	for (int p = 1; p < 4; p++)
		if (r->created_proto[p] > a->created_proto[p])
			r->splits += (int64_t)(r->created_proto[p] - a->created_proto[p]);
	an_occupancy(r);
	return r->oom ? -ENOMEM : 0;
}

/* Replay with conf; only the counts are kept. */
int an_replay_counts(struct an *a, const struct sw_conf *c, int64_t *broken, int64_t *splits)
{
	struct an_run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.conf = *c;
	rc = an_replay(a, &r);
	*broken = (int64_t)r.ntimer;
	*splits = r.splits;
	an_run_free(&r);
	return rc;
}

/* ---- settings ----------------------------------------------------------------------------- */

static void base_model(const struct an *a, struct sw_conf *c, int mode)
{
	*c = a->cur;
	for (int t = 0; t < SW_TO_MAX; t++)
		c->timeout[t] = sw_timeout_info[t].def;
	c->half_close_mode = (uint8_t)mode;
}

/* A setting to replay: the next run of a->runs (allocated for all of them). */
static void add_setting(struct an *a, const char *name, const struct sw_conf *c)
{
	struct an_run *r = &a->runs[a->nruns++];

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->conf = *c;
}

/* One job: a setting's replay, then its table's (pressure.c). */
static int run_setting(struct an *a, void *arg, char *err, size_t errlen)
{
	struct an_run *r = arg;
	int rc = an_replay(a, r);

	if (rc == 0)
		rc = an_pressure(a, r);
	if (rc < 0)
		snprintf(err, errlen, "replaying under setting %s: %s", r->name, strerror(-rc));
	return rc;
}

int an_parse_whatif(const struct sw_conf *cur, const char *spec, struct sw_conf *out, char *err,
		    size_t errlen)
{
	char buf[512], *save = NULL;

	*out = *cur;
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "too long (%zu bytes, at most %zu)", strlen(spec), sizeof(buf) - 1);
		return -EINVAL;
	}
	strcpy(buf, spec);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		while (*kv == ' ')
			kv++;
		if (!*kv)
			continue;
		if (sw_conf_apply_kv(out, kv, err, errlen) < 0)
			return -EINVAL;
	}
	return sw_conf_validate(out, err, errlen) < 0 ? -EINVAL : 0;
}

int an_cost(struct an *a, char *const *names, const struct sw_conf *confs, size_t n, char *err,
	    size_t errlen)
{
	static const char *mname[3] = {"recommended-tcpwait", "recommended-fixed", "recommended-idle"};
	struct sw_conf c;
	struct an_job *jobs;
	double t = an_now();
	int rc;

	/* current, up to three recommendations, four models, the --what-ifs */
	if (!(a->runs = calloc(8 + n, sizeof(*a->runs)))) {
		snprintf(err, errlen, "out of memory replaying the settings");
		return -ENOMEM;
	}
	add_setting(a, "current", &a->cur);
	for (int m = 0; m < 3; m++) {
		if (a->rec_refused[m])
			continue; /* no recommendation: the table could not hold the capture */
		an_rec_conf(a, m, &c);
		add_setting(a, mname[m], &c);
	}
	/* PAN-OS >= 6.1: the table's defaults, half-close fixed. */
	base_model(a, &c, SW_HC_FIXED);
	add_setting(a, "pan-os", &c);
	/* PAN-OS <= 6.0: defaults, legacy tcpwait 30. */
	base_model(a, &c, SW_HC_TCPWAIT);
	add_setting(a, "pan-os-6.0", &c);
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
	add_setting(a, "linux-conntrack", &c);
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
	add_setting(a, "openbsd-pf", &c);
	for (size_t i = 0; i < n; i++)
		add_setting(a, names[i], &confs[i]);
	if (!(jobs = calloc(a->nruns, sizeof(*jobs)))) {
		snprintf(err, errlen, "out of memory replaying the settings");
		return -ENOMEM;
	}
	for (size_t i = 0; i < a->nruns; i++) {
		jobs[i].fn = run_setting;
		jobs[i].arg = &a->runs[i];
	}
	rc = an_jobs_run(a, jobs, a->nruns, err, errlen);
	free(jobs);
	a->t_cost = an_now() - t;
	return rc;
}
