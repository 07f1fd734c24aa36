/*
 * test_http_unit.c - the web front end without namespaces (runs under
 * ASan/UBSan in `make test-asan`): the strict JSON reader, auth.c (password
 * hash, API keys, sessions, CSRF, the limiter, the verification thread), and
 * the web server (src/http) in-process: a real engine, sw_http_open on 127.0.0.1:0 and a plain
 * socket client driven by the same poll/service loop the daemon uses:
 * framing refusals, early 413, the asset rule, UTF-8 in answers, the
 * limiter, connection caps and the header deadline.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/auth.h"
#include "http/http.h"
#include "mgmt/mgmt.h"
#include "http/http-int.h"
#include "mgmt/events.h"

static char tmpdir[256];

static void path_in(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", tmpdir, name);
}

/* ---- JSON ----------------------------------------------------------------- */

static void test_json_ok(void **st)
{
	char err[128];
	const char *doc = " {\"a\":[1,-2.5e3,true,false,null],\"s\":\"x\\u00e9\\ud83d\\ude00\\n\",\"o\":{}} ";
	json_t *v = http_json_parse(doc, strlen(doc), err, sizeof(err));
	json_t *a;

	(void)st;
	assert_non_null(v);
	assert_true(json_is_object(v));
	assert_int_equal(json_object_size(v), 3);
	a = json_object_get(v, "a");
	assert_int_equal(json_array_size(a), 5);
	assert_true(json_is_integer(json_array_get(a, 0)));
	assert_int_equal(json_integer_value(json_array_get(a, 0)), 1);
	assert_true(json_is_real(json_array_get(a, 1)));
	assert_true(json_real_value(json_array_get(a, 1)) == -2500.0);
	assert_true(json_is_true(json_array_get(a, 2)));
	assert_true(json_is_false(json_array_get(a, 3)));
	assert_string_equal(json_string_value(json_object_get(v, "s")), "x\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_null(json_object_get(v, "missing"));
	json_decref(v);
}

static void test_json_errors(void **st)
{
	static const char *const bad[] = {
		"", "{", "{\"a\":1,}", "{\"a\":1} x", "{\"a\":1,\"a\":2}", "[01]", "[1.]", "[-]",
		"\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\u0000\"", "\"a\nb\"", "{a:1}", "[1 2]",
		"tru", "nul", "[1e400]", "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]", "\"abc", "\"\xff\"",
		"\"\xc0\xaf\"",
	};
	char err[256];
	struct sw_buf many = {0};

	(void)st;
	sw_buf_puts(&many, "[0");
	for (int i = 0; i < HTTP_JSON_MAX_VALUES; i++)
		sw_buf_puts(&many, ",0");
	sw_buf_puts(&many, "]");
	assert_null(http_json_parse(many.p, many.len, err, sizeof(err)));
	assert_non_null(strstr(err, "values"));
	many.len -= 3;
	sw_buf_puts(&many, "]");
	json_t *at_limit = http_json_parse(many.p, many.len, err, sizeof(err));
	assert_non_null(at_limit);
	json_decref(at_limit);
	sw_buf_free(&many);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *v = http_json_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		if (v)
			fail_msg("accepted: %s", bad[i]);
		assert_true(strncmp(err, "offset ", 7) == 0);
	}
}

/* A JSON document (the whole text) that is valid UTF-8 and parses. */
static int utf8_json_ok(const char *s)
{
	char err[256];
	json_t *v = http_json_parse(s, strlen(s), err, sizeof(err));

	json_decref(v);
	return v != NULL;
}

