/*
 * run.c - `statewall run --vwire A,B`: the inline firewall daemon.
 *
 * One thread, one poll() loop over: the two interfaces' receive rings, a
 * signalfd (SIGTERM/SIGINT stop, SIGHUP reloads the configuration file), the
 * control socket and its clients.  Each wakeup:
 *
 *   1. packets: a receive block at a time from each interface, in bursts of
 *      up to BURST frames through sw_engine_burst(); passed frames are queued
 *      on the other interface's TX ring, one send() per burst;
 *   2. timers: sw_engine_advance() every ~100 ms (the poll timeout when idle);
 *   3. management: command steps for at most MGMT_BUDGET_NS, so a listing of
 *      a large table or a clear is spread over many wakeups and packets keep
 *      flowing in between.
 *
 * Time is wall-clock nanoseconds (the session log's times are real dates),
 * taken as CLOCK_REALTIME at start plus CLOCK_MONOTONIC since: stepping the
 * system clock can neither age every session out at once nor stall timers.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/report.h"
#include "io/afpacket.h"
#include "http/http.h"
#include "mgmt/mgmt.h"
#include "statewall/engine.h"

#define BURST 256
#define ADVANCE_NS (100 * 1000 * 1000LL)
#define MGMT_BUDGET_NS (2 * 1000 * 1000LL)
#define BLOCKS_PER_WAKEUP 8
#define DEFAULT_CTL "/run/statewall/statewall.sock"
#define LINK_ETHERNET 1

struct daemon {
	struct sw_engine *eng;
	struct sw_afp *port[2];
	FILE *log;
	int log_dirty;
	uint64_t arp_passed;
	sw_time_t clock_base;
	struct sw_mgmt_host host;
	struct sw_dp_direct dpd;
	struct sw_ctl *ctl;
	struct sw_http *http; /* --http: web UI and REST API (NULL: off) */
};

static sw_time_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (sw_time_t)ts.tv_sec * SW_NS_PER_SEC + ts.tv_nsec;
}

static sw_time_t now_ns(const struct daemon *d)
{
	return d->clock_base + mono_ns();
}

static void on_end(void *ctx, const struct sw_sess_info *si)
{
	struct daemon *d = ctx;

	if (d->log) {
		sw_log_session(d->log, si);
		d->log_dirty = 1;
	}
	sw_http_note_end(d->http, si);
}

/* ARP, possibly behind one or two VLAN tags. */
static int is_arp(const uint8_t *f, uint32_t len)
{
	uint32_t off = 12;

	for (int tags = 0; tags < 3 && off + 2 <= len; tags++) {
		unsigned et = (unsigned)f[off] << 8 | f[off + 1];
		if (et == 0x0806)
			return 1;
		if (et != 0x8100 && et != 0x88a8 && et != 0x9100)
			return 0;
		off += 4;
	}
	return 0;
}

/* One receive block of `in` through the engine; passed frames out of `out`. 1 if a block was processed. */
static int pump(struct daemon *d, struct sw_afp *in, struct sw_afp *out, sw_time_t now)
{
	const uint8_t *frames[BURST];
	uint32_t lens[BURST];
	sw_time_t ts[BURST];
	struct sw_verdict v[BURST];
	unsigned n;
	int any = 0;

	while ((n = sw_afp_rx(in, frames, lens, BURST)) > 0) {
		unsigned m = 0;
		/*
		 * ARP is the wire's own business: it goes across untouched, as on a
		 * PAN-OS virtual wire.  Everything else is the engine's (which drops
		 * other non-IP frames as unsupported-l2).  Order is kept per direction.
		 */
		for (unsigned i = 0; i < n; i++) {
			if (is_arp(frames[i], lens[i])) {
				(void)sw_afp_tx(out, frames[i], lens[i]);
				d->arp_passed++;
				continue;
			}
			frames[m] = frames[i];
			lens[m] = lens[i];
			ts[m++] = now;
		}
		if (m) {
			sw_engine_burst(d->eng, frames, lens, LINK_ETHERNET, ts, m, v);
			for (unsigned i = 0; i < m; i++)
				if (v[i].action == SW_PASS)
					(void)sw_afp_tx(out, frames[i], lens[i]);
		}
		sw_afp_tx_flush(out);
		any = 1;
	}
	if (sw_afp_rx_pending(in)) {
		sw_afp_rx_done(in);
		any = 1;
	}
	return any;
}

