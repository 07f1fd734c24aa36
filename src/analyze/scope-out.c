/*
 * scope-out.c - the narrowest fix (scope.c) in the text report and the JSON
 * document: per port the override, its lines and its cost beside the global
 * change; then all of them at once, the cheaper fix first (docs/analyze.md).
 */
#include <netinet/in.h>
#include <string.h>

#include "analyze/an-int.h"
#include "util/json.h"

static const char *proto_word(unsigned p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

/* The global timers gto changes, as "NAME V, NAME V" (or "no change", and why if beyond). */
static void global_str(const struct an *a, const uint32_t *gto, int beyond, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int t = 0; t < SW_TO_MAX && o < len; t++)
		if (gto[t] != a->cur.timeout[t])
			o += (size_t)snprintf(buf + o, len - o, "%s%s %u", o ? ", " : "",
					      sw_timeout_name((unsigned)t), gto[t]);
	if (!o)
		snprintf(buf, len, "no change%s", beyond ? " (the global timer's range ends below)" : "");
	else if (beyond)
		snprintf(buf + o, len - o, " (its range maximum)");
}

static void text_cost_line(FILE *f, const char *what, const struct an_cost *c, size_t of)
{
	fprintf(f, "saves %zu of %zu, breaks %zu, peak %u, %.1f session-s (%.1f in capture), "
		   "peak/max %.4f%%%s%s\n",
		c->saved, of, c->broken, c->peak, c->ss, c->ss_capture, 100.0 * c->share,
		*what ? "  " : "", what);
}

static void text_lines(FILE *f, const char *lines, const char *indent)
{
	for (const char *p = lines; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(f, "%s%.*s\n", indent, (int)n, p);
		p += nl ? n + 1 : n;
	}
}

/* "rule R", "rules R, S", "the default action", ... */
static void text_rules(FILE *f, const struct an *a, const struct an_override *o)
{
	unsigned n = 0;

	for (unsigned rv = 1; rv <= a->cur.nrules && rv <= SW_RULES_MAX; rv++)
		n += (o->rules[rv / 64] >> (rv % 64)) & 1;
	for (unsigned rv = 1, k = 0; rv <= a->cur.nrules && rv <= SW_RULES_MAX; rv++)
		if ((o->rules[rv / 64] >> (rv % 64)) & 1)
			fprintf(f, "%s%s", k++ ? ", " : n > 1 ? "rules " : "rule ",
				a->cur.rules[rv - 1].name);
	if (o->rules[0] & 1)
		fprintf(f, "%sthe default action", n ? ", " : "");
}

