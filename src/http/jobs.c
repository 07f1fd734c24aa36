/*
 * jobs.c - a REST request as registry command lines run in bounded steps.
 *
 * The endpoint builds a job (its ops are the lines the CLI would type); the
 * request's connection is suspended and sw_http_service runs the job's steps,
 * oldest request first, within its slice; when the last op is done the
 * job's finisher turns the ops' outputs into the JSON answer and the
 * connection is resumed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf-int.h"
#include "http/http-int.h"

void http_job_free(struct job *j)
{
	if (!j)
		return;
	sw_mgmt_call_free(j->call);
	for (unsigned i = 0; i < j->nops; i++) {
		free(j->ops[i].line);
		free(j->ops[i].field);
		sw_buf_free(&j->ops[i].out);
	}
	free(j->ops);
	sw_mgmt_sess_free(&j->ms);
	free(j);
}

struct job *http_job_new(finish_fn fin)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	sw_mgmt_sess_init(&j->ms);
	j->finish = fin;
	return j;
}

struct op *http_job_add(struct job *j, const char *line, const char *field, int when)
{
	struct op *n = realloc(j->ops, (j->nops + 1) * sizeof(*n)), *o;

	if (!n)
		return NULL;
	j->ops = n;
	o = &n[j->nops];
	memset(o, 0, sizeof(*o));
	o->rc = -2;
	o->when = when;
	if ((line && !(o->line = strdup(line))) || (field && !(o->field = strdup(field)))) {
		free(o->line);
		return NULL;
	}
	j->nops++;
	return o;
}

void http_job_start(struct req *r, struct job *j)
{
	r->job = j;
	http_running_add(r->x, r);
	http_req_suspend(r);
}

int http_job_step(struct req *r)
{
	struct job *j = r->job;
	struct sw_http *x = r->x;

	while (j->i < j->nops) {
		struct op *o = &j->ops[j->i];
		if (j->failed && (o->when == OP_IF_CLEAN || (o->when == OP_NORMAL && !j->keep_going))) {
			j->i++;
			continue;
		}
		if (!o->line) { /* validate the candidate, as commit will */
			if (!j->ms.cand) {
				o->rc = SW_CALL_ERROR;
				snprintf(o->err, sizeof(o->err), "no candidate configuration");
			} else if (sw_conf_validate(j->ms.cand, o->err, sizeof(o->err)) < 0) {
				o->rc = SW_CALL_ERROR;
			} else {
				o->rc = SW_CALL_DONE;
			}
			if (o->rc == SW_CALL_ERROR)
				j->failed = 1;
			j->i++;
			return 1;
		}
		if (!j->call) {
			j->call = sw_mgmt_call_start(x->h, &j->ms, o->line, 1, &o->out);
			if (!j->call) {
				o->rc = SW_CALL_ERROR;
				snprintf(o->err, sizeof(o->err), "out of memory");
				j->failed = 1;
				j->i++;
				continue;
			}
		}
		int rc = sw_mgmt_call_step(j->call);
		if (rc == SW_CALL_MORE)
			return 1;
		o->rc = rc;
		if (rc == SW_CALL_ERROR) {
			const char *e = sw_mgmt_call_error(j->call);
			snprintf(o->err, sizeof(o->err), "%s", e && *e ? e : "failed");
			j->failed = 1;
		}
		sw_mgmt_call_free(j->call);
		j->call = NULL;
		j->i++;
		return 1;
	}
	return 0;
}

void http_job_finish(struct req *r)
{
	struct job *j = r->job;

	j->finish(r);
	if (!r->ready)
		http_set_error(r, 500, "internal error: no response");
	http_job_free(j);
	r->job = NULL;
	http_running_del(r->x, r);
	http_req_resume(r);
}

void http_job_simple(struct req *r, const char *line, finish_fn fin)
{
	struct job *j;

	if (http_refuse_args(r) < 0)
		return;
	j = http_job_new(fin);
	if (!j || !http_job_add(j, line, NULL, OP_NORMAL)) {
		http_job_free(j);
		http_set_error(r, 503, "out of memory");
		return;
	}
	http_job_start(r, j);
}

void http_fin_passthrough(struct req *r)
{
	struct op *o = &r->job->ops[0];

	if (o->rc == SW_CALL_DONE)
		http_set_json(r, 200, &o->out);
	else if (strstr(o->err, "no such live session"))
		http_set_error(r, 404, "%s", o->err);
	else
		http_set_error(r, 400, "%s", o->err);
}
