/*
 * classes.h - the size classes of the malloc layer: which class a small block's span (its header
 * and payload together) falls in, and the span of that class's blocks.
 *
 * Each class has a round size: steps of the block alignment up to 128 bytes, then each doubling
 * cut into 8 steps up to 8 KiB (a block wastes at most 1/8 of its span to rounding, about 6 % on
 * average) and into 4 from there to 128 KiB, as tcmalloc and mimalloc do for large sizes (a
 * realloc that grows a large block by a little stays in place more often, and its copy is what
 * costs). Up to PAYLOAD_EDGE the round size is the span; above it, the payload: the span is the
 * round size plus BLOCK_ALIGN. Requests of round sizes, common for buffers (4 KiB, 64 KiB), then
 * fit their class instead of spilling the 8-byte header into the next one, which cost 12 % more
 * memory for such a request and, on the 8 B..64 KiB mix (which clamps at 64 KiB), 1.4x the bytes
 * realloc copies (docs/malloc.md, "Size classes").
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
/* Medium round sizes: 8 per doubling from FINE_LIMIT (2^7) to 2^MEDIUM_SHIFT. */
#define MEDIUM_SHIFT 13u
#define MEDIUM_CLASSES ((MEDIUM_SHIFT - 7u) * 8u)
/* Large round sizes: 4 per doubling from 2^MEDIUM_SHIFT to ROUND_MAX. */
#define LARGE_DOUBLINGS 4u
#define ROUND_MAX ((size_t)1 << (MEDIUM_SHIFT + LARGE_DOUBLINGS))
#define CLASS_COUNT (FINE_CLASSES + MEDIUM_CLASSES + LARGE_DOUBLINGS * 4u)
/* Round sizes above this are payloads, at most this are spans. */
#define PAYLOAD_EDGE ((size_t)512)
/* The largest span of a class block. */
#define CLASS_SPAN_MAX (ROUND_MAX + BLOCK_ALIGN)

static inline unsigned floor_log2(size_t x) {
    return (unsigned)(sizeof(unsigned long long) * 8 - 1) - (unsigned)__builtin_clzll(x);
}

/* The class of the smallest round size >= x, FINE_LIMIT < x <= ROUND_MAX, by arithmetic: the
 * doubling 2^e < x <= 2^(e+1), then the step within it. */
static inline unsigned round_class_of(size_t x) {
    unsigned e = floor_log2(x - 1); /* e >= 7 */
    size_t offset = x - 1 - ((size_t)1 << e);
    if (e < MEDIUM_SHIFT)
        return (unsigned)FINE_CLASSES + (e - 7) * 8u + (unsigned)(offset >> (e - 3));
    return (unsigned)(FINE_CLASSES + MEDIUM_CLASSES) + (e - MEDIUM_SHIFT) * 4u +
           (unsigned)(offset >> (e - 2));
}

/* The round size a span of n bytes needs: n itself up to PAYLOAD_EDGE, else its payload (at least
 * PAYLOAD_EDGE + 1, so that a span just above the edge goes to the first payload class). */
#define ROUND_NEEDED(n)                                                                            \
    ((n) <= PAYLOAD_EDGE ? (size_t)(n)                                                             \
     : (n) - BLOCK_ALIGN > PAYLOAD_EDGE ? (size_t)(n) - BLOCK_ALIGN                                \
                                        : PAYLOAD_EDGE + 1)

/* The same as round_class_of, as a constant expression, for the table below (x <= TABLE_LIMIT). */
#define FLOOR_LOG2_CONST(x) ((x) >= 512 ? 9u : (x) >= 256 ? 8u : 7u)
/* ROUND_X keeps the arm not taken free of wrap-around, which compilers warn about. */
#define ROUND_X(x) ((x) <= FINE_LIMIT ? FINE_LIMIT + 1 : (size_t)(x))
#define ROUND_CLASS_CONST(x)                                                                       \
    ((x) <= FINE_LIMIT ? ((x) + BLOCK_ALIGN - 1) / BLOCK_ALIGN - 1                                 \
                       : FINE_CLASSES + (FLOOR_LOG2_CONST(ROUND_X(x) - 1) - 7) * 8u +             \
                             (ROUND_X(x) - 1 - ((size_t)1 << FLOOR_LOG2_CONST(ROUND_X(x) - 1))) /  \
                                 ((size_t)1 << (FLOOR_LOG2_CONST(ROUND_X(x) - 1) - 3)))
