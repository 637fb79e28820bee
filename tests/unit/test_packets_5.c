/* MQTT 5.0 packets: byte-exact vectors both ways (the spec's worked examples among them),
 * properties of every packet, short forms, every prefix, and every rejection with its
 * status, by the encoder and the decoder alike. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "support/packet_vectors.h"

#if TERN_CFG_MQTT5

#define V5 TERN_MQTT_5
#define BIT(id) TERN_PROP_BIT(id)

static int bytes_equal(tern_bytes b, const char *s)
{
    return b.len == strlen(s) && (b.len == 0 || memcmp(b.data, s, b.len) == 0);
}
#define assert_bytes(b, s) assert_true(bytes_equal((b), (s)))

/* The user properties of a decoded block, in order. */
static size_t user_props_of(const tern_props *props, tern_user_prop *out, size_t cap)
{
    size_t offset = 0, n = 0;
    tern_prop prop;
    while (tern_props_next(props->raw, &offset, &prop) == TERN_OK)
        if (prop.id == TERN_PROP_USER_PROPERTY && n < cap)
            out[n++] = (tern_user_prop){prop.bytes, prop.value2};
    return n;
}

/* ------------------------------------------------------------ CONNECT */

/* The variable header non-normative example of 5.0 3.1.2.12: level 5, flags 0xCE, keep alive 10,
 * Session Expiry Interval 10; then a will with properties, user name and password. */
static const uint8_t connect_ce[] = {
    0x10, 0x39, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0xCE, 0x00, 0x0A,
    0x05, 0x11, 0x00, 0x00, 0x00, 0x0A,
    0x00, 0x04, 't', 'e', 'r', 'n',
    0x0E, 0x01, 0x01, 0x18, 0x00, 0x00, 0x00, 0x05, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',
    0x00, 0x03, 'w', '/', 't',
    0x00, 0x03, 'b', 'y', 'e',
    0x00, 0x04, 'u', 's', 'e', 'r',
    0x00, 0x02, 'p', 'w'};

static void connect_spec_example_with_will_properties(void **state)
{
    (void)state;
    tern_user_prop kv = {STR("k"), STR("v")};
    tern_props props = {.present = BIT(TERN_PROP_SESSION_EXPIRY), .session_expiry = 10};
    tern_props will = {.present = BIT(TERN_PROP_PAYLOAD_FORMAT) | BIT(TERN_PROP_WILL_DELAY),
                       .payload_format = 1, .will_delay = 5, .user_props = &kv,
                       .user_prop_count = 1};
    tern_connect p = {.version = V5, .client_id = STR("tern"), .keep_alive = 10,
                      .clean_start = 1, .has_will = 1, .will_qos = 1, .will_topic = STR("w/t"),
                      .will_payload = STR("bye"), .has_username = 1, .username = STR("user"),
                      .has_password = 1, .password = STR("pw"), .props = &props,
                      .will_props = &will};
    pv_check_vector(PK_CONNECT, &p, V5, connect_ce, sizeof connect_ce);

    tern_props dp, dw;
    tern_connect d = {.props_store = &dp, .will_props_store = &dw};
    assert_int_equal(tern_codec_decode_connect(connect_ce, sizeof connect_ce, &d), TERN_OK);
    assert_ptr_equal(d.props, &dp);
    assert_ptr_equal(d.will_props, &dw);
    assert_int_equal(d.version, V5);
    assert_int_equal(d.keep_alive, 10);
    assert_int_equal(d.will_qos, 1);
    assert_true(d.clean_start && d.has_will && d.has_username && d.has_password);
    assert_int_equal(dp.present, BIT(TERN_PROP_SESSION_EXPIRY));
    assert_int_equal(dp.session_expiry, 10);
    assert_int_equal(dw.present, BIT(TERN_PROP_PAYLOAD_FORMAT) | BIT(TERN_PROP_WILL_DELAY) |
                                     BIT(TERN_PROP_USER_PROPERTY));
    assert_int_equal(dw.payload_format, 1);
    assert_int_equal(dw.will_delay, 5);
    tern_user_prop up[2];
    assert_int_equal(user_props_of(&dw, up, 2), 1);
    assert_bytes(up[0].key, "k");
    assert_bytes(up[0].value, "v");
    assert_bytes(d.client_id, "tern");
    assert_bytes(d.will_topic, "w/t");
    assert_bytes(d.will_payload, "bye");
    assert_bytes(d.username, "user");
    assert_bytes(d.password, "pw");
}

static void connect_minimal_and_password_alone(void **state)
{
    (void)state;
    static const uint8_t minimal[] = {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02,
                                      0x00, 0x3C, 0x00, 0x00, 0x00};
    tern_connect p = {.version = V5, .clean_start = 1, .keep_alive = 60};
    pv_check_vector(PK_CONNECT, &p, V5, minimal, sizeof minimal);

    /* 5.0 3.1.2.9 allows a password without a user name; 3.1.1 does not. */
    static const uint8_t password[] = {0x10, 0x11, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x42,
                                       0x00, 0x3C, 0x00, 0x00, 0x00, 0x00, 0x02, 'p', 'w'};
    p = (tern_connect){.version = V5, .clean_start = 1, .keep_alive = 60, .has_password = 1,
                       .password = STR("pw")};
    pv_check_vector(PK_CONNECT, &p, V5, password, sizeof password);
    p.version = TERN_MQTT_311;
    pv_check_encode_fails(PK_CONNECT, &p, TERN_MQTT_311, TERN_ERR_CONNECT_FLAGS);

    /* Without a will there are no will properties: stale ones are cleared, not kept. */
    tern_props dp, dw = {.present = BIT(TERN_PROP_WILL_DELAY), .will_delay = 9};
    tern_connect d = {.props_store = &dp, .will_props_store = &dw};
    assert_int_equal(tern_codec_decode_connect(minimal, sizeof minimal, &d), TERN_OK);
    assert_int_equal(dw.present, 0);
    assert_int_equal(dp.present, 0);
    /* A 5.0 empty client id without clean start is the broker's call (it assigns one). */
    p = (tern_connect){.version = V5, .keep_alive = 60};
    size_t size = 0;
    assert_int_equal(tern_codec_size_connect(&p, &size), TERN_OK);
}

