/*
 * ep_events.c - GET /api/v1/events: the session event stream (mgmt/events.h)
 * as Server-Sent Events.
 *
 *   id: 42
 *   data: {"event":"end","id":7,...}
 *
 * Query parameters filter as GET /api/v1/sessions does (source, destination,
 * source_port, destination_port, protocol, state).  A client resumes with
 * the Last-Event-ID header (EventSource sends it by itself on reconnecting)
 * or ?last_event_id=N: the events still in the daemon's backlog come first,
 * an overflow event says how many are gone.  A subscriber that falls behind
 * gets {"event":"overflow","lost":N} and continues with the newest events;
 * if it stays behind it is disconnected (events.h).  An idle stream gets a
 * comment line every HEARTBEAT_S so that dead clients are noticed.  The
 * credentials it was opened with are checked again every second: logout,
 * session expiry or a revoked API key end the stream.
 *
 * The response is produced by a content reader: when the subscriber has
 * nothing to read the connection is suspended; the event stream's ready
 * callback resumes it.  Each stream holds at most OUT_MAX bytes of output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http-int.h"
#include "mgmt/events.h"
#include "util/clock.h"

/* Forget a credential (not optimised away). */
static void cred_forget(char *p, size_t n)
{
	volatile char *v = p;

	while (n--)
		*v++ = 0;
}

#define STREAMS_MAX 64
#define HEARTBEAT_S 15
#define OUT_MAX (32 * 1024)
#define EVENTS_PER_FILL 64

struct sse {
	struct sw_http *x;
	struct MHD_Connection *conn;
	struct sw_ev_sub *sub;
	struct sw_buf out, line;
	size_t off;
	int suspended, ending, heartbeat;
	int64_t last_write_ns, last_auth_ns;
	/* the credentials it was opened with, checked again every second */
	int kind;                                /* enum who_kind */
	char cred[SW_AUTH_TOKEN_HEX + 260];      /* session token or API key */
	struct sse *prev, *next;
};

static void sse_resume(struct sse *s)
{
	if (s->suspended) {
		s->suspended = 0;
		MHD_resume_connection(s->conn);
		s->x->resumed++;
	}
}

static void on_ready(void *ctx)
{
	sse_resume(ctx);
}

/* Refill the output from the subscription (called when it is empty). */
static void fill(struct sse *s)
{
	s->out.len = 0;
	s->off = 0;
	if (s->out.p)
		s->out.p[0] = '\0';
	if (s->heartbeat) {
		sw_buf_puts(&s->out, ": keepalive\n\n");
		s->heartbeat = 0;
	}
	for (int i = 0; i < EVENTS_PER_FILL && s->out.len < OUT_MAX && !s->ending; i++) {
		uint64_t id = 0;
		int rc;
		s->line.len = 0;
		rc = sw_ev_next(s->sub, SW_EV_JSON, &s->line, &id);
		if (rc == 1)
			sw_buf_printf(&s->out, "id: %llu\ndata: %.*s\n\n", (unsigned long long)id,
				      (int)s->line.len, s->line.p ? s->line.p : "");
		else if (rc == -EPIPE)
			s->ending = 1;
		else
			break;
	}
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *s = cls;
	size_t n;

	(void)pos;
	if (s->off >= s->out.len)
		fill(s);
	if (s->off < s->out.len) {
		n = s->out.len - s->off;
		if (n > max)
			n = max;
		memcpy(buf, s->out.p + s->off, n);
		s->off += n;
		s->last_write_ns = sw_mono_ns();
		return (ssize_t)n;
	}
	if (s->ending || s->out.oom)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* nothing to say: wait for the stream's ready callback (or a heartbeat) */
	MHD_suspend_connection(s->conn);
	s->suspended = 1;
	return 0;
}

static void sse_free(void *cls)
{
	struct sse *s = cls;
	struct sw_http *x = s->x;

	sw_ev_unsubscribe(s->sub);
	if (s->prev)
		s->prev->next = s->next;
	else
		x->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	x->nstreams--;
	sw_buf_free(&s->out);
	sw_buf_free(&s->line);
	cred_forget(s->cred, sizeof(s->cred));
	free(s);
}

/* Still allowed: the session not ended or expired, the key not revoked. */
static int still_allowed(struct sse *s)
{
	char name[SW_AUTH_KEY_NAME_MAX];

	if (s->kind == WHO_SESSION)
		return sw_auth_sess_live(s->x->auth, s->cred, (sw_mono_ns() / SW_NS_PER_SEC));
	return sw_auth_check_key(s->x->auth, s->cred, name, sizeof(name));
}

void http_events_sweep(struct sw_http *x, int64_t now)
{
	for (struct sse *s = x->streams; s; s = s->next) {
		if (!s->ending && now - s->last_auth_ns > SW_NS_PER_SEC) {
			s->last_auth_ns = now;
			if (!still_allowed(s)) {
				s->ending = 1; /* logged out, expired or revoked: the stream ends */
				sse_resume(s);
			}
		}
		if (s->suspended && now - s->last_write_ns > (int64_t)HEARTBEAT_S * SW_NS_PER_SEC) {
			s->heartbeat = 1;
			sse_resume(s);
		}
	}
}

