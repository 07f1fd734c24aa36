/*
 * l2.c - the link layer: from the start of a captured frame to its IP header.
 *
 * Every link type of sw_pkt_link_supported() starts here and every L2 shim
 * Zeek's packet analyzers walk through is walked the same way: 802.1Q/QinQ
 * tags, MPLS label stacks (IP by the version nibble after the bottom of the
 * stack, or an Ethernet pseudowire with or without its control word), PPPoE
 * sessions, PPP and Cisco HDLC, PBB (802.1ah), VN-Tag and E-Tag, Cisco
 * FabricPath, 802.2 LLC/SNAP (802.3 frames, FDDI, 802.11), 802.11 data
 * frames behind radiotap or PPI, and NFLOG.
 *
 * Bounded: a frame nests at most SW_L2_FRAMES_MAX Ethernet headers and
 * SW_L2_SHIMS_MAX shims in all, a label stack at most SW_MPLS_MAX labels,
 * each Ethernet header at most two VLAN tags; every limit and every
 * malformation is a named drop reason (tables.h).  Reads are bounded by
 * `cap` only: nothing here knows the IP length yet.
 */
#include "pkt-int.h"

#define SW_ETHERTYPE_PPPOE 0x8864    /* PPPoE session stage (discovery 0x8863 is not IP) */
#define SW_ETHERTYPE_PBB 0x88e7      /* 802.1ah I-TAG */
#define SW_ETHERTYPE_VNTAG 0x8926    /* Cisco VN-Tag */
#define SW_ETHERTYPE_ETAG 0x893f     /* 802.1BR E-Tag */
#define SW_ETHERTYPE_FABRICPATH 0x8903

#define PPP_IP 0x0021
#define PPP_IPV6 0x0057
#define PPP_MPLS 0x0281
#define PPP_MPLS_MC 0x0283

#define SLL_HLEN 16
#define SLL2_HLEN 20
#define NULL_HLEN 4

/* The walk over one frame. */
struct l2w {
	struct sw_pkt *p;
	const uint8_t *f;
	size_t cap, off;
	unsigned frames; /* Ethernet headers so far */
	unsigned shims;  /* shims of any kind so far */
	unsigned tags;   /* VLAN tags of the current Ethernet header */
};

static int have(const struct l2w *w, size_t n)
{
	return w->cap >= w->off && w->cap - w->off >= n;
}

static enum sw_drop ethertype(struct l2w *w, uint16_t type, int *fam);

/* An Ethernet header at w->off (a frame, or one inside a PBB/pseudowire/FabricPath shim). */
static enum sw_drop eth(struct l2w *w, int *fam)
{
	if (w->frames++ == SW_L2_FRAMES_MAX)
		return SW_DROP_L2_DEPTH;
	if (!have(w, SW_ETH_HLEN))
		return SW_DROP_TRUNCATED_L2;
	w->off += SW_ETH_HLEN;
	w->tags = 0;
	return ethertype(w, sw_rd16(w->f + w->off - 2), fam);
}

/*
 * 802.2 LLC.  SNAP with an EtherType OUI (000000, or 0000f8 for 802.1H)
 * carries an EtherType; Novell raw 802.3 (ff ff), spanning tree and the
 * other SAPs carry no IP that anyone sends.
 */
static enum sw_drop llc(struct l2w *w, int *fam)
{
	const uint8_t *h = w->f + w->off;

	if (!have(w, 3))
		return SW_DROP_TRUNCATED_L2;
	if (h[0] != 0xaa || h[1] != 0xaa || h[2] != 0x03)
		return SW_DROP_UNSUPPORTED_L2;
	if (!have(w, 8))
		return SW_DROP_TRUNCATED_L2;
	if (h[3] != 0 || h[4] != 0 || (h[5] != 0 && h[5] != 0xf8))
		return SW_DROP_UNSUPPORTED_L2;
	w->off += 8;
	return ethertype(w, sw_rd16(h + 6), fam);
}

