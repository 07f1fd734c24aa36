/*
 * tomb.c - tombstones.  See tomb.h.
 *
 * A ring in creation order (so retiring is FIFO and O(1)) plus a chained
 * hash over it for lookups by key.  Entries are retired strictly from the
 * head, so a chain never points at a freed entry: retire unlinks first.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/tomb.h"
#include "util/bigmem.h"
#include "util/bug.h"
#include "util/seq.h"

int sw_tomb_init(struct sw_tomb *t, uint32_t cap)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap;
	if (cap == 0)
		return 0;
	t->nb = 1;
	while (t->nb < cap)
		t->nb <<= 1;
	t->ent = sw_big_alloc((size_t)cap * sizeof(*t->ent));
	t->bucket = sw_big_alloc((size_t)t->nb * sizeof(*t->bucket));
	if (!t->ent || !t->bucket) {
		sw_big_free(t->ent, (size_t)cap * sizeof(*t->ent));
		sw_big_free(t->bucket, (size_t)t->nb * sizeof(*t->bucket));
		memset(t, 0, sizeof(*t));
		return -ENOMEM;
	}
	memset(t->bucket, 0xff, (size_t)t->nb * sizeof(*t->bucket));
	return 0;
}

void sw_tomb_free(struct sw_tomb *t)
{
	if (t->cap) {
		sw_big_free(t->ent, (size_t)t->cap * sizeof(*t->ent));
		sw_big_free(t->bucket, (size_t)t->nb * sizeof(*t->bucket));
	}
	memset(t, 0, sizeof(*t));
}

static void retire_head(struct sw_tomb *t, sw_end_fn fn, void *ctx)
{
	uint32_t i = t->head;
	struct sw_tomb_ent *e = &t->ent[i];
	uint32_t *pp = &t->bucket[e->hash & (t->nb - 1)];

	while (*pp != SW_IDX_NONE && *pp != i)
		pp = &t->ent[*pp].hnext;
	if (SW_CHECK(*pp == i)) /* every tombstone is on its chain */
		*pp = e->hnext;
	if (fn)
		fn(ctx, &e->info);
	t->head = (t->head + 1) % t->cap;
	t->count--;
}

struct sw_tomb_ent *sw_tomb_add(struct sw_tomb *t, const struct sw_key *k, uint64_t h,
				const struct sw_sess_info *si, sw_tick_t until, sw_end_fn fn,
				void *ctx)
{
	uint32_t i, b;
	struct sw_tomb_ent *e;

	if (t->cap == 0) {
		if (fn)
			fn(ctx, si);
		return NULL;
	}
	if (t->count == t->cap)
		retire_head(t, fn, ctx);
	i = (t->head + t->count) % t->cap;
	e = &t->ent[i];
	e->key = *k;
	e->info = *si;
	e->until = until;
	e->hash = (uint32_t)h;
	b = e->hash & (t->nb - 1);
	e->hnext = t->bucket[b];
	t->bucket[b] = i;
	t->count++;
	return e;
}

static int key_same(const struct sw_key *a, const struct sw_key *b)
{
	return a->proto == b->proto && a->p[0] == b->p[0] && a->p[1] == b->p[1] &&
	       !memcmp(a->a, b->a, sizeof(a->a));
}

struct sw_tomb_ent *sw_tomb_find(struct sw_tomb *t, const struct sw_key *k, uint64_t h)
{
	if (t->cap == 0)
		return NULL;
	for (uint32_t i = t->bucket[(uint32_t)h & (t->nb - 1)]; i != SW_IDX_NONE;
	     i = t->ent[i].hnext)
		if (t->ent[i].hash == (uint32_t)h && key_same(&t->ent[i].key, k))
			return &t->ent[i];
	return NULL;
}

void sw_tomb_expire(struct sw_tomb *t, sw_tick_t now, sw_end_fn fn, void *ctx)
{
	while (t->count && sw_tick_reached(now, t->ent[t->head].until))
		retire_head(t, fn, ctx);
}

void sw_tomb_flush(struct sw_tomb *t, sw_end_fn fn, void *ctx)
{
	while (t->count)
		retire_head(t, fn, ctx);
}

/* Is ring slot i one of the count entries from head? */
static int in_ring(const struct sw_tomb *t, uint32_t i)
{
	return i < t->cap && (i + t->cap - t->head) % t->cap < t->count;
}

int sw_tomb_check(const struct sw_tomb *t, char *err, size_t errlen)
{
	uint32_t chained = 0;

	if (t->cap == 0) {
		if (t->count == 0)
			return 0;
		snprintf(err, errlen, "tombstones: %u with no room for any", t->count);
		return -EFAULT;
	}
	if (t->count > t->cap || t->head >= t->cap) {
		snprintf(err, errlen, "tombstones: count %u, head %u, capacity %u", t->count, t->head,
			 t->cap);
		return -EFAULT;
	}
	for (uint32_t b = 0; b < t->nb; b++) {
		for (uint32_t i = t->bucket[b]; i != SW_IDX_NONE; i = t->ent[i].hnext) {
			if (!in_ring(t, i) || chained >= t->count ||
			    (t->ent[i].hash & (t->nb - 1)) != b) {
				snprintf(err, errlen, "tombstones: chain %u holds entry %u, which is not "
					 "a live tombstone of that chain", b, i);
				return -EFAULT;
			}
			chained++;
		}
	}
	if (chained != t->count) {
		snprintf(err, errlen, "tombstones: %u on the chains, %u counted", chained, t->count);
		return -EFAULT;
	}
	for (uint32_t n = 0; n < t->count; n++) {
		uint32_t i = (t->head + n) % t->cap, j;
		const struct sw_tomb_ent *e = &t->ent[i];

		for (j = t->bucket[e->hash & (t->nb - 1)]; j != SW_IDX_NONE && j != i;)
			j = t->ent[j].hnext;
		if (j != i || e->info.id == 0 || e->info.end_reason >= SW_END_MAX) {
			snprintf(err, errlen, "tombstones: entry %u (session %u, reason %u) is not on its "
				 "chain or is not an ended session", i, e->info.id, e->info.end_reason);
			return -EFAULT;
		}
	}
	return 0;
}
