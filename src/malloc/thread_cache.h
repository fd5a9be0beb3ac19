/*
 * thread_cache.h - each thread's cache of small free blocks (builds with GOMEM_THREADS only):
 * per size class a stack of blocks the thread may hand out and take back without any lock.
 *
 * Blocks belong to no thread: a block freed by another thread than the one that allocated it
 * simply goes into the freeing thread's cache. A cache is bounded (per class and in all); when a
 * class's stack is empty it takes a batch from the shared lists in heap.c under the heap lock,
 * and when it is full it gives its older half back the same way, so the lock is taken once per
 * batch. A thread's cache goes back to the shared lists when the thread exits (a pthread key
 * destructor); a thread that allocates after that (other destructors) uses the shared lists
 * directly.
 *
 * The stacks are arrays of block addresses, not chains through the blocks: moving a batch copies
 * addresses and reads no block. (Chained, each block of a batch was a cache miss: a third of the
 * time of the 8 B..64 KiB mix went to walking batches.)
 *
 * Every DECAY_BATCHES refills and spills, each class gives back half of the blocks it kept unused
 * since the last time (the fewest it held in between; at least one), so a class the thread
 * stopped using does not keep its blocks for long (kept blocks split the free space around them:
 * see shared_lists.c's DECAY_OPS), while one it uses now and then keeps some. Giving back all of
 * them every 32 batches sent the small classes' blocks of the 8 B..64 KiB mix to the shared lists
 * and back: 0.20 batches given and 0.10 taken per step, against 0.12 and 0.03 now, and the mix
 * ran 1.1x slower at 2 threads (352 against 309 ns per operation, interleaved). Longer periods
 * were faster still but held more: giving back all of them every 256 batches, the stress
 * program's native peak was 56.4 MiB and SQLite's 72.9, against 54.5 and 71.9 now.
 *
 * Blocks in a cache are in state LISTED, like those on the shared lists, so a double free of one
 * is seen (block_claim fails) whichever thread makes it.
 */
#ifndef GOMEM_MALLOC_THREAD_CACHE_H
#define GOMEM_MALLOC_THREAD_CACHE_H

#include "block.h"

/* Most bytes (spans) one class may keep in one thread, and most in all classes. */
#define CACHE_CLASS_BYTES ((size_t)256 << 10)
#define CACHE_THREAD_BYTES ((size_t)4 << 20)
/* Refills and spills between two decays of a cache. */
#define DECAY_BATCHES 64u

/* Natively the library is linked into the program or preloaded, so its thread-locals can live in
 * the static TLS block: one load from the thread pointer instead of a call per access. */
#if defined(__wasm__)
#define CACHE_TLS_MODEL
#else
#define CACHE_TLS_MODEL __attribute__((tls_model("initial-exec")))
#endif

typedef struct cache_class {
    block_header **slots; /* the kept blocks, oldest first: slots[count - 1] goes out next */
    uint32_t count;
    uint32_t limit; /* room in slots; 0 until the cache starts */
    uint32_t low;   /* the fewest blocks held since the last decay: unused all along */
} cache_class;

enum cache_state { CACHE_NEW = 0, CACHE_SETTING_UP, CACHE_ACTIVE, CACHE_GONE };

typedef struct thread_cache {
    cache_class classes[CLASS_COUNT];
    /* Held by this cache, headers included. Only the owner writes it (plain loads and stores,
     * no atomic read-modify-write); atomic so that gomem_malloc_info may read it. */
    _Atomic size_t bytes;
    block_header **storage;      /* every class's slots, in metadata pages of their own */
    struct thread_cache *next;   /* the list of active caches, under the heap lock */
    struct thread_cache *prev;
    uint32_t batches;            /* refills and spills since the last decay */
    enum cache_state state;
} thread_cache;

extern _Thread_local thread_cache gomem_thread_cache CACHE_TLS_MODEL;

/* Set up this thread's cache on its first use; NULL when the thread has exited (its cache is
 * gone), while it is being set up, or when setting it up failed. */
thread_cache *gomem_thread_cache_start(void);

/* Refill class c from the shared lists and pop one block; NULL on out-of-memory. */
block_header *gomem_thread_cache_refill(thread_cache *cache, unsigned c);

/* Keep a block of class c, claimed into state LISTED, having given half of the class back to the
 * shared lists first when the cache has no room for it (or give the block itself to them, when
 * the other classes fill the cache). */
void gomem_thread_cache_push_spilling(thread_cache *cache, unsigned c, block_header *h);

/* Hand every block of this thread's cache to `give`, emptying it (nothing when the thread has no
 * cache). Takes no lock of its own. true when there was any. */
bool gomem_thread_cache_give_all(void (*give)(block_header *h));

/* Bytes held by all threads' caches; the caller holds the heap lock. */
size_t gomem_thread_caches_bytes_locked(void);

/* In a child after fork: only the forking thread exists, so forget every other cache (their
 * blocks are lost to the child, as the threads are). The caller holds the heap lock. */
void gomem_thread_caches_forget_others_locked(void);

/* This thread's cache, ready for use, or NULL (see gomem_thread_cache_start). */
static inline thread_cache *thread_cache_get(void) {
    thread_cache *cache = &gomem_thread_cache;
    if (GOMEM_LIKELY(cache->state == CACHE_ACTIVE)) return cache;
    return gomem_thread_cache_start();
}

static inline size_t cache_bytes(const thread_cache *cache) {
    return atomic_load_explicit(&((thread_cache *)cache)->bytes, memory_order_relaxed);
}
static inline void cache_account(thread_cache *cache, size_t bytes) {
    atomic_store_explicit(&cache->bytes, bytes, memory_order_relaxed);
}

/* A block of class c from the cache (state LISTED; the caller makes it LIVE), or NULL when the
 * class is empty. O(1), no lock. */
static inline block_header *thread_cache_pop(thread_cache *cache, unsigned c) {
    cache_class *list = &cache->classes[c];
    if (GOMEM_UNLIKELY(list->count == 0)) return NULL;
    block_header *h = list->slots[--list->count];
    if (list->count < list->low) list->low = list->count;
    cache_account(cache, cache_bytes(cache) - class_span(c));
    return h;
}

/* Whether one more block of class c stays within the cache's bounds. */
static inline bool thread_cache_has_room(const thread_cache *cache, unsigned c) {
    return cache->classes[c].count < cache->classes[c].limit &&
           cache_bytes(cache) + class_span(c) <= CACHE_THREAD_BYTES;
}

/* Keep a block of class c, claimed into state LISTED, in the cache; the caller checked
 * thread_cache_has_room. O(1), no lock. */
static inline void thread_cache_push(thread_cache *cache, unsigned c, block_header *h) {
    cache_class *list = &cache->classes[c];
    list->slots[list->count++] = h;
    cache_account(cache, cache_bytes(cache) + class_span(c));
}

#endif /* GOMEM_MALLOC_THREAD_CACHE_H */
