/*
 * gomem.h - the whole public C API of gomem-wasm.
 *
 * gomem is a C11 port of GoMem (the Monibuca media server's allocator library) for WebAssembly
 * linear memory first and native processes second. Every public name starts with `gomem_` (types,
 * functions) or `GOMEM_` (macros, enum constants). "GoMem's X" in a contract names the Go function
 * or type of github.com/langhuihui/gomem that it ports; why the library is built the way it is
 * (layers, decisions D1..D17) is in docs/design.md.
 *
 * Layers, bottom to top:
 *   gomem_index      free-block index over an offset range [0, size); owns no memory, only nodes.
 *   gomem_arena      one region of pages plus its index; hands out real pointers.
 *   gomem_allocator  the scalable allocator: a growing list of arenas, frees by address range.
 *   gomem_buddy      optional power-of-two pool that arenas are carved from (GOMEM_BUDDY).
 *   gomem_recyclable records allocations and frees them all in one call.
 *   gomem_memory     a list of (pointer, length) buffers with a total size.
 *   gomem_reader     a cursor that parses across the buffers of a gomem_memory without joining them.
 *
 * Conventions that hold for every function below:
 *   - Frees take (pointer, length): any sub-range of a live allocation may be freed on its own,
 *     down to one byte ("segmented free"), because no header lives inside the managed memory.
 *   - Allocation returns NULL on failure; every other failing call returns a gomem_status other than
 *     GOMEM_OK and leaves the object exactly as it was. The library never prints and never aborts.
 *   - A NULL object pointer passed where an object is required is undefined unless stated otherwise.
 *   - Objects are not thread-safe unless the contract says so. With GOMEM_THREADS the scalable
 *     allocator and the buddy pool take a lock (C11 atomics) around every call.
 *   - Arenas are limited to GOMEM_ARENA_LIMIT bytes (offsets are 32-bit, as in wasm32).
 */
#ifndef GOMEM_H
#define GOMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; everything declared here is its exported API. */
#if defined(GOMEM_BUILDING) && (defined(__GNUC__) || defined(__clang__))
#pragma GCC visibility push(default)
#endif

#define GOMEM_VERSION_MAJOR 0
#define GOMEM_VERSION_MINOR 1
#define GOMEM_VERSION_PATCH 0

/* Largest arena (and so largest single allocation) in bytes: offsets inside an arena are 32-bit. */
#define GOMEM_ARENA_LIMIT ((size_t)0xFFFFF000u)
/* Default alignment of allocations (docs/design.md, D7): the first 8-aligned byte of a fit. */
#define GOMEM_DEFAULT_ALIGNMENT 8u
/* Largest alignment an allocation may ask for. Every page source hands out regions aligned to at
 * least this, so an aligned offset inside an arena is an aligned address. */
#define GOMEM_MAX_ALIGNMENT 4096u
/* Default largest arena the scalable allocator grows to; larger requests get a region of their own. */
#define GOMEM_DEFAULT_MAX_BLOCK ((size_t)4u << 20)

/* ------------------------------------------------------------------------------------------------ */
/* Status codes. The numbers are stable: they cross the wasm boundary and may be stored.            */
/* ------------------------------------------------------------------------------------------------ */

typedef enum gomem_status {
    GOMEM_OK = 0,
    GOMEM_ERR_NOMEM = 1,             /* no memory for the request or for the index's own nodes */
    GOMEM_ERR_INVALID_ARGUMENT = 2,  /* a NULL where a pointer is required, a bad option value */
    GOMEM_ERR_INVALID_SIZE = 3,      /* size 0 where bytes are required, or a size over a limit */
    GOMEM_ERR_FOREIGN_POINTER = 4,   /* the pointer lies in no arena of this object */
    GOMEM_ERR_OUT_OF_RANGE = 5,      /* the range starts inside an arena but runs past its end */
    GOMEM_ERR_DOUBLE_FREE = 6,       /* part of the range is already free */
    GOMEM_ERR_END_OF_DATA = 7,       /* a reader was asked for more bytes than remain */
    GOMEM_ERR_OVERFLOW = 8,          /* an encoded number does not fit its type (LEB128 too long) */
    GOMEM_ERR_STRADDLE = 9,          /* a zero-copy view was asked for bytes that span two buffers */
    GOMEM_ERR_UNSUPPORTED = 10,      /* the operation is compiled out of this build */
    GOMEM_ERR_SPANS_ALLOCATIONS = 11 /* a free covers parts of two allocations (GOMEM_HARDENED) */
} gomem_status;

/* The constant's name without its prefix ("OK", "NOMEM", ...), or "UNKNOWN" for a number that is
 * not a status. Never NULL; the string is static. O(1), thread-safe. */
const char *gomem_status_name(gomem_status status);

/* One sentence describing the status for error messages. Never NULL; static. O(1), thread-safe. */
const char *gomem_status_message(gomem_status status);

/* The build options this library was compiled with, as a bit set of GOMEM_FEATURE_* values, so a
 * program (or the JS wrapper) can check at run time what it links against. O(1), thread-safe. */
/* The two-AVL-tree index (GOMEM_INDEX=avl, or GOMEM_TWOTREE=ON). */
#define GOMEM_FEATURE_TWOTREE 1u
#define GOMEM_FEATURE_BUDDY 2u
#define GOMEM_FEATURE_DISABLE_RM 4u
#define GOMEM_FEATURE_THREADS 8u
#define GOMEM_FEATURE_DEBUG 16u
#define GOMEM_FEATURE_MMAP 32u
#define GOMEM_FEATURE_HARDENED 64u
/* The default index (GOMEM_INDEX=tlsf). Neither this nor TWOTREE: the treap (GOMEM_INDEX=treap). */
#define GOMEM_FEATURE_TLSF 128u
unsigned gomem_features(void);

/* ------------------------------------------------------------------------------------------------ */
/* Page source: where arenas come from (platform/). Reported as data so callers can adapt.           */
/* ------------------------------------------------------------------------------------------------ */

