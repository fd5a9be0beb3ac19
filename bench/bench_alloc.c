/*
 * bench_alloc.c - the seed's allocator benchmarks, side by side with the C library's malloc/free
 * in the same run: median ns/op over several runs (after a warm-up), min..max, and the ratio.
 * Prints figures only; nothing here asserts a time.
 *
 *   Index level (the seed's Allocator, 64 KiB range): Allocate (1 KiB alloc+free), AllocateSmall
 *   (64 B), AllocateLarge (8 KiB), SequentialAlloc (50 x 1 KiB, then free all), RandomAlloc
 *   (sizes rotating 64..4096), GetFreeSize.
 *   Scalable allocator: the same patterns through gomem_malloc/gomem_free, plus a mixed random
 *   pattern (8 B..8 KiB, 4096 live).
 *   Arena creation: 1 MiB vs 16 MiB (create + destroy; and with the first byte touched).
 *
 * Usage: bench_alloc [--quick] [--json FILE]
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "gomem.h"

/* Keep the optimiser from deleting allocations whose result is otherwise unused (gcc removes a
 * malloc/free pair outright), without adding a memory access to the measured loop. */
#if defined(__GNUC__) || defined(__clang__)
#define ESCAPE(p) __asm__ volatile("" : : "r"(p) : "memory")
#else
static void *volatile escape_sink;
#define ESCAPE(p) (escape_sink = (p))
#endif

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

enum { POOL = 64 * 1024, SEQUENTIAL = 50 };
static const size_t rotating_sizes[] = {64, 128, 256, 512, 1024, 2048, 4096};
#define ROTATING_COUNT (sizeof rotating_sizes / sizeof rotating_sizes[0])

/* One contender's implementation of one pattern: runs `iterations` operations. */
typedef void (*bench_fn)(void *state, size_t iterations);

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
    static void prefix##_mixed(void *s, size_t n) {                                                \
        (void)s;                                                                                   \
        enum { LIVE = 4096 };                                                                      \
        static void *live[LIVE];                                                                   \
        static size_t live_size[LIVE];                                                             \
        uint64_t x = 0x2545F4914F6CDD1Dull;                                                        \
        for (size_t i = 0; i < LIVE; i++) {                                                        \
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;                                               \
            live_size[i] = 8 + (size_t)(x % 8185);                                                 \
            live[i] = ALLOC(s, live_size[i]);                                                      \
        }                                                                                          \
        for (size_t i = 0; i < n; i++) {                                                           \
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;                                               \
            size_t slot = (size_t)(x >> 40) % LIVE;                                                \
            FREE(s, live[slot], live_size[slot]);                                                  \
            live_size[slot] = 8 + (size_t)(x % 8185);                                              \
            live[slot] = ALLOC(s, live_size[slot]);                                                \
            ESCAPE(live[slot]);                                                                    \
        }                                                                                          \
        for (size_t i = 0; i < LIVE; i++) FREE(s, live[i], live_size[i]);                          \
    }

#define SMA_ALLOC(s, size) gomem_malloc((gomem_allocator *)(s), (size))
#define SMA_FREE(s, p, size) gomem_free((gomem_allocator *)(s), (p), (size))
#define LIBC_ALLOC(s, size) malloc(size)
#define LIBC_FREE(s, p, size) free(p)
POINTER_PATTERNS(sma, SMA_ALLOC, SMA_FREE)
POINTER_PATTERNS(libc, LIBC_ALLOC, LIBC_FREE)

/* ---- arena creation ---- */

/* Create and destroy an arena (the seed's measure: lazy reservation makes it size-independent);
 * with `touch`, also write its first byte, which on Linux with transparent huge pages makes the
 * kernel zero a whole 2 MiB page for arenas of at least that size. */
