/*
 * conf.h - statewall configuration: session settings, timeouts, security rules,
 * service objects.
 *
 * The configuration language is PAN-OS `set` lines, one per line, `#` starts a
 * comment:
 *
 *   set deviceconfig setting session timeout-tcpwait 60
 *   set deviceconfig setting session half-close-mode idle
 *   set deviceconfig setting session tcp-reject-non-syn no
 *   set rulebase security rules block-telnet protocol tcp
 *   set rulebase security rules block-telnet destination-port 23
 *   set rulebase security rules block-telnet action deny
 *   set service svc-x protocol tcp port 5002 override yes halfclose-timeout 600
 *   set rulebase security rules web service svc-x
 *   set rulebase security rules web action allow
 *
 * A rule's lines accumulate; rules are evaluated in the order they were first
 * named.  Every error names the file, line and offending token, and a failed
 * load or `--set` leaves the configuration it was given unchanged.
 */
#ifndef STATEWALL_CONF_H
#define STATEWALL_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "statewall/types.h"

/* half-close-mode: what the first FIN does to a TCP session's timer (README.md). */
enum sw_half_close_mode {
	SW_HC_TCPWAIT, /* PAN-OS <= 6.0: first FIN -> fixed timeout-tcpwait */
	SW_HC_FIXED,   /* PAN-OS >= 6.1: first FIN -> fixed half-closed, then time-wait */
	SW_HC_IDLE     /* statewall default: half-closed is an idle timer */
};
const char *sw_half_close_mode_name(unsigned m);

enum sw_action { SW_ACT_ALLOW, SW_ACT_DENY };

/*
 * reset-on-expiry: which TCP sessions a timer ends with an RST to each end
 * (SW_RST_HALF_CLOSED: only those a FIN had half-closed).  A rule or a
 * service stores it + 1, 0 meaning "not set here".
 */
enum sw_reset_mode { SW_RST_NONE, SW_RST_HALF_CLOSED, SW_RST_ALL, SW_RST_MODES };
/* "none", "half-closed", "all"; NULL past the end (NULL-terminated list). */
extern const char *const sw_reset_words[SW_RST_MODES + 1];

/* table-full-action: what a new session does when max-sessions are live. */
enum sw_table_full_action { SW_TFA_EVICT, SW_TFA_REFUSE };

#define SW_RULE_NAME_MAX 64
#define SW_RULE_ADDRS 16
#define SW_RULE_PORTS 16
#define SW_RULES_MAX 256

struct sw_cidr {
	struct sw_addr addr; /* v4-mapped for IPv4 */
	uint8_t plen;        /* prefix length over the 128-bit form (IPv4 /24 -> 120) */
};

struct sw_port_range {
	uint16_t lo, hi;
};

/*
 * Service objects (PAN-OS `set service NAME protocol tcp|udp port LIST
 * [source-port LIST] [override yes timeout S halfclose-timeout S
 * timewait-timeout S]`).  A rule's service list narrows what it matches;
 * the first service of the session's rule that matches the flow, if it has
 * `override yes`, sets the session's timers (docs/configuration.md).
 */
#define SW_SERVICES_MAX 64
#define SW_SVC_PORTS 16
#define SW_RULE_SERVICES 16

/* The timers a service override may set (0 = not set: the global value). */
enum sw_svc_timer { SW_SVC_TIMEOUT, SW_SVC_HALFCLOSE, SW_SVC_TIMEWAIT, SW_SVC_TIMERS };

struct sw_service {
	char name[SW_RULE_NAME_MAX];
	struct sw_port_range port[SW_SVC_PORTS], sport[SW_SVC_PORTS];
	uint8_t nport, nsport; /* nsport 0 = any source port */
	uint8_t proto;         /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t override;      /* override yes */
	uint32_t timer[SW_SVC_TIMERS]; /* seconds, 0 = not set */
	uint8_t reset;                 /* override reset-on-expiry: enum sw_reset_mode + 1, 0 = not set */
};

/*
 * Service groups (`set service-group NAME members [ svc ... ]`): members are
 * services.  In a rule's service list an entry below SW_SVC_GROUP_BASE is a
 * service index, SW_SVC_GROUP_BASE + i is group i.
 */
