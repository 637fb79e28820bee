/* What wolfSSL needs from this board: an allocator (counting, so the peak heap of a
 * connection can be measured), the seed of its random generator and the wall clock. */
#ifndef TLS_GLUE_H
#define TLS_GLUE_H

#include <stddef.h>

/* Install the counting allocator and initialise wolfSSL. 0 on success. */
int tls_glue_init(void);

/* Bytes wolfSSL has allocated now, the most it held at once since the last reset, and the
 * most ever. Requested sizes: malloc's own headers are not counted (board_heap_arena is). */
size_t tls_glue_heap_now(void);
size_t tls_glue_heap_peak(void);
size_t tls_glue_heap_peak_ever(void);
void tls_glue_heap_peak_reset(void);

#endif
