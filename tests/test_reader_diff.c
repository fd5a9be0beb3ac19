/*
 * test_reader_diff.c - differential test of the reader: random bytes cut at random points into a
 * random number of buffers (empty ones included, each its own heap block so the sanitizers see
 * any read past a buffer), read with random sequences of operations, every result compared with
 * the same operation on the joined bytes. Seeded (GOMEM_TEST_SEED replays a run).
 */
#include "check.h"

#define CASES 4000
#define MAX_BYTES 300
#define MAX_BUFS 64
#define MAX_OPS 80

/* The oracle: the joined bytes, the cursor in them, and where each buffer starts. */
typedef struct model {
    uint8_t bytes[MAX_BYTES * 2];
    size_t len;      /* bytes the reader may see */
    size_t pos;      /* bytes read */
    size_t starts[MAX_BUFS * 2];
    size_t count;    /* buffers mirrored in starts, same order as the list */
} model;

/* Every buffer ever handed to the list, freed when the case ends (clip_front only reports). */
typedef struct owned {
    uint8_t *blocks[MAX_BUFS * 2];
    size_t count;
} owned;

static test_rng rng;
static bool high_bits; /* this case's bytes mostly have bit 7 set: long LEB128, negative ints */

static size_t rnd(size_t lo, size_t hi) { return test_rng_range(&rng, lo, hi); }

/* Push `n` fresh bytes as one new buffer (NULL when empty) onto both the list and the model. */
static void push_piece(gomem_memory *m, model *md, owned *own, size_t n) {
    uint8_t *block = NULL;
    if (n) {
        block = malloc(n);
        CHECK(block != NULL);
        if (!block) return;
        own->blocks[own->count++] = block;
        for (size_t i = 0; i < n; i++) {
            block[i] = (uint8_t)test_rng_next(&rng);
            if (high_bits && test_rng_range(&rng, 0, 7)) block[i] |= 0x80;
        }
        memcpy(md->bytes + md->len, block, n);
    }
    md->starts[md->count++] = md->len;
    md->len += n;
    CHECK_STATUS(gomem_memory_push_one(m, block, n), GOMEM_OK);
}

/* Cut `total` bytes into `pieces` buffers at random points, some of them empty. */
static void fill(gomem_memory *m, model *md, owned *own, size_t total, size_t pieces) {
    size_t left = total;
    for (size_t i = 0; i < pieces && md->count < MAX_BUFS; i++) {
        size_t n = i + 1 == pieces ? left : rnd(0, 3) == 0 ? 0 : rnd(0, left);
        push_piece(m, md, own, n);
        left -= n;
    }
    if (left) push_piece(m, md, own, left);
}

/* End (in joined bytes) of the non-empty buffer holding byte `at`, which must exist. */
static size_t buffer_end_at(const gomem_memory *m, const model *md, size_t at) {
    for (size_t i = 0; i < md->count; i++)
        if (md->starts[i] <= at && at < md->starts[i] + m->buffers[i].len)
            return md->starts[i] + m->buffers[i].len;
    return 0;
}

/* Pointer the list holds for joined byte `at`. */
static const uint8_t *pointer_at(const gomem_memory *m, const model *md, size_t at) {
    for (size_t i = 0; i < md->count; i++)
        if (md->starts[i] <= at && at < md->starts[i] + m->buffers[i].len)
            return m->buffers[i].data + (at - md->starts[i]);
    return NULL;
}

static uint64_t ref_uint(const model *md, size_t n, bool big_endian) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b = md->bytes[md->pos + i];
        v |= b << (8 * (big_endian ? n - 1 - i : i));
    }
    return v;
}

/* C11 fixes intN_t as two's complement, so copying the extended bits gives the signed value. */
static int64_t ref_int(const model *md, size_t n, bool big_endian) {
    uint64_t v = ref_uint(md, n, big_endian);
    if (n < 8 && (v & (1ull << (8 * n - 1)))) v |= ~0ull << (8 * n);
    int64_t s;
    memcpy(&s, &v, sizeof s);
    return s;
}

/* LEB128 as the header defines it: a terminator within the first ten bytes, the tenth carrying
 * at most bit 63; no terminator among ten bytes is an overflow, fewer bytes than that the end. */
static gomem_status ref_leb128(const model *md, uint64_t *value, size_t *consumed) {
    size_t avail = md->len - md->pos;
    for (size_t t = 0; t < 10 && t < avail; t++) {
        if (md->bytes[md->pos + t] & 0x80) continue;
        if (t == 9 && md->bytes[md->pos + 9] > 1) return GOMEM_ERR_OVERFLOW;
        uint64_t v = 0;
        for (size_t i = 0; i <= t; i++) v += (uint64_t)(md->bytes[md->pos + i] & 0x7F) << (7 * i);
        *value = v;
        *consumed = t + 1;
        return GOMEM_OK;
    }
    return avail >= 10 ? GOMEM_ERR_OVERFLOW : GOMEM_ERR_END_OF_DATA;
}

