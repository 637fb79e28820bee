/* UTF-8 rules of MQTT (3.1.1 section 1.5.3, 5.0 section 1.5.4): well-formed per RFC 3629,
 * no surrogates, no U+0000. Each rejection keeps its own status so that a log says why. */
#include "tern/codec.h"

/* Length of the sequence started by lead byte b (0 = not a lead byte). */
static unsigned utf8_sequence_len(uint8_t b)
{
    if (b < 0x80u) return 1;
    if (b < 0xC0u) return 0;
    if (b < 0xE0u) return 2;
    if (b < 0xF0u) return 3;
    if (b < 0xF8u) return 4;
    return 0;
}

/* Decode one sequence of n bytes at s (n already checked to fit); *cp gets the code point. */
static tern_status utf8_decode_one(const uint8_t *s, unsigned n, uint32_t *cp)
{
    static const uint32_t min_for_len[5] = {0, 0, 0x80u, 0x800u, 0x10000u};
    uint32_t c = n == 1 ? s[0] : (uint32_t)(s[0] & (0x7Fu >> n));
    for (unsigned i = 1; i < n; i++) {
        if ((s[i] & 0xC0u) != 0x80u) return TERN_ERR_UTF8_ILL_FORMED;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    if (c < min_for_len[n]) return TERN_ERR_UTF8_OVERLONG;
    *cp = c;
    return TERN_OK;
}

tern_status tern_utf8_validate(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (s[i] - 1u < 0x7Fu) { /* ASCII other than NUL, the common case: nothing to decode */
            i++;
            continue;
        }
        unsigned n = utf8_sequence_len(s[i]);
        if (n == 0 || n > len - i) return TERN_ERR_UTF8_ILL_FORMED;
        uint32_t cp = 0;
        tern_status st = utf8_decode_one(s + i, n, &cp);
        if (st != TERN_OK) return st;
        if (cp == 0) return TERN_ERR_UTF8_NULL;
        if (cp >= 0xD800u && cp <= 0xDFFFu) return TERN_ERR_UTF8_SURROGATE;
        if (cp > 0x10FFFFu) return TERN_ERR_UTF8_TOO_LARGE;
        i += n;
    }
    return TERN_OK;
}
