/*
 * index_ops.h - the free-block index operations every implementation shares: finding and taking
 * an allocation, and giving a range back with its merges. Included once at the end of
 * index_tlsf.c, index_treap.c and index_avl.c, after each has defined its primitives:
 *
 *   find_fit(index, size, alignment, &offset)   the block an allocation takes, or GOMEM_NIL
 *   find_neighbours(index, start, end, &before, &after)
 *                                                last block starting at or before `start`, first
 *                                                block after it (GOMEM_NIL when none); `end` is
 *                                                the end of the range asked about, a hint
 *                                                (start < end)
 *   prepare_change(index)                        get what any one change may need (false: NOMEM,
 *                                                nothing changed); called before the first change
 *   link_block(index, n, next, as_hint) / unlink_block(index, n)
 *                                                add a node (bounds set) just before free block
 *                                                `next` (GOMEM_NIL: last), as the block the next
 *                                                operation likely touches or not / remove and
 *                                                recycle one
 *   set_bounds(index, n, start, end)             move n's bounds; it stays between its address
 *                                                neighbours
 *   blocks_init / blocks_release / blocks_reset  the structure's part of gomem_index_init /
 *                                                _release / _reset (reset's size already checked)
 *   blocks_metadata(index)                       bytes of metadata the structure holds
 *
 * so the logic is written once and each file still compiles it inline with its own primitives.
 * The GOMEM_HARDENED bookkeeping (hardened.h) is here too, so every index gets it.
 */
#ifndef GOMEM_INDEX_OPS_H
#define GOMEM_INDEX_OPS_H

gomem_status gomem_index_init(gomem_index *index, gomem_nodepool *pool, size_t size) {
#if GOMEM_HARDENED
    index->boundaries = gomem_boundaries_create(size);
    if (index->boundaries == NULL) return GOMEM_ERR_NOMEM;
    gomem_status status = blocks_init(index, pool, size);
    if (status != GOMEM_OK) gomem_boundaries_destroy(index->boundaries, size);
    return status;
#else
    return blocks_init(index, pool, size);
#endif
}

void gomem_index_release(gomem_index *index) {
#if GOMEM_HARDENED
    gomem_boundaries_destroy(index->boundaries, index->size);
    index->boundaries = NULL;
#endif
    blocks_release(index);
}

gomem_status gomem_index_reset(gomem_index *index, size_t size) {
    if (size == 0 || size > GOMEM_ARENA_LIMIT) return GOMEM_ERR_INVALID_SIZE;
#if GOMEM_HARDENED
    /* A map of the new size is had before anything changes, so a failure changes nothing. */
    uint64_t *boundaries = index->boundaries;
    if (size != index->size) {
        boundaries = gomem_boundaries_create(size);
        if (boundaries == NULL) return GOMEM_ERR_NOMEM;
    }
    size_t old_size = index->size;
    gomem_status status = blocks_reset(index, size);
    if (status != GOMEM_OK) {
        if (boundaries != index->boundaries) gomem_boundaries_destroy(boundaries, size);
        return status;
    }
    if (boundaries != index->boundaries) {
        gomem_boundaries_destroy(index->boundaries, old_size);
        index->boundaries = boundaries;
    } else {
        gomem_boundaries_clear_all(boundaries, size);
    }
    return GOMEM_OK;
#else
    return blocks_reset(index, size);
#endif
}

size_t gomem_index_metadata(const gomem_index *index) {
    size_t bytes = blocks_metadata(index);
#if GOMEM_HARDENED
    bytes += gomem_boundaries_footprint(index->size);
#endif
    return bytes;
}

gomem_status gomem_index_find(const gomem_index *index, size_t size, size_t alignment,
                              size_t *offset) {
    gomem_status status = gomem_index_check_request(index, size, alignment);
    if (status != GOMEM_OK) return status;
    uint32_t at;
    if (find_fit(index, (uint32_t)size, (uint32_t)alignment, &at) == GOMEM_NIL)
        return GOMEM_ERR_NOMEM;
    *offset = at;
    return GOMEM_OK;
}

/* Take [at, at + size) out of free block n, which holds it: the bytes after it stay free in n, the
 * bytes before it (an alignment gap, or what a claim leaves) in n or in a new node, taken before
 * anything changes so that a failure (NOMEM) leaves the index as it was. */
