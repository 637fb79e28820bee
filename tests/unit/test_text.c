/* tern_escape_text: what a peer sends never reaches a terminal as a control character. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tern/text.h"

/* No C0 control, DEL, C1 control (lone or UTF-8) anywhere in s. */
static int is_printable_text(const char *s)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x20 || p[i] == 0x7f || (p[i] >= 0x80 && p[i] <= 0x9f)) return 0;
    return 1;
}

static void escaped(const char *in, size_t len, const char *want)
{
    char out[256];
    size_t n = tern_escape_text(out, sizeof out, in, len);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

/* A string literal, NUL bytes included, and what it escapes to. */
#define ESCAPED(literal, want) escaped(literal, sizeof literal - 1, want)

static void controls_become_hex_escapes(void **state)
{
    (void)state;
    ESCAPED("plain text", "plain text");
    ESCAPED("evil\033]0;pwned\007\033[2J", "evil\\x1b]0;pwned\\x07\\x1b[2J");
    ESCAPED("a\nb\rc\td", "a\\x0ab\\x0dc\\x09d");
    ESCAPED("del\177", "del\\x7f");
    ESCAPED("nul\0after", "nul\\x00after");
    ESCAPED("csi\302\2331m", "csi\\xc2\\x9b1m");      /* C1 as UTF-8 */
    ESCAPED("lone\233x", "lone\\x9bx");               /* C1 as one byte */
    ESCAPED("\302\240nbsp \303\251t\303\251", "\302\240nbsp \303\251t\303\251"); /* printable UTF-8 stays */
    ESCAPED("", "");
}

static void every_byte_value_comes_out_printable(void **state)
{
    (void)state;
    uint8_t all[256 * 2];
    for (size_t i = 0; i < 256; i++) all[2 * i] = (uint8_t)i, all[2 * i + 1] = 0xc2;
    char out[4 * sizeof all + 1];
    tern_escape_text(out, sizeof out, all, sizeof all);
    assert_true(is_printable_text(out));
    assert_non_null(strstr(out, "\\x1b"));
}

static void cut_short_never_inside_an_escape(void **state)
{
    (void)state;
    char out[8];
    memset(out, 'Z', sizeof out);
    size_t n = tern_escape_text(out, sizeof out, "ab\033\033\033", 5);
    assert_string_equal(out, "ab\\x1b");
    assert_int_equal(n, 6);
    n = tern_escape_text(out, 5, "ab\302\233", 4); /* the two-byte C1 does not fit: left out whole */
    assert_string_equal(out, "ab");
    assert_int_equal(n, 2);
    assert_int_equal(tern_escape_text(out, 0, "x", 1), 0);
    assert_int_equal(tern_escape_text(out, 1, "x", 1), 0);
    assert_string_equal(out, "");
}

static size_t next(const char *text, size_t left, int want_control)
{
    int control = -1;
    size_t n = tern_text_next((const uint8_t *)text, left, &control);
    assert_int_equal(control, want_control);
    return n;
}

static void characters_are_utf8_sequences_or_single_bytes(void **state)
{
    (void)state;
    assert_int_equal(next("\302\233", 2, 1), 2);         /* U+009B CSI */
    assert_int_equal(next("\302\240", 2, 0), 2);         /* U+00A0 */
    assert_int_equal(next("\342\202\254", 3, 0), 3);    /* U+20AC: 0x82 inside is no C1 */
    assert_int_equal(next("\304\200", 2, 0), 2);         /* U+0100 */
    assert_int_equal(next("\360\237\230\200", 4, 0), 4); /* U+1F600 */
    assert_int_equal(next("\302", 1, 0), 1);              /* cut short: one byte */
    assert_int_equal(next("\205", 1, 1), 1);              /* lone C1 byte */
    assert_int_equal(next("\300\233", 2, 0), 1);         /* overlong: no sequence... */
    assert_int_equal(next("\233", 1, 1), 1);              /* ...and its second byte is a C1 */
    assert_int_equal(next("\340\202\233", 3, 0), 1);    /* overlong three-byte U+009B */
    assert_int_equal(next("\033", 1, 1), 1);
    assert_int_equal(next("~", 1, 0), 1);
    escaped("\342\202\254 \304\200", 6, "\342\202\254 \304\200");
    escaped("\340\202\233", 3, "\340\\x82\\x9b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(controls_become_hex_escapes),
        cmocka_unit_test(every_byte_value_comes_out_printable),
        cmocka_unit_test(cut_short_never_inside_an_escape),
        cmocka_unit_test(characters_are_utf8_sequences_or_single_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
