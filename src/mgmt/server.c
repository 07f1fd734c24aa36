/*
 * server.c - the control socket: a UNIX stream socket (mode 0600) speaking
 * newline-delimited JSON, one request/response at a time per connection
 * (docs/control-protocol.md).
 *
 *   request   {"op":"exec","cmd":"show session all","format":"text"}\n
 *             {"op":"complete","cmd":"show session a"}\n
 *             {"op":"cancel"}\n            (stops the command or subscription on this connection)
 *             {"op":"events","filter":"destination-port 80","format":"json","after":0}\n
 *             a line that is not JSON is taken as {"op":"exec","cmd":LINE}
 *   response  {"data":"..."}\n ...          zero or more chunks of the output
 *             {"end":true,"ok":true,"mode":"operational"}\n
 *             {"end":true,"ok":false,"error":"...","mode":"configure"}\n
 *
 *   events    {"ok":true,"events":true,"last":ID}\n then one line per event
 *             (a JSON object, or a traffic-log text line), until
 *             {"end":true,...}\n (cancelled, or closed for staying behind)
 *
 * Everything is non-blocking and runs on the daemon's management thread:
 * sw_ctl_service() steps the running commands for a bounded time.  Bounds:
 *   - output: no reply of any kind is started and no command is stepped
 *     while more than OUT_HIGH bytes wait for the client, so a client that
 *     does not read costs neither memory nor time (a subscriber's overflow
 *     notice and closing frame are the only lines written past it);
 *   - input: a request line longer than IN_MAX is refused whole, and what
 *     follows it up to the next newline is discarded;
 *   - clients: MAX_CLIENTS, plus one reserve slot for an operator when they
 *     are all taken: a client in the reserve slot that sends no request
 *     within RESERVE_GRACE_NS is told "too many control connections" and
 *     closed.  A connection that finds the reserve slot taken too closes the
 *     client idle longest if one has been idle RESERVE_GRACE_NS, and is
 *     itself told "too many control connections" if none has.  A client
 *     with nothing running and nothing sent or received for the idle
 *     timeout is closed, as is one that has not read its output that long.
 * Each connection has its own mode and candidate configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mgmt/ctl.h"
#include "mgmt/events.h"
#include "mgmt/mgmt.h"
#include "util/clock.h"

#define MAX_CLIENTS 32
#define IN_MAX (256 * 1024)   /* longest request line */
#define OUT_HIGH (256 * 1024) /* pending output above which nothing more is produced */
#define RESERVE_GRACE_NS (2 * 1000 * 1000 * 1000LL)
#define EVENTS_PER_SERVICE 1024 /* event lines per subscriber per service call */

static const char too_many[] =
	"{\"end\":true,\"ok\":false,\"error\":\"too many control connections\"}\n";

struct client {
	int fd;
	int eof;      /* the peer will send no more requests */
	int json;     /* format of the running call */
	int skip;     /* discarding the rest of an over-long line, up to its newline */
	int reserve;  /* in the reserve slot */
	int requests; /* requests started */
	int closing;  /* drop once the output is flushed (or the client stays stuck) */
	int notice_stuck; /* an overflow notice was queued while its output was full */
	int64_t accepted, active; /* monotonic ns: accept, last I/O or progress */
	struct sw_buf in, out, body;
	struct sw_mgmt_sess sess;
	struct sw_mgmt_call *call;
	struct sw_ev_sub *sub; /* an events subscription runs */
	enum sw_ev_format sub_fmt;
};

struct sw_ctl {
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sw_mgmt_host *h;
	struct client cl[MAX_CLIENTS + 1];
	int ncl, nreserve;
	int64_t idle_ns;
};

