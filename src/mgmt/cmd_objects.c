/*
 * cmd_objects.c - the objects of the running configuration and the policy
 * that uses them: show service [NAME], show service-group [NAME], show
 * application [NAME] (ports, overrides and what each replaces, the rules
 * that use it) and show running security-policy (PAN-OS's rule blocks, with
 * the timers each rule's sessions get and where each comes from, computed
 * by the engine's own precedence: sw_timers_effective).
 *
 * Names complete from the running configuration.  JSON: every object is a
 * row of one list ("services", "groups", "applications", "rules"); text is
 * a table (objects) or PAN-OS's `"NAME; index: N" { ... }` blocks (policy).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/registry.h"

struct name_frame {
	struct sw_cmd_args a;
	char name[SW_RULE_NAME_MAX];
};

struct no_args {
	struct sw_cmd_args a;
};

#define NAME_ARG(what)                                                                             \
	{.name = "name", .type = SW_AT_STR, .flags = SW_ARG_POS, .max = SW_RULE_NAME_MAX,          \
	 .off = offsetof(struct name_frame, name), .value = "<name>",                              \
	 .help = "only this " what " (default: every one)"}

static const struct sw_cmd_arg svc_args[] = {NAME_ARG("service"), {0}};
static const struct sw_cmd_arg group_args[] = {NAME_ARG("service-group"), {0}};
static const struct sw_cmd_arg app_args[] = {NAME_ARG("application"), {0}};

static const char *proto_str(unsigned p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

/* The global timer a service override's timer k replaces (mode tcpwait: halfclose is tcpwait). */
static unsigned svc_replaces(const struct sw_conf *c, const struct sw_service *s, unsigned k)
{
	if (k == SW_SVC_TIMEOUT)
		return s->proto == IPPROTO_UDP ? SW_TO_UDP : SW_TO_TCP;
	if (k == SW_SVC_HALFCLOSE)
		return c->half_close_mode == SW_HC_TCPWAIT ? SW_TO_TCPWAIT : SW_TO_TCP_HALF_CLOSED;
	return SW_TO_TCP_TIME_WAIT;
}

static unsigned app_replaces(const struct sw_conf *c, unsigned k)
{
	static const unsigned to[SW_APP_TIMERS] = {[SW_APP_TCP] = SW_TO_TCP,
						   [SW_APP_TIME_WAIT] = SW_TO_TCP_TIME_WAIT,
						   [SW_APP_UDP] = SW_TO_UDP};
	if (k == SW_APP_HALF_CLOSED)
		return c->half_close_mode == SW_HC_TCPWAIT ? SW_TO_TCPWAIT : SW_TO_TCP_HALF_CLOSED;
	return to[k];
}

static const char *const app_words[SW_APP_TIMERS] = {
	[SW_APP_TCP] = "tcp-timeout", [SW_APP_HALF_CLOSED] = "tcp-half-closed-timeout",
	[SW_APP_TIME_WAIT] = "tcp-time-wait-timeout", [SW_APP_UDP] = "udp-timeout"};

/* Append s to a ", "-separated text. */
static void join(char *buf, size_t len, const char *s)
{
	size_t l = strlen(buf);

	snprintf(buf + l, len - l, "%s%s", l ? ", " : "", s);
}

/* How rule r uses service svc: 0 not, 1 in its list, 2 through a group (*group its index). */
static int rule_uses(const struct sw_conf *c, const struct sw_rule *r, int svc, int *group)
{
	for (unsigned k = 0; k < r->nsvc && k < SW_RULE_SERVICES; k++) {
		unsigned v = r->svc[k];
		if (v == (unsigned)svc)
			return 1;
		if (v < SW_SVC_GROUP_BASE || v - SW_SVC_GROUP_BASE >= c->ngroups)
			continue;
		const struct sw_svc_group *g = &c->groups[v - SW_SVC_GROUP_BASE];
		for (unsigned m = 0; m < g->n && m < SW_RULE_SERVICES; m++)
			if (g->member[m] == svc) {
				*group = (int)(v - SW_SVC_GROUP_BASE);
				return 2;
			}
	}
	return 0;
}

