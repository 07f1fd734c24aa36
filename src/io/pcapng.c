/*
 * pcapng.c - the pcapng block walker (draft-ietf-opsawg-pcapng): section
 * headers in either byte order, interface descriptions with their own link
 * type, snap length, if_tsresol and if_tsoffset, and the packet blocks (EPB,
 * SPB, OPB) read in place; every other block (ISB, NRB, DSB, custom, unknown)
 * is skipped by its length.  Every malformation names the file, the block's
 * number and offset, and what was wrong.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "io/reader.h"
#include "util/prefetch.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_OPB 0x00000002u
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u
#define BOM 0x1A2B3C4Du
#define MAX_BLOCK ((uint32_t)16 << 20) /* as libpcap: larger is corruption */
#define MAX_IFACES 65536u

#define OPT_ENDOFOPT 0
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

static uint16_t g16(const struct sw_rd *r, const uint8_t *b)
{
	uint16_t v;

	memcpy(&v, b, 2);
	return r->sect_swapped ? __builtin_bswap16(v) : v;
}

static uint32_t g32(const struct sw_rd *r, const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return r->sect_swapped ? __builtin_bswap32(v) : v;
}

static const char *block_name(uint32_t type)
{
	switch (type) {
	case BT_SHB: return "section header block";
	case BT_IDB: return "interface description block";
	case BT_OPB: return "obsolete packet block";
	case BT_SPB: return "simple packet block";
	case BT_EPB: return "enhanced packet block";
	case 0x00000004u: return "name resolution block";
	case 0x00000005u: return "interface statistics block";
	case 0x0000000Au: return "decryption secrets block";
	default: return "block";
	}
}

