/*
 * block.h - the header in front of every block of the malloc layer, and its states.
 *
 * Block layout: [header: word, check][payload]. The header is 8 bytes and the payload right after
 * it is aligned to BLOCK_ALIGN, so a block starts HEADER bytes before an aligned address and its
 * span (header and payload) is a multiple of BLOCK_ALIGN: blocks lie back to back, each start
 * congruent to -HEADER modulo BLOCK_ALIGN, as glibc's chunks do. Against a header padded to the
 * alignment (16 bytes), that saves 8 bytes per block: Lua, whose blocks average 55 bytes, held
 * 1.2x glibc's memory natively with the padded header.
 *
 * The usable size is the span minus the header. The span is a class span for small requests,
 * else the request and header rounded to the alignment (or more, when an aligned block kept the
 * slack it could not give back). The header's word holds either the class of a block whose span
 * is a class span, tagged as (class << 1) | 1, or the span itself (a multiple of BLOCK_ALIGN, so
 * even): free finds a small block's class with one test and no arithmetic. The whole block is
 * one allocation of the scalable allocator, so giving it back frees exactly its span.
 *
 * The check word ties the header to its address, word and state: a pointer whose header does not
 * hold the check of a live block is never acted on. Every change of state that hands a block from
 * its user to the heap is a compare-and-swap from LIVE (block_claim), so of two threads freeing
 * one block at once exactly one wins and the other sees a double free.
 */
#ifndef GOMEM_MALLOC_BLOCK_H
#define GOMEM_MALLOC_BLOCK_H

#include "../internal.h"
#include "classes.h"

#if GOMEM_THREADS
typedef _Atomic uint32_t check_word;
#else
typedef uint32_t check_word;
#endif

typedef struct block_header {
    uint32_t word; /* tagged class or span */
    check_word check;
} block_header;

#define HEADER sizeof(block_header)
_Static_assert(sizeof(block_header) == 8, "the header is two 32-bit words");
_Static_assert(BLOCK_ALIGN % HEADER == 0, "a block start is a whole number of headers");
_Static_assert(GOMEM_MALLOC_SMALL_MAX == ROUND_MAX && ROUND_MAX > PAYLOAD_EDGE,
               "the largest class's payload, ROUND_MAX + BLOCK_ALIGN - HEADER bytes, holds "
               "GOMEM_MALLOC_SMALL_MAX bytes");

/* Requests of up to CLASS_REQUEST_MAX bytes get class blocks, larger ones a block of their own
 * size. Behind thread caches every class is used: a class block moves between caches without a
 * lock. Without them (builds without GOMEM_THREADS: wasm without -pthread) only the classes up to
 * 8 KiB, 8 per doubling; the coarser ones above (4 per doubling) made the stress program peak at
 * 50.2 MiB in WASI against 46.1 with exact sizes, and the 8 B..64 KiB mix at 120.4 against 118.3,
 * with the mix's time per operation unchanged (interleaved runs). */
#if GOMEM_THREADS
#define CLASS_REQUEST_MAX GOMEM_MALLOC_SMALL_MAX
#else
#define CLASS_REQUEST_MAX ((size_t)1 << MEDIUM_SHIFT)
#endif

enum block_state {
    LIVE = 0x4c49u,   /* handed out to the program */
    LISTED = 0x5ae7u, /* kept on a size-class list or in a thread's cache */
    FREED = 0x0f3eu,  /* given back to the allocator's index */
    BUSY = 0x8b5du,   /* claimed by a free or realloc in progress */
};

static inline uint32_t block_check(const block_header *h, enum block_state state) {
    uint64_t address = (uint64_t)(uintptr_t)h;
    return (uint32_t)(address ^ (address >> 32)) ^ (h->word * 0x9E3779B1u) ^ (uint32_t)state;
}

/* Whether a block start is where the layout puts blocks (HEADER bytes before an aligned
 * address). */
static inline bool block_start_fits(const void *start) {
    return ((uintptr_t)start + HEADER) % BLOCK_ALIGN == 0;
}

/* The word of a block spanning `span` bytes. */
static inline uint32_t block_word_for(size_t span) {
    return is_class_span(span) ? (uint32_t)class_of(span) << 1 | 1 : (uint32_t)span;
}

/* Whether a header's word is a tagged class (of a block that may go on that class's list). */
static inline bool block_word_is_class(uint32_t word) { return (word & 1) != 0; }

/* The class of a tagged word; at least CLASS_COUNT for a word no block has (foreign headers). */
static inline uint32_t block_word_class(uint32_t word) { return word >> 1; }

/* Bytes of a block whose header is valid, header included. */
static inline size_t block_span(const block_header *h) {
    return block_word_is_class(h->word) ? class_span(block_word_class(h->word)) : h->word;
}

/* Usable bytes of a block whose header is valid. */
static inline size_t block_usable(const block_header *h) { return block_span(h) - HEADER; }

static inline void block_set_span(block_header *h, size_t span) { h->word = block_word_for(span); }

/* The span of a block holding n usable bytes: a class span when small. */
static inline size_t block_span_for(size_t n) {
    return n <= CLASS_REQUEST_MAX ? class_span(class_of(n + HEADER))
                                  : gomem_align_up(n + HEADER, BLOCK_ALIGN);
}

/* Put a block the caller owns (any state but LIVE-and-handed-out) in `state`. */
static inline void block_set(block_header *h, enum block_state state) {
#if GOMEM_THREADS
    atomic_store_explicit(&h->check, block_check(h, state), memory_order_release);
#else
    h->check = block_check(h, state);
#endif
}

/* The check word, read once. */
static inline uint32_t block_check_now(const block_header *h) {
#if GOMEM_THREADS
    return atomic_load_explicit(&((block_header *)h)->check, memory_order_acquire);
#else
    return h->check;
#endif
}

/* Whether the block is in `state` now (a racy read: only a hint unless the caller owns it). */
static inline bool block_is(const block_header *h, enum block_state state) {
    return block_check_now(h) == block_check(h, state);
}

/* Whether the block is in the heap's hands (kept, given back, or being freed): read once, so a
 * block that changes state meanwhile still answers one way. */
static inline bool block_is_freed(const block_header *h) {
    uint32_t check = block_check_now(h);
    return check == block_check(h, LISTED) || check == block_check(h, FREED) ||
           check == block_check(h, BUSY);
}

/* Take a LIVE block for the heap, putting it in state `to` (LISTED when it goes on a list, else
 * BUSY): true for exactly one caller per time the block was handed out, so two threads freeing
 * one block at once cannot both succeed. The header must be readable. */
static inline bool block_claim(block_header *h, enum block_state to) {
#if GOMEM_THREADS
    uint32_t live = block_check(h, LIVE);
    return atomic_compare_exchange_strong_explicit(&h->check, &live, block_check(h, to),
                                                   memory_order_acq_rel, memory_order_relaxed);
#else
    if (h->check != block_check(h, LIVE)) return false;
    h->check = block_check(h, to);
    return true;
#endif
}

#endif /* GOMEM_MALLOC_BLOCK_H */
