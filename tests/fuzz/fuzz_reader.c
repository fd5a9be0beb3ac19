/*
 * fuzz_reader.c - libFuzzer target for the reader (and the buffer list under it).
 *
 * The input's first bytes choose how many buffers there are and how long each is (empty ones
 * included), the next bytes fill them, and the rest is a sequence of reader operations: read,
 * read_bytes, peek, read_view, skip, unread, every fixed-width read in both byte orders and as a
 * peek, the signed reads, read_be/read_le with n = 0..5, LEB128, range and range_n (stopping
 * early too), current, read_byte_to, clip_front (with and without a release callback) followed by
 * refresh, pushes and self-appends that the reader only sees after refresh, move_to_end.
 *
 * Every result and status is compared with a reference written here over the joined bytes (a
 * plain array and a position: simple enough to be obviously right), including the documented
 * rules that a failed call moves nothing and writes no output, and that the list after
 * clip_front holds exactly the unread bytes. Every buffer, and every destination the reader
 * writes to, is its own malloc'd block of exactly its length, so AddressSanitizer catches any
 * access outside them. Nothing survives between inputs; any disagreement prints and traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NAME "fuzz_reader"
#include "fuzz_common.h"

#define MAX_BUFS 256
#define MAX_BYTES 16384
#define MAX_OPS 2000
#define MAX_OWNED 512

/* ---- the reference: joined bytes, a position, and a mirror of the list --------------------- */

typedef struct model {
    uint8_t bytes[MAX_BYTES]; /* every byte of the list, joined */
    size_t total;             /* = list size */
    size_t visible;           /* bytes the reader covers: total when made or refreshed */
    size_t pos;               /* bytes read */
    gomem_buf bufs[MAX_BUFS]; /* what the list must hold, in order */
    size_t starts[MAX_BUFS];  /* where each buffer begins in `bytes` */
    size_t count;
} model;

typedef struct world {
    model md;
    gomem_memory m;
    gomem_reader r;
    uint8_t *owned[MAX_OWNED]; /* every block handed to the list; freed when the input ends */
    size_t owned_count;
    bool null_empties; /* empty buffers are NULL (else a malloc(0) block of their own) */
    gomem_allocator *allocator; /* when the list's array lives in managed memory */
} world;

static size_t left(const model *md) { return md->visible - md->pos; }

/* The non-empty buffer holding joined byte `at` (at < total). */
static size_t buffer_at(const model *md, size_t at) {
    for (size_t i = 0; i < md->count; i++)
        if (md->starts[i] <= at && at < md->starts[i] + md->bufs[i].len) return i;
    FAIL("model: no buffer holds byte %zu of %zu", at, md->total);
}

static const uint8_t *pointer_at(const model *md, size_t at) {
    size_t i = buffer_at(md, at);
    return md->bufs[i].data + (at - md->starts[i]);
}

static uint64_t ref_uint(const model *md, size_t n, bool big) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t byte = md->bytes[md->pos + i];
        v |= byte << (8 * (big ? n - 1 - i : i));
    }
    return v;
}

/* Sign-extend an n-byte value: C11 fixes intN_t as two's complement, so copying bits is exact. */
static int64_t ref_int(const model *md, size_t n, bool big) {
    uint64_t v = ref_uint(md, n, big);
    if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~(uint64_t)0 << (8 * n);
    int64_t out;
    memcpy(&out, &v, sizeof out);
    return out;
}

/* LEB128 as the header defines it: the terminator (a byte without bit 7) must come within the
 * first ten bytes, and the tenth may only carry bit 63; fewer bytes than that is the end. */
static gomem_status ref_leb128(const model *md, uint64_t *value, size_t *consumed) {
    size_t avail = left(md);
    uint64_t v = 0;
    for (size_t t = 0; t < 10; t++) {
        if (t >= avail) return GOMEM_ERR_END_OF_DATA;
        uint8_t b = md->bytes[md->pos + t];
        if (t == 9 && (b & 0x7F) > 1) return GOMEM_ERR_OVERFLOW;
        v |= (uint64_t)(b & 0x7F) << (7 * t);
        if (!(b & 0x80)) {
            *value = v;
            *consumed = t + 1;
            return GOMEM_OK;
        }
    }
    return GOMEM_ERR_OVERFLOW;
}

