/*
 * http.c - web UI, REST API (/api/v1/), OpenAPI description and Prometheus
 * metrics, served by libmicrohttpd from the daemon's poll loop (http.h).
 *
 * Request life:
 *   1. MHD_run() (from sw_http_service) reads a request and calls
 *      on_request(); the body is collected (at most BODY_MAX bytes);
 *   2. authentication (auth.h): an API key (Authorization: Bearer swk_...)
 *      or the session cookie; with the cookie, every change needs the
 *      session's CSRF token in X-CSRF-Token (and a same-origin Origin);
 *   3. the endpoint turns the request into registry command lines (the same
 *      ones the CLI types: `show session all filter ...`, `clear session id
 *      N`, `configure` / `set ...` / `commit`), output in JSON; the
 *      connection is suspended and the lines run in bounded steps from
 *      sw_http_service, oldest request first, for at most STEP_SLICE_NS per
 *      call (then the daemon's loop goes back to the packets); when the last
 *      step is done the JSON response is built and the connection resumed
 *      (its answer is written at the next wakeup);
 *   4. logins: the password check runs on auth.c's thread; the connection
 *      waits suspended until its result arrives on an eventfd.
 *
 * Nothing here lists, clears or commits by itself: the registry does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf-int.h"
#include "http/auth.h"
#include "http/http.h"
#include "mgmt/mgmt.h"
#include "http/rest.h"

#define BODY_MAX (64 * 1024)
#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define CLEAR_IDS_MAX 1000
#define SET_MAX 64
#define COOKIE "sw_session"
#define CONN_LIMIT 1024
#define STEP_SLICE_NS (250 * 1000LL) /* registry steps per sw_http_service call */

struct op {
	char *line;        /* a registry command line; NULL: validate the candidate */
	char *field;       /* the setting this line sets (error attribution), or NULL */
	int when;          /* enum op_when */
	int rc;            /* SW_CALL_DONE / SW_CALL_ERROR, -2 not run */
	struct sw_buf out; /* its JSON output */
	char err[768];
};

/* When an op runs, given the ops before it. */
enum op_when {
	OP_NORMAL,  /* unless an earlier op failed (and the job does not keep going) */
	OP_ALWAYS,  /* in any case (`exit`) */
	OP_IF_CLEAN /* only if every earlier op succeeded (validate, commit) */
};

struct req;
typedef void (*finish_fn)(struct req *r);

struct job {
	struct sw_mgmt_sess ms; /* this request's management session (mode, candidate) */
	struct op *ops;
	unsigned nops, i;
	int failed;             /* an op failed: the rest are skipped unless `always` */
	int keep_going;         /* run every op even after errors (field validation, clears) */
	struct sw_mgmt_call *call;
	finish_fn finish;
};

enum { M_GET, M_HEAD, M_POST, M_DELETE, M_PUT, M_OTHER };

struct req {
	struct sw_http *x;
	struct MHD_Connection *conn;
	struct req *prev, *next; /* x->running: requests with a job or a login pending */
	int method;
	struct sw_buf body;
	int too_big;
	int suspended;
	int login_pending;
	/* who */
	unsigned char addr[16];
	size_t alen;
	char who[80];
	/* the response, once decided */
	int status;
	struct sw_buf resp;
	const char *ctype;
	char cookie[200];
	int retry_after;
	int ready;
	/* running */
	struct job *job;
	uint32_t id; /* sessions/{id} */
};

struct sw_http {
	struct MHD_Daemon *d;
	struct sw_mgmt_host *h;
	struct sw_auth *auth;
	int epfd;
	int tls, quiet;
	char url[128];
	char *cert, *key;
	struct req *running; /* list */
	int resumed;         /* connections resumed since the last MHD_run */
	int64_t last_run_ns;
	uint64_t broken, broken_half_closed, broken_late_pkts;
	uint64_t requests, logins_failed;
	/* how long sw_http_service held the data-path thread */
	uint64_t svc_calls, svc_hist[8];
	int64_t svc_ns_total, svc_ns_max;
};

/* upper bounds of the service-time histogram, ns (the last bucket is +Inf) */
static const int64_t svc_le[7] = {100000, 250000, 500000, 1000000, 2000000, 5000000, 10000000};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SW_NS_PER_SEC + ts.tv_nsec;
}

static int64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* ------------------------------------------------------------------------ */
/* responses                                                                */

static void set_json(struct req *r, int status, struct sw_buf *b)
{
	sw_buf_free(&r->resp);
	r->resp = *b;
	memset(b, 0, sizeof(*b));
	r->status = status;
	r->ctype = "application/json";
	r->ready = 1;
}

static void set_error(struct req *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_error(struct req *r, int status, const char *fmt, ...)
{
	struct sw_buf b = {0};
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sw_buf_puts(&b, "{\"error\":");
	sw_buf_json_str(&b, msg);
	sw_buf_printf(&b, ",\"status\":%d}\n", status);
	set_json(r, status, &b);
}

static void add_common_headers(struct MHD_Response *resp, int api)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; style-src 'self'; "
				"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
				"base-uri 'none'; form-action 'self'");
	MHD_add_response_header(resp, "Cache-Control", api ? "no-store" : "no-cache");
}

static enum MHD_Result send_ready(struct req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len = r->resp.len;
	char *p = r->resp.p;

	if (r->resp.oom) {
		sw_buf_free(&r->resp);
		p = NULL;
		len = 0;
		r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	if (p) {
		resp = MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE);
		memset(&r->resp, 0, sizeof(r->resp));
	} else {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!resp)
		return MHD_NO;
	if (r->ctype)
		MHD_add_response_header(resp, "Content-Type", r->ctype);
	add_common_headers(resp, 1);
	if (r->cookie[0])
		MHD_add_response_header(resp, "Set-Cookie", r->cookie);
	if (r->retry_after > 0) {
		char v[16];
		snprintf(v, sizeof(v), "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", v);
	}
	if (r->status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"statewall\"");
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* jobs: registry lines run in steps                                        */

static void job_free(struct job *j)
{
	if (!j)
		return;
	sw_mgmt_call_free(j->call);
	for (unsigned i = 0; i < j->nops; i++) {
		free(j->ops[i].line);
		free(j->ops[i].field);
		sw_buf_free(&j->ops[i].out);
	}
	free(j->ops);
	sw_mgmt_sess_free(&j->ms);
	free(j);
}

static struct job *job_new(finish_fn fin)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	sw_mgmt_sess_init(&j->ms);
	j->finish = fin;
	return j;
}

/* Append an op; line NULL = validate the candidate. -1 without memory. */
static int job_add(struct job *j, const char *line, const char *field, int when)
{
	struct op *n = realloc(j->ops, (j->nops + 1) * sizeof(*n));

	if (!n)
		return -1;
	j->ops = n;
	memset(&n[j->nops], 0, sizeof(n[0]));
	n[j->nops].rc = -2;
	n[j->nops].when = when;
	if ((line && !(n[j->nops].line = strdup(line))) || (field && !(n[j->nops].field = strdup(field))))
		return -1;
	j->nops++;
	return 0;
}

