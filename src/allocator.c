/*
 * allocator.c - the scalable allocator (GoMem's ScalableMemoryAllocator): a table of arenas in
 * the order they were added, whose indexes share one node pool. Why it grows, chooses and
 * releases arenas this way: docs/design.md, D11.
 *
 * Growth: when no arena fits, wholly free arenas are released first (they are too small for the
 * request, or it would have fitted), then one arena is added, twice the size of the previous one
 * up to max_block_size. A request above max_block_size gets a dedicated arena of its own, which
 * is released the moment its last byte is freed (GoMem leaves those to Go's garbage collector;
 * C must not leak them).
 * Placement across arenas: the arena that served last, then the others oldest first; a compact
 * allocator tries them oldest first only, so a newer arena's space is used only when no older
 * one holds the request (gomem_malloc's stress program held 1.10x less in WASI that way, but the
 * media workload lost half its throughput to the extra index probes). Age, not address, so that
 * natively (where mmap places newer regions lower) the same arenas fill first as in wasm, and the
 * newest arena stays the emptiest (measured: media workload at 100 streams held 1.20x its live
 * bytes natively with address order, 1.09x with age order, as in wasm).
 * Lookup on free: the arena map (arena_map.h) turns an address into its arena in O(1), so a
 * pointer from elsewhere is reported (GOMEM_ERR_FOREIGN_POINTER) and never touches an index.
 * Invariant: for every arena, size - free bytes is the sum of the live allocations inside it, so
 * the free bytes of all arenas add up to footprint - live (checked by invariants_hold).
 */
#include "arena.h"
#include "arena_map.h"

#define DEFAULT_INITIAL_SIZE ((size_t)16 << 10)

struct gomem_allocator {
    gomem_lock lock;
    gomem_arena *arenas; /* in the order they were added (the page map finds one by address) */
    size_t arena_count;
    size_t arena_capacity;
    size_t current; /* the arena that served the last malloc: tried first (unless compact) */
    gomem_arena_map map; /* page -> position in arenas, plus one */
    gomem_nodepool pool;
    gomem_buddy *buddy;
    size_t initial_size;
    size_t max_block;
    size_t alignment;
    size_t next_arena_size;
    bool compact; /* gomem_allocator_options.compact */
    uint64_t total_malloc;
    uint64_t total_free;
    size_t footprint;
    size_t peak_footprint;
    size_t peak_live;
};

gomem_buddy *gomem_default_buddy(void);

gomem_allocator *gomem_allocator_create(size_t initial_size) {
    gomem_allocator_options options = {.initial_size = initial_size};
    return gomem_allocator_create_ex(&options, NULL);
}

/* Why the options cannot make an allocator, or GOMEM_OK. */
static gomem_status check_options(const gomem_allocator_options *options, size_t alignment,
                                  size_t max_block, size_t initial) {
    /* Without GOMEM_BUDDY no pool can have come from gomem_buddy_create. */
    bool foreign_buddy = !GOMEM_BUDDY && options->buddy != NULL;
    if (!gomem_is_power_of_two(alignment) || alignment > GOMEM_MAX_ALIGNMENT || foreign_buddy)
        return GOMEM_ERR_INVALID_ARGUMENT;
    if (max_block < gomem_page_size() || max_block > GOMEM_ARENA_LIMIT ||
        initial > GOMEM_ARENA_LIMIT)
        return GOMEM_ERR_INVALID_SIZE;
    return GOMEM_OK;
}