static void mirror_starts(model *md) {
    size_t at = 0;
    for (size_t i = 0; i < md->count; i++) {
        md->starts[i] = at;
        at += md->bufs[i].len;
    }
    if (at != md->total) FAIL("model: buffers add up to %zu, not %zu", at, md->total);
}

/* ---- building the list --------------------------------------------------------------------- */

static uint8_t *own(world *w, size_t n) {
    if (w->owned_count == MAX_OWNED) FAIL("too many blocks");
    uint8_t *block = malloc(n); /* malloc(0) too: ASan flags any access to it */
    if (block == NULL) FAIL("malloc(%zu) failed", n);
    w->owned[w->owned_count++] = block;
    return block;
}

/* A new buffer of n bytes from the input, pushed onto the list and the mirror. */
static void push_buffer(world *w, stream *s, size_t n) {
    model *md = &w->md;
    if (md->count == MAX_BUFS || md->total + n > MAX_BYTES || w->owned_count == MAX_OWNED) return;
    uint8_t *data = n == 0 && w->null_empties ? NULL : own(w, n);
    for (size_t i = 0; i < n; i++) data[i] = next_u8(s);
    if (n) memcpy(md->bytes + md->total, data, n);
    EXPECT_STATUS("push_one", gomem_memory_push_one(&w->m, data, n), GOMEM_OK);
    md->bufs[md->count] = (gomem_buf){data, n};
    md->starts[md->count] = md->total;
    md->count++;
    md->total += n;
}

/* ---- comparing after every operation ------------------------------------------------------- */

static void compare(const world *w) {
    const model *md = &w->md;
    if (w->m.count != md->count) FAIL("list has %zu buffers, model %zu", w->m.count, md->count);
    if (w->m.size != md->total) FAIL("list size %zu, model %zu", w->m.size, md->total);
    for (size_t i = 0; i < md->count; i++)
        if (w->m.buffers[i].data != md->bufs[i].data || w->m.buffers[i].len != md->bufs[i].len)
            FAIL("buffer %zu is %p+%zu, model %p+%zu", i, (void *)w->m.buffers[i].data,
                 w->m.buffers[i].len, (void *)md->bufs[i].data, md->bufs[i].len);
    if (gomem_reader_remaining(&w->r) != left(md))
        FAIL("remaining %zu, model %zu", gomem_reader_remaining(&w->r), left(md));
    if (gomem_reader_offset(&w->r) != md->pos)
        FAIL("offset %zu, model %zu", gomem_reader_offset(&w->r), md->pos);
}

/* ---- operations ---------------------------------------------------------------------------- */

/* Lengths mostly within what is left, sometimes a little past it, rarely huge. */
static size_t pick_len(stream *s, size_t avail) {
    uint8_t v = next_u8(s);
    if (v == 0xFF) return SIZE_MAX;
    if (v == 0xFE) return avail + 1;
    return (size_t)v % (avail + 4);
}

static void do_read(world *w, stream *s) {
    model *md = &w->md;
    size_t cap = pick_len(s, left(md));
    if (cap == SIZE_MAX) cap = left(md) + 100; /* no huge buffer to back it */
    uint8_t *dst = cap ? malloc(cap) : NULL;
    if (cap && !dst) FAIL("malloc");
    if (cap) memset(dst, 0xA5, cap);
    size_t n = 777;
    gomem_status got = gomem_reader_read(&w->r, dst, cap, &n);
    size_t want = left(md) < cap ? left(md) : cap;
    EXPECT_STATUS("read", got, left(md) ? GOMEM_OK : GOMEM_ERR_END_OF_DATA);
    if (n != want) FAIL("read(%zu) reported %zu bytes, expected %zu", cap, n, want);
    if (want && memcmp(dst, md->bytes + md->pos, want) != 0) FAIL("read(%zu) bytes differ", cap);
    for (size_t i = want; i < cap; i++)
        if (dst[i] != 0xA5) FAIL("read(%zu) wrote byte %zu past what it reported", cap, i);
    md->pos += want;
    free(dst);
}

