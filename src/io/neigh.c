/*
 * neigh.c - the bounded L2 neighbour table (neigh.h).  Learning reads the
 * Ethernet header and the IP source address of a frame already parsed by
 * the engine; a frame from a known neighbour with an unchanged header
 * costs one hash, one compare and the clock stamp.
 */
#include <string.h>

#include "io/neigh.h"
#include "pkt/wire.h"

static unsigned set_of(const struct sw_addr *a)
{
	uint64_t h = ((uint64_t)a->w[0] ^ a->w[1] ^ a->w[2]) * 0x9e3779b97f4a7c15ull;

	h ^= (uint64_t)a->w[3] * 0xc2b2ae3d27d4eb4full;
	return (unsigned)(h >> 40) % SW_NEIGH_SETS;
}

void sw_neigh_learn(struct sw_neigh *n, const uint8_t *f, uint32_t len, int port)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	uint32_t off = 0; /* the IP header */
	uint16_t et = sw_eth_type(f, len, &off);
	struct sw_addr a;

	if (off > SW_NEIGH_L2_MAX)
		return;
	if (et == SW_ETHERTYPE_IP && off + SW_IP4_HLEN <= len) {
		memcpy(a.b, v4mapped, 12);
		memcpy(&a.b[12], f + off + 12, 4);
	} else if (et == SW_ETHERTYPE_IPV6 && off + SW_IP6_HLEN <= len) {
		memcpy(a.b, f + off + 8, 16);
	} else {
		return;
	}
	struct sw_neigh_ent *s = &n->ent[set_of(&a) * SW_NEIGH_WAYS], *e = NULL;
	for (int w = 0; w < SW_NEIGH_WAYS && !e; w++)
		if (s[w].l2len && memcmp(&s[w].ip, &a, sizeof(a)) == 0)
			e = &s[w];
	if (!e) {
		e = &s[0];
		for (int w = 1; w < SW_NEIGH_WAYS; w++)
			if (!s[w].l2len || (e->l2len && (int32_t)(s[w].seen - e->seen) < 0))
				e = &s[w];
		if (e->l2len)
			n->replaced++;
		e->ip = a;
		e->l2len = 0;
	}
	if (e->l2len != off || e->port != port || memcmp(e->l2, f, off) != 0) {
		memcpy(e->l2, f, off);
		e->l2len = (uint8_t)off;
		e->port = (uint8_t)port;
	}
	e->seen = ++n->clock;
}

const struct sw_neigh_ent *sw_neigh_find(const struct sw_neigh *n, const struct sw_addr *ip)
{
	const struct sw_neigh_ent *s = &n->ent[set_of(ip) * SW_NEIGH_WAYS];

	for (int w = 0; w < SW_NEIGH_WAYS; w++)
		if (s[w].l2len && memcmp(&s[w].ip, ip, sizeof(*ip)) == 0)
			return &s[w];
	return NULL;
}
