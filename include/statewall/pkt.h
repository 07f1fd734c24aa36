/*
 * pkt.h - the packet descriptor and the L2-L4 parser.
 *
 * sw_pkt_parse() reads one captured frame once and fills a struct sw_pkt:
 * addresses, ports, L4 header fields, offsets and lengths.  Every later
 * stage (lookup, tracking, policy) reads only the descriptor, as pf's
 * pf_pdesc.  The parser never reads outside [frame, frame + caplen) and
 * reports every malformed case as a named drop reason (tables.h).
 */
#ifndef STATEWALL_PKT_H
#define STATEWALL_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "statewall/types.h"

/* Link types: the libpcap DLT / LINKTYPE values we accept (src/pkt/l2.c). */
enum sw_link {
	SW_LINK_NULL = 0,        /* DLT_NULL: 4-byte host-order AF value */
	SW_LINK_EN10MB = 1,      /* Ethernet (+ VLAN, MPLS, PPPoE, PBB, VN-Tag, E-Tag, LLC/SNAP) */
	SW_LINK_PPP = 9,         /* PPP, with or without HDLC-like framing */
	SW_LINK_FDDI = 10,       /* FDDI + 802.2 LLC/SNAP */
	SW_LINK_RAW_DLT = 12,    /* DLT_RAW on some platforms */
	SW_LINK_PPP_SERIAL = 50, /* PPP in HDLC-like framing, or Cisco HDLC */
	SW_LINK_PPP_ETHER = 51,  /* PPPoE session header, no Ethernet */
	SW_LINK_RAW = 101,       /* LINKTYPE_RAW: IPv4 or IPv6, no L2 */
	SW_LINK_C_HDLC = 104,    /* Cisco HDLC */
	SW_LINK_IEEE802_11 = 105, /* 802.11 data frames + LLC/SNAP */
	SW_LINK_LOOP = 108,      /* DLT_LOOP: 4-byte network-order AF value */
	SW_LINK_LINUX_SLL = 113, /* Linux cooked v1 */
	SW_LINK_IEEE802_11_RADIO = 127, /* radiotap + 802.11 */
	SW_LINK_PPI = 192,       /* PPI + 802.11 (or Ethernet) */
	SW_LINK_MPLS = 219,      /* an MPLS label stack, no L2 */
	SW_LINK_IPV4 = 228,      /* LINKTYPE_IPV4 */
	SW_LINK_IPV6 = 229,      /* LINKTYPE_IPV6 */
	SW_LINK_NFLOG = 239,     /* Linux NFLOG */
	SW_LINK_LINUX_SLL2 = 276 /* Linux cooked v2 */
};

/* TCP flag bits as on the wire. */
#define SW_TH_FIN 0x01
#define SW_TH_SYN 0x02
#define SW_TH_RST 0x04
#define SW_TH_PSH 0x08
#define SW_TH_ACK 0x10
#define SW_TH_URG 0x20
#define SW_TH_ECE 0x40
#define SW_TH_CWR 0x80

/* sw_pkt.pflags */
#define SW_PF_FRAG_FIRST 0x01 /* first fragment of a fragmented datagram (offset 0, MF) */
#define SW_PF_FRAG_LATER 0x02 /* non-first fragment: no L4 header, matched by IP id */
#define SW_PF_ICMP_ERR 0x04   /* ICMP/ICMPv6 error: `inner` describes the quoted packet */
#define SW_PF_OPT_MSS 0x08    /* TCP MSS option present */
#define SW_PF_OPT_WSCALE 0x10 /* TCP window scale option present (wscale valid) */
#define SW_PF_OPT_SACKOK 0x20 /* TCP SACK-permitted option present */
#define SW_PF_OPT_TS 0x40     /* TCP timestamps option present (tsval/tsecr valid) */
#define SW_PF_OPT_SACK 0x80   /* TCP SACK blocks present (sack_right valid) */


