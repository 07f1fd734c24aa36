/*
 * engine.h - the statewall session engine.
 *
 * Feed it frames with their timestamps; it answers each with a verdict and a
 * reason, keeps one session per flow (both directions), tracks TCP per
 * direction with sequence windows, runs every PAN-OS session timer, and
 * reports each session's end through a callback with the reason and the
 * exact timer.  The engine owns no clock: time is whatever the caller says
 * (capture time in replay, wall-clock time inline), and never runs backwards.
 *
 * No allocation after sw_engine_create(); no global state but the count of
 * failed invariants (src/util/bug.h, counter invariant-failures); one engine
 * per thread.
 */
#ifndef STATEWALL_ENGINE_H
#define STATEWALL_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "statewall/conf.h"
#include "statewall/pkt.h"
#include "statewall/types.h"

struct sw_engine;

enum sw_action_v { SW_PASS = 0, SW_DROP = 1 };

struct sw_verdict {
	uint8_t action; /* SW_PASS or SW_DROP */
	uint8_t reason; /* enum sw_drop; SW_DROP_NONE when passed */
	uint8_t dir;    /* 0 = from the originator, 1 = from the responder */
	uint32_t sess;  /* session id, 0 if none */
};

/* Everything known about a session, for logs, `show session id` and REST. */
struct sw_sess_info {
	uint32_t id;
	uint8_t proto, family;
	struct sw_addr orig_h, resp_h;
	uint16_t orig_p, resp_p;
	sw_time_t start, end, last_seen; /* end: when it ended (0 while live) */
	sw_time_t half_closed_at;        /* first FIN, 0 if none */
	sw_time_t expires;               /* live sessions: when the timer in force fires */
	uint8_t end_reason;              /* enum sw_end (ended sessions) */
	uint8_t timer;                   /* enum sw_timeout in force / that fired; SW_TO_MAX none */
	uint8_t state[2];                /* enum sw_tcps, originator / responder */
	uint8_t picked_up, discard, flipped;
	uint8_t worker; /* the daemon's packet worker that owns it (set by the data plane, dp_thread.c) */
	uint8_t reset_mode; /* TCP: reset-on-expiry in force (enum sw_reset_mode); else SW_RST_MODES */
	uint16_t rule; /* matching rule + 1, 0 = default action */
	char history[24];
	const char *conn_state; /* Zeek conn_state */
	uint64_t pkts[2], ip_bytes[2];
	uint64_t late_pkts, late_bytes; /* dropped after the session ended */
	uint8_t timer_fixed;            /* the timer is an absolute life, not idle */
	uint8_t accel_factor;           /* accelerated aging: live, the factor dividing its idle
					 * timer now; aged-out, the factor that aged it; 0 none */
	uint8_t evict_class;            /* end reason evicted: enum sw_evict_class */
	uint8_t expiry_reset;           /* enum sw_expiry_reset (fills padding: sw_sess_info and the tombstones did not grow) */
	uint32_t timer_secs;            /* the timer's value for this session, seconds */
	/* where timer_secs comes from: "default", "configured", "service NAME override" */
	char timer_from[SW_RULE_NAME_MAX + 24];
	char service[SW_RULE_NAME_MAX]; /* the rule's service that matched the flow, "" none */
	uint32_t tunnel_id;  /* tunnel-inspect: the session of the tunnel it is inside, 0 none */
	uint8_t tunnel_type; /* its enum sw_tun_type (SW_TUN_MAX: none) */
};

/* What reset-on-expiry did for an aged-out session (sw_sess_info.expiry_reset). */
enum sw_expiry_reset { SW_XR_NONE, SW_XR_SENT, SW_XR_NO_SEQ };

/*
 * Every timer's value for the sessions of one rule, service and
 * application, and where it comes from - the precedence the engine's timer
 * profiles are built with (src/engine/timers.c): service override > rule
 * timeout-NAME > application > global.  The management plane uses it to
 * show a live session's timers (`show session id`) and the timers a rule's
 * sessions would get (`show running security-policy`).
 */
enum sw_timer_src { SW_TS_DEFAULT, SW_TS_CONFIGURED, SW_TS_APP, SW_TS_RULE, SW_TS_SERVICE };
struct sw_timer_eff {
	uint32_t secs[SW_TO_MAX]; /* seconds */
	uint8_t src[SW_TO_MAX];   /* enum sw_timer_src */
	int16_t rule, svc, app;   /* indexes of the sources used, -1 none */
};
/* rule, svc, app: indexes into c's rules, services, applications (-1: none). */
void sw_timers_effective(const struct sw_conf *c, int rule, int svc, int app,
			 struct sw_timer_eff *out);
