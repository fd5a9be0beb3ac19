/*
 * test_reader.c - the reader at its boundaries: empty lists, empty buffers between and around
 * data, values straddling two, three and more buffers, reads ending exactly at a buffer end,
 * unread across boundaries, LEB128 limits, zero-copy views, and clip_front after partial reads.
 * Every failing call is checked to leave the cursor as it was.
 */
#include "check.h"

/* Build a list over `data` cut into pieces of the given lengths (0 makes an empty buffer). */
static void build(gomem_memory *m, uint8_t *data, const size_t *pieces, size_t count) {
    gomem_memory_init(m, NULL, NULL);
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        CHECK_STATUS(gomem_memory_push_one(m, pieces[i] ? data + at : NULL, pieces[i]), GOMEM_OK);
        at += pieces[i];
    }
}

static bool same_cursor(const gomem_reader *a, const gomem_reader *b) {
    return a->memory == b->memory && a->buf_index == b->buf_index &&
           a->buf_offset == b->buf_offset && a->length == b->length && a->position == b->position;
}

/* Every failing read on r must return `expected` and leave r as it was. */
static void check_all_reads_fail(gomem_reader *r, gomem_status expected) {
    gomem_reader saved = *r;
    uint8_t b8 = 0xAA, buf[16];
    uint16_t u16 = 0xAAAA;
    uint32_t u32 = 0xAAAAAAAA;
    uint64_t u64 = 0xAAAAAAAAAAAAAAAAull;
    int64_t i64 = 0x5A;
    const uint8_t *view = buf;
    CHECK_STATUS(gomem_reader_read_u8(r, &b8), expected);
    CHECK_STATUS(gomem_reader_peek_u8(r, &b8), expected);
    CHECK_STATUS(gomem_reader_read_byte_mask(r, 0x0F, &b8), expected);
    CHECK_EQ(b8, 0xAA);
    CHECK_STATUS(gomem_reader_read_u16_be(r, &u16), expected);
    CHECK_STATUS(gomem_reader_read_u16_le(r, &u16), expected);
    CHECK_STATUS(gomem_reader_peek_u16_be(r, &u16), expected);
    CHECK_EQ(u16, 0xAAAA);
    CHECK_STATUS(gomem_reader_read_u32_be(r, &u32), expected);
    CHECK_STATUS(gomem_reader_read_u32_le(r, &u32), expected);
    CHECK_STATUS(gomem_reader_read_u24_be(r, &u32), expected);
    CHECK_STATUS(gomem_reader_peek_u32_be(r, &u32), expected);
    CHECK_STATUS(gomem_reader_read_be(r, 4, &u32), expected);
    CHECK_EQ(u32, 0xAAAAAAAA);
    CHECK_STATUS(gomem_reader_read_u64_be(r, &u64), expected);
    CHECK_STATUS(gomem_reader_read_u64_le(r, &u64), expected);
    CHECK_STATUS(gomem_reader_peek_u64_le(r, &u64), expected);
    CHECK_EQ(u64, 0xAAAAAAAAAAAAAAAAull);
    CHECK_STATUS(gomem_reader_read_i64_be(r, &i64), expected);
    CHECK_EQ(i64, 0x5A);
    CHECK_STATUS(gomem_reader_read_bytes(r, buf, 16), expected);
    CHECK_STATUS(gomem_reader_peek(r, buf, 16), expected);
    CHECK_STATUS(gomem_reader_read_view(r, 16, &view), expected);
    CHECK(view == buf);
    CHECK_STATUS(gomem_reader_skip(r, 16), expected);
    CHECK(same_cursor(&saved, r));
}

static void test_empty_lists(void) {
    gomem_memory m = {0};
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);
    CHECK_EQ(gomem_reader_remaining(&r), 0);
    CHECK_EQ(gomem_reader_offset(&r), 0);
    check_all_reads_fail(&r, GOMEM_ERR_END_OF_DATA);
    size_t n = 99;
    uint8_t buf[4];
    CHECK_STATUS(gomem_reader_read(&r, buf, sizeof buf, &n), GOMEM_ERR_END_OF_DATA);
    CHECK_EQ(n, 0);
    CHECK_STATUS(gomem_reader_read(&r, NULL, 0, &n), GOMEM_ERR_END_OF_DATA);
    uint64_t v;
    CHECK_STATUS(gomem_reader_read_leb128(&r, &v, NULL), GOMEM_ERR_END_OF_DATA);
    CHECK_STATUS(gomem_reader_unread(&r, 1), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_reader_unread(&r, 0), GOMEM_OK);
    CHECK_STATUS(gomem_reader_skip(&r, 0), GOMEM_OK);
    CHECK_STATUS(gomem_reader_read_bytes(&r, NULL, 0), GOMEM_OK);
    const uint8_t *view = buf;
    CHECK_STATUS(gomem_reader_read_view(&r, 0, &view), GOMEM_OK);
    CHECK(view == NULL);
    gomem_buf cur = gomem_reader_current(&r);
    CHECK(cur.data == NULL && cur.len == 0);
    CHECK_EQ(gomem_reader_range(&r, NULL, NULL), 0);
    gomem_reader_clip_front(&r, NULL, NULL);
    CHECK_EQ(m.count, 0);
    gomem_reader_move_to_end(&r);
    CHECK_EQ(gomem_reader_remaining(&r), 0);

    /* A list of empty buffers only reads as empty too. */
    static const size_t pieces[] = {0, 0, 0};
    build(&m, buf, pieces, 3);
    gomem_memory_new_reader(&m, &r);
    check_all_reads_fail(&r, GOMEM_ERR_END_OF_DATA);
    CHECK_STATUS(gomem_reader_unread(&r, 1), GOMEM_ERR_INVALID_ARGUMENT);
    gomem_memory_destroy(&m);
}

