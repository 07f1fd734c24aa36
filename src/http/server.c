/*
 * server.c - the web server: libmicrohttpd in the caller's poll loop
 * (http.h), connections and their limits, and the request life.
 *
 * Request life:
 *   1. MHD reads the request line and headers and calls on_request() a
 *      first time.  Framing is checked as RFC 9112 asks (one Content-Length,
 *      not with Transfer-Encoding, a Host in HTTP/1.1; bodies need a
 *      Content-Length), then routes.c picks the route and authenticates.
 *      Any refusal -- framing, 401, 404, 405, 413 for a body above the
 *      route's limit -- is answered now, before a body byte is read;
 *   2. the body is collected (never more than the route allows);
 *   3. the handler runs: an answer at once, or registry lines run as a job
 *      (jobs.c) while the connection is suspended, or a password check on
 *      auth.c's thread; sw_http_service resumes the connection when done.
 *
 * Limits on connections: HTTP_CONN_LIMIT in all and HTTP_CONN_PER_ADDR per
 * client address (libmicrohttpd refuses the rest at accept), complete
 * headers within HTTP_HEADER_DEADLINE_S of connecting (or of the previous
 * answer), a complete body within HTTP_BODY_DEADLINE_S of the headers; a
 * connection past its deadline is shut down.  Log lines are rate-limited.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/http-int.h"
#include "util/clock.h"

/*
 * TLS 1.2 or 1.3, forward-secret key exchange only (no RSA key transport),
 * AEAD or SHA-2 MACs (no SHA-1, no CBC): GnuTLS priority syntax.
 */
#define TLS_PRIORITIES                                                                             \
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-RSA:-SHA1:-AES-128-CBC:-AES-256-CBC:"     \
	"%SERVER_PRECEDENCE"

/* ---- logging -------------------------------------------------------------- */

int http_log_allow(int64_t *window, unsigned *lines, unsigned *dropped, int64_t now_s,
		   unsigned *report)
{
	int64_t w = now_s / HTTP_LOG_WINDOW_S;

	*report = 0;
	if (w != *window) {
		*window = w;
		*report = *dropped;
		*dropped = 0;
		*lines = 0;
	}
	if (*lines >= HTTP_LOG_BURST) {
		(*dropped)++;
		return 0;
	}
	(*lines)++;
	return 1;
}

static void log_v(struct sw_http *x, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void log_v(struct sw_http *x, const char *fmt, va_list ap)
{
	unsigned report;
	char line[512];

	if (x->quiet)
		return;
	int ok = http_log_allow(&x->log_window, &x->log_lines, &x->log_dropped, (sw_mono_ns() / SW_NS_PER_SEC), &report);
	if (report)
		fprintf(stderr, "statewall http: %u log lines suppressed in the last %d s\n", report,
			HTTP_LOG_WINDOW_S);
	if (!ok)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	fprintf(stderr, "statewall http: %s\n", line);
}

void http_log(struct sw_http *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(x, fmt, ap);
	va_end(ap);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	log_v(cls, fmt, ap);
}

/* ---- requests waiting ----------------------------------------------------- */

/* Append: steps go oldest first, so a stream of new requests cannot starve old ones. */
void http_running_add(struct sw_http *x, struct req *r)
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

void http_running_del(struct sw_http *x, struct req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else if (x->running == r)
		x->running = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
}

void http_req_suspend(struct req *r)
{
	if (!r->suspended) {
		MHD_suspend_connection(r->conn);
		r->suspended = 1;
	}
}

void http_req_resume(struct req *r)
{
	if (r->suspended) {
		r->suspended = 0;
		MHD_resume_connection(r->conn);
		r->x->resumed++;
	}
}

/* ---- connections ---------------------------------------------------------- */

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct sw_http *x = cls;
	struct conn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
		c = calloc(1, sizeof(*c));
		if (!c)
			return; /* it simply has no deadline */
		c->fd = ci ? ci->connect_fd : -1;
		c->since_ns = sw_mono_ns();
		c->next = x->conns;
		if (x->conns)
			x->conns->prev = c;
		x->conns = c;
		x->nconns++;
		*socket_context = c;
	} else if (c) {
		if (c->prev)
			c->prev->next = c->next;
		else
			x->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		x->nconns--;
		free(c);
		*socket_context = NULL;
	}
}

