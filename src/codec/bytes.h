/* Internal to the core (codec and client): copying and comparing bytes, with the C library or
 * (TERN_CFG_OWN_COPY, the default in builds optimized for size) without it. A device build
 * would otherwise link newlib's memcpy, memmove and memcmp, some 650 bytes on Cortex-M4 of
 * routines tuned for long buffers, where the core moves packets of tens of bytes; the loops
 * of bytes.c take under 100. (memset stays: the C start-up code zeroes .bss with it anyway.) */
#ifndef TERN_CODEC_BYTES_H
#define TERN_CODEC_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "tern/config.h"

#if TERN_CFG_OWN_COPY
/* Copy n bytes from src to dst, front to back, so that the two may overlap when dst comes
 * first (sliding a buffer's tail to its front). src may be NULL when n is 0. Returns dst + n. */
uint8_t *tern_copy(void *dst, const void *src, size_t n);
/* Are the n bytes at a and b the same? */
int tern_same(const void *a, const void *b, size_t n);
#else
#include <string.h>

static inline uint8_t *tern_copy(void *dst, const void *src, size_t n)
{
    if (n) memmove(dst, src, n); /* src may be NULL when n is 0: memmove must not see it */
    return (uint8_t *)dst + n;
}

static inline int tern_same(const void *a, const void *b, size_t n)
{
    return n == 0 || memcmp(a, b, n) == 0;
}
#endif

#endif
