/*
 * pcapgen.c - synthetic TCP capture for replay benchmarks.
 *
 *   pcapgen OUT.pcap FLOWS CONCURRENT [PKTS_PER_FLOW [SEED]]
 *
 * Writes a classic pcap (nanosecond magic, LINKTYPE_ETHERNET) of FLOWS TCP
 * connections, CONCURRENT of them open at any time, their packets
 * interleaved in random order.  Every connection is: SYN, SYN-ACK, ACK,
 * then PKTS_PER_FLOW - 6 data segments of 10 bytes alternating client and
 * server (each acknowledging everything the other sent), then FIN|ACK from
 * the client, FIN|ACK from the server, last ACK from the client.  Every frame
 * is 64 bytes (Ethernet trailer padding on the control segments), with valid
 * IPv4 and TCP checksums and exact sequence numbers; packets are 100 ns
 * apart.  PKTS_PER_FLOW defaults to 20 (minimum 6).
 *
 * Interleaving: the open connections are visited in sweeps, each sweep in a
 * fresh random order, one packet per connection per sweep; a connection that
 * finishes is replaced by the next one.  So a connection's consecutive packets
 * are at most 2 x CONCURRENT packets apart (no handshake ever times out) and
 * no two neighbouring packets are in general of the same connection.  The
 * first connections start staggered so that ends are spread out.
 *
 * Flow i: client 10.0.0.0 + (i mod 2^24), port 1024 + (i / 2^24) % 60000
 * -> server 172.16.(i mod 256).1:80 (unique for FLOWS < 983 M).
 *
 * OUT ending in .pcapng: the same packets as pcapng (a section header, one
 * Ethernet interface with if_tsresol 10^-9, one enhanced packet block per
 * packet), for the pcapng vs classic pcap replay figure.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

#define PAYLOAD 10
#define STEP_NS 100

struct flow {
	uint32_t id;   /* flow number */
	uint32_t next; /* index of the next packet to send, 0 .. ppf-1 */
	uint32_t wait; /* sweeps to sit out before starting (initial stagger) */
	uint32_t live; /* slot in use */
};

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#define F_FIN 0x01
#define F_SYN 0x02
#define F_PSH 0x08
#define F_ACK 0x10

/* Packet k (0-based) of flow i in a flow of ppf packets. */
static void flow_packet(uint8_t *fr, uint32_t i, uint32_t k, uint32_t ppf)
{
	uint32_t cip = 0x0a000000u + (i & 0xffffffu), sip = 0xac100001u + ((i & 0xffu) << 8);
	uint16_t cp = (uint16_t)(1024u + (i >> 24) % 60000u), sp = 80;
	uint32_t ci = hash32(2 * i + 1), si = hash32(2 * i + 2);
	uint32_t ndata = ppf - 6;
	uint16_t id = (uint16_t)(i * 7 + k);

	if (k == 0) {
		build_frame(fr, cip, sip, cp, sp, ci, 0, F_SYN, 0, id);
	} else if (k == 1) {
		build_frame(fr, sip, cip, sp, cp, si, ci + 1, F_SYN | F_ACK, 0, id);
	} else if (k == 2) {
		build_frame(fr, cip, sip, cp, sp, ci + 1, si + 1, F_ACK, 0, id);
	} else if (k < 3 + ndata) {
		/* Data d = k - 3: even d from the client, odd d from the server. */
		uint32_t d = k - 3, csent = (d + 1) / 2, ssent = d / 2;
		uint32_t cseq = ci + 1 + PAYLOAD * csent, sseq = si + 1 + PAYLOAD * ssent;
		if (d % 2 == 0)
			build_frame(fr, cip, sip, cp, sp, cseq, sseq, F_ACK | F_PSH, PAYLOAD, id);
		else
			build_frame(fr, sip, cip, sp, cp, sseq, cseq, F_ACK | F_PSH, PAYLOAD, id);
	} else {
		uint32_t csent = (ndata + 1) / 2, ssent = ndata / 2;
		uint32_t cend = ci + 1 + PAYLOAD * csent, send = si + 1 + PAYLOAD * ssent;
		uint32_t c = k - 3 - ndata;
		if (c == 0)
			build_frame(fr, cip, sip, cp, sp, cend, send, F_FIN | F_ACK, 0, id);
		else if (c == 1)
			build_frame(fr, sip, cip, sp, cp, send, cend + 1, F_FIN | F_ACK, 0, id);
		else
			build_frame(fr, cip, sip, cp, sp, cend + 1, send + 1, F_ACK, 0, id);
	}
}

static unsigned long parse_num(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	if (*end == 'k' || *end == 'K')
		v *= 1e3, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1e6, end++;
	if (*end || v < 1 || v > 4e9) {
		fprintf(stderr, "pcapgen: bad %s '%s'\n", what, s);
		exit(2);
	}
	return (unsigned long)v;
}

