/*
 * capture.c - the capture files of one replay: directories expanded, each
 * file's reader (reader.c), a merge of them by timestamp so that flows
 * continue across rotated files, and BPF filters through libpcap.  See
 * capture.h (the writer is dump.c).
 *
 * The merge: every file is opened and its first frame read at open, so that
 * a bad file is refused before any packet is processed; the files are then
 * taken in order of their first timestamp (ties: argument order).  A file
 * joins the merge when its first frame is due, and a finished one leaves it,
 * so a day of rotated files keeps one or two decompressors alive, not all:
 * a compressed file is closed after its first frame was read and opened
 * again when it joins.  Within the merge the file whose next frame is the
 * earliest goes first; each file's frames keep their file order, so a file
 * whose clock jumps backwards is read in its own order (the engine never
 * lets time run backwards) and the jumps are counted per file.
 */
#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/capture.h"
#include "io/reader.h"

/* One file of the capture. */
struct cfile {
	char *path;
	FILE *given;       /* sw_capture_open_fp's stream, until first opened */
	int fromfp;        /* the file came as a stream: it cannot be opened again */
	uint64_t size;     /* on disk, 0 if unknown */
	struct sw_rd rd;
	int open;          /* rd is open */
	int reopen;        /* closed after the first frame: open it again when it joins */
	int first;         /* the first frame read at open: 1, 0 (no frames), -1 (error) */
	char *first_err;
	sw_time_t first_ts;
	struct sw_frame head; /* the next frame, while the file is in the merge */
	sw_time_t prev_ts;
	uint64_t done_bytes;  /* when finished: its size, for progress */
	struct sw_capture_file info;
};

/* One compiled filter per link type met (pcapng interfaces differ). */
struct cfilter {
	int link;
	struct bpf_program prog;
};

struct sw_capture {
	struct cfile *f;
	size_t nf, capf;
	size_t *order;     /* files by first timestamp */
	size_t norder;     /* files with frames or an error to show */
	size_t nact;       /* order[0, nact) have joined */
	size_t *heap;      /* files in the merge, by (head.ts, index) */
	size_t nheap;
	long pending;      /* the file whose head was returned last: read its next frame first */
	char *filter;
	struct cfilter *flt;
	size_t nflt;
	struct sw_names names;
	uint64_t count;
	int link0;
	int *links;        /* the link types the files declared at open (sw_capture_links) */
	size_t nlinks;
	int any_ng;        /* some file is a pcapng */
	int stable;        /* sw_capture_stable at open: several frames per read */
	int failed;
	char *fail_msg;
};

/* A read error ends the capture: every later call says the same (err holds the message). */
static int cap_fail(struct sw_capture *c, char *err, size_t errlen)
{
	if (c->fail_msg)
		snprintf(err, errlen, "%s", c->fail_msg);
	else
		c->fail_msg = strdup(err);
	c->failed = 1;
	return -1;
}

/*
 * Files store LINKTYPE_ values; pcap_open_dead takes the platform's DLT_
 * values, which differ for the few that libpcap maps (pcap-common.c).
 */
static int linktype_dlt(int link)
{
	switch (link) {
	case 100: return DLT_ATM_RFC1483;
	case 101: return DLT_RAW;
	case 102: return DLT_SLIP_BSDOS;
	case 103: return DLT_PPP_BSDOS;
	default: return link;
	}
}

const char *sw_link_name(int link)
{
	return pcap_datalink_val_to_name(linktype_dlt(link));
}

/* Note a link type a file declares; -ENOMEM. */
static int note_link(struct sw_capture *c, int link)
{
	int *p;

	for (size_t i = 0; i < c->nlinks; i++)
		if (c->links[i] == link)
			return 0;
	if (!(p = realloc(c->links, (c->nlinks + 1) * sizeof(*p))))
		return -ENOMEM;
	c->links = p;
	c->links[c->nlinks++] = link;
	return 0;
}

/*
 * The filter compiled for a link type, compiled when first met (for file
 * f's last frame, named in the message; NULL: at open); NULL with a message.
 */
