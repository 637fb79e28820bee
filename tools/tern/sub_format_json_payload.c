/* tern sub -F %J: a JSON payload parsed and printed again, as mosquitto_sub 2.0.11 does it
 * with cJSON 1.7.15 (Debian's): cJSON's grammar (a UTF-8 BOM and bytes up to a space skipped,
 * raw control characters allowed in strings, numbers as strtod reads up to 63 of
 * "0123456789+-eE.", nesting up to 1000) and cJSON_PrintUnformatted's output (numbers as
 * %d when integral, else %1.15g or %1.17g, strings re-escaped and cut at a \u0000). A first
 * pass checks, so that an invalid payload prints nothing, as with cJSON. */
#define _POSIX_C_SOURCE 200809L
#include "sub_format.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NESTING_LIMIT 1000 /* cJSON's CJSON_NESTING_LIMIT */

typedef struct {
    const uint8_t *p, *end;
    int depth;
    FILE *out; /* NULL: check only */
} reader;

static void put(reader *r, const char *s, size_t n)
{
    if (r->out) fwrite(s, 1, n, r->out);
}

static void skip_space(reader *r)
{
    while (r->p < r->end && *r->p <= 32) r->p++;
}

static int value(reader *r);

static int literal(reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n)) return 0;
    put(r, word, n);
    r->p += n;
    return 1;
}

/* cJSON 1.7.15's print_number: %1.15g, or %1.17g when that does not read back the same. */
static void put_number(reader *r, double d)
{
    char buf[32];
    double back = 0;
    if (isnan(d) || isinf(d)) {
        put(r, "null", 4);
        return;
    }
    snprintf(buf, sizeof buf, "%1.15g", d);
    double most = fabs(d);
    if (sscanf(buf, "%lg", &back) == 1 && fabs(back) > most) most = fabs(back);
    if (sscanf(buf, "%lg", &back) != 1 || fabs(back - d) > most * DBL_EPSILON) snprintf(buf, sizeof buf, "%1.17g", d);
    put(r, buf, strlen(buf));
}

static int number(reader *r)
{
    char buf[64];
    size_t n = 0;
    while (n < sizeof buf - 1 && r->p + n < r->end && strchr("0123456789+-eE.", r->p[n]) && r->p[n]) {
        buf[n] = (char)r->p[n];
        n++;
    }
    buf[n] = 0;
    char *after = NULL;
    double d = strtod(buf, &after);
    if (after == buf) return 0;
    r->p += after - buf;
    put_number(r, d);
    return 1;
}

/* Four hex digits; 0 when one is not (cJSON's parse_hex4: the code then is U+0000). */
static unsigned hex4(const uint8_t *p)
{
    unsigned h = 0;
    for (int i = 0; i < 4; i++) {
        int c = p[i], v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (v < 0) return 0;
        h = h << 4 | (unsigned)v;
    }
    return h;
}

/* \uXXXX (a surrogate pair: two of them) at r->p, before the string's closing quote at end,
 * as UTF-8 in utf8: its length, or 0 when it is not one. */
