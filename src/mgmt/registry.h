/*
 * registry.h - typed commands.  Every command of the CLI, `-c`, the control
 * protocol and REST is one `struct sw_cmd`, written with designated
 * initializers in the file of its family (cmd_session.c, cmd_config.c,
 * cmd_stats.c, cmd_objects.c) and listed by registry.c.
 *
 * A command's arguments are a typed struct (its "frame", which begins with
 * struct sw_cmd_args and ends with whatever state the handler keeps between
 * steps).  The per-command descriptor (`args`) fills that struct
 *   - from CLI words: `show session all source 10.0.0.0/8 protocol tcp`
 *     (keywords in any order, abbreviations of keywords allowed, positional
 *     arguments in order), or
 *   - from a jansson object: {"source":"10.0.0.0/8","protocol":"tcp"}
 *     (member = the keyword with '-' as '_', unless .json says otherwise;
 *     numbers may be JSON integers or strings, yes/no may be booleans,
 *     SW_AT_WORDS a string of words; unknown members refused),
 * with the same checks and the same messages.  A parse error names the
 * argument: its index in `args` and its JSON name (sw_mgmt_call_field).
 *
 * The handler (`step`) runs against a struct sw_cmd_ctx: host and session,
 * the emitter to write with, the step counter.  It returns
 *   SW_CALL_MORE   call me again (bounded work per step: listings visit at
 *                  most SW_MGMT_SLICE sessions per step),
 *   0              done,
 *   -errno         failed; sw_cmd_fail() records the message and the index
 *                  of the offending argument (-1: none) or a field name.
 *                  -ENOENT: the object does not exist (REST 404), -EINVAL: a
 *                  bad argument or value (REST 400 {"error","field"}),
 *                  -EACCES: wrong mode, -ENOMEM, -EIO (the file could not
 *                  be saved).
 * Output written by a failing handler is discarded by the front ends.
 *
 * One matcher (sw_cmd_match) serves execution, TAB and `?`: it resolves
 * command words exactly or as unique prefixes and reports what may come next.
 *
 * Typed-only commands (SW_CMD_TYPED_ONLY) exist for REST: "set setting"
 * {"name": "timeout-tcp", "value": 600} sets one session setting of the
 * candidate without a configuration line being written.
 *
 * REST entry point:  c = sw_mgmt_call_json(h, s, "show session id",
 * json_args, &out); while (sw_mgmt_call_step(c) == SW_CALL_MORE) ...;
 * then sw_mgmt_call_rc(c) (0 / -errno), sw_mgmt_call_field(c) (JSON name of
 * the offending argument or setting, or NULL), sw_mgmt_call_error(c) (the
 * message), out (one JSON document, only meaningful when rc == 0).
 */
#ifndef SW_MGMT_REGISTRY_H
#define SW_MGMT_REGISTRY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/emit.h"
#include "mgmt/mgmt.h"

enum sw_arg_type {
	SW_AT_FLAG,  /* a keyword with no value ("filter"); sets the given bit only */
	SW_AT_U32,   /* uint32_t in [min, max] */
	SW_AT_ID,    /* uint32_t session id, 1 .. 4294967295 */
	SW_AT_PORT,  /* int32_t 0 .. 65535 */
	SW_AT_PROTO, /* int32_t 0 .. 255; tcp, udp, icmp, icmp6 (sw_proto_lookup) */
	SW_AT_CIDR,  /* struct sw_cidr (sw_cidr_parse) */
	SW_AT_ENUM,  /* int32_t index into choices */
	SW_AT_YESNO, /* int32_t 1 (yes / true) or 0 (no / false) */
	SW_AT_WORDS, /* struct sw_words: every remaining word (set / delete lines) */
	SW_AT_STR,   /* char[max]: one word, copied into the frame (JSON: a string or integer) */
};

/* SW_AT_WORDS: the words, valid during the call. */
struct sw_words {
	char **w;
	int n;
};

#define SW_ARG_POS 1u      /* positional: no keyword, taken in order */
#define SW_ARG_REQUIRED 2u /* must be given */

/* sw_cmd.flags: a typed entry only (REST): no CLI words match it, help and completion skip it */
#define SW_CMD_TYPED_ONLY 1u

struct sw_cmd_arg {
	const char *name;   /* CLI keyword (positional: the name used in messages and JSON) */
	const char *json;   /* JSON member name; NULL: name with '-' replaced by '_' */
	enum sw_arg_type type;
	unsigned flags;     /* SW_ARG_* */
	size_t off;         /* offsetof the value in the frame */
	uint32_t min, max;  /* SW_AT_U32 */
	const char *const *choices; /* SW_AT_ENUM: NULL-terminated; completion of others */
	const char *value;  /* placeholder for help and `?`, e.g. "<ip/netmask>" */
	const char *help;
};

/* The head of every frame.  Bit i of given: args[i] was given. */
struct sw_cmd_args {
	uint64_t given;
	void *mem; /* words parsed from JSON (SW_AT_WORDS); freed by sw_cmd_frame_free */
};
#define SW_ARG_GIVEN(a, i) ((((const struct sw_cmd_args *)(a))->given >> (i)) & 1u)

