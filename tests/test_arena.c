/*
 * test_arena.c - the standalone arena (gomem_arena_*): creation limits, lazy reservation,
 * allocation at its edges, every free error (each must leave the arena unchanged), find, the
 * accessors, and a seeded random walk that writes every byte it owns and checks a shadow map.
 */
#include "check.h"

#if defined(__linux__)
#include <unistd.h>
#endif

static block_list arena_blocks(const gomem_arena *arena) {
    return walk_blocks(gomem_arena_index(arena));
}

static size_t arena_free(const gomem_arena *arena) {
    return gomem_index_free_size(gomem_arena_index(arena));
}

static size_t page(void) { return gomem_page_source()->page_size; }

static void test_create_sizes(void) {
    size_t held = gomem_page_bytes_held();
    CHECK(gomem_arena_create(0) == NULL);
    CHECK(gomem_arena_create(GOMEM_ARENA_LIMIT + 1) == NULL);
    CHECK(gomem_arena_create(SIZE_MAX) == NULL);
    CHECK_EQ(gomem_page_bytes_held(), held); /* failed creations hold nothing */

    gomem_arena *one = gomem_arena_create(1);
    CHECK(one != NULL);
    if (one == NULL) return;
    CHECK_EQ(gomem_arena_size(one), page());
    CHECK(gomem_arena_base(one) != NULL);
    CHECK_EQ((uintptr_t)gomem_arena_base(one) % GOMEM_MAX_ALIGNMENT, 0);
    const gomem_index *index = gomem_arena_index(one);
    CHECK(index != NULL);
    CHECK_EQ(gomem_index_size(index), page());
    CHECK_EQ(gomem_index_free_size(index), page());
    CHECK_EQ(gomem_index_block_count(index), 1);
    CHECK(gomem_page_bytes_held() > held);

    gomem_arena *exact = gomem_arena_create(page());
    CHECK(exact != NULL);
    CHECK_EQ(gomem_arena_size(exact), page());
    gomem_arena *more = gomem_arena_create(page() + 1);
    CHECK(more != NULL);
    CHECK_EQ(gomem_arena_size(more), 2 * page());
    /* Distinct regions. */
    CHECK(gomem_arena_base(one) != gomem_arena_base(exact));
    CHECK(gomem_arena_base(more) != gomem_arena_base(exact));
    gomem_arena_destroy(more);
    gomem_arena_destroy(exact);
    gomem_arena_destroy(one);
    gomem_arena_destroy(NULL); /* documented no-op */
    CHECK_EQ(gomem_page_bytes_held(), held);

    /* Out of memory: with the page budget capped a little above what is held, a small arena
     * (struct, node pool, index metadata, hardened boundary map, region: a page each) fits and a
     * large one is refused without holding anything. */
    gomem_set_page_limit(held + 5 * page());
    CHECK(gomem_arena_create(64 * page()) == NULL);
    CHECK_EQ(gomem_page_bytes_held(), held);
    gomem_arena *capped = gomem_arena_create(1);
    CHECK(capped != NULL);
    CHECK(gomem_page_bytes_held() <= held + 5 * page());
    gomem_arena_destroy(capped);
    gomem_set_page_limit(0);
    CHECK_EQ(gomem_page_bytes_held(), held);

#if SIZE_MAX > 0xFFFFFFFFu
    /* The largest arena: address space only (nothing is touched). Out-of-memory is allowed. */
    gomem_arena *largest = gomem_arena_create(GOMEM_ARENA_LIMIT - 1);
    if (largest != NULL) {
        CHECK_EQ(gomem_arena_size(largest), GOMEM_ARENA_LIMIT);
        uint8_t *all = gomem_arena_alloc(largest, GOMEM_ARENA_LIMIT);
        CHECK(all == gomem_arena_base(largest));
        CHECK(gomem_arena_alloc(largest, 1) == NULL);
        CHECK_STATUS(gomem_arena_free(largest, all + GOMEM_ARENA_LIMIT - 8, 8), GOMEM_OK);
        CHECK_STATUS(gomem_arena_free(largest, all + GOMEM_ARENA_LIMIT - 8, 9),
                     GOMEM_ERR_OUT_OF_RANGE);
        CHECK(gomem_index_invariants_hold(gomem_arena_index(largest)));
        gomem_arena_destroy(largest);
    }
    CHECK_EQ(gomem_page_bytes_held(), held);
#endif
}

