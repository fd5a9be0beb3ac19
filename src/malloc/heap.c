/*
 * heap.c - the process heap of the malloc layer: one scalable allocator, made on first use,
 * whose blocks carry a header (block.h), plus shared per-class lists of freed small blocks and,
 * with GOMEM_THREADS, a cache per thread in front of them (thread_cache.h).
 *
 * Validating a pointer takes no lock: its header is read only when gomem_page_readable says the
 * address can never fault (wasm: below the memory size; natively: inside a reservation of
 * page_reserve.c, never unmapped), and then block_claim's compare-and-swap accepts exactly one
 * free of a LIVE block. So a thread frees into its own cache, and allocates from it, without any
 * shared lock or shared cache line in the common case.
 *
 * Locking: the heap lock (a no-op without GOMEM_THREADS) guards the shared lists, the counters
 * and the first use; the allocator's own lock nests inside it, and the page source's inside that.
 * Natively a pthread_atfork handler holds all three across fork(), so the child of a threaded
 * program inherits none of them held.
 */
#include "heap.h"

#if GOMEM_THREADS && !defined(__wasm__)
#define FORK_HANDLERS 1
#include <pthread.h>
#else
#define FORK_HANDLERS 0
#endif

#if GOMEM_THREADS
#include "thread_cache.h"
#endif

/* First arena of the heap: small programs stay small, larger ones grow by doubling. */
#define INITIAL_ARENA ((size_t)64 << 10)
/* Small blocks (up to RUN_BLOCK_MAX bytes with their header) are made RUN_BYTES at a time, side by
 * side, when their list is empty: small blocks then sit together instead of splitting the holes
 * large blocks leave (measured on bench/malloc: 3 % less peak footprint), and the run costs one
 * index operation instead of one per block. Each block stays an ordinary block: freeing one
 * gives back just its bytes (a segmented free of the run). */
#define RUN_BYTES ((size_t)16 << 10)
#define RUN_BLOCK_MAX ((size_t)1 << 10)
/* A shrinking realloc gives its tail back only when that is worth an index operation. */
#define SHRINK_MIN ((size_t)64)

static struct {
    gomem_lock lock;
    gomem_allocator *allocator;        /* NULL until the first allocation */
    block_header *lists[CLASS_COUNT]; /* freed small blocks by class */
    size_t cached;                     /* bytes (headers included) on the lists */
    size_t misuses;
    gomem_status last_misuse;
} heap;

#if FORK_HANDLERS
static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;

/* Every lock of the malloc layer, in its nesting order, so that fork() finds none held. */
static void before_fork(void) {
    gomem_lock_acquire(&heap.lock);
    if (heap.allocator != NULL) gomem_allocator_hold(heap.allocator);
    gomem_page_fork_hold();
}
static void after_fork_parent(void) {
    gomem_page_fork_release();
    if (heap.allocator != NULL) gomem_allocator_release_hold(heap.allocator);
    gomem_lock_release(&heap.lock);
}
static void after_fork_child(void) {
    gomem_thread_caches_forget_others_locked();
    after_fork_parent();
}
static void install_fork_handlers(void) {
    /* On failure (no memory for the handler) only fork safety is lost. */
    (void)pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}
#endif

void gomem_heap_lock(void) {
#if FORK_HANDLERS
    /* Outside the lock: pthread_atfork may allocate. */
    (void)pthread_once(&fork_handlers_once, install_fork_handlers);
#endif
    gomem_lock_acquire(&heap.lock);
}

void gomem_heap_unlock(void) { gomem_lock_release(&heap.lock); }

static void misuse_locked(gomem_status why) {
    heap.misuses++;
    heap.last_misuse = why;
}

static void misuse(gomem_status why) {
    gomem_heap_lock();
    misuse_locked(why);
    gomem_heap_unlock();
}

static gomem_allocator *allocator_locked(void) {
    if (heap.allocator == NULL) {
        gomem_allocator_options options = {.initial_size = INITIAL_ARENA, .alignment = BLOCK_ALIGN};
        heap.allocator = gomem_allocator_create_ex(&options);
    }
    return heap.allocator;
}

