/*
 * an-int.h - what the stages of the analyzer share (private to src/analyze/):
 * the loaded capture, the measured facts per session, the recommendations
 * and the replays.  The contract for callers is analyze.h.
 */
#ifndef SW_ANALYZE_AN_INT_H
#define SW_ANALYZE_AN_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze/analyze.h"
#include "statewall/conf.h"
#include "statewall/engine.h"

#define NS SW_NS_PER_SEC

/* A session's name: two IPv6 end points with ports, its protocol and its tunnel's type and id. */
#define AN_FLOW_LEN 144

/* The phase of a TCP session as the measuring engine's timer in force tells it. */
enum { PH_NONE, PH_INIT, PH_HS, PH_EST, PH_HC, PH_CLOSED, PH_URST, PH_OTHER };

/* One frame of the loaded capture: its bytes are buf[off, off + caplen). */
struct an_frame {
	sw_time_t ts;
	uint32_t caplen, wirelen; /* wirelen: on the wire, for offload super-frames (engine.h) */
	int32_t link;             /* of its interface (pcapng files mix them) */
	uint64_t off;
};

/* The timing facts of one session, measured in one pass with timers that never fire. */
struct an_sess {
	/*
	 * The engine's session record: as created, then as the measuring pass
	 * ended it (rec.late_pkts: packets late even with every timer at its
	 * maximum).  Written out by the one session-record writer (sessrec.h).
	 */
	struct sw_sess_info rec;
	uint32_t id;     /* session id in the measuring pass */
	uint32_t prev_id, prev_key; /* chains (index + 1, 0 = none) */
	uint8_t phase, ended;
	int8_t fin1_dir;  /* 0 originator, 1 responder, -1 none */
	uint8_t close_rst; /* closed by an RST (else both FINs) */
	uint8_t split;     /* ended because a new connection's SYN reused the tuple */
	uint32_t isn;       /* originator's ISN, for telling a new connection on the tuple */
	uint8_t has_isn;
	uint32_t khash;
	uint32_t tunnel;  /* tunnel-inspect: the session of the tunnel it is inside (index + 1), 0 none */
	uint8_t tun_type; /* that tunnel's type (enum sw_tun_type; SW_TUN_MAX none) */
	char flow[AN_FLOW_LEN]; /* its flow, and its tunnel if it is inside one */
	sw_time_t start, last, last_acc; /* first packet, last packet, last accepted packet */
	sw_time_t origin;                /* start of the fixed timer in force */
	uint64_t pkts;
	/* facts, ns; -1 = never happened */
	int64_t gap_estab;   /* longest gap while establishing */
	int64_t req_init;    /* first SYN -> last packet before the SYN-ACK (timeout-tcpinit) */
	int64_t req_hs;      /* SYN-ACK -> last packet before established (timeout-tcphandshake) */
	int64_t gap_est;     /* longest idle gap while established (timeout-tcp) */
	sw_time_t fin1;      /* first FIN, 0 if none */
	int64_t gap_hc;      /* longest idle gap while half-closed (idle mode half-closed) */
	sw_time_t open_last; /* last payload packet of the open side after the first FIN */
	uint64_t open_pkts, open_bytes;
	int64_t open_gap;    /* longest gap between the open side's packets after the first FIN */
	sw_time_t open_prev;
	sw_time_t close_at;  /* both FINs or a verified RST, 0 if never */
	int64_t gap_closed;  /* longest idle gap after the close */
	int64_t req_urst;    /* unverified RST -> the packet that settled it */
	int64_t gap_other;   /* UDP / ICMP / other: longest idle gap */
};

/* What one half-close mode needs of every timer, in ns (-1 = no session exercises it). */
struct an_need {
	int64_t ns[SW_TO_MAX];
	uint32_t who[SW_TO_MAX]; /* session index + 1 that needs the most */
};

