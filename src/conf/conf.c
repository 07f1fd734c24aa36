/*
 * conf.c - the configuration model: the settings table, defaults, validation,
 * CIDR parsing and the security-rule lookup.
 *
 * The language (parse.c) and the canonical writer (write.c) are driven by
 * swc_settings[] below, so a setting exists in exactly one place.  The
 * timeouts are not listed here at all: their rows are generated from
 * SW_TIMEOUTS, which keeps the CLI, docs and this parser on one list.
 *
 * Nothing here has mutable global state; every function works on the
 * struct sw_conf it is handed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* POSIX/GNU APIs when built outside CMake (fuzzing by hand) */
#endif
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf-int.h"

static const char *const hc_words[] = {"tcpwait", "fixed", "idle", NULL};
static const char *const yesno_words[] = {"no", "yes", NULL};
static const char *const action_words[] = {"allow", "deny", NULL};
static const char *const tfa_words[] = {"evict", "refuse", NULL};
static const char *const refresh_words[] = {"both", "open-side", NULL};
const char *const sw_reset_words[SW_RST_MODES + 1] = {"none", "half-closed", "all", NULL};
#define X_TUN_WORD(id, name, help) name,
static const char *const tunnel_words[] = {SW_TUNNELS(X_TUN_WORD) NULL};

/* The word tables index the enums directly; keep them in step. */
_Static_assert(SW_HC_TCPWAIT == 0 && SW_HC_FIXED == 1 && SW_HC_IDLE == 2, "hc_words order");
_Static_assert(SW_ACT_ALLOW == 0 && SW_ACT_DENY == 1, "action_words order");
_Static_assert(SW_TFA_EVICT == 0 && SW_TFA_REFUSE == 1, "tfa_words order");

#define SWC_TO_ROW(id, name_, def_, lo_, hi_, label_, help_)                                      \
	{.name = name_,                                                                            \
	 .kind = SWC_U32,                                                                          \
	 .off = offsetof(struct sw_conf, timeout) + (size_t)SW_TO_##id * sizeof(uint32_t),         \
	 .def = def_,                                                                              \
	 .min = lo_,                                                                               \
	 .max = hi_,                                                                               \
	 .unit = "seconds",                                                                        \
	 .help = help_},

#define SWC_U32_ROW(name_, field, def_, lo_, hi_, unit_, help_)                                   \
	{.name = name_,                                                                            \
	 .kind = SWC_U32,                                                                          \
	 .off = offsetof(struct sw_conf, field),                                                   \
	 .def = def_,                                                                              \
	 .min = lo_,                                                                               \
	 .max = hi_,                                                                               \
	 .unit = unit_,                                                                            \
	 .help = help_}

#define SWC_WORD_ROW(name_, field, def_, words_, help_)                                           \
	{.name = name_,                                                                            \
	 .kind = SWC_WORD,                                                                         \
	 .off = offsetof(struct sw_conf, field),                                                   \
	 .def = def_,                                                                              \
	 .min = 0,                                                                                 \
	 .max = sizeof(words_) / sizeof(words_[0]) - 2,                                            \
	 .words = words_,                                                                          \
	 .help = help_}

#define SWC_LIST_ROW(name_, field, def_, words_, help_)                                           \
	{.name = name_,                                                                            \
	 .kind = SWC_LIST,                                                                         \
	 .off = offsetof(struct sw_conf, field),                                                   \
	 .def = def_,                                                                              \
	 .min = 0,                                                                                 \
	 .max = (1u << (sizeof(words_) / sizeof(words_[0]) - 1)) - 1,                             \
	 .words = words_,                                                                          \
	 .help = help_}

