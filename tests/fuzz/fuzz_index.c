/*
 * fuzz_index.c - libFuzzer target for the free-block index and the standalone arena.
 *
 * The input drives one index (or one arena, chosen by the first byte) through allocate, find,
 * whole and segmented frees, frees of arbitrary and already-free ranges, reset, walks and a page
 * budget that makes node growth fail. A shadow byte map says, for every offset, whether it is free
 * (0) or which allocation holds it (a tag). From the map alone this file predicts every status
 * and where the index must place every allocation, by the rule of the index compiled in (read from
 * gomem_features()): the treap (neither index bit) is address-ordered first fit and
 * GOMEM_FEATURE_TWOTREE best fit, both predicted to the byte; the default index
 * (GOMEM_FEATURE_TLSF) is good fit, whose choice among the blocks depends on its class lists, so
 * any legal fit is accepted there: the first aligned byte of a free run that holds the request.
 * Under every rule gomem_index_find must name the offset the next gomem_index_alloc with the same
 * arguments takes, and NOMEM is right only when no free run holds the request once aligned (or,
 * under a page limit, when the fit needs a node for its alignment gap). After every operation the
 * index's walk, counters and gomem_index_invariants_hold must agree with the model. In arena mode
 * the tags are also written into the arena's real bytes, so an allocation handed out twice shows
 * up as overwritten bytes.
 *
 * Deterministic: nothing survives between inputs. The page limit is restored, every object is
 * destroyed, and gomem_page_bytes_held() must be back where it started (a leak check).
 * Any disagreement prints what differed and traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FUZZ_NAME "fuzz_index"
#include "fuzz_common.h"

#define MAX_INDEX_SIZE 8192u   /* index mode */
#define MAX_ARENA_REQUEST 12000u /* arena mode: up to three 4 KiB pages after rounding */
#define MAP_SIZE 16384u        /* shadow capacity: covers both modes (arena pages are >= 4 KiB) */
#define MAX_OPS 512
/* The whole model is compared with the index (walk, invariants, largest block) every this many
 * operations and at the end of the input; after each operation only what changes in O(1): the
 * free bytes, the number of free blocks and the size. A corruption shows up within these steps,
 * and the statuses and offsets of every call are still checked one by one. */
#define FULL_COMPARE_EVERY 16u

/* ---- the shadow model ---------------------------------------------------------------------- */

/* Where an allocation may go, by the index compiled in. */
typedef enum fit_rule {
    FIT_FIRST, /* the treap: address-ordered first fit, predicted exactly */
    FIT_BEST,  /* GOMEM_FEATURE_TWOTREE: best fit, predicted exactly */
    FIT_ANY    /* GOMEM_FEATURE_TLSF: good fit; any legal offset */
} fit_rule;

typedef struct model {
    uint16_t owner[MAP_SIZE]; /* 0: free; otherwise the tag of the allocation holding the byte */
    /* Bit k set: byte k is free. Bits at and past `size` are clear, so a scan for a taken byte
     * stops at the end by itself. The runs of free bytes are found a word at a time. */
    uint64_t free_bits[MAP_SIZE / 64];
    size_t size;             /* offsets [0, size) exist */
    size_t free_bytes;       /* kept as bytes change hands: compared after every operation */
    size_t free_runs;
    fit_rule rule;
    bool limited;            /* a page limit is set, so node growth may fail */
    uint16_t next_tag;
} model;

MODEL_CODE static bool is_free(const model *md, size_t at) {
    return at < md->size && (md->free_bits[at / 64] >> (at % 64) & 1) != 0;
}

/* The first byte at or after `at` whose free bit equals `want_free`, or md->size. */
MODEL_CODE static size_t scan_up(const model *md, size_t at, bool want_free) {
    if (at >= md->size) return md->size;
    size_t word = at / 64;
    uint64_t bits = want_free ? md->free_bits[word] : ~md->free_bits[word];
    bits &= ~(uint64_t)0 << (at % 64);
    while (bits == 0) {
        if (++word == MAP_SIZE / 64) return md->size;
        bits = want_free ? md->free_bits[word] : ~md->free_bits[word];
    }
    size_t found = word * 64 + (size_t)__builtin_ctzll(bits);
    return found < md->size ? found : md->size;
}

