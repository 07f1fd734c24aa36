/*
 * capture.h - reading and writing capture files, with errors that say what
 * went wrong and where.  Reading: classic pcap and pcapng (our own readers,
 * in place over a mapping, or over a gzip/zstd/xz or pipe stream), one file
 * or several merged by time; BPF filters through libpcap.  Writing (dump.c):
 * classic pcap or pcapng, our own writer.
 */
#ifndef SW_IO_CAPTURE_H
#define SW_IO_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "statewall/types.h"

struct sw_capture;

/* One frame as the reader hands it to the parser. */
struct sw_frame {
	const uint8_t *data;
	uint32_t caplen, wirelen;
	sw_time_t ts;
	int link;            /* link type (DLT) of its interface */
	uint32_t ifindex;    /* pcapng interface number in its section; 0 for pcap */
	const char *ifname;  /* pcapng: if_name (printable, no spaces) or "if<N>"; pcap: NULL */
	uint32_t file;       /* which of the opened files (0-based, in sw_capture_file order) */
	/* 1-based numbers in the capture and in its file (frames the filter rejected count) */
	uint64_t num, fnum;
};

/* Open a capture file ("-" for stdin) with an optional BPF filter. 0 or -errno + message. */
int sw_capture_open(struct sw_capture **out, const char *path, const char *filter, char *err,
		    size_t errlen);
/* The same on an open stream (fuzzing, tests); the stream is closed with the capture. */
int sw_capture_open_fp(struct sw_capture **out, FILE *fp, const char *name, const char *filter,
		       char *err, size_t errlen);
/*
 * Several files, directories (their regular files in name order, dot files
 * left out) and "-", merged by timestamp (ties: in argument order), as one
 * capture.  0 or -errno with a message naming the file.
 */
int sw_capture_open_list(struct sw_capture **out, const char *const *paths, int npaths,
			 const char *filter, char *err, size_t errlen);

/* Next frame, as sw_capture_next. */
int sw_capture_next_frame(struct sw_capture *c, struct sw_frame *f, char *err, size_t errlen);
/*
 * The next frames, up to max, into f[0, n): n, 0 at the end, -1 on a read
 * error.  Frames read before an error come first, and the error with the
 * next call.  Several at once only from a stable capture (one at a time
 * otherwise: each is valid until the next call).
 */
int sw_capture_next_frames(struct sw_capture *c, struct sw_frame *f, unsigned max, char *err,
			   size_t errlen);

/*
 * Next packet: 1 and the packet (valid until the next call), 0 at the end,
 * -1 on a read error (truncated or corrupt file) with a message naming the
 * file and the packet number.  Packets the filter rejects are skipped.
 */
int sw_capture_next(struct sw_capture *c, const uint8_t **data, uint32_t *caplen,
		    uint32_t *wirelen, sw_time_t *ts, char *err, size_t errlen);

/*
 * 1 if packets stay addressable until close (a mapped classic pcap): a caller
 * may then hold a whole batch of them.  0: each is valid until the next call.
 */
int sw_capture_stable(const struct sw_capture *c);

/*
 * The link types the files declared at open, each once in the order met:
 * a classic pcap's (if it has a packet) and every interface a pcapng
 * described before its first packet.  *any_pcapng: some file is a pcapng.
 */
size_t sw_capture_links(const struct sw_capture *c, const int **links, int *any_pcapng);
/* libpcap's name of a LINKTYPE_ value ("EN10MB", "RAW"), NULL if it has none. */
const char *sw_link_name(int link);

/* The first file's (first interface's) link type. */
int sw_capture_linktype(const struct sw_capture *c);
/* The largest frame any file may hold (the copy a caller needs when not stable). */
uint32_t sw_capture_maxcaplen(const struct sw_capture *c);

/* The files after directories were expanded, and what each held. */
size_t sw_capture_nfiles(const struct sw_capture *c);
struct sw_capture_file {
	const char *name;
	uint64_t packets;   /* frames read from it (before the filter) */
	uint64_t backwards; /* frames stamped earlier than the frame before them in the file */
};
const struct sw_capture_file *sw_capture_file(const struct sw_capture *c, size_t i);
/* Packets returned so far (1-based number of the last one). */
uint64_t sw_capture_count(const struct sw_capture *c);
/* Bytes of the file consumed so far and its size (0 if unknown), for progress. */
void sw_capture_progress(const struct sw_capture *c, uint64_t *done, uint64_t *total);
void sw_capture_close(struct sw_capture *c);

/*
 * A capture writer for the frames of capture `cap` ("-": standard output).
 * pcapng (one interface per input interface and link type, nanosecond
 * stamps) when the name ends in .pcapng, or, unless it ends in .pcap or
 * .cap, when the files declared several link types or one is a pcapng;
 * else classic pcap (nanosecond stamps) of the first file's link type.  A
 * name ending in .pcap/.cap for files that declared several link types is
 * refused (-EINVAL, the message says so).  0 or -errno with a message.
 */
struct sw_dumper;
int sw_dumper_open(struct sw_dumper **out, const char *path, const struct sw_capture *cap,
		   char *err, size_t errlen);
/*
 * 1 if a frame of link type `link` can be written (pcapng: any of 16 bits;
 * classic pcap: its own), else 0 with why the output cannot hold it.  The
 * writer keeps `path` for that message: it must outlive the dumper.
 */
int sw_dumper_holds(const struct sw_dumper *d, int link, char *why, size_t whylen);
/*
 * Write one frame (data, caplen, wirelen, ts; pcapng: link and ifname name
 * its interface, ifname kept by pointer: the capture's names, valid until it
 * closes, after the dumper).  A classic pcap cannot stamp a frame after
 * 2106: the writer's error is then -EOVERFLOW.
 */
void sw_dumper_write(struct sw_dumper *d, const struct sw_frame *fr);
/* 0, or -errno if a write to the file failed (a full disk); NULL: 0. */
int sw_dumper_error(struct sw_dumper *d);
/* Flush and close; 0 or -errno (a full disk shows here). */
int sw_dumper_close(struct sw_dumper *d);

#endif
