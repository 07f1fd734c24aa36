/*
 * auth-int.h - struct sw_auth, shared by auth.c (files, the verification
 * thread, sessions) and limiter.c (wrong credentials, device cookies).
 */
#ifndef SW_HTTP_AUTH_INT_H
#define SW_HTTP_AUTH_INT_H

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <time.h>

#include "http/auth.h"

#define MAX_KEYS 256
#define MAX_VERIFY 4 /* verifications queued or running at once */
#define RL_SLOTS 256
#define RL_FREE_FAILS 5
#define RL_MAX_WAIT 300
#define RL_PW_PER_MIN 30 /* wrong passwords a minute from clients without a device cookie */
#define RL_PW_WAIT 60
#define DEVICE_ID 16     /* random bytes of a device cookie, then as many of MAC */

struct key {
	char name[SW_AUTH_KEY_NAME_MAX];
	unsigned char h[crypto_generichash_BYTES];
};

struct vjob {
	char hash[crypto_pwhash_STRBYTES];
	char *pw;
	size_t pwlen;
	void *tag;
	int ok;
	struct vjob *next;
};

struct rl {
	unsigned char addr[DEVICE_ID + 4]; /* an address, or "D" and a device id */
	size_t alen;
	int fails;
	int64_t until, last;
};

struct sw_auth {
	char *hash_path, *keys_path;
	char hash[crypto_pwhash_STRBYTES];
	int have_hash;
	struct timespec hash_mtime, keys_mtime;
	time_t hash_checked, keys_checked;
	struct key keys[MAX_KEYS];
	unsigned nkeys;

	pthread_t th;
	int th_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct vjob *todo, *done, *cur;
	int queued, stop, efd;

	struct rl rl[RL_SLOTS];
	int64_t pw_window;
	int pw_fails;
	int64_t pw_until;
	unsigned char device_key[crypto_generichash_KEYBYTES];

	struct sw_auth_sess sess[SW_AUTH_MAX_SESSIONS];
};

#endif
