/*
 * fuzz_pkt.c - libFuzzer harness for sw_pkt_parse().
 *
 * Input: byte 0 picks the link type, byte 1 bit 0 turns checksum
 * verification on, the rest is the frame.  The frame is copied to a buffer
 * of exactly its size so ASan catches any read past caplen.  Besides "no
 * crash", a successful parse must describe the frame consistently: the
 * checks below are the promises the engine relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "statewall/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = {
	SW_LINK_EN10MB, SW_LINK_NULL,	     SW_LINK_LOOP, SW_LINK_RAW,	       SW_LINK_RAW_DLT,
	SW_LINK_IPV4,	SW_LINK_IPV6,	     SW_LINK_LINUX_SLL, SW_LINK_LINUX_SLL2,
};
#define NLINKS (sizeof(links) / sizeof(links[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_pkt p;
	uint8_t *frame;
	size_t len;
	int link;
	enum sw_drop r;

	if (size < 2)
		return 0;
	link = links[data[0] % NLINKS];
	len = size - 2;
	frame = malloc(len ? len : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 2, len);

	r = sw_pkt_parse(&p, len ? frame : NULL, len, link, (data[1] & 1) ? SW_PARSE_CHECKSUM : 0);
	if (r >= SW_DROP_MAX)
		abort();
	if (r == SW_DROP_NONE) {
		if (p.flow.family != 4 && p.flow.family != 6)
			abort();
		if (p.l3_off >= len || p.nvlan > 2)
			abort();
		if ((p.pflags & (SW_PF_FRAG_FIRST | SW_PF_FRAG_LATER)) ==
		    (SW_PF_FRAG_FIRST | SW_PF_FRAG_LATER))
			abort();
		if (p.pflags & SW_PF_FRAG_LATER) {
			if (p.l4_off != 0 || p.flow.sport || p.flow.dport)
				abort();
		} else {
			/* The L4 header starts inside the capture and inside the IP packet. */
			if (p.l4_off > len || p.l4_off < p.l3_off + 20)
				abort();
			if ((uint64_t)p.l4_off + p.l4_len != (uint64_t)p.l3_off + p.ip_len)
				abort();
			if (p.flow.proto == 6 && (p.l4_off + 20 > len || p.payload + 20 > p.l4_len))
				abort();
			if (p.flow.proto == 17 && (p.l4_off + 8 > len || p.payload + 8 != p.l4_len))
				abort();
		}
		if (p.wscale > 14)
			abort();
		if (p.l4_csum_ok && !(data[1] & 1))
			abort();
		if ((p.pflags & SW_PF_ICMP_ERR) &&
		    p.inner.family != p.flow.family)
			abort();
	}
	/* The checksum option can only turn a success into a checksum drop. */
	if (!(data[1] & 1)) {
		struct sw_pkt q;
		enum sw_drop r2 = sw_pkt_parse(&q, len ? frame : NULL, len, link, SW_PARSE_CHECKSUM);
		if (r2 != r && !(r == SW_DROP_NONE || r2 == SW_DROP_BAD_IP_CHECKSUM))
			abort();
		if (r2 != r && r2 != SW_DROP_BAD_IP_CHECKSUM && r2 != SW_DROP_BAD_CHECKSUM)
			abort();
	}
	free(frame);
	return 0;
}