/* Append: steps go oldest first, so a stream of new requests cannot starve old ones. */
static void running_add(struct sw_http *x, struct req *r)
{
	struct req *t = x->running;

	r->next = NULL;
	if (!t) {
		r->prev = NULL;
		x->running = r;
		return;
	}
	while (t->next)
		t = t->next;
	t->next = r;
	r->prev = t;
}

static void running_del(struct sw_http *x, struct req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else if (x->running == r)
		x->running = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
}

static void req_suspend(struct req *r)
{
	if (!r->suspended) {
		MHD_suspend_connection(r->conn);
		r->suspended = 1;
	}
}

static void req_resume(struct req *r)
{
	if (r->suspended) {
		r->suspended = 0;
		MHD_resume_connection(r->conn);
		r->x->resumed++;
	}
}

/* Queue r's job; the connection waits suspended. */
static void start_job(struct req *r, struct job *j)
{
	r->job = j;
	running_add(r->x, r);
	req_suspend(r);
}

/* One step of r's job: 1 if it progressed and has more, 0 when finished. */
static int job_step(struct req *r)
{
	struct job *j = r->job;
	struct sw_http *x = r->x;

	while (j->i < j->nops) {
		struct op *o = &j->ops[j->i];
		if (j->failed && (o->when == OP_IF_CLEAN || (o->when == OP_NORMAL && !j->keep_going))) {
			j->i++;
			continue;
		}
		if (!o->line) { /* validate the candidate, as commit will */
			if (!j->ms.cand) {
				o->rc = SW_CALL_ERROR;
				snprintf(o->err, sizeof(o->err), "no candidate configuration");
			} else if (sw_conf_validate(j->ms.cand, o->err, sizeof(o->err)) < 0) {
				o->rc = SW_CALL_ERROR;
			} else {
				o->rc = SW_CALL_DONE;
			}
			if (o->rc == SW_CALL_ERROR)
				j->failed = 1;
			j->i++;
			return 1;
		}
		if (!j->call) {
			j->call = sw_mgmt_call_start(x->h, &j->ms, o->line, 1, &o->out);
			if (!j->call) {
				o->rc = SW_CALL_ERROR;
				snprintf(o->err, sizeof(o->err), "out of memory");
				j->failed = 1;
				j->i++;
				continue;
			}
		}
		int rc = sw_mgmt_call_step(j->call);
		if (rc == SW_CALL_MORE)
			return 1;
		o->rc = rc;
		if (rc == SW_CALL_ERROR) {
			const char *e = sw_mgmt_call_error(j->call);
			snprintf(o->err, sizeof(o->err), "%s", e && *e ? e : "failed");
			j->failed = 1;
		}
		sw_mgmt_call_free(j->call);
		j->call = NULL;
		j->i++;
		return 1;
	}
	return 0;
}

static void job_finish(struct req *r)
{
	struct job *j = r->job;

	j->finish(r);
	if (!r->ready)
		set_error(r, 500, "internal error: no response");
	job_free(j);
	r->job = NULL;
	running_del(r->x, r);
	req_resume(r);
}

/* ------------------------------------------------------------------------ */
/* finishers                                                                */

/* The first op's output as the body, or its error (404 for an unknown session). */
static void fin_passthrough(struct req *r)
{
	struct op *o = &r->job->ops[0];

	if (o->rc == SW_CALL_DONE)
		set_json(r, 200, &o->out);
	else if (strstr(o->err, "no such live session"))
		set_error(r, 404, "%s", o->err);
	else
		set_error(r, 400, "%s", o->err);
}

/* show session info + the broken-session counts kept here */
static void fin_info(struct req *r)
{
	struct op *o = &r->job->ops[0];
	struct sw_http *x = r->x;

	if (o->rc != SW_CALL_DONE) {
		set_error(r, 500, "%s", o->err);
		return;
	}
	/* the registry's object, with three members added before its closing brace */
	while (o->out.len && (o->out.p[o->out.len - 1] == '\n' || o->out.p[o->out.len - 1] == ' '))
		o->out.len--;
	if (!o->out.len || o->out.p[o->out.len - 1] != '}') {
		set_error(r, 500, "unexpected output from show session info");
		return;
	}
	o->out.len--;
	o->out.p[o->out.len] = '\0';
	sw_buf_printf(&o->out,
		      ",\"broken_sessions\":%llu,\"broken_half_closed_sessions\":%llu,"
		      "\"broken_late_packets\":%llu}\n",
		      (unsigned long long)x->broken, (unsigned long long)x->broken_half_closed,
		      (unsigned long long)x->broken_late_pkts);
	set_json(r, 200, &o->out);
}

static void fin_clear(struct req *r)
{
	struct job *j = r->job;
	struct sw_buf b = {0};
	unsigned long long cleared = 0;
	int nf = 0;

	for (unsigned i = 0; i < j->nops; i++) {
		struct op *o = &j->ops[i];
		if (o->rc == SW_CALL_DONE)
			cleared += (unsigned long long)sw_json_get_int(o->out.p ? o->out.p : "{}",
								       "cleared", 0);
		else if (!strstr(o->err, "no such live session")) {
			set_error(r, 400, "%s", o->err);
			return;
		}
	}
	sw_buf_printf(&b, "{\"cleared\":%llu,\"not_found\":[", cleared);
	for (unsigned i = 0; i < j->nops; i++) {
		struct op *o = &j->ops[i];
		unsigned id;
		if (o->rc != SW_CALL_DONE && sscanf(o->line, "clear session id %u", &id) == 1)
			sw_buf_printf(&b, "%s%u", nf++ ? "," : "", id);
	}
	sw_buf_puts(&b, "]}\n");
	if (j->nops == 1 && nf == 1 && r->id) {
		sw_buf_free(&b);
		set_error(r, 404, "%s", j->ops[0].err);
		return;
	}
	set_json(r, 200, &b);
}

/* "candidate:3: token 'x': what (not applied; ...)" -> "token 'x': what" */
static const char *clean_msg(char *m)
{
	char *p = m, *q;
	int ln, off = 0;

	if (sscanf(p, "candidate:%d:%n", &ln, &off) == 1 && off > 0)
		p += off;
	while (*p == ' ')
		p++;
	if ((q = strstr(p, " (not applied; the candidate is unchanged)")))
		*q = '\0';
	return p;
}

/* Which submitted setting a cross-setting message is about: the first one it names. */
static const char *guess_field(struct job *j, const char *msg)
{
	const char *best = NULL, *bp = NULL;

	for (unsigned i = 0; i < j->nops; i++) {
		const char *f = j->ops[i].field, *at;
		if (!f || !(at = strstr(msg, f)))
			continue;
		if (!bp || at < bp) {
			best = f;
			bp = at;
		}
	}
	return best;
}