/* Shut down connections past their header or body deadline (MHD then closes them). */
static void sweep(struct sw_http *x, int64_t now)
{
	for (struct conn *c = x->conns; c; c = c->next) {
		int late = 0;
		if (c->closing || c->fd < 0)
			continue;
		if (!c->in_request && now - c->since_ns > (int64_t)x->header_deadline_s * SW_NS_PER_SEC)
			late = 1;
		else if (c->body_ns && now - c->body_ns > (int64_t)x->body_deadline_s * SW_NS_PER_SEC)
			late = 2;
		if (late) {
			shutdown(c->fd, SHUT_RDWR);
			c->closing = 1;
			x->deadline_closed++;
			http_log(x, "connection closed: %s not complete in %u s", late == 1 ? "headers" : "body",
				 late == 1 ? x->header_deadline_s : x->body_deadline_s);
		}
	}
}

/* ---- framing (RFC 9112) --------------------------------------------------- */

struct framing {
	unsigned ncl, nte, nhost;
	int cl_differ;
	char cl[32];
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct framing *f = cls;

	(void)kind;
	if (strcasecmp(key, "Content-Length") == 0) {
		if (f->ncl++ && strcmp(f->cl, value ? value : "") != 0)
			f->cl_differ = 1;
		else
			snprintf(f->cl, sizeof(f->cl), "%s", value ? value : "");
	} else if (strcasecmp(key, "Transfer-Encoding") == 0) {
		f->nte++;
	} else if (strcasecmp(key, "Host") == 0) {
		f->nhost++;
	}
	return MHD_YES;
}

/* Refuse what RFC 9112 says to refuse: -1 (response set), else the Content-Length (0 if none). */
static long long check_framing(struct req *r, const char *version)
{
	struct framing f = {0};
	unsigned long long len = 0;

	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, scan_header, &f);
	if (f.cl_differ || f.nhost > 1 || (f.nte && f.ncl)) {
		r->close = 1;
		http_set_error(r, 400, "%s", f.cl_differ ? "two different Content-Length headers"
					     : f.nhost > 1 ? "more than one Host header"
							   : "Content-Length together with Transfer-Encoding");
		return -1;
	}
	if (!f.nhost && version && strcmp(version, "HTTP/1.1") == 0) {
		r->close = 1;
		http_set_error(r, 400, "HTTP/1.1 request without Host");
		return -1;
	}
	if (f.nte) {
		r->close = 1;
		http_set_error(r, 411, "send the body with a Content-Length (no Transfer-Encoding)");
		return -1;
	}
	if (f.ncl) {
		char *end;
		errno = 0;
		len = strtoull(f.cl, &end, 10);
		if (!f.cl[0] || *end || errno || f.cl[0] == '-' || len > (1ULL << 62)) {
			r->close = 1;
			http_set_error(r, 400, "malformed Content-Length");
			return -1;
		}
	}
	return (long long)len;
}

/* ---- the access callback -------------------------------------------------- */

static struct req *req_new(struct sw_http *x, struct MHD_Connection *conn, const char *url,
			   const char *method)
{
	const union MHD_ConnectionInfo *ci;
	struct req *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->x = x;
	r->conn = conn;
	snprintf(r->path, sizeof(r->path), "%s", url);
	r->method = strcmp(method, "GET") == 0	   ? M_GET
		    : strcmp(method, "HEAD") == 0   ? M_HEAD
		    : strcmp(method, "POST") == 0   ? M_POST
		    : strcmp(method, "DELETE") == 0 ? M_DELETE
		    : strcmp(method, "PUT") == 0    ? M_PUT
						    : M_OTHER;
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
		snprintf(r->addr_s, sizeof(r->addr_s), "%s", a);
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	r->c = ci ? ci->socket_context : NULL;
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct sw_http *x = cls;
	struct req *r = *con_cls;

	if (!r) {
		long long len;
		if (!(r = req_new(x, conn, url, method)))
			return MHD_NO;
		*con_cls = r;
		x->requests++;
		if (r->c)
			r->c->in_request = 1;
		/* framing first (it decides whether the rest can be trusted), then route and auth */
		r->body_max = 0;
		if ((len = check_framing(r, version)) < 0) {
			x->refused_framing++;
			return http_send_ready(r);
		}
		http_route_begin(r);
		if (!r->ready && (unsigned long long)len > r->body_max) {
			r->close = 1;
			x->refused_too_big++;
			if (r->body_max)
				http_set_error(r, 413, "request body larger than %zu bytes", r->body_max);
			else
				http_set_error(r, 413, "this request takes no body");
		}
		if (r->ready)
			return http_send_ready(r); /* before any body byte: MHD discards the rest */
		if (len > 0 && r->c)
			r->c->body_ns = sw_mono_ns();
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->body.len + *upload_size <= r->body_max)
			sw_buf_put(&r->body, upload, *upload_size);
		else
			return MHD_NO; /* more than Content-Length promised: cannot happen with MHD */
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->c)
		r->c->body_ns = 0;
	if (r->ready)
		return http_send_ready(r);
	if (r->job || r->login_pending)
		return MHD_YES; /* still running (a spurious call) */
	return http_route_run(r);
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
	if (r->c) {
		r->c->in_request = 0;
		r->c->body_ns = 0;
		r->c->since_ns = sw_mono_ns();
	}
	if (r->login_pending)
		sw_auth_verify_cancel(x->auth, r);
	if (r->job || r->login_pending)
		http_running_del(x, r);
	http_job_free(r->job);
	sw_buf_free(&r->body);
	sw_buf_free(&r->resp);
	free(r);
	*con_cls = NULL;
}