MODEL_CODE static size_t next_free(const model *md, size_t at) { return scan_up(md, at, true); }
MODEL_CODE static size_t next_taken(const model *md, size_t at) { return scan_up(md, at, false); }

/* The first byte of the free run holding free byte `at`. */
MODEL_CODE static size_t run_start(const model *md, size_t at) {
    size_t word = at / 64;
    uint64_t taken = ~md->free_bits[word] & ((at % 64) ? ~(uint64_t)0 >> (64 - at % 64) : 0);
    while (taken == 0) {
        if (word-- == 0) return 0;
        taken = ~md->free_bits[word];
    }
    return word * 64 + 63 - (size_t)__builtin_clzll(taken) + 1;
}

/* Give [offset, offset + size) to `tag` (0: make it free), keeping the bits and counters. */
MODEL_CODE static void model_set(model *md, size_t offset, size_t size, uint16_t tag) {
    bool before = offset > 0 && is_free(md, offset - 1), after = is_free(md, offset + size);
    if (tag == 0) { /* all taken before: one run more, less the neighbours it joins */
        md->free_runs = md->free_runs + 1 - before - after;
        md->free_bytes += size;
    } else { /* all inside one free run before: it goes, and each free side stays a run */
        md->free_runs = md->free_runs - 1 + before + after;
        md->free_bytes -= size;
    }
    for (size_t i = offset; i < offset + size; i++) {
        md->owner[i] = tag;
        uint64_t bit = (uint64_t)1 << (i % 64);
        md->free_bits[i / 64] = tag ? md->free_bits[i / 64] & ~bit : md->free_bits[i / 64] | bit;
    }
}

/* The model of a fresh index of `size` bytes: one free run. */
MODEL_CODE static void model_reset(model *md, size_t size) {
    memset(md->owner, 0, sizeof md->owner);
    memset(md->free_bits, 0, sizeof md->free_bits);
    md->size = size;
    md->free_bytes = 0;
    md->free_runs = 0;
    model_set(md, 0, size, 0);
}

/* The free runs of the map, in address order, until `visit` returns true. */
typedef bool (*run_visitor)(void *context, size_t start, size_t end);
MODEL_CODE static void each_free_run(const model *md, run_visitor visit, void *context) {
    for (size_t start = next_free(md, 0); start < md->size;) {
        size_t end = next_taken(md, start);
        if (visit(context, start, end)) return;
        start = next_free(md, end);
    }
}

/* One search over the runs: which run a rule picks, and where the allocation starts in it. */
typedef struct fit_search {
    size_t size, alignment;
    size_t min_len; /* first fit: the lowest run at least this long */
    bool must_fit;  /* ...that also holds the request once aligned */
    bool best_fit;  /* GOMEM_TWOTREE: the shortest run that holds it, lowest on ties */
    bool found;
    size_t start, end, at;
} fit_search;

MODEL_CODE static bool consider_run(void *context, size_t start, size_t end) {
    fit_search *f = context;
    size_t aligned = (start + f->alignment - 1) & ~(f->alignment - 1);
    bool holds = aligned < end && end - aligned >= f->size;
    if (f->best_fit) {
        if (holds && (!f->found || end - start < f->end - f->start))
            *f = (fit_search){f->size, f->alignment, 0, false, true, true, start, end, aligned};
        return false;
    }
    if (end - start < f->min_len || (f->must_fit && !holds)) return false;
    f->found = true;
    f->start = start, f->end = end, f->at = aligned;
    return true; /* first fit: the lowest qualifying run */
}

/* The offset an allocation of (size, alignment) must get, or false when none fits, following the
 * contract of gomem_index_alloc. Also reports whether the fit leaves free bytes on both sides
 * (then the index needs one more node). With FIT_ANY only the answer (whether any run holds the
 * request) is binding: the offset is the first fit's, one legal choice among several. */
