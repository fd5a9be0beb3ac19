/*
 * grow_policy.c - how much the library grows wasm memory by when its page source (page_wasm.c)
 * has no room: the policy the platform layer asks for (platform.h, gomem_grow_step). gomem_malloc
 * builds choose differently (src/malloc/grow_policy.c); CMake compiles one of the two.
 *
 * Why large steps: in V8 a memory.grow may cost a garbage collection and always detaches the JS
 * ArrayBuffer, so every view JS holds goes stale; growing page by page to 256 MiB was measured at
 * about 4 s, in 16 MiB steps at about 27 ms. So a grow takes max(what is missing, half the current
 * memory clamped to 1..16 MiB). The 16 MiB cap bounds what memory holds beyond what it needs
 * (growing to 1 GiB still takes only about 70 grows).
 */
#include "../platform/platform.h"

#define MIB ((size_t)1 << 20)
/* Smallest step: small programs still grow a handful of times at most. */
#define MIN_STEP (1 * MIB)
/* Largest geometric step; a larger request still grows at once. */
#define MAX_STEP (16 * MIB)

size_t gomem_grow_step(size_t memory_bytes, size_t missing) {
    size_t step = memory_bytes / 2;
    if (step < MIN_STEP) step = MIN_STEP;
    if (step > MAX_STEP) step = MAX_STEP;
    return step > missing ? step : missing;
}
