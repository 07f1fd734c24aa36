/*
 * analyze.h - `statewall analyze`: what the analyzer measures and replays,
 * shared between the analysis (analyze.c) and the plot (analyze_plot.c).
 */
#ifndef SW_APP_ANALYZE_H
#define SW_APP_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "statewall/conf.h"
#include "statewall/engine.h"

/* The timing facts of one session, measured in one pass with timers that never fire. */
struct an_sess {
	uint32_t id;     /* session id in the measuring pass */
	uint32_t prev_id, prev_key; /* chains (index + 1, 0 = none) */
	uint8_t proto, picked_up, phase, ended;
	int8_t fin1_dir;  /* 0 originator, 1 responder, -1 none */
	uint8_t close_rst; /* closed by an RST (else both FINs) */
	uint8_t split;     /* ended because a new connection's SYN reused the tuple */
	uint8_t end_reason, end_timer;
	uint64_t late_pkts; /* packets late even with every timer at its maximum */
	uint32_t isn;       /* originator's ISN, for telling a new connection on the tuple */
	uint8_t has_isn;
	struct sw_addr orig_h, resp_h;
	uint16_t orig_p, resp_p;
	uint32_t khash;
	char flow[112];
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

struct an_broken {
	uint32_t sess;    /* facts index + 1, 0 if not found */
	char flow[112];
	uint8_t timer, end_reason;
	uint64_t late_pkts, late_bytes;
	sw_time_t start, end;
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
	sw_time_t *starts, *ends;
	size_t nocc, capocc;
	uint32_t peak;
	double sess_seconds;         /* until each session's timer ran out */
	double sess_seconds_capture; /* the same, cut at the end of the capture */
	int oom;
};

struct an_plot_in {
	sw_time_t t0, t1;
	const struct an_run *runs;
	size_t nruns;
	const double *hc_durations; /* seconds, one per half-closed session */
	size_t nhc;
	const char *title;
	/* vertical marks on the histogram: label and seconds */
	const char *mark_label[8];
	double mark_s[8];
	size_t nmarks;
};

/* Draw the plot to path (.svg or .png).  0, or -1 with a message in err. */
int an_plot(const struct an_plot_in *in, const char *path, char *err, size_t errlen);

#endif
