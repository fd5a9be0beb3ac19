/*
 * index_tlsf.c - the default free-block index: size classes with bitmaps (two-level segregated
 * fit, index_bins.h) for allocation, and an edge map (edge_map.h) for frees of any byte range.
 *
 * Every free block is a node of the pool, on two lists:
 *   - its size class's list (LIFO): alloc finds a class that fits with two bit scans and takes
 *     that list's first block, O(1);
 *   - a circular list in address order through the index's anchor node: the edge map finds one
 *     block near a freed range, and its address neighbours are one step away.
 * No header ever lives in the managed memory, so a free of [a, b) is checked against the blocks
 * themselves: the first block ending after a must start at or after b (else some byte of the
 * range is free: DOUBLE_FREE), it merges when it starts at b, and the block before it merges when
 * it ends at a.
 *
 * Placement is good fit: the first block of the request's own class when it holds the request
 * (exact-size reuse), else the hint if it is of that class, else the top block (the one that ends
 * where the index ends, kept out of the classes like dlmalloc's top chunk: carving it moves no
 * list), else the hint or the first block of the lowest non-empty class whose every block holds
 * it; with alignment, the lowest class whose blocks hold it wherever they start; and only when
 * none of those holds it, every block of the classes in between (so NOMEM still means nothing
 * fits). A compact index (gomem_index_set_compact) tries the top block after every class
 * instead, as dlmalloc does, so the used part of its range grows only when no hole holds the
 * request: slower where holes must be searched, smaller where free space is fragmented
 * (gomem_malloc's stress program held 3.8x its live bytes in WASI with the top first, 1.3x with
 * it last).
 * Allocations are carved from the front of a block, so a block's end (the edge map's key) moves
 * only when a free merges into it from the left or an aligned allocation takes its tail.
 *
 * Invariants (checked by gomem_index_invariants_hold):
 *   - the address list holds `blocks` nodes with increasing starts; blocks are non-empty, inside
 *     [0, size), and never touch (prev.end < next.start); their sizes add up to free_bytes;
 *   - each block but the top is on the list of gomem_bin_of(its size) and nowhere else; a class's
 *     bits are set exactly when its list is non-empty;
 *   - edge bit g is set exactly when a block's last byte lies in granule g, edge_first[g] is the
 *     first such block, and each summary bit says its word below is non-zero.
 */
#include "edge_map.h"
#include "index_bins.h"

#if GOMEM_INDEX_TLSF

#define NIL GOMEM_NIL

static inline uint32_t block_size(const gomem_node *node) { return node->end - node->start; }

static inline uint32_t last_granule(const gomem_node *node) {
    return gomem_edge_granule(node->end - 1);
}

/* ---- size classes ---- */

/* Two blocks stay out of the classes, so that they change size without moving between lists:
 *   - the top block (the free block that ends where the index ends): a fresh index hands out
 *     addresses in order from it, and a free next to it merges without touching a class;
 *   - the hint (index->hint): the block last resized or made by a free, where the next
 *     allocation or free most likely happens (dlmalloc's "designated victim" plays this part).
 * Both are tried right after the request's own class (the top block after every class in a
 * compact index). */
static inline bool is_top(const gomem_index *index, const gomem_node *node) {
    return node->end == index->size;
}

/* The top block, or GOMEM_NIL: it can only be the last block in address order. */
static inline uint32_t top_block(const gomem_index *index) {
    const gomem_node *nodes = index->pool->nodes;
    uint32_t last = nodes[index->anchor].prev;
    return last != index->anchor && is_top(index, &nodes[last]) ? last : NIL;
}

