/*
 * service.c - service objects: `set service NAME protocol tcp|udp port LIST
 * [source-port LIST] [override yes|no] [timeout S] [halfclose-timeout S]
 * [timewait-timeout S] [reset-on-expiry none|half-closed|all]` (PAN-OS
 * syntax; reset-on-expiry is statewall's, TCP only, under override yes), `delete service NAME [protocol P
 * override]`, their canonical set lines and the matching of a flow to the
 * services of its rule.  Which timers an override sets and how the engine
 * applies them is src/engine/timers.c's.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "conf-int.h"

static const struct {
	const char *word;
	uint32_t min, max;
	int tcp_only;
} svc_timers[SW_SVC_TIMERS] = {
	[SW_SVC_TIMEOUT] = {"timeout", 1, 604800, 0},
	[SW_SVC_HALFCLOSE] = {"halfclose-timeout", 1, 604800, 1},
	[SW_SVC_TIMEWAIT] = {"timewait-timeout", 1, 600, 1},
};

const char *sw_svc_timer_name(unsigned t)
{
	return t < SW_SVC_TIMERS ? svc_timers[t].word : NULL;
}

uint32_t sw_svc_timer_max(unsigned t)
{
	return t < SW_SVC_TIMERS ? svc_timers[t].max : 0;
}

int swc_find_service(const struct sw_conf *c, const char *name)
{
	unsigned n = c->nservices < SW_SERVICES_MAX ? c->nservices : SW_SERVICES_MAX;
	for (unsigned i = 0; i < n; i++)
		if (strncmp(c->services[i].name, name, SW_RULE_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

int sw_conf_find_service(const struct sw_conf *c, const char *name)
{
	return swc_find_service(c, name);
}

int sw_conf_find_group(const struct sw_conf *c, const char *name)
{
	return swc_find_group(c, name);
}

const char *sw_cidr_str(const struct sw_cidr *c, char *buf, size_t len)
{
	char b[SWC_CIDRSTRLEN];

	snprintf(buf, len, "%s", swc_cidr_str(c, b));
	return buf;
}

int swc_find_group(const struct sw_conf *c, const char *name)
{
	unsigned n = c->ngroups < SW_SVC_GROUPS_MAX ? c->ngroups : SW_SVC_GROUPS_MAX;
	for (unsigned i = 0; i < n; i++)
		if (strncmp(c->groups[i].name, name, SW_RULE_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

static int parse_secs(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* The value v of timer word w, in seconds within [min, max]; 0 or -EINVAL (reported). */
static int secs_value(const char *w, const char *v, uint32_t min, uint32_t max, uint32_t *out,
		      const struct ctx *x)
{
	if (parse_secs(v, out) != 0 || *out < min || *out > max)
		return fail(x, v, "%s out of range (expected %u..%u seconds)", w, (unsigned)min,
			    (unsigned)max);
	return 0;
}

/* A service's or an application's protocol word; 0 or -EINVAL (reported). */
static int tcp_or_udp(const char *w, uint8_t *proto, const struct ctx *x)
{
	if (strcmp(w, "tcp") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(w, "udp") == 0)
		*proto = IPPROTO_UDP;
	else
		return fail(x, w, "unknown protocol (expected tcp or udp)");
	return 0;
}

/* A port list value: one token (the comma form) or a `[ ... ]` list; *next: the word after it. */
static int port_value(struct sw_port_range *list, uint8_t *n, const char *what,
		      const struct toks *T, unsigned from, unsigned *next, const struct ctx *x)
{
	const struct tok *t = T->t;
	unsigned last = from;

	if (from >= T->n)
		return fail(x, t[from - 1].s, "missing value (expected ports: N, N-M or a comma "
					      "list of them)");
	*n = 0;
	memset(list, 0, SW_SVC_PORTS * sizeof(*list));
	if (!t[from].quoted && strcmp(t[from].s, "[") == 0) {
		for (last = from + 1; last < T->n && strcmp(t[last].s, "]") != 0; last++)
			if (swc_add_port_token(list, n, SW_SVC_PORTS, what, 1, t[last].s, x) != 0)
				return -EINVAL;
		if (last == T->n)
			return fail(x, t[T->n - 1].s, "unterminated list (expected ']')");
		if (*n == 0)
			return fail(x, t[last].s, "empty list (expected at least one port)");
	} else if (swc_add_port_token(list, n, SW_SVC_PORTS, what, 1, t[from].s, x) != 0) {
		return -EINVAL;
	}
	*next = last + 1;
	return 0;
}

