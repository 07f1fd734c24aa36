/*
 * parse.c - the L3-L4 parser: one captured frame in, one struct sw_pkt out.
 *
 * Design rules, in the spirit of pf_setup_pdesc() and nf_conntrack's
 * get_l4proto():
 *
 *  - Every byte is read through an explicit bound.  Two bounds matter and
 *    they are kept apart on purpose: `cap` is what the capture holds (we may
 *    never read past it), `end` is where the IP packet ends according to its
 *    own length fields (we must not interpret bytes past it: Ethernet pads
 *    short frames to 60 bytes and that padding is not payload).  Headers
 *    must lie inside both; payload only has to lie inside `end`, because
 *    snaplen-truncated captures are normal and their sessions still count.
 *
 *  - The parser is neutral.  It drops only what is structurally broken,
 *    i.e. what could not be described by a struct sw_pkt at all.  Odd but
 *    well-formed packets (SYN+FIN, a zero port, a reserved IP flag, a TCP
 *    option of the wrong length) are described faithfully and left to the
 *    tracker and the policy, which know the context.
 *
 *  - No allocation and no state: the function is reentrant and its cost is
 *    bounded by the header walk limit, not by the packet.
 *
 *  - Offload super-frames: an IPv4 total length (IPv6 payload length) of 0
 *    is what TSO/GRO and BIG TCP leave in a frame captured on the host
 *    itself; the captured length stands in for it, as Zeek and Wireshark
 *    do, and the descriptor says so (SW_LF_LEN_FROM_CAP).  So does a length
 *    larger than a frame the caller says was captured whole (SW_PARSE_WHOLE:
 *    its wire length is its captured length, nothing of it was cut); without
 *    that word such a length is read as a snap-length cut.
 *
 * The link layer is l2.c, tunnels are tunnel.c; the IP and L4 stages stay
 * in one file because they share the two bounds and the static helpers that
 * enforce them, and the fast path at the end must be read next to the
 * general path it is proven equal to.
 */
#include <assert.h>
#include <string.h>

#include "pkt-int.h"
#include "seg.h"

#define TCP_HLEN 20
#define UDP_HLEN 8
#define ICMP_HLEN 8 /* pf pulls ICMP_MINLEN / sizeof(struct icmp6_hdr): both 8 */

#define IP4_MF 0x2000
#define IP4_OFFMASK 0x1fff

/* TCP option kinds (RFC 9293, 7323, 2018). */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACKOK 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8
#define TCP_MAX_WSCALE 14 /* RFC 7323 2.3: larger shifts are treated as 14 */

/*
 * ::ffff:a.b.c.d, written as whole words: the key builder reads the address
 * back as 32-bit words at once, and a word assembled from byte stores cannot
 * be forwarded from the store buffer (a stall of a dozen cycles per packet).
 */
static void addr_set4(struct sw_addr *a, const uint8_t *src)
{
	static const uint8_t v4mapped[4] = {0, 0, 0xff, 0xff};

	memset(a->b, 0, 8);
	memcpy(&a->b[8], v4mapped, 4);
	memcpy(&a->b[12], src, 4);
}

/* ------------------------------------------------------------------------
 * Internet checksum (RFC 1071)
 * ------------------------------------------------------------------------ */

/*
 * Add `len` bytes to a running one's-complement sum.  The words are taken in
 * network order, so the folded result compares directly with sw_rd16() of a
 * checksum field.  Only the last chunk of a chained sum may have an odd
 * length (the odd byte is padded as the high half of a word, as RFC 1071
 * requires of the end of the data).  The accumulator is 64-bit and folded
 * back to 32 bits, which one's-complement arithmetic allows because
 * 2^32 == 1 (mod 0xffff); callers may therefore chain any number of calls.
 */
