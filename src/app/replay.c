/*
 * replay.c - `statewall replay`: a capture through the engine, clocked by the
 * capture's own timestamps.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/report.h"
#include "io/capture.h"
#include "statewall/engine.h"

#define REPLAY_BATCH 32

/* One batch of packets on its way through sw_engine_burst. */
struct batch {
	const uint8_t *frame[REPLAY_BATCH];
	uint32_t caplen[REPLAY_BATCH], wirelen[REPLAY_BATCH];
	sw_time_t ts[REPLAY_BATCH];
	uint64_t num[REPLAY_BATCH]; /* packet number in the capture */
	struct sw_verdict v[REPLAY_BATCH];
	uint8_t *copy; /* REPLAY_BATCH slots of `slot` bytes, when the reader reuses its buffer */
	uint32_t slot;
};

struct replay {
	struct batch batch;
	FILE *log;
	struct sw_summary sum;
	int oom;
};

static void on_end(void *ctx, const struct sw_sess_info *si)
{
	struct replay *r = ctx;

	if (r->log)
		sw_log_session(r->log, si);
	if (sw_summary_note(&r->sum, si) < 0)
		r->oom = 1;
}

static void usage(FILE *f)
{
	fputs("usage: statewall replay [options] CAPTURE [BPF FILTER...]\n"
	      "  -c, --config FILE      configuration file of `set` lines\n"
	      "      --set NAME=VALUE   one session setting (repeatable), e.g. --set tcpwait=60\n"
	      "  -w FILE                write forwarded packets to FILE (pcap)\n"
	      "      --dropped FILE     write dropped packets to FILE (pcap)\n"
	      "      --log FILE|-       session log, one JSON object per ended session\n"
	      "      --verdicts FILE|-  one line per packet: number, verdict, reason, session id\n"
	      "      --json             summary as one JSON object on stdout\n"
	      "  -n, --count N          stop after N packets (like tcpdump -c)\n"
	      "  -q, --quiet            no progress on stderr\n",
	      f);
}

static FILE *open_out(const char *path, FILE *std)
{
	if (strcmp(path, "-") == 0)
		return std;
	return fopen(path, "w");
}