static void do_read_bytes(world *w, stream *s, bool peek) {
    model *md = &w->md;
    size_t n = pick_len(s, left(md));
    bool fits = n <= left(md);
    /* Exactly n bytes of destination when they fit, so ASan sees any write past n. */
    size_t cap = fits ? n : 8;
    uint8_t *dst = cap ? malloc(cap) : NULL;
    if (cap && !dst) FAIL("malloc");
    if (cap) memset(dst, 0xA5, cap);
    gomem_status got = peek ? gomem_reader_peek(&w->r, dst, n) : gomem_reader_read_bytes(&w->r, dst, n);
    EXPECT_STATUS(peek ? "peek" : "read_bytes", got, fits ? GOMEM_OK : GOMEM_ERR_END_OF_DATA);
    if (fits) {
        if (n && memcmp(dst, md->bytes + md->pos, n) != 0) FAIL("read_bytes/peek(%zu) bytes differ", n);
        if (!peek) md->pos += n;
    } else {
        for (size_t i = 0; i < cap; i++)
            if (dst[i] != 0xA5) FAIL("a failed read_bytes/peek wrote its destination");
    }
    free(dst);
}

static void do_view(world *w, stream *s) {
    model *md = &w->md;
    size_t n = pick_len(s, left(md) < 40 ? left(md) : 40);
    const uint8_t *view = (const uint8_t *)&view; /* sentinel: must stay on failure */
    const uint8_t *sentinel = view;
    gomem_status want;
    if (n > left(md))
        want = GOMEM_ERR_END_OF_DATA;
    else if (n == 0)
        want = GOMEM_OK;
    else {
        size_t i = buffer_at(md, md->pos);
        want = md->pos + n <= md->starts[i] + md->bufs[i].len ? GOMEM_OK : GOMEM_ERR_STRADDLE;
    }
    EXPECT_STATUS("read_view", gomem_reader_read_view(&w->r, n, &view), want);
    if (want != GOMEM_OK) {
        if (view != sentinel) FAIL("a failed read_view wrote its output");
        return;
    }
    if (n == 0) {
        if (view != NULL) FAIL("read_view(0) did not give NULL");
        return;
    }
    if (view != pointer_at(md, md->pos)) FAIL("read_view(%zu) points at the wrong byte", n);
    if (memcmp(view, md->bytes + md->pos, n) != 0) FAIL("read_view bytes differ");
    md->pos += n;
}

static void do_skip(world *w, stream *s) {
    model *md = &w->md;
    size_t n = pick_len(s, left(md));
    bool fits = n <= left(md);
    EXPECT_STATUS("skip", gomem_reader_skip(&w->r, n), fits ? GOMEM_OK : GOMEM_ERR_END_OF_DATA);
    if (fits) md->pos += n;
}

static void do_unread(world *w, stream *s) {
    model *md = &w->md;
    size_t n = pick_len(s, md->pos);
    bool fits = n <= md->pos;
    EXPECT_STATUS("unread", gomem_reader_unread(&w->r, n), fits ? GOMEM_OK : GOMEM_ERR_INVALID_ARGUMENT);
    if (fits) md->pos -= n;
}

