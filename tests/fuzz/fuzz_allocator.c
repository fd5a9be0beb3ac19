/*
 * fuzz_allocator.c - libFuzzer target for the scalable allocator and recyclable memory.
 *
 * The input chooses small initial and maximum arena sizes and an alignment (so a few kilobytes of
 * live data already need several arenas and dedicated regions), then drives mallocs, whole,
 * segmented and multi-allocation frees, free_rest, borrow, read_into, resize, trim, recycle,
 * a page budget that makes growth fail, and recyclable memory (next_n, add_recycle_bytes, buffers
 * pushed directly, recycle indexes, recycle). It also misuses the allocator on purpose: foreign
 * pointers (stack, global, C heap, another allocator, one byte before or just past an arena),
 * whole and partial double frees, ranges running past an arena, NULL and zero sizes.
 *
 * The shadow model is the sorted set of live byte ranges, each with the tag its allocation wrote
 * into it, plus the arena table the allocator reports. From them this file predicts the exact
 * status of every free (whatever the pointer), which dedicated region a free releases, the totals
 * in gomem_allocator_stats and the free bytes of each arena; after every operation they must
 * agree and gomem_allocator_invariants_hold must be true. A refused call must change nothing.
 * Tags in the real bytes catch an allocation handed out twice or a write by the library.
 *
 * Deterministic: everything is created and destroyed per input, the page limit restored, and
 * gomem_page_bytes_held() must be back to its starting value (a leak check). Any disagreement
 * prints what differed and traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NAME "fuzz_allocator"
#include "fuzz_common.h"

#define MAX_SPANS 1024
#define MAX_ARENAS 1024
#define MAX_RM 512
#define MAX_OPS 600
/* The most live bytes an input may hold, chosen per input: mostly small, since every malloc that
 * misses the current arena tries the others in turn and the cost of an input grows with its
 * arenas; now and then large, for arena tables and node pools that outgrow their first page. */
static const size_t live_cap_choices[] = {16u << 10, 16u << 10, 16u << 10, 32u << 10,
                                          32u << 10, 64u << 10, 64u << 10, 256u << 10};
/* The arena table, each arena's free bytes and gomem_allocator_invariants_hold are compared
 * every this many operations and at the end; the statistics (live bytes, totals, footprint,
 * arena count) after every operation, and every status, pointer and tag one by one. */
#define FULL_COMPARE_EVERY 32u

/* ---- the shadow model ---------------------------------------------------------------------- */

typedef struct span {
    uintptr_t start;
    size_t len;
    uint8_t tag; /* every byte of the span holds it */
} span;

typedef struct arena_rec {
    uintptr_t base;
    size_t size;
    size_t free_bytes;
    bool dedicated;
} arena_rec;

typedef struct rm_entry {
    uintptr_t data;
    size_t len;
    bool recorded; /* freed by recycle once recycle indexes are on */
} rm_entry;

typedef struct world {
    gomem_allocator *a;
    gomem_allocator_options options;
    size_t alignment;
    span spans[MAX_SPANS]; /* live bytes, sorted by start, disjoint */
    size_t span_count;
    size_t live_bytes;
    size_t live_cap; /* from live_cap_choices */
    arena_rec arenas[MAX_ARENAS]; /* the model's table, as gomem_allocator_arenas lists them */
    size_t arena_count;
    uint64_t total_malloc, total_free;
    size_t peak_footprint;
    bool limited;     /* a page limit is set: growth and node allocation may fail */
    uint8_t next_tag;
    /* recyclable memory over `a` */
    gomem_recyclable rm;
    rm_entry rm_list[MAX_RM];
    size_t rm_count;
    bool rm_indexes;
    bool rm_bypass; /* GOMEM_DISABLE_RM: next_n buffers come from the C heap, not from `a` */
    /* foreign memory */
    gomem_allocator *other;
    uint8_t *other_block;
    uint8_t *heap_block;
} world;

static uint8_t global_bytes[64];

static uint8_t take_tag(world *w) {
    uint8_t tag = w->next_tag;
    w->next_tag = (uint8_t)(w->next_tag % 255u + 1u);
    return tag;
}

