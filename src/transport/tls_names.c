/* Names the TLS transport checks: is the name it connects to an IP address, and which bytes.
 * Plain C, no sockets API, so that a device build (lwIP, Zephyr...) compiles it as it is. */
#include <string.h>

#include "tls_internal.h"

/* A decimal number 0..255 without leading zeros at s; its end in *end. -1 if none. */
static int parse_octet(const char *s, const char **end)
{
    int value = 0, digits = 0;
    while (s[digits] >= '0' && s[digits] <= '9' && digits < 4) {
        value = value * 10 + (s[digits] - '0');
        digits++;
    }
    if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && s[0] == '0')) return -1;
    *end = s + digits;
    return value;
}

/* Dotted-quad IPv4 filling out[0..3]; the whole of s up to stop must be used. */
static int parse_ipv4(const char *s, const char *stop, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        const char *end;
        int v = parse_octet(s, &end);
        if (v < 0 || end > stop) return 0;
        out[i] = (uint8_t)v;
        if (i < 3 && *end != '.') return 0;
        s = end + (i < 3);
    }
    return s == stop;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* One group of 1-4 hex digits at s into *group; its end, or NULL. */
static const char *parse_group(const char *s, unsigned *group)
{
    unsigned v = 0;
    int n = 0;
    while (n < 4 && hex_digit(s[n]) >= 0) v = v << 4 | (unsigned)hex_digit(s[n++]);
    if (n == 0 || hex_digit(s[n]) >= 0) return NULL;
    *group = v;
    return s + n;
}

/* RFC 4291 text form: groups, at most one "::", an optional dotted IPv4 tail. No zone ids. */
static int parse_ipv6(const char *s, uint8_t out[16])
{
    const char *stop = s + strlen(s);
    int len = 0, gap = -1;
    if (s[0] == ':' && s[1] == ':') {
        gap = 0;
        s += 2;
    }
    while (*s && len < 16) {
        const char *dot = strchr(s, '.');
        if (dot && !strchr(s, ':')) { /* the IPv4 tail */
            if (len > 12 || !parse_ipv4(s, stop, out + len)) return 0;
            len += 4;
            s = stop;
            break;
        }
        unsigned group;
        const char *end = parse_group(s, &group);
        if (!end) return 0;
        out[len++] = (uint8_t)(group >> 8);
        out[len++] = (uint8_t)group;
        s = end;
        if (*s == 0) break;
        if (*s != ':') return 0;
        s++;
        if (*s == ':') {
            if (gap >= 0) return 0;
            gap = len;
            s++;
        } else if (*s == 0) {
            return 0; /* a trailing single colon */
        }
    }
    if (*s) return 0;
    if (gap < 0) return len == 16;
    if (len > 14) return 0; /* "::" stands for at least one group */
    memmove(out + gap + (16 - len), out + gap, (size_t)(len - gap));
    memset(out + gap, 0, (size_t)(16 - len));
    return 1;
}

int tern_tls_parse_ip(const char *name, uint8_t out[16])
{
    if (!name) return 0;
    if (parse_ipv4(name, name + strlen(name), out)) return 4;
    if (strchr(name, ':') && parse_ipv6(name, out)) return 16;
    return 0;
}
