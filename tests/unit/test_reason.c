/* Reason code names and which packets may carry each code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tern/codec.h"

#if TERN_CFG_MQTT5

static void names_follow_the_spec_wording(void **state)
{
    (void)state;
    assert_string_equal(tern_reason_str(0x00, TERN_CONNACK, TERN_MQTT_5), "Success");
    assert_string_equal(tern_reason_str(0x00, TERN_PUBACK, TERN_MQTT_5), "Success");
    assert_string_equal(tern_reason_str(0x00, TERN_AUTH, TERN_MQTT_5), "Success");
    assert_string_equal(tern_reason_str(0x00, TERN_DISCONNECT, TERN_MQTT_5), "Normal disconnection");
    assert_string_equal(tern_reason_str(0x00, TERN_SUBACK, TERN_MQTT_5), "Granted QoS 0");
    assert_string_equal(tern_reason_str(0x01, TERN_SUBACK, TERN_MQTT_5), "Granted QoS 1");
    assert_string_equal(tern_reason_str(0x02, TERN_SUBACK, TERN_MQTT_5), "Granted QoS 2");
    assert_string_equal(tern_reason_str(0x04, TERN_DISCONNECT, TERN_MQTT_5),
                        "Disconnect with Will Message");
    assert_string_equal(tern_reason_str(0x19, TERN_AUTH, TERN_MQTT_5), "Re-authenticate");
    assert_string_equal(tern_reason_str(0x80, TERN_SUBACK, TERN_MQTT_5), "Unspecified error");
    assert_string_equal(tern_reason_str(0x86, TERN_CONNACK, TERN_MQTT_5), "Bad User Name or Password");
    assert_string_equal(tern_reason_str(0x87, TERN_PUBACK, TERN_MQTT_5), "Not authorized");
    assert_string_equal(tern_reason_str(0x8C, TERN_CONNACK, TERN_MQTT_5), "Bad authentication method");
    assert_string_equal(tern_reason_str(0x92, TERN_PUBREL, TERN_MQTT_5), "Packet Identifier not found");
    assert_string_equal(tern_reason_str(0x9E, TERN_SUBACK, TERN_MQTT_5),
                        "Shared Subscriptions not supported");
    assert_string_equal(tern_reason_str(0xA2, TERN_DISCONNECT, TERN_MQTT_5),
                        "Wildcard Subscriptions not supported");
    /* The name does not depend on whether the packet may carry the code. */
    assert_string_equal(tern_reason_str(0x04, TERN_CONNACK, TERN_MQTT_5),
                        "Disconnect with Will Message");
}

#endif /* TERN_CFG_MQTT5 */

static void mqtt311_connack_codes_have_their_own_names(void **state)
{
    (void)state;
    static const char *const names[] = {
        "Connection Accepted",
        "Connection Refused, unacceptable protocol version",
        "Connection Refused, identifier rejected",
        "Connection Refused, Server unavailable",
        "Connection Refused, bad user name or password",
        "Connection Refused, not authorized",
    };
    for (uint8_t code = 0; code < 6; code++)
        assert_string_equal(tern_reason_str(code, TERN_CONNACK, TERN_MQTT_311), names[code]);
    assert_string_equal(tern_reason_str(6, TERN_CONNACK, TERN_MQTT_311), "Unknown reason code");
    assert_string_equal(tern_reason_str(0x87, TERN_CONNACK, TERN_MQTT_311), "Unknown reason code");
#if TERN_CFG_MQTT5
    /* Only 3.1.1 CONNACK differs: in MQTT 5 code 1 is "Granted QoS 1" (a SUBACK code). */
    assert_string_equal(tern_reason_str(1, TERN_CONNACK, TERN_MQTT_5), "Granted QoS 1");
    assert_string_equal(tern_reason_str(0x01, TERN_SUBACK, TERN_MQTT_311), "Granted QoS 1");
#else
    /* Without MQTT 5 nothing else has a name, and no code is an MQTT 5 reason code. */
    assert_string_equal(tern_reason_str(0x00, TERN_SUBACK, TERN_MQTT_311), "Unknown reason code");
    assert_false(tern_reason_valid(0x00, TERN_CONNACK));
#endif
}

#if TERN_CFG_MQTT5

