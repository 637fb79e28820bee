/* ARM semihosting calls (see semihost.h). Operation numbers from ARM's "Semihosting for
 * AArch32 and AArch64" specification. */
#include "semihost.h"

enum {
    SYS_OPEN = 0x01,
    SYS_CLOSE = 0x02,
    SYS_WRITE0 = 0x04,
    SYS_READ = 0x06,
    SYS_TIME = 0x11,
    SYS_EXIT_EXTENDED = 0x20,
};
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int semihost_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (int)r0;
}

void semihost_write(const char *s) { (void)semihost_call(SYS_WRITE0, s); }

void semihost_exit(int status)
{
    /* SYS_EXIT on AArch32 carries no status; the extended call takes (reason, subcode). */
    const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
    (void)semihost_call(SYS_EXIT_EXTENDED, block);
    for (;;) {
    }
}

uint32_t semihost_time(void) { return (uint32_t)semihost_call(SYS_TIME, NULL); }

int semihost_host_entropy(uint8_t *buf, size_t len)
{
    static const char path[] = "/dev/urandom";
    const uint32_t open_args[3] = {(uint32_t)(uintptr_t)path, 1 /* "rb" */, sizeof path - 1};
    int fd = semihost_call(SYS_OPEN, open_args);
    if (fd < 0) return -1;
    const uint32_t read_args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    int left = semihost_call(SYS_READ, read_args); /* returns the bytes NOT read */
    const uint32_t close_args[1] = {(uint32_t)fd};
    (void)semihost_call(SYS_CLOSE, close_args);
    return left == 0 ? 0 : -1;
}
