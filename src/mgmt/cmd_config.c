/*
 * cmd_config.c - the configuration commands: configure, set, delete, show
 * (the candidate), commit, exit; show config running / saved; the SIGHUP
 * reload; completion of the `set` / `delete` grammar.
 *
 * Three configurations, kept apart:
 *   running    what the engine runs (sw_dp_conf).  Table sizes
 *              (max-sessions, max-tombstones) cannot change in a running
 *              engine, so they may lag behind:
 *   committed  running + the pending table sizes (host->pending_*): what the
 *              file holds after a commit or a reload, and the base of every
 *              candidate.  A later commit therefore never loses a pending
 *              value (issue 10, item 12).
 *   candidate  a session's copy after `configure`: committed + its set /
 *              delete lines; `commit` re-parses committed + lines as one
 *              text, all or nothing, saves, then applies.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/registry.h"

struct no_args {
	struct sw_cmd_args a;
};

/* ---- sessions -------------------------------------------------------------- */

static void sess_lines_clear(struct sw_mgmt_sess *s)
{
	for (unsigned i = 0; i < s->nlines; i++)
		free(s->lines[i]);
	s->nlines = 0;
}

void sw_mgmt_sess_init(struct sw_mgmt_sess *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = SW_MODE_OP;
}

void sw_mgmt_sess_free(struct sw_mgmt_sess *s)
{
	sess_lines_clear(s);
	free(s->lines);
	free(s->cand);
	memset(s, 0, sizeof(*s));
}

/* The committed configuration: running plus the pending table sizes. */
static void committed(const struct sw_mgmt_host *h, struct sw_conf *out)
{
	*out = *sw_dp_conf(&h->dp);
	if (h->pending_max_sessions)
		out->max_sessions = h->pending_max_sessions;
	if (h->pending_max_tombstones)
		out->max_tombstones = h->pending_max_tombstones;
}

/* ---- showing a configuration ----------------------------------------------- */

/* The text of a configuration as set lines (all of them if full). NULL without memory. */
static char *conf_lines(const struct sw_conf *c, int full, size_t *len)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);

	if (!f)
		return NULL;
	sw_conf_write(c, f, full);
	if (fclose(f) != 0) {
		free(p);
		return NULL;
	}
	if (len)
		*len = n;
	return p;
}

/* {"config": TEXT, "lines": [...]} / "# title" and the lines */
static void emit_text_lines(struct sw_emit *e, char *text)
{
	sw_emit_str(e, "config", NULL, text);
	sw_emit_list(e, "lines", NULL, 0);
	for (char *l = text, *end; *l; l = end + 1) {
		end = strchr(l, '\n');
		if (!end) {
			sw_emit_item_str(e, l);
			break;
		}
		*end = '\0';
		sw_emit_item_str(e, l);
		*end = '\n';
	}
	sw_emit_list_end(e);
}

/* The settings pending until the next start, JSON {"max-sessions": N} and comment lines. */
static void emit_pending(struct sw_emit *e, const struct sw_mgmt_host *h)
{
	const struct sw_conf *run = sw_dp_conf(&h->dp);

	sw_emit_obj(e, "pending", NULL);
	if (h->pending_max_sessions && h->pending_max_sessions != run->max_sessions) {
		sw_emit_text_as(e, "# pending (takes effect at the next start): set deviceconfig "
				   "setting session max-sessions %u", h->pending_max_sessions);
		sw_emit_u64(e, "max-sessions", "", h->pending_max_sessions);
	}
	if (h->pending_max_tombstones && h->pending_max_tombstones != run->max_tombstones) {
		sw_emit_text_as(e, "# pending (takes effect at the next start): set deviceconfig "
				   "setting session max-tombstones %u", h->pending_max_tombstones);
		sw_emit_u64(e, "max-tombstones", "", h->pending_max_tombstones);
	}
	sw_emit_obj_end(e);
}

