/*
 * scope.c - the fifth stage: the narrowest fix.  The sessions the current
 * setting breaks by a timer that a service override sets (`timeout`,
 * `halfclose-timeout`, `timewait-timeout`), grouped by protocol and
 * destination port; for each group the smallest override value that saves
 * them all, and the set lines that give it to that port of the rules those
 * sessions matched and to nothing else: policy stays as it was.  The lines
 * are applied to the current configuration by the configuration parser
 * itself and verified by replaying with them; then each fix's cost beside
 * the same timer raised globally (docs/analyze.md, "Narrowest fix").  The
 * ports' fixes, then the two replays of all at once, run at once on
 * --threads (par.c).
 *
 * Rule semantics the lines rest on (src/conf/conf.c, src/engine/timers.c):
 * rules are evaluated in the order they were first named and a rule's
 * service list narrows what it matches, the first matching service of the
 * session's rule giving its override.  So a new rule placed before the rule
 * R the sessions matched, a copy of R whose service list is R's own on that
 * port only (each service copied with the override added), takes exactly
 * R's traffic on that port with R's action; the lines delete R and every
 * rule after it and set them again after the copy, which is how a rule is
 * placed in this language.  Sessions of the default action get such a rule
 * after all others.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/an-int.h"

/* The service setting that sets timer t of a session of protocol proto; -1 if none does. */
static int svc_setting(int t, unsigned proto)
{
	switch (t) {
	case SW_TO_TCP: return proto == IPPROTO_TCP ? SW_SVC_TIMEOUT : -1;
	case SW_TO_UDP: return proto == IPPROTO_UDP ? SW_SVC_TIMEOUT : -1;
	case SW_TO_TCPWAIT: case SW_TO_TCP_HALF_CLOSED:
		return proto == IPPROTO_TCP ? SW_SVC_HALFCLOSE : -1;
	case SW_TO_TCP_TIME_WAIT: return proto == IPPROTO_TCP ? SW_SVC_TIMEWAIT : -1;
	default: return -1;
	}
}

int an_svc_global(int k, int m, unsigned proto)
{
	switch (k) {
	case SW_SVC_TIMEOUT: return proto == IPPROTO_UDP ? SW_TO_UDP : SW_TO_TCP;
	case SW_SVC_HALFCLOSE: return m == SW_HC_TCPWAIT ? SW_TO_TCPWAIT : SW_TO_TCP_HALF_CLOSED;
	default: return SW_TO_TCP_TIME_WAIT;
	}
}

int an_cheaper(const struct an_cost *x, const struct an_cost *y)
{
	if (x->saved != y->saved)
		return x->saved > y->saved; /* saving more comes first */
	if (x->ss != y->ss)
		return x->ss < y->ss;
	return x->peak < y->peak;
}

/* ---- the lines ----------------------------------------------------------------------- */

struct gen {
	const struct sw_conf *cur;
	struct sw_conf *c; /* cur with the lines so far */
	FILE *out;
	size_t nlines;
	int line;
	char *err;
	size_t errlen;
};

/* Apply each line of text to g->c (the parser's own check) and keep it. 0 or -EINVAL. */
static int emit(struct gen *g, const char *text)
{
	char line[1024];

	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		if (n >= sizeof(line)) {
			snprintf(g->err, g->errlen, "a generated line is too long (%zu bytes)", n);
			return -EINVAL;
		}
		memcpy(line, text, n);
		line[n] = '\0';
		if (sw_conf_apply_line(g->c, line, "analyze", ++g->line, g->err, g->errlen) < 0)
			return -EINVAL;
		fprintf(g->out, "%s\n", line);
		g->nlines++;
		text += nl ? n + 1 : n;
	}
	return 0;
}

/* Run write(c, x, stream) into memory and emit what it wrote. */
static int emit_written(struct gen *g, void (*write)(const struct sw_conf *, const void *, FILE *),
			const void *x)
{
	char *text = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&text, &n);
	int rc;

	if (!m)
		return -ENOMEM;
	write(g->c, x, m);
	if (fclose(m) != 0) {
		free(text);
		return -ENOMEM;
	}
	rc = emit(g, text);
	free(text);
	return rc;
}

