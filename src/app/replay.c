/*
 * replay.c - `statewall replay`: a capture through the engine, clocked by the
 * capture's own timestamps.  Exit status: 0; 1 if the capture could not be
 * read whole or an output could not be written (each error names the file);
 * 2 for bad options or configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/report.h"
#include "app/rpool.h"
#include "io/capture.h"
#include "statewall/engine.h"

#define REPLAY_BATCH 32 /* one engine: the engine's own burst (lookups 32 at a time) */
#define COPY_ARENA (8u << 20) /* one engine's; a quarter of it per batch with several */

/*
 * One batch of packets of one link type on its way through the engines:
 * REPLAY_BATCH packets with one engine, SW_RPOOL_BATCH with several (their
 * unit of work, rpool.h); with several, SW_RPOOL_DEPTH of them are in
 * flight, and each one's outputs are written when it is collected.
 */
struct batch {
	int link;
	const char *ifname[SW_RPOOL_BATCH]; /* pcapng interface, for --verdicts */
	const uint8_t *frame[SW_RPOOL_BATCH];
	uint32_t caplen[SW_RPOOL_BATCH], wirelen[SW_RPOOL_BATCH];
	sw_time_t ts[SW_RPOOL_BATCH];
	uint64_t num[SW_RPOOL_BATCH]; /* packet number in the capture */
	struct sw_verdict v[SW_RPOOL_BATCH];
	unsigned max;  /* packets per batch */
	int n;         /* packets in it */
	uint8_t *copy; /* arena bytes for the frames, when the reader reuses its buffer */
	size_t used, arena;
};

/* A text output (--log, --verdicts): its stream and the first write error. */
struct out {
	FILE *f;
	const char *opt, *path;
	int err;
};

/*
 * Right after a write to o: keep the errno of the first one that failed
 * (stdio keeps only a flag, and errno only until the next call).
 */
static void out_note(struct out *o)
{
	if (!o->err && ferror_unlocked(o->f))
		o->err = errno ? errno : EIO;
}

struct replay {
	struct batch *batch[SW_RPOOL_DEPTH];
	unsigned depth; /* batches in flight: 1 with one engine */
	struct out log, vo;
	struct sw_dumper *wd, *dd;
	struct sw_summary sum;
	int oom;
	int warned[8], nwarned; /* unsupported link types already said */
};

static void on_end(void *ctx, const struct sw_sess_info *si)
{
	struct replay *r = ctx;

	if (r->log.f) {
		errno = 0;
		sw_log_session(r->log.f, si);
		out_note(&r->log);
	}
	if (sw_summary_note(&r->sum, si) < 0)
		r->oom = 1;
}

static void usage(FILE *f)
{
	fputs("usage: statewall replay [options] CAPTURE... [BPF FILTER...]\n"
	      "  CAPTURE: pcap or pcapng, plain, .gz, .zst or .xz; a directory (its files in name\n"
	      "  order) or - (stdin); several are merged by timestamp.  The first word that is not\n"
	      "  an existing file begins the filter.\n"
	      "  -c, --config FILE      configuration file of `set` lines; repeatable, each file\n"
	      "                         on top of the ones before it\n"
	      "      --set NAME=VALUE   one session setting (repeatable), e.g. --set tcpwait=60\n"
	      "                         (tunnel-inspect defaults to all here)\n"
	      "      --decap            unwrap mirror transport (ERSPAN, VXLAN, Geneve): the\n"
	      "                         mirror flow itself is not a session\n"
	      "  -w FILE                write forwarded packets to FILE: pcapng if FILE ends in\n"
	      "                         .pcapng, or (not .pcap/.cap) if the capture has several\n"
	      "                         link types or a pcapng; else classic pcap\n"
	      "      --dropped FILE     write dropped packets to FILE (the same way)\n"
	      "      --log FILE|-       session log, one JSON object per ended session\n"
	      "      --verdicts FILE|-  one line per packet: number, verdict, reason, session id\n"
	      "                         (and the interface, for pcapng)\n"
	      "      --json             summary as one JSON object on stdout\n"
	      "  -n, --count N          stop after N packets (like tcpdump -c)\n"
	      "      --threads N        N engines on N threads, flows spread by a symmetric hash\n"
	      "                         (default 1; table limits divided among them)\n"
	      "  -q, --quiet            no progress on stderr\n",
	      f);
}

