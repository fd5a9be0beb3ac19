/*
 * test_stress.c - a seeded random walk over the scalable allocator and recyclable memory with a
 * shadow model: every live range is remembered and filled with its own byte pattern. After every
 * step: no new range overlaps a live one, every pattern is intact when its range is freed, the
 * allocator's live byte count equals the model's, and gomem_allocator_invariants_hold. Runs in
 * every build-option combination (the test itself is the same in all of them).
 */
#include "check.h"

enum { SLOTS = 512, STEPS = 40000 };

typedef struct live_range {
    uint8_t *data;
    size_t size;
    uint8_t pattern;
} live_range;

typedef struct model {
    live_range ranges[SLOTS];
    size_t count;
    size_t live_bytes;
} model;

static bool overlaps_any(const model *m, const uint8_t *data, size_t size) {
    for (size_t i = 0; i < m->count; i++) {
        const live_range *r = &m->ranges[i];
        if (data < r->data + r->size && r->data < data + size) return true;
    }
    return false;
}

static bool pattern_intact(const uint8_t *data, size_t size, uint8_t pattern) {
    for (size_t i = 0; i < size; i++)
        if (data[i] != pattern) return false;
    return true;
}

static void add_range(model *m, uint8_t *data, size_t size, uint8_t pattern) {
    m->ranges[m->count++] = (live_range){data, size, pattern};
    m->live_bytes += size;
}

static size_t random_size(test_rng *rng, size_t max_block) {
    switch (test_rng_range(rng, 0, 9)) {
    case 0: return test_rng_range(rng, 1, 16);
    case 1: return test_rng_range(rng, max_block / 2, max_block + 4096); /* around the limit */
    case 2: return test_rng_range(rng, 4096, 65536);
    default: return test_rng_range(rng, 1, 2048);
    }
}

static void test_scalable_random_walk(void) {
    static model m;
    memset(&m, 0, sizeof m);
    test_rng rng = test_rng_seed(test_seed(77));
    gomem_allocator_options options = {.initial_size = 4096, .max_block_size = 256 * 1024};
    gomem_allocator *allocator = gomem_allocator_create_ex(&options, NULL);
    CHECK(allocator != NULL);
    uint8_t next_pattern = 1;
    for (int step = 0; step < STEPS && !check_failures; step++) {
        unsigned action = (unsigned)test_rng_range(&rng, 0, 999);
        if (action < 450 && m.count + 2 < SLOTS) {
            size_t size = random_size(&rng, options.max_block_size);
            uint8_t *data = gomem_alloc(allocator, size);
            CHECK(data != NULL);
            if (data == NULL) break;
            CHECK(((uintptr_t)data & (GOMEM_DEFAULT_ALIGNMENT - 1)) == 0);
            CHECK(!overlaps_any(&m, data, size));
            memset(data, next_pattern, size);
            add_range(&m, data, size, next_pattern);
            next_pattern = (uint8_t)(next_pattern % 250 + 1);
        } else if (action < 900 && m.count > 0) {
            size_t slot = test_rng_range(&rng, 0, m.count - 1);
            live_range r = m.ranges[slot];
            CHECK(pattern_intact(r.data, r.size, r.pattern));
            m.ranges[slot] = m.ranges[--m.count];
            m.live_bytes -= r.size;
            /* Free all of it, its tail (free_rest), or a middle piece (segmented free). */
            size_t cut = test_rng_range(&rng, 0, r.size - 1);
            size_t piece = test_rng_range(&rng, 1, r.size - cut);
            switch (test_rng_range(&rng, 0, 2)) {
            case 0:
                CHECK_STATUS(gomem_free(allocator, r.data, r.size), GOMEM_OK);
                break;
            case 1: {
                size_t size = r.size;
                CHECK_STATUS(gomem_free_rest(allocator, r.data, &size, cut), GOMEM_OK);
                CHECK_EQ(size, cut);
                if (cut) add_range(&m, r.data, cut, r.pattern);
                break;
            }
            default:
                CHECK_STATUS(gomem_free(allocator, r.data + cut, piece), GOMEM_OK);
                if (cut) add_range(&m, r.data, cut, r.pattern);
                if (r.size - cut - piece)
                    add_range(&m, r.data + cut + piece, r.size - cut - piece, r.pattern);
                break;
            }
        } else if (action < 950 && m.count > 0) {
            /* Misuse must be refused and change nothing: free a live range, then free it
             * again (double free), then a stack address (foreign pointer). */
            size_t slot = test_rng_range(&rng, 0, m.count - 1);
            live_range r = m.ranges[slot];
            CHECK(pattern_intact(r.data, r.size, r.pattern));
            m.ranges[slot] = m.ranges[--m.count];
            m.live_bytes -= r.size;
            CHECK_STATUS(gomem_free(allocator, r.data, r.size), GOMEM_OK);
            /* A dedicated region is unmapped on its last free, so its address becomes foreign. */
            gomem_status expected = gomem_allocator_owns(allocator, r.data, r.size)
                                        ? GOMEM_ERR_DOUBLE_FREE
                                        : GOMEM_ERR_FOREIGN_POINTER;
            CHECK_STATUS(gomem_free(allocator, r.data, r.size), expected);
            uint8_t local = 0;
            CHECK_STATUS(gomem_free(allocator, &local, 1), GOMEM_ERR_FOREIGN_POINTER);
        } else if (action < 990) {
            gomem_trim(allocator);
        } else {
            for (size_t i = 0; i < m.count; i++)
                CHECK(pattern_intact(m.ranges[i].data, m.ranges[i].size, m.ranges[i].pattern));
            gomem_allocator_recycle(allocator);
            m.count = 0;
            m.live_bytes = 0;
        }
        gomem_stats stats;
        gomem_allocator_stats(allocator, &stats);
        CHECK_EQ(stats.live, m.live_bytes);
        CHECK(gomem_allocator_invariants_hold(allocator));
    }
    gomem_allocator_destroy(allocator);
}

