/*
 * test_engine_quick.c - the engine's quick path for established TCP packets
 * (engine.c quick_case()) decides exactly what the general path decides.
 *
 * Every capture of the corpus and data/captures goes through two engines
 * with the same configuration, in bursts of 32 as replay feeds them; one of
 * them has the quick path switched off.  Their verdicts, the sessions they
 * end (every field of sw_sess_info, in order), their counters and their
 * table invariants must agree - with the window check on (the default) and
 * off, and with tunnel inspection on, as replay runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "captures.h"
#include "engine/engine_int.h"
#include "statewall/conf.h"
#include "statewall/engine.h"

#define BURST 32

struct ended {
	struct sw_sess_info *v;
	size_t n, cap;
};

static unsigned long packets, files;

static void on_end(void *ctx, const struct sw_sess_info *si)
{
	struct ended *e = ctx;

	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 256;
		e->v = realloc(e->v, e->cap * sizeof(*e->v));
		assert_non_null(e->v);
	}
	e->v[e->n++] = *si;
}

static void same_ends(const struct ended *a, const struct ended *b, const char *path)
{
	if (a->n != b->n)
		fail_msg("%s: %zu sessions ended with the quick path, %zu without", path, a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		if (memcmp(&a->v[i], &b->v[i], sizeof(a->v[i])) != 0)
			fail_msg("%s: ended session %zu (id %u) differs between the paths", path, i,
				 a->v[i].id);
}

static void run_burst(struct sw_engine *eng[2], const uint8_t *const *fr, const uint32_t *len,
		      int link, const sw_time_t *ts, unsigned n, const char *path)
{
	struct sw_verdict v[2][BURST];

	for (int k = 0; k < 2; k++)
		sw_engine_burst(eng[k], fr, len, link, ts, n, v[k]);
	for (unsigned i = 0; i < n; i++)
		if (v[0][i].action != v[1][i].action || v[0][i].reason != v[1][i].reason ||
		    v[0][i].dir != v[1][i].dir || v[0][i].sess != v[1][i].sess)
			fail_msg("%s: packet %lu: quick path %s/%s, general path %s/%s", path,
				 packets + i + 1, v[0][i].action == SW_PASS ? "pass" : "drop",
				 sw_drop_name(v[0][i].reason), v[1][i].action == SW_PASS ? "pass" : "drop",
				 sw_drop_name(v[1][i].reason));
	packets += n;
}

static void one_file(const char *path, void *ctx)
{
	int window_check = *(const int *)ctx;
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	struct pcap_pkthdr *h;
	const u_char *d;
	struct sw_conf conf;
	struct sw_engine *eng[2];
	struct ended end[2] = {{0}};
	struct sw_stats st[2];
	uint8_t *buf[BURST];
	const uint8_t *fr[BURST];
	uint32_t len[BURST];
	sw_time_t ts[BURST];
	unsigned n = 0;
	int link;

	if (!p)
		return;
	link = pcap_datalink(p);
	sw_conf_defaults(&conf);
	conf.tcp_window_check = (uint8_t)window_check;
	conf.tunnel_inspect = SW_TUN_ALL;
	for (int k = 0; k < 2; k++) {
		assert_int_equal(sw_engine_create(&eng[k], &conf), 0);
		sw_engine_on_end(eng[k], on_end, &end[k]);
	}
	eng[1]->no_quick = 1;
	for (unsigned i = 0; i < BURST; i++) {
		buf[i] = malloc(65536);
		assert_non_null(buf[i]);
		fr[i] = buf[i];
	}
	while (pcap_next_ex(p, &h, &d) == 1) {
		len[n] = h->caplen < 65536 ? h->caplen : 65536;
		memcpy(buf[n], d, len[n]);
		ts[n] = (sw_time_t)h->ts.tv_sec * SW_NS_PER_SEC + h->ts.tv_usec;
		if (++n == BURST) {
			run_burst(eng, fr, len, link, ts, n, path);
			n = 0;
		}
	}
	if (n)
		run_burst(eng, fr, len, link, ts, n, path);
	for (int k = 0; k < 2; k++) {
		char cerr[256];

		if (sw_engine_check(eng[k], cerr, sizeof(cerr)) < 0)
			fail_msg("%s: engine %d: %s", path, k, cerr);
		sw_engine_flush(eng[k], SW_END_END_OF_CAPTURE);
		sw_engine_stats(eng[k], &st[k]);
	}
	same_ends(&end[0], &end[1], path);
	if (memcmp(&st[0], &st[1], sizeof(st[0])) != 0)
		fail_msg("%s: the counters differ between the paths", path);
	for (int k = 0; k < 2; k++) {
		sw_engine_destroy(eng[k]);
		free(end[k].v);
	}
	for (unsigned i = 0; i < BURST; i++)
		free(buf[i]);
	pcap_close(p);
	files++;
}

static void test_quick_equals_general(void **state)
{
	(void)state;
	for (int wc = 1; wc >= 0; wc--) {
		tl_walk_captures(SW_SOURCE_DIR "/data/captures", one_file, &wc);
		tl_walk_captures(SW_SHARED_DIR "/corpus", one_file, &wc);
	}
	printf("%lu files, %lu packets through both paths\n", files, packets);
	assert_true(packets > 100000); /* the corpus must really exercise it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quick_equals_general),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
