/*
 * test_shared_heap.c - gomem and the program's own malloc on one Emscripten heap. In Emscripten
 * builds gomem takes its pages from that heap (aligned_alloc/free of whichever -sMALLOC is linked:
 * platform/page_emscripten.c), never by growing wasm memory behind sbrk; this checks that the two
 * allocators never hand out the same bytes and that heap growth moves or loses none.
 *
 * The workload: thousands of interleaved operations on random sizes (malloc, calloc, realloc,
 * free; gomem_alloc, segmented gomem_free, gomem_free_rest, gomem_trim), keeping enough bytes
 * alive to grow the heap past its initial size, with gomem_trim handing whole arenas back to
 * malloc so that malloc reuses gomem's old pages. It checks:
 *   - every byte of every live block of both allocators still holds its pattern, before each
 *     free or realloc and in periodic sweeps; calloc's blocks are zeroed; realloc keeps the prefix;
 *   - no two live blocks of either allocator overlap, per worker and across all workers;
 *   - no allocation fails (memory growth is on), every gomem free succeeds, and a block freed
 *     twice is refused (double free or foreign pointer) while one worker runs alone;
 *   - afterwards gomem reports 0 live bytes, its invariants hold, it uses the emscripten page
 *     source, and after destroy it holds no page bytes.
 * Built with -pthread against a GOMEM_THREADS library (the threaded suite), a second round runs
 * several workers at once, each mixing its own mallocs with one shared gomem allocator.
 * tests/emscripten/CMakeLists.txt builds it with the default malloc (dlmalloc) and with
 * -sMALLOC=emmalloc.
 *
 * GOMEM_TEST_SEED replays a run. Exits 0 when every check held; 1 (after printing the first
 * mismatches) otherwise.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emscripten/heap.h>

#include "../check.h"

#if defined(__EMSCRIPTEN_PTHREADS__)
#include <pthread.h>
#define MAX_WORKERS 4 /* must not exceed -sPTHREAD_POOL_SIZE: Node cannot start a worker later */
#else
#define MAX_WORKERS 1
#endif

#define SLOTS 384                             /* live blocks per worker, both allocators */
#define OPS_SINGLE 24000                      /* operations when one worker runs alone */
#define OPS_THREADED 8000                     /* operations per worker when several run at once */
#define LIVE_BUDGET ((size_t)20 << 20)        /* bytes a lone worker keeps alive at most */
#define MAX_BLOCK_SIZE ((size_t)1 << 20)      /* above this gomem gives a dedicated region */
#define MAX_REPORTS 8                         /* mismatches printed before going quiet */

enum kind { EMPTY = 0, FROM_MALLOC, FROM_GOMEM };

/* One live block. Byte i holds pattern(tag, base + i): `base` is the block's offset inside the
 * allocation it came from, so the pieces left by a segmented free keep their pattern unchanged. */
typedef struct block {
    uint8_t *data;
    size_t len;
    size_t base;
    uint32_t tag;
    enum kind kind;
} block;

typedef struct worker {
    unsigned id;
    test_rng rng;
    unsigned ops;
    size_t live_budget;
    bool exclusive; /* alone on its gomem allocator: may probe error paths that free twice */
    gomem_allocator *gomem;
    block slots[SLOTS];
    size_t live_bytes;
    uint32_t next_tag;
    /* counters for the summary */
    unsigned malloc_ops, gomem_ops, segmented_frees, trims;
    uint64_t bytes_checked;
    unsigned failures;
} worker;

/* Mismatch reports are printed from any worker; keep them few and whole. */
static void report(worker *w, const char *what, const block *b, size_t at, unsigned expected,
                   unsigned got) {
    w->failures++;
    if (w->failures > MAX_REPORTS) return;
    fprintf(stderr,
            "worker %u: %s: %s block %p (+%zu bytes, tag %" PRIu32 ") byte %zu: expected %u, "
            "got %u\n",
            w->id, what, b->kind == FROM_GOMEM ? "gomem" : "malloc", (void *)b->data, b->len,
            b->tag, at, expected, got);
}

