/*
 * pktbuild.c - frame builder for tests (see pktbuild.h).
 *
 * Deliberately independent of src/pkt: it writes headers byte by byte and
 * walks its own frames with its own code, so a parser bug cannot hide
 * behind the same bug in the builder.  Only the RFC 1071 checksum helpers
 * are shared (they are tested on their own against known vectors).
 */
#include <arpa/inet.h>
#include <string.h>

#include "pktbuild.h"
#include "statewall/pkt.h"

static const uint8_t mac_src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_dst[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

static void wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void wr32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Parsed address: family 4 or 6, 0 if the text is neither. */
static int pb_addr(const char *s, uint8_t out[16])
{
	if (s && inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (s && inet_pton(AF_INET6, s, out) == 1)
		return 6;
	return 0;
}

/* Ethernet header with up to two tags; returns the offset of the IP header. */
static size_t pb_eth(uint8_t *d, uint16_t vlan, uint16_t vlan2, int fam)
{
	size_t off = 12;
	uint16_t type = fam == 6 ? 0x86dd : 0x0800;

	memcpy(d, mac_dst, 6);
	memcpy(d + 6, mac_src, 6);
	if (vlan && vlan2) {
		wr16(d + off, 0x88a8);
		wr16(d + off + 2, vlan & 0x0fff);
		wr16(d + off + 4, 0x8100);
		wr16(d + off + 6, vlan2 & 0x0fff);
		off += 8;
	} else if (vlan || vlan2) {
		wr16(d + off, 0x8100);
		wr16(d + off + 2, (vlan ? vlan : vlan2) & 0x0fff);
		off += 4;
	}
	wr16(d + off, type);
	return off + 2;
}

/* IP header at d for an L4 of l4len bytes; returns the IP header length. */
static size_t pb_iphdr(uint8_t *d, int fam, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		       size_t l4len, uint8_t ttl, uint16_t id)
{
	if (ttl == 0)
		ttl = 64;
	if (fam == 4) {
		memset(d, 0, 20);
		d[0] = 0x45;
		wr16(d + 2, (uint16_t)(20 + l4len));
		wr16(d + 4, id);
		wr16(d + 6, 0x4000); /* DF */
		d[8] = ttl;
		d[9] = proto;
		memcpy(d + 12, src, 4);
		memcpy(d + 16, dst, 4);
		wr16(d + 10, sw_csum_fold(sw_csum_partial(d, 20, 0)));
		return 20;
	}
	memset(d, 0, 40);
	d[0] = 0x60;
	wr16(d + 4, (uint16_t)l4len);
	d[6] = proto;
	d[7] = ttl;
	memcpy(d + 8, src, 16);
	memcpy(d + 24, dst, 16);
	return 40;
}

static void pb_pattern(uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)('a' + i % 26);
}

/* Common frame: Ethernet + IP; returns the L4 offset, or 0 on a bad address/size. */
static size_t pb_frame(struct pb_pkt *out, const struct pb_seg *s, uint8_t proto, size_t l4len,
		       int *famp)
{
	uint8_t src[16], dst[16];
	int fam = pb_addr(s->src, src);
	size_t l3;

	memset(out, 0, sizeof(*out));
	if (fam == 0 || pb_addr(s->dst, dst) != fam)
		return 0;
	if (22 + 40 + l4len > PB_MAX_FRAME)
		return 0;
	l3 = pb_eth(out->data, s->vlan, s->vlan2, fam);
	*famp = fam;
	return l3 + pb_iphdr(out->data + l3, fam, src, dst, proto, l4len, s->ttl, s->ipid);
}

size_t pb_tcp(struct pb_pkt *out, const struct pb_seg *s)
{
	uint8_t opt[60];
	size_t olen = 0, off;
	int fam;

	if (s->mss > 0) {
		opt[olen++] = 2;
		opt[olen++] = 4;
		wr16(opt + olen, (uint16_t)s->mss);
		olen += 2;
	}
	if (s->sackok) {
		opt[olen++] = 1;
		opt[olen++] = 1;
		opt[olen++] = 4;
		opt[olen++] = 2;
	}
	if (s->ts) {
		opt[olen++] = 1;
		opt[olen++] = 1;
		opt[olen++] = 8;
		opt[olen++] = 10;
		wr32(opt + olen, s->tsval);
		wr32(opt + olen + 4, s->tsecr);
		olen += 8;
	}
	if (s->wscale >= 0 && (s->flags & SW_TH_SYN)) {
		/* As pktbuild.h says: SYNs only (use tcpopts to put one elsewhere). */
		opt[olen++] = 1;
		opt[olen++] = 3;
		opt[olen++] = 3;
		opt[olen++] = (uint8_t)s->wscale;
	}
	if (s->tcpopts && s->tcpoptlen) {
		if (olen + s->tcpoptlen > 40)
			return 0;
		memcpy(opt + olen, s->tcpopts, s->tcpoptlen);
		olen += s->tcpoptlen;
	}
	while (olen % 4)
		opt[olen++] = 0;
	if (olen > 40)
		return 0;

	off = pb_frame(out, s, 6, 20 + olen + s->payload, &fam);
	if (off == 0)
		return 0;
	uint8_t *th = out->data + off;
	wr16(th, s->sport);
	wr16(th + 2, s->dport);
	wr32(th + 4, s->seq);
	wr32(th + 8, s->ack);
	th[12] = (uint8_t)((20 + olen) / 4 << 4);
	th[13] = s->flags;
	wr16(th + 14, s->win);
	memcpy(th + 20, opt, olen);
	pb_pattern(th + 20 + olen, s->payload);
	out->len = off + 20 + olen + s->payload;
	pb_fix_csum(out);
	return out->len;
}

size_t pb_udp(struct pb_pkt *out, const struct pb_seg *s)
{
	int fam;
	size_t off = pb_frame(out, s, 17, 8 + s->payload, &fam);

	if (off == 0)
		return 0;
	uint8_t *uh = out->data + off;
	wr16(uh, s->sport);
	wr16(uh + 2, s->dport);
	wr16(uh + 4, (uint16_t)(8 + s->payload));
	pb_pattern(uh + 8, s->payload);
	out->len = off + 8 + s->payload;
	pb_fix_csum(out);
	return out->len;
}

size_t pb_icmp_echo(struct pb_pkt *out, const struct pb_seg *s, int reply)
{
	int fam;
	uint8_t tmp[16];
	int v6 = pb_addr(s->src, tmp) == 6;
	size_t off = pb_frame(out, s, v6 ? 58 : 1, 8 + s->payload, &fam);

	if (off == 0)
		return 0;
	uint8_t *ih = out->data + off;
	ih[0] = v6 ? (reply ? 129 : 128) : (reply ? 0 : 8);
	ih[1] = 0;
	wr16(ih + 4, s->sport);
	wr16(ih + 6, (uint16_t)s->seq);
	pb_pattern(ih + 8, s->payload);
	out->len = off + 8 + s->payload;
	pb_fix_csum(out);
	return out->len;
}

/* IP packet length of an Ethernet frame built here (0 if not IP). */
static size_t pb_ip_len(const struct pb_pkt *p, size_t l3)
{
	if (l3 == 0 || p->len < l3 + 1)
		return 0;
	if (p->data[l3] >> 4 == 4 && p->len >= l3 + 20)
		return rd16(p->data + l3 + 2);
	if (p->data[l3] >> 4 == 6 && p->len >= l3 + 40)
		return 40 + (size_t)rd16(p->data + l3 + 4);
	return 0;
}

size_t pb_icmp_error(struct pb_pkt *out, const char *src, const char *dst, uint8_t type,
		     uint8_t code, const struct pb_pkt *inner, size_t quote)
{
	struct pb_seg s = {.src = src, .dst = dst};
	size_t l3 = pb_l3_off(inner), ilen = pb_ip_len(inner, l3), off;
	uint8_t tmp[16];
	int fam, v6 = pb_addr(src, tmp) == 6;

	if (ilen == 0)
		return 0;
	if (ilen > inner->len - l3)
		ilen = inner->len - l3;
	if (quote > ilen)
		quote = ilen;
	off = pb_frame(out, &s, v6 ? 58 : 1, 8 + quote, &fam);
	if (off == 0)
		return 0;
	uint8_t *ih = out->data + off;
	ih[0] = type;
	ih[1] = code;
	memcpy(ih + 8, inner->data + l3, quote);
	out->len = off + 8 + quote;
	pb_fix_csum(out);
	return out->len;
}

/* ---- editing helpers ---- */

size_t pb_l3_off(const struct pb_pkt *p)
{
	size_t off = 12;

	for (int i = 0; i < 3; i++) {
		if (p->len < off + 2)
			return 0;
		uint16_t t = rd16(p->data + off);
		if (t == 0x0800 || t == 0x86dd)
			return off + 2;
		if (t != 0x8100 && t != 0x88a8 && t != 0x9100)
			return 0;
		off += 4;
	}
	return 0;
}

static int pb_is_ext6(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51;
}

void pb_fix_csum(struct pb_pkt *p)
{
	size_t l3 = pb_l3_off(p), l4, end, plen;
	uint8_t proto, *ip;
	uint32_t sum;
	int frag = 0, fam;

	if (l3 == 0 || p->len < l3 + 20)
		return;
	ip = p->data + l3;
	fam = ip[0] >> 4;
	if (fam == 4) {
		size_t hl = (size_t)(ip[0] & 15) * 4;
		if (p->len < l3 + hl)
			return;
		wr16(ip + 10, 0);
		wr16(ip + 10, sw_csum_fold(sw_csum_partial(ip, hl, 0)));
		l4 = l3 + hl;
		end = l3 + rd16(ip + 2);
		proto = ip[9];
		frag = (rd16(ip + 6) & 0x3fff) != 0;
		sum = sw_csum_partial(ip + 12, 8, 0);
	} else if (fam == 6 && p->len >= l3 + 40) {
		l4 = l3 + 40;
		end = l4 + rd16(ip + 4);
		proto = ip[6];
		while (pb_is_ext6(proto) && l4 + 8 <= p->len) {
			uint8_t *e = p->data + l4;
			if (proto == 44) {
				frag = (rd16(e + 2) & 0xfff9) != 0;
				l4 += 8;
			} else if (proto == 51) {
				l4 += ((size_t)e[1] + 2) * 4;
			} else {
				l4 += ((size_t)e[1] + 1) * 8;
			}
			proto = e[0];
		}
		sum = sw_csum_partial(ip + 8, 32, 0);
	} else {
		return;
	}
	if (frag || end > p->len || l4 > end)
		return;
	plen = end - l4;
	uint8_t *h = p->data + l4;
	size_t csoff;
	switch (proto) {
	case 6:
		csoff = 16;
		break;
	case 17:
		csoff = 6;
		break;
	case 1:
		csoff = 2;
		sum = 0; /* ICMPv4 has no pseudo-header */
		break;
	case 58:
		csoff = 2;
		break;
	default:
		return;
	}
	if (plen < csoff + 2)
		return;
	if (proto != 1)
		sum += proto + (uint32_t)(plen >> 16) + (uint32_t)(plen & 0xffff);
	wr16(h + csoff, 0);
	uint16_t cs = sw_csum_fold(sw_csum_partial(h, plen, sum));
	if (proto == 17 && cs == 0)
		cs = 0xffff; /* 0 means "no checksum" for UDP */
	wr16(h + csoff, cs);
}

size_t pb_insert(struct pb_pkt *p, size_t off, const void *data, size_t len)
{
	if (off > p->len || p->len + len > PB_MAX_FRAME)
		return 0;
	memmove(p->data + off + len, p->data + off, p->len - off);
	memcpy(p->data + off, data, len);
	p->len += len;
	return p->len;
}

size_t pb_ip4_options(struct pb_pkt *p, const void *opts, size_t len)
{
	size_t l3 = pb_l3_off(p);
	uint8_t *ip;

	if (l3 == 0 || len % 4 || len > 40 || p->len < l3 + 20 || p->data[l3] >> 4 != 4)
		return 0;
	ip = p->data + l3;
	size_t hl = (size_t)(ip[0] & 15) * 4;
	if (hl + len > 60 || !pb_insert(p, l3 + hl, opts, len))
		return 0;
	ip[0] = (uint8_t)(0x40 | (hl + len) / 4);
	wr16(ip + 2, (uint16_t)(rd16(ip + 2) + len));
	pb_fix_csum(p);
	return p->len;
}

size_t pb_ip6_ext(struct pb_pkt *p, uint8_t type, const void *body, size_t len)
{
	size_t l3 = pb_l3_off(p);
	uint8_t hdr[PB_MAX_FRAME];

	if (l3 == 0 || p->len < l3 + 40 || p->data[l3] >> 4 != 6 || len + 1 > sizeof(hdr))
		return 0;
	uint8_t *ip = p->data + l3;
	hdr[0] = ip[6];
	memcpy(hdr + 1, body, len);
	if (!pb_insert(p, l3 + 40, hdr, len + 1))
		return 0;
	ip[6] = type;
	wr16(ip + 4, (uint16_t)(rd16(ip + 4) + len + 1));
	pb_fix_csum(p);
	return p->len;
}

size_t pb_relink(struct pb_pkt *p, int linktype)
{
	size_t l3 = pb_l3_off(p);
	uint8_t hdr[20];
	size_t hl;
	int v6;

	if (l3 == 0 || p->len <= l3)
		return 0;
	v6 = p->data[l3] >> 4 == 6;
	memset(hdr, 0, sizeof(hdr));
	switch (linktype) {
	case 0: /* DLT_NULL: host order of the capturing machine; write little-endian */
		hdr[0] = v6 ? 10 : 2;
		hl = 4;
		break;
	case 108: /* DLT_LOOP: network order; OpenBSD's AF_INET6 */
		hdr[3] = v6 ? 24 : 2;
		hl = 4;
		break;
	case 101:
	case 12:
	case 228:
	case 229:
		hl = 0;
		break;
	case 113: /* SLL: packet type, ARPHRD_ETHER, addr len 6, addr, protocol */
		wr16(hdr + 0, 0);
		wr16(hdr + 2, 1);
		wr16(hdr + 4, 6);
		memcpy(hdr + 6, mac_src, 6);
		wr16(hdr + 14, v6 ? 0x86dd : 0x0800);
		hl = 16;
		break;
	case 276: /* SLL2: protocol, reserved, ifindex, ARPHRD, type, addr len, addr */
		wr16(hdr + 0, v6 ? 0x86dd : 0x0800);
		wr32(hdr + 4, 2);
		wr16(hdr + 8, 1);
		hdr[10] = 0;
		hdr[11] = 6;
		memcpy(hdr + 12, mac_src, 6);
		hl = 20;
		break;
	default:
		return 0;
	}
	memmove(p->data + hl, p->data + l3, p->len - l3);
	memcpy(p->data, hdr, hl);
	p->len = p->len - l3 + hl;
	return p->len;
}

/* ---- pcap writer ---- */

int pb_pcap_open(struct pb_pcap *w, const char *path, int linktype)
{
	uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 0};

	hdr[5] = (uint32_t)(linktype ? linktype : 1);
	w->t_ns = 0;
	w->f = fopen(path, "wb");
	if (!w->f)
		return -1;
	if (fwrite(hdr, sizeof(hdr), 1, w->f) != 1) {
		fclose(w->f);
		w->f = NULL;
		return -1;
	}
	return 0;
}

