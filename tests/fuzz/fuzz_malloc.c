/*
 * fuzz_malloc.c - libFuzzer target for gomem as a program's malloc (the gomem_malloc library).
 *
 * The input drives malloc, calloc, realloc, reallocarray, aligned_alloc, memalign,
 * posix_memalign, valloc, pvalloc, malloc_usable_size and free (gomem's, renamed by
 * malloc_renamed.c) over small, size-class edge, large and impossible sizes and alignments, plus
 * gomem_malloc_release, and misuses them on purpose: frees, reallocs and usable-size queries of
 * foreign pointers (stack, global, ASan's heap, interior and misaligned pointers into live
 * blocks) and double frees.
 *
 * The shadow model is the set of live blocks, sorted by address, each with its usable size (what
 * malloc_usable_size reported when it was made) and the tag written into every usable byte. It
 * checks that every block is aligned as asked, no two blocks' usable bytes overlap, every byte
 * keeps its tag until the block is freed (calloc's are zero first; realloc keeps the old bytes up
 * to the smaller size), usable sizes never shrink below the request, errno and return values
 * follow the standard contracts (gomem_malloc.h), and every misuse is refused and counted exactly
 * once in gomem_malloc_info without touching a live byte.
 *
 * The heap is the process's and outlives an input, so each input ends by freeing every block:
 * then every byte the heap holds from its allocator must be in a kept block (gomem_malloc_info's
 * live bytes equal its cached bytes), which is the leak check. (Not a gomem_malloc_release per
 * input: giving the pages back and faulting them in again took a third of the time; inputs call
 * it as one of their operations.) What an input finds can depend on the inputs before it (the heap's
 * arenas and lists); a crash's reproducer replays it with the same history only when run after
 * the same corpus, so libFuzzer's -runs over the saved corpus is the way to re-check one.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NAME "fuzz_malloc"
#include "fuzz_common.h"
#include "gomem_malloc.h"
#include "malloc_renamed.h"

#define MAX_BLOCKS 512
#define MAX_OPS 400
#define MAX_LIVE_BYTES ((size_t)1 << 20)
#define MAX_ALIGN_LOG2 16u /* aligned requests up to 64 KiB */
#define FULL_CHECK_EVERY 32u
#define MIN_ALIGNMENT _Alignof(max_align_t)

/* ---- the shadow model ---------------------------------------------------------------------- */

typedef struct block {
    uint8_t *p;
    size_t usable; /* malloc_usable_size when made: every byte of it was written with the tag */
    uint8_t tag;
} block;

typedef struct world {
    block blocks[MAX_BLOCKS]; /* sorted by address */
    size_t count;
    size_t live_bytes;
    uint8_t next_tag;
    size_t misuses; /* gomem_malloc_info's counter as the model expects it */
} world;

static uint8_t global_bytes[64];

static uint8_t take_tag(world *w) {
    uint8_t tag = w->next_tag;
    w->next_tag = (uint8_t)(w->next_tag % 255u + 1u); /* 1..255: 0 is calloc's */
    return tag;
}

/* Index of the first block at or after p. */
MODEL_CODE static size_t block_search(const world *w, const uint8_t *p) {
    size_t lo = 0, hi = w->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)w->blocks[mid].p < (uintptr_t)p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

MODEL_CODE static void check_block_bytes(const block *b) {
    uint64_t pattern = 0x0101010101010101u * b->tag, word;
    size_t i = 0;
    for (; i + 8 <= b->usable; i += 8) {
        memcpy(&word, b->p + i, 8);
        if (word != pattern) break;
    }
    for (; i < b->usable; i++)
        if (b->p[i] != b->tag)
            FAIL("byte %zu of the block at %p (%zu usable) is %u, it was written %u", i,
                 (void *)b->p, b->usable, b->p[i], b->tag);
}

MODEL_CODE static void check_all_bytes(const world *w) {
    for (size_t i = 0; i < w->count; i++) check_block_bytes(&w->blocks[i]);
}

