/*
 * table.h - the session table: a pool of fixed session records addressed by
 * 32-bit index, and an index of 64-byte buckets mapping key hashes to them.
 *
 * Index layout (one cache line per bucket, as DPDK's cuckoo hash and the
 * measurements in ../shared/docs/performance.md suggest): 7 slots of
 * {32-bit signature, 32-bit pool index} and an overflow counter.  A key
 * lives in its home bucket or, when that is full, in the next buckets;
 * every bucket it skipped counts it in `ovf`, so a lookup stops at the
 * first bucket without a match and with ovf == 0 - usually the home one.
 * The table is sized so buckets are at most 4/7 full (max-sessions / 4
 * buckets, power of two), which keeps overflow rare.
 *
 * Memory: the index and the pools are reserved with mmap
 * (MAP_NORESERVE) for max-sessions up front and touched only as sessions
 * are created, so a large limit costs address space, not RAM, until used.
 * Nothing here allocates after sw_table_init().
 */
#ifndef SW_FLOW_TABLE_H
#define SW_FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "flow/session.h"
#include "util/prefetch.h"
#include "statewall/types.h"

#define SW_BUCKET_SLOTS 7

struct sw_bucket {
	uint32_t sig[SW_BUCKET_SLOTS]; /* 0 = empty */
	uint32_t ovf;                  /* keys whose probe passed this bucket */
	uint32_t idx[SW_BUCKET_SLOTS];
	uint32_t pad;
};
static_assert(sizeof(struct sw_bucket) == 64, "bucket must be one cache line");

/* IPv6 addresses of a session, canonical order. */
struct sw_v6key {
	struct sw_addr a[2];
};

/* A canonical lookup key built from a packet's flow. */
struct sw_key {
	struct sw_addr a[2];
	uint16_t p[2];
	uint8_t proto;
	uint8_t v6;
	uint8_t swapped; /* the packet's source is canonical side 1 */
};

struct sw_table {
	struct sw_bucket *bkt;
	uint32_t bmask;
	uint32_t cap; /* max sessions */
	uint32_t count;
	uint32_t hwm;   /* pool indexes below hwm have been used at least once */
	uint32_t nfree; /* freed records waiting, FIFO from free_head to free_tail */
	uint32_t free_head, free_tail; /* linked through sess[].addr[0] */
	struct sw_sess *sess;
	struct sw_sess_cold *cold;
	struct sw_v6key *v6;
	uint32_t v6_hwm, v6_nfree;
	uint32_t *v6_free;
	uint64_t seed;
	size_t map_bytes; /* address space reserved, for stats */
};

/* Reserve a table for `cap` sessions; seed keys the hash. 0 or -errno. */
int sw_table_init(struct sw_table *t, uint32_t cap, uint64_t seed);
void sw_table_free(struct sw_table *t);

/* Both addresses IPv4 (v4-mapped): the common case gets word compares. */
static inline int sw_addr_pair_v4(const struct sw_addr *a, const struct sw_addr *b)
{
	return !(a->w[0] | a->w[1] | b->w[0] | b->w[1]) && a->w[2] == b->w[2] &&
	       a->w[2] == __builtin_bswap32(0xffff);
}

static inline int sw_side_cmp(const struct sw_addr *a, uint16_t pa, const struct sw_addr *b,
			      uint16_t pb)
{
	if (sw_addr_pair_v4(a, b)) {
		uint32_t x = __builtin_bswap32(a->w[3]), y = __builtin_bswap32(b->w[3]);
		if (x != y)
			return x < y ? -1 : 1;
	} else {
		for (int i = 0; i < 4; i++) {
			uint32_t x = __builtin_bswap32(a->w[i]), y = __builtin_bswap32(b->w[i]);
			if (x != y)
				return x < y ? -1 : 1;
		}
	}
	return (int)pa - (int)pb;
}

/* 1 if IPv4 src:sport is the larger side (canonical side 1); w[3] words, host-order ports. */
static inline int sw_v4_swapped(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	uint64_t x = (uint64_t)__builtin_bswap32(src) << 16 | sport;
	uint64_t y = (uint64_t)__builtin_bswap32(dst) << 16 | dport;

	return x > y;
}

