/* CONNECT and CONNACK (MQTT 3.1.1 sections 3.1-3.2, MQTT 5.0 sections 3.1-3.2), both ways:
 * a client encodes CONNECT and decodes CONNACK, a broker or a test does the opposite. */
#include "wire.h"

#define CONNECT_USERNAME 0x80u
#define CONNECT_PASSWORD 0x40u
#define CONNECT_WILL_RETAIN 0x20u
#define CONNECT_WILL_QOS_SHIFT 3u
#define CONNECT_WILL 0x04u
#define CONNECT_CLEAN_START 0x02u
#define CONNECT_RESERVED 0x01u

#define CONNACK_SESSION_PRESENT 0x01u

/* Protocol name "MQTT" as a length-prefixed string (3.1.2.1); 3.1's "MQIsdp" is not spoken. */
static const uint8_t protocol_name[6] = {0x00, 0x04, 'M', 'Q', 'T', 'T'};
/* Protocol name, level, flags, keep alive. */
#define CONNECT_FIXED_PART (sizeof protocol_name + 1u + 1u + 2u)


/* ------------------------------------------------------------ CONNECT */

/* The rules on the flags byte (3.1.2.3), for both directions. */
static tern_status check_connect_flags(uint8_t flags, int is_v5)
{
    unsigned will_qos = (flags >> CONNECT_WILL_QOS_SHIFT) & 3u;
    if (flags & CONNECT_RESERVED) return TERN_ERR_CONNECT_FLAGS;       /* [MQTT-3.1.2-3] */
    if (will_qos == 3) return TERN_ERR_CONNECT_FLAGS;                   /* [MQTT-3.1.2-14] */
    if (!(flags & CONNECT_WILL) && (will_qos || (flags & CONNECT_WILL_RETAIN)))
        return TERN_ERR_CONNECT_FLAGS;                     /* [MQTT-3.1.2-13], [MQTT-3.1.2-15] */
    /* [MQTT-3.1.2-22]; 5.0 allows a password alone (3.1.2.9). */
    if (!is_v5 && (flags & CONNECT_PASSWORD) && !(flags & CONNECT_USERNAME))
        return TERN_ERR_CONNECT_FLAGS;
    return TERN_OK;
}

/* The flags byte of p; will_qos has been checked to fit its two bits. */
static uint8_t connect_flags_of(const tern_connect *p)
{
    unsigned f = (unsigned)p->will_qos << CONNECT_WILL_QOS_SHIFT;
    if (p->has_username) f |= CONNECT_USERNAME;
    if (p->has_password) f |= CONNECT_PASSWORD;
    if (p->will_retain) f |= CONNECT_WILL_RETAIN;
    if (p->has_will) f |= CONNECT_WILL;
    if (p->clean_start) f |= CONNECT_CLEAN_START;
    return (uint8_t)f;
}

typedef struct {
    size_t body;
    size_t props;       /* CONNECT property block; 0 in 3.1.1 */
    size_t will_props;  /* will property block; 0 in 3.1.1 or without a will */
    uint8_t flags;      /* the connect flags byte */
} connect_sizes;

/* The will topic is published under, so it follows the topic name rules. */
static tern_status will_size(const tern_connect *p, size_t *n)
{
    tern_status st = tern_field_size(p->will_topic, n);
    if (st == TERN_OK) st = tern_topic_validate_name(p->will_topic);
    return st != TERN_OK ? st : tern_field_size(p->will_payload, n);
}

/* Everything the encoder checks, and the sizes it writes. */
static tern_status connect_sizes_of(const tern_connect *p, connect_sizes *s)
{
    tern_status st = tern_check_version((tern_mqtt_version)p->version);
    if (st != TERN_OK) return st;
    int is_v5 = TERN_IS_V5(p->version);
    if (p->will_qos > 2) return TERN_ERR_QOS;
    s->flags = connect_flags_of(p);
    st = check_connect_flags(s->flags, is_v5);
    if (st != TERN_OK) return st;
    /* [MQTT-3.1.3-7]: a 3.1.1 client without an identifier must ask for a clean session. */
    if (!is_v5 && p->client_id.len == 0 && !p->clean_start) return TERN_ERR_CONNECT_FLAGS;
    size_t n = CONNECT_FIXED_PART;
    st = tern_string_size(p->client_id, &n);
    if (st == TERN_OK && p->has_will) st = will_size(p, &n);
    if (st == TERN_OK && p->has_username) st = tern_string_size(p->username, &n);
    if (st == TERN_OK && p->has_password) st = tern_field_size(p->password, &n);
    s->props = s->will_props = 0;
#if TERN_CFG_MQTT5
    if (st == TERN_OK && is_v5) st = tern_props_size(p->props, TERN_CONNECT, &s->props);
    if (st == TERN_OK && is_v5 && p->has_will)
        st = tern_props_size(p->will_props, TERN_PROP_CTX_WILL, &s->will_props);
#endif
    s->body = n + s->props + s->will_props;
    return st;
}

