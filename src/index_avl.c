/*
 * index_avl.c - the GOMEM_TWOTREE free-block index: two AVL trees threaded through the same nodes
 * (GoMem's allocator_2tree.go). Owns the tree links of its nodes; the nodes themselves come from
 * the index's node pool and are named by number, so nothing here keeps a pointer across a take.
 *
 *   tree GOMEM_BY_START orders the free blocks by start: a free finds both neighbours in one
 *     descent, and walks are in address order;
 *   tree GOMEM_BY_SIZE orders them by (size, start): alloc is best fit, the smallest block that
 *     holds the request once aligned (ties: the lowest start), and the largest block is the
 *     rightmost node.
 *
 * Invariants (checked by gomem_index_invariants_hold):
 *   - each tree is an AVL tree over its own key: in-order keys strictly increase, stored heights
 *     are exact, sibling heights differ by at most one, parent links match child links;
 *   - both trees hold the same nodes, index->blocks of them (checking that costs a search per
 *     node, so gomem_index_invariants_hold is O(n log n) here rather than O(n));
 *   - blocks are non-empty, inside [0, size), and never touch: a freed range that reaches a free
 *     neighbour is merged with it, so prev.end < next.start; free_bytes is the sum of their sizes;
 *   - node GOMEM_NIL stays all zero, so a missing child reads as height 0 without a branch. The
 *     tree code never writes through a NIL link for that reason.
 *
 * Blocks only shrink or grow in place between their address neighbours, so the start tree never
 * has to move a node that stays; the size tree moves a node only when its new size passes its
 * in-order neighbour, which the common cases (one big block being carved, a run being freed back
 * in order) never do.
 *
 * The tree code is written once for both trees: every routine takes the tree number t, and the
 * key comparison for tree t is `precedes`. Left and right are a `side` (0 or 1) so one rotation
 * and one neighbour step serve both directions.
 */
#include "index.h"

#if GOMEM_TWOTREE && !GOMEM_INDEX_TLSF

#define NIL GOMEM_NIL
#define BY_START ((unsigned)GOMEM_BY_START)
#define BY_SIZE ((unsigned)GOMEM_BY_SIZE)

enum { LEFT = 0u, RIGHT = 1u };

/* An AVL tree of 2^32 nodes is under 48 high; deeper means a corrupted (e.g. cyclic) tree. */
#define AVL_MAX_HEIGHT 64u

static inline uint32_t block_size(const gomem_node *node) { return node->end - node->start; }

/* The strict order of tree t: by start, or by (size, start). Starts are unique among free
 * blocks, so no two nodes compare equal in either tree. */
static inline bool precedes(const gomem_node *a, const gomem_node *b, unsigned t) {
    if (t == BY_SIZE) {
        /* (size, start) as one 64-bit number: one comparison, no branch on equal sizes. */
        uint64_t key_a = (uint64_t)block_size(a) << 32 | a->start;
        uint64_t key_b = (uint64_t)block_size(b) << 32 | b->start;
        return key_a < key_b;
    }
    return a->start < b->start;
}

static inline uint32_t child(const gomem_node *node, unsigned t, unsigned side) {
    return side == LEFT ? node->left[t] : node->right[t];
}

static inline void set_child(gomem_node *node, unsigned t, unsigned side, uint32_t c) {
    if (side == LEFT)
        node->left[t] = c;
    else
        node->right[t] = c;
}

static inline unsigned height(const gomem_node *nodes, uint32_t n, unsigned t) {
    return nodes[n].height[t];
}

static inline void update_height(gomem_node *nodes, uint32_t n, unsigned t) {
    unsigned hl = height(nodes, nodes[n].left[t], t), hr = height(nodes, nodes[n].right[t], t);
    nodes[n].height[t] = (uint8_t)(1u + (hl > hr ? hl : hr));
}

/* Point whatever referred to `old_child` (its parent's link, or the root) at `new_child`. The
 * sentinel's parent link is left alone so it stays zero. */
