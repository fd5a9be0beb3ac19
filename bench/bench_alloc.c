/*
 * bench_alloc.c - GoMem's allocator benchmarks (allocator_bench_test.go), side by side with the
 * C library's malloc/free and a bump allocator (the floor) in the same run: median ns/op over
 * several runs (after a warm-up), min..max, and the ratio. Prints figures only; nothing here
 * asserts a time.
 *
 *   Index level (GoMem's Allocator, 64 KiB range): Allocate (1 KiB alloc+free), AllocateSmall
 *   (64 B), AllocateLarge (8 KiB), SequentialAlloc (50 x 1 KiB, then free all), RandomAlloc
 *   (sizes rotating 64..4096), GetFreeSize; and MixedRandom (below) over a 64 MiB range.
 *   Scalable allocator: the same patterns through gomem_alloc/gomem_free, plus MixedRandom, a
 *   mixed random pattern (8 B..8 KiB, 4096 live; one op frees a random live block and allocates
 *   another, in the steady state: the live set is made before the runs).
 *   Arena creation: 1 MiB vs 16 MiB (create + destroy; and with the first byte touched).
 *   Contenders (--only takes these names): index, scalable, libc (whatever malloc the process
 *   has: glibc, an LD_PRELOADed peer, or the wasm C library's; --malloc-name names it), bump
 *   (a pointer bumped through a static 16 MiB region that starts over when full, free does
 *   nothing: the cost of the call and the bookkeeping any allocator needs at the least), arena.
 *   Contenders share the process: for figures free of each other's heap effects (wasm, where gomem
 *   and the C library's malloc grow the same memory), run each alone with --only, as
 *   scripts/bench.sh and scripts/bench-wasm.sh do.
 *
 * Usage: bench_alloc [--quick] [--json FILE] [--build LABEL] [--only LIST] [--malloc-name NAME]
 *                    [--variant TEXT] [--runs N]   (see bench_common.h)
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#include "bench_common.h"

/* POOL: the index range of GoMem's patterns; MIXED_POOL: MixedRandom's, large enough never to
 * run out (its MIXED_LIVE blocks of at most 8 KiB hold 32 MiB at the most; the rest is room for
 * fragmentation; a failed allocation aborts the benchmark). */
enum { POOL = 64 * 1024, MIXED_POOL = 64 << 20, SEQUENTIAL = 50, MIXED_LIVE = 4096 };
static const size_t rotating_sizes[] = {64, 128, 256, 512, 1024, 2048, 4096};
#define ROTATING_COUNT (sizeof rotating_sizes / sizeof rotating_sizes[0])

/* ---- free-block index (offsets) ---- */

static void index_pair(gomem_index *index, size_t size, size_t iterations) {
    for (size_t i = 0; i < iterations; i++) {
        size_t offset;
        if (gomem_index_alloc(index, size, 8, &offset) != GOMEM_OK) abort();
        ESCAPE(&offset);
        gomem_index_free(index, offset, size);
    }
}
static void index_allocate(void *s, size_t n) { index_pair(s, 1024, n); }
static void index_small(void *s, size_t n) { index_pair(s, 64, n); }
static void index_large(void *s, size_t n) { index_pair(s, 8192, n); }
static void index_sequential(void *s, size_t n) {
    size_t offsets[SEQUENTIAL];
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < SEQUENTIAL; j++)
            if (gomem_index_alloc(s, 1024, 8, &offsets[j]) != GOMEM_OK) abort();
        ESCAPE(offsets);
        for (int j = 0; j < SEQUENTIAL; j++) gomem_index_free(s, offsets[j], 1024);
    }
}
static void index_random(void *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        size_t size = rotating_sizes[i % ROTATING_COUNT], offset;
        if (gomem_index_alloc(s, size, 8, &offset) != GOMEM_OK) abort();
        ESCAPE(&offset);
        gomem_index_free(s, offset, size);
    }
}
/* MixedRandom over offsets: the pointer version's shape and sizes (the same xorshift sequence), on
 * an index of MIXED_POOL bytes. The live set is made on the first call and kept across calls; a
 * call with n == 0 frees it. */
