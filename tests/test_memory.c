/*
 * test_memory.c - the buffer list: construction, growth through a caller's resize function and
 * its failure, all-or-nothing pushes, copies, equality, update_buffer (with GoMem's size bug
 * fixed), and write_to against sinks that write in pieces, fail, or misbehave.
 */
#include "check.h"

/* A resize function that counts live bytes and can be told to fail, to check that the list
 * releases what it takes and stays unchanged when growth fails. */
typedef struct counting_resize {
    size_t live_bytes;
    size_t calls;
    bool fail;
} counting_resize;

static void *counting_resize_fn(void *context, void *old, size_t old_bytes, size_t new_bytes) {
    counting_resize *c = context;
    c->calls++;
    if (new_bytes == 0) {
        c->live_bytes -= old_bytes;
        free(old);
        return NULL;
    }
    if (c->fail) return NULL;
    void *grown = realloc(old, new_bytes);
    if (grown) c->live_bytes = c->live_bytes - old_bytes + new_bytes;
    return grown;
}

static uint8_t bytes_a[] = {1, 2, 3, 4, 5};
static uint8_t bytes_b[] = {6, 7};
static uint8_t bytes_c[] = {8, 9, 10};

static void check_joined(const gomem_memory *m, const uint8_t *want, size_t len) {
    uint8_t out[64];
    CHECK_EQ(m->size, len);
    CHECK_STATUS(gomem_memory_to_bytes(m, out, sizeof out), GOMEM_OK);
    CHECK(len <= sizeof out && memcmp(out, want, len) == 0);
}

