/*
 * capture.c - capture files through libpcap.  See capture.h.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/capture.h"
#include "util/prefetch.h"

/*
 * Two readers behind one interface: classic pcap files are mapped and walked
 * in place (no copy, and every packet stays addressable until close, so the
 * engine can take a whole batch at once); pcapng, pipes and anything else go
 * through libpcap.  Both use libpcap's BPF compiler and filter.
 */
struct sw_capture {
	pcap_t *p; /* libpcap reader, or a dead handle for the filter in mmap mode */
	FILE *fp;
	int precision_ns;
	uint64_t count;
	uint64_t size;
	struct bpf_program prog;
	int has_prog;
	/* mmap reader */
	const uint8_t *map;
	size_t map_len, off;
	size_t ahead; /* the mapping is populated below this offset */
	int swapped, link, snaplen;
	char name[256];
};

#define PCAP_MAX_CAPLEN 262144u

static uint32_t rd32(const struct sw_capture *c, const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return c->swapped ? __builtin_bswap32(v) : v;
}

/* Map a classic pcap file; 1 if mapped, 0 if it is not one (use libpcap). */
static int try_map(struct sw_capture *c, FILE *fp)
{
	struct stat stb;
	uint8_t *m;
	uint32_t magic;

	if (fstat(fileno(fp), &stb) < 0 || !S_ISREG(stb.st_mode) || stb.st_size < 24)
		return 0;
	m = mmap(NULL, (size_t)stb.st_size, PROT_READ, MAP_PRIVATE, fileno(fp), 0);
	if (m == MAP_FAILED)
		return 0;
	memcpy(&magic, m, 4);
	switch (magic) {
	case 0xa1b2c3d4: c->precision_ns = 0; c->swapped = 0; break;
	case 0xa1b23c4d: c->precision_ns = 1; c->swapped = 0; break;
	case 0xd4c3b2a1: c->precision_ns = 0; c->swapped = 1; break;
	case 0x4d3cb2a1: c->precision_ns = 1; c->swapped = 1; break;
	default:
		munmap(m, (size_t)stb.st_size);
		return 0;
	}
	(void)madvise(m, (size_t)stb.st_size, MADV_SEQUENTIAL);
	c->map = m;
	c->map_len = (size_t)stb.st_size;
	c->off = 24;
	c->snaplen = (int)rd32(c, m + 16);
	c->link = (int)(rd32(c, m + 20) & 0x03ffffff);
	c->size = c->map_len;
	return 1;
}

struct sw_dumper {
	pcap_t *p;
	pcap_dumper_t *d;
	int err; /* -errno of the first write that failed */
};

