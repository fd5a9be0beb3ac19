/* malloc-stress: a deterministic stress program for the C library's malloc family, run by
 * scripts/test-programs.mjs with each malloc it compares (glibc, wasi-libc's dlmalloc, Emscripten's
 * dlmalloc and emmalloc, gomem's malloc replacement). Its output depends only on the seed and the
 * operation count, never on addresses, so every malloc must print the same lines.
 *
 *   malloc-stress [operations [seed]]      defaults: 400000 operations, seed 1
 *
 * Keeps up to SLOTS live blocks. Each step picks a slot and, when it is empty, allocates it with
 * malloc, calloc (checked to be zero), realloc(NULL, n), aligned_alloc or posix_memalign (checked to
 * be aligned); when it is full, frees it, reallocates it to a larger or smaller size (the kept
 * prefix is checked, the new tail filled), or checks and rewrites it. Sizes are 1 B..64 KiB,
 * log-uniform (as many blocks under 16 B as between 32 and 64 KiB). Every block is filled with a
 * pattern derived from a per-block tag and checked before every free and realloc and in a sweep
 * over all live blocks every 2^16 steps. Where malloc_usable_size exists, it must be at least the
 * requested size, and for some blocks the spare bytes are written too (an allocator that
 * overstates them would have its neighbours' patterns overwritten, and the checks catch it).
 * Every block returned by malloc, calloc and realloc must be aligned to _Alignof(max_align_t).
 * A few requests must fail (malloc(SIZE_MAX), calloc whose product overflows).
 *
 * Prints the counts of each operation, the bytes requested, a checksum of everything read back,
 * and 'errors: 0'; exits 1 on the first pattern, zero-fill or alignment error (after printing what
 * failed) and 2 when an allocation that should succeed returns NULL. */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__) || defined(__wasi__) || defined(__EMSCRIPTEN__)
#include <malloc.h>
#define HAVE_USABLE_SIZE 1
#else
#define HAVE_USABLE_SIZE 0
#endif

#define SLOTS 4096u
#define MAX_SIZE 65536u
#define SWEEP_EVERY 65536u

typedef struct {
  unsigned char *p;
  size_t size;     /* bytes requested, all of them hold the pattern */
  uint64_t tag;    /* pattern seed of this block */
} slot;

static slot slots[SLOTS];
static uint64_t rng_state;
static uint64_t checksum = 1469598103934665603ull; /* FNV-1a over every word read back */
static unsigned long long counts[16];
static unsigned long long bytes_requested;
/* How many blocks had spare bytes written depends on each malloc's rounding: counted, reported on
 * stderr only, so stdout stays the same for every malloc. */
static unsigned long long spare_writes;
enum { C_MALLOC, C_CALLOC, C_REALLOC_NULL, C_ALIGNED, C_MEMALIGN, C_FREE, C_GROW, C_SHRINK,
       C_REWRITE, C_SWEEPS, C_NCOUNTS };
static const char *const count_names[C_NCOUNTS] = {
  "malloc", "calloc", "realloc(NULL)", "aligned_alloc", "posix_memalign", "free", "realloc up",
  "realloc down", "check+rewrite", "sweeps"};

