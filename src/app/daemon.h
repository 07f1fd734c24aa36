/*
 * daemon.h - `statewall run`'s two threads and what they share
 * (docs/design.md, "The management thread").
 *
 *   packet thread (daemon_pkt.c, started by the main thread): receive,
 *     engine, forward; timers; between bursts, answers data-plane requests
 *     for a bounded time and queues session events and ended sessions.
 *   management thread (daemon_mgmt.c): signals (SIGUSR1: the packet thread's
 *     stall since the last SIGUSR1), the control socket, HTTP,
 *     the session-log writer, event fan-out, the rates.
 *
 * They share only the link (dp_thread.h: bounded SPSC rings and eventfds),
 * `quit`, which the packet thread sets if it stops on its own (poll
 * failure) so the management thread does not wait for a SIGTERM, and
 * `heartbeat`, which the packet loop advances every turn: the management
 * thread tells systemd's watchdog the daemon is alive only while it moves.
 *
 * The packet thread runs under a seccomp filter (daemon_priv.c); the
 * process's main thread starts both and, once they are gone, logs what
 * is left (daemon_packet_finish).
 */
#ifndef SW_APP_DAEMON_H
#define SW_APP_DAEMON_H

#include <stdatomic.h>
#include <stdio.h>

#include "io/afpacket.h"
#include "mgmt/dp_thread.h"
#include "mgmt/events.h"
#include "mgmt/mgmt.h"
#include "statewall/engine.h"

struct sw_ctl;
struct sw_http;

struct daemon {
	/* packet thread */
	struct sw_engine *eng;
	struct sw_afp *port[2];
	char port_name[2][SW_SYS_IFNAME_MAX];
	uint64_t arp_passed;
	sw_time_t clock_base;
	int direct_log; /* the management thread is gone: log ended sessions here */
	int seccomp;    /* install the worker's filter (0: --no-seccomp) */
	int test_forbidden; /* test hook (SW_TEST_FORBIDDEN_CALL): the worker makes a forbidden call */

	/* shared */
	struct sw_dp_link link;
	int notify_fd;   /* wakes the management thread */
	atomic_int quit; /* the packet thread stopped: the management thread ends too */
	atomic_ullong heartbeat; /* packet loop turns (the watchdog's proof of life) */
	atomic_int worker_ok;    /* the packet thread's filter is in place and it loops */

	/* management thread */
	struct sw_mgmt_host host;
	struct sw_dp_thread dpt;
	struct sw_ctl *ctl;
	struct sw_http *http;
	struct sw_events *events;
	FILE *log;
	const char *log_path;
	int log_dirty;
	uint64_t log_written, log_lost_seen, log_reopens;
	int sfd; /* signalfd: SIGTERM/SIGINT stop, SIGHUP reload and reopen the log */
	int quiet;
};

sw_time_t daemon_now(const struct daemon *d);

/* The packet loop until a STOP request (or a poll failure); then drain and flush. */
void daemon_packet_loop(struct daemon *d);
/* After the management thread is gone: the receive rings, due timers, then every session ends (shutdown). */
void daemon_packet_finish(struct daemon *d);
/* The management thread's body (pthread start routine; arg: struct daemon). */
void *daemon_mgmt_main(void *arg);
/* Move what the rings hold to the log (the management thread, or the packet thread after it). */
void daemon_drain(struct daemon *d);
/* Engine callbacks on the packet thread. */
void daemon_on_end(void *ctx, const struct sw_sess_info *si);
void daemon_on_event(void *ctx, const struct sw_event *ev);
/* "p50 ... p99 ... max" of stall figures, for the stop message and SIGUSR1. */
void daemon_stall_report(const struct sw_dp_stall *s, const char *what, FILE *f);

/* The packet thread's body (pthread start routine): filter, loop (arg: struct daemon). */
void *daemon_packet_main(void *arg);

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
