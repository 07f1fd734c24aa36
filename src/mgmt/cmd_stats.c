/*
 * cmd_stats.c - the statistics commands: show session info (the table, every
 * timeout and mode, drops), show counter global (engine counters, drops per
 * reason, session ends), show interface (the virtual wire's ports), and the
 * rate meter behind "Packet rate" / "New connection establish rate".
 *
 * Names come from tables.h; every figure through the data plane (dp.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/dp_thread.h"
#include "mgmt/registry.h"

#define LINE "-------------------------------------------------------------------------------"

static double secs(sw_time_t ns)
{
	return (double)ns / (double)SW_NS_PER_SEC;
}

struct no_args {
	struct sw_cmd_args a;
};

/* ---- show session info ------------------------------------------------------- */


static const struct sw_emit_col worker_cols[] = {
	{"worker", 8}, {"sessions", 10}, {"of table", 9}, {"packets", 14}, {"created", 0}};

/* Each worker's share of the load (`run --workers`): its table, its packets. */
static void info_workers(struct sw_emit *e, const struct sw_stats *per, unsigned n)
{
	sw_emit_u64(e, "nworkers", "Packet workers:", n);
	sw_emit_list(e, "workers", worker_cols, sizeof(worker_cols) / sizeof(worker_cols[0]));
	for (unsigned i = 0; i < n; i++) {
		const struct sw_stats *w = &per[i];
		sw_emit_row(e);
		sw_emit_u64(e, "worker", "", i);
		sw_emit_u64(e, "active", "", w->active);
		sw_emit_text_as(e, "%.1f%%", w->max_sessions ? 100.0 * w->active / w->max_sessions : 0.0);
		sw_emit_u64(e, "max_sessions", "", w->max_sessions);
		sw_emit_u64(e, "pkts", "", w->ctr[SW_CTR_PKTS]);
		sw_emit_u64(e, "created", "", w->ctr[SW_CTR_SESS_CREATED]);
		sw_emit_row_end(e);
	}
	sw_emit_list_end(e);
}

