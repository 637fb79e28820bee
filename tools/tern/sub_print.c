/* How tern sub prints a message: as mosquitto_sub does (-v, -N, -F, an empty payload), except
 * that on a terminal the control characters of a topic are escaped, so that a broker cannot
 * write escape sequences to the user's terminal through a topic name. */
#define _POSIX_C_SOURCE 200809L
#include "sub_print.h"

#include "tern/text.h"

#include <string.h>
#include <time.h>

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

static void print_hex(FILE *out, tern_bytes b, int upper)
{
    for (uint32_t i = 0; i < b.len; i++) fprintf(out, upper ? "%02X" : "%02x", b.data[i]);
}

static void print_iso_time(FILE *out)
{
    char when[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", &tm);
    fputs(when, out);
}

/* One %-directive; unknown ones are printed as they are. */
static void print_directive(FILE *out, char d, const tern_publish *m, int escape)
{
    switch (d) {
    case 't': tool_print_topic(out, m->topic, escape); break;
    case 'p': fwrite(m->payload.data, 1, m->payload.len, out); break;
    case 'l': fprintf(out, "%u", (unsigned)m->payload.len); break;
    case 'm': fprintf(out, "%u", (unsigned)m->packet_id); break;
    case 'q': fprintf(out, "%u", (unsigned)m->qos); break;
    case 'r': fprintf(out, "%u", (unsigned)m->retain); break;
    case 'x': print_hex(out, m->payload, 0); break;
    case 'X': print_hex(out, m->payload, 1); break;
    case 'U': fprintf(out, "%lld", (long long)time(NULL)); break;
    case 'I': print_iso_time(out); break;
    case '%': fputc('%', out); break;
    default: fputc('%', out), fputc(d, out); break;
    }
}

static void print_escape(FILE *out, char e)
{
    switch (e) {
    case 'n': fputc('\n', out); break;
    case 't': fputc('\t', out); break;
    case '\\': fputc('\\', out); break;
    case '0': fputc('\0', out); break;
    default: fputc('\\', out), fputc(e, out); break;
    }
}

static void print_formatted(FILE *out, const char *format, const tern_publish *m, int escape)
{
    for (const char *f = format; *f; f++) {
        if ((*f == '%' || *f == '\\') && f[1]) {
            if (*f == '%') print_directive(out, f[1], m, escape);
            else print_escape(out, f[1]);
            f++;
        } else {
            fputc(*f, out);
        }
    }
}

void tool_print_message(FILE *out, const tool_options *o, const tern_publish *m, int escape)
{
    if (o->format) {
        print_formatted(out, o->format, m, escape);
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
