/*
 * zeek.c - Zeek's history letters and conn_state.  See zeek.h.
 *
 * History (Zeek's TCP analyzer, update_history and the endpoint's
 * CheckHistory / ScaledHistoryEntry): upper case for the originator, lower
 * case for the responder.  Per direction:
 *   - a segment with more than one of SYN/FIN/RST gives 'i' (FIN+RST) or
 *     'q' (other combinations), once;
 *   - with exactly one of them: 's'/'h' (SYN, SYN+ACK - one shared "SYN"
 *     seen-bit), 'f', 'r'; once, and again when the flag's sequence number
 *     changes (a retransmitted SYN or FIN adds nothing);
 *   - with none: 'd' when it carries payload, else 'a' when it has ACK; once.
 *     (A SYN, FIN or RST carrying data gives no 'd'.)
 *   - 't' retransmission, 'g' content gap, 'w' zero window, 'c' bad checksum:
 *     logarithmic - the 1st, 10th, 100th...  't' is counted exactly (rexmit[]);
 *     'g', 'w' and 'c' are kept to their first occurrence (no room for
 *     counters in the record; a 10th gap in one direction is rare).
 *   - '^' the connection was flipped.
 *
 * Endpoint states follow TCP_Analyzer::UpdateStateMachine.  conn_state is
 * Zeek's base/protocols/conn/main.zeek conn_state().
 *
 * Encoding of sw_sess.hist_seen (32 bits):
 *   bits  0..9   originator seen-bits (enum seen below)
 *   bits 10..19  responder seen-bits
 *   bit  20      flipped ('^' recorded)
 *   bits 21..23  originator Zeek endpoint state (enum sw_zstate)
 *   bits 24..26  responder Zeek endpoint state
 *   bits 27..28  per role: RESET entered from CLOSED (Zeek's prev_state == CLOSED)
 *   bits 29..30  per role: a hole in that role's stream not yet acknowledged
 * cold.hist: 12 letters of 5 bits (value = letter index + 1, + L_MAX for the
 * responder), the count in the top 4 bits.
 */
#include <string.h>

#include "track/tcp.h"
#include "track/zeek.h"

enum { L_S, L_H, L_A, L_D, L_F, L_R, L_C, L_G, L_T, L_W, L_I, L_Q, L_FLIP, L_MAX };
/* A letter's character by its 5-bit value: the originator's upper case, the responder's lower. */
static const char hist_char[2 * L_MAX + 1] = "?SHADFRCGTWIQ^shadfrcgtwiq^";

/* Seen-bits per role (Zeek's HIST_* masks). */
enum { SEEN_SYN, SEEN_FIN, SEEN_RST, SEEN_FINRST, SEEN_DATA, SEEN_ACK, SEEN_MULTI, SEEN_C,
       SEEN_G, SEEN_W, SEEN_MAX };

#define HIST_MAX 12
#define SEEN_SHIFT(dir) ((dir) ? SEEN_MAX : 0)
#define FLIP_BIT (1u << 20)
#define ZSTATE_SHIFT(dir) (21 + 3 * (dir))
#define RST_FROM_CLOSED(dir) (1u << (27 + (dir)))
#define HOLE(dir) (1u << (29 + (dir)))

static_assert(2 * SEEN_MAX <= 20, "seen-bits overflow into the flip bit");
static_assert(SW_Z_STATES_MASK == ((7u << ZSTATE_SHIFT(0)) | (7u << ZSTATE_SHIFT(1))) &&
		      SW_Z_HOLE(1) == HOLE(1) && SW_Z_HOLE(0) == HOLE(0) &&
		      SW_Z_SEEN_DATA(1) == 1u << (SEEN_DATA + SEEN_SHIFT(1)) &&
		      SW_Z_SEEN_ACK(1) == 1u << (SEEN_ACK + SEEN_SHIFT(1)) &&
		      SW_Z_SEEN_ACK(0) == 1u << SEEN_ACK && SW_Z_SEEN_DATA(0) == 1u << SEEN_DATA,
	      "zeek.h's hist_seen bits disagree with the encoding");