static void pump_all(struct daemon *d, int rounds)
{
	for (int r = 0; r < rounds; r++) {
		sw_time_t now = now_ns(d);
		int moved = pump(d, d->port[0], d->port[1], now);
		moved |= pump(d, d->port[1], d->port[0], now);
		if (!moved)
			break;
	}
}

static void usage(FILE *f)
{
	fputs("usage: statewall run --vwire IF_A,IF_B [options]\n"
	      "  --vwire A,B            bridge interfaces A and B through the engine (AF_PACKET)\n"
	      "  -c, --config FILE      configuration of `set` lines; `commit` writes it back\n"
	      "                         (a missing FILE starts from the defaults)\n"
	      "      --set NAME=VALUE   one session setting on top of FILE (repeatable)\n"
	      "      --ctl SOCKET       control socket (default " DEFAULT_CTL ")\n"
	      "      --log FILE|-       session log: one JSON object per ended session (appended)\n"
	      "      --http ADDR:PORT   serve the web UI and REST API there (off by default)\n"
	      "      --http-auth FILE   administrator password hash (`statewall passwd`;\n"
	      "                         default /etc/statewall/admin.hash)\n"
	      "      --http-keys FILE   REST API keys (`statewall apikey add`;\n"
	      "                         default /etc/statewall/api-keys)\n"
	      "      --tls-cert FILE, --tls-key FILE   serve HTTPS with this PEM certificate and key\n"
	      "  -q, --quiet            no start/stop messages\n"
	      "Signals: SIGTERM/SIGINT stop (open sessions are logged with reason `shutdown`),\n"
	      "SIGHUP reloads the configuration file.\n",
	      f);
}

