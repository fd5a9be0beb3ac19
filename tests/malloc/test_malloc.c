/*
 * test_malloc.c - the standard allocation functions of gomem_malloc, linked into this program so
 * that they are its only malloc (stdio's buffers included). Checks the C contracts (alignment,
 * malloc(0), calloc zeroing and overflow, realloc keeping contents, in-place growth and
 * shrinking, aligned variants and their errors), misuse (foreign, interior and double frees are
 * counted and change nothing), the segmented-free API on the same heap, and a seeded random run
 * that writes a pattern into every block and checks it before the block is resized or freed;
 * natively, that released arenas give their pages back to the system.
 */
#define _DEFAULT_SOURCE 1 /* mincore and sysconf under -std=c11 */
#include <errno.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "../check.h"
#include "gomem_malloc.h"

/* Declared here rather than taken from <malloc.h>, which not every C library has: gomem_malloc
 * defines them all. */
int posix_memalign(void **out, size_t alignment, size_t n);
void *memalign(size_t alignment, size_t n);
void *valloc(size_t n);
void *pvalloc(size_t n);
void *reallocarray(void *block, size_t count, size_t size);
size_t malloc_usable_size(void *block);

#define ALIGN _Alignof(max_align_t) /* what C requires of malloc, and what gomem_malloc gives */

/* Hides where a pointer came from, so the compiler does not reject the deliberate misuses. Freed
 * pointers pass through as addresses taken before the free. */
static void *opaque(uintptr_t address) {
    volatile uintptr_t hidden = address;
    return (void *)hidden;
}

/* Sizes the compiler must not see as constants (it rejects calls it can prove too large). */
static volatile size_t size_max = SIZE_MAX;
static volatile size_t alignment_48 = 48;
/* Results kept where the compiler must store them: clang may otherwise drop a malloc call whose
 * result is only compared with NULL, and fold the comparison. */
static void *volatile result;

static gomem_malloc_info info(void) {
    gomem_malloc_info i;
    gomem_malloc_info_get(&i);
    return i;
}

static bool heap_ok(void) { return gomem_allocator_invariants_hold(gomem_malloc_heap()); }

static void test_basic_contracts(void) {
    for (size_t n = 0; n <= 70000; n = n * 3 + 1) {
        unsigned char *p = malloc(n);
        CHECK(p != NULL);
        if (p == NULL) continue;
        CHECK_EQ((uintptr_t)p % ALIGN, 0);
        CHECK(malloc_usable_size(p) >= (n ? n : 1));
        memset(p, 0xAB, n);
        free(p);
    }
    void *a = malloc(0), *b = malloc(0);
    CHECK(a != NULL && b != NULL && a != b); /* malloc(0): unique pointers */
    free(a);
    free(b);
    free(NULL); /* a no-op */
    CHECK_EQ(malloc_usable_size(NULL), 0);
}

/* The size classes (docs/malloc.md): every request gets at least its bytes, rounded up by at most
 * an eighth up to 8 KiB and a quarter above (plus the alignment); a request of a power of two from
 * 1 KiB to GOMEM_MALLOC_SMALL_MAX fits its class with less than the alignment to spare; and
 * realloc keeps a class block where it is while the new size uses half of it or more. */
static void test_size_classes(void) {
    size_t out_of_bounds = 0, misfits = 0, moved = 0, rounded_large = 0;
    for (size_t n = 1; n <= GOMEM_MALLOC_SMALL_MAX; n += n < 4096 ? 1 : 13) {
        unsigned char *p = malloc(n);
        CHECK(p != NULL);
        if (p == NULL) return;
        size_t usable = malloc_usable_size(p);
        size_t slack = n <= 8192 ? n / 8 : n / 4;
        out_of_bounds += usable < n || usable - n > slack + 2 * ALIGN;
        if (n >= 1024 && (n & (n - 1)) == 0) misfits += usable - n >= ALIGN;
#if defined(__wasm__) && !GOMEM_THREADS
        /* Without thread caches, requests above 8 KiB get blocks of their own size (block.h). */
        if (n > 8192) rounded_large += usable - n >= ALIGN;
#endif
        moved += realloc(p, usable) != p;
        moved += realloc(p, usable - usable / 2) != p;
        free(p);
    }
    CHECK_EQ(out_of_bounds, 0);
    CHECK_EQ(misfits, 0);
    CHECK_EQ(rounded_large, 0);
    CHECK_EQ(moved, 0);
    CHECK(heap_ok());
}

