/*
 * app.h - the statewall program's subcommands and their shared option handling.
 */
#ifndef SW_APP_APP_H
#define SW_APP_APP_H

#include "statewall/conf.h"
#include "statewall/types.h"

/* `-c FILE` and `--set NAME=VALUE` options, applied in that order. */
struct app_conf {
	const char *config;
	char **sets;
	int nsets;
	uint32_t tunnel_inspect; /* the mode's default tunnel-inspect, before the file and --set */
	int decap;               /* --decap: skip the mirror transport's outer flow */
};
/* The tunnel types --decap unwraps: the mirror transports (ERSPAN, VXLAN, Geneve). */
#define APP_DECAP_TYPES ((1u << SW_TUN_ERSPAN) | (1u << SW_TUN_VXLAN) | (1u << SW_TUN_GENEVE))

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
int sw_cmd_apikey(int argc, char **argv);

#endif
