/*
 * test_wasm_pages.c - the memory.grow page source (platform/page_wasm.c) seen from inside a wasm32
 * instance: memory.size is read with __builtin_wasm_memory_size(0) before and after each step.
 * Built twice (tests/wasm/CMakeLists.txt):
 *   test_wasm_pages (GOMEM_TEST_WASM_OOM=0): growth comes in large steps and keeps every byte
 *     written before it; released regions are merged and reused before memory grows again; the
 *     C library's heap never overlaps the page source's regions.
 *   test_wasm_oom (GOMEM_TEST_WASM_OOM=1), linked with a 32 MiB maximum: running out is NULL,
 *     never a trap; memory can be used up to its last page; everything works again after frees.
 * Tests drive the page source directly (platform.h) as well as through the scalable allocator.
 */
#include "check.h"
#include "platform.h"

#if !defined(__wasm__)
#error "test_wasm_pages.c runs inside a wasm32 instance only"
#endif

#ifndef GOMEM_TEST_WASM_OOM
#define GOMEM_TEST_WASM_OOM 0
#endif
#ifndef GOMEM_BUDDY
#define GOMEM_BUDDY 0
#endif

#define KIB ((size_t)1024)
#define MIB ((size_t)1024 * 1024)
#define WASM_PAGE ((size_t)65536)
/* Must match -Wl,--max-memory of test_wasm_oom in tests/wasm/CMakeLists.txt. */
#define OOM_MAX_MEMORY (32 * MIB)

static size_t memory_pages(void) { return __builtin_wasm_memory_size(0); }

/* A byte pattern that differs per buffer and per position, so a buffer moved, overlapped or
 * zeroed by a grow shows up. */
static uint8_t pattern_byte(uint32_t tag, size_t i) {
    return (uint8_t)((tag * 0x9Eu) ^ (uint32_t)(i * 131u + (i >> 9)));
}

static void fill(uint8_t *p, size_t len, uint32_t tag) {
    for (size_t i = 0; i < len; i++) p[i] = pattern_byte(tag, i);
}

/* Number of bytes of [p, p + len) that do not hold their pattern. */
static size_t damaged(const uint8_t *p, size_t len, uint32_t tag) {
    size_t bad = 0;
    for (size_t i = 0; i < len; i++) bad += p[i] != pattern_byte(tag, i);
    return bad;
}

/* Like damaged(), but only the first and last 64 bytes: cheap enough after every grow. */
static size_t damaged_ends(const uint8_t *p, size_t len, uint32_t tag) {
    size_t bad = 0, edge = len < 64 ? len : 64;
    for (size_t i = 0; i < edge; i++) bad += p[i] != pattern_byte(tag, i);
    for (size_t i = len - edge; i < len; i++) bad += p[i] != pattern_byte(tag, i);
    return bad;
}

/* Live buffers of the current test. */
typedef struct live_buf {
    uint8_t *p;
    size_t len;
    uint32_t tag;
} live_buf;

#define MAX_LIVE 2048
static live_buf live[MAX_LIVE];
static size_t live_count;

static void live_add(uint8_t *p, size_t len) {
    uint32_t tag = (uint32_t)live_count + 1;
    fill(p, len, tag);
    live[live_count++] = (live_buf){p, len, tag};
}

static size_t live_damaged(bool full) {
    size_t bad = 0;
    for (size_t i = 0; i < live_count; i++)
        bad += full ? damaged(live[i].p, live[i].len, live[i].tag)
                    : damaged_ends(live[i].p, live[i].len, live[i].tag);
    return bad;
}

static void live_free_all(gomem_allocator *a) {
    for (size_t i = 0; i < live_count; i++)
        CHECK_STATUS(gomem_free(a, live[i].p, live[i].len), GOMEM_OK);
    live_count = 0;
}

static void test_page_info(void) {
    const gomem_page_info *info = gomem_page_source();
    CHECK(strcmp(info->name, "wasm") == 0);
    CHECK_EQ(info->page_size, 4096);
    CHECK(!info->returns_to_os);
    CHECK(!info->lazy_commit);
    CHECK(!info->huge_pages);
}

/* Sizes the contract excludes are refused, never rounded or trapped on. */
static void test_bad_sizes(void) {
    size_t before = memory_pages();
    CHECK(gomem_platform_map(0) == NULL);
    CHECK(gomem_platform_map(100) == NULL);
    CHECK(gomem_platform_map(4096 + 1) == NULL);
    /* More than wasm32 can ever address: refused without growing. */
    CHECK(gomem_platform_map(SIZE_MAX - 4095) == NULL);
    CHECK(gomem_platform_map(GOMEM_ARENA_LIMIT) == NULL);
    CHECK_EQ(memory_pages(), before);
}

