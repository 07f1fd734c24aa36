/*
 * test_dp_thread.c - the data plane by messages (mgmt/dp_thread.c): two
 * packet workers, each with its own engine on its own thread, answer the
 * management side's struct sw_dp; their answers are merged (a walk in
 * global id order with nothing skipped or repeated, stats summed, session
 * and clear routed by id, set_conf applied to both).  Plus the worker's
 * never-blocking queues: a full ended-session ring counts what it lost.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "mgmt/dp_thread.h"
#include "pktbuild.h"

#define T0 (1000000000LL * SW_NS_PER_SEC)

static void syn(struct sw_engine *e, uint16_t sp, uint16_t dp)
{
	struct pb_seg g = {.src = "10.0.0.1", .dst = "10.9.9.9", .sport = sp, .dport = dp,
			   .flags = SW_TH_SYN, .seq = 1000, .win = 65535, .wscale = -1};
	struct pb_pkt p;
	pb_tcp(&p, &g);
	sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, T0);
}

struct worker {
	struct sw_dp_link link;
	struct sw_engine *e;
	pthread_t t;
	atomic_uint served; /* read by the test while the worker runs */
};

/* A packet loop with no packets: poll the wake eventfd, answer, until told to stop. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!w->link.stop) {
		struct pollfd p = {.fd = w->link.wake_fd, .events = POLLIN};
		poll(&p, 1, 1000);
		atomic_fetch_add(&w->served, sw_dp_link_serve(&w->link, 1000 * 1000));
	}
	return NULL;
}

struct fx {
	struct worker w[2];
	struct sw_dp dp;
	struct sw_dp_thread t;
	int notify;
};

static const unsigned per_worker[2] = {700, 300};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sw_dp_link *links[2];
	struct sw_conf c, share;

	sw_conf_defaults(&c);
	c.max_sessions = 2 * 4096; /* the whole; each engine runs its share */
	share = c;
	sw_conf_share(&share, 2);
	f->notify = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	for (unsigned i = 0; i < 2; i++) {
		struct worker *w = &f->w[i];
		assert_int_equal(sw_engine_create(&w->e, &share), 0);
		for (unsigned k = 0; k < per_worker[i]; k++)
			syn(w->e, (uint16_t)(10000 * (i + 1) + k), 80);
		assert_int_equal(sw_dp_link_init(&w->link, i, 2, w->e, NULL, NULL, f->notify, 64, 8), 0);
		links[i] = &w->link;
	}
	assert_int_equal(sw_dp_thread_init(&f->dp, &f->t, links, 2, f->notify, &c), 0);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&f->w[i].t, NULL, worker_main, &f->w[i]), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	assert_int_equal(sw_dp_thread_stop(&f->t), 0);
	for (unsigned i = 0; i < 2; i++) {
		pthread_join(f->w[i].t, NULL);
		sw_dp_link_free(&f->w[i].link);
		sw_engine_destroy(f->w[i].e);
	}
	sw_dp_thread_free(&f->t);
	close(f->notify);
	free(f);
	return 0;
}

struct seen {
	uint32_t last, n, bad_order;
	uint32_t ids[1100];
	uint16_t sport[1100];
	unsigned stop_after; /* stop the walk after this many (0: never) */
};

static int seen_cb(void *ctx, const struct sw_sess_info *si)
{
	struct seen *s = ctx;
	if (si->id <= s->last)
		s->bad_order++;
	s->last = si->id;
	s->ids[s->n] = si->id;
	s->sport[s->n++] = si->orig_p;
	return s->stop_after && s->n % s->stop_after == 0;
}

static void walk_all(struct fx *f, struct seen *s, unsigned max)
{
	uint32_t cur = 0;
	unsigned slices = 0;
	do {
		sw_dp_walk(&f->dp, &cur, max, seen_cb, s);
		assert_true(++slices < 10000);
	} while (cur);
}

static void test_walk_merged(void **state)
{
	struct fx *f = *state;
	static struct seen s;

	memset(&s, 0, sizeof(s));
	walk_all(f, &s, 64);
	assert_int_equal(s.n, 1000);
	assert_int_equal(s.bad_order, 0);
	/* callbacks that stop the walk resume exactly after */
	memset(&s, 0, sizeof(s));
	s.stop_after = 7;
	walk_all(f, &s, 256);
	assert_int_equal(s.n, 1000);
	assert_int_equal(s.bad_order, 0);
}

static void test_session_clear_routed(void **state)
{
	struct fx *f = *state;
	static struct seen s;
	struct sw_sess_info si;
	struct sw_stats st;

	memset(&s, 0, sizeof(s));
	walk_all(f, &s, 256);
	for (unsigned k = 0; k < s.n; k += 37) {
		assert_int_equal(sw_dp_session(&f->dp, s.ids[k], &si), 0);
		assert_int_equal(si.id, s.ids[k]);
		assert_int_equal(si.orig_p, s.sport[k]);
	}
	assert_int_equal(sw_dp_session(&f->dp, 5000, &si), -ENOENT);
	/* one from each worker */
	assert_int_equal(sw_dp_clear(&f->dp, s.ids[0]), 0);
	assert_int_equal(sw_dp_clear(&f->dp, s.ids[1]), 0);
	assert_int_equal(sw_dp_clear(&f->dp, s.ids[1]), -ENOENT);
	sw_dp_stats(&f->dp, &st);
	assert_int_equal(st.active, 998);
	assert_int_equal(st.ctr[SW_CTR_SESS_CREATED], 1000);
	assert_int_equal(st.max_sessions, 2 * 4096);
	assert_true(atomic_load(&f->w[0].served) > 0 && atomic_load(&f->w[1].served) > 0);
}

