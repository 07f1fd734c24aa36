/*
 * ep_session.c - the session and status endpoints: session/info, counters,
 * interfaces, sessions (listing with filters and paging), sessions/{id}
 * (show, clear) and sessions/clear (by ids or by filter).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http-int.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define CLEAR_IDS_MAX 1000

/* show session info + the broken-session counts kept here */
static void fin_info(struct req *r)
{
	struct op *o = &r->job->ops[0];
	struct sw_http *x = r->x;

	if (o->rc != SW_CALL_DONE) {
		http_set_error(r, 500, "%s", o->err);
		return;
	}
	/* the registry's object, with three members added before its closing brace */
	while (o->out.len && (o->out.p[o->out.len - 1] == '\n' || o->out.p[o->out.len - 1] == ' '))
		o->out.len--;
	if (!o->out.len || o->out.p[o->out.len - 1] != '}') {
		http_set_error(r, 500, "unexpected output from show session info");
		return;
	}
	o->out.len--;
	o->out.p[o->out.len] = '\0';
	sw_buf_printf(&o->out,
		      ",\"broken_sessions\":%llu,\"broken_half_closed_sessions\":%llu,"
		      "\"broken_late_packets\":%llu}\n",
		      (unsigned long long)x->broken, (unsigned long long)x->broken_half_closed,
		      (unsigned long long)x->broken_late_pkts);
	http_set_json(r, 200, &o->out);
}

void ep_session_info(struct req *r)
{
	http_job_simple(r, "show session info", fin_info);
}

void ep_counters(struct req *r)
{
	http_job_simple(r, "show counter global", http_fin_passthrough);
}

void ep_interfaces(struct req *r)
{
	http_job_simple(r, "show interface", http_fin_passthrough);
}

/* A value that may go into a command line as one word. */
int http_word_ok(const char *v, size_t max)
{
	size_t n = 0;

	if (!v || !*v)
		return 0;
	for (; *v; v++, n++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
		      *v == '.' || *v == ':' || *v == '/' || *v == '-' || *v == '_'))
			return 0;
	return n <= max;
}

/* REST filter names -> registry filter keywords */
static const struct {
	const char *rest, *kw;
} filter_map[] = {
	{"source", "source"},
	{"destination", "destination"},
	{"source_port", "source-port"},
	{"destination_port", "destination-port"},
	{"protocol", "protocol"},
	{"state", "state"},
};

const char *http_filter_kw(const char *name)
{
	for (size_t i = 0; i < sizeof(filter_map) / sizeof(filter_map[0]); i++)
		if (strcmp(filter_map[i].rest, name) == 0)
			return filter_map[i].kw;
	return NULL;
}

struct qctx {
	struct sw_buf line;
	char err[256];
	char field[96];
	int bad;
	long limit, start_at;
};

static enum MHD_Result list_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct qctx *q = cls;
	const char *kw;

	(void)kind;
	if (q->bad)
		return MHD_NO;
	http_utf8_clean(q->field, sizeof(q->field), key);
	if (strcmp(key, "limit") == 0) {
		if (http_parse_num(value, 1, LIST_MAX, &q->limit) < 0) {
			snprintf(q->err, sizeof(q->err), "limit: expected an integer from 1 to %d", LIST_MAX);
			q->bad = 1;
		}
		return MHD_YES;
	}
	if (strcmp(key, "start_at") == 0) {
		if (http_parse_num(value, 1, 4294967295L, &q->start_at) < 0) {
			snprintf(q->err, sizeof(q->err), "start_at: expected a session id (1 or more)");
			q->bad = 1;
		}
		return MHD_YES;
	}
	kw = http_filter_kw(key);
	if (!kw) {
		snprintf(q->err, sizeof(q->err),
			 "unknown query parameter '%.64s' (known: source destination source_port "
			 "destination_port protocol state start_at limit)",
			 q->field);
		q->bad = 1;
		return MHD_NO;
	}
	if (!http_word_ok(value, 64)) {
		snprintf(q->err, sizeof(q->err), "%s: missing or malformed value", key);
		q->bad = 1;
		return MHD_NO;
	}
	sw_buf_printf(&q->line, " %s %s", kw, value);
	return MHD_YES;
}