/* Build the canonical key of a flow: side 0 is the smaller address:port. */
static inline void sw_key_from_flow(struct sw_key *k, const struct sw_flow *f)
{
	int sw;

	if (f->family == 4) /* v4-mapped: the last words decide, as in sw_side_cmp */
		sw = sw_v4_swapped(f->src.w[3], f->sport, f->dst.w[3], f->dport);
	else
		sw = sw_side_cmp(&f->src, f->sport, &f->dst, f->dport) > 0;

	k->a[sw] = f->src;
	k->p[sw] = f->sport;
	k->a[!sw] = f->dst;
	k->p[!sw] = f->dport;
	k->proto = f->proto;
	k->v6 = f->family == 6;
	k->swapped = (uint8_t)sw;
}

/*
 * A keyed multiply-xorshift hash over the canonical key.  The seed is random
 * per engine so that an attacker cannot aim flows at one bucket chain.
 */
static inline uint64_t sw_hash_mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static inline uint64_t sw_hash_final(uint64_t h, uint64_t ports)
{
	h = sw_hash_mix(h, ports);
	return h ^ (h >> 32) * 0xff51afd7ed558ccdull;
}

/*
 * An IPv4 session's canonical key in words, as the record stores it: the
 * addresses as struct sw_addr.w[3] holds them, ports in host order.  The
 * express lane (engine.c) builds it from a frame without a struct sw_key.
 */
struct sw_key4 {
	uint32_t a[2];
	uint16_t p[2];
	uint8_t proto;
	uint8_t swapped; /* the packet's source is canonical side 1 */
};

/* The canonical key of an IPv4 flow src:sport -> dst:dport (sw_key_from_flow's order). */
static inline void sw_key4_of(struct sw_key4 *k, uint32_t src, uint16_t sport, uint32_t dst,
			      uint16_t dport, uint8_t proto)
{
	int sw = sw_v4_swapped(src, sport, dst, dport);

	/* Selects, not stores through a computed index: both compile to conditional moves. */
	k->a[0] = sw ? dst : src;
	k->a[1] = sw ? src : dst;
	k->p[0] = sw ? dport : sport;
	k->p[1] = sw ? sport : dport;
	k->proto = proto;
	k->swapped = (uint8_t)sw;
}

static inline uint64_t sw_key4_hash(const struct sw_table *t, const struct sw_key4 *k)
{
	uint64_t h = sw_hash_mix(t->seed, (uint64_t)k->a[0] << 32 | k->a[1]);

	return sw_hash_final(h, (uint64_t)k->p[0] << 32 | (uint64_t)k->p[1] << 16 | k->proto);
}

static inline uint64_t sw_key_hash(const struct sw_table *t, const struct sw_key *k)
{
	uint64_t h = t->seed;
	uint64_t ports = (uint64_t)k->p[0] << 32 | (uint64_t)k->p[1] << 16 | k->proto;

	if (!k->v6) {
		struct sw_key4 k4 = { { k->a[0].w[3], k->a[1].w[3] }, { k->p[0], k->p[1] }, k->proto, 0 };
		return sw_key4_hash(t, &k4);
	}
	for (int s = 0; s < 2; s++) {
		uint64_t lo = (uint64_t)k->a[s].w[0] << 32 | k->a[s].w[1];
		uint64_t hi = (uint64_t)k->a[s].w[2] << 32 | k->a[s].w[3];
		h = sw_hash_mix(sw_hash_mix(h, lo), hi);
	}
	return sw_hash_final(h, ports | 1ull << 63);
}

static inline uint32_t sw_sig_of(uint64_t h)
{
	return (uint32_t)(h >> 32) | 1; /* never 0, which marks an empty slot */
}

static inline void sw_table_prefetch(const struct sw_table *t, uint64_t h)
{
	sw_prefetch(&t->bkt[h & t->bmask]);
}

