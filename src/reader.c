/*
 * reader.c - the cursor over a buffer list (GoMem's MemoryReader).
 * The cursor is (buf_index, buf_offset); length counts the bytes ahead of it that the reader may
 * read, position the bytes behind it. Invariant: while length > 0 the cursor sits on an unread
 * byte (buf_offset < that buffer's len), so empty buffers are stepped over as soon as the cursor
 * reaches them and every read can take its first byte without looking further. When length is 0
 * the cursor may sit at the end of a buffer or one past the last buffer; unread and clip_front
 * accept both.
 * Every read checks its byte count against length before moving, which is what keeps failed reads
 * side-effect free and every access inside the buffers.
 */
#include "internal.h"

/* The fixed-width reads are one shared path specialised by constant width and order; it only
 * pays off if the compiler inlines it into each of the ~30 callers, which GCC declines without
 * being told. Builds for size (-Os, -Oz: the npm package's module, whose JS wrapper reads numbers
 * inside one buffer itself and calls these only for the rest) keep one copy instead: 7 KB less. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE_SIZE__)
#define HOT static inline __attribute__((always_inline))
#define COLD static __attribute__((noinline))
#else
#define HOT static inline
#define COLD static
#endif

/* Re-establish the invariant after the cursor reached the end of a buffer. */
HOT void settle(gomem_reader *r) {
    const gomem_buf *bufs = r->memory->buffers;
    while (r->length > 0 && r->buf_offset == bufs[r->buf_index].len) {
        r->buf_index++;
        r->buf_offset = 0;
    }
}

/* Move n bytes forward inside the current buffer; n <= the bytes left in it and in the reader. */
HOT void advance_within(gomem_reader *r, size_t n) {
    r->buf_offset += n;
    r->length -= n;
    r->position += n;
    settle(r);
}

/* Copy the next n bytes into dst (NULL: just skip them) and move past them; n <= length. One
 * pass does both so that long reads walk the list once. */
COLD void take(gomem_reader *r, uint8_t *dst, size_t n) {
    const gomem_buf *bufs = r->memory->buffers;
    size_t index = r->buf_index, offset = r->buf_offset;
    r->length -= n;
    r->position += n;
    while (n > 0) {
        size_t chunk = bufs[index].len - offset;
        if (chunk > n) chunk = n;
        /* chunk > 0 guards NULL data of empty buffers (memcpy and NULL + 0 are undefined). */
        if (chunk && dst) {
            const uint8_t *src = bufs[index].data + offset;
            /* The pieces of a straddling number are a few bytes: a call to memcpy costs more. */
            if (chunk < 8)
                for (size_t i = 0; i < chunk; i++) dst[i] = src[i];
            else
                memcpy(dst, src, chunk);
            dst += chunk;
        }
        n -= chunk;
        offset += chunk;
        if (offset == bufs[index].len && n > 0) index++, offset = 0;
    }
    r->buf_index = index;
    r->buf_offset = offset;
    settle(r);
}

/* Pointer to the next n (1..8) bytes, moving past them: straight into the buffer when they lie in
 * it, else gathered into scratch. n <= length, so the cursor is on a byte. */
HOT const uint8_t *fetch(gomem_reader *r, size_t n, uint8_t *scratch) {
    const gomem_buf *cur = &r->memory->buffers[r->buf_index];
    if (cur->len - r->buf_offset >= n) {
        const uint8_t *p = cur->data + r->buf_offset;
        advance_within(r, n);
        return p;
    }
    take(r, scratch, n);
    return scratch;
}

/* n is 1, 2, 3, 4 or 8. Written as plain shifts, which compilers turn into one load and a byte
 * swap; a loop over n is not unrolled at -O2 and costs several times more. */