static int show_running_step(struct sw_cmd_ctx *cx, void *frame)
{
	char *text = conf_lines(sw_dp_conf(&cx->h->dp), 1, NULL);

	(void)frame;
	if (!text)
		return sw_cmd_fail(cx, -ENOMEM, -1, "out of memory");
	if (cx->h->conf_path)
		sw_emit_note(cx->e, "# running configuration (file %s)", cx->h->conf_path);
	else
		sw_emit_note(cx->e, "# running configuration");
	emit_text_lines(cx->e, text);
	emit_pending(cx->e, cx->h);
	free(text);
	return 0;
}

static int show_saved_step(struct sw_cmd_ctx *cx, void *frame)
{
	const char *path = cx->h->conf_path;
	char *text = NULL;
	size_t n = 0;
	FILE *f;

	(void)frame;
	if (!path)
		return sw_cmd_fail(cx, -ENOENT, -1,
				   "no saved configuration: the daemon runs without -c FILE");
	f = fopen(path, "r");
	if (!f)
		return sw_cmd_fail(cx, -errno, -1, "%s: %s", path, strerror(errno));
	FILE *m = open_memstream(&text, &n);
	if (!m) {
		fclose(f);
		return sw_cmd_fail(cx, -ENOMEM, -1, "out of memory");
	}
	char chunk[4096];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, r, m);
	int rerr = ferror(f);
	fclose(f);
	fclose(m);
	if (rerr || !text) {
		free(text);
		return sw_cmd_fail(cx, -EIO, -1, "%s: read error", path);
	}
	sw_emit_note(cx->e, "# saved configuration (file %s)", path);
	sw_emit_str(cx->e, "file", NULL, path);
	emit_text_lines(cx->e, text);
	free(text);
	return 0;
}

static int conf_show_step(struct sw_cmd_ctx *cx, void *frame)
{
	char *text = conf_lines(cx->s->cand, 1, NULL);

	(void)frame;
	if (!text)
		return sw_cmd_fail(cx, -ENOMEM, -1, "out of memory");
	sw_emit_note(cx->e, "# candidate configuration (%u uncommitted change%s)", cx->s->nlines,
		     cx->s->nlines == 1 ? "" : "s");
	emit_text_lines(cx->e, text);
	sw_emit_u64(cx->e, "uncommitted", NULL, cx->s->nlines);
	free(text);
	return 0;
}

/* ---- configure / set / delete / exit ----------------------------------------- */

static int configure_step(struct sw_cmd_ctx *cx, void *frame)
{
	struct sw_mgmt_sess *s = cx->s;

	(void)frame;
	if (!s->cand && !(s->cand = malloc(sizeof(*s->cand))))
		return sw_cmd_fail(cx, -ENOMEM, -1, "out of memory");
	committed(cx->h, s->cand);
	sess_lines_clear(s);
	s->mode = SW_MODE_CONF;
	sw_emit_str(cx->e, "mode", NULL, "configure");
	sw_emit_note(cx->e, "Entering configuration mode");
	return 0;
}

/* The setting a "set deviceconfig setting session NAME ..." line is about (REST's field), or NULL. */
static const char *line_setting(const char *line)
{
	char buf[256], *w[6];
	struct sw_setting_info si;
	int n = sw_mgmt_split(line, buf, sizeof(buf), w, 6), i;

	if (n < 5 || strcmp(w[1], "deviceconfig") != 0 || (i = sw_conf_setting_find(w[4])) < 0 ||
	    sw_conf_setting((unsigned)i, &si) < 0)
		return NULL;
	return si.name;
}

struct set_frame {
	struct sw_cmd_args a;
	struct sw_words w;
};

static const struct sw_cmd_arg set_args[] = {
	{.name = "words", .type = SW_AT_WORDS, .flags = SW_ARG_POS | SW_ARG_REQUIRED,
	 .off = offsetof(struct set_frame, w), .value = "deviceconfig|rulebase|service ...",
	 .help = "what to set (the configuration's set grammar)"},
	{0},
};