static void test_recyclable_rounds(void) {
    test_rng rng = test_rng_seed(test_seed(99));
    gomem_allocator *allocator = gomem_allocator_create(0);
    gomem_recyclable rm;
    gomem_recyclable_init(&rm, allocator, NULL, NULL);
    for (int round = 0; round < 200 && !check_failures; round++) {
        size_t buffers = test_rng_range(&rng, 0, 64);
        for (size_t i = 0; i < buffers; i++) {
            size_t size = test_rng_range(&rng, 1, 3000);
            uint8_t *data = gomem_recyclable_next_n(&rm, size);
            CHECK(data != NULL);
            if (data) memset(data, (int)(i & 0xFF), size);
        }
        CHECK_EQ(gomem_memory_count(&rm.memory), buffers);
        for (size_t i = 0; i < rm.memory.count; i++)
            CHECK(pattern_intact(rm.memory.buffers[i].data, rm.memory.buffers[i].len, (uint8_t)(i & 0xFF)));
        CHECK_STATUS(gomem_recyclable_recycle(&rm), GOMEM_OK);
        CHECK_EQ(rm.memory.size, 0);
        gomem_stats stats;
        gomem_allocator_stats(allocator, &stats);
        CHECK_EQ(stats.live, 0);
        CHECK(gomem_allocator_invariants_hold(allocator));
    }
    gomem_recyclable_destroy(&rm);
    gomem_allocator_destroy(allocator);
}

int main(void) {
    size_t held_at_start = gomem_page_bytes_held();
    RUN(test_scalable_random_walk);
    RUN(test_recyclable_rounds);
#if !GOMEM_BUDDY /* the process-wide buddy pool keeps its first pool mapped for reuse */
    CHECK_EQ(gomem_page_bytes_held(), held_at_start);
#else
    (void)held_at_start;
#endif
    return check_report("test_stress");
}
