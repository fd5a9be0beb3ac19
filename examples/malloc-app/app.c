/*
 * app.c - an ordinary C program that knows nothing about gomem: it counts the words of a
 * generated text in a hash table that grows with realloc, keeps each word in its own malloc'd
 * string, sorts them and prints the most frequent ones and a checksum. Linked with gomem_malloc
 * (or run with libgomem_malloc.so preloaded), every one of those allocations is gomem's; built
 * with -DSHOW_GOMEM it also prints what the gomem heap holds (build.sh does both).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef SHOW_GOMEM
#include "gomem_malloc.h"
#endif

typedef struct entry {
    char *word;
    size_t count;
} entry;

static entry *table;
static size_t capacity, used;

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

static void insert(const char *word, size_t count);

static void grow(void) {
    entry *old = table;
    size_t old_capacity = capacity;
    capacity = capacity ? capacity * 2 : 64;
    table = calloc(capacity, sizeof *table);
    if (table == NULL) exit(1);
    used = 0;
    for (size_t i = 0; i < old_capacity; i++) {
        if (old[i].word == NULL) continue;
        insert(old[i].word, old[i].count);
        free(old[i].word);
    }
    free(old);
}

static void insert(const char *word, size_t count) {
    if ((used + 1) * 4 > capacity * 3) grow();
    size_t at = (size_t)(hash(word) & (capacity - 1));
    while (table[at].word != NULL && strcmp(table[at].word, word) != 0) at = (at + 1) & (capacity - 1);
    if (table[at].word == NULL) {
        size_t n = strlen(word) + 1;
        table[at].word = malloc(n);
        if (table[at].word == NULL) exit(1);
        memcpy(table[at].word, word, n);
        used++;
    }
    table[at].count += count;
}

static int by_count(const void *a, const void *b) {
    const entry *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->word, y->word);
}

int main(void) {
    /* 2,000,000 words from a deterministic generator, each built in a buffer grown by realloc. */
    uint64_t state = 42;
    char *buffer = NULL;
    size_t buffer_size = 0;
    for (int w = 0; w < 2000000; w++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        size_t length = 1 + (size_t)((state >> 33) % 12);
        if (length + 1 > buffer_size) {
            buffer_size = length + 1;
            buffer = realloc(buffer, buffer_size);
            if (buffer == NULL) return 1;
        }
        for (size_t i = 0; i < length; i++) buffer[i] = (char)('a' + (state >> (i * 5 % 59)) % 6);
        buffer[length] = '\0';
        insert(buffer, 1);
    }
    free(buffer);
    entry *sorted = malloc(used * sizeof *sorted);
    if (sorted == NULL) return 1;
    size_t n = 0;
    for (size_t i = 0; i < capacity; i++)
        if (table[i].word) sorted[n++] = table[i];
    qsort(sorted, n, sizeof *sorted, by_count);
    uint64_t checksum = 0;
    for (size_t i = 0; i < n; i++) checksum = checksum * 31 + hash(sorted[i].word) + sorted[i].count;
    printf("%zu distinct words; most frequent:", n);
    for (size_t i = 0; i < 5 && i < n; i++) printf(" %s(%zu)", sorted[i].word, sorted[i].count);
    printf("\nchecksum %016llx\n", (unsigned long long)checksum);
    for (size_t i = 0; i < capacity; i++) free(table[i].word);
    free(table);
    free(sorted);
#ifdef SHOW_GOMEM
    gomem_malloc_info info;
    gomem_malloc_info_get(&info);
    fprintf(stderr, "gomem heap: %zu arenas, peak footprint %zu KiB, %zu bytes live, %zu misuses\n",
            info.heap.arena_count, info.heap.peak_footprint >> 10, info.heap.live, info.misuses);
#endif
    return 0;
}