static inline void bin_insert(gomem_index *index, uint32_t n) {
    gomem_node *nodes = index->pool->nodes;
    uint32_t bin = gomem_bin_of(block_size(&nodes[n]));
    uint32_t head = index->heads[bin];
    nodes[n].bin_prev = NIL;
    nodes[n].bin_next = head;
    if (head != NIL) {
        nodes[head].bin_prev = n;
    } else {
        index->sl_bits[bin >> GOMEM_BIN_SL_BITS] |= 1u << (bin & (GOMEM_BIN_SL_COUNT - 1));
        index->fl_bits |= 1u << (bin >> GOMEM_BIN_SL_BITS);
    }
    index->heads[bin] = n;
}

static inline void bin_remove(gomem_index *index, uint32_t n, uint32_t bin) {
    gomem_node *nodes = index->pool->nodes;
    uint32_t prev = nodes[n].bin_prev, next = nodes[n].bin_next;
    if (next != NIL) nodes[next].bin_prev = prev;
    if (prev != NIL) {
        nodes[prev].bin_next = next;
        return;
    }
    index->heads[bin] = next;
    if (next == NIL) {
        uint32_t first_level = bin >> GOMEM_BIN_SL_BITS;
        index->sl_bits[first_level] &= ~(1u << (bin & (GOMEM_BIN_SL_COUNT - 1)));
        if (index->sl_bits[first_level] == 0) index->fl_bits &= ~(1u << first_level);
    }
}

/* The lowest non-empty class at or above `bin`, or GOMEM_BIN_NONE. Two bit scans. */
static inline uint32_t bin_first_at_least(const gomem_index *index, uint32_t bin) {
    if (bin >= index->class_count) return GOMEM_BIN_NONE;
    uint32_t first_level = bin >> GOMEM_BIN_SL_BITS;
    uint32_t second = index->sl_bits[first_level] & (~0u << (bin & (GOMEM_BIN_SL_COUNT - 1)));
    if (second != 0) return (first_level << GOMEM_BIN_SL_BITS) | (uint32_t)__builtin_ctz(second);
    uint32_t above = index->fl_bits & (~0u << (first_level + 1)); /* first_level <= 27 */
    if (above == 0) return GOMEM_BIN_NONE;
    first_level = (uint32_t)__builtin_ctz(above);
    return (first_level << GOMEM_BIN_SL_BITS) | (uint32_t)__builtin_ctz(index->sl_bits[first_level]);
}

/* ---- the edge map: which block is the first to end in each granule ---- */

/* n is linked and its bounds are final: it may now be the first block ending in its granule. */
static GOMEM_HOT_INLINE void edge_add(gomem_index *index, uint32_t n) {
    const gomem_node *nodes = index->pool->nodes;
    uint32_t granule = last_granule(&nodes[n]), prev = nodes[n].prev;
    if (prev != index->anchor && last_granule(&nodes[prev]) == granule) return; /* not the first */
    index->edge_first[granule] = n;
    gomem_edge_bit_set(index, granule);
}

/* n is still linked with the bounds it was filed under, and is about to leave its granule. */
static GOMEM_HOT_INLINE void edge_remove(gomem_index *index, uint32_t n) {
    const gomem_node *nodes = index->pool->nodes;
    uint32_t granule = last_granule(&nodes[n]), prev = nodes[n].prev, next = nodes[n].next;
    if (prev != index->anchor && last_granule(&nodes[prev]) == granule) return; /* not the first */
    if (next != index->anchor && last_granule(&nodes[next]) == granule)
        index->edge_first[granule] = next;
    else
        gomem_edge_bit_clear(index, granule);
}

/* The first free block that ends after offset x, or the anchor when none does. */
static inline uint32_t first_ending_after(const gomem_index *index, uint32_t x) {
    uint32_t granule = gomem_edge_bit_next(index, gomem_edge_granule(x));
    if (granule == GOMEM_EDGE_NONE) return index->anchor;
    const gomem_node *nodes = index->pool->nodes;
    uint32_t n = index->edge_first[granule];
    /* Blocks ending in x's own granule may end at or before x: step on in address order. */
    while (n != index->anchor && nodes[n].end <= x) n = nodes[n].next;
    return n;
}