/* Count a free (or realloc) of a readable header that block_claim refused. */
static void refuse(const block_header *h) {
    /* In GOMEM_HARDENED builds a block given back to the index had its header overwritten by the
     * freed-byte fill, so a second free of it reads as foreign (it is refused all the same). */
    bool freed = block_is(h, LISTED) || block_is(h, FREED) || block_is(h, BUSY);
    misuse(freed ? GOMEM_ERR_DOUBLE_FREE : GOMEM_ERR_FOREIGN_POINTER);
}

/* A live block's header, claimed for the heap (state BUSY), or NULL after counting the misuse. */
static block_header *claim_live(void *payload) {
    if (!gomem_heap_header_readable(payload)) {
        misuse(GOMEM_ERR_FOREIGN_POINTER);
        return NULL;
    }
    block_header *h = (block_header *)payload - 1;
    if (GOMEM_LIKELY(block_claim(h, BUSY))) return h;
    refuse(h);
    return NULL;
}

/* Payload size for a request: its class size when small, else rounded to the alignment. */
static size_t block_size_for(size_t n) {
    return n <= GOMEM_MALLOC_SMALL_MAX ? class_size(class_of(n)) : gomem_align_up(n, BLOCK_ALIGN);
}

/* Largest request an arena can hold with its header and the worst alignment slack. */
static bool request_fits(size_t n, size_t slack) {
    return n <= GOMEM_ARENA_LIMIT - HEADER - BLOCK_ALIGN - slack;
}

static void list_push_locked(block_header *h) {
    block_header **list = &heap.lists[block_word_class(h->word)];
    block_set(h, LISTED);
    block_set_next(h, *list);
    *list = h;
    heap.cached += HEADER + block_size(h);
}

/* The most recently listed block of class c, taken off its list, or NULL when the list is empty. */
static block_header *list_pop_locked(unsigned c) {
    block_header *h = heap.lists[c];
    if (h != NULL) {
        heap.lists[c] = block_next(h);
        heap.cached -= HEADER + block_size(h);
    }
    return h;
}

/* Blocks of `size` bytes (a class size when small) from the allocator, side by side: `wanted`, or
 * a whole run when the block is small and the list budget allows (the extra blocks go on the
 * list), or one when memory is short. Returns the first and sets *count to how many the caller
 * gets (chained), or NULL. */
static block_header *new_blocks_locked(size_t size, unsigned wanted, unsigned *count) {
    gomem_allocator *allocator = allocator_locked();
    if (allocator == NULL) return NULL;
    size_t block = HEADER + size, made = wanted;
    if (block <= RUN_BLOCK_MAX && RUN_BYTES / block > made &&
        heap.cached + RUN_BYTES <= GOMEM_MALLOC_CACHE_BYTES)
        made = RUN_BYTES / block;
    uint8_t *run = gomem_malloc(allocator, made * block);
    if (run == NULL && made > 1) {
        made = wanted = 1;
        run = gomem_malloc(allocator, block);
    }
    if (run == NULL) return NULL;
    for (size_t i = made; i-- > wanted;) { /* pushed last to first: handed out in address order */
        block_header *h = (block_header *)(run + i * block);
        block_set_size(h, size);
        list_push_locked(h);
    }
    for (size_t i = 0; i < wanted; i++) {
        block_header *h = (block_header *)(run + i * block);
        block_set_size(h, size);
        block_set(h, LISTED);
        block_set_next(h, i + 1 < wanted ? (block_header *)(run + (i + 1) * block) : NULL);
    }
    *count = wanted;
    return (block_header *)run;
}

unsigned gomem_heap_take_batch(unsigned c, unsigned want, block_header **chain, size_t *bytes) {
    size_t size = class_size(c);
    unsigned got = 0;
    block_header *first = NULL, *last = NULL;
    gomem_heap_lock();
    for (block_header *h; got < want && (h = list_pop_locked(c)) != NULL; got++) {
        if (last) block_set_next(last, h);
        else first = h;
        last = h;
    }
    if (got < want) {
        unsigned made = 0;
        block_header *fresh = new_blocks_locked(size, want - got, &made);
        if (fresh != NULL) {
            if (last) block_set_next(last, fresh);
            else first = fresh;
            got += made;
            last = NULL; /* the fresh chain ends in NULL already */
        }
    }
    if (last) block_set_next(last, NULL);
    gomem_heap_unlock();
    *chain = first;
    *bytes += (size_t)got * (HEADER + size);
    return got;
}

