/*
 * heap.c - the process heap of the malloc layer: one scalable allocator, made on first use,
 * whose blocks carry a header (block.h), plus per-class lists of kept small blocks
 * (shared_lists.h) and, with GOMEM_THREADS, a cache per thread in front of them
 * (thread_cache.h).
 *
 * Validating a pointer takes no lock: its header is read only when gomem_page_readable says the
 * address can never fault (wasm: below the memory size; natively: inside a reservation of
 * page_reserve.c, never unmapped), and then block_claim's compare-and-swap accepts exactly one
 * free of a LIVE block. So a thread frees into its own cache, and allocates from it, without any
 * shared lock or shared cache line in the common case.
 *
 * Locking (all no-ops without GOMEM_THREADS): the allocator is thread-safe on its own lock, so
 * blocks are taken from it and given back to it under no lock of this layer; each class list has
 * its own lock; the heap lock guards only the first use, the misuse counters and the list of
 * thread caches. Order: a class lock, the heap lock, the allocator's, the page source's. Natively
 * a pthread_atfork handler holds them all across fork(), so the child of a threaded program
 * inherits none of them held.
 */
#include "heap.h"

#include <stdatomic.h>

#include "shared_lists.h"

#if GOMEM_THREADS && !defined(__wasm__)
#define FORK_HANDLERS 1
#include <pthread.h>
#else
#define FORK_HANDLERS 0
#endif

#if GOMEM_THREADS
#include "thread_cache.h"
#endif

/* First arena of the heap: small programs stay small, larger ones grow by doubling up to
 * MAX_ARENA, and requests above it get a region of their own. In wasm every arena is memory the
 * module keeps for good, so the heap's peak moves in steps of an arena: with 2 MiB instead of the
 * allocator's default 4, the real programs' WASI peaks fell (Lua 49.8 -> 45.8 MiB, the stress
 * program 54.3 -> 50.2, SQLite 66.9 -> 64.8) and the 8 B..64 KiB mix ran at 119 ns per operation
 * instead of 180; natively both were unchanged. */
#define INITIAL_ARENA ((size_t)64 << 10)
#define MAX_ARENA ((size_t)2 << 20)
/* Small blocks (up to RUN_BLOCK_MAX bytes with their header) are made RUN_BYTES at a time, side by
 * side, when their list is empty: small blocks then sit together instead of splitting the holes
 * large blocks leave (measured on bench/malloc: 3 % less peak footprint), and the run costs one
 * index operation instead of one per block. Each block stays an ordinary block: freeing one
 * gives back just its bytes (a segmented free of the run). */
#define RUN_BYTES ((size_t)16 << 10)
#define RUN_BLOCK_MAX ((size_t)1 << 10)
#define LARGE_RUN_BYTES ((size_t)64 << 10)
/* A shrinking realloc gives its tail back only when that is worth an index operation. */
#define SHRINK_MIN ((size_t)64)

static struct {
    gomem_lock lock;
    gomem_allocator *_Atomic allocator; /* NULL until the first allocation */
    _Atomic size_t held;                /* bytes taken from the allocator and not given back */
    size_t misuses;
    gomem_status last_misuse;
} heap;

#if FORK_HANDLERS
static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;