static uint64_t next_random(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static size_t random_size(void) { /* 1..MAX_SIZE, log-uniform */
  unsigned bits = (unsigned)(next_random() % 17u); /* 0..16 */
  size_t span = (size_t)1 << bits;                  /* 1..65536 */
  size_t size = span + (size_t)(next_random() % span);
  return size > MAX_SIZE ? MAX_SIZE : size;
}

/* Word j of the pattern of the block with tag t; byte i of the block is byte i % 8 of word i / 8
 * as it lies in memory. */
static uint64_t pattern_word(uint64_t tag, size_t j) {
  uint64_t w = tag ^ ((uint64_t)j * 0xD6E8FEB86659FD93ull);
  return w ^ (w >> 29);
}

static void fill(unsigned char *p, uint64_t tag, size_t from, size_t to) {
  size_t i = from;
  while (i < to && (i & 7u) != 0) {
    uint64_t w = pattern_word(tag, i >> 3);
    p[i] = ((const unsigned char *)&w)[i & 7u];
    i++;
  }
  for (; i + 8 <= to; i += 8) {
    uint64_t w = pattern_word(tag, i >> 3);
    memcpy(p + i, &w, 8);
  }
  for (; i < to; i++) {
    uint64_t w = pattern_word(tag, i >> 3);
    p[i] = ((const unsigned char *)&w)[i & 7u];
  }
}

static unsigned long long step_number;
static void *volatile sink;

static void fail(const char *what, size_t slot_index, size_t offset) {
  printf("error at step %llu, slot %zu, byte %zu: %s\n", step_number, slot_index, offset, what);
  printf("errors: 1\n");
  fflush(stdout);
  exit(1);
}

/* Check bytes [from, to) of a block against its pattern and fold them into the checksum. */
static void check(const slot *s, size_t slot_index, size_t from, size_t to) {
  const unsigned char *p = s->p;
  uint64_t h = checksum;
  size_t i = from;
  for (; i < to && (i & 7u) != 0; i++) {
    uint64_t w = pattern_word(s->tag, i >> 3);
    if (p[i] != ((const unsigned char *)&w)[i & 7u]) fail("pattern changed", slot_index, i);
    h = (h ^ p[i]) * 1099511628211ull;
  }
  for (; i + 8 <= to; i += 8) {
    uint64_t w = pattern_word(s->tag, i >> 3), got;
    memcpy(&got, p + i, 8);
    if (got != w) fail("pattern changed", slot_index, i);
    h = (h ^ got) * 1099511628211ull;
  }
  for (; i < to; i++) {
    uint64_t w = pattern_word(s->tag, i >> 3);
    if (p[i] != ((const unsigned char *)&w)[i & 7u]) fail("pattern changed", slot_index, i);
    h = (h ^ p[i]) * 1099511628211ull;
  }
  checksum = h;
}

static void check_alignment(const void *p, size_t alignment, size_t slot_index) {
  if ((uintptr_t)p % alignment != 0) {
    char what[96];
    snprintf(what, sizeof what, "block not aligned to %zu", alignment);
    fail(what, slot_index, 0);
  }
}

static void out_of_memory(const char *call, size_t size) {
  printf("error at step %llu: %s(%zu) returned NULL\n", step_number, call, size);
  printf("errors: 1\n");
  fflush(stdout);
  exit(2);
}

/* Where malloc_usable_size exists: it must cover the request, and for one block in 8 the spare
 * bytes are written (with a byte no pattern check reads), so an overstated size shows up as a
 * neighbour's broken pattern. */
static void use_spare(slot *s, size_t slot_index) {
  int write_spare = (next_random() & 7u) == 0; /* drawn everywhere, so the sequence is the same */
#if HAVE_USABLE_SIZE
  size_t usable = malloc_usable_size(s->p);
  if (usable < s->size) fail("malloc_usable_size below the requested size", slot_index, usable);
  if (write_spare && usable > s->size) {
    memset(s->p + s->size, 0xA5, usable - s->size);
    spare_writes++;
  }
#else
  (void)s;
  (void)slot_index;
  (void)write_spare;
#endif
}

static void allocate(slot *s, size_t slot_index) {
  size_t size = random_size();
  unsigned kind = (unsigned)(next_random() % 20u);
  unsigned char *p;
  bytes_requested += size;
  if (kind < 12) { /* malloc */
    p = malloc(size);
    if (!p) out_of_memory("malloc", size);
    check_alignment(p, alignof(max_align_t), slot_index);
    counts[C_MALLOC]++;
  } else if (kind < 15) { /* calloc: every byte zero */
    size_t n = size, unit = 1;
    if (size % 8 == 0) { unit = 8; n = size / 8; }
    p = calloc(n, unit);
    if (!p) out_of_memory("calloc", size);
    check_alignment(p, alignof(max_align_t), slot_index);
    for (size_t i = 0; i < size; i++)
      if (p[i] != 0) fail("calloc returned a byte that is not zero", slot_index, i);
    counts[C_CALLOC]++;
  } else if (kind < 17) { /* realloc(NULL, n) is malloc(n) */
    p = realloc(NULL, size);
    if (!p) out_of_memory("realloc", size);
    check_alignment(p, alignof(max_align_t), slot_index);
    counts[C_REALLOC_NULL]++;
  } else { /* aligned: 16..4096 */
    size_t alignment = (size_t)16 << (next_random() % 9u);
    if (kind < 19) {
      size = (size + alignment - 1) / alignment * alignment; /* C11 wants a multiple */
      if (size > MAX_SIZE) size = MAX_SIZE;
      p = aligned_alloc(alignment, size);
      if (!p) out_of_memory("aligned_alloc", size);
      counts[C_ALIGNED]++;
    } else {
      void *q = NULL;
      if (posix_memalign(&q, alignment, size) != 0 || !q) out_of_memory("posix_memalign", size);
      p = q;
      counts[C_MEMALIGN]++;
    }
    check_alignment(p, alignment, slot_index);
  }
  s->p = p;
  s->size = size;
  s->tag = next_random();
  fill(p, s->tag, 0, size);
  use_spare(s, slot_index);
}

static void resize(slot *s, size_t slot_index) {
  size_t size = random_size();
  check(s, slot_index, 0, s->size);
  unsigned char *p = realloc(s->p, size);
  if (!p) out_of_memory("realloc", size);
  check_alignment(p, alignof(max_align_t), slot_index);
  bytes_requested += size;
  size_t kept = size < s->size ? size : s->size;
  s->p = p;
  counts[size >= s->size ? C_GROW : C_SHRINK]++;
  s->size = kept;
  check(s, slot_index, 0, kept); /* realloc keeps the prefix */
  s->size = size;
  fill(p, s->tag, kept, size);
  use_spare(s, slot_index);
}

int main(int argc, char **argv) {
  unsigned long long operations = argc > 1 ? strtoull(argv[1], NULL, 10) : 400000ull;
  unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1ull;
  rng_state = seed;
  printf("malloc-stress: %llu operations, seed %llu, %u slots, sizes 1..%u\n", operations, seed,
         SLOTS, MAX_SIZE);

  /* Requests that must fail, whatever the malloc. Volatile size and result: the compiler must
   * neither fold the request nor elide the malloc/free pair (clang assumes such pairs succeed). */
  volatile size_t huge = SIZE_MAX;
  int refused = 0;
  sink = malloc(huge);
  refused += sink == NULL;
  free(sink);
  sink = calloc(huge / 4 + 2, 8); /* the product overflows size_t */
  refused += sink == NULL;
  free(sink);
  sink = realloc(NULL, huge - 8);
  refused += sink == NULL;
  free(sink);
  printf("impossible requests refused: %d of 3\n", refused);
  free(NULL);

  for (step_number = 0; step_number < operations; step_number++) {
    size_t i = (size_t)(next_random() % SLOTS);
    slot *s = &slots[i];
    if (!s->p) {
      allocate(s, i);
    } else {
      unsigned action = (unsigned)(next_random() % 10u);
      if (action < 4) {
        check(s, i, 0, s->size);
        free(s->p);
        s->p = NULL;
        counts[C_FREE]++;
      } else if (action < 8) {
        resize(s, i);
      } else {
        check(s, i, 0, s->size);
        s->tag = next_random();
        fill(s->p, s->tag, 0, s->size);
        counts[C_REWRITE]++;
      }
    }
    if ((step_number + 1) % SWEEP_EVERY == 0) {
      for (size_t k = 0; k < SLOTS; k++)
        if (slots[k].p) check(&slots[k], k, 0, slots[k].size);
      counts[C_SWEEPS]++;
    }
  }

  unsigned long long live = 0, live_bytes = 0;
  for (size_t k = 0; k < SLOTS; k++) {
    if (!slots[k].p) continue;
    check(&slots[k], k, 0, slots[k].size);
    live++;
    live_bytes += slots[k].size;
    free(slots[k].p);
    slots[k].p = NULL;
  }
  for (int c = 0; c < C_NCOUNTS; c++) printf("%-16s %llu\n", count_names[c], counts[c]);
  printf("bytes requested  %llu\n", bytes_requested);
  printf("live at the end  %llu blocks, %llu bytes (all freed)\n", live, live_bytes);
  printf("checksum         %016llx\n", (unsigned long long)checksum);
  printf("errors: 0\n");
  fprintf(stderr, "malloc-stress: spare bytes (malloc_usable_size) written in %llu blocks\n",
          spare_writes);
  return 0;
}
