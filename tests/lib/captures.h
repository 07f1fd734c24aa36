/*
 * captures.h - every capture file under a directory, for the tests that run
 * the whole corpus (../shared/corpus, data/captures) through a path and its
 * reference.
 */
#ifndef SW_TEST_CAPTURES_H
#define SW_TEST_CAPTURES_H

/* Call fn(path, ctx) for every .pcap and .pcapng file under dir, recursively. */
void tl_walk_captures(const char *dir, void (*fn)(const char *path, void *ctx), void *ctx);

#endif
