/*
 * zeek.c - Zeek's history letters and conn_state.  See zeek.h.
 *
 * History rules (Zeek's TCP analyzer): upper case for the originator, lower
 * case for the responder; s h a d f r i q appear once per direction, except
 * that s h f r are added again when the sequence number of the flag changes;
 * t (retransmission) is logarithmic - added at the 1st, 10th and 100th;
 * ^ marks a connection whose direction was flipped.
 */
#include <ctype.h>
#include <string.h>

#include "track/tcp.h"
#include "track/zeek.h"

enum { L_S, L_H, L_A, L_D, L_F, L_R, L_C, L_G, L_T, L_W, L_I, L_Q, L_FLIP, L_MAX };
static const char letters[L_MAX] = "shadfrcgtwiq^";

#define HIST_MAX 12
#define ZSTATE_SHIFT(dir) (26 + 3 * (dir))

static unsigned zstate(const struct sw_sess *s, int dir)
{
	return (s->hist_seen >> ZSTATE_SHIFT(dir)) & 7;
}

static void set_zstate(struct sw_sess *s, int dir, unsigned st)
{
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

/* Add letter l once per direction; returns 1 if it had been seen before. */
static int check(struct sw_sess *s, struct sw_sess_cold *c, int dir, int l)
{
	uint32_t bit = 1u << (l + (dir ? 13 : 0));

	if (s->hist_seen & bit)
		return 1;
	s->hist_seen |= bit;
	add(c, dir, l);
	return 0;
}

void sw_zeek_flip(struct sw_sess *s, struct sw_sess_cold *c)
{
	check(s, c, 0, L_FLIP);
}

void sw_zeek_bad_checksum(struct sw_sess *s, struct sw_sess_cold *c, int dir)
{
	check(s, c, dir, L_C);
}

void sw_zeek_tcp(struct sw_sess *s, struct sw_sess_cold *c, int dir, const struct sw_pkt *p,
		 unsigned ev)
{
	uint8_t fl = p->th_flags;
	int nflags = !!(fl & SW_TH_SYN) + !!(fl & SW_TH_FIN) + !!(fl & SW_TH_RST);
	unsigned me = zstate(s, dir), peer = zstate(s, !dir);

	if (nflags > 1) {
		check(s, c, dir, (fl & SW_TH_FIN) && (fl & SW_TH_RST) ? L_I : L_Q);
	} else if (nflags == 1) {
		/* Repeat s/h/f/r only when the tracker saw a new sequence number. */
		if (fl & SW_TH_SYN) {
			int l = (fl & SW_TH_ACK) ? L_H : L_S;
			if (check(s, c, dir, l) && !(ev & SW_EV_SYN_RETRANS))
				add(c, dir, l);
		}
		if (fl & SW_TH_FIN) {
			if (check(s, c, dir, L_F) && !(ev & SW_EV_FIN_RETRANS))
				add(c, dir, L_F);
		}
		if (fl & SW_TH_RST)
			check(s, c, dir, L_R);
	} else if ((fl & SW_TH_ACK) && p->payload == 0) {
		check(s, c, dir, L_A);
	}
	if (p->payload > 0 && !(fl & SW_TH_RST))
		check(s, c, dir, L_D);
	if (ev & SW_EV_RETRANS) {
		if (s->rexmit[dir] < 255)
			s->rexmit[dir]++;
		if (s->rexmit[dir] == 1 || s->rexmit[dir] == 10 || s->rexmit[dir] == 100)
			add(c, dir, L_T);
	}
	if ((ev & SW_EV_ZERO_WINDOW) && !(fl & SW_TH_RST))
		check(s, c, dir, L_W);

	/* Zeek's endpoint state machine. */
	if (fl & SW_TH_RST) {
		me = SW_Z_RESET;
	} else if (fl & SW_TH_FIN) {
		if (me != SW_Z_RESET)
			me = SW_Z_CLOSED;
	} else if (fl & SW_TH_SYN) {
		if (me == SW_Z_INACTIVE || me == SW_Z_SYN_SENT || me == SW_Z_SYN_ACK_SENT)
			me = (fl & SW_TH_ACK) ? SW_Z_SYN_ACK_SENT : SW_Z_SYN_SENT;
	} else if (fl & SW_TH_ACK) {
		if (me == SW_Z_SYN_SENT || me == SW_Z_SYN_ACK_SENT) {
			me = SW_Z_ESTABLISHED;
			if (peer == SW_Z_SYN_SENT || peer == SW_Z_SYN_ACK_SENT)
				peer = SW_Z_ESTABLISHED;
		} else if (me == SW_Z_INACTIVE) {
			me = SW_Z_PARTIAL;
		}
	} else if (me == SW_Z_INACTIVE) {
		me = SW_Z_PARTIAL;
	}
	set_zstate(s, dir, me);
	set_zstate(s, !dir, peer);
}

void sw_zeek_other(struct sw_sess *s, struct sw_sess_cold *c, int dir, const struct sw_pkt *p)
{
	(void)p;
	check(s, c, dir, L_D);
	set_zstate(s, dir, SW_Z_ESTABLISHED);
}

void sw_zeek_history(const struct sw_sess_cold *c, char *buf, size_t len)
{
	unsigned n = (unsigned)(c->hist >> 60), o = 0;

	for (unsigned i = 0; i < n && o + 1 < len; i++) {
		unsigned v = (unsigned)(c->hist >> (5 * i)) & 31;
		int resp = v > L_MAX;
		char ch = letters[(v - 1) % L_MAX];
		buf[o++] = (char)(resp || ch == '^' ? ch : toupper((unsigned char)ch));
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

	if (s->proto != 6) {
		if (s->pkts[0] && s->pkts[1])
			return "SF";
		return s->pkts[0] ? "S0" : "SHR";
	}
	if (rs == SW_Z_RESET) {
		if (os == SW_Z_SYN_SENT || os == SW_Z_SYN_ACK_SENT ||
		    (os == SW_Z_RESET && !(s->hist_seen & ((1u << L_D) | (1u << (L_D + 13))))))
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