/* The misuse counter must have moved by exactly the misuses the model counted. */
MODEL_CODE static void check_misuses(const world *w, const char *what) {
    gomem_malloc_info info;
    gomem_malloc_info_get(&info);
    if (info.misuses != w->misuses)
        FAIL("%s: %zu misuses counted, the model expects %zu", what, info.misuses, w->misuses);
}

/* A block the library just handed out for a request of n bytes aligned to `alignment`: checked,
 * written with its tag (or checked zero when `zeroed`), and added to the model. */
MODEL_CODE static void adopt(world *w, uint8_t *p, size_t n, size_t alignment, bool zeroed,
                             const char *what) {
    if ((uintptr_t)p % alignment != 0)
        FAIL("%s(%zu) = %p is not aligned to %zu", what, n, (void *)p, alignment);
    size_t usable = fuzz_malloc_usable_size(p);
    if (usable < n || usable == 0)
        FAIL("%s(%zu) = %p has %zu usable bytes", what, n, (void *)p, usable);
    if (zeroed)
        for (size_t i = 0; i < n; i++)
            if (p[i] != 0) FAIL("%s(%zu): byte %zu is %u, not zero", what, n, i, p[i]);
    if (w->count == MAX_BLOCKS) FAIL("model full (the driver should have stopped earlier)");
    size_t at = block_search(w, p);
    if (at > 0 && (uintptr_t)w->blocks[at - 1].p + w->blocks[at - 1].usable > (uintptr_t)p)
        FAIL("%s(%zu) = %p overlaps the block at %p (%zu usable)", what, n, (void *)p,
             (void *)w->blocks[at - 1].p, w->blocks[at - 1].usable);
    if (at < w->count && (uintptr_t)p + usable > (uintptr_t)w->blocks[at].p)
        FAIL("%s(%zu) = %p (%zu usable) overlaps the block at %p", what, n, (void *)p, usable,
             (void *)w->blocks[at].p);
    block b = {p, usable, take_tag(w)};
    memset(p, b.tag, usable);
    memmove(&w->blocks[at + 1], &w->blocks[at], (w->count - at) * sizeof(block));
    w->blocks[at] = b;
    w->count++;
    w->live_bytes += usable;
}

MODEL_CODE static void forget(world *w, size_t at) {
    w->live_bytes -= w->blocks[at].usable;
    memmove(&w->blocks[at], &w->blocks[at + 1], (w->count - at - 1) * sizeof(block));
    w->count--;
}

/* ---- choosing arguments from the input ----------------------------------------------------- */

static bool room_for(const world *w, size_t n) {
    return w->count < MAX_BLOCKS && n <= MAX_LIVE_BYTES - w->live_bytes;
}

/* Mostly small; size-class edges; the largest small size and just past it; large; 0. */
static size_t pick_size(stream *s) {
    uint16_t v = next_u16(s);
    switch (next_u8(s) % 8) {
    case 0: return 0;
    case 1: return (size_t)1 << (v % 18u); /* powers of two, class edges */
    case 2: { /* around them: 8 below to 7 above */
        size_t edge = (size_t)1 << (v % 18u), delta = (size_t)(v >> 12);
        return edge + delta >= 8 ? edge + delta - 8 : delta;
    }
    case 3: return GOMEM_MALLOC_SMALL_MAX - 2 + v % 5u;
    case 4: return GOMEM_MALLOC_SMALL_MAX + 1u + v; /* above the classes: the allocator's index */
    default: return v % 512u + 1u;
    }
}

/* Requests no memory can satisfy: NULL and ENOMEM, nothing allocated. */
static size_t pick_impossible(stream *s) {
    static const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 7, SIZE_MAX / 2 + 1, (size_t)PTRDIFF_MAX,
                                   GOMEM_ARENA_LIMIT + 1, (size_t)1 << 62};
    return sizes[next_u8(s) % 6];
}

