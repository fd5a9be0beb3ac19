/*
 * test_malloc_threads.c - the process heap under threads: per-thread caches, frees and reallocs by
 * a thread other than the one that allocated, threads that exit while their caches hold blocks,
 * and misuse (double frees raced by two threads, interior and foreign pointers) from many threads.
 *
 * Built twice from this one file (tests/malloc/CMakeLists.txt):
 *   test_malloc_threads       through the standard names (malloc/free/realloc/malloc_usable_size),
 *                             linked with gomem_malloc, so libc's own allocations share the heap;
 *                             natively, and under valgrind told to leave the program's malloc be;
 *   test_malloc_heap_threads  (GOMEM_TEST_HEAP_LEVEL=1) through the heap's own functions
 *                             (src/malloc/heap.h: gomem_heap_alloc/free/resize/usable), linked with
 *                             the objects of gomem_malloc minus standard.c. ThreadSanitizer and
 *                             ASan replace malloc, so this is the build that runs the heap's
 *                             thread paths under them (the threads-tsan, asan-ubsan and valgrind
 *                             configurations of scripts/test.sh); libc keeps their malloc there.
 *
 * What it checks and why:
 *   test_threads_share_the_heap  THREADS threads allocate blocks of every kind (small classes,
 *       medium, beyond GOMEM_MALLOC_SMALL_MAX) with a pattern per thread and round, realloc their
 *       own, pass half to the next thread through a mailbox, which checks, reallocs (a block
 *       another thread allocated) or frees them; at the end each thread leaves "orphans" for the
 *       main thread and fills its cache (frees a run of small blocks) before it exits. The main
 *       thread then checks, reallocs and frees the orphans and mailbox leftovers (blocks whose
 *       allocating thread is gone). Then: every live byte above the baseline must be a freed block
 *       the heap counts as `cached` (live == baseline + cached), and after gomem_malloc_release()
 *       live is back at the baseline, nothing is cached and no misuse was counted. A thread cache
 *       not given back at thread exit, or a block lost by a remote free, shows as live bytes.
 *   test_exit_with_cached_blocks  the same accounting for the narrowest case: threads that only
 *       malloc and free small blocks (so everything they freed sits in their caches) and exit.
 *   test_double_free_race  two threads free the same blocks at the same moment (same order on
 *       even rounds, opposite orders on odd ones; small blocks, and large ones every 4th round):
 *       exactly one free per block may succeed and the other must be counted as a double free
 *       (misuses + 1 per block, last_misuse GOMEM_ERR_DOUBLE_FREE, or FOREIGN_POINTER in hardened
 *       builds, whose fill erases the header of a block given back to the index); afterwards the racers and the
 *       main thread allocate blocks of the same sizes, which must not overlap (a block freed twice
 *       would be handed out twice) and must keep their owners' patterns; at the end live is back
 *       at the baseline (a block both frees refused would be lost). It prints in how many rounds
 *       the two free loops really overlapped in time (0 under valgrind, which runs one thread at
 *       a time).
 *   test_concurrent_misuse  threads free interior, misaligned, stack and static pointers among
 *       legitimate frees: every misuse counted exactly once, every live block intact.
 *   test_wild_pointers  free/realloc/usable of addresses above every mapping (top of the address
 *       space, non-canonical): refused and counted without reading them (a read would fault).
 *
 * Baseline: libc allocates through this malloc too (stdio buffers, each thread's TLS/DTV block,
 * which glibc keeps with a cached thread stack). So each accounting test first runs the same
 * number of threads once (their stacks, and what hangs off them, are then cached and reused),
 * releases, and takes the live bytes as the baseline; nothing between baseline and the final
 * check prints. At heap level libc does not use this heap, and the baseline is what the earlier
 * tests left (0 when nothing is live). Measured: 5328 bytes natively, the same before and after.
 *
 * GOMEM_TEST_SCALE (percent, default 100) scales the rounds (valgrind runs it at 50).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "../check.h"
#include "gomem_malloc.h"

/* Patterns cover every byte of the first and last 128 and every 251st in between. */
#define PATTERN_EDGE 128
#define PATTERN_STRIDE 251
#include "block_patterns.h"

