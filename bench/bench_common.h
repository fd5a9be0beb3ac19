/*
 * bench_common.h - the harness shared by bench_alloc, bench_memory and bench_media: command line,
 * timing (warm-up, calibrated runs, median and min..max) and JSON records. Header-only (every
 * benchmark is one .c file); every function is static inline so an unused one costs nothing.
 *
 * Command line, the same for every benchmark:
 *   --quick            fewer, shorter runs (5 runs of about 8 ms instead of 9 of about 40 ms)
 *   --json FILE        also write every figure as a JSON record (an array) to FILE
 *   --build LABEL      recorded in each JSON record's "build" (default: the platform's name)
 *   --only A,B,...     measure only these contenders (each benchmark lists its own names)
 *   --malloc-name NAME what to call the C library's malloc in the output (default "libc malloc");
 *                      set it when LD_PRELOAD or the link puts another malloc there
 *   --variant TEXT     appended to the name of every gomem contender, e.g. "-O2 distro flags"
 *   --runs N           measured runs per figure (1..31)
 * The records: {"group", "workload", "contender", "build", "median_ns", "min_ns", "max_ns",
 * "runs"} plus extra numeric fields some benchmarks add (bench_media: peak and live bytes).
 */
#ifndef GOMEM_BENCH_COMMON_H
#define GOMEM_BENCH_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gomem.h"

/* Keep the optimiser from deleting allocations or stores whose result is otherwise unused (gcc
 * removes a malloc/free pair outright), without adding a memory access to the measured loop. */
#if defined(__GNUC__) || defined(__clang__)
#define ESCAPE(p) __asm__ volatile("" : : "r"(p) : "memory")
#else
static void *volatile bench_escape_sink;
#define ESCAPE(p) (bench_escape_sink = (void *)(p))
#endif

#define BENCH_MAX_RUNS 31

typedef struct bench_options {
    int runs;             /* measured runs per figure */
    double target_run_ns; /* each measured run lasts about this long */
    bool quick;
    const char *json_path;
    const char *build;
    const char *only;        /* comma-separated contender names, NULL: all */
    const char *malloc_name; /* the C library's malloc as named in the output */
    const char *variant;     /* appended to gomem contenders' names, NULL: nothing */
} bench_options;

static bench_options bench_opt = {9, 40e6, false, NULL, NULL, NULL, "libc malloc", NULL};

static inline const char *bench_default_build(void) {
#if defined(__EMSCRIPTEN__)
    return "emscripten";
#elif defined(__wasi__)
    return "wasi";
#else
    return "native";
#endif
}

/* Parse the common options; `extra` (may be NULL) gets the chance to take benchmark-specific
 * ones: it returns how many arguments it consumed at argv[i] (0: not its option). Exits with 2
 * on an unknown argument. */
typedef int (*bench_extra_arg_fn)(int argc, char **argv, int i);

static inline void bench_parse_args(int argc, char **argv, const char *usage,
                                    bench_extra_arg_fn extra) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--quick") == 0) {
            bench_opt.quick = true;
            bench_opt.runs = 5;
            bench_opt.target_run_ns = 8e6;
        } else if (strcmp(a, "--json") == 0 && has_value) {
            bench_opt.json_path = argv[++i];
        } else if (strcmp(a, "--build") == 0 && has_value) {
            bench_opt.build = argv[++i];
        } else if (strcmp(a, "--only") == 0 && has_value) {
            bench_opt.only = argv[++i];
        } else if (strcmp(a, "--malloc-name") == 0 && has_value) {
            bench_opt.malloc_name = argv[++i];
        } else if (strcmp(a, "--variant") == 0 && has_value) {
            bench_opt.variant = argv[++i];
        } else if (strcmp(a, "--runs") == 0 && has_value) {
            int n = atoi(argv[++i]);
            bench_opt.runs = n < 1 ? 1 : n > BENCH_MAX_RUNS ? BENCH_MAX_RUNS : n;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("usage: %s %s\n", argv[0], usage);
            exit(0);
        } else {
            int used = extra ? extra(argc, argv, i) : 0;
            if (used <= 0) {
                fprintf(stderr, "%s: unknown or incomplete argument '%s'\nusage: %s %s\n", argv[0],
                        a, argv[0], usage);
                exit(2);
            }
            i += used - 1;
        }
    }
    if (!bench_opt.build) bench_opt.build = bench_default_build();
}