/* GoMem's own reader test: two buffers read in one call. */
static void test_gomem_example(void) {
    uint8_t a[] = {1, 2, 3}, b[] = {4, 5, 6};
    gomem_buf bufs[] = {{a, 3}, {b, 3}};
    gomem_memory m;
    CHECK_STATUS(gomem_memory_init_buffers(&m, NULL, NULL, bufs, 2), GOMEM_OK);
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);
    CHECK_EQ(gomem_reader_remaining(&r), 6);
    uint8_t out[6];
    size_t n = 0;
    CHECK_STATUS(gomem_reader_read(&r, out, 6, &n), GOMEM_OK);
    CHECK_EQ(n, 6);
    static const uint8_t want[] = {1, 2, 3, 4, 5, 6};
    CHECK(memcmp(out, want, 6) == 0);
    CHECK_EQ(gomem_reader_remaining(&r), 0);
    CHECK_EQ(gomem_reader_offset(&r), 6);
    gomem_memory_destroy(&m);
}

static void test_bytes_across_empty_buffers(void) {
    uint8_t data[] = {1, 2, 3};
    static const size_t pieces[] = {0, 1, 0, 0, 2, 0};
    gomem_memory m;
    build(&m, data, pieces, 6);
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);
    CHECK_EQ(r.buf_index, 1); /* the leading empty buffer is stepped over at once */
    uint8_t b = 0;
    CHECK_STATUS(gomem_reader_peek_u8(&r, &b), GOMEM_OK);
    CHECK_EQ(b, 1);
    CHECK_STATUS(gomem_reader_read_u8(&r, &b), GOMEM_OK);
    CHECK_EQ(b, 1);
    CHECK_EQ(r.buf_index, 4); /* two empty buffers passed */
    CHECK_STATUS(gomem_reader_read_byte_mask(&r, 0x06, &b), GOMEM_OK);
    CHECK_EQ(b, 2 & 0x06);
    CHECK_STATUS(gomem_reader_read_u8(&r, &b), GOMEM_OK);
    CHECK_EQ(b, 3);
    CHECK_EQ(gomem_reader_remaining(&r), 0);
    check_all_reads_fail(&r, GOMEM_ERR_END_OF_DATA);

    /* Back over every boundary and empty buffer, then forward again. */
    CHECK_STATUS(gomem_reader_unread(&r, 3), GOMEM_OK);
    CHECK_EQ(r.buf_index, 1);
    CHECK_EQ(r.buf_offset, 0);
    uint8_t all[3];
    CHECK_STATUS(gomem_reader_read_bytes(&r, all, 3), GOMEM_OK);
    CHECK(memcmp(all, data, 3) == 0);
    CHECK_STATUS(gomem_reader_unread(&r, 2), GOMEM_OK); /* lands on the start of buffer 4 */
    CHECK_EQ(r.buf_index, 4);
    CHECK_EQ(r.buf_offset, 0);
    CHECK_STATUS(gomem_reader_unread(&r, 1), GOMEM_OK);
    CHECK_EQ(r.buf_index, 1);
    CHECK_STATUS(gomem_reader_unread(&r, 1), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(r.buf_index, 1);

    uint8_t x = 0, y = 0, z = 0;
    uint8_t *three[] = {&x, &y, &z};
    CHECK_STATUS(gomem_reader_read_byte_to(&r, three, 3), GOMEM_OK);
    CHECK(x == 1 && y == 2 && z == 3);
    CHECK_STATUS(gomem_reader_unread(&r, 2), GOMEM_OK);
    x = y = z = 0;
    CHECK_STATUS(gomem_reader_read_byte_to(&r, three, 3), GOMEM_ERR_END_OF_DATA);
    CHECK(x == 0 && y == 0 && z == 0); /* all or nothing */
    CHECK_EQ(gomem_reader_remaining(&r), 2);
    CHECK_STATUS(gomem_reader_read_byte_to(&r, three, 0), GOMEM_OK);
    gomem_memory_destroy(&m);
}

/* 01..08 cut every possible way into pieces with empty buffers between them: every width and
 * order must decode the same as from one buffer. */
