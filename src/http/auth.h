/*
 * auth.h - who may use the web UI and the REST API (auth.c).
 *
 *  - the administrator password: one libsodium crypto_pwhash_str() string
 *    (Argon2id, random salt) in a file written by `statewall passwd`;
 *    verifying it costs ~50 ms of CPU, so the daemon does it on a helper
 *    thread (sw_auth_verify_start) and never on the data path;
 *  - API keys: "NAME HASH CREATED" lines written by `statewall apikey add`,
 *    HASH = hex BLAKE2b (crypto_generichash) of the key; the key itself is
 *    printed once and stored nowhere;
 *  - login sessions: random 256-bit tokens (cookie) with a per-session
 *    CSRF token, idle and absolute expiry;
 *  - a limiter for wrong credentials: per client address or device cookie,
 *    and for the password from unknown devices (never for valid API keys).
 *
 * Files are re-read when their modification time changes, so `statewall
 * passwd` and `statewall apikey add` take effect without a restart.
 */
#ifndef SW_HTTP_AUTH_H
#define SW_HTTP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define SW_AUTH_DEFAULT_HASH "/etc/statewall/admin.hash"
#define SW_AUTH_DEFAULT_KEYS "/etc/statewall/api-keys"
#define SW_AUTH_TOKEN_HEX 64     /* 32 random bytes as hex */
#define SW_AUTH_KEY_NAME_MAX 64
#define SW_AUTH_MAX_SESSIONS 64
#define SW_AUTH_IDLE_SEC 1800
#define SW_AUTH_ABS_SEC (12 * 3600)

struct sw_auth;

/* libsodium init; 0 or -1. Call before anything else here (idempotent). */
int sw_auth_init(void);

/*
 * hash_path: the password hash file (required: it must exist and hold a
 * hash); keys_path: the API keys file (may be NULL or missing: no keys).
 */
int sw_auth_open(struct sw_auth **out, const char *hash_path, const char *keys_path, char *err,
		 size_t errlen);
void sw_auth_close(struct sw_auth *a);

/* ---- files (statewall passwd / apikey) ---------------------------------- */

/* Hash pw and write it to path atomically (mode 0600, directory created 0700). */
int sw_auth_write_password(const char *path, const char *pw, char *err, size_t errlen);
/*
 * Make a new key for NAME ([A-Za-z0-9_.-], 1..63), append its hash to path
 * (created 0600).  The key ("swk_" + 43 base64url characters) goes to key.
 */
#define SW_AUTH_KEY_LEN 48
int sw_auth_key_add(const char *path, const char *name, char *key, size_t keylen, char *err,
		    size_t errlen);
/* Remove NAME's key; 0, -ENOENT if there is none. */
int sw_auth_key_del(const char *path, const char *name, char *err, size_t errlen);

/* ---- checks ------------------------------------------------------------- */

/* 1 and the key's name in name if key is a known API key, else 0. Fast (no KDF). */
int sw_auth_check_key(struct sw_auth *a, const char *key, char *name, size_t namelen);

/*
 * Start verifying a password on the helper thread; `tag` comes back from
 * sw_auth_verify_done.  0, -EBUSY if too many verifications are running, or
 * -ENOENT if there is no password hash.
 */
int sw_auth_verify_start(struct sw_auth *a, const char *pw, void *tag);
/* Descriptor that becomes readable when a verification finished. */
int sw_auth_verify_fd(const struct sw_auth *a);
/* The next finished verification: 1 with *tag and *ok, 0 if none. */
int sw_auth_verify_done(struct sw_auth *a, void **tag, int *ok);
/* Verifications still running. */
int sw_auth_verify_running(const struct sw_auth *a);
/* Forget `tag` (its connection went away): its result is dropped. */
void sw_auth_verify_cancel(struct sw_auth *a, void *tag);

/* Synchronous verify (statewall passwd --check, tests). 1 ok, 0 wrong, -1 no hash. */
int sw_auth_verify_now(struct sw_auth *a, const char *pw);

/* ---- wrong credentials -------------------------------------------------- */

/*
 * Per client: `client` is an address or "D" and a device cookie's id (any
 * bytes, at most 20).  0 if it may try now, else the seconds to wait.  Five failures
 * in a row cost 4 s, then 8, 16, ... up to 300 s; a success resets it.
 * Nothing here is global: a valid API key is never refused (callers check
 * the key before asking), and the password has its own limit below.
 */
int sw_auth_limited(struct sw_auth *a, const void *client, size_t clen, int64_t now_s);
void sw_auth_failed(struct sw_auth *a, const void *client, size_t clen, int64_t now_s);
void sw_auth_succeeded(struct sw_auth *a, const void *client, size_t clen);

/*
 * The password (one user) from clients without a device cookie: more than
 * 30 wrong ones in a minute, from any number of addresses, stop such logins
 * for 60 s.  A browser that logged in before carries a device cookie and is
 * limited only by its own failures, so rotating addresses cannot lock the
 * administrator out of a known browser, nor anybody out of an API key.
 */
int sw_auth_pw_limited(struct sw_auth *a, int64_t now_s);
void sw_auth_pw_failed(struct sw_auth *a, int64_t now_s);

/* Device cookies: 16 random bytes and their keyed BLAKE2b (key made at start), hex. */
#define SW_AUTH_DEVICE_HEX 64
#define SW_AUTH_DEVICE_ID 16
void sw_auth_device_new(struct sw_auth *a, char *out /* SW_AUTH_DEVICE_HEX + 1 */);
/* 1 and the device's id (SW_AUTH_DEVICE_ID bytes, may be NULL) if tok is one of ours. */
int sw_auth_device_ok(struct sw_auth *a, const char *tok, unsigned char *id);

/* ---- login sessions ----------------------------------------------------- */

struct sw_auth_sess {
	char token[SW_AUTH_TOKEN_HEX + 1];
	char csrf[SW_AUTH_TOKEN_HEX + 1];
	int64_t created, last;
	int used;
};

/* A new session (the oldest is dropped when all are taken). */
struct sw_auth_sess *sw_auth_sess_new(struct sw_auth *a, int64_t now_s);
/* The live session with this token (constant-time compare), refreshed; or NULL. */
struct sw_auth_sess *sw_auth_sess_find(struct sw_auth *a, const char *token, int64_t now_s);
/* 1 if the session with this token is live, without refreshing it (long-lived streams). */
int sw_auth_sess_live(struct sw_auth *a, const char *token, int64_t now_s);
void sw_auth_sess_end(struct sw_auth *a, struct sw_auth_sess *s);
/* 1 if t equals the session's CSRF token (constant time). */
int sw_auth_csrf_ok(const struct sw_auth_sess *s, const char *t);

#endif