static int info_step(struct sw_cmd_ctx *cx, void *frame)
{
	const struct sw_conf *conf = sw_dp_conf(&cx->h->dp);
	struct sw_mgmt_host *h = cx->h;
	struct sw_emit *e = cx->e;
	struct sw_stats st, per[SW_DP_MAX_WORKERS];
	unsigned nw = sw_dp_workers(&h->dp, per, SW_DP_MAX_WORKERS);
	double util;
	int any = 0;

	(void)frame;
	/* one answer from each worker: the table's figures are their sum */
	memset(&st, 0, sizeof(st));
	for (unsigned i = 0; i < nw; i++)
		sw_stats_add(&st, &per[i]);
	util = st.max_sessions ? 100.0 * st.active / st.max_sessions : 0;
	sw_emit_note(e, LINE);
	sw_emit_u64(e, "supported", "Number of sessions supported:", st.max_sessions);
	sw_emit_u64(e, "active", "Number of active sessions:", st.active);
	sw_emit_u64(e, "active_tcp", "Number of active TCP sessions:", st.active_proto[0]);
	sw_emit_u64(e, "active_udp", "Number of active UDP sessions:", st.active_proto[1]);
	sw_emit_u64(e, "active_icmp", "Number of active ICMP sessions:", st.active_proto[2]);
	sw_emit_u64(e, "active_other", "Number of active other sessions:", st.active_proto[3]);
	sw_emit_u64(e, "half_closed", "Number of half-closed sessions:", st.half_closed);
	sw_emit_u64(e, "discard", "Number of discard sessions:", st.discard);
	sw_emit_text_as(e, util > 0 && util < 1 ? "%.2f%%" : "%.0f%%", util);
	sw_emit_dbl(e, "utilization_pct", "Session table utilization:", util, 2);
	sw_emit_u64(e, "created", "Number of sessions created since start:",
		    st.ctr[SW_CTR_SESS_CREATED]);
	sw_emit_u64(e, "peak", "Peak concurrent sessions:", st.peak);
	sw_emit_text_as(e, "%.0f/s", h->pps);
	sw_emit_dbl(e, "packet_rate", "Packet rate:", h->pps, 1);
	sw_emit_text_as(e, "%.0f cps", h->cps);
	sw_emit_dbl(e, "new_session_rate", "New connection establish rate:", h->cps, 1);
	sw_emit_text_as(e, "%.0f kbps", h->kbps);
	sw_emit_dbl(e, "throughput_kbps", "Throughput:", h->kbps, 1);
	sw_emit_text_as(e, "%u (max %u, kept %u s)", st.tombstones, conf->max_tombstones,
			conf->tombstone_ttl);
	sw_emit_u64(e, "tombstones", "Number of tombstones (ended, kept for late packets):",
		    st.tombstones);
	sw_emit_u64(e, "max_tombstones", NULL, conf->max_tombstones);
	sw_emit_u64(e, "tombstone_ttl", NULL, conf->tombstone_ttl);
	sw_emit_u64(e, "bytes_per_session", "Memory per session (bytes):", st.bytes_per_session);
	info_workers(e, per, nw);
	sw_emit_note(e, LINE);
	sw_emit_obj(e, "timeouts", "Session timeout");
	for (unsigned t = 0; t < SW_TO_MAX; t++) {
		const struct sw_timeout_info *ti = &sw_timeout_info[t];
		char label[80];
		snprintf(label, sizeof(label), "%s timeout (%s):", ti->label, ti->name);
		sw_emit_text_as(e, "%u secs%s", conf->timeout[t],
				conf->timeout[t] == ti->def ? "" : " (configured)");
		sw_emit_u64(e, ti->name, label, conf->timeout[t]);
	}
	sw_emit_obj_end(e);
	sw_emit_text_as(e, "existing and new sessions (PAN-OS: new sessions only)");
	sw_emit_bool(e, "timer_changes_apply_to_existing_sessions", "  Timer changes apply to:", 1);
	sw_emit_text_as(e, "existing and new sessions (each commit re-evaluates every live one)");
	sw_emit_bool(e, "object_changes_apply_to_existing_sessions",
		     "  Service, application, rule timer changes apply to:", 1);
	sw_emit_u64(e, "commits", "  Configuration changes applied (commit, reload):",
		    h->commits + h->reloads);
	sw_emit_u64(e, "last_commit_reevaluated", "  Live sessions the last one re-evaluated:",
		    h->last_reevaluated);
	sw_emit_u64(e, "last_commit_retimed", "  ... whose timer in force changed value:",
		    h->last_retimed);
	sw_emit_note(e, LINE);
	sw_emit_obj(e, NULL, "Session setup");
	sw_emit_str(e, "half_close_mode", "Half-close mode:",
		    sw_half_close_mode_name(conf->half_close_mode));
	sw_emit_bool(e, "tcp_reject_non_syn", "TCP - reject non-SYN first packet:",
		     conf->tcp_reject_non_syn);
	sw_emit_bool(e, "tcp_window_check", "TCP - drop out-of-window segments:",
		     conf->tcp_window_check);
	sw_emit_bool(e, "tcp_checksum_check", "Verify L4 checksums:", conf->tcp_checksum_check);
	sw_emit_str(e, "default_action", "Default action (no rule matches):",
		    conf->default_action == SW_ACT_DENY ? "deny" : "allow");
	sw_emit_u64(e, "rules", "Security rules:", conf->nrules);
	sw_emit_obj_end(e);
	sw_emit_note(e, LINE);
	/* Table pressure, as PAN-OS shows accelerated aging, then what statewall adds. */
	sw_emit_bool(e, "accelerated_aging", "Session accelerated aging:", conf->accel_aging);
	sw_emit_text_as(e, "%u%% of utilization", conf->accel_threshold);
	sw_emit_u64(e, "accelerated_aging_threshold", "  Accelerated aging threshold:",
		    conf->accel_threshold);
	sw_emit_text_as(e, "%u X", conf->accel_factor);
	sw_emit_u64(e, "accelerated_aging_scaling_factor", "  Scaling factor:", conf->accel_factor);
	sw_emit_bool(e, "accelerating", "  Accelerating now:", st.accelerating);
	sw_emit_str(e, "table_full_action", "Table full action:",
		    conf->table_full_action == SW_TFA_REFUSE ? "refuse" : "evict");
	sw_emit_text_as(e, "%u secs", conf->evict_min_idle);
	sw_emit_u64(e, "evict_min_idle", "  Never evict a session active within:",
		    conf->evict_min_idle);
	if (!conf->max_per_source)
		sw_emit_text_as(e, "no limit");
	sw_emit_u64(e, "max_sessions_per_source", "Max sessions per source:", conf->max_per_source);
	sw_emit_u64(e, "sources_at_quota", "  Sources at their quota:", st.sources_at_quota);
	sw_emit_note(e, LINE);
	sw_emit_obj(e, "drops", "Drops per reason");
	for (unsigned r = 1; r < SW_DROP_MAX; r++) {
		char label[64];
		snprintf(label, sizeof(label), "%s:", sw_drop_name(r));
		if (!st.drop[r])
			sw_emit_text_hide(e);
		any |= st.drop[r] != 0;
		sw_emit_u64(e, sw_drop_name(r), label, st.drop[r]);
	}
	if (!any)
		sw_emit_note(e, "(none)");
	sw_emit_obj_end(e);
	sw_emit_note(e, LINE);
	return 0;
}

