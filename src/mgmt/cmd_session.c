/*
 * cmd_session.c - the session commands: show / clear session all (with the
 * PAN-OS filter: source, destination, source-port, destination-port,
 * protocol, state, and start-at / limit / count for paging) and show /
 * clear session id.
 *
 * `source` is the originator's address, `destination` the responder's; both
 * take an address or a CIDR (sw_cidr_parse).  `state` matches the State
 * column: ACTIVE, HALF-CLOSED (a FIN was seen) or DISCARD (a deny rule's
 * discard session); the three are disjoint.
 *
 * Listings are sliced: each step walks at most SW_MGMT_SLICE sessions
 * through the data plane (dp.h), so the packet thread answers within its
 * budget.  Session objects and columns come from SW_SESS_FIELDS through the
 * emitter.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/registry.h"

/* ---- the filter ------------------------------------------------------------ */

/* the frame of show / clear session all: arguments, then the walk's state */
struct list_frame {
	struct sw_cmd_args a;
	struct sw_cidr src, dst;
	int32_t sport, dport, proto, state, count;
	char service[64];
	uint32_t start_at, limit;
	/* state */
	struct sw_filter f;
	struct sw_sess_ctx sc;
	struct sw_cmd_ctx *cx;
	uint32_t cursor, next;
	uint64_t matched;
	int page_full;
	uint32_t ids[SW_MGMT_SLICE];
	unsigned nids;
	struct sw_emit_col cols[24];
};

static const char *const proto_words[] = {"tcp", "udp", "icmp", "icmp6", NULL};
static const char *const state_words[] = {"active", "half-closed", "discard", NULL};
static const char *const yesno[] = {"yes", "no", NULL};

/* argument indexes, shared by both descriptors */
enum { A_FILTER, A_SRC, A_DST, A_SPORT, A_DPORT, A_PROTO, A_STATE, A_SERVICE, A_START, A_LIMIT,
       A_COUNT };

#define MATCH_ARGS(what)                                                                           \
	[A_FILTER] = {.name = "filter", .type = SW_AT_FLAG, .help = what},                         \
	[A_SRC] = {.name = "source", .type = SW_AT_CIDR, .off = offsetof(struct list_frame, src),   \
		   .value = "<ip/netmask>", .help = "originator address or prefix"},               \
	[A_DST] = {.name = "destination", .type = SW_AT_CIDR,                                       \
		   .off = offsetof(struct list_frame, dst), .value = "<ip/netmask>",               \
		   .help = "responder address or prefix"},                                         \
	[A_SPORT] = {.name = "source-port", .type = SW_AT_PORT,                                     \
		     .off = offsetof(struct list_frame, sport), .value = "<1-65535>",              \
		     .help = "originator port"},                                                   \
	[A_DPORT] = {.name = "destination-port", .type = SW_AT_PORT,                                \
		     .off = offsetof(struct list_frame, dport), .value = "<1-65535>",              \
		     .help = "responder port"},                                                    \
	[A_PROTO] = {.name = "protocol", .type = SW_AT_PROTO,                                       \
		     .off = offsetof(struct list_frame, proto), .choices = proto_words,            \
		     .value = "<1-255>", .help = "IP protocol (number or tcp, udp, icmp, icmp6)"},  \
	[A_STATE] = {.name = "state", .type = SW_AT_ENUM, .off = offsetof(struct list_frame, state), \
		     .choices = state_words, .value = "<state>",                                   \
		     .help = "ACTIVE, HALF-CLOSED or DISCARD"},                                    \
	[A_SERVICE] = {.name = "service", .type = SW_AT_STR, .max = 64,                             \
		       .off = offsetof(struct list_frame, service), .value = "<name>",             \
		       .help = "the service of the session's rule that matched it (set service)"}

static const struct sw_cmd_arg show_all_args[] = {
	MATCH_ARGS("narrow the listing (the keywords below also work without it)"),
	[A_START] = {.name = "start-at", .type = SW_AT_U32, .off = offsetof(struct list_frame, start_at),
		     .value = "<id>", .help = "first session id to list (paging)"},
	[A_LIMIT] = {.name = "limit", .type = SW_AT_U32, .off = offsetof(struct list_frame, limit),
		     .value = "<n>", .help = "list at most n sessions (paging)"},
	[A_COUNT] = {.name = "count", .type = SW_AT_YESNO, .off = offsetof(struct list_frame, count),
		     .choices = yesno, .value = "<yes|no>", .help = "only count the matching sessions"},
	{0},
};

