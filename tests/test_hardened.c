/*
 * test_hardened.c - what GOMEM_HARDENED adds, checked in every build against what that build
 * documents: hardened builds refuse a free that covers parts of two allocations
 * (GOMEM_ERR_SPANS_ALLOCATIONS, changing nothing) and overwrite freed bytes with 0xDF; other
 * builds free such a range and leave freed bytes as they were. A seeded random run compares
 * every free's status with a byte-by-byte model of which allocation owns each byte.
 */
#include "check.h"

#define FREED_BYTE 0xDF

static gomem_status span_result(void) {
    return GOMEM_HARDENED ? GOMEM_ERR_SPANS_ALLOCATIONS : GOMEM_OK;
}

static void test_feature_bit(void) {
    CHECK_EQ((gomem_features() & GOMEM_FEATURE_HARDENED) != 0, GOMEM_HARDENED);
}

/* Two allocations back to back; a free across their boundary. */
static void test_adjacent_allocations(void) {
    gomem_index *index = gomem_index_create(1024);
    size_t a, b;
    CHECK_STATUS(gomem_index_alloc(index, 100, 1, &a), GOMEM_OK);
    CHECK_STATUS(gomem_index_alloc(index, 100, 1, &b), GOMEM_OK);
    CHECK(a == 0 && b == 100);
    CHECK_STATUS(gomem_index_free(index, 50, 100), span_result());
    if (GOMEM_HARDENED) {
        CHECK_EQ(gomem_index_free_size(index), 824); /* nothing changed */
        CHECK_STATUS(gomem_index_free(index, 50, 50), GOMEM_OK); /* inside one: fine */
        CHECK_STATUS(gomem_index_free(index, 100, 50), GOMEM_OK);
        /* The second allocation's start was its own boundary, and stays one for what is left. */
        CHECK_STATUS(gomem_index_free(index, 0, 50), GOMEM_OK);
        CHECK_STATUS(gomem_index_free(index, 150, 50), GOMEM_OK);
    } else {
        CHECK_STATUS(gomem_index_free(index, 0, 50), GOMEM_OK);
        CHECK_STATUS(gomem_index_free(index, 150, 50), GOMEM_OK);
    }
    CHECK_EQ(gomem_index_free_size(index), 1024);
    CHECK(gomem_index_invariants_hold(index));
    gomem_index_destroy(index);
}

/* A hole freed in the middle of an allocation and served again: the new allocation and the two
 * pieces around it are three allocations as far as frees are concerned. */
static void test_hole_served_again(void) {
    gomem_index *index = gomem_index_create(4096);
    size_t a, c;
    CHECK_STATUS(gomem_index_alloc(index, 256, 8, &a), GOMEM_OK);
    CHECK_STATUS(gomem_index_free(index, a + 64, 64), GOMEM_OK);
    CHECK_STATUS(gomem_index_alloc(index, 64, 8, &c), GOMEM_OK);
    CHECK_EQ(c, a + 64);
    CHECK_STATUS(gomem_index_free(index, a + 32, 64), span_result());   /* left piece + c */
    if (GOMEM_HARDENED) {
        CHECK_STATUS(gomem_index_free(index, a + 100, 64), span_result()); /* c + right piece */
        CHECK_STATUS(gomem_index_free(index, a, 256), span_result());      /* all three */
        CHECK_STATUS(gomem_index_free(index, a + 64, 64), GOMEM_OK);
        CHECK_STATUS(gomem_index_free(index, a, 64), GOMEM_OK);
        CHECK_STATUS(gomem_index_free(index, a + 128, 128), GOMEM_OK);
    } else {
        CHECK_STATUS(gomem_index_free(index, a, 32), GOMEM_OK);
        CHECK_STATUS(gomem_index_free(index, a + 96, 160), GOMEM_OK);
    }
    CHECK_EQ(gomem_index_free_size(index), 4096);
    CHECK(gomem_index_invariants_hold(index));
    gomem_index_destroy(index);
}

/* reset forgets every allocation, boundaries included, also when the size changes. */
static void test_reset_forgets_boundaries(void) {
    gomem_index *index = gomem_index_create(512);
    size_t offset;
    for (int i = 0; i < 8; i++) CHECK_STATUS(gomem_index_alloc(index, 64, 1, &offset), GOMEM_OK);
    CHECK_STATUS(gomem_index_reset(index, 512), GOMEM_OK);
    CHECK_STATUS(gomem_index_alloc(index, 512, 1, &offset), GOMEM_OK);
    CHECK_STATUS(gomem_index_free(index, 0, 512), GOMEM_OK); /* one allocation now */
    CHECK_STATUS(gomem_index_alloc(index, 100, 1, &offset), GOMEM_OK);
    CHECK_STATUS(gomem_index_alloc(index, 100, 1, &offset), GOMEM_OK);
    CHECK_STATUS(gomem_index_reset(index, 70000), GOMEM_OK);
    CHECK_STATUS(gomem_index_alloc(index, 70000, 1, &offset), GOMEM_OK);
    CHECK_STATUS(gomem_index_free(index, 0, 70000), GOMEM_OK);
    CHECK(gomem_index_invariants_hold(index));
    gomem_index_destroy(index);
}

/* Freed bytes: the pattern in hardened builds, untouched otherwise; bytes still allocated keep
 * their contents in every build. */