/* One override entry: {"setting", "timer", "value", "global"} / "setting S (replaces T, global G)" */
static void emit_override(struct sw_emit *e, const struct sw_conf *c, const char *setting,
			  unsigned timer, uint32_t value, char *text, size_t len)
{
	char one[160];

	if (e->json) { /* a JSON-only list inside the object's row */
		sw_emit_row(e);
		sw_emit_str(e, "setting", NULL, setting);
		sw_emit_str(e, "timer", NULL, sw_timeout_info[timer].name);
		sw_emit_u64(e, "value", NULL, value);
		sw_emit_u64(e, "global", NULL, c->timeout[timer]);
		sw_emit_row_end(e);
	}
	snprintf(one, sizeof(one), "%s %u", setting, (unsigned)value);
	join(text, len, one);
}

/* `show service NAME`, `show application NAME`: what each timer replaces, one line each. */
static void note_replaces(struct sw_emit *e, const struct sw_conf *c, const char *setting,
			  unsigned timer, uint32_t value)
{
	sw_emit_note(e, "  %s %u s replaces %s (global %u s, %s)", setting, (unsigned)value,
		     sw_timeout_info[timer].name, (unsigned)c->timeout[timer],
		     c->timeout[timer] == sw_timeout_info[timer].def ? "default" : "configured");
}

/* Names (rules, groups, members) as a JSON-only array: text writes them joined. */
static void emit_names(struct sw_emit *e, const char *key, const char *const *names, unsigned n)
{
	if (!e->json)
		return;
	sw_emit_list(e, key, NULL, 0);
	for (unsigned i = 0; i < n; i++)
		sw_emit_item_str(e, names[i]);
	sw_emit_list_end(e);
}

/* Look up an optional name; -ENOENT (reported) if it was given and is none. */
static int pick(struct sw_cmd_ctx *cx, const struct name_frame *a, const char *what,
		int (*find)(const struct sw_conf *, const char *), int *only)
{
	*only = -1;
	if (!SW_ARG_GIVEN(a, 0))
		return 0;
	*only = find(sw_dp_conf(&cx->h->dp), a->name);
	if (*only < 0)
		return sw_cmd_fail(cx, -ENOENT, 0, "%s '%s': no such %s in the running configuration "
				   "(show %s lists them)", what, a->name, what, what);
	return 0;
}

/* ---- show service -------------------------------------------------------------- */

static const struct sw_emit_col svc_cols[] = {
	{"name", 16}, {"proto", 5}, {"port", 14}, {"source-port", 11}, {"override", 8},
	{"timers", 36}, {"used by", 0},
};

