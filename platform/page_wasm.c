/*
 * page_wasm.c - page source for wasm32 builds without Emscripten: WASI programs (wasi-libc) and
 * the freestanding module of the npm package. Pages come from `memory.grow`.
 *
 * Ownership: every byte this file has ever obtained with memory.grow belongs to it for the life of
 * the instance, because wasm memory never shrinks. A byte is either handed out (owned by the
 * caller until gomem_platform_unmap) or on `free_head`, the list of free regions. Nothing else calls
 * memory.grow on our behalf, and we touch no byte we did not grow ourselves: wasi-libc's malloc
 * (dlmalloc over sbrk) also grows at the end and copes with foreign growth between its calls, so
 * the two interleave safely - once it has set itself up, which settle_libc_heap() makes sure of
 * before our first grow. (Emscripten's sbrk keeps its own break pointer and would not cope; that
 * build uses page_emscripten.c instead.)
 *
 * The free list (region_list.h) keeps its bookkeeping in-band and merges neighbours.
 *
 * Why 4 KiB and not the 64 KiB wasm page: the core rounds every metadata block (allocator structs,
 * node pools) to page_size; 64 KiB per small block would waste most of a small module's memory.
 *
 * Variants, each chosen by the build (CMake):
 *   - WASI programs that keep wasi-libc's malloc (GOMEM_SETTLE_LIBC_MALLOC): it must be settled
 *     first (below). Not in the freestanding module (no libc) nor in gomem_malloc's WASI build
 *     (there is no other malloc, and calling malloc here would recurse);
 *   - gomem_malloc under Emscripten (GOMEM_PAGES_FROM_EMSCRIPTEN_HEAP), linked with
 *     -sMALLOC=none: there is no other allocator and no sbrk (Emscripten ships sbrk with its
 *     mallocs), so this file keeps the break itself, from __heap_base up, and grows memory by
 *     what is missing, telling Emscripten's JS views (heap_reaches, below).
 *
 * How much to grow by is not decided here: the layer above says (gomem_grow_step, platform.h).
 * The module's real maximum is not visible from inside, so when a step larger than what is
 * missing fails we retry with exactly what is missing before reporting out-of-memory (NULL) - a
 * failed memory.grow returns -1, it never traps.
 */
#include <stdint.h>

#include "platform.h"
#include "region_list.h"

#if !defined(__wasm__)
#error "page_wasm.c is the page source of wasm32 builds only"
#endif

#ifndef GOMEM_THREADS
#define GOMEM_THREADS 0
#endif

#if GOMEM_THREADS
#include <stdatomic.h>
#endif

#if defined(GOMEM_SETTLE_LIBC_MALLOC)
#include <stdlib.h>
#endif

#if defined(GOMEM_PAGES_FROM_EMSCRIPTEN_HEAP)
#include <emscripten/heap.h>
extern char __heap_base; /* the first byte after static data and the stack, set by the linker */
#endif

#define WASM_PAGE ((uint64_t)65536)
/* wasm32 addresses 4 GiB at most: 65536 pages of 64 KiB. */
#define WASM_MAX_PAGES ((uint64_t)65536)
/* Granularity of the regions handed out (the page size the core sees). */
#define REGION_GRAIN ((size_t)4096)
/* A grow may be taken by another thread's (or libc's) request between our grow and our retry;
 * a few rounds are plenty, and the bound keeps the loop finite whatever happens. */
#define GROW_ATTEMPTS 4

static const gomem_page_info page_info = {
    .name = "wasm",
    .page_size = REGION_GRAIN,
    .returns_to_os = false, /* memory never shrinks: freed regions stay here for reuse */
    .lazy_commit = false,   /* grown memory is zeroed and committed by the engine at once */
    .huge_pages = false,
};

const gomem_page_info *gomem_page_source(void) { return &page_info; }

static gomem_free_region *free_head;

#if GOMEM_WASM_SHARED
/* The memory's size in wasm pages after the last grow by any instance: JS reads it to see that
 * another worker grew the shared memory, since a SharedArrayBuffer never detaches
 * (docs/workers.md). Written under the list lock; a plain aligned word, read by JS with no lock. */