static const struct sw_cmd_arg clear_all_args[] = {
	MATCH_ARGS("choose the sessions to clear"),
	{0},
};

static void to_filter(const struct list_frame *l, struct sw_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->sport = SW_ARG_GIVEN(l, A_SPORT) ? l->sport : -1;
	f->dport = SW_ARG_GIVEN(l, A_DPORT) ? l->dport : -1;
	f->proto = SW_ARG_GIVEN(l, A_PROTO) ? l->proto : -1;
	f->state = SW_ARG_GIVEN(l, A_STATE) ? l->state : SW_FS_ANY;
	if ((f->has_src = SW_ARG_GIVEN(l, A_SRC)))
		f->src = l->src;
	if ((f->has_dst = SW_ARG_GIVEN(l, A_DST)))
		f->dst = l->dst;
	if (SW_ARG_GIVEN(l, A_SERVICE))
		snprintf(f->service, sizeof(f->service), "%s", l->service);
	f->start_at = l->start_at;
	f->limit = l->limit;
	f->count_only = l->count;
}

static int in_cidr(const struct sw_cidr *c, const struct sw_addr *a)
{
	unsigned full = c->plen / 8, rem = c->plen % 8;

	if (memcmp(c->addr.b, a->b, full) != 0)
		return 0;
	if (rem) {
		uint8_t m = (uint8_t)(0xff << (8 - rem));
		if ((c->addr.b[full] & m) != (a->b[full] & m))
			return 0;
	}
	return 1;
}

int sw_filter_match(const struct sw_filter *f, const struct sw_sess_info *si)
{
	if (f->start_at && si->id < f->start_at)
		return 0;
	if (f->has_src && !in_cidr(&f->src, &si->orig_h))
		return 0;
	if (f->has_dst && !in_cidr(&f->dst, &si->resp_h))
		return 0;
	if (f->sport >= 0 && si->orig_p != f->sport)
		return 0;
	if (f->dport >= 0 && si->resp_p != f->dport)
		return 0;
	if (f->proto >= 0 && si->proto != f->proto)
		return 0;
	if (f->service[0] && strcmp(f->service, si->service) != 0)
		return 0;
	switch (f->state) {
	case SW_FS_ACTIVE: return !si->discard && !si->half_closed_at;
	case SW_FS_HALF_CLOSED: return !si->discard && si->half_closed_at != 0;
	case SW_FS_DISCARD: return si->discard != 0;
	default: return 1;
	}
}

/* ---- show session all -------------------------------------------------------- */

static int list_cb(void *ctx, const struct sw_sess_info *si)
{
	struct list_frame *l = ctx;
	struct sw_emit *e = l->cx->e;
	char a[SW_ADDRSTRLEN], d[SW_ADDRSTRLEN], flow[128];

	if (!sw_filter_match(&l->f, si))
		return 0;
	if (l->f.limit && l->matched >= l->f.limit) {
		/* page full: remember where the next page starts, stop */
		l->next = si->id;
		l->page_full = 1;
		return 1;
	}
	l->matched++;
	if (l->f.count_only)
		return 0;
	sw_emit_row(e);
	sw_emit_sess(e, si, &l->sc, SW_SV_LIVE);
	if (!e->json) { /* the text-only flow column: no formatting for JSON */
		snprintf(flow, sizeof(flow), "%s[%u] -> %s[%u]", sw_addr_str(&si->orig_h, a),
			 si->orig_p, sw_addr_str(&si->resp_h, d), si->resp_p);
		sw_emit_str(e, NULL, "", flow);
	}
	sw_emit_row_end(e);
	return 0;
}

static unsigned row_columns(struct list_frame *l)
{
	unsigned n = 0, max = sizeof(l->cols) / sizeof(l->cols[0]) - 1;

	for (unsigned i = 0; i < sw_sess_nfields() && n < max; i++) {
		const struct sw_sess_field_info *fi = sw_sess_field_info(i);
		if (fi->views & SW_SV_ROW)
			l->cols[n++] = (struct sw_emit_col){.header = fi->key, .width = fi->width};
	}
	l->cols[n++] = (struct sw_emit_col){.header = "source[sport] -> destination[dport]"};
	return n;
}

