/*
 * fuzz_pcap.c - libFuzzer harness for statewall's capture reader
 * (src/io/capture.c), as `statewall replay` and `analyze` use it: the input
 * is a whole capture file, opened three ways:
 *
 *   1. from a memfd, a regular file: mapped and walked in place (classic
 *      pcap record walking, caplen bounds, byte order, ns/us stamps; pcapng
 *      blocks), or decompressed if it starts like gzip, zstd or xz;
 *   2. the same with a BPF filter (libpcap's, one program per link type);
 *   3. from fmemopen, a stream that cannot be mapped: the same readers over
 *      the sliding window that pipes use.
 *
 * fuzz_pcapng.c goes further into pcapng and the merge of several files.
 * Every packet read is parsed with sw_pkt_parse() and fed to a small engine
 * (one per input) at the reader's timestamp, as a replay does.  The reader's contract is
 * checked: 1 with caplen within the data, 0 at the end, -1 with a message;
 * packet numbers only grow.  Under ASan/UBSan (make fuzz) any overflow in the
 * timestamp arithmetic or out-of-bounds read is a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io/capture.h"
#include "statewall/conf.h"
#include "statewall/engine.h"
#include "statewall/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bound the work per input: libFuzzer inputs are small, but a header can claim anything. */
#define MAX_PKTS 4096

static void read_all(struct sw_engine *e, FILE *fp, const char *filter)
{
	struct sw_capture *cap;
	const uint8_t *d;
	uint32_t caplen, wirelen;
	sw_time_t ts;
	char err[512];
	uint64_t last = 0;
	int n = 0, rc, link;

	err[0] = '\0';
	rc = sw_capture_open_fp(&cap, fp, "fuzz", filter, err, sizeof(err));
	if (rc < 0) {
		if (rc == -EINVAL && !err[0])
			abort(); /* a refused file must say why */
		return;
	}
	link = sw_capture_linktype(cap);
	while (n++ < MAX_PKTS) {
		err[0] = '\0';
		rc = sw_capture_next(cap, &d, &caplen, &wirelen, &ts, err, sizeof(err));
		if (rc <= 0) {
			if (rc < 0 && !err[0])
				abort(); /* a read error must say what and where */
			break;
		}
		if (sw_capture_count(cap) <= last)
			abort();
		last = sw_capture_count(cap);
		if (caplen > 262144u)
			abort();
		if (caplen) { /* touch every byte: ASan checks it lies within the input */
			volatile uint8_t x = d[0];
			x ^= d[caplen - 1];
			(void)x;
		}
		struct sw_pkt p;
		if (sw_pkt_parse(&p, d, caplen, link, 0) >= SW_DROP_MAX)
			abort();
		(void)sw_engine_packet_wire(e, d, caplen, wirelen, link, ts);
	}
	sw_capture_close(cap);
}

static FILE *memfd_file(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
	FILE *fp;

	if (fd < 0)
		return NULL;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0 ||
	    !(fp = fdopen(fd, "rb"))) {
		close(fd);
		return NULL;
	}
	return fp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_engine *e;
	struct sw_conf c;
	FILE *fp;

	if (size == 0)
		return 0;
	sw_conf_defaults(&c);
	c.max_sessions = 256;
	if (sw_engine_create(&e, &c) < 0)
		abort();
	if ((fp = memfd_file(data, size)))
		read_all(e, fp, "");
	if ((fp = memfd_file(data, size)))
		read_all(e, fp, "tcp or udp or icmp");
	/* fmemopen wants a non-const buffer but "rb" never writes to it. */
	if ((fp = fmemopen((void *)(uintptr_t)data, size, "rb")))
		read_all(e, fp, "");
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	sw_engine_destroy(e);
	return 0;
}