tern_status tern_codec_size_connect(const tern_connect *p, size_t *size)
{
    connect_sizes s;
    tern_status st = connect_sizes_of(p, &s);
    return st != TERN_OK ? st : tern_packet_total(s.body, size);
}

tern_status tern_codec_encode_connect(const tern_connect *p, uint8_t *buf, size_t cap,
                                      size_t *written)
{
    connect_sizes s;
    size_t total = 0;
    uint8_t *w = buf;
    tern_status st = connect_sizes_of(p, &s);
    if (st != TERN_OK) return st;
    total = s.body;
    st = tern_encode_begin(&w, cap, TERN_HEADER_BYTE(TERN_CONNECT, 0), &total);
    if (st != TERN_OK) return st;
    w = tern_write_raw(w, protocol_name, sizeof protocol_name);
    w = tern_write_u8(w, p->version);
    w = tern_write_u8(w, s.flags);
    w = tern_write_u16(w, p->keep_alive);
#if TERN_CFG_MQTT5
    if (s.props > 0) tern_write_props(&w, p->props, TERN_CONNECT, s.props);
#endif
    w = tern_write_binary(w, p->client_id);
#if TERN_CFG_MQTT5
    if (s.will_props > 0) tern_write_props(&w, p->will_props, TERN_PROP_CTX_WILL, s.will_props);
#endif
    if (p->has_will) {
        w = tern_write_binary(w, p->will_topic);
        w = tern_write_binary(w, p->will_payload);
    }
    if (p->has_username) w = tern_write_binary(w, p->username);
    if (p->has_password) tern_write_binary(w, p->password);
    *written = total;
    return TERN_OK;
}

#if TERN_CFG_SERVER_SIDE
/* Protocol name and level (3.1.2.1, 3.1.2.2): the version this CONNECT speaks. */
static tern_status read_protocol(tern_reader *r, uint8_t *version)
{
    tern_bytes name;
    tern_status st = tern_read_binary(r, &name);
    if (st == TERN_OK) st = tern_read_u8(r, version);
    if (st != TERN_OK) return st;
    if (name.len != 4 || !tern_same(name.data, protocol_name + 2, 4))
        return TERN_ERR_PROTOCOL_NAME;
    return tern_check_version((tern_mqtt_version)*version);
}

/* The will (3.1.3.2-3.1.3.4): 5.0 properties, topic (a topic name), payload. */
static tern_status read_will(tern_reader *r, int is_v5, tern_connect *out)
{
    tern_status st = TERN_OK;
#if TERN_CFG_MQTT5
    st = tern_read_props(r, is_v5, TERN_PROP_CTX_WILL, out->will_props_store);
#else
    (void)is_v5;
#endif
    if (st == TERN_OK) st = tern_read_binary(r, &out->will_topic);
    if (st == TERN_OK) st = tern_topic_validate_name(out->will_topic);
    return st != TERN_OK ? st : tern_read_binary(r, &out->will_payload);
}

/* The payload after the client identifier: will, user name, password, as the flags say. */
static tern_status read_connect_tail(tern_reader *r, uint8_t flags, int is_v5,
                                     tern_connect *out)
{
    static const tern_bytes none = {NULL, 0};
    tern_status st = TERN_OK;
    out->will_topic = out->will_payload = out->username = out->password = none;
    out->has_will = (flags & CONNECT_WILL) != 0;
    out->has_username = (flags & CONNECT_USERNAME) != 0;
    out->has_password = (flags & CONNECT_PASSWORD) != 0;
    out->will_qos = (uint8_t)((flags >> CONNECT_WILL_QOS_SHIFT) & 3u);
    out->will_retain = (flags & CONNECT_WILL_RETAIN) != 0;
    out->clean_start = (flags & CONNECT_CLEAN_START) != 0;
#if TERN_CFG_MQTT5
    out->will_props = out->will_props_store;
    /* Without a will there are no will properties: the caller's set reads as empty. */
    if (!out->has_will) st = tern_read_props(r, 0, TERN_PROP_CTX_WILL, out->will_props_store);
#endif
    if (st == TERN_OK && out->has_will) st = read_will(r, is_v5, out);
    if (st == TERN_OK && out->has_username) st = tern_read_string(r, &out->username);
    if (st == TERN_OK && out->has_password) st = tern_read_binary(r, &out->password);
    return st;
}

