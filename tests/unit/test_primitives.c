/* Variable byte integers, fixed headers, UTF-8 rules and status strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tern/codec.h"

static void varint_round_trips_at_every_boundary(void **state)
{
    (void)state;
    static const struct { uint32_t value; size_t n; uint8_t bytes[4]; } cases[] = {
        /* MQTT 5.0 table 1-1 and 3.1.1 table 2.4 */
        {0, 1, {0x00}}, {127, 1, {0x7F}}, {128, 2, {0x80, 0x01}}, {16383, 2, {0xFF, 0x7F}},
        {16384, 3, {0x80, 0x80, 0x01}}, {2097151, 3, {0xFF, 0xFF, 0x7F}},
        {2097152, 4, {0x80, 0x80, 0x80, 0x01}}, {268435455, 4, {0xFF, 0xFF, 0xFF, 0x7F}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[4];
        assert_int_equal(tern_varint_size(cases[i].value), cases[i].n);
        assert_int_equal(tern_varint_encode(cases[i].value, buf, sizeof buf), cases[i].n);
        assert_memory_equal(buf, cases[i].bytes, cases[i].n);
        uint32_t v = 0;
        size_t used = 0;
        assert_int_equal(tern_varint_decode(buf, cases[i].n, &v, &used), TERN_OK);
        assert_int_equal(v, cases[i].value);
        assert_int_equal(used, cases[i].n);
        if (cases[i].n > 1)
            assert_int_equal(tern_varint_decode(buf, cases[i].n - 1, &v, &used), TERN_NEED_MORE);
    }
}

static void varint_rejects_fifth_byte_and_overlong_forms(void **state)
{
    (void)state;
    uint8_t five[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    uint8_t buf[4];
    uint32_t v;
    size_t used;
    assert_int_equal(tern_varint_decode(five, sizeof five, &v, &used), TERN_ERR_VARINT);
    assert_int_equal(tern_varint_decode(five, 4, &v, &used), TERN_ERR_VARINT);
    uint8_t overlong[] = {0x80, 0x00};
    assert_int_equal(tern_varint_decode(overlong, 2, &v, &used), TERN_ERR_VARINT);
    assert_int_equal(tern_varint_encode(TERN_VARINT_MAX + 1u, buf, sizeof buf), 0);
    assert_int_equal(tern_varint_encode(128, buf, 1), 0);
}

static void header_reports_type_flags_and_length(void **state)
{
    (void)state;
    uint8_t pkt[] = {0x32, 0x80, 0x01};
    tern_header h;
    assert_int_equal(tern_codec_decode_header(pkt, 0, &h), TERN_NEED_MORE);
    assert_int_equal(tern_codec_decode_header(pkt, 2, &h), TERN_NEED_MORE);
    assert_int_equal(tern_codec_decode_header(pkt, 3, &h), TERN_OK);
    assert_int_equal(h.type, TERN_PUBLISH);
    assert_int_equal(h.flags, 2);
    assert_int_equal(h.remaining, 128);
    assert_int_equal(h.header_len, 3);
    uint8_t reserved[] = {0x00, 0x00};
    assert_int_equal(tern_codec_decode_header(reserved, 2, &h), TERN_ERR_PACKET_TYPE);
}

static tern_status utf8(const char *s, size_t n) { return tern_utf8_validate((const uint8_t *)s, n); }

static void utf8_accepts_valid_text(void **state)
{
    (void)state;
    assert_int_equal(utf8("", 0), TERN_OK);
    assert_int_equal(utf8("a/b", 3), TERN_OK);
    /* MQTT 5.0 1.5.4 example: U+2A6D4 encoded as F0 AA 9B 94 */
    assert_int_equal(utf8("A\xF0\xAA\x9B\x94", 5), TERN_OK);
    assert_int_equal(utf8("\xC3\xA9\xE2\x82\xAC", 5), TERN_OK);   /* é € */
    assert_int_equal(utf8("\xEF\xBB\xBF", 3), TERN_OK);           /* U+FEFF is allowed */
    assert_int_equal(utf8("\xF4\x8F\xBF\xBF", 4), TERN_OK);       /* U+10FFFF */
}

static void utf8_rejections_each_have_their_status(void **state)
{
    (void)state;
    assert_int_equal(utf8("a\0b", 3), TERN_ERR_UTF8_NULL);
    assert_int_equal(utf8("\xC0\x80", 2), TERN_ERR_UTF8_OVERLONG);     /* overlong NUL */
    assert_int_equal(utf8("\xE0\x80\xAF", 3), TERN_ERR_UTF8_OVERLONG);
    assert_int_equal(utf8("\xED\xA0\x80", 3), TERN_ERR_UTF8_SURROGATE); /* U+D800 */
    assert_int_equal(utf8("\xED\xBF\xBF", 3), TERN_ERR_UTF8_SURROGATE); /* U+DFFF */
    assert_int_equal(utf8("\xF4\x90\x80\x80", 4), TERN_ERR_UTF8_TOO_LARGE);
    assert_int_equal(utf8("\x80", 1), TERN_ERR_UTF8_ILL_FORMED);        /* lone continuation */
    assert_int_equal(utf8("\xC3", 1), TERN_ERR_UTF8_ILL_FORMED);        /* truncated */
    assert_int_equal(utf8("\xC3\x28", 2), TERN_ERR_UTF8_ILL_FORMED);    /* bad continuation */
    assert_int_equal(utf8("\xF8\x88\x80\x80\x80", 5), TERN_ERR_UTF8_ILL_FORMED);
    assert_int_equal(utf8("\xFF", 1), TERN_ERR_UTF8_ILL_FORMED);
}

static void every_status_has_a_string_and_a_name(void **state)
{
    (void)state;
    for (int s = 0; s < TERN_STATUS_COUNT; s++) {
        assert_true(strlen(tern_status_str((tern_status)s)) > 0);
        assert_true(strncmp(tern_status_name((tern_status)s), "TERN_", 5) == 0);
    }
    assert_string_equal(tern_status_name(TERN_ERR_BUSY), "TERN_ERR_BUSY");
    assert_string_equal(tern_status_str((tern_status)9999), "unknown status");
    assert_string_equal(tern_status_name((tern_status)9999), "TERN_STATUS_UNKNOWN");
    assert_string_equal(tern_status_name(TERN_STATUS_COUNT), "TERN_STATUS_UNKNOWN");
    assert_string_equal(tern_packet_name(TERN_PUBLISH), "PUBLISH");
    assert_string_equal(tern_packet_name(99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(varint_round_trips_at_every_boundary),
        cmocka_unit_test(varint_rejects_fifth_byte_and_overlong_forms),
        cmocka_unit_test(header_reports_type_flags_and_length),
        cmocka_unit_test(utf8_accepts_valid_text),
        cmocka_unit_test(utf8_rejections_each_have_their_status),
        cmocka_unit_test(every_status_has_a_string_and_a_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
