/* MQTT 3.1.1 packets: byte-exact vectors both ways (the spec's worked examples among them),
 * every prefix, and every rejection with its status, by the encoder and the decoder alike. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "support/packet_vectors.h"

#define V3 TERN_MQTT_311

static int bytes_equal(tern_bytes b, const char *s)
{
    return b.len == strlen(s) && (b.len == 0 || memcmp(b.data, s, b.len) == 0);
}
#define assert_bytes(b, s) assert_true(bytes_equal((b), (s)))

/* ------------------------------------------------------------ CONNECT */

/* The variable header non-normative example of 3.1.1 3.1.2.10: level 4, flags 0xCE (user
 * name, password, will QoS 1, will, clean session), keep alive 10; then the payload in the
 * order of 3.1.3. */
static const uint8_t connect_ce[] = {
    0x10, 0x24, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xCE, 0x00, 0x0A,
    0x00, 0x04, 't', 'e', 'r', 'n',
    0x00, 0x03, 'w', '/', 't',
    0x00, 0x03, 'b', 'y', 'e',
    0x00, 0x04, 'u', 's', 'e', 'r',
    0x00, 0x02, 'p', 'w'};

static tern_connect connect_ce_fields(void)
{
    return (tern_connect){.version = TERN_MQTT_311, .client_id = STR("tern"), .keep_alive = 10,
                          .clean_start = 1, .has_will = 1, .will_qos = 1,
                          .will_topic = STR("w/t"), .will_payload = STR("bye"),
                          .has_username = 1, .username = STR("user"),
                          .has_password = 1, .password = STR("pw")};
}

static void connect_spec_example_both_ways(void **state)
{
    (void)state;
    tern_connect p = connect_ce_fields();
    pv_check_vector(PK_CONNECT, &p, V3, connect_ce, sizeof connect_ce);
    tern_connect d = {0};
    assert_int_equal(tern_codec_decode_connect(connect_ce, sizeof connect_ce, &d), TERN_OK);
    assert_int_equal(d.version, TERN_MQTT_311);
    assert_int_equal(d.keep_alive, 10);
    assert_true(d.clean_start && d.has_will && d.has_username && d.has_password);
    assert_int_equal(d.will_qos, 1);
    assert_int_equal(d.will_retain, 0);
    assert_bytes(d.client_id, "tern");
    assert_bytes(d.will_topic, "w/t");
    assert_bytes(d.will_payload, "bye");
    assert_bytes(d.username, "user");
    assert_bytes(d.password, "pw");
    assert_ptr_equal(d.client_id.data, connect_ce + 14); /* zero copy */
    assert_ptr_equal(d.password.data, connect_ce + sizeof connect_ce - 2);
}

static const uint8_t connect_min[] = {0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T',
                                      0x04, 0x02, 0x00, 0x3C, 0x00, 0x00};

static void connect_minimal_and_will_retain_qos2(void **state)
{
    (void)state;
    tern_connect p = {.version = TERN_MQTT_311, .clean_start = 1, .keep_alive = 60};
    pv_check_vector(PK_CONNECT, &p, V3, connect_min, sizeof connect_min);
    tern_connect d = {0};
    assert_int_equal(tern_codec_decode_connect(connect_min, sizeof connect_min, &d), TERN_OK);
    assert_int_equal(d.client_id.len, 0);
    assert_false(d.has_will || d.has_username || d.has_password);

    static const uint8_t will[] = {0x10, 0x12, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x36,
                                   0xFF, 0xFF, 0x00, 0x01, 'c', 0x00, 0x01, 't', 0x00, 0x00};
    p = (tern_connect){.version = TERN_MQTT_311, .client_id = STR("c"), .clean_start = 1,
                       .keep_alive = 0xFFFF, .has_will = 1, .will_qos = 2, .will_retain = 1,
                       .will_topic = STR("t")};
    pv_check_vector(PK_CONNECT, &p, V3, will, sizeof will);
    assert_int_equal(tern_codec_decode_connect(will, sizeof will, &d), TERN_OK);
    assert_int_equal(d.will_qos, 2);
    assert_int_equal(d.will_retain, 1);
    assert_int_equal(d.will_payload.len, 0);
    assert_int_equal(d.keep_alive, 0xFFFF);
}

/* connect_min with byte i replaced. */
static void connect_min_with(size_t i, uint8_t value, tern_status status)
{
    uint8_t pkt[sizeof connect_min];
    memcpy(pkt, connect_min, sizeof pkt);
    pkt[i] = value;
    pv_check_decode_fails(PK_CONNECT, V3, pkt, sizeof pkt, status);
}

static void connect_decoder_rejections(void **state)
{
    (void)state;
    connect_min_with(9, 0x03, TERN_ERR_CONNECT_FLAGS); /* reserved bit */
    connect_min_with(9, 0x1E, TERN_ERR_CONNECT_FLAGS); /* will QoS 3 */
    connect_min_with(9, 0x0A, TERN_ERR_CONNECT_FLAGS); /* will QoS without will */
    connect_min_with(9, 0x22, TERN_ERR_CONNECT_FLAGS); /* will retain without will */
    connect_min_with(9, 0x42, TERN_ERR_CONNECT_FLAGS); /* password without user name */
    connect_min_with(8, 0x03, TERN_ERR_PROTOCOL_VERSION);
    connect_min_with(8, 0x06, TERN_ERR_PROTOCOL_VERSION);
    connect_min_with(7, 't', TERN_ERR_PROTOCOL_NAME);
    connect_min_with(0, 0x11, TERN_ERR_FIXED_FLAGS);
    connect_min_with(0, 0x20, TERN_ERR_PACKET_TYPE);

    /* MQTT 3.1: "MQIsdp", level 3 is not spoken. */
    static const uint8_t v31[] = {0x10, 0x0E, 0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p',
                                  0x03, 0x02, 0x00, 0x3C, 0x00, 0x00};
    pv_check_decode_fails(PK_CONNECT, V3, v31, sizeof v31, TERN_ERR_PROTOCOL_NAME);

    /* A byte more than the fields, inside the remaining length; a client id running past it. */
    static const uint8_t extra[] = {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T',
                                    0x04, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x00};
    pv_check_decode_fails(PK_CONNECT, V3, extra, sizeof extra, TERN_ERR_REMAINING_LENGTH);
    static const uint8_t short_id[] = {0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T',
                                       0x04, 0x02, 0x00, 0x3C, 0x00, 0x01};
    pv_check_decode_fails(PK_CONNECT, V3, short_id, sizeof short_id, TERN_ERR_REMAINING_LENGTH);
    static const uint8_t no_user[] = {0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T',
                                      0x04, 0x82, 0x00, 0x3C, 0x00, 0x00};
    pv_check_decode_fails(PK_CONNECT, V3, no_user, sizeof no_user, TERN_ERR_REMAINING_LENGTH);

    static const uint8_t bad_id[] = {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T',
                                     0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0xC3};
    pv_check_decode_fails(PK_CONNECT, V3, bad_id, sizeof bad_id, TERN_ERR_UTF8_ILL_FORMED);
    static const uint8_t wild_will[] = {0x10, 0x12, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x06,
                                        0x00, 0x00, 0x00, 0x01, 'c', 0x00, 0x01, '#', 0x00, 0x00};
    pv_check_decode_fails(PK_CONNECT, V3, wild_will, sizeof wild_will, TERN_ERR_TOPIC_WILDCARD);
    static const uint8_t nul_user[] = {0x10, 0x0F, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x82,
                                       0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00};
    pv_check_decode_fails(PK_CONNECT, V3, nul_user, sizeof nul_user, TERN_ERR_UTF8_NULL);

    /* A remaining length that ends inside the protocol name, or right before the level. */
    static const uint8_t in_name[] = {0x10, 0x04, 0x00, 0x04, 'M', 'Q'};
    pv_check_decode_fails(PK_CONNECT, V3, in_name, sizeof in_name, TERN_ERR_REMAINING_LENGTH);
    static const uint8_t no_level[] = {0x10, 0x06, 0x00, 0x04, 'M', 'Q', 'T', 'T'};
    pv_check_decode_fails(PK_CONNECT, V3, no_level, sizeof no_level, TERN_ERR_REMAINING_LENGTH);
}