struct sw_pkt {
	struct sw_flow flow;
	struct sw_flow inner; /* SW_PF_ICMP_ERR: the quoted packet's flow as sent */

	uint32_t ip_len;    /* IP total length (v4) / 40 + payload length (v6), as Zeek counts */
	uint32_t l3_off;    /* offset of the IP header in the frame */
	uint32_t l4_off;    /* offset of the L4 header (0 for later fragments) */
	uint32_t l4_len;    /* bytes from the L4 header to the IP end (within caplen or not) */
	uint32_t frag_id;   /* IPv4 id / IPv6 fragment identification */
	uint16_t frag_off;  /* fragment offset in bytes */
	uint16_t vlan[2];   /* outer, inner VLAN id; 0 = none */
	uint8_t nvlan;
	uint8_t ttl;
	uint8_t pflags; /* SW_PF_* */

	/* TCP */
	uint8_t th_flags;
	uint8_t wscale; /* shift count from the option, capped at 14 */
	uint16_t win;   /* raw (unscaled) window */
	uint16_t mss;
	uint32_t seq, ack;
	uint32_t tsval, tsecr;
	uint32_t sack_right; /* highest right edge among the SACK blocks */
	uint32_t payload;    /* TCP/UDP payload bytes (by the IP lengths) */

	/* ICMP / ICMPv6 */
	uint8_t icmp_type, icmp_code;
	uint8_t l4_csum_ok; /* 1 if the L4 checksum was verified correct; set only when asked */
	uint8_t lflags;     /* SW_LF_* */
};

/* sw_pkt.lflags */
#define SW_LF_LEN_FROM_CAP 0x01 /* IP length 0, or beyond a whole frame (TSO/GRO super-frame):
				 * the capture's length used */

/* Parser options. */
#define SW_PARSE_CHECKSUM 0x01 /* verify IPv4 header and L4 checksums */
#define SW_PARSE_NO_FAST 0x02  /* tests: always take the general path */
#define SW_PARSE_WHOLE 0x04    /* the frame was captured whole (caplen == wire length): an IP
				* length beyond it is an offload super-frame's, not a snap cut */
#define SW_IP6_EXT_MAX 20      /* extension headers walked before IP6_EXT_LIMIT (pf_hdr_limit) */
#define SW_L2_FRAMES_MAX 4     /* nested Ethernet headers (PBB, pseudowire, FabricPath): L2_DEPTH */
#define SW_L2_SHIMS_MAX 16     /* link-layer shims of a frame in all (tags, VN-Tag ...): L2_DEPTH */
#define SW_MPLS_MAX 16         /* labels of one MPLS stack before MPLS_DEPTH */

/*
 * Parse one frame of link type `link`.  Returns SW_DROP_NONE and fills *p, or
 * the drop reason of the first malformation found (p is then partially
 * filled and must not be used for lookups).  `caplen` is what was captured:
 * a payload cut by the snap length is normal in captures and parses; an L4
 * header cut (by caplen or by the IP length) is TRUNCATED_L4; an IP total
 * length smaller than its own header is BAD_IP_LEN.  An IP length of 0, or
 * (with SW_PARSE_WHOLE) one larger than the frame, is an offload
 * super-frame's: the captured length is used (SW_LF_LEN_FROM_CAP).
 */
enum sw_drop sw_pkt_parse(struct sw_pkt *p, const uint8_t *frame, size_t caplen, int link,
			  unsigned opts);

/* SW_PARSE_WHOLE for a frame captured whole: its wire length known (not 0) and all captured. */
static inline unsigned sw_parse_whole(size_t caplen, uint32_t wirelen)
{
	return wirelen && caplen >= wirelen ? SW_PARSE_WHOLE : 0;
}

/*
 * A tunnel the parsed packet `p` carries (src/pkt/tunnel.c): the inner frame
 * is [off, off + len) of the same frame, of link type `link`, and parses
 * with sw_pkt_parse(inner, frame + off, len, link, opts).
 */