/* An EtherType a pseudowire's Ethernet frame plausibly carries. */
static int known_type(const struct l2w *w, size_t at)
{
	uint16_t t;

	if (w->cap < at + 2)
		return 0;
	t = sw_rd16(w->f + at);
	return t == SW_ETHERTYPE_IP || t == SW_ETHERTYPE_IPV6 || t == SW_ETHERTYPE_VLAN ||
	       t == SW_ETHERTYPE_QINQ || t == SW_ETHERTYPE_MPLS || t == SW_ETHERTYPE_PPPOE || t == SW_ETHERTYPE_ARP;
}

/*
 * An MPLS label stack (RFC 3032).  What follows the bottom of the stack is
 * not labelled: an IP header says so by its version nibble (what routers and
 * Zeek assume), a zero nibble is the pseudowire control word (RFC 4385)
 * before an Ethernet frame - or, the control word being optional (RFC
 * 4448), a destination MAC starting with 0: the reading after which a
 * known EtherType sits wins, the control word when both or neither do, as
 * Wireshark's heuristic.  Anything else is an Ethernet pseudowire without a
 * control word; a destination MAC starting with 4 or 6 is read as IP, the
 * ambiguity every MPLS decoder has.
 */
static enum sw_drop mpls(struct l2w *w, int *fam)
{
	unsigned n = 0;

	for (;;) {
		if (n++ == SW_MPLS_MAX)
			return SW_DROP_MPLS_DEPTH;
		if (!have(w, 4))
			return SW_DROP_TRUNCATED_MPLS;
		w->off += 4;
		if (w->f[w->off - 2] & 0x01) /* bottom of stack */
			break;
	}
	if (!have(w, 1))
		return SW_DROP_TRUNCATED_MPLS;
	switch (w->f[w->off] >> 4) {
	case 4:
		*fam = 4;
		return SW_DROP_NONE;
	case 6:
		*fam = 6;
		return SW_DROP_NONE;
	case 0:
		if (!known_type(w, w->off + 4 + 12) && known_type(w, w->off + 12))
			return eth(w, fam);
		if (!have(w, 4))
			return SW_DROP_TRUNCATED_MPLS;
		w->off += 4;
		return eth(w, fam);
	case 1: /* associated channel (RFC 5586): OAM, not traffic */
		return SW_DROP_UNSUPPORTED_L2;
	default:
		return eth(w, fam);
	}
}

static enum sw_drop ppp_proto(struct l2w *w, uint16_t proto, int *fam)
{
	switch (proto) {
	case PPP_IP:
		*fam = 4;
		return SW_DROP_NONE;
	case PPP_IPV6:
		*fam = 6;
		return SW_DROP_NONE;
	case PPP_MPLS:
	case PPP_MPLS_MC:
		return mpls(w, fam);
	default: /* LCP, IPCP, CHAP ...: control traffic */
		return SW_DROP_UNSUPPORTED_L2;
	}
}

/* PPP (RFC 1661): optional HDLC-like address/control (ff 03), 1- or 2-byte protocol. */
static enum sw_drop ppp(struct l2w *w, int *fam)
{
	const uint8_t *h = w->f + w->off;
	uint16_t proto;

	if (have(w, 2) && h[0] == 0xff && h[1] == 0x03) {
		w->off += 2;
		h += 2;
	}
	if (!have(w, 1))
		return SW_DROP_TRUNCATED_L2;
	if (h[0] & 1) { /* protocol-field compression (RFC 1661 6.5) */
		proto = h[0];
		w->off += 1;
	} else {
		if (!have(w, 2))
			return SW_DROP_TRUNCATED_L2;
		proto = sw_rd16(h);
		w->off += 2;
	}
	return ppp_proto(w, proto, fam);
}

/* PPPoE session stage (RFC 2516): ver/type 0x11, code 0, session id, length, then PPP. */
static enum sw_drop pppoe(struct l2w *w, int *fam)
{
	const uint8_t *h = w->f + w->off;

	if (!have(w, 8))
		return SW_DROP_TRUNCATED_L2;
	if (h[0] != 0x11 || h[1] != 0x00 || sw_rd16(h + 4) < 2)
		return SW_DROP_BAD_PPPOE;
	w->off += 8;
	return ppp_proto(w, sw_rd16(h + 6), fam);
}