/* ---- the server ----------------------------------------------------------- */

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
	struct MHD_OptionItem tls[] = {
		{MHD_OPTION_HTTPS_MEM_KEY, 0, NULL},
		{MHD_OPTION_HTTPS_MEM_CERT, 0, NULL},
		{MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES},
		{MHD_OPTION_END, 0, NULL},
	};
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
	x->header_deadline_s = o->header_deadline_s ? o->header_deadline_s : HTTP_HEADER_DEADLINE_S;
	x->body_deadline_s = o->body_deadline_s ? o->body_deadline_s : HTTP_BODY_DEADLINE_S;
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
		tls[0].ptr_value = x->key;
		tls[1].ptr_value = x->cert;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	signal(SIGPIPE, SIG_IGN);
	x->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, x, MHD_OPTION_SOCK_ADDR, &ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_LIMIT,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned)(o->conn_per_addr ? o->conn_per_addr : HTTP_CONN_PER_ADDR),
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, x,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, x,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, x,
				MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
				MHD_OPTION_ARRAY, x->tls ? tls : tls + 3, MHD_OPTION_END);
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
	http_events_end_all(x);
	while (x->running) {
		struct req *r = x->running;
		http_running_del(x, r);
		if (r->login_pending) {
			sw_auth_verify_cancel(x->auth, r);
			r->login_pending = 0;
		}
		http_job_free(r->job);
		r->job = NULL;
		http_set_error(r, 503, "the daemon is stopping");
		http_req_resume(r);
	}
	for (int i = 0; i < 3; i++)
		MHD_run(x->d);
	MHD_stop_daemon(x->d);
	sw_auth_close(x->auth);
	sw_buf_free(&x->openapi);
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

/* 1 if MHD has work without new I/O (a connection it can still write to). */
static int mhd_ready(const struct sw_http *x)
{
	MHD_UNSIGNED_LONG_LONG t;

	return MHD_get_timeout(x->d, &t) == MHD_YES && t == 0;
}

void sw_http_service(struct sw_http *x, const struct pollfd *pfd, int n, int64_t budget_ns)
{
	int64_t t0 = sw_mono_ns(), c0 = sw_thread_cpu_ns(), deadline;
	int io = 0, verified = 0;

	x->svc_budget_ns = budget_ns;
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
			http_login_done(x, tag, ok);
	}
	/* deadlines, about every 100 ms */
	if (t0 - x->last_sweep_ns > 100 * 1000 * 1000LL) {
		x->last_sweep_ns = t0;
		sweep(x, t0);
		http_events_sweep(x, t0);
		io = 1;
	}
	/*
	 * MHD: when there is I/O, something resumed, a sweep ran (timeouts), or
	 * MHD has connections still ready to write (a streamed answer: its
	 * epoll descriptor, edge-triggered, says nothing new)
	 */
	if (io || x->resumed || mhd_ready(x)) {
		x->resumed = 0;
		x->last_run_ns = t0;
		MHD_run(x->d);
	}
	/*
	 * command steps, oldest request first, within the budget -- and never
	 * more than HTTP_STEP_SLICE_NS per call: the loop goes back to the
	 * packets in between, so 200 busy API clients add about the slice (plus
	 * MHD's own I/O) to a packet's wait, not the whole management budget
	 */
	deadline = sw_mono_ns() + (budget_ns < HTTP_STEP_SLICE_NS ? budget_ns : HTTP_STEP_SLICE_NS);
	for (int progress = 1; progress && sw_mono_ns() < deadline;) {
		struct req *r = x->running, *next;
		progress = 0;
		for (; r; r = next) {
			next = r->next;
			if (!r->job)
				continue;
			if (http_job_step(r))
				progress = 1;
			else
				http_job_finish(r);
			if (sw_mono_ns() >= deadline)
				break;
		}
	}
	/*
	 * answers that became ready go out at the next wakeup (sw_http_busy says
	 * so), after the packets that arrived meanwhile
	 */
	http_svc_account(x, sw_mono_ns() - t0, sw_thread_cpu_ns() - c0);
}

int sw_http_busy(const struct sw_http *x)
{
	if (x->resumed || mhd_ready(x))
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
