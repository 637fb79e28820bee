/* MQTT 5 property blocks: exact bytes, round trips per packet, and every rejection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tern/codec.h"

#if TERN_CFG_MQTT5

#define BIT(id) TERN_PROP_BIT(id)

static tern_bytes str(const char *s)
{
    return (tern_bytes){(const uint8_t *)s, (uint32_t)strlen(s)};
}

/* Decode from an exact-size heap copy, so that AddressSanitizer catches any read past the
 * span. Only the status is kept: spans in *out would point into the freed copy. */
static tern_status decode_status(const uint8_t *bytes, size_t n, uint8_t ctx, tern_props *out)
{
    uint8_t *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    if (n) memcpy(copy, bytes, n);
    size_t used = 0;
    tern_status st = tern_props_decode(copy, n, ctx, out, &used);
    free(copy);
    return st;
}

/* Both with and without an output struct, the block gives exactly `want`. */
static void expect_decode(const uint8_t *bytes, size_t n, uint8_t ctx, tern_status want, int line)
{
    tern_props out;
    tern_status with_out = decode_status(bytes, n, ctx, &out);
    tern_status without = decode_status(bytes, n, ctx, NULL);
    if (with_out != want || without != want)
        fail_msg("line %d: got %s / %s, want %s", line, tern_status_name(with_out),
                 tern_status_name(without), tern_status_name(want));
}

#define DECODES_AS(ctx, want, ...)                                          \
    do {                                                                    \
        static const uint8_t block_[] = {__VA_ARGS__};                      \
        expect_decode(block_, sizeof block_, (ctx), (want), __LINE__);      \
    } while (0)

/* size and encode agree on `want`. */
static void expect_encode(const tern_props *p, uint8_t ctx, tern_status want, int line)
{
    uint8_t buf[64];
    size_t size = 0, written = 0;
    tern_status sized = tern_props_size(p, ctx, &size);
    tern_status encoded = tern_props_encode(p, ctx, buf, sizeof buf, &written);
    if (sized != want || encoded != want)
        fail_msg("line %d: size %s, encode %s, want %s", line, tern_status_name(sized),
                 tern_status_name(encoded), tern_status_name(want));
}

#define ENCODES_AS(props, ctx, want) expect_encode((props), (ctx), (want), __LINE__)

/* ---------------------------------------------------------------- test data */

static const uint8_t all_ids[] = {0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x11, 0x12, 0x13,
                                  0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1C, 0x1F, 0x21,
                                  0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A};

/* MQTT 5.0 table 2-4 read per packet (index = tern_packet_type, 0 = will properties). */
static const char *const allowed_ids[16] = {
    [TERN_PROP_CTX_WILL] = "\x01\x02\x03\x08\x09\x18\x26",
    [TERN_CONNECT] = "\x11\x15\x16\x17\x19\x21\x22\x26\x27",
    [TERN_CONNACK] = "\x11\x12\x13\x15\x16\x1A\x1C\x1F\x21\x22\x24\x25\x26\x27\x28\x29\x2A",
    [TERN_PUBLISH] = "\x01\x02\x03\x08\x09\x0B\x23\x26",
    [TERN_PUBACK] = "\x1F\x26",
    [TERN_PUBREC] = "\x1F\x26",
    [TERN_PUBREL] = "\x1F\x26",
    [TERN_PUBCOMP] = "\x1F\x26",
    [TERN_SUBSCRIBE] = "\x0B\x26",
    [TERN_SUBACK] = "\x1F\x26",
    [TERN_UNSUBSCRIBE] = "\x26",
    [TERN_UNSUBACK] = "\x1F\x26",
    [TERN_PINGREQ] = "",
    [TERN_PINGRESP] = "",
    [TERN_DISCONNECT] = "\x11\x1C\x1F\x26",
    [TERN_AUTH] = "\x15\x16\x1F\x26",
};

static int is_allowed(uint8_t id, uint8_t ctx) { return strchr(allowed_ids[ctx], id) != NULL; }

static const uint8_t correlation[] = {0x00, 0xFF, 0x80};
static const uint8_t auth_blob[] = {0x00, 0x01, 0x02};
static const tern_user_prop users[] = {
    {{(const uint8_t *)"k1", 2}, {(const uint8_t *)"v1", 2}},
    {{(const uint8_t *)"\xC3\xA9", 2}, {NULL, 0}},   /* "é" = "" */
    {{(const uint8_t *)"k1", 2}, {(const uint8_t *)"again", 5}},
};

/* Give property `id` a valid value, including the edge values a careless codec drops. */
static void set_prop(tern_props *p, uint8_t id)
{
    p->present |= BIT(id);
    switch (id) {
    case 0x01: p->payload_format = 1; break;
    case 0x02: p->message_expiry = 0x01020304u; break;
    case 0x03: p->content_type = str("application/json"); break;
    case 0x08: p->response_topic = str("reply/here"); break;
    case 0x09: p->correlation_data = (tern_bytes){correlation, sizeof correlation}; break;
    case 0x0B: p->subscription_id = TERN_VARINT_MAX; break;
    case 0x11: p->session_expiry = 0xFFFFFFFFu; break;
    case 0x12: p->assigned_client_id = str("auto-1"); break;
    case 0x13: p->server_keep_alive = 0xABCD; break;
    case 0x15: p->auth_method = str("SCRAM-SHA-1"); break;
    case 0x16: p->auth_data = (tern_bytes){auth_blob, sizeof auth_blob}; break;
    case 0x17: p->request_problem_info = 0; break;
    case 0x18: p->will_delay = 3600; break;
    case 0x19: p->request_response_info = 1; break;
    case 0x1A: p->response_info = str("resp/"); break;
    case 0x1C: p->server_reference = str("other:1883"); break;
    case 0x1F: p->reason_string = str("because \xE2\x82\xAC"); break;
    case 0x21: p->receive_maximum = 0xFFFF; break;
    case 0x22: p->topic_alias_maximum = 0; break;
    case 0x23: p->topic_alias = 7; break;
    case 0x24: p->maximum_qos = 1; break;
    case 0x25: p->retain_available = 0; break;
    case 0x26: p->user_props = users; p->user_prop_count = 3; break;
    case 0x27: p->maximum_packet_size = 1; break;
    case 0x28: p->wildcard_sub_available = 1; break;
    case 0x29: p->sub_id_available = 0; break;
    case 0x2A: p->shared_sub_available = 1; break;
    default: fail_msg("no test value for property 0x%02x", id);
    }
}