/* Cisco HDLC (DLT_C_HDLC, and DLT_PPP_SERIAL's other framing): address, control, EtherType. */
static enum sw_drop chdlc(struct l2w *w, int *fam)
{
	if (!have(w, 4))
		return SW_DROP_TRUNCATED_L2;
	w->off += 4;
	return ethertype(w, sw_rd16(w->f + w->off - 2), fam);
}

/* DLT_PPP_SERIAL: PPP in HDLC-like framing (ff 03), or Cisco HDLC (address 0f / 8f). */
static enum sw_drop ppp_serial(struct l2w *w, int *fam)
{
	if (!have(w, 1))
		return SW_DROP_TRUNCATED_L2;
	if (w->f[w->off] == 0x0f || w->f[w->off] == 0x8f)
		return chdlc(w, fam);
	if (w->f[w->off] != 0xff)
		return SW_DROP_UNSUPPORTED_L2;
	return ppp(w, fam);
}

static enum sw_drop ethertype(struct l2w *w, uint16_t type, int *fam)
{
	for (;;) {
		const uint8_t *h = w->f + w->off;

		if (w->shims++ == SW_L2_SHIMS_MAX)
			return SW_DROP_L2_DEPTH;
		switch (type) {
		case SW_ETHERTYPE_IP:
			*fam = 4;
			return SW_DROP_NONE;
		case SW_ETHERTYPE_IPV6:
			*fam = 6;
			return SW_DROP_NONE;
		case SW_ETHERTYPE_VLAN:
		case SW_ETHERTYPE_QINQ:
		case SW_ETHERTYPE_QINQ_OLD:
			/* Any tag TPID at either depth: real networks stack two 802.1Q tags too. */
			if (w->tags == SW_VLAN_TAGS_MAX)
				return SW_DROP_VLAN_DEPTH;
			if (!have(w, SW_VLAN_HLEN))
				return SW_DROP_TRUNCATED_L2;
			w->tags++;
			if (w->p->nvlan < 2)
				w->p->vlan[w->p->nvlan++] = sw_rd16(h) & 0x0fff;
			type = sw_rd16(h + 2);
			w->off += SW_VLAN_HLEN;
			break;
		case SW_ETHERTYPE_MPLS:
		case SW_ETHERTYPE_MPLS_MC:
			return mpls(w, fam);
		case SW_ETHERTYPE_PPPOE:
			return pppoe(w, fam);
		case SW_ETHERTYPE_PBB:
			/* I-TAG (flags, I-SID), then the customer's Ethernet header. */
			if (!have(w, 4))
				return SW_DROP_TRUNCATED_L2;
			w->off += 4;
			return eth(w, fam);
		case SW_ETHERTYPE_FABRICPATH:
			/* FTag and TTL, then the original frame (as Zeek's Ethernet analyzer skips it). */
			if (!have(w, 2))
				return SW_DROP_TRUNCATED_L2;
			w->off += 2;
			return eth(w, fam);
		case SW_ETHERTYPE_VNTAG:
			if (!have(w, 6))
				return SW_DROP_TRUNCATED_L2;
			type = sw_rd16(h + 4);
			w->off += 6;
			break;
		case SW_ETHERTYPE_ETAG:
			if (!have(w, 8))
				return SW_DROP_TRUNCATED_L2;
			type = sw_rd16(h + 6);
			w->off += 8;
			break;
		default:
			/* Up to 1500 is an 802.3 length: an LLC header follows. */
			if (type <= 1500)
				return llc(w, fam);
			return SW_DROP_UNSUPPORTED_L2;
		}
	}
}

/*
 * An 802.11 frame.  Only data frames carry IP; a null-data subtype carries
 * nothing, a protected one is encrypted, an A-MSDU packs several frames.
 * The header has 3 or (between two access points) 4 addresses, QoS data
 * adds the QoS control field and, with the order bit, the HT control field.
 */
static enum sw_drop ieee80211(struct l2w *w, int *fam)
{
	const uint8_t *h = w->f + w->off;
	size_t hlen = 24;
	unsigned subtype;

