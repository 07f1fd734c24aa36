/*
 * events.c - the session event stream's backlog and subscribers (events.h):
 * numbering, the bounded backlog, per-subscriber positions with overflow
 * and disconnect, and the two output forms (JSON lines, PAN-OS traffic-log
 * style text).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mgmt/events.h"
#include "util/json.h"
#include "util/sessrec.h"

struct ent {
	uint64_t id;
	uint64_t lost; /* > 0: not an event but a notice that the packet side lost `lost` */
	struct sw_ev_rec r;
};

struct sw_ev_sub {
	struct sw_events *ev;
	struct sw_ev_sub *prev, *next_sub;
	struct sw_filter f;
	int has_filter;
	uint64_t next;         /* id of the next event to look at */
	uint64_t lost_pending; /* an overflow notice to give first */
	unsigned queue;
	int notice_unread; /* an overflow notice has not been read yet */
	int closed;
	int armed; /* nothing was pending at the last read: tell `ready` about the next */
	sw_ev_ready_fn ready;
	void *ctx;
};

struct sw_events {
	struct ent *log;
	uint64_t mask;
	uint64_t last;      /* newest id */
	uint64_t lost_seen; /* packet-side loss already announced */
	struct sw_ev_sub *subs;
	struct sw_events_stats st;
	const struct sw_conf *conf; /* for the live session objects; NULL: log records only */
};

void sw_ev_rec_fill(struct sw_ev_rec *r, const struct sw_event *ev, uint64_t lost_before)
{
	r->si = *ev->si;
	r->ts = ev->ts;
	r->lost_before = lost_before;
	r->type = ev->type;
	r->side = ev->side;
	r->from = ev->from;
	r->to = ev->to;
}

int sw_events_create(struct sw_events **out, unsigned backlog)
{
	struct sw_events *ev;

	*out = NULL;
	if (!backlog)
		backlog = SW_EVENTS_BACKLOG;
	if (backlog & (backlog - 1))
		return -EINVAL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->log = calloc(backlog, sizeof(*ev->log));
	if (!ev->log) {
		free(ev);
		return -ENOMEM;
	}
	ev->mask = backlog - 1;
	*out = ev;
	return 0;
}

static void notify(struct sw_ev_sub *s)
{
	if (s->armed) {
		s->armed = 0;
		if (s->ready)
			s->ready(s->ctx);
	}
}

void sw_events_destroy(struct sw_events *ev)
{
	if (!ev)
		return;
	/* subscribers are closed, not freed: their owners unsubscribe */
	for (struct sw_ev_sub *s = ev->subs; s; s = s->next_sub) {
		s->closed = 1;
		s->ev = NULL;
		notify(s);
	}
	free(ev->log);
	free(ev);
}

static uint64_t oldest(const struct sw_events *ev)
{
	return ev->last > ev->mask ? ev->last - ev->mask : 1;
}

static int wants(const struct sw_ev_sub *s, const struct ent *e)
{
	return e->lost || !s->has_filter || sw_filter_match(&s->f, &e->r.si);
}

static void append(struct sw_events *ev, const struct ent *e)
{
	struct ent *slot = &ev->log[e->id & ev->mask];

	*slot = *e;
	for (struct sw_ev_sub *s = ev->subs; s; s = s->next_sub) {
		if (s->closed)
			continue;
		if (s->next == e->id && !s->lost_pending && !wants(s, e)) {
			s->next++; /* caught up and not interested: stays caught up */
			continue;
		}
		if (e->id + 1 - s->next > s->queue) {
			if (s->notice_unread) {
				s->closed = 1; /* still behind after its notice */
				ev->st.closed++;
			} else {
				s->lost_pending += e->id + 1 - s->next;
				s->next = e->id + 1;
				s->notice_unread = 1;
				ev->st.overflows++;
			}
		}
		notify(s);
	}
}