static void test_fixed_width_straddles(void) {
    uint8_t data[8] = {0x81, 0x02, 0x83, 0x04, 0x85, 0x06, 0x87, 0x08};
    for (unsigned cuts = 0; cuts < 128; cuts++) {
        size_t pieces[16], count = 0, last = 0;
        for (size_t i = 1; i <= 8; i++) {
            if (i == 8 || (cuts >> (i - 1) & 1)) {
                pieces[count++] = i - last;
                if (cuts & 1) pieces[count++] = 0; /* sometimes an empty buffer after each */
                last = i;
            }
        }
        gomem_memory m;
        build(&m, data, pieces, count);
        gomem_reader r;
        gomem_memory_new_reader(&m, &r);
        uint64_t u64 = 0;
        uint32_t u32 = 0;
        uint16_t u16 = 0;
        int64_t i64 = 0;
        int32_t i32 = 0;
        int16_t i16 = 0;
        int8_t i8 = 0;
        CHECK_STATUS(gomem_reader_peek_u64_be(&r, &u64), GOMEM_OK);
        CHECK_EQ(u64, 0x8102830485068708ull);
        CHECK_STATUS(gomem_reader_peek_u64_le(&r, &u64), GOMEM_OK);
        CHECK_EQ(u64, 0x0887068504830281ull);
        CHECK_STATUS(gomem_reader_peek_u32_be(&r, &u32), GOMEM_OK);
        CHECK_EQ(u32, 0x81028304u);
        CHECK_STATUS(gomem_reader_peek_u32_le(&r, &u32), GOMEM_OK);
        CHECK_EQ(u32, 0x04830281u);
        CHECK_STATUS(gomem_reader_peek_u24_be(&r, &u32), GOMEM_OK);
        CHECK_EQ(u32, 0x810283u);
        CHECK_STATUS(gomem_reader_peek_u24_le(&r, &u32), GOMEM_OK);
        CHECK_EQ(u32, 0x830281u);
        CHECK_STATUS(gomem_reader_peek_u16_be(&r, &u16), GOMEM_OK);
        CHECK_EQ(u16, 0x8102u);
        CHECK_STATUS(gomem_reader_peek_u16_le(&r, &u16), GOMEM_OK);
        CHECK_EQ(u16, 0x0281u);
        CHECK_EQ(gomem_reader_offset(&r), 0); /* peeks never moved */

        CHECK_STATUS(gomem_reader_read_i64_be(&r, &i64), GOMEM_OK);
        CHECK(i64 == (int64_t)-0x7EFD7CFB7AF978F8ll);
        CHECK_STATUS(gomem_reader_unread(&r, 8), GOMEM_OK);
        CHECK_STATUS(gomem_reader_read_i64_le(&r, &i64), GOMEM_OK);
        CHECK(i64 == 0x0887068504830281ll);
        CHECK_STATUS(gomem_reader_unread(&r, 8), GOMEM_OK);
        CHECK_STATUS(gomem_reader_read_i8(&r, &i8), GOMEM_OK);
        CHECK(i8 == -127);
        CHECK_STATUS(gomem_reader_read_u24_be(&r, &u32), GOMEM_OK); /* bytes 1..3 */
        CHECK_EQ(u32, 0x028304u);
        CHECK_STATUS(gomem_reader_read_i32_le(&r, &i32), GOMEM_OK); /* bytes 4..7 */
        CHECK(i32 == 0x08870685);
        CHECK_EQ(gomem_reader_remaining(&r), 0);
        CHECK_STATUS(gomem_reader_unread(&r, 5), GOMEM_OK); /* from byte 3 */
        CHECK_STATUS(gomem_reader_read_i16_be(&r, &i16), GOMEM_OK);
        CHECK(i16 == 0x0485);
        CHECK_STATUS(gomem_reader_read_i16_le(&r, &i16), GOMEM_OK);
        CHECK(i16 == -0x78FA);
        CHECK_STATUS(gomem_reader_read_u16_be(&r, &u16), GOMEM_ERR_END_OF_DATA);
        CHECK_STATUS(gomem_reader_read_u8(&r, (uint8_t *)&i8), GOMEM_OK);
        CHECK_EQ(gomem_reader_remaining(&r), 0);
        gomem_memory_destroy(&m);
    }
}

