/*
 * captures.c - the corpus walk.  See captures.h.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "captures.h"

void tl_walk_captures(const char *dir, void (*fn)(const char *path, void *ctx), void *ctx)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[4096];
		struct stat st;
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			tl_walk_captures(path, fn, ctx);
		else if ((n > 5 && !strcmp(de->d_name + n - 5, ".pcap")) ||
			 (n > 7 && !strcmp(de->d_name + n - 7, ".pcapng")))
			fn(path, ctx);
	}
	closedir(d);
}
