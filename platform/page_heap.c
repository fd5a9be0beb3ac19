/*
 * page_heap.c - fallback page source: regions from the C library's aligned_alloc. Use it where no
 * page-mapping call exists (or with GOMEM_MMAP=OFF, to compare against mmap). Whether regions are
 * lazy depends on the C library (glibc maps large blocks lazily; others may not), so the source
 * does not claim it.
 */
#include <stdlib.h>

#include "platform.h"

#define HEAP_PAGE_SIZE ((size_t)4096)

static const gomem_page_info page_info = {
    .name = "heap",
    .page_size = HEAP_PAGE_SIZE,
    .returns_to_os = true,
    .lazy_commit = false,
    .huge_pages = false,
};

const gomem_page_info *gomem_page_source(void) { return &page_info; }

void *gomem_platform_map(size_t size) { return aligned_alloc(HEAP_PAGE_SIZE, size); }

bool gomem_platform_extend(void *region, size_t size, size_t new_size) {
    (void)region; /* aligned_alloc's blocks cannot grow in place */
    (void)size;
    (void)new_size;
    return false;
}

void gomem_platform_unmap(void *region, size_t size) {
    (void)size;
    free(region);
}

void gomem_platform_yield(void) {}
