/*
 * pktbuild.h - build well-formed (or deliberately broken) frames for tests,
 * and write them to pcap files.  Checksums are always computed correctly
 * unless the caller corrupts them afterwards.
 */
#ifndef SW_TEST_PKTBUILD_H
#define SW_TEST_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PB_MAX_FRAME 2048

struct pb_pkt {
	uint8_t data[PB_MAX_FRAME];
	size_t len;
};

/* A TCP/UDP/ICMP segment description; addresses are text ("10.0.0.1", "2001:db8::1"). */
struct pb_seg {
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t flags;       /* SW_TH_* for TCP */
	uint32_t seq, ack;
	uint16_t win;
	int wscale;          /* >= 0 adds a window-scale option (SYNs) */
	int mss;             /* > 0 adds an MSS option */
	int sackok;          /* adds SACK-permitted */
	size_t payload;      /* payload bytes (filled with a pattern) */
	uint16_t vlan;       /* 802.1Q tag if non-zero */
	uint16_t vlan2;      /* inner tag (QinQ) if non-zero */

	/* Optional extras; zero values give the defaults. */
	uint8_t ttl;            /* IPv4 TTL / IPv6 hop limit; 0 = 64 */
	uint16_t ipid;          /* IPv4 identification */
	int ts;                 /* adds a timestamps option (tsval, tsecr) */
	uint32_t tsval, tsecr;
	const uint8_t *tcpopts; /* raw TCP option bytes appended last (padded with EOL) */
	size_t tcpoptlen;
};

/* Ethernet + IPv4/IPv6 (by address syntax) + TCP.  Returns frame length. */
size_t pb_tcp(struct pb_pkt *out, const struct pb_seg *s);
/* Ethernet + IP + UDP. */
size_t pb_udp(struct pb_pkt *out, const struct pb_seg *s);
/* Ethernet + IP + ICMP(v6) echo request (type 8/128) or reply; id in sport, seq in seq. */
size_t pb_icmp_echo(struct pb_pkt *out, const struct pb_seg *s, int reply);
/*
 * Ethernet + IP + ICMP(v6) error of type/code quoting the first `quote` bytes
 * of the IP packet inside `inner` (a frame built by the functions above).
 */
size_t pb_icmp_error(struct pb_pkt *out, const char *src, const char *dst, uint8_t type,
		     uint8_t code, const struct pb_pkt *inner, size_t quote);

/*
 * Helpers to edit built frames (Ethernet, with or without VLAN tags).  Call
 * pb_fix_csum() after editing; pb_relink() last, since the other helpers
 * expect Ethernet.
 */
/* Offset of the IP header (14 + 4 per VLAN tag), 0 if the frame is not IP over Ethernet. */
size_t pb_l3_off(const struct pb_pkt *p);
/* Recompute the IPv4 header checksum and the TCP/UDP/ICMP(v6) checksum (skipped for fragments). */
void pb_fix_csum(struct pb_pkt *p);
/* Insert `len` bytes at offset `off`, shifting the rest; no length field is updated.  0 on overflow. */
size_t pb_insert(struct pb_pkt *p, size_t off, const void *data, size_t len);
/* Add IPv4 options (len a multiple of 4, <= 40): updates IHL, total length and checksums. */
size_t pb_ip4_options(struct pb_pkt *p, const void *opts, size_t len);
/*
 * Insert an IPv6 extension header of protocol `type` (0, 43, 44, 60, 51, ...)
 * right after the fixed header: `body` is everything after the next-header
 * byte (len + 1 must be a multiple of 8, or of 4 for AH); the header's
 * length byte is part of body and is the caller's.  Updates the chain,
 * the payload length and checksums.
 */
size_t pb_ip6_ext(struct pb_pkt *p, uint8_t type, const void *body, size_t len);
/*
 * Replace the Ethernet (+ VLAN) header by the header of `linktype`
 * (0 NULL little-endian AF, 108 LOOP, 101/12/228/229 raw, 113 SLL, 276 SLL2).
 * Returns the new length, 0 if the link type is unknown.
 */
size_t pb_relink(struct pb_pkt *p, int linktype);

/*
 * The one conversation of the packet-script tests (scenarios, transitions):
 * client 10.0.0.1:40000 with ISN 1000, server 10.0.0.2:80 with ISN 5000.
 * pb_conv() fills a segment from the client (c2s) or the server with
 * sequence and ack numbers relative to the sender's and the receiver's ISN;
 * the ack is set only when flags carry ACK.  No window-scale option.
 */
#define PB_CONV_CISN 1000u
#define PB_CONV_SISN 5000u
void pb_conv(struct pb_seg *seg, int c2s, int flags, uint32_t rel_seq, uint32_t rel_ack,
	     size_t payload);

/*
 * Encapsulation.  pb_wrap: `hdr` (hlen bytes, e.g. an MPLS-over-Ethernet
 * header) followed by inner's bytes from inner_off (0: the whole Ethernet
 * frame, pb_l3_off(inner): its IP packet).  pb_tunnel: an Ethernet + IPv4
 * frame from src to dst of IP protocol `proto` (47 GRE, 4 / 41 IP-in-IP, or
 * 17: UDP from port 50000 to dport, checksum 0) carrying `hdr` and then
 * inner's bytes from inner_off.  Both return the length, 0 on overflow.
 */
size_t pb_wrap(struct pb_pkt *out, const void *hdr, size_t hlen, const struct pb_pkt *inner,
	       size_t inner_off);
size_t pb_tunnel(struct pb_pkt *out, const char *src, const char *dst, uint8_t proto,
		 uint16_t dport, const void *hdr, size_t hlen, const struct pb_pkt *inner,
		 size_t inner_off);

/* TCP flags from letters S A F R P U E C ('.' for none), as test scripts write them; -1 if bad. */
int pb_tcp_flags(const char *letters);

/* A pcap writer (classic pcap, microsecond stamps, LINKTYPE_ETHERNET unless set). */
struct pb_pcap {
	FILE *f;
	int64_t t_ns;
};
int pb_pcap_open(struct pb_pcap *w, const char *path, int linktype);
/* Append a frame at absolute time t_ns (ns since the epoch). */
void pb_pcap_write(struct pb_pcap *w, const struct pb_pkt *p, int64_t t_ns);
void pb_pcap_close(struct pb_pcap *w);

#endif
