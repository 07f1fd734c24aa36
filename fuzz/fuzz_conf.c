/*
 * fuzz_conf.c - libFuzzer harness for the configuration language.
 *
 * Properties checked on every input (abort() on violation, so libFuzzer
 * keeps the input):
 *   1. all or nothing: a load that fails leaves the struct byte-identical;
 *   2. round trip: a load that succeeds, written by sw_conf_write (diff-only
 *      and full) and loaded again onto defaults, gives the identical struct,
 *      and writing that gives the identical text (the canonical form is a
 *      fixed point);
 *   3. the loaded struct passes sw_conf_validate;
 *   4. --set: the first line as NAME=VALUE either applies or changes nothing;
 *   5. a failed load reports a line of the input, the one its message names
 *      (sw_conf_load_buf_at; commit uses it to name the operator's line).
 * Seeds: the .conf files in tests/data.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* open_memstream when built by hand without CMake */
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statewall/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail, const char *text)
{
	fprintf(stderr, "fuzz_conf: %s\n%s\n--- text ---\n%s\n", what, detail ? detail : "",
		text ? text : "");
	abort();
}

/* Field by field, so a failure says what differs; then bytes, padding included. */
static void check_equal(const struct sw_conf *a, const struct sw_conf *b, const char *text)
{
	char what[256];
	for (unsigned t = 0; t < SW_TO_MAX; t++)
		if (a->timeout[t] != b->timeout[t]) {
			snprintf(what, sizeof(what), "%s: %u != %u", sw_timeout_name(t),
				 (unsigned)a->timeout[t], (unsigned)b->timeout[t]);
			die("round trip changed a timeout", what, text);
		}
	if (a->max_sessions != b->max_sessions || a->max_tombstones != b->max_tombstones ||
	    a->tombstone_ttl != b->tombstone_ttl || a->half_close_mode != b->half_close_mode ||
	    a->tcp_reject_non_syn != b->tcp_reject_non_syn ||
	    a->tcp_window_check != b->tcp_window_check ||
	    a->tcp_checksum_check != b->tcp_checksum_check || a->default_action != b->default_action)
		die("round trip changed a session setting", NULL, text);
	if (a->nrules != b->nrules) {
		snprintf(what, sizeof(what), "%u rules != %u", (unsigned)a->nrules,
			 (unsigned)b->nrules);
		die("round trip changed the rule count", what, text);
	}
	for (unsigned i = 0; i < a->nrules && i < SW_RULES_MAX; i++) {
		const struct sw_rule *x = &a->rules[i], *y = &b->rules[i];
		if (strncmp(x->name, y->name, SW_RULE_NAME_MAX) != 0 || x->nsrc != y->nsrc ||
		    x->ndst != y->ndst || x->ndport != y->ndport || x->proto != y->proto ||
		    x->action != y->action || x->has_action != y->has_action) {
			snprintf(what, sizeof(what), "rule #%u '%.63s'", i + 1, x->name);
			die("round trip changed a rule", what, text);
		}
		for (unsigned k = 0; k < x->nsrc && k < SW_RULE_ADDRS; k++)
			if (memcmp(&x->src[k].addr, &y->src[k].addr, sizeof(x->src[k].addr)) ||
			    x->src[k].plen != y->src[k].plen)
				die("round trip changed a source address", x->name, text);
		for (unsigned k = 0; k < x->ndst && k < SW_RULE_ADDRS; k++)
			if (memcmp(&x->dst[k].addr, &y->dst[k].addr, sizeof(x->dst[k].addr)) ||
			    x->dst[k].plen != y->dst[k].plen)
				die("round trip changed a destination address", x->name, text);
		for (unsigned k = 0; k < x->ndport && k < SW_RULE_PORTS; k++)
			if (x->dport[k].lo != y->dport[k].lo || x->dport[k].hi != y->dport[k].hi)
				die("round trip changed a port range", x->name, text);
	}
	if (memcmp(a, b, sizeof(*a)) != 0)
		die("round trip: structs differ in bytes (padding or unused slots)", NULL, text);
}

static char *write_text(const struct sw_conf *c, int full)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	sw_conf_write(c, f, full);
	if (fclose(f) != 0)
		abort();
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_conf *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *d = malloc(sizeof(*d));
	char err[512];

	if (!a || !b || !d)
		abort();
	sw_conf_defaults(a);
	sw_conf_defaults(d);

	int line = -1;
	if (sw_conf_load_buf_at(a, (const char *)data, size, "fuzz", &line, err, sizeof(err)) != 0) {
		char pre[32];
		size_t lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		if (memcmp(a, d, sizeof(*a)) != 0)
			die("failed load changed the struct", err, NULL);
		if (err[0] == '\0')
			die("failed load without a message", NULL, NULL);
		/* the line reported is one of the input's, and the one the message names */
		snprintf(pre, sizeof(pre), "fuzz:%d:", line);
		if (line < 0 || (size_t)line > lines || (line > 0 && strncmp(err, pre, strlen(pre)) != 0))
			die("error line does not match the message", err, pre);
	} else {
		if (sw_conf_validate(a, err, sizeof(err)) != 0)
			die("loaded struct does not validate", err, NULL);
		for (int full = 0; full <= 1; full++) {
			char *text = write_text(a, full);
			sw_conf_defaults(b);
			if (sw_conf_load_buf(b, text, strlen(text), "written", err, sizeof(err)) != 0)
				die("canonical text refused", err, text);
			check_equal(a, b, text);
			char *again = write_text(b, full);
			if (strcmp(text, again) != 0)
				die("canonical text is not a fixed point", again, text);
			free(again);
			free(text);
		}
	}

	/* the first line, as --set NAME=VALUE */
	size_t n = 0;
	while (n < size && n < 256 && data[n] != '\n' && data[n] != '\0')
		n++;
	char kv[257];
	memcpy(kv, data, n);
	kv[n] = '\0';
	sw_conf_defaults(b);
	if (sw_conf_apply_kv(b, kv, err, sizeof(err)) != 0 && memcmp(b, d, sizeof(*b)) != 0)
		die("failed --set changed the struct", err, kv);

	free(a);
	free(b);
	free(d);
	return 0;
}
