/*
 * test_index.c - the free-block index on its own: every public function at its edges, and a seeded
 * random walk checked against a shadow byte map after every step.
 */
#include "check.h"

static void test_create_limits(void) {
    CHECK(gomem_index_create(0) == NULL);
    CHECK(gomem_index_create(GOMEM_ARENA_LIMIT + 1) == NULL);
    gomem_index *index = gomem_index_create(1);
    CHECK(index != NULL);
    CHECK_EQ(gomem_index_size(index), 1);
    CHECK_EQ(gomem_index_free_size(index), 1);
    CHECK_EQ(gomem_index_block_count(index), 1);
    CHECK_EQ(gomem_index_largest_free(index), 1);
    size_t offset = 99;
    CHECK_STATUS(gomem_index_alloc(index, 1, 1, &offset), GOMEM_OK);
    CHECK_EQ(offset, 0);
    CHECK_EQ(gomem_index_free_size(index), 0);
    CHECK_EQ(gomem_index_block_count(index), 0);
    CHECK_EQ(gomem_index_largest_free(index), 0);
    CHECK_STATUS(gomem_index_alloc(index, 1, 1, &offset), GOMEM_ERR_NOMEM);
    CHECK(gomem_index_invariants_hold(index));
    gomem_index_destroy(index);
    gomem_index_destroy(NULL); /* documented no-op */
}

static void test_alloc_arguments(void) {
    gomem_index *index = gomem_index_create(4096);
    size_t offset = 7;
    CHECK_STATUS(gomem_index_alloc(index, 0, 8, &offset), GOMEM_ERR_INVALID_SIZE);
    CHECK_STATUS(gomem_index_alloc(index, 4097, 8, &offset), GOMEM_ERR_INVALID_SIZE);
    CHECK_STATUS(gomem_index_alloc(index, SIZE_MAX, 8, &offset), GOMEM_ERR_INVALID_SIZE);
    CHECK_STATUS(gomem_index_alloc(index, 16, 3, &offset), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_index_alloc(index, 16, 0, &offset), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_index_find(index, 0, 8, &offset), GOMEM_ERR_INVALID_SIZE);
    CHECK_EQ(offset, 7); /* untouched by failures */
    CHECK_EQ(gomem_index_free_size(index), 4096);
    /* Exact fit of the whole range. */
    CHECK_STATUS(gomem_index_alloc(index, 4096, 8, &offset), GOMEM_OK);
    CHECK_EQ(offset, 0);
    CHECK_STATUS(gomem_index_free(index, 0, 4096), GOMEM_OK);
    CHECK_EQ(gomem_index_block_count(index), 1);
    CHECK(gomem_index_invariants_hold(index));
    gomem_index_destroy(index);
}

static void test_first_fit_and_alignment(void) {
    gomem_index *index = gomem_index_create(1024);
    size_t a, b, c;
    CHECK_STATUS(gomem_index_alloc(index, 13, 8, &a), GOMEM_OK);
    CHECK_STATUS(gomem_index_alloc(index, 8, 8, &b), GOMEM_OK);
    CHECK_EQ(a, 0);
    /* Sizes are not rounded: 13..15 stays free as an alignment gap, b starts at 16. */
    CHECK_EQ(b, 16);
    CHECK_EQ(gomem_index_free_size(index), 1024 - 13 - 8);
    block_list list = walk_blocks(index);
    CHECK_EQ(list.count, 2);
    CHECK_EQ(list.blocks[0].start, 13);
    CHECK_EQ(list.blocks[0].end, 16);
    CHECK_EQ(list.blocks[1].start, 24);
    /* Unaligned requests may use the gap. */
    CHECK_STATUS(gomem_index_alloc(index, 3, 1, &c), GOMEM_OK);
    CHECK_EQ(c, 13);
    /* find reports what alloc would return, and takes nothing. */
    size_t found, taken;
    CHECK_STATUS(gomem_index_find(index, 100, 64, &found), GOMEM_OK);
    CHECK_EQ(found, 64);
    CHECK_EQ(gomem_index_free_size(index), 1024 - 24);
    CHECK_STATUS(gomem_index_alloc(index, 100, 64, &taken), GOMEM_OK);
    CHECK_EQ(taken, found);
    /* The aligned allocation split one block in two: [24,64) and [164,1024). */
    list = walk_blocks(index);
    CHECK_EQ(list.count, 2);
    CHECK_EQ(list.blocks[0].start, 24);
    CHECK_EQ(list.blocks[0].end, 64);
    CHECK_EQ(list.blocks[1].start, 164);
    CHECK(gomem_index_invariants_hold(index));
    gomem_index_destroy(index);
}

