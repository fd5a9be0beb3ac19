/*
 * demo.c - the native demo `npm start` runs: GoMem's README examples in C. A scalable
 * allocator, segmented free, recyclable memory, and a FLV-like stream that arrives in random
 * pieces and is parsed across them with the reader, zero-copy. Exits non-zero if anything
 * disagrees with what it expects.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gomem.h"

static int failures;

static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "demo: unexpected result: %s\n", what);
        failures++;
    }
}

static void print_stats(const char *when, const gomem_allocator *allocator) {
    gomem_stats stats;
    gomem_allocator_stats(allocator, &stats);
    printf("  %-22s live %8zu B, footprint %8zu B in %zu arena(s), metadata %zu B\n", when,
           stats.live, stats.footprint, stats.arena_count, stats.metadata);
}

static void segmented_free(gomem_allocator *allocator) {
    printf("segmented free (GoMem's README example):\n");
    uint8_t *buf = gomem_alloc(allocator, 1024);
    expect(buf != NULL, "malloc 1024");
    memcpy(buf, "Part 1 data", 11);
    memcpy(buf + 256, "Part 2 data", 11);
    memcpy(buf + 512, "Part 3 data", 11);
    print_stats("after malloc(1024)", allocator);
    expect(gomem_free(allocator, buf, 256) == GOMEM_OK, "free part 1");
    expect(gomem_free(allocator, buf + 256, 256) == GOMEM_OK, "free part 2");
    print_stats("after freeing 512 B", allocator);
    memcpy(buf + 512, "Updated part 3", 14); /* the rest is still ours */
    gomem_status status = gomem_free(allocator, buf, 256);
    printf("  freeing part 1 again:  %s (%s)\n", gomem_status_name(status), gomem_status_message(status));
    expect(status == GOMEM_ERR_DOUBLE_FREE, "double free detected");
    expect(gomem_free(allocator, buf + 512, 512) == GOMEM_OK, "free part 3");
    print_stats("after freeing the rest", allocator);
}

/* Builds a stream of FLV-style tags (11-byte header: type, 24-bit size, timestamp, stream id;
 * then the payload and a 32-bit previous-tag-size), as a media server would receive it. */
static size_t build_stream(uint8_t *out, size_t capacity, int tags, uint64_t seed) {
    size_t at = 0;
    for (int t = 0; t < tags; t++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        uint8_t type = (seed >> 33) % 3 == 0 ? 9 : 8; /* video or audio */
        uint32_t size = type == 9 ? 2000 + (uint32_t)((seed >> 20) % 20000) : 100 + (uint32_t)((seed >> 20) % 500);
        if (at + 11 + size + 4 > capacity) break;
        uint8_t *tag = out + at;
        tag[0] = type;
        tag[1] = (uint8_t)(size >> 16), tag[2] = (uint8_t)(size >> 8), tag[3] = (uint8_t)size;
        memset(tag + 4, 0, 7);
        memset(tag + 11, (int)(t & 0xFF), size);
        uint32_t previous = size + 11;
        uint8_t *trailer = tag + 11 + size;
        trailer[0] = (uint8_t)(previous >> 24), trailer[1] = (uint8_t)(previous >> 16);
        trailer[2] = (uint8_t)(previous >> 8), trailer[3] = (uint8_t)previous;
        at += 11 + size + 4;
    }
    return at;
}

static void parse_stream(gomem_allocator *allocator) {
    enum { STREAM_CAPACITY = 1 << 20 };
    static uint8_t source[STREAM_CAPACITY];
    size_t stream_size = build_stream(source, sizeof source, 200, 42);

    /* The stream arrives in network-sized pieces, each copied once into managed memory. */
    gomem_recyclable chunks;
    gomem_recyclable_init(&chunks, allocator, gomem_allocator_resize, allocator);
    uint64_t seed = 7;
    for (size_t at = 0; at < stream_size;) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t piece = 1 + (size_t)((seed >> 33) % 1500);
        if (piece > stream_size - at) piece = stream_size - at;
        uint8_t *chunk = gomem_recyclable_next_n(&chunks, piece);
        expect(chunk != NULL, "next_n");
        if (chunk == NULL) return;
        memcpy(chunk, source + at, piece);
        at += piece;
    }
    printf("stream: %zu bytes in %zu pieces\n", stream_size, gomem_memory_count(&chunks.memory));
    print_stats("while holding stream", allocator);

    gomem_reader reader;
    gomem_memory_new_reader(&chunks.memory, &reader);
    int audio = 0, video = 0, in_one_piece = 0;
    for (;;) {
        uint8_t type;
        uint32_t size, previous;
        if (gomem_reader_read_u8(&reader, &type) != GOMEM_OK) break;
        expect(gomem_reader_read_u24_be(&reader, &size) == GOMEM_OK, "tag size");
        expect(gomem_reader_skip(&reader, 7) == GOMEM_OK, "tag header");
        const uint8_t *payload = NULL;
        gomem_status status = gomem_reader_read_view(&reader, size, &payload);
        if (status == GOMEM_OK) {
            in_one_piece++; /* a pointer straight into the piece: no copy */
        } else {
            expect(status == GOMEM_ERR_STRADDLE, "view status");
            expect(gomem_reader_skip(&reader, size) == GOMEM_OK, "skip straddling payload");
        }
        expect(gomem_reader_read_u32_be(&reader, &previous) == GOMEM_OK && previous == size + 11,
               "previous tag size");
        if (type == 8) audio++;
        if (type == 9) video++;
    }
    expect(gomem_reader_remaining(&reader) == 0, "stream fully parsed");
    printf("  parsed %d audio + %d video tags; %d payloads read in place, %d spanned pieces\n",
           audio, video, in_one_piece, audio + video - in_one_piece);
    expect(gomem_recyclable_recycle(&chunks) == GOMEM_OK, "recycle");
    print_stats("after recycle", allocator);
    gomem_recyclable_destroy(&chunks);
}

int main(void) {
    const gomem_page_info *pages = gomem_page_source();
    printf("gomem demo: pages from %s (page %zu B, lazy %s, huge pages %s), features 0x%x\n",
           pages->name, pages->page_size, pages->lazy_commit ? "yes" : "no",
           pages->huge_pages ? "advised" : "no", gomem_features());
    gomem_allocator *allocator = gomem_allocator_create(1024);
    expect(allocator != NULL, "allocator");
    if (allocator == NULL) return 1;
    segmented_free(allocator);
    parse_stream(allocator);
    gomem_stats stats;
    gomem_allocator_stats(allocator, &stats);
    expect(stats.live == 0, "live bytes back to zero");
    expect(gomem_allocator_invariants_hold(allocator), "invariants");
    printf("trim released %zu B\n", gomem_trim(allocator));
    gomem_allocator_destroy(allocator);
    printf("%s\n", failures ? "demo: FAILED" : "demo: ok");
    return failures ? 1 : 0;
}
