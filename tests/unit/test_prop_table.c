/* The per-packet property table of MQTT 5.0 (section 2.2.2.2, table 2-4), transcribed here on
 * its own, against the codec both ways: every property identifier in every packet (and the
 * will properties) is accepted by the decoder and the encoder exactly where the table allows
 * it. The rules that depend on who sends the packet are checked on the packet encoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tern/codec.h"

#if TERN_CFG_MQTT5
#define IN(t) (1u << (t))
#define WILL IN(TERN_PROP_CTX_WILL)
#define ACKS (IN(TERN_PUBACK) | IN(TERN_PUBREC) | IN(TERN_PUBREL) | IN(TERN_PUBCOMP))

typedef struct {
    uint8_t id;
    uint8_t value[8]; /* a valid encoded value */
    uint8_t value_len;
    uint16_t packets; /* bit n: packet type n; bit 0: will properties */
} spec_row;

/* Table 2-4, row by row. */
static const spec_row SPEC[] = {
    {0x01, {1}, 1, IN(TERN_PUBLISH) | WILL},
    {0x02, {0, 0, 0, 9}, 4, IN(TERN_PUBLISH) | WILL},
    {0x03, {0, 1, 'x'}, 3, IN(TERN_PUBLISH) | WILL},
    {0x08, {0, 1, 'x'}, 3, IN(TERN_PUBLISH) | WILL},
    {0x09, {0, 1, 7}, 3, IN(TERN_PUBLISH) | WILL},
    {0x0B, {5}, 1, IN(TERN_PUBLISH) | IN(TERN_SUBSCRIBE)},
    {0x11, {0, 0, 0, 9}, 4, IN(TERN_CONNECT) | IN(TERN_CONNACK) | IN(TERN_DISCONNECT)},
    {0x12, {0, 1, 'x'}, 3, IN(TERN_CONNACK)},
    {0x13, {0, 9}, 2, IN(TERN_CONNACK)},
    {0x15, {0, 1, 'x'}, 3, IN(TERN_CONNECT) | IN(TERN_CONNACK) | IN(TERN_AUTH)},
    {0x16, {0, 1, 7}, 3, IN(TERN_CONNECT) | IN(TERN_CONNACK) | IN(TERN_AUTH)},
    {0x17, {1}, 1, IN(TERN_CONNECT)},
    {0x18, {0, 0, 0, 9}, 4, WILL},
    {0x19, {1}, 1, IN(TERN_CONNECT)},
    {0x1A, {0, 1, 'x'}, 3, IN(TERN_CONNACK)},
    {0x1C, {0, 1, 'x'}, 3, IN(TERN_CONNACK) | IN(TERN_DISCONNECT)},
    {0x1F, {0, 1, 'x'}, 3, IN(TERN_CONNACK) | ACKS | IN(TERN_SUBACK) | IN(TERN_UNSUBACK) |
                               IN(TERN_DISCONNECT) | IN(TERN_AUTH)},
    {0x21, {0, 9}, 2, IN(TERN_CONNECT) | IN(TERN_CONNACK)},
    {0x22, {0, 9}, 2, IN(TERN_CONNECT) | IN(TERN_CONNACK)},
    {0x23, {0, 9}, 2, IN(TERN_PUBLISH)},
    {0x24, {1}, 1, IN(TERN_CONNACK)},
    {0x25, {1}, 1, IN(TERN_CONNACK)},
    {0x26, {0, 1, 'k', 0, 1, 'v'}, 6, IN(TERN_CONNECT) | IN(TERN_CONNACK) | IN(TERN_PUBLISH) | WILL |
                                          ACKS | IN(TERN_SUBSCRIBE) | IN(TERN_SUBACK) |
                                          IN(TERN_UNSUBSCRIBE) | IN(TERN_UNSUBACK) |
                                          IN(TERN_DISCONNECT) | IN(TERN_AUTH)},
    {0x27, {0, 0, 1, 0}, 4, IN(TERN_CONNECT) | IN(TERN_CONNACK)},
    {0x28, {1}, 1, IN(TERN_CONNACK)},
    {0x29, {1}, 1, IN(TERN_CONNACK)},
    {0x2A, {1}, 1, IN(TERN_CONNACK)},
};
#define ROWS (sizeof SPEC / sizeof SPEC[0])

