/*
 * test_buddy.c - the buddy pool (GOMEM_BUDDY). Builds without it only check that the API refuses
 * politely. With it: creation limits, rounding and alignment of regions, filling one pool and
 * spilling into another, merging on free, every bad free, the byte counts, the invariants after
 * each step, a seeded random stress with overlap checks, and allocators carving their arenas
 * from a buddy of their own.
 */
#include "check.h"

#define KIB ((size_t)1 << 10)

static size_t page(void) { return gomem_page_source()->page_size; }

static bool has_buddy(void) { return (gomem_features() & GOMEM_FEATURE_BUDDY) != 0; }

static void test_without_buddy(void) {
    if (has_buddy()) return;
    int on_stack = 0;
    CHECK(gomem_buddy_create(64 * KIB) == NULL);
    CHECK(gomem_buddy_create((size_t)64 << 20) == NULL);
    CHECK_STATUS(gomem_buddy_free(NULL, &on_stack), GOMEM_ERR_UNSUPPORTED);
    gomem_buddy_destroy(NULL);
}

static void test_create_limits(void) {
    if (!has_buddy()) return;
    size_t held = gomem_page_bytes_held();
    CHECK(gomem_buddy_create(0) == NULL);
    CHECK(gomem_buddy_create(1) == NULL);
    CHECK(gomem_buddy_create(32 * KIB) == NULL);      /* below 64 KiB */
    CHECK(gomem_buddy_create(64 * KIB - 1) == NULL);
    CHECK(gomem_buddy_create(64 * KIB + page()) == NULL); /* not a power of two */
    CHECK(gomem_buddy_create(96 * KIB) == NULL);
    CHECK(gomem_buddy_create(GOMEM_ARENA_LIMIT) == NULL);
#if SIZE_MAX > 0xFFFFFFFFu
    CHECK(gomem_buddy_create((size_t)1 << 32) == NULL); /* above GOMEM_ARENA_LIMIT */
#endif
    CHECK_EQ(gomem_page_bytes_held(), held);
    gomem_buddy *buddy = gomem_buddy_create(64 * KIB);
    CHECK(buddy != NULL);
    if (buddy == NULL) return;
    /* Lazy: no pool until the first region. */
    CHECK_EQ(gomem_buddy_pool_bytes(buddy), 0);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 0);
    CHECK(gomem_buddy_invariants_hold(buddy));
    gomem_buddy *large = gomem_buddy_create((size_t)1 << 30);
    CHECK(large != NULL);
    CHECK_EQ(gomem_buddy_pool_bytes(large), 0);
    gomem_buddy_destroy(large);
    gomem_buddy_destroy(buddy);
    gomem_buddy_destroy(NULL);
    CHECK_EQ(gomem_page_bytes_held(), held);
}

/* The smallest shape that has an internal node with no free byte below it although it is not
 * itself a region: two buddy pages handed out one by one. */
static void test_invariants_two_buddies(void) {
    if (!has_buddy()) return;
    gomem_buddy *buddy = gomem_buddy_create(64 * KIB);
    uint8_t *x = gomem_buddy_alloc(buddy, 1);
    CHECK(gomem_buddy_invariants_hold(buddy));
    uint8_t *y = gomem_buddy_alloc(buddy, 1);
    CHECK(x != NULL && y != NULL);
    CHECK(gomem_buddy_invariants_hold(buddy));
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 2 * page());
    CHECK_STATUS(gomem_buddy_free(buddy, x), GOMEM_OK);
    CHECK(gomem_buddy_invariants_hold(buddy));
    CHECK_STATUS(gomem_buddy_free(buddy, y), GOMEM_OK);
    CHECK(gomem_buddy_invariants_hold(buddy));
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 0);
    gomem_buddy_destroy(buddy);
}

