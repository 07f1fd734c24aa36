/*
 * src.c - the bytes of one capture file: a mapping, or a sliding buffer fed
 * by read or by zlib, libzstd or liblzma.  See src.h.
 *
 * What a stream costs over a mapping: the decompressor writes every byte
 * once into the window (a mapped file is read in place), the window keeps at
 * most the record the reader is in when it slides (a memmove of less than
 * one record per refill), and since a frame is gone once the window slides
 * past it, a caller that holds several frames (replay's batch of 32) copies
 * each one once more.  A compressed regular file is mapped and decompressed
 * straight from the mapping; only a pipe is read into an input buffer.
 */
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include "io/src.h"

#define IN_CAP ((size_t)256 << 10)
#define WIN_MIN ((size_t)1 << 20)

struct sw_src_stream {
	FILE *fp;               /* input when not mapped */
	const uint8_t *in;      /* input bytes [in_pos, in_len) */
	size_t in_pos, in_len;
	uint8_t *inbuf;         /* fread buffer, when not mapped */
	void *inmap;            /* the compressed file, mapped */
	size_t inmap_len;
	int in_eof;
	uint64_t consumed;      /* input bytes handed to the decompressor */
	uint8_t *win;           /* the window: s->buf */
	size_t cap;
	int ended;              /* the decompressor saw the end of its (last) stream */
	z_stream z;
	ZSTD_DStream *zs;
	int zframe;             /* zstd: inside a frame */
	lzma_stream xz;
};

static const struct {
	enum sw_src_kind kind;
	uint8_t magic[6];
	size_t len;
} magics[] = {
	{SW_SRC_GZIP, {0x1f, 0x8b}, 2},
	{SW_SRC_ZSTD, {0x28, 0xb5, 0x2f, 0xfd}, 4},
	{SW_SRC_XZ, {0xfd, '7', 'z', 'X', 'Z', 0x00}, 6},
};

static enum sw_src_kind sniff(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (n >= magics[i].len && memcmp(b, magics[i].magic, magics[i].len) == 0)
			return magics[i].kind;
	return SW_SRC_PLAIN;
}

static void set_err(struct sw_src *s, const char *what)
{
	if (!s->err) {
		s->err = EIO;
		snprintf(s->errmsg, sizeof(s->errmsg), "%s", what);
	}
}

/* More input for the decompressor; 0 at its end (or on a read error, noted). */
static int more_input(struct sw_src *s)
{
	struct sw_src_stream *st = s->st;
	size_t got;

	if (st->in_pos < st->in_len)
		return 1;
	if (st->in_eof)
		return 0;
	if (st->inmap) {
		st->in_eof = 1;
		return 0;
	}
	got = fread(st->inbuf, 1, IN_CAP, st->fp);
	if (got == 0) {
		st->in_eof = 1;
		if (ferror(st->fp))
			set_err(s, strerror(errno ? errno : EIO));
		return 0;
	}
	st->in = st->inbuf;
	st->in_pos = 0;
	st->in_len = got;
	return 1;
}

