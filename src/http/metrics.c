/*
 * metrics.c - GET /metrics (Prometheus text) and the account of how long
 * each sw_http_service call held the calling thread (wall time, and the
 * thread's CPU time: what serving HTTP itself cost, whatever else ran).
 */
#include <stdio.h>

#include "http/http-int.h"

/* upper bounds of the service-time histogram, ns (the last bucket is +Inf) */
static const int64_t svc_le[7] = {100000, 250000, 500000, 1000000, 2000000, 5000000, 10000000};

void http_svc_account(struct sw_http *x, int64_t dt, int64_t cpu)
{
	unsigned b = 0;

	while (b < 7 && dt > svc_le[b])
		b++;
	x->svc_hist[b]++;
	x->svc_calls++;
	x->svc_ns_total += dt;
	if (dt > x->svc_ns_max)
		x->svc_ns_max = dt;
	if (cpu > x->svc_cpu_ns_max)
		x->svc_cpu_ns_max = cpu;
}

static void metric(struct sw_buf *b, const char *name, const char *type, const char *help)
{
	sw_buf_printf(b, "# HELP statewall_%s %s\n# TYPE statewall_%s %s\n", name, help, name, type);
}

void ep_metrics(struct req *r)
{
	struct sw_http *x = r->x;
	struct sw_stats st;
	struct sw_buf b = {0};

	sw_dp_stats(&x->h->dp, &st);
	metric(&b, "sessions_active", "gauge", "live sessions");
	sw_buf_printf(&b, "statewall_sessions_active %u\n", st.active);
	metric(&b, "sessions_max", "gauge", "session table size (max-sessions)");
	sw_buf_printf(&b, "statewall_sessions_max %u\n", st.max_sessions);
	metric(&b, "sessions_half_closed", "gauge", "live sessions after a first FIN");
	sw_buf_printf(&b, "statewall_sessions_half_closed %u\n", st.half_closed);
	metric(&b, "sessions_discard", "gauge", "live discard sessions of denied flows");
	sw_buf_printf(&b, "statewall_sessions_discard %u\n", st.discard);
	metric(&b, "sessions_peak", "gauge", "peak concurrent sessions");
	sw_buf_printf(&b, "statewall_sessions_peak %u\n", st.peak);
	metric(&b, "tombstones", "gauge", "ended sessions remembered for late packets");
	sw_buf_printf(&b, "statewall_tombstones %u\n", st.tombstones);
	metric(&b, "packet_rate", "gauge", "packets per second over the last second");
	sw_buf_printf(&b, "statewall_packet_rate %.1f\n", x->h->pps);
	metric(&b, "new_session_rate", "gauge", "sessions created per second over the last second");
	sw_buf_printf(&b, "statewall_new_session_rate %.1f\n", x->h->cps);
	metric(&b, "counter_total", "counter", "engine counters (show counter global)");
	for (unsigned i = 0; i < SW_CTR_MAX; i++)
		sw_buf_printf(&b, "statewall_counter_total{name=\"%s\"} %llu\n", sw_counter_name(i),
			      (unsigned long long)st.ctr[i]);
	metric(&b, "drops_total", "counter", "packets dropped, per reason");
	for (unsigned i = 1; i < SW_DROP_MAX; i++)
		sw_buf_printf(&b, "statewall_drops_total{reason=\"%s\"} %llu\n", sw_drop_name(i),
			      (unsigned long long)st.drop[i]);
	metric(&b, "session_ends_total", "counter", "sessions ended, per end reason");
	for (unsigned i = 0; i < SW_END_MAX; i++)
		sw_buf_printf(&b, "statewall_session_ends_total{reason=\"%s\"} %llu\n", sw_end_name(i),
			      (unsigned long long)st.end[i]);
	metric(&b, "aged_out_total", "counter", "sessions a timer ended, per timer");
	for (unsigned i = 0; i < SW_TO_MAX; i++)
		sw_buf_printf(&b, "statewall_aged_out_total{timer=\"%s\"} %llu\n", sw_timeout_name(i),
			      (unsigned long long)st.end_timer[i]);
	metric(&b, "broken_sessions_total", "counter",
	       "sessions that got packets after they ended (counted when their tombstone retires)");
	sw_buf_printf(&b, "statewall_broken_sessions_total %llu\n", (unsigned long long)x->broken);
	metric(&b, "broken_half_closed_sessions_total", "counter",
	       "broken sessions that had been half-closed");
	sw_buf_printf(&b, "statewall_broken_half_closed_sessions_total %llu\n",
		      (unsigned long long)x->broken_half_closed);
	metric(&b, "config_commits_total", "counter", "configurations committed");
	sw_buf_printf(&b, "statewall_config_commits_total %llu\n", (unsigned long long)x->h->commits);
	metric(&b, "http_service_seconds", "histogram",
	       "time the calling (management) thread spent serving HTTP per wakeup (sw_http_service)");
	{
		uint64_t cum = 0;
		for (unsigned i = 0; i < 8; i++) {
			cum += x->svc_hist[i];
			if (i < 7)
				sw_buf_printf(&b, "statewall_http_service_seconds_bucket{le=\"%g\"} %llu\n",
					      (double)svc_le[i] / 1e9, (unsigned long long)cum);
			else
				sw_buf_printf(&b, "statewall_http_service_seconds_bucket{le=\"+Inf\"} %llu\n",
					      (unsigned long long)cum);
		}
		sw_buf_printf(&b, "statewall_http_service_seconds_sum %.6f\nstatewall_http_service_seconds_count %llu\n",
			      (double)x->svc_ns_total / 1e9, (unsigned long long)x->svc_calls);
	}
	metric(&b, "http_service_max_seconds", "gauge", "longest single sw_http_service call");
	sw_buf_printf(&b, "statewall_http_service_max_seconds %.6f\n", (double)x->svc_ns_max / 1e9);
	metric(&b, "http_service_cpu_max_seconds", "gauge",
	       "most CPU time (of the calling thread) a single sw_http_service call used");
	sw_buf_printf(&b, "statewall_http_service_cpu_max_seconds %.6f\n", (double)x->svc_cpu_ns_max / 1e9);
	metric(&b, "http_service_budget_seconds", "gauge",
	       "the budget the daemon gives each sw_http_service call");
	sw_buf_printf(&b, "statewall_http_service_budget_seconds %.6f\n", (double)x->svc_budget_ns / 1e9);
	metric(&b, "http_requests_total", "counter", "HTTP requests served");
	sw_buf_printf(&b, "statewall_http_requests_total %llu\n", (unsigned long long)x->requests);
	metric(&b, "http_refused_total", "counter", "requests refused before their body, per reason");
	sw_buf_printf(&b, "statewall_http_refused_total{reason=\"framing\"} %llu\n",
		      (unsigned long long)x->refused_framing);
	sw_buf_printf(&b, "statewall_http_refused_total{reason=\"too-large\"} %llu\n",
		      (unsigned long long)x->refused_too_big);
	metric(&b, "http_deadline_closed_total", "counter",
	       "connections closed for headers or a body not complete in time");
	sw_buf_printf(&b, "statewall_http_deadline_closed_total %llu\n",
		      (unsigned long long)x->deadline_closed);
	metric(&b, "http_event_streams", "gauge", "open GET /api/v1/events streams");
	sw_buf_printf(&b, "statewall_http_event_streams %u\n", x->nstreams);
	metric(&b, "http_connections", "gauge", "open HTTP connections");
	sw_buf_printf(&b, "statewall_http_connections %u\n", x->nconns);
	http_set_json(r, 200, &b);
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
}
