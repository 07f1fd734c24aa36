/*
 * ring.h - a bounded single-producer single-consumer ring of fixed-size
 * records, the only channel between the daemon's packet thread and its
 * management thread (docs/design.md, "The management thread").
 *
 * One thread produces, one consumes; neither ever blocks or takes a lock.
 * `head` (next slot to write, owned by the producer) and `tail` (next slot
 * to read, owned by the consumer) live on their own cache lines, and each
 * side keeps a private copy of the other's index so that it touches the
 * shared line only when its copy says the ring is full (or empty).  The
 * indexes are free-running 32-bit counters; head - tail is the fill level
 * (wrap-safe: the capacity is far below 2^31).
 *
 * Producer:  void *slot = sw_ring_reserve(r);  fill it;  sw_ring_commit(r);
 * Consumer:  const void *rec = sw_ring_peek(r);  use it;  sw_ring_release(r);
 *
 * A record is visible to the consumer only after commit (release store of
 * head, acquire load on the other side), and a slot is reused only after
 * release (release store of tail).  Storage is allocated once by
 * sw_ring_init(); nothing allocates afterwards.
 */
#ifndef SW_MGMT_RING_H
#define SW_MGMT_RING_H

#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SW_RING_LINE 64

struct sw_ring {
	/* the producer's line */
	alignas(SW_RING_LINE) _Atomic uint32_t head;
	uint32_t tail_cache; /* the producer's last view of tail */
	/* the consumer's line */
	alignas(SW_RING_LINE) _Atomic uint32_t tail;
	uint32_t head_cache; /* the consumer's last view of head */
	/* read-only after init */
	alignas(SW_RING_LINE) uint32_t mask, rec_size;
	unsigned char *buf;
};

/* `count` records of `rec_size` bytes; count must be a power of two (2..2^20). 0 or -EINVAL/-ENOMEM. */
static inline int sw_ring_init(struct sw_ring *r, size_t rec_size, uint32_t count)
{
	memset(r, 0, sizeof(*r));
	if (count < 2 || count > (1u << 20) || (count & (count - 1)) || rec_size == 0 ||
	    rec_size > (1u << 20))
		return -EINVAL;
	/* each record starts on a 16-byte boundary, whatever it holds */
	rec_size = (rec_size + 15) & ~(size_t)15;
	r->buf = aligned_alloc(SW_RING_LINE, ((size_t)count * rec_size + SW_RING_LINE - 1) &
						     ~(size_t)(SW_RING_LINE - 1));
	if (!r->buf)
		return -ENOMEM;
	r->mask = count - 1;
	r->rec_size = (uint32_t)rec_size;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	return 0;
}

static inline void sw_ring_free(struct sw_ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

static inline uint32_t sw_ring_capacity(const struct sw_ring *r)
{
	return r->mask + 1;
}

/* Producer: the next free slot, or NULL if the ring is full. */
static inline void *sw_ring_reserve(struct sw_ring *r)
{
	uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);

	if (h - r->tail_cache > r->mask) {
		r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (h - r->tail_cache > r->mask)
			return NULL;
	}
	return r->buf + (size_t)(h & r->mask) * r->rec_size;
}

/* Producer: publish the slot sw_ring_reserve() returned. */
static inline void sw_ring_commit(struct sw_ring *r)
{
	uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
}

/* Producer: copy one record in; 0, or -ENOSPC when full. */
static inline int sw_ring_push(struct sw_ring *r, const void *rec, size_t len)
{
	void *slot = sw_ring_reserve(r);

	if (!slot)
		return -ENOSPC;
	memcpy(slot, rec, len < r->rec_size ? len : r->rec_size);
	sw_ring_commit(r);
	return 0;
}

/* Consumer: the oldest record, or NULL if the ring is empty. */
static inline const void *sw_ring_peek(struct sw_ring *r)
{
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);

	if (t == r->head_cache) {
		r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		if (t == r->head_cache)
			return NULL;
	}
	return r->buf + (size_t)(t & r->mask) * r->rec_size;
}

/* Consumer: done with the record sw_ring_peek() returned. */
static inline void sw_ring_release(struct sw_ring *r)
{
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
}

/* Consumer: copy the oldest record out; 1, or 0 when empty. */
static inline int sw_ring_pop(struct sw_ring *r, void *out, size_t len)
{
	const void *rec = sw_ring_peek(r);

	if (!rec)
		return 0;
	memcpy(out, rec, len < r->rec_size ? len : r->rec_size);
	sw_ring_release(r);
	return 1;
}

/* Records waiting (either side; exact only on the consumer's). */
static inline uint32_t sw_ring_count(struct sw_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) -
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}

#endif
