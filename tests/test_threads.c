/*
 * test_threads.c - GOMEM_THREADS builds: several threads hammer one shared scalable allocator
 * (malloc, write a per-thread pattern, verify, segmented free, trim, stats, owns), and allocators
 * of their own that all carve arenas from one shared buddy (plus direct buddy calls). Workers
 * never touch the CHECK counters; they count problems in their own struct and the main thread
 * checks those after joining. Meant to run under ThreadSanitizer.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "check.h"

#define KIB ((size_t)1 << 10)
#define THREADS 4
#define SHARED_OPS 50000 /* per thread: 200k operations on the shared allocator in total */
#define BUDDY_OPS 12000
#define MAX_LIVE 64

typedef struct live_block {
    uint8_t *ptr;
    size_t len;
    uint8_t tag;
} live_block;

typedef struct worker {
    int id;
    uint64_t seed;
    gomem_allocator *shared;
    gomem_buddy *buddy; /* NULL in builds without GOMEM_BUDDY */
    /* results, read by the main thread after join */
    long operations;
    long null_mallocs;
    long bad_frees;
    long corrupt;
    long misaligned;
    long not_owned;
    long buddy_failures;
    bool own_allocator_clean;
} worker;

/* Byte i of a block with tag t holds t + 31 i (mod 256): period 256, so each tag's pattern is a
 * row of 512 bytes from which any 256-byte stretch can be copied or compared in one call (cheap
 * under ThreadSanitizer, which intercepts memcpy/memcmp). Filled before any thread starts. */
static uint8_t pattern_rows[256][512];

static void init_patterns(void) {
    for (size_t t = 0; t < 256; t++)
        for (size_t j = 0; j < 512; j++) pattern_rows[t][j] = (uint8_t)(t + j * 31u);
}

static void fill(uint8_t *p, size_t len, uint8_t tag) {
    for (size_t i = 0; i < len; i += 256) memcpy(p + i, pattern_rows[tag], len - i < 256 ? len - i : 256);
}

/* `len` bytes at p, which sit `base_offset` bytes into a block filled with `tag`. */
static bool intact(const uint8_t *p, size_t len, uint8_t tag, size_t base_offset) {
    for (size_t i = 0; i < len; i += 256) {
        size_t chunk = len - i < 256 ? len - i : 256;
        if (memcmp(p + i, &pattern_rows[tag][(base_offset + i) % 256], chunk) != 0) return false;
    }
    return true;
}

/* Free one live block: whole, or in two or three segments (middle first sometimes). */
static void release_block(worker *w, gomem_allocator *allocator, test_rng *rng, live_block *b) {
    if (!intact(b->ptr, b->len, b->tag, 0)) w->corrupt++;
    unsigned how = (unsigned)(test_rng_next(rng) % 3);
    if (b->len < 3 || how == 0) {
        if (gomem_free(allocator, b->ptr, b->len) != GOMEM_OK) w->bad_frees++;
        return;
    }
    size_t cut1 = test_rng_range(rng, 1, b->len - 2);
    size_t cut2 = test_rng_range(rng, cut1 + 1, b->len - 1);
    if (how == 1) {
        /* front, then the rest: a later piece must still hold its bytes */
        if (gomem_free(allocator, b->ptr, cut1) != GOMEM_OK) w->bad_frees++;
        if (!intact(b->ptr + cut1, b->len - cut1, b->tag, cut1)) w->corrupt++;
        if (gomem_free(allocator, b->ptr + cut1, b->len - cut1) != GOMEM_OK) w->bad_frees++;
    } else {
        /* middle, then front, then back */
        if (gomem_free(allocator, b->ptr + cut1, cut2 - cut1) != GOMEM_OK) w->bad_frees++;
        if (!intact(b->ptr, cut1, b->tag, 0)) w->corrupt++;
        if (!intact(b->ptr + cut2, b->len - cut2, b->tag, cut2)) w->corrupt++;
        if (gomem_free(allocator, b->ptr, cut1) != GOMEM_OK) w->bad_frees++;
        if (gomem_free(allocator, b->ptr + cut2, b->len - cut2) != GOMEM_OK) w->bad_frees++;
    }
}

