/*
 * edge_map.h - how the default index (index_tlsf.c) finds, for any offset x, the first free block
 * that ends after x, in O(1) expected. That block either holds x or is the next free block after
 * it, which is all a free needs: whether its range touches free bytes, and which blocks it merges
 * with (the block found and the one before it in address order).
 *
 * The range is cut into granules of 256 bytes. Two structures per index, both in its metadata
 * block outside the managed memory:
 *   - an edge bitmap: bit g is set when some free block's last byte lies in granule g, with
 *     summary levels above it (a bit per non-zero word of the level below), so the next set bit
 *     at or after any granule takes at most GOMEM_EDGE_LEVELS word steps each way;
 *   - a first-block array: for each granule whose bit is set, the first free block whose last
 *     byte lies in it (entries of clear granules are never read, so the array is never cleared
 *     and natively stays untouched, uncommitted memory until used).
 * Blocks in one granule are found from the first by following the address list, so a lookup
 * costs a bitmap search, one array read and at most one step per block ending in that granule.
 * Cost: size / 64 bytes for the array (1.6 %) and about size / 2048 for the bitmap. A hash table
 * keyed by granule cost less memory but three times the instructions per free (measured on the
 * MixedRandom pattern), so the array won.
 */
#ifndef GOMEM_EDGE_MAP_H
#define GOMEM_EDGE_MAP_H

#include "index.h"

#if GOMEM_INDEX_TLSF

#define GOMEM_EDGE_GRANULE_SHIFT 8u
#define GOMEM_EDGE_NONE UINT32_MAX

/* The granule of offset x. */
static inline uint32_t gomem_edge_granule(uint32_t x) { return x >> GOMEM_EDGE_GRANULE_SHIFT; }

/* Lay out the levels of an edge bitmap for an index of `size` bytes in index->edge_level_*;
 * returns the words they take in all. */
uint32_t gomem_edge_bits_layout(gomem_index *index, size_t size);

/* Set / clear granule g's bit, keeping the summary levels true. */
void gomem_edge_bit_set(gomem_index *index, uint32_t g);
void gomem_edge_bit_clear(gomem_index *index, uint32_t g);

static inline bool gomem_edge_bit_test(const gomem_index *index, uint32_t g) {
    return (index->edge_words[g >> 6] >> (g & 63)) & 1u;
}

/* The lowest set granule at or after g, or GOMEM_EDGE_NONE. */
uint32_t gomem_edge_bit_next(const gomem_index *index, uint32_t g);

#endif /* GOMEM_INDEX_TLSF */
#endif /* GOMEM_EDGE_MAP_H */
