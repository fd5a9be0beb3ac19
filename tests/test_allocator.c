/*
 * test_allocator.c - the scalable allocator: option validation, growth by doubling, dedicated
 * regions above max_block_size, segmented frees, free_rest, read_into, borrow, trim, recycle,
 * statistics, ownership, every error status (each must leave the allocator unchanged and usable),
 * out-of-memory under a page limit (including the index node a middle free needs), the
 * gomem_allocator_resize function, and a seeded random walk over live patterns.
 */
#include "check.h"

#define KIB ((size_t)1 << 10)

static size_t page(void) { return gomem_page_source()->page_size; }

static bool has_buddy(void) { return (gomem_features() & GOMEM_FEATURE_BUDDY) != 0; }

static gomem_stats stats_of(const gomem_allocator *allocator) {
    gomem_stats stats;
    memset(&stats, 0xEE, sizeof stats);
    gomem_allocator_stats(allocator, &stats);
    return stats;
}

static bool same_stats(const gomem_stats *a, const gomem_stats *b) {
    return a->total_malloc == b->total_malloc && a->total_free == b->total_free &&
           a->live == b->live && a->footprint == b->footprint &&
           a->peak_footprint == b->peak_footprint && a->peak_live == b->peak_live &&
           a->arena_count == b->arena_count &&
           a->metadata == b->metadata;
}

/* Arenas as reported by gomem_allocator_arenas. */
typedef struct arena_list {
    gomem_arena_info arenas[64];
    size_t count;
} arena_list;

static bool collect_arena(void *context, const gomem_arena_info *info) {
    arena_list *list = context;
    if (list->count < 64) list->arenas[list->count] = *info;
    list->count++;
    return true;
}

static arena_list arenas_of(const gomem_allocator *allocator) {
    arena_list list = {.count = 0};
    gomem_allocator_arenas(allocator, collect_arena, &list);
    return list;
}

static bool stop_at_first(void *context, const gomem_arena_info *info) {
    (void)info;
    (*(int *)context)++;
    return false;
}

/* The arena holding ptr, or NULL. */
static const gomem_arena_info *arena_holding(const arena_list *list, const void *ptr) {
    for (size_t i = 0; i < list->count && i < 64; i++) {
        uintptr_t base = (uintptr_t)list->arenas[i].base;
        if ((uintptr_t)ptr >= base && (uintptr_t)ptr - base < list->arenas[i].size)
            return &list->arenas[i];
    }
    return NULL;
}

static int compare_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static void test_create_options(void) {
    size_t held = gomem_page_bytes_held();
    CHECK(gomem_allocator_create(GOMEM_ARENA_LIMIT + 1) == NULL);
    /* Each refusal says why, and a NULL status is allowed. */
    struct {
        gomem_allocator_options options;
        gomem_status expected;
    } refused[] = {
        {{.alignment = 3}, GOMEM_ERR_INVALID_ARGUMENT},
        {{.alignment = 24}, GOMEM_ERR_INVALID_ARGUMENT},
        {{.alignment = GOMEM_MAX_ALIGNMENT * 2}, GOMEM_ERR_INVALID_ARGUMENT},
        {{.max_block_size = page() - 1}, GOMEM_ERR_INVALID_SIZE},
        {{.max_block_size = 1}, GOMEM_ERR_INVALID_SIZE},
        {{.max_block_size = GOMEM_ARENA_LIMIT + 1}, GOMEM_ERR_INVALID_SIZE},
        {{.initial_size = GOMEM_ARENA_LIMIT + 1}, GOMEM_ERR_INVALID_SIZE},
        /* Two faults: the argument is named first. */
        {{.alignment = 3, .max_block_size = 1}, GOMEM_ERR_INVALID_ARGUMENT},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        gomem_status status = GOMEM_OK;
        CHECK(gomem_allocator_create_ex(&refused[i].options, &status) == NULL);
        CHECK_EQ(status, refused[i].expected);
        CHECK(gomem_allocator_create_ex(&refused[i].options, NULL) == NULL);
    }
    CHECK_EQ(gomem_page_bytes_held(), held); /* refusals hold nothing */

    /* Valid extremes. */
    gomem_allocator_options options = {.alignment = GOMEM_MAX_ALIGNMENT,
                                       .max_block_size = page()};
    gomem_status status = GOMEM_ERR_NOMEM;
    gomem_allocator *a = gomem_allocator_create_ex(&options, &status);
    CHECK(a != NULL);
    CHECK_EQ(status, GOMEM_OK);
    gomem_allocator *b = gomem_allocator_create_ex(NULL, NULL);
    CHECK(b != NULL);
    gomem_allocator *c = gomem_allocator_create(0);
    CHECK(c != NULL);
    if (a == NULL || b == NULL || c == NULL) return;

    /* alignment = page, max block = page: every request is page-aligned, arenas one page. */
    uint8_t *p1 = gomem_alloc(a, 1);
    uint8_t *p2 = gomem_alloc(a, 1);
    CHECK(p1 != NULL && p2 != NULL);
    CHECK_EQ((uintptr_t)p1 % GOMEM_MAX_ALIGNMENT, 0);
    CHECK_EQ((uintptr_t)p2 % GOMEM_MAX_ALIGNMENT, 0);
    CHECK(p1 != p2);
    arena_list list = arenas_of(a);
    CHECK_EQ(list.count, 2);
    for (size_t i = 0; i < list.count; i++) CHECK_EQ(list.arenas[i].size, page());

    /* Defaults: a first arena of 16 KiB, 8-byte alignment. */
    uint8_t *q1 = gomem_alloc(b, 13);
    uint8_t *q2 = gomem_alloc(b, 8);
    CHECK(q2 == q1 + 16);
    list = arenas_of(b);
    CHECK_EQ(list.count, 1);
    CHECK_EQ(list.arenas[0].size, 16 * KIB);
    CHECK(!list.arenas[0].dedicated);
    CHECK(gomem_alloc(c, 1) != NULL);
    list = arenas_of(c);
    CHECK_EQ(list.count, 1);
    CHECK_EQ(list.arenas[0].size, 16 * KIB);

    /* The initial size is page-rounded, and capped at max_block_size. */
    gomem_allocator *odd = gomem_allocator_create(5000);
    CHECK(gomem_alloc(odd, 1) != NULL);
    list = arenas_of(odd);
    CHECK_EQ(list.count, 1);
    CHECK_EQ(list.arenas[0].size, 8 * KIB);
    gomem_allocator_destroy(odd);
    gomem_allocator *huge = gomem_allocator_create(2 * GOMEM_DEFAULT_MAX_BLOCK);
    CHECK(gomem_alloc(huge, 1) != NULL);
    list = arenas_of(huge);
    CHECK_EQ(list.count, 1);
    CHECK_EQ(list.arenas[0].size, GOMEM_DEFAULT_MAX_BLOCK);
    CHECK(!list.arenas[0].dedicated);
    gomem_allocator_destroy(huge);

    /* A non-default alignment applies to every allocation. */
    gomem_allocator_options aligned64 = {.alignment = 64};
    gomem_allocator *d = gomem_allocator_create_ex(&aligned64, NULL);
    uint8_t *r1 = gomem_alloc(d, 1);
    uint8_t *r2 = gomem_alloc(d, 65);
    uint8_t *r3 = gomem_alloc(d, 1);
    CHECK_EQ((uintptr_t)r1 % 64, 0);
    CHECK(r2 == r1 + 64);
    CHECK(r3 == r1 + 192);
    CHECK(gomem_allocator_invariants_hold(a));
    CHECK(gomem_allocator_invariants_hold(b));
    CHECK(gomem_allocator_invariants_hold(d));
    gomem_allocator_destroy(d);
    gomem_allocator_destroy(c);
    gomem_allocator_destroy(b);
    gomem_allocator_destroy(a);
    gomem_allocator_destroy(NULL); /* documented no-op */
    if (!has_buddy()) CHECK_EQ(gomem_page_bytes_held(), held);
}

