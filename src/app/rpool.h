/*
 * rpool.h - `statewall replay --threads N` / `analyze --threads N`: N
 * engines, one per thread, fed in batches by the reading thread.
 *
 * The reader hands a batch of packets (in capture order) to
 * rpool_burst(); each packet goes to the engine its flow hashes to (a
 * symmetric hash of addresses, ports and protocol, so both directions meet;
 * an ICMP error goes where the flow it quotes goes; a non-first fragment
 * where its first fragment went; a tunnel's packets by the tunnel's end
 * points, so its inner flows stay with it).  The engines run their parts at the same
 * time (the calling thread runs engine 0's), then every engine advances to
 * the batch's last timestamp, so timers fire at the same capture times as
 * with one engine.  The verdicts come back in capture order.
 *
 * Session ids are global, as in the daemon: engine w of n reports its local
 * id l as (l - 1) * n + w + 1.  Ended sessions are queued per engine during
 * a batch and handed to the caller afterwards, engine by engine, on the
 * calling thread: outputs are written by one thread, deterministically.
 *
 * Table limits (max-sessions, max-tombstones, max-sessions-per-source) are
 * divided among the engines (sw_conf_share), as in `run --workers`.
 */
#ifndef SW_APP_RPOOL_H
#define SW_APP_RPOOL_H

#include "statewall/engine.h"

#define SW_RPOOL_MAX 16
#define SW_RPOOL_BATCH 4096 /* packets per rpool_burst() at most */

struct rpool;

/* n engines (1..SW_RPOOL_MAX) on conf; 0 or -errno. */
int rpool_create(struct rpool **out, unsigned n, const struct sw_conf *conf);
void rpool_destroy(struct rpool *p);

/* Ended sessions go to fn(ctx, si) on the calling thread (ids global). */
void rpool_on_end(struct rpool *p, sw_end_fn fn, void *ctx);

/*
 * Up to SW_RPOOL_BATCH packets through the engines (wirelen: each one's
 * length on the wire, sw_engine_burst_wire); out[i] is packet i's verdict.
 */
void rpool_burst(struct rpool *p, const uint8_t *const *frames, const uint32_t *caplen,
		 const uint32_t *wirelen, int link, const sw_time_t *ts, unsigned n,
		 struct sw_verdict *out);

/* End every open session (sw_engine_flush) on every engine. */
void rpool_flush(struct rpool *p, enum sw_end reason);
/* The engines' stats, summed. */
void rpool_stats(struct rpool *p, struct sw_stats *st);
/* 1 if an ended session could not be queued (out of memory). */
int rpool_oom(const struct rpool *p);

#endif
