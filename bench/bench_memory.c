/*
 * bench_memory.c - speed of the buffer list and the reader, mirroring GoMem's
 * memory_bench_test.go and reader_bench_test.go (same names, same buffer sizes), plus what a
 * straddling read costs: a cross-buffer read_be(4) against a plain big-endian load from
 * one array, and recyclable memory (next_n then recycle; a GOMEM_DISABLE_RM build measures the
 * same calls going to the C heap). Prints ns/op as the median of the timed runs after a warm-up,
 * with min..max (bench_common.h: 9 runs, --quick 5). Figures only: nothing here asserts a time.
 *
 * Usage: bench_memory [--quick] [--json FILE] [--build LABEL] [--only memory,reader,straddle,
 *                     recyclable] [--variant TEXT] [--runs N]
 *
 * Differences from GoMem's benchmarks, forced by C: ToBytes and ReadBytes copy into caller
 * storage (Go allocates a fresh slice each time); PushOne, Push and Append empty their list every
 * 4096 ops (Go lets it grow for b.N ops), so the figure is the amortised push cost at bounded
 * memory.
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#include "bench_common.h"

static volatile uint64_t sink; /* every benchmark folds its results in here */

/* The benchmarks below take only an iteration count; the harness passes a state too. */
typedef void (*plain_fn)(size_t iters);
static plain_fn current;
static void run_current(void *state, size_t iters) {
    (void)state;
    current(iters);
}

/* Measure fn, print and record it as (group, name, contender); returns the median ns/op. */
static double bench(const char *group, const char *name, const char *contender, plain_fn fn) {
    current = fn;
    bench_result r = bench_measure(run_current, NULL);
    bench_report(group, name, contender, r);
    return r.median;
}

static uint8_t kb[100][1024]; /* 100 separate 1 KiB buffers, as GoMem's make([]byte, 1024) */
static uint8_t joined[100 * 1024];
static uint8_t leb[1024];

static void fill_list(gomem_memory *m, size_t count) {
    gomem_memory_init(m, NULL, NULL);
    for (size_t i = 0; i < count; i++)
        if (gomem_memory_push_one(m, kb[i], sizeof kb[i]) != GOMEM_OK) exit(1);
}

/* ---- memory_bench_test.go ---- */

static void memory_push_one(size_t iters) {
    gomem_memory m;
    gomem_memory_init(&m, NULL, NULL);
    for (size_t i = 0; i < iters; i++) {
        if (m.count == 4096) gomem_memory_reset(&m);
        gomem_memory_push_one(&m, kb[0], 1024);
    }
    sink += m.size;
    gomem_memory_destroy(&m);
}

static void memory_push(size_t iters) {
    gomem_memory m;
    gomem_memory_init(&m, NULL, NULL);
    gomem_buf two[] = {{kb[0], 512}, {kb[1], 512}};
    for (size_t i = 0; i < iters; i++) {
        if (m.count == 4096) gomem_memory_reset(&m);
        gomem_memory_push(&m, two, 2);
    }
    sink += m.size;
    gomem_memory_destroy(&m);
}

static void memory_to_bytes(size_t iters) {
    gomem_memory m;
    fill_list(&m, 100);
    for (size_t i = 0; i < iters; i++) {
        gomem_memory_to_bytes(&m, joined, sizeof joined);
        sink += joined[i % sizeof joined];
    }
    gomem_memory_destroy(&m);
}

static void memory_copy_to(size_t iters) {
    gomem_memory m;
    fill_list(&m, 100);
    for (size_t i = 0; i < iters; i++) sink += gomem_memory_copy_to(&m, joined, sizeof joined);
    gomem_memory_destroy(&m);
}

static void memory_append(size_t iters) {
    gomem_memory a, b;
    fill_list(&a, 50);
    fill_list(&b, 50);
    for (size_t i = 0; i < iters; i++) {
        if (a.count >= 4096) {
            gomem_memory_reset(&a);
            gomem_memory_append(&a, &b);
        }
        gomem_memory_append(&a, &b);
    }
    sink += a.size;
    gomem_memory_destroy(&a);
    gomem_memory_destroy(&b);
}

static void memory_count(size_t iters) {
    gomem_memory m;
    fill_list(&m, 100);
    /* Through a volatile pointer, so the loop cannot be folded into one multiplication. */
    gomem_memory *volatile mp = &m;
    size_t total = 0;
    for (size_t i = 0; i < iters; i++) total += gomem_memory_count(mp);
    sink += total;
    gomem_memory_destroy(&m);
}

static bool add_len(void *context, const uint8_t *data, size_t len) {
    (void)data;
    *(size_t *)context += len;
    return true;
}

static void memory_range(size_t iters) {
    gomem_memory m;
    fill_list(&m, 100);
    size_t total = 0;
    for (size_t i = 0; i < iters; i++) gomem_memory_range(&m, add_len, &total);
    sink += total;
    gomem_memory_destroy(&m);
}

/* ---- reader_bench_test.go ---- */

