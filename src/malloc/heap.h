/*
 * heap.h - the process heap behind the standard malloc functions (heap.c): blocks with a header
 * (block.h), shared size-class lists, per-thread caches (thread_cache.h, with GOMEM_THREADS),
 * misuse accounting. standard.c puts the C library's names and errno on top.
 */
#ifndef GOMEM_MALLOC_HEAP_H
#define GOMEM_MALLOC_HEAP_H

#include <stddef.h>

#include "../../platform/page_readable.h"
#include "block.h"
#if GOMEM_THREADS
#include "thread_cache.h"
#endif

/* The paths of gomem_heap_alloc and gomem_heap_free other than a hit in this thread's cache. */
void *gomem_heap_alloc_slow(size_t n);
void gomem_heap_free_slow(void *block);

/* Whether the header before a payload may be read at all: an aligned payload whose header lies in
 * memory the page source owns for good. The check word tells the rest. */
static inline bool gomem_heap_header_readable(const void *payload) {
    return (uintptr_t)payload % BLOCK_ALIGN == 0 && (uintptr_t)payload > HEADER &&
           gomem_page_readable((const block_header *)payload - 1, HEADER);
}

/* A block of at least n bytes (n >= 1), aligned to max_align_t; NULL when no memory can be had or
 * n is beyond what an arena can hold. Inline so that a cache hit costs no call. */
static inline void *gomem_heap_alloc(size_t n) {
#if GOMEM_THREADS
    thread_cache *cache = &gomem_thread_cache;
    if (GOMEM_LIKELY(n <= CLASS_REQUEST_MAX && cache->state == CACHE_ACTIVE)) {
        block_header *h = thread_cache_pop(cache, class_of(n + HEADER));
        if (GOMEM_LIKELY(h != NULL)) {
            block_set(h, LIVE);
            return h + 1;
        }
    }
#endif
    return gomem_heap_alloc_slow(n);
}

/* A block of at least n bytes (n >= 1) aligned to `alignment`, a power of two; NULL as
 * gomem_heap_alloc. */
void *gomem_heap_alloc_aligned(size_t alignment, size_t n);

/* Give back a block (a foreign pointer or a double free is counted and ignored). Inline so that
 * a small block going into this thread's cache costs no call. */
static inline void gomem_heap_free(void *payload) {
#if GOMEM_THREADS
    thread_cache *cache = &gomem_thread_cache;
    if (GOMEM_LIKELY(cache->state == CACHE_ACTIVE && gomem_heap_header_readable(payload))) {
        block_header *h = (block_header *)payload - 1;
        /* The word read before the claim may be anything for a foreign pointer; the claim then
         * fails, and the slow path counts the misuse. */
        uint32_t word = h->word, c = block_word_class(word);
        if (GOMEM_LIKELY(block_word_is_class(word) && c < CLASS_COUNT &&
                         thread_cache_has_room(cache, c) && block_claim(h, LISTED))) {
            thread_cache_push(cache, c, h);
            return;
        }
    }
#endif
    gomem_heap_free_slow(payload);
}

/* The block resized to at least n bytes (n >= 1), its contents kept up to the smaller size: in
 * place when it shrinks or the bytes after it are free, else moved. NULL when no memory can be had
 * (the block is unchanged) or the block is not a live one (counted as a misuse). */
void *gomem_heap_resize(void *block, size_t n);

/* gomem_heap_alloc and gomem_heap_free without the thread caches: for a runtime's own calls made
 * while a thread's thread-locals are not set up yet or torn down already (Emscripten allocates a
 * new thread's TLS block from inside that thread before its TLS exists). */
void *gomem_heap_alloc_uncached(size_t n);
void gomem_heap_free_uncached(void *block);

/* Usable bytes of a live block; 0 (and a counted misuse) for anything else. */
size_t gomem_heap_usable(void *block);

/* The heap lock: the first use, the misuse counters and the list of thread caches (not
 * reentrant; see heap.c for the lock order). */
void gomem_heap_lock(void);
void gomem_heap_unlock(void);

/* For the thread caches: up to `want` (>= 1) blocks of class c, from the shared list or a new
 * run, in state LISTED, stored at out[0..) with the one to hand out first last. Returns how many
 * (0 on out-of-memory). Takes the class's lock and, for a new run, the allocator's. */
unsigned gomem_heap_take_batch(unsigned c, unsigned want, block_header **out);

/* For the thread caches: take back `count` LISTED blocks of class c, oldest first, onto the
 * shared list, the oldest to the allocator beyond its room or budget. Reads no block that stays
 * listed. Takes the class's lock and the allocator's. */
void gomem_heap_give_batch(unsigned c, block_header *const *blocks, unsigned count);

/* Give a block the heap owns (not LIVE) to the allocator's index, where it merges with its free
 * neighbours; when no index node can be had it stays allocated (leaked, never handed out
 * twice). Takes the allocator's lock. */
void gomem_heap_give_to_index(block_header *h);

/* For the shared lists' own arrays: `size` bytes from the allocator (8-byte aligned), or NULL;
 * and giving them back with the same size. */
void *gomem_heap_take_raw(size_t size);
void gomem_heap_give_raw(void *bytes, size_t size);

/* Bytes the heap holds from the allocator (blocks live and kept, the lists' arrays). */
size_t gomem_heap_held_bytes(void);

#endif /* GOMEM_MALLOC_HEAP_H */
