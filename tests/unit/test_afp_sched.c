/*
 * test_afp_sched.c - the V2 receive ring's scheduler (io/afpacket.c
 * rx_classify): over a ring in memory, with this test as the kernel.
 *
 * A new flow's frame is handed out ahead of an older backlog; every flow's
 * frames come out in the order they came in, each exactly once; slots go
 * back to the kernel in ring order only, so the kernel - which fills the
 * ring in order and stops at the first slot not given back - never writes
 * over a frame not yet handed out; frames it must skip (our own
 * transmissions) are given back unread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* before cmocka.h, whose fail() macro would rename afpacket.c's own fail() */
#include "../../src/io/afpacket.c"

#include <cmocka.h>

#define SLOTS 64
#define SLOT 2048
#define FRAME_LEN 60

/* The kernel's side of the ring: where it writes next. */
static unsigned khead;

static struct sw_afp *ring_new(void)
{
	struct sw_afp *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->fd = p->txfd = -1;
	p->ring = SW_AFP_RING_V2;
	memcpy(p->name, "test0", 6);
	p->rx_frame_size = SLOT;
	p->rx_frames = SLOTS;
	p->rx_ring = calloc(SLOTS, SLOT);
	p->rx_flow = calloc(SLOTS, sizeof(*p->rx_flow));
	p->rx_gone = calloc(SLOTS, 1);
	p->rx_new = calloc(SLOTS, sizeof(*p->rx_new));
	p->vlan_scratch = malloc((size_t)VLAN_SCRATCH * VLAN_SLOT);
	assert_true(p->rx_ring && p->rx_flow && p->rx_gone && p->rx_new && p->vlan_scratch);
	khead = 0;
	return p;
}

static void ring_free(struct sw_afp *p)
{
	free(p->rx_ring);
	free(p->rx_flow);
	free(p->rx_gone);
	free(p->rx_new);
	free(p->vlan_scratch);
	free(p);
}

/*
 * The kernel receives an IPv4 TCP frame of flow `flow` (its source port)
 * carrying number `seq`: 1 if written, 0 if the slot at its head is not
 * given back (a ring-full drop).
 */
static int kput(struct sw_afp *p, unsigned flow, unsigned seq, int outgoing)
{
	struct tpacket2_hdr *h = rx_slot(p, khead);
	struct sockaddr_ll *sll = (struct sockaddr_ll *)((uint8_t *)h + TPACKET_ALIGN(sizeof(*h)));
	uint8_t *f;

	if (h->tp_status != TP_STATUS_KERNEL)
		return 0;
	h->tp_mac = (uint16_t)(TPACKET_ALIGN(TPACKET2_HDRLEN) + 16);
	h->tp_len = h->tp_snaplen = FRAME_LEN;
	memset(sll, 0, sizeof(*sll));
	sll->sll_pkttype = outgoing ? PACKET_OUTGOING : PACKET_HOST;
	f = (uint8_t *)h + h->tp_mac;
	memset(f, 0, FRAME_LEN);
	f[12] = 0x08;                       /* IPv4 */
	f[14] = 0x45;                       /* version 4, 20-byte header */
	f[23] = SW_PROTO_TCP;
	f[26] = 10, f[29] = 1;              /* 10.0.0.1 -> 10.0.0.2 */
	f[30] = 10, f[33] = 2;
	f[34] = (uint8_t)(flow >> 8), f[35] = (uint8_t)flow; /* source port: the flow */
	f[37] = 80;
	f[54] = (uint8_t)(seq >> 8), f[55] = (uint8_t)seq;  /* the frame's number, past the headers */
	__atomic_store_n(&h->tp_status, TP_STATUS_USER, __ATOMIC_RELEASE);
	khead = (khead + 1) % SLOTS;
	return 1;
}

static unsigned flow_of(const uint8_t *f) { return (unsigned)f[34] << 8 | f[35]; }
static unsigned seq_of(const uint8_t *f) { return (unsigned)f[54] << 8 | f[55]; }

/* What has come out so far: per flow, the next number expected. */
struct seen {
	unsigned next[4];
	unsigned total;
};

/* One batch of at most max; each frame must be its flow's next. Returns the batch size. */
static unsigned batch(struct sw_afp *p, unsigned max, struct seen *s, unsigned *first_flow)
{
	const uint8_t *fr[SW_AFP_BATCH_MAX];
	uint32_t len[SW_AFP_BATCH_MAX];
	unsigned n = sw_afp_rx(p, fr, len, max);

	assert_true(n <= max);
	for (unsigned i = 0; i < n; i++) {
		unsigned fl = flow_of(fr[i]);
		assert_true(fl < 4);
		assert_int_equal(len[i], FRAME_LEN);
		assert_int_equal(seq_of(fr[i]), s->next[fl]); /* in order, once */
		s->next[fl]++;
		if (i == 0 && first_flow)
			*first_flow = fl;
	}
	assert_int_equal(sw_afp_rx(p, fr, len, max), 0); /* one batch out at a time */
	s->total += n;
	if (sw_afp_rx_pending(p))
		sw_afp_rx_done(p);
	return n;
}