void an_scope_text(FILE *f, const struct an *a)
{
	const struct an_scope *s = &a->all;
	char g[256];

	if (!a->nov && !a->nunscoped)
		return;
	fprintf(f, "\nNarrowest fix: a service override on the destination port of what the current "
		   "setting breaks,\nfor the rules those sessions matched only (policy unchanged), "
		   "beside the same timer raised globally\n");
	for (size_t i = 0; i < a->nov; i++) {
		const struct an_override *o = &a->ov[i];
		fprintf(f, "  %s/%u: %zu session%s (", proto_word(o->proto), o->port, o->nsess,
			o->nsess == 1 ? "" : "s");
		text_rules(f, a, o);
		fputs("):", f);
		for (int k = 0; k < SW_SVC_TIMERS; k++)
			if (o->value[k]) {
				fprintf(f, " %s %u", sw_svc_timer_name((unsigned)k), o->value[k]);
				if (o->need[k] >= 0)
					fprintf(f, " (needs %.3f s)", sec(o->need[k]));
			}
		if (o->raised)
			fputs(", raised by replay", f);
		if (o->beyond)
			fputs(", BEYOND the service range", f);
		fputc('\n', f);
		if (o->err[0]) {
			fprintf(f, "    no lines: %s\n", o->err);
		} else {
			fputs("    scoped  ", f);
			text_cost_line(f, "service override", &o->cost, o->nsess);
		}
		global_str(a, o->gto, o->gbeyond, g, sizeof(g));
		fputs("    global  ", f);
		text_cost_line(f, g, &o->gcost, o->nsess);
	}
	if (a->left_ports)
		fprintf(f, "  ... %zu more port%s (%zu session%s) left out: at most %d ports, the ones "
			   "with the most sessions\n",
			a->left_ports, a->left_ports == 1 ? "" : "s", a->left_sessions,
			a->left_sessions == 1 ? "" : "s", AN_OVERRIDES_MAX);
	for (size_t i = 0; i < a->nunscoped; i++) {
		const struct an_broken *b = &a->runs[0].broken[a->unscoped[i] - 1];
		fprintf(f, "  %s: ended by %s, which no service override sets (only the global timer)\n",
			b->flow, b->timer < SW_TO_MAX ? sw_timeout_name(b->timer) : "-");
	}
	if (!a->nov)
		return;
	global_str(a, s->gto, 0, g, sizeof(g));
	if (s->err[0]) {
		fprintf(f, "  all at once: no lines (%s); the global change: %s\n    ", s->err, g);
		text_cost_line(f, "", &s->gcost, s->nsess);
		return;
	}
	int scoped_first = an_cheaper(&s->cost, &s->gcost);
	fprintf(f, "  all at once, the better first (sessions saved, then session-seconds, then peak):\n");
	for (int pass = 0; pass < 2; pass++) {
		if ((pass == 0) == scoped_first) {
			fprintf(f, "    scoped (the %zu lines below)  ", s->nlines);
			text_cost_line(f, "", &s->cost, s->nsess);
		} else {
			fputs("    global  ", f);
			text_cost_line(f, g, &s->gcost, s->nsess);
		}
	}
	fprintf(f, "  the lines: save them to FILE and `statewall replay -c CURRENT -c FILE` "
		   "(CURRENT: the configuration\n  analyzed; each port's own lines: --json, "
		   "overrides[].lines):\n");
	text_lines(f, s->lines, "    ");
}

/* ---- JSON -------------------------------------------------------------------------------- */

static void json_cost(struct sw_jw *w, const char *key, const struct an_cost *c)
{
	sw_jw_key(w, key);
	if (!c->run) {
		sw_jw_null(w);
		return;
	}
	sw_jw_obj(w);
	sw_jw_ku64(w, "peak", c->peak);
	sw_jw_kdbl(w, "session_seconds", c->ss, 3);
	sw_jw_kdbl(w, "session_seconds_in_capture", c->ss_capture, 3);
	sw_jw_kdbl(w, "peak_share", c->share, 8);
	sw_jw_ku64(w, "broken", c->broken);
	sw_jw_ku64(w, "saved", c->saved);
	sw_jw_obj_end(w);
}

static void json_lines(struct sw_jw *w, const char *lines)
{
	sw_jw_key(w, "lines");
	sw_jw_arr(w);
	for (const char *p = lines; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		sw_jw_strn(w, p, n);
		p += nl ? n + 1 : n;
	}
	sw_jw_arr_end(w);
}

static void json_global(struct sw_jw *w, const struct an *a, const uint32_t *gto, int beyond,
			const struct an_cost *c)
{
	sw_jw_key(w, "global");
	sw_jw_obj(w);
	sw_jw_key(w, "set");
	sw_jw_obj(w);
	for (int t = 0; t < SW_TO_MAX; t++)
		if (gto[t] != a->cur.timeout[t])
			sw_jw_ku64(w, sw_timeout_name((unsigned)t), gto[t]);
	sw_jw_obj_end(w);
	if (beyond >= 0)
		sw_jw_kbool(w, "beyond_range", beyond);
	json_cost(w, "cost", c);
	sw_jw_obj_end(w);
}

static void json_cheaper(struct sw_jw *w, const struct an_cost *scoped, const struct an_cost *global)
{
	if (!scoped->run)
		sw_jw_kstr(w, "cheaper", "global");
	else
		sw_jw_kstr(w, "cheaper", an_cheaper(scoped, global) ? "scoped" : "global");
}

