/* Topic names, topic filters and matching (MQTT 3.1.1 section 4.7, MQTT 5.0 sections 4.7
 * and 4.8.2). Matching runs for every inbound message, so it is one allocation-free pass. */
#include <string.h>

#include "wire.h"

#define SHARE_PREFIX_LEN 7u /* "$share/" */

int tern_topic_is_shared(tern_bytes f)
{
    static const char prefix[SHARE_PREFIX_LEN] = {'$', 's', 'h', 'a', 'r', 'e', '/'};
    if (f.len < SHARE_PREFIX_LEN) return 0;
    for (size_t i = 0; i < SHARE_PREFIX_LEN; i++)
        if (f.data[i] != (uint8_t)prefix[i]) return 0;
    return 1;
}

/* Length of the level starting at s (up to the next '/' or the end). */
static size_t level_len(const uint8_t *s, size_t len)
{
    size_t n = 0;
    while (n < len && s[n] != '/') n++;
    return n;
}

/* Non-zero when a byte of w is 0 (the classic bit trick: exact, no false positives). */
static uint32_t zero_byte(uint32_t w) { return (w - 0x01010101u) & ~w & 0x80808080u; }

/* Are all 4 bytes at p printable ASCII other than '+' and '#' (checked 4 at a time)? */
static int plain_word(const uint8_t *p)
{
    uint32_t w;
    memcpy(&w, p, sizeof w);
    return ((w & 0x80808080u) | zero_byte(w) | zero_byte(w ^ 0x2B2B2B2Bu) | zero_byte(w ^ 0x23232323u)) == 0;
}

tern_status tern_topic_validate_name(tern_bytes topic)
{
    if (topic.len == 0) return TERN_ERR_TOPIC_EMPTY;
    /* The common case, printable ASCII without wildcards, in one tight pass; anything else
     * (NUL, non-ASCII, '+', '#') stops it and is judged below. */
    const uint8_t *s = topic.data;
    size_t i = 0;
    while (i + 4 <= topic.len && plain_word(s + i)) i += 4;
    while (i < topic.len && (uint8_t)(s[i] - 1u) < 0x7Fu && s[i] != '+' && s[i] != '#') i++;
    if (i == topic.len) return TERN_OK;
    /* A UTF-8 fault is reported before a wildcard, wherever each is. */
    tern_status st = tern_utf8_validate(s, topic.len);
    if (st != TERN_OK) return st;
    for (; i < topic.len; i++)
        if (s[i] == '+' || s[i] == '#') return TERN_ERR_TOPIC_WILDCARD;
    return TERN_OK;
}

/* Wildcard placement of a filter already known to be well-formed UTF-8 and not empty:
 * '+' fills a whole level, '#' fills the whole last level. */
static tern_status check_wildcards(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '+' && s[i] != '#') continue;
        int starts_level = i == 0 || s[i - 1] == '/';
        int ends_level = i + 1 == len || s[i + 1] == '/';
        if (!starts_level || !ends_level) return TERN_ERR_FILTER_WILDCARD;
        if (s[i] == '#' && i + 1 != len) return TERN_ERR_FILTER_WILDCARD;
    }
    return TERN_OK;
}

/* "$share/{name}/{filter}": name at least one character, no wildcards; filter not empty. */
static tern_status check_shared(const uint8_t *s, size_t len)
{
    size_t name_len = level_len(s, len);
    if (name_len == 0 || name_len + 1 >= len) return TERN_ERR_SHARED_FILTER;
    for (size_t i = 0; i < name_len; i++)
        if (s[i] == '+' || s[i] == '#') return TERN_ERR_SHARED_FILTER;
    return check_wildcards(s + name_len + 1, len - name_len - 1);
}

tern_status tern_topic_validate_filter(tern_bytes filter)
{
    if (filter.len == 0) return TERN_ERR_TOPIC_EMPTY;
    tern_status st = tern_utf8_validate(filter.data, filter.len);
    if (st != TERN_OK) return st;
    if (tern_topic_is_shared(filter))
        return check_shared(filter.data + SHARE_PREFIX_LEN, filter.len - SHARE_PREFIX_LEN);
    return check_wildcards(filter.data, filter.len);
}

int tern_topic_matches(tern_bytes filter, tern_bytes topic)
{
    const uint8_t *f = filter.data, *t = topic.data;
    size_t fl = filter.len, tl = topic.len, fi = 0, ti = 0;
    if (tern_topic_is_shared(filter)) {
        size_t skip = SHARE_PREFIX_LEN + level_len(f + SHARE_PREFIX_LEN, fl - SHARE_PREFIX_LEN);
        if (skip >= fl) return 0;
        f += skip + 1;
        fl -= skip + 1;
    }
    if (fl == 0 || tl == 0) return 0;
    /* 4.7.2: "$" topics are not matched by filters starting with a wildcard. */
    if (t[0] == '$' && (f[0] == '+' || f[0] == '#')) return 0;
    while (fi < fl) {
        if (f[fi] == '#') return 1;
        if (f[fi] == '+') {
            ti += level_len(t + ti, tl - ti);
            fi++;
            continue;
        }
        /* Topic used up: only a trailing "/#" is left to match its parent level. */
        if (ti == tl) return fl - fi == 2 && f[fi] == '/' && f[fi + 1] == '#';
        if (f[fi] != t[ti]) return 0;
        fi++;
        ti++;
    }
    return ti == tl;
}