static void connect_encoder_rejections(void **state)
{
    (void)state;
    tern_connect p = connect_ce_fields();
    p.will_qos = 3;
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_QOS);
    p = connect_ce_fields();
    p.has_will = 0;
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_CONNECT_FLAGS); /* will QoS 1, no will */
    p.will_qos = 0;
    p.will_retain = 1;
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_CONNECT_FLAGS);
    p = connect_ce_fields();
    p.has_username = 0;
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_CONNECT_FLAGS);
    p = connect_ce_fields();
    p.version = 3;
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_PROTOCOL_VERSION);
    p.version = 6;
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_PROTOCOL_VERSION);
    /* [MQTT-3.1.3-7]: no client identifier without a clean session. */
    p = connect_ce_fields();
    p.client_id = STR("");
    p.clean_start = 0;
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_CONNECT_FLAGS);
    p = connect_ce_fields();
    p.client_id = STR("\xC3");
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_UTF8_ILL_FORMED);
    p = connect_ce_fields();
    p.username = STR("a\0b");
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_UTF8_NULL);
    p = connect_ce_fields();
    p.will_topic = STR("w/+");
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_TOPIC_WILDCARD);
    p.will_topic = STR("");
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_TOPIC_EMPTY);

    static uint8_t big[65536];
    memset(big, 'x', sizeof big);
    p = connect_ce_fields();
    p.password = (tern_bytes){big, 65536};
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_STRING_TOO_LONG);
    p = connect_ce_fields();
    p.will_payload = (tern_bytes){big, 65536};
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_STRING_TOO_LONG);
    p = connect_ce_fields();
    p.will_topic = (tern_bytes){big, 65536};
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_STRING_TOO_LONG);
    p = connect_ce_fields();
    p.username = (tern_bytes){big, 65536};
    pv_check_encode_fails(PK_CONNECT, &p, V3, TERN_ERR_STRING_TOO_LONG);
    p = connect_ce_fields();
    p.will_payload = (tern_bytes){big, 65535}; /* the longest that fits */
    size_t size = 0;
    assert_int_equal(tern_codec_size_connect(&p, &size), TERN_OK);
    assert_int_equal(size, sizeof connect_ce - 3 + 65535 + 2); /* its varint grows 2 bytes */
}

/* ------------------------------------------------------------ CONNACK */

static void connack_vectors(void **state)
{
    (void)state;
    static const uint8_t accepted[] = {0x20, 0x02, 0x00, 0x00};
    static const uint8_t resumed[] = {0x20, 0x02, 0x01, 0x00};
    static const uint8_t refused[] = {0x20, 0x02, 0x00, 0x05};
    tern_connack p = {0};
    pv_check_vector(PK_CONNACK, &p, V3, accepted, sizeof accepted);
    p.session_present = 1;
    pv_check_vector(PK_CONNACK, &p, V3, resumed, sizeof resumed);
    p = (tern_connack){.reason_code = 5};
    pv_check_vector(PK_CONNACK, &p, V3, refused, sizeof refused);

    tern_connack d = {0};
    assert_int_equal(tern_codec_decode_connack(resumed, sizeof resumed, V3, &d), TERN_OK);
    assert_int_equal(d.session_present, 1);
    assert_int_equal(d.reason_code, 0);
    assert_int_equal(tern_codec_decode_connack(refused, sizeof refused, V3, &d), TERN_OK);
    assert_int_equal(d.session_present, 0);
    assert_int_equal(d.reason_code, 5);
}

static void connack_rejections(void **state)
{
    (void)state;
    static const uint8_t flags[] = {0x20, 0x02, 0x02, 0x00};
    static const uint8_t high_flag[] = {0x20, 0x02, 0x80, 0x00};
    static const uint8_t code6[] = {0x20, 0x02, 0x00, 0x06};
    static const uint8_t session_refused[] = {0x20, 0x02, 0x01, 0x04};
    static const uint8_t long_body[] = {0x20, 0x03, 0x00, 0x00, 0x00};
    static const uint8_t short_body[] = {0x20, 0x01, 0x00};
    static const uint8_t fixed[] = {0x21, 0x02, 0x00, 0x00};
    pv_check_decode_fails(PK_CONNACK, V3, flags, 4, TERN_ERR_CONNACK_FLAGS);
    pv_check_decode_fails(PK_CONNACK, V3, high_flag, 4, TERN_ERR_CONNACK_FLAGS);
    pv_check_decode_fails(PK_CONNACK, V3, code6, 4, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_CONNACK, V3, session_refused, 4, TERN_ERR_CONNACK_FLAGS);
    pv_check_decode_fails(PK_CONNACK, V3, long_body, 5, TERN_ERR_REMAINING_LENGTH);
    pv_check_decode_fails(PK_CONNACK, V3, short_body, 3, TERN_ERR_REMAINING_LENGTH);
    pv_check_decode_fails(PK_CONNACK, V3, fixed, 4, TERN_ERR_FIXED_FLAGS);

    tern_connack p = {.reason_code = 6};
    pv_check_encode_fails(PK_CONNACK, &p, V3, TERN_ERR_REASON_CODE);
    p = (tern_connack){.reason_code = 4, .session_present = 1};
    pv_check_encode_fails(PK_CONNACK, &p, V3, TERN_ERR_CONNACK_FLAGS);
}

/* ------------------------------------------------------------ PUBLISH */

/* The non-normative example of 3.1.1 3.3.2.3: topic "a/b", packet id 10. */
static const uint8_t publish_qos1[] = {0x32, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A,
                                       'h', 'i'};

static tern_publish publish_qos1_fields(void)
{
    return (tern_publish){.topic = STR("a/b"), .payload = STR("hi"), .qos = 1,
                          .packet_id = 10};
}