MODEL_CODE static bool model_fit(const model *md, size_t size, size_t alignment, size_t *offset,
                                 bool *needs_node) {
    bool best_fit = md->rule == FIT_BEST;
    fit_search f = {.size = size, .alignment = alignment, .best_fit = best_fit};
    if (best_fit) {
        each_free_run(md, consider_run, &f);
    } else {
        /* 1. the lowest run of at least `size` bytes, if it holds the request once aligned */
        f.min_len = size;
        each_free_run(md, consider_run, &f);
        bool holds = f.found && f.at < f.end && f.end - f.at >= size;
        if (!holds) {
            /* 2. the lowest run with alignment - 1 bytes to spare; 3. the lowest that holds it */
            f = (fit_search){.size = size, .alignment = alignment, .min_len = size + alignment - 1};
            each_free_run(md, consider_run, &f);
            if (!f.found) {
                f = (fit_search){.size = size, .alignment = alignment, .min_len = size,
                                 .must_fit = true};
                each_free_run(md, consider_run, &f);
            }
        }
    }
    if (f.found) {
        *offset = f.at;
        *needs_node = f.at != f.start && f.at + size != f.end;
    }
    return f.found;
}

/* Whether offset is a legal place for (size, alignment) under any rule: the first aligned byte of
 * a free run that holds every byte of the request. *needs_node: the fit leaves free bytes on both
 * sides, so taking it needs a node for the alignment gap. */
MODEL_CODE static bool model_legal(const model *md, size_t offset, size_t size, size_t alignment,
                                   bool *needs_node) {
    if (offset >= md->size || size > md->size - offset || offset % alignment != 0 ||
        !is_free(md, offset))
        return false;
    size_t start = run_start(md, offset), end = next_taken(md, offset);
    size_t aligned = (start + alignment - 1) & ~(alignment - 1);
    *needs_node = offset != start && offset + size != end;
    return offset == aligned && end - offset >= size;
}

/* Tags 1..65535 in turn (0 means free). Two neighbours share one only if one of them outlived
 * 65,535 later allocations, which no input of this length can make: hardened builds'
 * SPANS_ALLOCATIONS is then predictable from the map. */
static uint16_t take_tag(model *md) {
    uint16_t tag = md->next_tag;
    md->next_tag = (uint16_t)(md->next_tag % 65535u + 1u);
    return tag;
}

/* What gomem_index_free must answer for [offset, offset + size). *needs_node: the range touches
 * no free byte, so a new node is needed and NOMEM is a legal answer under a page limit. */
MODEL_CODE static gomem_status model_free_status(const model *md, size_t offset, size_t size,
                                                 bool *needs_node) {
    *needs_node = false;
    if (size == 0) return GOMEM_ERR_INVALID_SIZE;
    if (offset >= md->size || size > md->size - offset) return GOMEM_ERR_OUT_OF_RANGE;
    if (next_free(md, offset) < offset + size) return GOMEM_ERR_DOUBLE_FREE;
    if (GOMEM_HARDENED)
        for (size_t i = offset; i < offset + size; i++)
            if (md->owner[i] != md->owner[offset]) return GOMEM_ERR_SPANS_ALLOCATIONS;
    bool joins_before = offset > 0 && is_free(md, offset - 1);
    bool joins_after = is_free(md, offset + size);
    *needs_node = !joins_before && !joins_after;
    return GOMEM_OK;
}

/* ---- comparing the index with the model ---------------------------------------------------- */

typedef struct walk_state {
    const model *md;
    size_t cursor;  /* the model's scan position: the next free run must start at or after it */
    size_t visited;
    size_t stop_after; /* SIZE_MAX: visit everything */
    size_t largest;    /* the longest run visited */
} walk_state;

