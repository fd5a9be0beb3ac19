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
 * How blocks are kept: every block has an 8-byte header just before it (its size or size class
 * and a check word), so free needs no size; blocks are aligned to _Alignof(max_align_t) and lie
 * back to back, each header in the 8 bytes before an aligned address. Small blocks (up to
 * GOMEM_MALLOC_SMALL_MAX bytes with GOMEM_THREADS, 8 KiB without) are rounded to one of 72 size
 * classes (80 in Emscripten); larger ones get a block of their own size. A freed small block
 * goes into the freeing thread's cache (with GOMEM_THREADS; bounded per thread) or onto a shared
 * per-class list (up to GOMEM_MALLOC_CACHE_BYTES in all, or 1/4 of the heap behind thread
 * caches), for reuse without touching the index; blocks a cache or list kept unused for a while
 * go back to the index, and kept blocks go back before the heap would grow (behind thread
 * caches, those the lists kept unused for a while), since they split the free space around them.
 * New small blocks come from the holes the heap has before it grows. Everything else goes
 * straight back to the allocator's free-block index, merging with its neighbours. realloc keeps
 * a small block where it is while the new size uses at least half of it; otherwise, and for
 * larger blocks, it shrinks in place by freeing the tail (segmented free) and grows in place when
 * the bytes after the block are free, except that with GOMEM_THREADS a small block moves instead
 * (through the caches, no lock). A block above 2 MiB has a region of its own, which grows in
 * place while the pages after it are free (in wasm, at the top of memory).
 *
 * Misuse never corrupts the heap: free or realloc of a pointer malloc did not hand out (foreign),
 * or of a block freed already (double free), is ignored and counted (gomem_malloc_info), as is
 * malloc_usable_size of one (which then returns 0). A double free of a block that was handed out
 * again in between cannot be told from a legitimate free; in GOMEM_HARDENED builds the second
 * free of a block that already went back to the index counts as foreign, since the freed-byte
 * fill erased its header (refused all the same).
 *
 * Threads: with GOMEM_THREADS (always on in the native library) every function here is
 * thread-safe, and each thread allocates and frees small blocks in its own cache without a shared
 * lock; a thread's cache goes back to the shared lists when the thread exits. Natively, fork() in
 * a threaded program leaves the child a usable heap (pthread_atfork handlers hold every lock
 * across it; the other threads' caches are lost to the child, as the threads are). Without
 * GOMEM_THREADS, none is thread-safe.
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

/* Largest request served from the size classes with GOMEM_THREADS (natively and under
 * Emscripten -pthread): 128 KiB (its block spans 128 KiB plus the alignment, 16 bytes natively
 * and in WASI, 8 in Emscripten). Without GOMEM_THREADS only requests up to 8 KiB are: the 4
 * classes per doubling above it cost single-threaded wasm programs more memory than the lists
 * save them time. */
#define GOMEM_MALLOC_SMALL_MAX ((size_t)131072)
/* Most bytes the shared size-class lists keep for reuse, in all, or 1/4 of the heap when that is
 * more and there are thread caches; above it freed blocks go back to the index at once. */
#define GOMEM_MALLOC_CACHE_BYTES ((size_t)1 << 20)

typedef struct gomem_malloc_info {
    gomem_stats heap;            /* the process allocator's statistics; its live bytes include
                                    the block headers and the blocks kept on the lists */
    size_t cached;               /* bytes of freed blocks kept on the lists and in the threads'
                                    caches, headers included, and of the lists' own arrays */
    size_t misuses;              /* foreign or double frees (and usable-size queries) ignored */
    gomem_status last_misuse;    /* GOMEM_ERR_FOREIGN_POINTER or GOMEM_ERR_DOUBLE_FREE; GOMEM_OK
                                    when there was none */
} gomem_malloc_info;

/* Fill *info with the state of the process heap (all zero before the first allocation). O(1).
 * Thread-safe with GOMEM_THREADS. */
void gomem_malloc_info_get(gomem_malloc_info *info);

/* The scalable allocator behind malloc, made if needed (NULL only when no memory can be had).
 * gomem_alloc/gomem_free/gomem_free_rest on it work alongside malloc/free; a block from malloc
 * must still be given back with free (its header is invisible to the gomem_* calls), and giving
 * one to gomem_free is undefined. O(1). Thread-safe with GOMEM_THREADS (the allocator then locks
 * itself too). */
gomem_allocator *gomem_malloc_heap(void);

/* Give the blocks kept on the shared size-class lists and in the calling thread's cache back to
 * the allocator (other threads' caches stay theirs), then release its wholly free arenas
 * (gomem_trim; natively their pages go back to the system). Returns the bytes released to the
 * page source (0 before the first allocation); never fails. O(kept blocks + arenas). Thread-safe
 * with GOMEM_THREADS. */
size_t gomem_malloc_release(void);

#if defined(GOMEM_BUILDING)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* GOMEM_MALLOC_H */