typedef struct gathered {
    uint8_t bytes[MAX_BYTES * 2];
    size_t len;
    size_t pieces;
    bool pieces_ok; /* every piece lies in one buffer of the list */
    const gomem_memory *m;
} gathered;

static bool gather_piece(void *context, const uint8_t *data, size_t len) {
    gathered *g = context;
    bool inside = false;
    for (size_t i = 0; i < g->m->count; i++) {
        const gomem_buf *b = &g->m->buffers[i];
        if (b->len && data >= b->data && data + len <= b->data + b->len) inside = true;
    }
    g->pieces_ok = g->pieces_ok && inside && len > 0;
    memcpy(g->bytes + g->len, data, len);
    g->len += len;
    g->pieces++;
    return true;
}

static void release_piece(void *context, uint8_t *data, size_t len) {
    gathered *g = context;
    g->pieces_ok = g->pieces_ok && len > 0;
    memcpy(g->bytes + g->len, data, len);
    g->len += len;
    g->pieces++;
}

/* One random operation on both sides. */
static void step(gomem_memory *m, gomem_reader *r, model *md, owned *own) {
    size_t left = md->len - md->pos;
    gomem_reader before = *r;
    size_t pos_before = md->pos;
    bool reshaped = false; /* the list itself changed, so the cursor may be renumbered */
    gomem_status expect_short = GOMEM_ERR_END_OF_DATA;
    switch (rnd(0, 17)) {
    case 0: { /* u8 read or peek */
        bool peek = rnd(0, 1);
        uint8_t b = 0;
        gomem_status s = peek ? gomem_reader_peek_u8(r, &b) : gomem_reader_read_u8(r, &b);
        CHECK_STATUS(s, left >= 1 ? GOMEM_OK : expect_short);
        if (left >= 1) {
            CHECK_EQ(b, md->bytes[md->pos]);
            if (!peek) md->pos++;
        }
        break;
    }
    case 1:
    case 2: { /* unsigned fixed widths, both orders, read or peek */
        static const size_t widths[] = {2, 3, 4, 8};
        size_t n = widths[rnd(0, 3)];
        bool big = rnd(0, 1), peek = rnd(0, 1);
        uint64_t got = 0;
        gomem_status s;
        if (n == 2) {
            uint16_t v = 0;
            if (peek)
                s = (big ? gomem_reader_peek_u16_be : gomem_reader_peek_u16_le)(r, &v);
            else
                s = (big ? gomem_reader_read_u16_be : gomem_reader_read_u16_le)(r, &v);
            got = v;
        } else if (n == 3) {
            uint32_t v = 0;
            if (peek)
                s = (big ? gomem_reader_peek_u24_be : gomem_reader_peek_u24_le)(r, &v);
            else
                s = (big ? gomem_reader_read_u24_be : gomem_reader_read_u24_le)(r, &v);
            got = v;
        } else if (n == 4) {
            uint32_t v = 0;
            if (peek)
                s = (big ? gomem_reader_peek_u32_be : gomem_reader_peek_u32_le)(r, &v);
            else
                s = (big ? gomem_reader_read_u32_be : gomem_reader_read_u32_le)(r, &v);
            got = v;
        } else {
            if (peek)
                s = (big ? gomem_reader_peek_u64_be : gomem_reader_peek_u64_le)(r, &got);
            else
                s = (big ? gomem_reader_read_u64_be : gomem_reader_read_u64_le)(r, &got);
        }
        CHECK_STATUS(s, left >= n ? GOMEM_OK : expect_short);
        if (left >= n) {
            CHECK_EQ(got, ref_uint(md, n, big));
            if (!peek) md->pos += n;
        }
        break;
    }
    case 3: { /* signed */
        static const size_t widths[] = {1, 2, 3, 4, 8};
        size_t n = widths[rnd(0, 4)];
        bool big = rnd(0, 1);
        int64_t got = 0;
        gomem_status s;
        if (n == 1) {
            int8_t v = 0;
            s = gomem_reader_read_i8(r, &v);
            got = v;
        } else if (n == 2) {
            int16_t v = 0;
            s = big ? gomem_reader_read_i16_be(r, &v) : gomem_reader_read_i16_le(r, &v);
            got = v;
        } else if (n == 3) {
            int32_t v = 0;
            s = big ? gomem_reader_read_i24_be(r, &v) : gomem_reader_read_i24_le(r, &v);
            got = v;
        } else if (n == 4) {
            int32_t v = 0;
            s = big ? gomem_reader_read_i32_be(r, &v) : gomem_reader_read_i32_le(r, &v);
            got = v;
        } else {
            s = big ? gomem_reader_read_i64_be(r, &got) : gomem_reader_read_i64_le(r, &got);
        }
        CHECK_STATUS(s, left >= n ? GOMEM_OK : expect_short);
        if (left >= n) {
            CHECK(got == ref_int(md, n, big));
            md->pos += n;
        }
        break;
    }
    case 4: { /* read_be / read_le with any n, the invalid ones included */
        size_t n = rnd(0, 5);
        bool big = rnd(0, 1);
        uint32_t v = 0;
        gomem_status s = big ? gomem_reader_read_be(r, n, &v) : gomem_reader_read_le(r, n, &v);
        gomem_status want = n < 1 || n > 4 ? GOMEM_ERR_INVALID_SIZE
                            : left >= n    ? GOMEM_OK
                                           : expect_short;
        CHECK_STATUS(s, want);
        if (want == GOMEM_OK) {
            CHECK_EQ(v, ref_uint(md, n, big));
            md->pos += n;
        }
        break;
    }
    case 5: { /* read: short at the end */
        uint8_t out[MAX_BYTES * 2];
        size_t cap = rnd(0, left + 5), n = 12345;
        gomem_status s = gomem_reader_read(r, out, cap, &n);
        CHECK_STATUS(s, left ? GOMEM_OK : expect_short);
        size_t want = left ? (cap < left ? cap : left) : 0;
        CHECK_EQ(n, want);
        CHECK(want == 0 || memcmp(out, md->bytes + md->pos, want) == 0);
        md->pos += want;
        break;
    }
    case 6: { /* read_bytes / peek */
        uint8_t out[MAX_BYTES * 2];
        size_t n = rnd(0, left + 3);
        bool peek = rnd(0, 1);
        gomem_status s = peek ? gomem_reader_peek(r, out, n) : gomem_reader_read_bytes(r, out, n);
        CHECK_STATUS(s, n <= left ? GOMEM_OK : expect_short);
        if (n <= left) {
            CHECK(n == 0 || memcmp(out, md->bytes + md->pos, n) == 0);
            if (!peek) md->pos += n;
        }
        break;
    }
    case 7: { /* zero-copy view */
        size_t n = rnd(0, 10);
        const uint8_t *view = NULL;
        gomem_status s = gomem_reader_read_view(r, n, &view);
        gomem_status want = n > left                                         ? expect_short
                            : n == 0                                         ? GOMEM_OK
                            : md->pos + n > buffer_end_at(m, md, md->pos) ? GOMEM_ERR_STRADDLE
                                                                             : GOMEM_OK;
        CHECK_STATUS(s, want);
        if (want == GOMEM_OK && n) {
            CHECK(view == pointer_at(m, md, md->pos));
            md->pos += n;
        }
        break;
    }
    case 8: { /* skip */
        size_t n = rnd(0, left + 3);
        CHECK_STATUS(gomem_reader_skip(r, n), n <= left ? GOMEM_OK : expect_short);
        if (n <= left) md->pos += n;
        break;
    }
    case 9:
    case 10: { /* unread, sometimes too far */
        size_t n = rnd(0, md->pos + 2);
        CHECK_STATUS(gomem_reader_unread(r, n),
                     n <= md->pos ? GOMEM_OK : GOMEM_ERR_INVALID_ARGUMENT);
        if (n <= md->pos) md->pos -= n;
        break;
    }
    case 11: { /* leb128 */
        uint64_t v = 0, want_v = 0;
        size_t used = 0, want_used = 0;
        gomem_status want = ref_leb128(md, &want_v, &want_used);
        CHECK_STATUS(gomem_reader_read_leb128(r, &v, &used), want);
        if (want == GOMEM_OK) {
            CHECK_EQ(v, want_v);
            CHECK_EQ(used, want_used);
            md->pos += used;
        }
        break;
    }
    case 12: { /* read_byte_to */
        uint8_t out[4] = {0};
        uint8_t *dst[4] = {&out[2], &out[0], &out[3], &out[1]};
        size_t n = rnd(0, 4);
        CHECK_STATUS(gomem_reader_read_byte_to(r, dst, n), n <= left ? GOMEM_OK : expect_short);
        if (n <= left) {
            for (size_t i = 0; i < n; i++) CHECK_EQ(*dst[i], md->bytes[md->pos + i]);
            md->pos += n;
        }
        break;
    }
    case 13: { /* range / range_n: zero-copy pieces */
        gathered g = {.pieces_ok = true, .m = m};
        size_t n = rnd(0, left + 3);
        bool all = rnd(0, 3) == 0;
        size_t moved = all ? gomem_reader_range(r, gather_piece, &g)
                           : gomem_reader_range_n(r, n, gather_piece, &g);
        size_t want = all || n > left ? left : n;
        CHECK_EQ(moved, want);
        CHECK_EQ(g.len, want);
        CHECK(g.pieces_ok);
        CHECK(want == 0 || memcmp(g.bytes, md->bytes + md->pos, want) == 0);
        md->pos += want;
        break;
    }
    case 14: { /* current */
        gomem_buf cur = gomem_reader_current(r);
        if (left == 0) {
            CHECK(cur.data == NULL && cur.len == 0);
        } else {
            CHECK(cur.data == pointer_at(m, md, md->pos));
            CHECK_EQ(cur.len, buffer_end_at(m, md, md->pos) - md->pos);
        }
        break;
    }
    case 15: { /* clip_front: the released pieces are the read prefix, the rest stays */
        gathered g = {.pieces_ok = true, .m = m};
        size_t size_before = m->size;
        reshaped = true;
        gomem_reader_clip_front(r, release_piece, &g);
        CHECK(g.pieces_ok);
        CHECK_EQ(g.len, md->pos);
        CHECK(md->pos == 0 || memcmp(g.bytes, md->bytes, md->pos) == 0);
        CHECK_EQ(m->size, size_before - md->pos);
        /* Rebuild the model from the list, checking it holds exactly the unread bytes. */
        memmove(md->bytes, md->bytes + md->pos, md->len - md->pos);
        md->len -= md->pos;
        md->pos = 0;
        size_t at = 0;
        bool same = true;
        for (size_t i = 0; i < m->count; i++) {
            md->starts[i] = at;
            if (m->buffers[i].len)
                same = same && memcmp(m->buffers[i].data, md->bytes + at, m->buffers[i].len) == 0;
            at += m->buffers[i].len;
        }
        md->count = m->count;
        CHECK(same);
        CHECK_EQ(at, md->len);
        break;
    }
    case 16: { /* more data arrives: visible only after refresh */
        if (md->count + 2 > MAX_BUFS * 2 || md->len + 20 > MAX_BYTES * 2) break;
        push_piece(m, md, own, rnd(0, 3) == 0 ? 0 : rnd(1, 20));
        reshaped = true;
        CHECK_EQ(gomem_reader_remaining(r), left);
        gomem_reader_refresh(r);
        break;
    }
    default: { /* move_to_end */
        gomem_reader_move_to_end(r);
        md->pos = md->len;
        break;
    }
    }
    /* The cursor agrees with the model after every step, and failures did not move it. */
    CHECK_EQ(gomem_reader_remaining(r), md->len - md->pos);
    CHECK_EQ(gomem_reader_offset(r), md->pos);
    /* A failed call, a peek or an empty move leaves every field of the cursor as it was. */
    if (!reshaped && md->pos == pos_before)
        CHECK(r->buf_index == before.buf_index && r->buf_offset == before.buf_offset &&
              r->length == before.length && r->position == before.position);
}

