/*
 * http-int.h - what the files of src/http share (not for outside users;
 * http.h is the public face).
 *
 *   server.c   the libmicrohttpd daemon: poll integration, connections,
 *              framing refusals (RFC 9112), deadlines, body collection,
 *              suspend/resume, the service-time budget
 *   routes.c   the route table {method, path pattern, auth, handler} and the
 *              static-asset rule
 *   jobs.c     registry command lines run in bounded steps for a request
 *   reply.c    responses: JSON bodies, errors, the UTF-8-safe string writer,
 *              JSON request bodies (jansson) and query parameters
 *   ep_*.c     the endpoints (sessions, config, objects, auth, events)
 *   metrics.c  /metrics and the service-time histogram
 *   auth.c     passwords, API keys, login sessions
 *   limiter.c  wrong credentials: per-client backoff, the password's limit, device cookies
 */
#ifndef SW_HTTP_HTTP_INT_H
#define SW_HTTP_HTTP_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdint.h>

#include "http/auth.h"
#include "http/http.h"
#include "mgmt/mgmt.h"
#include "mgmt/registry.h"

#define HTTP_BODY_MAX (64 * 1024)   /* request bodies of the authenticated API */
#define HTTP_LOGIN_BODY_MAX 1024    /* {"password":"..."}: refused above this, unread */
#define HTTP_CONN_LIMIT 1024        /* connections in all */
#define HTTP_CONN_PER_ADDR 32       /* connections from one client address */
#define HTTP_HEADER_DEADLINE_S 10   /* from connect (or the last answer) to complete headers */
#define HTTP_BODY_DEADLINE_S 30     /* from the headers to the complete body */
#define HTTP_JSON_MAX_DEPTH 16
#define HTTP_JSON_MAX_VALUES 1100   /* array elements and members in all (1,000 ids to clear) */
#define SW_STR_(x) #x
#define SW_STR(x) SW_STR_(x)
#define HTTP_STEP_SLICE_NS (250 * 1000LL) /* registry steps per sw_http_service call */
#define HTTP_COOKIE "sw_session"
#define HTTP_DEVICE_COOKIE "sw_device"
#define HTTP_LOG_BURST 20           /* log lines per HTTP_LOG_WINDOW_S, then one summary */
#define HTTP_LOG_WINDOW_S 10

enum { M_GET = 1, M_HEAD = 2, M_POST = 4, M_DELETE = 8, M_PUT = 16, M_OTHER = 32 };

struct req;
struct job;
typedef void (*finish_fn)(struct req *r);

/* Who is asking (set by routes.c before the handler runs). */
enum who_kind { WHO_NONE, WHO_KEY, WHO_SESSION };
struct who {
	int kind; /* enum who_kind */
	struct sw_auth_sess *sess;
	char name[SW_AUTH_KEY_NAME_MAX];
};

/* One connection (MHD_OPTION_NOTIFY_CONNECTION): deadlines and the per-address count. */
struct conn {
	struct conn *prev, *next;
	int fd;
	int64_t since_ns;  /* connected, or the last request finished: headers due by the deadline */
	int64_t body_ns;   /* headers in, body expected: due by the body deadline (0: none) */
	int in_request;    /* between the first callback and completion */
	int closing;       /* shut down by a deadline */
};

struct route;
struct sse;

struct req {
	struct sw_http *x;
	struct MHD_Connection *conn;
	struct conn *c;
	struct req *prev, *next; /* x->running: requests with a job or a login pending */
	int method;
	const struct route *route;
	char path[256];          /* the URL path, as MHD gave it */
	struct sw_buf body;
	size_t body_max;
	int suspended;
	int login_pending;
	unsigned char limkey[20]; /* the limiter's key for this login: address, or "D" + device id */
	size_t limlen;
	int device;               /* the login came with a valid device cookie */
	struct who who;
	/* who */
	unsigned char addr[16];
	size_t alen;
	char addr_s[64];
	/* the response, once decided */
	int status;
	struct sw_buf resp;
	const char *ctype;
	char cookie[200];
	char cookie2[200];
	int retry_after;
	int close;  /* Connection: close (framing errors) */
	int ready;
	int queued;  /* the handler queued its own response (1) or failed to (-1) */
	/* running */
	struct job *job;
	uint32_t id; /* {id} of the path */
};