static void assert_bytes_equal(tern_bytes a, tern_bytes b)
{
    assert_int_equal(a.len, b.len);
    if (a.len) assert_memory_equal(a.data, b.data, a.len);
}

/* Every property of `want` has the same value in `got`; user properties via tern_props_next. */
static void assert_props_equal(const tern_props *want, const tern_props *got)
{
    assert_int_equal(got->present, want->present);
    uint64_t p = want->present;
    if (p & BIT(0x01)) assert_int_equal(got->payload_format, want->payload_format);
    if (p & BIT(0x02)) assert_int_equal(got->message_expiry, want->message_expiry);
    if (p & BIT(0x03)) assert_bytes_equal(got->content_type, want->content_type);
    if (p & BIT(0x08)) assert_bytes_equal(got->response_topic, want->response_topic);
    if (p & BIT(0x09)) assert_bytes_equal(got->correlation_data, want->correlation_data);
    if (p & BIT(0x0B)) assert_int_equal(got->subscription_id, want->subscription_id);
    if (p & BIT(0x11)) assert_int_equal(got->session_expiry, want->session_expiry);
    if (p & BIT(0x12)) assert_bytes_equal(got->assigned_client_id, want->assigned_client_id);
    if (p & BIT(0x13)) assert_int_equal(got->server_keep_alive, want->server_keep_alive);
    if (p & BIT(0x15)) assert_bytes_equal(got->auth_method, want->auth_method);
    if (p & BIT(0x16)) assert_bytes_equal(got->auth_data, want->auth_data);
    if (p & BIT(0x17)) assert_int_equal(got->request_problem_info, want->request_problem_info);
    if (p & BIT(0x18)) assert_int_equal(got->will_delay, want->will_delay);
    if (p & BIT(0x19)) assert_int_equal(got->request_response_info, want->request_response_info);
    if (p & BIT(0x1A)) assert_bytes_equal(got->response_info, want->response_info);
    if (p & BIT(0x1C)) assert_bytes_equal(got->server_reference, want->server_reference);
    if (p & BIT(0x1F)) assert_bytes_equal(got->reason_string, want->reason_string);
    if (p & BIT(0x21)) assert_int_equal(got->receive_maximum, want->receive_maximum);
    if (p & BIT(0x22)) assert_int_equal(got->topic_alias_maximum, want->topic_alias_maximum);
    if (p & BIT(0x23)) assert_int_equal(got->topic_alias, want->topic_alias);
    if (p & BIT(0x24)) assert_int_equal(got->maximum_qos, want->maximum_qos);
    if (p & BIT(0x25)) assert_int_equal(got->retain_available, want->retain_available);
    if (p & BIT(0x27)) assert_int_equal(got->maximum_packet_size, want->maximum_packet_size);
    if (p & BIT(0x28)) assert_int_equal(got->wildcard_sub_available, want->wildcard_sub_available);
    if (p & BIT(0x29)) assert_int_equal(got->sub_id_available, want->sub_id_available);
    if (p & BIT(0x2A)) assert_int_equal(got->shared_sub_available, want->shared_sub_available);

    uint16_t expected_users = (p & BIT(0x26)) ? want->user_prop_count : 0;
    assert_int_equal(got->user_prop_count, expected_users);
    size_t offset = 0, seen = 0;
    tern_prop prop;
    while (tern_props_next(got->raw, &offset, &prop) == TERN_OK) {
        if (prop.id != TERN_PROP_USER_PROPERTY) continue;
        assert_true(seen < expected_users);
        assert_bytes_equal(prop.bytes, want->user_props[seen].key);
        assert_bytes_equal(prop.value2, want->user_props[seen].value);
        seen++;
    }
    assert_int_equal(offset, got->raw.len);
    assert_int_equal(seen, expected_users);
}

/* ---------------------------------------------------------------- exact bytes */

static void encode_exact(const tern_props *p, uint8_t ctx, const uint8_t *want, size_t n)
{
    uint8_t buf[32];
    size_t size = 0, written = 0, used = 0;
    assert_int_equal(tern_props_size(p, ctx, &size), TERN_OK);
    assert_int_equal(size, n);
    assert_int_equal(tern_props_encode(p, ctx, buf, sizeof buf, &written), TERN_OK);
    assert_int_equal(written, n);
    assert_memory_equal(buf, want, n);
    tern_props back;
    assert_int_equal(tern_props_decode(buf, n, ctx, &back, &used), TERN_OK);
    assert_int_equal(used, n);
    static const tern_props none = {0};
    assert_props_equal(p != NULL ? p : &none, &back);
}

