/*
 * write.c - canonical output, and what a saved file holds (save.c writes it).
 *
 * The canonical form is what sw_conf_load_buf reads back into a struct that
 * is byte-for-byte the same (the fuzzer checks this): settings in table
 * order, then each rule in evaluation order, every field of a rule on its own
 * line, the first line creating the rule so the order survives.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* POSIX/GNU APIs when built outside CMake (fuzzing by hand) */
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf-int.h"

static void write_setting(const struct sw_conf *c, const struct swc_setting *s, FILE *out)
{
	uint32_t v = swc_get(c, s);
	char buf[128];

	if (s->kind == SWC_LIST)
		fprintf(out, "set deviceconfig setting session %s %s\n", s->name,
			swc_list_str(s, v, buf, sizeof(buf)));
	else if (s->kind == SWC_WORD && v <= s->max)
		fprintf(out, "set deviceconfig setting session %s %s\n", s->name, s->words[v]);
	else
		fprintf(out, "set deviceconfig setting session %s %u\n", s->name, (unsigned)v);
}

static void write_addrs(FILE *out, const char *prefix, const char *field,
			const struct sw_cidr *list, unsigned n)
{
	char buf[SWC_CIDRSTRLEN];
	if (n > SW_RULE_ADDRS)
		n = SW_RULE_ADDRS;
	fprintf(out, "%s %s ", prefix, field);
	if (n == 0) {
		fputs("any\n", out);
	} else if (n == 1) {
		fprintf(out, "%s\n", swc_cidr_str(&list[0], buf));
	} else {
		fputs("[", out);
		for (unsigned i = 0; i < n; i++)
			fprintf(out, " %s", swc_cidr_str(&list[i], buf));
		fputs(" ]\n", out);
	}
}

void sw_conf_write_rule(const struct sw_conf *c, const struct sw_rule *r, FILE *out)
{
	char prefix[SW_RULE_NAME_MAX + 32];
	/* names are [A-Za-z0-9 _.-] only, so quotes are the only escaping needed */
	int quote = strchr(r->name, ' ') != NULL;
	snprintf(prefix, sizeof(prefix), "set rulebase security rules %s%.*s%s", quote ? "\"" : "",
		 SW_RULE_NAME_MAX - 1, r->name, quote ? "\"" : "");

	write_addrs(out, prefix, "source", r->src, r->nsrc);
	write_addrs(out, prefix, "destination", r->dst, r->ndst);

	const char *pn = swc_proto_name(r->proto);
	if (pn)
		fprintf(out, "%s protocol %s\n", prefix, pn);
	else
		fprintf(out, "%s protocol %d\n", prefix, r->proto);

	fprintf(out, "%s destination-port ", prefix);
	unsigned n = r->ndport < SW_RULE_PORTS ? r->ndport : SW_RULE_PORTS;
	if (n == 0)
		fputs("any", out);
	for (unsigned i = 0; i < n; i++) {
		if (r->dport[i].lo == r->dport[i].hi)
			fprintf(out, "%s%u", i ? "," : "", r->dport[i].lo);
		else
			fprintf(out, "%s%u-%u", i ? "," : "", r->dport[i].lo, r->dport[i].hi);
	}
	fputc('\n', out);

	if (r->appdef)
		fprintf(out, "%s service application-default\n", prefix);
	if (r->nsvc) {
		char list[SW_RULE_SERVICES * (SW_RULE_NAME_MAX + 3) + 8];
		swc_rule_services_str(c, r, list, sizeof(list));
		fprintf(out, "%s service %s\n", prefix, list);
	}
	for (unsigned t = 0; t < SW_TO_MAX; t++)
		if (r->timeout[t])
			fprintf(out, "%s %s %u\n", prefix, sw_timeout_info[t].name,
				(unsigned)r->timeout[t]);
	if (r->reset)
		fprintf(out, "%s reset-on-expiry %s\n", prefix, sw_reset_words[(r->reset - 1) % SW_RST_MODES]);
	if (r->has_action)
		fprintf(out, "%s action %s\n", prefix, r->action == SW_ACT_DENY ? "deny" : "allow");
}

void sw_conf_write(const struct sw_conf *c, FILE *out, int full)
{
	for (unsigned i = 0; i < swc_nsettings; i++) {
		const struct swc_setting *s = &swc_settings[i];
		if (full || swc_get(c, s) != s->def)
			write_setting(c, s, out);
	}
	swc_write_system(c, out);
	swc_write_services(c, out);
	unsigned n = c->nrules < SW_RULES_MAX ? c->nrules : SW_RULES_MAX;
	for (unsigned i = 0; i < n; i++)
		sw_conf_write_rule(c, &c->rules[i], out);
}

/* What a saved file holds: a header line, then the non-default settings and the rules. */
static int fill_conf(FILE *f, const void *ctx)
{
	fputs("# statewall configuration\n", f);
	sw_conf_write(ctx, f, 0);
	return 0;
}

/* How the file is written (atomically, beside a link's target, ...) is save.c's. */
int sw_conf_save(const struct sw_conf *c, const char *path, char *err, size_t errlen)
{
	char what[512];

	/* an invalid struct would be written, then refused at the next load */
	if (sw_conf_validate(c, what, sizeof(what)) != 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: not saved: %s", path, what);
		return -EINVAL;
	}
	return swc_save_atomic(path, fill_conf, c, err, errlen);
}
