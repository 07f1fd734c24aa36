/*
 * src.h - the bytes of one capture file, as a window the readers walk in
 * place: a regular uncompressed file is mapped whole (every byte stays
 * addressable until close); a compressed file (gzip, zstd, xz, told by its
 * magic bytes) or a pipe is decompressed/read into a buffer that slides
 * forward, so bytes before the current record may go away.
 */
#ifndef SW_IO_SRC_H
#define SW_IO_SRC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum sw_src_kind { SW_SRC_MAP, SW_SRC_PLAIN, SW_SRC_GZIP, SW_SRC_ZSTD, SW_SRC_XZ };

struct sw_src_stream; /* decompressor state (src.c) */

struct sw_src {
	const uint8_t *buf; /* bytes [pos0, pos0 + len) of the (decompressed) file */
	uint64_t pos0;
	size_t len;
	int eof;            /* nothing follows buf[len) */
	enum sw_src_kind kind;
	uint64_t size;      /* of the file on disk, 0 if unknown (progress) */
	size_t ahead;       /* MAP: populated below this offset */
	struct sw_src_stream *st;
	int err;            /* errno or a decompressor error: see sw_src_error() */
	char errmsg[128];
};

/*
 * Open fp (closed here or with the source): map it if it is a regular
 * uncompressed file, else stream it through its decompressor.  0 or -errno
 * with a message (no name: the caller adds it).
 */
int sw_src_open(struct sw_src *s, FILE *fp, char *err, size_t errlen);
void sw_src_close(struct sw_src *s);

/* sw_src_need()'s slow path. */
size_t sw_src_fill(struct sw_src *s, uint64_t off, size_t n);

/*
 * Make bytes [off, off + n) addressable at sw_src_at(s, off): returns how
 * many of them there are (n, or fewer at the end of the file or on a read
 * error).  off never goes back before the last call's off for a stream:
 * the bytes before it may be dropped.
 */
static inline size_t sw_src_need(struct sw_src *s, uint64_t off, size_t n)
{
	if (off >= s->pos0 && off - s->pos0 <= s->len && s->len - (off - s->pos0) >= n)
		return n;
	return sw_src_fill(s, off, n);
}

static inline const uint8_t *sw_src_at(const struct sw_src *s, uint64_t off)
{
	return s->buf + (off - s->pos0);
}

/* A mapping is populated this far ahead of the reader, this much at a time (src.c). */
#define SW_SRC_AHEAD_STEP ((size_t)8 << 20)

/* sw_src_ahead()'s work: populate the next steps of the mapping. */
void sw_src_populate(struct sw_src *s, uint64_t off);

/* Populate a mapping ahead of off (a no-op for streams); inline: called per record. */
static inline void sw_src_ahead(struct sw_src *s, uint64_t off)
{
	if (s->kind == SW_SRC_MAP && s->ahead < s->len && s->ahead < off + SW_SRC_AHEAD_STEP)
		sw_src_populate(s, off);
}

/* The decompressor's or the read's error after a short sw_src_need(), or NULL. */
const char *sw_src_error(const struct sw_src *s);

/* "gzip", "zstd", "xz" or NULL for an uncompressed file. */
const char *sw_src_compression(const struct sw_src *s);

/* Bytes of the file on disk consumed with the reader at off (compressed bytes for a stream). */
uint64_t sw_src_consumed(const struct sw_src *s, uint64_t off);

#endif