void sw_events_publish(struct sw_events *ev, const struct sw_ev_rec *r)
{
	struct ent e;

	if (r->lost_before > ev->lost_seen) {
		memset(&e, 0, sizeof(e));
		e.id = ++ev->last;
		e.lost = r->lost_before - ev->lost_seen;
		ev->st.lost_ring += e.lost;
		ev->lost_seen = r->lost_before;
		append(ev, &e);
	}
	e.id = ++ev->last;
	e.lost = 0;
	e.r = *r;
	ev->st.published++;
	append(ev, &e);
}

void sw_events_set_conf(struct sw_events *ev, const struct sw_conf *conf)
{
	ev->conf = conf;
}

uint64_t sw_events_last_id(const struct sw_events *ev)
{
	return ev->last;
}

void sw_events_stats(const struct sw_events *ev, struct sw_events_stats *st)
{
	*st = ev->st;
	st->subscribers = 0;
	for (const struct sw_ev_sub *s = ev->subs; s; s = s->next_sub)
		st->subscribers++;
}

struct sw_ev_sub *sw_events_subscribe(struct sw_events *ev, const struct sw_filter *filter,
				      uint64_t after, unsigned queue, sw_ev_ready_fn ready,
				      void *ctx)
{
	struct sw_ev_sub *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ev = ev;
	if (filter) {
		s->f = *filter;
		s->has_filter = 1;
	}
	if (!queue)
		queue = SW_EV_QUEUE;
	if (queue > ev->mask + 1)
		queue = (unsigned)(ev->mask + 1);
	s->queue = queue;
	s->ready = ready;
	s->ctx = ctx;
	if (!after || after >= ev->last) {
		s->next = ev->last + 1;
	} else if (after + 1 < oldest(ev)) {
		s->lost_pending = oldest(ev) - (after + 1);
		s->next = oldest(ev);
	} else {
		s->next = after + 1;
	}
	if (ev->last + 1 - s->next > queue) { /* resuming further back than it may be behind */
		s->lost_pending += ev->last + 1 - queue - s->next;
		s->next = ev->last + 1 - queue;
	}
	s->armed = !sw_ev_pending(s);
	s->next_sub = ev->subs;
	if (ev->subs)
		ev->subs->prev = s;
	ev->subs = s;
	return s;
}

void sw_ev_unsubscribe(struct sw_ev_sub *s)
{
	if (!s)
		return;
	if (s->ev) {
		if (s->prev)
			s->prev->next_sub = s->next_sub;
		else
			s->ev->subs = s->next_sub;
		if (s->next_sub)
			s->next_sub->prev = s->prev;
	}
	free(s);
}

int sw_ev_pending(const struct sw_ev_sub *s)
{
	return s->closed || s->lost_pending || (s->ev && s->next <= s->ev->last);
}

uint64_t sw_ev_overflow_pending(const struct sw_ev_sub *s)
{
	return s->lost_pending;
}

int sw_ev_closed(const struct sw_ev_sub *s)
{
	return s->closed;
}

/* ---- output ---------------------------------------------------------------- */

static const char *timer_name(unsigned t)
{
	return t < SW_TO_MAX ? sw_timeout_name(t) : NULL;
}

/*
 * {"id":N,"event":E,"ts":T, what the event adds, "session":{...}}: the
 * session object is the REST one (SW_SV_LIVE, remaining time at the event)
 * while it lives and the session-log record (SW_SV_LOG) at its end.
 */
static void event_json(const struct sw_events *ev, struct sw_buf *b, uint64_t id,
		       const struct sw_ev_rec *r)
{
	struct sw_jw w;
	struct sw_sess_ctx cx = {.conf = ev ? ev->conf : NULL, .now = r->ts};
	int ended = r->type == SW_EV_END || r->type == SW_EV_LATE;

	sw_jw_init_buf(&w, b);
	sw_jw_obj(&w);
	sw_jw_ku64(&w, "id", id);
	sw_jw_kstr(&w, "event", sw_event_name(r->type));
	sw_jw_key(&w, "ts");
	sw_jw_time(&w, r->ts);
	switch (r->type) {
	case SW_EV_HALF_CLOSE:
		sw_jw_kstr(&w, "side", r->side ? "server" : "client");
		break;
	case SW_EV_TIMER:
		sw_jw_kstr(&w, "from", timer_name(r->from));
		sw_jw_kstr(&w, "to", timer_name(r->to));
		break;
	case SW_EV_END:
		sw_jw_kstr(&w, "reason", sw_end_name(r->si.end_reason));
		sw_jw_kstr(&w, "timer", timer_name(r->si.timer));
		sw_jw_ku64(&w, "late_pkts", r->si.late_pkts);
		break;
	case SW_EV_LATE:
		sw_jw_ku64(&w, "late_pkts", r->si.late_pkts);
		break;
	default:
		break;
	}
	sw_jw_key(&w, "session");
	sw_sess_write(&w, &r->si, &cx, ended || !cx.conf ? SW_SV_LOG : SW_SV_LIVE);
	sw_jw_obj_end(&w);
}

