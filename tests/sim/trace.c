/* The last events of a run, printed when an invariant breaks. Each event is one line, kept in
 * a ring so a long run costs no memory; the step number leads every line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define RING 8192
#define LINE 120

static char ring[RING][LINE];
static uint64_t ring_n;
jmp_buf sim_fail_jump;
char sim_fail_message[256];

void trace_reset(void) { ring_n = 0; }

void sim_event(const char *fmt, ...)
{
    char *line = ring[ring_n++ % RING];
    int at = snprintf(line, LINE, "%8llu c%u ", (unsigned long long)W.step, W.net.conn);
    va_list ap;
    va_start(ap, fmt);
    if (at > 0 && at < LINE) vsnprintf(line + at, (size_t)(LINE - at), fmt, ap);
    va_end(ap);
}

void trace_dump(unsigned last)
{
    uint64_t from = ring_n > last ? ring_n - last : 0;
    if (ring_n - from > RING) from = ring_n - RING;
    for (uint64_t i = from; i < ring_n; i++) printf("  %s\n", ring[i % RING]);
}

void sim_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sim_fail_message, sizeof sim_fail_message, fmt, ap);
    va_end(ap);
    longjmp(sim_fail_jump, 1);
}

const char *trace_packet(const uint8_t *p, size_t n)
{
    static char out[64];
    static const char *const names[16] = {"?", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC",
                                          "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE",
                                          "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};
    if (n < 2) return "(short)";
    uint8_t type = (uint8_t)(p[0] >> 4);
    size_t at = 1;
    while (at < n && (p[at] & 0x80u)) at++;
    at++;
    uint16_t id = 0;
    if (type == TERN_PUBLISH) {
        unsigned qos = (p[0] >> 1) & 3u;
        if (at + 2 <= n) at += 2u + (size_t)((p[at] << 8) | p[at + 1]);
        if (qos && at + 2 <= n) id = (uint16_t)((p[at] << 8) | p[at + 1]);
        snprintf(out, sizeof out, "PUBLISH q%u id %u%s%s (%zu B)", qos, id, (p[0] & 8u) ? " dup" : "",
                 (p[0] & 1u) ? " retain" : "", n);
        return out;
    }
    if (type < TERN_PUBACK || type > TERN_UNSUBACK || at + 2 > n) {
        snprintf(out, sizeof out, "%s (%zu B)", names[type], n);
        return out;
    }
    id = (uint16_t)((p[at] << 8) | p[at + 1]);
    snprintf(out, sizeof out, "%s id %u (%zu B)", names[type], id, n);
    return out;
}
