/*
 * parse.c - the PAN-OS `set` line language: tokenizer, line interpreter,
 * whole-file loading and `--set NAME=VALUE`.
 *
 * Contract kept by every entry point: either the whole input is accepted or
 * the caller's struct is untouched.  A single line is interpreted into local
 * copies (a rule, a value) and committed only once nothing more can fail; a
 * file is applied to a heap copy that replaces the caller's struct only after
 * the last line and sw_conf_validate()-equivalent checks pass.
 *
 * Messages always read "FILE:LINE: token 'TOK': what is wrong (expected ...)",
 * so an editor can jump to the place and the user sees the exact word we
 * stumbled on.
 *
 * Over 800 lines because the tokenizer, the rule grammar and the file
 * loader share the line-tracking state that points final-check problems at
 * a line; the object grammars (services, groups, applications) live in
 * service.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* POSIX/GNU APIs when built outside CMake (fuzzing by hand) */
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf-int.h"

/*
 * Copy a token into a message, escaping what would garble a terminal and
 * cutting very long ones: the message must stay one readable line.
 */
static void tok_show(char *dst, size_t dlen, const char *s, size_t slen)
{
	size_t o = 0;
	const size_t cut = 64;
	for (size_t i = 0; i < slen && i < cut && o + 5 < dlen; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch >= 0x7f || ch == '\'' || ch == '\\')
			o += (size_t)snprintf(dst + o, dlen - o, "\\x%02x", ch);
		else
			dst[o++] = (char)ch;
	}
	if (slen > cut && o + 4 < dlen) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o < dlen ? o : dlen - 1] = '\0';
}

