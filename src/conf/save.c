/*
 * save.c - how a configuration file is written (what goes in it is
 * write.c's): atomically, beside the real file, never over one the operator
 * made read-only, and with the reason when it cannot be.
 *
 *   1. The path is resolved through symbolic links (the last component, as
 *      many levels as there are): the new file is written and renamed in
 *      the target's directory, so a link stays a link and its target gets
 *      the new content.
 *   2. A target whose mode has no write bit (chmod 0444) is refused with
 *      -EACCES: root could write it, but the operator said not to.
 *   3. The text goes to TARGET.tmp.XXXXXX (mkstemp) in the same directory
 *      (rename is only atomic within one file system), with the target's
 *      mode and owner (0644 for a new file), is fsync'd so the rename
 *      cannot expose an empty file after a crash, then renamed over the
 *      target; the directory is fsync'd so the rename itself is durable.
 *      Until the rename the target keeps its old content; after any failure
 *      the temporary file is removed.
 *   4. A crash (kill -9, power) between mkstemp and rename leaves
 *      TARGET.tmp.XXXXXX behind: sw_conf_save_cleanup() removes such files,
 *      and the daemon calls it at start, before it loads the file.
 *
 * A full file system (ENOSPC, EDQUOT) is reported as such, whichever step
 * ran into it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf-int.h"

#define TMP_SUFFIX ".tmp."
#define TMP_XS "XXXXXX"

/*
 * The file path names once symbolic links are followed (malloc'd), or NULL
 * with -errno in *rc.  A path that does not exist yet is itself; a dangling
 * link is its target.  Relative link targets are relative to the link's
 * directory.
 */
static char *resolve(const char *path, int *rc)
{
	char *cur = strdup(path);

	for (int depth = 0; cur; depth++) {
		struct stat st;
		char buf[PATH_MAX];
		ssize_t n;

		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
			return cur;
		if (depth == 40) {
			free(cur);
			*rc = -ELOOP;
			return NULL;
		}
		n = readlink(cur, buf, sizeof(buf) - 1);
		if (n < 0) {
			*rc = -errno;
			free(cur);
			return NULL;
		}
		buf[n] = '\0';
		const char *slash = strrchr(cur, '/');
		char *next;
		if (buf[0] == '/' || !slash) {
			next = strdup(buf);
		} else {
			size_t dl = (size_t)(slash - cur) + 1;
			next = malloc(dl + (size_t)n + 1);
			if (next) {
				memcpy(next, cur, dl);
				memcpy(next + dl, buf, (size_t)n + 1);
			}
		}
		free(cur);
		cur = next;
	}
	*rc = -ENOMEM;
	return NULL;
}

/* The directory part of path ("." if none), malloc'd. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int full_fs(int rc)
{
	return rc == -ENOSPC || rc == -EDQUOT;
}

/* "PATH" or "PATH (-> TARGET)" when a link was followed. */
static void name_of(char *buf, size_t len, const char *path, const char *target)
{
	if (strcmp(path, target) == 0)
		snprintf(buf, len, "%s", path);
	else
		snprintf(buf, len, "%s (-> %s)", path, target);
}

int swc_save_atomic(const char *path, int (*fill)(FILE *f, const void *ctx), const void *ctx,
		    char *err, size_t errlen)
{
	char name[1024];
	char *target, *tmp = NULL, *dir = NULL;
	FILE *f = NULL;
	int fd = -1, dfd = -1, rc = 0;
	const char *step = "";
	struct stat st;
	mode_t mode = 0644;
	int exists;

	target = resolve(path, &rc);
	if (!target) {
		if (err && errlen)
			snprintf(err, errlen, "%s: not saved: cannot follow the link: %s", path,
				 strerror(-rc));
		return rc;
	}
	name_of(name, sizeof(name), path, target);
	exists = stat(target, &st) == 0;
	if (exists && S_ISREG(st.st_mode) && !(st.st_mode & 0222)) {
		rc = -EACCES;
		if (err && errlen)
			snprintf(err, errlen, "%s: not saved: the file is read-only (mode %04o); make it "
				 "writable (chmod u+w) to let commits save it", name,
				 (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (exists)
		mode = st.st_mode & 07777;
	tmp = malloc(strlen(target) + sizeof(TMP_SUFFIX TMP_XS));
	dir = dir_of(target);
	if (!tmp || !dir) {
		rc = -ENOMEM;
		step = "cannot allocate memory";
		goto fail;
	}
	strcpy(tmp, target);
	strcat(tmp, TMP_SUFFIX TMP_XS);

	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		step = "cannot create a temporary file";
		tmp[0] = '\0'; /* nothing to unlink */
		goto fail;
	}
	/*
	 * mkstemp makes the file 0600: keep the mode (and, best effort, the
	 * owner) of the file we replace, or 0644 for a new one (configuration
	 * is not secret, and the daemon and tools may run as different users).
	 */
	if (fchmod(fd, mode) != 0) {
		rc = -errno;
		step = "cannot set the mode of the temporary file";
		goto fail;
	}
	if (exists && (st.st_uid != geteuid() || st.st_gid != getegid()))
		(void)!fchown(fd, st.st_uid, st.st_gid);
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		step = "cannot open the temporary file";
		goto fail;
	}
	fd = -1; /* owned by f now */

	errno = 0;
	rc = fill(f, ctx);
	if (rc == 0 && (fflush(f) != 0 || ferror(f)))
		rc = errno ? -errno : -EIO;
	if (rc < 0) {
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
	if (rename(tmp, target) != 0) {
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
	if (err && errlen) {
		if (full_fs(rc))
			snprintf(err, errlen, "%s: not saved: the file system is full (%s); the file "
				 "keeps its previous content", name, strerror(-rc));
		else
			snprintf(err, errlen, "%s: %s: %s", name, step, strerror(-rc));
	}
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
	free(target);
	return rc;
}

/* A name mkstemp made from base: base ".tmp." and six characters of [A-Za-z0-9]. */
static int is_tmp_of(const char *name, const char *base)
{
	size_t bl = strlen(base), sl = strlen(TMP_SUFFIX);

	if (strncmp(name, base, bl) != 0 || strncmp(name + bl, TMP_SUFFIX, sl) != 0)
		return 0;
	name += bl + sl;
	for (int i = 0; i < 6; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9')))
			return 0;
	return name[6] == '\0';
}

int sw_conf_save_cleanup(const char *path, char *err, size_t errlen)
{
	char *target, *dir = NULL;
	const char *base;
	DIR *d;
	struct dirent *de;
	int rc = 0, n = 0;

	target = resolve(path, &rc);
	if (!target) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot follow the link: %s", path, strerror(-rc));
		return rc;
	}
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	dir = dir_of(target);
	d = dir ? opendir(dir) : NULL;
	if (!d) {
		rc = dir ? -errno : -ENOMEM;
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot list the directory %s: %s", path,
				 dir ? dir : "", strerror(-rc));
		goto out;
	}
	while ((de = readdir(d))) {
		if (!is_tmp_of(de->d_name, base))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0) {
			n++;
		} else if (errno != ENOENT && rc == 0) {
			rc = -errno;
			if (err && errlen)
				snprintf(err, errlen, "%s/%s: cannot remove a stale temporary file: %s",
					 dir, de->d_name, strerror(-rc));
		}
	}
	closedir(d);
	if (rc == 0)
		rc = n;
out:
	free(dir);
	free(target);
	return rc;
}