#if !GOMEM_TEST_WASM_OOM

/* Everything was given back to the page source - except in GOMEM_BUDDY builds, where the default
 * buddy pool is process-wide and keeps its pools for the next allocator. */
#define CHECK_HELD_AGAIN(held)                                                                     \
    do {                                                                                           \
        if (!GOMEM_BUDDY) CHECK_EQ(gomem_page_bytes_held(), (held));                               \
    } while (0)

/* memory.grow events as observed between calls (several grows inside one call count once, which
 * only makes the step check stricter). */
typedef struct grow_log {
    size_t last;          /* memory.size at the previous look, in wasm pages */
    size_t events;        /* times memory.size was seen to change */
    size_t pages;         /* wasm pages grown in all */
    size_t smallest_step; /* fewest pages grown in one event */
} grow_log;

static grow_log grow_log_start(void) {
    grow_log log = {memory_pages(), 0, 0, SIZE_MAX};
    return log;
}

/* true when memory grew since the last look. */
static bool grow_log_note(grow_log *log) {
    size_t now = memory_pages();
    if (now == log->last) return false;
    size_t step = now - log->last;
    log->events++;
    log->pages += step;
    if (step < log->smallest_step) log->smallest_step = step;
    log->last = now;
    return true;
}

static bool overlaps(const void *a, size_t a_len, const void *b, size_t b_len) {
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return x < y + b_len && y < x + a_len;
}

/* Runs first, before anything calls malloc: the page source grows memory before the C library's
 * allocator has set itself up, and the two must still never hand out the same bytes (wasi-libc
 * before 2023 claims everything up to the current end of memory on its first malloc). */
static void test_libc_heap_is_separate(void) {
    const size_t region_size = 1 * MIB;
    uint8_t *region = gomem_platform_map(region_size);
    CHECK(region != NULL);
    if (region == NULL) return;
    fill(region, region_size, 77);
    size_t sizes[] = {16, 200, 4 * KIB, 60 * KIB, 300 * KIB};
    uint8_t *blocks[5];
    for (size_t i = 0; i < 5; i++) {
        blocks[i] = malloc(sizes[i]);
        CHECK(blocks[i] != NULL);
        if (blocks[i] == NULL) continue;
        CHECK(!overlaps(blocks[i], sizes[i], region, region_size));
        memset(blocks[i], 0xEE, sizes[i]);
    }
    CHECK_EQ(damaged(region, region_size, 77), 0);
    for (size_t i = 0; i < 5; i++) free(blocks[i]);
    gomem_platform_unmap(region, region_size);
}

/* Regions are 4 KiB-granular pieces of the grown 64 KiB wasm pages: two hundred small regions
 * fit in one grow step, are 4 KiB-aligned, never overlap, and merge back into one block. */
static void test_small_regions(void) {
    enum { N = 200 };
    static uint8_t *regions[N];
    test_rng rng = test_rng_seed(test_seed(0x4A5E));
    grow_log log = grow_log_start();
    size_t misaligned = 0;
    for (size_t i = 0; i < N; i++) {
        regions[i] = gomem_platform_map(4096);
        CHECK(regions[i] != NULL);
        if (regions[i] == NULL) return;
        if ((uintptr_t)regions[i] % 4096 != 0) misaligned++;
        fill(regions[i], 4096, (uint32_t)i);
        grow_log_note(&log);
    }
    CHECK_EQ(misaligned, 0);
    /* 800 KiB in 4 KiB pieces: at most one 1 MiB step, not a wasm page per region. */
    CHECK(log.events <= 1);
    CHECK(log.pages <= 16);
    size_t overlapping = 0, bad = 0;
    for (size_t i = 0; i < N; i++) {
        bad += damaged(regions[i], 4096, (uint32_t)i);
        for (size_t j = i + 1; j < N; j++)
            overlapping += overlaps(regions[i], 4096, regions[j], 4096);
    }
    CHECK_EQ(overlapping, 0);
    CHECK_EQ(bad, 0);
    /* Free in random order; adjacent regions must merge, or the 800 KiB below cannot fit without
     * growing. */
    for (size_t i = N - 1; i > 0; i--) {
        size_t j = test_rng_range(&rng, 0, i);
        uint8_t *t = regions[i];
        regions[i] = regions[j];
        regions[j] = t;
    }
    for (size_t i = 0; i < N; i++) gomem_platform_unmap(regions[i], 4096);
    size_t before = memory_pages();
    uint8_t *joined = gomem_platform_map(N * 4096);
    CHECK(joined != NULL);
    CHECK_EQ(memory_pages(), before);
    if (joined != NULL) gomem_platform_unmap(joined, N * 4096);
}