/* One round of random work on `allocator` with this thread's live set. */
static void churn(worker *w, gomem_allocator *allocator, test_rng *rng, long ops, size_t max_small,
                  size_t big) {
    live_block live[MAX_LIVE];
    size_t count = 0;
    for (long op = 0; op < ops; op++) {
        uint64_t roll = test_rng_next(rng) % 1000;
        if (count == 0 || (roll < 500 && count < MAX_LIVE)) {
            size_t len = roll < 2 ? big + test_rng_range(rng, 1, big)
                                  : test_rng_range(rng, 1, max_small);
            uint8_t *p = gomem_alloc(allocator, len);
            if (p == NULL) {
                w->null_mallocs++;
                continue;
            }
            if ((uintptr_t)p % GOMEM_DEFAULT_ALIGNMENT != 0) w->misaligned++;
            uint8_t tag = (uint8_t)(test_rng_next(rng) ^ (uint64_t)w->id);
            fill(p, len, tag);
            live[count++] = (live_block){p, len, tag};
        } else if (roll < 990) {
            size_t pick = test_rng_range(rng, 0, count - 1);
            if (roll % 16 == 0 && !gomem_allocator_owns(allocator, live[pick].ptr, live[pick].len))
                w->not_owned++;
            release_block(w, allocator, rng, &live[pick]);
            live[pick] = live[--count];
        } else if (roll < 993) {
            (void)gomem_trim(allocator);
        } else {
            gomem_stats stats;
            gomem_allocator_stats(allocator, &stats);
            if (stats.live > stats.footprint) w->bad_frees++;
        }
        w->operations++;
    }
    while (count > 0) {
        release_block(w, allocator, rng, &live[count - 1]);
        count--;
    }
}

static void *shared_worker(void *arg) {
    worker *w = arg;
    test_rng rng = test_rng_seed(w->seed);
    churn(w, w->shared, &rng, SHARED_OPS, 4096, 1024 * KIB);
    return NULL;
}

/* Own allocator on the shared buddy, with small arenas and frequent trims so that arenas are
 * carved from and given back to the buddy all the time; plus direct buddy regions. */
static void *buddy_worker(void *arg) {
    worker *w = arg;
    test_rng rng = test_rng_seed(w->seed ^ 0xB0DDu);
    gomem_allocator_options options = {
        .initial_size = 16 * KIB, .max_block_size = 64 * KIB, .buddy = w->buddy};
    gomem_allocator *own = gomem_allocator_create_ex(&options, NULL);
    if (own == NULL) {
        w->buddy_failures++;
        return NULL;
    }
    typedef struct region {
        uint8_t *ptr;
        size_t size;
        uint8_t tag;
    } region;
    region regions[16];
    size_t region_count = 0;
    for (int round = 0; round < BUDDY_OPS / 400; round++) {
        churn(w, own, &rng, 400, 16 * KIB, 64 * KIB);
        (void)gomem_trim(own);
        /* A few direct regions, kept across rounds. */
        if (region_count < 16 && test_rng_next(&rng) % 2 == 0) {
            size_t size = test_rng_range(&rng, 1, 128 * KIB);
            uint8_t *p = gomem_buddy_alloc(w->buddy, size);
            if (p == NULL) {
                w->buddy_failures++;
            } else {
                uint8_t tag = (uint8_t)test_rng_next(&rng);
                fill(p, size, tag);
                regions[region_count++] = (region){p, size, tag};
            }
        } else if (region_count > 0) {
            region *r = &regions[--region_count];
            if (!intact(r->ptr, r->size, r->tag, 0)) w->corrupt++;
            if (gomem_buddy_free(w->buddy, r->ptr) != GOMEM_OK) w->buddy_failures++;
        }
    }
    while (region_count > 0) {
        region *r = &regions[--region_count];
        if (!intact(r->ptr, r->size, r->tag, 0)) w->corrupt++;
        if (gomem_buddy_free(w->buddy, r->ptr) != GOMEM_OK) w->buddy_failures++;
    }
    gomem_stats stats;
    gomem_allocator_stats(own, &stats);
    w->own_allocator_clean = stats.live == 0 && gomem_allocator_invariants_hold(own);
    gomem_allocator_destroy(own);
    return NULL;
}

static void check_worker(const worker *w) {
    CHECK_EQ(w->null_mallocs, 0);
    CHECK_EQ(w->bad_frees, 0);
    CHECK_EQ(w->corrupt, 0);
    CHECK_EQ(w->misaligned, 0);
    CHECK_EQ(w->not_owned, 0);
}

