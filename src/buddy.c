/*
 * buddy.c - the buddy pool (GOMEM_BUDDY; GoMem's enable_buddy): large pools split into
 * power-of-two regions, from which arenas are carved, so creating and dropping arenas costs no
 * system call once a pool is mapped.
 *
 * Each pool is pool_size bytes in units of one page, with a complete binary tree over the units
 * stored as bytes: a node holds 1 + log2 of the largest free run (in units) below it, 0 when
 * nothing below is free. A node whose whole span is free holds 1 + its own order, and so do all of
 * its descendants (they are restored on free), which lets free() find the allocated node by
 * walking up from the unit's leaf to the first 0.
 * Pools are mapped when the previous ones are full, and a pool that becomes wholly free is
 * unmapped unless it is the only one.
 */
#include "arena.h"

#ifndef GOMEM_BUDDY_POOL_SIZE
#define GOMEM_BUDDY_POOL_SIZE ((size_t)64 << 20)
#endif

#if GOMEM_BUDDY

typedef struct buddy_pool {
    uint8_t *base;
    uint8_t *tree; /* 2 * units - 1 nodes */
    size_t used;   /* bytes handed out */
} buddy_pool;

struct gomem_buddy {
    gomem_lock lock;
    size_t pool_size;
    size_t unit;     /* bytes per leaf: the page size */
    unsigned levels; /* log2(pool_size / unit) */
    size_t tree_bytes;
    buddy_pool *pools;
    size_t pool_count;
    size_t pool_capacity;
};

static unsigned log2_floor(size_t x) {
    unsigned result = 0;
    while (x >>= 1) result++;
    return result;
}

/* Order (log2 of units) of the span of node i, which sits at depth floor(log2(i + 1)). */
static inline unsigned node_order(const gomem_buddy *buddy, size_t i) {
    return buddy->levels - log2_floor(i + 1);
}

static void tree_fill(const gomem_buddy *buddy, uint8_t *tree) {
    for (size_t i = 0; i < buddy->tree_bytes; i++) tree[i] = (uint8_t)(node_order(buddy, i) + 1);
}

/* Recompute node i's ancestors after node i changed. */
static void tree_update_upwards(uint8_t *tree, size_t i, unsigned order) {
    while (i > 0) {
        i = (i - 1) / 2;
        order++;
        uint8_t left = tree[2 * i + 1], right = tree[2 * i + 2];
        uint8_t whole_child = (uint8_t)order; /* 1 + the children's order */
        tree[i] = left == whole_child && right == whole_child ? (uint8_t)(order + 1)
                                                              : (left > right ? left : right);
    }
}

gomem_buddy *gomem_buddy_create(size_t pool_size) {
    size_t unit = gomem_page_size();
    if (!gomem_is_power_of_two(pool_size) || pool_size < ((size_t)64 << 10) ||
        pool_size > GOMEM_ARENA_LIMIT || pool_size < unit * 2)
        return NULL;
    gomem_buddy *buddy = gomem_meta_alloc(sizeof *buddy);
    if (buddy == NULL) return NULL;
    memset(buddy, 0, sizeof *buddy);
    gomem_lock_init(&buddy->lock);
    buddy->pool_size = pool_size;
    buddy->unit = unit;
    buddy->levels = log2_floor(pool_size / unit);
    buddy->tree_bytes = ((size_t)2 << buddy->levels) - 1;
    return buddy;
}

static void pool_release(gomem_buddy *buddy, buddy_pool *pool) {
    gomem_pages_free(pool->base, buddy->pool_size);
    gomem_meta_free(pool->tree, buddy->tree_bytes);
}

void gomem_buddy_destroy(gomem_buddy *buddy) {
    if (buddy == NULL) return;
    for (size_t p = 0; p < buddy->pool_count; p++) pool_release(buddy, &buddy->pools[p]);
    gomem_meta_free(buddy->pools, buddy->pool_capacity * sizeof(buddy_pool));
    gomem_meta_free(buddy, sizeof *buddy);
}

/* Map one more pool; NULL on out-of-memory. */
static buddy_pool *pool_add(gomem_buddy *buddy) {
    if (buddy->pool_count == buddy->pool_capacity) {
        size_t old_bytes = buddy->pool_capacity * sizeof(buddy_pool);
        size_t new_bytes = gomem_meta_footprint(old_bytes ? old_bytes * 2 : sizeof(buddy_pool));
        buddy_pool *pools = gomem_meta_alloc(new_bytes);
        if (pools == NULL) return NULL;
        if (buddy->pools) {
            memcpy(pools, buddy->pools, old_bytes);
            gomem_meta_free(buddy->pools, old_bytes);
        }
        buddy->pools = pools;
        buddy->pool_capacity = new_bytes / sizeof(buddy_pool);
    }
    buddy_pool pool = {gomem_pages_alloc(buddy->pool_size), gomem_meta_alloc(buddy->tree_bytes), 0};
    if (pool.base == NULL || pool.tree == NULL) {
        if (pool.base) gomem_pages_free(pool.base, buddy->pool_size);
        gomem_meta_free(pool.tree, buddy->tree_bytes);
        return NULL;
    }
    tree_fill(buddy, pool.tree);
    buddy->pools[buddy->pool_count] = pool;
    return &buddy->pools[buddy->pool_count++];
}

