/*
 * bench_wakeup.c - what waking a sleeping thread costs on this host: the
 * floor under the latency a packet worker that sleeps in poll() adds to a
 * lone frame (docs/benchmarks.md, "The wire").
 *
 *   bench_wakeup [ROUNDS] [GAP_US]
 *
 * A sleeper thread blocks in poll() on an eventfd; every GAP_US (default
 * 5000, the vwire ping interval) the main thread writes the eventfd and spins
 * until the sleeper writes a second one back.  The time from the write to the
 * answer is one wakeup (the main thread never sleeps: it needs none).  Cases:
 * sleeper on the other CPU (the wakeup is an IPI; on a KVM guest whose idle
 * vCPU halted, the host must run that vCPU again), on the same CPU (a context
 * switch), and each with the sleeper SCHED_FIFO (if permitted), and with the
 * sleeper spinning instead of sleeping for --poll-spin's sake (no wakeup).
 * Prints p50/p90/p99 in microseconds per case; a benchmark, not a test.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct side {
	int to_sleeper, to_main;
	int cpu;
	int fifo; /* SCHED_FIFO priority, 0: SCHED_OTHER */
	int spin; /* 1: the sleeper watches the eventfd instead of sleeping */
	atomic_int stop;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *sleeper(void *arg)
{
	struct side *s = arg;
	uint64_t v;

	(void)pin_self(s->cpu);
	while (!atomic_load(&s->stop)) {
		if (!s->spin) {
			struct pollfd p = {.fd = s->to_sleeper, .events = POLLIN};
			if (poll(&p, 1, 100) <= 0)
				continue;
		}
		if (read(s->to_sleeper, &v, sizeof(v)) != sizeof(v))
			continue;
		v = 1;
		if (write(s->to_main, &v, sizeof(v)) != sizeof(v))
			break;
	}
	return NULL;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One case; 0, or -1 if it could not run (printed). */
static int run_case(const char *what, int cpu_main, int cpu_sleeper, int fifo, int spin, int rounds,
		    long gap_us, double *lat)
{
	struct side s = {.cpu = cpu_sleeper, .fifo = fifo, .spin = spin};
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	s.to_sleeper = eventfd(0, EFD_NONBLOCK);
	s.to_main = eventfd(0, EFD_NONBLOCK);
	if (s.to_sleeper < 0 || s.to_main < 0) {
		perror("eventfd");
		return -1;
	}
	pthread_attr_init(&attr);
	if (fifo) {
		struct sched_param sp = {.sched_priority = fifo};
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
		pthread_attr_setschedparam(&attr, &sp);
	}
	rc = pthread_create(&t, &attr, sleeper, &s);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		printf("%-44s not run: %s\n", what, strerror(rc));
		close(s.to_sleeper);
		close(s.to_main);
		return -1;
	}
	(void)pin_self(cpu_main);
	usleep(20000);
	for (int i = 0; i < rounds; i++) {
		uint64_t v = 1;
		usleep((useconds_t)gap_us);
		int64_t t0 = now_ns();
		if (write(s.to_sleeper, &v, sizeof(v)) != sizeof(v))
			return -1;
		while (read(s.to_main, &v, sizeof(v)) != sizeof(v))
			;
		lat[i] = (double)(now_ns() - t0) / 1000.0;
	}
	atomic_store(&s.stop, 1);
	pthread_join(t, NULL);
	close(s.to_sleeper);
	close(s.to_main);
	qsort(lat, (size_t)rounds, sizeof(*lat), cmp_d);
	printf("%-44s p50 %7.1f  p90 %7.1f  p99 %8.1f us\n", what, lat[rounds / 2],
	       lat[rounds * 9 / 10], lat[rounds * 99 / 100]);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 400;
	long gap_us = argc > 2 ? atol(argv[2]) : 5000;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double *lat;

	if (rounds < 10 || gap_us < 0) {
		fprintf(stderr, "usage: bench_wakeup [ROUNDS >= 10] [GAP_US]\n");
		return 2;
	}
	lat = malloc((size_t)rounds * sizeof(*lat));
	if (!lat)
		return 1;
	printf("bench_wakeup: %d wakeups %ld us apart, %ld CPUs\n", rounds, gap_us, ncpu);
	if (ncpu > 1) {
		run_case("other CPU, sleeping in poll()", 0, 1, 0, 0, rounds, gap_us, lat);
		run_case("other CPU, sleeping in poll(), SCHED_FIFO", 0, 1, 10, 0, rounds, gap_us, lat);
		run_case("other CPU, spinning (no wakeup)", 0, 1, 0, 1, rounds, gap_us, lat);
	}
	run_case("same CPU, sleeping in poll()", 0, 0, 0, 0, rounds, gap_us, lat);
	run_case("same CPU, sleeping in poll(), SCHED_FIFO", 0, 0, 10, 0, rounds, gap_us, lat);
	free(lat);
	return 0;
}
