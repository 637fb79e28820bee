/* UTF-8 rules of MQTT (3.1.1 section 1.5.3, 5.0 section 1.5.4): well-formed per RFC 3629,
 * no surrogates, no U+0000. Each rejection keeps its own status so that a log says why. */
#include "tern/codec.h"

tern_status tern_utf8_validate(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp = s[i++];
        if (cp - 1u < 0x7Fu) continue; /* ASCII other than NUL, the common case */
        if (cp == 0) return TERN_ERR_UTF8_NULL;
        /* A lead byte: how many continuation bytes follow, the least code point that needs
         * them all (less is an overlong form), and its own payload bits. */
        unsigned more = cp >= 0xF0u ? 3u : cp >= 0xE0u ? 2u : cp >= 0xC0u ? 1u : 0u;
        if (more == 0 || cp >= 0xF8u || more > len - i) return TERN_ERR_UTF8_ILL_FORMED;
        uint32_t least = more == 1 ? 0x80u : more == 2 ? 0x800u : 0x10000u;
        cp &= 0x3Fu >> more;
        while (more--) {
            if ((s[i] & 0xC0u) != 0x80u) return TERN_ERR_UTF8_ILL_FORMED;
            cp = (cp << 6) | (s[i++] & 0x3Fu);
        }
        if (cp < least) return TERN_ERR_UTF8_OVERLONG;
        if (cp >= 0xD800u && cp <= 0xDFFFu) return TERN_ERR_UTF8_SURROGATE;
        if (cp > 0x10FFFFu) return TERN_ERR_UTF8_TOO_LARGE;
    }
    return TERN_OK;
}
