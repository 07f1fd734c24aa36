/*
 * jobs.c - a REST request as typed commands run in bounded steps.
 *
 * The endpoint builds a job: each op is a command of the registry
 * (registry.h) with its arguments as a JSON object, which the command's own
 * descriptor parses -- the one the CLI's words go through.  The request's
 * connection is suspended and sw_http_service runs the job's steps, oldest
 * request first, within its slice; when the last op is done the job's
 * finisher turns the ops' results (0 / -errno, the field at fault, the JSON
 * output) into the answer and the connection is resumed.
 */
#include <errno.h>
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
		json_decref(j->ops[i].args);
		free(j->ops[i].field);
		free(j->ops[i].err_field);
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

struct op *http_job_add(struct job *j, const char *words, json_t *args, const char *field, int when)
{
	struct op *n = realloc(j->ops, (j->nops + 1) * sizeof(*n)), *o;

	if (!n) {
		json_decref(args);
		return NULL;
	}
	j->ops = n;
	o = &n[j->nops];
	memset(o, 0, sizeof(*o));
	o->words = words;
	o->args = args;
	o->when = when;
	if (field && !(o->field = strdup(field))) {
		json_decref(args);
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

/* The setting a candidate-wide problem is about: one this request set, if it names one. */
static const char *problem_field(const struct job *j, const struct swc_problem *p)
{
	static const char *const tw[] = {"timeout-tcp-time-wait", "timeout-tcp-half-closed", NULL};

	if (p->kind == SWC_P_RANGE)
		return swc_settings[p->setting].name;
	if (p->kind != SWC_P_TIMEWAIT)
		return NULL;
	for (unsigned i = 0; i < j->nops; i++)
		for (unsigned k = 0; tw[k]; k++)
			if (j->ops[i].field && strcmp(j->ops[i].field, tw[k]) == 0)
				return tw[k];
	return NULL;
}

/* Check the candidate as commit will, with the offending setting typed. */
static void validate_op(struct job *j, struct op *o)
{
	struct swc_problem p;
	const char *f;

	if (!j->ms.cand) {
		o->rc = -EINVAL;
		snprintf(o->err, sizeof(o->err), "no candidate configuration");
		return;
	}
	swc_check(j->ms.cand, &p);
	if (p.kind == SWC_OK) {
		o->rc = 0;
		return;
	}
	o->rc = -EINVAL;
	swc_problem_str(j->ms.cand, &p, o->err, sizeof(o->err));
	if ((f = problem_field(j, &p)))
		o->err_field = strdup(f);
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
		o->ran = 1;
		if (!o->words) {
			validate_op(j, o);
			if (o->rc < 0)
				j->failed = 1;
			j->i++;
			return 1;
		}
		if (!j->call) {
			j->call = sw_mgmt_call_json(x->h, &j->ms, o->words, o->args, &o->out);
			if (!j->call) {
				o->rc = -ENOMEM;
				snprintf(o->err, sizeof(o->err), "out of memory");
				j->failed = 1;
				j->i++;
				continue;
			}
			if (o->tail)
				sw_mgmt_call_set_tail(j->call, o->tail, o->tail_ctx);
		}
		if (sw_mgmt_call_step(j->call) == SW_CALL_MORE)
			return 1;
		o->rc = sw_mgmt_call_rc(j->call);
		if (o->rc < 0) {
			const char *e = sw_mgmt_call_error(j->call), *f = sw_mgmt_call_field(j->call);
			snprintf(o->err, sizeof(o->err), "%s", e && *e ? e : strerror(-o->rc));
			if (f)
				o->err_field = strdup(f);
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

void http_job_simple(struct req *r, const char *words, finish_fn fin)
{
	struct job *j;

	if (http_refuse_args(r) < 0)
		return;
	j = http_job_new(fin);
	if (!j || !http_job_add(j, words, NULL, NULL, OP_NORMAL)) {
		http_job_free(j);
		http_set_error(r, 503, "out of memory");
		return;
	}
	http_job_start(r, j);
}

void http_job_args(struct req *r, const char *words, json_t *args)
{
	struct job *j = http_job_new(http_fin_passthrough);

	if (!j || !http_job_add(j, words, args, NULL, OP_NORMAL)) {
		if (!j)
			json_decref(args);
		http_job_free(j);
		http_set_error(r, 503, "out of memory");
		return;
	}
	http_job_start(r, j);
}

void http_op_error(struct req *r, const struct op *o)
{
	int status;

	switch (o->rc) {
	case -ENOENT:
		status = 404;
		break;
	case -EINVAL:
		status = 400;
		break;
	case -EACCES:
		status = 409;
		break;
	case -ENOMEM:
		status = 503;
		break;
	default:
		status = 500;
		break;
	}
	http_set_field_error(r, status, o->err_field ? o->err_field : o->field, "%s", o->err);
}

void http_fin_passthrough(struct req *r)
{
	struct op *o = &r->job->ops[0];

	if (o->rc == 0)
		http_set_json(r, 200, &o->out);
	else
		http_op_error(r, o);
}
