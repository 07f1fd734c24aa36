/*
 * args.c - typed arguments (registry.h): one descriptor per command fills
 * its frame from CLI words or from a jansson object, with the same checks
 * and messages; usage strings for help and errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/registry.h"
#include "mgmt/registry_int.h"

/* ---- arguments ------------------------------------------------------------- */

const char *sw_cmd_arg_json(const struct sw_cmd *c, int i, char *buf, size_t len)
{
	const struct sw_cmd_arg *a = &c->args[i];

	if (a->json)
		return a->json;
	snprintf(buf, len, "%s", a->name);
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
	return buf;
}

void sw_cmd_usage(const struct sw_cmd *c, char *buf, size_t len)
{
	size_t o = 0;
	int nkw = 0;
	const struct sw_cmd_arg *kw = NULL;

	buf[0] = '\0';
	for (const struct sw_cmd_arg *a = c->args; a && a->name; a++)
		if (!(a->flags & SW_ARG_POS) && a->type != SW_AT_FLAG) {
			nkw++;
			kw = a;
		}
	for (const struct sw_cmd_arg *a = c->args; a && a->name && o < len; a++) {
		int n = 0;
		if (a->type == SW_AT_WORDS)
			n = snprintf(buf + o, len - o, "%s%s", o ? " " : "", a->value ? a->value : "...");
		else if (a->flags & SW_ARG_POS)
			n = snprintf(buf + o, len - o, "%s%s", o ? " " : "", a->value);
		else if (a->type == SW_AT_FLAG)
			n = snprintf(buf + o, len - o, "%s[%s]", o ? " " : "", a->name);
		if (n < 0)
			return;
		o += (size_t)n;
	}
	/* keywords: one is spelt out, several are summarised (the help names them) */
	if (nkw == 1 && o < len)
		snprintf(buf + o, len - o, "%s[%s %s]", o ? " " : "", kw->name, kw->value);
	else if (nkw > 1 && o < len)
		snprintf(buf + o, len - o, "%s[KEY VALUE]...", o ? " " : "");
}

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* One value from its text form into the frame. 0, or -EINVAL with a message. */
static int parse_value(const struct sw_cmd_arg *a, const char *v, void *frame, char *err,
		       size_t errlen)
{
	char *dst = (char *)frame + a->off;
	unsigned long n;
	int32_t i32;

	switch (a->type) {
	case SW_AT_FLAG:
	case SW_AT_WORDS: return 0;
	case SW_AT_STR:
		if (strlen(v) >= a->max) {
			snprintf(err, errlen, "token '%.32s...': longer than %u bytes", v, a->max - 1);
			return -EINVAL;
		}
		memcpy(dst, v, strlen(v) + 1);
		return 0;
	case SW_AT_U32:
		if (parse_num(v, UINT32_MAX, &n) != 0 || n < a->min || (a->max && n > a->max)) {
			snprintf(err, errlen, "token '%s': not a number (%u..%u)", v, a->min,
				 a->max ? a->max : UINT32_MAX);
			return -EINVAL;
		}
		memcpy(dst, &(uint32_t){(uint32_t)n}, sizeof(uint32_t));
		return 0;
	case SW_AT_ID:
		if (parse_num(v, UINT32_MAX, &n) != 0 || n == 0) {
			snprintf(err, errlen, "token '%s': not a session id", v);
			return -EINVAL;
		}
		memcpy(dst, &(uint32_t){(uint32_t)n}, sizeof(uint32_t));
		return 0;
	case SW_AT_PORT:
		if (parse_num(v, 65535, &n) != 0) {
			snprintf(err, errlen, "token '%s': not a port (0..65535)", v);
			return -EINVAL;
		}
		i32 = (int32_t)n;
		break;
	case SW_AT_PROTO:
		i32 = sw_proto_lookup(v);
		if (i32 < 0) {
			snprintf(err, errlen, "token '%s': not a protocol (tcp, udp, icmp, icmp6 or 0..255)",
				 v);
			return -EINVAL;
		}
		break;
	case SW_AT_CIDR: {
		struct sw_cidr c;
		if (sw_cidr_parse(&c, v) != 0) {
			snprintf(err, errlen, "token '%s': not an address or prefix (e.g. 198.18.1.2, "
					      "10.0.0.0/8, 2001:db8::/32)", v);
			return -EINVAL;
		}
		memcpy(dst, &c, sizeof(c));
		return 0;
	}
	case SW_AT_ENUM: {
		char list[256] = "";
		for (i32 = 0; a->choices[i32]; i32++) {
			if (strcmp(a->choices[i32], v) == 0)
				break;
			sw_reg_add_expected(list, sizeof(list), a->choices[i32]);
		}
		if (!a->choices[i32]) {
			snprintf(err, errlen, "token '%s': not a %s (%s)", v, a->name, list);
			return -EINVAL;
		}
		break;
	}
	case SW_AT_YESNO:
		if (strcmp(v, "yes") == 0) {
			i32 = 1;
		} else if (strcmp(v, "no") == 0) {
			i32 = 0;
		} else {
			snprintf(err, errlen, "token '%s': expected yes or no", v);
			return -EINVAL;
		}
		break;
	default: snprintf(err, errlen, "internal error: argument type"); return -EINVAL;
	}
	memcpy(dst, &i32, sizeof(i32));
	return 0;
}