void pb_pcap_write(struct pb_pcap *w, const struct pb_pkt *p, int64_t t_ns)
{
	uint32_t rec[4];

	if (!w->f)
		return;
	rec[0] = (uint32_t)(t_ns / 1000000000);
	rec[1] = (uint32_t)(t_ns % 1000000000 / 1000);
	rec[2] = (uint32_t)p->len;
	rec[3] = (uint32_t)p->len;
	if (fwrite(rec, sizeof(rec), 1, w->f) != 1 || fwrite(p->data, 1, p->len, w->f) != p->len) {
		fclose(w->f);
		w->f = NULL;
		return;
	}
	w->t_ns = t_ns;
}

void pb_pcap_close(struct pb_pcap *w)
{
	if (w->f)
		fclose(w->f);
	w->f = NULL;
}

int pb_tcp_flags(const char *s)
{
	static const char letters[] = "FSRPAUEC"; /* bit i of the flags byte */
	int f = 0;

	for (; *s; s++) {
		const char *l = strchr(letters, *s);
		if (*s == '.')
			continue;
		if (!l)
			return -1;
		f |= 1 << (l - letters);
	}
	return f;
}

void pb_conv(struct pb_seg *seg, int c2s, int flags, uint32_t rel_seq, uint32_t rel_ack,
	     size_t payload)
{
	memset(seg, 0, sizeof(*seg));
	seg->src = c2s ? "10.0.0.1" : "10.0.0.2";
	seg->dst = c2s ? "10.0.0.2" : "10.0.0.1";
	seg->sport = c2s ? 40000 : 80;
	seg->dport = c2s ? 80 : 40000;
	seg->win = 65535;
	seg->wscale = -1;
	seg->flags = (uint8_t)flags;
	seg->seq = (c2s ? PB_CONV_CISN : PB_CONV_SISN) + rel_seq;
	seg->ack = (flags & SW_TH_ACK) ? (c2s ? PB_CONV_SISN : PB_CONV_CISN) + rel_ack : 0;
	seg->payload = payload;
}