/* true when `name` is in the --only list (or there is no list). */
static inline bool bench_enabled(const char *name) {
    if (!bench_opt.only) return true;
    size_t len = strlen(name);
    for (const char *p = bench_opt.only; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0) return true;
        if (!end) break;
        p = end + 1;
    }
    return false;
}

/* The free-block index the library was built with (GOMEM_INDEX), from gomem_features(): "tlsf"
 * (the default), "treap" or "avl". */
static inline const char *bench_index_kind(void) {
    unsigned f = gomem_features();
    return f & GOMEM_FEATURE_TLSF ? "tlsf" : f & GOMEM_FEATURE_TWOTREE ? "avl" : "treap";
}

/* A gomem contender's name: base, then the build options that change what is measured (from
 * gomem_features(): the index kind unless it is the default tlsf, so default builds keep their
 * plain names, which bench/report.mjs tells from the variants), then --variant. Returns a static
 * buffer (one of four, rotating). */
static inline const char *bench_gomem_name(const char *base) {
    static char names[4][160];
    static int next;
    char *out = names[next++ & 3];
    unsigned f = gomem_features();
    char tags[96] = "";
    if (!(f & GOMEM_FEATURE_TLSF)) {
        strcat(tags, ", ");
        strcat(tags, bench_index_kind());
    }
    if (f & GOMEM_FEATURE_BUDDY) strcat(tags, ", buddy");
    if (f & GOMEM_FEATURE_DISABLE_RM) strcat(tags, ", RM off");
    if (f & GOMEM_FEATURE_HARDENED) strcat(tags, ", hardened");
    if (f & GOMEM_FEATURE_DEBUG) strcat(tags, ", debug");
    if (bench_opt.variant) {
        strcat(tags, ", ");
        strncat(tags, bench_opt.variant, sizeof tags - strlen(tags) - 1);
    }
    if (tags[0])
        snprintf(out, sizeof names[0], "%s (%s)", base, tags + 2);
    else
        snprintf(out, sizeof names[0], "%s", base);
    return out;
}

/* The clock every run is timed with: CPU time where it can be had, so that time the scheduler gives
 * to other processes (this is a shared 2-core machine) is not counted, while page faults and
 * system calls made for the allocator are.
 *   native Linux, WASI  the thread's CPU time (CLOCK_THREAD_CPUTIME_ID; under node's WASI that is
 *                       the CPU time of the thread running the module);
 *   Emscripten          its clock_gettime has no CPU clock: node's process.cpuUsage() (user +
 *                       system, microseconds, every thread of node: its background threads are
 *                       nearly idle while wasm runs);
 *   elsewhere           the monotonic wall clock. */
#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
EM_JS(double, bench_process_cpu_us, (void), {
    var u = process.cpuUsage();
    return u.user + u.system;
})
#define BENCH_CLOCK_NAME "node process CPU time"
#elif (defined(__linux__) || defined(__wasi__)) && defined(CLOCK_THREAD_CPUTIME_ID)
#define BENCH_CLOCK CLOCK_THREAD_CPUTIME_ID
#define BENCH_CLOCK_NAME "thread CPU time"
#else
#define BENCH_CLOCK CLOCK_MONOTONIC
#define BENCH_CLOCK_NAME "monotonic wall clock"
#endif