/* "FILE: block N (what) at offset O, [after ]packet P: " then the reason. */
static int bad(struct sw_rd *r, uint32_t type, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int bad(struct sw_rd *r, uint32_t type, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	/* a packet block is the packet after the last good one; any other block comes after it */
	int pkt = type == BT_EPB || type == BT_SPB || type == BT_OPB;
	int n = snprintf(err, errlen, "%s: block %llu (%s, type 0x%08x) at offset %llu, %spacket "
			 "%llu: ", r->name, (unsigned long long)r->block, block_name(type), type,
			 (unsigned long long)r->block_off, pkt ? "" : "after ",
			 (unsigned long long)r->count + (pkt ? 1 : 0));

	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	if (sw_src_error(&r->src)) {
		size_t l = strlen(err);
		snprintf(err + l, errlen - l, " (%s)", sw_src_error(&r->src));
	}
	return -1;
}

/*
 * Walk a block's options [p, end): 0, or -1 naming the bad one.  each(),
 * when given, sees every option whose value fits.
 */
typedef int (*opt_fn)(struct sw_rd *r, struct sw_iface *ifc, uint16_t code, const uint8_t *v,
		      uint16_t len, char *why, size_t whylen);

static int walk_opts(struct sw_rd *r, uint32_t type, const uint8_t *p, const uint8_t *end,
		     opt_fn each, struct sw_iface *ifc, char *err, size_t errlen)
{
	char why[96];

	while (end - p >= 4) {
		uint16_t code = g16(r, p), len = g16(r, p + 2);
		size_t padded = ((size_t)len + 3) & ~(size_t)3;

		if (code == OPT_ENDOFOPT)
			return 0;
		if ((size_t)(end - p - 4) < padded)
			return bad(r, type, err, errlen, "bad options: option %u of %u bytes runs past the "
				   "end of the block (%td bytes left)", code, len, end - p - 4);
		if (each && each(r, ifc, code, p + 4, len, why, sizeof(why)) < 0)
			return bad(r, type, err, errlen, "bad options: %s", why);
		p += 4 + padded;
	}
	if (p != end)
		return bad(r, type, err, errlen, "bad options: %td stray bytes after the last option",
			   end - p);
	return 0;
}

static int idb_opt(struct sw_rd *r, struct sw_iface *ifc, uint16_t code, const uint8_t *v,
		   uint16_t len, char *why, size_t whylen)
{
	uint64_t off;

	switch (code) {
	case OPT_IF_NAME: {
		char name[64];
		size_t n = len < sizeof(name) - 1 ? len : sizeof(name) - 1, k = 0;

		for (size_t i = 0; i < n && v[i]; i++) /* one word: the verdict line splits on spaces */
			name[k++] = v[i] > ' ' && v[i] < 0x7f ? (char)v[i] : '_';
		name[k] = '\0';
		if (k && !(ifc->name = sw_names_get(r->names, name))) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		return 0;
	}
	case OPT_IF_TSRESOL:
		if (len != 1) {
			snprintf(why, whylen, "if_tsresol of %u bytes (1 expected)", len);
			return -1;
		}
		ifc->pow2 = (v[0] & 0x80) != 0;
		ifc->res = v[0] & 0x7f;
		/* units per second must fit 64 bits: 10^19, 2^63 */
		if (ifc->res > (ifc->pow2 ? 63 : 19)) {
			snprintf(why, whylen, "if_tsresol 0x%02x: %s^-%u s is finer than 64 bits count",
				 v[0], ifc->pow2 ? "2" : "10", ifc->res);
			return -1;
		}
		return 0;
	case OPT_IF_TSOFFSET:
		if (len != 8) {
			snprintf(why, whylen, "if_tsoffset of %u bytes (8 expected)", len);
			return -1;
		}
		memcpy(&off, v, 8);
		ifc->offset_s = (int64_t)(r->sect_swapped ? __builtin_bswap64(off) : off);
		return 0;
	default:
		return 0;
	}
}

static const uint64_t pow10_tab[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
	1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
	100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
	1000000000000000000ull, 10000000000000000000ull};

/*
 * A 64-bit stamp in the interface's units, plus its offset, as engine time;
 * -1 if out of range.  No 128-bit division on the common resolutions (10^-n,
 * n <= 9): a multiply, and the offset added in nanoseconds.
 */
static int ng_stamp(const struct sw_iface *ifc, uint64_t t, sw_time_t *out)
{
	uint64_t ns;
	int64_t off, r;

	if (ifc->pow2) {
		unsigned __int128 w = ((unsigned __int128)t * (uint64_t)SW_NS_PER_SEC) >> ifc->res;
		if (w > (unsigned __int128)INT64_MAX)
			return -1;
		ns = (uint64_t)w;
	} else if (ifc->res <= 9) {
		if (__builtin_mul_overflow(t, pow10_tab[9 - ifc->res], &ns))
			return -1;
	} else {
		ns = t / pow10_tab[ifc->res - 9];
	}
	if (ns > (uint64_t)INT64_MAX)
		return -1;
	/* an offset that overflows in ns puts any stamp outside 1970..2262 */
	if (__builtin_mul_overflow(ifc->offset_s, SW_NS_PER_SEC, &off) ||
	    __builtin_add_overflow((int64_t)ns, off, &r) || r < 0)
		return -1;
	*out = r;
	return 0;
}

/* A section header at r->off, of `len` bytes, in place at b. */
static int shb(struct sw_rd *r, const uint8_t *b, uint32_t len, char *err, size_t errlen)
{
	uint16_t major = g16(r, b + 12), minor = g16(r, b + 14);

	if (major != 1)
		return bad(r, BT_SHB, err, errlen, "pcapng version %u.%u (only 1.x is defined)", major,
			   minor);
	r->nifs = 0; /* interfaces are numbered per section */
	return walk_opts(r, BT_SHB, b + 24, b + len - 4, NULL, NULL, err, errlen);
}

static int idb(struct sw_rd *r, const uint8_t *b, uint32_t len, char *err, size_t errlen)
{
	struct sw_iface *ifc;
	char dflt[16];

	if (len < 20)
		return bad(r, BT_IDB, err, errlen, "block length %u is shorter than an interface "
			   "description (20)", len);
	if (r->nifs == r->capifs) {
		uint32_t c = r->capifs ? r->capifs * 2 : 4;
		void *p;
		if (r->nifs >= MAX_IFACES)
			return bad(r, BT_IDB, err, errlen, "more than %u interfaces in one section",
				   MAX_IFACES);
		if (!(p = realloc(r->ifs, c * sizeof(*r->ifs))))
			return bad(r, BT_IDB, err, errlen, "out of memory");
		r->ifs = p;
		r->capifs = c;
	}
	ifc = &r->ifs[r->nifs];
	memset(ifc, 0, sizeof(*ifc));
	ifc->link = g16(r, b + 8);
	ifc->snaplen = g32(r, b + 12);
	ifc->res = 6; /* default: microseconds */
	snprintf(dflt, sizeof(dflt), "if%u", r->nifs);
	if (!(ifc->name = sw_names_get(r->names, dflt)))
		return bad(r, BT_IDB, err, errlen, "out of memory");
	if (walk_opts(r, BT_IDB, b + 16, b + len - 4, idb_opt, ifc, err, errlen) < 0)
		return -1;
	r->nifs++;
	return 0;
}

/* The packet of an EPB/OPB/SPB at b: 1 with *f filled, or -1. */
static int packet(struct sw_rd *r, uint32_t type, const uint8_t *b, uint32_t len,
		  struct sw_frame *f, char *err, size_t errlen)
{
	uint32_t ifid, cap, hdr;
	uint64_t t = 0;
	const struct sw_iface *ifc;
	size_t padded;

	if (type == BT_SPB) {
		hdr = 12;
		ifid = 0;
	} else {
		hdr = 28;
		ifid = type == BT_EPB ? g32(r, b + 8) : g16(r, b + 8);
		t = (uint64_t)g32(r, b + 12) << 32 | g32(r, b + 16);
	}
	if (len < hdr + 4)
		return bad(r, type, err, errlen, "block length %u is shorter than its header (%u)", len,
			   hdr + 4);
	if (ifid >= r->nifs)
		return bad(r, type, err, errlen, "unknown interface %u (the section describes %u)", ifid,
			   r->nifs);
	ifc = &r->ifs[ifid];
	if (type == BT_SPB) {
		f->wirelen = g32(r, b + 8);
		cap = len - hdr - 4;
		if (f->wirelen < cap)
			cap = f->wirelen;
		if (ifc->snaplen && ifc->snaplen < cap)
			cap = ifc->snaplen;
	} else {
		cap = g32(r, b + 20);
		f->wirelen = g32(r, b + 24);
	}
	if (cap > SW_MAX_CAPLEN)
		return bad(r, type, err, errlen, "captured length %u is larger than any capture allows "
			   "(%u)", cap, SW_MAX_CAPLEN);
	padded = ((size_t)cap + 3) & ~(size_t)3;
	if (padded > len - hdr - 4)
		return bad(r, type, err, errlen, "captured length %u does not fit the block of %u bytes",
			   cap, len);
	if (type != BT_SPB && len - hdr - 4 > padded &&
	    walk_opts(r, type, b + hdr + padded, b + len - 4, NULL, NULL, err, errlen) < 0)
		return -1;
	if (type == BT_SPB)
		f->ts = r->last_ts;
	else if (ng_stamp(ifc, t, &f->ts) < 0)
		return bad(r, type, err, errlen, "timestamp %llu (units of %s^-%u s, offset %lld s) is "
			   "outside what statewall can represent (1970-01-01 to 2262-04-11)",
			   (unsigned long long)t, ifc->pow2 ? "2" : "10", ifc->res,
			   (long long)ifc->offset_s);
	f->data = b + hdr;
	f->caplen = cap;
	f->link = ifc->link;
	f->ifindex = ifid;
	f->ifname = ifc->name;
	return 1;
}

/*
 * The block at r->off: its type and length, checked against the section's
 * byte order, and its bytes in the window (skipped blocks only their end).
 */
static int block(struct sw_rd *r, uint32_t *type, uint32_t *len, const uint8_t **b, char *err,
		 size_t errlen)
{
	size_t have = sw_src_need(&r->src, r->off, 12);
	const uint8_t *h = sw_src_at(&r->src, r->off), *tail;
	int parsed;

	r->block_off = r->off;
	r->block++;
	if (have == 0 && !sw_src_error(&r->src))
		return 0;
	*type = have >= 4 ? g32(r, h) : 0;
	if (have < 12)
		return bad(r, *type, err, errlen, "truncated block header (%zu of 12 bytes)", have);
	if (*type == BT_SHB) {
		uint32_t bom;
		memcpy(&bom, h + 8, 4);
		if (bom != BOM && bom != __builtin_bswap32(BOM))
			return bad(r, *type, err, errlen, "byte-order magic 0x%08x is neither 0x1a2b3c4d "
				   "nor 0x4d3c2b1a", bom);
		r->sect_swapped = bom != BOM;
	}
	*len = g32(r, h + 4);
	if (*len < 12 || *len % 4 || *len > MAX_BLOCK || (*type == BT_SHB && *len < 28))
		return bad(r, *type, err, errlen, "bad block length %u (a multiple of 4, at least %u, "
			   "at most %u)", *len, *type == BT_SHB ? 28 : 12, MAX_BLOCK);
	parsed = *type == BT_SHB || *type == BT_IDB || *type == BT_EPB || *type == BT_SPB ||
		 *type == BT_OPB;
	if (parsed) {
		have = sw_src_need(&r->src, r->off, *len);
		if (have < *len)
			return bad(r, *type, err, errlen, "truncated block (%zu of %u bytes)", have, *len);
		*b = sw_src_at(&r->src, r->off);
		sw_prefetch(*b + 2048);
		tail = *b + *len - 4;
	} else {
		*b = NULL;
		have = sw_src_need(&r->src, r->off + *len - 4, 4);
		if (have < 4)
			return bad(r, *type, err, errlen, "truncated block (it claims %u bytes; the file "
				   "ends before them)", *len);
		tail = sw_src_at(&r->src, r->off + *len - 4);
	}
	if (g32(r, tail) != *len)
		return bad(r, *type, err, errlen, "block length at its end (%u) differs from the one at "
			   "its start (%u)", g32(r, tail), *len);
	return 1;
}

int sw_ng_open(struct sw_rd *r, char *err, size_t errlen)
{
	uint32_t type, len;
	const uint8_t *b;
	int rc = block(r, &type, &len, &b, err, errlen);

	if (rc <= 0) {
		if (rc == 0)
			snprintf(err, errlen, "%s: empty", r->name);
		return -EINVAL;
	}
	if (shb(r, b, len, err, errlen) < 0)
		return -EINVAL;
	r->off += len;
	return 0;
}

int sw_ng_next(struct sw_rd *r, struct sw_frame *f, char *err, size_t errlen)
{
	for (;;) {
		uint32_t type, len;
		const uint8_t *b;
		int rc;

		sw_src_ahead(&r->src, r->off);
		rc = block(r, &type, &len, &b, err, errlen);
		if (rc <= 0)
			return rc;
		switch (type) {
		case BT_SHB: rc = shb(r, b, len, err, errlen); break;
		case BT_IDB: rc = idb(r, b, len, err, errlen); break;
		case BT_EPB:
		case BT_OPB:
		case BT_SPB: rc = packet(r, type, b, len, f, err, errlen); break;
		default: rc = 0; break; /* ISB, NRB, DSB, custom and unknown blocks: skipped */
		}
		if (rc < 0)
			return -1;
		r->off += len;
		if (rc == 1)
			return 1;
	}
}