uint32_t sw_csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *b = data;
	uint64_t acc = sum;

	while (len >= 8) {
		acc += (uint32_t)sw_rd16(b) + sw_rd16(b + 2) + sw_rd16(b + 4) + sw_rd16(b + 6);
		b += 8;
		len -= 8;
	}
	while (len >= 2) {
		acc += sw_rd16(b);
		b += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)b[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

/* Fold to 16 bits and complement: the value to store, or 0 when verifying a correct sum. */
uint16_t sw_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ------------------------------------------------------------------------
 * Network layer
 * ------------------------------------------------------------------------ */

/*
 * What the IP layer tells the transport layer.  Shared by the outer packet
 * and the packet quoted in an ICMP error, which is why it is not sw_pkt.
 */
struct l3info {
	size_t l4;        /* offset of the upper-layer header */
	size_t end;       /* end of the IP packet by its length fields, <= cap not implied */
	uint32_t frag_id;
	uint16_t frag_off;
	uint8_t proto;    /* upper-layer protocol (the fragment's next header for later fragments) */
	uint8_t ttl;
	uint8_t frag;     /* SW_PF_FRAG_FIRST / SW_PF_FRAG_LATER or 0 */
	uint8_t rt_dst;   /* IPv6 routing header with segments left: the pseudo-header
			     destination is not ip6_dst, so the L4 checksum cannot be checked */
	uint8_t len_cap;  /* the length field was 0 or beyond a whole frame (offload): `end` is the
			     capture's end */
};

/*
 * Walk the IPv4 option list.  Only the structure is checked (what pf's
 * pf_walk_option() checks): single-byte EOL/NOP, otherwise a length of at
 * least 2 that stays inside the header.  The meaning of individual options
 * (source routes, timestamps) is policy, not parsing.
 */
static enum sw_drop ip4_options(const uint8_t *o, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (o[i] == 0) /* EOL: the rest is padding */
			break;
		if (o[i] == 1) { /* NOP */
			i++;
			continue;
		}
		if (len - i < 2 || o[i + 1] < 2 || o[i + 1] > len - i)
			return SW_DROP_BAD_IP_OPTIONS;
		i += o[i + 1];
	}
	return SW_DROP_NONE;
}

/*
 * IPv4 header at `off`.  For the outer packet (`quoted` == 0) the total
 * length must cover the header; for a packet quoted in an ICMP error the
 * total length describes the original datagram, of which only a prefix is
 * quoted, so `end` is clipped to the quote instead.
 */
static enum sw_drop ip4_parse(const uint8_t *f, size_t cap, size_t off, struct sw_flow *fl,
			      struct l3info *h, int quoted, unsigned opts)
{
	const uint8_t *ip = f + off;
	size_t avail = cap - off, hlen, tlen;
	uint16_t fo;

	if (avail < 1)
		return SW_DROP_TRUNCATED_IP;
	if (ip[0] >> 4 != 4)
		return SW_DROP_BAD_IP_VERSION;
	if (avail < SW_IP4_HLEN)
		return SW_DROP_TRUNCATED_IP;
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	if (hlen < SW_IP4_HLEN)
		return SW_DROP_BAD_IP_HLEN;
	if (hlen > avail)
		return SW_DROP_TRUNCATED_IP;
	tlen = sw_rd16(ip + 2);
	if (quoted) {
		h->end = (tlen >= hlen && tlen < avail) ? off + tlen : cap;
	} else if (tlen == 0 || (tlen > avail && (opts & SW_PARSE_WHOLE))) {
		/*
		 * TSO/GRO super-frame: the NIC writes the length, the capture saw
		 * none, or one that is not this frame's (nothing of it was cut).
		 */
		h->end = cap;
		h->len_cap = 1;
	} else {
		if (tlen < hlen)
			return SW_DROP_BAD_IP_LEN;
		h->end = off + tlen;
	}
	if ((opts & SW_PARSE_CHECKSUM) && sw_csum_fold(sw_csum_partial(ip, hlen, 0)) != 0)
		return SW_DROP_BAD_IP_CHECKSUM;
	if (hlen > SW_IP4_HLEN && ip4_options(ip + SW_IP4_HLEN, hlen - SW_IP4_HLEN) != SW_DROP_NONE)
		return SW_DROP_BAD_IP_OPTIONS;

	fl->family = 4;
	fl->proto = ip[9];
	addr_set4(&fl->src, ip + 12);
	addr_set4(&fl->dst, ip + 16);
	h->proto = ip[9];
	h->ttl = ip[8];
	h->l4 = off + hlen;
	h->frag_id = sw_rd16(ip + 4);
	fo = sw_rd16(ip + 6);
	h->frag_off = (uint16_t)((fo & IP4_OFFMASK) * 8);
	if (h->frag_off)
		h->frag = SW_PF_FRAG_LATER;
	else if (fo & IP4_MF)
		h->frag = SW_PF_FRAG_FIRST;
	return SW_DROP_NONE;
}