static void test_malloc_edges(void) {
    gomem_arena *arena = gomem_arena_create(page());
    uint8_t *base = gomem_arena_base(arena);
    CHECK(gomem_arena_alloc(arena, 0) == NULL);
    CHECK(gomem_arena_alloc(arena, page() + 1) == NULL);
    CHECK(gomem_arena_alloc(arena, SIZE_MAX) == NULL);
    CHECK(gomem_arena_find(arena, 0) == NULL);
    CHECK(gomem_arena_find(arena, page() + 1) == NULL);
    CHECK_EQ(arena_free(arena), page()); /* failures take nothing */

    /* Exact fit of the whole arena. */
    uint8_t *all = gomem_arena_alloc(arena, page());
    CHECK(all == base);
    CHECK_EQ(arena_free(arena), 0);
    CHECK_EQ(gomem_index_block_count(gomem_arena_index(arena)), 0);
    CHECK(gomem_arena_alloc(arena, 1) == NULL);
    CHECK(gomem_arena_find(arena, 1) == NULL);
    memset(all, 0xA5, page());
    CHECK_STATUS(gomem_arena_free(arena, all, page()), GOMEM_OK);
    CHECK_EQ(arena_free(arena), page());
    CHECK_EQ(gomem_index_block_count(gomem_arena_index(arena)), 1);

    /* One byte, then 8-byte alignment of what follows (sizes are not rounded). */
    uint8_t *a = gomem_arena_alloc(arena, 1);
    uint8_t *b = gomem_arena_alloc(arena, 13);
    uint8_t *c = gomem_arena_alloc(arena, 8);
    uint8_t *d = gomem_arena_alloc(arena, 1);
    CHECK(a == base);
    CHECK(b == base + 8);
    CHECK(c == base + 24);
    CHECK(d == base + 32);
    CHECK_EQ(arena_free(arena), page() - 1 - 13 - 8 - 1);
    /* Alignment gaps are free bytes: 1..7 and 21..23. */
    block_list list = arena_blocks(arena);
    CHECK_EQ(list.count, 3);
    CHECK_EQ(list.blocks[0].start, 1);
    CHECK_EQ(list.blocks[0].end, 8);
    CHECK_EQ(list.blocks[1].start, 21);
    CHECK_EQ(list.blocks[1].end, 24);
    CHECK_EQ(list.blocks[2].start, 33);
    CHECK_EQ(list.blocks[2].end, page());
    /* Freeing a joins the gap after it; c joins the gap before it. */
    CHECK_STATUS(gomem_arena_free(arena, a, 1), GOMEM_OK);
    CHECK_STATUS(gomem_arena_free(arena, c, 8), GOMEM_OK);
    list = arena_blocks(arena);
    CHECK_EQ(list.count, 3);
    CHECK_EQ(list.blocks[0].start, 0);
    CHECK_EQ(list.blocks[0].end, 8);
    CHECK_EQ(list.blocks[1].start, 21);
    CHECK_EQ(list.blocks[1].end, 32);
    CHECK_STATUS(gomem_arena_free(arena, b, 13), GOMEM_OK);
    CHECK_STATUS(gomem_arena_free(arena, d, 1), GOMEM_OK);
    CHECK_EQ(arena_free(arena), page());
    CHECK_EQ(gomem_index_block_count(gomem_arena_index(arena)), 1);

    /* Every result is 8-aligned, whatever the sizes before it. */
    bool aligned = true;
    size_t taken = 0;
    for (size_t size = 1; size < 40; size++) {
        uint8_t *p = gomem_arena_alloc(arena, size);
        if (p == NULL) break;
        taken += size;
        if ((uintptr_t)p % GOMEM_DEFAULT_ALIGNMENT != 0) aligned = false;
        memset(p, (int)size, size);
    }
    CHECK(aligned);
    CHECK_EQ(arena_free(arena), page() - taken);
    CHECK(gomem_index_invariants_hold(gomem_arena_index(arena)));
    gomem_arena_destroy(arena);
}