#define CLASS_OF_CONST(n) ROUND_CLASS_CONST(ROUND_NEEDED(n))
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
    return round_class_of(ROUND_NEEDED(n));
}

/* The round size of class c, as a constant expression: below FINE_LIMIT a step of BLOCK_ALIGN;
 * medium class k is step k % 8 + 1 of 8 in doubling k / 8 from 128 bytes; large class k is step
 * k % 4 + 1 of 4 in doubling k / 4 from 2^MEDIUM_SHIFT. Its span adds BLOCK_ALIGN above the
 * edge. */
#define MEDIUM_INDEX(c) ((c) < FINE_CLASSES ? 0u : (c) - (unsigned)FINE_CLASSES)
#define LARGE_INDEX(c)                                                                             \
    ((c) < FINE_CLASSES + MEDIUM_CLASSES ? 0u : (c) - (unsigned)(FINE_CLASSES + MEDIUM_CLASSES))
#define ROUND_SIZE(c)                                                                              \
    ((c) < FINE_CLASSES ? ((size_t)(c) + 1) * BLOCK_ALIGN                                          \
     : (c) < FINE_CLASSES + MEDIUM_CLASSES                                                         \
         ? ((size_t)1 << (7 + MEDIUM_INDEX(c) / 8)) +                                              \
               (MEDIUM_INDEX(c) % 8 + 1) * ((size_t)1 << (4 + MEDIUM_INDEX(c) / 8))                \
         : ((size_t)1 << (MEDIUM_SHIFT + LARGE_INDEX(c) / 4)) +                                    \
               (LARGE_INDEX(c) % 4 + 1) * ((size_t)1 << (MEDIUM_SHIFT - 2 + LARGE_INDEX(c) / 4)))
#define CLASS_SIZE(c) (ROUND_SIZE(c) + (ROUND_SIZE(c) > PAYLOAD_EDGE ? BLOCK_ALIGN : 0))
#define CLASS_SIZES_8(c)                                                                           \
    CLASS_SIZE(c), CLASS_SIZE(c + 1), CLASS_SIZE(c + 2), CLASS_SIZE(c + 3), CLASS_SIZE(c + 4),     \
        CLASS_SIZE(c + 5), CLASS_SIZE(c + 6), CLASS_SIZE(c + 7)
/* Every class's span, so that finding it is one load. 80 entries cover both block alignments (72
 * classes at 16 bytes, 80 at 8); the ones past CLASS_COUNT are unused. */
#define CLASS_TABLE_SIZE 80u
_Static_assert(CLASS_COUNT <= CLASS_TABLE_SIZE, "the size table covers every class");
static const uint32_t class_spans[CLASS_TABLE_SIZE] = {
    CLASS_SIZES_8(0u),  CLASS_SIZES_8(8u),  CLASS_SIZES_8(16u), CLASS_SIZES_8(24u), CLASS_SIZES_8(32u),
    CLASS_SIZES_8(40u), CLASS_SIZES_8(48u), CLASS_SIZES_8(56u), CLASS_SIZES_8(64u), CLASS_SIZES_8(72u)};

/* The span of a block of class c. */
static inline size_t class_span(unsigned c) { return class_spans[c]; }

/* true when a block spanning `span` bytes is exactly a class's block, so it may go on that list. */
static inline bool is_class_span(size_t span) {
    return span != 0 && span <= CLASS_SPAN_MAX && class_span(class_of(span)) == span;
}

#endif /* GOMEM_MALLOC_CLASSES_H */