#define SW_SVC_GROUPS_MAX 32
#define SW_SVC_GROUP_BASE SW_SERVICES_MAX
struct sw_svc_group {
	char name[SW_RULE_NAME_MAX];
	uint8_t n;
	uint8_t member[SW_RULE_SERVICES]; /* service indexes */
};

/*
 * Application timeouts (`set application NAME protocol tcp|udp port LIST
 * [tcp-timeout S] [tcp-half-closed-timeout S] [tcp-time-wait-timeout S]
 * [udp-timeout S]`): port-based here (no App-ID); the first application
 * whose protocol and port match a flow gives its timers, below a service
 * override and a rule's timeout-NAME, above the global values.
 */
#define SW_APPS_MAX 16
enum sw_app_timer { SW_APP_TCP, SW_APP_HALF_CLOSED, SW_APP_TIME_WAIT, SW_APP_UDP, SW_APP_TIMERS };
struct sw_app {
	char name[SW_RULE_NAME_MAX];
	struct sw_port_range port[SW_SVC_PORTS];
	uint8_t nport;
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t timer[SW_APP_TIMERS]; /* seconds, 0 = not set */
};

struct sw_rule {
	char name[SW_RULE_NAME_MAX];
	struct sw_cidr src[SW_RULE_ADDRS], dst[SW_RULE_ADDRS];
	uint8_t nsrc, ndst; /* 0 = any */
	struct sw_port_range dport[SW_RULE_PORTS];
	uint8_t ndport; /* 0 = any */
	int16_t proto;  /* -1 = any, else IPPROTO_* */
	uint8_t action; /* enum sw_action */
	uint8_t has_action;
	uint8_t nsvc;   /* 0 = service any (or application-default) */
	uint8_t appdef; /* service application-default: only the applications' ports match */
	uint8_t svc[SW_RULE_SERVICES]; /* services, or SW_SVC_GROUP_BASE + group */
	uint32_t timeout[SW_TO_MAX];   /* `timeout-NAME S` for its sessions, 0 = global */
	uint8_t reset;                 /* `reset-on-expiry M`: enum sw_reset_mode + 1, 0 = global */
};

/* 1 if rule r sets a timer or reset-on-expiry of its own (it then has timer profiles). */
int sw_rule_scoped(const struct sw_rule *r);

/*
 * Timer profiles: each distinct combination of a rule's timeouts (and
 * reset-on-expiry) and a service override becomes one profile of the engine; at most
 * SW_TIMER_PROFILES - 1 besides the global timers, so (rules with a
 * timeout + 1) x (services with override yes + 1) x (applications + 1)
 * must stay within that.
 */
#define SW_TIMER_PROFILES 128

/*
 * The daemon's own settings (`set deviceconfig system NAME VALUE`): what
 * `statewall run` reads from the file besides the session settings, so that
 * a service needs only `-c FILE`; its command-line options override them.
 * They take effect at the next start (a reload or commit keeps the running
 * interfaces and sockets).  "" = not set.
 */
#define SW_SYS_IFNAME_MAX 16 /* IFNAMSIZ */
#define SW_SYS_PATH_MAX 256
struct sw_sys_conf {
	char vwire[2][SW_SYS_IFNAME_MAX]; /* vwire [ IF_A IF_B ] */
	char http_listen[64];             /* http-listen ADDR:PORT */
	char ctl_socket[SW_SYS_PATH_MAX]; /* ctl-socket PATH */
	char log_file[SW_SYS_PATH_MAX];   /* log-file PATH */
	char http_auth[SW_SYS_PATH_MAX];  /* http-auth-file PATH */
	char http_keys[SW_SYS_PATH_MAX];  /* http-keys-file PATH */
	char tls_cert[SW_SYS_PATH_MAX];   /* tls-cert-file PATH */
	char tls_key[SW_SYS_PATH_MAX];    /* tls-key-file PATH */
};

/* The system settings' names, values and help, for the writer, the CLI and the docs. */
struct sw_sys_info {
	const char *name, *value, *help; /* value: the placeholder ("<path>") */
};
unsigned sw_conf_nsys(void);
/* Setting i (0 <= i < sw_conf_nsys()); 0, or -ENOENT. */
int sw_conf_sys(unsigned i, struct sw_sys_info *out);

