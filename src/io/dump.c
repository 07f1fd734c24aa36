/*
 * dump.c - the capture writer of -w / --dropped (capture.h): classic pcap
 * (nanosecond stamps, one link type) or pcapng (a section header, one
 * interface description per input interface and link type as it is first
 * met, enhanced packet blocks with nanosecond if_tsresol), chosen for the
 * capture it writes from (docs/replay.md, "Writing packets").
 *
 * Link types are written as the input files hold them (LINKTYPE_ values),
 * never through libpcap's DLT_ mapping (which refuses LINKTYPE_RAW 101).
 * A packet costs no allocation: its record header and padding are written
 * from the stack into the stream's buffer (1 MiB, set once).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/capture.h"
#include "io/reader.h"

#define PCAP_MAGIC_NS 0xa1b23c4du
#define NG_SHB 0x0A0D0D0Au
#define NG_IDB 0x00000001u
#define NG_EPB 0x00000006u
#define NG_BOM 0x1A2B3C4Du
#define NG_OPT_END 0
#define NG_OPT_IF_NAME 2
#define NG_OPT_SHB_USERAPPL 4
#define NG_OPT_IF_TSRESOL 9
#define NG_NAME_MAX 64 /* the reader keeps at most 63 bytes of an if_name */
#define OUT_BUF (1u << 20)

/* One interface of the pcapng output: an input interface's link type and name. */
struct dif {
	int link;
	const char *name; /* the reader's interned if_name; NULL for a classic pcap's frames */
};

struct sw_dumper {
	const char *path;
	FILE *f;
	int is_stdout;
	int ng;   /* pcapng, else classic pcap */
	int link; /* classic: the one link type */
	struct dif *ifs;
	uint32_t nifs, capifs, last; /* last: the interface of the previous packet */
	int err; /* -errno of the first write that failed */
};

static const uint8_t zeros[4];

/* Write n bytes; keeps the errno of the first failure (stdio keeps only a flag). */
static void put(struct sw_dumper *d, const void *p, size_t n)
{
	errno = 0;
	if (n && fwrite(p, 1, n, d->f) != n && !d->err)
		d->err = errno ? -errno : -EIO;
}

static void put32(struct sw_dumper *d, uint32_t v)
{
	put(d, &v, 4);
}

/* A pcapng option of `len` bytes, padded to 4. */
static void put_opt(struct sw_dumper *d, uint16_t code, const void *v, uint16_t len)
{
	uint16_t h[2] = {code, len};

	put(d, h, 4);
	put(d, v, len);
	put(d, zeros, (4 - len % 4) % 4);
}

static uint32_t opt_len(size_t len)
{
	return 4 + (uint32_t)((len + 3) & ~(size_t)3);
}

static void ng_shb(struct sw_dumper *d)
{
	static const char app[] = "statewall";
	uint32_t len = 28 + opt_len(sizeof(app) - 1) + 4;
	uint16_t ver[2] = {1, 0};
	int64_t sect = -1; /* section length not given */

	put32(d, NG_SHB);
	put32(d, len);
	put32(d, NG_BOM);
	put(d, ver, 4);
	put(d, &sect, 8);
	put_opt(d, NG_OPT_SHB_USERAPPL, app, sizeof(app) - 1);
	put_opt(d, NG_OPT_END, NULL, 0);
	put32(d, len);
}

/* The IDB of d->ifs[i]: its link type, no snap length limit, if_name, nanoseconds. */
static void ng_idb(struct sw_dumper *d, uint32_t i)
{
	const struct dif *ifc = &d->ifs[i];
	size_t nl = ifc->name ? strnlen(ifc->name, NG_NAME_MAX) : 0;
	uint32_t len = 16 + (nl ? opt_len(nl) : 0) + opt_len(1) + 4 + 4;
	uint16_t lk[2] = {(uint16_t)ifc->link, 0};
	uint8_t res = 9;

	put32(d, NG_IDB);
	put32(d, len);
	put(d, lk, 4);
	put32(d, 0);
	if (nl)
		put_opt(d, NG_OPT_IF_NAME, ifc->name, (uint16_t)nl);
	put_opt(d, NG_OPT_IF_TSRESOL, &res, 1);
	put_opt(d, NG_OPT_END, NULL, 0);
	put32(d, len);
}