static void test_shared_allocator(void) {
    uint64_t seed = test_seed(0x7437EAD5);
    gomem_allocator_options options = {.initial_size = 64 * KIB, .max_block_size = 1024 * KIB};
    gomem_allocator *shared = gomem_allocator_create_ex(&options, NULL);
    CHECK(shared != NULL);
    if (shared == NULL) return;
    worker workers[THREADS];
    pthread_t threads[THREADS];
    int started = 0;
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker){.id = i, .seed = seed + (uint64_t)(unsigned)i * (uint64_t)0x9E3779B97F4A7C15u,
                              .shared = shared};
        if (pthread_create(&threads[i], NULL, shared_worker, &workers[i]) == 0) started++;
        else break;
    }
    CHECK_EQ(started, THREADS);
    for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
    long operations = 0;
    for (int i = 0; i < started; i++) {
        check_worker(&workers[i]);
        operations += workers[i].operations;
    }
    CHECK(operations >= (long)started * SHARED_OPS);
    gomem_stats stats;
    gomem_allocator_stats(shared, &stats);
    CHECK_EQ(stats.live, 0);
    CHECK_EQ(stats.total_malloc, stats.total_free);
    CHECK(stats.total_malloc > 0);
    CHECK(gomem_allocator_invariants_hold(shared));
    /* No dedicated region outlived its allocation. */
    CHECK(stats.footprint <= stats.peak_footprint);
    (void)gomem_trim(shared);
    gomem_allocator_stats(shared, &stats);
    CHECK_EQ(stats.arena_count, 0);
    CHECK_EQ(stats.footprint, 0);
    gomem_allocator_destroy(shared);
}

static void test_shared_buddy(void) {
    if (!(gomem_features() & GOMEM_FEATURE_BUDDY)) return;
    uint64_t seed = test_seed(0xB0DD1E5);
    gomem_buddy *buddy = gomem_buddy_create(1024 * KIB);
    CHECK(buddy != NULL);
    if (buddy == NULL) return;
    worker workers[THREADS];
    pthread_t threads[THREADS];
    int started = 0;
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker){.id = i, .seed = seed + (uint64_t)(unsigned)i * 7919u, .buddy = buddy};
        if (pthread_create(&threads[i], NULL, buddy_worker, &workers[i]) == 0) started++;
        else break;
    }
    CHECK_EQ(started, THREADS);
    for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < started; i++) {
        check_worker(&workers[i]);
        CHECK_EQ(workers[i].buddy_failures, 0);
        CHECK(workers[i].own_allocator_clean);
        CHECK(workers[i].operations > 0);
    }
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 0);
    CHECK(gomem_buddy_invariants_hold(buddy));
    CHECK(gomem_buddy_pool_bytes(buddy) <= 1024 * KIB); /* emptied pools were unmapped */
    gomem_buddy_destroy(buddy);
}

/* Allocators created and destroyed concurrently (process-wide page counters, default buddy). */
static void *lifecycle_worker(void *arg) {
    worker *w = arg;
    test_rng rng = test_rng_seed(w->seed);
    for (int i = 0; i < 200; i++) {
        gomem_allocator *allocator = gomem_allocator_create(0);
        if (allocator == NULL) {
            w->null_mallocs++;
            continue;
        }
        churn(w, allocator, &rng, 50, 2048, 32 * KIB);
        gomem_allocator_destroy(allocator);
    }
    return NULL;
}

static void test_concurrent_lifecycles(void) {
    uint64_t seed = test_seed(0x11FEC7C1E);
    size_t held = gomem_page_bytes_held();
    worker workers[THREADS];
    pthread_t threads[THREADS];
    int started = 0;
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker){.id = i, .seed = seed + (uint64_t)(unsigned)i};
        if (pthread_create(&threads[i], NULL, lifecycle_worker, &workers[i]) == 0) started++;
        else break;
    }
    CHECK_EQ(started, THREADS);
    for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < started; i++) check_worker(&workers[i]);
    /* Everything given back (the default buddy, created once, may keep one pool). */
    if (!(gomem_features() & GOMEM_FEATURE_BUDDY)) CHECK_EQ(gomem_page_bytes_held(), held);
}

int main(void) {
    if (!(gomem_features() & GOMEM_FEATURE_THREADS)) {
        printf("test_threads: built without GOMEM_THREADS, nothing to test\n");
        return check_report("test_threads");
    }
    init_patterns();
    RUN(test_shared_allocator);
    RUN(test_shared_buddy);
    RUN(test_concurrent_lifecycles);
    return check_report("test_threads");
}
