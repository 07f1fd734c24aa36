/*
 * ep_objects.c - the configuration's objects and the policy that uses them:
 * GET services, service-groups, applications (each with ?name= for one) and
 * security-policy, each the registry's typed command (cmd_objects.c) with
 * the query parameter as its `name` argument; an unknown name is the
 * command's -ENOENT, 404 with "field":"name".  Changes go through
 * config/validate and config/commit (set / delete lines), as the CLI's do.
 */
#include <stdio.h>
#include <string.h>

#include "http/http-int.h"

struct nq {
	json_t *args;
	char field[96];
	int bad;
};

static enum MHD_Result name_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct nq *q = cls;

	(void)kind;
	http_utf8_clean(q->field, sizeof(q->field), key);
	if (strcmp(key, "name") != 0 || !value || json_object_get(q->args, "name") ||
	    json_object_set_new(q->args, "name", json_string(value)) < 0) {
		q->bad = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

/* `words` with the optional ?name= as its argument. */
static void named(struct req *r, const char *words)
{
	struct nq q = {.args = json_object()};

	if (!q.args) {
		http_set_error(r, 503, "out of memory");
		return;
	}
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, name_arg, &q);
	if (q.bad) {
		http_set_field_error(r, 400, q.field, "query parameter '%.64s': expected one "
				     "name=<object name> and nothing else", q.field);
		json_decref(q.args);
		return;
	}
	http_job_args(r, words, q.args);
}

void ep_services(struct req *r)
{
	named(r, "show service");
}

void ep_service_groups(struct req *r)
{
	named(r, "show service-group");
}

void ep_applications(struct req *r)
{
	named(r, "show application");
}

void ep_security_policy(struct req *r)
{
	http_job_simple(r, "show running security-policy", http_fin_passthrough);
}