gomem_allocator *gomem_allocator_create_ex(const gomem_allocator_options *options,
                                           gomem_status *status) {
    gomem_status ignored;
    if (status == NULL) status = &ignored;
    gomem_allocator_options defaults = {0};
    if (options == NULL) options = &defaults;
    size_t alignment = options->alignment ? options->alignment : GOMEM_DEFAULT_ALIGNMENT;
    size_t max_block = options->max_block_size ? options->max_block_size : GOMEM_DEFAULT_MAX_BLOCK;
    size_t initial = options->initial_size ? options->initial_size : DEFAULT_INITIAL_SIZE;
    *status = check_options(options, alignment, max_block, initial);
    if (*status != GOMEM_OK) return NULL;
    *status = GOMEM_ERR_NOMEM;
    gomem_buddy *buddy = options->buddy;
#if GOMEM_BUDDY
    if (buddy == NULL) buddy = gomem_default_buddy();
    if (buddy == NULL) return NULL;
#endif

    gomem_allocator *allocator = gomem_meta_alloc(sizeof *allocator);
    if (allocator == NULL) return NULL;
    memset(allocator, 0, sizeof *allocator);
    gomem_lock_init(&allocator->lock);
    gomem_nodepool_init(&allocator->pool);
    gomem_arena_map_init(&allocator->map);
    allocator->buddy = buddy;
    allocator->alignment = alignment;
    allocator->compact = options->compact;
    allocator->max_block = gomem_page_round(max_block);
    allocator->initial_size = gomem_page_round(initial < allocator->max_block ? initial
                                                                               : allocator->max_block);
    allocator->next_arena_size = allocator->initial_size;
    *status = GOMEM_OK;
    return allocator;
}

/* Record the table positions of arenas [from, arena_count) in the map (after a shift). */
static void map_positions_from(gomem_allocator *allocator, size_t from) {
    for (size_t at = from; at < allocator->arena_count; at++)
        gomem_arena_map_set(&allocator->map, allocator->arenas[at].base, allocator->arenas[at].size,
                            (uint32_t)(at + 1));
}

static void release_arena_at(gomem_allocator *allocator, size_t at) {
    gomem_arena *arena = &allocator->arenas[at];
    allocator->footprint -= arena->size;
    gomem_arena_map_set(&allocator->map, arena->base, arena->size, 0);
    gomem_arena_release(arena);
    memmove(arena, arena + 1, (allocator->arena_count - at - 1) * sizeof *arena);
    allocator->arena_count--;
    map_positions_from(allocator, at);
    if (allocator->current > at || allocator->current >= allocator->arena_count)
        allocator->current = allocator->current ? allocator->current - 1 : 0;
}

static void release_all_arenas(gomem_allocator *allocator) {
    for (size_t at = 0; at < allocator->arena_count; at++)
        gomem_arena_release(&allocator->arenas[at]);
    gomem_arena_map_release(&allocator->map);
    allocator->arena_count = 0;
    allocator->current = 0;
    allocator->footprint = 0;
}

void gomem_allocator_destroy(gomem_allocator *allocator) {
    if (allocator == NULL) return;
    release_all_arenas(allocator);
    gomem_meta_free(allocator->arenas, allocator->arena_capacity * sizeof(gomem_arena));
    gomem_nodepool_release(&allocator->pool);
    gomem_meta_free(allocator, sizeof *allocator);
}

static inline gomem_arena *arena_holding(const gomem_allocator *allocator, const void *ptr) {
    /* The arena that served the last malloc holds most frees of short-lived blocks. */
    if (allocator->arena_count != 0) {
        gomem_arena *current = &allocator->arenas[allocator->current];
        if (gomem_arena_contains(current, ptr)) return current;
    }
    uint32_t position = gomem_arena_map_find(&allocator->map, ptr);
    return position == 0 ? NULL : &allocator->arenas[position - 1];
}

static bool reserve_table_slot(gomem_allocator *allocator) {
    if (allocator->arena_count < allocator->arena_capacity) return true;
    size_t old_bytes = allocator->arena_capacity * sizeof(gomem_arena);
    size_t new_bytes = gomem_meta_footprint(old_bytes ? old_bytes * 2 : sizeof(gomem_arena));
    gomem_arena *table = gomem_meta_alloc(new_bytes);
    if (table == NULL) return false;
    if (allocator->arenas != NULL) {
        memcpy(table, allocator->arenas, allocator->arena_count * sizeof(gomem_arena));
        gomem_meta_free(allocator->arenas, old_bytes);
    }
    allocator->arenas = table;
    allocator->arena_capacity = new_bytes / sizeof(gomem_arena);
    return true;
}

/* Count `bytes` more pages in the arenas, and the peak. */
static void add_footprint(gomem_allocator *allocator, size_t bytes) {
    allocator->footprint += bytes;
    if (allocator->footprint > allocator->peak_footprint)
        allocator->peak_footprint = allocator->footprint;
}