/* ---- the primitives index_ops.h builds on ---- */

static inline uint32_t or_nil(const gomem_index *index, uint32_t n) {
    return n == index->anchor ? NIL : n;
}

static GOMEM_HOT_INLINE void find_neighbours(const gomem_index *index, uint32_t start, uint32_t end,
                                   uint32_t *before, uint32_t *after) {
    const gomem_node *nodes = index->pool->nodes;
    /* The common cases need no edge search: a range given back just before the hint (carve a
     * block's front, give it back), whose other neighbour is the block before the hint unless
     * that one starts inside the range; or just after it (frees in address order). */
    uint32_t hint = index->hint;
    if (hint != NIL) {
        if (nodes[hint].start == end) {
            uint32_t prev = nodes[hint].prev;
            if (prev == index->anchor || nodes[prev].start <= start) {
                *before = or_nil(index, prev);
                *after = hint;
                return;
            }
        } else if (nodes[hint].end == start) {
            *before = hint;
            *after = or_nil(index, nodes[hint].next);
            return;
        }
    }
    uint32_t n = first_ending_after(index, start);
    if (n != index->anchor && nodes[n].start <= start) {
        *before = n;
        *after = or_nil(index, nodes[n].next);
    } else {
        *before = or_nil(index, nodes[n].prev);
        *after = or_nil(index, n);
    }
}

/* The edge map's memory is all had at init: a change needs nothing but the nodes it takes. */
static inline bool prepare_change(gomem_index *index) {
    (void)index;
    return true;
}

/* Whether n is on a class list: every block is, but the top block and the hint. */
static inline bool is_binned(const gomem_index *index, uint32_t n) {
    return n != index->hint && !is_top(index, &index->pool->nodes[n]);
}

/* Make n (linked, off every class list) the hint; the old hint joins its class. */
static GOMEM_HOT_INLINE void make_hint(gomem_index *index, uint32_t n) {
    uint32_t old = index->hint;
    index->hint = n;
    if (old != NIL && old != n && !is_top(index, &index->pool->nodes[old])) bin_insert(index, old);
}

static GOMEM_HOT_INLINE void link_block(gomem_index *index, uint32_t n, uint32_t next,
                                        bool as_hint) {
    gomem_node *nodes = index->pool->nodes;
    uint32_t after = next == NIL ? index->anchor : next, before = nodes[after].prev;
    nodes[n].prev = before;
    nodes[n].next = after;
    nodes[before].next = n;
    nodes[after].prev = n;
    edge_add(index, n);
    index->blocks++;
    if (as_hint)
        make_hint(index, n);
    else if (!is_top(index, &nodes[n]))
        bin_insert(index, n);
}

static GOMEM_HOT_INLINE void unlink_block(gomem_index *index, uint32_t n) {
    gomem_node *nodes = index->pool->nodes;
    if (n == index->hint)
        index->hint = NIL;
    else if (!is_top(index, &nodes[n]))
        bin_remove(index, n, gomem_bin_of(block_size(&nodes[n])));
    edge_remove(index, n);
    uint32_t before = nodes[n].prev, after = nodes[n].next;
    nodes[before].next = after;
    nodes[after].prev = before;
    gomem_node_give(index->pool, n);
    index->blocks--;
}

/* n's bounds change, and n becomes the hint: it is where the next free or allocation most likely
 * happens, and a hint changes size without moving between classes. */
static GOMEM_HOT_INLINE void set_bounds(gomem_index *index, uint32_t n, uint32_t start,
                                        uint32_t end) {
    gomem_node *node = &index->pool->nodes[n]; /* nothing below takes a node: stays valid */
    if (is_binned(index, n)) bin_remove(index, n, gomem_bin_of(block_size(node)));
    if (end != node->end && gomem_edge_granule(end - 1) != last_granule(node)) {
        edge_remove(index, n);
        node->end = end;
        edge_add(index, n);
    }
    node->end = end;
    node->start = start;
    make_hint(index, n);
}