static void test_calloc(void) {
    /* A recycled block holds old bytes: calloc must clear them. */
    unsigned char *dirty = malloc(1000);
    CHECK(dirty != NULL);
    memset(dirty, 0xEE, 1000);
    free(dirty);
    unsigned char *z = calloc(10, 100);
    CHECK(z != NULL);
    size_t nonzero = 0;
    for (size_t i = 0; z && i < 1000; i++) nonzero += z[i] != 0;
    CHECK_EQ(nonzero, 0);
    free(z);
    errno = 0;
    result = calloc(size_max / 2, 3); /* the product overflows */
    CHECK(result == NULL);
    CHECK_EQ(errno, ENOMEM);
    errno = 0;
    result = malloc(size_max);
    CHECK(result == NULL);
    CHECK_EQ(errno, ENOMEM);
    result = reallocarray(NULL, size_max / 4, 8);
    CHECK(result == NULL);
}

static void test_realloc(void) {
    unsigned char *p = realloc(NULL, 10); /* realloc(NULL, n) is malloc */
    CHECK(p != NULL);
    if (p == NULL) return;
    for (int i = 0; i < 10; i++) p[i] = (unsigned char)i;
    for (size_t n = 20; n < 200000; n *= 3) {
        p = realloc(p, n);
        CHECK(p != NULL);
        if (p == NULL) return;
        bool kept = true;
        for (int i = 0; i < 10; i++) kept &= p[i] == (unsigned char)i;
        CHECK(kept);
    }
    /* Shrinking keeps the block where it is and gives the tail back. */
    size_t before = malloc_usable_size(p);
    unsigned char *q = realloc(p, 100);
    CHECK(q == p);
    CHECK(malloc_usable_size(q) < before);
    bool kept = true;
    for (int i = 0; i < 10; i++) kept &= q[i] == (unsigned char)i;
    CHECK(kept);
    CHECK(realloc(q, 0) == NULL); /* frees, as glibc */
    CHECK(heap_ok());
}

/* The header in front of every block (gomem_malloc.h). */
#define HEADER_BYTES 8
/* A request beyond the size classes: its block comes from the allocator's index and goes back
 * there when freed. */
#define LARGE (GOMEM_MALLOC_SMALL_MAX + 4000)

/* Two large blocks back to back; once the second is freed the first grows into its place. */
static void test_realloc_in_place(void) {
    gomem_malloc_release();
    /* Back to back (first fit, one header between them) - unless a sits at the end of an arena
     * with what the runtime allocated before it: then the next pair is. */
    unsigned char *a = NULL, *b = NULL, *spare[8];
    size_t spares = 0;
    while (spares < 8) {
        a = malloc(LARGE);
        b = malloc(LARGE);
        CHECK(a != NULL && b != NULL);
        if (a == NULL || b == NULL) return;
        if (b == a + malloc_usable_size(a) + HEADER_BYTES) break;
        spare[spares++] = a;
        spare[spares++] = b;
    }
    CHECK(b == a + malloc_usable_size(a) + HEADER_BYTES);
    for (size_t i = 0; i < spares; i++) free(spare[i]);
    memset(a, 7, LARGE);
    free(b);
    unsigned char *grown = realloc(a, LARGE + LARGE / 2);
    CHECK(grown == a);
    size_t sevens = 0;
    for (size_t i = 0; grown && i < LARGE; i++) sevens += grown[i] == 7;
    CHECK_EQ(sevens, LARGE);
    free(grown);
    CHECK(heap_ok());
}

