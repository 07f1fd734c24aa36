/*
 * cli.c - `statewall cli`: the PAN-OS style command line to a running daemon.
 *
 *   statewall cli [--ctl SOCKET] [-o text|json] [-c COMMAND]...
 *
 * With -c: each COMMAND in order on one connection (so `-c configure -c
 * "set ..." -c commit` works), stopping at the first error (exit status 1).
 * Without -c and stdin not a terminal: one command per input line, the same
 * way.  Otherwise interactive, with libedit: history (~/.statewall_history),
 * TAB completes, `?` lists what may come next with its help, as PAN-OS does.
 *
 * The CLI knows no command: words, help and completion all come from the
 * daemon's registry over the control protocol (docs/control-protocol.md), so
 * the CLI, scripts and a web UI always agree.  Long output is paged on a
 * terminal (space: next page, enter: next line, q: stop - the daemon stops
 * the command too).
 */
#include <errno.h>
#include <getopt.h>
#include <histedit.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "app/app.h"
#include "mgmt/mgmt.h"

#define DEFAULT_CTL "/run/statewall/statewall.sock"

struct cli {
	int fd;
	FILE *rd;
	int json;
	int page;      /* page the output (interactive, stdout a terminal) */
	int conf_mode; /* the daemon says this connection is in configure mode */
	EditLine *el;
};

static int send_req(struct cli *c, const char *op, const char *cmd)
{
	struct sw_buf b = {0};
	int rc = 0;

	sw_buf_printf(&b, "{\"op\":\"%s\",\"format\":\"%s\"", op, c->json ? "json" : "text");
	if (cmd) {
		sw_buf_puts(&b, ",\"cmd\":");
		sw_buf_json_str(&b, cmd);
	}
	sw_buf_puts(&b, "}\n");
	for (size_t off = 0; !b.oom && off < b.len;) {
		ssize_t w = send(c->fd, b.p + off, b.len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = -1;
			break;
		}
		off += (size_t)w;
	}
	if (b.oom)
		rc = -1;
	sw_buf_free(&b);
	return rc;
}

static int term_rows(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 2)
		return ws.ws_row;
	return 24;
}

/* --more--: 1 = page, 2 = one line, 0 = quit */
static int more_prompt(void)
{
	struct termios old, raw;
	char ch = 'q';
	int r;

	fputs("--more--", stdout);
	fflush(stdout);
	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return 1;
	raw = old;
	raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	r = (int)read(STDIN_FILENO, &ch, 1);
	tcsetattr(STDIN_FILENO, TCSANOW, &old);
	fputs("\r        \r", stdout);
	if (r != 1 || ch == 'q' || ch == 'Q' || ch == 3)
		return 0;
	if (ch == '\n' || ch == '\r')
		return 2;
	return 1;
}

/*
 * Read one response: data chunks to `sink` (or stdout), paging on a
 * terminal.  Returns 1 ok, 0 command failed (message printed), -1 connection lost.
 */
static int read_resp(struct cli *c, struct sw_buf *sink)
{
	char *line = NULL;
	size_t cap = 0;
	int rows = c->page ? term_rows() - 1 : 0, shown = 0, cancelled = 0, rc = -1;

	for (;;) {
		ssize_t n = getline(&line, &cap, c->rd);
		if (n <= 0)
			break;
		if (sw_json_get_int(line, "end", 0)) {
			char mode[32] = "";
			sw_json_get_str(line, "mode", mode, sizeof(mode));
			c->conf_mode = strcmp(mode, "configure") == 0;
			if (sw_json_get_int(line, "ok", 0)) {
				rc = 1;
			} else {
				char *e = sw_json_get_strdup(line, "error");
				if (!(cancelled && e && strcmp(e, "cancelled") == 0))
					fprintf(stderr, "Error: %s\n", e ? e : "failed");
				free(e);
				rc = cancelled ? 1 : 0;
			}
			break;
		}
		char *data = sw_json_get_strdup(line, "data");
		if (!data || cancelled) {
			free(data);
			continue;
		}
		if (sink) {
			sw_buf_puts(sink, data);
		} else if (!rows) {
			fputs(data, stdout);
		} else {
			for (char *p = data; *p && !cancelled;) {
				char *nl = strchr(p, '\n');
				size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
				fwrite(p, 1, len, stdout);
				p += len;
				if (nl && ++shown >= rows) {
					int m = more_prompt();
					if (m == 0) {
						cancelled = 1;
						send_req(c, "cancel", NULL);
					}
					shown = m == 2 ? rows - 1 : 0;
				}
			}
		}
		free(data);
	}
	free(line);
	fflush(stdout);
	if (rc < 0)
		fputs("statewall cli: the daemon closed the connection\n", stderr);
	return rc;
}

