/*
 * test_malloc_threads.c - gomem_malloc under threads (native builds, where the library is always
 * thread-safe): each thread mallocs, reallocs and frees blocks with its own pattern and checks
 * it, and half of its blocks are handed to the next thread, which checks and frees them, so
 * blocks are freed by threads that did not allocate them.
 */
#include <pthread.h>

#include "../check.h"
#include "gomem_malloc.h"

enum { THREADS = 4, ROUNDS = 40, PER_ROUND = 500 };

typedef struct mailbox {
    pthread_mutex_t lock;
    unsigned char *blocks[PER_ROUND];
    size_t sizes[PER_ROUND];
    unsigned char tags[PER_ROUND];
    size_t count;
} mailbox;

static mailbox boxes[THREADS];
static size_t failures[THREADS];

static bool holds(const unsigned char *p, size_t n, unsigned char tag) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(tag + i)) return false;
    return true;
}

static void fill(unsigned char *p, size_t n, unsigned char tag) {
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(tag + i);
}

static void *worker(void *argument) {
    size_t id = (size_t)(uintptr_t)argument;
    test_rng rng = test_rng_seed(1000 + id);
    mailbox *mine = &boxes[id], *next = &boxes[(id + 1) % THREADS];
    for (int round = 0; round < ROUNDS; round++) {
        unsigned char *blocks[PER_ROUND];
        size_t sizes[PER_ROUND];
        unsigned char tag = (unsigned char)(id * 50 + (size_t)round);
        for (int i = 0; i < PER_ROUND; i++) {
            sizes[i] = test_rng_range(&rng, 1, i % 10 == 0 ? 40000 : 300);
            blocks[i] = malloc(sizes[i]);
            if (blocks[i] == NULL) {
                failures[id]++;
                continue;
            }
            fill(blocks[i], sizes[i], tag);
        }
        for (int i = 0; i < PER_ROUND; i += 3) { /* grow or shrink some */
            if (blocks[i] == NULL) continue;
            size_t n = test_rng_range(&rng, 1, 2000);
            unsigned char *q = realloc(blocks[i], n);
            if (q == NULL) continue;
            size_t kept = n < sizes[i] ? n : sizes[i];
            if (!holds(q, kept, tag)) failures[id]++;
            fill(q, n, tag);
            blocks[i] = q;
            sizes[i] = n;
        }
        /* Free what the previous thread left for us, then leave half of ours for the next. */
        pthread_mutex_lock(&mine->lock);
        for (size_t i = 0; i < mine->count; i++) {
            if (!holds(mine->blocks[i], mine->sizes[i], mine->tags[i])) failures[id]++;
            free(mine->blocks[i]);
        }
        mine->count = 0;
        pthread_mutex_unlock(&mine->lock);
        pthread_mutex_lock(&next->lock);
        for (int i = 0; i < PER_ROUND; i++) {
            if (blocks[i] == NULL) continue;
            if (i % 2 == 0 && next->count < PER_ROUND) {
                next->blocks[next->count] = blocks[i];
                next->sizes[next->count] = sizes[i];
                next->tags[next->count++] = tag;
            } else {
                if (!holds(blocks[i], sizes[i], tag)) failures[id]++;
                free(blocks[i]);
            }
        }
        pthread_mutex_unlock(&next->lock);
    }
    return NULL;
}

static void test_threads_share_the_heap(void) {
    pthread_t threads[THREADS];
    for (size_t t = 0; t < THREADS; t++) pthread_mutex_init(&boxes[t].lock, NULL);
    for (size_t t = 0; t < THREADS; t++)
        CHECK_EQ(pthread_create(&threads[t], NULL, worker, (void *)(uintptr_t)t), 0);
    for (size_t t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    for (size_t t = 0; t < THREADS; t++) {
        CHECK_EQ(failures[t], 0);
        for (size_t i = 0; i < boxes[t].count; i++) free(boxes[t].blocks[i]);
        boxes[t].count = 0;
    }
    gomem_malloc_info info;
    gomem_malloc_info_get(&info);
    CHECK_EQ(info.misuses, 0);
    CHECK(gomem_allocator_invariants_hold(gomem_malloc_heap()));
}

int main(void) {
    RUN(test_threads_share_the_heap);
    return check_report("test_malloc_threads");
}