typedef struct gomem_page_info {
    const char *name;     /* "mmap", "windows", "heap", "wasm", "emscripten" */
    size_t page_size;     /* granularity of regions handed out */
    bool returns_to_os;   /* released regions go back to the OS (false: kept for reuse) */
    bool lazy_commit;     /* a fresh region costs no physical memory until touched */
    bool huge_pages;      /* the source asks for transparent huge pages */
} gomem_page_info;

/* What the page source compiled into this build does. Never NULL; static. O(1), thread-safe. */
const gomem_page_info *gomem_page_source(void);

/* Cap the bytes the whole library may hold from the page source at once (arenas, dedicated
 * regions, buddy pools and metadata together); 0 removes the cap. Requests that would pass it
 * fail as out-of-memory; what is held already is kept. Process-wide. O(1), thread-safe. */
void gomem_set_page_limit(size_t bytes);

/* The cap set by gomem_set_page_limit (0: none). O(1), thread-safe. */
size_t gomem_page_limit(void);

/* Bytes the library holds from the page source right now, process-wide. O(1), thread-safe. */
size_t gomem_page_bytes_held(void);

/* ------------------------------------------------------------------------------------------------ */
/* Free-block index: offsets only. GoMem's Allocator.                                               */
/* ------------------------------------------------------------------------------------------------ */

typedef struct gomem_index gomem_index;

/* One free block, as reported by gomem_index_walk: bytes [start, end) are free. */
typedef struct gomem_block {
    size_t start;
    size_t end;
} gomem_block;

/* Visitor for walks; return false to stop the walk early. */
typedef bool (*gomem_block_visitor)(void *context, gomem_block block);

/* Create an index over [0, size) with every byte free. Node memory comes from the page source;
 * the default index also takes a metadata block of about size / 64 bytes (size classes, edge
 * bitmap and a first-block entry per 256 bytes; natively untouched pages stay uncommitted).
 * Fails (NULL) when size is 0 or above GOMEM_ARENA_LIMIT, or on out-of-memory. O(1) plus zeroing
 * about size / 1024 bytes of that block. */
gomem_index *gomem_index_create(size_t size);

/* Release the index and its nodes. NULL is a no-op. O(nodes). */
void gomem_index_destroy(gomem_index *index);

/* Take `size` bytes starting at the first `alignment`-aligned offset of a free block. Which block:
 *   GOMEM_INDEX=tlsf (default), good fit over size classes (each 1/32 of a power of two wide,
 *     exact below 64 bytes): the first block of the request's own class if it holds them (the
 *     most recently freed first), else the block last resized or made by a free (the "hint") if
 *     it is of that class, else the top block (the one that ends where the index ends), else the
 *     hint or the first block of the lowest class whose every block holds them, whichever class
 *     is lower, else a class whose blocks hold them wherever they start, else any block that
 *     holds them. In the arenas of a compact allocator (gomem_allocator_options.compact) the top
 *     block comes after every class instead. Not address order: do not rely on placement.
 *   GOMEM_INDEX=treap, address-ordered first fit: the lowest block of at least `size` bytes if it
 *     holds them once aligned, else the lowest block of at least size + alignment - 1 bytes,
 *     else the lowest block that holds them at all.
 *   GOMEM_INDEX=avl (GOMEM_TWOTREE): best fit, the smallest block that holds them, lowest address
 *     on ties.
 * Allocations are carved from the front of the chosen block; bytes skipped for alignment stay
 * free. alignment must be a power of two (1 for none) up to GOMEM_MAX_ALIGNMENT.
 * Returns GOMEM_OK and the offset, or GOMEM_ERR_INVALID_SIZE (size 0 or > index size),
 * GOMEM_ERR_INVALID_ARGUMENT (alignment), GOMEM_ERR_NOMEM (no block fits, or a node for the
 * alignment gap could not be had); on failure *offset is untouched and nothing changes.
 * tlsf: O(1), except when only blocks too short for some alignments are left, then linear in the
 * blocks of the classes between `size` and size + alignment - 1; treap and avl: expected
 * O(log n) in the number of free blocks. */
gomem_status gomem_index_alloc(gomem_index *index, size_t size, size_t alignment, size_t *offset);

/* Give back [offset, offset + size), merging with free neighbours on both sides. Any sub-range of
 * an allocation may be given back on its own. Errors, each leaving the index unchanged:
 * GOMEM_ERR_INVALID_SIZE (size 0), GOMEM_ERR_OUT_OF_RANGE (past the end of the index),
 * GOMEM_ERR_DOUBLE_FREE (some byte of the range is already free), GOMEM_ERR_NOMEM (the range
 * touches no free block and no node could be had for it), and with GOMEM_HARDENED
 * GOMEM_ERR_SPANS_ALLOCATIONS (the range covers parts of two allocations; other builds free it).
 * tlsf: O(1) expected (a bitmap search of at most 4 levels, plus one step per free block that
 * ends in the same 256-byte granule before `offset`); treap and avl: expected O(log n). Hardened
 * builds add O(size / 64). */
gomem_status gomem_index_free(gomem_index *index, size_t offset, size_t size);

/* The offset gomem_index_alloc would return for (size, alignment), without taking it (GoMem's
 * Find, used by Borrow). Same errors as gomem_index_alloc; changes nothing. Same complexity as
 * gomem_index_alloc. */
gomem_status gomem_index_find(const gomem_index *index, size_t size, size_t alignment,
                              size_t *offset);

/* Total free bytes. O(1). */
size_t gomem_index_free_size(const gomem_index *index);

/* Size of the largest free block. tlsf: linear in the blocks of the highest non-empty size
 * class (usually a few); treap: O(1) (cached); avl: O(log n). */
size_t gomem_index_largest_free(const gomem_index *index);

/* Number of free blocks. O(1). */
size_t gomem_index_block_count(const gomem_index *index);