#define ENCODES_TO(props, ctx, ...)                                          \
    do {                                                                     \
        static const uint8_t want_[] = {__VA_ARGS__};                        \
        encode_exact((props), (ctx), want_, sizeof want_);                   \
    } while (0)

static void each_type_encodes_to_exact_bytes(void **state)
{
    (void)state;
    tern_props p = {.present = BIT(TERN_PROP_PAYLOAD_FORMAT), .payload_format = 1};
    ENCODES_TO(&p, TERN_PUBLISH, 0x02, 0x01, 0x01);                     /* byte */
    p = (tern_props){.present = BIT(TERN_PROP_TOPIC_ALIAS), .topic_alias = 0x1234};
    ENCODES_TO(&p, TERN_PUBLISH, 0x03, 0x23, 0x12, 0x34);               /* two-byte integer */
    p = (tern_props){.present = BIT(TERN_PROP_MESSAGE_EXPIRY), .message_expiry = 0x01020304};
    ENCODES_TO(&p, TERN_PUBLISH, 0x05, 0x02, 0x01, 0x02, 0x03, 0x04);   /* four-byte integer */
    p = (tern_props){.present = BIT(TERN_PROP_SUBSCRIPTION_ID), .subscription_id = 1};
    ENCODES_TO(&p, TERN_SUBSCRIBE, 0x02, 0x0B, 0x01);                   /* varint, 1 byte */
    p.subscription_id = 128;
    ENCODES_TO(&p, TERN_SUBSCRIBE, 0x03, 0x0B, 0x80, 0x01);             /* varint, 2 bytes */
    p.subscription_id = TERN_VARINT_MAX;
    ENCODES_TO(&p, TERN_PUBLISH, 0x05, 0x0B, 0xFF, 0xFF, 0xFF, 0x7F);   /* varint, 4 bytes */
    p = (tern_props){.present = BIT(TERN_PROP_CONTENT_TYPE), .content_type = str("json")};
    ENCODES_TO(&p, TERN_PUBLISH, 0x07, 0x03, 0x00, 0x04, 'j', 's', 'o', 'n');   /* string */
    p = (tern_props){.present = BIT(TERN_PROP_CORRELATION_DATA),
                     .correlation_data = {correlation, 2}};
    ENCODES_TO(&p, TERN_PUBLISH, 0x05, 0x09, 0x00, 0x02, 0x00, 0xFF);   /* binary data */
    p = (tern_props){.present = BIT(TERN_PROP_USER_PROPERTY), .user_props = users,
                     .user_prop_count = 1};
    ENCODES_TO(&p, TERN_PUBACK, 0x09, 0x26, 0x00, 0x02, 'k', '1', 0x00, 0x02, 'v', '1'); /* pair */
    p = (tern_props){.present = BIT(TERN_PROP_REASON_STRING), .reason_string = str("")};
    ENCODES_TO(&p, TERN_DISCONNECT, 0x03, 0x1F, 0x00, 0x00);            /* empty string */
}

static void no_properties_encode_as_one_zero_byte(void **state)
{
    (void)state;
    tern_props empty = {0};
    ENCODES_TO(NULL, TERN_CONNECT, 0x00);
    ENCODES_TO(&empty, TERN_PINGREQ, 0x00);
    /* A user property bit with no user properties writes nothing. */
    empty.present = BIT(TERN_PROP_USER_PROPERTY);
    uint8_t buf[4];
    size_t written = 0;
    assert_int_equal(tern_props_encode(&empty, TERN_PUBACK, buf, sizeof buf, &written), TERN_OK);
    assert_int_equal(written, 1);
    assert_int_equal(buf[0], 0x00);
}

static void block_length_over_127_takes_two_bytes(void **state)
{
    (void)state;
    uint8_t text[200];
    memset(text, 'a', sizeof text);
    tern_props p = {.present = BIT(TERN_PROP_REASON_STRING), .reason_string = {text, sizeof text}};
    uint8_t buf[256];
    size_t size = 0, written = 0, used = 0;
    assert_int_equal(tern_props_size(&p, TERN_SUBACK, &size), TERN_OK);
    assert_int_equal(size, 2 + 1 + 2 + 200);
    assert_int_equal(tern_props_encode(&p, TERN_SUBACK, buf, sizeof buf, &written), TERN_OK);
    assert_int_equal(written, size);
    static const uint8_t head[] = {0xCB, 0x01, 0x1F, 0x00, 0xC8};   /* 203 = 0xCB 0x01 */
    assert_memory_equal(buf, head, sizeof head);
    tern_props back;
    assert_int_equal(tern_props_decode(buf, written, TERN_SUBACK, &back, &used), TERN_OK);
    assert_int_equal(used, written);
    assert_ptr_equal(back.raw.data, buf + 2);
    assert_int_equal(back.raw.len, 203);
    assert_props_equal(&p, &back);
}

/* ---------------------------------------------------------------- round trips */

static void every_context_round_trips_all_its_properties(void **state)
{
    (void)state;
    for (uint8_t ctx = 0; ctx < 16; ctx++) {
        tern_props p = {0};
        for (const char *id = allowed_ids[ctx]; *id; id++) set_prop(&p, (uint8_t)*id);
        uint8_t buf[512];
        size_t size = 0, written = 0, used = 0;
        assert_int_equal(tern_props_size(&p, ctx, &size), TERN_OK);
        assert_int_equal(tern_props_encode(&p, ctx, buf, sizeof buf, &written), TERN_OK);
        assert_int_equal(written, size);
        /* Trailing bytes after the block (the payload) must be left alone. */
        buf[written] = 0xEE;
        tern_props back;
        memset(&back, 0xA5, sizeof back);
        assert_int_equal(tern_props_decode(buf, written + 1, ctx, &back, &used), TERN_OK);
        assert_int_equal(used, written);
        assert_props_equal(&p, &back);
        assert_int_equal(decode_status(buf, written, ctx, NULL), TERN_OK);
    }
}

