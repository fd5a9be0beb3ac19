/*
 * test_bad_input.c - a catalogue of misuses of the C API, one table entry each: a name, the call,
 * and the result gomem.h documents for it (a status name, or "NULL" for a failed allocation or
 * create). After every entry the long-lived allocator and index the entries share must still hold
 * their invariants and serve a fresh request, so no misuse leaves damage behind.
 *
 * Each entry's function performs the misuse, CHECKs the side conditions of its contract (the
 * object unchanged, outputs untouched, the cursor where it was) and returns what the call
 * reported; the runner compares that with the table's documented result and prints
 * "ok  name: result". A misuse that makes several calls reports one result: the common one, or
 * "MIXED(...)" naming the first call that differed.
 */
#include "check.h"

#include <limits.h>

#define KIB ((size_t)1 << 10)

/* With GOMEM_DISABLE_RM, recyclable buffers come from the C library's realloc, which the
 * SIZE_MAX misuse below reaches; AddressSanitizer aborts on such a request unless told to return
 * NULL as a plain C library does. This only makes the sanitized build behave like a release one. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GOMEM_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(GOMEM_TEST_ASAN)
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
#endif

static size_t page(void) { return gomem_page_source()->page_size; }

/* Shared by every entry: the survivors the runner checks after each misuse. */
typedef struct fixture {
    gomem_allocator *a;
    gomem_index *ix;
    const char *result; /* what the entry's calls reported so far */
} fixture;

static char mixed[160];

/* Record one call's outcome; the entry's result is the common outcome of all its calls. */
static void note(fixture *fx, const char *outcome) {
    if (fx->result == NULL) {
        fx->result = outcome;
    } else if (strcmp(fx->result, outcome) != 0 && strncmp(fx->result, "MIXED", 5) != 0) {
        snprintf(mixed, sizeof mixed, "MIXED(%s then %s)", fx->result, outcome);
        fx->result = mixed;
    }
}
static void note_status(fixture *fx, gomem_status s) { note(fx, gomem_status_name(s)); }
static void note_ptr(fixture *fx, const void *p) { note(fx, p == NULL ? "NULL" : "non-NULL"); }

static gomem_stats stats_of(const gomem_allocator *a) {
    gomem_stats s;
    gomem_allocator_stats(a, &s);
    return s;
}

static bool same_stats(gomem_stats x, gomem_stats y) {
    return x.total_malloc == y.total_malloc && x.total_free == y.total_free && x.live == y.live &&
           x.footprint == y.footprint && x.arena_count == y.arena_count;
}

/* The first arena of an allocator (a fresh allocator with one malloc has exactly one). */
static bool first_arena(void *context, const gomem_arena_info *info) {
    *(gomem_arena_info *)context = *info;
    return false;
}

static uint8_t global_bytes[64];

/* ---- allocator: frees ------------------------------------------------------------------------ */

static void free_null_pointer(fixture *fx) {
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_free(fx->a, NULL, 8));
    CHECK(same_stats(before, stats_of(fx->a)));
}

static void free_length_0(fixture *fx) {
    uint8_t *p = gomem_alloc(fx->a, 32);
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_free(fx->a, p, 0));
    CHECK(same_stats(before, stats_of(fx->a)));
    CHECK_STATUS(gomem_free(fx->a, p, 32), GOMEM_OK);
}

static void free_stack_pointer(fixture *fx) {
    uint8_t local[64];
    memset(local, 1, sizeof local);
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_free(fx->a, local, sizeof local));
    CHECK(same_stats(before, stats_of(fx->a)));
}

static void free_global_pointer(fixture *fx) {
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_free(fx->a, global_bytes, sizeof global_bytes));
    note_status(fx, gomem_free(fx->a, global_bytes + 3, 1));
    CHECK(same_stats(before, stats_of(fx->a)));
}

static void free_other_allocators_pointer(fixture *fx) {
    gomem_allocator *other = gomem_allocator_create(0);
    uint8_t *p = gomem_alloc(other, 100);
    CHECK(p != NULL);
    gomem_stats before = stats_of(fx->a), other_before = stats_of(other);
    note_status(fx, gomem_free(fx->a, p, 100));
    CHECK(same_stats(before, stats_of(fx->a)));
    CHECK(same_stats(other_before, stats_of(other)));
    CHECK_STATUS(gomem_free(other, p, 100), GOMEM_OK);
    CHECK(gomem_allocator_invariants_hold(other));
    gomem_allocator_destroy(other);
}

static void free_one_past_arena(fixture *fx) {
    gomem_allocator *a = gomem_allocator_create(0);
    uint8_t *p = gomem_alloc(a, 64);
    gomem_arena_info arena = {0};
    gomem_allocator_arenas(a, first_arena, &arena);
    gomem_stats before = stats_of(a);
    note_status(fx, gomem_free(a, (uint8_t *)arena.base + arena.size, 1));
    note_status(fx, gomem_free(a, (uint8_t *)arena.base - 1, 1));
    CHECK(same_stats(before, stats_of(a)));
    CHECK(gomem_allocator_invariants_hold(a));
    CHECK_STATUS(gomem_free(a, p, 64), GOMEM_OK);
    gomem_allocator_destroy(a);
}

/* A range that starts in the arena's last bytes and runs past its end. */
static void free_runs_past_arena_end(fixture *fx) {
    gomem_allocator *a = gomem_allocator_create(0);
    uint8_t *p = gomem_alloc(a, 64);
    gomem_arena_info arena = {0};
    gomem_allocator_arenas(a, first_arena, &arena);
    gomem_stats before = stats_of(a);
    note_status(fx, gomem_free(a, (uint8_t *)arena.base + arena.size - 8, 16));
    note_status(fx, gomem_free(a, p, arena.size + 1));
    CHECK(same_stats(before, stats_of(a)));
    CHECK(gomem_allocator_invariants_hold(a));
    CHECK_STATUS(gomem_free(a, p, 64), GOMEM_OK);
    gomem_allocator_destroy(a);
}

static void free_size_max(fixture *fx) {
    uint8_t *p = gomem_alloc(fx->a, 64);
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_free(fx->a, p, SIZE_MAX));
    note_status(fx, gomem_free(fx->a, p + 8, SIZE_MAX - 4)); /* end wraps past address 0 */
    CHECK(same_stats(before, stats_of(fx->a)));
    CHECK_STATUS(gomem_free(fx->a, p, 64), GOMEM_OK);
}

static void double_free_whole(fixture *fx) {
    uint8_t *p = gomem_alloc(fx->a, 200);
    CHECK_STATUS(gomem_free(fx->a, p, 200), GOMEM_OK);
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_free(fx->a, p, 200));
    CHECK(same_stats(before, stats_of(fx->a)));
}

/* Half freed, then the whole: some byte is already free, so nothing changes. */
static void double_free_partial(fixture *fx) {
    uint8_t *p = gomem_alloc(fx->a, 256);
    CHECK_STATUS(gomem_free(fx->a, p + 64, 64), GOMEM_OK);
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_free(fx->a, p, 256));
    note_status(fx, gomem_free(fx->a, p + 100, 1));
    note_status(fx, gomem_free(fx->a, p + 32, 64)); /* overlaps the freed part at its front */
    CHECK(same_stats(before, stats_of(fx->a)));
    CHECK_STATUS(gomem_free(fx->a, p, 64), GOMEM_OK);
    CHECK_STATUS(gomem_free(fx->a, p + 128, 128), GOMEM_OK);
}