static unsigned zstate(const struct sw_sess *s, int dir)
{
	return (s->hist_seen >> ZSTATE_SHIFT(dir)) & 7;
}

static void set_zstate(struct sw_sess *s, int dir, unsigned st)
{
	unsigned old = zstate(s, dir);

	if (st == old)
		return;
	if (st == SW_Z_RESET && old == SW_Z_CLOSED)
		s->hist_seen |= RST_FROM_CLOSED(dir);
	else
		s->hist_seen &= ~RST_FROM_CLOSED(dir);
	s->hist_seen = (s->hist_seen & ~(7u << ZSTATE_SHIFT(dir))) | (st << ZSTATE_SHIFT(dir));
}

static void add(struct sw_sess_cold *c, int dir, int l)
{
	unsigned n = (unsigned)(c->hist >> 60);

	if (n >= HIST_MAX)
		return;
	c->hist |= (uint64_t)(l + 1 + (dir ? L_MAX : 0)) << (5 * n);
	c->hist = (c->hist & ~(0xfull << 60)) | (uint64_t)(n + 1) << 60;
}

/* Zeek's CheckHistory: add letter l unless `mask` was seen; 1 if it had been. */
static int check(struct sw_sess *s, struct sw_sess_cold *c, int dir, int seen, int l)
{
	uint32_t bit = 1u << (seen + SEEN_SHIFT(dir));

	if (s->hist_seen & bit)
		return 1;
	s->hist_seen |= bit;
	add(c, dir, l);
	return 0;
}

void sw_zeek_ack_letter(struct sw_sess *s, struct sw_sess_cold *c, int dir, uint32_t payload)
{
	check(s, c, dir, payload ? SEEN_DATA : SEEN_ACK, payload ? L_D : L_A);
}

void sw_zeek_flip(struct sw_sess *s, struct sw_sess_cold *c)
{
	if (s->hist_seen & FLIP_BIT)
		return;
	s->hist_seen |= FLIP_BIT;
	add(c, 0, L_FLIP);
}

void sw_zeek_bad_checksum(struct sw_sess *s, struct sw_sess_cold *c, int dir)
{
	check(s, c, dir, SEEN_C, L_C);
}

