/*
 * bench_malloc.c - an allocation-heavy mix through the standard malloc API only, so the same
 * source measures whichever malloc it is linked with (scripts/bench-malloc.sh builds it with
 * glibc, gomem_malloc, wasi-libc's dlmalloc, Emscripten's dlmalloc and emmalloc).
 *
 * The mix: SLOTS slots; each step picks a slot at random and, if it is empty, mallocs (or
 * callocs) a block of 8 B..64 KiB (log-uniform: as many 8..16 B blocks as 32..64 KiB ones), else
 * frees it or reallocs it to between half and twice its size. Every block's first and last
 * byte are written and checked, so a broken malloc cannot go unnoticed and every block is
 * touched. The same seed gives every contender the same sequence.
 *
 * Prints one line of key=value pairs: ns per operation (median of RUNS runs of STEPS steps, each
 * run on the same heap after freeing everything), peak requested bytes, and the memory the
 * program holds at the end: wasm memory size in wasm builds (it never shrinks, so it is the
 * peak), peak resident set natively. Usage: bench_malloc [--quick].
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__wasm__)
#define WASM_BUILD 1
#else
#define WASM_BUILD 0
#include <sys/resource.h>
#endif

enum { SLOTS = 4096 };

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Log-uniform in [8, 65536]: a power of two 2^3..2^15, then uniform within it. */
static size_t random_size(void) {
    unsigned shift = 3 + (unsigned)(next_random() % 13);
    size_t low = (size_t)1 << shift;
    return low + (size_t)(next_random() % low);
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static unsigned char *blocks[SLOTS];
static size_t sizes[SLOTS];
static size_t live, peak_live;
static unsigned long errors;

static void mark(unsigned char *p, size_t n, size_t slot) {
    p[0] = (unsigned char)slot;
    p[n - 1] = (unsigned char)(slot ^ 0x5a);
}

static void check(const unsigned char *p, size_t n, size_t slot) {
    if (p[0] != (unsigned char)slot || p[n - 1] != (unsigned char)(slot ^ 0x5a)) errors++;
}

static void step(void) {
    size_t slot = (size_t)(next_random() % SLOTS);
    unsigned char *p = blocks[slot];
    size_t op = (size_t)(next_random() % 8);
    if (p == NULL) {
        size_t n = random_size();
        p = op == 0 ? calloc(1, n) : malloc(n);
        if (p == NULL) {
            errors++;
            return;
        }
        mark(p, n, slot);
        blocks[slot] = p;
        sizes[slot] = n;
        live += n;
    } else if (op < 3) {
        size_t old = sizes[slot];
        check(p, old, slot);
        size_t n = old / 2 + (size_t)(next_random() % (old * 2 - old / 2 + 1));
        if (n < 8) n = 8;
        if (n > 65536) n = 65536;
        unsigned char *q = realloc(p, n);
        if (q == NULL) {
            errors++;
            return;
        }
        if (q[0] != (unsigned char)slot) errors++;
        mark(q, n, slot);
        blocks[slot] = q;
        sizes[slot] = n;
        live = live - old + n;
    } else {
        check(p, sizes[slot], slot);
        free(p);
        blocks[slot] = NULL;
        live -= sizes[slot];
    }
    if (live > peak_live) peak_live = live;
}

static void free_all(void) {
    for (size_t slot = 0; slot < SLOTS; slot++) {
        free(blocks[slot]);
        blocks[slot] = NULL;
    }
    live = 0;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static size_t memory_held(void) {
#if WASM_BUILD
    return (size_t)__builtin_wasm_memory_size(0) * 65536u;
#else
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (size_t)usage.ru_maxrss * 1024u;
#endif
}

int main(int argc, char **argv) {
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    int runs = quick ? 3 : 7;
    long steps = quick ? 300000 : 2000000;
    size_t before = memory_held();
    double samples[7];
    for (int warm = 0; warm < 1; warm++) { /* warm-up: the heap reaches its working size */
        for (long i = 0; i < steps / 4; i++) step();
        free_all();
    }
    for (int r = 0; r < runs; r++) {
        rng_state = 0x9E3779B97F4A7C15ull + (uint64_t)r;
        double start = now_ns();
        for (long i = 0; i < steps; i++) step();
        free_all();
        samples[r] = (now_ns() - start) / (double)(steps + SLOTS);
    }
    qsort(samples, (size_t)runs, sizeof samples[0], compare_double);
    printf("ns_per_op=%.2f min=%.2f max=%.2f runs=%d steps=%ld peak_requested=%zu "
           "memory_before=%zu memory_peak=%zu errors=%lu\n",
           samples[runs / 2], samples[0], samples[runs - 1], runs, steps, peak_live, before,
           memory_held(), errors);
    return errors == 0 ? 0 : 1;
}
