/*
 * index.h - the free-block index's internal layout, shared by its three implementations and by
 * the arena and allocator that embed indexes. The build option GOMEM_INDEX picks one:
 *   tlsf  (default) index_tlsf.c: size classes with bitmaps plus an edge map (O(1) expected);
 *   treap           index_treap.c: one treap by start with cached maxima (first fit, O(log n));
 *   avl             index_avl.c: two AVL trees by start and by size (best fit, O(log n)).
 * Nodes live in a node pool outside the managed memory and are named by 32-bit numbers, so a
 * pool can move when it grows and nodes stay small in native and wasm builds alike. Node 0 is a
 * sentinel ("no node"): its fields are zero, so reading a missing link needs no branch. Several
 * indexes may share one pool (all arenas of an allocator do).
 */
#ifndef GOMEM_INDEX_H
#define GOMEM_INDEX_H

#include "hardened.h"

#define GOMEM_NIL 0u

#ifndef GOMEM_INDEX_TLSF
#define GOMEM_INDEX_TLSF 0
#endif

#if GOMEM_INDEX_TLSF
/* A free block of the size-class index: on a circular list in address order (through the
 * index's anchor node) and on the list of its size class. */
typedef struct gomem_node {
    uint32_t start, end;
    uint32_t prev, next;         /* address order; the anchor closes the circle */
    uint32_t bin_prev, bin_next; /* size-class list, GOMEM_NIL at both ends */
} gomem_node;
#elif GOMEM_TWOTREE
/* Two AVL trees over the same nodes: tree 0 ordered by start, tree 1 by (size, start). */
enum { GOMEM_BY_START = 0, GOMEM_BY_SIZE = 1 };
typedef struct gomem_node {
    uint32_t start, end;
    uint32_t left[2], right[2], parent[2];
    uint8_t height[2];
} gomem_node;
#else
/* One treap: a search tree by start, a max-heap by random priority, and each node caches the
 * largest free block in its subtree (`max`), which makes first-fit search O(depth). */
typedef struct gomem_node {
    uint32_t start, end;
    uint32_t max;
    uint32_t priority;
    uint32_t left, right, parent;
} gomem_node;
#endif

typedef struct gomem_nodepool {
    gomem_node *nodes;  /* nodes[0] is the sentinel */
    uint32_t capacity;  /* entries in nodes */
    uint32_t used;      /* entries ever handed out, including the sentinel */
    uint32_t free_head; /* recycled nodes, chained through their start field */
    uint32_t live;      /* nodes in use by all indexes of this pool */
} gomem_nodepool;

/* Levels of an edge bitmap: one bit per granule at level 0, then one bit per word of the level
 * below, up to a single word (2^24 granules need 4). */
#define GOMEM_EDGE_LEVELS 5

struct gomem_index {
    gomem_nodepool *pool;
#if GOMEM_INDEX_TLSF
    uint32_t anchor;      /* sentinel of the address list */
    uint32_t hint;        /* the block last resized or linked (GOMEM_NIL: none): a free that ends
                             where it starts needs no edge search */
    uint32_t fl_bits;     /* bit f: a class of first level f holds a block */
    uint32_t *sl_bits;    /* per first level: bit s when class (f << 5) | s holds a block */
    uint32_t *heads;      /* per size class: its first block, GOMEM_NIL when empty */
    uint64_t *edge_words; /* edge bitmap, level 0 first (edge_map.h) */
    uint32_t *edge_first; /* per granule: the first block ending in it, while its bit is set */
    uint32_t edge_level_start[GOMEM_EDGE_LEVELS]; /* first word of each level in edge_words */
    uint32_t edge_level_words[GOMEM_EDGE_LEVELS]; /* words in each level */
    uint32_t edge_levels;
    uint32_t class_count; /* size classes up to the class of `size` */
    size_t meta_bytes;    /* the block holding edge_words, heads, sl_bits and edge_first */
    bool top_last;        /* place in every hole before the top block (gomem_index_set_compact) */
#elif GOMEM_TWOTREE
    uint32_t root[2];
#else
    uint32_t root;
    uint32_t random_state; /* xorshift32 for treap priorities */
#endif
    uint32_t size;   /* the range is [0, size) */
    uint32_t blocks; /* free blocks */
    uint64_t free_bytes;
#if GOMEM_HARDENED
    uint64_t *boundaries; /* where allocations start (hardened.h) */
#endif
};

/* Pool life cycle. init never fails (no memory until the first node is taken). */
void gomem_nodepool_init(gomem_nodepool *pool);
void gomem_nodepool_release(gomem_nodepool *pool);
/* Bytes the pool holds. */
size_t gomem_nodepool_footprint(const gomem_nodepool *pool);
/* A node with unspecified fields, or GOMEM_NIL when the pool cannot grow. May move pool->nodes. */
uint32_t gomem_node_take(gomem_nodepool *pool);
void gomem_node_give(gomem_nodepool *pool, uint32_t node);

/* Start an index over [0, size) with one free block. GOMEM_ERR_NOMEM when no node can be had.
 * size must be 1..GOMEM_ARENA_LIMIT (checked by callers). */
gomem_status gomem_index_init(gomem_index *index, gomem_nodepool *pool, size_t size);
/* Return every node of the index to its pool. The index must be init'ed again before use. */
void gomem_index_release(gomem_index *index);

/* Take exactly [offset, offset + size) when every byte of it is free (realloc growing in place).
 * GOMEM_ERR_NOMEM when some byte is not free or no node can be had for the rest of its block,
 * GOMEM_ERR_INVALID_SIZE / GOMEM_ERR_OUT_OF_RANGE as gomem_index_free; nothing changes on error.
 * Sets no allocation boundary: the bytes extend the allocation just before them. O(log n). */
gomem_status gomem_index_claim(gomem_index *index, size_t offset, size_t size);

/* Make the index compact or not (a new index is not): a compact index places a request in any
 * hole that holds it before it carves the top block (the block ending where the index ends), so
 * its used part grows only when no hole holds a request. Only the tlsf index places otherwise
 * (top block right after the request's own class); first fit (treap) and best fit (avl) always
 * use the holes first. O(1). */
void gomem_index_set_compact(gomem_index *index, bool compact);

/* Bytes of metadata the index holds besides its nodes (pool) and its struct: the default index's
 * class and edge tables, the hardened boundary map. */
size_t gomem_index_metadata(const gomem_index *index);

/* The argument checks shared by alloc and find, in both implementations. */
static inline gomem_status gomem_index_check_request(const gomem_index *index, size_t size,
                                                     size_t alignment) {
    if (size == 0 || size > index->size) return GOMEM_ERR_INVALID_SIZE;
    if (!gomem_is_power_of_two(alignment) || alignment > GOMEM_MAX_ALIGNMENT)
        return GOMEM_ERR_INVALID_ARGUMENT;
    return GOMEM_OK;
}

/* Where `size` bytes start in block `node` once aligned, or UINT32_MAX when they do not fit. */
static inline uint32_t gomem_block_aligned_fit(const gomem_node *node, uint32_t size, uint32_t alignment) {
    uint32_t aligned = (node->start + alignment - 1) & ~(alignment - 1);
    /* aligned < start only on wrap-around near 4 GiB: then it does not fit. */
    if (aligned < node->start || aligned >= node->end || node->end - aligned < size) return UINT32_MAX;
    return aligned;
}

static inline bool gomem_index_is_empty(const gomem_index *index) {
    return index->free_bytes == index->size;
}

#endif /* GOMEM_INDEX_H */
