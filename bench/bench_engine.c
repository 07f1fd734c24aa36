/*
 * bench_engine.c - established-flow packet rate of the engine against the
 * batched raw lookup limit, paired in the same run (docs/benchmarks.md,
 * ../shared/docs/performance.md section 6 "Protocol").
 *
 *   bench_engine [N [ROUNDS [MIN_PKTS_PER_ROUND]]]
 *
 * 1. Creates N TCP sessions through sw_engine_burst() with real frames
 *    (Ethernet/IPv4/TCP, valid checksums): SYN, SYN-ACK, ACK, so every
 *    session is established; then lets 40 s of engine time pass so the
 *    handshake timers on the wheel are lazily re-queued before timing.
 *    Resident memory is read from /proc/self/statm before sw_engine_create()
 *    and after the last handshake: growth / N is the measured bytes/session.
 * 2. Builds, outside the timed region, one pass of frames: every session
 *    once, in uniformly random flow order, ACK|PSH segments with 10 payload
 *    bytes and exact in-window sequence and acknowledgement numbers (odd
 *    passes client -> server, even passes server -> client).  A round is
 *    enough passes to reach MIN_PKTS_PER_ROUND packets (default 4 M); small
 *    N gets a fresh shuffle per pass.  The frame buffer is N x 64 B, so at
 *    10 k it stays in L2 (like a NIC ring) and at 1 M / 16 M it streams from
 *    DRAM - the same for engine and control.
 * 3. Times each pass, in the same run (order alternating per round; one
 *    warm-up round, then ROUNDS recorded):
 *      engine  - sw_engine_burst() over the frames in batches of 32;
 *      control - performance.md's "variant B" on the same frames: 64 B
 *                bucket of 8 {sig, idx}, load <= 0.6, CRC32C (2 x crc32q)
 *                of the canonical 5-tuple read from the frame, b32 with
 *                staged prefetch (bucket, then the matching record), 64 B
 *                record updated in place (pkts++, bytes += ip_len,
 *                last_seen = now).
 *    and reports the median of each and the median of the per-round
 *    ratios engine / control.
 *
 * Output ends with one machine-readable line starting with "RESULT".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "statewall/conf.h"
#include "statewall/engine.h"
#include "statewall/pkt.h"

#include "frame.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

#define BATCH 32
#define PAYLOAD 10
#define MAX_ROUNDS 64
#define BASE_TS (1700000000LL * SW_NS_PER_SEC)

/* ---- helpers ----------------------------------------------------------- */