static int show_service_step(struct sw_cmd_ctx *cx, void *frame)
{
	const struct sw_conf *c = sw_dp_conf(&cx->h->dp);
	struct sw_emit *e = cx->e;
	int only, rc = pick(cx, frame, "service", sw_conf_find_service, &only);

	if (rc < 0)
		return rc;
	sw_emit_list(e, "services", svc_cols, sizeof(svc_cols) / sizeof(svc_cols[0]));
	for (unsigned i = 0; i < c->nservices && i < SW_SERVICES_MAX; i++) {
		const struct sw_service *s = &c->services[i];
		char port[SW_PORTSTRLEN], sport[SW_PORTSTRLEN], timers[400] = "", used[512] = "";
		const char *rules[SW_RULES_MAX], *groups[SW_SVC_GROUPS_MAX];
		unsigned nr = 0, ng = 0;

		if (only >= 0 && (int)i != only)
			continue;
		for (unsigned g = 0; g < c->ngroups && g < SW_SVC_GROUPS_MAX; g++)
			for (unsigned m = 0; m < c->groups[g].n && m < SW_RULE_SERVICES; m++)
				if (c->groups[g].member[m] == i)
					groups[ng++] = c->groups[g].name;
		for (unsigned r = 0; r < c->nrules && r < SW_RULES_MAX; r++) {
			int grp = -1, how = rule_uses(c, &c->rules[r], (int)i, &grp);
			char one[SW_RULE_NAME_MAX * 2 + 24];
			if (!how)
				continue;
			rules[nr++] = c->rules[r].name;
			if (how == 1)
				snprintf(one, sizeof(one), "rule %s", c->rules[r].name);
			else
				snprintf(one, sizeof(one), "rule %s (via %s)", c->rules[r].name,
					 c->groups[grp].name);
			join(used, sizeof(used), one);
		}
		for (unsigned g = 0; g < ng; g++) {
			char one[SW_RULE_NAME_MAX + 16];
			snprintf(one, sizeof(one), "member of %s", groups[g]);
			join(used, sizeof(used), one);
		}
		sw_emit_row(e);
		sw_emit_str(e, "name", "", s->name);
		sw_emit_str(e, "protocol", "", proto_str(s->proto));
		sw_emit_str(e, "port", "", sw_ports_str(s->port, s->nport, port, sizeof(port)));
		sw_emit_str(e, "source_port", "", sw_ports_str(s->sport, s->nsport, sport, sizeof(sport)));
		sw_emit_text_as(e, "%s", s->override ? "yes" : "no");
		sw_emit_bool(e, "override", "", s->override);
		if (e->json)
			sw_emit_list(e, "overrides", NULL, 0);
		for (unsigned k = 0; k < SW_SVC_TIMERS && s->override; k++)
			if (s->timer[k])
				emit_override(e, c, sw_svc_timer_name(k), svc_replaces(c, s, k),
					      s->timer[k], timers, sizeof(timers));
		if (e->json)
			sw_emit_list_end(e);
		if (s->override && s->reset) {
			const char *m = sw_reset_words[(s->reset - 1) % SW_RST_MODES];
			char one[48];
			snprintf(one, sizeof(one), "reset-on-expiry %s", m);
			join(timers, sizeof(timers), one);
			sw_emit_str(e, "reset_on_expiry", NULL, m);
		} else {
			sw_emit_null(e, "reset_on_expiry", NULL);
		}
		sw_emit_str(e, NULL, "", timers[0] ? timers : "-");
		emit_names(e, "groups", groups, ng);
		emit_names(e, "rules", rules, nr);
		sw_emit_str(e, NULL, "", used[0] ? used : "-");
		sw_emit_row_end(e);
	}
	sw_emit_list_end(e);
	if (only >= 0) {
		const struct sw_service *s = &c->services[only];
		for (unsigned k = 0; k < SW_SVC_TIMERS && s->override; k++)
			if (s->timer[k])
				note_replaces(e, c, sw_svc_timer_name(k), svc_replaces(c, s, k),
					      s->timer[k]);
	} else {
		sw_emit_note(e, "%u service%s", c->nservices, c->nservices == 1 ? "" : "s");
	}
	sw_emit_note(e, "An override applies to the sessions of the rules that use the service "
			"(show running security-policy), live ones too.");
	return 0;
}

/* ---- show service-group ----------------------------------------------------------- */

static const struct sw_emit_col group_cols[] = {
	{"name", 16}, {"members", 40}, {"used by", 0},
};

