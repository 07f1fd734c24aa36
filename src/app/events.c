/*
 * events.c - `statewall events [--ctl SOCKET] [-o json|text] [--after ID]
 * [filter WORDS...]`: follow a running daemon's session events (start,
 * half-close, timer change, end, late) over its control socket, one line
 * per event, until interrupted or the daemon closes the stream.  The filter
 * words are those of `show session all` (source, destination, protocol,
 * destination-port, ...).  docs/control-protocol.md, "Events".
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "app/app.h"
#include "mgmt/mgmt.h"

#define DEFAULT_CTL "/run/statewall/statewall.sock"

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f)
{
	fputs("usage: statewall events [--ctl SOCKET] [-o json|text] [--after ID] [FILTER...]\n"
	      "  follow session events of a running `statewall run`, one line each\n"
	      "      --ctl SOCKET   the daemon's control socket (default " DEFAULT_CTL ")\n"
	      "  -o json|text       JSON objects (default) or PAN-OS traffic-log style lines\n"
	      "      --after ID     resume after event ID (from the daemon's backlog)\n"
	      "  FILTER             as `show session all`: source A, destination A,\n"
	      "                     source-port N, destination-port N, protocol P, state S\n"
	      "Exit status: 0 interrupted or stream ended by the daemon, 1 error or disconnected.\n",
	      f);
}

/* Handle one line from the daemon: 1 go on, 0 the stream ended well, -1 it ended badly. */
static int on_line(char *line)
{
	char err[512];

	if (strncmp(line, "{\"end\":", 7) == 0) {
		if (sw_json_get_int(line, "ok", 0))
			return 0;
		if (sw_json_get_str(line, "error", err, sizeof(err)) != 1)
			snprintf(err, sizeof(err), "failed");
		fprintf(stderr, "statewall events: %s\n", err);
		return -1;
	}
	static const char ack[] = "{\"ok\":true,\"events\":true,";
	if (strncmp(line, ack, sizeof(ack) - 1) == 0)
		return 1; /* the subscription is in place */
	if (fputs(line, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) == EOF) {
		fprintf(stderr, "statewall events: writing: %s\n", strerror(errno));
		return -1;
	}
	return 1;
}

int sw_cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {{"ctl", required_argument, NULL, 'C'},
					     {"after", required_argument, NULL, 'A'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *path = DEFAULT_CTL, *fmt = "json";
	unsigned long long after = 0;
	struct sw_buf filter = {0}, req = {0}, in = {0};
	struct sockaddr_un sa;
	int ch, fd = -1, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'C': path = optarg; break;
		case 'o':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				fprintf(stderr, "statewall events: -o %s: expected json or text\n", optarg);
				return 2;
			}
			fmt = optarg;
			break;
		case 'A': {
			char *end;
			errno = 0;
			after = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg) {
				fprintf(stderr, "statewall events: --after %s: expected an event id\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	for (int i = optind; i < argc; i++) {
		int quote = strchr(argv[i], ' ') != NULL;
		sw_buf_printf(&filter, "%s%s%s%s", filter.len ? " " : "", quote ? "\"" : "", argv[i],
			      quote ? "\"" : "");
	}
	sw_buf_printf(&req, "{\"op\":\"events\",\"format\":\"%s\",\"after\":%llu,\"filter\":", fmt,
		      after);
	sw_buf_json_str(&req, filter.p ? filter.p : "");
	sw_buf_puts(&req, "}\n");

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "statewall events: %s: socket path too long\n", path);
		goto out;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	signal(SIGPIPE, SIG_IGN);
	{
		/* ^C or SIGTERM: stop following, exit 0 (recv is interrupted: no SA_RESTART) */
		struct sigaction sa_int;
		memset(&sa_int, 0, sizeof(sa_int));
		sa_int.sa_handler = on_interrupt;
		sigaction(SIGINT, &sa_int, NULL);
		sigaction(SIGTERM, &sa_int, NULL);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "statewall events: cannot connect to %s: %s (is `statewall run` "
				"running? --ctl names its socket)\n", path, strerror(errno));
		goto out;
	}
	if (req.oom || send(fd, req.p, req.len, MSG_NOSIGNAL) != (ssize_t)req.len) {
		fprintf(stderr, "statewall events: %s: %s\n", path, strerror(errno));
		goto out;
	}
	for (;;) {
		char buf[65536], *nl;
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (interrupted) {
			rc = 0;
			goto out;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "statewall events: the daemon closed the connection\n");
			goto out;
		}
		sw_buf_put(&in, buf, (size_t)r);
		while (in.len && (nl = memchr(in.p, '\n', in.len))) {
			*nl = '\0';
			int v = on_line(in.p);
			sw_buf_consume(&in, (size_t)(nl - in.p) + 1);
			if (v <= 0) {
				rc = v == 0 ? 0 : 1;
				goto out;
			}
		}
	}
out:
	if (fd >= 0)
		close(fd);
	sw_buf_free(&filter);
	sw_buf_free(&req);
	sw_buf_free(&in);
	return rc;
}
