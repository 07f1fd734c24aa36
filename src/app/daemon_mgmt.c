/*
 * daemon_mgmt.c - `statewall run`'s management thread: one poll() loop over
 * the signalfd, the link's notify eventfd, the control socket and HTTP.
 * Each wakeup: signals (SIGHUP reloads and reopens the session log; SIGUSR1 prints the packet thread's
 * stall figures since the last SIGUSR1; SIGTERM/SIGINT stop the packet
 * thread with a STOP request and end this loop), the events ring into the
 * event stream (sw_events_publish), the ended-session ring into the
 * session log and the web UI's broken-session counts, then the control
 * socket and HTTP, and the rates once a second.  It reaches the engine
 * only through requests (dp_thread.c), so a slow client costs this thread
 * time, never the packet thread.
 *
 * systemd (Type=notify, sd_notify(3)): READY=1 once the packet thread runs
 * under its filter, RELOADING=1 / READY=1 around a SIGHUP, STOPPING=1 at
 * the stop, and WATCHDOG=1 every half WatchdogSec= while every worker's loop
 * heartbeat moves: a packet worker stuck for the watchdog time gets the
 * daemon restarted.  Without NOTIFY_SOCKET these do nothing.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "app/daemon.h"
#include "app/report.h"
#include "http/http.h"

#define MGMT_BUDGET_NS (2 * 1000 * 1000LL)

/* One worker's rings: events to the stream, ended sessions to the log. */
static void drain_link(struct daemon *d, struct sw_dp_link *l, uint64_t *lost_seen)
{
	const struct sw_ev_rec *ev;
	const struct sw_dpm_end *end;

	while ((ev = sw_ring_peek(&l->ev))) {
		if (d->events)
			sw_events_publish(d->events, ev);
		sw_ring_release(&l->ev);
	}
	while ((end = sw_ring_peek(&l->end))) {
		if (end->lost_before > *lost_seen) {
			daemon_diag(SW_LOG_WARNING, "worker %u: %llu ended sessions not logged: the "
						    "queue to the log writer was full", l->index,
				    (unsigned long long)(end->lost_before - *lost_seen));
			*lost_seen = end->lost_before;
		}
		if (d->log) {
			sw_log_session(d->log, &end->si);
			d->log_written++;
			d->log_dirty = 1;
		}
		if (!d->direct_log)
			sw_http_note_end(d->http, &end->si);
		sw_ring_release(&l->end);
	}
}

void daemon_drain(struct daemon *d)
{
	for (unsigned i = 0; i < d->nw; i++)
		drain_link(d, &d->w[i].link, &d->log_lost_seen[i]);
}

/* 1 if every worker's loop turned since the last call (beats: their counts then). */
static int workers_alive(struct daemon *d, unsigned long long *beats)
{
	int alive = 1;

	for (unsigned i = 0; i < d->nw; i++) {
		unsigned long long b = atomic_load(&d->w[i].heartbeat);
		if (b == beats[i])
			alive = 0;
		beats[i] = b;
	}
	return alive;
}

static int on_signals(struct daemon *d)
{
	struct signalfd_siginfo si;
	char err[600];
	int stop = 0;

	while (read(d->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			struct sw_dp_stall st;
			if (sw_dp_thread_stall(&d->dpt, &st, 1) == 0)
				daemon_stall_report(&st, " since the last SIGUSR1", stderr);
			continue;
		}
		if (si.ssi_signo != SIGHUP) {
			stop = 1;
			continue;
		}
		sd_notify(0, "RELOADING=1");
		err[0] = '\0';
		if (d->host.conf_path && sw_mgmt_reload(&d->host, err, sizeof(err)) < 0)
			daemon_diag(SW_LOG_ERR, "SIGHUP: reload failed, configuration unchanged: %s",
				    err);
		else if (d->host.conf_path && !d->quiet)
			daemon_diag(SW_LOG_INFO, "SIGHUP: %s reloaded%s%s", d->host.conf_path,
				    err[0] ? "; " : "", err);
		if (d->log_path) {
			daemon_drain(d); /* what is queued still goes to the old file */
			if (daemon_log_reopen(d, err, sizeof(err)) < 0)
				daemon_diag(SW_LOG_ERR, "SIGHUP: %s", err);
			else if (!d->quiet)
				daemon_diag(SW_LOG_INFO, "SIGHUP: %s", err);
		}
		sd_notify(0, "READY=1");
	}
	return stop;
}

