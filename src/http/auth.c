/*
 * auth.c - password hash, API keys and login sessions (see auth.h; the
 * limiter for wrong credentials is limiter.c).  Crypto is libsodium's: crypto_pwhash_str
 * (Argon2id, random salt) for the password, crypto_generichash (BLAKE2b) for
 * API keys (they are 256-bit random, so a fast hash is enough), randombytes
 * for tokens, sodium_memcmp for every comparison of a secret.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/auth-int.h"

int sw_auth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

/* ---- files --------------------------------------------------------------- */

static int read_small(const char *path, char *buf, size_t len, struct timespec *mtime)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size >= len) {
		int e = errno ? errno : EFBIG;
		close(fd);
		return -e;
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (mtime)
		*mtime = st.st_mtim;
	return (int)n;
}

static int same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static int load_hash(struct sw_auth *a, char *err, size_t errlen)
{
	char buf[crypto_pwhash_STRBYTES + 16];
	struct timespec mt;
	int n = read_small(a->hash_path, buf, sizeof(buf), &mt);

	if (n < 0) {
		snprintf(err, errlen, "%s: %s (create it with `statewall passwd --file %s`)",
			 a->hash_path, strerror(-n), a->hash_path);
		return n;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strncmp(buf, "$argon2", 7) != 0 || strlen(buf) >= sizeof(a->hash)) {
		snprintf(err, errlen, "%s: not a password hash written by `statewall passwd`",
			 a->hash_path);
		return -EINVAL;
	}
	memcpy(a->hash, buf, strlen(buf) + 1);
	a->have_hash = 1;
	a->hash_mtime = mt;
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= SW_AUTH_KEY_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '.' || *s == '-'))
			return 0;
	return 1;
}

/* Parse a keys file into keys[]; lines that do not parse are skipped. */
static unsigned parse_keys(const char *text, struct key *keys, unsigned max)
{
	unsigned n = 0;

	for (const char *l = text; l && *l && n < max;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char line[256], name[SW_AUTH_KEY_NAME_MAX], hex[2 * crypto_generichash_BYTES + 2];

		if (len < sizeof(line)) {
			memcpy(line, l, len);
			line[len] = '\0';
			if (line[0] != '#' && sscanf(line, "%63s %65s", name, hex) == 2 && name_ok(name) &&
			    strlen(hex) == 2 * crypto_generichash_BYTES) {
				int good = 1;
				for (unsigned i = 0; i < crypto_generichash_BYTES; i++) {
					int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
					if (hi < 0 || lo < 0)
						good = 0;
					else
						keys[n].h[i] = (unsigned char)(hi << 4 | lo);
				}
				if (good) {
					snprintf(keys[n].name, sizeof(keys[n].name), "%s", name);
					n++;
				}
			}
		}
		l = e ? e + 1 : NULL;
	}
	return n;
}

static void load_keys(struct sw_auth *a)
{
	static char buf[MAX_KEYS * 160];
	struct timespec mt;
	int n;

	if (!a->keys_path)
		return;
	n = read_small(a->keys_path, buf, sizeof(buf), &mt);
	if (n < 0) {
		a->nkeys = 0;
		memset(&a->keys_mtime, 0, sizeof(a->keys_mtime));
		return;
	}
	a->nkeys = parse_keys(buf, a->keys, MAX_KEYS);
	a->keys_mtime = mt;
}

/* Re-read a file whose modification time changed (checked at most once a second). */
static void refresh(struct sw_auth *a)
{
	time_t now = time(NULL);
	struct stat st;

	if (now != a->hash_checked) {
		a->hash_checked = now;
		if (stat(a->hash_path, &st) == 0 && !same_time(&st.st_mtim, &a->hash_mtime)) {
			char e[256];
			(void)load_hash(a, e, sizeof(e)); /* a bad new file keeps the old hash */
		}
	}
	if (a->keys_path && now != a->keys_checked) {
		a->keys_checked = now;
		if (stat(a->keys_path, &st) < 0)
			a->nkeys = 0;
		else if (!same_time(&st.st_mtim, &a->keys_mtime))
			load_keys(a);
	}
}