/*
 * Two adjacent live allocations and a range covering the tail of the first and the head of the
 * second. GOMEM_HARDENED builds know where allocations start and refuse it (SPANS_ALLOCATIONS),
 * changing nothing. Other builds record only free bytes, so both allocations' bytes are simply
 * allocated: gomem.h says the free then succeeds and releases exactly those bytes of both. Either
 * way the rest of each can still be freed on its own.
 */
#if GOMEM_HARDENED
#define STRADDLING_TWO_LIVE_RESULT "SPANS_ALLOCATIONS"
#else
#define STRADDLING_TWO_LIVE_RESULT "OK"
#endif
static void free_straddling_two_live(fixture *fx) {
    gomem_allocator *a = gomem_allocator_create(0);
    uint8_t *x = gomem_alloc(a, 64);
    uint8_t *y = gomem_alloc(a, 64);
    CHECK(y == x + 64); /* first fit in a fresh arena: back to back */
    gomem_stats before = stats_of(a);
    note_status(fx, gomem_free(a, x + 48, 32));
    gomem_stats after = stats_of(a);
    CHECK(gomem_allocator_invariants_hold(a));
#if GOMEM_HARDENED
    CHECK(same_stats(before, after));
    CHECK_STATUS(gomem_free(a, x, 64), GOMEM_OK);
    CHECK_STATUS(gomem_free(a, y, 64), GOMEM_OK);
#else
    CHECK_EQ(after.live, before.live - 32);
    CHECK_EQ(after.total_free, before.total_free + 32);
    /* The freed bytes are really free: freeing any of them again is a double free. */
    CHECK_STATUS(gomem_free(a, x + 60, 1), GOMEM_ERR_DOUBLE_FREE);
    CHECK_STATUS(gomem_free(a, y, 1), GOMEM_ERR_DOUBLE_FREE);
    CHECK_STATUS(gomem_free(a, x, 48), GOMEM_OK);
    CHECK_STATUS(gomem_free(a, y + 16, 48), GOMEM_OK);
#endif
    CHECK_EQ(stats_of(a).live, 0);
    CHECK(gomem_allocator_invariants_hold(a));
    gomem_allocator_destroy(a);
}

/* The same straddle once the first allocation is freed: its bytes are free, so it is detected. */
static void free_straddling_freed_and_live(fixture *fx) {
    gomem_allocator *a = gomem_allocator_create(0);
    uint8_t *x = gomem_alloc(a, 64);
    uint8_t *y = gomem_alloc(a, 64);
    CHECK(y == x + 64);
    CHECK_STATUS(gomem_free(a, x, 64), GOMEM_OK);
    gomem_stats before = stats_of(a);
    note_status(fx, gomem_free(a, x + 48, 32));
    CHECK(same_stats(before, stats_of(a)));
    CHECK_STATUS(gomem_free(a, y, 64), GOMEM_OK);
    CHECK(gomem_allocator_invariants_hold(a));
    gomem_allocator_destroy(a);
}

/* ---- allocator: sizes ------------------------------------------------------------------------ */

static void malloc_size_0(fixture *fx) {
    gomem_stats before = stats_of(fx->a);
    note_ptr(fx, gomem_alloc(fx->a, 0));
    note_ptr(fx, gomem_borrow(fx->a, 0));
    CHECK(same_stats(before, stats_of(fx->a)));
}

static void malloc_size_max(fixture *fx) {
    gomem_stats before = stats_of(fx->a);
    note_ptr(fx, gomem_alloc(fx->a, SIZE_MAX));
    note_ptr(fx, gomem_borrow(fx->a, SIZE_MAX));
    CHECK(same_stats(before, stats_of(fx->a)));
}

static void malloc_arena_limit_plus_1(fixture *fx) {
    gomem_stats before = stats_of(fx->a);
    note_ptr(fx, gomem_alloc(fx->a, GOMEM_ARENA_LIMIT + 1));
    CHECK(same_stats(before, stats_of(fx->a)));
}

/* Sizes that wrap to something small when rounded up to a page, or to a power of two. */
static void malloc_page_round_overflow(fixture *fx) {
    gomem_stats before = stats_of(fx->a);
    note_ptr(fx, gomem_alloc(fx->a, SIZE_MAX - page() + 2));
    note_ptr(fx, gomem_alloc(fx->a, SIZE_MAX - 7));
    /* Rounded to a power of two (buddy pools) this wraps to 0; on wasm32 it is a legal 2 GiB. */
    if ((SIZE_MAX >> 1) + 2 > GOMEM_ARENA_LIMIT)
        note_ptr(fx, gomem_alloc(fx->a, (SIZE_MAX >> 1) + 2));
    CHECK(same_stats(before, stats_of(fx->a)));
}

static void create_size_overflow(fixture *fx) {
    size_t held = gomem_page_bytes_held();
    note_ptr(fx, gomem_allocator_create(SIZE_MAX));
    note_ptr(fx, gomem_allocator_create(SIZE_MAX - page() + 2));
    note_ptr(fx, gomem_allocator_create(GOMEM_ARENA_LIMIT + 1));
    note_ptr(fx, gomem_arena_create(0));
    note_ptr(fx, gomem_arena_create(SIZE_MAX - page() + 2));
    note_ptr(fx, gomem_arena_create(GOMEM_ARENA_LIMIT + 1));
    note_ptr(fx, gomem_index_create(0));
    note_ptr(fx, gomem_index_create(SIZE_MAX));
    CHECK_EQ(gomem_page_bytes_held(), held);
}

static gomem_allocator *create_with(size_t initial, size_t max_block, size_t alignment) {
    gomem_allocator_options o = {.initial_size = initial, .max_block_size = max_block,
                                 .alignment = alignment, .buddy = NULL};
    return gomem_allocator_create_ex(&o, NULL);
}

static void create_alignment_3(fixture *fx) {
    note_ptr(fx, create_with(0, 0, 3));
    note_ptr(fx, create_with(0, 0, 24));
}

static void create_alignment_8192(fixture *fx) {
    note_ptr(fx, create_with(0, 0, GOMEM_MAX_ALIGNMENT * 2));
    note_ptr(fx, create_with(0, 0, SIZE_MAX));
}

static void create_max_block_out_of_range(fixture *fx) {
    note_ptr(fx, create_with(0, page() - 1, 0));
    note_ptr(fx, create_with(0, GOMEM_ARENA_LIMIT + 1, 0));
    note_ptr(fx, create_with(0, SIZE_MAX, 0));
}

/* ---- allocator: free_rest and read_into ------------------------------------------------------ */

