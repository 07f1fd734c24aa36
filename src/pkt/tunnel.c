/*
 * tunnel.c - find the inner packet of a tunnelled one.
 *
 * sw_pkt_tunnel() reads the tunnel header that follows the transport header
 * of an already parsed packet, as Zeek's packet analyzers do: GRE (v0 with
 * checksum/key/sequence, v1 PPTP, ERSPAN I/II/III, transparent Ethernet
 * bridging, MPLS) over IP or UDP 4754, IP-in-IP (4, 41), VXLAN (4789),
 * Geneve (6081), GTP-U (2152), Teredo (3544, and on any port when the
 * payload is exactly Teredo, as Zeek detects it) and AYIYA (5072).  A UDP
 * tunnel is recognised by its destination port, else its source port.
 *
 * Only the tunnel header is read here; the inner frame is parsed by
 * sw_pkt_parse() like any other, so every inner malformation keeps its own
 * reason.  Reads stay below the outer packet's end (its IP length, within
 * the capture).  Control messages of a tunnel protocol (a GRE keepalive, a
 * PPTP acknowledgement or LCP frame, a GTP echo, a Teredo bubble that is
 * not IPv6, an AYIYA heartbeat) carry no inner packet: they are the outer
 * session's traffic and nothing more.
 */
#include <assert.h>

#include "pkt-int.h"

#define GRE_C 0x8000 /* checksum present */
#define GRE_R 0x4000 /* routing present (RFC 1701; deprecated by RFC 2784) */
#define GRE_K 0x2000 /* key present */
#define GRE_S 0x1000 /* sequence number present */
#define GRE_A 0x0080 /* acknowledgement number present (v1) */
#define GRE_VER 0x0007
/* v0 (RFC 2784 + 2890): everything but C, K, S and the version must be 0. */
#define GRE_V0_MBZ 0x4ff8
/* v1 (RFC 2637): K set, C/R/s/recursion/flags clear, S and A optional. */
#define GRE_V1_MBZ 0xcf78

#define GRE_PPP 0x880b
#define GRE_ERSPAN2 0x88be /* type I without a sequence number, type II with */
#define GRE_ERSPAN3 0x22eb

#define GTP_GPDU 0xff
#define GTP_EXT_MAX 16 /* extension headers walked before BAD_GTP */

struct tw {
	const uint8_t *f;
	size_t o, end;
};

static int have(const struct tw *w, size_t n)
{
	return w->end >= w->o && w->end - w->o >= n;
}

/* What to parse next: `link` from w->o to the end. */
static enum sw_drop inner(const struct tw *w, struct sw_tun *t, int type, int link)
{
	t->type = (uint8_t)type;
	t->link = link;
	t->off = (uint32_t)w->o;
	t->len = (uint32_t)(w->end - w->o);
	return SW_DROP_NONE;
}

/* An inner IP packet named by its version nibble (GTP-U, Teredo). */
static enum sw_drop inner_ip(const struct tw *w, struct sw_tun *t, int type)
{
	if (!have(w, 1))
		return SW_DROP_NONE;
	switch (w->f[w->o] >> 4) {
	case 4:
		return inner(w, t, type, SW_LINK_IPV4);
	case 6:
		return inner(w, t, type, SW_LINK_IPV6);
	default:
		return SW_DROP_NONE;
	}
}

/* An inner packet named by an EtherType (GRE's and Geneve's protocol type). */
static enum sw_drop inner_ethertype(const struct tw *w, struct sw_tun *t, int type, uint16_t proto)
{
	switch (proto) {
	case SW_ETHERTYPE_IP:
		return inner(w, t, type, SW_LINK_IPV4);
	case SW_ETHERTYPE_IPV6:
		return inner(w, t, type, SW_LINK_IPV6);
	case SW_ETHERTYPE_TEB:
		return inner(w, t, type, SW_LINK_EN10MB);
	case SW_ETHERTYPE_MPLS:
	case SW_ETHERTYPE_MPLS_MC:
		return inner(w, t, type, SW_LINK_MPLS);
	default: /* keepalives (0), WCCP, NSH, ARP ...: nothing we track */
		return SW_DROP_NONE;
	}
}

