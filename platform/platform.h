/*
 * platform.h - the porting contract: everything gomem needs from the system, in one place.
 * Exactly one page source file (page_mmap.c, page_windows.c, page_heap.c, page_wasm.c,
 * page_emscripten.c, and page_reserve.c for gomem_malloc on POSIX) is compiled into a build;
 * CMake makes that choice once. The core reads the source's capabilities from
 * gomem_page_source() instead of testing platform macros.
 */
#ifndef GOMEM_PLATFORM_H
#define GOMEM_PLATFORM_H

#include <stddef.h>

#include "gomem.h"

/* A region of `size` bytes (a multiple of gomem_page_source()->page_size), aligned to the page
 * size, or NULL when the system has no memory for it. Contents are unspecified. Thread-safe. */
void *gomem_platform_map(size_t size);

/* Give back a region from gomem_platform_map, with the size it was asked for. Thread-safe. */
void gomem_platform_unmap(void *region, size_t size);

/* Grow a region from gomem_platform_map in place, from `size` to `new_size` bytes (both multiples
 * of page_size, new_size > size), when the pages right after it are free in the source or the
 * source can add them there (wasm: memory.grow at the top of memory). true: the region is
 * new_size bytes from now on (gomem_platform_unmap takes the new size, or the added pages alone:
 * region + size, new_size - size); false: it is unchanged.
 * What lets a huge block that realloc doubles again and again grow without a copy, as glibc's
 * mremap and dlmalloc's top chunk do. Sources that cannot (the C heap, Emscripten's malloc,
 * Windows) always say false. Thread-safe. */
bool gomem_platform_extend(void *region, size_t size, size_t new_size);

/* Hold the source's own lock, and release it, around fork() (from a pthread_atfork handler), so
 * that the child never inherits it held. Provided only by page_reserve.c, the source of the
 * native gomem_malloc, whose fork handlers call them. */
void gomem_platform_fork_hold(void);
void gomem_platform_fork_release(void);

/* Provided by the layer above, not by the platform: how many bytes a source that grows one memory
 * (page_wasm.c) should grow it by when `missing` bytes (a multiple of 64 KiB) are lacking and the
 * memory holds `memory_bytes`. At least `missing`; the source takes it down to what the memory can
 * still add, and to `missing` when the host refuses more. The library's builds step geometrically
 * (src/grow_policy.c), gomem_malloc grows by what is missing (src/malloc/grow_policy.c). O(1),
 * thread-safe (pure). */
size_t gomem_grow_step(size_t memory_bytes, size_t missing);

/* Let another thread run; called by spin locks that have waited long. Thread-safe. */
void gomem_platform_yield(void);

#endif /* GOMEM_PLATFORM_H */