const struct swc_setting swc_settings[] = {
	SW_TIMEOUTS(SWC_TO_ROW)
	SWC_U32_ROW("max-sessions", max_sessions, 1000000, 1, 100000000, "sessions",
		    "size of the session table; when full, table-full-action says what a new session does"),
	SWC_WORD_ROW("half-close-mode", half_close_mode, SW_HC_IDLE, hc_words,
		     "what the first FIN starts: tcpwait (PAN-OS <= 6.0), fixed (PAN-OS >= 6.1) "
		     "or idle"),
	SWC_WORD_ROW("tcp-reject-non-syn", tcp_reject_non_syn, 1, yesno_words,
		     "drop a TCP packet that is not a SYN and matches no session"),
	SWC_WORD_ROW("tcp-window-check", tcp_window_check, 1, yesno_words,
		     "drop TCP segments outside the receive window"),
	SWC_WORD_ROW("tcp-checksum-check", tcp_checksum_check, 0, yesno_words,
		     "verify TCP/UDP/ICMP checksums"),
	SWC_WORD_ROW("default-action", default_action, SW_ACT_ALLOW, action_words,
		     "action for a flow that matches no security rule"),
	SWC_U32_ROW("max-tombstones", max_tombstones, 65536, 0, 10000000, "tombstones",
		    "ended sessions remembered to classify late packets"),
	SWC_U32_ROW("tombstone-ttl", tombstone_ttl, 300, 1, 86400, "seconds",
		    "how long an ended session is remembered"),
	SWC_WORD_ROW("accelerated-aging", accel_aging, 1, yesno_words,
		     "divide idle timers by the scaling factor while the table is above the "
		     "threshold (PAN-OS)"),
	SWC_U32_ROW("accelerated-aging-threshold", accel_threshold, 80, 50, 99, "percent",
		    "percent of max-sessions at which accelerated aging starts"),
	SWC_U32_ROW("accelerated-aging-scaling-factor", accel_factor, 2, 2, 16, "divisor",
		    "what accelerated aging divides idle timers by"),
	SWC_WORD_ROW("table-full-action", table_full_action, SW_TFA_EVICT, tfa_words,
		     "a new session when the table is full: evict (discard, unestablished, closing, "
		     "idle established, idle half-closed, in that order) or refuse (PAN-OS)"),
	SWC_U32_ROW("evict-min-idle", evict_min_idle, 60, 1, 86400, "seconds",
		    "an established or half-closed session that carried a packet within it is "
		    "never evicted"),
	SWC_WORD_ROW("half-closed-refresh", hc_refresh, 0, refresh_words,
		     "which packets re-arm the half-closed idle timer: both sides, or only the "
		     "side that has not sent FIN (open-side)"),
	SWC_WORD_ROW("reset-on-expiry", reset_on_expiry, SW_RST_NONE, sw_reset_words,
		     "a TCP session a timer ends gets an RST sent to each end: none, half-closed "
		     "(only after a FIN) or all; a service override or a rule may set its own"),
	SWC_U32_ROW("max-sessions-per-source", max_per_source, 0, 0, 100000000, "sessions",
		    "sessions one source (IPv4 /32, IPv6 /64) may hold; 0 = no limit"),
	SWC_LIST_ROW("tunnel-inspect", tunnel_inspect, 0, tunnel_words,
		     "tunnel types whose inner flows are sessions of their own (all, none, or a "
		     "list such as gre,vxlan); default none for run (PAN-OS), all for replay and "
		     "analyze"),
	SWC_U32_ROW("tunnel-max-depth", tunnel_max_depth, 4, 1, 8, "tunnels",
		    "tunnels nested in one frame that tunnel-inspect follows; deeper is "
		    "tunnel-too-deep"),
};
_Static_assert(sizeof(tunnel_words) / sizeof(tunnel_words[0]) == SW_TUN_MAX + 1,
	       "tunnel_words follows SW_TUNNELS");
const unsigned swc_nsettings = sizeof(swc_settings) / sizeof(swc_settings[0]);
_Static_assert(sizeof(swc_settings) / sizeof(swc_settings[0]) <= SWC_NSETTINGS_MAX,
	       "raise SWC_NSETTINGS_MAX");