static void test_freed_bytes(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    uint8_t *p = gomem_alloc(allocator, 256);
    CHECK(p != NULL);
    if (p == NULL) return;
    memset(p, 0x11, 256);
    CHECK_STATUS(gomem_free(allocator, p + 64, 64), GOMEM_OK);
    size_t patterned = 0, kept = 0;
    for (size_t i = 0; i < 256; i++) {
        bool freed = i >= 64 && i < 128;
        if (freed && p[i] == FREED_BYTE) patterned++;
        if (!freed && p[i] == 0x11) kept++;
    }
    CHECK_EQ(patterned, GOMEM_HARDENED ? 64 : 0);
    CHECK_EQ(kept, 192);
    CHECK_STATUS(gomem_free(allocator, p, 64), GOMEM_OK);
    CHECK_STATUS(gomem_free(allocator, p + 128, 128), GOMEM_OK);
    gomem_allocator_destroy(allocator);
}

/*
 * Random allocations and random frees of random ranges (most inside one allocation, some across
 * several, some over free bytes), each status compared with the model: owner[i] is the number of
 * the allocation holding byte i (0: free). A range with a free byte is DOUBLE_FREE in every
 * build; a range over two owners is SPANS_ALLOCATIONS when hardened and freed otherwise.
 */
enum { MODEL_SIZE = 16384, MODEL_STEPS = 40000 };

static void test_random_against_owner_model(void) {
    static uint32_t owner[MODEL_SIZE];
    memset(owner, 0, sizeof owner);
    gomem_index *index = gomem_index_create(MODEL_SIZE);
    test_rng rng = test_rng_seed(test_seed(20261125));
    uint32_t next_owner = 1;
    size_t ok_seen = 0, double_seen = 0, spans_seen = 0;
    for (int step = 0; step < MODEL_STEPS && !check_failures; step++) {
        if (test_rng_range(&rng, 0, 1) == 0) {
            size_t size = test_rng_range(&rng, 1, 300);
            size_t alignment = (size_t)1 << test_rng_range(&rng, 0, 3);
            size_t offset;
            gomem_status status = gomem_index_alloc(index, size, alignment, &offset);
            if (status != GOMEM_OK) continue;
            for (size_t i = offset; i < offset + size; i++) {
                CHECK(owner[i] == 0);
                owner[i] = next_owner;
            }
            next_owner++;
            continue;
        }
        /* Start on an owned byte most of the time, so frees are mostly plausible. */
        size_t start = test_rng_range(&rng, 0, MODEL_SIZE - 1);
        for (size_t probe = 0; probe < 64 && owner[start] == 0; probe++)
            start = test_rng_range(&rng, 0, MODEL_SIZE - 1);
        /* Half the frees stay inside the piece holding `start` (plausible frees), a quarter run
         * 1..64 bytes past its end (into the next allocation or free bytes), a quarter anywhere
         * up to 400 bytes. */
        size_t piece = 1;
        while (start + piece < MODEL_SIZE && owner[start + piece] == owner[start]) piece++;
        size_t mode = test_rng_range(&rng, 0, 3), longest = MODEL_SIZE - start, size;
        if (mode < 2)
            size = test_rng_range(&rng, 1, piece);
        else if (mode == 2 && piece < longest)
            size = piece + test_rng_range(&rng, 1, longest - piece < 64 ? longest - piece : 64);
        else
            size = test_rng_range(&rng, 1, longest < 400 ? longest : 400);
        bool any_free = false, several = false;
        for (size_t i = start; i < start + size; i++) {
            if (owner[i] == 0) any_free = true;
            if (owner[i] != owner[start]) several = true;
        }
        gomem_status expected = any_free ? GOMEM_ERR_DOUBLE_FREE : several ? span_result() : GOMEM_OK;
        CHECK_STATUS(gomem_index_free(index, start, size), expected);
        if (expected == GOMEM_OK) memset(owner + start, 0, size * sizeof owner[0]);
        if (any_free)
            double_seen++;
        else if (several)
            spans_seen++;
        else
            ok_seen++;
        if (step % 1000 == 0) CHECK(gomem_index_invariants_hold(index));
    }
    size_t free_bytes = 0;
    for (size_t i = 0; i < MODEL_SIZE; i++) free_bytes += owner[i] == 0;
    CHECK_EQ(gomem_index_free_size(index), free_bytes);
    CHECK(gomem_index_invariants_hold(index));
    printf("frees: %zu inside one allocation, %zu over free bytes, %zu spanning allocations\n",
           ok_seen, double_seen, spans_seen);
    /* The run really exercised every outcome. */
    CHECK(ok_seen > 1000 && double_seen > 100 && spans_seen > 50);
    gomem_index_destroy(index);
}

int main(void) {
    size_t held_at_start = gomem_page_bytes_held();
    RUN(test_feature_bit);
    RUN(test_adjacent_allocations);
    RUN(test_hole_served_again);
    RUN(test_reset_forgets_boundaries);
    RUN(test_freed_bytes);
    RUN(test_random_against_owner_model);
    /* Boundary maps are given back too. (With GOMEM_BUDDY the process-wide buddy pool the
     * allocator test made stays, by design.) */
    if (!GOMEM_BUDDY) CHECK_EQ(gomem_page_bytes_held(), held_at_start);
    return check_report("test_hardened");
}
