/*
 * ep_session.c - the session and status endpoints: session/info, counters,
 * interfaces, sessions (listing with filters and paging), sessions/{id}
 * (show, clear) and sessions/clear (by ids or by filter), each a typed
 * command of the registry (cmd_session.c, cmd_stats.c) whose arguments are
 * the query parameters or the body's members under the same names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http-int.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define CLEAR_IDS_MAX 1000

/* the filters of a listing, clear or event stream: REST name = the command's JSON name */
static const char *const filter_names[] = {
	"source", "destination", "source_port", "destination_port", "protocol", "state", "service",
	NULL,
};

const char *http_filter_name(const char *name)
{
	for (unsigned i = 0; filter_names[i]; i++)
		if (strcmp(filter_names[i], name) == 0)
			return filter_names[i];
	return NULL;
}

/* show session info + the broken-session counts kept here */
static void info_tail(void *ctx, struct sw_emit *e)
{
	struct sw_http *x = ctx;

	sw_emit_u64(e, "broken_sessions", NULL, x->broken);
	sw_emit_u64(e, "broken_half_closed_sessions", NULL, x->broken_half_closed);
	sw_emit_u64(e, "broken_late_packets", NULL, x->broken_late_pkts);
}

void ep_session_info(struct req *r)
{
	struct job *j;
	struct op *o;

	if (http_refuse_args(r) < 0)
		return;
	j = http_job_new(http_fin_passthrough);
	if (!j || !(o = http_job_add(j, "show session info", NULL, NULL, OP_NORMAL))) {
		http_job_free(j);
		http_set_error(r, 503, "out of memory");
		return;
	}
	o->tail = info_tail;
	o->tail_ctx = r->x;
	http_job_start(r, j);
}

void ep_counters(struct req *r)
{
	http_job_simple(r, "show counter global", http_fin_passthrough);
}

void ep_interfaces(struct req *r)
{
	http_job_simple(r, "show interface", http_fin_passthrough);
}

struct qctx {
	json_t *args;
	char err[256];
	char field[96];
	int bad;
};

static enum MHD_Result list_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct qctx *q = cls;
	long n;

	(void)kind;
	http_utf8_clean(q->field, sizeof(q->field), key);
	if (strcmp(key, "limit") == 0 && http_parse_num(value, 1, LIST_MAX, &n) < 0) {
		snprintf(q->err, sizeof(q->err), "limit: expected an integer from 1 to %d", LIST_MAX);
		q->bad = 1;
		return MHD_NO;
	}
	if (strcmp(key, "limit") != 0 && strcmp(key, "start_at") != 0 && !http_filter_name(key)) {
		snprintf(q->err, sizeof(q->err),
			 "unknown query parameter '%.64s' (known: source destination source_port "
			 "destination_port protocol state service start_at limit)",
			 q->field);
		q->bad = 1;
		return MHD_NO;
	}
	/* the value as a string: the command's descriptor reads numbers from strings too */
	if (!value || json_object_set_new(q->args, key, json_string(value)) < 0) {
		snprintf(q->err, sizeof(q->err), "%s: missing or malformed value", key);
		q->bad = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

void ep_sessions(struct req *r)
{
	struct qctx q = {.args = json_object()};

	if (!q.args) {
		http_set_error(r, 503, "out of memory");
		return;
	}
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, list_arg, &q);
	if (q.bad) {
		http_set_field_error(r, 400, q.field, "%s", q.err);
		json_decref(q.args);
		return;
	}
	if (!json_object_get(q.args, "limit"))
		json_object_set_new(q.args, "limit", json_integer(LIST_DEFAULT));
	http_job_args(r, "show session all", q.args);
}

static json_t *id_args(uint32_t id)
{
	return json_pack("{s:I}", "id", (json_int_t)id);
}

void ep_session_get(struct req *r)
{
	struct job *j;

	if (http_refuse_args(r) < 0)
		return;
	j = http_job_new(http_fin_passthrough);
	if (!j || !http_job_add(j, "show session id", id_args(r->id), NULL, OP_NORMAL)) {
		http_job_free(j);
		http_set_error(r, 503, "out of memory");
		return;
	}
	http_job_start(r, j);
}