static void test_segmented_free(void) {
    gomem_index *index = gomem_index_create(4096);
    size_t base;
    CHECK_STATUS(gomem_index_alloc(index, 1024, 8, &base), GOMEM_OK);
    CHECK_STATUS(gomem_index_alloc(index, 3072, 8, &(size_t){0}), GOMEM_OK);
    CHECK_EQ(gomem_index_block_count(index), 0);
    /* Free the middle first: a new block with no free neighbour. */
    CHECK_STATUS(gomem_index_free(index, base + 256, 256), GOMEM_OK);
    CHECK_EQ(gomem_index_block_count(index), 1);
    /* A single byte right after it joins its end. */
    CHECK_STATUS(gomem_index_free(index, base + 512, 1), GOMEM_OK);
    CHECK_EQ(gomem_index_block_count(index), 1);
    /* The head joins its start. */
    CHECK_STATUS(gomem_index_free(index, base, 256), GOMEM_OK);
    block_list list = walk_blocks(index);
    CHECK_EQ(list.count, 1);
    CHECK_EQ(list.blocks[0].start, 0);
    CHECK_EQ(list.blocks[0].end, 513);
    /* A range with a gap of one byte on each side stays separate... */
    CHECK_STATUS(gomem_index_free(index, 514, 10), GOMEM_OK);
    CHECK_EQ(gomem_index_block_count(index), 2);
    /* ...until the byte between joins both neighbours into one block. */
    CHECK_STATUS(gomem_index_free(index, 513, 1), GOMEM_OK);
    CHECK_EQ(gomem_index_block_count(index), 1);
    CHECK_EQ(gomem_index_largest_free(index), 524);
    CHECK_EQ(gomem_index_free_size(index), 524);
    CHECK(gomem_index_invariants_hold(index));
    gomem_index_destroy(index);
}

static void test_free_errors_change_nothing(void) {
    gomem_index *index = gomem_index_create(1000);
    size_t a, b;
    CHECK_STATUS(gomem_index_alloc(index, 100, 1, &a), GOMEM_OK);
    CHECK_STATUS(gomem_index_alloc(index, 100, 1, &b), GOMEM_OK);
    CHECK_STATUS(gomem_index_free(index, a, 100), GOMEM_OK);
    size_t free_before = gomem_index_free_size(index);
    size_t blocks_before = gomem_index_block_count(index);
    CHECK_STATUS(gomem_index_free(index, a, 100), GOMEM_ERR_DOUBLE_FREE);        /* whole */
    CHECK_STATUS(gomem_index_free(index, a + 50, 10), GOMEM_ERR_DOUBLE_FREE);    /* inside */
    CHECK_STATUS(gomem_index_free(index, a + 90, 20), GOMEM_ERR_DOUBLE_FREE);    /* tail overlap */
    CHECK_STATUS(gomem_index_free(index, b + 50, 100), GOMEM_ERR_DOUBLE_FREE);   /* into free end */
    CHECK_STATUS(gomem_index_free(index, b, 0), GOMEM_ERR_INVALID_SIZE);
    CHECK_STATUS(gomem_index_free(index, 1000, 1), GOMEM_ERR_OUT_OF_RANGE);
    CHECK_STATUS(gomem_index_free(index, 999, 2), GOMEM_ERR_OUT_OF_RANGE);
    CHECK_STATUS(gomem_index_free(index, 10, SIZE_MAX), GOMEM_ERR_OUT_OF_RANGE);
    CHECK_STATUS(gomem_index_free(index, SIZE_MAX, 1), GOMEM_ERR_OUT_OF_RANGE);
    CHECK_EQ(gomem_index_free_size(index), free_before);
    CHECK_EQ(gomem_index_block_count(index), blocks_before);
    CHECK(gomem_index_invariants_hold(index));
    CHECK_STATUS(gomem_index_free(index, b, 100), GOMEM_OK);
    CHECK_EQ(gomem_index_free_size(index), 1000);
    CHECK_EQ(gomem_index_block_count(index), 1);
    gomem_index_destroy(index);
}