struct sw_tun {
	uint32_t off, len;
	int link;       /* SW_LINK_EN10MB, SW_LINK_IPV4/6, SW_LINK_MPLS; -1: no inner packet */
	uint8_t type;   /* enum sw_tun_type; SW_TUN_MAX: no tunnel */
};
#define SW_UDP_PORT_GRE 4754
#define SW_UDP_PORT_VXLAN 4789
#define SW_UDP_PORT_GENEVE 6081
#define SW_UDP_PORT_GTPU 2152
#define SW_UDP_PORT_TEREDO 3544
#define SW_UDP_PORT_AYIYA 5072

/*
 * Decode the tunnel header of a packet sw_pkt_parse() accepted.  t->type is
 * the tunnel type (SW_TUN_MAX: the packet is no tunnel) whatever the result.
 * Returns SW_DROP_NONE with *t filled for a tunnelled packet, or with
 * t->link -1 for a tunnel's control message (GRE keepalive, PPTP
 * acknowledgement, GTP echo, AYIYA heartbeat ...), or the drop reason of a
 * malformed tunnel header.  Fragments are never decoded (their inner packet
 * is not in one frame).
 */
enum sw_drop sw_pkt_tunnel(const struct sw_pkt *p, const uint8_t *frame, size_t caplen,
			   struct sw_tun *t);

/* 1 if sw_pkt_tunnel() may find a tunnel in a packet of IP protocol proto (GRE, IP-in-IP, UDP). */
static inline int sw_pkt_tunnel_proto(uint8_t proto)
{
	return proto == 47 || proto == 4 || proto == 41 || proto == 17;
}

/*
 * 0 if sw_pkt_tunnel() would find no tunnel in p whatever its payload: not
 * of a protocol that carries one, or a fragment or an ICMP error (never
 * decoded).  The engine's check before it looks (TCP costs nothing).
 */
static inline int sw_pkt_may_tunnel(const struct sw_pkt *p)
{
	return sw_pkt_tunnel_proto(p->flow.proto) &&
	       !(p->pflags & (SW_PF_FRAG_FIRST | SW_PF_FRAG_LATER | SW_PF_ICMP_ERR));
}

/* 1 if the link type is one sw_pkt_parse() accepts. */
int sw_pkt_link_supported(int link);

/*
 * A TCP RST|ACK to send (reset-on-expiry, statewall/engine.h): from src to
 * dst, as the end at src would send it.
 */
struct sw_rst {
	uint32_t sess;           /* session id */
	uint8_t family;          /* 4 or 6 */
	uint8_t to;              /* 0: to the session's originator, 1: to its responder */
	uint16_t sport, dport;   /* host order */
	struct sw_addr src, dst; /* IPv4 v4-mapped */
	uint32_t seq, ack;       /* host order */
};

/* Bytes of the IP and TCP headers of an RST frame (without L2). */
#define SW_RST_IP4_LEN 40
#define SW_RST_IP6_LEN 60

/*
 * Write r as a frame into buf: the l2len bytes of l2 first (an Ethernet
 * header with any VLAN tags, its last two bytes the EtherType, which is
 * set to IPv4 or IPv6; l2len 0 for a raw IP frame), then an IPv4 (DF, TTL
 * 64) or IPv6 (hop limit 64) header and a 20-byte TCP header with RST|ACK,
 * window 0, IP and TCP checksums computed.  The frame's length, or 0 if
 * cap is too small, l2len is neither 0 nor at least 14, or the family is
 * neither 4 nor 6.
 */
size_t sw_pkt_build_rst(uint8_t *buf, size_t cap, const uint8_t *l2, size_t l2len,
			const struct sw_rst *r);

/* Internet checksum helpers (RFC 1071), exposed for tests and packet builders. */
uint32_t sw_csum_partial(const void *data, size_t len, uint32_t sum);
uint16_t sw_csum_fold(uint32_t sum);

#endif
