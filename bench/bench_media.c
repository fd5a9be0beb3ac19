/*
 * bench_media.c - a media server's allocation pattern: live streams of audio and video frames,
 * each frame read into a buffer of its kind's upper bound and shrunk to its real length once that
 * is known, kept in a per-stream sliding window (the GOP cache) and freed oldest first.
 *
 * The frames (identical for every contender: a seeded generator, precomputed before anything is
 * timed):
 *   video  25 frames/s; a key frame every 50 frames (a GOP of 2 s) of 60..200 KiB, other frames
 *          2..40 KiB (skewed towards small); each stream has a quality factor 0.5..1 that scales
 *          the sizes, a random phase and a random key-frame offset, so streams do not align.
 *          Upper bounds: 256 KiB for a key frame, 64 KiB for any other video frame.
 *   audio  46.875 frames/s (AAC: 1024 samples at 48 kHz), 100..600 B; upper bound 1 KiB.
 * About 72 frames/s and 3 Mbit/s per stream. With S streams the frames of all streams interleave
 * in timestamp order. Each stream keeps its last WINDOW (150, about 2 s: one GOP) frames.
 *
 * One frame, per contender:
 *   gomem   p = gomem_alloc(bound); header written; gomem_free_rest(p, &bound, size); last byte
 *           written; ... gomem_free(p, size) when it leaves the window.
 *   malloc  p = malloc(bound); header written; p = realloc(p, size); last byte written; ...
 *           free(p). Whatever malloc the process has: glibc, an LD_PRELOADed peer, or the wasm
 *           C library's (--malloc-name names it).
 *   bump    the floor: p = top; top += bound; header; top = p + size (the shrink of the last
 *           allocation); free does nothing. Its region is sized for the whole run and touched
 *           once before the first run, so no page fault is timed.
 * The payload between the 16-byte header and the last byte is not written: copying it costs the
 * same for every contender and would only dilute the allocators' differences.
 *
 * One run: set up a fresh allocator (gomem: gomem_allocator_create(0); malloc and bump: the
 * process's own), fill every window (not timed), time the next FRAMES frames (the steady state:
 * each frame allocated, shrunk and one frame evicted), then free everything (not timed). A warm-up
 * run, then --runs runs (9; --quick 5 runs of fewer frames). Throughput = frames / timed seconds.
 *
 * Footprint, measured in a separate pass over the same frames before the timed runs (sampling
 * would disturb the timing; in this pass every kept byte is written too): the peak, minus what was
 * held before the pass, of two measures.
 * "held", the allocator's own account, sampled right after every allocation (where the peak is):
 *   gomem     gomem_page_bytes_held(): every page the library holds (arenas and its metadata);
 *   glibc     mallinfo2(): arena (heap from brk) + hblkhd (mmapped chunks);
 *   jemalloc  mallctl("stats.resident") after an epoch refresh (active + dirty pages + metadata);
 *   tcmalloc  MallocExtension "generic.heap_size" - "tcmalloc.pageheap_unmapped_bytes";
 *   mimalloc  none: its commit counter moves in whole segments on Linux, too coarse to compare;
 *   wasm malloc  sbrk(0) growth (the heap's break: memory the C library took);
 *   bump      the highest byte it handed out.
 * "resident", sampled after each frame's bytes are written: natively the process's resident set
 * (/proc/self/statm), in wasm the heap's break sbrk(0) (WASI: the memory's size, so memory
 * growth; Emscripten: the heap top, below which gomem's pages come from malloc too). Not for bump,
 * whose region is resident before the pass.
 * The peers' functions are looked up with dlsym, so one binary serves every LD_PRELOADed peer.
 * Peak live bytes are the frames' own bytes at the worst moment (the windows plus one frame at its
 * upper bound), the same for every contender; fragmentation = peak footprint / peak live bytes.
 * Run one contender per process (--only) and stream count for a clean footprint: an allocator
 * keeps what an earlier contender or stream count freed.
 *
 * Usage: bench_media [--quick] [--json FILE] [--build LABEL] [--only gomem,libc,bump]
 *                    [--malloc-name NAME] [--variant TEXT] [--runs N] [--streams 1,10,100]
 *                    [--frames N]
 */