static void write_svc(const struct sw_conf *c, const void *x, FILE *f)
{
	(void)c;
	sw_conf_write_service(x, f);
}

static void write_rule(const struct sw_conf *c, const void *x, FILE *f)
{
	sw_conf_write_rule(c, x, f);
}

static int name_used(const struct gen *g, const char *n)
{
	const struct sw_conf *cs[2] = {g->cur, g->c};

	for (int k = 0; k < 2; k++) {
		const struct sw_conf *c = cs[k];
		for (unsigned i = 0; i < c->nservices && i < SW_SERVICES_MAX; i++)
			if (strcmp(c->services[i].name, n) == 0)
				return 1;
		for (unsigned i = 0; i < c->ngroups && i < SW_SVC_GROUPS_MAX; i++)
			if (strcmp(c->groups[i].name, n) == 0)
				return 1;
		for (unsigned i = 0; i < c->nrules && i < SW_RULES_MAX; i++)
			if (strcmp(c->rules[i].name, n) == 0)
				return 1;
	}
	return 0;
}

/* want, spaces made '-', cut to fit, with -2, -3, ... until no service, group or rule has it. */
static void pick_name(const struct gen *g, const char *want, char out[SW_RULE_NAME_MAX])
{
	char base[SW_RULE_NAME_MAX];

	snprintf(base, sizeof(base), "%s", want);
	for (char *p = base; *p; p++)
		if (*p == ' ')
			*p = '-';
	snprintf(out, SW_RULE_NAME_MAX, "%s", base);
	for (unsigned k = 2; name_used(g, out); k++)
		snprintf(out, SW_RULE_NAME_MAX, "%.*s-%u", SW_RULE_NAME_MAX - 12, base, k);
}

static int svc_on_port(const struct sw_service *s, unsigned proto, uint16_t port)
{
	if (s->proto != proto)
		return 0;
	for (unsigned i = 0; i < s->nport && i < SW_SVC_PORTS; i++)
		if (s->port[i].lo <= port && port <= s->port[i].hi)
			return 1;
	return 0;
}

/* Rule r's services in the order it tries them (groups expanded): n of them into out. */
static unsigned rule_svcs(const struct sw_conf *c, const struct sw_rule *r,
			  uint8_t out[SW_RULE_SERVICES * SW_RULE_SERVICES])
{
	unsigned n = 0;

	for (unsigned k = 0; k < r->nsvc && k < SW_RULE_SERVICES; k++) {
		unsigned v = r->svc[k];
		if (v < SW_SVC_GROUP_BASE) {
			out[n++] = (uint8_t)v;
			continue;
		}
		const struct sw_svc_group *gr = &c->groups[(v - SW_SVC_GROUP_BASE) % SW_SVC_GROUPS_MAX];
		for (unsigned m = 0; m < gr->n && m < SW_RULE_SERVICES; m++)
			out[n++] = gr->member[m];
	}
	return n;
}

#define FIX_NONE SW_SERVICES_MAX /* the fix service of a rule without a service list */

/*
 * The service that gives o's values on its port: base's source ports and
 * override (a service of the rule's list) with o's values over it, or the
 * port alone (base NULL).  Its index in g->c, or -errno.
 */
