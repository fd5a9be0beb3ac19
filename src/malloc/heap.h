/*
 * heap.h - the process heap behind the standard malloc functions (heap.c): blocks with a header,
 * size-class lists, misuse accounting. standard.c puts the C library's names and errno on top.
 */
#ifndef GOMEM_MALLOC_HEAP_H
#define GOMEM_MALLOC_HEAP_H

#include <stddef.h>

/* A block of at least n bytes (n >= 1), aligned to max_align_t; NULL when no memory can be had or
 * n is beyond what an arena can hold. */
void *gomem_heap_alloc(size_t n);

/* A block of at least n bytes (n >= 1) aligned to `alignment`, a power of two; NULL as
 * gomem_heap_alloc. */
void *gomem_heap_alloc_aligned(size_t alignment, size_t n);

/* Give back a block (a foreign pointer or a double free is counted and ignored). */
void gomem_heap_free(void *block);

/* The block resized to at least n bytes (n >= 1), its contents kept up to the smaller size: in
 * place when it shrinks or the bytes after it are free, else moved. NULL when no memory can be had
 * (the block is unchanged) or the block is not a live one (counted as a misuse). */
void *gomem_heap_resize(void *block, size_t n);

/* Usable bytes of a live block; 0 (and a counted misuse) for anything else. */
size_t gomem_heap_usable(void *block);

#endif /* GOMEM_MALLOC_HEAP_H */
