/*
 * test_index_bins.c - the size classes of the default index (src/index_bins.h) at every boundary:
 * the exact small classes, every class edge up to the largest 32-bit size, and the rounding of
 * gomem_bin_at_least up to (and past) 2^32. The header is pure, so this runs in every build,
 * whichever index it compiles.
 *
 * The classes are checked against a table built here independently of the header's arithmetic:
 * sizes 0..63 one class each, then 32 classes of equal width per power of two.
 */
#include "check.h"

#include "../src/index_bins.h"

/* The largest class: the one holding GOMEM_ARENA_LIMIT and UINT32_MAX (first level 27, s 31). */
#define LAST_CLASS 895u
#define CLASS_COUNT (LAST_CLASS + 1u)

/* table[c]: the smallest size of class c, built by walking the powers of two. */
static uint64_t table[CLASS_COUNT + 1]; /* table[CLASS_COUNT] = 2^32: one past the last class */

static void build_table(void) {
    uint32_t c = 0;
    for (; c < 64; c++) table[c] = c; /* exact classes, including the unused class 0 */
    for (uint64_t power = 64; c < CLASS_COUNT; power *= 2)
        for (uint64_t step = 0; step < GOMEM_BIN_SL_COUNT; step++)
            table[c++] = power + step * (power / 32);
    table[CLASS_COUNT] = (uint64_t)1 << 32;
}

/* Reference answers by search in the table: the class a size is filed under (the last class
 * starting at or below it) and the lowest class whose every size holds it. */