HOT uint64_t load_be(const uint8_t *p, size_t n) {
    switch (n) {
    case 8:
        return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
               (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
               (uint64_t)p[6] << 8 | p[7];
    case 4: return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
    case 3: return (uint64_t)p[0] << 16 | (uint64_t)p[1] << 8 | p[2];
    case 2: return (uint64_t)p[0] << 8 | p[1];
    default: return p[0];
    }
}

HOT uint64_t load_le(const uint8_t *p, size_t n) {
    switch (n) {
    case 8:
        return (uint64_t)p[7] << 56 | (uint64_t)p[6] << 48 | (uint64_t)p[5] << 40 |
               (uint64_t)p[4] << 32 | (uint64_t)p[3] << 24 | (uint64_t)p[2] << 16 |
               (uint64_t)p[1] << 8 | p[0];
    case 4: return (uint64_t)p[3] << 24 | (uint64_t)p[2] << 16 | (uint64_t)p[1] << 8 | p[0];
    case 3: return (uint64_t)p[2] << 16 | (uint64_t)p[1] << 8 | p[0];
    case 2: return (uint64_t)p[1] << 8 | p[0];
    default: return p[0];
    }
}

/* The one path behind every fixed-width read and peek; inlined with constant n and order, so each
 * public function compiles to a bounds check, one in-buffer load and a byte swap. */
HOT gomem_status read_uint(gomem_reader *r, size_t n, bool big_endian, uint64_t *out) {
    if (n > r->length) return GOMEM_ERR_END_OF_DATA;
    uint8_t scratch[8];
    const uint8_t *p = fetch(r, n, scratch);
    *out = big_endian ? load_be(p, n) : load_le(p, n);
    return GOMEM_OK;
}

HOT gomem_status peek_uint(const gomem_reader *r, size_t n, bool big_endian,
                                     uint64_t *out) {
    gomem_reader copy = *r;
    return read_uint(&copy, n, big_endian, out);
}

/* Two's complement of an n-byte value without implementation-defined conversions: set the bits
 * above the value when its sign bit is set, then negate through the complement, which is below
 * 2^63 and so converts exactly. */
HOT int64_t sign_extend(uint64_t v, size_t n) {
    if (n < 8 && (v >> (8 * n - 1) & 1)) v |= ~(uint64_t)0 << (8 * n);
    return (v >> 63) ? -(int64_t)(~v) - 1 : (int64_t)v;
}

HOT gomem_status read_int(gomem_reader *r, size_t n, bool big_endian, int64_t *out) {
    uint64_t v;
    gomem_status status = read_uint(r, n, big_endian, &v);
    if (status == GOMEM_OK) *out = sign_extend(v, n);
    return status;
}

void gomem_memory_new_reader(gomem_memory *m, gomem_reader *r) {
    r->memory = m;
    r->buf_index = 0;
    r->buf_offset = 0;
    r->length = m->size;
    r->position = 0;
    settle(r);
}

void gomem_reader_refresh(gomem_reader *r) {
    r->length = r->memory->size - r->position;
    settle(r);
}

size_t gomem_reader_remaining(const gomem_reader *r) { return r->length; }

size_t gomem_reader_offset(const gomem_reader *r) { return r->position; }

gomem_buf gomem_reader_current(const gomem_reader *r) {
    gomem_buf rest = {NULL, 0};
    if (r->length == 0) return rest;
    const gomem_buf *cur = &r->memory->buffers[r->buf_index];
    rest.data = cur->data + r->buf_offset;
    rest.len = cur->len - r->buf_offset;
    if (rest.len > r->length) rest.len = r->length;
    return rest;
}

void gomem_reader_move_to_end(gomem_reader *r) { take(r, NULL, r->length); }

gomem_status gomem_reader_read(gomem_reader *r, uint8_t *dst, size_t capacity, size_t *n_read) {
    if (r->length == 0) {
        *n_read = 0;
        return GOMEM_ERR_END_OF_DATA;
    }
    size_t n = capacity < r->length ? capacity : r->length;
    take(r, dst, n);
    *n_read = n;
    return GOMEM_OK;
}

gomem_status gomem_reader_read_bytes(gomem_reader *r, uint8_t *dst, size_t n) {
    if (n > r->length) return GOMEM_ERR_END_OF_DATA;
    take(r, dst, n);
    return GOMEM_OK;
}

gomem_status gomem_reader_peek(const gomem_reader *r, uint8_t *dst, size_t n) {
    gomem_reader copy = *r;
    return gomem_reader_read_bytes(&copy, dst, n);
}

gomem_status gomem_reader_read_view(gomem_reader *r, size_t n, const uint8_t **out) {
    if (n > r->length) return GOMEM_ERR_END_OF_DATA;
    if (n == 0) {
        *out = NULL;
        return GOMEM_OK;
    }
    const gomem_buf *cur = &r->memory->buffers[r->buf_index];
    if (cur->len - r->buf_offset < n) return GOMEM_ERR_STRADDLE;
    *out = cur->data + r->buf_offset;
    advance_within(r, n);
    return GOMEM_OK;
}

gomem_status gomem_reader_skip(gomem_reader *r, size_t n) {
    return gomem_reader_read_bytes(r, NULL, n);
}

gomem_status gomem_reader_unread(gomem_reader *r, size_t n) {
    if (n > r->position) return GOMEM_ERR_INVALID_ARGUMENT;
    const gomem_buf *bufs = r->memory->buffers;
    size_t index = r->buf_index, offset = r->buf_offset, back = n;
    /* Stop with back <= offset: for n > 0 the cursor then lands on a byte, as the invariant
     * wants; empty buffers have offset 0 and are passed over. */
    while (offset < back) {
        back -= offset;
        offset = bufs[--index].len;
    }
    r->buf_index = index;
    r->buf_offset = offset - back;
    r->length += n;
    r->position -= n;
    return GOMEM_OK;
}

gomem_status gomem_reader_read_u8(gomem_reader *r, uint8_t *out) {
    if (r->length == 0) return GOMEM_ERR_END_OF_DATA;
    *out = r->memory->buffers[r->buf_index].data[r->buf_offset];
    advance_within(r, 1);
    return GOMEM_OK;
}

gomem_status gomem_reader_peek_u8(const gomem_reader *r, uint8_t *out) {
    if (r->length == 0) return GOMEM_ERR_END_OF_DATA;
    *out = r->memory->buffers[r->buf_index].data[r->buf_offset];
    return GOMEM_OK;
}

gomem_status gomem_reader_read_byte_mask(gomem_reader *r, uint8_t mask, uint8_t *out) {
    uint8_t b;
    gomem_status status = gomem_reader_read_u8(r, &b);
    if (status == GOMEM_OK) *out = b & mask;
    return status;
}

gomem_status gomem_reader_read_byte_to(gomem_reader *r, uint8_t *const *dst, size_t count) {
    if (count > r->length) return GOMEM_ERR_END_OF_DATA;
    for (size_t i = 0; i < count; i++) gomem_reader_read_u8(r, dst[i]);
    return GOMEM_OK;
}

/* read_be / read_le: GoMem's variable width (ReadBE), 1..4 bytes into a uint32_t. */
static gomem_status read_var(gomem_reader *r, size_t n, bool big_endian, uint32_t *out) {
    if (n < 1 || n > 4) return GOMEM_ERR_INVALID_SIZE;
    uint64_t v;
    gomem_status status = read_uint(r, n, big_endian, &v);
    if (status == GOMEM_OK) *out = (uint32_t)v;
    return status;
}

gomem_status gomem_reader_read_be(gomem_reader *r, size_t n, uint32_t *out) {
    return read_var(r, n, true, out);
}

gomem_status gomem_reader_read_le(gomem_reader *r, size_t n, uint32_t *out) {
    return read_var(r, n, false, out);
}

/* The fixed-width functions differ only in width, order, moving or not, and output type. */
#define GOMEM_UINT_FN(name, reader_type, body_fn, n, big_endian, out_type)                       \
    gomem_status name(reader_type *r, out_type *out) {                                             \
        uint64_t v;                                                                                \
        gomem_status status = body_fn(r, n, big_endian, &v);                                       \
        if (status == GOMEM_OK) *out = (out_type)v;                                                \
        return status;                                                                             \
    }

GOMEM_UINT_FN(gomem_reader_read_u16_be, gomem_reader, read_uint, 2, true, uint16_t)
GOMEM_UINT_FN(gomem_reader_read_u16_le, gomem_reader, read_uint, 2, false, uint16_t)
GOMEM_UINT_FN(gomem_reader_read_u24_be, gomem_reader, read_uint, 3, true, uint32_t)
GOMEM_UINT_FN(gomem_reader_read_u24_le, gomem_reader, read_uint, 3, false, uint32_t)
GOMEM_UINT_FN(gomem_reader_read_u32_be, gomem_reader, read_uint, 4, true, uint32_t)
GOMEM_UINT_FN(gomem_reader_read_u32_le, gomem_reader, read_uint, 4, false, uint32_t)
GOMEM_UINT_FN(gomem_reader_read_u64_be, gomem_reader, read_uint, 8, true, uint64_t)
GOMEM_UINT_FN(gomem_reader_read_u64_le, gomem_reader, read_uint, 8, false, uint64_t)
GOMEM_UINT_FN(gomem_reader_peek_u16_be, const gomem_reader, peek_uint, 2, true, uint16_t)
GOMEM_UINT_FN(gomem_reader_peek_u16_le, const gomem_reader, peek_uint, 2, false, uint16_t)
GOMEM_UINT_FN(gomem_reader_peek_u24_be, const gomem_reader, peek_uint, 3, true, uint32_t)
GOMEM_UINT_FN(gomem_reader_peek_u24_le, const gomem_reader, peek_uint, 3, false, uint32_t)
GOMEM_UINT_FN(gomem_reader_peek_u32_be, const gomem_reader, peek_uint, 4, true, uint32_t)
GOMEM_UINT_FN(gomem_reader_peek_u32_le, const gomem_reader, peek_uint, 4, false, uint32_t)
GOMEM_UINT_FN(gomem_reader_peek_u64_be, const gomem_reader, peek_uint, 8, true, uint64_t)
GOMEM_UINT_FN(gomem_reader_peek_u64_le, const gomem_reader, peek_uint, 8, false, uint64_t)

/* The signed results are in range of their type by construction, so the casts are exact. */
#define GOMEM_INT_FN(name, n, big_endian, out_type)                                                \
    gomem_status name(gomem_reader *r, out_type *out) {                                            \
        int64_t v;                                                                                 \
        gomem_status status = read_int(r, n, big_endian, &v);                                      \
        if (status == GOMEM_OK) *out = (out_type)v;                                                \
        return status;                                                                             \
    }

GOMEM_INT_FN(gomem_reader_read_i8, 1, true, int8_t)
GOMEM_INT_FN(gomem_reader_read_i16_be, 2, true, int16_t)
GOMEM_INT_FN(gomem_reader_read_i16_le, 2, false, int16_t)
GOMEM_INT_FN(gomem_reader_read_i24_be, 3, true, int32_t)
GOMEM_INT_FN(gomem_reader_read_i24_le, 3, false, int32_t)
GOMEM_INT_FN(gomem_reader_read_i32_be, 4, true, int32_t)
GOMEM_INT_FN(gomem_reader_read_i32_le, 4, false, int32_t)
GOMEM_INT_FN(gomem_reader_read_i64_be, 8, true, int64_t)
GOMEM_INT_FN(gomem_reader_read_i64_le, 8, false, int64_t)

gomem_status gomem_reader_read_leb128(gomem_reader *r, uint64_t *value, size_t *consumed) {
    /* Decode on a copy and commit only a complete, valid encoding. */
    gomem_reader c = *r;
    uint64_t v = 0;
    for (unsigned i = 0;; i++) {
        if (c.length == 0) return GOMEM_ERR_END_OF_DATA;
        uint8_t b = c.memory->buffers[c.buf_index].data[c.buf_offset];
        advance_within(&c, 1);
        /* The tenth group holds bit 63 only: anything above it, or a further group, overflows. */
        if (i == 9 && b > 1) return GOMEM_ERR_OVERFLOW;
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *r = c;
            *value = v;
            if (consumed) *consumed = i + 1;
            return GOMEM_OK;
        }
    }
}

