/*
 * test_scenarios.c - packet-script scenarios: every tests/data/scenarios/NAME.sws.
 *
 * Each script is a conversation between client 10.0.0.1:40000 and server
 * 10.0.0.2:80 (ISNs 1000 and 5000; seq/ack are relative to them), the
 * settings it runs under, and what the engine must answer to every packet:
 *
 *   set half-close-mode tcpwait        # any `set deviceconfig setting session` name
 *   0.0    > S   0 0 0    pass  syn-sent closed
 *   0.1    < SA  0 1 0    pass  established syn-sent
 *   31.0   < A   1 1 100  drop session-aged-out
 *   end aged-out timeout-tcpwait late=1
 *
 * Columns: time (s), direction (> client to server, < server to client),
 * flags (S A F R P; '.' for none), seq, ack, payload length, then the
 * expected verdict: `pass` or `drop REASON`, and optionally the originator's
 * and responder's TCP state after the packet.  `end REASON [TIMER]
 * [late=N]` checks the session log when the script ends (end-of-capture if
 * the session is still open).  `udp` / `icmp` lines send those protocols.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "pktbuild.h"
#include "statewall/engine.h"

/* The engine's invariants (sw_engine_check) hold after every step. */
static void check_engine(const struct sw_engine *e)
{
	char err[256];

	if (sw_engine_check(e, err, sizeof(err)) < 0)
		fail_msg("engine invariant: %s", err);
}

struct ended {
	struct sw_sess_info si[8];
	int n;
};

static void on_end(void *ctx, const struct sw_sess_info *si)
{
	struct ended *e = ctx;

	if (e->n < 8)
		e->si[e->n++] = *si;
}

static int flags_of(const char *s)
{
	int f = pb_tcp_flags(s);

	if (f < 0)
		fail_msg("bad TCP flags '%s'", s);
	return f;
}

static int state_of(const char *name)
{
	for (int i = 0; i < SW_TCPS_MAX; i++)
		if (strcmp(name, sw_tcps_name((unsigned)i)) == 0)
			return i;
	fail_msg("unknown TCP state '%s'", name);
	return -1;
}

static int drop_of(const char *name)
{
	for (int i = 0; i < SW_DROP_MAX; i++)
		if (strcmp(name, sw_drop_name((unsigned)i)) == 0)
			return i;
	fail_msg("unknown drop reason '%s'", name);
	return -1;
}

