/*
 * daemon.h - `statewall run`'s threads and what they share
 * (docs/design.md, "The management thread" and "Workers").
 *
 *   packet workers (daemon_pkt.c; worker 0 is the process's main thread):
 *     each owns one engine and one receive socket per interface, in a
 *     PACKET_FANOUT_HASH group per interface, so both directions of a flow
 *     reach the same worker.  Receive, engine, forward; timers; between
 *     bursts, answers data-plane requests for a bounded time and queues
 *     session events and ended sessions; sends the RSTs of reset-on-expiry.
 *     Workers share nothing they write.
 *   management thread (daemon_mgmt.c): signals (SIGUSR1: the packet thread's
 *     stall since the last SIGUSR1), the control socket, HTTP,
 *     the session-log writer, event fan-out, the rates.
 *
 * A worker and the management thread share only the worker's link
 * (dp_thread.h: bounded SPSC rings and eventfds), `quit`, which a worker
 * sets when it stops (on a STOP request or a poll failure): the others and
 * the management thread then stop too, and the worker's `heartbeat`, which
 * its loop advances every turn: the management thread tells systemd's
 * watchdog the daemon is alive only while every worker's moves.
 *
 * Every worker runs under a seccomp filter (daemon_priv.c); the process's
 * main thread starts them all and, once they are gone, logs what is left
 * (daemon_packet_finish).
 */
#ifndef SW_APP_DAEMON_H
#define SW_APP_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "io/afpacket.h"
#include "io/neigh.h"
#include "mgmt/dp_thread.h"
#include "mgmt/events.h"
#include "mgmt/mgmt.h"
#include "statewall/engine.h"

struct sw_ctl;
struct sw_http;

struct daemon;

struct daemon_worker {
	struct daemon *d;
	unsigned index;
	struct sw_engine *eng;
	struct sw_afp *port[2]; /* this worker's sockets on interfaces A and B */
	uint64_t arp_passed;
	struct sw_neigh *neigh;    /* L2 headers for the RSTs of reset-on-expiry */
	uint64_t rst_sent;         /* RSTs queued on a transmit ring */
	uint64_t rst_no_neigh;     /* RSTs not sent: no frame from the address they come from */
	uint64_t rst_tx_failed;    /* RSTs the transmit ring refused */
	struct sw_dp_link link; /* shared with the management thread */
	int link_ok;
	int cpu;                /* --cpus: pinned there (-1: not pinned) */
	pthread_t tid;
	int started;
	atomic_ullong heartbeat; /* loop turns (the watchdog's proof of life) */
};

struct daemon {
	struct daemon_worker w[SW_DP_MAX_WORKERS];
	unsigned nw;
	char port_name[2][SW_SYS_IFNAME_MAX];
	sw_time_t clock_base;
	int direct_log; /* the threads are gone: ended sessions are logged by the main thread */
	int seccomp;    /* install the workers' filter (0: --no-seccomp) */
	int test_forbidden; /* test hook (SW_TEST_FORBIDDEN_CALL): worker 0 makes a forbidden call */
	int64_t poll_spin_ns; /* --poll-spin: watch the rings this long after frames before poll() */
	unsigned batch;       /* --batch: frames taken from a ring at once, <= SW_AFP_BATCH_MAX */

	/* shared */
	int notify_fd;   /* wakes the management thread */
	atomic_int quit; /* a worker stopped: every thread ends */
	atomic_int worker_ok; /* workers whose filter is in place and that loop */

	/* management thread */
	struct sw_mgmt_host host;
	struct sw_dp_thread dpt;
	struct sw_ctl *ctl;
	struct sw_http *http;
	struct sw_events *events;
	FILE *log;
	const char *log_path;
	int log_dirty;
	uint64_t log_written, log_lost_seen[SW_DP_MAX_WORKERS], log_reopens;
	int sfd; /* signalfd: SIGTERM/SIGINT stop, SIGHUP reload and reopen the log */
	int quiet;
};

sw_time_t daemon_now(const struct daemon *d);

/* Every thread stops: set `quit` and wake the management thread. */
void daemon_quit(struct daemon *d);
/* A worker's packet loop until a STOP request, a poll failure or another worker's stop. */
void daemon_packet_loop(struct daemon_worker *w);
/* A worker thread's body (pthread start routine; arg: struct daemon_worker): filter, loop. */
void *daemon_worker_main(void *arg);
/* After every thread is gone: the receive rings, due timers, then every session ends (shutdown). */
void daemon_packet_finish(struct daemon_worker *w);
/* The management thread's body (pthread start routine; arg: struct daemon). */
void *daemon_mgmt_main(void *arg);
/* Move what the rings hold to the log (the management thread, or the packet thread after it). */
void daemon_drain(struct daemon *d);
/* Engine callbacks on a worker (ctx: struct daemon_worker). */
void daemon_on_end(void *ctx, const struct sw_sess_info *si);
void daemon_on_event(void *ctx, const struct sw_event *ev);
void daemon_on_reset(void *ctx, const struct sw_rst *r);
/* "p50 ... p99 ... max" of stall figures, for the stop message and SIGUSR1. */
void daemon_stall_report(const struct sw_dp_stall *s, const char *what, FILE *f);

/* ---- diagnostics and the session log (daemon_log.c) ---- */
enum { SW_LOG_ERR = 3, SW_LOG_WARNING = 4, SW_LOG_NOTICE = 5, SW_LOG_INFO = 6 };
/* Severity prefixes if stderr is the journal (JOURNAL_STREAM) or force_prefix. */
void daemon_diag_init(int force_prefix);
/* One diagnostic line "statewall run: ..." to stderr, rate-limited. */
void daemon_diag(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Open d->log_path (appending; "-" is stdout). 0 or -errno, message in err. */
int daemon_log_open(struct daemon *d, char *err, size_t errlen);
/* Reopen the session log (SIGHUP, `debug log rotate`; sw_mgmt_host.log_reopen). */
int daemon_log_reopen(void *ctx, char *msg, size_t len);

/* ---- least privilege (daemon_priv.c) ---- */
/*
 * The control socket's directory, if missing: created 0750 owned by user
 * (NULL: the caller) and group (if it exists).  1 created, 0, -errno.
 */
int daemon_ctl_dir(const char *path, const char *group, const char *user, char *err,
		   size_t errlen);
/*
 * The socket to user (NULL: unchanged) and group, mode 0660: 1; 0 if the
 * group does not exist and was not named (the socket stays 0600); -errno.
 */
int daemon_ctl_group(const char *path, const char *group, int explicit_group, const char *user,
		     char *err, size_t errlen);
/* To user (NULL: stay, drop capabilities if not root) keeping only CAP_NET_RAW. 0, -errno. */
int daemon_drop_privileges(const char *user, char *err, size_t errlen);
/* The packet worker's system-call filter, on the calling thread. 0 or -errno. */
int daemon_seccomp_worker(char *err, size_t errlen);

#endif
