/*
 * test_index_model.c - a standalone free-block index (whichever one the build compiled) driven
 * side by side with a byte-map model through many seeded random walks.
 *
 * The model holds one tag per byte: 0 when the byte is free, otherwise the id of the allocation
 * that holds it (ids are never reused within a walk), plus a bitmap of the free bytes so its free
 * runs are found a word at a time. From the map alone every status is predicted: allocations
 * (with random sizes and alignments, some exactly the largest free run, some one byte more),
 * whole and segmented frees, frees over free bytes (DOUBLE_FREE), frees across two allocations
 * (GOMEM_OK, or GOMEM_ERR_SPANS_ALLOCATIONS in GOMEM_HARDENED builds), out-of-range frees, resets.
 * Placement follows the build's rule, read from gomem_features(): the treap (neither index bit)
 * is address-ordered first fit and GOMEM_FEATURE_TWOTREE best fit, both predicted exactly; the
 * default index (GOMEM_FEATURE_TLSF) is good fit, so any legal offset is accepted there: the first
 * aligned byte of a free run that holds the request. Everywhere gomem_index_find must name the
 * offset the next gomem_index_alloc takes, and NOMEM is right only when no free run holds the
 * request once aligned (no page limit is set, so nodes never run out).
 *
 * After every step: gomem_index_invariants_hold, free_size, block_count, largest_free and the walk
 * against the model's free runs.
 *
 * Environment: GOMEM_TEST_SEED (the first walk's seed; walk i uses seed + i), GOMEM_TEST_ONLY=i
 * (replay walk i alone), GOMEM_TEST_SCALE (percent of the default steps per walk, 1..1000; the
 * valgrind configuration sets it lower).
 */
#include "check.h"

#define MAX_INDEX ((size_t)1 << 20) /* largest index a walk creates or resets to */
#define WALKS 30
#define STEPS 3000
#define LOG_LENGTH 24 /* operations kept for the failure report */

/* ---- the byte-map model --------------------------------------------------------------------- */

typedef struct run {
    size_t start, end;
} run;

typedef struct model {
    uint32_t *tag;       /* MAX_INDEX entries: 0 free, else the allocation's id */
    uint64_t *free_bits; /* bit i: byte i is free; bits at and past `size` stay clear */
    size_t size;
    size_t free_bytes;
    uint32_t next_id;
    run *runs; /* the free runs in address order, recomputed after every change */
    size_t run_count, run_capacity;
    size_t largest;
} model;

enum rule { RULE_ANY_LEGAL, RULE_FIRST_FIT, RULE_BEST_FIT };
static enum rule placement;
static bool hardened;

/* The first position in [from, limit) whose bit is `set`, or limit. */
static size_t next_bit(const uint64_t *bits, size_t from, size_t limit, bool set) {
    while (from < limit) {
        uint64_t word = bits[from / 64];
        if (!set) word = ~word;
        word &= ~(uint64_t)0 << (from % 64);
        if (word != 0) {
            size_t at = from / 64 * 64 + (size_t)__builtin_ctzll(word);
            return at < limit ? at : limit;
        }
        from = (from / 64 + 1) * 64;
    }
    return limit;
}

static void set_bits(uint64_t *bits, size_t from, size_t to, bool set) {
    while (from < to) {
        size_t bit = from % 64, count = to - from < 64 - bit ? to - from : 64 - bit;
        uint64_t mask = (count == 64 ? ~(uint64_t)0 : (((uint64_t)1 << count) - 1)) << bit;
        if (set)
            bits[from / 64] |= mask;
        else
            bits[from / 64] &= ~mask;
        from += count;
    }
}

static bool any_free(const model *md, size_t from, size_t to) {
    return next_bit(md->free_bits, from, to, true) < to;
}

static bool all_free(const model *md, size_t from, size_t to) {
    return next_bit(md->free_bits, from, to, false) == to;
}

