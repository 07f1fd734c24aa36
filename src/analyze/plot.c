/*
 * plot.c - the `statewall analyze --plot` picture, drawn with cairo:
 * session-table occupancy over capture time under each setting (broken
 * sessions marked where their timer ended them), and a histogram of how long
 * half-closed sessions kept going (first FIN -> last packet).  SVG or PNG by
 * the file's extension.
 */
#include <cairo-svg.h>
#include <cairo.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/an-int.h"

struct an_plot_in {
	sw_time_t t0, t1;
	const struct an_run *runs;
	size_t nruns;
	const double *hc_durations; /* seconds, one per half-closed session */
	size_t nhc;
	const char *title;
	/* vertical marks on the histogram: label and seconds */
	const char *mark_label[8];
	double mark_s[8];
	size_t nmarks;
};

#define W 1100.0
#define H 760.0
#define ML 70.0   /* left margin */
#define MR 250.0  /* right: legend */
#define TOP_Y 50.0
#define TOP_H 400.0
#define BOT_Y 530.0
#define BOT_H 170.0

static const double palette[][3] = {
	{0.12, 0.47, 0.71}, {0.17, 0.63, 0.17}, {1.00, 0.50, 0.05}, {0.58, 0.40, 0.74},
	{0.55, 0.34, 0.29}, {0.89, 0.47, 0.76}, {0.50, 0.50, 0.50}, {0.74, 0.74, 0.13},
	{0.09, 0.75, 0.81}, {0.84, 0.15, 0.16},
};
#define NPAL (sizeof(palette) / sizeof(palette[0]))

static void color(cairo_t *cr, size_t i, double alpha)
{
	const double *c = palette[i % NPAL];
	cairo_set_source_rgba(cr, c[0], c[1], c[2], alpha);
}

static void text(cairo_t *cr, double x, double y, double size, const char *s, double align)
{
	cairo_text_extents_t ext;

	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, s, &ext);
	cairo_move_to(cr, x - align * ext.x_advance, y);
	cairo_show_text(cr, s);
}

/* Horizontal grid lines and their labels, 0 to ytop every ystep, over [x0, x1]. */
static void y_grid(cairo_t *cr, double x0, double x1, double y0, double y1, double ytop,
		   double ystep)
{
	char buf[32];

	for (double y = 0; y <= ytop + 1e-9; y += ystep) {
		double py = y0 - (y / ytop) * (y0 - y1);
		cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
		cairo_move_to(cr, x0, py);
		cairo_line_to(cr, x1, py);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		snprintf(buf, sizeof(buf), "%g", y);
		text(cr, x0 - 6, py + 4, 11, buf, 1);
	}
}

/* A "nice" tick step for a span (1, 2, 5 x 10^k) giving about n ticks. */
static double nice_step(double span, int n)
{
	double raw = span / n, p = pow(10, floor(log10(raw))), f = raw / p;

	if (f < 1.5)
		return p;
	if (f < 3.5)
		return 2 * p;
	if (f < 7.5)
		return 5 * p;
	return 10 * p;
}

/* Max occupancy of run r in each of nb bins over [t0, t1]; starts/ends are sorted. */
static void bins(const struct an_run *r, sw_time_t t0, sw_time_t t1, uint32_t *out, size_t nb)
{
	size_t i = 0, j = 0;
	uint32_t cur = 0;
	double span = (double)(t1 - t0);

	for (size_t b = 0; b < nb; b++) {
		sw_time_t end = t0 + (sw_time_t)(span * (double)(b + 1) / (double)nb);
		uint32_t m = cur;
		if (b == nb - 1)
			end = t1 + 1;
		while (i < r->nocc || j < r->nocc) {
			if (j < r->nocc && (i >= r->nocc || r->ends[j] <= r->starts[i])) {
				if (r->ends[j] >= end)
					break;
				cur--;
				j++;
			} else {
				if (r->starts[i] >= end)
					break;
				cur++;
				i++;
				if (cur > m)
					m = cur;
			}
		}
		out[b] = m;
	}
}

