/*
 * nodepool.c - storage for index nodes, outside the managed memory (docs/design.md, D1: no
 * headers inside arenas). One contiguous array that doubles when full, so nodes are addressed by
 * number and the array may move; recycled nodes are chained through their `start` field.
 * Invariant: 1 <= used <= capacity once the array exists; live counts nodes handed out and not
 * given back.
 */
#include "index.h"

void gomem_nodepool_init(gomem_nodepool *pool) { memset(pool, 0, sizeof *pool); }

void gomem_nodepool_release(gomem_nodepool *pool) {
    gomem_meta_free(pool->nodes, (size_t)pool->capacity * sizeof(gomem_node));
    gomem_nodepool_init(pool);
}

size_t gomem_nodepool_footprint(const gomem_nodepool *pool) {
    return pool->capacity ? gomem_meta_footprint((size_t)pool->capacity * sizeof(gomem_node)) : 0;
}

static bool nodepool_grow(gomem_nodepool *pool) {
    size_t old_bytes = (size_t)pool->capacity * sizeof(gomem_node);
    /* The first array fills one page; later ones double. */
    size_t new_count = pool->capacity ? (size_t)pool->capacity * 2
                                      : gomem_page_size() / sizeof(gomem_node);
    if (new_count > UINT32_MAX) return false;
    /* Use every byte of the pages the metadata allocator rounds up to. */
    size_t new_bytes = gomem_meta_footprint(new_count * sizeof(gomem_node));
    new_count = new_bytes / sizeof(gomem_node);
    if (new_count > UINT32_MAX) new_count = UINT32_MAX;
    gomem_node *nodes = gomem_meta_alloc(new_bytes);
    if (nodes == NULL) return false;
    if (pool->nodes != NULL) {
        memcpy(nodes, pool->nodes, old_bytes);
        gomem_meta_free(pool->nodes, old_bytes);
    } else {
        memset(&nodes[GOMEM_NIL], 0, sizeof nodes[GOMEM_NIL]);
        pool->used = 1;
    }
    pool->nodes = nodes;
    pool->capacity = (uint32_t)new_count;
    return true;
}

uint32_t gomem_node_take(gomem_nodepool *pool) {
    uint32_t node = pool->free_head;
    if (node != GOMEM_NIL) {
        pool->free_head = pool->nodes[node].start;
    } else {
        if (pool->used == pool->capacity && !nodepool_grow(pool)) return GOMEM_NIL;
        node = pool->used++;
    }
    pool->live++;
    return node;
}

void gomem_node_give(gomem_nodepool *pool, uint32_t node) {
    pool->nodes[node].start = pool->free_head;
    pool->free_head = node;
    pool->live--;
}
