/* The core's own byte copy and compare (bytes.h says when and why). */
#include "bytes.h"

#if TERN_CFG_OWN_COPY

#include <string.h>

uint8_t *tern_copy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    /* A word at a time: payloads are what the core copies most. The fixed-size memcpy is
     * the portable unaligned load and store; compilers turn it into one instruction each.
     * A word read whole before it is written keeps the front-to-back promise. */
    for (; n >= sizeof(size_t); n -= sizeof(size_t)) {
        size_t w;
        memcpy(&w, s, sizeof w);
        memcpy(d, &w, sizeof w);
        d += sizeof w;
        s += sizeof w;
    }
    while (n--) *d++ = *s++;
    return d;
}

int tern_same(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    while (n--)
        if (*x++ != *y++) return 0;
    return 1;
}

#else
typedef int tern_bytes_not_built; /* ISO C wants a translation unit to hold something */
#endif /* TERN_CFG_OWN_COPY */