static uint32_t ref_bin_of(uint32_t size) {
    uint32_t lo = 1, hi = LAST_CLASS; /* table[lo] <= size always (size >= 1) */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        if (table[mid] <= size)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static uint32_t ref_bin_at_least(uint32_t size) {
    uint32_t lo = 1, hi = CLASS_COUNT; /* CLASS_COUNT stands for "none" */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (table[mid] >= size)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo == CLASS_COUNT ? GOMEM_BIN_NONE : lo;
}

/* One size against the reference and the properties the index relies on. Returns false (after
 * one failed CHECK) on the first disagreement, so a loop over many sizes stops there. */
static bool check_size(uint32_t size) {
    uint32_t bin = gomem_bin_of(size);
    uint32_t at_least = gomem_bin_at_least(size);
    bool ok = bin == ref_bin_of(size) && bin >= 1 && bin <= LAST_CLASS &&
              gomem_bin_min_size(bin) <= size &&
              (bin == LAST_CLASS || (uint64_t)size < gomem_bin_min_size(bin + 1)) &&
              at_least == ref_bin_at_least(size);
    if (ok && at_least != GOMEM_BIN_NONE) {
        /* Every block of the class holds the size, and no lower class has that property. */
        ok = at_least <= LAST_CLASS && gomem_bin_min_size(at_least) >= size &&
             gomem_bin_min_size(at_least - 1) < size && at_least >= bin &&
             at_least <= bin + 1; /* rounding up moves at most one class */
        /* A size that starts its class needs no rounding. */
        if (ok && gomem_bin_min_size(bin) == size) ok = at_least == bin;
    } else if (ok) {
        /* None only when even the last class starts below the size. */
        ok = size > gomem_bin_min_size(LAST_CLASS);
    }
    if (!ok) {
        fprintf(stderr, "size %" PRIu32 ": bin_of %" PRIu32 " (reference %" PRIu32
                        "), at_least %" PRIu32 " (reference %" PRIu32 ")\n",
                size, bin, ref_bin_of(size), at_least, ref_bin_at_least(size));
        CHECK(ok);
    }
    return ok;
}

static void test_constants(void) {
    CHECK_EQ(GOMEM_BIN_SL_BITS, 5);
    CHECK_EQ(GOMEM_BIN_SL_COUNT, 32);
    CHECK_EQ(GOMEM_BIN_NONE, UINT32_MAX);
    CHECK_EQ(gomem_bin_log2(1), 0);
    CHECK_EQ(gomem_bin_log2(2), 1);
    CHECK_EQ(gomem_bin_log2(3), 1);
    CHECK_EQ(gomem_bin_log2(64), 6);
    CHECK_EQ(gomem_bin_log2(0x80000000u), 31);
    CHECK_EQ(gomem_bin_log2(UINT32_MAX), 31);
}

/* Sizes 1..63 have a class each, numbered by the size; 64 and 65 share the first wide class. */
static void test_small_sizes(void) {
    for (uint32_t size = 1; size < 64; size++) {
        CHECK_EQ(gomem_bin_of(size), size);
        CHECK_EQ(gomem_bin_min_size(size), size);
        CHECK_EQ(gomem_bin_at_least(size), size);
    }
    CHECK_EQ(gomem_bin_of(1), 1);
    CHECK_EQ(gomem_bin_of(31), 31);
    CHECK_EQ(gomem_bin_of(32), 32);
    CHECK_EQ(gomem_bin_of(63), 63);
    CHECK_EQ(gomem_bin_of(64), 64);
    CHECK_EQ(gomem_bin_of(65), 64);
    CHECK_EQ(gomem_bin_of(66), 65);
    CHECK_EQ(gomem_bin_min_size(0), 0);
    CHECK_EQ(gomem_bin_min_size(64), 64);
    CHECK_EQ(gomem_bin_min_size(65), 66);
    CHECK_EQ(gomem_bin_at_least(1), 1);
    CHECK_EQ(gomem_bin_at_least(31), 31);
    CHECK_EQ(gomem_bin_at_least(32), 32);
    CHECK_EQ(gomem_bin_at_least(63), 63);
    CHECK_EQ(gomem_bin_at_least(64), 64);
    CHECK_EQ(gomem_bin_at_least(65), 65); /* class 64 holds a 64-byte block: round up */
    CHECK_EQ(gomem_bin_at_least(66), 65);
    CHECK_EQ(gomem_bin_at_least(67), 66);
    CHECK_EQ(gomem_bin_of(127), 95);
    CHECK_EQ(gomem_bin_of(128), 96);
    CHECK_EQ(gomem_bin_at_least(127), 96);
    CHECK_EQ(gomem_bin_at_least(128), 96);
}

/* Every class: its first size is filed under it, the size before under the class before, the
 * classes are contiguous and increasing, and each wide class spans 1/32 of its power of two. */
static void test_every_class_edge(void) {
    build_table();
    for (uint32_t c = 0; c < CLASS_COUNT; c++) {
        uint32_t min = gomem_bin_min_size(c);
        if (min != table[c]) {
            CHECK_EQ(min, table[c]);
            fprintf(stderr, "class %" PRIu32 "\n", c);
            return;
        }
        if (c == 0) continue;
        CHECK_EQ(gomem_bin_of(min), c);
        CHECK_EQ(gomem_bin_at_least(min), c);
        CHECK(check_size(min));
        if (c > 1) {
            CHECK(min > gomem_bin_min_size(c - 1)); /* strictly increasing */
            CHECK_EQ(gomem_bin_of(min - 1), c - 1);
            CHECK_EQ(gomem_bin_at_least(min - 1), min - 1 == gomem_bin_min_size(c - 1) ? c - 1 : c);
            CHECK(check_size(min - 1));
            CHECK(check_size(min + 1));
        }
        if (c >= 64 && c < LAST_CLASS) {
            uint32_t width = gomem_bin_min_size(c + 1) - min;
            uint32_t power = 1u << gomem_bin_log2(min);
            CHECK_EQ(width, power / 32);
            CHECK(width <= min / 32); /* a block is at most ~3 % above its class's first size */
            /* The last size of the class: still this class, rounds up to the next. */
            CHECK_EQ(gomem_bin_of(min + width - 1), c);
            CHECK_EQ(gomem_bin_at_least(min + width - 1), c + 1);
        }
    }
    CHECK_EQ(gomem_bin_min_size(LAST_CLASS), 0xFC000000u);
    CHECK_EQ(gomem_bin_min_size(32), 32);
    CHECK_EQ(gomem_bin_min_size(LAST_CLASS - 31), 0x80000000u); /* first class of 2^31 */
}

/* The top of the 32-bit range: the largest arena, UINT32_MAX, and rounding past 2^32. */
static void test_largest_sizes(void) {
    CHECK_EQ(gomem_bin_of((uint32_t)GOMEM_ARENA_LIMIT), LAST_CLASS);
    CHECK_EQ(gomem_bin_of(UINT32_MAX), LAST_CLASS);
    CHECK_EQ(gomem_bin_of(0xFC000000u), LAST_CLASS);
    CHECK_EQ(gomem_bin_of(0xFBFFFFFFu), LAST_CLASS - 1);
    CHECK_EQ(gomem_bin_of(0x80000000u), LAST_CLASS - 31);
    CHECK_EQ(gomem_bin_of(0x7FFFFFFFu), LAST_CLASS - 32);
    /* The index's class count for the largest arena: first levels fit the 32-bit fl_bits. */
    CHECK((LAST_CLASS >> GOMEM_BIN_SL_BITS) < 32);

    CHECK_EQ(gomem_bin_at_least(0xFC000000u), LAST_CLASS);
    CHECK_EQ(gomem_bin_at_least(0xFBFFFFFFu), LAST_CLASS);
    CHECK_EQ(gomem_bin_at_least(0xF8000001u), LAST_CLASS);
    CHECK_EQ(gomem_bin_at_least(0xF8000000u), LAST_CLASS - 1);
    CHECK_EQ(gomem_bin_at_least(0x80000000u), LAST_CLASS - 31);
    CHECK_EQ(gomem_bin_at_least(0x7FFFFFFFu), LAST_CLASS - 31); /* rounds up to 2^31 */
    CHECK_EQ(gomem_bin_at_least(0x7E000001u), LAST_CLASS - 31); /* past the last class of 2^30 */
    CHECK_EQ(gomem_bin_at_least(0x7E000000u), LAST_CLASS - 32);
    CHECK_EQ(gomem_bin_at_least(0x7C000001u), LAST_CLASS - 32);
    /* Rounding passes 2^32: no class holds the size. */
    CHECK_EQ(gomem_bin_at_least(0xFC000001u), GOMEM_BIN_NONE);
    CHECK_EQ(gomem_bin_at_least((uint32_t)GOMEM_ARENA_LIMIT), GOMEM_BIN_NONE);
    CHECK_EQ(gomem_bin_at_least(0xFFFFFFFEu), GOMEM_BIN_NONE);
    CHECK_EQ(gomem_bin_at_least(UINT32_MAX), GOMEM_BIN_NONE);
    CHECK(check_size((uint32_t)GOMEM_ARENA_LIMIT));
    CHECK(check_size(UINT32_MAX));
    CHECK(check_size(0xFC000001u));
    CHECK(check_size(0xFC000000u));
    CHECK(check_size(0xFBFFFFFFu));
}

/* Every size up to 1 MiB, every power of two with its neighbours, and random 32-bit sizes. */
static void test_sweeps(void) {
    build_table();
    uint32_t previous_bin = 0, previous_at_least = 0;
    for (uint32_t size = 1; size <= (1u << 20); size++) {
        if (!check_size(size)) return;
        uint32_t bin = gomem_bin_of(size), at_least = gomem_bin_at_least(size);
        /* Both mappings are monotonic and step by at most one class per byte. */
        if (bin < previous_bin || bin > previous_bin + 1 || at_least < previous_at_least ||
            at_least > previous_at_least + 1) {
            fprintf(stderr, "size %" PRIu32 ": not monotonic\n", size);
            CHECK(false);
            return;
        }
        previous_bin = bin;
        previous_at_least = at_least;
    }
    for (uint32_t shift = 0; shift < 32; shift++) {
        uint32_t power = 1u << shift;
        for (int32_t delta = -2; delta <= 2; delta++) {
            uint32_t size = power + (uint32_t)delta;
            if (size != 0 && !check_size(size)) return;
        }
    }
    test_rng rng = test_rng_seed(test_seed(0xB1A5));
    for (int i = 0; i < 200000; i++) {
        uint64_t r = test_rng_next(&rng);
        /* A random magnitude, so small and large sizes are both common. */
        uint32_t size = (uint32_t)(r >> 32) >> (r & 31);
        if (size == 0) size = 1;
        if (!check_size(size)) return;
    }
}

int main(void) {
    RUN(test_constants);
    RUN(test_small_sizes);
    RUN(test_every_class_edge);
    RUN(test_largest_sizes);
    RUN(test_sweeps);
    return check_report("test_index_bins");
}