void ep_sessions(struct req *r)
{
	struct qctx q = {.limit = LIST_DEFAULT};
	struct job *j;

	sw_buf_puts(&q.line, "show session all filter");
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, list_arg, &q);
	if (q.bad) {
		http_set_field_error(r, 400, q.field, "%s", q.err);
		sw_buf_free(&q.line);
		return;
	}
	if (q.start_at)
		sw_buf_printf(&q.line, " start-at %ld", q.start_at);
	sw_buf_printf(&q.line, " limit %ld", q.limit);
	j = http_job_new(http_fin_passthrough);
	if (q.line.oom || !j || !http_job_add(j, q.line.p, NULL, OP_NORMAL)) {
		http_job_free(j);
		sw_buf_free(&q.line);
		http_set_error(r, 503, "out of memory");
		return;
	}
	sw_buf_free(&q.line);
	http_job_start(r, j);
}

void ep_session_get(struct req *r)
{
	char line[64];

	snprintf(line, sizeof(line), "show session id %u", r->id);
	http_job_simple(r, line, http_fin_passthrough);
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
		if (o->rc == SW_CALL_DONE)
			cleared += (unsigned long long)sw_json_get_int(o->out.p ? o->out.p : "{}",
								       "cleared", 0);
		else if (!strstr(o->err, "no such live session")) {
			http_set_error(r, 400, "%s", o->err);
			return;
		}
	}
	sw_buf_printf(&b, "{\"cleared\":%llu,\"not_found\":[", cleared);
	for (unsigned i = 0; i < j->nops; i++)
		if (j->ops[i].rc != SW_CALL_DONE && j->ops[i].id)
			sw_buf_printf(&b, "%s%u", nf++ ? "," : "", j->ops[i].id);
	sw_buf_puts(&b, "]}\n");
	if (j->nops == 1 && nf == 1 && r->id) {
		sw_buf_free(&b);
		http_set_error(r, 404, "%s", j->ops[0].err);
		return;
	}
	http_set_json(r, 200, &b);
}

static int add_clear_id(struct job *j, uint32_t id)
{
	char l[64];
	struct op *o;

	snprintf(l, sizeof(l), "clear session id %u", id);
	if (!(o = http_job_add(j, l, NULL, OP_NORMAL)))
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
	static const char *const fkeys[] = {"source", "destination", "source_port", "destination_port",
					    "protocol", "state", NULL};
	json_t *v = http_body_object(r), *ids, *filter, *e;
	struct job *j = NULL;
	struct sw_buf line = {0};
	const char *k;
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
		if (http_only_members(r, filter, fkeys, "\"filter\"") < 0)
			goto out;
		sw_buf_puts(&line, "clear session all");
		if (json_object_size(filter))
			sw_buf_puts(&line, " filter");
		json_object_foreach(filter, k, e) {
			char num[24];
			const char *val = json_string_value(e);
			if (json_is_integer(e)) {
				snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(e));
				val = num;
			} else if (!json_is_string(e)) {
				http_set_field_error(r, 400, k, "\"filter\".%s must be a string or an integer, got %s",
						     k, http_json_type_name(e));
				goto out;
			}
			if (!http_word_ok(val, 64)) {
				http_set_field_error(r, 400, k, "\"filter\".%s: malformed value", k);
				goto out;
			}
			sw_buf_printf(&line, " %s %s", http_filter_kw(k), val);
		}
		if (line.oom || !http_job_add(j, line.p, NULL, OP_NORMAL))
			goto oom;
	}
	http_job_start(r, j);
	j = NULL;
	goto out;
oom:
	http_set_error(r, 503, "out of memory");
out:
	http_job_free(j);
	sw_buf_free(&line);
	json_decref(v);
}