#if GOMEM_TEST_HEAP_LEVEL
#include "../../src/malloc/heap.h"
#define TEST_NAME "test_malloc_heap_threads"
static void *t_alloc(size_t n) { return gomem_heap_alloc(n); }
static void t_free(void *p) { gomem_heap_free(p); }
static void *t_resize(void *p, size_t n) { return gomem_heap_resize(p, n); }
static size_t t_usable(void *p) { return gomem_heap_usable(p); }
#else
#define TEST_NAME "test_malloc_threads"
size_t malloc_usable_size(void *block); /* gomem_malloc defines it; not every libc declares it */
static void *t_alloc(size_t n) { return malloc(n); }
static void t_free(void *p) { free(p); }
static void *t_resize(void *p, size_t n) { return realloc(p, n); }
static size_t t_usable(void *p) { return malloc_usable_size(p); }
#endif

#define ALIGN _Alignof(max_align_t)

enum { THREADS = 4, PER_ROUND = 400, ORPHANS = 48 };

static size_t scale_percent = 100;

static size_t scaled(size_t n) {
    size_t s = n * scale_percent / 100;
    return s ? s : 1;
}

/* Hides where a pointer came from, so the compiler does not reject the deliberate misuses. */
static void *opaque(uintptr_t address) {
    volatile uintptr_t hidden = address;
    return (void *)hidden;
}

static gomem_malloc_info info(void) {
    gomem_malloc_info i;
    gomem_malloc_info_get(&i);
    return i;
}

static bool heap_ok(void) { return gomem_allocator_invariants_hold(gomem_malloc_heap()); }

/* Sizes of every kind: mostly small classes, some medium, some beyond the class lists. */
static size_t random_size(test_rng *rng) {
    size_t pick = test_rng_range(rng, 0, 99);
    if (pick < 70) return test_rng_range(rng, 1, 256);
    if (pick < 90) return test_rng_range(rng, 257, GOMEM_MALLOC_SMALL_MAX);
    return test_rng_range(rng, GOMEM_MALLOC_SMALL_MAX + 1, GOMEM_MALLOC_SMALL_MAX + 100000);
}

/* ---- a spin barrier (sched_yield, so it also progresses under valgrind's one-at-a-time threads)
 * ---------------------------------------------------------------------------------------------- */

typedef struct spin_barrier {
    atomic_uint arrived;
    atomic_uint generation;
    unsigned parties;
} spin_barrier;

static void barrier_init(spin_barrier *b, unsigned parties) {
    atomic_init(&b->arrived, 0);
    atomic_init(&b->generation, 0);
    b->parties = parties;
}

static void barrier_wait(spin_barrier *b) {
    unsigned generation = atomic_load(&b->generation);
    if (atomic_fetch_add(&b->arrived, 1) + 1 == b->parties) {
        atomic_store(&b->arrived, 0);
        atomic_fetch_add(&b->generation, 1);
        return;
    }
    for (unsigned spins = 0; atomic_load(&b->generation) == generation; spins++)
        if (spins > 64) sched_yield();
}

/* ---- test_threads_share_the_heap ---------------------------------------------------------------- */

typedef struct block {
    unsigned char *p;
    size_t size;
    unsigned tag;
} block;

typedef struct mailbox {
    pthread_mutex_t lock;
    block blocks[PER_ROUND];
    size_t count;
} mailbox;

static mailbox boxes[THREADS];
static block orphans[THREADS][ORPHANS];
static size_t failures[THREADS];
static size_t rounds;

/* Check a block against its pattern, realloc it to a random size (to another thread's block, when
 * it came by mail), check the kept prefix and refill it with `tag`. false when the pattern broke. */