/* Add an arena of `size` bytes at the end of the table (which is in the order arenas were added);
 * returns it, or NULL on out-of-memory. */
static gomem_arena *add_arena(gomem_allocator *allocator, size_t size, bool dedicated) {
    if (!reserve_table_slot(allocator)) return NULL;
    gomem_arena arena;
    /* Dedicated regions come straight from pages: they are rare, large and released eagerly. */
    gomem_buddy *buddy = dedicated ? NULL : allocator->buddy;
    if (gomem_arena_init(&arena, &allocator->pool, size, buddy) != GOMEM_OK) return NULL;
    gomem_index_set_compact(&arena.index, allocator->compact);
    if (!gomem_arena_map_reserve(&allocator->map, arena.base, arena.size)) {
        gomem_arena_release(&arena);
        return NULL;
    }
    arena.dedicated = dedicated;
    size_t at = allocator->arena_count;
    allocator->arenas[at] = arena;
    allocator->arena_count++;
    map_positions_from(allocator, at);
    /* New ordinary arenas serve next; a dedicated one never does (it holds one request). */
    if (!dedicated) allocator->current = at;
    add_footprint(allocator, arena.size);
    return &allocator->arenas[at];
}

static size_t trim_locked(gomem_allocator *allocator) {
    size_t released = 0;
    for (size_t at = allocator->arena_count; at-- > 0;) {
        gomem_arena *arena = &allocator->arenas[at];
        if (gomem_index_is_empty(&arena->index)) {
            released += arena->size;
            release_arena_at(allocator, at);
        }
    }
    if (allocator->arena_count == 0) allocator->next_arena_size = allocator->initial_size;
    return released;
}

/* Fit `size` bytes in an arena: take them (claim) or only locate them (borrow). An arena with
 * fewer free bytes than that is passed over in O(1): the scan over the arenas when the current
 * one is full then costs a load per full arena, not an index search. */
static inline bool fit_in(gomem_arena *arena, size_t size, size_t alignment, bool claim,
                          size_t *offset) {
    if (gomem_index_free_size(&arena->index) < size) return false;
    gomem_status status = claim ? gomem_index_alloc(&arena->index, size, alignment, offset)
                                : gomem_index_find(&arena->index, size, alignment, offset);
    return status == GOMEM_OK;
}

/* Room for `size` bytes: in an arena (oldest first), or, when `grow`, a new one. Returns the first
 * byte, or NULL on out-of-memory (or when growth would be needed and is not allowed). Callers
 * hold the lock. */
static void *fit_locked(gomem_allocator *allocator, size_t size, bool claim, bool grow) {
    size_t alignment = allocator->alignment, offset;
    if (size > allocator->max_block) {
        /* A borrowed dedicated region would be wholly free at once: nothing to lend. */
        if (!claim || !grow) return NULL;
        /* Wholly free arenas go first, as before any growth: their pages may hold the region
         * (in wasm the only way memory is ever reused for it). */
        trim_locked(allocator);
        gomem_arena *arena = add_arena(allocator, size, true);
        return arena && fit_in(arena, size, alignment, claim, &offset) ? arena->base + offset : NULL;
    }
    if (allocator->arena_count != 0) {
        /* Dedicated arenas are skipped: their page-rounding slack must stay empty so they can
         * be released with their one allocation. */
        gomem_arena *current = &allocator->arenas[allocator->current];
        if (!allocator->compact && !current->dedicated &&
            fit_in(current, size, alignment, claim, &offset))
            return current->base + offset;
        for (size_t at = 0; at < allocator->arena_count; at++) {
            gomem_arena *arena = &allocator->arenas[at];
            if ((allocator->compact || at != allocator->current) && !arena->dedicated &&
                fit_in(arena, size, alignment, claim, &offset)) {
                allocator->current = at;
                return arena->base + offset;
            }
        }
        if (!grow) return NULL;
        trim_locked(allocator);
    }
    size_t arena_size = allocator->next_arena_size;
    while (arena_size < size && arena_size < allocator->max_block) arena_size *= 2;
    if (arena_size > allocator->max_block) arena_size = allocator->max_block;
    gomem_arena *arena = add_arena(allocator, arena_size, false);
    /* Refused (a page limit, or the system): a smaller arena that still holds the request may fit
     * in what is left, so a limit is used up rather than refused at half of it. */
    while (arena == NULL && arena_size / 2 >= size) {
        arena_size /= 2;
        arena = add_arena(allocator, arena_size, false);
    }
    if (arena == NULL) return NULL;
    allocator->next_arena_size =
        arena_size * 2 <= allocator->max_block ? arena_size * 2 : allocator->max_block;
    return fit_in(arena, size, alignment, claim, &offset) ? arena->base + offset : NULL;
}