/* ---- completion ----------------------------------------------------------- */

struct word {
	char *word, *help;
};

/* Ask the daemon what may follow `line`; returns the number of words. */
static int fetch_words(struct cli *c, const char *line, struct word **out, char *prefix,
		       size_t plen)
{
	struct sw_buf b = {0};
	int n = 0, json = c->json, page = c->page;
	struct word *w = NULL;

	*out = NULL;
	prefix[0] = '\0';
	c->json = 1;
	c->page = 0;
	if (send_req(c, "complete", line) < 0 || read_resp(c, &b) != 1) {
		c->json = json;
		c->page = page;
		sw_buf_free(&b);
		return -1;
	}
	c->json = json;
	c->page = page;
	if (!b.p) {
		return 0;
	}
	json_t *doc = json_loads(b.p, JSON_REJECT_DUPLICATES, NULL), *e;
	const char *pre = json_string_value(json_object_get(doc, "prefix"));
	size_t i;
	if (pre)
		snprintf(prefix, plen, "%s", pre);
	json_array_foreach(json_object_get(doc, "words"), i, e) {
		const char *word = json_string_value(json_object_get(e, "word"));
		const char *help = json_string_value(json_object_get(e, "help"));
		struct word *nw = word ? realloc(w, (size_t)(n + 1) * sizeof(*w)) : NULL;
		if (!nw)
			continue;
		w = nw;
		w[n].word = strdup(word);
		w[n].help = strdup(help ? help : "");
		if (!w[n].word || !w[n].help) {
			free(w[n].word);
			free(w[n].help);
			continue;
		}
		n++;
	}
	json_decref(doc);
	sw_buf_free(&b);
	*out = w;
	return n;
}

static void free_words(struct word *w, int n)
{
	for (int i = 0; i < n; i++) {
		free(w[i].word);
		free(w[i].help);
	}
	free(w);
}

static void list_words(const struct word *w, int n)
{
	int width = 10;

	for (int i = 0; i < n; i++)
		if ((int)strlen(w[i].word) > width)
			width = (int)strlen(w[i].word);
	for (int i = 0; i < n; i++)
		printf("  %-*s  %s\n", width, w[i].word, w[i].help ? w[i].help : "");
	if (n == 0)
		puts("  (nothing matches)");
}

/*
 * What the daemon says may come next after the text left of the cursor
 * (TAB and '?' both start here): the number of words, or -1 without an
 * answer; *w is set either way and goes to free_words().
 */
static int words_at_cursor(EditLine *el, struct word **w, char *prefix, size_t plen)
{
	const LineInfo *li = el_line(el);
	size_t n = (size_t)(li->cursor - li->buffer);
	char *line = malloc(n + 1);
	struct cli *c;
	int rc;

	*w = NULL;
	if (!line)
		return -1;
	memcpy(line, li->buffer, n);
	line[n] = '\0';
	el_get(el, EL_CLIENTDATA, &c);
	rc = fetch_words(c, line, w, prefix, plen);
	free(line);
	return rc;
}

static unsigned char on_help(EditLine *el, int ch)
{
	struct word *w;
	char prefix[256];
	int n;

	(void)ch;
	n = words_at_cursor(el, &w, prefix, sizeof(prefix));
	putchar('\n');
	if (n < 0)
		puts("  (no answer from the daemon)");
	else
		list_words(w, n);
	free_words(w, n > 0 ? n : 0);
	return CC_REDISPLAY;
}