/* validate / commit: errors per field, or the commit's own answer */
static void fin_config(struct req *r, int commit)
{
	struct job *j = r->job;
	struct sw_buf b = {0};
	int nerr = 0;
	struct op *commit_op = NULL;

	sw_buf_puts(&b, "{\"errors\":[");
	for (unsigned i = 0; i < j->nops; i++) {
		struct op *o = &j->ops[i];
		if (o->line && strcmp(o->line, "commit") == 0)
			commit_op = o;
		if (o->rc != SW_CALL_ERROR || (o->line && strcmp(o->line, "exit") == 0))
			continue;
		const char *msg = clean_msg(o->err);
		const char *field = o->field ? o->field : guess_field(j, msg);
		sw_buf_puts(&b, nerr++ ? ",{\"field\":" : "{\"field\":");
		if (field)
			sw_buf_json_str(&b, field);
		else
			sw_buf_puts(&b, "null");
		sw_buf_puts(&b, ",\"line\":");
		if (o->line)
			sw_buf_json_str(&b, o->line);
		else
			sw_buf_puts(&b, "null");
		sw_buf_puts(&b, ",\"message\":");
		sw_buf_json_str(&b, msg);
		sw_buf_puts(&b, "}");
	}
	if (nerr) {
		sw_buf_printf(&b, "],\"valid\":false%s,\"error\":\"%d setting%s refused; nothing "
				  "changed\"}\n",
			      commit ? ",\"committed\":false" : "", nerr, nerr == 1 ? "" : "s");
		set_json(r, 422, &b);
		return;
	}
	sw_buf_free(&b);
	if (commit && commit_op && commit_op->rc == SW_CALL_DONE) {
		/* {"committed":true,...} from the registry, plus "valid":true */
		struct sw_buf o = {0};
		sw_buf_puts(&o, "{\"valid\":true,");
		const char *p = commit_op->out.p ? commit_op->out.p : "{}";
		sw_buf_puts(&o, *p == '{' ? p + 1 : "}");
		set_json(r, 200, &o);
		return;
	}
	sw_buf_puts(&b, commit ? "{\"valid\":true,\"committed\":false}\n" : "{\"valid\":true,\"errors\":[]}\n");
	set_json(r, 200, &b);
}

static void fin_validate(struct req *r)
{
	fin_config(r, 0);
}

static void fin_commit(struct req *r)
{
	fin_config(r, 1);
}

/* GET /api/v1/config: running lines (registry) + the settings schema and values */
static void fin_config_get(struct req *r)
{
	struct op *o = &r->job->ops[0];
	const struct sw_conf *conf = sw_dp_conf(&r->x->h->dp);
	struct sw_buf b = {0};

	if (o->rc != SW_CALL_DONE) {
		set_error(r, 500, "%s", o->err);
		return;
	}
	sw_buf_puts(&b, "{\"running\":");
	while (o->out.len && o->out.p[o->out.len - 1] == '\n')
		o->out.p[--o->out.len] = '\0';
	sw_buf_puts(&b, o->out.p ? o->out.p : "null");
	sw_buf_puts(&b, ",\"timeouts\":[");
	for (unsigned t = 0; t < SW_TO_MAX; t++) {
		const struct sw_timeout_info *ti = &sw_timeout_info[t];
		sw_buf_puts(&b, t ? ",{\"name\":" : "{\"name\":");
		sw_buf_json_str(&b, ti->name);
		sw_buf_puts(&b, ",\"label\":");
		sw_buf_json_str(&b, ti->label);
		sw_buf_printf(&b, ",\"value\":%u,\"default\":%u,\"min\":%u,\"max\":%u,\"unit\":\"seconds\","
				  "\"help\":",
			      conf->timeout[t], ti->def, ti->min, ti->max);
		sw_buf_json_str(&b, ti->help);
		sw_buf_puts(&b, "}");
	}
	sw_buf_puts(&b, "],\"settings\":[");
	int first = 1;
	for (unsigned i = 0; i < swc_nsettings; i++) {
		const struct swc_setting *s = &swc_settings[i];
		if (strncmp(s->name, "timeout-", 8) == 0)
			continue; /* the timeouts above */
		uint32_t v = swc_get(conf, s);
		sw_buf_puts(&b, first ? "{\"name\":" : ",{\"name\":");
		first = 0;
		sw_buf_json_str(&b, s->name);
		if (s->kind == SWC_WORD) {
			sw_buf_puts(&b, ",\"type\":\"choice\",\"value\":");
			sw_buf_json_str(&b, s->words[v]);
			sw_buf_puts(&b, ",\"default\":");
			sw_buf_json_str(&b, s->words[s->def]);
			sw_buf_puts(&b, ",\"choices\":[");
			for (unsigned w = 0; s->words[w]; w++) {
				if (w)
					sw_buf_puts(&b, ",");
				sw_buf_json_str(&b, s->words[w]);
			}
			sw_buf_puts(&b, "]");
		} else {
			sw_buf_printf(&b, ",\"type\":\"integer\",\"value\":%u,\"default\":%u,\"min\":%u,"
					  "\"max\":%u,\"unit\":",
				      v, s->def, s->min, s->max);
			sw_buf_json_str(&b, s->unit ? s->unit : "");
		}
		sw_buf_puts(&b, ",\"help\":");
		sw_buf_json_str(&b, s->help);
		if (strcmp(s->name, "max-sessions") == 0 || strcmp(s->name, "max-tombstones") == 0)
			sw_buf_puts(&b, ",\"restart_needed\":true");
		sw_buf_puts(&b, "}");
	}
	sw_buf_puts(&b, "]}\n");
	set_json(r, 200, &b);
}

/* ------------------------------------------------------------------------ */
/* request parsing helpers                                                  */

/* A value that may go into a command line as one word. */
static int word_ok(const char *v, size_t max)
{
	size_t n = 0;

	if (!v || !*v)
		return 0;
	for (; *v; v++, n++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
		      *v == '.' || *v == ':' || *v == '/' || *v == '-' || *v == '_'))
			return 0;
	return n <= max;
}

/* REST filter names -> registry filter keywords */
static const struct {
	const char *rest, *kw;
} filter_map[] = {
	{"source", "source"},
	{"destination", "destination"},
	{"source_port", "source-port"},
	{"destination_port", "destination-port"},
	{"protocol", "protocol"},
	{"state", "state"},
};

static const char *filter_kw(const char *name)
{
	for (size_t i = 0; i < sizeof(filter_map) / sizeof(filter_map[0]); i++)
		if (strcmp(filter_map[i].rest, name) == 0)
			return filter_map[i].kw;
	return NULL;
}

struct qctx {
	struct sw_buf line;
	char err[256];
	int bad;
	long limit, start_at;
	int has_limit;
};

