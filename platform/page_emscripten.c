/*
 * page_emscripten.c - page source for Emscripten builds: page-aligned regions from the program's
 * own C heap (aligned_alloc / free of whatever allocator -sMALLOC linked: dlmalloc or emmalloc).
 *
 * Why the C heap and not memory.grow or sbrk:
 *   - Emscripten's sbrk owns the break of linear memory. Growing memory with memory.grow behind its
 *     back would hand the same bytes out twice as soon as sbrk moves past them, so this file never
 *     touches wasm memory directly.
 *   - Calling sbrk ourselves would be correct (the libc allocators cope with foreign sbrk calls),
 *     but a region taken that way can never be given back: the break only moves down when the
 *     region is the topmost one, which an app that mallocs in between never allows. gomem would
 *     need its own free list, and memory it released would stay out of the app's reach.
 *   - aligned_alloc goes through the same allocator the app's malloc uses, under its lock, so the
 *     two can run interleaved (or, with -pthread, at the same time on different threads) and a
 *     region gomem frees is reusable by the app's next malloc. The heap grows through sbrk ->
 *     emscripten_resize_heap, which keeps every JS view in step, so the build is correct with
 *     -sALLOW_MEMORY_GROWTH=1 (regions are offsets in linear memory and never move).
 *   Cost: the allocator keeps a header before each region and may split off up to one page in
 *   front of it to reach 4096-byte alignment; that piece returns to its free lists for small
 *   mallocs, so little is lost against regions of 16 KiB and more.
 *
 * Requirements on the app: a libc allocator must be linked (any -sMALLOC other than none, or the
 * app's own malloc providing aligned_alloc). Without -sALLOW_MEMORY_GROWTH=1 Emscripten defaults to
 * -sABORTING_MALLOC=1, which aborts instead of returning NULL when the heap is full; link with
 * -sABORTING_MALLOC=0 (implied by memory growth) to get gomem's out-of-memory errors instead.
 *
 * Capabilities: 4096-byte pages (gomem rounds metadata to them and GOMEM_MAX_ALIGNMENT is 4096),
 * nothing returns to the OS (wasm memory never shrinks; freed regions go back to the C heap), and
 * nothing is lazy (the bytes exist in linear memory as soon as the heap has grown over them).
 * Thread safety comes from the allocator: -pthread links its locked variant.
 */
#include <sched.h>
#include <stdlib.h>

#include "platform.h"

#define GOMEM_EMSCRIPTEN_PAGE ((size_t)4096)

_Static_assert(GOMEM_EMSCRIPTEN_PAGE >= GOMEM_MAX_ALIGNMENT,
               "regions must be aligned to every alignment an allocation may ask for");

static const gomem_page_info page_info = {
    .name = "emscripten",
    .page_size = GOMEM_EMSCRIPTEN_PAGE,
    .returns_to_os = false,
    .lazy_commit = false,
    .huge_pages = false,
};

const gomem_page_info *gomem_page_source(void) { return &page_info; }

void *gomem_platform_map(size_t size) {
    /* C11 wants size to be a multiple of the alignment; gomem passes whole pages, but a zero or
     * ragged size would be a caller bug, so refuse it rather than rely on the allocator. */
    if (size == 0 || size % GOMEM_EMSCRIPTEN_PAGE != 0) return NULL;
    return aligned_alloc(GOMEM_EMSCRIPTEN_PAGE, size);
}

bool gomem_platform_extend(void *region, size_t size, size_t new_size) {
    (void)region; /* aligned_alloc's blocks cannot grow in place */
    (void)size;
    (void)new_size;
    return false;
}

void gomem_platform_unmap(void *region, size_t size) {
    (void)size; /* the allocator remembers the size in its own header */
    free(region);
}

/* Emscripten's sched_yield cannot give up the CPU (wasm threads have no such call) but it runs
 * the calls other threads proxied to this one, which is what a thread a spinner waits on may
 * need in order to finish. Without -pthread it returns at once. */
void gomem_platform_yield(void) { (void)sched_yield(); }