static int show_group_step(struct sw_cmd_ctx *cx, void *frame)
{
	const struct sw_conf *c = sw_dp_conf(&cx->h->dp);
	struct sw_emit *e = cx->e;
	int only, rc = pick(cx, frame, "service-group", sw_conf_find_group, &only);

	if (rc < 0)
		return rc;
	sw_emit_list(e, "groups", group_cols, sizeof(group_cols) / sizeof(group_cols[0]));
	for (unsigned i = 0; i < c->ngroups && i < SW_SVC_GROUPS_MAX; i++) {
		const struct sw_svc_group *g = &c->groups[i];
		const char *members[SW_RULE_SERVICES], *rules[SW_RULES_MAX];
		char mtext[SW_RULE_SERVICES * (SW_RULE_NAME_MAX + 2)] = "", used[512] = "";
		unsigned nm = 0, nr = 0;

		if (only >= 0 && (int)i != only)
			continue;
		for (unsigned m = 0; m < g->n && m < SW_RULE_SERVICES; m++) {
			members[nm++] = c->services[g->member[m] % SW_SERVICES_MAX].name;
			join(mtext, sizeof(mtext), members[nm - 1]);
		}
		for (unsigned r = 0; r < c->nrules && r < SW_RULES_MAX; r++)
			for (unsigned k = 0; k < c->rules[r].nsvc && k < SW_RULE_SERVICES; k++)
				if (c->rules[r].svc[k] == SW_SVC_GROUP_BASE + i) {
					rules[nr++] = c->rules[r].name;
					char one[SW_RULE_NAME_MAX + 8];
					snprintf(one, sizeof(one), "rule %s", c->rules[r].name);
					join(used, sizeof(used), one);
				}
		sw_emit_row(e);
		sw_emit_str(e, "name", "", g->name);
		emit_names(e, "members", members, nm);
		sw_emit_str(e, NULL, "", mtext[0] ? mtext : "-");
		emit_names(e, "rules", rules, nr);
		sw_emit_str(e, NULL, "", used[0] ? used : "-");
		sw_emit_row_end(e);
	}
	sw_emit_list_end(e);
	sw_emit_note(e, "%u service-group%s", c->ngroups, c->ngroups == 1 ? "" : "s");
	return 0;
}

/* ---- show application ------------------------------------------------------------- */

static const struct sw_emit_col app_cols[] = {
	{"name", 16}, {"proto", 5}, {"port", 14}, {"timers", 36},
	{"used by", 0},
};

static int show_app_step(struct sw_cmd_ctx *cx, void *frame)
{
	const struct sw_conf *c = sw_dp_conf(&cx->h->dp);
	struct sw_emit *e = cx->e;
	int only, rc = pick(cx, frame, "application", sw_conf_find_app, &only);
	const char *rules[SW_RULES_MAX];
	char used[512] = "";
	unsigned nr = 0;

	if (rc < 0)
		return rc;
	/* port-based: every session on its ports; application-default rules match only them */
	for (unsigned r = 0; r < c->nrules && r < SW_RULES_MAX; r++)
		if (c->rules[r].appdef) {
			char one[SW_RULE_NAME_MAX + 40];
			rules[nr++] = c->rules[r].name;
			snprintf(one, sizeof(one), "rule %s (application-default)", c->rules[r].name);
			join(used, sizeof(used), one);
		}
	sw_emit_list(e, "applications", app_cols, sizeof(app_cols) / sizeof(app_cols[0]));
	for (unsigned i = 0; i < c->napps && i < SW_APPS_MAX; i++) {
		const struct sw_app *a = &c->apps[i];
		char port[SW_PORTSTRLEN], timers[400] = "";

		if (only >= 0 && (int)i != only)
			continue;
		sw_emit_row(e);
		sw_emit_str(e, "name", "", a->name);
		sw_emit_str(e, "protocol", "", proto_str(a->proto));
		sw_emit_str(e, "port", "", sw_ports_str(a->port, a->nport, port, sizeof(port)));
		if (e->json)
			sw_emit_list(e, "overrides", NULL, 0);
		for (unsigned k = 0; k < SW_APP_TIMERS; k++)
			if (a->timer[k])
				emit_override(e, c, app_words[k], app_replaces(c, k), a->timer[k],
					      timers, sizeof(timers));
		if (e->json)
			sw_emit_list_end(e);
		sw_emit_str(e, NULL, "", timers[0] ? timers : "-");
		emit_names(e, "rules", rules, nr);
		sw_emit_str(e, NULL, "", used[0] ? used : "every rule (port-based)");
		sw_emit_row_end(e);
	}
	sw_emit_list_end(e);
	if (only >= 0) {
		for (unsigned k = 0; k < SW_APP_TIMERS; k++)
			if (c->apps[only].timer[k])
				note_replaces(e, c, app_words[k], app_replaces(c, k),
					      c->apps[only].timer[k]);
	} else {
		sw_emit_note(e, "%u application%s", c->napps, c->napps == 1 ? "" : "s");
	}
	sw_emit_note(e, "An application's timers apply to every session on its ports, below a "
			"rule's timeout-NAME and a service override.");
	return 0;
}