/* find_fit past its first tries: the hint or the lowest larger class, whichever is the better fit
 * (the hint counts as a block of its own class), then the top block (tried already unless the top
 * goes last), then every block that may still fit. Out of line: the common allocations never get
 * here. */
static uint32_t find_fit_in_classes(const gomem_index *index, uint32_t size, uint32_t alignment,
                                    uint32_t own, uint32_t *offset) {
    const gomem_node *nodes = index->pool->nodes;
    uint32_t n, at, bin = gomem_bin_at_least(size);
    if (bin != GOMEM_BIN_NONE) bin = bin_first_at_least(index, bin);
    uint32_t hint = index->hint, top = top_block(index);
    uint32_t hole_hint = hint != top ? hint : NIL;
    if (hole_hint != NIL &&
        (bin == GOMEM_BIN_NONE || gomem_bin_of(block_size(&nodes[hole_hint])) <= bin) &&
        (at = gomem_block_aligned_fit(&nodes[hole_hint], size, alignment)) != UINT32_MAX) {
        n = hole_hint;
        goto found;
    }
    if (bin != GOMEM_BIN_NONE) {
        n = index->heads[bin];
        if ((at = gomem_block_aligned_fit(&nodes[n], size, alignment)) != UINT32_MAX) goto found;
        /* Big enough but misaligned: a class whose blocks fit wherever they start. */
        uint64_t anywhere = (uint64_t)size + alignment - 1;
        bin = anywhere <= UINT32_MAX ? gomem_bin_at_least((uint32_t)anywhere) : GOMEM_BIN_NONE;
        if (bin != GOMEM_BIN_NONE && (bin = bin_first_at_least(index, bin)) != GOMEM_BIN_NONE) {
            n = index->heads[bin];
            at = gomem_block_aligned_fit(&nodes[n], size, alignment);
            goto found;
        }
    }
    if (top != NIL && (at = gomem_block_aligned_fit(&nodes[top], size, alignment)) != UINT32_MAX) {
        n = top;
        goto found;
    }
    /* Only blocks too short for some alignments are left: try each one. */
    if (hole_hint != NIL &&
        (at = gomem_block_aligned_fit(&nodes[hole_hint], size, alignment)) != UINT32_MAX) {
        n = hole_hint;
        goto found;
    }
    for (bin = own; (bin = bin_first_at_least(index, bin)) != GOMEM_BIN_NONE; bin++)
        for (n = index->heads[bin]; n != NIL; n = nodes[n].bin_next)
            if ((at = gomem_block_aligned_fit(&nodes[n], size, alignment)) != UINT32_MAX) goto found;
    return NIL;
found:
    *offset = at;
    return n;
}

/* The block an allocation of `size` bytes aligned to `alignment` takes (see the top comment). */
static GOMEM_HOT_INLINE uint32_t find_fit(const gomem_index *index, uint32_t size,
                                          uint32_t alignment, uint32_t *offset) {
    const gomem_node *nodes = index->pool->nodes;
    uint32_t own = gomem_bin_of(size); /* <= the class of index->size: checked by the caller */
    uint32_t n = index->heads[own], hint = index->hint, at;
    if (n != NIL && (at = gomem_block_aligned_fit(&nodes[n], size, alignment)) != UINT32_MAX)
        goto found;
    /* The hint counts as a block of its own class; as the top block, it is tried next anyway
     * (unless the top goes last). */
    bool hint_is_top = hint != NIL && is_top(index, &nodes[hint]);
    n = hint;
    if (n != NIL && (hint_is_top ? !index->top_last : gomem_bin_of(block_size(&nodes[n])) == own) &&
        (at = gomem_block_aligned_fit(&nodes[n], size, alignment)) != UINT32_MAX)
        goto found;
    if (!index->top_last) {
        n = hint_is_top ? NIL : top_block(index);
        if (n != NIL && (at = gomem_block_aligned_fit(&nodes[n], size, alignment)) != UINT32_MAX)
            goto found;
    }
    return find_fit_in_classes(index, size, alignment, own, offset);
found:
    *offset = at;
    return n;
}