/* Index of the first span whose end is past `p` (so it contains p or lies after it). */
MODEL_CODE static size_t span_search(const world *w, uintptr_t p) {
    size_t lo = 0, hi = w->span_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->spans[mid].start + w->spans[mid].len <= p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

MODEL_CODE static bool is_live(const world *w, uintptr_t p) {
    size_t i = span_search(w, p);
    return i < w->span_count && w->spans[i].start <= p;
}

/* Every byte of [p, p + n) is live (possibly across several adjacent spans). */
MODEL_CODE static bool all_live(const world *w, uintptr_t p, size_t n) {
    uintptr_t at = p, end = p + n;
    for (size_t i = span_search(w, p); at < end; i++) {
        if (i >= w->span_count || w->spans[i].start > at) return false;
        at = w->spans[i].start + w->spans[i].len;
    }
    return true;
}

MODEL_CODE static bool any_live(const world *w, uintptr_t p, size_t n) {
    size_t i = span_search(w, p);
    return i < w->span_count && w->spans[i].start < p + n;
}

/* Eight bytes at a time (the live bytes of an input run to 128 KiB), then byte by byte to name
 * the first that differs. */
MODEL_CODE static void check_span_bytes(const span *sp) {
    const uint8_t *bytes = (const uint8_t *)sp->start;
    uint64_t pattern = 0x0101010101010101u * sp->tag, word;
    size_t i = 0;
    for (; i + 8 <= sp->len; i += 8) {
        memcpy(&word, bytes + i, 8);
        if (word != pattern) break;
    }
    for (; i < sp->len; i++)
        if (bytes[i] != sp->tag)
            FAIL("live byte %p+%zu is %u, its allocation wrote %u", (void *)sp->start, i, bytes[i],
                 sp->tag);
}

MODEL_CODE static void check_all_bytes(const world *w) {
    for (size_t i = 0; i < w->span_count; i++) check_span_bytes(&w->spans[i]);
}

/* Before a free the model expects to succeed (after it, a dedicated region is unmapped): the
 * bytes about to be given back must still hold their tags. */
MODEL_CODE static void check_range_bytes(const world *w, uintptr_t p, size_t n) {
    for (size_t i = span_search(w, p); i < w->span_count && w->spans[i].start < p + n; i++)
        check_span_bytes(&w->spans[i]);
}

MODEL_CODE static void add_span(world *w, uintptr_t p, size_t n, uint8_t tag) {
    if (any_live(w, p, n))
        FAIL("[%p, +%zu) handed out while some of it is live", (void *)p, n);
    if (w->span_count == MAX_SPANS) FAIL("model full (the driver should have stopped earlier)");
    size_t i = span_search(w, p);
    memmove(&w->spans[i + 1], &w->spans[i], (w->span_count - i) * sizeof(span));
    w->spans[i] = (span){p, n, tag};
    w->span_count++;
    w->live_bytes += n;
}

/* Remove [p, p + n) (all live) from the spans, splitting the ones it cuts. */
MODEL_CODE static void remove_range(world *w, uintptr_t p, size_t n) {
    uintptr_t end = p + n;
    size_t i = span_search(w, p);
    while (i < w->span_count && w->spans[i].start < end) {
        span sp = w->spans[i];
        uintptr_t sp_end = sp.start + sp.len;
        span left = {sp.start, p > sp.start ? p - sp.start : 0, sp.tag};
        span right = {end, sp_end > end ? sp_end - end : 0, sp.tag};
        size_t keep = (left.len > 0) + (right.len > 0);
        if (keep == 2 && w->span_count == MAX_SPANS) FAIL("model full while splitting");
        memmove(&w->spans[i + keep], &w->spans[i + 1], (w->span_count - i - 1) * sizeof(span));
        w->span_count = w->span_count - 1 + keep;
        if (left.len) w->spans[i++] = left;
        if (right.len) w->spans[i++] = right;
    }
    w->live_bytes -= n;
}

/* ---- the arena table ----------------------------------------------------------------------- */

typedef struct arena_snapshot {
    arena_rec list[MAX_ARENAS];
    size_t count;
} arena_snapshot;

MODEL_CODE static bool collect_arena(void *context, const gomem_arena_info *info) {
    arena_snapshot *snap = context;
    if (snap->count == MAX_ARENAS) FAIL("more than %d arenas", MAX_ARENAS);
    snap->list[snap->count++] =
        (arena_rec){(uintptr_t)info->base, info->size, info->free_bytes, info->dedicated};
    return true;
}

MODEL_CODE static void snapshot(const world *w, arena_snapshot *snap) {
    snap->count = 0;
    gomem_allocator_arenas(w->a, collect_arena, snap);
}

MODEL_CODE static const arena_rec *model_arena_at(const world *w, uintptr_t p) {
    for (size_t i = 0; i < w->arena_count; i++)
        if (p >= w->arenas[i].base && p - w->arenas[i].base < w->arenas[i].size)
            return &w->arenas[i];
    return NULL;
}

MODEL_CODE static size_t live_in(const world *w, const arena_rec *ar) {
    size_t live = 0;
    for (size_t i = span_search(w, ar->base);
         i < w->span_count && w->spans[i].start < ar->base + ar->size; i++)
        live += w->spans[i].len;
    return live;
}

/* The status gomem_free must return for [p, p + n), in the order its contract checks.
 * *may_nomem: under a page limit the free may also report NOMEM, because it touches no free
 * byte and so needs a new index node. */
MODEL_CODE static gomem_status expect_free(const world *w, uintptr_t p, size_t n, bool *may_nomem) {
    *may_nomem = false;
    if (p == 0) return GOMEM_ERR_INVALID_ARGUMENT;
    if (n == 0) return GOMEM_ERR_INVALID_SIZE;
    const arena_rec *ar = model_arena_at(w, p);
    if (ar == NULL) return GOMEM_ERR_FOREIGN_POINTER;
    if (n > ar->base + ar->size - p) return GOMEM_ERR_OUT_OF_RANGE;
    if (!all_live(w, p, n)) return GOMEM_ERR_DOUBLE_FREE;
    /* Spans are never merged, so a range in one allocation lies in one span. */
    size_t first = span_search(w, p);
    if (GOMEM_HARDENED && p + n > w->spans[first].start + w->spans[first].len)
        return GOMEM_ERR_SPANS_ALLOCATIONS;
    bool free_before = p > ar->base && !is_live(w, p - 1);
    bool free_after = p + n < ar->base + ar->size && !is_live(w, p + n);
    *may_nomem = w->limited && !free_before && !free_after;
    return GOMEM_OK;
}

/* Apply a free the allocator accepted: drop the bytes, and the dedicated region they emptied. */
MODEL_CODE static void model_free(world *w, uintptr_t p, size_t n) {
    remove_range(w, p, n);
    w->total_free += n;
    const arena_rec *ar = model_arena_at(w, p);
    if (ar && ar->dedicated && live_in(w, ar) == 0) {
        size_t at = (size_t)(ar - w->arenas);
        memmove(&w->arenas[at], &w->arenas[at + 1], (w->arena_count - at - 1) * sizeof(arena_rec));
        w->arena_count--;
    }
}

/* Free through the allocator and check the answer against the model. */
static gomem_status checked_free(world *w, void *ptr, size_t n, const char *what) {
    bool may_nomem;
    gomem_status want = expect_free(w, (uintptr_t)ptr, n, &may_nomem);
    if (want == GOMEM_OK) check_range_bytes(w, (uintptr_t)ptr, n);
    gomem_status got = gomem_free(w->a, ptr, n);
    if (got == GOMEM_ERR_NOMEM && may_nomem) want = got;
    if (got != want)
        FAIL("%s: free(%p, %zu) returned %s, expected %s", what, ptr, n, gomem_status_name(got),
             gomem_status_name(want));
    if (got == GOMEM_OK) model_free(w, (uintptr_t)ptr, n);
    return got;
}

/* After an operation that may add or release arenas: take the allocator's table as the model's.
 * The table lists arenas in the order they were added (its contract), so one merge of the two
 * lists finds what went and what came: an arena that went must have held no live byte, and one
 * that came must overlap no arena of the model. */
MODEL_CODE static void adopt_arenas(world *w) {
    static arena_snapshot snap;
    snapshot(w, &snap);
    size_t kept = 0;
    for (size_t i = 0; i < w->arena_count; i++) {
        if (kept < snap.count && snap.list[kept].base == w->arenas[i].base &&
            snap.list[kept].size == w->arenas[i].size) {
            kept++;
            continue;
        }
        if (live_in(w, &w->arenas[i]) != 0)
            FAIL("arena %p (%zu bytes) released with %zu live bytes, or the table is out of the "
                 "order arenas were added in", (void *)w->arenas[i].base, w->arenas[i].size,
                 live_in(w, &w->arenas[i]));
    }
    for (size_t j = kept; j < snap.count; j++)
        for (size_t i = 0; i < j; i++)
            if (snap.list[i].base < snap.list[j].base + snap.list[j].size &&
                snap.list[j].base < snap.list[i].base + snap.list[i].size)
                FAIL("new arena %zu [%p, +%zu) overlaps arena %zu", j, (void *)snap.list[j].base,
                     snap.list[j].size, i);
    memcpy(w->arenas, snap.list, snap.count * sizeof(arena_rec));
    w->arena_count = snap.count;
}

/* The statistics against the model: after every operation. O(arenas). */
MODEL_CODE static void compare_stats(world *w) {
    gomem_stats st;
    gomem_allocator_stats(w->a, &st);
    size_t footprint = 0;
    for (size_t i = 0; i < w->arena_count; i++) footprint += w->arenas[i].size;
    if (st.live != w->live_bytes) FAIL("stats.live %zu, model %zu", st.live, w->live_bytes);
    if (st.total_malloc != w->total_malloc || st.total_free != w->total_free)
        FAIL("totals %llu/%llu, model %llu/%llu", (unsigned long long)st.total_malloc,
             (unsigned long long)st.total_free, (unsigned long long)w->total_malloc,
             (unsigned long long)w->total_free);
    if (st.footprint != footprint) FAIL("footprint %zu, the model's arenas add up to %zu", st.footprint, footprint);
    if (st.arena_count != w->arena_count)
        FAIL("stats.arena_count %zu, the model has %zu", st.arena_count, w->arena_count);
    if (st.peak_footprint < st.footprint || st.peak_footprint < w->peak_footprint)
        FAIL("peak footprint %zu went down or below footprint %zu", st.peak_footprint, st.footprint);
    w->peak_footprint = st.peak_footprint;
}

/* Everything: the arena table entry by entry, each arena's free bytes, the invariants. */
MODEL_CODE static void compare(world *w, bool arenas_may_change) {
    static arena_snapshot snap;
    if (!gomem_allocator_invariants_hold(w->a)) FAIL("gomem_allocator_invariants_hold is false");
    if (arenas_may_change) adopt_arenas(w);
    snapshot(w, &snap);
    if (snap.count != w->arena_count)
        FAIL("%zu arenas, the model expects %zu", snap.count, w->arena_count);
    size_t in_arenas = 0;
    for (size_t i = 0; i < snap.count; i++) {
        const arena_rec *got = &snap.list[i], *want = &w->arenas[i];
        if (got->base != want->base || got->size != want->size || got->dedicated != want->dedicated)
            FAIL("arena %zu is %p/%zu/%d, the model expects %p/%zu/%d", i, (void *)got->base,
                 got->size, got->dedicated, (void *)want->base, want->size, want->dedicated);
        size_t live = live_in(w, got);
        if (got->free_bytes != got->size - live)
            FAIL("arena %p reports %zu free bytes, the model %zu", (void *)got->base,
                 got->free_bytes, got->size - live);
        if (got->dedicated && live == 0) FAIL("an empty dedicated region was kept");
        in_arenas += live;
    }
    if (in_arenas != w->live_bytes) FAIL("%zu live bytes lie outside every arena", w->live_bytes - in_arenas);
    compare_stats(w);
}

/* ---- operations ---------------------------------------------------------------------------- */

static size_t pick_size(world *w, stream *s) {
    size_t max = w->options.max_block_size;
    uint16_t v = next_u16(s);
    switch (next_u8(s) % 8) {
    case 0: return (size_t)v % 16 + 1;
    case 1: return max - 16 + (size_t)v % 33;                  /* around the largest arena */
    case 2: return max + 1 + (size_t)v % (2 * max);           /* a dedicated region */
    case 3: return (size_t)v % max + 1;
    default: return (size_t)v % 512 + 1;
    }
}

static bool room_for(const world *w, size_t n) {
    return w->span_count + 4 < MAX_SPANS && w->live_bytes + n <= w->live_cap;
}

static void check_fresh(world *w, uint8_t *p, size_t n, const char *what) {
    if ((uintptr_t)p % w->alignment != 0)
        FAIL("%s(%zu) = %p is not aligned to %zu", what, n, (void *)p, w->alignment);
    if (!gomem_allocator_owns(w->a, p, n)) FAIL("%s(%zu) = %p not owned by the allocator", what, n, (void *)p);
}

static void do_malloc(world *w, stream *s) {
    size_t n = pick_size(w, s);
    if (!room_for(w, n)) return;
    uint8_t *p = gomem_alloc(w->a, n);
    if (p == NULL) {
        if (!w->limited) FAIL("malloc(%zu) failed with no page limit", n);
        adopt_arenas(w); /* a failed growth may still have trimmed empty arenas */
        return;
    }
    check_fresh(w, p, n, "malloc");
    uint8_t tag = take_tag(w);
    adopt_arenas(w);
    add_span(w, (uintptr_t)p, n, tag);
    memset(p, tag, n);
    w->total_malloc += n;
}

/* A live span, chosen by the input; false when nothing is live. */
static bool pick_span(const world *w, stream *s, span *out) {
    if (w->span_count == 0) return false;
    *out = w->spans[next_u16(s) % w->span_count];
    return true;
}

static void do_free_piece(world *w, stream *s) {
    span sp;
    if (!pick_span(w, s, &sp)) return;
    size_t cut = next_u16(s) % sp.len, piece = next_u16(s) % (sp.len - cut) + 1;
    uintptr_t p = sp.start;
    size_t n = sp.len;
    switch (next_u8(s) % 4) {
    case 0: break;                                /* whole */
    case 1: n = cut ? cut : sp.len; break;        /* head */
    case 2: p += cut; n = sp.len - cut; break;    /* tail */
    default: p += cut; n = piece; break;          /* middle: may need a node */
    }
    checked_free(w, (void *)p, n, "segmented free");
}

/* Several adjacent allocations freed as one range: legal, and indistinguishable from one. */
static void do_free_across(world *w, stream *s) {
    if (w->span_count == 0) return;
    size_t i = next_u16(s) % w->span_count, j = i;
    size_t extra = next_u8(s) % 4;
    while (extra-- > 0 && j + 1 < w->span_count &&
           w->spans[j].start + w->spans[j].len == w->spans[j + 1].start)
        j++;
    uintptr_t p = w->spans[i].start;
    size_t n = w->spans[j].start + w->spans[j].len - p;
    checked_free(w, (void *)p, n, "free across allocations");
}

static void do_free_rest(world *w, stream *s) {
    span sp;
    if (!pick_span(w, s, &sp)) return;
    size_t keep = next_u16(s) % (sp.len + 2); /* keep >= size included: a no-op */
    size_t size = sp.len;
    bool may_nomem = false;
    gomem_status want =
        keep >= sp.len ? GOMEM_OK : expect_free(w, sp.start + keep, sp.len - keep, &may_nomem);
    check_range_bytes(w, sp.start, sp.len);
    gomem_status got = gomem_free_rest(w->a, (void *)sp.start, &size, keep);
    if (got == GOMEM_ERR_NOMEM && may_nomem) want = got;
    if (got != want)
        FAIL("free_rest(%p, %zu, keep %zu) returned %s, expected %s", (void *)sp.start, sp.len, keep,
             gomem_status_name(got), gomem_status_name(want));
    size_t want_size = got == GOMEM_OK && keep < sp.len ? keep : sp.len;
    if (size != want_size) FAIL("free_rest left *size %zu, expected %zu", size, want_size);
    if (got == GOMEM_OK && keep < sp.len) model_free(w, sp.start + keep, sp.len - keep);
}

/* Free a live piece, then free it again whole or in part: the second must be refused. */
static void do_double_free(world *w, stream *s) {
    span sp;
    if (!pick_span(w, s, &sp)) return;
    size_t cut = next_u16(s) % sp.len, piece = next_u16(s) % (sp.len - cut) + 1;
    uintptr_t p = sp.start + cut;
    if (checked_free(w, (void *)p, piece, "first free") != GOMEM_OK) return;
    switch (next_u8(s) % 4) {
    case 0: checked_free(w, (void *)p, piece, "double free, same range"); break;
    case 1: checked_free(w, (void *)sp.start, sp.len, "double free, whole allocation"); break;
    case 2: /* straddles the freed piece's end into live bytes */
        checked_free(w, (void *)(p + piece - 1), 2, "double free, straddling");
        break;
    default: checked_free(w, (void *)(p + piece / 2), 1, "double free, one byte"); break;
    }
}

/* Ranges that start inside an arena and run past its end, or start just outside one. */
static void do_edge_free(world *w, stream *s) {
    if (w->arena_count == 0) return;
    const arena_rec ar = w->arenas[next_u8(s) % w->arena_count];
    uintptr_t end = ar.base + ar.size;
    size_t k = (size_t)next_u8(s) % 64 + 1;
    switch (next_u8(s) % 5) {
    case 0: checked_free(w, (void *)(end - k), k + 1 + next_u8(s), "past the arena end"); break;
    case 1: checked_free(w, (void *)end, 1 + next_u8(s) % 16u, "just past an arena"); break;
    case 2: checked_free(w, (void *)(ar.base - 1), 1 + next_u8(s) % 16u, "just before an arena"); break;
    case 3: checked_free(w, (void *)ar.base, SIZE_MAX, "SIZE_MAX bytes"); break;
    default: checked_free(w, (void *)(end - k), SIZE_MAX - 4096, "huge size"); break;
    }
    /* owns agrees with the model's table for the same kind of pointers. */
    uintptr_t probe = next_u8(s) & 1 ? end - k : end;
    size_t n = k;
    const arena_rec *hold = model_arena_at(w, probe);
    bool want = hold && n <= hold->base + hold->size - probe;
    if (gomem_allocator_owns(w->a, (void *)probe, n) != want)
        FAIL("owns(%p, %zu) is %d, the model says %d", (void *)probe, n, !want, want);
}

static void do_foreign_free(world *w, stream *s) {
    uint8_t local[16] = {0};
    void *p;
    switch (next_u8(s) % 6) {
    case 0: p = local + next_u8(s) % 16; break;
    case 1: p = global_bytes + next_u8(s) % 64; break;
    case 2: p = w->heap_block; break;
    case 3: p = w->other_block; break;
    case 4: p = NULL; break;
    default: { /* zero sizes and free_rest's argument checks */
        span sp;
        if (!pick_span(w, s, &sp)) return;
        checked_free(w, (void *)sp.start, 0, "zero size");
        if (gomem_free_rest(w->a, (void *)sp.start, NULL, 0) != GOMEM_ERR_INVALID_ARGUMENT)
            FAIL("free_rest with a NULL size pointer was not refused");
        /* keep >= size is a no-op, whatever the pointer. */
        size_t size = 4;
        if (gomem_free_rest(w->a, local, &size, 4 + next_u8(s) % 4) != GOMEM_OK || size != 4)
            FAIL("free_rest keeping everything was not a no-op");
        return;
    }
    }
    checked_free(w, p, (size_t)next_u8(s) % 8 + 1, "foreign pointer");
    /* The other allocator must refuse our memory just as well. */
    span sp;
    if (pick_span(w, s, &sp) &&
        gomem_free(w->other, (void *)sp.start, sp.len) != GOMEM_ERR_FOREIGN_POINTER)
        FAIL("another allocator accepted a free of this allocator's memory");
    if (p != NULL && gomem_allocator_owns(w->a, p, 1)) FAIL("owns() claims a foreign pointer");
}

static void do_borrow(world *w, stream *s) {
    size_t n = pick_size(w, s);
    uint8_t *p = gomem_borrow(w->a, n);
    adopt_arenas(w);
    if (n > w->options.max_block_size) {
        if (p != NULL) FAIL("borrow(%zu) above max_block_size returned a pointer", n);
        return;
    }
    if (p == NULL) {
        if (!w->limited) FAIL("borrow(%zu) failed with no page limit", n);
        return;
    }
    check_fresh(w, p, n, "borrow");
    if (any_live(w, (uintptr_t)p, n)) FAIL("borrow(%zu) = %p overlaps live bytes", n, (void *)p);
    memset(p, 0xEE, n); /* the caller may write there; no live byte may change */
}

typedef struct reader_ctx {
    size_t fill;
    gomem_status status;
    uint8_t tag;
} reader_ctx;

static gomem_status fill_bytes(void *context, void *dest, size_t capacity, size_t *filled) {
    reader_ctx *rc = context;
    memset(dest, rc->tag, rc->fill < capacity ? rc->fill : capacity);
    *filled = rc->fill;
    return rc->status;
}

static void do_read_into(world *w, stream *s) {
    size_t n = pick_size(w, s);
    if (!room_for(w, n)) return;
    reader_ctx rc = {0, GOMEM_OK, take_tag(w)};
    uint8_t how = next_u8(s);
    rc.fill = how % 4 == 0 ? 0 : how % 4 == 1 ? n : (size_t)next_u16(s) % (n + 1);
    if (how % 16 == 5) rc.fill = n + 1;                /* claims more than it was given */
    if (how % 16 == 6) rc.status = GOMEM_ERR_END_OF_DATA; /* the source fails */
    void *out = (void *)1;
    size_t out_len = 12345;
    gomem_status got = gomem_read_into(w->a, n, fill_bytes, &rc, &out, &out_len);
    adopt_arenas(w);
    if (got == GOMEM_ERR_NOMEM && w->limited) return;
    gomem_status want = rc.status != GOMEM_OK ? rc.status
                        : rc.fill > n         ? GOMEM_ERR_INVALID_SIZE
                                              : GOMEM_OK;
    if (got != want)
        FAIL("read_into(%zu, fill %zu) returned %s, expected %s", n, rc.fill, gomem_status_name(got),
             gomem_status_name(want));
    /* The whole buffer counted as allocated, the unfilled part as freed again. */
    w->total_malloc += n;
    w->total_free += n;
    if (got != GOMEM_OK || rc.fill == 0) {
        if (out != NULL || out_len != 0) FAIL("read_into left out=%p len=%zu with nothing kept", out, out_len);
        return;
    }
    if (out_len != rc.fill) FAIL("read_into kept %zu bytes, the source filled %zu", out_len, rc.fill);
    check_fresh(w, out, out_len, "read_into");
    add_span(w, (uintptr_t)out, out_len, rc.tag);
    w->total_free -= out_len;
}

/* gomem_allocator_resize as a list's array would use it: shrink in place, grow by moving. */
static void do_resize(world *w, stream *s) {
    span sp;
    if (!pick_span(w, s, &sp)) return;
    check_range_bytes(w, sp.start, sp.len);
    size_t new_bytes = next_u8(s) % 4 == 0 ? 0 : (size_t)next_u16(s) % (2 * sp.len + 64) + 1;
    if (new_bytes > sp.len && !room_for(w, new_bytes)) return;
    if (new_bytes == 0) {
        bool may_nomem;
        gomem_status want = expect_free(w, sp.start, sp.len, &may_nomem);
        void *r = gomem_allocator_resize(w->a, (void *)sp.start, sp.len, 0);
        if (r != NULL) FAIL("resize to 0 returned a pointer");
        /* The status is not reported: whether the bytes went back shows in the totals. */
        gomem_stats st;
        gomem_allocator_stats(w->a, &st);
        bool freed = st.total_free != w->total_free;
        if (freed != (want == GOMEM_OK) && !(may_nomem && !freed))
            FAIL("resize to 0 %s the block, the model expected %s", freed ? "freed" : "kept",
                 gomem_status_name(want));
        if (freed) model_free(w, sp.start, sp.len);
        return;
    }
    if (new_bytes <= sp.len) {
        bool may_nomem = false;
        gomem_status want =
            new_bytes == sp.len ? GOMEM_OK : expect_free(w, sp.start + new_bytes, sp.len - new_bytes, &may_nomem);
        void *r = gomem_allocator_resize(w->a, (void *)sp.start, sp.len, new_bytes);
        if (r == NULL && may_nomem) return;
        if ((r != NULL) != (want == GOMEM_OK) || (r != NULL && r != (void *)sp.start))
            FAIL("shrinking %p from %zu to %zu returned %p (expected %s in place)", (void *)sp.start,
                 sp.len, new_bytes, r, gomem_status_name(want));
        if (new_bytes < sp.len) model_free(w, sp.start + new_bytes, sp.len - new_bytes);
        return;
    }
    uint8_t *r = gomem_allocator_resize(w->a, (void *)sp.start, sp.len, new_bytes);
    if (r == NULL) {
        if (!w->limited) FAIL("growing to %zu failed with no page limit", new_bytes);
        /* A move undone because the old block's free was refused took the new block and gave
         * it back: both totals count it, and nothing else changed. */
        gomem_stats st;
        gomem_allocator_stats(w->a, &st);
        if (st.total_malloc == w->total_malloc + new_bytes &&
            st.total_free == w->total_free + new_bytes) {
            w->total_malloc += new_bytes;
            w->total_free += new_bytes;
        }
        adopt_arenas(w);
        return;
    }
    check_fresh(w, r, new_bytes, "resize");
    /* The old bytes were copied before the old block was freed. */
    for (size_t i = 0; i < sp.len; i++)
        if (r[i] != sp.tag) FAIL("resize did not copy byte %zu", i);
    w->total_malloc += new_bytes;
    model_free(w, sp.start, sp.len);
    adopt_arenas(w);
    memset(r + sp.len, sp.tag, new_bytes - sp.len);
    add_span(w, (uintptr_t)r, new_bytes, sp.tag);
}

static void do_trim(world *w) {
    size_t empty = 0;
    for (size_t i = 0; i < w->arena_count; i++)
        if (live_in(w, &w->arenas[i]) == 0) empty += w->arenas[i].size;
    size_t released = gomem_trim(w->a);
    if (released != empty) FAIL("trim released %zu bytes, the empty arenas hold %zu", released, empty);
    adopt_arenas(w);
    for (size_t i = 0; i < w->arena_count; i++)
        if (live_in(w, &w->arenas[i]) == 0) FAIL("trim kept an empty arena");
}

static void do_recycle_allocator(world *w) {
    check_all_bytes(w);
    gomem_allocator_recycle(w->a);
    w->span_count = 0;
    w->live_bytes = 0;
    w->arena_count = 0;
    w->total_malloc = w->total_free = 0;
    /* The recyclable memory's buffers now dangle; its recycle will be judged by the model. */
}

static void set_limit(world *w, stream *s) {
    uint8_t v = next_u8(s);
    if (v % 4 == 0) {
        gomem_set_page_limit(0);
        w->limited = false;
    } else {
        gomem_set_page_limit(gomem_page_bytes_held() + (size_t)(v % 8) * 4096u + 1u);
        w->limited = true;
    }
}

/* Many allocations, then every other one freed: enough free blocks to outgrow a page of index
 * nodes, and (with larger pieces) enough arenas to outgrow a page of arena table. */
static void do_comb(world *w, stream *s) {
    size_t count = (size_t)next_u8(s) % 64 + 1; /* with earlier combs, enough for both */
    uint8_t v = next_u8(s);
    size_t size = v & 1 ? (size_t)v % 8 + 1 : (size_t)v * 8 % (w->options.max_block_size / 2) + 1;
    uintptr_t made[256];
    size_t made_count = 0;
    for (size_t i = 0; i < count && room_for(w, size); i++) {
        uint8_t *p = gomem_alloc(w->a, size);
        if (p == NULL) {
            if (!w->limited) FAIL("malloc(%zu) failed with no page limit", size);
            break;
        }
        check_fresh(w, p, size, "malloc");
        uint8_t tag = take_tag(w);
        adopt_arenas(w);
        add_span(w, (uintptr_t)p, size, tag);
        memset(p, tag, size);
        w->total_malloc += size;
        made[made_count++] = (uintptr_t)p;
    }
    for (size_t i = 0; i < made_count; i += 2) checked_free(w, (void *)made[i], size, "comb free");
}

/* ---- recyclable memory --------------------------------------------------------------------- */

static void rm_push_model(world *w, void *data, size_t len, bool recorded) {
    w->rm_list[w->rm_count++] = (rm_entry){(uintptr_t)data, len, recorded};
}

MODEL_CODE static void check_rm_list(const world *w) {
    if (w->rm.memory.count != w->rm_count)
        FAIL("recyclable list has %zu buffers, the model %zu", w->rm.memory.count, w->rm_count);
    size_t total = 0;
    for (size_t i = 0; i < w->rm_count; i++) {
        if ((uintptr_t)w->rm.memory.buffers[i].data != w->rm_list[i].data ||
            w->rm.memory.buffers[i].len != w->rm_list[i].len)
            FAIL("recyclable buffer %zu differs from the model", i);
        total += w->rm_list[i].len;
    }
    if (w->rm.memory.size != total) FAIL("recyclable size %zu, model %zu", w->rm.memory.size, total);
    if (w->rm_indexes && w->rm.recycle_indexes == NULL) FAIL("recycle indexes vanished");
}

static void do_rm_next(world *w, stream *s) {
    size_t n = next_u8(s) % 8 == 0 ? 0 : pick_size(w, s);
    if (!room_for(w, n) || w->rm_count == MAX_RM) return;
    uint8_t *p = gomem_recyclable_next_n(&w->rm, n);
    adopt_arenas(w);
    if (n == 0) {
        if (p != NULL) FAIL("next_n(0) returned a pointer");
        return;
    }
    if (p == NULL) {
        if (!w->limited) FAIL("next_n(%zu) failed with no page limit", n);
        return;
    }
    rm_push_model(w, p, n, true);
    if (w->rm_bypass) return; /* a C heap block: ASan watches it, the model does not */
    check_fresh(w, p, n, "next_n");
    uint8_t tag = take_tag(w);
    add_span(w, (uintptr_t)p, n, tag);
    memset(p, tag, n);
    w->total_malloc += n;
}

/* Hand a live allocation over to the recyclable memory. */
static void do_rm_add(world *w, stream *s) {
    span sp;
    if (w->rm_bypass || w->rm_count == MAX_RM || !pick_span(w, s, &sp)) return;
    gomem_status got = gomem_recyclable_add_recycle_bytes(&w->rm, (void *)sp.start, sp.len);
    if (got != GOMEM_OK) FAIL("add_recycle_bytes returned %s", gomem_status_name(got));
    rm_push_model(w, (void *)sp.start, sp.len, true);
    if (gomem_recyclable_add_recycle_bytes(&w->rm, NULL, 1) != GOMEM_ERR_INVALID_ARGUMENT)
        FAIL("add_recycle_bytes(NULL, 1) was not refused");
}

/* A buffer pushed straight onto the list: not recorded, so left alone once indexes are on, and
 * (a misuse) given to the allocator by recycle otherwise. */
static void do_rm_push_foreign(world *w, stream *s) {
    if (w->rm_count == MAX_RM) return;
    if (!w->rm_indexes && w->rm_bypass) return; /* recycle would free() a static buffer */
    uint8_t *p = global_bytes + next_u8(s) % 32;
    size_t n = (size_t)next_u8(s) % 32;
    if (gomem_memory_push_one(&w->rm.memory, n ? p : NULL, n) != GOMEM_OK) FAIL("push_one failed");
    rm_push_model(w, n ? p : NULL, n, false);
}

static void do_rm_indexes(world *w, stream *s) {
    size_t max = next_u8(s) % 8;
    /* Buffers pushed before the indexes exist are never freed by recycle; in GOMEM_DISABLE_RM
     * builds they are C heap blocks, which would then leak. */
    if (w->rm_bypass && !w->rm_indexes && w->rm_count > 0) return;
    gomem_status got = gomem_recyclable_init_recycle_indexes(&w->rm, max);
    if (got != GOMEM_OK) FAIL("init_recycle_indexes returned %s", gomem_status_name(got));
    if (!w->rm_indexes) {
        /* Buffers pushed before are not recorded: only later ones are. */
        for (size_t i = 0; i < w->rm_count; i++) w->rm_list[i].recorded = false;
        w->rm_indexes = true;
    }
}

static void do_rm_recycle(world *w) {
    check_all_bytes(w);
    /* Each free inside recycle is unobservable on its own, so lift the page limit: then every
     * status is exactly predictable and the first error is the one to expect. */
    size_t limit = gomem_page_limit();
    bool limited = w->limited;
    gomem_set_page_limit(0);
    w->limited = false;
    gomem_status want = GOMEM_OK;
    for (size_t i = 0; i < w->rm_count; i++) {
        const rm_entry *e = &w->rm_list[i];
        if ((w->rm_indexes && !e->recorded) || e->len == 0) continue;
        if (w->rm_bypass && e->recorded) continue; /* C heap: given back to free() */
        bool may_nomem;
        gomem_status st = expect_free(w, e->data, e->len, &may_nomem);
        if (st == GOMEM_OK) model_free(w, e->data, e->len);
        if (want == GOMEM_OK) want = st;
    }
    gomem_status got = gomem_recyclable_recycle(&w->rm);
    gomem_set_page_limit(limit);
    w->limited = limited;
    if (got != want)
        FAIL("recyclable recycle returned %s, expected %s", gomem_status_name(got), gomem_status_name(want));
    w->rm_count = 0;
}

/* ---- the driver ---------------------------------------------------------------------------- */

static void run_ops(world *w, stream *s) {
    for (op_number = 0; op_number < MAX_OPS && s->at < s->size; op_number++) {
        bool arenas_may_change = false;
        uint8_t op = next_u8(s);
        /* A free inside a span splits it in two; near the model's capacity only whole spans are
         * freed, until there is room again. */
        if (w->span_count + 8 >= MAX_SPANS) op = 4;
        switch (op % 27) {
        case 0:
        case 1:
        case 2:
        case 3: do_malloc(w, s); break;
        case 4:
        case 5: {
            span sp;
            if (pick_span(w, s, &sp)) checked_free(w, (void *)sp.start, sp.len, "free");
            break;
        }
        case 6: do_free_piece(w, s); break;
        case 7: do_free_rest(w, s); break;
        case 8: do_free_across(w, s); break;
        case 9:
        case 10: do_double_free(w, s); break;
        case 11: do_edge_free(w, s); break;
        case 12:
        case 13: do_foreign_free(w, s); break;
        case 14: do_borrow(w, s); break;
        case 15: do_read_into(w, s); break;
        case 16: do_trim(w); break;
        case 17: do_recycle_allocator(w); arenas_may_change = true; break;
        case 18:
        case 19: do_rm_next(w, s); break;
        case 20: do_rm_add(w, s); break;
        case 21: do_rm_push_foreign(w, s); break;
        case 22: do_rm_indexes(w, s); break;
        case 23: do_rm_recycle(w); break;
        case 24: do_resize(w, s); break;
        case 25: set_limit(w, s); break;
        default: do_comb(w, s); break;
        }
        if (arenas_may_change) adopt_arenas(w);
        if (op_number % FULL_COMPARE_EVERY == FULL_COMPARE_EVERY - 1)
            compare(w, false);
        else
            compare_stats(w);
        check_rm_list(w);
    }
}

static const size_t initial_choices[] = {0, 1, 4096, 5000, 8192, 16384};
static const size_t max_block_choices[] = {4096, 4097, 8192, 12288, 16384, 65536};
static const size_t alignment_choices[] = {0, 1, 8, 16, 64, 4096};

/* Options the contract says must be refused (before anything is allocated). */
static void check_bad_options(void) {
    static const gomem_allocator_options bad[] = {
        {.alignment = 3},
        {.alignment = GOMEM_MAX_ALIGNMENT * 2},
        {.max_block_size = 100},
        {.max_block_size = GOMEM_ARENA_LIMIT + 1},
        {.initial_size = GOMEM_ARENA_LIMIT + 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gomem_allocator *a = gomem_allocator_create_ex(&bad[i], NULL);
        if (a != NULL) FAIL("bad options %zu accepted", i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static world w; /* large: static, but fully re-initialised for every input */
    stream s = {data, size, 0};
    size_t held_at_start = gomem_page_bytes_held();
    gomem_set_page_limit(0);
    memset(&w, 0, sizeof w);
    op_number = 0;
    w.next_tag = 1;
    w.rm_bypass = (gomem_features() & GOMEM_FEATURE_DISABLE_RM) != 0;
    check_bad_options();

    w.options.initial_size = initial_choices[next_u8(&s) % 6];
    w.options.max_block_size = max_block_choices[next_u8(&s) % 6];
    w.options.alignment = alignment_choices[next_u8(&s) % 6];
    w.live_cap = live_cap_choices[next_u8(&s) % 8];
    /* Buddy builds: a pool of this input's own, so the process-wide pool (which keeps its pages
     * for reuse) does not hide leaks. */
    gomem_buddy *buddy = NULL;
    if (gomem_features() & GOMEM_FEATURE_BUDDY) {
        buddy = gomem_buddy_create((size_t)1 << (16 + next_u8(&s) % 3));
        if (buddy == NULL) FAIL("gomem_buddy_create failed");
        w.options.buddy = buddy;
    }
    w.alignment = w.options.alignment ? w.options.alignment : GOMEM_DEFAULT_ALIGNMENT;
    w.a = gomem_allocator_create_ex(&w.options, NULL);
    if (w.a == NULL) FAIL("create_ex failed for valid options");
    /* The allocator rounds max_block_size to pages; the model sizes requests from that. */
    if (w.options.max_block_size % 4096) w.options.max_block_size += 4096 - w.options.max_block_size % 4096;
    if (gomem_alloc(w.a, 0) != NULL || gomem_alloc(w.a, GOMEM_ARENA_LIMIT + 1) != NULL ||
        gomem_alloc(w.a, SIZE_MAX) != NULL || gomem_borrow(w.a, 0) != NULL)
        FAIL("a zero or oversized request returned a pointer");
    void *out = NULL;
    size_t out_len = 0;
    if (gomem_read_into(w.a, 0, fill_bytes, NULL, &out, &out_len) != GOMEM_ERR_INVALID_SIZE ||
        gomem_read_into(w.a, 8, NULL, NULL, &out, &out_len) != GOMEM_ERR_INVALID_ARGUMENT)
        FAIL("read_into accepted a zero size or a NULL callback");
    gomem_allocator_options other_options = {.initial_size = 4096, .buddy = buddy};
    w.other = gomem_allocator_create_ex(&other_options, NULL);
    w.other_block = w.other ? gomem_alloc(w.other, 64) : NULL;
    if (w.other_block == NULL) FAIL("second allocator failed");
    w.heap_block = malloc(32);
    if (w.heap_block == NULL) FAIL("malloc failed");
    gomem_recyclable_init(&w.rm, w.a, NULL, NULL);
    adopt_arenas(&w);
    compare_stats(&w);

    run_ops(&w, &s);
    compare(&w, false);

    check_all_bytes(&w);
    gomem_set_page_limit(0);
    w.limited = false;
    do_rm_recycle(&w);
    compare(&w, false);
    gomem_recyclable_destroy(&w.rm);
    gomem_allocator_destroy(w.a);
    gomem_allocator_destroy(w.other);
    gomem_buddy_destroy(buddy);
    free(w.heap_block);
    if (gomem_page_bytes_held() != held_at_start)
        FAIL("page bytes held %zu after destroying everything, %zu before the input",
             gomem_page_bytes_held(), held_at_start);
    return 0;
}