uint32_t swc_get(const struct sw_conf *c, const struct swc_setting *s)
{
	const unsigned char *p = (const unsigned char *)c + s->off;
	if (s->kind == SWC_WORD)
		return *(const uint8_t *)p;
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

void swc_set(struct sw_conf *c, const struct swc_setting *s, uint32_t v)
{
	unsigned char *p = (unsigned char *)c + s->off;
	if (s->kind == SWC_WORD)
		*(uint8_t *)p = (uint8_t)v;
	else
		memcpy(p, &v, sizeof(v));
}

int sw_rule_scoped(const struct sw_rule *r)
{
	if (r->reset)
		return 1;
	for (unsigned t = 0; t < SW_TO_MAX; t++)
		if (r->timeout[t])
			return 1;
	return 0;
}

const char *swc_list_str(const struct swc_setting *s, uint32_t v, char *buf, size_t len)
{
	size_t o = 0;

	if (v == 0)
		return "none";
	if (v == s->max)
		return "all";
	buf[0] = '\0';
	for (unsigned i = 0; s->words[i] && o < len; i++)
		if (v & (1u << i))
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", s->words[i]);
	return buf;
}

int swc_list_parse(const struct swc_setting *s, const char *v, uint32_t *out, const char **bad,
		   size_t *badlen)
{
	uint32_t m = 0;

	if (strcmp(v, "all") == 0) {
		*out = s->max;
		return 0;
	}
	if (strcmp(v, "none") == 0) {
		*out = 0;
		return 0;
	}
	for (;;) {
		size_t n = strcspn(v, ",");
		unsigned i;

		for (i = 0; s->words[i]; i++)
			if (strlen(s->words[i]) == n && strncmp(v, s->words[i], n) == 0)
				break;
		if (!s->words[i]) {
			*bad = v;
			*badlen = n;
			return -1;
		}
		m |= 1u << i;
		if (v[n] == '\0')
			break;
		v += n + 1;
	}
	*out = m;
	return 0;
}

void sw_conf_defaults(struct sw_conf *c)
{
	/*
	 * Zero everything first, padding included: the round-trip checks
	 * (fuzzer, tests) compare whole structs with memcmp, and unused rule
	 * slots must compare equal too.
	 */
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < swc_nsettings; i++)
		swc_set(c, &swc_settings[i], swc_settings[i].def);
}

const char *sw_half_close_mode_name(unsigned m)
{
	return m <= SW_HC_IDLE ? hc_words[m] : "?";
}

int swc_setting_find(const char *name)
{
	for (unsigned i = 0; i < swc_nsettings; i++)
		if (strcmp(name, swc_settings[i].name) == 0)
			return (int)i;
	return -1;
}

unsigned swc_edit_distance(const char *a, const char *b)
{
	/*
	 * Two-row Levenshtein.  Names are short; anything longer than the row
	 * is compared on its first 63 characters, which is plenty to rank
	 * suggestions and keeps this on the stack.
	 */
	enum { N = 64 };
	unsigned prev[N], cur[N];
	size_t la = strnlen(a, N - 1), lb = strnlen(b, N - 1);

	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
						      tolower((unsigned char)b[j - 1]));
			unsigned del = prev[j] + 1, ins = cur[j - 1] + 1;
			unsigned m = sub < del ? sub : del;
			cur[j] = m < ins ? m : ins;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

unsigned swc_setting_closest(const char *name)
{
	/*
	 * A bare timeout name ("tcpwait") is what --set accepts; in a file it
	 * is a near miss for "timeout-tcpwait", so rank it that way first.
	 */
	int t = sw_timeout_lookup(name);
	if (t >= 0)
		return (unsigned)t; /* timeout rows come first, in SW_TIMEOUTS order */

	unsigned best = 0, bestd = ~0u;
	for (unsigned i = 0; i < swc_nsettings; i++) {
		unsigned d = swc_edit_distance(name, swc_settings[i].name);
		/* "tcpwiat" is closer to "timeout-tcpwait" than the raw distance says */
		if (strncmp(swc_settings[i].name, "timeout-", 8) == 0) {
			unsigned d2 = swc_edit_distance(name, swc_settings[i].name + 8);
			if (d2 < d)
				d = d2;
		}
		/* an abbreviation ("half-close") points at the name it starts */
		size_t n = strlen(name);
		if (n >= 3 && strncasecmp(swc_settings[i].name, name, n) == 0 && d > 1)
			d = 1;
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

const char *swc_proto_name(int proto)
{
	char num[8];
	const char *n;

	if (proto == -1)
		return "any";
	if (proto < 0 || proto > 255)
		return NULL;
	n = sw_proto_name((unsigned)proto, num, sizeof(num));
	return n == num ? NULL : n; /* a number is not a name */
}

int swc_rule_name_ok(const char *name)
{
	/*
	 * PAN-OS rule names: up to 63 characters, letters, digits, space,
	 * hyphen, underscore and period, starting with a letter or digit.
	 * Keeping to that set means a name never needs escaping: the writer
	 * only has to put double quotes around names with spaces.
	 */
	size_t n = strlen(name);
	if (n == 0 || n >= SW_RULE_NAME_MAX || !isalnum((unsigned char)name[0]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (!(isalnum(ch) || ch == ' ' || ch == '-' || ch == '_' || ch == '.') || ch >= 0x80)
			return 0;
	}
	return 1;
}

/* Zero the host bits so equal prefixes have equal bytes (dedup, memcmp, output). */
static void cidr_mask(struct sw_cidr *c)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bit = i * 8;
		if (bit >= c->plen)
			c->addr.b[i] = 0;
		else if (c->plen - bit < 8)
			c->addr.b[i] &= (uint8_t)(0xff00u >> (c->plen - bit));
	}
}

int sw_cidr_parse(struct sw_cidr *out, const char *s)
{
	char buf[SW_ADDRSTRLEN + 1];
	struct sw_cidr c;
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned plen = 0, maxlen;
	int v4;

	/* memcpy, not assignment, below: the padding must stay zero for memcmp users */
	memset(&c, 0, sizeof(c));
	if (strcmp(s, "any") == 0) {
		memcpy(out, &c, sizeof(c));
		return 0;
	}
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';

	v4 = strchr(buf, ':') == NULL;
	if (v4) {
		/* glibc's inet_pton rejects octal-looking octets and short forms: good */
		if (inet_pton(AF_INET, buf, &c.addr.w[3]) != 1)
			return -EINVAL;
		c.addr.w[2] = htonl(0xffff);
		maxlen = 32;
	} else {
		if (inet_pton(AF_INET6, buf, c.addr.b) != 1)
			return -EINVAL;
		maxlen = 128;
	}

	if (slash) {
		const char *p = slash + 1;
		/* at most three digits, no sign, no spaces: strtoul is too lenient */
		if (*p == '\0' || strlen(p) > 3)
			return -EINVAL;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			plen = plen * 10 + (unsigned)(*p - '0');
		}
		if (plen > maxlen)
			return -EINVAL;
	} else {
		plen = maxlen;
	}
	c.plen = (uint8_t)(v4 ? plen + 96 : plen);
	cidr_mask(&c);
	memcpy(out, &c, sizeof(c));
	return 0;
}