int sw_ctl_open(struct sw_ctl **out, const char *path, struct sw_mgmt_host *h, char *err,
		size_t errlen)
{
	struct sw_ctl *c;
	struct sockaddr_un sa;
	struct stat stt;
	mode_t old;
	int fd;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	/* the directory: create it (0700) if it is missing */
	{
		char dir[sizeof(sa.sun_path)];
		char *slash;
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
				int e = errno;
				snprintf(err, errlen, "%s: cannot create the directory: %s", dir, strerror(e));
				return -e;
			}
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &stt) == 0) {
		if (!S_ISSOCK(stt.st_mode)) {
			snprintf(err, errlen, "%s: exists and is not a socket", path);
			return -EEXIST;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			snprintf(err, errlen, "%s: another statewall daemon answers on it", path);
			return -EADDRINUSE;
		}
		if (fd >= 0)
			close(fd);
		unlink(path); /* stale: its daemon is gone */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "control socket: %s", strerror(e));
		return -e;
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		umask(old);
		close(fd);
		snprintf(err, errlen, "%s: cannot bind: %s", path, strerror(e));
		return -e;
	}
	umask(old);
	if (chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		int e = errno;
		close(fd);
		unlink(path);
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		unlink(path);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->lfd = fd;
	c->h = h;
	c->idle_ns = SW_CTL_IDLE_DEFAULT * SW_NS_PER_SEC;
	memcpy(c->path, path, strlen(path) + 1);
	*out = c;
	return 0;
}

static void drop_client(struct sw_ctl *c, int i)
{
	struct client *k = &c->cl[i];

	close(k->fd);
	if (k->reserve)
		c->nreserve--;
	sw_ev_unsubscribe(k->sub);
	sw_mgmt_call_free(k->call);
	sw_mgmt_sess_free(&k->sess);
	sw_buf_free(&k->in);
	sw_buf_free(&k->out);
	sw_buf_free(&k->body);
	c->cl[i] = c->cl[--c->ncl];
	memset(&c->cl[c->ncl], 0, sizeof(c->cl[0]));
}

void sw_ctl_close(struct sw_ctl *c)
{
	if (!c)
		return;
	while (c->ncl)
		drop_client(c, c->ncl - 1);
	close(c->lfd);
	unlink(c->path);
	free(c);
}

int sw_ctl_pollfds(struct sw_ctl *c, struct pollfd *pfd, int max)
{
	int n = 0;

	if (max < 1)
		return 0;
	pfd[n].fd = c->lfd;
	pfd[n].events = POLLIN; /* over the limit: answered and closed at once */
	pfd[n++].revents = 0;
	for (int i = 0; i < c->ncl && n < max; i++) {
		struct client *k = &c->cl[i];
		pfd[n].fd = k->fd;
		pfd[n].events = (short)((!k->eof && k->in.len < IN_MAX ? POLLIN : 0) |
					(k->out.len ? POLLOUT : 0));
		pfd[n++].revents = 0;
	}
	return n;
}

/* Move the call's output into a {"data":...} frame. */
static void frame_body(struct client *k)
{
	if (!k->body.len)
		return;
	sw_buf_puts(&k->out, "{\"data\":");
	sw_buf_json_str(&k->out, k->body.p);
	sw_buf_puts(&k->out, "}\n");
	sw_buf_consume(&k->body, k->body.len);
}

static void frame_end(struct client *k, int ok, const char *error)
{
	frame_body(k);
	sw_buf_printf(&k->out, "{\"end\":true,\"ok\":%s", ok ? "true" : "false");
	if (!ok) {
		sw_buf_puts(&k->out, ",\"error\":");
		sw_buf_json_str(&k->out, error && *error ? error : "failed");
	}
	sw_buf_printf(&k->out, ",\"mode\":\"%s\"}\n",
		      k->sess.mode == SW_MODE_CONF ? "configure" : "operational");
}

static int flush_out(struct client *k)
{
	while (k->out.len) {
		ssize_t w = send(k->fd, k->out.p, k->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			return -1;
		}
		sw_buf_consume(&k->out, (size_t)w);
	}
	return 0;
}

/* The next complete request line, copied to *line (caller frees); 0 if none. */
static int next_line(struct client *k, char **line)
{
	char *nl;
	size_t n;

	if (!k->in.len)
		return 0;
	nl = memchr(k->in.p, '\n', k->in.len);
	if ((nl ? (size_t)(nl - k->in.p) : k->in.len) >= IN_MAX) {
		/* refused whole: nothing of it runs, and its rest is skipped up to its newline */
		sw_buf_consume(&k->in, nl ? (size_t)(nl - k->in.p) + 1 : k->in.len);
		k->skip = !nl;
		return -2;
	}
	if (!nl) {
		if (!k->eof)
			return 0;
		n = k->in.len; /* the last line, without a newline */
	} else {
		n = (size_t)(nl - k->in.p);
	}
	*line = strndup(k->in.p, n);
	sw_buf_consume(&k->in, nl ? n + 1 : n);
	return *line ? 1 : -1;
}