/* The first group with service idx as a member, or -1. */
static int used_by_group(const struct sw_conf *c, int idx)
{
	for (unsigned i = 0; i < c->ngroups && i < SW_SVC_GROUPS_MAX; i++)
		for (unsigned k = 0; k < c->groups[i].n && k < SW_RULE_SERVICES; k++)
			if (c->groups[i].member[k] == idx)
				return (int)i;
	return -1;
}

/* The first rule whose service list holds entry idx (a service, or SW_SVC_GROUP_BASE + group). */
static int used_by_rule(const struct sw_conf *c, int idx)
{
	for (unsigned i = 0; i < c->nrules && i < SW_RULES_MAX; i++)
		for (unsigned k = 0; k < c->rules[i].nsvc && k < SW_RULE_SERVICES; k++)
			if (c->rules[i].svc[k] == idx)
				return (int)i;
	return -1;
}

static int delete_service(struct sw_conf *c, const struct toks *T, int idx, const struct ctx *x)
{
	const struct tok *t = T->t;
	const char *name = t[2].s;

	if (idx < 0)
		return fail(x, name, "no such service (expected the name of an existing service)");
	if (T->n == 6 && strcmp(t[3].s, "protocol") == 0 && strcmp(t[5].s, "override") == 0) {
		struct sw_service *s = &c->services[idx];
		s->override = 0;
		s->reset = 0;
		memset(s->timer, 0, sizeof(s->timer));
		return 0;
	}
	if (T->n > 3)
		return fail(x, t[3].s, "unexpected word (expected end of line, or 'protocol P "
				       "override')");
	int r = used_by_rule(c, idx), g = used_by_group(c, idx);
	if (r >= 0)
		return fail(x, name, "service is used by rule '%s' (expected a service no rule "
				     "uses; remove it from the rule's service first)",
			    c->rules[r].name);
	if (g >= 0)
		return fail(x, name, "service is a member of service-group '%s' (expected a "
				     "service no group holds; remove it from the group first)",
			    c->groups[g].name);
	unsigned n = c->nservices;
	memmove(&c->services[idx], &c->services[idx + 1],
		(n - (unsigned)idx - 1) * sizeof(c->services[0]));
	memset(&c->services[n - 1], 0, sizeof(c->services[0]));
	c->nservices--;
	for (unsigned i = 0; i < c->nrules && i < SW_RULES_MAX; i++)
		for (unsigned k = 0; k < c->rules[i].nsvc && k < SW_RULE_SERVICES; k++)
			if (c->rules[i].svc[k] > idx && c->rules[i].svc[k] < SW_SVC_GROUP_BASE)
				c->rules[i].svc[k]--;
	for (unsigned i = 0; i < c->ngroups && i < SW_SVC_GROUPS_MAX; i++)
		for (unsigned k = 0; k < c->groups[i].n && k < SW_RULE_SERVICES; k++)
			if (c->groups[i].member[k] > idx)
				c->groups[i].member[k]--;
	if (x->tr) {
		memmove(&x->tr->svc[idx], &x->tr->svc[idx + 1],
			(n - (unsigned)idx - 1) * sizeof(x->tr->svc[0]));
		x->tr->svc[n - 1] = 0;
	}
	return 0;
}