int sw_zeek_likely_server_port(uint8_t proto, uint16_t port)
{
	/*
	 * Zeek's likely_server_ports with its default scripts: the server ports
	 * every analyzer of scripts/base registers (Analyzer::register_for_ports
	 * and, for the tunnel analyzers, PacketAnalyzer::register_for_ports add
	 * them), read from zeek/zeek at a13de64f (2026-08-21).  Used to orient a
	 * connection whose first packet is not a SYN (TCP) or comes from the
	 * server (UDP).  One row per port, the analyzer that registers it noted.
	 */
	static const struct {
		uint16_t port;
		uint8_t proto;
	} ports[] = {
		{21, 6}, /* ftp */
		{22, 6}, /* ssh */
		{25, 6}, /* smtp */
		{53, 6}, /* dns */
		{53, 17}, /* dns */
		{67, 17}, /* dhcp */
		{79, 6}, /* finger */
		{80, 6}, /* http */
		{81, 6}, /* http */
		{88, 6}, /* krb */
		{88, 17}, /* krb */
		{123, 17}, /* ntp */
		{135, 6}, /* dce-rpc */
		{137, 17}, /* dns */
		{139, 6}, /* smb */
		{143, 6}, /* imap */
		{161, 17}, /* snmp */
		{162, 17}, /* snmp */
		{389, 6}, /* ldap */
		{389, 17}, /* ldap */
		{443, 6}, /* ssl */
		{443, 17}, /* quic, dtls */
		{445, 6}, /* smb */
		{465, 6}, /* ssl */
		{502, 6}, /* modbus */
		{514, 6}, /* syslog */
		{514, 17}, /* syslog */
		{563, 6}, /* ssl */
		{585, 6}, /* ssl */
		{587, 6}, /* smtp */
		{614, 6}, /* ssl */
		{631, 6}, /* http */
		{636, 6}, /* ssl */
		{989, 6}, /* ssl */
		{990, 6}, /* ssl */
		{992, 6}, /* ssl */
		{993, 6}, /* ssl */
		{995, 6}, /* ssl */
		{1080, 6}, /* http, socks */
		{1434, 6}, /* mysql */
		{1812, 17}, /* radius */
		{1883, 6}, /* mqtt */
		{2123, 17}, /* gtpv1 */
		{2152, 17}, /* gtpv1 */
		{2811, 6}, /* ftp */
		{3128, 6}, /* http */
		{3268, 6}, /* ldap */
		{3306, 6}, /* mysql */
		{3389, 6}, /* rdp */
		{3389, 17}, /* rdpeudp */
		{3544, 17}, /* teredo */
		{4011, 17}, /* dhcp */
		{4754, 17}, /* gre */
		{4789, 17}, /* vxlan */
		{5060, 17}, /* sip */
		{5072, 17}, /* ayiya */
		{5222, 6}, /* xmpp */
		{5223, 6}, /* ssl */
		{5269, 6}, /* xmpp */
		{5353, 17}, /* dns */
		{5355, 17}, /* dns */
		{5432, 6}, /* postgresql */
		{6081, 17}, /* geneve */
		{6379, 6}, /* redis */
		{6666, 6}, /* irc */
		{6667, 6}, /* irc */
		{6668, 6}, /* irc */
		{6669, 6}, /* irc */
		{8000, 6}, /* http */
		{8080, 6}, /* http */
		{8888, 6}, /* http */
		{20000, 6}, /* dnp3 */
		{20000, 17}, /* dnp3 */
	};

	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (ports[i].port == port && ports[i].proto == proto)
			return 1;
	return 0;
}

/* TCP_Analyzer::UpdateStateMachine, on the two Zeek endpoint states. */
static void update_state(struct sw_sess *s, int dir, uint8_t fl, uint32_t len)
{
	unsigned me = zstate(s, dir), peer = zstate(s, !dir);
	unsigned orig = zstate(s, 0);
	int syn = fl & SW_TH_SYN, fin = fl & SW_TH_FIN, rst = fl & SW_TH_RST, ack = fl & SW_TH_ACK;

	switch (me) {
	case SW_Z_INACTIVE:
		if (syn) {
			if (dir == 0) {
				me = ack ? SW_Z_SYN_ACK_SENT : SW_Z_SYN_SENT;
			} else {
				/* The responder's SYN(-ACK) establishes a SYN-sent originator. */
				if (peer == SW_Z_SYN_SENT)
					peer = SW_Z_ESTABLISHED;
				me = SW_Z_ESTABLISHED;
			}
		}
		if (fin)
			me = SW_Z_CLOSED;
		if (rst)
			me = SW_Z_RESET;
		if (me == SW_Z_INACTIVE) {
			if (dir == 1 && len == 0 && orig == SW_Z_SYN_SENT)
				; /* an ACK of the SYN before the SYN-ACK: not a partial connection */
			else if (ack && peer == SW_Z_ESTABLISHED)
				me = SW_Z_ESTABLISHED; /* the SYN was missed, the SYN-ACK seen */
			else
				me = SW_Z_PARTIAL;
		}
		break;
	case SW_Z_SYN_SENT:
	case SW_Z_SYN_ACK_SENT:
		/* Data and ACKs leave a SYN-sent endpoint where it is. */
		if (fin)
			me = SW_Z_CLOSED;
		if (rst)
			me = SW_Z_RESET;
		break;
	case SW_Z_ESTABLISHED:
	case SW_Z_PARTIAL:
		if (syn && me == SW_Z_PARTIAL && peer == SW_Z_INACTIVE && !ack)
			me = SW_Z_SYN_SENT;
		if (fin && !rst) {
			me = SW_Z_CLOSED;
			/* The peer's FIN then RST was a normal close after all. */
			if (peer == SW_Z_RESET && (s->hist_seen & RST_FROM_CLOSED(!dir)))
				peer = SW_Z_CLOSED;
		}
		if (rst)
			me = SW_Z_RESET;
		break;
	case SW_Z_CLOSED:
		if (rst && peer != SW_Z_CLOSED)
			me = SW_Z_RESET;
		break;
	default:
		break;
	}
	set_zstate(s, !dir, peer);
	set_zstate(s, dir, me);
}