void http_events_end_all(struct sw_http *x)
{
	for (struct sse *s = x->streams; s; s = s->next) {
		s->ending = 1;
		sse_resume(s);
	}
}

/* Query parameters: the filter as sw_filter_parse's words, and last_event_id. */
#define EQ_MAX 12
struct equery {
	char *argv[2 * EQ_MAX];
	int argc;
	char err[256], field[96];
	int bad;
	long long last_id;
};

static enum MHD_Result event_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct equery *q = cls;
	char *kw, *p;

	(void)kind;
	http_utf8_clean(q->field, sizeof(q->field), key);
	if (strcmp(key, "last_event_id") == 0) {
		char *end;
		q->last_id = value ? strtoll(value, &end, 10) : -1;
		if (!value || !*value || *end || q->last_id < 0) {
			snprintf(q->err, sizeof(q->err), "last_event_id: expected an event id (0 or more)");
			q->bad = 1;
			return MHD_NO;
		}
		return MHD_YES;
	}
	if (!http_filter_name(key)) {
		snprintf(q->err, sizeof(q->err),
			 "unknown query parameter '%.64s' (known: source destination source_port "
			 "destination_port protocol state service last_event_id)",
			 q->field);
		q->bad = 1;
		return MHD_NO;
	}
	if (q->argc >= 2 * EQ_MAX || !value || !(kw = strdup(key))) {
		snprintf(q->err, sizeof(q->err), "%s: missing value, or too many parameters", key);
		q->bad = 1;
		return MHD_NO;
	}
	/* the filter's keyword for the JSON name (source_port -> source-port); the value is one word */
	for (p = kw; *p; p++)
		if (*p == '_')
			*p = '-';
	q->argv[q->argc++] = kw;
	if (!(q->argv[q->argc++] = strdup(value))) {
		snprintf(q->err, sizeof(q->err), "out of memory");
		q->bad = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

void ep_events(struct req *r)
{
	struct sw_http *x = r->x;
	struct equery q = {.argc = 0};
	struct sw_filter f;
	const char *lei = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");
	char err[256];
	struct MHD_Response *resp;
	struct sse *s;

	if (!x->h->events) {
		http_set_error(r, 503, "this daemon has no event stream");
		return;
	}
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, event_arg, &q);
	if (q.bad) {
		http_set_field_error(r, 400, q.field, "%s", q.err);
		goto out;
	}
	if (lei && !q.last_id) {
		char *end;
		q.last_id = strtoll(lei, &end, 10);
		if (!*lei || *end || q.last_id < 0) {
			http_set_field_error(r, 400, "Last-Event-ID", "Last-Event-ID: expected an event id");
			goto out;
		}
	}
	memset(&f, 0, sizeof(f));
	if (sw_filter_parse(&f, q.argv, q.argc, err, sizeof(err)) < 0) {
		http_set_error(r, 400, "%s", err);
		goto out;
	}
	if (x->nstreams >= STREAMS_MAX) {
		r->retry_after = 5;
		http_set_error(r, 503, "too many event streams (%d): retry later", STREAMS_MAX);
		goto out;
	}
	if (!(s = calloc(1, sizeof(*s)))) {
		http_set_error(r, 503, "out of memory");
		goto out;
	}
	s->x = x;
	s->conn = r->conn;
	s->last_write_ns = s->last_auth_ns = sw_mono_ns();
	s->kind = r->who.kind;
	if (s->kind == WHO_SESSION) {
		const char *t = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, HTTP_COOKIE);
		snprintf(s->cred, sizeof(s->cred), "%s", t ? t : "");
	} else {
		const char *k = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
		k = k && strlen(k) > 7 ? k + 7 : "";
		while (*k == ' ')
			k++;
		snprintf(s->cred, sizeof(s->cred), "%s", k);
	}
	s->sub = sw_events_subscribe(x->h->events, q.argc ? &f : NULL, (uint64_t)q.last_id, 0, on_ready, s);
	resp = s->sub ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, s, sse_free)
		      : NULL;
	if (!resp) {
		sw_ev_unsubscribe(s->sub);
		free(s);
		http_set_error(r, 503, "out of memory");
		goto out;
	}
	s->next = x->streams;
	if (x->streams)
		x->streams->prev = s;
	x->streams = s;
	x->nstreams++;
	x->streams_opened++;
	/* a comment first, so the client sees the stream open at once */
	sw_buf_puts(&s->out, ": statewall events\n\n");
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	http_add_common_headers(resp, 1);
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	MHD_add_response_header(resp, "Connection", "close"); /* the stream's end is the connection's */
	r->queued = MHD_queue_response(r->conn, MHD_HTTP_OK, resp) == MHD_YES ? 1 : -1;
	MHD_destroy_response(resp);
out:
	for (int i = 0; i < q.argc; i++)
		free(q.argv[i]);
}