/* The line again, words with blanks quoted: "set rulebase security rules "a b" action deny". */
static char *join_line(const char *verb, const struct sw_words *w)
{
	size_t n = strlen(verb) + 1;
	char *p, *o;

	for (int i = 0; i < w->n; i++)
		n += strlen(w->w[i]) + 3;
	p = malloc(n);
	if (!p)
		return NULL;
	o = p + sprintf(p, "%s", verb);
	for (int i = 0; i < w->n; i++) {
		int q = !w->w[i][0] || strpbrk(w->w[i], " \t") != NULL;
		o += sprintf(o, q ? " \"%s\"" : " %s", w->w[i]);
	}
	return p;
}

/* Check "VERB WORDS..." against the candidate and keep it for commit. */
static int apply_words(struct sw_cmd_ctx *cx, const char *verb, const struct sw_words *w)
{
	struct sw_mgmt_sess *s = cx->s;
	char e[600], **nl, *line;

	if (s->nlines == s->caplines) {
		unsigned n = s->caplines ? s->caplines * 2 : 16;
		nl = realloc(s->lines, n * sizeof(*nl));
		if (!nl)
			return sw_cmd_fail(cx, -ENOMEM, -1, "out of memory");
		s->lines = nl;
		s->caplines = n;
	}
	line = join_line(verb, w);
	if (!line)
		return sw_cmd_fail(cx, -ENOMEM, -1, "out of memory");
	if (sw_conf_apply_line(s->cand, line, "candidate", (int)s->nlines + 1, e, sizeof(e)) < 0) {
		cx->err_field = line_setting(line); /* REST's {"field"} */
		free(line);
		return sw_cmd_fail(cx, -EINVAL, -1, "%s (not applied; the candidate is unchanged)", e);
	}
	s->lines[s->nlines++] = line;
	sw_emit_bool(cx->e, "ok", NULL, 1);
	sw_emit_u64(cx->e, "uncommitted", NULL, s->nlines);
	return 0;
}

static int set_step(struct sw_cmd_ctx *cx, void *frame)
{
	struct set_frame *a = frame;

	return apply_words(cx, cx->cmd->words, &a->w);
}

/* REST's settings: {"name": "timeout-tcp", "value": 600} */
struct setting_frame {
	struct sw_cmd_args a;
	char name[64], value[64];
};

static const struct sw_cmd_arg setting_args[] = {
	{.name = "name", .type = SW_AT_STR, .flags = SW_ARG_POS | SW_ARG_REQUIRED, .max = 64,
	 .off = offsetof(struct setting_frame, name), .value = "<setting>",
	 .help = "a session setting (docs/configuration.md)"},
	{.name = "value", .type = SW_AT_STR, .flags = SW_ARG_POS | SW_ARG_REQUIRED, .max = 64,
	 .off = offsetof(struct setting_frame, value), .value = "<value>",
	 .help = "its value: a number or one of its words"},
	{0},
};

static int setting_step(struct sw_cmd_ctx *cx, void *frame)
{
	struct setting_frame *a = frame;
	struct sw_setting_info si;
	char *w[] = {"deviceconfig", "setting", "session", a->name, a->value};
	struct sw_words words = {.w = w, .n = 5};
	int i = sw_conf_setting_find(a->name);

	if (i < 0 || sw_conf_setting((unsigned)i, &si) < 0)
		return sw_cmd_fail(cx, -EINVAL, 0, "unknown setting '%s' (statewall timeouts, "
				   "docs/configuration.md)", a->name);
	return apply_words(cx, "set", &words);
}

static int exit_step(struct sw_cmd_ctx *cx, void *frame)
{
	struct sw_mgmt_sess *s = cx->s;
	unsigned n = s->nlines;

	(void)frame;
	sess_lines_clear(s);
	s->mode = SW_MODE_OP;
	sw_emit_str(cx->e, "mode", NULL, "operational");
	sw_emit_u64(cx->e, "discarded", NULL, n);
	if (n)
		sw_emit_note(cx->e, "Exiting configuration mode: %u uncommitted change%s discarded", n,
			     n == 1 ? "" : "s");
	else
		sw_emit_note(cx->e, "Exiting configuration mode");
	return 0;
}

/* ---- commit and reload ------------------------------------------------------- */

