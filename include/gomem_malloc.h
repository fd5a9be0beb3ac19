/*
 * gomem_malloc.h - gomem as a program's whole malloc: the extras of the gomem_malloc library.
 *
 * Linking gomem_malloc (or preloading libgomem_malloc.so) replaces the C library's allocator:
 * the library defines malloc, free, calloc, realloc, reallocarray, aligned_alloc, posix_memalign,
 * memalign, valloc, pvalloc and malloc_usable_size with their standard contracts (errno ENOMEM or
 * EINVAL on failure; malloc(0) returns a unique pointer; realloc(p, 0) frees p and returns NULL;
 * alignments are any power of two). They all work on one process-wide scalable allocator, made on
 * first use, whose arenas the segmented-free API can share (gomem_malloc_heap).
 *
 * How blocks are kept: every block has a small header before it (its size and a check word,
 * padded to the block alignment, _Alignof(max_align_t)), so free needs no size. Small blocks (up to GOMEM_MALLOC_SMALL_MAX bytes) are rounded to
 * one of a few dozen size classes and, when freed, kept on per-class lists for reuse, up to a
 * budget of GOMEM_MALLOC_CACHE_BYTES in all; everything else goes straight back to the allocator's
 * free-block index, merging with its neighbours. realloc shrinks in place by freeing the tail
 * (segmented free) and grows in place when the bytes after the block are free.
 *
 * Misuse never corrupts the heap: free or realloc of a pointer malloc did not hand out (foreign),
 * or of a block freed already (double free), is ignored and counted (gomem_malloc_info), as is
 * malloc_usable_size of one (which then returns 0). A double free of a block that was handed out
 * again in between cannot be told from a legitimate free; in GOMEM_HARDENED builds a large block's
 * second free counts as foreign, since the freed-byte fill erased its header.
 *
 * Threads: with GOMEM_THREADS (always on in the native shared library) every function here is
 * thread-safe; without it, none is.
 */
#ifndef GOMEM_MALLOC_H
#define GOMEM_MALLOC_H

#include "gomem.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(GOMEM_BUILDING)
#pragma GCC visibility push(default)
#endif

/* Largest request served from the size-class lists. */
#define GOMEM_MALLOC_SMALL_MAX ((size_t)16384)
/* Most bytes the size-class lists keep for reuse, in all; above it freed blocks go back to the
 * index at once. */
#define GOMEM_MALLOC_CACHE_BYTES ((size_t)1 << 20)

typedef struct gomem_malloc_info {
    gomem_stats heap;            /* the process allocator's statistics; its live bytes include
                                    the block headers and the blocks kept on the lists */
    size_t cached;               /* bytes of freed blocks kept on the size-class lists */
    size_t misuses;              /* foreign or double frees (and usable-size queries) ignored */
    gomem_status last_misuse;    /* GOMEM_ERR_FOREIGN_POINTER or GOMEM_ERR_DOUBLE_FREE; GOMEM_OK
                                    when there was none */
} gomem_malloc_info;

/* Fill *info with the state of the process heap (all zero before the first allocation). O(1).
 * Thread-safe with GOMEM_THREADS. */
void gomem_malloc_info_get(gomem_malloc_info *info);

/* The scalable allocator behind malloc, made if needed (NULL only when no memory can be had).
 * gomem_malloc/gomem_free/gomem_free_rest on it work alongside malloc/free; a block from malloc
 * must still be given back with free (its header is invisible to the gomem_* calls), and giving
 * one to gomem_free is undefined. O(1). Thread-safe with GOMEM_THREADS (the allocator then locks
 * itself too). */
gomem_allocator *gomem_malloc_heap(void);

/* Give the blocks kept on the size-class lists back to the allocator, then release its wholly free
 * arenas (gomem_trim). Returns the bytes released to the page source (0 before the first
 * allocation); never fails. O(kept blocks + arenas). Thread-safe with GOMEM_THREADS. */
size_t gomem_malloc_release(void);

#if defined(GOMEM_BUILDING)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* GOMEM_MALLOC_H */