int swc_do_service(struct sw_conf *c, const struct toks *T, int del, const struct ctx *x)
{
	const struct tok *t = T->t;

	if (T->n < 3)
		return fail(x, t[T->n - 1].s, "missing service name (expected a name)");
	const char *name = t[2].s;
	if (!swc_rule_name_ok(name))
		return fail(x, name, "invalid service name (expected 1..%d letters, digits, "
				     "spaces, '-', '_' or '.', starting with a letter or digit)",
			    SW_RULE_NAME_MAX - 1);
	int idx = swc_find_service(c, name);
	if (del)
		return delete_service(c, T, idx, x);
	if (idx < 0 && swc_find_group(c, name) >= 0)
		return fail(x, name, "a service-group has this name (expected a name no group has)");

	if (T->n < 4 || strcmp(t[3].s, "protocol") != 0) {
		const char *tok = t[T->n < 4 ? 2 : 3].s;
		if (T->n >= 4 && strcmp(t[3].s, "override") == 0)
			return fail(x, tok, "override on a service with no protocol (expected "
					    "'protocol tcp|udp override yes ...')");
		return fail(x, tok, "%s (expected 'protocol tcp' or 'protocol udp')",
			    T->n < 4 ? "incomplete line" : "unknown word");
	}
	if (T->n < 5)
		return fail(x, t[3].s, "missing protocol (expected tcp or udp)");
	uint8_t proto = 0;
	if (tcp_or_udp(t[4].s, &proto, x) != 0)
		return -EINVAL;
	if (idx < 0 && c->nservices >= SW_SERVICES_MAX)
		return fail(x, name, "too many services (expected at most %d)", SW_SERVICES_MAX);

	/* Work on a copy: the caller's service changes only if the whole line is good. */
	struct sw_service s;
	if (idx >= 0 && c->services[idx].proto == proto) {
		memcpy(&s, &c->services[idx], sizeof(s));
	} else {
		/* a new service, or a protocol change: ports and override belong to the old one */
		memset(&s, 0, sizeof(s));
		memcpy(s.name, name, strlen(name) + 1);
		s.proto = proto;
	}
	char what[SW_RULE_NAME_MAX + 32];
	uint32_t timer[SW_SVC_TIMERS] = {0};
	uint8_t reset = 0;
	const char *reset_tok = NULL;
	unsigned i = 5;
	while (i < T->n) {
		const char *w = t[i].s;
		if (strcmp(w, "port") == 0 || strcmp(w, "source-port") == 0) {
			int src = w[0] == 's';
			snprintf(what, sizeof(what), "service '%s' %s", name, w);
			if (port_value(src ? s.sport : s.port, src ? &s.nsport : &s.nport, what, T,
				       i + 1, &i, x) != 0)
				return -EINVAL;
			continue;
		}
		if (i + 1 >= T->n)
			return fail(x, w, "missing value after '%s'", w);
		const char *v = t[i + 1].s;
		if (strcmp(w, "override") == 0) {
			if (strcmp(v, "yes") == 0) {
				s.override = 1;
			} else if (strcmp(v, "no") == 0) {
				s.override = 0;
				s.reset = 0;
				memset(s.timer, 0, sizeof(s.timer));
			} else {
				return fail(x, v, "expected yes or no");
			}
			i += 2;
			continue;
		}
		if (strcmp(w, "reset-on-expiry") == 0) {
			unsigned m = 0;
			if (proto != IPPROTO_TCP)
				return fail(x, w, "reset-on-expiry is for tcp services (expected "
						  "timeout)");
			while (m < SW_RST_MODES && strcmp(v, sw_reset_words[m]) != 0)
				m++;
			if (m == SW_RST_MODES)
				return fail(x, v, "unknown reset-on-expiry (expected none, half-closed "
						  "or all)");
			reset = (uint8_t)(m + 1);
			reset_tok = w;
			i += 2;
			continue;
		}
		unsigned k;
		for (k = 0; k < SW_SVC_TIMERS && strcmp(w, svc_timers[k].word) != 0; k++)
			;
		if (k == SW_SVC_TIMERS)
			return fail(x, w, "unknown word (expected port, source-port, override, "
					  "timeout%s)",
				    proto == IPPROTO_TCP ? ", halfclose-timeout, timewait-timeout or "
							   "reset-on-expiry"
							 : "");
		if (svc_timers[k].tcp_only && proto != IPPROTO_TCP)
			return fail(x, w, "a udp service has only 'timeout' (expected timeout)");
		if (secs_value(w, v, svc_timers[k].min, svc_timers[k].max, &timer[k], x) != 0)
			return -EINVAL;
		i += 2;
	}
	for (unsigned k = 0; k < SW_SVC_TIMERS; k++) {
		if (!timer[k])
			continue;
		if (!s.override)
			return fail(x, svc_timers[k].word, "a timeout needs 'override yes' (expected "
							   "'override yes %s ...')",
				    svc_timers[k].word);
		s.timer[k] = timer[k];
	}
	if (reset) {
		if (!s.override)
			return fail(x, reset_tok, "reset-on-expiry needs 'override yes' (expected "
						  "'override yes reset-on-expiry ...')");
		s.reset = reset;
	}
	if (idx < 0) {
		idx = (int)c->nservices++;
		if (x->tr)
			x->tr->svc[idx] = x->line;
	}
	memcpy(&c->services[idx], &s, sizeof(s));
	return 0;
}