/* Invalid UTF-8 in what is echoed back becomes U+FFFD (issue 10, item 5). */
static void test_utf8_never_echoed(void **st)
{
	struct sw_buf b = {0};
	char clean[64];

	(void)st;
	http_json_str(&b, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82" "\x01\x7f\xc3\xa9");
	assert_string_equal(b.p, "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\\ufffd\\u0001\\u007f\xc3\xa9\"");
	assert_true(utf8_json_ok(b.p));
	sw_buf_free(&b);
	http_utf8_clean(clean, sizeof(clean), "x\xffy\n\xc3\xa9");
	assert_string_equal(clean, "x\xef\xbf\xbdy?\xc3\xa9");
}

/* The log limiter: a burst, then one summary of what was dropped. */
static void test_log_limit(void **st)
{
	int64_t w = 0;
	unsigned lines = 0, dropped = 0, report = 0, printed = 0;

	(void)st;
	for (int i = 0; i < 1000; i++) {
		printed += (unsigned)http_log_allow(&w, &lines, &dropped, 100, &report);
		assert_int_equal(report, 0);
	}
	assert_int_equal(printed, HTTP_LOG_BURST);
	assert_int_equal(http_log_allow(&w, &lines, &dropped, 100 + HTTP_LOG_WINDOW_S, &report), 1);
	assert_int_equal(report, 1000 - HTTP_LOG_BURST);
}

/* ---- auth ----------------------------------------------------------------- */

static void test_auth_files_and_sessions(void **st)
{
	char hp[300], kp[300], err[512], key[SW_AUTH_KEY_LEN + 8], key2[SW_AUTH_KEY_LEN + 8], name[64];
	struct sw_auth *a;
	unsigned char ip1[4] = {10, 0, 0, 1}, ip2[4] = {10, 0, 0, 2};

	(void)st;
	path_in(hp, sizeof(hp), "sub/admin.hash");
	path_in(kp, sizeof(kp), "keys");
	assert_int_equal(sw_auth_open(&a, hp, kp, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "statewall passwd"));
	assert_int_equal(sw_auth_write_password(hp, "s3cret-password", err, sizeof(err)), 0);
	assert_int_equal(sw_auth_key_add(kp, "ci", key, sizeof(key), err, sizeof(err)), 0);
	assert_int_equal(sw_auth_key_add(kp, "ci", key2, sizeof(key2), err, sizeof(err)), -EEXIST);
	assert_int_equal(sw_auth_key_add(kp, "bad name", key2, sizeof(key2), err, sizeof(err)), -EINVAL);
	assert_int_equal(sw_auth_key_add(kp, "ops", key2, sizeof(key2), err, sizeof(err)), 0);
	assert_int_equal(strncmp(key, "swk_", 4), 0);
	assert_int_equal(strlen(key), 47);

	assert_int_equal(sw_auth_open(&a, hp, kp, err, sizeof(err)), 0);
	assert_int_equal(sw_auth_verify_now(a, "s3cret-password"), 1);
	assert_int_equal(sw_auth_verify_now(a, "s3cret-passwore"), 0);
	assert_int_equal(sw_auth_check_key(a, key, name, sizeof(name)), 1);
	assert_string_equal(name, "ci");
	assert_int_equal(sw_auth_check_key(a, key2, name, sizeof(name)), 1);
	assert_string_equal(name, "ops");
	key[10] ^= 1;
	assert_int_equal(sw_auth_check_key(a, key, name, sizeof(name)), 0);
	assert_int_equal(sw_auth_check_key(a, "", name, sizeof(name)), 0);
	assert_int_equal(sw_auth_key_del(kp, "ops", err, sizeof(err)), 0);
	assert_int_equal(sw_auth_key_del(kp, "ops", err, sizeof(err)), -ENOENT);

	/* sessions and CSRF */
	struct sw_auth_sess *s = sw_auth_sess_new(a, 1000);
	char tok[SW_AUTH_TOKEN_HEX + 1];
	memcpy(tok, s->token, sizeof(tok));
	assert_int_equal(strlen(tok), SW_AUTH_TOKEN_HEX);
	assert_ptr_equal(sw_auth_sess_find(a, tok, 1001), s);
	assert_true(sw_auth_csrf_ok(s, s->csrf));
	assert_false(sw_auth_csrf_ok(s, tok));
	assert_false(sw_auth_csrf_ok(s, NULL));
	assert_null(sw_auth_sess_find(a, tok, 1001 + SW_AUTH_IDLE_SEC + 1)); /* idle expiry */
	assert_null(sw_auth_sess_find(a, tok, 1002));                        /* and it is gone */
	s = sw_auth_sess_new(a, 2000);
	memcpy(tok, s->token, sizeof(tok));
	sw_auth_sess_end(a, s);
	assert_null(sw_auth_sess_find(a, tok, 2001));

	/* limiter: 5 failures are free, then 4 s, 8 s, ... per address */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(sw_auth_limited(a, ip1, 4, 100), 0);
		sw_auth_failed(a, ip1, 4, 100);
	}
	assert_int_equal(sw_auth_limited(a, ip1, 4, 100), 0);
	sw_auth_failed(a, ip1, 4, 100);
	assert_int_equal(sw_auth_limited(a, ip1, 4, 100), 4);
	assert_int_equal(sw_auth_limited(a, ip1, 4, 103), 1);
	assert_int_equal(sw_auth_limited(a, ip2, 4, 100), 0);
	assert_int_equal(sw_auth_limited(a, ip1, 4, 104), 0);
	sw_auth_failed(a, ip1, 4, 104);
	assert_int_equal(sw_auth_limited(a, ip1, 4, 104), 8);
	sw_auth_succeeded(a, ip1, 4);
	assert_int_equal(sw_auth_limited(a, ip1, 4, 104), 0);
	/*
	 * failures from many addresses never limit another one (issue 10, item
	 * 2); wrong passwords from them stop only logins without a device cookie
	 */
	for (int i = 0; i < 70; i++) {
		unsigned char ip[4] = {10, 1, (unsigned char)(i >> 8), (unsigned char)i};
		sw_auth_failed(a, ip, 4, 600);
		sw_auth_pw_failed(a, 600);
	}
	assert_int_equal(sw_auth_limited(a, ip2, 4, 601), 0);
	assert_true(sw_auth_pw_limited(a, 601) > 0);
	assert_int_equal(sw_auth_pw_limited(a, 661), 0);
	char dev[SW_AUTH_DEVICE_HEX + 1];
	unsigned char id[SW_AUTH_DEVICE_ID];
	sw_auth_device_new(a, dev);
	assert_int_equal(strlen(dev), SW_AUTH_DEVICE_HEX);
	assert_int_equal(sw_auth_device_ok(a, dev, id), 1);
	dev[40] = dev[40] == '0' ? '1' : '0';
	assert_int_equal(sw_auth_device_ok(a, dev, id), 0); /* forged */
	assert_int_equal(sw_auth_device_ok(a, "", id), 0);
	assert_int_equal(sw_auth_device_ok(a, NULL, id), 0);

	/* the verification thread */
	int tag1, tag2, ok = -1;
	void *tag = NULL;
	assert_int_equal(sw_auth_verify_start(a, "s3cret-password", &tag1), 0);
	assert_int_equal(sw_auth_verify_start(a, "wrong", &tag2), 0);
	for (int got = 0; got < 2;) {
		struct pollfd p = {.fd = sw_auth_verify_fd(a), .events = POLLIN};
		assert_true(poll(&p, 1, 5000) == 1);
		while (sw_auth_verify_done(a, &tag, &ok) == 1) {
			assert_int_equal(ok, tag == &tag1);
			got++;
		}
	}
	assert_int_equal(sw_auth_verify_running(a), 0);
	/* a cancelled one never comes back */
	assert_int_equal(sw_auth_verify_start(a, "x", &tag1), 0);
	sw_auth_verify_cancel(a, &tag1);
	sw_auth_close(a);
}