struct sw_cmd_ctx {
	struct sw_mgmt_host *h;
	struct sw_mgmt_sess *s;
	struct sw_emit *e;
	const struct sw_cmd *cmd;
	int step;           /* 0 on the first call; the handler may use it freely */
	int json;           /* the emitter renders JSON */
	int err_arg;        /* index in cmd->args of the offending argument, -1 none */
	const char *err_field; /* or a field / setting name (NULL) */
	char err[768];
	/* set by sw_mgmt_call_set_tail: extra members before the document ends (REST) */
	void (*tail)(void *ctx, struct sw_emit *e);
	void *tail_ctx;
};

struct sw_cand;

struct sw_cmd {
	const char *words;  /* the command words, space-separated ("show session all") */
	const char *help;
	const char *what;   /* what its keywords are called in messages ("filter"); NULL: "argument" */
	unsigned modes;     /* SW_MODE_OP | SW_MODE_CONF */
	unsigned flags;     /* SW_CMD_* */
	const struct sw_cmd_arg *args; /* terminated by {.name = NULL}; NULL: none */
	size_t frame_size;  /* sizeof the frame; >= sizeof(struct sw_cmd_args) */
	/* defaults before parsing (optional) */
	void (*init)(void *frame);
	/* one step: SW_CALL_MORE, 0 or -errno (sw_cmd_fail) */
	int (*step)(struct sw_cmd_ctx *cx, void *frame);
	/*
	 * What may follow the words already typed (TAB / `?`): SW_AT_WORDS
	 * commands all of it; others the values of a positional argument
	 * (object names), before its placeholder.
	 */
	void (*complete)(struct sw_cmd_ctx *cx, char **words, int n, struct sw_cand *out);
};

/* Record an error: message, offending argument (-1: none); returns rc. */
int sw_cmd_fail(struct sw_cmd_ctx *cx, int rc, int arg, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Completion candidates (sw_mgmt_complete's JSON) */
void sw_cand_add(struct sw_cand *o, const char *word, const char *help);

/* ---- the registry ---------------------------------------------------------- */

unsigned sw_cmd_count(void);
const struct sw_cmd *sw_cmd_at(unsigned i);
/* The command whose words are exactly `words` (no abbreviation), or NULL. */
const struct sw_cmd *sw_cmd_find(const char *words);
/* Usage of a command's arguments ("[source <ip/netmask>] ...", "<id>"). */
void sw_cmd_usage(const struct sw_cmd *c, char *buf, size_t len);

/*
 * The matcher.  Resolve argv against the commands of `mode` (words exactly
 * or as unique prefixes).  Returns the command and sets *used to the number
 * of words it took, or NULL with a message naming the token in err.
 */
const struct sw_cmd *sw_cmd_match(unsigned mode, char **argv, int argc, int *used, char *err,
				  size_t errlen);

/*
 * Fill a frame (frame_size bytes, zeroed and init'ed by the caller) from
 * CLI words / from a JSON object.  0, or -EINVAL with *bad the index of
 * the offending argument (-1: a word that is no argument) and a message.
 */
int sw_cmd_parse_words(const struct sw_cmd *c, char **argv, int argc, void *frame, int *bad,
		       char *err, size_t errlen);
int sw_cmd_parse_json(const struct sw_cmd *c, const json_t *obj, void *frame, int *bad,
		      char *err, size_t errlen);
/* Free what parsing allocated in a frame (not the frame itself). */
void sw_cmd_frame_free(void *frame);
/* JSON member name of argument i. */
const char *sw_cmd_arg_json(const struct sw_cmd *c, int i, char *buf, size_t len);

/* ---- typed calls (REST) ---------------------------------------------------- */

/*
 * Start `words` (exact command words, e.g. "clear session id") for session
 * s with arguments from the JSON object args (NULL: none); output is JSON.
 * NULL only without memory.  An unknown command or bad arguments give a call
 * whose first step fails with -ENOENT (no such command) or -EINVAL.
 */
struct sw_mgmt_call *sw_mgmt_call_json(struct sw_mgmt_host *h, struct sw_mgmt_sess *s,
				       const char *words, const json_t *args, struct sw_buf *out);
/* After the last step: 0 or -errno. */
int sw_mgmt_call_rc(const struct sw_mgmt_call *c);
/* JSON name of the offending argument or setting, or NULL. */
const char *sw_mgmt_call_field(const struct sw_mgmt_call *c);
/* Extra members written just before the top-level object closes (JSON). */
void sw_mgmt_call_set_tail(struct sw_mgmt_call *c, void (*fn)(void *ctx, struct sw_emit *e),
			   void *ctx);

/* The command families (cmd_*.c), NULL-terminated, as registry.c lists them. */
extern const struct sw_cmd sw_cmds_session[];
extern const struct sw_cmd sw_cmds_config[];
extern const struct sw_cmd sw_cmds_objects[];
extern const struct sw_cmd sw_cmds_stats[];

#endif
