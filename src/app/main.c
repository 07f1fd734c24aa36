/*
 * main.c - the statewall program: subcommand dispatch and shared options.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "statewall/types.h"

void app_conf_init(struct app_conf *ac)
{
	memset(ac, 0, sizeof(*ac));
}

int app_conf_add_set(struct app_conf *ac, const char *kv)
{
	char **n = realloc(ac->sets, (size_t)(ac->nsets + 1) * sizeof(*n));

	if (!n) {
		fputs("statewall: out of memory\n", stderr);
		return -1;
	}
	ac->sets = n;
	ac->sets[ac->nsets++] = (char *)kv;
	return 0;
}

void app_conf_free(struct app_conf *ac)
{
	free(ac->sets);
	ac->sets = NULL;
	ac->nsets = 0;
}

int app_conf_build(const struct app_conf *ac, struct sw_conf *conf)
{
	char err[512];

	sw_conf_defaults(conf);
	if (ac->config && sw_conf_load(conf, ac->config, err, sizeof(err)) < 0) {
		fprintf(stderr, "statewall: %s\n", err);
		return -1;
	}
	for (int i = 0; i < ac->nsets; i++) {
		if (sw_conf_apply_kv(conf, ac->sets[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "statewall: %s\n", err);
			return -1;
		}
	}
	if (sw_conf_validate(conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "statewall: %s\n", err);
		return -1;
	}
	return 0;
}

int sw_cmd_timeouts(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("%-28s %8s  %-12s %s\n", "name", "default", "range", "meaning");
	for (int i = 0; i < SW_TO_MAX; i++) {
		const struct sw_timeout_info *t = &sw_timeout_info[i];
		char range[32];
		snprintf(range, sizeof(range), "%u-%u", t->min, t->max);
		printf("%-28s %8u  %-12s %s\n", t->name, t->def, range, t->help);
	}
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: statewall COMMAND [options]\n"
	      "\n"
	      "commands:\n"
	      "  replay CAPTURE     run a capture through the session engine (statewall replay --help)\n"
	      "  timeouts           list every session timeout with its default and range\n"
	      "  version            print the version\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "replay") == 0)
		return sw_cmd_replay(argc - 1, argv + 1);
	if (strcmp(argv[1], "timeouts") == 0)
		return sw_cmd_timeouts(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		puts("statewall 0.1.0");
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "statewall: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
