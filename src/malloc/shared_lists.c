/*
 * shared_lists.c - the heap's per-class lists of kept free blocks (see shared_lists.h).
 */
#include "shared_lists.h"

#include <stdatomic.h>

#include "heap.h"

/* Most blocks one class's list keeps (its slots: 64 KiB at most). */
#define SHARED_CLASS_MAX 8192u
/* Slots a class's list starts with, when it first keeps a block; it doubles as it fills. */
#define SHARED_CLASS_FIRST 64u
/* Kept blocks that no allocation needed for DECAY_OPS list operations go back to the index: a
 * kept block splits the free space around it, and the space it splits is what the heap's growth
 * is measured by (gomem_malloc's stress program held 1.5x its live bytes in WASI with every
 * freed block kept up to the budget, 1.3x with none kept). Counted over all classes, so a class
 * the program stopped using gives its blocks back too.
 *
 * Behind thread caches the lists see batches, not every free, and serve every thread's churn: a
 * larger budget and a longer period (at 16,384 most frees of the 8 B..64 KiB mix went to the
 * index and back). Without them they see every malloc and free, and are tuned for the memory a
 * single-threaded program holds (the real programs in wasm). */
#if GOMEM_THREADS
#define DECAY_OPS 262144u
/* The budget: the larger of GOMEM_MALLOC_CACHE_BYTES and 1/4 of the heap. Only blocks unused
 * for a while go back before growth (heap.c), so a larger budget costs little memory: on the mix
 * the heap peaked at 117.6 MiB with 1/4 against 121.5 with 1/16 (which gave every kept block back
 * before growth), with 0.31 index frees and 0.13 index allocations per step against 0.72 and
 * 0.50; the real programs' native peaks stayed or fell. */
#define BUDGET_SHIFT 2u
#else
#define DECAY_OPS 16384u /* the budget: GOMEM_MALLOC_CACHE_BYTES */
#endif

/* A class publishes its changes to the heap-wide counts (kept_bytes, list_ops) once they add up
 * to PUBLISH_BYTES or PUBLISH_OPS: two threads updating those on every batch bounced their cache
 * line between them (on the mix at 2 threads, 62 % of gomem_lists_keep's samples were its atomic
 * add to kept_bytes). The counts then lag by at most that much per class. Without threads
 * nothing bounces, and they stay exact. */
#if GOMEM_THREADS
#define PUBLISH_BYTES ((int64_t)64 << 10)
#define PUBLISH_OPS 64u
#else
#define PUBLISH_BYTES ((int64_t)0)
#define PUBLISH_OPS 0u
#endif

/* A class's kept blocks, addresses oldest first. Aligned to a cache line, so two threads working
 * on neighbouring classes do not share one. */
typedef struct shared_list {
    _Alignas(64) gomem_lock lock;
    block_header **slots; /* NULL until the class first keeps a block */
    uint32_t count;
    uint32_t capacity;
    uint32_t low; /* the fewest blocks the list held since the last decay: unused all along */
    uint32_t pending_ops;  /* list operations not yet added to list_ops */
    int64_t pending_bytes; /* change in kept bytes not yet added to kept_bytes */
} shared_list;

static shared_list lists[CLASS_COUNT];
static _Atomic size_t kept_bytes;
static _Atomic uint32_t list_ops; /* blocks taken and kept since the last decay */

static bool decay(void);

/* Add a class's pending changes to the heap-wide counts. true when that crossed DECAY_OPS: the
 * caller decays once it holds no class lock (one of the threads that crossed the mark does; the
 * others see a small count). The caller holds the class's lock. */
static bool publish_locked(shared_list *list) {
    if (list->pending_bytes >= 0)
        atomic_fetch_add_explicit(&kept_bytes, (size_t)list->pending_bytes, memory_order_relaxed);
    else
        atomic_fetch_sub_explicit(&kept_bytes, (size_t)-list->pending_bytes, memory_order_relaxed);
    uint32_t ops = list->pending_ops;
    list->pending_bytes = 0;
    list->pending_ops = 0;
    if (ops == 0 ||
        atomic_fetch_add_explicit(&list_ops, ops, memory_order_relaxed) + ops < DECAY_OPS)
        return false;
    return atomic_exchange_explicit(&list_ops, 0, memory_order_relaxed) >= DECAY_OPS;
}

/* Count `ops` blocks taken or kept and `bytes` more (or fewer) kept, publishing them when they add
 * up (PUBLISH_BYTES, PUBLISH_OPS). true when a decay is due. The caller holds the class's lock. */
static bool account_locked(shared_list *list, uint32_t ops, int64_t bytes) {
    list->pending_ops += ops;
    list->pending_bytes += bytes;
    if (list->pending_ops < PUBLISH_OPS && list->pending_bytes < PUBLISH_BYTES &&
        list->pending_bytes > -PUBLISH_BYTES)
        return false;
    return publish_locked(list);
}

/* How many more blocks of class c the budget allows. */
static uint32_t budget_room(unsigned c) {
    size_t budget = GOMEM_MALLOC_CACHE_BYTES;
#if GOMEM_THREADS
    size_t share = gomem_heap_held_bytes() >> BUDGET_SHIFT;
    if (share > budget) budget = share;
#endif
    size_t kept = atomic_load_explicit(&kept_bytes, memory_order_relaxed);
    if (kept >= budget) return 0;
    size_t blocks = (budget - kept) / class_span(c);
    return blocks < SHARED_CLASS_MAX ? (uint32_t)blocks : SHARED_CLASS_MAX;
}