static void free_rest_keep_beyond(fixture *fx) {
    uint8_t *p = gomem_alloc(fx->a, 100);
    size_t size = 100;
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_free_rest(fx->a, p, &size, 101));
    note_status(fx, gomem_free_rest(fx->a, p, &size, SIZE_MAX));
    CHECK_EQ(size, 100);
    CHECK(same_stats(before, stats_of(fx->a)));
    CHECK_STATUS(gomem_free(fx->a, p, 100), GOMEM_OK);
}

static void free_rest_null_size(fixture *fx) {
    uint8_t *p = gomem_alloc(fx->a, 100);
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_free_rest(fx->a, p, NULL, 10));
    CHECK(same_stats(before, stats_of(fx->a)));
    CHECK_STATUS(gomem_free(fx->a, p, 100), GOMEM_OK);
}

static void free_rest_foreign(fixture *fx) {
    uint8_t local[100];
    size_t size = sizeof local;
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_free_rest(fx->a, local, &size, 10));
    CHECK_EQ(size, sizeof local);
    CHECK(same_stats(before, stats_of(fx->a)));
}

static void free_rest_after_free(fixture *fx) {
    uint8_t *p = gomem_alloc(fx->a, 100);
    size_t size = 100;
    CHECK_STATUS(gomem_free_rest(fx->a, p, &size, 40), GOMEM_OK);
    CHECK_EQ(size, 40);
    size = 100; /* the caller forgot that the tail is gone */
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_free_rest(fx->a, p, &size, 20));
    CHECK_EQ(size, 100);
    CHECK(same_stats(before, stats_of(fx->a)));
    CHECK_STATUS(gomem_free(fx->a, p, 40), GOMEM_OK);
}

typedef struct read_plan {
    size_t claim;
    gomem_status status;
} read_plan;

static gomem_status planned_read(void *context, void *dest, size_t capacity, size_t *filled) {
    const read_plan *plan = context;
    memset(dest, 0x5A, capacity);
    *filled = plan->claim;
    return plan->status;
}

static void read_into_claims_more(fixture *fx) {
    read_plan plan = {.claim = 65, .status = GOMEM_OK};
    void *out = &plan;
    size_t out_len = 7;
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_read_into(fx->a, 64, planned_read, &plan, &out, &out_len));
    CHECK(out == NULL);
    CHECK_EQ(out_len, 0);
    gomem_stats after = stats_of(fx->a);
    CHECK_EQ(after.live, before.live); /* the 64 bytes were given back */
}

static void read_into_n_0(fixture *fx) {
    read_plan plan = {.claim = 0, .status = GOMEM_OK};
    void *out = NULL;
    size_t out_len = 0;
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_read_into(fx->a, 0, planned_read, &plan, &out, &out_len));
    CHECK(same_stats(before, stats_of(fx->a)));
}

static void read_into_callback_fails(fixture *fx) {
    read_plan plan = {.claim = 10, .status = GOMEM_ERR_END_OF_DATA};
    void *out = &plan;
    size_t out_len = 7;
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_read_into(fx->a, 64, planned_read, &plan, &out, &out_len));
    CHECK(out == NULL);
    CHECK_EQ(out_len, 0);
    CHECK_EQ(stats_of(fx->a).live, before.live);
}

static void read_into_size_max(fixture *fx) {
    read_plan plan = {.claim = 0, .status = GOMEM_OK};
    void *out = NULL;
    size_t out_len = 0;
    gomem_stats before = stats_of(fx->a);
    note_status(fx, gomem_read_into(fx->a, SIZE_MAX, planned_read, &plan, &out, &out_len));
    CHECK_STATUS(gomem_read_into(fx->a, 16, NULL, &plan, &out, &out_len),
                 GOMEM_ERR_INVALID_ARGUMENT);
    CHECK(same_stats(before, stats_of(fx->a)));
}

/* ---- arena ----------------------------------------------------------------------------------- */

static void arena_misuse(fixture *fx) {
    gomem_arena *arena = gomem_arena_create(16 * KIB);
    uint8_t *p = gomem_arena_alloc(arena, 64);
    uint8_t local[16];
    size_t free_before = gomem_index_free_size(gomem_arena_index(arena));
    note_status(fx, gomem_arena_free(arena, local, sizeof local));
    note_status(fx, gomem_arena_free(arena, (uint8_t *)gomem_arena_base(arena) +
                                                gomem_arena_size(arena), 1));
    note_status(fx, gomem_arena_free(arena, global_bytes, 1));
    CHECK_EQ(gomem_index_free_size(gomem_arena_index(arena)), free_before);
    CHECK(gomem_arena_alloc(arena, 0) == NULL);
    CHECK(gomem_arena_alloc(arena, SIZE_MAX) == NULL);
    CHECK_STATUS(gomem_arena_free(arena, p, 64), GOMEM_OK);
    CHECK_STATUS(gomem_arena_free(arena, p, 64), GOMEM_ERR_DOUBLE_FREE);
    CHECK(gomem_index_invariants_hold(gomem_arena_index(arena)));
    gomem_arena_destroy(arena);
}

/* ---- index ----------------------------------------------------------------------------------- */

static void index_alloc_bad_alignment(fixture *fx) {
    size_t offset = 12345, free_before = gomem_index_free_size(fx->ix);
    note_status(fx, gomem_index_alloc(fx->ix, 16, 3, &offset));
    note_status(fx, gomem_index_alloc(fx->ix, 16, 8192, &offset));
    note_status(fx, gomem_index_alloc(fx->ix, 16, 0, &offset));
    note_status(fx, gomem_index_find(fx->ix, 16, 3, &offset));
    CHECK_EQ(offset, 12345);
    CHECK_EQ(gomem_index_free_size(fx->ix), free_before);
}

static void index_alloc_bad_size(fixture *fx) {
    size_t offset = 12345, free_before = gomem_index_free_size(fx->ix);
    note_status(fx, gomem_index_alloc(fx->ix, 0, 1, &offset));
    note_status(fx, gomem_index_alloc(fx->ix, gomem_index_size(fx->ix) + 1, 1, &offset));
    note_status(fx, gomem_index_alloc(fx->ix, SIZE_MAX, 1, &offset));
    CHECK_EQ(offset, 12345);
    CHECK_EQ(gomem_index_free_size(fx->ix), free_before);
}

static void index_free_bad_range(fixture *fx) {
    size_t offset = 0, size = gomem_index_size(fx->ix);
    CHECK_STATUS(gomem_index_alloc(fx->ix, 64, 8, &offset), GOMEM_OK);
    size_t free_before = gomem_index_free_size(fx->ix);
    note_status(fx, gomem_index_free(fx->ix, size - 8, 16));
    note_status(fx, gomem_index_free(fx->ix, size, 1));
    note_status(fx, gomem_index_free(fx->ix, SIZE_MAX - 3, 8)); /* offset + size wraps */
    note_status(fx, gomem_index_free(fx->ix, offset, SIZE_MAX));
    CHECK_EQ(gomem_index_free_size(fx->ix), free_before);
    CHECK_STATUS(gomem_index_free(fx->ix, offset, 64), GOMEM_OK);
}