static void connect_rejections(void **state)
{
    (void)state;
    static const uint8_t alias[] = {0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02,
                                    0x00, 0x3C, 0x03, 0x23, 0x00, 0x01, 0x00, 0x00};
    pv_check_decode_fails(PK_CONNECT, V5, alias, sizeof alias, TERN_ERR_PROP_NOT_ALLOWED);
    static const uint8_t will_session[] = {
        0x10, 0x19, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x06, 0x00, 0x3C, 0x00,
        0x00, 0x01, 'c', 0x05, 0x11, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00};
    pv_check_decode_fails(PK_CONNECT, V5, will_session, sizeof will_session,
                          TERN_ERR_PROP_NOT_ALLOWED);
    static const uint8_t long_props[] = {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02,
                                         0x00, 0x3C, 0x05, 0x00, 0x00};
    pv_check_decode_fails(PK_CONNECT, V5, long_props, sizeof long_props, TERN_ERR_PROP_LENGTH);
    static const uint8_t no_props[] = {0x10, 0x0A, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02,
                                       0x00, 0x3C};
    pv_check_decode_fails(PK_CONNECT, V5, no_props, sizeof no_props, TERN_ERR_REMAINING_LENGTH);
    static const uint8_t reserved[] = {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x01,
                                       0x00, 0x3C, 0x00, 0x00, 0x00};
    pv_check_decode_fails(PK_CONNECT, V5, reserved, sizeof reserved, TERN_ERR_CONNECT_FLAGS);

    tern_props bad = {.present = BIT(TERN_PROP_TOPIC_ALIAS), .topic_alias = 1};
    tern_connect p = {.version = V5, .clean_start = 1, .props = &bad};
    pv_check_encode_fails(PK_CONNECT, &p, V5, TERN_ERR_PROP_NOT_ALLOWED);
    tern_props session = {.present = BIT(TERN_PROP_SESSION_EXPIRY), .session_expiry = 1};
    p = (tern_connect){.version = V5, .client_id = STR("c"), .has_will = 1,
                       .will_topic = STR("t"), .will_props = &session};
    pv_check_encode_fails(PK_CONNECT, &p, V5, TERN_ERR_PROP_NOT_ALLOWED);
    p.will_qos = 3;
    pv_check_encode_fails(PK_CONNECT, &p, V5, TERN_ERR_QOS);
    p = (tern_connect){.version = V5, .will_retain = 1};
    pv_check_encode_fails(PK_CONNECT, &p, V5, TERN_ERR_CONNECT_FLAGS);
}

/* ------------------------------------------------------------ CONNACK */

static const uint8_t connack_server_props[] = {
    0x20, 0x24, 0x00, 0x00, 0x21,
    0x12, 0x00, 0x06, 'a', 'u', 't', 'o', '-', '1',
    0x13, 0x00, 0x3C,
    0x21, 0x00, 0x0A,
    0x22, 0x00, 0x05,
    0x24, 0x01,
    0x25, 0x00,
    0x27, 0x00, 0x00, 0x10, 0x00,
    0x28, 0x00,
    0x29, 0x01,
    0x2A, 0x00};

static void connack_with_server_properties(void **state)
{
    (void)state;
    tern_props props = {
        .present = BIT(TERN_PROP_ASSIGNED_CLIENT_ID) | BIT(TERN_PROP_SERVER_KEEP_ALIVE) |
                   BIT(TERN_PROP_RECEIVE_MAXIMUM) | BIT(TERN_PROP_TOPIC_ALIAS_MAXIMUM) |
                   BIT(TERN_PROP_MAXIMUM_QOS) | BIT(TERN_PROP_RETAIN_AVAILABLE) |
                   BIT(TERN_PROP_MAXIMUM_PACKET_SIZE) | BIT(TERN_PROP_WILDCARD_SUB_AVAILABLE) |
                   BIT(TERN_PROP_SUB_ID_AVAILABLE) | BIT(TERN_PROP_SHARED_SUB_AVAILABLE),
        .assigned_client_id = STR("auto-1"), .server_keep_alive = 60, .receive_maximum = 10,
        .topic_alias_maximum = 5, .maximum_qos = 1, .retain_available = 0,
        .maximum_packet_size = 4096, .wildcard_sub_available = 0, .sub_id_available = 1,
        .shared_sub_available = 0};
    tern_connack p = {.props = &props};
    pv_check_vector(PK_CONNACK, &p, V5, connack_server_props, sizeof connack_server_props);

    tern_props dp;
    tern_connack d = {.props_store = &dp};
    assert_int_equal(tern_codec_decode_connack(connack_server_props, sizeof connack_server_props,
                                               V5, &d),
                     TERN_OK);
    assert_int_equal(d.session_present, 0);
    assert_int_equal(d.reason_code, 0);
    assert_int_equal(dp.present, props.present);
    assert_bytes(dp.assigned_client_id, "auto-1");
    assert_int_equal(dp.server_keep_alive, 60);
    assert_int_equal(dp.receive_maximum, 10);
    assert_int_equal(dp.topic_alias_maximum, 5);
    assert_int_equal(dp.maximum_qos, 1);
    assert_int_equal(dp.maximum_packet_size, 4096);
    assert_int_equal(dp.sub_id_available, 1);
}

static void connack_short_and_refused(void **state)
{
    (void)state;
    static const uint8_t plain[] = {0x20, 0x03, 0x01, 0x00, 0x00};
    tern_connack p = {.session_present = 1};
    pv_check_vector(PK_CONNACK, &p, V5, plain, sizeof plain);

    static const uint8_t refused[] = {0x20, 0x08, 0x00, 0x87, 0x05, 0x1F, 0x00, 0x02, 'n', 'o'};
    tern_props why = {.present = BIT(TERN_PROP_REASON_STRING), .reason_string = STR("no")};
    p = (tern_connack){.reason_code = TERN_RC_NOT_AUTHORIZED, .props = &why};
    pv_check_vector(PK_CONNACK, &p, V5, refused, sizeof refused);
    tern_props dp;
    tern_connack d = {.props_store = &dp};
    assert_int_equal(tern_codec_decode_connack(refused, sizeof refused, V5, &d), TERN_OK);
    assert_int_equal(d.reason_code, TERN_RC_NOT_AUTHORIZED);
    assert_bytes(dp.reason_string, "no");
}

