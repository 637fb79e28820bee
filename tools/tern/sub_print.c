/* How tern sub prints a message: as mosquitto_sub does (-v, -N, -F, an empty payload), except
 * that on a terminal the control characters of a topic are escaped, so that a broker cannot
 * write escape sequences to the user's terminal through a topic name. */
#define _POSIX_C_SOURCE 200809L
#include "sub_print.h"

#include "tern/text.h"

#include <string.h>

#include "sub_format.h"

int tool_has_control_chars(tern_bytes topic)
{
    int control = 0;
    for (size_t i = 0; i < topic.len && !control;) i += tern_text_next(topic.data + i, topic.len - i, &control);
    return control;
}

void tool_print_topic(FILE *out, tern_bytes topic, int escape)
{
    for (size_t i = 0; i < topic.len;) {
        int control;
        size_t n = tern_text_next(topic.data + i, topic.len - i, &control);
        if (!escape || !control) {
            fwrite(topic.data + i, 1, n, out);
            i += n;
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