static int fix_service(struct gen *g, const struct an_override *o, const struct sw_service *base)
{
	struct sw_service s;
	char want[2 * SW_RULE_NAME_MAX];
	int rc;

	if (g->c->nservices >= SW_SERVICES_MAX) {
		snprintf(g->err, g->errlen, "the lines would need more than %d services",
			 SW_SERVICES_MAX);
		return -EINVAL;
	}
	memset(&s, 0, sizeof(s));
	snprintf(want, sizeof(want), "timer-%s-%u%s%s", o->proto == IPPROTO_UDP ? "udp" : "tcp",
		 o->port, base ? "-" : "", base ? base->name : "");
	pick_name(g, want, s.name);
	s.proto = o->proto;
	s.port[0].lo = s.port[0].hi = o->port;
	s.nport = 1;
	if (base) {
		memcpy(s.sport, base->sport, sizeof(s.sport));
		s.nsport = base->nsport;
		if (base->override)
			memcpy(s.timer, base->timer, sizeof(s.timer));
	}
	s.override = 1;
	for (int k = 0; k < SW_SVC_TIMERS; k++)
		if (o->value[k])
			s.timer[k] = o->value[k];
	if ((rc = emit_written(g, write_svc, &s)) < 0)
		return rc;
	return (int)g->c->nservices - 1;
}

static int has_rule(const struct an_override *o, unsigned rv)
{
	return (int)((o->rules[rv / 64] >> (rv % 64)) & 1);
}

/*
 * Set lines that give the overrides ov[0, n) to their sessions' rules, on
 * top of a->cur: into *text (nlines of them), and c is a->cur with them.
 * 0; -EINVAL when the configuration refuses them (err says why); -ENOMEM.
 */
static int gen_lines(const struct an *a, struct an_override *const *ov, size_t n,
		     struct sw_conf *c, char **text, size_t *nlines, char *err, size_t errlen)
{
	struct gen g = {.cur = &a->cur, .c = c, .err = err, .errlen = errlen};
	const struct sw_conf *cur = &a->cur;
	unsigned nr = cur->nrules < SW_RULES_MAX ? cur->nrules : SW_RULES_MAX, first = 0;
	int16_t *fix = malloc(n * (FIX_NONE + 1) * sizeof(*fix));
	uint8_t list[SW_RULE_SERVICES * SW_RULE_SERVICES];
	size_t tlen = 0;
	int rc = 0, dflt = 0;