/* The worst pattern for a page-at-a-time source: one wasm page per request, 32 MiB of them.
 * Memory must still grow in a handful of large steps (a grow can cost a GC in V8). */
static void test_page_requests_grow_in_steps(void) {
    enum { N = 512 };
    static uint8_t *regions[N];
    grow_log log = grow_log_start();
    size_t count = 0, torn = 0;
    while (count < N && log.pages * WASM_PAGE < 32 * MIB) {
        uint8_t *p = gomem_platform_map(WASM_PAGE);
        CHECK(p != NULL);
        if (p == NULL) break;
        fill(p, WASM_PAGE, (uint32_t)count);
        regions[count++] = p;
        if (grow_log_note(&log))
            for (size_t i = 0; i < count; i++)
                torn += damaged_ends(regions[i], WASM_PAGE, (uint32_t)i);
    }
    printf("page requests: %zu regions of 64 KiB, memory grew %zu MiB in %zu steps\n", count,
           log.pages * WASM_PAGE / MIB, log.events);
    CHECK(log.pages * WASM_PAGE >= 32 * MIB);
    CHECK(log.events <= 10); /* one grow per request would be hundreds */
    CHECK(log.smallest_step >= 16);
    CHECK_EQ(torn, 0);
    size_t bad = 0;
    for (size_t i = 0; i < count; i++) {
        bad += damaged(regions[i], WASM_PAGE, (uint32_t)i);
        gomem_platform_unmap(regions[i], WASM_PAGE);
    }
    CHECK_EQ(bad, 0);
}

/* A scalable allocator grows to about 128 MiB: memory grows a few times in large steps (never a
 * page at a time), and every buffer keeps its bytes across every grow. */
static void test_growth_in_steps(void) {
    test_rng rng = test_rng_seed(test_seed(0x960));
    size_t held = gomem_page_bytes_held();
    gomem_allocator *a = gomem_allocator_create(0);
    CHECK(a != NULL);
    if (a == NULL) return;
    grow_log log = grow_log_start();
    size_t start_pages = log.last, requested = 0, failed = 0, torn = 0;
    live_count = 0;
    while (requested < 128 * MIB && live_count < MAX_LIVE) {
        /* Mostly arena-sized requests, some above max_block_size (regions of their own). */
        size_t len = test_rng_next(&rng) % 8 == 0 ? test_rng_range(&rng, 5 * MIB, 9 * MIB)
                                                  : test_rng_range(&rng, 1, 2 * MIB);
        uint8_t *p = gomem_alloc(a, len);
        if (p == NULL) {
            failed++;
            break;
        }
        live_add(p, len);
        requested += len;
        if (grow_log_note(&log)) torn += live_damaged(false);
    }
    CHECK_EQ(failed, 0);
    CHECK_EQ(torn, 0);
    CHECK_EQ(live_damaged(true), 0);
    size_t grown = memory_pages() - start_pages;
    printf("growth: %zu MiB requested, memory grew %zu MiB in %zu steps (smallest %zu KiB)\n",
           requested / MIB, grown * WASM_PAGE / MIB, log.events, log.smallest_step * 64);
    /* It really had to grow, several times (what earlier tests freed covers only part of it). */
    CHECK(grown * WASM_PAGE >= 64 * MIB);
    CHECK(log.events >= 3);
    /* Geometric: a handful of steps of at least 1 MiB each, not one per 4 MiB arena. */
    CHECK(log.smallest_step >= 16);
    CHECK(log.events <= 16);
    live_free_all(a);
    gomem_allocator_destroy(a);
    CHECK_HELD_AGAIN(held);
}

/* Allocate `total` bytes in the sizes `seed` picks, all kept live. */
static size_t allocate_sequence(gomem_allocator *a, uint64_t seed, size_t total) {
    test_rng rng = test_rng_seed(seed);
    size_t requested = 0, failed = 0;
    while (requested < total && live_count < MAX_LIVE) {
        size_t len = test_rng_next(&rng) % 10 == 0 ? test_rng_range(&rng, 5 * MIB, 7 * MIB)
                                                   : test_rng_range(&rng, 64, 512 * KIB);
        uint8_t *p = gomem_alloc(a, len);
        if (p == NULL) {
            failed++;
            break;
        }
        live_add(p, len);
        requested += len;
    }
    return failed;
}