static bool check_and_resize(block *b, test_rng *rng, unsigned tag) {
    bool ok = holds(b->p, b->size, b->tag);
    if (t_usable(b->p) < b->size) ok = false;
    size_t n = test_rng_range(rng, 1, test_rng_range(rng, 0, 3) ? 2000 : 40000);
    unsigned char *q = t_resize(b->p, n);
    if (q == NULL) return ok; /* out of memory: the block is unchanged */
    /* Moved or not, the contents up to the smaller size are kept. */
    if (!holds_prefix(q, b->size, n, b->tag)) ok = false;
    b->p = q;
    b->size = n;
    b->tag = tag;
    fill(q, n, tag);
    return ok;
}

static void *share_worker(void *argument) {
    size_t id = (size_t)(uintptr_t)argument;
    test_rng rng = test_rng_seed(1000 + id);
    mailbox *mine = &boxes[id], *next = &boxes[(id + 1) % THREADS];
    block own[PER_ROUND], incoming[PER_ROUND];
    for (size_t round = 0; round < rounds; round++) {
        unsigned tag = (unsigned)(id * 1000 + round);
        for (size_t i = 0; i < PER_ROUND; i++) {
            own[i].size = random_size(&rng);
            own[i].p = t_alloc(own[i].size);
            own[i].tag = tag;
            if (own[i].p == NULL) {
                failures[id]++;
                continue;
            }
            if ((uintptr_t)own[i].p % ALIGN != 0) failures[id]++;
            fill(own[i].p, own[i].size, tag);
        }
        for (size_t i = 0; i < PER_ROUND; i += 3) /* grow or shrink some of ours */
            if (own[i].p != NULL && !check_and_resize(&own[i], &rng, tag)) failures[id]++;

        /* What the previous thread left: a third resized here (a realloc of a block allocated by
         * another thread) and sent on with the rest of ours, the others freed here. */
        pthread_mutex_lock(&mine->lock);
        size_t received = mine->count;
        memcpy(incoming, mine->blocks, received * sizeof incoming[0]);
        mine->count = 0;
        pthread_mutex_unlock(&mine->lock);
        size_t adopted = 0;
        for (size_t j = 0; j < received; j++) {
            if (j % 3 == 0) {
                if (!check_and_resize(&incoming[j], &rng, tag)) failures[id]++;
                incoming[adopted++] = incoming[j];
            } else {
                if (!holds(incoming[j].p, incoming[j].size, incoming[j].tag)) failures[id]++;
                t_free(incoming[j].p);
            }
        }

        /* Half of ours (and the adopted ones) to the next thread, the rest freed here. */
        pthread_mutex_lock(&next->lock);
        for (size_t i = 0; i < PER_ROUND + adopted; i++) {
            block *b = i < PER_ROUND ? &own[i] : &incoming[i - PER_ROUND];
            if (b->p == NULL) continue;
            if ((i % 2 == 0 || i >= PER_ROUND) && next->count < PER_ROUND) {
                next->blocks[next->count++] = *b;
            } else {
                if (!holds(b->p, b->size, b->tag)) failures[id]++;
                t_free(b->p);
            }
        }
        pthread_mutex_unlock(&next->lock);
    }
    /* Blocks the main thread frees or reallocs after this thread is gone. */
    for (size_t i = 0; i < ORPHANS; i++) {
        block *b = &orphans[id][i];
        b->size = random_size(&rng);
        b->tag = (unsigned)(id * 7 + 5000);
        b->p = t_alloc(b->size);
        if (b->p != NULL) fill(b->p, b->size, b->tag);
    }
    /* Exit with a full cache: small blocks of several classes, freed by this thread. */
    unsigned char *small[96];
    for (size_t i = 0; i < 96; i++) small[i] = t_alloc(1 + i * 40 % 1024);
    for (size_t i = 0; i < 96; i++)
        if (small[i] != NULL) t_free(small[i]);
    return NULL;
}