static void wr(FILE *f, const void *p, size_t n, const char *path)
{
	if (fwrite(p, 1, n, f) != n) {
		fprintf(stderr, "pcapgen: %s: write failed: %s\n", path, strerror(errno));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *path;
	uint32_t nflows, conc, ppf = 20, started = 0, live = 0;
	struct flow *fl;
	uint32_t *order;
	uint64_t npkts = 0, ts = 1700000000ull * 1000000000ull;
	uint8_t rec[16 + FRAME];
	FILE *f;
	static char buf[1 << 22];
	size_t plen = strlen(argv[1]);
	int ng = plen > 7 && strcmp(argv[1] + plen - 7, ".pcapng") == 0;

	if (argc < 4 || argc > 6) {
		fputs("usage: pcapgen OUT.pcap FLOWS CONCURRENT [PKTS_PER_FLOW [SEED]]\n", stderr);
		return 2;
	}
	path = argv[1];
	nflows = (uint32_t)parse_num(argv[2], "FLOWS");
	conc = (uint32_t)parse_num(argv[3], "CONCURRENT");
	if (argc > 4)
		ppf = (uint32_t)parse_num(argv[4], "PKTS_PER_FLOW");
	if (argc > 5)
		rng_state ^= parse_num(argv[5], "SEED");
	if (ppf < 6) {
		fputs("pcapgen: PKTS_PER_FLOW must be >= 6 (handshake + close)\n", stderr);
		return 2;
	}
	if (conc > nflows)
		conc = nflows;
	f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	if (!f) {
		fprintf(stderr, "pcapgen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	if (ng) {
		/* SHB (28 bytes), IDB (20 + if_tsresol option 8 + end 4 = 32 bytes), host order */
		static const uint32_t shb[7] = {0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0xffffffff, 0xffffffff, 28};
		uint32_t idb[8] = {1, 32, 1, 65535, 9 | 1u << 16, 9, 0, 32};
		wr(f, shb, sizeof(shb), path);
		wr(f, idb, sizeof(idb), path);
	} else {
		uint8_t gh[24] = {0};
		uint32_t magic = 0xa1b23c4d; /* nanosecond timestamps, host byte order */
		uint16_t vmaj = 2, vmin = 4;
		uint32_t snap = 65535, link = 1;
		memcpy(gh, &magic, 4);
		memcpy(gh + 4, &vmaj, 2);
		memcpy(gh + 6, &vmin, 2);
		memcpy(gh + 16, &snap, 4);
		memcpy(gh + 20, &link, 4);
		wr(f, gh, sizeof(gh), path);
	}
	fl = calloc(conc, sizeof(*fl));
	order = malloc(sizeof(*order) * conc);
	if (!fl || !order) {
		fputs("pcapgen: out of memory\n", stderr);
		return 1;
	}
	for (uint32_t s = 0; s < conc; s++) {
		fl[s].id = started++;
		fl[s].live = 1;
		fl[s].wait = conc > 1 ? (uint32_t)(rng() % ppf) : 0;
		order[s] = s;
		live++;
	}
	while (live) {
		/* One sweep in a fresh random order. */
		for (uint32_t s = conc - 1; s > 0; s--) {
			uint32_t j = (uint32_t)(rng() % (s + 1)), t = order[s];
			order[s] = order[j];
			order[j] = t;
		}
		for (uint32_t o = 0; o < conc; o++) {
			struct flow *x = &fl[order[o]];
			uint32_t sec, nsec;
			if (!x->live)
				continue;
			if (x->wait) {
				x->wait--;
				continue;
			}
			sec = (uint32_t)(ts / 1000000000ull);
			nsec = (uint32_t)(ts % 1000000000ull);
			memcpy(rec, &sec, 4);
			memcpy(rec + 4, &nsec, 4);
			{
				uint32_t len = FRAME;
				memcpy(rec + 8, &len, 4);
				memcpy(rec + 12, &len, 4);
			}
			flow_packet(rec + 16, x->id, x->next, ppf);
			if (ng) {
				/* EPB: type, length, interface 0, stamp high/low, caplen, len, frame, length */
				uint32_t eh[7] = {6, 32 + FRAME, 0, (uint32_t)(ts >> 32), (uint32_t)ts, FRAME,
						  FRAME};
				uint32_t tail = 32 + FRAME;
				wr(f, eh, sizeof(eh), path);
				wr(f, rec + 16, FRAME, path);
				wr(f, &tail, 4, path);
			} else {
				wr(f, rec, sizeof(rec), path);
			}
			ts += STEP_NS;
			npkts++;
			if (++x->next == ppf) {
				if (started < nflows) {
					x->id = started++;
					x->next = 0;
				} else {
					x->live = 0;
					live--;
				}
			}
		}
	}
	if (f != stdout && fclose(f) != 0) {
		fprintf(stderr, "pcapgen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	fprintf(stderr, "pcapgen: %s: %llu packets, %u flows, %u concurrent, %u packets/flow\n", path,
		(unsigned long long)npkts, nflows, conc, ppf);
	free(fl);
	free(order);
	return 0;
}