static int show_all_step(struct sw_cmd_ctx *cx, void *frame)
{
	struct list_frame *l = frame;
	struct sw_emit *e = cx->e;
	struct sw_stats st;

	if (cx->step == 0) {
		to_filter(l, &l->f);
		l->cx = cx;
		l->cursor = l->f.start_at;
		l->sc.conf = sw_dp_conf(&cx->h->dp);
		if (l->f.count_only)
			sw_emit_list(e, "sessions", NULL, 0);
		else
			sw_emit_list(e, "sessions", l->cols, row_columns(l));
	}
	l->sc.now = sw_dp_now(&cx->h->dp);
	sw_dp_walk(&cx->h->dp, &l->cursor, SW_MGMT_SLICE, list_cb, l);
	if (!l->page_full && l->cursor != 0)
		return SW_CALL_MORE;
	sw_emit_list_end(e);
	sw_dp_stats(&cx->h->dp, &st);
	if (l->f.count_only) {
		sw_emit_label_width(e, 0);
		sw_emit_u64(e, "matched", "Number of sessions that match filter:", l->matched);
	} else {
		sw_emit_u64(e, "matched", NULL, l->matched);
		sw_emit_note(e, "%llu session%s shown (%u active)", (unsigned long long)l->matched,
			     l->matched == 1 ? "" : "s", st.active);
	}
	sw_emit_u64(e, "active", NULL, st.active);
	if (l->page_full) {
		sw_emit_u64(e, "next_start_at", NULL, l->next);
		sw_emit_note(e, "more: add `start-at %u` for the next page", l->next);
	} else {
		sw_emit_null(e, "next_start_at", NULL);
	}
	return 0;
}

int sw_filter_parse(struct sw_filter *f, char *const *argv, int argc, char *err, size_t errlen)
{
	const struct sw_cmd *c = sw_cmd_find("show session all");
	struct list_frame l;
	int bad;

	memset(&l, 0, sizeof(l));
	memset(f, 0, sizeof(*f));
	f->sport = f->dport = f->proto = -1;
	f->state = SW_FS_ANY;
	if (sw_cmd_parse_words(c, (char **)argv, argc, &l, &bad, err, errlen) < 0)
		return -EINVAL;
	to_filter(&l, f);
	return 0;
}

/* ---- clear session all ------------------------------------------------------- */

static int clear_cb(void *ctx, const struct sw_sess_info *si)
{
	struct list_frame *l = ctx;

	if (sw_filter_match(&l->f, si) && l->nids < SW_MGMT_SLICE)
		l->ids[l->nids++] = si->id;
	return 0;
}

static int clear_all_step(struct sw_cmd_ctx *cx, void *frame)
{
	struct list_frame *l = frame;

	if (cx->step == 0) {
		to_filter(l, &l->f);
		l->cursor = 0;
	}
	l->nids = 0;
	sw_dp_walk(&cx->h->dp, &l->cursor, SW_MGMT_SLICE, clear_cb, l);
	for (unsigned i = 0; i < l->nids; i++)
		if (sw_dp_clear(&cx->h->dp, l->ids[i]) == 0)
			l->matched++;
	if (l->cursor != 0)
		return SW_CALL_MORE;
	sw_emit_u64(cx->e, "cleared", NULL, l->matched);
	sw_emit_note(cx->e, "%llu session%s cleared", (unsigned long long)l->matched,
		     l->matched == 1 ? "" : "s");
	return 0;
}

/* ---- show / clear session id ------------------------------------------------- */

struct id_frame {
	struct sw_cmd_args a;
	uint32_t id;
};

static const struct sw_cmd_arg show_id_args[] = {
	{.name = "id", .type = SW_AT_ID, .flags = SW_ARG_POS | SW_ARG_REQUIRED,
	 .off = offsetof(struct id_frame, id), .value = "<id>",
	 .help = "session id (first column of show session all)"},
	{0},
};

static const struct sw_cmd_arg clear_id_args[] = {
	{.name = "id", .type = SW_AT_ID, .flags = SW_ARG_POS | SW_ARG_REQUIRED,
	 .off = offsetof(struct id_frame, id), .value = "<id>", .help = "session id"},
	{0},
};

static const struct sw_emit_col timer_cols[] = {
	{"timer", 30}, {"value (s)", 9}, {"in force", 8}, {"from", 0},
};

/*
 * Every timer that can be in force for this session (its protocol, the
 * half-close mode, discard or not), its value and where the value comes
 * from: the session's timer profile computed from the running
 * configuration with the engine's precedence (sw_timers_of_flow), so
 * nothing more is kept per session.
 */