/* The slots of bucket b holding signature sig: bit i for slot i. */
static inline unsigned sw_bucket_match(const struct sw_bucket *b, uint32_t sig)
{
#if defined(__SSE2__)
	/* sig[0..6] and ovf are the first 32 bytes; ovf's lane is masked off. */
	__m128i want = _mm_set1_epi32((int)sig);
	__m128i lo = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)b->sig), want);
	__m128i hi = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)(b->sig + 4)),
				     want);

	return ((unsigned)_mm_movemask_ps(_mm_castsi128_ps(lo)) |
		(unsigned)_mm_movemask_ps(_mm_castsi128_ps(hi)) << 4) &
	       ((1u << SW_BUCKET_SLOTS) - 1);
#else
	unsigned m = 0;

	for (int i = 0; i < SW_BUCKET_SLOTS; i++)
		m |= (unsigned)(b->sig[i] == sig) << i;
	return m;
#endif
}

/*
 * Second prefetch stage, once the bucket is in cache: fetch the hot session
 * lines whose signature matches (established packets need nothing else).
 * Returns the first matching index, a likely (unverified) candidate for
 * sw_table_lookup_hint() and later prefetches, or SW_IDX_NONE.
 */
static inline uint32_t sw_table_prefetch_match(const struct sw_table *t, uint64_t h)
{
	const struct sw_bucket *b = &t->bkt[h & t->bmask];
	unsigned m = sw_bucket_match(b, sw_sig_of(h));
	uint32_t cand = SW_IDX_NONE;

	if (m)
		cand = b->idx[__builtin_ctz(m)];
	for (; m; m &= m - 1)
		sw_prefetch(&t->sess[b->idx[__builtin_ctz(m)]]);
	return cand;
}

/*
 * A record's key as two words: the addresses, and the ports, protocol and
 * flags with the bytes after them (sw_key4 has the same layout up to its
 * protocol).
 */
static_assert(offsetof(struct sw_sess, port) == 8 && offsetof(struct sw_sess, proto) == 12 &&
		      offsetof(struct sw_sess, flags) == 13 && offsetof(struct sw_key4, p) == 8 &&
		      offsetof(struct sw_key4, proto) == 12 && sizeof(struct sw_key4) >= 16,
	      "sw_key4_eq compares the key as two words");

/* 1 if pool record s is a live session with IPv4 key k. */
static inline int sw_key4_eq(const struct sw_sess *s, const struct sw_key4 *k)
{
	struct sw_sess key = { .port = { 0xffff, 0xffff }, .proto = 0xff },
		       fl = { .flags = SW_SF_V6 | SW_SF_INUSE }, live = { .flags = SW_SF_INUSE };
	uint64_t mk = sw_word_at(&key, 8);

	return sw_word_at(s, 0) == sw_word_at(k, 0) &&
	       (sw_word_at(s, 8) & (mk | sw_word_at(&fl, 8))) ==
		       ((sw_word_at(k, 8) & mk) | sw_word_at(&live, 8));
}

/* 1 if pool record s is a live session with key k. */
static inline int sw_key_eq(const struct sw_table *t, const struct sw_sess *s, const struct sw_key *k)
{
	if (s->proto != k->proto || s->port[0] != k->p[0] || s->port[1] != k->p[1] ||
	    !(s->flags & SW_SF_INUSE))
		return 0;
	if (!k->v6)
		return !(s->flags & SW_SF_V6) && s->addr[0] == k->a[0].w[3] &&
		       s->addr[1] == k->a[1].w[3];
	if (!(s->flags & SW_SF_V6))
		return 0;
	return memcmp(t->v6[s->addr[0]].a, k->a, sizeof(k->a)) == 0;
}

/*
 * The probe of a lookup for a key that eq(t, record, key) recognises in a
 * live record (a freed one never matches); always inlined, so each caller
 * gets its own compare.  Pool index or SW_IDX_NONE.
 */