static void ev_ready(void *ctx)
{
	(void)ctx; /* sw_ctl_busy() and sw_ctl_service() look at every subscriber */
}

/* {"op":"events"}: subscribe with the `show session all` filter words. */
static void start_events(struct sw_ctl *c, struct client *k, const char *req, const char *fmt)
{
	char *words = sw_json_get_strdup(req, "filter");
	char buf[4096], err[256], *argv[SW_MGMT_MAXARGS];
	struct sw_filter f;
	long after = sw_json_get_int(req, "after", 0);
	int argc = 0;

	if (!c->h->events) {
		frame_end(k, 0, "this daemon has no event stream");
		goto out;
	}
	if (words && (argc = sw_mgmt_split(words, buf, sizeof(buf), argv, SW_MGMT_MAXARGS)) < 0) {
		frame_end(k, 0, "filter: unterminated quote or too many words");
		goto out;
	}
	if (sw_filter_parse(&f, argv, argc, err, sizeof(err)) < 0) {
		frame_end(k, 0, err);
		goto out;
	}
	k->sub_fmt = strcmp(fmt, "text") == 0 ? SW_EV_TEXT : SW_EV_JSON;
	k->sub = sw_events_subscribe(c->h->events, argc ? &f : NULL, after > 0 ? (uint64_t)after : 0,
				     0, ev_ready, NULL);
	if (!k->sub) {
		frame_end(k, 0, "out of memory");
		goto out;
	}
	sw_buf_printf(&k->out, "{\"ok\":true,\"events\":true,\"last\":%llu}\n",
		      (unsigned long long)sw_events_last_id(c->h->events));
out:
	free(words);
}

static void start_request(struct sw_ctl *c, struct client *k, const char *line)
{
	char op[16] = "exec", fmt[16] = "text";
	char *cmd = NULL;
	const char *p = line;

	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (!*p)
		return; /* blank line: nothing to answer */
	k->requests++;
	if (*p != '{') {
		cmd = strdup(p);
	} else {
		if (sw_json_get_str(p, "op", op, sizeof(op)) < 0 ||
		    sw_json_get_str(p, "format", fmt, sizeof(fmt)) < 0) {
			frame_end(k, 0, "malformed request: \"op\" and \"format\" must be short strings");
			return;
		}
		if (strcmp(op, "events") == 0) {
			if (strcmp(fmt, "json") != 0 && strcmp(fmt, "text") != 0)
				frame_end(k, 0, "unknown format (expected text or json)");
			else
				start_events(c, k, p, fmt);
			return;
		}
		cmd = sw_json_get_strdup(p, "cmd");
		if (!cmd && strcmp(op, "cancel") != 0) {
			frame_end(k, 0, "malformed request: expected {\"cmd\": \"...\"}");
			return;
		}
	}
	if (strcmp(fmt, "json") != 0 && strcmp(fmt, "text") != 0) {
		frame_end(k, 0, "unknown format (expected text or json)");
	} else if (strcmp(op, "complete") == 0) {
		sw_mgmt_complete(c->h, &k->sess, cmd ? cmd : "", &k->body);
		frame_end(k, 1, NULL);
	} else if (strcmp(op, "cancel") == 0) {
		frame_end(k, 1, NULL); /* nothing was running */
	} else if (strcmp(op, "exec") == 0) {
		k->json = strcmp(fmt, "json") == 0;
		k->call = sw_mgmt_call_start(c->h, &k->sess, cmd, k->json, &k->body);
		if (!k->call)
			frame_end(k, 0, "out of memory");
	} else {
		frame_end(k, 0, "unknown op (expected exec, complete, events or cancel)");
	}
	free(cmd);
}

/* A cancel at the head of the input, while a command or subscription runs: 1 if one was taken. */
static int take_cancel(struct client *k)
{
	const char *nl = k->in.len ? memchr(k->in.p, '\n', k->in.len) : NULL;
	char op[16];
	int yes = 0;

	if (!nl)
		return 0;
	char *peek = strndup(k->in.p, (size_t)(nl - k->in.p));
	if (peek && sw_json_get_str(peek, "op", op, sizeof(op)) == 1 && strcmp(op, "cancel") == 0) {
		sw_buf_consume(&k->in, (size_t)(nl - k->in.p) + 1);
		yes = 1;
	}
	free(peek);
	return yes;
}

