/* tern sub -F (sub_format.h): the checks and the output of mosquitto_sub 2.0.11's formats,
 * its quirks included (a width cuts the payload; "%-p" pads with as many blanks as the
 * payload is long), so that scripts written for one read the other's output. */
#define _POSIX_C_SOURCE 200809L
#include "sub_format.h"

#include <string.h>

#include "sub_print.h"

/* What may sit between '%' and the directive. */
typedef struct {
    char align;    /* '-': left-aligned */
    char pad;      /* ' ' or '0' */
    int width;     /* 0: none */
    int precision; /* -1: none */
} field;

static int fail(char *err, size_t cap, const char *what, char c)
{
    snprintf(err, cap, c ? "-F: %s '%c' (tern(1), FORMAT, lists them)" : "-F: %s", what, c);
    return -1;
}

/* The %-directive at f (after the '%'): its length, or -1 with the message. */
static int check_directive(const char *f, char *err, size_t cap)
{
    const char *p = f;
    if (*p == '0' || *p == '-') p++;
    while (*p >= '0' && *p <= '9') p++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (!*p) return fail(err, cap, "incomplete format specifier", 0);
    if (!strchr("%ACDEFIlmPpqRSrtjJUxX", *p)) return fail(err, cap, "invalid format specifier", *p);
    return (int)(p - f) + 1;
}

int tool_format_check(const char *format, char *err, size_t cap)
{
    for (const char *f = format; *f; f++) {
        if (*f == '%') {
            int n = check_directive(f + 1, err, cap);
            if (n < 0) return -1;
            f += n;
        } else if (*f == '@') {
            if (!*++f) return fail(err, cap, "incomplete format specifier", 0);
        } else if (*f == '\\') {
            if (!*++f) return fail(err, cap, "incomplete escape specifier", 0);
            if (!strchr("\\0aenrtv", *f)) return fail(err, cap, "invalid escape specifier", *f);
        }
    }
    return 0;
}

const tern_prop *tool_format_prop(const tern_publish *m, uint8_t id, tern_prop *out)
{
    size_t at = 0;
    while (m->props && tern_props_next(m->props->raw, &at, out) == TERN_OK)
        if (out->id == id) return out;
    return NULL;
}

static void blanks(FILE *out, char c, long n)
{
    for (long i = 0; i < n; i++) fputc(c, out);
}

static void print_int(FILE *out, int v, const field *fd)
{
    if (fd->width == 0) fprintf(out, "%d", v);
    else if (fd->align == '-') fprintf(out, "%-*d", fd->width, v);
    else fprintf(out, fd->pad == '0' ? "%0*d" : "%*d", fd->width, v);
}

/* A number property, or the field's width of padding when the message has none. */
static void print_int_prop(FILE *out, const tern_publish *m, uint8_t id, const field *fd)
{
    tern_prop p;
    if (tool_format_prop(m, id, &p)) print_int(out, (int)p.value, fd);
    else blanks(out, fd->pad, fd->width);
}

/* A string, cut to the precision and padded to the width with blanks (printf's %*.*s). */
static void print_text(FILE *out, tern_bytes s, const field *fd, int escape)
{
    if (fd->precision >= 0 && s.len > (uint32_t)fd->precision) s.len = (uint32_t)fd->precision;
    long pad = (long)fd->width - (long)s.len;
    if (fd->align != '-') blanks(out, ' ', pad);
    tool_print_topic(out, s, escape);
    if (fd->align == '-') blanks(out, ' ', pad);
}

/* %p, %x (hex 1), %X (hex 2), as mosquitto_sub's write_payload does them. */
static void print_payload(FILE *out, tern_bytes b, int hex, const field *fd)
{
    long len = (long)b.len, pad;
    if (fd->width > 0) {
        if (len > fd->width) len = fd->width;
        if (hex) len /= 2;
        pad = fd->width - (hex ? len * 2 : len);
    } else {
        pad = -len;
    }
    if (fd->align != '-') blanks(out, fd->pad, pad);
    if (!hex) fwrite(b.data, 1, (size_t)len, out);
    for (long i = 0; hex && i < len; i++) fprintf(out, hex == 1 ? "%02x" : "%02X", b.data[i]);
    if (fd->align == '-') blanks(out, ' ', pad < 0 ? -pad : pad); /* printf("%*s", pad, "") */
}

static void print_user_props(FILE *out, const tern_publish *m, int escape)
{
    size_t at = 0;
    tern_prop p;
    int first = 1;
    while (m->props && tern_props_next(m->props->raw, &at, &p) == TERN_OK) {
        if (p.id != TERN_PROP_USER_PROPERTY) continue;
        if (!first) fputc(' ', out);
        first = 0;
        tool_print_topic(out, p.bytes, escape);
        fputc(':', out);
        tool_print_topic(out, p.value2, escape);
    }
}