MODEL_CODE static bool check_block(void *context, gomem_block block) {
    walk_state *w = context;
    const model *md = w->md;
    size_t start = next_free(md, w->cursor);
    size_t end = next_taken(md, start);
    if (start >= md->size)
        FAIL("walk reports block [%zu, %zu) but the model has no more free bytes", block.start,
             block.end);
    if (block.start != start || block.end != end)
        FAIL("walk reports block [%zu, %zu), the model's next free run is [%zu, %zu)", block.start,
             block.end, start, end);
    w->cursor = end;
    w->visited++;
    if (end - start > w->largest) w->largest = end - start;
    return w->visited < w->stop_after;
}

/* What is O(1) to ask: after every operation. */
MODEL_CODE static void compare_counters(const gomem_index *index, const model *md) {
    if (gomem_index_block_count(index) != md->free_runs)
        FAIL("block_count %zu, model %zu", gomem_index_block_count(index), md->free_runs);
    if (gomem_index_free_size(index) != md->free_bytes)
        FAIL("free_size %zu, model %zu", gomem_index_free_size(index), md->free_bytes);
    if (gomem_index_size(index) != md->size)
        FAIL("size %zu, model %zu", gomem_index_size(index), md->size);
}

/* Everything: every free block, in order, and the index's own invariants. */
MODEL_CODE static void compare(const gomem_index *index, const model *md) {
    compare_counters(index, md);
    if (!gomem_index_invariants_hold(index)) FAIL("gomem_index_invariants_hold is false");
    walk_state w = {md, 0, 0, SIZE_MAX, 0};
    gomem_index_walk(index, check_block, &w);
    if (w.visited != md->free_runs)
        FAIL("walk visited %zu blocks, the model has %zu", w.visited, md->free_runs);
    if (gomem_index_largest_free(index) != w.largest)
        FAIL("largest_free %zu, model %zu", gomem_index_largest_free(index), w.largest);
}

/* ---- choosing arguments from the input ----------------------------------------------------- */

/* Sizes mostly small (where the interesting splits are), sometimes anything, sometimes invalid. */
static size_t pick_size(stream *s, size_t total) {
    uint8_t kind = next_u8(s);
    uint16_t v = next_u16(s);
    switch (kind % 8) {
    case 0: return 0;
    case 1: return total + 1 + v % 16;
    case 2: return (size_t)v % total + 1;
    case 3: return total;
    default: return (size_t)v % 64 + 1;
    }
}

/* Powers of two up to the maximum, plus an invalid value now and then. */
static size_t pick_alignment(stream *s) {
    uint8_t v = next_u8(s);
    if (v >= 250) {
        static const size_t bad[] = {0, 3, 24, GOMEM_MAX_ALIGNMENT * 2, 6, SIZE_MAX};
        return bad[v - 250];
    }
    if (v & 1) return 8; /* the common case: the allocator's default */
    return (size_t)1 << ((v >> 1) % 13u);
}

/* A live run: starting from a position the input chooses, the next allocated byte and the run of
 * bytes with its tag. false when nothing is allocated. */
MODEL_CODE static bool pick_live_run(const model *md, stream *s, size_t *start, size_t *len) {
    if (md->free_bytes == md->size) return false;
    size_t at = next_taken(md, next_u16(s) % md->size);
    if (at == md->size) at = next_taken(md, 0); /* wrap around */
    size_t begin = at, end = at;
    uint16_t tag = md->owner[at];
    while (begin > 0 && md->owner[begin - 1] == tag) begin--;
    while (end < md->size && md->owner[end] == tag) end++;
    *start = begin;
    *len = end - begin;
    return true;
}

/* A sub-range of [start, start + len): the whole, a head, a tail, or a middle piece. */
static void pick_piece(stream *s, size_t start, size_t len, size_t *offset, size_t *size) {
    size_t cut = next_u16(s) % len;
    size_t piece = next_u16(s) % (len - cut) + 1;
    switch (next_u8(s) % 4) {
    case 0: *offset = start; *size = len; break;
    case 1: *offset = start; *size = cut ? cut : len; break;
    case 2: *offset = start + cut; *size = len - cut; break;
    default: *offset = start + cut; *size = piece; break;
    }
}