static void test_malloc_basics(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    CHECK(gomem_alloc(allocator, 0) == NULL);
    CHECK(gomem_alloc(allocator, GOMEM_ARENA_LIMIT + 1) == NULL);
    CHECK(gomem_alloc(allocator, SIZE_MAX) == NULL);
    gomem_stats stats = stats_of(allocator);
    CHECK_EQ(stats.total_malloc, 0);
    CHECK_EQ(stats.arena_count, 0); /* nothing is mapped before the first request */
    CHECK_EQ(stats.footprint, 0);

    uint8_t *one = gomem_alloc(allocator, 1);
    CHECK(one != NULL);
    *one = 0x5A;
    stats = stats_of(allocator);
    CHECK_EQ(stats.total_malloc, 1);
    CHECK_EQ(stats.live, 1);
    CHECK_EQ(stats.arena_count, 1);
    CHECK(gomem_allocator_owns(allocator, one, 1));
    CHECK_STATUS(gomem_free(allocator, one, 1), GOMEM_OK);
    stats = stats_of(allocator);
    CHECK_EQ(stats.total_free, 1);
    CHECK_EQ(stats.live, 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    gomem_allocator_destroy(allocator);
}

static void test_growth(void) {
    gomem_allocator_options options = {.initial_size = 16 * KIB, .max_block_size = 64 * KIB};
    gomem_allocator *allocator = gomem_allocator_create_ex(&options, NULL);
    uint8_t *a = gomem_alloc(allocator, 16 * KIB); /* fills the first arena exactly */
    uint8_t *b = gomem_alloc(allocator, 16 * KIB); /* a second arena of 32 KiB */
    uint8_t *c = gomem_alloc(allocator, 32 * KIB); /* does not fit the 16 KiB left: 64 KiB */
    uint8_t *d = gomem_alloc(allocator, 64 * KIB); /* capped at max_block: 64 KiB */
    uint8_t *e = gomem_alloc(allocator, 16 * KIB); /* fits the second arena's rest */
    CHECK(a && b && c && d && e);
    if (!(a && b && c && d && e)) return;
    memset(a, 1, 16 * KIB);
    memset(b, 2, 16 * KIB);
    memset(c, 3, 32 * KIB);
    memset(d, 4, 64 * KIB);
    memset(e, 5, 16 * KIB);
    arena_list list = arenas_of(allocator);
    CHECK_EQ(list.count, 4);
    size_t sizes[4];
    for (size_t i = 0; i < 4; i++) {
        sizes[i] = list.arenas[i].size;
        CHECK(!list.arenas[i].dedicated);
        if (i > 0) CHECK(list.arenas[i - 1].size <= list.arenas[i].size); /* in the order added */
    }
    qsort(sizes, 4, sizeof sizes[0], compare_size);
    CHECK_EQ(sizes[0], 16 * KIB);
    CHECK_EQ(sizes[1], 32 * KIB);
    CHECK_EQ(sizes[2], 64 * KIB);
    CHECK_EQ(sizes[3], 64 * KIB);
    /* e fits the room left in b's or c's arena (whichever lies first): no fifth arena. */
    const gomem_arena_info *home = arena_holding(&list, e);
    CHECK(home != NULL && (home == arena_holding(&list, b) || home == arena_holding(&list, c)));
    CHECK(home != NULL && home->free_bytes == home->size - (home->size == 32 * KIB ? 32 : 48) * KIB);
    gomem_stats stats = stats_of(allocator);
    CHECK_EQ(stats.footprint, 176 * KIB);
    CHECK_EQ(stats.peak_footprint, 176 * KIB);
    CHECK_EQ(stats.arena_count, 4);
    CHECK_EQ(stats.live, 144 * KIB);
    CHECK(stats.metadata >= page());
    /* A request of exactly max_block_size still goes to an ordinary arena. */
    uint8_t *f = gomem_alloc(allocator, 64 * KIB);
    list = arenas_of(allocator);
    CHECK_EQ(list.count, 5);
    CHECK(arena_holding(&list, f) != NULL && !arena_holding(&list, f)->dedicated);
    CHECK(gomem_allocator_invariants_hold(allocator));
    /* Patterns intact: no two allocations overlap. */
    bool intact = true;
    for (size_t i = 0; i < 16 * KIB; i++) intact = intact && a[i] == 1 && b[i] == 2 && e[i] == 5;
    for (size_t i = 0; i < 32 * KIB; i++) intact = intact && c[i] == 3;
    for (size_t i = 0; i < 64 * KIB; i++) intact = intact && d[i] == 4;
    CHECK(intact);
    gomem_allocator_destroy(allocator);
}

static void test_dedicated(void) {
    gomem_allocator_options options = {.initial_size = 16 * KIB, .max_block_size = 64 * KIB};
    gomem_allocator *allocator = gomem_allocator_create_ex(&options, NULL);
    uint8_t *small = gomem_alloc(allocator, 100);
    size_t held = gomem_page_bytes_held();
    gomem_stats before = stats_of(allocator);

    /* One byte above max_block_size: a region of its own, released on free. */
    uint8_t *big = gomem_alloc(allocator, 64 * KIB + 1);
    CHECK(big != NULL);
    if (big == NULL) return;
    memset(big, 7, 64 * KIB + 1);
    arena_list list = arenas_of(allocator);
    CHECK_EQ(list.count, 2);
    const gomem_arena_info *info = arena_holding(&list, big);
    CHECK(info != NULL && info->dedicated);
    CHECK(info != NULL && info->size >= 64 * KIB + 1);
    CHECK(info != NULL && info->base == big);
    CHECK(gomem_page_bytes_held() >= held + 64 * KIB + 1);
    gomem_stats stats = stats_of(allocator);
    CHECK_EQ(stats.arena_count, 2);
    CHECK_EQ(stats.live, 100 + 64 * KIB + 1);
    CHECK(stats.footprint >= before.footprint + 64 * KIB + 1);
    CHECK(gomem_allocator_invariants_hold(allocator));
    CHECK_STATUS(gomem_free(allocator, big, 64 * KIB + 1), GOMEM_OK);
    stats = stats_of(allocator);
    CHECK_EQ(stats.arena_count, 1);
    CHECK_EQ(stats.footprint, before.footprint);
    CHECK_EQ(stats.live, 100);
    CHECK_EQ(gomem_page_bytes_held(), held);
    CHECK(!gomem_allocator_owns(allocator, big, 1));
    CHECK(gomem_allocator_invariants_hold(allocator));

    /* "A region of its own": small requests made while a dedicated region (with slack after
     * page rounding) is live must not be placed in it, or it could not be released on free. */
    big = gomem_alloc(allocator, 64 * KIB + 1);
    uint8_t *small2 = gomem_alloc(allocator, 16);
    CHECK(big != NULL && small2 != NULL);
    list = arenas_of(allocator);
    info = arena_holding(&list, small2);
    CHECK(info != NULL && !info->dedicated);
    CHECK_STATUS(gomem_free(allocator, big, 64 * KIB + 1), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).arena_count, 1); /* the dedicated region is gone */
    CHECK_STATUS(gomem_free(allocator, small2, 16), GOMEM_OK);
    CHECK(gomem_allocator_invariants_hold(allocator));

    /* Freed in three segments (middle first): released only with the last byte. */
    size_t size = 200 * KIB + 5;
    big = gomem_alloc(allocator, size);
    CHECK(big != NULL);
    if (big == NULL) return;
    memset(big, 8, size);
    CHECK_STATUS(gomem_free(allocator, big + 1000, 5000), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).arena_count, 2);
    CHECK(gomem_allocator_invariants_hold(allocator));
    CHECK_STATUS(gomem_free(allocator, big, 1000), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).arena_count, 2);
    CHECK_STATUS(gomem_free(allocator, big + 6000, size - 6000 - 1), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).arena_count, 2);
    CHECK(gomem_allocator_invariants_hold(allocator));
    CHECK_STATUS(gomem_free(allocator, big + size - 1, 1), GOMEM_OK);
    stats = stats_of(allocator);
    CHECK_EQ(stats.arena_count, 1);
    CHECK_EQ(stats.live, 100);
    CHECK_EQ(gomem_page_bytes_held(), held);
    /* The region is gone: its address is foreign now. */
    CHECK_STATUS(gomem_free(allocator, big, 1), GOMEM_ERR_FOREIGN_POINTER);

    /* Two dedicated regions at once, freed in the other order. */
    uint8_t *x = gomem_alloc(allocator, 100 * KIB);
    uint8_t *y = gomem_alloc(allocator, 300 * KIB);
    CHECK(x && y);
    CHECK_EQ(stats_of(allocator).arena_count, 3);
    CHECK(gomem_allocator_invariants_hold(allocator));
    CHECK_STATUS(gomem_free(allocator, y, 300 * KIB), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, x, 100 * KIB), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).arena_count, 1);
    CHECK(gomem_allocator_invariants_hold(allocator));
    CHECK_STATUS(gomem_free(allocator, small, 100), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).live, 0);
    gomem_allocator_destroy(allocator);
}