static void keyword_list(const struct sw_cmd *c, char *buf, size_t len)
{
	buf[0] = '\0';
	for (const struct sw_cmd_arg *a = c->args; a && a->name; a++)
		if (!(a->flags & SW_ARG_POS) && a->type != SW_AT_FLAG)
			sw_reg_add_expected(buf, len, a->name);
}

/* The keyword argument `w` names (exactly or as a unique prefix); -1 none, -2 ambiguous. */
int sw_reg_find_keyword(const struct sw_cmd *c, const char *w)
{
	int hit = -1, n = 0;

	for (int i = 0; c->args && c->args[i].name; i++) {
		const struct sw_cmd_arg *a = &c->args[i];
		if (a->flags & SW_ARG_POS)
			continue;
		if (strcmp(a->name, w) == 0)
			return i;
		if (strncmp(a->name, w, strlen(w)) == 0) {
			hit = i;
			n++;
		}
	}
	return n == 1 ? hit : n > 1 ? -2 : -1;
}

static int check_required(const struct sw_cmd *c, void *frame, int *bad, char *err, size_t errlen)
{
	for (int i = 0; c->args && c->args[i].name; i++)
		if ((c->args[i].flags & SW_ARG_REQUIRED) && !SW_ARG_GIVEN(frame, i)) {
			char u[160];
			sw_cmd_usage(c, u, sizeof(u));
			*bad = i;
			snprintf(err, errlen, "missing argument (expected %s %s)", c->words, u);
			return -EINVAL;
		}
	return 0;
}

int sw_cmd_parse_words(const struct sw_cmd *c, char **argv, int argc, void *frame, int *bad,
		       char *err, size_t errlen)
{
	struct sw_cmd_args *hdr = frame;
	const char *what = c->what ? c->what : "argument";
	int pos = 0;

	*bad = -1;
	for (int i = 0; i < argc; i++) {
		int k = sw_reg_find_keyword(c, argv[i]);
		if (k >= 0) {
			const struct sw_cmd_arg *a = &c->args[k];
			*bad = k;
			hdr->given |= 1ull << k;
			if (a->type == SW_AT_FLAG)
				continue;
			if (i + 1 >= argc) {
				snprintf(err, errlen, "token '%s': missing value (%s %s)", argv[i], a->name,
					 a->value ? a->value : "");
				return -EINVAL;
			}
			if (parse_value(a, argv[++i], frame, err, errlen) < 0)
				return -EINVAL;
			continue;
		}
		/* the next positional argument */
		int p = -1;
		for (int j = 0, seen = 0; c->args && c->args[j].name; j++)
			if (c->args[j].flags & SW_ARG_POS) {
				if (seen++ == pos) {
					p = j;
					break;
				}
			}
		if (p >= 0) {
			const struct sw_cmd_arg *a = &c->args[p];
			*bad = p;
			hdr->given |= 1ull << p;
			pos++;
			if (a->type == SW_AT_WORDS) {
				struct sw_words wv = {.w = argv + i, .n = argc - i};
				memcpy((char *)frame + a->off, &wv, sizeof(wv));
				break;
			}
			if (parse_value(a, argv[i], frame, err, errlen) < 0)
				return -EINVAL;
			continue;
		}
		*bad = -1;
		if (k == -2) {
			char list[256];
			keyword_list(c, list, sizeof(list));
			snprintf(err, errlen, "token '%s': ambiguous %s (expected %s)", argv[i], what, list);
		} else if (!c->args || !c->args[0].name) {
			snprintf(err, errlen, "token '%s': unexpected word (`%s` takes no arguments)",
				 argv[i], c->words);
		} else {
			char list[256], u[160];
			keyword_list(c, list, sizeof(list));
			sw_cmd_usage(c, u, sizeof(u));
			if (list[0])
				snprintf(err, errlen, "token '%s': unknown %s (expected %s)", argv[i], what,
					 list);
			else
				snprintf(err, errlen, "token '%s': too many words (expected %s %s)",
					 argv[i], c->words, u);
		}
		return -EINVAL;
	}
	return check_required(c, frame, bad, err, errlen);
}