static void connack_rejections(void **state)
{
    (void)state;
    static const uint8_t granted_qos1[] = {0x20, 0x03, 0x00, 0x01, 0x00};
    static const uint8_t rc_311[] = {0x20, 0x03, 0x00, 0x05, 0x00};
    static const uint8_t session_refused[] = {0x20, 0x03, 0x01, 0x80, 0x00};
    static const uint8_t no_props[] = {0x20, 0x02, 0x00, 0x00};
    static const uint8_t alias[] = {0x20, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01};
    static const uint8_t flags[] = {0x20, 0x03, 0x04, 0x00, 0x00};
    pv_check_decode_fails(PK_CONNACK, V5, granted_qos1, 5, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_CONNACK, V5, rc_311, 5, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_CONNACK, V5, session_refused, 5, TERN_ERR_CONNACK_FLAGS);
    pv_check_decode_fails(PK_CONNACK, V5, no_props, 4, TERN_ERR_REMAINING_LENGTH);
    pv_check_decode_fails(PK_CONNACK, V5, alias, 8, TERN_ERR_PROP_NOT_ALLOWED);
    pv_check_decode_fails(PK_CONNACK, V5, flags, 5, TERN_ERR_CONNACK_FLAGS);

    tern_connack p = {.reason_code = TERN_RC_GRANTED_QOS_1};
    pv_check_encode_fails(PK_CONNACK, &p, V5, TERN_ERR_REASON_CODE);
    p = (tern_connack){.reason_code = TERN_RC_UNSPECIFIED_ERROR, .session_present = 1};
    pv_check_encode_fails(PK_CONNACK, &p, V5, TERN_ERR_CONNACK_FLAGS);
    tern_props alias_prop = {.present = BIT(TERN_PROP_TOPIC_ALIAS), .topic_alias = 1};
    p = (tern_connack){.props = &alias_prop};
    pv_check_encode_fails(PK_CONNACK, &p, V5, TERN_ERR_PROP_NOT_ALLOWED);
}

/* ------------------------------------------------------------ PUBLISH */

static const uint8_t publish_props[] = {
    0x32, 0x20, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A,
    0x16,
    0x08, 0x00, 0x01, 'r',
    0x09, 0x00, 0x02, 'c', 'd',
    0x0B, 0x81, 0x01,
    0x23, 0x00, 0x05,
    0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',
    'h', 'i'};

static void publish_with_request_response_properties(void **state)
{
    (void)state;
    tern_user_prop kv = {STR("k"), STR("v")};
    tern_props props = {.present = BIT(TERN_PROP_RESPONSE_TOPIC) |
                                   BIT(TERN_PROP_CORRELATION_DATA) |
                                   BIT(TERN_PROP_SUBSCRIPTION_ID) | BIT(TERN_PROP_TOPIC_ALIAS),
                        .response_topic = STR("r"), .correlation_data = STR("cd"),
                        .subscription_id = 129, .topic_alias = 5, .user_props = &kv,
                        .user_prop_count = 1};
    tern_publish p = {.topic = STR("a/b"), .payload = STR("hi"), .qos = 1, .packet_id = 10,
                      .props = &props};
    /* A broker's PUBLISH to a subscriber: a client must not send a Subscription Identifier
     * (MQTT-3.3.4-6), so only the server's encoder writes these bytes. */
    pv_check_decode_bounds(PK_PUBLISH, V5, publish_props, sizeof publish_props);
    pv_check_encode_fails(PK_PUBLISH, &p, V5, TERN_ERR_PROP_SERVER_ONLY);
    uint8_t out[sizeof publish_props + 1];
    size_t n = 0;
    assert_int_equal(tern_codec_encode_publish_from_server(&p, V5, out, sizeof out, &n), TERN_OK);
    assert_int_equal(n, sizeof publish_props);
    assert_memory_equal(out, publish_props, n);
    props.present &= ~BIT(TERN_PROP_SUBSCRIPTION_ID); /* the rest a client may send */
    assert_int_equal(tern_codec_encode_publish(&p, V5, out, sizeof out, &n), TERN_OK);
    assert_int_equal(n, sizeof publish_props - 3);

    tern_props dp;
    tern_publish d = {.props_store = &dp};
    assert_int_equal(tern_codec_decode_publish(publish_props, sizeof publish_props, V5, &d),
                     TERN_OK);
    assert_ptr_equal(d.props, &dp);
    assert_bytes(d.topic, "a/b");
    assert_int_equal(d.packet_id, 10);
    assert_int_equal(d.qos, 1);
    assert_bytes(d.payload, "hi");
    assert_ptr_equal(d.payload.data, publish_props + sizeof publish_props - 2);
    assert_bytes(dp.response_topic, "r");
    assert_bytes(dp.correlation_data, "cd");
    assert_int_equal(dp.subscription_id, 129);
    assert_int_equal(dp.topic_alias, 5);
    assert_int_equal(dp.user_prop_count, 1);
    assert_ptr_equal(dp.raw.data, publish_props + 10);
    assert_int_equal(dp.raw.len, 0x16);
}

static void publish_with_message_properties_and_empty_block(void **state)
{
    (void)state;
    static const uint8_t pkt[] = {0x30, 0x16, 0x00, 0x03, 'a', '/', 'b', 0x0E, 0x01, 0x01,
                                  0x02, 0x00, 0x00, 0x00, 0x3C, 0x03, 0x00, 0x04, 't', 'e',
                                  'x', 't', 'h', 'i'};
    tern_props props = {.present = BIT(TERN_PROP_PAYLOAD_FORMAT) | BIT(TERN_PROP_MESSAGE_EXPIRY) |
                                   BIT(TERN_PROP_CONTENT_TYPE),
                        .payload_format = 1, .message_expiry = 60, .content_type = STR("text")};
    tern_publish p = {.topic = STR("a/b"), .payload = STR("hi"), .props = &props};
    pv_check_vector(PK_PUBLISH, &p, V5, pkt, sizeof pkt);

    static const uint8_t plain[] = {0x30, 0x08, 0x00, 0x03, 'a', '/', 'b', 0x00, 'h', 'i'};
    p.props = NULL;
    pv_check_vector(PK_PUBLISH, &p, V5, plain, sizeof plain);
    tern_props empty = {0};
    p.props = &empty;
    pv_check_encode(PK_PUBLISH, &p, V5, plain, sizeof plain);
}

static void publish_with_two_subscription_ids(void **state)
{
    (void)state;
    static const uint8_t pkt[] = {0x30, 0x0C, 0x00, 0x03, 'a', '/', 'b', 0x05,
                                  0x0B, 0x01, 0x0B, 0x81, 0x01, 'x'};
    pv_check_decode_bounds(PK_PUBLISH, V5, pkt, sizeof pkt);
    tern_props dp;
    tern_publish d = {.props_store = &dp};
    assert_int_equal(tern_codec_decode_publish(pkt, sizeof pkt, V5, &d), TERN_OK);
    assert_int_equal(dp.subscription_id, 1);
    size_t offset = 0;
    tern_prop prop;
    uint32_t ids[2] = {0, 0};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(tern_props_next(dp.raw, &offset, &prop), TERN_OK);
        assert_int_equal(prop.id, TERN_PROP_SUBSCRIPTION_ID);
        ids[i] = prop.value;
    }
    assert_int_equal(tern_props_next(dp.raw, &offset, &prop), TERN_NEED_MORE);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], 129);
    assert_bytes(d.payload, "x");
}