/* Huge blocks (above the heap's 2 MiB arenas: a region each) that realloc grows are extended in
 * place while the pages after them are free, as glibc's mremap and dlmalloc's top chunk do; one
 * with another region right after it moves. Runs first, before anything was freed: the page
 * source has no holes but the one made here, so each region comes right after the last
 * (natively at the front of the reservation's free rest, in wasm at the top of memory), while the
 * metadata of each grown region's index (1/64 of its size) goes into that hole below, as it would
 * in a heap that has been in use a while. */
static void test_huge_realloc(void) {
    enum { HUGE = 4 << 20, HOLE = 3 << 20 };
    void *hole = malloc(HOLE), *after_hole = malloc(HOLE);
    CHECK(hole != NULL && after_hole != NULL);
    free(hole);
    unsigned char *a = malloc(HUGE);
    CHECK(a != NULL);
    if (a == NULL) return;
    memset(a, 0x3c, HUGE);
    size_t footprint = info().heap.footprint;
    unsigned char *grown = realloc(a, 2 * HUGE);
    CHECK(grown == a);
    if (grown == NULL) return;
    grown = realloc(grown, 4 * HUGE);
    CHECK(grown == a);
    if (grown == NULL) return;
    CHECK(info().heap.footprint >= footprint + 3 * HUGE);
    memset(grown + HUGE, 0x3d, 3 * HUGE);
    /* A second region after the first (too large for the hole), at most its index's metadata
     * between them (1/8 of it in hardened builds): the first cannot grow to 5 * HUGE any more, so
     * it moves. */
    unsigned char *b = malloc(HUGE);
    CHECK(b != NULL && b > grown && b - grown < 5 * HUGE);
    unsigned char *moved = realloc(grown, 5 * HUGE);
    CHECK(moved != NULL && moved != grown);
    if (moved == NULL) moved = grown;
    size_t kept = 0;
    for (size_t i = 0; i < 4 * (size_t)HUGE; i++) kept += moved[i] == (i < HUGE ? 0x3c : 0x3d);
    CHECK_EQ(kept, 4 * (size_t)HUGE);
    free(b);
    free(moved);
    free(after_hole);
    CHECK(heap_ok());
}

static void test_aligned(void) {
    for (size_t alignment = 1; alignment <= 65536; alignment *= 2) {
        void *p = aligned_alloc(alignment, 100);
        CHECK(p != NULL && (uintptr_t)p % alignment == 0);
        if (p) memset(p, 1, 100);
        free(p);
        p = memalign(alignment, 5000);
        CHECK(p != NULL && (uintptr_t)p % alignment == 0);
        free(p);
        if (alignment >= sizeof(void *)) {
            void *out = NULL;
            CHECK_EQ(posix_memalign(&out, alignment, 3000), 0);
            CHECK(out != NULL && (uintptr_t)out % alignment == 0);
            free(out);
        }
    }
    void *out = (void *)&out;
    CHECK_EQ(posix_memalign(&out, 24, 8), EINVAL);
    CHECK_EQ(posix_memalign(&out, 2, 8), EINVAL); /* below sizeof(void *) */
    CHECK(out == (void *)&out);                   /* untouched on error */
    errno = 0;
    result = aligned_alloc(alignment_48, 96);
    CHECK(result == NULL);
    CHECK_EQ(errno, EINVAL);
    void *v = valloc(10), *pv = pvalloc(10);
    CHECK(v && pv && (uintptr_t)v % 4096 == 0 && (uintptr_t)pv % 4096 == 0);
    CHECK(malloc_usable_size(pv) >= 4096);
    free(v);
    free(pv);
    CHECK(heap_ok());
}