uint32_t gomem_wasm_memory_pages;
#endif

#if GOMEM_THREADS
/* Kept local on purpose: platform/ must not depend on src/. Critical sections are a short list
 * walk, so a bare test-and-set spin is enough (gomem_platform_yield is a no-op in wasm anyway). */
static atomic_flag list_lock = ATOMIC_FLAG_INIT;
static void lock_list(void) {
    while (atomic_flag_test_and_set_explicit(&list_lock, memory_order_acquire)) {
    }
}
static void unlock_list(void) { atomic_flag_clear_explicit(&list_lock, memory_order_release); }
#else
static void lock_list(void) {}
static void unlock_list(void) {}
#endif

#if defined(GOMEM_SETTLE_LIBC_MALLOC)
/* wasi-libc's malloc sets itself up on its first call and, in releases before 2023 (wasi-libc
 * PR #377; Debian 12 ships 2022-05), takes everything from __heap_base to the *current* end of
 * memory (sbrk(0)) as its initial heap. Had we grown memory before that first call, it would hand
 * out our pages too. So before our first grow, make it take its initial heap - the memory present
 * at startup, which we never use. Later growth by either side is safe: dlmalloc copes with
 * foreign sbrk between its own calls. */
static bool libc_heap_settled;
static void settle_libc_heap(void) {
    if (libc_heap_settled) return;
    libc_heap_settled = true;
    /* volatile: the compiler would otherwise delete a malloc whose block is only freed. */
    void *volatile probe = malloc(1);
    free(probe);
}
#else
static void settle_libc_heap(void) {}
#endif

#if defined(GOMEM_PAGES_FROM_EMSCRIPTEN_HEAP)
/* The break: everything below it (from __heap_base) has been handed to the free list. Guarded by
 * the list lock like the rest of this file. */
static uintptr_t heap_break;
static uint64_t memory_top(void) {
    if (heap_break == 0)
        heap_break = ((uintptr_t)&__heap_base + REGION_GRAIN - 1) / REGION_GRAIN * REGION_GRAIN;
    return heap_break;
}
#if !GOMEM_THREADS
/* Emscripten's JS library: points its views (HEAPU8 and the rest) at the grown memory. */
extern void emscripten_notify_memory_growth(size_t memory_index);
#endif
/* Memory of at least `end` bytes. emscripten_resize_heap grows it by at least 20 % of its size
 * at a time (MEMORY_GROWTH_GEOMETRIC_STEP), so the memory a module holds moves in steps of a
 * fifth; without threads memory.grow adds just what is missing, as in WASI, and the JS views
 * are told. With threads the memory is shared and its growth is Emscripten's business. */
static bool heap_reaches(uint64_t end) {
    uint64_t size = (uint64_t)__builtin_wasm_memory_size(0) * WASM_PAGE;
    if (end <= size) return true;
#if GOMEM_THREADS
    return emscripten_resize_heap((size_t)end);
#else
    size_t pages = (size_t)((end - size + WASM_PAGE - 1) / WASM_PAGE);
    if (__builtin_wasm_memory_grow(0, pages) == SIZE_MAX) return false;
    emscripten_notify_memory_growth(0);
    return true;
#endif
}
static bool memory_extend(uint64_t bytes, uint64_t *start) {
    uint64_t top = memory_top(), end = top + bytes;
    if (end > WASM_MAX_PAGES * WASM_PAGE - WASM_PAGE) return false; /* keep size_t arithmetic safe */
    if (!heap_reaches(end)) return false;
    *start = top;
    heap_break = (uintptr_t)end;
    return true;
}
#else
static uint64_t memory_top(void) { return (uint64_t)__builtin_wasm_memory_size(0) * WASM_PAGE; }
static bool memory_extend(uint64_t bytes, uint64_t *start) {
    size_t old = __builtin_wasm_memory_grow(0, (size_t)(bytes / WASM_PAGE));
    if (old == SIZE_MAX) return false;
    *start = (uint64_t)old * WASM_PAGE;
    return true;
}
#endif