static void do_u8(world *w, stream *s) {
    model *md = &w->md;
    uint8_t kind = next_u8(s) % 3, mask = next_u8(s), out = 0x5A;
    gomem_status got = kind == 0   ? gomem_reader_read_u8(&w->r, &out)
                       : kind == 1 ? gomem_reader_peek_u8(&w->r, &out)
                                   : gomem_reader_read_byte_mask(&w->r, mask, &out);
    bool fits = left(md) >= 1;
    EXPECT_STATUS("read_u8/peek_u8/read_byte_mask", got, fits ? GOMEM_OK : GOMEM_ERR_END_OF_DATA);
    if (!fits) {
        if (out != 0x5A) FAIL("a failed u8 read wrote its output");
        return;
    }
    uint8_t want = kind == 2 ? (uint8_t)(md->bytes[md->pos] & mask) : md->bytes[md->pos];
    if (out != want) FAIL("u8 read (kind %u) gave %u, expected %u", kind, out, want);
    if (kind != 1) md->pos++;
}

/* Every unsigned fixed-width read and peek, in both byte orders. */
static void do_fixed(world *w, stream *s) {
    model *md = &w->md;
    uint8_t which = next_u8(s) % 16;
    static const size_t widths[] = {2, 3, 4, 8};
    size_t n = widths[which / 4];
    bool big = (which & 1) == 0, peek = (which & 2) != 0;
    const uint64_t sentinel = 0x5A5A5A5A5A5A5A5Aull;
    uint16_t v16 = (uint16_t)sentinel;
    uint32_t v32 = (uint32_t)sentinel;
    uint64_t v64 = sentinel, got_value;
    gomem_reader *r = &w->r;
    gomem_status got;
    switch (which) {
    case 0: got = gomem_reader_read_u16_be(r, &v16); break;
    case 1: got = gomem_reader_read_u16_le(r, &v16); break;
    case 2: got = gomem_reader_peek_u16_be(r, &v16); break;
    case 3: got = gomem_reader_peek_u16_le(r, &v16); break;
    case 4: got = gomem_reader_read_u24_be(r, &v32); break;
    case 5: got = gomem_reader_read_u24_le(r, &v32); break;
    case 6: got = gomem_reader_peek_u24_be(r, &v32); break;
    case 7: got = gomem_reader_peek_u24_le(r, &v32); break;
    case 8: got = gomem_reader_read_u32_be(r, &v32); break;
    case 9: got = gomem_reader_read_u32_le(r, &v32); break;
    case 10: got = gomem_reader_peek_u32_be(r, &v32); break;
    case 11: got = gomem_reader_peek_u32_le(r, &v32); break;
    case 12: got = gomem_reader_read_u64_be(r, &v64); break;
    case 13: got = gomem_reader_read_u64_le(r, &v64); break;
    case 14: got = gomem_reader_peek_u64_be(r, &v64); break;
    default: got = gomem_reader_peek_u64_le(r, &v64); break;
    }
    got_value = n == 2 ? v16 : n == 8 ? v64 : v32;
    uint64_t sentinel_value = n == 2 ? (uint16_t)sentinel : n == 8 ? sentinel : (uint32_t)sentinel;
    bool fits = left(md) >= n;
    char what[64];
    snprintf(what, sizeof what, "fixed read %u (%zu bytes, %s%s)", which, n, big ? "be" : "le",
             peek ? ", peek" : "");
    EXPECT_STATUS(what, got, fits ? GOMEM_OK : GOMEM_ERR_END_OF_DATA);
    if (!fits) {
        if (got_value != sentinel_value) FAIL("%s failed but wrote its output", what);
        return;
    }
    if (got_value != ref_uint(md, n, big))
        FAIL("%s gave %llx, expected %llx", what, (unsigned long long)got_value,
             (unsigned long long)ref_uint(md, n, big));
    if (!peek) md->pos += n;
}

