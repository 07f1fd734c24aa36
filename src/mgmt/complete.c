/*
 * complete.c - TAB and `?` (sw_mgmt_complete): what may follow a partial
 * line, from the registry's one matcher (sw_reg_resolve) and each
 * command's argument descriptor or its own completion (set / delete).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/registry.h"
#include "mgmt/registry_int.h"

/* ---- completion ------------------------------------------------------------ */

struct sw_cand {
	struct sw_jw *w;
	const char *prefix;
};

void sw_cand_add(struct sw_cand *o, const char *word, const char *help)
{
	if (o->prefix[0] != '<' && strncmp(word, o->prefix, strlen(o->prefix)) != 0 && word[0] != '<')
		return;
	if (word[0] == '<' && o->prefix[0] && strcmp(word, "<Enter>") == 0)
		return;
	sw_jw_obj(o->w);
	sw_jw_kstr(o->w, "word", word);
	sw_jw_kstr(o->w, "help", help ? help : "");
	sw_jw_obj_end(o->w);
}

/* help for words that are not a command's last word */
static const struct {
	const char *word, *help;
} group_help[] = {
	{"show", "show operational information"},
	{"clear", "end sessions"},
	{"session", "the session table"},
	{"counter", "counters"},
	{"config", "configuration"},
};

static const char *group(const char *w)
{
	for (size_t i = 0; i < sizeof(group_help) / sizeof(group_help[0]); i++)
		if (strcmp(group_help[i].word, w) == 0)
			return group_help[i].help;
	return "";
}

/* What may follow a command's arguments a[0..n). */
static void complete_args(struct sw_cmd_ctx *cx, const struct sw_cmd *k, char **a, int n,
			  struct sw_cand *o)
{
	for (const struct sw_cmd_arg *g = k->args; g && g->name; g++) {
		if (g->type == SW_AT_WORDS && k->complete) {
			k->complete(cx, a, n, o);
			return;
		}
	}
	if (n > 0) {
		/* a keyword waiting for its value? */
		int kw = sw_reg_find_keyword(k, a[n - 1]);
		if (kw >= 0 && k->args[kw].type != SW_AT_FLAG) {
			const struct sw_cmd_arg *g = &k->args[kw];
			for (unsigned i = 0; g->choices && g->choices[i]; i++)
				sw_cand_add(o, g->choices[i], g->help);
			if (g->type != SW_AT_ENUM)
				sw_cand_add(o, g->value, g->help);
			return;
		}
	}
	/* positional arguments still missing (count the words that are not keywords or values) */
	int loose = 0;
	for (int i = 0; i < n; i++) {
		int kw = sw_reg_find_keyword(k, a[i]);
		if (kw >= 0 && k->args[kw].type != SW_AT_FLAG)
			i++;
		else if (kw < 0)
			loose++;
	}
	for (int j = 0, seen = 0; k->args && k->args[j].name; j++)
		if ((k->args[j].flags & SW_ARG_POS) && seen++ == loose) {
			if (k->complete)
				k->complete(cx, a, loose, o);
			sw_cand_add(o, k->args[j].value, k->args[j].help);
			if (k->args[j].flags & SW_ARG_REQUIRED)
				return;
		}
	for (int j = 0; k->args && k->args[j].name; j++) {
		const struct sw_cmd_arg *g = &k->args[j];
		int used = 0;
		if (g->flags & SW_ARG_POS)
			continue;
		for (int i = 0; i < n; i++)
			used |= strcmp(a[i], g->name) == 0;
		if (!used)
			sw_cand_add(o, g->name, g->help);
	}
	sw_cand_add(o, "<Enter>", "execute");
}

void sw_mgmt_complete(struct sw_mgmt_host *h, struct sw_mgmt_sess *s, const char *line,
		      struct sw_buf *out)
{
	size_t l = strlen(line);
	char *buf = malloc(l + 1 + SW_MGMT_MAXARGS), *argv[SW_MGMT_MAXARGS];
	int argc, ends_space = l == 0 || line[l - 1] == ' ' || line[l - 1] == '\t';
	struct sw_cmd_ctx cx = {.h = h, .s = s, .err_arg = -1};
	struct sw_jw w;
	struct sw_cand o = {.w = &w, .prefix = ""};
	struct mstate m;

	sw_jw_init_buf(&w, out);
	sw_jw_obj(&w);
	sw_jw_key(&w, "words");
	sw_jw_arr(&w);
	if (!buf)
		goto end;
	argc = sw_mgmt_split(line, buf, l + 1 + SW_MGMT_MAXARGS, argv, SW_MGMT_MAXARGS);
	if (argc < 0)
		goto end;
	if (!ends_space && argc > 0)
		o.prefix = argv[--argc];
	sw_reg_resolve(s->mode, argv, argc, &m);
	if (m.stop) {
		/* not a command word: the arguments of the command whose words ended */
		if (m.done) {
			int nw = sw_reg_nwords(m.done);
			cx.cmd = m.done;
			complete_args(&cx, m.done, argv + nw, argc - nw, &o);
		}
		goto end;
	}
	{
		char wd[64], seen[512] = "";
		for (unsigned k = 0; k < sw_cmd_count(); k++) {
			const struct sw_cmd *cmd = sw_cmd_at(k);
			int nw = sw_reg_nwords(cmd);
			if (!m.alive[k])
				continue;
			if (nw == argc) {
				cx.cmd = cmd;
				complete_args(&cx, cmd, argv + nw, 0, &o);
				continue;
			}
			if (!sw_reg_word(cmd, argc, wd, sizeof(wd)))
				continue;
			size_t before = strlen(seen);
			sw_reg_add_expected(seen, sizeof(seen), wd);
			if (strlen(seen) == before)
				continue;
			sw_cand_add(&o, wd, nw == argc + 1 ? cmd->help : group(wd));
		}
	}
end:
	sw_jw_arr_end(&w);
	sw_jw_kstr(&w, "prefix", o.prefix);
	sw_jw_obj_end(&w);
	sw_buf_puts(out, "\n");
	free(buf);
}