#define _GNU_SOURCE /* dlsym and RTLD_DEFAULT, mallinfo2; sbrk in wasm */
#include "bench_common.h"

#if defined(__linux__) && defined(__GLIBC__) && !defined(__EMSCRIPTEN__)
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>
#define MEDIA_NATIVE_LINUX 1
#define MEDIA_WASM 0
#elif defined(__wasm__)
#include <unistd.h>
#define MEDIA_NATIVE_LINUX 0
#define MEDIA_WASM 1
#else
#define MEDIA_NATIVE_LINUX 0
#define MEDIA_WASM 0
#endif

enum {
    WINDOW = 150,                  /* frames kept per stream */
    GOP = 50,                      /* video frames per key frame */
    HEADER = 16,                   /* bytes written at the start of every frame */
    KEY_BOUND = 256 << 10,         /* upper bounds by kind */
    VIDEO_BOUND = 64 << 10,
    AUDIO_BOUND = 1 << 10,
};
#define VIDEO_PERIOD_NS 40000000.0 /* 25 frames/s */
#define AUDIO_PERIOD_NS (1024.0 / 48000.0 * 1e9)

typedef struct frame {
    uint32_t stream;
    uint32_t bound; /* bytes allocated before the length is known */
    uint32_t size;  /* bytes kept */
} frame;

typedef struct workload {
    size_t streams;
    frame *frames;
    size_t prefill; /* frames until every window is full (not timed) */
    size_t total;   /* prefill + timed frames */
    size_t peak_live;
    size_t bump_bytes; /* bytes a bump allocator hands out over all frames */
} workload;

/* ---- the seeded generator ---- */

