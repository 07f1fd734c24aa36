/*
 * test_daemon_log.c - `statewall run`'s diagnostics and session-log reopen
 * (src/app/daemon_log.c, issue 15): severity prefixes when stderr is the
 * journal, the rate limit and its "suppressed" line, and a reopen after a
 * rename sending the next lines to the new file.  The program's sources are
 * not a library, so the file is compiled in here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/app/daemon_log.c"

/* stderr into a temporary file for fn(); its text in buf */
static void capture(void (*fn)(void), char *buf, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
}

static unsigned count(const char *s, const char *what)
{
	unsigned n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void reset(void)
{
	diag.window = 0;
	diag.in_window = 0;
	diag.suppressed = 0;
}

static void one_error(void)
{
	daemon_diag(SW_LOG_ERR, "poll: %s", "boom");
	daemon_diag(SW_LOG_INFO, "stopped");
}

static void test_prefix_forced(void **state)
{
	char out[4096];

	(void)state;
	reset();
	unsetenv("JOURNAL_STREAM");
	daemon_diag_init(1);
	capture(one_error, out, sizeof(out));
	assert_string_equal(out, "<3>statewall run: poll: boom\n<6>statewall run: stopped\n");
}

static void test_no_prefix_on_a_terminal_or_file(void **state)
{
	char out[4096];

	(void)state;
	reset();
	setenv("JOURNAL_STREAM", "8:12345", 1); /* not our stderr */
	daemon_diag_init(0);
	capture(one_error, out, sizeof(out));
	assert_string_equal(out, "statewall run: poll: boom\nstatewall run: stopped\n");
	unsetenv("JOURNAL_STREAM");
}

/* JOURNAL_STREAM naming stderr's device:inode (what systemd sets) turns the prefixes on */
static void journal_init_and_log(void)
{
	struct stat st;
	char js[64];

	assert_int_equal(fstat(2, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	daemon_diag_init(0);
	daemon_diag(SW_LOG_WARNING, "queue full");
}

static void test_prefix_when_stderr_is_the_journal(void **state)
{
	char out[4096];

	(void)state;
	reset();
	capture(journal_init_and_log, out, sizeof(out));
	assert_string_equal(out, "<4>statewall run: queue full\n");
	unsetenv("JOURNAL_STREAM");
}

static void flood(void)
{
	for (int i = 0; i < DIAG_BURST + 30; i++)
		daemon_diag(SW_LOG_WARNING, "line %d", i);
}

static void after_window(void)
{
	diag.window -= DIAG_WINDOW; /* the window is over, as if DIAG_WINDOW seconds passed */
	daemon_diag(SW_LOG_ERR, "next");
}

static void test_rate_limit(void **state)
{
	char out[16384];

	(void)state;
	reset();
	daemon_diag_init(1);
	capture(flood, out, sizeof(out));
	assert_int_equal(count(out, "statewall run: line "), DIAG_BURST);
	assert_non_null(strstr(out, "line 19\n"));
	assert_null(strstr(out, "line 20\n"));
	capture(after_window, out, sizeof(out));
	assert_string_equal(out, "<4>statewall run: 30 messages suppressed (more than 20 in 10 s)\n"
				 "<3>statewall run: next\n");
}

static void test_reopen_after_rename(void **state)
{
	char dir[] = "/tmp/sw-log-XXXXXX", path[128], old[160], msg[600], line[64];
	static struct daemon d;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sessions.log", dir);
	snprintf(old, sizeof(old), "%s.1", path);
	memset(&d, 0, sizeof(d));
	d.log_path = path;
	assert_int_equal(daemon_log_open(&d, msg, sizeof(msg)), 0);
	fputs("first\n", d.log); /* still buffered when the file is renamed */
	d.log_written = 1;
	assert_int_equal(rename(path, old), 0);
	assert_int_equal(daemon_log_reopen(&d, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "reopened (1 sessions logged so far)"));
	fputs("second\n", d.log);
	assert_int_equal(fclose(d.log), 0);
	assert_int_equal(d.log_reopens, 1);

	f = fopen(old, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "first\n");
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "second\n");
	fclose(f);
	unlink(old);
	unlink(path);
	rmdir(dir);
}

static void test_reopen_errors(void **state)
{
	static struct daemon d;
	char msg[600];

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(daemon_log_reopen(&d, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "no session log"));
	d.log_path = "/nonexistent-dir/x.log";
	d.log = stderr; /* stands for the open old file: it is kept on failure */
	assert_int_equal(daemon_log_reopen(&d, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "still writing to the old file"));
	assert_ptr_equal(d.log, stderr);
	d.log_path = "-";
	d.log = stdout;
	assert_int_equal(daemon_log_reopen(&d, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "stdout"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_forced),
		cmocka_unit_test(test_no_prefix_on_a_terminal_or_file),
		cmocka_unit_test(test_prefix_when_stderr_is_the_journal),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_reopen_after_rename),
		cmocka_unit_test(test_reopen_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