/* ---- the two drivers: offsets (index) and pointers (arena) --------------------------------- */

typedef struct target {
    gomem_index *index;   /* index mode */
    gomem_arena *arena;   /* arena mode */
    const gomem_index *view; /* the index the model is compared with */
    uint8_t *base;        /* arena mode: the real bytes */
} target;

MODEL_CODE static void check_bytes(const target *t, const model *md, size_t offset, size_t size) {
    if (t->base == NULL) return;
    /* Free bytes are not compared: alignment gaps were never written, and heap pages (GOMEM_MMAP
     * off) start with whatever the C library left there. */
    for (size_t i = offset; i < offset + size; i++)
        if (md->owner[i] != 0 && t->base[i] != (uint8_t)md->owner[i])
            FAIL("arena byte %zu is %u, its allocation wrote %u", i, t->base[i],
                 (uint8_t)md->owner[i]);
}

/* A find or an alloc through the index or, in arena mode, the arena (whose alignment is its
 * default): the status, and on GOMEM_OK the offset (untouched otherwise). */
static gomem_status call_find(const target *t, size_t size, size_t alignment, size_t *offset) {
    if (t->arena == NULL) return gomem_index_find(t->index, size, alignment, offset);
    void *p = gomem_arena_find(t->arena, size);
    if (p == NULL) return GOMEM_ERR_NOMEM;
    *offset = (size_t)((uint8_t *)p - t->base);
    return GOMEM_OK;
}

static gomem_status call_alloc(target *t, size_t size, size_t alignment, size_t *offset) {
    if (t->arena == NULL) return gomem_index_alloc(t->index, size, alignment, offset);
    void *p = gomem_arena_alloc(t->arena, size);
    if (p == NULL) return GOMEM_ERR_NOMEM;
    *offset = (size_t)((uint8_t *)p - t->base);
    return GOMEM_OK;
}

/* A find's or an alloc's offset against the rule: the predicted one (first and best fit), or any
 * legal one (FIT_ANY). Returns whether taking it needs a node for an alignment gap. */
static bool check_offset(const model *md, const char *what, size_t size, size_t alignment,
                         size_t offset, size_t want_offset) {
    bool needs_node = false;
    if (!model_legal(md, offset, size, alignment, &needs_node))
        FAIL("%s(%zu, align %zu) gave offset %zu: not the first aligned byte of a free run that "
             "holds it",
             what, size, alignment, offset);
    if (md->rule != FIT_ANY && offset != want_offset)
        FAIL("%s(%zu, align %zu) gave offset %zu, the model expects %zu", what, size, alignment,
             offset, want_offset);
    return needs_node;
}

/* One alloc or find, checked against the model; true (and *taken) when bytes were taken. An alloc
 * is preceded by a find with the same arguments, which must name the offset the alloc takes. */
