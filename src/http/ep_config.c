/*
 * ep_config.c - the configuration endpoints: GET config (running lines and
 * every setting's schema and value), POST config/validate and config/commit
 * ({"settings":{NAME:VALUE},"lines":["set ..."]}, all or nothing, errors
 * per field): the typed commands configure, set setting {name, value} for
 * "settings", set / delete (their words argument) for "lines", commit and
 * exit, with the candidate checked in between by
 * swc_check, whose problem names the setting at fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf-int.h"
#include "http/http-int.h"

#define SET_MAX 64

/* commit's own object, plus "valid":true */
static void valid_tail(void *ctx, struct sw_emit *e)
{
	(void)ctx;
	sw_emit_bool(e, "valid", NULL, 1);
}

/* validate / commit: errors per field, or the commit's own answer */
static void fin_config(struct req *r, int commit)
{
	struct job *j = r->job;
	struct sw_buf b = {0};
	int nerr = 0;
	struct op *commit_op = NULL;

	sw_buf_puts(&b, "{\"errors\":[");
	for (unsigned i = 0; i < j->nops; i++) {
		struct op *o = &j->ops[i];
		const char *field = o->field ? o->field : o->err_field;
		if (o->words && strcmp(o->words, "commit") == 0)
			commit_op = o;
		if (!o->ran || o->rc == 0 || (o->words && strcmp(o->words, "exit") == 0))
			continue;
		sw_buf_puts(&b, nerr++ ? ",{\"field\":" : "{\"field\":");
		if (field)
			http_json_str(&b, field);
		else
			sw_buf_puts(&b, "null");
		sw_buf_puts(&b, ",\"line\":");
		if (o->args && json_is_string(json_object_get(o->args, "words"))) {
			struct sw_buf l = {0};
			sw_buf_printf(&l, "%s %s", o->words, json_string_value(json_object_get(o->args, "words")));
			http_json_str(&b, l.p ? l.p : "");
			sw_buf_free(&l);
		} else {
			sw_buf_puts(&b, "null");
		}
		sw_buf_puts(&b, ",\"message\":");
		http_json_str(&b, o->err);
		sw_buf_puts(&b, "}");
	}
	if (nerr) {
		sw_buf_printf(&b, "],\"valid\":false%s,\"error\":\"%d setting%s refused; nothing "
				  "changed\"}\n",
			      commit ? ",\"committed\":false" : "", nerr, nerr == 1 ? "" : "s");
		http_set_json(r, 422, &b);
		return;
	}
	sw_buf_free(&b);
	if (commit && commit_op && commit_op->ran && commit_op->rc == 0) {
		http_set_json(r, 200, &commit_op->out);
		return;
	}
	sw_buf_puts(&b, commit ? "{\"valid\":true,\"committed\":false}\n" : "{\"valid\":true,\"errors\":[]}\n");
	http_set_json(r, 200, &b);
}

static void fin_validate(struct req *r)
{
	fin_config(r, 0);
}

static void fin_commit(struct req *r)
{
	fin_config(r, 1);
}