int swc_fail_n(const struct ctx *x, const char *tok, size_t toklen, const char *fmt, ...)
{
	char shown[64 * 4 + 8], what[512];
	va_list ap;

	if (!x->err || x->errlen == 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	tok_show(shown, sizeof(shown), tok, toklen);
	if (x->line > 0)
		snprintf(x->err, x->errlen, "%s:%d: token '%s': %s", x->file, x->line, shown, what);
	else
		snprintf(x->err, x->errlen, "%s: token '%s': %s", x->file, shown, what);
	return -EINVAL;
}

static int is_space(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

static int is_ctl(unsigned char ch)
{
	return (ch < 0x20 && !is_space(ch)) || ch == 0x7f;
}

/*
 * Split one line into tokens.  Whitespace separates; `#` outside quotes
 * starts a comment; `[` and `]` are tokens of their own (PAN-OS lists);
 * "..." is one token, without escapes (rule names cannot contain a quote).
 */
static int tokenize(const char *text, size_t len, struct toks *T, const struct ctx *x)
{
	size_t i = 0, o = 0;

	T->n = 0;
	if (len > SWC_LINE_MAX)
		return swc_fail_n(x, text, 32, "line is %zu characters long (expected at most %d)", len,
			      SWC_LINE_MAX);
	for (;;) {
		while (i < len && is_space((unsigned char)text[i]))
			i++;
		if (i == len || text[i] == '#')
			break;
		if (T->n == SWC_TOKENS_MAX)
			return swc_fail_n(x, text + i, len - i,
				      "too many words on one line (expected at most %d)",
				      SWC_TOKENS_MAX);

		struct tok *t = &T->t[T->n++];
		t->s = T->buf + o;
		t->quoted = 0;
		if (text[i] == '[' || text[i] == ']') {
			T->buf[o++] = text[i++];
		} else if (text[i] == '"') {
			size_t start = i++;
			t->quoted = 1;
			while (i < len && text[i] != '"') {
				if (is_ctl((unsigned char)text[i]) || text[i] == '\n')
					return swc_fail_n(x, text + start, i - start + 1,
						      "control character inside quotes "
						      "(expected printable text)");
				T->buf[o++] = text[i++];
			}
			if (i == len)
				return swc_fail_n(x, text + start, len - start,
					      "unterminated quoted string (expected a closing '\"')");
			i++;
			if (i < len && !is_space((unsigned char)text[i]) && text[i] != '#' &&
			    text[i] != '[' && text[i] != ']')
				return swc_fail_n(x, text + start, i - start + 1,
					      "text right after a closing quote "
					      "(expected a space between words)");
		} else {
			size_t start = i;
			while (i < len && !is_space((unsigned char)text[i]) && text[i] != '#' &&
			       text[i] != '[' && text[i] != ']' && text[i] != '"') {
				if (is_ctl((unsigned char)text[i]))
					return swc_fail_n(x, text + start, i - start + 1,
						      "control character in a word "
						      "(expected printable text)");
				T->buf[o++] = text[i++];
			}
			if (i < len && text[i] == '"')
				return swc_fail_n(x, text + start, i - start + 1,
					      "a double quote inside a word "
					      "(expected quotes around a whole word)");
		}
		T->buf[o++] = '\0';
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                   */

/* Decimal digits only: strtoul would take signs, spaces and "0x". */
static int parse_uint(const char *s, uint64_t cap, uint64_t *out)
{
	uint64_t v = 0;
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > cap)
			v = cap + 1; /* saturate: still out of range, never wraps */
	}
	*out = v;
	return 0;
}

/* "a, b or c" from a NULL-terminated word list. */
static void words_join(const char *const *w, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (unsigned i = 0; w[i] && o < len; i++) {
		const char *sep = i == 0 ? "" : (w[i + 1] ? ", " : " or ");
		o += (size_t)snprintf(buf + o, len - o, "%s%s", sep, w[i]);
	}
}

static int parse_setting_value(const struct swc_setting *s, const char *v, const char *tok,
			       uint32_t *out, const struct ctx *x)
{
	if (s->kind == SWC_LIST) {
		char list[160];
		const char *bad;
		size_t badlen;

		if (swc_list_parse(s, v, out, &bad, &badlen) == 0)
			return 0;
		words_join(s->words, list, sizeof(list));
		return fail(x, tok, "%s: unknown word '%.*s' (expected all, none, or a comma list of %s)",
			    s->name, (int)badlen, bad, list);
	}
	if (s->kind == SWC_WORD) {
		char list[128];
		for (unsigned i = 0; s->words[i]; i++) {
			if (strcmp(v, s->words[i]) == 0) {
				*out = i;
				return 0;
			}
		}
		words_join(s->words, list, sizeof(list));
		return fail(x, tok, "%s must be %s", s->name, list);
	}
	uint64_t n;
	if (parse_uint(v, s->max, &n) != 0)
		return fail(x, tok, "%s must be a whole number of %s (expected %u..%u)", s->name,
			    s->unit, (unsigned)s->min, (unsigned)s->max);
	if (n < s->min || n > s->max)
		return fail(x, tok, "%s must be %u..%u", s->name, (unsigned)s->min,
			    (unsigned)s->max);
	*out = (uint32_t)n;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Session settings                                                         */

static int unknown_setting(const char *name, const char *tok, const struct ctx *x)
{
	unsigned best = swc_setting_closest(name);
	return fail(x, tok, "unknown session setting (did you mean '%s'?)",
		    swc_settings[best].name);
}

static int do_session(struct sw_conf *c, const struct toks *T, int del, const struct ctx *x)
{
	const struct tok *t = T->t;
	if (T->n < 5)
		return fail(x, t[T->n - 1].s, "missing setting name (expected e.g. 'timeout-tcp')");

	int idx = swc_setting_find(t[4].s);
	if (idx < 0)
		return unknown_setting(t[4].s, t[4].s, x);
	const struct swc_setting *s = &swc_settings[idx];

	uint32_t v;
	if (del) {
		if (T->n > 5)
			return fail(x, t[5].s, "unexpected word after the setting name "
					       "(expected end of line)");
		v = s->def;
	} else {
		if (T->n < 6) {
			char list[160];
			if (s->kind != SWC_U32)
				words_join(s->words, list, sizeof(list));
			else
				snprintf(list, sizeof(list), "%s %u..%u", s->unit,
					 (unsigned)s->min, (unsigned)s->max);
			return fail(x, t[4].s, "missing value (expected %s)", list);
		}
		if (s->kind == SWC_LIST && !t[5].quoted && strcmp(t[5].s, "[") == 0) {
			/* [ gre vxlan ]: the PAN-OS list form of gre,vxlan */
			uint32_t m = 0, one;
			unsigned k;

			for (k = 6; k < T->n && !(strcmp(t[k].s, "]") == 0 && !t[k].quoted); k++) {
				if (parse_setting_value(s, t[k].s, t[k].s, &one, x) != 0)
					return -EINVAL;
				m |= one;
			}
			if (k == T->n)
				return fail(x, t[T->n - 1].s, "missing ']' after the list");
			if (k + 1 < T->n)
				return fail(x, t[k + 1].s, "unexpected word after the list (expected end of line)");
			v = m;
		} else {
			if (!t[5].quoted && (strcmp(t[5].s, "[") == 0 || strcmp(t[5].s, "]") == 0))
				return fail(x, t[5].s, "a list is not allowed here (expected one value)");
			if (T->n > 6)
				return fail(x, t[6].s, "unexpected word after the value (expected end of line)");
			if (parse_setting_value(s, t[5].s, t[5].s, &v, x) != 0)
				return -EINVAL;
		}
	}
	swc_set(c, s, v);
	if (x->tr)
		x->tr->setting[idx] = x->line;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Security rules                                                           */

enum field { F_SOURCE, F_DESTINATION, F_PROTOCOL, F_DPORT, F_ACTION, F_SERVICE, F_RESET, F_MAX };
static const char *const field_names[F_MAX + 1] = {
	"source", "destination", "protocol", "destination-port", "action", "service",
	"reset-on-expiry", NULL};

static int find_field(const char *s)
{
	for (int i = 0; i < F_MAX; i++)
		if (strcmp(s, field_names[i]) == 0)
			return i;
	return -1;
}

static int find_rule(const struct sw_conf *c, const char *name)
{
	unsigned n = c->nrules < SW_RULES_MAX ? c->nrules : SW_RULES_MAX;
	for (unsigned i = 0; i < n; i++)
		if (strncmp(c->rules[i].name, name, SW_RULE_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

/*
 * The value words of a rule line: one word, or a `[ ... ]` list.  On
 * success first and count delimit the items inside T->t.
 */
int swc_value_items(const struct toks *T, unsigned from, unsigned *first, unsigned *count,
		       int list_ok, const struct ctx *x)
{
	const struct tok *t = T->t;
	if (from >= T->n)
		return fail(x, t[from - 1].s, "missing value (expected %s)",
			    list_ok ? "a value or a [ list ]" : "a value");
	if (!t[from].quoted && strcmp(t[from].s, "[") == 0) {
		if (!list_ok)
			return fail(x, t[from].s, "a list is not allowed here (expected one value)");
		unsigned i = from + 1;
		for (; i < T->n; i++) {
			if (!t[i].quoted && strcmp(t[i].s, "]") == 0)
				break;
			if (!t[i].quoted && strcmp(t[i].s, "[") == 0)
				return fail(x, t[i].s, "nested list (expected values or ']')");
		}
		if (i == T->n)
			return fail(x, t[T->n - 1].s, "unterminated list (expected ']')");
		if (i == from + 1)
			return fail(x, t[i].s, "empty list (expected at least one value)");
		if (i + 1 < T->n)
			return fail(x, t[i + 1].s, "unexpected word after the list (expected end of line)");
		*first = from + 1;
		*count = i - from - 1;
		return 0;
	}
	if (!t[from].quoted && strcmp(t[from].s, "]") == 0)
		return fail(x, t[from].s, "']' without '[' (expected a value)");
	if (from + 1 < T->n)
		return fail(x, t[from + 1].s, "unexpected word after the value (expected end of line)");
	*first = from;
	*count = 1;
	return 0;
}

static int add_addrs(struct sw_cidr *list, uint8_t *n, const char *what, const char *rname,
		     const struct toks *T, unsigned first, unsigned count, const struct ctx *x)
{
	for (unsigned k = first; k < first + count; k++) {
		const char *s = T->t[k].s;
		struct sw_cidr cidr;
		if (strcmp(s, "any") == 0) {
			/* `any` means "no constraint", i.e. the empty list */
			if (count > 1)
				return fail(x, s, "'any' cannot be combined with addresses "
						  "(expected addresses only, or 'any' alone)");
			*n = 0;
			memset(list, 0, SW_RULE_ADDRS * sizeof(*list));
			return 0;
		}
		if (sw_cidr_parse(&cidr, s) != 0)
			return fail(x, s, "not an address (expected a.b.c.d[/n], an IPv6 "
					  "address[/n] or 'any')");
		unsigned j;
		for (j = 0; j < *n; j++)
			if (memcmp(&list[j], &cidr, sizeof(cidr)) == 0)
				break;
		if (j < *n)
			continue; /* a member list is a set; repeats are harmless */
		if (*n >= SW_RULE_ADDRS)
			return fail(x, s, "rule '%s' would have more than %d %s addresses", rname,
				    SW_RULE_ADDRS, what);
		memcpy(&list[(*n)++], &cidr, sizeof(cidr));
	}
	return 0;
}

static int parse_port(const char *s, size_t len, uint16_t *out)
{
	uint32_t v = 0;
	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int swc_add_port_token(struct sw_port_range *list, uint8_t *n, unsigned max, const char *what,
		       int no_overlap, const char *s, const struct ctx *x)
{
	/* comma list of N or N-M */
	const char *p = s;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t elen = end ? (size_t)(end - p) : strlen(p);
		const char *dash = memchr(p, '-', elen);
		struct sw_port_range pr = {0, 0};
		int bad;

		if (dash) {
			bad = parse_port(p, (size_t)(dash - p), &pr.lo) ||
			      parse_port(dash + 1, elen - (size_t)(dash - p) - 1, &pr.hi);
		} else {
			bad = parse_port(p, elen, &pr.lo);
			pr.hi = pr.lo;
		}
		if (bad)
			return fail(x, s, "'%.*s' is not a port (expected N, N-M or a comma "
					  "list of them, ports 0..65535)",
				    (int)(elen > 32 ? 32 : elen), p);
		if (pr.lo > pr.hi)
			return fail(x, s, "port range %u-%u is backwards (expected low-high)", pr.lo,
				    pr.hi);
		unsigned j;
		for (j = 0; j < *n; j++) {
			if (list[j].lo == pr.lo && list[j].hi == pr.hi)
				break;
			if (no_overlap && pr.lo <= list[j].hi && list[j].lo <= pr.hi)
				return fail(x, s, "%s: range %u-%u overlaps %u-%u (expected "
						  "disjoint ranges)",
					    what, pr.lo, pr.hi, list[j].lo, list[j].hi);
		}
		if (j == *n) {
			if (*n >= max)
				return fail(x, s, "%s would have more than %u ranges", what, max);
			list[(*n)++] = pr;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

static int add_ports(struct sw_rule *r, const struct toks *T, unsigned first, unsigned count,
		     const struct ctx *x)
{
	char what[SW_RULE_NAME_MAX + 32];

	snprintf(what, sizeof(what), "rule '%s' destination-port", r->name);
	for (unsigned k = first; k < first + count; k++) {
		const char *s = T->t[k].s;
		if (strcmp(s, "any") == 0) {
			if (count > 1)
				return fail(x, s, "'any' cannot be combined with ports "
						  "(expected ports only, or 'any' alone)");
			r->ndport = 0;
			memset(r->dport, 0, sizeof(r->dport));
			return 0;
		}
		if (swc_add_port_token(r->dport, &r->ndport, SW_RULE_PORTS, what, 0, s, x) != 0)
			return -EINVAL;
	}
	return 0;
}

/* A rule's `service`: `any` (no constraint) or services by name. */
static int set_services(struct sw_conf *c, struct sw_rule *r, const struct toks *T,
			unsigned first, unsigned count, const struct ctx *x)
{
	uint8_t list[SW_RULE_SERVICES];
	unsigned n = 0;

	for (unsigned k = first; k < first + count; k++) {
		const char *s = T->t[k].s;
		if (strcmp(s, "any") == 0 || strcmp(s, "application-default") == 0) {
			if (count > 1)
				return fail(x, s, "'%s' cannot be combined with services (expected "
						  "services only, or '%s' alone)", s, s);
			r->nsvc = 0;
			r->appdef = s[0] == 'a' && s[1] == 'p';
			memset(r->svc, 0, sizeof(r->svc));
			return 0;
		}
		int i = swc_find_service(c, s);
		if (i < 0 && (i = swc_find_group(c, s)) >= 0)
			i += SW_SVC_GROUP_BASE;
		if (i < 0)
			return fail(x, s, "unknown service (expected the name of a service or "
					  "service-group set before this line, or any)");
		unsigned j;
		for (j = 0; j < n && list[j] != i; j++)
			;
		if (j < n)
			continue;
		if (n >= SW_RULE_SERVICES)
			return fail(x, s, "rule '%s' would have more than %d services", r->name,
				    SW_RULE_SERVICES);
		list[n++] = (uint8_t)i;
	}
	memset(r->svc, 0, sizeof(r->svc));
	memcpy(r->svc, list, n);
	r->nsvc = (uint8_t)n;
	r->appdef = 0;
	return 0;
}

static int parse_proto(const char *s, int16_t *out)
{
	int p;

	if (strcmp(s, "any") == 0) {
		*out = -1;
		return 0;
	}
	p = sw_proto_lookup(s); /* the one protocol table, util/names.c */
	if (p < 0)
		return -1;
	*out = (int16_t)p;
	return 0;
}

static void track_rule_removed(struct track *tr, unsigned idx, unsigned n)
{
	memmove(&tr->rule[idx], &tr->rule[idx + 1], (n - idx - 1) * sizeof(tr->rule[0]));
	memmove(&tr->rule_pp[idx], &tr->rule_pp[idx + 1], (n - idx - 1) * sizeof(tr->rule_pp[0]));
	tr->rule[n - 1] = tr->rule_pp[n - 1] = 0;
}

static void reset_field(struct sw_rule *r, int f)
{
	switch (f) {
	case F_SOURCE:
		r->nsrc = 0;
		memset(r->src, 0, sizeof(r->src));
		break;
	case F_DESTINATION:
		r->ndst = 0;
		memset(r->dst, 0, sizeof(r->dst));
		break;
	case F_PROTOCOL:
		r->proto = -1;
		break;
	case F_DPORT:
		r->ndport = 0;
		memset(r->dport, 0, sizeof(r->dport));
		break;
	case F_ACTION:
		r->action = 0;
		r->has_action = 0;
		break;
	case F_SERVICE:
		r->nsvc = 0;
		r->appdef = 0;
		memset(r->svc, 0, sizeof(r->svc));
		break;
	case F_RESET:
		r->reset = 0;
		break;
	}
}

/* `set rulebase security rules R timeout-NAME S` / `delete ... R timeout-NAME`. */
static int rule_timeout(struct sw_conf *c, const struct toks *T, int idx, int del,
			const struct ctx *x)
{
	const struct tok *t = T->t;
	const char *w = t[5].s;
	int tm = -1;
	uint32_t v = 0;

	for (int i = 0; i < SW_TO_MAX; i++)
		if (strcmp(w, sw_timeout_info[i].name) == 0)
			tm = i;
	if (tm < 0)
		return fail(x, w, "unknown timer (expected one of the timeout-* session settings, "
				  "e.g. timeout-tcp-half-closed)");
	if (idx < 0 && del)
		return fail(x, t[4].s, "no such rule (expected the name of an existing rule)");
	if (del) {
		if (T->n > 6)
			return fail(x, t[6].s, "unexpected word (expected end of line)");
		c->rules[idx].timeout[tm] = 0;
		return 0;
	}
	if (T->n < 7)
		return fail(x, w, "missing value (expected seconds)");
	if (T->n > 7)
		return fail(x, t[7].s, "unexpected word after the value (expected end of line)");
	const char *vs = t[6].s;
	size_t n = strlen(vs);
	int bad = n == 0 || n > 10;
	for (size_t i = 0; i < n && !bad; i++) {
		bad = vs[i] < '0' || vs[i] > '9';
		v = v * 10 + (uint32_t)(vs[i] - '0');
	}
	if (bad || v < sw_timeout_info[tm].min || v > sw_timeout_info[tm].max)
		return fail(x, vs, "%s out of range (expected %u..%u seconds)", w,
			    (unsigned)sw_timeout_info[tm].min, (unsigned)sw_timeout_info[tm].max);
	if (idx < 0) {
		if (c->nrules >= SW_RULES_MAX)
			return fail(x, t[4].s, "too many rules (expected at most %d)", SW_RULES_MAX);
		idx = (int)c->nrules++;
		memset(&c->rules[idx], 0, sizeof(c->rules[idx]));
		memcpy(c->rules[idx].name, t[4].s, strlen(t[4].s) + 1);
		c->rules[idx].proto = -1;
		if (x->tr)
			x->tr->rule[idx] = x->line;
	}
	c->rules[idx].timeout[tm] = v;
	return 0;
}

static int do_rule(struct sw_conf *c, const struct toks *T, int del, const struct ctx *x)
{
	const struct tok *t = T->t;
	if (T->n < 5)
		return fail(x, t[T->n - 1].s, "missing rule name (expected a name)");
	const char *name = t[4].s;
	if (!swc_rule_name_ok(name))
		return fail(x, name, "invalid rule name (expected 1..%d letters, digits, spaces, "
				     "'-', '_' or '.', starting with a letter or digit)",
			    SW_RULE_NAME_MAX - 1);

	int idx = find_rule(c, name);
	int f = -1;
	if (T->n >= 6 && strncmp(t[5].s, "timeout-", 8) == 0)
		return rule_timeout(c, T, idx, del, x);
	if (T->n >= 6) {
		f = find_field(t[5].s);
		if (f < 0) {
			unsigned best = 0, bestd = ~0u;
			for (unsigned i = 0; i < F_MAX; i++) {
				unsigned d = swc_edit_distance(t[5].s, field_names[i]);
				if (d < bestd)
					bestd = d, best = i;
			}
			return fail(x, t[5].s, "unknown rule field (did you mean '%s'? expected "
					       "source, destination, protocol, destination-port, "
					       "action, service, reset-on-expiry or timeout-NAME)",
				    field_names[best]);
		}
	}

	if (del) {
		if (idx < 0)
			return fail(x, name, "no such rule (expected the name of an existing rule)");
		if (T->n > 6)
			return fail(x, t[6].s, "unexpected word (expected end of line)");
		if (f >= 0) {
			reset_field(&c->rules[idx], f);
			if (x->tr && (f == F_PROTOCOL || f == F_DPORT))
				x->tr->rule_pp[idx] = x->line;
			return 0;
		}
		unsigned n = c->nrules;
		memmove(&c->rules[idx], &c->rules[idx + 1], (n - (unsigned)idx - 1) * sizeof(c->rules[0]));
		/* keep unused slots zeroed: sw_conf_write/load round trips compare bytes */
		memset(&c->rules[n - 1], 0, sizeof(c->rules[0]));
		c->nrules--;
		if (x->tr)
			track_rule_removed(x->tr, (unsigned)idx, n);
		return 0;
	}

	if (f < 0)
		return fail(x, name, "missing field (expected source, destination, protocol, "
				     "destination-port, action, service, reset-on-expiry or "
				     "timeout-NAME)");
	if (idx < 0 && c->nrules >= SW_RULES_MAX)
		return fail(x, name, "too many rules (expected at most %d)", SW_RULES_MAX);

	/* Work on a copy; the caller's rule changes only if the whole line is good. */
	struct sw_rule r;
	if (idx >= 0) {
		memcpy(&r, &c->rules[idx], sizeof(r));
	} else {
		memset(&r, 0, sizeof(r));
		memcpy(r.name, name, strlen(name) + 1);
		r.proto = -1;
	}

	unsigned first = 0, count = 0;
	int list_ok = f == F_SOURCE || f == F_DESTINATION || f == F_DPORT || f == F_SERVICE;
	if (swc_value_items(T, 6, &first, &count, list_ok, x) != 0)
		return -EINVAL;
	const char *v = t[first].s;

	switch (f) {
	case F_SOURCE:
		if (add_addrs(r.src, &r.nsrc, "source", r.name, T, first, count, x) != 0)
			return -EINVAL;
		break;
	case F_DESTINATION:
		if (add_addrs(r.dst, &r.ndst, "destination", r.name, T, first, count, x) != 0)
			return -EINVAL;
		break;
	case F_DPORT:
		if (add_ports(&r, T, first, count, x) != 0)
			return -EINVAL;
		break;
	case F_SERVICE:
		if (set_services(c, &r, T, first, count, x) != 0)
			return -EINVAL;
		break;
	case F_PROTOCOL:
		if (parse_proto(v, &r.proto) != 0)
			return fail(x, v, "unknown protocol (expected tcp, udp, icmp, icmp6, "
					  "ipv6-icmp, any or a number 0..255)");
		break;
	case F_ACTION:
		if (strcmp(v, "allow") == 0)
			r.action = SW_ACT_ALLOW;
		else if (strcmp(v, "deny") == 0)
			r.action = SW_ACT_DENY;
		else
			return fail(x, v, "unknown action (expected allow or deny)");
		r.has_action = 1;
		break;
	case F_RESET: {
		unsigned m = 0;
		while (m < SW_RST_MODES && strcmp(v, sw_reset_words[m]) != 0)
			m++;
		if (m == SW_RST_MODES)
			return fail(x, v, "unknown reset-on-expiry (expected none, half-closed or all)");
		r.reset = (uint8_t)(m + 1);
		break;
	}
	}

	if (idx < 0) {
		idx = (int)c->nrules++;
		if (x->tr)
			x->tr->rule[idx] = x->line;
	}
	memcpy(&c->rules[idx], &r, sizeof(r));
	if (x->tr && (f == F_PROTOCOL || f == F_DPORT))
		x->tr->rule_pp[idx] = x->line;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Lines                                                                    */

static int apply(struct sw_conf *c, const char *text, size_t len, const struct ctx *x)
{
	/* struct toks is ~10 KiB: too big for comfort on small thread stacks */
	struct toks *T = malloc(sizeof(*T));
	int rc;

	if (!T) {
		if (x->err && x->errlen)
			snprintf(x->err, x->errlen, "%s:%d: out of memory", x->file, x->line);
		return -ENOMEM;
	}
	rc = tokenize(text, len, T, x);
	if (rc != 0 || T->n == 0)
		goto out;

	const struct tok *t = T->t;
	int del;
	if (strcmp(t[0].s, "set") == 0) {
		del = 0;
	} else if (strcmp(t[0].s, "delete") == 0) {
		del = 1;
	} else {
		rc = fail(x, t[0].s, "unknown command (expected 'set' or 'delete')");
		goto out;
	}
	if (T->n < 2) {
		rc = fail(x, t[0].s, "incomplete line (expected 'deviceconfig', 'rulebase' or "
				     "'service')");
	} else if (strcmp(t[1].s, "deviceconfig") == 0) {
		if (T->n >= 3 && strcmp(t[2].s, "system") == 0)
			rc = swc_do_system(c, T, del, x);
		else if (T->n < 3 || strcmp(t[2].s, "setting") != 0)
			rc = fail(x, t[T->n < 3 ? 1 : 2].s, "%s (expected 'setting' or 'system')",
				  T->n < 3 ? "incomplete line" : "unknown word");
		else if (T->n < 4 || strcmp(t[3].s, "session") != 0)
			rc = fail(x, t[T->n < 4 ? 2 : 3].s, "%s (expected 'session')",
				  T->n < 4 ? "incomplete line" : "unknown word");
		else
			rc = do_session(c, T, del, x);
	} else if (strcmp(t[1].s, "rulebase") == 0) {
		if (T->n < 3 || strcmp(t[2].s, "security") != 0)
			rc = fail(x, t[T->n < 3 ? 1 : 2].s, "%s (expected 'security')",
				  T->n < 3 ? "incomplete line" : "unknown word");
		else if (T->n < 4 || strcmp(t[3].s, "rules") != 0)
			rc = fail(x, t[T->n < 4 ? 2 : 3].s, "%s (expected 'rules')",
				  T->n < 4 ? "incomplete line" : "unknown word");
		else
			rc = do_rule(c, T, del, x);
	} else if (strcmp(t[1].s, "service") == 0) {
		rc = swc_do_service(c, T, del, x);
	} else if (strcmp(t[1].s, "service-group") == 0) {
		rc = swc_do_group(c, T, del, x);
	} else if (strcmp(t[1].s, "application") == 0) {
		rc = swc_do_app(c, T, del, x);
	} else {
		rc = fail(x, t[1].s, "unknown word (expected 'deviceconfig', 'rulebase', "
				     "'service', 'service-group' or 'application')");
	}
out:
	free(T);
	return rc;
}

int sw_conf_apply_line(struct sw_conf *c, const char *text, const char *file, int line,
		       char *err, size_t errlen)
{
	struct ctx x = {.file = file ? file : "-", .line = line, .err = err, .errlen = errlen};
	return apply(c, text, strlen(text), &x);
}

int sw_conf_apply_kv(struct sw_conf *c, const char *kv, char *err, size_t errlen)
{
	struct ctx x = {.file = "--set", .line = 0, .err = err, .errlen = errlen};
	const char *eq = strchr(kv, '=');
	char name[64];

	if (!eq || eq == kv)
		return fail(&x, kv, "expected NAME=VALUE (e.g. timeout-tcpwait=60)");
	size_t nlen = (size_t)(eq - kv);
	if (nlen >= sizeof(name))
		nlen = sizeof(name) - 1; /* too long to be a name; still reported as unknown */
	memcpy(name, kv, nlen);
	name[nlen] = '\0';

	/*
	 * On the command line the "timeout-" prefix is optional and case does
	 * not matter (sw_timeout_lookup); other settings are matched without
	 * case too, for the same reason: it is typed, not written by a tool.
	 */
	int idx = -1, t = sw_timeout_lookup(name);
	if (t >= 0) {
		idx = swc_setting_find(sw_timeout_info[t].name);
	} else {
		for (unsigned i = 0; i < swc_nsettings; i++)
			if (strcasecmp(name, swc_settings[i].name) == 0)
				idx = (int)i;
	}
	if (idx < 0)
		return fail(&x, kv, "unknown session setting '%s' (did you mean '%s'?)", name,
			    swc_settings[swc_setting_closest(name)].name);

	const struct swc_setting *s = &swc_settings[idx];
	uint32_t v;
	if (parse_setting_value(s, eq + 1, kv, &v, &x) != 0)
		return -EINVAL;
	swc_set(c, s, v);
	return 0;
}

/* Report a problem of the final checks at the line that caused it. */
static int report_problem(const struct sw_conf *w, const struct swc_problem *p,
			  const struct track *tr, const struct ctx *x0, int *line)
{
	char what[512], num[16];
	struct ctx x = *x0;
	const char *tok = "";

	swc_problem_str(w, p, what, sizeof(what));
	x.line = 0;
	switch (p->kind) {
	case SWC_P_TIMEWAIT: {
		int lt = tr->setting[SW_TO_TCP_TIME_WAIT], lh = tr->setting[SW_TO_TCP_HALF_CLOSED];
		unsigned which = lt >= lh ? SW_TO_TCP_TIME_WAIT : SW_TO_TCP_HALF_CLOSED;
		x.line = lt >= lh ? lt : lh;
		snprintf(num, sizeof(num), "%u", (unsigned)w->timeout[which]);
		tok = num;
		break;
	}
	case SWC_P_NO_ACTION:
		x.line = tr->rule[p->rule];
		tok = w->rules[p->rule].name;
		break;
	case SWC_P_PORT_PROTO:
		x.line = tr->rule_pp[p->rule];
		tok = w->rules[p->rule].name;
		break;
	case SWC_P_SVC_NOPORT:
		x.line = tr->svc[p->rule];
		tok = w->services[p->rule].name;
		break;
	case SWC_P_APP_NOPORT:
		x.line = tr->app[p->rule];
		tok = w->apps[p->rule].name;
		break;
	default:
		break;
	}
	*line = x.line;
	if (x.err && x.errlen) {
		/* a problem inherited from the caller's struct has no line in this file */
		if (x.line > 0)
			return fail(&x, tok, "%s", what);
		snprintf(x.err, x.errlen, "%s: %s", x.file, what);
	}
	return -EINVAL;
}

int sw_conf_load_buf(struct sw_conf *c, const char *buf, size_t len, const char *file,
		     char *err, size_t errlen)
{
	int line;

	return sw_conf_load_buf_at(c, buf, len, file, &line, err, errlen);
}

int sw_conf_load_buf_at(struct sw_conf *c, const char *buf, size_t len, const char *file,
			int *line, char *err, size_t errlen)
{
	struct ctx x = {.file = file ? file : "-", .err = err, .errlen = errlen};
	struct sw_conf *w = malloc(sizeof(*w));
	struct track *tr = calloc(1, sizeof(*tr));
	int rc = 0;

	*line = 0;
	if (!w || !tr) {
		free(w);
		free(tr);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", x.file);
		return -ENOMEM;
	}
	memcpy(w, c, sizeof(*w));
	x.tr = tr;

	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		x.line++;
		rc = apply(w, buf + pos, llen, &x);
		if (rc != 0) {
			*line = x.line;
			goto out;
		}
		pos += llen + 1;
	}

	struct swc_problem p;
	swc_check(w, &p);
	if (p.kind != SWC_OK) {
		rc = report_problem(w, &p, tr, &x, line);
		goto out;
	}
	memcpy(c, w, sizeof(*c));
out:
	free(w);
	free(tr);
	return rc;
}

int sw_conf_load(struct sw_conf *c, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (fd < 0) {
		rc = -errno;
		goto fail_errno;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto fail_errno;
	}
	/* read to EOF rather than trusting st_size: pipes and /proc files lie */
	for (;;) {
		if (len == cap) {
			if (cap >= SWC_FILE_MAX) {
				rc = -EFBIG;
				if (err && errlen)
					snprintf(err, errlen, "%s: file larger than %u bytes", path,
						 SWC_FILE_MAX);
				goto out;
			}
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				rc = -ENOMEM;
				goto fail_errno;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto fail_errno;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	rc = sw_conf_load_buf(c, buf, len, path, err, errlen);
	goto out;

fail_errno:
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}