static void publish_empty_topic_needs_a_topic_alias(void **state)
{
    (void)state;
    static const uint8_t alias_only[] = {0x30, 0x08, 0x00, 0x00, 0x03, 0x23, 0x00, 0x05,
                                         'h', 'i'};
    tern_props alias = {.present = BIT(TERN_PROP_TOPIC_ALIAS), .topic_alias = 5};
    tern_publish p = {.topic = STR(""), .payload = STR("hi"), .props = &alias};
    pv_check_vector(PK_PUBLISH, &p, V5, alias_only, sizeof alias_only);
    tern_props dp;
    tern_publish d = {.props_store = &dp};
    assert_int_equal(tern_codec_decode_publish(alias_only, sizeof alias_only, V5, &d), TERN_OK);
    assert_int_equal(d.topic.len, 0);
    assert_int_equal(dp.topic_alias, 5);

    /* 3.1.1 has no topic alias: an empty topic is always wrong there. */
    pv_check_encode_fails(PK_PUBLISH, &p, TERN_MQTT_311, TERN_ERR_TOPIC_EMPTY);
    pv_check_decode_fails(PK_PUBLISH, TERN_MQTT_311, alias_only, sizeof alias_only,
                          TERN_ERR_TOPIC_EMPTY);

    static const uint8_t no_alias[] = {0x30, 0x05, 0x00, 0x00, 0x00, 'h', 'i'};
    pv_check_decode_fails(PK_PUBLISH, V5, no_alias, sizeof no_alias, TERN_ERR_TOPIC_EMPTY);
    p.props = NULL;
    pv_check_encode_fails(PK_PUBLISH, &p, V5, TERN_ERR_TOPIC_EMPTY);
    tern_props other = {.present = BIT(TERN_PROP_MESSAGE_EXPIRY), .message_expiry = 1};
    p.props = &other;
    pv_check_encode_fails(PK_PUBLISH, &p, V5, TERN_ERR_TOPIC_EMPTY);
}

static void publish_rejections(void **state)
{
    (void)state;
    static const uint8_t session[] = {0x30, 0x0B, 0x00, 0x03, 'a', '/', 'b',
                                      0x05, 0x11, 0x00, 0x00, 0x00, 0x01};
    static const uint8_t alias0[] = {0x30, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x03, 0x23, 0x00,
                                     0x00};
    static const uint8_t twice[] = {0x30, 0x0C, 0x00, 0x03, 'a', '/', 'b', 0x06,
                                    0x23, 0x00, 0x01, 0x23, 0x00, 0x02};
    static const uint8_t past_end[] = {0x30, 0x06, 0x00, 0x03, 'a', '/', 'b', 0x05};
    static const uint8_t unknown[] = {0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x01, 0x7F};
    static const uint8_t no_block[] = {0x30, 0x05, 0x00, 0x03, 'a', '/', 'b'};
    static const uint8_t wildcard[] = {0x30, 0x06, 0x00, 0x03, 'a', '/', '#', 0x00};
    static const uint8_t dup_qos0[] = {0x38, 0x06, 0x00, 0x03, 'a', '/', 'b', 0x00};
    pv_check_decode_fails(PK_PUBLISH, V5, session, sizeof session, TERN_ERR_PROP_NOT_ALLOWED);
    pv_check_decode_fails(PK_PUBLISH, V5, alias0, sizeof alias0, TERN_ERR_PROP_VALUE);
    pv_check_decode_fails(PK_PUBLISH, V5, twice, sizeof twice, TERN_ERR_PROP_DUPLICATE);
    pv_check_decode_fails(PK_PUBLISH, V5, past_end, sizeof past_end, TERN_ERR_PROP_LENGTH);
    pv_check_decode_fails(PK_PUBLISH, V5, unknown, sizeof unknown, TERN_ERR_PROP_UNKNOWN);
    pv_check_decode_fails(PK_PUBLISH, V5, no_block, sizeof no_block, TERN_ERR_REMAINING_LENGTH);
    pv_check_decode_fails(PK_PUBLISH, V5, wildcard, sizeof wildcard, TERN_ERR_TOPIC_WILDCARD);
    pv_check_decode_fails(PK_PUBLISH, V5, dup_qos0, sizeof dup_qos0, TERN_ERR_FIXED_FLAGS);

    tern_props bad = {.present = BIT(TERN_PROP_SESSION_EXPIRY), .session_expiry = 1};
    tern_publish p = {.topic = STR("a/b"), .props = &bad};
    pv_check_encode_fails(PK_PUBLISH, &p, V5, TERN_ERR_PROP_NOT_ALLOWED);
    tern_props zero_alias = {.present = BIT(TERN_PROP_TOPIC_ALIAS), .topic_alias = 0};
    p.props = &zero_alias;
    pv_check_encode_fails(PK_PUBLISH, &p, V5, TERN_ERR_PROP_VALUE);
    p = (tern_publish){.topic = STR("a/b"), .qos = 2};
    pv_check_encode_fails(PK_PUBLISH, &p, V5, TERN_ERR_PACKET_ID);
}

/* ------------------------------------------------------------ PUBACK, PUBREC, PUBREL, PUBCOMP */

static void ack_short_forms(void **state)
{
    (void)state;
    static const uint8_t success[] = {0x40, 0x02, 0x00, 0x0A};
    tern_ack p = {.type = TERN_PUBACK, .packet_id = 10};
    pv_check_vector(PK_ACK, &p, V5, success, sizeof success);
    tern_props empty = {0};
    p.props = &empty;
    pv_check_encode(PK_ACK, &p, V5, success, sizeof success);

    static const uint8_t no_subscribers[] = {0x40, 0x03, 0x00, 0x0A, 0x10};
    p = (tern_ack){.type = TERN_PUBACK, .packet_id = 10,
                   .reason_code = TERN_RC_NO_MATCHING_SUBSCRIBERS};
    pv_check_vector(PK_ACK, &p, V5, no_subscribers, sizeof no_subscribers);
    static const uint8_t not_found[] = {0x62, 0x03, 0x00, 0x0A, 0x92};
    p = (tern_ack){.type = TERN_PUBREL, .packet_id = 10,
                   .reason_code = TERN_RC_PACKET_ID_NOT_FOUND};
    pv_check_vector(PK_ACK, &p, V5, not_found, sizeof not_found);

    /* The long form of "success, nothing to add" is accepted too. */
    static const uint8_t long_success[] = {0x50, 0x04, 0x00, 0x0A, 0x00, 0x00};
    pv_check_decode_bounds(PK_ACK, V5, long_success, sizeof long_success);
    tern_props dp = {.present = BIT(TERN_PROP_REASON_STRING)};
    tern_ack d = {.props_store = &dp};
    assert_int_equal(tern_codec_decode_ack(not_found, sizeof not_found, V5, &d), TERN_OK);
    assert_int_equal(d.type, TERN_PUBREL);
    assert_int_equal(d.reason_code, TERN_RC_PACKET_ID_NOT_FOUND);
    assert_int_equal(dp.present, 0); /* no block: nothing stale is left */
}