/*
 * Walk the TLV options of a hop-by-hop or destination options header:
 * Pad1 is a single byte, everything else is type, length, data.  An option
 * that overruns its header is the same malformation pf reports for IPv4.
 */
static int ip6_tlv_ok(const uint8_t *o, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (o[i] == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (len - i < 2 || (size_t)o[i + 1] + 2 > len - i)
			return 0;
		i += (size_t)o[i + 1] + 2;
	}
	return 1;
}

/*
 * Walk the IPv6 extension headers from `off` (the first byte after the fixed
 * header) with next header `nh`, stopping at the first upper-layer header.
 * Headers must lie inside both `cap` and `h->end`.  Like pf_walk_header6()
 * we reject hop-by-hop options that are not first and a second fragment
 * header, and cap the walk at SW_IP6_EXT_MAX headers so a chain of empty
 * headers costs a bounded amount of work.
 */
static enum sw_drop ip6_walk(const uint8_t *f, size_t cap, size_t off, uint8_t nh,
			     struct l3info *h)
{
	size_t lim = h->end < cap ? h->end : cap;
	unsigned n = 0;
	int seen_frag = 0;

	for (;;) {
		size_t len;
		const uint8_t *e = f + off;

		switch (nh) {
		case SW_PROTO_HOPOPTS:
		case SW_PROTO_ROUTING:
		case SW_PROTO_DSTOPTS:
		case SW_PROTO_FRAGMENT:
		case SW_PROTO_AH:
			break;
		default:
			/* Upper layer (TCP, UDP, ICMPv6, ESP, no-next-header, ...). */
			h->proto = nh;
			h->l4 = off;
			return SW_DROP_NONE;
		}
		if (++n > SW_IP6_EXT_MAX)
			return SW_DROP_IP6_EXT_LIMIT;
		if (lim < off || lim - off < 8) /* every extension header is >= 8 bytes */
			return SW_DROP_BAD_IP6_EXT;
		switch (nh) {
		case SW_PROTO_FRAGMENT: {
			uint16_t offlg = sw_rd16(e + 2);

			if (seen_frag)
				return SW_DROP_BAD_IP6_EXT;
			seen_frag = 1;
			len = 8;
			h->frag_off = offlg & 0xfff8;
			h->frag_id = sw_rd32(e + 4);
			if (h->frag_off) {
				/*
				 * Later fragment: the rest is payload of a
				 * header we do not have.  The next header of
				 * the fragment header names the protocol of the
				 * fragmentable part (usually the transport).
				 */
				h->frag = SW_PF_FRAG_LATER;
				h->proto = e[0];
				h->l4 = off + len;
				return SW_DROP_NONE;
			}
			/* Offset 0 without M is an atomic fragment (RFC 6946): not fragmented. */
			if (offlg & 1)
				h->frag = SW_PF_FRAG_FIRST;
			break;
		}
		case SW_PROTO_AH:
			len = ((size_t)e[1] + 2) * 4; /* RFC 4302: 32-bit words, minus 2 */
			break;
		default:
			len = ((size_t)e[1] + 1) * 8;
			break;
		}
		if (len > lim - off)
			return SW_DROP_BAD_IP6_EXT;
		if (nh == SW_PROTO_HOPOPTS && n != 1) /* RFC 8200 4.3: only right after the header */
			return SW_DROP_BAD_IP6_EXT;
		if ((nh == SW_PROTO_HOPOPTS || nh == SW_PROTO_DSTOPTS) && !ip6_tlv_ok(e + 2, len - 2))
			return SW_DROP_BAD_IP6_EXT;
		if (nh == SW_PROTO_ROUTING && e[3] != 0)
			h->rt_dst = 1;
		nh = e[0];
		off += len;
	}
}

static enum sw_drop ip6_parse(const uint8_t *f, size_t cap, size_t off, struct sw_flow *fl,
			      struct l3info *h, int quoted, unsigned opts)
{
	const uint8_t *ip = f + off;
	size_t avail = cap - off;

