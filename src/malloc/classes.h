/*
 * classes.h - the size classes of the malloc layer: which class a small request falls in and how
 * large that class's blocks are. Up to 128 bytes the classes step by the block alignment; from
 * there to GOMEM_MALLOC_SMALL_MAX each doubling is cut into 8 classes, so a small block wastes at
 * most 1/8 of its size to rounding (about 6 % on average).
 */
#ifndef GOMEM_MALLOC_CLASSES_H
#define GOMEM_MALLOC_CLASSES_H

#include <stddef.h>

#include "gomem_malloc.h"

/* Blocks (and their headers) are aligned as C requires of malloc, to max_align_t: 16 bytes in
 * 64-bit native builds and in WASI (whose long double is 16 bytes), 8 in Emscripten. */
#define BLOCK_ALIGN _Alignof(max_align_t)
#define FINE_LIMIT ((size_t)128)
#define FINE_CLASSES (FINE_LIMIT / BLOCK_ALIGN)
#define STEPS_PER_DOUBLING 8u
/* Doublings from FINE_LIMIT (2^7) to GOMEM_MALLOC_SMALL_MAX (2^14). */
#define COARSE_DOUBLINGS 7u
#define CLASS_COUNT (FINE_CLASSES + COARSE_DOUBLINGS * STEPS_PER_DOUBLING)

_Static_assert(GOMEM_MALLOC_SMALL_MAX == FINE_LIMIT << COARSE_DOUBLINGS,
               "the coarse classes end exactly at GOMEM_MALLOC_SMALL_MAX");

static inline unsigned floor_log2(size_t x) {
    return (unsigned)(sizeof(unsigned long long) * 8 - 1) - (unsigned)__builtin_clzll(x);
}

/* The class of a request of n bytes, 1 <= n <= GOMEM_MALLOC_SMALL_MAX. */
static inline unsigned class_of(size_t n) {
    if (n <= FINE_LIMIT) return (unsigned)((n + BLOCK_ALIGN - 1) / BLOCK_ALIGN) - 1;
    unsigned e = floor_log2(n - 1); /* 2^e < n <= 2^(e+1), e >= 7 */
    size_t step = (size_t)1 << (e - 3);
    return (unsigned)FINE_CLASSES + (e - 7) * STEPS_PER_DOUBLING +
           (unsigned)((n - 1 - ((size_t)1 << e)) / step);
}

/* Bytes of a block of class c (the usable size malloc reports for it). */
static inline size_t class_size(unsigned c) {
    if (c < FINE_CLASSES) return (c + 1) * BLOCK_ALIGN;
    unsigned k = c - (unsigned)FINE_CLASSES, e = 7 + k / STEPS_PER_DOUBLING;
    return ((size_t)1 << e) + (k % STEPS_PER_DOUBLING + 1) * ((size_t)1 << (e - 3));
}

/* true when a block of `size` bytes is exactly a class's block, so it may go on that list. */
static inline bool is_class_size(size_t size) {
    return size != 0 && size <= GOMEM_MALLOC_SMALL_MAX && class_size(class_of(size)) == size;
}

#endif /* GOMEM_MALLOC_CLASSES_H */
