/*
 * index_treap.c - the free-block index of GOMEM_INDEX=treap (GoMem's default; gomem's is tlsf):
 * one treap over the free blocks.
 *
 * Ordered by start offset (a search tree), heap-ordered by a random priority (so the expected
 * depth is O(log n) whatever the allocation pattern), and every node caches `max`, the largest
 * free block in its subtree. With `max`, the lowest-addressed block that fits is found in one
 * descent (address-ordered first fit, which keeps fragmentation low), and a free finds both
 * neighbours in one descent by start.
 *
 * Invariants (checked by gomem_index_invariants_hold):
 *   - in-order starts increase, blocks are non-empty, inside [0, size), and never touch: a free
 *     block that reaches its neighbour is merged with it, so prev.end < next.start;
 *   - parent priority >= child priority; parent links match child links;
 *   - max = largest (end - start) in the subtree; blocks and free_bytes match the tree.
 *
 * Shrinking a block from either end keeps its place in start order, so the hot paths (carving an
 * allocation off the front of a block, growing a neighbour on free) only refresh `max` upwards and
 * stop as soon as a cached value does not change.
 */
#include "index.h"

#if !GOMEM_TWOTREE && !GOMEM_INDEX_TLSF

#define NODE(index, n) ((index)->pool->nodes[(n)])

static inline uint32_t block_size(const gomem_node *node) { return node->end - node->start; }

static inline uint32_t max3(uint32_t a, uint32_t b, uint32_t c) {
    uint32_t m = a > b ? a : b;
    return m > c ? m : c;
}

/* Recompute one node's cached maximum from its children; true when it changed. */
static inline bool refresh_max(gomem_node *nodes, uint32_t n) {
    gomem_node *node = &nodes[n];
    uint32_t max = max3(block_size(node), nodes[node->left].max, nodes[node->right].max);
    if (max == node->max) return false;
    node->max = max;
    return true;
}

/* Refresh maxima from n up to the root, stopping where nothing changes any more. */
static inline void refresh_upwards(gomem_nodepool *pool, uint32_t n) {
    gomem_node *nodes = pool->nodes;
    while (n != GOMEM_NIL && refresh_max(nodes, n)) n = nodes[n].parent;
}

static uint32_t next_priority(gomem_index *index) {
    uint32_t x = index->random_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    index->random_state = x;
    return x;
}

/* Point whatever referred to `old_child` (its parent's link, or the root) at `new_child`. */
static void replace_child(gomem_index *index, uint32_t parent, uint32_t old_child,
                          uint32_t new_child) {
    gomem_node *nodes = index->pool->nodes;
    if (parent == GOMEM_NIL)
        index->root = new_child;
    else if (nodes[parent].left == old_child)
        nodes[parent].left = new_child;
    else
        nodes[parent].right = new_child;
    nodes[new_child].parent = parent;
}

/* Lift x's right child y above x. Subtree contents are unchanged, so only x and y need their
 * maxima recomputed (x first: it is now y's child). */
static void rotate_left(gomem_index *index, uint32_t x) {
    gomem_node *nodes = index->pool->nodes;
    uint32_t y = nodes[x].right;
    uint32_t middle = nodes[y].left;
    nodes[x].right = middle;
    if (middle != GOMEM_NIL) nodes[middle].parent = x;
    replace_child(index, nodes[x].parent, x, y);
    nodes[y].left = x;
    nodes[x].parent = y;
    refresh_max(nodes, x);
    refresh_max(nodes, y);
}

static void rotate_right(gomem_index *index, uint32_t x) {
    gomem_node *nodes = index->pool->nodes;
    uint32_t y = nodes[x].left;
    uint32_t middle = nodes[y].right;
    nodes[x].left = middle;
    if (middle != GOMEM_NIL) nodes[middle].parent = x;
    replace_child(index, nodes[x].parent, x, y);
    nodes[y].right = x;
    nodes[x].parent = y;
    refresh_max(nodes, x);
    refresh_max(nodes, y);
}

