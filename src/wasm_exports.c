/*
 * wasm_exports.c - the entry points the JS wrapper needs beyond the public API (only in the wasm
 * module build, GOMEM_WASM_MODULE). The public API itself is exported as it is: every function
 * takes and returns pointers and 32-bit sizes, so JS calls it directly. What is added here:
 *   - constructors for the objects whose storage must live in wasm memory and whose init takes a
 *     C function pointer JS cannot name: a buffer list whose array comes from an allocator, a
 *     reader, a recyclable memory;
 *   - a scratch area for out-parameters, so a read from JS allocates nothing;
 *   - reserving memory up front (init's initialMemory);
 *   - a picture of an allocator's arenas and free blocks (Allocator.describeMemory);
 *   - the layout of the structs JS reads or writes directly (sizes, field offsets) and the limits
 *     it checks arguments against, which the wrapper takes from here instead of hard-coding them.
 */
#include <stdalign.h>

#include "index.h"
#include "internal.h"

#define WASM_EXPORT __attribute__((visibility("default")))

#if GOMEM_WASM_SHARED
/* In the shared-memory module every worker's instance runs the same code over one memory, so
 * what belongs to one instance lives in its thread-local block (set up by
 * gomem_wasm_instance_enter); everything else, the heap included, is shared and locked. */
#define INSTANCE_LOCAL _Thread_local
#else
#define INSTANCE_LOCAL
#endif

/* Out-parameters of one call at a time: JS is single-threaded per module instance. */
static INSTANCE_LOCAL alignas(8) uint8_t scratch[64];

WASM_EXPORT uint8_t *gomem_wasm_scratch(void) { return scratch; }

WASM_EXPORT gomem_memory *gomem_wasm_memory_new(gomem_allocator *allocator) {
    gomem_memory *memory = gomem_alloc(allocator, sizeof *memory);
    if (memory != NULL) gomem_memory_init(memory, gomem_allocator_resize, allocator);
    return memory;
}

WASM_EXPORT void gomem_wasm_memory_delete(gomem_allocator *allocator, gomem_memory *memory) {
    gomem_memory_destroy(memory);
    (void)gomem_free(allocator, memory, sizeof *memory);
}

WASM_EXPORT gomem_reader *gomem_wasm_reader_new(gomem_allocator *allocator, gomem_memory *memory) {
    gomem_reader *reader = gomem_alloc(allocator, sizeof *reader);
    if (reader != NULL) gomem_memory_new_reader(memory, reader);
    return reader;
}

WASM_EXPORT void gomem_wasm_reader_delete(gomem_allocator *allocator, gomem_reader *reader) {
    (void)gomem_free(allocator, reader, sizeof *reader);
}

WASM_EXPORT gomem_recyclable *gomem_wasm_recyclable_new(gomem_allocator *allocator) {
    gomem_recyclable *rm = gomem_alloc(allocator, sizeof *rm);
    if (rm != NULL) gomem_recyclable_init(rm, allocator, gomem_allocator_resize, allocator);
    return rm;
}

WASM_EXPORT void gomem_wasm_recyclable_delete(gomem_allocator *allocator, gomem_recyclable *rm) {
    gomem_recyclable_destroy(rm);
    (void)gomem_free(allocator, rm, sizeof *rm);
}

/* Grow memory now so that `bytes` more can be had without growing later (init's initialMemory):
 * pages taken through the page budget (so a page limit below `bytes` refuses) and given straight
 * back, which leaves them on the page source's free list. false when memory cannot grow that far
 * or the page limit is lower. */
WASM_EXPORT bool gomem_wasm_reserve(size_t bytes) {
    size_t rounded = gomem_page_round(bytes);
    if (rounded == 0) return bytes == 0;
    void *region = gomem_pages_alloc(rounded);
    if (region == NULL) return false;
    gomem_pages_free(region, rounded);
    return true;
}

/* Allocator.describeMemory (js/describe.mjs): a picture of an allocator's memory, written to
 * out[0, capacity). Per arena, in the order they were added: its gomem_arena_info as it is
 * (whose layout JS takes from gomem_wasm_layout), then its free blocks in address order as pairs
 * of 32-bit offsets into
 * the arena (start, end), as many as it takes for their sizes to add up to free_bytes (blocks
 * are never empty). Returns the bytes the whole picture takes; when that is more than capacity
 * only the records that fit whole are written (out may be NULL when capacity is 0) and the
 * caller asks again with that much room; out must not lie in this allocator's arenas. Never
 * fails; allocates nothing, changes nothing. O(arenas + free blocks). Holds the allocator's lock
 * for the walk (one consistent picture); not reentrant (the module has one JS thread). */
static INSTANCE_LOCAL struct {
    uint8_t *out;
    size_t capacity, used;
} describe_sink;

static void describe_put(const void *data, size_t bytes) {
    if (describe_sink.used + bytes <= describe_sink.capacity)
        memcpy(describe_sink.out + describe_sink.used, data, bytes);
    describe_sink.used += bytes;
}