/* Remember next's table sizes as pending if the running engine cannot take them. */
static int note_pending(struct sw_mgmt_host *h, const struct sw_conf *next)
{
	const struct sw_conf *run = sw_dp_conf(&h->dp);

	h->pending_max_sessions = next->max_sessions != run->max_sessions ? next->max_sessions : 0;
	h->pending_max_tombstones =
		next->max_tombstones != run->max_tombstones ? next->max_tombstones : 0;
	return h->pending_max_sessions || h->pending_max_tombstones;
}

/*
 * Apply `next`: save it first (if the daemon has a file and save is set),
 * then the data plane's set_conf with the running table sizes; next's own
 * sizes become pending.  0 or -errno with a message.
 */
static int apply_conf(struct sw_mgmt_host *h, const struct sw_conf *next, char *err, size_t errlen,
		      int save, int *pending)
{
	const struct sw_conf *run = sw_dp_conf(&h->dp);
	struct sw_conf *live;
	struct sw_stats before, after;
	int rc;

	if (sw_conf_validate(next, err, errlen) < 0)
		return -EINVAL;
	if (save && h->conf_path && (rc = sw_conf_save(next, h->conf_path, err, errlen)) < 0)
		return rc;
	live = malloc(sizeof(*live));
	if (!live) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*live = *next;
	live->max_sessions = run->max_sessions;
	live->max_tombstones = run->max_tombstones;
	live->decap = run->decap; /* a command-line option (--decap), not a setting */
	sw_dp_stats(&h->dp, &before);
	rc = sw_dp_set_conf(&h->dp, live);
	free(live);
	if (rc < 0) {
		snprintf(err, errlen, "the engine refused the configuration: %s", strerror(-rc));
		return rc;
	}
	sw_dp_stats(&h->dp, &after);
	h->last_reevaluated = after.ctr[SW_CTR_REEVALUATED] - before.ctr[SW_CTR_REEVALUATED];
	h->last_retimed = after.ctr[SW_CTR_RETIMED] - before.ctr[SW_CTR_RETIMED];
	*pending = note_pending(h, next);
	return 0;
}

static int commit_step(struct sw_cmd_ctx *cx, void *frame)
{
	struct sw_mgmt_sess *s = cx->s;
	struct sw_mgmt_host *h = cx->h;
	struct sw_emit *e = cx->e;
	struct sw_conf *next = malloc(sizeof(*next));
	char *text = NULL, msg[600];
	size_t len = 0;
	unsigned base = 0;
	int pending = 0, rc, ln = 0;
	FILE *f;

	(void)frame;
	if (!next)
		return sw_cmd_fail(cx, -ENOMEM, -1, "out of memory");
	/* the committed configuration as canonical lines, then this session's lines */
	committed(h, next);
	f = open_memstream(&text, &len);
	if (!f) {
		free(next);
		return sw_cmd_fail(cx, -ENOMEM, -1, "out of memory");
	}
	sw_conf_write(next, f, 0);
	fflush(f);
	for (size_t i = 0; i < len; i++)
		base += text[i] == '\n';
	for (unsigned i = 0; i < s->nlines; i++)
		fprintf(f, "%s\n", s->lines[i]);
	if (fclose(f) != 0 || !text) {
		free(text);
		free(next);
		return sw_cmd_fail(cx, -ENOMEM, -1, "out of memory");
	}
	sw_conf_defaults(next);
	rc = sw_conf_load_buf_at(next, text, len, "candidate", &ln, msg, sizeof(msg));
	free(text);
	if (rc < 0) {
		free(next);
		/* a line the operator typed: name it (and, for REST, the setting it sets) */
		if (ln > (int)base && ln - (int)base <= (int)s->nlines) {
			const char *typed = s->lines[ln - (int)base - 1];
			char pre[32];
			size_t pl = (size_t)snprintf(pre, sizeof(pre), "candidate:%d:", ln);
			cx->err_field = line_setting(typed);
			return sw_cmd_fail(cx, -EINVAL, -1,
					   "commit failed, nothing changed: line %d of this session "
					   "'%s':%s", ln - (int)base, typed,
					   strncmp(msg, pre, pl) == 0 ? msg + pl : msg);
		}
		return sw_cmd_fail(cx, -EINVAL, -1, "commit failed, nothing changed: %s", msg);
	}
	rc = apply_conf(h, next, msg, sizeof(msg), 1, &pending);
	if (rc < 0) {
		free(next);
		return sw_cmd_fail(cx, rc, -1, "commit failed, nothing changed: %s", msg);
	}
	h->commits++;
	*s->cand = *next;
	free(next);
	unsigned n = s->nlines;
	sess_lines_clear(s);
	sw_emit_bool(e, "committed", NULL, 1);
	sw_emit_u64(e, "changes", NULL, n);
	sw_emit_str(e, "saved_to", NULL, h->conf_path);
	sw_emit_bool(e, "restart_needed", NULL, pending);
	emit_pending(e, h);
	if (h->conf_path)
		sw_emit_note(e, "Configuration committed successfully (%u change%s, saved to %s)", n,
			     n == 1 ? "" : "s", h->conf_path);
	else
		sw_emit_note(e, "Configuration committed successfully (%u change%s; not saved: the "
				"daemon runs without -c FILE)", n, n == 1 ? "" : "s");
	sw_emit_u64(e, "reevaluated", NULL, h->last_reevaluated);
	sw_emit_u64(e, "retimed", NULL, h->last_retimed);
	sw_emit_note(e, "New timer values apply to existing sessions too: %llu live session%s "
		     "re-evaluated, %llu with a new value of the timer in force.",
		     (unsigned long long)h->last_reevaluated, h->last_reevaluated == 1 ? "" : "s",
		     (unsigned long long)h->last_retimed);
	if (pending)
		sw_emit_note(e, "max-sessions / max-tombstones take effect at the next start.");
	return 0;
}