/* Link node n (start/end set) into the tree. */
static void insert_node(gomem_index *index, uint32_t n) {
    gomem_node *nodes = index->pool->nodes;
    gomem_node *node = &nodes[n];
    node->left = node->right = GOMEM_NIL;
    node->max = block_size(node);
    node->priority = next_priority(index);

    uint32_t parent = GOMEM_NIL;
    for (uint32_t at = index->root; at != GOMEM_NIL;) {
        parent = at;
        at = node->start < nodes[at].start ? nodes[at].left : nodes[at].right;
    }
    node->parent = parent;
    if (parent == GOMEM_NIL)
        index->root = n;
    else if (node->start < nodes[parent].start)
        nodes[parent].left = n;
    else
        nodes[parent].right = n;
    refresh_upwards(index->pool, parent);

    /* Restore the heap order by lifting n over lower-priority parents. */
    while (node->parent != GOMEM_NIL && nodes[node->parent].priority < node->priority) {
        if (nodes[node->parent].left == n)
            rotate_right(index, node->parent);
        else
            rotate_left(index, node->parent);
    }
    index->blocks++;
}

/* Unlink node n and give it back to the pool. */
static void delete_node(gomem_index *index, uint32_t n) {
    gomem_node *nodes = index->pool->nodes;
    /* Sink n below its higher-priority child until it is a leaf. */
    while (nodes[n].left != GOMEM_NIL || nodes[n].right != GOMEM_NIL) {
        uint32_t left = nodes[n].left, right = nodes[n].right;
        if (right == GOMEM_NIL || (left != GOMEM_NIL && nodes[left].priority > nodes[right].priority))
            rotate_right(index, n);
        else
            rotate_left(index, n);
    }
    uint32_t parent = nodes[n].parent;
    replace_child(index, parent, n, GOMEM_NIL);
    nodes[GOMEM_NIL].parent = GOMEM_NIL; /* replace_child wrote the sentinel's parent */
    refresh_upwards(index->pool, parent);
    gomem_node_give(index->pool, n);
    index->blocks--;
}

/* Lowest-addressed block in subtree n whose size is at least `size`; the caller knows
 * nodes[n].max >= size, so the descent never backtracks. */
static inline uint32_t first_fit_in(const gomem_node *nodes, uint32_t n, uint32_t size) {
    for (;;) {
        uint32_t left = nodes[n].left;
        if (nodes[left].max >= size)
            n = left;
        else if (block_size(&nodes[n]) >= size)
            return n;
        else
            n = nodes[n].right;
    }
}

/* The next block after n in address order whose size is at least `size`, or GOMEM_NIL. */
static uint32_t next_fit_after(const gomem_node *nodes, uint32_t n, uint32_t size) {
    uint32_t right = nodes[n].right;
    if (nodes[right].max >= size) return first_fit_in(nodes, right, size);
    for (uint32_t parent = nodes[n].parent; parent != GOMEM_NIL; n = parent, parent = nodes[n].parent) {
        if (nodes[parent].left != n) continue;
        if (block_size(&nodes[parent]) >= size) return parent;
        right = nodes[parent].right;
        if (nodes[right].max >= size) return first_fit_in(nodes, right, size);
    }
    return GOMEM_NIL;
}

/* Blocks are byte-granular, so a block may be big enough but too short once aligned. Walking on
 * through such blocks one by one could visit thousands of small alignment gaps, so the search has
 * three steps, each one descent except the last:
 *   1. the lowest block of at least `size` bytes, when it fits once aligned (the common case);
 *   2. the lowest block of at least size + alignment - 1 bytes, which fits whatever its start;
 *   3. only when no block is that large: every block of at least `size` bytes in address order,
 *      for the exact fits that remain (a request for all that is left). */
static uint32_t find_aligned_after(const gomem_node *nodes, uint32_t n, uint32_t size,
                                   uint32_t alignment, uint32_t *offset) {
    while ((n = next_fit_after(nodes, n, size)) != GOMEM_NIL) {
        uint32_t aligned = gomem_block_aligned_fit(&nodes[n], size, alignment);
        if (aligned != UINT32_MAX) {
            *offset = aligned;
            return n;
        }
    }
    return GOMEM_NIL;
}