static void index_mixed(void *s, size_t n) {
    static size_t live[MIXED_LIVE], live_size[MIXED_LIVE];
    static bool ready;
    static uint64_t x;
    if (n == 0) {
        for (size_t i = 0; ready && i < MIXED_LIVE; i++) gomem_index_free(s, live[i], live_size[i]);
        ready = false;
        return;
    }
    if (!ready) {
        x = 0x2545F4914F6CDD1Dull;
        for (size_t i = 0; i < MIXED_LIVE; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            live_size[i] = 8 + (size_t)(x % 8185);
            if (gomem_index_alloc(s, live_size[i], 8, &live[i]) != GOMEM_OK) abort();
        }
        ready = true;
    }
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t slot = (size_t)(x >> 40) % MIXED_LIVE;
        gomem_index_free(s, live[slot], live_size[slot]);
        live_size[slot] = 8 + (size_t)(x % 8185);
        if (gomem_index_alloc(s, live_size[slot], 8, &live[slot]) != GOMEM_OK) abort();
        ESCAPE(&live[slot]);
    }
}
static void index_free_size(void *s, size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += gomem_index_free_size(s);
        ESCAPE(&total);
    }
}

/* ---- scalable allocator and the C library, same shapes ---- */

#define POINTER_PATTERNS(prefix, ALLOC, FREE)                                                      \
    static void prefix##_pair(void *s, size_t size, size_t n) {                                    \
        (void)s;                                                                                   \
        for (size_t i = 0; i < n; i++) {                                                           \
            void *p = ALLOC(s, size);                                                              \
            ESCAPE(p);                                                                             \
            FREE(s, p, size);                                                                      \
        }                                                                                          \
    }                                                                                              \
    static void prefix##_allocate(void *s, size_t n) { prefix##_pair(s, 1024, n); }                \
    static void prefix##_small(void *s, size_t n) { prefix##_pair(s, 64, n); }                     \
    static void prefix##_large(void *s, size_t n) { prefix##_pair(s, 8192, n); }                   \
    static void prefix##_sequential(void *s, size_t n) {                                           \
        void *p[SEQUENTIAL];                                                                       \
        (void)s;                                                                                   \
        for (size_t i = 0; i < n; i++) {                                                           \
            for (int j = 0; j < SEQUENTIAL; j++) p[j] = ALLOC(s, 1024);                            \
            ESCAPE(p);                                                                             \
            for (int j = 0; j < SEQUENTIAL; j++) FREE(s, p[j], 1024);                              \
        }                                                                                          \
    }                                                                                              \
    static void prefix##_random(void *s, size_t n) {                                               \
        (void)s;                                                                                   \
        for (size_t i = 0; i < n; i++) {                                                           \
            size_t size = rotating_sizes[i % ROTATING_COUNT];                                      \
            void *p = ALLOC(s, size);                                                              \
            ESCAPE(p);                                                                             \
            FREE(s, p, size);                                                                      \
        }                                                                                          \
    }                                                                                              \
    /* The live set is made on the first call and kept across calls (the runs time the steady   \
     * state only); a call with n == 0 frees it (main does so after measuring). */               \
    static void prefix##_mixed(void *s, size_t n) {                                                \
        (void)s;                                                                                   \
        enum { LIVE = MIXED_LIVE };                                                                \
        static void *live[LIVE];                                                                   \
        static size_t live_size[LIVE];                                                             \
        static bool ready;                                                                         \
        static uint64_t x;                                                                         \
        if (n == 0) {                                                                              \
            for (size_t i = 0; ready && i < LIVE; i++) FREE(s, live[i], live_size[i]);             \
            ready = false;                                                                         \
            return;                                                                                \
        }                                                                                          \
        if (!ready) {                                                                              \
            x = 0x2545F4914F6CDD1Dull;                                                             \
            for (size_t i = 0; i < LIVE; i++) {                                                    \
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;                                           \
                live_size[i] = 8 + (size_t)(x % 8185);                                             \
                live[i] = ALLOC(s, live_size[i]);                                                  \
            }                                                                                      \
            ready = true;                                                                          \
        }                                                                                          \
        for (size_t i = 0; i < n; i++) {                                                           \
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;                                               \
            size_t slot = (size_t)(x >> 40) % LIVE;                                                \
            FREE(s, live[slot], live_size[slot]);                                                  \
            live_size[slot] = 8 + (size_t)(x % 8185);                                              \
            live[slot] = ALLOC(s, live_size[slot]);                                                \
            ESCAPE(live[slot]);                                                                    \
        }                                                                                          \
    }

