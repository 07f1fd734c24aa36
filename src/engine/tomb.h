/*
 * tomb.h - tombstones: bounded memory of ended sessions.
 *
 * When a timer ends a session, a packet of that flow may still come: the
 * server's answer after the firewall aged out a half-closed session is the
 * failure this project is about.  A tombstone keeps the ended session's key
 * and log record for `tombstone-ttl` seconds (at most `max-tombstones` of
 * them, oldest retired first), so such a packet is dropped with reason
 * session-aged-out and counted against the session and the timer that ended
 * it.  The session's log line is written when its tombstone retires, so it
 * carries late_pkts.  Storage is reserved once; nothing allocates later.
 */
#ifndef SW_ENGINE_TOMB_H
#define SW_ENGINE_TOMB_H

#include <stddef.h>
#include <stdint.h>

#include "flow/table.h"
#include "statewall/engine.h"

struct sw_tomb_ent {
	struct sw_key key;
	struct sw_sess_info info;
	sw_tick_t until;
	uint32_t hnext; /* hash chain */
	uint32_t hash;
};

struct sw_tomb {
	struct sw_tomb_ent *ent; /* ring of cap entries, oldest at head */
	uint32_t *bucket;        /* chain heads, nb entries */
	uint32_t cap, nb, head, count;
};

int sw_tomb_init(struct sw_tomb *t, uint32_t cap);
void sw_tomb_free(struct sw_tomb *t);
/* Add an ended session; the oldest tombstone retires (is logged) if full. */
struct sw_tomb_ent *sw_tomb_add(struct sw_tomb *t, const struct sw_key *k, uint64_t h,
				const struct sw_sess_info *si, sw_tick_t until, sw_end_fn fn,
				void *ctx);
/* The newest tombstone of key k, or NULL. */
struct sw_tomb_ent *sw_tomb_find(struct sw_tomb *t, const struct sw_key *k, uint64_t h);
/* Retire (log) tombstones whose time ran out by `now`. */
void sw_tomb_expire(struct sw_tomb *t, sw_tick_t now, sw_end_fn fn, void *ctx);
/* Retire all. */
void sw_tomb_flush(struct sw_tomb *t, sw_end_fn fn, void *ctx);

/*
 * Invariants: every tombstone of the ring is on the chain of its hash and
 * every chain holds only ring entries, count of them in all.  0, or -EFAULT
 * with what was wrong in err.
 */
int sw_tomb_check(const struct sw_tomb *t, char *err, size_t errlen);

#endif
