/*
 * edge_map.c - the edge bitmap of an index (see edge_map.h).
 */
#include "edge_map.h"

#if GOMEM_INDEX_TLSF

uint32_t gomem_edge_bits_layout(gomem_index *index, size_t size) {
    uint32_t bits = (uint32_t)((size + (1u << GOMEM_EDGE_GRANULE_SHIFT) - 1) >> GOMEM_EDGE_GRANULE_SHIFT);
    uint32_t total = 0, level = 0;
    do {
        uint32_t words = (bits + 63) / 64;
        index->edge_level_start[level] = total;
        index->edge_level_words[level] = words;
        total += words;
        bits = words;
        level++;
    } while (bits > 1);
    index->edge_levels = level;
    return total;
}

void gomem_edge_bit_set(gomem_index *index, uint32_t g) {
    for (uint32_t level = 0; level < index->edge_levels; level++, g >>= 6) {
        uint64_t *word = &index->edge_words[index->edge_level_start[level] + (g >> 6)];
        bool was_empty = *word == 0;
        *word |= (uint64_t)1 << (g & 63);
        if (!was_empty) return; /* the levels above already know this word is non-zero */
    }
}

void gomem_edge_bit_clear(gomem_index *index, uint32_t g) {
    for (uint32_t level = 0; level < index->edge_levels; level++, g >>= 6) {
        uint64_t *word = &index->edge_words[index->edge_level_start[level] + (g >> 6)];
        *word &= ~((uint64_t)1 << (g & 63));
        if (*word != 0) return; /* still non-zero: the summary bit above stays */
    }
}

uint32_t gomem_edge_bit_next(const gomem_index *index, uint32_t g) {
    const uint64_t *words = index->edge_words;
    uint32_t position = g;
    for (uint32_t level = 0; level < index->edge_levels; level++) {
        uint32_t word = position >> 6;
        if (word >= index->edge_level_words[level]) return GOMEM_EDGE_NONE;
        uint64_t bits = words[index->edge_level_start[level] + word] & (~(uint64_t)0 << (position & 63));
        if (bits != 0) {
            /* Found at this level: descend, taking the lowest set bit of each word below. */
            position = (word << 6) | (uint32_t)__builtin_ctzll(bits);
            while (level-- > 0)
                position = (position << 6) |
                           (uint32_t)__builtin_ctzll(words[index->edge_level_start[level] + position]);
            return position;
        }
        position = word + 1; /* the next word of this level, as a bit of the level above */
    }
    return GOMEM_EDGE_NONE;
}

#endif /* GOMEM_INDEX_TLSF */
