/*
 * registry.c - the typed command registry (contracts in registry.h): the
 * list of command families, the one matcher that serves execution, TAB and
 * `?` (complete.c uses its core), calls (line and JSON entry points, steps,
 * errors) and `help`.  Argument parsing is in args.c.
 *
 * A command is found by its words (exactly or as unique prefixes), its
 * arguments are parsed into its frame before the first step, and the call
 * opens and closes the emitter's document around the handler's steps, so
 * a handler only writes its fields.  A handler that fails on its first
 * step leaves no output behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/registry.h"
#include "mgmt/registry_int.h"


static const struct sw_cmd help_cmds[];

/* The command families, in the order help and completion list them. */
static const struct sw_cmd *const families[] = {sw_cmds_stats, sw_cmds_session, sw_cmds_objects,
						sw_cmds_config, help_cmds};

unsigned sw_cmd_count(void)
{
	unsigned n = 0;

	for (size_t l = 0; l < sizeof(families) / sizeof(families[0]); l++)
		for (const struct sw_cmd *c = families[l]; c->words; c++)
			n++;
	return n < MAXCMDS ? n : MAXCMDS;
}

const struct sw_cmd *sw_cmd_at(unsigned i)
{
	if (i >= MAXCMDS)
		return NULL;
	for (size_t l = 0; l < sizeof(families) / sizeof(families[0]); l++)
		for (const struct sw_cmd *c = families[l]; c->words; c++)
			if (i-- == 0)
				return c;
	return NULL;
}

/* Every command in registry order into t (MAXCMDS); how many. */
static unsigned flatten(const struct sw_cmd **t)
{
	unsigned n = 0;

	for (size_t l = 0; l < sizeof(families) / sizeof(families[0]); l++)
		for (const struct sw_cmd *c = families[l]; c->words && n < MAXCMDS; c++)
			t[n++] = c;
	return n;
}

const struct sw_cmd *sw_cmd_find(const char *words)
{
	for (unsigned i = 0, n = sw_cmd_count(); i < n; i++)
		if (strcmp(sw_cmd_at(i)->words, words) == 0)
			return sw_cmd_at(i);
	return NULL;
}

int sw_mgmt_cmd_info(unsigned i, struct sw_mgmt_cmd_info *out)
{
	const struct sw_cmd *c = sw_cmd_at(i);

	if (!c)
		return 0;
	sw_cmd_usage(c, out->argsbuf, sizeof(out->argsbuf));
	out->words = c->words;
	out->args = out->argsbuf;
	out->help = c->help;
	out->modes = c->modes;
	out->typed_only = (c->flags & SW_CMD_TYPED_ONLY) != 0;
	return 1;
}

int sw_cmd_fail(struct sw_cmd_ctx *cx, int rc, int arg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cx->err, sizeof(cx->err), fmt, ap);
	va_end(ap);
	cx->err_arg = arg;
	return rc;
}

/* ---- words ----------------------------------------------------------------- */

/* word i (0-based) of a command's words into buf; 0 if it has fewer */
int sw_reg_word(const struct sw_cmd *k, int i, char *buf, size_t len)
{
	const char *p = k->words;

	for (int j = 0; j < i; j++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	size_t n = strcspn(p, " ");
	if (n == 0 || n >= len)
		return 0;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 1;
}

int sw_reg_nwords(const struct sw_cmd *k)
{
	int n = 1;

	for (const char *p = k->words; *p; p++)
		n += *p == ' ';
	return n;
}

int sw_mgmt_split(const char *line, char *buf, size_t buflen, char **argv, int max)
{
	size_t o = 0;
	int n = 0;
	const char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			return n;
		if (n >= max)
			return -1;
		argv[n++] = buf + o;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (o + 1 >= buflen)
					return -1;
				buf[o++] = *p++;
			}
			if (*p != '"')
				return -1;
			p++;
		} else {
			while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
				if (o + 1 >= buflen)
					return -1;
				buf[o++] = *p++;
			}
		}
		if (o + 1 >= buflen)
			return -1;
		buf[o++] = '\0';
	}
}

void sw_reg_add_expected(char *expected, size_t len, const char *w)
{
	char key[80];
	size_t l = strlen(expected);

	snprintf(key, sizeof(key), "%s", w);
	for (const char *p = expected; (p = strstr(p, key)); p++) {
		size_t kl = strlen(key);
		if ((p == expected || p[-1] == ' ') && (p[kl] == ',' || p[kl] == '\0'))
			return;
	}
	snprintf(expected + l, len - l, "%s%s", l ? ", " : "", w);
}