void an_scope_json(struct sw_jw *w, const struct an *a)
{
	const struct an_scope *s = &a->all;
	int mode = a->cur.half_close_mode;

	sw_jw_key(w, "overrides");
	sw_jw_arr(w);
	for (size_t i = 0; i < a->nov; i++) {
		const struct an_override *o = &a->ov[i];
		sw_jw_obj(w);
		sw_jw_kstr(w, "proto", proto_word(o->proto));
		sw_jw_ku64(w, "port", o->port);
		sw_jw_kstr(w, "setting", sw_svc_timer_name(o->setting));
		sw_jw_ku64(w, "value", o->value[o->setting]);
		sw_jw_kstr(w, "timer", sw_timeout_name((unsigned)an_svc_global(o->setting, mode,
										  o->proto)));
		if (o->need[o->setting] >= 0)
			sw_jw_kdbl(w, "needed", sec(o->need[o->setting]), 6);
		else
			sw_jw_knull(w, "needed");
		sw_jw_key(w, "settings");
		sw_jw_obj(w);
		for (int k = 0; k < SW_SVC_TIMERS; k++)
			if (o->value[k])
				sw_jw_ku64(w, sw_svc_timer_name((unsigned)k), o->value[k]);
		sw_jw_obj_end(w);
		sw_jw_kbool(w, "raised_by_replay", o->raised);
		sw_jw_kbool(w, "beyond_range", o->beyond);
		sw_jw_key(w, "sessions");
		sw_jw_arr(w);
		for (size_t k = 0; k < o->nsess; k++)
			sw_jw_u64(w, a->s[o->sess[k] - 1].id);
		sw_jw_arr_end(w);
		sw_jw_key(w, "rules");
		sw_jw_arr(w);
		for (unsigned rv = 0; rv <= a->cur.nrules && rv <= SW_RULES_MAX; rv++)
			if ((o->rules[rv / 64] >> (rv % 64)) & 1) {
				if (rv)
					sw_jw_str(w, a->cur.rules[rv - 1].name);
				else
					sw_jw_null(w);
			}
		sw_jw_arr_end(w);
		json_lines(w, o->lines);
		if (o->err[0])
			sw_jw_kstr(w, "error", o->err);
		else
			sw_jw_knull(w, "error");
		json_cost(w, "cost", &o->cost);
		json_global(w, a, o->gto, o->gbeyond, &o->gcost);
		json_cheaper(w, &o->cost, &o->gcost);
		sw_jw_obj_end(w);
	}
	sw_jw_arr_end(w);
	sw_jw_key(w, "overrides_all");
	if (!a->nov) {
		sw_jw_null(w);
	} else {
		sw_jw_obj(w);
		sw_jw_ku64(w, "sessions", s->nsess);
		json_lines(w, s->lines);
		if (s->err[0])
			sw_jw_kstr(w, "error", s->err);
		else
			sw_jw_knull(w, "error");
		json_cost(w, "cost", &s->cost);
		json_global(w, a, s->gto, -1, &s->gcost);
		json_cheaper(w, &s->cost, &s->gcost);
		sw_jw_obj_end(w);
	}
	sw_jw_key(w, "overrides_left_out");
	sw_jw_obj(w);
	sw_jw_ku64(w, "ports", a->left_ports);
	sw_jw_ku64(w, "sessions", a->left_sessions);
	sw_jw_obj_end(w);
	sw_jw_key(w, "not_overridable");
	sw_jw_arr(w);
	for (size_t i = 0; i < a->nunscoped; i++) {
		const struct an_broken *b = &a->runs[0].broken[a->unscoped[i] - 1];
		sw_jw_obj(w);
		sw_jw_ku64(w, "session", a->s[b->sess - 1].id);
		sw_jw_kstr(w, "flow", b->flow);
		sw_jw_kstr(w, "timer", b->timer < SW_TO_MAX ? sw_timeout_name(b->timer) : NULL);
		sw_jw_obj_end(w);
	}
	sw_jw_arr_end(w);
}