static GOMEM_HOT_INLINE gomem_status take_range(gomem_index *index, uint32_t n, uint32_t at, uint32_t size) {
    if (!prepare_change(index)) return GOMEM_ERR_NOMEM;
    const gomem_node *nodes = index->pool->nodes;
    uint32_t start = nodes[n].start, end = nodes[n].end, taken_end = at + size;
    if (at == start) {
        if (taken_end == end)
            unlink_block(index, n);
        else
            set_bounds(index, n, taken_end, end);
    } else if (taken_end == end) {
        set_bounds(index, n, start, at);
    } else {
        uint32_t gap = gomem_node_take(index->pool);
        if (gap == GOMEM_NIL) return GOMEM_ERR_NOMEM;
        set_bounds(index, n, taken_end, end);
        gomem_node *gap_node = &index->pool->nodes[gap];
        gap_node->start = start;
        gap_node->end = at;
        link_block(index, gap, n, false);
    }
    index->free_bytes -= size;
    return GOMEM_OK;
}

gomem_status gomem_index_alloc(gomem_index *index, size_t size, size_t alignment, size_t *offset) {
    gomem_status status = gomem_index_check_request(index, size, alignment);
    if (status != GOMEM_OK) return status;
    uint32_t at;
    uint32_t n = find_fit(index, (uint32_t)size, (uint32_t)alignment, &at);
    if (n == GOMEM_NIL) return GOMEM_ERR_NOMEM;
    status = take_range(index, n, at, (uint32_t)size);
    if (status != GOMEM_OK) return status;
#if GOMEM_HARDENED
    gomem_boundary_set(index->boundaries, at);
#endif
    *offset = at;
    GOMEM_DEBUG_CHECK(gomem_index_invariants_hold(index));
    return GOMEM_OK;
}

gomem_status gomem_index_claim(gomem_index *index, size_t offset, size_t size) {
    if (size == 0) return GOMEM_ERR_INVALID_SIZE;
    if (offset >= index->size || size > index->size - offset) return GOMEM_ERR_OUT_OF_RANGE;
    uint32_t before, after;
    find_neighbours(index, (uint32_t)offset, (uint32_t)(offset + size), &before, &after);
    const gomem_node *nodes = index->pool->nodes;
    /* The block starting at or before offset must reach offset + size (then it holds offset). */
    if (before == GOMEM_NIL || nodes[before].end < offset + size) return GOMEM_ERR_NOMEM;
    /* No boundary in hardened builds: the bytes join the allocation that ends at `offset`. */
    gomem_status status = take_range(index, before, (uint32_t)offset, (uint32_t)size);
    GOMEM_DEBUG_CHECK(gomem_index_invariants_hold(index));
    return status;
}

gomem_status gomem_index_free(gomem_index *index, size_t offset, size_t size) {
    if (size == 0) return GOMEM_ERR_INVALID_SIZE;
    if (offset >= index->size || size > index->size - offset) return GOMEM_ERR_OUT_OF_RANGE;
    uint32_t start = (uint32_t)offset, end = (uint32_t)(offset + size);

    uint32_t before, after;
    find_neighbours(index, start, end, &before, &after);
    const gomem_node *nodes = index->pool->nodes;
    if ((before != GOMEM_NIL && nodes[before].end > start) ||
        (after != GOMEM_NIL && nodes[after].start < end))
        return GOMEM_ERR_DOUBLE_FREE;
#if GOMEM_HARDENED
    /* Every byte is allocated (checked above); one allocation holds them all unless another
     * starts inside the range. */
    if (gomem_boundaries_any(index->boundaries, start + 1, end))
        return GOMEM_ERR_SPANS_ALLOCATIONS;
#endif

    bool joins_before = before != GOMEM_NIL && nodes[before].end == start;
    bool joins_after = after != GOMEM_NIL && nodes[after].start == end;
    if (!prepare_change(index)) return GOMEM_ERR_NOMEM;
    if (joins_before && joins_after) {
        uint32_t merged_start = nodes[before].start;
        unlink_block(index, before);
        set_bounds(index, after, merged_start, index->pool->nodes[after].end);
    } else if (joins_before) {
        set_bounds(index, before, nodes[before].start, end);
    } else if (joins_after) {
        set_bounds(index, after, start, nodes[after].end);
    } else {
        uint32_t n = gomem_node_take(index->pool);
        if (n == GOMEM_NIL) return GOMEM_ERR_NOMEM;
        gomem_node *node = &index->pool->nodes[n];
        node->start = start;
        node->end = end;
        link_block(index, n, after, true);
    }
    index->free_bytes += size;
#if GOMEM_HARDENED
    /* What is left of the allocation after the range starts a piece of its own: mark it, so a
     * later free cannot run from an allocation made in this range into that piece. */
    gomem_boundary_clear(index->boundaries, start);
    if (!joins_after && end < index->size) gomem_boundary_set(index->boundaries, end);
#endif
    GOMEM_DEBUG_CHECK(gomem_index_invariants_hold(index));
    return GOMEM_OK;
}

#endif /* GOMEM_INDEX_OPS_H */
