/*
 * test_capture.c - the capture readers of src/io: pcapng stamps under every
 * kind of if_tsresol and if_tsoffset (table-driven), the stream window
 * sliding past blocks larger than itself and growing for one, a stream and a
 * mapping giving the same frames, and the merge of several files (ties in
 * argument order, each file's order kept when its clock runs backwards,
 * the backward steps counted per file).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/capture.h"

/* A growable byte buffer: pcapng blocks are appended to it. */
struct buf {
	uint8_t *b;
	size_t n, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->b = realloc(b->b, b->cap);
		assert_non_null(b->b);
	}
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put32(struct buf *b, uint32_t v)
{
	put(b, &v, 4);
}

/* A block of type t around body (padded to 4). */
static void block(struct buf *b, uint32_t t, const void *body, size_t n)
{
	uint32_t len = (uint32_t)(12 + ((n + 3) & ~(size_t)3));
	static const uint8_t zero[4];

	put32(b, t);
	put32(b, len);
	put(b, body, n);
	put(b, zero, (4 - n % 4) % 4);
	put32(b, len);
}

static void shb(struct buf *b)
{
	static const uint32_t body[4] = {0x1A2B3C4D, 1, 0xffffffff, 0xffffffff};
	block(b, 0x0A0D0D0A, body, sizeof(body));
}

/* An IDB: link, snaplen, then if_tsresol (res >= 0) and if_tsoffset (off != 0). */
static void idb(struct buf *b, uint16_t link, uint32_t snap, int res, int64_t off)
{
	uint8_t body[64];
	size_t n = 0;
	uint16_t h[2] = {link, 0};

	memcpy(body, h, 4);
	memcpy(body + 4, &snap, 4);
	n = 8;
	if (res >= 0) {
		uint16_t o[2] = {9, 1};
		memcpy(body + n, o, 4);
		memset(body + n + 4, 0, 4);
		body[n + 4] = (uint8_t)res;
		n += 8;
	}
	if (off) {
		uint16_t o[2] = {14, 8};
		memcpy(body + n, o, 4);
		memcpy(body + n + 4, &off, 8);
		n += 12;
	}
	memset(body + n, 0, 4); /* opt_endofopt */
	n += 4;
	block(b, 1, body, n);
}

static void epb(struct buf *b, uint32_t ifid, uint64_t t, const uint8_t *data, uint32_t len)
{
	struct buf body = {0};

	put32(&body, ifid);
	put32(&body, (uint32_t)(t >> 32));
	put32(&body, (uint32_t)t);
	put32(&body, len);
	put32(&body, len);
	put(&body, data, len);
	block(b, 6, body.b, body.n);
	free(body.b);
}

static FILE *memfd_of(const struct buf *b)
{
	int fd = memfd_create("test_capture", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->b, b->n), (ssize_t)b->n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fdopen(fd, "rb");
}

/* Every frame of b: their stamps into ts[], their count returned; *end the last return. */
static size_t read_frames(FILE *fp, sw_time_t *ts, size_t max, uint64_t *hash, int *end)
{
	struct sw_capture *c;
	struct sw_frame f;
	char err[512];
	size_t n = 0;

	assert_int_equal(sw_capture_open_fp(&c, fp, "t", "", err, sizeof(err)), 0);
	*hash = 1469598103934665603ull;
	while ((*end = sw_capture_next_frame(c, &f, err, sizeof(err))) == 1) {
		if (n < max)
			ts[n] = f.ts;
		for (uint32_t i = 0; i < f.caplen; i++)
			*hash = (*hash ^ f.data[i]) * 1099511628211ull;
		n++;
	}
	sw_capture_close(c);
	return n;
}

static const struct {
	int res;         /* if_tsresol byte, -1: none (microseconds) */
	int64_t off;     /* if_tsoffset, s */
	uint64_t t;      /* the EPB's 64-bit stamp */
	sw_time_t want;  /* ns; -1: refused as out of range */
} stamps[] = {
	{-1, 0, 1700000000123456ull, 1700000000123456000ll},
	{6, 0, 1700000000123456ull, 1700000000123456000ll},
	{9, 0, 1700000000123456789ull, 1700000000123456789ll},
	{3, 0, 1700000000123ull, 1700000000123000000ll},
	{0, 0, 1700000000ull, 1700000000000000000ll},
	{12, 0, 1700000000123456789ull, 1700000ll * 1000000000ll + 123456}, /* ps: truncated */
	{0x80 | 20, 0, (1700000000ull << 20) | (1u << 19), 1700000000500000000ll},
	{0x80 | 0, 0, 1700000000ull, 1700000000000000000ll},
	{0x80 | 63, 0, 1ull << 63, 1000000000ll},
	{6, 1000, 1700000000123456ull, 1700001000123456000ll},
	{6, -1000, 1700000000123456ull, 1699999000123456000ll},
	{6, -1700000001, 1700000000123456ull, -1},           /* before 1970 */
	{9, 0, UINT64_MAX, -1},                                /* after 2262 */
	{0, 0, 9300000000ull, -1},
	{6, INT64_MIN / 2, 1ull, -1},
};

