/*
 * hardened.h - what GOMEM_HARDENED adds to the free-block index and the arenas (hardened.c):
 *
 *   - allocation boundaries: one bit per byte of an index, set where an allocation (or what is
 *     left of one after a segmented free) starts. A free must lie inside one allocation, so a
 *     range with a boundary strictly inside it spans two allocations and is refused
 *     (GOMEM_ERR_SPANS_ALLOCATIONS) before anything changes. Together with the check every build
 *     makes (no byte of the range may be free already: GOMEM_ERR_DOUBLE_FREE) this checks a free
 *     against the index completely. Cost: size / 8 bytes of metadata per index and O(size / 64)
 *     per free, which is why it is a build option.
 *   - freed bytes are overwritten with GOMEM_FREED_BYTE, so a use after free reads a pattern
 *     that stands out instead of the old contents.
 *
 * Without GOMEM_HARDENED every helper here compiles to nothing.
 */
#ifndef GOMEM_HARDENED_H
#define GOMEM_HARDENED_H

#include "internal.h"

#ifndef GOMEM_HARDENED
#define GOMEM_HARDENED 0
#endif

/* The pattern hardened builds write over freed bytes. */
#define GOMEM_FREED_BYTE 0xDF

#if GOMEM_HARDENED
/* A zeroed boundary map for an index of `size` bytes, or NULL on out-of-memory. */
uint64_t *gomem_boundaries_create(size_t size);
void gomem_boundaries_destroy(uint64_t *bits, size_t size);
/* Bytes held by a map for `size` bytes. */
size_t gomem_boundaries_footprint(size_t size);
/* Clear every boundary of a map for `size` bytes. */
void gomem_boundaries_clear_all(uint64_t *bits, size_t size);
/* true when a boundary lies in [from, to). O((to - from) / 64). */
bool gomem_boundaries_any(const uint64_t *bits, size_t from, size_t to);

static inline void gomem_boundary_set(uint64_t *bits, size_t at) {
    bits[at / 64] |= (uint64_t)1 << (at % 64);
}

static inline void gomem_boundary_clear(uint64_t *bits, size_t at) {
    bits[at / 64] &= ~((uint64_t)1 << (at % 64));
}
#endif

/* Overwrite freed bytes with the pattern (hardened builds only). */
static inline void gomem_fill_freed(void *bytes, size_t size) {
#if GOMEM_HARDENED
    memset(bytes, GOMEM_FREED_BYTE, size);
#else
    (void)bytes;
    (void)size;
#endif
}

#endif /* GOMEM_HARDENED_H */