static void reader_read(size_t iters) {
    gomem_memory m;
    fill_list(&m, 3);
    uint8_t out[1024];
    for (size_t i = 0; i < iters; i++) {
        gomem_reader r;
        gomem_memory_new_reader(&m, &r);
        size_t n;
        while (r.length > 0 && gomem_reader_read(&r, out, sizeof out, &n) == GOMEM_OK) sink += n;
    }
    gomem_memory_destroy(&m);
}

static void reader_read_byte(size_t iters) {
    gomem_memory m;
    fill_list(&m, 1);
    uint64_t total = 0;
    for (size_t i = 0; i < iters; i++) {
        gomem_reader r;
        gomem_memory_new_reader(&m, &r);
        uint8_t b;
        while (r.length > 0 && gomem_reader_read_u8(&r, &b) == GOMEM_OK) total += b;
    }
    sink += total;
    gomem_memory_destroy(&m);
}

static void reader_read_bytes(size_t iters) {
    gomem_memory m;
    fill_list(&m, 1);
    uint8_t out[64];
    for (size_t i = 0; i < iters; i++) {
        gomem_reader r;
        gomem_memory_new_reader(&m, &r);
        while (r.length > 0 && gomem_reader_read_bytes(&r, out, 64) == GOMEM_OK) sink += out[0];
    }
    gomem_memory_destroy(&m);
}

static void reader_read_be(size_t iters) {
    gomem_memory m;
    fill_list(&m, 1);
    uint64_t total = 0;
    for (size_t i = 0; i < iters; i++) {
        gomem_reader r;
        gomem_memory_new_reader(&m, &r);
        uint32_t v;
        while (r.length >= 4 && gomem_reader_read_be(&r, 4, &v) == GOMEM_OK) total += v;
    }
    sink += total;
    gomem_memory_destroy(&m);
}

static void reader_skip(size_t iters) {
    gomem_memory m;
    fill_list(&m, 1);
    for (size_t i = 0; i < iters; i++) {
        gomem_reader r;
        gomem_memory_new_reader(&m, &r);
        while (r.length > 0 && gomem_reader_skip(&r, 64) == GOMEM_OK) continue;
        sink += r.position;
    }
    gomem_memory_destroy(&m);
}

static void reader_range(size_t iters) {
    gomem_memory m;
    gomem_buf halves[] = {{kb[0], 512}, {kb[1], 512}};
    gomem_memory_init_buffers(&m, NULL, NULL, halves, 2);
    size_t total = 0;
    for (size_t i = 0; i < iters; i++) {
        gomem_reader r;
        gomem_memory_new_reader(&m, &r);
        gomem_reader_range(&r, add_len, &total);
    }
    sink += total;
    gomem_memory_destroy(&m);
}

static void reader_range_n(size_t iters) {
    gomem_memory m;
    gomem_buf halves[] = {{kb[0], 512}, {kb[1], 512}};
    gomem_memory_init_buffers(&m, NULL, NULL, halves, 2);
    size_t total = 0;
    for (size_t i = 0; i < iters; i++) {
        gomem_reader r;
        gomem_memory_new_reader(&m, &r);
        gomem_reader_range_n(&r, 2, add_len, &total);
    }
    sink += total;
    gomem_memory_destroy(&m);
}

static void reader_leb128(size_t iters) {
    gomem_memory m;
    gomem_memory_init_buffer(&m, NULL, NULL, leb, sizeof leb);
    uint64_t total = 0;
    for (size_t i = 0; i < iters; i++) {
        gomem_reader r;
        gomem_memory_new_reader(&m, &r);
        uint64_t v;
        size_t used;
        while (r.length > 0 && gomem_reader_read_leb128(&r, &v, &used) == GOMEM_OK) total += v;
    }
    sink += total;
    gomem_memory_destroy(&m);
}

/* ---- cross-buffer read_be(4) against a plain load ---- */

/* The same 1 KiB of data as one array and as lists cut into pieces of a given size. */
static uint8_t data1k[1024];

static void plain_be_load(size_t iters) {
    uint64_t total = 0;
    for (size_t i = 0; i < iters; i++) {
        /* The array pointer goes through a volatile so each op really reloads the bytes. */
        const uint8_t *volatile vp = data1k;
        const uint8_t *p = vp;
        for (size_t at = 0; at + 4 <= sizeof data1k; at += 4)
            total += (uint32_t)p[at] << 24 | (uint32_t)p[at + 1] << 16 |
                     (uint32_t)p[at + 2] << 8 | p[at + 3];
    }
    sink += total;
}

static size_t piece_size; /* for the cut lists below */

static void cut_read_be(size_t iters) {
    gomem_memory m;
    gomem_memory_init(&m, NULL, NULL);
    for (size_t at = 0; at < sizeof data1k; at += piece_size) {
        size_t n = sizeof data1k - at < piece_size ? sizeof data1k - at : piece_size;
        gomem_memory_push_one(&m, data1k + at, n);
    }
    uint64_t total = 0;
    for (size_t i = 0; i < iters; i++) {
        gomem_reader r;
        gomem_memory_new_reader(&m, &r);
        uint32_t v;
        while (r.length >= 4 && gomem_reader_read_be(&r, 4, &v) == GOMEM_OK) total += v;
    }
    sink += total;
    gomem_memory_destroy(&m);
}