size_t gomem_reader_range_n(gomem_reader *r, size_t n, gomem_buf_visitor visit, void *context) {
    size_t moved = 0;
    while (r->length > 0 && moved < n) {
        const gomem_buf *cur = &r->memory->buffers[r->buf_index];
        size_t chunk = cur->len - r->buf_offset;
        if (chunk > r->length) chunk = r->length;
        if (chunk > n - moved) chunk = n - moved;
        const uint8_t *p = cur->data + r->buf_offset;
        /* Move before the visit so that a visitor stopping early leaves the cursor after the
         * piece it saw. */
        advance_within(r, chunk);
        moved += chunk;
        if (visit && !visit(context, p, chunk)) break;
    }
    return moved;
}

size_t gomem_reader_range(gomem_reader *r, gomem_buf_visitor visit, void *context) {
    return gomem_reader_range_n(r, r->length, visit, context);
}

void gomem_reader_clip_front(gomem_reader *r, gomem_release_fn release, void *context) {
    if (r->position == 0) return; /* as in GoMem: nothing read, the list stays as it is */
    gomem_memory *m = r->memory;
    size_t drop = r->buf_index; /* whole buffers to remove from the front */
    for (size_t i = 0; i < drop; i++)
        if (release && m->buffers[i].len) release(context, m->buffers[i].data, m->buffers[i].len);
    if (drop < m->count && r->buf_offset > 0) {
        gomem_buf *cur = &m->buffers[drop];
        if (release) release(context, cur->data, r->buf_offset);
        if (r->buf_offset == cur->len) {
            drop++; /* read to its end: an empty remainder would only be skipped later */
        } else {
            cur->data += r->buf_offset;
            cur->len -= r->buf_offset;
        }
    }
    if (drop) {
        memmove(m->buffers, m->buffers + drop, (m->count - drop) * sizeof(gomem_buf));
        m->count -= drop;
    }
    m->size -= r->position;
    r->buf_index = 0;
    r->buf_offset = 0;
    r->position = 0;
}
