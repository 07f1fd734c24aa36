/*
 * analyze.c - `statewall analyze`: the options, then the stages of the
 * analyzer library (src/analyze/analyze.h) in order, and the exit status:
 * 0, 1 if the capture could not be read whole or an output could not be
 * written (as `statewall replay`), 2 for bad options or configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/analyze.h"
#include "app/app.h"

static void usage(FILE *f)
{
	fputs("usage: statewall analyze [options] CAPTURE...\n"
	      "  CAPTURE: pcap or pcapng, plain, .gz, .zst or .xz; a directory (its files in name\n"
	      "  order) or - (stdin); several are merged by timestamp\n"
	      "  -c, --config FILE        configuration file of `set` lines (the current setting);\n"
	      "                           repeatable, each file on top of the ones before it\n"
	      "      --set NAME=VALUE     one session setting (repeatable), e.g. max-sessions=50000 or\n"
	      "                           accelerated-aging-threshold=90: \"Under pressure\" compares\n"
	      "                           each setting's peak with that table\n"
	      "                           (tunnel-inspect defaults to all here: inner flows are\n"
	      "                           sessions of their own)\n"
	      "      --decap              unwrap mirror transport (ERSPAN, VXLAN, Geneve): the\n"
	      "                           mirror flow itself is not a session\n"
	      "      --what-if 'K=V,...'  one more named setting to compare (repeatable), e.g.\n"
	      "                           --what-if 'timeout-tcpwait=60,half-close-mode=fixed'\n"
	      "      --json               one JSON object on stdout instead of the tables\n"
	      "      --plot FILE          occupancy and half-close plot, FILE.svg or FILE.png\n"
	      "      --top N              rows of the session lists in the tables (default 20)\n"
	      "      --threads N          replay the settings N at a time, one engine each (default\n"
	      "                           1); the report is the same for every N\n"
	      "  -q, --quiet              no timing line on stderr\n",
	      f);
}

#ifdef SW_WITH_PLOT
static int has_ext(const char *p, const char *ext)
{
	size_t n = strlen(p), m = strlen(ext);
	return n > m && strcasecmp(p + n - m, ext) == 0;
}
#endif

int sw_cmd_analyze(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"set", required_argument, NULL, 'S'},
		{"what-if", required_argument, NULL, 'W'}, {"json", no_argument, NULL, 'J'},
		{"plot", required_argument, NULL, 'P'}, {"top", required_argument, NULL, 'T'},
		{"decap", no_argument, NULL, 'X'}, {"threads", required_argument, NULL, 'N'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct app_conf ac;
	struct sw_conf cur;
	struct an *a = NULL;
	char **whatif = NULL, err[512], *endp;
	struct sw_conf *wconf = NULL;
	int nwhatif = 0, json = 0, quiet = 0, partial, wr, ch, rc = 2, ncap;
	const char *plotpath = NULL;
	long top = 20;
	unsigned long threads = 1;

	app_conf_init(&ac);
	ac.tunnel_inspect = SW_TUN_ALL; /* as replay: a capture is analysed, inner flows too */
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (app_conf_add_config(&ac, optarg) < 0)
				goto out;
			break;
		case 'S':
			if (app_conf_add_set(&ac, optarg) < 0)
				goto out;
			break;
		case 'W': {
			void *p = realloc(whatif, (size_t)(nwhatif + 1) * sizeof(*whatif));
			if (!p)
				goto out;
			whatif = p;
			whatif[nwhatif++] = optarg;
			break;
		}
		case 'X': ac.decap = 1; break;
		case 'J': json = 1; break;
		case 'P': plotpath = optarg; break;
		case 'T':
			top = strtol(optarg, &endp, 10);
			if (*endp || endp == optarg || top < 0) {
				fprintf(stderr, "statewall analyze: --top '%s': expected a number of rows "
						"(0 or more)\n", optarg);
				goto out;
			}
			break;
		case 'N':
			threads = strtoul(optarg, &endp, 10);
			if (*endp || endp == optarg || threads == 0 || threads > AN_THREADS_MAX) {
				fprintf(stderr, "statewall analyze: --threads '%s': expected 1 to %d\n",
					optarg, AN_THREADS_MAX);
				goto out;
			}
			break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); rc = 0; goto out;
		default: usage(stderr); goto out;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		goto out;
	}
	ncap = app_captures("analyze", argc - optind, argv + optind);
	if (ncap < 0) {
		rc = 1;
		goto out;
	}
	if (ncap != argc - optind) { /* analyze takes no filter */
		fprintf(stderr, "statewall analyze: %s: %s\n", argv[optind + ncap], strerror(ENOENT));
		rc = 1;
		goto out;
	}
	if (plotpath) {
#ifdef SW_WITH_PLOT
		if (!has_ext(plotpath, ".svg") && !has_ext(plotpath, ".png")) {
			fprintf(stderr, "statewall analyze: --plot %s: the name must end in .svg or .png\n",
				plotpath);
			goto out;
		}
#else
		fprintf(stderr, "statewall analyze: --plot %s: this statewall was built without plots "
				"(cmake -DSW_WITH_PLOT=OFF); rebuild with -DSW_WITH_PLOT=ON and cairo\n",
			plotpath);
		goto out;
#endif
	}
	if (app_conf_build(&ac, &cur) < 0)
		goto out;
	if (nwhatif && !(wconf = calloc((size_t)nwhatif, sizeof(*wconf))))
		goto out;
	for (int i = 0; i < nwhatif; i++)
		if (an_parse_whatif(&cur, whatif[i], &wconf[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "statewall analyze: --what-if '%s': %s\n", whatif[i], err);
			goto out;
		}
	rc = 1;
	a = an_create((const char *const *)argv + optind, ncap, &cur);
	if (!a) {
		fputs("statewall analyze: out of memory\n", stderr);
		goto out;
	}
	an_set_threads(a, (unsigned)threads);
	partial = an_load(a, err, sizeof(err));
	if (partial < 0) {
		fprintf(stderr, "statewall analyze: %s\n", err);
		goto out;
	}
	if (partial)
		fprintf(stderr, "statewall analyze: %s (analyzing the packets before it)\n", err);
	if (an_measure(a, err, sizeof(err)) < 0 || an_recommend(a, err, sizeof(err)) < 0 ||
	    an_cost(a, whatif, wconf, (size_t)nwhatif, err, sizeof(err)) < 0 ||
	    an_scope(a, err, sizeof(err)) < 0) {
		fprintf(stderr, "statewall analyze: %s\n", err);
		goto out;
	}
	wr = json ? an_json(stdout, a) : an_text(stdout, a, (size_t)top);
	if (wr < 0) {
		fprintf(stderr, "statewall analyze: standard output: %s\n", strerror(-wr));
		goto out;
	}
#ifdef SW_WITH_PLOT
	if (plotpath) {
		if (an_plot(a, plotpath, err, sizeof(err)) < 0) {
			fprintf(stderr, "statewall analyze: --plot %s: %s\n", plotpath, err);
			goto out;
		}
		if (!json)
			printf("\nplot: %s\n", plotpath);
	}
#endif
	if (!quiet)
		an_timing(stderr, a);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "statewall analyze: standard output: %s\n", strerror(errno));
		goto out;
	}
	rc = partial ? 1 : 0;
out:
	an_destroy(a);
	free(wconf);
	free(whatif);
	app_conf_free(&ac);
	return rc;
}