/* A ping behind a backlog goes out in the next batch; the backlog stays in order. */
static void test_new_flow_first(void **st)
{
	struct sw_afp *p = ring_new();
	struct seen s = {{0}, 0};
	const uint8_t *fr[SW_AFP_BATCH_MAX];
	uint32_t len[SW_AFP_BATCH_MAX];
	unsigned n, i, at_b = ~0u;

	(void)st;
	for (i = 0; i < 40; i++)
		assert_true(kput(p, 1, i, 0));
	assert_true(kput(p, 2, 0, 0)); /* flow 2's first frame, behind 40 of flow 1 */
	n = sw_afp_rx(p, fr, len, 8);
	assert_int_equal(n, 8);
	for (i = 0; i < n; i++) {
		if (flow_of(fr[i]) == 2)
			at_b = i;
		else
			assert_int_equal(seq_of(fr[i]), s.next[1]++);
	}
	assert_true(at_b < 2); /* with flow 1's first: both started a flow */
	sw_afp_rx_done(p);
	s.next[2] = 1;
	s.total = n;
	while (batch(p, 8, &s, NULL))
		;
	assert_int_equal(s.next[1], 40);
	assert_int_equal(s.total, 41);
	assert_int_equal(p->rx_seen, 0);
	assert_int_equal(p->rx_queued, 0);
	for (i = 0; i < SLOTS; i++)
		assert_int_equal(rx_slot(p, i)->tp_status, TP_STATUS_KERNEL);
	ring_free(p);
}

/*
 * The ring full: a frame handed out ahead of older ones keeps its slot until
 * they are handed out too, and the kernel stops at the oldest one left.
 */
static void test_ring_order(void **st)
{
	struct sw_afp *p = ring_new();
	struct seen s = {{0}, 0};
	unsigned i, put = 0, first = 99;

	(void)st;
	for (i = 0; i < SLOTS - 2; i++)
		assert_true(kput(p, 1, i, 0));
	assert_true(kput(p, 2, 0, 0));         /* slot 62 */
	assert_int_equal(batch(p, 8, &s, NULL), 8); /* flow 1's 0-6 and flow 2's 0 */
	assert_int_equal(s.next[2], 1);
	assert_int_equal(p->rx_idx, 7);        /* slots 0-6 given back, 62 not */
	assert_int_equal(rx_slot(p, 62)->tp_status, TP_STATUS_USER);
	/* the kernel: slot 63, then 0-6, then stops at slot 7 (flow 1's frame 7) */
	while (kput(p, 3, put, 0))
		put++;
	assert_int_equal(put, 8);
	/* flow 3 started a flow: its first frame goes first although flow 1's are older */
	assert_true(batch(p, 4, &s, &first) > 0);
	assert_int_equal(first, 3);
	while (batch(p, 5, &s, NULL))
		;
	assert_int_equal(s.next[1], SLOTS - 2);
	assert_int_equal(s.next[2], 1);
	assert_int_equal(s.next[3], 8);
	assert_int_equal(p->rx_seen, 0);
	for (i = 0; i < SLOTS; i++)
		assert_int_equal(rx_slot(p, i)->tp_status, TP_STATUS_KERNEL);
	/* and the ring goes on: a whole ring's worth again */
	for (i = 0; i < SLOTS; i++)
		assert_true(kput(p, 1, s.next[1] + i, 0));
	assert_int_equal(kput(p, 1, 0, 0), 0);
	while (batch(p, SW_AFP_BATCH_MAX, &s, NULL))
		;
	assert_int_equal(s.next[1], 2 * SLOTS - 2);
	ring_free(p);
}

/* Our own transmissions are given back unread, in order with the rest. */
static void test_outgoing_skipped(void **st)
{
	struct sw_afp *p = ring_new();
	struct seen s = {{0}, 0};
	unsigned i;

	(void)st;
	for (i = 0; i < 10; i++) {
		assert_true(kput(p, 1, i, 0));
		assert_true(kput(p, 0, 0, 1)); /* outgoing: never handed out */
	}
	while (batch(p, 3, &s, NULL))
		;
	assert_int_equal(s.total, 10);
	assert_int_equal(s.next[0], 0);
	assert_int_equal(p->rx_seen, 0);
	assert_int_equal(p->st.rx_pkts, 10);
	for (i = 0; i < SLOTS; i++)
		assert_int_equal(rx_slot(p, i)->tp_status, TP_STATUS_KERNEL);
	ring_free(p);
}

/* Fragments have no ports to look at: all of an address pair share a bucket, in order. */
static void test_fragments_share_a_bucket(void **st)
{
	uint8_t a[60] = {0}, b[60] = {0};

	(void)st;
	a[12] = b[12] = 0x08;
	a[14] = b[14] = 0x45;
	a[23] = b[23] = SW_PROTO_UDP;
	a[26] = b[26] = 10;
	a[20] = 0x20;              /* first fragment: MF */
	b[21] = 0xb9;              /* a later one: offset 185 */
	a[34] = 0x12, a[35] = 0x34; /* the first fragment's ports */
	assert_int_equal(flow_bucket(a, sizeof(a)), flow_bucket(b, sizeof(b)));
	a[20] = 0;                  /* not a fragment: its ports count */
	assert_int_not_equal(flow_bucket(a, sizeof(a)), flow_bucket(b, sizeof(b)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_flow_first),
		cmocka_unit_test(test_ring_order),
		cmocka_unit_test(test_outgoing_skipped),
		cmocka_unit_test(test_fragments_share_a_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