/* Give back a block the heap owns (claimed): onto its class list while the budget allows, else
 * to the index. */
static void release_locked(block_header *h) {
    size_t size = block_size(h);
    if (block_word_is_class(h->word) && heap.cached + HEADER + size <= GOMEM_MALLOC_CACHE_BYTES) {
        list_push_locked(h);
        return;
    }
    block_set(h, FREED);
    /* Only a missing index node can fail here; the block then stays allocated (leaked, never
     * handed out twice). */
    if (gomem_free(heap.allocator, h, HEADER + size) != GOMEM_OK) block_set(h, LIVE);
}

void gomem_heap_give_batch(block_header *chain) {
    gomem_heap_lock();
    while (chain != NULL) {
        block_header *next = block_next(chain);
        release_locked(chain);
        chain = next;
    }
    gomem_heap_unlock();
}

/* A small block without a thread cache: from the shared list, else a new run. */
static block_header *small_block_shared(unsigned c) {
    gomem_heap_lock();
    block_header *h = list_pop_locked(c);
    if (h == NULL) {
        unsigned made;
        h = new_blocks_locked(class_size(c), 1, &made);
    }
    if (h != NULL) block_set(h, LIVE);
    gomem_heap_unlock();
    return h;
}

static block_header *large_block(size_t size) {
    gomem_heap_lock();
    gomem_allocator *allocator = allocator_locked();
    block_header *h = allocator ? gomem_malloc(allocator, HEADER + size) : NULL;
    if (h != NULL) {
        block_set_size(h, size);
        block_set(h, LIVE);
    }
    gomem_heap_unlock();
    return h;
}

void *gomem_heap_alloc_slow(size_t n) {
    if (n > GOMEM_MALLOC_SMALL_MAX) {
        block_header *h = request_fits(n, 0) ? large_block(gomem_align_up(n, BLOCK_ALIGN)) : NULL;
        return h ? h + 1 : NULL;
    }
    unsigned c = class_of(n);
    block_header *h;
#if GOMEM_THREADS
    thread_cache *cache = thread_cache_get(); /* sets the cache up on a thread's first call */
    if (cache != NULL) {
        h = thread_cache_pop(cache, c);
        if (h == NULL) h = gomem_thread_cache_refill(cache, c);
        if (h == NULL) return NULL;
        block_set(h, LIVE);
        return h + 1;
    }
#endif
    h = small_block_shared(c);
    return h ? h + 1 : NULL;
}

void *gomem_heap_alloc_aligned(size_t alignment, size_t n) {
    if (alignment <= BLOCK_ALIGN) return gomem_heap_alloc(n);
    if (alignment > GOMEM_ARENA_LIMIT / 2 || !request_fits(n, alignment)) return NULL;
    size_t size = gomem_align_up(n, BLOCK_ALIGN);
    /* Enough for the header and the payload wherever the aligned address falls; the slack before
     * and after it goes straight back (segmented free), so the block is an ordinary one. */
    size_t total = HEADER + size + alignment - BLOCK_ALIGN;
    gomem_heap_lock();
    gomem_allocator *allocator = allocator_locked();
    uint8_t *start = allocator ? gomem_malloc(allocator, total) : NULL;
    block_header *h = NULL;
    if (start != NULL) {
        uint8_t *payload = (uint8_t *)gomem_align_up((uintptr_t)start + HEADER, alignment);
        h = (block_header *)payload - 1;
        size_t before = (size_t)((uint8_t *)h - start);
        size_t after = total - before - HEADER - size;
        if (before != 0 && gomem_free(allocator, start, before) != GOMEM_OK) {
            /* No index node for the split: give it all back rather than keep a block whose
             * header does not start its allocation. */
            (void)gomem_free(allocator, start, total);
            h = NULL;
        } else {
            /* A tail that cannot be split off stays part of the block. */
            if (after != 0 && gomem_free(allocator, payload + size, after) != GOMEM_OK)
                size += after;
            block_set_size(h, size);
            block_set(h, LIVE);
        }
    }
    gomem_heap_unlock();
    return h ? h + 1 : NULL;
}