/*
 * PAN-OS traffic-log style (comma-separated, like a syslog TRAFFIC entry):
 * time,TRAFFIC,event,event id,session id,source,destination,source port,
 * destination port,protocol,detail,timer,packets sent,packets received,
 * bytes sent,bytes received,late packets
 */
static void event_text(struct sw_buf *b, uint64_t id, const struct sw_ev_rec *r)
{
	char a[SW_ADDRSTRLEN], c[SW_ADDRSTRLEN], pb[16], tb[32];
	time_t secs = (time_t)(r->ts / SW_NS_PER_SEC);
	struct tm tm;
	const char *detail = "", *timer = timer_name(r->si.timer);

	gmtime_r(&secs, &tm);
	strftime(tb, sizeof(tb), "%Y/%m/%d %H:%M:%S", &tm);
	switch (r->type) {
	case SW_EV_HALF_CLOSE: detail = r->side ? "fin-from-server" : "fin-from-client"; break;
	case SW_EV_TIMER:
		detail = timer_name(r->from) ? timer_name(r->from) : "none";
		timer = timer_name(r->to);
		break;
	case SW_EV_END: detail = sw_end_name(r->si.end_reason); break;
	default: detail = sw_sess_state_name(&r->si); break;
	}
	sw_buf_printf(b, "%s,TRAFFIC,%s,%llu,%u,%s,%s,%u,%u,%s,%s,%s,%llu,%llu,%llu,%llu,%llu", tb,
		      sw_event_name(r->type), (unsigned long long)id, r->si.id,
		      sw_addr_str(&r->si.orig_h, a), sw_addr_str(&r->si.resp_h, c), r->si.orig_p,
		      r->si.resp_p, sw_proto_name(r->si.proto, pb, sizeof(pb)), detail,
		      timer ? timer : "none", (unsigned long long)r->si.pkts[0],
		      (unsigned long long)r->si.pkts[1], (unsigned long long)r->si.ip_bytes[0],
		      (unsigned long long)r->si.ip_bytes[1], (unsigned long long)r->si.late_pkts);
}

static void overflow(struct sw_buf *b, enum sw_ev_format fmt, uint64_t lost)
{
	if (fmt == SW_EV_TEXT)
		sw_buf_printf(b, "overflow: %llu events lost", (unsigned long long)lost);
	else
		sw_buf_printf(b, "{\"event\":\"overflow\",\"lost\":%llu}", (unsigned long long)lost);
}

int sw_ev_next(struct sw_ev_sub *s, enum sw_ev_format fmt, struct sw_buf *out, uint64_t *id)
{
	if (s->lost_pending) {
		overflow(out, fmt, s->lost_pending);
		*id = s->next - 1;
		s->lost_pending = 0;
		s->notice_unread = 0;
		return 1;
	}
	if (s->closed)
		return -EPIPE;
	while (s->next <= s->ev->last) {
		const struct ent *e = &s->ev->log[s->next & s->ev->mask];
		s->next++;
		if (!wants(s, e))
			continue;
		*id = e->id;
		if (e->lost)
			overflow(out, fmt, e->lost);
		else if (fmt == SW_EV_TEXT)
			event_text(out, e->id, &e->r);
		else
			event_json(s->ev, out, e->id, &e->r);
		return 1;
	}
	s->armed = 1;
	return 0;
}
