/*
 * test_table.c - the session index and pools, and the timer wheel, checked
 * against simple models under random operations; their invariant walkers
 * (and the tombstones') find each kind of damage; SW_CHECK counts in
 * release mode.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "engine/tomb.h"
#include "flow/table.h"
#include "statewall/engine.h"
#include "timer/wheel.h"
#include "util/bug.h"

static void flow_v4(struct sw_flow *f, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp)
{
	memset(f, 0, sizeof(*f));
	f->src.w[2] = f->dst.w[2] = htonl(0xffff);
	f->src.w[3] = htonl(src);
	f->dst.w[3] = htonl(dst);
	f->sport = sp;
	f->dport = dp;
	f->proto = 6;
	f->family = 4;
}

static void test_both_directions_one_session(void **st)
{
	struct sw_table t;
	struct sw_flow a, b;
	struct sw_key ka, kb;
	uint32_t idx;

	(void)st;
	assert_int_equal(sw_table_init(&t, 16, 42), 0);
	flow_v4(&a, 0x0a000001, 0x0a000002, 40000, 80);
	flow_v4(&b, 0x0a000002, 0x0a000001, 80, 40000);
	sw_key_from_flow(&ka, &a);
	sw_key_from_flow(&kb, &b);
	assert_int_equal(sw_key_hash(&t, &ka), sw_key_hash(&t, &kb));
	assert_int_not_equal(ka.swapped, kb.swapped);
	idx = sw_table_insert(&t, &ka, sw_key_hash(&t, &ka));
	assert_int_not_equal(idx, SW_IDX_NONE);
	assert_int_equal(sw_table_lookup(&t, &kb, sw_key_hash(&t, &kb)), idx);
	/* The packet that created it is the originator. */
	assert_int_equal(!!(t.sess[idx].flags & SW_SF_ORIG1), ka.swapped);
	sw_table_remove(&t, idx);
	assert_int_equal(sw_table_lookup(&t, &ka, sw_key_hash(&t, &ka)), SW_IDX_NONE);
	assert_int_equal(t.count, 0);
	sw_table_free(&t);
}

static void test_v6_and_v4_distinct(void **st)
{
	struct sw_table t;
	struct sw_flow f;
	struct sw_key k4, k6, back;
	uint32_t i4, i6;

	(void)st;
	assert_int_equal(sw_table_init(&t, 8, 1), 0);
	flow_v4(&f, 1, 2, 3, 4);
	sw_key_from_flow(&k4, &f);
	memset(&f.src, 0, sizeof(f.src));
	memset(&f.dst, 0, sizeof(f.dst));
	f.src.b[0] = 0x20, f.src.b[15] = 1;
	f.dst.b[0] = 0x20, f.dst.b[15] = 2;
	f.family = 6;
	sw_key_from_flow(&k6, &f);
	i4 = sw_table_insert(&t, &k4, sw_key_hash(&t, &k4));
	i6 = sw_table_insert(&t, &k6, sw_key_hash(&t, &k6));
	assert_int_not_equal(i4, i6);
	assert_int_equal(sw_table_lookup(&t, &k6, sw_key_hash(&t, &k6)), i6);
	sw_table_key(&t, i6, &back);
	assert_memory_equal(back.a, k6.a, sizeof(k6.a));
	sw_table_key(&t, i4, &back);
	assert_memory_equal(back.a, k4.a, sizeof(k4.a));
	sw_table_free(&t);
}

static void test_capacity_is_a_hard_limit(void **st)
{
	struct sw_table t;
	struct sw_flow f;
	struct sw_key k;

	(void)st;
	assert_int_equal(sw_table_init(&t, 100, 7), 0);
	for (uint32_t i = 0; i < 100; i++) {
		flow_v4(&f, 1, 2, (uint16_t)(1000 + i), 80);
		sw_key_from_flow(&k, &f);
		assert_int_not_equal(sw_table_insert(&t, &k, sw_key_hash(&t, &k)), SW_IDX_NONE);
	}
	flow_v4(&f, 1, 2, 999, 80);
	sw_key_from_flow(&k, &f);
	assert_int_equal(sw_table_insert(&t, &k, sw_key_hash(&t, &k)), SW_IDX_NONE);
	sw_table_free(&t);
}