const char *swc_cidr_str(const struct sw_cidr *c, char *buf)
{
	char a[SW_ADDRSTRLEN];
	/*
	 * A v4-mapped address with plen >= 96 prints as IPv4 with plen - 96;
	 * after masking, a prefix shorter than 96 can never look v4-mapped,
	 * so the form printed always parses back to the same bytes.
	 */
	if (c->plen >= 96 && sw_addr_is_v4(&c->addr)) {
		inet_ntop(AF_INET, &c->addr.w[3], a, sizeof(a));
		snprintf(buf, SWC_CIDRSTRLEN, "%s/%u", a, (unsigned)c->plen - 96);
	} else {
		inet_ntop(AF_INET6, c->addr.b, a, sizeof(a));
		snprintf(buf, SWC_CIDRSTRLEN, "%s/%u", a, (unsigned)c->plen);
	}
	return buf;
}

void swc_check(const struct sw_conf *c, struct swc_problem *p)
{
	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < swc_nsettings; i++) {
		uint32_t v = swc_get(c, &swc_settings[i]);
		if (v < swc_settings[i].min || v > swc_settings[i].max) {
			p->kind = SWC_P_RANGE;
			p->setting = i;
			return;
		}
	}
	/*
	 * PAN-OS accepts time-wait > half-closed at commit and silently caps
	 * it; we refuse instead, because a silently different timer is exactly
	 * the kind of surprise this engine exists to remove.
	 */
	if (c->timeout[SW_TO_TCP_TIME_WAIT] > c->timeout[SW_TO_TCP_HALF_CLOSED]) {
		p->kind = SWC_P_TIMEWAIT;
		return;
	}
	if (c->nservices > SW_SERVICES_MAX) {
		p->kind = SWC_P_SVC_BAD;
		p->rule = SW_SERVICES_MAX;
		return;
	}
	for (unsigned i = 0; i < c->nservices; i++) {
		const struct sw_service *s = &c->services[i];
		p->rule = i;
		if (s->nport > SW_SVC_PORTS || s->nsport > SW_SVC_PORTS ||
		    (s->proto != IPPROTO_TCP && s->proto != IPPROTO_UDP) ||
		    memchr(s->name, '\0', sizeof(s->name)) == NULL || !swc_rule_name_ok(s->name) ||
		    s->reset > SW_RST_MODES ||
		    (s->reset && (!s->override || s->proto != IPPROTO_TCP))) {
			p->kind = SWC_P_SVC_BAD;
			return;
		}
		if (s->nport == 0) {
			p->kind = SWC_P_SVC_NOPORT;
			return;
		}
	}
	if (c->napps > SW_APPS_MAX) {
		p->kind = SWC_P_APP_NOPORT;
		p->rule = 0;
		return;
	}
	for (unsigned i = 0; i < c->napps; i++) {
		const struct sw_app *a = &c->apps[i];
		p->rule = i;
		if (a->nport == 0 || a->nport > SW_SVC_PORTS ||
		    (a->proto != IPPROTO_TCP && a->proto != IPPROTO_UDP) ||
		    memchr(a->name, '\0', sizeof(a->name)) == NULL || !swc_rule_name_ok(a->name)) {
			p->kind = SWC_P_APP_NOPORT;
			return;
		}
	}
	if (c->ngroups > SW_SVC_GROUPS_MAX) {
		p->kind = SWC_P_GROUP_BAD;
		p->rule = SW_SVC_GROUPS_MAX;
		return;
	}
	for (unsigned i = 0; i < c->ngroups; i++) {
		const struct sw_svc_group *g = &c->groups[i];
		p->rule = i;
		int bad = g->n == 0 || g->n > SW_RULE_SERVICES ||
			  memchr(g->name, '\0', sizeof(g->name)) == NULL || !swc_rule_name_ok(g->name);
		for (unsigned k = 0; !bad && k < g->n; k++)
			bad = g->member[k] >= c->nservices;
		if (bad) {
			p->kind = SWC_P_GROUP_BAD;
			return;
		}
	}
	if (c->nrules > SW_RULES_MAX) {
		p->kind = SWC_P_RULE_BAD;
		p->rule = SW_RULES_MAX;
		return;
	}
	for (unsigned i = 0; i < c->nrules; i++) {
		const struct sw_rule *r = &c->rules[i];
		p->rule = i;
		if (r->nsrc > SW_RULE_ADDRS || r->ndst > SW_RULE_ADDRS ||
		    r->ndport > SW_RULE_PORTS || r->proto < -1 || r->proto > 255 ||
		    r->action > SW_ACT_DENY || r->nsvc > SW_RULE_SERVICES || r->appdef > 1 ||
		    (r->appdef && r->nsvc) || r->reset > SW_RST_MODES ||
		    memchr(r->name, '\0', sizeof(r->name)) == NULL ||
		    !swc_rule_name_ok(r->name)) {
			p->kind = SWC_P_RULE_BAD;
			return;
		}
		for (unsigned k = 0; k < r->nsvc; k++) {
			unsigned v = r->svc[k];
			if (v < SW_SVC_GROUP_BASE ? v >= c->nservices
						  : v - SW_SVC_GROUP_BASE >= c->ngroups) {
				p->kind = SWC_P_RULE_BAD;
				return;
			}
		}
		for (unsigned t = 0; t < SW_TO_MAX; t++) {
			if (r->timeout[t] && (r->timeout[t] < sw_timeout_info[t].min ||
					      r->timeout[t] > sw_timeout_info[t].max)) {
				p->kind = SWC_P_RULE_TIMEOUT;
				p->setting = t;
				return;
			}
		}
		if (!r->has_action) {
			p->kind = SWC_P_NO_ACTION;
			return;
		}
		/* "any" with ports is allowed: it then matches TCP and UDP only */
		if (r->ndport && r->proto != -1 && r->proto != IPPROTO_TCP &&
		    r->proto != IPPROTO_UDP) {
			p->kind = SWC_P_PORT_PROTO;
			return;
		}
	}
	p->kind = SWC_OK;
	unsigned nr = 1, ns = 1;
	for (unsigned i = 0; i < c->nrules; i++)
		nr += (unsigned)sw_rule_scoped(&c->rules[i]);
	for (unsigned i = 0; i < c->nservices; i++)
		ns += c->services[i].override;
	unsigned na = c->napps + 1;
	if (nr * ns * na > SW_TIMER_PROFILES) {
		p->kind = SWC_P_PROFILES;
		p->rule = nr * ns * na;
	}
}

