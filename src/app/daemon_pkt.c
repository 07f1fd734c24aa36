/*
 * daemon_pkt.c - `statewall run`'s packet workers: each one poll() loop over
 * its two receive rings (its sockets in the interfaces' fanout groups) and
 * its link's wake eventfd.  Each wakeup:
 *
 *   1. packets: a receive block at a time from each interface, in bursts of
 *      up to --batch frames through sw_engine_burst(); passed frames are queued
 *      on the other interface's TX ring, one send() per burst, and their L2
 *      headers noted in the neighbour table (io/neigh.h);
 *   2. timers: sw_engine_advance() every ~100 ms (the poll timeout when idle);
 *      a session a timer ends under reset-on-expiry (in 1. or 2.) gets its
 *      two RSTs queued on the interfaces facing its ends (daemon_on_reset);
 *   3. data-plane requests from the management thread, for at most
 *      REQ_BUDGET_NS (each request is itself bounded: a walk lists at most
 *      SW_DPM_WALK_MAX sessions), then one wake-up of the management thread
 *      if events or ended sessions were queued.
 *
 * Before it sleeps in poll(), a worker that moved frames less than
 * --poll-spin µs ago (d->poll_spin_ns) watches its rings' status words
 * instead (no system call): a frame that comes within that time is taken
 * without the wakeup a sleeping thread needs (on a KVM guest, an IPI to a
 * halted vCPU; docs/benchmarks.md has the figures).
 *
 * Steps 2 and 3 are the worker's stall (time not spent on packets): it is
 * measured per wakeup and reported at stop (daemon_stall_report).  Nothing
 * here blocks on the management thread or another worker or takes a lock.
 * Each worker runs under a seccomp filter (daemon_priv.c) that allows only
 * the system calls this loop makes.
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/daemon.h"
#include "util/clock.h"
#include "app/report.h"
#include "pkt/wire.h"

#define ADVANCE_NS (100 * 1000 * 1000LL)
#define REQ_BUDGET_NS (200 * 1000LL)
#define BLOCKS_PER_WAKEUP 8
#define LINK_ETHERNET 1

sw_time_t daemon_now(const struct daemon *d)
{
	return d->clock_base + sw_mono_ns();
}

void daemon_on_end(void *ctx, const struct sw_sess_info *si)
{
	struct daemon_worker *w = ctx;
	struct daemon *d = w->d;

	if (d->direct_log) {
		if (d->log) {
			struct sw_sess_info g = *si;
			sw_dp_globalize(&g, w->index, w->d->nw);
			sw_log_session(d->log, &g);
			d->log_written++;
		}
		return;
	}
	(void)sw_dp_link_end(&w->link, si); /* full: counted in link.end_lost, reported */
}

void daemon_on_event(void *ctx, const struct sw_event *ev)
{
	struct daemon_worker *w = ctx;

	if (!w->d->direct_log)
		sw_dp_link_event(&w->link, ev);
}

/*
 * An RST of reset-on-expiry (engine.h): it impersonates r->src, so it gets
 * the L2 header of the last frame from r->src and leaves by the interface
 * those frames were forwarded to, which faces r->dst.  Built on the stack,
 * copied into the TX ring; the caller flushes the rings.
 */
void daemon_on_reset(void *ctx, const struct sw_rst *r)
{
	struct daemon_worker *w = ctx;
	const struct sw_neigh_ent *n = sw_neigh_find(w->neigh, &r->src);
	uint8_t frame[SW_NEIGH_L2_MAX + SW_RST_IP6_LEN];
	size_t len;

	if (!n) {
		w->rst_no_neigh++;
		return;
	}
	len = sw_pkt_build_rst(frame, sizeof(frame), n->l2, n->l2len, r);
	if (len && sw_afp_tx(w->port[!n->port], frame, (uint32_t)len) == 0)
		w->rst_sent++;
	else
		w->rst_tx_failed++;
}

/* ARP, possibly behind one or two VLAN tags. */
static int is_arp(const uint8_t *f, uint32_t len)
{
	uint32_t off;

	return sw_eth_type(f, len, &off) == SW_ETHERTYPE_ARP;
}