static void index_free_length_0(fixture *fx) {
    size_t offset = 0;
    CHECK_STATUS(gomem_index_alloc(fx->ix, 64, 8, &offset), GOMEM_OK);
    size_t free_before = gomem_index_free_size(fx->ix);
    note_status(fx, gomem_index_free(fx->ix, offset, 0));
    CHECK_EQ(gomem_index_free_size(fx->ix), free_before);
    CHECK_STATUS(gomem_index_free(fx->ix, offset, 64), GOMEM_OK);
}

static void index_double_free(fixture *fx) {
    size_t offset = 0;
    CHECK_STATUS(gomem_index_alloc(fx->ix, 128, 8, &offset), GOMEM_OK);
    CHECK_STATUS(gomem_index_free(fx->ix, offset + 32, 32), GOMEM_OK);
    size_t free_before = gomem_index_free_size(fx->ix);
    size_t blocks_before = gomem_index_block_count(fx->ix);
    note_status(fx, gomem_index_free(fx->ix, offset + 32, 32));
    note_status(fx, gomem_index_free(fx->ix, offset, 128));
    note_status(fx, gomem_index_free(fx->ix, offset + 60, 8));
    CHECK_EQ(gomem_index_free_size(fx->ix), free_before);
    CHECK_EQ(gomem_index_block_count(fx->ix), blocks_before);
    CHECK_STATUS(gomem_index_free(fx->ix, offset, 32), GOMEM_OK);
    CHECK_STATUS(gomem_index_free(fx->ix, offset + 64, 64), GOMEM_OK);
}

static void index_reset_bad_size(fixture *fx) {
    size_t offset = 0, size = gomem_index_size(fx->ix);
    CHECK_STATUS(gomem_index_alloc(fx->ix, 64, 8, &offset), GOMEM_OK);
    size_t free_before = gomem_index_free_size(fx->ix);
    note_status(fx, gomem_index_reset(fx->ix, 0));
    note_status(fx, gomem_index_reset(fx->ix, GOMEM_ARENA_LIMIT + 1));
    note_status(fx, gomem_index_reset(fx->ix, SIZE_MAX));
    CHECK_EQ(gomem_index_size(fx->ix), size);
    CHECK_EQ(gomem_index_free_size(fx->ix), free_before);
    CHECK_STATUS(gomem_index_free(fx->ix, offset, 64), GOMEM_OK);
}

/* ---- buddy ----------------------------------------------------------------------------------- */

static bool has_buddy(void) { return (gomem_features() & GOMEM_FEATURE_BUDDY) != 0; }

static void buddy_create_bad_size(fixture *fx) {
    note_ptr(fx, gomem_buddy_create(0));
    note_ptr(fx, gomem_buddy_create(32 * KIB));
    note_ptr(fx, gomem_buddy_create(96 * KIB));
    note_ptr(fx, gomem_buddy_create(GOMEM_ARENA_LIMIT + 1));
    note_ptr(fx, gomem_buddy_create(SIZE_MAX));
}

/* Without GOMEM_BUDDY gomem_buddy_create returns NULL, which the documented result then is. */
static void buddy_free_bad_pointer(fixture *fx) {
    gomem_buddy *buddy = gomem_buddy_create(256 * KIB);
    if (buddy == NULL) {
        CHECK(!has_buddy());
        note(fx, "FOREIGN_POINTER"); /* nothing to misuse in this build */
        return;
    }
    uint8_t *p = gomem_buddy_alloc(buddy, 16 * KIB);
    uint8_t local[8];
    size_t used = gomem_buddy_used_bytes(buddy);
    note_status(fx, gomem_buddy_free(buddy, p + page()));      /* middle, page-aligned */
    note_status(fx, gomem_buddy_free(buddy, p + 1));           /* middle, unaligned */
    note_status(fx, gomem_buddy_free(buddy, local));           /* stack */
    note_status(fx, gomem_buddy_free(buddy, p + 256 * KIB));   /* one past the pool */
    CHECK_EQ(gomem_buddy_used_bytes(buddy), used);
    CHECK(gomem_buddy_invariants_hold(buddy));
    CHECK_STATUS(gomem_buddy_free(buddy, p), GOMEM_OK);
    note_status(fx, gomem_buddy_free(buddy, p));               /* double free */
    CHECK(gomem_buddy_alloc(buddy, 0) == NULL);
    CHECK(gomem_buddy_alloc(buddy, 256 * KIB + 1) == NULL);
    CHECK(gomem_buddy_alloc(buddy, SIZE_MAX) == NULL);
    CHECK(gomem_buddy_invariants_hold(buddy));
    CHECK_EQ(gomem_buddy_used_bytes(buddy), 0);
    gomem_buddy_destroy(buddy);
}

/* ---- recyclable ------------------------------------------------------------------------------ */

static void recyclable_bad_sizes(fixture *fx) {
    gomem_recyclable rm;
    gomem_recyclable_init(&rm, fx->a, NULL, NULL);
    gomem_stats before = stats_of(fx->a);
    note_ptr(fx, gomem_recyclable_next_n(&rm, 0));
    note_ptr(fx, gomem_recyclable_next_n(&rm, SIZE_MAX));
    /* GOMEM_DISABLE_RM takes each buffer from the resize function, not the allocator, so there
     * neither the arena limit nor a missing allocator applies. */
    bool rm_bypasses = (gomem_features() & GOMEM_FEATURE_DISABLE_RM) != 0;
    if (!rm_bypasses) note_ptr(fx, gomem_recyclable_next_n(&rm, GOMEM_ARENA_LIMIT + 1));
    CHECK_EQ(rm.memory.count, 0);
    CHECK(same_stats(before, stats_of(fx->a)));
    gomem_recyclable rm_null;
    gomem_recyclable_init(&rm_null, NULL, NULL, NULL);
    if (!rm_bypasses) note_ptr(fx, gomem_recyclable_next_n(&rm_null, 16));
    CHECK_STATUS(gomem_recyclable_recycle(&rm_null), GOMEM_OK);
    gomem_recyclable_destroy(&rm_null);
    gomem_recyclable_destroy(&rm);
}

/* A stack buffer recorded for recycle: recycle reports the foreign pointer and still frees the
 * buffers recorded around it. GOMEM_DISABLE_RM builds hand recorded buffers to the C library's
 * free, where a stack pointer is undefined behaviour, so there the entry only checks that a
 * plain recycle still works and reports the documented status of the other builds. */
static void recyclable_recycle_foreign(fixture *fx) {
    gomem_recyclable rm;
    gomem_recyclable_init(&rm, fx->a, NULL, NULL);
    size_t live_before = stats_of(fx->a).live;
    CHECK(gomem_recyclable_next_n(&rm, 100) != NULL);
    if (gomem_features() & GOMEM_FEATURE_DISABLE_RM) {
        note(fx, "FOREIGN_POINTER");
        CHECK_STATUS(gomem_recyclable_recycle(&rm), GOMEM_OK);
    } else {
        uint8_t local[32];
        CHECK_STATUS(gomem_recyclable_add_recycle_bytes(&rm, local, sizeof local), GOMEM_OK);
        CHECK(gomem_recyclable_next_n(&rm, 200) != NULL);
        note_status(fx, gomem_recyclable_recycle(&rm));
    }
    CHECK_EQ(rm.memory.count, 0);
    CHECK_EQ(stats_of(fx->a).live, live_before);
    gomem_recyclable_destroy(&rm);
}

