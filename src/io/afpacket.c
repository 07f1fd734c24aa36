/*
 * afpacket.c - AF_PACKET ports: a TPACKET_V2 or TPACKET_V3 receive ring, a
 * TPACKET_V2 transmit ring.  See afpacket.h.
 *
 * Receive: one socket per interface, bound to it (opened with protocol 0 so
 * nothing is queued before the bind), 8 MiB of ring.
 *
 *   V2 (the default): a ring of frame slots, each with its own status word.
 *   poll() wakes as soon as one frame is in, so a quiet link adds only the
 *   wakeup; a busy one is drained up to `max` frames per sw_afp_rx() call, so
 *   batching happens exactly when frames are queued - new flows first (the
 *   receive scheduler, rx_classify).
 *   V3: blocks of many frames; the kernel hands a block over when it is full
 *   or RX_TOV_MS after its first frame.  Fewer wakeups under load, but a
 *   lone frame waits up to RX_TOV_MS (docs/benchmarks.md has both measured).
 *
 * Either way sw_afp_rx() hands out one batch, pointers into the ring (no
 * copy), and sw_afp_rx_done() gives the batch back to the kernel.
 *
 * Transmit: a second socket on the same interface (protocol 0: it receives
 * nothing) with a TPACKET_V2 TX ring.  sw_afp_tx() copies a frame into the
 * next free slot and marks it TP_STATUS_SEND_REQUEST; sw_afp_tx_flush() makes
 * one send() for all of them.  PACKET_LOSS makes the kernel mark a frame it
 * cannot send (too big, malformed) TP_STATUS_WRONG_FORMAT and go on, instead
 * of blocking the ring.
 *
 * Frames the stack received with the VLAN tag in the metadata
 * (TP_STATUS_VLAN_VALID) get the tag put back in front of the EtherType, so
 * the engine and the far side see the frame as it was on the wire.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/afpacket.h"
#include "pkt/wire.h"
#include "util/bug.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define RX_RING_BYTES (1u << 23) /* 8 MiB of receive ring per interface */
#define RX_BLOCK_SIZE (1u << 18) /* V3: 256 KiB blocks */
#define RX_FRAME_SIZE 2048       /* V3 ignores it but checks it */
#define RX_TOV_MS 1
#define RX2_BLOCK_SIZE (1u << 16) /* V2: frame slots are allocated in 64 KiB blocks */
#define TX_FRAMES 1024
#define FLOW_BUCKETS 1024        /* flow buckets of the V2 receive scheduler */
#define VLAN_SCRATCH 256         /* frames of one rx() call that may need a tag put back */
#define VLAN_SLOT 2048

struct sw_afp {
	char name[IF_NAMESIZE];
	int ifindex;
	int fd, txfd;
	enum sw_afp_ring ring;
	uint8_t *rx_ring;
	size_t rx_ring_len;
	/* V3 */
	unsigned rx_block;        /* block to look at next */
	struct tpacket_block_desc *cur; /* block being handed out, NULL if none */
	struct tpacket3_hdr *next_hdr;  /* next frame of cur */
	uint32_t left;                  /* frames of cur not handed out */
	/* V2, and its receive scheduler (see rx_classify) */
	unsigned rx_frame_size, rx_frames;
	unsigned rx_idx;          /* oldest slot not yet given back */
	unsigned rx_seen;         /* slots from rx_idx on classified: the queue */
	unsigned rx_queued;       /* frames of the queue not yet handed out */
	unsigned rx_held;         /* frames handed out, not yet given back */
	unsigned rx_fifo;         /* slots from rx_idx on known to be handed out or skipped */
	uint16_t *rx_flow;        /* per slot: its frame's flow bucket */
	uint8_t *rx_gone;         /* per slot: handed out or skipped (queue slots only) */
	uint16_t *rx_new;         /* ring of the slots that started a flow's queue, oldest first */
	unsigned rx_new_head, rx_new_n;
	uint16_t flow_queued[FLOW_BUCKETS]; /* frames of each bucket in the queue */
	uint8_t *tx_ring;
	size_t tx_ring_len;
	unsigned tx_frame_size, tx_frames, tx_idx, tx_queued;
	uint8_t *vlan_scratch;
	struct sw_afp_stats st;
};