static void publish_vectors(void **state)
{
    (void)state;
    tern_publish p = publish_qos1_fields();
    pv_check_vector(PK_PUBLISH, &p, V3, publish_qos1, sizeof publish_qos1);
    tern_publish d = {0};
    assert_int_equal(tern_codec_decode_publish(publish_qos1, sizeof publish_qos1, V3, &d),
                     TERN_OK);
    assert_bytes(d.topic, "a/b");
    assert_bytes(d.payload, "hi");
    assert_ptr_equal(d.payload.data, publish_qos1 + 9);
    assert_int_equal(d.packet_id, 10);
    assert_int_equal(d.qos, 1);
    assert_false(d.retain || d.dup);

    static const uint8_t qos0_retain[] = {0x31, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i'};
    p = (tern_publish){.topic = STR("a/b"), .payload = STR("hi"), .retain = 1};
    pv_check_vector(PK_PUBLISH, &p, V3, qos0_retain, sizeof qos0_retain);
    assert_int_equal(tern_codec_decode_publish(qos0_retain, sizeof qos0_retain, V3, &d), TERN_OK);
    assert_int_equal(d.retain, 1);
    assert_int_equal(d.packet_id, 0);

    static const uint8_t qos2_dup[] = {0x3C, 0x07, 0x00, 0x03, 'a', '/', 'b', 0xBE, 0xEF};
    p = (tern_publish){.topic = STR("a/b"), .qos = 2, .dup = 1, .packet_id = 0xBEEF};
    pv_check_vector(PK_PUBLISH, &p, V3, qos2_dup, sizeof qos2_dup);
    assert_int_equal(tern_codec_decode_publish(qos2_dup, sizeof qos2_dup, V3, &d), TERN_OK);
    assert_int_equal(d.qos, 2);
    assert_int_equal(d.dup, 1);
    assert_int_equal(d.packet_id, 0xBEEF);
    assert_int_equal(d.payload.len, 0); /* an empty payload is fine */

    /* Topic levels may be empty; UTF-8 is allowed. */
    static const uint8_t odd_topic[] = {0x30, 0x06, 0x00, 0x04, '/', 0xC3, 0xA9, '/'};
    p = (tern_publish){.topic = STR("/\xC3\xA9/")};
    pv_check_vector(PK_PUBLISH, &p, V3, odd_topic, sizeof odd_topic);
}

static void publish_with_two_byte_remaining_length(void **state)
{
    (void)state;
    uint8_t payload[200], pkt[2 + 3 + 5 + 200];
    memset(payload, 0x5A, sizeof payload);
    static const uint8_t head[] = {0x30, 0xCD, 0x01, 0x00, 0x03, 'a', '/', 'b'};
    memcpy(pkt, head, sizeof head);
    memcpy(pkt + sizeof head, payload, sizeof payload);
    size_t n = sizeof head + sizeof payload;
    tern_publish p = {.topic = STR("a/b"), .payload = BYTES(payload)};
    pv_check_vector(PK_PUBLISH, &p, V3, pkt, n);
    tern_publish d = {0};
    assert_int_equal(tern_codec_decode_publish(pkt, n, V3, &d), TERN_OK);
    assert_int_equal(d.payload.len, 200);
    assert_ptr_equal(d.payload.data, pkt + sizeof head);
}

static void publish_rejections(void **state)
{
    (void)state;
    static const uint8_t qos3[] = {0x36, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A};
    static const uint8_t dup_qos0[] = {0x38, 0x05, 0x00, 0x03, 'a', '/', 'b'};
    static const uint8_t plus[] = {0x30, 0x05, 0x00, 0x03, 'a', '/', '+'};
    static const uint8_t hash[] = {0x30, 0x03, 0x00, 0x01, '#'};
    static const uint8_t bad_utf8[] = {0x30, 0x05, 0x00, 0x03, 'a', 0xED, 0xA0};
    static const uint8_t surrogate[] = {0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80};
    static const uint8_t empty[] = {0x30, 0x04, 0x00, 0x00, 'h', 'i'};
    static const uint8_t pid0[] = {0x32, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x00};
    static const uint8_t no_pid[] = {0x32, 0x05, 0x00, 0x03, 'a', '/', 'b'};
    static const uint8_t long_topic[] = {0x30, 0x05, 0x00, 0x04, 'a', '/', 'b'};
    static const uint8_t not_publish[] = {0x40, 0x02, 0x00, 0x0A};
    pv_check_decode_fails(PK_PUBLISH, V3, qos3, sizeof qos3, TERN_ERR_QOS);
    pv_check_decode_fails(PK_PUBLISH, V3, dup_qos0, sizeof dup_qos0, TERN_ERR_FIXED_FLAGS);
    pv_check_decode_fails(PK_PUBLISH, V3, plus, sizeof plus, TERN_ERR_TOPIC_WILDCARD);
    pv_check_decode_fails(PK_PUBLISH, V3, hash, sizeof hash, TERN_ERR_TOPIC_WILDCARD);
    pv_check_decode_fails(PK_PUBLISH, V3, bad_utf8, sizeof bad_utf8, TERN_ERR_UTF8_ILL_FORMED);
    pv_check_decode_fails(PK_PUBLISH, V3, surrogate, sizeof surrogate, TERN_ERR_UTF8_SURROGATE);
    pv_check_decode_fails(PK_PUBLISH, V3, empty, sizeof empty, TERN_ERR_TOPIC_EMPTY);
    pv_check_decode_fails(PK_PUBLISH, V3, pid0, sizeof pid0, TERN_ERR_PACKET_ID);
    pv_check_decode_fails(PK_PUBLISH, V3, no_pid, sizeof no_pid, TERN_ERR_REMAINING_LENGTH);
    pv_check_decode_fails(PK_PUBLISH, V3, long_topic, sizeof long_topic,
                          TERN_ERR_REMAINING_LENGTH);
    pv_check_decode_fails(PK_PUBLISH, V3, not_publish, sizeof not_publish, TERN_ERR_PACKET_TYPE);
    static const uint8_t bad_varint[] = {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    pv_check_decode_fails(PK_PUBLISH, V3, bad_varint, sizeof bad_varint, TERN_ERR_VARINT);

    tern_publish p = publish_qos1_fields();
    p.qos = 3;
    pv_check_encode_fails(PK_PUBLISH, &p, V3, TERN_ERR_QOS);
    p = publish_qos1_fields();
    p.qos = 0;
    p.dup = 1;
    pv_check_encode_fails(PK_PUBLISH, &p, V3, TERN_ERR_FIXED_FLAGS);
    p = publish_qos1_fields();
    p.packet_id = 0;
    pv_check_encode_fails(PK_PUBLISH, &p, V3, TERN_ERR_PACKET_ID);
    p = publish_qos1_fields();
    p.topic = STR("a/+");
    pv_check_encode_fails(PK_PUBLISH, &p, V3, TERN_ERR_TOPIC_WILDCARD);
    p.topic = STR("a\xED\xA0\x80");
    pv_check_encode_fails(PK_PUBLISH, &p, V3, TERN_ERR_UTF8_SURROGATE);
    p.topic = STR("");
    pv_check_encode_fails(PK_PUBLISH, &p, V3, TERN_ERR_TOPIC_EMPTY);
}

static void publish_size_limits(void **state)
{
    (void)state;
    static uint8_t big[65536];
    memset(big, 'x', sizeof big);
    tern_publish p = {.topic = {big, 65536}};
    pv_check_encode_fails(PK_PUBLISH, &p, V3, TERN_ERR_STRING_TOO_LONG);

    /* The size function never reads the payload, so a huge length can be tried. */
    size_t size = 0;
    p = (tern_publish){.topic = STR("a/b"), .payload = {big, TERN_VARINT_MAX - 5}};
    assert_int_equal(tern_codec_size_publish(&p, V3, &size), TERN_OK);
    assert_int_equal(size, 1u + 4u + TERN_VARINT_MAX);
    uint8_t small[16];
    size_t written = 0;
    assert_int_equal(tern_codec_encode_publish(&p, V3, small, sizeof small, &written),
                     TERN_ERR_BUFFER_TOO_SMALL);
    p.payload.len = TERN_VARINT_MAX - 4;
    pv_check_encode_fails(PK_PUBLISH, &p, V3, TERN_ERR_PACKET_TOO_LARGE);
    p.payload.len = 0xFFFFFFFFu;
    pv_check_encode_fails(PK_PUBLISH, &p, V3, TERN_ERR_PACKET_TOO_LARGE);
}

/* decode_publish_head: the head of a PUBLISH that may run past the span. */
static void publish_head_of_a_partial_packet(void **state)
{
    (void)state;
    tern_publish d = {0}; /* props: NULL, not decoded (3.1.1 has none) */
    uint32_t total = 0;
    /* The whole packet: the payload is all there. */
    assert_int_equal(tern_codec_decode_publish_head(publish_qos1, sizeof publish_qos1, V3, &d,
                                                    &total),
                     TERN_OK);
    assert_bytes(d.topic, "a/b");
    assert_int_equal(d.packet_id, 10);
    assert_int_equal(total, 2);
    assert_int_equal(d.payload.len, 2);
    assert_ptr_equal(d.payload.data, publish_qos1 + 9);
    /* One payload byte in the span: the part there, and the full length. */
    total = 0;
    assert_int_equal(tern_codec_decode_publish_head(publish_qos1, 10, V3, &d, &total), TERN_OK);
    assert_int_equal(total, 2);
    assert_int_equal(d.payload.len, 1);
    /* The span ends before the payload starts (inside the packet id, the topic, the header). */
    for (size_t len = 0; len < 9; len++)
        assert_int_equal(tern_codec_decode_publish_head(publish_qos1, len, V3, &d, &total),
                         TERN_NEED_MORE);
    /* Not a PUBLISH; a broken fixed header. */
    static const uint8_t puback[] = {0x40, 0x02, 0x00, 0x0A};
    assert_int_equal(tern_codec_decode_publish_head(puback, sizeof puback, V3, &d, &total),
                     TERN_ERR_PACKET_TYPE);
    static const uint8_t bad_varint[] = {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    assert_int_equal(
        tern_codec_decode_publish_head(bad_varint, sizeof bad_varint, V3, &d, &total),
        TERN_ERR_VARINT);
    /* A whole packet whose remaining length ends inside the head is malformed, not short. */
    static const uint8_t no_pid[] = {0x32, 0x05, 0x00, 0x03, 'a', '/', 'b'};
    assert_int_equal(tern_codec_decode_publish_head(no_pid, sizeof no_pid, V3, &d, &total),
                     TERN_ERR_REMAINING_LENGTH);
    /* The head's rules still hold. */
    static const uint8_t plus[] = {0x30, 0x05, 0x00, 0x03, 'a', '/', '+', 'x'};
    assert_int_equal(tern_codec_decode_publish_head(plus, 4, V3, &d, &total), TERN_NEED_MORE);
    assert_int_equal(tern_codec_decode_publish_head(plus, 7, V3, &d, &total),
                     TERN_ERR_TOPIC_WILDCARD);
}

/* ------------------------------------------------------------ PUBACK, PUBREC, PUBREL, PUBCOMP */

static void ack_vectors(void **state)
{
    (void)state;
    static const struct { uint8_t type; uint8_t bytes[4]; } cases[] = {
        {TERN_PUBACK, {0x40, 0x02, 0x00, 0x0A}},
        {TERN_PUBREC, {0x50, 0x02, 0x00, 0x0A}},
        {TERN_PUBREL, {0x62, 0x02, 0x00, 0x0A}},
        {TERN_PUBCOMP, {0x70, 0x02, 0x00, 0x0A}},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        tern_ack p = {.type = cases[i].type, .packet_id = 10};
        pv_check_vector(PK_ACK, &p, V3, cases[i].bytes, 4);
        tern_ack d = {0};
        assert_int_equal(tern_codec_decode_ack(cases[i].bytes, 4, V3, &d), TERN_OK);
        assert_int_equal(d.type, cases[i].type);
        assert_int_equal(d.packet_id, 10);
        assert_int_equal(d.reason_code, 0);
    }
    /* 3.1.1 has no reason codes: one set by the caller is not sent. */
    tern_ack p = {.type = TERN_PUBACK, .packet_id = 10, .reason_code = 0x80};
    pv_check_encode(PK_ACK, &p, V3, cases[0].bytes, 4);
}

/* tern_codec_decode_ack reads the 4-byte short form straight when no properties are asked
 * for: it must say what the general path says about every such input, good or bad. */
static void ack_short_form_reads_as_the_general_path(void **state)
{
    (void)state;
    static const uint16_t ids[] = {0, 1, 0x0A0B, 0xFFFF};
    for (int vi = 0; vi < 1 + TERN_CFG_MQTT5; vi++) {
        tern_mqtt_version v = vi ? TERN_MQTT_5 : V3;
        for (unsigned b0 = 0; b0 < 256; b0++) {
            for (uint8_t b1 = 0; b1 < 4; b1++) {
                for (size_t k = 0; k < COUNT(ids); k++) {
                    const uint8_t in[5] = {(uint8_t)b0, b1, (uint8_t)(ids[k] >> 8), (uint8_t)ids[k], 0};
                    for (size_t len = 1; len <= sizeof in; len++) {
                        tern_props props;
                        tern_ack fast = {0}, general = {.props = &props};
                        tern_status st = tern_codec_decode_ack(in, len, v, &fast);
                        assert_int_equal(st, tern_codec_decode_ack(in, len, v, &general));
                        if (st != TERN_OK) continue;
                        assert_int_equal(fast.type, general.type);
                        assert_int_equal(fast.packet_id, general.packet_id);
                        assert_int_equal(fast.reason_code, general.reason_code);
                    }
                }
            }
        }
    }
}

static void ack_rejections(void **state)
{
    (void)state;
    static const uint8_t pid0[] = {0x40, 0x02, 0x00, 0x00};
    static const uint8_t pubrel_flags0[] = {0x60, 0x02, 0x00, 0x0A};
    static const uint8_t puback_flags2[] = {0x42, 0x02, 0x00, 0x0A};
    static const uint8_t with_reason[] = {0x40, 0x03, 0x00, 0x0A, 0x00};
    static const uint8_t short_body[] = {0x50, 0x01, 0x00};
    static const uint8_t publish[] = {0x30, 0x03, 0x00, 0x01, 'a'};
    static const uint8_t subscribe[] = {0x82, 0x02, 0x00, 0x0A};
    pv_check_decode_fails(PK_ACK, V3, pid0, 4, TERN_ERR_PACKET_ID);
    pv_check_decode_fails(PK_ACK, V3, pubrel_flags0, 4, TERN_ERR_FIXED_FLAGS);
    pv_check_decode_fails(PK_ACK, V3, puback_flags2, 4, TERN_ERR_FIXED_FLAGS);
    pv_check_decode_fails(PK_ACK, V3, with_reason, 5, TERN_ERR_REMAINING_LENGTH);
    pv_check_decode_fails(PK_ACK, V3, short_body, 3, TERN_ERR_REMAINING_LENGTH);
    pv_check_decode_fails(PK_ACK, V3, publish, 5, TERN_ERR_PACKET_TYPE);
    pv_check_decode_fails(PK_ACK, V3, subscribe, 4, TERN_ERR_PACKET_TYPE);

    tern_ack p = {.type = TERN_PUBREC, .packet_id = 0};
    pv_check_encode_fails(PK_ACK, &p, V3, TERN_ERR_PACKET_ID);
    p = (tern_ack){.type = TERN_PUBLISH, .packet_id = 1};
    pv_check_encode_fails(PK_ACK, &p, V3, TERN_ERR_PACKET_TYPE);
    p.type = TERN_SUBACK;
    pv_check_encode_fails(PK_ACK, &p, V3, TERN_ERR_PACKET_TYPE);
}

/* ------------------------------------------------------------ SUBSCRIBE, UNSUBSCRIBE */

/* The non-normative examples of 3.1.1 3.8.2-3.8.3: packet id 10, "a/b" at QoS 1, "c/d" at
 * QoS 2. */
static const uint8_t subscribe_spec[] = {0x82, 0x0E, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x01,
                                         0x00, 0x03, 'c', '/', 'd', 0x02};
static tern_subscription spec_filters[] = {{{(const uint8_t *)"a/b", 3}, 1},
                                           {{(const uint8_t *)"c/d", 3}, 2}};

static void subscribe_spec_example(void **state)
{
    (void)state;
    tern_subscribe p = {.entries = spec_filters, .count = 2, .packet_id = 10};
    pv_check_vector(PK_SUBSCRIBE, &p, V3, subscribe_spec, sizeof subscribe_spec);
    tern_subscription e[2] = {0};
    tern_subscribe d = {.entries = e, .capacity = 2};
    assert_int_equal(tern_codec_decode_subscribe(subscribe_spec, sizeof subscribe_spec, V3, &d),
                     TERN_OK);
    assert_int_equal(d.packet_id, 10);
    assert_int_equal(d.count, 2);
    assert_ptr_equal(d.entries, e);
    assert_int_equal(d.capacity, 2);
    assert_bytes(e[0].filter, "a/b");
    assert_int_equal(e[0].options, 1);
    assert_bytes(e[1].filter, "c/d");
    assert_int_equal(e[1].options, 2);
    assert_ptr_equal(e[1].filter.data, subscribe_spec + 12);
}

static void subscribe_stores_up_to_capacity_and_counts_all(void **state)
{
    (void)state;
    tern_subscription e[2] = {{{NULL, 0}, 0}, {{NULL, 0}, 0x77}};
    tern_subscribe d = {.entries = e, .capacity = 1};
    assert_int_equal(tern_codec_decode_subscribe(subscribe_spec, sizeof subscribe_spec, V3, &d),
                     TERN_OK);
    assert_int_equal(d.count, 2);
    assert_bytes(e[0].filter, "a/b");
    assert_int_equal(e[1].options, 0x77); /* past capacity: untouched */
    d = (tern_subscribe){.entries = NULL, .capacity = 0};
    assert_int_equal(tern_codec_decode_subscribe(subscribe_spec, sizeof subscribe_spec, V3, &d),
                     TERN_OK);
    assert_int_equal(d.count, 2);
}

/* The non-normative example of 3.1.1 3.10.3: UNSUBSCRIBE "a/b", "c/d". */
static const uint8_t unsubscribe_spec[] = {0xA2, 0x0C, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b',
                                           0x00, 0x03, 'c', '/', 'd'};

static void unsubscribe_spec_example(void **state)
{
    (void)state;
    tern_subscribe p = {.entries = spec_filters, .count = 2, .packet_id = 10};
    pv_check_vector(PK_UNSUBSCRIBE, &p, V3, unsubscribe_spec, sizeof unsubscribe_spec);
    tern_subscription e[2] = {0};
    tern_subscribe d = {.entries = e, .capacity = 2};
    assert_int_equal(
        tern_codec_decode_unsubscribe(unsubscribe_spec, sizeof unsubscribe_spec, V3, &d),
        TERN_OK);
    assert_int_equal(d.count, 2);
    assert_bytes(e[1].filter, "c/d");
    assert_int_equal(e[1].options, 0);
}

static void subscribe_entry_with(uint8_t options, tern_bytes filter, tern_status status)
{
    tern_subscription e = {filter, options};
    tern_subscribe p = {.entries = &e, .count = 1, .packet_id = 10};
    pv_check_encode_fails(PK_SUBSCRIBE, &p, V3, status);
    uint8_t pkt[64] = {0x82, (uint8_t)(5 + filter.len), 0x00, 0x0A, 0x00, (uint8_t)filter.len};
    memcpy(pkt + 6, filter.data, filter.len);
    pkt[6 + filter.len] = options;
    pv_check_decode_fails(PK_SUBSCRIBE, V3, pkt, 7 + filter.len, status);
}

static void subscribe_rejections(void **state)
{
    (void)state;
    subscribe_entry_with(0x03, STR("a/b"), TERN_ERR_QOS);
    subscribe_entry_with(0x04, STR("a/b"), TERN_ERR_SUB_OPTIONS); /* 5.0's No Local */
    subscribe_entry_with(0x80, STR("a/b"), TERN_ERR_SUB_OPTIONS);
    subscribe_entry_with(0x00, STR("a/#/b"), TERN_ERR_FILTER_WILDCARD);
    subscribe_entry_with(0x00, STR("a+"), TERN_ERR_FILTER_WILDCARD);
    subscribe_entry_with(0x00, STR(""), TERN_ERR_TOPIC_EMPTY);
    subscribe_entry_with(0x00, STR("\xC0\xAF"), TERN_ERR_UTF8_OVERLONG);

    static const uint8_t none[] = {0x82, 0x02, 0x00, 0x0A};
    static const uint8_t flags0[] = {0x80, 0x08, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00};
    static const uint8_t pid0[] = {0x82, 0x08, 0x00, 0x00, 0x00, 0x03, 'a', '/', 'b', 0x00};
    static const uint8_t no_options[] = {0x82, 0x07, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b'};
    pv_check_decode_fails(PK_SUBSCRIBE, V3, none, sizeof none, TERN_ERR_NO_FILTERS);
    pv_check_decode_fails(PK_SUBSCRIBE, V3, flags0, sizeof flags0, TERN_ERR_FIXED_FLAGS);
    pv_check_decode_fails(PK_SUBSCRIBE, V3, pid0, sizeof pid0, TERN_ERR_PACKET_ID);
    pv_check_decode_fails(PK_SUBSCRIBE, V3, no_options, sizeof no_options,
                          TERN_ERR_REMAINING_LENGTH);
    pv_check_decode_fails(PK_SUBSCRIBE, V3, unsubscribe_spec, sizeof unsubscribe_spec,
                          TERN_ERR_PACKET_TYPE);

    tern_subscribe p = {.entries = spec_filters, .count = 0, .packet_id = 10};
    pv_check_encode_fails(PK_SUBSCRIBE, &p, V3, TERN_ERR_NO_FILTERS);
    pv_check_encode_fails(PK_UNSUBSCRIBE, &p, V3, TERN_ERR_NO_FILTERS);
    p = (tern_subscribe){.entries = spec_filters, .count = 2, .packet_id = 0};
    pv_check_encode_fails(PK_SUBSCRIBE, &p, V3, TERN_ERR_PACKET_ID);
    pv_check_encode_fails(PK_UNSUBSCRIBE, &p, V3, TERN_ERR_PACKET_ID);
}

static void subscribe_size_limits(void **state)
{
    (void)state;
    static uint8_t big[65536];
    memset(big, 'x', sizeof big);
    tern_subscription e = {{big, 65536}, 0};
    tern_subscribe p = {.entries = &e, .count = 1, .packet_id = 10};
    pv_check_encode_fails(PK_SUBSCRIBE, &p, V3, TERN_ERR_STRING_TOO_LONG);
    pv_check_encode_fails(PK_UNSUBSCRIBE, &p, V3, TERN_ERR_STRING_TOO_LONG);
    /* 4096 filters of 65535 bytes: past the largest remaining length (268,435,455). */
    enum { N = 4096 };
    tern_subscription *many = malloc(N * sizeof *many);
    assert_non_null(many);
    for (size_t i = 0; i < N; i++) many[i] = (tern_subscription){{big, 65535}, 0};
    p = (tern_subscribe){.entries = many, .count = N, .packet_id = 10};
    size_t size = 0;
    assert_int_equal(tern_codec_size_subscribe(&p, V3, &size), TERN_ERR_PACKET_TOO_LARGE);
    assert_int_equal(tern_codec_size_unsubscribe(&p, V3, &size), TERN_ERR_PACKET_TOO_LARGE);
    p.count = N - 1; /* 2 + 4095 * (2 + 65535 + 1) fits */
    assert_int_equal(tern_codec_size_subscribe(&p, V3, &size), TERN_OK);
    assert_int_equal(size, 1 + 4 + 2 + (size_t)4095 * (2 + 65535 + 1));
    free(many);
}

static void unsubscribe_rejections(void **state)
{
    (void)state;
    static const uint8_t none[] = {0xA2, 0x02, 0x00, 0x0A};
    static const uint8_t flags0[] = {0xA0, 0x07, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b'};
    static const uint8_t bad_filter[] = {0xA2, 0x07, 0x00, 0x0A, 0x00, 0x03, 'a', '#', 'b'};
    static const uint8_t cut_filter[] = {0xA2, 0x06, 0x00, 0x0A, 0x00, 0x03, 'a', '/'};
    pv_check_decode_fails(PK_UNSUBSCRIBE, V3, none, sizeof none, TERN_ERR_NO_FILTERS);
    pv_check_decode_fails(PK_UNSUBSCRIBE, V3, flags0, sizeof flags0, TERN_ERR_FIXED_FLAGS);
    pv_check_decode_fails(PK_UNSUBSCRIBE, V3, bad_filter, sizeof bad_filter,
                          TERN_ERR_FILTER_WILDCARD);
    pv_check_decode_fails(PK_UNSUBSCRIBE, V3, cut_filter, sizeof cut_filter,
                          TERN_ERR_REMAINING_LENGTH);

    tern_subscription e = {STR("a#b"), 0};
    tern_subscribe p = {.entries = &e, .count = 1, .packet_id = 10};
    pv_check_encode_fails(PK_UNSUBSCRIBE, &p, V3, TERN_ERR_FILTER_WILDCARD);
    /* UNSUBSCRIBE has no options byte, so options are not judged. */
    e = (tern_subscription){STR("a/b"), 0xFF};
    static const uint8_t one[] = {0xA2, 0x07, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b'};
    pv_check_encode(PK_UNSUBSCRIBE, &p, V3, one, sizeof one);
}

/* ------------------------------------------------------------ SUBACK, UNSUBACK */

/* The non-normative example of 3.1.1 3.9.3: granted QoS 0, granted QoS 2, failure. */
static const uint8_t suback_spec[] = {0x90, 0x05, 0x00, 0x0A, 0x00, 0x02, 0x80};

static void suback_spec_example(void **state)
{
    (void)state;
    static const uint8_t codes[] = {0x00, 0x02, 0x80};
    tern_suback p = {.codes = codes, .count = 3, .packet_id = 10};
    pv_check_vector(PK_SUBACK, &p, V3, suback_spec, sizeof suback_spec);
    tern_suback d = {0};
    assert_int_equal(tern_codec_decode_suback(suback_spec, sizeof suback_spec, V3, &d), TERN_OK);
    assert_int_equal(d.packet_id, 10);
    assert_int_equal(d.count, 3);
    assert_ptr_equal(d.codes, suback_spec + 4);
    assert_memory_equal(d.codes, codes, 3);
}

static void suback_rejections(void **state)
{
    (void)state;
    static const uint8_t code3[] = {0x90, 0x03, 0x00, 0x0A, 0x03};
    static const uint8_t code81[] = {0x90, 0x04, 0x00, 0x0A, 0x01, 0x81};
    static const uint8_t none[] = {0x90, 0x02, 0x00, 0x0A};
    static const uint8_t pid0[] = {0x90, 0x03, 0x00, 0x00, 0x00};
    static const uint8_t flags[] = {0x92, 0x03, 0x00, 0x0A, 0x00};
    pv_check_decode_fails(PK_SUBACK, V3, code3, sizeof code3, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_SUBACK, V3, code81, sizeof code81, TERN_ERR_REASON_CODE);
    pv_check_decode_fails(PK_SUBACK, V3, none, sizeof none, TERN_ERR_NO_FILTERS);
    pv_check_decode_fails(PK_SUBACK, V3, pid0, sizeof pid0, TERN_ERR_PACKET_ID);
    pv_check_decode_fails(PK_SUBACK, V3, flags, sizeof flags, TERN_ERR_FIXED_FLAGS);

    static const uint8_t bad[] = {0x01, 0x03};
    tern_suback p = {.codes = bad, .count = 2, .packet_id = 10};
    pv_check_encode_fails(PK_SUBACK, &p, V3, TERN_ERR_REASON_CODE);
    p.count = 0;
    pv_check_encode_fails(PK_SUBACK, &p, V3, TERN_ERR_NO_FILTERS);
    p = (tern_suback){.codes = suback_spec + 4, .count = 3, .packet_id = 0};
    pv_check_encode_fails(PK_SUBACK, &p, V3, TERN_ERR_PACKET_ID);
}

static void unsuback_vectors_and_rejections(void **state)
{
    (void)state;
    static const uint8_t unsuback[] = {0xB0, 0x02, 0x00, 0x0A};
    tern_suback p = {.packet_id = 10};
    pv_check_vector(PK_UNSUBACK, &p, V3, unsuback, sizeof unsuback);
    /* 3.1.1 UNSUBACK carries no codes: any the caller gives are not sent. */
    static const uint8_t codes[] = {0x00};
    p = (tern_suback){.codes = codes, .count = 1, .packet_id = 10};
    pv_check_encode(PK_UNSUBACK, &p, V3, unsuback, sizeof unsuback);
    tern_suback d = {.codes = codes, .count = 9};
    assert_int_equal(tern_codec_decode_unsuback(unsuback, sizeof unsuback, V3, &d), TERN_OK);
    assert_int_equal(d.packet_id, 10);
    assert_int_equal(d.count, 0);
    assert_null(d.codes);

    static const uint8_t extra[] = {0xB0, 0x03, 0x00, 0x0A, 0x00};
    static const uint8_t pid0[] = {0xB0, 0x02, 0x00, 0x00};
    static const uint8_t flags[] = {0xB1, 0x02, 0x00, 0x0A};
    pv_check_decode_fails(PK_UNSUBACK, V3, extra, sizeof extra, TERN_ERR_REMAINING_LENGTH);
    pv_check_decode_fails(PK_UNSUBACK, V3, pid0, sizeof pid0, TERN_ERR_PACKET_ID);
    pv_check_decode_fails(PK_UNSUBACK, V3, flags, sizeof flags, TERN_ERR_FIXED_FLAGS);
    pv_check_decode_fails(PK_UNSUBACK, V3, suback_spec, sizeof suback_spec, TERN_ERR_PACKET_TYPE);
    p = (tern_suback){.packet_id = 0};
    pv_check_encode_fails(PK_UNSUBACK, &p, V3, TERN_ERR_PACKET_ID);
}

/* ------------------------------------------------------------ PINGREQ, PINGRESP, DISCONNECT */

static void ping_vectors_and_rejections(void **state)
{
    (void)state;
    static const uint8_t req[] = {0xC0, 0x00}, resp[] = {0xD0, 0x00};
    tern_packet_type t = TERN_PINGREQ;
    pv_check_vector(PK_PING, &t, V3, req, 2);
    t = TERN_PINGRESP;
    pv_check_vector(PK_PING, &t, V3, resp, 2);
    assert_int_equal(tern_codec_decode_ping(req, 2, &t), TERN_OK);
    assert_int_equal(t, TERN_PINGREQ);
    assert_int_equal(tern_codec_decode_ping(resp, 2, &t), TERN_OK);
    assert_int_equal(t, TERN_PINGRESP);

    static const uint8_t flags[] = {0xC1, 0x00}, body[] = {0xD0, 0x01, 0x00};
    static const uint8_t disconnect[] = {0xE0, 0x00};
    pv_check_decode_fails(PK_PING, V3, flags, 2, TERN_ERR_FIXED_FLAGS);
    pv_check_decode_fails(PK_PING, V3, body, 3, TERN_ERR_REMAINING_LENGTH);
    pv_check_decode_fails(PK_PING, V3, disconnect, 2, TERN_ERR_PACKET_TYPE);
    uint8_t buf[2];
    size_t written = 0;
    assert_int_equal(tern_codec_encode_ping(TERN_DISCONNECT, buf, 2, &written),
                     TERN_ERR_PACKET_TYPE);
}

static void disconnect_vectors_and_rejections(void **state)
{
    (void)state;
    static const uint8_t disconnect[] = {0xE0, 0x00};
    tern_disconnect p = {0};
    pv_check_vector(PK_DISCONNECT, &p, V3, disconnect, 2);
    /* 3.1.1 DISCONNECT has no reason code: one set by the caller is not sent. */
    p.reason_code = TERN_RC_DISCONNECT_WITH_WILL;
    pv_check_encode(PK_DISCONNECT, &p, V3, disconnect, 2);

    static const uint8_t body[] = {0xE0, 0x01, 0x00}, flags[] = {0xE2, 0x00};
    pv_check_decode_fails(PK_DISCONNECT, V3, body, 3, TERN_ERR_REMAINING_LENGTH);
    pv_check_decode_fails(PK_DISCONNECT, V3, flags, 2, TERN_ERR_FIXED_FLAGS);
    static const uint8_t ping[] = {0xC0, 0x00};
    pv_check_decode_fails(PK_DISCONNECT, V3, ping, 2, TERN_ERR_PACKET_TYPE);
}

/* ------------------------------------------------------------ counts past 16 bits */

/* A packet of `entries` copies of `entry` after a packet id; *n gets its length. */
static uint8_t *packet_of_entries(uint8_t first, const uint8_t *entry, size_t entry_len,
                                  size_t entries, size_t *n)
{
    size_t body = 2 + entries * entry_len;
    uint8_t *pkt = malloc(TERN_FIXED_HEADER_MAX + body);
    assert_non_null(pkt);
    pkt[0] = first;
    size_t h = 1 + tern_varint_encode((uint32_t)body, pkt + 1, 4);
    pkt[h] = 0x00;
    pkt[h + 1] = 0x0A;
    for (size_t i = 0; i < entries; i++) memcpy(pkt + h + 2 + i * entry_len, entry, entry_len);
    *n = h + body;
    return pkt;
}

static void decoders_refuse_more_entries_than_a_count_holds(void **state)
{
    (void)state;
    static const uint8_t granted0[] = {0x00};
    static const uint8_t filter_a[] = {0x00, 0x01, 'a', 0x00};
    size_t n = 0;
    pv_decoded d;
    uint8_t *pkt = packet_of_entries(0x90, granted0, 1, 65535, &n);
    assert_int_equal(pv_decode(PK_SUBACK, pkt, n, V3, &d, 1), TERN_OK);
    assert_int_equal(d.u.suback.count, 65535);
    free(pkt);
    pkt = packet_of_entries(0x90, granted0, 1, 65536, &n);
    assert_int_equal(pv_decode(PK_SUBACK, pkt, n, V3, &d, 1), TERN_ERR_PACKET_TOO_LARGE);
    free(pkt);
    pkt = packet_of_entries(0x82, filter_a, sizeof filter_a, 65535, &n);
    assert_int_equal(pv_decode(PK_SUBSCRIBE, pkt, n, V3, &d, 1), TERN_OK);
    assert_int_equal(d.u.subscribe.count, 65535);
    assert_bytes(d.entries[7].filter, "a");
    free(pkt);
    pkt = packet_of_entries(0x82, filter_a, sizeof filter_a, 65536, &n);
    assert_int_equal(pv_decode(PK_SUBSCRIBE, pkt, n, V3, &d, 1), TERN_ERR_PACKET_TOO_LARGE);
    free(pkt);
}

/* ------------------------------------------------------------ versions */

static void unknown_versions_are_refused_everywhere(void **state)
{
    (void)state;
    const tern_mqtt_version bad = (tern_mqtt_version)3;
    tern_publish pub = publish_qos1_fields();
    tern_ack ack = {.type = TERN_PUBACK, .packet_id = 1};
    tern_connack connack = {0};
    tern_subscribe sub = {.entries = spec_filters, .count = 2, .packet_id = 10};
    tern_suback suback = {.codes = suback_spec + 4, .count = 3, .packet_id = 10};
    tern_disconnect disconnect = {0};
    pv_check_encode_fails(PK_PUBLISH, &pub, bad, TERN_ERR_PROTOCOL_VERSION);
    pv_check_encode_fails(PK_ACK, &ack, bad, TERN_ERR_PROTOCOL_VERSION);
    pv_check_encode_fails(PK_CONNACK, &connack, bad, TERN_ERR_PROTOCOL_VERSION);
    pv_check_encode_fails(PK_SUBSCRIBE, &sub, bad, TERN_ERR_PROTOCOL_VERSION);
    pv_check_encode_fails(PK_UNSUBSCRIBE, &sub, bad, TERN_ERR_PROTOCOL_VERSION);
    pv_check_encode_fails(PK_SUBACK, &suback, bad, TERN_ERR_PROTOCOL_VERSION);
    pv_check_encode_fails(PK_UNSUBACK, &suback, bad, TERN_ERR_PROTOCOL_VERSION);
    pv_check_encode_fails(PK_DISCONNECT, &disconnect, bad, TERN_ERR_PROTOCOL_VERSION);
    pv_check_decode_fails(PK_PUBLISH, bad, publish_qos1, sizeof publish_qos1,
                          TERN_ERR_PROTOCOL_VERSION);
    pv_check_decode_fails(PK_SUBACK, bad, suback_spec, sizeof suback_spec,
                          TERN_ERR_PROTOCOL_VERSION);
    static const uint8_t puback[] = {0x40, 0x02, 0x00, 0x0A};
    static const uint8_t connack_ok[] = {0x20, 0x02, 0x00, 0x00};
    static const uint8_t disconnect_pkt[] = {0xE0, 0x00};
    pv_check_decode_fails(PK_ACK, bad, puback, sizeof puback, TERN_ERR_PROTOCOL_VERSION);
    pv_check_decode_fails(PK_CONNACK, bad, connack_ok, sizeof connack_ok,
                          TERN_ERR_PROTOCOL_VERSION);
    pv_check_decode_fails(PK_DISCONNECT, bad, disconnect_pkt, sizeof disconnect_pkt,
                          TERN_ERR_PROTOCOL_VERSION);
    pv_check_decode_fails(PK_SUBSCRIBE, bad, subscribe_spec, sizeof subscribe_spec,
                          TERN_ERR_PROTOCOL_VERSION);
    tern_publish head = {0};
    uint32_t total = 0;
    assert_int_equal(tern_codec_decode_publish_head(publish_qos1, sizeof publish_qos1, bad, &head,
                                                    &total),
                     TERN_ERR_PROTOCOL_VERSION);
}

#if !TERN_CFG_MQTT5
/* A 3.1.1-only build refuses everything MQTT 5. */
static void mqtt5_is_unsupported_in_this_build(void **state)
{
    (void)state;
    tern_publish pub = publish_qos1_fields();
    tern_disconnect auth = {0};
    pv_check_encode_fails(PK_PUBLISH, &pub, TERN_MQTT_5, TERN_ERR_UNSUPPORTED);
    pv_check_encode_fails(PK_AUTH, &auth, TERN_MQTT_5, TERN_ERR_UNSUPPORTED);
    pv_check_decode_fails(PK_PUBLISH, TERN_MQTT_5, publish_qos1, sizeof publish_qos1,
                          TERN_ERR_UNSUPPORTED);
    static const uint8_t auth_pkt[] = {0xF0, 0x00};
    pv_check_decode_fails(PK_AUTH, TERN_MQTT_5, auth_pkt, 2, TERN_ERR_UNSUPPORTED);
    tern_connect c = connect_ce_fields();
    c.version = TERN_MQTT_5;
    pv_check_encode_fails(PK_CONNECT, &c, TERN_MQTT_5, TERN_ERR_UNSUPPORTED);
    connect_min_with(8, 0x05, TERN_ERR_UNSUPPORTED);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(connect_spec_example_both_ways),
        cmocka_unit_test(connect_minimal_and_will_retain_qos2),
        cmocka_unit_test(connect_decoder_rejections),
        cmocka_unit_test(connect_encoder_rejections),
        cmocka_unit_test(connack_vectors),
        cmocka_unit_test(connack_rejections),
        cmocka_unit_test(publish_vectors),
        cmocka_unit_test(publish_with_two_byte_remaining_length),
        cmocka_unit_test(publish_rejections),
        cmocka_unit_test(publish_size_limits),
        cmocka_unit_test(publish_head_of_a_partial_packet),
        cmocka_unit_test(ack_vectors),
        cmocka_unit_test(ack_rejections),
        cmocka_unit_test(ack_short_form_reads_as_the_general_path),
        cmocka_unit_test(subscribe_spec_example),
        cmocka_unit_test(subscribe_stores_up_to_capacity_and_counts_all),
        cmocka_unit_test(unsubscribe_spec_example),
        cmocka_unit_test(subscribe_rejections),
        cmocka_unit_test(subscribe_size_limits),
        cmocka_unit_test(unsubscribe_rejections),
        cmocka_unit_test(suback_spec_example),
        cmocka_unit_test(suback_rejections),
        cmocka_unit_test(unsuback_vectors_and_rejections),
        cmocka_unit_test(ping_vectors_and_rejections),
        cmocka_unit_test(disconnect_vectors_and_rejections),
        cmocka_unit_test(decoders_refuse_more_entries_than_a_count_holds),
        cmocka_unit_test(unknown_versions_are_refused_everywhere),
#if !TERN_CFG_MQTT5
        cmocka_unit_test(mqtt5_is_unsupported_in_this_build),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
