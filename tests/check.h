/*
 * check.h - the test suite's tiny harness: CHECK macros that count and report failures, a seeded
 * PRNG, and a main() helper. Each test program is one executable run by ctest; it exits non-zero
 * when any CHECK failed. Plain C11 + stdio so the same tests run natively, under WASI and under
 * Emscripten.
 */
#ifndef GOMEM_TEST_CHECK_H
#define GOMEM_TEST_CHECK_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gomem.h"

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!(cond)) {                                                                             \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

/* Compare two integers and print both on failure. */
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        check_count++;                                                                             \
        uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);                              \
        if (check_a_ != check_b_) {                                                                \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%" PRIu64 " != %" PRIu64 ")\n",     \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);                               \
        }                                                                                          \
    } while (0)

/* Compare two statuses and print both names on failure. */
#define CHECK_STATUS(expr, expected)                                                               \
    do {                                                                                           \
        check_count++;                                                                             \
        gomem_status check_s_ = (expr);                                                            \
        if (check_s_ != (expected)) {                                                              \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s\n", __FILE__, __LINE__, #expr,     \
                    gomem_status_name(check_s_), gomem_status_name(expected));                     \
        }                                                                                          \
    } while (0)

/* Run one test function and say which one failed. */
#define RUN(test_fn)                                                                               \
    do {                                                                                           \
        int check_before_ = check_failures;                                                        \
        test_fn();                                                                                 \
        if (check_failures != check_before_) fprintf(stderr, "FAILED: %s\n", #test_fn);            \
    } while (0)

/* Print the summary line and turn the failure count into an exit status. */
static inline int check_report(const char *suite) {
    printf("%s: %d checks, %d failed\n", suite, check_count, check_failures);
    return check_failures == 0 ? 0 : 1;
}

/* xorshift64*: deterministic across platforms, so a failing seed reproduces everywhere. */
typedef struct test_rng {
    uint64_t state;
} test_rng;

static inline test_rng test_rng_seed(uint64_t seed) {
    test_rng rng = {seed ? seed : 0x9E3779B97F4A7C15ull};
    return rng;
}

static inline uint64_t test_rng_next(test_rng *rng) {
    uint64_t x = rng->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng->state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [lo, hi] (inclusive). */
static inline size_t test_rng_range(test_rng *rng, size_t lo, size_t hi) {
    return lo + (size_t)(test_rng_next(rng) % (uint64_t)(hi - lo + 1));
}

/* Seed from the environment (GOMEM_TEST_SEED) or the given default, printed so failures replay. */
static inline uint64_t test_seed(uint64_t fallback) {
    const char *env = getenv("GOMEM_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : fallback;
    printf("seed: %" PRIu64 " (set GOMEM_TEST_SEED to replay)\n", seed);
    return seed;
}

/* The free blocks of an index, as its walk reports them (the first 64; count is exact). */
typedef struct block_list {
    gomem_block blocks[64];
    size_t count;
} block_list;

static inline bool block_list_add(void *context, gomem_block block) {
    block_list *list = context;
    if (list->count < 64) list->blocks[list->count] = block;
    list->count++;
    return true;
}

static inline block_list walk_blocks(const gomem_index *index) {
    block_list list = {.count = 0};
    gomem_index_walk(index, block_list_add, &list);
    return list;
}

#endif /* GOMEM_TEST_CHECK_H */