static FILE *open_out(const char *path, FILE *std)
{
	if (strcmp(path, "-") == 0)
		return std;
	return fopen(path, "w");
}

/* 0, or the errno of the first write to o that failed. */
static int out_error(struct out *o)
{
	if (o->f)
		out_note(o);
	return o->err;
}

/* Flush and close (not stdout); 0 or the errno of the first write that failed. */
static int out_close(struct out *o)
{
	if (!o->f)
		return 0;
	errno = 0;
	if (fflush(o->f) != 0 && !o->err)
		o->err = errno ? errno : EIO;
	(void)out_error(o);
	if (o->f != stdout) {
		errno = 0;
		if (fclose(o->f) != 0 && !o->err)
			o->err = errno ? errno : EIO;
	}
	o->f = NULL;
	return o->err;
}

/*
 * A collected batch's outputs, in capture order; -1 if an output failed (a
 * failed output stops the replay: what follows would be lost too; closing
 * it says which and why).
 */
static int emit(struct replay *r, const struct batch *b, int n)
{
	for (int i = 0; i < n && (r->vo.f || r->wd || r->dd); i++) {
		const struct sw_verdict *v = &b->v[i];
		if (r->vo.f && fprintf(r->vo.f, "%llu %s %s %u%s%s\n", (unsigned long long)b->num[i],
				       v->action == SW_PASS ? "pass" : "drop", sw_drop_name(v->reason),
				       v->sess, b->ifname[i] ? " " : "",
				       b->ifname[i] ? b->ifname[i] : "") < 0)
			out_note(&r->vo);
		struct sw_frame o = {.data = b->frame[i], .caplen = b->caplen[i],
				     .wirelen = b->wirelen[i], .ts = b->ts[i], .link = b->link,
				     .ifname = b->ifname[i]};
		if (v->action == SW_PASS && r->wd)
			sw_dumper_write(r->wd, &o);
		else if (v->action == SW_DROP && r->dd)
			sw_dumper_write(r->dd, &o);
	}
	if (out_error(&r->vo) || out_error(&r->log) || sw_dumper_error(r->wd) ||
	    sw_dumper_error(r->dd))
		return -1;
	return 0;
}

/* Collect the oldest batch in flight (rpool_collect) and write its outputs. */
static int collect(struct replay *r, struct rpool *eng, uint64_t *emitted)
{
	const struct batch *b = r->batch[*emitted % r->depth];

	(void)rpool_collect(eng);
	++*emitted;
	return emit(r, b, b->n);
}

/* The BPF filter: the words after the capture, joined by spaces; NULL if out of memory. */
static char *join_filter(int argc, char **argv)
{
	size_t len = 1;
	char *f;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	f = malloc(len);
	if (!f)
		return NULL;
	f[0] = '\0';
	for (int i = 0; i < argc; i++) {
		strcat(f, argv[i]);
		strcat(f, " ");
	}
	return f;
}

/* Once per link type: a link type the parser does not read. */
static void warn_link(struct replay *r, const struct sw_frame *f, const struct sw_capture *cap)
{
	for (int i = 0; i < r->nwarned; i++)
		if (r->warned[i] == f->link)
			return;
	if (r->nwarned < 8)
		r->warned[r->nwarned++] = f->link;
	fprintf(stderr, "statewall replay: %s: link type %d is not supported; its packets will be "
			"dropped as unsupported-l2\n", sw_capture_file(cap, f->file)->name, f->link);
}

