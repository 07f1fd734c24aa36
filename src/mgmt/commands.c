/*
 * commands.c - the command registry: every command the CLI, `-c` and the
 * control protocol know, as one table of {words, arguments, help, modes,
 * handler}.  Parsing, `?`/tab completion and `help` all read this table; a
 * new command is one row here and one handler.
 *
 * Handlers are steps: they are called again while they return SW_CALL_MORE,
 * and must bound their work per call (listings walk SW_MGMT_SLICE sessions),
 * so the daemon can run packets between two steps.  A handler writes text or,
 * when c->json, one JSON document spread over its steps.
 *
 * Names of timeouts, drop reasons, end reasons, TCP states and counters come
 * from tables.h (through the engine's name functions and sw_timeout_info);
 * session settings from the configuration's own setting table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mgmt/dp.h"
#include "mgmt/mgmt.h"

struct cand {
	struct sw_buf *out;
	const char *prefix;
	int n;
};

struct cmd;

struct sw_mgmt_call {
	struct sw_mgmt_host *h;
	struct sw_mgmt_sess *s;
	const struct cmd *cmd;
	int json;
	struct sw_buf *out;
	char *line;
	char *tokbuf;
	char *argv[SW_MGMT_MAXARGS];
	int argc;
	char **args; /* after the command words */
	int nargs;
	int step;
	char err[768];
	/* listings */
	struct sw_filter f;
	uint32_t cursor;
	uint64_t matched, total;
	uint32_t ids[SW_MGMT_SLICE];
	unsigned nids;
};

/* A keyword argument (filters): word, value placeholder (NULL: none), help, choices. */
struct kwarg {
	const char *word, *value, *help;
	const char *const *choices;
};

struct cmd {
	const char *words; /* space-separated literal words */
	const char *args;  /* usage of what follows, for help */
	const char *help;
	unsigned modes;
	const struct kwarg *kw;    /* keyword arguments (completion), NULL-terminated */
	const char *pos;           /* one positional argument placeholder, e.g. "<id>" */
	const char *pos_help;
	int raw;                   /* the rest of the line is the command's own (set/delete) */
	void (*complete)(struct sw_mgmt_call *c, char **args, int nargs, struct cand *out);
	int (*fn)(struct sw_mgmt_call *c);
};

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */

static int fail(struct sw_mgmt_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct sw_mgmt_call *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return SW_CALL_ERROR;
}

static const char *proto_str(unsigned p, char *buf, size_t len)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmp6";
	default: snprintf(buf, len, "%u", p); return buf;
	}
}

static const char *fmt_time(sw_time_t t, char *buf, size_t len)
{
	time_t s = (time_t)(t / SW_NS_PER_SEC);
	struct tm tm;

	if (t <= 0 || !localtime_r(&s, &tm) || !strftime(buf, len, "%a %b %e %H:%M:%S %Y", &tm))
		snprintf(buf, len, "-");
	return buf;
}

static double secs(sw_time_t ns)
{
	return (double)ns / (double)SW_NS_PER_SEC;
}

static const char *rule_name(const struct sw_conf *conf, unsigned rule)
{
	if (rule == 0 || rule > conf->nrules)
		return NULL;
	return conf->rules[rule - 1].name;
}

static void json_time(struct sw_buf *b, sw_time_t t)
{
	if (t <= 0)
		sw_buf_puts(b, "null");
	else
		sw_buf_printf(b, "%lld.%06lld", (long long)(t / SW_NS_PER_SEC),
			      (long long)(t % SW_NS_PER_SEC / 1000));
}

static sw_time_t remaining(const struct sw_mgmt_call *c, const struct sw_sess_info *si)
{
	sw_time_t r = si->expires - sw_dp_now(&c->h->dp);
	return r > 0 ? r : 0;
}

/* ------------------------------------------------------------------------ */
/* sessions: one row, one JSON object, the full record                     */

static void sess_json(struct sw_mgmt_call *c, const struct sw_sess_info *si)
{
	const struct sw_conf *conf = sw_dp_conf(&c->h->dp);
	struct sw_buf *b = c->out;
	char a[SW_ADDRSTRLEN], pb[8];
	const char *rn = rule_name(conf, si->rule);

	sw_buf_printf(b, "{\"id\":%u,\"proto\":", si->id);
	sw_buf_json_str(b, proto_str(si->proto, pb, sizeof(pb)));
	sw_buf_puts(b, ",\"orig_h\":");
	sw_buf_json_str(b, sw_addr_str(&si->orig_h, a));
	sw_buf_printf(b, ",\"orig_p\":%u,\"resp_h\":", si->orig_p);
	sw_buf_json_str(b, sw_addr_str(&si->resp_h, a));
	sw_buf_printf(b, ",\"resp_p\":%u,\"state\":", si->resp_p);
	sw_buf_json_str(b, sw_sess_state_name(si));
	if (si->proto == 6) {
		sw_buf_puts(b, ",\"orig_state\":");
		sw_buf_json_str(b, sw_tcps_name(si->state[0]));
		sw_buf_puts(b, ",\"resp_state\":");
		sw_buf_json_str(b, sw_tcps_name(si->state[1]));
	} else {
		sw_buf_puts(b, ",\"orig_state\":null,\"resp_state\":null");
	}
	sw_buf_puts(b, ",\"start\":");
	json_time(b, si->start);
	sw_buf_puts(b, ",\"last_seen\":");
	json_time(b, si->last_seen);
	sw_buf_puts(b, ",\"half_closed_at\":");
	json_time(b, si->half_closed_at);
	sw_buf_puts(b, ",\"timer\":");
	if (si->timer < SW_TO_MAX) {
		sw_buf_json_str(b, sw_timeout_name(si->timer));
		sw_buf_printf(b, ",\"timer_value\":%u,\"timer_default\":%u,\"timer_source\":\"%s\"",
			      conf->timeout[si->timer], sw_timeout_info[si->timer].def,
			      conf->timeout[si->timer] == sw_timeout_info[si->timer].def ? "default"
											  : "configured");
	} else {
		sw_buf_puts(b, "null,\"timer_value\":null,\"timer_default\":null,\"timer_source\":null");
	}
	sw_buf_printf(b, ",\"timer_kind\":\"%s\",\"expires\":", si->timer_fixed ? "fixed" : "idle");
	json_time(b, si->expires);
	sw_buf_printf(b, ",\"remaining\":%.3f", secs(remaining(c, si)));
	sw_buf_printf(b,
		      ",\"orig_pkts\":%llu,\"resp_pkts\":%llu,\"orig_ip_bytes\":%llu,"
		      "\"resp_ip_bytes\":%llu,\"late_pkts\":%llu,\"late_bytes\":%llu,\"conn_state\":",
		      (unsigned long long)si->pkts[0], (unsigned long long)si->pkts[1],
		      (unsigned long long)si->ip_bytes[0], (unsigned long long)si->ip_bytes[1],
		      (unsigned long long)si->late_pkts, (unsigned long long)si->late_bytes);
	sw_buf_json_str(b, si->conn_state ? si->conn_state : "");
	sw_buf_puts(b, ",\"history\":");
	sw_buf_json_str(b, si->history);
	sw_buf_printf(b, ",\"picked_up\":%s,\"discard\":%s,\"rule\":%u,\"rule_name\":",
		      si->picked_up ? "true" : "false", si->discard ? "true" : "false", si->rule);
	if (rn)
		sw_buf_json_str(b, rn);
	else
		sw_buf_puts(b, "null");
	sw_buf_puts(b, "}");
}

#define ROW_FMT "%-10s %-5s %-11s %-12s %-12s %-26s %8s  %s\n"

static void sess_row_header(struct sw_buf *b)
{
	sw_buf_puts(b, "--------------------------------------------------------------------------"
		       "------------------------------------------------------\n");
	sw_buf_printf(b, ROW_FMT, "ID", "Proto", "State", "Orig-state", "Resp-state", "Timer",
		      "Remain", "Source[Sport] -> Destination[Dport]");
	sw_buf_puts(b, "--------------------------------------------------------------------------"
		       "------------------------------------------------------\n");
}

