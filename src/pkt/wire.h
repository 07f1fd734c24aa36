/*
 * wire.h - the wire formats src/pkt reads, and the engine's express lane
 * (seg.h) with it: protocol numbers, ethertypes, fixed header sizes and the
 * byte readers.
 *
 * Multi-byte fields are assembled from single bytes, so nothing that reads a
 * frame depends on its alignment (pcap record buffers are not aligned for
 * the IP header, and UBSan would say so).
 */
#ifndef SW_PKT_WIRE_H
#define SW_PKT_WIRE_H

#include <stdint.h>

#define SW_PROTO_HOPOPTS 0
#define SW_PROTO_ICMP 1
#define SW_PROTO_IPIP 4
#define SW_PROTO_TCP 6
#define SW_PROTO_UDP 17
#define SW_PROTO_IPV6 41
#define SW_PROTO_ROUTING 43
#define SW_PROTO_FRAGMENT 44
#define SW_PROTO_GRE 47
#define SW_PROTO_ESP 50
#define SW_PROTO_AH 51
#define SW_PROTO_ICMPV6 58
#define SW_PROTO_NONE 59
#define SW_PROTO_DSTOPTS 60

#define SW_ETHERTYPE_IP 0x0800
#define SW_ETHERTYPE_IPV6 0x86dd
#define SW_ETHERTYPE_TEB 0x6558    /* transparent Ethernet bridging (GRE, Geneve) */
#define SW_ETHERTYPE_MPLS 0x8847
#define SW_ETHERTYPE_MPLS_MC 0x8848

#define SW_ETH_HLEN 14
#define SW_IP4_HLEN 20
#define SW_IP6_HLEN 40
#define SW_TCP_HLEN 20 /* without options */

static inline uint16_t sw_rd16(const uint8_t *b)
{
	return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static inline uint32_t sw_rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint16_t sw_rd16le(const uint8_t *b)
{
	return (uint16_t)((unsigned)b[1] << 8 | b[0]);
}

/* Host-order value of a 4-byte field whose byte order we cannot know. */
static inline uint32_t sw_rd32le(const uint8_t *b)
{
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

#endif