/* PPTP's payload: PPP, usually with address/control and a 2-byte protocol. */
static enum sw_drop pptp_ppp(struct tw *w, struct sw_tun *t)
{
	uint16_t proto;

	if (have(w, 2) && w->f[w->o] == 0xff && w->f[w->o + 1] == 0x03)
		w->o += 2;
	if (!have(w, 1))
		return SW_DROP_NONE; /* an acknowledgement without payload */
	if (w->f[w->o] & 1) {
		proto = w->f[w->o];
		w->o += 1;
	} else {
		if (!have(w, 2))
			return SW_DROP_TRUNCATED_TUNNEL;
		proto = sw_rd16(w->f + w->o);
		w->o += 2;
	}
	if (proto == 0x0021)
		return inner(w, t, SW_TUN_GRE, SW_LINK_IPV4);
	if (proto == 0x0057)
		return inner(w, t, SW_TUN_GRE, SW_LINK_IPV6);
	return SW_DROP_NONE; /* LCP, IPCP, CCP/MPPE (encrypted) ... */
}

static enum sw_drop gre(struct tw *w, struct sw_tun *t)
{
	const uint8_t *h = w->f + w->o;
	uint16_t fv, proto;
	size_t hlen = 4;

	t->type = SW_TUN_GRE;
	if (!have(w, 4))
		return SW_DROP_TRUNCATED_TUNNEL;
	fv = sw_rd16(h);
	proto = sw_rd16(h + 2);
	switch (fv & GRE_VER) {
	case 0:
		if (fv & GRE_V0_MBZ)
			return SW_DROP_BAD_GRE;
		hlen += (fv & GRE_C ? 4 : 0) + (fv & GRE_K ? 4 : 0) + (fv & GRE_S ? 4 : 0);
		break;
	case 1:
		if ((fv & GRE_V1_MBZ) || !(fv & GRE_K) || proto != GRE_PPP)
			return SW_DROP_BAD_GRE;
		hlen += 4 + (fv & GRE_S ? 4 : 0) + (fv & GRE_A ? 4 : 0);
		break;
	default:
		return SW_DROP_BAD_GRE;
	}
	if (!have(w, hlen))
		return SW_DROP_TRUNCATED_TUNNEL;
	w->o += hlen;
	if ((fv & GRE_VER) == 1)
		return pptp_ppp(w, t);
	switch (proto) {
	case GRE_ERSPAN2:
		/* Type I has no sequence number and no header; type II an 8-byte one, version 1. */
		t->type = SW_TUN_ERSPAN;
		if (fv & GRE_S) {
			if (!have(w, 8))
				return SW_DROP_TRUNCATED_TUNNEL;
			if (w->f[w->o] >> 4 != 1)
				return SW_DROP_BAD_ERSPAN;
			w->o += 8;
		}
		return inner(w, t, SW_TUN_ERSPAN, SW_LINK_EN10MB);
	case GRE_ERSPAN3: {
		t->type = SW_TUN_ERSPAN;
		/* 12 bytes, version 2; the O flag adds an 8-byte platform sub-header. */
		size_t elen = 12;

		if (!have(w, elen))
			return SW_DROP_TRUNCATED_TUNNEL;
		if (w->f[w->o] >> 4 != 2)
			return SW_DROP_BAD_ERSPAN;
		if (w->f[w->o + 11] & 0x01)
			elen += 8;
		if (!have(w, elen))
			return SW_DROP_TRUNCATED_TUNNEL;
		w->o += elen;
		return inner(w, t, SW_TUN_ERSPAN, SW_LINK_EN10MB);
	}
	default:
		return inner_ethertype(w, t, SW_TUN_GRE, proto);
	}
}

/* VXLAN (RFC 7348): flags with I (0x08), 3 reserved, VNI, 1 reserved; Ethernet follows. */
static enum sw_drop vxlan(struct tw *w, struct sw_tun *t)
{
	t->type = SW_TUN_VXLAN;
	if (!have(w, 8))
		return SW_DROP_TRUNCATED_TUNNEL;
	if (!(w->f[w->o] & 0x08))
		return SW_DROP_BAD_VXLAN;
	w->o += 8;
	return inner(w, t, SW_TUN_VXLAN, SW_LINK_EN10MB);
}