/* GoMem's README example: free a 1 KiB allocation in three pieces. */
/* A dedicated region grows in place past its end when its one allocation is all it holds and
 * the page source has the pages right after it (gomem_platform_extend: mremap natively, the
 * free list or memory.grow in wasm); otherwise the call is refused and nothing changes. Whether
 * the pages after a region are free is the system's business here (mmap places regions where
 * it likes), so success is checked for what it must do whenever it happens; the malloc tests
 * check it happens where the page source guarantees it (test_malloc.c, test_huge_realloc). */
static void test_dedicated_grows(void) {
    gomem_allocator_options options = {.initial_size = 16 * KIB, .max_block_size = 64 * KIB};
    gomem_allocator *allocator = gomem_allocator_create_ex(&options, NULL);
    size_t first = 100 * KIB, grown = 1024 * KIB;
    uint8_t *big = gomem_alloc(allocator, first);
    uint8_t *split = gomem_alloc(allocator, first);
    CHECK(big != NULL && split != NULL);
    if (big == NULL || split == NULL) return;
    memset(big, 7, first);
    /* Not its region's sole allocation: a segmented free left two pieces. */
    CHECK_STATUS(gomem_free(allocator, split + 4 * KIB, 4 * KIB), GOMEM_OK);
    gomem_stats before = stats_of(allocator);
    CHECK_STATUS(gomem_grow_in_place(allocator, split + 8 * KIB, first - 8 * KIB, grown),
                 GOMEM_ERR_NOMEM);
    /* A size that is not the whole allocation, and a start inside it, are refused too. */
    CHECK_STATUS(gomem_grow_in_place(allocator, big, first / 2, grown), GOMEM_ERR_NOMEM);
    CHECK_STATUS(gomem_grow_in_place(allocator, big + 4 * KIB, first - 4 * KIB, grown),
                 GOMEM_ERR_NOMEM);
    gomem_stats after = stats_of(allocator);
    CHECK(same_stats(&before, &after));

    size_t held = gomem_page_bytes_held();
    gomem_status status = gomem_grow_in_place(allocator, big, first, grown);
    CHECK(status == GOMEM_OK || status == GOMEM_ERR_NOMEM);
    after = stats_of(allocator);
    if (status == GOMEM_OK) {
        CHECK_EQ(after.arena_count, before.arena_count);
        CHECK_EQ(after.live, before.live + grown - first);
        CHECK(after.footprint >= before.footprint + grown - first);
        CHECK(gomem_page_bytes_held() >= held + (after.footprint - before.footprint));
        CHECK(gomem_allocator_owns(allocator, big, grown));
        size_t sevens = 0;
        for (size_t i = 0; i < first; i++) sevens += big[i] == 7;
        CHECK_EQ(sevens, first);
        memset(big + first, 9, grown - first); /* every new byte is writable */
        CHECK(gomem_allocator_invariants_hold(allocator));
    } else {
        CHECK(same_stats(&before, &after));
        grown = first;
    }
    /* Freed whole, the grown region goes as any dedicated one. */
    CHECK_STATUS(gomem_free(allocator, big, grown), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).arena_count, before.arena_count - 1);
    CHECK(!gomem_allocator_owns(allocator, big, 1));
    CHECK(gomem_allocator_invariants_hold(allocator));
    gomem_allocator_destroy(allocator);
}

static void test_segmented_free(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    uint8_t *buf = gomem_alloc(allocator, 1024);
    CHECK(buf != NULL);
    memset(buf, 0x33, 1024);
    CHECK_STATUS(gomem_free(allocator, buf, 256), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).live, 768);
    CHECK_STATUS(gomem_free(allocator, buf + 256, 256), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).live, 512);
    /* The untouched half still holds its bytes. */
    bool intact = true;
    for (size_t i = 512; i < 1024; i++) intact = intact && buf[i] == 0x33;
    CHECK(intact);
    CHECK_STATUS(gomem_free(allocator, buf + 512, 512), GOMEM_OK);
    gomem_stats stats = stats_of(allocator);
    CHECK_EQ(stats.total_malloc, 1024);
    CHECK_EQ(stats.total_free, 1024);
    CHECK_EQ(stats.live, 0);
    arena_list list = arenas_of(allocator);
    CHECK_EQ(list.count, 1);
    CHECK_EQ(list.arenas[0].free_bytes, list.arenas[0].size);
    /* The same bytes come back. */
    CHECK(gomem_alloc(allocator, 1024) == buf);

    /* Middle first, then the sides, down to single bytes. */
    uint8_t *m = gomem_alloc(allocator, 64);
    CHECK_STATUS(gomem_free(allocator, m + 20, 24), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, m + 63, 1), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, m, 1), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, m + 1, 19), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, m + 44, 19), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, buf, 1024), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).live, 0);
    list = arenas_of(allocator);
    CHECK_EQ(list.arenas[0].free_bytes, list.arenas[0].size);
    CHECK(gomem_allocator_invariants_hold(allocator));
    gomem_allocator_destroy(allocator);
}