static void test_signed_values(void) {
    uint8_t data[] = {0x80, 0xFF, 0xFE, 0x80, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0x80, 0, 0, 0,
                      0x80, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    static const size_t pieces[] = {1, 2, 1, 2, 3, 4, 2, 8, 1, 1, 4, 0};
    gomem_memory m;
    build(&m, data, pieces, 12);
    CHECK_EQ(m.size, sizeof data);
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    CHECK_STATUS(gomem_reader_read_i8(&r, &i8), GOMEM_OK);
    CHECK(i8 == -128);
    CHECK_STATUS(gomem_reader_read_i16_be(&r, &i16), GOMEM_OK);
    CHECK(i16 == -2);
    CHECK_STATUS(gomem_reader_read_i24_be(&r, &i32), GOMEM_OK);
    CHECK(i32 == -8388608);
    CHECK_STATUS(gomem_reader_read_i24_be(&r, &i32), GOMEM_OK);
    CHECK(i32 == 0x7FFFFF);
    CHECK_STATUS(gomem_reader_unread(&r, 3), GOMEM_OK);
    CHECK_STATUS(gomem_reader_read_i24_le(&r, &i32), GOMEM_OK); /* FF FF 7F */
    CHECK(i32 == -129);
    CHECK_STATUS(gomem_reader_unread(&r, 6), GOMEM_OK);
    CHECK_STATUS(gomem_reader_read_i24_le(&r, &i32), GOMEM_OK); /* 80 00 00 */
    CHECK(i32 == 0x80);
    CHECK_STATUS(gomem_reader_skip(&r, 3), GOMEM_OK);
    CHECK_STATUS(gomem_reader_read_i32_be(&r, &i32), GOMEM_OK);
    CHECK(i32 == INT32_MIN);
    CHECK_STATUS(gomem_reader_read_i64_be(&r, &i64), GOMEM_OK);
    CHECK(i64 == INT64_MIN);
    CHECK_STATUS(gomem_reader_read_i64_le(&r, &i64), GOMEM_OK);
    CHECK(i64 == -1);
    CHECK_EQ(gomem_reader_remaining(&r), 0);
    CHECK_STATUS(gomem_reader_unread(&r, 16), GOMEM_OK);
    CHECK_STATUS(gomem_reader_read_i64_le(&r, &i64), GOMEM_OK);
    CHECK(i64 == 0x80); /* 80 00 .. 00 little-endian */
    CHECK_STATUS(gomem_reader_unread(&r, 8), GOMEM_OK);
    CHECK_STATUS(gomem_reader_read_i32_le(&r, &i32), GOMEM_OK);
    CHECK(i32 == 0x80);
    CHECK_STATUS(gomem_reader_read_i16_le(&r, &i16), GOMEM_OK);
    CHECK(i16 == 0);
    gomem_memory_destroy(&m);
}

static void test_read_be_le(void) {
    uint8_t data[] = {0x12, 0x34, 0x56, 0x78, 0x9A};
    static const size_t pieces[] = {2, 0, 3};
    gomem_memory m;
    build(&m, data, pieces, 3);
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);
    uint32_t v = 7;
    CHECK_STATUS(gomem_reader_read_be(&r, 0, &v), GOMEM_ERR_INVALID_SIZE);
    CHECK_STATUS(gomem_reader_read_be(&r, 5, &v), GOMEM_ERR_INVALID_SIZE);
    CHECK_STATUS(gomem_reader_read_le(&r, 0, &v), GOMEM_ERR_INVALID_SIZE);
    CHECK_EQ(v, 7);
    CHECK_EQ(gomem_reader_offset(&r), 0);
    static const uint32_t be[] = {0x12, 0x1234, 0x123456, 0x12345678};
    static const uint32_t le[] = {0x12, 0x3412, 0x563412, 0x78563412};
    for (size_t n = 1; n <= 4; n++) {
        CHECK_STATUS(gomem_reader_read_be(&r, n, &v), GOMEM_OK);
        CHECK_EQ(v, be[n - 1]);
        CHECK_STATUS(gomem_reader_unread(&r, n), GOMEM_OK);
        CHECK_STATUS(gomem_reader_read_le(&r, n, &v), GOMEM_OK);
        CHECK_EQ(v, le[n - 1]);
        CHECK_STATUS(gomem_reader_unread(&r, n), GOMEM_OK);
    }
    CHECK_STATUS(gomem_reader_skip(&r, 2), GOMEM_OK);
    CHECK_STATUS(gomem_reader_read_be(&r, 4, &v), GOMEM_ERR_END_OF_DATA);
    CHECK_STATUS(gomem_reader_read_be(&r, 3, &v), GOMEM_OK);
    CHECK_EQ(v, 0x56789A);
    gomem_memory_destroy(&m);
}

