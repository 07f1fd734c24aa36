/*
 * session.h - the fixed session record.
 *
 * A session is split in two records at the same pool index:
 *
 *   struct sw_sess (64 B, one cache line, aligned): everything an
 *   established-flow packet reads and writes - the key, both TCP peers,
 *   the timer in force, last-seen tick, packet and byte counts, and the
 *   Zeek history letters already seen.  An established packet touches this
 *   line and its index bucket and nothing else.
 *
 *   struct sw_sess_cold (48 B): the Zeek history string, start and
 *   half-close times, the absolute deadline of fixed timers, the matching
 *   rule, the timer profile, the timer-wheel links, the eviction-list links
 *   and position (engine/pressure.c) and how often each hot byte counter
 *   wrapped (the totals reach 2^48 bytes a direction) - touched on state
 *   changes, timer firings and eviction only.
 *
 * With the index (16 B per session at the table's load limit) an IPv4
 * session costs 128 bytes, all of it here: the eviction lists have no array
 * of their own (a list's ends carry its class, so no class byte either) and
 * the free list is threaded through the freed records themselves.  IPv6
 * sessions add 32 B for their addresses in a separate pool, so IPv4-only
 * traffic never pays for them.  bench/bench_engine prints the measured
 * figure.
 *
 * Sides: the key is stored canonically (side 0 is the smaller address:port)
 * so both directions hash alike; SW_SF_ORIG1 says the originator is side 1.
 * TCP peers and counters are indexed by role, 0 = originator (client),
 * 1 = responder (server), which is what every front end shows.
 */
#ifndef SW_FLOW_SESSION_H
#define SW_FLOW_SESSION_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/seq.h"

/* One direction of a TCP session, pf's pf_state_peer. */
struct sw_peer {
	uint32_t end;     /* highest sequence number sent + 1 (pf seqlo) */
	uint32_t maxend;  /* highest sequence number the other side allows (pf seqhi) */
	uint16_t maxwin;  /* largest unscaled window this side advertised */
	uint8_t wscale;   /* SW_WS_* flags | shift */
	uint8_t state;    /* enum sw_tcps */
};
#define SW_WS_MASK 0x0f
#define SW_WS_OPT 0x10   /* the SYN carried a window-scale option */
#define SW_WS_INIT 0x20  /* end/maxend hold real values */
#define SW_WS_FINRX 0x40 /* a FIN of this side was retransmitted */
#define SW_WS_RSTPEND 0x80 /* this side sent the RST that SW_SF_RSTPEND waits on */

/* sw_sess.flags */
#define SW_SF_V6 0x01        /* addr[0] is an index into the IPv6 key pool */
#define SW_SF_ORIG1 0x02     /* the originator is canonical side 1 */
#define SW_SF_PICKUP 0x04    /* picked up mid-stream (no SYN seen) */
#define SW_SF_DISCARD 0x08   /* discard session of a denied flow */
#define SW_SF_HALFCLOSED 0x10 /* a FIN was seen; cold.hc_at is valid */
#define SW_SF_FIXED 0x20     /* deadline is absolute (tcpwait / fixed modes), not idle */
#define SW_SF_RSTPEND 0x40   /* unverified RST: waiting for a challenge ACK */
#define SW_SF_INUSE 0x80     /* record holds a live session */

#define SW_NO_END 0x0f /* sw_sess.ended_by: not closing */

/*
 * sw_sess.tflags.  A SYN inside a live connection and an inexact RST both
 * make the receiver send a challenge ACK (RFC 5961 3.2, 4.2), and a
 * receiver sends at most one per rate-limit interval (RFC 5961 7; Linux:
 * one per socket per 500 ms).  So the answer to a SYN is the only answer a
 * following RST can get, and a target that answered a challenge is alive:
 * an unverified RST can no longer shorten the session (docs/tcp-tracking.md).
 */
#define SW_TF_SYNCHAL 0x1 /* a SYN came inside the connection; its target's answer is due */
#define SW_TF_SYN1 0x2    /* ... the SYN came from role 1 (the responder) */
#define SW_TF_ALIVE 0x4   /* the target of a challenge answered it */
/*
 * Not a challenge bit: the session's timers come from timer profile
 * cold.prof (a service override), not the global values.  Kept here so an
 * idle deadline of a session on the global timers never reads the cold line.
 */
#define SW_TF_PROF 0x8

struct sw_sess {
	uint32_t addr[2]; /* IPv4 addresses (network order), canonical order; or v6 pool index */
	uint16_t port[2]; /* host order, canonical order */
	uint8_t proto;
	uint8_t flags;    /* SW_SF_* */
	uint8_t timer;    /* enum sw_timeout in force */
	uint8_t ended_by : 4; /* enum sw_end once closing (tcp-fin, tcp-rst-*), else SW_NO_END */
	uint8_t tflags : 4;   /* SW_TF_*: RFC 5961 challenge bookkeeping */
	struct sw_peer peer[2];
	sw_tick_t last_seen;
	uint32_t pkts[2];
	uint32_t bytes[2];  /* IP bytes per role, mod 2^32 (cold.bytes_wraps counts the wraps) */
	uint32_t hist_seen; /* Zeek history letters already recorded, + endpoint states */
};

struct sw_sess_cold {
	uint64_t hist;        /* Zeek history: up to 12 letters of 5 bits + count */
	sw_tick_t start;
	sw_tick_t hc_at;      /* first FIN (SW_SF_HALFCLOSED) */
	uint32_t tw_next, tw_prev; /* timer-wheel list links (pool indexes, ~0 = none) */
	uint32_t ev_next, ev_prev; /* eviction-list links (engine/pressure.c) */
	sw_tick_t ev_pos;     /* eviction-list position: never decreases along a list */
	sw_tick_t deadline;   /* SW_SF_FIXED: absolute end; else unused */
	uint16_t rule : 9;    /* index of the rule that matched + 1, 0 = default action */
	uint16_t prof : 7;    /* timer profile (SW_TF_PROF): its service's index + 1 */
	uint8_t rexmit[2];    /* retransmissions per role (saturating), for Zeek's 't' */
	uint16_t bytes_wraps[2]; /* times sw_sess.bytes[role] wrapped (saturating: 2^48 B) */
};

static_assert(sizeof(struct sw_sess) == 64, "hot session record must be one cache line");
static_assert(sizeof(struct sw_sess_cold) == 48, "cold session record grew");

#define SW_IDX_NONE 0xffffffffu

/*
 * Fields of a record read as one word, for masked compares of several at
 * once (the engine's quick case, the tracker's peer test, the IPv4 key).
 */
static inline uint16_t sw_word16_at(const void *p, size_t off)
{
	uint16_t w;

	memcpy(&w, (const char *)p + off, sizeof(w));
	return w;
}

static inline uint32_t sw_word32_at(const void *p, size_t off)
{
	uint32_t w;

	memcpy(&w, (const char *)p + off, sizeof(w));
	return w;
}

static inline uint64_t sw_word_at(const void *p, size_t off)
{
	uint64_t w;

	memcpy(&w, (const char *)p + off, sizeof(w));
	return w;
}

#endif