void sw_reg_resolve(unsigned mode, char **argv, int argc, struct mstate *m)
{
	const struct sw_cmd *table[MAXCMDS];
	unsigned ntable = flatten(table);

	memset(m, 0, sizeof(*m));
	for (unsigned k = 0; k < ntable; k++)
		m->alive[k] = (table[k]->modes & mode) && !(table[k]->flags & SW_CMD_TYPED_ONLY);
	for (int i = 0; i < argc; i++) {
		char w[64], exact[64] = "", pref[64] = "";
		int nexact = 0, npref = 0, any = 0;

		for (unsigned k = 0; k < ntable; k++)
			if (m->alive[k] && sw_reg_nwords(table[k]) == i)
				m->done = table[k];
		m->expected[0] = '\0';
		for (unsigned k = 0; k < ntable; k++) {
			if (!m->alive[k] || !sw_reg_word(table[k], i, w, sizeof(w)))
				continue;
			any = 1;
			sw_reg_add_expected(m->expected, sizeof(m->expected), w);
			if (strcmp(w, argv[i]) == 0) {
				nexact = 1;
				snprintf(exact, sizeof(exact), "%s", w);
			} else if (strncmp(w, argv[i], strlen(argv[i])) == 0 && strcmp(w, pref) != 0) {
				npref++;
				snprintf(pref, sizeof(pref), "%s", w);
			}
		}
		const char *pick = nexact ? exact : npref == 1 ? pref : NULL;
		if (!pick) {
			m->pos = i;
			m->stop = 1;
			m->npref = npref;
			m->any = any;
			return;
		}
		for (unsigned k = 0; k < ntable; k++)
			if (m->alive[k] && !(sw_reg_word(table[k], i, w, sizeof(w)) && strcmp(w, pick) == 0))
				m->alive[k] = 0;
	}
	m->pos = argc;
	m->expected[0] = '\0';
	for (unsigned k = 0; k < ntable; k++) {
		char w[64];
		if (!m->alive[k])
			continue;
		if (sw_reg_nwords(table[k]) == argc)
			m->done = table[k];
		else if (sw_reg_word(table[k], argc, w, sizeof(w)))
			sw_reg_add_expected(m->expected, sizeof(m->expected), w);
	}
}

const struct sw_cmd *sw_cmd_match(unsigned mode, char **argv, int argc, int *used, char *err,
				  size_t errlen)
{
	struct mstate m;

	sw_reg_resolve(mode, argv, argc, &m);
	if (m.done && (m.stop || sw_reg_nwords(m.done) == argc)) {
		*used = sw_reg_nwords(m.done);
		return m.done;
	}
	if (!err)
		return NULL;
	if (m.stop && !m.any)
		snprintf(err, errlen, "unknown command");
	else if (m.stop)
		snprintf(err, errlen, "token '%s': %s (expected %s)", argv[m.pos],
			 m.npref > 1 ? "ambiguous" : "unknown word", m.expected);
	else if (argc == 0)
		snprintf(err, errlen, "empty command");
	else
		snprintf(err, errlen, "incomplete command (expected %s)", m.expected);
	return NULL;
}

/* ---- calls ----------------------------------------------------------------- */

struct sw_mgmt_call {
	struct sw_cmd_ctx cx;
	struct sw_emit e;
	const struct sw_cmd *cmd;
	void *frame;
	struct sw_buf *out;
	size_t mark;      /* out->len when the call started */
	int steps;        /* steps run */
	int rc;           /* 0, or -errno once failed */
	int done;
	char *tokbuf;
	char *argv[SW_MGMT_MAXARGS];
	int argc;
	char jfield[64];
};

static struct sw_mgmt_call *call_new(struct sw_mgmt_host *h, struct sw_mgmt_sess *s, int json,
				     struct sw_buf *out)
{
	struct sw_mgmt_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cx.h = h;
	c->cx.s = s;
	c->cx.e = &c->e;
	c->cx.json = json;
	c->cx.err_arg = -1;
	c->out = out;
	c->mark = out->len;
	sw_emit_init(&c->e, out, json);
	return c;
}