static uint64_t rng_state;
static uint64_t next_random(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double uniform(void) { return (double)(next_random() >> 11) * 0x1.0p-53; }

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

typedef struct stream_state {
    double quality;
    double next_video, next_audio; /* timestamps, ns */
    uint32_t video_count;
    uint32_t key_offset;
} stream_state;

/* Generate the frames of `streams` interleaved streams: enough to fill every window, then
 * `timed` more. Identical for every contender and every run (seeded by the stream count). */
static workload make_workload(size_t streams, size_t timed) {
    workload w = {streams, NULL, 0, 0, 0, 0};
    rng_state = 0x6D656469612D3031ull ^ (uint64_t)streams;
    stream_state *st = calloc(streams, sizeof *st);
    size_t *count = calloc(streams, sizeof *count);
    size_t capacity = streams * WINDOW * 2 + timed + 64, full = 0;
    w.frames = malloc(capacity * sizeof *w.frames);
    if (!st || !count || !w.frames) abort();
    for (size_t s = 0; s < streams; s++) {
        st[s].quality = 0.5 + 0.5 * uniform();
        st[s].next_video = uniform() * VIDEO_PERIOD_NS;
        st[s].next_audio = uniform() * AUDIO_PERIOD_NS;
        st[s].key_offset = (uint32_t)(next_random() % GOP);
    }
    for (;;) {
        if (full == streams && w.prefill == 0) w.prefill = w.total;
        if (w.prefill && w.total == w.prefill + timed) break;
        if (w.total == capacity) {
            capacity *= 2;
            w.frames = realloc(w.frames, capacity * sizeof *w.frames);
            if (!w.frames) abort();
        }
        /* The earliest next frame of any stream (O(streams); this runs before any timing). */
        size_t best = 0;
        bool video = true;
        double best_time = st[0].next_video + 1e300;
        for (size_t s = 0; s < streams; s++) {
            if (st[s].next_video < best_time) best = s, video = true, best_time = st[s].next_video;
            if (st[s].next_audio < best_time) best = s, video = false, best_time = st[s].next_audio;
        }
        stream_state *b = &st[best];
        frame f = {(uint32_t)best, 0, 0};
        double u = uniform();
        if (!video) {
            f.bound = AUDIO_BOUND;
            f.size = (uint32_t)(100 + 500 * u);
            b->next_audio += AUDIO_PERIOD_NS;
        } else {
            bool key = (b->video_count + b->key_offset) % GOP == 0;
            b->video_count++;
            b->next_video += VIDEO_PERIOD_NS;
            if (key) {
                f.bound = KEY_BOUND;
                f.size = (uint32_t)((60.0 + 140.0 * b->quality * u) * 1024);
            } else {
                f.bound = VIDEO_BOUND;
                f.size = (uint32_t)((2.0 + 38.0 * b->quality * u * u) * 1024);
            }
        }
        w.frames[w.total++] = f;
        if (++count[best] == WINDOW) full++;
    }
    /* Live bytes over the whole sequence, as every contender's run sees them. */
    size_t *ring = calloc(streams * (WINDOW + 1), sizeof *ring), *head = calloc(streams, sizeof *head);
    size_t live = 0;
    if (!ring || !head) abort();
    memset(count, 0, streams * sizeof *count);
    for (size_t i = 0; i < w.total; i++) {
        const frame *f = &w.frames[i];
        size_t *r = ring + f->stream * (WINDOW + 1);
        live += f->bound;
        if (live > w.peak_live) w.peak_live = live;
        live -= f->bound - f->size;
        r[(head[f->stream] + count[f->stream]++) % (WINDOW + 1)] = f->size;
        if (count[f->stream] > WINDOW) {
            live -= r[head[f->stream]];
            head[f->stream] = (head[f->stream] + 1) % (WINDOW + 1);
            count[f->stream]--;
        }
        w.bump_bytes += align8(f->size);
    }
    w.bump_bytes += KEY_BOUND + 64;
    free(ring);
    free(head);
    free(st);
    free(count);
    return w;
}

/* ---- footprint: what each allocator holds ---- */

typedef size_t (*footprint_fn)(void);
static footprint_fn malloc_footprint; /* NULL: no way to ask this malloc */
static const char *malloc_footprint_method = "none: this malloc reports nothing";

#if MEDIA_NATIVE_LINUX
typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
typedef int (*tc_property_fn)(const char *, size_t *);
static mallctl_fn je_mallctl;
static tc_property_fn tc_property;

/* dlsym returns an object pointer; ISO C has no conversion to a function pointer, memcpy does. */
static bool lookup(const char *name, void *fn_out, size_t fn_size) {
    void *sym = dlsym(RTLD_DEFAULT, name);
    if (sym) memcpy(fn_out, &sym, fn_size);
    return sym != NULL;
}

static size_t jemalloc_footprint(void) {
    uint64_t epoch = 1;
    size_t n = sizeof epoch, value = 0;
    je_mallctl("epoch", &epoch, &n, &epoch, n);
    n = sizeof value;
    je_mallctl("stats.resident", &value, &n, NULL, 0);
    return value;
}
static size_t tcmalloc_footprint(void) {
    size_t heap = 0, unmapped = 0;
    tc_property("generic.heap_size", &heap);
    tc_property("tcmalloc.pageheap_unmapped_bytes", &unmapped);
    return heap - unmapped;
}
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33)
static size_t glibc_footprint(void) {
    struct mallinfo2 m = mallinfo2();
    return m.arena + m.hblkhd;
}
#endif
#endif

#if MEDIA_WASM
static size_t heap_break(void) { return (size_t)(uintptr_t)sbrk(0); }
#endif