/* fmt takes the interface name, then strerror(e) */
static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -e;
}

static unsigned rx_slot_size(const struct sw_afp *p)
{
	struct ifreq ifr;
	unsigned fs = 2048, mtu = 1500, need;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, p->name, strlen(p->name) + 1);
	if (ioctl(p->fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		mtu = (unsigned)ifr.ifr_mtu;
	/* header + sockaddr_ll + Ethernet + two VLAN tags + MTU, a power of two */
	need = (unsigned)TPACKET_ALIGN(TPACKET2_HDRLEN) + 16 + 14 + 8 + mtu;
	while (fs < need && fs < RX2_BLOCK_SIZE)
		fs <<= 1;
	return fs;
}

static int open_rx(struct sw_afp *p, char *err, size_t errlen)
{
	int v = p->ring == SW_AFP_RING_V3 ? TPACKET_V3 : TPACKET_V2, one = 1;
	struct tpacket_req3 req;
	struct sockaddr_ll sll;
	struct packet_mreq mr;

	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p->fd < 0)
		return fail(err, errlen, errno, "%s: cannot open an AF_PACKET socket: %s (root or "
						"CAP_NET_RAW needed)", p->name, strerror(errno));
	if (setsockopt(p->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0)
		return fail(err, errlen, errno, "%s: TPACKET_V%d not supported: %s", p->name,
			    v == TPACKET_V3 ? 3 : 2, strerror(errno));
	memset(&req, 0, sizeof(req));
	if (v == TPACKET_V3) {
		req.tp_block_size = RX_BLOCK_SIZE;
		req.tp_block_nr = RX_RING_BYTES / RX_BLOCK_SIZE;
		req.tp_frame_size = RX_FRAME_SIZE;
		req.tp_frame_nr = RX_RING_BYTES / RX_FRAME_SIZE;
		req.tp_retire_blk_tov = RX_TOV_MS;
	} else {
		p->rx_frame_size = rx_slot_size(p);
		p->rx_frames = RX_RING_BYTES / p->rx_frame_size;
		p->rx_flow = calloc(p->rx_frames, sizeof(*p->rx_flow));
		p->rx_gone = calloc(p->rx_frames, 1);
		p->rx_new = calloc(p->rx_frames, sizeof(*p->rx_new));
		if (!p->rx_flow || !p->rx_gone || !p->rx_new)
			return fail(err, errlen, ENOMEM, "%s: %s", p->name, strerror(ENOMEM));
		req.tp_block_size = RX2_BLOCK_SIZE;
		req.tp_block_nr = RX_RING_BYTES / RX2_BLOCK_SIZE;
		req.tp_frame_size = p->rx_frame_size;
		req.tp_frame_nr = p->rx_frames;
	}
	/* a struct tpacket_req3 starts with the four fields of a struct tpacket_req */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_RX_RING, &req,
		       v == TPACKET_V3 ? sizeof(req) : sizeof(struct tpacket_req)) < 0)
		return fail(err, errlen, errno, "%s: cannot set up the receive ring: %s", p->name, strerror(errno));
	p->rx_ring_len = RX_RING_BYTES;
	p->rx_ring = mmap(NULL, p->rx_ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED,
			  p->fd, 0);
	if (p->rx_ring == MAP_FAILED) /* MAP_LOCKED can fail under RLIMIT_MEMLOCK */
		p->rx_ring = mmap(NULL, p->rx_ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->rx_ring == MAP_FAILED) {
		p->rx_ring = NULL;
		return fail(err, errlen, errno, "%s: cannot map the receive ring: %s", p->name, strerror(errno));
	}
	/* Best effort: older kernels lack it; the pkttype check below covers them. */
	(void)setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return fail(err, errlen, errno, "%s: cannot bind the receive socket: %s", p->name, strerror(errno));

	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = p->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		return fail(err, errlen, errno, "%s: cannot make the interface promiscuous: %s",
			    p->name, strerror(errno));
	return 0;
}