	*text = NULL;
	*nlines = 0;
	*c = *cur;
	g.out = open_memstream(text, &tlen);
	if (!fix || !g.out) {
		free(fix);
		if (g.out)
			fclose(g.out);
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < n * (FIX_NONE + 1); i++)
		fix[i] = -1;
	/* the services: one per override and service of a rule's list on its port */
	for (size_t i = 0; i < n && rc >= 0; i++) {
		const struct an_override *o = ov[i];
		int16_t *fx = fix + i * (FIX_NONE + 1);
		for (unsigned rv = 0; rv <= nr && rc >= 0; rv++) {
			if (!has_rule(o, rv))
				continue;
			if (rv && (!first || rv < first))
				first = rv;
			dflt |= rv == 0;
			const struct sw_rule *r = rv ? &cur->rules[rv - 1] : NULL;
			if (!r || !r->nsvc) {
				if (fx[FIX_NONE] < 0 && (rc = fix_service(&g, o, NULL)) >= 0)
					fx[FIX_NONE] = (int16_t)rc;
				continue;
			}
			unsigned ns = rule_svcs(cur, r, list);
			for (unsigned k = 0; k < ns && rc >= 0; k++) {
				const struct sw_service *s = &cur->services[list[k] % SW_SERVICES_MAX];
				if (fx[list[k]] < 0 && svc_on_port(s, o->proto, o->port) &&
				    (rc = fix_service(&g, o, s)) >= 0)
					fx[list[k]] = (int16_t)rc;
			}
		}
	}
	/* the rules: from the first rule concerned on, each set again after its copy */
	for (unsigned r = first ? first - 1 : nr; r < nr && rc >= 0; r++) {
		char line[SW_RULE_NAME_MAX + 48];
		const char *nm = cur->rules[r].name;
		snprintf(line, sizeof(line), strchr(nm, ' ') ? "delete rulebase security rules \"%s\"\n"
							    : "delete rulebase security rules %s\n",
			 nm);
		rc = emit(&g, line);
	}
	for (unsigned r = first ? first - 1 : nr; r <= nr && rc >= 0; r++) {
		struct sw_rule fr;
		char want[SW_RULE_NAME_MAX + 8];
		unsigned rv = r < nr ? r + 1 : 0;
		if (rv == 0 && !dflt)
			break;
		memset(&fr, 0, sizeof(fr));
		if (rv)
			fr = cur->rules[r];
		else
			fr.proto = -1;
		fr.nsvc = 0;
		fr.appdef = 0;
		for (size_t i = 0; i < n && rc >= 0; i++) {
			const int16_t *fx = fix + i * (FIX_NONE + 1);
			unsigned ns = 0;
			if (!has_rule(ov[i], rv))
				continue;
			if (rv && cur->rules[r].nsvc)
				ns = rule_svcs(cur, &cur->rules[r], list);
			else
				list[ns++] = FIX_NONE;
			for (unsigned k = 0; k < ns; k++) {
				unsigned j;
				if (fx[list[k]] < 0)
					continue;
				for (j = 0; j < fr.nsvc && fr.svc[j] != fx[list[k]]; j++)
					;
				if (j < fr.nsvc)
					continue;
				if (fr.nsvc >= SW_RULE_SERVICES) {
					snprintf(err, errlen, "rule %s would need more than %d services",
						 rv ? cur->rules[r].name : "(default action)",
						 SW_RULE_SERVICES);
					rc = -EINVAL;
					break;
				}
				fr.svc[fr.nsvc++] = (uint8_t)fx[list[k]];
			}
		}
		if (rc < 0)
			break;
		if (fr.nsvc) {
			snprintf(want, sizeof(want), "timer-%s", rv ? cur->rules[r].name : "default");
			pick_name(&g, want, fr.name);
			if (!rv) {
				fr.action = cur->default_action;
				fr.has_action = 1;
			}
			rc = emit_written(&g, write_rule, &fr);
		}
		if (rc >= 0 && rv)
			rc = emit_written(&g, write_rule, &cur->rules[r]);
	}
	if (rc >= 0 && sw_conf_validate(c, err, errlen) < 0)
		rc = -EINVAL;
	free(fix);
	if (fclose(g.out) != 0 && rc >= 0)
		rc = -ENOMEM;
	*nlines = g.nlines;
	if (rc < 0) {
		free(*text);
		*text = NULL;
		*nlines = 0;
	}
	return rc < 0 ? rc : 0;
}

/* ---- verification and cost ----------------------------------------------------------- */

/* The broken entry of run r for measured session si (index + 1), or NULL. */
static const struct an_broken *broken_of(const struct an_run *r, uint32_t si)
{
	for (size_t b = 0; b < r->nbroken; b++)
		if (r->broken[b].sess == si)
			return &r->broken[b];
	return NULL;
}

static void cost_of(const struct an_run *r, const uint32_t *sess, size_t n, struct an_cost *c)
{
	c->peak = r->peak;
	c->ss = r->sess_seconds;
	c->ss_capture = r->sess_seconds_capture;
	c->share = (double)r->peak / (double)r->conf.max_sessions;
	c->broken = r->nbroken;
	c->saved = 0;
	for (size_t i = 0; i < n; i++)
		c->saved += broken_of(r, sess[i]) == NULL;
	c->run = 1;
}

static uint32_t secs_up(int64_t ns, uint32_t max, uint8_t *beyond)
{
	int64_t v = ns <= 0 ? 1 : (ns + NS - 1) / NS;

	if (v > (int64_t)max) {
		*beyond = 1;
		return max;
	}
	return (uint32_t)v;
}

/* Replay the current configuration as changed into c; its cost for sessions sess[0, n). */
static int replay_cost(struct an *a, const struct sw_conf *c, const uint32_t *sess, size_t n,
		       struct an_cost *cost, struct an_run *keep)
{
	struct an_run run;
	int rc;

	memset(&run, 0, sizeof(run));
	run.conf = *c;
	rc = an_replay(a, &run);
	if (rc == 0)
		cost_of(&run, sess, n, cost);
	if (keep && rc == 0)
		*keep = run;
	else
		an_run_free(&run);
	return rc;
}