	if (avail < 1)
		return SW_DROP_TRUNCATED_IP;
	if (ip[0] >> 4 != 6)
		return SW_DROP_BAD_IP_VERSION;
	if (avail < SW_IP6_HLEN)
		return SW_DROP_TRUNCATED_IP;
	h->end = off + SW_IP6_HLEN + sw_rd16(ip + 4);
	/* See ip4_parse(): a quoted header's length is the original's, not the quote's. */
	if (quoted && h->end > cap)
		h->end = cap;
	/*
	 * Payload length 0 with a payload: a GSO/GRO (BIG TCP) super-frame or a
	 * jumbogram (RFC 2675) - the capture's end is the packet's end; so is a
	 * length beyond a frame captured whole (as for IPv4).
	 */
	if (!quoted && ((sw_rd16(ip + 4) == 0 && ip[6] != SW_PROTO_NONE && cap - off > SW_IP6_HLEN) ||
			(h->end > cap && (opts & SW_PARSE_WHOLE)))) {
		h->end = cap;
		h->len_cap = 1;
	}
	fl->family = 6;
	memcpy(fl->src.b, ip + 8, 16);
	memcpy(fl->dst.b, ip + 24, 16);
	h->ttl = ip[7];
	return ip6_walk(f, cap, off + SW_IP6_HLEN, ip[6], h);
}

/* ------------------------------------------------------------------------
 * Transport layer
 * ------------------------------------------------------------------------ */

/*
 * TCP options.  A broken list (a length below 2, or one that runs past the
 * data offset) is a drop: nothing after it can be located.  An option whose
 * length does not match its kind is ignored, as Linux tcp_parse_options()
 * does, and so is the SYN-only rule for MSS/wscale/SACK-permitted: the
 * tracker decides what an option on a non-SYN means.
 */