/* The main thread frees or reallocs what the threads left, blocks of exited threads. */
static size_t settle_leftovers(test_rng *rng) {
    size_t broken = 0;
    for (size_t t = 0; t < THREADS; t++) {
        for (size_t i = 0; i < boxes[t].count; i++) {
            block *b = &boxes[t].blocks[i];
            if (!holds(b->p, b->size, b->tag)) broken++;
            t_free(b->p);
        }
        boxes[t].count = 0;
        for (size_t i = 0; i < ORPHANS; i++) {
            block *b = &orphans[t][i];
            if (b->p == NULL) {
                broken++;
                continue;
            }
            if (i % 2 == 0 && !check_and_resize(b, rng, 9999)) broken++;
            if (!holds(b->p, b->size, b->tag)) broken++;
            t_free(b->p);
            b->p = NULL;
        }
    }
    return broken;
}

static void run_threads(void *(*body)(void *), size_t count) {
    pthread_t threads[THREADS];
    for (size_t t = 0; t < count; t++)
        CHECK_EQ(pthread_create(&threads[t], NULL, body, (void *)(uintptr_t)t), 0);
    for (size_t t = 0; t < count; t++) pthread_join(threads[t], NULL);
}

/* Live bytes once everything the heap keeps is given back. */
static gomem_malloc_info released(void) {
    gomem_malloc_release();
    return info();
}

static void test_threads_share_the_heap(void) {
    test_rng rng = test_rng_seed(77);
    for (size_t t = 0; t < THREADS; t++) pthread_mutex_init(&boxes[t].lock, NULL);
    /* Warm-up: the same threads doing one round (libc's per-thread blocks now cached). */
    rounds = 1;
    run_threads(share_worker, THREADS);
    size_t broken = settle_leftovers(&rng);
    for (size_t t = 0; t < THREADS; t++) failures[t] = 0;
    gomem_malloc_info before = released();

    rounds = scaled(100);
    run_threads(share_worker, THREADS);
    for (size_t t = 0; t < THREADS; t++) CHECK_EQ(failures[t], 0);
    broken += settle_leftovers(&rng);
    /* Nothing is live above the baseline but freed blocks the heap counts as cached. */
    gomem_malloc_info settled = info();
    gomem_malloc_info after = released();
    CHECK_EQ(settled.heap.live, before.heap.live + settled.cached);
    CHECK_EQ(broken, 0);
    CHECK_EQ(after.heap.live, before.heap.live); /* no block lost in a cache or a remote list */
    CHECK_EQ(after.cached, 0);
    CHECK_EQ(after.misuses, before.misuses);
    CHECK(heap_ok());
    printf("share the heap: %zu threads x %zu rounds; live %zu -> %zu bytes after release\n",
           (size_t)THREADS, rounds, before.heap.live, after.heap.live);
}

/* ---- test_exit_with_cached_blocks ---------------------------------------------------------------- */

static void *cache_worker(void *argument) {
    size_t id = (size_t)(uintptr_t)argument;
    unsigned char *blocks[256];
    for (size_t round = 0; round < 16; round++) {
        for (size_t i = 0; i < 256; i++) {
            size_t n = 1 + (i * 37 + id * 11) % 2048;
            blocks[i] = t_alloc(n);
            if (blocks[i] == NULL) {
                failures[id]++;
                continue;
            }
            fill(blocks[i], n, (unsigned)id);
        }
        for (size_t i = 0; i < 256; i++) {
            if (blocks[i] == NULL) continue;
            if (!holds(blocks[i], 1 + (i * 37 + id * 11) % 2048, (unsigned)id)) failures[id]++;
            t_free(blocks[i]);
        }
    }
    return NULL; /* everything freed here is in this thread's cache or the shared lists */
}

static void test_exit_with_cached_blocks(void) {
    run_threads(cache_worker, THREADS); /* warm-up, as above */
    for (size_t t = 0; t < THREADS; t++) failures[t] = 0;
    gomem_malloc_info before = released();
    run_threads(cache_worker, THREADS);
    gomem_malloc_info exited = info();
    gomem_malloc_info after = released();
    for (size_t t = 0; t < THREADS; t++) CHECK_EQ(failures[t], 0);
    /* Before the release: every byte above the baseline is a freed block the heap keeps and
     * counts as cached (an exited thread's cache given back, not lost), ... */
    CHECK_EQ(exited.heap.live, before.heap.live + exited.cached);
    /* ... and the release gives it all back. */
    CHECK_EQ(after.heap.live, before.heap.live);
    CHECK_EQ(after.cached, 0);
    CHECK_EQ(after.misuses, before.misuses);
    CHECK(heap_ok());
}