static int mkparent(const char *path)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Write buf to path atomically, mode 0600. */
static int write_atomic(const char *path, const char *buf, size_t len, char *err, size_t errlen)
{
	char tmp[4096];
	int fd, e;

	if ((e = mkparent(path)) < 0) {
		snprintf(err, errlen, "%s: cannot create its directory: %s", path, strerror(-e));
		return e;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (fchmod(fd, 0600) < 0 || write(fd, buf, len) != (ssize_t)len || fsync(fd) < 0) {
		e = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

int sw_auth_write_password(const char *path, const char *pw, char *err, size_t errlen)
{
	char h[crypto_pwhash_STRBYTES + 1];
	int rc;

	if (sw_auth_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -EIO;
	}
	if (crypto_pwhash_str(h, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		snprintf(err, errlen, "out of memory hashing the password");
		return -ENOMEM;
	}
	size_t n = strlen(h);
	h[n] = '\n';
	rc = write_atomic(path, h, n + 1, err, errlen);
	sodium_memzero(h, sizeof(h));
	return rc;
}

static void key_hash(const char *key, unsigned char out[crypto_generichash_BYTES])
{
	crypto_generichash(out, crypto_generichash_BYTES, (const unsigned char *)key, strlen(key),
			   NULL, 0);
}

int sw_auth_key_add(const char *path, const char *name, char *key, size_t keylen, char *err,
		    size_t errlen)
{
	static char buf[MAX_KEYS * 160];
	static struct key keys[MAX_KEYS];
	unsigned char raw[32], h[crypto_generichash_BYTES];
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	size_t len = 0;
	unsigned n;
	int r;

	if (sw_auth_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -EIO;
	}
	if (!name_ok(name)) {
		snprintf(err, errlen, "key name '%s': use 1-63 of A-Z a-z 0-9 _ . -", name);
		return -EINVAL;
	}
	if (keylen < SW_AUTH_KEY_LEN) {
		snprintf(err, errlen, "key buffer too small");
		return -EINVAL;
	}
	r = read_small(path, buf, sizeof(buf) - 200, NULL);
	if (r < 0 && r != -ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (r > 0)
		len = (size_t)r;
	else
		buf[0] = '\0';
	n = parse_keys(buf, keys, MAX_KEYS);
	for (unsigned i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0) {
			snprintf(err, errlen, "a key named '%s' exists (delete it first)", name);
			return -EEXIST;
		}
	if (n >= MAX_KEYS) {
		snprintf(err, errlen, "%s: already %d keys", path, MAX_KEYS);
		return -ENOSPC;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(key, keylen, "swk_%s", b64);
	key_hash(key, h);
	if (len && buf[len - 1] != '\n')
		buf[len++] = '\n';
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s ", name);
	for (unsigned i = 0; i < sizeof(h); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%02x", h[i]);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %lld\n", (long long)time(NULL));
	sodium_memzero(raw, sizeof(raw));
	return write_atomic(path, buf, len, err, errlen);
}

int sw_auth_key_del(const char *path, const char *name, char *err, size_t errlen)
{
	static char buf[MAX_KEYS * 160], out[MAX_KEYS * 160];
	size_t o = 0;
	int r = read_small(path, buf, sizeof(buf), NULL), found = 0;

	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	for (char *l = buf; l && *l;) {
		char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		size_t nl = strlen(name);
		if (len > nl && strncmp(l, name, nl) == 0 && l[nl] == ' ') {
			found = 1;
		} else {
			memcpy(out + o, l, len);
			o += len;
			out[o++] = '\n';
		}
		l = e ? e + 1 : NULL;
	}
	if (!found) {
		snprintf(err, errlen, "%s: no key named '%s'", path, name);
		return -ENOENT;
	}
	return write_atomic(path, out, o, err, errlen);
}

/* ---- verification thread -------------------------------------------------- */

static void *verifier(void *arg)
{
	struct sw_auth *a = arg;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (!a->todo && !a->stop)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->stop)
			break;
		struct vjob *j = a->todo;
		a->todo = j->next;
		a->cur = j;
		pthread_mutex_unlock(&a->mu);
		j->ok = crypto_pwhash_str_verify(j->hash, j->pw, j->pwlen) == 0;
		sodium_memzero(j->pw, j->pwlen);
		pthread_mutex_lock(&a->mu);
		a->cur = NULL;
		j->next = a->done;
		a->done = j;
		uint64_t one = 1;
		(void)!write(a->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

static void job_free(struct vjob *j)
{
	if (!j)
		return;
	if (j->pw) {
		sodium_memzero(j->pw, j->pwlen);
		free(j->pw);
	}
	sodium_memzero(j->hash, sizeof(j->hash));
	free(j);
}

int sw_auth_open(struct sw_auth **out, const char *hash_path, const char *keys_path, char *err,
		 size_t errlen)
{
	struct sw_auth *a;
	int rc;

	*out = NULL;
	if (sw_auth_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -EIO;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->efd = -1;
	randombytes_buf(a->device_key, sizeof(a->device_key));
	a->hash_path = strdup(hash_path);
	a->keys_path = keys_path ? strdup(keys_path) : NULL;
	if (!a->hash_path || (keys_path && !a->keys_path)) {
		sw_auth_close(a);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((rc = load_hash(a, err, errlen)) < 0) {
		sw_auth_close(a);
		return rc;
	}
	load_keys(a);
	a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->efd < 0) {
		rc = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(-rc));
		sw_auth_close(a);
		return rc;
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	/* the helper thread takes no signals: the daemon's signalfd gets them all */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&a->th, NULL, verifier, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the password thread: %s", strerror(rc));
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->cv);
		sw_auth_close(a);
		return -rc;
	}
	a->th_started = 1;
	*out = a;
	return 0;
}

void sw_auth_close(struct sw_auth *a)
{
	if (!a)
		return;
	if (a->th_started) {
		pthread_mutex_lock(&a->mu);
		a->stop = 1;
		pthread_cond_signal(&a->cv);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->th, NULL);
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->cv);
	}
	for (struct vjob *l[2] = {a->todo, a->done}, **p = l; p < l + 2; p++)
		while (*p) {
			struct vjob *n = (*p)->next;
			job_free(*p);
			*p = n;
		}
	if (a->efd >= 0)
		close(a->efd);
	sodium_memzero(a->hash, sizeof(a->hash));
	sodium_memzero(a->sess, sizeof(a->sess));
	free(a->hash_path);
	free(a->keys_path);
	free(a);
}

int sw_auth_verify_start(struct sw_auth *a, const char *pw, void *tag)
{
	struct vjob *j;

	refresh(a);
	if (!a->have_hash)
		return -ENOENT;
	if (a->queued >= MAX_VERIFY)
		return -EBUSY;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->pwlen = strlen(pw);
	j->pw = malloc(j->pwlen + 1);
	if (!j->pw) {
		free(j);
		return -ENOMEM;
	}
	memcpy(j->pw, pw, j->pwlen + 1);
	memcpy(j->hash, a->hash, sizeof(j->hash));
	j->tag = tag;
	pthread_mutex_lock(&a->mu);
	struct vjob **t = &a->todo;
	while (*t)
		t = &(*t)->next;
	*t = j;
	a->queued++;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	return 0;
}

int sw_auth_verify_fd(const struct sw_auth *a)
{
	return a->efd;
}

int sw_auth_verify_running(const struct sw_auth *a)
{
	return a->queued;
}

int sw_auth_verify_done(struct sw_auth *a, void **tag, int *ok)
{
	uint64_t v;

	for (;;) {
		struct vjob *j;
		pthread_mutex_lock(&a->mu);
		j = a->done;
		if (j)
			a->done = j->next;
		pthread_mutex_unlock(&a->mu);
		if (!j) {
			(void)!read(a->efd, &v, sizeof(v));
			return 0;
		}
		a->queued--;
		*tag = j->tag;
		*ok = j->ok;
		job_free(j);
		if (*tag)
			return 1;
	}
}

void sw_auth_verify_cancel(struct sw_auth *a, void *tag)
{
	pthread_mutex_lock(&a->mu);
	for (struct vjob *j = a->todo; j; j = j->next)
		if (j->tag == tag)
			j->tag = NULL;
	for (struct vjob *j = a->done; j; j = j->next)
		if (j->tag == tag)
			j->tag = NULL;
	if (a->cur && a->cur->tag == tag)
		a->cur->tag = NULL;
	pthread_mutex_unlock(&a->mu);
}

int sw_auth_verify_now(struct sw_auth *a, const char *pw)
{
	refresh(a);
	if (!a->have_hash)
		return -1;
	return crypto_pwhash_str_verify(a->hash, pw, strlen(pw)) == 0;
}

int sw_auth_check_key(struct sw_auth *a, const char *key, char *name, size_t namelen)
{
	unsigned char h[crypto_generichash_BYTES];
	int found = -1;

	refresh(a);
	if (strncmp(key, "swk_", 4) != 0 || strlen(key) > 256)
		return 0;
	key_hash(key, h);
	for (unsigned i = 0; i < a->nkeys; i++)
		if (sodium_memcmp(h, a->keys[i].h, sizeof(h)) == 0 && found < 0)
			found = (int)i;
	if (found < 0)
		return 0;
	if (name && namelen)
		snprintf(name, namelen, "%s", a->keys[found].name);
	return 1;
}

/* ---- sessions ------------------------------------------------------------- */

static void rand_hex(char *out, size_t bytes)
{
	unsigned char raw[64];

	randombytes_buf(raw, bytes);
	sodium_bin2hex(out, bytes * 2 + 1, raw, bytes);
	sodium_memzero(raw, sizeof(raw));
}

static int sess_live(const struct sw_auth_sess *s, int64_t now_s)
{
	return s->used && now_s - s->last < SW_AUTH_IDLE_SEC && now_s - s->created < SW_AUTH_ABS_SEC;
}

struct sw_auth_sess *sw_auth_sess_new(struct sw_auth *a, int64_t now_s)
{
	struct sw_auth_sess *pick = NULL;

	for (unsigned i = 0; i < SW_AUTH_MAX_SESSIONS; i++) {
		struct sw_auth_sess *s = &a->sess[i];
		if (!sess_live(s, now_s)) {
			pick = s;
			break;
		}
		if (!pick || s->last < pick->last)
			pick = s;
	}
	memset(pick, 0, sizeof(*pick));
	rand_hex(pick->token, SW_AUTH_TOKEN_HEX / 2);
	rand_hex(pick->csrf, SW_AUTH_TOKEN_HEX / 2);
	pick->created = pick->last = now_s;
	pick->used = 1;
	return pick;
}

struct sw_auth_sess *sw_auth_sess_find(struct sw_auth *a, const char *token, int64_t now_s)
{
	struct sw_auth_sess *hit = NULL;

	if (strlen(token) != SW_AUTH_TOKEN_HEX)
		return NULL;
	for (unsigned i = 0; i < SW_AUTH_MAX_SESSIONS; i++) {
		struct sw_auth_sess *s = &a->sess[i];
		if (s->used && sodium_memcmp(s->token, token, SW_AUTH_TOKEN_HEX) == 0)
			hit = s;
	}
	if (!hit)
		return NULL;
	if (!sess_live(hit, now_s)) {
		sw_auth_sess_end(a, hit);
		return NULL;
	}
	hit->last = now_s;
	return hit;
}

int sw_auth_sess_live(struct sw_auth *a, const char *token, int64_t now_s)
{
	if (strlen(token) != SW_AUTH_TOKEN_HEX)
		return 0;
	for (unsigned i = 0; i < SW_AUTH_MAX_SESSIONS; i++) {
		struct sw_auth_sess *s = &a->sess[i];
		if (s->used && sodium_memcmp(s->token, token, SW_AUTH_TOKEN_HEX) == 0)
			return sess_live(s, now_s);
	}
	return 0;
}

void sw_auth_sess_end(struct sw_auth *a, struct sw_auth_sess *s)
{
	(void)a;
	sodium_memzero(s, sizeof(*s));
}

int sw_auth_csrf_ok(const struct sw_auth_sess *s, const char *t)
{
	return t && strlen(t) == SW_AUTH_TOKEN_HEX &&
	       sodium_memcmp(s->csrf, t, SW_AUTH_TOKEN_HEX) == 0;
}
