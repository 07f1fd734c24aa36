/*
 * run.c - `statewall run --vwire A,B`: the inline firewall daemon's options,
 * setup and teardown.  The daemon is N packet workers (daemon_pkt.c, each
 * its own thread under its seccomp filter, with its own engine and its own
 * sockets in the two interfaces' fanout groups) and the management thread
 * (daemon_mgmt.c), talking only through bounded rings (daemon.h).
 *
 * Time is wall-clock nanoseconds (the session log's times are real dates),
 * taken as CLOCK_REALTIME at start plus CLOCK_MONOTONIC since: stepping the
 * system clock can neither age every session out at once nor stall timers.
 *
 * Setup, as root or with CAP_NET_RAW: the configuration (its `set
 * deviceconfig system` lines give what the options do not), the interfaces'
 * rings, the session log, the control socket (group `statewall`, 0660) and
 * HTTP; then the privilege drop (--user, daemon_priv.c), then the threads.
 *
 * Stopping (SIGTERM/SIGINT, read by the management thread): it asks every
 * worker to stop and ends; the main thread joins them all, moves what the
 * rings still hold to the log, then for each worker drains the receive
 * rings, ends every open session with reason `shutdown` and logs them
 * itself.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/daemon.h"
#include "util/clock.h"
#include "app/report.h"
#include "http/http.h"
#include "io/afpacket.h"
#include "mgmt/ctl.h"
#include "mgmt/mgmt.h"
#include "statewall/engine.h"

#define DEFAULT_CTL "/run/statewall/statewall.sock"
#define EV_SLOTS 4096    /* events ring (packet -> management) */
#define END_SLOTS 65536  /* ended-session ring (packet -> log writer) */
#define POLL_SPIN_DEFAULT_US 0
#define POLL_SPIN_MAX_US 100000
#define BATCH_DEFAULT 256
#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * --cpus "C0[,C1...]": the workers' CPUs in order, then optionally one more
 * for the management thread (with one worker: "P,M" as before).  The count
 * of numbers, or -1.
 */