/* Every lock of the malloc layer, in its nesting order, so that fork() finds none held. */
static void before_fork(void) {
    gomem_lists_hold_all();
    gomem_lock_acquire(&heap.lock);
    gomem_allocator *allocator = atomic_load_explicit(&heap.allocator, memory_order_acquire);
    if (allocator != NULL) gomem_allocator_hold(allocator);
    gomem_platform_fork_hold();
}
static void after_fork_parent(void) {
    gomem_platform_fork_release();
    gomem_allocator *allocator = atomic_load_explicit(&heap.allocator, memory_order_acquire);
    if (allocator != NULL) gomem_allocator_release_hold(allocator);
    gomem_lock_release(&heap.lock);
    gomem_lists_release_all();
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

static void misuse(gomem_status why) {
    gomem_heap_lock();
    heap.misuses++;
    heap.last_misuse = why;
    gomem_heap_unlock();
}

/* The heap's allocator, made on first use; NULL when it cannot be made. */
static gomem_allocator *heap_allocator(void) {
    gomem_allocator *allocator = atomic_load_explicit(&heap.allocator, memory_order_acquire);
    if (GOMEM_LIKELY(allocator != NULL)) return allocator;
    gomem_heap_lock();
    allocator = atomic_load_explicit(&heap.allocator, memory_order_relaxed);
    if (allocator == NULL) {
        /* Blocks start HEADER bytes before an aligned address (block.h), so the allocator's
         * alignment is the header's. */
        /* Compact: a process heap is judged by the memory it holds (measured on gomem_malloc's
         * stress program in WASI: 125.8 MB for 32.9 MB live without, 46.1 MB with). */
        gomem_allocator_options options = {
            .initial_size = INITIAL_ARENA, .max_block_size = MAX_ARENA, .alignment = HEADER,
            .compact = true};
        allocator = gomem_allocator_create_ex(&options, NULL);
        atomic_store_explicit(&heap.allocator, allocator, memory_order_release);
    }
    gomem_heap_unlock();
    return allocator;
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

/* Give bytes back to the allocator; false when it had no index node for them (they stay the
 * heap's). */
static bool give_bytes(void *bytes, size_t size) {
    if (gomem_free(heap_allocator(), bytes, size) != GOMEM_OK) return false;
    atomic_fetch_sub_explicit(&heap.held, size, memory_order_relaxed);
    return true;
}

void gomem_heap_give_to_index(block_header *h) {
    size_t span = block_span(h);
    block_set(h, FREED);
    /* Only a missing index node can fail; the block then stays allocated (leaked, never handed
     * out twice). */
    if (!give_bytes(h, span)) block_set(h, LIVE);
}

size_t gomem_heap_held_bytes(void) {
    return atomic_load_explicit(&heap.held, memory_order_relaxed);
}

/* Before the heap grows, kept blocks go back to the index: they may be what splits its holes.
 * Without thread caches, all of them (the lists are small). With them, only what the lists kept
 * unused since the last decay: giving every kept block back (the lists and the caller's cache)
 * at every growth sent most frees of the 8 B..64 KiB mix to the index and back (0.72 index frees
 * per step against 0.31, and the heap peaked higher: 121.5 MiB against 117.6), while keeping them
 * all until the periodic decay made SQLite's native peak 83 MiB instead of 72. */
static bool give_back_before_growth(void) {
#if GOMEM_THREADS
    return gomem_lists_give_back_unused();
#else
    return gomem_lists_give_back_all();
#endif
}

/* `size` bytes from the allocator, in the space the heap has if possible (giving the kept blocks
 * back first when `may_give_back` and that is worth it), else, when `may_grow`, from new memory. */
static uint8_t *take_any(gomem_allocator *allocator, size_t size, bool may_give_back,
                         bool may_grow) {
    if (size > MAX_ARENA) {
        /* A region of its own. Kept blocks go back first all the same: arenas they leave wholly
         * free are released before the region is mapped, and their pages may hold it. */
        if (!may_grow) return NULL;
        if (may_give_back) (void)give_back_before_growth();
        return gomem_alloc(allocator, size);
    }
    void *bytes = gomem_alloc_within(allocator, size);
    if (bytes != NULL) return bytes;
    if (may_give_back && give_back_before_growth() &&
        (bytes = gomem_alloc_within(allocator, size)) != NULL)
        return bytes;
    return may_grow ? gomem_alloc(allocator, size) : NULL;
}

/* `size` bytes at a block start, for `size` bytes just taken at a misplaced one: HEADER more
 * bytes, the misplaced sliver given back. */
static uint8_t *realign(gomem_allocator *allocator, uint8_t *bytes, size_t size) {
    /* The kept blocks were given back already if that was worth it. */
    if (gomem_grow_in_place(allocator, bytes, size, size + HEADER) != GOMEM_OK) {
        (void)gomem_free(allocator, bytes, size); /* cannot fail: the range was just taken */
        if ((bytes = take_any(allocator, size + HEADER, false, true)) == NULL) return NULL;
    }
    /* Only a missing index node can fail; the sliver then stays allocated. */
    if (block_start_fits(bytes)) {
        (void)gomem_free(allocator, bytes + size, HEADER);
        return bytes;
    }
    (void)gomem_free(allocator, bytes, HEADER);
    return bytes + HEADER;
}

/* `size` bytes (a multiple of BLOCK_ALIGN) for blocks, starting where the layout puts a block.
 * Every range the heap gives back keeps that congruence, so a misplaced start only comes from
 * the beginning of an arena (or from gomem_* calls on gomem_malloc_heap()): then HEADER more
 * bytes are taken and the misplaced ones given back (a sliver no block will ever use). */
static void *take(size_t size, bool may_give_back, bool may_grow) {
    gomem_allocator *allocator = heap_allocator();
    if (allocator == NULL) return NULL;
    uint8_t *bytes = take_any(allocator, size, may_give_back, may_grow);
    if (bytes != NULL && !block_start_fits(bytes)) bytes = realign(allocator, bytes, size);
    if (bytes != NULL) atomic_fetch_add_explicit(&heap.held, size, memory_order_relaxed);
    return bytes;
}

/* The caller holds a class lock, so the kept blocks cannot be given back from here. */
void *gomem_heap_take_raw(size_t size) {
    return take(gomem_align_up(size, BLOCK_ALIGN), false, true);
}

void gomem_heap_give_raw(void *bytes, size_t size) {
    (void)give_bytes(bytes, gomem_align_up(size, BLOCK_ALIGN)); /* else they stay the heap's */
}

/* Room for `*made` blocks of `span` bytes side by side, `*wanted` of them for the caller. Before
 * the heap grows for them, the holes it has: for small blocks a run as long as the largest hole
 * allows, down to one block; for larger ones a single block. Then the whole run from new memory,
 * or one block when memory is short. Lowers *made and *wanted to what was had; NULL on
 * out-of-memory. Native peaks against growing for every run that found no hole of its full
 * length (docs/malloc.md, "Kept blocks"): SQLite 71.8 -> 66.4 MiB, Lua 55.0 -> 47.4, the mix
 * 118.9 -> 111.3; with batches of larger blocks cut from the holes too, the stress program
 * peaked 2 MiB higher. */
static uint8_t *take_run(size_t span, size_t *made, unsigned *wanted) {
    size_t first = span <= RUN_BLOCK_MAX ? *made : 1;
    for (size_t count = first; count >= 1; count /= 2) {
        /* The kept blocks go back (a pass over every class) once, before the first retry. */
        uint8_t *run = take(count * span, count == first, false);
        if (run == NULL) continue;
        *made = count;
        if (*wanted > count) *wanted = (unsigned)count;
        return run;
    }
    uint8_t *run = take(*made * span, false, true);
    if (run == NULL && *made > 1) {
        *made = *wanted = 1;
        run = take(span, false, true);
    }
    return run;
}

/* Up to `wanted` blocks of class c from the allocator, stored at out[0..) in LISTED state with
 * the one to hand out first last, made side by side. Small blocks are made a run (RUN_BYTES) at a
 * time: the caller gets up to `wanted` of them, and the class's list keeps the rest as far as it
 * has room. Larger ones are made at most LARGE_RUN_BYTES (or one block) at a time: a whole batch
 * side by side needs a hole of up to 512 KiB, and the heap grew for those (the 8 B..64 KiB mix
 * held 1.25x glibc's peak). One block only when memory is short. Returns how many the caller gets
 * (0 on out-of-memory). */
static unsigned new_blocks(unsigned c, unsigned wanted, block_header **out) {
    size_t span = class_span(c), made;
    if (span <= RUN_BLOCK_MAX) {
        made = RUN_BYTES / span;
        if (wanted > made) wanted = (unsigned)made;
        size_t room = gomem_lists_room(c);
        if (made > wanted + room) made = wanted + room;
    } else {
        size_t fit = LARGE_RUN_BYTES / span;
        if (wanted > fit) wanted = fit > 0 ? (unsigned)fit : 1;
        made = wanted;
    }
    uint8_t *run = take_run(span, &made, &wanted);
    if (run == NULL) return 0;
    /* Every block's header first, lowest address last in out[] (handed out first) and, for the
     * extras kept on the list, last in extras[] (handed out first from there too). */
    block_header *extras[RUN_BYTES / BLOCK_ALIGN];
    size_t extra_count = made - wanted;
    for (size_t i = 0; i < made; i++) {
        block_header *h = (block_header *)(run + i * span);
        block_set_span(h, span);
        block_set(h, LISTED);
        if (i < wanted) out[wanted - 1 - i] = h;
        else extras[made - 1 - i] = h;
    }
    if (extra_count != 0) {
        unsigned kept = gomem_lists_keep(c, extras, (unsigned)extra_count);
        /* What the list had no room for after all (another thread filled it) goes back. */
        for (size_t i = 0; i < extra_count - kept; i++) gomem_heap_give_to_index(extras[i]);
    }
    return wanted;
}

unsigned gomem_heap_take_batch(unsigned c, unsigned want, block_header **out) {
    unsigned got = gomem_lists_take(c, want, out);
    if (got < want) got += new_blocks(c, want - got, out + got);
    return got;
}

void gomem_heap_give_batch(unsigned c, block_header *const *blocks, unsigned count) {
    /* The newest, likelier still in the processor's caches, stay listed; the oldest go back. */
    unsigned kept = gomem_lists_keep(c, blocks, count);
    for (unsigned i = 0; i < count - kept; i++) gomem_heap_give_to_index(blocks[i]);
}

/* Give back a block the heap owns (claimed, any state but LIVE): onto its class list while it has
 * room, else to the index. */
static void release_shared(block_header *h) {
    if (block_word_is_class(h->word)) {
        block_set(h, LISTED);
        gomem_heap_give_batch(block_word_class(h->word), &h, 1);
    } else {
        gomem_heap_give_to_index(h);
    }
}

/* A small block without a thread cache: from the shared list, else a new run. */
static block_header *small_block_shared(unsigned c) {
    block_header *h = NULL;
    if (gomem_heap_take_batch(c, 1, &h) == 0) return NULL;
    block_set(h, LIVE);
    return h;
}

static block_header *large_block(size_t span) {
    block_header *h = take(span, true, true);
    if (h != NULL) {
        block_set_span(h, span);
        block_set(h, LIVE);
    }
    return h;
}

void *gomem_heap_alloc_slow(size_t n) {
    if (n > CLASS_REQUEST_MAX) {
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
    if (n > CLASS_REQUEST_MAX) return gomem_heap_alloc_slow(n); /* never cached anyway */
    block_header *h = small_block_shared(class_of(n + HEADER));
    return h ? h + 1 : NULL;
}

void gomem_heap_free_uncached(void *payload) {
    block_header *h = claim_live(payload);
    if (h != NULL) release_shared(h);
}

void *gomem_heap_alloc_aligned(size_t alignment, size_t n) {
    if (alignment <= BLOCK_ALIGN) return gomem_heap_alloc(n);
    if (alignment > GOMEM_ARENA_LIMIT / 2 || !request_fits(n, alignment)) return NULL;
    size_t span = gomem_align_up(n + HEADER, BLOCK_ALIGN);
    /* Enough for the block wherever the aligned payload falls; the slack before and after it goes
     * straight back (segmented free), so the block is an ordinary one. Block starts, the slack
     * and the span are all whole multiples of BLOCK_ALIGN apart, so the layout holds. */
    size_t total = span + alignment - BLOCK_ALIGN;
    uint8_t *start = take(total, true, true);
    if (start == NULL) return NULL;
    uint8_t *payload = (uint8_t *)gomem_align_up((uintptr_t)start + HEADER, alignment);
    block_header *h = (block_header *)payload - 1;
    size_t before = (size_t)((uint8_t *)h - start);
    size_t after = total - before - span;
    if (before != 0 && !give_bytes(start, before)) {
        /* No index node for the split: give it all back rather than keep a block whose header
         * does not start its allocation. */
        (void)give_bytes(start, total);
        return NULL;
    }
    /* A tail that cannot be split off stays part of the block. */
    if (after != 0 && !give_bytes((uint8_t *)h + span, after)) span += after;
    block_set_span(h, span);
    block_set(h, LIVE);
    return h + 1;
}

/* Give back a claimed block (state BUSY): into this thread's cache when small, else as
 * release_shared. */
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
    release_shared(h);
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

/* Resize a claimed block that is not a class block in place if possible: shrink by freeing the
 * tail, grow by claiming the bytes after the block. false when the block must move. */
static bool resize_large_in_place(block_header *h, size_t n) {
    size_t span = block_span(h), wanted = block_span_for(n);
    if (wanted <= span) {
        size_t tail = span - wanted;
        if (tail >= SHRINK_MIN && tail >= span / 8 && give_bytes((uint8_t *)h + wanted, tail))
            block_set_span(h, wanted);
        return true; /* a block too little larger than asked for is kept whole */
    }
    if (gomem_grow_in_place(heap_allocator(), h, span, wanted) != GOMEM_OK) return false;
    atomic_fetch_add_explicit(&heap.held, wanted - span, memory_order_relaxed);
    block_set_span(h, wanted);
    return true;
}

/* Whether a class block stays where it is for a request of n bytes (false: it moves). When n
 * fits and uses at least half of it, it stays: no lock, no copy, as in mimalloc and tcmalloc.
 * Otherwise, with thread caches, it moves: a move costs no lock, where resizing in place would
 * take the allocator's. Without them it is resized in place as a larger block is, when it can be
 * (it then leaves its class): a tail freed, or free bytes after it claimed. In wasm, where
 * copying is dear, moving made the 8 B..64 KiB mix 2.8x slower in WASI (414 ns against 144),
 * and Lua, which grows its arrays by realloc, held 1.16x more memory under Emscripten. */
static bool resize_class_in_place(block_header *h, size_t n) {
    size_t usable = block_usable(h);
    if (n <= usable && n >= usable / 2) return true;
#if GOMEM_THREADS
    return false;
#else
    return resize_large_in_place(h, n);
#endif
}

void *gomem_heap_resize(void *payload, size_t n) {
    if (!request_fits(n, 0)) return NULL;
    /* Claimed while it is resized, so a concurrent free of it counts as a misuse. */
    block_header *h = claim_live(payload);
    if (h == NULL) return NULL;
    bool in_place = block_word_is_class(h->word) ? resize_class_in_place(h, n)
                                                 : resize_large_in_place(h, n);
    if (in_place) {
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
    gomem_allocator *allocator = atomic_load_explicit(&heap.allocator, memory_order_acquire);
    memset(info, 0, sizeof *info);
    if (allocator != NULL) gomem_allocator_stats(allocator, &info->heap);
    gomem_heap_lock();
    info->cached = gomem_lists_bytes();
#if GOMEM_THREADS
    info->cached += gomem_thread_caches_bytes_locked();
#endif
    info->misuses = heap.misuses;
    info->last_misuse = heap.last_misuse;
    gomem_heap_unlock();
}

gomem_allocator *gomem_malloc_heap(void) { return heap_allocator(); }

size_t gomem_malloc_release(void) {
    gomem_allocator *allocator = atomic_load_explicit(&heap.allocator, memory_order_acquire);
    if (allocator == NULL) return 0;
    (void)gomem_lists_give_back_all();
#if GOMEM_THREADS
    (void)gomem_thread_cache_give_all(gomem_heap_give_to_index);
#endif
    return gomem_trim(allocator);
}