static int parse_num(const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	if (!v || !*v)
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (*end || errno || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static enum MHD_Result list_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct qctx *q = cls;
	const char *kw;

	(void)kind;
	if (q->bad)
		return MHD_NO;
	if (strcmp(key, "limit") == 0) {
		if (parse_num(value, 1, LIST_MAX, &q->limit) < 0) {
			snprintf(q->err, sizeof(q->err), "limit: expected an integer from 1 to %d", LIST_MAX);
			q->bad = 1;
		}
		q->has_limit = 1;
		return MHD_YES;
	}
	if (strcmp(key, "start_at") == 0) {
		if (parse_num(value, 1, 4294967295L, &q->start_at) < 0) {
			snprintf(q->err, sizeof(q->err), "start_at: expected a session id (1 or more)");
			q->bad = 1;
		}
		return MHD_YES;
	}
	kw = filter_kw(key);
	if (!kw) {
		snprintf(q->err, sizeof(q->err),
			 "unknown query parameter '%.64s' (known: source destination source_port "
			 "destination_port protocol state start_at limit)",
			 key);
		q->bad = 1;
		return MHD_NO;
	}
	if (!word_ok(value, 64)) {
		snprintf(q->err, sizeof(q->err), "%s: missing or malformed value", key);
		q->bad = 1;
		return MHD_NO;
	}
	sw_buf_printf(&q->line, " %s %s", kw, value);
	return MHD_YES;
}

static enum MHD_Result no_args(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct qctx *q = cls;

	(void)kind;
	(void)value;
	snprintf(q->err, sizeof(q->err), "unknown query parameter '%.64s'", key);
	q->bad = 1;
	return MHD_NO;
}

/* 0 if the request has no query parameters, else an error response is set. */
static int refuse_args(struct req *r)
{
	struct qctx q = {0};

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, no_args, &q);
	if (q.bad) {
		set_error(r, 400, "%s", q.err);
		return -1;
	}
	return 0;
}

/* The body as a JSON object; NULL with an error response set. */
static struct sw_jv *body_object(struct req *r)
{
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
	char e[256];
	struct sw_jv *v;

	if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
		set_error(r, 415, "the body must be JSON (Content-Type: application/json)");
		return NULL;
	}
	if (!r->body.len) {
		set_error(r, 400, "empty body: expected a JSON object");
		return NULL;
	}
	v = sw_jv_parse(r->body.p, r->body.len, e, sizeof(e));
	if (!v) {
		set_error(r, 400, "malformed JSON: %s", e);
		return NULL;
	}
	if (v->type != SW_JOBJ) {
		set_error(r, 400, "expected a JSON object, got %s", sw_jv_type_name(v->type));
		sw_jv_free(v);
		return NULL;
	}
	return v;
}