static inline void replace_child(gomem_index *index, unsigned t, uint32_t parent,
                                 uint32_t old_child, uint32_t new_child) {
    gomem_node *nodes = index->pool->nodes;
    if (parent == NIL)
        index->root[t] = new_child;
    else if (nodes[parent].left[t] == old_child)
        nodes[parent].left[t] = new_child;
    else
        nodes[parent].right[t] = new_child;
    if (new_child != NIL) nodes[new_child].parent[t] = parent;
}

/* Lift x's child on `side` above x and return it. Subtree contents are unchanged, so only x and
 * the lifted node need their heights recomputed (x first: it is now the lower one). */
static uint32_t rotate(gomem_index *index, unsigned t, uint32_t x, unsigned side) {
    gomem_node *nodes = index->pool->nodes;
    unsigned other = side ^ 1u;
    uint32_t y = child(&nodes[x], t, side);
    uint32_t middle = child(&nodes[y], t, other);
    set_child(&nodes[x], t, side, middle);
    if (middle != NIL) nodes[middle].parent[t] = x;
    replace_child(index, t, nodes[x].parent[t], x, y);
    set_child(&nodes[y], t, other, x);
    nodes[x].parent[t] = y;
    update_height(nodes, x, t);
    update_height(nodes, y, t);
    return y;
}

/* Restore heights and balance from n up to the root after one node was linked in or out below n.
 * Heights above the change are still the old ones, so as soon as a subtree ends up as high as it
 * was, nothing above it can have changed and the walk stops (for inserts that is at the latest
 * after the first rotation). */
static void rebalance_upwards(gomem_index *index, unsigned t, uint32_t n) {
    gomem_node *nodes = index->pool->nodes;
    while (n != NIL) {
        unsigned old_height = height(nodes, n, t);
        unsigned hl = height(nodes, nodes[n].left[t], t), hr = height(nodes, nodes[n].right[t], t);
        uint32_t top = n;
        if (hl > hr + 1u || hr > hl + 1u) {
            unsigned heavy = hl > hr ? LEFT : RIGHT;
            uint32_t c = child(&nodes[n], t, heavy);
            /* A child leaning away from its parent's heavy side needs the double rotation. */
            if (height(nodes, child(&nodes[c], t, heavy ^ 1u), t) > height(nodes, child(&nodes[c], t, heavy), t))
                rotate(index, t, c, heavy ^ 1u);
            top = rotate(index, t, n, heavy);
        } else {
            nodes[n].height[t] = (uint8_t)(1u + (hl > hr ? hl : hr));
        }
        if (height(nodes, top, t) == old_height) return;
        n = nodes[top].parent[t];
    }
}

/* Link node n (start and end set) into tree t. */
static void tree_insert(gomem_index *index, unsigned t, uint32_t n) {
    gomem_node *nodes = index->pool->nodes;
    gomem_node *node = &nodes[n];
    node->left[t] = node->right[t] = NIL;
    node->height[t] = 1;
    uint32_t parent = NIL;
    bool goes_left = false;
    for (uint32_t at = index->root[t]; at != NIL;) {
        parent = at;
        goes_left = precedes(node, &nodes[at], t);
        at = goes_left ? nodes[at].left[t] : nodes[at].right[t];
    }
    node->parent[t] = parent;
    if (parent == NIL)
        index->root[t] = n;
    else
        set_child(&nodes[parent], t, goes_left ? LEFT : RIGHT, n);
    rebalance_upwards(index, t, parent);
}

/* Unlink node n from tree t. A node with two children is replaced by its in-order successor,
 * which takes over n's links and height, so the rebalance starts where the successor left. */