/* ---- show running security-policy ------------------------------------------------- */

/* 1 if two port lists share a port (an empty list: any). */
static int ports_overlap(const struct sw_port_range *a, unsigned na, const struct sw_port_range *b,
			 unsigned nb)
{
	if (!na || !nb)
		return 1;
	for (unsigned i = 0; i < na && i < SW_SVC_PORTS; i++)
		for (unsigned j = 0; j < nb && j < SW_SVC_PORTS; j++)
			if (a[i].lo <= b[j].hi && b[j].lo <= a[i].hi)
				return 1;
	return 0;
}

/*
 * One kind of session rule r may create: with service svc and application
 * app (-1: none).  Written only if some timer is not the global one: JSON
 * {"service", "application", "timers": [{"timer","value","source"}]} in the
 * rule's "sessions", text
 * "service S, application A: timeout-tcp 7200 (service S override), ...;".
 */
static void emit_variant(struct sw_emit *e, const struct sw_conf *c, int r, int svc, int app,
			 unsigned *shown)
{
	struct sw_timer_eff te;
	char text[900] = "", src[SW_RULE_NAME_MAX + 24], one[SW_RULE_NAME_MAX + 64];
	char who[2 * SW_RULE_NAME_MAX + 40] = "";

	sw_timers_effective(c, r, svc, app, &te);
	if (te.rule < 0 && te.svc < 0 && te.app < 0)
		return;
	(*shown)++;
	sw_emit_row(e);
	sw_emit_str(e, "service", NULL, svc >= 0 ? c->services[svc].name : NULL);
	sw_emit_str(e, "application", NULL, app >= 0 ? c->apps[app].name : NULL);
	sw_emit_list(e, "timers", NULL, 0);
	for (unsigned t = 0; t < SW_TO_MAX; t++) {
		if (te.src[t] <= SW_TS_CONFIGURED)
			continue;
		sw_timer_src_str(c, &te, t, src, sizeof(src));
		sw_emit_row(e);
		sw_emit_str(e, "timer", NULL, sw_timeout_info[t].name);
		sw_emit_u64(e, "value", NULL, te.secs[t]);
		sw_emit_str(e, "source", NULL, src);
		sw_emit_row_end(e);
		snprintf(one, sizeof(one), "%s %u (%s)", sw_timeout_info[t].name, (unsigned)te.secs[t],
			 src);
		join(text, sizeof(text), one);
	}
	sw_emit_list_end(e);
	sw_emit_row_end(e);
	if (svc >= 0)
		snprintf(who, sizeof(who), "service %s", c->services[svc].name);
	if (app >= 0)
		snprintf(who + strlen(who), sizeof(who) - strlen(who), "%sapplication %s",
			 who[0] ? ", " : "", c->apps[app].name);
	sw_emit_note(e, "                %s: %s;", who[0] ? who : "every session", text);
}

