/*
 * events.h - the session event stream on the management thread: a bounded
 * backlog of numbered events and its subscribers (`statewall events` over
 * the control socket, GET /api/v1/events as Server-Sent Events).
 *
 * The packet thread turns each engine event (sw_engine_on_event, SW_EVENTS
 * in tables.h) into a fixed struct sw_ev_rec on the events ring and never
 * waits: when the ring is full it counts the event as lost, and the count
 * rides on the next record it does queue (lost_before).  The management
 * thread hands each record to sw_events_publish(), which numbers it (ids
 * start at 1 and never repeat within a daemon's life), keeps the last
 * `backlog` events for resuming, and tells subscribers.
 *
 * Every subscriber reads the shared backlog at its own position; nothing is
 * copied per subscriber.  One that falls more than its `queue` events behind
 * loses what it has not read: its next read is {"event":"overflow","lost":N}
 * and it continues from the newest events.  If it falls that far behind
 * again before it has read the overflow notice, it is closed
 * (sw_ev_next() returns -EPIPE): a stuck subscriber costs neither memory nor
 * time.  Events lost on the packet side are reported the same way, to every
 * subscriber.
 *
 * All functions run on the management thread only.
 */
#ifndef SW_MGMT_EVENTS_H
#define SW_MGMT_EVENTS_H

#include <stdint.h>

#include "mgmt/mgmt.h"
#include "statewall/engine.h"

/* One event as the packet thread queues it (fixed size: the ring's record). */
struct sw_ev_rec {
	struct sw_sess_info si; /* the session at that moment (si.conn_state: a static string) */
	sw_time_t ts;           /* engine time of the event */
	uint64_t lost_before;   /* events the packet thread could not queue, cumulative */
	uint8_t type;           /* enum sw_ev */
	uint8_t side;           /* HALF_CLOSE: 0 the originator sent the FIN, 1 the responder */
	uint8_t from, to;       /* TIMER: enum sw_timeout before and after (SW_TO_MAX: none) */
};

/* Fill a record from an engine event (the packet thread's side). */
void sw_ev_rec_fill(struct sw_ev_rec *r, const struct sw_event *ev, uint64_t lost_before);

struct sw_events;
struct sw_ev_sub;

#define SW_EVENTS_BACKLOG 16384 /* events kept for resuming (Last-Event-ID) */
#define SW_EV_QUEUE 4096        /* default: how far a subscriber may fall behind */

/* 0 or -ENOMEM.  backlog: a power of two (0: SW_EVENTS_BACKLOG). */
int sw_events_create(struct sw_events **out, unsigned backlog);
/* Closes every subscriber first (their ready callbacks are called, then -EPIPE). */
void sw_events_destroy(struct sw_events *ev);

/*
 * The running configuration, read when an event is written (the session
 * objects of live sessions show their timers' values); NULL (the default):
 * every session object is the session-log record.
 */
void sw_events_set_conf(struct sw_events *ev, const struct sw_conf *conf);

/* Number, keep and announce one record from the events ring. */
void sw_events_publish(struct sw_events *ev, const struct sw_ev_rec *r);
/* Id of the newest event (0: none yet). */
uint64_t sw_events_last_id(const struct sw_events *ev);

struct sw_events_stats {
	uint64_t published;  /* events numbered */
	uint64_t lost_ring;  /* lost on the packet side (events ring full) */
	uint64_t overflows;  /* overflow notices given to subscribers */
	uint64_t closed;     /* subscribers closed for staying behind */
	unsigned subscribers;
};
void sw_events_stats(const struct sw_events *ev, struct sw_events_stats *st);

/*
 * Called (on the management thread, from inside sw_events_publish or
 * sw_events_destroy) when a subscriber that had nothing to read has
 * something: an event, an overflow notice or its closing.  It should only
 * note it (resume a connection, ask for POLLOUT); reading is done later.
 */
typedef void (*sw_ev_ready_fn)(void *ctx);

/*
 * Subscribe.  filter: as `show session all` (sw_filter_parse; its start-at,
 * limit and count are ignored); NULL for every event.  after: 0 for events
 * from now on, else resume after that id (Last-Event-ID): the events still
 * in the backlog come first; if some are gone, an overflow notice with how
 * many.  queue: how far it may fall behind (0: SW_EV_QUEUE; capped at the
 * backlog).  NULL without memory.
 */
struct sw_ev_sub *sw_events_subscribe(struct sw_events *ev, const struct sw_filter *filter,
				      uint64_t after, unsigned queue, sw_ev_ready_fn ready,
				      void *ctx);
void sw_ev_unsubscribe(struct sw_ev_sub *s);

enum sw_ev_format { SW_EV_JSON = 0, SW_EV_TEXT = 1 };

/*
 * The next event for this subscriber, appended to out as one line without
 * the newline: a JSON object (SW_EV_JSON) or a PAN-OS traffic-log style
 * line (SW_EV_TEXT).  *id is its sequence id (for an overflow notice: the
 * id it resumes after).  1: one appended; 0: nothing pending; -EPIPE: the
 * subscriber was closed for staying behind (after its notice: unsubscribe).
 */
int sw_ev_next(struct sw_ev_sub *s, enum sw_ev_format fmt, struct sw_buf *out, uint64_t *id);
/* 1 if sw_ev_next() has (or, for events its filter skips, may have) something. */
int sw_ev_pending(const struct sw_ev_sub *s);
/*
 * For a writer whose output is full: the lost count of an overflow notice
 * not yet read (0: none), and whether the subscriber was closed.  Both are
 * worth writing past an output bound (one short line each, once).
 */
uint64_t sw_ev_overflow_pending(const struct sw_ev_sub *s);
int sw_ev_closed(const struct sw_ev_sub *s);

#endif