/* One receive block of `in` through the engine; passed frames out of `out`. 1 if a block was processed. */
static int pump(struct daemon_worker *w, int side, sw_time_t now)
{
	struct sw_afp *in = w->port[side], *out = w->port[!side];
	const uint8_t *frames[SW_AFP_BATCH_MAX];
	uint32_t lens[SW_AFP_BATCH_MAX];
	sw_time_t ts[SW_AFP_BATCH_MAX];
	struct sw_verdict v[SW_AFP_BATCH_MAX];
	unsigned n;
	int any = 0;

	while ((n = sw_afp_rx(in, frames, lens, w->d->batch)) > 0) {
		unsigned m = 0;
		/*
		 * ARP is the wire's own business: it goes across untouched, as on a
		 * PAN-OS virtual wire.  Everything else is the engine's (which drops
		 * other non-IP frames as unsupported-l2).  Order is kept per flow
		 * (the ring's scheduler may let a new flow's frame pass a backlog).
		 */
		for (unsigned i = 0; i < n; i++) {
			if (is_arp(frames[i], lens[i])) {
				(void)sw_afp_tx(out, frames[i], lens[i]);
				w->arp_passed++;
				continue;
			}
			frames[m] = frames[i];
			lens[m] = lens[i];
			ts[m++] = now;
		}
		if (m) {
			/* every frame is whole (sw_afp_rx skips those its slot cut): wire length = length */
			sw_engine_burst_wire(w->eng, frames, lens, lens, LINK_ETHERNET, ts, m, v);
			for (unsigned i = 0; i < m; i++)
				if (v[i].action == SW_PASS) {
					(void)sw_afp_tx(out, frames[i], lens[i]);
					sw_neigh_learn(w->neigh, frames[i], lens[i], side);
				}
		}
		sw_afp_tx_flush(out);
		sw_afp_tx_flush(in); /* RSTs of sessions this burst found expired */
		any = 1;
	}
	if (sw_afp_rx_pending(in)) {
		sw_afp_rx_done(in);
		any = 1;
	}
	return any;
}

