/*
 * fuzz_pkt.c - libFuzzer harness for sw_pkt_parse() and sw_pkt_tunnel().
 *
 * Input: byte 0 picks the link type, byte 1 bit 0 turns checksum
 * verification on, bit 1 says the frame was captured whole
 * (SW_PARSE_WHOLE), the rest is the frame.  The frame is copied to a buffer
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
	SW_LINK_EN10MB,	     SW_LINK_NULL,	 SW_LINK_LOOP,	     SW_LINK_RAW,
	SW_LINK_RAW_DLT,     SW_LINK_IPV4,	 SW_LINK_IPV6,	     SW_LINK_LINUX_SLL,
	SW_LINK_LINUX_SLL2,  SW_LINK_PPP,	 SW_LINK_FDDI,	     SW_LINK_PPP_SERIAL,
	SW_LINK_PPP_ETHER,   SW_LINK_C_HDLC,	 SW_LINK_IEEE802_11, SW_LINK_IEEE802_11_RADIO,
	SW_LINK_PPI,	     SW_LINK_MPLS,	 SW_LINK_NFLOG,
};

/*
 * Follow the tunnels of a parsed packet as the engine does (at most 8
 * deep): the inner frame lies inside the outer IP packet and parses on
 * its own, in a buffer of exactly its size.
 */
static void tunnels(const struct sw_pkt *outer, const uint8_t *frame, size_t len)
{
	struct sw_pkt p[2];
	const struct sw_pkt *o = outer;

	for (unsigned depth = 0; depth < 8; depth++) {
		struct sw_tun t;
		enum sw_drop r = sw_pkt_tunnel(o, frame, len, &t);
		uint8_t *in;

		if (r >= SW_DROP_MAX || t.type > SW_TUN_MAX)
			abort();
		if (r != SW_DROP_NONE || t.type == SW_TUN_MAX || t.link < 0)
			return;
		if (t.off < o->l4_off || (uint64_t)t.off + t.len > len ||
		    (uint64_t)t.off + t.len > (uint64_t)o->l3_off + o->ip_len)
			abort();
		in = malloc(t.len ? t.len : 1);
		if (!in)
			return;
		memcpy(in, frame + t.off, t.len);
		/* whole when the outer packet is all in the frame, as src/engine/tunnel.c parses it */
		r = sw_pkt_parse(&p[depth & 1], t.len ? in : NULL, t.len, t.link,
				 (uint64_t)o->l3_off + o->ip_len <= len ? SW_PARSE_WHOLE : 0);
		free(in);
		if (r >= SW_DROP_MAX)
			abort();
		if (r != SW_DROP_NONE)
			return;
		frame += t.off;
		len = t.len;
		o = &p[depth & 1];
	}
}
#define NLINKS (sizeof(links) / sizeof(links[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_pkt p;
	uint8_t *frame;
	size_t len;
	int link;
	enum sw_drop r;
	unsigned whole;

	if (size < 2)
		return 0;
	whole = (data[1] & 2) ? SW_PARSE_WHOLE : 0;
	link = links[data[0] % NLINKS];
	len = size - 2;
	frame = malloc(len ? len : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 2, len);

	r = sw_pkt_parse(&p, len ? frame : NULL, len, link,
			 ((data[1] & 1) ? SW_PARSE_CHECKSUM : 0) | whole);
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
		if ((p.lflags & SW_LF_LEN_FROM_CAP) && (uint64_t)p.l3_off + p.ip_len != len)
			abort();
		/* captured whole, no IP packet reaches past the frame */
		if (whole && (uint64_t)p.l3_off + p.ip_len > len)
			abort();
		tunnels(&p, frame, len);
	}
	/* The checksum option can only turn a success into a checksum drop. */
	if (!(data[1] & 1)) {
		struct sw_pkt q;
		enum sw_drop r2 = sw_pkt_parse(&q, len ? frame : NULL, len, link,
					       SW_PARSE_CHECKSUM | whole);
		if (r2 != r && !(r == SW_DROP_NONE || r2 == SW_DROP_BAD_IP_CHECKSUM))
			abort();
		if (r2 != r && r2 != SW_DROP_BAD_IP_CHECKSUM && r2 != SW_DROP_BAD_CHECKSUM)
			abort();
	}
	free(frame);
	return 0;
}
