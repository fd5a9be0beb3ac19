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
/* Kept blocks that no allocation needed for DECAY_OPS list operations go back to the index: a
 * kept block splits the free space around it, and the space it splits is what the heap's growth
 * is measured by (gomem_malloc's stress program held 1.5x its live bytes in WASI with every
 * freed block kept up to the budget, 1.3x with none kept). */
#define DECAY_OPS 16384u

typedef struct shared_list {
    block_header *head;
    uint32_t count;
    uint32_t low; /* the fewest blocks the list held since the last decay: unused all along */
} shared_list;

static struct {
    gomem_lock lock;
    gomem_allocator *allocator;      /* NULL until the first allocation */
    shared_list lists[CLASS_COUNT]; /* freed small blocks by class */
    size_t cached;                   /* bytes (headers included) on the lists */
    uint32_t list_ops;               /* pushes and pops since the last decay */
    size_t misuses;
    gomem_status last_misuse;
} heap;

#if FORK_HANDLERS
static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;

/* Every lock of the malloc layer, in its nesting order, so that fork() finds none held. */
static void before_fork(void) {
    gomem_lock_acquire(&heap.lock);
    if (heap.allocator != NULL) gomem_allocator_hold(heap.allocator);
    gomem_platform_fork_hold();
}
static void after_fork_parent(void) {
    gomem_platform_fork_release();
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
        /* Blocks start HEADER bytes before an aligned address (block.h), so the allocator's
         * alignment is the header's. */
        /* Compact: a process heap is judged by the memory it holds (measured on gomem_malloc's
         * stress program in WASI: 125.8 MB for 32.9 MB live without, 46.1 MB with). */
        gomem_allocator_options options = {
            .initial_size = INITIAL_ARENA, .alignment = HEADER, .compact = true};
        heap.allocator = gomem_allocator_create_ex(&options, NULL);
    }
    return heap.allocator;
}