/*
 * Random inserts and removals against a model, with a seed that forces long
 * overflow runs (every key hashes into a few buckets of a tiny table).
 */
static void test_random_against_model(void **st)
{
	enum { CAP = 4000, OPS = 200000 };
	struct sw_table t;
	static uint32_t model[CAP]; /* model[i] = pool index of key i + 1, or 0 */
	uint64_t rnd = 88172645463325252ull;

	(void)st;
	assert_int_equal(sw_table_init(&t, CAP, 99), 0);
	memset(model, 0, sizeof(model));
	for (int op = 0; op < OPS; op++) {
		struct sw_flow f;
		struct sw_key k;
		uint32_t key, idx;
		uint64_t h;

		rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
		key = (uint32_t)(rnd % CAP);
		flow_v4(&f, key, 7, (uint16_t)key, 53);
		sw_key_from_flow(&k, &f);
		h = sw_key_hash(&t, &k);
		idx = sw_table_lookup(&t, &k, h);
		if (model[key]) {
			assert_int_equal(idx, model[key] - 1);
			if (rnd & (1ull << 40)) {
				sw_table_remove(&t, idx);
				model[key] = 0;
			}
		} else {
			assert_int_equal(idx, SW_IDX_NONE);
			idx = sw_table_insert(&t, &k, h);
			assert_int_not_equal(idx, SW_IDX_NONE);
			model[key] = idx + 1;
		}
	}
	/* Every bucket's overflow count equals the keys that probed past it. */
	for (uint32_t b = 0; b <= t.bmask; b++) {
		uint32_t passed = 0;
		for (uint32_t c = 0; c <= t.bmask; c++)
			for (int s = 0; s < SW_BUCKET_SLOTS; s++) {
				if (!t.bkt[c].sig[s])
					continue;
				struct sw_key k;
				sw_table_key(&t, t.bkt[c].idx[s], &k);
				uint32_t home = (uint32_t)sw_key_hash(&t, &k) & t.bmask;
				uint32_t dist_b = (b - home) & t.bmask, dist_c = (c - home) & t.bmask;
				if (dist_b < dist_c)
					passed++;
			}
		assert_int_equal(t.bkt[b].ovf, passed);
	}
	{
		char err[256];
		if (sw_table_check(&t, err, sizeof(err)) < 0)
			fail_msg("%s", err);
	}
	sw_table_free(&t);
}