static double now_sec(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static size_t rss_bytes(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

static void *big_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "bench_engine: cannot map %zu bytes: %s\n", bytes, strerror(errno));
		exit(1);
	}
	(void)madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void shuffle(uint32_t *a, uint32_t n, uint64_t *seed)
{
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(splitmix(seed) % (i + 1));
		uint32_t t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double t[MAX_ROUNDS];

	memcpy(t, v, sizeof(double) * (size_t)n);
	qsort(t, (size_t)n, sizeof(double), cmp_dbl);
	return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* ---- frames ------------------------------------------------------------ */

/* Flow f: client 10.x.y.z:sport -> server 192.168.(f%250).1:80. */
static uint32_t cli_ip(uint32_t f) { return 0x0a000000u + (f & 0xffffffu); }
static uint16_t cli_port(uint32_t f) { return (uint16_t)(20000u + (f >> 24)); }
static uint32_t srv_ip(uint32_t f) { return 0xc0a80001u + ((f % 250u) << 8); }
static uint16_t srv_port(uint32_t f) { (void)f; return 80; }
static uint32_t cli_isn(uint32_t f) { return hash32(2 * f + 1); }
static uint32_t srv_isn(uint32_t f) { return hash32(2 * f + 2); }

/* Handshake step 0 SYN, 1 SYN-ACK, 2 ACK of flow f. */
static void handshake_frame(uint8_t *fr, uint32_t f, int step)
{
	uint32_t ci = cli_isn(f), si = srv_isn(f);

	switch (step) {
	case 0:
		build_frame(fr, cli_ip(f), srv_ip(f), cli_port(f), srv_port(f), ci, 0, SW_TH_SYN, 0,
			    (uint16_t)f);
		break;
	case 1:
		build_frame(fr, srv_ip(f), cli_ip(f), srv_port(f), cli_port(f), si, ci + 1,
			    SW_TH_SYN | SW_TH_ACK, 0, (uint16_t)f);
		break;
	default:
		build_frame(fr, cli_ip(f), srv_ip(f), cli_port(f), srv_port(f), ci + 1, si + 1,
			    SW_TH_ACK, 0, (uint16_t)f);
		break;
	}
}

/*
 * Data pass q (1, 2, ...): odd q the client sends its (q/2)-th 10-byte
 * segment, even q the server sends its ((q-1)/2)-th; each acknowledges
 * everything the other side sent.
 */
static void data_frame(uint8_t *fr, uint32_t f, uint32_t q)
{
	uint32_t c = q / 2, s = (q - 1) / 2;
	uint32_t cseq = cli_isn(f) + 1 + PAYLOAD * c, sseq = srv_isn(f) + 1 + PAYLOAD * s;

	if (q & 1)
		build_frame(fr, cli_ip(f), srv_ip(f), cli_port(f), srv_port(f), cseq, sseq,
			    SW_TH_ACK | SW_TH_PSH, PAYLOAD, (uint16_t)q);
	else
		build_frame(fr, srv_ip(f), cli_ip(f), srv_port(f), cli_port(f), sseq, cseq,
			    SW_TH_ACK | SW_TH_PSH, PAYLOAD, (uint16_t)q);
}

/* ---- engine ------------------------------------------------------------ */

struct eng_run {
	struct sw_engine *e;
	sw_time_t ts; /* engine time of the next packet */
	uint64_t pass, drop;
};

static void engine_frames(struct eng_run *r, const uint8_t *frames, size_t n)
{
	const uint8_t *fp[BATCH];
	uint32_t len[BATCH];
	sw_time_t ts[BATCH];
	struct sw_verdict v[BATCH];
	uint64_t pass = 0;

	for (unsigned i = 0; i < BATCH; i++)
		len[i] = FRAME;
	for (size_t j = 0; j < n; j += BATCH) {
		unsigned m = n - j < BATCH ? (unsigned)(n - j) : BATCH;
		for (unsigned i = 0; i < m; i++) {
			fp[i] = frames + (j + i) * FRAME;
			ts[i] = r->ts++;
		}
		sw_engine_burst(r->e, fp, len, SW_LINK_EN10MB, ts, m, v);
		for (unsigned i = 0; i < m; i++)
			pass += v[i].action == SW_PASS;
	}
	r->pass += pass;
	r->drop += n - pass;
}

/* ---- control: performance.md variant B ---------------------------------- */

#define CB_SLOTS 8

struct cbucket {
	uint32_t sig[CB_SLOTS]; /* 0 = empty */
	uint32_t idx[CB_SLOTS];
};

struct crec {
	uint32_t ip[2];
	uint16_t port[2];
	uint8_t proto;
	uint8_t pad0[3];
	uint64_t pkts;
	uint64_t bytes;
	uint32_t last_seen;
	uint8_t pad1[20];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct cbucket) == 64, "control bucket is one line");
_Static_assert(sizeof(struct crec) == 64, "control record is one line");

struct ctl {
	struct cbucket *b;
	struct crec *r;
	uint32_t bmask, n;
	uint64_t found, missed;
	uint32_t now;
	int hw; /* SSE4.2 + AVX2 available */
};

struct ckey {
	uint64_t w0, w1; /* ip0 | ip1 << 32, port0 | port1 << 16 | proto << 32 */
};