static void test_alloc_rounding(void) {
    if (!has_buddy()) return;
    const size_t pool = 256 * KIB;
    size_t held = gomem_page_bytes_held();
    gomem_buddy *buddy = gomem_buddy_create(pool);
    CHECK(gomem_buddy_alloc(buddy, 0) == NULL);
    CHECK(gomem_buddy_alloc(buddy, pool + 1) == NULL);
    CHECK(gomem_buddy_alloc(buddy, SIZE_MAX) == NULL);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 0);

    /* The whole pool once: that is the pool's base, and all later regions lie inside it. */
    uint8_t *base = gomem_buddy_alloc(buddy, pool);
    CHECK(base != NULL);
    if (base == NULL) return;
    CHECK_EQ(gomem_buddy_pool_bytes(buddy), pool);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), pool);
    CHECK(gomem_page_bytes_held() >= held + pool);
    memset(base, 0x11, pool);
    /* The pool is full: one more page maps a second pool. */
    uint8_t *spill = gomem_buddy_alloc(buddy, 1);
    CHECK(spill != NULL);
    CHECK(spill < base || spill >= base + pool);
    CHECK_EQ(gomem_buddy_pool_bytes(buddy), 2 * pool);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), pool + page());
    if (spill != NULL) memset(spill, 0x22, page());
    CHECK(gomem_buddy_invariants_hold(buddy));
    gomem_buddy_destroy(buddy);
    CHECK_EQ(gomem_page_bytes_held(), held);

    buddy = gomem_buddy_create(pool);
    base = gomem_buddy_alloc(buddy, pool);
    CHECK_STATUS(gomem_buddy_free(buddy, base), GOMEM_OK);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 0);
    CHECK_EQ(gomem_buddy_pool_bytes(buddy), pool); /* the only pool stays mapped */

    struct {
        size_t ask, expect;
    } cases[] = {
        {1, 0}, {page() - 1, 0}, {page(), 0}, {page() + 1, 0}, {3 * page(), 0},
        {4 * page(), 0}, {5 * page(), 0}, {17 * KIB, 0}, {64 * KIB + 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t expect = page();
        while (expect < cases[i].ask) expect *= 2;
        cases[i].expect = expect;
    }
    size_t used = 0;
    uint8_t *regions[16];
    size_t count = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < count; i++) {
        uint8_t *region = gomem_buddy_alloc(buddy, cases[i].ask);
        regions[i] = region;
        CHECK(region != NULL);
        if (region == NULL) continue;
        used += cases[i].expect;
        CHECK_EQ(gomem_buddy_used_bytes(buddy), used);
        CHECK((uintptr_t)region >= (uintptr_t)base);
        CHECK((uintptr_t)region + cases[i].expect <= (uintptr_t)base + pool);
        /* Aligned to its own (rounded) size relative to the pool. */
        CHECK_EQ((size_t)(region - base) % cases[i].expect, 0);
        memset(region, (int)i, cases[i].expect); /* every byte of the rounded region is ours */
        CHECK(gomem_buddy_invariants_hold(buddy));
    }
    CHECK_EQ(gomem_buddy_pool_bytes(buddy), pool);
    /* Disjoint, contents intact. */
    bool intact = true, disjoint = true;
    for (size_t i = 0; i < count; i++) {
        if (regions[i] == NULL) continue;
        for (size_t j = 0; j < cases[i].expect; j++) intact = intact && regions[i][j] == (uint8_t)i;
        for (size_t k = i + 1; k < count; k++) {
            if (regions[k] == NULL) continue;
            bool apart = regions[i] + cases[i].expect <= regions[k] ||
                         regions[k] + cases[k].expect <= regions[i];
            disjoint = disjoint && apart;
        }
    }
    CHECK(intact);
    CHECK(disjoint);
    for (size_t i = 0; i < count; i++) {
        if (regions[i] == NULL) continue;
        CHECK_STATUS(gomem_buddy_free(buddy, regions[i]), GOMEM_OK);
        used -= cases[i].expect;
        CHECK_EQ(gomem_buddy_used_bytes(buddy), used);
        CHECK(gomem_buddy_invariants_hold(buddy));
    }
    /* Everything merged back: the whole pool is one region again, at the same base. */
    uint8_t *whole = gomem_buddy_alloc(buddy, pool);
    CHECK(whole == base);
    CHECK_EQ(gomem_buddy_pool_bytes(buddy), pool);
    CHECK_STATUS(gomem_buddy_free(buddy, whole), GOMEM_OK);
    gomem_buddy_destroy(buddy);
    CHECK_EQ(gomem_page_bytes_held(), held);
}