static void emit_timers(struct sw_emit *e, const struct sw_conf *conf, const struct sw_sess_info *si)
{
	struct sw_flow f = {.src = si->orig_h, .dst = si->resp_h, .sport = si->orig_p,
			    .dport = si->resp_p, .proto = si->proto, .family = si->family};
	struct sw_timer_eff te;
	char src[SW_RULE_NAME_MAX + 24];

	sw_timers_of_flow(conf, si->discard ? 0 : si->rule, &f, &te);
	sw_emit_note(e, "timers of this session:");
	sw_emit_list(e, "timers", timer_cols, sizeof(timer_cols) / sizeof(timer_cols[0]));
	for (unsigned t = 0; t < SW_TO_MAX; t++) {
		if (!sw_timer_applies(t, si->proto, si->discard, conf->half_close_mode))
			continue;
		sw_emit_row(e);
		sw_emit_str(e, "name", "", sw_timeout_info[t].name);
		sw_emit_u64(e, "value", "", te.secs[t]);
		sw_emit_text_as(e, "%s", t == si->timer ? "*" : "");
		sw_emit_bool(e, "in_force", "", t == si->timer);
		sw_emit_str(e, "source", "", sw_timer_src_str(conf, &te, t, src, sizeof(src)));
		sw_emit_row_end(e);
	}
	sw_emit_list_end(e);
}

static int show_id_step(struct sw_cmd_ctx *cx, void *frame)
{
	struct id_frame *a = frame;
	struct sw_emit *e = cx->e;
	const struct sw_conf *conf = sw_dp_conf(&cx->h->dp);
	struct sw_sess_ctx sc = {.conf = conf, .now = sw_dp_now(&cx->h->dp)};
	struct sw_sess_info si;

	if (sw_dp_session(&cx->h->dp, a->id, &si) < 0)
		return sw_cmd_fail(cx, -ENOENT, 0,
				   "session %u: no such live session (ended sessions are in the "
				   "session log)", a->id);
	sw_emit_label_width(e, 40);
	sw_emit_note(e, "Session %u", si.id);
	sw_emit_sess(e, &si, &sc, SW_SV_LIVE);
	if (si.timer < SW_TO_MAX) {
		sw_emit_str(e, NULL, "why this timer:", sw_timeout_info[si.timer].help);
		if (si.timer == SW_TO_TCPWAIT || si.timer == SW_TO_TCP_HALF_CLOSED ||
		    si.timer == SW_TO_TCP_TIME_WAIT)
			sw_emit_str(e, NULL, "half-close-mode:",
				    sw_half_close_mode_name(conf->half_close_mode));
	}
	emit_timers(e, conf, &si);
	return 0;
}

static int clear_id_step(struct sw_cmd_ctx *cx, void *frame)
{
	struct id_frame *a = frame;

	if (sw_dp_clear(&cx->h->dp, a->id) < 0)
		return sw_cmd_fail(cx, -ENOENT, 0, "session %u: no such live session", a->id);
	sw_emit_u64(cx->e, "cleared", NULL, 1);
	sw_emit_note(cx->e, "session %u cleared", a->id);
	sw_emit_u64(cx->e, "id", NULL, a->id);
	return 0;
}

const struct sw_cmd sw_cmds_session[] = {
	{
		.words = "show session all",
		.help = "list live sessions (filters: source destination source-port "
			"destination-port protocol state service start-at limit count)",
		.what = "filter",
		.modes = SW_MODE_OP,
		.args = show_all_args,
		.frame_size = sizeof(struct list_frame),
		.step = show_all_step,
	},
	{
		.words = "show session id",
		.help = "every field of one live session",
		.modes = SW_MODE_OP,
		.args = show_id_args,
		.frame_size = sizeof(struct id_frame),
		.step = show_id_step,
	},
	{
		.words = "clear session all",
		.help = "end every matching live session (filters: source destination source-port "
			"destination-port protocol state service)",
		.what = "filter",
		.modes = SW_MODE_OP,
		.args = clear_all_args,
		.frame_size = sizeof(struct list_frame),
		.step = clear_all_step,
	},
	{
		.words = "clear session id",
		.help = "end one live session",
		.modes = SW_MODE_OP,
		.args = clear_id_args,
		.frame_size = sizeof(struct id_frame),
		.step = clear_id_step,
	},
	{0},
};