struct sw_conf {
	uint32_t timeout[SW_TO_MAX]; /* seconds */
	uint32_t max_sessions;
	uint32_t max_tombstones;
	uint32_t tombstone_ttl;         /* seconds a tombstone is kept */
	uint8_t half_close_mode;        /* enum sw_half_close_mode */
	uint8_t tcp_reject_non_syn;     /* 1 = yes (default) */
	uint8_t tcp_window_check;       /* 1 = drop out-of-window segments (default) */
	uint8_t tcp_checksum_check;     /* 1 = verify L4 checksums (default no) */
	uint8_t default_action;         /* enum sw_action */
	uint8_t accel_aging;            /* accelerated-aging: 1 = yes (default) */
	uint8_t table_full_action;      /* enum sw_table_full_action */
	uint8_t hc_refresh;             /* half-closed-refresh: 0 both (default), 1 open-side */
	uint8_t reset_on_expiry;        /* enum sw_reset_mode (default none) */
	uint32_t accel_threshold;       /* percent of max-sessions, 50-99 */
	uint32_t accel_factor;          /* idle timers divided by it, 2-16 */
	uint32_t evict_min_idle;        /* seconds: a session active within it is never evicted */
	uint32_t max_per_source;        /* sessions per source (IPv4 /32, IPv6 /64); 0 = no limit */
	uint32_t tunnel_inspect;        /* bit per enum sw_tun_type: inner flows become sessions */
	uint32_t tunnel_max_depth;      /* nested tunnels followed (1-8, default 4) */
	uint32_t decap;                 /* --decap (not a setting): bit per mirror transport type
					   whose outer flow is skipped (SW_TUN_DECAP) */
	uint32_t nrules;
	struct sw_rule rules[SW_RULES_MAX];
	uint32_t nservices;
	struct sw_service services[SW_SERVICES_MAX];
	uint32_t ngroups;
	struct sw_svc_group groups[SW_SVC_GROUPS_MAX];
	uint32_t napps;
	struct sw_app apps[SW_APPS_MAX];
	struct sw_sys_conf sys;
};

/*
 * The session settings (`set deviceconfig setting session NAME VALUE`): the
 * timeouts of tables.h and the other settings, each with its default, range
 * or words and help - one table for the parser, the CLI's completion, the
 * web UI's forms and the docs.
 */
struct sw_setting_info {
	const char *name, *help;
	const char *unit;          /* numeric settings: what the number counts */
	const char *const *words;  /* word settings: NULL-terminated choices; NULL if numeric */
	uint32_t def, min, max;    /* word settings: def is an index into words */
	unsigned list;             /* a list setting: the value (and def) is a bit set over words,
				      written all, none, one word or a,b,c */
};
/* A setting's value as the configuration writes it (words, lists, numbers). */
const char *sw_conf_setting_str(const struct sw_conf *c, unsigned i, char *buf, size_t len);
unsigned sw_conf_nsettings(void);
/* Setting i (0 <= i < sw_conf_nsettings()); 0, or -ENOENT. */
int sw_conf_setting(unsigned i, struct sw_setting_info *out);
/* Index of the setting called name (the "timeout-" prefix may be left out); -1 if none. */
int sw_conf_setting_find(const char *name);
/* Its value in c (a word setting: the index of its word). */
uint32_t sw_conf_setting_value(const struct sw_conf *c, unsigned i);

/* Fill *c with the defaults of tables.h and the settings above. */
void sw_conf_defaults(struct sw_conf *c);

/*
 * Apply one `set ...` / `delete ...` line to *c.  `file`/`line` only label
 * messages.  Returns 0, or -EINVAL with "FILE:LINE: token 'TOK': what" in err;
 * on error *c is unchanged.
 */
int sw_conf_apply_line(struct sw_conf *c, const char *text, const char *file, int line,
		       char *err, size_t errlen);

/* Apply `NAME=VALUE` from the command line (--set); NAME is a session setting. */
int sw_conf_apply_kv(struct sw_conf *c, const char *kv, char *err, size_t errlen);

/* Load a file of set lines on top of *c; all or nothing. 0 or -errno. */
int sw_conf_load(struct sw_conf *c, const char *path, char *err, size_t errlen);

/* Parse a whole buffer of set lines (as sw_conf_load does); all or nothing. */
int sw_conf_load_buf(struct sw_conf *c, const char *buf, size_t len, const char *file,
		     char *err, size_t errlen);