/* ---- life cycle ---- */

/* The index's metadata block for `size` bytes: the edge bitmap, the class heads and class bits
 * (the part that starts zeroed), then the first-block array. */
static size_t zeroed_words(const gomem_index *index) {
    uint32_t last = index->edge_levels - 1;
    uint32_t first_levels = (index->class_count + GOMEM_BIN_SL_COUNT - 1) >> GOMEM_BIN_SL_BITS;
    return (size_t)(index->edge_level_start[last] + index->edge_level_words[last]) * 2 +
           index->class_count + first_levels; /* in 32-bit words */
}

/* Lay out the metadata for `size` bytes in the index's layout fields and return its bytes; the
 * pointers are set by install_metadata. */
static size_t metadata_layout(gomem_index *index, size_t size) {
    gomem_edge_bits_layout(index, size);
    index->class_count = gomem_bin_of((uint32_t)size) + 1;
    size_t granules = (size + (1u << GOMEM_EDGE_GRANULE_SHIFT) - 1) >> GOMEM_EDGE_GRANULE_SHIFT;
    return (zeroed_words(index) + granules) * sizeof(uint32_t);
}

/* Point the index into a metadata block laid out by metadata_layout, zeroing what must be. */
static void install_metadata(gomem_index *index, void *block, size_t bytes) {
    uint32_t last = index->edge_levels - 1;
    memset(block, 0, zeroed_words(index) * sizeof(uint32_t));
    index->edge_words = block;
    index->heads = (uint32_t *)(index->edge_words + index->edge_level_start[last] +
                                index->edge_level_words[last]);
    index->sl_bits = index->heads + index->class_count;
    index->edge_first = (uint32_t *)block + zeroed_words(index);
    index->fl_bits = 0;
    index->meta_bytes = bytes;
}

/* Start the address list over with one block [0, size) in node `keep`. */
static void start_over(gomem_index *index, uint32_t keep, size_t size) {
    gomem_node *nodes = index->pool->nodes;
    nodes[index->anchor].prev = nodes[index->anchor].next = index->anchor;
    nodes[keep].start = 0;
    nodes[keep].end = (uint32_t)size;
    index->blocks = 0;
    index->size = (uint32_t)size;
    index->free_bytes = size;
    index->hint = NIL;
    link_block(index, keep, NIL, true);
}

void gomem_index_set_compact(gomem_index *index, bool compact) { index->top_last = compact; }

static inline size_t blocks_metadata(const gomem_index *index) {
    return gomem_meta_footprint(index->meta_bytes);
}

static gomem_status blocks_init(gomem_index *index, gomem_nodepool *pool, size_t size) {
    index->pool = pool;
    index->top_last = false;
    index->blocks = 0;
    index->free_bytes = 0;
    size_t bytes = metadata_layout(index, size);
    void *block = gomem_meta_alloc(bytes);
    if (block == NULL) return GOMEM_ERR_NOMEM;
    uint32_t anchor = gomem_node_take(pool);
    uint32_t first = anchor == NIL ? NIL : gomem_node_take(pool);
    if (first == NIL) {
        if (first != NIL) gomem_node_give(pool, first);
        if (anchor != NIL) gomem_node_give(pool, anchor);
        gomem_meta_free(block, bytes);
        return GOMEM_ERR_NOMEM;
    }
    install_metadata(index, block, bytes);
    index->anchor = anchor;
    gomem_node *node = &pool->nodes[anchor];
    node->start = node->end = 0;
    node->bin_prev = node->bin_next = NIL;
    start_over(index, first, size);
    return GOMEM_OK;
}