static void fail(worker *w, const char *what) {
    w->failures++;
    if (w->failures <= MAX_REPORTS) fprintf(stderr, "worker %u: %s\n", w->id, what);
}

static size_t random_below(worker *w, size_t n) { return (size_t)(test_rng_next(&w->rng) % n); }

static uint8_t pattern(uint32_t tag, size_t offset) {
    uint32_t x = tag * 0x9E3779B1u ^ (uint32_t)offset * 0x85EBCA6Bu;
    x ^= x >> 13;
    return (uint8_t)(x ^ (x >> 7) ^ (x >> 21));
}

static void fill(block *b, size_t from) {
    for (size_t i = from; i < b->len; i++) b->data[i] = pattern(b->tag, b->base + i);
}

/* Every byte of b still carries its pattern. */
static bool check(worker *w, const block *b, const char *when) {
    w->bytes_checked += b->len;
    for (size_t i = 0; i < b->len; i++) {
        uint8_t expected = pattern(b->tag, b->base + i);
        if (b->data[i] != expected) {
            report(w, when, b, i, expected, b->data[i]);
            return false;
        }
    }
    return true;
}

/* Mostly small sizes, some medium, a few large; gomem's large ones pass MAX_BLOCK_SIZE and take
 * the dedicated-region path. */
static size_t random_size(worker *w) {
    size_t r = random_below(w, 1000);
    if (r < 600) return 1 + random_below(w, 256);
    if (r < 900) return 257 + random_below(w, 8 << 10);
    if (r < 985) return ((size_t)8 << 10) + random_below(w, 120 << 10);
    return ((size_t)128 << 10) + random_below(w, (size_t)1400 << 10);
}

static block *find_slot(worker *w, enum kind kind) {
    size_t start = random_below(w, SLOTS);
    for (size_t i = 0; i < SLOTS; i++) {
        block *b = &w->slots[(start + i) % SLOTS];
        if (b->kind == kind) return b;
    }
    return NULL;
}

static void forget(worker *w, block *b) {
    w->live_bytes -= b->len;
    memset(b, 0, sizeof *b);
}

static void add_block(worker *w, block *b, uint8_t *data, size_t len, enum kind kind) {
    b->data = data;
    b->len = len;
    b->base = 0;
    b->tag = w->next_tag++ * MAX_WORKERS + w->id;
    b->kind = kind;
    w->live_bytes += len;
}

static void free_malloc_block(worker *w, block *b) {
    check(w, b, "before free");
    free(b->data);
    w->malloc_ops++;
    forget(w, b);
}

static void op_malloc(worker *w, bool zeroed) {
    block *b = find_slot(w, EMPTY);
    if (b == NULL) return;
    size_t len = random_size(w);
    uint8_t *data = zeroed ? calloc(1, len) : malloc(len);
    w->malloc_ops++;
    if (data == NULL) {
        fail(w, "malloc returned NULL with memory growth on");
        return;
    }
    if (zeroed) {
        for (size_t i = 0; i < len; i++) {
            if (data[i] != 0) {
                block view = {data, len, 0, 0, FROM_MALLOC};
                report(w, "calloc not zeroed", &view, i, 0, data[i]);
                break;
            }
        }
    }
    add_block(w, b, data, len, FROM_MALLOC);
    fill(b, 0);
}

static void op_realloc(worker *w) {
    block *b = find_slot(w, FROM_MALLOC);
    if (b == NULL) return;
    check(w, b, "before realloc");
    size_t len = random_size(w);
    uint8_t *data = realloc(b->data, len);
    w->malloc_ops++;
    if (data == NULL) {
        fail(w, "realloc returned NULL with memory growth on");
        return;
    }
    size_t kept = b->len < len ? b->len : len;
    w->live_bytes = w->live_bytes - b->len + len;
    b->data = data;
    b->len = kept;
    check(w, b, "after realloc (kept prefix)");
    b->len = len;
    fill(b, kept);
}