static void tree_remove(gomem_index *index, unsigned t, uint32_t n) {
    gomem_node *nodes = index->pool->nodes;
    uint32_t left = nodes[n].left[t], right = nodes[n].right[t], parent = nodes[n].parent[t];
    uint32_t from;
    if (left == NIL || right == NIL) {
        replace_child(index, t, parent, n, left != NIL ? left : right);
        from = parent;
    } else {
        uint32_t successor = right;
        while (nodes[successor].left[t] != NIL) successor = nodes[successor].left[t];
        if (successor == right) {
            from = successor; /* keeps its right subtree, gains n's left one */
        } else {
            from = nodes[successor].parent[t];
            uint32_t rest = nodes[successor].right[t];
            nodes[from].left[t] = rest;
            if (rest != NIL) nodes[rest].parent[t] = from;
            nodes[successor].right[t] = right;
            nodes[right].parent[t] = successor;
        }
        nodes[successor].left[t] = left;
        nodes[left].parent[t] = successor;
        nodes[successor].height[t] = nodes[n].height[t];
        replace_child(index, t, parent, n, successor);
    }
    rebalance_upwards(index, t, from);
}

/* n's in-order neighbour in tree t on `side` (RIGHT: successor), or NIL. */
static uint32_t neighbour(const gomem_node *nodes, unsigned t, uint32_t n, unsigned side) {
    unsigned other = side ^ 1u;
    uint32_t c = child(&nodes[n], t, side);
    if (c != NIL) {
        for (uint32_t next; (next = child(&nodes[c], t, other)) != NIL;) c = next;
        return c;
    }
    for (uint32_t p = nodes[n].parent[t]; p != NIL; n = p, p = nodes[p].parent[t])
        if (child(&nodes[p], t, side) != n) return p;
    return NIL;
}

/* Node n (start and end set) becomes a free block: into both trees. */
static void link_block(gomem_index *index, uint32_t n, uint32_t next, bool as_hint) {
    (void)next, (void)as_hint; /* the start tree finds n's place itself */
    tree_insert(index, BY_START, n);
    tree_insert(index, BY_SIZE, n);
    index->blocks++;
}

/* Block n is no longer free: out of both trees and back to the pool. */
static void unlink_block(gomem_index *index, uint32_t n) {
    tree_remove(index, BY_START, n);
    tree_remove(index, BY_SIZE, n);
    gomem_node_give(index->pool, n);
    index->blocks--;
}

/* Block n changed size in place; its start-tree place still holds (it stayed between its address
 * neighbours). Its size key moved up when it grew, down when it shrank (the size decides: it
 * changed), so only the neighbour on that side can now be out of order. */
static void size_changed(gomem_index *index, uint32_t n, bool grew) {
    const gomem_node *nodes = index->pool->nodes;
    uint32_t next = neighbour(nodes, BY_SIZE, n, grew ? RIGHT : LEFT);
    if (next == NIL) return;
    if (grew ? precedes(&nodes[n], &nodes[next], BY_SIZE) : precedes(&nodes[next], &nodes[n], BY_SIZE))
        return;
    tree_remove(index, BY_SIZE, n);
    tree_insert(index, BY_SIZE, n);
}

/* Best fit: the first block in (size, start) order that holds `size` bytes from an
 * `alignment`-aligned offset; stores that offset. One descent finds the smallest block of at least
 * `size` bytes; only when its alignment gap makes it too short does the search step on through
 * larger blocks, and every block of `size + alignment - 1` bytes or more fits, so the steps are
 * bounded by the blocks in between. */
static inline uint32_t find_fit(const gomem_index *index, uint32_t size, uint32_t alignment,
                                uint32_t *offset) {
    const gomem_node *nodes = index->pool->nodes;
    uint32_t best = NIL;
    for (uint32_t at = index->root[BY_SIZE]; at != NIL;) {
        if (block_size(&nodes[at]) >= size) {
            best = at;
            at = nodes[at].left[BY_SIZE];
        } else {
            at = nodes[at].right[BY_SIZE];
        }
    }
    for (; best != NIL; best = neighbour(nodes, BY_SIZE, best, RIGHT)) {
        uint32_t aligned = gomem_block_aligned_fit(&nodes[best], size, alignment);
        if (GOMEM_LIKELY(aligned != UINT32_MAX)) {
            *offset = aligned;
            return best;
        }
    }
    return NIL;
}