/* sw_table_check finds each kind of damage; removing an unindexed record is counted, not done. */
static void test_table_check_and_bug(void **st)
{
	struct sw_table t;
	struct sw_flow f;
	struct sw_key k;
	char err[256];
	uint32_t idx[10], ovf_sum = 0, ovf_after = 0, b, n;
	uint64_t bugs;
	int i, s, fatal;

	(void)st;
	/* Ten keys of one home bucket: three of them overflow into the next. */
	assert_int_equal(sw_table_init(&t, 40, 7), 0);
	for (i = 0, n = 0; n < 10; i++) {
		uint64_t h;
		flow_v4(&f, 0x0a000000u + (uint32_t)i, 0x0a0000ffu, (uint16_t)(1000 + i), 80);
		sw_key_from_flow(&k, &f);
		h = sw_key_hash(&t, &k);
		if ((h & t.bmask) != 0)
			continue;
		idx[n] = sw_table_insert(&t, &k, h);
		assert_int_not_equal(idx[n++], SW_IDX_NONE);
	}
	assert_int_equal(sw_table_check(&t, err, sizeof(err)), 0);
	for (b = 0; b <= t.bmask; b++)
		ovf_sum += t.bkt[b].ovf;
	assert_true(ovf_sum > 0);

	/* A wrong overflow count. */
	t.bkt[0].ovf++;
	assert_int_equal(sw_table_check(&t, err, sizeof(err)), -EFAULT);
	assert_non_null(strstr(err, "overflowing"));
	t.bkt[0].ovf--;
	/* An overflow count dropped to zero while keys still pass the bucket. */
	ovf_after = t.bkt[0].ovf;
	t.bkt[0].ovf = 0;
	assert_int_equal(sw_table_check(&t, err, sizeof(err)), -EFAULT);
	/* (The overflowed keys' lookups stop at bucket 0 now, which is found first.) */
	assert_true(strstr(err, "lookup misses") || strstr(err, "passed bucket 0"));
	t.bkt[0].ovf = ovf_after;
	ovf_after = 0;
	assert_int_equal(sw_table_check(&t, err, sizeof(err)), 0);
	/* A record no index slot points at: found, then removing it is an invariant failure. */
	for (b = 0; b <= t.bmask; b++)
		for (s = 0; s < SW_BUCKET_SLOTS; s++)
			if (t.bkt[b].sig[s] && t.bkt[b].idx[s] == idx[9])
				t.bkt[b].sig[s] = 0;
	assert_int_equal(sw_table_check(&t, err, sizeof(err)), -EFAULT);
	fatal = sw_bug_set_fatal(0);
	bugs = sw_bug_count();
	sw_table_remove(&t, idx[9]);
	assert_int_equal(sw_bug_count(), bugs + 1);
	sw_bug_set_fatal(fatal);
	/* It gave up before touching anything: no overflow count went down. */
	for (b = 0; b <= t.bmask; b++)
		ovf_after += t.bkt[b].ovf;
	assert_int_equal(ovf_after, ovf_sum);
	assert_int_equal(t.count, 10);
	sw_table_free(&t);
	/* The count is what `show counter global` reports as invariant-failures. */
	{
		struct sw_conf c;
		struct sw_engine *e;
		struct sw_stats sst;
		sw_conf_defaults(&c);
		c.max_sessions = 16;
		assert_int_equal(sw_engine_create(&e, &c), 0);
		sw_engine_stats(e, &sst);
		assert_int_equal(sst.ctr[SW_CTR_BUGS], bugs + 1);
		sw_engine_destroy(e);
	}
}

/* The tombstones' walker: ring and chains agree; a lost chain link is found. */
static void test_tomb_check(void **st)
{
	struct sw_tomb t;
	struct sw_sess_info si;
	struct sw_flow f;
	struct sw_key k;
	char err[256];

	(void)st;
	assert_int_equal(sw_tomb_init(&t, 4), 0);
	memset(&si, 0, sizeof(si));
	for (uint32_t i = 0; i < 6; i++) { /* 6 into 4: the two oldest retire */
		flow_v4(&f, 0x0a000001u, 0x0a000002u, (uint16_t)(1000 + i), 80);
		sw_key_from_flow(&k, &f);
		si.id = i + 1;
		si.end_reason = SW_END_TCP_FIN;
		assert_non_null(sw_tomb_add(&t, &k, 0x1234u + i, &si, 1000 + i, NULL, NULL));
		assert_int_equal(sw_tomb_check(&t, err, sizeof(err)), 0);
	}
	assert_int_equal(t.count, 4);
	t.bucket[(0x1234u + 5) & (t.nb - 1)] = SW_IDX_NONE; /* the newest drops off its chain */
	assert_int_equal(sw_tomb_check(&t, err, sizeof(err)), -EFAULT);
	assert_non_null(strstr(err, "tombstones"));
	sw_tomb_free(&t);
}

/* The wheel's walker: links, counts, and the visitor sees each record once, at its slot. */
struct seen {
	uint32_t n;
	sw_tick_t start[8];
};

static int on_visit(void *ctx, uint32_t idx, sw_tick_t slot_start)
{
	struct seen *v = ctx;

	v->n++;
	v->start[idx] = slot_start;
	return 0;
}

