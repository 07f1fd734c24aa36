/*
 * pkt-int.h - private to src/pkt: what the link layer (l2.c), the
 * IP/transport parser (parse.c) and the tunnel decoder (tunnel.c) call of
 * each other.  The wire formats they read are in wire.h.
 */
#ifndef SW_PKT_INT_H
#define SW_PKT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "statewall/pkt.h"
#include "wire.h"

/*
 * l2.c: find the IP header of a frame of link type `link`: sets *off and
 * *fam (4, 6, or 0 = "decide by the version nibble").
 */
enum sw_drop sw_l2_parse(struct sw_pkt *p, const uint8_t *f, size_t cap, int link, size_t *off,
			 int *fam);

#endif
