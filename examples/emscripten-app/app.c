/*
 * app.c - an Emscripten app that uses gomem next to its own malloc: libgomem.a linked with emcc
 * (README.md has the commands). It frees one block in pieces (segmented free), then receives a
 * message in two pieces and parses it across them with a reader, without joining them. gomem's
 * pages come from the app's malloc heap, so both allocators share it.
 */
#include <stdio.h>
#include <string.h>

#include "gomem.h"

static int failed(const char *what, gomem_status status) {
    fprintf(stderr, "%s: %s\n", what, gomem_status_message(status));
    return 1;
}

int main(void) {
    printf("gomem takes its pages from: %s\n", gomem_page_source()->name);
    gomem_allocator *allocator = gomem_allocator_create(0);
    if (allocator == NULL) return failed("gomem_allocator_create", GOMEM_ERR_NOMEM);

    /* Segmented free: the middle of a block goes back first, and its two ends stay usable. */
    uint8_t *block = gomem_alloc(allocator, 3000);
    if (block == NULL) return failed("gomem_alloc", GOMEM_ERR_NOMEM);
    gomem_status status = gomem_free(allocator, block + 1000, 1000);
    if (status == GOMEM_OK) status = gomem_free(allocator, block, 1000);
    if (status == GOMEM_OK) status = gomem_free(allocator, block + 2000, 1000);
    if (status != GOMEM_OK) return failed("gomem_free", status);

    /* A message as a socket might deliver it, in two pieces: a 16-bit big-endian length, then the
     * text. Each piece is copied once into gomem memory and recorded in a list (message.memory),
     * which the reader reads across; recycle frees every piece at once. */
    static const uint8_t wire[] = {0, 12, 'h', 'e', 'l', 'l', 'o', ',', ' ',
                                   'w', 'o', 'r', 'l', 'd'};
    const size_t piece_sizes[] = {5, sizeof wire - 5};
    gomem_recyclable message;
    gomem_recyclable_init(&message, allocator, gomem_allocator_resize, allocator);
    for (size_t i = 0, at = 0; i < 2; at += piece_sizes[i++]) {
        uint8_t *piece = gomem_recyclable_next_n(&message, piece_sizes[i]);
        if (piece == NULL) return failed("gomem_recyclable_next_n", GOMEM_ERR_NOMEM);
        memcpy(piece, wire + at, piece_sizes[i]);
    }
    gomem_reader reader;
    gomem_memory_new_reader(&message.memory, &reader);
    uint16_t length = 0;
    char text[64] = {0};
    status = gomem_reader_read_u16_be(&reader, &length);
    if (status == GOMEM_OK && length >= sizeof text) status = GOMEM_ERR_INVALID_SIZE;
    if (status == GOMEM_OK) status = gomem_reader_read_bytes(&reader, (uint8_t *)text, length);
    if (status != GOMEM_OK) return failed("reading the message", status);
    printf("received %zu bytes in %zu pieces: \"%s\"\n", message.memory.size,
           gomem_memory_count(&message.memory), text);

    gomem_recyclable_destroy(&message);
    gomem_allocator_destroy(allocator);
    return 0;
}