static int same_name(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The output interface of (link, name), described when first met; -1 if out of memory. */
static long ng_iface(struct sw_dumper *d, int link, const char *name)
{
	if (d->last < d->nifs && d->ifs[d->last].link == link && same_name(d->ifs[d->last].name, name))
		return d->last;
	for (uint32_t i = 0; i < d->nifs; i++)
		if (d->ifs[i].link == link && same_name(d->ifs[i].name, name))
			return d->last = i;
	if (d->nifs == d->capifs) {
		uint32_t c = d->capifs ? d->capifs * 2 : 8;
		void *p = realloc(d->ifs, c * sizeof(*d->ifs));
		if (!p)
			return -1;
		d->ifs = p;
		d->capifs = c;
	}
	d->ifs[d->nifs].link = link;
	d->ifs[d->nifs].name = name;
	ng_idb(d, d->nifs);
	return d->last = d->nifs++;
}

/* Ends in `suffix`, any case. */
static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* "1 EN10MB, 101 RAW": the link types for a message. */
static void link_list(char *buf, size_t len, const int *links, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++) {
		const char *nm = sw_link_name(links[i]);
		int w = snprintf(buf + o, len - o, "%s%d%s%s", i ? ", " : "", links[i], nm ? " " : "",
				 nm ? nm : "");
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

int sw_dumper_open(struct sw_dumper **out, const char *path, const struct sw_capture *cap,
		   char *err, size_t errlen)
{
	const int *links;
	int any_ng;
	size_t nl = sw_capture_links(cap, &links, &any_ng);
	int classic = ends_with(path, ".pcap") || ends_with(path, ".cap");
	struct sw_dumper *d;
	char lk[160];

	*out = NULL;
	if (classic && nl > 1) {
		link_list(lk, sizeof(lk), links, nl);
		snprintf(err, errlen, "%s: a classic pcap holds one link type, and the capture has %zu "
			 "(%s): name the output .pcapng (or anything but .pcap/.cap) for a pcapng",
			 path, nl, lk);
		return -EINVAL;
	}
	if (!(d = calloc(1, sizeof(*d))))
		return -ENOMEM;
	d->ng = ends_with(path, ".pcapng") || (!classic && (nl > 1 || any_ng));
	for (size_t i = 0; d->ng && i < nl; i++)
		if ((unsigned)links[i] > 0xffff) {
			snprintf(err, errlen, "%s: link type %d does not fit a pcapng interface "
				 "(16 bits)", path, links[i]);
			free(d);
			return -EINVAL;
		}
	d->path = path;
	d->link = sw_capture_linktype(cap);
	d->last = UINT32_MAX;
	d->is_stdout = strcmp(path, "-") == 0;
	d->f = d->is_stdout ? stdout : fopen(path, "wb");
	if (!d->f) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		free(d);
		return -e;
	}
	if (!d->is_stdout) /* stdout may have been written to: its buffering stays */
		(void)setvbuf(d->f, NULL, _IOFBF, OUT_BUF);
	if (d->ng) {
		ng_shb(d);
	} else {
		uint32_t h[6] = {PCAP_MAGIC_NS, 2 | 4u << 16, 0, 0, SW_MAX_CAPLEN, (uint32_t)d->link};
		put(d, h, sizeof(h));
	}
	*out = d;
	return 0;
}

int sw_dumper_holds(const struct sw_dumper *d, int link, char *why, size_t whylen)
{
	if (d->ng ? (unsigned)link <= 0xffff : link == d->link)
		return 1;
	if (d->ng)
		snprintf(why, whylen, "link type %d does not fit a pcapng interface of %s (16 bits)",
			 link, d->path);
	else
		snprintf(why, whylen, "link type %d, but %s is a classic pcap of link type %d (the "
			 "first file's), which holds one: name it .pcapng", link, d->path, d->link);
	return 0;
}

void sw_dumper_write(struct sw_dumper *d, const struct sw_frame *fr)
{
	uint64_t ts = (uint64_t)fr->ts;

	if (d->ng) {
		long i = ng_iface(d, fr->link, fr->ifname);
		uint32_t pad = (4 - fr->caplen % 4) % 4, len = 28 + fr->caplen + pad + 4;
		uint32_t h[7] = {NG_EPB, len, 0, (uint32_t)(ts >> 32), (uint32_t)ts, fr->caplen,
				 fr->wirelen};

		if (i < 0) {
			if (!d->err)
				d->err = -ENOMEM;
			return;
		}
		h[2] = (uint32_t)i;
		put(d, h, sizeof(h));
		put(d, fr->data, fr->caplen);
		put(d, zeros, pad);
		put32(d, len);
	} else {
		uint32_t h[4] = {(uint32_t)(ts / SW_NS_PER_SEC), (uint32_t)(ts % SW_NS_PER_SEC),
				 fr->caplen, fr->wirelen};

		if (ts / SW_NS_PER_SEC > UINT32_MAX) { /* after 2106: a classic stamp has 32-bit seconds */
			if (!d->err)
				d->err = -EOVERFLOW;
			return;
		}
		put(d, h, sizeof(h));
		put(d, fr->data, fr->caplen);
	}
}

int sw_dumper_error(struct sw_dumper *d)
{
	if (!d)
		return 0;
	if (!d->err && ferror_unlocked(d->f))
		d->err = -EIO; /* failed where put() could not see why */
	return d->err;
}

int sw_dumper_close(struct sw_dumper *d)
{
	int rc;

	if (!d)
		return 0;
	errno = 0;
	if (fflush(d->f) != 0 && !d->err)
		d->err = errno ? -errno : -EIO;
	rc = sw_dumper_error(d);
	if (!d->is_stdout) {
		errno = 0;
		if (fclose(d->f) != 0 && !rc)
			rc = errno ? -errno : -EIO;
	}
	free(d->ifs);
	free(d);
	return rc;
}