static size_t unicode(reader *r, const uint8_t *end, uint8_t utf8[4])
{
    unsigned first, second, cp;
    if (end - r->p < 6) return 0;
    first = hex4(r->p + 2);
    if (first >= 0xDC00 && first <= 0xDFFF) return 0;
    r->p += 6;
    cp = first;
    if (first >= 0xD800 && first <= 0xDBFF) {
        if (end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u') return 0;
        second = hex4(r->p + 2);
        if (second < 0xDC00 || second > 0xDFFF) return 0;
        r->p += 6;
        cp = 0x10000 + (((first & 0x3FF) << 10) | (second & 0x3FF));
    }
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const uint8_t lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    for (size_t i = n - 1; i > 0; i--, cp >>= 6) utf8[i] = (uint8_t)(0x80 | (cp & 0x3F));
    utf8[0] = (uint8_t)(cp | lead[n]);
    return n;
}

/* One decoded byte of a string, re-escaped as cJSON prints it; a NUL ends what is printed. */
static void put_string_byte(reader *r, uint8_t c, int *cut)
{
    char buf[8];
    if (c == 0) *cut = 1;
    if (*cut) return;
    const char *named = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b" : c == '\f' ? "\\f"
                      : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
    if (named) put(r, named, 2);
    else if (c < 0x20) put(r, buf, (size_t)snprintf(buf, sizeof buf, "\\u%04x", c));
    else put(r, (const char *)&c, 1);
}

/* The closing quote of the string opening at p (escaped pairs skipped), or NULL. */
static const uint8_t *closing_quote(const uint8_t *p, const uint8_t *end)
{
    for (p++; p < end && *p != '"'; p++)
        if (*p == '\\' && ++p >= end) return NULL;
    return p < end ? p : NULL;
}

static int string(reader *r)
{
    const uint8_t *end = r->p < r->end && *r->p == '"' ? closing_quote(r->p, r->end) : NULL;
    if (!end) return 0;
    int cut = 0;
    r->p++;
    put(r, "\"", 1);
    while (r->p < end) {
        uint8_t utf8[4];
        size_t n = 1;
        const char *from = "bfnrt\"\\/", *to = "\b\f\n\r\t\"\\/", *at;
        if (*r->p != '\\') {
            utf8[0] = *r->p++;
        } else if (r->p[1] == 'u') {
            if ((n = unicode(r, end, utf8)) == 0) return 0;
        } else if ((at = strchr(from, r->p[1])) != NULL && r->p[1]) {
            utf8[0] = (uint8_t)to[at - from];
            r->p += 2;
        } else {
            return 0;
        }
        for (size_t i = 0; i < n; i++) put_string_byte(r, utf8[i], &cut);
    }
    r->p++;
    put(r, "\"", 1);
    return 1;
}

/* [v,v] or {"k":v,"k":v}: the items, each after skipping space; closing with `close`. */
static int items(reader *r, char close, int keyed)
{
    if (r->depth >= NESTING_LIMIT) return 0;
    r->depth++;
    r->p++;
    put(r, keyed ? "{" : "[", 1);
    skip_space(r);
    for (int first = 1; r->p < r->end && *r->p != close; first = 0) {
        if (!first) {
            if (*r->p != ',') return 0;
            r->p++;
            put(r, ",", 1);
            skip_space(r);
        }
        if (keyed) {
            if (!string(r)) return 0;
            skip_space(r);
            if (r->p >= r->end || *r->p != ':') return 0;
            r->p++;
            put(r, ":", 1);
            skip_space(r);
        }
        if (!value(r)) return 0;
        skip_space(r);
    }
    if (r->p >= r->end) return 0;
    r->p++;
    put(r, keyed ? "}" : "]", 1);
    r->depth--;
    return 1;
}

static int value(reader *r)
{
    if (r->p >= r->end) return 0;
    if (literal(r, "null") || literal(r, "false") || literal(r, "true")) return 1;
    uint8_t c = *r->p;
    if (c == '"') return string(r);
    if (c == '-' || (c >= '0' && c <= '9')) return number(r);
    if (c == '[') return items(r, ']', 0);
    if (c == '{') return items(r, '}', 1);
    return 0;
}

static int whole_payload(tern_bytes payload, FILE *out)
{
    reader r = {payload.data, payload.data + payload.len, 0, out};
    if (payload.len >= 3 && !memcmp(r.p, "\xEF\xBB\xBF", 3)) r.p += 3;
    skip_space(&r);
    if (!value(&r)) return 0;
    skip_space(&r);
    return r.p == r.end;
}

int tool_format_json_payload(FILE *out, tern_bytes payload)
{
    if (!payload.len) { /* no payload at all: null */
        if (out) fputs("null", out);
        return 1;
    }
    /* As a C string: a NUL byte ends it before its length, which mosquitto_sub refuses. */
    if (memchr(payload.data, 0, payload.len) || !whole_payload(payload, NULL)) return 0;
    return out ? whole_payload(payload, out) : 1;
}
