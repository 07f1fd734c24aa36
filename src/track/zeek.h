/*
 * zeek.h - the passive-monitor view of a session: Zeek's connection
 * `history` string and `conn_state`, so statewall's session log can be read
 * with the vocabulary analysts already use (and checked against Zeek's own
 * verdicts on public captures; see tests/corpus).
 *
 * Zeek's endpoint state machine (inactive, SYN sent, SYN-ACK sent, partial,
 * established, closed, reset) differs from the firewall's per-direction
 * state, so it is kept separately in 3 bits per endpoint (encoding in zeek.c).
 */
#ifndef SW_TRACK_ZEEK_H
#define SW_TRACK_ZEEK_H

#include "flow/session.h"
#include "statewall/pkt.h"

enum sw_zstate { SW_Z_INACTIVE, SW_Z_SYN_SENT, SW_Z_SYN_ACK_SENT, SW_Z_PARTIAL,
		 SW_Z_ESTABLISHED, SW_Z_CLOSED, SW_Z_RESET };

/* Account one TCP segment from role dir (tcp events from sw_tcp_track). */
void sw_zeek_tcp(struct sw_sess *s, struct sw_sess_cold *c, int dir, const struct sw_pkt *p,
		 unsigned ev);
/*
 * Bits of sw_sess.hist_seen (encoding in zeek.c, which checks these against
 * it): both Zeek endpoint states, a role's unacknowledged hole, and a role's
 * 'a' / 'd' letter already recorded.
 */
#define SW_Z_STATES_MASK ((7u << 21) | (7u << 24))
#define SW_Z_STATES_EST (((uint32_t)SW_Z_ESTABLISHED << 21) | ((uint32_t)SW_Z_ESTABLISHED << 24))
#define SW_Z_HOLE(dir) (1u << (29 + (dir)))
#define SW_Z_SEEN_DATA(dir) (1u << (4 + 10 * (dir)))
#define SW_Z_SEEN_ACK(dir) (1u << (5 + 10 * (dir)))

/*
 * 1 if an ACK or data segment (no SYN, FIN, RST) with this payload, from role
 * dir, changes nothing Zeek-wise unless the tracker reports an event (no
 * cold record): both endpoints established, its letter already recorded and
 * no hole of the other role pending.
 */
static inline int sw_zeek_ack_settled(const struct sw_sess *s, int dir, uint32_t payload)
{
	uint32_t seen = payload ? SW_Z_SEEN_DATA(dir) : SW_Z_SEEN_ACK(dir);

	return (s->hist_seen & (SW_Z_STATES_MASK | SW_Z_HOLE(!dir) | seen)) == (SW_Z_STATES_EST | seen);
}

/*
 * 1 if such a segment changes at most its own letter ('D'/'d' with payload,
 * else 'A'/'a') Zeek-wise unless the tracker reports an event: both
 * endpoints established and no hole of the other role pending.  The letter
 * is then due if sw_zeek_ack_settled() is 0, and sw_zeek_ack_letter()
 * records it as the full path would.
 */
static inline int sw_zeek_ack_quiet(const struct sw_sess *s, int dir)
{
	return (s->hist_seen & (SW_Z_STATES_MASK | SW_Z_HOLE(!dir))) == SW_Z_STATES_EST;
}

static inline int sw_zeek_ack_seen(const struct sw_sess *s, int dir, uint32_t payload)
{
	return (s->hist_seen & (payload ? SW_Z_SEEN_DATA(dir) : SW_Z_SEEN_ACK(dir))) != 0;
}

void sw_zeek_ack_letter(struct sw_sess *s, struct sw_sess_cold *c, int dir, uint32_t payload);

/* sw_zeek_ack_settled() of a segment with these flags: 0 unless an ACK or data segment. */
static inline int sw_zeek_tcp_settled(const struct sw_sess *s, int dir, uint8_t th_flags,
				      uint32_t payload)
{
	return (th_flags & (SW_TH_SYN | SW_TH_FIN | SW_TH_RST | SW_TH_ACK)) == SW_TH_ACK &&
	       sw_zeek_ack_settled(s, dir, payload);
}
/* Account one UDP/ICMP/other packet (history letters only: 'D'/'d'). */
void sw_zeek_other(struct sw_sess *s, struct sw_sess_cold *c, int dir, const struct sw_pkt *p);
/* Mark the session as flipped ('^'). */
void sw_zeek_flip(struct sw_sess *s, struct sw_sess_cold *c);
/* Bad checksum seen ('c'). */
void sw_zeek_bad_checksum(struct sw_sess *s, struct sw_sess_cold *c, int dir);

/*
 * 1 if `port` is one of Zeek's likely_server_ports for proto (6, 17): the
 * side that orients a connection whose first packet is not a plain SYN.
 */
int sw_zeek_likely_server_port(uint8_t proto, uint16_t port);

/* The history string; buf needs 16 bytes. */
void sw_zeek_history(const struct sw_sess_cold *c, char *buf, size_t len);
/* Zeek's conn_state for the session as it is now. */
const char *sw_zeek_conn_state(const struct sw_sess *s, const struct sw_sess_cold *c);

#endif