static bool stop_after_first(void *context, gomem_block block) {
    (void)block;
    (*(int *)context)++;
    return false;
}

static void test_walk_and_reset(void) {
    gomem_index *index = gomem_index_create(100);
    size_t offsets[10];
    for (int i = 0; i < 10; i++) CHECK_STATUS(gomem_index_alloc(index, 10, 1, &offsets[i]), GOMEM_OK);
    for (int i = 0; i < 10; i += 2) CHECK_STATUS(gomem_index_free(index, offsets[i], 10), GOMEM_OK);
    block_list list = walk_blocks(index);
    CHECK_EQ(list.count, 5);
    for (size_t i = 0; i < list.count; i++) {
        CHECK_EQ(list.blocks[i].start, 20 * i);
        CHECK_EQ(list.blocks[i].end, 20 * i + 10);
    }
    int visits = 0;
    gomem_index_walk(index, stop_after_first, &visits);
    CHECK_EQ(visits, 1);
    CHECK_STATUS(gomem_index_reset(index, 0), GOMEM_ERR_INVALID_SIZE);
    CHECK_EQ(gomem_index_block_count(index), 5);
    CHECK_STATUS(gomem_index_reset(index, 5000), GOMEM_OK);
    CHECK_EQ(gomem_index_size(index), 5000);
    CHECK_EQ(gomem_index_free_size(index), 5000);
    CHECK_EQ(gomem_index_block_count(index), 1);
    CHECK(gomem_index_invariants_hold(index));
    /* Reset of a fully allocated index (no node left in the tree) works too. */
    size_t whole;
    CHECK_STATUS(gomem_index_alloc(index, 5000, 1, &whole), GOMEM_OK);
    CHECK_STATUS(gomem_index_reset(index, 64), GOMEM_OK);
    CHECK_EQ(gomem_index_free_size(index), 64);
    CHECK(gomem_index_invariants_hold(index));
    gomem_index_destroy(index);
}

/* docs/design.md, D8: a free in the middle of a live range needs a node; when none can be
 * had, the free reports out-of-memory and changes nothing. */
static void test_node_exhaustion(void) {
    gomem_index *index = gomem_index_create(1u << 20);
    size_t whole;
    CHECK_STATUS(gomem_index_alloc(index, 1u << 20, 1, &whole), GOMEM_OK);
    /* Punch holes (every other byte pair) until the node pool had to grow at least once. */
    size_t held_start = gomem_page_bytes_held(), holes = 0;
    while (gomem_page_bytes_held() == held_start) {
        CHECK_STATUS(gomem_index_free(index, holes * 4, 2), GOMEM_OK);
        holes++;
    }
    /* Fill the grown pool to its last node, then forbid more pages. */
    gomem_set_page_limit(gomem_page_bytes_held());
    gomem_status status = GOMEM_OK;
    while (status == GOMEM_OK) {
        status = gomem_index_free(index, holes * 4, 2);
        if (status == GOMEM_OK) holes++;
    }
    CHECK_STATUS(status, GOMEM_ERR_NOMEM);
    size_t free_before = gomem_index_free_size(index);
    CHECK_EQ(gomem_index_block_count(index), holes);
    CHECK_EQ(free_before, holes * 2);
    CHECK(gomem_index_invariants_hold(index));
    /* Frees that merge need no node and still work at the cap. */
    CHECK_STATUS(gomem_index_free(index, 2, 1), GOMEM_OK);
    /* A new isolated range needs a node: refused, nothing changes. */
    CHECK_STATUS(gomem_index_free(index, holes * 4 + 100, 1), GOMEM_ERR_NOMEM);
    CHECK_EQ(gomem_index_free_size(index), free_before + 1);
    gomem_set_page_limit(0);
    CHECK_STATUS(gomem_index_free(index, holes * 4 + 100, 1), GOMEM_OK);
    CHECK(gomem_index_invariants_hold(index));
    gomem_index_destroy(index);
}