/* ---- show counter global ----------------------------------------------------- */

/* one counter: JSON NAME:VALUE, text a row of the table (zero: JSON only) */
static void counter(struct sw_emit *e, const char *cat, const char *name, uint64_t v, double el,
		    const char *help)
{
	if (!v)
		sw_emit_text_hide(e);
	sw_emit_text_as(e, "%-32s %14llu %10.0f  %-9s %s", name, (unsigned long long)v,
			el > 0 ? (double)v / el : 0.0, cat, help);
	sw_emit_u64(e, name, "", v);
}

static int counters_step(struct sw_cmd_ctx *cx, void *frame)
{
	struct sw_emit *e = cx->e;
	struct sw_stats st;
	sw_time_t now = sw_dp_now(&cx->h->dp);
	double el = cx->h->started && now > cx->h->started ? secs(now - cx->h->started) : 0;
	char n[64];

	(void)frame;
	sw_dp_stats(&cx->h->dp, &st);
	sw_emit_note(e, "Global counters:");
	sw_emit_text_as(e, "Elapsed time since start: %.0f seconds\n", el);
	sw_emit_dbl(e, "elapsed", "", el, 3);
	sw_emit_note(e, "%-32s %14s %10s  %-9s %s", "name", "value", "rate", "category",
		     "description");
	sw_emit_note(e, LINE);
	sw_emit_obj(e, "counters", NULL);
#define X_CTR(id, name, help) counter(e, "engine", name, st.ctr[SW_CTR_##id], el, help);
	SW_COUNTERS(X_CTR)
#undef X_CTR
	sw_emit_obj_end(e);
	sw_emit_obj(e, "drops", NULL);
#define X_DROP(id, name, help)                                                                     \
	if (SW_DROP_##id != SW_DROP_NONE)                                                          \
		counter(e, "drop", name, st.drop[SW_DROP_##id], el, help);
	SW_DROP_REASONS(X_DROP)
#undef X_DROP
	sw_emit_obj_end(e);
	sw_emit_obj(e, "ends", NULL);
#define X_END(id, name, help) counter(e, "end", name, st.end[SW_END_##id], el, help);
	SW_END_REASONS(X_END)
#undef X_END
	sw_emit_obj_end(e);
	sw_emit_obj(e, "aged_out_by_timer", NULL);
	for (unsigned t = 0; t < SW_TO_MAX; t++) {
		snprintf(n, sizeof(n), "aged-out %s", sw_timeout_name(t));
		if (!st.end_timer[t])
			sw_emit_text_hide(e);
		sw_emit_text_as(e, "%-32s %14llu %10.0f  %-9s %s", n,
				(unsigned long long)st.end_timer[t],
				el > 0 ? (double)st.end_timer[t] / el : 0.0, "end",
				"sessions this timer ended");
		sw_emit_u64(e, sw_timeout_name(t), "", st.end_timer[t]);
	}
	sw_emit_obj_end(e);
	sw_emit_note(e, LINE);
	sw_emit_note(e, "(counters that are zero are not shown; -o json lists every one)");
	return 0;
}

/* ---- show interface ---------------------------------------------------------- */

static const struct sw_emit_col iface_cols[] = {
	{"interface", 12}, {"rx-pkts", 12}, {"rx-bytes", 14}, {"tx-pkts", 12},
	{"tx-bytes", 14},  {"ring-drop", 10}, {"truncated", 10}, {"tx-error", 0},
};

static int iface_step(struct sw_cmd_ctx *cx, void *frame)
{
	struct sw_emit *e = cx->e;

	(void)frame;
	sw_emit_list(e, "interfaces", iface_cols, sizeof(iface_cols) / sizeof(iface_cols[0]));
	for (unsigned i = 0; i < 2; i++) {
		struct sw_dp_if di;
		const struct sw_afp_stats *s = &di.st;
		if (sw_dp_iface(&cx->h->dp, i, &di) < 0)
			continue;
		sw_emit_row(e);
		sw_emit_str(e, "name", "", di.name);
		sw_emit_i64(e, "ifindex", NULL, di.ifindex);
		sw_emit_u64(e, "rx_pkts", "", s->rx_pkts);
		sw_emit_u64(e, "rx_bytes", "", s->rx_bytes);
		sw_emit_u64(e, "tx_pkts", "", s->tx_pkts);
		sw_emit_u64(e, "tx_bytes", "", s->tx_bytes);
		sw_emit_u64(e, "rx_kernel_drops", "", s->rx_kernel_drops);
		sw_emit_u64(e, "rx_truncated", "", s->rx_truncated);
		sw_emit_u64(e, "tx_errors", NULL, s->tx_errors);
		sw_emit_u64(e, "tx_ring_full", NULL, s->tx_ring_full);
		sw_emit_u64(e, "tx_too_big", NULL, s->tx_too_big);
		sw_emit_u64(e, NULL, "", s->tx_errors + s->tx_ring_full + s->tx_too_big);
		sw_emit_row_end(e);
	}
	sw_emit_list_end(e);
	return 0;
}

/* ---- debug log rotate ---------------------------------------------------------- */

static int log_rotate_step(struct sw_cmd_ctx *cx, void *frame)
{
	char msg[600] = "";
	int rc;

	(void)frame;
	if (!cx->h->log_reopen)
		return sw_cmd_fail(cx, -ENOENT, -1, "this daemon has no session log");
	rc = cx->h->log_reopen(cx->h->log_ctx, msg, sizeof(msg));
	if (rc < 0)
		return sw_cmd_fail(cx, rc, -1, "%s", msg);
	sw_emit_bool(cx->e, "reopened", NULL, 1);
	sw_emit_str(cx->e, "message", NULL, msg);
	sw_emit_note(cx->e, "%s", msg);
	return 0;
}

/* ---- the rate meter ---------------------------------------------------------- */

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

const struct sw_cmd sw_cmds_stats[] = {
	{
		.words = "show session info",
		.help = "session table summary, every timeout and mode, drops",
		.modes = SW_MODE_OP,
		.frame_size = sizeof(struct no_args),
		.step = info_step,
	},
	{
		.words = "show counter global",
		.help = "engine counters, drops per reason, session ends",
		.modes = SW_MODE_OP,
		.frame_size = sizeof(struct no_args),
		.step = counters_step,
	},
	{
		.words = "show interface",
		.help = "packet counters of the virtual wire's interfaces",
		.modes = SW_MODE_OP,
		.frame_size = sizeof(struct no_args),
		.step = iface_step,
	},
	{
		.words = "debug log rotate",
		.help = "reopen the session log (after logrotate renamed it; as SIGHUP does)",
		.modes = SW_MODE_OP,
		.frame_size = sizeof(struct no_args),
		.step = log_rotate_step,
	},
	{0},
};