/* Each width one byte short of the data fails and leaves the cursor put, wherever it stands. */
static void test_short_reads(void) {
    uint8_t data[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const size_t pieces[] = {2, 0, 1, 3, 0, 3};
    gomem_memory m;
    build(&m, data, pieces, 6);
    for (size_t start = 0; start <= 9; start++) {
        gomem_reader r;
        gomem_memory_new_reader(&m, &r);
        CHECK_STATUS(gomem_reader_skip(&r, start), GOMEM_OK);
        size_t left = 9 - start;
        gomem_reader saved = r;
        uint64_t u64;
        uint32_t u32;
        uint16_t u16;
        uint8_t buf[10];
        if (left < 8) CHECK_STATUS(gomem_reader_read_u64_le(&r, &u64), GOMEM_ERR_END_OF_DATA);
        if (left < 4) CHECK_STATUS(gomem_reader_read_u32_be(&r, &u32), GOMEM_ERR_END_OF_DATA);
        if (left < 3) CHECK_STATUS(gomem_reader_read_u24_le(&r, &u32), GOMEM_ERR_END_OF_DATA);
        if (left < 2) CHECK_STATUS(gomem_reader_read_u16_le(&r, &u16), GOMEM_ERR_END_OF_DATA);
        CHECK_STATUS(gomem_reader_read_bytes(&r, buf, left + 1), GOMEM_ERR_END_OF_DATA);
        CHECK_STATUS(gomem_reader_skip(&r, left + 1), GOMEM_ERR_END_OF_DATA);
        CHECK_STATUS(gomem_reader_peek(&r, buf, left + 1), GOMEM_ERR_END_OF_DATA);
        CHECK(same_cursor(&saved, &r));
        CHECK_STATUS(gomem_reader_peek(&r, buf, left), GOMEM_OK);
        CHECK(left == 0 || memcmp(buf, data + start, left) == 0);
        CHECK_STATUS(gomem_reader_read_bytes(&r, buf, left), GOMEM_OK);
        CHECK(left == 0 || memcmp(buf, data + start, left) == 0);
        CHECK_EQ(gomem_reader_remaining(&r), 0);
        CHECK_EQ(gomem_reader_offset(&r), 9);
    }
    gomem_memory_destroy(&m);
}

static void test_exact_buffer_end(void) {
    uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const size_t pieces[] = {4, 0, 0, 4};
    gomem_memory m;
    build(&m, data, pieces, 4);
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);
    uint32_t v;
    CHECK_STATUS(gomem_reader_read_u32_be(&r, &v), GOMEM_OK);
    CHECK_EQ(v, 0x01020304);
    CHECK_EQ(r.buf_index, 3); /* on the next byte, past the empty buffers */
    CHECK_EQ(r.buf_offset, 0);
    gomem_buf cur = gomem_reader_current(&r);
    CHECK(cur.data == data + 4 && cur.len == 4);
    const uint8_t *view = NULL;
    CHECK_STATUS(gomem_reader_read_view(&r, 4, &view), GOMEM_OK);
    CHECK(view == data + 4);
    CHECK_EQ(gomem_reader_remaining(&r), 0);
    cur = gomem_reader_current(&r);
    CHECK(cur.data == NULL && cur.len == 0);
    CHECK_STATUS(gomem_reader_unread(&r, 4), GOMEM_OK);
    CHECK_EQ(r.buf_index, 3);
    CHECK_EQ(r.buf_offset, 0);
    CHECK_STATUS(gomem_reader_unread(&r, 1), GOMEM_OK);
    CHECK_EQ(r.buf_index, 0);
    CHECK_EQ(r.buf_offset, 3);
    gomem_memory_destroy(&m);
}

static void test_read_view(void) {
    uint8_t data[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const size_t pieces[] = {3, 0, 5, 2};
    gomem_memory m;
    build(&m, data, pieces, 4);
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);
    const uint8_t *view = NULL;
    CHECK_STATUS(gomem_reader_read_view(&r, 2, &view), GOMEM_OK);
    CHECK(view == data);
    gomem_reader saved = r;
    view = NULL;
    CHECK_STATUS(gomem_reader_read_view(&r, 2, &view), GOMEM_ERR_STRADDLE);
    CHECK(view == NULL);
    CHECK(same_cursor(&saved, &r));
    CHECK_STATUS(gomem_reader_read_view(&r, 9, &view), GOMEM_ERR_END_OF_DATA);
    CHECK(same_cursor(&saved, &r));
    CHECK_STATUS(gomem_reader_read_view(&r, 0, &view), GOMEM_OK);
    CHECK(view == NULL);
    CHECK_STATUS(gomem_reader_read_view(&r, 1, &view), GOMEM_OK); /* ends the first buffer */
    CHECK(view == data + 2);
    CHECK_STATUS(gomem_reader_read_view(&r, 5, &view), GOMEM_OK); /* a whole buffer */
    CHECK(view == data + 3);
    CHECK_STATUS(gomem_reader_read_view(&r, 2, &view), GOMEM_OK);
    CHECK(view == data + 8);
    CHECK_STATUS(gomem_reader_read_view(&r, 1, &view), GOMEM_ERR_END_OF_DATA);
    gomem_memory_destroy(&m);
}