/* Allocate and initialise the frame of c->cmd; -ENOMEM. */
static int frame_new(struct sw_mgmt_call *c)
{
	size_t n = c->cmd->frame_size > sizeof(struct sw_cmd_args) ? c->cmd->frame_size
								   : sizeof(struct sw_cmd_args);
	c->frame = calloc(1, n);
	if (!c->frame)
		return sw_cmd_fail(&c->cx, -ENOMEM, -1, "out of memory");
	if (c->cmd->init)
		c->cmd->init(c->frame);
	c->cx.cmd = c->cmd;
	return 0;
}

/* A configuration-mode command typed in operational mode: say so. */
static void wrong_mode_hint(struct sw_mgmt_call *c)
{
	int u;
	char w0[64], o0[64];
	const struct sw_cmd *k = sw_cmd_match(SW_MODE_CONF, c->argv, c->argc, &u, NULL, 0);

	if (!k || !sw_reg_word(k, 0, w0, sizeof(w0)))
		return;
	for (unsigned j = 0; j < sw_cmd_count(); j++)
		if ((sw_cmd_at(j)->modes & SW_MODE_OP) && sw_reg_word(sw_cmd_at(j), 0, o0, sizeof(o0)) &&
		    strcmp(o0, w0) == 0)
			return;
	c->rc = sw_cmd_fail(&c->cx, -EACCES, -1,
			    "'%s' is a configuration-mode command: type `configure` first",
			    c->argv[0]);
}

struct sw_mgmt_call *sw_mgmt_call_start(struct sw_mgmt_host *h, struct sw_mgmt_sess *s,
					const char *line, int json, struct sw_buf *out)
{
	struct sw_mgmt_call *c = call_new(h, s, json, out);
	size_t l = strlen(line);
	int used = 0, bad = -1;

	if (!c)
		return NULL;
	c->tokbuf = malloc(l + 1 + SW_MGMT_MAXARGS);
	if (!c->tokbuf) {
		sw_mgmt_call_free(c);
		return NULL;
	}
	c->argc = sw_mgmt_split(line, c->tokbuf, l + 1 + SW_MGMT_MAXARGS, c->argv, SW_MGMT_MAXARGS);
	if (c->argc < 0) {
		c->rc = sw_cmd_fail(&c->cx, -EINVAL, -1,
				    "cannot split the line: unterminated quote or more than %d words",
				    SW_MGMT_MAXARGS);
		return c;
	}
	c->cmd = sw_cmd_match(s->mode, c->argv, c->argc, &used, c->cx.err, sizeof(c->cx.err));
	if (!c->cmd) {
		c->rc = -EINVAL;
		if (c->argc > 0 && s->mode == SW_MODE_OP)
			wrong_mode_hint(c);
		return c;
	}
	if ((c->rc = frame_new(c)) < 0)
		return c;
	if (sw_cmd_parse_words(c->cmd, c->argv + used, c->argc - used, c->frame, &bad, c->cx.err,
			       sizeof(c->cx.err)) < 0) {
		c->rc = -EINVAL;
		c->cx.err_arg = bad;
	}
	return c;
}

struct sw_mgmt_call *sw_mgmt_call_json(struct sw_mgmt_host *h, struct sw_mgmt_sess *s,
				       const char *words, const json_t *args, struct sw_buf *out)
{
	struct sw_mgmt_call *c = call_new(h, s, 1, out);
	int bad = -1;

	if (!c)
		return NULL;
	c->cmd = sw_cmd_find(words);
	if (!c->cmd) {
		c->rc = sw_cmd_fail(&c->cx, -ENOENT, -1, "no such command: %s", words);
		return c;
	}
	if (!(c->cmd->modes & s->mode)) {
		c->rc = sw_cmd_fail(&c->cx, -EACCES, -1, "`%s` is not a command of %s mode", words,
				    s->mode == SW_MODE_CONF ? "configuration" : "operational");
		c->cmd = NULL;
		return c;
	}
	if ((c->rc = frame_new(c)) < 0)
		return c;
	c->rc = sw_cmd_parse_json(c->cmd, args, c->frame, &bad, c->cx.err, sizeof(c->cx.err));
	if (c->rc < 0)
		c->cx.err_arg = bad;
	return c;
}

