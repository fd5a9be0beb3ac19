/*
 * arena_map.c - the page -> arena map of the scalable allocator (see arena_map.h).
 */
#include "arena_map.h"

#define LEAF_ENTRIES (1u << GOMEM_ARENA_MAP_LEAF_BITS)
#define LEAF_BYTES (LEAF_ENTRIES * sizeof(uint32_t))
#define REGION_SHIFT (GOMEM_ARENA_MAP_PAGE_SHIFT + GOMEM_ARENA_MAP_LEAF_BITS)

void gomem_arena_map_init(gomem_arena_map *map) { memset(map, 0, sizeof *map); }

static inline uint32_t home_of(const gomem_arena_map *map, uintptr_t region) {
    return (uint32_t)(region * 0x9E3779B1u) & (map->capacity - 1);
}

/* The slot of `region`, or the empty slot where it would go. */
static gomem_arena_leaf_slot *slot_of(const gomem_arena_map *map, uintptr_t region) {
    uint32_t mask = map->capacity - 1;
    for (uint32_t at = home_of(map, region);; at = (at + 1) & mask)
        if (map->slots[at].leaf == NULL || map->slots[at].region == region) return &map->slots[at];
}

void gomem_arena_map_release(gomem_arena_map *map) {
    for (uint32_t at = 0; at < map->capacity; at++)
        gomem_meta_free(map->slots[at].leaf, LEAF_BYTES);
    gomem_meta_free(map->slots, (size_t)map->capacity * sizeof *map->slots);
    gomem_arena_map_init(map);
}

size_t gomem_arena_map_footprint(const gomem_arena_map *map) {
    if (map->capacity == 0) return 0;
    return gomem_meta_footprint((size_t)map->capacity * sizeof *map->slots) +
           map->count * gomem_meta_footprint(LEAF_BYTES);
}

/* Double the table (or make the first one); false on out-of-memory, nothing changed. */
static bool grow_table(gomem_arena_map *map) {
    uint32_t capacity = map->capacity ? map->capacity * 2 : 16;
    gomem_arena_leaf_slot *slots = gomem_meta_alloc((size_t)capacity * sizeof *slots);
    if (slots == NULL) return false;
    memset(slots, 0, (size_t)capacity * sizeof *slots);
    gomem_arena_map old = *map;
    map->slots = slots;
    map->capacity = capacity;
    for (uint32_t at = 0; at < old.capacity; at++)
        if (old.slots[at].leaf != NULL) *slot_of(map, old.slots[at].region) = old.slots[at];
    gomem_meta_free(old.slots, (size_t)old.capacity * sizeof *old.slots);
    return true;
}

/* Remove an empty leaf and its slot; backward-shift deletion keeps probe runs whole. */
static void drop_leaf(gomem_arena_map *map, gomem_arena_leaf_slot *slot) {
    uint32_t mask = map->capacity - 1, hole = (uint32_t)(slot - map->slots);
    gomem_meta_free(slot->leaf, LEAF_BYTES);
    for (uint32_t at = (hole + 1) & mask; map->slots[at].leaf != NULL; at = (at + 1) & mask) {
        uint32_t home = home_of(map, map->slots[at].region);
        if (((at - home) & mask) >= ((at - hole) & mask)) {
            map->slots[hole] = map->slots[at];
            hole = at;
        }
    }
    map->slots[hole].leaf = NULL;
    map->count--;
}

/* The regions [first, last] of a range of bytes. */
static void regions_of(const void *base, size_t size, uintptr_t *first, uintptr_t *last) {
    *first = (uintptr_t)base >> REGION_SHIFT;
    *last = ((uintptr_t)base + size - 1) >> REGION_SHIFT;
}

bool gomem_arena_map_reserve(gomem_arena_map *map, const void *base, size_t size) {
    uintptr_t first, last;
    regions_of(base, size, &first, &last);
    for (uintptr_t region = first; region <= last; region++) {
        if (map->capacity != 0 && slot_of(map, region)->leaf != NULL) continue;
        uint32_t *leaf = NULL;
        if (((map->count + 1) * 2 > map->capacity && !grow_table(map)) ||
            (leaf = gomem_meta_alloc(LEAF_BYTES)) == NULL) {
            /* Undo this call's new leaves: they are the empty ones in the range. */
            for (uintptr_t undo = first; undo < region; undo++) {
                gomem_arena_leaf_slot *slot = slot_of(map, undo);
                if (slot->leaf != NULL && slot->live == 0) drop_leaf(map, slot);
            }
            return false;
        }
        memset(leaf, 0, LEAF_BYTES);
        gomem_arena_leaf_slot *slot = slot_of(map, region);
        slot->region = region;
        slot->leaf = leaf;
        slot->live = 0;
        map->count++;
    }
    return true;
}

void gomem_arena_map_set(gomem_arena_map *map, const void *base, size_t size, uint32_t value) {
    uintptr_t page = (uintptr_t)base >> GOMEM_ARENA_MAP_PAGE_SHIFT;
    uintptr_t end = ((uintptr_t)base + size - 1) >> GOMEM_ARENA_MAP_PAGE_SHIFT; /* inclusive */
    while (page <= end) {
        gomem_arena_leaf_slot *slot = slot_of(map, page >> GOMEM_ARENA_MAP_LEAF_BITS);
        uint32_t *leaf = slot->leaf; /* reserved by the caller */
        uintptr_t stop = page | (LEAF_ENTRIES - 1);
        if (stop > end) stop = end;
        for (; page <= stop; page++) {
            uint32_t *entry = &leaf[page & (LEAF_ENTRIES - 1)];
            if (*entry == 0 && value != 0) slot->live++;
            if (*entry != 0 && value == 0) slot->live--;
            *entry = value;
        }
        if (slot->live == 0) drop_leaf(map, slot);
    }
}
