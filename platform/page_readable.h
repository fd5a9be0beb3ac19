/*
 * page_readable.h - part of the porting contract, inline because the malloc layer asks it on every
 * free: whether every byte of [address, address + size) can be read without a fault, now and for
 * the rest of the process. True only for memory the page source owns for good:
 *   - wasm (page_wasm.c): every address below the memory size, which never shrinks;
 *   - POSIX (page_reserve.c, the source of the native gomem_malloc): inside a reservation, which
 *     is never unmapped; the table is published entry first, count after, so a reader needs no
 *     lock.
 * Lock-free; O(1) in wasm, O(reservations) natively (one, unless a heap passes 4 GiB). Only the
 * builds of gomem_malloc include this header: its free must inspect the header in front of a
 * pointer it may not own.
 */
#ifndef GOMEM_PAGE_READABLE_H
#define GOMEM_PAGE_READABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__wasm__)
static inline bool gomem_page_readable(const void *address, size_t size) {
    /* Address 0 is kept out so that pointers computed from NULL never pass. */
    uint64_t start = (uint64_t)(uintptr_t)address;
    return start != 0 && start + size <= (uint64_t)__builtin_wasm_memory_size(0) * 65536u;
}
#else
#include <stdatomic.h>

typedef struct gomem_reservation {
    uintptr_t base, end;
} gomem_reservation;

/* Defined by page_reserve.c: the reservations made so far, and how many there are. */
extern gomem_reservation gomem_reservations[];
extern _Atomic unsigned gomem_reservation_count;

static inline bool gomem_page_readable(const void *address, size_t size) {
    uintptr_t start = (uintptr_t)address;
    unsigned count = atomic_load_explicit(&gomem_reservation_count, memory_order_acquire);
    for (unsigned i = 0; i < count; i++)
        if (start >= gomem_reservations[i].base && start < gomem_reservations[i].end &&
            size <= gomem_reservations[i].end - start)
            return true;
    return false;
}
#endif

#endif /* GOMEM_PAGE_READABLE_H */