int sw_cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"vwire", required_argument, NULL, 'W'}, {"config", required_argument, NULL, 'c'},
		{"set", required_argument, NULL, 'S'}, {"ctl", required_argument, NULL, 'C'},
		{"log", required_argument, NULL, 'L'}, {"quiet", no_argument, NULL, 'q'},
		{"http", required_argument, NULL, 'H'}, {"http-auth", required_argument, NULL, 'A'},
		{"http-keys", required_argument, NULL, 'K'}, {"tls-cert", required_argument, NULL, 'T'},
		{"tls-key", required_argument, NULL, 'Y'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *http_addr = NULL;
	struct sw_http_opts hopts = {.auth_file = "/etc/statewall/admin.hash",
				     .keys_file = "/etc/statewall/api-keys"};
	const char *vwire = NULL, *ctl_path = DEFAULT_CTL, *log_path = NULL;
	char ifs[2][64], err[600];
	struct app_conf ac;
	struct sw_conf *conf = NULL;
	struct daemon d;
	int ch, rc = 1, quiet = 0, sfd = -1, stop = 0;
	sigset_t mask;
	struct pollfd pfd[3 + 40 + 2];
	sw_time_t last_adv, last_rate;

	memset(&d, 0, sizeof(d));
	app_conf_init(&ac);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'W': vwire = optarg; break;
		case 'c': ac.config = optarg; break;
		case 'S':
			if (app_conf_add_set(&ac, optarg) < 0)
				goto out;
			break;
		case 'C': ctl_path = optarg; break;
		case 'L': log_path = optarg; break;
		case 'q': quiet = 1; break;
		case 'H': http_addr = optarg; break;
		case 'A': hopts.auth_file = optarg; break;
		case 'K': hopts.keys_file = optarg; break;
		case 'T': hopts.tls_cert = optarg; break;
		case 'Y': hopts.tls_key = optarg; break;
		case 'h': usage(stdout); rc = 0; goto out;
		default: usage(stderr); rc = 2; goto out;
		}
	}
	if (!vwire || optind != argc) {
		usage(stderr);
		rc = 2;
		goto out;
	}
	{
		const char *comma = strchr(vwire, ',');
		size_t la = comma ? (size_t)(comma - vwire) : 0;
		if (!comma || la == 0 || la >= sizeof(ifs[0]) || strlen(comma + 1) == 0 ||
		    strlen(comma + 1) >= sizeof(ifs[1]) || strchr(comma + 1, ',')) {
			fprintf(stderr, "statewall run: --vwire wants two interfaces: IF_A,IF_B\n");
			rc = 2;
			goto out;
		}
		memcpy(ifs[0], vwire, la);
		ifs[0][la] = '\0';
		snprintf(ifs[1], sizeof(ifs[1]), "%s", comma + 1);
		if (strcmp(ifs[0], ifs[1]) == 0) {
			fprintf(stderr, "statewall run: --vwire needs two different interfaces\n");
			rc = 2;
			goto out;
		}
	}

	/* configuration: a missing file is an empty one; commit creates it */
	conf = malloc(sizeof(*conf));
	if (!conf) {
		fputs("statewall run: out of memory\n", stderr);
		goto out;
	}
	if (ac.config && access(ac.config, F_OK) != 0 && errno == ENOENT) {
		const char *path = ac.config;
		if (!quiet)
			fprintf(stderr, "statewall run: %s does not exist: starting from the defaults "
					"(commit creates it)\n", path);
		ac.config = NULL;
		rc = app_conf_build(&ac, conf);
		ac.config = path;
	} else {
		rc = app_conf_build(&ac, conf);
	}
	if (rc < 0) {
		rc = 2;
		goto out;
	}
	rc = 1;
	if ((ch = sw_engine_create(&d.eng, conf)) < 0) {
		fprintf(stderr, "statewall run: cannot create the engine: %s\n", strerror(-ch));
		goto out;
	}
	for (int i = 0; i < 2; i++)
		if (sw_afp_open(&d.port[i], ifs[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "statewall run: %s\n", err);
			goto out;
		}
	if (log_path) {
		d.log = strcmp(log_path, "-") == 0 ? stdout : fopen(log_path, "a");
		if (!d.log) {
			fprintf(stderr, "statewall run: %s: %s\n", log_path, strerror(errno));
			goto out;
		}
	}
	sw_engine_on_end(d.eng, on_end, &d);
	{
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		d.clock_base = (sw_time_t)rt.tv_sec * SW_NS_PER_SEC + rt.tv_nsec - mono_ns();
	}

	sw_dp_direct_init(&d.host.dp, &d.dpd, d.eng, d.port[0], d.port[1]);
	d.host.conf_path = ac.config;
	d.host.started = now_ns(&d);
	if (sw_ctl_open(&d.ctl, ctl_path, &d.host, err, sizeof(err)) < 0) {
		fprintf(stderr, "statewall run: %s\n", err);
		goto out;
	}
	hopts.quiet = quiet;
	if (http_addr && sw_http_open(&d.http, http_addr, &d.host, &hopts, err, sizeof(err)) < 0) {
		fprintf(stderr, "statewall run: %s\n", err);
		goto out;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "statewall run: signalfd: %s\n", strerror(errno));
		goto out;
	}
	if (!quiet)
		fprintf(stderr, "statewall run: bridging %s <-> %s; control socket %s; config %s; "
				"log %s\n", ifs[0], ifs[1], ctl_path, ac.config ? ac.config : "(none)",
			log_path ? log_path : "(none)");
	if (!quiet && d.http)
		fprintf(stderr, "statewall run: web UI and REST API at %s\n", sw_http_url(d.http));

	last_adv = last_rate = now_ns(&d);
	sw_engine_advance(d.eng, last_adv);
	sw_mgmt_rates_tick(&d.host, last_rate);
	while (!stop) {
		int n, nh, timeout;
		sw_time_t now = now_ns(&d);

		pfd[0].fd = sw_afp_fd(d.port[0]);
		pfd[1].fd = sw_afp_fd(d.port[1]);
		pfd[2].fd = sfd;
		for (int i = 0; i < 3; i++) {
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		n = 3 + sw_ctl_pollfds(d.ctl, pfd + 3, (int)(sizeof(pfd) / sizeof(pfd[0])) - 3 - 2);
		nh = d.http ? sw_http_pollfds(d.http, pfd + n, 2) : 0;
		timeout = (int)((last_adv + ADVANCE_NS - now) / 1000000);
		if (timeout < 0 || sw_ctl_busy(d.ctl) || (d.http && sw_http_busy(d.http)))
			timeout = 0;
		if (timeout > 100)
			timeout = 100;
		if (poll(pfd, (nfds_t)(n + nh), timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "statewall run: poll: %s\n", strerror(errno));
			break;
		}

		pump_all(&d, BLOCKS_PER_WAKEUP);

		now = now_ns(&d);
		if (now - last_adv >= ADVANCE_NS) {
			sw_engine_advance(d.eng, now);
			last_adv = now;
		}
		if (now - last_rate >= SW_NS_PER_SEC) {
			sw_mgmt_rates_tick(&d.host, now);
			last_rate = now;
		}

		if (pfd[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					if (sw_mgmt_reload(&d.host, err, sizeof(err)) < 0)
						fprintf(stderr, "statewall run: SIGHUP: reload failed, "
								"configuration unchanged: %s\n", err);
					else if (!quiet)
						fprintf(stderr, "statewall run: SIGHUP: %s reloaded%s%s\n",
							d.host.conf_path, err[0] ? "; " : "", err);
				} else {
					stop = 1;
				}
			}
		}

		sw_ctl_service(d.ctl, pfd + 3, n - 3, MGMT_BUDGET_NS);
		if (d.http)
			sw_http_service(d.http, pfd + n, nh, MGMT_BUDGET_NS);

		if (d.log_dirty) {
			fflush(d.log);
			d.log_dirty = 0;
		}
	}

	/* drain what the rings hold, then end every open session */
	pump_all(&d, 4 * BLOCKS_PER_WAKEUP);
	sw_engine_advance(d.eng, now_ns(&d));
	sw_engine_flush(d.eng, SW_END_SHUTDOWN);
	if (!quiet) {
		struct sw_stats st;
		sw_engine_stats(d.eng, &st);
		fprintf(stderr, "statewall run: stopped: %llu packets, %llu forwarded, %llu dropped, "
				"%llu sessions; %llu ARP frames passed\n", (unsigned long long)st.ctr[SW_CTR_PKTS],
			(unsigned long long)st.ctr[SW_CTR_FORWARDED],
			(unsigned long long)st.ctr[SW_CTR_DROPPED],
			(unsigned long long)st.ctr[SW_CTR_SESS_CREATED],
			(unsigned long long)d.arp_passed);
	}
	rc = 0;
out:
	if (d.log && d.log != stdout && fclose(d.log) != 0) {
		fprintf(stderr, "statewall run: %s: write failed\n", log_path);
		rc = 1;
	} else if (d.log == stdout) {
		fflush(stdout);
	}
	if (sfd >= 0)
		close(sfd);
	sw_http_close(d.http);
	d.http = NULL;
	sw_ctl_close(d.ctl);
	sw_afp_close(d.port[0]);
	sw_afp_close(d.port[1]);
	sw_engine_destroy(d.eng);
	free(conf);
	app_conf_free(&ac);
	return rc;
}
