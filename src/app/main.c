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

/*
 * The subcommands.  A new front end adds its line here and its declaration
 * in app.h; usage and dispatch read this table.
 */
static const struct command {
	const char *name, *args, *help;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{"replay", "CAPTURE", "run a capture through the session engine", sw_cmd_replay},
	{"analyze", "CAPTURE", "which timers break which sessions, and what fixing them costs", sw_cmd_analyze},
	{"timeouts", "", "list every session timeout with its default and range", sw_cmd_timeouts},
	{"run", "--vwire A,B", "inline firewall between two interfaces", sw_cmd_run},
	{"cli", "[-c COMMAND]", "PAN-OS style CLI to a running daemon", sw_cmd_cli},
};

static void usage(FILE *f)
{
	fputs("usage: statewall COMMAND [options]   (statewall COMMAND --help for its options)\n\n"
	      "commands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char left[64];
		snprintf(left, sizeof(left), "%s %s", commands[i].name, commands[i].args);
		fprintf(f, "  %-24s %s\n", left, commands[i].help);
	}
	fprintf(f, "  %-24s %s\n", "version", "print the version");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		puts("statewall " SW_VERSION);
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
