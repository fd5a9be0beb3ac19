/*
 * arena.c - arena life cycle and the standalone arena API (GoMem's MemoryAllocator).
 */
#include "arena.h"
#include "hardened.h"

/* The region of an arena from its buddy pool, then its index; NULL (nothing held) on failure. */
static uint8_t *take_from_buddy(gomem_arena *arena, gomem_nodepool *pool, gomem_buddy *buddy,
                                size_t *size) {
    uint8_t *base = gomem_buddy_alloc_rounded(buddy, size);
    if (base == NULL) return NULL;
    if (gomem_index_init(&arena->index, pool, *size) == GOMEM_OK) return base;
    (void)gomem_buddy_free(buddy, base); /* cannot fail: we own this region */
    return NULL;
}

/* The index of an arena, then its region from the page source; NULL (nothing held) on failure.
 * The index (its metadata pages) comes first so that, where the page source hands out regions
 * side by side, the region comes last, with nothing of ours right after it to stop it growing in
 * place (gomem_arena_extend_sole). */
static uint8_t *take_from_pages(gomem_arena *arena, gomem_nodepool *pool, size_t size) {
    if (gomem_index_init(&arena->index, pool, size) != GOMEM_OK) return NULL;
    uint8_t *base = gomem_pages_alloc(size);
    if (base == NULL) gomem_index_release(&arena->index);
    return base;
}

gomem_status gomem_arena_init(gomem_arena *arena, gomem_nodepool *pool, size_t size,
                              gomem_buddy *buddy) {
    size_t rounded = gomem_page_round(size);
    if (rounded == 0) return GOMEM_ERR_INVALID_SIZE;
    if (buddy != NULL && rounded > gomem_buddy_pool_size(buddy)) buddy = NULL;
    uint8_t *base = buddy ? take_from_buddy(arena, pool, buddy, &rounded)
                          : take_from_pages(arena, pool, rounded);
    if (base == NULL) return GOMEM_ERR_NOMEM;
    arena->base = base;
    arena->size = rounded;
    arena->buddy = buddy;
    arena->dedicated = false;
    return GOMEM_OK;
}

void gomem_arena_release(gomem_arena *arena) {
    gomem_index_release(&arena->index);
    /* Hardened: where released pages stay readable (wasm memory never shrinks; a buddy pool
     * keeps its region), a view or pointer kept past destroy, recycle or trim reads the freed
     * pattern until the bytes are reused, instead of the old data. Pages given back to the
     * system need no fill. */
#if GOMEM_HARDENED
    if (arena->buddy || !gomem_page_source()->returns_to_os)
        gomem_fill_freed(arena->base, arena->size);
#endif
    if (arena->buddy)
        (void)gomem_buddy_free(arena->buddy, arena->base); /* cannot fail: we own this region */
    else
        gomem_pages_free(arena->base, arena->size);
    arena->base = NULL;
    arena->size = 0;
}

/* Whether [from, to) is all an arena has allocated: no free block overlaps it and the free
 * bytes are everything else. */
typedef struct sole_allocation {
    size_t from, to;
    bool overlapped;
} sole_allocation;

static bool note_overlap(void *context, gomem_block block) {
    sole_allocation *sole = context;
    sole->overlapped = block.start < sole->to && block.end > sole->from;
    return !sole->overlapped;
}

static bool holds_only(const gomem_arena *arena, size_t from, size_t to) {
    if (gomem_index_free_size(&arena->index) != arena->size - (to - from)) return false;
    sole_allocation sole = {from, to, false};
    gomem_index_walk(&arena->index, note_overlap, &sole);
    return !sole.overlapped;
}

gomem_status gomem_arena_extend_sole(gomem_arena *arena, gomem_nodepool *pool, size_t offset,
                                     size_t size, size_t new_size, bool compact,
                                     gomem_arena_cover_fn cover, void *context) {
    if (arena->buddy != NULL || offset > arena->size || size > arena->size - offset ||
        new_size <= size || new_size > GOMEM_ARENA_LIMIT - offset ||
        !holds_only(arena, offset, offset + size))
        return GOMEM_ERR_NOMEM;
    size_t grown = gomem_page_round(offset + new_size);
    if (grown <= arena->size) return GOMEM_ERR_NOMEM; /* it fits: the caller claims the bytes */
    /* The pages first: when the page source has none right after the region (the common
     * refusal) nothing else was touched, not even the node pool. Any later failure gives them
     * back, leaving the arena as it was. */
    size_t old_size = arena->size;
    if (!gomem_pages_extend(arena->base, old_size, grown)) return GOMEM_ERR_NOMEM;
    gomem_index index;
    gomem_status status = cover(context, arena->base, grown)
                              ? gomem_index_init(&index, pool, grown)
                              : GOMEM_ERR_NOMEM;
    if (status == GOMEM_OK) {
        gomem_index_set_compact(&index, compact);
        status = gomem_index_claim(&index, offset, new_size);
        if (status != GOMEM_OK) gomem_index_release(&index);
    }
    if (status != GOMEM_OK) {
        gomem_pages_free(arena->base + old_size, grown - old_size);
        return status;
    }
#if GOMEM_HARDENED
    gomem_boundary_set(index.boundaries, offset); /* where the allocation starts, as before */
#endif
    gomem_index_release(&arena->index);
    arena->index = index;
    arena->size = grown;
    return GOMEM_OK;
}

/* A standalone arena owns its node pool; the arena comes first so the pointers convert. */
typedef struct standalone_arena {
    gomem_arena arena;
    gomem_nodepool pool;
} standalone_arena;

gomem_arena *gomem_arena_create(size_t size) {
    standalone_arena *self = gomem_meta_alloc(sizeof *self);
    if (self == NULL) return NULL;
    gomem_nodepool_init(&self->pool);
    if (gomem_arena_init(&self->arena, &self->pool, size, NULL) != GOMEM_OK) {
        gomem_nodepool_release(&self->pool);
        gomem_meta_free(self, sizeof *self);
        return NULL;
    }
    return &self->arena;
}

void gomem_arena_destroy(gomem_arena *arena) {
    if (arena == NULL) return;
    standalone_arena *self = (standalone_arena *)arena;
    gomem_arena_release(&self->arena);
    gomem_nodepool_release(&self->pool);
    gomem_meta_free(self, sizeof *self);
}

void *gomem_arena_alloc(gomem_arena *arena, size_t size) {
    return gomem_arena_take(arena, size, GOMEM_DEFAULT_ALIGNMENT);
}

gomem_status gomem_arena_free(gomem_arena *arena, void *ptr, size_t size) {
    if (ptr == NULL) return GOMEM_ERR_INVALID_ARGUMENT;
    if (!gomem_arena_contains(arena, ptr)) return GOMEM_ERR_FOREIGN_POINTER;
    return gomem_arena_give(arena, ptr, size);
}

void *gomem_arena_find(const gomem_arena *arena, size_t size) {
    size_t offset;
    if (gomem_index_find(&arena->index, size, GOMEM_DEFAULT_ALIGNMENT, &offset) != GOMEM_OK)
        return NULL;
    return arena->base + offset;
}

void *gomem_arena_base(const gomem_arena *arena) { return arena->base; }

size_t gomem_arena_size(const gomem_arena *arena) { return arena->size; }

const gomem_index *gomem_arena_index(const gomem_arena *arena) { return &arena->index; }
