/*
 * freestanding.c - the four memory functions a C compiler may call even when the code says
 * __builtin_memcpy and friends, for builds without a C library (GOMEM_NO_LIBC: the wasm module of
 * the npm package). Byte loops are enough: with -mbulk-memory the compiler turns the copies and
 * fills it can see into memory.copy / memory.fill, so these only serve what is left.
 */
#include <stddef.h>

/* The compiler may recognise these loops as memcpy/memset and call them: forbid that here. */
#if defined(__clang__)
#pragma clang optimize off
#endif

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        while (n--) d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int value, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)value;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x < *y ? -1 : 1;
    return 0;
}