static void op_gomem_alloc(worker *w) {
    block *b = find_slot(w, EMPTY);
    if (b == NULL) return;
    size_t len = random_size(w);
    uint8_t *data = gomem_alloc(w->gomem, len);
    w->gomem_ops++;
    if (data == NULL) {
        fail(w, "gomem_alloc returned NULL with memory growth on");
        return;
    }
    add_block(w, b, data, len, FROM_GOMEM);
    fill(b, 0);
}

static void gomem_release(worker *w, uint8_t *data, size_t len) {
    gomem_status s = gomem_free(w->gomem, data, len);
    w->gomem_ops++;
    if (s != GOMEM_OK) fail(w, gomem_status_message(s));
}

/* Free the whole block, its front, its back, or a piece from its middle (the block splits in two
 * when a slot is free for the second half). */
static void op_gomem_free(worker *w) {
    block *b = find_slot(w, FROM_GOMEM);
    if (b == NULL) return;
    check(w, b, "before gomem_free");
    size_t choice = random_below(w, 4);
    block *rest = choice == 3 ? find_slot(w, EMPTY) : NULL;
    if (b->len < 3 || choice == 0 || (choice == 3 && rest == NULL)) {
        gomem_release(w, b->data, b->len);
        /* Freeing it again must be refused without harm: a double free inside an arena, a
         * foreign pointer once a dedicated region has gone back to the heap. Only safe while no
         * other thread can reuse the range in between. */
        if (w->exclusive && random_below(w, 8) == 0) {
            gomem_status again = gomem_free(w->gomem, b->data, b->len);
            if (again != GOMEM_ERR_DOUBLE_FREE && again != GOMEM_ERR_FOREIGN_POINTER)
                fail(w, "freeing a gomem block twice was not refused");
        }
        forget(w, b);
        return;
    }
    w->segmented_frees++;
    size_t cut = 1 + random_below(w, b->len - 1); /* 1 .. len-1 */
    if (choice == 1) {                            /* free the front [0, cut) */
        gomem_release(w, b->data, cut);
        b->data += cut;
        b->base += cut;
        b->len -= cut;
        w->live_bytes -= cut;
    } else if (choice == 2) { /* free the back [cut, len) */
        gomem_release(w, b->data + cut, b->len - cut);
        w->live_bytes -= b->len - cut;
        b->len = cut;
    } else { /* free [cut, end) from the middle, keep both sides */
        size_t end = cut + 1 + random_below(w, b->len - cut);
        if (end >= b->len) end = b->len - 1;
        if (end <= cut) end = cut + 1;
        if (end >= b->len) { /* no room for a right side: free the back instead */
            gomem_release(w, b->data + cut, b->len - cut);
            w->live_bytes -= b->len - cut;
            b->len = cut;
            return;
        }
        gomem_release(w, b->data + cut, end - cut);
        *rest = *b;
        rest->data = b->data + end;
        rest->base = b->base + end;
        rest->len = b->len - end;
        b->len = cut;
        w->live_bytes -= end - cut;
    }
}

static void op_gomem_free_rest(worker *w) {
    block *b = find_slot(w, FROM_GOMEM);
    if (b == NULL || b->len < 2) return;
    check(w, b, "before gomem_free_rest");
    size_t size = b->len, keep = 1 + random_below(w, b->len - 1);
    gomem_status s = gomem_free_rest(w->gomem, b->data, &size, keep);
    w->gomem_ops++;
    if (s != GOMEM_OK || size != keep) {
        fail(w, "gomem_free_rest failed");
        return;
    }
    w->segmented_frees++;
    w->live_bytes -= b->len - keep;
    b->len = keep;
}