/*
 * o's values: replay with its lines; raise what still breaks one of its
 * sessions (by 1, 2, 4 ... s, as the global verification does) and add a
 * setting when another timer a service sets ends one.
 */
static int verify(struct an *a, struct an_override *o, struct sw_conf *c)
{
	uint32_t step[SW_SVC_TIMERS] = {0};
	int mode = a->cur.half_close_mode;

	for (int it = 0;; it++) {
		struct an_run run;
		uint32_t add[SW_SVC_TIMERS] = {0};
		int raise[SW_SVC_TIMERS] = {0}, any = 0, rc;
		struct an_override *one = o;

		free(o->lines);
		rc = gen_lines(a, &one, 1, c, &o->lines, &o->nlines, o->err, sizeof(o->err));
		if (rc == -EINVAL) {
			o->cost.run = 0; /* refused: o->err says why */
			return 0;
		}
		if (rc < 0 || (rc = replay_cost(a, c, o->sess, o->nsess, &o->cost, &run)) < 0)
			return rc;
		for (size_t i = 0; i < o->nsess; i++) {
			const struct an_broken *b = broken_of(&run, o->sess[i]);
			int k = b && b->cause == AN_CAUSE_TIMER ? svc_setting(b->timer, o->proto) : -1;
			if (k < 0)
				continue;
			if (!o->value[k]) {
				/* another timer a service sets ended it: add that setting */
				int64_t need = an_sess_need(&a->s[o->sess[i] - 1], mode, b->timer);
				uint32_t v = secs_up(need, sw_svc_timer_max((unsigned)k), &o->beyond);
				add[k] = v > add[k] ? v : add[k];
				any = 1;
			} else if (o->value[k] < sw_svc_timer_max((unsigned)k)) {
				raise[k] = 1;
				any = 1;
			}
		}
		an_run_free(&run);
		if (!any || it >= 40)
			return 0;
		for (int k = 0; k < SW_SVC_TIMERS; k++) {
			uint32_t max = sw_svc_timer_max((unsigned)k);
			if (add[k])
				o->value[k] = add[k];
			if (!raise[k])
				continue;
			step[k] = step[k] ? step[k] * 2 : 1;
			o->value[k] = o->value[k] + step[k] > max ? max : o->value[k] + step[k];
			o->raised = 1;
		}
	}
}

/* The same timers raised in the global configuration instead; its cost. */
static void global_fix(const struct an *a, const uint32_t *value, unsigned proto,
		       uint32_t gto[SW_TO_MAX], uint8_t *beyond)
{
	int mode = a->cur.half_close_mode;

	memcpy(gto, a->cur.timeout, sizeof(a->cur.timeout));
	for (int k = 0; k < SW_SVC_TIMERS; k++) {
		int t = an_svc_global(k, mode, proto);
		uint32_t v = value[k];
		if (!v)
			continue;
		if (v > sw_timeout_info[t].max) {
			v = sw_timeout_info[t].max;
			*beyond = 1;
		}
		if (v > gto[t])
			gto[t] = v;
	}
	if (mode != SW_HC_TCPWAIT && gto[SW_TO_TCP_TIME_WAIT] > gto[SW_TO_TCP_HALF_CLOSED])
		gto[SW_TO_TCP_HALF_CLOSED] = gto[SW_TO_TCP_TIME_WAIT]; /* time-wait <= half-closed */
}

static int global_cost(struct an *a, struct sw_conf *c, const uint32_t gto[SW_TO_MAX],
		       const uint32_t *sess, size_t n, struct an_cost *cost)
{
	*c = a->cur;
	memcpy(c->timeout, gto, sizeof(c->timeout));
	return replay_cost(a, c, sess, n, cost, NULL);
}