void sw_cmd_frame_free(void *frame)
{
	struct sw_cmd_args *hdr = frame;

	if (!hdr)
		return;
	free(hdr->mem);
	hdr->mem = NULL;
}

int sw_cmd_parse_json(const struct sw_cmd *c, const json_t *obj, void *frame, int *bad,
		      char *err, size_t errlen)
{
	struct sw_cmd_args *hdr = frame;
	const char *key;
	json_t *v;
	char jn[64];

	*bad = -1;
	if (!obj)
		return check_required(c, frame, bad, err, errlen);
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "the arguments must be a JSON object");
		return -EINVAL;
	}
	json_object_foreach((json_t *)obj, key, v) {
		int k = -1;
		for (int i = 0; c->args && c->args[i].name; i++)
			if (strcmp(sw_cmd_arg_json(c, i, jn, sizeof(jn)), key) == 0) {
				k = i;
				break;
			}
		if (k < 0) {
			char list[256] = "";
			for (int i = 0; c->args && c->args[i].name; i++)
				sw_reg_add_expected(list, sizeof(list), sw_cmd_arg_json(c, i, jn, sizeof(jn)));
			snprintf(err, errlen, "unknown member \"%s\" (expected %s)", key,
				 list[0] ? list : "none");
			return -EINVAL;
		}
		const struct sw_cmd_arg *a = &c->args[k];
		char num[24];
		const char *text = NULL;
		*bad = k;
		if (a->type == SW_AT_WORDS) {
			if (!json_is_string(v)) {
				snprintf(err, errlen, "\"%s\" must be a string of words", key);
				return -EINVAL;
			}
			size_t l = json_string_length(v);
			char *mem = malloc(l + 1 + (SW_MGMT_MAXARGS + 1) * sizeof(char *) + SW_MGMT_MAXARGS);
			if (!mem) {
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
			free(hdr->mem);
			hdr->mem = mem;
			char **wv = (char **)(void *)mem;
			char *tok = mem + (SW_MGMT_MAXARGS + 1) * sizeof(char *);
			if (memchr(json_string_value(v), '\0', l)) {
				snprintf(err, errlen, "\"%s\": a NUL in the words", key);
				return -EINVAL;
			}
			int n = sw_mgmt_split(json_string_value(v), tok, l + 1 + SW_MGMT_MAXARGS, wv,
					      SW_MGMT_MAXARGS);
			if (n < 0) {
				snprintf(err, errlen, "\"%s\": unterminated quote or more than %d words",
					 key, SW_MGMT_MAXARGS);
				return -EINVAL;
			}
			struct sw_words w = {.w = wv, .n = n};
			memcpy((char *)frame + a->off, &w, sizeof(w));
			hdr->given |= 1ull << k;
			continue;
		}
		if (json_is_integer(v)) {
			json_int_t i = json_integer_value(v);
			if (i < 0) {
				snprintf(err, errlen, "\"%s\": %lld is negative", key, (long long)i);
				return -EINVAL;
			}
			snprintf(num, sizeof(num), "%lld", (long long)i);
			text = num;
		} else if (json_is_boolean(v) && (a->type == SW_AT_YESNO || a->type == SW_AT_FLAG)) {
			text = json_is_true(v) ? "yes" : "no";
			if (a->type == SW_AT_FLAG && !json_is_true(v))
				continue;
		} else if (json_is_string(v)) {
			text = json_string_value(v);
			if (strlen(text) != json_string_length(v)) {
				snprintf(err, errlen, "\"%s\": a NUL in the value", key);
				return -EINVAL;
			}
		} else {
			snprintf(err, errlen, "\"%s\" must be a %s", key,
				 a->type == SW_AT_YESNO ? "boolean or yes/no" : "string or an integer");
			return -EINVAL;
		}
		hdr->given |= 1ull << k;
		if (parse_value(a, text, frame, err, errlen) < 0)
			return -EINVAL;
	}
	*bad = -1;
	return check_required(c, frame, bad, err, errlen);
}

