/*
 * app.h - the statewall program's subcommands and their shared option handling.
 */
#ifndef SW_APP_APP_H
#define SW_APP_APP_H

#include <stdio.h>

#include "statewall/conf.h"

/* `-c FILE` and `--set NAME=VALUE` options, applied in that order. */
struct app_conf {
	const char *config;
	char **sets;
	int nsets;
};

void app_conf_init(struct app_conf *ac);
int app_conf_add_set(struct app_conf *ac, const char *kv);
/* Defaults, then the file, then each --set; prints the error and returns -1 on failure. */
int app_conf_build(const struct app_conf *ac, struct sw_conf *conf);
void app_conf_free(struct app_conf *ac);

int sw_cmd_replay(int argc, char **argv);
int sw_cmd_analyze(int argc, char **argv);
int sw_cmd_timeouts(int argc, char **argv);
int sw_cmd_run(int argc, char **argv);
int sw_cmd_cli(int argc, char **argv);
int sw_cmd_events(int argc, char **argv);
int sw_cmd_passwd(int argc, char **argv);
int sw_cmd_man(int argc, char **argv);
/* Subcommand i of the table in main.c (for the man page); 0, or -1 past the end. */
int app_command(unsigned i, const char **name, const char **args, const char **help);
/* The usage texts of `statewall run --help` and `statewall cli --help` (man pages). */
void sw_run_usage(FILE *f);
void sw_cli_usage(FILE *f);
int sw_cmd_apikey(int argc, char **argv);

#endif