static void draw_occupancy(cairo_t *cr, const struct an_plot_in *in)
{
	const size_t nb = (size_t)(W - ML - MR);
	uint32_t *v = calloc(nb * (in->nruns ? in->nruns : 1), sizeof(*v));
	uint32_t ymax = 1;
	double span = (double)(in->t1 - in->t0) / 1e9, step, ystep;
	double x0 = ML, x1 = W - MR, y0 = TOP_Y + TOP_H, y1 = TOP_Y;
	char buf[64];

	if (!v)
		return;
	if (span <= 0)
		span = 1;
	for (size_t r = 0; r < in->nruns; r++) {
		bins(&in->runs[r], in->t0, in->t1, v + r * nb, nb);
		for (size_t b = 0; b < nb; b++)
			if (v[r * nb + b] > ymax)
				ymax = v[r * nb + b];
	}
	/* axes and grid */
	ystep = nice_step(ymax, 5);
	if (ystep < 1)
		ystep = 1;
	double ytop = ceil(ymax * 1.08 / ystep) * ystep;
	cairo_set_line_width(cr, 1);
	y_grid(cr, x0, x1, y0, y1, ytop, ystep);
	step = nice_step(span, 8);
	for (double x = 0; x <= span + 1e-9; x += step) {
		double px = x0 + (x / span) * (x1 - x0);
		cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
		cairo_move_to(cr, px, y0);
		cairo_line_to(cr, px, y1);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		snprintf(buf, sizeof(buf), "%g", x);
		text(cr, px, y0 + 16, 11, buf, 0.5);
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_rectangle(cr, x0, y1, x1 - x0, y0 - y1);
	cairo_stroke(cr);
	text(cr, (x0 + x1) / 2, y0 + 34, 12, "capture time (s)", 0.5);
	cairo_save(cr);
	cairo_translate(cr, 18, (y0 + y1) / 2);
	cairo_rotate(cr, -M_PI / 2);
	text(cr, 0, 0, 12, "sessions in the table", 0.5);
	cairo_restore(cr);
	text(cr, x0, y1 - 8, 13,
	     "Session-table occupancy under each setting (max per pixel column; curve k drawn 2k px up)", 0);

	/* curves, the first (current) drawn last so it stays on top */
	for (size_t k = in->nruns; k-- > 0;) {
		cairo_set_line_width(cr, k == 0 ? 2.2 : 1.4);
		color(cr, k, 0.9);
		for (size_t b = 0; b < nb; b++) {
			/* each curve 2 px above the previous, so equal curves stay visible */
			double py = y0 - ((double)v[k * nb + b] / ytop) * (y0 - y1) - 2.0 * (double)k;
			double px = x0 + (double)b;
			if (b == 0)
				cairo_move_to(cr, px, py);
			else
				cairo_line_to(cr, px, py);
			cairo_line_to(cr, px + 1, py);
		}
		cairo_stroke(cr);
	}
	/* broken sessions: a triangle where the timer ended them */
	for (size_t k = 0; k < in->nruns; k++) {
		const struct an_run *r = &in->runs[k];
		for (size_t i = 0; i < r->nbroken; i++) {
			double x = (double)(r->broken[i].end - in->t0) / 1e9;
			size_t b = (size_t)(x / span * (double)nb);
			if (b >= nb)
				b = nb - 1;
			double px = x0 + (double)b,
			       py = y0 - ((double)v[k * nb + b] / ytop) * (y0 - y1) - 2.0 * (double)k;
			cairo_move_to(cr, px, py - 2);
			cairo_line_to(cr, px - 6, py - 13);
			cairo_line_to(cr, px + 6, py - 13);
			cairo_close_path(cr);
			color(cr, k, 1);
			cairo_fill_preserve(cr);
			cairo_set_source_rgb(cr, 0, 0, 0);
			cairo_set_line_width(cr, 0.8);
			cairo_stroke(cr);
		}
	}
	/* legend */
	double ly = y1 + 4;
	cairo_set_source_rgb(cr, 0, 0, 0);
	text(cr, x1 + 16, ly + 8, 12, "setting: broken, peak", 0);
	ly += 24;
	for (size_t k = 0; k < in->nruns; k++) {
		const struct an_run *r = &in->runs[k];
		char name[40];
		/* The legend column is narrow: a long what-if name ends in an ellipsis. */
		if (strlen(r->name) > 24)
			snprintf(name, sizeof(name), "%.23s\u2026", r->name);
		else
			snprintf(name, sizeof(name), "%.24s", r->name);
		color(cr, k, 1);
		cairo_rectangle(cr, x1 + 16, ly - 9, 18, 10);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		snprintf(buf, sizeof(buf), "%s: %zu, %u", name, r->nbroken, r->peak);
		text(cr, x1 + 40, ly, 11, buf, 0);
		ly += 18;
	}
	ly += 6;
	cairo_move_to(cr, x1 + 25, ly + 1);
	cairo_line_to(cr, x1 + 19, ly - 10);
	cairo_line_to(cr, x1 + 31, ly - 10);
	cairo_close_path(cr);
	cairo_set_source_rgb(cr, 0.84, 0.15, 0.16);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	text(cr, x1 + 40, ly, 11, "broken session: its timer", 0);
	text(cr, x1 + 40, ly + 14, 11, "ended it here, packets followed", 0);
	free(v);
}

static void draw_histogram(cairo_t *cr, const struct an_plot_in *in)
{
	/* log10 bins, 4 per decade, from 1 ms; the first bin takes anything shorter */
	enum { PER_DEC = 4 };
	double lo = -3, hi = 0;
	double x0 = ML, x1 = W - MR, y0 = BOT_Y + BOT_H, y1 = BOT_Y;
	size_t nbins, *cnt, cmax = 1;
	char buf[64];

	for (size_t i = 0; i < in->nhc; i++) {
		double l = in->hc_durations[i] > 0 ? log10(in->hc_durations[i]) : lo;
		if (l > hi)
			hi = l;
	}
	for (size_t m = 0; m < in->nmarks; m++)
		if (in->mark_s[m] > 0 && log10(in->mark_s[m]) > hi)
			hi = log10(in->mark_s[m]);
	hi = ceil(hi + 1e-9);
	if (hi < 1)
		hi = 1;
	nbins = (size_t)((hi - lo) * PER_DEC);
	cnt = calloc(nbins, sizeof(*cnt));
	if (!cnt)
		return;
	for (size_t i = 0; i < in->nhc; i++) {
		double l = in->hc_durations[i] > 0 ? log10(in->hc_durations[i]) : lo;
		long b = (long)floor((l - lo) * PER_DEC);
		if (b < 0)
			b = 0;
		if ((size_t)b >= nbins)
			b = (long)nbins - 1;
		if (++cnt[b] > cmax)
			cmax = cnt[b];
	}
	double ystep = nice_step((double)cmax, 4);
	if (ystep < 1)
		ystep = 1;
	double ytop = ceil((double)cmax * 1.1 / ystep) * ystep;

	cairo_set_line_width(cr, 1);
	y_grid(cr, x0, x1, y0, y1, ytop, ystep);
	for (double d = lo; d <= hi + 1e-9; d += 1) {
		double px = x0 + (d - lo) / (hi - lo) * (x1 - x0);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		snprintf(buf, sizeof(buf), "%g", pow(10, d));
		text(cr, px, y0 + 16, 11, buf, 0.5);
	}
	for (size_t b = 0; b < nbins; b++) {
		double bx0 = x0 + (double)b / (double)nbins * (x1 - x0);
		double bx1 = x0 + (double)(b + 1) / (double)nbins * (x1 - x0);
		double h = (double)cnt[b] / ytop * (y0 - y1);
		if (!cnt[b])
			continue;
		cairo_rectangle(cr, bx0 + 1, y0 - h, bx1 - bx0 - 2, h);
		cairo_set_source_rgb(cr, 0.35, 0.55, 0.75);
		cairo_fill_preserve(cr);
		cairo_set_source_rgb(cr, 0.15, 0.3, 0.5);
		cairo_stroke(cr);
	}
	for (size_t m = 0; m < in->nmarks; m++) {
		double px;
		if (in->mark_s[m] <= 0)
			continue;
		px = x0 + (log10(in->mark_s[m]) - lo) / (hi - lo) * (x1 - x0);
		cairo_set_source_rgb(cr, m == 0 ? 0.17 : 0.84, m == 0 ? 0.63 : 0.15, m == 0 ? 0.17 : 0.16);
		cairo_set_line_width(cr, 1.5);
		double dash[] = {5, 3};
		cairo_set_dash(cr, dash, 2, 0);
		cairo_move_to(cr, px, y0);
		cairo_line_to(cr, px, y1);
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
		text(cr, px + 4, y1 + 12 + 14 * (double)m, 11, in->mark_label[m], 0);
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, x0, y1, x1 - x0, y0 - y1);
	cairo_stroke(cr);
	snprintf(buf, sizeof(buf), "Half-closed sessions (%zu): first FIN -> last packet", in->nhc);
	text(cr, x0, y1 - 8, 13, buf, 0);
	text(cr, (x0 + x1) / 2, y0 + 34, 12, "seconds (log scale)", 0.5);
	cairo_save(cr);
	cairo_translate(cr, 18, (y0 + y1) / 2);
	cairo_rotate(cr, -M_PI / 2);
	text(cr, 0, 0, 12, "sessions", 0.5);
	cairo_restore(cr);
	if (!in->nhc)
		text(cr, (x0 + x1) / 2, (y0 + y1) / 2, 13, "no half-closed sessions in this capture", 0.5);
	free(cnt);
}

static void draw(cairo_t *cr, const struct an_plot_in *in)
{
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_source_rgb(cr, 0, 0, 0);
	text(cr, W / 2, 24, 15, in->title ? in->title : "statewall analyze", 0.5);
	draw_occupancy(cr, in);
	draw_histogram(cr, in);
}

/*
 * Give back what cairo's toy font API cached, and fontconfig's configuration
 * (looked up at run time: cairo loads fontconfig, the program does not link
 * it), so a leak checker sees a clean exit.  The program draws one plot and
 * exits, so nothing is reused after this.
 */
static void release_fonts(void)
{
	void (*fcfini)(void);
	void *sym;

	cairo_debug_reset_static_data();
	sym = dlsym(RTLD_DEFAULT, "FcFini");
	if (sym) {
		memcpy(&fcfini, &sym, sizeof(fcfini));
		fcfini();
	}
}

static int render(const struct an_plot_in *in, const char *path, char *err, size_t errlen)
{
	size_t n = strlen(path);
	int svg = n > 4 && strcasecmp(path + n - 4, ".svg") == 0;
	cairo_surface_t *sf;
	cairo_t *cr;
	cairo_status_t st;

	if (svg)
		sf = cairo_svg_surface_create(path, W, H);
	else
		sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)W, (int)H);
	st = cairo_surface_status(sf);
	if (st != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "%s", cairo_status_to_string(st));
		cairo_surface_destroy(sf);
		return -1;
	}
	cr = cairo_create(sf);
	draw(cr, in);
	st = cairo_status(cr);
	cairo_destroy(cr);
	if (st == CAIRO_STATUS_SUCCESS) {
		if (svg)
			cairo_surface_finish(sf);
		else
			st = cairo_surface_write_to_png(sf, path);
		if (st == CAIRO_STATUS_SUCCESS)
			st = cairo_surface_status(sf);
	}
	cairo_surface_destroy(sf);
	release_fonts();
	if (st != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "%s", cairo_status_to_string(st));
		return -1;
	}
	return 0;
}