/* Refuse members of o not in the NULL-terminated list; 0 or -1 (response set). */
static int only_members(struct req *r, const struct sw_jv *o, const char *const *known,
			const char *where)
{
	for (const struct sw_jv *k = o->kid; k; k = k->next) {
		int ok = 0;
		for (unsigned i = 0; known[i]; i++)
			ok |= strcmp(k->key, known[i]) == 0;
		if (!ok) {
			struct sw_buf l = {0};
			for (unsigned i = 0; known[i]; i++)
				sw_buf_printf(&l, "%s%s", i ? ", " : "", known[i]);
			set_error(r, 400, "unknown member \"%.64s\" in %s (known: %s)", k->key, where,
				  l.p ? l.p : "");
			sw_buf_free(&l);
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* endpoints                                                                */

static void ep_simple(struct req *r, const char *line, finish_fn fin)
{
	struct job *j;

	if (refuse_args(r) < 0)
		return;
	j = job_new(fin);
	if (!j || job_add(j, line, NULL, 0) < 0) {
		job_free(j);
		set_error(r, 503, "out of memory");
		return;
	}
	start_job(r, j);
}

/* Read-only endpoints that are one registry command each. */
static const struct {
	const char *path, *line;
	finish_fn fin;
} simple_routes[] = {
	{"session/info", "show session info", fin_info},
	{"counters", "show counter global", fin_passthrough},
	{"interfaces", "show interface", fin_passthrough},
	{"config", "show config running", fin_config_get},
};

static void ep_sessions(struct req *r)
{
	struct qctx q = {.limit = LIST_DEFAULT};
	struct job *j;

	sw_buf_puts(&q.line, "show session all filter");
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, list_arg, &q);
	if (q.bad) {
		set_error(r, 400, "%s", q.err);
		sw_buf_free(&q.line);
		return;
	}
	if (q.start_at)
		sw_buf_printf(&q.line, " start-at %ld", q.start_at);
	sw_buf_printf(&q.line, " limit %ld", q.limit);
	j = job_new(fin_passthrough);
	if (q.line.oom || !j || job_add(j, q.line.p, NULL, 0) < 0) {
		job_free(j);
		sw_buf_free(&q.line);
		set_error(r, 503, "out of memory");
		return;
	}
	sw_buf_free(&q.line);
	start_job(r, j);
}

static void ep_session_id(struct req *r, int clear)
{
	char line[64];
	struct job *j;

	if (refuse_args(r) < 0)
		return;
	snprintf(line, sizeof(line), "%s session id %u", clear ? "clear" : "show", r->id);
	j = job_new(clear ? fin_clear : fin_passthrough);
	if (!j || job_add(j, line, NULL, 0) < 0) {
		job_free(j);
		set_error(r, 503, "out of memory");
		return;
	}
	start_job(r, j);
}

/* POST /api/v1/sessions/clear {"ids":[...]} | {"filter":{...}} */
static void ep_clear(struct req *r)
{
	static const char *const top[] = {"ids", "filter", NULL};
	static const char *const fkeys[] = {"source", "destination", "source_port", "destination_port",
					    "protocol", "state", NULL};
	struct sw_jv *v = body_object(r);
	const struct sw_jv *ids, *filter;
	struct job *j = NULL;
	struct sw_buf line = {0};

	if (!v || refuse_args(r) < 0 || only_members(r, v, top, "the clear request") < 0)
		goto out;
	ids = sw_jv_get(v, "ids");
	filter = sw_jv_get(v, "filter");
	if (!!ids == !!filter) {
		set_error(r, 400, "give exactly one of \"ids\" (an array of session ids) or \"filter\" "
				  "(an object; {} clears every session)");
		goto out;
	}
	j = job_new(fin_clear);
	if (!j)
		goto oom;
	j->keep_going = 1;
	if (ids) {
		if (ids->type != SW_JARR || ids->n == 0 || ids->n > CLEAR_IDS_MAX) {
			set_error(r, 400, "\"ids\" must be an array of 1 to %d session ids", CLEAR_IDS_MAX);
			goto out;
		}
		for (const struct sw_jv *e = ids->kid; e; e = e->next) {
			char l[64];
			if (e->type != SW_JNUM || !e->is_int || e->i < 1 || e->i > 4294967295LL) {
				set_error(r, 400, "\"ids\": every element must be an integer session id "
						  "(1 or more), got %s",
					  e->type == SW_JNUM ? "a number out of range" : sw_jv_type_name(e->type));
				goto out;
			}
			snprintf(l, sizeof(l), "clear session id %lld", (long long)e->i);
			if (job_add(j, l, NULL, 0) < 0)
				goto oom;
		}
	} else {
		if (filter->type != SW_JOBJ) {
			set_error(r, 400, "\"filter\" must be an object, got %s", sw_jv_type_name(filter->type));
			goto out;
		}
		if (only_members(r, filter, fkeys, "\"filter\"") < 0)
			goto out;
		sw_buf_puts(&line, "clear session all");
		if (filter->n)
			sw_buf_puts(&line, " filter");
		for (const struct sw_jv *e = filter->kid; e; e = e->next) {
			char num[24];
			const char *val = e->s;
			if (e->type == SW_JNUM && e->is_int) {
				snprintf(num, sizeof(num), "%lld", (long long)e->i);
				val = num;
			} else if (e->type != SW_JSTR) {
				set_error(r, 400, "\"filter\".%s must be a string or an integer, got %s", e->key,
					  sw_jv_type_name(e->type));
				goto out;
			}
			if (!word_ok(val, 64)) {
				set_error(r, 400, "\"filter\".%s: malformed value", e->key);
				goto out;
			}
			sw_buf_printf(&line, " %s %s", filter_kw(e->key), val);
		}
		if (line.oom || job_add(j, line.p, NULL, 0) < 0)
			goto oom;
	}
	start_job(r, j);
	j = NULL;
	goto out;
oom:
	set_error(r, 503, "out of memory");
out:
	job_free(j);
	sw_buf_free(&line);
	sw_jv_free(v);
}

/* POST /api/v1/config/validate and /commit: {"settings":{NAME:VALUE,...},"lines":["set ..."]} */
static void ep_config(struct req *r, int commit)
{
	static const char *const top[] = {"settings", "lines", NULL};
	struct sw_jv *v = body_object(r);
	const struct sw_jv *settings, *lines;
	struct job *j = NULL;
	unsigned n = 0;

	if (!v || refuse_args(r) < 0 || only_members(r, v, top, "the configuration request") < 0)
		goto out;
	settings = sw_jv_get(v, "settings");
	lines = sw_jv_get(v, "lines");
	if (settings && settings->type != SW_JOBJ) {
		set_error(r, 400, "\"settings\" must be an object of setting names and values, got %s",
			  sw_jv_type_name(settings->type));
		goto out;
	}
	if (lines && lines->type != SW_JARR) {
		set_error(r, 400, "\"lines\" must be an array of strings, got %s",
			  sw_jv_type_name(lines->type));
		goto out;
	}
	n = (settings ? settings->n : 0) + (lines ? lines->n : 0);
	if (n == 0) {
		set_error(r, 400, "nothing to %s: give \"settings\" and/or \"lines\"",
			  commit ? "commit" : "validate");
		goto out;
	}
	if (n > SET_MAX) {
		set_error(r, 400, "at most %d changes per request", SET_MAX);
		goto out;
	}
	j = job_new(commit ? fin_commit : fin_validate);
	if (!j || job_add(j, "configure", NULL, OP_NORMAL) < 0)
		goto oom;
	j->keep_going = 1; /* every field gets its verdict */
	for (const struct sw_jv *e = settings ? settings->kid : NULL; e; e = e->next) {
		int si = swc_setting_find(e->key);
		char line[256], val[32];
		if (si < 0) {
			set_error(r, 400, "\"settings\": unknown setting \"%.64s\" (did you mean %s?)", e->key,
				  swc_settings[swc_setting_closest(e->key)].name);
			goto out;
		}
		const struct swc_setting *s = &swc_settings[si];
		if (s->kind == SWC_U32) {
			if (e->type != SW_JNUM || !e->is_int) {
				set_error(r, 400, "\"settings\".%s must be an integer (%s), got %s", e->key,
					  s->unit ? s->unit : "number",
					  e->type == SW_JNUM ? "a fraction" : sw_jv_type_name(e->type));
				goto out;
			}
			snprintf(val, sizeof(val), "%lld", (long long)e->i);
		} else {
			if (e->type != SW_JSTR) {
				set_error(r, 400, "\"settings\".%s must be a string (one of the choices), got %s",
					  e->key, sw_jv_type_name(e->type));
				goto out;
			}
			if (!word_ok(e->s, 31)) {
				set_error(r, 400, "\"settings\".%s: malformed value", e->key);
				goto out;
			}
			snprintf(val, sizeof(val), "%s", e->s);
		}
		snprintf(line, sizeof(line), "set deviceconfig setting session %s %s", s->name, val);
		if (job_add(j, line, s->name, 0) < 0)
			goto oom;
	}
	for (const struct sw_jv *e = lines ? lines->kid : NULL; e; e = e->next) {
		if (e->type != SW_JSTR) {
			set_error(r, 400, "\"lines\": every element must be a string, got %s",
				  sw_jv_type_name(e->type));
			goto out;
		}
		for (const char *p = e->s; *p; p++)
			if ((unsigned char)*p < 0x20) {
				set_error(r, 400, "\"lines\": one set/delete line per element, without "
						  "control characters");
				goto out;
			}
		if (strncmp(e->s, "set ", 4) != 0 && strncmp(e->s, "delete ", 7) != 0) {
			set_error(r, 400, "\"lines\": each line must be a `set ...` or `delete ...` line");
			goto out;
		}
		if (strlen(e->s) > 1024) {
			set_error(r, 400, "\"lines\": line too long");
			goto out;
		}
		if (job_add(j, e->s, NULL, 0) < 0)
			goto oom;
	}
	/* the candidate as a whole; then commit (only if all of it passed) and leave */
	if (job_add(j, NULL, NULL, OP_IF_CLEAN) < 0)
		goto oom;
	if (commit && job_add(j, "commit", NULL, OP_IF_CLEAN) < 0)
		goto oom;
	if (job_add(j, "exit", NULL, OP_ALWAYS) < 0)
		goto oom;
	j->keep_going = 1;
	start_job(r, j);
	j = NULL;
	goto out;
oom:
	set_error(r, 503, "out of memory");
out:
	job_free(j);
	sw_jv_free(v);
}

/* ------------------------------------------------------------------------ */
/* metrics                                                                  */

static void metric(struct sw_buf *b, const char *name, const char *type, const char *help)
{
	sw_buf_printf(b, "# HELP statewall_%s %s\n# TYPE statewall_%s %s\n", name, help, name, type);
}

static void ep_metrics(struct req *r)
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
	       "time the data-path thread spent serving HTTP per wakeup (sw_http_service)");
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
	metric(&b, "http_requests_total", "counter", "HTTP requests served");
	sw_buf_printf(&b, "statewall_http_requests_total %llu\n", (unsigned long long)x->requests);
	set_json(r, 200, &b);
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
}

/* ------------------------------------------------------------------------ */
/* authentication                                                           */

struct who {
	int kind; /* 0 none, 1 API key, 2 session */
	struct sw_auth_sess *sess;
	char name[SW_AUTH_KEY_NAME_MAX];
};

static const char *cookie_token(struct req *r)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE);
}

/* Same-origin check for cookie-authenticated changes: Origin, if sent, must be us. */
static int origin_ok(struct req *r)
{
	const char *o = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
	const char *p;

	if (!o)
		return 1;
	if (!host)
		return 0;
	p = strstr(o, "://");
	return p && strcmp(p + 3, host) == 0 &&
	       strncmp(o, r->x->tls ? "https" : "http", (size_t)(p - o)) == 0;
}

/*
 * Who is asking.  0 if authenticated (and, for a change, CSRF-clean); -1 with
 * an error response set.
 */