/* Geneve (RFC 8926): version 0, option length in 4-byte words, protocol type. */
static enum sw_drop geneve(struct tw *w, struct sw_tun *t)
{
	const uint8_t *h = w->f + w->o;
	size_t hlen;

	t->type = SW_TUN_GENEVE;
	if (!have(w, 8))
		return SW_DROP_TRUNCATED_TUNNEL;
	if (h[0] >> 6 != 0)
		return SW_DROP_BAD_GENEVE;
	hlen = 8 + (size_t)(h[0] & 0x3f) * 4;
	if (!have(w, hlen))
		return SW_DROP_TRUNCATED_TUNNEL;
	w->o += hlen;
	return inner_ethertype(w, t, SW_TUN_GENEVE, sw_rd16(h + 2));
}

/*
 * GTP-U (3GPP TS 29.281): version 1, PT 1; E/S/PN add sequence number,
 * N-PDU number and the first extension type; each extension header is its
 * length in 4-byte words (never 0), content, and the next type.  Only a
 * G-PDU carries a user packet; echo, error indication and end marker do not.
 */
static enum sw_drop gtpu(struct tw *w, struct sw_tun *t)
{
	const uint8_t *h = w->f + w->o;
	size_t hlen = 8;

	t->type = SW_TUN_GTPU;
	if (!have(w, 8))
		return SW_DROP_TRUNCATED_TUNNEL;
	if (h[0] >> 5 != 1 || !(h[0] & 0x10))
		return SW_DROP_BAD_GTP;
	if (h[1] != GTP_GPDU)
		return SW_DROP_NONE;
	if (h[0] & 0x07) {
		uint8_t next;
		unsigned n = 0;

		if (!have(w, 12))
			return SW_DROP_TRUNCATED_TUNNEL;
		hlen = 12;
		next = (h[0] & 0x04) ? h[11] : 0;
		while (next) {
			size_t elen;

			if (n++ == GTP_EXT_MAX)
				return SW_DROP_BAD_GTP;
			if (!have(w, hlen + 1))
				return SW_DROP_TRUNCATED_TUNNEL;
			elen = (size_t)h[hlen] * 4;
			if (elen == 0)
				return SW_DROP_BAD_GTP;
			if (!have(w, hlen + elen))
				return SW_DROP_TRUNCATED_TUNNEL;
			next = h[hlen + elen - 1];
			hlen += elen;
		}
	}
	w->o += hlen;
	return inner_ip(w, t, SW_TUN_GTPU);
}

/*
 * Teredo (RFC 4380): an optional authentication indicator (0x0001, id and
 * auth lengths, id, auth, 8-byte nonce, confirmation), an optional origin
 * indication (0x0000, port, address), then IPv6.  As Zeek does, the payload
 * is only taken for IPv6 when its payload length matches what is left;
 * a bubble is the tunnel's own signalling, not an inner flow.
 */
static enum sw_drop teredo(struct tw *w, struct sw_tun *t)
{
	t->type = SW_TUN_TEREDO;
	if (have(w, 2) && sw_rd16(w->f + w->o) == 0x0001) {
		size_t alen;

		if (!have(w, 4))
			return SW_DROP_BAD_TEREDO;
		alen = 4 + (size_t)w->f[w->o + 2] + w->f[w->o + 3] + 8 + 1;
		if (!have(w, alen))
			return SW_DROP_BAD_TEREDO;
		w->o += alen;
	}
	if (have(w, 2) && sw_rd16(w->f + w->o) == 0x0000) {
		if (!have(w, 8))
			return SW_DROP_BAD_TEREDO;
		w->o += 8;
	}
	if (!have(w, SW_IP6_HLEN) || w->f[w->o] >> 4 != 6 ||
	    (size_t)sw_rd16(w->f + w->o + 4) + SW_IP6_HLEN != w->end - w->o)
		return SW_DROP_NONE;
	/* A bubble (no next header, no payload) only opens the NAT mapping. */
	if (w->f[w->o + 6] == SW_PROTO_NONE && sw_rd16(w->f + w->o + 4) == 0)
		return SW_DROP_NONE;
	return inner(w, t, SW_TUN_TEREDO, SW_LINK_IPV6);
}