static void test_free_rest(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    uint8_t *buf = gomem_alloc(allocator, 100);
    size_t size = 100;
    CHECK_STATUS(gomem_free_rest(allocator, buf, &size, 40), GOMEM_OK);
    CHECK_EQ(size, 40);
    CHECK_EQ(stats_of(allocator).live, 40);
    /* keep >= size: no-op. */
    CHECK_STATUS(gomem_free_rest(allocator, buf, &size, 40), GOMEM_OK);
    CHECK_STATUS(gomem_free_rest(allocator, buf, &size, 1000), GOMEM_OK);
    CHECK_EQ(size, 40);
    CHECK_EQ(stats_of(allocator).live, 40);
    /* The freed tail is really free: a double free of it is caught. */
    CHECK_STATUS(gomem_free(allocator, buf + 40, 1), GOMEM_ERR_DOUBLE_FREE);
    /* An odd keep (byte-granular free). */
    CHECK_STATUS(gomem_free_rest(allocator, buf, &size, 13), GOMEM_OK);
    CHECK_EQ(size, 13);
    CHECK_EQ(stats_of(allocator).live, 13);
    /* An error leaves *size alone: the bytes after 13 are already free. */
    size_t wrong = 30;
    CHECK_STATUS(gomem_free_rest(allocator, buf, &wrong, 13), GOMEM_ERR_DOUBLE_FREE);
    CHECK_EQ(wrong, 30);
    int on_stack[4];
    size_t stack_size = sizeof on_stack;
    CHECK_STATUS(gomem_free_rest(allocator, on_stack, &stack_size, 4), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_EQ(stack_size, sizeof on_stack);
    CHECK_EQ(stats_of(allocator).live, 13);
    /* keep 0 frees all of it. */
    CHECK_STATUS(gomem_free_rest(allocator, buf, &size, 0), GOMEM_OK);
    CHECK_EQ(size, 0);
    gomem_stats stats = stats_of(allocator);
    CHECK_EQ(stats.live, 0);
    CHECK_EQ(stats.total_free, 100);
    CHECK_STATUS(gomem_free_rest(allocator, buf, &size, 0), GOMEM_OK); /* empty: no-op */
    CHECK(gomem_allocator_invariants_hold(allocator));
    gomem_allocator_destroy(allocator);
}

/* read_into callbacks: each fills a given count of bytes or fails. */
typedef struct reader_script {
    size_t fill;        /* bytes to claim */
    size_t write;       /* bytes actually written (<= capacity) */
    gomem_status status;
    size_t capacity_seen;
    int calls;
} reader_script;

static gomem_status scripted_read(void *context, void *dest, size_t capacity, size_t *filled) {
    reader_script *script = context;
    script->calls++;
    script->capacity_seen = capacity;
    size_t write = script->write < capacity ? script->write : capacity;
    for (size_t i = 0; i < write; i++) ((uint8_t *)dest)[i] = (uint8_t)(i * 7 + 1);
    *filled = script->fill;
    return script->status;
}

static bool holds_script_bytes(const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (data[i] != (uint8_t)(i * 7 + 1)) return false;
    return true;
}

static void test_read_into(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    void *out = (void *)1;
    size_t out_len = 99;

    /* Fills less: the rest is given back. */
    reader_script less = {.fill = 30, .write = 30, .status = GOMEM_OK};
    CHECK_STATUS(gomem_read_into(allocator, 100, scripted_read, &less, &out, &out_len), GOMEM_OK);
    CHECK_EQ(less.calls, 1);
    CHECK_EQ(less.capacity_seen, 100);
    CHECK(out != NULL);
    CHECK_EQ(out_len, 30);
    if (out != NULL) CHECK(holds_script_bytes(out, 30));
    gomem_stats stats = stats_of(allocator);
    CHECK_EQ(stats.live, 30);
    CHECK_EQ(stats.total_malloc, 100);
    CHECK_EQ(stats.total_free, 70);
    CHECK(gomem_allocator_owns(allocator, out, 30));
    CHECK_STATUS(gomem_free(allocator, (uint8_t *)out + 30, 1), GOMEM_ERR_DOUBLE_FREE);
    void *first = out;

    /* Fills all of it. */
    reader_script all = {.fill = 64, .write = 64, .status = GOMEM_OK};
    CHECK_STATUS(gomem_read_into(allocator, 64, scripted_read, &all, &out, &out_len), GOMEM_OK);
    CHECK_EQ(out_len, 64);
    if (out != NULL) CHECK(holds_script_bytes(out, 64));
    CHECK_EQ(stats_of(allocator).live, 94);
    void *second = out;

    /* Fills nothing: OK, nothing stays allocated. */
    reader_script nothing = {.fill = 0, .write = 0, .status = GOMEM_OK};
    CHECK_STATUS(gomem_read_into(allocator, 50, scripted_read, &nothing, &out, &out_len), GOMEM_OK);
    CHECK(out == NULL);
    CHECK_EQ(out_len, 0);
    CHECK_EQ(stats_of(allocator).live, 94);

    /* Fails: its status is returned, everything is freed. */
    reader_script fails = {.fill = 10, .write = 10, .status = GOMEM_ERR_END_OF_DATA};
    out = (void *)1;
    CHECK_STATUS(gomem_read_into(allocator, 50, scripted_read, &fails, &out, &out_len),
                 GOMEM_ERR_END_OF_DATA);
    CHECK_EQ(stats_of(allocator).live, 94);

    /* Claims more than it was given. */
    reader_script liar = {.fill = 51, .write = 50, .status = GOMEM_OK};
    CHECK_STATUS(gomem_read_into(allocator, 50, scripted_read, &liar, &out, &out_len),
                 GOMEM_ERR_INVALID_SIZE);
    CHECK_EQ(stats_of(allocator).live, 94);

    /* Bad arguments, and a size that cannot be had. */
    reader_script unused = {.fill = 1, .write = 1, .status = GOMEM_OK};
    CHECK_STATUS(gomem_read_into(allocator, 0, scripted_read, &unused, &out, &out_len),
                 GOMEM_ERR_INVALID_SIZE);
    CHECK_STATUS(gomem_read_into(allocator, 10, NULL, &unused, &out, &out_len),
                 GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_read_into(allocator, 10, scripted_read, &unused, NULL, &out_len),
                 GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_read_into(allocator, 10, scripted_read, &unused, &out, NULL),
                 GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_read_into(allocator, GOMEM_ARENA_LIMIT + 1, scripted_read, &unused, &out,
                                 &out_len),
                 GOMEM_ERR_NOMEM);
    CHECK_EQ(unused.calls, 0);
    CHECK_EQ(stats_of(allocator).live, 94);
    CHECK(gomem_allocator_invariants_hold(allocator));
    CHECK_STATUS(gomem_free(allocator, first, 30), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, second, 64), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).live, 0);
    gomem_allocator_destroy(allocator);
}

