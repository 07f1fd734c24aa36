/*
 * test_transitions.c - the TCP transition table, tests/data/tcp-transitions.tsv.
 *
 * One cmocka test per row ("cell"): build the row's starting state pair with
 * the fixed prefix conversation of that pair (documented in the .tsv and in
 * docs/tcp-states.md), send the one packet of the row's flag class and
 * direction, and check the verdict, the state pair after, the timer in force
 * and which session (if any) the packet ended.  A row marked with a known bug
 * id is reported as skipped while the tracker disagrees with it, and fails
 * once the tracker agrees (so the marker gets removed).  The first test
 * checks coverage: every (from, dir, class) cell of mode idle is in the file
 * exactly once, and no cell of any mode twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pktbuild.h"
#include "statewall/engine.h"

/* The engine's invariants (sw_engine_check) hold after every step. */
static void check_engine(const struct sw_engine *e)
{
	char err[256];

	if (sw_engine_check(e, err, sizeof(err)) < 0)
		fail_msg("engine invariant: %s", err);
}

#define TSV_PATH SW_SOURCE_DIR "/tests/data/tcp-transitions.tsv"
#define OOW 0x60000000u /* far outside any window, even 65535 << 14 */
#define T0 ((sw_time_t)1000000000 * SW_NS_PER_SEC)
#define STEP (SW_NS_PER_SEC / 10)

enum { C_MODE, C_FROM, C_DIR, C_CLASS, C_VERDICT, C_AFTER, C_TIMER, C_ENDS, C_KNOWN, C_WHY, NCOL };

static const char *const modes[] = {"idle", "tcpwait", "fixed"};
static const char *const dirs[] = {"orig", "resp"};
static const char *const classes[] = {"syn",       "syn-ack",     "ack",     "data",
				      "fin",       "fin-data",    "rst-exact", "rst-inexact",
				      "rst-oow",   "data-oow",    "syn-fin"};
#define NMODES (sizeof(modes) / sizeof(modes[0]))
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

/* One packet of a prefix: direction ('>' client to server), flags, relative seq/ack, length. */
struct step {
	char dir;
	const char *flags;
	uint32_t seq, ack;
	size_t len;
};

#define HS {'>', "S", 0, 0, 0}, {'<', "SA", 0, 1, 0}, {'>', "A", 1, 1, 0}

/*
 * The fixed recipe of each starting state pair.  cn / sn: the client's and
 * the server's next relative sequence number after the prefix (a silent
 * server's is its ISN, 0).
 */
static const struct recipe {
	const char *from;
	int pickup, srv_silent;
	uint32_t cn, sn;
	struct step steps[6];
	int nsteps;
} recipes[] = {
	{"syn-sent/closed", 0, 1, 1, 0, {{'>', "S", 0, 0, 0}}, 1},
	{"established/syn-sent", 0, 0, 1, 1, {{'>', "S", 0, 0, 0}, {'<', "SA", 0, 1, 0}}, 2},
	{"established/established", 0, 0, 1, 1, {HS}, 3},
	{"fin-sent/established", 0, 0, 2, 1, {HS, {'>', "FA", 1, 1, 0}}, 4},
	{"fin-acked/established", 0, 0, 2, 1, {HS, {'>', "FA", 1, 1, 0}, {'<', "A", 1, 2, 0}}, 5},
	{"established/fin-sent", 0, 0, 1, 2, {HS, {'<', "FA", 1, 1, 0}}, 4},
	{"established/fin-acked", 0, 0, 1, 2, {HS, {'<', "FA", 1, 1, 0}, {'>', "A", 1, 2, 0}}, 5},
	{"fin-sent/fin-sent", 0, 0, 2, 2, {HS, {'>', "FA", 1, 1, 0}, {'<', "FA", 1, 1, 0}}, 5},
	{"fin-acked/fin-sent", 0, 0, 2, 2, {HS, {'>', "FA", 1, 1, 0}, {'<', "FA", 1, 2, 0}}, 5},
	{"fin-sent/fin-acked", 0, 0, 2, 2, {HS, {'<', "FA", 1, 1, 0}, {'>', "FA", 1, 2, 0}}, 5},
	{"fin-acked/fin-acked", 0, 0, 2, 2,
	 {HS, {'>', "FA", 1, 1, 0}, {'<', "FA", 1, 2, 0}, {'>', "A", 2, 2, 0}}, 6},
	{"reset/established", 0, 0, 1, 1, {HS, {'>', "RA", 1, 1, 0}}, 4},
	{"established/reset", 0, 0, 1, 1, {HS, {'<', "RA", 1, 1, 0}}, 4},
	{"pickup:established/established", 1, 0, 101, 1,
	 {{'>', "PA", 1, 1, 100}, {'<', "A", 1, 101, 0}}, 2},
};
#define NRECIPES (sizeof(recipes) / sizeof(recipes[0]))