static bool alloc_checked(target *t, model *md, size_t size, size_t alignment, bool find_only,
                          size_t *taken) {
    gomem_status want = GOMEM_OK;
    size_t want_offset = 0;
    bool needs_node = false;
    if (size == 0 || size > md->size)
        want = GOMEM_ERR_INVALID_SIZE;
    else if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > GOMEM_MAX_ALIGNMENT)
        want = GOMEM_ERR_INVALID_ARGUMENT;
    if (t->arena && want != GOMEM_OK) want = GOMEM_ERR_NOMEM; /* the arena API only has NULL */

    /* find takes nothing, so it needs no node: its status is exact under any page limit. */
    size_t found = 0xDEAD; /* must stay untouched on failure */
    gomem_status got = call_find(t, size, alignment, &found);
    /* First and best fit name one offset: the model's search finds it. Good fit (FIT_ANY) may
     * take any legal offset, so a success is judged by the offset alone (check_offset below: a
     * legal one proves some run holds the request), and only a NOMEM needs the search, to
     * prove that none does. */
    if (want == GOMEM_OK && (md->rule != FIT_ANY || got != GOMEM_OK))
        want = model_fit(md, size, alignment, &want_offset, &needs_node) ? GOMEM_OK
                                                                          : GOMEM_ERR_NOMEM;
    EXPECT_STATUS("find", got, want);
    if (got != GOMEM_OK) {
        if (found != 0xDEAD) FAIL("a failed find wrote its offset (%zu)", found);
    } else {
        /* Under FIT_ANY the node question is the found offset's, the one alloc takes. */
        bool found_needs_node = check_offset(md, "find", size, alignment, found, want_offset);
        if (md->rule == FIT_ANY) needs_node = found_needs_node;
    }
    if (find_only) return false;

    size_t offset = 0xDEAD;
    got = call_alloc(t, size, alignment, &offset);
    /* A fit that splits a block in two needs a node; under a page limit there may be none. */
    if (got == GOMEM_ERR_NOMEM && want == GOMEM_OK && needs_node && md->limited)
        want = GOMEM_ERR_NOMEM;
    EXPECT_STATUS("alloc", got, want);
    if (got != GOMEM_OK) {
        if (offset != 0xDEAD) FAIL("a failed alloc wrote its offset (%zu)", offset);
        return false;
    }
    if (offset != found)
        FAIL("alloc(%zu, align %zu) took offset %zu, the find before it named %zu", size,
             alignment, offset, found);
    (void)check_offset(md, "alloc", size, alignment, offset, want_offset);
    uint16_t tag = take_tag(md);
    model_set(md, offset, size, tag);
    if (t->base) memset(t->base + offset, (uint8_t)tag, size);
    *taken = offset;
    return true;
}

static void do_alloc(target *t, model *md, stream *s, bool find_only) {
    size_t size = pick_size(s, md->size);
    size_t alignment = t->arena ? GOMEM_DEFAULT_ALIGNMENT : pick_alignment(s);
    size_t taken;
    (void)alloc_checked(t, md, size, alignment, find_only, &taken);
}

static void do_free_range(target *t, model *md, size_t offset, size_t size) {
    bool needs_node;
    gomem_status want = model_free_status(md, offset, size, &needs_node);
    gomem_status got;
    if (t->arena) {
        /* Compute the pointer without forming an out-of-bounds pointer in C terms. */
        void *p = (void *)((uintptr_t)t->base + offset);
        /* The arena checks the pointer before anything else (its contract), the size after. */
        if (offset >= md->size) want = GOMEM_ERR_FOREIGN_POINTER;
        if (want == GOMEM_OK) check_bytes(t, md, offset, size);
        got = gomem_arena_free(t->arena, p, size);
    } else {
        got = gomem_index_free(t->index, offset, size);
    }
    if (got == GOMEM_ERR_NOMEM && want == GOMEM_OK && needs_node && md->limited)
        want = GOMEM_ERR_NOMEM;
    if (got != want)
        FAIL("free(%zu, %zu) returned %s, expected %s", offset, size, gomem_status_name(got),
             gomem_status_name(want));
    if (got == GOMEM_OK) {
        model_set(md, offset, size, 0);
        if (t->base) memset(t->base + offset, 0, size);
    }
}

/* Arena only: pointers the arena must refuse outright. */
static void do_foreign_free(target *t, model *md, stream *s) {
    uint8_t local = 0;
    size_t size = (size_t)next_u8(s) % 16 + 1;
    uintptr_t base = (uintptr_t)t->base;
    void *p;
    gomem_status want = GOMEM_ERR_FOREIGN_POINTER;
    switch (next_u8(s) % 5) {
    case 0: p = (void *)(base - 1); break;
    case 1: p = (void *)(base + md->size); break; /* one past the end */
    case 2: p = (void *)(base + md->size + 4096); break;
    case 3: p = &local; break;
    default: p = NULL; want = GOMEM_ERR_INVALID_ARGUMENT; break;
    }
    EXPECT_STATUS("arena free of a foreign pointer", gomem_arena_free(t->arena, p, size), want);
}