/* ---- memory (buffer list) -------------------------------------------------------------------- */

static bool same_list(const gomem_memory *m, size_t count, size_t size) {
    return m->count == count && m->size == size;
}

static void memory_push_null_data(fixture *fx) {
    gomem_memory m;
    gomem_memory_init(&m, gomem_allocator_resize, fx->a);
    uint8_t *p = gomem_alloc(fx->a, 10);
    CHECK_STATUS(gomem_memory_push_one(&m, p, 10), GOMEM_OK);
    note_status(fx, gomem_memory_push_one(&m, NULL, 5));
    gomem_buf bufs[2] = {{p, 3}, {NULL, 4}};
    note_status(fx, gomem_memory_push(&m, bufs, 2)); /* all or nothing */
    CHECK(same_list(&m, 1, 10));
    CHECK_STATUS(gomem_memory_push_one(&m, NULL, 0), GOMEM_OK); /* empty buffer: allowed */
    gomem_memory other;
    note_status(fx, gomem_memory_init_buffer(&other, NULL, NULL, NULL, 1));
    CHECK(same_list(&other, 0, 0));
    gomem_memory_destroy(&other);
    gomem_memory_destroy(&m);
    CHECK_STATUS(gomem_free(fx->a, p, 10), GOMEM_OK);
}

static void memory_push_size_overflow(fixture *fx) {
    gomem_memory m;
    gomem_memory_init(&m, gomem_allocator_resize, fx->a);
    /* The list records (pointer, length) and never reads the bytes, so a huge length is legal
     * to record; only the total overflowing is an error. */
    CHECK_STATUS(gomem_memory_push_one(&m, global_bytes, SIZE_MAX - 10), GOMEM_OK);
    note_status(fx, gomem_memory_push_one(&m, global_bytes, 11));
    gomem_buf bufs[2] = {{global_bytes, 5}, {global_bytes, 6}};
    note_status(fx, gomem_memory_push(&m, bufs, 2));
    CHECK(same_list(&m, 1, SIZE_MAX - 10));
    /* One buffer of SIZE_MAX bytes is a total of exactly SIZE_MAX: allowed; one more is not. */
    CHECK_STATUS(gomem_memory_update_buffer(&m, 0, global_bytes, SIZE_MAX), GOMEM_OK);
    note_status(fx, gomem_memory_push_one(&m, global_bytes, 1));
    CHECK(same_list(&m, 1, SIZE_MAX));
    gomem_memory_destroy(&m);
}

static void memory_update_buffer_out_of_range(fixture *fx) {
    gomem_memory m;
    gomem_memory_init(&m, gomem_allocator_resize, fx->a);
    CHECK_STATUS(gomem_memory_push_one(&m, global_bytes, 8), GOMEM_OK);
    CHECK_STATUS(gomem_memory_push_one(&m, global_bytes + 8, 8), GOMEM_OK);
    note_status(fx, gomem_memory_update_buffer(&m, 2, global_bytes, 4));
    note_status(fx, gomem_memory_update_buffer(&m, -3, global_bytes, 4));
    note_status(fx, gomem_memory_update_buffer(&m, PTRDIFF_MAX, global_bytes, 4));
    note_status(fx, gomem_memory_update_buffer(&m, PTRDIFF_MIN, global_bytes, 4));
    note_status(fx, gomem_memory_update_buffer(&m, 0, NULL, 4));
    CHECK(same_list(&m, 2, 16));
    CHECK(m.buffers[0].data == global_bytes && m.buffers[0].len == 8);
    CHECK_STATUS(gomem_memory_update_buffer(&m, -1, global_bytes, 2), GOMEM_OK);
    CHECK(same_list(&m, 2, 10));
    gomem_memory_destroy(&m);
}

static void memory_to_bytes_too_small(fixture *fx) {
    gomem_memory m;
    gomem_memory_init(&m, gomem_allocator_resize, fx->a);
    CHECK_STATUS(gomem_memory_push_one(&m, global_bytes, 16), GOMEM_OK);
    uint8_t dst[15];
    memset(dst, 0xCC, sizeof dst);
    note_status(fx, gomem_memory_to_bytes(&m, dst, sizeof dst));
    CHECK(dst[0] == 0xCC && dst[14] == 0xCC);
    gomem_memory copy;
    gomem_memory_init(&copy, gomem_allocator_resize, fx->a);
    note_status(fx, gomem_memory_copy_from(&copy, &m, dst, sizeof dst));
    CHECK(same_list(&copy, 0, 0));
    gomem_memory_destroy(&copy);
    gomem_memory_destroy(&m);
}

typedef struct sink {
    size_t extra;
} sink;

static gomem_status lying_writev(void *context, const gomem_buf *bufs, size_t count,
                                 size_t *written) {
    const sink *s = context;
    size_t total = 0;
    for (size_t i = 0; i < count; i++) total += bufs[i].len;
    *written = total + s->extra;
    return GOMEM_OK;
}

static void memory_write_to_claims_more(fixture *fx) {
    gomem_memory m;
    gomem_memory_init(&m, gomem_allocator_resize, fx->a);
    CHECK_STATUS(gomem_memory_push_one(&m, global_bytes, 16), GOMEM_OK);
    sink s = {.extra = 1};
    size_t written = 0;
    note_status(fx, gomem_memory_write_to(&m, lying_writev, &s, &written));
    s.extra = 0;
    CHECK_STATUS(gomem_memory_write_to(&m, lying_writev, &s, &written), GOMEM_OK);
    CHECK_EQ(written, 16);
    gomem_memory_destroy(&m);
}

/* gomem_memory_destroy leaves a valid empty list: using it afterwards is defined. */
static void memory_use_after_destroy(fixture *fx) {
    gomem_memory m;
    gomem_memory_init(&m, gomem_allocator_resize, fx->a);
    CHECK_STATUS(gomem_memory_push_one(&m, global_bytes, 16), GOMEM_OK);
    gomem_memory_destroy(&m);
    CHECK(same_list(&m, 0, 0));
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);
    uint8_t byte = 0;
    note_status(fx, gomem_reader_read_u8(&r, &byte));
    CHECK_STATUS(gomem_memory_push_one(&m, global_bytes, 4), GOMEM_OK);
    CHECK(same_list(&m, 1, 4));
    gomem_memory_destroy(&m);
    gomem_memory_destroy(&m); /* twice: still a valid empty list */
    CHECK(same_list(&m, 0, 0));
}

/* ---- reader ---------------------------------------------------------------------------------- */

/* A list of two buffers from the shared allocator holding `len` bytes of `bytes`, split at
 * `split`, so reads past the end also cross a buffer boundary. */
typedef struct two_buffers {
    gomem_memory m;
    uint8_t *first, *second;
    size_t first_len, second_len;
    gomem_allocator *a;
} two_buffers;