int sw_cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"set", required_argument, NULL, 'S'},
		{"dropped", required_argument, NULL, 'D'}, {"log", required_argument, NULL, 'L'},
		{"verdicts", required_argument, NULL, 'V'}, {"json", no_argument, NULL, 'J'},
		{"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'},
		{"count", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0}};
	const char *wpath = NULL, *dpath = NULL, *lpath = NULL, *vpath = NULL;
	int json = 0, quiet = 0, ch, rc = 0;
	unsigned long long max_pkts = 0;
	char *endp;
	struct sw_conf conf;
	struct app_conf ac;
	char err[512], filter[4096] = "";
	struct sw_capture *cap = NULL;
	struct sw_engine *eng = NULL;
	struct sw_dumper *wd = NULL, *dd = NULL;
	FILE *vf = NULL;
	struct replay r = {0};
	const uint8_t *data;
	uint32_t caplen, wirelen;
	sw_time_t ts;
	int link, progress, stable;
	uint64_t last_progress = 0;

	app_conf_init(&ac);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:w:n:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': ac.config = optarg; break;
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
		case 'h': usage(stdout); app_conf_free(&ac); return 0;
		default: usage(stderr); app_conf_free(&ac); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		app_conf_free(&ac);
		return 2;
	}
	for (int i = optind + 1; i < argc; i++) {
		strncat(filter, argv[i], sizeof(filter) - strlen(filter) - 2);
		strcat(filter, " ");
	}
	if (app_conf_build(&ac, &conf) < 0) {
		app_conf_free(&ac);
		return 2;
	}
	if (sw_capture_open(&cap, argv[optind], filter, err, sizeof(err)) < 0) {
		fprintf(stderr, "statewall replay: %s\n", err);
		app_conf_free(&ac);
		return 1;
	}
	link = sw_capture_linktype(cap);
	if (!sw_pkt_link_supported(link))
		fprintf(stderr, "statewall replay: %s: link type %d is not supported; every packet "
				"will be dropped as unsupported-l2\n", argv[optind], link);
	rc = sw_engine_create(&eng, &conf);
	if (rc < 0) {
		fprintf(stderr, "statewall replay: cannot create the engine: %s\n", strerror(-rc));
		sw_capture_close(cap);
		app_conf_free(&ac);
		return 1;
	}
	if (lpath && !(r.log = open_out(lpath, stdout))) {
		fprintf(stderr, "statewall replay: %s: %s\n", lpath, strerror(errno));
		rc = -1;
		goto out;
	}
	if (vpath && !(vf = open_out(vpath, stdout))) {
		fprintf(stderr, "statewall replay: %s: %s\n", vpath, strerror(errno));
		rc = -1;
		goto out;
	}
	if ((wpath && sw_dumper_open(&wd, wpath, link, sw_capture_snaplen(cap), err, sizeof(err)) < 0) ||
	    (dpath && sw_dumper_open(&dd, dpath, link, sw_capture_snaplen(cap), err, sizeof(err)) < 0)) {
		fprintf(stderr, "statewall replay: %s\n", err);
		rc = -1;
		goto out;
	}
	sw_engine_on_end(eng, on_end, &r);
	progress = !quiet && isatty(STDERR_FILENO);
	stable = sw_capture_stable(cap);
	if (!stable) {
		int snap = sw_capture_snaplen(cap);
		r.batch.slot = snap > 0 && snap <= 262144 ? (uint32_t)snap : 262144;
		r.batch.copy = malloc((size_t)REPLAY_BATCH * r.batch.slot);
		if (!r.batch.copy) {
			fputs("statewall replay: out of memory\n", stderr);
			rc = -1;
			goto out;
		}
	}

	for (int done = 0; !done;) {
		struct batch *b = &r.batch;
		int n = 0;

		/* Gather a batch: the engine looks sessions up 32 at a time with prefetch. */
		while (n < REPLAY_BATCH) {
			int got;

			if (max_pkts && sw_capture_count(cap) >= max_pkts) {
				done = 1;
				break;
			}
			got = sw_capture_next(cap, &data, &caplen, &wirelen, &ts, err, sizeof(err));
			if (got <= 0) {
				if (got < 0) {
					fprintf(stderr, "statewall replay: %s (the summary covers the packets "
						"before it)\n", err);
					rc = -1;
				}
				done = 1;
				break;
			}
			if (!stable) {
				/* libpcap reuses its buffer: keep a copy for the batch. */
				memcpy(b->copy + (size_t)n * b->slot, data, caplen < b->slot ? caplen : b->slot);
				data = b->copy + (size_t)n * b->slot;
				if (caplen > b->slot)
					caplen = b->slot;
			}
			b->frame[n] = data;
			b->caplen[n] = caplen;
			b->wirelen[n] = wirelen;
			b->ts[n] = ts;
			b->num[n] = sw_capture_count(cap);
			n++;
		}
		if (n == 0)
			break;
		sw_engine_burst(eng, b->frame, b->caplen, link, b->ts, (unsigned)n, b->v);
		for (int i = 0; i < n; i++) {
			const struct sw_verdict *v = &b->v[i];
			if (vf)
				fprintf(vf, "%llu %s %s %u\n", (unsigned long long)b->num[i],
					v->action == SW_PASS ? "pass" : "drop", sw_drop_name(v->reason), v->sess);
			if (v->action == SW_PASS && wd)
				sw_dumper_write(wd, b->frame[i], b->caplen[i], b->wirelen[i], b->ts[i]);
			else if (v->action == SW_DROP && dd)
				sw_dumper_write(dd, b->frame[i], b->caplen[i], b->wirelen[i], b->ts[i]);
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
	if (progress)
		fputs("\r\033[K", stderr);
	sw_engine_flush(eng, SW_END_END_OF_CAPTURE);
	sw_engine_stats(eng, &r.sum.st);
	if (json)
		sw_summary_json(stdout, &r.sum);
	else
		sw_summary_print(stdout, &r.sum);
	if (r.oom)
		fputs("statewall replay: out of memory: the broken list is incomplete\n", stderr);
out:
	if (wd && sw_dumper_close(wd) < 0) {
		fprintf(stderr, "statewall replay: %s: write failed\n", wpath);
		rc = -1;
	}
	if (dd && sw_dumper_close(dd) < 0) {
		fprintf(stderr, "statewall replay: %s: write failed\n", dpath);
		rc = -1;
	}
	if (r.log && r.log != stdout && fclose(r.log) != 0) {
		fprintf(stderr, "statewall replay: %s: write failed\n", lpath);
		rc = -1;
	}
	if (vf && vf != stdout && fclose(vf) != 0)
		rc = -1;
	free(r.batch.copy);
	sw_summary_free(&r.sum);
	sw_engine_destroy(eng);
	sw_capture_close(cap);
	app_conf_free(&ac);
	return rc < 0 ? 1 : 0;
}