#define SMA_ALLOC(s, size) gomem_alloc((gomem_allocator *)(s), (size))
#define SMA_FREE(s, p, size) gomem_free((gomem_allocator *)(s), (p), (size))
#define LIBC_ALLOC(s, size) malloc(size)
#define LIBC_FREE(s, p, size) free(p)
POINTER_PATTERNS(sma, SMA_ALLOC, SMA_FREE)
POINTER_PATTERNS(libc, LIBC_ALLOC, LIBC_FREE)

/* ---- bump allocator: the floor ---- */

/* Hands out the next 8-aligned bytes of one region and starts over at its beginning when a
 * request does not fit; free does nothing. No allocator that can free is cheaper, so its figure is
 * the cost of the call, the loop and the pointer bookkeeping. The region is never touched, and it
 * is static: taken from malloc it would change the heap the libc contender then works in (a 64 MiB
 * block in wasi-libc's dlmalloc made its MixedRandom 5x slower). */
typedef struct bump {
    unsigned char *base;
    size_t top, capacity;
} bump;
enum { BUMP_REGION = 16 << 20 };
static unsigned char bump_region[BUMP_REGION];

static inline void *bump_alloc(bump *b, size_t size) {
    size_t at = b->top;
    if (size > b->capacity - at) at = 0;
    b->top = (at + size + 7) & ~(size_t)7;
    return b->base + at;
}
#define BUMP_ALLOC(s, size) bump_alloc((bump *)(s), (size))
#define BUMP_FREE(s, p, size) ((void)(s), (void)(p), (void)(size))
POINTER_PATTERNS(bump, BUMP_ALLOC, BUMP_FREE)

/* ---- arena creation ---- */

/* Create and destroy an arena (GoMem's measure: lazy reservation makes it size-independent);
 * with `touch`, also write its first byte, which on Linux with transparent huge pages makes the
 * kernel zero a whole 2 MiB page for arenas of at least that size. */
static void arena_create(size_t size, bool touch, size_t n) {
    for (size_t i = 0; i < n; i++) {
        gomem_arena *arena = gomem_arena_create(size);
        unsigned char *p = gomem_arena_alloc(arena, 64);
        if (touch) p[0] = 1;
        ESCAPE(p);
        gomem_arena_destroy(arena);
    }
}
static void arena_1m(void *s, size_t n) { (void)s, arena_create((size_t)1 << 20, false, n); }
static void arena_16m(void *s, size_t n) { (void)s, arena_create((size_t)16 << 20, false, n); }
static void arena_1m_touch(void *s, size_t n) { (void)s, arena_create((size_t)1 << 20, true, n); }
static void arena_16m_touch(void *s, size_t n) { (void)s, arena_create((size_t)16 << 20, true, n); }

/* ---- harness ---- */

static void ratio_line(const char *what, bench_result ours, bench_result theirs) {
    printf("  %-57s ratio %.2fx\n", what, ours.median / theirs.median);
}

typedef struct pattern {
    const char *name;
    size_t index_size; /* the range of the index index_fn runs on */
    bench_fn index_fn, sma_fn, libc_fn, bump_fn;
} pattern;

