/*
 * memory.c - the buffer list (GoMem's Memory). It owns only its array of gomem_buf, never the
 * bytes the entries point at: recyclable memory is the owner kind that frees those.
 * Invariants: count <= capacity; buffers is NULL exactly when capacity is 0; size is the sum of
 * the entries' len; an entry's data is NULL only when its len is 0.
 */
#include "internal.h"

/* Every array change goes through the list's resize function (NULL: the C library). */
static void *resize_array(gomem_memory *m, size_t old_entries, size_t new_entries) {
    return gomem_resize_through(m->resize, m->resize_context, m->buffers,
                                old_entries * sizeof(gomem_buf), new_entries * sizeof(gomem_buf));
}

void gomem_memory_init(gomem_memory *m, gomem_resize_fn resize, void *resize_context) {
    m->buffers = NULL;
    m->count = 0;
    m->capacity = 0;
    m->size = 0;
    m->resize = resize;
    m->resize_context = resize_context;
}

gomem_status gomem_memory_reserve(gomem_memory *m, size_t capacity) {
    if (capacity <= m->capacity) return GOMEM_OK;
    if (capacity > SIZE_MAX / sizeof(gomem_buf)) return GOMEM_ERR_NOMEM;
    gomem_buf *grown = resize_array(m, m->capacity, capacity);
    if (!grown) return GOMEM_ERR_NOMEM;
    m->buffers = grown;
    m->capacity = capacity;
    return GOMEM_OK;
}

/* Room for `extra` more entries, doubling so that a run of pushes is amortised O(1). */
static gomem_status reserve_more(gomem_memory *m, size_t extra) {
    if (extra > SIZE_MAX - m->count) return GOMEM_ERR_NOMEM;
    size_t needed = m->count + extra;
    if (needed <= m->capacity) return GOMEM_OK;
    size_t target = m->capacity < 8 ? 8 : m->capacity;
    while (target < needed) target = target > SIZE_MAX / 2 ? needed : target * 2;
    return gomem_memory_reserve(m, target);
}

/* Validate a batch before touching m, so that push is all or nothing; *bytes gets its total. */
static gomem_status check_bufs(const gomem_memory *m, const gomem_buf *bufs, size_t count,
                              size_t *bytes) {
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (!bufs[i].data && bufs[i].len) return GOMEM_ERR_INVALID_ARGUMENT;
        if (bufs[i].len > SIZE_MAX - m->size - total) return GOMEM_ERR_INVALID_SIZE;
        total += bufs[i].len;
    }
    *bytes = total;
    return GOMEM_OK;
}

gomem_status gomem_memory_push(gomem_memory *m, const gomem_buf *bufs, size_t count) {
    size_t bytes;
    gomem_status status = check_bufs(m, bufs, count, &bytes);
    if (status == GOMEM_OK) status = reserve_more(m, count);
    if (status != GOMEM_OK) return status;
    if (count) memcpy(m->buffers + m->count, bufs, count * sizeof(gomem_buf));
    m->count += count;
    m->size += bytes;
    return GOMEM_OK;
}

gomem_status gomem_memory_push_one(gomem_memory *m, uint8_t *data, size_t len) {
    gomem_buf buf = {data, len};
    return gomem_memory_push(m, &buf, 1);
}

gomem_status gomem_memory_append(gomem_memory *m, const gomem_memory *other) {
    size_t count = other->count;
    size_t bytes = other->size;
    if (bytes > SIZE_MAX - m->size) return GOMEM_ERR_INVALID_SIZE;
    gomem_status status = reserve_more(m, count);
    if (status != GOMEM_OK) return status;
    /* Read other->buffers only now: when other is m, the reserve may have moved the array. */
    if (count) memcpy(m->buffers + m->count, other->buffers, count * sizeof(gomem_buf));
    m->count += count;
    m->size += bytes;
    return GOMEM_OK;
}

gomem_status gomem_memory_init_buffers(gomem_memory *m, gomem_resize_fn resize,
                                       void *resize_context, const gomem_buf *bufs, size_t count) {
    gomem_memory_init(m, resize, resize_context);
    return gomem_memory_push(m, bufs, count);
}

gomem_status gomem_memory_init_buffer(gomem_memory *m, gomem_resize_fn resize,
                                      void *resize_context, uint8_t *data, size_t len) {
    gomem_buf buf = {data, len};
    return gomem_memory_init_buffers(m, resize, resize_context, &buf, 1);
}