/* Give back a claimed block (state BUSY): into this thread's cache when small, else as
 * release_locked. */
static void release(block_header *h) {
#if GOMEM_THREADS
    if (block_word_is_class(h->word)) {
        thread_cache *cache = thread_cache_get();
        if (cache != NULL) {
            block_set(h, LISTED);
            gomem_thread_cache_push_spilling(cache, (unsigned)block_word_class(h->word), h);
            return;
        }
    }
#endif
    gomem_heap_lock();
    release_locked(h);
    gomem_heap_unlock();
}

void gomem_heap_free_slow(void *payload) {
    block_header *h = claim_live(payload);
    if (h != NULL) release(h);
}

size_t gomem_heap_usable(void *payload) {
    if (!gomem_heap_header_readable(payload)) {
        misuse(GOMEM_ERR_FOREIGN_POINTER);
        return 0;
    }
    const block_header *h = (const block_header *)payload - 1;
    if (block_is(h, LIVE)) return block_size(h);
    refuse(h);
    return 0;
}

/* Resize a claimed block in place if possible: shrink by freeing the tail, grow by claiming the
 * bytes after the block. false when the block must move. */
static bool resize_in_place_locked(block_header *h, size_t n) {
    size_t size = block_size(h), wanted = block_size_for(n);
    uint8_t *payload = (uint8_t *)(h + 1);
    if (wanted <= size) {
        size_t tail = size - wanted;
        if (tail >= SHRINK_MIN && tail >= size / 8 &&
            gomem_free(heap.allocator, payload + wanted, tail) == GOMEM_OK)
            block_set_size(h, wanted);
        return true; /* a block too little larger than asked for is kept whole */
    }
    if (gomem_grow_in_place(heap.allocator, h, HEADER + size, HEADER + wanted) != GOMEM_OK)
        return false;
    block_set_size(h, wanted);
    return true;
}

void *gomem_heap_resize(void *payload, size_t n) {
    if (!request_fits(n, 0)) return NULL;
    /* Claimed while it is resized, so a concurrent free of it counts as a misuse. */
    block_header *h = claim_live(payload);
    if (h == NULL) return NULL;
    gomem_heap_lock();
    bool done = resize_in_place_locked(h, n);
    gomem_heap_unlock();
    if (done) {
        block_set(h, LIVE);
        return payload;
    }
    void *moved = gomem_heap_alloc(n);
    if (moved == NULL) {
        block_set(h, LIVE); /* unchanged, still the caller's */
        return NULL;
    }
    memcpy(moved, payload, block_size(h) < n ? block_size(h) : n);
    release(h);
    return moved;
}

void gomem_malloc_info_get(gomem_malloc_info *info) {
    gomem_heap_lock();
    memset(info, 0, sizeof *info);
    if (heap.allocator != NULL) gomem_allocator_stats(heap.allocator, &info->heap);
    info->cached = heap.cached;
#if GOMEM_THREADS
    info->cached += gomem_thread_caches_bytes_locked();
#endif
    info->misuses = heap.misuses;
    info->last_misuse = heap.last_misuse;
    gomem_heap_unlock();
}

gomem_allocator *gomem_malloc_heap(void) {
    gomem_heap_lock();
    gomem_allocator *allocator = allocator_locked();
    gomem_heap_unlock();
    return allocator;
}

size_t gomem_malloc_release(void) {
#if GOMEM_THREADS
    gomem_thread_cache_flush_current();
#endif
    gomem_heap_lock();
    size_t released = 0;
    if (heap.allocator != NULL) {
        for (unsigned c = 0; c < CLASS_COUNT; c++) {
            for (block_header *h; (h = list_pop_locked(c)) != NULL;) {
                block_set(h, FREED);
                /* Whole blocks merge with their free neighbours; one that needs a node it cannot
                 * get stays allocated, as in release_locked. */
                (void)gomem_free(heap.allocator, h, HEADER + block_size(h));
            }
        }
        released = gomem_trim(heap.allocator);
    }
    gomem_heap_unlock();
    return released;
}
