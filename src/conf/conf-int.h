/*
 * conf-int.h - private to src/conf: the table of session settings shared by
 * the parser (parse.c), the writer (write.c) and defaults/validation (conf.c).
 *
 * Every session setting is one row, so that parsing, defaults, range checks,
 * canonical output and validation cannot disagree about a name, a default or
 * a range.  The timeouts rows are generated from SW_TIMEOUTS in tables.h; the
 * other settings are listed in conf.c.
 */
#ifndef STATEWALL_CONF_INT_H
#define STATEWALL_CONF_INT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "statewall/conf.h"

enum swc_kind {
	SWC_U32, /* uint32_t field, decimal, [min, max] */
	SWC_WORD, /* uint8_t field holding the index of one of `words` */
	SWC_LIST  /* uint32_t bit set: bit i is words[i]; written all, none, one word or a,b,c */
};

struct swc_setting {
	const char *name;
	unsigned kind;             /* enum swc_kind */
	size_t off;                /* offset of the field in struct sw_conf */
	uint32_t def, min, max;    /* for SWC_WORD: def is a word index */
	const char *const *words;  /* SWC_WORD only, NULL-terminated */
	const char *unit;          /* SWC_U32: what the number counts ("seconds") */
	const char *help;
};

/* Upper bound on the number of rows, for per-setting arrays (line tracking). */
#define SWC_NSETTINGS_MAX 32

extern const struct swc_setting swc_settings[];
extern const unsigned swc_nsettings;

/* Exact (case-sensitive) lookup of a setting by its canonical name; -1 if unknown. */
int swc_setting_find(const char *name);
/* Index of the known setting closest to name (edit distance), for "did you mean". */
unsigned swc_setting_closest(const char *name);

uint32_t swc_get(const struct sw_conf *c, const struct swc_setting *s);
/*
 * A SWC_LIST value as the writer puts it: "all", "none", one word or
 * "a,b,c"; and back (0, or -1 naming the bad word in *bad).
 */
const char *swc_list_str(const struct swc_setting *s, uint32_t v, char *buf, size_t len);
int swc_list_parse(const struct swc_setting *s, const char *v, uint32_t *out, const char **bad,
		   size_t *badlen);
void swc_set(struct sw_conf *c, const struct swc_setting *s, uint32_t v);

/* Levenshtein distance, case-insensitive; used for suggestions. */
unsigned swc_edit_distance(const char *a, const char *b);

/* "tcp", "udp", "icmp", "icmp6", "any" or NULL (caller prints the number). */
const char *swc_proto_name(int proto);

/* Format a CIDR as the parser reads it back ("10.0.0.0/8", "2001:db8::/32"). */
#define SWC_CIDRSTRLEN (SW_ADDRSTRLEN + 5)
const char *swc_cidr_str(const struct sw_cidr *c, char *buf);

/* Rule names: 1..SW_RULE_NAME_MAX-1 characters of [A-Za-z0-9 _.-], first alnum. */
int swc_rule_name_ok(const char *name);

/*
 * A cross-setting problem found by swc_check(); the loader turns it into a
 * FILE:LINE message using the line numbers it recorded, sw_conf_validate()
 * into a plain one.
 */
enum swc_problem_kind {
	SWC_OK,
	SWC_P_RANGE,      /* setting `setting` out of range (struct filled by hand) */
	SWC_P_TIMEWAIT,   /* timeout-tcp-time-wait > timeout-tcp-half-closed */
	SWC_P_NO_ACTION,  /* rule `rule` has no action */
	SWC_P_PORT_PROTO, /* rule `rule` has destination-port with a non-tcp/udp protocol */
	SWC_P_RULE_BAD,   /* rule `rule` has corrupt counts or name (struct filled by hand) */
	SWC_P_SVC_BAD,    /* service `rule` has corrupt counts, protocol or name */
	SWC_P_SVC_NOPORT, /* service `rule` has no port */
	SWC_P_GROUP_BAD,  /* group `rule` has corrupt counts, members or name */
	SWC_P_PROFILES,   /* too many rules with timeouts x services with override */
	SWC_P_RULE_TIMEOUT, /* rule `rule`'s timer `setting` out of range */
	SWC_P_APP_NOPORT,  /* application `rule` has no port (or corrupt counts) */
};

struct swc_problem {
	unsigned kind;
	unsigned setting;
	unsigned rule;
};