/* The size the index was created or reset with. O(1). */
size_t gomem_index_size(const gomem_index *index);

/* Visit the free blocks in address order. The visitor must not modify the index. O(n). */
void gomem_index_walk(const gomem_index *index, gomem_block_visitor visit, void *context);

/* Forget every allocation: the whole range [0, size) becomes one free block; size may differ from
 * the old one. Fails with GOMEM_ERR_INVALID_SIZE (0 or over the limit), or GOMEM_ERR_NOMEM when
 * the index held no free block at all and no node can be had, or the new size needs metadata of
 * another shape (tlsf) or a new boundary map (GOMEM_HARDENED) and none can be had; it changes
 * nothing then. O(n) in the blocks released, plus (tlsf) zeroing about size / 1024 bytes. */
gomem_status gomem_index_reset(gomem_index *index, size_t size);

/* true when every structural invariant holds: order, no overlap, no two adjacent free blocks,
 * node accounting and sums, and each index's own: size-class lists, bitmaps and edge map (tlsf),
 * cached maxima and heap order (treap), balance (avl). For tests and GOMEM_DEBUG. tlsf: O(n +
 * size / 2048); treap: O(n); avl: O(n log n). */
bool gomem_index_invariants_hold(const gomem_index *index);

/* ------------------------------------------------------------------------------------------------ */
/* Arena: a page region plus its index. GoMem's MemoryAllocator.                                    */
/* ------------------------------------------------------------------------------------------------ */

typedef struct gomem_arena gomem_arena;

/* Create an arena of `size` bytes (rounded up to the page size) from the page source. The pages
 * are reserved lazily where the source can: creating a 16 MiB arena touches none of it.
 * NULL when size is 0 or above GOMEM_ARENA_LIMIT, or on out-of-memory. O(1). */
gomem_arena *gomem_arena_create(size_t size);

/* Release the arena and its pages; every pointer into it becomes invalid. NULL is a no-op. */
void gomem_arena_destroy(gomem_arena *arena);

/* Allocate `size` bytes aligned to GOMEM_DEFAULT_ALIGNMENT. NULL when size is 0 or nothing fits.
 * As gomem_index_alloc. */
void *gomem_arena_alloc(gomem_arena *arena, size_t size);

/* Free [ptr, ptr + size), any sub-range of an allocation. GOMEM_ERR_FOREIGN_POINTER when ptr is
 * outside the arena, otherwise as gomem_index_free (hardened builds also overwrite the freed bytes
 * with 0xDF). As gomem_index_free. */
gomem_status gomem_arena_free(gomem_arena *arena, void *ptr, size_t size);

/* The pointer gomem_arena_alloc would return, without taking it; NULL when nothing fits. */
void *gomem_arena_find(const gomem_arena *arena, size_t size);

/* First byte and size in bytes of the arena's region. O(1). */
void *gomem_arena_base(const gomem_arena *arena);
size_t gomem_arena_size(const gomem_arena *arena);

/* The arena's free-block index, for walks and statistics. Never NULL. O(1). */
const gomem_index *gomem_arena_index(const gomem_arena *arena);

/* ------------------------------------------------------------------------------------------------ */
/* Buddy pool (GOMEM_BUDDY): large power-of-two pools that arenas are carved from.                  */
/* ------------------------------------------------------------------------------------------------ */

typedef struct gomem_buddy gomem_buddy;

/* Create a pool set whose pools are `pool_size` bytes each (a power of two, at least 64 KiB and at
 * most GOMEM_ARENA_LIMIT). Pools are mapped lazily, one when the previous ones are full.
 * Returns NULL on a bad size or out-of-memory, and in builds without GOMEM_BUDDY. */
gomem_buddy *gomem_buddy_create(size_t pool_size);

/* Release every pool. Regions still handed out become invalid. NULL is a no-op. */
void gomem_buddy_destroy(gomem_buddy *buddy);

/* A region of at least `size` bytes (rounded up to a power of two, at least the page size),
 * aligned to its own size within its pool. NULL when size is 0, larger than a pool, or no pool
 * can be had. O(log pool_size / page). Thread-safe with GOMEM_THREADS. */
void *gomem_buddy_alloc(gomem_buddy *buddy, size_t size);

/* Give back a region from gomem_buddy_alloc, merging buddies. GOMEM_ERR_FOREIGN_POINTER when ptr
 * is not the start of a live region of this pool set. O(log pool_size / page). */
gomem_status gomem_buddy_free(gomem_buddy *buddy, void *ptr);

/* Bytes of all pools, and bytes handed out. O(pools). */
size_t gomem_buddy_pool_bytes(const gomem_buddy *buddy);
size_t gomem_buddy_used_bytes(const gomem_buddy *buddy);

/* true when every pool's tree agrees with itself. O(pool_size / page). */
bool gomem_buddy_invariants_hold(const gomem_buddy *buddy);

/* ------------------------------------------------------------------------------------------------ */
/* Scalable allocator: GoMem's ScalableMemoryAllocator.                                             */
/* ------------------------------------------------------------------------------------------------ */

typedef struct gomem_allocator gomem_allocator;

typedef struct gomem_allocator_options {
    size_t initial_size;   /* first arena's size; 0 for 16 KiB */
    size_t max_block_size; /* arenas grow by doubling up to this; 0 for GOMEM_DEFAULT_MAX_BLOCK */
    size_t alignment;      /* power of two up to GOMEM_MAX_ALIGNMENT; 0 for GOMEM_DEFAULT_ALIGNMENT */
    gomem_buddy *buddy;    /* pool to carve arenas from (GOMEM_BUDDY builds); NULL: the process-wide
                              default pool in GOMEM_BUDDY builds, the page source otherwise */
    bool compact;          /* least memory before speed: arenas tried oldest first, and in each
                              every hole before the top block (gomem_malloc's heap is compact;
                              see gomem_alloc and gomem_index_alloc); false: the arena that
                              served last first, the top block early (faster, more memory where
                              free space is fragmented) */
} gomem_allocator_options;