int sw_mgmt_reload(struct sw_mgmt_host *h, char *err, size_t errlen)
{
	struct sw_conf *next;
	int rc, pending = 0;

	if (!h->conf_path) {
		snprintf(err, errlen, "no configuration file (-c) to reload");
		return -ENOENT;
	}
	next = malloc(sizeof(*next));
	if (!next) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	sw_conf_defaults(next);
	rc = sw_conf_load(next, h->conf_path, err, errlen);
	if (rc == 0)
		rc = apply_conf(h, next, err, errlen, 0, &pending);
	if (rc == 0) {
		h->reloads++;
		if (pending)
			snprintf(err, errlen, "max-sessions / max-tombstones take effect at the next "
					      "start");
		else
			err[0] = '\0';
	}
	free(next);
	return rc;
}

/* ---- completion of `set` / `delete` ------------------------------------------ */

/* rule fields, in the order conf.h documents them */
static const struct {
	const char *word, *value, *help;
} rule_fields[] = {
	{"source", "<ip/netmask>", "originator addresses (any, an address, a prefix or [ list ])"},
	{"destination", "<ip/netmask>", "responder addresses"},
	{"protocol", "<protocol>", "tcp, udp, icmp, icmp6, any or a number"},
	{"destination-port", "<port>", "port, lo-hi range, comma list or any"},
	{"action", "<action>", "allow or deny"},
	{"service", "<service>", "any, a service (set service) or [ list ]; the first that matches "
				 "sets the session's timer overrides"},
	{"reset-on-expiry", "<mode>", "RSTs to both ends when a timer ends a TCP session of the "
				      "rule (a service override wins)"},
};

/* The words of reset-on-expiry (rule, service override), with what each resets. */
static void complete_reset_words(struct sw_cand *o)
{
	static const char *const help[SW_RST_MODES] = {
		"end sessions silently", "only sessions a FIN half-closed", "every TCP session"};
	for (unsigned m = 0; m < SW_RST_MODES; m++)
		sw_cand_add(o, sw_reset_words[m], help[m]);
}
#define NRULE_FIELDS (sizeof(rule_fields) / sizeof(rule_fields[0]))