/* {"cleared":N,"not_found":[ids]}; a single DELETE of an unknown id is 404 */
static void fin_clear(struct req *r)
{
	struct job *j = r->job;
	struct sw_buf b = {0};
	unsigned long long cleared = 0;
	int nf = 0;

	for (unsigned i = 0; i < j->nops; i++) {
		struct op *o = &j->ops[i];
		if (o->rc == 0) {
			/* the command's own JSON document: {"cleared":N,...} */
			json_t *v = json_loadb(o->out.p ? o->out.p : "{}", o->out.len, 0, NULL);
			cleared += (unsigned long long)json_integer_value(json_object_get(v, "cleared"));
			json_decref(v);
		} else if (!(o->rc == -ENOENT && o->id)) {
			http_op_error(r, o);
			return;
		}
	}
	sw_buf_printf(&b, "{\"cleared\":%llu,\"not_found\":[", cleared);
	for (unsigned i = 0; i < j->nops; i++)
		if (j->ops[i].rc == -ENOENT)
			sw_buf_printf(&b, "%s%u", nf++ ? "," : "", j->ops[i].id);
	sw_buf_puts(&b, "]}\n");
	if (j->nops == 1 && nf == 1 && r->id) {
		sw_buf_free(&b);
		http_op_error(r, &j->ops[0]);
		return;
	}
	http_set_json(r, 200, &b);
}

static int add_clear_id(struct job *j, uint32_t id)
{
	struct op *o = http_job_add(j, "clear session id", id_args(id), NULL, OP_NORMAL);

	if (!o)
		return -1;
	o->id = id;
	return 0;
}

void ep_session_delete(struct req *r)
{
	struct job *j;

	if (http_refuse_args(r) < 0)
		return;
	j = http_job_new(fin_clear);
	if (!j || add_clear_id(j, r->id) < 0) {
		http_job_free(j);
		http_set_error(r, 503, "out of memory");
		return;
	}
	http_job_start(r, j);
}

/* POST /api/v1/sessions/clear {"ids":[...]} | {"filter":{...}} */
void ep_sessions_clear(struct req *r)
{
	static const char *const top[] = {"ids", "filter", NULL};
	json_t *v = http_body_object(r), *ids, *filter, *e;
	struct job *j = NULL;
	size_t i;

	if (!v || http_refuse_args(r) < 0 || http_only_members(r, v, top, "the clear request") < 0)
		goto out;
	ids = json_object_get(v, "ids");
	filter = json_object_get(v, "filter");
	if (!!ids == !!filter) {
		http_set_error(r, 400, "give exactly one of \"ids\" (an array of session ids) or "
				       "\"filter\" (an object; {} clears every session)");
		goto out;
	}
	j = http_job_new(fin_clear);
	if (!j)
		goto oom;
	j->keep_going = 1;
	if (ids) {
		if (!json_is_array(ids) || json_array_size(ids) == 0 ||
		    json_array_size(ids) > CLEAR_IDS_MAX) {
			http_set_field_error(r, 400, "ids", "\"ids\" must be an array of 1 to %d session ids",
					     CLEAR_IDS_MAX);
			goto out;
		}
		json_array_foreach(ids, i, e) {
			json_int_t n = json_is_integer(e) ? json_integer_value(e) : 0;
			if (!json_is_integer(e) || n < 1 || n > 4294967295LL) {
				http_set_field_error(r, 400, "ids",
						     "\"ids\": every element must be an integer session id "
						     "(1 or more), got %s",
						     json_is_integer(e) ? "a number out of range"
									: http_json_type_name(e));
				goto out;
			}
			if (add_clear_id(j, (uint32_t)n) < 0)
				goto oom;
		}
	} else {
		if (!json_is_object(filter)) {
			http_set_field_error(r, 400, "filter", "\"filter\" must be an object, got %s",
					     http_json_type_name(filter));
			goto out;
		}
		if (http_only_members(r, filter, filter_names, "\"filter\"") < 0)
			goto out;
		/* the filter's members are the command's arguments, by the same names */
		if (!http_job_add(j, "clear session all", json_incref(filter), NULL, OP_NORMAL))
			goto oom;
	}
	http_job_start(r, j);
	j = NULL;
	goto out;
oom:
	http_set_error(r, 503, "out of memory");
out:
	http_job_free(j);
	json_decref(v);
}