static unsigned char on_tab(EditLine *el, int ch)
{
	struct word *w;
	char prefix[256];
	int n, real = 0, first = -1;
	size_t common = 0, plen;

	(void)ch;
	n = words_at_cursor(el, &w, prefix, sizeof(prefix));
	if (n <= 0) {
		free_words(w, 0);
		return CC_REFRESH_BEEP;
	}
	plen = strlen(prefix);
	for (int i = 0; i < n; i++) {
		if (w[i].word[0] == '<')
			continue;
		if (first < 0) {
			first = i;
			common = strlen(w[i].word);
		} else {
			size_t k = 0;
			while (k < common && w[i].word[k] == w[first].word[k])
				k++;
			common = k;
		}
		real++;
	}
	unsigned char rc = CC_REFRESH;
	if (real == 1) {
		char buf[256];
		snprintf(buf, sizeof(buf), "%s ", w[first].word + plen);
		el_insertstr(el, buf);
	} else if (real > 1 && common > plen) {
		char buf[256];
		snprintf(buf, sizeof(buf), "%.*s", (int)(common - plen), w[first].word + plen);
		el_insertstr(el, buf);
	} else {
		putchar('\n');
		list_words(w, n);
		rc = CC_REDISPLAY;
	}
	free_words(w, n);
	return rc;
}

static char *prompt_fn(EditLine *el)
{
	struct cli *c;

	el_get(el, EL_CLIENTDATA, &c);
	return c->conf_mode ? "statewall# " : "statewall> ";
}

/* ---- running commands ---------------------------------------------------- */

/* One line: 1 ok, 0 failed, -1 connection lost, 2 quit. */
static int run_line(struct cli *c, const char *line)
{
	const char *p = line;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	n = strlen(p);
	while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0 || p[0] == '#')
		return 1;
	char *cmd = strndup(p, n);
	if (!cmd)
		return -1;
	int rc;
	if (strcmp(cmd, "quit") == 0 || (strcmp(cmd, "exit") == 0 && !c->conf_mode)) {
		rc = 2;
	} else if (cmd[n - 1] == '?') {
		/* `show session ?` in a script: what may come next */
		struct word *w;
		char prefix[256];
		cmd[n - 1] = '\0';
		int k = fetch_words(c, cmd, &w, prefix, sizeof(prefix));
		if (k >= 0)
			list_words(w, k);
		free_words(w, k > 0 ? k : 0);
		rc = k >= 0 ? 1 : -1;
	} else if (send_req(c, "exec", cmd) < 0) {
		rc = -1;
	} else {
		rc = read_resp(c, NULL);
	}
	free(cmd);
	return rc;
}

static int interactive(struct cli *c)
{
	History *hist = history_init();
	HistEvent ev;
	char hpath[4096] = "";
	const char *home = getenv("HOME");
	int rc = 0;

	c->el = el_init("statewall", stdin, stdout, stderr);
	if (!c->el || !hist) {
		fputs("statewall cli: cannot initialise libedit\n", stderr);
		if (hist)
			history_end(hist);
		if (c->el)
			el_end(c->el);
		return 1;
	}
	history(hist, &ev, H_SETSIZE, 1000);
	history(hist, &ev, H_SETUNIQUE, 1);
	if (home) {
		snprintf(hpath, sizeof(hpath), "%s/.statewall_history", home);
		history(hist, &ev, H_LOAD, hpath);
	}
	el_set(c->el, EL_CLIENTDATA, c);
	el_set(c->el, EL_EDITOR, "emacs");
	el_set(c->el, EL_PROMPT, prompt_fn);
	el_set(c->el, EL_HIST, history, hist);
	el_set(c->el, EL_SIGNAL, 1);
	el_set(c->el, EL_ADDFN, "sw-complete", "complete the word", on_tab);
	el_set(c->el, EL_ADDFN, "sw-help", "list the possible next words", on_help);
	el_set(c->el, EL_BIND, "^I", "sw-complete", NULL);
	el_set(c->el, EL_BIND, "?", "sw-help", NULL);
	el_source(c->el, NULL);
	puts("statewall CLI - `?` lists what may come next, TAB completes, `exit` or ^D leaves.");

	for (;;) {
		int n;
		const char *line = el_gets(c->el, &n);
		if (!line || n <= 0) {
			putchar('\n');
			break;
		}
		if (strspn(line, " \t\r\n") != strlen(line))
			history(hist, &ev, H_ENTER, line);
		int r = run_line(c, line);
		if (r == 2)
			break;
		if (r < 0) {
			rc = 1;
			break;
		}
	}
	if (hpath[0])
		history(hist, &ev, H_SAVE, hpath);
	history_end(hist);
	el_end(c->el);
	c->el = NULL;
	return rc;
}