static void two_buffers_make(two_buffers *t, gomem_allocator *a, const uint8_t *bytes,
                             size_t len, size_t split) {
    t->a = a;
    t->first_len = split;
    t->second_len = len - split;
    t->first = split ? gomem_alloc(a, split) : NULL;
    t->second = len - split ? gomem_alloc(a, len - split) : NULL;
    if (split) memcpy(t->first, bytes, split);
    if (len - split) memcpy(t->second, bytes + split, len - split);
    gomem_memory_init(&t->m, gomem_allocator_resize, a);
    CHECK_STATUS(gomem_memory_push_one(&t->m, t->first, t->first_len), GOMEM_OK);
    CHECK_STATUS(gomem_memory_push_one(&t->m, t->second, t->second_len), GOMEM_OK);
}

static void two_buffers_free(two_buffers *t) {
    gomem_memory_destroy(&t->m);
    if (t->first_len) CHECK_STATUS(gomem_free(t->a, t->first, t->first_len), GOMEM_OK);
    if (t->second_len) CHECK_STATUS(gomem_free(t->a, t->second, t->second_len), GOMEM_OK);
}

static bool same_cursor(const gomem_reader *x, const gomem_reader *y) {
    return x->buf_index == y->buf_index && x->buf_offset == y->buf_offset &&
           x->length == y->length && x->position == y->position;
}

static const uint8_t pattern[16] = {0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
                                    0x89, 0x8A, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90};

/* Every fixed-width read and peek of `width` bytes, with width - 1 bytes left (after skipping
 * one byte, so the cursor is not at the start). Each must fail with END_OF_DATA, leave the
 * cursor and the output as they were. */
static void reader_past_end(fixture *fx, size_t width) {
    two_buffers t;
    two_buffers_make(&t, fx->a, pattern, width, width / 2 + 1);
    gomem_reader r;
    gomem_memory_new_reader(&t.m, &r);
    CHECK_STATUS(gomem_reader_skip(&r, 1), GOMEM_OK);
    gomem_reader saved = r;
    uint8_t u8 = 0x77;
    uint16_t u16 = 0x7777;
    uint32_t u32 = 0x77777777u;
    uint64_t u64 = 0x7777777777777777ull;
    int8_t i8 = 0x77;
    int16_t i16 = 0x7777;
    int32_t i32 = 0x77777777;
    int64_t i64 = 0x7777777777777777ll;
    uint8_t dst[16];
    memset(dst, 0x77, sizeof dst);
    switch (width) {
    case 1:
        note_status(fx, gomem_reader_read_u8(&r, &u8));
        note_status(fx, gomem_reader_peek_u8(&r, &u8));
        note_status(fx, gomem_reader_read_i8(&r, &i8));
        note_status(fx, gomem_reader_read_byte_mask(&r, 0x0F, &u8));
        break;
    case 2:
        note_status(fx, gomem_reader_read_u16_be(&r, &u16));
        note_status(fx, gomem_reader_read_u16_le(&r, &u16));
        note_status(fx, gomem_reader_peek_u16_be(&r, &u16));
        note_status(fx, gomem_reader_peek_u16_le(&r, &u16));
        note_status(fx, gomem_reader_read_i16_be(&r, &i16));
        note_status(fx, gomem_reader_read_i16_le(&r, &i16));
        break;
    case 3:
        note_status(fx, gomem_reader_read_u24_be(&r, &u32));
        note_status(fx, gomem_reader_read_u24_le(&r, &u32));
        note_status(fx, gomem_reader_peek_u24_be(&r, &u32));
        note_status(fx, gomem_reader_peek_u24_le(&r, &u32));
        note_status(fx, gomem_reader_read_i24_be(&r, &i32));
        note_status(fx, gomem_reader_read_i24_le(&r, &i32));
        break;
    case 4:
        note_status(fx, gomem_reader_read_u32_be(&r, &u32));
        note_status(fx, gomem_reader_read_u32_le(&r, &u32));
        note_status(fx, gomem_reader_peek_u32_be(&r, &u32));
        note_status(fx, gomem_reader_peek_u32_le(&r, &u32));
        note_status(fx, gomem_reader_read_i32_be(&r, &i32));
        note_status(fx, gomem_reader_read_i32_le(&r, &i32));
        note_status(fx, gomem_reader_read_be(&r, 4, &u32));
        note_status(fx, gomem_reader_read_le(&r, 4, &u32));
        break;
    case 8:
        note_status(fx, gomem_reader_read_u64_be(&r, &u64));
        note_status(fx, gomem_reader_read_u64_le(&r, &u64));
        note_status(fx, gomem_reader_peek_u64_be(&r, &u64));
        note_status(fx, gomem_reader_peek_u64_le(&r, &u64));
        note_status(fx, gomem_reader_read_i64_be(&r, &i64));
        note_status(fx, gomem_reader_read_i64_le(&r, &i64));
        break;
    default: break;
    }
    /* Byte-count reads of width bytes fail the same way. */
    note_status(fx, gomem_reader_read_bytes(&r, dst, width));
    note_status(fx, gomem_reader_peek(&r, dst, width));
    note_status(fx, gomem_reader_skip(&r, width));
    const uint8_t *view = pattern;
    note_status(fx, gomem_reader_read_view(&r, width, &view));
    CHECK(view == pattern);
    CHECK(same_cursor(&r, &saved));
    CHECK(u8 == 0x77 && u16 == 0x7777 && u32 == 0x77777777u && u64 == 0x7777777777777777ull);
    CHECK(i8 == 0x77 && i16 == 0x7777 && i32 == 0x77777777 && i64 == 0x7777777777777777ll);
    CHECK(dst[0] == 0x77 && dst[width - 1] == 0x77);
    /* The width - 1 bytes that are there still read. */
    if (width > 1) CHECK_STATUS(gomem_reader_read_bytes(&r, dst, width - 1), GOMEM_OK);
    CHECK_EQ(gomem_reader_remaining(&r), 0);
    two_buffers_free(&t);
}

static void reader_past_end_1(fixture *fx) { reader_past_end(fx, 1); }
static void reader_past_end_2(fixture *fx) { reader_past_end(fx, 2); }
static void reader_past_end_3(fixture *fx) { reader_past_end(fx, 3); }
static void reader_past_end_4(fixture *fx) { reader_past_end(fx, 4); }
static void reader_past_end_8(fixture *fx) { reader_past_end(fx, 8); }

static void reader_read_at_end(fixture *fx) {
    two_buffers t;
    two_buffers_make(&t, fx->a, pattern, 4, 2);
    gomem_reader r;
    gomem_memory_new_reader(&t.m, &r);
    gomem_reader_move_to_end(&r);
    gomem_reader saved = r;
    uint8_t dst[8];
    size_t n = 99;
    note_status(fx, gomem_reader_read(&r, dst, sizeof dst, &n));
    CHECK_EQ(n, 0);
    note_status(fx, gomem_reader_read(&r, NULL, 0, &n));
    uint8_t a = 1, b = 2;
    uint8_t *const targets[2] = {&a, &b};
    note_status(fx, gomem_reader_read_byte_to(&r, targets, 2));
    CHECK(a == 1 && b == 2);
    CHECK(same_cursor(&r, &saved));
    gomem_buf current = gomem_reader_current(&r);
    CHECK(current.data == NULL && current.len == 0);
    two_buffers_free(&t);
}

