/*
 * test_ctl.c - the control socket server (mgmt/server.c) in-process, with
 * real UNIX sockets and the direct data plane: every reply path obeys the
 * output bound (pipelined `complete` never read: the heap stays put), an
 * over-long line is refused whole and its tail never runs, the 33rd client
 * gets the reserve slot and a 34th "too many control connections", a
 * silent one in the reserve slot is closed, idle clients time out, and an
 * event subscription streams, overflows and is closed when stuck.
 * (tests/lab/test_ctl.sh does the same against the daemon.)
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mgmt/ctl.h"
#include "mgmt/events.h"
#include "mgmt/mgmt.h"
#include "pktbuild.h"
#include "statewall/engine.h"

#define T0 (1000000000LL * SW_NS_PER_SEC)

struct fx {
	struct sw_engine *e;
	struct sw_mgmt_host h;
	struct sw_dp_direct dpd;
	struct sw_events *ev;
	struct sw_ctl *ctl;
	char path[108];
};

static void syn(struct sw_engine *e, uint16_t sp)
{
	struct pb_seg g = {.src = "10.0.0.1", .dst = "10.9.9.9", .sport = sp, .dport = 80,
			   .flags = SW_TH_SYN, .seq = 1000, .win = 65535, .wscale = -1};
	struct pb_pkt p;
	pb_tcp(&p, &g);
	sw_engine_packet(e, p.data, p.len, SW_LINK_EN10MB, T0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sw_conf c;
	char err[256];

	sw_conf_defaults(&c);
	c.max_sessions = 4096;
	assert_int_equal(sw_engine_create(&f->e, &c), 0);
	sw_dp_direct_init(&f->h.dp, &f->dpd, f->e, NULL, NULL);
	f->h.started = T0;
	for (int i = 0; i < 10; i++)
		syn(f->e, (uint16_t)(20000 + i));
	assert_int_equal(sw_events_create(&f->ev, 0), 0);
	f->h.events = f->ev;
	snprintf(f->path, sizeof(f->path), "/tmp/sw-test-ctl-%d.sock", (int)getpid());
	assert_int_equal(sw_ctl_open(&f->ctl, f->path, &f->h, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sw_ctl_close(f->ctl);
	sw_events_destroy(f->ev);
	sw_engine_destroy(f->e);
	free(f);
	return 0;
}

/* One round of the daemon's management loop (zero poll timeout). */
static void serve(struct fx *f)
{
	struct pollfd pfd[64];
	int n = sw_ctl_pollfds(f->ctl, pfd, 64);
	poll(pfd, (nfds_t)n, 0);
	sw_ctl_service(f->ctl, pfd, n, 2 * 1000 * 1000);
}

