/*
 * recyclable.c - recyclable memory (GoMem's RecyclableMemory): a buffer list that owns the
 * buffers it took, so one call frees all of them.
 *
 * Without recycle indexes every buffer of the list is freed by recycle; after
 * init_recycle_indexes only the recorded ones are, so a caller may also push borrowed buffers.
 * With GOMEM_DISABLE_RM (GoMem's disable_rm) next_n bypasses the arenas: each buffer is its own
 * allocation from the list's resize function, which lets sanitizers and valgrind watch every
 * buffer's bounds on its own.
 */
#include "internal.h"

/* Grow or release an array the way the list's own array is grown (shared resize function). */
static void *resize_array(const gomem_recyclable *rm, void *old, size_t old_bytes, size_t new_bytes) {
    return gomem_resize_through(rm->memory.resize, rm->memory.resize_context, old, old_bytes,
                                new_bytes);
}

void gomem_recyclable_init(gomem_recyclable *rm, gomem_allocator *allocator,
                           gomem_resize_fn resize, void *resize_context) {
    gomem_memory_init(&rm->memory, resize, resize_context);
    rm->allocator = allocator;
    rm->recycle_indexes = NULL;
    rm->index_count = 0;
    rm->index_capacity = 0;
}

static gomem_status reserve_indexes(gomem_recyclable *rm, size_t capacity) {
    if (capacity <= rm->index_capacity) return GOMEM_OK;
    if (capacity > SIZE_MAX / sizeof(size_t)) return GOMEM_ERR_NOMEM;
    size_t *indexes = resize_array(rm, rm->recycle_indexes, rm->index_capacity * sizeof(size_t),
                                   capacity * sizeof(size_t));
    if (indexes == NULL) return GOMEM_ERR_NOMEM;
    rm->recycle_indexes = indexes;
    rm->index_capacity = capacity;
    return GOMEM_OK;
}

gomem_status gomem_recyclable_init_recycle_indexes(gomem_recyclable *rm, size_t max) {
    if (rm->recycle_indexes != NULL) return GOMEM_OK;
    return reserve_indexes(rm, max ? max : 1);
}

/* Push a buffer and, when indexes are kept, record its position; all or nothing. */
static gomem_status push_recorded(gomem_recyclable *rm, void *data, size_t len) {
    if (rm->recycle_indexes != NULL && rm->index_count == rm->index_capacity) {
        gomem_status status = reserve_indexes(rm, rm->index_capacity * 2);
        if (status != GOMEM_OK) return status;
    }
    size_t position = rm->memory.count;
    gomem_status status = gomem_memory_push_one(&rm->memory, data, len);
    if (status != GOMEM_OK) return status;
    if (rm->recycle_indexes != NULL) rm->recycle_indexes[rm->index_count++] = position;
    return GOMEM_OK;
}

/* Give back one buffer the way next_n took it. */
static gomem_status release_buffer(gomem_recyclable *rm, uint8_t *data, size_t len) {
    if (len == 0) return GOMEM_OK;
#if GOMEM_DISABLE_RM
    (void)resize_array(rm, data, len, 0);
    return GOMEM_OK;
#else
    if (rm->allocator == NULL) return GOMEM_OK; /* nothing to give back to: only forget */
    return gomem_free(rm->allocator, data, len);
#endif
}

void *gomem_recyclable_next_n(gomem_recyclable *rm, size_t size) {
    if (size == 0) return NULL;
#if GOMEM_DISABLE_RM
    void *data = resize_array(rm, NULL, 0, size);
#else
    void *data = rm->allocator ? gomem_alloc(rm->allocator, size) : NULL;
#endif
    if (data == NULL) return NULL;
    if (push_recorded(rm, data, size) != GOMEM_OK) {
        (void)release_buffer(rm, data, size);
        return NULL;
    }
    return data;
}

gomem_status gomem_recyclable_add_recycle_bytes(gomem_recyclable *rm, void *data, size_t len) {
    if (data == NULL && len != 0) return GOMEM_ERR_INVALID_ARGUMENT;
    return push_recorded(rm, data, len);
}

gomem_status gomem_recyclable_recycle(gomem_recyclable *rm) {
    gomem_status first_error = GOMEM_OK;
    gomem_buf *buffers = rm->memory.buffers;
    size_t count = rm->recycle_indexes != NULL ? rm->index_count : rm->memory.count;
    for (size_t i = 0; i < count; i++) {
        size_t position = rm->recycle_indexes != NULL ? rm->recycle_indexes[i] : i;
        gomem_status status = release_buffer(rm, buffers[position].data, buffers[position].len);
        if (first_error == GOMEM_OK) first_error = status;
    }
    rm->index_count = 0;
    gomem_memory_reset(&rm->memory);
    return first_error;
}

void gomem_recyclable_destroy(gomem_recyclable *rm) {
    (void)gomem_recyclable_recycle(rm);
    if (rm->recycle_indexes != NULL)
        (void)resize_array(rm, rm->recycle_indexes, rm->index_capacity * sizeof(size_t), 0);
    rm->recycle_indexes = NULL;
    rm->index_capacity = 0;
    gomem_memory_destroy(&rm->memory);
}