/* The kinds of session of rule r whose timers are not all global: one row each. */
static void emit_rule_timers(struct sw_emit *e, const struct sw_conf *c, unsigned r)
{
	const struct sw_rule *ru = &c->rules[r];
	unsigned shown = 0;
	int seen[SW_SERVICES_MAX] = {0};

	sw_emit_list(e, "sessions", NULL, 0);
	sw_emit_note(e, "        timers {");
	if (ru->has_action && ru->action == SW_ACT_DENY) {
		sw_emit_list_end(e);
		sw_emit_note(e, "                discard sessions: the global timeout-discard-*;");
		sw_emit_note(e, "        }");
		return;
	}
	if (ru->nsvc == 0) {
		if (!ru->appdef)
			emit_variant(e, c, (int)r, -1, -1, &shown);
		for (unsigned a = 0; a < c->napps && a < SW_APPS_MAX; a++)
			if (ru->proto < 0 || ru->proto == c->apps[a].proto)
				emit_variant(e, c, (int)r, -1, (int)a, &shown);
	}
	for (unsigned k = 0; k < ru->nsvc && k < SW_RULE_SERVICES; k++) {
		unsigned v = ru->svc[k], list[SW_RULE_SERVICES], n = 0;
		if (v < SW_SVC_GROUP_BASE) {
			list[n++] = v;
		} else if (v - SW_SVC_GROUP_BASE < c->ngroups) {
			const struct sw_svc_group *g = &c->groups[v - SW_SVC_GROUP_BASE];
			for (unsigned m = 0; m < g->n && m < SW_RULE_SERVICES; m++)
				list[n++] = g->member[m];
		}
		for (unsigned i = 0; i < n; i++) {
			const struct sw_service *s = &c->services[list[i] % SW_SERVICES_MAX];
			if (list[i] >= c->nservices || seen[list[i]]++)
				continue;
			emit_variant(e, c, (int)r, (int)list[i], -1, &shown);
			for (unsigned a = 0; a < c->napps && a < SW_APPS_MAX; a++)
				if (c->apps[a].proto == s->proto &&
				    ports_overlap(s->port, s->nport, c->apps[a].port, c->apps[a].nport))
					emit_variant(e, c, (int)r, (int)list[i], (int)a, &shown);
		}
	}
	sw_emit_list_end(e);
	if (!shown)
		sw_emit_note(e, "                global;");
	sw_emit_note(e, "        }");
}

/* "any", "10.0.0.0/8" or "[ a b ]" of a rule's address list */
static void addrs_str(const struct sw_cidr *l, unsigned n, char *buf, size_t len)
{
	char one[64];
	size_t o = 0;

	if (n == 0) {
		snprintf(buf, len, "any");
		return;
	}
	buf[0] = '\0';
	if (n > 1)
		o += (size_t)snprintf(buf, len, "[ ");
	for (unsigned i = 0; i < n && i < SW_RULE_ADDRS && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", sw_cidr_str(&l[i], one, sizeof(one)),
				      n > 1 ? " " : "");
	if (n > 1 && o < len)
		snprintf(buf + o, len - o, "]");
}

static void emit_addrs(struct sw_emit *e, const char *key, const struct sw_cidr *l, unsigned n)
{
	char one[64], text[SW_RULE_ADDRS * 48];

	addrs_str(l, n, text, sizeof(text));
	sw_emit_note(e, "        %s %s;", key, text);
	if (!e->json)
		return;
	sw_emit_list(e, key, NULL, 0);
	for (unsigned i = 0; i < n && i < SW_RULE_ADDRS; i++)
		sw_emit_item_str(e, sw_cidr_str(&l[i], one, sizeof(one)));
	sw_emit_list_end(e);
}