static void run_script(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], err[256];
	struct sw_conf conf;
	struct sw_engine *e = NULL;
	struct ended ended = {0};
	int lineno = 0, flushed = 0;
	uint32_t sess = 0;
	double last_t = 0;

	assert_non_null(f);
	sw_conf_defaults(&conf);
	conf.max_sessions = 1024; /* a script holds a few sessions; keeps check_engine cheap */
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#'), *tok[16];
		int nt = 0;
		lineno++;
		if (hash)
			*hash = 0;
		for (char *t = strtok(line, " \t\r\n"); t && nt < 16; t = strtok(NULL, " \t\r\n"))
			tok[nt++] = t;
		if (nt == 0)
			continue;
		if (strcmp(tok[0], "set") == 0) {
			char kv[256];
			assert_null(e); /* settings come first */
			snprintf(kv, sizeof(kv), "%s=%s", tok[1], nt > 2 ? tok[2] : "");
			if (sw_conf_apply_kv(&conf, kv, err, sizeof(err)) < 0)
				fail_msg("%s:%d: %s", path, lineno, err);
			continue;
		}
		if (!e) {
			assert_int_equal(sw_engine_create(&e, &conf), 0);
			sw_engine_on_end(e, on_end, &ended);
		}
		if (strncmp(tok[0], "end", 3) == 0) {
			const struct sw_sess_info *si;
			int which = tok[0][3] ? atoi(tok[0] + 3) : 0; /* endN: the N-th ended */
			if (!flushed) {
				sw_engine_flush(e, SW_END_END_OF_CAPTURE);
				check_engine(e);
			}
			flushed = 1;
			if (ended.n < 1 || which > ended.n)
				fail_msg("%s:%d: only %d sessions ended", path, lineno, ended.n);
			si = &ended.si[which ? which - 1 : ended.n - 1];
			if (strcmp(sw_end_name(si->end_reason), tok[1]) != 0)
				fail_msg("%s:%d: end reason %s, expected %s", path, lineno,
					 sw_end_name(si->end_reason), tok[1]);
			for (int i = 2; i < nt; i++) {
				if (strncmp(tok[i], "late=", 5) == 0) {
					if (si->late_pkts != strtoull(tok[i] + 5, NULL, 10))
						fail_msg("%s:%d: late_pkts %llu, expected %s", path, lineno,
							 (unsigned long long)si->late_pkts, tok[i] + 5);
				} else if (strncmp(tok[i], "history=", 8) == 0) {
					if (strcmp(si->history, tok[i] + 8) != 0)
						fail_msg("%s:%d: history %s, expected %s", path, lineno,
							 si->history, tok[i] + 8);
				} else if (strncmp(tok[i], "conn_state=", 11) == 0) {
					if (strcmp(si->conn_state, tok[i] + 11) != 0)
						fail_msg("%s:%d: conn_state %s, expected %s", path, lineno,
							 si->conn_state, tok[i] + 11);
				} else if (strncmp(tok[i], "at=", 3) == 0) {
					double want = atof(tok[i] + 3), got = (double)si->end / 1e9 - 1e9;
					if (got < want - 0.002 || got > want + 0.002)
						fail_msg("%s:%d: ended at %.3f, expected %.3f", path, lineno, got,
							 want);
				} else if (strcmp(sw_timeout_name(si->timer), tok[i]) != 0) {
					fail_msg("%s:%d: timer %s, expected %s", path, lineno,
						 si->timer < SW_TO_MAX ? sw_timeout_name(si->timer) : "none",
						 tok[i]);
				}
			}
			continue;
		}
		if (nt < 7)
			fail_msg("%s:%d: expected TIME DIR FLAGS SEQ ACK LEN VERDICT", path, lineno);
		{
			double t = atof(tok[0]);
			int c2s = strcmp(tok[1], ">") == 0;
			struct pb_seg seg;
			struct pb_pkt pk;
			struct sw_verdict v;
			int want_drop = strcmp(tok[6], "drop") == 0, next = 7;
			int udp = strcmp(tok[2], "udp") == 0;

			assert_true(t >= last_t);
			last_t = t;
			pb_conv(&seg, c2s, udp ? 0 : flags_of(tok[2]),
				(uint32_t)strtol(tok[3], NULL, 0), (uint32_t)strtol(tok[4], NULL, 0),
				(size_t)atoi(tok[5]));
			if (udp)
				pb_udp(&pk, &seg);
			else
				pb_tcp(&pk, &seg);
			v = sw_engine_packet(e, pk.data, pk.len, SW_LINK_EN10MB,
					     (sw_time_t)((1e9 + t) * 1e9));
			check_engine(e);
			if (want_drop) {
				if (v.action != SW_DROP)
					fail_msg("%s:%d: passed, expected drop %s", path, lineno, tok[7]);
				if (v.reason != drop_of(tok[7]))
					fail_msg("%s:%d: dropped as %s, expected %s", path, lineno,
						 sw_drop_name(v.reason), tok[7]);
				next = 8;
			} else if (v.action != SW_PASS) {
				fail_msg("%s:%d: dropped as %s, expected pass", path, lineno,
					 sw_drop_name(v.reason));
			}
			if (v.sess)
				sess = v.sess;
			if (nt >= next + 2 && sess) {
				struct sw_sess_info si;
				if (sw_engine_session(e, sess, &si) == 0) {
					if (si.state[0] != state_of(tok[next]) ||
					    si.state[1] != state_of(tok[next + 1]))
						fail_msg("%s:%d: states %s/%s, expected %s/%s", path, lineno,
							 sw_tcps_name(si.state[0]), sw_tcps_name(si.state[1]),
							 tok[next], tok[next + 1]);
					if (nt >= next + 3 && strcmp(sw_timeout_name(si.timer), tok[next + 2]))
						fail_msg("%s:%d: timer %s, expected %s", path, lineno,
							 sw_timeout_name(si.timer), tok[next + 2]);
				} else if (strcmp(tok[next], "gone") != 0) {
					fail_msg("%s:%d: session %u gone, expected states %s/%s", path, lineno,
						 sess, tok[next], tok[next + 1]);
				}
			}
		}
	}
	fclose(f);
	sw_engine_destroy(e);
}

static char *scripts[256];
static int nscripts;

static void test_script(void **state)
{
	run_script(*state);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	const char *dir = SW_SOURCE_DIR "/tests/data/scenarios";
	struct CMUnitTest tests[256];
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		fprintf(stderr, "%s: cannot open\n", dir);
		return 1;
	}
	while ((de = readdir(d)) && nscripts < 256) {
		size_t n = strlen(de->d_name);
		if (n > 4 && strcmp(de->d_name + n - 4, ".sws") == 0) {
			char *p = malloc(strlen(dir) + n + 2);
			sprintf(p, "%s/%s", dir, de->d_name);
			scripts[nscripts++] = p;
		}
	}
	closedir(d);
	qsort(scripts, (size_t)nscripts, sizeof(*scripts), by_name);
	for (int i = 0; i < nscripts; i++) {
		tests[i] = (struct CMUnitTest){.name = strrchr(scripts[i], '/') + 1,
					       .test_func = test_script,
					       .initial_state = scripts[i]};
	}
	int rc = _cmocka_run_group_tests("scenarios", tests, (size_t)nscripts, NULL, NULL);
	for (int i = 0; i < nscripts; i++)
		free(scripts[i]);
	return rc;
}
