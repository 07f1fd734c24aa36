/*
 * test_conf_save.c - how sw_conf_save writes the file (src/conf/save.c):
 * through a symbolic link, never over a read-only file, a full file system
 * reported as such, and the temporary files of a save killed halfway
 * removed by sw_conf_save_cleanup (issue 10 item 13).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* unshare, CLONE_NEWNS */
#endif
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "statewall/conf.h"

static char dir[] = "/tmp/sw-conf-save-XXXXXX";

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sw-conf-save-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* dir/name; the last 64 stay valid (enough for one test) */
static char *path_in(const char *name)
{
	static char buf[64][256];
	static int i;

	i = (i + 1) % 64;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Files in d whose name contains ".tmp." */
static int count_tmp(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *de;
	int n = 0;

	assert_non_null(dd);
	while ((de = readdir(dd)))
		if (strstr(de->d_name, ".tmp."))
			n++;
	closedir(dd);
	return n;
}

static struct sw_conf *conf_with_udp(uint32_t udp)
{
	struct sw_conf *c = malloc(sizeof(*c));
	assert_non_null(c);
	sw_conf_defaults(c);
	c->timeout[SW_TO_UDP] = udp;
	return c;
}

static void assert_saved_udp(const char *path, uint32_t udp)
{
	char err[512];
	struct sw_conf *c = conf_with_udp(1);

	sw_conf_defaults(c);
	if (sw_conf_load(c, path, err, sizeof(err)) != 0)
		fail_msg("load %s: %s", path, err);
	assert_int_equal(c->timeout[SW_TO_UDP], udp);
	free(c);
}

/* A symlinked config: the link stays a link, its target gets the new text. */
static void test_symlink_kept(void **state)
{
	char err[512] = "", *real = path_in("real"), *target = path_in("real/target.conf");
	char *link = path_in("statewall.conf");
	struct sw_conf *c = conf_with_udp(41);
	struct stat st;

	(void)state;
	assert_int_equal(mkdir(real, 0755), 0);
	put(target, "set deviceconfig setting session timeout-udp 40\n");
	assert_int_equal(symlink("real/target.conf", link), 0); /* relative, like ln -s */
	if (sw_conf_save(c, link, err, sizeof(err)) != 0)
		fail_msg("save through the link: %s", err);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_saved_udp(target, 41);
	assert_int_equal(count_tmp(dir), 0);
	assert_int_equal(count_tmp(real), 0);

	/* a chain of links, the last one absolute */
	char *link2 = path_in("second.conf");
	assert_int_equal(symlink(link, link2), 0);
	c->timeout[SW_TO_UDP] = 42;
	if (sw_conf_save(c, link2, err, sizeof(err)) != 0)
		fail_msg("save through two links: %s", err);
	assert_int_equal(lstat(link2, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_saved_udp(target, 42);

	/* a dangling link: the target is created where the link points */
	char *dangling = path_in("new.conf");
	assert_int_equal(symlink("real/created.conf", dangling), 0);
	if (sw_conf_save(c, dangling, err, sizeof(err)) != 0)
		fail_msg("save through a dangling link: %s", err);
	assert_int_equal(lstat(dangling, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_saved_udp(path_in("real/created.conf"), 42);

	/* a loop is refused with ELOOP, naming the path */
	char *la = path_in("loop-a"), *lb = path_in("loop-b");
	assert_int_equal(symlink(lb, la), 0);
	assert_int_equal(symlink(la, lb), 0);
	assert_int_equal(sw_conf_save(c, la, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, la));
	free(c);
}

/* A file the operator made read-only is not overwritten, even by root. */
static void test_readonly_refused(void **state)
{
	char err[512] = "", *path = path_in("ro.conf");
	static const char old[] = "set deviceconfig setting session timeout-udp 33\n";
	struct sw_conf *c = conf_with_udp(44);
	struct stat st;
	char *text;

	(void)state;
	put(path, old);
	assert_int_equal(chmod(path, 0444), 0);
	assert_int_equal(sw_conf_save(c, path, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "read-only"));
	assert_non_null(strstr(err, "0444"));
	text = slurp(path);
	assert_non_null(text);
	assert_string_equal(text, old);
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0444);
	assert_int_equal(count_tmp(dir), 0);

	/* writable again: saved, the mode kept */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(sw_conf_save(c, path, err, sizeof(err)), 0);
	assert_saved_udp(path, 44);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	free(c);
}

/* What a save killed between mkstemp and rename leaves, as a crash would. */
static void leave(const char *name)
{
	put(path_in(name), "set deviceconfig setting session timeout-udp 9\n");
}

static void test_cleanup_stale(void **state)
{
	char err[512] = "", *path = path_in("statewall.conf");
	struct stat st;

	(void)state;
	put(path, "set deviceconfig setting session timeout-udp 50\n");
	leave("statewall.conf.tmp.a1B2c3");
	leave("statewall.conf.tmp.ZZZZZZ");
	/* not ours: kept */
	leave("statewall.conf.tmp.toolong");
	leave("statewall.conf.tmp.ab");
	leave("other.conf.tmp.a1B2c3");
	leave("statewall.conf.bak");
	assert_int_equal(sw_conf_save_cleanup(path, err, sizeof(err)), 2);
	assert_int_equal(stat(path_in("statewall.conf.tmp.a1B2c3"), &st), -1);
	assert_int_equal(stat(path_in("statewall.conf.tmp.ZZZZZZ"), &st), -1);
	assert_int_equal(stat(path_in("statewall.conf.tmp.toolong"), &st), 0);
	assert_int_equal(stat(path_in("statewall.conf.tmp.ab"), &st), 0);
	assert_int_equal(stat(path_in("other.conf.tmp.a1B2c3"), &st), 0);
	assert_int_equal(stat(path_in("statewall.conf.bak"), &st), 0);
	assert_saved_udp(path, 50);
	assert_int_equal(sw_conf_save_cleanup(path, err, sizeof(err)), 0);

	/* through a link: the temporary files beside the target */
	assert_int_equal(mkdir(path_in("etc"), 0755), 0);
	put(path_in("etc/real.conf"), "\n");
	leave("etc/real.conf.tmp.q9Q9q9");
	assert_int_equal(symlink("etc/real.conf", path_in("link.conf")), 0);
	assert_int_equal(sw_conf_save_cleanup(path_in("link.conf"), err, sizeof(err)), 1);
	assert_int_equal(count_tmp(path_in("etc")), 0);

	/* a directory that is not there */
	assert_int_equal(sw_conf_save_cleanup(path_in("nope/x.conf"), err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "nope"));
}

/*
 * kill -9 during commits: a child saves in a loop and is killed; whatever
 * it left, the file is a whole configuration and cleanup leaves no
 * temporary file (the docs promise none once the daemon has started).
 */
static void test_killed_mid_save(void **state)
{
	char err[512] = "", *path = path_in("killed.conf");
	int left = 0;

	(void)state;
	put(path, "set deviceconfig setting session timeout-udp 100\n");
	for (int round = 0; round < 25; round++) {
		pid_t pid = fork();
		int st;
		assert_true(pid >= 0);
		if (pid == 0) {
			struct sw_conf *c = conf_with_udp(100);
			for (uint32_t i = 0;; i++) {
				c->timeout[SW_TO_UDP] = 100 + i % 1000;
				(void)sw_conf_save(c, path, NULL, 0);
			}
		}
		/* let it get going: a few of its saves replace the file */
		for (int k = 0; k < 1000 * (round + 1); k++)
			sched_yield();
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st));
		left += count_tmp(dir);
		struct sw_conf *c = conf_with_udp(1);
		if (sw_conf_load(c, path, err, sizeof(err)) != 0)
			fail_msg("round %d: the file is not a whole configuration: %s", round, err);
		assert_true(c->timeout[SW_TO_UDP] >= 100 && c->timeout[SW_TO_UDP] < 1100);
		free(c);
		assert_true(sw_conf_save_cleanup(path, err, sizeof(err)) >= 0);
		assert_int_equal(count_tmp(dir), 0);
	}
	print_message("%d of 25 kills left a temporary file behind (removed by cleanup)\n", left);
}

/*
 * A full file system: a 16 KiB tmpfs in a private mount namespace (needs
 * root; skipped otherwise), filled up.  The save fails with -ENOSPC and says
 * the file system is full; the old file is intact; no temporary file.
 */
static void test_full_disk(void **state)
{
	char err[512] = "", mnt[300], path[320], filler[320];
	static const char old[] = "set deviceconfig setting session timeout-udp 61\n";
	pid_t pid;
	int st;

	(void)state;
	snprintf(mnt, sizeof(mnt), "%s/small", dir);
	assert_int_equal(mkdir(mnt, 0755), 0);
	snprintf(path, sizeof(path), "%s/statewall.conf", mnt);
	snprintf(filler, sizeof(filler), "%s/filler", mnt);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the child owns the namespace: the mount goes away with it */
		if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("tmpfs", mnt, "tmpfs", 0, "size=16k") != 0)
			_exit(77);
		FILE *f = fopen(path, "w");
		if (!f || fputs(old, f) < 0 || fclose(f) != 0)
			_exit(10);
		f = fopen(filler, "w");
		if (!f)
			_exit(11);
		while (fputs("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", f) >= 0 && !ferror(f))
			if (fflush(f) != 0)
				break;
		fclose(f);
		struct sw_conf *c = conf_with_udp(62);
		int rc = sw_conf_save(c, path, err, sizeof(err));
		if (rc != -ENOSPC) {
			fprintf(stderr, "save on a full tmpfs: rc %d: %s\n", rc, err);
			_exit(12);
		}
		if (!strstr(err, path) || !strstr(err, "file system is full")) {
			fprintf(stderr, "message: %s\n", err);
			_exit(13);
		}
		char *text = slurp(path);
		if (!text || strcmp(text, old) != 0)
			_exit(14);
		free(text);
		DIR *d = opendir(mnt);
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (strstr(de->d_name, ".tmp."))
				_exit(15);
		if (d)
			closedir(d);
		print_message("full tmpfs: %s\n", err);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77) {
		print_message("skipped: no private mount namespace with a tmpfs (needs root)\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_symlink_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cleanup_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_mid_save, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