/* Count `size` more bytes handed out. */
static void note_malloc(gomem_allocator *allocator, size_t size) {
    allocator->total_malloc += size;
    size_t live = (size_t)(allocator->total_malloc - allocator->total_free);
    if (live > allocator->peak_live) allocator->peak_live = live;
}

static void *allocate(gomem_allocator *allocator, size_t size, bool grow) {
    if (size == 0 || size > GOMEM_ARENA_LIMIT) return NULL;
    gomem_lock_acquire(&allocator->lock);
    void *result = fit_locked(allocator, size, true, grow);
    if (result != NULL) note_malloc(allocator, size);
    gomem_lock_release(&allocator->lock);
    return result;
}

void *gomem_alloc(gomem_allocator *allocator, size_t size) { return allocate(allocator, size, true); }

void *gomem_alloc_within(gomem_allocator *allocator, size_t size) {
    return allocate(allocator, size, false);
}

gomem_status gomem_free(gomem_allocator *allocator, void *ptr, size_t size) {
    if (ptr == NULL) return GOMEM_ERR_INVALID_ARGUMENT;
    if (size == 0) return GOMEM_ERR_INVALID_SIZE;
    gomem_lock_acquire(&allocator->lock);
    gomem_status status = GOMEM_ERR_FOREIGN_POINTER;
    gomem_arena *arena = arena_holding(allocator, ptr);
    if (arena != NULL) {
        status = gomem_arena_give(arena, ptr, size);
        if (status == GOMEM_OK) {
            allocator->total_free += size;
            if (arena->dedicated && gomem_index_is_empty(&arena->index))
                release_arena_at(allocator, (size_t)(arena - allocator->arenas));
        }
    }
    gomem_lock_release(&allocator->lock);
    return status;
}

/* The arena map covers a dedicated arena's grown region (gomem_arena_cover_fn). */
static bool cover_in_map(void *context, const uint8_t *base, size_t size) {
    return gomem_arena_map_reserve(&((gomem_allocator *)context)->map, base, size);
}

/* Grow the sole allocation [offset, offset + size) of a dedicated arena past the arena's end, by
 * extending the arena's region in place (gomem_arena_extend_sole): a huge block that realloc
 * doubles again and again then never copies while the pages after it are free (in wasm, at the
 * top of memory). Callers hold the lock. */
static gomem_status extend_dedicated(gomem_allocator *allocator, gomem_arena *arena, size_t offset,
                                     size_t size, size_t new_size) {
    size_t old_size = arena->size;
    gomem_status status = gomem_arena_extend_sole(arena, &allocator->pool, offset, size, new_size,
                                                  allocator->compact, cover_in_map, allocator);
    if (status != GOMEM_OK) return status;
    gomem_arena_map_set(&allocator->map, arena->base, arena->size,
                        (uint32_t)(arena - allocator->arenas + 1));
    add_footprint(allocator, arena->size - old_size);
    return GOMEM_OK;
}

gomem_status gomem_grow_in_place(gomem_allocator *allocator, void *ptr, size_t size,
                                 size_t new_size) {
    if (ptr == NULL) return GOMEM_ERR_INVALID_ARGUMENT;
    if (size == 0 || new_size < size) return GOMEM_ERR_INVALID_SIZE;
    if (new_size == size) return GOMEM_OK;
    gomem_lock_acquire(&allocator->lock);
    gomem_status status = GOMEM_ERR_FOREIGN_POINTER;
    gomem_arena *arena = arena_holding(allocator, ptr);
    if (arena != NULL) {
        size_t offset = (size_t)((uint8_t *)ptr - arena->base);
        if (size > arena->size - offset)
            status = GOMEM_ERR_OUT_OF_RANGE;
        else if (arena->dedicated && new_size > arena->size - offset)
            status = extend_dedicated(allocator, arena, offset, size, new_size);
        else
            status = gomem_index_claim(&arena->index, offset + size, new_size - size);
        if (status == GOMEM_OK) note_malloc(allocator, new_size - size);
    }
    gomem_lock_release(&allocator->lock);
    return status;
}

