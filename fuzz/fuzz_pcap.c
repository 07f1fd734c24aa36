/*
 * fuzz_pcap.c - libFuzzer harness: the input is a whole pcap or pcapng
 * file, read through libpcap from memory (fmemopen + pcap_fopen_offline)
 * and every packet parsed with sw_pkt_parse(), with and without checksum
 * verification.  This exercises the parser on frames as libpcap hands them
 * over (any link type a file may declare, caplen > len, zero-length
 * records) and checks that the reading path does not leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include "statewall/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bound the work per input: libFuzzer inputs are small, but a header can claim anything. */
#define MAX_PKTS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	FILE *f;
	pcap_t *pc;
	int link, n = 0;

	if (size == 0)
		return 0;
	/* fmemopen wants a non-const buffer but "rb" never writes to it. */
	f = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (!f)
		return 0;
	pc = pcap_fopen_offline(f, err);
	if (!pc) {
		fclose(f); /* on failure libpcap leaves the stream to us */
		return 0;
	}
	link = pcap_datalink(pc);
	while (n++ < MAX_PKTS && pcap_next_ex(pc, &h, &d) == 1) {
		struct sw_pkt p;

		if (sw_pkt_parse(&p, d, h->caplen, link, 0) >= SW_DROP_MAX)
			abort();
		if (sw_pkt_parse(&p, d, h->caplen, link, SW_PARSE_CHECKSUM) >= SW_DROP_MAX)
			abort();
	}
	pcap_close(pc); /* closes f */
	return 0;
}