static void complete_setting(struct sw_cand *o, char **a, int n, int del)
{
	if (n >= 2 && strcmp(a[1], "system") == 0) {
		/* set deviceconfig system NAME VALUE: the daemon's own settings (next start) */
		struct sw_sys_info si;
		for (unsigned i = 0; sw_conf_sys(i, &si) == 0; i++)
			if (n == 2)
				sw_cand_add(o, si.name, si.help);
			else if (n == 3 && !del && strcmp(a[2], si.name) == 0)
				sw_cand_add(o, si.value[0] == '[' ? "[" : si.value, si.value[0] == '['
					    ? "[ IF_A IF_B ] (takes effect at the next start)"
					    : "takes effect at the next start");
	} else if (n == 1) {
		sw_cand_add(o, "setting", "device settings");
		sw_cand_add(o, "system", "the daemon's interfaces, sockets and files");
	} else if (n == 2) {
		sw_cand_add(o, "session", "session table settings");
	} else if (n == 3) {
		for (unsigned i = 0; i < sw_conf_nsettings(); i++) {
			struct sw_setting_info si;
			sw_conf_setting(i, &si);
			sw_cand_add(o, si.name, si.help);
		}
	} else if (n == 4 && !del) {
		struct sw_setting_info si;
		int i = sw_conf_setting_find(a[3]);
		if (i < 0 || sw_conf_setting((unsigned)i, &si) < 0)
			return;
		if (si.list) {
			sw_cand_add(o, "all", "every type");
			sw_cand_add(o, "none", "no type");
			for (unsigned w = 0; si.words[w]; w++)
				sw_cand_add(o, si.words[w], "one type; a,b,c for several");
		} else if (si.words) {
			for (unsigned w = 0; si.words[w]; w++)
				sw_cand_add(o, si.words[w], w == si.def ? "(default)" : "");
		} else {
			char hint[64], help[96];
			snprintf(hint, sizeof(hint), "<%u-%u>", si.min, si.max);
			snprintf(help, sizeof(help), "%s (default %u)", si.unit ? si.unit : "", si.def);
			sw_cand_add(o, hint, help);
		}
	} else {
		sw_cand_add(o, "<Enter>", "finish input");
	}
}

static void complete_rule(struct sw_cand *o, const struct sw_conf *cf, char **a, int n, int del)
{
	if (n == 1) {
		sw_cand_add(o, "security", "security policy");
	} else if (n == 2) {
		sw_cand_add(o, "rules", "security rules, evaluated in the order first named");
	} else if (n == 3) {
		for (unsigned i = 0; i < cf->nrules; i++)
			sw_cand_add(o, cf->rules[i].name, "existing rule");
		if (!del)
			sw_cand_add(o, "<name>", "a new rule");
	} else if (n == 4) {
		for (size_t k = 0; k < NRULE_FIELDS; k++)
			sw_cand_add(o, rule_fields[k].word, rule_fields[k].help);
		for (unsigned t = 0; t < SW_TO_MAX; t++)
			sw_cand_add(o, sw_timeout_info[t].name, "this timer for the rule's sessions "
								"(a service override wins)");
		if (del)
			sw_cand_add(o, "<Enter>", "delete the whole rule");
	} else if (n == 5 && !del) {
		if (strcmp(a[4], "protocol") == 0) {
			static const char *const p[] = {"tcp", "udp", "icmp", "icmp6", "any"};
			for (unsigned i = 0; i < sizeof(p) / sizeof(p[0]); i++)
				sw_cand_add(o, p[i], "");
			sw_cand_add(o, "<0-255>", "protocol number");
		} else if (strcmp(a[4], "service") == 0) {
			for (unsigned i = 0; i < cf->nservices; i++)
				sw_cand_add(o, cf->services[i].name, "existing service");
			for (unsigned i = 0; i < cf->ngroups; i++)
				sw_cand_add(o, cf->groups[i].name, "existing service-group");
			sw_cand_add(o, "any", "no service constraint, global timers");
			sw_cand_add(o, "application-default", "only the ports of the applications");
		} else if (strcmp(a[4], "reset-on-expiry") == 0) {
			complete_reset_words(o);
		} else if (strcmp(a[4], "action") == 0) {
			sw_cand_add(o, "allow", "let the flow pass");
			sw_cand_add(o, "deny", "drop it (discard session)");
		} else {
			for (size_t k = 0; k < NRULE_FIELDS; k++)
				if (strcmp(rule_fields[k].word, a[4]) == 0)
					sw_cand_add(o, rule_fields[k].value, rule_fields[k].help);
			if (strcmp(a[4], "source") == 0 || strcmp(a[4], "destination") == 0 ||
			    strcmp(a[4], "destination-port") == 0)
				sw_cand_add(o, "any", "any");
		}
	} else {
		sw_cand_add(o, "<Enter>", "finish input");
	}
}