static void reader_read_be_bad_width(fixture *fx) {
    two_buffers t;
    two_buffers_make(&t, fx->a, pattern, 16, 8);
    gomem_reader r;
    gomem_memory_new_reader(&t.m, &r);
    gomem_reader saved = r;
    uint32_t out = 7;
    note_status(fx, gomem_reader_read_be(&r, 0, &out));
    note_status(fx, gomem_reader_read_be(&r, 5, &out));
    note_status(fx, gomem_reader_read_le(&r, 8, &out));
    note_status(fx, gomem_reader_read_le(&r, SIZE_MAX, &out));
    CHECK_EQ(out, 7);
    CHECK(same_cursor(&r, &saved));
    two_buffers_free(&t);
}

static void reader_read_view_straddle(fixture *fx) {
    two_buffers t;
    two_buffers_make(&t, fx->a, pattern, 16, 8);
    gomem_reader r;
    gomem_memory_new_reader(&t.m, &r);
    CHECK_STATUS(gomem_reader_skip(&r, 6), GOMEM_OK);
    gomem_reader saved = r;
    const uint8_t *view = pattern;
    note_status(fx, gomem_reader_read_view(&r, 3, &view));
    note_status(fx, gomem_reader_read_view(&r, 10, &view));
    CHECK(view == pattern);
    CHECK(same_cursor(&r, &saved));
    uint8_t copy[3];
    CHECK_STATUS(gomem_reader_read_bytes(&r, copy, 3), GOMEM_OK); /* the documented fallback */
    CHECK(copy[0] == 0x87 && copy[2] == 0x89);
    two_buffers_free(&t);
}

static void leb128_case(fixture *fx, const uint8_t *bytes, size_t len, size_t split) {
    two_buffers t;
    two_buffers_make(&t, fx->a, bytes, len, split);
    gomem_reader r;
    gomem_memory_new_reader(&t.m, &r);
    gomem_reader saved = r;
    uint64_t value = 42;
    size_t consumed = 42;
    note_status(fx, gomem_reader_read_leb128(&r, &value, &consumed));
    CHECK_EQ(value, 42);
    CHECK_EQ(consumed, 42);
    CHECK(same_cursor(&r, &saved));
    two_buffers_free(&t);
}

static void leb128_11_bytes(fixture *fx) {
    uint8_t bytes[11];
    memset(bytes, 0x80, sizeof bytes);
    bytes[10] = 0x00; /* ends on the 11th byte: one past the limit */
    leb128_case(fx, bytes, sizeof bytes, 5);
    uint8_t longer[16];
    memset(longer, 0xFF, sizeof longer); /* never ends */
    leb128_case(fx, longer, sizeof longer, 16);
}

static void leb128_over_64_bits(fixture *fx) {
    uint8_t bytes[10];
    memset(bytes, 0xFF, sizeof bytes);
    bytes[9] = 0x02; /* 10th byte carries bit 64 */
    leb128_case(fx, bytes, sizeof bytes, 3);
    bytes[9] = 0x7F;
    leb128_case(fx, bytes, sizeof bytes, 9);
}

static void leb128_truncated(fixture *fx) {
    const uint8_t bytes[3] = {0x80, 0x81, 0x82}; /* every byte says "more follows" */
    leb128_case(fx, bytes, sizeof bytes, 1);
    leb128_case(fx, bytes, 1, 1);
    leb128_case(fx, bytes, 0, 0); /* nothing at all */
}

static void reader_unread_past_start(fixture *fx) {
    two_buffers t;
    two_buffers_make(&t, fx->a, pattern, 16, 8);
    gomem_reader r;
    gomem_memory_new_reader(&t.m, &r);
    note_status(fx, gomem_reader_unread(&r, 1));
    CHECK_STATUS(gomem_reader_skip(&r, 10), GOMEM_OK);
    gomem_reader saved = r;
    note_status(fx, gomem_reader_unread(&r, 11));
    note_status(fx, gomem_reader_unread(&r, SIZE_MAX));
    CHECK(same_cursor(&r, &saved));
    CHECK_STATUS(gomem_reader_unread(&r, 10), GOMEM_OK);
    CHECK_EQ(gomem_reader_offset(&r), 0);
    two_buffers_free(&t);
}

static void reader_skip_size_max(fixture *fx) {
    two_buffers t;
    two_buffers_make(&t, fx->a, pattern, 16, 8);
    gomem_reader r;
    gomem_memory_new_reader(&t.m, &r);
    CHECK_STATUS(gomem_reader_skip(&r, 3), GOMEM_OK);
    gomem_reader saved = r;
    uint8_t dst[1];
    note_status(fx, gomem_reader_skip(&r, SIZE_MAX));
    note_status(fx, gomem_reader_read_bytes(&r, dst, SIZE_MAX));
    note_status(fx, gomem_reader_peek(&r, dst, SIZE_MAX));
    CHECK(same_cursor(&r, &saved));
    two_buffers_free(&t);
}

/* ---- the catalogue --------------------------------------------------------------------------- */

typedef struct misuse {
    const char *name;
    void (*run)(fixture *fx);
    const char *documented; /* what gomem.h says the call returns */
} misuse;