/* GET /api/v1/config: running lines (registry) + the settings schema and values */
static void fin_config_get(struct req *r)
{
	struct op *o = &r->job->ops[0];
	const struct sw_conf *conf = sw_dp_conf(&r->x->h->dp);
	struct sw_buf b = {0};

	if (o->rc < 0) {
		http_op_error(r, o);
		return;
	}
	sw_buf_puts(&b, "{\"running\":");
	while (o->out.len && o->out.p[o->out.len - 1] == '\n')
		o->out.p[--o->out.len] = '\0';
	sw_buf_puts(&b, o->out.p ? o->out.p : "null");
	sw_buf_puts(&b, ",\"timeouts\":[");
	for (unsigned t = 0; t < SW_TO_MAX; t++) {
		const struct sw_timeout_info *ti = &sw_timeout_info[t];
		sw_buf_puts(&b, t ? ",{\"name\":" : "{\"name\":");
		http_json_str(&b, ti->name);
		sw_buf_puts(&b, ",\"label\":");
		http_json_str(&b, ti->label);
		sw_buf_printf(&b, ",\"value\":%u,\"default\":%u,\"min\":%u,\"max\":%u,\"unit\":\"seconds\","
				  "\"help\":",
			      conf->timeout[t], ti->def, ti->min, ti->max);
		http_json_str(&b, ti->help);
		sw_buf_puts(&b, "}");
	}
	sw_buf_puts(&b, "],\"settings\":[");
	int first = 1;
	for (unsigned i = 0; i < swc_nsettings; i++) {
		const struct swc_setting *s = &swc_settings[i];
		if (strncmp(s->name, "timeout-", 8) == 0)
			continue; /* the timeouts above */
		uint32_t v = swc_get(conf, s);
		sw_buf_puts(&b, first ? "{\"name\":" : ",{\"name\":");
		first = 0;
		http_json_str(&b, s->name);
		if (s->kind == SWC_LIST) {
			char lb[160];

			sw_buf_puts(&b, ",\"type\":\"list\",\"value\":");
			http_json_str(&b, swc_list_str(s, v, lb, sizeof(lb)));
			sw_buf_puts(&b, ",\"default\":");
			http_json_str(&b, swc_list_str(s, s->def, lb, sizeof(lb)));
			sw_buf_puts(&b, ",\"choices\":[\"all\",\"none\"");
			for (unsigned w = 0; s->words[w]; w++) {
				sw_buf_puts(&b, ",");
				http_json_str(&b, s->words[w]);
			}
			sw_buf_puts(&b, "]");
		} else if (s->kind == SWC_WORD) {
			sw_buf_puts(&b, ",\"type\":\"choice\",\"value\":");
			http_json_str(&b, s->words[v]);
			sw_buf_puts(&b, ",\"default\":");
			http_json_str(&b, s->words[s->def]);
			sw_buf_puts(&b, ",\"choices\":[");
			for (unsigned w = 0; s->words[w]; w++) {
				if (w)
					sw_buf_puts(&b, ",");
				http_json_str(&b, s->words[w]);
			}
			sw_buf_puts(&b, "]");
		} else {
			sw_buf_printf(&b, ",\"type\":\"integer\",\"value\":%u,\"default\":%u,\"min\":%u,"
					  "\"max\":%u,\"unit\":",
				      v, s->def, s->min, s->max);
			http_json_str(&b, s->unit ? s->unit : "");
		}
		sw_buf_puts(&b, ",\"help\":");
		http_json_str(&b, s->help);
		if (strcmp(s->name, "max-sessions") == 0 || strcmp(s->name, "max-tombstones") == 0)
			sw_buf_puts(&b, ",\"restart_needed\":true");
		sw_buf_puts(&b, "}");
	}
	sw_buf_puts(&b, "]}\n");
	http_set_json(r, 200, &b);
}

void ep_config_get(struct req *r)
{
	http_job_simple(r, "show config running", fin_config_get);
}

/* A choice value that may go into a `set` line as one word. */
static int word_ok(const char *v, size_t max)
{
	size_t n = 0;

	if (!v || !*v)
		return 0;
	for (; *v; v++, n++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
		      *v == '.' || *v == '-' || *v == '_' || *v == ','))
			return 0;
	return n <= max;
}

/* One "settings" member as a `set` line; 0, or -1 with the response set. */
static int add_setting(struct req *r, struct job *j, const char *key, json_t *e)
{
	int si = swc_setting_find(key);
	char val[128], name[96];

	if (si < 0) {
		http_utf8_clean(name, sizeof(name), key);
		http_set_field_error(r, 400, name, "\"settings\": unknown setting \"%.64s\" (did you mean %s?)",
				     name, swc_settings[swc_setting_closest(key)].name);
		return -1;
	}
	const struct swc_setting *s = &swc_settings[si];
	if (s->kind == SWC_U32) {
		if (!json_is_integer(e)) {
			http_set_field_error(r, 400, s->name, "\"settings\".%s must be an integer (%s), got %s",
					     s->name, s->unit ? s->unit : "number",
					     json_is_real(e) ? "a fraction" : http_json_type_name(e));
			return -1;
		}
		snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(e));
	} else {
		if (!json_is_string(e)) {
			http_set_field_error(r, 400, s->name,
					     "\"settings\".%s must be a string (one of the choices), got %s",
					     s->name, http_json_type_name(e));
			return -1;
		}
		if (!word_ok(json_string_value(e), sizeof(val) - 1)) {
			http_set_field_error(r, 400, s->name, "\"settings\".%s: malformed value", s->name);
			return -1;
		}
		snprintf(val, sizeof(val), "%s", json_string_value(e));
	}
	if (!http_job_add(j, "set setting", json_pack("{s:s,s:s}", "name", s->name, "value", val), s->name,
			  OP_NORMAL)) {
		http_set_error(r, 503, "out of memory");
		return -1;
	}
	return 0;
}