static void do_signed(world *w, stream *s) {
    model *md = &w->md;
    uint8_t which = next_u8(s) % 9;
    static const size_t widths[] = {1, 2, 2, 3, 3, 4, 4, 8, 8};
    size_t n = widths[which];
    bool big = which == 0 || which % 2 == 1;
    int8_t v8 = 0x5A;
    int16_t v16 = 0x5A5A;
    int32_t v32 = 0x5A5A5A5A;
    int64_t v64 = 0x5A5A5A5A5A5A5A5A, got_value;
    gomem_reader *r = &w->r;
    gomem_status got;
    switch (which) {
    case 0: got = gomem_reader_read_i8(r, &v8); break;
    case 1: got = gomem_reader_read_i16_be(r, &v16); break;
    case 2: got = gomem_reader_read_i16_le(r, &v16); break;
    case 3: got = gomem_reader_read_i24_be(r, &v32); break;
    case 4: got = gomem_reader_read_i24_le(r, &v32); break;
    case 5: got = gomem_reader_read_i32_be(r, &v32); break;
    case 6: got = gomem_reader_read_i32_le(r, &v32); break;
    case 7: got = gomem_reader_read_i64_be(r, &v64); break;
    default: got = gomem_reader_read_i64_le(r, &v64); break;
    }
    got_value = n == 1 ? v8 : n == 2 ? v16 : n == 8 ? v64 : v32;
    int64_t sentinel_value = n == 1 ? 0x5A : n == 2 ? 0x5A5A : n == 8 ? 0x5A5A5A5A5A5A5A5A : 0x5A5A5A5A;
    bool fits = left(md) >= n;
    EXPECT_STATUS("signed read", got, fits ? GOMEM_OK : GOMEM_ERR_END_OF_DATA);
    if (!fits) {
        if (got_value != sentinel_value) FAIL("a failed signed read (%u) wrote its output", which);
        return;
    }
    if (got_value != ref_int(md, n, big))
        FAIL("signed read %u gave %lld, expected %lld", which, (long long)got_value,
             (long long)ref_int(md, n, big));
    md->pos += n;
}

static void do_read_be_le(world *w, stream *s) {
    model *md = &w->md;
    uint8_t v = next_u8(s);
    size_t n = v % 6;
    bool big = (v & 0x80) != 0;
    uint32_t out = 0x5A5A5A5A;
    gomem_status got = big ? gomem_reader_read_be(&w->r, n, &out) : gomem_reader_read_le(&w->r, n, &out);
    gomem_status want = n < 1 || n > 4 ? GOMEM_ERR_INVALID_SIZE
                        : left(md) >= n ? GOMEM_OK
                                        : GOMEM_ERR_END_OF_DATA;
    EXPECT_STATUS(big ? "read_be" : "read_le", got, want);
    if (want != GOMEM_OK) {
        if (out != 0x5A5A5A5A) FAIL("a failed read_be/le wrote its output");
        return;
    }
    if (out != ref_uint(md, n, big)) FAIL("read_%s(%zu) gave %x", big ? "be" : "le", n, out);
    md->pos += n;
}

static void do_leb128(world *w, stream *s) {
    model *md = &w->md;
    bool want_consumed = next_u8(s) & 1;
    uint64_t value = 0x5A5A, want_value = 0;
    size_t consumed = 99, want_used = 0;
    gomem_status want = ref_leb128(md, &want_value, &want_used);
    gomem_status got = gomem_reader_read_leb128(&w->r, &value, want_consumed ? &consumed : NULL);
    EXPECT_STATUS("read_leb128", got, want);
    if (want != GOMEM_OK) {
        if (value != 0x5A5A || consumed != 99) FAIL("a failed read_leb128 wrote its outputs");
        return;
    }
    if (value != want_value)
        FAIL("leb128 gave %llu, expected %llu", (unsigned long long)value, (unsigned long long)want_value);
    if (want_consumed && consumed != want_used) FAIL("leb128 consumed %zu, expected %zu", consumed, want_used);
    md->pos += want_used;
}

static void do_byte_to(world *w, stream *s) {
    model *md = &w->md;
    size_t n = next_u8(s) % 6;
    uint8_t slots[5];
    memset(slots, 0x5A, sizeof slots);
    /* Scattered destinations, in an order the input does not control (reverse). */
    uint8_t *dst[5] = {&slots[4], &slots[3], &slots[2], &slots[1], &slots[0]};
    bool fits = n <= left(md);
    EXPECT_STATUS("read_byte_to", gomem_reader_read_byte_to(&w->r, dst, n), fits ? GOMEM_OK : GOMEM_ERR_END_OF_DATA);
    for (size_t i = 0; i < 5; i++) {
        uint8_t want = fits && i < n ? md->bytes[md->pos + i] : 0x5A;
        if (*dst[i] != want) FAIL("read_byte_to slot %zu is %u, expected %u", i, *dst[i], want);
    }
    if (fits) md->pos += n;
}