static void choose_malloc_footprint(void) {
#if MEDIA_NATIVE_LINUX
    if (dlsym(RTLD_DEFAULT, "mi_version")) {
        /* mimalloc counts commit per segment, committed whole on Linux (32 MiB steps): too coarse
         * to compare, so only the resident measure is reported for it. */
        malloc_footprint = NULL;
        malloc_footprint_method = "none (mimalloc's commit counter moves in whole segments)";
    } else if (lookup("mallctl", &je_mallctl, sizeof je_mallctl)) {
        malloc_footprint = jemalloc_footprint;
        malloc_footprint_method = "mallctl stats.resident";
    } else if (lookup("MallocExtension_GetNumericProperty", &tc_property, sizeof tc_property)) {
        malloc_footprint = tcmalloc_footprint;
        malloc_footprint_method = "generic.heap_size - tcmalloc.pageheap_unmapped_bytes";
    } else {
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33)
        malloc_footprint = glibc_footprint;
        malloc_footprint_method = "mallinfo2 arena + hblkhd";
#endif
    }
#elif MEDIA_WASM
    malloc_footprint = heap_break;
    malloc_footprint_method = "sbrk(0) growth";
#endif
}

/* ---- the window of every stream ---- */

typedef struct slot {
    uint8_t *data;
    size_t size;
} slot;

static slot *rings;     /* streams x (WINDOW + 1) */
static size_t *heads, *counts;

static void rings_reset(size_t streams) {
    memset(heads, 0, streams * sizeof *heads);
    memset(counts, 0, streams * sizeof *counts);
}

/* The bump allocator's one region. */
static uint8_t *bump_base;
static size_t bump_capacity, bump_top, bump_high;

static uint32_t header_word;

static void write_header(uint8_t *p, size_t i) {
    uint32_t header[HEADER / 4] = {(uint32_t)i, header_word, (uint32_t)(i * 2654435761u), 0};
    memcpy(p, header, HEADER);
}

/* The footprint pass: after every allocation, the allocator's own account (sampler); after the
 * kept bytes are written, the process's resident memory (native Linux). */
static footprint_fn sampler;
static size_t held_peak, rss_peak;
#if MEDIA_NATIVE_LINUX
static int statm_fd = -1;
static size_t page_bytes = 4096;
#endif

static size_t resident_bytes(void) {
#if MEDIA_NATIVE_LINUX
    char text[128];
    ssize_t n = statm_fd >= 0 ? pread(statm_fd, text, sizeof text - 1, 0) : -1;
    if (n <= 0) return 0;
    text[n] = 0;
    unsigned long size = 0, resident = 0;
    if (sscanf(text, "%lu %lu", &size, &resident) != 2) return 0;
    return (size_t)resident * page_bytes;
#elif MEDIA_WASM
    return heap_break(); /* wasm: the heap's break; in WASI that is the memory's size */
#else
    return 0;
#endif
}

static void sample_held(void) {
    if (!sampler) return;
    size_t held = sampler();
    if (held > held_peak) held_peak = held;
}
static void sample_resident(uint8_t *p, size_t size) {
    memset(p + HEADER, 0x5A, size - HEADER - 1); /* the payload, written in this pass only */
    size_t rss = resident_bytes();
    if (rss > rss_peak) rss_peak = rss;
}
#define AFTER_ALLOC_NONE()
#define AFTER_ALLOC_SAMPLED() sample_held()
#define AFTER_WRITE_NONE(p, size)
#define AFTER_WRITE_SAMPLED(p, size) sample_resident((p), (size))

/* Frames [from, to) of w through one contender. */
#define MEDIA_LOOP(name, ALLOC, SHRINK, FREE, SAMPLED)                                             \
    static void name(void *state, const workload *w, size_t from, size_t to) {                     \
        (void)state;                                                                               \
        for (size_t i = from; i < to; i++) {                                                       \
            const frame *f = &w->frames[i];                                                        \
            uint8_t *p = ALLOC(state, f->bound);                                                   \
            if (!p) abort();                                                                       \
            AFTER_ALLOC_##SAMPLED();                                                               \
            write_header(p, i);                                                                    \
            p = SHRINK(state, p, f->bound, f->size);                                               \
            p[f->size - 1] = (uint8_t)i;                                                           \
            AFTER_WRITE_##SAMPLED(p, f->size);                                                     \
            ESCAPE(p);                                                                             \
            size_t s = f->stream;                                                                  \
            slot *ring = rings + s * (WINDOW + 1);                                                 \
            ring[(heads[s] + counts[s]++) % (WINDOW + 1)] = (slot){p, f->size};                    \
            if (counts[s] > WINDOW) {                                                              \
                slot old = ring[heads[s]];                                                         \
                heads[s] = (heads[s] + 1) % (WINDOW + 1);                                          \
                counts[s]--;                                                                       \
                FREE(state, old.data, old.size);                                                   \
            }                                                                                      \
        }                                                                                          \
    }

