/*
 * page_windows.c - page source for Windows: VirtualAlloc reserves and commits in one call; the
 * system backs committed pages lazily on first touch. Compiles with MSVC and MinGW; it is not run
 * by this project's CI (see docs/build.md, "Page sources").
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "platform.h"

static const gomem_page_info page_info = {
    .name = "windows",
    .page_size = 4096,
    .returns_to_os = true,
    .lazy_commit = true,
    .huge_pages = false,
};

const gomem_page_info *gomem_page_source(void) { return &page_info; }

void *gomem_platform_map(size_t size) {
    return VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

bool gomem_platform_extend(void *region, size_t size, size_t new_size) {
    (void)region; /* each region is a reservation of its own, released whole */
    (void)size;
    (void)new_size;
    return false;
}

void gomem_platform_unmap(void *region, size_t size) {
    (void)size; /* MEM_RELEASE requires size 0 and frees the whole reservation */
    (void)VirtualFree(region, 0, MEM_RELEASE);
}

void gomem_platform_yield(void) { (void)SwitchToThread(); }
