/*
 * registry.c - the typed command registry (contracts in registry.h): the
 * list of command families, the one matcher that serves execution, TAB and
 * `?`, the argument parsers (CLI words and JSON, one descriptor), calls
 * (line and JSON entry points, steps, errors) and `help`.
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

#define MAXCMDS 64

static const struct sw_cmd help_cmds[];

/* the registry, flattened once: the families in order */
static const struct sw_cmd *table[MAXCMDS];
static unsigned ntable;

static void build(void)
{
	static const struct sw_cmd *const lists[] = {sw_cmds_stats, sw_cmds_session,
						     sw_cmds_config, help_cmds};

	if (ntable)
		return;
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (const struct sw_cmd *c = lists[l]; c->words && ntable < MAXCMDS; c++)
			table[ntable++] = c;
}

unsigned sw_cmd_count(void)
{
	build();
	return ntable;
}

const struct sw_cmd *sw_cmd_at(unsigned i)
{
	build();
	return i < ntable ? table[i] : NULL;
}

const struct sw_cmd *sw_cmd_find(const char *words)
{
	build();
	for (unsigned i = 0; i < ntable; i++)
		if (strcmp(table[i]->words, words) == 0)
			return table[i];
	return NULL;
}

int sw_mgmt_cmd_info(unsigned i, struct sw_mgmt_cmd_info *out)
{
	static char usage[MAXCMDS][160];
	const struct sw_cmd *c = sw_cmd_at(i);

	if (!c)
		return 0;
	sw_cmd_usage(c, usage[i], sizeof(usage[i]));
	out->words = c->words;
	out->args = usage[i];
	out->help = c->help;
	out->modes = c->modes;
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
static int cmd_word(const struct sw_cmd *k, int i, char *buf, size_t len)
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

static int cmd_nwords(const struct sw_cmd *k)
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

static void add_expected(char *expected, size_t len, const char *w)
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

/*
 * The matcher's core, shared by execution and completion: resolve argv's
 * words against the commands of `mode`, each exactly or as a unique prefix.
 * Stops at the first word that is no command word (m->stop = 1) or at the
 * end (m->stop = 0).  m->done: the longest command whose words all matched.
 */
struct mstate {
	unsigned char alive[MAXCMDS];
	int pos;    /* words resolved */
	int stop;   /* stopped on a word that is no command word */
	int npref;  /* ... which was an ambiguous prefix (npref > 1) */
	int any;    /* ... at a position where commands had words */
	const struct sw_cmd *done;
	char expected[512];
};

static void resolve(unsigned mode, char **argv, int argc, struct mstate *m)
{
	build();
	memset(m, 0, sizeof(*m));
	for (unsigned k = 0; k < ntable; k++)
		m->alive[k] = (table[k]->modes & mode) != 0;
	for (int i = 0; i < argc; i++) {
		char w[64], exact[64] = "", pref[64] = "";
		int nexact = 0, npref = 0, any = 0;

		for (unsigned k = 0; k < ntable; k++)
			if (m->alive[k] && cmd_nwords(table[k]) == i)
				m->done = table[k];
		m->expected[0] = '\0';
		for (unsigned k = 0; k < ntable; k++) {
			if (!m->alive[k] || !cmd_word(table[k], i, w, sizeof(w)))
				continue;
			any = 1;
			add_expected(m->expected, sizeof(m->expected), w);
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
			if (m->alive[k] && !(cmd_word(table[k], i, w, sizeof(w)) && strcmp(w, pick) == 0))
				m->alive[k] = 0;
	}
	m->pos = argc;
	m->expected[0] = '\0';
	for (unsigned k = 0; k < ntable; k++) {
		char w[64];
		if (!m->alive[k])
			continue;
		if (cmd_nwords(table[k]) == argc)
			m->done = table[k];
		else if (cmd_word(table[k], argc, w, sizeof(w)))
			add_expected(m->expected, sizeof(m->expected), w);
	}
}

const struct sw_cmd *sw_cmd_match(unsigned mode, char **argv, int argc, int *used, char *err,
				  size_t errlen)
{
	struct mstate m;

	resolve(mode, argv, argc, &m);
	if (m.done && (m.stop || cmd_nwords(m.done) == argc)) {
		*used = cmd_nwords(m.done);
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

/* ---- arguments ------------------------------------------------------------- */

const char *sw_cmd_arg_json(const struct sw_cmd *c, int i, char *buf, size_t len)
{
	const struct sw_cmd_arg *a = &c->args[i];

	if (a->json)
		return a->json;
	snprintf(buf, len, "%s", a->name);
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
	return buf;
}

void sw_cmd_usage(const struct sw_cmd *c, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (const struct sw_cmd_arg *a = c->args; a && a->name && o < len; a++) {
		int n;
		if (a->type == SW_AT_WORDS)
			n = snprintf(buf + o, len - o, "%s%s", o ? " " : "", a->value ? a->value : "...");
		else if (a->flags & SW_ARG_POS)
			n = snprintf(buf + o, len - o, "%s%s", o ? " " : "", a->value);
		else if (a->type == SW_AT_FLAG)
			n = snprintf(buf + o, len - o, "%s[%s]", o ? " " : "", a->name);
		else
			n = snprintf(buf + o, len - o, "%s[%s %s]", o ? " " : "", a->name, a->value);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* One value from its text form into the frame. 0, or -EINVAL with a message. */
static int parse_value(const struct sw_cmd_arg *a, const char *v, void *frame, char *err,
		       size_t errlen)
{
	char *dst = (char *)frame + a->off;
	unsigned long n;
	int32_t i32;

	switch (a->type) {
	case SW_AT_FLAG:
	case SW_AT_WORDS: return 0;
	case SW_AT_U32:
		if (parse_num(v, UINT32_MAX, &n) != 0 || n < a->min || (a->max && n > a->max)) {
			snprintf(err, errlen, "token '%s': not a number (%u..%u)", v, a->min,
				 a->max ? a->max : UINT32_MAX);
			return -EINVAL;
		}
		memcpy(dst, &(uint32_t){(uint32_t)n}, sizeof(uint32_t));
		return 0;
	case SW_AT_ID:
		if (parse_num(v, UINT32_MAX, &n) != 0 || n == 0) {
			snprintf(err, errlen, "token '%s': not a session id", v);
			return -EINVAL;
		}
		memcpy(dst, &(uint32_t){(uint32_t)n}, sizeof(uint32_t));
		return 0;
	case SW_AT_PORT:
		if (parse_num(v, 65535, &n) != 0) {
			snprintf(err, errlen, "token '%s': not a port (0..65535)", v);
			return -EINVAL;
		}
		i32 = (int32_t)n;
		break;
	case SW_AT_PROTO:
		i32 = sw_proto_lookup(v);
		if (i32 < 0) {
			snprintf(err, errlen, "token '%s': not a protocol (tcp, udp, icmp, icmp6 or 0..255)",
				 v);
			return -EINVAL;
		}
		break;
	case SW_AT_CIDR: {
		struct sw_cidr c;
		if (sw_cidr_parse(&c, v) != 0) {
			snprintf(err, errlen, "token '%s': not an address or prefix (e.g. 198.18.1.2, "
					      "10.0.0.0/8, 2001:db8::/32)", v);
			return -EINVAL;
		}
		memcpy(dst, &c, sizeof(c));
		return 0;
	}
	case SW_AT_ENUM: {
		char list[256] = "";
		for (i32 = 0; a->choices[i32]; i32++) {
			if (strcmp(a->choices[i32], v) == 0)
				break;
			add_expected(list, sizeof(list), a->choices[i32]);
		}
		if (!a->choices[i32]) {
			snprintf(err, errlen, "token '%s': not a %s (%s)", v, a->name, list);
			return -EINVAL;
		}
		break;
	}
	case SW_AT_YESNO:
		if (strcmp(v, "yes") == 0) {
			i32 = 1;
		} else if (strcmp(v, "no") == 0) {
			i32 = 0;
		} else {
			snprintf(err, errlen, "token '%s': expected yes or no", v);
			return -EINVAL;
		}
		break;
	default: snprintf(err, errlen, "internal error: argument type"); return -EINVAL;
	}
	memcpy(dst, &i32, sizeof(i32));
	return 0;
}

static void keyword_list(const struct sw_cmd *c, char *buf, size_t len)
{
	buf[0] = '\0';
	for (const struct sw_cmd_arg *a = c->args; a && a->name; a++)
		if (!(a->flags & SW_ARG_POS) && a->type != SW_AT_FLAG)
			add_expected(buf, len, a->name);
}

/* The keyword argument `w` names (exactly or as a unique prefix); -1 none, -2 ambiguous. */
static int find_keyword(const struct sw_cmd *c, const char *w)
{
	int hit = -1, n = 0;

	for (int i = 0; c->args && c->args[i].name; i++) {
		const struct sw_cmd_arg *a = &c->args[i];
		if (a->flags & SW_ARG_POS)
			continue;
		if (strcmp(a->name, w) == 0)
			return i;
		if (strncmp(a->name, w, strlen(w)) == 0) {
			hit = i;
			n++;
		}
	}
	return n == 1 ? hit : n > 1 ? -2 : -1;
}

static int check_required(const struct sw_cmd *c, void *frame, int *bad, char *err, size_t errlen)
{
	for (int i = 0; c->args && c->args[i].name; i++)
		if ((c->args[i].flags & SW_ARG_REQUIRED) && !SW_ARG_GIVEN(frame, i)) {
			char u[160];
			sw_cmd_usage(c, u, sizeof(u));
			*bad = i;
			snprintf(err, errlen, "missing argument (expected %s %s)", c->words, u);
			return -EINVAL;
		}
	return 0;
}

int sw_cmd_parse_words(const struct sw_cmd *c, char **argv, int argc, void *frame, int *bad,
		       char *err, size_t errlen)
{
	struct sw_cmd_args *hdr = frame;
	const char *what = c->what ? c->what : "argument";
	int pos = 0;

	*bad = -1;
	for (int i = 0; i < argc; i++) {
		int k = find_keyword(c, argv[i]);
		if (k >= 0) {
			const struct sw_cmd_arg *a = &c->args[k];
			*bad = k;
			hdr->given |= 1ull << k;
			if (a->type == SW_AT_FLAG)
				continue;
			if (i + 1 >= argc) {
				snprintf(err, errlen, "token '%s': missing value (%s %s)", argv[i], a->name,
					 a->value ? a->value : "");
				return -EINVAL;
			}
			if (parse_value(a, argv[++i], frame, err, errlen) < 0)
				return -EINVAL;
			continue;
		}
		/* the next positional argument */
		int p = -1;
		for (int j = 0, seen = 0; c->args && c->args[j].name; j++)
			if (c->args[j].flags & SW_ARG_POS) {
				if (seen++ == pos) {
					p = j;
					break;
				}
			}
		if (p >= 0) {
			const struct sw_cmd_arg *a = &c->args[p];
			*bad = p;
			hdr->given |= 1ull << p;
			pos++;
			if (a->type == SW_AT_WORDS) {
				struct sw_words wv = {.w = argv + i, .n = argc - i};
				memcpy((char *)frame + a->off, &wv, sizeof(wv));
				break;
			}
			if (parse_value(a, argv[i], frame, err, errlen) < 0)
				return -EINVAL;
			continue;
		}
		*bad = -1;
		if (k == -2) {
			char list[256];
			keyword_list(c, list, sizeof(list));
			snprintf(err, errlen, "token '%s': ambiguous %s (expected %s)", argv[i], what, list);
		} else if (!c->args || !c->args[0].name) {
			snprintf(err, errlen, "token '%s': unexpected word (`%s` takes no arguments)",
				 argv[i], c->words);
		} else {
			char list[256], u[160];
			keyword_list(c, list, sizeof(list));
			sw_cmd_usage(c, u, sizeof(u));
			if (list[0])
				snprintf(err, errlen, "token '%s': unknown %s (expected %s)", argv[i], what,
					 list);
			else
				snprintf(err, errlen, "token '%s': too many words (expected %s %s)",
					 argv[i], c->words, u);
		}
		return -EINVAL;
	}
	return check_required(c, frame, bad, err, errlen);
}

void sw_cmd_frame_free(void *frame)
{
	struct sw_cmd_args *hdr = frame;

	if (!hdr)
		return;
	free(hdr->mem);
	hdr->mem = NULL;
}

int sw_cmd_parse_json(const struct sw_cmd *c, const json_t *obj, void *frame, int *bad,
		      char *err, size_t errlen)
{
	struct sw_cmd_args *hdr = frame;
	const char *key;
	json_t *v;
	char jn[64];

	*bad = -1;
	if (!obj)
		return check_required(c, frame, bad, err, errlen);
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "the arguments must be a JSON object");
		return -EINVAL;
	}
	json_object_foreach((json_t *)obj, key, v) {
		int k = -1;
		for (int i = 0; c->args && c->args[i].name; i++)
			if (strcmp(sw_cmd_arg_json(c, i, jn, sizeof(jn)), key) == 0) {
				k = i;
				break;
			}
		if (k < 0) {
			char list[256] = "";
			for (int i = 0; c->args && c->args[i].name; i++)
				add_expected(list, sizeof(list), sw_cmd_arg_json(c, i, jn, sizeof(jn)));
			snprintf(err, errlen, "unknown member \"%s\" (expected %s)", key,
				 list[0] ? list : "none");
			return -EINVAL;
		}
		const struct sw_cmd_arg *a = &c->args[k];
		char num[24];
		const char *text = NULL;
		*bad = k;
		if (a->type == SW_AT_WORDS) {
			if (!json_is_string(v)) {
				snprintf(err, errlen, "\"%s\" must be a string of words", key);
				return -EINVAL;
			}
			size_t l = json_string_length(v);
			char *mem = malloc(l + 1 + (SW_MGMT_MAXARGS + 1) * sizeof(char *) + SW_MGMT_MAXARGS);
			if (!mem) {
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
			free(hdr->mem);
			hdr->mem = mem;
			char **wv = (char **)(void *)mem;
			char *tok = mem + (SW_MGMT_MAXARGS + 1) * sizeof(char *);
			if (memchr(json_string_value(v), '\0', l)) {
				snprintf(err, errlen, "\"%s\": a NUL in the words", key);
				return -EINVAL;
			}
			int n = sw_mgmt_split(json_string_value(v), tok, l + 1 + SW_MGMT_MAXARGS, wv,
					      SW_MGMT_MAXARGS);
			if (n < 0) {
				snprintf(err, errlen, "\"%s\": unterminated quote or more than %d words",
					 key, SW_MGMT_MAXARGS);
				return -EINVAL;
			}
			struct sw_words w = {.w = wv, .n = n};
			memcpy((char *)frame + a->off, &w, sizeof(w));
			hdr->given |= 1ull << k;
			continue;
		}
		if (json_is_integer(v)) {
			json_int_t i = json_integer_value(v);
			if (i < 0) {
				snprintf(err, errlen, "\"%s\": %lld is negative", key, (long long)i);
				return -EINVAL;
			}
			snprintf(num, sizeof(num), "%lld", (long long)i);
			text = num;
		} else if (json_is_boolean(v) && (a->type == SW_AT_YESNO || a->type == SW_AT_FLAG)) {
			text = json_is_true(v) ? "yes" : "no";
			if (a->type == SW_AT_FLAG && !json_is_true(v))
				continue;
		} else if (json_is_string(v)) {
			text = json_string_value(v);
			if (strlen(text) != json_string_length(v)) {
				snprintf(err, errlen, "\"%s\": a NUL in the value", key);
				return -EINVAL;
			}
		} else {
			snprintf(err, errlen, "\"%s\" must be a %s", key,
				 a->type == SW_AT_YESNO ? "boolean or yes/no" : "string or an integer");
			return -EINVAL;
		}
		hdr->given |= 1ull << k;
		if (parse_value(a, text, frame, err, errlen) < 0)
			return -EINVAL;
	}
	*bad = -1;
	return check_required(c, frame, bad, err, errlen);
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

	if (!k || !cmd_word(k, 0, w0, sizeof(w0)))
		return;
	for (unsigned j = 0; j < ntable; j++)
		if ((table[j]->modes & SW_MODE_OP) && cmd_word(table[j], 0, o0, sizeof(o0)) &&
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

/* ---- completion ------------------------------------------------------------ */

struct sw_cand {
	struct sw_jw *w;
	const char *prefix;
};

void sw_cand_add(struct sw_cand *o, const char *word, const char *help)
{
	if (o->prefix[0] != '<' && strncmp(word, o->prefix, strlen(o->prefix)) != 0 && word[0] != '<')
		return;
	if (word[0] == '<' && o->prefix[0] && strcmp(word, "<Enter>") == 0)
		return;
	sw_jw_obj(o->w);
	sw_jw_kstr(o->w, "word", word);
	sw_jw_kstr(o->w, "help", help ? help : "");
	sw_jw_obj_end(o->w);
}

/* help for words that are not a command's last word */
static const struct {
	const char *word, *help;
} group_help[] = {
	{"show", "show operational information"},
	{"clear", "end sessions"},
	{"session", "the session table"},
	{"counter", "counters"},
	{"config", "configuration"},
};

static const char *group(const char *w)
{
	for (size_t i = 0; i < sizeof(group_help) / sizeof(group_help[0]); i++)
		if (strcmp(group_help[i].word, w) == 0)
			return group_help[i].help;
	return "";
}

/* What may follow a command's arguments a[0..n). */
static void complete_args(struct sw_cmd_ctx *cx, const struct sw_cmd *k, char **a, int n,
			  struct sw_cand *o)
{
	int npos = 0;

	for (const struct sw_cmd_arg *g = k->args; g && g->name; g++) {
		if (g->type == SW_AT_WORDS && k->complete) {
			k->complete(cx, a, n, o);
			return;
		}
		npos += (g->flags & SW_ARG_POS) != 0;
	}
	if (n > 0) {
		/* a keyword waiting for its value? */
		int kw = find_keyword(k, a[n - 1]);
		if (kw >= 0 && k->args[kw].type != SW_AT_FLAG) {
			const struct sw_cmd_arg *g = &k->args[kw];
			for (unsigned i = 0; g->choices && g->choices[i]; i++)
				sw_cand_add(o, g->choices[i], g->help);
			if (g->type != SW_AT_ENUM)
				sw_cand_add(o, g->value, g->help);
			return;
		}
	}
	/* positional arguments still missing (count the words that are not keywords or values) */
	int loose = 0;
	for (int i = 0; i < n; i++) {
		int kw = find_keyword(k, a[i]);
		if (kw >= 0 && k->args[kw].type != SW_AT_FLAG)
			i++;
		else if (kw < 0)
			loose++;
	}
	for (int j = 0, seen = 0; k->args && k->args[j].name; j++)
		if ((k->args[j].flags & SW_ARG_POS) && seen++ == loose) {
			sw_cand_add(o, k->args[j].value, k->args[j].help);
			if (k->args[j].flags & SW_ARG_REQUIRED)
				return;
		}
	for (int j = 0; k->args && k->args[j].name; j++) {
		const struct sw_cmd_arg *g = &k->args[j];
		int used = 0;
		if (g->flags & SW_ARG_POS)
			continue;
		for (int i = 0; i < n; i++)
			used |= strcmp(a[i], g->name) == 0;
		if (!used)
			sw_cand_add(o, g->name, g->help);
	}
	sw_cand_add(o, "<Enter>", "execute");
}

void sw_mgmt_complete(struct sw_mgmt_host *h, struct sw_mgmt_sess *s, const char *line,
		      struct sw_buf *out)
{
	size_t l = strlen(line);
	char *buf = malloc(l + 1 + SW_MGMT_MAXARGS), *argv[SW_MGMT_MAXARGS];
	int argc, ends_space = l == 0 || line[l - 1] == ' ' || line[l - 1] == '\t';
	struct sw_cmd_ctx cx = {.h = h, .s = s, .err_arg = -1};
	struct sw_jw w;
	struct sw_cand o = {.w = &w, .prefix = ""};
	struct mstate m;

	sw_jw_init_buf(&w, out);
	sw_jw_obj(&w);
	sw_jw_key(&w, "words");
	sw_jw_arr(&w);
	if (!buf)
		goto end;
	argc = sw_mgmt_split(line, buf, l + 1 + SW_MGMT_MAXARGS, argv, SW_MGMT_MAXARGS);
	if (argc < 0)
		goto end;
	if (!ends_space && argc > 0)
		o.prefix = argv[--argc];
	resolve(s->mode, argv, argc, &m);
	if (m.stop) {
		/* not a command word: the arguments of the command whose words ended */
		if (m.done) {
			int nw = cmd_nwords(m.done);
			cx.cmd = m.done;
			complete_args(&cx, m.done, argv + nw, argc - nw, &o);
		}
		goto end;
	}
	{
		char wd[64], seen[512] = "";
		for (unsigned k = 0; k < ntable; k++) {
			int nw = cmd_nwords(table[k]);
			if (!m.alive[k])
				continue;
			if (nw == argc) {
				cx.cmd = table[k];
				complete_args(&cx, table[k], argv + nw, 0, &o);
				continue;
			}
			if (!cmd_word(table[k], argc, wd, sizeof(wd)))
				continue;
			size_t before = strlen(seen);
			add_expected(seen, sizeof(seen), wd);
			if (strlen(seen) == before)
				continue;
			sw_cand_add(&o, wd, nw == argc + 1 ? table[k]->help : group(wd));
		}
	}
end:
	sw_jw_arr_end(&w);
	sw_jw_kstr(&w, "prefix", o.prefix);
	sw_jw_obj_end(&w);
	sw_buf_puts(out, "\n");
	free(buf);
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
		if (!(k->modes & cx->s->mode))
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