/* The same for a flow of rule (index + 1, 0: none): its service and application as the engine picks them. */
void sw_timers_of_flow(const struct sw_conf *c, unsigned rule, const struct sw_flow *f,
		       struct sw_timer_eff *out);
/* Timer t's source as text: default, configured, application A, rule R, service S override. */
const char *sw_timer_src_str(const struct sw_conf *c, const struct sw_timer_eff *te, unsigned t,
			     char *buf, size_t len);
/* 1 if timer t can be in force for a session of proto (a discard session: discard). */
int sw_timer_applies(unsigned t, uint8_t proto, int discard, unsigned half_close_mode);

/* Called once per ended session, when it can no longer change (see tombstones). */
typedef void (*sw_end_fn)(void *ctx, const struct sw_sess_info *si);

struct sw_stats {
	uint64_t ctr[SW_CTR_MAX];
	uint64_t drop[SW_DROP_MAX];
	uint64_t end[SW_END_MAX];
	uint64_t end_timer[SW_TO_MAX]; /* aged-out, by timer */
	uint32_t active, peak, tombstones;
	uint32_t active_proto[4]; /* tcp, udp, icmp, other */
	uint32_t half_closed, discard;
	uint32_t max_sessions;
	size_t bytes_per_session;
	uint32_t sources_at_quota; /* sources with max-sessions-per-source sessions (0: no quota) */
	uint8_t accelerating;      /* accelerated aging in force now (active >= threshold) */
};

/* 0 or -errno (-EINVAL with conf errors, -ENOMEM). */
int sw_engine_create(struct sw_engine **out, const struct sw_conf *conf);
void sw_engine_destroy(struct sw_engine *e);

/* Replace the configuration; timers in force are recomputed for live sessions. */
int sw_engine_set_conf(struct sw_engine *e, const struct sw_conf *conf);
const struct sw_conf *sw_engine_conf(const struct sw_engine *e);

void sw_engine_on_end(struct sw_engine *e, sw_end_fn fn, void *ctx);

/*
 * Session events (SW_EVENTS in tables.h), reported as they happen, on the
 * packet path: START when a session is created, HALF_CLOSE at its first FIN
 * (side: who sent it), TIMER when the timer in force changes (from -> to),
 * END when it ends (si->end_reason, si->timer; late packets counted so far),
 * LATE at the first packet its tombstone drops.  `si` is the session as it
 * is at that moment and is valid only during the call.  With no callback
 * registered the engine builds nothing.
 */
struct sw_event {
	uint8_t type;             /* enum sw_ev */
	uint8_t side;             /* HALF_CLOSE: 0 the originator sent the FIN, 1 the responder */
	uint8_t from, to;         /* TIMER: enum sw_timeout before and after (SW_TO_MAX: none) */
	sw_time_t ts;             /* engine time of the event */
	const struct sw_sess_info *si;
};
typedef void (*sw_event_fn)(void *ctx, const struct sw_event *ev);
void sw_engine_on_event(struct sw_engine *e, sw_event_fn fn, void *ctx);

/*
 * reset-on-expiry: when a timer ends a TCP session whose policy asks for it
 * (the global setting, its rule's or its service override's), the engine
 * reports two RSTs, one to each end, before the session's END event; the
 * front end builds and sends the frames (sw_pkt_build_rst, statewall/pkt.h).
 * Each is what the other end would send: from src to dst, seq the
 * receiver's rcv_nxt (RFC 5961: exactly the next sequence number it
 * expects, the other side's highest sequence sent + 1) and ACK with ack the
 * receiver's snd_nxt.  Nothing is reported when either side's sequence
 * numbers were never learned (counter tcp-resets-on-expiry-impossible).
 * `r` (struct sw_rst, statewall/pkt.h) is valid only during the call.
 */
typedef void (*sw_rst_fn)(void *ctx, const struct sw_rst *r);
void sw_engine_on_reset(struct sw_engine *e, sw_rst_fn fn, void *ctx);

/*
 * Process one frame of link type `link` captured at time `ts`.  Its wire
 * length is not known: an IP length beyond the frame is read as a
 * snap-length cut.
 */
struct sw_verdict sw_engine_packet(struct sw_engine *e, const uint8_t *frame, size_t caplen,
				   int link, sw_time_t ts);
/*
 * The same with the frame's length on the wire (0: not known).  A frame
 * captured whole (caplen >= wirelen) whose IP length is larger than the
 * frame is a TSO/GSO/GRO super-frame: its captured length is used and
 * counted (ip-length-from-capture), as for an IP length of 0.
 */