static size_t pick_alignment(stream *s) {
    uint8_t v = next_u8(s);
    if (v >= 248) {
        static const size_t bad[] = {0, 3, 6, 24, 100, SIZE_MAX, SIZE_MAX / 2 + 2, 12};
        return bad[v - 248];
    }
    return (size_t)1 << (v % (MAX_ALIGN_LOG2 + 1));
}

static bool pick_block(const world *w, stream *s, size_t *at) {
    if (w->count == 0) return false;
    *at = next_u16(s) % w->count;
    return true;
}

static bool is_power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* ---- operations ---------------------------------------------------------------------------- */

static void do_malloc(world *w, stream *s) {
    size_t n = pick_size(s);
    if (!room_for(w, n + 64)) return;
    uint8_t *p = fuzz_malloc(n);
    if (p == NULL) FAIL("malloc(%zu) failed", n);
    adopt(w, p, n, MIN_ALIGNMENT, false, "malloc");
}

static void do_impossible(world *w, stream *s) {
    size_t n = pick_impossible(s);
    errno = 0;
    void *p;
    const char *what;
    switch (next_u8(s) % 4) {
    case 0: p = fuzz_malloc(n); what = "malloc"; break;
    case 1: p = fuzz_calloc(1, n); what = "calloc"; break;
    case 2: p = fuzz_aligned_alloc(64, n); what = "aligned_alloc"; break;
    default: p = fuzz_pvalloc(n); what = "pvalloc"; break;
    }
    if (p != NULL || errno != ENOMEM)
        FAIL("%s(%zu) returned %p with errno %d, expected NULL and ENOMEM", what, n, p, errno);
    (void)w;
}

static void do_calloc(world *w, stream *s) {
    size_t count = next_u8(s), size = pick_size(s);
    if (next_u8(s) % 8 == 0) { /* count * size overflows */
        if (size < 2) size = 2;
        count = SIZE_MAX / size + 1;
        errno = 0;
        void *p = fuzz_calloc(count, size);
        if (p != NULL || errno != ENOMEM) FAIL("calloc(%zu, %zu) overflowing: %p, errno %d", count, size, p, errno);
        return;
    }
    size_t total = count * size;
    if (total > 65536 || !room_for(w, total + 64)) return;
    uint8_t *p = fuzz_calloc(count, size);
    if (p == NULL) FAIL("calloc(%zu, %zu) failed", count, size);
    adopt(w, p, total, MIN_ALIGNMENT, true, "calloc");
}

static void do_free(world *w, stream *s) {
    size_t at;
    if (!pick_block(w, s, &at)) return;
    check_block_bytes(&w->blocks[at]);
    uint8_t *p = w->blocks[at].p;
    forget(w, at);
    fuzz_free(p);
    check_misuses(w, "free");
}

/* realloc to a new size: the old bytes kept up to the smaller size, the block checked anew. */
static void do_realloc(world *w, stream *s, bool as_array) {
    size_t at;
    if (!pick_block(w, s, &at)) return;
    block old = w->blocks[at];
    check_block_bytes(&old);
    size_t n = pick_size(s);
    if (n > old.usable && !room_for(w, n - old.usable + 64)) return;
    uint8_t *p;
    if (as_array) {
        size_t count = n % 7 + 1;
        n = n / count * count;
        p = fuzz_reallocarray(old.p, count, n / count);
    } else {
        p = fuzz_realloc(old.p, n);
    }
    forget(w, at);
    if (n == 0) { /* frees the block and returns NULL */
        if (p != NULL) FAIL("realloc(%p, 0) returned %p", (void *)old.p, (void *)p);
        check_misuses(w, "realloc to 0");
        return;
    }
    if (p == NULL) FAIL("realloc(%p, %zu) failed", (void *)old.p, n);
    size_t kept = n < old.usable ? n : old.usable;
    for (size_t i = 0; i < kept; i++)
        if (p[i] != old.tag)
            FAIL("realloc(%p -> %p, %zu -> %zu) lost byte %zu", (void *)old.p, (void *)p,
                 old.usable, n, i);
    adopt(w, p, n, MIN_ALIGNMENT, false, "realloc");
    check_misuses(w, "realloc");
}

