/*
 * report.h - what the front ends print: the session log (one JSON object per
 * ended session), the per-packet verdict lines, and the run summary (human
 * or JSON).  Names come from tables.h through the engine's name functions.
 */
#ifndef SW_APP_REPORT_H
#define SW_APP_REPORT_H

#include <stdio.h>

#include "io/capture.h"
#include "statewall/engine.h"
#include "util/json.h"
#include "util/sessrec.h"

/* One session-log line (JSON object + newline): the SW_SV_LOG fields of SW_SESS_FIELDS. */
void sw_log_session(FILE *f, const struct sw_sess_info *si);

/* A "broken" session: late packets after a timer ended it. */
struct sw_broken {
	uint32_t id;
	char flow[128];
	uint8_t timer, end_reason;
	uint8_t expiry_reset; /* enum sw_expiry_reset */
	uint64_t late_pkts, late_bytes;
};

struct sw_summary {
	struct sw_stats st;
	struct sw_broken *broken;
	size_t nbroken, capbroken;
	uint64_t packets_read;
	const struct sw_capture *cap; /* the files: clock jumps are reported per file; or NULL */
};

/* Collect a session into the summary if it is broken; 0 or -ENOMEM. */
int sw_summary_note(struct sw_summary *sum, const struct sw_sess_info *si);
void sw_summary_free(struct sw_summary *sum);
void sw_summary_print(FILE *f, const struct sw_summary *sum);
void sw_summary_json(FILE *f, const struct sw_summary *sum);


#endif
