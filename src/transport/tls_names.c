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

static int lower(int ch) { return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch; }

static int same_text(const uint8_t *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (lower(a[i]) != lower((unsigned char)b[i])) return 0;
    return 1;
}

/* Labels separated by single dots, none empty. */
static int well_formed(const uint8_t *name, size_t len)
{
    if (len == 0 || name[0] == '.' || name[len - 1] == '.') return 0;
    for (size_t i = 0; i < len; i++)
        if (name[i] == 0 || (name[i] == '.' && i + 1 < len && name[i + 1] == '.')) return 0;
    return 1;
}

/* RFC 6125 section 6.4.3, strictly: a wildcard is the whole left-most label ("*."), matches
 * exactly one label of the host, and at least two labels follow it ("*.example.com", never
 * "*.com", "*", "*host" or "f*.example.com"). Case does not matter; a final dot is ignored. */
static int dns_name_matches(const char *host, const uint8_t *pattern, size_t len)
{
    size_t host_len = strlen(host);
    if (host_len && host[host_len - 1] == '.') host_len--;
    if (len && pattern[len - 1] == '.') len--;
    if (!well_formed((const uint8_t *)host, host_len) || memchr(host, '*', host_len)) return 0;
    if (!memchr(pattern, '*', len)) return well_formed(pattern, len) && len == host_len && same_text(pattern, host, len);
    if (len < 2 || pattern[0] != '*' || pattern[1] != '.') return 0;
    const uint8_t *rest = pattern + 2;
    size_t rest_len = len - 2;
    if (memchr(rest, '*', rest_len) || !well_formed(rest, rest_len) || !memchr(rest, '.', rest_len)) return 0;
    const char *dot = memchr(host, '.', host_len);
    if (!dot || dot == host) return 0; /* the wildcard stands for one non-empty label */
    size_t host_rest_len = host_len - (size_t)(dot + 1 - host);
    return host_rest_len == rest_len && same_text(rest, dot + 1, rest_len);
}

int tern_tls_host_matches(const char *host, const tls_cert_name *names, size_t count)
{
    uint8_t addr[16];
    int addr_len = tern_tls_parse_ip(host, addr);
    int has_alt_name = 0;
    for (size_t i = 0; i < count; i++) has_alt_name |= names[i].type != TLS_NAME_CN;
    for (size_t i = 0; i < count; i++) {
        const tls_cert_name *n = &names[i];
        if (addr_len) { /* an address matches only an iPAddress entry, byte for byte */
            if (n->type == TLS_NAME_IP && n->len == (size_t)addr_len && !memcmp(n->data, addr, n->len)) return 1;
        } else if (n->type == TLS_NAME_DNS || (n->type == TLS_NAME_CN && !has_alt_name)) {
            if (dns_name_matches(host, n->data, n->len)) return 1;
        } /* URI and other alternative names never name a host */
    }
    return 0;
}