static inline uint32_t find_fit(const gomem_index *index, uint32_t size, uint32_t alignment,
                                uint32_t *offset) {
    const gomem_node *nodes = index->pool->nodes;
    uint32_t largest = nodes[index->root].max;
    if (GOMEM_UNLIKELY(largest < size)) return GOMEM_NIL;
    uint32_t n = first_fit_in(nodes, index->root, size);
    uint32_t aligned = gomem_block_aligned_fit(&nodes[n], size, alignment);
    if (GOMEM_LIKELY(aligned != UINT32_MAX)) {
        *offset = aligned;
        return n;
    }
    uint32_t any_start = size + alignment - 1; /* cannot wrap: size <= limit, alignment <= 4096 */
    if (largest >= any_start) {
        n = first_fit_in(nodes, index->root, any_start);
        *offset = gomem_block_aligned_fit(&nodes[n], size, alignment);
        return n;
    }
    return find_aligned_after(nodes, n, size, alignment, offset);
}

/* The primitives index_ops.h builds on. */
static inline void find_neighbours(const gomem_index *index, uint32_t start, uint32_t end,
                                   uint32_t *before, uint32_t *after) {
    (void)end; /* one descent by start finds both */
    const gomem_node *nodes = index->pool->nodes;
    *before = *after = GOMEM_NIL;
    for (uint32_t n = index->root; n != GOMEM_NIL;) {
        if (nodes[n].start <= start) {
            *before = n;
            n = nodes[n].right;
        } else {
            *after = n;
            n = nodes[n].left;
        }
    }
}

/* Nodes are all the treap needs, and the callers take those themselves. */
static inline bool prepare_change(gomem_index *index) {
    (void)index;
    return true;
}

/* The tree finds n's place by its start; the hint is for indexes without one. */
static inline void link_block(gomem_index *index, uint32_t n, uint32_t next, bool as_hint) {
    (void)next, (void)as_hint;
    insert_node(index, n);
}

static inline void unlink_block(gomem_index *index, uint32_t n) { delete_node(index, n); }

/* A changed block keeps its place by start; only the cached maxima above it can change. */
static inline void set_bounds(gomem_index *index, uint32_t n, uint32_t start, uint32_t end) {
    index->pool->nodes[n].start = start;
    index->pool->nodes[n].end = end;
    refresh_upwards(index->pool, n);
}

/* The tree keeps everything in its nodes. */
static inline size_t blocks_metadata(const gomem_index *index) {
    (void)index;
    return 0;
}

static gomem_status blocks_init(gomem_index *index, gomem_nodepool *pool, size_t size) {
    index->pool = pool;
    index->root = GOMEM_NIL;
    index->random_state = 0x9E3779B9u;
    index->blocks = 0;
    uint32_t n = gomem_node_take(pool);
    if (n == GOMEM_NIL) return GOMEM_ERR_NOMEM;
    index->size = (uint32_t)size;
    index->free_bytes = size;
    pool->nodes[n].start = 0;
    pool->nodes[n].end = (uint32_t)size;
    insert_node(index, n);
    return GOMEM_OK;
}

static void release_subtree(gomem_nodepool *pool, uint32_t n) {
    while (n != GOMEM_NIL) {
        release_subtree(pool, pool->nodes[n].left);
        uint32_t right = pool->nodes[n].right;
        gomem_node_give(pool, n);
        n = right;
    }
}

static void blocks_release(gomem_index *index) {
    release_subtree(index->pool, index->root);
    index->root = GOMEM_NIL;
    index->blocks = 0;
    index->free_bytes = 0;
}