static void set_limit(model *md, stream *s) {
    uint8_t v = next_u8(s);
    if (v % 4 == 0) {
        gomem_set_page_limit(0);
        md->limited = false;
    } else {
        /* Just above what is held: node arrays can grow a little or not at all. */
        gomem_set_page_limit(gomem_page_bytes_held() + (size_t)(v % 3) * 4096u + 1u);
        md->limited = true;
    }
}

static void do_reset(target *t, model *md, stream *s) {
    uint16_t v = next_u16(s);
    size_t size;
    switch (v % 8) {
    case 0: size = 0; break;
    case 1: size = GOMEM_ARENA_LIMIT + 1; break;
    case 2: size = md->size; break;
    default: size = (size_t)v % MAX_INDEX_SIZE + 1; break;
    }
    gomem_status want = size == 0 || size > GOMEM_ARENA_LIMIT ? GOMEM_ERR_INVALID_SIZE : GOMEM_OK;
    bool any_free = md->free_bytes > 0;
    gomem_status got = gomem_index_reset(t->index, size);
    /* NOMEM is legal under a page limit when a node is needed, in hardened builds when a
     * boundary map of a new size is, and with the default index (GOMEM_FEATURE_TLSF) when a new
     * size needs its class and edge tables in another shape. It must change nothing. */
    bool tables = (gomem_features() & GOMEM_FEATURE_TLSF) != 0;
    bool may_need_pages = !any_free || ((GOMEM_HARDENED || tables) && size != md->size);
    if (got == GOMEM_ERR_NOMEM && want == GOMEM_OK && may_need_pages && md->limited) want = got;
    EXPECT_STATUS("reset", got, want);
    if (got == GOMEM_OK) model_reset(md, size);
}

/* A walk stopped early visits exactly the blocks it accepted. */
static void do_partial_walk(const target *t, const model *md, stream *s) {
    walk_state w = {md, 0, 0, (size_t)next_u8(s) % 8 + 1, 0};
    gomem_index_walk(t->view, check_block, &w);
    size_t blocks = gomem_index_block_count(t->view);
    size_t want = blocks < w.stop_after ? blocks : w.stop_after;
    if (w.visited != want) FAIL("walk stopped after %zu blocks, expected %zu", w.visited, want);
}

/* Many small allocations, then every other one freed: more free blocks than one page of index
 * nodes holds, so the node pool must grow (and, under a page limit, fail to). */
static void do_comb(target *t, model *md, stream *s) {
    size_t count = (size_t)next_u8(s) + 1;
    size_t size = t->arena ? GOMEM_DEFAULT_ALIGNMENT : (size_t)next_u8(s) % 4 + 1;
    size_t alignment = t->arena ? GOMEM_DEFAULT_ALIGNMENT : 1;
    size_t made[256], made_count = 0;
    for (size_t i = 0; i < count; i++)
        if (!alloc_checked(t, md, size, alignment, false, &made[made_count++])) {
            made_count--;
            break;
        }
    for (size_t i = 0; i < made_count; i += 2) do_free_range(t, md, made[i], size);
}