static void unknown_codes_get_a_name_too(void **state)
{
    (void)state;
    static const uint8_t unknown[] = {0x03, 0x05, 0x12, 0x17, 0x1A, 0x7F, 0xA3, 0xFF};
    for (size_t i = 0; i < sizeof unknown; i++) {
        assert_string_equal(tern_reason_str(unknown[i], TERN_DISCONNECT, TERN_MQTT_5),
                            "Unknown reason code");
        for (int packet = 0; packet < 16; packet++)
            assert_false(tern_reason_valid(unknown[i], (tern_packet_type)packet));
    }
}

static int code_in(const uint8_t *codes, size_t n, uint8_t code)
{
    for (size_t i = 0; i < n; i++)
        if (codes[i] == code) return 1;
    return 0;
}

static void each_packet_carries_exactly_its_codes(void **state)
{
    (void)state;
    /* MQTT 5.0 sections 3.2.2.2, 3.4.2.1, 3.5.2.1, 3.6.2.1, 3.7.2.1, 3.9.3, 3.11.3,
     * 3.14.2.1 (plus 0x8C, which table 2-6 lists for DISCONNECT) and 3.15.2.1. */
    static const uint8_t connack[] = {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
                                      0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A,
                                      0x9B, 0x9C, 0x9D, 0x9F};
    static const uint8_t puback[] = {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
    static const uint8_t pubrel[] = {0x00, 0x92};
    static const uint8_t suback[] = {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97,
                                     0x9E, 0xA1, 0xA2};
    static const uint8_t unsuback[] = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
    static const uint8_t disconnect[] = {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B,
                                         0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96,
                                         0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F,
                                         0xA0, 0xA1, 0xA2};
    static const uint8_t auth[] = {0x00, 0x18, 0x19};
    static const struct { tern_packet_type packet; const uint8_t *codes; size_t n; } table[] = {
        {TERN_CONNACK, connack, sizeof connack},       {TERN_PUBACK, puback, sizeof puback},
        {TERN_PUBREC, puback, sizeof puback},          {TERN_PUBREL, pubrel, sizeof pubrel},
        {TERN_PUBCOMP, pubrel, sizeof pubrel},         {TERN_SUBACK, suback, sizeof suback},
        {TERN_UNSUBACK, unsuback, sizeof unsuback},    {TERN_DISCONNECT, disconnect, sizeof disconnect},
        {TERN_AUTH, auth, sizeof auth},
    };
    for (size_t t = 0; t < sizeof table / sizeof table[0]; t++) {
        for (unsigned code = 0; code < 256; code++) {
            int want = code_in(table[t].codes, table[t].n, (uint8_t)code);
            if (tern_reason_valid((uint8_t)code, table[t].packet) != want)
                fail_msg("code 0x%02x in %s: want %s", code, tern_packet_name((uint8_t)table[t].packet),
                         want ? "valid" : "invalid");
        }
    }
    /* Packets without a reason code accept none. */
    static const tern_packet_type none[] = {TERN_CONNECT, TERN_PUBLISH, TERN_SUBSCRIBE,
                                            TERN_UNSUBSCRIBE, TERN_PINGREQ, TERN_PINGRESP};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        for (unsigned code = 0; code < 256; code++)
            assert_false(tern_reason_valid((uint8_t)code, none[i]));
    assert_false(tern_reason_valid(0x00, (tern_packet_type)0));
    assert_false(tern_reason_valid(0x00, (tern_packet_type)16));
    assert_false(tern_reason_valid(0x00, (tern_packet_type)255));
}

static void every_valid_code_has_a_real_name(void **state)
{
    (void)state;
    for (unsigned code = 0; code < 256; code++) {
        int valid_somewhere = 0;
        for (int packet = 1; packet < 16; packet++)
            valid_somewhere |= tern_reason_valid((uint8_t)code, (tern_packet_type)packet);
        const char *name = tern_reason_str((uint8_t)code, TERN_DISCONNECT, TERN_MQTT_5);
        assert_non_null(name);
        assert_int_equal(strcmp(name, "Unknown reason code") != 0, valid_somewhere);
    }
}

#endif /* TERN_CFG_MQTT5 */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mqtt311_connack_codes_have_their_own_names),
#if TERN_CFG_MQTT5
        cmocka_unit_test(names_follow_the_spec_wording),
        cmocka_unit_test(unknown_codes_get_a_name_too),
        cmocka_unit_test(each_packet_carries_exactly_its_codes),
        cmocka_unit_test(every_valid_code_has_a_real_name),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
