/*
 * capture.h - reading and writing capture files (pcap and pcapng, through
 * libpcap), with errors that say what went wrong and where.
 */
#ifndef SW_IO_CAPTURE_H
#define SW_IO_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "statewall/types.h"

struct sw_capture;

/* Open a capture file ("-" for stdin) with an optional BPF filter. 0 or -errno + message. */
int sw_capture_open(struct sw_capture **out, const char *path, const char *filter, char *err,
		    size_t errlen);
/* The same on an open stream (fuzzing, tests); the stream is closed with the capture. */
int sw_capture_open_fp(struct sw_capture **out, FILE *fp, const char *name, const char *filter,
		       char *err, size_t errlen);

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

int sw_capture_linktype(const struct sw_capture *c);
int sw_capture_snaplen(const struct sw_capture *c);
/* Packets returned so far (1-based number of the last one). */
uint64_t sw_capture_count(const struct sw_capture *c);
/* Bytes of the file consumed so far and its size (0 if unknown), for progress. */
void sw_capture_progress(const struct sw_capture *c, uint64_t *done, uint64_t *total);
void sw_capture_close(struct sw_capture *c);

/* A capture writer (classic pcap, nanosecond stamps). */
struct sw_dumper;
int sw_dumper_open(struct sw_dumper **out, const char *path, int linktype, int snaplen, char *err,
		   size_t errlen);
void sw_dumper_write(struct sw_dumper *d, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
		     sw_time_t ts);
/* 0, or -errno if a write to the file failed (a full disk); NULL: 0. */
int sw_dumper_error(struct sw_dumper *d);
/* Flush and close; 0 or -errno (a full disk shows here). */
int sw_dumper_close(struct sw_dumper *d);

#endif