static inline struct ckey ckey_of(uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp)
{
	struct ckey k;
	uint64_t a = (uint64_t)sip << 16 | sp, b = (uint64_t)dip << 16 | dp;

	if (a > b) {
		uint64_t t = a;
		a = b;
		b = t;
	}
	k.w0 = (a >> 16) | (b >> 16) << 32;
	k.w1 = (a & 0xffff) | (b & 0xffff) << 16 | (uint64_t)6 << 32;
	return k;
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static inline struct ckey ckey_frame(const uint8_t *fr)
{
	return ckey_of(rd32(fr + 26), rd32(fr + 30), rd16(fr + 34), rd16(fr + 36));
}

static uint64_t chash_soft(struct ckey k)
{
	uint64_t h = k.w0 * 0x9e3779b97f4a7c15ull;

	h ^= h >> 29;
	h = (h ^ k.w1) * 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

#if HAVE_X86
__attribute__((target("sse4.2"))) static inline uint64_t chash_hw(struct ckey k)
{
	uint64_t lo = _mm_crc32_u64(_mm_crc32_u64(0x12345678u, k.w0), k.w1);
	uint64_t hi = _mm_crc32_u64(_mm_crc32_u64(0x9abcdef1u, k.w0), k.w1);

	return lo | hi << 32;
}
#endif

static inline uint32_t csig(uint64_t h) { return (uint32_t)(h >> 32) | 1; }

static void ctl_init(struct ctl *c, uint32_t n)
{
	size_t nb = 1;

	while ((double)nb * CB_SLOTS * 0.6 < (double)n)
		nb <<= 1;
	memset(c, 0, sizeof(*c));
	c->bmask = (uint32_t)nb - 1;
	c->n = n;
	c->b = big_alloc(nb * sizeof(*c->b));
	c->r = big_alloc((size_t)n * sizeof(*c->r));
#if HAVE_X86
	__builtin_cpu_init();
	c->hw = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("avx2");
#endif
}

static uint64_t chash(const struct ctl *c, struct ckey k)
{
#if HAVE_X86
	if (c->hw)
		return chash_hw(k);
#endif
	(void)c;
	return chash_soft(k);
}

static void ctl_insert(struct ctl *c, uint32_t f)
{
	struct ckey k = ckey_of(cli_ip(f), srv_ip(f), cli_port(f), srv_port(f));
	uint64_t h = chash(c, k);
	uint32_t b = (uint32_t)h & c->bmask;
	struct crec *r = &c->r[f];

	for (;; b = (b + 1) & c->bmask) {
		for (int i = 0; i < CB_SLOTS; i++) {
			if (c->b[b].sig[i] == 0) {
				c->b[b].sig[i] = csig(h);
				c->b[b].idx[i] = f;
				goto placed;
			}
		}
	}
placed:
	memset(r, 0, sizeof(*r));
	r->ip[0] = (uint32_t)k.w0;
	r->ip[1] = (uint32_t)(k.w0 >> 32);
	r->port[0] = (uint16_t)k.w1;
	r->port[1] = (uint16_t)(k.w1 >> 16);
	r->proto = 6;
}

static inline int rec_eq(const struct crec *r, struct ckey k)
{
	return r->ip[0] == (uint32_t)k.w0 && r->ip[1] == (uint32_t)(k.w0 >> 32) &&
	       r->port[0] == (uint16_t)k.w1 && r->port[1] == (uint16_t)(k.w1 >> 16) &&
	       r->proto == (uint8_t)(k.w1 >> 32);
}

/* Full lookup (home bucket, then probing): the rare fallback of the fast loop. */
static uint32_t ctl_find(const struct ctl *c, struct ckey k, uint64_t h)
{
	uint32_t b = (uint32_t)h & c->bmask, sig = csig(h);

	for (uint32_t n = 0; n <= c->bmask; n++, b = (b + 1) & c->bmask) {
		int empty = 0;
		for (int i = 0; i < CB_SLOTS; i++) {
			if (c->b[b].sig[i] == sig && rec_eq(&c->r[c->b[b].idx[i]], k))
				return c->b[b].idx[i];
			empty |= c->b[b].sig[i] == 0;
		}
		if (empty)
			break;
	}
	return UINT32_MAX;
}

#if HAVE_X86
__attribute__((target("avx2"))) static inline unsigned sig_match(const struct cbucket *b,
								  uint32_t sig)
{
	__m256i v = _mm256_load_si256((const __m256i *)b->sig);
	__m256i m = _mm256_cmpeq_epi32(v, _mm256_set1_epi32((int)sig));

	return (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(m));
}
#endif

static inline unsigned sig_match_soft(const struct cbucket *b, uint32_t sig)
{
	unsigned m = 0;

	for (int i = 0; i < CB_SLOTS; i++)
		m |= (unsigned)(b->sig[i] == sig) << i;
	return m;
}

/*
 * One batch, three stages: key + hash + bucket prefetch; signature match +
 * record prefetch; key compare + update in place.
 */
#define CTL_BATCH_BODY(HASH, MATCH)                                                          \
	do {                                                                                     \
		struct ckey k[BATCH];                                                                \
		uint64_t h[BATCH];                                                                   \
		uint32_t cand[BATCH];                                                                \
		uint16_t iplen[BATCH];                                                               \
		for (unsigned i = 0; i < m; i++) {                                                   \
			const uint8_t *fr = frames + (j + i) * FRAME;                                    \
			k[i] = ckey_frame(fr);                                                           \
			iplen[i] = rd16(fr + 16);                                                        \
			h[i] = HASH(k[i]);                                                               \
			__builtin_prefetch(&c->b[(uint32_t)h[i] & c->bmask], 1);                         \
		}                                                                                    \
		for (unsigned i = 0; i < m; i++) {                                                   \
			const struct cbucket *bk = &c->b[(uint32_t)h[i] & c->bmask];                     \
			unsigned mm = MATCH(bk, csig(h[i]));                                             \
			cand[i] = mm ? bk->idx[__builtin_ctz(mm)] : UINT32_MAX;                          \
			if (cand[i] != UINT32_MAX)                                                       \
				__builtin_prefetch(&c->r[cand[i]], 1);                                       \
		}                                                                                    \
		for (unsigned i = 0; i < m; i++) {                                                   \
			uint32_t x = cand[i];                                                            \
			if (x == UINT32_MAX || !rec_eq(&c->r[x], k[i]))                                  \
				x = ctl_find(c, k[i], h[i]);                                                 \
			if (x == UINT32_MAX) {                                                           \
				missed++;                                                                    \
				continue;                                                                    \
			}                                                                                \
			c->r[x].pkts++;                                                                  \
			c->r[x].bytes += iplen[i];                                                       \
			c->r[x].last_seen = c->now++;                                                    \
			found++;                                                                         \
		}                                                                                    \
	} while (0)

#if HAVE_X86
__attribute__((target("sse4.2,avx2"))) static void ctl_frames_hw(struct ctl *c,
								  const uint8_t *frames, size_t n)
{
	uint64_t found = 0, missed = 0;

	for (size_t j = 0; j < n; j += BATCH) {
		unsigned m = n - j < BATCH ? (unsigned)(n - j) : BATCH;
		CTL_BATCH_BODY(chash_hw, sig_match);
	}
	c->found += found;
	c->missed += missed;
}
#endif

static void ctl_frames_soft(struct ctl *c, const uint8_t *frames, size_t n)
{
	uint64_t found = 0, missed = 0;

	for (size_t j = 0; j < n; j += BATCH) {
		unsigned m = n - j < BATCH ? (unsigned)(n - j) : BATCH;
		CTL_BATCH_BODY(chash_soft, sig_match_soft);
	}
	c->found += found;
	c->missed += missed;
}

static void ctl_frames(struct ctl *c, const uint8_t *frames, size_t n)
{
#if HAVE_X86
	if (c->hw) {
		ctl_frames_hw(c, frames, n);
		return;
	}
#endif
	ctl_frames_soft(c, frames, n);
}

/* ---- main -------------------------------------------------------------- */

static unsigned long parse_num(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	/* Accept 1000000, 1e6, 16M, 10k. */
	if (*end == 'k' || *end == 'K')
		v *= 1e3, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1e6, end++;
	if (*end || v < 1 || v > 4e9) {
		fprintf(stderr, "bench_engine: bad %s '%s'\n", what, s);
		exit(2);
	}
	return (unsigned long)v;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)parse_num(argv[1], "N") : 1000000u;
	int rounds = argc > 2 ? (int)parse_num(argv[2], "rounds") : 7;
	size_t min_round = argc > 3 ? parse_num(argv[3], "packets per round") : 4000000u;
	struct sw_conf conf;
	struct sw_stats st;
	struct eng_run er = {0};
	struct ctl c;
	uint32_t *perm, passes, q = 0;
	uint8_t *frames, *hs;
	size_t rss0, rss1, per_round;
	double t0, t_setup, eng_mpps[MAX_ROUNDS], ctl_mlps[MAX_ROUNDS], ratio[MAX_ROUNDS];
	uint64_t seed = 0x5eed5eedULL;
	const uint32_t chunk = 8192;
	int rc;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		puts("usage: bench_engine [N [ROUNDS [MIN_PKTS_PER_ROUND]]]  (defaults 1M 7 4M)");
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (rounds < 1 || rounds > MAX_ROUNDS - 1) {
		fprintf(stderr, "bench_engine: rounds must be 1..%d\n", MAX_ROUNDS - 1);
		return 2;
	}
	if (n > 0xffffffu * 64u) {
		fprintf(stderr, "bench_engine: N too large\n");
		return 2;
	}
	passes = (uint32_t)((min_round + n - 1) / n);
	per_round = (size_t)passes * n;

	sw_conf_defaults(&conf);
	if (conf.max_sessions < n)
		conf.max_sessions = n;
	conf.max_tombstones = 0;

	/* Setup frames are built in small chunks so they barely touch the RSS figure. */
	hs = malloc((size_t)chunk * FRAME);
	perm = big_alloc((size_t)n * sizeof(*perm));
	for (uint32_t i = 0; i < n; i++)
		perm[i] = i;
	memset(hs, 0, (size_t)chunk * FRAME);

	rss0 = rss_bytes();
	rc = sw_engine_create(&er.e, &conf);
	if (rc < 0) {
		fprintf(stderr, "bench_engine: sw_engine_create: %s\n", strerror(-rc));
		return 1;
	}
	er.ts = BASE_TS;
	t0 = now_sec();
	for (uint32_t base = 0; base < n; base += chunk) {
		uint32_t m = n - base < chunk ? n - base : chunk;
		for (int step = 0; step < 3; step++) {
			for (uint32_t i = 0; i < m; i++)
				handshake_frame(hs + (size_t)i * FRAME, base + i, step);
			engine_frames(&er, hs, m);
		}
	}
	t_setup = now_sec() - t0;
	/* Let the handshake timers on the wheel fire (lazy re-queue), untimed. */
	er.ts += 40 * SW_NS_PER_SEC;
	sw_engine_advance(er.e, er.ts);
	rss1 = rss_bytes();
	sw_engine_stats(er.e, &st);
	if (er.drop || st.active != n) {
		fprintf(stderr, "bench_engine: setup failed: %llu of %llu handshake packets dropped, %u "
				"sessions live (want %u)\n",
			(unsigned long long)er.drop, (unsigned long long)(er.drop + er.pass), st.active, n);
		return 1;
	}
	printf("sessions            %u established (max-sessions %u), setup %.2f s = %.2f M "
	       "handshake pkts/s incl. frame building\n",
	       n, conf.max_sessions, t_setup, 3.0 * n / t_setup / 1e6);
	printf("bytes/session       measured RSS growth %.1f B, engine stats %zu B\n",
	       (double)(rss1 - rss0) / n, st.bytes_per_session);

	ctl_init(&c, n);
	for (uint32_t f = 0; f < n; f++)
		ctl_insert(&c, f);
	frames = big_alloc((size_t)n * FRAME);
	shuffle(perm, n, &seed);
	printf("round               %zu packets (%u pass%s over %u flows), batches of %d, control "
	       "%s, %u ctl buckets\n",
	       per_round, passes, passes > 1 ? "es" : "", n, BATCH,
	       c.hw ? "crc32c+avx2" : "soft hash", c.bmask + 1);
	printf("%-6s %12s %14s %8s\n", "round", "engine Mpps", "control Mlk/s", "ratio");

	er.pass = er.drop = 0;
	for (int r = 0; r <= rounds; r++) {
		double te = 0, tc = 0;
		uint64_t drop0 = er.drop;

		for (uint32_t p = 0; p < passes; p++) {
			/* Build one pass (untimed), then time engine and control on it. */
			q++;
			if (q > 1 && n <= (1u << 20))
				shuffle(perm, n, &seed);
			for (uint32_t i = 0; i < n; i++)
				data_frame(frames + (size_t)i * FRAME, perm[i], q);
			for (int o = 0; o < 2; o++) {
				int eng_turn = (o == 0) == (r % 2 == 0);
				double t = now_sec();
				if (eng_turn)
					engine_frames(&er, frames, n);
				else
					ctl_frames(&c, frames, n);
				t = now_sec() - t;
				if (eng_turn)
					te += t;
				else
					tc += t;
			}
		}
		if (er.drop != drop0)
			fprintf(stderr, "bench_engine: round %d: %llu packets dropped by the engine\n", r,
				(unsigned long long)(er.drop - drop0));
		if (r == 0) {
			printf("%-6s %12.2f %14.2f %8.3f\n", "warmup", per_round / te / 1e6,
			       per_round / tc / 1e6, tc / te);
			continue;
		}
		eng_mpps[r - 1] = per_round / te / 1e6;
		ctl_mlps[r - 1] = per_round / tc / 1e6;
		ratio[r - 1] = tc / te;
		printf("%-6d %12.2f %14.2f %8.3f\n", r, eng_mpps[r - 1], ctl_mlps[r - 1], ratio[r - 1]);
	}
	sw_engine_stats(er.e, &st);
	{
		double me = median(eng_mpps, rounds), mc = median(ctl_mlps, rounds),
		       mr = median(ratio, rounds);
		printf("median              engine %.2f Mpps (%.1f ns/pkt, ~%.0f cycles at 3.6 GHz), "
		       "control %.2f M lookups/s, ratio %.3f (median of paired ratios)\n",
		       me, 1e3 / me, 3600.0 / me, mc, mr);
		printf("check               engine passed %llu dropped %llu; control found %llu missed "
		       "%llu; live sessions %u\n",
		       (unsigned long long)er.pass, (unsigned long long)er.drop,
		       (unsigned long long)c.found, (unsigned long long)c.missed, st.active);
		printf("RESULT n=%u rounds=%d engine_mpps=%.2f control_mlps=%.2f ratio=%.3f "
		       "rss_bps=%.1f engine_bps=%zu dropped=%llu\n",
		       n, rounds, me, mc, mr, (double)(rss1 - rss0) / n, st.bytes_per_session,
		       (unsigned long long)er.drop);
	}
	sw_engine_destroy(er.e);
	free(hs);
	return er.drop || c.missed ? 1 : 0;
}