static inline double bench_now_ns(void) {
#if defined(__EMSCRIPTEN__)
    return bench_process_cpu_us() * 1e3;
#else
    struct timespec ts;
    clock_gettime(BENCH_CLOCK, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
#endif
}

typedef struct bench_result {
    double median, min, max;
    int runs;
    size_t iterations; /* operations per measured run */
} bench_result;

static inline int bench_compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median, min and max of n samples (sorts them). */
static inline bench_result bench_summarise(double *samples, int n, size_t iterations) {
    qsort(samples, (size_t)n, sizeof samples[0], bench_compare_double);
    double median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
    return (bench_result){median, samples[0], samples[n - 1], n, iterations};
}

/* One contender's implementation of one pattern: runs `iterations` operations. */
typedef void (*bench_fn)(void *state, size_t iterations);

/* Warm up while calibrating the iteration count (until a run takes a quarter of the target, so
 * caches, branch predictors and the allocator's own state are warm), then time bench_opt.runs
 * runs of that many iterations. ns per operation. */
static inline bench_result bench_measure(bench_fn fn, void *state) {
    size_t iterations = 1000; /* never fewer: some patterns have a set-up to amortise */
    for (;;) {
        double start = bench_now_ns();
        fn(state, iterations);
        double elapsed = bench_now_ns() - start;
        /* The cap is 2^32 iterations where size_t has 64 bits; with a 32-bit size_t (wasm32)
         * the count stops growing before it could overflow. */
        if (elapsed > bench_opt.target_run_ns / 4 || (uint64_t)iterations > ((uint64_t)1 << 32) ||
            iterations > SIZE_MAX / 8) {
            double wanted =
                (double)iterations * bench_opt.target_run_ns / (elapsed > 1 ? elapsed : 1) + 1;
            iterations = wanted < (double)(SIZE_MAX / 2) ? (size_t)wanted : SIZE_MAX / 2;
            break;
        }
        iterations *= 4;
    }
    fn(state, iterations); /* one full-length warm-up run */
    double samples[BENCH_MAX_RUNS];
    for (int r = 0; r < bench_opt.runs; r++) {
        double start = bench_now_ns();
        fn(state, iterations);
        samples[r] = (bench_now_ns() - start) / (double)iterations;
    }
    return bench_summarise(samples, bench_opt.runs, iterations);
}

/* ---- JSON records ---- */

static FILE *bench_json;
static int bench_json_records;

static inline void bench_json_string(const char *s) {
    fputc('"', bench_json);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(bench_json, "\\%c", c);
        else if (c < 0x20)
            fprintf(bench_json, "\\u%04x", c);
        else
            fputc(c, bench_json);
    }
    fputc('"', bench_json);
}

static inline void bench_json_open(void) {
    if (!bench_opt.json_path) return;
    bench_json = fopen(bench_opt.json_path, "w");
    if (!bench_json) {
        fprintf(stderr, "cannot write %s\n", bench_opt.json_path);
        exit(1);
    }
    fputs("[", bench_json);
}

/* Start a record with the common fields; the caller may add ", \"name\": value" pairs with
 * bench_json_number, then must call bench_json_end. No-op without --json. */
static inline void bench_json_begin(const char *group, const char *workload, const char *contender,
                                    bench_result r) {
    if (!bench_json) return;
    fputs(bench_json_records++ ? ",\n  {" : "\n  {", bench_json);
    fputs("\"group\": ", bench_json);
    bench_json_string(group);
    fputs(", \"workload\": ", bench_json);
    bench_json_string(workload);
    fputs(", \"contender\": ", bench_json);
    bench_json_string(contender);
    fputs(", \"build\": ", bench_json);
    bench_json_string(bench_opt.build);
    fprintf(bench_json, ", \"median_ns\": %.3f, \"min_ns\": %.3f, \"max_ns\": %.3f, \"runs\": %d",
            r.median, r.min, r.max, r.runs);
    fputs(", \"clock\": \"" BENCH_CLOCK_NAME "\"", bench_json);
}

static inline void bench_json_number(const char *name, double value) {
    if (!bench_json) return;
    fprintf(bench_json, ", \"%s\": %.10g", name, value);
}

static inline void bench_json_text(const char *name, const char *value) {
    if (!bench_json) return;
    fprintf(bench_json, ", \"%s\": ", name);
    bench_json_string(value);
}

static inline void bench_json_end(void) {
    if (bench_json) fputs("}", bench_json);
}

static inline void bench_json_close(void) {
    if (!bench_json) return;
    fputs("\n]\n", bench_json);
    fclose(bench_json);
    bench_json = NULL;
}

/* Print one figure and record it. */
static inline void bench_report(const char *group, const char *workload, const char *contender,
                                bench_result r) {
    printf("  %-22s %-34s %10.2f ns/op  (%.2f..%.2f)\n", workload, contender, r.median, r.min,
           r.max);
    bench_json_begin(group, workload, contender, r);
    bench_json_end();
}

#endif
