/*
 * daemon.h - `statewall run`'s two threads and what they share
 * (docs/design.md, "The management thread").
 *
 *   packet thread (daemon_pkt.c, the process's main thread): receive,
 *     engine, forward; timers and the RSTs of reset-on-expiry; between bursts, answers data-plane requests
 *     for a bounded time and queues session events and ended sessions.
 *   management thread (daemon_mgmt.c): signals (SIGUSR1: the packet thread's
 *     stall since the last SIGUSR1), the control socket, HTTP,
 *     the session-log writer, event fan-out, the rates.
 *
 * They share only the link (dp_thread.h: bounded SPSC rings and eventfds)
 * and `quit`, which the packet thread sets if it stops on its own (poll
 * failure) so the management thread does not wait for a SIGTERM.
 */
#ifndef SW_APP_DAEMON_H
#define SW_APP_DAEMON_H

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

struct daemon {
	/* packet thread */
	struct sw_engine *eng;
	struct sw_afp *port[2];
	uint64_t arp_passed;
	struct sw_neigh *neigh;    /* L2 headers for the RSTs of reset-on-expiry */
	uint64_t rst_sent;         /* RSTs queued on a transmit ring */
	uint64_t rst_no_neigh;     /* RSTs not sent: no frame from the address they come from */
	uint64_t rst_tx_failed;    /* RSTs the transmit ring refused */
	sw_time_t clock_base;
	int direct_log; /* the management thread is gone: log ended sessions here */

	/* shared */
	struct sw_dp_link link;
	int notify_fd;   /* wakes the management thread */
	atomic_int quit; /* the packet thread stopped: the management thread ends too */

	/* management thread */
	struct sw_mgmt_host host;
	struct sw_dp_thread dpt;
	struct sw_ctl *ctl;
	struct sw_http *http;
	struct sw_events *events;
	FILE *log;
	const char *log_path;
	int log_dirty;
	uint64_t log_written, log_lost_seen;
	int sfd; /* signalfd: SIGTERM/SIGINT stop, SIGHUP reload */
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
void daemon_on_reset(void *ctx, const struct sw_rst *r);
/* "p50 ... p99 ... max" of stall figures, for the stop message and SIGUSR1. */
void daemon_stall_report(const struct sw_dp_stall *s, const char *what, FILE *f);

#endif