/* Start the next queued request if none runs and the output has room; a cancel stops the running one. */
static void next_request(struct sw_ctl *c, struct client *k)
{
	char *line = NULL;
	int rc;

	if (k->call) {
		/* only a cancel is looked at while a command runs */
		if (take_cancel(k)) {
			sw_mgmt_call_free(k->call);
			k->call = NULL;
			sw_buf_consume(&k->body, k->body.len);
			frame_end(k, 0, "cancelled");
		}
		return;
	}
	if (k->sub) {
		if (take_cancel(k)) {
			sw_ev_unsubscribe(k->sub);
			k->sub = NULL;
			frame_end(k, 1, NULL);
		}
		return;
	}
	while (!k->call && !k->sub && !k->closing && k->out.len < OUT_HIGH &&
	       (rc = next_line(k, &line)) != 0) {
		if (rc == -2) {
			char msg[128];
			snprintf(msg, sizeof(msg), "request line longer than %d bytes: refused; "
						   "skipped to its newline", IN_MAX);
			frame_end(k, 0, msg);
			continue;
		}
		if (rc < 0)
			break;
		start_request(c, k, line);
		free(line);
		line = NULL;
	}
}

/*
 * Every slot is taken: make room by closing the client idle longest, if one
 * has had nothing running for RESERVE_GRACE_NS.  0, or -1 if none may go.
 */