static void sess_row(struct sw_mgmt_call *c, const struct sw_sess_info *si)
{
	char id[16], pb[8], a[SW_ADDRSTRLEN], d[SW_ADDRSTRLEN], rem[24], flow[160];

	snprintf(id, sizeof(id), "%u", si->id);
	snprintf(rem, sizeof(rem), "%llds", (long long)((remaining(c, si) + SW_NS_PER_SEC - 1) /
							 SW_NS_PER_SEC));
	snprintf(flow, sizeof(flow), "%s[%u] -> %s[%u]", sw_addr_str(&si->orig_h, a), si->orig_p,
		 sw_addr_str(&si->resp_h, d), si->resp_p);
	sw_buf_printf(c->out, ROW_FMT, id, proto_str(si->proto, pb, sizeof(pb)),
		      sw_sess_state_name(si), si->proto == 6 ? sw_tcps_name(si->state[0]) : "-",
		      si->proto == 6 ? sw_tcps_name(si->state[1]) : "-",
		      si->timer < SW_TO_MAX ? sw_timeout_name(si->timer) : "-", rem, flow);
}

/* ------------------------------------------------------------------------ */
/* show session all / clear session all                                     */

static int list_cb(void *ctx, const struct sw_sess_info *si)
{
	struct sw_mgmt_call *c = ctx;

	c->total++;
	if (!sw_filter_match(&c->f, si))
		return 0;
	if (c->f.limit && c->matched >= c->f.limit) {
		/* page full: remember where the next page starts, stop */
		c->ids[0] = si->id;
		c->nids = 1;
		return 1;
	}
	c->matched++;
	if (c->f.count_only)
		return 0;
	if (c->json) {
		if (c->matched > 1)
			sw_buf_puts(c->out, ",");
		sess_json(c, si);
	} else {
		sess_row(c, si);
	}
	return 0;
}

static int parse_filter(struct sw_mgmt_call *c)
{
	char e[512];

	if (sw_filter_parse(&c->f, c->args, c->nargs, e, sizeof(e)) < 0)
		return fail(c, "%s", e);
	c->cursor = c->f.start_at;
	return 0;
}

static int fn_show_all(struct sw_mgmt_call *c)
{
	if (c->step == 0) {
		if (parse_filter(c) < 0)
			return SW_CALL_ERROR;
		c->step = 1;
		if (c->json)
			sw_buf_puts(c->out, "{\"sessions\":[");
		else if (!c->f.count_only)
			sess_row_header(c->out);
	}
	if (c->step == 1) {
		c->nids = 0;
		sw_dp_walk(&c->h->dp, &c->cursor, SW_MGMT_SLICE, list_cb, c);
		if (c->nids) /* page full */
			c->step = 2;
		else if (c->cursor == 0)
			c->step = 3;
		else
			return SW_CALL_MORE;
	}
	/* the end */
	struct sw_stats st;
	sw_dp_stats(&c->h->dp, &st);
	if (c->json) {
		sw_buf_printf(c->out, "],\"matched\":%llu,\"active\":%u,\"next_start_at\":",
			      (unsigned long long)c->matched, st.active);
		if (c->step == 2)
			sw_buf_printf(c->out, "%u}\n", c->ids[0]);
		else
			sw_buf_puts(c->out, "null}\n");
	} else if (c->f.count_only) {
		sw_buf_printf(c->out, "Number of sessions that match filter: %llu\n",
			      (unsigned long long)c->matched);
	} else {
		sw_buf_printf(c->out, "%llu session%s shown (%u active)\n",
			      (unsigned long long)c->matched, c->matched == 1 ? "" : "s", st.active);
		if (c->step == 2)
			sw_buf_printf(c->out, "more: add `start-at %u` for the next page\n", c->ids[0]);
	}
	return SW_CALL_DONE;
}

static int clear_cb(void *ctx, const struct sw_sess_info *si)
{
	struct sw_mgmt_call *c = ctx;

	if (sw_filter_match(&c->f, si) && c->nids < SW_MGMT_SLICE)
		c->ids[c->nids++] = si->id;
	return 0;
}

static int fn_clear_all(struct sw_mgmt_call *c)
{
	if (c->step == 0) {
		if (parse_filter(c) < 0)
			return SW_CALL_ERROR;
		if (c->f.count_only || c->f.limit)
			return fail(c, "clear session all takes the match filters only");
		c->step = 1;
	}
	c->nids = 0;
	sw_dp_walk(&c->h->dp, &c->cursor, SW_MGMT_SLICE, clear_cb, c);
	for (unsigned i = 0; i < c->nids; i++)
		if (sw_dp_clear(&c->h->dp, c->ids[i]) == 0)
			c->matched++;
	if (c->cursor != 0)
		return SW_CALL_MORE;
	if (c->json)
		sw_buf_printf(c->out, "{\"cleared\":%llu}\n", (unsigned long long)c->matched);
	else
		sw_buf_printf(c->out, "%llu session%s cleared\n", (unsigned long long)c->matched,
			      c->matched == 1 ? "" : "s");
	return SW_CALL_DONE;
}

/* ------------------------------------------------------------------------ */
/* show session id / clear session id                                       */

static int parse_id(struct sw_mgmt_call *c, uint32_t *id)
{
	char *end;
	unsigned long v;

	*id = 0; /* defined on every path, so callers' error branches read nothing stale */
	if (c->nargs != 1)
		return fail(c, "expected one session id");
	v = strtoul(c->args[0], &end, 10);
	if (!c->args[0][0] || *end || v == 0 || v > UINT32_MAX)
		return fail(c, "token '%s': not a session id", c->args[0]);
	*id = (uint32_t)v;
	return 0;
}

static void flow_text(struct sw_buf *b, const char *name, const struct sw_addr *src,
		      const struct sw_addr *dst, unsigned sp, unsigned dp, unsigned proto,
		      const char *tcps, uint64_t pkts, uint64_t bytes)
{
	char a[SW_ADDRSTRLEN], pb[8], num[24];

	sw_buf_printf(b, "        %s flow:\n", name);
	sw_buf_printf(b, "                source:      %s\n", sw_addr_str(src, a));
	sw_buf_printf(b, "                dst:         %s\n", sw_addr_str(dst, a));
	sw_buf_printf(b, "                proto:       %u (%s)\n", proto, proto_str(proto, pb, sizeof(pb)));
	snprintf(num, sizeof(num), "%u", sp);
	sw_buf_printf(b, "                sport:       %-16s dport:      %u\n", num, dp);
	if (tcps)
		sw_buf_printf(b, "                tcp state:   %s\n", tcps);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)pkts);
	sw_buf_printf(b, "                packets:     %-16s ip bytes:   %llu\n\n", num,
		      (unsigned long long)bytes);
}