tern_status tern_codec_decode_connect(const uint8_t *buf, size_t len, tern_connect *out)
{
    tern_reader r;
    tern_header h;
    uint8_t flags = 0;
    tern_status st = tern_reader_begin(&r, buf, len, TERN_CONNECT, 0x0F, 0, &h);
    if (st == TERN_OK) st = read_protocol(&r, &out->version);
    if (st == TERN_OK) st = tern_read_u8(&r, &flags);
    if (st != TERN_OK) return st;
    int is_v5 = TERN_IS_V5(out->version);
    st = check_connect_flags(flags, is_v5);
    if (st == TERN_OK) st = tern_read_u16(&r, &out->keep_alive);
#if TERN_CFG_MQTT5
    out->props = out->props_store;
    if (st == TERN_OK) st = tern_read_props(&r, is_v5, TERN_CONNECT, out->props_store);
#endif
    if (st == TERN_OK) st = tern_read_string(&r, &out->client_id);
    if (st == TERN_OK) st = read_connect_tail(&r, flags, is_v5, out);
    return st != TERN_OK ? st : tern_reader_end(&r);
}
#endif /* TERN_CFG_SERVER_SIDE */

/* ------------------------------------------------------------ CONNACK */

/* The acknowledge flags and the reason code (3.2.2.1, 3.2.2.2), for both directions. */
static tern_status check_connack(uint8_t ack_flags, uint8_t reason, int is_v5)
{
    if (ack_flags & ~CONNACK_SESSION_PRESENT) return TERN_ERR_CONNACK_FLAGS; /* [MQTT-3.2.2-1] */
#if TERN_CFG_MQTT5
    if (is_v5 && !tern_reason_valid(reason, TERN_CONNACK)) return TERN_ERR_REASON_CODE;
#endif
    if (!is_v5 && reason > 5) return TERN_ERR_REASON_CODE;             /* 3.1.1 table 3.1 */
    /* 3.1.1 [MQTT-3.2.2-4], 5.0 [MQTT-3.2.2-6]: a refusal has no session. */
    if (reason != 0 && (ack_flags & CONNACK_SESSION_PRESENT)) return TERN_ERR_CONNACK_FLAGS;
    return TERN_OK;
}

#if TERN_CFG_SERVER_SIDE
/* Everything the encoder checks; the body size and the property block size. */
static tern_status connack_body_size(const tern_connack *p, tern_mqtt_version v, size_t *body,
                                     size_t *props_size)
{
    tern_status st = tern_check_version(v);
    if (st == TERN_OK)
        st = check_connack(p->session_present ? CONNACK_SESSION_PRESENT : 0u, p->reason_code,
                           TERN_IS_V5(v));
    *props_size = 0;
#if TERN_CFG_MQTT5
    if (st == TERN_OK && TERN_IS_V5(v)) st = tern_props_size(p->props, TERN_CONNACK, props_size);
#endif
    *body = 2u + *props_size;
    return st;
}

tern_status tern_codec_size_connack(const tern_connack *p, tern_mqtt_version v, size_t *size)
{
    size_t body = 0, props_size = 0;
    tern_status st = connack_body_size(p, v, &body, &props_size);
    return st != TERN_OK ? st : tern_packet_total(body, size);
}

tern_status tern_codec_encode_connack(const tern_connack *p, tern_mqtt_version v, uint8_t *buf,
                                      size_t cap, size_t *written)
{
    size_t props_size = 0, total = 0;
    uint8_t *w = buf;
    tern_status st = connack_body_size(p, v, &total, &props_size);
    if (st == TERN_OK) st = tern_encode_begin(&w, cap, TERN_HEADER_BYTE(TERN_CONNACK, 0), &total);
    if (st != TERN_OK) return st;
    w = tern_write_u8(w, p->session_present ? CONNACK_SESSION_PRESENT : 0u);
    w = tern_write_u8(w, p->reason_code);
#if TERN_CFG_MQTT5
    if (props_size > 0) tern_write_props(&w, p->props, TERN_CONNACK, props_size);
#endif
    *written = total;
    return TERN_OK;
}
#endif /* TERN_CFG_SERVER_SIDE */

tern_status tern_codec_decode_connack(const uint8_t *buf, size_t len, tern_mqtt_version v,
                                      tern_connack *out)
{
    tern_reader r;
    tern_header h;
    uint8_t ack_flags = 0;
    tern_status st = tern_check_version(v);
    if (st == TERN_OK) st = tern_reader_begin(&r, buf, len, TERN_CONNACK, 0x0F, 0, &h);
    if (st == TERN_OK) st = tern_read_u8(&r, &ack_flags);
    if (st == TERN_OK) st = tern_read_u8(&r, &out->reason_code);
    if (st == TERN_OK) st = check_connack(ack_flags, out->reason_code, TERN_IS_V5(v));
#if TERN_CFG_MQTT5
    out->props = out->props_store;
    if (st == TERN_OK) st = tern_read_props(&r, TERN_IS_V5(v), TERN_CONNACK, out->props_store);
#endif
    if (st != TERN_OK) return st;
    out->session_present = (ack_flags & CONNACK_SESSION_PRESENT) != 0;
    return tern_reader_end(&r);
}