typedef struct gomem_stats {
    uint64_t total_malloc; /* bytes handed out since creation (or the last recycle) */
    uint64_t total_free;   /* bytes given back since then */
    size_t live;           /* total_malloc - total_free */
    size_t footprint;      /* bytes of all arenas and dedicated regions held now */
    size_t peak_footprint; /* largest footprint seen */
    size_t arena_count;    /* arenas plus dedicated regions */
    size_t metadata;       /* bytes of the allocator's own bookkeeping (nodes, tables) */
    size_t peak_live;      /* largest live seen (since creation or the last recycle): with
                              peak_footprint, how much the free space between blocks cost */
} gomem_stats;

/* One arena as reported by gomem_allocator_arenas. */
typedef struct gomem_arena_info {
    void *base;
    size_t size;
    size_t free_bytes;
    bool dedicated; /* a region of its own for one request above max_block_size */
    const gomem_index *index; /* its free blocks (gomem_index_walk); valid during the visit only */
} gomem_arena_info;

typedef bool (*gomem_arena_visitor)(void *context, const gomem_arena_info *arena);

/* Create a scalable allocator whose first arena is initial_size bytes (0 for the default), other
 * options at their defaults. NULL on out-of-memory or a size above GOMEM_ARENA_LIMIT. */
gomem_allocator *gomem_allocator_create(size_t initial_size);

/* Create with explicit options (NULL: all defaults). NULL when it cannot, and *status (when
 * status is not NULL) says why: GOMEM_ERR_INVALID_ARGUMENT for an alignment that is not a power of
 * two or is above GOMEM_MAX_ALIGNMENT, or a buddy pool in a build without GOMEM_BUDDY;
 * GOMEM_ERR_INVALID_SIZE for a max_block_size below the page size or above GOMEM_ARENA_LIMIT, or
 * an initial_size above GOMEM_ARENA_LIMIT; GOMEM_ERR_NOMEM when there is no memory for the
 * allocator's own struct (or, with GOMEM_BUDDY, for the default pool). GOMEM_OK with the
 * allocator. Arenas are added lazily, so this takes one page. O(1); thread-safe. */
gomem_allocator *gomem_allocator_create_ex(const gomem_allocator_options *options,
                                           gomem_status *status);

/* Release every arena and the allocator. Every pointer it handed out becomes invalid. NULL is a
 * no-op. O(arenas + nodes). */
void gomem_allocator_destroy(gomem_allocator *allocator);

/* Allocate size bytes aligned to the allocator's alignment. Tries existing arenas first (the one
 * that served last, then the others oldest first; a compact allocator tries them oldest first
 * only, so a newer arena's space is used only when no older one holds the request), then trims
 * wholly free arenas and adds one twice the size of the last (up to max_block_size), or, when
 * the page limit or the system refuses that, the largest half, quarter, ... of it that still
 * holds the request and is granted; a request above max_block_size gets a region of its own.
 * NULL when size is 0, above GOMEM_ARENA_LIMIT, or memory runs out. As gomem_index_alloc when the
 * first arena tried holds the request, plus O(arenas) probes when it does (an arena with fewer
 * free bytes than the request is passed over in O(1)). */
void *gomem_alloc(gomem_allocator *allocator, size_t size);

/* Free [ptr, ptr + size): a whole allocation or any sub-range of one (segmented free). Errors, each
 * leaving the allocator unchanged: GOMEM_ERR_INVALID_ARGUMENT (ptr NULL), GOMEM_ERR_INVALID_SIZE
 * (size 0), GOMEM_ERR_FOREIGN_POINTER (not inside an arena of this allocator),
 * GOMEM_ERR_OUT_OF_RANGE (runs past the arena's end), GOMEM_ERR_DOUBLE_FREE (some byte is free
 * already), GOMEM_ERR_NOMEM (a middle range needs an index node and none can be had), and with
 * GOMEM_HARDENED GOMEM_ERR_SPANS_ALLOCATIONS (the range covers parts of two allocations; other
 * builds free both parts). Hardened builds also overwrite the freed bytes with 0xDF. A dedicated
 * region is released as soon as all of it is free. The arena is found in O(1) expected (a page
 * map); then as gomem_index_free. */
gomem_status gomem_free(gomem_allocator *allocator, void *ptr, size_t size);

/* Extend the allocation [ptr, ptr + size) to new_size bytes in place, when the new_size - size
 * bytes after it are free (what realloc does before it moves a block). An allocation that is all
 * its dedicated region holds (one above max_block_size) grows past the region's end when the
 * page source has the pages right after it (free pages of its own, mremap, or memory.grow at the
 * top of wasm memory); the footprint then counts the added pages. GOMEM_OK (and new_size ==
 * size) changes nothing; errors, each leaving the allocator unchanged: GOMEM_ERR_NOMEM (some of
 * those bytes are allocated or past the arena and it cannot grow, or no index node or metadata
 * can be had), GOMEM_ERR_INVALID_ARGUMENT (ptr NULL), GOMEM_ERR_INVALID_SIZE (size 0 or
 * new_size < size), GOMEM_ERR_FOREIGN_POINTER, GOMEM_ERR_OUT_OF_RANGE (the allocation runs past
 * its arena). The caller vouches that [ptr, ptr + size) is allocated: only the added bytes are
 * checked. O(1) expected to find the arena, then as gomem_index_free; growing a dedicated region
 * walks its few free blocks and builds its index anew. */
gomem_status gomem_grow_in_place(gomem_allocator *allocator, void *ptr, size_t size,
                                 size_t new_size);

/* A pointer to size free bytes without taking them (GoMem's Borrow): valid only until the next
 * call on this allocator. May add an arena when nothing fits. NULL as gomem_alloc, and for a size
 * above max_block_size (as in GoMem). Not counted in the totals. */