/* One job: port o's override, verified, and the same timers raised globally. */
static int one_override(struct an *a, void *arg, char *err, size_t errlen)
{
	struct an_override *o = arg;
	struct sw_conf *c = malloc(sizeof(*c));
	int rc = -ENOMEM;

	for (int k = 0; k < SW_SVC_TIMERS; k++) {
		if (o->count[k] > o->count[o->setting])
			o->setting = (uint8_t)k;
		o->value[k] = o->count[k]
			? secs_up(o->need[k], sw_svc_timer_max((unsigned)k), &o->beyond) : 0;
	}
	if (c && (rc = verify(a, o, c)) == 0) {
		global_fix(a, o->value, o->proto, o->gto, &o->gbeyond);
		rc = global_cost(a, c, o->gto, o->sess, o->nsess, &o->gcost);
	}
	free(c);
	if (rc < 0)
		snprintf(err, errlen, "finding the narrowest fix: %s", strerror(-rc));
	return rc;
}

/* Every override at once: the current configuration with all the lines (c), or all the global changes (gto). */
struct all_job {
	struct sw_conf *c;
	const uint32_t *gto;
	const uint32_t *sess;
	size_t n;
	struct an_cost *cost;
};

static int all_cost(struct an *a, void *arg, char *err, size_t errlen)
{
	struct all_job *x = arg;
	int rc = x->gto ? global_cost(a, x->c, x->gto, x->sess, x->n, x->cost)
			: replay_cost(a, x->c, x->sess, x->n, x->cost, NULL);

	if (rc < 0)
		snprintf(err, errlen, "finding the narrowest fix: %s", strerror(-rc));
	return rc;
}

/* ---- the stage ------------------------------------------------------------------------- */

/* Most sessions first, then by protocol and port. */
static int cmp_ov_sessions(const void *x, const void *y)
{
	const struct an_override *p = x, *q = y;
	if (p->nsess != q->nsess)
		return p->nsess > q->nsess ? -1 : 1;
	if (p->proto != q->proto)
		return p->proto < q->proto ? -1 : 1;
	return (p->port > q->port) - (p->port < q->port);
}

static int cmp_ov(const void *x, const void *y)
{
	const struct an_override *p = x, *q = y;
	if (p->proto != q->proto)
		return p->proto < q->proto ? -1 : 1;
	return (p->port > q->port) - (p->port < q->port);
}

/* Group the current setting's broken sessions by (proto, port): 0 or -ENOMEM. */
static int group(struct an *a)
{
	const struct an_run *r = &a->runs[0];
	int mode = a->cur.half_close_mode;

	for (size_t i = 0; i < r->nbroken; i++) {
		const struct an_broken *b = &r->broken[i];
		const struct an_sess *s;
		struct an_override *o = NULL;
		int k;

		if (b->cause != AN_CAUSE_TIMER || b->refused || !b->sess)
			continue; /* the table's pressure: "Under pressure" */
		s = &a->s[b->sess - 1];
		if (s->rec.late_pkts)
			continue; /* unfixable */
		if ((k = svc_setting(b->timer, s->rec.proto)) < 0) {
			void *p = realloc(a->unscoped, (a->nunscoped + 1) * sizeof(*a->unscoped));
			if (!p)
				return -ENOMEM;
			a->unscoped = p;
			a->unscoped[a->nunscoped++] = (uint32_t)i + 1;
			continue;
		}
		for (size_t j = 0; j < a->nov && !o; j++)
			if (a->ov[j].proto == s->rec.proto && a->ov[j].port == s->rec.resp_p)
				o = &a->ov[j];
		if (!o) {
			void *p = realloc(a->ov, (a->nov + 1) * sizeof(*a->ov));
			if (!p)
				return -ENOMEM;
			a->ov = p;
			o = &a->ov[a->nov++];
			memset(o, 0, sizeof(*o));
			o->proto = s->rec.proto;
			o->port = s->rec.resp_p;
			for (int t = 0; t < SW_SVC_TIMERS; t++)
				o->need[t] = -1;
		}
		void *p = realloc(o->sess, (o->nsess + 1) * sizeof(*o->sess));
		if (!p)
			return -ENOMEM;
		o->sess = p;
		o->sess[o->nsess++] = b->sess;
		o->rules[b->rule / 64] |= 1ull << (b->rule % 64);
		int64_t need = an_sess_need(s, mode, b->timer);
		if (need > o->need[k])
			o->need[k] = need;
		o->count[k]++;
	}
	return 0;
}