	if (!have(w, 2))
		return SW_DROP_TRUNCATED_L2;
	subtype = h[0] >> 4;
	if (((h[0] >> 2) & 3) != 2 || (subtype & 0x4))
		return SW_DROP_UNSUPPORTED_L2;
	if (h[1] & 0x40)
		return SW_DROP_WLAN_PROTECTED;
	if ((h[1] & 0x03) == 0x03)
		hlen += 6;
	if (subtype & 0x8) {
		if (!have(w, hlen + 2))
			return SW_DROP_TRUNCATED_L2;
		if (h[hlen] & 0x80) /* A-MSDU present */
			return SW_DROP_UNSUPPORTED_L2;
		hlen += 2;
		if (h[1] & 0x80)
			hlen += 4;
	}
	if (!have(w, hlen))
		return SW_DROP_TRUNCATED_L2;
	w->off += hlen;
	return llc(w, fam);
}

/* radiotap: version 0, pad, little-endian length of the whole header. */
static enum sw_drop radiotap(struct l2w *w, int *fam)
{
	size_t len;

	if (!have(w, 8))
		return SW_DROP_TRUNCATED_L2;
	len = sw_rd16le(w->f + w->off + 2);
	if (w->f[w->off] != 0 || len < 8 || !have(w, len))
		return SW_DROP_BAD_RADIO_HDR;
	w->off += len;
	return ieee80211(w, fam);
}

/* PPI: version 0, flags, little-endian length and the DLT of what follows. */
static enum sw_drop ppi(struct l2w *w, int *fam)
{
	const uint8_t *h = w->f + w->off;
	size_t len;

	if (!have(w, 8))
		return SW_DROP_TRUNCATED_L2;
	len = sw_rd16le(h + 2);
	if (h[0] != 0 || len < 8 || !have(w, len))
		return SW_DROP_BAD_RADIO_HDR;
	w->off += len;
	switch (sw_rd32le(h + 4)) {
	case SW_LINK_IEEE802_11:
		return ieee80211(w, fam);
	case SW_LINK_EN10MB:
		return eth(w, fam);
	default:
		return SW_DROP_UNSUPPORTED_L2;
	}
}

/*
 * The BSD address-family value of DLT_NULL/DLT_LOOP (and NFLOG's family
 * byte).  DLT_NULL stores it in the byte order of the capturing host and
 * DLT_LOOP in network order, and captures travel between machines, so (like
 * libpcap's own swapping code) we accept either order: a real AF value is
 * small, so whichever reading has the upper 16 bits clear is the right one.
 * AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (OpenBSD/NetBSD), 28
 * (FreeBSD) or 30 (Darwin).
 */
static int af_family(uint32_t af)
{
	switch (af) {
	case 2:
		return 4;
	case 10:
	case 24:
	case 28:
	case 30:
		return 6;
	default:
		return 0;
	}
}

static int null_family(const uint8_t *b)
{
	uint32_t af = sw_rd32le(b);

	if (af & 0xffff0000u)
		af = sw_rd32(b);
	return af_family(af);
}

/*
 * NFLOG: family, version, resource id, then TLVs (host-order length and
 * type, padded to 4 bytes); the packet is the payload TLV (type 9).
 */
static enum sw_drop nflog(struct l2w *w, int *fam)
{
	unsigned n = 0;

	if (!have(w, 4))
		return SW_DROP_TRUNCATED_L2;
	*fam = af_family(w->f[w->off]);
	if (!*fam)
		return SW_DROP_UNSUPPORTED_L2;
	w->off += 4;
	for (;;) {
		size_t len;

		if (n++ == SW_L2_SHIMS_MAX)
			return SW_DROP_L2_DEPTH;
		if (!have(w, 4))
			return SW_DROP_TRUNCATED_L2;
		len = sw_rd16le(w->f + w->off);
		if (len < 4)
			return SW_DROP_UNSUPPORTED_L2;
		if (sw_rd16le(w->f + w->off + 2) == 9) {
			w->off += 4;
			return SW_DROP_NONE;
		}
		len = (len + 3) & ~(size_t)3;
		if (!have(w, len))
			return SW_DROP_TRUNCATED_L2;
		w->off += len;
	}
}