/* Give back every block but `keep` (NIL: all of them), clearing their edge bits. */
static void drop_blocks(gomem_index *index, uint32_t keep) {
    gomem_nodepool *pool = index->pool;
    uint32_t anchor = index->anchor, previous_granule = GOMEM_EDGE_NONE;
    for (uint32_t n = pool->nodes[anchor].next; n != anchor;) {
        const gomem_node *node = &pool->nodes[n];
        uint32_t next = node->next, granule = last_granule(node);
        if (granule != previous_granule) gomem_edge_bit_clear(index, granule);
        previous_granule = granule;
        if (n != keep) gomem_node_give(pool, n);
        n = next;
    }
}

static void blocks_release(gomem_index *index) {
    drop_blocks(index, NIL);
    index->hint = NIL;
    gomem_node_give(index->pool, index->anchor);
    gomem_meta_free(index->edge_words, index->meta_bytes);
    index->edge_words = NULL;
    index->blocks = 0;
    index->free_bytes = 0;
}

static gomem_status blocks_reset(gomem_index *index, size_t size) {
    gomem_index layout = *index; /* a new size may need metadata of another shape */
    size_t bytes = metadata_layout(&layout, size);
    bool same_shape = bytes == index->meta_bytes && layout.class_count == index->class_count &&
                      layout.edge_levels == index->edge_levels &&
                      memcmp(layout.edge_level_words, index->edge_level_words,
                             sizeof layout.edge_level_words) == 0;
    void *block = same_shape ? NULL : gomem_meta_alloc(bytes);
    if (!same_shape && block == NULL) return GOMEM_ERR_NOMEM;
    /* Keep the first block's node; a fully allocated index has none, and then the only other
     * possible failure (no node) happens before anything changes. */
    uint32_t keep = index->pool->nodes[index->anchor].next;
    if (keep == index->anchor) {
        keep = gomem_node_take(index->pool);
        if (keep == NIL) {
            if (block != NULL) gomem_meta_free(block, bytes);
            return GOMEM_ERR_NOMEM;
        }
    }
    drop_blocks(index, keep);
    if (same_shape) {
        install_metadata(index, index->edge_words, bytes);
    } else {
        gomem_meta_free(index->edge_words, index->meta_bytes);
        layout.anchor = index->anchor;
        *index = layout;
        install_metadata(index, block, bytes);
    }
    start_over(index, keep, size);
    GOMEM_DEBUG_CHECK(gomem_index_invariants_hold(index));
    return GOMEM_OK;
}

/* ---- queries ---- */

size_t gomem_index_largest_free(const gomem_index *index) {
    const gomem_node *nodes = index->pool->nodes;
    uint32_t top = top_block(index), hint = index->hint;
    uint32_t largest = top == NIL ? 0 : block_size(&nodes[top]);
    if (hint != NIL && block_size(&nodes[hint]) > largest) largest = block_size(&nodes[hint]);
    if (index->fl_bits == 0) return largest;
    uint32_t first_level = gomem_bin_log2(index->fl_bits);
    uint32_t bin = (first_level << GOMEM_BIN_SL_BITS) | gomem_bin_log2(index->sl_bits[first_level]);
    for (uint32_t n = index->heads[bin]; n != NIL; n = nodes[n].bin_next)
        if (block_size(&nodes[n]) > largest) largest = block_size(&nodes[n]);
    return largest;
}

void gomem_index_walk(const gomem_index *index, gomem_block_visitor visit, void *context) {
    const gomem_node *nodes = index->pool->nodes;
    for (uint32_t n = nodes[index->anchor].next; n != index->anchor; n = nodes[n].next) {
        gomem_block block = {nodes[n].start, nodes[n].end};
        if (!visit(context, block)) return;
        nodes = index->pool->nodes; /* the visitor must not change the index; reread anyway */
    }
}