void swc_check(const struct sw_conf *c, struct swc_problem *p);
/* Describe p in words (no FILE:LINE prefix) into buf. */
void swc_problem_str(const struct sw_conf *c, const struct swc_problem *p, char *buf,
		     size_t len);

/*
 * Replace path (through symbolic links) atomically with what fill writes
 * (0 or -errno); see save.c.  0 or -errno with a message naming the file.
 */
int swc_save_atomic(const char *path, int (*fill)(FILE *f, const void *ctx), const void *ctx,
		    char *err, size_t errlen);

/* ------------------------------------------------------------------------ */
/* The set-line interpreter's pieces shared by parse.c and service.c.       */

/* Longest line accepted; a list of 16 IPv6 prefixes is under 800 bytes. */
#define SWC_LINE_MAX 4096
/* Most tokens on one line; a full address list needs 7 + 2 + 16. */
#define SWC_TOKENS_MAX 128
/* Largest file sw_conf_load reads; a full rulebase is well under 1 MiB. */
#define SWC_FILE_MAX (16u << 20)

/*
 * Where each setting and rule was last touched while loading a file, so
 * that a problem found only by the final cross-checks (time-wait longer
 * than half-closed, a rule without action) still points at a line.
 */
struct track {
	int setting[SWC_NSETTINGS_MAX];
	int svc[SW_SERVICES_MAX]; /* line that first named the service */
	int app[SW_APPS_MAX];     /* line that first named the application */
	int rule[SW_RULES_MAX];    /* line that first named the rule */
	int rule_pp[SW_RULES_MAX]; /* last line setting its protocol or ports */
};

struct ctx {
	const char *file;
	int line; /* 0: no line (the --set option) */
	char *err;
	size_t errlen;
	struct track *tr; /* NULL outside sw_conf_load* */
};

struct tok {
	const char *s;
	int quoted;
};

struct toks {
	struct tok t[SWC_TOKENS_MAX];
	unsigned n;
	/* token text, NUL-separated; brackets split tokens, hence 2x */
	char buf[2 * SWC_LINE_MAX + 2];
};

/* Fail with "FILE:LINE: token 'TOK': what"; always -EINVAL. */
__attribute__((format(printf, 4, 5))) int swc_fail_n(const struct ctx *x, const char *tok,
						     size_t toklen, const char *fmt, ...);
#define fail(x, tok, ...) swc_fail_n((x), (tok), strlen(tok), __VA_ARGS__)

/*
 * The value words of a line from token `from`: one word, or a `[ ... ]`
 * list.  On success first and count delimit the items inside T->t.
 */
int swc_value_items(const struct toks *T, unsigned from, unsigned *first, unsigned *count,
		    int list_ok, const struct ctx *x);

/*
 * Add the port ranges of one token ("N", "N-M", comma lists) to list (*n of
 * max used).  `what` names the list in messages ("rule 'r' destination-port").
 * With no_overlap, a range overlapping one already there is refused.
 */
int swc_add_port_token(struct sw_port_range *list, uint8_t *n, unsigned max, const char *what,
		       int no_overlap, const char *tok, const struct ctx *x);

/* `set/delete service ...` and `set/delete service-group ...` (service.c). */
int swc_do_service(struct sw_conf *c, const struct toks *T, int del, const struct ctx *x);
/* `set/delete service-group NAME [members LIST]` (service.c). */
int swc_do_group(struct sw_conf *c, const struct toks *T, int del, const struct ctx *x);
/* `set/delete application NAME ...` (service.c). */
int swc_do_app(struct sw_conf *c, const struct toks *T, int del, const struct ctx *x);
/* `set/delete deviceconfig system NAME ...` (system.c). */
int swc_do_system(struct sw_conf *c, const struct toks *T, int del, const struct ctx *x);
/* The system settings that are set, as set lines (system.c). */
void swc_write_system(const struct sw_conf *c, FILE *out);
/* The index of the service called name, or -1; of the group, or -1. */
int swc_find_service(const struct sw_conf *c, const char *name);
int swc_find_group(const struct sw_conf *c, const char *name);
/* Write the services as set lines (write.c's order: before the rules that use them). */
void swc_write_services(const struct sw_conf *c, FILE *out);
/* A rule's service list as a value ("any", "svc-a", "[ svc-a svc-b ]") into buf. */
void swc_rule_services_str(const struct sw_conf *c, const struct sw_rule *r, char *buf,
			   size_t len);

#endif
