/*
 * sessrec.c - the session record from SW_SESS_FIELDS (contracts in
 * sessrec.h).  The only file that expands the list: everything else asks
 * for field i through the functions below.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "statewall/conf.h"
#include "util/clock.h"
#include "util/sessrec.h"

#define X_INFO(key_, label_, type_, views_, width_, help_, expr_)                                          \
	{.key = #key_, .label = label_, .help = help_, .type = SW_FT_##type_, .views = (views_), .width = width_},
static const struct sw_sess_field_info fields[] = {SW_SESS_FIELDS(X_INFO)};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

unsigned sw_sess_nfields(void)
{
	return (unsigned)NFIELDS;
}

const struct sw_sess_field_info *sw_sess_field_info(unsigned i)
{
	return i < NFIELDS ? &fields[i] : NULL;
}

const char *sw_sess_state_name(const struct sw_sess_info *si)
{
	if (si->discard)
		return "DISCARD";
	if (si->half_closed_at)
		return "HALF-CLOSED";
	return "ACTIVE";
}

const char *sw_sess_rule_name(const struct sw_sess_ctx *cx, const struct sw_sess_info *si)
{
	if (!cx || !cx->conf || si->rule == 0 || si->rule > cx->conf->nrules)
		return NULL;
	return cx->conf->rules[si->rule - 1].name;
}

/* "a.b.c.d:p -> e.f.g.h:q proto", IPv6 addresses in brackets */
void sw_flow_str(const struct sw_sess_info *si, char *buf, size_t len)
{
	char a[SW_ADDRSTRLEN], b[SW_ADDRSTRLEN], pb[8];
	int v6 = si->family == 6;

	snprintf(buf, len, "%s%s%s:%u -> %s%s%s:%u %s", v6 ? "[" : "", sw_addr_str(&si->orig_h, a),
		 v6 ? "]" : "", si->orig_p, v6 ? "[" : "", sw_addr_str(&si->resp_h, b),
		 v6 ? "]" : "", si->resp_p, sw_proto_name(si->proto, pb, sizeof(pb)));
}

/* One setter per type: the expression's C type is checked by the compiler. */
static void set_U64(struct sw_fval *v, uint64_t x)
{
	v->u = x;
}
static void set_I64N(struct sw_fval *v, int64_t x)
{
	v->i = x;
	v->null = x < 0;
}
static void set_BOOL(struct sw_fval *v, int x)
{
	v->u = x != 0;
}
static void set_STR(struct sw_fval *v, const char *x)
{
	v->s = x;
	v->null = x == NULL;
}
static void set_PROTO(struct sw_fval *v, unsigned x)
{
	v->u = x;
	v->s = sw_proto_name(x, v->buf, sizeof(v->buf));
}
static void set_ADDR(struct sw_fval *v, const struct sw_addr *a)
{
	v->s = sw_addr_str(a, v->buf);
}
static void set_TIME(struct sw_fval *v, sw_time_t t)
{
	v->i = t;
	v->null = t <= 0;
}
static void set_SPAN(struct sw_fval *v, sw_time_t t)
{
	v->i = t;
}

#define X_IDX(key_, label_, type_, views_, width_, help_, expr_) F_##key_,
enum { SW_SESS_FIELDS(X_IDX) F_MAX };
_Static_assert(F_MAX == NFIELDS, "one case per field");

#define X_CASE(key_, label_, type_, views_, width_, help_, expr_)                                          \
	case F_##key_:                                                                             \
		set_##type_(out, expr_);                                                           \
		break;

void sw_sess_field(unsigned i, const struct sw_sess_info *si, const struct sw_sess_ctx *cx,
		   struct sw_fval *out)
{
	static const struct sw_sess_ctx none = {0};

	if (!cx)
		cx = &none;
	memset(out, 0, offsetof(struct sw_fval, buf));
	out->buf[0] = '\0';
	if (i >= NFIELDS) {
		out->null = 1;
		return;
	}
	out->type = fields[i].type;
	switch (i) {
		SW_SESS_FIELDS(X_CASE)
	default: out->null = 1;
	}
}

void sw_fval_json(struct sw_jw *w, const struct sw_fval *v)
{
	if (v->null) {
		sw_jw_null(w);
		return;
	}
	switch (v->type) {
	case SW_FT_U64: sw_jw_u64(w, v->u); break;
	case SW_FT_I64N: sw_jw_i64(w, v->i); break;
	case SW_FT_BOOL: sw_jw_bool(w, (int)v->u); break;
	case SW_FT_STR:
	case SW_FT_PROTO:
	case SW_FT_ADDR: sw_jw_str(w, v->s); break;
	case SW_FT_TIME: sw_jw_time(w, v->i); break;
	case SW_FT_SPAN: sw_jw_span(w, v->i); break;
	}
}