struct sw_verdict sw_engine_packet_wire(struct sw_engine *e, const uint8_t *frame, size_t caplen,
					uint32_t wirelen, int link, sw_time_t ts);

/*
 * One frame as sw_engine_packet_wire() processes it (the same counts, its verdict
 * in *frame_v), with each of its layers apart: the packet parsed (with
 * --decap, the mirrored one), then each inner packet tunnel-inspect followed,
 * each with its own session's verdict.  For a caller that keeps facts per
 * session, inner ones included (statewall analyze).  Returns the number of
 * layers filled in out, 1 to SW_LAYERS_MAX.
 */
#define SW_LAYERS_MAX 9 /* the outer packet and up to tunnel-max-depth (8) inner ones */
struct sw_layer {
	struct sw_pkt pkt;    /* as the engine parsed it */
	struct sw_verdict v;  /* this packet's own verdict (its session, its direction) */
	uint8_t parsed;       /* it parsed (else v.reason says why not) */
	uint8_t created;      /* it created its session */
	uint8_t tun_type;     /* the tunnel it is inside (enum sw_tun_type; SW_TUN_MAX: none) */
	uint32_t tunnel;      /* that tunnel's session, 0 none */
};
unsigned sw_engine_layers(struct sw_engine *e, const uint8_t *frame, size_t caplen,
			  uint32_t wirelen, int link, sw_time_t ts, struct sw_layer out[SW_LAYERS_MAX],
			  struct sw_verdict *frame_v);
/*
 * Layer l (parsed) once more through the engine at the engine's time, inside
 * the same tunnel: after sw_engine_clear() of its session, it starts a new
 * one as if it were the first.  l->v and l->created are updated; counted as
 * one more packet.
 */
void sw_engine_layer_again(struct sw_engine *e, struct sw_layer *l);

/*
 * Process n frames at once (batched lookups with prefetch).  Frames must be
 * in time order; ts[i] is frame i's time.  Wire lengths not known, as
 * sw_engine_packet.
 */
void sw_engine_burst(struct sw_engine *e, const uint8_t *const *frames, const uint32_t *caplen,
		     int link, const sw_time_t *ts, unsigned n, struct sw_verdict *out);
/* The same with each frame's wire length, as sw_engine_packet_wire (wirelen NULL: not known). */
void sw_engine_burst_wire(struct sw_engine *e, const uint8_t *const *frames,
			  const uint32_t *caplen, const uint32_t *wirelen, int link,
			  const sw_time_t *ts, unsigned n, struct sw_verdict *out);

/* Let time pass to `now`: expire what is due. */
void sw_engine_advance(struct sw_engine *e, sw_time_t now);

/* End every live session with `reason` (end-of-capture, shutdown) and log all tombstones. */
void sw_engine_flush(struct sw_engine *e, enum sw_end reason);

/* End one live session (clear session); 0 or -ENOENT. */
int sw_engine_clear(struct sw_engine *e, uint32_t id);

void sw_engine_stats(const struct sw_engine *e, struct sw_stats *st);

/*
 * Fold one engine's stats into a sum over several (per-core workers): counts
 * add up, peak is the sum of peaks (an upper bound of the peak of the sum),
 * accelerating is set if any engine accelerates.  Start from a zeroed sum.
 */
void sw_stats_add(struct sw_stats *sum, const struct sw_stats *s);

/* Info for a live session by id; 0 or -ENOENT. */
int sw_engine_session(const struct sw_engine *e, uint32_t id, struct sw_sess_info *si);

/*
 * Walk live sessions with id >= *cursor, at most `max` of them (and at most
 * 16 * max slots, so a sparse table cannot make one slice long); returns the
 * number visited and sets *cursor past the last one (0 when done: a call
 * may visit none and still leave *cursor non-zero).  Lets a daemon list a
 * large table in slices between packet bursts.
 */
typedef int (*sw_sess_fn)(void *ctx, const struct sw_sess_info *si);
unsigned sw_engine_walk(const struct sw_engine *e, uint32_t *cursor, unsigned max, sw_sess_fn fn,
			void *ctx);

/*
 * Walk every invariant of the table, the timing wheel and the tombstones
 * (every live session reachable from its bucket and on the wheel no later
 * than its deadline, no deadline behind the wheel, counts that match).
 * 0, or -EFAULT with what was wrong in err.  O(sessions): for tests and
 * fuzzers, not for the packet path.
 */
int sw_engine_check(const struct sw_engine *e, char *err, size_t errlen);

/* Engine time (ns) as last advanced. */
sw_time_t sw_engine_now(const struct sw_engine *e);

#endif