static void test_stamps(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++) {
		struct buf b = {0};
		uint8_t frame[20] = {0x45};
		sw_time_t ts[1] = {0};
		uint64_t h;
		int end;
		size_t n;

		shb(&b);
		idb(&b, 101, 0, stamps[i].res, stamps[i].off);
		epb(&b, 0, stamps[i].t, frame, sizeof(frame));
		n = read_frames(memfd_of(&b), ts, 1, &h, &end);
		if (stamps[i].want < 0) {
			assert_int_equal(n, 0);
			assert_int_equal(end, -1);
		} else {
			assert_int_equal(n, 1);
			assert_int_equal(end, 0);
			assert_int_equal(ts[0], stamps[i].want);
		}
		free(b.b);
	}
}

/*
 * A stream with blocks far larger than the 1 MiB window: an unknown block of
 * 3 MiB (skipped through the stream, never held whole) and a section header
 * with 2 MiB of options (the window grows for it), between frames of every
 * size up to 65 KB; fmemopen (not mappable) and a memfd (mapped) agree.
 */
static void test_window(void **st)
{
	struct buf b = {0};
	uint8_t *big = calloc(1, 3 << 20), frame[65536];
	sw_time_t ts1[512], ts2[512];
	uint64_t h1, h2;
	int e1, e2;
	size_t n1, n2;
	FILE *fp;

	(void)st;
	assert_non_null(big);
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7);
	shb(&b);
	idb(&b, 1, 0, 9, 0);
	for (uint32_t i = 0; i < 400; i++) {
		epb(&b, 0, 1700000000000000000ull + i, frame, (i * 997) % sizeof(frame));
		if (i == 100)
			block(&b, 0x12345678, big, 3 << 20);
		if (i == 200) {
			/* a second section whose header carries 2 MiB of comments */
			uint32_t hdr[4] = {0x1A2B3C4D, 1, 0xffffffff, 0xffffffff};
			struct buf body = {0};
			put(&body, hdr, sizeof(hdr));
			for (int k = 0; k < 32; k++) {
				uint16_t o[2] = {1, 65532};
				put(&body, o, 4);
				put(&body, big, 65532);
			}
			put32(&body, 0);
			block(&b, 0x0A0D0D0A, body.b, body.n);
			free(body.b);
			idb(&b, 1, 0, 9, 0);
		}
	}
	n1 = read_frames(memfd_of(&b), ts1, 512, &h1, &e1);
	fp = fmemopen(b.b, b.n, "rb");
	assert_non_null(fp);
	n2 = read_frames(fp, ts2, 512, &h2, &e2);
	assert_int_equal(n1, 400);
	assert_int_equal(n2, 400);
	assert_int_equal(e1, 0);
	assert_int_equal(e2, 0);
	assert_true(h1 == h2);
	assert_memory_equal(ts1, ts2, sizeof(sw_time_t) * 400);
	free(big);
	free(b.b);
}

/* A classic pcap file of frames stamped (in s) as given; the path is written into path. */
static void pcap_file(char *path, size_t plen, const char *tag, const int *secs, size_t n)
{
	FILE *f;
	uint32_t hdr[6] = {0xa1b2c3d4, 2 | 4u << 16, 0, 0, 65535, 1};
	uint8_t frame[60] = {0};

	snprintf(path, plen, "/tmp/test_capture.%d.%s.pcap", (int)getpid(), tag);
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(hdr, sizeof(hdr), 1, f);
	for (size_t i = 0; i < n; i++) {
		uint32_t rec[4] = {(uint32_t)secs[i], 0, sizeof(frame), sizeof(frame)};
		frame[0] = (uint8_t)tag[0]; /* which file */
		frame[1] = (uint8_t)i;      /* which packet of it */
		fwrite(rec, sizeof(rec), 1, f);
		fwrite(frame, sizeof(frame), 1, f);
	}
	assert_int_equal(fclose(f), 0);
}

static void test_merge(void **st)
{
	/* b's clock steps back at its third packet; a and b tie at 10 and 30 */
	static const int sa[] = {10, 20, 30, 40}, sb[] = {10, 30, 25, 50};
	static const char want[][2] = {{'a', 0}, {'b', 0}, {'a', 1}, {'a', 2}, {'b', 1},
				       {'b', 2}, {'a', 3}, {'b', 3}};
	char pa[96], pb[96], err[512];
	const char *paths[2] = {pa, pb};
	struct sw_capture *c;
	struct sw_frame f;
	size_t n = 0;

	(void)st;
	pcap_file(pa, sizeof(pa), "a", sa, 4);
	pcap_file(pb, sizeof(pb), "b", sb, 4);
	assert_int_equal(sw_capture_open_list(&c, paths, 2, "", err, sizeof(err)), 0);
	while (sw_capture_next_frame(c, &f, err, sizeof(err)) == 1) {
		assert_true(n < 8);
		assert_int_equal(f.data[0], want[n][0]);
		assert_int_equal(f.data[1], want[n][1]);
		assert_int_equal(f.file, f.data[0] == 'a' ? 0 : 1);
		assert_null(f.ifname);
		n++;
	}
	assert_int_equal(n, 8);
	assert_int_equal(sw_capture_nfiles(c), 2);
	assert_int_equal(sw_capture_file(c, 0)->backwards, 0);
	assert_int_equal(sw_capture_file(c, 1)->backwards, 1);
	assert_int_equal(sw_capture_file(c, 1)->packets, 4);
	assert_true(sw_capture_stable(c));
	sw_capture_close(c);
	unlink(pa);
	unlink(pb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamps),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