void swc_problem_str(const struct sw_conf *c, const struct swc_problem *p, char *buf,
		     size_t len)
{
	const struct swc_setting *s = &swc_settings[p->setting];
	/* p->rule is a valid index for the rule problems; clamp for the others */
	const struct sw_rule *r = &c->rules[p->rule < SW_RULES_MAX ? p->rule : 0];
	char num[16];

	switch (p->kind) {
	case SWC_OK:
		snprintf(buf, len, "ok");
		break;
	case SWC_P_RANGE:
		if (s->kind == SWC_U32)
			snprintf(buf, len, "%s is %u but must be %u..%u", s->name,
				 (unsigned)swc_get(c, s), (unsigned)s->min, (unsigned)s->max);
		else
			snprintf(buf, len, "%s holds an unknown value %u", s->name,
				 (unsigned)swc_get(c, s));
		break;
	case SWC_P_TIMEWAIT:
		snprintf(buf, len,
			 "timeout-tcp-time-wait (%u s) is longer than timeout-tcp-half-closed "
			 "(%u s); time-wait must not exceed half-closed (raise "
			 "timeout-tcp-half-closed or lower timeout-tcp-time-wait)",
			 (unsigned)c->timeout[SW_TO_TCP_TIME_WAIT],
			 (unsigned)c->timeout[SW_TO_TCP_HALF_CLOSED]);
		break;
	case SWC_P_SVC_BAD:
		snprintf(buf, len, "service %u has corrupt counts, protocol or name", p->rule);
		break;
	case SWC_P_PROFILES:
		snprintf(buf, len, "(rules with a timeout or reset-on-expiry + 1) x (services with override yes + 1) x "
			 "(applications + 1) is %u, more than the %d timer profiles the engine keeps (expected fewer "
			 "rules with timeouts or service overrides)",
			 p->rule, SW_TIMER_PROFILES);
		break;
	case SWC_P_APP_NOPORT:
		snprintf(buf, len, "application '%.*s' has no port (expected 'set application %.*s "
			 "protocol tcp|udp port N ...')",
			 SW_RULE_NAME_MAX - 1, c->apps[p->rule % SW_APPS_MAX].name,
			 SW_RULE_NAME_MAX - 1, c->apps[p->rule % SW_APPS_MAX].name);
		break;
	case SWC_P_RULE_TIMEOUT:
		snprintf(buf, len, "rule '%.*s' %s is %u but must be %u..%u", SW_RULE_NAME_MAX - 1,
			 r->name, sw_timeout_info[p->setting].name, (unsigned)r->timeout[p->setting],
			 (unsigned)sw_timeout_info[p->setting].min,
			 (unsigned)sw_timeout_info[p->setting].max);
		break;
	case SWC_P_GROUP_BAD:
		snprintf(buf, len, "service-group %u has corrupt counts, members or name", p->rule);
		break;
	case SWC_P_SVC_NOPORT:
		snprintf(buf, len, "service '%.*s' has no port (expected 'set service %.*s protocol %s "
			 "port N')",
			 SW_RULE_NAME_MAX - 1, c->services[p->rule].name, SW_RULE_NAME_MAX - 1,
			 c->services[p->rule].name,
			 c->services[p->rule].proto == IPPROTO_UDP ? "udp" : "tcp");
		break;
	case SWC_P_NO_ACTION:
		snprintf(buf, len, "rule '%.*s' has no action (expected 'action allow' or 'action deny')",
			 SW_RULE_NAME_MAX - 1, r->name);
		break;
	case SWC_P_PORT_PROTO: {
		const char *pn = swc_proto_name(r->proto);
		if (!pn) {
			snprintf(num, sizeof(num), "%d", r->proto);
			pn = num;
		}
		snprintf(buf, len,
			 "rule '%.*s' has a destination-port but protocol %s (expected protocol "
			 "tcp, udp or any)",
			 SW_RULE_NAME_MAX - 1, r->name, pn);
		break;
	}
	case SWC_P_RULE_BAD:
	default:
		if (p->rule < c->nrules && p->rule < SW_RULES_MAX)
			snprintf(buf, len, "rule #%u is malformed (bad name, count or value)",
				 p->rule + 1);
		else
			snprintf(buf, len, "rule count %u exceeds %u", (unsigned)c->nrules,
				 SW_RULES_MAX);
		break;
	}
}