static int open_tx(struct sw_afp *p, char *err, size_t errlen)
{
	int v = TPACKET_V2, one = 1;
	struct tpacket_req req;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	unsigned need, fs = 2048, mtu = 1500;

	p->txfd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p->txfd < 0)
		return fail(err, errlen, errno, "%s: cannot open an AF_PACKET socket: %s", p->name, strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, p->name, strlen(p->name) + 1);
	if (ioctl(p->txfd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		mtu = (unsigned)ifr.ifr_mtu;
	/* slot: header + Ethernet + two VLAN tags + MTU, a power of two */
	need = (unsigned)TPACKET2_HDRLEN + 14 + 8 + mtu;
	while (fs < need && fs < (1u << 17))
		fs <<= 1;
	p->tx_frame_size = fs;
	p->tx_frames = TX_FRAMES;
	if (setsockopt(p->txfd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0)
		return fail(err, errlen, errno, "%s: TPACKET_V2 not supported: %s", p->name, strerror(errno));
	(void)setsockopt(p->txfd, SOL_PACKET, PACKET_LOSS, &one, sizeof(one));
	memset(&req, 0, sizeof(req));
	req.tp_frame_size = fs;
	req.tp_frame_nr = TX_FRAMES;
	req.tp_block_size = fs > 65536 ? fs : 65536;
	req.tp_block_nr = TX_FRAMES * fs / req.tp_block_size;
	if (setsockopt(p->txfd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) < 0)
		return fail(err, errlen, errno, "%s: cannot set up the transmit ring: %s", p->name, strerror(errno));
	p->tx_ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	p->tx_ring = mmap(NULL, p->tx_ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, p->txfd, 0);
	if (p->tx_ring == MAP_FAILED) {
		p->tx_ring = NULL;
		return fail(err, errlen, errno, "%s: cannot map the transmit ring: %s", p->name, strerror(errno));
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = 0; /* transmit only */
	sll.sll_ifindex = p->ifindex;
	if (bind(p->txfd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return fail(err, errlen, errno, "%s: cannot bind the transmit socket: %s", p->name, strerror(errno));
	return 0;
}

int sw_afp_open(struct sw_afp **out, const char *ifname, enum sw_afp_ring ring, char *err,
		size_t errlen)
{
	struct sw_afp *p;
	int rc;

	*out = NULL;
	if (!ifname[0] || strlen(ifname) >= IF_NAMESIZE) {
		snprintf(err, errlen, "'%s': not an interface name", ifname);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "%s: out of memory", ifname);
		return -ENOMEM;
	}
	p->fd = p->txfd = -1;
	p->ring = ring;
	memcpy(p->name, ifname, strlen(ifname) + 1);
	p->ifindex = (int)if_nametoindex(ifname);
	if (p->ifindex == 0) {
		rc = fail(err, errlen, errno, "%s: no such interface (%s)", ifname, strerror(errno));
		goto bad;
	}
	p->vlan_scratch = malloc((size_t)VLAN_SCRATCH * VLAN_SLOT);
	if (!p->vlan_scratch) {
		rc = fail(err, errlen, ENOMEM, "%s: %s", ifname, strerror(ENOMEM));
		goto bad;
	}
	if ((rc = open_rx(p, err, errlen)) < 0 || (rc = open_tx(p, err, errlen)) < 0)
		goto bad;
	*out = p;
	return 0;
bad:
	sw_afp_close(p);
	return rc;
}

void sw_afp_close(struct sw_afp *p)
{
	if (!p)
		return;
	if (p->rx_ring)
		munmap(p->rx_ring, p->rx_ring_len);
	if (p->tx_ring)
		munmap(p->tx_ring, p->tx_ring_len);
	if (p->fd >= 0)
		close(p->fd);
	if (p->txfd >= 0)
		close(p->txfd);
	free(p->vlan_scratch);
	free(p->rx_flow);
	free(p->rx_gone);
	free(p->rx_new);
	free(p);
}

int sw_afp_fanout(struct sw_afp *p, uint16_t group, char *err, size_t errlen)
{
	/* the option is an int: group id in the low 16 bits, type and flags above */
	uint32_t v = group | (uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16;
	int arg;

	memcpy(&arg, &v, sizeof(arg));

	if (setsockopt(p->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) < 0)
		return fail(err, errlen, errno, "%s: cannot join packet fanout group %u: %s", p->name,
			    group, strerror(errno));
	return 0;
}

int sw_afp_fd(const struct sw_afp *p)
{
	return p->fd;
}

const char *sw_afp_name(const struct sw_afp *p)
{
	return p->name;
}

int sw_afp_ifindex(const struct sw_afp *p)
{
	return p->ifindex;
}

static struct tpacket_block_desc *block(const struct sw_afp *p, unsigned i)
{
	return (struct tpacket_block_desc *)(p->rx_ring + (size_t)i * RX_BLOCK_SIZE);
}

static struct tpacket2_hdr *rx_slot(const struct sw_afp *p, unsigned i)
{
	/* slots never straddle a block: the block size is a multiple of the slot size */
	return (struct tpacket2_hdr *)(p->rx_ring + (size_t)i * p->rx_frame_size);
}

int sw_afp_rx_ready(const struct sw_afp *p)
{
	if (p->ring == SW_AFP_RING_V3)
		return p->cur != NULL ||
		       (__atomic_load_n(&block(p, p->rx_block)->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
			TP_STATUS_USER) != 0;
	return p->rx_held != 0 || p->rx_queued != 0 ||
	       (p->rx_seen < p->rx_frames &&
		(__atomic_load_n(&rx_slot(p, (p->rx_idx + p->rx_seen) % p->rx_frames)->tp_status,
				 __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0);
}

int sw_afp_rx_pending(const struct sw_afp *p)
{
	return p->ring == SW_AFP_RING_V3 ? p->cur != NULL : p->rx_held != 0;
}

/*
 * 1 if a received frame (a V2 or V3 header of hdrlen bytes, its sockaddr_ll
 * after it) is given back unread: our own transmissions, and frames cut by
 * the slot (counted).
 */
static int unread(struct sw_afp *p, const void *hdr, size_t hdrlen, uint32_t len, uint32_t wirelen)
{
	const struct sockaddr_ll *sll =
		(const struct sockaddr_ll *)((const uint8_t *)hdr + TPACKET_ALIGN(hdrlen));

	if (sll->sll_pkttype == PACKET_OUTGOING)
		return 1;
	if (len < wirelen) {
		p->st.rx_truncated++;
		return 1;
	}
	return 0;
}

/*
 * One received frame, not unread(): put a VLAN tag the stack lifted back in
 * front of the EtherType.  1 if frames[*n] / lens[*n] were filled.
 */
static int take(struct sw_afp *p, const uint8_t *data, uint32_t len, uint32_t status,
		uint16_t tci, uint16_t tpid, unsigned *nvlan, const uint8_t **frame, uint32_t *flen)
{
	if ((status & TP_STATUS_VLAN_VALID) && len >= 12) {
		uint8_t *s;
		if (!(status & TP_STATUS_VLAN_TPID_VALID))
			tpid = ETH_P_8021Q;
		if (*nvlan >= VLAN_SCRATCH || len + 4 > VLAN_SLOT) {
			p->st.rx_truncated++;
			return 0;
		}
		s = p->vlan_scratch + (size_t)(*nvlan)++ * VLAN_SLOT;
		memcpy(s, data, 12);
		s[12] = (uint8_t)(tpid >> 8);
		s[13] = (uint8_t)tpid;
		s[14] = (uint8_t)(tci >> 8);
		s[15] = (uint8_t)tci;
		memcpy(s + 16, data + 12, len - 12);
		data = s;
		len += 4;
	}
	*frame = data;
	*flen = len;
	p->st.rx_pkts++;
	p->st.rx_bytes += len;
	return 1;
}

static unsigned rx_v3(struct sw_afp *p, const uint8_t **frames, uint32_t *lens, unsigned max)
{
	unsigned n = 0, nvlan = 0;

	if (!p->cur) {
		struct tpacket_block_desc *bd = block(p, p->rx_block);
		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			return 0;
		p->cur = bd;
		p->left = bd->hdr.bh1.num_pkts;
		p->next_hdr = (struct tpacket3_hdr *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
	}
	while (p->left > 0 && n < max) {
		struct tpacket3_hdr *h = p->next_hdr;

		p->left--;
		p->next_hdr = (struct tpacket3_hdr *)((uint8_t *)h + h->tp_next_offset);
		if (unread(p, h, sizeof(*h), h->tp_snaplen, h->tp_len))
			continue;
		n += (unsigned)take(p, (const uint8_t *)h + h->tp_mac, h->tp_snaplen, h->tp_status,
				    (uint16_t)h->hv1.tp_vlan_tci, (uint16_t)h->hv1.tp_vlan_tpid, &nvlan,
				    &frames[n], &lens[n]);
	}
	return n;
}

/*
 * The flow bucket of a frame for the receive scheduler: addresses, protocol
 * and ports (ICMP echo: its identifier) behind up to two VLAN tags.  A
 * fragment has no ports to look at, so every fragment of an address pair and
 * protocol shares one bucket and keeps its order; anything not IP is bucket 0.
 */
static unsigned flow_bucket(const uint8_t *f, uint32_t len)
{
	uint32_t off = 0, l4 = 0;
	uint16_t et = sw_eth_type(f, len, &off);
	const uint8_t *ip = f + off;
	uint64_t h;
	unsigned proto, at;

	if (et == SW_ETHERTYPE_IP && off + SW_IP4_HLEN <= len) {
		proto = ip[9];
		h = (uint64_t)sw_rd32(ip + 12) << 32 | sw_rd32(ip + 16);
		at = (sw_rd16(ip + 6) & 0x3fff) ? 0 : off + (ip[0] & 0x0fu) * 4;
	} else if (et == SW_ETHERTYPE_IPV6 && off + SW_IP6_HLEN <= len) {
		proto = ip[6];
		h = 0;
		for (unsigned i = 8; i < 40; i += 8)
			h = (h ^ ((uint64_t)sw_rd32(ip + i) << 32 | sw_rd32(ip + i + 4))) * 0x9e3779b97f4a7c15ull;
		at = off + SW_IP6_HLEN;
	} else {
		return 0;
	}
	if (at && at + 8 <= len) {
		if (proto == SW_PROTO_TCP || proto == SW_PROTO_UDP)
			l4 = sw_rd32(f + at);
		else if ((proto == SW_PROTO_ICMP && (f[at] == 0 || f[at] == 8)) ||
			 (proto == SW_PROTO_ICMPV6 && (f[at] == 128 || f[at] == 129)))
			l4 = sw_rd16(f + at + 4);
	}
	h = (h ^ ((uint64_t)proto << 32 | l4)) * 0xbf58476d1ce4e5b9ull;
	return (unsigned)(h >> 54) % FLOW_BUCKETS;
}

/*
 * V2 with a receive scheduler.  The frames the kernel has handed over from
 * rx_idx on are the queue, each classified once by flow bucket.  A frame
 * that finds its bucket empty starts a new flow (fq_codel's sparse flows: a
 * ping, a DNS query, a handshake, an interactive keystroke): a batch takes
 * those first, oldest first, then the oldest frames of the queue - so they
 * no longer wait behind a bulk transfer's backlog, while a flow's frames
 * keep their order (a new flow's frame is the oldest of its bucket).  The
 * kernel fills the ring in order and stops at the first slot not given
 * back, so slots are given back in ring order, as rx_idx - the oldest frame
 * not yet handed out - moves past them: a frame handed out ahead of older
 * ones keeps its slot until then.  Each frame costs O(1).
 */
static void rx_classify(struct sw_afp *p)
{
	unsigned i = (p->rx_idx + p->rx_seen) % p->rx_frames;

	for (; p->rx_seen < p->rx_frames; i = i + 1 == p->rx_frames ? 0 : i + 1) {
		struct tpacket2_hdr *h = rx_slot(p, i);
		uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		unsigned b;

		if (!(st & TP_STATUS_USER))
			break;
		p->rx_seen++;
		if (unread(p, h, sizeof(*h), h->tp_snaplen, h->tp_len)) {
			p->rx_gone[i] = 1;
			continue;
		}
		b = flow_bucket((const uint8_t *)h + h->tp_mac, h->tp_snaplen);
		p->rx_flow[i] = (uint16_t)b;
		if (p->flow_queued[b]++ == 0)
			p->rx_new[(p->rx_new_head + p->rx_new_n++) % p->rx_frames] = (uint16_t)i;
		p->rx_queued++;
	}
}

/* With no batch out: give back the slots from rx_idx on that are done with, in order. */
static void rx_give_back(struct sw_afp *p)
{
	while (p->rx_seen && p->rx_gone[p->rx_idx]) {
		p->rx_gone[p->rx_idx] = 0;
		__atomic_store_n(&rx_slot(p, p->rx_idx)->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		p->rx_idx = p->rx_idx + 1 == p->rx_frames ? 0 : p->rx_idx + 1;
		p->rx_seen--;
		if (p->rx_fifo)
			p->rx_fifo--;
	}
}

/* Hand out queue slot i as frames[*n]. */
static void rx_hand_out(struct sw_afp *p, unsigned i, const uint8_t **frames, uint32_t *lens,
			unsigned *n, unsigned *nvlan)
{
	struct tpacket2_hdr *h = rx_slot(p, i);

	p->rx_gone[i] = 1;
	p->flow_queued[p->rx_flow[i]]--;
	p->rx_queued--;
	p->rx_held++;
	*n += (unsigned)take(p, (const uint8_t *)h + h->tp_mac, h->tp_snaplen, h->tp_status,
			     h->tp_vlan_tci, h->tp_vlan_tpid, nvlan, &frames[*n], &lens[*n]);
}

static unsigned rx_v2(struct sw_afp *p, const uint8_t **frames, uint32_t *lens, unsigned max)
{
	unsigned n = 0, nvlan = 0, i;

	if (p->rx_held)
		return 0; /* the batch handed out is not given back yet */
	rx_give_back(p); /* frames skipped unread */
	rx_classify(p);
	if (max > SW_AFP_BATCH_MAX)
		max = SW_AFP_BATCH_MAX;
	/*
	 * New flows first.  None of them was handed out yet: the oldest-first
	 * pass below runs only once this list is empty.
	 */
	while (p->rx_new_n && p->rx_held < max) {
		i = p->rx_new[p->rx_new_head];
		p->rx_new_head = p->rx_new_head + 1 == p->rx_frames ? 0 : p->rx_new_head + 1;
		p->rx_new_n--;
		if (SW_CHECK(!p->rx_gone[i]))
			rx_hand_out(p, i, frames, lens, &n, &nvlan);
	}
	/* then the oldest */
	i = (p->rx_idx + p->rx_fifo) % p->rx_frames;
	while (p->rx_fifo < p->rx_seen && p->rx_held < max) {
		if (!p->rx_gone[i])
			rx_hand_out(p, i, frames, lens, &n, &nvlan);
		p->rx_fifo++;
		i = i + 1 == p->rx_frames ? 0 : i + 1;
	}
	return n;
}

unsigned sw_afp_rx(struct sw_afp *p, const uint8_t **frames, uint32_t *lens, unsigned max)
{
	return p->ring == SW_AFP_RING_V3 ? rx_v3(p, frames, lens, max) : rx_v2(p, frames, lens, max);
}

void sw_afp_rx_done(struct sw_afp *p)
{
	if (p->ring == SW_AFP_RING_V2) {
		p->rx_held = 0;
		rx_give_back(p);
		return;
	}
	if (!p->cur)
		return;
	__atomic_store_n(&p->cur->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	p->cur = NULL;
	p->left = 0;
	p->rx_block = (p->rx_block + 1) % (RX_RING_BYTES / RX_BLOCK_SIZE);
}

static struct tpacket2_hdr *tx_slot(const struct sw_afp *p, unsigned i)
{
	return (struct tpacket2_hdr *)(p->tx_ring + (size_t)i * p->tx_frame_size);
}

void sw_afp_tx_flush(struct sw_afp *p)
{
	if (!p->tx_queued)
		return;
	if (send(p->txfd, NULL, 0, MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != ENOBUFS)
		p->st.tx_errors++;
	p->tx_queued = 0;
}

int sw_afp_tx(struct sw_afp *p, const uint8_t *frame, uint32_t len)
{
	struct tpacket2_hdr *h = tx_slot(p, p->tx_idx);
	uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);

	if (len + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll) > p->tx_frame_size) {
		p->st.tx_too_big++;
		return -EMSGSIZE;
	}
	if (st == TP_STATUS_WRONG_FORMAT) {
		p->st.tx_errors++;
		st = TP_STATUS_AVAILABLE;
	}
	if (st != TP_STATUS_AVAILABLE) {
		/* the ring is full: push what is queued and look once more */
		sw_afp_tx_flush(p);
		st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		if (st == TP_STATUS_WRONG_FORMAT) {
			p->st.tx_errors++;
			st = TP_STATUS_AVAILABLE;
		}
		if (st != TP_STATUS_AVAILABLE) {
			struct pollfd pfd = {.fd = p->txfd, .events = POLLOUT};
			(void)poll(&pfd, 1, 1);
			st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
			if (st == TP_STATUS_WRONG_FORMAT)
				st = TP_STATUS_AVAILABLE;
			if (st != TP_STATUS_AVAILABLE) {
				p->st.tx_ring_full++;
				return -ENOBUFS;
			}
		}
	}
	memcpy((uint8_t *)h + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll), frame, len);
	h->tp_len = len;
	h->tp_snaplen = len;
	__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	p->tx_idx = (p->tx_idx + 1) % p->tx_frames;
	p->tx_queued++;
	p->st.tx_pkts++;
	p->st.tx_bytes += len;
	if (p->tx_queued >= p->tx_frames / 2)
		sw_afp_tx_flush(p);
	return 0;
}

void sw_afp_stats(struct sw_afp *p, struct sw_afp_stats *st)
{
	struct tpacket_stats_v3 ks;
	socklen_t l = sizeof(ks);

	memset(&ks, 0, sizeof(ks));
	if (getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &l) == 0)
		p->st.rx_kernel_drops += ks.tp_drops; /* reading resets the kernel's counters */
	*st = p->st;
}

void sw_afp_stats_add(struct sw_afp_stats *a, const struct sw_afp_stats *b)
{
	a->rx_pkts += b->rx_pkts;
	a->rx_bytes += b->rx_bytes;
	a->rx_truncated += b->rx_truncated;
	a->rx_kernel_drops += b->rx_kernel_drops;
	a->tx_pkts += b->tx_pkts;
	a->tx_bytes += b->tx_bytes;
	a->tx_ring_full += b->tx_ring_full;
	a->tx_errors += b->tx_errors;
	a->tx_too_big += b->tx_too_big;
}
