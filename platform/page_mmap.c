/*
 * page_mmap.c - page source for POSIX systems (Linux, macOS, BSD): anonymous private mappings.
 * Mappings are lazy, so a 16 MiB arena costs address space only until its pages are touched.
 * On Linux every mapping of at least one huge page is advised MADV_HUGEPAGE, so the kernel may
 * back it with transparent huge pages (2 MiB on x86_64) and save TLB misses; when THP is off or
 * absent madvise fails and the mapping simply keeps small pages.
 */
#define _GNU_SOURCE 1 /* MAP_ANONYMOUS, madvise and mremap under -std=c11 */
#include <sched.h>
#include <sys/mman.h>

#include "platform.h"

#if defined(MADV_HUGEPAGE)
#define HUGE_PAGE_ADVICE 1
#define HUGE_PAGE_SIZE ((size_t)2 << 20)
#else
#define HUGE_PAGE_ADVICE 0
#endif

static const gomem_page_info page_info = {
    .name = "mmap",
    .page_size = 4096,
    .returns_to_os = true,
    .lazy_commit = true,
    .huge_pages = HUGE_PAGE_ADVICE,
};

const gomem_page_info *gomem_page_source(void) { return &page_info; }

void *gomem_platform_map(size_t size) {
    void *region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) return NULL;
#if HUGE_PAGE_ADVICE
    /* Advice only: failure (THP disabled, old kernel) leaves ordinary pages, which is fine. */
    if (size >= HUGE_PAGE_SIZE) (void)madvise(region, size, MADV_HUGEPAGE);
#endif
    return region;
}

bool gomem_platform_extend(void *region, size_t size, size_t new_size) {
#if defined(__linux__)
    /* Without MREMAP_MAYMOVE the mapping grows where it is or not at all. */
    return mremap(region, size, new_size, 0) == region;
#else
    (void)region;
    (void)size;
    (void)new_size;
    return false;
#endif
}

void gomem_platform_unmap(void *region, size_t size) {
    /* munmap only fails for arguments gomem never passes; nothing useful could be done then. */
    (void)munmap(region, size);
}

void gomem_platform_yield(void) { (void)sched_yield(); }