static void test_borrow(void) {
    gomem_allocator_options options = {.initial_size = 16 * KIB, .max_block_size = 64 * KIB};
    gomem_allocator *allocator = gomem_allocator_create_ex(&options, NULL);
    /* On an empty allocator borrow may add an arena; malloc then returns the same bytes. */
    uint8_t *borrowed = gomem_borrow(allocator, 100);
    CHECK(borrowed != NULL);
    if (borrowed != NULL) memset(borrowed, 1, 100); /* usable until the next call */
    gomem_stats stats = stats_of(allocator);
    CHECK_EQ(stats.total_malloc, 0);
    CHECK_EQ(stats.live, 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    uint8_t *taken = gomem_alloc(allocator, 100);
    CHECK(taken == borrowed);

    /* Nothing changed in between: same answer, twice. */
    uint8_t *b1 = gomem_borrow(allocator, 500);
    uint8_t *b2 = gomem_borrow(allocator, 500);
    CHECK(b1 == b2);
    stats = stats_of(allocator);
    CHECK_EQ(stats.total_malloc, 100);
    CHECK_EQ(stats.live, 100);
    CHECK(gomem_alloc(allocator, 500) == b1);

    /* A borrow that does not fit the current arenas. */
    uint8_t *filler = gomem_alloc(allocator, 16 * KIB - 600 - 8);
    CHECK(filler != NULL);
    uint8_t *b3 = gomem_borrow(allocator, 20 * KIB);
    CHECK(b3 != NULL);
    if (b3 != NULL) memset(b3, 3, 20 * KIB);
    CHECK_EQ(stats_of(allocator).live, 16 * KIB - 8);
    CHECK(gomem_alloc(allocator, 20 * KIB) == b3);
    CHECK(gomem_allocator_invariants_hold(allocator));

    /* Above max_block_size: NULL (as GoMem's Borrow), and nothing is left behind. */
    size_t arenas = stats_of(allocator).arena_count;
    size_t footprint = stats_of(allocator).footprint;
    CHECK(gomem_borrow(allocator, 64 * KIB + 1) == NULL);
    CHECK_EQ(stats_of(allocator).arena_count, arenas);
    CHECK_EQ(stats_of(allocator).footprint, footprint);
    CHECK(gomem_allocator_invariants_hold(allocator));
    CHECK(gomem_borrow(allocator, 0) == NULL);
    CHECK(gomem_borrow(allocator, GOMEM_ARENA_LIMIT + 1) == NULL);
    gomem_allocator_destroy(allocator);
}

static void test_trim(void) {
    gomem_allocator_options options = {.initial_size = 16 * KIB, .max_block_size = 64 * KIB};
    gomem_allocator *allocator = gomem_allocator_create_ex(&options, NULL);
    CHECK_EQ(gomem_trim(allocator), 0); /* nothing to release */
    uint8_t *a = gomem_alloc(allocator, 16 * KIB);
    uint8_t *b = gomem_alloc(allocator, 32 * KIB);
    uint8_t *c = gomem_alloc(allocator, 64 * KIB);
    CHECK(a && b && c);
    CHECK_EQ(stats_of(allocator).arena_count, 3);
    CHECK_EQ(gomem_trim(allocator), 0); /* all in use */
    /* A partly free arena is kept; a wholly free one goes. */
    CHECK_STATUS(gomem_free(allocator, b, 16 * KIB), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, c, 64 * KIB), GOMEM_OK);
    CHECK_EQ(gomem_trim(allocator), 64 * KIB);
    gomem_stats stats = stats_of(allocator);
    CHECK_EQ(stats.arena_count, 2);
    CHECK_EQ(stats.footprint, 48 * KIB);
    CHECK_EQ(stats.peak_footprint, 112 * KIB);
    CHECK_EQ(stats.live, 32 * KIB);
    CHECK(gomem_allocator_owns(allocator, a, 16 * KIB));
    CHECK(gomem_allocator_owns(allocator, b + 16 * KIB, 16 * KIB));
    CHECK(!gomem_allocator_owns(allocator, c, 1));
    CHECK(gomem_allocator_invariants_hold(allocator));
    CHECK_EQ(gomem_trim(allocator), 0);
    CHECK_STATUS(gomem_free(allocator, a, 16 * KIB), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, b + 16 * KIB, 16 * KIB), GOMEM_OK);
    CHECK_EQ(gomem_trim(allocator), 48 * KIB);
    stats = stats_of(allocator);
    CHECK_EQ(stats.arena_count, 0);
    CHECK_EQ(stats.footprint, 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    /* Usable after: growth starts again from the initial size. */
    uint8_t *d = gomem_alloc(allocator, 100);
    CHECK(d != NULL);
    arena_list list = arenas_of(allocator);
    CHECK_EQ(list.count, 1);
    CHECK_EQ(list.arenas[0].size, 16 * KIB);
    CHECK_STATUS(gomem_free(allocator, d, 100), GOMEM_OK);
    gomem_allocator_destroy(allocator);
}

static void test_recycle(void) {
    size_t held_start = gomem_page_bytes_held();
    gomem_allocator_options options = {.initial_size = 16 * KIB, .max_block_size = 64 * KIB};
    gomem_allocator *allocator = gomem_allocator_create_ex(&options, NULL);
    for (int i = 0; i < 40; i++) CHECK(gomem_alloc(allocator, 3000) != NULL);
    CHECK(gomem_alloc(allocator, 200 * KIB) != NULL); /* a dedicated region too */
    gomem_stats stats = stats_of(allocator);
    CHECK(stats.arena_count >= 3);
    size_t held_full = gomem_page_bytes_held();
    gomem_allocator_recycle(allocator);
    stats = stats_of(allocator);
    CHECK_EQ(stats.total_malloc, 0);
    CHECK_EQ(stats.total_free, 0);
    CHECK_EQ(stats.live, 0);
    CHECK_EQ(stats.peak_live, 0);
    CHECK_EQ(stats.footprint, 0);
    CHECK_EQ(stats.arena_count, 0);
    CHECK(gomem_page_bytes_held() < held_full);
    CHECK(gomem_allocator_invariants_hold(allocator));
    /* Usable after, from an arena of the initial size. */
    uint8_t *p = gomem_alloc(allocator, 10);
    CHECK(p != NULL);
    if (p != NULL) memset(p, 9, 10);
    arena_list list = arenas_of(allocator);
    CHECK_EQ(list.count, 1);
    CHECK_EQ(list.arenas[0].size, 16 * KIB);
    stats = stats_of(allocator);
    CHECK_EQ(stats.total_malloc, 10);
    CHECK_EQ(stats.live, 10);
    gomem_allocator_recycle(allocator);
    gomem_allocator_recycle(allocator); /* twice in a row is fine */
    CHECK_EQ(stats_of(allocator).arena_count, 0);
    gomem_allocator_destroy(allocator);
    if (!has_buddy()) CHECK_EQ(gomem_page_bytes_held(), held_start);
}

/* A compact allocator uses every hole before the top block of an arena, and the oldest arena
 * before the one that served last; a default one (tlsf index) carves the top block early and
 * tries the arena that served last first. */
static void test_compact(void) {
    bool top_first = (gomem_features() & GOMEM_FEATURE_TLSF) != 0;
    for (int compact = 0; compact <= 1; compact++) {
        gomem_allocator_options options = {
            .initial_size = 16 * KIB, .max_block_size = 64 * KIB, .compact = compact != 0};
        gomem_allocator *allocator = gomem_allocator_create_ex(&options, NULL);
        /* Within an arena: a hole at its start, the top block after b. */
        uint8_t *a = gomem_alloc(allocator, 4 * KIB);
        uint8_t *b = gomem_alloc(allocator, 4 * KIB);
        CHECK(a != NULL && b == a + 4 * KIB);
        CHECK_STATUS(gomem_free(allocator, a, 4 * KIB), GOMEM_OK);
        uint8_t *c = gomem_alloc(allocator, 100);
        CHECK(c == (compact || !top_first ? a : b + 4 * KIB));
        CHECK_STATUS(gomem_free(allocator, c, 100), GOMEM_OK);
        CHECK_STATUS(gomem_free(allocator, b, 4 * KIB), GOMEM_OK);
        /* Across arenas: x fills most of the first, y needs a second one (which then served
         * last); once x is freed, a small request goes to the first arena only when compact. */
        uint8_t *x = gomem_alloc(allocator, 12 * KIB);
        uint8_t *y = gomem_alloc(allocator, 12 * KIB);
        CHECK(x == a && y != NULL && stats_of(allocator).arena_count == 2);
        CHECK_STATUS(gomem_free(allocator, x, 12 * KIB), GOMEM_OK);
        uint8_t *z = gomem_alloc(allocator, 2 * KIB);
        CHECK(compact ? z == a : (z >= y && z < y + 32 * KIB));
        CHECK(gomem_allocator_invariants_hold(allocator));
        gomem_allocator_destroy(allocator);
    }
}