/* Take a free node of `order` from the pool, or return NULL when the pool has none. */
static void *pool_take(const gomem_buddy *buddy, buddy_pool *pool, unsigned order) {
    uint8_t *tree = pool->tree;
    if (tree[0] < order + 1) return NULL;
    size_t i = 0;
    unsigned depth = 0;
    while (buddy->levels - depth > order) {
        size_t left = 2 * i + 1;
        i = tree[left] >= order + 1 ? left : left + 1;
        depth++;
    }
    tree[i] = 0;
    tree_update_upwards(tree, i, order);
    size_t first_unit = (i + 1 - ((size_t)1 << depth)) << order;
    pool->used += buddy->unit << order;
    return pool->base + first_unit * buddy->unit;
}

void *gomem_buddy_alloc_rounded(gomem_buddy *buddy, size_t *size) {
    if (*size == 0 || *size > buddy->pool_size) return NULL;
    unsigned order = 0;
    while ((buddy->unit << order) < *size) order++;
    gomem_lock_acquire(&buddy->lock);
    void *region = NULL;
    for (size_t p = 0; region == NULL && p < buddy->pool_count; p++)
        region = pool_take(buddy, &buddy->pools[p], order);
    if (region == NULL) {
        buddy_pool *pool = pool_add(buddy);
        if (pool) region = pool_take(buddy, pool, order);
    }
    gomem_lock_release(&buddy->lock);
    if (region) *size = buddy->unit << order;
    return region;
}

void *gomem_buddy_alloc(gomem_buddy *buddy, size_t size) {
    return gomem_buddy_alloc_rounded(buddy, &size);
}

gomem_status gomem_buddy_free(gomem_buddy *buddy, void *ptr) {
    if (ptr == NULL) return GOMEM_ERR_INVALID_ARGUMENT;
    gomem_status status = GOMEM_ERR_FOREIGN_POINTER;
    gomem_lock_acquire(&buddy->lock);
    for (size_t p = 0; p < buddy->pool_count; p++) {
        buddy_pool *pool = &buddy->pools[p];
        uintptr_t offset = (uintptr_t)ptr - (uintptr_t)pool->base;
        if ((uintptr_t)ptr < (uintptr_t)pool->base || offset >= buddy->pool_size) continue;
        if (offset % buddy->unit != 0) break;
        size_t unit_index = offset / buddy->unit;
        size_t i = unit_index + ((size_t)1 << buddy->levels) - 1;
        unsigned order = 0;
        while (pool->tree[i] != 0 && i > 0) {
            i = (i - 1) / 2;
            order++;
        }
        /* The allocated node must exist and start exactly at ptr. */
        if (pool->tree[i] != 0 || (unit_index & (((size_t)1 << order) - 1)) != 0) break;
        pool->tree[i] = (uint8_t)(order + 1);
        tree_update_upwards(pool->tree, i, order);
        pool->used -= buddy->unit << order;
        if (pool->used == 0 && buddy->pool_count > 1) {
            pool_release(buddy, pool);
            buddy->pools[p] = buddy->pools[--buddy->pool_count];
        }
        status = GOMEM_OK;
        break;
    }
    gomem_lock_release(&buddy->lock);
    return status;
}

size_t gomem_buddy_pool_size(const gomem_buddy *buddy) { return buddy->pool_size; }

size_t gomem_buddy_pool_bytes(const gomem_buddy *buddy) {
    gomem_lock *lock = (gomem_lock *)&buddy->lock;
    gomem_lock_acquire(lock);
    size_t bytes = buddy->pool_count * buddy->pool_size;
    gomem_lock_release(lock);
    return bytes;
}

size_t gomem_buddy_used_bytes(const gomem_buddy *buddy) {
    gomem_lock *lock = (gomem_lock *)&buddy->lock;
    gomem_lock_acquire(lock);
    size_t bytes = 0;
    for (size_t p = 0; p < buddy->pool_count; p++) bytes += buddy->pools[p].used;
    gomem_lock_release(lock);
    return bytes;
}

