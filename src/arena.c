/*
 * arena.c - arena life cycle and the standalone arena API (GoMem's MemoryAllocator).
 */
#include "arena.h"
#include "hardened.h"

gomem_status gomem_arena_init(gomem_arena *arena, gomem_nodepool *pool, size_t size,
                              gomem_buddy *buddy) {
    size_t rounded = gomem_page_round(size);
    if (rounded == 0) return GOMEM_ERR_INVALID_SIZE;
    if (buddy != NULL && rounded > gomem_buddy_pool_size(buddy)) buddy = NULL;
    uint8_t *base = buddy ? gomem_buddy_alloc_rounded(buddy, &rounded) : gomem_pages_alloc(rounded);
    if (base == NULL) return GOMEM_ERR_NOMEM;
    gomem_status status = gomem_index_init(&arena->index, pool, rounded);
    if (status != GOMEM_OK) {
        if (buddy)
            (void)gomem_buddy_free(buddy, base);
        else
            gomem_pages_free(base, rounded);
        return status;
    }
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
