/*
 * system.c - the daemon's own settings, `set deviceconfig system NAME VALUE`
 * (struct sw_sys_conf): the virtual wire's interfaces, the HTTP listen
 * address, the control socket, the session log and the credential files.
 * One table gives each its field, kind and help to the parser, the writer
 * and the docs (`statewall reference`, the man pages).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>

#include "conf-int.h"

enum sys_kind {
	SYS_PATH,  /* an absolute path: no spaces, quotes or control characters */
	SYS_ADDR,  /* ADDR:PORT, [V6]:PORT */
	SYS_IFPAIR /* [ IF_A IF_B ]: two different interface names */
};

struct sys_row {
	const char *name, *value, *help;
	unsigned kind;
	size_t off, size;
};

#define ROW(n, k, f, v, h) {n, v, h, k, offsetof(struct sw_sys_conf, f), sizeof(((struct sw_sys_conf *)0)->f)}
static const struct sys_row rows[] = {
	{"vwire", "[ <if-a> <if-b> ]", "the two interfaces `statewall run` bridges (`--vwire A,B`)",
	 SYS_IFPAIR, offsetof(struct sw_sys_conf, vwire), sizeof(((struct sw_sys_conf *)0)->vwire)},
	ROW("http-listen", SYS_ADDR, http_listen, "<addr:port>",
	    "serve the web UI and REST API there (`--http`); not set: off"),
	ROW("ctl-socket", SYS_PATH, ctl_socket, "<path>",
	    "the control socket (`--ctl`; default /run/statewall/statewall.sock)"),
	ROW("log-file", SYS_PATH, log_file, "<path>",
	    "the session log, one JSON object per ended session (`--log`); SIGHUP reopens it"),
	ROW("http-auth-file", SYS_PATH, http_auth, "<path>",
	    "administrator password hash (`--http-auth`; default /etc/statewall/admin.hash)"),
	ROW("http-keys-file", SYS_PATH, http_keys, "<path>",
	    "REST API keys (`--http-keys`; default /etc/statewall/api-keys)"),
	ROW("tls-cert-file", SYS_PATH, tls_cert, "<path>", "PEM certificate for HTTPS (`--tls-cert`)"),
	ROW("tls-key-file", SYS_PATH, tls_key, "<path>", "PEM private key for HTTPS (`--tls-key`)"),
};
#undef ROW
#define NROWS (sizeof(rows) / sizeof(rows[0]))

unsigned sw_conf_nsys(void)
{
	return NROWS;
}

int sw_conf_sys(unsigned i, struct sw_sys_info *out)
{
	if (i >= NROWS)
		return -ENOENT;
	out->name = rows[i].name;
	out->value = rows[i].value;
	out->help = rows[i].help;
	return 0;
}

static int path_ok(const char *s)
{
	if (s[0] != '/')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '"' || *s == '\'' || *s == '#' || *s == 0x7f)
			return 0;
	return 1;
}

/* What `statewall run` will parse (http.c): a host or [v6], ':', a port 1-65535. */
static int addr_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (!colon || colon == s)
		return 0;
	for (const char *p = s; p < colon; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '\'' || *p == '#')
			return 0;
	port = strtol(colon + 1, &end, 10);
	return *end == '\0' && end != colon + 1 && port >= 1 && port <= 65535;
}

static int ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= SW_SYS_IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '/' || *s == ':' || *s == '"' || *s == '\'' ||
		    *s == '#' || *s == '[' || *s == ']' || *s == 0x7f)
			return 0;
	return 1;
}

static int set_ifpair(struct sw_sys_conf *sys, const struct toks *T, const struct ctx *x)
{
	const struct tok *t = T->t;
	unsigned first, count;

	if (swc_value_items(T, 4, &first, &count, 1, x) != 0)
		return -EINVAL;
	if (count != 2)
		return fail(x, t[count < 2 ? first + count - 1 : first + 2].s,
			    "vwire takes two interfaces (expected [ IF_A IF_B ])");
	for (unsigned i = 0; i < 2; i++)
		if (!ifname_ok(t[first + i].s))
			return fail(x, t[first + i].s, "not an interface name (1-%d characters, no "
						       "spaces, '/' or ':')", SW_SYS_IFNAME_MAX - 1);
	if (strcmp(t[first].s, t[first + 1].s) == 0)
		return fail(x, t[first + 1].s, "vwire needs two different interfaces");
	memset(sys->vwire, 0, sizeof(sys->vwire));
	for (unsigned i = 0; i < 2; i++)
		memcpy(sys->vwire[i], t[first + i].s, strlen(t[first + i].s));
	return 0;
}

int swc_do_system(struct sw_conf *c, const struct toks *T, int del, const struct ctx *x)
{
	const struct tok *t = T->t;
	const struct sys_row *r = NULL;
	char *field;

	if (T->n < 4)
		return fail(x, t[2].s, "missing setting name (expected e.g. 'vwire' or 'log-file')");
	for (unsigned i = 0; i < NROWS; i++)
		if (strcmp(t[3].s, rows[i].name) == 0)
			r = &rows[i];
	if (!r) {
		char list[256] = "";
		for (unsigned i = 0; i < NROWS; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s'%s'",
				 i ? ", " : "", rows[i].name);
		return fail(x, t[3].s, "unknown system setting (expected %s)", list);
	}
	field = (char *)&c->sys + r->off;
	if (del) {
		if (T->n > 4)
			return fail(x, t[4].s, "unexpected word after the setting name "
					       "(expected end of line)");
		memset(field, 0, r->size);
		return 0;
	}
	if (r->kind == SYS_IFPAIR)
		return set_ifpair(&c->sys, T, x);
	if (T->n < 5)
		return fail(x, t[3].s, "missing value (expected %s)", r->value);
	if (!t[4].quoted && (strcmp(t[4].s, "[") == 0 || strcmp(t[4].s, "]") == 0))
		return fail(x, t[4].s, "a list is not allowed here (expected one value)");
	if (T->n > 5)
		return fail(x, t[5].s, "unexpected word after the value (expected end of line)");
	if (strlen(t[4].s) >= r->size)
		return fail(x, t[4].s, "%s is too long (at most %zu characters)", r->name, r->size - 1);
	if (r->kind == SYS_PATH && !path_ok(t[4].s))
		return fail(x, t[4].s, "%s must be an absolute path without spaces, quotes or '#'",
			    r->name);
	if (r->kind == SYS_ADDR && !addr_ok(t[4].s))
		return fail(x, t[4].s, "%s must be ADDR:PORT (port 1-65535, e.g. 127.0.0.1:8080)",
			    r->name);
	memset(field, 0, r->size);
	memcpy(field, t[4].s, strlen(t[4].s));
	return 0;
}

void swc_write_system(const struct sw_conf *c, FILE *out)
{
	for (unsigned i = 0; i < NROWS; i++) {
		const char *field = (const char *)&c->sys + rows[i].off;
		if (rows[i].kind == SYS_IFPAIR) {
			if (c->sys.vwire[0][0] && c->sys.vwire[1][0])
				fprintf(out, "set deviceconfig system vwire [ %.*s %.*s ]\n",
					SW_SYS_IFNAME_MAX - 1, c->sys.vwire[0], SW_SYS_IFNAME_MAX - 1,
					c->sys.vwire[1]);
		} else if (field[0]) {
			/* "[::1]:8080": brackets are list words unless quoted */
			const char *q = strpbrk(field, "[]") ? "\"" : "";
			fprintf(out, "set deviceconfig system %s %s%.*s%s\n", rows[i].name, q,
				(int)rows[i].size - 1, field, q);
		}
	}
}