void *gomem_borrow(gomem_allocator *allocator, size_t size);

/* Keep the first `keep` bytes of the allocation [ptr, ptr + *size) and free the rest; *size
 * becomes keep. keep >= *size is a no-op returning GOMEM_OK. Errors as gomem_free (then *size is
 * unchanged); keep 0 frees all of it. */
gomem_status gomem_free_rest(gomem_allocator *allocator, void *ptr, size_t *size, size_t keep);

/* Callback for gomem_read_into: fill up to `capacity` bytes at `dest`, store how many in *filled.
 * Return GOMEM_OK, or any other status to report a failed read. */
typedef gomem_status (*gomem_read_fn)(void *context, void *dest, size_t capacity, size_t *filled);

/* Allocate n bytes, let `read` fill them, and give back what it did not fill (GoMem's Read).
 * On GOMEM_OK, *out and *out_len hold the filled bytes (*out NULL and *out_len 0 when nothing was
 * filled: then nothing stays allocated). When read fails, everything is freed and its status is
 * returned. GOMEM_ERR_NOMEM when n bytes cannot be had; GOMEM_ERR_INVALID_SIZE for n 0 or a
 * callback that claims more than n. */
gomem_status gomem_read_into(gomem_allocator *allocator, size_t n, gomem_read_fn read,
                             void *context, void **out, size_t *out_len);

/* Release arenas whose every byte is free (dedicated regions are released on free already).
 * Returns the bytes released. O(arenas). */
size_t gomem_trim(gomem_allocator *allocator);

/* Free everything: every arena and the bookkeeping that indexed them are released and the totals
 * restart at zero, so the allocator holds no more pages than a new one; it stays usable (the next
 * malloc adds an arena of the initial size). O(arenas + nodes). */
void gomem_allocator_recycle(gomem_allocator *allocator);

/* Fill *stats. O(1). */
void gomem_allocator_stats(const gomem_allocator *allocator, gomem_stats *stats);

/* Visit each arena, in the order they were added; the visitor must not call into the allocator.
 * O(arenas). */
void gomem_allocator_arenas(const gomem_allocator *allocator, gomem_arena_visitor visit,
                            void *context);

/* true when the page map finds every page of every arena (so arenas are disjoint), every arena's
 * index holds its invariants and the free bytes of all arenas equal footprint - live.
 * O(arenas + nodes + footprint / 2048). */
bool gomem_allocator_invariants_hold(const gomem_allocator *allocator);

/* true when [ptr, ptr + size) lies inside one arena of this allocator. O(1) expected. */
bool gomem_allocator_owns(const gomem_allocator *allocator, const void *ptr, size_t size);

/* ------------------------------------------------------------------------------------------------ */
/* Memory: a list of buffers (GoMem's Memory). Types here; functions in the section below.          */
/* ------------------------------------------------------------------------------------------------ */

/* One buffer of a list: `len` bytes at `data`. */
typedef struct gomem_buf {
    uint8_t *data;
    size_t len;
} gomem_buf;

/* How a list gets memory for its own array of gomem_buf (and a recyclable memory for its index
 * array): grow or shrink `old` (old_bytes long, NULL when 0) to new_bytes, new_bytes 0 meaning
 * release. Returns the new array, or NULL on failure (then `old` is untouched) or on release. */
typedef void *(*gomem_resize_fn)(void *context, void *old, size_t old_bytes, size_t new_bytes);

/* A buffer list. Read the fields freely; change them only through the functions. Zero-initialised
 * (or gomem_memory_init with NULL resize) it is a valid empty list whose array comes from the C
 * library's realloc (hosted builds) or fails to grow (freestanding builds). */
typedef struct gomem_memory {
    gomem_buf *buffers;    /* count entries */
    size_t count;
    size_t capacity;       /* entries the array can hold before it must grow */
    size_t size;           /* total bytes of all buffers */
    gomem_resize_fn resize; /* NULL: the C library's realloc/free */
    void *resize_context;
} gomem_memory;

/* A resize function that takes the list's array from a scalable allocator (context is the
 * gomem_allocator *), so that in wasm the list itself lives in managed memory. Shrinking frees
 * the tail in place; growing allocates new_bytes, copies old_bytes and frees the old block.
 * NULL, with the old block unchanged and still allocated, when either step fails (no memory, or
 * the old block's free is refused, e.g. NOMEM for its index node under a page limit).
 * new_bytes 0 frees the old block and returns NULL. */
void *gomem_allocator_resize(void *context, void *old, size_t old_bytes, size_t new_bytes);

/* ------------------------------------------------------------------------------------------------ */
/* Recyclable memory: record allocations, free them all in one call (GoMem's RecyclableMemory).     */
/* With GOMEM_DISABLE_RM (GoMem's disable_rm) buffers bypass the arenas: each next_n is its own     */
/* allocation from the list's resize function, so sanitizers and valgrind see every buffer alone.   */
/* ------------------------------------------------------------------------------------------------ */

typedef struct gomem_recyclable {
    gomem_memory memory;         /* every buffer pushed, in order */
    gomem_allocator *allocator;  /* where next_n takes bytes from */
    size_t *recycle_indexes;     /* indexes into memory.buffers that recycle frees; NULL: all */
    size_t index_count;
    size_t index_capacity;
} gomem_recyclable;

/* Start an empty recyclable memory over `allocator` (may be NULL: then next_n fails and recycle
 * only forgets the buffers). The list array comes from `resize` (NULL: C library). Never fails. */
void gomem_recyclable_init(gomem_recyclable *rm, gomem_allocator *allocator,
                           gomem_resize_fn resize, void *resize_context);

/* From now on record which buffers recycle must free, so buffers pushed directly onto
 * rm->memory (not through next_n / add_recycle_bytes) are left alone. Reserves room for `max`
 * indexes. Calling it again is a no-op. GOMEM_ERR_NOMEM when the array cannot be had. */
gomem_status gomem_recyclable_init_recycle_indexes(gomem_recyclable *rm, size_t max);