const char *sw_fval_text(const struct sw_fval *v, char *buf, size_t len)
{
	if (v->null) {
		snprintf(buf, len, "-");
		return buf;
	}
	switch (v->type) {
	case SW_FT_U64: snprintf(buf, len, "%llu", (unsigned long long)v->u); break;
	case SW_FT_I64N: snprintf(buf, len, "%lld", (long long)v->i); break;
	case SW_FT_BOOL: snprintf(buf, len, "%s", v->u ? "True" : "False"); break;
	case SW_FT_STR:
	case SW_FT_PROTO:
	case SW_FT_ADDR: snprintf(buf, len, "%s", v->s[0] ? v->s : "-"); break;
	case SW_FT_TIME: sw_time_text(v->i, buf, len); break;
	case SW_FT_SPAN: snprintf(buf, len, "%.1f s", (double)v->i / (double)SW_NS_PER_SEC); break;
	}
	return buf;
}

void sw_sess_write_members(struct sw_jw *w, const struct sw_sess_info *si,
			   const struct sw_sess_ctx *cx, unsigned views)
{
	struct sw_fval v;

	for (unsigned i = 0; i < NFIELDS; i++) {
		if (!(fields[i].views & views))
			continue;
		sw_sess_field(i, si, cx, &v);
		sw_jw_key(w, fields[i].key);
		sw_fval_json(w, &v);
	}
}

void sw_sess_write(struct sw_jw *w, const struct sw_sess_info *si, const struct sw_sess_ctx *cx,
		   unsigned views)
{
	sw_jw_obj(w);
	sw_sess_write_members(w, si, cx, views);
	sw_jw_obj_end(w);
}

void sw_sess_log_line(FILE *f, const struct sw_sess_info *si)
{
	struct sw_jw w;

	sw_jw_init_file(&w, f);
	sw_sess_write(&w, si, NULL, SW_SV_LOG);
	fputc('\n', f);
}

static const char *oa_type(enum sw_fv_type t)
{
	switch (t) {
	case SW_FT_U64:
	case SW_FT_I64N: return "integer";
	case SW_FT_BOOL: return "boolean";
	case SW_FT_TIME:
	case SW_FT_SPAN: return "number";
	default: return "string";
	}
}

/* Types whose value may be null (a STR expression may give NULL). */
static int nullable(enum sw_fv_type t)
{
	return t == SW_FT_I64N || t == SW_FT_TIME || t == SW_FT_STR;
}

void sw_sess_openapi(struct sw_jw *w, unsigned views)
{
	sw_jw_obj(w);
	sw_jw_kstr(w, "type", "object");
	sw_jw_key(w, "required");
	sw_jw_arr(w);
	for (unsigned i = 0; i < NFIELDS; i++)
		if (fields[i].views & views)
			sw_jw_str(w, fields[i].key);
	sw_jw_arr_end(w);
	sw_jw_key(w, "properties");
	sw_jw_obj(w);
	for (unsigned i = 0; i < NFIELDS; i++) {
		const struct sw_sess_field_info *f = &fields[i];
		if (!(f->views & views))
			continue;
		sw_jw_key(w, f->key);
		sw_jw_obj(w);
		sw_jw_kstr(w, "type", oa_type(f->type));
		if (nullable(f->type))
			sw_jw_kbool(w, "nullable", 1);
		sw_jw_kstr(w, "description", f->help);
		if (f->type == SW_FT_TIME || f->type == SW_FT_SPAN)
			sw_jw_kstr(w, "format", f->type == SW_FT_TIME ? "unix-seconds" : "seconds");
		sw_jw_obj_end(w);
	}
	sw_jw_obj_end(w);
	sw_jw_obj_end(w);
}

static const char *md_type(enum sw_fv_type t)
{
	switch (t) {
	case SW_FT_U64: return "integer";
	case SW_FT_I64N: return "integer or null";
	case SW_FT_BOOL: return "boolean";
	case SW_FT_STR: return "string";
	case SW_FT_PROTO: return "protocol name or number";
	case SW_FT_ADDR: return "address";
	case SW_FT_TIME: return "time (s.µs, null: unset)";
	case SW_FT_SPAN: return "seconds (s.µs)";
	}
	return "?";
}

void sw_sess_fields_md(FILE *f)
{
	fputs("| field | type | log | live | meaning |\n|---|---|---|---|---|\n", f);
	for (unsigned i = 0; i < NFIELDS; i++)
		fprintf(f, "| `%s` | %s | %s | %s | %s |\n", fields[i].key, md_type(fields[i].type),
			fields[i].views & SW_SV_LOG ? "yes" : "", fields[i].views & SW_SV_LIVE ? "yes" : "",
			fields[i].help);
}
