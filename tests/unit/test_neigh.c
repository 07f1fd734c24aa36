/*
 * test_neigh.c - the daemon's L2 neighbour table (src/io/neigh.h): what it
 * learns from a frame (Ethernet header with VLAN tags, IPv4 and IPv6 source,
 * the port), what it ignores, and that a busy table keeps the addresses
 * still sending.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "io/neigh.h"
#include "pkt/wire.h"
#include "pktbuild.h"
#include "statewall/conf.h"
#include "statewall/pkt.h"

static struct sw_addr addr(const char *s)
{
	struct sw_cidr c;
	assert_int_equal(sw_cidr_parse(&c, s), 0);
	return c.addr;
}

static size_t frame(struct pb_pkt *p, const char *src, const char *dst, uint16_t vlan,
		    uint16_t vlan2)
{
	struct pb_seg g = {.src = src, .dst = dst, .sport = 1, .dport = 2, .flags = SW_TH_ACK,
			   .seq = 1, .ack = 1, .win = 1, .wscale = -1, .vlan = vlan, .vlan2 = vlan2};
	return pb_tcp(p, &g);
}

static void test_learn_and_find(void **st)
{
	struct sw_neigh *n = calloc(1, sizeof(*n));
	struct pb_pkt p, q, r;
	struct sw_addr a = addr("192.0.2.10"), b = addr("2001:db8::1"), c = addr("192.0.2.11");

	(void)st;
	assert_null(sw_neigh_find(n, &a));
	frame(&p, "192.0.2.10", "198.51.100.20", 0, 0);
	sw_neigh_learn(n, p.data, (uint32_t)p.len, 1);
	const struct sw_neigh_ent *e = sw_neigh_find(n, &a);
	assert_non_null(e);
	assert_int_equal(e->l2len, 14);
	assert_memory_equal(e->l2, p.data, 14);
	assert_int_equal(e->port, 1);
	assert_null(sw_neigh_find(n, &c)); /* the destination is not learned */

	/* a QinQ-tagged IPv6 frame: the whole L2 header, tags and EtherType */
	frame(&q, "2001:db8::1", "2001:db8::2", 10, 20);
	sw_neigh_learn(n, q.data, (uint32_t)q.len, 0);
	e = sw_neigh_find(n, &b);
	assert_non_null(e);
	assert_int_equal(e->l2len, 22);
	assert_memory_equal(e->l2, q.data, 22);
	assert_int_equal(e->port, 0);

	/* the same address behind the other port, with another MAC: the newest wins */
	frame(&r, "192.0.2.10", "198.51.100.20", 7, 0);
	r.data[6] ^= 0x40;
	sw_neigh_learn(n, r.data, (uint32_t)r.len, 0);
	e = sw_neigh_find(n, &a);
	assert_int_equal(e->port, 0);
	assert_int_equal(e->l2len, 18);
	assert_memory_equal(e->l2, r.data, 18);

	/* not learned: ARP, a header cut short, three tags */
	static const uint8_t arp[42] = {[12] = 0x08, [13] = 0x06};
	struct sw_neigh *m = calloc(1, sizeof(*m)), *zero = calloc(1, sizeof(*zero));
	sw_neigh_learn(m, arp, sizeof(arp), 0);
	sw_neigh_learn(m, p.data, 14 + 19, 0);
	uint8_t deep[128] = {0};
	for (int i = 0; i < 3; i++) {
		deep[12 + 4 * i] = 0x81;
		deep[13 + 4 * i] = 0x00;
	}
	deep[24] = 0x08;
	sw_neigh_learn(m, deep, sizeof(deep), 0);
	assert_memory_equal(m, zero, sizeof(*m));
	free(m);
	free(zero);
	free(n);
}

/*
 * The wire's own look at a frame (ARP passed across, the L2 header learned):
 * the EtherType behind up to two tags of any TPID, nothing behind three or
 * past the frame's end.
 */
static void test_eth_type(void **st)
{
	uint8_t f[64] = {0};
	uint32_t off = 99;

	(void)st;
	f[12] = 0x08, f[13] = 0x06;
	assert_int_equal(sw_eth_type(f, sizeof(f), &off), SW_ETHERTYPE_ARP);
	assert_int_equal(off, 14);
	f[12] = 0x88, f[13] = 0xa8, f[16] = 0x91, f[17] = 0x00, f[20] = 0x08, f[21] = 0x06;
	assert_int_equal(sw_eth_type(f, sizeof(f), &off), SW_ETHERTYPE_ARP);
	assert_int_equal(off, 22);
	assert_int_equal(sw_eth_type(f, 21, &off), 0); /* cut inside the inner EtherType */
	f[20] = 0x81, f[21] = 0x00, f[24] = 0x08, f[25] = 0x06;
	assert_int_equal(sw_eth_type(f, sizeof(f), &off), 0); /* three tags */
	assert_int_equal(sw_eth_type(f, 13, &off), 0);
}

/* Far more addresses than entries: one that keeps sending is never forgotten. */
static void test_busy_table_keeps_active(void **st)
{
	struct sw_neigh *n = calloc(1, sizeof(*n));
	struct pb_pkt keep, p;
	struct sw_addr k = addr("10.255.0.1");
	char src[32];

	(void)st;
	frame(&keep, "10.255.0.1", "10.0.0.1", 0, 0);
	for (int i = 0; i < 3 * SW_NEIGH_SETS * SW_NEIGH_WAYS; i++) {
		snprintf(src, sizeof(src), "10.%d.%d.%d", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
		frame(&p, src, "10.0.0.1", 0, 0);
		sw_neigh_learn(n, p.data, (uint32_t)p.len, 0);
		sw_neigh_learn(n, keep.data, (uint32_t)keep.len, 1);
		assert_non_null(sw_neigh_find(n, &k));
	}
	assert_true(n->replaced > 0);
	struct sw_addr last = addr(src);
	assert_non_null(sw_neigh_find(n, &last));
	free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_and_find),
		cmocka_unit_test(test_busy_table_keeps_active),
		cmocka_unit_test(test_eth_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