static void each_property_is_refused_outside_its_packets(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof all_ids; i++) {
        uint8_t id = all_ids[i];
        tern_props p = {0};
        set_prop(&p, id);
        /* Bytes of this property from a packet that allows it. */
        uint8_t block[128];
        size_t n = 0;
        uint8_t home = 0;
        while (!is_allowed(id, home)) home++;
        assert_int_equal(tern_props_encode(&p, home, block, sizeof block, &n), TERN_OK);
        for (uint8_t ctx = 0; ctx < 16; ctx++) {
            tern_status want = is_allowed(id, ctx) ? TERN_OK : TERN_ERR_PROP_NOT_ALLOWED;
            size_t size = 0;
            if (tern_props_size(&p, ctx, &size) != want || decode_status(block, n, ctx, NULL) != want)
                fail_msg("property 0x%02x in context %u: want %s", id, ctx, tern_status_name(want));
        }
    }
}

/* ---------------------------------------------------------------- decode rejections */

static void decode_rejects_unknown_identifiers(void **state)
{
    (void)state;
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_UNKNOWN, 0x02, 0x00, 0x00);
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_UNKNOWN, 0x02, 0x04, 0x00);
    DECODES_AS(TERN_CONNACK, TERN_ERR_PROP_UNKNOWN, 0x02, 0x2B, 0x00);
    DECODES_AS(TERN_CONNACK, TERN_ERR_PROP_UNKNOWN, 0x02, 0x14, 0x00);
    /* A two-byte identifier is not one that exists either. */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_UNKNOWN, 0x03, 0x81, 0x00, 0x00);
    /* After a valid property too. */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_UNKNOWN, 0x04, 0x01, 0x01, 0x05, 0x00);
}

static void decode_rejects_properties_not_allowed_here(void **state)
{
    (void)state;
    DECODES_AS(TERN_CONNECT, TERN_ERR_PROP_NOT_ALLOWED, 0x03, 0x23, 0x00, 0x01);  /* topic alias */
    DECODES_AS(TERN_PROP_CTX_WILL, TERN_ERR_PROP_NOT_ALLOWED, 0x02, 0x0B, 0x01);  /* sub id */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_NOT_ALLOWED, 0x05, 0x18, 0, 0, 0, 1);  /* will delay */
    DECODES_AS(TERN_UNSUBSCRIBE, TERN_ERR_PROP_NOT_ALLOWED, 0x03, 0x1F, 0x00, 0x00);
    DECODES_AS(TERN_PINGRESP, TERN_ERR_PROP_NOT_ALLOWED, 0x05, 0x26, 0, 0, 0, 0);
    /* Not allowed wins over a bad value: the property has no business being here at all. */
    DECODES_AS(TERN_CONNECT, TERN_ERR_PROP_NOT_ALLOWED, 0x03, 0x23, 0x00, 0x00);
    DECODES_AS(TERN_PINGREQ, TERN_OK, 0x00);
}

static void decode_rejects_duplicates_but_allows_repeatable_ones(void **state)
{
    (void)state;
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_DUPLICATE, 0x04, 0x01, 0x00, 0x01, 0x00);
    DECODES_AS(TERN_CONNECT, TERN_ERR_PROP_DUPLICATE, 0x06, 0x21, 0x00, 0x01, 0x21, 0x00, 0x01);
    DECODES_AS(TERN_CONNACK, TERN_ERR_PROP_DUPLICATE,
               0x09, 0x1F, 0x00, 0x01, 'a', 0x24, 0x00, 0x1F, 0x00, 0x00);
    DECODES_AS(TERN_SUBSCRIBE, TERN_ERR_PROP_DUPLICATE, 0x04, 0x0B, 0x01, 0x0B, 0x02);

    /* PUBLISH: one Subscription Identifier per matching subscription; the field keeps the
     * first, and all of them can be read back in order. */
    static const uint8_t publish[] = {0x0C, 0x0B, 0x05, 0x26, 0x00, 0x00, 0x00, 0x00,
                                      0x0B, 0x80, 0x01, 0x0B, 0x07};
    tern_props out;
    size_t used = 0;
    assert_int_equal(tern_props_decode(publish, sizeof publish, TERN_PUBLISH, &out, &used), TERN_OK);
    assert_int_equal(used, sizeof publish);
    assert_int_equal(out.subscription_id, 5);
    assert_int_equal(out.user_prop_count, 1);
    assert_int_equal(out.present, BIT(0x0B) | BIT(0x26));
    static const uint32_t ids[] = {5, 128, 7};
    size_t offset = 0, k = 0;
    tern_prop prop;
    while (tern_props_next(out.raw, &offset, &prop) == TERN_OK)
        if (prop.id == TERN_PROP_SUBSCRIPTION_ID) assert_int_equal(prop.value, ids[k++]);
    assert_int_equal(k, 3);
    /* ... and each repeated one is still validated. */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_VALUE, 0x04, 0x0B, 0x01, 0x0B, 0x00);
}