void *daemon_mgmt_main(void *arg)
{
	struct daemon *d = arg;
	struct pollfd pfd[2 + 40 + 2];
	sw_time_t last_rate = daemon_now(d), last_wd = last_rate;
	uint64_t wd_usec = 0;
	unsigned long long beats[SW_DP_MAX_WORKERS] = {0};
	int ready = 0;

	if (sd_watchdog_enabled(0, &wd_usec) <= 0)
		wd_usec = 0;
	sw_mgmt_rates_tick(&d->host, last_rate);
	while (!atomic_load(&d->quit)) {
		int n, nh, timeout;
		sw_time_t now = daemon_now(d);

		pfd[0].fd = d->sfd;
		pfd[1].fd = d->notify_fd;
		for (int i = 0; i < 2; i++) {
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		n = 2 + sw_ctl_pollfds(d->ctl, pfd + 2, (int)(sizeof(pfd) / sizeof(pfd[0])) - 2 - 2);
		nh = d->http ? sw_http_pollfds(d->http, pfd + n, 2) : 0;
		timeout = (int)((last_rate + SW_NS_PER_SEC - now) / 1000000);
		if (timeout < 0 || sw_ctl_busy(d->ctl) || (d->http && sw_http_busy(d->http)))
			timeout = 0;
		if (timeout > 1000)
			timeout = 1000;
		if (poll(pfd, (nfds_t)(n + nh), timeout) < 0 && errno != EINTR) {
			daemon_diag(SW_LOG_ERR, "management poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents & POLLIN) {
			uint64_t v;
			(void)!read(d->notify_fd, &v, sizeof(v));
		}
		if ((pfd[0].revents & POLLIN) && on_signals(d))
			break;

		daemon_drain(d);
		sw_ctl_service(d->ctl, pfd + 2, n - 2, MGMT_BUDGET_NS);
		if (d->http)
			sw_http_service(d->http, pfd + n, nh, MGMT_BUDGET_NS);
		/* what the requests above brought along */
		daemon_drain(d);

		now = daemon_now(d);
		if (now - last_rate >= SW_NS_PER_SEC) {
			sw_mgmt_rates_tick(&d->host, now);
			last_rate = now;
		}
		if (d->log_dirty) {
			fflush(d->log);
			d->log_dirty = 0;
		}
		if (!ready && atomic_load(&d->worker_ok) == (int)d->nw) {
			sd_notifyf(0, "READY=1\nSTATUS=bridging %s <-> %s, %u worker%s", d->port_name[0],
				   d->port_name[1], d->nw, d->nw == 1 ? "" : "s");
			ready = 1;
		}
		if (wd_usec && now - last_wd >= (sw_time_t)wd_usec * 1000 / 2) {
			if (workers_alive(d, beats))
				sd_notify(0, "WATCHDOG=1");
			else
				daemon_diag(SW_LOG_WARNING, "a packet worker has not turned in %.1f s: "
							    "no watchdog keep-alive",
					    (double)(now - last_wd) / 1e9);
			last_wd = now;
		}
	}
	sd_notify(0, "STOPPING=1");
	if (!atomic_load(&d->quit) && sw_dp_thread_stop(&d->dpt) < 0)
		daemon_diag(SW_LOG_ERR, "the packet thread did not answer the stop request");
	return NULL;
}
