/* PINGREQ and PINGRESP (sections 3.12, 3.13 of both specs), DISCONNECT (3.14) and AUTH
 * (MQTT 5.0 3.15). DISCONNECT and AUTH share one body: in MQTT 5 a reason code and a property
 * block, each left out when it says nothing (reason 0, no properties); 3.1.1 DISCONNECT is
 * empty and 3.1.1 has no AUTH. */
#include "wire.h"


static int is_ping(uint8_t type) { return type == TERN_PINGREQ || type == TERN_PINGRESP; }

tern_status tern_codec_encode_ping(tern_packet_type type, uint8_t *buf, size_t cap,
                                   size_t *written)
{
    if (!is_ping((uint8_t)type)) return TERN_ERR_PACKET_TYPE;
    if (cap < 2) return TERN_ERR_BUFFER_TOO_SMALL;
    buf[0] = TERN_HEADER_BYTE(type, 0);
    buf[1] = 0; /* remaining length */
    *written = 2;
    return TERN_OK;
}

tern_status tern_codec_decode_ping(const uint8_t *buf, size_t len, tern_packet_type *type)
{
    if (len == 0) return TERN_NEED_MORE;
    uint8_t t = (uint8_t)(buf[0] >> 4);
    if (!is_ping(t)) return TERN_ERR_PACKET_TYPE;
    tern_reader r;
    tern_header h;
    tern_status st = tern_reader_begin(&r, buf, len, t, 0x0F, 0, &h);
    if (st == TERN_OK) st = tern_reader_end(&r);
    if (st == TERN_OK) *type = (tern_packet_type)t;
    return st;
}

/* Everything the encoder of DISCONNECT or AUTH (type) checks: the body size and the property
 * block size (0 when the block is left out). */
static tern_status reason_body_size(const tern_disconnect *p, uint8_t type, int is_v5,
                                    size_t *body, size_t *props_size)
{
    *body = 0;
    *props_size = 0;
#if TERN_CFG_MQTT5
    if (!is_v5) return TERN_OK;
    if (!tern_reason_valid(p->reason_code, (tern_packet_type)type)) return TERN_ERR_REASON_CODE;
    tern_status st = tern_props_size(p->props, type, props_size);
    if (st != TERN_OK) return st;
    if (*props_size == 1) *props_size = 0; /* an empty block is left out */
    *body = *props_size > 0 ? 1u + *props_size : p->reason_code != 0 ? 1u : 0u;
#else
    (void)p;
    (void)type;
    (void)is_v5;
#endif
    return TERN_OK;
}

static tern_status size_reason_packet(const tern_disconnect *p, uint8_t type, int is_v5,
                                      size_t *size)
{
    size_t body = 0, props_size = 0;
    tern_status st = reason_body_size(p, type, is_v5, &body, &props_size);
    return st != TERN_OK ? st : tern_packet_total(body, size);
}

static tern_status encode_reason_packet(const tern_disconnect *p, uint8_t type, int is_v5,
                                        uint8_t *buf, size_t cap, size_t *written)
{
    size_t props_size = 0, total = 0;
    uint8_t *w = buf;
    tern_status st = reason_body_size(p, type, is_v5, &total, &props_size);
    if (st == TERN_OK) st = tern_encode_begin(&w, cap, TERN_HEADER_BYTE(type, 0), &total);
    if (st != TERN_OK) return st;
#if TERN_CFG_MQTT5
    if (total > 2) w = tern_write_u8(w, p->reason_code); /* the body is not empty */
    if (props_size > 0) tern_write_props(&w, p->props, type, props_size);
#else
    (void)w;
#endif
    *written = total;
    return TERN_OK;
}

static tern_status decode_reason_packet(const uint8_t *buf, size_t len, uint8_t type,
                                        int is_v5, tern_disconnect *out)
{
    tern_reader r;
    tern_header h;
    tern_status st = tern_reader_begin(&r, buf, len, type, 0x0F, 0, &h);
    if (st != TERN_OK) return st;
    out->reason_code = 0;
#if TERN_CFG_MQTT5
    out->props = out->props_store;
    /* A 3.1.1 DISCONNECT reads like 5.0's short form; its leftover bytes fail the end check. */
    st = is_v5 ? tern_read_reason_and_props(&r, type, &out->reason_code, out->props_store)
               : tern_read_props(&r, 0, type, out->props_store);
#else
    (void)is_v5;
#endif
    return st != TERN_OK ? st : tern_reader_end(&r);
}

tern_status tern_codec_size_disconnect(const tern_disconnect *p, tern_mqtt_version v,
                                       size_t *size)
{
    tern_status st = tern_check_version(v);
    return st != TERN_OK ? st : size_reason_packet(p, TERN_DISCONNECT, TERN_IS_V5(v), size);
}

tern_status tern_codec_encode_disconnect(const tern_disconnect *p, tern_mqtt_version v,
                                         uint8_t *buf, size_t cap, size_t *written)
{
    tern_status st = tern_check_version(v);
    if (st != TERN_OK) return st;
    return encode_reason_packet(p, TERN_DISCONNECT, TERN_IS_V5(v), buf, cap, written);
}

tern_status tern_codec_decode_disconnect(const uint8_t *buf, size_t len, tern_mqtt_version v,
                                         tern_disconnect *out)
{
    tern_status st = tern_check_version(v);
    if (st != TERN_OK) return st;
    return decode_reason_packet(buf, len, TERN_DISCONNECT, TERN_IS_V5(v), out);
}

/* AUTH exists only in MQTT 5; a 3.1.1-only build has nothing to say with it. */
tern_status tern_codec_size_auth(const tern_disconnect *p, size_t *size)
{
    if (!TERN_CFG_MQTT5) return TERN_ERR_UNSUPPORTED;
    return size_reason_packet(p, TERN_AUTH, 1, size);
}

tern_status tern_codec_encode_auth(const tern_disconnect *p, uint8_t *buf, size_t cap,
                                   size_t *written)
{
    if (!TERN_CFG_MQTT5) return TERN_ERR_UNSUPPORTED;
    return encode_reason_packet(p, TERN_AUTH, 1, buf, cap, written);
}

tern_status tern_codec_decode_auth(const uint8_t *buf, size_t len, tern_disconnect *out)
{
    if (!TERN_CFG_MQTT5) return TERN_ERR_UNSUPPORTED;
    return decode_reason_packet(buf, len, TERN_AUTH, 1, out);
}