static uint8_t *gomem_shrink(gomem_allocator *a, uint8_t *p, size_t bound, size_t size) {
    if (gomem_free_rest(a, p, &bound, size) != GOMEM_OK) abort();
    return p;
}
static uint8_t *libc_shrink(uint8_t *p, size_t size) {
    uint8_t *q = realloc(p, size);
    if (!q) abort();
    return q;
}
static uint8_t *bump_alloc(size_t size) {
    uint8_t *p = bump_base + bump_top;
    if (size > bump_capacity - bump_top) abort(); /* sized for the whole run: never */
    bump_top += size;
    return p;
}
static uint8_t *bump_shrink(uint8_t *p, size_t size) {
    bump_top = (size_t)(p - bump_base) + align8(size);
    return p;
}

#define G_ALLOC(s, n) ((uint8_t *)gomem_alloc((gomem_allocator *)(s), (n)))
#define G_SHRINK(s, p, bound, size) gomem_shrink((gomem_allocator *)(s), (p), (bound), (size))
#define G_FREE(s, p, n)                                                                            \
    do {                                                                                           \
        if (gomem_free((gomem_allocator *)(s), (p), (n)) != GOMEM_OK) abort();                     \
    } while (0)
#define L_ALLOC(s, n) ((uint8_t *)malloc(n))
#define L_SHRINK(s, p, bound, size) libc_shrink((p), (size))
#define L_FREE(s, p, n) free(p)
#define B_ALLOC(s, n) bump_alloc(n)
#define B_SHRINK(s, p, bound, size) bump_shrink((p), (size))
#define B_FREE(s, p, n) ((void)(p), (void)(n))

MEDIA_LOOP(gomem_frames, G_ALLOC, G_SHRINK, G_FREE, NONE)
MEDIA_LOOP(gomem_frames_sampled, G_ALLOC, G_SHRINK, G_FREE, SAMPLED)
MEDIA_LOOP(libc_frames, L_ALLOC, L_SHRINK, L_FREE, NONE)
MEDIA_LOOP(libc_frames_sampled, L_ALLOC, L_SHRINK, L_FREE, SAMPLED)
MEDIA_LOOP(bump_frames, B_ALLOC, B_SHRINK, B_FREE, NONE)
MEDIA_LOOP(bump_frames_sampled, B_ALLOC, B_SHRINK, B_FREE, SAMPLED)

typedef void (*frames_fn)(void *state, const workload *w, size_t from, size_t to);

/* ---- contenders ---- */

typedef struct contender {
    const char *key; /* --only name */
    frames_fn run, sampled;
    void *(*setup)(const workload *w);
    void (*teardown)(void *state, const workload *w);
    footprint_fn footprint; /* the allocator's own account of what it holds; NULL: none */
    const char *method;
    bool rss_meaningful; /* false for bump: its region is resident before the pass */
} contender;

static void free_windows(const workload *w, void (*release)(void *, uint8_t *, size_t),
                         void *state) {
    for (size_t s = 0; s < w->streams; s++) {
        slot *ring = rings + s * (WINDOW + 1);
        for (size_t k = 0; k < counts[s]; k++) {
            slot *x = &ring[(heads[s] + k) % (WINDOW + 1)];
            release(state, x->data, x->size);
        }
    }
    rings_reset(w->streams);
}

