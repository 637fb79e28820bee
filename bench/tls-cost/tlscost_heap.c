/* Peak heap of a TLS connection: every allocation in a tern TLS connection is wolfSSL's, so
 * counting allocators installed with wolfSSL_SetAllocators (before wolfSSL_Init) see all of it.
 * Each block carries its size in a 16-byte prefix so that free and realloc can subtract it. */
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/memory.h>

#include "tlscost.h"

#define PREFIX 16u

static uint64_t current, peak;

static void *counted(unsigned char *block, size_t size)
{
    if (!block) return NULL;
    memcpy(block, &size, sizeof size);
    current += size;
    if (current > peak) peak = current;
    return block + PREFIX;
}

static size_t size_of(void *p)
{
    size_t size;
    memcpy(&size, (unsigned char *)p - PREFIX, sizeof size);
    return size;
}

static void *tc_malloc(size_t size) { return counted(malloc(size + PREFIX), size); }

static void tc_free(void *p)
{
    if (!p) return;
    current -= size_of(p);
    free((unsigned char *)p - PREFIX);
}

static void *tc_realloc(void *p, size_t size)
{
    if (!p) return tc_malloc(size);
    size_t old = size_of(p);
    unsigned char *block = realloc((unsigned char *)p - PREFIX, size + PREFIX);
    if (!block) return NULL;
    current -= old;
    return counted(block, size);
}

void tc_heap_install(void) { (void)wolfSSL_SetAllocators(tc_malloc, tc_free, tc_realloc); }
uint64_t tc_heap_current(void) { return current; }
void tc_heap_reset_peak(void) { peak = current; }
uint64_t tc_heap_peak(void) { return peak; }