static void test_find(void) {
    gomem_arena *arena = gomem_arena_create(2 * page());
    uint8_t *base = gomem_arena_base(arena);
    uint8_t *first = gomem_arena_find(arena, 100);
    CHECK(first == base);
    CHECK_EQ(arena_free(arena), 2 * page()); /* find takes nothing */
    CHECK(gomem_arena_find(arena, 100) == first);
    uint8_t *p = gomem_arena_alloc(arena, 100);
    CHECK(p == first);
    /* After a hole: find picks what malloc would. The first-fit and best-fit trees take the
     * hole; the default index takes the top block unless the hole is of the request's own size
     * class (gomem_index_alloc's contract). */
    bool top_first = (gomem_features() & GOMEM_FEATURE_TLSF) != 0;
    uint8_t *q = gomem_arena_alloc(arena, 200);
    CHECK_STATUS(gomem_arena_free(arena, p, 100), GOMEM_OK);
    CHECK(gomem_arena_find(arena, 50) == (top_first ? q + 200 : base));
    CHECK(q == base + 104);
    CHECK(gomem_arena_find(arena, 104) == base); /* the hole is [0, 104) with the gap */
    CHECK(gomem_arena_find(arena, 105) == q + 200);
    uint8_t *big = gomem_arena_find(arena, 2 * page() - 304);
    CHECK(big == q + 200);
    size_t free_before = arena_free(arena);
    CHECK(gomem_arena_alloc(arena, 105) == q + 200);
    CHECK(gomem_arena_alloc(arena, 50) == (top_first ? q + 200 + 112 : base)); /* 8-aligned */
    CHECK_EQ(arena_free(arena), free_before - 155);
    /* Too big for any block although the total would do. */
    CHECK(gomem_arena_find(arena, arena_free(arena)) == NULL);
    CHECK(gomem_index_invariants_hold(gomem_arena_index(arena)));
    gomem_arena_destroy(arena);
}

static void test_free_middle_and_joins(void) {
    gomem_arena *arena = gomem_arena_create(page());
    uint8_t *base = gomem_arena_base(arena);
    uint8_t *a = gomem_arena_alloc(arena, 128);
    uint8_t *b = gomem_arena_alloc(arena, 128);
    uint8_t *c = gomem_arena_alloc(arena, 128);
    uint8_t *d = gomem_arena_alloc(arena, 128);
    CHECK(a == base && b == base + 128 && c == base + 256 && d == base + 384);
    memset(a, 1, 512);

    /* A middle sub-range of b: no free neighbour, a block of its own. */
    CHECK_STATUS(gomem_arena_free(arena, b + 32, 64), GOMEM_OK);
    block_list list = arena_blocks(arena);
    CHECK_EQ(list.count, 2);
    CHECK_EQ(list.blocks[0].start, 160);
    CHECK_EQ(list.blocks[0].end, 224);
    /* The rest of b on both sides joins it. */
    CHECK_STATUS(gomem_arena_free(arena, b, 32), GOMEM_OK);
    CHECK_STATUS(gomem_arena_free(arena, b + 96, 32), GOMEM_OK);
    list = arena_blocks(arena);
    CHECK_EQ(list.count, 2);
    CHECK_EQ(list.blocks[0].start, 128);
    CHECK_EQ(list.blocks[0].end, 256);
    /* d joins the tail. */
    CHECK_STATUS(gomem_arena_free(arena, d, 128), GOMEM_OK);
    list = arena_blocks(arena);
    CHECK_EQ(list.count, 2);
    CHECK_EQ(list.blocks[1].start, 384);
    /* c joins both neighbours: three blocks become one. */
    CHECK_STATUS(gomem_arena_free(arena, c, 128), GOMEM_OK);
    list = arena_blocks(arena);
    CHECK_EQ(list.count, 1);
    CHECK_EQ(list.blocks[0].start, 128);
    CHECK_EQ(list.blocks[0].end, page());
    CHECK_EQ(gomem_index_largest_free(gomem_arena_index(arena)), page() - 128);
    CHECK_STATUS(gomem_arena_free(arena, a, 128), GOMEM_OK);
    CHECK_EQ(arena_free(arena), page());
    CHECK_EQ(gomem_index_block_count(gomem_arena_index(arena)), 1);
    CHECK(gomem_index_invariants_hold(gomem_arena_index(arena)));
    gomem_arena_destroy(arena);
}