int swc_do_group(struct sw_conf *c, const struct toks *T, int del, const struct ctx *x)
{
	const struct tok *t = T->t;

	if (T->n < 3)
		return fail(x, t[T->n - 1].s, "missing service-group name (expected a name)");
	const char *name = t[2].s;
	if (!swc_rule_name_ok(name))
		return fail(x, name, "invalid service-group name (expected 1..%d letters, digits, "
				     "spaces, '-', '_' or '.', starting with a letter or digit)",
			    SW_RULE_NAME_MAX - 1);
	if (swc_find_service(c, name) >= 0)
		return fail(x, name, "a service has this name (expected a name no service has)");
	int idx = swc_find_group(c, name);
	if (del) {
		if (idx < 0)
			return fail(x, name, "no such service-group (expected an existing one)");
		if (T->n > 3)
			return fail(x, t[3].s, "unexpected word (expected end of line)");
		int r = used_by_rule(c, SW_SVC_GROUP_BASE + idx);
		if (r >= 0)
			return fail(x, name, "service-group is used by rule '%s' (expected a group no "
					     "rule uses; remove it from the rule's service first)",
				    c->rules[r].name);
		unsigned n = c->ngroups;
		memmove(&c->groups[idx], &c->groups[idx + 1],
			(n - (unsigned)idx - 1) * sizeof(c->groups[0]));
		memset(&c->groups[n - 1], 0, sizeof(c->groups[0]));
		c->ngroups--;
		for (unsigned i = 0; i < c->nrules && i < SW_RULES_MAX; i++)
			for (unsigned k = 0; k < c->rules[i].nsvc && k < SW_RULE_SERVICES; k++)
				if (c->rules[i].svc[k] > SW_SVC_GROUP_BASE + idx)
					c->rules[i].svc[k]--;
		return 0;
	}
	if (T->n < 4 || strcmp(t[3].s, "members") != 0)
		return fail(x, t[T->n < 4 ? 2 : 3].s, "%s (expected 'members')",
			    T->n < 4 ? "incomplete line" : "unknown word");
	unsigned first, count;
	if (swc_value_items(T, 4, &first, &count, 1, x) != 0)
		return -EINVAL;
	if (idx < 0 && c->ngroups >= SW_SVC_GROUPS_MAX)
		return fail(x, name, "too many service-groups (expected at most %d)",
			    SW_SVC_GROUPS_MAX);
	struct sw_svc_group g;
	memset(&g, 0, sizeof(g));
	memcpy(g.name, name, strlen(name) + 1);
	for (unsigned k = first; k < first + count; k++) {
		int m = swc_find_service(c, t[k].s);
		if (m < 0)
			return fail(x, t[k].s, "unknown service (expected the name of a service set "
					       "before this line)");
		unsigned j;
		for (j = 0; j < g.n && g.member[j] != m; j++)
			;
		if (j < g.n)
			continue;
		if (g.n >= SW_RULE_SERVICES)
			return fail(x, t[k].s, "service-group '%s' would have more than %d members",
				    name, SW_RULE_SERVICES);
		g.member[g.n++] = (uint8_t)m;
	}
	if (idx < 0)
		idx = (int)c->ngroups++;
	memcpy(&c->groups[idx], &g, sizeof(g));
	return 0;
}