static void model_recompute_runs(model *md) {
    md->run_count = 0;
    md->largest = 0;
    size_t bytes = 0;
    for (size_t at = next_bit(md->free_bits, 0, md->size, true); at < md->size;) {
        size_t end = next_bit(md->free_bits, at, md->size, false);
        if (md->run_count == md->run_capacity) {
            md->run_capacity = md->run_capacity ? md->run_capacity * 2 : 1024;
            md->runs = realloc(md->runs, md->run_capacity * sizeof *md->runs);
            if (md->runs == NULL) {
                fprintf(stderr, "test_index_model: out of memory\n");
                exit(2);
            }
        }
        md->runs[md->run_count++] = (run){at, end};
        if (end - at > md->largest) md->largest = end - at;
        bytes += end - at;
        at = next_bit(md->free_bits, end, md->size, true);
    }
    CHECK_EQ(bytes, md->free_bytes); /* the model agrees with itself */
}

static void model_reset(model *md, size_t size) {
    memset(md->tag, 0, size * sizeof md->tag[0]);
    memset(md->free_bits, 0, (MAX_INDEX / 64) * sizeof md->free_bits[0]);
    set_bits(md->free_bits, 0, size, true);
    md->size = size;
    md->free_bytes = size;
    model_recompute_runs(md);
}

static void model_take(model *md, size_t offset, size_t size, uint32_t id) {
    for (size_t i = offset; i < offset + size; i++) md->tag[i] = id;
    set_bits(md->free_bits, offset, offset + size, false);
    md->free_bytes -= size;
    model_recompute_runs(md);
}

static void model_release(model *md, size_t offset, size_t size) {
    memset(md->tag + offset, 0, size * sizeof md->tag[0]);
    set_bits(md->free_bits, offset, offset + size, true);
    md->free_bytes += size;
    model_recompute_runs(md);
}

static size_t align_up(size_t x, size_t alignment) {
    return (x + alignment - 1) & ~(alignment - 1);
}

/* Whether run r holds (size, alignment) at its first aligned byte. */
static bool run_holds(const run *r, size_t size, size_t alignment) {
    size_t at = align_up(r->start, alignment);
    return at < r->end && r->end - at >= size;
}

/* The offset the build's rule must choose, or false when no run holds the request (then the only
 * right answer is NOMEM). With RULE_ANY_LEGAL *offset is the lowest legal one (unused). */
static bool model_fit(const model *md, size_t size, size_t alignment, size_t *offset) {
    const run *pick = NULL;
    if (placement == RULE_BEST_FIT) {
        for (size_t i = 0; i < md->run_count; i++) {
            const run *r = &md->runs[i];
            if (run_holds(r, size, alignment) &&
                (pick == NULL || r->end - r->start < pick->end - pick->start))
                pick = r;
        }
    } else {
        /* First fit, as gomem.h words it: the lowest run of at least `size` bytes if it holds
         * them once aligned, else the lowest of at least size + alignment - 1 bytes, else the
         * lowest that holds them at all. The last answers "does any run hold it" for every rule. */
        for (size_t i = 0; i < md->run_count && pick == NULL; i++)
            if (md->runs[i].end - md->runs[i].start >= size) {
                if (run_holds(&md->runs[i], size, alignment)) pick = &md->runs[i];
                break;
            }
        for (size_t i = 0; i < md->run_count && pick == NULL; i++)
            if (md->runs[i].end - md->runs[i].start >= size + alignment - 1) pick = &md->runs[i];
        for (size_t i = 0; i < md->run_count && pick == NULL; i++)
            if (run_holds(&md->runs[i], size, alignment)) pick = &md->runs[i];
    }
    if (pick == NULL) return false;
    *offset = align_up(pick->start, alignment);
    return true;
}

