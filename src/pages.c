/*
 * pages.c - every page the library holds passes through here: arenas, dedicated regions, buddy
 * pools and metadata. Counting them gives a process-wide footprint and an optional cap
 * (gomem_set_page_limit), which also lets tests drive every out-of-memory path on purpose.
 * Metadata blocks (allocator structs, arena tables, node pools) are whole pages: they are few and
 * grow geometrically, so rounding costs little and the core needs no libc heap.
 * Also here: the slow path of the spin lock.
 */
#include "internal.h"

#if GOMEM_THREADS
static _Atomic size_t pages_held;
static _Atomic size_t pages_limit;
#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)
#else
static size_t pages_held;
static size_t pages_limit;
#define LOAD(x) (x)
#endif

void gomem_set_page_limit(size_t bytes) {
#if GOMEM_THREADS
    atomic_store_explicit(&pages_limit, bytes, memory_order_relaxed);
#else
    pages_limit = bytes;
#endif
}

size_t gomem_page_limit(void) { return LOAD(pages_limit); }

size_t gomem_page_bytes_held(void) { return LOAD(pages_held); }

/* Reserve `size` bytes of the budget; false when the cap would be passed. */
static bool budget_take(size_t size) {
#if GOMEM_THREADS
    size_t held = atomic_load_explicit(&pages_held, memory_order_relaxed);
    do {
        size_t limit = LOAD(pages_limit);
        if (limit != 0 && (held > limit || size > limit - held)) return false;
    } while (!atomic_compare_exchange_weak_explicit(&pages_held, &held, held + size,
                                                    memory_order_relaxed, memory_order_relaxed));
    return true;
#else
    if (pages_limit != 0 && (pages_held > pages_limit || size > pages_limit - pages_held))
        return false;
    pages_held += size;
    return true;
#endif
}

static void budget_give(size_t size) {
#if GOMEM_THREADS
    atomic_fetch_sub_explicit(&pages_held, size, memory_order_relaxed);
#else
    pages_held -= size;
#endif
}

void *gomem_pages_alloc(size_t size) {
    if (!budget_take(size)) return NULL;
    void *region = gomem_platform_map(size);
    if (region == NULL) budget_give(size);
    return region;
}

void gomem_pages_free(void *region, size_t size) {
    gomem_platform_unmap(region, size);
    budget_give(size);
}

bool gomem_pages_extend(void *region, size_t size, size_t new_size) {
    if (new_size <= size || !budget_take(new_size - size)) return false;
    if (gomem_platform_extend(region, size, new_size)) return true;
    budget_give(new_size - size);
    return false;
}

size_t gomem_meta_footprint(size_t bytes) { return gomem_align_up(bytes, gomem_page_size()); }

void *gomem_meta_alloc(size_t bytes) {
    if (bytes == 0 || bytes > GOMEM_ARENA_LIMIT) return NULL;
    return gomem_pages_alloc(gomem_meta_footprint(bytes));
}

void gomem_meta_free(void *block, size_t bytes) {
    if (block != NULL) gomem_pages_free(block, gomem_meta_footprint(bytes));
}

#if GOMEM_THREADS
void gomem_lock_acquire_slow(gomem_lock *lock) {
    for (unsigned spins = 0;; spins++) {
        /* Read before writing so waiters spin on a shared cache line instead of bouncing it. */
        if (!atomic_load_explicit(&lock->held, memory_order_relaxed) &&
            !atomic_exchange_explicit(&lock->held, 1, memory_order_acquire))
            return;
        if (spins >= 64) {
            gomem_platform_yield();
            spins = 0;
        }
    }
}
#endif