int sw_pkt_link_supported(int link)
{
	switch (link) {
	case SW_LINK_NULL:
	case SW_LINK_EN10MB:
	case SW_LINK_PPP:
	case SW_LINK_FDDI:
	case SW_LINK_RAW_DLT:
	case SW_LINK_PPP_SERIAL:
	case SW_LINK_PPP_ETHER:
	case SW_LINK_RAW:
	case SW_LINK_C_HDLC:
	case SW_LINK_IEEE802_11:
	case SW_LINK_LOOP:
	case SW_LINK_LINUX_SLL:
	case SW_LINK_IEEE802_11_RADIO:
	case SW_LINK_PPI:
	case SW_LINK_MPLS:
	case SW_LINK_IPV4:
	case SW_LINK_IPV6:
	case SW_LINK_NFLOG:
	case SW_LINK_LINUX_SLL2:
		return 1;
	default:
		return 0;
	}
}

enum sw_drop sw_l2_parse(struct sw_pkt *p, const uint8_t *f, size_t cap, int link, size_t *off,
			 int *fam)
{
	struct l2w w = {.p = p, .f = f, .cap = cap};
	enum sw_drop r;

	*fam = 0;
	switch (link) {
	case SW_LINK_EN10MB:
		r = eth(&w, fam);
		break;
	case SW_LINK_LINUX_SLL:
		/* Type, ARPHRD, address length, 8 address bytes, then the protocol. */
		if (cap < SLL_HLEN)
			return SW_DROP_TRUNCATED_L2;
		w.off = SLL_HLEN;
		/* Protocol 4 is a raw 802.2 frame; the other small values are not IP. */
		if (sw_rd16(f + 14) < 0x0600 && sw_rd16(f + 14) != 0x0004)
			return SW_DROP_UNSUPPORTED_L2;
		r = ethertype(&w, sw_rd16(f + 14), fam);
		break;
	case SW_LINK_LINUX_SLL2:
		/* SLL2 moved the protocol to the front (and added the ifindex). */
		if (cap < SLL2_HLEN)
			return SW_DROP_TRUNCATED_L2;
		w.off = SLL2_HLEN;
		if (sw_rd16(f) < 0x0600 && sw_rd16(f) != 0x0004)
			return SW_DROP_UNSUPPORTED_L2;
		r = ethertype(&w, sw_rd16(f), fam);
		break;
	case SW_LINK_NULL:
	case SW_LINK_LOOP:
		if (cap < NULL_HLEN)
			return SW_DROP_TRUNCATED_L2;
		*off = NULL_HLEN;
		*fam = null_family(f);
		return *fam ? SW_DROP_NONE : SW_DROP_UNSUPPORTED_L2;
	case SW_LINK_PPP:
		r = ppp(&w, fam);
		break;
	case SW_LINK_PPP_SERIAL:
		r = ppp_serial(&w, fam);
		break;
	case SW_LINK_C_HDLC:
		r = chdlc(&w, fam);
		break;
	case SW_LINK_PPP_ETHER:
		r = pppoe(&w, fam);
		break;
	case SW_LINK_FDDI:
		/* Frame control, destination, source, then 802.2 LLC. */
		if (cap < 13)
			return SW_DROP_TRUNCATED_L2;
		w.off = 13;
		r = llc(&w, fam);
		break;
	case SW_LINK_IEEE802_11:
		r = ieee80211(&w, fam);
		break;
	case SW_LINK_IEEE802_11_RADIO:
		r = radiotap(&w, fam);
		break;
	case SW_LINK_PPI:
		r = ppi(&w, fam);
		break;
	case SW_LINK_MPLS:
		r = mpls(&w, fam);
		break;
	case SW_LINK_NFLOG:
		r = nflog(&w, fam);
		break;
	case SW_LINK_RAW:
	case SW_LINK_RAW_DLT:
		*off = 0;
		return SW_DROP_NONE;
	case SW_LINK_IPV4:
		*off = 0;
		*fam = 4;
		return SW_DROP_NONE;
	case SW_LINK_IPV6:
		*off = 0;
		*fam = 6;
		return SW_DROP_NONE;
	default:
		return SW_DROP_UNSUPPORTED_L2;
	}
	*off = w.off;
	return r;
}