static int authenticate(struct req *r, struct who *w)
{
	struct sw_http *x = r->x;
	const char *authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
	const char *tok = cookie_token(r);
	int64_t now = now_s();
	int wait;

	memset(w, 0, sizeof(*w));
	if (authz) {
		if ((wait = sw_auth_limited(x->auth, r->addr, r->alen, now)) > 0) {
			r->retry_after = wait;
			set_error(r, 429, "too many failed attempts: retry in %d s", wait);
			return -1;
		}
		if (strncasecmp(authz, "Bearer ", 7) != 0) {
			set_error(r, 401, "Authorization: expected `Bearer API-KEY`");
			return -1;
		}
		const char *k = authz + 7;
		while (*k == ' ')
			k++;
		if (!sw_auth_check_key(x->auth, k, w->name, sizeof(w->name))) {
			sw_auth_failed(x->auth, r->addr, r->alen, now);
			x->logins_failed++;
			set_error(r, 401, "invalid API key");
			if (!x->quiet)
				fprintf(stderr, "statewall http: %s: invalid API key\n", r->who);
			return -1;
		}
		w->kind = 1;
		return 0;
	}
	if (tok && (w->sess = sw_auth_sess_find(x->auth, tok, now))) {
		w->kind = 2;
		if (r->method != M_GET && r->method != M_HEAD) {
			const char *c = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
			if (!sw_auth_csrf_ok(w->sess, c)) {
				set_error(r, 403, "missing or wrong X-CSRF-Token (reload the page)");
				return -1;
			}
			if (!origin_ok(r)) {
				set_error(r, 403, "cross-origin request refused");
				return -1;
			}
		}
		return 0;
	}
	set_error(r, 401, tok ? "session expired: log in again"
			      : "authentication required: log in, or send Authorization: Bearer API-KEY");
	return -1;
}

static void set_cookie(struct req *r, const char *token, int max_age)
{
	snprintf(r->cookie, sizeof(r->cookie), COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s; Max-Age=%d",
		 token, r->x->tls ? "; Secure" : "", max_age);
}

static void ep_login(struct req *r)
{
	static const char *const top[] = {"password", NULL};
	struct sw_http *x = r->x;
	struct sw_jv *v;
	const struct sw_jv *pw = NULL;
	int wait, rc;

	if ((wait = sw_auth_limited(x->auth, r->addr, r->alen, now_s())) > 0) {
		r->retry_after = wait;
		set_error(r, 429, "too many failed attempts: retry in %d s", wait);
		return;
	}
	if (!(v = body_object(r)))
		return;
	if (only_members(r, v, top, "the login request") < 0)
		goto out;
	pw = sw_jv_get(v, "password");
	if (!pw || pw->type != SW_JSTR || !pw->s[0] || strlen(pw->s) > 1024) {
		set_error(r, 400, "\"password\" must be a non-empty string");
		goto out;
	}
	rc = sw_auth_verify_start(x->auth, pw->s, r);
	if (rc == -EBUSY) {
		r->retry_after = 1;
		set_error(r, 429, "too many logins in progress: retry in 1 s");
	} else if (rc < 0) {
		set_error(r, 503, "cannot check the password: %s", strerror(-rc));
	} else {
		r->login_pending = 1;
		running_add(x, r);
		req_suspend(r);
	}
out:
	if (pw && pw->type == SW_JSTR && pw->s)
		memset(pw->s, 0, strlen(pw->s));
	sw_jv_free(v);
}

static void login_done(struct sw_http *x, struct req *r, int ok)
{
	r->login_pending = 0;
	running_del(x, r);
	if (ok) {
		struct sw_auth_sess *s = sw_auth_sess_new(x->auth, now_s());
		struct sw_buf b = {0};
		sw_auth_succeeded(x->auth, r->addr, r->alen);
		set_cookie(r, s->token, SW_AUTH_ABS_SEC);
		sw_buf_puts(&b, "{\"ok\":true,\"csrf\":");
		sw_buf_json_str(&b, s->csrf);
		sw_buf_printf(&b, ",\"idle_timeout\":%d}\n", SW_AUTH_IDLE_SEC);
		set_json(r, 200, &b);
		if (!x->quiet)
			fprintf(stderr, "statewall http: %s: administrator logged in\n", r->who);
	} else {
		sw_auth_failed(x->auth, r->addr, r->alen, now_s());
		x->logins_failed++;
		set_error(r, 401, "wrong password");
		if (!x->quiet)
			fprintf(stderr, "statewall http: %s: wrong password\n", r->who);
	}
	req_resume(r);
}

/* ------------------------------------------------------------------------ */
/* routing                                                                  */

static const struct sw_web_asset *asset(const char *path)
{
	for (const struct sw_web_asset *a = sw_web_assets; a->path; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

static const char *mime(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot)
		return "application/octet-stream";
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".js") == 0 || strcmp(dot, ".mjs") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".json") == 0)
		return "application/json";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	return "application/octet-stream";
}

