/*
 * table.c - session index and pools.  See table.h for the layout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "flow/table.h"
#include "util/bigmem.h"
#include "util/bug.h"

static size_t nbuckets_for(uint32_t cap)
{
	size_t n = 1;

	while (n * 4 < cap)
		n <<= 1;
	return n < 2 ? 2 : n;
}

int sw_table_init(struct sw_table *t, uint32_t cap, uint64_t seed)
{
	size_t nb;

	memset(t, 0, sizeof(*t));
	if (cap == 0 || cap >= SW_IDX_NONE)
		return -EINVAL;
	nb = nbuckets_for(cap);
	t->cap = cap;
	t->bmask = (uint32_t)(nb - 1);
	t->seed = seed | 1;
	t->bkt = sw_big_alloc(nb * sizeof(*t->bkt));
	t->sess = sw_big_alloc((size_t)cap * sizeof(*t->sess));
	t->cold = sw_big_alloc((size_t)cap * sizeof(*t->cold));
	t->v6 = sw_big_alloc((size_t)cap * sizeof(*t->v6));
	t->v6_free = sw_big_alloc((size_t)cap * sizeof(*t->v6_free));
	if (!t->bkt || !t->sess || !t->cold || !t->v6 || !t->v6_free) {
		sw_table_free(t);
		return -ENOMEM;
	}
	t->map_bytes = nb * sizeof(*t->bkt) +
		       (size_t)cap * (sizeof(*t->sess) + sizeof(*t->cold) +
				      sizeof(*t->v6) + sizeof(*t->v6_free));
	return 0;
}

void sw_table_free(struct sw_table *t)
{
	sw_big_free(t->bkt, ((size_t)t->bmask + 1) * sizeof(*t->bkt));
	sw_big_free(t->sess, (size_t)t->cap * sizeof(*t->sess));
	sw_big_free(t->cold, (size_t)t->cap * sizeof(*t->cold));
	sw_big_free(t->v6, (size_t)t->cap * sizeof(*t->v6));
	sw_big_free(t->v6_free, (size_t)t->cap * sizeof(*t->v6_free));
	memset(t, 0, sizeof(*t));
}

static uint32_t pool_get(struct sw_table *t)
{
	uint32_t idx;

	if (t->nfree && (t->nfree > SW_REUSE_DELAY || t->hwm == t->cap)) {
		idx = t->free_head;
		t->free_head = t->sess[idx].addr[0]; /* the free list runs through freed records */
		t->nfree--;
		return idx;
	}
	if (t->hwm < t->cap)
		return t->hwm++;
	return SW_IDX_NONE;
}

static uint32_t v6_get(struct sw_table *t)
{
	if (t->v6_nfree)
		return t->v6_free[--t->v6_nfree];
	return t->v6_hwm++; /* below cap: one v6 key per live session, checked by the caller */
}

