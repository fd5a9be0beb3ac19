/*
 * index_bins.h - the size classes of the default free-block index (index_tlsf.c): a two-level,
 * float-like mapping from a block size to a class number.
 *
 *   first level f: the power of two below the size (sizes under 32 all share f = 0);
 *   second level s: the next GOMEM_BIN_SL_BITS bits of the size below its leading one.
 *
 * Sizes 1..63 get one class each (exact); above that a class spans 1/32 of its power of two, so a
 * block is never more than about 3 % larger than the smallest size of its class. Class numbers
 * are (f << 5) | s: 0..895 for sizes up to GOMEM_ARENA_LIMIT. Pure functions, no state; the unit
 * test (tests/test_index_bins.c) checks every boundary.
 */
#ifndef GOMEM_INDEX_BINS_H
#define GOMEM_INDEX_BINS_H

#include <stdint.h>

#define GOMEM_BIN_SL_BITS 5u
#define GOMEM_BIN_SL_COUNT (1u << GOMEM_BIN_SL_BITS)
/* No class: a request too large for any class once rounded up. */
#define GOMEM_BIN_NONE UINT32_MAX

static inline uint32_t gomem_bin_log2(uint32_t x) { return 31u - (uint32_t)__builtin_clz(x); }

/* The class holding blocks of `size` bytes (size >= 1): every block is filed under this class. */
static inline uint32_t gomem_bin_of(uint32_t size) {
    if (size < GOMEM_BIN_SL_COUNT) return size;
    uint32_t fl = gomem_bin_log2(size);
    uint32_t sl = (size >> (fl - GOMEM_BIN_SL_BITS)) & (GOMEM_BIN_SL_COUNT - 1);
    return ((fl - GOMEM_BIN_SL_BITS + 1) << GOMEM_BIN_SL_BITS) | sl;
}

/* The smallest size a block of class `bin` can have. */
static inline uint32_t gomem_bin_min_size(uint32_t bin) {
    uint32_t f = bin >> GOMEM_BIN_SL_BITS, s = bin & (GOMEM_BIN_SL_COUNT - 1);
    if (f == 0) return s;
    uint32_t fl = f + GOMEM_BIN_SL_BITS - 1;
    return (1u << fl) | (s << (fl - GOMEM_BIN_SL_BITS));
}

/* The lowest class whose every block holds `size` bytes (size >= 1): `size` rounded up to a class
 * boundary. GOMEM_BIN_NONE when the rounding passes 2^32 (no 32-bit block is that large). */
static inline uint32_t gomem_bin_at_least(uint32_t size) {
    if (size < GOMEM_BIN_SL_COUNT) return size;
    uint32_t step_bits = gomem_bin_log2(size) - GOMEM_BIN_SL_BITS;
    uint64_t step = (uint64_t)1 << step_bits;
    uint64_t rounded = ((uint64_t)size + step - 1) & ~(step - 1);
    if (rounded > UINT32_MAX) return GOMEM_BIN_NONE;
    return gomem_bin_of((uint32_t)rounded);
}

#endif /* GOMEM_INDEX_BINS_H */