void *gomem_borrow(gomem_allocator *allocator, size_t size) {
    if (size == 0 || size > GOMEM_ARENA_LIMIT) return NULL;
    gomem_lock_acquire(&allocator->lock);
    void *result = fit_locked(allocator, size, false, true);
    gomem_lock_release(&allocator->lock);
    return result;
}

gomem_status gomem_free_rest(gomem_allocator *allocator, void *ptr, size_t *size, size_t keep) {
    if (size == NULL) return GOMEM_ERR_INVALID_ARGUMENT;
    if (keep >= *size) return GOMEM_OK;
    gomem_status status = gomem_free(allocator, (uint8_t *)ptr + keep, *size - keep);
    if (status == GOMEM_OK) *size = keep;
    return status;
}

gomem_status gomem_read_into(gomem_allocator *allocator, size_t n, gomem_read_fn read,
                             void *context, void **out, size_t *out_len) {
    if (read == NULL || out == NULL || out_len == NULL) return GOMEM_ERR_INVALID_ARGUMENT;
    if (n == 0) return GOMEM_ERR_INVALID_SIZE;
    uint8_t *buffer = gomem_alloc(allocator, n);
    if (buffer == NULL) return GOMEM_ERR_NOMEM;
    size_t filled = 0;
    gomem_status status = read(context, buffer, n, &filled);
    if (status == GOMEM_OK && filled > n) status = GOMEM_ERR_INVALID_SIZE;
    if (status != GOMEM_OK || filled == 0) {
        (void)gomem_free(allocator, buffer, n); /* our own allocation: cannot fail */
        *out = NULL;
        *out_len = 0;
        return status;
    }
    if (filled < n) (void)gomem_free(allocator, buffer + filled, n - filled);
    *out = buffer;
    *out_len = filled;
    return GOMEM_OK;
}

size_t gomem_trim(gomem_allocator *allocator) {
    gomem_lock_acquire(&allocator->lock);
    size_t released = trim_locked(allocator);
    gomem_lock_release(&allocator->lock);
    return released;
}

void gomem_allocator_recycle(gomem_allocator *allocator) {
    gomem_lock_acquire(&allocator->lock);
    release_all_arenas(allocator);
    /* The bookkeeping goes too, so a recycled allocator holds no more pages than a new one. */
    gomem_nodepool_release(&allocator->pool);
    gomem_meta_free(allocator->arenas, allocator->arena_capacity * sizeof(gomem_arena));
    allocator->arenas = NULL;
    allocator->arena_capacity = 0;
    allocator->next_arena_size = allocator->initial_size;
    allocator->total_malloc = 0;
    allocator->total_free = 0;
    allocator->peak_live = 0;
    gomem_lock_release(&allocator->lock);
}

/* Bytes of per-arena index metadata (class and edge tables, hardened boundary maps). */
static size_t arena_metadata(const gomem_allocator *allocator) {
    size_t bytes = 0;
    for (size_t at = 0; at < allocator->arena_count; at++)
        bytes += gomem_index_metadata(&allocator->arenas[at].index);
    return bytes;
}

void gomem_allocator_stats(const gomem_allocator *allocator, gomem_stats *stats) {
    gomem_lock *lock = (gomem_lock *)&allocator->lock; /* locking is not a logical change */
    gomem_lock_acquire(lock);
    stats->total_malloc = allocator->total_malloc;
    stats->total_free = allocator->total_free;
    stats->live = (size_t)(allocator->total_malloc - allocator->total_free);
    stats->footprint = allocator->footprint;
    stats->peak_footprint = allocator->peak_footprint;
    stats->peak_live = allocator->peak_live;
    stats->arena_count = allocator->arena_count;
    stats->metadata = gomem_meta_footprint(sizeof *allocator) + gomem_nodepool_footprint(&allocator->pool) +
                      gomem_arena_map_footprint(&allocator->map) + arena_metadata(allocator) +
                      (allocator->arena_capacity
                           ? gomem_meta_footprint(allocator->arena_capacity * sizeof(gomem_arena))
                           : 0);
    gomem_lock_release(lock);
}