#if !GOMEM_INDEX_TLSF
static bool describe_block(void *context, gomem_block block) {
    (void)context;
    describe_put(&block, sizeof block);
    return true;
}
#endif

static bool describe_arena(void *context, const gomem_arena_info *arena) {
    (void)context;
    describe_put(arena, sizeof *arena);
#if GOMEM_INDEX_TLSF
    /* gomem_index_walk without a call per block (40 bytes less): a node starts with its block. */
    const gomem_index *index = arena->index;
    const gomem_node *nodes = index->pool->nodes;
    for (uint32_t n = nodes[index->anchor].next; n != index->anchor; n = nodes[n].next)
        describe_put(&nodes[n], 2 * sizeof(uint32_t));
#else
    gomem_index_walk(arena->index, describe_block, NULL);
#endif
    return true;
}

WASM_EXPORT size_t gomem_wasm_describe(const gomem_allocator *allocator, uint8_t *out,
                                       size_t capacity) {
    describe_sink.out = out;
    describe_sink.capacity = capacity;
    describe_sink.used = 0;
    gomem_allocator_arenas(allocator, describe_arena, NULL);
    return describe_sink.used;
}

/* What JS needs to know of the structs and limits it works with, so it keeps no copy of them:
 *   - a count byte, then the size of every struct JS reads or writes in wasm memory and the
 *     offset of every field it uses, one byte each (every one is below 256: a larger one fails to
 *     compile under -Werror). js/index.mjs (LAYOUT) names them in this order;
 *   - then, from the first 4-aligned byte after them, the limits JS checks arguments against and
 *     names in its messages, as 32-bit numbers (LIMITS in js/index.mjs names them in this order),
 *     and the address of the shared memory's page count (0 unless GOMEM_WASM_SHARED).
 * The values that decide are the C library's own checks (gomem_allocator_create_ex's status,
 * gomem_alloc's NULL); JS reads these to choose an error's kind and to word its message. */
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
    sizeof(gomem_arena_info), offsetof(gomem_arena_info, base), offsetof(gomem_arena_info, size),  \
    offsetof(gomem_arena_info, free_bytes), offsetof(gomem_arena_info, dedicated),                 \
    sizeof(gomem_page_info), offsetof(gomem_page_info, page_size), sizeof scratch

#if GOMEM_WASM_SHARED
extern uint32_t gomem_wasm_memory_pages; /* platform/page_wasm.c */
#define MEMORY_PAGES_AT ((uint32_t)(uintptr_t)&gomem_wasm_memory_pages)
#else
#define MEMORY_PAGES_AT 0u /* memory is not shared: a growth detaches JS's buffer */
#endif

static const struct {
    uint8_t count, entries[sizeof((uint8_t[]){LAYOUT_ENTRIES})];
    uint32_t limits[5];
} layout = {
    sizeof layout.entries,
    {LAYOUT_ENTRIES},
    {GOMEM_ARENA_LIMIT, GOMEM_DEFAULT_MAX_BLOCK, GOMEM_DEFAULT_ALIGNMENT, GOMEM_MAX_ALIGNMENT,
     MEMORY_PAGES_AT},
};

WASM_EXPORT const void *gomem_wasm_layout(void) { return &layout; }

#if GOMEM_WASM_SHARED
/* A stack and a thread-local block for each instance of the shared-memory module (docs/workers.md).
 * All instances start on the same stack, the one the linker placed, and with no thread-local
 * block: before an instance runs anything else, JS enters it into a region of its own that an
 * instance already entered made for it. */
#define INSTANCE_STACK ((size_t)64 << 10)

__asm__(".globaltype __stack_pointer, i32");
void __wasm_init_tls(void *block); /* wasm-ld's: copies the thread-locals' initial values */

static size_t instance_bytes(void) {
    return gomem_page_round(INSTANCE_STACK + __builtin_wasm_tls_size());
}

/* A region for one more instance (its stack, then its thread-local block), from the page budget;
 * NULL when memory cannot grow. Call it from an instance already entered. O(1) plus a page
 * allocation; thread-safe. */
WASM_EXPORT uint8_t *gomem_wasm_instance_new(void) { return gomem_pages_alloc(instance_bytes()); }

/* Make `region` (from gomem_wasm_instance_new) this instance's stack and thread-local block. The
 * first call of a new instance, once: neither this nor __wasm_init_tls touches the stack, so it
 * is safe while another instance runs on the linker's stack. */
WASM_EXPORT void gomem_wasm_instance_enter(uint8_t *region) {
    uint8_t *tls = region + INSTANCE_STACK; /* the stack grows down from here */
    __asm__ volatile("local.get %0\n\tglobal.set __stack_pointer" : : "r"(tls));
    __wasm_init_tls(tls);
}

/* Give back an instance's region once nothing runs on it any more (its worker has ended). */
WASM_EXPORT void gomem_wasm_instance_delete(uint8_t *region) {
    gomem_pages_free(region, instance_bytes());
}
#endif
