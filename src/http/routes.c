/*
 * routes.c - which handler answers a request, who may ask, and how big its
 * body may be: the route table, decided from the request line and headers
 * alone, before any body byte is read (so refusals cost nothing).
 *
 * The web UI's files (web/, embedded by cmake/embed.cmake) follow one
 * explicit rule, public_assets[] below: the login page and what it needs,
 * and the UI's code, are public; everything else -- index.html first -- is
 * served only with a live login session (a page redirects to /login).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http-int.h"

enum route_auth {
	R_PUBLIC, /* anybody */
	R_API     /* an API key, or a session cookie (+ CSRF token and same origin for changes) */
};

struct route {
	unsigned methods;    /* M_* */
	const char *path;    /* exact; a last segment "{id}" matches a session id (1..2^32-1) */
	int auth;            /* enum route_auth */
	size_t body_max;     /* larger bodies are refused from Content-Length with 413 */
	void (*fn)(struct req *r);
};

#define GET (M_GET | M_HEAD)

static const struct route routes[] = {
	{GET, "/api/v1/openapi.json", R_PUBLIC, 0, ep_openapi},
	{M_POST, "/api/v1/auth/login", R_PUBLIC, HTTP_LOGIN_BODY_MAX, ep_login},
	{M_POST, "/api/v1/auth/logout", R_API, HTTP_BODY_MAX, ep_logout},
	{GET, "/api/v1/auth/session", R_API, 0, ep_auth_session},
	{GET, "/api/v1/session/info", R_API, 0, ep_session_info},
	{GET, "/api/v1/counters", R_API, 0, ep_counters},
	{GET, "/api/v1/interfaces", R_API, 0, ep_interfaces},
	{GET, "/api/v1/sessions", R_API, 0, ep_sessions},
	{M_POST, "/api/v1/sessions/clear", R_API, HTTP_BODY_MAX, ep_sessions_clear},
	{GET, "/api/v1/sessions/{id}", R_API, 0, ep_session_get},
	{M_DELETE, "/api/v1/sessions/{id}", R_API, 0, ep_session_delete},
	{GET, "/api/v1/config", R_API, 0, ep_config_get},
	{M_POST, "/api/v1/config/validate", R_API, HTTP_BODY_MAX, ep_config_validate},
	{M_POST, "/api/v1/config/commit", R_API, HTTP_BODY_MAX, ep_config_commit},
	{GET, "/api/v1/services", R_API, 0, ep_services},
	{GET, "/api/v1/service-groups", R_API, 0, ep_service_groups},
	{GET, "/api/v1/applications", R_API, 0, ep_applications},
	{GET, "/api/v1/security-policy", R_API, 0, ep_security_policy},
	{M_GET, "/api/v1/events", R_API, 0, ep_events},
	{GET, "/metrics", R_API, 0, ep_metrics},
};

/*
 * The web UI files anybody may fetch: the login page and what it loads, and
 * the UI's script (the same code in every installation; it holds no data and
 * gets none without a session).  Any other file needs a session.
 */
static const char *const public_assets[] = {
	"login.html", "login.js", "style.css", "favicon.svg", "app.js", "openapi.json", NULL,
};

static int match(const char *pattern, const char *path, uint32_t *id)
{
	const char *brace = strstr(pattern, "{id}");
	long v;

	if (!brace)
		return strcmp(pattern, path) == 0;
	if (strncmp(pattern, path, (size_t)(brace - pattern)) != 0)
		return 0;
	path += brace - pattern;
	if (strchr(path, '/') || http_parse_num(path, 1, 4294967295L, &v) < 0)
		return 0;
	*id = (uint32_t)v;
	return 1;
}

static void allowed(const char *path, char *out, size_t len)
{
	static const struct {
		unsigned m;
		const char *name;
	} names[] = {{M_GET, "GET"}, {M_POST, "POST"}, {M_DELETE, "DELETE"}, {M_PUT, "PUT"}};
	unsigned m = 0;
	uint32_t id;
	size_t o = 0;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (match(routes[i].path, path, &id))
			m |= routes[i].methods;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (m & names[i].m)
			o += (size_t)snprintf(out + o, o < len ? len - o : 0, "%s%s", o ? ", " : "",
					      names[i].name);
}

/* ---- the web UI ----------------------------------------------------------- */

static const struct sw_web_asset *asset(const char *path)
{
	for (const struct sw_web_asset *a = sw_web_assets; a->path; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

static int asset_public(const char *path)
{
	for (unsigned i = 0; public_assets[i]; i++)
		if (strcmp(public_assets[i], path) == 0)
			return 1;
	return 0;
}

static const char *mime(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot)
		return "application/octet-stream";
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".js") == 0 || strcmp(dot, ".mjs") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".json") == 0)
		return "application/json";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	return "application/octet-stream";
}