static void test_stats(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    gomem_stats stats = stats_of(allocator);
    CHECK_EQ(stats.total_malloc, 0);
    CHECK_EQ(stats.total_free, 0);
    CHECK_EQ(stats.live, 0);
    CHECK_EQ(stats.footprint, 0);
    CHECK_EQ(stats.peak_footprint, 0);
    CHECK_EQ(stats.peak_live, 0);
    CHECK_EQ(stats.arena_count, 0);
    CHECK(stats.metadata > 0); /* the allocator struct itself */
    size_t metadata_empty = stats.metadata;
    uint8_t *a = gomem_alloc(allocator, 1000);
    uint8_t *b = gomem_alloc(allocator, 3);
    stats = stats_of(allocator);
    CHECK_EQ(stats.total_malloc, 1003);
    CHECK_EQ(stats.live, 1003);
    CHECK_EQ(stats.footprint, 16 * KIB);
    CHECK_EQ(stats.peak_footprint, 16 * KIB);
    CHECK_EQ(stats.arena_count, 1);
    CHECK(stats.metadata > metadata_empty); /* arena table and index nodes */
    CHECK_STATUS(gomem_free(allocator, a + 10, 20), GOMEM_OK);
    stats = stats_of(allocator);
    CHECK_EQ(stats.total_free, 20);
    CHECK_EQ(stats.live, 983);
    /* Failed calls count nothing. */
    CHECK_STATUS(gomem_free(allocator, a + 10, 20), GOMEM_ERR_DOUBLE_FREE);
    CHECK(gomem_alloc(allocator, 0) == NULL);
    gomem_stats after = stats_of(allocator);
    CHECK(same_stats(&stats, &after));
    CHECK_STATUS(gomem_free(allocator, a, 10), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, a + 30, 970), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, b, 3), GOMEM_OK);
    stats = stats_of(allocator);
    CHECK_EQ(stats.total_malloc, 1003);
    CHECK_EQ(stats.total_free, 1003);
    CHECK_EQ(stats.live, 0);
    CHECK_EQ(stats.peak_live, 1003); /* the high-water mark stays */
    CHECK_EQ(stats.footprint, 16 * KIB); /* arenas stay until trim */
    /* Growing in place counts towards the peak; a new peak needs more live bytes than the last. */
    uint8_t *c = gomem_alloc(allocator, 500);
    CHECK_STATUS(gomem_grow_in_place(allocator, c, 500, 900), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).peak_live, 1003);
    CHECK_STATUS(gomem_grow_in_place(allocator, c, 900, 1100), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).peak_live, 1100);
    CHECK_STATUS(gomem_free(allocator, c, 1100), GOMEM_OK);
    int visits = 0;
    gomem_allocator_arenas(allocator, stop_at_first, &visits);
    CHECK_EQ(visits, 1);
    gomem_allocator_destroy(allocator);
}

static void test_owns(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    gomem_allocator *other = gomem_allocator_create(0);
    uint8_t *p = gomem_alloc(allocator, 100);
    uint8_t *q = gomem_alloc(other, 100);
    arena_list list = arenas_of(allocator);
    uint8_t *base = list.arenas[0].base;
    size_t size = list.arenas[0].size;
    int on_stack = 0;
    CHECK(gomem_allocator_owns(allocator, p, 100));
    CHECK(gomem_allocator_owns(allocator, p, 1));
    CHECK(gomem_allocator_owns(allocator, base, size));
    CHECK(gomem_allocator_owns(allocator, base + size - 1, 1));
    CHECK(!gomem_allocator_owns(allocator, base, size + 1));
    CHECK(!gomem_allocator_owns(allocator, base + size - 1, 2));
    CHECK(!gomem_allocator_owns(allocator, base + size, 1));
    CHECK(!gomem_allocator_owns(allocator, base - 1, 1));
    CHECK(!gomem_allocator_owns(allocator, &on_stack, 1));
    CHECK(!gomem_allocator_owns(allocator, q, 1));
    CHECK(gomem_allocator_owns(other, q, 100));
    CHECK(!gomem_allocator_owns(other, p, 1));
    gomem_allocator_destroy(other);
    gomem_allocator_destroy(allocator);
}

/* Every error status; each leaves the allocator as it was and able to serve. */
static void test_errors(void) {
    gomem_allocator_options options = {.initial_size = 16 * KIB, .max_block_size = 64 * KIB};
    gomem_allocator *allocator = gomem_allocator_create_ex(&options, NULL);
    gomem_allocator *other = gomem_allocator_create(0);
    uint8_t *whole = gomem_alloc(allocator, 16 * KIB); /* fills the first arena */
    uint8_t *p = gomem_alloc(allocator, 512);
    uint8_t *big = gomem_alloc(allocator, 100 * KIB); /* dedicated */
    uint8_t *q = gomem_alloc(other, 64);
    CHECK(whole && p && big && q);
    CHECK_STATUS(gomem_free(allocator, p + 128, 128), GOMEM_OK); /* a hole */
    gomem_stats before = stats_of(allocator);
    int on_stack = 0;

    struct {
        void *ptr;
        size_t size;
        gomem_status expected;
    } cases[] = {
        {&on_stack, sizeof on_stack, GOMEM_ERR_FOREIGN_POINTER},
        {q, 64, GOMEM_ERR_FOREIGN_POINTER},
        {NULL, 8, GOMEM_ERR_INVALID_ARGUMENT},
        {p, 0, GOMEM_ERR_INVALID_SIZE},
        {p + 128, 128, GOMEM_ERR_DOUBLE_FREE},   /* the hole again */
        {p + 160, 8, GOMEM_ERR_DOUBLE_FREE},     /* inside it */
        {p + 100, 100, GOMEM_ERR_DOUBLE_FREE},   /* overlapping its start */
        {p + 250, 100, GOMEM_ERR_DOUBLE_FREE},   /* overlapping its end */
        {p, 512, GOMEM_ERR_DOUBLE_FREE},         /* spanning it */
        {whole + 16 * KIB - 8, 9, GOMEM_ERR_OUT_OF_RANGE},
        {whole, SIZE_MAX, GOMEM_ERR_OUT_OF_RANGE},
        {big + 100 * KIB - 1, 200 * KIB, GOMEM_ERR_OUT_OF_RANGE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_STATUS(gomem_free(allocator, cases[i].ptr, cases[i].size), cases[i].expected);
        gomem_stats after = stats_of(allocator);
        CHECK(same_stats(&before, &after));
        CHECK(gomem_allocator_invariants_hold(allocator));
        /* Serves a new request, which is then given back. */
        uint8_t *fresh = gomem_alloc(allocator, 24);
        CHECK(fresh != NULL);
        if (fresh != NULL) {
            memset(fresh, 0xCC, 24);
            CHECK_STATUS(gomem_free(allocator, fresh, 24), GOMEM_OK);
        }
        /* Undo the counting of that pair so `before` stays comparable. */
        before = stats_of(allocator);
    }
    CHECK(gomem_allocator_invariants_hold(other));
    CHECK_EQ(stats_of(other).live, 64);
    CHECK_STATUS(gomem_free(allocator, p, 128), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, p + 256, 256), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, whole, 16 * KIB), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, big, 100 * KIB), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).live, 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    gomem_allocator_destroy(other);
    gomem_allocator_destroy(allocator);
}

/* An allocator whose arenas must come from the page source under the cap: in GOMEM_BUDDY builds it
 * gets a small buddy of its own, so that a new arena soon needs a new (capped) pool. */
static gomem_allocator *capped_allocator(gomem_buddy **buddy_out, size_t max_block) {
    gomem_allocator_options options = {.initial_size = 16 * KIB, .max_block_size = max_block};
    *buddy_out = NULL;
    if (has_buddy()) {
        *buddy_out = gomem_buddy_create(64 * KIB);
        options.buddy = *buddy_out;
    }
    return gomem_allocator_create_ex(&options, NULL);
}