/* Up to `rounds` blocks of each interface, alternately; 1 if any frame moved. */
static int pump_all(struct daemon_worker *w, int rounds)
{
	int any = 0;

	for (int r = 0; r < rounds; r++) {
		sw_time_t now = daemon_now(w->d);
		int moved = pump(w, 0, now);
		moved |= pump(w, 1, now);
		if (!moved)
			break;
		any = 1;
	}
	return any;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Watch both receive rings until one has a frame (1) or the monotonic clock reaches `until` (0). */
static int spin_until(const struct daemon_worker *w, int64_t until)
{
	do {
		if (sw_afp_rx_ready(w->port[0]) || sw_afp_rx_ready(w->port[1]))
			return 1;
		cpu_relax();
	} while (sw_mono_ns() < until);
	return 0;
}

void daemon_packet_loop(struct daemon_worker *w)
{
	struct daemon *d = w->d;
	struct pollfd pfd[3];
	sw_time_t last_adv = daemon_now(d);
	int64_t last_moved = 0; /* sw_mono_ns() of the last wakeup that moved frames */

	sw_engine_advance(w->eng, last_adv);
	while (!w->link.stop && !atomic_load(&d->quit)) {
		sw_time_t now = daemon_now(d);
		int timeout = (int)((last_adv + ADVANCE_NS - now) / 1000000);

		pfd[0].fd = sw_afp_fd(w->port[0]);
		pfd[1].fd = sw_afp_fd(w->port[1]);
		pfd[2].fd = w->link.wake_fd;
		for (int i = 0; i < 3; i++) {
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (timeout < 0)
			timeout = 0;
		if (timeout > 100)
			timeout = 100;
		if (timeout && d->poll_spin_ns && spin_until(w, last_moved + d->poll_spin_ns))
			timeout = 0;
		if (poll(pfd, 3, timeout) < 0 && errno != EINTR) {
			daemon_diag(SW_LOG_ERR, "worker %u: poll: %s", w->index, strerror(errno));
			break;
		}
		atomic_fetch_add_explicit(&w->heartbeat, 1, memory_order_relaxed);

		if (pump_all(w, BLOCKS_PER_WAKEUP) && d->poll_spin_ns)
			last_moved = sw_mono_ns();

		/* everything from here to the next poll is time packets wait */
		sw_time_t t0 = sw_mono_ns(), t1 = t0;
		now = d->clock_base + t0;
		int due = now - last_adv >= ADVANCE_NS;
		/* the thread's CPU clock is a system call: read only for a wakeup with work */
		int64_t c0 = due || (pfd[2].revents & POLLIN) ? sw_thread_cpu_ns() : 0;
		if (due) {
			sw_engine_advance(w->eng, now);
			sw_afp_tx_flush(w->port[0]); /* RSTs of reset-on-expiry */
			sw_afp_tx_flush(w->port[1]);
			last_adv = now;
			t1 = sw_mono_ns();
			if (t1 - t0 > w->link.stall.max_timer_ns)
				w->link.stall.max_timer_ns = t1 - t0;
		}
		if (pfd[2].revents & POLLIN) {
			sw_dp_link_serve(&w->link, REQ_BUDGET_NS);
			sw_afp_tx_flush(w->port[0]); /* a commit may end sessions: their RSTs */
			sw_afp_tx_flush(w->port[1]);
			sw_time_t t2 = sw_mono_ns();
			if (t2 - t1 > w->link.stall.max_req_ns)
				w->link.stall.max_req_ns = t2 - t1;
		}
		sw_dp_link_notify(&w->link);
		if (due || (pfd[2].revents & POLLIN))
			sw_dp_stall_note(&w->link.stall, sw_mono_ns() - t0, sw_thread_cpu_ns() - c0);
	}
	daemon_quit(d);
}

void daemon_quit(struct daemon *d)
{
	uint64_t one = 1;

	atomic_store(&d->quit, 1);
	(void)!write(d->notify_fd, &one, sizeof(one));
}

void *daemon_worker_main(void *arg)
{
	struct daemon_worker *w = arg;
	struct daemon *d = w->d;
	char err[256];

	if (d->seccomp && daemon_seccomp_worker(err, sizeof(err)) < 0) {
		daemon_diag(SW_LOG_ERR, "worker %u: %s", w->index, err);
		daemon_quit(d);
		return NULL;
	}
	atomic_fetch_add(&d->worker_ok, 1);
	if (d->test_forbidden && w->index == 0) {
		/* the test hook: a call the filter does not allow; SIGSYS ends the process */
		daemon_diag(SW_LOG_WARNING, "test hook: the packet worker calls socket(AF_INET), "
					    "which its seccomp filter forbids");
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		daemon_diag(SW_LOG_ERR, "test hook: socket() was NOT refused (fd %d)", fd);
		if (fd >= 0)
			close(fd);
	}
	daemon_packet_loop(w);
	return NULL;
}

void daemon_stall_report(const struct sw_dp_stall *s, const char *what, FILE *f)
{
	fprintf(f, "statewall run: packet thread%s: %llu wakeups with timer or request work; "
		   "stall p50 <= %.0f us, p99 <= %.0f us, max %.1f us (requests %.1f us, timers "
		   "%.1f us; longest on-CPU %.1f us)\n",
		what, (unsigned long long)s->wakeups, s->wakeups ? sw_dp_stall_quantile_us(s, 0.50) : 0.0,
		s->wakeups ? sw_dp_stall_quantile_us(s, 0.99) : 0.0, (double)s->max_ns / 1000.0,
		(double)s->max_req_ns / 1000.0, (double)s->max_timer_ns / 1000.0,
		(double)s->max_cpu_ns / 1000.0);
}

void daemon_packet_finish(struct daemon_worker *w)
{
	pump_all(w, 4 * BLOCKS_PER_WAKEUP);
	sw_engine_advance(w->eng, daemon_now(w->d));
	sw_afp_tx_flush(w->port[0]);
	sw_afp_tx_flush(w->port[1]);
	sw_engine_flush(w->eng, SW_END_SHUTDOWN);
}
