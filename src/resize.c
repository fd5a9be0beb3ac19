/*
 * resize.c - the one place where a NULL gomem_resize_fn means the C library: buffer lists and
 * recyclable memory grow their arrays through gomem_resize_through. Freestanding builds
 * (GOMEM_NO_LIBC) have no heap, so there a NULL function makes every growth fail.
 */
#include "internal.h"

#if !defined(GOMEM_NO_LIBC)
#include <stdlib.h>
#endif

void *gomem_resize_through(gomem_resize_fn resize, void *context, void *old, size_t old_bytes,
                           size_t new_bytes) {
    if (resize != NULL) return resize(context, old, old_bytes, new_bytes);
#if !defined(GOMEM_NO_LIBC)
    if (new_bytes == 0) {
        free(old);
        return NULL;
    }
    return realloc(old, new_bytes);
#else
    (void)old;
    (void)old_bytes;
    (void)new_bytes;
    return NULL;
#endif
}