/* What broke a session: its timer, or the table's pressure (docs/analyze.md). */
enum an_cause {
	AN_CAUSE_TIMER,  /* a timer at its configured value */
	AN_CAUSE_ACCEL,  /* an idle timer shortened by accelerated aging */
	AN_CAUSE_EVICT,  /* evicted for a new session (table-full-action evict) */
	AN_CAUSE_FULL,   /* refused: the table was full (resources-unavailable) */
	AN_CAUSE_QUOTA,  /* refused: its source was at max-sessions-per-source */
	AN_CAUSE_MAX
};
const char *an_cause_name(unsigned c);

/*
 * A session a setting breaks: a timer, accelerated aging or an eviction
 * ended it before its last packet, or (refused) the table was full or its
 * source at its quota when the flow began, so it never had one.
 */
struct an_broken {
	uint32_t sess;    /* facts index + 1, 0 if not found */
	char flow[AN_FLOW_LEN]; /* the measured session's (with its tunnel) when found */
	uint8_t timer, end_reason; /* refused: SW_TO_MAX, SW_END_RESOURCES */
	uint8_t refused;
	uint8_t cause;        /* enum an_cause */
	uint8_t accel_factor; /* AN_CAUSE_ACCEL: what divided the timer */
	uint8_t evict_class;  /* AN_CAUSE_EVICT: enum sw_evict_class */
	uint16_t rule;        /* the rule it matched + 1, 0 = the default action */
	uint32_t timer_secs;  /* the timer's value for it, and where that came from (sw_sess_info) */
	char timer_from[SW_RULE_NAME_MAX + 24];
	/* late: packets after the end; refused: the flow's packets the full table dropped */
	uint64_t late_pkts, late_bytes;
	sw_time_t start, end;
};

/*
 * A setting against the table: the table its timers need (a replay with no
 * limit and no accelerated aging, the "demand"), compared with its
 * accelerated-aging threshold and max-sessions, and what the table's
 * pressure did in the setting's own replay.
 */
struct an_pressure {
	uint32_t threshold;        /* sessions at which aging accelerates */
	uint32_t demand_peak;      /* peak of the demand replay */
	sw_time_t demand_peak_at;
	sw_time_t first_above;     /* first moment the demand reaches the threshold; 0 never */
	sw_time_t first_full;      /* first moment it exceeds max-sessions; 0 never */
	double above_s, full_s;    /* seconds at or above the threshold / above max-sessions */
	int64_t broken_free;       /* broken in the demand replay (timers alone), unfixable excluded */
	uint64_t accel_aged;       /* sessions the setting's replay aged out accelerated */
	uint64_t evicted[SW_EC_MAX];
	size_t broken_by[AN_CAUSE_MAX];
	uint64_t pressure_splits;  /* UDP/ICMP/other sessions ended by pressure whose flow went on */
	uint8_t accel_at_end;      /* the replay was accelerating when the capture ended */
};

/* One replay's result. */
struct an_run {
	char name[96];
	struct sw_conf conf;
	uint64_t created, created_proto[4];
	int64_t splits; /* sessions created beyond the measuring pass's (UDP/ICMP/other gaps) */
	struct an_broken *broken;
	size_t nbroken, capbroken;
	size_t nunfixable; /* of the broken: late even with every timer at its maximum */
	size_t nrefused;   /* of the broken: flows the full table refused (max-sessions) */
	size_t nquota;     /* of the broken: flows refused at max-sessions-per-source */
	size_t ntimer;     /* of the broken: by a timer at its value, not unfixable */
	struct an_pressure pr;
	uint32_t *refused_of; /* per measured session: its refused entry in broken + 1 */
	sw_time_t *starts, *ends;
	size_t nocc, capocc;
	uint32_t peak;
	double sess_seconds;         /* until each session's timer ran out */
	double sess_seconds_capture; /* the same, cut at the end of the capture */
	int oom;
};