/* ---- http in-process ------------------------------------------------------ */

struct rig {
	struct sw_engine *eng;
	struct sw_events *events;
	struct sw_mgmt_host host;
	struct sw_dp_direct dpd;
	struct sw_http *http;
	int port;
	char key[SW_AUTH_KEY_LEN + 8];
	char pw[32];
};

/* Serve for about ms milliseconds. */
static void serve(struct rig *g, int ms)
{
	for (int i = 0; i < ms; i++) {
		struct pollfd p[3];
		int n = sw_http_pollfds(g->http, p, 3);
		(void)poll(p, (nfds_t)n, sw_http_busy(g->http) ? 0 : 1);
		sw_http_service(g->http, p, n, 2 * 1000 * 1000);
	}
}

/* A connected socket from 127.0.0.LAST. */
static int connect_from(struct rig *g, int last)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g->port)};
	struct sockaddr_in me = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	me.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)last);
	assert_int_equal(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* 1 if the server closed fd (EOF or reset), 0 if it is still open. */
static int closed_by_server(int fd)
{
	char b[4096];

	for (;;) {
		ssize_t r = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			return 1;
		if (r < 0)
			return 0;
	}
}

/*
 * Send raw from 127.0.0.src, run the service loop until the reply is
 * complete (the server closes) or `rounds` loop turns passed.
 */
static int request_from(struct rig *g, int src, int rounds, const char *raw, char *resp, size_t resplen)
{
	int fd = connect_from(g, src);
	size_t got = 0;
	int status = -1;

	assert_int_equal(send(fd, raw, strlen(raw), 0), (ssize_t)strlen(raw));
	for (int i = 0; i < rounds; i++) {
		struct pollfd p[4];
		int n = sw_http_pollfds(g->http, p, 3);
		p[n].fd = fd;
		p[n].events = POLLIN;
		p[n].revents = 0;
		(void)poll(p, (nfds_t)n + 1, sw_http_busy(g->http) ? 0 : 5);
		sw_http_service(g->http, p, n, 2 * 1000 * 1000);
		if (p[n].revents) {
			ssize_t r = recv(fd, resp + got, resplen - 1 - got, MSG_DONTWAIT);
			if (r == 0)
				break;
			if (r > 0)
				got += (size_t)r;
		}
	}
	resp[got] = '\0';
	close(fd);
	sscanf(resp, "HTTP/1.1 %d", &status);
	return status;
}

static int request(struct rig *g, const char *raw, char *resp, size_t resplen)
{
	return request_from(g, 1, 20000, raw, resp, resplen);
}

/* The body of an HTTP answer. */
static const char *body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");

	return b ? b + 4 : "";
}

