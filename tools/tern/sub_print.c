/* How tern sub prints a message: as mosquitto_sub does (-v, -N, -F, an empty payload), except
 * that on a terminal the control characters of a topic are escaped, so that a broker cannot
 * write escape sequences to the user's terminal through a topic name. */
#define _POSIX_C_SOURCE 200809L
#include "sub_print.h"

#include <string.h>

#include "sub_format.h"

/* C0 controls, DEL, and C1 controls (U+0080..U+009F, C2 80..C2 9F in UTF-8). */
static size_t control_length(const uint8_t *p, size_t left)
{
    if (p[0] < 0x20 || p[0] == 0x7f) return 1;
    if (p[0] == 0xc2 && left > 1 && p[1] >= 0x80 && p[1] <= 0x9f) return 2;
    return 0;
}

int tool_has_control_chars(tern_bytes topic)
{
    for (size_t i = 0; i < topic.len; i++)
        if (control_length(topic.data + i, topic.len - i)) return 1;
    return 0;
}

void tool_print_topic(FILE *out, tern_bytes topic, int escape)
{
    for (size_t i = 0; i < topic.len;) {
        size_t n = escape ? control_length(topic.data + i, topic.len - i) : 0;
        if (n == 0) {
            fputc(topic.data[i++], out);
            continue;
        }
        for (size_t k = 0; k < n; k++) fprintf(out, "\\x%02x", topic.data[i + k]);
        i += n;
    }
}

void tool_print_message(FILE *out, const tool_options *o, const tern_publish *m, int escape)
{
    if (o->format) {
        tool_format_print(out, o->format, m, escape);
        if (!o->no_newline) fputc('\n', out);
    } else if (m->payload.len == 0) {
        /* mosquitto_sub: "topic (null)" with -v, nothing at all without */
        if (o->verbose && !o->no_newline) {
            tool_print_topic(out, m->topic, escape);
            fputs(" (null)\n", out);
        }
    } else {
        if (o->verbose) {
            tool_print_topic(out, m->topic, escape);
            fputc(' ', out);
        }
        fwrite(m->payload.data, 1, m->payload.len, out);
        if (!o->no_newline) fputc('\n', out);
    }
    fflush(out);
}