/* The primitives index_ops.h builds on. */
static inline void find_neighbours(const gomem_index *index, uint32_t start, uint32_t end,
                                   uint32_t *before, uint32_t *after) {
    (void)end; /* one descent by start finds both */
    const gomem_node *nodes = index->pool->nodes;
    *before = *after = NIL;
    for (uint32_t n = index->root[BY_START]; n != NIL;) {
        if (nodes[n].start <= start) {
            *before = n;
            n = nodes[n].right[BY_START];
        } else {
            *after = n;
            n = nodes[n].left[BY_START];
        }
    }
}

/* Nodes are all the trees need, and the callers take those themselves. */
static inline bool prepare_change(gomem_index *index) {
    (void)index;
    return true;
}

/* n keeps its place by start; in the size tree it moves the way its size went. */
static inline void set_bounds(gomem_index *index, uint32_t n, uint32_t start, uint32_t end) {
    gomem_node *node = &index->pool->nodes[n];
    bool grew = end - start > node->end - node->start;
    node->start = start;
    node->end = end;
    size_changed(index, n, grew);
}

/* The tree keeps everything in its nodes. */
static inline size_t blocks_metadata(const gomem_index *index) {
    (void)index;
    return 0;
}

static gomem_status blocks_init(gomem_index *index, gomem_nodepool *pool, size_t size) {
    index->pool = pool;
    index->root[BY_START] = index->root[BY_SIZE] = NIL;
    index->blocks = 0;
    uint32_t n = gomem_node_take(pool);
    if (n == NIL) return GOMEM_ERR_NOMEM;
    index->size = (uint32_t)size;
    index->free_bytes = size;
    pool->nodes[n].start = 0;
    pool->nodes[n].end = (uint32_t)size;
    link_block(index, n, NIL, false);
    return GOMEM_OK;
}

/* Give every node of subtree n (start tree, which holds them all) back to the pool. Links are
 * read before the give, which reuses the start field. Depth is below AVL_MAX_HEIGHT. */
static void release_subtree(gomem_nodepool *pool, uint32_t n) {
    while (n != NIL) {
        release_subtree(pool, pool->nodes[n].left[BY_START]);
        uint32_t right = pool->nodes[n].right[BY_START];
        gomem_node_give(pool, n);
        n = right;
    }
}

static void blocks_release(gomem_index *index) {
    release_subtree(index->pool, index->root[BY_START]);
    index->root[BY_START] = index->root[BY_SIZE] = NIL;
    index->blocks = 0;
    index->free_bytes = 0;
}

static gomem_status blocks_reset(gomem_index *index, size_t size) {
    /* Keep one node so a reset of an index with free blocks cannot fail half-way. */
    uint32_t keep = index->root[BY_START];
    if (keep == NIL) {
        keep = gomem_node_take(index->pool);
        if (keep == NIL) return GOMEM_ERR_NOMEM;
    } else {
        gomem_node *nodes = index->pool->nodes;
        release_subtree(index->pool, nodes[keep].left[BY_START]);
        release_subtree(index->pool, nodes[keep].right[BY_START]);
    }
    gomem_node *node = &index->pool->nodes[keep];
    node->start = 0;
    node->end = (uint32_t)size;
    for (unsigned t = 0; t < 2; t++) {
        node->left[t] = node->right[t] = node->parent[t] = NIL;
        node->height[t] = 1;
        index->root[t] = keep;
    }
    index->blocks = 1;
    index->size = (uint32_t)size;
    index->free_bytes = size;
    return GOMEM_OK;
}

size_t gomem_index_largest_free(const gomem_index *index) {
    uint32_t n = index->root[BY_SIZE];
    if (n == NIL) return 0;
    const gomem_node *nodes = index->pool->nodes;
    while (nodes[n].right[BY_SIZE] != NIL) n = nodes[n].right[BY_SIZE];
    return block_size(&nodes[n]);
}

void gomem_index_walk(const gomem_index *index, gomem_block_visitor visit, void *context) {
    uint32_t n = index->root[BY_START];
    if (n == NIL) return;
    const gomem_node *nodes = index->pool->nodes;
    while (nodes[n].left[BY_START] != NIL) n = nodes[n].left[BY_START];
    /* Successor steps through parent links: no recursion, O(1) amortised per block. */
    for (; n != NIL; n = neighbour(nodes, BY_START, n, RIGHT)) {
        gomem_block block = {nodes[n].start, nodes[n].end};
        if (!visit(context, block)) return;
    }
}