/* Memory never shrinks, so what is released must be reused: free everything, trim the wholly free
 * arenas, allocate the same again - memory does not grow. The same with a new allocator. */
static void test_reuse_after_trim(void) {
    uint64_t seed = test_seed(0x7E05E);
    size_t held = gomem_page_bytes_held();
    gomem_allocator *a = gomem_allocator_create(0);
    CHECK(a != NULL);
    if (a == NULL) return;
    live_count = 0;
    CHECK_EQ(allocate_sequence(a, seed, 96 * MIB), 0);
    size_t pages = memory_pages();
    for (int round = 0; round < 3; round++) {
        CHECK_EQ(live_damaged(true), 0);
        live_free_all(a);
        CHECK(gomem_trim(a) > 0);
        gomem_stats stats;
        gomem_allocator_stats(a, &stats);
        CHECK_EQ(stats.footprint, 0);
        CHECK_EQ(allocate_sequence(a, seed + (uint64_t)round, 96 * MIB), 0);
        CHECK_EQ(memory_pages(), pages);
    }
    live_free_all(a);
    gomem_allocator_destroy(a);
    CHECK_HELD_AGAIN(held);

    gomem_allocator *b = gomem_allocator_create(0);
    CHECK(b != NULL);
    if (b == NULL) return;
    CHECK_EQ(allocate_sequence(b, seed, 96 * MIB), 0);
    CHECK_EQ(live_damaged(true), 0);
    CHECK_EQ(memory_pages(), pages);
    live_free_all(b);
    gomem_allocator_destroy(b);
    CHECK_HELD_AGAIN(held);
}

/* Regions freed in any order merge with both neighbours: a hundred rounds of "three regions, free
 * them shuffled, take one as large as all three" reuse the same memory every time. */