/* A recommendation for one timer in one mode. */
struct an_rec {
	int64_t need;      /* ns, -1 = not exercised */
	uint32_t who;      /* session index + 1 */
	uint32_t value;    /* recommended seconds */
	uint32_t first;    /* value before verification */
	uint8_t beyond;    /* the need exceeds the range's maximum */
	uint8_t raised;    /* verification raised it */
	uint8_t held;      /* half-closed held up to time-wait by the range rule */
	int64_t minus_broken, minus_splits; /* replay with value - 1; -1 = not run */
};

/* What one replay costs the table, and how many of a fix's sessions it saves. */
struct an_cost {
	uint32_t peak;
	double ss, ss_capture, share; /* session-seconds (also cut at the capture's end), peak share */
	size_t broken;                /* sessions it breaks, as the cost table counts them */
	size_t saved;                 /* of the fix's sessions: those it does not break */
	int run;                      /* replayed (0: the lines were refused, err says why) */
};

/*
 * The narrowest fix for the sessions the current setting breaks on one
 * destination port and protocol: a service override (scope.c).
 */
struct an_override {
	uint8_t proto;
	uint16_t port;
	uint8_t setting;                /* enum sw_svc_timer: the one that broke most of them */
	uint32_t value[SW_SVC_TIMERS];  /* seconds, 0 = not set */
	int64_t need[SW_SVC_TIMERS];    /* ns, the most any of them needs; -1 none */
	uint32_t count[SW_SVC_TIMERS];  /* its sessions the current setting broke by each */
	uint8_t beyond;                 /* a need above the service range's maximum */
	uint8_t raised;                 /* verification raised a value */
	uint64_t rules[(SW_RULES_MAX + 64) / 64]; /* bit rule + 1 (0: the default action) */
	uint32_t *sess;                 /* measured session indexes + 1 */
	size_t nsess;
	char *lines;                    /* '\n'-terminated set lines; NULL if none */
	size_t nlines;
	struct an_cost cost;            /* the current configuration plus the lines */
	uint32_t gto[SW_TO_MAX];        /* the global change: the current timers raised */
	uint8_t gbeyond;                /* its value is above the global range's maximum */
	struct an_cost gcost;
	char err[256];
};

/* Ports given an override at most (the ones with the most broken sessions): each costs replays. */
#define AN_OVERRIDES_MAX 32

/* Every override at once, against every global change at once. */
struct an_scope {
	char *lines;
	size_t nlines, nsess;
	struct an_cost cost, gcost;
	uint32_t gto[SW_TO_MAX];
	char err[256];
};

struct an {
	const char *path; /* the captures, as shown: their names joined by spaces */
	const char *const *paths; /* kept, not copied */
	int npaths;
	uint8_t *buf;
	size_t blen, bcap;
	struct an_frame *fr;
	size_t nfr, capfr;
	sw_time_t t0, t1;

	struct an_sess *s;
	size_t ns, caps;
	uint32_t *idmap;
	size_t nidmap;
	uint32_t *kbucket;
	size_t nkb;
	uint64_t created_proto[4];
	uint64_t unfixable;
	uint32_t table; /* the most sessions a replay can hold: every layer of every frame (measure.c) */

	struct sw_conf cur;
	struct an_rec rec[3][SW_TO_MAX];
	int64_t rec_broken[3], rec_unfixable[3], rec_splits[3];
	/*
	 * Flows the table refused when replaying with the recommended timers: a
	 * capture the table cannot hold gives no recommendation.  Then
	 * rec_peak is the peak those timers need of an unbounded table.
	 */
	int64_t rec_refused[3];
	uint32_t rec_peak[3];
	int64_t rec_pressure[3]; /* broken by accelerated aging, eviction or a source quota */
	int64_t rec_scoped[3];   /* broken by a rule's, service's or application's own timer */
	int rec_iters[3];

	struct an_run *runs;
	size_t nruns;

	/* scope.c: per (proto, port) the override that saves what the current setting breaks */
	struct an_override *ov;
	size_t nov;
	struct an_scope all;
	uint32_t *unscoped; /* current run's broken entries + 1 no service override can save */
	size_t nunscoped;
	size_t left_ports, left_sessions; /* beyond AN_OVERRIDES_MAX ports: not looked at */

