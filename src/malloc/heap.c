/*
 * heap.c - the process heap of the malloc layer: one scalable allocator, made on first use,
 * whose blocks carry a header (size and check word, padded to the block alignment), plus per-class
 * lists of freed small blocks.
 *
 * Block layout: [header: size, check][size usable bytes]. `size` is the block's usable size: a
 * class size for small requests, the request rounded to the alignment otherwise (or more, when an
 * aligned block kept the slack it could not give back). The whole block, header included, is one
 * allocation of the scalable allocator, so free gives back exactly HEADER + size bytes.
 *
 * The check word ties the header to its address, size and state (live, on a list, freed): a free
 * of a pointer that is not a live block's payload fails the check and is counted, never acted on.
 * Pointers are first checked to lie in one of the allocator's arenas, so a foreign pointer's
 * header is never read.
 *
 * Locking: one lock (a no-op without GOMEM_THREADS) guards the lists, counters and the first use;
 * the allocator's own lock nests inside it.
 */
#include "heap.h"

#include "../internal.h"
#include "classes.h"

typedef struct block_header {
    _Alignas(BLOCK_ALIGN) size_t size; /* padded to BLOCK_ALIGN where two words are less */
    size_t check;
} block_header;

#define HEADER sizeof(block_header)
_Static_assert(sizeof(block_header) == BLOCK_ALIGN, "a header keeps the payload aligned");

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

enum block_state { LIVE = 0x4c49u, LISTED = 0x5ae7u, FREED = 0x0f3eu };

static struct {
    gomem_lock lock;
    gomem_allocator *allocator; /* NULL until the first allocation */
    void *lists[CLASS_COUNT];   /* freed small blocks by class, chained through their payload */
    size_t cached;              /* bytes (headers included) on the lists */
    size_t misuses;
    gomem_status last_misuse;
} heap;

static size_t check_of(const block_header *h, enum block_state state) {
    return (uintptr_t)h ^ (h->size * 0x9E3779B1u) ^ (size_t)state;
}

static void set_state(block_header *h, enum block_state state) { h->check = check_of(h, state); }

static void misuse_locked(gomem_status why) {
    heap.misuses++;
    heap.last_misuse = why;
}

static gomem_allocator *allocator_locked(void) {
    if (heap.allocator == NULL) {
        gomem_allocator_options options = {.initial_size = INITIAL_ARENA, .alignment = BLOCK_ALIGN};
        heap.allocator = gomem_allocator_create_ex(&options);
    }
    return heap.allocator;
}

/* Whether the header before a payload may be read at all. In wasm every address below the memory
 * size is readable, so bounds are enough and the check word tells the rest (this saves the arena
 * search on every free). Natively the header must lie in one of the heap's arenas: between
 * mappings there may be nothing to read. */
static bool header_readable_locked(const block_header *h) {
#if defined(__wasm__)
    return (uintptr_t)h >= BLOCK_ALIGN &&
           (uint64_t)(uintptr_t)(h + 1) <= (uint64_t)__builtin_wasm_memory_size(0) * 65536u;
#else
    return gomem_allocator_owns(heap.allocator, h, sizeof *h);
#endif
}

/* The header of a live block's payload, or NULL (a misuse, counted) for anything else. */
static block_header *live_block_locked(void *payload) {
    block_header *h = (block_header *)payload - 1;
    if ((uintptr_t)payload % BLOCK_ALIGN != 0 || heap.allocator == NULL ||
        !header_readable_locked(h)) {
        misuse_locked(GOMEM_ERR_FOREIGN_POINTER);
        return NULL;
    }
    if (h->check == check_of(h, LIVE)) return h;
    bool freed = h->check == check_of(h, LISTED) || h->check == check_of(h, FREED);
    /* In GOMEM_HARDENED builds a block given back to the index had its header overwritten by the
     * freed-byte fill, so a second free of it reads as foreign (it is refused all the same). */
    misuse_locked(freed ? GOMEM_ERR_DOUBLE_FREE : GOMEM_ERR_FOREIGN_POINTER);
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
    void **list = &heap.lists[class_of(h->size)];
    *(void **)(h + 1) = *list;
    *list = h;
    heap.cached += HEADER + h->size;
    set_state(h, LISTED);
}

/* The most recently listed block of class c, taken off its list, or NULL when the list is empty. */
static block_header *list_pop_locked(unsigned c) {
    block_header *h = heap.lists[c];
    if (h != NULL) {
        heap.lists[c] = *(void **)(h + 1);
        heap.cached -= HEADER + h->size;
    }
    return h;
}

/* A new block of `size` bytes (a class size when small) from the allocator: the first of a run
 * whose other blocks go on the list, when the block is small and the list budget allows. */
static block_header *new_block_locked(size_t size) {
    gomem_allocator *allocator = allocator_locked();
    if (allocator == NULL) return NULL;
    size_t block = HEADER + size, count = 1;
    if (block <= RUN_BLOCK_MAX && heap.cached + RUN_BYTES <= GOMEM_MALLOC_CACHE_BYTES)
        count = RUN_BYTES / block;
    uint8_t *run = gomem_malloc(allocator, count * block);
    if (run == NULL && count > 1) {
        count = 1;
        run = gomem_malloc(allocator, block);
    }
    if (run == NULL) return NULL;
    for (size_t i = count; i-- > 1;) { /* pushed last to first: handed out in address order */
        block_header *h = (block_header *)(run + i * block);
        h->size = size;
        list_push_locked(h);
    }
    block_header *first = (block_header *)run;
    first->size = size;
    return first;
}