static const struct {
	const char *word;
	uint32_t min, max;
	uint8_t proto;
} app_timers[SW_APP_TIMERS] = {
	[SW_APP_TCP] = {"tcp-timeout", 1, 604800, IPPROTO_TCP},
	[SW_APP_HALF_CLOSED] = {"tcp-half-closed-timeout", 1, 604800, IPPROTO_TCP},
	[SW_APP_TIME_WAIT] = {"tcp-time-wait-timeout", 1, 600, IPPROTO_TCP},
	[SW_APP_UDP] = {"udp-timeout", 1, 604800, IPPROTO_UDP},
};

int sw_conf_find_app(const struct sw_conf *c, const char *name)
{
	for (unsigned i = 0; i < c->napps && i < SW_APPS_MAX; i++)
		if (strncmp(c->apps[i].name, name, SW_RULE_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

int swc_do_app(struct sw_conf *c, const struct toks *T, int del, const struct ctx *x)
{
	const struct tok *t = T->t;

	if (T->n < 3)
		return fail(x, t[T->n - 1].s, "missing application name (expected a name)");
	const char *name = t[2].s;
	if (!swc_rule_name_ok(name))
		return fail(x, name, "invalid application name (expected 1..%d letters, digits, "
				     "spaces, '-', '_' or '.', starting with a letter or digit)",
			    SW_RULE_NAME_MAX - 1);
	int idx = sw_conf_find_app(c, name);
	if (del) {
		if (idx < 0)
			return fail(x, name, "no such application (expected an existing one)");
		if (T->n > 3)
			return fail(x, t[3].s, "unexpected word (expected end of line)");
		unsigned n = c->napps;
		memmove(&c->apps[idx], &c->apps[idx + 1], (n - (unsigned)idx - 1) * sizeof(c->apps[0]));
		memset(&c->apps[n - 1], 0, sizeof(c->apps[0]));
		c->napps--;
		if (x->tr) {
			memmove(&x->tr->app[idx], &x->tr->app[idx + 1],
				(n - (unsigned)idx - 1) * sizeof(x->tr->app[0]));
			x->tr->app[n - 1] = 0;
		}
		return 0;
	}
	if (T->n < 5 || strcmp(t[3].s, "protocol") != 0)
		return fail(x, t[T->n < 4 ? 2 : 3].s, "%s (expected 'protocol tcp' or 'protocol udp')",
			    T->n < 5 ? "incomplete line" : "unknown word");
	uint8_t proto = 0;
	if (tcp_or_udp(t[4].s, &proto, x) != 0)
		return -EINVAL;
	if (idx < 0 && c->napps >= SW_APPS_MAX)
		return fail(x, name, "too many applications (expected at most %d)", SW_APPS_MAX);

	struct sw_app a;
	if (idx >= 0 && c->apps[idx].proto == proto) {
		memcpy(&a, &c->apps[idx], sizeof(a));
	} else {
		memset(&a, 0, sizeof(a));
		memcpy(a.name, name, strlen(name) + 1);
		a.proto = proto;
	}
	char what[SW_RULE_NAME_MAX + 32];
	unsigned i = 5;
	while (i < T->n) {
		const char *w = t[i].s;
		if (strcmp(w, "port") == 0) {
			snprintf(what, sizeof(what), "application '%s' port", name);
			if (port_value(a.port, &a.nport, what, T, i + 1, &i, x) != 0)
				return -EINVAL;
			continue;
		}
		unsigned k;
		for (k = 0; k < SW_APP_TIMERS && strcmp(w, app_timers[k].word) != 0; k++)
			;
		if (k == SW_APP_TIMERS)
			return fail(x, w, "unknown word (expected port, %s)",
				    proto == IPPROTO_TCP ? "tcp-timeout, tcp-half-closed-timeout or "
							   "tcp-time-wait-timeout"
							 : "udp-timeout");
		if (app_timers[k].proto != proto)
			return fail(x, w, "not a timeout of a %s application (expected %s)",
				    proto == IPPROTO_TCP ? "tcp" : "udp",
				    proto == IPPROTO_TCP ? "tcp-timeout, tcp-half-closed-timeout or "
							   "tcp-time-wait-timeout"
							 : "udp-timeout");
		if (i + 1 >= T->n)
			return fail(x, w, "missing value after '%s'", w);
		const char *v = t[i + 1].s;
		if (secs_value(w, v, app_timers[k].min, app_timers[k].max, &a.timer[k], x) != 0)
			return -EINVAL;
		i += 2;
	}
	if (idx < 0) {
		idx = (int)c->napps++;
		if (x->tr)
			x->tr->app[idx] = x->line;
	}
	memcpy(&c->apps[idx], &a, sizeof(a));
	return 0;
}

int sw_conf_app_match(const struct sw_conf *c, const struct sw_flow *f)
{
	for (unsigned i = 0; i < c->napps && i < SW_APPS_MAX; i++) {
		const struct sw_app *a = &c->apps[i];
		if (a->proto != f->proto)
			continue;
		for (unsigned k = 0; k < a->nport && k < SW_SVC_PORTS; k++)
			if (a->port[k].lo <= f->dport && f->dport <= a->port[k].hi)
				return (int)i;
	}
	return -1;
}

const char *sw_ports_str(const struct sw_port_range *p, unsigned n, char *buf, size_t len)
{
	size_t o = 0;

	if (n == 0)
		snprintf(buf, len, "any");
	else
		buf[0] = '\0';
	for (unsigned i = 0; i < n && i < SW_SVC_PORTS && o < len; i++) {
		if (p[i].lo == p[i].hi)
			o += (size_t)snprintf(buf + o, len - o, "%s%u", i ? "," : "", p[i].lo);
		else
			o += (size_t)snprintf(buf + o, len - o, "%s%u-%u", i ? "," : "", p[i].lo,
					      p[i].hi);
	}
	return buf;
}

static void write_ports(FILE *out, const struct sw_port_range *p, unsigned n)
{
	char buf[SW_PORTSTRLEN];

	fputs(sw_ports_str(p, n, buf, sizeof(buf)), out);
}

static void svc_prefix(const struct sw_service *s, char *buf, size_t len)
{
	int q = strchr(s->name, ' ') != NULL;
	snprintf(buf, len, "set service %s%.*s%s protocol %s", q ? "\"" : "",
		 SW_RULE_NAME_MAX - 1, s->name, q ? "\"" : "",
		 s->proto == IPPROTO_UDP ? "udp" : "tcp");
}

void sw_conf_write_service(const struct sw_service *s, FILE *out)
{
	char prefix[SW_RULE_NAME_MAX + 40];

	svc_prefix(s, prefix, sizeof(prefix));
	fprintf(out, "%s", prefix);
	if (s->nport) {
		fputs(" port ", out);
		write_ports(out, s->port, s->nport);
	}
	if (s->nsport) {
		fputs(" source-port ", out);
		write_ports(out, s->sport, s->nsport);
	}
	fputc('\n', out);
	if (!s->override)
		return;
	fprintf(out, "%s override yes", prefix);
	for (unsigned k = 0; k < SW_SVC_TIMERS; k++)
		if (s->timer[k])
			fprintf(out, " %s %u", svc_timers[k].word, (unsigned)s->timer[k]);
	if (s->reset)
		fprintf(out, " reset-on-expiry %s", sw_reset_words[(s->reset - 1) % SW_RST_MODES]);
	fputc('\n', out);
}

void swc_write_services(const struct sw_conf *c, FILE *out)
{
	for (unsigned i = 0; i < c->nservices && i < SW_SERVICES_MAX; i++)
		sw_conf_write_service(&c->services[i], out);
	for (unsigned i = 0; i < c->ngroups && i < SW_SVC_GROUPS_MAX; i++) {
		const struct sw_svc_group *g = &c->groups[i];
		int q = strchr(g->name, ' ') != NULL;
		fprintf(out, "set service-group %s%.*s%s members [", q ? "\"" : "",
			SW_RULE_NAME_MAX - 1, g->name, q ? "\"" : "");
		for (unsigned k = 0; k < g->n && k < SW_RULE_SERVICES; k++) {
			const char *nm = c->services[g->member[k] % SW_SERVICES_MAX].name;
			fprintf(out, strchr(nm, ' ') ? " \"%s\"" : " %s", nm);
		}
		fputs(" ]\n", out);
	}
	for (unsigned i = 0; i < c->napps && i < SW_APPS_MAX; i++) {
		const struct sw_app *a = &c->apps[i];
		int q = strchr(a->name, ' ') != NULL;
		fprintf(out, "set application %s%.*s%s protocol %s port ", q ? "\"" : "",
			SW_RULE_NAME_MAX - 1, a->name, q ? "\"" : "",
			a->proto == IPPROTO_UDP ? "udp" : "tcp");
		write_ports(out, a->port, a->nport);
		for (unsigned k = 0; k < SW_APP_TIMERS; k++)
			if (a->timer[k])
				fprintf(out, " %s %u", app_timers[k].word, (unsigned)a->timer[k]);
		fputc('\n', out);
	}
}

const char *sw_conf_rule_services_str(const struct sw_conf *c, const struct sw_rule *r, char *buf,
				      size_t len)
{
	swc_rule_services_str(c, r, buf, len);
	if (r->nsvc == 0 && r->appdef)
		snprintf(buf, len, "application-default");
	return buf;
}

void swc_rule_services_str(const struct sw_conf *c, const struct sw_rule *r, char *buf,
			   size_t len)
{
	size_t o = 0;
	unsigned n = r->nsvc < SW_RULE_SERVICES ? r->nsvc : SW_RULE_SERVICES;

	if (n == 0) {
		snprintf(buf, len, "any");
		return;
	}
	buf[0] = '\0';
	if (n > 1)
		o += (size_t)snprintf(buf + o, len - o, "[ ");
	for (unsigned k = 0; k < n && o < len; k++) {
		unsigned v = r->svc[k];
		const char *nm = v < SW_SVC_GROUP_BASE ? c->services[v].name
			       : v - SW_SVC_GROUP_BASE < SW_SVC_GROUPS_MAX
				       ? c->groups[v - SW_SVC_GROUP_BASE].name
				       : "?";
		int q = strchr(nm, ' ') != NULL;
		o += (size_t)snprintf(buf + o, len - o, q ? "\"%s\"%s" : "%s%s", nm,
				      n > 1 ? " " : "");
	}
	if (n > 1 && o < len)
		snprintf(buf + o, len - o, "]");
}

static int in_ranges(const struct sw_port_range *p, unsigned n, uint16_t port)
{
	for (unsigned i = 0; i < n && i < SW_SVC_PORTS; i++)
		if (p[i].lo <= port && port <= p[i].hi)
			return 1;
	return 0;
}

int sw_service_matches(const struct sw_service *s, const struct sw_flow *f)
{
	return s->proto == f->proto && in_ranges(s->port, s->nport, f->dport) &&
	       (s->nsport == 0 || in_ranges(s->sport, s->nsport, f->sport));
}

int sw_conf_rule_service(const struct sw_conf *c, const struct sw_rule *r,
			 const struct sw_flow *f)
{
	for (unsigned k = 0; k < r->nsvc && k < SW_RULE_SERVICES; k++) {
		unsigned v = r->svc[k];
		if (v < SW_SVC_GROUP_BASE) {
			if (v < c->nservices && sw_service_matches(&c->services[v], f))
				return (int)v;
			continue;
		}
		if (v - SW_SVC_GROUP_BASE >= c->ngroups)
			continue;
		/* a group: its members in order */
		const struct sw_svc_group *g = &c->groups[v - SW_SVC_GROUP_BASE];
		for (unsigned m = 0; m < g->n && m < SW_RULE_SERVICES; m++)
			if (g->member[m] < c->nservices &&
			    sw_service_matches(&c->services[g->member[m]], f))
				return g->member[m];
	}
	return -1;
}
