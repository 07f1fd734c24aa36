/*
 * emit.c - one call sequence, two renderings: PAN-OS-style text or JSON
 * (contracts in emit.h).  JSON goes through the one writer (util/json.h).
 */
#include <stdio.h>
#include <string.h>

#include "mgmt/emit.h"
#include "util/clock.h"

#define DEFAULT_LABEL_WIDTH 56

void sw_emit_init(struct sw_emit *e, struct sw_buf *out, int json)
{
	memset(e, 0, sizeof(*e));
	e->json = json;
	e->out = out;
	e->label_width = DEFAULT_LABEL_WIDTH;
	sw_jw_init_buf(&e->jw, out);
}

void sw_emit_label_width(struct sw_emit *e, int w)
{
	e->label_width = w;
}

void sw_emit_begin(struct sw_emit *e)
{
	if (e->json)
		sw_jw_obj(&e->jw);
}

void sw_emit_end(struct sw_emit *e)
{
	if (e->json) {
		sw_jw_obj_end(&e->jw);
		sw_buf_puts(e->out, "\n");
	}
}

static void spaces(struct sw_emit *e, int n)
{
	static const char sp[] = "                                                                ";

	while (n > 0) {
		int k = n < (int)sizeof(sp) - 1 ? n : (int)sizeof(sp) - 1;
		sw_buf_put(e->out, sp, (size_t)k);
		n -= k;
	}
}

void sw_emit_obj(struct sw_emit *e, const char *key, const char *title)
{
	if (e->odepth < SW_EMIT_DEPTH)
		e->ojson[e->odepth] = key != NULL;
	e->odepth++;
	if (e->json) {
		if (key) {
			sw_jw_key(&e->jw, key);
			sw_jw_obj(&e->jw);
		}
		return;
	}
	if (title) {
		spaces(e, e->indent);
		sw_buf_puts(e->out, title);
		sw_buf_puts(e->out, "\n");
		e->indent += 2;
	}
	if (e->odepth <= SW_EMIT_DEPTH)
		e->otitle[e->odepth - 1] = title != NULL;
}

void sw_emit_obj_end(struct sw_emit *e)
{
	int was_json = e->odepth > 0 && (e->odepth > SW_EMIT_DEPTH || e->ojson[e->odepth - 1]);

	if (e->odepth > 0)
		e->odepth--;
	if (e->json) {
		if (was_json)
			sw_jw_obj_end(&e->jw);
	} else if (e->odepth < SW_EMIT_DEPTH && e->otitle[e->odepth] && e->indent >= 2) {
		e->indent -= 2;
	}
}

static void rule(struct sw_emit *e, int width)
{
	for (int i = 0; i < width; i++)
		sw_buf_put(e->out, "-", 1);
	sw_buf_puts(e->out, "\n");
}

void sw_emit_list(struct sw_emit *e, const char *key, const struct sw_emit_col *cols,
		  unsigned ncols)
{
	e->cols = cols;
	e->ncols = ncols;
	if (e->json) {
		if (key)
			sw_jw_key(&e->jw, key);
		sw_jw_arr(&e->jw);
		return;
	}
	if (!ncols)
		return;
	int total = 0;
	for (unsigned i = 0; i < ncols; i++)
		total += (cols[i].width ? cols[i].width : (int)strlen(cols[i].header)) + 1;
	if (total < 80)
		total = 80;
	rule(e, total);
	spaces(e, e->indent);
	for (unsigned i = 0; i < ncols; i++) {
		size_t l = strlen(cols[i].header);
		sw_buf_puts(e->out, cols[i].header);
		if (i + 1 < ncols)
			spaces(e, (cols[i].width > (int)l ? cols[i].width - (int)l : 0) + 1);
	}
	sw_buf_puts(e->out, "\n");
	rule(e, total);
}

void sw_emit_list_end(struct sw_emit *e)
{
	e->cols = NULL;
	e->ncols = 0;
	if (e->json)
		sw_jw_arr_end(&e->jw);
}