static void test_out_of_memory(void) {
    gomem_buddy *buddy;
    gomem_allocator *allocator = capped_allocator(&buddy, 64 * KIB);
    CHECK(allocator != NULL);
    if (allocator == NULL) return;
    uint8_t *first = gomem_alloc(allocator, 4096);
    CHECK(first != NULL);

    /* At the cap no allocator can even be created, and the refusal holds nothing. */
    size_t held = gomem_page_bytes_held();
    gomem_set_page_limit(held);
    CHECK(gomem_allocator_create(0) == NULL);
    CHECK(gomem_arena_create(4096) == NULL);
    CHECK_EQ(gomem_page_bytes_held(), held);

    size_t limit = gomem_page_bytes_held() + 256 * KIB;
    gomem_set_page_limit(limit);
    CHECK_EQ(gomem_page_limit(), limit);

    /* A dedicated region over the cap: refused, nothing changes. */
    gomem_stats before = stats_of(allocator);
    CHECK(gomem_alloc(allocator, 300 * KIB) == NULL);
    gomem_stats after = stats_of(allocator);
    CHECK(same_stats(&before, &after));
    CHECK(gomem_allocator_invariants_hold(allocator));

    /* Fill until the cap bites. */
    enum { MAX_CHUNKS = 4096 };
    static uint8_t *chunks[MAX_CHUNKS];
    size_t count = 0;
    while (count < MAX_CHUNKS) {
        uint8_t *chunk = gomem_alloc(allocator, 4096);
        if (chunk == NULL) break;
        memset(chunk, (int)(count & 0xFF), 4096);
        chunks[count++] = chunk;
    }
    CHECK(count < MAX_CHUNKS); /* the cap was hit */
    CHECK(count >= 16);        /* ...but not before the 256 KiB allowed were used */
    CHECK(gomem_page_bytes_held() <= limit);
    CHECK(gomem_allocator_invariants_hold(allocator));
    before = stats_of(allocator);
    CHECK_EQ(before.live, (count + 1) * 4096);
    CHECK(gomem_alloc(allocator, 4096) == NULL); /* still capped, still unchanged */
    CHECK(gomem_alloc(allocator, 1) == NULL);
    after = stats_of(allocator);
    CHECK(same_stats(&before, &after));

    /* Freeing makes room again without new pages. */
    if (count > 3) {
        CHECK_STATUS(gomem_free(allocator, chunks[3], 4096), GOMEM_OK);
        uint8_t *again = gomem_alloc(allocator, 4096);
        CHECK(again == chunks[3]);
    }
    bool intact = true;
    for (size_t i = 0; i < count; i++)
        if (i != 3)
            for (size_t j = 0; j < 4096; j += 512) intact = intact && chunks[i][j] == (uint8_t)(i & 0xFF);
    CHECK(intact);
    CHECK(gomem_allocator_invariants_hold(allocator));

    /* Lifting the cap lets it grow again. */
    gomem_set_page_limit(0);
    CHECK_EQ(gomem_page_limit(), 0);
    uint8_t *more = gomem_alloc(allocator, 4096);
    CHECK(more != NULL);
    for (size_t i = 0; i < count; i++) CHECK_STATUS(gomem_free(allocator, chunks[i], 4096), GOMEM_OK);
    if (more) CHECK_STATUS(gomem_free(allocator, more, 4096), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, first, 4096), GOMEM_OK);
    CHECK_EQ(stats_of(allocator).live, 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    gomem_allocator_destroy(allocator);
    gomem_buddy_destroy(buddy);
    gomem_set_page_limit(0);
}

/* A page limit is used up, not refused at half of it: when the next (doubled) arena does not fit
 * in what is left, a smaller one that holds the request does. What is left at the end is less
 * than the smallest arena that could still be added (with its metadata, hardened builds' boundary
 * map included), or, with GOMEM_BUDDY, less than a pool of the process-wide buddy allocator. */