static void test_wheel_check(void **st)
{
	static struct sw_sess_cold cold[8];
	static struct sw_wheel w;
	struct seen v = {0};
	char err[256];

	(void)st;
	for (int i = 0; i < 8; i++)
		cold[i].tw_next = cold[i].tw_prev = SW_IDX_NONE;
	sw_wheel_init(&w, 1000);
	sw_wheel_schedule(&w, cold, 1, 1300);
	sw_wheel_schedule(&w, cold, 2, 1310);
	sw_wheel_schedule(&w, cold, 3, 9000);
	assert_int_equal(sw_wheel_check(&w, cold, 8, on_visit, &v, err, sizeof(err)), 0);
	assert_int_equal(v.n, 3);
	assert_int_equal(v.start[1], 1280);
	assert_int_equal(v.start[2], 1280);
	assert_int_equal(v.start[3], 8960);
	cold[1].tw_prev = 5; /* a broken back link */
	assert_int_equal(sw_wheel_check(&w, cold, 8, NULL, NULL, err, sizeof(err)), -EFAULT);
	assert_non_null(strstr(err, "links back"));
	cold[1].tw_prev = 2;
	w.count++;
	assert_int_equal(sw_wheel_check(&w, cold, 8, NULL, NULL, err, sizeof(err)), -EFAULT);
	assert_non_null(strstr(err, "counted"));
}

/* ---- wheel ---- */

struct fired {
	uint32_t idx[64];
	sw_tick_t at[64];
	int n;
	sw_tick_t now;
};

static void on_fire(void *ctx, uint32_t idx)
{
	struct fired *f = ctx;

	f->idx[f->n] = idx;
	f->at[f->n++] = f->now;
}

static void test_wheel_fires_after_deadline(void **st)
{
	static struct sw_sess_cold cold[8];
	static struct sw_wheel w;
	struct fired f = {0};

	(void)st;
	for (int i = 0; i < 8; i++)
		cold[i].tw_next = cold[i].tw_prev = SW_IDX_NONE;
	sw_wheel_init(&w, 0);
	sw_wheel_schedule(&w, cold, 1, 1000);
	sw_wheel_schedule(&w, cold, 2, 5000);
	sw_wheel_schedule(&w, cold, 3, 300);
	sw_wheel_unlink(&w, cold, 3);
	for (f.now = 0; f.now < 6000; f.now += 50)
		sw_wheel_advance(&w, cold, f.now, on_fire, &f);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.idx[0], 1);
	assert_true(f.at[0] >= 1000 && f.at[0] <= 1000 + 2 * 128);
	assert_int_equal(f.idx[1], 2);
	assert_true(f.at[1] >= 5000 && f.at[1] <= 5000 + 2 * 128);
	assert_int_equal(w.count, 0);
}

static void test_wheel_far_deadline_and_jump(void **st)
{
	static struct sw_sess_cold cold[4];
	static struct sw_wheel w;
	struct fired f = {0};

	(void)st;
	for (int i = 0; i < 4; i++)
		cold[i].tw_next = cold[i].tw_prev = SW_IDX_NONE;
	sw_wheel_init(&w, 0);
	/* Beyond the span: parked at its edge, fired early; the owner re-queues. */
	sw_wheel_schedule(&w, cold, 1, 3600u * 1000u);
	f.now = 2000u * 1000u;
	sw_wheel_advance(&w, cold, f.now, on_fire, &f); /* a long silence: one sweep */
	assert_int_equal(f.n, 1);
	assert_int_equal(w.count, 0);
	assert_int_equal(cold[1].tw_prev, SW_IDX_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_directions_one_session),
		cmocka_unit_test(test_v6_and_v4_distinct),
		cmocka_unit_test(test_capacity_is_a_hard_limit),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_wheel_fires_after_deadline),
		cmocka_unit_test(test_wheel_far_deadline_and_jump),
		cmocka_unit_test(test_table_check_and_bug),
		cmocka_unit_test(test_wheel_check),
		cmocka_unit_test(test_tomb_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
