/*
 * capture.c - capture files through libpcap.  See capture.h.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/capture.h"

struct sw_capture {
	pcap_t *p;
	FILE *fp;
	int precision_ns;
	uint64_t count;
	uint64_t size;
	struct bpf_program prog;
	int has_prog;
	char name[256];
};

struct sw_dumper {
	pcap_t *p;
	pcap_dumper_t *d;
};

static int finish_open(struct sw_capture *c, const char *filter, char *err, size_t errlen)
{
	if (filter && *filter) {
		if (pcap_compile(c->p, &c->prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "filter '%s': %s", filter, pcap_geterr(c->p));
			return -EINVAL;
		}
		c->has_prog = 1;
	}
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

int sw_capture_next(struct sw_capture *c, const uint8_t **data, uint32_t *caplen,
		    uint32_t *wirelen, sw_time_t *ts, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *d;

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
		*data = d;
		*caplen = h->caplen;
		*wirelen = h->len;
		/* With nanosecond precision requested, tv_usec holds nanoseconds. */
		*ts = (sw_time_t)h->ts.tv_sec * SW_NS_PER_SEC +
		      (sw_time_t)h->ts.tv_usec * (c->precision_ns ? 1 : 1000);
		return 1;
	}
}

int sw_capture_linktype(const struct sw_capture *c)
{
	return pcap_datalink(c->p);
}

int sw_capture_snaplen(const struct sw_capture *c)
{
	return pcap_snapshot(c->p);
}

uint64_t sw_capture_count(const struct sw_capture *c)
{
	return c->count;
}

void sw_capture_progress(const struct sw_capture *c, uint64_t *done, uint64_t *total)
{
	long pos = c->fp ? ftell(c->fp) : -1;

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
		pcap_close(c->p); /* closes c->fp too */
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
	pcap_dump((u_char *)d->d, &h, data);
}

int sw_dumper_close(struct sw_dumper *d)
{
	int rc = 0;

	if (!d)
		return 0;
	if (pcap_dump_flush(d->d) < 0)
		rc = -EIO;
	if (ferror(pcap_dump_file(d->d)))
		rc = -EIO;
	pcap_dump_close(d->d);
	pcap_close(d->p);
	free(d);
	return rc;
}
