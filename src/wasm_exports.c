/*
 * wasm_exports.c - the entry points the JS wrapper needs beyond the public API (only in the wasm
 * module build, GOMEM_WASM_MODULE). The public API itself is exported as it is: every function
 * takes and returns pointers and 32-bit sizes, so JS calls it directly. What is added here:
 *   - constructors for the objects whose storage must live in wasm memory and whose init takes a
 *     C function pointer JS cannot name: a buffer list whose array comes from an allocator, a
 *     reader, a recyclable memory;
 *   - a scratch area for out-parameters, so a read from JS allocates nothing;
 *   - reserving memory up front (init's initialMemory);
 *   - the layout of the structs JS reads or writes directly (sizes, field offsets), which the
 *     wrapper takes from here instead of hard-coding it.
 */
#include <stdalign.h>

#include "internal.h"

#define WASM_EXPORT __attribute__((visibility("default")))

/* Out-parameters of one call at a time: JS is single-threaded per module instance. */
static alignas(8) uint8_t scratch[64];

WASM_EXPORT uint8_t *gomem_wasm_scratch(void) { return scratch; }

WASM_EXPORT gomem_memory *gomem_wasm_memory_new(gomem_allocator *allocator) {
    gomem_memory *memory = gomem_malloc(allocator, sizeof *memory);
    if (memory != NULL) gomem_memory_init(memory, gomem_allocator_resize, allocator);
    return memory;
}

WASM_EXPORT void gomem_wasm_memory_delete(gomem_allocator *allocator, gomem_memory *memory) {
    gomem_memory_destroy(memory);
    (void)gomem_free(allocator, memory, sizeof *memory);
}

WASM_EXPORT gomem_reader *gomem_wasm_reader_new(gomem_allocator *allocator, gomem_memory *memory) {
    gomem_reader *reader = gomem_malloc(allocator, sizeof *reader);
    if (reader != NULL) gomem_memory_new_reader(memory, reader);
    return reader;
}

WASM_EXPORT void gomem_wasm_reader_delete(gomem_allocator *allocator, gomem_reader *reader) {
    (void)gomem_free(allocator, reader, sizeof *reader);
}

WASM_EXPORT gomem_recyclable *gomem_wasm_recyclable_new(gomem_allocator *allocator) {
    gomem_recyclable *rm = gomem_malloc(allocator, sizeof *rm);
    if (rm != NULL) gomem_recyclable_init(rm, allocator, gomem_allocator_resize, allocator);
    return rm;
}

WASM_EXPORT void gomem_wasm_recyclable_delete(gomem_allocator *allocator, gomem_recyclable *rm) {
    gomem_recyclable_destroy(rm);
    (void)gomem_free(allocator, rm, sizeof *rm);
}

/* Grow memory now so that `bytes` more can be had without growing later (init's initialMemory):
 * the region is taken from the page source and given straight back onto its free list. false
 * when memory cannot grow that far. */
WASM_EXPORT bool gomem_wasm_reserve(size_t bytes) {
    size_t rounded = gomem_page_round(bytes);
    if (rounded == 0) return bytes == 0;
    void *region = gomem_page_alloc(rounded);
    if (region == NULL) return false;
    gomem_page_free(region, rounded);
    return true;
}

/* The size of every struct JS reads or writes in wasm memory and the offset of every field it
 * uses, one byte each (every one is below 256: a larger one fails to compile under -Werror),
 * after a first byte that counts them. js/index.mjs (LAYOUT) names them in this order and takes
 * each number it uses from here; it keeps no copy of them. */
#define LAYOUT_ENTRIES                                                                             \
    sizeof(gomem_buf), offsetof(gomem_buf, data), offsetof(gomem_buf, len),                        \
    sizeof(gomem_memory), offsetof(gomem_memory, buffers), offsetof(gomem_memory, count),          \
    offsetof(gomem_memory, size),                                                                  \
    sizeof(gomem_reader), offsetof(gomem_reader, buf_index), offsetof(gomem_reader, buf_offset),   \
    offsetof(gomem_reader, length), offsetof(gomem_reader, position),                              \
    sizeof(gomem_recyclable), offsetof(gomem_recyclable, memory),                                  \
    sizeof(gomem_stats), offsetof(gomem_stats, total_malloc), offsetof(gomem_stats, total_free),   \
    offsetof(gomem_stats, live), offsetof(gomem_stats, footprint),                                 \
    offsetof(gomem_stats, peak_footprint), offsetof(gomem_stats, arena_count),                     \
    offsetof(gomem_stats, metadata), offsetof(gomem_stats, peak_live),                             \
    sizeof(gomem_allocator_options), offsetof(gomem_allocator_options, initial_size),              \
    offsetof(gomem_allocator_options, max_block_size),                                             \
    offsetof(gomem_allocator_options, alignment), offsetof(gomem_allocator_options, buddy),        \
    offsetof(gomem_allocator_options, compact),                                                    \
    sizeof(gomem_page_info), offsetof(gomem_page_info, page_size), sizeof scratch

WASM_EXPORT const uint8_t *gomem_wasm_layout(void) {
    static const uint8_t layout[] = {sizeof((uint8_t[]){LAYOUT_ENTRIES}), LAYOUT_ENTRIES};
    return layout;
}