static void arena_create(size_t size, bool touch, size_t n) {
    for (size_t i = 0; i < n; i++) {
        gomem_arena *arena = gomem_arena_create(size);
        unsigned char *p = gomem_arena_malloc(arena, 64);
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

typedef struct result {
    double median, min, max;
} result;

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int runs = 9;
static double target_run_ns = 40e6; /* each measured run lasts about this long */

static result measure(bench_fn fn, void *state) {
    /* Calibrate the iteration count on a warm-up run, so every run lasts long enough. */
    size_t iterations = 1000;
    for (;;) {
        double start = now_ns();
        fn(state, iterations);
        double elapsed = now_ns() - start;
        /* The cap is 2^32 iterations where size_t has 64 bits; with a 32-bit size_t (wasm32)
         * the count stops growing before it could overflow. */
        if (elapsed > target_run_ns / 4 || (uint64_t)iterations > ((uint64_t)1 << 32) ||
            iterations > SIZE_MAX / 8) {
            double wanted = (double)iterations * target_run_ns / (elapsed > 1 ? elapsed : 1) + 1;
            iterations = wanted < (double)(SIZE_MAX / 2) ? (size_t)wanted : SIZE_MAX / 2;
            break;
        }
        iterations *= 4;
    }
    double samples[32];
    for (int r = 0; r < runs; r++) {
        double start = now_ns();
        fn(state, iterations);
        samples[r] = (now_ns() - start) / (double)iterations;
    }
    qsort(samples, (size_t)runs, sizeof samples[0], compare_double);
    return (result){samples[runs / 2], samples[0], samples[runs - 1]};
}

static FILE *json;
static int json_records;

static void report(const char *group, const char *name, const char *contender, result r) {
    printf("  %-16s %-22s %10.2f ns/op  (%.2f..%.2f)\n", name, contender, r.median, r.min, r.max);
    if (json) {
        fprintf(json,
                "%s\n  {\"group\": \"%s\", \"workload\": \"%s\", \"contender\": \"%s\", "
                "\"median_ns\": %.3f, \"min_ns\": %.3f, \"max_ns\": %.3f, \"runs\": %d}",
                json_records++ ? "," : "", group, name, contender, r.median, r.min, r.max, runs);
    }
}

static void ratio_line(const char *what, result ours, result theirs) {
    printf("  %-39s ratio %.2fx\n", what, ours.median / theirs.median);
}

typedef struct pattern {
    const char *name;
    bench_fn index_fn, sma_fn, libc_fn;
} pattern;

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            runs = 5;
            target_run_ns = 8e6;
        } else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            json = fopen(argv[++i], "w");
            if (json) fputs("[", json);
        }
    }
    const gomem_page_info *pages = gomem_page_source();
    printf("gomem bench_alloc: page source %s, features 0x%x, %d runs, median ns/op (min..max)\n",
           pages->name, gomem_features(), runs);

    static const pattern patterns[] = {
        {"Allocate", index_allocate, sma_allocate, libc_allocate},
        {"AllocateSmall", index_small, sma_small, libc_small},
        {"AllocateLarge", index_large, sma_large, libc_large},
        {"SequentialAlloc", index_sequential, sma_sequential, libc_sequential},
        {"RandomAlloc", index_random, sma_random, libc_random},
        {"MixedRandom", NULL, sma_mixed, libc_mixed},
    };
    printf("\nAllocator patterns (index: 64 KiB range; scalable: default options)\n");
    for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
        const pattern *pt = &patterns[p];
        result index_result = {0, 0, 0};
        if (pt->index_fn) {
            gomem_index *index = gomem_index_create(POOL);
            index_result = measure(pt->index_fn, index);
            report("allocator", pt->name, "gomem index", index_result);
            gomem_index_destroy(index);
        }
        gomem_allocator *allocator = gomem_allocator_create(0);
        result sma_result = measure(pt->sma_fn, allocator);
        report("allocator", pt->name, "gomem scalable", sma_result);
        gomem_allocator_destroy(allocator);
        result libc_result = measure(pt->libc_fn, NULL);
        report("allocator", pt->name, "libc malloc/free", libc_result);
        if (pt->index_fn) ratio_line("index / libc", index_result, libc_result);
        ratio_line("scalable / libc", sma_result, libc_result);
    }

    gomem_index *index = gomem_index_create(POOL);
    report("allocator", "GetFreeSize", "gomem index", measure(index_free_size, index));
    gomem_index_destroy(index);

    printf("\nArena creation (%s pages)\n", pages->name);
    result small = measure(arena_1m, NULL), large = measure(arena_16m, NULL);
    report("arena", "Create1MiB", "gomem arena", small);
    report("arena", "Create16MiB", "gomem arena", large);
    ratio_line("16 MiB / 1 MiB", large, small);
    result small_touch = measure(arena_1m_touch, NULL), large_touch = measure(arena_16m_touch, NULL);
    report("arena", "Create1MiB+touch", "gomem arena", small_touch);
    report("arena", "Create16MiB+touch", "gomem arena", large_touch);
    ratio_line("16 MiB / 1 MiB, first byte touched", large_touch, small_touch);

    if (json) {
        fputs("\n]\n", json);
        fclose(json);
    }
    return 0;
}
