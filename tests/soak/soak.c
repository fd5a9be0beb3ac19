/*
 * soak.c - a long random walk over one scalable allocator (`npm run soak`, not part of npm test).
 *
 * SOAK_OPS operations (default 1e8; "1e7" style accepted) of: malloc 1 B..64 KiB weighted to
 * small sizes, whole frees, segmented frees (a random middle piece, leaving two live pieces),
 * free_rest (keep a random prefix), and an occasional trim. The live set is held near a target
 * (SOAK_LIVE_MB, default 20 MB): below 90 % it allocates, above 110 % it frees, in between it
 * picks at random. Every allocation carries a tag in its first and last byte, checked when the
 * bytes are freed, so overlapping hand-outs show up as corruption.
 *
 * Every 1e5 operations gomem_allocator_invariants_hold must be true; 100 samples of the
 * footprint (stats.footprint and gomem_page_bytes_held) are taken over the run. Steady state is
 * the second half of the samples: the least-squares slope of the footprint there, times the
 * half's length, must stay under 5 % of its mean, unless that slope is noise (t < 3, or the
 * last quarter makes no new high over the first half: a footprint flipping between two levels as
 * an arena is added and trimmed is not growth). At the end every piece is freed, the allocator
 * trimmed and recycled: stats.footprint must be back at 0 and gomem_page_bytes_held back at its
 * level before the first malloc; after destroy, at its level before create. Exit status 1 on
 * any failure; the figures are printed as tables.
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gomem.h"

typedef struct range {
    uint8_t *ptr;
    size_t len;
    uint8_t tag;
} range;

typedef struct sample {
    uint64_t ops;
    size_t live, footprint, held, arenas, metadata, pieces;
} sample;

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void) { /* xorshift64* */
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static size_t below(size_t n) { return (size_t)(rng() % (uint64_t)n); }

/* 1 B..64 KiB, weighted to small: 60 % up to 256 B, 25 % up to 4 KiB, 12 % up to 16 KiB,
 * 3 % up to 64 KiB. */
static size_t random_size(void) {
    size_t roll = below(100);
    if (roll < 60) return 1 + below(256);
    if (roll < 85) return 257 + below(4096 - 256);
    if (roll < 97) return 4097 + below(16384 - 4096);
    return 16385 + below(65536 - 16384);
}

static range *pieces;
static size_t piece_count, piece_capacity;
static long failures;

static void fail(const char *what, uint64_t op) {
    if (failures++ < 20) fprintf(stderr, "soak: FAILED at op %" PRIu64 ": %s\n", op, what);
}

static void push_piece(uint8_t *ptr, size_t len, uint8_t tag) {
    if (piece_count == piece_capacity) {
        piece_capacity = piece_capacity ? piece_capacity * 2 : 4096;
        range *grown = realloc(pieces, piece_capacity * sizeof *pieces);
        if (grown == NULL) {
            fprintf(stderr, "soak: out of memory for the bookkeeping\n");
            exit(2);
        }
        pieces = grown;
    }
    ptr[0] = tag;
    ptr[len - 1] = tag;
    pieces[piece_count++] = (range){ptr, len, tag};
}

static bool tags_intact(const range *r) {
    return r->ptr[0] == r->tag && r->ptr[r->len - 1] == r->tag;
}