static enum MHD_Result send_asset(struct req *r, const struct sw_web_asset *a)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", mime(a->path));
	add_common_headers(resp, 0);
	ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result redirect(struct req *r, const char *to)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Location", to);
	add_common_headers(resp, 1);
	ret = MHD_queue_response(r->conn, MHD_HTTP_SEE_OTHER, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void method_not_allowed(struct req *r, const char *allow)
{
	set_error(r, 405, "method not allowed here (allowed: %s)", allow);
}

static int parse_id(const char *s, uint32_t *id)
{
	long v;

	if (parse_num(s, 1, 4294967295L, &v) < 0)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

/* /api/v1/... : decide the response or start a job */
static void route_api(struct req *r, const char *path)
{
	struct sw_http *x = r->x;
	struct who w;
	int get = r->method == M_GET || r->method == M_HEAD, post = r->method == M_POST;

	if (strcmp(path, "openapi.json") == 0) {
		const struct sw_web_asset *a = asset("openapi.json");
		if (!get) {
			method_not_allowed(r, "GET");
		} else if (a) {
			struct sw_buf b = {0};
			sw_buf_put(&b, a->data, a->len);
			set_json(r, 200, &b);
		} else {
			set_error(r, 404, "no OpenAPI description in this build");
		}
		return;
	}
	if (strcmp(path, "auth/login") == 0) {
		if (!post)
			method_not_allowed(r, "POST");
		else
			ep_login(r);
		return;
	}
	if (r->too_big) {
		set_error(r, 413, "request body larger than %d bytes", BODY_MAX);
		return;
	}
	if (authenticate(r, &w) < 0)
		return;
	if (strcmp(path, "auth/session") == 0) {
		struct sw_buf b = {0};
		if (!get) {
			method_not_allowed(r, "GET");
			return;
		}
		if (w.kind == 2) {
			sw_buf_puts(&b, "{\"authenticated\":\"session\",\"csrf\":");
			sw_buf_json_str(&b, w.sess->csrf);
			sw_buf_printf(&b, ",\"idle_timeout\":%d}\n", SW_AUTH_IDLE_SEC);
		} else {
			sw_buf_puts(&b, "{\"authenticated\":\"api-key\",\"key\":");
			sw_buf_json_str(&b, w.name);
			sw_buf_puts(&b, "}\n");
		}
		set_json(r, 200, &b);
		return;
	}
	if (strcmp(path, "auth/logout") == 0) {
		if (!post) {
			method_not_allowed(r, "POST");
			return;
		}
		if (w.kind == 2)
			sw_auth_sess_end(x->auth, w.sess);
		set_cookie(r, "", 0);
		struct sw_buf b = {0};
		sw_buf_puts(&b, "{\"ok\":true}\n");
		set_json(r, 200, &b);
		return;
	}
	for (size_t i = 0; i < sizeof(simple_routes) / sizeof(simple_routes[0]); i++) {
		if (strcmp(path, simple_routes[i].path) == 0) {
			if (!get)
				method_not_allowed(r, "GET");
			else
				ep_simple(r, simple_routes[i].line, simple_routes[i].fin);
			return;
		}
	}
	if (strcmp(path, "sessions") == 0) {
		if (!get)
			method_not_allowed(r, "GET");
		else
			ep_sessions(r);
		return;
	}
	if (strcmp(path, "sessions/clear") == 0) {
		if (!post)
			method_not_allowed(r, "POST");
		else
			ep_clear(r);
		return;
	}
	if (strncmp(path, "sessions/", 9) == 0) {
		if (parse_id(path + 9, &r->id) < 0) {
			set_error(r, 404, "no such resource: /api/v1/%s (a session id is a positive integer)",
				  path);
			return;
		}
		if (get)
			ep_session_id(r, 0);
		else if (r->method == M_DELETE)
			ep_session_id(r, 1);
		else
			method_not_allowed(r, "GET, DELETE");
		return;
	}
	if (strcmp(path, "config/validate") == 0 || strcmp(path, "config/commit") == 0) {
		if (!post)
			method_not_allowed(r, "POST");
		else
			ep_config(r, path[7] == 'c');
		return;
	}
	set_error(r, 404, "no such resource: /api/v1/%s (see /api/v1/openapi.json)", path);
}

static int logged_in(struct req *r)
{
	const char *tok = cookie_token(r);

	return tok && sw_auth_sess_find(r->x->auth, tok, now_s()) != NULL;
}

static int method_of(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return M_GET;
	if (strcmp(m, "HEAD") == 0)
		return M_HEAD;
	if (strcmp(m, "POST") == 0)
		return M_POST;
	if (strcmp(m, "DELETE") == 0)
		return M_DELETE;
	if (strcmp(m, "PUT") == 0)
		return M_PUT;
	return M_OTHER;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct sw_http *x = cls;
	struct req *r = *con_cls;

	(void)version;
	if (!r) {
		const union MHD_ConnectionInfo *ci;
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->x = x;
		r->conn = conn;
		r->method = method_of(method);
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci && ci->client_addr) {
			const struct sockaddr *sa = ci->client_addr;
			char a[INET6_ADDRSTRLEN] = "?";
			if (sa->sa_family == AF_INET) {
				const struct sockaddr_in *s4 = (const void *)sa;
				memcpy(r->addr, &s4->sin_addr, 4);
				r->alen = 4;
				inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
			} else if (sa->sa_family == AF_INET6) {
				const struct sockaddr_in6 *s6 = (const void *)sa;
				memcpy(r->addr, &s6->sin6_addr, 16);
				r->alen = 16;
				inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
			}
			snprintf(r->who, sizeof(r->who), "%s", a);
		}
		*con_cls = r;
		x->requests++;
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->body.len + *upload_size > BODY_MAX)
			r->too_big = 1;
		else
			sw_buf_put(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->ready)
		return send_ready(r);
	if (r->job || r->login_pending)
		return MHD_YES; /* still running (a spurious call) */

	if (strncmp(url, "/api/v1/", 8) == 0) {
		route_api(r, url + 8);
	} else if (strcmp(url, "/api/v1") == 0 || strcmp(url, "/api") == 0) {
		set_error(r, 404, "the API is under /api/v1/ (see /api/v1/openapi.json)");
	} else if (strcmp(url, "/metrics") == 0) {
		struct who w;
		if (r->method != M_GET && r->method != M_HEAD)
			method_not_allowed(r, "GET");
		else if (authenticate(r, &w) == 0)
			ep_metrics(r);
	} else {
		/* the web UI */
		const struct sw_web_asset *a = NULL;
		if (r->method != M_GET && r->method != M_HEAD) {
			method_not_allowed(r, "GET");
		} else if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0) {
			if (!logged_in(r))
				return redirect(r, "/login");
			a = asset("index.html");
		} else if (strcmp(url, "/login") == 0) {
			a = asset("login.html");
		} else if (strncmp(url, "/assets/", 8) == 0 && !strstr(url, "..")) {
			a = asset(url + 8);
		}
		if (a)
			return send_asset(r, a);
		if (!r->ready)
			set_error(r, 404, "not found");
	}
	if (r->ready)
		return send_ready(r);
	return MHD_YES; /* suspended: a job or a login runs */
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct sw_http *x = cls;
	struct req *r = *con_cls;

	(void)conn;
	(void)toe;
	if (!r)
		return;
	if (r->login_pending)
		sw_auth_verify_cancel(x->auth, r);
	if (r->job || r->login_pending)
		running_del(x, r);
	job_free(r->job);
	sw_buf_free(&r->body);
	sw_buf_free(&r->resp);
	free(r);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct sw_http *x = cls;

	if (x->quiet)
		return;
	fputs("statewall http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ------------------------------------------------------------------------ */
/* the server                                                               */

static char *slurp(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *p = NULL;
	long n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < (1 << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)n + 1)) &&
	    fread(p, 1, (size_t)n, f) == (size_t)n) {
		p[n] = '\0';
	} else {
		free(p);
		p = NULL;
		snprintf(err, errlen, "%s: cannot read it", path);
	}
	fclose(f);
	return p;
}

