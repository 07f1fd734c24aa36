/*
 * neigh.h - the L2 headers of the vwire's neighbours, learned from the
 * frames the daemon forwards, so that a frame statewall itself sends (the
 * RSTs of reset-on-expiry) can look like the next frame of the end it
 * impersonates: the same MACs, the same VLAN tags, out of the interface
 * that end's frames are forwarded to.  Session records hold no L2
 * addresses (issue 14: bytes per session); this table is bounded instead:
 * SW_NEIGH_SETS sets of SW_NEIGH_WAYS entries by source IP address, the
 * least recently seen way replaced.  One thread (the packet thread).
 */
#ifndef SW_IO_NEIGH_H
#define SW_IO_NEIGH_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "statewall/types.h"

#define SW_NEIGH_SETS 2048
#define SW_NEIGH_WAYS 2
#define SW_NEIGH_L2_MAX 22 /* Ethernet, two VLAN tags, EtherType */

struct sw_neigh_ent {
	struct sw_addr ip;            /* source address of the frames (IPv4 v4-mapped) */
	uint8_t l2[SW_NEIGH_L2_MAX];  /* their L2 header, EtherType included */
	uint8_t l2len;                /* 0: the entry is empty */
	uint8_t port;                 /* the port they arrived on */
	uint32_t seen;                /* learn clock at the last frame */
};
static_assert(sizeof(struct sw_neigh_ent) == 44, "a neighbour entry grew");

struct sw_neigh {
	struct sw_neigh_ent ent[SW_NEIGH_SETS * SW_NEIGH_WAYS];
	uint32_t clock;
	uint64_t replaced; /* entries taken over by another address (the table is too small) */
};

/* Note the L2 header and port of an Ethernet frame carrying IPv4 or IPv6 (others are ignored). */
void sw_neigh_learn(struct sw_neigh *n, const uint8_t *frame, uint32_t len, int port);
/* The last frame seen from ip, or NULL. */
const struct sw_neigh_ent *sw_neigh_find(const struct sw_neigh *n, const struct sw_addr *ip);

#endif
