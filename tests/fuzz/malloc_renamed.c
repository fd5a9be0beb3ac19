/*
 * malloc_renamed.c - gomem_malloc's standard functions (src/malloc/standard.c) under other names,
 * for fuzz_malloc. AddressSanitizer and libFuzzer keep the process's malloc, so the fuzzer cannot
 * link gomem's by the standard names; this file compiles the very same source with each name
 * renamed to fuzz_<name> (malloc_renamed.h), so every argument check and errno rule is the one
 * the library ships. The renames come before any header, so the C library's own declarations of
 * these names are renamed with them and stay consistent.
 */
#define malloc fuzz_malloc
#define free fuzz_free
#define calloc fuzz_calloc
#define realloc fuzz_realloc
#define reallocarray fuzz_reallocarray
#define memalign fuzz_memalign
#define aligned_alloc fuzz_aligned_alloc
#define posix_memalign fuzz_posix_memalign
#define valloc fuzz_valloc
#define pvalloc fuzz_pvalloc
#define malloc_usable_size fuzz_malloc_usable_size

#include "malloc_renamed.h"

#include "../../src/malloc/standard.c"