static int setup_codec(struct sw_src *s)
{
	struct sw_src_stream *st = s->st;

	switch (s->kind) {
	case SW_SRC_GZIP:
		return inflateInit2(&st->z, 15 + 16) == Z_OK ? 0 : -ENOMEM;
	case SW_SRC_ZSTD:
		st->zs = ZSTD_createDStream();
		return st->zs && !ZSTD_isError(ZSTD_initDStream(st->zs)) ? 0 : -ENOMEM;
	case SW_SRC_XZ:
		st->xz = (lzma_stream)LZMA_STREAM_INIT;
		return lzma_stream_decoder(&st->xz, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK ? 0
											    : -ENOMEM;
	default:
		return 0;
	}
}

/*
 * Decompress (or copy) into dst; bytes produced, 0 at the end.  A stream that
 * ends early (truncated .gz/.zst/.xz) or is corrupt ends with s->err set.
 */
static size_t produce(struct sw_src *s, uint8_t *dst, size_t room)
{
	struct sw_src_stream *st = s->st;

	while (!st->ended) {
		size_t used, made = 0;
		int have = more_input(s);

		if (s->err)
			return 0;
		if (s->kind == SW_SRC_PLAIN) {
			if (!have)
				break;
			made = st->in_len - st->in_pos < room ? st->in_len - st->in_pos : room;
			memcpy(dst, st->in + st->in_pos, made);
			used = made;
		} else if (s->kind == SW_SRC_GZIP) {
			int zr;
			/* with the input gone, inflate may still hold output */
			st->z.next_in = have ? (Bytef *)(uintptr_t)(st->in + st->in_pos) : Z_NULL;
			st->z.avail_in = have ? (uInt)(st->in_len - st->in_pos) : 0;
			st->z.next_out = dst;
			st->z.avail_out = (uInt)(room > (1u << 30) ? 1u << 30 : room);
			zr = inflate(&st->z, Z_NO_FLUSH);
			used = have ? (size_t)(st->z.next_in - (st->in + st->in_pos)) : 0;
			made = (size_t)(st->z.next_out - dst);
			if (zr == Z_STREAM_END) {
				/* several gzip members follow one another (cat a.gz b.gz) */
				st->in_pos += used;
				st->consumed += used;
				used = 0;
				if (!more_input(s))
					st->ended = 1;
				else
					inflateReset(&st->z);
			} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
				set_err(s, st->z.msg ? st->z.msg : "corrupt gzip stream");
				return made;
			} else if (!have && !made) {
				set_err(s, "truncated gzip stream");
				return 0;
			}
		} else if (s->kind == SW_SRC_ZSTD) {
			ZSTD_inBuffer zi = {st->in + st->in_pos, have ? st->in_len - st->in_pos : 0, 0};
			ZSTD_outBuffer zo = {dst, room, 0};
			size_t zr = ZSTD_decompressStream(st->zs, &zo, &zi);

			if (ZSTD_isError(zr)) {
				set_err(s, ZSTD_getErrorName(zr));
				return 0;
			}
			used = zi.pos;
			made = zo.pos;
			if (!have && !made) {
				/* the input ended inside a frame: cut off */
				if (st->zframe)
					set_err(s, "truncated zstd stream");
				st->ended = 1;
				return 0;
			}
			if (have)
				st->zframe = zr != 0; /* 0: a frame ended with this input */
		} else {
			lzma_ret lr;
			st->xz.next_in = st->in + st->in_pos;
			st->xz.avail_in = st->in_len - st->in_pos;
			st->xz.next_out = dst;
			st->xz.avail_out = room;
			lr = lzma_code(&st->xz, have ? LZMA_RUN : LZMA_FINISH);
			used = (size_t)(st->xz.next_in - (st->in + st->in_pos));
			made = (size_t)(st->xz.next_out - dst);
			if (lr == LZMA_STREAM_END)
				st->ended = 1;
			else if (lr == LZMA_BUF_ERROR && !have) {
				set_err(s, "truncated xz stream");
				return made;
			} else if (lr != LZMA_OK && lr != LZMA_BUF_ERROR) {
				set_err(s, lr == LZMA_FORMAT_ERROR ? "not an xz stream" : "corrupt xz stream");
				return made;
			}
		}
		st->in_pos += used;
		st->consumed += used;
		if (made)
			return made;
	}
	return 0;
}

size_t sw_src_fill(struct sw_src *s, uint64_t off, size_t n)
{
	struct sw_src_stream *st = s->st;
	size_t keep;

	if (s->kind == SW_SRC_MAP) {
		if (off > s->len)
			return 0;
		return s->len - off < n ? s->len - off : n;
	}
	if (off < s->pos0)
		return 0;
	/* slide: drop what lies before off, skipping forward through the stream if need be */
	while (off >= s->pos0 + s->len) {
		size_t got;

		s->pos0 += s->len;
		s->len = 0;
		if (off == s->pos0)
			break;
		if (s->eof)
			return 0;
		got = produce(s, st->win, off - s->pos0 < st->cap ? (size_t)(off - s->pos0) : st->cap);
		if (!got) {
			s->eof = 1;
			return 0;
		}
		s->len = got;
	}
	keep = (size_t)(s->pos0 + s->len - off);
	if (off > s->pos0)
		memmove(st->win, st->win + (off - s->pos0), keep);
	s->pos0 = off;
	s->len = keep;
	if (n > st->cap) {
		size_t c = st->cap;
		uint8_t *w;
		while (c < n)
			c *= 2;
		w = realloc(st->win, c);
		if (!w) {
			set_err(s, "out of memory");
			return 0;
		}
		st->win = w;
		st->cap = c;
	}
	while (s->len < n && !s->eof) {
		size_t got = produce(s, st->win + s->len, st->cap - s->len);
		if (!got)
			s->eof = 1;
		s->len += got;
	}
	s->buf = st->win;
	return s->len < n ? s->len : n;
}

