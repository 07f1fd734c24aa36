/*
 * afpacket.h - one Linux interface as a packet port: a receive ring
 * (TPACKET_V2, frame at a time, or TPACKET_V3, block at a time; batches
 * either way) and a TPACKET_V2 transmit ring (frames queued, then sent with
 * one syscall per burst).  A V2 ring hands out a new flow's frames ahead of
 * older frames of busy flows, each flow's frames in order (afpacket.c).
 *
 * The port is promiscuous (PACKET_MR_PROMISC, dropped with the socket), needs
 * no address, and never receives what it (or any other socket) transmits on
 * the interface: PACKET_IGNORE_OUTGOING where the kernel has it, and a check
 * of sll_pkttype == PACKET_OUTGOING on every frame anyway.
 *
 * Use from one thread:
 *
 *   while ((n = sw_afp_rx(p, frames, lens, 256)) > 0) {   // one batch
 *           ... verdicts ...; sw_afp_tx(other, frame, len) for each passed frame;
 *           sw_afp_tx_flush(other);
 *           sw_afp_rx_done(p);                            // batch back to the kernel
 *   }
 *
 * Frames returned by sw_afp_rx() stay valid until sw_afp_rx_done().
 */
#ifndef SW_IO_AFPACKET_H
#define SW_IO_AFPACKET_H

#include <stddef.h>
#include <stdint.h>

struct sw_afp;

struct sw_afp_stats {
	uint64_t rx_pkts, rx_bytes;  /* frames handed out by sw_afp_rx */
	uint64_t rx_truncated;       /* frames larger than the ring slot (GRO/TSO left on?) */
	uint64_t rx_kernel_drops;    /* ring full: tp_drops from PACKET_STATISTICS */
	uint64_t tx_pkts, tx_bytes;  /* frames queued on the TX ring */
	uint64_t tx_ring_full;       /* frames dropped because the TX ring was full */
	uint64_t tx_errors;          /* send() errors and frames the kernel rejected */
	uint64_t tx_too_big;         /* frames longer than the TX slot */
};

/* Receive ring layout (afpacket.c explains the trade). */
enum sw_afp_ring {
	SW_AFP_RING_V2, /* a status word per frame: a frame is seen as soon as it is in */
	SW_AFP_RING_V3, /* blocks handed over when full or after 1 ms */
};

/* Open `ifname`: 0 or -errno with a message in err. */
int sw_afp_open(struct sw_afp **out, const char *ifname, enum sw_afp_ring ring, char *err,
		size_t errlen);
void sw_afp_close(struct sw_afp *p);
/*
 * Join receive fanout group `group` of the interface (PACKET_FANOUT_HASH with
 * PACKET_FANOUT_FLAG_DEFRAG): the kernel spreads frames over the group's
 * sockets by a symmetric flow hash, fragments reassembled first for the hash
 * only, so both directions of a flow (and all its fragments) reach the
 * socket in the same place of the group.  Sockets that join two interfaces'
 * groups in the same order therefore see the same flows.  0 or -errno.
 */
int sw_afp_fanout(struct sw_afp *p, uint16_t group, char *err, size_t errlen);

/* The descriptor to poll() for POLLIN (a receive block is ready). */
int sw_afp_fd(const struct sw_afp *p);
const char *sw_afp_name(const struct sw_afp *p);
int sw_afp_ifindex(const struct sw_afp *p);

/* Frames one sw_afp_rx() call hands out, at most. */
#define SW_AFP_BATCH_MAX 256

/*
 * Up to `max` frames of the current receive block (the next one if none is
 * current); 0 when the kernel has nothing ready.  Call again for the rest of
 * a block; sw_afp_rx_done() returns it to the kernel.
 */
unsigned sw_afp_rx(struct sw_afp *p, const uint8_t **frames, uint32_t *lens, unsigned max);
/*
 * 1 if sw_afp_rx() has frames to hand out (the kernel has filled the next
 * slot or block, or a batch is current): a look at the ring's status word,
 * no system call, for a loop that spins before it sleeps in poll().
 */
int sw_afp_rx_ready(const struct sw_afp *p);
/* 1 if a block is current (sw_afp_rx handed out frames and rx_done was not called). */
int sw_afp_rx_pending(const struct sw_afp *p);
void sw_afp_rx_done(struct sw_afp *p);

/* Queue a frame for transmission (copied into the TX ring). 0 or -errno (dropped). */
int sw_afp_tx(struct sw_afp *p, const uint8_t *frame, uint32_t len);
/* Hand everything queued to the kernel (one send()). */
void sw_afp_tx_flush(struct sw_afp *p);

/* Counters; also reads the kernel's ring drop count. */
void sw_afp_stats(struct sw_afp *p, struct sw_afp_stats *st);
/* Add b's counters to a (one interface served by several workers' rings). */
void sw_afp_stats_add(struct sw_afp_stats *a, const struct sw_afp_stats *b);

#endif
