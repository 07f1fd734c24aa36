/*
 * daemon_log.c - `statewall run`'s diagnostics and its session log file.
 *
 * Diagnostics go to stderr, one line each.  When stderr is the journal
 * (systemd sets JOURNAL_STREAM to its device:inode) or --log-prefix is
 * given, each line starts with its syslog severity as sd-daemon(3)
 * describes it ("<3>" error, "<4>" warning, "<6>" info), which journald
 * stores as the priority.  At most DIAG_BURST lines per DIAG_WINDOW
 * seconds are written; the next line written says how many were
 * suppressed, so a flood (a full queue, a flapping client) cannot fill the
 * journal.
 *
 * The session log is reopened by SIGHUP and `debug log rotate`: logrotate
 * renames the file, then its postrotate asks for a reopen; the lines already
 * queued were written to the old file, the next ones go to the new one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app/daemon.h"

#define DIAG_BURST 20
#define DIAG_WINDOW 10

static struct {
	pthread_mutex_t mu;
	int prefix; /* write <N> prefixes */
	time_t window;
	unsigned in_window;
	unsigned long suppressed;
} diag = {.mu = PTHREAD_MUTEX_INITIALIZER};

void daemon_diag_init(int force_prefix)
{
	const char *js = getenv("JOURNAL_STREAM");
	struct stat st;
	unsigned long long dev, ino;

	diag.prefix = force_prefix;
	if (!diag.prefix && js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
		diag.prefix = 1;
}

void daemon_diag(int prio, const char *fmt, ...)
{
	struct timespec now;
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&diag.mu);
	if (now.tv_sec - diag.window >= DIAG_WINDOW) {
		diag.window = now.tv_sec;
		diag.in_window = 0;
	}
	if (diag.in_window >= DIAG_BURST) {
		diag.suppressed++;
		pthread_mutex_unlock(&diag.mu);
		return;
	}
	diag.in_window++;
	if (diag.suppressed) {
		fprintf(stderr, "%sstatewall run: %lu messages suppressed (more than %d in %d s)\n",
			diag.prefix ? "<4>" : "", diag.suppressed, DIAG_BURST, DIAG_WINDOW);
		diag.suppressed = 0;
	}
	if (diag.prefix)
		fprintf(stderr, "<%d>statewall run: %s\n", prio, line);
	else
		fprintf(stderr, "statewall run: %s\n", line);
	pthread_mutex_unlock(&diag.mu);
}

int daemon_log_open(struct daemon *d, char *err, size_t errlen)
{
	if (!d->log_path)
		return 0;
	d->log = strcmp(d->log_path, "-") == 0 ? stdout : fopen(d->log_path, "a");
	if (!d->log) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", d->log_path, strerror(e));
		return -e;
	}
	return 0;
}

int daemon_log_reopen(void *ctx, char *err, size_t errlen)
{
	struct daemon *d = ctx;
	FILE *f;

	if (!d->log_path) {
		snprintf(err, errlen, "no session log (--log or set deviceconfig system log-file)");
		return -ENOENT;
	}
	if (d->log == stdout) {
		snprintf(err, errlen, "the session log is stdout: nothing to reopen");
		return 0;
	}
	f = fopen(d->log_path, "a");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot reopen, still writing to the old file: %s",
			 d->log_path, strerror(e));
		return -e;
	}
	if (d->log && fclose(d->log) != 0)
		daemon_diag(SW_LOG_WARNING, "%s: the old file's last write failed", d->log_path);
	d->log = f;
	d->log_dirty = 0;
	d->log_reopens++;
	snprintf(err, errlen, "%s reopened (%llu sessions logged so far)", d->log_path,
		 (unsigned long long)d->log_written);
	return 0;
}