static int evict_idlest(struct sw_ctl *c)
{
	int64_t now = sw_mono_ns(), idlest = 0;
	int pick = -1;

	for (int i = 0; i < c->ncl; i++) {
		const struct client *k = &c->cl[i];
		if (k->call || k->sub || k->out.len || k->in.len)
			continue;
		if (now - k->active >= RESERVE_GRACE_NS && now - k->active > idlest) {
			idlest = now - k->active;
			pick = i;
		}
	}
	if (pick < 0)
		return -1;
	{
		struct client *k = &c->cl[pick];
		char msg[160];
		int n = snprintf(msg, sizeof(msg), "{\"end\":true,\"ok\":false,\"error\":\"idle for "
					      "%lld s: closed to make room for a new connection\"}\n",
				 (long long)(idlest / SW_NS_PER_SEC));
		(void)!send(k->fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	drop_client(c, pick);
	return 0;
}

static void accept_clients(struct sw_ctl *c)
{
	for (;;) {
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int reserve = 0;
		if (fd < 0)
			return;
		if (c->ncl - c->nreserve >= MAX_CLIENTS) {
			if (c->nreserve && evict_idlest(c) < 0) {
				(void)!send(fd, too_many, sizeof(too_many) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
				close(fd);
				continue;
			}
			reserve = c->nreserve == 0; /* for an operator: it must send a request soon */
		}
		struct client *k = &c->cl[c->ncl++];
		memset(k, 0, sizeof(*k));
		k->fd = fd;
		k->reserve = reserve;
		c->nreserve += reserve;
		k->accepted = k->active = sw_mono_ns();
		sw_mgmt_sess_init(&k->sess);
	}
}

/* Append received bytes to the input, or discard them up to the newline of a refused line. */
static void take_input(struct client *k, const char *buf, size_t n)
{
	if (k->skip) {
		const char *nl = memchr(buf, '\n', n);
		if (!nl)
			return;
		k->skip = 0;
		n -= (size_t)(nl + 1 - buf);
		buf = nl + 1;
	}
	sw_buf_put(&k->in, buf, n);
}

static int read_client(struct client *k)
{
	char buf[16384];

	for (int i = 0; i < 16 && k->in.len < IN_MAX; i++) {
		ssize_t r = recv(k->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r == 0) {
			k->eof = 1;
			return 0;
		}
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		k->active = sw_mono_ns();
		take_input(k, buf, (size_t)r);
		if (k->in.oom)
			return -1;
	}
	return 0;
}

/* Event lines for a subscriber, while its output has room (a notice or the close: always). */
static void pump_events(struct client *k)
{
	uint64_t id;

	for (int i = 0; k->sub && i < EVENTS_PER_SERVICE; i++) {
		int gone = 0;
		if (k->out.len < OUT_HIGH) {
			k->notice_stuck = 0;
		} else if (sw_ev_closed(k->sub)) {
			/* its notice, then its closing */
		} else if (!sw_ev_overflow_pending(k->sub)) {
			return;
		} else if (k->notice_stuck) {
			gone = 1; /* a second overflow before it read the first notice */
		} else {
			k->notice_stuck = 1;
		}
		int rc = gone ? -EPIPE : sw_ev_next(k->sub, k->sub_fmt, &k->out, &id);
		if (rc == 0)
			return;
		if (rc < 0) {
			sw_ev_unsubscribe(k->sub);
			k->sub = NULL;
			frame_end(k, 0, "disconnected: the subscriber stayed behind the event stream");
			k->closing = 1;
			return;
		}
		sw_buf_puts(&k->out, "\n");
	}
}

void sw_ctl_service(struct sw_ctl *c, const struct pollfd *pfd, int n, int64_t budget_ns)
{
	int64_t now = sw_mono_ns(), deadline = now + budget_ns;

	for (int j = 0; j < n; j++) {
		if (!pfd[j].revents)
			continue;
		if (pfd[j].fd == c->lfd) {
			accept_clients(c);
			continue;
		}
		for (int i = 0; i < c->ncl; i++) {
			struct client *k = &c->cl[i];
			if (k->fd != pfd[j].fd)
				continue;
			if ((pfd[j].revents & (POLLIN | POLLHUP | POLLERR)) && read_client(k) < 0) {
				drop_client(c, i);
				break;
			}
			if ((pfd[j].revents & POLLOUT) && flush_out(k) < 0) {
				drop_client(c, i);
				break;
			}
			break;
		}
	}

	/* run commands, round robin, until they are done, blocked on output, or time is up */
	for (int progress = 1; progress && sw_mono_ns() < deadline;) {
		progress = 0;
		for (int i = 0; i < c->ncl; i++) {
			struct client *k = &c->cl[i];
			next_request(c, k);
			pump_events(k);
			if (!k->call || k->out.len >= OUT_HIGH)
				continue;
			int rc = sw_mgmt_call_step(k->call);
			if (rc == SW_CALL_MORE) {
				if (k->body.len >= 16384)
					frame_body(k);
			} else {
				frame_end(k, rc == SW_CALL_DONE, sw_mgmt_call_error(k->call));
				sw_mgmt_call_free(k->call);
				k->call = NULL;
				next_request(c, k);
			}
			progress = 1;
			if (sw_mono_ns() >= deadline)
				break;
		}
	}

	now = sw_mono_ns();
	for (int i = 0; i < c->ncl; i++) {
		struct client *k = &c->cl[i];
		size_t before;
		if (k->call && k->body.len)
			frame_body(k);
		before = k->out.len;
		if (flush_out(k) < 0) {
			drop_client(c, i--);
			continue;
		}
		if (k->out.len < before)
			k->active = now;
		if (k->reserve && !k->requests && now - k->accepted >= RESERVE_GRACE_NS) {
			/* the reserve slot is for an operator's request, not for holding */
			(void)!send(k->fd, too_many, sizeof(too_many) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			drop_client(c, i--);
			continue;
		}
		if (now - k->active >= c->idle_ns && (k->out.len || (!k->call && !k->sub))) {
			/* idle, or not reading what it asked for: either way, gone */
			if (!k->out.len && !k->closing)
				sw_buf_printf(&k->out, "{\"end\":true,\"ok\":false,\"error\":\"idle for "
						       "%lld s: closed\"}\n",
					      (long long)(c->idle_ns / SW_NS_PER_SEC));
			(void)flush_out(k);
			drop_client(c, i--);
			continue;
		}
		if ((k->closing && !k->out.len) ||
		    (k->eof && !k->call && !k->sub && !k->out.len && !k->in.len)) {
			drop_client(c, i--);
		}
	}
}

int sw_ctl_busy(const struct sw_ctl *c)
{
	for (int i = 0; i < c->ncl; i++) {
		const struct client *k = &c->cl[i];
		if (k->out.len >= OUT_HIGH)
			continue; /* waits for the client to read */
		if (k->call)
			return 1;
		if (k->sub && sw_ev_pending(k->sub))
			return 1;
		if (!k->call && !k->sub && !k->closing && k->in.len && memchr(k->in.p, '\n', k->in.len))
			return 1;
	}
	return 0;
}

void sw_ctl_set_idle_timeout(struct sw_ctl *c, unsigned secs)
{
	c->idle_ns = (int64_t)secs * SW_NS_PER_SEC;
}
