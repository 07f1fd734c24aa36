/*
 * frame.h - what bench_engine and pcapgen share: the 64-byte
 * Ethernet/IPv4/TCP frame they both build (valid checksums) and the integer
 * hash that gives each flow its initial sequence numbers.
 */
#ifndef SW_BENCH_FRAME_H
#define SW_BENCH_FRAME_H

#include <stdint.h>
#include <string.h>

#define FRAME 64

static inline uint32_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static inline uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static inline uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* One 64-byte frame; `payload` (<= 10) letters follow the TCP header, zero-padded to 64. */
static inline void build_frame(uint8_t *fr, uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp,
			       uint32_t seq, uint32_t ack, uint8_t flags, unsigned payload,
			       uint16_t ipid)
{
	uint8_t *ip = fr + 14, *th = fr + 34;
	uint32_t s;

	memset(fr, 0, FRAME);
	memcpy(fr, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + payload));
	put16(ip + 4, ipid);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, sip);
	put32(ip + 16, dip);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	put16(th, sp);
	put16(th + 2, dp);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = 5 << 4;
	th[13] = flags;
	put16(th + 14, 65535);
	for (unsigned i = 0; i < payload; i++)
		th[20 + i] = (uint8_t)('A' + (i + seq) % 26);
	s = csum_add(0, ip + 12, 8);
	s += 6 + (uint32_t)(20 + payload);
	s = csum_add(s, th, 20 + payload);
	put16(th + 16, csum_fold(s));
}

#endif