/* Give a list's slots back to the heap; the caller holds the class's lock. */
static void free_slots_locked(shared_list *list) {
    gomem_heap_give_raw(list->slots, list->capacity * sizeof *list->slots);
    list->pending_bytes -= (int64_t)(list->capacity * sizeof *list->slots);
    list->slots = NULL;
    list->capacity = 0;
}

/* Room in the list's slots for `more` blocks, growing them (doubling) when they are short and
 * memory allows; returns how many fit. The caller holds the class's lock. */
static uint32_t slots_room_locked(shared_list *list, uint32_t more) {
    uint32_t needed = list->count + more;
    if (needed > SHARED_CLASS_MAX) needed = SHARED_CLASS_MAX;
    if (needed > list->capacity) {
        uint32_t capacity = list->capacity ? list->capacity : SHARED_CLASS_FIRST;
        while (capacity < needed) capacity *= 2;
        if (capacity > SHARED_CLASS_MAX) capacity = SHARED_CLASS_MAX;
        block_header **slots = gomem_heap_take_raw(capacity * sizeof *slots);
        if (slots != NULL) {
            list->pending_bytes += (int64_t)(capacity * sizeof *slots);
            if (list->slots != NULL) {
                memcpy(slots, list->slots, list->count * sizeof *slots);
                free_slots_locked(list);
            }
            list->slots = slots;
            list->capacity = capacity;
        }
    }
    return list->capacity - list->count;
}

unsigned gomem_lists_take(unsigned c, unsigned want, block_header **out) {
    shared_list *list = &lists[c];
    gomem_lock_acquire(&list->lock);
    unsigned got = list->count < want ? list->count : want;
    if (got == 0) { /* slots may be NULL: no memcpy from them */
        gomem_lock_release(&list->lock);
        return 0;
    }
    list->count -= got;
    memcpy(out, list->slots + list->count, got * sizeof *out);
    if (list->count < list->low) list->low = list->count;
    bool decay_due = account_locked(list, got, -(int64_t)(got * class_span(c)));
    gomem_lock_release(&list->lock);
    if (decay_due) (void)decay();
    return got;
}

unsigned gomem_lists_keep(unsigned c, block_header *const *blocks, unsigned count) {
    shared_list *list = &lists[c];
    uint32_t allowed = budget_room(c);
    if (allowed > count) allowed = count;
    if (allowed == 0) return 0;
    gomem_lock_acquire(&list->lock);
    uint32_t room = slots_room_locked(list, allowed);
    unsigned kept = allowed < room ? allowed : room;
    if (kept == 0) { /* no memory for slots: they may be NULL */
        gomem_lock_release(&list->lock);
        return 0;
    }
    memcpy(list->slots + list->count, blocks + (count - kept), kept * sizeof *blocks);
    list->count += kept;
    bool decay_due = account_locked(list, kept, (int64_t)(kept * class_span(c)));
    gomem_lock_release(&list->lock);
    if (decay_due) (void)decay();
    return kept;
}

unsigned gomem_lists_room(unsigned c) {
    shared_list *list = &lists[c];
    gomem_lock_acquire(&list->lock);
    uint32_t free_slots = SHARED_CLASS_MAX - list->count;
    gomem_lock_release(&list->lock);
    uint32_t room = budget_room(c);
    return room < free_slots ? room : free_slots;
}

/* Give the `count` oldest blocks of a list to the index (their bytes pending, see
 * account_locked); the caller holds the class's lock. */
static void give_oldest_locked(unsigned c, uint32_t count) {
    shared_list *list = &lists[c];
    if (count == 0) return;
    for (uint32_t i = 0; i < count; i++) gomem_heap_give_to_index(list->slots[i]);
    list->count -= count;
    memmove(list->slots, list->slots + count, list->count * sizeof *list->slots);
    if (list->count < list->low) list->low = list->count;
    list->pending_bytes -= (int64_t)(count * class_span(c));
}

/* Every class gives back the blocks it kept unused since the last decay or, when `all`, every
 * block and its slots; true when any did. */
static bool give_back(bool all) {
    bool any = false;
    for (unsigned c = 0; c < CLASS_COUNT; c++) {
        shared_list *list = &lists[c];
        gomem_lock_acquire(&list->lock);
        uint32_t count = all ? list->count : list->low;
        any |= count != 0;
        give_oldest_locked(c, count);
        list->low = list->count;
        if (all && list->slots != NULL) free_slots_locked(list);
        (void)publish_locked(list); /* a decay it may call due is this one; exact after a release */
        gomem_lock_release(&list->lock);
    }
    return any;
}

static bool decay(void) { return give_back(false); }

bool gomem_lists_give_back_unused(void) { return decay(); }

bool gomem_lists_give_back_all(void) { return give_back(true); }

size_t gomem_lists_bytes(void) {
    bool decay_due = false;
    for (unsigned c = 0; c < CLASS_COUNT; c++) {
        gomem_lock_acquire(&lists[c].lock);
        decay_due |= publish_locked(&lists[c]);
        gomem_lock_release(&lists[c].lock);
    }
    if (decay_due) (void)decay();
    return atomic_load_explicit(&kept_bytes, memory_order_relaxed);
}

void gomem_lists_hold_all(void) {
    for (unsigned c = 0; c < CLASS_COUNT; c++) gomem_lock_acquire(&lists[c].lock);
}

void gomem_lists_release_all(void) {
    for (unsigned c = CLASS_COUNT; c-- > 0;) gomem_lock_release(&lists[c].lock);
}