static void serve_for_ms(struct fx *f, int ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		serve(f);
		poll(NULL, 0, 1);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static int client(struct fx *f)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path, f->path, strlen(f->path) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Everything the server sent so far (served meanwhile); *eof set if it closed. */
static size_t drain(struct fx *f, int fd, char *buf, size_t cap, int *eof)
{
	size_t len = 0;
	*eof = 0;
	for (int idle = 0; idle < 20;) {
		serve(f);
		ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r > 0) {
			len += (size_t)r;
			idle = 0;
			if (len >= cap - 1)
				break;
		} else if (r == 0) {
			*eof = 1;
			break;
		} else {
			idle++;
			poll(NULL, 0, 1);
		}
	}
	buf[len] = '\0';
	return len;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Bytes the allocator has handed out, mmapped blocks (large buffers) included. */
static size_t heap(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static void test_complete_bounded(void **state)
{
	struct fx *f = *state;
	static const char req[] = "{\"op\":\"complete\",\"cmd\":\"show session a\"}\n";
	int fd = client(f);
	size_t before, after;
	long sent = 0;

	serve(f);
	before = heap();
	/* 100,000 completes, or as many as the server takes without being read */
	for (int stalls = 0; sent < 100000 && stalls < 200;) {
		if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(req) - 1) {
			sent++;
			stalls = 0;
		} else {
			stalls++;
			serve(f);
		}
		if (sent % 64 == 0)
			serve(f);
	}
	serve_for_ms(f, 50);
	after = heap();
	print_message("      %ld requests taken, heap %zu -> %zu bytes\n", sent, before, after);
	assert_true(sent < 100000); /* the server stopped taking them */
	assert_true(after < before + 4 * 1024 * 1024);
	close(fd);
}

static void test_long_line_refused(void **state)
{
	struct fx *f = *state;
	static char buf[1 << 20];
	size_t big = 400 * 1024;
	char *line = malloc(big + 64);
	int fd = client(f), eof;

	memset(line, ' ', big);
	strcpy(line + big, "clear session all\n");
	for (size_t off = 0, n = strlen(line); off < n;) {
		ssize_t w = send(fd, line + off, n - off, MSG_NOSIGNAL);
		if (w > 0)
			off += (size_t)w;
		serve(f);
	}
	assert_true(send(fd, "show session info\n", 18, MSG_NOSIGNAL) == 18);
	drain(f, fd, buf, sizeof(buf), &eof);
	assert_int_equal(count(buf, "request line longer than 262144 bytes: refused"), 1);
	assert_int_equal(count(buf, "\"end\":true"), 2);
	assert_null(strstr(buf, "cleared"));
	struct sw_stats st;
	sw_engine_stats(f->e, &st);
	assert_int_equal(st.active, 10); /* the tail did not run */
	free(line);
	close(fd);
}

static void test_client_limits(void **state)
{
	struct fx *f = *state;
	static char buf[65536];
	int fds[34], eof;

	sw_ctl_set_idle_timeout(f->ctl, 1);
	for (int i = 0; i < 32; i++) {
		fds[i] = client(f);
		serve(f);
	}
	fds[32] = client(f); /* the reserve slot */
	serve(f);
	fds[33] = client(f); /* beyond it: refused at once */
	drain(f, fds[33], buf, sizeof(buf), &eof);
	assert_true(eof);
	assert_non_null(strstr(buf, "too many control connections"));
	/* an operator would be served in the reserve slot: it sends a command */
	assert_true(send(fds[32], "show session info\n", 18, MSG_NOSIGNAL) == 18);
	drain(f, fds[32], buf, sizeof(buf), &eof);
	assert_false(eof);
	assert_non_null(strstr(buf, "\"ok\":true"));
	/* the 32 that never spoke are closed after the 1 s idle timeout */
	serve_for_ms(f, 1300);
	drain(f, fds[0], buf, sizeof(buf), &eof);
	assert_true(eof);
	assert_non_null(strstr(buf, "idle for 1 s: closed"));
	for (int i = 0; i < 34; i++)
		close(fds[i]);
}

static void test_reserve_silent_closed(void **state)
{
	struct fx *f = *state;
	static char buf[4096];
	int fds[33], eof;

	for (int i = 0; i < 33; i++) {
		fds[i] = client(f);
		serve(f);
	}
	serve_for_ms(f, 2200); /* the reserve slot's grace is 2 s */
	drain(f, fds[32], buf, sizeof(buf), &eof);
	assert_true(eof);
	assert_non_null(strstr(buf, "too many control connections"));
	drain(f, fds[0], buf, sizeof(buf), &eof);
	assert_false(eof); /* the idle timeout (300 s) has not passed */
	for (int i = 0; i < 33; i++)
		close(fds[i]);
}

static void publish(struct fx *f, unsigned n)
{
	struct sw_sess_info si;
	struct sw_ev_rec r;

	memset(&si, 0, sizeof(si));
	si.proto = 6;
	si.family = 4;
	si.resp_p = 80;
	si.timer = SW_TO_MAX;
	for (unsigned i = 0; i < n; i++) {
		struct sw_event ev = {.type = SW_EV_START, .ts = T0, .from = SW_TO_MAX,
				      .to = SW_TO_MAX, .si = &si};
		si.id = i + 1;
		sw_ev_rec_fill(&r, &ev, 0);
		sw_events_publish(f->ev, &r);
	}
}

static void test_events_stream_and_stuck(void **state)
{
	struct fx *f = *state;
	static char buf[1 << 20];
	static const char sub[] = "{\"op\":\"events\",\"format\":\"json\",\"filter\":\"destination-port 80\"}\n";
	int fd = client(f), stuck = client(f), eof;

	assert_true(send(fd, sub, sizeof(sub) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(sub) - 1);
	assert_true(send(stuck, sub, sizeof(sub) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(sub) - 1);
	serve_for_ms(f, 20); /* accepted, then read: both subscribed */
	publish(f, 3);
	drain(f, fd, buf, sizeof(buf), &eof);
	assert_non_null(strstr(buf, "{\"ok\":true,\"events\":true,\"last\":0}"));
	assert_int_equal(count(buf, "\"event\":\"start\""), 3);
	/* `stuck` never reads: 30,000 events later it was told and closed; `fd` keeps up */
	for (int round = 0; round < 30; round++) {
		publish(f, 1000);
		serve(f);
		drain(f, fd, buf, sizeof(buf), &eof);
		assert_false(eof);
	}
	drain(f, stuck, buf, sizeof(buf), &eof);
	assert_true(eof);
	assert_non_null(strstr(buf, "{\"event\":\"overflow\",\"lost\":"));
	assert_non_null(strstr(buf, "disconnected: the subscriber stayed behind"));
	assert_true(send(fd, "{\"op\":\"cancel\"}\n", 16, MSG_NOSIGNAL) == 16);
	drain(f, fd, buf, sizeof(buf), &eof);
	assert_non_null(strstr(buf, "{\"end\":true,\"ok\":true"));
	close(fd);
	close(stuck);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_complete_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserve_silent_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_stream_and_stuck, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