static int parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *sl, char *err,
		      size_t errlen)
{
	char host[128];
	const char *port;
	struct addrinfo hints, *ai = NULL;
	int rc;

	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = '\0';
		port = e + 2;
	} else {
		const char *c = strrchr(s, ':');
		if (!c || c == s || (size_t)(c - s) >= sizeof(host) || memchr(s, ':', (size_t)(c - s)))
			goto bad;
		memcpy(host, s, (size_t)(c - s));
		host[c - s] = '\0';
		port = c + 1;
	}
	{
		char *end;
		long p = strtol(port, &end, 10);
		if (!*port || *end || p < 0 || p > 65535)
			goto bad;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0 || !ai) {
		snprintf(err, errlen, "--http %s: '%s' is not an IP address (%s)", s, host, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sl = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
bad:
	snprintf(err, errlen, "--http %s: expected ADDR:PORT (127.0.0.1:8080, [::1]:8443, 0.0.0.0:443)", s);
	return -EINVAL;
}

int sw_http_open(struct sw_http **out, const char *addrport, struct sw_mgmt_host *h,
		 const struct sw_http_opts *o, char *err, size_t errlen)
{
	struct sw_http *x;
	struct sockaddr_storage ss;
	socklen_t sl;
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *di;
	int rc;

	*out = NULL;
	if ((rc = parse_addr(addrport, &ss, &sl, err, errlen)) < 0)
		return rc;
	if (!o || !o->auth_file) {
		snprintf(err, errlen, "--http needs an administrator password file (--http-auth FILE; "
				      "create it with `statewall passwd --file FILE`)");
		return -EINVAL;
	}
	if (!!o->tls_cert != !!o->tls_key) {
		snprintf(err, errlen, "--tls-cert and --tls-key go together");
		return -EINVAL;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	x->h = h;
	x->quiet = o->quiet;
	x->epfd = -1;
	if ((rc = sw_auth_open(&x->auth, o->auth_file, o->keys_file, err, errlen)) < 0) {
		free(x);
		return rc;
	}
	if (o->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "this libmicrohttpd has no TLS support");
			rc = -ENOTSUP;
			goto fail;
		}
		if (!(x->cert = slurp(o->tls_cert, err, errlen)) || !(x->key = slurp(o->tls_key, err, errlen))) {
			rc = -EINVAL;
			goto fail;
		}
		flags |= MHD_USE_TLS;
		x->tls = 1;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	signal(SIGPIPE, SIG_IGN);
	if (x->tls)
		x->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, x, MHD_OPTION_SOCK_ADDR, &ss,
					MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
					MHD_OPTION_NOTIFY_COMPLETED, on_completed, x,
					MHD_OPTION_EXTERNAL_LOGGER, mhd_log, x,
					MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
					MHD_OPTION_HTTPS_MEM_KEY, x->key, MHD_OPTION_HTTPS_MEM_CERT,
					x->cert, MHD_OPTION_END);
	else
		x->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, x, MHD_OPTION_SOCK_ADDR, &ss,
					MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
					MHD_OPTION_NOTIFY_COMPLETED, on_completed, x,
					MHD_OPTION_EXTERNAL_LOGGER, mhd_log, x,
					MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
	if (!x->d) {
		snprintf(err, errlen, "--http %s: cannot listen (address in use or not local?%s)", addrport,
			 x->tls ? " or a bad TLS certificate/key" : "");
		rc = -EADDRINUSE;
		goto fail;
	}
	di = MHD_get_daemon_info(x->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (!di || di->epoll_fd < 0) {
		snprintf(err, errlen, "libmicrohttpd without epoll support");
		rc = -ENOTSUP;
		goto fail;
	}
	x->epfd = di->epoll_fd;
	{
		unsigned port = 0;
		char a[INET6_ADDRSTRLEN] = "";
		di = MHD_get_daemon_info(x->d, MHD_DAEMON_INFO_BIND_PORT);
		if (di)
			port = di->port;
		if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof(a));
			snprintf(x->url, sizeof(x->url), "%s://[%s]:%u/", x->tls ? "https" : "http", a, port);
		} else {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof(a));
			snprintf(x->url, sizeof(x->url), "%s://%s:%u/", x->tls ? "https" : "http", a, port);
		}
	}
	*out = x;
	return 0;
fail:
	if (x->d)
		MHD_stop_daemon(x->d);
	sw_auth_close(x->auth);
	free(x->cert);
	free(x->key);
	free(x);
	return rc;
}

const char *sw_http_url(const struct sw_http *x)
{
	return x->url;
}

void sw_http_close(struct sw_http *x)
{
	if (!x)
		return;
	/* answer what still waits, so no connection stays suspended */
	while (x->running) {
		struct req *r = x->running;
		running_del(x, r);
		if (r->login_pending) {
			sw_auth_verify_cancel(x->auth, r);
			r->login_pending = 0;
		}
		job_free(r->job);
		r->job = NULL;
		set_error(r, 503, "the daemon is stopping");
		req_resume(r);
	}
	for (int i = 0; i < 3; i++)
		MHD_run(x->d);
	MHD_stop_daemon(x->d);
	sw_auth_close(x->auth);
	if (x->key)
		memset(x->key, 0, strlen(x->key));
	free(x->cert);
	free(x->key);
	free(x);
}

int sw_http_pollfds(struct sw_http *x, struct pollfd *pfd, int max)
{
	int n = 0;

	if (max >= 1) {
		pfd[n].fd = x->epfd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	if (max >= 2) {
		pfd[n].fd = sw_auth_verify_fd(x->auth);
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

void sw_http_service(struct sw_http *x, const struct pollfd *pfd, int n, int64_t budget_ns)
{
	int64_t t0 = mono_ns(), deadline;
	int io = 0, verified = 0;

	for (int i = 0; i < n; i++) {
		if (pfd[i].fd == x->epfd && pfd[i].revents)
			io = 1;
		else if (pfd[i].fd == sw_auth_verify_fd(x->auth) && pfd[i].revents)
			verified = 1;
	}
	if (verified) {
		void *tag;
		int ok;
		while (sw_auth_verify_done(x->auth, &tag, &ok) == 1)
			login_done(x, tag, ok);
	}
	/* MHD: when there is I/O, something resumed, or every 100 ms (timeouts) */
	if (io || x->resumed || t0 - x->last_run_ns > 100 * 1000 * 1000LL) {
		x->resumed = 0;
		x->last_run_ns = t0;
		MHD_run(x->d);
	}
	/*
	 * command steps, oldest request first, within the budget -- and never
	 * more than STEP_SLICE_NS per call: the loop goes back to the packets in
	 * between, so 200 busy API clients add about STEP_SLICE_NS (plus MHD's
	 * own I/O) to a packet's wait, not the whole management budget
	 */
	deadline = mono_ns() + (budget_ns < STEP_SLICE_NS ? budget_ns : STEP_SLICE_NS);
	for (int progress = 1; progress && mono_ns() < deadline;) {
		struct req *r = x->running, *next;
		progress = 0;
		for (; r; r = next) {
			next = r->next;
			if (!r->job)
				continue;
			if (job_step(r))
				progress = 1;
			else
				job_finish(r);
			if (mono_ns() >= deadline)
				break;
		}
	}
	/*
	 * answers that became ready go out at the next wakeup (sw_http_busy says
	 * so), after the packets that arrived meanwhile: MHD's writes are not
	 * added to this call's time
	 */
	{
		int64_t dt = mono_ns() - t0;
		unsigned b = 0;
		while (b < 7 && dt > svc_le[b])
			b++;
		x->svc_hist[b]++;
		x->svc_calls++;
		x->svc_ns_total += dt;
		if (dt > x->svc_ns_max)
			x->svc_ns_max = dt;
	}
}

int sw_http_busy(const struct sw_http *x)
{
	if (x->resumed)
		return 1;
	for (const struct req *r = x->running; r; r = r->next)
		if (r->job)
			return 1;
	return 0;
}

void sw_http_note_end(struct sw_http *x, const struct sw_sess_info *si)
{
	if (!x || !si->late_pkts)
		return;
	x->broken++;
	x->broken_late_pkts += si->late_pkts;
	if (si->half_closed_at)
		x->broken_half_closed++;
}