/* set service NAME protocol tcp|udp [port P] [source-port P] [override yes|no] [timeout S] ... */
static void complete_service(struct sw_cand *o, const struct sw_conf *cf, char **a, int n, int del)
{
	if (n == 1) {
		for (unsigned i = 0; i < cf->nservices; i++)
			sw_cand_add(o, cf->services[i].name, "existing service");
		if (!del)
			sw_cand_add(o, "<name>", "a new service");
	} else if (n == 2) {
		sw_cand_add(o, "protocol", "tcp or udp, then its ports and override");
		if (del)
			sw_cand_add(o, "<Enter>", "delete the whole service (refused while a rule uses it)");
	} else if (n == 3) {
		sw_cand_add(o, "tcp", "");
		sw_cand_add(o, "udp", "");
	} else if (del) {
		if (n == 4)
			sw_cand_add(o, "override", "remove the timeout override");
		else
			sw_cand_add(o, "<Enter>", "finish input");
	} else if (n % 2 == 0) {
		sw_cand_add(o, "port", "destination ports: N, N-M or a comma list");
		sw_cand_add(o, "source-port", "source ports (default any)");
		sw_cand_add(o, "override", "yes: the timeouts below replace the global ones");
		sw_cand_add(o, "timeout", "tcp: timeout-tcp, udp: timeout-udp (1..604800 s)");
		if (strcmp(a[3], "tcp") == 0) {
			sw_cand_add(o, "halfclose-timeout",
				    "the half-closed timer (mode tcpwait: the tcpwait life), 1..604800 s");
			sw_cand_add(o, "timewait-timeout", "timeout-tcp-time-wait, 1..600 s");
			sw_cand_add(o, "reset-on-expiry", "RSTs to both ends when a timer ends a "
							  "session (needs override yes)");
		}
		sw_cand_add(o, "<Enter>", "finish input");
	} else if (strcmp(a[n - 1], "override") == 0) {
		sw_cand_add(o, "yes", "override the global timeouts");
		sw_cand_add(o, "no", "use the global timeouts");
	} else if (strcmp(a[n - 1], "port") == 0 || strcmp(a[n - 1], "source-port") == 0) {
		sw_cand_add(o, "<port>", "N, N-M or a comma list of them");
	} else if (strcmp(a[n - 1], "reset-on-expiry") == 0) {
		complete_reset_words(o);
	} else {
		sw_cand_add(o, "<seconds>", "");
	}
}

