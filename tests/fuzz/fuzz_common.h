/*
 * fuzz_common.h - what every fuzzer shares: the input read as a stream (reads past its end give
 * zeros, so every input is a valid program) and failure reporting that names the operation and
 * traps, which libFuzzer records as a crash with its reproducer. Define FUZZ_NAME before
 * including it.
 */
#ifndef GOMEM_FUZZ_COMMON_H
#define GOMEM_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gomem.h"

typedef struct stream {
    const uint8_t *data;
    size_t size;
    size_t at;
} stream;

static inline uint8_t next_u8(stream *s) { return s->at < s->size ? s->data[s->at++] : 0; }

static inline uint16_t next_u16(stream *s) {
    uint16_t hi = next_u8(s);
    return (uint16_t)(hi << 8 | next_u8(s));
}

static size_t op_number; /* reset per input; only for messages */

/* For the model's own scans and comparisons. The harness is built with -fsanitize=fuzzer, which
 * traces every comparison for coverage feedback; in a model that walks thousands of bytes per
 * operation that tracing took about 90 % of the time (perf), and the coverage it adds says
 * nothing about the library. The functions that decide which operation runs stay instrumented,
 * and so does the whole library. AddressSanitizer still checks these functions. */
#define MODEL_CODE __attribute__((no_sanitize("coverage")))

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, FUZZ_NAME ": op %zu: ", op_number);                                        \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fprintf(stderr, "\n");                                                                     \
        __builtin_trap();                                                                          \
    } while (0)

#define EXPECT_STATUS(what, got, want)                                                             \
    do {                                                                                           \
        gomem_status got_ = (got), want_ = (want);                                                 \
        if (got_ != want_)                                                                         \
            FAIL("%s returned %s, expected %s", what, gomem_status_name(got_),                     \
                 gomem_status_name(want_));                                                        \
    } while (0)

#endif /* GOMEM_FUZZ_COMMON_H */