/* realloc(NULL, n) is malloc; reallocarray that overflows leaves the block alone. */
static void do_realloc_edges(world *w, stream *s) {
    size_t n = pick_size(s);
    if (!room_for(w, n + 64)) return;
    uint8_t *p = fuzz_realloc(NULL, n);
    if (p == NULL) FAIL("realloc(NULL, %zu) failed", n);
    adopt(w, p, n, MIN_ALIGNMENT, false, "realloc(NULL)");
    size_t at = block_search(w, p);
    errno = 0;
    void *q = fuzz_reallocarray(p, SIZE_MAX / 2, 3);
    if (q != NULL || errno != ENOMEM) FAIL("reallocarray overflowing returned %p, errno %d", q, errno);
    check_block_bytes(&w->blocks[at]);
    errno = 0;
    q = fuzz_realloc(p, pick_impossible(s));
    if (q != NULL || errno != ENOMEM) FAIL("realloc to an impossible size returned %p, errno %d", q, errno);
    check_block_bytes(&w->blocks[at]);
}

static void do_aligned(world *w, stream *s) {
    size_t alignment = pick_alignment(s);
    size_t n = pick_size(s);
    if (!room_for(w, n + alignment + 64)) return;
    bool power = is_power_of_two(alignment);
    uint8_t *p = NULL;
    const char *what;
    errno = 0;
    switch (next_u8(s) % 5) {
    case 0: what = "aligned_alloc"; p = fuzz_aligned_alloc(alignment, n); break;
    case 1: what = "memalign"; p = fuzz_memalign(alignment, n); break;
    case 2: {
        what = "posix_memalign";
        void *out = global_bytes; /* must stay untouched on failure */
        int rc = fuzz_posix_memalign(&out, alignment, n);
        bool valid = power && alignment % sizeof(void *) == 0;
        if (!valid) {
            if (rc != EINVAL || out != global_bytes)
                FAIL("posix_memalign(%zu, %zu) returned %d (out %p), expected EINVAL", alignment, n, rc, out);
            return;
        }
        if (rc != 0) FAIL("posix_memalign(%zu, %zu) returned %d", alignment, n, rc);
        adopt(w, out, n, alignment, false, what);
        return;
    }
    case 3: what = "valloc"; alignment = 4096; power = true; p = fuzz_valloc(n); break;
    default:
        what = "pvalloc";
        alignment = 4096;
        power = true;
        p = fuzz_pvalloc(n);
        n = (n + 4095) / 4096 * 4096;
        break;
    }
    if (!power) {
        if (p != NULL || errno != EINVAL)
            FAIL("%s(%zu, %zu) returned %p with errno %d, expected EINVAL", what, alignment, n, (void *)p, errno);
        return;
    }
    if (p == NULL) FAIL("%s(%zu, %zu) failed", what, alignment, n);
    adopt(w, p, n, alignment > MIN_ALIGNMENT ? alignment : MIN_ALIGNMENT, false, what);
}

/* free, realloc or malloc_usable_size (the input chooses) of a pointer the heap does not own now:
 * refused, nothing returned, and counted as exactly one misuse. */
static void refused_call(world *w, stream *s, void *p, const char *what) {
    switch (next_u8(s) % 3) {
    case 0: fuzz_free(p); break;
    case 1:
        if (fuzz_realloc(p, 8) != NULL) FAIL("realloc of %s %p returned a block", what, p);
        break;
    default:
        if (fuzz_malloc_usable_size(p) != 0) FAIL("usable size of %s %p is not 0", what, p);
        break;
    }
    w->misuses++;
    check_misuses(w, what);
}

