/*
 * mgmt.h - the management plane's line entry points: one typed command
 * registry (registry.h, command families in cmd_*.c) served over the control
 * socket (server.c) to the CLI, and to REST through registry.h's typed calls.
 *
 * A command runs as a `call`: sw_mgmt_call_start() parses the line against
 * the registry, sw_mgmt_call_step() does a bounded slice of work (a listing
 * walks at most SW_MGMT_SLICE sessions per step) and appends text or JSON to
 * the call's output buffer.  The daemon interleaves steps with packet bursts,
 * so no request holds the data path for long; tests simply step to the end
 * (sw_mgmt_run).
 *
 * Handlers reach the engine and the interfaces only through the host's
 * data-plane operations (dp.h), never directly.
 */
#ifndef SW_MGMT_MGMT_H
#define SW_MGMT_MGMT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "statewall/conf.h"
#include "mgmt/dp.h"
#include "statewall/engine.h"
#include "util/json.h"
#include "util/sessrec.h"

/* ---- JSON reading (requests and response frames; jansson, json.c) -------- */

/*
 * Find `key` in the top-level JSON object `obj` (NUL-terminated) and copy its
 * string value, unescaped, to out.  1 if found as a string, 0 if absent,
 * -1 if malformed (not one JSON object, duplicate keys), not a string, holding
 * a NUL, or too long.
 */
int sw_json_get_str(const char *obj, const char *key, char *out, size_t outlen);
/* Same for an allocated string (caller frees); NULL if absent or malformed. */
char *sw_json_get_strdup(const char *obj, const char *key);
/* true/false/number value of key: 1/0, or `def` if absent. */
long sw_json_get_int(const char *obj, const char *key, long def);

/* ---- the daemon, as management sees it ----------------------------------- */

struct sw_events;

struct sw_mgmt_host {
	struct sw_dp dp;            /* the data plane: engines and interfaces (dp.h) */
	struct sw_events *events;   /* the session event stream (events.h); NULL: none */
	const char *conf_path;      /* file commit writes; NULL: commit applies without saving */
	sw_time_t started;          /* daemon start, wall clock */
	/* rates over the last second, kept by the daemon (sw_mgmt_rates_tick) */
	double pps, cps, kbps;
	uint64_t last_pkts, last_created, last_bytes;
	sw_time_t last_tick;
	uint64_t commits, reloads;  /* configuration generations applied */
	/* live sessions the last commit or reload re-evaluated / gave a new timer value */
	uint64_t last_reevaluated, last_retimed;
	/*
	 * Settings committed (and saved) or reloaded that take effect only at
	 * the next start: the running engine keeps its table sizes.  The
	 * candidate of the next `configure` and the file the next commit
	 * writes include them (zero: none pending).
	 */
	uint32_t pending_max_sessions, pending_max_tombstones;
	/*
	 * `debug log rotate`: the daemon reopens its session log (after
	 * logrotate renamed it).  0 or -errno, what happened in msg; NULL: the
	 * host has no session log.
	 */
	int (*log_reopen)(void *ctx, char *msg, size_t len);
	void *log_ctx;
};

/* Update the rates from the engine counters; call about once a second. */
void sw_mgmt_rates_tick(struct sw_mgmt_host *h, sw_time_t now);

/*
 * Load the configuration file (SIGHUP) and apply it: all or nothing.  0, or
 * -errno with the message in err.
 */
int sw_mgmt_reload(struct sw_mgmt_host *h, char *err, size_t errlen);

/* ---- per-connection state ------------------------------------------------ */

enum sw_mgmt_mode { SW_MODE_OP = 1, SW_MODE_CONF = 2 };

struct sw_mgmt_sess {
	unsigned mode;           /* enum sw_mgmt_mode */
	struct sw_conf *cand;    /* candidate configuration (configure mode) */
	char **lines;            /* set/delete lines accepted since `configure` or `commit` */
	unsigned nlines, caplines;
};

void sw_mgmt_sess_init(struct sw_mgmt_sess *s);
void sw_mgmt_sess_free(struct sw_mgmt_sess *s);

/* ---- session filter (show / clear session all) --------------------------- */

enum sw_filter_state { SW_FS_ANY = -1, SW_FS_ACTIVE, SW_FS_HALF_CLOSED, SW_FS_DISCARD };

