/*
 * bench_threads.c - malloc and free from several threads at once, through the standard malloc API
 * only, so the same source measures whichever malloc it is linked with or preloaded under
 * (scripts/bench-malloc.sh: glibc, gomem_malloc static and preloaded, jemalloc, mimalloc and
 * tcmalloc preloaded). It measures the cost of one call while other threads allocate too, and how
 * total throughput grows with the number of threads.
 *
 * Every thread has slots of its own and an xorshift generator with a fixed seed of its own, and
 * runs the same number of steps; one step is one malloc, calloc, realloc or free.
 *   small  2,048 slots; a step picks a slot at random and frees its block, or mallocs 16..512 B
 *          (uniform) into it if it is empty. No block leaves its thread: the case the
 *          per-thread caches serve without a lock (docs/design.md, D12).
 *   mix    4,096 slots; bench_malloc.c's step: an empty slot gets malloc (1 in 8: calloc) of
 *          8 B..64 KiB (log-uniform), a full one is realloc'd to half..twice its size (3 in 8) or
 *          freed. One free in 16 hands the block to the next thread instead (thread i to i + 1
 *          mod N; with one thread, to itself, so the work does not change with N), which frees
 *          it: a malloc with per-thread caches has to take blocks back from other threads. Blocks
 *          travel in batches of 32 through a mutex-guarded mailbox per thread, which its owner
 *          empties every 256 steps: two locks per batch, about one per 800 steps (measured: the
 *          same runs without handoffs differ by less than the run-to-run spread). A thread whose
 *          mailbox is full (4,096 blocks: its owner was descheduled) is not waited for; the sender
 *          frees that batch itself, so "handoffs" below can fall short of 1/16 of the frees.
 * Every block's first and last byte are written with a tag of its slot and thread and checked
 * before the block is resized or freed (by whichever thread frees it), so a malloc that hands one
 * block out twice or loses bytes is noticed; any error makes the exit status 1.
 *
 * A run: the threads and the main thread meet at a barrier, the main thread reads the clock
 * (CLOCK_MONOTONIC, wall time), the threads do their steps and meet again, the clock is read;
 * then, untimed, every thread frees what it holds. ns per op per thread = the run's wall time /
 * steps per thread; throughput = threads x steps / wall time. One untimed warm-up run of a quarter
 * of the steps first, so each malloc's heaps have grown to their working size.
 *
 * Usage: bench_threads --threads N --pattern small|mix [--quick] [--runs K]
 * Runs K times (default 7, 3 with --quick: shorter runs too) and prints one line:
 *   threads=N pattern=P ns_per_op=MEDIAN min=MIN max=MAX mops=MEDIAN_THROUGHPUT runs=K steps=S
 *   handoffs=H errors=E
 * (mops: millions of calls per second over all threads, from the median run; handoffs: blocks
 * that went through a mailbox, to the next thread or, with one thread, back to itself, in all
 * measured runs.)
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    MAX_THREADS = 16,
    MAX_RUNS = 15,
    SMALL_SLOTS = 2048,
    MIX_SLOTS = 4096,
    HANDOFF_EVERY = 16, /* one free in this many goes to the next thread (mix) */
    BATCH = 32,         /* blocks per mailbox delivery */
    MAILBOX = 128 * BATCH,
    DRAIN_EVERY = 256, /* steps between looks into the own mailbox */
};

struct handoff {
    unsigned char *block;
    size_t size;
    unsigned char tag;
};

struct mailbox {
    _Alignas(64) pthread_mutex_t lock;
    atomic_size_t count; /* changed under lock; read without it to skip an empty mailbox */
    struct handoff items[MAILBOX];
};

struct worker {
    int index;
    uint64_t rng;
    unsigned long errors, handoffs;
    size_t outbox_count;
    struct handoff outbox[BATCH];
    struct handoff inbox[MAILBOX]; /* a mailbox's contents, freed outside its lock */
    unsigned char *blocks[MIX_SLOTS];
    size_t sizes[MIX_SLOTS];
};

struct result {
    unsigned long errors, handoffs;
};

static void step_small(struct worker *w);
static void step_mix(struct worker *w);

struct pattern {
    const char *name;
    size_t slots;
    long steps, quick_steps; /* per thread and run: about 0.3 s and 0.05 s with glibc */
    void (*step)(struct worker *);
    bool handoff;
};
static const struct pattern patterns[] = {
    {"small", SMALL_SLOTS, 12000000, 2000000, step_small, false},
    {"mix", MIX_SLOTS, 500000, 100000, step_mix, true},
};

static const struct pattern *pattern;
static int thread_count, run_count;
static long steps;
static pthread_barrier_t barrier; /* the workers and the main thread */
static struct mailbox mailboxes[MAX_THREADS];
static struct result results[MAX_THREADS];