static void decode_rejects_each_bad_value(void **state)
{
    (void)state;
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_VALUE, 0x02, 0x01, 0x02);        /* payload format */
    DECODES_AS(TERN_PROP_CTX_WILL, TERN_ERR_PROP_VALUE, 0x02, 0x01, 0xFF);
    DECODES_AS(TERN_CONNECT, TERN_ERR_PROP_VALUE, 0x02, 0x17, 0x02);        /* request problem */
    DECODES_AS(TERN_CONNECT, TERN_ERR_PROP_VALUE, 0x02, 0x19, 0x02);        /* request response */
    DECODES_AS(TERN_CONNACK, TERN_ERR_PROP_VALUE, 0x02, 0x24, 0x02);        /* maximum QoS */
    DECODES_AS(TERN_CONNACK, TERN_ERR_PROP_VALUE, 0x02, 0x25, 0x02);        /* retain available */
    DECODES_AS(TERN_CONNACK, TERN_ERR_PROP_VALUE, 0x02, 0x28, 0x02);        /* wildcard */
    DECODES_AS(TERN_CONNACK, TERN_ERR_PROP_VALUE, 0x02, 0x29, 0x02);        /* sub ids */
    DECODES_AS(TERN_CONNACK, TERN_ERR_PROP_VALUE, 0x02, 0x2A, 0x02);        /* shared subs */
    DECODES_AS(TERN_CONNECT, TERN_ERR_PROP_VALUE, 0x03, 0x21, 0x00, 0x00);  /* receive max 0 */
    DECODES_AS(TERN_CONNACK, TERN_ERR_PROP_VALUE, 0x05, 0x27, 0, 0, 0, 0);  /* max packet 0 */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_VALUE, 0x03, 0x23, 0x00, 0x00);  /* topic alias 0 */
    DECODES_AS(TERN_SUBSCRIBE, TERN_ERR_PROP_VALUE, 0x02, 0x0B, 0x00);      /* sub id 0 */
    /* The values next to the bad ones are fine. */
    DECODES_AS(TERN_CONNACK, TERN_OK, 0x07, 0x24, 0x00, 0x25, 0x01, 0x13, 0x00, 0x00);
    DECODES_AS(TERN_CONNECT, TERN_OK, 0x08, 0x21, 0x00, 0x01, 0x27, 0, 0, 0, 1);
    DECODES_AS(TERN_CONNECT, TERN_OK, 0x03, 0x22, 0x00, 0x00);   /* topic alias maximum 0 */
}

static void decode_rejects_truncation_and_malformed_varints(void **state)
{
    (void)state;
    expect_decode((const uint8_t *)"", 0, TERN_PUBLISH, TERN_ERR_PROP_LENGTH, __LINE__);
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_LENGTH, 0x80);                        /* length cut */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_LENGTH, 0x03, 0x23, 0x00);            /* past span */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_LENGTH, 0x80, 0x01, 0x23);            /* 128 > span */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_VARINT, 0xFF, 0xFF, 0xFF, 0xFF, 0x01);     /* 5 bytes */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_VARINT, 0x80, 0x00);                       /* overlong */
    /* Properties that run past the end of the block, with bytes in the span after it. */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_LENGTH, 0x02, 0x23, 0x00, 0x01);      /* two-byte */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_LENGTH, 0x01, 0x01, 0x01);            /* byte */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_LENGTH, 0x04, 0x02, 0, 0, 0, 1);      /* four-byte */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_LENGTH, 0x02, 0x0B, 0x80, 0x01);      /* varint */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_LENGTH, 0x04, 0x03, 0x00, 0x05, 'a', 'b', 'c', 'd', 'e');
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_LENGTH, 0x02, 0x09, 0x00, 0x00);      /* binary length */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_PROP_LENGTH, 0x04, 0x26, 0x00, 0x00, 0x00, 0x00); /* no value */
    DECODES_AS(TERN_PUBLISH, TERN_ERR_VARINT, 0x06, 0x0B, 0xFF, 0xFF, 0xFF, 0xFF, 0x01);
    DECODES_AS(TERN_PUBLISH, TERN_ERR_VARINT, 0x03, 0x0B, 0x80, 0x00);           /* overlong id */
}

/* Cut the CONNACK block with every property at every byte: the block is accepted exactly
 * when the cut falls between properties, and refused with PROP_LENGTH everywhere else. */
static void every_cut_of_a_block_is_caught(void **state)
{
    (void)state;
    tern_props p = {0};
    for (const char *id = allowed_ids[TERN_CONNACK]; *id; id++) set_prop(&p, (uint8_t)*id);
    uint8_t full[512], cut[520];
    size_t n = 0;
    assert_int_equal(tern_props_encode(&p, TERN_CONNACK, full, sizeof full, &n), TERN_OK);
    uint32_t body_len = 0;
    size_t head_len = 0;
    assert_int_equal(tern_varint_decode(full, n, &body_len, &head_len), TERN_OK);
    const uint8_t *body = full + head_len;
    assert_int_equal(head_len + body_len, n);
    size_t accepted = 0;
    for (size_t k = 0; k <= body_len; k++) {
        size_t head = tern_varint_encode((uint32_t)k, cut, sizeof cut);
        memcpy(cut + head, body, k);
        tern_status st = decode_status(cut, head + k, TERN_CONNACK, NULL);
        if (st == TERN_OK) accepted++;
        else assert_int_equal(st, TERN_ERR_PROP_LENGTH);
        /* A span shorter than the block it announces. */
        if (k > 0) assert_int_equal(decode_status(cut, head + k - 1, TERN_CONNACK, NULL),
                                    TERN_ERR_PROP_LENGTH);
    }
    /* 16 single properties + 3 user properties + the empty block. */
    assert_int_equal(accepted, strlen(allowed_ids[TERN_CONNACK]) - 1 + 3 + 1);
}

