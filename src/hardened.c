/*
 * hardened.c - the allocation-boundary map of GOMEM_HARDENED builds (see hardened.h). Empty in
 * other builds.
 */
#include "hardened.h"

#if GOMEM_HARDENED

static size_t map_bytes(size_t size) { return (size + 63) / 64 * sizeof(uint64_t); }

uint64_t *gomem_boundaries_create(size_t size) {
    uint64_t *bits = gomem_meta_alloc(map_bytes(size));
    /* Pages from a page source's free list are not necessarily zero. */
    if (bits != NULL) gomem_boundaries_clear_all(bits, size);
    return bits;
}

void gomem_boundaries_destroy(uint64_t *bits, size_t size) { gomem_meta_free(bits, map_bytes(size)); }

size_t gomem_boundaries_footprint(size_t size) { return gomem_meta_footprint(map_bytes(size)); }

void gomem_boundaries_clear_all(uint64_t *bits, size_t size) { memset(bits, 0, map_bytes(size)); }

bool gomem_boundaries_any(const uint64_t *bits, size_t from, size_t to) {
    if (from >= to) return false;
    size_t first = from / 64, last = (to - 1) / 64;
    uint64_t head = ~(uint64_t)0 << (from % 64);
    uint64_t tail = ~(uint64_t)0 >> (63 - (to - 1) % 64);
    if (first == last) return (bits[first] & head & tail) != 0;
    if (bits[first] & head) return true;
    for (size_t word = first + 1; word < last; word++)
        if (bits[word]) return true;
    return (bits[last] & tail) != 0;
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int gomem_hardened_is_off;
#endif
