/* RFC 7512 PKCS#11 URIs for --key: the attributes tern needs, percent-decoded. */
#include "pkcs11_uri.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tool_is_pkcs11_uri(const char *s) { return s && !strncmp(s, "pkcs11:", 7); }

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decode v[0..len) into out (cap bytes); *n gets the length. -1 on a bad escape or
 * when it does not fit (a NUL is always left room for). */
static int decode(const char *v, size_t len, uint8_t *out, size_t cap, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < len; i++) {
        int byte = (unsigned char)v[i];
        if (v[i] == '%') {
            if (i + 2 >= len) return -1;
            int hi = hex_value(v[i + 1]), lo = hex_value(v[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            byte = hi * 16 + lo;
            i += 2;
        }
        if (*n + 1 >= cap) return -1;
        out[(*n)++] = (uint8_t)byte;
    }
    out[*n] = 0;
    return 0;
}

static int text_attr(const char *v, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    if (decode(v, len, (uint8_t *)out, cap, &n) != 0) return -1;
    return strlen(out) == n ? 0 : -1; /* no NUL inside */
}

/* One name=value of the path (query 0) or the query (query 1). */
static int attribute(tool_pkcs11_uri *u, const char *a, size_t len, int query, char *err, size_t cap)
{
    const char *eq = memchr(a, '=', len);
    if (!eq) {
        snprintf(err, cap, "PKCS#11 URI: \"%.*s\" is not name=value", (int)len, a);
        return -1;
    }
    size_t name_len = (size_t)(eq - a), vlen = len - name_len - 1;
    const char *v = eq + 1;
#define IS(n) (name_len == strlen(n) && !strncmp(a, n, name_len))
    int bad = 0;
    if (!query && IS("token")) bad = text_attr(v, vlen, u->token, sizeof u->token);
    else if (!query && IS("object")) bad = text_attr(v, vlen, u->object, sizeof u->object);
    else if (!query && IS("id")) bad = decode(v, vlen, u->id, sizeof u->id, &u->id_len) || u->id_len == 0;
    else if (!query && IS("slot-id")) {
        char num[24];
        char *end = NULL;
        bad = text_attr(v, vlen, num, sizeof num);
        if (!bad) u->slot = strtol(num, &end, 10);
        bad = bad || !num[0] || *end || u->slot < 0;
    } else if (!query && IS("type")) bad = !(vlen == 7 && !strncmp(v, "private", 7));
    else if (query && IS("module-path")) bad = text_attr(v, vlen, u->module_path, sizeof u->module_path);
    else if (query && IS("pin-source")) {
        bad = text_attr(v, vlen, u->pin_source, sizeof u->pin_source);
        if (!bad && !strncmp(u->pin_source, "file:", 5)) memmove(u->pin_source, u->pin_source + 5, strlen(u->pin_source + 5) + 1);
    } else if (query && IS("pin-value")) {
        bad = text_attr(v, vlen, u->pin_value, sizeof u->pin_value);
        u->has_pin_value = !bad;
    } /* other attributes (manufacturer, model, serial, library-*) narrow nothing here */
#undef IS
    if (bad) snprintf(err, cap, "PKCS#11 URI: bad value for \"%.*s\"", (int)name_len, a);
    return bad ? -1 : 0;
}

int tool_parse_pkcs11_uri(const char *uri, tool_pkcs11_uri *u, char *err, size_t err_cap)
{
    memset(u, 0, sizeof *u);
    u->slot = -1;
    const char *p = uri + 7, *query = strchr(p, '?');
    const char *path_end = query ? query : p + strlen(p);
    for (int in_query = 0; in_query < 2; in_query++) {
        const char *end = in_query ? (query ? query + 1 + strlen(query + 1) : NULL) : path_end;
        if (!end) break;
        const char *at = in_query ? query + 1 : p;
        while (at < end) {
            const char *sep = at;
            while (sep < end && *sep != (in_query ? '&' : ';')) sep++;
            if (sep > at && attribute(u, at, (size_t)(sep - at), in_query, err, err_cap) != 0) return -1;
            at = sep + 1;
        }
    }
    if (!u->module_path[0]) {
        snprintf(err, err_cap, "PKCS#11 URI: module-path=... is required (the token's library)");
        return -1;
    }
    if (!u->object[0] && !u->id_len) {
        snprintf(err, err_cap, "PKCS#11 URI: object=... or id=... is required (the private key)");
        return -1;
    }
    if (!u->token[0] && u->slot < 0) {
        snprintf(err, err_cap, "PKCS#11 URI: token=... or slot-id=... is required");
        return -1;
    }
    if (u->pin_source[0] && u->has_pin_value) {
        snprintf(err, err_cap, "PKCS#11 URI: pin-source and pin-value exclude each other");
        return -1;
    }
    return 0;
}
