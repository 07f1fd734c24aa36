/*
 * output.c - the last stage: the analysis as tables for a terminal or as one
 * JSON document (docs/analyze.md describes both).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/an-int.h"
#include "util/json.h"
#include "util/sessrec.h"

/* Sessions inside a tunnel (tunnel-inspect). */
static size_t tunnelled(const struct an *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->ns; i++)
		n += a->s[i].tunnel != 0;
	return n;
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
		if (!a->s[i].rec.late_pkts && a->s[i].gap_closed > gclosed) {
			gclosed = a->s[i].gap_closed;
			wclosed = (uint32_t)i + 1;
		}
		if (!a->s[i].rec.late_pkts && a->s[i].gap_estab > gestab) {
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

/*
 * One session a setting broke, on one line without its newline: how it
 * ended (timer, accelerated timer, eviction class, refusal) and, for a
 * timer at its value, what the session needed of it.
 */
static void text_broken_one(FILE *f, const struct an *a, const struct an_run *r,
			    const struct an_broken *b)
{
	const struct an_sess *s = b->sess ? &a->s[b->sess - 1] : NULL;

	if (b->refused) {
		fprintf(f, "  %s: %s at %.3f s, %llu packet%s dropped", b->flow,
			b->cause == AN_CAUSE_QUOTA
				? "source-quota-exceeded (its source at max-sessions-per-source)"
				: "resources-unavailable (table full)",
			rel(a, b->start), (unsigned long long)b->late_pkts, b->late_pkts == 1 ? "" : "s");
		return;
	}
	fprintf(f, "  %s: %s", b->flow, sw_end_name(b->end_reason));
	if (b->cause == AN_CAUSE_EVICT)
		fprintf(f, " (%s) at %.3f s", sw_evict_class_name(b->evict_class), rel(a, b->end));
	else if (b->timer < SW_TO_MAX)
		fprintf(f, " by %s", sw_timeout_name(b->timer));
	if (b->cause == AN_CAUSE_ACCEL && b->timer < SW_TO_MAX)
		fprintf(f, " accelerated (%u s / %u) at %.3f s", r->conf.timeout[b->timer],
			b->accel_factor, rel(a, b->end));
	fprintf(f, "%s %.3f s, then %llu late packet%s", b->cause == AN_CAUSE_TIMER ? " after" : ", its life",
		sec(b->end - b->start), (unsigned long long)b->late_pkts, b->late_pkts == 1 ? "" : "s");
	if (s && b->timer < SW_TO_MAX && b->cause == AN_CAUSE_TIMER) {
		int64_t need = an_sess_need(s, r->conf.half_close_mode, b->timer);
		if (need >= 0)
			fprintf(f, "; it needs %.3f s, has %u (%s)", sec(need), b->timer_secs,
				b->timer_from);
	}
	if (s && s->rec.late_pkts)
		fputs(" (unfixable)", f);
}

static void text_broken(FILE *f, const struct an *a, const struct an_run *r, size_t top)
{
	fprintf(f, "\nSessions the current configuration (half-close-mode %s) breaks: %zu",
		mode_name(r->conf.half_close_mode), r->nbroken);
	if (r->nrefused)
		fprintf(f, ", %zu of them refused: the session table (max-sessions %u) was full",
			r->nrefused, r->conf.max_sessions);
	fputc('\n', f);
	for (size_t i = 0; i < r->nbroken && i < top; i++) {
		text_broken_one(f, a, r, &r->broken[i]);
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
		if (a->rec_scoped[m])
			fprintf(f, "; plus %lld ended by a rule's, service's or application's own timer, "
				   "which no global value changes (see \"Narrowest fix\")",
				(long long)a->rec_scoped[m]);
		if (a->rec_pressure[m])
			fprintf(f, "; plus %lld broken by the table's pressure (see \"Under pressure\")",
				(long long)a->rec_pressure[m]);
		fputc('\n', f);
		if (a->rec_refused[m]) {
			fprintf(f, "    no recommendation: the session table (max-sessions %u) cannot hold this "
				   "capture;\n    with these timers it refused %lld flow%s, and they need "
				   "max-sessions %u or more\n",
				a->cur.max_sessions, (long long)a->rec_refused[m],
				a->rec_refused[m] == 1 ? "" : "s", a->rec_peak[m]);
			continue;
		}
		fprintf(f, "    %-28s %12s %9s %12s  %s\n", "timer", "needed s", "set", "range",
			"value - 1 s");
		for (int t = 0; t < SW_TO_MAX; t++) {
			const struct an_rec *r = &a->rec[m][t];
			char need[24], range[32], minus[64], note[96] = "";
			if (!an_relevant(m, t))
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
		if (an_relevant(c->half_close_mode, ts[i]))
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
	for (size_t i = 0; i < a->nruns; i++)
		if (a->runs[i].nrefused)
			fprintf(f, "  %s: %zu of the broken were refused by the full table (max-sessions %u)\n",
				a->runs[i].name, a->runs[i].nrefused, a->runs[i].conf.max_sessions);
}

/* ---- under pressure ---------------------------------------------------------------- */

static size_t pressure_broken(const struct an_run *r)
{
	return r->pr.broken_by[AN_CAUSE_ACCEL] + r->pr.broken_by[AN_CAUSE_EVICT] +
	       r->pr.broken_by[AN_CAUSE_FULL] + r->pr.broken_by[AN_CAUSE_QUOTA];
}

static uint64_t evicted_total(const struct an_run *r)
{
	uint64_t n = 0;
	for (int c = 0; c < SW_EC_MAX; c++)
		n += r->pr.evicted[c];
	return n;
}

/* Did the table's pressure touch this setting at all (demand or replay)? */
static int pressured(const struct an_run *r)
{
	return r->pr.first_above || r->pr.first_full || r->pr.accel_aged || evicted_total(r) ||
	       r->nrefused || r->nquota;
}

static void at_or_no(char *buf, size_t len, const struct an *a, sw_time_t t)
{
	if (t)
		snprintf(buf, len, "%.3f", rel(a, t));
	else
		snprintf(buf, len, "no");
}

/* What happened to one setting under pressure, in words. */
static void text_pressure_one(FILE *f, const struct an *a, const struct an_run *r, size_t top)
{
	const struct an_pressure *p = &r->pr;
	const char *sep = "";
	size_t shown = 0;

	fprintf(f, "  %s: its timers need %u sessions at %.3f s (%.1f%% of max-sessions %u)", r->name,
		p->demand_peak, rel(a, p->demand_peak_at),
		100.0 * p->demand_peak / (double)r->conf.max_sessions, r->conf.max_sessions);
	if (p->first_above)
		fprintf(f, ";\n    at or above the accelerated-aging threshold (%u sessions) for %.3f s "
			   "from %.3f s", p->threshold, p->above_s, rel(a, p->first_above));
	if (p->first_above && !r->conf.accel_aging)
		fputs(" (accelerated aging is off)", f);
	if (p->first_full)
		fprintf(f, ";\n    above max-sessions for %.3f s from %.3f s (table-full-action %s)",
			p->full_s, rel(a, p->first_full),
			r->conf.table_full_action == SW_TFA_EVICT ? "evict" : "refuse");
	fputs("\n    replayed:", f);
	if (p->accel_aged) {
		fprintf(f, " %llu aged out accelerated (factor %u)", (unsigned long long)p->accel_aged,
			r->conf.accel_factor);
		sep = ";";
	}
	if (evicted_total(r)) {
		fprintf(f, "%s evicted", sep);
		for (int c = 0, n = 0; c < SW_EC_MAX; c++)
			if (p->evicted[c])
				fprintf(f, "%s %llu %s", n++ ? "," : "", (unsigned long long)p->evicted[c],
					sw_evict_class_name((unsigned)c));
		sep = ";";
	}
	if (r->nrefused || r->nquota) {
		fprintf(f, "%s refused %zu flow%s (table full) and %zu (source quota)", sep, r->nrefused,
			r->nrefused == 1 ? "" : "s", r->nquota);
		sep = ";";
	}
	if (!*sep)
		fputs(" nothing aged faster, evicted or refused", f);
	fprintf(f, ";\n    broken %zu (%zu by the pressure), with the same timers and no pressure %lld",
		r->nbroken, pressure_broken(r), (long long)p->broken_free);
	if (p->pressure_splits)
		fprintf(f, "; %llu UDP/ICMP/other flow%s split by it", (unsigned long long)p->pressure_splits,
			p->pressure_splits == 1 ? "" : "s");
	fputc('\n', f);
	for (size_t i = 0; i < r->nbroken; i++) {
		const struct an_broken *b = &r->broken[i];
		if (b->cause == AN_CAUSE_TIMER)
			continue;
		if (shown++ == top) {
			fprintf(f, "    ... more (--json lists all)\n");
			break;
		}
		fputs("  ", f);
		text_broken_one(f, a, r, b);
		fputc('\n', f);
	}
}

static void text_pressure(FILE *f, const struct an *a, size_t top)
{
	int w = 22, any = 0;

	fprintf(f, "\nUnder pressure: the table each setting's timers need (replayed with no limit, no\n"
		   "accelerated aging and no source quota) against its own accelerated-aging threshold and\n"
		   "max-sessions, and what the table did in the setting's own replay\n");
	for (size_t i = 0; i < a->nruns; i++)
		if ((int)strlen(a->runs[i].name) > w)
			w = (int)strlen(a->runs[i].name);
	fprintf(f, "  %-*s %9s %10s %9s %10s %10s %8s %8s %8s %9s\n", w, "setting", "needs", "threshold",
		"max", "crosses", "fills", "aged", "evicted", "refused", "broken by");
	fprintf(f, "  %-*s %9s %10s %9s %10s %10s %8s %8s %8s %9s\n", w, "", "(peak)", "(sessions)",
		"sessions", "at s", "at s", "faster", "", "", "pressure");
	for (size_t i = 0; i < a->nruns; i++) {
		const struct an_run *r = &a->runs[i];
		char thr[24], cross[24], full[24];
		snprintf(thr, sizeof(thr), "%u%s", r->pr.threshold, r->conf.accel_aging ? "" : " off");
		at_or_no(cross, sizeof(cross), a, r->pr.first_above);
		at_or_no(full, sizeof(full), a, r->pr.first_full);
		fprintf(f, "  %-*s %9u %10s %9u %10s %10s %8llu %8llu %8zu %9zu\n", w, r->name,
			r->pr.demand_peak, thr, r->conf.max_sessions, cross, full,
			(unsigned long long)r->pr.accel_aged, (unsigned long long)evicted_total(r),
			r->nrefused + r->nquota, pressure_broken(r));
	}
	for (size_t i = 0; i < a->nruns; i++)
		if (pressured(&a->runs[i])) {
			if (!any++)
				fputc('\n', f);
			text_pressure_one(f, a, &a->runs[i], top);
		}
	if (!any)
		fprintf(f, "  no setting's timers reach its accelerated-aging threshold or max-sessions on "
			   "this capture\n");
}

static void json_conf(struct sw_jw *w, const struct sw_conf *c)
{
	sw_jw_obj(w);
	sw_jw_kstr(w, "half-close-mode", mode_name(c->half_close_mode));
	for (int t = 0; t < SW_TO_MAX; t++)
		sw_jw_ku64(w, sw_timeout_name((unsigned)t), c->timeout[t]);
	sw_jw_ku64(w, "max-sessions", c->max_sessions);
	sw_jw_kstr(w, "accelerated-aging", c->accel_aging ? "yes" : "no");
	sw_jw_ku64(w, "accelerated-aging-threshold", c->accel_threshold);
	sw_jw_ku64(w, "accelerated-aging-scaling-factor", c->accel_factor);
	sw_jw_kstr(w, "table-full-action", c->table_full_action == SW_TFA_EVICT ? "evict" : "refuse");
	sw_jw_ku64(w, "evict-min-idle", c->evict_min_idle);
	sw_jw_ku64(w, "max-sessions-per-source", c->max_per_source);
	sw_jw_obj_end(w);
}

/* Capture seconds of an instant, or null for 0 (never). */
static void jat(struct sw_jw *w, const struct an *a, const char *key, sw_time_t t)
{
	if (t)
		sw_jw_kdbl(w, key, rel(a, t), 6);
	else
		sw_jw_knull(w, key);
}

static void json_pressure(struct sw_jw *w, const struct an *a, const struct an_run *r)
{
	const struct an_pressure *p = &r->pr;

	sw_jw_key(w, "pressure");
	sw_jw_obj(w);
	sw_jw_ku64(w, "threshold_sessions", p->threshold);
	sw_jw_ku64(w, "demand_peak", p->demand_peak);
	jat(w, a, "demand_peak_at", p->demand_peak_at);
	sw_jw_kbool(w, "crosses_threshold", p->first_above != 0);
	jat(w, a, "first_above_threshold", p->first_above);
	sw_jw_kdbl(w, "seconds_above_threshold", p->above_s, 6);
	sw_jw_kbool(w, "fills_table", p->first_full != 0);
	jat(w, a, "first_above_max_sessions", p->first_full);
	sw_jw_kdbl(w, "seconds_above_max_sessions", p->full_s, 6);
	sw_jw_ki64(w, "broken_without_pressure", p->broken_free);
	sw_jw_ku64(w, "aged_accelerated", p->accel_aged);
	sw_jw_key(w, "evicted");
	sw_jw_obj(w);
	for (int c = 0; c < SW_EC_MAX; c++)
		sw_jw_ku64(w, sw_evict_class_name((unsigned)c), p->evicted[c]);
	sw_jw_obj_end(w);
	sw_jw_ku64(w, "refused", r->nrefused);
	sw_jw_ku64(w, "refused_source_quota", r->nquota);
	sw_jw_key(w, "broken_by");
	sw_jw_obj(w);
	for (int c = 0; c < AN_CAUSE_MAX; c++)
		sw_jw_ku64(w, an_cause_name((unsigned)c), p->broken_by[c]);
	sw_jw_obj_end(w);
	sw_jw_ku64(w, "split_by_pressure", p->pressure_splits);
	sw_jw_obj_end(w);
}

/* Seconds (analyze's own facts: six decimals, rounded); ns < 0 = never happened = null. */
static void jsecs(struct sw_jw *w, const char *key, int64_t ns)
{
	if (ns < 0)
		sw_jw_knull(w, key);
	else
		sw_jw_kdbl(w, key, sec(ns), 6);
}

/* Which session of the measuring pass (facts index + 1), or null. */
static void jsess_ref(struct sw_jw *w, const char *key, const struct an *a, uint32_t who)
{
	if (who)
		sw_jw_ku64(w, key, a->s[who - 1].id);
	else
		sw_jw_knull(w, key);
}

/* The tunnel a measured session (index + 1) is inside: {"session", "type"}, or null. */
static void jtunnel(struct sw_jw *w, const struct an *a, uint32_t who)
{
	const struct an_sess *s = who ? &a->s[who - 1] : NULL;

	sw_jw_key(w, "tunnel");
	if (!s || !s->tunnel) {
		sw_jw_null(w);
		return;
	}
	sw_jw_obj(w);
	sw_jw_ku64(w, "session", a->s[s->tunnel - 1].id);
	sw_jw_kstr(w, "type", sw_tunnel_name(s->tun_type));
	sw_jw_obj_end(w);
}

/*
 * One session: its timing facts, then under "record" the session as the
 * session log writes it (the one record writer, util/sessrec.h), as the
 * measuring pass ended it.
 */
static void json_sess(struct sw_jw *w, const struct an *a, const struct an_sess *s)
{
	char pb[8];

	sw_jw_obj(w);
	sw_jw_ku64(w, "id", s->id);
	sw_jw_kstr(w, "flow", s->flow);
	sw_jw_kstr(w, "proto", sw_proto_name(s->rec.proto, pb, sizeof(pb)));
	jtunnel(w, a, (uint32_t)(s - a->s) + 1);
	sw_jw_kdbl(w, "start", rel(a, s->start), 6);
	sw_jw_kdbl(w, "last", rel(a, s->last), 6);
	sw_jw_kdbl(w, "duration", sec(s->last - s->start), 6);
	sw_jw_ku64(w, "pkts", s->pkts);
	if (s->rec.proto == 6) {
		sw_jw_kbool(w, "picked_up", s->rec.picked_up);
		sw_jw_key(w, "establishing");
		sw_jw_obj(w);
		jsecs(w, "syn_to_synack", s->req_init);
		jsecs(w, "synack_to_established", s->req_hs);
		jsecs(w, "longest_gap", s->gap_estab);
		sw_jw_obj_end(w);
		sw_jw_key(w, "established");
		sw_jw_obj(w);
		jsecs(w, "longest_gap", s->gap_est);
		sw_jw_obj_end(w);
		sw_jw_key(w, "half_closed");
		if (s->fin1) {
			sw_jw_obj(w);
			sw_jw_kstr(w, "by", s->fin1_dir == 0 ? "originator" : "responder");
			sw_jw_kdbl(w, "at", rel(a, s->fin1), 6);
			sw_jw_ku64(w, "open_side_pkts", s->open_pkts);
			sw_jw_ku64(w, "open_side_bytes", s->open_bytes);
			jsecs(w, "open_side_last_data", s->open_last ? s->open_last - s->fin1 : -1);
			jsecs(w, "open_side_longest_gap", s->open_gap);
			jsecs(w, "longest_gap", s->gap_hc);
			jsecs(w, "fin_to_last", s->last - s->fin1);
			sw_jw_obj_end(w);
		} else {
			sw_jw_null(w);
		}
		sw_jw_key(w, "closed");
		if (s->close_at) {
			sw_jw_obj(w);
			sw_jw_kstr(w, "by", s->close_rst ? "rst" : "fin");
			sw_jw_kdbl(w, "at", rel(a, s->close_at), 6);
			jsecs(w, "close_to_last", s->last - s->close_at);
			jsecs(w, "longest_gap", s->gap_closed);
			sw_jw_obj_end(w);
		} else {
			sw_jw_null(w);
		}
		jsecs(w, "unverified_rst", s->req_urst);
		jsecs(w, "tcpwait_span", an_sess_need(s, SW_HC_TCPWAIT, SW_TO_TCPWAIT));
	} else {
		jsecs(w, "longest_gap", s->gap_other);
	}
	sw_jw_kstr(w, "end_reason", s->split ? "split-by-new-syn"
				    : s->ended ? sw_end_name(s->rec.end_reason) : "?");
	sw_jw_kbool(w, "unfixable", s->rec.late_pkts != 0);
	sw_jw_ku64(w, "late_pkts_at_max", s->rec.late_pkts);
	sw_jw_key(w, "record");
	sw_sess_write(w, &s->rec, NULL, SW_SV_LOG);
	sw_jw_obj_end(w);
}

static void json_broken(struct sw_jw *w, const struct an *a, const struct an_broken *x)
{
	sw_jw_obj(w);
	sw_jw_kstr(w, "flow", x->flow);
	jsess_ref(w, "session", a, x->sess);
	jtunnel(w, a, x->sess);
	sw_jw_kstr(w, "end_reason", sw_end_name(x->end_reason));
	sw_jw_kstr(w, "timer", x->timer < SW_TO_MAX ? sw_timeout_name(x->timer) : NULL);
	if (x->timer < SW_TO_MAX && !x->refused) {
		sw_jw_ku64(w, "timer_value", x->timer_secs);
		sw_jw_kstr(w, "timer_source", x->timer_from);
	} else {
		sw_jw_knull(w, "timer_value");
		sw_jw_knull(w, "timer_source");
	}
	sw_jw_kdbl(w, "start", rel(a, x->start), 6);
	sw_jw_kdbl(w, "end", rel(a, x->end), 6);
	sw_jw_ku64(w, "late_pkts", x->late_pkts);
	sw_jw_ku64(w, "late_bytes", x->late_bytes);
	sw_jw_kbool(w, "unfixable", x->sess && a->s[x->sess - 1].rec.late_pkts);
	sw_jw_kbool(w, "refused", x->refused);
	sw_jw_kstr(w, "cause", an_cause_name(x->cause));
	if (x->cause == AN_CAUSE_ACCEL)
		sw_jw_ku64(w, "accel_factor", x->accel_factor);
	else
		sw_jw_knull(w, "accel_factor");
	sw_jw_kstr(w, "evict_class",
		   x->cause == AN_CAUSE_EVICT ? sw_evict_class_name(x->evict_class) : NULL);
	sw_jw_obj_end(w);
}

static void json_recommended(struct sw_jw *w, const struct an *a)
{
	sw_jw_key(w, "recommended");
	sw_jw_obj(w);
	for (int m = 0; m < 3; m++) {
		sw_jw_key(w, mode_name(m));
		if (a->rec_refused[m]) {
			sw_jw_null(w); /* the table could not hold the capture */
			continue;
		}
		sw_jw_obj(w);
		for (int t = 0; t < SW_TO_MAX; t++)
			if (an_relevant(m, t))
				sw_jw_ku64(w, sw_timeout_name((unsigned)t), a->rec[m][t].value);
		sw_jw_obj_end(w);
	}
	sw_jw_obj_end(w);
	sw_jw_key(w, "verification");
	sw_jw_obj(w);
	for (int m = 0; m < 3; m++) {
		sw_jw_key(w, mode_name(m));
		sw_jw_obj(w);
		sw_jw_ki64(w, "broken", a->rec_broken[m]);
		sw_jw_ki64(w, "unfixable", a->rec_unfixable[m]);
		sw_jw_ki64(w, "splits", a->rec_splits[m]);
		sw_jw_ki64(w, "replays", a->rec_iters[m]);
		sw_jw_ki64(w, "refused", a->rec_refused[m]);
		sw_jw_ki64(w, "pressure_broken", a->rec_pressure[m]);
		sw_jw_ki64(w, "scoped_broken", a->rec_scoped[m]);
		if (a->rec_refused[m])
			sw_jw_ku64(w, "needs_max_sessions", a->rec_peak[m]);
		else
			sw_jw_knull(w, "needs_max_sessions");
		sw_jw_key(w, "timers");
		sw_jw_obj(w);
		for (int t = 0; t < SW_TO_MAX; t++) {
			const struct an_rec *r = &a->rec[m][t];
			if (!an_relevant(m, t))
				continue;
			sw_jw_key(w, sw_timeout_name((unsigned)t));
			sw_jw_obj(w);
			jsecs(w, "needed", r->need);
			jsess_ref(w, "session", a, r->who);
			sw_jw_ku64(w, "from_facts", r->first);
			sw_jw_ku64(w, "value", r->value);
			sw_jw_ku64(w, "min", sw_timeout_info[t].min);
			sw_jw_ku64(w, "max", sw_timeout_info[t].max);
			sw_jw_kbool(w, "beyond_range", r->beyond);
			sw_jw_kbool(w, "raised_by_replay", r->raised);
			sw_jw_kbool(w, "held_by_time_wait", r->held);
			if (r->minus_broken >= 0) {
				sw_jw_ki64(w, "minus_one_broken", r->minus_broken);
				sw_jw_ki64(w, "minus_one_splits", r->minus_splits);
			} else {
				sw_jw_knull(w, "minus_one_broken");
				sw_jw_knull(w, "minus_one_splits");
			}
			sw_jw_obj_end(w);
		}
		sw_jw_obj_end(w);
		sw_jw_obj_end(w);
	}
	sw_jw_obj_end(w);
}

static void json_settings(struct sw_jw *w, const struct an *a)
{
	sw_jw_key(w, "settings");
	sw_jw_arr(w);
	for (size_t i = 0; i < a->nruns; i++) {
		const struct an_run *r = &a->runs[i];
		sw_jw_obj(w);
		sw_jw_kstr(w, "name", r->name);
		sw_jw_key(w, "config");
		json_conf(w, &r->conf);
		sw_jw_ku64(w, "broken", r->nbroken);
		sw_jw_ku64(w, "unfixable", r->nunfixable);
		sw_jw_ku64(w, "refused", r->nrefused);
		sw_jw_ku64(w, "refused_source_quota", r->nquota);
		sw_jw_ki64(w, "splits", r->splits);
		sw_jw_ku64(w, "sessions", r->created);
		sw_jw_ku64(w, "peak", r->peak);
		sw_jw_kdbl(w, "session_seconds", r->sess_seconds, 3);
		sw_jw_kdbl(w, "session_seconds_in_capture", r->sess_seconds_capture, 3);
		sw_jw_kdbl(w, "peak_share", (double)r->peak / (double)r->conf.max_sessions, 8);
		json_pressure(w, a, r);
		sw_jw_key(w, "broken_sessions");
		sw_jw_arr(w);
		for (size_t b = 0; b < r->nbroken; b++)
			json_broken(w, a, &r->broken[b]);
		sw_jw_arr_end(w);
		sw_jw_obj_end(w);
	}
	sw_jw_arr_end(w);
}

static void json_out(FILE *f, const struct an *a)
{
	struct sw_jw w;

	sw_jw_init_file(&w, f);
	sw_jw_obj(&w);
	sw_jw_key(&w, "capture");
	sw_jw_obj(&w);
	sw_jw_kstr(&w, "file", a->path);
	sw_jw_ku64(&w, "packets", a->nfr);
	sw_jw_ktime(&w, "start", a->t0);
	sw_jw_kdbl(&w, "duration", sec(a->t1 - a->t0), 6);
	sw_jw_ku64(&w, "sessions", a->ns);
	sw_jw_key(&w, "sessions_by_proto");
	sw_jw_obj(&w);
	sw_jw_ku64(&w, "tcp", a->created_proto[0]);
	sw_jw_ku64(&w, "udp", a->created_proto[1]);
	sw_jw_ku64(&w, "icmp", a->created_proto[2]);
	sw_jw_ku64(&w, "other", a->created_proto[3]);
	sw_jw_obj_end(&w);
	sw_jw_ku64(&w, "unfixable", a->unfixable);
	sw_jw_ku64(&w, "tunnelled", tunnelled(a));
	sw_jw_obj_end(&w);
	sw_jw_key(&w, "current");
	json_conf(&w, &a->cur);
	json_recommended(&w, a);
	json_settings(&w, a);
	an_scope_json(&w, a);
	/*
	 * One line per session: each element has its own writer on the same
	 * stream, the separators and newlines are written here.
	 */
	sw_jw_key(&w, "sessions");
	sw_jw_arr(&w);
	for (size_t i = 0; i < a->ns; i++) {
		struct sw_jw sw;
		fputs(i ? ",\n" : "\n", f);
		sw_jw_init_file(&sw, f);
		json_sess(&sw, a, &a->s[i]);
	}
	fputc('\n', f);
	sw_jw_arr_end(&w);
	sw_jw_key(&w, "timing");
	sw_jw_obj(&w);
	sw_jw_kdbl(&w, "load", a->t_load, 3);
	sw_jw_kdbl(&w, "measure", a->t_facts, 3);
	sw_jw_kdbl(&w, "recommend", a->t_rec, 3);
	sw_jw_kdbl(&w, "cost", a->t_cost, 3);
	sw_jw_kdbl(&w, "scope", a->t_scope, 3);
	sw_jw_obj_end(&w);
	sw_jw_obj_end(&w);
	fputc('\n', f);
}

/* The stream's status after writing: a short write (full disk, closed pipe) is an error. */
/*
 * The writers clear errno before they start, so when a write fails half
 * way (the buffer filled and the disk was full) errno still says why.
 */
static int stream_status(FILE *f)
{
	if (fflush(f) != 0 || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

int an_text(FILE *f, const struct an *a, size_t top)
{
	errno = 0;
	fprintf(f, "statewall analyze %s: %zu packets over %.3f s, %zu sessions (%llu tcp, %llu udp, "
		   "%llu icmp, %llu other)\n\n",
		a->path, a->nfr, sec(a->t1 - a->t0), a->ns, (unsigned long long)a->created_proto[0],
		(unsigned long long)a->created_proto[1], (unsigned long long)a->created_proto[2],
		(unsigned long long)a->created_proto[3]);
	if (tunnelled(a))
		fprintf(f, "%zu of the sessions are inside tunnels (tunnel-inspect), each named with its "
			   "tunnel: \"(in TYPE #ID)\"\n\n", tunnelled(a));
	if (a->nruns && a->runs[0].nrefused)
		fprintf(f, "The session table (max-sessions %u) cannot hold this capture: the current "
			   "setting refused %zu flow%s\n(resources-unavailable).  They count as broken, and "
			   "no recommendation is made where the table overflows.\n\n",
			a->cur.max_sessions, a->runs[0].nrefused, a->runs[0].nrefused == 1 ? "" : "s");
	text_facts(f, a);
	text_halfclosed(f, a, top);
	text_broken(f, a, &a->runs[0], top);
	an_scope_text(f, a);
	text_recommend(f, a);
	text_cost(f, a);
	text_pressure(f, a, top);
	return stream_status(f);
}

int an_json(FILE *f, const struct an *a)
{
	errno = 0;
	json_out(f, a);
	return stream_status(f);
}

int an_timing(FILE *f, const struct an *a)
{
	errno = 0;
	fprintf(f, "statewall analyze: %zu packets, %zu sessions, %zu settings; load %.3f s, "
		   "measure %.3f s, recommend %.3f s, cost %.3f s, narrowest fix %.3f s\n",
		a->nfr, a->ns, a->nruns, a->t_load, a->t_facts, a->t_rec, a->t_cost, a->t_scope);
	return stream_status(f);
}
