/*
 * load.c - the first stage: the capture once into memory, one buffer for
 * every frame's bytes and an index of frames, so that every later replay
 * walks memory instead of the file.  Also the analysis' life cycle.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/an-int.h"
#include "io/capture.h"
#include "util/clock.h"

double an_now(void)
{
	return (double)sw_mono_ns() / 1e9;
}

struct an *an_create(const char *const *paths, int npaths, const struct sw_conf *cur)
{
	struct an *a = calloc(1, sizeof(*a));
	size_t len = 1;
	char *label;

	if (!a)
		return NULL;
	for (int i = 0; i < npaths; i++)
		len += strlen(paths[i]) + 1;
	if (!(label = malloc(len))) {
		free(a);
		return NULL;
	}
	label[0] = '\0';
	for (int i = 0; i < npaths; i++) {
		if (i)
			strcat(label, " ");
		strcat(label, paths[i]);
	}
	a->path = label;
	a->paths = paths;
	a->npaths = npaths;
	a->cur = *cur;
	a->threads = 1;
	return a;
}

void an_destroy(struct an *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nruns; i++)
		an_run_free(&a->runs[i]);
	free(a->runs);
	an_scope_free(a);
	free(a->s);
	free(a->idmap);
	free(a->kbucket);
	free(a->fr);
	free(a->buf);
	free((char *)(uintptr_t)a->path);
	free(a);
}

int an_load(struct an *a, char *err, size_t errlen)
{
	struct sw_capture *cap;
	struct sw_frame f;
	double t = an_now();
	int n, rc;

	if ((rc = sw_capture_open_list(&cap, a->paths, a->npaths, "", err, errlen)) < 0)
		return rc;
	while ((n = sw_capture_next_frame(cap, &f, err, errlen)) > 0) {
		const uint32_t caplen = f.caplen;
		const sw_time_t ts = f.ts;

		if (a->nfr == a->capfr) {
			size_t c = a->capfr ? a->capfr * 2 : 4096;
			void *p = realloc(a->fr, c * sizeof(*a->fr));
			if (!p)
				goto oom;
			a->fr = p;
			a->capfr = c;
		}
		if (!a->buf || a->blen + caplen > a->bcap) { /* the first frame may be empty */
			size_t c = a->bcap ? a->bcap : 1 << 20;
			while (c < a->blen + caplen)
				c *= 2;
			void *p = realloc(a->buf, c);
			if (!p)
				goto oom;
			a->buf = p;
			a->bcap = c;
		}
		memcpy(a->buf + a->blen, f.data, caplen);
		a->fr[a->nfr].ts = ts;
		a->fr[a->nfr].caplen = caplen;
		a->fr[a->nfr].wirelen = f.wirelen;
		a->fr[a->nfr].link = f.link;
		a->fr[a->nfr].off = a->blen;
		a->blen += caplen;
		if (a->nfr == 0 || ts < a->t0)
			a->t0 = ts;
		if (a->nfr == 0 || ts > a->t1)
			a->t1 = ts;
		a->nfr++;
	}
	sw_capture_close(cap);
	a->t_load = an_now() - t;
	return n < 0 ? 1 : 0;
oom:
	sw_capture_close(cap);
	snprintf(err, errlen, "%s: out of memory loading the capture", a->path);
	return -ENOMEM;
}