int main(void) {
    rng = test_rng_seed(test_seed(20240611));
    size_t total_ops = 0;
    for (int c = 0; c < CASES; c++) {
        static model md;
        owned own = {0};
        memset(&md, 0, sizeof md);
        gomem_memory m;
        gomem_memory_init(&m, NULL, NULL);
        size_t total = rnd(0, 5) == 0 ? rnd(0, 12) : rnd(0, MAX_BYTES);
        size_t pieces = rnd(1, rnd(0, 1) ? 8 : MAX_BUFS / 2);
        high_bits = rnd(0, 1);
        fill(&m, &md, &own, total, pieces);
        gomem_reader r;
        gomem_memory_new_reader(&m, &r);
        size_t ops = rnd(1, MAX_OPS);
        int failures_before = check_failures;
        for (size_t i = 0; i < ops && check_failures == failures_before; i++)
            step(&m, &r, &md, &own);
        total_ops += ops;
        if (check_failures != failures_before) {
            fprintf(stderr, "case %d failed\n", c);
            for (size_t i = 0; i < own.count; i++) free(own.blocks[i]);
            gomem_memory_destroy(&m);
            break;
        }
        for (size_t i = 0; i < own.count; i++) free(own.blocks[i]);
        gomem_memory_destroy(&m);
    }
    printf("%d cases, %zu operations\n", CASES, total_ops);
    return check_report("test_reader_diff");
}