typedef struct ranger {
    const model *md;
    size_t at;        /* joined offset the next piece must start at */
    size_t limit;     /* joined offset the walk may not pass */
    size_t pieces;
    size_t stop_after;
} ranger;

/* A piece must be the rest of one buffer (up to the limit), starting exactly at the cursor. */
static bool range_visit(void *context, const uint8_t *data, size_t len) {
    ranger *g = context;
    const model *md = g->md;
    if (len == 0 || g->at >= g->limit) FAIL("range visited an empty piece or one past its limit");
    size_t i = buffer_at(md, g->at);
    size_t end = md->starts[i] + md->bufs[i].len;
    if (end > g->limit) end = g->limit;
    if (data != pointer_at(md, g->at) || len != end - g->at)
        FAIL("range piece %zu is %p+%zu, expected %p+%zu", g->pieces, (const void *)data, len,
             (const void *)pointer_at(md, g->at), end - g->at);
    g->at = end;
    g->pieces++;
    return g->pieces < g->stop_after;
}

static void do_range(world *w, stream *s) {
    model *md = &w->md;
    uint8_t v = next_u8(s);
    bool all = v & 1, null_visit = (v & 6) == 0;
    size_t n = all ? SIZE_MAX : pick_len(s, left(md));
    size_t want_limit = md->pos + (n < left(md) ? n : left(md));
    ranger g = {md, md->pos, want_limit, 0, (size_t)(v >> 3) % 4 + 1};
    if ((v >> 3) % 8 >= 4) g.stop_after = SIZE_MAX;
    gomem_buf_visitor visit = null_visit ? NULL : range_visit;
    size_t moved = all ? gomem_reader_range(&w->r, visit, &g) : gomem_reader_range_n(&w->r, n, visit, &g);
    size_t want = null_visit ? want_limit - md->pos : g.at - md->pos;
    /* Without an early stop the walk must reach its limit. */
    if (!null_visit && g.pieces < g.stop_after && g.at != want_limit)
        FAIL("range stopped at %zu before its limit %zu", g.at, want_limit);
    if (moved != want) FAIL("range moved %zu bytes, expected %zu", moved, want);
    md->pos += want;
}

static void do_current(world *w) {
    const model *md = &w->md;
    gomem_buf cur = gomem_reader_current(&w->r);
    if (left(md) == 0) {
        if (cur.data != NULL || cur.len != 0) FAIL("current at the end is not {NULL, 0}");
        return;
    }
    size_t i = buffer_at(md, md->pos);
    if (cur.data != pointer_at(md, md->pos) || cur.len != md->starts[i] + md->bufs[i].len - md->pos)
        FAIL("current is %p+%zu, expected the rest of buffer %zu", (void *)cur.data, cur.len, i);
}

typedef struct released {
    gomem_buf pieces[MAX_BUFS + 1];
    size_t count;
} released;

static void release_piece(void *context, uint8_t *data, size_t len) {
    released *rel = context;
    if (rel->count == MAX_BUFS + 1) FAIL("clip_front released more pieces than buffers");
    rel->pieces[rel->count++] = (gomem_buf){data, len};
}

/* clip_front: the released pieces are the read prefix, whole buffers then part of one, and the
 * list keeps exactly the unread bytes, as the tail of the old list. */
