/*
 * status.c - names and messages for gomem_status, and the build's feature bits. The tables are
 * indexed by the stable status numbers, so adding a status means adding one row to each.
 */
#include "gomem.h"

typedef struct status_text {
    const char *name;
    const char *message;
} status_text;

static const status_text status_texts[] = {
    [GOMEM_OK] = {"OK", "success"},
    [GOMEM_ERR_NOMEM] = {"NOMEM", "out of memory (for the request or for the allocator's own metadata)"},
    [GOMEM_ERR_INVALID_ARGUMENT] = {"INVALID_ARGUMENT", "invalid argument (a required pointer is NULL or an option is out of range)"},
    [GOMEM_ERR_INVALID_SIZE] = {"INVALID_SIZE", "invalid size (zero, or larger than the limit for this call)"},
    [GOMEM_ERR_FOREIGN_POINTER] = {"FOREIGN_POINTER", "pointer does not belong to this allocator"},
    [GOMEM_ERR_OUT_OF_RANGE] = {"OUT_OF_RANGE", "range runs past the end of the arena that holds its start"},
    [GOMEM_ERR_DOUBLE_FREE] = {"DOUBLE_FREE", "part of the range is already free (double free)"},
    [GOMEM_ERR_END_OF_DATA] = {"END_OF_DATA", "fewer bytes remain than were asked for"},
    [GOMEM_ERR_OVERFLOW] = {"OVERFLOW", "encoded number is too long or does not fit its type"},
    [GOMEM_ERR_STRADDLE] = {"STRADDLE", "bytes span more than one buffer, so no single view exists"},
    [GOMEM_ERR_UNSUPPORTED] = {"UNSUPPORTED", "operation is not available in this build"},
    [GOMEM_ERR_SPANS_ALLOCATIONS] = {"SPANS_ALLOCATIONS", "range covers parts of two allocations (free each allocation on its own)"},
};

#define STATUS_COUNT (sizeof status_texts / sizeof status_texts[0])

const char *gomem_status_name(gomem_status status) {
    unsigned index = (unsigned)status;
    return index < STATUS_COUNT ? status_texts[index].name : "UNKNOWN";
}

const char *gomem_status_message(gomem_status status) {
    unsigned index = (unsigned)status;
    return index < STATUS_COUNT ? status_texts[index].message : "unknown status";
}

unsigned gomem_features(void) {
    unsigned features = 0;
#if GOMEM_TWOTREE
    features |= GOMEM_FEATURE_TWOTREE;
#endif
#if GOMEM_INDEX_TLSF
    features |= GOMEM_FEATURE_TLSF;
#endif
#if GOMEM_BUDDY
    features |= GOMEM_FEATURE_BUDDY;
#endif
#if GOMEM_DISABLE_RM
    features |= GOMEM_FEATURE_DISABLE_RM;
#endif
#if GOMEM_THREADS
    features |= GOMEM_FEATURE_THREADS;
#endif
#if GOMEM_DEBUG
    features |= GOMEM_FEATURE_DEBUG;
#endif
#if GOMEM_MMAP
    features |= GOMEM_FEATURE_MMAP;
#endif
#if GOMEM_HARDENED
    features |= GOMEM_FEATURE_HARDENED;
#endif
    return features;
}
