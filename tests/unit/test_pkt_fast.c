/*
 * test_pkt_fast.c - the parser's Ethernet/IPv4/TCP fast path fills exactly
 * what the general path fills, on every Ethernet packet of the corpus and on
 * corrupted variants of them (byte by byte through the headers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "captures.h"
#include "statewall/pkt.h"

static unsigned long compared, fast_taken;

static void compare(const uint8_t *f, size_t len, const char *where)
{
	struct sw_pkt a, b;
	enum sw_drop ra, rb;

	ra = sw_pkt_parse(&a, f, len, SW_LINK_EN10MB, 0);
	rb = sw_pkt_parse(&b, f, len, SW_LINK_EN10MB, SW_PARSE_NO_FAST);
	compared++;
	if (ra != rb)
		fail_msg("%s: fast path says %s, general path %s", where, sw_drop_name(ra),
			 sw_drop_name(rb));
	if (ra == SW_DROP_NONE && memcmp(&a, &b, sizeof(a)) != 0)
		fail_msg("%s: fast and general paths filled the descriptor differently", where);
}

static int is_fast_candidate(const uint8_t *f, size_t len)
{
	return len >= 54 && f[12] == 8 && f[13] == 0 && f[14] == 0x45 && f[23] == 6;
}

static void one_file(const char *path, void *ctx)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned mutated = 0;

	(void)ctx;
	if (!p)
		return;
	if (pcap_datalink(p) != DLT_EN10MB) {
		pcap_close(p);
		return;
	}
	while (pcap_next_ex(p, &h, &d) == 1) {
		compare(d, h->caplen, path);
		if (is_fast_candidate(d, h->caplen)) {
			fast_taken++;
			/* A few packets per file, every header byte set to a few values. */
			if (mutated++ < 4) {
				uint8_t buf[2048];
				size_t n = h->caplen < sizeof(buf) ? h->caplen : sizeof(buf);
				static const uint8_t vals[] = {0x00, 0x01, 0x05, 0x0f, 0x45, 0x50, 0xf0, 0xff};
				for (size_t off = 12; off < 14 + 20 + 20 && off < n; off++) {
					for (size_t v = 0; v < sizeof(vals); v++) {
						memcpy(buf, d, n);
						buf[off] = vals[v];
						compare(buf, n, path);
						compare(buf, off + 1, path); /* and cut right after it */
					}
				}
			}
		}
	}
	pcap_close(p);
}

static void test_fast_equals_general(void **st)
{
	(void)st;
	tl_walk_captures(SW_SOURCE_DIR "/data/captures", one_file, NULL);
	tl_walk_captures(SW_SHARED_DIR "/corpus", one_file, NULL);
	printf("compared %lu parses; %lu packets were fast-path candidates\n", compared, fast_taken);
	assert_true(fast_taken > 10000); /* the corpus must really exercise it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_equals_general),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