/* The analysis as the picture's input: runs, half-closed durations, the timers to mark. */
int an_plot(const struct an *a, const char *path, char *err, size_t errlen)
{
	struct an_plot_in in;
	double *d = malloc((a->ns + 1) * sizeof(*d));
	char title[256], l0[64], l1[64];
	const char *base = strrchr(a->path, '/');
	int rc, m = a->cur.half_close_mode;

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(&in, 0, sizeof(in));
	for (size_t i = 0; i < a->ns; i++)
		if (a->s[i].fin1)
			d[in.nhc++] = sec(a->s[i].last - a->s[i].fin1);
	snprintf(title, sizeof(title), "statewall analyze %s: %zu packets, %zu sessions",
		 base ? base + 1 : a->path, a->nfr, a->ns);
	in.t0 = a->t0;
	in.t1 = a->t1;
	in.runs = a->runs;
	in.nruns = a->nruns;
	in.hc_durations = d;
	in.title = title;
	if (!a->rec_refused[SW_HC_TCPWAIT]) { /* no recommendation from an overflowing table */
		snprintf(l0, sizeof(l0), "recommended tcpwait %u s",
			 a->rec[SW_HC_TCPWAIT][SW_TO_TCPWAIT].value);
		in.mark_label[in.nmarks] = l0;
		in.mark_s[in.nmarks++] = a->rec[SW_HC_TCPWAIT][SW_TO_TCPWAIT].value;
	}
	if (m == SW_HC_TCPWAIT) {
		snprintf(l1, sizeof(l1), "current tcpwait %u s", a->cur.timeout[SW_TO_TCPWAIT]);
		in.mark_s[in.nmarks] = a->cur.timeout[SW_TO_TCPWAIT];
	} else {
		snprintf(l1, sizeof(l1), "current half-closed (%s) %u s", mode_name(m),
			 a->cur.timeout[SW_TO_TCP_HALF_CLOSED]);
		in.mark_s[in.nmarks] = a->cur.timeout[SW_TO_TCP_HALF_CLOSED];
	}
	in.mark_label[in.nmarks++] = l1;
	rc = render(&in, path, err, errlen);
	free(d);
	return rc;
}