/* Every node of subtree i holds its "wholly free" value (1 + its order): the state below a free
 * node and below a region handed out (its descendants are left as they were). */
static bool subtree_untouched(const gomem_buddy *buddy, const uint8_t *tree, size_t i) {
    unsigned order = node_order(buddy, i);
    if (tree[i] != order + 1) return false;
    return order == 0 || (subtree_untouched(buddy, tree, 2 * i + 1) &&
                          subtree_untouched(buddy, tree, 2 * i + 2));
}

/* Check node i's subtree; returns the bytes handed out below it, or SIZE_MAX when broken.
 * A 0 means either "a region starts here" (then everything below is untouched) or "both children
 * are wholly handed out" (then both children hold 0 themselves). */
static size_t check_node(const gomem_buddy *buddy, const uint8_t *tree, size_t i) {
    unsigned order = node_order(buddy, i);
    size_t span = buddy->unit << order;
    if (order == 0) return tree[i] == 0 ? span : tree[i] == 1 ? 0 : SIZE_MAX;
    size_t left_node = 2 * i + 1, right_node = 2 * i + 2;
    if (tree[i] == 0 && subtree_untouched(buddy, tree, left_node) &&
        subtree_untouched(buddy, tree, right_node))
        return span; /* a region of this node's size */
    size_t left = check_node(buddy, tree, left_node);
    size_t right = check_node(buddy, tree, right_node);
    if (left == SIZE_MAX || right == SIZE_MAX) return SIZE_MAX;
    uint8_t l = tree[left_node], r = tree[right_node];
    uint8_t expected = l == order && r == order ? (uint8_t)(order + 1) : (l > r ? l : r);
    return tree[i] == expected ? left + right : SIZE_MAX;
}

bool gomem_buddy_invariants_hold(const gomem_buddy *buddy) {
    gomem_lock *lock = (gomem_lock *)&buddy->lock;
    gomem_lock_acquire(lock);
    bool ok = buddy->pool_count <= buddy->pool_capacity;
    for (size_t p = 0; ok && p < buddy->pool_count; p++) {
        size_t used = check_node(buddy, buddy->pools[p].tree, 0);
        ok = used == buddy->pools[p].used;
    }
    gomem_lock_release(lock);
    return ok;
}

/* The process-wide pool that allocators use when their options name none. Created on first use;
 * it lives as long as the process (its pools are unmapped as they become free). */
#if GOMEM_THREADS
static _Atomic(gomem_buddy *) default_buddy;
gomem_buddy *gomem_default_buddy(void) {
    gomem_buddy *buddy = atomic_load_explicit(&default_buddy, memory_order_acquire);
    if (buddy != NULL) return buddy;
    gomem_buddy *fresh = gomem_buddy_create(GOMEM_BUDDY_POOL_SIZE);
    if (fresh == NULL) return NULL;
    if (!atomic_compare_exchange_strong_explicit(&default_buddy, &buddy, fresh, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        gomem_buddy_destroy(fresh); /* another thread won the race; use its pool */
        return buddy;
    }
    return fresh;
}
#else
static gomem_buddy *default_buddy;
gomem_buddy *gomem_default_buddy(void) {
    if (default_buddy == NULL) default_buddy = gomem_buddy_create(GOMEM_BUDDY_POOL_SIZE);
    return default_buddy;
}
#endif

#else /* !GOMEM_BUDDY: the API exists so programs link against every build, but does nothing. */

gomem_buddy *gomem_buddy_create(size_t pool_size) {
    (void)pool_size;
    return NULL;
}
void gomem_buddy_destroy(gomem_buddy *buddy) { (void)buddy; }
void *gomem_buddy_alloc(gomem_buddy *buddy, size_t size) {
    (void)buddy;
    (void)size;
    return NULL;
}
void *gomem_buddy_alloc_rounded(gomem_buddy *buddy, size_t *size) {
    (void)buddy;
    (void)size;
    return NULL;
}
size_t gomem_buddy_pool_size(const gomem_buddy *buddy) {
    (void)buddy;
    return 0;
}
gomem_status gomem_buddy_free(gomem_buddy *buddy, void *ptr) {
    (void)buddy;
    (void)ptr;
    return GOMEM_ERR_UNSUPPORTED;
}
size_t gomem_buddy_pool_bytes(const gomem_buddy *buddy) {
    (void)buddy;
    return 0;
}
size_t gomem_buddy_used_bytes(const gomem_buddy *buddy) {
    (void)buddy;
    return 0;
}
bool gomem_buddy_invariants_hold(const gomem_buddy *buddy) {
    (void)buddy;
    return true;
}

#endif /* GOMEM_BUDDY */