/* Random allocations, whole frees, partial frees, finds and resets against a shadow map. */
static void test_random_against_shadow(void) {
    enum { SIZE = 1 << 14, STEPS = 60000, SLOTS = 256 };
    static uint8_t shadow[SIZE]; /* 1 = free */
    struct live {
        size_t offset, size;
    } slots[SLOTS];
    size_t live_count = 0;
    test_rng rng = test_rng_seed(test_seed(20261125));
    gomem_index *index = gomem_index_create(SIZE);
    memset(shadow, 1, sizeof shadow);
    for (int step = 0; step < STEPS; step++) {
        unsigned action = (unsigned)test_rng_range(&rng, 0, 99);
        if (action < 45 && live_count + 2 < SLOTS) {
            size_t size = test_rng_range(&rng, 1, test_rng_range(&rng, 0, 3) ? 64 : 2048);
            size_t alignment = (size_t)1 << test_rng_range(&rng, 0, 4);
            size_t found = SIZE_MAX, offset = SIZE_MAX;
            gomem_status find_status = gomem_index_find(index, size, alignment, &found);
            gomem_status status = gomem_index_alloc(index, size, alignment, &offset);
            CHECK_EQ(find_status, status);
            if (status == GOMEM_OK) {
                CHECK_EQ(found, offset);
                CHECK_EQ(offset % alignment, 0);
                for (size_t i = offset; i < offset + size; i++) {
                    if (!shadow[i]) {
                        CHECK(shadow[i]); /* overlap with a live allocation */
                        break;
                    }
                    shadow[i] = 0;
                }
                slots[live_count++] = (struct live){offset, size};
            } else {
                CHECK_STATUS(status, GOMEM_ERR_NOMEM);
            }
        } else if (action < 90 && live_count > 0 && live_count + 1 < SLOTS) {
            size_t slot = test_rng_range(&rng, 0, live_count - 1);
            struct live *live = &slots[slot];
            /* Free a random piece: head, tail or middle, or all of it. */
            size_t piece_start = test_rng_range(&rng, 0, live->size - 1);
            size_t piece_size = test_rng_range(&rng, 1, live->size - piece_start);
            if (test_rng_range(&rng, 0, 2) == 0) {
                piece_start = 0;
                piece_size = live->size;
            }
            CHECK_STATUS(gomem_index_free(index, live->offset + piece_start, piece_size), GOMEM_OK);
            memset(shadow + live->offset + piece_start, 1, piece_size);
            /* The pieces left on either side stay live as ranges of their own. */
            struct live head = {live->offset, piece_start};
            struct live tail = {live->offset + piece_start + piece_size,
                                live->size - piece_start - piece_size};
            *live = slots[--live_count];
            if (head.size) slots[live_count++] = head;
            if (tail.size) slots[live_count++] = tail;
        } else if (action < 98) {
            /* A double free of a random byte range that touches free space must be refused. */
            size_t at = test_rng_range(&rng, 0, SIZE - 1);
            if (shadow[at]) CHECK_STATUS(gomem_index_free(index, at, 1), GOMEM_ERR_DOUBLE_FREE);
        } else {
            CHECK_STATUS(gomem_index_reset(index, SIZE), GOMEM_OK);
            memset(shadow, 1, sizeof shadow);
            live_count = 0;
        }
        /* The index must agree with the shadow exactly, after every step. */
        size_t shadow_free = 0, shadow_blocks = 0, largest = 0, run = 0;
        for (size_t i = 0; i < SIZE; i++) {
            shadow_free += shadow[i];
            if (shadow[i]) {
                run++;
                if (i == 0 || !shadow[i - 1]) shadow_blocks++;
                if (run > largest) largest = run;
            } else {
                run = 0;
            }
        }
        CHECK_EQ(gomem_index_free_size(index), shadow_free);
        CHECK_EQ(gomem_index_block_count(index), shadow_blocks);
        CHECK_EQ(gomem_index_largest_free(index), largest);
        if (step % 16 == 0) CHECK(gomem_index_invariants_hold(index));
        if (check_failures) break;
    }
    CHECK(gomem_index_invariants_hold(index));
    gomem_index_destroy(index);
}

int main(void) {
    size_t held_at_start = gomem_page_bytes_held();
    RUN(test_create_limits);
    RUN(test_alloc_arguments);
    RUN(test_first_fit_and_alignment);
    RUN(test_segmented_free);
    RUN(test_free_errors_change_nothing);
    RUN(test_walk_and_reset);
    RUN(test_node_exhaustion);
    RUN(test_random_against_shadow);
    CHECK_EQ(gomem_page_bytes_held(), held_at_start); /* every page given back */
    return check_report("test_index");
}