static void test_init(void) {
    gomem_memory zero = {0};
    CHECK_EQ(gomem_memory_count(&zero), 0);
    CHECK_STATUS(gomem_memory_push_one(&zero, bytes_a, 5), GOMEM_OK); /* zeroed list is valid */
    CHECK_EQ(zero.size, 5);
    gomem_memory_destroy(&zero);
    CHECK(zero.buffers == NULL && zero.count == 0 && zero.capacity == 0 && zero.size == 0);

    gomem_memory m;
    CHECK_STATUS(gomem_memory_init_buffer(&m, NULL, NULL, bytes_a, 5), GOMEM_OK);
    CHECK_EQ(m.count, 1);
    CHECK_EQ(m.size, 5);
    CHECK(m.buffers[0].data == bytes_a);
    gomem_memory_destroy(&m);

    CHECK_STATUS(gomem_memory_init_buffer(&m, NULL, NULL, NULL, 3), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK(m.count == 0 && m.size == 0 && m.buffers == NULL);
    CHECK_STATUS(gomem_memory_init_buffer(&m, NULL, NULL, NULL, 0), GOMEM_OK);
    CHECK_EQ(m.count, 1);
    CHECK_EQ(m.size, 0);
    gomem_memory_destroy(&m);

    gomem_buf three[] = {{bytes_a, 5}, {NULL, 0}, {bytes_b, 2}};
    CHECK_STATUS(gomem_memory_init_buffers(&m, NULL, NULL, three, 3), GOMEM_OK);
    CHECK_EQ(m.count, 3);
    static const uint8_t want[] = {1, 2, 3, 4, 5, 6, 7};
    check_joined(&m, want, 7);
    gomem_memory_destroy(&m);

    CHECK_STATUS(gomem_memory_init_buffers(&m, NULL, NULL, NULL, 0), GOMEM_OK);
    CHECK(m.count == 0 && m.size == 0);
    gomem_memory_destroy(&m);
}

static void test_growth_and_resize(void) {
    counting_resize c = {0};
    gomem_memory m;
    gomem_memory_init(&m, counting_resize_fn, &c);
    CHECK_EQ(c.calls, 0); /* init allocates nothing */
    for (size_t i = 0; i < 1000; i++) {
        CHECK_STATUS(gomem_memory_push_one(&m, bytes_a + i % 5, 5 - i % 5), GOMEM_OK);
    }
    CHECK_EQ(m.count, 1000);
    size_t expect = 0;
    for (size_t i = 0; i < 1000; i++) expect += 5 - i % 5;
    CHECK_EQ(m.size, expect);
    CHECK(m.buffers[999].data == bytes_a + 4 && m.buffers[999].len == 1);
    CHECK(c.calls < 20); /* geometric growth: a handful of resizes, not one per push */
    CHECK_EQ(c.live_bytes, m.capacity * sizeof(gomem_buf));

    /* A failing growth leaves the list exactly as it was. */
    c.fail = true;
    size_t room = m.capacity - m.count;
    for (size_t i = 0; i < room; i++) CHECK_STATUS(gomem_memory_push_one(&m, bytes_b, 2), GOMEM_OK);
    gomem_memory before = m;
    CHECK_STATUS(gomem_memory_push_one(&m, bytes_c, 3), GOMEM_ERR_NOMEM);
    CHECK(memcmp(&before, &m, sizeof m) == 0);
    gomem_buf two[] = {{bytes_a, 1}, {bytes_b, 1}};
    CHECK_STATUS(gomem_memory_push(&m, two, 2), GOMEM_ERR_NOMEM);
    CHECK(memcmp(&before, &m, sizeof m) == 0);
    CHECK_STATUS(gomem_memory_append(&m, &m), GOMEM_ERR_NOMEM);
    CHECK(memcmp(&before, &m, sizeof m) == 0);
    CHECK_STATUS(gomem_memory_reserve(&m, m.capacity + 1), GOMEM_ERR_NOMEM);
    CHECK_STATUS(gomem_memory_reserve(&m, SIZE_MAX), GOMEM_ERR_NOMEM);
    CHECK(memcmp(&before, &m, sizeof m) == 0);
    c.fail = false;

    gomem_memory_destroy(&m);
    CHECK_EQ(c.live_bytes, 0);
    CHECK(m.resize == counting_resize_fn && m.resize_context == &c); /* reusable after destroy */

    CHECK_STATUS(gomem_memory_reserve(&m, 100), GOMEM_OK);
    CHECK_EQ(m.capacity, 100);
    size_t calls = c.calls;
    for (int i = 0; i < 100; i++) CHECK_STATUS(gomem_memory_push_one(&m, bytes_c, 3), GOMEM_OK);
    CHECK_EQ(c.calls, calls); /* pushes within the reserve never resize */
    CHECK_STATUS(gomem_memory_reserve(&m, 10), GOMEM_OK); /* never shrinks */
    CHECK_EQ(m.capacity, 100);
    gomem_memory_destroy(&m);
    CHECK_EQ(c.live_bytes, 0);

    /* A failing first growth: init_buffers leaves a valid empty list. */
    c.fail = true;
    CHECK_STATUS(gomem_memory_init_buffer(&m, counting_resize_fn, &c, bytes_a, 5),
                 GOMEM_ERR_NOMEM);
    CHECK(m.count == 0 && m.size == 0 && m.buffers == NULL);
    gomem_memory_destroy(&m);
    CHECK_EQ(c.live_bytes, 0);
}

static void test_push_all_or_nothing(void) {
    gomem_memory m;
    gomem_memory_init(&m, NULL, NULL);
    CHECK_STATUS(gomem_memory_push_one(&m, bytes_a, 5), GOMEM_OK);
    gomem_buf bad[] = {{bytes_b, 2}, {NULL, 4}, {bytes_c, 3}};
    CHECK_STATUS(gomem_memory_push(&m, bad, 3), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(m.count, 1);
    CHECK_EQ(m.size, 5);
    CHECK_STATUS(gomem_memory_push_one(&m, NULL, 1), GOMEM_ERR_INVALID_ARGUMENT);

    /* The size is a size_t: a push that would wrap it is refused (the data is never touched). */
    CHECK_STATUS(gomem_memory_push_one(&m, bytes_a, SIZE_MAX - 5), GOMEM_OK);
    CHECK_EQ(m.size, SIZE_MAX);
    CHECK_STATUS(gomem_memory_push_one(&m, bytes_b, 1), GOMEM_ERR_INVALID_SIZE);
    gomem_buf wrap[] = {{bytes_b, 0}, {bytes_c, 2}};
    CHECK_STATUS(gomem_memory_push(&m, wrap, 2), GOMEM_ERR_INVALID_SIZE);
    CHECK_STATUS(gomem_memory_append(&m, &m), GOMEM_ERR_INVALID_SIZE);
    CHECK_STATUS(gomem_memory_update_buffer(&m, 0, bytes_a, 6), GOMEM_ERR_INVALID_SIZE);
    CHECK_EQ(m.count, 2);
    CHECK_EQ(m.size, SIZE_MAX);
    CHECK_STATUS(gomem_memory_push_one(&m, NULL, 0), GOMEM_OK); /* empty pushes still fit */
    CHECK_EQ(m.count, 3);
    gomem_memory_destroy(&m);
}

static void test_append_and_count(void) {
    gomem_memory a, b;
    gomem_buf ab[] = {{bytes_a, 5}, {bytes_b, 2}};
    CHECK_STATUS(gomem_memory_init_buffers(&a, NULL, NULL, ab, 2), GOMEM_OK);
    CHECK_STATUS(gomem_memory_init_buffer(&b, NULL, NULL, bytes_c, 3), GOMEM_OK);
    CHECK_STATUS(gomem_memory_append(&a, &b), GOMEM_OK);
    CHECK_EQ(gomem_memory_count(&a), 3);
    static const uint8_t abc[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    check_joined(&a, abc, 10);
    CHECK_EQ(gomem_memory_count(&b), 1); /* the source is left alone */

    /* Appending a list to itself, many times, through array moves. */
    for (int i = 0; i < 6; i++) CHECK_STATUS(gomem_memory_append(&a, &a), GOMEM_OK);
    CHECK_EQ(gomem_memory_count(&a), 3u * 64);
    CHECK_EQ(a.size, 10u * 64);
    uint8_t out[640];
    CHECK_EQ(gomem_memory_copy_to(&a, out, sizeof out), 640);
    bool same = true;
    for (size_t i = 0; i < 640; i++) same = same && out[i] == abc[i % 10];
    CHECK(same);

    gomem_memory empty = {0};
    CHECK_STATUS(gomem_memory_append(&a, &empty), GOMEM_OK);
    CHECK_EQ(gomem_memory_count(&a), 3u * 64);
    CHECK_STATUS(gomem_memory_append(&empty, &b), GOMEM_OK);
    CHECK(gomem_memory_equal(&empty, &b));
    gomem_memory_destroy(&empty);
    gomem_memory_destroy(&a);
    gomem_memory_destroy(&b);
}

typedef struct range_log {
    size_t calls;
    size_t stop_after;
    size_t lens[8];
    const uint8_t *ptrs[8];
} range_log;

static bool log_visit(void *context, const uint8_t *data, size_t len) {
    range_log *log = context;
    if (log->calls < 8) {
        log->lens[log->calls] = len;
        log->ptrs[log->calls] = data;
    }
    return ++log->calls != log->stop_after;
}

static void test_range(void) {
    gomem_memory m;
    gomem_buf bufs[] = {{bytes_a, 5}, {NULL, 0}, {bytes_b, 2}, {bytes_c, 3}};
    CHECK_STATUS(gomem_memory_init_buffers(&m, NULL, NULL, bufs, 4), GOMEM_OK);
    range_log log = {0};
    gomem_memory_range(&m, log_visit, &log);
    CHECK_EQ(log.calls, 4); /* empty buffers are visited too: the list is shown as it is */
    CHECK(log.ptrs[0] == bytes_a && log.lens[0] == 5);
    CHECK(log.ptrs[1] == NULL && log.lens[1] == 0);
    CHECK(log.ptrs[3] == bytes_c && log.lens[3] == 3);
    range_log early = {.stop_after = 2};
    gomem_memory_range(&m, log_visit, &early);
    CHECK_EQ(early.calls, 2);
    gomem_memory empty = {0};
    range_log none = {0};
    gomem_memory_range(&empty, log_visit, &none);
    CHECK_EQ(none.calls, 0);
    gomem_memory_destroy(&m);
}

static void test_copies(void) {
    gomem_memory m;
    gomem_buf bufs[] = {{NULL, 0}, {bytes_a, 5}, {NULL, 0}, {bytes_b, 2}, {NULL, 0}};
    CHECK_STATUS(gomem_memory_init_buffers(&m, NULL, NULL, bufs, 5), GOMEM_OK);
    uint8_t out[8];
    memset(out, 0xEE, sizeof out);
    CHECK_EQ(gomem_memory_copy_to(&m, out, 6), 6); /* partial copy stops inside a buffer */
    static const uint8_t want[] = {1, 2, 3, 4, 5, 6, 0xEE, 0xEE};
    CHECK(memcmp(out, want, 8) == 0);
    CHECK_EQ(gomem_memory_copy_to(&m, out, 5), 5); /* ... and exactly at a buffer end */
    CHECK_EQ(gomem_memory_copy_to(&m, NULL, 0), 0);
    memset(out, 0xEE, sizeof out);
    CHECK_STATUS(gomem_memory_to_bytes(&m, out, 6), GOMEM_ERR_INVALID_SIZE);
    CHECK_EQ(out[0], 0xEE); /* nothing copied */
    CHECK_STATUS(gomem_memory_to_bytes(&m, out, 7), GOMEM_OK);
    CHECK(memcmp(out, want, 6) == 0 && out[6] == 7 && out[7] == 0xEE);

    gomem_memory empty = {0};
    CHECK_STATUS(gomem_memory_to_bytes(&empty, NULL, 0), GOMEM_OK);

    /* copy_from: join into caller storage and push it as one buffer. */
    gomem_memory dst = {0};
    uint8_t store[16];
    CHECK_STATUS(gomem_memory_copy_from(&dst, &m, store, 6), GOMEM_ERR_INVALID_SIZE);
    CHECK_EQ(dst.count, 0);
    CHECK_STATUS(gomem_memory_copy_from(&dst, &m, store, sizeof store), GOMEM_OK);
    CHECK_EQ(dst.count, 1);
    CHECK(dst.buffers[0].data == store && dst.buffers[0].len == 7);
    static const uint8_t joined[] = {1, 2, 3, 4, 5, 6, 7};
    check_joined(&dst, joined, 7);
    uint8_t store2[16];
    CHECK_STATUS(gomem_memory_copy_from(&dst, &dst, store2, sizeof store2), GOMEM_OK);
    CHECK_EQ(dst.count, 2);
    CHECK_EQ(dst.size, 14);
    CHECK(memcmp(store2, joined, 7) == 0);
    CHECK_STATUS(gomem_memory_copy_from(&dst, &empty, NULL, 0), GOMEM_OK);
    CHECK_EQ(dst.count, 3); /* as GoMem: an empty source adds an empty buffer */
    CHECK_EQ(dst.size, 14);
    gomem_memory_destroy(&dst);
    gomem_memory_destroy(&m);
}

static void test_equal(void) {
    uint8_t x[] = {1, 2, 3}, y[] = {1, 2, 3}, z[] = {1, 2, 4};
    gomem_memory a, b, c, d;
    gomem_buf ab[] = {{x, 3}, {NULL, 0}};
    gomem_buf bb[] = {{y, 3}, {NULL, 0}};
    gomem_buf split[] = {{x, 1}, {x + 1, 2}};
    CHECK_STATUS(gomem_memory_init_buffers(&a, NULL, NULL, ab, 2), GOMEM_OK);
    CHECK_STATUS(gomem_memory_init_buffers(&b, NULL, NULL, bb, 2), GOMEM_OK);
    CHECK_STATUS(gomem_memory_init_buffers(&c, NULL, NULL, split, 2), GOMEM_OK);
    CHECK_STATUS(gomem_memory_init_buffer(&d, NULL, NULL, z, 3), GOMEM_OK);
    CHECK(gomem_memory_equal(&a, &b));
    CHECK(gomem_memory_equal(&a, &a));
    CHECK(!gomem_memory_equal(&a, &c)); /* same bytes, other split */
    CHECK_STATUS(gomem_memory_push_one(&d, NULL, 0), GOMEM_OK);
    CHECK(!gomem_memory_equal(&a, &d)); /* same shape, one byte differs */
    gomem_memory e = {0}, f = {0};
    CHECK(gomem_memory_equal(&e, &f));
    CHECK(!gomem_memory_equal(&e, &a));
    gomem_memory_destroy(&a);
    gomem_memory_destroy(&b);
    gomem_memory_destroy(&c);
    gomem_memory_destroy(&d);
}

static void test_update_buffer_and_reset(void) {
    gomem_memory m;
    gomem_buf bufs[] = {{bytes_a, 5}, {bytes_b, 2}, {bytes_c, 3}};
    CHECK_STATUS(gomem_memory_init_buffers(&m, NULL, NULL, bufs, 3), GOMEM_OK);
    CHECK_STATUS(gomem_memory_update_buffer(&m, 1, bytes_c, 3), GOMEM_OK);
    CHECK_EQ(m.size, 11); /* GoMem would have set the size to the difference, 1 */
    CHECK(m.buffers[1].data == bytes_c);
    CHECK_STATUS(gomem_memory_update_buffer(&m, -1, bytes_b, 1), GOMEM_OK);
    CHECK(m.buffers[2].data == bytes_b && m.buffers[2].len == 1);
    CHECK_EQ(m.size, 9);
    CHECK_STATUS(gomem_memory_update_buffer(&m, -3, NULL, 0), GOMEM_OK);
    CHECK(m.buffers[0].data == NULL && m.buffers[0].len == 0);
    CHECK_EQ(m.size, 4);
    gomem_memory before = m;
    CHECK_STATUS(gomem_memory_update_buffer(&m, 3, bytes_a, 1), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_memory_update_buffer(&m, -4, bytes_a, 1), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_memory_update_buffer(&m, PTRDIFF_MIN, bytes_a, 1),
                 GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_memory_update_buffer(&m, PTRDIFF_MAX, bytes_a, 1),
                 GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_memory_update_buffer(&m, 0, NULL, 1), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK(memcmp(&before, &m, sizeof m) == 0);

    size_t capacity = m.capacity;
    gomem_memory_reset(&m);
    CHECK(m.count == 0 && m.size == 0 && m.capacity == capacity && m.buffers != NULL);
    CHECK_STATUS(gomem_memory_update_buffer(&m, 0, bytes_a, 1), GOMEM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gomem_memory_update_buffer(&m, -1, bytes_a, 1), GOMEM_ERR_INVALID_ARGUMENT);
    gomem_memory_destroy(&m);
}

/* A writev sink: takes at most `max_per_call` bytes per call into `out`, optionally failing on a
 * given call, over-claiming, or making no progress. */
typedef struct sink {
    uint8_t out[64];
    size_t filled;
    size_t max_per_call;
    size_t calls;
    size_t fail_on_call; /* 1-based; 0 never */
    size_t max_count_seen;
    bool over_claim;
    bool stall;
} sink;

static gomem_status sink_write(void *context, const gomem_buf *bufs, size_t count,
                               size_t *written) {
    sink *s = context;
    s->calls++;
    if (count > s->max_count_seen) s->max_count_seen = count;
    if (s->calls == s->fail_on_call) return GOMEM_ERR_NOMEM;
    if (s->stall) {
        *written = 0;
        return GOMEM_OK;
    }
    size_t total = 0;
    for (size_t i = 0; i < count && total < s->max_per_call; i++) {
        size_t n = bufs[i].len;
        if (n > s->max_per_call - total) n = s->max_per_call - total;
        if (n) memcpy(s->out + s->filled, bufs[i].data, n);
        s->filled += n;
        total += n;
    }
    *written = s->over_claim ? total + 100 : total;
    return GOMEM_OK;
}

static void test_write_to(void) {
    gomem_memory m;
    gomem_buf bufs[] = {{NULL, 0}, {bytes_a, 5}, {NULL, 0}, {bytes_b, 2}, {bytes_c, 3}, {NULL, 0}};
    CHECK_STATUS(gomem_memory_init_buffers(&m, NULL, NULL, bufs, 6), GOMEM_OK);
    static const uint8_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    for (size_t per_call = 1; per_call <= 11; per_call++) {
        sink s = {.max_per_call = per_call};
        size_t written = 99;
        CHECK_STATUS(gomem_memory_write_to(&m, sink_write, &s, &written), GOMEM_OK);
        CHECK_EQ(written, 10);
        CHECK_EQ(s.filled, 10);
        CHECK(memcmp(s.out, want, 10) == 0);
        CHECK(s.calls >= (10 + per_call - 1) / per_call && s.calls <= 10);
        if (per_call >= 10) CHECK_EQ(s.calls, 1); /* everything in one writev */
    }
    sink whole = {.max_per_call = 100};
    CHECK_STATUS(gomem_memory_write_to(&m, sink_write, &whole, NULL), GOMEM_OK);
    CHECK_EQ(whole.max_count_seen, 5); /* the leading empty buffer is skipped, the rest handed */

    sink failing = {.max_per_call = 3, .fail_on_call = 2};
    size_t written = 0;
    CHECK_STATUS(gomem_memory_write_to(&m, sink_write, &failing, &written), GOMEM_ERR_NOMEM);
    CHECK_EQ(written, 3);

    sink liar = {.max_per_call = 3, .over_claim = true};
    CHECK_STATUS(gomem_memory_write_to(&m, sink_write, &liar, &written), GOMEM_ERR_INVALID_SIZE);
    CHECK_EQ(written, 0);
    sink stalled = {.stall = true};
    CHECK_STATUS(gomem_memory_write_to(&m, sink_write, &stalled, &written),
                 GOMEM_ERR_INVALID_SIZE);
    CHECK_EQ(stalled.calls, 1);

    gomem_memory empty = {0};
    sink none = {.max_per_call = 3};
    CHECK_STATUS(gomem_memory_write_to(&empty, sink_write, &none, &written), GOMEM_OK);
    CHECK_EQ(written, 0);
    CHECK_EQ(none.calls, 0);
    gomem_memory_destroy(&m);
}

int main(void) {
    RUN(test_init);
    RUN(test_growth_and_resize);
    RUN(test_push_all_or_nothing);
    RUN(test_append_and_count);
    RUN(test_range);
    RUN(test_copies);
    RUN(test_equal);
    RUN(test_update_buffer_and_reset);
    RUN(test_write_to);
    return check_report("test_memory");
}
