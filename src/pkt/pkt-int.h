/*
 * pkt-int.h - private to src/pkt: byte readers and protocol numbers shared by
 * the link layer (l2.c), the IP/transport parser (parse.c) and the tunnel
 * decoder (tunnel.c).
 *
 * Multi-byte fields are assembled from single bytes, so nothing in src/pkt
 * depends on the alignment of a frame (pcap record buffers are not aligned
 * for the IP header, and UBSan would say so).
 */
#ifndef SW_PKT_INT_H
#define SW_PKT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "statewall/pkt.h"

#define PROTO_HOPOPTS 0
#define PROTO_ICMP 1
#define PROTO_IPIP 4
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_IPV6 41
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_GRE 47
#define PROTO_ESP 50
#define PROTO_AH 51
#define PROTO_ICMPV6 58
#define PROTO_NONE 59
#define PROTO_DSTOPTS 60

#define ETHERTYPE_IP 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_TEB 0x6558    /* transparent Ethernet bridging (GRE, Geneve) */
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MC 0x8848

#define ETH_HLEN 14
#define IP4_HLEN 20
#define IP6_HLEN 40

static inline uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static inline uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint16_t rd16le(const uint8_t *b)
{
	return (uint16_t)((unsigned)b[1] << 8 | b[0]);
}

/* Host-order value of a 4-byte field whose byte order we cannot know. */
static inline uint32_t rd32le(const uint8_t *b)
{
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

/*
 * l2.c: find the IP header of a frame of link type `link`: sets *off and
 * *fam (4, 6, or 0 = "decide by the version nibble").
 */
enum sw_drop sw_l2_parse(struct sw_pkt *p, const uint8_t *f, size_t cap, int link, size_t *off,
			 int *fam);

#endif
