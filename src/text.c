/* Peer-controlled text made safe to print: control characters as \xNN (see tern/text.h).
 * Outside the core (src/codec, src/client), which never prints. */
#include "tern/text.h"

/* The length of the well-formed UTF-8 sequence of 2..4 bytes at p (RFC 3629's table: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_sequence(const uint8_t *p, size_t left)
{
    uint8_t lo = 0x80, hi = 0xbf;
    size_t n;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) n = 2;
    else if (p[0] >= 0xe0 && p[0] <= 0xef) n = 3;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4) n = 4;
    else return 0;
    if (p[0] == 0xe0) lo = 0xa0;
    if (p[0] == 0xed) hi = 0x9f;
    if (p[0] == 0xf0) lo = 0x90;
    if (p[0] == 0xf4) hi = 0x8f;
    if (left < n || p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf) return 0;
    return n;
}

size_t tern_text_next(const uint8_t *p, size_t left, int *control)
{
    size_t n = utf8_sequence(p, left);
    if (n) {
        *control = p[0] == 0xc2 && p[1] <= 0x9f; /* U+0080..U+009F */
        return n;
    }
    *control = p[0] < 0x20 || p[0] == 0x7f || (p[0] >= 0x80 && p[0] <= 0x9f);
    return 1;
}

static const char HEX[] = "0123456789abcdef";

size_t tern_escape_text(char *out, size_t cap, const void *text, size_t len)
{
    const uint8_t *in = text;
    size_t used = 0;
    if (cap == 0) return 0;
    for (size_t i = 0; i < len;) {
        int control;
        size_t n = tern_text_next(in + i, len - i, &control);
        size_t need = control ? 4 * n : n;
        if (used + need >= cap) break; /* a character, or its escape, whole or not at all */
        for (size_t k = 0; k < n; k++, i++) {
            if (!control) {
                out[used++] = (char)in[i];
                continue;
            }
            out[used++] = '\\';
            out[used++] = 'x';
            out[used++] = HEX[in[i] >> 4];
            out[used++] = HEX[in[i] & 15];
        }
    }
    out[used] = 0;
    return used;
}