struct sw_filter {
	struct sw_cidr src, dst; /* plen 0 = any */
	int has_src, has_dst;
	int sport, dport; /* -1 any */
	int proto;        /* -1 any */
	int state;        /* enum sw_filter_state */
	uint32_t start_at;  /* first session id listed */
	uint32_t limit;     /* 0 = no limit */
	int count_only;     /* `count yes` */
	char service[64];   /* "" any, else the session's service (struct sw_sess_info.service) */
};

/* Parse `[filter] KEY VALUE ...`; 0, or -EINVAL with a message naming the token. */
int sw_filter_parse(struct sw_filter *f, char *const *argv, int argc, char *err, size_t errlen);
int sw_filter_match(const struct sw_filter *f, const struct sw_sess_info *si);

/* ---- the registry and calls ---------------------------------------------- */

#define SW_MGMT_SLICE 256   /* sessions visited per step of a listing */
#define SW_MGMT_MAXARGS 64

/* Split a command line into words ("..." groups words); n or -1 if too many/unterminated. */
int sw_mgmt_split(const char *line, char *buf, size_t buflen, char **argv, int max);

struct sw_mgmt_call;

enum { SW_CALL_DONE = 0, SW_CALL_MORE = 1, SW_CALL_ERROR = -1 };

/*
 * Parse `line` for session `s` and prepare to run it; output goes to `out`
 * (text, or one JSON document if json).  Returns NULL only without memory;
 * a line that does not parse gives a call whose first step fails.
 */
struct sw_mgmt_call *sw_mgmt_call_start(struct sw_mgmt_host *h, struct sw_mgmt_sess *s,
					const char *line, int json, struct sw_buf *out);
/* One slice of work: SW_CALL_MORE, SW_CALL_DONE or SW_CALL_ERROR. */
int sw_mgmt_call_step(struct sw_mgmt_call *c);
const char *sw_mgmt_call_error(const struct sw_mgmt_call *c);
void sw_mgmt_call_free(struct sw_mgmt_call *c);

/* Run a line to the end (tests, one-shot use). SW_CALL_DONE or SW_CALL_ERROR (message in err). */
int sw_mgmt_run(struct sw_mgmt_host *h, struct sw_mgmt_sess *s, const char *line, int json,
		struct sw_buf *out, char *err, size_t errlen);

/*
 * What may come next after `line` (the last word, if the line does not end
 * in a space, is a prefix to complete): appends a JSON object
 * {"words":[{"word":W,"help":H},...],"prefix":P} to out.  Words in <angle
 * brackets> are placeholders; "<Enter>" means the line is complete.
 */
void sw_mgmt_complete(struct sw_mgmt_host *h, struct sw_mgmt_sess *s, const char *line,
		      struct sw_buf *out);

/* Every command of the registry (for docs/cli.md and tests): NULL-terminated walk. */
struct sw_mgmt_cmd_info {
	const char *words, *args, *help; /* args points into argsbuf */
	unsigned modes;
	int typed_only; /* REST only (SW_CMD_TYPED_ONLY): no CLI words */
	char argsbuf[192];
};
int sw_mgmt_cmd_info(unsigned i, struct sw_mgmt_cmd_info *out);

/* ---- control socket server (server.c) ------------------------------------ */

struct sw_ctl;
struct pollfd;

/*
 * Listen on the UNIX socket `path` (created mode 0600; its directory is
 * created 0700 if missing).  Refuses if another daemon answers on it.
 */
int sw_ctl_open(struct sw_ctl **out, const char *path, struct sw_mgmt_host *h, char *err,
		size_t errlen);
/* Unlinks the socket. */
void sw_ctl_close(struct sw_ctl *c);
/* Append the descriptors to poll (listener + clients); returns how many. */
int sw_ctl_pollfds(struct sw_ctl *c, struct pollfd *pfd, int max);
/*
 * Serve: accept, read requests, run command steps for at most `budget_ns`,
 * write responses.  pfd/n are what sw_ctl_pollfds filled (after poll()).
 */
void sw_ctl_service(struct sw_ctl *c, const struct pollfd *pfd, int n, int64_t budget_ns);
/* 1 if a command has work left (the caller should poll with a zero timeout). */
int sw_ctl_busy(const struct sw_ctl *c);

#endif