int sw_conf_validate(const struct sw_conf *c, char *err, size_t errlen)
{
	struct swc_problem p;
	swc_check(c, &p);
	if (p.kind == SWC_OK)
		return 0;
	if (err && errlen)
		swc_problem_str(c, &p, err, errlen);
	return -EINVAL;
}

/* 1 if a lies inside the prefix; both are 128-bit, v4 is v4-mapped. */
static int cidr_contains(const struct sw_cidr *c, const struct sw_addr *a)
{
	unsigned full = c->plen / 8, rest = c->plen % 8;
	if (memcmp(c->addr.b, a->b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (a->b[full] & mask) == (c->addr.b[full] & mask);
}

static int addr_list_match(const struct sw_cidr *list, unsigned n, const struct sw_addr *a)
{
	if (n == 0)
		return 1; /* any */
	for (unsigned i = 0; i < n; i++)
		if (cidr_contains(&list[i], a))
			return 1;
	return 0;
}

static int rule_matches(const struct sw_rule *r, const struct sw_flow *f)
{
	/* a rule still being assembled (no action yet) cannot decide anything */
	if (!r->has_action)
		return 0;
	if (r->proto != -1 && r->proto != f->proto)
		return 0;
	if (r->ndport) {
		/*
		 * Ports exist only for TCP and UDP.  An ICMP flow carries the
		 * echo identifier in its port fields; it must never satisfy a
		 * port list by accident.
		 */
		if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
			return 0;
		unsigned i, n = r->ndport < SW_RULE_PORTS ? r->ndport : SW_RULE_PORTS;
		for (i = 0; i < n; i++)
			if (f->dport >= r->dport[i].lo && f->dport <= r->dport[i].hi)
				break;
		if (i == n)
			return 0;
	}
	unsigned ns = r->nsrc < SW_RULE_ADDRS ? r->nsrc : SW_RULE_ADDRS;
	unsigned nd = r->ndst < SW_RULE_ADDRS ? r->ndst : SW_RULE_ADDRS;
	return addr_list_match(r->src, ns, &f->src) && addr_list_match(r->dst, nd, &f->dst);
}

const struct sw_rule *sw_conf_match(const struct sw_conf *c, const struct sw_flow *f,
				    enum sw_action *action)
{
	unsigned n = c->nrules < SW_RULES_MAX ? c->nrules : SW_RULES_MAX;
	for (unsigned i = 0; i < n; i++) {
		const struct sw_rule *r = &c->rules[i];
		if (rule_matches(r, f) && (r->nsvc == 0 || sw_conf_rule_service(c, r, f) >= 0) &&
		    (!r->appdef || sw_conf_app_match(c, f) >= 0)) {
			if (action)
				*action = (enum sw_action)c->rules[i].action;
			return &c->rules[i];
		}
	}
	if (action)
		*action = (enum sw_action)c->default_action;
	return NULL;
}

unsigned sw_conf_nsettings(void)
{
	return swc_nsettings;
}

int sw_conf_setting(unsigned i, struct sw_setting_info *out)
{
	const struct swc_setting *st;

	if (i >= swc_nsettings)
		return -ENOENT;
	st = &swc_settings[i];
	out->name = st->name;
	out->help = st->help;
	out->unit = st->kind == SWC_U32 ? st->unit : NULL;
	out->words = st->kind != SWC_U32 ? st->words : NULL;
	out->list = st->kind == SWC_LIST;
	out->def = st->def;
	out->min = st->min;
	out->max = st->max;
	return 0;
}

int sw_conf_setting_find(const char *name)
{
	int i = swc_setting_find(name);
	char full[64];

	if (i < 0 && strncmp(name, "timeout-", 8) != 0) {
		snprintf(full, sizeof(full), "timeout-%s", name);
		i = swc_setting_find(full);
	}
	return i;
}

const char *sw_conf_setting_str(const struct sw_conf *c, unsigned i, char *buf, size_t len)
{
	const struct swc_setting *s;
	uint32_t v;

	if (i >= swc_nsettings)
		return "?";
	s = &swc_settings[i];
	v = swc_get(c, s);
	if (s->kind == SWC_LIST)
		return swc_list_str(s, v, buf, len);
	if (s->kind == SWC_WORD && v <= s->max)
		return s->words[v];
	snprintf(buf, len, "%u", (unsigned)v);
	return buf;
}

uint32_t sw_conf_setting_value(const struct sw_conf *c, unsigned i)
{
	return i < swc_nsettings ? swc_get(c, &swc_settings[i]) : 0;
}

void sw_conf_share(struct sw_conf *c, unsigned n)
{
	if (n <= 1)
		return;
	c->max_sessions = (c->max_sessions + n - 1) / n;
	c->max_tombstones = (c->max_tombstones + n - 1) / n;
	c->max_per_source = (c->max_per_source + n - 1) / n;
}
