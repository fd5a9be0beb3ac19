/*
 * page_reserve.c - page source of gomem_malloc on POSIX systems: regions carved out of large
 * reservations of address space that are never unmapped.
 *
 * Why not page_mmap.c: the malloc face frees without a lock, and its free must read the header
 * in front of any pointer it is given, including foreign ones and ones whose arena was released
 * long ago. That read is safe only if the address can never fault, so gomem_page_readable must
 * answer without a lock and the answer must never turn false. Here it cannot: a reservation,
 * once made, stays mapped for the life of the process. A freed region gives its pages back to the
 * system with madvise(MADV_DONTNEED) (they read as zeros afterwards, costing no memory) and
 * goes on the free list (region_list.h) for the next request.
 *
 * Reservations are RESERVATION_BYTES (or a request's size, when larger) of MAP_NORESERVE
 * address space: pages are committed by the kernel only when touched, exactly as with
 * page_mmap.c. Regions of at least one huge page are advised MADV_HUGEPAGE when handed out.
 *
 * Locking: one spin lock over the free list and the reservation table; readers of the table
 * (gomem_page_readable in page_readable.h) take no lock: an entry is written before the count that publishes it.
 * The malloc layer's fork handler holds the lock across fork() (gomem_platform_fork_hold), so a
 * child never inherits it held.
 */
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS, MAP_NORESERVE and madvise under -std=c11 */
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>

#include "page_readable.h"
#include "platform.h"
#include "region_list.h"

#define GRAIN ((size_t)4096)
/* 4 GiB of address space per reservation: a few are enough for any heap, and an unused one
 * costs only a page-table entry or two. */
#define RESERVATION_BYTES ((size_t)4 << 30)
/* The table is fixed and lock-free to read; 256 reservations are at least 1 TiB. */
#define MAX_RESERVATIONS 256u

#if defined(MADV_HUGEPAGE)
#define HUGE_PAGE_SIZE ((size_t)2 << 20)
#endif

static const gomem_page_info page_info = {
    .name = "mmap-reserve",
    .page_size = GRAIN,
    .returns_to_os = true, /* freed pages go back with MADV_DONTNEED */
    .lazy_commit = true,
#if defined(MADV_HUGEPAGE)
    .huge_pages = true,
#else
    .huge_pages = false,
#endif
};

const gomem_page_info *gomem_page_source(void) { return &page_info; }

gomem_reservation gomem_reservations[MAX_RESERVATIONS];
_Atomic unsigned gomem_reservation_count;
static gomem_free_region *free_head;
static atomic_flag list_lock = ATOMIC_FLAG_INIT;

static void lock_list(void) {
    while (atomic_flag_test_and_set_explicit(&list_lock, memory_order_acquire)) (void)sched_yield();
}
static void unlock_list(void) { atomic_flag_clear_explicit(&list_lock, memory_order_release); }

void gomem_platform_fork_hold(void) { lock_list(); }
void gomem_platform_fork_release(void) { unlock_list(); }

/* Map a new reservation that holds at least `size` bytes and put it on the free list. false when
 * the table is full or the system refuses. */
static bool reserve_for(size_t size) {
    unsigned count = atomic_load_explicit(&gomem_reservation_count, memory_order_relaxed);
    if (count == MAX_RESERVATIONS) return false;
    size_t bytes = size > RESERVATION_BYTES ? size : RESERVATION_BYTES;
    void *base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
    if (base == MAP_FAILED && bytes > size) { /* strict overcommit: reserve only what is asked */
        bytes = size;
        base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                    -1, 0);
    }
    if (base == MAP_FAILED) return false;
    gomem_reservations[count].base = (uintptr_t)base;
    gomem_reservations[count].end = (uintptr_t)base + bytes;
    atomic_store_explicit(&gomem_reservation_count, count + 1, memory_order_release);
    gomem_region_insert(&free_head, (uintptr_t)base, bytes);
    return true;
}

/* Advice only: failure (THP disabled) leaves ordinary pages, which is fine. */
static void advise_huge_pages(void *region, size_t size) {
#if defined(MADV_HUGEPAGE)
    if (size >= HUGE_PAGE_SIZE) (void)madvise(region, size, MADV_HUGEPAGE);
#else
    (void)region;
    (void)size;
#endif
}

void *gomem_platform_map(size_t size) {
    if (size == 0 || size % GRAIN != 0) return NULL;
    lock_list();
    void *region = gomem_region_take(&free_head, size);
    if (region == NULL && reserve_for(size)) region = gomem_region_take(&free_head, size);
    unlock_list();
    if (region != NULL) advise_huge_pages(region, size);
    return region;
}

bool gomem_platform_extend(void *region, size_t size, size_t new_size) {
    if (size == 0 || new_size <= size || new_size % GRAIN != 0) return false;
    lock_list();
    bool taken = gomem_region_take_at(&free_head, (uintptr_t)region + size, new_size - size);
    unlock_list();
    if (taken) advise_huge_pages(region, new_size);
    return taken;
}

void gomem_platform_unmap(void *region, size_t size) {
    if (region == NULL || size == 0) return;
    /* The pages go back to the system; the address range stays ours (and readable). madvise only
     * fails for arguments never passed here; the pages would then merely stay committed. */
    (void)madvise(region, size, MADV_DONTNEED);
    lock_list();
    gomem_region_insert(&free_head, (uintptr_t)region, size);
    unlock_list();
}

void gomem_platform_yield(void) { (void)sched_yield(); }