static void test_read_short_and_skip(void) {
    uint8_t data[7] = {1, 2, 3, 4, 5, 6, 7};
    static const size_t pieces[] = {1, 0, 4, 2};
    gomem_memory m;
    build(&m, data, pieces, 4);
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);
    uint8_t out[16];
    size_t n = 0;
    CHECK_STATUS(gomem_reader_read(&r, NULL, 0, &n), GOMEM_OK);
    CHECK_EQ(n, 0);
    CHECK_STATUS(gomem_reader_read(&r, out, 3, &n), GOMEM_OK);
    CHECK_EQ(n, 3);
    CHECK(memcmp(out, data, 3) == 0);
    CHECK_STATUS(gomem_reader_skip(&r, 0), GOMEM_OK);
    CHECK_STATUS(gomem_reader_skip(&r, 2), GOMEM_OK); /* to the end of a buffer */
    CHECK_EQ(r.buf_index, 3);
    CHECK_STATUS(gomem_reader_read(&r, out, sizeof out, &n), GOMEM_OK); /* short read */
    CHECK_EQ(n, 2);
    CHECK(out[0] == 6 && out[1] == 7);
    CHECK_STATUS(gomem_reader_read(&r, out, sizeof out, &n), GOMEM_ERR_END_OF_DATA);
    CHECK_EQ(n, 0);
    CHECK_STATUS(gomem_reader_unread(&r, 7), GOMEM_OK);
    CHECK_STATUS(gomem_reader_read(&r, out, sizeof out, &n), GOMEM_OK);
    CHECK_EQ(n, 7);
    CHECK(memcmp(out, data, 7) == 0);
    gomem_reader_move_to_end(&r);
    CHECK_EQ(gomem_reader_offset(&r), 7);
    CHECK_STATUS(gomem_reader_unread(&r, 8), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_reader_unread(&r, 2), GOMEM_OK);
    uint16_t v;
    CHECK_STATUS(gomem_reader_read_u16_be(&r, &v), GOMEM_OK);
    CHECK_EQ(v, 0x0607);
    gomem_memory_destroy(&m);
}

static void test_leb128(void) {
    struct {
        uint8_t bytes[12];
        size_t len;
        gomem_status status;
        uint64_t value;
        size_t consumed;
    } cases[] = {
        {{0x00}, 1, GOMEM_OK, 0, 1},
        {{0x7F}, 1, GOMEM_OK, 127, 1},
        {{0x80, 0x01}, 2, GOMEM_OK, 128, 2},
        {{0xE5, 0x8E, 0x26}, 3, GOMEM_OK, 624485, 3},
        {{0x80, 0x00}, 2, GOMEM_OK, 0, 2}, /* non-minimal */
        /* 9 bytes: GoMem stopped after 8 and returned a wrong value */
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 9, GOMEM_OK, 1ull << 56, 9},
        {{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, 10, GOMEM_OK, UINT64_MAX,
         10},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 10, GOMEM_OK, 0, 10},
        {{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02}, 10, GOMEM_ERR_OVERFLOW, 0,
         0},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 11,
         GOMEM_ERR_OVERFLOW, 0, 0},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81}, 10, GOMEM_ERR_OVERFLOW, 0,
         0},
        {{0x80}, 1, GOMEM_ERR_END_OF_DATA, 0, 0},
        {{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 9, GOMEM_ERR_END_OF_DATA, 0, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        /* One buffer, then one byte per buffer with empties between, then a trailing byte. */
        for (int layout = 0; layout < 2; layout++) {
            /* A byte after the encoding shows where decoding stopped; the truncated cases
             * end with the data. */
            size_t total = cases[c].len + (cases[c].status != GOMEM_ERR_END_OF_DATA);
            uint8_t data[13];
            memcpy(data, cases[c].bytes, cases[c].len);
            data[cases[c].len] = 0x55;
            size_t pieces[32], count = 0;
            if (layout == 0) {
                pieces[count++] = total;
            } else {
                for (size_t i = 0; i < total; i++) {
                    pieces[count++] = 1;
                    pieces[count++] = 0;
                }
            }
            gomem_memory m;
            build(&m, data, pieces, count);
            gomem_reader r;
            gomem_memory_new_reader(&m, &r);
            gomem_reader saved = r;
            uint64_t value = 12345;
            size_t consumed = 999;
            CHECK_STATUS(gomem_reader_read_leb128(&r, &value, &consumed), cases[c].status);
            if (cases[c].status == GOMEM_OK) {
                CHECK_EQ(value, cases[c].value);
                CHECK_EQ(consumed, cases[c].consumed);
                CHECK_EQ(gomem_reader_offset(&r), cases[c].consumed);
                uint8_t next = 0;
                CHECK_STATUS(gomem_reader_read_u8(&r, &next), GOMEM_OK);
                CHECK_EQ(next, 0x55);
            } else {
                CHECK(same_cursor(&saved, &r));
                CHECK_EQ(value, 12345);
                CHECK_EQ(consumed, 999);
            }
            gomem_memory_destroy(&m);
        }
    }
    /* consumed may be NULL */
    uint8_t one[] = {0x05};
    gomem_memory m;
    CHECK_STATUS(gomem_memory_init_buffer(&m, NULL, NULL, one, 1), GOMEM_OK);
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);
    uint64_t value = 0;
    CHECK_STATUS(gomem_reader_read_leb128(&r, &value, NULL), GOMEM_OK);
    CHECK_EQ(value, 5);
    gomem_memory_destroy(&m);
}

typedef struct piece_log {
    size_t calls;
    size_t stop_after; /* 0: never stop */
    const uint8_t *ptrs[16];
    size_t lens[16];
} piece_log;

static bool log_piece(void *context, const uint8_t *data, size_t len) {
    piece_log *log = context;
    if (log->calls < 16) {
        log->ptrs[log->calls] = data;
        log->lens[log->calls] = len;
    }
    log->calls++;
    return log->calls != log->stop_after;
}

