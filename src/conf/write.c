/*
 * write.c - canonical output and atomic save.
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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf-int.h"

static void write_setting(const struct sw_conf *c, const struct swc_setting *s, FILE *out)
{
	uint32_t v = swc_get(c, s);
	if (s->kind == SWC_WORD && v <= s->max)
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

static void write_rule(const struct sw_rule *r, FILE *out)
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
	unsigned n = c->nrules < SW_RULES_MAX ? c->nrules : SW_RULES_MAX;
	for (unsigned i = 0; i < n; i++)
		write_rule(&c->rules[i], out);
}

/*
 * Atomic replace: the new text goes to a temporary file in the same
 * directory (rename is only atomic within one file system), is fsync'd so
 * the rename cannot expose an empty file after a crash, then renamed over
 * PATH; the directory is fsync'd so the rename itself is durable.  Until the
 * rename, PATH keeps its old content; after any failure the temporary file
 * is removed.
 */
int sw_conf_save(const struct sw_conf *c, const char *path, char *err, size_t errlen)
{
	char what[512];
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof(".tmp.XXXXXX"));
	char *dir = malloc(plen + 2);
	FILE *f = NULL;
	int fd = -1, dfd = -1, rc = 0;
	const char *step = "";

	if (tmp)
		tmp[0] = '\0'; /* the cleanup below unlinks tmp only once it names a file */
	if (!tmp || !dir) {
		rc = -ENOMEM;
		step = "cannot allocate memory";
		goto fail;
	}
	/* an invalid struct would be written, then refused at the next load */
	if (sw_conf_validate(c, what, sizeof(what)) != 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: not saved: %s", path, what);
		rc = -EINVAL;
		goto out;
	}

	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	const char *slash = strrchr(path, '/');
	if (!slash) {
		strcpy(dir, ".");
	} else if (slash == path) {
		strcpy(dir, "/");
	} else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}

	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		step = "cannot create a temporary file";
		tmp[0] = '\0'; /* nothing to unlink */
		goto fail;
	}
	/*
	 * mkstemp makes the file 0600; keep the mode of the file we replace,
	 * or use 0644 for a new one (configuration is not secret, and the
	 * daemon and tools may run as different users).
	 */
	struct stat st;
	mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644;
	if (fchmod(fd, mode) != 0) {
		rc = -errno;
		step = "cannot set the mode of the temporary file";
		goto fail;
	}
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		step = "cannot open the temporary file";
		goto fail;
	}
	fd = -1; /* owned by f now */

	fputs("# statewall configuration\n", f);
	sw_conf_write(c, f, 0);
	errno = 0;
	if (fflush(f) != 0 || ferror(f)) {
		rc = errno ? -errno : -EIO;
		step = "cannot write the temporary file";
		goto fail;
	}
	if (fsync(fileno(f)) != 0) {
		rc = -errno;
		step = "cannot fsync the temporary file";
		goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = -errno;
		step = "cannot close the temporary file";
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		rc = -errno;
		step = "cannot rename the temporary file over it";
		goto fail;
	}
	tmp[0] = '\0'; /* renamed: nothing left to clean up */

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		/* the new file is in place; only its durability is in doubt */
		rc = -errno;
		step = "saved, but cannot fsync the directory";
		goto fail;
	}
	goto out;

fail:
	if (err && errlen)
		snprintf(err, errlen, "%s: %s: %s", path, step, strerror(-rc));
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp && tmp[0])
		unlink(tmp);
	free(tmp);
	free(dir);
	return rc;
}