static int show_policy_step(struct sw_cmd_ctx *cx, void *frame)
{
	const struct sw_conf *c = sw_dp_conf(&cx->h->dp);
	struct sw_emit *e = cx->e;

	(void)frame;
	sw_emit_list(e, "rules", NULL, 0);
	for (unsigned r = 0; r < c->nrules && r < SW_RULES_MAX; r++) {
		const struct sw_rule *ru = &c->rules[r];
		char ports[SW_PORTSTRLEN], svc[SW_SVCLISTLEN], num[8];
		const char *proto = ru->proto < 0 ? "any" : sw_proto_name((unsigned)ru->proto, num,
									   sizeof(num));
		const char *action = ru->has_action && ru->action == SW_ACT_DENY ? "deny" : "allow";

		sw_emit_row(e);
		sw_emit_note(e, "\"%s; index: %u\" {", ru->name, r + 1);
		sw_emit_str(e, "name", NULL, ru->name);
		sw_emit_u64(e, "index", NULL, r + 1);
		sw_emit_note(e, "        from any;");
		sw_emit_note(e, "        to any;");
		sw_emit_str(e, "from", NULL, "any");
		sw_emit_str(e, "to", NULL, "any");
		emit_addrs(e, "source", ru->src, ru->nsrc);
		emit_addrs(e, "destination", ru->dst, ru->ndst);
		sw_emit_note(e, "        protocol %s;", proto);
		sw_emit_str(e, "protocol", NULL, proto);
		sw_ports_str(ru->dport, ru->ndport, ports, sizeof(ports));
		sw_emit_note(e, "        destination-port %s;", ports);
		sw_emit_str(e, "destination_port", NULL, ports);
		sw_conf_rule_services_str(c, ru, svc, sizeof(svc));
		sw_emit_note(e, "        service %s;", svc);
		sw_emit_str(e, "service", NULL, svc);
		sw_emit_note(e, "        action %s;", action);
		sw_emit_str(e, "action", NULL, action);
		{
			/* the rule's own, else the global one (a service override may set its own) */
			const char *m = sw_reset_words[(ru->reset ? ru->reset - 1u : c->reset_on_expiry) %
						       SW_RST_MODES];
			sw_emit_note(e, "        reset-on-expiry %s;%s", m,
				     ru->reset ? "" : "  # global");
			sw_emit_str(e, "reset_on_expiry", NULL, m);
			sw_emit_bool(e, "reset_on_expiry_global", NULL, !ru->reset);
		}
		emit_rule_timers(e, c, r);
		sw_emit_note(e, "}");
		sw_emit_row_end(e);
	}
	sw_emit_list_end(e);
	sw_emit_str(e, "default_action", NULL, c->default_action == SW_ACT_DENY ? "deny" : "allow");
	sw_emit_note(e, "# no rule matches: default action %s, global timers (%u rule%s)",
		     c->default_action == SW_ACT_DENY ? "deny" : "allow", c->nrules,
		     c->nrules == 1 ? "" : "s");
	sw_emit_note(e, "# timers: each kind of session a rule creates, with the timers that are "
			"not global; a commit re-evaluates live sessions too");
	return 0;
}

/* ---- completion of names ---------------------------------------------------------- */

static void complete_names(struct sw_cmd_ctx *cx, char **a, int n, struct sw_cand *o)
{
	const struct sw_conf *c = sw_dp_conf(&cx->h->dp);
	const char *w = cx->cmd->words;

	(void)a;
	if (n != 0)
		return;
	if (strcmp(w, "show service") == 0)
		for (unsigned i = 0; i < c->nservices && i < SW_SERVICES_MAX; i++)
			sw_cand_add(o, c->services[i].name, "service");
	else if (strcmp(w, "show service-group") == 0)
		for (unsigned i = 0; i < c->ngroups && i < SW_SVC_GROUPS_MAX; i++)
			sw_cand_add(o, c->groups[i].name, "service-group");
	else
		for (unsigned i = 0; i < c->napps && i < SW_APPS_MAX; i++)
			sw_cand_add(o, c->apps[i].name, "application");
}

const struct sw_cmd sw_cmds_objects[] = {
	{
		.words = "show service",
		.help = "service objects: ports, timeout overrides (and what they replace), users",
		.modes = SW_MODE_OP,
		.args = svc_args,
		.frame_size = sizeof(struct name_frame),
		.step = show_service_step,
		.complete = complete_names,
	},
	{
		.words = "show service-group",
		.help = "service groups: members and the rules that use them",
		.modes = SW_MODE_OP,
		.args = group_args,
		.frame_size = sizeof(struct name_frame),
		.step = show_group_step,
		.complete = complete_names,
	},
	{
		.words = "show application",
		.help = "port-based applications and their timeouts",
		.modes = SW_MODE_OP,
		.args = app_args,
		.frame_size = sizeof(struct name_frame),
		.step = show_app_step,
		.complete = complete_names,
	},
	{
		.words = "show running security-policy",
		.help = "the security rules in order, with the timers their sessions get and why",
		.modes = SW_MODE_OP,
		.frame_size = sizeof(struct no_args),
		.step = show_policy_step,
	},
	{0},
};
