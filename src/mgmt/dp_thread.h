/*
 * dp_thread.h - the data plane by messages (dp.h across threads): the
 * daemon's management thread asks, packet workers answer between bursts.
 *
 * Each packet worker (one engine, the interfaces it owns) has one
 * struct sw_dp_link: four bounded SPSC rings (ring.h) and two eventfds.
 *
 *   req  management -> worker   struct sw_dpm_req: one data-plane operation
 *   res  worker -> management   struct sw_dpm_res: its answer (same seq)
 *   ev   worker -> management   struct sw_ev_rec: session events (events.h)
 *   end  worker -> management   struct sw_dpm_end: ended sessions, for the log
 *
 * wake_fd wakes the worker's poll (a request waits); notify_fd wakes the
 * management thread's (an answer, events or ended sessions wait).  The
 * worker never blocks and never allocates: when `ev` or `end` is full it
 * counts what it could not queue.  A request names a buffer owned by the
 * management side (`out`) that the worker fills before it queues the
 * answer; the management side does not touch it until then.
 *
 * Several workers: the management side (sw_dp_thread) sends the same
 * request to every worker and merges the answers (docs/design.md, "The
 * management thread"): stats are summed, a walk is merged in session-id
 * order, `session` and `clear` go to the worker that owns the id.  Session
 * ids are global: worker w of n numbers its engine's local id l as
 * (l - 1) * n + w + 1 (the identity for one worker), in walks, events and
 * ended-session records alike.
 */
#ifndef SW_MGMT_DP_THREAD_H
#define SW_MGMT_DP_THREAD_H

#include <stdint.h>

#include "mgmt/dp.h"
#include "mgmt/events.h"
#include "mgmt/ring.h"

#define SW_DP_MAX_WORKERS 16
#define SW_DPM_WALK_MAX 256 /* sessions per walk answer (SW_MGMT_SLICE) */

enum sw_dpm_op {
	SW_DPM_WALK,     /* arg: local cursor, max: at most; out: struct sw_sess_info[max] */
	SW_DPM_SESSION,  /* arg: local id; out: struct sw_sess_info */
	SW_DPM_CLEAR,    /* arg: local id */
	SW_DPM_STATS,    /* out: struct sw_stats */
	SW_DPM_NOW,      /* the answer's `now` */
	SW_DPM_SET_CONF, /* conf: copied by the engine before the answer */
	SW_DPM_IFACE,    /* arg: port; out: struct sw_dp_if */
	SW_DPM_STOP,     /* stop the packet loop (SIGTERM): it drains and flushes */
	SW_DPM_STALL,    /* out: struct sw_dp_stall, the loop's stall figures; arg 1: then reset them */
};

struct sw_dpm_req {
	uint32_t seq;
	uint8_t op; /* enum sw_dpm_op */
	uint32_t arg, max;
	void *out;
	const struct sw_conf *conf;
};

struct sw_dpm_res {
	uint32_t seq;
	int32_t rc;      /* 0 or -errno */
	uint32_t count;  /* walk: records written to out */
	uint32_t cursor; /* walk: the worker's next local cursor (0: done) */
	sw_time_t now;   /* the worker's engine time */
};

/*
 * The packet loop's stall: per wakeup, the time spent on anything but
 * packets (timers, requests), kept by the worker in its link.
 */
#define SW_STALL_BUCKET_NS 10000 /* 10 us histogram buckets */
#define SW_STALL_BUCKETS 1001    /* 0 .. 10 ms; the last one: above */
struct sw_dp_stall {
	uint64_t wakeups;
	int64_t max_ns, max_req_ns, max_timer_ns;
	int64_t max_cpu_ns; /* the longest one in the thread's own CPU time (without preemption) */
	uint32_t hist[SW_STALL_BUCKETS];
};
void sw_dp_stall_note(struct sw_dp_stall *s, int64_t ns, int64_t cpu_ns);
/* Add b's figures to a (histograms summed, maxima kept): several workers as one. */
void sw_dp_stall_add(struct sw_dp_stall *a, const struct sw_dp_stall *b);
/* The q-quantile (0..1) in microseconds: the upper edge of its bucket. */
double sw_dp_stall_quantile_us(const struct sw_dp_stall *s, double q);