static void *gomem_setup(const workload *w) {
    (void)w;
    gomem_allocator *a = gomem_allocator_create(0);
    if (!a) abort();
    return a;
}
static void gomem_release(void *state, uint8_t *p, size_t n) { G_FREE(state, p, n); }
static void gomem_teardown(void *state, const workload *w) {
    free_windows(w, gomem_release, state);
    gomem_allocator_destroy(state);
}
static size_t gomem_footprint(void) { return gomem_page_bytes_held(); }

static void *libc_setup(const workload *w) {
    (void)w;
    return NULL;
}
static void libc_release(void *state, uint8_t *p, size_t n) {
    (void)state, (void)n;
    free(p);
}
static void libc_teardown(void *state, const workload *w) { free_windows(w, libc_release, state); }

static void *bump_setup(const workload *w) {
    if (w->bump_bytes > bump_capacity) {
        free(bump_base);
        bump_capacity = w->bump_bytes;
        bump_base = malloc(bump_capacity);
        if (!bump_base) abort();
        memset(bump_base, 1, bump_capacity); /* every page faulted in once, before any timing */
    }
    bump_top = 0;
    return NULL;
}
static void bump_teardown(void *state, const workload *w) {
    (void)state;
    if (bump_top > bump_high) bump_high = bump_top;
    rings_reset(w->streams);
}
static size_t bump_footprint(void) { return bump_top; }

/* ---- one contender, one stream count ---- */

static size_t timed_frames = 20000;

static void run_one(const contender *c, const char *name, size_t streams) {
    workload w = make_workload(streams, timed_frames);
    rings = malloc(streams * (WINDOW + 1) * sizeof *rings);
    heads = calloc(streams, sizeof *heads);
    counts = calloc(streams, sizeof *counts);
    if (!rings || !heads || !counts) abort();

    /* Footprint pass: the same frames, sampled after every allocation and every write. */
    void *state = c->setup(&w);
    sampler = c->footprint;
    size_t held_base = sampler ? sampler() : 0, rss_base = resident_bytes();
    held_peak = held_base;
    rss_peak = rss_base;
    c->sampled(state, &w, 0, w.total);
    size_t peak_bytes = held_peak - held_base;
    if (sampler && peak_bytes == 0) sampler = NULL; /* it reports nothing here (e.g. under ASan) */
    size_t rss_bytes = c->rss_meaningful && rss_base ? rss_peak - rss_base : 0;
    gomem_stats stats = {0};
    if (strcmp(c->key, "gomem") == 0) gomem_allocator_stats(state, &stats);
    c->teardown(state, &w);

    /* Timed runs: a warm-up, then bench_opt.runs. */
    size_t timed = w.total - w.prefill;
    double samples[BENCH_MAX_RUNS];
    for (int r = -1; r < bench_opt.runs; r++) {
        state = c->setup(&w);
        c->run(state, &w, 0, w.prefill);
        double start = bench_now_ns();
        c->run(state, &w, w.prefill, w.total);
        double elapsed = bench_now_ns() - start;
        c->teardown(state, &w);
        if (r >= 0) samples[r] = elapsed / (double)timed;
    }
    bench_result res = bench_summarise(samples, bench_opt.runs, timed);

    char workload_name[32];
    snprintf(workload_name, sizeof workload_name, "%zu stream%s", streams, streams == 1 ? "" : "s");
    double live = (double)w.peak_live, mib = 1048576.0;
    printf("  %-11s %-30s %8.1f ns/frame (%.1f..%.1f) %9.0f frames/s, live %.2f MiB;", workload_name,
           name, res.median, res.min, res.max, 1e9 / res.median, live / mib);
    if (sampler)
        printf(" held %.2f MiB (x%.3f)", (double)peak_bytes / mib, (double)peak_bytes / live);
    else
        printf(" held n/a");
    if (rss_bytes)
        printf(", %s %.2f MiB (x%.3f)", MEDIA_WASM ? "heap break +" : "resident", (double)rss_bytes / mib,
               (double)rss_bytes / live);
    printf("\n");
    bench_json_begin("media", workload_name, name, res);
    bench_json_number("frames_per_s", 1e9 / res.median);
    bench_json_number("live_bytes", live);
    if (sampler) {
        bench_json_number("peak_bytes", (double)peak_bytes);
        bench_json_number("fragmentation", (double)peak_bytes / live);
    }
    bench_json_text("footprint_method", c->method);
    if (rss_bytes && !MEDIA_WASM) {
        bench_json_number("rss_peak_bytes", (double)rss_bytes);
        bench_json_number("rss_fragmentation", (double)rss_bytes / live);
    } else if (rss_bytes) {
        bench_json_number("memory_growth_bytes", (double)rss_bytes);
        bench_json_number("memory_fragmentation", (double)rss_bytes / live);
    }
    if (stats.peak_footprint) bench_json_number("arena_peak_bytes", (double)stats.peak_footprint);
    bench_json_number("streams", (double)streams);
    bench_json_number("window", WINDOW);
    bench_json_number("timed_frames", (double)timed);
    bench_json_number("prefill_frames", (double)w.prefill);
    bench_json_end();

    free(rings);
    free(heads);
    free(counts);
    free(w.frames);
}