static void test_fill_and_spill(void) {
    if (!has_buddy()) return;
    const size_t pool = 64 * KIB;
    size_t units = pool / page();
    gomem_buddy *buddy = gomem_buddy_create(pool);
    uint8_t *base = gomem_buddy_alloc(buddy, pool);
    CHECK(base != NULL);
    if (base == NULL) return;
    CHECK_STATUS(gomem_buddy_free(buddy, base), GOMEM_OK);

    /* One page at a time fills the pool exactly. */
    uint8_t *pages[64];
    for (size_t i = 0; i < units && i < 64; i++) {
        pages[i] = gomem_buddy_alloc(buddy, 1);
        CHECK(pages[i] != NULL);
        CHECK(pages[i] >= base && pages[i] < base + pool);
        if (pages[i] != NULL) memset(pages[i], (int)i, page());
    }
    CHECK_EQ(gomem_buddy_used_bytes(buddy), pool);
    CHECK_EQ(gomem_buddy_pool_bytes(buddy), pool);
    CHECK(gomem_buddy_invariants_hold(buddy));

    /* The next region spills into a second pool. */
    uint8_t *spill = gomem_buddy_alloc(buddy, 2 * page());
    CHECK(spill != NULL);
    CHECK(spill < base || spill >= base + pool);
    CHECK_EQ(gomem_buddy_pool_bytes(buddy), 2 * pool);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), pool + 2 * page());
    CHECK(gomem_buddy_invariants_hold(buddy));
    if (spill != NULL) memset(spill, 0x77, 2 * page());

    /* Free two buddies in the first pool: they merge, so a two-page region fits there again. */
    size_t first = 0;
    for (size_t i = 0; i < units; i++)
        if (pages[i] == base) first = i;
    size_t second = units;
    for (size_t i = 0; i < units; i++)
        if (pages[i] == base + page()) second = i;
    CHECK(second < units);
    if (second >= units) return;
    CHECK_STATUS(gomem_buddy_free(buddy, pages[first]), GOMEM_OK);
    CHECK_STATUS(gomem_buddy_free(buddy, pages[second]), GOMEM_OK);
    CHECK(gomem_buddy_invariants_hold(buddy));
    uint8_t *pair = gomem_buddy_alloc(buddy, 2 * page());
    CHECK(pair == base); /* first pool, where the merged buddies were */
    CHECK_EQ(gomem_buddy_pool_bytes(buddy), 2 * pool);
    pages[first] = pair;
    pages[second] = NULL;

    /* Contents survived all of it. */
    bool intact = true;
    for (size_t i = 0; i < units; i++) {
        if (i == first || i == second || pages[i] == NULL) continue;
        for (size_t j = 0; j < page(); j++) intact = intact && pages[i][j] == (uint8_t)i;
    }
    for (size_t j = 0; spill != NULL && j < 2 * page(); j++) intact = intact && spill[j] == 0x77;
    CHECK(intact);

    /* Free everything; one pool may stay mapped, at most. */
    for (size_t i = 0; i < units; i++)
        if (pages[i] != NULL) CHECK_STATUS(gomem_buddy_free(buddy, pages[i]), GOMEM_OK);
    CHECK_STATUS(gomem_buddy_free(buddy, spill), GOMEM_OK);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 0);
    CHECK(gomem_buddy_pool_bytes(buddy) <= 2 * pool);
    CHECK(gomem_buddy_invariants_hold(buddy));
    /* After freeing everything one region of the whole pool succeeds again. */
    uint8_t *whole = gomem_buddy_alloc(buddy, pool);
    CHECK(whole != NULL);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), pool);
    CHECK_STATUS(gomem_buddy_free(buddy, whole), GOMEM_OK);
    gomem_buddy_destroy(buddy);
}

