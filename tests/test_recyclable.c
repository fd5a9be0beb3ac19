/*
 * test_recyclable.c - recyclable memory: next_n records, recycle frees what was recorded (and
 * only that, once recycle indexes are on), add_recycle_bytes, a NULL allocator, destroy, lists
 * whose own arrays live in managed memory, failures of the list's resize function, and the
 * GOMEM_DISABLE_RM build where buffers bypass the arenas.
 */
#include "check.h"

static bool disable_rm(void) { return (gomem_features() & GOMEM_FEATURE_DISABLE_RM) != 0; }

static size_t live_of(const gomem_allocator *allocator) {
    gomem_stats stats;
    gomem_allocator_stats(allocator, &stats);
    return stats.live;
}

static uint64_t mallocs_of(const gomem_allocator *allocator) {
    gomem_stats stats;
    gomem_allocator_stats(allocator, &stats);
    return stats.total_malloc;
}

static bool all_bytes(const uint8_t *data, size_t len, uint8_t value) {
    for (size_t i = 0; i < len; i++)
        if (data[i] != value) return false;
    return true;
}

static void test_next_n_and_recycle(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    gomem_recyclable rm;
    gomem_recyclable_init(&rm, allocator, NULL, NULL);
    CHECK(rm.allocator == allocator);
    CHECK_EQ(rm.memory.count, 0);
    CHECK_EQ(rm.memory.size, 0);
    CHECK(rm.recycle_indexes == NULL);
    CHECK(gomem_recyclable_next_n(&rm, 0) == NULL);
    CHECK_EQ(rm.memory.count, 0);

    size_t sizes[] = {100, 200, 1, 4096, 7, 30000};
    size_t total = 0;
    uint8_t *buffers[6];
    for (size_t i = 0; i < 6; i++) {
        buffers[i] = gomem_recyclable_next_n(&rm, sizes[i]);
        CHECK(buffers[i] != NULL);
        if (buffers[i] != NULL) memset(buffers[i], (int)(i + 1), sizes[i]);
        total += sizes[i];
        CHECK_EQ(rm.memory.count, i + 1);
        CHECK_EQ(rm.memory.size, total);
        CHECK(rm.memory.buffers[i].data == buffers[i]);
        CHECK_EQ(rm.memory.buffers[i].len, sizes[i]);
    }
    /* Distinct buffers: every pattern survived the later allocations. */
    for (size_t i = 0; i < 6; i++)
        if (buffers[i] != NULL) CHECK(all_bytes(buffers[i], sizes[i], (uint8_t)(i + 1)));
    if (disable_rm()) {
        CHECK_EQ(live_of(allocator), 0); /* next_n bypasses the arenas */
        CHECK_EQ(mallocs_of(allocator), 0);
    } else {
        CHECK_EQ(live_of(allocator), total);
        for (size_t i = 0; i < 6; i++) CHECK(gomem_allocator_owns(allocator, buffers[i], sizes[i]));
    }
    CHECK_STATUS(gomem_recyclable_recycle(&rm), GOMEM_OK);
    CHECK_EQ(rm.memory.count, 0);
    CHECK_EQ(rm.memory.size, 0);
    CHECK_EQ(live_of(allocator), 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    if (!disable_rm()) {
        /* Really freed: a second free of a recycled buffer is a double free. */
        CHECK_STATUS(gomem_free(allocator, buffers[0], sizes[0]), GOMEM_ERR_DOUBLE_FREE);
    }

    /* The list is reusable after a recycle, and recycling an empty list is fine. */
    CHECK_STATUS(gomem_recyclable_recycle(&rm), GOMEM_OK);
    uint8_t *again = gomem_recyclable_next_n(&rm, 64);
    CHECK(again != NULL);
    CHECK_EQ(rm.memory.count, 1);
    CHECK_EQ(rm.memory.size, 64);
    CHECK_EQ(live_of(allocator), disable_rm() ? 0 : 64);
    gomem_recyclable_destroy(&rm);
    CHECK_EQ(rm.memory.count, 0);
    CHECK_EQ(live_of(allocator), 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    gomem_allocator_destroy(allocator);
}

/* With recycle indexes only recorded buffers are freed; pushed foreign ones are left alone. */
static void test_recycle_indexes(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    gomem_recyclable rm;
    gomem_recyclable_init(&rm, allocator, NULL, NULL);
    CHECK_STATUS(gomem_recyclable_init_recycle_indexes(&rm, 4), GOMEM_OK);
    CHECK(rm.recycle_indexes != NULL);
    CHECK(rm.index_capacity >= 4);
    size_t *indexes = rm.recycle_indexes;
    CHECK_STATUS(gomem_recyclable_init_recycle_indexes(&rm, 100), GOMEM_OK); /* no-op */
    CHECK(rm.recycle_indexes == indexes);

    static uint8_t foreign[256];
    memset(foreign, 0xF0, sizeof foreign);
    uint8_t *a = gomem_recyclable_next_n(&rm, 100);
    CHECK_STATUS(gomem_memory_push_one(&rm.memory, foreign, sizeof foreign), GOMEM_OK);
    uint8_t *b = gomem_recyclable_next_n(&rm, 300);
    /* add_recycle_bytes: bytes the caller took from the same source next_n uses. */
    uint8_t *c = disable_rm() ? malloc(50) : gomem_alloc(allocator, 50);
    CHECK(a && b && c);
    if (!(a && b && c)) return;
    memset(a, 1, 100);
    memset(b, 2, 300);
    memset(c, 3, 50);
    CHECK_STATUS(gomem_recyclable_add_recycle_bytes(&rm, c, 50), GOMEM_OK);
    CHECK_EQ(rm.memory.count, 4);
    CHECK_EQ(rm.memory.size, 100 + 256 + 300 + 50);
    CHECK_EQ(rm.index_count, 3);
    CHECK_EQ(rm.recycle_indexes[0], 0);
    CHECK_EQ(rm.recycle_indexes[1], 2);
    CHECK_EQ(rm.recycle_indexes[2], 3);
    CHECK(rm.memory.buffers[1].data == foreign);
    CHECK_EQ(live_of(allocator), disable_rm() ? 0 : 450);
    CHECK_STATUS(gomem_recyclable_add_recycle_bytes(&rm, NULL, 5), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(rm.memory.count, 4);

    CHECK_STATUS(gomem_recyclable_recycle(&rm), GOMEM_OK);
    CHECK_EQ(rm.memory.count, 0);
    CHECK_EQ(rm.memory.size, 0);
    CHECK_EQ(rm.index_count, 0);
    CHECK(rm.recycle_indexes != NULL); /* kept for reuse */
    CHECK_EQ(live_of(allocator), 0);  /* c was freed too */
    CHECK(all_bytes(foreign, sizeof foreign, 0xF0)); /* foreign untouched */
    CHECK(gomem_allocator_invariants_hold(allocator));

    /* More recorded buffers than the reserved indexes: the index array grows. */
    size_t total = 0;
    for (size_t i = 0; i < 40; i++) {
        if (i % 5 == 0) CHECK_STATUS(gomem_memory_push_one(&rm.memory, foreign, 16), GOMEM_OK);
        uint8_t *p = gomem_recyclable_next_n(&rm, 10 + i);
        CHECK(p != NULL);
        if (p != NULL) memset(p, (int)i, 10 + i);
        total += 10 + i;
    }
    CHECK_EQ(rm.index_count, 40);
    CHECK(rm.index_capacity >= 40);
    CHECK_EQ(rm.memory.count, 48);
    CHECK_EQ(live_of(allocator), disable_rm() ? 0 : total);
    /* Each recorded index names a buffer that is not the foreign one. */
    bool recorded_right = true;
    for (size_t i = 0; i < rm.index_count; i++)
        recorded_right = recorded_right && rm.memory.buffers[rm.recycle_indexes[i]].data != foreign;
    CHECK(recorded_right);
    gomem_recyclable_destroy(&rm);
    CHECK(rm.recycle_indexes == NULL);
    CHECK_EQ(rm.memory.count, 0);
    CHECK_EQ(live_of(allocator), 0);
    CHECK(all_bytes(foreign, sizeof foreign, 0xF0));
    gomem_allocator_destroy(allocator);
}

/* recycle reports the first failing free and still frees the rest. */
static void test_recycle_reports_errors(void) {
    if (disable_rm()) return; /* there buffers are released by the resize function, unchecked */
    gomem_allocator *allocator = gomem_allocator_create(0);
    gomem_recyclable rm;
    gomem_recyclable_init(&rm, allocator, NULL, NULL);
    uint8_t *a = gomem_recyclable_next_n(&rm, 40);
    static uint8_t not_ours[32];
    CHECK_STATUS(gomem_recyclable_add_recycle_bytes(&rm, not_ours, sizeof not_ours), GOMEM_OK);
    uint8_t *b = gomem_recyclable_next_n(&rm, 60);
    CHECK(a && b);
    CHECK_EQ(live_of(allocator), 100);
    CHECK_STATUS(gomem_recyclable_recycle(&rm), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_EQ(live_of(allocator), 0); /* b was freed after the failure */
    CHECK_EQ(rm.memory.count, 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    gomem_recyclable_destroy(&rm);
    gomem_allocator_destroy(allocator);
}

/* A NULL allocator: next_n fails and recycle only forgets the buffers. */
static void test_null_allocator(void) {
    gomem_recyclable rm;
    gomem_recyclable_init(&rm, NULL, NULL, NULL);
    CHECK(rm.allocator == NULL);
    if (!disable_rm()) {
        CHECK(gomem_recyclable_next_n(&rm, 10) == NULL);
        CHECK_EQ(rm.memory.count, 0);
        static uint8_t kept[24];
        memset(kept, 0x42, sizeof kept);
        CHECK_STATUS(gomem_recyclable_add_recycle_bytes(&rm, kept, sizeof kept), GOMEM_OK);
        CHECK_EQ(rm.memory.count, 1);
        CHECK_STATUS(gomem_recyclable_recycle(&rm), GOMEM_OK);
        CHECK_EQ(rm.memory.count, 0);
        CHECK_EQ(rm.memory.size, 0);
        CHECK(all_bytes(kept, sizeof kept, 0x42));

        /* Bytes from a real allocator, recorded with no allocator: forgotten, not freed. */
        gomem_allocator *allocator = gomem_allocator_create(0);
        uint8_t *mine = gomem_alloc(allocator, 80);
        CHECK_STATUS(gomem_recyclable_add_recycle_bytes(&rm, mine, 80), GOMEM_OK);
        CHECK_STATUS(gomem_recyclable_recycle(&rm), GOMEM_OK);
        CHECK_EQ(live_of(allocator), 80);
        CHECK_STATUS(gomem_free(allocator, mine, 80), GOMEM_OK);
        gomem_allocator_destroy(allocator);
    } else {
        /* Buffers come from the list's resize function: no allocator needed. */
        uint8_t *p = gomem_recyclable_next_n(&rm, 10);
        if (p != NULL) memset(p, 1, 10);
        CHECK_STATUS(gomem_recyclable_recycle(&rm), GOMEM_OK);
        CHECK_EQ(rm.memory.count, 0);
    }
    gomem_recyclable_destroy(&rm);
    CHECK_EQ(rm.memory.count, 0);
}

/* The list array and the index array live in managed memory (gomem_allocator_resize). */
static void test_managed_list(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    gomem_recyclable rm;
    gomem_recyclable_init(&rm, allocator, gomem_allocator_resize, allocator);
    CHECK(rm.memory.resize == gomem_allocator_resize);
    CHECK(rm.memory.resize_context == allocator);
    CHECK_EQ(live_of(allocator), 0); /* init allocates nothing */
    CHECK_STATUS(gomem_recyclable_init_recycle_indexes(&rm, 2), GOMEM_OK);
    CHECK(gomem_allocator_owns(allocator, rm.recycle_indexes, rm.index_capacity * sizeof(size_t)));
    uint8_t *buffers[50];
    size_t total = 0;
    for (size_t i = 0; i < 50; i++) {
        buffers[i] = gomem_recyclable_next_n(&rm, 8 * i + 1);
        CHECK(buffers[i] != NULL);
        if (buffers[i] != NULL) memset(buffers[i], (int)i, 8 * i + 1);
        total += 8 * i + 1;
    }
    CHECK_EQ(rm.memory.count, 50);
    CHECK_EQ(rm.memory.size, total);
    CHECK(rm.memory.capacity >= 50);
    CHECK(gomem_allocator_owns(allocator, rm.memory.buffers, rm.memory.capacity * sizeof(gomem_buf)));
    CHECK(gomem_allocator_owns(allocator, rm.recycle_indexes, rm.index_capacity * sizeof(size_t)));
    /* Buffers come from the allocator in both builds (with GOMEM_DISABLE_RM through resize). */
    for (size_t i = 0; i < 50; i++) CHECK(gomem_allocator_owns(allocator, buffers[i], 8 * i + 1));
    size_t arrays = rm.memory.capacity * sizeof(gomem_buf) + rm.index_capacity * sizeof(size_t);
    CHECK_EQ(live_of(allocator), total + arrays);
    bool intact = true;
    for (size_t i = 0; i < 50; i++)
        intact = intact && buffers[i] != NULL && all_bytes(buffers[i], 8 * i + 1, (uint8_t)i);
    CHECK(intact);
    CHECK(gomem_allocator_invariants_hold(allocator));
    CHECK_STATUS(gomem_recyclable_recycle(&rm), GOMEM_OK);
    CHECK_EQ(live_of(allocator), arrays); /* the arrays are kept for reuse */
    gomem_recyclable_destroy(&rm);
    CHECK_EQ(live_of(allocator), 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    gomem_allocator_destroy(allocator);
}

/* A resize function that always fails (or fails after some calls). */
typedef struct failing_resize {
    int allow; /* growth calls that may still succeed */
    int calls;
} failing_resize;

static void *failing_resize_fn(void *context, void *old, size_t old_bytes, size_t new_bytes) {
    failing_resize *state = context;
    (void)old_bytes;
    state->calls++;
    if (new_bytes == 0) {
        free(old);
        return NULL;
    }
    if (state->allow <= 0) return NULL;
    state->allow--;
    return realloc(old, new_bytes);
}

static void test_resize_failures(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    failing_resize state = {0, 0};
    gomem_recyclable rm;
    gomem_recyclable_init(&rm, allocator, failing_resize_fn, &state);
    CHECK_STATUS(gomem_recyclable_init_recycle_indexes(&rm, 8), GOMEM_ERR_NOMEM);
    CHECK(rm.recycle_indexes == NULL);
    /* next_n: the list cannot grow, so nothing is pushed and nothing stays allocated. */
    CHECK(gomem_recyclable_next_n(&rm, 100) == NULL);
    CHECK_EQ(rm.memory.count, 0);
    CHECK_EQ(rm.memory.size, 0);
    CHECK_EQ(live_of(allocator), 0);
    CHECK(gomem_allocator_invariants_hold(allocator));
    static uint8_t data[8];
    CHECK_STATUS(gomem_recyclable_add_recycle_bytes(&rm, data, sizeof data), GOMEM_ERR_NOMEM);
    CHECK_EQ(rm.memory.count, 0);
    CHECK(state.calls > 0);

    /* Growth allowed once: the list array (and, with GOMEM_DISABLE_RM, the buffer) is had. */
    state.allow = disable_rm() ? 2 : 1;
    uint8_t *p = gomem_recyclable_next_n(&rm, 100);
    CHECK(p != NULL);
    if (p != NULL) memset(p, 5, 100);
    CHECK_EQ(rm.memory.count, 1);
    CHECK_EQ(live_of(allocator), disable_rm() ? 0 : 100);
    gomem_recyclable_destroy(&rm);
    CHECK_EQ(live_of(allocator), 0);
    gomem_allocator_destroy(allocator);
}

int main(void) {
    RUN(test_next_n_and_recycle);
    RUN(test_recycle_indexes);
    RUN(test_recycle_reports_errors);
    RUN(test_null_allocator);
    RUN(test_managed_list);
    RUN(test_resize_failures);
    return check_report("test_recyclable");
}