struct sw_http {
	struct MHD_Daemon *d;
	struct sw_mgmt_host *h;
	struct sw_auth *auth;
	int epfd;
	int tls, quiet;
	unsigned header_deadline_s, body_deadline_s;
	char url[128];
	char *cert, *key;
	struct req *running;    /* list */
	struct conn *conns;     /* list */
	struct sse *streams;    /* GET /api/v1/events (ep_events.c) */
	struct sw_buf openapi;  /* the OpenAPI document served (routes.c), built at first use */
	unsigned nstreams;
	uint64_t streams_opened;
	unsigned nconns;
	int resumed;            /* connections resumed since the last MHD_run */
	int64_t last_run_ns, last_sweep_ns;
	uint64_t broken, broken_half_closed, broken_late_pkts;
	uint64_t requests, logins_failed, refused_framing, refused_too_big, deadline_closed;
	/* rate-limited logging */
	int64_t log_window;
	unsigned log_lines, log_dropped;
	/* how long sw_http_service held the calling thread */
	uint64_t svc_calls, svc_hist[8];
	int64_t svc_ns_total, svc_ns_max, svc_cpu_ns_max, svc_budget_ns;
};

/* A log line on stderr, at most HTTP_LOG_BURST per window (the rest counted, then summarised). */
void http_log(struct sw_http *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The decision behind http_log: 1 to print now; *dropped: lines to report as suppressed first. */
int http_log_allow(int64_t *window, unsigned *lines, unsigned *dropped, int64_t now_s,
		   unsigned *report);

/* reply.c */
void http_set_json(struct req *r, int status, struct sw_buf *b);
void http_set_error(struct req *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like http_set_error, plus "field": the member or parameter at fault. */
void http_set_field_error(struct req *r, int status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void http_method_not_allowed(struct req *r, const char *allow);
/* A JSON string literal; invalid UTF-8 becomes U+FFFD, control characters are escaped. */
void http_json_str(struct sw_buf *b, const char *s);
/* s with invalid UTF-8 replaced by U+FFFD and control bytes by '?', into out (always terminated). */
void http_utf8_clean(char *out, size_t outlen, const char *s);
/*
 * Parse buf[0..len) as one JSON value: duplicate members, nesting deeper than
 * HTTP_JSON_MAX_DEPTH, more than HTTP_JSON_MAX_VALUES values, NUL in strings
 * and invalid UTF-8 are refused.  NULL
 * with "offset N: what" in err.
 */
json_t *http_json_parse(const char *buf, size_t len, char *err, size_t errlen);
const char *http_json_type_name(const json_t *v);
/* The body as a JSON object; NULL with an error response set. */
json_t *http_body_object(struct req *r);
/* Refuse members of o not in the NULL-terminated list; 0 or -1 (response set). */
int http_only_members(struct req *r, json_t *o, const char *const *known, const char *where);
/* 0 if the request has no query parameters, else -1 with an error response set. */
int http_refuse_args(struct req *r);
int http_parse_num(const char *v, long lo, long hi, long *out);
enum MHD_Result http_send_ready(struct req *r);
void http_add_common_headers(struct MHD_Response *resp, int api);

/* server.c */
void http_req_suspend(struct req *r);
void http_req_resume(struct req *r);
void http_running_add(struct sw_http *x, struct req *r);
void http_running_del(struct sw_http *x, struct req *r);

/* routes.c */
/* Pick the route for a request (method, path) and authenticate it; the response is set on refusal. */
void http_route_begin(struct req *r);
/* Run the route's handler once the body is in. MHD_YES/MHD_NO as for the access callback. */
enum MHD_Result http_route_run(struct req *r);

/* jobs.c */
enum op_when {
	OP_NORMAL,  /* unless an earlier op failed (and the job does not keep going) */
	OP_ALWAYS,  /* in any case (`exit`) */
	OP_IF_CLEAN /* only if every earlier op succeeded (validate, commit) */
};
struct op {
	const char *words; /* a typed command ("show session all"); NULL: validate the candidate */
	json_t *args;      /* its arguments (the command's descriptor reads them), or NULL */
	char *field;       /* the setting this op sets (REST "settings"), or NULL */
	uint32_t id;       /* the session id a `clear session id` op is about */
	int when;          /* enum op_when */
	int ran;
	int rc;            /* 0 or -errno (sw_mgmt_call_rc) */
	char *err_field;   /* the argument or setting the command named as wrong, or NULL */
	struct sw_buf out; /* its JSON output (meaningful when rc == 0) */
	char err[768];
	void (*tail)(void *ctx, struct sw_emit *e); /* members added to its JSON object */
	void *tail_ctx;
};
struct job {
	struct sw_mgmt_sess ms; /* this request's management session (mode, candidate) */
	struct op *ops;
	unsigned nops, i;
	int failed;             /* an op failed: the rest are skipped unless `always` */
	int keep_going;         /* run every op even after errors (field validation, clears) */
	struct sw_mgmt_call *call;
	finish_fn finish;
};
struct job *http_job_new(finish_fn fin);
void http_job_free(struct job *j);
/*
 * Append a typed command (words NULL: validate the candidate); the job owns
 * args from now on (also on failure).  The new op, or NULL without memory.
 */
struct op *http_job_add(struct job *j, const char *words, json_t *args, const char *field, int when);
/* Queue r's job; the connection waits suspended. */
void http_job_start(struct req *r, struct job *j);
/* One step of r's job: 1 if it progressed and has more, 0 when finished. */
int http_job_step(struct req *r);
void http_job_finish(struct req *r);
/* One command with arguments (the job owns args, also on failure), its JSON as the answer. */
void http_job_args(struct req *r, const char *words, json_t *args);
/* One command without arguments as a job (query parameters refused). */
void http_job_simple(struct req *r, const char *words, finish_fn fin);
/* The answer for a failed op: -ENOENT 404, -EINVAL 400, ... with {"error","field"}. */
void http_op_error(struct req *r, const struct op *o);
/* Finisher: the first op's output as the body, or its error. */
void http_fin_passthrough(struct req *r);

/* ep_session.c: name if it is one of the session filters (source ... state), else NULL */
const char *http_filter_name(const char *name);

/* endpoints */
void ep_session_info(struct req *r);
void ep_counters(struct req *r);
void ep_interfaces(struct req *r);
void ep_sessions(struct req *r);
void ep_session_get(struct req *r);
void ep_session_delete(struct req *r);
void ep_sessions_clear(struct req *r);
void ep_config_get(struct req *r);
void ep_config_validate(struct req *r);
void ep_config_commit(struct req *r);
void ep_services(struct req *r);
void ep_service_groups(struct req *r);
void ep_applications(struct req *r);
void ep_security_policy(struct req *r);
void ep_login(struct req *r);
void ep_logout(struct req *r);
void ep_auth_session(struct req *r);
void ep_metrics(struct req *r);
void ep_openapi(struct req *r);
void ep_events(struct req *r);
/* ep_auth.c: who is asking; 0, or -1 with the response set. */
int http_authenticate(struct req *r, struct who *w);
int http_logged_in(struct req *r);
void http_login_done(struct sw_http *x, struct req *r, int ok);
/* ep_events.c: heartbeats of idle streams (from the sweep); end every stream (close) */
void http_events_sweep(struct sw_http *x, int64_t now_ns);
void http_events_end_all(struct sw_http *x);
/* metrics.c: account one sw_http_service call */
void http_svc_account(struct sw_http *x, int64_t wall_ns, int64_t cpu_ns);

#endif