void gomem_allocator_arenas(const gomem_allocator *allocator, gomem_arena_visitor visit,
                            void *context) {
    gomem_lock *lock = (gomem_lock *)&allocator->lock;
    gomem_lock_acquire(lock);
    for (size_t at = 0; at < allocator->arena_count; at++) {
        const gomem_arena *arena = &allocator->arenas[at];
        gomem_arena_info info = {arena->base, arena->size, gomem_index_free_size(&arena->index),
                                 arena->dedicated, &arena->index};
        if (!visit(context, &info)) break;
    }
    gomem_lock_release(lock);
}

void gomem_allocator_hold(gomem_allocator *allocator) { gomem_lock_acquire(&allocator->lock); }

void gomem_allocator_release_hold(gomem_allocator *allocator) {
    gomem_lock_release(&allocator->lock);
}

bool gomem_allocator_owns(const gomem_allocator *allocator, const void *ptr, size_t size) {
    gomem_lock *lock = (gomem_lock *)&allocator->lock;
    gomem_lock_acquire(lock);
    const gomem_arena *arena = arena_holding(allocator, ptr);
    bool owns = arena != NULL &&
                size <= arena->size - (size_t)((const uint8_t *)ptr - arena->base);
    gomem_lock_release(lock);
    return owns;
}

bool gomem_allocator_invariants_hold(const gomem_allocator *allocator) {
    gomem_lock *lock = (gomem_lock *)&allocator->lock;
    gomem_lock_acquire(lock);
    bool ok = allocator->arena_count <= allocator->arena_capacity &&
              (allocator->arena_count == 0 || allocator->current < allocator->arena_count);
    size_t footprint = 0;
    uint64_t free_bytes = 0;
    for (size_t at = 0; ok && at < allocator->arena_count; at++) {
        const gomem_arena *arena = &allocator->arenas[at];
        /* Every page maps to its arena: the arenas are disjoint and the map is whole. */
        for (size_t page = 0; ok && page < arena->size; page += (size_t)1 << GOMEM_ARENA_MAP_PAGE_SHIFT)
            ok = gomem_arena_map_find(&allocator->map, arena->base + page) == at + 1;
        ok = ok && arena->index.pool == &allocator->pool && arena->index.size == arena->size &&
             gomem_index_invariants_hold(&arena->index) &&
             !(arena->dedicated && gomem_index_is_empty(&arena->index));
        footprint += arena->size;
        free_bytes += gomem_index_free_size(&arena->index);
    }
    ok = ok && footprint == allocator->footprint && allocator->total_free <= allocator->total_malloc &&
         free_bytes + (allocator->total_malloc - allocator->total_free) == footprint;
    gomem_lock_release(lock);
    return ok;
}

void *gomem_allocator_resize(void *context, void *old, size_t old_bytes, size_t new_bytes) {
    gomem_allocator *allocator = context;
    if (new_bytes == 0) {
        if (old != NULL) (void)gomem_free(allocator, old, old_bytes);
        return NULL;
    }
    if (old != NULL && new_bytes <= old_bytes) {
        size_t size = old_bytes;
        /* Shrinking is a segmented free of the tail: no copy. */
        return gomem_free_rest(allocator, old, &size, new_bytes) == GOMEM_OK ? old : NULL;
    }
    uint8_t *fresh = gomem_alloc(allocator, new_bytes);
    if (fresh == NULL) return NULL;
    if (old != NULL) {
        memcpy(fresh, old, old_bytes);
        /* Giving the old block back can fail (under a page limit, when it needs an index node
         * that cannot be had): then undo the move, so the caller keeps its block, sees the
         * failure, and nothing leaks. Freeing `fresh` needs no new node: taking it left one. */
        if (gomem_free(allocator, old, old_bytes) != GOMEM_OK) {
            (void)gomem_free(allocator, fresh, new_bytes);
            return NULL;
        }
    }
    return fresh;
}