static void test_range(void) {
    uint8_t data[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const size_t pieces[] = {0, 3, 0, 0, 5, 2, 0};
    gomem_memory m;
    build(&m, data, pieces, 7);
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);
    CHECK_STATUS(gomem_reader_skip(&r, 1), GOMEM_OK);
    piece_log log = {0};
    CHECK_EQ(gomem_reader_range(&r, log_piece, &log), 9);
    CHECK_EQ(log.calls, 3); /* empty buffers are not visited */
    CHECK(log.ptrs[0] == data + 1 && log.lens[0] == 2);
    CHECK(log.ptrs[1] == data + 3 && log.lens[1] == 5);
    CHECK(log.ptrs[2] == data + 8 && log.lens[2] == 2);
    CHECK_EQ(gomem_reader_remaining(&r), 0);
    CHECK_EQ(gomem_reader_range(&r, log_piece, &log), 0);
    CHECK_EQ(log.calls, 3);

    /* Stop early: the cursor is after the piece the visitor stopped on. */
    gomem_memory_new_reader(&m, &r);
    piece_log early = {.stop_after = 2};
    CHECK_EQ(gomem_reader_range(&r, log_piece, &early), 8);
    CHECK_EQ(early.calls, 2);
    CHECK_EQ(gomem_reader_offset(&r), 8);
    uint8_t b;
    CHECK_STATUS(gomem_reader_read_u8(&r, &b), GOMEM_OK);
    CHECK_EQ(b, 8);

    /* range_n: partial pieces, ending inside a buffer and exactly at a buffer end. */
    gomem_memory_new_reader(&m, &r);
    piece_log n_log = {0};
    CHECK_EQ(gomem_reader_range_n(&r, 5, log_piece, &n_log), 5);
    CHECK_EQ(n_log.calls, 2);
    CHECK(n_log.ptrs[1] == data + 3 && n_log.lens[1] == 2);
    CHECK_EQ(gomem_reader_range_n(&r, 3, log_piece, &n_log), 3);
    CHECK_EQ(n_log.calls, 3);
    CHECK_EQ(r.buf_index, 5);
    CHECK_EQ(gomem_reader_range_n(&r, 0, log_piece, &n_log), 0);
    CHECK_EQ(n_log.calls, 3);
    CHECK_EQ(gomem_reader_range_n(&r, 100, log_piece, &n_log), 2);
    CHECK_EQ(n_log.calls, 4);
    CHECK_EQ(gomem_reader_range_n(&r, 100, NULL, NULL), 0);

    gomem_memory_new_reader(&m, &r);
    CHECK_EQ(gomem_reader_range_n(&r, 4, NULL, NULL), 4); /* NULL visitor just moves */
    CHECK_EQ(gomem_reader_offset(&r), 4);
    CHECK_EQ(gomem_reader_range(&r, NULL, NULL), 6);
    CHECK_EQ(gomem_reader_remaining(&r), 0);
    gomem_memory_destroy(&m);
}

typedef struct release_log {
    size_t calls;
    uint8_t *ptrs[16];
    size_t lens[16];
} release_log;

static void log_release(void *context, uint8_t *data, size_t len) {
    release_log *log = context;
    if (log->calls < 16) {
        log->ptrs[log->calls] = data;
        log->lens[log->calls] = len;
    }
    log->calls++;
}