static void test_bad_frees(void) {
    if (!has_buddy()) return;
    const size_t pool = 128 * KIB;
    gomem_buddy *buddy = gomem_buddy_create(pool);
    gomem_buddy *other = gomem_buddy_create(pool);
    uint8_t *region = gomem_buddy_alloc(buddy, 4 * page());
    uint8_t *small = gomem_buddy_alloc(buddy, 1);
    uint8_t *theirs = gomem_buddy_alloc(other, 1);
    CHECK(region && small && theirs);
    if (!(region && small && theirs)) return;
    size_t used = gomem_buddy_used_bytes(buddy);
    int on_stack = 0;
    CHECK_STATUS(gomem_buddy_free(buddy, &on_stack), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_STATUS(gomem_buddy_free(buddy, theirs), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_STATUS(gomem_buddy_free(buddy, region + 1), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_STATUS(gomem_buddy_free(buddy, region + page()), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_STATUS(gomem_buddy_free(buddy, region + 2 * page()), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_STATUS(gomem_buddy_free(buddy, region + 3 * page()), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_STATUS(gomem_buddy_free(buddy, small + 8), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_STATUS(gomem_buddy_free(buddy, NULL), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), used);
    CHECK(gomem_buddy_invariants_hold(buddy));

    /* A free page of the pool that was never handed out. */
    uint8_t *probe = gomem_buddy_alloc(buddy, 1);
    CHECK(probe != NULL);
    CHECK_STATUS(gomem_buddy_free(buddy, probe), GOMEM_OK);
    CHECK_STATUS(gomem_buddy_free(buddy, probe), GOMEM_ERR_FOREIGN_POINTER); /* double free */
    CHECK_EQ(gomem_buddy_used_bytes(buddy), used);

    /* Double free of a larger region, and after its buddies merged. */
    CHECK_STATUS(gomem_buddy_free(buddy, region), GOMEM_OK);
    CHECK_STATUS(gomem_buddy_free(buddy, region), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_STATUS(gomem_buddy_free(buddy, small), GOMEM_OK);
    CHECK_STATUS(gomem_buddy_free(buddy, small), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 0);
    CHECK(gomem_buddy_invariants_hold(buddy));
    CHECK(gomem_buddy_invariants_hold(other));
    CHECK_EQ(gomem_buddy_used_bytes(other), page());
    /* Still serving. */
    uint8_t *again = gomem_buddy_alloc(buddy, pool);
    CHECK(again != NULL);
    CHECK_STATUS(gomem_buddy_free(buddy, again), GOMEM_OK);
    CHECK_STATUS(gomem_buddy_free(other, theirs), GOMEM_OK);
    gomem_buddy_destroy(other);
    gomem_buddy_destroy(buddy);
}

static int compare_region(const void *a, const void *b) {
    const uint8_t *const *x = a;
    const uint8_t *const *y = b;
    return *x < *y ? -1 : *x > *y;
}

/* Random alloc/free; regions checked for overlap and content, byte counts after every step. */
static void test_random_stress(void) {
    if (!has_buddy()) return;
    test_rng rng = test_rng_seed(test_seed(0xB0DD7));
    const size_t pool = 1024 * KIB;
    size_t held = gomem_page_bytes_held();
    gomem_buddy *buddy = gomem_buddy_create(pool);
    enum { MAX_LIVE = 200 };
    typedef struct region {
        uint8_t *ptr;
        size_t size; /* rounded */
        uint8_t tag;
    } region;
    static region live[MAX_LIVE];
    size_t live_count = 0, used = 0;
    int failures = 0, corrupt = 0, overlap = 0, counts = 0, broken = 0;
    for (int step = 0; step < 6000; step++) {
        bool do_alloc = live_count == 0 || (live_count < MAX_LIVE && test_rng_next(&rng) % 5 < 3);
        if (do_alloc) {
            size_t ask = test_rng_range(&rng, 1, test_rng_next(&rng) % 20 == 0 ? pool : 64 * KIB);
            uint8_t *p = gomem_buddy_alloc(buddy, ask);
            if (p == NULL) {
                failures++;
                continue;
            }
            size_t size = page();
            while (size < ask) size *= 2;
            for (size_t i = 0; i < live_count; i++)
                if (!(p + size <= live[i].ptr || live[i].ptr + live[i].size <= p)) overlap++;
            uint8_t tag = (uint8_t)test_rng_range(&rng, 1, 255);
            /* Every page of the region (and its last byte) gets the tag. */
            for (size_t i = 0; i < size; i += 512) p[i] = tag;
            p[size - 1] = tag;
            live[live_count++] = (region){p, size, tag};
            used += size;
        } else {
            size_t pick = test_rng_range(&rng, 0, live_count - 1);
            region *r = &live[pick];
            for (size_t i = 0; i < r->size; i += 512)
                if (r->ptr[i] != r->tag) {
                    corrupt++;
                    break;
                }
            if (r->ptr[r->size - 1] != r->tag) corrupt++;
            if (gomem_buddy_free(buddy, r->ptr) != GOMEM_OK) failures++;
            used -= r->size;
            live[pick] = live[--live_count];
        }
        if (gomem_buddy_used_bytes(buddy) != used) counts++;
        if (gomem_buddy_pool_bytes(buddy) < used || gomem_buddy_pool_bytes(buddy) % pool != 0)
            counts++;
        if (step % 50 == 0 && !gomem_buddy_invariants_hold(buddy)) broken++;
    }
    CHECK_EQ(failures, 0);
    CHECK_EQ(corrupt, 0);
    CHECK_EQ(overlap, 0);
    CHECK_EQ(counts, 0);
    CHECK_EQ(broken, 0);
    CHECK(gomem_buddy_invariants_hold(buddy));
    /* Sorted, the live regions are disjoint (a second, independent overlap check). */
    static uint8_t *sorted[MAX_LIVE];
    for (size_t i = 0; i < live_count; i++) sorted[i] = live[i].ptr;
    qsort(sorted, live_count, sizeof sorted[0], compare_region);
    for (size_t i = 1; i < live_count; i++) CHECK(sorted[i - 1] != sorted[i]);
    for (size_t i = 0; i < live_count; i++) CHECK_STATUS(gomem_buddy_free(buddy, live[i].ptr), GOMEM_OK);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 0);
    CHECK(gomem_buddy_pool_bytes(buddy) <= pool);
    CHECK(gomem_buddy_invariants_hold(buddy));
    uint8_t *whole = gomem_buddy_alloc(buddy, pool);
    CHECK(whole != NULL);
    CHECK_EQ(gomem_buddy_pool_bytes(buddy), pool);
    gomem_buddy_destroy(buddy);
    CHECK_EQ(gomem_page_bytes_held(), held);
}

typedef struct arena_sum {
    size_t count, bytes;
    bool inside;
    const uint8_t *lo, *hi;
} arena_sum;

static bool sum_arena(void *context, const gomem_arena_info *info) {
    arena_sum *sum = context;
    sum->count++;
    sum->bytes += info->size;
    if (!info->dedicated && ((const uint8_t *)info->base < sum->lo ||
                             (const uint8_t *)info->base + info->size > sum->hi))
        sum->inside = false;
    return true;
}

/* Allocators created with options.buddy carve their (non-dedicated) arenas from it. */
static void test_allocator_on_buddy(void) {
    if (!has_buddy()) return;
    const size_t pool = 1024 * KIB;
    gomem_buddy *buddy = gomem_buddy_create(pool);
    uint8_t *base = gomem_buddy_alloc(buddy, pool);
    CHECK_STATUS(gomem_buddy_free(buddy, base), GOMEM_OK);
    gomem_allocator_options options = {
        .initial_size = 16 * KIB, .max_block_size = 256 * KIB, .buddy = buddy};
    gomem_allocator *a = gomem_allocator_create_ex(&options, NULL);
    gomem_allocator *b = gomem_allocator_create_ex(&options, NULL);
    CHECK(a != NULL && b != NULL);
    if (a == NULL || b == NULL) return;
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 0);
    uint8_t *p = gomem_alloc(a, 100);
    CHECK(p != NULL);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 16 * KIB);
    CHECK(p >= base && p < base + pool);
    uint8_t *q = gomem_alloc(b, 20 * KIB); /* b's first arena grows to hold it: 32 KiB */
    CHECK(q != NULL);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 48 * KIB);
    uint8_t *r = gomem_alloc(a, 16 * KIB); /* a's next arena: 32 KiB */
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 80 * KIB);
    memset(p, 1, 100);
    memset(q, 2, 20 * KIB);
    if (r != NULL) memset(r, 3, 16 * KIB);
    /* A dedicated request does not come from the buddy. */
    uint8_t *big = gomem_alloc(a, 300 * KIB);
    CHECK(big != NULL);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 80 * KIB);
    arena_sum sum = {0, 0, true, base, base + pool};
    gomem_allocator_arenas(a, sum_arena, &sum);
    CHECK_EQ(sum.count, 3);
    CHECK(sum.inside);
    CHECK(gomem_allocator_invariants_hold(a));
    CHECK(gomem_allocator_invariants_hold(b));
    CHECK(gomem_buddy_invariants_hold(buddy));
    CHECK_STATUS(gomem_free(a, big, 300 * KIB), GOMEM_OK);
    /* Trim gives the regions back to the buddy. */
    CHECK_STATUS(gomem_free(a, r, 16 * KIB), GOMEM_OK);
    CHECK_STATUS(gomem_free(a, p, 100), GOMEM_OK);
    CHECK_EQ(gomem_trim(a), 48 * KIB);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 32 * KIB);
    /* Destroy gives back the rest. */
    gomem_allocator_destroy(b);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 0);
    CHECK(gomem_buddy_invariants_hold(buddy));
    /* a is still usable after the trim. */
    uint8_t *s = gomem_alloc(a, 10);
    CHECK(s != NULL);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 16 * KIB);
    gomem_allocator_recycle(a);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 0);
    gomem_allocator_destroy(a);
    CHECK(gomem_buddy_invariants_hold(buddy));
    gomem_buddy_destroy(buddy);

    /* Without options.buddy, GOMEM_BUDDY allocators use the process-wide pool: still usable. */
    gomem_allocator *d = gomem_allocator_create(0);
    CHECK(d != NULL);
    uint8_t *t = gomem_alloc(d, 1000);
    CHECK(t != NULL);
    CHECK_STATUS(gomem_free(d, t, 1000), GOMEM_OK);
    gomem_allocator_destroy(d);
}

