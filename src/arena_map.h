/*
 * arena_map.h - which arena of a scalable allocator holds an address, in O(1) expected: a map
 * from 4 KiB page numbers to the arena's position in the allocator's table (plus one; 0 = none).
 *
 * Arenas are page-aligned and whole pages (every page source hands out such regions), so each
 * page belongs to at most one arena. Pages are grouped in regions of 4 MiB; each region that holds
 * an arena page has a leaf of 1024 entries (4 KiB of metadata per 4 MiB of arenas, 0.1 %), and
 * leaves are found through a small open-addressed table keyed by region number, so the map costs
 * the same in wasm32 and in a 64-bit address space. A lookup is one hash probe and one load.
 *
 * The allocator keeps its table in the order arenas were added, so removing an arena shifts the
 * positions after it: gomem_arena_map_set rewrites those arenas' pages (O(their pages)), which
 * is rare (trim, released dedicated regions) next to the lookups every free makes.
 */
#ifndef GOMEM_ARENA_MAP_H
#define GOMEM_ARENA_MAP_H

#include "internal.h"

#define GOMEM_ARENA_MAP_PAGE_SHIFT 12u
#define GOMEM_ARENA_MAP_LEAF_BITS 10u

typedef struct gomem_arena_leaf_slot {
    uintptr_t region; /* address >> (PAGE_SHIFT + LEAF_BITS) */
    uint32_t *leaf;   /* NULL: empty slot */
    uint32_t live;    /* non-zero entries in the leaf */
} gomem_arena_leaf_slot;

typedef struct gomem_arena_map {
    gomem_arena_leaf_slot *slots;
    uint32_t capacity; /* a power of two, or 0 */
    uint32_t count;
} gomem_arena_map;

/* An empty map; needs no memory until the first set. */
void gomem_arena_map_init(gomem_arena_map *map);
/* Free every leaf and the table. */
void gomem_arena_map_release(gomem_arena_map *map);

/* Bytes of metadata the map holds. */
size_t gomem_arena_map_footprint(const gomem_arena_map *map);

/* Make sure every page of [base, base + size) has a leaf, so that set cannot fail afterwards.
 * false on out-of-memory, and then the map is as it was. */
bool gomem_arena_map_reserve(gomem_arena_map *map, const void *base, size_t size);

/* Record `value` (a table position plus one, or 0 to clear) for every page of [base, base + size).
 * The pages must have been reserved. Clearing a leaf's last page frees the leaf. */
void gomem_arena_map_set(gomem_arena_map *map, const void *base, size_t size, uint32_t value);

/* The value recorded for the page holding `address`, 0 when none. */
static inline uint32_t gomem_arena_map_find(const gomem_arena_map *map, const void *address) {
    if (map->capacity == 0) return 0;
    uintptr_t page = (uintptr_t)address >> GOMEM_ARENA_MAP_PAGE_SHIFT;
    uintptr_t region = page >> GOMEM_ARENA_MAP_LEAF_BITS;
    uint32_t mask = map->capacity - 1;
    for (uint32_t at = (uint32_t)(region * 0x9E3779B1u) & mask;; at = (at + 1) & mask) {
        const gomem_arena_leaf_slot *slot = &map->slots[at];
        if (slot->leaf == NULL) return 0;
        if (slot->region == region)
            return slot->leaf[page & ((1u << GOMEM_ARENA_MAP_LEAF_BITS) - 1)];
    }
}

#endif /* GOMEM_ARENA_MAP_H */