static void usage(FILE *f)
{
	fputs("usage: statewall cli [--ctl SOCKET] [-o text|json] [-c COMMAND]...\n"
	      "      --ctl SOCKET   the daemon's control socket (default " DEFAULT_CTL ")\n"
	      "  -o text|json       output format (json: one document per command, for scripts)\n"
	      "  -c COMMAND         run COMMAND and exit (repeat for several on one connection);\n"
	      "                     a COMMAND ending in '?' lists what may come next\n"
	      "      --complete LINE  print the words that may follow LINE, one per line (the\n"
	      "                     daemon's own completion; for shell completion scripts)\n"
	      "Without -c: interactive on a terminal, else one command per line of stdin.\n",
	      f);
}

void sw_cli_usage(FILE *f)
{
	usage(f);
}

int sw_cmd_cli(int argc, char **argv)
{
	static const struct option opts[] = {{"ctl", required_argument, NULL, 'C'},
					     {"output", required_argument, NULL, 'o'},
					     {"command", required_argument, NULL, 'c'},
					     {"complete", required_argument, NULL, 'K'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *path = DEFAULT_CTL, *complete = NULL;
	char **cmds = NULL;
	int ncmds = 0, ch, rc = 0;
	struct cli c;
	struct sockaddr_un sa;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'C': path = optarg; break;
		case 'o':
			if (strcmp(optarg, "json") == 0)
				c.json = 1;
			else if (strcmp(optarg, "text") != 0) {
				fprintf(stderr, "statewall cli: -o text or -o json\n");
				free(cmds);
				return 2;
			}
			break;
		case 'c': {
			char **n = realloc(cmds, (size_t)(ncmds + 1) * sizeof(*n));
			if (!n) {
				free(cmds);
				return 2;
			}
			cmds = n;
			cmds[ncmds++] = optarg;
			break;
		}
		case 'K': complete = optarg; break;
		case 'h': usage(stdout); free(cmds); return 0;
		default: usage(stderr); free(cmds); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		free(cmds);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "statewall cli: %s: path too long\n", path);
		free(cmds);
		return 2;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "statewall cli: cannot connect to %s: %s (is `statewall run` "
				"running? --ctl names its socket)\n", path, strerror(errno));
		if (c.fd >= 0)
			close(c.fd);
		free(cmds);
		return 1;
	}
	c.rd = fdopen(dup(c.fd), "r");
	if (!c.rd) {
		fprintf(stderr, "statewall cli: %s\n", strerror(errno));
		close(c.fd);
		free(cmds);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	if (complete) {
		/* words only: placeholders (<id>) and <Enter> are not something to insert */
		struct word *w;
		char prefix[256];
		int n = fetch_words(&c, complete, &w, prefix, sizeof(prefix));
		for (int i = 0; i < n; i++)
			if (w[i].word[0] != '<')
				puts(w[i].word);
		if (n > 0)
			free_words(w, n);
		rc = n < 0;
	} else if (ncmds) {
		for (int i = 0; i < ncmds; i++) {
			int r = run_line(&c, cmds[i]);
			if (r == 2)
				break;
			if (r != 1) {
				rc = 1;
				break;
			}
		}
	} else if (isatty(STDIN_FILENO)) {
		c.page = isatty(STDOUT_FILENO) && !c.json;
		rc = interactive(&c);
	} else {
		char *line = NULL;
		size_t cap = 0;
		while (getline(&line, &cap, stdin) > 0) {
			int r = run_line(&c, line);
			if (r == 2)
				break;
			if (r != 1) {
				rc = 1;
				break;
			}
		}
		free(line);
	}
	fclose(c.rd);
	close(c.fd);
	free(cmds);
	return rc;
}