static void test_misuse(void) {
    gomem_malloc_info start = info();
    int on_stack = 0;
    static int global;
    free(opaque((uintptr_t)&on_stack));
    CHECK_EQ(info().misuses, start.misuses + 1);
    CHECK_EQ(info().last_misuse, GOMEM_ERR_FOREIGN_POINTER);
    free(opaque((uintptr_t)&global));
    CHECK_EQ(malloc_usable_size(opaque((uintptr_t)&on_stack)), 0);
    unsigned char *p = malloc(200);
    CHECK(p != NULL);
    if (p == NULL) return;
    /* Written, so the bytes before the interior pointer are data, not an old block's header
     * (which could make it read as a double free instead). */
    memset(p, 0x5A, 200);
    uintptr_t p_at = (uintptr_t)p;
    free(opaque(p_at + 16)); /* interior pointer */
    CHECK_EQ(info().last_misuse, GOMEM_ERR_FOREIGN_POINTER);
    CHECK(realloc(opaque(p_at + 16), 400) == NULL);
    free(p);
    gomem_malloc_info freed_once = info();
    free(opaque(p_at)); /* double free of a listed small block */
    CHECK_EQ(info().misuses, freed_once.misuses + 1);
    CHECK_EQ(info().last_misuse, GOMEM_ERR_DOUBLE_FREE);
    unsigned char *big = malloc(LARGE);
    uintptr_t big_at = (uintptr_t)big;
    free(big);
    free(opaque(big_at)); /* double free of a block given back to the index */
    /* Hardened builds fill freed bytes, header included: the block then reads as foreign. */
    CHECK_EQ(info().last_misuse,
             GOMEM_HARDENED ? GOMEM_ERR_FOREIGN_POINTER : GOMEM_ERR_DOUBLE_FREE);
    CHECK_EQ(info().misuses, start.misuses + 7);
    /* Nothing was harmed: the heap adds up and serves. */
    CHECK(heap_ok());
    unsigned char *after = malloc(300);
    CHECK(after != NULL);
    free(after);
}

/* The scalable allocator behind malloc takes gomem_* calls on the same arenas. */
static void test_segmented_free_alongside(void) {
    gomem_allocator *heap = gomem_malloc_heap();
    CHECK(heap != NULL);
    unsigned char *m = malloc(5000);
    unsigned char *g = gomem_alloc(heap, 3000);
    CHECK(m != NULL && g != NULL);
    if (g == NULL) return;
    memset(g, 3, 3000);
    CHECK_STATUS(gomem_free(heap, g + 1000, 1000), GOMEM_OK); /* a middle piece */
    CHECK_STATUS(gomem_free(heap, g, 1000), GOMEM_OK);
    CHECK_STATUS(gomem_free(heap, g + 2000, 1000), GOMEM_OK);
    free(m);
    CHECK(heap_ok());
}

/* Random malloc/calloc/realloc/free with a pattern per block, checked before every change. */
enum { SLOTS = 512, STEPS = 100000 };

static unsigned char pattern_of(size_t slot, size_t i) { return (unsigned char)(slot * 31 + i * 7 + 1); }

static bool pattern_holds(const unsigned char *p, size_t n, size_t slot) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != pattern_of(slot, i)) return false;
    return true;
}

static void fill(unsigned char *p, size_t n, size_t slot) {
    for (size_t i = 0; i < n; i++) p[i] = pattern_of(slot, i);
}

static size_t random_size(test_rng *rng) {
    /* Mostly small, some up to 64 KiB, a few beyond the arenas' 4 MiB. */
    size_t kind = test_rng_range(rng, 0, 999);
    if (kind < 700) return test_rng_range(rng, 1, 256);
    if (kind < 998) return test_rng_range(rng, 257, 65536);
    return test_rng_range(rng, (size_t)4 << 20, (size_t)5 << 20);
}