/* Pointers malloc never handed out: refused, counted once, no live byte touched. */
static void do_foreign(world *w, stream *s) {
    uint8_t local[64];
    memset(local, 0, sizeof local);
    uint8_t *p;
    uint8_t kind = next_u8(s);
    switch (kind % 6) {
    case 0: p = local + 16 + next_u8(s) % 32; break;
    case 1: p = global_bytes + 16 + next_u8(s) % 32; break;
    case 2: { /* inside a live block: at an aligned or unaligned offset */
        size_t at;
        if (!pick_block(w, s, &at) || w->blocks[at].usable < 2) return;
        size_t offset = next_u16(s) % (w->blocks[at].usable - 1) + 1;
        p = w->blocks[at].p + offset;
        break;
    }
    case 3: { /* just before a live block, unless that is where another one starts */
        size_t at;
        if (!pick_block(w, s, &at)) return;
        p = w->blocks[at].p - (next_u8(s) % 2 ? 16 : 8);
        size_t hit = block_search(w, p);
        if (hit < w->count && w->blocks[hit].p == p) return;
        break;
    }
    case 4: p = (uint8_t *)(uintptr_t)(next_u16(s) | 1u); break; /* a wild, odd address */
    default: {
        uint8_t *theirs = malloc(48); /* AddressSanitizer's heap */
        if (theirs == NULL) FAIL("malloc failed");
        refused_call(w, s, theirs + 16, "a pointer from another heap");
        free(theirs);
        return;
    }
    }
    refused_call(w, s, p, "a foreign pointer");
    gomem_malloc_info info;
    gomem_malloc_info_get(&info);
    if (info.last_misuse != GOMEM_ERR_FOREIGN_POINTER && info.last_misuse != GOMEM_ERR_DOUBLE_FREE)
        FAIL("last misuse is %s", gomem_status_name(info.last_misuse));
}

/* Free a block, then free (or realloc, or ask the size of) it again before anything else is
 * allocated: the second is refused and counted. */
static void do_double_free(world *w, stream *s) {
    size_t at;
    if (!pick_block(w, s, &at)) return;
    check_block_bytes(&w->blocks[at]);
    uint8_t *p = w->blocks[at].p;
    forget(w, at);
    fuzz_free(p);
    check_misuses(w, "first free");
    refused_call(w, s, p, "a freed block");
}

static void do_release(world *w) {
    (void)gomem_malloc_release();
    check_all_bytes(w);
}

static void run_ops(world *w, stream *s) {
    for (op_number = 0; op_number < MAX_OPS && s->at < s->size; op_number++) {
        switch (next_u8(s) % 16) {
        case 0:
        case 1:
        case 2:
        case 3: do_malloc(w, s); break;
        case 4: do_calloc(w, s); break;
        case 5:
        case 6:
        case 7: do_free(w, s); break;
        case 8:
        case 9: do_realloc(w, s, false); break;
        case 10: do_realloc(w, s, true); break;
        case 11: do_aligned(w, s); break;
        case 12: do_foreign(w, s); break;
        case 13: do_double_free(w, s); break;
        case 14: do_impossible(w, s); break;
        default:
            if (next_u8(s) % 4 == 0)
                do_release(w);
            else
                do_realloc_edges(w, s);
            break;
        }
        if (op_number % FULL_CHECK_EVERY == FULL_CHECK_EVERY - 1) check_all_bytes(w);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static world w; /* large: static, but re-initialised for every input */
    stream s = {data, size, 0};
    gomem_malloc_info info;
    gomem_malloc_info_get(&info);
    w.count = 0;
    w.live_bytes = 0;
    w.next_tag = 1;
    w.misuses = info.misuses;
    op_number = 0;

    run_ops(&w, &s);

    check_all_bytes(&w);
    while (w.count > 0) {
        uint8_t *p = w.blocks[w.count - 1].p;
        forget(&w, w.count - 1);
        fuzz_free(p);
    }
    gomem_malloc_info_get(&info);
    if (info.misuses != w.misuses)
        FAIL("%zu misuses counted, the model expects %zu", info.misuses, w.misuses);
    if (info.heap.live != info.cached)
        FAIL("after freeing every block: %zu bytes live in the heap's allocator, %zu of them kept",
             info.heap.live, info.cached);
    return 0;
}