static void do_clip(world *w, stream *s) {
    model *md = &w->md;
    uint8_t v = next_u8(s);
    bool with_release = v & 1;
    static released rel;
    rel.count = 0;
    gomem_reader_clip_front(&w->r, with_release ? release_piece : NULL, &rel);
    if (md->pos == 0) {
        if (rel.count != 0) FAIL("clip_front with nothing read released %zu pieces", rel.count);
        return; /* nothing read: no change (compare checks the list) */
    }
    size_t dropped = md->count - w->m.count;
    if (w->m.count > md->count) FAIL("clip_front grew the list");
    /* The kept buffers are the old tail; the first may have lost a prefix. */
    size_t prefix = 0;
    for (size_t j = 0; j < w->m.count; j++) {
        const gomem_buf *old = &md->bufs[dropped + j], *now = &w->m.buffers[j];
        if (j == 0 && now->data != old->data) {
            prefix = old->len - now->len;
            if (now->len == 0 || now->len >= old->len || now->data != old->data + prefix)
                FAIL("clip_front kept buffer 0 as %p+%zu, not a suffix of %p+%zu", (void *)now->data,
                     now->len, (void *)old->data, old->len);
        } else if (now->data != old->data || now->len != old->len) {
            FAIL("clip_front changed kept buffer %zu", j);
        }
    }
    size_t cut = md->starts[dropped < md->count ? dropped : 0] + prefix;
    if (dropped == md->count) cut = md->total;
    if (cut != md->pos) FAIL("clip_front dropped %zu bytes, %zu were read", cut, md->pos);
    /* When unread bytes remain, the cursor's buffer leads: no empty buffer before it. */
    if (left(md) > 0 && (w->m.count == 0 || w->m.buffers[0].len == 0))
        FAIL("clip_front kept an empty buffer before the cursor");
    if (with_release) {
        size_t k = 0;
        for (size_t i = 0; i < dropped; i++) {
            if (md->bufs[i].len == 0) continue;
            if (k >= rel.count || rel.pieces[k].data != md->bufs[i].data || rel.pieces[k].len != md->bufs[i].len)
                FAIL("clip_front release %zu is not dropped buffer %zu", k, i);
            k++;
        }
        if (prefix) {
            if (k >= rel.count || rel.pieces[k].data != md->bufs[dropped].data || rel.pieces[k].len != prefix)
                FAIL("clip_front did not release the read prefix of the cursor's buffer");
            k++;
        }
        if (k != rel.count) FAIL("clip_front released %zu pieces, expected %zu", rel.count, k);
    }
    /* Rebase the model on the clipped list. */
    memmove(md->bytes, md->bytes + md->pos, md->total - md->pos);
    md->total -= md->pos;
    md->visible -= md->pos;
    md->pos = 0;
    memmove(md->bufs, md->bufs + dropped, (md->count - dropped) * sizeof(gomem_buf));
    md->count -= dropped;
    if (md->count) md->bufs[0] = w->m.buffers[0];
    mirror_starts(md);
    if (v & 2) { /* refresh right after, as a caller that keeps reading would */
        gomem_reader_refresh(&w->r);
        md->visible = md->total;
    }
}

static void do_push(world *w, stream *s) {
    uint8_t v = next_u8(s);
    if (v % 8 == 7 && w->md.count * 2 <= MAX_BUFS) {
        /* The list appended to itself: same buffers again (the list never owns bytes). */
        model *md = &w->md;
        EXPECT_STATUS("append self", gomem_memory_append(&w->m, &w->m), GOMEM_OK);
        size_t count = md->count, total = md->total;
        for (size_t i = 0; i < count; i++) md->bufs[count + i] = md->bufs[i];
        memcpy(md->bytes + total, md->bytes, total);
        md->count = 2 * count;
        md->total = 2 * total;
        mirror_starts(md);
    } else {
        push_buffer(w, s, v % 4 == 0 ? 0 : (size_t)next_u8(s) % 48);
    }
    if (v & 0x80) {
        gomem_reader_refresh(&w->r);
        w->md.visible = w->md.total;
    }
}