static enum sw_drop tcp_options(struct sw_pkt *p, const uint8_t *o, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const uint8_t *v;
		uint8_t olen;

		if (o[i] == TCPOPT_EOL)
			break;
		if (o[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return SW_DROP_BAD_TCP_OPTIONS;
		olen = o[i + 1];
		if (olen < 2 || olen > len - i)
			return SW_DROP_BAD_TCP_OPTIONS;
		v = o + i + 2;
		switch (o[i]) {
		case TCPOPT_MSS:
			if (olen == 4) {
				p->mss = sw_rd16(v);
				p->pflags |= SW_PF_OPT_MSS;
			}
			break;
		case TCPOPT_WSCALE:
			if (olen == 3) {
				p->wscale = v[0] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : v[0];
				p->pflags |= SW_PF_OPT_WSCALE;
			}
			break;
		case TCPOPT_SACKOK:
			if (olen == 2)
				p->pflags |= SW_PF_OPT_SACKOK;
			break;
		case TCPOPT_SACK:
			if (olen >= 10 && (olen - 2) % 8 == 0) {
				for (size_t b = 0; b < (size_t)(olen - 2); b += 8) {
					uint32_t right = sw_rd32(v + b + 4);

					/* Sequence space wraps: compare by signed distance. */
					if (!(p->pflags & SW_PF_OPT_SACK) ||
					    (int32_t)(right - p->sack_right) > 0)
						p->sack_right = right;
					p->pflags |= SW_PF_OPT_SACK;
				}
			}
			break;
		case TCPOPT_TS:
			if (olen == 10) {
				p->tsval = sw_rd32(v);
				p->tsecr = sw_rd32(v + 4);
				p->pflags |= SW_PF_OPT_TS;
			}
			break;
		default:
			break;
		}
		i += olen;
	}
	return SW_DROP_NONE;
}

/* ICMP query types that carry an identifier (pf's pf_icmp_mapping "query" cases). */
static int icmp4_is_query(uint8_t type)
{
	switch (type) {
	case 0:  /* echo reply */
	case 8:  /* echo request */
	case 13: /* timestamp */
	case 14: /* timestamp reply */
	case 15: /* information request */
	case 16: /* information reply */
	case 17: /* address mask request */
	case 18: /* address mask reply */
		return 1;
	default:
		return 0;
	}
}

static int icmp4_is_error(uint8_t type)
{
	/* Unreachable, source quench, redirect, time exceeded, parameter problem. */
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static int icmp6_is_query(uint8_t type)
{
	return type == 128 || type == 129; /* echo request / reply */
}

static int icmp6_is_error(uint8_t type)
{
	/* Unreachable, packet too big, time exceeded, parameter problem. */
	return type >= 1 && type <= 4;
}

/*
 * The packet quoted by an ICMP error, in [off, qend).  Only the IP header
 * and the first bytes of the transport header are quoted (RFC 792 promises
 * 8), so the quoted packet's own lengths are not checked against the quote;
 * what we need is the flow as the original sender saw it.  Everything that
 * goes wrong here is BAD_ICMP_ERROR: the outer packet is fine, what it
 * refers to is not.
 */
static enum sw_drop icmp_quote(struct sw_pkt *p, const uint8_t *f, size_t qend, size_t off,
			       int fam)
{
	struct l3info h;
	const uint8_t *l4;
	size_t have;
	enum sw_drop r;

	memset(&h, 0, sizeof(h));
	if (fam == 4)
		r = ip4_parse(f, qend, off, &p->inner, &h, 1, 0);
	else
		r = ip6_parse(f, qend, off, &p->inner, &h, 1, 0);
	if (r != SW_DROP_NONE)
		return SW_DROP_BAD_ICMP_ERROR;
	p->inner.proto = h.proto;
	if (h.frag == SW_PF_FRAG_LATER)
		return SW_DROP_NONE; /* no transport header was ever in this datagram */

	l4 = f + h.l4;
	have = qend - h.l4;
	switch (h.proto) {
	case SW_PROTO_TCP:
	case SW_PROTO_UDP:
		if (have < 4)
			return SW_DROP_BAD_ICMP_ERROR;
		p->inner.sport = sw_rd16(l4);
		p->inner.dport = sw_rd16(l4 + 2);
		break;
	case SW_PROTO_ICMP:
	case SW_PROTO_ICMPV6:
		if (have < 1)
			return SW_DROP_BAD_ICMP_ERROR;
		if (h.proto == SW_PROTO_ICMP ? icmp4_is_query(l4[0]) : icmp6_is_query(l4[0])) {
			if (have < 6)
				return SW_DROP_BAD_ICMP_ERROR;
			p->inner.sport = p->inner.dport = sw_rd16(l4 + 4);
		}
		break;
	default:
		break;
	}
	return SW_DROP_NONE;
}

/* Pseudo-header sum (RFC 768/793 for IPv4, RFC 8200 8.1 for IPv6). */
static uint32_t pseudo_sum(const struct sw_flow *fl, uint8_t proto, uint32_t len)
{
	uint32_t sum;

	if (fl->family == 4) {
		sum = sw_csum_partial(&fl->src.b[12], 4, 0);
		sum = sw_csum_partial(&fl->dst.b[12], 4, sum);
	} else {
		sum = sw_csum_partial(fl->src.b, 16, 0);
		sum = sw_csum_partial(fl->dst.b, 16, sum);
	}
	return sum + proto + (len >> 16) + (len & 0xffff);
}

/*
 * Transport header at h->l4.  `end` is the IP end, `lim` the readable end
 * (min of cap and end): headers must fit in `lim`, lengths come from `end`.
 */
static enum sw_drop l4_parse(struct sw_pkt *p, const uint8_t *f, size_t cap,
			     const struct l3info *h, unsigned opts)
{
	size_t lim = h->end < cap ? h->end : cap;
	size_t off = h->l4, len = h->end - h->l4, have = lim - off;
	const uint8_t *l4 = f + off;
	int full, csum_needed = 0;
	uint16_t zero_ok = 0;
	enum sw_drop r;

	p->l4_off = (uint32_t)off;
	p->l4_len = (uint32_t)len;

	switch (h->proto) {
	case SW_PROTO_TCP: {
		size_t thlen;

		if (have < TCP_HLEN)
			return SW_DROP_TRUNCATED_L4;
		p->flow.sport = sw_rd16(l4);
		p->flow.dport = sw_rd16(l4 + 2);
		p->seq = sw_rd32(l4 + 4);
		p->ack = sw_rd32(l4 + 8);
		thlen = (size_t)(l4[12] >> 4) * 4;
		p->th_flags = l4[13];
		p->win = sw_rd16(l4 + 14);
		if (thlen < TCP_HLEN || thlen > len)
			return SW_DROP_BAD_TCP_HLEN;
		if (thlen > have)
			return SW_DROP_TRUNCATED_L4;
		r = tcp_options(p, l4 + TCP_HLEN, thlen - TCP_HLEN);
		if (r != SW_DROP_NONE)
			return r;
		p->payload = (uint32_t)(len - thlen);
		csum_needed = 1;
		break;
	}
	case SW_PROTO_UDP:
		if (have < UDP_HLEN)
			return SW_DROP_TRUNCATED_L4;
		p->flow.sport = sw_rd16(l4);
		p->flow.dport = sw_rd16(l4 + 2);
		p->payload = (uint32_t)(len - UDP_HLEN);
		csum_needed = 1;
		/* RFC 768: zero means "no checksum" over IPv4; RFC 8200 8.1 forbids it over IPv6. */
		zero_ok = p->flow.family == 4;
		break;
	case SW_PROTO_ICMP:
	case SW_PROTO_ICMPV6: {
		int v6 = h->proto == SW_PROTO_ICMPV6;

		/* ICMP in the wrong IP version is just an unknown protocol. */
		if (v6 != (p->flow.family == 6))
			break;
		if (have < ICMP_HLEN)
			return SW_DROP_TRUNCATED_L4;
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		p->payload = (uint32_t)(len - ICMP_HLEN);
		if (v6 ? icmp6_is_query(l4[0]) : icmp4_is_query(l4[0])) {
			p->flow.sport = p->flow.dport = sw_rd16(l4 + 4);
		} else if (v6 ? icmp6_is_error(l4[0]) : icmp4_is_error(l4[0])) {
			p->pflags |= SW_PF_ICMP_ERR;
			r = icmp_quote(p, f, lim, off + ICMP_HLEN, p->flow.family);
			if (r != SW_DROP_NONE)
				return r;
		}
		csum_needed = 1;
		break;
	}
	default:
		/* Other protocols are tracked by addresses and protocol alone. */
		break;
	}

	/*
	 * A checksum covers the whole datagram, so it can only be checked when
	 * all of it is here: not for snaplen-truncated captures, and not for
	 * a first fragment (the rest is in other packets).
	 */
	full = h->end <= cap && !h->frag && !h->rt_dst;
	if ((opts & SW_PARSE_CHECKSUM) && csum_needed && full) {
		uint16_t field = sw_rd16(l4 + (h->proto == SW_PROTO_UDP ? 6 : h->proto == SW_PROTO_TCP ? 16 : 2));
		uint32_t sum = h->proto == SW_PROTO_ICMP ? 0 : pseudo_sum(&p->flow, h->proto, (uint32_t)len);

		if (field == 0 && zero_ok) {
			p->l4_csum_ok = 1; /* "not computed" is valid; nothing to distrust */
		} else {
			if ((field == 0 && h->proto == SW_PROTO_UDP) ||
			    sw_csum_fold(sw_csum_partial(l4, len, sum)) != 0)
				return SW_DROP_BAD_CHECKSUM;
			p->l4_csum_ok = 1;
		}
	}
	return SW_DROP_NONE;
}

/* ------------------------------------------------------------------------
 * Entry point
 * ------------------------------------------------------------------------ */

/*
 * The common case in one straight line: Ethernet, IPv4 without options or
 * fragmentation, TCP, all of it captured, no checksum verification asked.
 * Returns 1 with *p filled exactly as the general path would fill it (a test
 * compares the two on every packet of the corpus), 0 to take the general path.
 */
static int fast_tcp4(struct sw_pkt *p, const uint8_t *f, size_t cap, unsigned opts,
		     enum sw_drop *r)
{
	const uint8_t *ip = f + SW_ETH_HLEN, *th = ip + 20;
	size_t tlen, thlen;

	if ((opts & (SW_PARSE_CHECKSUM | SW_PARSE_NO_FAST)) || !sw_pkt_tcp4(f, cap, &tlen, &thlen))
		return 0;
	p->flow.family = 4;
	p->flow.proto = SW_PROTO_TCP;
	addr_set4(&p->flow.src, ip + 12);
	addr_set4(&p->flow.dst, ip + 16);
	p->flow.sport = sw_rd16(th);
	p->flow.dport = sw_rd16(th + 2);
	p->ip_len = (uint32_t)tlen;
	p->l3_off = SW_ETH_HLEN;
	p->l4_off = SW_ETH_HLEN + 20;
	p->l4_len = (uint32_t)(tlen - 20);
	p->frag_id = sw_rd16(ip + 4);
	p->ttl = ip[8];
	p->seq = sw_rd32(th + 4);
	p->ack = sw_rd32(th + 8);
	p->th_flags = th[13];
	p->win = sw_rd16(th + 14);
	p->payload = (uint32_t)(tlen - 20 - thlen);
	*r = thlen > TCP_HLEN ? tcp_options(p, th + TCP_HLEN, thlen - TCP_HLEN) : SW_DROP_NONE;
	return 1;
}

static enum sw_drop parse_general(struct sw_pkt *p, const uint8_t *frame, size_t caplen, int link,
				  unsigned opts);

enum sw_drop sw_pkt_parse(struct sw_pkt *p, const uint8_t *frame, size_t caplen, int link,
			  unsigned opts)
{
	enum sw_drop r;

	/*
	 * Cleared in 64-byte pieces: one memset of the whole descriptor compiles
	 * to `rep stos`, whose start-up costs more than the nine vector stores
	 * these pieces become.
	 */
	static_assert(sizeof(*p) > 128 && sizeof(*p) <= 192, "resize the clearing below");
	memset(p, 0, 64);
	memset((char *)p + 64, 0, 64);
	memset((char *)p + 128, 0, sizeof(*p) - 128);
	if (link == SW_LINK_EN10MB && frame && fast_tcp4(p, frame, caplen, opts, &r))
		return r;
	return parse_general(p, frame, caplen, link, opts);
}

/* Kept out of line so the straight-line case above does not pay for its register saves. */
__attribute__((noinline)) static enum sw_drop parse_general(struct sw_pkt *p, const uint8_t *frame,
							    size_t caplen, int link, unsigned opts)
{
	struct l3info h;
	size_t off = 0;
	int fam;
	enum sw_drop r;

	memset(&h, 0, sizeof(h));
	if (frame == NULL) { /* an empty frame; NULL + 0 is still undefined in C */
		static const uint8_t none[1];

		frame = none;
		caplen = 0;
	}

	r = sw_l2_parse(p, frame, caplen, link, &off, &fam);
	if (r != SW_DROP_NONE)
		return r;
	if (fam == 0) { /* raw IP: the version nibble is all we have */
		if (caplen - off < 1)
			return SW_DROP_TRUNCATED_IP;
		fam = frame[off] >> 4;
		if (fam != 4 && fam != 6)
			return SW_DROP_BAD_IP_VERSION;
	}
	p->l3_off = (uint32_t)off;

	if (fam == 4)
		r = ip4_parse(frame, caplen, off, &p->flow, &h, 0, opts);
	else
		r = ip6_parse(frame, caplen, off, &p->flow, &h, 0, opts);
	/* Fill what is known even on failure: counters and logs like addresses. */
	if (h.end > off)
		p->ip_len = (uint32_t)(h.end - off);
	p->ttl = h.ttl;
	if (r != SW_DROP_NONE)
		return r;

	p->flow.proto = h.proto;
	p->pflags = h.frag;
	p->lflags = h.len_cap ? SW_LF_LEN_FROM_CAP : 0;
	p->frag_id = h.frag_id; /* the IPv4 id even when not fragmented; IPv6 only has one if fragmented */
	p->frag_off = h.frag_off;
	if (h.frag == SW_PF_FRAG_LATER) {
		/*
		 * No transport header: the engine matches the fragment to the
		 * session of its first fragment by (addresses, proto, id).
		 * Everything it carries is transport payload, so `payload`
		 * summed over all fragments gives the datagram's payload.
		 */
		p->l4_off = 0;
		p->l4_len = (uint32_t)(h.end - h.l4);
		p->payload = p->l4_len;
		return SW_DROP_NONE;
	}
	return l4_parse(p, frame, caplen, &h, opts);
}