static void complete_conf(struct sw_cmd_ctx *cx, char **a, int n, struct sw_cand *o)
{
	int del = strcmp(cx->cmd->words, "delete") == 0;
	const struct sw_conf *cf = cx->s->cand ? cx->s->cand : sw_dp_conf(&cx->h->dp);

	if (n == 0) {
		sw_cand_add(o, "deviceconfig", "device settings (session timeouts and modes)");
		sw_cand_add(o, "rulebase", "security rules");
		sw_cand_add(o, "service", "service objects: ports and timeout overrides");
		sw_cand_add(o, "service-group", "named lists of services for rules");
		sw_cand_add(o, "application", "port-based application timeouts");
	} else if (strcmp(a[0], "application") == 0) {
		static const char *const w[] = {"port", "tcp-timeout", "tcp-half-closed-timeout",
						"tcp-time-wait-timeout", "udp-timeout"};
		if (n == 1) {
			for (unsigned i = 0; i < cf->napps; i++)
				sw_cand_add(o, cf->apps[i].name, "existing application");
			if (!del)
				sw_cand_add(o, "<name>", "a new application");
		} else if (del) {
			sw_cand_add(o, "<Enter>", "delete the application");
		} else if (n == 2) {
			sw_cand_add(o, "protocol", "tcp or udp");
		} else if (n == 3) {
			sw_cand_add(o, "tcp", "");
			sw_cand_add(o, "udp", "");
		} else if (n % 2 == 0) {
			for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++)
				if (i == 0 || (strcmp(a[3], "udp") == 0) == (i == 4))
					sw_cand_add(o, w[i], i ? "seconds" : "N, N-M or a comma list");
			sw_cand_add(o, "<Enter>", "finish input");
		} else {
			sw_cand_add(o, strcmp(a[n - 1], "port") == 0 ? "<port>" : "<seconds>", "");
		}
	} else if (strcmp(a[0], "service-group") == 0) {
		if (n == 1) {
			for (unsigned i = 0; i < cf->ngroups; i++)
				sw_cand_add(o, cf->groups[i].name, "existing service-group");
			if (!del)
				sw_cand_add(o, "<name>", "a new service-group");
		} else if (n == 2 && !del) {
			sw_cand_add(o, "members", "[ service ... ] (replaces the list)");
		} else if (!del) {
			for (unsigned i = 0; i < cf->nservices; i++)
				sw_cand_add(o, cf->services[i].name, "existing service");
		} else {
			sw_cand_add(o, "<Enter>", "delete the group (refused while a rule uses it)");
		}
	} else if (strcmp(a[0], "service") == 0) {
		complete_service(o, cf, a, n, del);
	} else if (strcmp(a[0], "deviceconfig") == 0) {
		complete_setting(o, a, n, del);
	} else if (strcmp(a[0], "rulebase") == 0) {
		complete_rule(o, cf, a, n, del);
	}
}

#define OP SW_MODE_OP
#define CF SW_MODE_CONF

const struct sw_cmd sw_cmds_config[] = {
	{
		.words = "show config running",
		.help = "the running configuration as set lines (and what is pending a restart)",
		.modes = OP,
		.frame_size = sizeof(struct no_args),
		.step = show_running_step,
	},
	{
		.words = "show config saved",
		.help = "the configuration file as saved (pending-at-restart values included)",
		.modes = OP,
		.frame_size = sizeof(struct no_args),
		.step = show_saved_step,
	},
	{
		.words = "configure",
		.help = "enter configuration mode (a candidate copy of the committed config)",
		.modes = OP,
		.frame_size = sizeof(struct no_args),
		.step = configure_step,
	},
	{
		.words = "set",
		.help = "change the candidate configuration",
		.modes = CF,
		.args = set_args,
		.frame_size = sizeof(struct set_frame),
		.step = set_step,
		.complete = complete_conf,
	},
	{
		.words = "delete",
		.help = "remove from the candidate configuration",
		.modes = CF,
		.args = set_args,
		.frame_size = sizeof(struct set_frame),
		.step = set_step,
		.complete = complete_conf,
	},
	{
		.words = "set setting",
		.help = "REST: set one session setting of the candidate ({\"name\", \"value\"})",
		.modes = CF,
		.flags = SW_CMD_TYPED_ONLY,
		.args = setting_args,
		.frame_size = sizeof(struct setting_frame),
		.step = setting_step,
	},
	{
		.words = "show",
		.help = "the candidate configuration",
		.modes = CF,
		.frame_size = sizeof(struct no_args),
		.step = conf_show_step,
	},
	{
		.words = "commit",
		.help = "validate the candidate, save it atomically, apply it (all or nothing)",
		.modes = CF,
		.frame_size = sizeof(struct no_args),
		.step = commit_step,
	},
	{
		.words = "exit",
		.help = "leave configuration mode (uncommitted changes are discarded)",
		.modes = CF,
		.frame_size = sizeof(struct no_args),
		.step = exit_step,
	},
	{0},
};
