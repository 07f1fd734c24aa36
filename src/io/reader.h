/*
 * reader.h - one capture file read in place: its bytes (src.h), its format
 * (classic pcap or pcapng, told by the first four bytes) and the frames in
 * file order.  Internal to src/io; capture.c merges several of them.
 */
#ifndef SW_IO_READER_H
#define SW_IO_READER_H

#include "io/capture.h"
#include "io/src.h"

/* The largest frame statewall reads, as libpcap's MAXIMUM_SNAPLEN. */
#define SW_MAX_CAPLEN 262144u

/* One pcapng interface (IDB) of the current section. */
struct sw_iface {
	int link;
	uint32_t snaplen;
	uint8_t pow2;      /* if_tsresol is 2^-res, else 10^-res */
	uint8_t res;
	int64_t offset_s;  /* if_tsoffset, seconds */
	const char *name;  /* if_name made printable, or "if<N>" (in sw_names) */
};

/*
 * Interface names, kept until the capture closes: a frame's ifname stays
 * valid while the frame is held, whatever blocks follow.
 */
struct sw_names {
	char **v;
	size_t n, cap;
};
const char *sw_names_get(struct sw_names *nm, const char *s); /* NULL: out of memory */
void sw_names_free(struct sw_names *nm);

enum sw_fmt { SW_FMT_PCAP, SW_FMT_PCAPNG };

struct sw_rd {
	struct sw_src src;
	const char *name; /* for messages */
	enum sw_fmt fmt;
	uint64_t off;     /* of the next record or block */
	uint64_t count;   /* frames returned so far */
	/* classic pcap */
	int swapped, link, snaplen;
	uint32_t frac_ns; /* nanoseconds per unit of a record's fraction: 1000 or 1 */
	/* pcapng */
	uint64_t block;   /* blocks read, 1-based number of the current one */
	uint64_t block_off;
	int sect_swapped; /* byte order of the current section */
	struct sw_names *names;
	struct sw_iface *ifs;
	uint32_t nifs, capifs;
	sw_time_t last_ts; /* of the previous frame (an SPB has no stamp of its own) */
};

/* Open a file on fp (closed by the reader): 0, or -errno with a message naming it. */
int sw_rd_open(struct sw_rd *r, FILE *fp, const char *name, struct sw_names *names, char *err,
	       size_t errlen);
/*
 * The next frames in file order, up to max (one at a time from a stream,
 * whose window slides on), into f[0, *n): 1 if all max were read, 0 at the
 * end, -1 with a message (file, place, what) at the frame after them.
 */
int sw_rd_next(struct sw_rd *r, struct sw_frame *f, unsigned max, unsigned *n, char *err,
	       size_t errlen);
void sw_rd_close(struct sw_rd *r);

/* pcapng.c: the first section header, at open; then each frame. */
int sw_ng_open(struct sw_rd *r, char *err, size_t errlen);
int sw_ng_next(struct sw_rd *r, struct sw_frame *f, char *err, size_t errlen);

#endif