static int fn_show_id(struct sw_mgmt_call *c)
{
	const struct sw_conf *conf = sw_dp_conf(&c->h->dp);
	struct sw_sess_info si;
	uint32_t id;
	char t1[64];
	sw_time_t now = sw_dp_now(&c->h->dp);
	struct sw_buf *b = c->out;

	if (parse_id(c, &id) < 0)
		return SW_CALL_ERROR;
	if (sw_dp_session(&c->h->dp, id, &si) < 0)
		return fail(c, "session %u: no such live session (ended sessions are in the session "
			       "log)", id);
	if (c->json) {
		sess_json(c, &si);
		sw_buf_puts(b, "\n");
		return SW_CALL_DONE;
	}
	int tcp = si.proto == 6;
	sw_buf_printf(b, "\nSession %14u\n\n", si.id);
	flow_text(b, "c2s", &si.orig_h, &si.resp_h, si.orig_p, si.resp_p, si.proto,
		  tcp ? sw_tcps_name(si.state[0]) : NULL, si.pkts[0], si.ip_bytes[0]);
	flow_text(b, "s2c", &si.resp_h, &si.orig_h, si.resp_p, si.orig_p, si.proto,
		  tcp ? sw_tcps_name(si.state[1]) : NULL, si.pkts[1], si.ip_bytes[1]);
#define FIELD "        %-37s: "
	sw_buf_printf(b, FIELD "%s%s\n", "state", sw_sess_state_name(&si),
		      si.discard ? " (denied flow: its packets are dropped)" : "");
	sw_buf_printf(b, FIELD "%s\n", "start time", fmt_time(si.start, t1, sizeof(t1)));
	sw_buf_printf(b, FIELD "%s (%.1f s ago)\n", "last seen", fmt_time(si.last_seen, t1, sizeof(t1)),
		      secs(now - si.last_seen));
	if (si.half_closed_at)
		sw_buf_printf(b, FIELD "%s (%.1f s ago)\n", "half-closed since (first FIN)",
			      fmt_time(si.half_closed_at, t1, sizeof(t1)), secs(now - si.half_closed_at));
	else
		sw_buf_printf(b, FIELD "no (no FIN seen)\n", "half-closed since (first FIN)");
	if (si.timer < SW_TO_MAX) {
		const struct sw_timeout_info *ti = &sw_timeout_info[si.timer];
		uint32_t v = conf->timeout[si.timer];
		sw_buf_printf(b, FIELD "%s = %u s, %s\n", "timer in force", ti->name, v,
			      si.timer_fixed ? "fixed life (not re-armed by packets)"
					     : "idle timer (re-armed by every accepted packet)");
		sw_buf_printf(b, FIELD "%s\n", "why this timer", ti->help);
		if (v == ti->def)
			sw_buf_printf(b, FIELD "default (%u s; not set in the configuration)\n",
				      "timer value from", ti->def);
		else
			sw_buf_printf(b, FIELD "configuration: set deviceconfig setting session %s %u "
					       "(default %u)\n",
				      "timer value from", ti->name, v, ti->def);
		if (si.timer == SW_TO_TCPWAIT || si.timer == SW_TO_TCP_HALF_CLOSED ||
		    si.timer == SW_TO_TCP_TIME_WAIT)
			sw_buf_printf(b, FIELD "%s\n", "half-close-mode",
				      sw_half_close_mode_name(conf->half_close_mode));
	} else {
		sw_buf_printf(b, FIELD "none\n", "timer in force");
	}
	sw_buf_printf(b, FIELD "%lld sec (expires %s)\n", "time to live",
		      (long long)((remaining(c, &si) + SW_NS_PER_SEC - 1) / SW_NS_PER_SEC),
		      fmt_time(si.expires, t1, sizeof(t1)));
	sw_buf_printf(b, FIELD "%llu (%llu bytes)%s\n", "late packets", (unsigned long long)si.late_pkts,
		      (unsigned long long)si.late_bytes,
		      si.late_pkts ? "" : " (counted once a timer ends the session; in the log)");
	if (si.rule)
		sw_buf_printf(b, FIELD "%s (rule %u)\n", "rule",
			      rule_name(conf, si.rule) ? rule_name(conf, si.rule) : "?", si.rule);
	else
		sw_buf_printf(b, FIELD "none (default action %s)\n", "rule",
			      conf->default_action == SW_ACT_DENY ? "deny" : "allow");
	sw_buf_printf(b, FIELD "%s\n", "picked up mid-stream", si.picked_up ? "True" : "False");
	sw_buf_printf(b, FIELD "%s / %s\n", "conn_state / history (Zeek)",
		      si.conn_state ? si.conn_state : "-", si.history[0] ? si.history : "-");
	return SW_CALL_DONE;
}

static int fn_clear_id(struct sw_mgmt_call *c)
{
	uint32_t id;

	if (parse_id(c, &id) < 0)
		return SW_CALL_ERROR;
	if (sw_dp_clear(&c->h->dp, id) < 0)
		return fail(c, "session %u: no such live session", id);
	if (c->json)
		sw_buf_printf(c->out, "{\"cleared\":1,\"id\":%u}\n", id);
	else
		sw_buf_printf(c->out, "session %u cleared\n", id);
	return SW_CALL_DONE;
}

/* ------------------------------------------------------------------------ */
/* show session info                                                        */

static const char *yn(int v)
{
	return v ? "True" : "False";
}

static int fn_show_info(struct sw_mgmt_call *c)
{
	const struct sw_conf *conf = sw_dp_conf(&c->h->dp);
	struct sw_mgmt_host *h = c->h;
	struct sw_stats st;
	struct sw_buf *b = c->out;
	double util;

	sw_dp_stats(&h->dp, &st);
	util = st.max_sessions ? 100.0 * st.active / st.max_sessions : 0;
	if (c->json) {
		sw_buf_printf(b,
			      "{\"supported\":%u,\"active\":%u,\"active_tcp\":%u,\"active_udp\":%u,"
			      "\"active_icmp\":%u,\"active_other\":%u,\"half_closed\":%u,\"discard\":%u,"
			      "\"utilization_pct\":%.2f,\"created\":%llu,\"peak\":%u,"
			      "\"packet_rate\":%.1f,\"new_session_rate\":%.1f,\"throughput_kbps\":%.1f,"
			      "\"tombstones\":%u,\"max_tombstones\":%u,\"tombstone_ttl\":%u,"
			      "\"bytes_per_session\":%zu,\"timeouts\":{",
			      st.max_sessions, st.active, st.active_proto[0], st.active_proto[1],
			      st.active_proto[2], st.active_proto[3], st.half_closed, st.discard, util,
			      (unsigned long long)st.ctr[SW_CTR_SESS_CREATED], st.peak, h->pps, h->cps,
			      h->kbps, st.tombstones, conf->max_tombstones, conf->tombstone_ttl,
			      st.bytes_per_session);
		for (unsigned t = 0; t < SW_TO_MAX; t++)
			sw_buf_printf(b, "%s\"%s\":%u", t ? "," : "", sw_timeout_info[t].name,
				      conf->timeout[t]);
		sw_buf_printf(b, "},\"half_close_mode\":\"%s\",\"tcp_reject_non_syn\":%s,"
				 "\"tcp_window_check\":%s,\"tcp_checksum_check\":%s,"
				 "\"default_action\":\"%s\",\"rules\":%u,"
				 "\"timer_changes_apply_to_existing_sessions\":true,\"drops\":{",
			      sw_half_close_mode_name(conf->half_close_mode),
			      conf->tcp_reject_non_syn ? "true" : "false",
			      conf->tcp_window_check ? "true" : "false",
			      conf->tcp_checksum_check ? "true" : "false",
			      conf->default_action == SW_ACT_DENY ? "deny" : "allow", conf->nrules);
		for (unsigned r = 1; r < SW_DROP_MAX; r++)
			sw_buf_printf(b, "%s\"%s\":%llu", r > 1 ? "," : "", sw_drop_name(r),
				      (unsigned long long)st.drop[r]);
		sw_buf_puts(b, "}}\n");
		return SW_CALL_DONE;
	}
#define LINE "-------------------------------------------------------------------------------\n"
#define KV "%-56s%s\n"
#define KU "%-56s%u\n"
	char v[64];
	sw_buf_puts(b, LINE);
	sw_buf_printf(b, KU, "Number of sessions supported:", st.max_sessions);
	sw_buf_printf(b, KU, "Number of active sessions:", st.active);
	sw_buf_printf(b, KU, "Number of active TCP sessions:", st.active_proto[0]);
	sw_buf_printf(b, KU, "Number of active UDP sessions:", st.active_proto[1]);
	sw_buf_printf(b, KU, "Number of active ICMP sessions:", st.active_proto[2]);
	sw_buf_printf(b, KU, "Number of active other sessions:", st.active_proto[3]);
	sw_buf_printf(b, KU, "Number of half-closed sessions:", st.half_closed);
	sw_buf_printf(b, KU, "Number of discard sessions:", st.discard);
	snprintf(v, sizeof(v), "%.0f%%", util);
	if (util > 0 && util < 1)
		snprintf(v, sizeof(v), "%.2f%%", util);
	sw_buf_printf(b, KV, "Session table utilization:", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)st.ctr[SW_CTR_SESS_CREATED]);
	sw_buf_printf(b, KV, "Number of sessions created since start:", v);
	sw_buf_printf(b, KU, "Peak concurrent sessions:", st.peak);
	snprintf(v, sizeof(v), "%.0f/s", h->pps);
	sw_buf_printf(b, KV, "Packet rate:", v);
	snprintf(v, sizeof(v), "%.0f cps", h->cps);
	sw_buf_printf(b, KV, "New connection establish rate:", v);
	snprintf(v, sizeof(v), "%.0f kbps", h->kbps);
	sw_buf_printf(b, KV, "Throughput:", v);
	snprintf(v, sizeof(v), "%u (max %u, kept %u s)", st.tombstones, conf->max_tombstones,
		 conf->tombstone_ttl);
	sw_buf_printf(b, KV, "Number of tombstones (ended, kept for late packets):", v);
	sw_buf_puts(b, LINE "Session timeout\n");
	for (unsigned t = 0; t < SW_TO_MAX; t++) {
		char k[64];
		snprintf(k, sizeof(k), "  %s timeout (%s):", sw_timeout_info[t].label,
			 sw_timeout_info[t].name);
		snprintf(v, sizeof(v), "%u secs%s", conf->timeout[t],
			 conf->timeout[t] == sw_timeout_info[t].def ? "" : " (configured)");
		sw_buf_printf(b, KV, k, v);
	}
	sw_buf_printf(b, KV, "  Timer changes apply to:",
		      "existing and new sessions (PAN-OS: new sessions only)");
	sw_buf_puts(b, LINE "Session setup\n");
	sw_buf_printf(b, KV, "  Half-close mode:", sw_half_close_mode_name(conf->half_close_mode));
	sw_buf_printf(b, KV, "  TCP - reject non-SYN first packet:", yn(conf->tcp_reject_non_syn));
	sw_buf_printf(b, KV, "  TCP - drop out-of-window segments:", yn(conf->tcp_window_check));
	sw_buf_printf(b, KV, "  Verify L4 checksums:", yn(conf->tcp_checksum_check));
	sw_buf_printf(b, KV, "  Default action (no rule matches):",
		      conf->default_action == SW_ACT_DENY ? "deny" : "allow");
	sw_buf_printf(b, KU, "  Security rules:", conf->nrules);
	sw_buf_puts(b, LINE "Drops per reason\n");
	int any = 0;
	for (unsigned r = 1; r < SW_DROP_MAX; r++) {
		if (!st.drop[r])
			continue;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)st.drop[r]);
		char k[64];
		snprintf(k, sizeof(k), "  %s:", sw_drop_name(r));
		sw_buf_printf(b, KV, k, v);
		any = 1;
	}
	if (!any)
		sw_buf_puts(b, "  (none)\n");
	sw_buf_puts(b, LINE);
	return SW_CALL_DONE;
}