/* ---- invariants ---------------------------------------------------------------------------- */

/* The state of one in-order check of tree t. */
typedef struct tree_check {
    const gomem_index *index;
    unsigned t;
    uint32_t prev; /* last node visited in order, NIL before the first */
    uint32_t count;
    uint64_t bytes;
    bool ok;
} tree_check;

/* The start tree's node for `start`, or NIL. */
static uint32_t find_by_start(const gomem_index *index, uint32_t start) {
    const gomem_node *nodes = index->pool->nodes;
    uint32_t n = index->root[BY_START];
    while (n != NIL && nodes[n].start != start)
        n = start < nodes[n].start ? nodes[n].left[BY_START] : nodes[n].right[BY_START];
    return n;
}

/* Check subtree n of tree c->t, whose parent must be `parent`, at depth `depth`; returns its
 * height (0 when a check failed). Visiting in order makes the BST check a comparison with the
 * previous node, and in the start tree the same comparison catches touching blocks. */
static unsigned check_subtree(tree_check *c, uint32_t n, uint32_t parent, unsigned depth) {
    if (n == NIL || !c->ok) return 0;
    const gomem_index *index = c->index;
    const gomem_node *nodes = index->pool->nodes;
    unsigned t = c->t;
    if (n >= index->pool->used || depth > AVL_MAX_HEIGHT || nodes[n].parent[t] != parent) {
        c->ok = false;
        return 0;
    }
    unsigned hl = check_subtree(c, nodes[n].left[t], n, depth + 1u);
    if (!c->ok) return 0;

    const gomem_node *node = &nodes[n];
    const gomem_node *prev = c->prev != NIL ? &nodes[c->prev] : NULL;
    bool ok = prev == NULL || precedes(prev, node, t);
    if (t == BY_START) {
        ok = ok && node->start < node->end && node->end <= index->size &&
             (prev == NULL || prev->end < node->start);
    } else {
        /* Tree 1 holds exactly tree 0's nodes: each of its (distinct) nodes is found in tree 0,
         * and the caller compares the counts. The search makes the whole check O(n log n); an
         * O(n) membership test would need a mark bit the nodes do not have, and stale links in
         * recycled nodes defeat cheaper tests such as following one parent link. */
        ok = ok && find_by_start(index, node->start) == n;
    }
    if (!ok) {
        c->ok = false;
        return 0;
    }
    c->prev = n;
    c->count++;
    c->bytes += block_size(node);

    unsigned hr = check_subtree(c, nodes[n].right[t], n, depth + 1u);
    if (!c->ok) return 0;
    if (hl > hr + 1u || hr > hl + 1u || node->height[t] != 1u + (hl > hr ? hl : hr)) {
        c->ok = false;
        return 0;
    }
    return node->height[t];
}

static bool tree_holds(const gomem_index *index, unsigned t) {
    tree_check c = {index, t, NIL, 0, 0, true};
    check_subtree(&c, index->root[t], NIL, 1);
    return c.ok && c.count == index->blocks && c.bytes == index->free_bytes;
}

bool gomem_index_invariants_hold(const gomem_index *index) {
    const gomem_node *nodes = index->pool->nodes;
    /* The sentinel must stay all zero: every branch-free read of a missing child relies on it. */
    if (nodes != NULL) {
        const gomem_node *s = &nodes[NIL];
        for (unsigned t = 0; t < 2; t++)
            if (s->left[t] != 0 || s->right[t] != 0 || s->parent[t] != 0 || s->height[t] != 0)
                return false;
        if (s->start != 0 || s->end != 0) return false;
    }
    /* Tree 0 first: tree 1's membership check searches it. */
    return index->free_bytes <= index->size && tree_holds(index, BY_START) &&
           tree_holds(index, BY_SIZE);
}

#include "index_ops.h"

#endif /* GOMEM_TWOTREE */
