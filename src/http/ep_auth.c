/*
 * ep_auth.c - who is asking (API key, or session cookie plus CSRF token and
 * origin for changes) and the auth endpoints: login (the password check on
 * auth.c's thread), logout, auth/session.
 *
 * Wrong credentials (auth.h): a valid API key is always accepted (it is
 * checked before any limit: a 256-bit key cannot be guessed, so limiting it
 * would only let others lock its holder out); wrong keys and passwords are
 * limited per client address; a login carrying a device cookie (set at the
 * first successful login in that browser) is limited by that cookie instead,
 * and is exempt from the limit on the password as a whole, which stops
 * logins from unknown browsers after 30 wrong passwords a minute.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/http-int.h"
#include "util/clock.h"

#define DEVICE_MAX_AGE (30 * 24 * 3600)

static const char *cookie_token(struct req *r)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, HTTP_COOKIE);
}

/* Same-origin check for cookie-authenticated changes: Origin, if sent, must be us. */
static int origin_ok(struct req *r)
{
	const char *o = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
	const char *p;

	if (!o)
		return 1;
	if (!host)
		return 0;
	p = strstr(o, "://");
	return p && strcmp(p + 3, host) == 0 &&
	       strncmp(o, r->x->tls ? "https" : "http", (size_t)(p - o)) == 0;
}

static void too_many(struct req *r, int wait, const char *what)
{
	r->retry_after = wait;
	http_set_error(r, 429, "%s: retry in %d s", what, wait);
}

int http_authenticate(struct req *r, struct who *w)
{
	struct sw_http *x = r->x;
	const char *authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
	const char *tok = cookie_token(r);
	int64_t now = (sw_mono_ns() / SW_NS_PER_SEC);
	int wait;

	memset(w, 0, sizeof(*w));
	if (authz) {
		if (strncasecmp(authz, "Bearer ", 7) != 0) {
			http_set_error(r, 401, "Authorization: expected `Bearer API-KEY`");
			return -1;
		}
		const char *k = authz + 7;
		while (*k == ' ')
			k++;
		if (sw_auth_check_key(x->auth, k, w->name, sizeof(w->name))) {
			w->kind = WHO_KEY;
			return 0;
		}
		if ((wait = sw_auth_limited(x->auth, r->addr, r->alen, now)) > 0) {
			too_many(r, wait, "too many failed attempts from this address");
			return -1;
		}
		sw_auth_failed(x->auth, r->addr, r->alen, now);
		x->logins_failed++;
		http_set_error(r, 401, "invalid API key");
		http_log(x, "%s: invalid API key", r->addr_s);
		return -1;
	}
	if (tok && (w->sess = sw_auth_sess_find(x->auth, tok, now))) {
		w->kind = WHO_SESSION;
		if (r->method != M_GET && r->method != M_HEAD) {
			const char *c = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
			if (!sw_auth_csrf_ok(w->sess, c)) {
				http_set_error(r, 403, "missing or wrong X-CSRF-Token (reload the page)");
				return -1;
			}
			if (!origin_ok(r)) {
				http_set_error(r, 403, "cross-origin request refused");
				return -1;
			}
		}
		return 0;
	}
	http_set_error(r, 401, tok ? "session expired: log in again"
				   : "authentication required: log in, or send Authorization: Bearer API-KEY");
	return -1;
}

int http_logged_in(struct req *r)
{
	const char *tok = cookie_token(r);

	return tok && sw_auth_sess_find(r->x->auth, tok, (sw_mono_ns() / SW_NS_PER_SEC)) != NULL;
}

static void set_cookie(struct req *r, const char *token, int max_age)
{
	snprintf(r->cookie, sizeof(r->cookie),
		 HTTP_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s; Max-Age=%d", token,
		 r->x->tls ? "; Secure" : "", max_age);
}