/* A whole decimal number in [lo, hi] into *v: 0, or -1. */
static int opt_num(const char *arg, long lo, long hi, long *v)
{
	char *end;
	long x = strtol(arg, &end, 10);

	if (*end || end == arg || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

static int parse_cpus(const char *arg, int *cpus, int max)
{
	const char *q = arg;
	int n = 0;

	for (;;) {
		char *end;
		long c = strtol(q, &end, 10);
		if (end == q || c < 0 || c >= CPU_SETSIZE || n == max)
			return -1;
		cpus[n++] = (int)c;
		if (*end == '\0')
			return n;
		if (*end != ',')
			return -1;
		q = end + 1;
	}
}

/* Pin thread t to cpu (-1: leave it); 0 or an errno. */
static int pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}

static void usage(FILE *f)
{
	fputs("usage: statewall run --vwire IF_A,IF_B [options] | statewall run -c FILE [options]\n"
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
	      "      --ctl-idle-timeout SECS  close control clients idle this long (default 300)\n"
	      "      --workers N        packet workers, each with its own engine (default: one per\n"
	      "                         online CPU, at most 16); table limits are divided among them\n"
	      "      --cpus C0[,C1..][,M]  pin worker i to CPU Ci (and the management thread to M)\n"
	      "      --rx-ring v2|v3    receive ring: v2 (default) sees each frame at once; v3 hands\n"
	      "                         over blocks, fewer wakeups, up to 1 ms wait per frame\n"
	      "      --rt-priority N    run the packet workers SCHED_FIFO at priority N (1-99; 0,\n"
	      "                         the default: SCHED_OTHER); needs CAP_SYS_NICE at start\n"
	      "      --poll-spin USEC   after a wakeup that moved frames, watch the rings this long\n"
	      "                         before sleeping in poll() (0: never; default "
	      STR(POLL_SPIN_DEFAULT_US) ")\n"
	      "      --batch N          frames a worker takes from a ring at once, 1-" STR(SW_AFP_BATCH_MAX) "\n"
	      "                         (default " STR(BATCH_DEFAULT) "): fewer wait less behind a busy worker,\n"
	      "                         more forward faster\n"
	      "      --decap            unwrap mirror transport (ERSPAN, VXLAN, Geneve): the\n"
	      "                         mirror flow itself is not a session\n"
	      "      --user NAME        after opening the interfaces and sockets as root, run as NAME\n"
	      "                         keeping only CAP_NET_RAW\n"
	      "      --ctl-group NAME   group of the control socket, mode 0660 (default statewall,\n"
	      "                         if it exists; else the socket is 0600)\n"
	      "      --no-seccomp       no system-call filter on the packet workers\n"
	      "      --log-prefix       severity prefixes (<3> error ...) on diagnostics, as under\n"
	      "                         systemd (automatic when stderr is the journal)\n"
	      "  -q, --quiet            no start/stop messages\n"
	      "--vwire, --http, --ctl, --log, --http-auth, --http-keys, --tls-cert and --tls-key\n"
	      "default to FILE's `set deviceconfig system` lines (statewall.conf(5)).\n"
	      "Signals: SIGTERM/SIGINT stop (open sessions are logged with reason `shutdown`),\n"
	      "SIGHUP reloads the configuration file and reopens the session log.  SIGUSR1 (and\n"
	      "the stop) report the packet workers' stall: per wakeup, the time spent on timers\n"
	      "and management requests.\n",
	      f);
}

void sw_run_usage(FILE *f)
{
	usage(f);
}

/* Option value if given, else the file's system setting, else dflt. */
static const char *pick(const char *opt, const char *conf, const char *dflt)
{
	return opt ? opt : conf[0] ? conf : dflt;
}

/* "A,B" into two different interface names; 0 or -1 with the message printed. */
static int parse_vwire(const char *vwire, char ifs[2][SW_SYS_IFNAME_MAX])
{
	const char *comma = strchr(vwire, ',');
	size_t la = comma ? (size_t)(comma - vwire) : 0;

	if (!comma || la == 0 || la >= SW_SYS_IFNAME_MAX || strlen(comma + 1) == 0 ||
	    strlen(comma + 1) >= SW_SYS_IFNAME_MAX || strchr(comma + 1, ',')) {
		daemon_diag(SW_LOG_ERR, "--vwire wants two interfaces: IF_A,IF_B");
		return -1;
	}
	memcpy(ifs[0], vwire, la);
	ifs[0][la] = '\0';
	snprintf(ifs[1], SW_SYS_IFNAME_MAX, "%s", comma + 1);
	if (strcmp(ifs[0], ifs[1]) == 0) {
		daemon_diag(SW_LOG_ERR, "--vwire needs two different interfaces");
		return -1;
	}
	return 0;
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
		{"ctl-idle-timeout", required_argument, NULL, 'I'},
		{"cpus", required_argument, NULL, 'P'}, {"user", required_argument, NULL, 'U'},
		{"ctl-group", required_argument, NULL, 'G'}, {"no-seccomp", no_argument, NULL, 'Z'},
		{"log-prefix", no_argument, NULL, 'O'}, {"rx-ring", required_argument, NULL, 'R'},
		{"workers", required_argument, NULL, 'N'}, {"decap", no_argument, NULL, 'X'},
		{"poll-spin", required_argument, NULL, 'B'}, {"rt-priority", required_argument, NULL, 'F'},
		{"batch", required_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	/* options; NULL: not given (the file's system settings, then the defaults) */
	const char *o_http = NULL, *o_auth = NULL, *o_keys = NULL, *o_cert = NULL, *o_key = NULL;
	const char *vwire = NULL, *o_ctl = NULL, *o_log = NULL, *user = NULL;
	const char *ctl_group = "statewall", *http_addr, *ctl_path = NULL, *log_path;
	struct sw_http_opts hopts = {0};
	char vw_buf[2 * SW_SYS_IFNAME_MAX + 2], err[600];
	struct app_conf ac;
	struct sw_conf *conf = NULL;
	static struct daemon d; /* large (rings' bookkeeping, stall histogram): not on the stack */
	int ch, rc = 1, quiet = 0, dpt_ok = 0, explicit_group = 0, log_prefix = 0;
	int mgmt_ok = 0, ncpus = 0, rt_prio = 0, rt_on = 0;
	long nw = sysconf(_SC_NPROCESSORS_ONLN), poll_spin_us = POLL_SPIN_DEFAULT_US;
	long batch = BATCH_DEFAULT;
	enum sw_afp_ring ring = SW_AFP_RING_V2;
	unsigned ctl_idle = SW_CTL_IDLE_DEFAULT;
	int cpus[SW_DP_MAX_WORKERS + 1]; /* --cpus: the workers' CPUs, then the management thread's */
	sigset_t mask;
	pthread_t mgmt;

	memset(&d, 0, sizeof(d));
	d.sfd = d.notify_fd = -1;
	d.seccomp = 1;
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
		case 'C': o_ctl = optarg; break;
		case 'L': o_log = optarg; break;
		case 'q': quiet = 1; break;
		case 'H': o_http = optarg; break;
		case 'A': o_auth = optarg; break;
		case 'K': o_keys = optarg; break;
		case 'T': o_cert = optarg; break;
		case 'Y': o_key = optarg; break;
		case 'U': user = optarg; break;
		case 'G': ctl_group = optarg; explicit_group = 1; break;
		case 'Z': d.seccomp = 0; break;
		case 'O': log_prefix = 1; break;
		case 'X': ac.decap = 1; break;
		case 'P':
			if ((ncpus = parse_cpus(optarg, cpus, SW_DP_MAX_WORKERS + 1)) < 0) {
				fprintf(stderr, "statewall run: --cpus %s: expected CPU numbers, one per "
						"worker, then optionally the management thread's\n", optarg);
				rc = 2;
				goto out;
			}
			break;
		case 'N':
			if (opt_num(optarg, 1, SW_DP_MAX_WORKERS, &nw) < 0) {
				fprintf(stderr, "statewall run: --workers %s: expected 1 to %d\n", optarg,
					SW_DP_MAX_WORKERS);
				rc = 2;
				goto out;
			}
			break;
		case 'F': {
			long v;
			if (opt_num(optarg, 0, 99, &v) < 0) {
				fprintf(stderr, "statewall run: --rt-priority %s: expected 0 (off) or a "
						"SCHED_FIFO priority, 1 to 99\n", optarg);
				rc = 2;
				goto out;
			}
			rt_prio = (int)v;
			break;
		}
		case 'B': {
			long v;
			if (opt_num(optarg, 0, POLL_SPIN_MAX_US, &v) < 0) {
				fprintf(stderr, "statewall run: --poll-spin %s: expected microseconds, "
						"0 to %d\n", optarg, POLL_SPIN_MAX_US);
				rc = 2;
				goto out;
			}
			poll_spin_us = v;
			break;
		}
		case 'J':
			if (opt_num(optarg, 1, SW_AFP_BATCH_MAX, &batch) < 0) {
				fprintf(stderr, "statewall run: --batch %s: expected frames, 1 to %d\n",
					optarg, SW_AFP_BATCH_MAX);
				rc = 2;
				goto out;
			}
			break;
		case 'R':
			if (strcmp(optarg, "v2") == 0) {
				ring = SW_AFP_RING_V2;
			} else if (strcmp(optarg, "v3") == 0) {
				ring = SW_AFP_RING_V3;
			} else {
				fprintf(stderr, "statewall run: --rx-ring %s: expected v2 or v3\n", optarg);
				rc = 2;
				goto out;
			}
			break;
		case 'I': {
			long v;
			if (opt_num(optarg, 1, 86400, &v) < 0) {
				fprintf(stderr, "statewall run: --ctl-idle-timeout %s: expected seconds, "
						"1 to 86400\n", optarg);
				rc = 2;
				goto out;
			}
			ctl_idle = (unsigned)v;
			break;
		}
		case 'h': usage(stdout); rc = 0; goto out;
		default: usage(stderr); rc = 2; goto out;
		}
	}
	daemon_diag_init(log_prefix);
	d.test_forbidden = getenv("SW_TEST_FORBIDDEN_CALL") != NULL;
	if (optind != argc || (!vwire && !ac.config)) {
		usage(stderr);
		rc = 2;
		goto out;
	}

	/* configuration: a missing file is an empty one; commit creates it */
	conf = malloc(sizeof(*conf));
	if (!conf) {
		daemon_diag(SW_LOG_ERR, "out of memory");
		goto out;
	}
	if (ac.config) {
		/* a commit killed mid-save leaves PATH.tmp.XXXXXX beside the file */
		char e[512];
		int n = sw_conf_save_cleanup(ac.config, e, sizeof(e));
		if (n < 0)
			daemon_diag(SW_LOG_WARNING, "%s", e);
		else if (n && !quiet)
			daemon_diag(SW_LOG_NOTICE, "removed %d stale temporary file%s beside %s", n,
				    n == 1 ? "" : "s", ac.config);
	}
	if (ac.config && access(ac.config, F_OK) != 0 && errno == ENOENT) {
		const char *path = ac.config;
		if (!quiet)
			daemon_diag(SW_LOG_NOTICE, "%s does not exist: starting from the defaults "
						   "(commit creates it)", path);
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
	rc = 2;
	if (!vwire && conf->sys.vwire[0][0]) {
		snprintf(vw_buf, sizeof(vw_buf), "%s,%s", conf->sys.vwire[0], conf->sys.vwire[1]);
		vwire = vw_buf;
	}
	if (!vwire) {
		daemon_diag(SW_LOG_ERR, "no interfaces: --vwire A,B or `set deviceconfig system "
					"vwire [ A B ]` in %s", ac.config);
		goto out;
	}
	if (parse_vwire(vwire, d.port_name) < 0)
		goto out;
	ctl_path = pick(o_ctl, conf->sys.ctl_socket, DEFAULT_CTL);
	log_path = pick(o_log, conf->sys.log_file, NULL);
	http_addr = pick(o_http, conf->sys.http_listen, NULL);
	hopts.auth_file = pick(o_auth, conf->sys.http_auth, "/etc/statewall/admin.hash");
	hopts.keys_file = pick(o_keys, conf->sys.http_keys, "/etc/statewall/api-keys");
	hopts.tls_cert = pick(o_cert, conf->sys.tls_cert, NULL);
	hopts.tls_key = pick(o_key, conf->sys.tls_key, NULL);

	rc = 1;
	if (nw < 1)
		nw = 1;
	if (nw > SW_DP_MAX_WORKERS)
		nw = SW_DP_MAX_WORKERS;
	d.nw = (unsigned)nw;
	d.poll_spin_ns = poll_spin_us * 1000;
	d.batch = (unsigned)batch;
	if (ncpus > (int)d.nw + 1) {
		daemon_diag(SW_LOG_ERR, "--cpus: %d CPUs for %u workers and the management thread",
			    ncpus, d.nw);
		rc = 2;
		goto out;
	}
	{
		struct sw_conf share = *conf;
		/* fanout group ids: per interface, unique to this daemon */
		uint16_t group = (uint16_t)(getpid() * 2);
		sw_conf_share(&share, d.nw);
		for (unsigned k = 0; k < d.nw; k++) {
			struct daemon_worker *w = &d.w[k];
			w->d = &d;
			w->index = k;
			w->cpu = (int)k < ncpus ? cpus[k] : -1;
			if ((ch = sw_engine_create(&w->eng, &share)) < 0) {
				daemon_diag(SW_LOG_ERR, "cannot create the engine: %s", strerror(-ch));
				goto out;
			}
			for (int i = 0; i < 2; i++)
				if (sw_afp_open(&w->port[i], d.port_name[i], ring, err, sizeof(err)) < 0 ||
				    (d.nw > 1 && sw_afp_fanout(w->port[i], (uint16_t)(group + i), err,
							       sizeof(err)) < 0)) {
					daemon_diag(SW_LOG_ERR, "%s", err);
					goto out;
				}
		}
	}
	d.log_path = log_path;
	if (daemon_log_open(&d, err, sizeof(err)) < 0) {
		daemon_diag(SW_LOG_ERR, "%s", err);
		goto out;
	}
	d.quiet = quiet;
	{
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		d.clock_base = (sw_time_t)rt.tv_sec * SW_NS_PER_SEC + rt.tv_nsec - sw_mono_ns();
	}

	d.notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d.notify_fd < 0) {
		daemon_diag(SW_LOG_ERR, "eventfd: %s", strerror(errno));
		goto out;
	}
	{
		struct sw_dp_link *links[SW_DP_MAX_WORKERS];
		/* the ended-session rings hold END_SLOTS in all (each a power of two) */
		unsigned end_slots = END_SLOTS;
		while (end_slots > 4096 && end_slots * d.nw > END_SLOTS)
			end_slots /= 2;
		for (unsigned k = 0; k < d.nw; k++) {
			struct daemon_worker *w = &d.w[k];
			if ((ch = sw_dp_link_init(&w->link, k, d.nw, w->eng, w->port[0], w->port[1],
						  d.notify_fd, EV_SLOTS, end_slots)) < 0) {
				daemon_diag(SW_LOG_ERR, "cannot set up the packet/management rings: %s",
					    strerror(-ch));
				goto out;
			}
			w->link_ok = 1;
			links[k] = &w->link;
			sw_engine_on_end(w->eng, daemon_on_end, w);
			sw_engine_on_event(w->eng, daemon_on_event, w);
			w->neigh = calloc(1, sizeof(*w->neigh));
			if (!w->neigh) {
				daemon_diag(SW_LOG_ERR, "neighbour table: %s", strerror(ENOMEM));
				goto out;
			}
			sw_engine_on_reset(w->eng, daemon_on_reset, w);
		}
		/* the management side keeps the whole configuration, the engines their shares */
		if ((ch = sw_dp_thread_init(&d.host.dp, &d.dpt, links, d.nw, d.notify_fd, conf)) < 0) {
			daemon_diag(SW_LOG_ERR, "%s", strerror(-ch));
			goto out;
		}
		dpt_ok = 1;
	}
	if ((ch = sw_events_create(&d.events, 0)) < 0) {
		daemon_diag(SW_LOG_ERR, "event stream: %s", strerror(-ch));
		goto out;
	}
	d.host.events = d.events;
	sw_events_set_conf(d.events, sw_dp_conf(&d.host.dp));

	/*
	 * Every thread blocks these (set before any thread starts: HTTP's password
	 * thread, the management thread); the management thread reads them from
	 * its signalfd.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d.sfd < 0) {
		daemon_diag(SW_LOG_ERR, "signalfd: %s", strerror(errno));
		goto out;
	}
	d.host.conf_path = ac.config;
	d.host.started = daemon_now(&d);
	d.host.log_reopen = log_path ? daemon_log_reopen : NULL;
	d.host.log_ctx = &d;
	if (daemon_ctl_dir(ctl_path, ctl_group, user, err, sizeof(err)) < 0 ||
	    sw_ctl_open(&d.ctl, ctl_path, &d.host, err, sizeof(err)) < 0 ||
	    daemon_ctl_group(ctl_path, ctl_group, explicit_group, user, err, sizeof(err)) < 0) {
		daemon_diag(SW_LOG_ERR, "%s", err);
		goto out;
	}
	sw_ctl_set_idle_timeout(d.ctl, ctl_idle);
	hopts.quiet = quiet;
	if (http_addr && sw_http_open(&d.http, http_addr, &d.host, &hopts, err, sizeof(err)) < 0) {
		daemon_diag(SW_LOG_ERR, "%s", err);
		goto out;
	}
	/*
	 * --rt-priority: this thread becomes SCHED_FIFO while it still may, and the
	 * workers it starts inherit it (no privilege needed then, --user or not);
	 * the management thread is started SCHED_OTHER, and this thread goes back
	 * to it once the workers run.
	 */
	if (rt_prio) {
		struct sched_param sp = {.sched_priority = rt_prio};
		if ((ch = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp)) != 0)
			daemon_diag(SW_LOG_WARNING, "--rt-priority %d: %s (the workers run SCHED_OTHER)",
				    rt_prio, strerror(ch));
		else
			rt_on = 1;
	}
	/* everything privileged is open: from here on only CAP_NET_RAW, perhaps as --user */
	if (daemon_drop_privileges(user, err, sizeof(err)) < 0) {
		daemon_diag(SW_LOG_ERR, "%s", err);
		goto out;
	}

	if (!quiet)
		daemon_diag(SW_LOG_INFO, "bridging %s <-> %s with %u worker%s; control socket %s; "
					 "config %s; log %s%s%s",
			    d.port_name[0], d.port_name[1], d.nw, d.nw == 1 ? "" : "s", ctl_path,
			    ac.config ? ac.config : "(none)", log_path ? log_path : "(none)",
			    user ? "; user " : "", user ? user : "");
	if (!quiet && d.http)
		daemon_diag(SW_LOG_INFO, "web UI and REST API at %s", sw_http_url(d.http));

	{
		pthread_attr_t attr;
		struct sched_param sp = {.sched_priority = 0};
		pthread_attr_init(&attr);
		if (rt_on) {
			pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
			pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
			pthread_attr_setschedparam(&attr, &sp);
		}
		ch = pthread_create(&mgmt, &attr, daemon_mgmt_main, &d);
		pthread_attr_destroy(&attr);
	}
	if (ch != 0) {
		daemon_diag(SW_LOG_ERR, "cannot start the management thread: %s", strerror(ch));
		goto out;
	}
	mgmt_ok = 1;
	for (unsigned k = 0; k < d.nw; k++) {
		struct daemon_worker *w = &d.w[k];
		if ((ch = pthread_create(&w->tid, NULL, daemon_worker_main, w)) != 0) {
			daemon_diag(SW_LOG_ERR, "cannot start worker %u: %s", k, strerror(ch));
			daemon_quit(&d);
			break;
		}
		w->started = 1;
		if ((ch = pin(w->tid, w->cpu)) != 0)
			daemon_diag(SW_LOG_WARNING, "--cpus: worker %u: %s (it runs unpinned)", k,
				    strerror(ch));
	}
	if (rt_on) {
		struct sched_param sp = {.sched_priority = 0};
		(void)pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp); /* lowering needs no privilege */
	}
	if (ncpus == (int)d.nw + 1 && (ch = pin(mgmt, cpus[d.nw])) != 0)
		daemon_diag(SW_LOG_WARNING, "--cpus: management thread: %s (it runs unpinned)",
			    strerror(ch));
	for (unsigned k = 0; k < d.nw; k++)
		if (d.w[k].started)
			pthread_join(d.w[k].tid, NULL);
	pthread_join(mgmt, NULL);
	mgmt_ok = 0;
	if (atomic_load(&d.worker_ok) != (int)d.nw)
		goto out; /* a worker could not start or install its filter: said so */

	/* every thread is gone: what the rings hold, then every open session, logged here */
	daemon_drain(&d);
	d.direct_log = 1;
	{
		struct sw_stats st, sum;
		uint64_t arp = 0, ev_lost = 0, end_lost = 0, rst_sent = 0, rst_no_neigh = 0, rst_tx = 0;
		struct sw_dp_stall stall;
		memset(&sum, 0, sizeof(sum));
		memset(&stall, 0, sizeof(stall));
		for (unsigned k = 0; k < d.nw; k++) {
			struct daemon_worker *w = &d.w[k];
			daemon_packet_finish(w);
			sw_engine_stats(w->eng, &st);
			sw_stats_add(&sum, &st);
			arp += w->arp_passed;
			ev_lost += w->link.ev_lost;
			end_lost += w->link.end_lost;
			sw_dp_stall_add(&stall, &w->link.stall);
			rst_sent += w->rst_sent;
			rst_no_neigh += w->rst_no_neigh;
			rst_tx += w->rst_tx_failed;
		}
		if (end_lost)
			daemon_diag(SW_LOG_WARNING, "%llu ended sessions were not logged: the queue to "
						    "the log writer was full",
				    (unsigned long long)end_lost);
		if (!quiet) {
			daemon_diag(SW_LOG_INFO, "stopped: %llu packets, %llu forwarded, %llu dropped, "
						 "%llu sessions; %llu ARP frames passed; %llu events "
						 "lost (queue full)",
				    (unsigned long long)sum.ctr[SW_CTR_PKTS],
				    (unsigned long long)sum.ctr[SW_CTR_FORWARDED],
				    (unsigned long long)sum.ctr[SW_CTR_DROPPED],
				    (unsigned long long)sum.ctr[SW_CTR_SESS_CREATED],
				    (unsigned long long)arp, (unsigned long long)ev_lost);
			daemon_stall_report(&stall, "", stderr);
			if (sum.ctr[SW_CTR_RST_EXPIRY] || sum.ctr[SW_CTR_RST_EXPIRY_UNKNOWN])
				daemon_diag(SW_LOG_INFO, "reset-on-expiry: %llu rsts sent, %llu rsts "
							 "without a neighbour, %llu rsts the transmit "
							 "ring refused, %llu sessions without known "
							 "sequence numbers",
					    (unsigned long long)rst_sent, (unsigned long long)rst_no_neigh,
					    (unsigned long long)rst_tx,
					    (unsigned long long)sum.ctr[SW_CTR_RST_EXPIRY_UNKNOWN]);
		}
	}
	rc = 0;
out:
	if (mgmt_ok)
		pthread_join(mgmt, NULL);
	if (d.log && d.log != stdout && fclose(d.log) != 0) {
		daemon_diag(SW_LOG_ERR, "%s: write failed", d.log_path);
		rc = 1;
	} else if (d.log == stdout) {
		fflush(stdout);
	}
	if (d.sfd >= 0)
		close(d.sfd);
	sw_http_close(d.http);
	d.http = NULL;
	sw_ctl_close(d.ctl);
	sw_events_destroy(d.events);
	if (dpt_ok)
		sw_dp_thread_free(&d.dpt);
	for (unsigned k = 0; k < d.nw; k++) {
		struct daemon_worker *w = &d.w[k];
		if (w->link_ok)
			sw_dp_link_free(&w->link);
		sw_afp_close(w->port[0]);
		sw_afp_close(w->port[1]);
		sw_engine_destroy(w->eng);
		free(w->neigh);
	}
	if (d.notify_fd >= 0)
		close(d.notify_fd);
	free(conf);
	app_conf_free(&ac);
	return rc;
}