/*
 * AYIYA (draft-massar-v6ops-ayiya): identity length (log2) and type,
 * signature length (4-byte words) and hash, authentication and opcode, next
 * header, epoch time; then identity and signature.  Opcode 1 forwards a
 * packet of the next-header protocol.
 */
static enum sw_drop ayiya(struct tw *w, struct sw_tun *t)
{
	const uint8_t *h = w->f + w->o;
	size_t hlen;

	t->type = SW_TUN_AYIYA;
	if (!have(w, 8))
		return SW_DROP_TRUNCATED_TUNNEL;
	hlen = 8 + ((size_t)1 << (h[0] >> 4)) + (size_t)(h[1] >> 4) * 4;
	if (!have(w, hlen))
		return SW_DROP_BAD_AYIYA;
	if ((h[2] & 0x0f) != 1)
		return SW_DROP_NONE;
	w->o += hlen;
	if (h[3] == SW_PROTO_IPIP)
		return inner(w, t, SW_TUN_AYIYA, SW_LINK_IPV4);
	if (h[3] == SW_PROTO_IPV6)
		return inner(w, t, SW_TUN_AYIYA, SW_LINK_IPV6);
	return SW_DROP_NONE;
}

static enum sw_drop udp_port(struct tw *w, struct sw_tun *t, uint16_t port, int *known)
{
	*known = 1;
	switch (port) {
	case SW_UDP_PORT_VXLAN:
		return vxlan(w, t);
	case SW_UDP_PORT_GENEVE:
		return geneve(w, t);
	case SW_UDP_PORT_GRE:
		return gre(w, t);
	case SW_UDP_PORT_GTPU:
		return gtpu(w, t);
	case SW_UDP_PORT_TEREDO:
		return teredo(w, t);
	case SW_UDP_PORT_AYIYA:
		return ayiya(w, t);
	default:
		*known = 0;
		return SW_DROP_NONE;
	}
}

/* pkt.h's sw_pkt_tunnel_proto() names the cases of sw_pkt_tunnel's switch below. */
static_assert(SW_PROTO_GRE == 47 && SW_PROTO_IPIP == 4 && SW_PROTO_IPV6 == 41 && SW_PROTO_UDP == 17,
	      "sw_pkt_tunnel_proto's numbers");

enum sw_drop sw_pkt_tunnel(const struct sw_pkt *p, const uint8_t *frame, size_t caplen,
			   struct sw_tun *t)
{
	struct tw w = {.f = frame, .o = p->l4_off, .end = (size_t)p->l3_off + p->ip_len};
	enum sw_drop r;
	int known;

	t->type = SW_TUN_MAX;
	t->link = -1;
	t->off = t->len = 0;
	if (p->pflags & (SW_PF_FRAG_FIRST | SW_PF_FRAG_LATER | SW_PF_ICMP_ERR) || !frame)
		return SW_DROP_NONE;
	if (w.end > caplen)
		w.end = caplen;
	switch (p->flow.proto) {
	case SW_PROTO_GRE:
		return gre(&w, t);
	case SW_PROTO_IPIP:
		return inner(&w, t, SW_TUN_IPIP, SW_LINK_IPV4);
	case SW_PROTO_IPV6:
		return inner(&w, t, SW_TUN_IPIP, SW_LINK_IPV6);
	case SW_PROTO_UDP:
		w.o += 8;
		r = udp_port(&w, t, p->flow.dport, &known);
		if (!known)
			r = udp_port(&w, t, p->flow.sport, &known);
		if (!known) {
			/*
			 * Teredo relays use any port: as Zeek's Teredo
			 * DetectProtocol, a payload that is exactly Teredo
			 * (indicators, then an IPv6 packet filling the rest)
			 * is taken as it, on any port.  Nothing else is.
			 */
			r = teredo(&w, t);
			if (r != SW_DROP_NONE || t->link < 0) {
				t->type = SW_TUN_MAX;
				t->link = -1;
				r = SW_DROP_NONE;
			}
		}
		return r;
	default:
		return SW_DROP_NONE;
	}
}