static void do_copy_out(world *w, stream *s) {
    /* The list's own joins agree with the model too (a cheap check of memory.c). */
    const model *md = &w->md;
    size_t cap = (size_t)next_u16(s) % (md->total + 8);
    uint8_t *dst = cap ? malloc(cap) : NULL;
    if (cap && !dst) FAIL("malloc");
    size_t n = gomem_memory_copy_to(&w->m, dst, cap);
    size_t want = cap < md->total ? cap : md->total;
    if (n != want || (n && memcmp(dst, md->bytes, n) != 0)) FAIL("copy_to(%zu) differs", cap);
    EXPECT_STATUS("to_bytes", gomem_memory_to_bytes(&w->m, dst, cap),
                  cap >= md->total ? GOMEM_OK : GOMEM_ERR_INVALID_SIZE);
    free(dst);
}

static void step(world *w, stream *s) {
    model *md = &w->md;
    gomem_reader before = w->r;
    size_t pos_before = md->pos, visible_before = md->visible;
    bool reshaped = false; /* the list changed, so the cursor may be renumbered */
    uint8_t op = next_u8(s);
    switch (op % 22) {
    case 0: do_read(w, s); break;
    case 1: do_read_bytes(w, s, false); break;
    case 2: do_read_bytes(w, s, true); break;
    case 3: do_view(w, s); break;
    case 4: do_skip(w, s); break;
    case 5:
    case 6: do_unread(w, s); break;
    case 7: do_u8(w, s); break;
    case 8:
    case 9: do_fixed(w, s); break;
    case 10: do_signed(w, s); break;
    case 11: do_read_be_le(w, s); break;
    case 12:
    case 13: do_leb128(w, s); break;
    case 14: do_byte_to(w, s); break;
    case 15: do_range(w, s); break;
    case 16: do_current(w); break;
    case 17: do_clip(w, s); reshaped = true; break;
    case 18: do_push(w, s); reshaped = true; break;
    case 19: do_copy_out(w, s); break;
    case 20: gomem_reader_refresh(&w->r); md->visible = md->total; reshaped = true; break;
    default: gomem_reader_move_to_end(&w->r); md->pos = md->visible; break;
    }
    compare(w);
    /* A failed call, a peek or a zero-length move leaves every field of the cursor as it was. */
    if (!reshaped && md->pos == pos_before && md->visible == visible_before &&
        (w->r.buf_index != before.buf_index || w->r.buf_offset != before.buf_offset ||
         w->r.length != before.length || w->r.position != before.position))
        FAIL("operation %u moved nothing but changed the cursor", op % 22);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static world w; /* large: static, but fully re-initialised for every input */
    stream s = {data, size, 0};
    size_t held_at_start = gomem_page_bytes_held();
    gomem_set_page_limit(0);
    memset(&w, 0, sizeof w);
    op_number = 0;

    uint8_t flags = next_u8(&s);
    w.null_empties = flags & 1;
    if (flags & 2) {
        /* The list's array in managed memory, as in wasm builds. */
        w.allocator = gomem_allocator_create(4096);
        if (w.allocator == NULL) FAIL("allocator");
        gomem_memory_init(&w.m, gomem_allocator_resize, w.allocator);
    } else {
        gomem_memory_init(&w.m, NULL, NULL);
    }
    /* Split points: a count, then one length per buffer (0 makes an empty buffer). */
    size_t count = next_u8(&s) % 24;
    uint8_t lengths[24];
    for (size_t i = 0; i < count; i++) lengths[i] = next_u8(&s);
    for (size_t i = 0; i < count; i++) push_buffer(&w, &s, lengths[i] % 64);
    gomem_memory_new_reader(&w.m, &w.r);
    w.md.visible = w.md.total;
    compare(&w);

    for (op_number = 0; op_number < MAX_OPS && s.at < s.size; op_number++) step(&w, &s);

    gomem_memory_destroy(&w.m);
    for (size_t i = 0; i < w.owned_count; i++) free(w.owned[i]);
    gomem_allocator_destroy(w.allocator);
    if (gomem_page_bytes_held() != held_at_start)
        FAIL("page bytes held %zu after destroying everything, %zu before the input",
             gomem_page_bytes_held(), held_at_start);
    return 0;
}