/* ------------------------------------------------------------------------ */
/* show counter global, show interface                                      */

static int fn_counters(struct sw_mgmt_call *c)
{
	struct sw_stats st;
	struct sw_buf *b = c->out;
	sw_time_t now = sw_dp_now(&c->h->dp);
	double el = c->h->started && now > c->h->started ? secs(now - c->h->started) : 0;

	sw_dp_stats(&c->h->dp, &st);
	if (c->json) {
		sw_buf_printf(b, "{\"elapsed\":%.3f,\"counters\":{", el);
		for (unsigned i = 0; i < SW_CTR_MAX; i++)
			sw_buf_printf(b, "%s\"%s\":%llu", i ? "," : "", sw_counter_name(i),
				      (unsigned long long)st.ctr[i]);
		sw_buf_puts(b, "},\"drops\":{");
		for (unsigned i = 1; i < SW_DROP_MAX; i++)
			sw_buf_printf(b, "%s\"%s\":%llu", i > 1 ? "," : "", sw_drop_name(i),
				      (unsigned long long)st.drop[i]);
		sw_buf_puts(b, "},\"ends\":{");
		for (unsigned i = 0; i < SW_END_MAX; i++)
			sw_buf_printf(b, "%s\"%s\":%llu", i ? "," : "", sw_end_name(i),
				      (unsigned long long)st.end[i]);
		sw_buf_puts(b, "},\"aged_out_by_timer\":{");
		for (unsigned i = 0; i < SW_TO_MAX; i++)
			sw_buf_printf(b, "%s\"%s\":%llu", i ? "," : "", sw_timeout_name(i),
				      (unsigned long long)st.end_timer[i]);
		sw_buf_puts(b, "}}\n");
		return SW_CALL_DONE;
	}
	sw_buf_printf(b, "Global counters:\nElapsed time since start: %.0f seconds\n\n", el);
	sw_buf_printf(b, "%-32s %14s %10s  %-9s %s\n", "name", "value", "rate", "category",
		      "description");
	sw_buf_puts(b, LINE);
#define CROW(cat, name, val, help)                                                                 \
	sw_buf_printf(b, "%-32s %14llu %10.0f  %-9s %s\n", name, (unsigned long long)(val),        \
		      el > 0 ? (double)(val) / el : 0.0, cat, help)
#define X_CTR(id, name, help) if (st.ctr[SW_CTR_##id]) CROW("engine", name, st.ctr[SW_CTR_##id], help);
	SW_COUNTERS(X_CTR)
#undef X_CTR
#define X_DROP(id, name, help)                                                                     \
	if (SW_DROP_##id != SW_DROP_NONE && st.drop[SW_DROP_##id])                                 \
		CROW("drop", name, st.drop[SW_DROP_##id], help);
	SW_DROP_REASONS(X_DROP)
#undef X_DROP
#define X_END(id, name, help) if (st.end[SW_END_##id]) CROW("end", name, st.end[SW_END_##id], help);
	SW_END_REASONS(X_END)
#undef X_END
	for (unsigned t = 0; t < SW_TO_MAX; t++) {
		char n[64];
		if (!st.end_timer[t])
			continue;
		snprintf(n, sizeof(n), "aged-out %s", sw_timeout_name(t));
		CROW("end", n, st.end_timer[t], "sessions this timer ended");
	}
	sw_buf_puts(b, LINE "(counters that are zero are not shown; -o json lists every one)\n");
	return SW_CALL_DONE;
}

static int fn_show_iface(struct sw_mgmt_call *c)
{
	struct sw_buf *b = c->out;

	if (c->json)
		sw_buf_puts(b, "{\"interfaces\":[");
	else
		sw_buf_printf(b, "%-12s %12s %14s %12s %14s %10s %10s %10s\n", "interface", "rx-pkts",
			      "rx-bytes", "tx-pkts", "tx-bytes", "ring-drop", "truncated", "tx-error");
	for (unsigned i = 0, n = 0; i < 2; i++) {
		struct sw_dp_if di;
		const struct sw_afp_stats *s = &di.st;
		if (sw_dp_iface(&c->h->dp, i, &di) < 0)
			continue;
		if (c->json) {
			sw_buf_printf(b, "%s{\"name\":", n++ ? "," : "");
			sw_buf_json_str(b, di.name);
			sw_buf_printf(b,
				      ",\"ifindex\":%d,\"rx_pkts\":%llu,\"rx_bytes\":%llu,\"tx_pkts\":%llu,"
				      "\"tx_bytes\":%llu,\"rx_kernel_drops\":%llu,\"rx_truncated\":%llu,"
				      "\"tx_errors\":%llu,\"tx_ring_full\":%llu,\"tx_too_big\":%llu}",
				      di.ifindex, (unsigned long long)s->rx_pkts,
				      (unsigned long long)s->rx_bytes, (unsigned long long)s->tx_pkts,
				      (unsigned long long)s->tx_bytes, (unsigned long long)s->rx_kernel_drops,
				      (unsigned long long)s->rx_truncated, (unsigned long long)s->tx_errors,
				      (unsigned long long)s->tx_ring_full, (unsigned long long)s->tx_too_big);
		} else {
			sw_buf_printf(b, "%-12s %12llu %14llu %12llu %14llu %10llu %10llu %10llu\n",
				      di.name, (unsigned long long)s->rx_pkts,
				      (unsigned long long)s->rx_bytes, (unsigned long long)s->tx_pkts,
				      (unsigned long long)s->tx_bytes, (unsigned long long)s->rx_kernel_drops,
				      (unsigned long long)s->rx_truncated,
				      (unsigned long long)(s->tx_errors + s->tx_ring_full + s->tx_too_big));
		}
	}
	if (c->json)
		sw_buf_puts(b, "]}\n");
	return SW_CALL_DONE;
}

/* ------------------------------------------------------------------------ */
/* configuration                                                            */

static void conf_text(struct sw_mgmt_call *c, const struct sw_conf *conf, const char *title)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);

	if (!f) {
		c->out->oom = 1;
		return;
	}
	sw_conf_write(conf, f, 1);
	fclose(f);
	if (c->json) {
		sw_buf_puts(c->out, "{\"config\":");
		sw_buf_json_str(c->out, p ? p : "");
		sw_buf_puts(c->out, ",\"lines\":[");
		int first = 1;
		for (char *l = p, *e; l && *l; l = e + 1) {
			e = strchr(l, '\n');
			if (!e)
				e = l + strlen(l);
			char save = *e;
			*e = '\0';
			sw_buf_puts(c->out, first ? "" : ",");
			sw_buf_json_str(c->out, l);
			first = 0;
			*e = save;
			if (!save)
				break;
		}
		sw_buf_puts(c->out, "]}\n");
	} else {
		sw_buf_printf(c->out, "# %s\n", title);
		sw_buf_puts(c->out, p ? p : "");
	}
	free(p);
}

static int fn_show_running(struct sw_mgmt_call *c)
{
	char title[512];

	snprintf(title, sizeof(title), "running configuration%s%s", c->h->conf_path ? " (file " : "",
		 c->h->conf_path ? c->h->conf_path : "");
	if (c->h->conf_path)
		strncat(title, ")", sizeof(title) - strlen(title) - 1);
	conf_text(c, sw_dp_conf(&c->h->dp), title);
	return SW_CALL_DONE;
}

static void sess_lines_clear(struct sw_mgmt_sess *s)
{
	for (unsigned i = 0; i < s->nlines; i++)
		free(s->lines[i]);
	s->nlines = 0;
}

void sw_mgmt_sess_init(struct sw_mgmt_sess *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = SW_MODE_OP;
}

void sw_mgmt_sess_free(struct sw_mgmt_sess *s)
{
	sess_lines_clear(s);
	free(s->lines);
	free(s->cand);
	memset(s, 0, sizeof(*s));
}

static int fn_configure(struct sw_mgmt_call *c)
{
	struct sw_mgmt_sess *s = c->s;

	if (!s->cand && !(s->cand = malloc(sizeof(*s->cand))))
		return fail(c, "out of memory");
	*s->cand = *sw_dp_conf(&c->h->dp);
	sess_lines_clear(s);
	s->mode = SW_MODE_CONF;
	if (c->json)
		sw_buf_puts(c->out, "{\"mode\":\"configure\"}\n");
	else
		sw_buf_puts(c->out, "Entering configuration mode\n");
	return SW_CALL_DONE;
}

static int fn_set(struct sw_mgmt_call *c)
{
	struct sw_mgmt_sess *s = c->s;
	char e[600];
	char *copy, **nl;

	if (s->nlines == s->caplines) {
		unsigned n = s->caplines ? s->caplines * 2 : 16;
		nl = realloc(s->lines, n * sizeof(*nl));
		if (!nl)
			return fail(c, "out of memory");
		s->lines = nl;
		s->caplines = n;
	}
	if (!(copy = strdup(c->line)))
		return fail(c, "out of memory");
	if (sw_conf_apply_line(s->cand, c->line, "candidate", (int)s->nlines + 1, e, sizeof(e)) < 0) {
		free(copy);
		return fail(c, "%s (not applied; the candidate is unchanged)", e);
	}
	s->lines[s->nlines++] = copy;
	if (c->json)
		sw_buf_printf(c->out, "{\"ok\":true,\"uncommitted\":%u}\n", s->nlines);
	return SW_CALL_DONE;
}

static int fn_conf_show(struct sw_mgmt_call *c)
{
	char title[128];

	snprintf(title, sizeof(title), "candidate configuration (%u uncommitted change%s)",
		 c->s->nlines, c->s->nlines == 1 ? "" : "s");
	conf_text(c, c->s->cand, title);
	return SW_CALL_DONE;
}

static int fn_exit(struct sw_mgmt_call *c)
{
	struct sw_mgmt_sess *s = c->s;
	unsigned n = s->nlines;

	sess_lines_clear(s);
	s->mode = SW_MODE_OP;
	if (c->json)
		sw_buf_printf(c->out, "{\"mode\":\"operational\",\"discarded\":%u}\n", n);
	else if (n)
		sw_buf_printf(c->out, "Exiting configuration mode: %u uncommitted change%s discarded\n",
			      n, n == 1 ? "" : "s");
	else
		sw_buf_puts(c->out, "Exiting configuration mode\n");
	return SW_CALL_DONE;
}

/*
 * Apply `next` to the running engine: save it first (if the daemon has a
 * file), then the data plane's set_conf.  Table sizes cannot change in a running
 * engine: they are saved and take effect at the next start.
 */
static int apply_conf(struct sw_mgmt_host *h, const struct sw_conf *next, char *err, size_t errlen,
		      int save, int *sizes_pending)
{
	const struct sw_conf *run = sw_dp_conf(&h->dp);
	struct sw_conf *live;
	int rc;

	if (sw_conf_validate(next, err, errlen) < 0)
		return -EINVAL;
	if (save && h->conf_path && (rc = sw_conf_save(next, h->conf_path, err, errlen)) < 0)
		return rc;
	live = malloc(sizeof(*live));
	if (!live) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*live = *next;
	*sizes_pending = live->max_sessions != run->max_sessions ||
			 live->max_tombstones != run->max_tombstones;
	live->max_sessions = run->max_sessions;
	live->max_tombstones = run->max_tombstones;
	rc = sw_dp_set_conf(&h->dp, live);
	free(live);
	if (rc < 0)
		snprintf(err, errlen, "the engine refused the configuration: %s", strerror(-rc));
	return rc;
}

static int fn_commit(struct sw_mgmt_call *c)
{
	struct sw_mgmt_sess *s = c->s;
	struct sw_mgmt_host *h = c->h;
	char *text = NULL, e[600];
	size_t len = 0;
	unsigned base = 0;
	int pending = 0, rc;
	struct sw_conf *next;
	FILE *f;

	/* the running configuration as canonical lines, then this session's lines */
	f = open_memstream(&text, &len);
	if (!f)
		return fail(c, "out of memory");
	sw_conf_write(sw_dp_conf(&h->dp), f, 0);
	fflush(f);
	for (size_t i = 0; i < len; i++)
		base += text[i] == '\n';
	for (unsigned i = 0; i < s->nlines; i++)
		fprintf(f, "%s\n", s->lines[i]);
	fclose(f);
	next = malloc(sizeof(*next));
	if (!next || !text) {
		free(text);
		free(next);
		return fail(c, "out of memory");
	}
	sw_conf_defaults(next);
	rc = sw_conf_load_buf(next, text, len, "candidate", e, sizeof(e));
	free(text);
	if (rc < 0) {
		/* "candidate:N: ..." -> name the line the operator typed */
		int ln = 0, off = 0;
		if (sscanf(e, "candidate:%d:%n", &ln, &off) == 1 && off > 0) {
			if (ln > (int)base && ln - (int)base <= (int)s->nlines)
				rc = fail(c, "commit failed, nothing changed: line %d of this session "
					     "'%s':%s", ln - (int)base, s->lines[ln - base - 1], e + off);
			else
				rc = fail(c, "commit failed, nothing changed: %s", e);
		} else {
			rc = fail(c, "commit failed, nothing changed: %s", e);
		}
		free(next);
		return rc;
	}
	rc = apply_conf(h, next, e, sizeof(e), 1, &pending);
	if (rc < 0) {
		free(next);
		return fail(c, "commit failed, nothing changed: %s", e);
	}
	h->commits++;
	*s->cand = *next;
	free(next);
	unsigned n = s->nlines;
	sess_lines_clear(s);
	if (c->json) {
		sw_buf_printf(c->out, "{\"committed\":true,\"changes\":%u,\"saved_to\":", n);
		if (h->conf_path)
			sw_buf_json_str(c->out, h->conf_path);
		else
			sw_buf_puts(c->out, "null");
		sw_buf_printf(c->out, ",\"restart_needed\":%s}\n", pending ? "true" : "false");
		return SW_CALL_DONE;
	}
	sw_buf_printf(c->out, "Configuration committed successfully (%u change%s", n, n == 1 ? "" : "s");
	if (h->conf_path)
		sw_buf_printf(c->out, ", saved to %s)\n", h->conf_path);
	else
		sw_buf_puts(c->out, "; not saved: the daemon runs without -c FILE)\n");
	sw_buf_puts(c->out, "New timer values apply to existing sessions too.\n");
	if (pending)
		sw_buf_puts(c->out, "max-sessions / max-tombstones take effect at the next start.\n");
	return SW_CALL_DONE;
}

int sw_mgmt_reload(struct sw_mgmt_host *h, char *err, size_t errlen)
{
	struct sw_conf *next;
	int rc, pending = 0;

	if (!h->conf_path) {
		snprintf(err, errlen, "no configuration file (-c) to reload");
		return -ENOENT;
	}
	next = malloc(sizeof(*next));
	if (!next) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	sw_conf_defaults(next);
	rc = sw_conf_load(next, h->conf_path, err, errlen);
	if (rc == 0)
		rc = apply_conf(h, next, err, errlen, 0, &pending);
	if (rc == 0) {
		h->reloads++;
		if (pending)
			snprintf(err, errlen, "max-sessions / max-tombstones take effect at the next "
					      "start");
		else
			err[0] = '\0';
	}
	free(next);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* help                                                                     */

static const struct cmd commands[];

static int fn_help(struct sw_mgmt_call *c)
{
	struct sw_buf *b = c->out;
	int first = 1;

	if (c->json)
		sw_buf_puts(b, "{\"commands\":[");
	for (const struct cmd *k = commands; k->words; k++) {
		if (!(k->modes & c->s->mode))
			continue;
		if (c->json) {
			sw_buf_puts(b, first ? "{\"words\":" : ",{\"words\":");
			sw_buf_json_str(b, k->words);
			sw_buf_puts(b, ",\"args\":");
			sw_buf_json_str(b, k->args);
			sw_buf_puts(b, ",\"help\":");
			sw_buf_json_str(b, k->help);
			sw_buf_puts(b, "}");
		} else {
			char l[128];
			snprintf(l, sizeof(l), "%s%s%s", k->words, k->args[0] ? " " : "", k->args);
			sw_buf_printf(b, "  %-44s %s\n", l, k->help);
		}
		first = 0;
	}
	if (c->json)
		sw_buf_puts(b, "]}\n");
	return SW_CALL_DONE;
}

/* ------------------------------------------------------------------------ */
/* completion of `set` / `delete`                                           */

static void cand_add(struct cand *o, const char *word, const char *help)
{
	if (o->prefix[0] != '<' && strncmp(word, o->prefix, strlen(o->prefix)) != 0 && word[0] != '<')
		return;
	if (word[0] == '<' && o->prefix[0] && strcmp(word, "<Enter>") == 0)
		return;
	sw_buf_puts(o->out, o->n++ ? ",{\"word\":" : "{\"word\":");
	sw_buf_json_str(o->out, word);
	sw_buf_puts(o->out, ",\"help\":");
	sw_buf_json_str(o->out, help ? help : "");
	sw_buf_puts(o->out, "}");
}

/* rule fields, in the order conf.h documents them */
static const struct kwarg rule_fields[] = {
	{"source", "<ip/netmask>", "originator addresses (any, an address, a prefix or [ list ])", NULL},
	{"destination", "<ip/netmask>", "responder addresses", NULL},
	{"protocol", "<protocol>", "tcp, udp, icmp, icmp6, any or a number", NULL},
	{"destination-port", "<port>", "port, lo-hi range, comma list or any", NULL},
	{"action", "<action>", "allow or deny", NULL},
	{NULL, NULL, NULL, NULL},
};

static void complete_conf(struct sw_mgmt_call *c, char **a, int n, struct cand *o)
{
	int del = strcmp(c->argv[0], "delete") == 0;
	const struct sw_conf *cf = c->s->cand ? c->s->cand : sw_dp_conf(&c->h->dp);

	if (n == 0) {
		cand_add(o, "deviceconfig", "device settings (session timeouts and modes)");
		cand_add(o, "rulebase", "security rules");
		return;
	}
	if (strcmp(a[0], "deviceconfig") == 0) {
		if (n == 1)
			cand_add(o, "setting", "device settings");
		else if (n == 2)
			cand_add(o, "session", "session table settings");
		else if (n == 3)
			for (unsigned i = 0; i < sw_conf_nsettings(); i++) {
				struct sw_setting_info si;
				sw_conf_setting(i, &si);
				cand_add(o, si.name, si.help);
			}
		else if (n == 4 && !del) {
			struct sw_setting_info si;
			int i = sw_conf_setting_find(a[3]);
			if (i < 0 || sw_conf_setting((unsigned)i, &si) < 0)
				return;
			if (si.words) {
				for (unsigned w = 0; si.words[w]; w++)
					cand_add(o, si.words[w], w == si.def ? "(default)" : "");
			} else {
				char hint[64], help[96];
				snprintf(hint, sizeof(hint), "<%u-%u>", si.min, si.max);
				snprintf(help, sizeof(help), "%s (default %u)", si.unit ? si.unit : "",
					 si.def);
				cand_add(o, hint, help);
			}
		} else {
			cand_add(o, "<Enter>", "finish input");
		}
		return;
	}
	if (strcmp(a[0], "rulebase") == 0) {
		if (n == 1)
			cand_add(o, "security", "security policy");
		else if (n == 2)
			cand_add(o, "rules", "security rules, evaluated in the order first named");
		else if (n == 3) {
			for (unsigned i = 0; i < cf->nrules; i++)
				cand_add(o, cf->rules[i].name, "existing rule");
			if (!del)
				cand_add(o, "<name>", "a new rule");
		} else if (n == 4) {
			for (const struct kwarg *k = rule_fields; k->word; k++)
				cand_add(o, k->word, k->help);
			if (del)
				cand_add(o, "<Enter>", "delete the whole rule");
		} else if (n == 5 && !del) {
			if (strcmp(a[4], "protocol") == 0) {
				static const char *const p[] = {"tcp", "udp", "icmp", "icmp6", "any"};
				for (unsigned i = 0; i < sizeof(p) / sizeof(p[0]); i++)
					cand_add(o, p[i], "");
				cand_add(o, "<0-255>", "protocol number");
			} else if (strcmp(a[4], "action") == 0) {
				cand_add(o, "allow", "let the flow pass");
				cand_add(o, "deny", "drop it (discard session)");
			} else {
				for (const struct kwarg *k = rule_fields; k->word; k++)
					if (strcmp(k->word, a[4]) == 0)
						cand_add(o, k->value, k->help);
				if (strcmp(a[4], "source") == 0 || strcmp(a[4], "destination") == 0 ||
				    strcmp(a[4], "destination-port") == 0)
					cand_add(o, "any", "any");
			}
		} else {
			cand_add(o, "<Enter>", "finish input");
		}
	}
}

/* ------------------------------------------------------------------------ */
/* the registry                                                             */

static const char *const state_words[] = {"active", "half-closed", "discard", NULL};
static const char *const proto_words[] = {"tcp", "udp", "icmp", "icmp6", NULL};
static const char *const yesno[] = {"yes", "no", NULL};

static const struct kwarg filter_kw[] = {
	{"filter", NULL, "narrow the listing (the keywords below also work without it)", NULL},
	{"source", "<ip/netmask>", "originator address or prefix", NULL},
	{"destination", "<ip/netmask>", "responder address or prefix", NULL},
	{"source-port", "<1-65535>", "originator port", NULL},
	{"destination-port", "<1-65535>", "responder port", NULL},
	{"protocol", "<1-255>", "IP protocol (number or tcp, udp, icmp, icmp6)", proto_words},
	{"state", "<state>", "ACTIVE, HALF-CLOSED or DISCARD", state_words},
	{"start-at", "<id>", "first session id to list (paging)", NULL},
	{"limit", "<n>", "list at most n sessions (paging)", NULL},
	{"count", "<yes|no>", "only count the matching sessions", yesno},
	{NULL, NULL, NULL, NULL},
};

static const struct kwarg clear_kw[] = {
	{"filter", NULL, "choose the sessions to clear", NULL},
	{"source", "<ip/netmask>", "originator address or prefix", NULL},
	{"destination", "<ip/netmask>", "responder address or prefix", NULL},
	{"source-port", "<1-65535>", "originator port", NULL},
	{"destination-port", "<1-65535>", "responder port", NULL},
	{"protocol", "<1-255>", "IP protocol (number or tcp, udp, icmp, icmp6)", proto_words},
	{"state", "<state>", "ACTIVE, HALF-CLOSED or DISCARD", state_words},
	{NULL, NULL, NULL, NULL},
};

#define OP SW_MODE_OP
#define CF SW_MODE_CONF

static const struct cmd commands[] = {
	{"show session info", "", "session table summary, every timeout and mode, drops", OP, NULL,
	 NULL, NULL, 0, NULL, fn_show_info},
	{"show session all", "[filter KEY VALUE...]",
	 "list live sessions (filters: source destination source-port destination-port protocol "
	 "state start-at limit count)",
	 OP, filter_kw, NULL, NULL, 0, NULL, fn_show_all},
	{"show session id", "<id>", "every field of one live session", OP, NULL, "<id>",
	 "session id (first column of show session all)", 0, NULL, fn_show_id},
	{"clear session all", "[filter KEY VALUE...]", "end every matching live session", OP, clear_kw,
	 NULL, NULL, 0, NULL, fn_clear_all},
	{"clear session id", "<id>", "end one live session", OP, NULL, "<id>", "session id", 0, NULL,
	 fn_clear_id},
	{"show counter global", "", "engine counters, drops per reason, session ends", OP, NULL, NULL,
	 NULL, 0, NULL, fn_counters},
	{"show config running", "", "the running configuration as set lines", OP, NULL, NULL, NULL, 0,
	 NULL, fn_show_running},
	{"show interface", "", "packet counters of the virtual wire's interfaces", OP, NULL, NULL,
	 NULL, 0, NULL, fn_show_iface},
	{"configure", "", "enter configuration mode (a candidate copy of the running config)", OP,
	 NULL, NULL, NULL, 0, NULL, fn_configure},
	{"set", "deviceconfig|rulebase ...", "change the candidate configuration", CF, NULL, NULL,
	 NULL, 1, complete_conf, fn_set},
	{"delete", "deviceconfig|rulebase ...", "remove from the candidate configuration", CF, NULL,
	 NULL, NULL, 1, complete_conf, fn_set},
	{"show", "", "the candidate configuration", CF, NULL, NULL, NULL, 0, NULL, fn_conf_show},
	{"commit", "",
	 "validate the candidate, save it atomically, apply it (all or nothing)", CF, NULL, NULL,
	 NULL, 0, NULL, fn_commit},
	{"exit", "", "leave configuration mode (uncommitted changes are discarded)", CF, NULL, NULL,
	 NULL, 0, NULL, fn_exit},
	{"help", "", "list the commands of this mode", OP | CF, NULL, NULL, NULL, 0, NULL, fn_help},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL, 0, NULL, NULL},
};

/* help for words that are not a command's last word */
static const struct {
	const char *word, *help;
} group_help[] = {
	{"show", "show operational information"},
	{"clear", "end sessions"},
	{"session", "the session table"},
	{"counter", "counters"},
	{"config", "configuration"},
};

int sw_mgmt_cmd_info(unsigned i, struct sw_mgmt_cmd_info *out)
{
	if (i >= sizeof(commands) / sizeof(commands[0]) - 1)
		return 0;
	out->words = commands[i].words;
	out->args = commands[i].args;
	out->help = commands[i].help;
	out->modes = commands[i].modes;
	return 1;
}

/* word i (0-based) of a command's words into buf; 0 if it has fewer */
static int cmd_word(const struct cmd *k, int i, char *buf, size_t len)
{
	const char *p = k->words;

	for (int j = 0; j < i; j++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	size_t n = strcspn(p, " ");
	if (n == 0 || n >= len)
		return 0;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 1;
}

static int cmd_nwords(const struct cmd *k)
{
	int n = 1;

	for (const char *p = k->words; *p; p++)
		n += *p == ' ';
	return n;
}

int sw_mgmt_split(const char *line, char *buf, size_t buflen, char **argv, int max)
{
	size_t o = 0;
	int n = 0;
	const char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			return n;
		if (n >= max)
			return -1;
		argv[n++] = buf + o;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (o + 1 >= buflen)
					return -1;
				buf[o++] = *p++;
			}
			if (*p != '"')
				return -1;
			p++;
		} else {
			while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
				if (o + 1 >= buflen)
					return -1;
				buf[o++] = *p++;
			}
		}
		if (o + 1 >= buflen)
			return -1;
		buf[o++] = '\0';
	}
}

