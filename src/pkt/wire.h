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
#define SW_ETHERTYPE_ARP 0x0806
#define SW_ETHERTYPE_VLAN 0x8100     /* 802.1Q customer tag */
#define SW_ETHERTYPE_QINQ 0x88a8     /* 802.1ad service tag */
#define SW_ETHERTYPE_QINQ_OLD 0x9100 /* pre-standard QinQ, still seen on old gear */

#define SW_ETH_HLEN 14
#define SW_IP4_HLEN 20
#define SW_IP6_HLEN 40
#define SW_TCP_HLEN 20 /* without options */
#define SW_VLAN_HLEN 4
#define SW_VLAN_TAGS_MAX 2 /* VLAN tags one Ethernet header may carry (QinQ) */

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

static inline int sw_ethertype_is_vlan(uint16_t t)
{
	return t == SW_ETHERTYPE_VLAN || t == SW_ETHERTYPE_QINQ || t == SW_ETHERTYPE_QINQ_OLD;
}

/*
 * The EtherType of an Ethernet frame of `len` bytes behind at most
 * SW_VLAN_TAGS_MAX VLAN tags, and in *off where its payload starts: for the
 * wire's own look at a frame (ARP, a neighbour's L2 header), not the
 * engine's walk (l2.c).  0 when the frame ends first or has more tags.
 */
static inline uint16_t sw_eth_type(const uint8_t *f, uint32_t len, uint32_t *off)
{
	uint32_t o = SW_ETH_HLEN - 2;

	for (int tags = 0; o + 2 <= len; tags++, o += SW_VLAN_HLEN) {
		uint16_t t = sw_rd16(f + o);

		if (!sw_ethertype_is_vlan(t)) {
			*off = o + 2;
			return t;
		}
		if (tags == SW_VLAN_TAGS_MAX)
			return 0;
	}
	return 0;
}

#endif
