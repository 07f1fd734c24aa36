/*
 * recommend.c - the third stage: from the measured facts, per half-close
 * mode, the smallest whole second for every timer that covers every
 * session; verify by replaying with it, raise what still breaks, and replay
 * with each value minus one second to show how tight it is.  The three
 * modes' verifications run at once on --threads, then every minus-one
 * replay (par.c).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "analyze/an-int.h"

/* ---- what each mode needs ------------------------------------------------------------ */

int an_relevant(int mode, int t)
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
int64_t an_sess_need(const struct an_sess *s, int m, int t)
{
	switch (t) {
	case SW_TO_TCPINIT: return s->rec.proto == 6 ? s->req_init : -1;
	case SW_TO_TCPHANDSHAKE: return s->rec.proto == 6 ? s->req_hs : -1;
	case SW_TO_TCP: return s->rec.proto == 6 ? s->gap_est : -1;
	case SW_TO_TCP_UNVERIFIED_RST: return s->rec.proto == 6 ? s->req_urst : -1;
	case SW_TO_UDP: return s->rec.proto == 17 ? s->gap_other : -1;
	case SW_TO_ICMP: return (s->rec.proto == 1 || s->rec.proto == 58) ? s->gap_other : -1;
	case SW_TO_DEFAULT:
		return (s->rec.proto != 6 && s->rec.proto != 17 && s->rec.proto != 1 && s->rec.proto != 58)
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
		if (s->rec.late_pkts)
			continue; /* nothing in range saves it: reported apart */
		for (int t = 0; t < SW_TO_MAX; t++) {
			int64_t v = an_sess_need(s, m, t);
			if (v > n->ns[t]) {
				n->ns[t] = v;
				n->who[t] = (uint32_t)i + 1;
			}
		}
	}
}

/* ---- recommendations ------------------------------------------------------------------ */

int an_scoped_timer(const struct an_broken *b)
{
	return strcmp(b->timer_from, "default") != 0 && strcmp(b->timer_from, "configured") != 0;
}

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