	unsigned threads; /* replays at once (an_set_threads; par.c) */
	double t_load, t_facts, t_rec, t_cost, t_scope;
};

/*
 * par.c: one job of a stage, run on one of a->threads threads: fn(a, arg)
 * returns 0 or -errno with a message in err, and writes only its own
 * results.
 */
struct an_job {
	int (*fn)(struct an *a, void *arg, char *err, size_t errlen);
	void *arg;
	int rc;
	char err[256];
};
/* Run jobs[0, n) on a->threads threads; 0, or the first failing job's (in list order) -errno and message. */
int an_jobs_run(struct an *a, struct an_job *jobs, size_t n, char *err, size_t errlen);

static inline double sec(int64_t ns)
{
	return (double)ns / (double)NS;
}

static inline int proto_slot(unsigned proto)
{
	switch (proto) {
	case 6: return 0;
	case 17: return 1;
	case 1: case 58: return 2;
	default: return 3;
	}
}

static inline const char *mode_name(int m)
{
	return sw_half_close_mode_name((unsigned)m);
}

/* Monotonic seconds, for the stages' timing. */
double an_now(void);

/* measure.c: the flow index over the measured sessions. */
uint32_t an_key_hash(unsigned proto, const struct sw_addr *a, uint16_t pa, const struct sw_addr *b,
		     uint16_t pb);
/* The measured session a replayed one corresponds to (index + 1, 0 if none). */
uint32_t an_find_sess(const struct an *a, const struct sw_sess_info *si);
/* The same for a packet's flow (either direction) at time at. */
uint32_t an_find_flow(const struct an *a, const struct sw_flow *f, sw_time_t at);
/* A table that holds every session of the loaded capture (one packet at least each). */
uint32_t an_table_for_capture(const struct an *a);

/* recommend.c: which timers a half-close mode uses, and what a session needs of one. */
/* 1 if the timer that ended b was a rule's, service's or application's, not the global one. */
int an_scoped_timer(const struct an_broken *b);
int an_relevant(int mode, int t);
int64_t an_sess_need(const struct an_sess *s, int m, int t);
/* The configuration the recommendation for mode m makes of the current one. */
void an_rec_conf(const struct an *a, int m, struct sw_conf *c);

/* cost.c: one replay of the whole capture under r->conf. 0 or -ENOMEM. */
int an_replay(struct an *a, struct an_run *r);
/* The same, keeping the counts: broken by timers (not unfixable), and splits. */
int an_replay_counts(struct an *a, const struct sw_conf *c, int64_t *broken, int64_t *splits);
void an_run_free(struct an_run *r);
/* Sort the run's starts and ends; its peak and session-seconds. */
void an_occupancy(struct an_run *r);

/* pressure.c: c without the table's pressure: no limit, no accelerated aging, no quota. */
void an_free_conf(const struct an *a, struct sw_conf *c);
/* Sessions at which c's aging accelerates (active >= threshold % of max-sessions). */
uint32_t an_threshold(const struct sw_conf *c);
/* Fill r->pr: the demand replay, compared with r->conf's table. 0 or -ENOMEM. */
int an_pressure(struct an *a, struct an_run *r);

/* scope.c: free what an_scope found. */
void an_scope_free(struct an *a);
/* scope-out.c: the narrowest fix in the text report, and its members of the JSON document. */
struct sw_jw;
void an_scope_text(FILE *f, const struct an *a);
void an_scope_json(struct sw_jw *w, const struct an *a);
/*
 * 1 if fix x comes before fix y: it saves more sessions, or as many for
 * fewer session-seconds, or for the same and a lower peak.
 */
int an_cheaper(const struct an_cost *x, const struct an_cost *y);
/* The global timer that service setting k sets in mode m for protocol proto. */
int an_svc_global(int k, int m, unsigned proto);

#endif
