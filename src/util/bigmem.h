/*
 * bigmem.h - per-session arrays sized for max-sessions: reserved, zeroed,
 * touched only as sessions use them, and on transparent huge pages.
 *
 * The session pools, the index, the eviction lists and the tombstones are
 * all walked at random, one line per session: with 4 KB pages every miss of
 * a table larger than the TLB's reach adds a page walk (at 1 M concurrent
 * short flows, the eviction lists' misses on 4 KB pages were 15 % of a
 * replay).  MAP_NORESERVE: a large max-sessions costs address space, not
 * RAM, until used.
 */
#ifndef SW_UTIL_BIGMEM_H
#define SW_UTIL_BIGMEM_H

#include <stddef.h>

/* Zeroed memory of `bytes` (0 allowed), or NULL. */
void *sw_big_alloc(size_t bytes);
/* Free what sw_big_alloc(bytes) returned (NULL allowed). */
void sw_big_free(void *p, size_t bytes);

#endif
