/*
 * region_list.h - the free list of the page sources that keep every region they ever obtained
 * (page_wasm.c: wasm memory never shrinks; page_reserve.c: reservations are never unmapped).
 *
 * Invariants:
 *   - regions are sorted by address, never overlap and never touch (adjacent ones are merged the
 *     moment the second is inserted), so a run of frees rebuilds the large regions it came from;
 *   - every region's address and size are multiples of the source's grain (4 KiB), so a region
 *     handed out is aligned to at least GOMEM_MAX_ALIGNMENT;
 *   - the bookkeeping lives in-band, in the first bytes of each free region (they are free
 *     memory), so the list needs no C library and no static table that could run out.
 * The caller serialises every call (its own lock). Header-only: each page source compiles its
 * own copy, and exactly one page source is in a build.
 */
#ifndef GOMEM_REGION_LIST_H
#define GOMEM_REGION_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Header stored in the first bytes of each free region. */
typedef struct gomem_free_region {
    size_t size;                   /* bytes, a multiple of the grain */
    struct gomem_free_region *next; /* the next free region at a higher address, or NULL */
} gomem_free_region;

/* End address as a 64-bit number: in wasm32 a region may end exactly at 4 GiB, which a 32-bit
 * uintptr_t would wrap to 0. */
static inline uint64_t gomem_region_end(const gomem_free_region *region) {
    return (uint64_t)(uintptr_t)region + region->size;
}

/* Put [address, address + size) on the list at *head, merging it with the regions just below and
 * just above when they touch it. O(free regions). */
static inline void gomem_region_insert(gomem_free_region **head, uintptr_t address, size_t size) {
    gomem_free_region **link = head;
    gomem_free_region *below = NULL;
    while (*link != NULL && (uintptr_t)*link < address) {
        below = *link;
        link = &below->next;
    }
    gomem_free_region *above = *link;
    /* Sizes cannot overflow when merging: the regions of a list lie in one address space that
     * does not start at address 0. */
    if (above != NULL && (uint64_t)address + size == (uint64_t)(uintptr_t)above) {
        size += above->size;
        above = above->next;
    }
    if (below != NULL && gomem_region_end(below) == (uint64_t)address) {
        below->size += size;
        below->next = above;
        return;
    }
    gomem_free_region *region = (gomem_free_region *)address;
    region->size = size;
    region->next = above;
    *link = region;
}

/* Take `size` bytes from the front of the lowest free region that holds them (first fit), or
 * NULL. Carving from the front keeps the unused rest of the top region adjacent to whatever the
 * source adds above it next, so growth extends it instead of leaving a hole. O(free regions). */
static inline void *gomem_region_take(gomem_free_region **head, size_t size) {
    for (gomem_free_region **link = head; *link != NULL; link = &(*link)->next) {
        gomem_free_region *region = *link;
        if (region->size < size) continue;
        if (region->size == size) {
            *link = region->next;
        } else {
            gomem_free_region *rest = (gomem_free_region *)((uintptr_t)region + size);
            rest->size = region->size - size;
            rest->next = region->next;
            *link = rest;
        }
        return region;
    }
    return NULL;
}

/* Take [address, address + size) if it lies wholly inside one free region, leaving that region's
 * bytes below and above it on the list; false (the list unchanged) otherwise. What lets a region
 * handed out grow in place into the free bytes right after it. O(free regions). */
static inline bool gomem_region_take_at(gomem_free_region **head, uintptr_t address, size_t size) {
    gomem_free_region **link = head;
    while (*link != NULL && gomem_region_end(*link) <= (uint64_t)address) link = &(*link)->next;
    gomem_free_region *region = *link;
    if (region == NULL || (uintptr_t)region > address ||
        gomem_region_end(region) < (uint64_t)address + size)
        return false;
    uint64_t end = (uint64_t)address + size;
    if (gomem_region_end(region) > end) { /* the bytes above stay free */
        gomem_free_region *above = (gomem_free_region *)(uintptr_t)end;
        above->size = (size_t)(gomem_region_end(region) - end);
        above->next = region->next;
        region->next = above;
    }
    if ((uintptr_t)region == address) {
        *link = region->next;
    } else { /* the bytes below stay free */
        region->size = address - (uintptr_t)region;
    }
    return true;
}

/* The region with the highest address, or NULL for an empty list. O(free regions). */
static inline gomem_free_region *gomem_region_last(gomem_free_region *head) {
    while (head != NULL && head->next != NULL) head = head->next;
    return head;
}

#endif /* GOMEM_REGION_LIST_H */