void an_rec_conf(const struct an *a, int m, struct sw_conf *c)
{
	*c = a->cur;
	c->half_close_mode = (uint8_t)m;
	for (int t = 0; t < SW_TO_MAX; t++)
		if (an_relevant(m, t))
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

/* One job: mode m's values from the facts, verified by replaying; raise what still breaks. */
static int verify_mode(struct an *a, void *arg, char *err, size_t errlen)
{
	const int m = (int)(intptr_t)arg;
	struct an_need n;
	uint32_t step[SW_TO_MAX] = {0};

	need_of(a, m, &n);
	for (int t = 0; t < SW_TO_MAX; t++) {
		struct an_rec *r = &a->rec[m][t];
		memset(r, 0, sizeof(*r));
		r->minus_broken = r->minus_splits = -1;
		if (!an_relevant(m, t)) {
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
		int64_t scoped = 0;

		memset(&run, 0, sizeof(run));
		an_rec_conf(a, m, &run.conf);
		rc = an_replay(a, &run);
		a->rec_iters[m] = it + 1;
		if (rc < 0) {
			an_run_free(&run);
			snprintf(err, errlen, "verifying the recommendation for half-close-mode %s: %s",
				 mode_name(m), strerror(-rc));
			return rc;
		}
		for (size_t b = 0; b < run.nbroken; b++) {
			int t = run.broken[b].timer;
			uint32_t si = run.broken[b].sess;
			if (si && a->s[si - 1].rec.late_pkts)
				continue; /* no value in range saves it */
			if (run.broken[b].cause != AN_CAUSE_TIMER)
				continue; /* the table's pressure, not the timer, ended it */
			if (an_scoped_timer(&run.broken[b])) {
				scoped++; /* its rule's, service's or application's own timer */
				continue;
			}
			if (t < SW_TO_MAX && an_relevant(m, t) &&
			    a->rec[m][t].value < sw_timeout_info[t].max)
				raise[t] = 1;
		}
		if (run.created_proto[1] > a->created_proto[1])
			raise[SW_TO_UDP] = 1;
		if (run.created_proto[2] > a->created_proto[2])
			raise[SW_TO_ICMP] = 1;
		if (run.created_proto[3] > a->created_proto[3])
			raise[SW_TO_DEFAULT] = 1;
		a->rec_broken[m] = (int64_t)run.ntimer - scoped;
		a->rec_scoped[m] = scoped;
		a->rec_unfixable[m] = (int64_t)run.nunfixable;
		a->rec_refused[m] = (int64_t)run.nrefused;
		a->rec_pressure[m] = (int64_t)(run.nbroken - run.nunfixable - run.ntimer -
					       run.nrefused);
		a->rec_splits[m] = run.splits;
		an_run_free(&run);
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
			return 0;
		hold_hc(a, m);
	}
}

/* What a replay after the verification checks: timer t of mode m minus one second, or (t < 0) the table mode m needs. */
struct check {
	int m, t;
};

static int run_check(struct an *a, void *arg, char *err, size_t errlen)
{
	const struct check *k = arg;
	struct an_run big;
	struct sw_conf c;
	int rc;

	an_rec_conf(a, k->m, &c);
	if (k->t >= 0) {
		struct an_rec *r = &a->rec[k->m][k->t];
		c.timeout[k->t] = r->value - 1;
		rc = an_replay_counts(a, &c, &r->minus_broken, &r->minus_splits);
		if (rc < 0)
			snprintf(err, errlen, "out of memory replaying %s minus one second",
				 sw_timeout_name((unsigned)k->t));
		return rc;
	}
	/* No recommendation: what table these timers would need instead. */
	memset(&big, 0, sizeof(big));
	big.conf = c;
	an_free_conf(a, &big.conf);
	rc = an_replay(a, &big);
	a->rec_peak[k->m] = big.peak;
	an_run_free(&big);
	if (rc < 0)
		snprintf(err, errlen, "out of memory replaying with an unbounded table");
	return rc;
}

int an_recommend(struct an *a, char *err, size_t errlen)
{
	struct an_job jobs[3 * SW_TO_MAX];
	struct check chk[3 * SW_TO_MAX];
	size_t n = 0;
	double t0 = an_now();
	int rc;

	/* The three modes' verifications at once, then every replay that checks them. */
	memset(jobs, 0, sizeof(jobs));
	for (int m = 0; m < 3; m++) {
		jobs[m].fn = verify_mode;
		jobs[m].arg = (void *)(intptr_t)m;
	}
	if ((rc = an_jobs_run(a, jobs, 3, err, errlen)) < 0)
		return rc;
	memset(jobs, 0, sizeof(jobs));
	for (int m = 0; m < 3; m++) {
		struct sw_conf c;

		if (a->rec_refused[m]) {
			chk[n] = (struct check){m, -1};
			n++;
			continue;
		}
		/* Tightness: each exercised value minus one second. */
		an_rec_conf(a, m, &c);
		for (int t = 0; t < SW_TO_MAX; t++) {
			struct an_rec *r = &a->rec[m][t];
			if (!an_relevant(m, t) || r->need < 0 || r->value <= sw_timeout_info[t].min)
				continue;
			struct sw_conf c1 = c;
			c1.timeout[t] = r->value - 1;
			if (c1.timeout[SW_TO_TCP_TIME_WAIT] > c1.timeout[SW_TO_TCP_HALF_CLOSED]) {
				r->held = 1; /* not a valid configuration: time-wait holds it */
				continue;
			}
			chk[n] = (struct check){m, t};
			n++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		jobs[i].fn = run_check;
		jobs[i].arg = &chk[i];
	}
	rc = an_jobs_run(a, jobs, n, err, errlen);
	a->t_rec = an_now() - t0;
	return rc;
}
