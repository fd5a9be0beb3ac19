/*
 * arena.h - one region of memory plus the free-block index over it. The scalable allocator keeps
 * an array of these (sorted by base) whose indexes share one node pool; gomem_arena_create wraps
 * one with a pool of its own. The region comes from the page source or, with GOMEM_BUDDY, from a
 * buddy pool.
 */
#ifndef GOMEM_ARENA_H
#define GOMEM_ARENA_H

#include "index.h"

struct gomem_arena {
    uint8_t *base;
    size_t size;
    gomem_index index;
    gomem_buddy *buddy; /* the pool the region came from, or NULL for the page source */
    bool dedicated;     /* holds one request above the allocator's max block size */
};

/* Take a region of `size` bytes (page-rounded; a power of two when it comes from `buddy`, which
 * is skipped for sizes above its pool size) and index it as wholly free. GOMEM_ERR_INVALID_SIZE for 0 or above GOMEM_ARENA_LIMIT,
 * GOMEM_ERR_NOMEM when no region or node can be had (then nothing is held). */
gomem_status gomem_arena_init(gomem_arena *arena, gomem_nodepool *pool, size_t size,
                              gomem_buddy *buddy);

/* Give back the region and every index node. */
void gomem_arena_release(gomem_arena *arena);

/* Called once an arena's region has grown to [base, base + size), before the growth is final:
 * false (the caller's own tables could not cover it) undoes the growth. */
typedef bool (*gomem_arena_cover_fn)(void *context, const uint8_t *base, size_t size);

/* Grow an arena in place so that [offset, offset + size), when that is all it has allocated,
 * becomes [offset, offset + new_size): the region is extended to the page-rounded end
 * (gomem_pages_extend), `cover` is told, and the index is made anew over the new size, compact
 * or not, with that one allocation. GOMEM_ERR_NOMEM, the arena unchanged, when the range is not the
 * arena's sole allocation, the region came from a buddy pool, the allocation would pass
 * GOMEM_ARENA_LIMIT or already fits, the page source has no pages right after the region, no
 * index memory can be had, or `cover` says false. O(free blocks) to check the range, then O(1)
 * plus the page source's extend. */
gomem_status gomem_arena_extend_sole(gomem_arena *arena, gomem_nodepool *pool, size_t offset,
                                     size_t size, size_t new_size, bool compact,
                                     gomem_arena_cover_fn cover, void *context);

static inline bool gomem_arena_contains(const gomem_arena *arena, const void *ptr) {
    uintptr_t address = (uintptr_t)ptr, base = (uintptr_t)arena->base;
    return address >= base && address - base < arena->size;
}

/* Allocate from the arena; NULL when nothing fits (or no node for an alignment gap). */
static inline void *gomem_arena_take(gomem_arena *arena, size_t size, size_t alignment) {
    size_t offset;
    if (gomem_index_alloc(&arena->index, size, alignment, &offset) != GOMEM_OK) return NULL;
    return arena->base + offset;
}

/* Free [ptr, ptr + size); ptr must lie inside the arena. */
static inline gomem_status gomem_arena_give(gomem_arena *arena, void *ptr, size_t size) {
    gomem_status status =
        gomem_index_free(&arena->index, (size_t)((uint8_t *)ptr - arena->base), size);
    if (status == GOMEM_OK) gomem_fill_freed(ptr, size);
    return status;
}

/* Buddy regions for arenas (buddy.c). The size is rounded up to the region actually handed out. */
void *gomem_buddy_alloc_rounded(gomem_buddy *buddy, size_t *size);
/* Bytes per pool: arenas larger than a pool come from the page source instead. */
size_t gomem_buddy_pool_size(const gomem_buddy *buddy);

#endif /* GOMEM_ARENA_H */
