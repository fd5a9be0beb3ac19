/*
 * grow_policy.c - how much gomem_malloc grows wasm memory by when its page source (page_wasm.c)
 * has no room: exactly what is missing (platform.h, gomem_grow_step), as the C libraries'
 * sbrk-based mallocs do. As a program's malloc, memory then holds what the heap uses, not up to a
 * step more (under Emscripten with wasm threads, emscripten_resize_heap adds its own geometric
 * slack). The library's own builds step geometrically instead (src/grow_policy.c).
 */
#include "../../platform/platform.h"

size_t gomem_grow_step(size_t memory_bytes, size_t missing) {
    (void)memory_bytes;
    return missing;
}
