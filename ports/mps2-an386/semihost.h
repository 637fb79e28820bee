/* ARM semihosting: the debugger (here QEMU, -semihosting-config enable=on) serves a few
 * system calls made with BKPT 0xAB. Used for the log, the exit status and, in test builds
 * only, a seed of entropy from the host. A real board has none of this: route the log to a
 * spare UART or RTT, and take entropy from the part's TRNG. */
#ifndef SEMIHOST_H
#define SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* Write a NUL-terminated string to the host's console. */
void semihost_write(const char *s);

/* Stop the emulator; QEMU exits with status. */
void semihost_exit(int status) __attribute__((noreturn));

/* Seconds since 1970 by the host's clock. */
uint32_t semihost_time(void);

/* TEST BUILDS ONLY: fill buf with len bytes from the host's /dev/urandom. Returns 0 on
 * success, -1 if the host refused. Entropy that crosses a debug link is no secret on a real
 * device: a product must seed its DRBG from the part's own TRNG. */
int semihost_host_entropy(uint8_t *buf, size_t len);

#endif
