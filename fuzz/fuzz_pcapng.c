/*
 * fuzz_pcapng.c - libFuzzer harness for the capture readers of src/io
 * (pcapng.c block walker, reader.c, the byte sources of src.c and the merge
 * of capture.c), as `statewall replay` uses them.  The input is a whole
 * capture file (seeds: pcapng files), read four ways:
 *
 *   1. from a memfd: mapped, walked in place;
 *   2. the same with a BPF filter (one program per link type met);
 *   3. gzip-compressed into a memfd: the stream path (decompressed into the
 *      sliding window), which must give the same frames as 1;
 *   4. the memfd twice, as two files merged by time;
 *   5. written back by the -w writer (dump.c: pcapng, or classic pcap for
 *      a classic input) into a memfd, and that read again.
 *
 * Checked: 1 with caplen within the frame and at most 262144, 0 at the end,
 * -1 with a message; packet numbers only grow; a pcapng frame has an
 * interface name; ways 1 and 3 agree frame for frame (bytes, lengths,
 * stamp, link type, interface name); way 4 returns twice the frames of way
 * 1, each file's in its order; way 5 reads what way 1 read.  Every frame is parsed and
 * fed to a small engine.  ASan/UBSan catch any read outside the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "io/capture.h"
#include "statewall/conf.h"
#include "statewall/engine.h"
#include "statewall/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PKTS 2048

/* What one way read: a hash of every frame, their number and the ending. */
struct seen {
	uint64_t hash, n;
	int end;
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void read_all(struct sw_engine *e, struct sw_capture *cap, struct seen *s)
{
	struct sw_frame f;
	char err[512];
	uint64_t last = 0;

	s->hash = 0xcbf29ce484222325ull;
	s->n = 0;
	for (;;) {
		err[0] = '\0';
		s->end = sw_capture_next_frame(cap, &f, err, sizeof(err));
		if (s->end <= 0 || s->n >= MAX_PKTS) {
			if (s->end < 0 && !err[0])
				abort(); /* a read error must say what and where */
			break;
		}
		if (sw_capture_count(cap) <= last || f.caplen > 262144u)
			abort();
		last = sw_capture_count(cap);
		if (f.caplen) { /* touch the ends: ASan checks they lie within the input */
			volatile uint8_t x = f.data[0];
			x ^= f.data[f.caplen - 1];
			(void)x;
		}
		if (f.ifname && !*f.ifname)
			abort();
		struct sw_pkt p;
		if (sw_pkt_parse(&p, f.data, f.caplen, f.link, 0) >= SW_DROP_MAX)
			abort();
		(void)sw_engine_packet_wire(e, f.data, f.caplen, f.wirelen, f.link, f.ts);
		s->hash = mix(s->hash, f.data, f.caplen);
		s->hash = mix(s->hash, &f.caplen, sizeof(f.caplen));
		s->hash = mix(s->hash, &f.wirelen, sizeof(f.wirelen));
		s->hash = mix(s->hash, &f.ts, sizeof(f.ts));
		s->hash = mix(s->hash, &f.link, sizeof(f.link));
		if (f.ifname)
			s->hash = mix(s->hash, f.ifname, strlen(f.ifname) + 1);
		s->n++;
	}
}

static int memfd_of(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz_pcapng", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One way: open fd (dup'ed) with filter, read it; 0 if it opened. */
static int way(struct sw_engine *e, int fd, const char *filter, struct seen *s)
{
	struct sw_capture *cap;
	char err[512] = "";
	int d = dup(fd);
	FILE *fp = d >= 0 ? fdopen(d, "rb") : NULL;
	int rc;

	if (!fp) {
		if (d >= 0)
			close(d);
		return -1;
	}
	rc = sw_capture_open_fp(&cap, fp, "fuzz", filter, err, sizeof(err));
	if (rc < 0) {
		if (rc == -EINVAL && !err[0])
			abort(); /* a refused file must say why */
		return -1;
	}
	read_all(e, cap, s);
	sw_capture_close(cap);
	return 0;
}

/* The input gzip-compressed into a memfd, or -1. */
static int gzip_fd(const uint8_t *data, size_t size)
{
	z_stream z = {0};
	size_t cap = size + size / 8 + 128;
	uint8_t *out = malloc(cap);
	int fd = -1;

	if (!out || deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return -1;
	}
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)size;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) == Z_STREAM_END)
		fd = memfd_of(out, cap - z.avail_out);
	deflateEnd(&z);
	free(out);
	return fd;
}