/* An output that failed: say which and why. */
static void out_failed(const char *opt, const char *path, int e)
{
	if (strcmp(path, "-") == 0)
		fprintf(stderr, "statewall replay: %s: standard output: %s\n", opt, strerror(e));
	else
		fprintf(stderr, "statewall replay: %s %s: %s\n", opt, path, strerror(e));
}

int sw_cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"set", required_argument, NULL, 'S'},
		{"dropped", required_argument, NULL, 'D'}, {"log", required_argument, NULL, 'L'},
		{"verdicts", required_argument, NULL, 'V'}, {"json", no_argument, NULL, 'J'},
		{"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'},
		{"count", required_argument, NULL, 'n'}, {"threads", required_argument, NULL, 'T'},
		{"decap", no_argument, NULL, 'X'},
		{NULL, 0, NULL, 0}};
	const char *wpath = NULL, *dpath = NULL, *lpath = NULL, *vpath = NULL;
	int json = 0, quiet = 0, ch, rc = 0;
	unsigned long long max_pkts = 0;
	char *endp;
	struct sw_conf conf;
	struct app_conf ac;
	char err[512], *filter = NULL;
	struct sw_capture *cap = NULL;
	struct rpool *eng = NULL;
	unsigned long threads = 1;
	struct replay r = {.vo = {.opt = "--verdicts"}};
	struct sw_frame fb[REPLAY_BATCH]; /* frames read, fb[fpos, nfb) not yet in a batch */
	unsigned fpos = 0, nfb = 0;
	int progress, stable, e, ncap, got, last_link = -1;
	uint64_t last_progress = 0, submitted = 0, emitted = 0;

	app_conf_init(&ac);
	ac.tunnel_inspect = SW_TUN_ALL; /* a capture is analysed: every tunnel's inner flows */
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:w:n:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (app_conf_add_config(&ac, optarg) < 0) {
				app_conf_free(&ac);
				return 2;
			}
			break;
		case 'S':
			if (app_conf_add_set(&ac, optarg) < 0) {
				app_conf_free(&ac);
				return 2;
			}
			break;
		case 'w': wpath = optarg; break;
		case 'D': dpath = optarg; break;
		case 'L': lpath = optarg; break;
		case 'V': vpath = optarg; break;
		case 'J': json = 1; break;
		case 'X': ac.decap = 1; break;
		case 'q': quiet = 1; break;
		case 'n':
			max_pkts = strtoull(optarg, &endp, 10);
			if (*endp || max_pkts == 0) {
				fprintf(stderr, "statewall replay: --count '%s': expected a positive number\n",
					optarg);
				app_conf_free(&ac);
				return 2;
			}
			break;
		case 'T':
			threads = strtoul(optarg, &endp, 10);
			if (*endp || threads == 0 || threads > SW_RPOOL_MAX) {
				fprintf(stderr, "statewall replay: --threads '%s': expected 1 to %d\n",
					optarg, SW_RPOOL_MAX);
				app_conf_free(&ac);
				return 2;
			}
			break;
		case 'h': usage(stdout); app_conf_free(&ac); return 0;
		default: usage(stderr); app_conf_free(&ac); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		app_conf_free(&ac);
		return 2;
	}
	ncap = app_captures("replay", argc - optind, argv + optind);
	if (ncap < 0) {
		app_conf_free(&ac);
		return 1;
	}
	if (app_conf_build(&ac, &conf) < 0) {
		app_conf_free(&ac);
		return 2;
	}
	filter = join_filter(argc - optind - ncap, argv + optind + ncap);
	if (!filter) {
		fputs("statewall replay: out of memory\n", stderr);
		app_conf_free(&ac);
		return 1;
	}
	rc = sw_capture_open_list(&cap, (const char *const *)argv + optind, ncap, filter, err,
				  sizeof(err));
	free(filter);
	if (rc < 0) {
		fprintf(stderr, "statewall replay: %s\n", err);
		app_conf_free(&ac);
		return 1;
	}
	r.sum.cap = cap;
	rc = rpool_create(&eng, (unsigned)threads, &conf);
	if (rc < 0) {
		fprintf(stderr, "statewall replay: cannot create the engine: %s\n", strerror(-rc));
		sw_capture_close(cap);
		app_conf_free(&ac);
		return 1;
	}
	r.log.opt = "--log";
	r.log.path = lpath;
	r.vo.path = vpath;
	if (lpath && !(r.log.f = open_out(lpath, stdout))) {
		fprintf(stderr, "statewall replay: %s: %s\n", lpath, strerror(errno));
		rc = -1;
		goto out;
	}
	if (vpath && !(r.vo.f = open_out(vpath, stdout))) {
		fprintf(stderr, "statewall replay: %s: %s\n", vpath, strerror(errno));
		rc = -1;
		goto out;
	}
	if ((wpath && sw_dumper_open(&r.wd, wpath, cap, err, sizeof(err)) < 0) ||
	    (dpath && sw_dumper_open(&r.dd, dpath, cap, err, sizeof(err)) < 0)) {
		fprintf(stderr, "statewall replay: %s\n", err);
		rc = -1;
		goto out;
	}
	rpool_on_end(eng, on_end, &r);
	r.depth = threads > 1 ? SW_RPOOL_DEPTH : 1;
	stable = sw_capture_stable(cap);
	for (unsigned i = 0; i < r.depth; i++) {
		if (!(r.batch[i] = calloc(1, sizeof(*r.batch[i]))) ||
		    (!stable && !(r.batch[i]->copy = malloc(threads > 1 ? COPY_ARENA / 4 : COPY_ARENA)))) {
			fputs("statewall replay: out of memory\n", stderr);
			rc = -1;
			goto out;
		}
		r.batch[i]->max = threads > 1 ? SW_RPOOL_BATCH : REPLAY_BATCH;
		r.batch[i]->arena = threads > 1 ? COPY_ARENA / 4 : COPY_ARENA;
	}
	progress = !quiet && isatty(STDERR_FILENO);

	for (int done = 0; !done;) {
		struct batch *b = r.batch[submitted % r.depth];
		int n = 0;

		/*
		 * Gather a batch of one link type: the engine looks sessions up 32 at
		 * a time with prefetch.  A frame of another link type (a pcapng
		 * interface, another file) starts the next batch.
		 */
		b->used = 0;
		while (n < (int)b->max) {
			const struct sw_frame *fr;

			if (fpos == nfb) {
				/* with --count, one at a time: the count stops the reading */
				if (max_pkts && sw_capture_count(cap) >= max_pkts) {
					done = 1;
					break;
				}
				got = sw_capture_next_frames(cap, fb, max_pkts ? 1 : REPLAY_BATCH, err,
							     sizeof(err));
				if (got <= 0) {
					if (got < 0) {
						fprintf(stderr, "statewall replay: %s (the summary covers the "
							"packets before it)\n", err);
						rc = -1;
					}
					done = 1;
					break;
				}
				fpos = 0;
				nfb = (unsigned)got;
			}
			fr = &fb[fpos];
			if (n > 0 && fr->link != b->link)
				break; /* it starts the next batch: still valid, the reader was not called */
			fpos++;
			/* what depends on the link type only: when it changes */
			if (fr->link != last_link) {
				last_link = fr->link;
				if (!sw_pkt_link_supported(fr->link))
					warn_link(&r, fr, cap);
				/* an interface described after the file's first packet */
				if ((r.wd && !sw_dumper_holds(r.wd, fr->link, err, sizeof(err))) ||
				    (r.dd && !sw_dumper_holds(r.dd, fr->link, err, sizeof(err)))) {
					fprintf(stderr, "statewall replay: %s: packet %llu has %s\n",
						sw_capture_file(cap, fr->file)->name,
						(unsigned long long)fr->fnum, err);
					rc = -1;
					done = 1;
					break;
				}
			}
			b->frame[n] = fr->data;
			b->caplen[n] = fr->caplen;
			if (!stable) {
				/* a stream's window moves on: keep a copy for the batch */
				if (b->caplen[n] > b->arena / 4)
					b->caplen[n] = (uint32_t)(b->arena / 4);
				memcpy(b->copy + b->used, fr->data, b->caplen[n]);
				b->frame[n] = b->copy + b->used;
				b->used += b->caplen[n];
			}
			b->link = fr->link;
			b->wirelen[n] = fr->wirelen;
			b->ts[n] = fr->ts;
			b->ifname[n] = fr->ifname;
			b->num[n] = fr->num;
			n++;
			if (!stable && b->used > b->arena - b->arena / 4)
				break; /* the next frame might not fit */
		}
		if (n == 0)
			break;
		b->n = n;
		rpool_submit(eng, b->frame, b->caplen, b->wirelen, b->link, b->ts, (unsigned)n, b->v);
		submitted++;
		/* the oldest batch's outputs once every batch is in flight */
		if (rpool_inflight(eng) == r.depth && collect(&r, eng, &emitted) < 0) {
			rc = -1;
			goto out;
		}
		if (progress && (sw_capture_count(cap) >> 16) != (last_progress >> 16)) {
			uint64_t pos, total;
			last_progress = sw_capture_count(cap);
			sw_capture_progress(cap, &pos, &total);
			if (total)
				fprintf(stderr, "\r%llu packets, %3.0f%%", (unsigned long long)last_progress,
					100.0 * (double)pos / (double)total);
			else
				fprintf(stderr, "\r%llu packets", (unsigned long long)last_progress);
		}
	}
	while (rpool_inflight(eng))
		if (collect(&r, eng, &emitted) < 0) {
			rc = -1;
			goto out;
		}
	if (progress)
		fputs("\r\033[K", stderr);
	rpool_flush(eng, SW_END_END_OF_CAPTURE);
	rpool_stats(eng, &r.sum.st);
	if (json)
		sw_summary_json(stdout, &r.sum);
	else
		sw_summary_print(stdout, &r.sum);
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		e = errno ? errno : EIO;
		if (r.vo.f == stdout && !r.vo.err)
			r.vo.err = e; /* said when it is closed */
		else if (r.log.f == stdout && !r.log.err)
			r.log.err = e;
		else if (r.vo.f != stdout && r.log.f != stdout)
			fprintf(stderr, "statewall replay: standard output: %s\n", strerror(e));
		rc = -1;
	}
	if (r.oom || rpool_oom(eng)) {
		fputs("statewall replay: out of memory: the broken list is incomplete\n", stderr);
		rc = -1;
	}
out:
	/* first: the engines may still run batches in flight */
	rpool_destroy(eng);
	if (r.wd && (e = -sw_dumper_close(r.wd))) {
		out_failed("-w", wpath, e);
		rc = -1;
	}
	if (r.dd && (e = -sw_dumper_close(r.dd))) {
		out_failed("--dropped", dpath, e);
		rc = -1;
	}
	if (r.log.f && (e = out_close(&r.log))) {
		out_failed(r.log.opt, r.log.path, e);
		rc = -1;
	}
	if (r.vo.f && (e = out_close(&r.vo))) {
		out_failed(r.vo.opt, r.vo.path, e);
		rc = -1;
	}
	for (unsigned i = 0; i < SW_RPOOL_DEPTH; i++) {
		if (r.batch[i])
			free(r.batch[i]->copy);
		free(r.batch[i]);
	}
	sw_summary_free(&r.sum);
	sw_capture_close(cap);
	app_conf_free(&ac);
	return rc < 0 ? 1 : 0;
}