static struct bpf_program *filter_for(struct sw_capture *c, int link, const struct cfile *f,
				      char *err, size_t errlen)
{
	struct cfilter *nf;
	pcap_t *p;

	for (size_t i = 0; i < c->nflt; i++)
		if (c->flt[i].link == link)
			return &c->flt[i].prog;
	if (!(nf = realloc(c->flt, (c->nflt + 1) * sizeof(*nf)))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->flt = nf;
	nf = &c->flt[c->nflt];
	/* a dead handle of the link type: the same program libpcap would run on a live one */
	p = pcap_open_dead(linktype_dlt(link), (int)SW_MAX_CAPLEN);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (pcap_compile(p, &nf->prog, c->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		/* libpcap's reason last and whole: a long filter is shortened, not it */
		size_t n = strlen(c->filter);
		char lk[48], where[300] = "";
		const char *ln = pcap_datalink_val_to_name(linktype_dlt(link));

		snprintf(lk, sizeof(lk), "%s%slink type %d%s", ln ? ln : "", ln ? " (" : "", link,
			 ln ? ")" : "");
		if (f)
			snprintf(where, sizeof(where), "%s: packet %llu: ", f->rd.name,
				 (unsigned long long)f->info.packets);
		if (n > 80)
			snprintf(err, errlen, "%sfilter '%.60s ... %.12s' (%zu bytes)%s%s: %s",
				 where, c->filter, c->filter + n - 12, n, c->nflt ? " on " : "",
				 c->nflt ? lk : "", pcap_geterr(p));
		else
			snprintf(err, errlen, "%sfilter '%s'%s%s: %s", where, c->filter,
				 c->nflt ? " on " : "", c->nflt ? lk : "", pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	pcap_close(p);
	nf->link = link;
	return &c->flt[c->nflt++].prog;
}

static int add_file(struct sw_capture *c, const char *path, FILE *given)
{
	struct cfile *f;

	if (c->nf == c->capf) {
		size_t n = c->capf ? c->capf * 2 : 4;
		void *p = realloc(c->f, n * sizeof(*c->f));
		if (!p)
			return -ENOMEM;
		c->f = p;
		c->capf = n;
	}
	f = &c->f[c->nf];
	memset(f, 0, sizeof(*f));
	if (!(f->path = strdup(path)))
		return -ENOMEM;
	f->given = given;
	f->fromfp = given != NULL;
	f->info.name = strcmp(path, "-") == 0 ? "standard input" : f->path;
	c->nf++;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* A directory's regular files (not recursing), in byte order of their names. */
static int add_dir(struct sw_capture *c, const char *dir, char *err, size_t errlen)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, skip_dot, by_name), rc = 0, found = 0;

	if (n < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(dir) + strlen(ents[i]->d_name) + 2;
		char *p = malloc(len);
		struct stat st;

		if (!p) {
			rc = -ENOMEM;
		} else {
			snprintf(p, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
				 ents[i]->d_name);
			if (rc == 0 && stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
				rc = add_file(c, p, NULL);
				found++;
			}
			free(p);
		}
		free(ents[i]);
	}
	free(ents);
	if (rc == 0 && !found) {
		snprintf(err, errlen, "%s: a directory without capture files", dir);
		rc = -ENOENT;
	} else if (rc < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
	}
	return rc;
}

/* Open file i's reader. */
static int file_open(struct sw_capture *c, struct cfile *f, char *err, size_t errlen)
{
	FILE *fp = f->given;
	int rc;

	f->given = NULL;
	if (!fp)
		fp = strcmp(f->path, "-") == 0 ? stdin : fopen(f->path, "rb");
	if (!fp) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", f->path, strerror(-rc));
		return rc;
	}
	rc = sw_rd_open(&f->rd, fp, f->info.name, &c->names, err, errlen);
	if (rc == 0)
		f->open = 1;
	return rc;
}

static void file_finish(struct cfile *f)
{
	f->done_bytes = f->size ? f->size : f->rd.off;
	if (f->open && f->rd.src.kind != SW_SRC_MAP) { /* a mapping stays: held frames point into it */
		sw_rd_close(&f->rd);
		f->open = 0;
	}
}

/* Open every file and read its first frame: what orders the merge. */
static int first_frames(struct sw_capture *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nf; i++) {
		struct cfile *f = &c->f[i];
		unsigned got;
		int rc = file_open(c, f, err, errlen);

		if (rc < 0)
			return rc;
		f->size = f->rd.src.size;
		f->first = sw_rd_next(&f->rd, &f->head, 1, &got, err, errlen);
		if (f->first < 0 && !(f->first_err = strdup(err)))
			return -ENOMEM;
		f->first_ts = f->first > 0 ? f->head.ts : 0;
		if (f->rd.fmt == SW_FMT_PCAPNG) {
			c->any_ng = 1;
			for (uint32_t k = 0; k < f->rd.nifs; k++)
				if (note_link(c, f->rd.ifs[k].link) < 0)
					return -ENOMEM;
		} else if (f->first > 0 && note_link(c, f->rd.link) < 0) {
			return -ENOMEM;
		}
		if (i == 0 || c->link0 < 0) {
			if (f->first > 0)
				c->link0 = f->head.link;
			else if (f->rd.fmt == SW_FMT_PCAP)
				c->link0 = f->rd.link;
		}
		/* a compressed file costs its decompressor's memory: open it again when due */
		if (f->first > 0 && f->rd.src.kind != SW_SRC_MAP && !f->fromfp && c->nf > 1 &&
		    strcmp(f->path, "-") != 0 && f->rd.src.size) {
			sw_rd_close(&f->rd);
			f->open = 0;
			f->reopen = 1;
		} else if (f->first == 0) {
			file_finish(f);
		}
	}
	return 0;
}

static int cmp_first(const struct sw_capture *c, size_t a, size_t b)
{
	const struct cfile *x = &c->f[a], *y = &c->f[b];

	if (x->first_ts != y->first_ts)
		return x->first_ts < y->first_ts ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* The merge order: by first timestamp; a file that failed on its first frame keeps its place. */
static int sort_files(struct sw_capture *c)
{
	size_t n = 0;
	sw_time_t last = INT64_MIN;

	if (!(c->order = malloc(c->nf * sizeof(*c->order))) ||
	    !(c->heap = malloc(c->nf * sizeof(*c->heap))))
		return -ENOMEM;
	for (size_t i = 0; i < c->nf; i++) {
		if (c->f[i].first < 0)
			c->f[i].first_ts = last;
		else if (c->f[i].first > 0)
			last = c->f[i].first_ts;
		if (c->f[i].first != 0)
			c->order[n++] = i;
	}
	/* insertion sort: stable, and rotated files come nearly sorted */
	for (size_t i = 1; i < n; i++) {
		size_t v = c->order[i], j = i;
		while (j > 0 && cmp_first(c, v, c->order[j - 1]) < 0) {
			c->order[j] = c->order[j - 1];
			j--;
		}
		c->order[j] = v;
	}
	c->norder = n;
	return 0;
}

static int head_less(const struct sw_capture *c, size_t a, size_t b)
{
	if (c->f[a].head.ts != c->f[b].head.ts)
		return c->f[a].head.ts < c->f[b].head.ts;
	return a < b;
}

static void heap_push(struct sw_capture *c, size_t i)
{
	size_t k = c->nheap++;

	while (k > 0 && head_less(c, i, c->heap[(k - 1) / 2])) {
		c->heap[k] = c->heap[(k - 1) / 2];
		k = (k - 1) / 2;
	}
	c->heap[k] = i;
}

static size_t heap_pop(struct sw_capture *c)
{
	size_t top = c->heap[0], last = c->heap[--c->nheap], k = 0;

	for (;;) {
		size_t l = 2 * k + 1, m = l;
		if (l >= c->nheap)
			break;
		if (l + 1 < c->nheap && head_less(c, c->heap[l + 1], c->heap[l]))
			m = l + 1;
		if (!head_less(c, c->heap[m], last))
			break;
		c->heap[k] = c->heap[m];
		k = m;
	}
	c->heap[k] = last;
	return top;
}

/*
 * The next frames of file i, up to max, into to[0, *n) (its head, or the
 * caller's frames): 1, 0 (finished), -1 at the frame after them.
 */
static int advance(struct sw_capture *c, size_t i, struct sw_frame *to, unsigned max,
		   unsigned *n, char *err, size_t errlen)
{
	struct cfile *f = &c->f[i];
	int rc = sw_rd_next(&f->rd, to, max, n, err, errlen);

	if (rc == 0)
		file_finish(f);
	return rc;
}

/* File order[nact] joins the merge: its first frame becomes its head. */
static int join(struct sw_capture *c, char *err, size_t errlen)
{
	size_t i = c->order[c->nact++];
	struct cfile *f = &c->f[i];
	unsigned got;
	int rc;

	if (f->first < 0) {
		snprintf(err, errlen, "%s", f->first_err);
		return -1;
	}
	if (f->reopen) {
		f->reopen = 0;
		if (file_open(c, f, err, errlen) < 0 ||
		    (rc = advance(c, i, &f->head, 1, &got, err, errlen)) < 0)
			return -1;
		if (rc == 0) {
			snprintf(err, errlen, "%s: the file changed while it was read (no packet now)",
				 f->path);
			return -1;
		}
	}
	heap_push(c, i);
	return 0;
}

/* File j, not yet in the merge, goes before the merge's earliest head (file top). */
static int joins_first(const struct sw_capture *c, size_t j, size_t top)
{
	sw_time_t a = c->f[j].first_ts, b = c->f[top].head.ts;

	return a != b ? a < b : j < top;
}

/*
 * Frames fr[n, n + got) just read from file i: numbered and counted, those
 * the filter rejects taken out; the new n, or -1 if the filter cannot be
 * compiled for a frame's link type (with a message).
 */
static long account(struct sw_capture *c, size_t i, struct sw_frame *fr, unsigned n,
		    unsigned got, char *err, size_t errlen)
{
	struct cfile *f = &c->f[i];
	unsigned kept = n;

	for (unsigned k = n; k < n + got; k++) {
		struct sw_frame *x = &fr[k];
		struct bpf_program *prog;
		struct pcap_pkthdr ph;

		x->file = (uint32_t)i;
		x->num = ++c->count;
		x->fnum = ++f->info.packets;
		if (x->fnum > 1 && x->ts < f->prev_ts)
			f->info.backwards++;
		f->prev_ts = x->ts;
		if (c->filter) {
			if (!(prog = filter_for(c, x->link, f, err, errlen)))
				return -1;
			ph.caplen = x->caplen;
			ph.len = x->wirelen;
			if (!pcap_offline_filter(prog, &ph, x->data))
				continue;
		}
		if (kept != k)
			fr[kept] = *x;
		kept++;
	}
	return kept;
}

int sw_capture_next_frames(struct sw_capture *c, struct sw_frame *fr, unsigned max, char *err,
			   size_t errlen)
{
	unsigned n = 0;

	if (c->failed)
		return cap_fail(c, err, errlen);
	if (!c->stable)
		max = max ? 1 : 0; /* a stream's frame is gone once the next one is read */
	while (n < max) {
		unsigned got = 1;
		long kept;
		size_t i;
		int rc = 1;

		if (c->pending >= 0 && c->nheap == 0 && c->nact == c->norder) {
			/*
			 * The last file open (a single capture, or a merge's end): no
			 * heap, so no head either: its frames go straight to the caller.
			 */
			i = (size_t)c->pending;
			rc = advance(c, i, fr + n, max - n, &got, err, errlen);
			if (rc == 0)
				c->pending = -1; /* the loop comes back to say the end */
		} else {
			if (c->pending >= 0) {
				rc = advance(c, (size_t)c->pending, &c->f[c->pending].head, 1, &got, err,
					     errlen);
				if (rc < 0)
					goto fail;
				if (rc > 0)
					heap_push(c, (size_t)c->pending);
				c->pending = -1;
			}
			while (rc >= 0 && c->nact < c->norder &&
			       (c->nheap == 0 || joins_first(c, c->order[c->nact], c->heap[0])))
				rc = join(c, err, errlen);
			if (rc < 0)
				goto fail;
			if (c->nheap == 0)
				return (int)n;
			i = heap_pop(c);
			c->pending = (long)i;
			fr[n] = c->f[i].head;
			got = 1;
		}
		kept = account(c, i, fr, n, got, err, errlen);
		if (kept < 0)
			goto fail;
		n = (unsigned)kept;
		if (rc < 0)
			goto fail;
	}
	return (int)n;
fail:
	/* the frames before the error first; this call or the next says it, and every later one */
	(void)cap_fail(c, err, errlen);
	return n ? (int)n : -1;
}

int sw_capture_next_frame(struct sw_capture *c, struct sw_frame *fr, char *err, size_t errlen)
{
	return sw_capture_next_frames(c, fr, 1, err, errlen);
}

int sw_capture_next(struct sw_capture *c, const uint8_t **data, uint32_t *caplen,
		    uint32_t *wirelen, sw_time_t *ts, char *err, size_t errlen)
{
	struct sw_frame f;
	int rc = sw_capture_next_frame(c, &f, err, errlen);

	if (rc == 1) {
		*data = f.data;
		*caplen = f.caplen;
		*wirelen = f.wirelen;
		*ts = f.ts;
	}
	return rc;
}

static int finish_open(struct sw_capture *c, const char *filter, char *err, size_t errlen)
{
	int rc = first_frames(c, err, errlen);

	if (rc < 0)
		return rc;
	if ((rc = sort_files(c)) < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	if (c->link0 < 0) /* no file had a frame or a link type in its header */
		c->link0 = 1;
	c->stable = sw_capture_stable(c);
	if (filter && *filter) {
		if (!(c->filter = strdup(filter)))
			return -ENOMEM;
		/* a syntax error shows before any packet, on the first file's link type */
		if (!filter_for(c, c->link0, NULL, err, errlen))
			return -EINVAL;
	}
	return 0;
}

static struct sw_capture *cap_new(void)
{
	struct sw_capture *c = calloc(1, sizeof(*c));

	if (c) {
		c->pending = -1;
		c->link0 = -1;
	}
	return c;
}

int sw_capture_open_fp(struct sw_capture **out, FILE *fp, const char *name, const char *filter,
		       char *err, size_t errlen)
{
	struct sw_capture *c = cap_new();
	int rc;

	*out = NULL;
	if (!c || add_file(c, name, fp) < 0) {
		fclose(fp);
		sw_capture_close(c);
		return -ENOMEM;
	}
	rc = finish_open(c, filter, err, errlen);
	if (rc < 0) {
		if (c->f[0].given)
			fclose(c->f[0].given);
		c->f[0].given = NULL;
		sw_capture_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int sw_capture_open_list(struct sw_capture **out, const char *const *paths, int npaths,
			 const char *filter, char *err, size_t errlen)
{
	struct sw_capture *c = cap_new();
	int rc = 0;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	for (int i = 0; i < npaths && rc == 0; i++) {
		struct stat st;

		if (strcmp(paths[i], "-") == 0)
			rc = add_file(c, paths[i], NULL);
		else if (stat(paths[i], &st) < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", paths[i], strerror(-rc));
		} else if (S_ISDIR(st.st_mode))
			rc = add_dir(c, paths[i], err, errlen);
		else
			rc = add_file(c, paths[i], NULL);
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc == 0)
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
	return sw_capture_open_list(out, &path, 1, filter, err, errlen);
}

int sw_capture_stable(const struct sw_capture *c)
{
	for (size_t i = 0; i < c->nf; i++)
		if (c->f[i].reopen || (c->f[i].open && c->f[i].rd.src.kind != SW_SRC_MAP))
			return 0;
	return 1;
}

int sw_capture_linktype(const struct sw_capture *c)
{
	return c->link0;
}

size_t sw_capture_links(const struct sw_capture *c, const int **links, int *any_pcapng)
{
	*links = c->links;
	*any_pcapng = c->any_ng;
	return c->nlinks;
}

uint32_t sw_capture_maxcaplen(const struct sw_capture *c)
{
	(void)c;
	return SW_MAX_CAPLEN;
}

uint64_t sw_capture_count(const struct sw_capture *c)
{
	return c->count;
}

size_t sw_capture_nfiles(const struct sw_capture *c)
{
	return c->nf;
}

const struct sw_capture_file *sw_capture_file(const struct sw_capture *c, size_t i)
{
	return i < c->nf ? &c->f[i].info : NULL;
}

void sw_capture_progress(const struct sw_capture *c, uint64_t *done, uint64_t *total)
{
	*done = *total = 0;
	for (size_t i = 0; i < c->nf; i++) {
		const struct cfile *f = &c->f[i];
		*total += f->size ? f->size : f->done_bytes;
		if (f->done_bytes)
			*done += f->done_bytes;
		else if (f->open)
			*done += sw_src_consumed(&f->rd.src, f->rd.off);
	}
}

void sw_capture_close(struct sw_capture *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nf; i++) {
		if (c->f[i].open)
			sw_rd_close(&c->f[i].rd);
		if (c->f[i].given)
			fclose(c->f[i].given);
		free(c->f[i].first_err);
		free(c->f[i].path);
	}
	for (size_t i = 0; i < c->nflt; i++)
		pcap_freecode(&c->flt[i].prog);
	free(c->flt);
	free(c->filter);
	free(c->f);
	free(c->order);
	free(c->heap);
	free(c->fail_msg);
	free(c->links);
	sw_names_free(&c->names);
	free(c);
}