/* Every failing free must leave the arena exactly as it was. */
static void test_free_errors(void) {
    gomem_arena *arena = gomem_arena_create(page());
    gomem_arena *other = gomem_arena_create(page());
    uint8_t *base = gomem_arena_base(arena);
    uint8_t *a = gomem_arena_alloc(arena, 256);
    uint8_t *b = gomem_arena_alloc(arena, page() - 256);
    uint8_t *foreign = gomem_arena_alloc(other, 64);
    CHECK(a == base && b == base + 256 && foreign != NULL);
    CHECK_STATUS(gomem_arena_free(arena, a + 64, 64), GOMEM_OK); /* hole [64, 128) */
    size_t free_before = arena_free(arena);
    size_t blocks_before = gomem_index_block_count(gomem_arena_index(arena));
    CHECK_EQ(free_before, 64);

    int on_stack = 0;
    CHECK_STATUS(gomem_arena_free(arena, &on_stack, sizeof on_stack), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_STATUS(gomem_arena_free(arena, foreign, 64), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_STATUS(gomem_arena_free(arena, base + page(), 1), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_STATUS(gomem_arena_free(arena, base - 1, 2), GOMEM_ERR_FOREIGN_POINTER);
    CHECK_STATUS(gomem_arena_free(arena, NULL, 8), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_arena_free(arena, a, 0), GOMEM_ERR_INVALID_SIZE);
    /* Double free: the same hole, a part of it, a range overlapping its start or end. */
    CHECK_STATUS(gomem_arena_free(arena, a + 64, 64), GOMEM_ERR_DOUBLE_FREE);
    CHECK_STATUS(gomem_arena_free(arena, a + 80, 8), GOMEM_ERR_DOUBLE_FREE);
    CHECK_STATUS(gomem_arena_free(arena, a + 32, 64), GOMEM_ERR_DOUBLE_FREE);
    CHECK_STATUS(gomem_arena_free(arena, a + 120, 16), GOMEM_ERR_DOUBLE_FREE);
    CHECK_STATUS(gomem_arena_free(arena, a, 256), GOMEM_ERR_DOUBLE_FREE);
    /* Out of range: starts inside, runs past the end. */
    CHECK_STATUS(gomem_arena_free(arena, base + page() - 10, 11), GOMEM_ERR_OUT_OF_RANGE);
    CHECK_STATUS(gomem_arena_free(arena, b, page()), GOMEM_ERR_OUT_OF_RANGE);
    CHECK_STATUS(gomem_arena_free(arena, b, SIZE_MAX), GOMEM_ERR_OUT_OF_RANGE);
    CHECK_EQ(arena_free(arena), free_before);
    CHECK_EQ(gomem_index_block_count(gomem_arena_index(arena)), blocks_before);
    CHECK(gomem_index_invariants_hold(gomem_arena_index(arena)));
    CHECK_EQ(arena_free(other), page() - 64);

    /* Still fully usable: the hole is served, then everything goes back, each allocation (or
     * piece of one) on its own. */
    CHECK(gomem_arena_alloc(arena, 64) == a + 64);
    CHECK_STATUS(gomem_arena_free(arena, base + page() - 10, 10), GOMEM_OK);
    CHECK_STATUS(gomem_arena_free(arena, a + 64, 64), GOMEM_OK);
    CHECK_STATUS(gomem_arena_free(arena, a, 64), GOMEM_OK);
    CHECK_STATUS(gomem_arena_free(arena, a + 128, 128), GOMEM_OK);
    CHECK_STATUS(gomem_arena_free(arena, b, page() - 256 - 10), GOMEM_OK);
    CHECK_EQ(arena_free(arena), page());
    CHECK(gomem_index_invariants_hold(gomem_arena_index(arena)));
    gomem_arena_destroy(other);
    gomem_arena_destroy(arena);
}

#if defined(__linux__)
/* Resident set size in bytes, from /proc/self/statm (0 when unreadable). */
static size_t resident_bytes(void) {
    FILE *file = fopen("/proc/self/statm", "r");
    if (file == NULL) return 0;
    unsigned long total = 0, resident = 0;
    int fields = fscanf(file, "%lu %lu", &total, &resident);
    fclose(file);
    if (fields != 2) return 0;
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}
#endif

/* Creating a 16 MiB arena reserves address space only; touching it is what costs memory. */
static void test_lazy_reservation(void) {
#if defined(__linux__)
    if (!gomem_page_source()->lazy_commit) {
        printf("test_lazy_reservation: skipped, the %s page source commits eagerly\n",
               gomem_page_source()->name);
        return;
    }
    const size_t mib16 = (size_t)16 << 20;
    size_t held = gomem_page_bytes_held();
    size_t before = resident_bytes();
    CHECK(before != 0);
    gomem_arena *arena = gomem_arena_create(mib16);
    size_t after_create = resident_bytes();
    CHECK(arena != NULL);
    if (arena == NULL) return;
    CHECK_EQ(gomem_arena_size(arena), mib16);
    CHECK(gomem_page_bytes_held() >= held + mib16);
    /* Hardened builds write a zeroed boundary map of size / 8 bytes at creation. */
    size_t metadata = GOMEM_HARDENED ? mib16 / 8 : 0;
    CHECK(after_create < before + metadata + ((size_t)2 << 20));
    /* Control: the measurement does see pages once they are written. */
    uint8_t *all = gomem_arena_alloc(arena, mib16);
    CHECK(all != NULL);
    if (all != NULL) {
        for (size_t i = 0; i < mib16; i += 4096) all[i] = 1;
        CHECK(resident_bytes() >= after_create + ((size_t)8 << 20));
    }
    gomem_arena_destroy(arena);
    CHECK_EQ(gomem_page_bytes_held(), held);
#else
    printf("test_lazy_reservation: skipped, resident memory is read from Linux's /proc\n");
#endif
}

/* Random allocations and partial frees against a shadow map of which bytes are live; every live
 * byte holds its allocation's tag, checked before it is freed. */
static void test_random_shadow(void) {
    test_rng rng = test_rng_seed(test_seed(0xA7E4A));
    const size_t size = 64 * 1024;
    size_t held = gomem_page_bytes_held();
    gomem_arena *arena = gomem_arena_create(size);
    uint8_t *base = gomem_arena_base(arena);
    uint8_t *shadow = calloc(size, 1); /* 0: free, else the tag written there */
    typedef struct live_range {
        size_t offset, len;
        uint8_t tag;
    } live_range;
    live_range live[256];
    size_t live_count = 0, live_bytes = 0;
    int bad_pointer = 0, overlap = 0, corrupt = 0, broken = 0, bad_status = 0;
    for (int step = 0; step < 20000; step++) {
        bool do_alloc = live_count == 0 || (live_count < 256 && test_rng_next(&rng) % 2 == 0);
        if (do_alloc) {
            size_t len = test_rng_range(&rng, 1, test_rng_next(&rng) % 8 == 0 ? 4096 : 300);
            uint8_t *found = gomem_arena_find(arena, len);
            uint8_t *p = gomem_arena_alloc(arena, len);
            if (found != p) bad_pointer++;
            if (p == NULL) continue;
            size_t offset = (size_t)(p - base);
            if ((uintptr_t)p % 8 != 0 || offset + len > size) {
                bad_pointer++;
                continue;
            }
            uint8_t tag = (uint8_t)test_rng_range(&rng, 1, 255);
            for (size_t i = 0; i < len; i++) {
                if (shadow[offset + i] != 0) overlap++;
                shadow[offset + i] = tag;
            }
            memset(p, tag, len); /* every byte of the allocation */
            live[live_count++] = (live_range){offset, len, tag};
            live_bytes += len;
        } else {
            size_t pick = test_rng_range(&rng, 0, live_count - 1);
            live_range *r = &live[pick];
            for (size_t i = 0; i < r->len; i++)
                if (base[r->offset + i] != r->tag || shadow[r->offset + i] != r->tag) corrupt++;
            /* Free the front, the back, a middle part, or all of it. */
            size_t cut_at = 0, cut_len = r->len;
            unsigned how = (unsigned)(test_rng_next(&rng) % 4);
            if (r->len > 2 && how != 0) {
                cut_len = test_rng_range(&rng, 1, r->len - 1);
                if (how == 2) cut_at = r->len - cut_len;
                if (how == 3) {
                    cut_len = test_rng_range(&rng, 1, r->len - 2);
                    cut_at = test_rng_range(&rng, 1, r->len - cut_len - 1);
                }
            }
            if (gomem_arena_free(arena, base + r->offset + cut_at, cut_len) != GOMEM_OK) {
                bad_status++;
                continue;
            }
            /* A second free of the same bytes must be refused. */
            if (gomem_arena_free(arena, base + r->offset + cut_at, cut_len) != GOMEM_ERR_DOUBLE_FREE)
                bad_status++;
            memset(shadow + r->offset + cut_at, 0, cut_len);
            live_bytes -= cut_len;
            if (cut_len == r->len) {
                live[pick] = live[--live_count];
            } else if (cut_at == 0) {
                r->offset += cut_len;
                r->len -= cut_len;
            } else if (cut_at + cut_len == r->len) {
                r->len -= cut_len;
            } else if (live_count < 256) {
                live[live_count++] = (live_range){r->offset + cut_at + cut_len,
                                                  r->len - cut_at - cut_len, r->tag};
                r->len = cut_at;
            } else {
                /* No room to track the tail: free it too. */
                size_t tail = r->offset + cut_at + cut_len;
                size_t tail_len = r->len - cut_at - cut_len;
                if (gomem_arena_free(arena, base + tail, tail_len) != GOMEM_OK) bad_status++;
                memset(shadow + tail, 0, tail_len);
                live_bytes -= tail_len;
                r->len = cut_at;
            }
        }
        if (arena_free(arena) != size - live_bytes) broken++;
        if (step % 500 == 0 && !gomem_index_invariants_hold(gomem_arena_index(arena))) broken++;
    }
    CHECK_EQ(bad_pointer, 0);
    CHECK_EQ(overlap, 0);
    CHECK_EQ(corrupt, 0);
    CHECK_EQ(broken, 0);
    CHECK_EQ(bad_status, 0);
    for (size_t i = 0; i < live_count; i++)
        CHECK_STATUS(gomem_arena_free(arena, base + live[i].offset, live[i].len), GOMEM_OK);
    CHECK_EQ(arena_free(arena), size);
    CHECK_EQ(gomem_index_block_count(gomem_arena_index(arena)), 1);
    CHECK(gomem_index_invariants_hold(gomem_arena_index(arena)));
    free(shadow);
    gomem_arena_destroy(arena);
    CHECK_EQ(gomem_page_bytes_held(), held);
}

int main(void) {
    RUN(test_create_sizes);
    RUN(test_malloc_edges);
    RUN(test_find);
    RUN(test_free_middle_and_joins);
    RUN(test_free_errors);
    RUN(test_lazy_reservation);
    RUN(test_random_shadow);
    return check_report("test_arena");
}