struct row {
	int line;
	char *col[NCOL]; /* into buf, set once every row is loaded (rows moves while it grows) */
	size_t off[NCOL];
	char name[160];
	char buf[1024];
};

static struct row *rows;
static int nrows;

static int flags_of(const char *s)
{
	int f = pb_tcp_flags(s);

	if (f < 0)
		fail_msg("bad TCP flags '%s'", s);
	return f;
}

static int index_of(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static const struct recipe *recipe_of(const char *from)
{
	for (size_t i = 0; i < NRECIPES; i++)
		if (strcmp(recipes[i].from, from) == 0)
			return &recipes[i];
	return NULL;
}

/* The state pair a recipe's name stands for, without the pickup: prefix. */
static const char *pair_of(const char *from)
{
	const char *colon = strchr(from, ':');
	return colon ? colon + 1 : from;
}

/* Send one segment at time step n; relative seq/ack are taken from the sender's / receiver's ISN. */
static struct sw_verdict send_seg(struct sw_engine *e, int c2s, int flags, uint32_t seq, uint32_t ack,
				  size_t len, int n)
{
	struct pb_seg seg;
	struct pb_pkt pk;

	struct sw_verdict v;

	pb_conv(&seg, c2s, flags, seq, ack, len);
	pb_tcp(&pk, &seg);
	v = sw_engine_packet(e, pk.data, pk.len, SW_LINK_EN10MB, T0 + (sw_time_t)n * STEP);
	check_engine(e);
	return v;
}

static void state_pair(const struct sw_engine *e, uint32_t sess, char *out, size_t n,
		       const char **timer)
{
	struct sw_sess_info si;

	*timer = "-";
	if (!sess || sw_engine_session(e, sess, &si) != 0) {
		snprintf(out, n, "gone");
		return;
	}
	snprintf(out, n, "%s/%s", sw_tcps_name(si.state[0]), sw_tcps_name(si.state[1]));
	*timer = si.timer < SW_TO_MAX ? sw_timeout_name(si.timer) : "-";
}

#define APPEND(...)                                                                                \
	do {                                                                                       \
		size_t l_ = strlen(diff);                                                          \
		snprintf(diff + l_, sizeof(diff) - l_, __VA_ARGS__);                               \
	} while (0)

static void test_row(void **state)
{
	const struct row *rw = *state;
	const struct recipe *rc = recipe_of(rw->col[C_FROM]);
	int dir = index_of(dirs, 2, rw->col[C_DIR]), cls = index_of(classes, NCLASSES, rw->col[C_CLASS]);
	int c2s = dir == 0, sfin, flags = 0, n = 0, rsilent;
	uint32_t nx, ny, seq = 0, ack = 0, sess = 0;
	size_t len = 0;
	struct sw_conf conf;
	struct sw_engine *e = NULL;
	struct sw_verdict v = {0};
	struct sw_stats before, after;
	char err[256], kv[64], got[64], diff[1024] = "", verdict[64];
	const char *timer, *ends = "-", *sender_state;

	assert_non_null(rc);
	assert_true(dir >= 0 && cls >= 0);
	sw_conf_defaults(&conf);
	conf.max_sessions = 1024; /* one session per row; a small table keeps check_engine cheap */
	snprintf(kv, sizeof(kv), "half-close-mode=%s", rw->col[C_MODE]);
	if (sw_conf_apply_kv(&conf, kv, err, sizeof(err)) < 0)
		fail_msg("line %d: %s", rw->line, err);
	if (rc->pickup && sw_conf_apply_kv(&conf, "tcp-reject-non-syn=no", err, sizeof(err)) < 0)
		fail_msg("line %d: %s", rw->line, err);
	assert_int_equal(sw_engine_create(&e, &conf), 0);

	/* The prefix conversation must reach the row's starting state. */
	for (int i = 0; i < rc->nsteps; i++, n++) {
		const struct step *st = &rc->steps[i];
		v = send_seg(e, st->dir == '>', flags_of(st->flags), st->seq, st->ack, st->len, n);
		if (v.action != SW_PASS)
			fail_msg("line %d: prefix packet %d dropped as %s", rw->line, i + 1,
				 sw_drop_name(v.reason));
		sess = v.sess;
	}
	state_pair(e, sess, got, sizeof(got), &timer);
	if (strcmp(got, pair_of(rc->from)) != 0)
		fail_msg("line %d: prefix reached %s, not %s", rw->line, got, rc->from);

	/* The tested packet. */
	nx = c2s ? rc->cn : rc->sn;
	ny = c2s ? rc->sn : rc->cn;
	rsilent = c2s && rc->srv_silent;
	{
		char pair[64], *slash;
		snprintf(pair, sizeof(pair), "%s", pair_of(rc->from));
		slash = strchr(pair, '/');
		*slash = 0;
		sender_state = c2s ? pair : slash + 1;
		sfin = strcmp(sender_state, "fin-sent") == 0 || strcmp(sender_state, "fin-acked") == 0;
	}
	switch (cls) {
	case 0: flags = SW_TH_SYN; break;
	case 1: flags = SW_TH_SYN | SW_TH_ACK; ack = 1; break;
	case 2: flags = SW_TH_ACK; seq = nx; ack = ny; break;
	case 3: flags = SW_TH_PSH | SW_TH_ACK; seq = nx; ack = ny; len = 100; break;
	case 4: flags = SW_TH_FIN | SW_TH_ACK; seq = sfin ? nx - 1 : nx; ack = ny; break;
	case 5: flags = SW_TH_FIN | SW_TH_ACK; seq = nx; ack = ny; len = 100; break;
	case 6: flags = SW_TH_RST | SW_TH_ACK; seq = nx; ack = ny; break;
	case 7: flags = SW_TH_RST | SW_TH_ACK; seq = nx + 1000; ack = ny; break;
	case 8: flags = SW_TH_RST | SW_TH_ACK; seq = nx + OOW; ack = ny + OOW; break;
	case 9: flags = SW_TH_PSH | SW_TH_ACK; seq = nx + OOW; ack = ny + OOW; len = 100; break;
	case 10: flags = SW_TH_SYN | SW_TH_FIN; break;
	default: fail();
	}
	if (rsilent && (flags & SW_TH_RST))
		flags &= ~SW_TH_ACK; /* nothing to acknowledge */
	sw_engine_stats(e, &before);
	v = send_seg(e, c2s, flags, seq, ack, len, n);
	sw_engine_stats(e, &after);
	for (int r = 0; r < SW_END_MAX; r++)
		if (after.end[r] != before.end[r])
			ends = sw_end_name((unsigned)r);

	if (v.action == SW_PASS)
		snprintf(verdict, sizeof(verdict), "pass");
	else
		snprintf(verdict, sizeof(verdict), "drop %s", sw_drop_name(v.reason));
	state_pair(e, v.sess ? v.sess : sess, got, sizeof(got), &timer);
	if (strcmp(verdict, rw->col[C_VERDICT]) != 0)
		APPEND(" verdict: %s, expected %s;", verdict, rw->col[C_VERDICT]);
	if (strcmp(got, rw->col[C_AFTER]) != 0)
		APPEND(" states: %s, expected %s;", got, rw->col[C_AFTER]);
	if (strcmp(rw->col[C_TIMER], "-") != 0 && strcmp(timer, rw->col[C_TIMER]) != 0)
		APPEND(" timer: %s, expected %s;", timer, rw->col[C_TIMER]);
	if (strcmp(ends, rw->col[C_ENDS]) != 0)
		APPEND(" ended: %s, expected %s;", ends, rw->col[C_ENDS]);
	sw_engine_destroy(e);

	if (strcmp(rw->col[C_KNOWN], "-") != 0) {
		if (!diff[0])
			fail_msg("line %d: known bug %s no longer reproduces: remove the marker",
				 rw->line, rw->col[C_KNOWN]);
		print_message("known bug %s (line %d):%s\n", rw->col[C_KNOWN], rw->line, diff);
		skip();
	}
	if (diff[0])
		fail_msg("line %d:%s", rw->line, diff);
}

/* Every cell of the sets above in mode idle exactly once; no cell twice in any mode. */
static void test_coverage(void **state)
{
	static unsigned char seen[NMODES][NRECIPES][2][NCLASSES];
	int bad = 0;

	(void)state;
	memset(seen, 0, sizeof(seen));
	assert_true(nrows > 0);
	for (int i = 0; i < nrows; i++) {
		const struct row *rw = &rows[i];
		int m = index_of(modes, NMODES, rw->col[C_MODE]);
		int d = index_of(dirs, 2, rw->col[C_DIR]);
		int c = index_of(classes, NCLASSES, rw->col[C_CLASS]);
		const struct recipe *rc = recipe_of(rw->col[C_FROM]);
		if (m < 0 || d < 0 || c < 0 || !rc) {
			print_error("line %d: unknown mode, state pair, direction or class\n", rw->line);
			bad++;
			continue;
		}
		if (seen[m][rc - recipes][d][c]++) {
			print_error("line %d: cell %s %s %s %s appears twice\n", rw->line, modes[m],
				    rc->from, dirs[d], classes[c]);
			bad++;
		}
	}
	for (size_t r = 0; r < NRECIPES; r++)
		for (int d = 0; d < 2; d++)
			for (size_t c = 0; c < NCLASSES; c++)
				if (!seen[0][r][d][c]) {
					print_error("missing cell: idle %s %s %s\n", recipes[r].from, dirs[d],
						    classes[c]);
					bad++;
				}
	if (bad)
		fail_msg("%d coverage problems in %s", bad, TSV_PATH);
}

static int load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int lineno = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "%s: cannot open\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct row *rw;
		char *p;
		int nc = 0;

		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		if (line[0] == '#' || line[0] == 0 || strncmp(line, "mode\t", 5) == 0)
			continue;
		if (nrows == cap) {
			struct row *nr = realloc(rows, sizeof(*rows) * (size_t)(cap = cap ? cap * 2 : 512));
			if (!nr) {
				fclose(f);
				return -1;
			}
			rows = nr;
		}
		rw = &rows[nrows];
		memset(rw, 0, sizeof(*rw));
		rw->line = lineno;
		snprintf(rw->buf, sizeof(rw->buf), "%s", line);
		for (p = rw->buf; nc < NCOL; nc++) {
			rw->col[nc] = p;
			rw->off[nc] = (size_t)(p - rw->buf);
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = 0;
		}
		if (nc != NCOL - 1 || p) {
			fprintf(stderr, "%s:%d: expected %d tab-separated columns\n", path, lineno, NCOL);
			fclose(f);
			return -1;
		}
		snprintf(rw->name, sizeof(rw->name), "%s %s %s %s (line %d)", rw->col[C_MODE],
			 rw->col[C_FROM], rw->col[C_DIR], rw->col[C_CLASS], lineno);
		nrows++;
	}
	fclose(f);
	for (int i = 0; i < nrows; i++)
		for (int c = 0; c < NCOL; c++)
			rows[i].col[c] = rows[i].buf + rows[i].off[c];
	return 0;
}

int main(void)
{
	struct CMUnitTest *tests;
	int rc;

	if (load(TSV_PATH) < 0) {
		free(rows);
		return 1;
	}
	tests = calloc((size_t)nrows + 1, sizeof(*tests));
	if (!tests) {
		free(rows);
		return 1;
	}
	tests[0] = (struct CMUnitTest){.name = "coverage", .test_func = test_coverage};
	for (int i = 0; i < nrows; i++)
		tests[i + 1] = (struct CMUnitTest){
			.name = rows[i].name, .test_func = test_row, .initial_state = &rows[i]};
	rc = _cmocka_run_group_tests("tcp-transitions", tests, (size_t)nrows + 1, NULL, NULL);
	free(tests);
	free(rows);
	return rc;
}