static int api(struct rig *g, const char *method, const char *path, const char *body, char *resp,
	       size_t resplen)
{
	char raw[4096];

	if (body)
		snprintf(raw, sizeof(raw),
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
			 "Connection: close\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			 method, path, g->key, strlen(body), body);
	else
		snprintf(raw, sizeof(raw),
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
			 "Connection: close\r\n\r\n",
			 method, path, g->key);
	return request(g, raw, resp, resplen);
}

static struct sw_http_opts rig_opts = {.quiet = 1};

static int rig_setup(void **st)
{
	struct rig *g = calloc(1, sizeof(*g));
	struct sw_conf *conf = malloc(sizeof(*conf));
	char hp[300], kp[300], err[512];
	struct sw_http_opts o = rig_opts;

	sw_conf_defaults(conf);
	conf->max_sessions = 1024;
	conf->max_tombstones = 1024;
	assert_int_equal(sw_engine_create(&g->eng, conf), 0);
	free(conf);
	sw_dp_direct_init(&g->host.dp, &g->dpd, g->eng, NULL, NULL);
	assert_int_equal(sw_events_create(&g->events, 64), 0);
	g->host.events = g->events;
	path_in(hp, sizeof(hp), "rig.hash");
	path_in(kp, sizeof(kp), "rig.keys");
	snprintf(g->pw, sizeof(g->pw), "rig-password");
	assert_int_equal(sw_auth_write_password(hp, g->pw, err, sizeof(err)), 0);
	unlink(kp);
	assert_int_equal(sw_auth_key_add(kp, "unit", g->key, sizeof(g->key), err, sizeof(err)), 0);
	o.auth_file = hp;
	o.keys_file = kp;
	assert_int_equal(sw_http_open(&g->http, "nonsense", &g->host, &o, err, sizeof(err)), -EINVAL);
	assert_int_equal(sw_http_open(&g->http, "127.0.0.1:0", &g->host, &o, err, sizeof(err)), 0);
	assert_int_equal(sscanf(sw_http_url(g->http), "http://127.0.0.1:%d/", &g->port), 1);
	assert_true(g->port > 0);
	*st = g;
	return 0;
}

static int rig_teardown(void **st)
{
	struct rig *g = *st;

	sw_http_close(g->http);
	sw_events_destroy(g->events);
	sw_engine_destroy(g->eng);
	free(g);
	return 0;
}

static void test_http_api(void **st)
{
	struct rig *g = *st;
	static char r[256 * 1024];
	char raw[1024];

	assert_int_equal(api(g, "GET", "/api/v1/session/info", NULL, r, sizeof(r)), 200);
	assert_non_null(strstr(r, "\"supported\":1024"));
	assert_non_null(strstr(r, "\"broken_half_closed_sessions\":0"));
	assert_int_equal(api(g, "GET", "/api/v1/sessions?limit=10", NULL, r, sizeof(r)), 200);
	assert_non_null(strstr(r, "\"sessions\":[]"));
	assert_int_equal(api(g, "GET", "/api/v1/sessions?nope=1", NULL, r, sizeof(r)), 400);
	assert_int_equal(api(g, "GET", "/api/v1/sessions/7", NULL, r, sizeof(r)), 404);
	assert_non_null(strstr(r, "\"field\":\"id\"")); /* -ENOENT of the typed command */
	assert_int_equal(api(g, "GET", "/api/v1/sessions?state=sleepy", NULL, r, sizeof(r)), 400);
	assert_non_null(strstr(r, "\"field\":\"state\"")); /* -EINVAL naming the argument */
	assert_int_equal(api(g, "POST", "/api/v1/sessions/clear", "{\"filter\":{\"source_port\":\"x\"}}", r,
			     sizeof(r)), 400);
	assert_non_null(strstr(r, "\"field\":\"source_port\""));
	assert_int_equal(api(g, "DELETE", "/api/v1/sessions/7", NULL, r, sizeof(r)), 404);
	assert_int_equal(api(g, "POST", "/api/v1/sessions/clear", "{\"ids\":[7,8]}", r, sizeof(r)), 200);
	assert_non_null(strstr(r, "\"not_found\":[7,8]"));
	assert_int_equal(api(g, "POST", "/api/v1/sessions/clear", "{\"filter\":{}}", r, sizeof(r)), 200);
	assert_int_equal(api(g, "POST", "/api/v1/sessions/clear", "{\"ids\":[", r, sizeof(r)), 400);
	assert_int_equal(api(g, "GET", "/api/v1/counters", NULL, r, sizeof(r)), 200);
	assert_int_equal(api(g, "GET", "/api/v1/config", NULL, r, sizeof(r)), 200);
	assert_non_null(strstr(r, "\"label\":\"TCP Half Closed\""));
	assert_int_equal(api(g, "POST", "/api/v1/config/validate",
			     "{\"settings\":{\"timeout-tcp-half-closed\":0}}", r, sizeof(r)), 422);
	assert_non_null(strstr(r, "\"field\":\"timeout-tcp-half-closed\""));
	assert_int_equal(api(g, "POST", "/api/v1/config/commit",
			     "{\"settings\":{\"timeout-tcp-half-closed\":333,\"timeout-udp\":0}}", r,
			     sizeof(r)), 422);
	assert_int_equal(sw_engine_conf(g->eng)->timeout[SW_TO_TCP_HALF_CLOSED], 120);
	assert_int_equal(api(g, "POST", "/api/v1/config/commit",
			     "{\"settings\":{\"timeout-tcp-half-closed\":333,\"half-close-mode\":\"fixed\"}}",
			     r, sizeof(r)), 200);
	assert_int_equal(sw_engine_conf(g->eng)->timeout[SW_TO_TCP_HALF_CLOSED], 333);
	assert_int_equal(sw_engine_conf(g->eng)->half_close_mode, SW_HC_FIXED);
	assert_int_equal(api(g, "GET", "/metrics", NULL, r, sizeof(r)), 200);
	assert_non_null(strstr(r, "statewall_config_commits_total 1"));
	assert_int_equal(api(g, "GET", "/api/v1/openapi.json", NULL, r, sizeof(r)), 200);
	assert_non_null(strstr(r, "\"openapi\""));
	{ /* the Session schema has every live field of SW_SESS_FIELDS */
		json_t *doc = json_loads(body_of(r), 0, NULL);
		json_t *props = json_object_get(
			json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"), "Session"),
			"properties");
		unsigned n = 0;
		assert_non_null(props);
		for (unsigned i = 0; i < sw_sess_nfields(); i++) {
			const struct sw_sess_field_info *fi = sw_sess_field_info(i);
			if (fi->views & SW_SV_LIVE) {
				n++;
				if (!json_object_get(props, fi->key))
					fail_msg("Session schema lacks %s", fi->key);
			}
		}
		assert_int_equal(json_object_size(props), n);
		json_decref(doc);
	}

	/* no credentials; the UI redirects; assets are served from the binary */
	assert_int_equal(request(g, "GET /api/v1/counters HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
				 r, sizeof(r)), 401);
	assert_int_equal(request(g, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", r, sizeof(r)),
			 303);
	assert_int_equal(request(g, "GET /assets/app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
				 r, sizeof(r)), 200);

	/* login through the verification thread, then a cookie request without and with CSRF */
	snprintf(raw, sizeof(raw),
		 "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
		 "application/json\r\nContent-Length: %zu\r\n\r\n{\"password\":\"%s\"}",
		 strlen(g->pw) + 15, g->pw);
	assert_int_equal(request(g, raw, r, sizeof(r)), 200);
	char tok[80], csrf[80];
	const char *c = strstr(r, "sw_session=");
	assert_non_null(c);
	assert_int_equal(sscanf(c, "sw_session=%64[0-9a-f]", tok), 1);
	c = strstr(r, "\"csrf\":\"");
	assert_non_null(c);
	assert_int_equal(sscanf(c, "\"csrf\":\"%64[0-9a-f]", csrf), 1);
	snprintf(raw, sizeof(raw),
		 "POST /api/v1/sessions/clear HTTP/1.1\r\nHost: x\r\nCookie: sw_session=%s\r\nConnection: "
		 "close\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"ids\":[42]}",
		 tok);
	assert_int_equal(request(g, raw, r, sizeof(r)), 403);
	snprintf(raw, sizeof(raw),
		 "POST /api/v1/sessions/clear HTTP/1.1\r\nHost: x\r\nCookie: sw_session=%s\r\nX-CSRF-Token: "
		 "%s\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n"
		 "{\"ids\":[42]}",
		 tok, csrf);
	assert_int_equal(request(g, raw, r, sizeof(r)), 200);
	snprintf(raw, sizeof(raw),
		 "GET / HTTP/1.1\r\nHost: x\r\nCookie: sw_session=%s\r\nConnection: close\r\n\r\n", tok);
	assert_int_equal(request(g, raw, r, sizeof(r)), 200);
	assert_non_null(strstr(r, "Content-Security-Policy"));

	struct sw_sess_info si = {.late_pkts = 3, .half_closed_at = 5};
	sw_http_note_end(g->http, &si);
	assert_int_equal(api(g, "GET", "/api/v1/session/info", NULL, r, sizeof(r)), 200);
	assert_non_null(strstr(r, "\"broken_half_closed_sessions\":1"));
}

/*
 * Refused from the request line and headers, before any body (issue 10,
 * items 4, 1, 5, 2 and 17).
 */
static void test_http_refusals(void **st)
{
	struct rig *g = *st;
	static char r[64 * 1024];
	char raw[2048];
	const char *commit = "{\"settings\":{\"timeout-udp\":31}}";

	/* two different Content-Length headers: 400, the connection closed, nothing committed */
	snprintf(raw, sizeof(raw),
		 "POST /api/v1/config/commit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\nContent-Length: 5\r\n\r\n%s",
		 g->key, strlen(commit), commit);
	assert_int_equal(request_from(g, 1, 2000, raw, r, sizeof(r)), 400);
	assert_non_null(strstr(r, "two different Content-Length"));
	assert_int_equal(sw_engine_conf(g->eng)->timeout[SW_TO_UDP], 30);
	/* Content-Length with chunked: 400 and closed (the pipelined second request never runs) */
	snprintf(raw, sizeof(raw),
		 "POST /api/v1/config/commit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
		 "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
		 "%zx\r\n%s\r\n0\r\n\r\nGET /api/v1/counters HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n",
		 g->key, strlen(commit), commit, g->key);
	assert_int_equal(request_from(g, 1, 2000, raw, r, sizeof(r)), 400);
	assert_null(strstr(r + 12, "HTTP/1.1 "));
	assert_int_equal(sw_engine_conf(g->eng)->timeout[SW_TO_UDP], 30);
	/* chunked alone: 411 (bodies need a length, so they can be refused from it) */
	snprintf(raw, sizeof(raw),
		 "POST /api/v1/config/commit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
		 "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n",
		 g->key, strlen(commit), commit);
	assert_int_equal(request_from(g, 1, 2000, raw, r, sizeof(r)), 411);
	assert_int_equal(sw_engine_conf(g->eng)->timeout[SW_TO_UDP], 30);
	/* HTTP/1.1 without Host */
	snprintf(raw, sizeof(raw), "GET /api/v1/counters HTTP/1.1\r\nAuthorization: Bearer %s\r\n\r\n", g->key);
	assert_int_equal(request_from(g, 1, 2000, raw, r, sizeof(r)), 400);
	/* oversize bodies: 413 from the header, the body never sent */
	snprintf(raw, sizeof(raw),
		 "POST /api/v1/config/commit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
		 "Content-Type: application/json\r\nContent-Length: 15000000\r\n\r\n",
		 g->key);
	assert_int_equal(request_from(g, 1, 400, raw, r, sizeof(r)), 413);
	snprintf(raw, sizeof(raw),
		 "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		 "Content-Length: 61440\r\n\r\n{\"k0\":0");
	assert_int_equal(request_from(g, 1, 400, raw, r, sizeof(r)), 413);
	assert_int_equal(request_from(g, 1, 400,
				      "POST /api/v1/config/commit HTTP/1.1\r\nHost: x\r\nContent-Type: "
				      "application/json\r\nContent-Length: 15000000\r\n\r\n",
				      r, sizeof(r)), 401);
	/* the UI page itself needs a login, under either name */
	assert_int_equal(request(g, "GET /assets/index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
				 r, sizeof(r)), 303);
	assert_int_equal(request(g, "GET /assets/login.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
				 r, sizeof(r)), 200);
	/* invalid UTF-8 in a parameter name or a body is never echoed raw */
	snprintf(raw, sizeof(raw),
		 "GET /api/v1/sessions?%%FF%%FEx=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
		 "Connection: close\r\n\r\n", g->key);
	assert_int_equal(request(g, raw, r, sizeof(r)), 400);
	assert_true(utf8_json_ok(body_of(r)));
	assert_int_equal(api(g, "POST", "/api/v1/config/validate", "{\"lines\":[\"set \xff\xfe\"]}", r,
			     sizeof(r)), 400);
	assert_true(utf8_json_ok(body_of(r)));
	assert_int_equal(api(g, "POST", "/api/v1/config/validate", "{\"settings\":{\"x\xc3\":1}}", r,
			     sizeof(r)), 400);
	assert_true(utf8_json_ok(body_of(r)));
	/* wrong keys limit their address, never a valid key from it */
	for (int i = 0; i < 7; i++)
		(void)request_from(g, 9, 2000,
				   "GET /api/v1/counters HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
				   "Authorization: Bearer swk_wrongwrongwrongwrongwrongwrongwrongwrongwro\r\n\r\n",
				   r, sizeof(r));
	assert_int_equal(request_from(g, 9, 2000,
				      "GET /api/v1/counters HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
				      "Authorization: Bearer swk_wrongwrongwrongwrongwrongwrongwrongwrongwro\r\n\r\n",
				      r, sizeof(r)), 429);
	snprintf(raw, sizeof(raw),
		 "GET /api/v1/counters HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n",
		 g->key);
	assert_int_equal(request_from(g, 9, 2000, raw, r, sizeof(r)), 200);
}

static int rig_setup_limits(void **st)
{
	rig_opts.header_deadline_s = 1;
	rig_opts.conn_per_addr = 4;
	return rig_setup(st);
}

/* Per-address connection cap and the header deadline (issue 10, item 3). */
static void test_http_conn_limits(void **st)
{
	struct rig *g = *st;
	static char r[64 * 1024];
	int fd[6], open_after = 0;

	for (int i = 0; i < 6; i++) {
		fd[i] = connect_from(g, 1);
		assert_int_equal(send(fd[i], "GET / HTTP/1.1\r\nHo", 18, 0), 18);
		serve(g, 20);
	}
	serve(g, 100);
	/* the fifth and sixth from the same address are refused at once */
	assert_int_equal(closed_by_server(fd[4]), 1);
	assert_int_equal(closed_by_server(fd[5]), 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(closed_by_server(fd[i]), 0);
	/* another address is served meanwhile */
	assert_int_equal(request_from(g, 2, 2000, "GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
				      r, sizeof(r)), 200);
	/* the trickling ones are closed once their headers are late (1 s here) */
	for (int t = 0; t < 50; t++) {
		serve(g, 100);
		open_after = 0;
		for (int i = 0; i < 4; i++)
			open_after += !closed_by_server(fd[i]);
		if (!open_after)
			break;
	}
	assert_int_equal(open_after, 0);
	for (int i = 0; i < 6; i++)
		close(fd[i]);
	rig_opts.header_deadline_s = 0;
	rig_opts.conn_per_addr = 0;
}

/* Append what fd has to read now to b (NUL-terminated); 1 if the server closed it. */
static int drain(int fd, char *b, size_t len, size_t *got)
{
	for (;;) {
		ssize_t r = recv(fd, b + *got, len - 1 - *got, MSG_DONTWAIT);
		if (r > 0) {
			*got += (size_t)r;
			b[*got] = '\0';
			continue;
		}
		b[*got] = '\0';
		return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
	}
}

static void publish(struct rig *g, unsigned type, uint16_t dport)
{
	struct sw_ev_rec r;

	memset(&r, 0, sizeof(r));
	r.type = (uint8_t)type;
	r.ts = 1700000000LL * SW_NS_PER_SEC;
	r.si.id = dport;
	r.si.proto = 6;
	r.si.family = 4;
	r.si.resp_p = dport;
	r.si.orig_p = 40000;
	r.si.timer = SW_TO_MAX;
	r.from = r.to = SW_TO_MAX;
	sw_events_publish(g->events, &r);
}

static int open_stream(struct rig *g, const char *query, const char *extra)
{
	char raw[1024];
	int fd = connect_from(g, 1);

	snprintf(raw, sizeof(raw), "GET /api/v1/events%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n%s\r\n",
		 query, g->key, extra);
	assert_int_equal(send(fd, raw, strlen(raw), 0), (ssize_t)strlen(raw));
	return fd;
}

/* GET /api/v1/events: SSE framing, filter, resume, overflow, disconnect (issue 9). */
static void test_http_events(void **st)
{
	struct rig *g = *st;
	static char a[256 * 1024], b[64 * 1024], c[64 * 1024];
	size_t na = 0, nb = 0, nc = 0;
	int fa, fb, fc;

	fa = open_stream(g, "", "");
	fb = open_stream(g, "?destination_port=80", "");
	serve(g, 50);
	assert_int_equal(drain(fa, a, sizeof(a), &na), 0);
	assert_non_null(strstr(a, "HTTP/1.1 200"));
	assert_non_null(strstr(a, "Content-Type: text/event-stream"));
	assert_non_null(strstr(a, ": statewall events"));
	assert_int_equal(sw_http_busy(g->http), 0); /* idle streams are suspended: no busy loop */
	publish(g, SW_EV_START, 22);
	publish(g, SW_EV_HALF_CLOSE, 80);
	publish(g, SW_EV_END, 80);
	serve(g, 50);
	assert_int_equal(drain(fa, a, sizeof(a), &na), 0);
	assert_int_equal(drain(fb, b, sizeof(b), &nb), 0);
	assert_non_null(strstr(a, "id: 1\ndata: {\"id\":1,\"event\":\"start\""));
	assert_non_null(strstr(a, "id: 3\ndata: {\"id\":3,\"event\":\"end\""));
	assert_null(strstr(b, "id: 1\n")); /* port 22: filtered out */
	assert_non_null(strstr(b, "id: 2\ndata: {\"id\":2,\"event\":\"half-close\""));
	/* resume after id 1 from the backlog */
	fc = open_stream(g, "", "Last-Event-ID: 1\r\n");
	serve(g, 50);
	assert_int_equal(drain(fc, c, sizeof(c), &nc), 0);
	assert_null(strstr(c, "id: 1\n"));
	assert_non_null(strstr(c, "id: 2\n"));
	assert_non_null(strstr(c, "id: 3\n"));
	close(fc);
	close(fb);
	/* a stream that does not keep up: an overflow event, then it is disconnected */
	for (int i = 0; i < 100; i++)
		publish(g, SW_EV_START, 443);
	for (int i = 0; i < 100; i++)
		publish(g, SW_EV_START, 443);
	int closed = 0;
	for (int t = 0; t < 20 && !closed; t++) {
		serve(g, 20);
		closed = drain(fa, a, sizeof(a), &na);
	}
	assert_non_null(strstr(a, "\"event\":\"overflow\""));
	assert_int_equal(closed, 1);
	close(fa);
	/* the others are authenticated like every API call */
	assert_int_equal(request(g, "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", a,
				 sizeof(a)), 401);
	assert_int_equal(api(g, "GET", "/api/v1/events?bogus=1", NULL, a, sizeof(a)), 400);
	/* a stream ends when its API key is revoked (the keys file is re-read about once a second) */
	char kp[300], err[256];
	int closed2 = 0;
	na = 0;
	fa = open_stream(g, "", "");
	serve(g, 50);
	assert_int_equal(drain(fa, a, sizeof(a), &na), 0);
	assert_non_null(strstr(a, "HTTP/1.1 200"));
	path_in(kp, sizeof(kp), "rig.keys");
	assert_int_equal(sw_auth_key_del(kp, "unit", err, sizeof(err)), 0);
	for (int t = 0; t < 60 && !closed2; t++) {
		serve(g, 50);
		closed2 = drain(fa, a, sizeof(a), &na);
	}
	assert_int_equal(closed2, 1);
	close(fa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_ok),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_utf8_never_echoed),
		cmocka_unit_test(test_log_limit),
		cmocka_unit_test(test_auth_files_and_sessions),
		cmocka_unit_test_setup_teardown(test_http_api, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_http_refusals, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_http_events, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_http_conn_limits, rig_setup_limits, rig_teardown),
	};
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sw-http-unit.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			rc = rc ? rc : 1;
	}
	return rc;
}