/* The same; on error *line is the line the message is about (1-based; 0: none). */
int sw_conf_load_buf_at(struct sw_conf *c, const char *buf, size_t len, const char *file,
			int *line, char *err, size_t errlen);

/* Cross-setting checks (time-wait <= half-closed, rules complete). 0 or -EINVAL. */
int sw_conf_validate(const struct sw_conf *c, char *err, size_t errlen);
/*
 * One worker's part of c when n workers share the traffic (each owns an
 * engine): max-sessions, max-tombstones and max-sessions-per-source divided
 * by n, rounded up.  Flows are spread by hash, so a source's sessions are
 * spread too: its quota holds per worker, within rounding of the whole.
 * Percentages (accelerated-aging-threshold) need no division.
 */
void sw_conf_share(struct sw_conf *c, unsigned n);

/* Write *c as canonical set lines (only what differs from the defaults if !full). */
void sw_conf_write(const struct sw_conf *c, FILE *out, int full);
/*
 * The canonical set lines of rule r, every field on its own line, the first
 * one creating it; r need not be one of c's rules, c names its services.
 */
void sw_conf_write_rule(const struct sw_conf *c, const struct sw_rule *r, FILE *out);
/* The canonical set lines of service s: its ports, then its override if it has one. */
void sw_conf_write_service(const struct sw_service *s, FILE *out);

/*
 * Write *c to path atomically: temporary file beside the file (beside a
 * symbolic link's target: the link stays), fsync, rename, fsync dir.
 * 0 or -errno: -EACCES for a file made read-only (no write bit), -ENOSPC
 * for a full file system, each with a message naming the file.
 */
int sw_conf_save(const struct sw_conf *c, const char *path, char *err, size_t errlen);

/*
 * Remove the temporary files a save interrupted by a crash left beside
 * path's file (PATH.tmp.XXXXXX).  Call it at start, before loading path.
 * The number removed, or -errno with a message.
 */
int sw_conf_save_cleanup(const char *path, char *err, size_t errlen);

/*
 * First rule that matches the flow (src/dst address, protocol, destination
 * port), or NULL.  *action gets the rule's action or the default action.
 */
const struct sw_rule *sw_conf_match(const struct sw_conf *c, const struct sw_flow *f,
				    enum sw_action *action);

/*
 * The service of rule r (an index into c->services) that matches the flow,
 * the first in the rule's list; -1 when the rule has no service list or no
 * service of it matches.
 */
int sw_conf_rule_service(const struct sw_conf *c, const struct sw_rule *r,
			 const struct sw_flow *f);
/* The first application matching the flow's protocol and destination port, or -1. */
int sw_conf_app_match(const struct sw_conf *c, const struct sw_flow *f);
/* 1 if service s matches the flow's protocol, destination and source port. */
int sw_service_matches(const struct sw_service *s, const struct sw_flow *f);
/* The service-override word of timer t ("timeout", "halfclose-timeout", "timewait-timeout"). */
const char *sw_svc_timer_name(unsigned t);
/* The largest value a service override accepts for timer t, seconds (the smallest is 1). */
uint32_t sw_svc_timer_max(unsigned t);

/* The index of the service, service-group, application called name, or -1. */
int sw_conf_find_service(const struct sw_conf *c, const char *name);
int sw_conf_find_group(const struct sw_conf *c, const char *name);
int sw_conf_find_app(const struct sw_conf *c, const char *name);
/* A port list as the set lines write it ("80,8000-8080"; "any" when n is 0); buf. */
#define SW_PORTSTRLEN (SW_SVC_PORTS * 12 + 4)
const char *sw_ports_str(const struct sw_port_range *p, unsigned n, char *buf, size_t len);
/* A rule's service value as the set lines write it: any, application-default, NAME, [ A B ]. */
#define SW_SVCLISTLEN (SW_RULE_SERVICES * (SW_RULE_NAME_MAX + 3) + 24)
const char *sw_conf_rule_services_str(const struct sw_conf *c, const struct sw_rule *r,
				      char *buf, size_t len);
/* An address or prefix as the set lines write it ("10.0.0.0/8", "any" for plen 0 ...); buf. */
const char *sw_cidr_str(const struct sw_cidr *c, char *buf, size_t len);

/* Parse "a.b.c.d[/n]", "v6[/n]" or "any" (plen 0). 0 or -EINVAL. */
int sw_cidr_parse(struct sw_cidr *out, const char *s);

#endif
