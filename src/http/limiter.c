/*
 * limiter.c - wrong credentials (auth.h): the per-client backoff (an
 * address, or a device cookie's id), the limit on the password from
 * browsers without a device cookie, and the device cookies themselves
 * (random id + keyed BLAKE2b with a key made at start).
 */
#include <string.h>

#include "http/auth-int.h"

static struct rl *rl_find(struct sw_auth *a, const void *client, size_t clen, int create)
{
	struct rl *old = &a->rl[0];

	if (clen > sizeof(a->rl[0].addr))
		clen = sizeof(a->rl[0].addr);
	for (unsigned i = 0; i < RL_SLOTS; i++) {
		struct rl *r = &a->rl[i];
		if (r->alen == clen && memcmp(r->addr, client, clen) == 0)
			return r;
		if (r->last < old->last)
			old = r;
	}
	if (!create)
		return NULL;
	memset(old, 0, sizeof(*old));
	memcpy(old->addr, client, clen);
	old->alen = clen;
	return old;
}

int sw_auth_limited(struct sw_auth *a, const void *client, size_t clen, int64_t now_s)
{
	struct rl *r = rl_find(a, client, clen, 0);

	if (r && r->until > now_s)
		return (int)(r->until - now_s);
	return 0;
}

void sw_auth_failed(struct sw_auth *a, const void *client, size_t clen, int64_t now_s)
{
	struct rl *r = rl_find(a, client, clen, 1);

	/* a client quiet for 15 minutes starts over */
	if (r->last && now_s - r->last > 900)
		r->fails = 0;
	r->fails++;
	r->last = now_s;
	if (r->fails >= RL_FREE_FAILS) {
		/*
		 * 4, 8, 16 ... s: the clock here counts whole seconds, so a first wait
		 * of 1 s could end a moment after it began.
		 */
		int sh = r->fails - RL_FREE_FAILS;
		int64_t wait = sh >= 7 ? RL_MAX_WAIT : (int64_t)4 << sh;
		r->until = now_s + (wait > RL_MAX_WAIT ? RL_MAX_WAIT : wait);
	}
}

int sw_auth_pw_limited(struct sw_auth *a, int64_t now_s)
{
	return a->pw_until > now_s ? (int)(a->pw_until - now_s) : 0;
}

void sw_auth_pw_failed(struct sw_auth *a, int64_t now_s)
{
	if (now_s / 60 != a->pw_window) {
		a->pw_window = now_s / 60;
		a->pw_fails = 0;
	}
	if (++a->pw_fails > RL_PW_PER_MIN)
		a->pw_until = now_s + RL_PW_WAIT;
}

static void device_mac(const struct sw_auth *a, const unsigned char *id, unsigned char *mac)
{
	crypto_generichash(mac, DEVICE_ID, id, DEVICE_ID, a->device_key, sizeof(a->device_key));
}

void sw_auth_device_new(struct sw_auth *a, char *out)
{
	unsigned char raw[2 * DEVICE_ID];

	randombytes_buf(raw, DEVICE_ID);
	device_mac(a, raw, raw + DEVICE_ID);
	sodium_bin2hex(out, SW_AUTH_DEVICE_HEX + 1, raw, sizeof(raw));
}

int sw_auth_device_ok(struct sw_auth *a, const char *tok, unsigned char *id)
{
	unsigned char raw[2 * DEVICE_ID], mac[DEVICE_ID];
	size_t n = 0;

	if (!tok || strlen(tok) != SW_AUTH_DEVICE_HEX ||
	    sodium_hex2bin(raw, sizeof(raw), tok, SW_AUTH_DEVICE_HEX, NULL, &n, NULL) != 0 ||
	    n != sizeof(raw))
		return 0;
	device_mac(a, raw, mac);
	if (sodium_memcmp(mac, raw + DEVICE_ID, DEVICE_ID) != 0)
		return 0;
	if (id)
		memcpy(id, raw, DEVICE_ID);
	return 1;
}

void sw_auth_succeeded(struct sw_auth *a, const void *client, size_t clen)
{
	struct rl *r = rl_find(a, client, clen, 0);

	if (r)
		memset(r, 0, sizeof(*r));
}

