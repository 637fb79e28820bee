/* wolfSSL's hooks on this board (see tls_glue.h). */
#include "tls_glue.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/memory.h>

#include "semihost.h"

/* Each block carries its size in front, so that free() can count it down. 8 bytes keep the
 * payload as aligned as malloc's. */
typedef union {
    size_t size;
    uint64_t align;
} block_head;

static size_t heap_now, heap_peak, heap_peak_ever;

static void note_peak(void)
{
    if (heap_now > heap_peak) heap_peak = heap_now;
    if (heap_now > heap_peak_ever) heap_peak_ever = heap_now;
}

static void *count_malloc(size_t size)
{
    block_head *b = malloc(sizeof *b + size);
    if (!b) return NULL;
    b->size = size;
    heap_now += size;
    note_peak();
    return b + 1;
}

static void count_free(void *p)
{
    if (!p) return;
    block_head *b = (block_head *)p - 1;
    heap_now -= b->size;
    free(b);
}

static void *count_realloc(void *p, size_t size)
{
    if (!p) return count_malloc(size);
    block_head *b = (block_head *)p - 1;
    size_t old = b->size;
    block_head *grown = realloc(b, sizeof *grown + size);
    if (!grown) return NULL;
    grown->size = size;
    heap_now = heap_now - old + size;
    note_peak();
    return grown + 1;
}

int tls_glue_init(void)
{
    if (wolfSSL_SetAllocators(count_malloc, count_free, count_realloc) != 0) return -1;
    return wolfSSL_Init() == WOLFSSL_SUCCESS ? 0 : -1;
}

size_t tls_glue_heap_now(void) { return heap_now; }
size_t tls_glue_heap_peak(void) { return heap_peak; }
size_t tls_glue_heap_peak_ever(void) { return heap_peak_ever; }
void tls_glue_heap_peak_reset(void) { heap_peak = heap_now; }

/* The seed of wolfSSL's Hash-DRBG (user_settings.h: CUSTOM_RAND_GENERATE_SEED).
 * TEST BUILDS ONLY: it comes from the host over semihosting. */
int tern_device_entropy(unsigned char *output, unsigned int size);
int tern_device_entropy(unsigned char *output, unsigned int size)
{
    return semihost_host_entropy(output, size) == 0 ? 0 : -1;
}

/* newlib's time(), which wolfSSL uses to check certificate dates, asks _gettimeofday. The
 * host's clock over semihosting stands in for the RTC or SNTP time of a real device. */
int _gettimeofday(struct timeval *tv, void *tz);
int _gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    tv->tv_sec = (time_t)semihost_time();
    tv->tv_usec = 0;
    return 0;
}
