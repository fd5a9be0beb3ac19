/*
 * app.c - an ordinary C program that allocates with malloc, realloc and free and knows nothing
 * about gomem. README.md shows how gomem becomes its malloc without changing a line: linked
 * (libgomem_malloc.a) or preloaded (LD_PRELOAD), natively, in WASI and with Emscripten. Built with
 * -DSHOW_GOMEM_HEAP it also prints what gomem's heap held, through gomem_malloc.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef SHOW_GOMEM_HEAP
#include "gomem_malloc.h"
#endif

static int by_text(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void) {
    /* 100,000 random words, each in its own malloc'd string, in an array grown by realloc. */
    char **words = NULL;
    size_t count = 0, capacity = 0;
    unsigned state = 1;
    for (size_t i = 0; i < 100000; i++) {
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            char **grown = realloc(words, capacity * sizeof *words);
            if (grown == NULL) return 1;
            words = grown;
        }
        size_t length = 1 + i % 12;
        char *word = malloc(length + 1);
        if (word == NULL) return 1;
        for (size_t k = 0; k < length; k++) {
            state = state * 1103515245u + 12345u;
            word[k] = (char)('a' + (state >> 16) % 26);
        }
        word[length] = '\0';
        words[count++] = word;
    }
    qsort(words, count, sizeof *words, by_text);
    printf("%zu words, from \"%s\" to \"%s\"\n", count, words[0], words[count - 1]);
    for (size_t i = 0; i < count; i++) free(words[i]);
    free(words);
#ifdef SHOW_GOMEM_HEAP
    gomem_malloc_info info;
    gomem_malloc_info_get(&info);
    printf("gomem heap: %zu arena(s), peak footprint %zu KiB\n", info.heap.arena_count,
           info.heap.peak_footprint >> 10);
#endif
    return 0;
}