static void decode_rejects_bad_utf8_in_strings_only(void **state)
{
    (void)state;
    DECODES_AS(TERN_PUBLISH, TERN_ERR_UTF8_OVERLONG, 0x05, 0x03, 0x00, 0x02, 0xC0, 0x80);
    DECODES_AS(TERN_PUBLISH, TERN_ERR_UTF8_NULL, 0x04, 0x08, 0x00, 0x01, 0x00);
    DECODES_AS(TERN_CONNACK, TERN_ERR_UTF8_ILL_FORMED, 0x04, 0x12, 0x00, 0x01, 0xFF);
    /* User property key, then value. */
    DECODES_AS(TERN_PUBACK, TERN_ERR_UTF8_SURROGATE,
               0x08, 0x26, 0x00, 0x03, 0xED, 0xA0, 0x80, 0x00, 0x00);
    DECODES_AS(TERN_PUBACK, TERN_ERR_UTF8_TOO_LARGE,
               0x0A, 0x26, 0x00, 0x01, 'k', 0x00, 0x04, 0xF4, 0x90, 0x80, 0x80);
    /* Binary data may hold anything. */
    DECODES_AS(TERN_PUBLISH, TERN_OK, 0x06, 0x09, 0x00, 0x03, 0x00, 0xC0, 0xFF);
    DECODES_AS(TERN_AUTH, TERN_OK, 0x05, 0x16, 0x00, 0x02, 0xED, 0xA0);
}

static void decode_overwrites_stale_output_and_checks_arguments(void **state)
{
    (void)state;
    static const uint8_t block[] = {0x02, 0x23, 0x00};   /* alias cut by the block end */
    static const uint8_t good[] = {0x03, 0x23, 0x00, 0x09};
    tern_props out;
    memset(&out, 0xA5, sizeof out);
    size_t used = 99;
    assert_int_equal(tern_props_decode(good, sizeof good, TERN_PUBLISH, &out, &used), TERN_OK);
    assert_int_equal(used, 4);
    assert_int_equal(out.present, BIT(TERN_PROP_TOPIC_ALIAS));
    assert_int_equal(out.topic_alias, 9);
    assert_int_equal(out.user_prop_count, 0);
    assert_ptr_equal(out.raw.data, good + 1);
    assert_int_equal(out.raw.len, 3);
    assert_int_equal(tern_props_decode(good, sizeof good, TERN_PUBLISH, NULL, NULL), TERN_OK);
    assert_int_equal(tern_props_decode(block, 3, TERN_PUBLISH, NULL, &used), TERN_ERR_PROP_LENGTH);
    assert_int_equal(tern_props_decode(good, sizeof good, 16, &out, &used), TERN_ERR_INVALID_ARG);
    assert_int_equal(tern_props_decode(NULL, 4, TERN_PUBLISH, &out, &used), TERN_ERR_INVALID_ARG);
    /* An empty span has not even the block's length byte. */
    assert_int_equal(tern_props_decode(NULL, 0, TERN_PUBLISH, &out, &used), TERN_ERR_PROP_LENGTH);
}

/* ---------------------------------------------------------------- encode rejections */

static void encode_refuses_what_decode_refuses(void **state)
{
    (void)state;
    tern_props p = {.present = BIT(TERN_PROP_TOPIC_ALIAS), .topic_alias = 1};
    ENCODES_AS(&p, TERN_CONNECT, TERN_ERR_PROP_NOT_ALLOWED);
    ENCODES_AS(&p, TERN_PUBLISH, TERN_OK);
    p.topic_alias = 0;
    ENCODES_AS(&p, TERN_PUBLISH, TERN_ERR_PROP_VALUE);

    static const struct { uint8_t id; uint8_t ctx; } zero_is_bad[] = {
        {0x21, TERN_CONNECT}, {0x27, TERN_CONNACK}, {0x23, TERN_PUBLISH}, {0x0B, TERN_SUBSCRIBE}};
    for (size_t i = 0; i < sizeof zero_is_bad / sizeof zero_is_bad[0]; i++) {
        p = (tern_props){.present = BIT(zero_is_bad[i].id)};
        ENCODES_AS(&p, zero_is_bad[i].ctx, TERN_ERR_PROP_VALUE);
    }
    static const struct { uint8_t id; uint8_t ctx; } bools[] = {
        {0x01, TERN_PUBLISH}, {0x17, TERN_CONNECT}, {0x19, TERN_CONNECT}, {0x24, TERN_CONNACK},
        {0x25, TERN_CONNACK}, {0x28, TERN_CONNACK}, {0x29, TERN_CONNACK}, {0x2A, TERN_CONNACK}};
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        p = (tern_props){.present = BIT(bools[i].id), .payload_format = 2,
                         .request_problem_info = 2, .request_response_info = 2, .maximum_qos = 2,
                         .retain_available = 2, .wildcard_sub_available = 2,
                         .sub_id_available = 2, .shared_sub_available = 2};
        ENCODES_AS(&p, bools[i].ctx, TERN_ERR_PROP_VALUE);
    }
    p = (tern_props){.present = BIT(TERN_PROP_SUBSCRIPTION_ID), .subscription_id = TERN_VARINT_MAX + 1};
    ENCODES_AS(&p, TERN_SUBSCRIBE, TERN_ERR_PROP_VALUE);
}