static inline __attribute__((always_inline)) uint32_t
sw_table_probe(const struct sw_table *t, uint64_t h, const void *key,
	       int (*eq)(const struct sw_table *, const struct sw_sess *, const void *))
{
	uint32_t b = (uint32_t)h & t->bmask, sig = sw_sig_of(h);

	for (uint32_t n = 0; n <= t->bmask; n++, b = (b + 1) & t->bmask) {
		const struct sw_bucket *bk = &t->bkt[b];
		for (unsigned m = sw_bucket_match(bk, sig); m; m &= m - 1) {
			uint32_t idx = bk->idx[__builtin_ctz(m)];
			if (eq(t, &t->sess[idx], key))
				return idx;
		}
		if (bk->ovf == 0)
			break;
	}
	return SW_IDX_NONE;
}

static inline int sw_key_eq_any(const struct sw_table *t, const struct sw_sess *s, const void *k)
{
	return sw_key_eq(t, s, k);
}

static inline int sw_key4_eq_any(const struct sw_table *t, const struct sw_sess *s, const void *k)
{
	(void)t;
	return sw_key4_eq(s, k);
}

/* Pool index of the session with key k, or SW_IDX_NONE. */
static inline uint32_t sw_table_lookup(const struct sw_table *t, const struct sw_key *k, uint64_t h)
{
	return sw_table_probe(t, h, k, sw_key_eq_any);
}

/*
 * sw_table_probe() given a candidate from sw_table_prefetch_match(), which
 * may be stale (the session ended, its record reused) or another key's: a
 * live record with the key is the one the index holds for it.
 */
static inline __attribute__((always_inline)) uint32_t
sw_table_probe_hint(const struct sw_table *t, uint64_t h, const void *key, uint32_t cand,
		    int (*eq)(const struct sw_table *, const struct sw_sess *, const void *))
{
	if (cand != SW_IDX_NONE && eq(t, &t->sess[cand], key))
		return cand;
	return sw_table_probe(t, h, key, eq);
}

static inline uint32_t sw_table_lookup_hint(const struct sw_table *t, const struct sw_key *k,
					    uint64_t h, uint32_t cand)
{
	return sw_table_probe_hint(t, h, k, cand, sw_key_eq_any);
}

/* sw_table_lookup_hint() of an IPv4 key (h = sw_key4_hash(t, k)). */
static inline uint32_t sw_table_lookup4_hint(const struct sw_table *t, const struct sw_key4 *k,
					     uint64_t h, uint32_t cand)
{
	return sw_table_probe_hint(t, h, k, cand, sw_key4_eq_any);
}

/*
 * Freed indexes are reused first in, first out, and only once enough of them
 * wait: a session id (index + 1) then stays unused for a long while after its
 * session ended, so a log reader rarely sees two sessions with one id close
 * together, while the pool still touches only about peak + SW_REUSE_DELAY
 * records of memory.
 */
#define SW_REUSE_DELAY 65536u


/*
 * Create a session for key k: fills addr/port/proto/flags (V6, ORIG1 from
 * k->swapped: the packet's source is taken as the originator) and zeroes the
 * rest.  Returns the index, or SW_IDX_NONE when the table is full.
 */
uint32_t sw_table_insert(struct sw_table *t, const struct sw_key *k, uint64_t h);

/* Remove session idx from the index and return its record to the pool. */
void sw_table_remove(struct sw_table *t, uint32_t idx);
/* sw_table_remove for a caller that already has the session key's hash h. */
void sw_table_remove_hashed(struct sw_table *t, uint32_t idx, uint64_t h);

/* Rebuild the canonical key of a stored session. */
void sw_table_key(const struct sw_table *t, uint32_t idx, struct sw_key *k);

/*
 * Invariants: every index slot points at a live record with that signature,
 * which its own lookup finds; every bucket's overflow count is the number of
 * keys whose probe passed it; counts, the free list and the high-water mark
 * agree.  0, or -EFAULT with what was wrong in err.  O(buckets x probe
 * length): for tests and fuzzers, not the packet path.
 */
int sw_table_check(const struct sw_table *t, char *err, size_t errlen);

/* Resident bytes the table uses for its current sessions (index share included). */
size_t sw_table_bytes_per_session(const struct sw_table *t, int v6);

#endif