/*
 * Match argv against the commands of `mode`: each word exactly or as a
 * unique prefix.  Returns the command and the number of words it took, or
 * NULL with a message (err may be NULL).
 */
static const struct cmd *match(unsigned mode, char **argv, int argc, int *used, char *err,
			       size_t errlen)
{
	unsigned char alive[sizeof(commands) / sizeof(commands[0])];
	const struct cmd *done = NULL;
	int i;

	for (size_t k = 0; commands[k].words; k++)
		alive[k] = (commands[k].modes & mode) != 0;
	for (i = 0; i < argc; i++) {
		char w[64], exact[64] = "", pref[64] = "", expected[512] = "";
		int nexact = 0, npref = 0, any = 0;

		/* a command whose words end here takes the rest as its arguments */
		for (size_t k = 0; commands[k].words; k++)
			if (alive[k] && cmd_nwords(&commands[k]) == i)
				done = &commands[k];
		for (size_t k = 0; commands[k].words; k++) {
			if (!alive[k] || !cmd_word(&commands[k], i, w, sizeof(w)))
				continue;
			any = 1;
			if (!strstr(expected, w)) {
				size_t l = strlen(expected);
				snprintf(expected + l, sizeof(expected) - l, "%s%s", l ? ", " : "", w);
			}
			if (strcmp(w, argv[i]) == 0) {
				nexact = 1;
				snprintf(exact, sizeof(exact), "%s", w);
			} else if (strncmp(w, argv[i], strlen(argv[i])) == 0 && strcmp(w, pref) != 0) {
				npref++;
				snprintf(pref, sizeof(pref), "%s", w);
			}
		}
		const char *pick = nexact ? exact : npref == 1 ? pref : NULL;
		if (!pick) {
			if (done) {
				*used = i;
				return done;
			}
			if (err) {
				if (!any)
					snprintf(err, errlen, "unknown command");
				else if (npref > 1)
					snprintf(err, errlen, "token '%s': ambiguous (expected %s)",
						 argv[i], expected);
				else
					snprintf(err, errlen, "token '%s': unknown word (expected %s)",
						 argv[i], expected);
			}
			return NULL;
		}
		for (size_t k = 0; commands[k].words; k++)
			if (alive[k] && !(cmd_word(&commands[k], i, w, sizeof(w)) && strcmp(w, pick) == 0))
				alive[k] = 0;
	}
	for (size_t k = 0; commands[k].words; k++)
		if (alive[k] && cmd_nwords(&commands[k]) == i) {
			*used = i;
			return &commands[k];
		}
	if (err) {
		char w[64], expected[512] = "";
		for (size_t k = 0; commands[k].words; k++)
			if (alive[k] && cmd_word(&commands[k], i, w, sizeof(w)) && !strstr(expected, w)) {
				size_t l = strlen(expected);
				snprintf(expected + l, sizeof(expected) - l, "%s%s", l ? ", " : "", w);
			}
		if (argc == 0)
			snprintf(err, errlen, "empty command");
		else
			snprintf(err, errlen, "incomplete command (expected %s)", expected);
	}
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* calls                                                                    */

struct sw_mgmt_call *sw_mgmt_call_start(struct sw_mgmt_host *h, struct sw_mgmt_sess *s,
					const char *line, int json, struct sw_buf *out)
{
	struct sw_mgmt_call *c = calloc(1, sizeof(*c));
	size_t l = strlen(line);
	int used = 0;

	if (!c)
		return NULL;
	c->h = h;
	c->s = s;
	c->json = json;
	c->out = out;
	c->line = strdup(line);
	c->tokbuf = malloc(l + 1 + SW_MGMT_MAXARGS);
	if (!c->line || !c->tokbuf) {
		sw_mgmt_call_free(c);
		return NULL;
	}
	c->argc = sw_mgmt_split(line, c->tokbuf, l + 1 + SW_MGMT_MAXARGS, c->argv, SW_MGMT_MAXARGS);
	if (c->argc < 0) {
		fail(c, "cannot split the line: unterminated quote or more than %d words",
		     SW_MGMT_MAXARGS);
		return c;
	}
	c->cmd = match(s->mode, c->argv, c->argc, &used, c->err, sizeof(c->err));
	if (!c->cmd) {
		if (s->mode == SW_MODE_CONF && c->argc > 0 && strcmp(c->err, "unknown command") != 0)
			; /* message already says what was expected */
		else if (c->argc > 0 && s->mode == SW_MODE_OP) {
			/* a configuration command typed in operational mode */
			struct sw_mgmt_sess tmp = {.mode = SW_MODE_CONF};
			char e2[8];
			int u2;
			const struct cmd *k = match(tmp.mode, c->argv, c->argc, &u2, e2, sizeof(e2));
			char w0[64], o0[64];
			int op_word = 0;
			/* only for words that exist in configuration mode alone (set, delete, commit) */
			if (k && cmd_word(k, 0, w0, sizeof(w0)))
				for (size_t j = 0; commands[j].words; j++)
					if ((commands[j].modes & SW_MODE_OP) &&
					    cmd_word(&commands[j], 0, o0, sizeof(o0)) && strcmp(o0, w0) == 0)
						op_word = 1;
			if (k && !op_word)
				snprintf(c->err, sizeof(c->err),
					 "'%s' is a configuration-mode command: type `configure` first",
					 c->argv[0]);
		}
		return c;
	}
	c->args = c->argv + used;
	c->nargs = c->argc - used;
	if (!c->cmd->raw && !c->cmd->pos && !c->cmd->kw && c->nargs > 0) {
		fail(c, "token '%s': unexpected word (`%s` takes no arguments)", c->args[0],
		     c->cmd->words);
		c->cmd = NULL;
	} else if (c->cmd->pos && c->nargs != 1) {
		fail(c, "%s (expected %s %s)", c->nargs ? "too many words" : "missing argument",
		     c->cmd->words, c->cmd->pos);
		c->cmd = NULL;
	}
	return c;
}

int sw_mgmt_call_step(struct sw_mgmt_call *c)
{
	if (!c->cmd)
		return SW_CALL_ERROR;
	return c->cmd->fn(c);
}

const char *sw_mgmt_call_error(const struct sw_mgmt_call *c)
{
	return c->err;
}

void sw_mgmt_call_free(struct sw_mgmt_call *c)
{
	if (!c)
		return;
	free(c->line);
	free(c->tokbuf);
	free(c);
}

int sw_mgmt_run(struct sw_mgmt_host *h, struct sw_mgmt_sess *s, const char *line, int json,
		struct sw_buf *out, char *err, size_t errlen)
{
	struct sw_mgmt_call *c = sw_mgmt_call_start(h, s, line, json, out);
	int rc;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return SW_CALL_ERROR;
	}
	while ((rc = sw_mgmt_call_step(c)) == SW_CALL_MORE)
		;
	if (rc == SW_CALL_ERROR)
		snprintf(err, errlen, "%s", c->err[0] ? c->err : "failed");
	else if (err && errlen)
		err[0] = '\0';
	sw_mgmt_call_free(c);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* completion                                                               */

static const char *group(const char *w)
{
	for (size_t i = 0; i < sizeof(group_help) / sizeof(group_help[0]); i++)
		if (strcmp(group_help[i].word, w) == 0)
			return group_help[i].help;
	return "";
}

static void complete_args(struct sw_mgmt_call *c, const struct cmd *k, char **a, int n,
			  struct cand *o)
{
	if (k->complete) {
		k->complete(c, a, n, o);
		return;
	}
	if (k->pos) {
		if (n == 0)
			cand_add(o, k->pos, k->pos_help);
		else
			cand_add(o, "<Enter>", "execute");
		return;
	}
	if (k->kw && n > 0) {
		/* a keyword waiting for its value? */
		for (const struct kwarg *w = k->kw; w->word; w++)
			if (w->value && strcmp(w->word, a[n - 1]) == 0) {
				if (w->choices)
					for (unsigned i = 0; w->choices[i]; i++)
						cand_add(o, w->choices[i], w->help);
				if (!w->choices || strcmp(w->word, "protocol") == 0)
					cand_add(o, w->value, w->help);
				return;
			}
	}
	if (k->kw)
		for (const struct kwarg *w = k->kw; w->word; w++) {
			int usedw = 0;
			for (int i = 0; i < n; i++)
				usedw |= strcmp(a[i], w->word) == 0;
			if (!usedw)
				cand_add(o, w->word, w->help);
		}
	cand_add(o, "<Enter>", "execute");
}

void sw_mgmt_complete(struct sw_mgmt_host *h, struct sw_mgmt_sess *s, const char *line,
		      struct sw_buf *out)
{
	size_t l = strlen(line);
	char *buf = malloc(l + 1 + SW_MGMT_MAXARGS), *argv[SW_MGMT_MAXARGS];
	int argc, ends_space = l == 0 || line[l - 1] == ' ' || line[l - 1] == '\t';
	struct sw_mgmt_call c;
	struct cand o = {.out = out, .prefix = ""};
	unsigned char alive[sizeof(commands) / sizeof(commands[0])];

	sw_buf_puts(out, "{\"words\":[");
	if (!buf)
		goto end;
	argc = sw_mgmt_split(line, buf, l + 1 + SW_MGMT_MAXARGS, argv, SW_MGMT_MAXARGS);
	if (argc < 0)
		goto end;
	if (!ends_space && argc > 0)
		o.prefix = argv[--argc];
	memset(&c, 0, sizeof(c));
	c.h = h;
	c.s = s;
	memcpy(c.argv, argv, sizeof(argv[0]) * (size_t)argc);
	c.argc = argc;

	for (size_t k = 0; commands[k].words; k++)
		alive[k] = (commands[k].modes & s->mode) != 0;
	for (int i = 0; i < argc; i++) {
		/* word i of a command, exactly or as the unique prefix */
		char w[64], pick[64] = "";
		int npref = 0, exact = 0;
		for (size_t k = 0; commands[k].words; k++) {
			if (!alive[k] || !cmd_word(&commands[k], i, w, sizeof(w)))
				continue;
			if (strcmp(w, argv[i]) == 0) {
				snprintf(pick, sizeof(pick), "%s", w);
				exact = 1;
			} else if (!exact && strncmp(w, argv[i], strlen(argv[i])) == 0 &&
				   strcmp(w, pick) != 0) {
				npref++;
				snprintf(pick, sizeof(pick), "%s", w);
			}
		}
		if (exact || npref == 1) {
			for (size_t k = 0; commands[k].words; k++)
				if (alive[k] && !(cmd_word(&commands[k], i, w, sizeof(w)) &&
						  strcmp(w, pick) == 0))
					alive[k] = 0;
			continue;
		}
		/* not a command word: the arguments of the command whose words ended */
		const struct cmd *fin = NULL;
		for (size_t k = 0; commands[k].words; k++)
			if (alive[k] && cmd_nwords(&commands[k]) <= i &&
			    (!fin || cmd_nwords(&commands[k]) > cmd_nwords(fin)))
				fin = &commands[k];
		if (fin) {
			int nw = cmd_nwords(fin);
			complete_args(&c, fin, argv + nw, argc - nw, &o);
		}
		goto end;
	}
	{
		char w[64], seen[512] = "|";
		for (size_t k = 0; commands[k].words; k++) {
			int nw = cmd_nwords(&commands[k]);
			if (!alive[k])
				continue;
			if (nw == argc) {
				complete_args(&c, &commands[k], argv + nw, 0, &o);
				continue;
			}
			if (!cmd_word(&commands[k], argc, w, sizeof(w)))
				continue;
			char key[68];
			snprintf(key, sizeof(key), "|%s|", w);
			if (strstr(seen, key))
				continue;
			strncat(seen, w, sizeof(seen) - strlen(seen) - 2);
			strcat(seen, "|");
			cand_add(&o, w, nw == argc + 1 ? commands[k].help : group(w));
		}
	}
end:
	sw_buf_puts(out, "],\"prefix\":");
	sw_buf_json_str(out, o.prefix);
	sw_buf_puts(out, "}\n");
	free(buf);
}

/* ------------------------------------------------------------------------ */

void sw_mgmt_rates_tick(struct sw_mgmt_host *h, sw_time_t now)
{
	struct sw_stats st;
	struct sw_dp_if di;
	uint64_t bytes = 0;

	sw_dp_stats(&h->dp, &st);
	for (int i = 0; i < 2; i++)
		if (sw_dp_iface(&h->dp, (unsigned)i, &di) == 0)
			bytes += di.st.rx_bytes;
	if (h->last_tick && now > h->last_tick) {
		double dt = secs(now - h->last_tick);
		h->pps = (double)(st.ctr[SW_CTR_PKTS] - h->last_pkts) / dt;
		h->cps = (double)(st.ctr[SW_CTR_SESS_CREATED] - h->last_created) / dt;
		h->kbps = (double)(bytes - h->last_bytes) * 8 / 1000 / dt;
	}
	h->last_tick = now;
	h->last_pkts = st.ctr[SW_CTR_PKTS];
	h->last_created = st.ctr[SW_CTR_SESS_CREATED];
	h->last_bytes = bytes;
}