static void encode_refuses_unknown_bits_and_bad_context(void **state)
{
    (void)state;
    static const uint8_t not_props[] = {0x00, 0x04, 0x0A, 0x14, 0x2B, 0x3F};
    for (size_t i = 0; i < sizeof not_props; i++) {
        tern_props p = {.present = BIT(not_props[i])};
        ENCODES_AS(&p, TERN_PUBLISH, TERN_ERR_PROP_UNKNOWN);
    }
    tern_props none = {0};
    ENCODES_AS(&none, 16, TERN_ERR_INVALID_ARG);
    ENCODES_AS(NULL, 0xFF, TERN_ERR_INVALID_ARG);
}

static uint8_t long_text[65536];

static void encode_refuses_bad_strings(void **state)
{
    (void)state;
    memset(long_text, 'a', sizeof long_text);
    tern_props p = {.present = BIT(TERN_PROP_CONTENT_TYPE), .content_type = {long_text, 65535}};
    size_t size = 0, written = 0;
    uint8_t small[8];
    assert_int_equal(tern_props_encode(&p, TERN_PUBLISH, small, sizeof small, &written),
                     TERN_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(tern_props_size(&p, TERN_PUBLISH, &size), TERN_OK);
    assert_int_equal(size, 3 + 1 + 2 + 65535);
    p.content_type.len = 65536;
    ENCODES_AS(&p, TERN_PUBLISH, TERN_ERR_STRING_TOO_LONG);
    p = (tern_props){.present = BIT(TERN_PROP_CORRELATION_DATA), .correlation_data = {long_text, 65536}};
    ENCODES_AS(&p, TERN_PUBLISH, TERN_ERR_STRING_TOO_LONG);
    p = (tern_props){.present = BIT(TERN_PROP_RESPONSE_TOPIC), .response_topic = str("\xC3")};
    ENCODES_AS(&p, TERN_PUBLISH, TERN_ERR_UTF8_ILL_FORMED);
    p = (tern_props){.present = BIT(TERN_PROP_AUTH_DATA), .auth_data = {(const uint8_t *)"\xC3", 1}};
    ENCODES_AS(&p, TERN_AUTH, TERN_OK);   /* binary: any bytes */
    p = (tern_props){.present = BIT(TERN_PROP_REASON_STRING), .reason_string = {NULL, 3}};
    ENCODES_AS(&p, TERN_PUBACK, TERN_ERR_INVALID_ARG);

    tern_user_prop bad_key = {{(const uint8_t *)"\xED\xA0\x80", 3}, {(const uint8_t *)"v", 1}};
    tern_user_prop bad_value = {{(const uint8_t *)"k", 1}, {(const uint8_t *)"a\0b", 3}};
    tern_user_prop long_value = {{(const uint8_t *)"k", 1}, {long_text, 65536}};
    p = (tern_props){.user_props = &bad_key, .user_prop_count = 1};
    ENCODES_AS(&p, TERN_PUBLISH, TERN_ERR_UTF8_SURROGATE);
    p.user_props = &bad_value;
    ENCODES_AS(&p, TERN_PUBLISH, TERN_ERR_UTF8_NULL);
    p.user_props = &long_value;
    ENCODES_AS(&p, TERN_PUBLISH, TERN_ERR_STRING_TOO_LONG);
    p.user_props = NULL;
    ENCODES_AS(&p, TERN_PUBLISH, TERN_ERR_INVALID_ARG);
    ENCODES_AS(&p, TERN_PINGREQ, TERN_ERR_PROP_NOT_ALLOWED);
}

static void encode_checks_capacity_before_writing(void **state)
{
    (void)state;
    tern_props p = {.present = BIT(TERN_PROP_SESSION_EXPIRY) | BIT(TERN_PROP_RECEIVE_MAXIMUM),
                    .session_expiry = 60, .receive_maximum = 10};
    static const uint8_t want[] = {0x08, 0x11, 0x00, 0x00, 0x00, 0x3C, 0x21, 0x00, 0x0A};
    uint8_t buf[sizeof want + 1];
    size_t written = 0;
    memset(buf, 0xAA, sizeof buf);
    assert_int_equal(tern_props_encode(&p, TERN_CONNECT, buf, sizeof want - 1, &written),
                     TERN_ERR_BUFFER_TOO_SMALL);
    for (size_t i = 0; i < sizeof buf; i++) assert_int_equal(buf[i], 0xAA);
    assert_int_equal(tern_props_encode(&p, TERN_CONNECT, buf, sizeof want, &written), TERN_OK);
    assert_int_equal(written, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    assert_int_equal(buf[sizeof want], 0xAA);
    assert_int_equal(tern_props_encode(NULL, TERN_CONNECT, buf, 0, &written),
                     TERN_ERR_BUFFER_TOO_SMALL);
}

/* 2048 user properties of 65535 + 65535 bytes pass the varint limit of the block length. */
static void size_refuses_a_block_over_the_varint_limit(void **state)
{
    (void)state;
    memset(long_text, 'a', sizeof long_text);
    enum { N = 2048 };
    static tern_user_prop many[N];
    for (size_t i = 0; i < N; i++) many[i] = (tern_user_prop){{long_text, 65535}, {long_text, 65535}};
    tern_props p = {.user_props = many, .user_prop_count = N - 1};
    size_t size = 0;
    assert_int_equal(tern_props_size(&p, TERN_PUBLISH, &size), TERN_OK);
    assert_int_equal(size, 4 + (size_t)(N - 1) * 131075u);
    p.user_prop_count = N;
    assert_int_equal(tern_props_size(&p, TERN_PUBLISH, &size), TERN_ERR_PACKET_TOO_LARGE);
}

/* 65536 empty user properties: the count stops at 65535, the raw block still has them all. */
static void user_property_count_saturates(void **state)
{
    (void)state;
    enum { N = 65536, BODY = N * 5 };
    uint8_t *block = malloc(3 + BODY);
    assert_non_null(block);
    assert_int_equal(tern_varint_encode(BODY, block, 3), 3);
    for (size_t i = 0; i < N; i++) memcpy(block + 3 + i * 5, "\x26\0\0\0\0", 5);
    tern_props out;
    size_t used = 0;
    assert_int_equal(tern_props_decode(block, 3 + BODY, TERN_PUBLISH, &out, &used), TERN_OK);
    assert_int_equal(used, 3 + BODY);
    assert_int_equal(out.user_prop_count, 65535);
    size_t offset = 0, count = 0;
    tern_prop prop;
    while (tern_props_next(out.raw, &offset, &prop) == TERN_OK) count++;
    assert_int_equal(count, N);
    free(block);
}

/* ---------------------------------------------------------------- iteration */

static void next_walks_the_block_in_order(void **state)
{
    (void)state;
    static const uint8_t block[] = {
        0x01, 0x01,                                   /* payload format 1 */
        0x23, 0x01, 0x02,                             /* topic alias 258 */
        0x02, 0x00, 0x00, 0x0E, 0x10,                 /* message expiry 3600 */
        0x0B, 0xC8, 0x01,                             /* subscription id 200 */
        0x03, 0x00, 0x01, 'x',                        /* content type "x" */
        0x26, 0x00, 0x01, 'k', 0x00, 0x02, 'v', 'w',  /* user property k=vw */
        0x09, 0x00, 0x00,                             /* correlation data, empty */
    };
    tern_bytes raw = {block, sizeof block};
    tern_prop prop;
    size_t offset = 0;
    assert_int_equal(tern_props_next(raw, &offset, &prop), TERN_OK);
    assert_int_equal(prop.id, 0x01);
    assert_int_equal(prop.value, 1);
    assert_int_equal(offset, 2);
    assert_int_equal(tern_props_next(raw, &offset, &prop), TERN_OK);
    assert_int_equal(prop.id, 0x23);
    assert_int_equal(prop.value, 258);
    assert_int_equal(tern_props_next(raw, &offset, &prop), TERN_OK);
    assert_int_equal(prop.id, 0x02);
    assert_int_equal(prop.value, 3600);
    assert_int_equal(tern_props_next(raw, &offset, &prop), TERN_OK);
    assert_int_equal(prop.id, 0x0B);
    assert_int_equal(prop.value, 200);
    assert_int_equal(tern_props_next(raw, &offset, &prop), TERN_OK);
    assert_int_equal(prop.id, 0x03);
    assert_bytes_equal(prop.bytes, str("x"));
    assert_int_equal(tern_props_next(raw, &offset, &prop), TERN_OK);
    assert_int_equal(prop.id, 0x26);
    assert_bytes_equal(prop.bytes, str("k"));
    assert_bytes_equal(prop.value2, str("vw"));
    assert_int_equal(tern_props_next(raw, &offset, &prop), TERN_OK);
    assert_int_equal(prop.id, 0x09);
    assert_int_equal(prop.bytes.len, 0);
    assert_int_equal(offset, sizeof block);
    assert_int_equal(tern_props_next(raw, &offset, &prop), TERN_NEED_MORE);
    assert_int_equal(offset, sizeof block);
    /* An empty block ends at once; a block it was never given is still read safely. */
    size_t zero = 0;
    assert_int_equal(tern_props_next((tern_bytes){NULL, 0}, &zero, &prop), TERN_NEED_MORE);
    tern_bytes cut = {block, 4};
    offset = 2;
    assert_int_equal(tern_props_next(cut, &offset, &prop), TERN_ERR_PROP_LENGTH);
    assert_int_equal(offset, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_type_encodes_to_exact_bytes),
        cmocka_unit_test(no_properties_encode_as_one_zero_byte),
        cmocka_unit_test(block_length_over_127_takes_two_bytes),
        cmocka_unit_test(every_context_round_trips_all_its_properties),
        cmocka_unit_test(each_property_is_refused_outside_its_packets),
        cmocka_unit_test(decode_rejects_unknown_identifiers),
        cmocka_unit_test(decode_rejects_properties_not_allowed_here),
        cmocka_unit_test(decode_rejects_duplicates_but_allows_repeatable_ones),
        cmocka_unit_test(decode_rejects_each_bad_value),
        cmocka_unit_test(decode_rejects_truncation_and_malformed_varints),
        cmocka_unit_test(every_cut_of_a_block_is_caught),
        cmocka_unit_test(decode_rejects_bad_utf8_in_strings_only),
        cmocka_unit_test(decode_overwrites_stale_output_and_checks_arguments),
        cmocka_unit_test(encode_refuses_what_decode_refuses),
        cmocka_unit_test(encode_refuses_unknown_bits_and_bad_context),
        cmocka_unit_test(encode_refuses_bad_strings),
        cmocka_unit_test(encode_checks_capacity_before_writing),
        cmocka_unit_test(size_refuses_a_block_over_the_varint_limit),
        cmocka_unit_test(user_property_count_saturates),
        cmocka_unit_test(next_walks_the_block_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* A 3.1.1-only build has no properties to test. */

static void properties_are_not_built(void **state)
{
    (void)state;
    skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(properties_are_not_built)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