/* Count a free (or realloc) of a readable header that block_claim refused. */
static void refuse(const block_header *h) {
    /* In GOMEM_HARDENED builds a block given back to the index had its header overwritten by the
     * freed-byte fill, so a second free of it reads as foreign (it is refused all the same). */
    misuse(block_is_freed(h) ? GOMEM_ERR_DOUBLE_FREE : GOMEM_ERR_FOREIGN_POINTER);
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

/* Largest request an arena can hold with its header and the worst alignment slack. */
static bool request_fits(size_t n, size_t slack) {
    return n <= GOMEM_ARENA_LIMIT - HEADER - BLOCK_ALIGN - slack;
}

static void decay_locked(void);

static void list_push_locked(block_header *h) {
    shared_list *list = &heap.lists[block_word_class(h->word)];
    block_set(h, LISTED);
    block_set_next(h, list->head);
    list->head = h;
    list->count++;
    heap.cached += block_span(h);
    if (++heap.list_ops >= DECAY_OPS) decay_locked();
}

/* The most recently listed block of class c, taken off its list, or NULL when the list is empty. */
static block_header *list_pop_locked(unsigned c) {
    shared_list *list = &heap.lists[c];
    block_header *h = list->head;
    if (h != NULL) {
        list->head = block_next(h);
        if (--list->count < list->low) list->low = list->count;
        heap.cached -= block_span(h);
        heap.list_ops++;
    }
    return h;
}

/* Give a block the heap owns to the allocator's index, where it merges with its free neighbours.
 * Only a missing index node can fail; the block then stays allocated (leaked, never handed out
 * twice). */
static void give_to_index_locked(block_header *h) {
    size_t span = block_span(h);
    block_set(h, FREED);
    if (gomem_free(heap.allocator, h, span) != GOMEM_OK) block_set(h, LIVE);
}

/* Every class gives back the blocks it kept unused since the last decay. */
static void decay_locked(void) {
    for (unsigned c = 0; c < CLASS_COUNT; c++) {
        shared_list *list = &heap.lists[c];
        for (uint32_t unused = list->low; unused > 0; unused--)
            give_to_index_locked(list_pop_locked(c));
        list->low = list->count;
    }
    heap.list_ops = 0; /* the pops above are the decay's, not the program's */
}

/* Give every kept block of the shared lists (and, with thread caches, of the calling thread's
 * cache) to the index. false when there was none. */
static bool give_back_kept_locked(void) {
    bool any = heap.cached != 0;
    for (unsigned c = 0; c < CLASS_COUNT; c++) {
        for (block_header *h; (h = list_pop_locked(c)) != NULL;) give_to_index_locked(h);
        heap.lists[c].low = 0;
    }
#if GOMEM_THREADS
    for (block_header *h = gomem_thread_cache_take_all(); h != NULL;) {
        block_header *next = block_next(h);
        give_to_index_locked(h);
        h = next;
        any = true;
    }
#endif
    return any;
}

/* `size` bytes from the allocator, in the space the heap has if possible: when only growth would
 * hold them, the kept blocks go back to the index first (they may be what splits the holes). */
static uint8_t *take_any_locked(gomem_allocator *allocator, size_t size) {
    if (size <= GOMEM_DEFAULT_MAX_BLOCK) { /* larger ones get a region of their own anyway */
        void *bytes = gomem_alloc_within(allocator, size);
        if (bytes != NULL) return bytes;
        if (give_back_kept_locked() && (bytes = gomem_alloc_within(allocator, size)) != NULL)
            return bytes;
    }
    return gomem_alloc(allocator, size);
}

/* `size` bytes (a multiple of BLOCK_ALIGN) for blocks, starting where the layout puts a block.
 * Every range the heap gives back keeps that congruence, so a misplaced start only comes from
 * the beginning of an arena (or from gomem_* calls on gomem_malloc_heap()): then HEADER more
 * bytes are taken and the misplaced ones given back (a sliver no block will ever use). */
static void *take_locked(size_t size) {
    gomem_allocator *allocator = allocator_locked();
    if (allocator == NULL) return NULL;
    uint8_t *bytes = take_any_locked(allocator, size);
    if (bytes == NULL || block_start_fits(bytes)) return bytes;
    if (gomem_grow_in_place(allocator, bytes, size, size + HEADER) != GOMEM_OK) {
        (void)gomem_free(allocator, bytes, size); /* cannot fail: the range was just taken */
        if ((bytes = take_any_locked(allocator, size + HEADER)) == NULL) return NULL;
    }
    /* Only a missing index node can fail; the sliver then stays allocated. */
    if (block_start_fits(bytes)) {
        (void)gomem_free(allocator, bytes + size, HEADER);
        return bytes;
    }
    (void)gomem_free(allocator, bytes, HEADER);
    return bytes + HEADER;
}

/* Blocks spanning `span` bytes (a class span) from the allocator, side by side: `wanted`, or a
 * whole run when the block is small and the list budget allows (the extra blocks go on the list),
 * or one when memory is short. Returns the first and sets *count to how many the caller gets
 * (chained), or NULL. */
static block_header *new_blocks_locked(size_t span, unsigned wanted, unsigned *count) {
    size_t block = span, made = wanted;
    if (block <= RUN_BLOCK_MAX && RUN_BYTES / block > made &&
        heap.cached + RUN_BYTES <= GOMEM_MALLOC_CACHE_BYTES)
        made = RUN_BYTES / block;
    uint8_t *run = take_locked(made * block);
    if (run == NULL && made > 1) {
        made = wanted = 1;
        run = take_locked(block);
    }
    if (run == NULL) return NULL;
    for (size_t i = made; i-- > wanted;) { /* pushed last to first: handed out in address order */
        block_header *h = (block_header *)(run + i * block);
        block_set_span(h, span);
        list_push_locked(h);
    }
    for (size_t i = 0; i < wanted; i++) {
        block_header *h = (block_header *)(run + i * block);
        block_set_span(h, span);
        block_set(h, LISTED);
        block_set_next(h, i + 1 < wanted ? (block_header *)(run + (i + 1) * block) : NULL);
    }
    *count = wanted;
    return (block_header *)run;
}

unsigned gomem_heap_take_batch(unsigned c, unsigned want, block_header **chain, size_t *bytes) {
    size_t span = class_span(c);
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
        block_header *fresh = new_blocks_locked(span, want - got, &made);
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
    *bytes += (size_t)got * span;
    return got;
}

/* Give back a block the heap owns (claimed): onto its class list while the budget allows, else
 * to the index. */
static void release_locked(block_header *h) {
    if (block_word_is_class(h->word) &&
        heap.cached + block_span(h) <= GOMEM_MALLOC_CACHE_BYTES)
        list_push_locked(h);
    else
        give_to_index_locked(h);
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
        h = new_blocks_locked(class_span(c), 1, &made);
    }
    if (h != NULL) block_set(h, LIVE);
    gomem_heap_unlock();
    return h;
}