size_t pb_wrap(struct pb_pkt *out, const void *hdr, size_t hlen, const struct pb_pkt *inner,
	       size_t inner_off)
{
	size_t n = inner->len - inner_off;

	memset(out, 0, sizeof(*out));
	if (inner_off > inner->len || hlen + n > PB_MAX_FRAME)
		return 0;
	memcpy(out->data, hdr, hlen);
	memcpy(out->data + hlen, inner->data + inner_off, n);
	out->len = hlen + n;
	return out->len;
}

size_t pb_tunnel(struct pb_pkt *out, const char *src, const char *dst, uint8_t proto,
		 uint16_t dport, const void *hdr, size_t hlen, const struct pb_pkt *inner,
		 size_t inner_off)
{
	uint8_t s[16], d[16];
	size_t n = inner->len - inner_off, l4 = (proto == 17 ? 8 : 0) + hlen + n, off;

	memset(out, 0, sizeof(*out));
	if (pb_addr(src, s) != 4 || pb_addr(dst, d) != 4 || inner_off > inner->len ||
	    14 + 20 + l4 > PB_MAX_FRAME)
		return 0;
	off = pb_eth(out->data, 0, 0, 4);
	off += pb_iphdr(out->data + off, 4, s, d, proto, l4, 0, 7);
	if (proto == 17) {
		wr16(out->data + off, 50000);
		wr16(out->data + off + 2, dport);
		wr16(out->data + off + 4, (uint16_t)l4);
		off += 8;
	}
	memcpy(out->data + off, hdr, hlen);
	memcpy(out->data + off + hlen, inner->data + inner_off, n);
	out->len = off + hlen + n;
	return out->len;
}
