/*
 * fuzz_engine.c - libFuzzer harness for the session engine itself.
 *
 * Raw capture bytes rarely form a conversation, so this harness turns its
 * input into one: a header byte picks the settings (half-close mode, window
 * check, mid-stream pickup, tiny tables so limits and tombstones are hit),
 * then every 8 bytes make one packet between two hosts and a handful of
 * ports - TCP with fuzzer-chosen flags and sequence/ack numbers near the
 * ones the conversation has used, UDP, ICMP echo or an ICMP error - sent
 * after a fuzzer-chosen pause, so every timer fires.
 *
 * Checked after every packet and at the end: the verdict and reason are in
 * range, live sessions never exceed max-sessions, the engine's own count
 * agrees with a walk of the table, every invariant of sw_engine_check()
 * holds, and after the flush nothing is left, every created session ended
 * exactly once and the event stream (odd inputs subscribe) reported each
 * start and end once, with timer changes that chain.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statewall/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t csum(const uint8_t *b, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet + IPv4 + L4; returns the frame length. */
static size_t frame(uint8_t *f, int from_b, uint8_t proto, const uint8_t *l4, size_t l4len)
{
	uint8_t *ip = f + 14;
	size_t tot = 20 + l4len;

	memset(f, 0, 34);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 10, ip[15] = from_b ? 2 : 1;
	ip[16] = 10, ip[19] = from_b ? 1 : 2;
	uint16_t c = csum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	memcpy(ip + 20, l4, l4len);
	return 14 + tot;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

struct ctx {
	uint64_t ended, ev_start, ev_end;
};

static void on_event(void *p, const struct sw_event *ev)
{
	struct ctx *c = p;

	if (ev->type >= SW_EV_MAX || !ev->si || ev->si->id == 0)
		abort();
	if (ev->type == SW_EV_START)
		c->ev_start++;
	if (ev->type == SW_EV_END)
		c->ev_end++;
	if (ev->type == SW_EV_TIMER && (ev->from == ev->to || ev->to != ev->si->timer))
		abort();
}

static void check(const struct sw_engine *e)
{
	char err[256];

	if (sw_engine_check(e, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_engine: %s\n", err);
		abort();
	}
}

static void on_end(void *p, const struct sw_sess_info *si)
{
	struct ctx *c = p;

	if (si->end_reason >= SW_END_MAX || si->id == 0)
		abort();
	c->ended++;
}

static int count_cb(void *p, const struct sw_sess_info *si)
{
	(void)si;
	(*(uint32_t *)p)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_conf conf;
	struct sw_engine *e;
	struct sw_stats st;
	struct ctx c = {0};
	uint32_t seq[2] = {1000, 5000};
	sw_time_t now = 1700000000LL * SW_NS_PER_SEC;
	uint8_t f[1600], l4[1500];

	if (size < 1)
		return 0;
	sw_conf_defaults(&conf);
	conf.tunnel_inspect = SW_TUN_ALL;
	conf.half_close_mode = (uint8_t)(data[0] % 3);
	conf.tcp_window_check = !(data[0] & 0x04);
	conf.tcp_reject_non_syn = !(data[0] & 0x08);
	/* Table pressure: a table small enough to fill, a quota, aging accelerating at half. */
	conf.max_sessions = (data[0] & 0x40) ? 3 : 8;
	conf.max_per_source = (data[0] & 0x80) ? 2 : 0;
	conf.evict_min_idle = 1;
	conf.accel_threshold = 50;
	conf.accel_factor = 4;
	conf.max_tombstones = (data[0] & 0x10) ? 0 : 4;
	conf.tombstone_ttl = 5;
	conf.timeout[SW_TO_TCP] = 20;
	conf.timeout[SW_TO_TCP_HALF_CLOSED] = 10;
	conf.timeout[SW_TO_TCP_TIME_WAIT] = 3;
	conf.timeout[SW_TO_TCPWAIT] = 6;
	if (sw_engine_create(&e, &conf) < 0)
		abort();
	sw_engine_on_end(e, on_end, &c);
	if (data[0] & 0x20)
		sw_engine_on_event(e, on_event, &c);

	for (size_t i = 1; i + 8 <= size; i += 8) {
		const uint8_t *r = data + i;
		int from_b = r[0] & 1, kind = (r[0] >> 1) & 3;
		uint16_t sport = (uint16_t)(40000 + ((r[0] >> 3) & 3)), dport = 80;
		size_t n, len = r[6] & 0x3f;
		struct sw_verdict v;
		uint32_t live = 0, cur = 0;

		now += (sw_time_t)(r[7] & 0x7f) * (r[7] & 0x80 ? SW_NS_PER_SEC : SW_NS_PER_SEC / 50);
		if (from_b) {
			uint16_t t = sport;
			sport = dport;
			dport = t;
		}
		memset(l4, 0, sizeof(l4));
		put16(l4, sport);
		put16(l4 + 2, dport);
		if (kind <= 1) { /* TCP, most of the time */
			int16_t ds = (int16_t)(r[2] << 8 | r[3]), da = (int16_t)(r[4] << 8 | r[5]);
			uint32_t s = seq[from_b] + (uint32_t)(int32_t)(ds >> 4);
			uint32_t a = seq[!from_b] + (uint32_t)(int32_t)(da >> 4);
			put32(l4 + 4, s);
			put32(l4 + 8, a);
			l4[12] = 5 << 4;
			l4[13] = r[1];
			put16(l4 + 14, (uint16_t)(r[6] & 0x40 ? 0 : 65535));
			n = frame(f, from_b, 6, l4, 20 + len);
			if (!(ds & 0xf))
				seq[from_b] = s + (uint32_t)len + !!(r[1] & 0x03);
		} else if (kind == 2) { /* UDP */
			put16(l4 + 4, (uint16_t)(8 + len));
			n = frame(f, from_b, 17, l4, 8 + len);
		} else { /* ICMP echo (r[1] even) or an error quoting our TCP flow */
			uint8_t q[64];
			if (r[1] & 1) {
				l4[0] = 3, l4[1] = 3;
				n = frame(q, !from_b, 6, l4, 20);
				memset(l4, 0, 8);
				l4[0] = 3, l4[1] = 3;
				memcpy(l4 + 8, q + 14, 28);
				n = frame(f, from_b, 1, l4, 36);
			} else {
				l4[0] = from_b ? 0 : 8;
				put16(l4 + 4, 7);
				n = frame(f, from_b, 1, l4, 8 + len);
			}
		}
		if (r[6] & 0x80) { /* the same frame inside VXLAN (or, bit 5 of r[0], Geneve) */
			uint8_t u[1600];

			memset(u, 0, 16);
			put16(u, 50000);
			put16(u + 2, (r[0] & 0x20) ? 6081 : 4789);
			put16(u + 4, (uint16_t)(16 + n));
			if (r[0] & 0x20)
				put16(u + 10, 0x6558);
			else
				u[8] = 0x08;
			memcpy(u + 16, f, n);
			n = frame(f, from_b, 17, u, 16 + n);
		}
		v = sw_engine_packet(e, f, n, SW_LINK_EN10MB, now);
		if (v.action > SW_DROP || v.reason >= SW_DROP_MAX ||
		    (v.action == SW_PASS) != (v.reason == SW_DROP_NONE))
			abort();
		sw_engine_stats(e, &st);
		if (st.active > conf.max_sessions)
			abort();
		/* a frame counts once, whatever its tunnels did */
		if (st.ctr[SW_CTR_FORWARDED] + st.ctr[SW_CTR_DROPPED] != st.ctr[SW_CTR_PKTS])
			abort();
		do
			sw_engine_walk(e, &cur, 64, count_cb, &live);
		while (cur);
		if (live != st.active)
			abort();
		check(e);
	}
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	check(e);
	sw_engine_stats(e, &st);
	if (st.active != 0 || st.tombstones != 0 ||
	    c.ended != st.ctr[SW_CTR_SESS_CREATED] || st.ctr[SW_CTR_SESS_ENDED] != c.ended)
		abort();
	if ((data[0] & 0x20) && (c.ev_start != c.ended || c.ev_end != c.ended))
		abort();
	sw_engine_destroy(e);
	return 0;
}