uint32_t sw_table_insert(struct sw_table *t, const struct sw_key *k, uint64_t h)
{
	uint32_t b = (uint32_t)h & t->bmask, home = b, idx;
	struct sw_sess *s;

	if (t->count >= t->cap)
		return SW_IDX_NONE;
	/* Fewer live sessions than cap, so a free IPv6 key slot exists. */
	if (k->v6 && !t->v6_nfree && !SW_CHECK(t->v6_hwm < t->cap))
		return SW_IDX_NONE;
	idx = pool_get(t);
	if (idx == SW_IDX_NONE)
		return SW_IDX_NONE;
	/* Find a free slot; count the key in every full bucket it passes. */
	for (;;) {
		struct sw_bucket *bk = &t->bkt[b];
		int i;
		for (i = 0; i < SW_BUCKET_SLOTS; i++)
			if (bk->sig[i] == 0)
				break;
		if (i < SW_BUCKET_SLOTS) {
			bk->sig[i] = sw_sig_of(h);
			bk->idx[i] = idx;
			break;
		}
		b = (b + 1) & t->bmask;
	}
	for (uint32_t p = home; p != b; p = (p + 1) & t->bmask)
		t->bkt[p].ovf++;

	s = &t->sess[idx];
	memset(s, 0, sizeof(*s));
	memset(&t->cold[idx], 0, sizeof(t->cold[idx]));
	s->proto = k->proto;
	s->port[0] = k->p[0];
	s->port[1] = k->p[1];
	s->flags = SW_SF_INUSE | (k->swapped ? SW_SF_ORIG1 : 0);
	s->ended_by = SW_NO_END;
	if (k->v6) {
		uint32_t v = v6_get(t);
		t->v6[v].a[0] = k->a[0];
		t->v6[v].a[1] = k->a[1];
		s->addr[0] = v;
		s->flags |= SW_SF_V6;
	} else {
		s->addr[0] = k->a[0].w[3];
		s->addr[1] = k->a[1].w[3];
	}
	t->cold[idx].tw_next = t->cold[idx].tw_prev = SW_IDX_NONE;
	t->cold[idx].ev_next = t->cold[idx].ev_prev = SW_IDX_NONE;
	t->count++;
	return idx;
}

void sw_table_key(const struct sw_table *t, uint32_t idx, struct sw_key *k)
{
	const struct sw_sess *s = &t->sess[idx];

	memset(k, 0, sizeof(*k));
	k->proto = s->proto;
	k->p[0] = s->port[0];
	k->p[1] = s->port[1];
	k->v6 = (s->flags & SW_SF_V6) != 0;
	k->swapped = (s->flags & SW_SF_ORIG1) != 0;
	if (k->v6) {
		k->a[0] = t->v6[s->addr[0]].a[0];
		k->a[1] = t->v6[s->addr[0]].a[1];
	} else {
		for (int i = 0; i < 2; i++) {
			k->a[i].w[2] = htonl(0xffff);
			k->a[i].w[3] = s->addr[i];
		}
	}
}

void sw_table_remove(struct sw_table *t, uint32_t idx)
{
	struct sw_key k;

	sw_table_key(t, idx, &k);
	sw_table_remove_hashed(t, idx, sw_key_hash(t, &k));
}

void sw_table_remove_hashed(struct sw_table *t, uint32_t idx, uint64_t h)
{
	uint32_t b, home, sig, n;
	int i = 0;

	home = b = (uint32_t)h & t->bmask;
	sig = sw_sig_of(h);
	/* Find the slot first: the overflow counts are only touched once it is known. */
	for (n = 0; n <= t->bmask; n++, b = (b + 1) & t->bmask) {
		const struct sw_bucket *bk = &t->bkt[b];
		for (i = 0; i < SW_BUCKET_SLOTS; i++)
			if (bk->sig[i] == sig && bk->idx[i] == idx)
				break;
		if (i < SW_BUCKET_SLOTS)
			break;
	}
	if (!SW_CHECK(n <= t->bmask)) /* a live session is always indexed */
		return;
	t->bkt[b].sig[i] = 0;
	for (uint32_t p = home; p != b; p = (p + 1) & t->bmask)
		t->bkt[p].ovf--;
	if (t->sess[idx].flags & SW_SF_V6)
		t->v6_free[t->v6_nfree++] = t->sess[idx].addr[0];
	t->sess[idx].flags = 0;
	t->sess[idx].addr[0] = SW_IDX_NONE;
	if (t->nfree++)
		t->sess[t->free_tail].addr[0] = idx;
	else
		t->free_head = idx;
	t->free_tail = idx;
	t->count--;
}

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -EFAULT;                                                                    \
	} while (0)