typedef struct {
    struct tm tm;
    long long s; /* since the epoch (strftime's %s, a GNU extension) */
    long ns;
} moment;

static void print_string_prop(FILE *out, const tern_publish *m, uint8_t id, const field *fd, int escape)
{
    tern_prop p;
    if (tool_format_prop(m, id, &p)) print_text(out, p.bytes, fd, escape);
    else if (id == TERN_PROP_CONTENT_TYPE) blanks(out, ' ', fd->width); /* %R prints nothing */
}

static void print_time(FILE *out, char d, const moment *t, const field *fd)
{
    char buf[100];
    if (d == 'U') fprintf(out, "%lld.%09ld", t->s, t->ns);
    if (d != 'I') return;
    size_t n = strftime(buf, sizeof buf, "%FT%T%z", &t->tm);
    if (n) print_text(out, (tern_bytes){(const uint8_t *)buf, (uint32_t)n}, fd, 0);
    else blanks(out, ' ', fd->width);
}

static void print_directive(FILE *out, char d, const field *fd, const tern_publish *m, const moment *t, int escape)
{
    tern_prop p;
    switch (d) {
    case '%': fputc('%', out); break;
    case 'A': print_int_prop(out, m, TERN_PROP_TOPIC_ALIAS, fd); break;
    case 'C': case 'R': print_string_prop(out, m, d == 'C' ? TERN_PROP_CONTENT_TYPE : TERN_PROP_RESPONSE_TOPIC, fd, escape); break;
    case 'D':
        if (tool_format_prop(m, TERN_PROP_CORRELATION_DATA, &p)) fwrite(p.bytes.data, 1, p.bytes.len, out);
        break;
    case 'E': print_int_prop(out, m, TERN_PROP_MESSAGE_EXPIRY, fd); break;
    case 'F': print_int_prop(out, m, TERN_PROP_PAYLOAD_FORMAT, fd); break;
    case 'S': print_int_prop(out, m, TERN_PROP_SUBSCRIPTION_ID, fd); break;
    case 'I': case 'U': print_time(out, d, t, fd); break;
    case 'j': case 'J': tool_format_json(out, m, &t->tm, t->ns, d == 'J'); break;
    case 'l': print_int(out, (int)m->payload.len, fd); break;
    case 'm': print_int(out, m->packet_id, fd); break;
    case 'P': print_user_props(out, m, escape); break;
    case 'p': print_payload(out, m->payload, 0, fd); break;
    case 'x': case 'X': print_payload(out, m->payload, d == 'x' ? 1 : 2, fd); break;
    case 'q': fputc('0' + m->qos, out); break;
    case 'r': fputc(m->retain ? '1' : '0', out); break;
    case 't': print_text(out, m->topic, fd, escape); break;
    default: break; /* refused by tool_format_check */
    }
}

/* The field before a directive at f (after the '%'); returns where the directive is. */
static const char *parse_field(const char *f, field *fd)
{
    *fd = (field){0, ' ', 0, -1};
    if (*f == '-') fd->align = *f++;
    if (*f == '0') fd->pad = *f++;
    while (*f >= '0' && *f <= '9' && f[1]) fd->width = fd->width * 10 + (*f++ - '0');
    if (*f == '.' && f[1]) {
        f++;
        fd->precision = 0;
        while (*f >= '0' && *f <= '9' && f[1]) fd->precision = fd->precision * 10 + (*f++ - '0');
    }
    return f;
}

/* @X is strftime's %X, whatever X is (the user's format; strftime takes no arguments). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void print_strftime(FILE *out, char d, const moment *t)
{
    char spec[3] = {'%', d, 0}, buf[100];
    if (d == '@') fputc('@', out);
    else if (d == 'N') fprintf(out, "%09ld", t->ns);
    else if (strftime(buf, sizeof buf, spec, &t->tm)) fputs(buf, out);
}
#pragma GCC diagnostic pop

static char escaped(char e)
{
    switch (e) {
    case '0': return '\0';
    case 'a': return '\a';
    case 'e': return '\033';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'v': return '\v';
    default: return e; /* '\\' */
    }
}

void tool_format_print(FILE *out, const char *format, const tern_publish *m, int escape)
{
    moment t;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    localtime_r(&now.tv_sec, &t.tm);
    t.s = (long long)now.tv_sec;
    t.ns = now.tv_nsec;
    for (const char *f = format; *f; f++) {
        field fd;
        if (*f == '%' && f[1]) {
            f = parse_field(f + 1, &fd);
            print_directive(out, *f, &fd, m, &t, escape);
        } else if (*f == '@' && f[1]) {
            print_strftime(out, *++f, &t);
        } else if (*f == '\\' && f[1]) {
            fputc(escaped(*++f), out);
        } else if (*f != '%' && *f != '@' && *f != '\\') {
            fputc(*f, out);
        }
    }
}
