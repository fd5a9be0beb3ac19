/*
 * malloc_renamed.h - gomem_malloc's standard functions as malloc_renamed.c renames them
 * (fuzz_<name>), for fuzz_malloc.c.
 */
#ifndef GOMEM_FUZZ_MALLOC_RENAMED_H
#define GOMEM_FUZZ_MALLOC_RENAMED_H

#include <stddef.h>

void *fuzz_malloc(size_t n);
void fuzz_free(void *block);
void *fuzz_calloc(size_t count, size_t size);
void *fuzz_realloc(void *block, size_t n);
void *fuzz_reallocarray(void *block, size_t count, size_t size);
void *fuzz_memalign(size_t alignment, size_t n);
void *fuzz_aligned_alloc(size_t alignment, size_t n);
int fuzz_posix_memalign(void **out, size_t alignment, size_t n);
void *fuzz_valloc(size_t n);
void *fuzz_pvalloc(size_t n);
size_t fuzz_malloc_usable_size(void *block);

#endif /* GOMEM_FUZZ_MALLOC_RENAMED_H */