/* Way 5: fd's frames through the writer into a memfd, read back: what way 1 read. */
static void written(struct sw_engine *e, int fd, const struct seen *mapped)
{
	struct sw_capture *cap;
	struct sw_dumper *d;
	struct sw_frame f;
	struct seen back;
	char err[512] = "", src[64], path[64];
	const char *srcs[1] = {src};
	int out = memfd_create("fuzz_pcapng_out", MFD_CLOEXEC), rc, held = 1;

	if (out < 0)
		return;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (sw_capture_open_list(&cap, srcs, 1, "", err, sizeof(err)) < 0)
		abort(); /* it opened as way 1 */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", out);
	if (sw_dumper_open(&d, path, cap, err, sizeof(err)) < 0) {
		if (!err[0])
			abort(); /* a refused output says why */
		sw_capture_close(cap);
		close(out);
		return;
	}
	while ((rc = sw_capture_next_frame(cap, &f, err, sizeof(err))) > 0) {
		if (!sw_dumper_holds(d, f.link, err, sizeof(err))) {
			held = 0; /* a link type met mid-file that a classic pcap cannot hold */
			break;
		}
		sw_dumper_write(d, &f);
	}
	rc = sw_dumper_close(d);
	sw_capture_close(cap);
	if (rc == -EOVERFLOW || !held) {
		close(out);
		return;
	}
	if (rc < 0 || way(e, out, "", &back) < 0 || back.hash != mapped->hash ||
	    back.n != mapped->n || back.end != 0)
		abort();
	close(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_engine *e;
	struct sw_conf c;
	struct seen mapped, filtered, gz, twice;
	int fd, zfd, ok;

	if (size == 0)
		return 0;
	sw_conf_defaults(&c);
	c.max_sessions = 256;
	if (sw_engine_create(&e, &c) < 0)
		abort();
	fd = memfd_of(data, size);
	if (fd < 0) {
		sw_engine_destroy(e);
		return 0;
	}
	ok = way(e, fd, "", &mapped) == 0;
	(void)way(e, fd, "tcp or udp or icmp", &filtered);
	/* an input that is itself compressed was decompressed by way 1, not by way 3 */
	zfd = memcmp(data, "\x1f\x8b", size < 2 ? size : 2) == 0 ||
		      memcmp(data, "\x28\xb5\x2f\xfd", size < 4 ? size : 4) == 0 ||
		      memcmp(data, "\xfd" "7zXZ", size < 5 ? size : 5) == 0
		  ? -1
		  : gzip_fd(data, size);
	if (zfd >= 0) {
		/* the same bytes through the stream path: the same frames, the same ending */
		if ((way(e, zfd, "", &gz) == 0) != ok)
			abort();
		if (ok && mapped.n < MAX_PKTS &&
		    (gz.hash != mapped.hash || gz.n != mapped.n || gz.end != mapped.end))
			abort();
		close(zfd);
	}
	if (ok && mapped.end == 0 && mapped.n < MAX_PKTS / 2) {
		char p[64];
		const char *paths[2] = {p, p};
		struct sw_capture *cap;
		char err[512];

		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		if (sw_capture_open_list(&cap, paths, 2, "", err, sizeof(err)) == 0) {
			read_all(e, cap, &twice);
			if (twice.n != 2 * mapped.n || twice.end != 0)
				abort();
			sw_capture_close(cap);
		}
	}
	if (ok && mapped.end == 0 && mapped.n < MAX_PKTS)
		written(e, fd, &mapped);
	close(fd);
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	sw_engine_destroy(e);
	return 0;
}