static void run_ops(target *t, model *md, stream *s) {
    for (op_number = 0; op_number < MAX_OPS && s->at < s->size; op_number++) {
        uint8_t op = next_u8(s);
        switch (op % 15) {
        case 14: do_comb(t, md, s); break;
        case 0:
        case 1:
        case 2: do_alloc(t, md, s, false); break;
        case 3: do_alloc(t, md, s, true); break;
        case 4:
        case 5:
        case 6: { /* whole or segmented free of something live */
            size_t start, len, offset, size;
            if (!pick_live_run(md, s, &start, &len)) break;
            pick_piece(s, start, len, &offset, &size);
            do_free_range(t, md, offset, size);
            break;
        }
        case 7: { /* double free: a range starting in live bytes and reaching a free one */
            size_t start, len;
            if (!pick_live_run(md, s, &start, &len)) break;
            size_t end = start + len;
            size_t extra = (size_t)next_u8(s) % 4 + 1;
            if (end < md->size) do_free_range(t, md, start, len + extra); /* runs into free bytes
                                                                            or past the end */
            else if (start > 0) do_free_range(t, md, start - 1, len + 1);
            break;
        }
        case 8: { /* the same range twice: the second must be a double free */
            size_t start, len, offset, size;
            if (!pick_live_run(md, s, &start, &len)) break;
            pick_piece(s, start, len, &offset, &size);
            do_free_range(t, md, offset, size);
            do_free_range(t, md, offset, size);
            break;
        }
        case 9: { /* arbitrary ranges, huge ones included */
            size_t offset = next_u16(s);
            size_t size = next_u16(s);
            uint8_t k = next_u8(s);
            if (k == 0xFF) size = SIZE_MAX;
            if (k == 0xFE) offset = SIZE_MAX - 1;
            if (k == 0xFD) size = SIZE_MAX - offset;
            if (t->arena && offset > md->size + 64) offset = md->size + offset % 64;
            do_free_range(t, md, offset, size);
            break;
        }
        case 10:
            if (t->arena)
                do_foreign_free(t, md, s);
            else
                do_reset(t, md, s);
            break;
        case 11: set_limit(md, s); break;
        case 12: do_partial_walk(t, md, s); break;
        default: { /* free a run of free-then-live bytes starting in a free block */
            size_t at = next_u16(s) % md->size;
            if (!is_free(md, at)) break;
            do_free_range(t, md, at, (size_t)next_u8(s) + 1);
            break;
        }
        }
        if (op_number % FULL_COMPARE_EVERY == FULL_COMPARE_EVERY - 1)
            compare(t->view, md);
        else
            compare_counters(t->view, md);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static model md; /* large: static, but fully re-initialised for every input */
    stream s = {data, size, 0};
    size_t held_at_start = gomem_page_bytes_held();
    gomem_set_page_limit(0);
    unsigned features = gomem_features();
    md.rule = features & GOMEM_FEATURE_TLSF      ? FIT_ANY
              : features & GOMEM_FEATURE_TWOTREE ? FIT_BEST
                                                 : FIT_FIRST;
    md.next_tag = 1;
    md.limited = false;
    op_number = 0;

    uint8_t mode = next_u8(&s);
    uint16_t v = next_u16(&s);
    target t = {0};
    if (mode & 1) {
        size_t request = (size_t)v % MAX_ARENA_REQUEST + 1;
        t.arena = gomem_arena_create(request);
        if (t.arena == NULL) FAIL("gomem_arena_create(%zu) failed with no page limit", request);
        t.base = gomem_arena_base(t.arena);
        t.view = gomem_arena_index(t.arena);
        size_t arena_size = gomem_arena_size(t.arena);
        if (arena_size < request || arena_size > MAP_SIZE)
            FAIL("arena of %zu bytes for a request of %zu", arena_size, request);
        model_reset(&md, arena_size);
        if (gomem_arena_alloc(t.arena, 0) != NULL) FAIL("arena_malloc(0) returned a pointer");
    } else {
        model_reset(&md, (size_t)v % MAX_INDEX_SIZE + 1);
        if (gomem_index_create(0) != NULL) FAIL("index_create(0) succeeded");
        if (gomem_index_create(GOMEM_ARENA_LIMIT + 1) != NULL) FAIL("oversized index created");
        t.index = gomem_index_create(md.size);
        if (t.index == NULL) FAIL("gomem_index_create(%zu) failed with no page limit", md.size);
        t.view = t.index;
    }
    compare(t.view, &md);
    run_ops(&t, &md, &s);
    compare(t.view, &md);

    /* Every byte still allocated must hold what its allocation wrote. */
    check_bytes(&t, &md, 0, md.size);
    gomem_set_page_limit(0);
    gomem_arena_destroy(t.arena);
    gomem_index_destroy(t.index);
    if (gomem_page_bytes_held() != held_at_start)
        FAIL("page bytes held %zu after destroying everything, %zu before the input",
             gomem_page_bytes_held(), held_at_start);
    return 0;
}