/* ---- recyclable memory (GoMem's RecyclableMemory; disable_rm builds: the C heap) ---- */

static gomem_allocator *rm_allocator;

/* One op: `count` next_n calls of sizes rotating 64..4096 B (or all `fixed` bytes), then one
 * recycle that frees them all. The recyclable memory and its arrays are set up once, so the op
 * is the steady state of a reused one (as a media server reuses one per frame). */
static void recyclable_cycle(size_t iters, size_t count, size_t fixed) {
    static const size_t sizes[] = {64, 128, 256, 512, 1024, 2048, 4096};
    gomem_recyclable rm;
    gomem_recyclable_init(&rm, rm_allocator, NULL, NULL);
    for (size_t i = 0; i < iters; i++) {
        for (size_t j = 0; j < count; j++) {
            size_t size = fixed ? fixed : sizes[j % (sizeof sizes / sizeof sizes[0])];
            uint8_t *p = gomem_recyclable_next_n(&rm, size);
            if (!p) abort();
            p[0] = (uint8_t)j; /* a buffer is written before it is handed on */
        }
        if (gomem_recyclable_recycle(&rm) != GOMEM_OK) abort();
    }
    gomem_recyclable_destroy(&rm);
}
static void recyclable_16_mixed(size_t iters) { recyclable_cycle(iters, 16, 0); }
static void recyclable_256_small(size_t iters) { recyclable_cycle(iters, 256, 64); }

int main(int argc, char **argv) {
    bench_parse_args(argc, argv,
                     "[--quick] [--json FILE] [--build LABEL] [--only memory,reader,straddle,"
                     "recyclable] [--variant TEXT] [--runs N]",
                     NULL);
    bench_json_open();
    for (size_t i = 0; i < sizeof leb; i++) leb[i] = (uint8_t)(i % 128);
    for (size_t i = 0; i < sizeof data1k; i++) data1k[i] = (uint8_t)(i * 37 + 11);
    const char *gomem = bench_gomem_name("gomem");

    printf("gomem buffer list and reader (build %s), ns/op: median of %d runs (min..max), %s\n",
           bench_opt.build, bench_opt.runs, BENCH_CLOCK_NAME);
    if (bench_enabled("memory")) {
        printf("\n-- memory_bench_test.go --\n");
        bench("memory", "PushOne", gomem, memory_push_one);
        bench("memory", "Push", gomem, memory_push);
        bench("memory", "ToBytes", gomem, memory_to_bytes);
        bench("memory", "CopyTo", gomem, memory_copy_to);
        bench("memory", "Append", gomem, memory_append);
        bench("memory", "Count", gomem, memory_count);
        bench("memory", "Range", gomem, memory_range);
    }
    if (bench_enabled("reader")) {
        printf("\n-- reader_bench_test.go --\n");
        bench("reader", "Read", gomem, reader_read);
        bench("reader", "ReadByte", gomem, reader_read_byte);
        bench("reader", "ReadBytes", gomem, reader_read_bytes);
        bench("reader", "ReadBE", gomem, reader_read_be);
        bench("reader", "Skip", gomem, reader_skip);
        bench("reader", "Range", gomem, reader_range);
        bench("reader", "RangeN", gomem, reader_range_n);
        bench("reader", "LEB128", gomem, reader_leb128);
    }
    if (bench_enabled("straddle")) {
        printf("\n-- read_be(4) over 1 KiB (256 reads per op) vs a plain big-endian load --\n");
        double plain = bench("straddle", "read_be(4) over 1 KiB", "plain C load, one array",
                             plain_be_load);
        static const size_t pieces[] = {1024, 61, 7, 3};
        double single = 0;
        for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
            piece_size = pieces[i];
            char name[64];
            size_t straddles = 0;
            for (size_t at = 0; at + 4 <= 1024; at += 4)
                straddles += at / piece_size != (at + 3) / piece_size;
            snprintf(name, sizeof name, "gomem reader, %zu-byte buffers", piece_size);
            double t = bench("straddle", "read_be(4) over 1 KiB", name, cut_read_be);
            if (i == 0) single = t;
            printf("  %-57s %zu of 256 reads straddle; %.2fx the plain load, %.2fx one buffer\n",
                   "", straddles, t / plain, t / single);
        }
    }
    if (bench_enabled("recyclable")) {
        printf("\n-- recyclable memory: next_n x N, then recycle (one op) --\n");
        rm_allocator = gomem_allocator_create(0);
        const char *rm_name = bench_gomem_name("gomem recyclable");
        bench("recyclable", "16 x next_n + recycle", rm_name, recyclable_16_mixed);
        bench("recyclable", "256 x 64 B + recycle", rm_name, recyclable_256_small);
        gomem_allocator_destroy(rm_allocator);
    }
    bench_json_close();
    return 0;
}