void sw_emit_row(struct sw_emit *e)
{
	e->in_row = 1;
	e->col = 0;
	e->over = 0;
	if (e->json)
		sw_jw_obj(&e->jw);
	else if (e->ncols)
		spaces(e, e->indent);
}

void sw_emit_row_end(struct sw_emit *e)
{
	e->in_row = 0;
	if (e->json)
		sw_jw_obj_end(&e->jw);
	else if (e->ncols)
		sw_buf_puts(e->out, "\n");
}

void sw_emit_item_str(struct sw_emit *e, const char *s)
{
	if (e->json) {
		sw_jw_str(&e->jw, s);
		return;
	}
	spaces(e, e->indent);
	sw_buf_puts(e->out, s ? s : "-");
	sw_buf_puts(e->out, "\n");
}

/* The text of one field, label and value (or a row's column). */
static void text_field(struct sw_emit *e, const char *label, const char *val)
{
	if (e->has_text_as) {
		val = e->text_as;
		e->has_text_as = 0;
	}
	if (e->hide) {
		e->hide = 0;
		return;
	}
	if (!label)
		return;
	if (e->in_row) {
		if (!e->ncols)
			return;
		int w = e->col < e->ncols ? e->cols[e->col].width : 0;
		int l = (int)strlen(val);
		if (e->col)
			sw_buf_puts(e->out, " ");
		sw_buf_puts(e->out, val);
		/* pad to the column, less what earlier columns overflowed by */
		if (e->col + 1 < e->ncols && w) {
			int pad = w - l - e->over;
			e->over = pad < 0 ? -pad : 0;
			spaces(e, pad);
		}
		e->col++;
		return;
	}
	spaces(e, e->indent);
	if (!label[0]) { /* the value alone */
		sw_buf_puts(e->out, val);
		sw_buf_puts(e->out, "\n");
		return;
	}
	int used = e->indent + (int)strlen(label);
	sw_buf_puts(e->out, label);
	spaces(e, used < e->label_width ? e->label_width - used : 1);
	sw_buf_puts(e->out, val);
	sw_buf_puts(e->out, "\n");
}

/* JSON: the key (if any) before the value; 0 if the field is not in the JSON form. */
static int json_key(struct sw_emit *e, const char *key)
{
	e->has_text_as = 0;
	e->hide = 0;
	if (!key)
		return 0;
	sw_jw_key(&e->jw, key);
	return 1;
}

void sw_emit_u64(struct sw_emit *e, const char *key, const char *label, uint64_t v)
{
	char b[24];

	if (e->json) {
		if (json_key(e, key))
			sw_jw_u64(&e->jw, v);
		return;
	}
	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	text_field(e, label, b);
}

void sw_emit_i64(struct sw_emit *e, const char *key, const char *label, int64_t v)
{
	char b[24];

	if (e->json) {
		if (json_key(e, key))
			sw_jw_i64(&e->jw, v);
		return;
	}
	snprintf(b, sizeof(b), "%lld", (long long)v);
	text_field(e, label, b);
}

void sw_emit_dbl(struct sw_emit *e, const char *key, const char *label, double v, int decimals)
{
	char b[48];

	if (e->json) {
		if (json_key(e, key))
			sw_jw_dbl(&e->jw, v, decimals);
		return;
	}
	snprintf(b, sizeof(b), "%.*f", decimals, v);
	text_field(e, label, b);
}

void sw_emit_str(struct sw_emit *e, const char *key, const char *label, const char *s)
{
	if (e->json) {
		if (json_key(e, key))
			sw_jw_str(&e->jw, s);
		return;
	}
	text_field(e, label, s && s[0] ? s : "-");
}

void sw_emit_bool(struct sw_emit *e, const char *key, const char *label, int v)
{
	if (e->json) {
		if (json_key(e, key))
			sw_jw_bool(&e->jw, v);
		return;
	}
	text_field(e, label, v ? "True" : "False");
}

void sw_emit_null(struct sw_emit *e, const char *key, const char *label)
{
	if (e->json) {
		if (json_key(e, key))
			sw_jw_null(&e->jw);
		return;
	}
	text_field(e, label, "-");
}

