/*
 * test_ring.c - the packet/management SPSC ring (src/mgmt/ring.h): order,
 * full and empty, wrap-around of the free-running indexes, and two threads
 * passing a bounded number of records with no loss, duplicate or reorder.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mgmt/ring.h"

struct rec {
	uint64_t seq;
	uint64_t check; /* seq * a constant: a torn or stale record shows */
	char pad[40];
};

#define MAGIC 0x9e3779b97f4a7c15ull

static void test_init_errors(void **st)
{
	struct sw_ring r;
	(void)st;
	assert_int_equal(sw_ring_init(&r, sizeof(struct rec), 0), -EINVAL);
	assert_int_equal(sw_ring_init(&r, sizeof(struct rec), 1), -EINVAL);
	assert_int_equal(sw_ring_init(&r, sizeof(struct rec), 12), -EINVAL);
	assert_int_equal(sw_ring_init(&r, 0, 16), -EINVAL);
	assert_int_equal(sw_ring_init(&r, sizeof(struct rec), 16), 0);
	assert_int_equal(sw_ring_capacity(&r), 16);
	sw_ring_free(&r);
}

static void test_layout(void **st)
{
	(void)st;
	/* head and tail never share a cache line */
	assert_true(offsetof(struct sw_ring, tail) - offsetof(struct sw_ring, head) >= SW_RING_LINE);
	assert_true(offsetof(struct sw_ring, mask) - offsetof(struct sw_ring, tail) >= SW_RING_LINE);
}

static void test_full_empty_order(void **st)
{
	struct sw_ring r;
	struct rec x = {0}, y;
	(void)st;

	assert_int_equal(sw_ring_init(&r, sizeof(x), 8), 0);
	assert_null(sw_ring_peek(&r));
	assert_int_equal(sw_ring_pop(&r, &y, sizeof(y)), 0);
	for (uint64_t i = 0; i < 8; i++) {
		x.seq = i;
		assert_int_equal(sw_ring_push(&r, &x, sizeof(x)), 0);
	}
	assert_int_equal(sw_ring_count(&r), 8);
	x.seq = 99;
	assert_int_equal(sw_ring_push(&r, &x, sizeof(x)), -ENOSPC);
	assert_null(sw_ring_reserve(&r));
	for (uint64_t i = 0; i < 8; i++) {
		assert_int_equal(sw_ring_pop(&r, &y, sizeof(y)), 1);
		assert_int_equal(y.seq, i);
	}
	assert_int_equal(sw_ring_pop(&r, &y, sizeof(y)), 0);
	sw_ring_free(&r);
}

/* The indexes are free-running: start them just below 2^32 and cross the wrap. */
static void test_index_wrap(void **st)
{
	struct sw_ring r;
	struct rec x = {0}, y;
	(void)st;

	assert_int_equal(sw_ring_init(&r, sizeof(x), 4), 0);
	atomic_store(&r.head, UINT32_MAX - 5);
	atomic_store(&r.tail, UINT32_MAX - 5);
	r.tail_cache = r.head_cache = UINT32_MAX - 5;
	for (uint64_t i = 0; i < 40; i++) {
		x.seq = i;
		assert_int_equal(sw_ring_push(&r, &x, sizeof(x)), 0);
		if (i % 3 == 2 && sw_ring_count(&r) < 3)
			continue; /* let the fill level vary */
		assert_int_equal(sw_ring_pop(&r, &y, sizeof(y)), 1);
	}
	uint64_t last = 0;
	int n = 0;
	while (sw_ring_pop(&r, &y, sizeof(y)))
		last = y.seq, n++;
	assert_true(n > 0 && n <= 4);
	assert_int_equal(last, 39);
	sw_ring_free(&r);
}

#define STRESS_N 1000000u

struct stress {
	struct sw_ring r;
	uint64_t full_spins, bad;
};

static void *producer(void *arg)
{
	struct stress *s = arg;

	for (uint64_t i = 0; i < STRESS_N;) {
		struct rec *slot = sw_ring_reserve(&s->r);
		if (!slot) {
			s->full_spins++;
			sched_yield(); /* the two threads may share one CPU */
			continue;
		}
		slot->seq = i;
		slot->check = i * MAGIC;
		sw_ring_commit(&s->r);
		i++;
	}
	return NULL;
}

static void test_two_threads(void **st)
{
	struct stress s = {0};
	pthread_t t;
	uint64_t next = 0;
	(void)st;

	assert_int_equal(sw_ring_init(&s.r, sizeof(struct rec), 64), 0);
	assert_int_equal(pthread_create(&t, NULL, producer, &s), 0);
	while (next < STRESS_N) {
		const struct rec *rec = sw_ring_peek(&s.r);
		if (!rec) {
			sched_yield();
			continue;
		}
		if (rec->seq != next || rec->check != next * MAGIC)
			s.bad++;
		next = rec->seq + 1;
		sw_ring_release(&s.r);
	}
	pthread_join(t, NULL);
	assert_int_equal(s.bad, 0);
	assert_int_equal(next, STRESS_N);
	assert_null(sw_ring_peek(&s.r));
	sw_ring_free(&s.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_full_empty_order),
		cmocka_unit_test(test_index_wrap),
		cmocka_unit_test(test_two_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
