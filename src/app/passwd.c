/*
 * passwd.c - `statewall passwd` and `statewall apikey`: the credentials of
 * the web UI and the REST API (`statewall run --http`), kept in files the
 * daemon re-reads when they change (src/http/auth.h).
 *
 *   statewall passwd [--file PATH]           set the administrator password
 *   statewall apikey add NAME [--file PATH]  new API key, printed once
 *   statewall apikey del NAME [--file PATH]
 *   statewall apikey list [--file PATH]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "app/app.h"
#include "http/auth.h"

#define PW_MAX 1024

/* One line from stdin; without echo if it is a terminal. 0, or -1 at EOF. */
static int read_pw(const char *prompt, char *buf, size_t len)
{
	struct termios old, noecho;
	int tty = isatty(STDIN_FILENO), rc = 0;

	if (tty) {
		fputs(prompt, stderr);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			noecho = old;
			noecho.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
		} else {
			tty = 0;
		}
	}
	if (!fgets(buf, (int)len, stdin))
		rc = -1;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (rc == 0)
		buf[strcspn(buf, "\r\n")] = '\0';
	return rc;
}

static void passwd_usage(FILE *f)
{
	fputs("usage: statewall passwd [--file PATH]\n"
	      "  Set the web UI / REST administrator password: reads it (twice on a terminal,\n"
	      "  once from a pipe) and writes its Argon2id hash (libsodium crypto_pwhash_str,\n"
	      "  random salt) to PATH, mode 0600.  Default PATH: " SW_AUTH_DEFAULT_HASH "\n"
	      "  A running daemon (--http-auth PATH) picks the new password up by itself.\n"
	      "  --check   verify a password against PATH instead (exit 0 if it matches)\n",
	      f);
}

int sw_cmd_passwd(int argc, char **argv)
{
	static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
					      {"check", no_argument, NULL, 'k'},
					      {"help", no_argument, NULL, 'h'},
					      {NULL, 0, NULL, 0}};
	const char *path = SW_AUTH_DEFAULT_HASH;
	char pw[PW_MAX], again[PW_MAX], err[512];
	int ch, check = 0, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': path = optarg; break;
		case 'k': check = 1; break;
		case 'h': passwd_usage(stdout); return 0;
		default: passwd_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		passwd_usage(stderr);
		return 2;
	}
	if (sw_auth_init() < 0) {
		fputs("statewall passwd: libsodium failed to initialise\n", stderr);
		return 1;
	}
	if (read_pw(check ? "Password: " : "New password: ", pw, sizeof(pw)) < 0) {
		fputs("statewall passwd: no password given\n", stderr);
		return 1;
	}
	if (check) {
		struct sw_auth *a;
		if (sw_auth_open(&a, path, NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "statewall passwd: %s\n", err);
			goto out;
		}
		rc = sw_auth_verify_now(a, pw) == 1 ? 0 : 1;
		sw_auth_close(a);
		fprintf(stderr, "statewall passwd: %s\n", rc == 0 ? "password matches" : "wrong password");
		goto out;
	}
	if (strlen(pw) < 8) {
		fputs("statewall passwd: use at least 8 characters\n", stderr);
		goto out;
	}
	if (isatty(STDIN_FILENO)) {
		if (read_pw("Again: ", again, sizeof(again)) < 0 || strcmp(pw, again) != 0) {
			fputs("statewall passwd: the passwords differ; nothing changed\n", stderr);
			goto out;
		}
	}
	if (sw_auth_write_password(path, pw, err, sizeof(err)) < 0) {
		fprintf(stderr, "statewall passwd: %s\n", err);
		goto out;
	}
	fprintf(stderr, "statewall passwd: password hash written to %s\n", path);
	rc = 0;
out:
	memset(pw, 0, sizeof(pw));
	memset(again, 0, sizeof(again));
	return rc;
}

static void apikey_usage(FILE *f)
{
	fputs("usage: statewall apikey add NAME [--file PATH]   make a key; it is printed once\n"
	      "       statewall apikey del NAME [--file PATH]   revoke it\n"
	      "       statewall apikey list [--file PATH]       key names and creation times\n"
	      "  Keys are for the REST API: Authorization: Bearer KEY.  PATH holds only their\n"
	      "  BLAKE2b hashes (default " SW_AUTH_DEFAULT_KEYS "); a running daemon\n"
	      "  (--http-keys PATH) picks changes up by itself.\n",
	      f);
}

int sw_cmd_apikey(int argc, char **argv)
{
	static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
					      {"help", no_argument, NULL, 'h'},
					      {NULL, 0, NULL, 0}};
	const char *path = SW_AUTH_DEFAULT_KEYS, *verb, *name = NULL;
	char err[512], key[SW_AUTH_KEY_LEN + 16];
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': path = optarg; break;
		case 'h': apikey_usage(stdout); return 0;
		default: apikey_usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		apikey_usage(stderr);
		return 2;
	}
	verb = argv[optind++];
	if (optind < argc)
		name = argv[optind++];
	if (optind != argc) {
		apikey_usage(stderr);
		return 2;
	}
	if (strcmp(verb, "add") == 0 && name) {
		if (sw_auth_key_add(path, name, key, sizeof(key), err, sizeof(err)) < 0) {
			fprintf(stderr, "statewall apikey: %s\n", err);
			return 1;
		}
		printf("%s\n", key);
		fprintf(stderr, "statewall apikey: key '%s' added to %s; it is shown only now\n", name,
			path);
		memset(key, 0, sizeof(key));
		return 0;
	}
	if (strcmp(verb, "del") == 0 && name) {
		if (sw_auth_key_del(path, name, err, sizeof(err)) < 0) {
			fprintf(stderr, "statewall apikey: %s\n", err);
			return 1;
		}
		fprintf(stderr, "statewall apikey: key '%s' removed from %s\n", name, path);
		return 0;
	}
	if (strcmp(verb, "list") == 0 && !name) {
		FILE *f = fopen(path, "r");
		char line[512];
		if (!f) {
			if (errno == ENOENT)
				return 0;
			fprintf(stderr, "statewall apikey: %s: %s\n", path, strerror(errno));
			return 1;
		}
		while (fgets(line, sizeof(line), f)) {
			char n[SW_AUTH_KEY_NAME_MAX], h[80];
			long long t = 0;
			if (line[0] == '#' || sscanf(line, "%63s %79s %lld", n, h, &t) < 2)
				continue;
			printf("%-24s created %lld\n", n, t);
		}
		fclose(f);
		return 0;
	}
	apikey_usage(stderr);
	return 2;
}