static void zeek_tcp_full(struct sw_sess *s, struct sw_sess_cold *c, int dir,
			  const struct sw_pkt *p, unsigned ev);

void sw_zeek_tcp(struct sw_sess *s, struct sw_sess_cold *c, int dir, const struct sw_pkt *p,
		 unsigned ev)
{

	if (!ev && sw_zeek_tcp_settled(s, dir, p->th_flags, p->payload))
		return;
	zeek_tcp_full(s, c, dir, p, ev);
}

/* Kept out of line so the fast path above does not pay for its register saves. */
__attribute__((noinline)) static void zeek_tcp_full(struct sw_sess *s, struct sw_sess_cold *c,
						    int dir, const struct sw_pkt *p, unsigned ev)
{
	uint8_t fl = p->th_flags;
	int nflags;

	nflags = !!(fl & SW_TH_SYN) + !!(fl & SW_TH_FIN) + !!(fl & SW_TH_RST);
	const struct sw_peer *dst = &s->peer[!dir];

	/* update_history */
	if (nflags > 1) {
		if ((fl & SW_TH_FIN) && (fl & SW_TH_RST))
			check(s, c, dir, SEEN_FINRST, L_I);
		else
			check(s, c, dir, SEEN_MULTI, L_Q);
	} else if (nflags == 1) {
		if (fl & SW_TH_SYN) {
			int l = (fl & SW_TH_ACK) ? L_H : L_S;
			if (check(s, c, dir, SEEN_SYN, l) && !(ev & (SW_EV_SEQ_SAME | SW_EV_SYN_RETRANS)))
				add(c, dir, l);
		}
		if (fl & SW_TH_FIN) {
			if (check(s, c, dir, SEEN_FIN, L_F) && !(ev & SW_EV_SEQ_SAME))
				add(c, dir, L_F);
		}
		if (fl & SW_TH_RST)
			check(s, c, dir, SEEN_RST, L_R);
	} else if (p->payload > 0) {
		check(s, c, dir, SEEN_DATA, L_D);
	} else if (fl & SW_TH_ACK) {
		check(s, c, dir, SEEN_ACK, L_A);
	}

	/* Retransmission: Zeek's DidRxmit, logarithmic. */
	if ((ev & SW_EV_RETRANS) && !(fl & SW_TH_RST)) {
		if (c->rexmit[dir] < 255)
			c->rexmit[dir]++;
		if (c->rexmit[dir] == 1 || c->rexmit[dir] == 10 || c->rexmit[dir] == 100)
			add(c, dir, L_T);
		/* Late data may fill the hole this side left. */
		s->hist_seen &= ~HOLE(dir);
	}
	/* Zero window, unless with a RST, after a RST, or after the peer's FIN. */
	if ((ev & SW_EV_ZERO_WINDOW) && !(fl & SW_TH_RST) && zstate(s, !dir) != SW_Z_CLOSED &&
	    zstate(s, dir) != SW_Z_RESET)
		check(s, c, dir, SEEN_W, L_W);

	update_state(s, dir, fl, p->payload);

	/*
	 * Content gaps: a segment that starts beyond what its side had sent
	 * leaves a hole; it is a gap (of the sender's stream) once the other
	 * side acknowledges past it - not in a FIN or RST, whose acks Zeek
	 * does not trust for gaps.
	 */
	if (ev & SW_EV_SEQ_JUMP)
		s->hist_seen |= HOLE(dir);
	if ((s->hist_seen & HOLE(!dir)) && (fl & SW_TH_ACK) && !(fl & (SW_TH_FIN | SW_TH_RST)) &&
	    (dst->wscale & SW_WS_INIT) && sw_seq_geq(p->ack, dst->end)) {
		s->hist_seen &= ~HOLE(!dir);
		check(s, c, !dir, SEEN_G, L_G);
	}
}