/* A property block holding the one property of row r. */
static size_t block_of(const spec_row *r, uint8_t *out)
{
    out[0] = (uint8_t)(1 + r->value_len);
    out[1] = r->id;
    memcpy(out + 2, r->value, r->value_len);
    return 2u + r->value_len;
}

static uint8_t some_context(const spec_row *r)
{
    for (uint8_t ctx = 0; ctx <= TERN_AUTH; ctx++)
        if (r->packets & IN(ctx)) return ctx;
    fail();
    return 0;
}

static void decoder_follows_the_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ROWS; i++) {
        uint8_t block[16];
        size_t len = block_of(&SPEC[i], block);
        for (uint8_t ctx = 0; ctx <= TERN_AUTH; ctx++) {
            tern_props out;
            tern_status want = (SPEC[i].packets & IN(ctx)) ? TERN_OK : TERN_ERR_PROP_NOT_ALLOWED;
            tern_status got = tern_props_decode(block, len, ctx, &out, NULL);
            if (got != want) fail_msg("property 0x%02x in context %u: %s", SPEC[i].id, ctx, tern_status_name(got));
        }
    }
}

static void encoder_follows_the_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ROWS; i++) {
        uint8_t block[16];
        size_t len = block_of(&SPEC[i], block);
        tern_props props;
        assert_int_equal(tern_props_decode(block, len, some_context(&SPEC[i]), &props, NULL), TERN_OK);
        tern_user_prop user = {{(const uint8_t *)"k", 1}, {(const uint8_t *)"v", 1}};
        if (SPEC[i].id == TERN_PROP_USER_PROPERTY) props.user_props = &user;
        for (uint8_t ctx = 0; ctx <= TERN_AUTH; ctx++) {
            size_t size = 0;
            tern_status want = (SPEC[i].packets & IN(ctx)) ? TERN_OK : TERN_ERR_PROP_NOT_ALLOWED;
            tern_status got = tern_props_size(&props, ctx, &size);
            if (got != want) fail_msg("property 0x%02x in context %u: %s", SPEC[i].id, ctx, tern_status_name(got));
            if (got == TERN_OK) assert_int_equal(size, len);
        }
    }
}

static void identifiers_outside_the_table_are_unknown(void **state)
{
    (void)state;
    for (unsigned id = 0; id < 0x80; id++) {
        int listed = 0;
        for (size_t i = 0; i < ROWS; i++) listed |= SPEC[i].id == id;
        if (listed) continue;
        uint8_t block[] = {2, (uint8_t)id, 0};
        for (uint8_t ctx = 0; ctx <= TERN_AUTH; ctx++)
            assert_int_equal(tern_props_decode(block, sizeof block, ctx, NULL, NULL), TERN_ERR_PROP_UNKNOWN);
    }
}

/* MQTT-3.3.4-6: a client's PUBLISH carries no Subscription Identifier; a server's may. */
static void subscription_identifier_only_from_the_server(void **state)
{
    (void)state;
    tern_props props = {.present = TERN_PROP_BIT(TERN_PROP_SUBSCRIPTION_ID), .subscription_id = 5};
    tern_publish p = {.topic = {(const uint8_t *)"t", 1}, .props = &props};
    uint8_t buf[32];
    size_t n = 777;
    assert_int_equal(tern_codec_size_publish(&p, TERN_MQTT_5, &n), TERN_ERR_PROP_SERVER_ONLY);
    assert_int_equal(tern_codec_encode_publish(&p, TERN_MQTT_5, buf, sizeof buf, &n), TERN_ERR_PROP_SERVER_ONLY);
    assert_int_equal(n, 777);
    assert_string_equal(tern_status_name(TERN_ERR_PROP_SERVER_ONLY), "TERN_ERR_PROP_SERVER_ONLY");
#if TERN_CFG_SERVER_SIDE
    assert_int_equal(tern_codec_encode_publish_from_server(&p, TERN_MQTT_5, buf, sizeof buf, &n), TERN_OK);
    tern_props back;
    tern_publish d = {.props_store = &back};
    assert_int_equal(tern_codec_decode_publish(buf, n, TERN_MQTT_5, &d), TERN_OK);
    assert_int_equal(back.subscription_id, 5);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decoder_follows_the_table),
        cmocka_unit_test(encoder_follows_the_table),
        cmocka_unit_test(identifiers_outside_the_table_are_unknown),
        cmocka_unit_test(subscription_identifier_only_from_the_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void) { return 0; } /* MQTT 3.1.1 only: no properties */
#endif
