/*
 * standard.c - the C library's allocation functions, by their standard names, over the process
 * heap (heap.c). Linked into a program (gomem_malloc) or preloaded (libgomem_malloc.so), they
 * replace the C library's allocator: see gomem_malloc.h for the contract and docs/malloc.md
 * ("Linking it") for how each toolchain links them.
 *
 * Only argument checks and errno live here; every decision about blocks is in heap.c. The
 * functions never call each other by their standard names: in a shared library those calls could
 * be interposed, and GCC turns malloc followed by memset into a call to calloc - from calloc.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "heap.h"

#define EXPORT __attribute__((visibility("default")))

/* The page size valloc and pvalloc align to (the page source's, 4096 everywhere). */
#define VALLOC_PAGE ((size_t)4096)

static bool is_power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

static void *fail(int error) {
    errno = error;
    return NULL;
}

/* malloc(0) and friends: a unique pointer, as glibc. */
static void *allocate(size_t n) {
    void *block = gomem_heap_alloc(n ? n : 1);
    return block ? block : fail(ENOMEM);
}

static void *allocate_aligned(size_t alignment, size_t n) {
    if (!is_power_of_two(alignment)) return fail(EINVAL);
    void *block = gomem_heap_alloc_aligned(alignment, n ? n : 1);
    return block ? block : fail(ENOMEM);
}

static void *resize(void *block, size_t n) {
    if (block == NULL) return allocate(n);
    if (n == 0) { /* glibc's choice: free and return NULL */
        gomem_heap_free(block);
        return NULL;
    }
    void *resized = gomem_heap_resize(block, n);
    return resized ? resized : fail(ENOMEM);
}

EXPORT void *malloc(size_t n) { return allocate(n); }

EXPORT void free(void *block) {
    if (block != NULL) gomem_heap_free(block);
}

static void *zeroed(size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) return fail(ENOMEM);
    void *block = allocate(total);
    /* Recycled blocks hold old bytes, so every block is cleared. */
    if (block != NULL) memset(block, 0, total);
    return block;
}

EXPORT void *calloc(size_t count, size_t size) { return zeroed(count, size); }

EXPORT void *realloc(void *block, size_t n) { return resize(block, n); }

EXPORT void *reallocarray(void *block, size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) return fail(ENOMEM);
    return resize(block, total);
}

EXPORT void *memalign(size_t alignment, size_t n) { return allocate_aligned(alignment, n); }

/* C17: any power-of-two alignment; the size need not be a multiple of it. */
EXPORT void *aligned_alloc(size_t alignment, size_t n) { return allocate_aligned(alignment, n); }

EXPORT int posix_memalign(void **out, size_t alignment, size_t n) {
    if (!is_power_of_two(alignment) || alignment % sizeof(void *) != 0) return EINVAL;
    void *block = gomem_heap_alloc_aligned(alignment, n ? n : 1);
    if (block == NULL) return ENOMEM;
    *out = block;
    return 0;
}

EXPORT void *valloc(size_t n) { return allocate_aligned(VALLOC_PAGE, n); }

EXPORT void *pvalloc(size_t n) {
    if (n > SIZE_MAX - VALLOC_PAGE) return fail(ENOMEM);
    return allocate_aligned(VALLOC_PAGE, (n + VALLOC_PAGE - 1) / VALLOC_PAGE * VALLOC_PAGE);
}

EXPORT size_t malloc_usable_size(void *block) { return block ? gomem_heap_usable(block) : 0; }

#if defined(__wasi__) || defined(__EMSCRIPTEN__)
/* wasi-libc's dlmalloc.o also defines these, and parts of both C libraries (locales, atexit,
 * dlerror, ...) call them: defined here, they keep the linker from pulling in a second malloc
 * under WASI, and satisfy those calls under Emscripten's -sMALLOC=none. */
EXPORT void *__libc_malloc(size_t n) { return allocate(n); }
EXPORT void __libc_free(void *block) {
    if (block != NULL) gomem_heap_free(block);
}
EXPORT void *__libc_calloc(size_t count, size_t size) { return zeroed(count, size); }
#endif

#if defined(__EMSCRIPTEN__)
/* Emscripten's runtime and libc call these for memory that must not go through a user's
 * malloc; with -sMALLOC=none gomem is the only allocator, so they are ours too. They skip the
 * thread caches: with -pthread the runtime allocates a new thread's TLS block from inside that
 * thread before its thread-locals exist, and frees it after they are gone. */
EXPORT void *emscripten_builtin_malloc(size_t n) {
    void *block = gomem_heap_alloc_uncached(n ? n : 1);
    return block ? block : fail(ENOMEM);
}
EXPORT void emscripten_builtin_free(void *block) {
    if (block != NULL) gomem_heap_free_uncached(block);
}
EXPORT void *emscripten_builtin_memalign(size_t alignment, size_t n) {
    if (!is_power_of_two(alignment)) return fail(EINVAL);
    void *block = alignment <= _Alignof(max_align_t) ? gomem_heap_alloc_uncached(n ? n : 1)
                                                     : gomem_heap_alloc_aligned(alignment, n ? n : 1);
    return block ? block : fail(ENOMEM);
}
#endif