static enum MHD_Result send_asset(struct req *r, const struct sw_web_asset *a)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", mime(a->path));
	http_add_common_headers(resp, 0);
	ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result redirect(struct req *r, const char *to)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Location", to);
	http_add_common_headers(resp, 1);
	ret = MHD_queue_response(r->conn, MHD_HTTP_SEE_OTHER, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A GET for the UI: the asset, a redirect to /login, or an error set on r. */
static enum MHD_Result web(struct req *r)
{
	const char *url = r->path;
	const char *file = NULL;
	const struct sw_web_asset *a;

	if (r->method != M_GET && r->method != M_HEAD) {
		http_method_not_allowed(r, "GET");
		return http_send_ready(r);
	}
	if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
		file = "index.html";
	else if (strcmp(url, "/login") == 0)
		file = "login.html";
	else if (strncmp(url, "/assets/", 8) == 0 && !strstr(url, ".."))
		file = url + 8;
	if (!file || !(a = asset(file))) {
		http_set_error(r, 404, "not found");
		return http_send_ready(r);
	}
	if (strcmp(file, "openapi.json") == 0) { /* the generated one, as /api/v1/openapi.json */
		ep_openapi(r);
		return http_send_ready(r);
	}
	if (!asset_public(file) && !http_logged_in(r)) {
		if (strcmp(mime(file), "text/html; charset=utf-8") == 0)
			return redirect(r, "/login");
		http_set_error(r, 401, "log in first (/login)");
		return http_send_ready(r);
	}
	return send_asset(r, a);
}

/* ---- the API -------------------------------------------------------------- */

/*
 * web/openapi.json with the Session schema generated from SW_SESS_FIELDS
 * (sw_sess_openapi), so a field added to the list is described with no
 * other edit.  Built once.
 */
static int openapi_build(struct sw_http *x)
{
	const struct sw_web_asset *a = asset("openapi.json");
	struct sw_buf sb = {0};
	struct sw_jw w;
	json_t *doc, *sess, *schemas;
	char *out;

	if (!a)
		return -1;
	doc = json_loadb((const char *)a->data, a->len, 0, NULL);
	sw_jw_init_buf(&w, &sb);
	sw_sess_openapi(&w, SW_SV_LIVE);
	sess = sb.oom ? NULL : json_loadb(sb.p ? sb.p : "", sb.len, 0, NULL);
	sw_buf_free(&sb);
	schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	if (!doc || !sess || !schemas || json_object_set_new(schemas, "Session", sess) < 0) {
		json_decref(doc);
		return -1;
	}
	out = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!out)
		return -1;
	sw_buf_puts(&x->openapi, out);
	sw_buf_puts(&x->openapi, "\n");
	free(out);
	return x->openapi.oom ? -1 : 0;
}

void ep_openapi(struct req *r)
{
	struct sw_http *x = r->x;
	struct sw_buf b = {0};

	if (!x->openapi.len && openapi_build(x) < 0) {
		sw_buf_free(&x->openapi);
		http_set_error(r, 500, "the OpenAPI description could not be built");
		return;
	}
	sw_buf_put(&b, x->openapi.p, x->openapi.len);
	http_set_json(r, 200, &b);
}

void http_route_begin(struct req *r)
{
	const char *path = r->path;
	char allow[64];

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if ((routes[i].methods & (unsigned)r->method) && match(routes[i].path, path, &r->id)) {
			r->route = &routes[i];
			break;
		}
	if (!r->route) {
		r->id = 0;
		allowed(path, allow, sizeof(allow));
		if (allow[0])
			http_method_not_allowed(r, allow);
		else if (strncmp(path, "/api/v1/sessions/", 17) == 0)
			http_set_error(r, 404, "no such resource: %s (a session id is a positive integer)", path);
		else if (strncmp(path, "/api/v1/", 8) == 0)
			http_set_error(r, 404, "no such resource: %s (see /api/v1/openapi.json)", path);
		else if (strcmp(path, "/api/v1") == 0 || strcmp(path, "/api") == 0)
			http_set_error(r, 404, "the API is under /api/v1/ (see /api/v1/openapi.json)");
		/* else: the web UI, answered by http_route_run */
		return;
	}
	r->body_max = r->route->body_max;
	if (r->route->auth == R_API)
		(void)http_authenticate(r, &r->who);
}

enum MHD_Result http_route_run(struct req *r)
{
	if (!r->route && !r->ready)
		return web(r);
	if (!r->ready)
		r->route->fn(r);
	if (r->queued)
		return r->queued > 0 ? MHD_YES : MHD_NO;
	if (r->ready)
		return http_send_ready(r);
	return MHD_YES; /* suspended: a job or a login runs */
}
