/*
 * shared_lists.h - the process heap's lists of kept free blocks, one per size class, shared by
 * every thread (shared_lists.c). They sit between the thread caches (thread_cache.h) and the
 * allocator's index: a thread cache takes and gives blocks here a batch at a time, and without
 * GOMEM_THREADS these lists are the only cache.
 *
 * Each class has its own lock, so two threads moving batches of different classes never wait
 * for each other (one heap lock made 2 threads on the 8 B..64 KiB mix slower than one). A list is
 * an array of block addresses, oldest first: a batch moves by copying addresses, reading no
 * block.
 *
 * How much is kept: behind thread caches, at most GOMEM_MALLOC_CACHE_BYTES or 1/4 of the bytes
 * the heap holds, whichever is more (a large heap keeps enough to serve its churn, a small one
 * stays small); without them, GOMEM_MALLOC_CACHE_BYTES. Per class at most SHARED_CLASS_MAX
 * blocks. Blocks a class kept unused over DECAY_OPS list operations of the whole heap go back to
 * the index, where they merge with their neighbours (shared_lists.c has the figures).
 *
 * Lock order: a class lock, then the heap lock, then the allocator's, then the page source's; a
 * class lock is never taken while another is held (decay takes them one at a time), except by
 * gomem_lists_hold_all, which takes all in class order.
 */
#ifndef GOMEM_MALLOC_SHARED_LISTS_H
#define GOMEM_MALLOC_SHARED_LISTS_H

#include "block.h"

/* Up to `want` kept blocks of class c, in state LISTED, stored at out[0..) with the one to hand
 * out first (the most recently kept) last. Returns how many. Takes the class's lock; O(want). */
unsigned gomem_lists_take(unsigned c, unsigned want, block_header **out);

/* Keep LISTED blocks of class c, given oldest first, as far as the class's room and the budget
 * allow: the newest ones are kept. Returns how many were kept; blocks[0 .. count - kept) are
 * left to the caller. Reads no block. Takes the class's lock; O(count). */
unsigned gomem_lists_keep(unsigned c, block_header *const *blocks, unsigned count);

/* How many blocks of class c the list would keep now (a hint: other threads may change it).
 * Takes the class's lock. */
unsigned gomem_lists_room(unsigned c);

/* Give every kept block to the index, and the lists' arrays back to the heap. Takes each class's
 * lock in turn. true when there was any block. */
bool gomem_lists_give_back_all(void);

/* Give to the index the blocks each class kept unused since this or the periodic decay last ran
 * (the fewest it held since then), as the decay does. Takes each class's lock in turn. true when
 * there was any such block. */
bool gomem_lists_give_back_unused(void);

/* Bytes kept on the lists now: the blocks (headers included) and the lists' own arrays. Exact
 * when no batch is moving. Takes each class's lock in turn, to add the changes a class has not
 * published yet (shared_lists.c, PUBLISH_BYTES), and runs the decay when those bring the count of
 * list operations to its period: a statistic, not for hot paths. */
size_t gomem_lists_bytes(void);

/* Take and release every class's lock, in class order (for fork: see heap.c). */
void gomem_lists_hold_all(void);
void gomem_lists_release_all(void);

#endif /* GOMEM_MALLOC_SHARED_LISTS_H */