static int compare_blocks(const void *a, const void *b) {
    uintptr_t x = (uintptr_t)((const block *)a)->data, y = (uintptr_t)((const block *)b)->data;
    return x < y ? -1 : x > y;
}

/* No two live blocks of any allocator share a byte. `all` is scratch space for `count` blocks. */
static void check_disjoint(worker *w, const block *blocks, size_t count, block *all) {
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (blocks[i].kind != EMPTY) all[n++] = blocks[i];
    qsort(all, n, sizeof *all, compare_blocks);
    for (size_t i = 1; i < n; i++) {
        if ((uintptr_t)all[i - 1].data + all[i - 1].len > (uintptr_t)all[i].data) {
            fail(w, "two live blocks overlap");
            fprintf(stderr, "  %s %p+%zu and %s %p+%zu\n",
                    all[i - 1].kind == FROM_GOMEM ? "gomem" : "malloc", (void *)all[i - 1].data,
                    all[i - 1].len, all[i].kind == FROM_GOMEM ? "gomem" : "malloc",
                    (void *)all[i].data, all[i].len);
            return;
        }
    }
}

static void sweep(worker *w) {
    static _Thread_local block scratch[SLOTS];
    for (size_t i = 0; i < SLOTS; i++)
        if (w->slots[i].kind != EMPTY) check(w, &w->slots[i], "sweep");
    check_disjoint(w, w->slots, SLOTS, scratch);
}

static void *run_worker(void *arg) {
    worker *w = arg;
    for (unsigned op = 0; op < w->ops; op++) {
        /* Over budget: only frees, so live bytes swing between growth and shrinkage. */
        bool over = w->live_bytes > w->live_budget;
        size_t r = over ? 45 + random_below(w, 55) : random_below(w, 100);
        if (r < 20) op_malloc(w, false);
        else if (r < 25) op_malloc(w, true);
        else if (r < 30) op_realloc(w);
        else if (r < 45) op_gomem_alloc(w);
        else if (r < 70) op_gomem_free(w);
        else if (r < 75) op_gomem_free_rest(w);
        else if (r < 95) {
            block *b = find_slot(w, FROM_MALLOC);
            if (b != NULL) free_malloc_block(w, b);
        } else if (r < 97) {
            gomem_trim(w->gomem); /* whole free arenas go back to malloc's heap */
            w->trims++;
        } else if (r < 98) {
            sweep(w);
        }
        /* else: nothing this turn */
    }
    sweep(w);
    return NULL;
}

/* Free everything a worker holds; gomem blocks in two pieces when they can, back to front. */
static void drain(worker *w) {
    for (size_t i = 0; i < SLOTS; i++) {
        block *b = &w->slots[i];
        if (b->kind == FROM_MALLOC) {
            free_malloc_block(w, b);
        } else if (b->kind == FROM_GOMEM) {
            check(w, b, "before final free");
            size_t half = b->len / 2;
            if (half > 0) gomem_release(w, b->data + half, b->len - half);
            gomem_release(w, b->data, half > 0 ? half : b->len);
            forget(w, b);
        }
    }
}

static worker workers[MAX_WORKERS];

