/*
 * registry_int.h - what registry.c, args.c and complete.c share: the
 * matcher's core and word helpers.  Not for command families.
 */
#ifndef SW_MGMT_REGISTRY_INT_H
#define SW_MGMT_REGISTRY_INT_H

#include "mgmt/registry.h"

#define MAXCMDS 64

/*
 * The matcher's core, shared by execution and completion: resolve argv's
 * words against the commands of `mode`, each exactly or as a unique prefix.
 * Stops at the first word that is no command word (m->stop = 1) or at the
 * end (m->stop = 0).  m->done: the longest command whose words all matched.
 */
struct mstate {
	unsigned char alive[MAXCMDS];
	int pos;    /* words resolved */
	int stop;   /* stopped on a word that is no command word */
	int npref;  /* ... which was an ambiguous prefix (npref > 1) */
	int any;    /* ... at a position where commands had words */
	const struct sw_cmd *done;
	char expected[512];
};

void sw_reg_resolve(unsigned mode, char **argv, int argc, struct mstate *m);
/* word i (0-based) of a command's words into buf; 0 if it has fewer */
int sw_reg_word(const struct sw_cmd *k, int i, char *buf, size_t len);
int sw_reg_nwords(const struct sw_cmd *k);
/* append w to a ", "-separated list unless it is there */
void sw_reg_add_expected(char *expected, size_t len, const char *w);
/* the keyword argument w names (exactly or as a unique prefix); -1 none, -2 ambiguous */
int sw_reg_find_keyword(const struct sw_cmd *c, const char *w);

#endif