static double now(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Least-squares slope of y over x, and its t statistic (slope / standard error): a footprint
 * that flips between two levels (an arena added, later trimmed) fits some slope by chance, and
 * only a slope well outside that noise (|t| >= 3) is a trend. */
static double slope(const double *x, const double *y, size_t n, double *t) {
    double mx = 0, my = 0, sxx = 0, sxy = 0, residual = 0;
    for (size_t i = 0; i < n; i++) mx += x[i], my += y[i];
    mx /= (double)n;
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    double b = sxx > 0 ? sxy / sxx : 0;
    for (size_t i = 0; i < n; i++) {
        double e = y[i] - my - b * (x[i] - mx);
        residual += e * e;
    }
    double se = n > 2 && sxx > 0 ? sqrt(residual / (double)(n - 2) / sxx) : 0;
    *t = se > 0 ? b / se : (b > 0 ? INFINITY : b < 0 ? -INFINITY : 0);
    return b;
}

static uint64_t env_count(const char *name, uint64_t fallback) {
    const char *text = getenv(name);
    if (text == NULL || *text == '\0') return fallback;
    double value = strtod(text, NULL);
    if (!(value >= 1)) {
        fprintf(stderr, "soak: %s=%s is not a count\n", name, text);
        exit(2);
    }
    return (uint64_t)value;
}

static double mib(size_t bytes) { return (double)bytes / (1024.0 * 1024.0); }

int main(void) {
    const uint64_t ops = env_count("SOAK_OPS", 100000000u);
    const uint64_t seed = env_count("SOAK_SEED", 20261125u);
    const size_t target = (size_t)env_count("SOAK_LIVE_MB", 20) * 1000 * 1000;
    const uint64_t check_every = 100000;
    const size_t sample_count = ops >= 100 ? 100 : (size_t)ops;
    const uint64_t sample_every = ops / sample_count;
    rng_state = seed ? seed : rng_state;
    printf("soak: %" PRIu64 " ops, seed %" PRIu64 ", live target %.1f MiB, invariants every "
           "%" PRIu64 " ops, a sample every %" PRIu64 " ops; page source %s\n",
           ops, seed, mib(target), check_every, sample_every, gomem_page_source()->name);

    size_t held_before_create = gomem_page_bytes_held();
    gomem_allocator *a = gomem_allocator_create(0);
    if (a == NULL) {
        fprintf(stderr, "soak: gomem_allocator_create failed\n");
        return 1;
    }
    size_t held_start = gomem_page_bytes_held();
    gomem_stats start_stats;
    gomem_allocator_stats(a, &start_stats);
    sample *samples = calloc(sample_count + 1, sizeof *samples);
    size_t taken = 0;
    size_t live = 0;
    uint64_t counts[6] = {0}; /* malloc, free, segmented, free_rest, trim, invariant checks */
    uint8_t next_tag = 1;
    double started = now();

    for (uint64_t op = 1; op <= ops; op++) {
        bool grow = live < target * 9 / 10 || piece_count == 0 ||
                    (live <= target * 11 / 10 && (rng() & 1));
        if (grow) {
            size_t size = random_size();
            uint8_t *p = gomem_alloc(a, size);
            if (p == NULL) {
                fail("malloc returned NULL", op);
            } else {
                push_piece(p, size, next_tag);
                next_tag = (uint8_t)(next_tag % 251 + 1);
                live += size;
                counts[0]++;
            }
        } else {
            size_t i = below(piece_count);
            range r = pieces[i];
            if (!tags_intact(&r)) fail("an allocation's bytes were overwritten", op);
            size_t kind = below(10);
            if (kind < 6 || r.len < 3) { /* whole */
                if (gomem_free(a, r.ptr, r.len) != GOMEM_OK) fail("free", op);
                pieces[i] = pieces[--piece_count];
                live -= r.len;
                counts[1]++;
            } else if (kind < 8) { /* a middle piece: two live pieces remain */
                size_t start = 1 + below(r.len - 2);
                size_t len = 1 + below(r.len - 1 - start);
                if (gomem_free(a, r.ptr + start, len) != GOMEM_OK) fail("segmented free", op);
                pieces[i] = pieces[--piece_count];
                push_piece(r.ptr, start, r.tag);
                push_piece(r.ptr + start + len, r.len - start - len, r.tag);
                live -= len;
                counts[2]++;
            } else { /* free_rest: keep a prefix */
                size_t size = r.len, keep = 1 + below(r.len - 1);
                if (gomem_free_rest(a, r.ptr, &size, keep) != GOMEM_OK || size != keep)
                    fail("free_rest", op);
                pieces[i].len = keep;
                pieces[i].ptr[keep - 1] = r.tag;
                live -= r.len - keep;
                counts[3]++;
            }
        }
        if (below(100000) == 0) {
            (void)gomem_trim(a);
            counts[4]++;
        }
        if (op % check_every == 0) {
            counts[5]++;
            if (!gomem_allocator_invariants_hold(a)) fail("invariants hold", op);
            gomem_stats stats;
            gomem_allocator_stats(a, &stats);
            if (stats.live != live) fail("stats.live disagrees with the caller's count", op);
        }
        if (op % sample_every == 0 && taken < sample_count) {
            gomem_stats stats;
            gomem_allocator_stats(a, &stats);
            samples[taken++] = (sample){op, stats.live, stats.footprint, gomem_page_bytes_held(),
                                        stats.arena_count, stats.metadata, piece_count};
        }
        if (failures > 20) break;
    }
    double elapsed = now() - started;

    /* Free the rest by hand first (the allocator must take every piece back), then recycle. */
    size_t peak_footprint;
    {
        gomem_stats stats;
        gomem_allocator_stats(a, &stats);
        peak_footprint = stats.peak_footprint;
    }
    for (size_t i = 0; i < piece_count; i++) {
        if (!tags_intact(&pieces[i])) fail("an allocation's bytes were overwritten (final)", ops);
        if (gomem_free(a, pieces[i].ptr, pieces[i].len) != GOMEM_OK) fail("final free", ops);
    }
    piece_count = 0;
    gomem_stats end_stats;
    gomem_allocator_stats(a, &end_stats);
    if (end_stats.live != 0) fail("live is not 0 after freeing everything", ops);
    if (!gomem_allocator_invariants_hold(a)) fail("invariants hold after freeing everything", ops);
    size_t held_all_freed = gomem_page_bytes_held();
    size_t trimmed = gomem_trim(a);
    size_t held_trimmed = gomem_page_bytes_held();
    gomem_allocator_recycle(a);
    size_t held_recycled = gomem_page_bytes_held();
    gomem_stats recycled_stats;
    gomem_allocator_stats(a, &recycled_stats);
    if (recycled_stats.footprint != 0) fail("footprint after recycle is not 0", ops);
    if (!gomem_allocator_invariants_hold(a)) fail("invariants hold after recycle", ops);
    /* Still usable after the soak and the recycle. */
    void *again = gomem_alloc(a, 1000);
    if (again == NULL || gomem_free(a, again, 1000) != GOMEM_OK) fail("malloc after recycle", ops);
    gomem_allocator_recycle(a);
    gomem_allocator_destroy(a);
    size_t held_destroyed = gomem_page_bytes_held();
    if (held_recycled > held_start) fail("page bytes held after recycle above the start", ops);
    if (held_destroyed != held_before_create) fail("page bytes held after destroy", ops);

    /* ---- figures ---- */
    printf("\n%10s %12s %12s %12s %8s %10s %9s\n", "ops", "live MiB", "footprint MiB",
           "held MiB", "arenas", "meta KiB", "pieces");
    size_t stride = taken > 25 ? taken / 25 : 1;
    for (size_t i = 0; i < taken; i++) {
        if (i % stride != stride - 1 && i != taken - 1) continue;
        const sample *s = &samples[i];
        printf("%10" PRIu64 " %12.2f %12.2f %12.2f %8zu %10.1f %9zu\n", s->ops, mib(s->live),
               mib(s->footprint), mib(s->held), s->arenas, (double)s->metadata / 1024.0,
               s->pieces);
    }

    /* Steady state: the second half of the samples. */
    size_t first = taken / 2, n = taken - first;
    bool trend_ok = true;
    printf("\nsteady state: samples %zu..%zu (ops %" PRIu64 "..%" PRIu64 ")\n", first + 1, taken,
           n ? samples[first].ops : 0, n ? samples[taken - 1].ops : 0);
    printf("%-16s %12s %12s %12s %18s %7s %14s %9s %8s\n", "series", "mean MiB", "min MiB",
           "max MiB", "slope B/Mops", "t", "growth/mean", "new high", "verdict");
    if (n >= 2) {
        double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
        const char *names[3] = {"live", "footprint", "page bytes held"};
        for (int series = 0; series < 3; series++) {
            double mean = 0, lo = INFINITY, hi = 0;
            for (size_t i = 0; i < n; i++) {
                const sample *s = &samples[first + i];
                x[i] = (double)s->ops / 1e6;
                y[i] = (double)(series == 0 ? s->live : series == 1 ? s->footprint : s->held);
                mean += y[i];
                lo = fmin(lo, y[i]);
                hi = fmax(hi, y[i]);
            }
            mean /= (double)n;
            double t = 0;
            double b = slope(x, y, n, &t);
            double growth = b * (x[n - 1] - x[0]);
            double ratio = mean > 0 ? growth / mean : 0;
            /* A trend: growth over the half of 5 % of the mean or more, a real slope, and the
             * last quarter of the run reaching above every sample of the first half (growth
             * makes new highs; a footprint flipping between two levels does not). Samples are
             * autocorrelated, so t alone would flag such flipping now and then. Live is the
             * control series (held near the target), not judged. */
            double early_max = 0, late_max = 0;
            for (size_t i = 0; i < taken; i++) {
                const sample *s = &samples[i];
                double v = (double)(series == 0 ? s->live : series == 1 ? s->footprint : s->held);
                if (i < first) early_max = fmax(early_max, v);
                if (i >= taken - taken / 4) late_max = fmax(late_max, v);
            }
            bool new_high = late_max > early_max;
            bool ok = series == 0 || ratio < 0.05 || t < 3.0 || !new_high;
            if (!ok) trend_ok = false;
            printf("%-16s %12.2f %12.2f %12.2f %18.0f %7.1f %13.2f%% %9s %8s\n",
                   names[series], mean / 1048576.0, lo / 1048576.0, hi / 1048576.0, b, t,
                   ratio * 100.0, new_high ? "yes" : "no",
                   series == 0 ? "(target)" : ok ? "pass" : "FAIL");
        }
        free(x);
        free(y);
    }
    if (!trend_ok) fail("footprint grows while the live set is steady", ops);

    printf("\noperations: %" PRIu64 " mallocs, %" PRIu64 " whole frees, %" PRIu64
           " segmented frees, %" PRIu64 " free_rest, %" PRIu64 " trims, %" PRIu64
           " invariant checks\n", counts[0], counts[1], counts[2], counts[3], counts[4],
           counts[5]);
    printf("time: %.1f s, %.1f M ops/s; peak footprint %.2f MiB\n", elapsed,
           (double)ops / elapsed / 1e6, mib(peak_footprint));
    printf("page bytes held: before create %zu, after create %zu, all freed %zu, after trim %zu "
           "(released %zu), after recycle %zu, after destroy %zu\n",
           held_before_create, held_start, held_all_freed, held_trimmed, trimmed, held_recycled,
           held_destroyed);
    printf("after recycle: footprint %zu (start %zu), metadata %zu (start %zu): the allocator "
           "keeps %zu bytes of bookkeeping it grew during the run\n",
           recycled_stats.footprint, start_stats.footprint, recycled_stats.metadata,
           start_stats.metadata, recycled_stats.metadata - start_stats.metadata);
    printf("recycle back to the starting level: footprint %s, page bytes held %s; growth trend: "
           "%s\n", recycled_stats.footprint == start_stats.footprint ? "yes" : "NO",
           held_recycled <= held_start ? "yes" : "NO", trend_ok ? "none" : "YES");
    free(samples);
    free(pieces);
    printf("soak: %s\n", failures == 0 ? "passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
