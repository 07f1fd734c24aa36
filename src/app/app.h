/*
 * app.h - the statewall program's subcommands and their shared option handling.
 */
#ifndef SW_APP_APP_H
#define SW_APP_APP_H

#include <stdio.h>

#include "statewall/conf.h"
#include "statewall/types.h"

/*
 * `-c FILE` and `--set NAME=VALUE` options, applied in that order.  replay
 * and analyze take -c more than once: each further file (more) is loaded
 * on top of the ones before it, e.g. the configuration lines analyze
 * recommends on top of the configuration it was run with.
 */
struct app_conf {
	const char *config;
	const char **more;
	int nmore;
	char **sets;
	int nsets;
	uint32_t tunnel_inspect; /* the mode's default tunnel-inspect, before the file and --set */
	int decap;               /* --decap: skip the mirror transport's outer flow */
};
/* The tunnel types --decap unwraps: the mirror transports (ERSPAN, VXLAN, Geneve). */
#define APP_DECAP_TYPES ((1u << SW_TUN_ERSPAN) | (1u << SW_TUN_VXLAN) | (1u << SW_TUN_GENEVE))

void app_conf_init(struct app_conf *ac);
/* One more -c file: the first is config, each later one is loaded on top. 0 or -1. */
int app_conf_add_config(struct app_conf *ac, const char *path);
int app_conf_add_set(struct app_conf *ac, const char *kv);
/* Defaults, then the files, then each --set; prints the error and returns -1 on failure. */
int app_conf_build(const struct app_conf *ac, struct sw_conf *conf);
void app_conf_free(struct app_conf *ac);

/*
 * The captures at the start of argv: every word that is "-" or names a file
 * or directory that exists; the first that does not begins the BPF filter.
 * A missing first capture, or a missing word that looks like a capture (has
 * a '/' or a capture suffix), is an error, said on stderr: -1.
 */
int app_captures(const char *cmd, int argc, char **argv);

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