int sw_table_check(const struct sw_table *t, char *err, size_t errlen)
{
	uint32_t live = 0, slots = 0, nb = t->bmask + 1, f, n;

	for (uint32_t b = 0; b < nb; b++) {
		const struct sw_bucket *bk = &t->bkt[b];
		uint32_t passing = 0;

		for (int i = 0; i < SW_BUCKET_SLOTS; i++) {
			struct sw_key k;
			uint64_t h;
			uint32_t idx = bk->idx[i];

			if (bk->sig[i] == 0)
				continue;
			slots++;
			if (idx >= t->hwm || !(t->sess[idx].flags & SW_SF_INUSE))
				FAIL("table: bucket %u slot %d points at record %u, which is not live", b,
				     i, idx);
			sw_table_key(t, idx, &k);
			h = sw_key_hash(t, &k);
			if (sw_sig_of(h) != bk->sig[i])
				FAIL("table: bucket %u slot %d: signature %08x, record %u hashes to %08x",
				     b, i, bk->sig[i], idx, sw_sig_of(h));
			if (sw_table_lookup(t, &k, h) != idx)
				FAIL("table: record %u is indexed in bucket %u but its lookup misses it",
				     idx, b);
			for (uint32_t p = (uint32_t)h & t->bmask; p != b; p = (p + 1) & t->bmask)
				if (t->bkt[p].ovf == 0)
					FAIL("table: record %u in bucket %u passed bucket %u, which counts "
					     "no overflowing keys", idx, b, p);
		}
		/*
		 * ovf: keys whose home lies before b (in probe order) and that sit
		 * after it.  Counted exactly where it is non-zero; where it is zero,
		 * the keys' own side above makes sure none passes.
		 */
		for (uint32_t d = 1; bk->ovf && d < nb; d++) {
			const struct sw_bucket *ob = &t->bkt[(b + d) & t->bmask];
			for (int i = 0; i < SW_BUCKET_SLOTS; i++) {
				struct sw_key k;
				uint32_t home, x = (b + d) & t->bmask;
				if (ob->sig[i] == 0)
					continue;
				sw_table_key(t, ob->idx[i], &k);
				home = (uint32_t)sw_key_hash(t, &k) & t->bmask;
				/* The key's probe ran home .. x; it passed b if b lies in [home, x). */
				if (((b - home) & t->bmask) < ((x - home) & t->bmask))
					passing++;
			}
			if (ob->ovf == 0)
				break; /* no probe passes it, so none reaches further and passed b */
		}
		if (passing != bk->ovf)
			FAIL("table: bucket %u counts %u overflowing keys, %u pass it", b, bk->ovf,
			     passing);
	}
	for (uint32_t i = 0; i < t->hwm; i++)
		live += (t->sess[i].flags & SW_SF_INUSE) != 0;
	if (live != t->count || slots != t->count)
		FAIL("table: count %u, %u live records, %u index slots", t->count, live, slots);
	if (t->count > t->cap || t->hwm > t->cap)
		FAIL("table: count %u, high-water mark %u, capacity %u", t->count, t->hwm, t->cap);
	for (n = 0, f = t->free_head; n < t->nfree; n++, f = t->sess[f].addr[0]) {
		if (f >= t->hwm || (t->sess[f].flags & SW_SF_INUSE))
			FAIL("table: free list entry %u is record %u, live or beyond %u", n, f, t->hwm);
		if (n + 1 == t->nfree && f != t->free_tail)
			FAIL("table: free list ends at %u, tail says %u", f, t->free_tail);
	}
	if (live + t->nfree != t->hwm)
		FAIL("table: %u live + %u free records, high-water mark %u", live, t->nfree, t->hwm);
	return 0;
}

size_t sw_table_bytes_per_session(const struct sw_table *t, int v6)
{
	/* Index share at the table's design load (cap sessions in bmask+1 buckets). */
	size_t index = ((size_t)t->bmask + 1) * sizeof(struct sw_bucket) / t->cap;

	return sizeof(struct sw_sess) + sizeof(struct sw_sess_cold) + index +
	       (v6 ? sizeof(struct sw_v6key) + sizeof(uint32_t) : 0);
}