void gomem_memory_destroy(gomem_memory *m) {
    if (m->buffers) resize_array(m, m->capacity, 0);
    gomem_memory_init(m, m->resize, m->resize_context);
}

size_t gomem_memory_count(const gomem_memory *m) { return m->count; }

void gomem_memory_range(const gomem_memory *m, gomem_buf_visitor visit, void *context) {
    for (size_t i = 0; i < m->count; i++)
        if (!visit(context, m->buffers[i].data, m->buffers[i].len)) return;
}

size_t gomem_memory_copy_to(const gomem_memory *m, uint8_t *dst, size_t capacity) {
    size_t copied = 0;
    for (size_t i = 0; i < m->count && copied < capacity; i++) {
        size_t len = m->buffers[i].len;
        if (len > capacity - copied) len = capacity - copied;
        /* memcpy with a NULL source is undefined even for 0 bytes; empty entries may be NULL. */
        if (len) memcpy(dst + copied, m->buffers[i].data, len);
        copied += len;
    }
    return copied;
}

gomem_status gomem_memory_to_bytes(const gomem_memory *m, uint8_t *dst, size_t capacity) {
    if (capacity < m->size) return GOMEM_ERR_INVALID_SIZE;
    gomem_memory_copy_to(m, dst, capacity);
    return GOMEM_OK;
}

gomem_status gomem_memory_copy_from(gomem_memory *m, const gomem_memory *src, uint8_t *dst,
                                    size_t capacity) {
    size_t bytes = src->size;
    gomem_status status = gomem_memory_to_bytes(src, dst, capacity);
    if (status != GOMEM_OK) return status;
    return gomem_memory_push_one(m, bytes ? dst : NULL, bytes);
}

bool gomem_memory_equal(const gomem_memory *a, const gomem_memory *b) {
    if (a->size != b->size || a->count != b->count) return false;
    for (size_t i = 0; i < a->count; i++) {
        const gomem_buf *x = &a->buffers[i], *y = &b->buffers[i];
        if (x->len != y->len) return false;
        if (x->len && memcmp(x->data, y->data, x->len) != 0) return false;
    }
    return true;
}

gomem_status gomem_memory_update_buffer(gomem_memory *m, ptrdiff_t index, uint8_t *data,
                                        size_t len) {
    size_t at;
    if (index < 0) {
        /* -index cannot overflow for PTRDIFF_MIN once compared as unsigned magnitudes. */
        size_t back = (size_t)(-(index + 1)) + 1;
        if (back > m->count) return GOMEM_ERR_INVALID_ARGUMENT;
        at = m->count - back;
    } else {
        if ((size_t)index >= m->count) return GOMEM_ERR_INVALID_ARGUMENT;
        at = (size_t)index;
    }
    if (!data && len) return GOMEM_ERR_INVALID_ARGUMENT;
    size_t rest = m->size - m->buffers[at].len;
    if (len > SIZE_MAX - rest) return GOMEM_ERR_INVALID_SIZE;
    m->buffers[at].data = data;
    m->buffers[at].len = len;
    m->size = rest + len; /* GoMem's UpdateBuffer assigned the difference instead */
    return GOMEM_OK;
}

void gomem_memory_reset(gomem_memory *m) {
    m->count = 0;
    m->size = 0;
}

gomem_status gomem_memory_write_to(const gomem_memory *m, gomem_writev_fn write, void *context,
                                   size_t *written) {
    size_t index = 0, offset = 0; /* first unwritten byte */
    size_t left = m->size;
    size_t done = 0;
    gomem_status status = GOMEM_OK;
    while (left > 0) {
        while (offset == m->buffers[index].len) index++, offset = 0;
        /* A buffer the sink wrote part of is trimmed into a copy of our own (m is const); it goes
         * alone, because the trimmed head and the untouched tail are no longer one array. */
        gomem_buf head = {m->buffers[index].data + offset, m->buffers[index].len - offset};
        size_t given = offset ? head.len : left;
        size_t n = 0;
        status = offset ? write(context, &head, 1, &n)
                        : write(context, m->buffers + index, m->count - index, &n);
        if (status != GOMEM_OK) break;
        if (n == 0 || n > given) {
            status = GOMEM_ERR_INVALID_SIZE;
            break;
        }
        done += n;
        left -= n;
        for (n += offset, offset = 0; n > 0 && n >= m->buffers[index].len; index++)
            n -= m->buffers[index].len;
        offset = n;
    }
    if (written) *written = done;
    return status;
}