void sw_emit_time(struct sw_emit *e, const char *key, const char *label, sw_time_t t)
{
	char b[64];

	if (e->json) {
		if (json_key(e, key))
			sw_jw_time(&e->jw, t);
		return;
	}
	text_field(e, label, sw_time_text(t, b, sizeof(b)));
}

void sw_emit_span(struct sw_emit *e, const char *key, const char *label, sw_time_t ns)
{
	struct sw_fval v = {.type = SW_FT_SPAN, .i = ns};

	sw_emit_fval(e, key, label, &v);
}

void sw_emit_fval(struct sw_emit *e, const char *key, const char *label, const struct sw_fval *v)
{
	char b[96];

	if (e->json) {
		if (json_key(e, key))
			sw_fval_json(&e->jw, v);
		return;
	}
	text_field(e, label, sw_fval_text(v, b, sizeof(b)));
}

static const char ALL[] = "";

/* Emit the fields in `want` whose key has `prefix` (NULL: those with neither side's prefix; ALL: every one). */
static void sess_pass(struct sw_emit *e, const struct sw_sess_info *si,
		      const struct sw_sess_ctx *cx, unsigned want, const char *prefix)
{
	struct sw_fval v;
	char label[80];

	for (unsigned i = 0, n = sw_sess_nfields(); i < n; i++) {
		const struct sw_sess_field_info *f = sw_sess_field_info(i);
		if (!(f->views & want))
			continue;
		if (prefix != ALL) {
			int side = strncmp(f->key, "orig_", 5) == 0 || strncmp(f->key, "resp_", 5) == 0;
			if (prefix ? strncmp(f->key, prefix, strlen(prefix)) != 0 : side)
				continue;
		}
		sw_sess_field(i, si, cx, &v);
		if (e->in_row && !e->json) {
			/* a row column; remaining in whole seconds, as PAN-OS shows it */
			if (f->type == SW_FT_SPAN && !v.null)
				sw_emit_text_as(e, "%llds", (long long)((v.i + SW_NS_PER_SEC - 1) /
									SW_NS_PER_SEC));
			sw_emit_fval(e, f->key, "", &v);
			continue;
		}
		if (e->json) {
			sw_emit_fval(e, f->key, NULL, &v);
			continue;
		}
		snprintf(label, sizeof(label), "%s:", f->label);
		sw_emit_fval(e, f->key, label, &v);
	}
}

void sw_emit_sess(struct sw_emit *e, const struct sw_sess_info *si, const struct sw_sess_ctx *cx,
		  unsigned views)
{
	if (e->json) {
		sess_pass(e, si, cx, views, ALL);
		return;
	}
	if (e->in_row) {
		sess_pass(e, si, cx, SW_SV_ROW, ALL);
		return;
	}
	sw_emit_obj(e, NULL, "c2s flow:");
	sess_pass(e, si, cx, views, "orig_");
	sw_emit_obj_end(e);
	sw_emit_obj(e, NULL, "s2c flow:");
	sess_pass(e, si, cx, views, "resp_");
	sw_emit_obj_end(e);
	sess_pass(e, si, cx, views, NULL);
}

void sw_emit_text_as(struct sw_emit *e, const char *fmt, ...)
{
	va_list ap;

	if (e->json)
		return;
	va_start(ap, fmt);
	vsnprintf(e->text_as, sizeof(e->text_as), fmt, ap);
	va_end(ap);
	e->has_text_as = 1;
}

void sw_emit_text_hide(struct sw_emit *e)
{
	if (!e->json)
		e->hide = 1;
}

void sw_emit_note(struct sw_emit *e, const char *fmt, ...)
{
	va_list ap;

	if (e->json)
		return;
	spaces(e, e->indent);
	va_start(ap, fmt);
	sw_buf_vprintf(e->out, fmt, ap);
	va_end(ap);
	sw_buf_puts(e->out, "\n");
}

void sw_emit_text_raw(struct sw_emit *e, const char *s)
{
	if (!e->json)
		sw_buf_puts(e->out, s);
}