/* An ended session on the `end` ring. */
struct sw_dpm_end {
	struct sw_sess_info si;
	uint64_t lost_before; /* ended sessions the worker could not queue, cumulative */
};

struct sw_dp_link {
	struct sw_ring req, res, ev, end;
	int wake_fd, notify_fd;
	unsigned index, nworkers; /* this worker's place, for global session ids */
	struct sw_dp_direct dd;   /* what the worker answers from */
	uint64_t ev_lost, end_lost; /* records the worker could not queue (ring full) */
	int pushed;                 /* records queued since the last notify */
	struct sw_dp_stall stall;   /* the worker's loop, written by the worker only */
	int stop;                   /* SW_DPM_STOP received */
};

/*
 * Rings and eventfds for worker `index` of `nworkers`, answering from engine
 * `e` and the ports (either may be NULL).  notify_fd: the management
 * thread's eventfd (shared by all workers); the link does not own it.
 * 0 or -errno.
 */
int sw_dp_link_init(struct sw_dp_link *l, unsigned index, unsigned nworkers, struct sw_engine *e,
		    struct sw_afp *port0, struct sw_afp *port1, int notify_fd, unsigned ev_slots,
		    unsigned end_slots);
void sw_dp_link_free(struct sw_dp_link *l);

/* ---- the worker's side (packet thread) ---- */

/* Answer waiting requests for at most budget_ns (at least one); how many were answered. */
unsigned sw_dp_link_serve(struct sw_dp_link *l, int64_t budget_ns);
/* Queue an engine event (sw_engine_on_event callback); counts it lost if the ring is full. */
void sw_dp_link_event(struct sw_dp_link *l, const struct sw_event *ev);
/* Queue an ended session (sw_engine_on_end); 0, or -ENOSPC (counted in end_lost). */
int sw_dp_link_end(struct sw_dp_link *l, const struct sw_sess_info *si);
/* Wake the management thread if anything was queued since the last call. */
void sw_dp_link_notify(struct sw_dp_link *l);
/* The global session id of the worker's local id. */
uint32_t sw_dp_link_gid(const struct sw_dp_link *l, uint32_t local);

/* Engine w of n: the global id of its local id (0 stays 0: no session). */
static inline uint32_t sw_dp_gid(uint32_t local, unsigned w, unsigned n)
{
	return local ? (local - 1) * n + w + 1 : 0;
}
/*
 * A session record of engine w of n as the rest of the daemon (or replay
 * with several threads) sees it: its id and its tunnel's id global, its
 * worker set.
 */
void sw_dp_globalize(struct sw_sess_info *si, unsigned w, unsigned n);

/* ---- the management side ---- */

struct sw_dp_thread {
	struct sw_dp_link *w[SW_DP_MAX_WORKERS];
	unsigned nw;
	int notify_fd;
	uint32_t seq;
	int64_t timeout_ns; /* a worker that does not answer in this long: -ETIMEDOUT */
	struct sw_conf running; /* the running configuration, for `conf` */
	struct sw_conf pending;  /* what set_conf sends, until answered */
	struct sw_sess_info *walk[SW_DP_MAX_WORKERS]; /* each worker's walk answer */
	struct sw_stats *stats;                       /* each worker's stats answer */
	struct sw_dp_if ifs[SW_DP_MAX_WORKERS];
	struct sw_dp_stall *stalls; /* each worker's stall answer */
	struct sw_dpm_res last[SW_DP_MAX_WORKERS];
	sw_time_t now;       /* engine time from the latest answer */
	int64_t now_at;      /* when it arrived (monotonic ns) */
	uint64_t calls, timeouts;
};

/*
 * The struct sw_dp the management thread's handlers use: messages to the
 * n workers in `w`; `running` is the configuration the engines run.
 * 0 or -ENOMEM.
 */
int sw_dp_thread_init(struct sw_dp *dp, struct sw_dp_thread *t, struct sw_dp_link *const *w,
		      unsigned n, int notify_fd, const struct sw_conf *running);
void sw_dp_thread_free(struct sw_dp_thread *t);
/* The workers' stall figures merged (histograms summed, maxima); reset: start over. 0 or -errno. */
int sw_dp_thread_stall(struct sw_dp_thread *t, struct sw_dp_stall *out, int reset);
/* Ask every worker to stop (SIGTERM); 0 or -errno. */
int sw_dp_thread_stop(struct sw_dp_thread *t);

#endif