/* Pools come through the page budget: a capped budget refuses a new pool, nothing changes. */
static void test_page_limit(void) {
    if (!has_buddy()) return;
    const size_t pool = 64 * KIB;
    gomem_buddy *buddy = gomem_buddy_create(pool);
    uint8_t *first = gomem_buddy_alloc(buddy, pool);
    CHECK(first != NULL);
    gomem_set_page_limit(gomem_page_bytes_held());
    CHECK(gomem_buddy_alloc(buddy, 1) == NULL);
    CHECK_EQ(gomem_buddy_pool_bytes(buddy), pool);
    CHECK_EQ(gomem_buddy_used_bytes(buddy), pool);
    CHECK(gomem_buddy_invariants_hold(buddy));
    CHECK_STATUS(gomem_buddy_free(buddy, first), GOMEM_OK);
    uint8_t *again = gomem_buddy_alloc(buddy, 1); /* fits the mapped pool: no new pages */
    CHECK(again == first);
    gomem_set_page_limit(0);
    uint8_t *more = gomem_buddy_alloc(buddy, pool);
    CHECK(more != NULL);
    CHECK_EQ(gomem_buddy_pool_bytes(buddy), 2 * pool);
    gomem_buddy_destroy(buddy);
    gomem_set_page_limit(0);
}

int main(void) {
    RUN(test_without_buddy);
    RUN(test_create_limits);
    RUN(test_invariants_two_buddies);
    RUN(test_alloc_rounding);
    RUN(test_fill_and_spill);
    RUN(test_bad_frees);
    RUN(test_random_stress);
    RUN(test_allocator_on_buddy);
    RUN(test_page_limit);
    return check_report("test_buddy");
}
