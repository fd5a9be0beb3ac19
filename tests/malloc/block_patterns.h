/*
 * block_patterns.h - the byte patterns the malloc tests write into blocks and check before a
 * block is resized or freed. A pattern depends on a tag (whose block it is) and the byte's
 * index, so a block handed out twice, or overwritten by a neighbour, fails the check.
 *
 * Patterns cover every byte of the first and last PATTERN_EDGE bytes and every
 * PATTERN_STRIDE-th in between; the including test defines both (fewer bytes where a test
 * spends most of its time in these loops, as forked children in Debug builds do).
 */
#ifndef GOMEM_TEST_BLOCK_PATTERNS_H
#define GOMEM_TEST_BLOCK_PATTERNS_H

#include <stdbool.h>
#include <stddef.h>

#if !defined(PATTERN_EDGE) || !defined(PATTERN_STRIDE)
#error "define PATTERN_EDGE and PATTERN_STRIDE before including block_patterns.h"
#endif

/* The next byte a pattern covers after byte i of an n-byte block. */
static inline size_t pattern_next(size_t i, size_t n) {
    i++;
    if (i < PATTERN_EDGE || i + PATTERN_EDGE >= n) return i;
    size_t stride = (i + PATTERN_STRIDE - 1) / PATTERN_STRIDE * PATTERN_STRIDE;
    size_t tail = n - PATTERN_EDGE;
    return stride < tail ? stride : tail;
}

static inline unsigned char pattern_byte(unsigned tag, size_t i) {
    return (unsigned char)(tag * 131u + (unsigned)i * 7u + (unsigned)(i >> 8) + 1u);
}

static inline void fill(unsigned char *p, size_t n, unsigned tag) {
    for (size_t i = 0; i < n; i = pattern_next(i, n)) p[i] = pattern_byte(tag, i);
}

/* Whether the first `upto` bytes of an n-byte block filled with `tag` still hold the pattern. */
static inline bool holds_prefix(const unsigned char *p, size_t n, size_t upto, unsigned tag) {
    for (size_t i = 0; i < n && i < upto; i = pattern_next(i, n))
        if (p[i] != pattern_byte(tag, i)) return false;
    return true;
}

static inline bool holds(const unsigned char *p, size_t n, unsigned tag) {
    return holds_prefix(p, n, n, tag);
}

#endif /* GOMEM_TEST_BLOCK_PATTERNS_H */