/* Allocate size bytes, push them onto the list and record them. NULL (nothing recorded, nothing
 * pushed) when the allocation or the list growth fails or size is 0. */
void *gomem_recyclable_next_n(gomem_recyclable *rm, size_t size);

/* Push [data, data + len) and record it for recycle (it must have come from rm->allocator, or from
 * the resize function in GOMEM_DISABLE_RM builds). GOMEM_ERR_NOMEM when the list cannot grow. */
gomem_status gomem_recyclable_add_recycle_bytes(gomem_recyclable *rm, void *data, size_t len);

/* Free every recorded buffer and empty the list (its array is kept for reuse). Returns the first
 * error a free reported (the remaining buffers are still freed), GOMEM_OK otherwise. */
gomem_status gomem_recyclable_recycle(gomem_recyclable *rm);

/* Recycle, then release the list and index arrays. */
void gomem_recyclable_destroy(gomem_recyclable *rm);

/* ------------------------------------------------------------------------------------------------ */
/* Memory functions. The list never owns buffer bytes: it records (pointer, length) pairs, and only */
/* its own array of gomem_buf is allocated, through m->resize. A buffer's data may be NULL only     */
/* when its len is 0; empty buffers are kept in the list and skipped by every reader.               */
/* Growth doubles the array (at least 8 entries), so a push is amortised O(1). Not thread-safe.     */
/* ------------------------------------------------------------------------------------------------ */

/* Visitor over buffers: `len` bytes at `data` (data may be NULL when len is 0). Return false to
 * stop early. */
typedef bool (*gomem_buf_visitor)(void *context, const uint8_t *data, size_t len);

/* Receives each piece gomem_reader_clip_front drops from the list, so the caller can free it. */
typedef void (*gomem_release_fn)(void *context, uint8_t *data, size_t len);

/* writev-style sink for gomem_memory_write_to: write some prefix of the `count` buffers, store the
 * number of bytes written in *written and return GOMEM_OK, or return an error status. */
typedef gomem_status (*gomem_writev_fn)(void *context, const gomem_buf *bufs, size_t count,
                                        size_t *written);

/* Make m an empty list whose array comes from `resize` (NULL: the C library's realloc/free; in
 * GOMEM_NO_LIBC builds a NULL resize makes every growth fail with GOMEM_ERR_NOMEM). Allocates
 * nothing, never fails. O(1). */
void gomem_memory_init(gomem_memory *m, gomem_resize_fn resize, void *resize_context);

/* Init, then push the one buffer [data, data + len) (GoMem's NewMemory). On failure m is a
 * valid empty list. GOMEM_ERR_INVALID_ARGUMENT when data is NULL and len is not 0,
 * GOMEM_ERR_NOMEM when the array cannot be had. O(1). */
gomem_status gomem_memory_init_buffer(gomem_memory *m, gomem_resize_fn resize,
                                      void *resize_context, uint8_t *data, size_t len);

/* Init, then push `count` buffers (GoMem's NewReadableBuffersFromBytes). On failure m is a valid
 * empty list. Errors as gomem_memory_push. O(count). */
gomem_status gomem_memory_init_buffers(gomem_memory *m, gomem_resize_fn resize,
                                       void *resize_context, const gomem_buf *bufs, size_t count);

/* Release the array (not the buffers: the list does not own their bytes). m stays a valid empty
 * list with the same resize function. Readers over m become invalid. O(1) plus the release. */
void gomem_memory_destroy(gomem_memory *m);

/* Make room for at least `capacity` entries in total, so pushes up to it cannot fail.
 * GOMEM_ERR_NOMEM (m unchanged) when the array cannot grow. O(count) when the array moves. */
gomem_status gomem_memory_reserve(gomem_memory *m, size_t capacity);

/* Append the buffer [data, data + len); len 0 appends an empty buffer. Errors, each leaving m
 * unchanged: GOMEM_ERR_INVALID_ARGUMENT (data NULL with len not 0), GOMEM_ERR_INVALID_SIZE (the
 * total size would pass SIZE_MAX), GOMEM_ERR_NOMEM (the array cannot grow). Amortised O(1). */
gomem_status gomem_memory_push_one(gomem_memory *m, uint8_t *data, size_t len);

/* Append `count` buffers in order, all or nothing. Errors as gomem_memory_push_one, for any of
 * them. bufs must not point into m's own array (use gomem_memory_append for that). O(count). */
gomem_status gomem_memory_push(gomem_memory *m, const gomem_buf *bufs, size_t count);

/* Append every buffer of `other` (which may be m itself: the list then doubles). All or nothing;
 * errors as gomem_memory_push. O(other->count). */
gomem_status gomem_memory_append(gomem_memory *m, const gomem_memory *other);

/* Number of buffers, empty ones included. O(1). */
size_t gomem_memory_count(const gomem_memory *m);

/* Call visit for each buffer in order, empty ones included, until it returns false. The visitor
 * must not change m. O(count). */
void gomem_memory_range(const gomem_memory *m, gomem_buf_visitor visit, void *context);

/* Copy the first min(m->size, capacity) bytes of the list into dst, joined; returns how many.
 * dst may be NULL when capacity is 0. dst must not overlap the buffers. O(count + bytes). */
size_t gomem_memory_copy_to(const gomem_memory *m, uint8_t *dst, size_t capacity);

/* Copy all m->size bytes into dst, joined (GoMem's ToBytes into caller storage).
 * GOMEM_ERR_INVALID_SIZE, copying nothing, when capacity < m->size. O(count + bytes). */
gomem_status gomem_memory_to_bytes(const gomem_memory *m, uint8_t *dst, size_t capacity);

/* Join src's bytes into dst (caller storage, which must outlive its place in m) and push
 * [dst, dst + src->size) onto m as one buffer (GoMem's CopyFrom). src may be m.
 * GOMEM_ERR_INVALID_SIZE when capacity < src->size; otherwise errors as gomem_memory_push_one;
 * on any error m is unchanged (dst may have been written). O(src->count + bytes). */