static uint64_t next_random(struct worker *w) {
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return w->rng;
}

/* A fixed, distinct, nonzero seed per thread and run (splitmix64 of both). */
static uint64_t seed(int thread, int run) {
    uint64_t z = (uint64_t)thread * 1000u + (uint64_t)(run + 1) + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) | 1;
}

/* Log-uniform in [8, 65536]: a power of two 2^3..2^15, then uniform within it. */
static size_t mix_size(struct worker *w) {
    unsigned shift = 3 + (unsigned)(next_random(w) % 13);
    size_t low = (size_t)1 << shift;
    return low + (size_t)(next_random(w) % low);
}

static unsigned char tag_of(const struct worker *w, size_t slot) {
    return (unsigned char)(slot * 31u + (size_t)w->index * 101u + 1u);
}

static void mark(unsigned char *p, size_t n, unsigned char tag) {
    p[0] = tag;
    p[n - 1] = (unsigned char)(tag ^ 0x5a);
}

static bool intact(const unsigned char *p, size_t n, unsigned char tag) {
    return p[0] == tag && p[n - 1] == (unsigned char)(tag ^ 0x5a);
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void take(struct worker *w, size_t slot, unsigned char *p, size_t n) {
    if (p == NULL) {
        w->errors++;
        return;
    }
    mark(p, n, tag_of(w, slot));
    w->blocks[slot] = p;
    w->sizes[slot] = n;
}

/* Frees a block handed over by a thread, after checking its tag. */
static void free_handed(struct worker *w, const struct handoff *h) {
    if (!intact(h->block, h->size, h->tag)) w->errors++;
    free(h->block);
}

/* Delivers the outbox to the next thread's mailbox; if that is full (its owner fell far behind),
 * the blocks are freed here instead, so no run ever waits on another thread. */
static void post(struct worker *w) {
    struct mailbox *m = &mailboxes[(w->index + 1) % thread_count];
    size_t n = w->outbox_count;
    bool delivered = false;
    pthread_mutex_lock(&m->lock);
    size_t count = atomic_load_explicit(&m->count, memory_order_relaxed);
    if (count + n <= MAILBOX) {
        memcpy(&m->items[count], w->outbox, n * sizeof w->outbox[0]);
        atomic_store_explicit(&m->count, count + n, memory_order_relaxed);
        delivered = true;
    }
    pthread_mutex_unlock(&m->lock);
    if (delivered) {
        w->handoffs += n;
    } else {
        for (size_t i = 0; i < n; i++) free_handed(w, &w->outbox[i]);
    }
    w->outbox_count = 0;
}

/* Frees what other threads handed to this one; the lock is held only to copy the list out. */
static void drain(struct worker *w) {
    struct mailbox *m = &mailboxes[w->index];
    if (atomic_load_explicit(&m->count, memory_order_relaxed) == 0) return;
    pthread_mutex_lock(&m->lock);
    size_t n = atomic_load_explicit(&m->count, memory_order_relaxed);
    memcpy(w->inbox, m->items, n * sizeof w->inbox[0]);
    atomic_store_explicit(&m->count, 0, memory_order_relaxed);
    pthread_mutex_unlock(&m->lock);
    for (size_t i = 0; i < n; i++) free_handed(w, &w->inbox[i]);
}

static void release(struct worker *w, size_t slot) {
    unsigned char *p = w->blocks[slot];
    size_t n = w->sizes[slot];
    unsigned char tag = tag_of(w, slot);
    w->blocks[slot] = NULL;
    if (pattern->handoff && next_random(w) % HANDOFF_EVERY == 0) {
        w->outbox[w->outbox_count++] = (struct handoff){p, n, tag};
        if (w->outbox_count == BATCH) post(w);
        return;
    }
    if (!intact(p, n, tag)) w->errors++;
    free(p);
}

static void step_small(struct worker *w) {
    size_t slot = (size_t)(next_random(w) % SMALL_SLOTS);
    if (w->blocks[slot] != NULL) {
        release(w, slot);
    } else {
        size_t n = 16 + (size_t)(next_random(w) % 497);
        take(w, slot, malloc(n), n);
    }
}

static void step_mix(struct worker *w) {
    size_t slot = (size_t)(next_random(w) % MIX_SLOTS);
    unsigned char *p = w->blocks[slot];
    size_t op = (size_t)(next_random(w) % 8);
    if (p == NULL) {
        size_t n = mix_size(w);
        take(w, slot, op == 0 ? calloc(1, n) : malloc(n), n);
    } else if (op < 3) {
        size_t old = w->sizes[slot];
        unsigned char tag = tag_of(w, slot);
        if (!intact(p, old, tag)) w->errors++;
        size_t n = old / 2 + (size_t)(next_random(w) % (old * 2 - old / 2 + 1));
        if (n < 8) n = 8;
        if (n > 65536) n = 65536;
        unsigned char *q = realloc(p, n);
        if (q == NULL) { /* p is still the slot's block */
            w->errors++;
            return;
        }
        if (q[0] != tag) w->errors++;
        take(w, slot, q, n);
    } else {
        release(w, slot);
    }
}

/* After a run: what is in flight reaches its mailbox, every thread frees what it was handed and
 * what it holds. Untimed, between barriers, so every run starts with empty slots and mailboxes. */
static void settle(struct worker *w) {
    if (w->outbox_count > 0) post(w);
    pthread_barrier_wait(&barrier);
    drain(w);
    for (size_t slot = 0; slot < pattern->slots; slot++) {
        if (w->blocks[slot] == NULL) continue;
        if (!intact(w->blocks[slot], w->sizes[slot], tag_of(w, slot))) w->errors++;
        free(w->blocks[slot]);
        w->blocks[slot] = NULL;
    }
}

static void *work(void *arg) {
    struct worker w = {.index = (int)(intptr_t)arg}; /* 160 KiB of the thread's own stack */
    void (*step)(struct worker *) = pattern->step;
    bool handoff = pattern->handoff;
    for (int run = -1; run < run_count; run++) { /* run -1: the warm-up */
        w.rng = seed(w.index, run);
        long n = run < 0 ? steps / 4 : steps;
        unsigned long handoffs_before = w.handoffs;
        pthread_barrier_wait(&barrier);
        for (long i = 0; i < n; i++) {
            step(&w);
            if (handoff && i % DRAIN_EVERY == 0) drain(&w);
        }
        pthread_barrier_wait(&barrier);
        settle(&w);
        if (run < 0) w.handoffs = handoffs_before; /* count the timed runs only */
        pthread_barrier_wait(&barrier);
    }
    results[w.index] = (struct result){w.errors, w.handoffs};
    return NULL;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int usage(void) {
    fprintf(stderr, "usage: bench_threads --threads N (1..%d) --pattern small|mix [--quick] "
                    "[--runs K (1..%d)]\n",
            MAX_THREADS, MAX_RUNS);
    return 2;
}

int main(int argc, char **argv) {
    bool quick = false;
    run_count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            thread_count = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            run_count = atoi(argv[++i]);
            if (run_count < 1 || run_count > MAX_RUNS) return usage();
        } else if (strcmp(argv[i], "--pattern") == 0 && i + 1 < argc) {
            const char *name = argv[++i];
            for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
                if (strcmp(name, patterns[p].name) == 0) pattern = &patterns[p];
            }
            if (pattern == NULL) return usage();
        } else {
            return usage();
        }
    }
    if (pattern == NULL || thread_count < 1 || thread_count > MAX_THREADS) return usage();
    if (run_count == 0) run_count = quick ? 3 : 7;
    steps = quick ? pattern->quick_steps : pattern->steps;

    for (int t = 0; t < thread_count; t++) pthread_mutex_init(&mailboxes[t].lock, NULL);
    pthread_barrier_init(&barrier, NULL, (unsigned)thread_count + 1);
    pthread_t threads[MAX_THREADS];
    for (int t = 0; t < thread_count; t++) {
        if (pthread_create(&threads[t], NULL, work, (void *)(intptr_t)t) != 0) {
            fprintf(stderr, "bench_threads: cannot start thread %d\n", t);
            return 1;
        }
    }
    double samples[MAX_RUNS];
    for (int run = -1; run < run_count; run++) { /* the workers' four barriers per run */
        pthread_barrier_wait(&barrier);
        double start = now_ns();
        pthread_barrier_wait(&barrier);
        double elapsed = now_ns() - start;
        pthread_barrier_wait(&barrier); /* settle: all posted */
        pthread_barrier_wait(&barrier); /* settle: all freed */
        if (run >= 0) samples[run] = elapsed / (double)steps;
    }
    unsigned long errors = 0, handoffs = 0;
    for (int t = 0; t < thread_count; t++) {
        pthread_join(threads[t], NULL);
        errors += results[t].errors;
        handoffs += results[t].handoffs;
    }
    qsort(samples, (size_t)run_count, sizeof samples[0], compare_double);
    double median = samples[run_count / 2];
    printf("threads=%d pattern=%s ns_per_op=%.2f min=%.2f max=%.2f mops=%.2f runs=%d steps=%ld "
           "handoffs=%lu errors=%lu\n",
           thread_count, pattern->name, median, samples[0], samples[run_count - 1],
           thread_count * 1e3 / median, run_count, steps, handoffs, errors);
    return errors == 0 ? 0 : 1;
}