void *gomem_heap_alloc(size_t n) {
    if (!request_fits(n, 0)) return NULL;
    size_t size = block_size_for(n);
    gomem_lock_acquire(&heap.lock);
    block_header *h = size <= GOMEM_MALLOC_SMALL_MAX ? list_pop_locked(class_of(size)) : NULL;
    if (h == NULL) h = new_block_locked(size);
    if (h != NULL) set_state(h, LIVE);
    gomem_lock_release(&heap.lock);
    return h ? h + 1 : NULL;
}

void *gomem_heap_alloc_aligned(size_t alignment, size_t n) {
    if (alignment <= BLOCK_ALIGN) return gomem_heap_alloc(n);
    if (alignment > GOMEM_ARENA_LIMIT / 2 || !request_fits(n, alignment)) return NULL;
    size_t size = gomem_align_up(n, BLOCK_ALIGN);
    /* Enough for the header and the payload wherever the aligned address falls; the slack before
     * and after it goes straight back (segmented free), so the block is an ordinary one. */
    size_t total = HEADER + size + alignment - BLOCK_ALIGN;
    gomem_lock_acquire(&heap.lock);
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
            h->size = size;
            set_state(h, LIVE);
        }
    }
    gomem_lock_release(&heap.lock);
    return h ? h + 1 : NULL;
}

/* Give back a live block: onto its class list while the budget allows, else to the index. */
static void release_locked(block_header *h) {
    size_t size = h->size;
    if (is_class_size(size) && heap.cached + HEADER + size <= GOMEM_MALLOC_CACHE_BYTES) {
        list_push_locked(h);
        return;
    }
    set_state(h, FREED);
    /* Only a missing index node can fail here; the block then stays allocated (leaked, never
     * handed out twice). */
    if (gomem_free(heap.allocator, h, HEADER + size) != GOMEM_OK) set_state(h, LIVE);
}

void gomem_heap_free(void *payload) {
    gomem_lock_acquire(&heap.lock);
    block_header *h = live_block_locked(payload);
    if (h != NULL) release_locked(h);
    gomem_lock_release(&heap.lock);
}

size_t gomem_heap_usable(void *payload) {
    gomem_lock_acquire(&heap.lock);
    block_header *h = live_block_locked(payload);
    size_t size = h ? h->size : 0;
    gomem_lock_release(&heap.lock);
    return size;
}

/* Resize in place if possible: shrink by freeing the tail, grow by claiming the bytes after the
 * block. false when the block must move. */
static bool resize_in_place_locked(block_header *h, size_t n) {
    size_t size = h->size, wanted = block_size_for(n);
    uint8_t *payload = (uint8_t *)(h + 1);
    if (wanted <= size) {
        size_t tail = size - wanted;
        if (tail >= SHRINK_MIN && tail >= size / 8 &&
            gomem_free(heap.allocator, payload + wanted, tail) == GOMEM_OK) {
            h->size = wanted;
            set_state(h, LIVE);
        }
        return true; /* a block too little larger than asked for is kept whole */
    }
    if (gomem_grow_in_place(heap.allocator, h, HEADER + size, HEADER + wanted) != GOMEM_OK)
        return false;
    h->size = wanted;
    set_state(h, LIVE);
    return true;
}

void *gomem_heap_resize(void *payload, size_t n) {
    if (!request_fits(n, 0)) return NULL;
    gomem_lock_acquire(&heap.lock);
    block_header *h = live_block_locked(payload);
    bool done = h != NULL && resize_in_place_locked(h, n);
    size_t old_size = h ? h->size : 0;
    gomem_lock_release(&heap.lock);
    if (h == NULL) return NULL;
    if (done) return payload;
    void *moved = gomem_heap_alloc(n);
    if (moved == NULL) return NULL;
    memcpy(moved, payload, old_size < n ? old_size : n);
    gomem_heap_free(payload);
    return moved;
}

void gomem_malloc_info_get(gomem_malloc_info *info) {
    gomem_lock_acquire(&heap.lock);
    memset(info, 0, sizeof *info);
    if (heap.allocator != NULL) gomem_allocator_stats(heap.allocator, &info->heap);
    info->cached = heap.cached;
    info->misuses = heap.misuses;
    info->last_misuse = heap.last_misuse;
    gomem_lock_release(&heap.lock);
}

gomem_allocator *gomem_malloc_heap(void) {
    gomem_lock_acquire(&heap.lock);
    gomem_allocator *allocator = allocator_locked();
    gomem_lock_release(&heap.lock);
    return allocator;
}

size_t gomem_malloc_release(void) {
    gomem_lock_acquire(&heap.lock);
    size_t released = 0;
    if (heap.allocator != NULL) {
        for (unsigned c = 0; c < CLASS_COUNT; c++) {
            for (block_header *h; (h = list_pop_locked(c)) != NULL;) {
                set_state(h, FREED);
                /* Whole blocks merge with their free neighbours; one that needs a node it cannot
                 * get stays allocated, as in release_locked. */
                (void)gomem_free(heap.allocator, h, HEADER + h->size);
            }
        }
        released = gomem_trim(heap.allocator);
    }
    gomem_lock_release(&heap.lock);
    return released;
}