void sw_zeek_other(struct sw_sess *s, struct sw_sess_cold *c, int dir, const struct sw_pkt *p)
{
	(void)p;
	/* Zeek keeps no history for ICMP; UDP is 'D' / 'd'. */
	if (s->proto == 17)
		check(s, c, dir, SEEN_DATA, L_D);
	set_zstate(s, dir, SW_Z_ESTABLISHED);
}

void sw_zeek_history(const struct sw_sess_cold *c, char *buf, size_t len)
{
	unsigned n = (unsigned)(c->hist >> 60), o = 0;

	for (unsigned i = 0; i < n && o + 1 < len; i++) {
		unsigned v = (unsigned)(c->hist >> (5 * i)) & 31;
		buf[o++] = v <= 2 * L_MAX ? hist_char[v] : '?';
	}
	if (len)
		buf[o < len ? o : len - 1] = 0;
}

static int hist_rstos0(const struct sw_sess_cold *c)
{
	char h[16], *p = h;

	/* Zeek: history matches /^\^?S[^HAFGIQ]*R/ */
	sw_zeek_history(c, h, sizeof(h));
	if (*p == '^')
		p++;
	if (*p++ != 'S')
		return 0;
	for (; *p; p++) {
		if (*p == 'R')
			return 1;
		if (strchr("HAFGIQ", *p))
			return 0;
	}
	return 0;
}

const char *sw_zeek_conn_state(const struct sw_sess *s, const struct sw_sess_cold *c)
{
	unsigned os = zstate(s, 0), rs = zstate(s, 1);
	int o_inactive = os == SW_Z_INACTIVE || os == SW_Z_PARTIAL;
	int r_inactive = rs == SW_Z_INACTIVE || rs == SW_Z_PARTIAL;
	uint32_t data = (1u << (SEEN_DATA + SEEN_SHIFT(0))) | (1u << (SEEN_DATA + SEEN_SHIFT(1)));

	if (s->proto == 17) {
		if (s->pkts[0])
			return s->pkts[1] ? "SF" : "S0";
		return s->pkts[1] ? "SHR" : "OTH";
	}
	if (s->proto != 6)
		return "OTH";
	if (rs == SW_Z_RESET) {
		/* Both reset with no data counts as a rejection (Zeek: both sizes 0). */
		if (os == SW_Z_SYN_SENT || os == SW_Z_SYN_ACK_SENT ||
		    (os == SW_Z_RESET && !(s->hist_seen & data)))
			return "REJ";
		return o_inactive ? "RSTRH" : "RSTR";
	}
	if (os == SW_Z_RESET) {
		if (r_inactive)
			return hist_rstos0(c) ? "RSTOS0" : "OTH";
		return "RSTO";
	}
	if (rs == SW_Z_CLOSED && os == SW_Z_CLOSED)
		return "SF";
	if (os == SW_Z_CLOSED)
		return r_inactive ? "SH" : "S2";
	if (rs == SW_Z_CLOSED)
		return o_inactive ? "SHR" : "S3";
	if (os == SW_Z_SYN_SENT && rs == SW_Z_INACTIVE)
		return "S0";
	if (os == SW_Z_ESTABLISHED && rs == SW_Z_ESTABLISHED)
		return "S1";
	return "OTH";
}