static void test_limit_used_up(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    CHECK(allocator != NULL);
    if (allocator == NULL) return;
    size_t start = gomem_page_bytes_held(), room = 8u << 20;
    gomem_set_page_limit(start + room);
    size_t count = 0;
    while (gomem_alloc(allocator, 1000) != NULL) count++;
    size_t used = gomem_page_bytes_held() - start;
    CHECK(used <= room);
#if GOMEM_BUDDY
    size_t unit = GOMEM_BUDDY_POOL_SIZE;
#else
    size_t unit = 64 * KIB;
#endif
    if (unit < room) CHECK(room - used < unit); /* before: 4.3 MiB of 8 used, 4 MiB refused */
    CHECK(count > 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    gomem_set_page_limit(0);
    gomem_allocator_destroy(allocator);
    CHECK(gomem_page_bytes_held() <= start);
}

/* docs/design.md, D8: a free in the middle of a live range needs an index node; when the node
 * pool cannot grow, the free reports GOMEM_ERR_NOMEM and changes nothing. */
static void test_free_needs_node(void) {
    gomem_allocator_options options = {.initial_size = 1024 * KIB, .max_block_size = 1024 * KIB};
    gomem_allocator *allocator = gomem_allocator_create_ex(&options, NULL);
    size_t span = 512 * KIB;
    uint8_t *block = gomem_alloc(allocator, span);
    CHECK(block != NULL);
    if (block == NULL) return;
    /* Freeze the page budget: the node pool can use only the capacity it has now. */
    gomem_set_page_limit(gomem_page_bytes_held());
    size_t holes = 0;
    gomem_status status = GOMEM_OK;
    while (holes < span / 32) {
        status = gomem_free(allocator, block + holes * 32 + 8, 8);
        if (status != GOMEM_OK) break;
        holes++;
    }
    CHECK_STATUS(status, GOMEM_ERR_NOMEM);
    CHECK(holes > 0);
    gomem_stats before = stats_of(allocator);
    CHECK_EQ(before.live, span - holes * 8);
    CHECK(gomem_allocator_invariants_hold(allocator));
    arena_list list = arenas_of(allocator);
    size_t free_before = list.arenas[0].free_bytes;

    /* Refused again, and nothing changed: not a double free afterwards. */
    CHECK_STATUS(gomem_free(allocator, block + holes * 32 + 8, 8), GOMEM_ERR_NOMEM);
    gomem_stats after = stats_of(allocator);
    CHECK(same_stats(&before, &after));
    list = arenas_of(allocator);
    CHECK_EQ(list.arenas[0].free_bytes, free_before);
    CHECK(gomem_allocator_invariants_hold(allocator));

    /* Growing that block by moving it fails whole: its old place cannot be given back, so the
     * move is undone; the block stays allocated where it was and nothing leaks (a fuzzer found
     * the old block kept live while the caller was handed the new one). */
    uint8_t *stuck = block + holes * 32 + 8;
    stuck[0] = 0x5A;
    CHECK(gomem_allocator_resize(allocator, stuck, 8, 64) == NULL);
    CHECK_EQ(stats_of(allocator).live, before.live);
    list = arenas_of(allocator);
    CHECK_EQ(list.arenas[0].free_bytes, free_before);
    CHECK_EQ(stuck[0], 0x5A);
    CHECK_STATUS(gomem_free(allocator, stuck, 8), GOMEM_ERR_NOMEM); /* still live: not a double free */
    CHECK(gomem_allocator_invariants_hold(allocator));

    /* Frees that join an existing hole need no node and still work at the cap. */
    CHECK_STATUS(gomem_free(allocator, block + 16, 4), GOMEM_OK);  /* joins hole [8,16) */
    CHECK_STATUS(gomem_free(allocator, block, 8), GOMEM_OK);       /* joins it from below */
    CHECK_STATUS(gomem_free(allocator, block + 20, 20), GOMEM_OK); /* joins both: [0,48) */
    CHECK_EQ(stats_of(allocator).live, before.live - 32);
    /* A malloc from the front of a free block needs no node either. Both indexes prefer a
     * close fit: an exact 8-byte hole (or the front of [0,48), which is as good). */
    uint8_t *refill = gomem_alloc(allocator, 8);
    CHECK(refill != NULL);
    CHECK(refill == block || (refill > block && (size_t)(refill - block) % 32 == 8));
    CHECK_EQ(stats_of(allocator).live, before.live - 24);
    CHECK(gomem_allocator_invariants_hold(allocator));

    /* With the cap lifted the same free succeeds. */
    gomem_set_page_limit(0);
    CHECK_STATUS(gomem_free(allocator, block + holes * 32 + 8, 8), GOMEM_OK);
    CHECK(gomem_allocator_invariants_hold(allocator));
    gomem_allocator_recycle(allocator);
    CHECK_EQ(stats_of(allocator).live, 0);
    gomem_allocator_destroy(allocator);
    gomem_set_page_limit(0);
}

static void test_resize_fn(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    CHECK(gomem_allocator_resize(allocator, NULL, 0, 0) == NULL);
    uint8_t *p = gomem_allocator_resize(allocator, NULL, 0, 100);
    CHECK(p != NULL);
    if (p == NULL) return;
    for (size_t i = 0; i < 100; i++) p[i] = (uint8_t)i;
    CHECK_EQ(stats_of(allocator).live, 100);
    /* Grow: a new block with the old bytes. */
    uint8_t *grown = gomem_allocator_resize(allocator, p, 100, 300);
    CHECK(grown != NULL);
    if (grown == NULL) return;
    bool copied = true;
    for (size_t i = 0; i < 100; i++) copied = copied && grown[i] == (uint8_t)i;
    CHECK(copied);
    memset(grown + 100, 0xEE, 200);
    CHECK_EQ(stats_of(allocator).live, 300);
    /* Shrink: same pointer, the tail is given back. */
    uint8_t *shrunk = gomem_allocator_resize(allocator, grown, 300, 50);
    CHECK(shrunk == grown);
    CHECK_EQ(stats_of(allocator).live, 50);
    copied = true;
    for (size_t i = 0; i < 50; i++) copied = copied && shrunk[i] == (uint8_t)i;
    CHECK(copied);
    CHECK(gomem_allocator_resize(allocator, shrunk, 50, 50) == shrunk);
    CHECK_EQ(stats_of(allocator).live, 50);
    /* A grow that cannot be had leaves the old block alone. */
    CHECK(gomem_allocator_resize(allocator, shrunk, 50, GOMEM_ARENA_LIMIT + 1) == NULL);
    CHECK_EQ(stats_of(allocator).live, 50);
    /* 0 releases. */
    CHECK(gomem_allocator_resize(allocator, shrunk, 50, 0) == NULL);
    CHECK_EQ(stats_of(allocator).live, 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    gomem_allocator_destroy(allocator);
}

/* Random mallocs (some dedicated), patterns, segmented frees, borrows and trims. */
static void test_random_walk(void) {
    test_rng rng = test_rng_seed(test_seed(0x5CA1AB1E));
    gomem_allocator_options options = {.initial_size = 4 * KIB, .max_block_size = 128 * KIB};
    gomem_allocator *allocator = gomem_allocator_create_ex(&options, NULL);
    typedef struct live_range {
        uint8_t *ptr;
        size_t len;
        uint8_t tag;
    } live_range;
    enum { MAX_LIVE = 300 };
    static live_range live[MAX_LIVE];
    size_t live_count = 0;
    uint64_t live_bytes = 0;
    int failures = 0, corrupt = 0, broken = 0;
    for (int step = 0; step < 30000; step++) {
        uint64_t roll = test_rng_next(&rng) % 100;
        if (live_count == 0 || (roll < 50 && live_count < MAX_LIVE)) {
            size_t len = roll < 2 ? test_rng_range(&rng, 128 * KIB + 1, 512 * KIB)
                                  : test_rng_range(&rng, 1, roll < 10 ? 32 * KIB : 512);
            uint8_t *p = gomem_alloc(allocator, len);
            if (p == NULL || (uintptr_t)p % 8 != 0 || !gomem_allocator_owns(allocator, p, len)) {
                failures++;
                continue;
            }
            uint8_t tag = (uint8_t)test_rng_range(&rng, 1, 255);
            memset(p, tag, len);
            live[live_count++] = (live_range){p, len, tag};
            live_bytes += len;
        } else if (roll < 97) {
            size_t pick = test_rng_range(&rng, 0, live_count - 1);
            live_range *r = &live[pick];
            for (size_t i = 0; i < r->len; i++)
                if (r->ptr[i] != r->tag) {
                    corrupt++;
                    break;
                }
            size_t cut = r->len > 1 && roll % 2 ? test_rng_range(&rng, 1, r->len - 1) : r->len;
            bool from_back = roll % 3 == 0;
            uint8_t *at = from_back ? r->ptr + r->len - cut : r->ptr;
            if (gomem_free(allocator, at, cut) != GOMEM_OK) failures++;
            /* Again: already free (or, for a released dedicated region, no longer ours). */
            gomem_status again = gomem_free(allocator, at, cut);
            if (again != GOMEM_ERR_DOUBLE_FREE && again != GOMEM_ERR_FOREIGN_POINTER) failures++;
            live_bytes -= cut;
            if (cut == r->len) {
                live[pick] = live[--live_count];
            } else {
                if (!from_back) r->ptr += cut;
                r->len -= cut;
            }
        } else if (roll < 99) {
            (void)gomem_trim(allocator);
        } else {
            size_t len = test_rng_range(&rng, 1, 2048);
            uint8_t *b = gomem_borrow(allocator, len);
            if (b == NULL) {
                failures++;
            } else {
                memset(b, 0, len); /* must not hit any live range */
                uint8_t *m = gomem_alloc(allocator, len);
                if (m != b) failures++;
                if (m != NULL) {
                    memset(m, 0x77, len);
                    if (live_count < MAX_LIVE) {
                        live[live_count++] = (live_range){m, len, 0x77};
                        live_bytes += len;
                    } else if (gomem_free(allocator, m, len) != GOMEM_OK) {
                        failures++;
                    }
                }
            }
        }
        gomem_stats stats;
        gomem_allocator_stats(allocator, &stats);
        if (stats.live != live_bytes || stats.peak_footprint < stats.footprint) broken++;
        if (step % 1000 == 0 && !gomem_allocator_invariants_hold(allocator)) broken++;
    }
    CHECK_EQ(failures, 0);
    CHECK_EQ(corrupt, 0);
    CHECK_EQ(broken, 0);
    for (size_t i = 0; i < live_count; i++) {
        bool intact = true;
        for (size_t j = 0; j < live[i].len; j++) intact = intact && live[i].ptr[j] == live[i].tag;
        CHECK(intact);
        CHECK_STATUS(gomem_free(allocator, live[i].ptr, live[i].len), GOMEM_OK);
    }
    CHECK_EQ(stats_of(allocator).live, 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    (void)gomem_trim(allocator);
    CHECK_EQ(stats_of(allocator).arena_count, 0);
    gomem_allocator_destroy(allocator);
}

int main(void) {
    RUN(test_create_options);
    RUN(test_malloc_basics);
    RUN(test_growth);
    RUN(test_dedicated);
    RUN(test_dedicated_grows);
    RUN(test_segmented_free);
    RUN(test_free_rest);
    RUN(test_read_into);
    RUN(test_borrow);
    RUN(test_trim);
    RUN(test_recycle);
    RUN(test_stats);
    RUN(test_compact);
    RUN(test_owns);
    RUN(test_errors);
    RUN(test_out_of_memory);
    RUN(test_limit_used_up);
    RUN(test_free_needs_node);
    RUN(test_resize_fn);
    RUN(test_random_walk);
    gomem_set_page_limit(0);
    return check_report("test_allocator");
}