static void test_merge_in_any_order(void) {
    test_rng rng = test_rng_seed(test_seed(0x3E26E));
    size_t pages = 0;
    for (int round = 0; round < 100; round++) {
        size_t sizes[3];
        uint8_t *parts[3];
        size_t total = 0;
        for (int i = 0; i < 3; i++) {
            sizes[i] = test_rng_range(&rng, 1, 64) * 4096;
            parts[i] = gomem_platform_map(sizes[i]);
            CHECK(parts[i] != NULL);
            if (parts[i] == NULL) return;
            total += sizes[i];
        }
        int order[3] = {0, 1, 2};
        for (int i = 2; i > 0; i--) {
            int j = (int)test_rng_range(&rng, 0, (size_t)i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int i = 0; i < 3; i++) gomem_platform_unmap(parts[order[i]], sizes[order[i]]);
        uint8_t *whole = gomem_platform_map(total);
        CHECK(whole != NULL);
        if (whole == NULL) return;
        fill(whole, total, (uint32_t)round);
        gomem_platform_unmap(whole, total);
        if (round == 0) pages = memory_pages();
    }
    CHECK_EQ(memory_pages(), pages);
}

int main(void) {
    RUN(test_libc_heap_is_separate); /* first: before anything else calls malloc */
    RUN(test_page_info);
    RUN(test_bad_sizes);
    RUN(test_small_regions);
    RUN(test_page_requests_grow_in_steps);
    RUN(test_growth_in_steps);
    RUN(test_reuse_after_trim);
    RUN(test_merge_in_any_order);
    return check_report("test_wasm_pages");
}

#else /* GOMEM_TEST_WASM_OOM */

#define OOM_MAX_PAGES (OOM_MAX_MEMORY / WASM_PAGE)

/* With a 32 MiB maximum, allocation fails cleanly (NULL, no trap), memory is usable up to its last
 * page although the large grow steps fail long before that, and after frees everything works. */
static void test_out_of_memory(void) {
    size_t held = gomem_page_bytes_held();
    gomem_allocator_options options = {0};
#if GOMEM_BUDDY
    /* The default process-wide pool is larger than this module's whole memory. */
    gomem_buddy *buddy = gomem_buddy_create(4 * MIB);
    CHECK(buddy != NULL);
    options.buddy = buddy;
#endif
    gomem_allocator *a = gomem_allocator_create_ex(&options, NULL);
    CHECK(a != NULL);
    if (a == NULL) return;
    live_count = 0;

    /* More than the maximum at once: NULL, no trap, no growth. */
    size_t before = memory_pages();
    CHECK(gomem_alloc(a, 40 * MIB) == NULL);
    CHECK(gomem_platform_map(40 * MIB) == NULL);
    CHECK_EQ(memory_pages(), before);

    /* Fill through the allocator until it fails. */
    size_t got = 0;
    for (int i = 0; i < 64; i++) {
        uint8_t *p = gomem_alloc(a, 1 * MIB);
        if (p == NULL) break;
        live_add(p, 1 * MIB);
        got += MIB;
    }
    size_t allocator_buffers = live_count;
    printf("oom: the allocator got %zu MiB before NULL, memory at %zu KiB\n", got / MIB,
           memory_pages() * 64);
    CHECK(got >= 16 * MIB);
    CHECK(memory_pages() <= OOM_MAX_PAGES);

    /* Then the page source itself, 64 KiB at a time until the maximum stops it (the large steps
     * fail, the exact-size retries go on to the very last page), then 4 KiB at a time for the
     * pieces left between earlier regions. */
    enum { TAIL_MAX = OOM_MAX_MEMORY / 4096 };
    static uint8_t *tail[TAIL_MAX];
    static size_t tail_size[TAIL_MAX];
    size_t tail_count = 0;
    for (size_t piece = WASM_PAGE; piece >= 4096; piece /= 16) {
        while (tail_count < TAIL_MAX) {
            uint8_t *p = gomem_platform_map(piece);
            if (p == NULL) break;
            fill(p, piece, (uint32_t)(1000 + tail_count));
            tail_size[tail_count] = piece;
            tail[tail_count++] = p;
        }
    }
    CHECK(tail_count < TAIL_MAX);
    CHECK_EQ(memory_pages(), OOM_MAX_PAGES);

    /* Exhausted: every path says NULL, none traps. */
    CHECK(gomem_platform_map(4096) == NULL);
    CHECK(gomem_alloc(a, 1 * MIB) == NULL);
    CHECK(gomem_alloc(a, 8 * MIB) == NULL);
    gomem_allocator *b = gomem_allocator_create(0);
    CHECK(b == NULL || gomem_alloc(b, 1 * MIB) == NULL);
    gomem_allocator_destroy(b);
    CHECK(gomem_allocator_invariants_hold(a));

    /* Nothing was damaged on the way. */
    CHECK_EQ(live_damaged(true), 0);
    size_t bad = 0;
    for (size_t i = 0; i < tail_count; i++)
        bad += damaged(tail[i], tail_size[i], (uint32_t)(1000 + i));
    CHECK_EQ(bad, 0);

    /* Give back the page-source regions and half of the allocator's buffers: usable again. */
    for (size_t i = 0; i < tail_count; i++) gomem_platform_unmap(tail[i], tail_size[i]);
    for (size_t i = 0; i < allocator_buffers; i += 2) {
        CHECK_STATUS(gomem_free(a, live[i].p, live[i].len), GOMEM_OK);
        live[i].len = 0;
    }
    size_t again = 0;
    for (size_t i = 0; i < allocator_buffers; i += 2) {
        uint8_t *p = gomem_alloc(a, 1 * MIB);
        if (p == NULL) break;
        fill(p, MIB, (uint32_t)(5000 + i));
        live[i] = (live_buf){p, MIB, (uint32_t)(5000 + i)};
        again++;
    }
    CHECK_EQ(again, (allocator_buffers + 1) / 2);
    CHECK_EQ(live_damaged(true), 0);
    CHECK_EQ(memory_pages(), OOM_MAX_PAGES); /* all of it from the free list */
    live_free_all(a);
    gomem_allocator_destroy(a);
#if GOMEM_BUDDY
    gomem_buddy_destroy(buddy);
#endif
    CHECK_EQ(gomem_page_bytes_held(), held);

    /* Everything back: a new allocator gets most of the memory again without growing past it. */
    gomem_allocator *c = gomem_allocator_create(0);
    CHECK(c != NULL);
    if (c == NULL) return;
    uint8_t *big = gomem_alloc(c, 16 * MIB);
    CHECK(big != NULL);
    if (big != NULL) {
        fill(big, 16 * MIB, 9);
        CHECK_EQ(damaged(big, 16 * MIB, 9), 0);
        CHECK_STATUS(gomem_free(c, big, 16 * MIB), GOMEM_OK);
    }
    gomem_allocator_destroy(c);
    CHECK_EQ(memory_pages(), OOM_MAX_PAGES);
}

int main(void) {
    RUN(test_page_info);
    RUN(test_bad_sizes);
    RUN(test_out_of_memory);
    return check_report("test_wasm_oom");
}

#endif /* GOMEM_TEST_WASM_OOM */
