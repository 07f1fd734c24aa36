/*
 * reader.c - one capture file: open its bytes, tell classic pcap from
 * pcapng by the first four bytes, and walk classic pcap records in place
 * (pcapng blocks: pcapng.c).  See reader.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/reader.h"
#include "util/prefetch.h"

#define PCAP_PREFETCH 2048 /* bytes: about 32 records of 64-byte frames */

static uint32_t rd32(const struct sw_rd *r, const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return r->swapped ? __builtin_bswap32(v) : v;
}

/* The 24-byte classic pcap file header; 1 if it is one, 0 if not. */
static int pcap_header(struct sw_rd *r, const uint8_t *h)
{
	uint32_t magic;

	memcpy(&magic, h, 4);
	switch (magic) {
	case 0xa1b2c3d4: r->frac_ns = 1000; r->swapped = 0; break;
	case 0xa1b23c4d: r->frac_ns = 1; r->swapped = 0; break;
	case 0xd4c3b2a1: r->frac_ns = 1000; r->swapped = 1; break;
	case 0x4d3cb2a1: r->frac_ns = 1; r->swapped = 1; break;
	default: return 0;
	}
	r->snaplen = (int)rd32(r, h + 16);
	r->link = (int)(rd32(r, h + 20) & 0x03ffffff);
	r->off = 24;
	return 1;
}

int sw_rd_open(struct sw_rd *r, FILE *fp, const char *name, struct sw_names *names, char *err,
	       size_t errlen)
{
	char e2[160];
	size_t have;
	const uint8_t *h;
	const char *z;
	int rc;

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->names = names;
	rc = sw_src_open(&r->src, fp, e2, sizeof(e2));
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", name, rc == -ENOMEM ? strerror(ENOMEM) : e2);
		return rc;
	}
	have = sw_src_need(&r->src, 0, 24);
	h = sw_src_at(&r->src, 0);
	z = sw_src_compression(&r->src);
	if (have >= 4 && memcmp(h, "\x0a\x0d\x0d\x0a", 4) == 0) {
		r->fmt = SW_FMT_PCAPNG;
		if (sw_ng_open(r, err, errlen) == 0)
			return 0;
	} else if (have >= 24 && pcap_header(r, h)) {
		r->fmt = SW_FMT_PCAP;
		return 0;
	} else if (sw_src_error(&r->src)) {
		snprintf(err, errlen, "%s: %s", name, sw_src_error(&r->src));
	} else if (have == 0) {
		snprintf(err, errlen, "%s: not a readable pcap or pcapng file: empty%s%s", name,
			 z ? " after " : "", z ? z : "");
	} else {
		snprintf(err, errlen, "%s: not a readable pcap or pcapng file: %s%s%s", name,
			 have < 24 ? "shorter than a file header" : "unknown format", z ? " after " : "",
			 z ? z : "");
	}
	sw_rd_close(r);
	return -EINVAL;
}

static int trunc_msg(struct sw_rd *r, char *err, size_t errlen, int n)
{
	const char *why = sw_src_error(&r->src);
	size_t l = (size_t)(n < 0 ? 0 : n) < errlen ? (size_t)(n < 0 ? 0 : n) : errlen - 1;

	if (why)
		snprintf(err + l, errlen - l, " (%s)", why);
	return -1;
}

/* A record header that is not there whole: 0 at the end of the file, else -1. */
static int short_header(struct sw_rd *r, size_t have, char *err, size_t errlen)
{
	if (have == 0 && !sw_src_error(&r->src))
		return 0;
	return trunc_msg(r, err, errlen,
			 snprintf(err, errlen, "%s: after packet %llu: truncated record header "
				  "(%zu of 16 bytes)", r->name, (unsigned long long)r->count, have));
}

/* The next classic pcap record. */
static int pcap_next(struct sw_rd *r, struct sw_frame *f, char *err, size_t errlen)
{
	size_t have;
	const uint8_t *h;
	uint32_t v[4]; /* seconds, fraction, captured and wire length */

	have = sw_src_need(&r->src, r->off, 16);
	if (have < 16)
		return short_header(r, have, err, errlen);
	h = sw_src_at(&r->src, r->off);
	/*
	 * The file is walked once, sequentially, from the page cache: ask for the
	 * records a batch ahead so their headers are in cache by the time we read
	 * them (the hardware prefetcher stops at page ends).
	 */
	sw_prefetch(h + PCAP_PREFETCH);
	memcpy(v, h, sizeof(v));
	if (r->swapped)
		for (int i = 0; i < 4; i++)
			v[i] = __builtin_bswap32(v[i]);
	if (v[2] > SW_MAX_CAPLEN) {
		snprintf(err, errlen, "%s: after packet %llu: corrupt record: captured length %u is "
			 "larger than any capture allows (%u)", r->name, (unsigned long long)r->count,
			 v[2], SW_MAX_CAPLEN);
		return -1;
	}
	have = sw_src_need(&r->src, r->off + 16, v[2]);
	if (have < v[2])
		return trunc_msg(r, err, errlen,
				 snprintf(err, errlen, "%s: after packet %llu: truncated packet (%zu of "
					  "%u bytes)", r->name, (unsigned long long)r->count,
					  have, v[2]));
	/* a mapped file needs no range check: sec < 2^32 and frac < 2^32 always fit */
	f->ts = (sw_time_t)v[0] * SW_NS_PER_SEC + (sw_time_t)v[1] * r->frac_ns;
	f->data = sw_src_at(&r->src, r->off + 16); /* a stream's window may have moved */
	f->caplen = v[2];
	f->wirelen = v[3];
	f->link = r->link;
	f->ifindex = 0;
	f->ifname = NULL;
	r->off += 16 + v[2];
	return 1;
}

int sw_rd_next(struct sw_rd *r, struct sw_frame *f, unsigned max, unsigned *n, char *err,
	       size_t errlen)
{
	unsigned i = 0;
	int rc = 1;

	if (r->src.kind != SW_SRC_MAP)
		max = max ? 1 : 0; /* a stream's window slides on: each frame until the next read */
	if (r->fmt == SW_FMT_PCAP) {
		/* per call: a batch moves on by far less than the 8 MB populated ahead */
		sw_src_ahead(&r->src, r->off);
		while (i < max && (rc = pcap_next(r, &f[i], err, errlen)) == 1) {
			r->count++;
			i++;
		}
	} else {
		while (i < max && (rc = sw_ng_next(r, &f[i], err, errlen)) == 1) {
			r->count++;
			r->last_ts = f[i].ts;
			i++;
		}
	}
	*n = i;
	return rc;
}

const char *sw_names_get(struct sw_names *nm, const char *s)
{
	char *d;

	for (size_t i = 0; i < nm->n; i++)
		if (strcmp(nm->v[i], s) == 0)
			return nm->v[i];
	if (nm->n == nm->cap) {
		size_t c = nm->cap ? nm->cap * 2 : 8;
		void *p = realloc(nm->v, c * sizeof(*nm->v));
		if (!p)
			return NULL;
		nm->v = p;
		nm->cap = c;
	}
	if (!(d = strdup(s)))
		return NULL;
	nm->v[nm->n++] = d;
	return d;
}

void sw_names_free(struct sw_names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	memset(nm, 0, sizeof(*nm));
}

void sw_rd_close(struct sw_rd *r)
{
	sw_src_close(&r->src);
	free(r->ifs);
	r->ifs = NULL;
	r->nifs = r->capifs = 0;
}
