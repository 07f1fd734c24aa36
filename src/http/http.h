/*
 * http.h - the web UI and REST API server (src/http), shaped like the control
 * socket server (sw_ctl_*): it lives in the poll loop of the thread that
 * calls it (the daemon's management thread).
 *
 * libmicrohttpd runs with external polling (its epoll descriptor is one of
 * the caller's pollfds, MHD_run() is called from sw_http_service), so every
 * request is handled on that thread, like a control-socket command.  A REST
 * request becomes typed commands (mgmt/registry.h) run in bounded steps; its
 * connection is suspended until they are done, so a long listing or clear
 * never holds the thread for more than the budget.  Password checks
 * (Argon2id, ~50 ms) run on a helper thread (auth.h).
 *
 * docs/web.md describes the pages, the API and the authentication.
 */
#ifndef SW_HTTP_HTTP_H
#define SW_HTTP_HTTP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mgmt/mgmt.h"

struct pollfd;

#ifdef SW_WITH_HTTP
struct sw_http;

struct sw_http_opts {
	const char *auth_file;  /* administrator password hash (statewall passwd); required */
	const char *keys_file;  /* API keys (statewall apikey add); NULL or missing: none */
	const char *tls_cert;   /* PEM certificate (chain) file: serve HTTPS; NULL: HTTP */
	const char *tls_key;    /* PEM private key file (with tls_cert) */
	int quiet;              /* no log lines on stderr */
	/* limits; 0: the defaults of docs/web.md (10 s, 30 s, 32 connections) */
	unsigned header_deadline_s; /* request headers complete this long after connecting */
	unsigned body_deadline_s;   /* the body complete this long after the headers */
	unsigned conn_per_addr;     /* connections from one client address */
};

/*
 * Listen on "ADDR:PORT" ("127.0.0.1:8080", "[::1]:8443", "0.0.0.0:443"; port
 * 0 picks a free one).  0, or -errno with the message in err.
 */
int sw_http_open(struct sw_http **out, const char *addrport, struct sw_mgmt_host *h,
		 const struct sw_http_opts *o, char *err, size_t errlen);
void sw_http_close(struct sw_http *x);
/* "http://127.0.0.1:8080/" (the port actually bound). */
const char *sw_http_url(const struct sw_http *x);
/* Append the descriptors to poll; returns how many (at most 2). */
int sw_http_pollfds(struct sw_http *x, struct pollfd *pfd, int max);
/* Serve: I/O, then command steps for at most budget_ns.  pfd/n: what sw_http_pollfds filled. */
void sw_http_service(struct sw_http *x, const struct pollfd *pfd, int n, int64_t budget_ns);
/* 1 if requests have work left (the caller should poll with a zero timeout). */
int sw_http_busy(const struct sw_http *x);

/*
 * The daemon's session-end callback passes each ended session here: the
 * dashboard and /metrics count broken sessions (packets arrived after the
 * session ended), and those among them that were half-closed.
 */
void sw_http_note_end(struct sw_http *x, const struct sw_sess_info *si);

#else /* built with -DSW_WITH_HTTP=OFF: --http is refused with this message */
struct sw_http;
struct sw_http_opts {
	const char *auth_file, *keys_file, *tls_cert, *tls_key;
	int quiet;
	unsigned header_deadline_s, body_deadline_s, conn_per_addr;
};
static inline int sw_http_open(struct sw_http **out, const char *addrport, struct sw_mgmt_host *h,
			       const struct sw_http_opts *o, char *err, size_t errlen)
{
	(void)addrport, (void)h, (void)o;
	*out = NULL;
	snprintf(err, errlen, "--http: this statewall was built without the web stack "
			      "(cmake -DSW_WITH_HTTP=OFF)");
	return -ENOTSUP;
}
static inline void sw_http_close(struct sw_http *x) { (void)x; }
static inline const char *sw_http_url(const struct sw_http *x) { (void)x; return ""; }
static inline int sw_http_pollfds(struct sw_http *x, struct pollfd *pfd, int max)
{
	(void)x, (void)pfd, (void)max;
	return 0;
}
static inline void sw_http_service(struct sw_http *x, const struct pollfd *pfd, int n, int64_t b)
{
	(void)x, (void)pfd, (void)n, (void)b;
}
static inline int sw_http_busy(const struct sw_http *x) { (void)x; return 0; }
static inline void sw_http_note_end(struct sw_http *x, const struct sw_sess_info *si)
{
	(void)x, (void)si;
}
#endif

/* The files under web/, compiled in by cmake/embed.cmake (NULL path ends the table). */
struct sw_web_asset {
	const char *path; /* relative to web/, e.g. "index.html" */
	const unsigned char *data;
	size_t len;
};
extern const struct sw_web_asset sw_web_assets[];

#endif