int an_scope(struct an *a, char *err, size_t errlen)
{
	double t0 = an_now();
	struct sw_conf *c = malloc(sizeof(*c));
	struct an_override **all = NULL;
	int rc = -ENOMEM;

	if (!c || (rc = group(a)) < 0)
		goto out;
	/* each override costs replays: the ports with the most sessions, AN_OVERRIDES_MAX of them */
	if (a->nov) /* qsort wants an array, even of none */
		qsort(a->ov, a->nov, sizeof(*a->ov), cmp_ov_sessions);
	while (a->nov > AN_OVERRIDES_MAX) {
		struct an_override *o = &a->ov[--a->nov];
		a->left_ports++;
		a->left_sessions += o->nsess;
		free(o->sess);
	}
	if (a->nov)
		qsort(a->ov, a->nov, sizeof(*a->ov), cmp_ov);
	/* each port's override on its own, the ports at once */
	if (a->nov) {
		struct an_job *jobs = calloc(a->nov, sizeof(*jobs));
		if (!jobs)
			goto out;
		for (size_t i = 0; i < a->nov; i++) {
			jobs[i].fn = one_override;
			jobs[i].arg = &a->ov[i];
		}
		rc = an_jobs_run(a, jobs, a->nov, err, errlen);
		free(jobs);
		if (rc < 0)
			goto out;
	}
	/* every override at once (those the configuration takes) */
	rc = -ENOMEM;
	if (a->nov && !(all = calloc(a->nov, sizeof(*all))))
		goto out;
	size_t n = 0, ns = 0;
	uint32_t *sess = NULL;
	memcpy(a->all.gto, a->cur.timeout, sizeof(a->all.gto));
	for (size_t i = 0; i < a->nov; i++) {
		if (a->ov[i].err[0])
			continue;
		all[n++] = &a->ov[i];
		ns += a->ov[i].nsess;
		for (int t = 0; t < SW_TO_MAX; t++)
			if (a->ov[i].gto[t] > a->all.gto[t])
				a->all.gto[t] = a->ov[i].gto[t];
	}
	a->all.nsess = ns;
	if (n) {
		if (!(sess = malloc(ns * sizeof(*sess))))
			goto out;
		ns = 0;
		for (size_t i = 0; i < n; i++) {
			memcpy(sess + ns, all[i]->sess, all[i]->nsess * sizeof(*sess));
			ns += all[i]->nsess;
		}
		struct all_job x[2] = {{c, NULL, sess, ns, &a->all.cost},
				       {malloc(sizeof(*c)), a->all.gto, sess, ns, &a->all.gcost}};
		struct an_job jobs[2] = {{.fn = all_cost, .arg = &x[0]}, {.fn = all_cost, .arg = &x[1]}};
		rc = gen_lines(a, all, n, c, &a->all.lines, &a->all.nlines, a->all.err,
			       sizeof(a->all.err));
		if (!x[1].c)
			rc = -ENOMEM;
		if (rc == 0 || rc == -EINVAL) /* refused lines (all.err says why): the global change only */
			rc = rc == 0 ? an_jobs_run(a, jobs, 2, err, errlen)
				     : an_jobs_run(a, jobs + 1, 1, err, errlen);
		free(x[1].c);
		free(sess);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		snprintf(err, errlen, "finding the narrowest fix: %s", strerror(-rc));
	free(all);
	free(c);
	a->t_scope = an_now() - t0;
	return rc;
}

void an_scope_free(struct an *a)
{
	for (size_t i = 0; i < a->nov; i++) {
		free(a->ov[i].sess);
		free(a->ov[i].lines);
	}
	free(a->ov);
	free(a->all.lines);
	free(a->unscoped);
}
