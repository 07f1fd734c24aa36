/*
 * daemon_priv.c - `statewall run`'s least privilege (docs/operations.md):
 *
 *   - the control socket's group: owned by group `statewall` (or --ctl-group),
 *     mode 0660, so that the group's members use `statewall cli` without root;
 *   - the privilege drop after the rings and sockets are open: --user NAME
 *     (as root) switches to NAME and its groups keeping only CAP_NET_RAW;
 *     a daemon started without root but with capabilities (systemd's
 *     AmbientCapabilities=) drops every capability but CAP_NET_RAW too;
 *   - the packet worker's seccomp filter (libseccomp): the few system calls
 *     the packet loop makes; anything else kills the process (SIGSYS).
 *
 * CAP_NET_ADMIN is not kept: promiscuous mode (PACKET_ADD_MEMBERSHIP) is set
 * when the interfaces are opened, before the drop, and nothing after needs it.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/daemon.h"

/* uid of user (NULL: -1, unchanged); 0, or -ENOENT with the message. */
static int user_uid(const char *user, uid_t *uid, char *err, size_t errlen)
{
	struct passwd *pw;

	*uid = (uid_t)-1;
	if (!user)
		return 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "--user %s: no such user", user);
		return -ENOENT;
	}
	*uid = pw->pw_uid;
	return 0;
}

int daemon_ctl_group(const char *path, const char *group, int explicit_group, const char *user,
		     char *err, size_t errlen)
{
	struct group *g = getgrnam(group);
	uid_t uid;
	int rc = user_uid(user, &uid, err, errlen);

	if (rc < 0)
		return rc;
	if (!g && explicit_group) {
		snprintf(err, errlen, "--ctl-group %s: no such group", group);
		return -ENOENT;
	}
	/* the socket to --user too, so that the daemon can still remove it at the end */
	if (chown(path, uid, g ? g->gr_gid : (gid_t)-1) < 0 || (g && chmod(path, 0660) < 0)) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot give it to %s%s%s: %s", path, user ? user : "",
			 user && g ? ":" : "", g ? group : "", strerror(e));
		return -e;
	}
	return g ? 1 : 0;
}

int daemon_ctl_dir(const char *path, const char *group, const char *user, char *err,
		   size_t errlen)
{
	char dir[SW_SYS_PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct group *g = getgrnam(group);
	uid_t uid;
	int rc = user_uid(user, &uid, err, errlen);

	if (rc < 0)
		return rc;
	if (!slash || slash == path || (size_t)(slash - path) >= sizeof(dir))
		return 0;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (mkdir(dir, g ? 0750 : 0700) < 0) {
		if (errno == EEXIST)
			return 0; /* an existing directory keeps its owner and mode */
		int e = errno;
		snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(e));
		return -e;
	}
	if ((g || user) && chown(dir, uid, g ? g->gr_gid : (gid_t)-1) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot change its owner: %s", dir, strerror(e));
		return -e;
	}
	return 1;
}

static int keep_only_net_raw(char *err, size_t errlen)
{
	cap_value_t keep[1] = {CAP_NET_RAW};
	cap_t c = cap_init();
	int rc = 0;

	if (!c || cap_set_flag(c, CAP_PERMITTED, 1, keep, CAP_SET) < 0 ||
	    cap_set_flag(c, CAP_EFFECTIVE, 1, keep, CAP_SET) < 0 || cap_set_proc(c) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot keep only CAP_NET_RAW: %s", strerror(errno));
	}
	if (c)
		cap_free(c);
	return rc;
}

int daemon_drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (!user) {
		/* not root but with capabilities (a systemd unit's AmbientCapabilities=) */
		if (getuid() == 0)
			return 0;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
			snprintf(err, errlen, "cannot clear the ambient capabilities: %s",
				 strerror(errno));
			return -errno;
		}
		return keep_only_net_raw(err, errlen);
	}
	if (geteuid() != 0) {
		snprintf(err, errlen, "--user %s: only root can change user", user);
		return -EPERM;
	}
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "--user %s: no such user", user);
		return -ENOENT;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "--user %s: is root (uid 0); name an unprivileged user", user);
		return -EINVAL;
	}
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (cap != CAP_NET_RAW && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
			snprintf(err, errlen, "cannot drop capability %d from the bounding set: %s",
				 cap, strerror(errno));
			return -errno;
		}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		snprintf(err, errlen, "--user %s: cannot switch to uid %u: %s", user,
			 (unsigned)pw->pw_uid, strerror(errno));
		return -errno;
	}
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (setuid(0) == 0) { /* must not be possible any more */
		snprintf(err, errlen, "--user %s: could switch back to root", user);
		return -EPERM;
	}
	return keep_only_net_raw(err, errlen);
}

/*
 * What the packet loop calls: poll, the TX kick (sendto), the rings' eventfds
 * (read, write), interface statistics (getsockopt), the clock, memory for a
 * committed configuration (brk, mmap, ...), futexes, diagnostics (write),
 * and its own end (exit; sigaltstack: the sanitizers' thread teardown).
 */
static const int worker_calls[] = {
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(sendto), SCMP_SYS(read),
	SCMP_SYS(write), SCMP_SYS(getsockopt), SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep), SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap),
	SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(mprotect), SCMP_SYS(futex),
	SCMP_SYS(sched_yield), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(restart_syscall), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(sigaltstack),
};

int daemon_seccomp_worker(char *err, size_t errlen)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = f ? 0 : -ENOMEM;

	for (size_t i = 0; rc == 0 && i < sizeof(worker_calls) / sizeof(worker_calls[0]); i++)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, worker_calls[i], 0);
	if (rc == 0)
		rc = seccomp_load(f);
	if (rc < 0)
		snprintf(err, errlen, "cannot install the packet worker's seccomp filter: %s",
			 strerror(-rc));
	seccomp_release(f);
	return rc;
}