static gomem_status blocks_reset(gomem_index *index, size_t size) {
    /* Reuse the root's node when there is one; a fully allocated index has none, and then the
     * only possible failure (no node) happens before anything changes. */
    uint32_t keep = index->root;
    if (keep == GOMEM_NIL) {
        keep = gomem_node_take(index->pool);
        if (keep == GOMEM_NIL) return GOMEM_ERR_NOMEM;
    } else {
        gomem_node *nodes = index->pool->nodes;
        release_subtree(index->pool, nodes[keep].left);
        release_subtree(index->pool, nodes[keep].right);
    }
    gomem_node *node = &index->pool->nodes[keep];
    node->start = 0;
    node->end = (uint32_t)size;
    node->max = (uint32_t)size;
    node->left = node->right = node->parent = GOMEM_NIL;
    index->root = keep;
    index->blocks = 1;
    index->size = (uint32_t)size;
    index->free_bytes = size;
    GOMEM_DEBUG_CHECK(gomem_index_invariants_hold(index));
    return GOMEM_OK;
}

size_t gomem_index_largest_free(const gomem_index *index) {
    return index->pool->nodes[index->root].max;
}

static bool walk_subtree(const gomem_node *nodes, uint32_t n, gomem_block_visitor visit,
                         void *context) {
    while (n != GOMEM_NIL) {
        if (!walk_subtree(nodes, nodes[n].left, visit, context)) return false;
        gomem_block block = {nodes[n].start, nodes[n].end};
        if (!visit(context, block)) return false;
        n = nodes[n].right;
    }
    return true;
}

void gomem_index_walk(const gomem_index *index, gomem_block_visitor visit, void *context) {
    walk_subtree(index->pool->nodes, index->root, visit, context);
}

/* What a subtree check reports upwards. */
typedef struct subtree_facts {
    bool ok;
    uint32_t max;
    uint32_t count;
    uint64_t bytes;
} subtree_facts;

/* Check subtree n, whose blocks must lie within [low, high], and whose parent is `parent`. */
static subtree_facts check_subtree(const gomem_index *index, uint32_t n, uint32_t parent,
                                   uint64_t low, uint64_t high) {
    subtree_facts facts = {true, 0, 0, 0};
    if (n == GOMEM_NIL) return facts;
    const gomem_node *nodes = index->pool->nodes;
    const gomem_node *node = &nodes[n];
    if (n >= index->pool->used || node->parent != parent || node->start >= node->end ||
        node->start < low || node->end > high ||
        (parent != GOMEM_NIL && node->priority > nodes[parent].priority)) {
        facts.ok = false;
        return facts;
    }
    /* Neighbours must not touch: a left subtree ends before start - 1, a right one begins after
     * end + 1 (touching blocks would have been merged). */
    subtree_facts left = node->start == 0 ? (subtree_facts){node->left == GOMEM_NIL, 0, 0, 0}
                                          : check_subtree(index, node->left, n, low, node->start - 1u);
    subtree_facts right = check_subtree(index, node->right, n, (uint64_t)node->end + 1u, high);
    facts.max = max3(block_size(node), left.max, right.max);
    facts.ok = left.ok && right.ok && facts.max == node->max;
    facts.count = left.count + right.count + 1;
    facts.bytes = left.bytes + right.bytes + block_size(node);
    return facts;
}

bool gomem_index_invariants_hold(const gomem_index *index) {
    const gomem_node *nodes = index->pool->nodes;
    if (index->root != GOMEM_NIL && nodes[index->root].parent != GOMEM_NIL) return false;
    subtree_facts facts = check_subtree(index, index->root, GOMEM_NIL, 0, index->size);
    /* The sentinel must stay all zero: every branch-free read of a missing child relies on it. */
    static const gomem_node zero;
    bool sentinel_clean = nodes == NULL || memcmp(&nodes[GOMEM_NIL], &zero, sizeof zero) == 0;
    return facts.ok && sentinel_clean && facts.count == index->blocks &&
           facts.bytes == index->free_bytes && index->free_bytes <= index->size;
}

#include "index_ops.h"

#endif /* !GOMEM_TWOTREE && !GOMEM_INDEX_TLSF */