gomem_status gomem_memory_copy_from(gomem_memory *m, const gomem_memory *src, uint8_t *dst,
                                    size_t capacity);

/* true when a and b have the same size, the same number of buffers and equal bytes buffer by
 * buffer (GoMem's Equal: the same bytes split differently are not equal). O(count + bytes). */
bool gomem_memory_equal(const gomem_memory *a, const gomem_memory *b);

/* Replace buffer `index` (negative: counted from the end, -1 the last) by [data, data + len) and
 * adjust the size. GOMEM_ERR_INVALID_ARGUMENT (m unchanged) when the index is out of range or data
 * is NULL with len not 0; GOMEM_ERR_INVALID_SIZE when the size would pass SIZE_MAX. Readers over m
 * are invalid afterwards unless the buffer lies wholly behind them and keeps its length. O(1). */
gomem_status gomem_memory_update_buffer(gomem_memory *m, ptrdiff_t index, uint8_t *data,
                                        size_t len);

/* Forget every buffer; the array is kept for reuse. Readers over m become invalid. O(1). */
void gomem_memory_reset(gomem_memory *m);

/* Hand the buffers to `write` until every byte is written (GoMem's WriteTo): each call gets the
 * unwritten rest, the first buffer trimmed after a partial write. *written (may be NULL) gets the
 * bytes written, also on error. Returns the first error of `write`, or GOMEM_ERR_INVALID_SIZE when
 * it claims more bytes than it was given or reports no progress. O(count + calls). */
gomem_status gomem_memory_write_to(const gomem_memory *m, gomem_writev_fn write, void *context,
                                   size_t *written);

/* ------------------------------------------------------------------------------------------------ */
/* Reader: a cursor over a gomem_memory (GoMem's MemoryReader). It lives on the caller's stack;     */
/* no read allocates. Read the fields freely; change them only through the functions.              */
/* Rules for every gomem_reader_* call:                                                             */
/*   - A call that fails leaves the cursor exactly where it was and its outputs untouched.          */
/*   - Reads never touch bytes outside the buffers, whatever is asked.                              */
/*   - The reader sees the `size` bytes the list had when the reader was made (or refreshed).       */
/*     Pushing or appending to the list keeps the reader valid; any other change to the list        */
/*     (reset, update_buffer, destroy) invalidates it, except through gomem_reader_clip_front.      */
/*   - Fixed-width reads cost O(1) when the bytes lie in one buffer, else O(buffers crossed).       */
/*   - Not thread-safe; two readers over one unchanging list may run in different threads.          */
/* ------------------------------------------------------------------------------------------------ */

typedef struct gomem_reader {
    gomem_memory *memory;
    size_t buf_index;  /* buffer holding the cursor; while length > 0 it holds an unread byte */
    size_t buf_offset; /* cursor's byte offset inside that buffer */
    size_t length;     /* bytes left to read */
    size_t position;   /* bytes read since the start of the list (GoMem's Offset) */
} gomem_reader;

/* Point r at the start of m, covering m->size bytes (GoMem's NewReader). Never fails. O(1)
 * plus the leading empty buffers. */
void gomem_memory_new_reader(gomem_memory *m, gomem_reader *r);

/* Extend r over bytes pushed or appended to its list since it was made. O(1). */
void gomem_reader_refresh(gomem_reader *r);

/* Bytes left to read (GoMem's Length). O(1). */
size_t gomem_reader_remaining(const gomem_reader *r);

/* Bytes read from the start of the list (GoMem's Offset); unread lowers it, clip_front resets
 * it to 0. O(1). */
size_t gomem_reader_offset(const gomem_reader *r);

/* The unread rest of the current buffer, without moving (GoMem's GetCurrent); {NULL, 0} when
 * nothing is left. Valid while the list is unchanged. O(1). */
gomem_buf gomem_reader_current(const gomem_reader *r);

/* Mark everything read. O(1). */
void gomem_reader_move_to_end(gomem_reader *r);

/* Copy min(capacity, remaining) bytes into dst and move past them (short read at the end, like
 * io.Reader); *n_read gets the count. GOMEM_ERR_END_OF_DATA (*n_read = 0) when nothing is left,
 * whatever the capacity. dst may be NULL when capacity is 0. O(bytes + buffers crossed). */
gomem_status gomem_reader_read(gomem_reader *r, uint8_t *dst, size_t capacity, size_t *n_read);

/* Copy exactly n bytes into dst and move past them, or GOMEM_ERR_END_OF_DATA when fewer remain.
 * n 0 succeeds and dst may then be NULL. O(n + buffers crossed). */
gomem_status gomem_reader_read_bytes(gomem_reader *r, uint8_t *dst, size_t n);

/* As gomem_reader_read_bytes without moving. */
gomem_status gomem_reader_peek(const gomem_reader *r, uint8_t *dst, size_t n);

/* Zero-copy read: when the next n bytes lie in one buffer, *out points at them (inside the list's
 * buffer, valid while that buffer lives) and the cursor moves past them. GOMEM_ERR_STRADDLE when
 * they span buffers (copy them with gomem_reader_read_bytes instead), GOMEM_ERR_END_OF_DATA when
 * fewer than n remain. n 0 succeeds with *out NULL. O(1). */
gomem_status gomem_reader_read_view(gomem_reader *r, size_t n, const uint8_t **out);

/* Move forward n bytes, or GOMEM_ERR_END_OF_DATA when fewer remain. O(buffers crossed). */
gomem_status gomem_reader_skip(gomem_reader *r, size_t n);

/* Move back n bytes, across buffer boundaries and over empty buffers, so they can be read again.
 * GOMEM_ERR_INVALID_ARGUMENT when n is more than gomem_reader_offset. O(buffers crossed). */
gomem_status gomem_reader_unread(gomem_reader *r, size_t n);

