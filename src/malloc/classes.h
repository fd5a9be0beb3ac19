/*
 * classes.h - the size classes of the malloc layer: which class a small block's span (its header
 * and payload together) falls in, and the span of that class's blocks. Up to 128 bytes the
 * classes step by the block alignment; from there to CLASS_SPAN_MAX each doubling is cut into 8
 * classes, so a small block wastes at most 1/8 of its span to rounding (about 6 % on average).
 */
#ifndef GOMEM_MALLOC_CLASSES_H
#define GOMEM_MALLOC_CLASSES_H

#include <stddef.h>
#include <stdint.h>

#include "gomem_malloc.h"

/* Payloads are aligned as C requires of malloc, to max_align_t: 16 bytes in 64-bit native builds
 * and in WASI (whose long double is 16 bytes), 8 in Emscripten. A block's span is a multiple of
 * it. */
#define BLOCK_ALIGN _Alignof(max_align_t)
#define FINE_LIMIT ((size_t)128)
#define FINE_CLASSES (FINE_LIMIT / BLOCK_ALIGN)
#define STEPS_PER_DOUBLING 8u
/* Doublings from FINE_LIMIT (2^7) to CLASS_SPAN_MAX (2^16). */
#define COARSE_DOUBLINGS 10u
#define CLASS_COUNT (FINE_CLASSES + COARSE_DOUBLINGS * STEPS_PER_DOUBLING)
/* The largest span of a class block. */
#define CLASS_SPAN_MAX (FINE_LIMIT << COARSE_DOUBLINGS)

static inline unsigned floor_log2(size_t x) {
    return (unsigned)(sizeof(unsigned long long) * 8 - 1) - (unsigned)__builtin_clzll(x);
}

/* The class of a span of n bytes, FINE_LIMIT < n <= CLASS_SPAN_MAX, by arithmetic. */
static inline unsigned coarse_class_of(size_t n) {
    unsigned e = floor_log2(n - 1); /* 2^e < n <= 2^(e+1), e >= 7 */
    size_t step = (size_t)1 << (e - 3);
    return (unsigned)FINE_CLASSES + (e - 7) * STEPS_PER_DOUBLING +
           (unsigned)((n - 1 - ((size_t)1 << e)) / step);
}

/* The same as a constant expression, for the table below (n <= TABLE_LIMIT). */
#define FLOOR_LOG2_CONST(x) ((x) >= 512 ? 9u : (x) >= 256 ? 8u : 7u)
/* COARSE_N keeps the arm not taken free of wrap-around, which compilers warn about. */
#define COARSE_N(n) ((n) <= FINE_LIMIT ? FINE_LIMIT + 1 : (size_t)(n))
#define CLASS_OF_CONST(n)                                                                          \
    ((n) <= FINE_LIMIT ? ((n) + BLOCK_ALIGN - 1) / BLOCK_ALIGN - 1                                 \
                       : FINE_CLASSES + (FLOOR_LOG2_CONST(COARSE_N(n) - 1) - 7) * STEPS_PER_DOUBLING + \
                             (COARSE_N(n) - 1 - ((size_t)1 << FLOOR_LOG2_CONST(COARSE_N(n) - 1))) / \
                                 ((size_t)1 << (FLOOR_LOG2_CONST(COARSE_N(n) - 1) - 3)))
/* Spans up to TABLE_LIMIT (most of them) find their class in a table: every class boundary there
 * is a multiple of 8 bytes, so entry i serves the spans 8i+1 .. 8i+8. */
#define TABLE_LIMIT ((size_t)1024)
#define CLASS_OF_8(i)                                                                              \
    CLASS_OF_CONST(8 * (i) + 8), CLASS_OF_CONST(8 * (i) + 16), CLASS_OF_CONST(8 * (i) + 24),       \
        CLASS_OF_CONST(8 * (i) + 32), CLASS_OF_CONST(8 * (i) + 40), CLASS_OF_CONST(8 * (i) + 48),  \
        CLASS_OF_CONST(8 * (i) + 56), CLASS_OF_CONST(8 * (i) + 64)
#define CLASS_OF_64(i)                                                                             \
    CLASS_OF_8(i), CLASS_OF_8(i + 8), CLASS_OF_8(i + 16), CLASS_OF_8(i + 24), CLASS_OF_8(i + 32),  \
        CLASS_OF_8(i + 40), CLASS_OF_8(i + 48), CLASS_OF_8(i + 56)
static const uint8_t small_classes[TABLE_LIMIT / 8] = {CLASS_OF_64(0), CLASS_OF_64(64)};

/* The class of a span of n bytes, 1 <= n <= CLASS_SPAN_MAX: the smallest whose span holds n. */
static inline unsigned class_of(size_t n) {
    if (n <= TABLE_LIMIT) return small_classes[(n - 1) >> 3];
    return coarse_class_of(n);
}

/* The span of a block of class c, as a constant expression: below FINE_LIMIT a step of
 * BLOCK_ALIGN; above it, doubling k / 8 from 128 bytes cut into 8 steps of 1/8 of that doubling. */
#define COARSE_INDEX(c) ((c) < FINE_CLASSES ? 0u : (c) - (unsigned)FINE_CLASSES)
#define CLASS_SIZE(c)                                                                              \
    ((c) < FINE_CLASSES ? ((size_t)(c) + 1) * BLOCK_ALIGN                                          \
                        : ((size_t)1 << (7 + COARSE_INDEX(c) / STEPS_PER_DOUBLING)) +             \
                              (COARSE_INDEX(c) % STEPS_PER_DOUBLING + 1) *                         \
                                  ((size_t)1 << (4 + COARSE_INDEX(c) / STEPS_PER_DOUBLING)))
#define CLASS_SIZES_8(c)                                                                           \
    CLASS_SIZE(c), CLASS_SIZE(c + 1), CLASS_SIZE(c + 2), CLASS_SIZE(c + 3), CLASS_SIZE(c + 4),     \
        CLASS_SIZE(c + 5), CLASS_SIZE(c + 6), CLASS_SIZE(c + 7)
/* Every class's span, so that finding it is one load. 88 entries cover both block alignments (80
 * classes at 16 bytes, 88 at 8); the ones past CLASS_COUNT are unused. */
#define CLASS_TABLE_SIZE 96u
_Static_assert(CLASS_COUNT <= CLASS_TABLE_SIZE, "the size table covers every class");
static const uint32_t class_spans[CLASS_TABLE_SIZE] = {
    CLASS_SIZES_8(0u),  CLASS_SIZES_8(8u),  CLASS_SIZES_8(16u), CLASS_SIZES_8(24u), CLASS_SIZES_8(32u),
    CLASS_SIZES_8(40u), CLASS_SIZES_8(48u), CLASS_SIZES_8(56u), CLASS_SIZES_8(64u), CLASS_SIZES_8(72u),
    CLASS_SIZES_8(80u), CLASS_SIZES_8(88u)};

/* The span of a block of class c. */
static inline size_t class_span(unsigned c) { return class_spans[c]; }

/* true when a block spanning `span` bytes is exactly a class's block, so it may go on that list. */
static inline bool is_class_span(size_t span) {
    return span != 0 && span <= CLASS_SPAN_MAX && class_span(class_of(span)) == span;
}

#endif /* GOMEM_MALLOC_CLASSES_H */