static void test_conf_and_now(void **state)
{
	struct fx *f = *state;
	struct sw_conf c = *sw_dp_conf(&f->dp);
	struct sw_dp_if di;

	c.timeout[SW_TO_TCP] = 1234;
	assert_int_equal(sw_dp_set_conf(&f->dp, &c), 0);
	assert_int_equal(sw_dp_conf(&f->dp)->timeout[SW_TO_TCP], 1234);
	assert_int_equal(sw_engine_conf(f->w[1].e)->timeout[SW_TO_TCP], 1234);
	c.timeout[SW_TO_TCP] = 0; /* out of range: refused by both, the running copy unchanged */
	assert_true(sw_dp_set_conf(&f->dp, &c) < 0);
	assert_int_equal(sw_dp_conf(&f->dp)->timeout[SW_TO_TCP], 1234);
	assert_int_equal(sw_dp_now(&f->dp), T0);
	assert_int_equal(sw_dp_iface(&f->dp, 0, &di), -ENOENT);
}

/*
 * Every member of the stats is merged: each worker has 10.0.0.1 at its
 * quota, which is its share of the whole (200 / 2 workers); the running
 * configuration keeps the whole; per-worker stats are each engine's own.
 */
static void test_stats_merged(void **state)
{
	struct fx *f = *state;
	struct sw_conf c = *sw_dp_conf(&f->dp);
	struct sw_stats st, per[3];

	c.max_per_source = 200;
	assert_int_equal(sw_dp_set_conf(&f->dp, &c), 0);
	assert_int_equal(sw_dp_conf(&f->dp)->max_per_source, 200);
	assert_int_equal(sw_engine_conf(f->w[0].e)->max_per_source, 100);
	sw_dp_stats(&f->dp, &st);
	assert_int_equal(st.sources_at_quota, 2);
	assert_int_equal(st.active, 1000);
	assert_int_equal(st.accelerating, 0);
	assert_int_equal(sw_dp_workers(&f->dp, per, 3), 2);
	assert_int_equal(per[0].active, per_worker[0]);
	assert_int_equal(per[1].active, per_worker[1]);
	assert_int_equal(per[0].max_sessions, 4096);
}

/* The loop's stall figures: noted by each worker, merged and reset by request. */
static void test_stall_merged(void **state)
{
	struct fx *f = *state;
	struct sw_dp_stall st;

	for (int i = 0; i < 98; i++)
		sw_dp_stall_note(&f->w[0].link.stall, 5000, 4000);
	sw_dp_stall_note(&f->w[0].link.stall, 25000, 20000);
	sw_dp_stall_note(&f->w[0].link.stall, 3000000, 90000);
	sw_dp_stall_note(&f->w[1].link.stall, 15000, 15000);
	assert_int_equal(sw_dp_thread_stall(&f->t, &st, 1), 0);
	assert_int_equal(st.wakeups, 101);
	assert_int_equal(st.max_ns, 3000000);
	assert_int_equal(st.max_cpu_ns, 90000);
	assert_true(sw_dp_stall_quantile_us(&st, 0.5) == 10.0);
	assert_true(sw_dp_stall_quantile_us(&st, 0.99) == 30.0);
	assert_true(sw_dp_stall_quantile_us(&st, 1.0) == 3000.0);
	assert_int_equal(sw_dp_thread_stall(&f->t, &st, 0), 0);
	assert_int_equal(st.wakeups, 0);
}

/* The worker's queues never block: a full ring counts, the next record carries the count. */
static void test_end_ring_full(void **st)
{
	struct sw_dp_link l;
	struct sw_sess_info si;
	struct sw_dpm_end r;
	int notify = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint64_t v;
	(void)st;

	memset(&si, 0, sizeof(si));
	assert_int_equal(sw_dp_link_init(&l, 1, 2, NULL, NULL, NULL, notify, 4, 4), 0);
	for (unsigned i = 1; i <= 6; i++) {
		si.id = i;
		assert_int_equal(sw_dp_link_end(&l, &si), i <= 4 ? 0 : -ENOSPC);
	}
	assert_int_equal(l.end_lost, 2);
	sw_dp_link_notify(&l);
	assert_int_equal(read(notify, &v, sizeof(v)), (ssize_t)sizeof(v));
	assert_int_equal(sw_ring_pop(&l.end, &r, sizeof(r)), 1);
	assert_int_equal(r.si.id, 2); /* local 1 of worker 1 of 2 */
	si.id = 7;
	assert_int_equal(sw_dp_link_end(&l, &si), 0);
	while (sw_ring_pop(&l.end, &r, sizeof(r)))
		;
	assert_int_equal(r.lost_before, 2);
	sw_dp_link_free(&l);
	close(notify);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_walk_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_clear_routed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_and_now, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_merged, setup, teardown),
		cmocka_unit_test(test_end_ring_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