/* The address list: order, bounds, links, counts and bytes. */
static bool address_list_holds(const gomem_index *index) {
    const gomem_nodepool *pool = index->pool;
    const gomem_node *nodes = pool->nodes;
    uint32_t anchor = index->anchor, count = 0;
    uint64_t bytes = 0, low = 0;
    for (uint32_t n = nodes[anchor].next, prev = anchor; n != anchor; prev = n, n = nodes[n].next) {
        if (n == NIL || n >= pool->used || nodes[n].prev != prev || count++ > index->blocks)
            return false;
        const gomem_node *node = &nodes[n];
        /* low is one past the previous block's end: blocks may not touch. */
        if (node->start < low || node->start >= node->end || node->end > index->size) return false;
        low = (uint64_t)node->end + 1;
        bytes += block_size(node);
    }
    return nodes[nodes[anchor].next].prev == anchor && count == index->blocks &&
           bytes == index->free_bytes && index->free_bytes <= index->size;
}

/* Every class list: its blocks belong there, links hold, bits match; every block but the top and
 * the hint is on one. */
static bool classes_hold(const gomem_index *index) {
    const gomem_node *nodes = index->pool->nodes;
    uint32_t count = 0;
    for (uint32_t bin = 0; bin < index->class_count; bin++) {
        uint32_t first_level = bin >> GOMEM_BIN_SL_BITS;
        bool bit = (index->sl_bits[first_level] >> (bin & (GOMEM_BIN_SL_COUNT - 1))) & 1u;
        if (bit != (index->heads[bin] != NIL) ||
            ((index->fl_bits >> first_level) & 1u) != (index->sl_bits[first_level] != 0))
            return false;
        for (uint32_t n = index->heads[bin], prev = NIL; n != NIL; prev = n, n = nodes[n].bin_next) {
            if (n >= index->pool->used || nodes[n].bin_prev != prev || count++ > index->blocks ||
                gomem_bin_of(block_size(&nodes[n])) != bin || !is_binned(index, n))
                return false;
        }
    }
    uint32_t top = top_block(index), hint = index->hint;
    uint32_t unbinned = (uint32_t)(top != NIL) + (uint32_t)(hint != NIL && hint != top);
    return count + unbinned == index->blocks;
}

/* Each granule's bit, table entry and summary bits against the address list. */
static bool edges_hold(const gomem_index *index) {
    const gomem_node *nodes = index->pool->nodes;
    uint32_t anchor = index->anchor, previous_granule = GOMEM_EDGE_NONE, granules = 0;
    for (uint32_t n = nodes[anchor].next; n != anchor; n = nodes[n].next) {
        uint32_t granule = last_granule(&nodes[n]);
        if (granule == previous_granule) continue;
        granules++;
        if (!gomem_edge_bit_test(index, granule) || index->edge_first[granule] != n)
            return false;
        previous_granule = granule;
    }
    uint32_t set = 0;
    for (uint32_t level = 0; level < index->edge_levels; level++) {
        const uint64_t *words = index->edge_words + index->edge_level_start[level];
        for (uint32_t w = 0; w < index->edge_level_words[level]; w++) {
            if (level == 0) set += (uint32_t)__builtin_popcountll(words[w]);
            if (level + 1 < index->edge_levels) {
                const uint64_t *above = index->edge_words + index->edge_level_start[level + 1];
                if (((above[w >> 6] >> (w & 63)) & 1u) != (words[w] != 0)) return false;
            }
        }
    }
    return set == granules;
}

bool gomem_index_invariants_hold(const gomem_index *index) {
    const gomem_nodepool *pool = index->pool;
    static const gomem_node zero;
    bool sentinel_clean = memcmp(&pool->nodes[NIL], &zero, sizeof zero) == 0;
    return sentinel_clean && index->anchor != NIL && index->anchor < pool->used &&
           address_list_holds(index) && classes_hold(index) && edges_hold(index);
}

#include "index_ops.h"

#endif /* GOMEM_INDEX_TLSF */