int sw_src_open(struct sw_src *s, FILE *fp, char *err, size_t errlen)
{
	struct stat stb;
	struct sw_src_stream *st;
	uint8_t *m = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	if (fileno(fp) >= 0 && fstat(fileno(fp), &stb) == 0 && S_ISREG(stb.st_mode)) {
		s->size = (uint64_t)stb.st_size;
		if (stb.st_size == 0) {
			fclose(fp);
			s->kind = SW_SRC_MAP;
			s->buf = (const uint8_t *)"";
			s->eof = 1;
			return 0;
		}
		m = mmap(NULL, (size_t)stb.st_size, PROT_READ, MAP_PRIVATE, fileno(fp), 0);
		if (m == MAP_FAILED)
			m = NULL;
	}
	if (m && sniff(m, (size_t)stb.st_size) == SW_SRC_PLAIN) {
		fclose(fp); /* the mapping stays valid */
		(void)madvise(m, (size_t)stb.st_size, MADV_SEQUENTIAL);
		s->kind = SW_SRC_MAP;
		s->buf = m;
		s->len = (size_t)stb.st_size;
		s->eof = 1;
		return 0;
	}
	st = calloc(1, sizeof(*st));
	if (!st || !(st->win = malloc(WIN_MIN))) {
		free(st);
		if (m)
			munmap(m, (size_t)stb.st_size);
		fclose(fp);
		return -ENOMEM;
	}
	s->st = st;
	st->cap = WIN_MIN;
	s->buf = st->win;
	if (m) {
		fclose(fp);
		(void)madvise(m, (size_t)stb.st_size, MADV_SEQUENTIAL);
		st->inmap = m;
		st->inmap_len = (size_t)stb.st_size;
		st->in = m;
		st->in_len = st->inmap_len;
	} else {
		st->fp = fp;
		if (!(st->inbuf = malloc(IN_CAP))) {
			sw_src_close(s);
			return -ENOMEM;
		}
		st->in = st->inbuf;
		(void)more_input(s);
		if (s->err) {
			snprintf(err, errlen, "%s", s->errmsg);
			sw_src_close(s);
			return -EIO;
		}
	}
	s->kind = sniff(st->in, st->in_len);
	rc = setup_codec(s);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the %s decompressor", sw_src_compression(s));
		sw_src_close(s);
	}
	return rc;
}

void sw_src_populate(struct sw_src *s, uint64_t off)
{
	/*
	 * Populate the mapping 8-16 MB ahead of the reader, 8 MB per madvise: one
	 * call maps the pages far more cheaply than the page faults it replaces
	 * (one per 16 pages, with fault-around), which were a fifth of a replay's
	 * time.  Best effort: an old kernel just faults as before.
	 */
	const size_t step = SW_SRC_AHEAD_STEP;
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ MADV_WILLNEED
#endif
	if (s->kind != SW_SRC_MAP)
		return;
	while (s->ahead < s->len && s->ahead < off + step) {
		size_t len = s->len - s->ahead < step ? s->len - s->ahead : step;

		(void)madvise((void *)(uintptr_t)(s->buf + s->ahead), len, MADV_POPULATE_READ);
		s->ahead += len;
	}
}

const char *sw_src_error(const struct sw_src *s)
{
	return s->err ? s->errmsg : NULL;
}

const char *sw_src_compression(const struct sw_src *s)
{
	switch (s->kind) {
	case SW_SRC_GZIP: return "gzip";
	case SW_SRC_ZSTD: return "zstd";
	case SW_SRC_XZ: return "xz";
	default: return NULL;
	}
}

uint64_t sw_src_consumed(const struct sw_src *s, uint64_t off)
{
	return s->kind == SW_SRC_MAP || s->kind == SW_SRC_PLAIN ? off : s->st->consumed;
}

void sw_src_close(struct sw_src *s)
{
	struct sw_src_stream *st = s->st;

	if (s->kind == SW_SRC_MAP && s->len)
		munmap((void *)(uintptr_t)s->buf, s->len);
	if (st) {
		if (s->kind == SW_SRC_GZIP)
			inflateEnd(&st->z);
		else if (s->kind == SW_SRC_ZSTD)
			ZSTD_freeDStream(st->zs);
		else if (s->kind == SW_SRC_XZ)
			lzma_end(&st->xz);
		if (st->inmap)
			munmap(st->inmap, st->inmap_len);
		if (st->fp)
			fclose(st->fp);
		free(st->inbuf);
		free(st->win);
		free(st);
	}
	memset(s, 0, sizeof(*s));
}