static const misuse catalogue[] = {
    /* allocator frees */
    {"free NULL pointer", free_null_pointer, "INVALID_ARGUMENT"},
    {"free length 0", free_length_0, "INVALID_SIZE"},
    {"free stack pointer", free_stack_pointer, "FOREIGN_POINTER"},
    {"free global pointer", free_global_pointer, "FOREIGN_POINTER"},
    {"free another allocator's pointer", free_other_allocators_pointer, "FOREIGN_POINTER"},
    {"free one past / one before an arena", free_one_past_arena, "FOREIGN_POINTER"},
    {"free running past the arena's end", free_runs_past_arena_end, "OUT_OF_RANGE"},
    {"free length SIZE_MAX (end wraps)", free_size_max, "OUT_OF_RANGE"},
    {"double free, whole", double_free_whole, "DOUBLE_FREE"},
    {"double free, partial overlap", double_free_partial, "DOUBLE_FREE"},
    {GOMEM_HARDENED ? "free straddling two live allocations"
                    : "free straddling two live allocations (not detected: frees both ranges' bytes)",
     free_straddling_two_live, STRADDLING_TWO_LIVE_RESULT},
    {"free straddling a freed and a live allocation", free_straddling_freed_and_live,
     "DOUBLE_FREE"},
    /* allocator sizes and options */
    {"malloc/borrow size 0", malloc_size_0, "NULL"},
    {"malloc/borrow SIZE_MAX", malloc_size_max, "NULL"},
    {"malloc GOMEM_ARENA_LIMIT + 1", malloc_arena_limit_plus_1, "NULL"},
    {"malloc sizes that overflow when rounded", malloc_page_round_overflow, "NULL"},
    {"create allocator/arena/index with overflowing sizes", create_size_overflow, "NULL"},
    {"create allocator, alignment 3 / 24", create_alignment_3, "NULL"},
    {"create allocator, alignment 8192 / SIZE_MAX", create_alignment_8192, "NULL"},
    {"create allocator, max_block_size out of range", create_max_block_out_of_range, "NULL"},
    {"free_rest keep beyond the size (no-op)", free_rest_keep_beyond, "OK"},
    {"free_rest NULL size", free_rest_null_size, "INVALID_ARGUMENT"},
    {"free_rest of a stack buffer", free_rest_foreign, "FOREIGN_POINTER"},
    {"free_rest of a tail freed already", free_rest_after_free, "DOUBLE_FREE"},
    {"read_into callback claims more than n", read_into_claims_more, "INVALID_SIZE"},
    {"read_into n 0", read_into_n_0, "INVALID_SIZE"},
    {"read_into callback fails (its status, all freed)", read_into_callback_fails,
     "END_OF_DATA"},
    {"read_into SIZE_MAX", read_into_size_max, "NOMEM"},
    /* arena */
    {"arena free: stack, global, one past the end", arena_misuse, "FOREIGN_POINTER"},
    /* index */
    {"index alloc/find alignment 3 / 8192 / 0", index_alloc_bad_alignment, "INVALID_ARGUMENT"},
    {"index alloc size 0 / over the index size", index_alloc_bad_size, "INVALID_SIZE"},
    {"index free past the end / wrapping", index_free_bad_range, "OUT_OF_RANGE"},
    {"index free length 0", index_free_length_0, "INVALID_SIZE"},
    {"index double free, whole and partial", index_double_free, "DOUBLE_FREE"},
    {"index reset to 0 / over the limit", index_reset_bad_size, "INVALID_SIZE"},
    /* buddy */
    {"buddy create with a bad pool size", buddy_create_bad_size, "NULL"},
    {"buddy free of a middle/stack/past pointer, double free", buddy_free_bad_pointer,
     "FOREIGN_POINTER"},
    /* recyclable */
    {"recyclable next_n 0 / SIZE_MAX / no allocator", recyclable_bad_sizes, "NULL"},
    {"recyclable recycle of a recorded stack buffer", recyclable_recycle_foreign,
     "FOREIGN_POINTER"},
    /* memory */
    {"memory push NULL data with len > 0", memory_push_null_data, "INVALID_ARGUMENT"},
    {"memory push past SIZE_MAX in total", memory_push_size_overflow, "INVALID_SIZE"},
    {"memory update_buffer out of range / NULL data", memory_update_buffer_out_of_range,
     "INVALID_ARGUMENT"},
    {"memory to_bytes/copy_from into too small storage", memory_to_bytes_too_small,
     "INVALID_SIZE"},
    {"memory write_to sink claims more than given", memory_write_to_claims_more,
     "INVALID_SIZE"},
    {"memory used after destroy (a valid empty list)", memory_use_after_destroy,
     "END_OF_DATA"},
    /* reader */
    {"reader 1-byte reads past the end", reader_past_end_1, "END_OF_DATA"},
    {"reader 2-byte reads past the end", reader_past_end_2, "END_OF_DATA"},
    {"reader 3-byte reads past the end", reader_past_end_3, "END_OF_DATA"},
    {"reader 4-byte reads past the end", reader_past_end_4, "END_OF_DATA"},
    {"reader 8-byte reads past the end", reader_past_end_8, "END_OF_DATA"},
    {"reader read/read_byte_to at the end", reader_read_at_end, "END_OF_DATA"},
    {"reader read_be/read_le width 0 / 5 / 8 / SIZE_MAX", reader_read_be_bad_width,
     "INVALID_SIZE"},
    {"reader read_view straddling two buffers", reader_read_view_straddle, "STRADDLE"},
    {"leb128 with 11+ bytes", leb128_11_bytes, "OVERFLOW"},
    {"leb128 value over 64 bits", leb128_over_64_bits, "OVERFLOW"},
    {"leb128 truncated", leb128_truncated, "END_OF_DATA"},
    {"reader unread past the start", reader_unread_past_start, "INVALID_ARGUMENT"},
    {"reader skip/read/peek SIZE_MAX", reader_skip_size_max, "END_OF_DATA"},
};

/* After each misuse: the shared survivors still hold and still serve. */
static bool survivors_fine(fixture *fx) {
    bool fine = gomem_allocator_invariants_hold(fx->a) && gomem_index_invariants_hold(fx->ix);
    uint8_t *p = gomem_alloc(fx->a, 333);
    fine = fine && p != NULL;
    if (p != NULL) {
        memset(p, 0xA5, 333);
        fine = gomem_free(fx->a, p, 333) == GOMEM_OK && fine;
    }
    size_t offset = 0;
    fine = fine && gomem_index_alloc(fx->ix, 48, 8, &offset) == GOMEM_OK &&
           gomem_index_free(fx->ix, offset, 48) == GOMEM_OK;
    return fine && gomem_allocator_invariants_hold(fx->a) && gomem_index_invariants_hold(fx->ix);
}

int main(void) {
    fixture fx = {.a = gomem_allocator_create(0), .ix = gomem_index_create(64 * KIB),
                  .result = NULL};
    CHECK(fx.a != NULL && fx.ix != NULL);
    /* Some live data in both, so misuses meet a non-trivial state. */
    uint8_t *keep[8];
    size_t keep_offsets[8];
    for (size_t i = 0; i < 8; i++) {
        keep[i] = gomem_alloc(fx.a, 100 + 37 * i);
        CHECK_STATUS(gomem_index_alloc(fx.ix, 100 + 37 * i, 8, &keep_offsets[i]), GOMEM_OK);
    }
    size_t count = sizeof catalogue / sizeof catalogue[0];
    size_t passed = 0;
    for (size_t i = 0; i < count; i++) {
        const misuse *m = &catalogue[i];
        int failures_before = check_failures;
        fx.result = NULL;
        m->run(&fx);
        const char *result = fx.result ? fx.result : "(no call)";
        bool as_documented = strcmp(result, m->documented) == 0;
        check_count++;
        if (!as_documented) check_failures++;
        bool fine = survivors_fine(&fx);
        check_count++;
        if (!fine) check_failures++;
        if (as_documented && fine && check_failures == failures_before) {
            printf("ok  %s: %s\n", m->name, result);
            passed++;
        } else {
            printf("FAIL %s: got %s, documented %s%s\n", m->name, result, m->documented,
                   fine ? "" : "; survivors broken");
        }
    }
    for (size_t i = 0; i < 8; i++) {
        CHECK_STATUS(gomem_free(fx.a, keep[i], 100 + 37 * i), GOMEM_OK);
        CHECK_STATUS(gomem_index_free(fx.ix, keep_offsets[i], 100 + 37 * i), GOMEM_OK);
    }
    CHECK_EQ(stats_of(fx.a).live, 0);
    CHECK_EQ(gomem_index_free_size(fx.ix), 64 * KIB);
    CHECK(survivors_fine(&fx));
    gomem_allocator_destroy(fx.a);
    gomem_index_destroy(fx.ix);
    printf("catalogue: %zu misuses, %zu as documented\n", count, passed);
    return check_report("test_bad_input");
}