/* ---- test_double_free_race ---------------------------------------------------------------------- */

enum { RACERS = 2, BATCH = 24, REFILL = 2 * BATCH };

static spin_barrier race_barrier;
static unsigned char *race_blocks[BATCH];
static size_t race_sizes[BATCH];
/* Blocks allocated after each race: by racer 0, racer 1 and the main thread. */
static unsigned char *refills[RACERS + 1][REFILL];
static atomic_bool race_over;
/* When each racer started and finished freeing, this round (to report real overlap). */
static _Atomic long long race_start[RACERS], race_end[RACERS];
static size_t race_round;

static long long now_ns(void) {
    struct timespec t;
    timespec_get(&t, TIME_UTC);
    return (long long)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *racer(void *argument) {
    size_t id = (size_t)(uintptr_t)argument;
    for (;;) {
        barrier_wait(&race_barrier); /* 1: blocks published */
        if (atomic_load(&race_over)) return NULL;
        /* Same order on even rounds (both on one block at once), opposite orders on odd ones
         * (each wins about half when the two really run at once). */
        bool reverse = id == 1 && race_round % 2 == 1;
        atomic_store(&race_start[id], now_ns());
        for (size_t i = 0; i < BATCH; i++) t_free(race_blocks[reverse ? BATCH - 1 - i : i]);
        atomic_store(&race_end[id], now_ns());
        barrier_wait(&race_barrier); /* 2: both freed */
        for (size_t i = 0; i < REFILL; i++) {
            size_t n = race_sizes[i % BATCH];
            refills[id][i] = t_alloc(n);
            if (refills[id][i] != NULL) fill(refills[id][i], n, (unsigned)(id + 1));
        }
        barrier_wait(&race_barrier); /* 3: refilled; main checks */
        barrier_wait(&race_barrier); /* 4: checked */
        for (size_t i = 0; i < REFILL; i++)
            if (refills[id][i] != NULL) t_free(refills[id][i]);
    }
}

typedef struct span {
    uintptr_t start, end;
} span;

static int span_order(const void *a, const void *b) {
    uintptr_t x = ((const span *)a)->start, y = ((const span *)b)->start;
    return x < y ? -1 : x > y;
}

static void test_double_free_race(void) {
    pthread_t threads[RACERS];
    barrier_init(&race_barrier, RACERS + 1);
    atomic_store(&race_over, false);
    /* The baseline comes before the racers exist: Emscripten allocates a thread's stack with
     * this malloc and frees it at pthread_join. */
    gomem_malloc_info before = released();
    for (size_t t = 0; t < RACERS; t++)
        CHECK_EQ(pthread_create(&threads[t], NULL, racer, (void *)(uintptr_t)t), 0);
    test_rng rng = test_rng_seed(4242);
    size_t rounds_run = scaled(2000), miscounted = 0, wrong_kind = 0, overlaps = 0, broken = 0;
    size_t missing = 0, concurrent = 0;
    for (size_t round = 0; round < rounds_run; round++) {
        race_round = round;
        /* Every 4th round the blocks are large: they go back to the index, not to a cache. */
        bool large = round % 4 == 3;
        for (size_t i = 0; i < BATCH; i++) {
            race_sizes[i] = large ? test_rng_range(&rng, GOMEM_MALLOC_SMALL_MAX + 1, GOMEM_MALLOC_SMALL_MAX + 50000)
                                  : test_rng_range(&rng, 1, i % 4 ? 256 : 4096);
            race_blocks[i] = t_alloc(race_sizes[i]);
            if (race_blocks[i] == NULL) { /* both racers would free NULL: give up */
                fprintf(stderr, "double free race: out of memory\n");
                exit(1);
            }
            fill(race_blocks[i], race_sizes[i], 0);
        }
        gomem_malloc_info start = info();
        barrier_wait(&race_barrier); /* 1 */
        barrier_wait(&race_barrier); /* 2 */
        gomem_malloc_info raced = info();
        if (atomic_load(&race_start[0]) < atomic_load(&race_end[1]) &&
            atomic_load(&race_start[1]) < atomic_load(&race_end[0]))
            concurrent++;
        if (raced.misuses != start.misuses + BATCH) miscounted++;
        /* Hardened builds fill a block's bytes when it goes back to the index, header included,
         * so its second free reads as foreign; refused and counted all the same. Large blocks
         * always go there, small ones when a cache spills past the shared lists' budget. */
        if (raced.last_misuse != GOMEM_ERR_DOUBLE_FREE &&
            !(GOMEM_HARDENED && raced.last_misuse == GOMEM_ERR_FOREIGN_POINTER)) {
            if (wrong_kind++ < 5)
                fprintf(stderr, "round %zu (%s blocks): the refused free counted as %s\n", round,
                        large ? "large" : "small", gomem_status_name(raced.last_misuse));
        }
        for (size_t i = 0; i < REFILL; i++) {
            size_t n = race_sizes[i % BATCH];
            refills[RACERS][i] = t_alloc(n);
            if (refills[RACERS][i] != NULL) fill(refills[RACERS][i], n, RACERS + 1);
        }
        barrier_wait(&race_barrier); /* 3 */
        /* No two live blocks overlap, and each still holds its owner's pattern. */
        span spans[(RACERS + 1) * REFILL];
        size_t count = 0;
        for (size_t t = 0; t <= RACERS; t++)
            for (size_t i = 0; i < REFILL; i++) {
                unsigned char *p = refills[t][i];
                if (p == NULL) {
                    missing++;
                    continue;
                }
                if (!holds(p, race_sizes[i % BATCH], (unsigned)(t + 1))) broken++;
                spans[count++] = (span){(uintptr_t)p, (uintptr_t)p + race_sizes[i % BATCH]};
            }
        qsort(spans, count, sizeof spans[0], span_order);
        for (size_t i = 1; i < count; i++)
            if (spans[i].start < spans[i - 1].end) overlaps++;
        barrier_wait(&race_barrier); /* 4 */
        for (size_t i = 0; i < REFILL; i++)
            if (refills[RACERS][i] != NULL) t_free(refills[RACERS][i]);
    }
    atomic_store(&race_over, true);
    barrier_wait(&race_barrier);
    for (size_t t = 0; t < RACERS; t++) pthread_join(threads[t], NULL);
    gomem_malloc_info after = released();
    CHECK_EQ(miscounted, 0); /* per round: BATCH frees succeeded, BATCH were counted */
    CHECK_EQ(wrong_kind, 0);
    CHECK_EQ(overlaps, 0); /* a block freed twice would be handed out twice */
    CHECK_EQ(broken, 0);
    CHECK_EQ(missing, 0);
    /* A block both frees refused would stay live (lost) past the release. */
    CHECK_EQ(after.heap.live, before.heap.live);
    CHECK_EQ(after.misuses - before.misuses, rounds_run * BATCH);
    CHECK(heap_ok());
    printf("double free race: %zu rounds x %d blocks, the two free loops overlapped in time in "
           "%zu rounds\n", rounds_run, BATCH, concurrent);
}

/* ---- test_concurrent_misuse --------------------------------------------------------------------- */

enum { MISUSE_BLOCKS = 64, MISUSES_PER_BLOCK = 4 };

static size_t misuse_rounds;

static void *misuser(void *argument) {
    size_t id = (size_t)(uintptr_t)argument;
    static int in_static[THREADS];
    unsigned char *blocks[MISUSE_BLOCKS];
    for (size_t round = 0; round < misuse_rounds; round++) {
        int on_stack = 0;
        for (size_t i = 0; i < MISUSE_BLOCKS; i++) {
            size_t n = 64 + (i * 97 + id) % (i % 8 ? 1000 : 30000);
            blocks[i] = t_alloc(n);
            if (blocks[i] == NULL) {
                failures[id]++;
                continue;
            }
            fill(blocks[i], n, (unsigned)(id + round));
        }
        for (size_t i = 0; i < MISUSE_BLOCKS; i++) {
            if (blocks[i] == NULL) continue;
            uintptr_t at = (uintptr_t)blocks[i];
            t_free(opaque(at + ALIGN)); /* interior, aligned */
            t_free(opaque(at + 8));     /* interior, misaligned */
            if (t_resize(opaque(at + 2 * ALIGN), 100) != NULL) failures[id]++;
            t_free(opaque(i % 2 ? (uintptr_t)&on_stack : (uintptr_t)&in_static[id]));
        }
        for (size_t i = 0; i < MISUSE_BLOCKS; i++) {
            if (blocks[i] == NULL) continue;
            size_t n = 64 + (i * 97 + id) % (i % 8 ? 1000 : 30000);
            if (!holds(blocks[i], n, (unsigned)(id + round))) failures[id]++;
            t_free(blocks[i]);
        }
    }
    return NULL;
}

static void test_concurrent_misuse(void) {
    for (size_t t = 0; t < THREADS; t++) failures[t] = 0;
    misuse_rounds = scaled(100);
    gomem_malloc_info before = info();
    run_threads(misuser, THREADS);
    gomem_malloc_info after = info();
    for (size_t t = 0; t < THREADS; t++) CHECK_EQ(failures[t], 0);
    CHECK_EQ(after.misuses - before.misuses,
             THREADS * misuse_rounds * MISUSE_BLOCKS * MISUSES_PER_BLOCK);
    CHECK_EQ(after.last_misuse, GOMEM_ERR_FOREIGN_POINTER);
    CHECK(heap_ok());
}

/* ---- test_wild_pointers ------------------------------------------------------------------------ */

/* Foreign pointers nowhere near the heap, above every mapping: the top of the address space and,
 * in 64-bit builds, non-canonical addresses. Their "header" cannot be read without a fault, so
 * the heap must refuse them before reading (counted, the process alive). Last, as a fault here
 * ends the program. */
static void test_wild_pointers(void) {
    const uintptr_t wild[] = {
        UINTPTR_MAX & ~(uintptr_t)(ALIGN - 1),
        (UINTPTR_MAX >> 1) & ~(uintptr_t)(ALIGN - 1),
#if UINTPTR_MAX > 0xFFFFFFFFu
        (uintptr_t)1 << 47,
        ((uintptr_t)1 << 56) + ALIGN,
#endif
    };
    size_t count = sizeof wild / sizeof wild[0];
    printf("wild pointers: %zu, from %#jx\n", count, (uintmax_t)wild[0]);
    fflush(stdout);
    gomem_malloc_info before = info();
    for (size_t i = 0; i < count; i++) {
        t_free(opaque(wild[i]));
        CHECK(t_resize(opaque(wild[i]), 100) == NULL);
        CHECK_EQ(t_usable(opaque(wild[i])), 0);
    }
    gomem_malloc_info after = info();
    CHECK_EQ(after.misuses - before.misuses, 3 * count);
    CHECK_EQ(after.last_misuse, GOMEM_ERR_FOREIGN_POINTER);
    CHECK(heap_ok());
}

int main(void) {
    const char *scale = getenv("GOMEM_TEST_SCALE");
    if (scale != NULL && atoi(scale) > 0) scale_percent = (size_t)atoi(scale);
    /* stdout's buffer is made before any baseline is taken. */
    printf("%s: %d threads, scale %zu %%\n", TEST_NAME, THREADS, scale_percent);
    fflush(stdout);
    RUN(test_threads_share_the_heap);
    RUN(test_exit_with_cached_blocks);
    RUN(test_double_free_race);
    RUN(test_concurrent_misuse);
    RUN(test_wild_pointers);
    return check_report(TEST_NAME);
}