int sw_mgmt_call_step(struct sw_mgmt_call *c)
{
	int rc;

	if (c->rc < 0 || !c->cmd)
		return SW_CALL_ERROR;
	if (c->done)
		return SW_CALL_DONE;
	if (c->steps++ == 0)
		sw_emit_begin(&c->e);
	rc = c->cmd->step(&c->cx, c->frame);
	c->cx.step++;
	if (rc == SW_CALL_MORE)
		return SW_CALL_MORE;
	if (rc < 0) {
		c->rc = rc;
		if (!c->cx.err[0])
			snprintf(c->cx.err, sizeof(c->cx.err), "%s", strerror(-rc));
		/* nothing of a failed first step is left (later steps' output may be sent already) */
		if (c->steps == 1 && c->out->len >= c->mark) {
			c->out->len = c->mark;
			if (c->out->p)
				c->out->p[c->mark] = '\0';
		}
		return SW_CALL_ERROR;
	}
	if (c->cx.tail && c->e.json)
		c->cx.tail(c->cx.tail_ctx, &c->e);
	sw_emit_end(&c->e);
	c->done = 1;
	return SW_CALL_DONE;
}

const char *sw_mgmt_call_error(const struct sw_mgmt_call *c)
{
	return c->cx.err;
}

int sw_mgmt_call_rc(const struct sw_mgmt_call *c)
{
	return c->rc;
}

const char *sw_mgmt_call_field(const struct sw_mgmt_call *c)
{
	struct sw_mgmt_call *m = (struct sw_mgmt_call *)c;

	if (c->rc == 0)
		return NULL;
	if (c->cx.err_field)
		return c->cx.err_field;
	if (c->cmd && c->cx.err_arg >= 0)
		return sw_cmd_arg_json(c->cmd, c->cx.err_arg, m->jfield, sizeof(m->jfield));
	return NULL;
}

void sw_mgmt_call_set_tail(struct sw_mgmt_call *c, void (*fn)(void *ctx, struct sw_emit *e),
			   void *ctx)
{
	c->cx.tail = fn;
	c->cx.tail_ctx = ctx;
}

void sw_mgmt_call_free(struct sw_mgmt_call *c)
{
	if (!c)
		return;
	sw_cmd_frame_free(c->frame);
	free(c->frame);
	free(c->tokbuf);
	free(c);
}

int sw_mgmt_run(struct sw_mgmt_host *h, struct sw_mgmt_sess *s, const char *line, int json,
		struct sw_buf *out, char *err, size_t errlen)
{
	struct sw_mgmt_call *c = sw_mgmt_call_start(h, s, line, json, out);
	int rc;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return SW_CALL_ERROR;
	}
	while ((rc = sw_mgmt_call_step(c)) == SW_CALL_MORE)
		;
	if (rc == SW_CALL_ERROR)
		snprintf(err, errlen, "%s", c->cx.err[0] ? c->cx.err : "failed");
	else if (err && errlen)
		err[0] = '\0';
	sw_mgmt_call_free(c);
	return rc;
}

/* ---- help ------------------------------------------------------------------ */

struct help_frame {
	struct sw_cmd_args a;
};

static int help_step(struct sw_cmd_ctx *cx, void *frame)
{
	struct sw_emit *e = cx->e;
	char usage[160], l[256];

	(void)frame;
	sw_emit_list(e, "commands", NULL, 0);
	for (unsigned i = 0; i < sw_cmd_count(); i++) {
		const struct sw_cmd *k = sw_cmd_at(i);
		if (!(k->modes & cx->s->mode) || (k->flags & SW_CMD_TYPED_ONLY))
			continue;
		sw_cmd_usage(k, usage, sizeof(usage));
		snprintf(l, sizeof(l), "%s%s%s", k->words, usage[0] ? " " : "", usage);
		sw_emit_row(e);
		sw_emit_str(e, "words", NULL, k->words);
		sw_emit_str(e, "args", NULL, usage);
		sw_emit_str(e, "help", NULL, k->help);
		sw_emit_row_end(e);
		sw_emit_note(e, "  %-44s %s", l, k->help);
	}
	sw_emit_list_end(e);
	return 0;
}

static const struct sw_cmd help_cmds[] = {
	{
		.words = "help",
		.help = "list the commands of this mode",
		.modes = SW_MODE_OP | SW_MODE_CONF,
		.frame_size = sizeof(struct help_frame),
		.step = help_step,
	},
	{0},
};