/* One byte (GoMem's ReadByte), or GOMEM_ERR_END_OF_DATA. O(1) amortised. */
gomem_status gomem_reader_read_u8(gomem_reader *r, uint8_t *out);
gomem_status gomem_reader_peek_u8(const gomem_reader *r, uint8_t *out);

/* One byte ANDed with mask (GoMem's ReadByteMask). Errors as gomem_reader_read_u8. */
gomem_status gomem_reader_read_byte_mask(gomem_reader *r, uint8_t mask, uint8_t *out);

/* The next `count` bytes, one into each *dst[i] (GoMem's ReadByteTo), all or nothing:
 * GOMEM_ERR_END_OF_DATA, writing none, when fewer than count remain. O(count). */
gomem_status gomem_reader_read_byte_to(gomem_reader *r, uint8_t *const *dst, size_t count);

/* An n-byte unsigned number, 1 <= n <= 4, most significant byte first (GoMem's ReadBE) or last.
 * GOMEM_ERR_INVALID_SIZE for another n, GOMEM_ERR_END_OF_DATA when fewer than n remain. */
gomem_status gomem_reader_read_be(gomem_reader *r, size_t n, uint32_t *out);
gomem_status gomem_reader_read_le(gomem_reader *r, size_t n, uint32_t *out);

/* Fixed-width unsigned numbers, big- (_be) or little-endian (_le); the 24-bit forms fill the low
 * three bytes of a uint32_t. GOMEM_ERR_END_OF_DATA when too few bytes remain. peek_* don't move. */
gomem_status gomem_reader_read_u16_be(gomem_reader *r, uint16_t *out);
gomem_status gomem_reader_read_u16_le(gomem_reader *r, uint16_t *out);
gomem_status gomem_reader_read_u24_be(gomem_reader *r, uint32_t *out);
gomem_status gomem_reader_read_u24_le(gomem_reader *r, uint32_t *out);
gomem_status gomem_reader_read_u32_be(gomem_reader *r, uint32_t *out);
gomem_status gomem_reader_read_u32_le(gomem_reader *r, uint32_t *out);
gomem_status gomem_reader_read_u64_be(gomem_reader *r, uint64_t *out);
gomem_status gomem_reader_read_u64_le(gomem_reader *r, uint64_t *out);
gomem_status gomem_reader_peek_u16_be(const gomem_reader *r, uint16_t *out);
gomem_status gomem_reader_peek_u16_le(const gomem_reader *r, uint16_t *out);
gomem_status gomem_reader_peek_u24_be(const gomem_reader *r, uint32_t *out);
gomem_status gomem_reader_peek_u24_le(const gomem_reader *r, uint32_t *out);
gomem_status gomem_reader_peek_u32_be(const gomem_reader *r, uint32_t *out);
gomem_status gomem_reader_peek_u32_le(const gomem_reader *r, uint32_t *out);
gomem_status gomem_reader_peek_u64_be(const gomem_reader *r, uint64_t *out);
gomem_status gomem_reader_peek_u64_le(const gomem_reader *r, uint64_t *out);

/* Two's-complement signed numbers; the 24-bit forms are sign-extended into an int32_t.
 * Errors as the unsigned forms. */
gomem_status gomem_reader_read_i8(gomem_reader *r, int8_t *out);
gomem_status gomem_reader_read_i16_be(gomem_reader *r, int16_t *out);
gomem_status gomem_reader_read_i16_le(gomem_reader *r, int16_t *out);
gomem_status gomem_reader_read_i24_be(gomem_reader *r, int32_t *out);
gomem_status gomem_reader_read_i24_le(gomem_reader *r, int32_t *out);
gomem_status gomem_reader_read_i32_be(gomem_reader *r, int32_t *out);
gomem_status gomem_reader_read_i32_le(gomem_reader *r, int32_t *out);
gomem_status gomem_reader_read_i64_be(gomem_reader *r, int64_t *out);
gomem_status gomem_reader_read_i64_le(gomem_reader *r, int64_t *out);

/* An unsigned LEB128 number (GoMem's LEB128Unmarshal, which stopped silently after 8 bytes).
 * *consumed (may be NULL) gets the encoding's length, 1..10; non-minimal encodings (trailing 0x80
 * groups) are accepted. GOMEM_ERR_OVERFLOW when the encoding runs past 10 bytes or its value needs
 * more than 64 bits; GOMEM_ERR_END_OF_DATA when the data ends inside it. O(bytes). */
gomem_status gomem_reader_read_leb128(gomem_reader *r, uint64_t *value, size_t *consumed);

/* Visit the remaining data a buffer's worth at a time, zero-copy, moving the cursor past each
 * piece before its visit (GoMem's Range); stops early when visit returns false. A NULL visit
 * just moves to the end. Returns the bytes moved over. The visitor must not change the list or r.
 * O(buffers). */
size_t gomem_reader_range(gomem_reader *r, gomem_buf_visitor visit, void *context);

/* As gomem_reader_range over at most the next n bytes (GoMem's RangeN). */
size_t gomem_reader_range_n(gomem_reader *r, size_t n, gomem_buf_visitor visit, void *context);

/* Drop what has been read from the front of the list (GoMem's ClipFront): every buffer before
 * the cursor, and the read prefix of the cursor's buffer (a buffer read to its end is dropped
 * whole). release (may be NULL) gets each dropped non-empty piece, front to back: whole buffers,
 * then the prefix. The list's size shrinks by gomem_reader_offset, which becomes 0; the cursor
 * keeps its place in the data, so reading continues where it was. Nothing read: no change.
 * Buffers past the cursor, pushed after the reader was made included, stay. Other readers over
 * the list become invalid. Never fails. O(count). */
void gomem_reader_clip_front(gomem_reader *r, gomem_release_fn release, void *context);

#if defined(GOMEM_BUILDING) && (defined(__GNUC__) || defined(__clang__))
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* GOMEM_H */
