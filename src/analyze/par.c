/*
 * par.c - the analysis' replays on several threads (`analyze --threads N`).
 *
 * A stage lists its independent jobs (a replay, or a few in sequence, that
 * read the loaded capture and the measured facts and write only their own
 * result); N threads, the caller's among them, take them in list order.
 * Each job's result has its own place and the stage reads them in list
 * order afterwards, so the analysis does not depend on N or on which thread
 * ran what: `--threads N` output is the one-thread output, byte for byte
 * (but the timing).  Each replay is one engine on one thread, with the
 * setting's own table: nothing is divided, unlike `replay --threads`.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "analyze/an-int.h"

struct pool {
	struct an *a;
	struct an_job *jobs;
	size_t n;
	atomic_size_t next;
};

static void take_jobs(struct pool *p)
{
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		struct an_job *j;

		if (i >= p->n)
			return;
		j = &p->jobs[i];
		j->err[0] = '\0';
		j->rc = j->fn(p->a, j->arg, j->err, sizeof(j->err));
	}
}

static void *thread_main(void *arg)
{
	take_jobs(arg);
	return NULL;
}

void an_set_threads(struct an *a, unsigned n)
{
	a->threads = n ? n : 1;
}

int an_jobs_run(struct an *a, struct an_job *jobs, size_t n, char *err, size_t errlen)
{
	pthread_t tid[AN_THREADS_MAX];
	struct pool p = {.a = a, .jobs = jobs, .n = n};
	size_t nt = a->threads < n ? a->threads : n, started = 0;

	atomic_init(&p.next, 0);
	/* a thread that cannot start leaves its jobs to the others */
	for (size_t t = 1; t < nt && t < AN_THREADS_MAX; t++)
		if (pthread_create(&tid[started], NULL, thread_main, &p) == 0)
			started++;
	take_jobs(&p);
	for (size_t t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	for (size_t i = 0; i < n; i++)
		if (jobs[i].rc < 0) {
			snprintf(err, errlen, "%s", jobs[i].err[0] ? jobs[i].err : strerror(-jobs[i].rc));
			return jobs[i].rc;
		}
	return 0;
}