static void test_random_patterns(void) {
    static unsigned char *blocks[SLOTS];
    static size_t sizes[SLOTS];
    test_rng rng = test_rng_seed(test_seed(20261125));
    size_t bad = 0;
    for (int step = 0; step < STEPS && bad == 0; step++) {
        size_t slot = test_rng_range(&rng, 0, SLOTS - 1);
        unsigned char *p = blocks[slot];
        if (p != NULL && !pattern_holds(p, sizes[slot], slot)) bad++;
        size_t op = test_rng_range(&rng, 0, 9);
        if (p == NULL) {
            size_t n = random_size(&rng);
            p = op < 2 ? calloc(1, n) : op < 4 ? aligned_alloc(64, n) : malloc(n);
            CHECK(p != NULL);
            if (p == NULL) continue;
            if (op < 2 && n > 0) bad += p[n - 1] != 0 || p[0] != 0;
            fill(p, n, slot);
            blocks[slot] = p;
            sizes[slot] = n;
        } else if (op < 4) {
            size_t n = random_size(&rng);
            unsigned char *q = realloc(p, n);
            CHECK(q != NULL);
            if (q == NULL) continue;
            size_t kept = n < sizes[slot] ? n : sizes[slot];
            if (!pattern_holds(q, kept, slot)) bad++;
            fill(q, n, slot);
            blocks[slot] = q;
            sizes[slot] = n;
        } else {
            free(p);
            blocks[slot] = NULL;
        }
        if (step % 20000 == 0) CHECK(heap_ok());
    }
    CHECK_EQ(bad, 0);
    for (size_t slot = 0; slot < SLOTS; slot++) {
        if (blocks[slot] && !pattern_holds(blocks[slot], sizes[slot], slot)) bad++;
        free(blocks[slot]);
        blocks[slot] = NULL;
    }
    CHECK_EQ(bad, 0);
    CHECK(heap_ok());
}

#if defined(__linux__)
/* Natively, arenas that a release leaves empty give their pages back to the system: a region that
 * was resident is not any more once freed and released (mincore; the address range stays mapped,
 * part of a reservation, so asking is safe). */
static void test_pages_go_back(void) {
    enum { BLOCKS = 64, BLOCK = 256 * 1024 };
    gomem_malloc_release();
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *blocks[BLOCKS];
    for (size_t i = 0; i < BLOCKS; i++) {
        blocks[i] = malloc(BLOCK);
        CHECK(blocks[i] != NULL);
        if (blocks[i] == NULL) return;
        memset(blocks[i], 0x5a, BLOCK);
    }
    /* A whole page inside the middle block, resident now. */
    unsigned char *probe = (unsigned char *)(((uintptr_t)blocks[BLOCKS / 2] + page) & ~(page - 1));
    unsigned char resident = 0;
    CHECK_EQ(mincore(probe, page, &resident), 0);
    CHECK((resident & 1) != 0);
    size_t held = gomem_page_bytes_held();
    for (size_t i = 0; i < BLOCKS; i++) free(blocks[i]);
    size_t released = gomem_malloc_release();
    CHECK(released >= (size_t)BLOCKS * BLOCK / 2); /* most of the arenas were these blocks' */
    CHECK(gomem_page_bytes_held() + released <= held); /* their tables went too */
    CHECK_EQ(mincore(probe, page, &resident), 0);
    CHECK((resident & 1) == 0);
}
#endif

/* Everything handed back: the lists empty and the arenas released, except what stdio holds. */
static void test_release(void) {
    gomem_malloc_release();
    gomem_malloc_info i = info();
    CHECK_EQ(i.cached, 0);
    CHECK(i.heap.live < 64 * 1024); /* stdio's buffers and this test's few leftovers */
    printf("after release: live %zu bytes, footprint %zu bytes in %zu arenas\n", i.heap.live,
           i.heap.footprint, i.heap.arena_count);
}

int main(void) {
    RUN(test_huge_realloc); /* first: it needs a page source without holes */
    RUN(test_basic_contracts);
    RUN(test_size_classes);
    RUN(test_calloc);
    RUN(test_realloc);
    RUN(test_realloc_in_place);
    RUN(test_aligned);
    RUN(test_misuse);
    RUN(test_segmented_free_alongside);
    RUN(test_random_patterns);
#if defined(__linux__)
    RUN(test_pages_go_back);
#endif
    RUN(test_release);
    return check_report("test_malloc");
}