/* The run holding byte x, or NULL when x is not free. */
static const run *run_at(const model *md, size_t x) {
    size_t lo = 0, hi = md->run_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (md->runs[mid].end <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < md->run_count && md->runs[lo].start <= x ? &md->runs[lo] : NULL;
}

/* What gomem_index_free must answer for [offset, offset + size), in its contract's order. */
static gomem_status expect_free(const model *md, size_t offset, size_t size) {
    if (size == 0) return GOMEM_ERR_INVALID_SIZE;
    if (offset >= md->size || size > md->size - offset) return GOMEM_ERR_OUT_OF_RANGE;
    if (any_free(md, offset, offset + size)) return GOMEM_ERR_DOUBLE_FREE;
    if (hardened)
        for (size_t i = offset + 1; i < offset + size; i++)
            if (md->tag[i] != md->tag[offset]) return GOMEM_ERR_SPANS_ALLOCATIONS;
    return GOMEM_OK;
}

/* ---- the walk: one index and one model ------------------------------------------------------ */

typedef enum op_kind { OP_ALLOC, OP_FREE, OP_RESET } op_kind;

/* One index call, for the failure report. */
typedef struct op_record {
    op_kind kind;
    size_t a, b;   /* alloc: size, alignment; free: offset, size; reset: size */
    size_t result; /* alloc: the offset taken */
    gomem_status status;
} op_record;

/* Each walk leans one way, so small-block churn, large requests and big alignments all get
 * walks of their own. */
typedef enum profile {
    PROFILE_MIXED,
    PROFILE_TINY,    /* sizes of 1..16 bytes: many small blocks, many ending in one granule */
    PROFILE_LARGE,   /* a quarter of the requests up to a third of the index */
    PROFILE_ALIGNED, /* most requests aligned to 256..4096 */
    PROFILES_
} profile;

typedef struct walk {
    gomem_index *index;
    profile profile;
    model *md;
    test_rng rng;
    size_t step;
    op_record log[LOG_LENGTH];
    size_t logged;
} walk;

/* What the whole run saw, so the test fails when a case it means to cover never happened. */
static struct coverage {
    size_t alloc_ok, alloc_nomem, alloc_invalid, alloc_exact_largest, alloc_aligned_gap;
    size_t free_status[16];
    size_t free_isolated, free_joins_one, free_joins_both, free_across;
    size_t resets, resets_new_size;
    size_t max_blocks;
} seen;

static void log_op(walk *w, op_kind kind, size_t a, size_t b, size_t result, gomem_status status) {
    w->log[w->logged % LOG_LENGTH] = (op_record){kind, a, b, result, status};
    w->logged++;
}

static void print_log(const walk *w) {
    size_t first = w->logged > LOG_LENGTH ? w->logged - LOG_LENGTH : 0;
    fprintf(stderr, "last operations (oldest first):\n");
    for (size_t i = first; i < w->logged; i++) {
        const op_record *r = &w->log[i % LOG_LENGTH];
        switch (r->kind) {
        case OP_ALLOC:
            fprintf(stderr, "  #%zu alloc(size %zu, align %zu) -> %s, offset %zu\n", i, r->a, r->b,
                    gomem_status_name(r->status), r->result);
            break;
        case OP_FREE:
            fprintf(stderr, "  #%zu free(%zu, %zu) -> %s\n", i, r->a, r->b,
                    gomem_status_name(r->status));
            break;
        default:
            fprintf(stderr, "  #%zu reset(%zu) -> %s\n", i, r->a, gomem_status_name(r->status));
            break;
        }
    }
}

typedef struct walk_compare {
    const model *md;
    size_t visited;
    bool mismatch;
    gomem_block got;
} walk_compare;

static bool compare_block(void *context, gomem_block block) {
    walk_compare *c = context;
    if (c->visited >= c->md->run_count || c->md->runs[c->visited].start != block.start ||
        c->md->runs[c->visited].end != block.end) {
        if (!c->mismatch) c->got = block;
        c->mismatch = true;
    }
    c->visited++;
    return true;
}

/* The index against the model: every observable. */
static void compare(const walk *w) {
    const model *md = w->md;
    CHECK(gomem_index_invariants_hold(w->index));
    CHECK_EQ(gomem_index_size(w->index), md->size);
    CHECK_EQ(gomem_index_free_size(w->index), md->free_bytes);
    CHECK_EQ(gomem_index_block_count(w->index), md->run_count);
    CHECK_EQ(gomem_index_largest_free(w->index), md->largest);
    walk_compare c = {md, 0, false, {0, 0}};
    gomem_index_walk(w->index, compare_block, &c);
    CHECK_EQ(c.visited, md->run_count);
    if (c.mismatch) {
        fprintf(stderr, "walk reports block [%zu, %zu), which is not a free run of the model\n",
                c.got.start, c.got.end);
        CHECK(!c.mismatch);
    }
    if (md->run_count > seen.max_blocks) seen.max_blocks = md->run_count;
}

static size_t rng_below(walk *w, size_t n) { return (size_t)(test_rng_next(&w->rng) % n); }

static size_t pick_alignment(walk *w) {
    size_t r = rng_below(w, 100);
    if (w->profile == PROFILE_ALIGNED && r < 70) return (size_t)1 << (8 + rng_below(w, 5));
    if (w->profile == PROFILE_TINY && r < 80) return (size_t)1 << rng_below(w, 4);
    if (r < 40) return 1;
    if (r < 65) return 8;
    return (size_t)1 << rng_below(w, 13); /* 1..4096 */
}

static size_t pick_size(walk *w, size_t *alignment) {
    const model *md = w->md;
    size_t r = rng_below(w, 1000), size;
    if (w->profile == PROFILE_TINY && r < 800)
        return 1 + rng_below(w, md->size < 16 ? md->size : 16);
    if (w->profile == PROFILE_LARGE && r < 250) return 1 + rng_below(w, md->size / 3 + 1);
    if (r < 500) {
        size = 1 + rng_below(w, 64);
    } else if (r < 900) {
        size = 1 + rng_below(w, 3000);
    } else if (r < 930) {
        size = 1 + rng_below(w, md->size); /* large, up to the whole index */
    } else if (r < 950) {
        size = (size_t)1 << rng_below(w, 13); /* powers of two: class edges */
    } else if (r < 970 && md->largest > 0) {
        seen.alloc_exact_largest++;
        *alignment = 1;
        return md->largest; /* exactly the largest free run: must fit */
    } else if (r < 980) {
        *alignment = 1;
        return md->largest + 1; /* a byte more than any run: NOMEM (or INVALID_SIZE) */
    } else {
        return r % 2 ? md->size + 1 + rng_below(w, 100) : 0; /* invalid sizes, unclamped */
    }
    return 1 + (size - 1) % md->size;
}

static void do_alloc(walk *w) {
    model *md = w->md;
    size_t alignment = pick_alignment(w);
    size_t size = pick_size(w, &alignment);
    if (rng_below(w, 200) == 0) alignment = rng_below(w, 2) ? 3 : 8192; /* invalid */
    size_t predicted = 0;
    gomem_status want;
    if (size == 0 || size > md->size)
        want = GOMEM_ERR_INVALID_SIZE;
    else if ((alignment & (alignment - 1)) != 0 || alignment > GOMEM_MAX_ALIGNMENT)
        want = GOMEM_ERR_INVALID_ARGUMENT;
    else
        want = model_fit(md, size, alignment, &predicted) ? GOMEM_OK : GOMEM_ERR_NOMEM;

    size_t found = SIZE_MAX, offset = SIZE_MAX;
    gomem_status find_status = gomem_index_find(w->index, size, alignment, &found);
    gomem_status status = gomem_index_alloc(w->index, size, alignment, &offset);
    log_op(w, OP_ALLOC, size, alignment, offset, status);
    CHECK_STATUS(find_status, want);
    CHECK_STATUS(status, want);
    if (status != GOMEM_OK || want != GOMEM_OK) {
        CHECK_EQ(offset, SIZE_MAX); /* untouched on failure */
        if (want == GOMEM_ERR_NOMEM) seen.alloc_nomem++;
        if (want == GOMEM_ERR_INVALID_SIZE || want == GOMEM_ERR_INVALID_ARGUMENT)
            seen.alloc_invalid++;
        return;
    }
    CHECK_EQ(found, offset); /* find names what alloc takes */
    CHECK_EQ(offset % alignment, 0);
    CHECK(offset < md->size && size <= md->size - offset);
    if (offset >= md->size || size > md->size - offset) return;
    /* Legal for every rule: the first aligned byte of a free run that holds every byte. */
    const run *r = run_at(md, offset);
    CHECK(r != NULL && all_free(md, offset, offset + size));
    if (r == NULL || !all_free(md, offset, offset + size)) return;
    CHECK_EQ(offset, align_up(r->start, alignment));
    if (placement != RULE_ANY_LEGAL) CHECK_EQ(offset, predicted);
    if (offset != r->start) seen.alloc_aligned_gap++;
    seen.alloc_ok++;
    model_take(md, offset, size, md->next_id++);
}

/* Free [offset, offset + size) and check the answer; the model follows only on GOMEM_OK. */
static gomem_status do_free_range(walk *w, size_t offset, size_t size) {
    model *md = w->md;
    gomem_status want = expect_free(md, offset, size);
    bool joins_before = false, joins_after = false, across = false;
    if (want == GOMEM_OK) {
        joins_before = offset > 0 && md->tag[offset - 1] == 0;
        joins_after = offset + size < md->size && md->tag[offset + size] == 0;
        for (size_t i = offset + 1; i < offset + size && !across; i++)
            across = md->tag[i] != md->tag[offset];
    }
    gomem_status got = gomem_index_free(w->index, offset, size);
    log_op(w, OP_FREE, offset, size, 0, got);
    CHECK_STATUS(got, want);
    if ((unsigned)want < 16) seen.free_status[want]++;
    if (got == GOMEM_OK && want == GOMEM_OK) {
        if (joins_before && joins_after)
            seen.free_joins_both++;
        else if (joins_before || joins_after)
            seen.free_joins_one++;
        else
            seen.free_isolated++;
        if (across) seen.free_across++;
        model_release(md, offset, size);
    }
    return got;
}

/* A byte of the kind asked for (free or allocated), from a random place on; false when none. */
static bool pick_byte(walk *w, bool free_byte, size_t *at) {
    const model *md = w->md;
    size_t from = rng_below(w, md->size);
    size_t x = next_bit(md->free_bits, from, md->size, free_byte);
    if (x == md->size) {
        x = next_bit(md->free_bits, 0, from, free_byte);
        if (x == from) return false; /* none anywhere */
    }
    *at = x;
    return true;
}

/* A live piece: the longest run of bytes with one allocation's id around a random live byte
 * (a whole allocation, or what a segmented free left of one). */
static bool pick_piece(walk *w, size_t *start, size_t *end) {
    const model *md = w->md;
    size_t at;
    if (!pick_byte(w, false, &at)) return false;
    uint32_t id = md->tag[at];
    size_t s = at, e = at + 1;
    while (s > 0 && md->tag[s - 1] == id) s--;
    while (e < md->size && md->tag[e] == id) e++;
    *start = s;
    *end = e;
    return true;
}

/* A whole piece, its head, its tail, a middle range or one byte of it. */
static void do_free_piece(walk *w) {
    size_t s, e;
    if (!pick_piece(w, &s, &e)) return;
    size_t len = e - s, cut = rng_below(w, len), piece = 1 + rng_below(w, len - cut);
    switch (rng_below(w, 6)) {
    case 0:
    case 1: do_free_range(w, s, len); break;
    case 2: do_free_range(w, s, cut ? cut : len); break;
    case 3: do_free_range(w, s + cut, len - cut); break;
    case 4: do_free_range(w, s + cut, piece); break;
    default: do_free_range(w, s + cut, 1); break;
    }
}

/* Ranges with at least one free byte: must be refused whole, nothing changing. */
static void do_double_free(walk *w) {
    const model *md = w->md;
    size_t s, e, f;
    switch (rng_below(w, 5)) {
    case 0: /* around a free byte: inside a free run, or from live bytes into it */
        if (!pick_byte(w, true, &f)) return;
        {
            size_t back = rng_below(w, (f < 300 ? f : 300) + 1);
            size_t ahead = 1 + rng_below(w, md->size - f < 300 ? md->size - f : 300);
            do_free_range(w, f - back, back + ahead);
        }
        break;
    case 1: /* a live piece and one or more bytes past it */
        if (!pick_piece(w, &s, &e) || e == md->size) return;
        do_free_range(w, s, e - s + 1 + rng_below(w, md->size - e));
        break;
    case 2: /* from a byte before a live piece into it */
        if (!pick_piece(w, &s, &e) || s == 0) return;
        {
            size_t back = 1 + rng_below(w, s < 64 ? s : 64);
            do_free_range(w, s - back, back + 1 + rng_below(w, e - s));
        }
        break;
    case 3: /* the same range twice: the second is a double free */
        if (!pick_piece(w, &s, &e)) return;
        {
            size_t cut = rng_below(w, e - s), piece = 1 + rng_below(w, e - s - cut);
            if (do_free_range(w, s + cut, piece) == GOMEM_OK) do_free_range(w, s + cut, piece);
        }
        break;
    default: /* everything */
        do_free_range(w, 0, md->size);
        break;
    }
}

/* A range from inside one allocation into the allocated bytes right after it (one or more other
 * allocations): hardened builds refuse it, the others free it all. */
static void do_free_across(walk *w) {
    const model *md = w->md;
    for (int attempt = 0; attempt < 8; attempt++) {
        size_t s, e;
        if (!pick_piece(w, &s, &e)) return;
        size_t live_end = next_bit(md->free_bits, e, md->size, true); /* end of the live stretch */
        if (live_end == e) continue; /* a free byte (or the end) right after the piece */
        size_t from = s + rng_below(w, e - s);
        size_t to = e + 1 + rng_below(w, live_end - e);
        do_free_range(w, from, to - from);
        return;
    }
}

/* Ranges past the end, and sizes of 0 and near SIZE_MAX. */
static void do_bad_free(walk *w) {
    const model *md = w->md;
    size_t offset = rng_below(w, md->size);
    switch (rng_below(w, 6)) {
    case 0: do_free_range(w, md->size + rng_below(w, 100), 1 + rng_below(w, 100)); break;
    case 1: do_free_range(w, offset, md->size - offset + 1 + rng_below(w, 100)); break;
    case 2: do_free_range(w, offset, SIZE_MAX); break;
    case 3: do_free_range(w, offset, SIZE_MAX - offset + 1); break; /* end wraps to 0 */
    case 4: do_free_range(w, SIZE_MAX, 1); break;
    default: do_free_range(w, offset, 0); break;
    }
}

/* Many small allocations, then every other one freed: many blocks, many ending in one granule. */
static void do_comb(walk *w) {
    model *md = w->md;
    size_t count = 1 + rng_below(w, 192), size = 1 + rng_below(w, md->size < 6 ? md->size : 6);
    size_t alignment = rng_below(w, 2) ? 1 : 8;
    size_t made[192], made_count = 0;
    for (size_t i = 0; i < count; i++) {
        size_t predicted = 0;
        bool fits = model_fit(md, size, alignment, &predicted);
        size_t offset = SIZE_MAX;
        gomem_status status = gomem_index_alloc(w->index, size, alignment, &offset);
        log_op(w, OP_ALLOC, size, alignment, offset, status);
        CHECK_STATUS(status, fits ? GOMEM_OK : GOMEM_ERR_NOMEM);
        if (status != GOMEM_OK || !fits) break;
        const run *r = run_at(md, offset);
        bool legal = offset % alignment == 0 && offset < md->size && size <= md->size - offset &&
                     r != NULL && all_free(md, offset, offset + size) &&
                     offset == align_up(r->start, alignment);
        CHECK(legal);
        if (!legal) return;
        if (placement != RULE_ANY_LEGAL) CHECK_EQ(offset, predicted);
        model_take(md, offset, size, md->next_id++);
        made[made_count++] = offset;
    }
    for (size_t i = 0; i < made_count; i += 2) do_free_range(w, made[i], size);
}

static size_t pick_index_size(walk *w) {
    /* Log-uniform from 1 byte to 1 MiB, mostly above 64 bytes (tiny ones are full at once). */
    size_t bits = rng_below(w, 4) ? 6 + rng_below(w, 15) : rng_below(w, 21);
    return 1 + rng_below(w, (size_t)1 << bits);
}

static void do_reset(walk *w) {
    model *md = w->md;
    size_t r = rng_below(w, 10), size;
    if (r == 0) {
        size = rng_below(w, 2) ? 0 : GOMEM_ARENA_LIMIT + 1;
    } else if (r < 6) {
        size = md->size;
    } else {
        size = pick_index_size(w);
    }
    gomem_status want = size == 0 || size > GOMEM_ARENA_LIMIT ? GOMEM_ERR_INVALID_SIZE : GOMEM_OK;
    gomem_status got = gomem_index_reset(w->index, size);
    log_op(w, OP_RESET, size, 0, 0, got);
    CHECK_STATUS(got, want);
    if (got == GOMEM_OK && want == GOMEM_OK) {
        seen.resets++;
        if (size != md->size) seen.resets_new_size++;
        model_reset(md, size);
    }
}

/* One walk: false (after reporting) on the first step whose checks failed. */
static bool run_walk(model *md, uint64_t seed, size_t walk_number, size_t steps) {
    walk w = {.md = md, .rng = test_rng_seed(seed)};
    /* The first walks take the extremes; the rest sizes from the seed. */
    static const size_t fixed_sizes[] = {1, MAX_INDEX, 4096, 2, 65536 + 7, 255, 256, 257};
    size_t size = walk_number < sizeof fixed_sizes / sizeof fixed_sizes[0]
                      ? fixed_sizes[walk_number]
                      : pick_index_size(&w);
    w.profile = (profile)(walk_number % PROFILES_);
    w.index = gomem_index_create(size);
    CHECK(w.index != NULL);
    if (w.index == NULL) return false;
    md->next_id = 1;
    model_reset(md, size);
    int failures_before = check_failures;
    compare(&w);
    for (w.step = 0; w.step < steps && check_failures == failures_before; w.step++) {
        size_t r = rng_below(&w, 1000);
        /* Mostly full: free more, so walks see both full and roomy indexes. */
        if (r < 400 && md->free_bytes < md->size / 4 && rng_below(&w, 2) == 0) r = 400;
        if (r < 400)
            do_alloc(&w);
        else if (r < 700)
            do_free_piece(&w);
        else if (r < 780)
            do_double_free(&w);
        else if (r < 860)
            do_free_across(&w);
        else if (r < 900)
            do_bad_free(&w);
        else if (r < 920)
            do_comb(&w);
        else if (r < 925)
            do_reset(&w);
        else if (r < 960 && md->free_bytes < md->size / 4) {
            /* A fuller index: free a few pieces more, so both full and empty states occur. */
            for (int i = 0; i < 4; i++) do_free_piece(&w);
        } else {
            do_alloc(&w);
        }
        compare(&w);
    }
    bool ok = check_failures == failures_before;
    if (!ok) {
        fprintf(stderr,
                "walk %zu (seed %" PRIu64 ", profile %d, index size %zu now, placement %s, "
                "hardened %d) failed at step %zu (created with %zu bytes)\n",
                walk_number, seed, (int)w.profile, md->size,
                placement == RULE_ANY_LEGAL ? "any legal fit"
                : placement == RULE_FIRST_FIT ? "first fit"
                                              : "best fit",
                hardened, w.step == 0 ? 0 : w.step - 1, size);
        print_log(&w);
    }
    gomem_index_destroy(w.index);
    return ok;
}

static size_t env_size(const char *name, size_t fallback, size_t low, size_t high) {
    const char *text = getenv(name);
    if (text == NULL || *text == '\0') return fallback;
    unsigned long long v = strtoull(text, NULL, 0);
    return v < low ? low : v > high ? high : (size_t)v;
}

static void test_model_walks(void) {
    unsigned features = gomem_features();
    placement = features & GOMEM_FEATURE_TLSF      ? RULE_ANY_LEGAL
                : features & GOMEM_FEATURE_TWOTREE ? RULE_BEST_FIT
                                                   : RULE_FIRST_FIT;
    hardened = (features & GOMEM_FEATURE_HARDENED) != 0;
    gomem_set_page_limit(0); /* nodes never run out: NOMEM means nothing fits */

    uint64_t base = test_seed(20260301);
    size_t scale = env_size("GOMEM_TEST_SCALE", 100, 1, 1000);
    size_t steps = STEPS * scale / 100;
    if (steps < 50) steps = 50;
    size_t only = env_size("GOMEM_TEST_ONLY", SIZE_MAX, 0, SIZE_MAX);

    static model md;
    md.tag = calloc(MAX_INDEX, sizeof md.tag[0]);
    md.free_bits = calloc(MAX_INDEX / 64, sizeof md.free_bits[0]);
    CHECK(md.tag != NULL && md.free_bits != NULL);
    if (md.tag == NULL || md.free_bits == NULL) return;

    printf("placement: %s, hardened: %d, %d walks x %zu steps (replay one: GOMEM_TEST_SEED=%" PRIu64
           " GOMEM_TEST_ONLY=<walk>)\n",
           placement == RULE_ANY_LEGAL ? "any legal fit (tlsf)"
           : placement == RULE_FIRST_FIT ? "first fit (treap)"
                                         : "best fit (avl)",
           hardened, only == SIZE_MAX ? WALKS : 1, steps, base);
    for (size_t i = 0; i < WALKS; i++) {
        if (only != SIZE_MAX && i != only) continue;
        if (!run_walk(&md, base + i, i, steps)) break;
    }
    free(md.tag);
    free(md.free_bits);
    free(md.runs);
    md.runs = NULL;

    if (only != SIZE_MAX || check_failures) return;
    /* Every case the walks mean to cover happened. */
    CHECK(seen.alloc_ok > 0);
    CHECK(seen.alloc_nomem > 0);
    CHECK(seen.alloc_invalid > 0);
    CHECK(seen.alloc_exact_largest > 0);
    CHECK(seen.alloc_aligned_gap > 0);
    CHECK(seen.free_status[GOMEM_OK] > 0);
    CHECK(seen.free_status[GOMEM_ERR_DOUBLE_FREE] > 0);
    CHECK(seen.free_status[GOMEM_ERR_OUT_OF_RANGE] > 0);
    CHECK(seen.free_status[GOMEM_ERR_INVALID_SIZE] > 0);
    CHECK(seen.free_isolated > 0 && seen.free_joins_one > 0 && seen.free_joins_both > 0);
    if (hardened)
        CHECK(seen.free_status[GOMEM_ERR_SPANS_ALLOCATIONS] > 0);
    else
        CHECK(seen.free_across > 0);
    CHECK(seen.resets > 0 && seen.resets_new_size > 0);
    CHECK(seen.max_blocks >= 64);
    printf("allocs %zu ok / %zu nomem, frees %zu ok / %zu double / %zu spans, most blocks %zu\n",
           seen.alloc_ok, seen.alloc_nomem, seen.free_status[GOMEM_OK],
           seen.free_status[GOMEM_ERR_DOUBLE_FREE], seen.free_status[GOMEM_ERR_SPANS_ALLOCATIONS],
           seen.max_blocks);
}

int main(void) {
    size_t held_at_start = gomem_page_bytes_held();
    RUN(test_model_walks);
    CHECK_EQ(gomem_page_bytes_held(), held_at_start); /* every index gave its pages back */
    return check_report("test_index_model");
}