/* Grow memory so that a region of `size` bytes fits, and put what was grown on the free list.
 * false when the memory cannot grow by enough. */
static bool grow_for(size_t size) {
    settle_libc_heap();
    uint64_t top = memory_top();
    uint64_t limit = WASM_MAX_PAGES * WASM_PAGE;
    if (top > limit) return false; /* not wasm32 as we know it: be safe */
    /* Free bytes that already touch the end of memory count towards the request. */
    uint64_t tail = 0;
    const gomem_free_region *last = gomem_region_last(free_head);
    if (last != NULL && gomem_region_end(last) == top) tail = last->size;

    uint64_t missing = (uint64_t)size > tail ? (uint64_t)size - tail : 0;
    uint64_t need = (missing + WASM_PAGE - 1) / WASM_PAGE * WASM_PAGE;
    if (need == 0) need = WASM_PAGE; /* cannot happen after a failed first fit; keep moving */
    uint64_t room = (limit - top) / WASM_PAGE * WASM_PAGE;
    if (need > room) return false;

    uint64_t step = gomem_grow_step((size_t)top, (size_t)need);
    if (step < need) step = need;
    step = (step + WASM_PAGE - 1) / WASM_PAGE * WASM_PAGE;
    if (step > room) step = room;

    uint64_t start;
    bool grown = memory_extend(step, &start);
    if (!grown && step > need) {
        /* The module's maximum (invisible from here) is lower than the big step: take just what
         * this request needs, so memory can be used up to its last page. */
        step = need;
        grown = memory_extend(step, &start);
    }
    if (!grown) return false;
#if GOMEM_WASM_SHARED
    gomem_wasm_memory_pages = (uint32_t)__builtin_wasm_memory_size(0);
#endif
    /* start >= 64 KiB (the stack and data occupy the first page), so the chunk ends at most at
     * 4 GiB and its size fits in a 32-bit size_t. */
    gomem_region_insert(&free_head, (uintptr_t)start, (size_t)step);
    return true;
}

void *gomem_platform_map(size_t size) {
    /* The contract promises a multiple of page_size; refusing anything else keeps the free list's
     * 4 KiB invariant whatever a caller does. */
    if (size == 0 || size % REGION_GRAIN != 0) return NULL;
    lock_list();
    void *region = gomem_region_take(&free_head, size);
    /* Another grower (libc, another thread) may land between our grow and the block we expected
     * to extend, leaving the grown chunk too small on its own: grow again, a bounded few times. */
    for (int attempt = 0; region == NULL && attempt < GROW_ATTEMPTS; attempt++) {
        if (!grow_for(size)) break;
        region = gomem_region_take(&free_head, size);
    }
    unlock_list();
    return region;
}

bool gomem_platform_extend(void *region, size_t size, size_t new_size) {
    if (size == 0 || new_size <= size || new_size % REGION_GRAIN != 0) return false;
    uint64_t end = (uint64_t)(uintptr_t)region + size;
    if (end + (new_size - size) > WASM_MAX_PAGES * WASM_PAGE) return false;
    size_t more = new_size - size;
    lock_list();
    bool taken = gomem_region_take_at(&free_head, (uintptr_t)end, more);
    if (!taken) {
        /* At the top of memory (the region ends there, or the free bytes after it reach it),
         * growing memory adds the missing bytes right after the region. A grower landing in
         * between (libc, another thread) makes the second attempt fail; the caller then copies. */
        const gomem_free_region *last = gomem_region_last(free_head);
        uint64_t top = memory_top();
        bool at_top = end == top || (last != NULL && (uint64_t)(uintptr_t)last == end &&
                                     gomem_region_end(last) == top);
        taken = at_top && grow_for(more) && gomem_region_take_at(&free_head, (uintptr_t)end, more);
    }
    unlock_list();
    return taken;
}

void gomem_platform_unmap(void *region, size_t size) {
    if (region == NULL || size == 0) return;
    lock_list();
    gomem_region_insert(&free_head, (uintptr_t)region, size);
    unlock_list();
}

/* Nothing to yield to: wasm threads are Web Workers, scheduled by the host. */
void gomem_platform_yield(void) {}