static int finish_open(struct sw_capture *c, const char *filter, char *err, size_t errlen)
{
	if (filter && *filter) {
		if (pcap_compile(c->p, &c->prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			/* libpcap's reason last and whole: a long filter is shortened, not it */
			size_t n = strlen(filter);
			if (n > 80)
				snprintf(err, errlen, "filter '%.60s ... %.12s' (%zu bytes): %s", filter,
					 filter + n - 12, n, pcap_geterr(c->p));
			else
				snprintf(err, errlen, "filter '%s': %s", filter, pcap_geterr(c->p));
			return -EINVAL;
		}
		c->has_prog = 1;
	}
	if (!c->map)
		c->precision_ns = pcap_get_tstamp_precision(c->p) == PCAP_TSTAMP_PRECISION_NANO;
	return 0;
}

int sw_capture_open_fp(struct sw_capture **out, FILE *fp, const char *name, const char *filter,
		       char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct sw_capture *c = calloc(1, sizeof(*c));
	struct stat stb;
	int rc;

	*out = NULL;
	if (!c) {
		fclose(fp);
		return -ENOMEM;
	}
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (try_map(c, fp)) {
		fclose(fp); /* the mapping stays valid */
		c->p = pcap_open_dead(c->link, c->snaplen > 0 ? c->snaplen : (int)PCAP_MAX_CAPLEN);
		if (!c->p) {
			sw_capture_close(c);
			return -ENOMEM;
		}
	} else {
		if (fstat(fileno(fp), &stb) == 0 && S_ISREG(stb.st_mode))
			c->size = (uint64_t)stb.st_size;
		c->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, perr);
		if (!c->p) {
			snprintf(err, errlen, "%s: not a readable pcap or pcapng file: %s", name,
				 *perr ? perr : "unknown format");
			fclose(fp);
			free(c);
			return -EINVAL;
		}
		c->fp = fp;
	}
	rc = finish_open(c, filter, err, errlen);
	if (rc < 0) {
		sw_capture_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int sw_capture_open(struct sw_capture **out, const char *path, const char *filter, char *err,
		    size_t errlen)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");

	*out = NULL;
	if (!fp) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	return sw_capture_open_fp(out, fp, path, filter, err, errlen);
}

/*
 * Populate the mapping 8-16 MB ahead of the reader, 8 MB per madvise: one
 * call maps the pages far more cheaply than the page faults it replaces
 * (one per 16 pages, with fault-around), which were a fifth of a replay's
 * time.  Best effort: an old kernel just faults as before.
 */
#define MAP_AHEAD ((size_t)8 << 20)
#define MAP_PREFETCH 2048 /* bytes: about 32 records of 64-byte frames */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ MADV_WILLNEED
#endif

static void map_ahead(struct sw_capture *c)
{
	while (c->ahead < c->map_len && c->ahead < c->off + MAP_AHEAD) {
		size_t len = c->map_len - c->ahead < MAP_AHEAD ? c->map_len - c->ahead : MAP_AHEAD;

		(void)madvise((void *)(uintptr_t)(c->map + c->ahead), len, MADV_POPULATE_READ);
		c->ahead += len;
	}
}

/* The mmap reader's next record. */
static int map_next(struct sw_capture *c, const uint8_t **data, uint32_t *caplen,
		    uint32_t *wirelen, sw_time_t *ts, char *err, size_t errlen)
{
	for (;;) {
		const uint8_t *h = c->map + c->off;
		uint32_t cap;
		struct pcap_pkthdr ph;

		if (c->off == c->map_len)
			return 0;
		if (c->off + MAP_AHEAD > c->ahead)
			map_ahead(c);
		if (c->map_len - c->off < 16) {
			snprintf(err, errlen, "%s: after packet %llu: truncated record header (%zu of 16 bytes)",
				 c->name, (unsigned long long)c->count, c->map_len - c->off);
			return -1;
		}
		/*
		 * The file is walked once, sequentially, from the page cache: ask
		 * for the records a batch ahead so their headers are in cache by the
		 * time we read them (the hardware prefetcher stops at page ends).
		 */
		sw_prefetch(h + MAP_PREFETCH);
		cap = rd32(c, h + 8);
		if (cap > PCAP_MAX_CAPLEN) {
			snprintf(err, errlen, "%s: after packet %llu: corrupt record: captured length %u "
				 "is larger than any capture allows (%u)", c->name,
				 (unsigned long long)c->count, cap, PCAP_MAX_CAPLEN);
			return -1;
		}
		if (c->map_len - c->off - 16 < cap) {
			snprintf(err, errlen, "%s: after packet %llu: truncated packet (%zu of %u bytes)",
				 c->name, (unsigned long long)c->count, c->map_len - c->off - 16, cap);
			return -1;
		}
		c->off += 16 + cap;
		c->count++;
		*data = h + 16;
		*caplen = cap;
		*wirelen = rd32(c, h + 12);
		*ts = (sw_time_t)rd32(c, h) * SW_NS_PER_SEC +
		      (sw_time_t)rd32(c, h + 4) * (c->precision_ns ? 1 : 1000);
		if (!c->has_prog)
			return 1;
		ph.caplen = cap;
		ph.len = *wirelen;
		if (pcap_offline_filter(&c->prog, &ph, *data))
			return 1;
	}
}

/* Seconds and fraction (ns or us) as engine time; -1 if out of its range (or before 1970). */
static int stamp_ns(int64_t sec, int64_t frac, int ns, sw_time_t *out)
{
	int64_t t;

	if (sec < 0 || frac < 0 || __builtin_mul_overflow(sec, SW_NS_PER_SEC, &t) ||
	    __builtin_mul_overflow(frac, ns ? 1 : 1000, &frac) || __builtin_add_overflow(t, frac, &t))
		return -1;
	*out = t;
	return 0;
}

int sw_capture_next(struct sw_capture *c, const uint8_t **data, uint32_t *caplen,
		    uint32_t *wirelen, sw_time_t *ts, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *d;

	if (c->map)
		return map_next(c, data, caplen, wirelen, ts, err, errlen);
	for (;;) {
		int rc = pcap_next_ex(c->p, &h, &d);
		if (rc == PCAP_ERROR_BREAK)
			return 0;
		if (rc != 1) {
			snprintf(err, errlen, "%s: after packet %llu: %s", c->name,
				 (unsigned long long)c->count,
				 rc == PCAP_ERROR ? pcap_geterr(c->p) : "read error");
			return -1;
		}
		c->count++;
		if (c->has_prog && !pcap_offline_filter(&c->prog, h, d))
			continue;
		/*
		 * With nanosecond precision requested, tv_usec holds nanoseconds.
		 * pcapng stamps are 64-bit units plus a signed 64-bit if_tsoffset:
		 * anything outside 1970..2262 does not fit engine time.
		 */
		if (stamp_ns(h->ts.tv_sec, h->ts.tv_usec, c->precision_ns, ts) < 0) {
			snprintf(err, errlen, "%s: packet %llu: timestamp %lld.%09ld s is outside what "
				 "statewall can represent (1970-01-01 to 2262-04-11)", c->name,
				 (unsigned long long)c->count, (long long)h->ts.tv_sec,
				 (long)h->ts.tv_usec);
			return -1;
		}
		*data = d;
		*caplen = h->caplen;
		*wirelen = h->len;
		return 1;
	}
}

int sw_capture_stable(const struct sw_capture *c)
{
	return c->map != NULL;
}

int sw_capture_linktype(const struct sw_capture *c)
{
	return c->map ? c->link : pcap_datalink(c->p);
}

int sw_capture_snaplen(const struct sw_capture *c)
{
	return c->map ? c->snaplen : pcap_snapshot(c->p);
}

uint64_t sw_capture_count(const struct sw_capture *c)
{
	return c->count;
}

void sw_capture_progress(const struct sw_capture *c, uint64_t *done, uint64_t *total)
{
	long pos = c->map ? (long)c->off : c->fp ? ftell(c->fp) : -1;

	*done = pos > 0 ? (uint64_t)pos : 0;
	*total = c->size;
}

void sw_capture_close(struct sw_capture *c)
{
	if (!c)
		return;
	if (c->has_prog)
		pcap_freecode(&c->prog);
	if (c->p)
		pcap_close(c->p); /* closes c->fp too, in libpcap mode */
	if (c->map)
		munmap((void *)c->map, c->map_len);
	free(c);
}

int sw_dumper_open(struct sw_dumper **out, const char *path, int linktype, int snaplen, char *err,
		   size_t errlen)
{
	struct sw_dumper *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->p = pcap_open_dead_with_tstamp_precision(linktype, snaplen > 0 ? snaplen : 262144,
						    PCAP_TSTAMP_PRECISION_NANO);
	if (!d->p) {
		free(d);
		return -ENOMEM;
	}
	d->d = pcap_dump_open(d->p, path);
	if (!d->d) {
		snprintf(err, errlen, "%s: %s", path, pcap_geterr(d->p));
		pcap_close(d->p);
		free(d);
		return -EIO;
	}
	*out = d;
	return 0;
}

void sw_dumper_write(struct sw_dumper *d, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
		     sw_time_t ts)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(ts / SW_NS_PER_SEC);
	h.ts.tv_usec = (suseconds_t)(ts % SW_NS_PER_SEC); /* ns: the dumper is nano precision */
	h.caplen = caplen;
	h.len = wirelen;
	errno = 0;
	pcap_dump((u_char *)d->d, &h, data);
	/* stdio keeps only a flag: keep the first failure's errno while it is there */
	if (!d->err && ferror_unlocked(pcap_dump_file(d->d)))
		d->err = errno ? -errno : -EIO;
}

int sw_dumper_error(struct sw_dumper *d)
{
	FILE *f;

	if (!d)
		return 0;
	f = pcap_dump_file(d->d);
	if (!d->err && ferror_unlocked(f))
		d->err = -EIO; /* failed where sw_dumper_write could not see why */
	return d->err;
}

int sw_dumper_close(struct sw_dumper *d)
{
	int rc;

	if (!d)
		return 0;
	errno = 0;
	if (pcap_dump_flush(d->d) < 0 && !d->err)
		d->err = errno ? -errno : -EIO;
	rc = sw_dumper_error(d);
	pcap_dump_close(d->d); /* returns nothing: the flush above is the check */
	pcap_close(d->p);
	free(d);
	return rc;
}