static void ack_with_properties(void **state)
{
    (void)state;
    static const uint8_t pubrec[] = {0x50, 0x0B, 0x00, 0x0A, 0x80, 0x07, 0x1F, 0x00, 0x04,
                                     'o', 'o', 'p', 's'};
    tern_props why = {.present = BIT(TERN_PROP_REASON_STRING), .reason_string = STR("oops")};
    tern_ack p = {.type = TERN_PUBREC, .packet_id = 10,
                  .reason_code = TERN_RC_UNSPECIFIED_ERROR, .props = &why};
    pv_check_vector(PK_ACK, &p, V5, pubrec, sizeof pubrec);
    tern_props dp;
    tern_ack d = {.props_store = &dp};
    assert_int_equal(tern_codec_decode_ack(pubrec, sizeof pubrec, V5, &d), TERN_OK);
    assert_int_equal(d.type, TERN_PUBREC);
    assert_int_equal(d.reason_code, TERN_RC_UNSPECIFIED_ERROR);
    assert_bytes(dp.reason_string, "oops");

    /* Reason 0 is written when properties follow it. */
    static const uint8_t pubcomp[] = {0x70, 0x0B, 0x00, 0x0A, 0x00, 0x07,
                                      0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v'};
    tern_user_prop kv = {STR("k"), STR("v")};
    tern_props user = {.user_props = &kv, .user_prop_count = 1};
    p = (tern_ack){.type = TERN_PUBCOMP, .packet_id = 10, .props = &user};
    pv_check_vector(PK_ACK, &p, V5, pubcomp, sizeof pubcomp);
}

static void ack_rejections(void **state)
{
    (void)state;
    static const uint8_t puback_04[] = {0x40, 0x03, 0x00, 0x0A, 0x04};
    static const uint8_t pubrel_80[] = {0x62, 0x03, 0x00, 0x0A, 0x80};
    static const uint8_t pubcomp_10[] = {0x70, 0x03, 0x00, 0x0A, 0x10};
    static const uint8_t alias[] = {0x40, 0x07, 0x00, 0x0A, 0x00, 0x03, 0x23, 0x00, 0x01};
    static const uint8_t past_end[] = {0x40, 0x04, 0x00, 0x0A, 0x00, 0x05};
    static const uint8_t pid0[] = {0x40, 0x03, 0x00, 0x00, 0x10};
    pv_check_decode_fails(PK_ACK, V5, puback_04, 5, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_ACK, V5, pubrel_80, 5, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_ACK, V5, pubcomp_10, 5, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_ACK, V5, alias, 9, TERN_ERR_PROP_NOT_ALLOWED);
    pv_check_decode_fails(PK_ACK, V5, past_end, 6, TERN_ERR_PROP_LENGTH);
    pv_check_decode_fails(PK_ACK, V5, pid0, 5, TERN_ERR_PACKET_ID);

    tern_ack p = {.type = TERN_PUBACK, .packet_id = 10, .reason_code = 0x04};
    pv_check_encode_fails(PK_ACK, &p, V5, TERN_ERR_REASON_CODE);
    p = (tern_ack){.type = TERN_PUBREL, .packet_id = 10, .reason_code = 0x80};
    pv_check_encode_fails(PK_ACK, &p, V5, TERN_ERR_REASON_CODE);
    tern_props alias_prop = {.present = BIT(TERN_PROP_TOPIC_ALIAS), .topic_alias = 1};
    p = (tern_ack){.type = TERN_PUBACK, .packet_id = 10, .props = &alias_prop};
    pv_check_encode_fails(PK_ACK, &p, V5, TERN_ERR_PROP_NOT_ALLOWED);
}

/* ------------------------------------------------------------ SUBSCRIBE, UNSUBSCRIBE */

static const uint8_t subscribe_props[] = {
    0x82, 0x1A, 0x00, 0x0A, 0x02, 0x0B, 0x05,
    0x00, 0x03, 'a', '/', 'b', 0x2D,
    0x00, 0x0C, '$', 's', 'h', 'a', 'r', 'e', '/', 'g', '/', 'c', '/', 'd', 0x00};

static void subscribe_with_options_and_subscription_id(void **state)
{
    (void)state;
    /* QoS 1, No Local, Retain As Published, Retain Handling 2. */
    tern_subscription entries[] = {{STR("a/b"), 0x2D}, {STR("$share/g/c/d"), 0x00}};
    tern_props id = {.present = BIT(TERN_PROP_SUBSCRIPTION_ID), .subscription_id = 5};
    tern_subscribe p = {.entries = entries, .count = 2, .packet_id = 10, .props = &id};
    pv_check_vector(PK_SUBSCRIBE, &p, V5, subscribe_props, sizeof subscribe_props);

    tern_subscription e[2];
    tern_props dp;
    tern_subscribe d = {.entries_store = e, .entries_capacity = 2, .props_store = &dp};
    assert_int_equal(
        tern_codec_decode_subscribe(subscribe_props, sizeof subscribe_props, V5, &d), TERN_OK);
    assert_int_equal(d.count, 2);
    assert_int_equal(dp.subscription_id, 5);
    assert_int_equal(e[0].options, 0x2D);
    assert_bytes(e[1].filter, "$share/g/c/d");
    /* The same options are reserved bits in 3.1.1. */
    pv_check_encode_fails(PK_SUBSCRIBE, &p, TERN_MQTT_311, TERN_ERR_SUB_OPTIONS);
}

static void subscribe_entry_with(uint8_t options, tern_bytes filter, tern_status status)
{
    tern_subscription e = {filter, options};
    tern_subscribe p = {.entries = &e, .count = 1, .packet_id = 10};
    pv_check_encode_fails(PK_SUBSCRIBE, &p, V5, status);
    uint8_t pkt[64] = {0x82, (uint8_t)(6 + filter.len), 0x00, 0x0A, 0x00, 0x00,
                       (uint8_t)filter.len};
    memcpy(pkt + 7, filter.data, filter.len);
    pkt[7 + filter.len] = options;
    pv_check_decode_fails(PK_SUBSCRIBE, V5, pkt, 8 + filter.len, status);
}

static void subscribe_rejections(void **state)
{
    (void)state;
    subscribe_entry_with(0x03, STR("a/b"), TERN_ERR_QOS);
    subscribe_entry_with(0x40, STR("a/b"), TERN_ERR_SUB_OPTIONS);
    subscribe_entry_with(0x80, STR("a/b"), TERN_ERR_SUB_OPTIONS);
    subscribe_entry_with(0x30, STR("a/b"), TERN_ERR_SUB_OPTIONS); /* retain handling 3 */
    subscribe_entry_with(0x04, STR("$share/g/a"), TERN_ERR_SUB_OPTIONS); /* [MQTT-3.8.3-4] */
    subscribe_entry_with(0x00, STR("$share//a"), TERN_ERR_SHARED_FILTER);
    subscribe_entry_with(0x00, STR("a/#/b"), TERN_ERR_FILTER_WILDCARD);
    /* No Local is refused on shared filters only: "$shares/" is not "$share/". */
    tern_subscription not_shared = {STR("$shares/g/a"), 0x04};
    tern_subscribe ns = {.entries = &not_shared, .count = 1, .packet_id = 10};
    size_t ns_size = 0;
    assert_int_equal(tern_codec_size_subscribe(&ns, V5, &ns_size), TERN_OK);
    assert_int_equal(ns_size, 2 + 2 + 1 + 2 + 11 + 1);

    static const uint8_t id0[] = {0x82, 0x09, 0x00, 0x0A, 0x02, 0x0B, 0x00,
                                  0x00, 0x01, 'a', 0x00};
    static const uint8_t alias[] = {0x82, 0x0A, 0x00, 0x0A, 0x03, 0x23, 0x00, 0x01,
                                    0x00, 0x01, 'a', 0x00};
    static const uint8_t none[] = {0x82, 0x03, 0x00, 0x0A, 0x00};
    static const uint8_t no_block[] = {0x82, 0x02, 0x00, 0x0A};
    pv_check_decode_fails(PK_SUBSCRIBE, V5, id0, sizeof id0, TERN_ERR_PROP_VALUE);
    pv_check_decode_fails(PK_SUBSCRIBE, V5, alias, sizeof alias, TERN_ERR_PROP_NOT_ALLOWED);
    pv_check_decode_fails(PK_SUBSCRIBE, V5, none, sizeof none, TERN_ERR_NO_FILTERS);
    pv_check_decode_fails(PK_SUBSCRIBE, V5, no_block, sizeof no_block,
                          TERN_ERR_REMAINING_LENGTH);

    tern_subscription e = {STR("a"), 0};
    tern_props zero_id = {.present = BIT(TERN_PROP_SUBSCRIPTION_ID), .subscription_id = 0};
    tern_subscribe p = {.entries = &e, .count = 1, .packet_id = 10, .props = &zero_id};
    pv_check_encode_fails(PK_SUBSCRIBE, &p, V5, TERN_ERR_PROP_VALUE);
    /* UNSUBSCRIBE carries user properties only. */
    zero_id.subscription_id = 1;
    pv_check_encode_fails(PK_UNSUBSCRIBE, &p, V5, TERN_ERR_PROP_NOT_ALLOWED);
    p.count = 0;
    p.props = NULL;
    pv_check_encode_fails(PK_SUBSCRIBE, &p, V5, TERN_ERR_NO_FILTERS);
}

static void unsubscribe_vectors(void **state)
{
    (void)state;
    static const uint8_t plain[] = {0xA2, 0x0D, 0x00, 0x0A, 0x00, 0x00, 0x03, 'a', '/', 'b',
                                    0x00, 0x03, 'c', '/', 'd'};
    tern_subscription entries[] = {{STR("a/b"), 0}, {STR("c/d"), 0}};
    tern_subscribe p = {.entries = entries, .count = 2, .packet_id = 10};
    pv_check_vector(PK_UNSUBSCRIBE, &p, V5, plain, sizeof plain);

    static const uint8_t user[] = {0xA2, 0x0F, 0x00, 0x0A, 0x07, 0x26, 0x00, 0x01, 'k',
                                   0x00, 0x01, 'v', 0x00, 0x03, 'a', '/', 'b'};
    tern_user_prop kv = {STR("k"), STR("v")};
    tern_props props = {.user_props = &kv, .user_prop_count = 1};
    p = (tern_subscribe){.entries = entries, .count = 1, .packet_id = 10, .props = &props};
    pv_check_vector(PK_UNSUBSCRIBE, &p, V5, user, sizeof user);

    static const uint8_t id[] = {0xA2, 0x0A, 0x00, 0x0A, 0x02, 0x0B, 0x01,
                                 0x00, 0x03, 'a', '/', 'b'};
    pv_check_decode_fails(PK_UNSUBSCRIBE, V5, id, sizeof id, TERN_ERR_PROP_NOT_ALLOWED);
    static const uint8_t none[] = {0xA2, 0x03, 0x00, 0x0A, 0x00};
    pv_check_decode_fails(PK_UNSUBSCRIBE, V5, none, sizeof none, TERN_ERR_NO_FILTERS);
}

/* ------------------------------------------------------------ SUBACK, UNSUBACK */

static void suback_vectors_and_rejections(void **state)
{
    (void)state;
    static const uint8_t with_reason[] = {0x90, 0x0B, 0x00, 0x0A, 0x05, 0x1F, 0x00, 0x02,
                                          'n', 'o', 0x01, 0x02, 0x87};
    static const uint8_t codes[] = {TERN_RC_GRANTED_QOS_1, TERN_RC_GRANTED_QOS_2,
                                    TERN_RC_NOT_AUTHORIZED};
    tern_props why = {.present = BIT(TERN_PROP_REASON_STRING), .reason_string = STR("no")};
    tern_suback p = {.codes = codes, .count = 3, .packet_id = 10, .props = &why};
    pv_check_vector(PK_SUBACK, &p, V5, with_reason, sizeof with_reason);
    tern_props dp;
    tern_suback d = {.props_store = &dp};
    assert_int_equal(tern_codec_decode_suback(with_reason, sizeof with_reason, V5, &d), TERN_OK);
    assert_int_equal(d.count, 3);
    assert_ptr_equal(d.codes, with_reason + 10);
    assert_bytes(dp.reason_string, "no");

    static const uint8_t plain[] = {0x90, 0x04, 0x00, 0x0A, 0x00, 0x00};
    static const uint8_t granted0[] = {0x00};
    p = (tern_suback){.codes = granted0, .count = 1, .packet_id = 10};
    pv_check_vector(PK_SUBACK, &p, V5, plain, sizeof plain);

    static const uint8_t code3[] = {0x90, 0x04, 0x00, 0x0A, 0x00, 0x03};
    static const uint8_t code11[] = {0x90, 0x04, 0x00, 0x0A, 0x00, 0x11};
    static const uint8_t none[] = {0x90, 0x03, 0x00, 0x0A, 0x00};
    static const uint8_t no_block[] = {0x90, 0x02, 0x00, 0x0A};
    pv_check_decode_fails(PK_SUBACK, V5, code3, 6, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_SUBACK, V5, code11, 6, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_SUBACK, V5, none, 5, TERN_ERR_NO_FILTERS);
    pv_check_decode_fails(PK_SUBACK, V5, no_block, 4, TERN_ERR_REMAINING_LENGTH);
    static const uint8_t unsub_code[] = {0x11};
    p = (tern_suback){.codes = unsub_code, .count = 1, .packet_id = 10};
    pv_check_encode_fails(PK_SUBACK, &p, V5, TERN_ERR_REASON_CODE);
    p.count = 0;
    pv_check_encode_fails(PK_SUBACK, &p, V5, TERN_ERR_NO_FILTERS);
}

static void unsuback_vectors_and_rejections(void **state)
{
    (void)state;
    static const uint8_t unsuback[] = {0xB0, 0x05, 0x00, 0x0A, 0x00, 0x00, 0x11};
    static const uint8_t codes[] = {TERN_RC_SUCCESS, TERN_RC_NO_SUBSCRIPTION_EXISTED};
    tern_suback p = {.codes = codes, .count = 2, .packet_id = 10};
    pv_check_vector(PK_UNSUBACK, &p, V5, unsuback, sizeof unsuback);
    tern_suback d = {0};
    assert_int_equal(tern_codec_decode_unsuback(unsuback, sizeof unsuback, V5, &d), TERN_OK);
    assert_int_equal(d.count, 2);
    assert_memory_equal(d.codes, codes, 2);

    static const uint8_t none[] = {0xB0, 0x03, 0x00, 0x0A, 0x00};
    static const uint8_t granted[] = {0xB0, 0x04, 0x00, 0x0A, 0x00, 0x01};
    pv_check_decode_fails(PK_UNSUBACK, V5, none, 5, TERN_ERR_NO_FILTERS);
    pv_check_decode_fails(PK_UNSUBACK, V5, granted, 6, TERN_ERR_REASON_CODE);
    p.count = 0;
    pv_check_encode_fails(PK_UNSUBACK, &p, V5, TERN_ERR_NO_FILTERS);
    static const uint8_t qos1[] = {0x01};
    p = (tern_suback){.codes = qos1, .count = 1, .packet_id = 10};
    pv_check_encode_fails(PK_UNSUBACK, &p, V5, TERN_ERR_REASON_CODE);
}

/* ------------------------------------------------------------ DISCONNECT, AUTH */

static void disconnect_vectors(void **state)
{
    (void)state;
    static const uint8_t normal[] = {0xE0, 0x00};
    tern_disconnect p = {0};
    pv_check_vector(PK_DISCONNECT, &p, V5, normal, sizeof normal);
    static const uint8_t with_will[] = {0xE0, 0x01, 0x04};
    p.reason_code = TERN_RC_DISCONNECT_WITH_WILL;
    pv_check_vector(PK_DISCONNECT, &p, V5, with_will, sizeof with_will);
    static const uint8_t shutdown[] = {0xE0, 0x08, 0x8B, 0x06, 0x1F, 0x00, 0x03, 'b', 'y', 'e'};
    tern_props why = {.present = BIT(TERN_PROP_REASON_STRING), .reason_string = STR("bye")};
    p = (tern_disconnect){.reason_code = TERN_RC_SERVER_SHUTTING_DOWN, .props = &why};
    pv_check_vector(PK_DISCONNECT, &p, V5, shutdown, sizeof shutdown);
    static const uint8_t expiry[] = {0xE0, 0x07, 0x00, 0x05, 0x11, 0x00, 0x00, 0x00, 0x3C};
    tern_props session = {.present = BIT(TERN_PROP_SESSION_EXPIRY), .session_expiry = 60};
    p = (tern_disconnect){.props = &session};
    pv_check_vector(PK_DISCONNECT, &p, V5, expiry, sizeof expiry);

    tern_props dp;
    tern_disconnect d = {.props_store = &dp};
    assert_int_equal(tern_codec_decode_disconnect(shutdown, sizeof shutdown, V5, &d), TERN_OK);
    assert_int_equal(d.reason_code, TERN_RC_SERVER_SHUTTING_DOWN);
    assert_bytes(dp.reason_string, "bye");
    assert_int_equal(tern_codec_decode_disconnect(normal, sizeof normal, V5, &d), TERN_OK);
    assert_int_equal(d.reason_code, 0);
    assert_int_equal(dp.present, 0);

    static const uint8_t long_normal[] = {0xE0, 0x02, 0x00, 0x00};
    pv_check_decode_bounds(PK_DISCONNECT, V5, long_normal, sizeof long_normal);
}

static void disconnect_rejections(void **state)
{
    (void)state;
    static const uint8_t rc01[] = {0xE0, 0x01, 0x01};
    static const uint8_t alias[] = {0xE0, 0x05, 0x00, 0x03, 0x23, 0x00, 0x01};
    static const uint8_t flags[] = {0xE1, 0x00};
    static const uint8_t past_end[] = {0xE0, 0x02, 0x00, 0x01};
    pv_check_decode_fails(PK_DISCONNECT, V5, rc01, 3, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_DISCONNECT, V5, alias, 7, TERN_ERR_PROP_NOT_ALLOWED);
    pv_check_decode_fails(PK_DISCONNECT, V5, flags, 2, TERN_ERR_FIXED_FLAGS);
    pv_check_decode_fails(PK_DISCONNECT, V5, past_end, 4, TERN_ERR_PROP_LENGTH);
    tern_disconnect p = {.reason_code = TERN_RC_GRANTED_QOS_1};
    pv_check_encode_fails(PK_DISCONNECT, &p, V5, TERN_ERR_REASON_CODE);
    tern_props alias_prop = {.present = BIT(TERN_PROP_TOPIC_ALIAS), .topic_alias = 1};
    p = (tern_disconnect){.props = &alias_prop};
    pv_check_encode_fails(PK_DISCONNECT, &p, V5, TERN_ERR_PROP_NOT_ALLOWED);
}

static void auth_vectors_and_rejections(void **state)
{
    (void)state;
    static const uint8_t success[] = {0xF0, 0x00};
    tern_disconnect p = {0};
    pv_check_vector(PK_AUTH, &p, V5, success, sizeof success);
    static const uint8_t cont[] = {0xF0, 0x0B, 0x18, 0x09, 0x15, 0x00, 0x01, 'X',
                                   0x16, 0x00, 0x02, 0x01, 0x02};
    static const uint8_t data[] = {0x01, 0x02};
    tern_props method = {.present = BIT(TERN_PROP_AUTH_METHOD) | BIT(TERN_PROP_AUTH_DATA),
                         .auth_method = STR("X"), .auth_data = BYTES(data)};
    p = (tern_disconnect){.reason_code = TERN_RC_CONTINUE_AUTHENTICATION, .props = &method};
    pv_check_vector(PK_AUTH, &p, V5, cont, sizeof cont);
    tern_props dp;
    tern_disconnect d = {.props_store = &dp};
    assert_int_equal(tern_codec_decode_auth(cont, sizeof cont, &d), TERN_OK);
    assert_int_equal(d.reason_code, TERN_RC_CONTINUE_AUTHENTICATION);
    assert_bytes(dp.auth_method, "X");
    assert_int_equal(dp.auth_data.len, 2);
    assert_ptr_equal(dp.auth_data.data, cont + 11);

    static const uint8_t rc04[] = {0xF0, 0x01, 0x04};
    static const uint8_t rc80[] = {0xF0, 0x01, 0x80};
    static const uint8_t flags[] = {0xF1, 0x00};
    static const uint8_t session[] = {0xF0, 0x07, 0x19, 0x05, 0x11, 0x00, 0x00, 0x00, 0x01};
    pv_check_decode_fails(PK_AUTH, V5, rc04, 3, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_AUTH, V5, rc80, 3, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_AUTH, V5, flags, 2, TERN_ERR_FIXED_FLAGS);
    pv_check_decode_fails(PK_AUTH, V5, session, 9, TERN_ERR_PROP_NOT_ALLOWED);
    pv_check_decode_fails(PK_AUTH, V5, cont, 0, TERN_NEED_MORE);
    static const uint8_t disconnect[] = {0xE0, 0x00};
    pv_check_decode_fails(PK_AUTH, V5, disconnect, 2, TERN_ERR_PACKET_TYPE);
    p = (tern_disconnect){.reason_code = TERN_RC_NOT_AUTHORIZED};
    pv_check_encode_fails(PK_AUTH, &p, V5, TERN_ERR_REASON_CODE);
    tern_props session_prop = {.present = BIT(TERN_PROP_SESSION_EXPIRY), .session_expiry = 1};
    p = (tern_disconnect){.props = &session_prop};
    pv_check_encode_fails(PK_AUTH, &p, V5, TERN_ERR_PROP_NOT_ALLOWED);
}

/* ------------------------------------------------------------ properties across versions */

static void decoding_3_1_1_leaves_no_stale_properties(void **state)
{
    (void)state;
    tern_props dp;
    tern_connack c = {.props_store = &dp};
    assert_int_equal(tern_codec_decode_connack(connack_server_props,
                                               sizeof connack_server_props, V5, &c),
                     TERN_OK);
    assert_true(dp.present != 0);
    static const uint8_t connack_311[] = {0x20, 0x02, 0x00, 0x00};
    assert_int_equal(tern_codec_decode_connack(connack_311, 4, TERN_MQTT_311, &c), TERN_OK);
    assert_ptr_equal(c.props, &dp);
    assert_int_equal(dp.present, 0);
    assert_int_equal(dp.user_prop_count, 0);

    /* Also the will properties of a 3.1.1 CONNECT with a will. */
    static const uint8_t will_311[] = {0x10, 0x12, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x36,
                                       0xFF, 0xFF, 0x00, 0x01, 'c', 0x00, 0x01, 't', 0x00, 0x00};
    tern_props wp = {.present = BIT(TERN_PROP_WILL_DELAY), .will_delay = 9};
    dp.present = BIT(TERN_PROP_SESSION_EXPIRY);
    tern_connect con = {.props_store = &dp, .will_props_store = &wp};
    assert_int_equal(tern_codec_decode_connect(will_311, sizeof will_311, &con), TERN_OK);
    assert_int_equal(con.version, TERN_MQTT_311);
    assert_int_equal(dp.present, 0);
    assert_int_equal(wp.present, 0);

    /* And a 3.1.1 encoder leaves the 5.0 properties out. */
    static const uint8_t puback_311[] = {0x40, 0x02, 0x00, 0x0A};
    tern_props why = {.present = BIT(TERN_PROP_REASON_STRING), .reason_string = STR("x")};
    tern_ack a = {.type = TERN_PUBACK, .packet_id = 10, .props = &why};
    pv_check_encode(PK_ACK, &a, TERN_MQTT_311, puback_311, sizeof puback_311);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(connect_spec_example_with_will_properties),
        cmocka_unit_test(connect_minimal_and_password_alone),
        cmocka_unit_test(connect_rejections),
        cmocka_unit_test(connack_with_server_properties),
        cmocka_unit_test(connack_short_and_refused),
        cmocka_unit_test(connack_rejections),
        cmocka_unit_test(publish_with_request_response_properties),
        cmocka_unit_test(publish_with_message_properties_and_empty_block),
        cmocka_unit_test(publish_with_two_subscription_ids),
        cmocka_unit_test(publish_empty_topic_needs_a_topic_alias),
        cmocka_unit_test(publish_rejections),
        cmocka_unit_test(ack_short_forms),
        cmocka_unit_test(ack_with_properties),
        cmocka_unit_test(ack_rejections),
        cmocka_unit_test(subscribe_with_options_and_subscription_id),
        cmocka_unit_test(subscribe_rejections),
        cmocka_unit_test(unsubscribe_vectors),
        cmocka_unit_test(suback_vectors_and_rejections),
        cmocka_unit_test(unsuback_vectors_and_rejections),
        cmocka_unit_test(disconnect_vectors),
        cmocka_unit_test(disconnect_rejections),
        cmocka_unit_test(auth_vectors_and_rejections),
        cmocka_unit_test(decoding_3_1_1_leaves_no_stale_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* a 3.1.1-only build: test_packets_311 covers what it refuses */

static void mqtt5_not_built(void **state)
{
    (void)state;
    skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(mqtt5_not_built)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