static block_header *large_block(size_t span) {
    gomem_heap_lock();
    block_header *h = take_locked(span);
    if (h != NULL) {
        block_set_span(h, span);
        block_set(h, LIVE);
    }
    gomem_heap_unlock();
    return h;
}

void *gomem_heap_alloc_slow(size_t n) {
    if (n > GOMEM_MALLOC_SMALL_MAX) {
        block_header *h = request_fits(n, 0) ? large_block(block_span_for(n)) : NULL;
        return h ? h + 1 : NULL;
    }
    unsigned c = class_of(n + HEADER);
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

void *gomem_heap_alloc_uncached(size_t n) {
    if (n > GOMEM_MALLOC_SMALL_MAX) return gomem_heap_alloc_slow(n); /* never cached anyway */
    block_header *h = small_block_shared(class_of(n + HEADER));
    return h ? h + 1 : NULL;
}

void gomem_heap_free_uncached(void *payload) {
    block_header *h = claim_live(payload);
    if (h == NULL) return;
    gomem_heap_lock();
    release_locked(h);
    gomem_heap_unlock();
}

void *gomem_heap_alloc_aligned(size_t alignment, size_t n) {
    if (alignment <= BLOCK_ALIGN) return gomem_heap_alloc(n);
    if (alignment > GOMEM_ARENA_LIMIT / 2 || !request_fits(n, alignment)) return NULL;
    size_t span = gomem_align_up(n + HEADER, BLOCK_ALIGN);
    /* Enough for the block wherever the aligned payload falls; the slack before and after it goes
     * straight back (segmented free), so the block is an ordinary one. Block starts, the slack
     * and the span are all whole multiples of BLOCK_ALIGN apart, so the layout holds. */
    size_t total = span + alignment - BLOCK_ALIGN;
    gomem_heap_lock();
    uint8_t *start = take_locked(total);
    gomem_allocator *allocator = heap.allocator;
    block_header *h = NULL;
    if (start != NULL) {
        uint8_t *payload = (uint8_t *)gomem_align_up((uintptr_t)start + HEADER, alignment);
        h = (block_header *)payload - 1;
        size_t before = (size_t)((uint8_t *)h - start);
        size_t after = total - before - span;
        if (before != 0 && gomem_free(allocator, start, before) != GOMEM_OK) {
            /* No index node for the split: give it all back rather than keep a block whose
             * header does not start its allocation. */
            (void)gomem_free(allocator, start, total);
            h = NULL;
        } else {
            /* A tail that cannot be split off stays part of the block. */
            if (after != 0 && gomem_free(allocator, (uint8_t *)h + span, after) != GOMEM_OK)
                span += after;
            block_set_span(h, span);
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
            gomem_thread_cache_push_spilling(cache, block_word_class(h->word), h);
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
    if (block_is(h, LIVE)) return block_usable(h);
    refuse(h);
    return 0;
}

/* Resize a claimed block in place if possible: shrink by freeing the tail, grow by claiming the
 * bytes after the block. false when the block must move. */
static bool resize_in_place_locked(block_header *h, size_t n) {
    size_t span = block_span(h), wanted = block_span_for(n);
    if (wanted <= span) {
        size_t tail = span - wanted;
        if (tail >= SHRINK_MIN && tail >= span / 8 &&
            gomem_free(heap.allocator, (uint8_t *)h + wanted, tail) == GOMEM_OK)
            block_set_span(h, wanted);
        return true; /* a block too little larger than asked for is kept whole */
    }
    if (gomem_grow_in_place(heap.allocator, h, span, wanted) != GOMEM_OK) return false;
    block_set_span(h, wanted);
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
    size_t kept = block_usable(h);
    memcpy(moved, payload, kept < n ? kept : n);
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
    gomem_heap_lock();
    size_t released = 0;
    if (heap.allocator != NULL) {
        (void)give_back_kept_locked();
        released = gomem_trim(heap.allocator);
    }
    gomem_heap_unlock();
    return released;
}
