/*
 * internal.h - helpers shared by the core's files: size arithmetic, the metadata allocator, the
 * lock used with GOMEM_THREADS, and debug checks. Nothing here is public API.
 */
#ifndef GOMEM_INTERNAL_H
#define GOMEM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(GOMEM_NO_LIBC)
/* Freestanding builds (the wasm module of the npm package) have no C library: the compiler's
 * builtins become wasm bulk-memory instructions, and platform/freestanding.c supplies the
 * symbols for any call that remains. */
#define memcpy __builtin_memcpy
#define memmove __builtin_memmove
#define memset __builtin_memset
#define memcmp __builtin_memcmp
#else
#include <string.h>
#endif

#include "../platform/platform.h"
#include "gomem.h"

#ifndef GOMEM_DEBUG
#define GOMEM_DEBUG 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define GOMEM_LIKELY(x) __builtin_expect(!!(x), 1)
#define GOMEM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define GOMEM_LIKELY(x) (x)
#define GOMEM_UNLIKELY(x) (x)
#endif

/* For the few small functions on the allocation and free paths that the compiler would keep out
 * of line (each has several callers). Builds for size (-Os/-Oz, the wasm module) keep them out of
 * line instead: each inlined copy costs module bytes. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE_SIZE__)
#define GOMEM_HOT_INLINE inline __attribute__((always_inline))
#elif defined(__GNUC__) || defined(__clang__)
#define GOMEM_HOT_INLINE __attribute__((noinline))
#else
#define GOMEM_HOT_INLINE inline
#endif

/* Debug builds check structural invariants after every mutation and stop at the first broken
 * one (assert); release builds compile the check away, so they never abort. */
#if GOMEM_DEBUG
#include <assert.h>
#define GOMEM_DEBUG_CHECK(cond) assert(cond)
#else
#define GOMEM_DEBUG_CHECK(cond) ((void)0)
#endif

static inline bool gomem_is_power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* Round up to a multiple of a power of two; callers keep value far below SIZE_MAX. */
static inline size_t gomem_align_up(size_t value, size_t alignment) {
    return (value + alignment - 1) & ~(alignment - 1);
}

/* The page source's granularity, rounded in: every metadata and arena size is a multiple. */
static inline size_t gomem_page_size(void) { return gomem_page_source()->page_size; }

/* Page-rounded size, or 0 when `size` is 0 or rounding would pass GOMEM_ARENA_LIMIT. */
static inline size_t gomem_page_round(size_t size) {
    if (size == 0 || size > GOMEM_ARENA_LIMIT) return 0;
    return gomem_align_up(size, gomem_page_size());
}

/* Page regions through the process-wide budget (pages.c); size is a multiple of the page size. */
void *gomem_pages_alloc(size_t size);
void gomem_pages_free(void *region, size_t size);
/* Grow a region from gomem_pages_alloc in place to new_size bytes (gomem_platform_extend), within
 * the budget; false leaves it unchanged. */
bool gomem_pages_extend(void *region, size_t size, size_t new_size);

/* Metadata (allocator structs, arena tables, node pools) comes from the same page source as the
 * arenas, so freestanding wasm builds need no libc heap. Sizes are rounded to whole pages; the
 * caller frees with the size it asked for. */
void *gomem_meta_alloc(size_t bytes);
void gomem_meta_free(void *block, size_t bytes);
/* Pages actually held for a metadata block of `bytes`. */
size_t gomem_meta_footprint(size_t bytes);

/* Resize an array through a caller's gomem_resize_fn, or the C library's realloc/free when it is
 * NULL (in GOMEM_NO_LIBC builds a NULL function fails every growth). new_bytes 0 releases. */
void *gomem_resize_through(gomem_resize_fn resize, void *context, void *old, size_t old_bytes,
                           size_t new_bytes);

/* gomem_alloc without growth: NULL when no arena holds the request now (never adds an arena or
 * a dedicated region). The malloc layer tries it before growing, to give its kept blocks back
 * first when they are what stands in the way. */
void *gomem_alloc_within(gomem_allocator *allocator, size_t size);

/* Hold an allocator's lock, and release it, around fork() (the malloc layer's atfork handlers):
 * no call on the allocator can be half done when the child starts. */
void gomem_allocator_hold(gomem_allocator *allocator);
void gomem_allocator_release_hold(gomem_allocator *allocator);

/* A spin lock on C11 atomics (so it works in wasm threads too), compiled away without
 * GOMEM_THREADS. Critical sections are short (one tree operation); after a burst of spinning the
 * waiter yields so a preempted holder can finish. */
#if GOMEM_THREADS
#include <stdatomic.h>
typedef struct gomem_lock {
    atomic_int held;
} gomem_lock;
void gomem_lock_acquire_slow(gomem_lock *lock);
static inline void gomem_lock_init(gomem_lock *lock) { atomic_init(&lock->held, 0); }
static inline void gomem_lock_acquire(gomem_lock *lock) {
    if (GOMEM_LIKELY(!atomic_exchange_explicit(&lock->held, 1, memory_order_acquire))) return;
    gomem_lock_acquire_slow(lock);
}
static inline void gomem_lock_release(gomem_lock *lock) {
    atomic_store_explicit(&lock->held, 0, memory_order_release);
}
#else
typedef struct gomem_lock {
    char unused;
} gomem_lock;
static inline void gomem_lock_init(gomem_lock *lock) { (void)lock; }
static inline void gomem_lock_acquire(gomem_lock *lock) { (void)lock; }
static inline void gomem_lock_release(gomem_lock *lock) { (void)lock; }
#endif

#endif /* GOMEM_INTERNAL_H */