static void test_clip_front(void) {
    uint8_t data[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    static const size_t pieces[] = {0, 3, 0, 4, 5};
    gomem_memory m;
    build(&m, data, pieces, 5);
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);

    release_log none = {0};
    gomem_reader_clip_front(&r, log_release, &none); /* nothing read: nothing dropped */
    CHECK_EQ(none.calls, 0);
    CHECK_EQ(m.count, 5);

    /* Partial read: into the middle of buffer 3. */
    CHECK_STATUS(gomem_reader_skip(&r, 5), GOMEM_OK);
    release_log log = {0};
    gomem_reader_clip_front(&r, log_release, &log);
    CHECK_EQ(log.calls, 2); /* the empty buffers are dropped without a call */
    CHECK(log.ptrs[0] == data && log.lens[0] == 3);
    CHECK(log.ptrs[1] == data + 3 && log.lens[1] == 2);
    CHECK_EQ(m.count, 2);
    CHECK(m.buffers[0].data == data + 5 && m.buffers[0].len == 2);
    CHECK_EQ(m.size, 7);
    CHECK_EQ(gomem_reader_offset(&r), 0);
    CHECK_EQ(gomem_reader_remaining(&r), 7);
    uint32_t v;
    CHECK_STATUS(gomem_reader_read_u32_be(&r, &v), GOMEM_OK); /* reading goes on where it was */
    CHECK_EQ(v, 0x05060708);
    CHECK_STATUS(gomem_reader_unread(&r, 4), GOMEM_OK);
    CHECK_STATUS(gomem_reader_unread(&r, 1), GOMEM_ERR_INVALID_ARGUMENT); /* clipped away */

    /* Read to exactly the end of a buffer: that buffer goes whole. */
    CHECK_STATUS(gomem_reader_skip(&r, 2), GOMEM_OK);
    release_log whole = {0};
    gomem_reader_clip_front(&r, log_release, &whole);
    CHECK_EQ(whole.calls, 1);
    CHECK(whole.ptrs[0] == data + 5 && whole.lens[0] == 2);
    CHECK_EQ(m.count, 1);
    CHECK(m.buffers[0].data == data + 7 && m.size == 5);

    /* Read everything, then push more: only the read part goes, the new data stays readable. */
    CHECK_STATUS(gomem_reader_skip(&r, 5), GOMEM_OK);
    CHECK_STATUS(gomem_memory_push_one(&m, NULL, 0), GOMEM_OK);
    uint8_t more[2] = {0xA0, 0xA1};
    CHECK_STATUS(gomem_memory_push_one(&m, more, 2), GOMEM_OK);
    release_log end = {0};
    gomem_reader_clip_front(&r, log_release, &end);
    CHECK_EQ(end.calls, 1);
    CHECK(end.ptrs[0] == data + 7 && end.lens[0] == 5);
    CHECK_EQ(m.count, 2);
    CHECK_EQ(m.size, 2);
    CHECK_EQ(gomem_reader_remaining(&r), 0);
    gomem_reader_refresh(&r);
    CHECK_EQ(gomem_reader_remaining(&r), 2);
    uint16_t u16;
    CHECK_STATUS(gomem_reader_read_u16_be(&r, &u16), GOMEM_OK);
    CHECK_EQ(u16, 0xA0A1);

    /* After move_to_end (cursor past the last buffer) everything goes; NULL release is fine. */
    gomem_reader_move_to_end(&r);
    gomem_reader_clip_front(&r, NULL, NULL);
    CHECK_EQ(m.count, 0);
    CHECK_EQ(m.size, 0);
    gomem_memory_destroy(&m);

    /* Clip after a cursor that ended inside a buffer, then unread/reread on the clipped list. */
    build(&m, data, pieces, 5);
    gomem_memory_new_reader(&m, &r);
    CHECK_STATUS(gomem_reader_skip(&r, 1), GOMEM_OK);
    gomem_reader_clip_front(&r, NULL, NULL);
    CHECK_EQ(m.count, 4); /* buffer 1 trimmed, the leading empty buffer dropped */
    CHECK(m.buffers[0].data == data + 1 && m.buffers[0].len == 2);
    uint8_t rest[11];
    CHECK_STATUS(gomem_reader_read_bytes(&r, rest, 11), GOMEM_OK);
    CHECK(memcmp(rest, data + 1, 11) == 0);
    CHECK_STATUS(gomem_reader_unread(&r, 11), GOMEM_OK);
    CHECK_EQ(r.buf_index, 0);
    gomem_memory_destroy(&m);
}

static void test_refresh_and_current(void) {
    uint8_t a[3] = {1, 2, 3}, b[2] = {4, 5};
    gomem_memory m;
    CHECK_STATUS(gomem_memory_init_buffer(&m, NULL, NULL, a, 3), GOMEM_OK);
    gomem_reader r;
    gomem_memory_new_reader(&m, &r);
    CHECK_STATUS(gomem_reader_skip(&r, 1), GOMEM_OK);
    gomem_buf cur = gomem_reader_current(&r);
    CHECK(cur.data == a + 1 && cur.len == 2);
    CHECK_STATUS(gomem_reader_skip(&r, 2), GOMEM_OK); /* ends at the end of the only buffer */
    CHECK_STATUS(gomem_memory_push_one(&m, NULL, 0), GOMEM_OK);
    CHECK_STATUS(gomem_memory_push_one(&m, b, 2), GOMEM_OK);
    CHECK_EQ(gomem_reader_remaining(&r), 0); /* not seen until refreshed */
    gomem_reader_refresh(&r);
    CHECK_EQ(gomem_reader_remaining(&r), 2);
    CHECK_EQ(r.buf_index, 2);
    cur = gomem_reader_current(&r);
    CHECK(cur.data == b && cur.len == 2);
    uint16_t v;
    CHECK_STATUS(gomem_reader_read_u16_le(&r, &v), GOMEM_OK);
    CHECK_EQ(v, 0x0504);
    CHECK_STATUS(gomem_reader_unread(&r, 5), GOMEM_OK);
    CHECK_STATUS(gomem_reader_read_u8(&r, (uint8_t *)&v), GOMEM_OK);
    CHECK_EQ(gomem_reader_offset(&r), 1);
    gomem_memory_destroy(&m);
}

int main(void) {
    RUN(test_empty_lists);
    RUN(test_gomem_example);
    RUN(test_bytes_across_empty_buffers);
    RUN(test_fixed_width_straddles);
    RUN(test_signed_values);
    RUN(test_read_be_le);
    RUN(test_short_reads);
    RUN(test_exact_buffer_end);
    RUN(test_read_view);
    RUN(test_read_short_and_skip);
    RUN(test_leb128);
    RUN(test_range);
    RUN(test_clip_front);
    RUN(test_refresh_and_current);
    return check_report("test_reader");
}