static unsigned run(unsigned nworkers, unsigned ops, gomem_allocator *gomem, uint64_t seed) {
    for (unsigned i = 0; i < nworkers; i++) {
        worker *w = &workers[i];
        memset(w, 0, sizeof *w);
        w->id = i;
        w->rng = test_rng_seed(seed + 0x9E3779B97F4A7C15ULL * (i + 1));
        w->ops = ops;
        w->live_budget = LIVE_BUDGET / nworkers;
        w->exclusive = nworkers == 1;
        w->gomem = gomem;
    }
#if defined(__EMSCRIPTEN_PTHREADS__)
    if (nworkers > 1) {
        pthread_t threads[MAX_WORKERS];
        unsigned started = 0;
        for (unsigned i = 0; i < nworkers; i++)
            if (pthread_create(&threads[i], NULL, run_worker, &workers[i]) == 0) started++;
        for (unsigned i = 0; i < started; i++) pthread_join(threads[i], NULL);
        if (started != nworkers) fail(&workers[0], "pthread_create failed");
    } else
#endif
    {
        run_worker(&workers[0]);
    }

    /* All workers stopped: the blocks of every worker, malloc's and gomem's, must be disjoint. */
    static block all[MAX_WORKERS * SLOTS], scratch[MAX_WORKERS * SLOTS];
    size_t n = 0;
    for (unsigned i = 0; i < nworkers; i++)
        for (size_t s = 0; s < SLOTS; s++) all[n++] = workers[i].slots[s];
    check_disjoint(&workers[0], all, n, scratch);

    unsigned failures = 0;
    unsigned malloc_ops = 0, gomem_ops = 0, segmented = 0, trims = 0;
    uint64_t checked = 0;
    for (unsigned i = 0; i < nworkers; i++) {
        drain(&workers[i]);
        failures += workers[i].failures;
        malloc_ops += workers[i].malloc_ops;
        gomem_ops += workers[i].gomem_ops;
        segmented += workers[i].segmented_frees;
        trims += workers[i].trims;
        checked += workers[i].bytes_checked;
    }
    printf("  %u worker(s) x %u operations: %u malloc-side, %u gomem-side (%u segmented frees, "
           "%u trims), %" PRIu64 " bytes checked, %u mismatches\n",
           nworkers, ops, malloc_ops, gomem_ops, segmented, trims, checked, failures);
    return failures;
}

static unsigned finish(gomem_allocator *gomem) {
    unsigned failures = 0;
    gomem_stats stats;
    gomem_allocator_stats(gomem, &stats);
    if (stats.live != 0) {
        fprintf(stderr, "gomem reports %zu live bytes after every block was freed\n", stats.live);
        failures++;
    }
    if (!gomem_allocator_invariants_hold(gomem)) {
        fprintf(stderr, "gomem_allocator_invariants_hold failed\n");
        failures++;
    }
    printf("  gomem: %" PRIu64 " bytes allocated in all, peak footprint %zu KiB\n",
           stats.total_malloc, stats.peak_footprint >> 10);
    return failures;
}

int main(void) {
    const gomem_page_info *source = gomem_page_source();
    uint64_t seed = test_seed(0x5EED2024u);
    size_t heap_before = emscripten_get_heap_size();
    printf("test_shared_heap: gomem page source \"%s\" (%zu-byte pages)\n", source->name,
           source->page_size);

    unsigned failures = 0;
    if (strcmp(source->name, "emscripten") != 0) {
        fprintf(stderr, "expected the emscripten page source\n");
        failures++;
    }
    gomem_allocator_options options = {0};
    options.max_block_size = MAX_BLOCK_SIZE;
    gomem_allocator *gomem = gomem_allocator_create_ex(&options, NULL);
    if (gomem == NULL) {
        fprintf(stderr, "gomem_allocator_create_ex failed\n");
        return 1;
    }

    failures += run(1, OPS_SINGLE, gomem, seed);
    failures += finish(gomem);
#if defined(__EMSCRIPTEN_PTHREADS__)
    if (gomem_features() & GOMEM_FEATURE_THREADS) {
        failures += run(MAX_WORKERS, OPS_THREADED, gomem, seed + 1);
        failures += finish(gomem);
    } else {
        printf("  gomem built without GOMEM_THREADS: the threaded round is skipped\n");
    }
#endif

    gomem_allocator_destroy(gomem);
    if (gomem_page_bytes_held() != 0) {
        fprintf(stderr, "gomem still holds %zu page bytes after destroy\n",
                gomem_page_bytes_held());
        failures++;
    }
    printf("  heap %zu KiB -> %zu KiB\n", heap_before >> 10, emscripten_get_heap_size() >> 10);
    printf("test_shared_heap: %s\n", failures == 0 ? "all checks passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