static char streams_list[64] = "1,10,100";
static int media_args(int argc, char **argv, int i) {
    if (i + 1 >= argc) return 0;
    if (strcmp(argv[i], "--streams") == 0) {
        snprintf(streams_list, sizeof streams_list, "%s", argv[i + 1]);
        return 2;
    }
    if (strcmp(argv[i], "--frames") == 0) {
        long n = atol(argv[i + 1]);
        timed_frames = n < 100 ? 100 : (size_t)n;
        return 2;
    }
    return 0;
}

int main(int argc, char **argv) {
    bench_parse_args(argc, argv,
                     "[--quick] [--json FILE] [--build LABEL] [--only gomem,libc,bump] "
                     "[--malloc-name NAME] [--variant TEXT] [--runs N] [--streams 1,10,100] "
                     "[--frames N]",
                     media_args);
    bool frames_given = false;
    for (int i = 1; i < argc; i++) frames_given |= strcmp(argv[i], "--frames") == 0;
    if (bench_opt.quick && !frames_given) timed_frames = 5000;
    header_word = (uint32_t)(uintptr_t)&header_word;
#if MEDIA_NATIVE_LINUX
    statm_fd = open("/proc/self/statm", O_RDONLY);
    long page = sysconf(_SC_PAGESIZE);
    if (page > 0) page_bytes = (size_t)page;
#endif
    choose_malloc_footprint();
    bench_json_open();

    const contender contenders[] = {
        {"gomem", gomem_frames, gomem_frames_sampled, gomem_setup, gomem_teardown,
         gomem_footprint, "gomem_page_bytes_held", true},
        {"libc", libc_frames, libc_frames_sampled, libc_setup, libc_teardown, malloc_footprint,
         malloc_footprint_method, true},
        {"bump", bump_frames, bump_frames_sampled, bump_setup, bump_teardown, bump_footprint,
         "bytes handed out", false},
    };
    printf("gomem bench_media: build %s, %d runs of %zu timed frames after the windows are full "
           "(%d frames per stream), median ns/frame (min..max), %s\n",
           bench_opt.build, bench_opt.runs, timed_frames, WINDOW, BENCH_CLOCK_NAME);
    for (size_t c = 0; c < sizeof contenders / sizeof contenders[0]; c++) {
        if (!bench_enabled(contenders[c].key)) continue;
        const char *name = c == 0   ? bench_gomem_name("gomem scalable")
                           : c == 1 ? bench_opt.malloc_name
                                    : "bump";
        for (const char *p = streams_list; *p;) {
            long n = strtol(p, NULL, 10);
            if (n > 0) run_one(&contenders[c], name, (size_t)n);
            const char *comma = strchr(p, ',');
            if (!comma) break;
            p = comma + 1;
        }
    }
    free(bump_base);
    bench_json_close();
    return 0;
}