int main(int argc, char **argv) {
    bench_parse_args(argc, argv,
                     "[--quick] [--json FILE] [--build LABEL] [--only index,scalable,libc,bump,"
                     "arena] [--malloc-name NAME] [--variant TEXT] [--runs N]",
                     NULL);
    bench_json_open();
    const gomem_page_info *pages = gomem_page_source();
    printf("gomem bench_alloc: page source %s, features 0x%x, %s index, build %s, %d runs, median "
           "ns/op (min..max), %s\n",
           pages->name, gomem_features(), bench_index_kind(), bench_opt.build, bench_opt.runs,
           BENCH_CLOCK_NAME);

    static const pattern patterns[] = {
        {"Allocate", POOL, index_allocate, sma_allocate, libc_allocate, bump_allocate},
        {"AllocateSmall", POOL, index_small, sma_small, libc_small, bump_small},
        {"AllocateLarge", POOL, index_large, sma_large, libc_large, bump_large},
        {"SequentialAlloc", POOL, index_sequential, sma_sequential, libc_sequential,
         bump_sequential},
        {"RandomAlloc", POOL, index_random, sma_random, libc_random, bump_random},
        {"MixedRandom", MIXED_POOL, index_mixed, sma_mixed, libc_mixed, bump_mixed},
    };
    const char *index_name = bench_gomem_name("gomem index");
    const char *sma_name = bench_gomem_name("gomem scalable");
    const char *libc_name = bench_opt.malloc_name;
    bump bump_state = {bump_region, 0, BUMP_REGION};
    bool any_pattern = bench_enabled("index") || bench_enabled("scalable") ||
                       bench_enabled("libc") || bench_enabled("bump");
    if (any_pattern)
        printf("\nAllocator patterns (index: 64 KiB range, MixedRandom 64 MiB; scalable: default "
               "options)\n");
    for (size_t p = 0; any_pattern && p < sizeof patterns / sizeof patterns[0]; p++) {
        const pattern *pt = &patterns[p];
        bench_result index_result = {0, 0, 0, 0, 0}, sma_result = index_result,
                     libc_result = index_result;
        if (bench_enabled("index")) {
            gomem_index *index = gomem_index_create(pt->index_size);
            if (!index) abort();
            index_result = bench_measure(pt->index_fn, index);
            pt->index_fn(index, 0); /* MixedRandom: free its live set */
            bench_report("allocator", pt->name, index_name, index_result);
            gomem_index_destroy(index);
        }
        if (bench_enabled("scalable")) {
            gomem_allocator *allocator = gomem_allocator_create(0);
            sma_result = bench_measure(pt->sma_fn, allocator);
            pt->sma_fn(allocator, 0); /* MixedRandom: free its live set */
            bench_report("allocator", pt->name, sma_name, sma_result);
            gomem_allocator_destroy(allocator);
        }
        if (bench_enabled("libc")) {
            libc_result = bench_measure(pt->libc_fn, NULL);
            pt->libc_fn(NULL, 0);
            bench_report("allocator", pt->name, libc_name, libc_result);
        }
        if (bench_enabled("bump")) {
            bump_state.top = 0;
            bench_result bump_result = bench_measure(pt->bump_fn, &bump_state);
            pt->bump_fn(&bump_state, 0);
            bench_report("allocator", pt->name, "bump", bump_result);
        }
        if (index_result.runs && libc_result.runs)
            ratio_line("index / malloc", index_result, libc_result);
        if (sma_result.runs && libc_result.runs)
            ratio_line("scalable / malloc", sma_result, libc_result);
    }

    if (bench_enabled("index")) {
        gomem_index *index = gomem_index_create(POOL);
        bench_report("allocator", "GetFreeSize", index_name, bench_measure(index_free_size, index));
        gomem_index_destroy(index);
    }

    if (bench_enabled("arena")) {
        char arena_name[64];
        snprintf(arena_name, sizeof arena_name, "gomem arena (%s pages)", pages->name);
        printf("\nArena creation (%s pages)\n", pages->name);
        bench_result small = bench_measure(arena_1m, NULL), large = bench_measure(arena_16m, NULL);
        bench_report("arena", "Create1MiB", arena_name, small);
        bench_report("arena", "Create16MiB", arena_name, large);
        ratio_line("16 MiB / 1 MiB", large, small);
        bench_result small_touch = bench_measure(arena_1m_touch, NULL),
                     large_touch = bench_measure(arena_16m_touch, NULL);
        bench_report("arena", "Create1MiB+touch", arena_name, small_touch);
        bench_report("arena", "Create16MiB+touch", arena_name, large_touch);
        ratio_line("16 MiB / 1 MiB, first byte touched", large_touch, small_touch);
    }

    bench_json_close();
    return 0;
}
