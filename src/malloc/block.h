/*
 * block.h - the header in front of every block of the malloc layer, and its states.
 *
 * Block layout: [header: word, check][usable bytes]. The usable size is a class size for small
 * requests, the request rounded to the alignment otherwise (or more, when an aligned block kept
 * the slack it could not give back). The header's first word holds either the class of a block
 * whose size is a class size, tagged as (class << 1) | 1, or the size itself (a multiple of
 * BLOCK_ALIGN, so even): free then finds a small block's class with one test and no arithmetic,
 * and the header stays one word pair (8 bytes in Emscripten). The whole block, header included,
 * is one allocation of the scalable allocator, so giving it back frees exactly HEADER + size.
 *
 * The check word ties the header to its address, size and state: a pointer whose header does not
 * hold the check of a live block is never acted on. Every change of state that hands a block from
 * its user to the heap is a compare-and-swap from LIVE (block_claim), so of two threads freeing
 * one block at once exactly one wins and the other sees a double free.
 */
#ifndef GOMEM_MALLOC_BLOCK_H
#define GOMEM_MALLOC_BLOCK_H

#include "../internal.h"
#include "classes.h"

#if GOMEM_THREADS
typedef _Atomic size_t check_word;
#else
typedef size_t check_word;
#endif

typedef struct block_header {
    _Alignas(BLOCK_ALIGN) size_t word; /* tagged class or size; padded to BLOCK_ALIGN */
    check_word check;
} block_header;

#define HEADER sizeof(block_header)
_Static_assert(sizeof(block_header) == BLOCK_ALIGN, "a header keeps the payload aligned");

enum block_state {
    LIVE = 0x4c49u,   /* handed out to the program */
    LISTED = 0x5ae7u, /* kept on a size-class list or in a thread's cache */
    FREED = 0x0f3eu,  /* given back to the allocator's index */
    BUSY = 0x8b5du,   /* claimed by a free or realloc in progress */
};

static inline size_t block_check(const block_header *h, enum block_state state) {
    return (uintptr_t)h ^ (h->word * 0x9E3779B1u) ^ (size_t)state;
}

/* The word of a block of `size` usable bytes. */
static inline size_t block_word_for(size_t size) {
    return is_class_size(size) ? (size_t)class_of(size) << 1 | 1 : size;
}

/* Whether a header's word is a tagged class (of a block that may go on that class's list). */
static inline bool block_word_is_class(size_t word) { return (word & 1) != 0; }

/* The class of a tagged word; at least CLASS_COUNT for a word no block has (foreign headers). */
static inline size_t block_word_class(size_t word) { return word >> 1; }

/* Usable bytes of a block whose header is valid. */
static inline size_t block_size(const block_header *h) {
    return block_word_is_class(h->word) ? class_size((unsigned)block_word_class(h->word)) : h->word;
}

static inline void block_set_size(block_header *h, size_t size) { h->word = block_word_for(size); }

/* Put a block the caller owns (any state but LIVE-and-handed-out) in `state`. */
static inline void block_set(block_header *h, enum block_state state) {
#if GOMEM_THREADS
    atomic_store_explicit(&h->check, block_check(h, state), memory_order_release);
#else
    h->check = block_check(h, state);
#endif
}

/* Whether the block is in `state` now (a racy read: only a hint unless the caller owns it). */
static inline bool block_is(const block_header *h, enum block_state state) {
#if GOMEM_THREADS
    return atomic_load_explicit(&((block_header *)h)->check, memory_order_acquire) ==
           block_check(h, state);
#else
    return h->check == block_check(h, state);
#endif
}

/* Take a LIVE block for the heap, putting it in state `to` (LISTED when it goes on a list, else
 * BUSY): true for exactly one caller per time the block was handed out, so two threads freeing
 * one block at once cannot both succeed. The header must be readable. */
static inline bool block_claim(block_header *h, enum block_state to) {
#if GOMEM_THREADS
    size_t live = block_check(h, LIVE);
    return atomic_compare_exchange_strong_explicit(&h->check, &live, block_check(h, to),
                                                   memory_order_acq_rel, memory_order_relaxed);
#else
    if (h->check != block_check(h, LIVE)) return false;
    h->check = block_check(h, to);
    return true;
#endif
}

/* The block chained after h on a list (the link lives in the first payload word). */
static inline block_header *block_next(const block_header *h) {
    return *(block_header *const *)(h + 1);
}
static inline void block_set_next(block_header *h, block_header *next) {
    *(block_header **)(h + 1) = next;
}

#endif /* GOMEM_MALLOC_BLOCK_H */