void ep_login(struct req *r)
{
	static const char *const top[] = {"password", NULL};
	struct sw_http *x = r->x;
	const char *dev = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, HTTP_DEVICE_COOKIE);
	unsigned char id[SW_AUTH_DEVICE_ID];
	json_t *v, *pw;
	int64_t now = (sw_mono_ns() / SW_NS_PER_SEC);
	int wait, rc;

	if (sw_auth_device_ok(x->auth, dev, id)) {
		r->device = 1;
		r->limkey[0] = 'D';
		memcpy(r->limkey + 1, id, sizeof(id));
		r->limlen = 1 + sizeof(id);
	} else {
		memcpy(r->limkey, r->addr, r->alen);
		r->limlen = r->alen;
	}
	if ((wait = sw_auth_limited(x->auth, r->limkey, r->limlen, now)) > 0) {
		too_many(r, wait, r->device ? "too many failed attempts from this browser"
					    : "too many failed attempts from this address");
		return;
	}
	if (!r->device && (wait = sw_auth_pw_limited(x->auth, now)) > 0) {
		too_many(r, wait, "too many wrong passwords from browsers that never logged in here "
				  "(a browser that did, and API keys, still work)");
		return;
	}
	if (!(v = http_body_object(r)))
		return;
	if (http_only_members(r, v, top, "the login request") < 0)
		goto out;
	pw = json_object_get(v, "password");
	if (!json_is_string(pw) || !json_string_length(pw) || json_string_length(pw) > 1024) {
		http_set_field_error(r, 400, "password", "\"password\" must be a non-empty string");
		goto out;
	}
	rc = sw_auth_verify_start(x->auth, json_string_value(pw), r);
	if (rc == -EBUSY) {
		r->retry_after = 1;
		http_set_error(r, 429, "too many logins in progress: retry in 1 s");
	} else if (rc < 0) {
		http_set_error(r, 503, "cannot check the password: %s", strerror(-rc));
	} else {
		r->login_pending = 1;
		http_running_add(x, r);
		http_req_suspend(r);
	}
out:
	pw = json_object_get(v, "password");
	if (json_is_string(pw))
		memset((char *)json_string_value(pw), 0, json_string_length(pw));
	json_decref(v);
}

void http_login_done(struct sw_http *x, struct req *r, int ok)
{
	r->login_pending = 0;
	http_running_del(x, r);
	if (ok) {
		struct sw_auth_sess *s = sw_auth_sess_new(x->auth, (sw_mono_ns() / SW_NS_PER_SEC));
		struct sw_buf b = {0};
		sw_auth_succeeded(x->auth, r->limkey, r->limlen);
		set_cookie(r, s->token, SW_AUTH_ABS_SEC);
		if (!r->device) {
			char d[SW_AUTH_DEVICE_HEX + 1];
			sw_auth_device_new(x->auth, d);
			snprintf(r->cookie2, sizeof(r->cookie2),
				 HTTP_DEVICE_COOKIE "=%s; Path=/api/v1/auth/login; HttpOnly; "
						    "SameSite=Strict%s; Max-Age=%d",
				 d, x->tls ? "; Secure" : "", DEVICE_MAX_AGE);
		}
		sw_buf_puts(&b, "{\"ok\":true,\"csrf\":");
		http_json_str(&b, s->csrf);
		sw_buf_printf(&b, ",\"idle_timeout\":%d}\n", SW_AUTH_IDLE_SEC);
		http_set_json(r, 200, &b);
		http_log(x, "%s: administrator logged in", r->addr_s);
	} else {
		sw_auth_failed(x->auth, r->limkey, r->limlen, (sw_mono_ns() / SW_NS_PER_SEC));
		if (!r->device)
			sw_auth_pw_failed(x->auth, (sw_mono_ns() / SW_NS_PER_SEC));
		x->logins_failed++;
		http_set_error(r, 401, "wrong password");
		http_log(x, "%s: wrong password", r->addr_s);
	}
	http_req_resume(r);
}

void ep_logout(struct req *r)
{
	struct sw_buf b = {0};

	if (r->who.kind == WHO_SESSION)
		sw_auth_sess_end(r->x->auth, r->who.sess);
	set_cookie(r, "", 0);
	sw_buf_puts(&b, "{\"ok\":true}\n");
	http_set_json(r, 200, &b);
}

void ep_auth_session(struct req *r)
{
	struct sw_buf b = {0};

	if (r->who.kind == WHO_SESSION) {
		sw_buf_puts(&b, "{\"authenticated\":\"session\",\"csrf\":");
		http_json_str(&b, r->who.sess->csrf);
		sw_buf_printf(&b, ",\"idle_timeout\":%d}\n", SW_AUTH_IDLE_SEC);
	} else {
		sw_buf_puts(&b, "{\"authenticated\":\"api-key\",\"key\":");
		http_json_str(&b, r->who.name);
		sw_buf_puts(&b, "}\n");
	}
	http_set_json(r, 200, &b);
}