/* One "lines" element; 0, or -1 with the response set. */
static int add_line(struct req *r, struct job *j, json_t *e)
{
	const char *s = json_string_value(e);

	if (!s) {
		http_set_field_error(r, 400, "lines", "\"lines\": every element must be a string, got %s",
				     http_json_type_name(e));
		return -1;
	}
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20) {
			http_set_field_error(r, 400, "lines", "\"lines\": one set/delete line per element, "
							      "without control characters");
			return -1;
		}
	if (strncmp(s, "set ", 4) != 0 && strncmp(s, "delete ", 7) != 0) {
		http_set_field_error(r, 400, "lines", "\"lines\": each line must be a `set ...` or "
						      "`delete ...` line");
		return -1;
	}
	if (strlen(s) > 1024) {
		http_set_field_error(r, 400, "lines", "\"lines\": line too long");
		return -1;
	}
	/* "set WORDS" / "delete WORDS": the command and its words argument */
	int del = s[0] == 'd';
	if (!http_job_add(j, del ? "delete" : "set", json_pack("{s:s}", "words", s + (del ? 7 : 4)),
			  NULL, OP_NORMAL)) {
		http_set_error(r, 503, "out of memory");
		return -1;
	}
	return 0;
}

static void ep_config(struct req *r, int commit)
{
	static const char *const top[] = {"settings", "lines", NULL};
	json_t *v = http_body_object(r), *settings, *lines, *e;
	struct job *j = NULL;
	const char *k;
	size_t n = 0, i;

	if (!v || http_refuse_args(r) < 0 || http_only_members(r, v, top, "the configuration request") < 0)
		goto out;
	settings = json_object_get(v, "settings");
	lines = json_object_get(v, "lines");
	if (settings && !json_is_object(settings)) {
		http_set_field_error(r, 400, "settings",
				     "\"settings\" must be an object of setting names and values, got %s",
				     http_json_type_name(settings));
		goto out;
	}
	if (lines && !json_is_array(lines)) {
		http_set_field_error(r, 400, "lines", "\"lines\" must be an array of strings, got %s",
				     http_json_type_name(lines));
		goto out;
	}
	n = json_object_size(settings) + json_array_size(lines);
	if (n == 0) {
		http_set_error(r, 400, "nothing to %s: give \"settings\" and/or \"lines\"",
			       commit ? "commit" : "validate");
		goto out;
	}
	if (n > SET_MAX) {
		http_set_error(r, 400, "at most %d changes per request", SET_MAX);
		goto out;
	}
	j = http_job_new(commit ? fin_commit : fin_validate);
	if (!j || !http_job_add(j, "configure", NULL, NULL, OP_NORMAL))
		goto oom;
	j->keep_going = 1; /* every field gets its verdict */
	if (settings)
		json_object_foreach(settings, k, e)
			if (add_setting(r, j, k, e) < 0)
				goto out;
	if (lines)
		json_array_foreach(lines, i, e)
			if (add_line(r, j, e) < 0)
				goto out;
	/* the candidate as a whole; then commit (only if all of it passed) and leave */
	if (!http_job_add(j, NULL, NULL, NULL, OP_IF_CLEAN))
		goto oom;
	if (commit) {
		struct op *c = http_job_add(j, "commit", NULL, NULL, OP_IF_CLEAN);
		if (!c)
			goto oom;
		c->tail = valid_tail;
	}
	if (!http_job_add(j, "exit", NULL, NULL, OP_ALWAYS))
		goto oom;
	http_job_start(r, j);
	j = NULL;
	goto out;
oom:
	http_set_error(r, 503, "out of memory");
out:
	http_job_free(j);
	json_decref(v);
}

void ep_config_validate(struct req *r)
{
	ep_config(r, 0);
}

void ep_config_commit(struct req *r)
{
	ep_config(r, 1);
}
