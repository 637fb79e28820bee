/* SUBACK and UNSUBACK (sections 3.9 and 3.11 of both specs): a packet id, MQTT 5 properties,
 * then one reason code per filter of the request. A 3.1.1 UNSUBACK stops after the packet id.
 * One size/encode/decode path serves both packets; decoded codes point into the input. */
#include "wire.h"

#define SUBACK_FAILURE_311 0x80u


/* 3.1.1 SUBACK: granted QoS 0-2 or failure (3.1.1 3.9.3, [MQTT-3.9.3-2]);
 * 5.0: the reason codes of table 3-8 (SUBACK) or 3-9 (UNSUBACK). */
static tern_status check_codes(const uint8_t *codes, size_t count, uint8_t type, int is_v5)
{
#if TERN_CFG_MQTT5
    if (is_v5) {
        for (size_t i = 0; i < count; i++)
            if (!tern_reason_valid(codes[i], (tern_packet_type)type)) return TERN_ERR_REASON_CODE;
        return TERN_OK;
    }
#endif
    (void)type;
    (void)is_v5;
    for (size_t i = 0; i < count; i++)
        if (codes[i] > 2 && codes[i] != SUBACK_FAILURE_311) return TERN_ERR_REASON_CODE;
    return TERN_OK;
}

/* Every SUBACK has codes; an UNSUBACK only in 5.0 (3.1.1 3.11.3: it has no payload). */
static int has_codes(uint8_t type, int is_v5) { return type == TERN_SUBACK || is_v5; }

static tern_status decode_suback(const uint8_t *buf, size_t len, tern_mqtt_version v,
                                 uint8_t type, tern_suback *out)
{
    tern_reader r;
    tern_header h;
    tern_status st = tern_check_version(v);
    if (st == TERN_OK) st = tern_reader_begin(&r, buf, len, type, 0x0F, 0, &h);
    if (st == TERN_OK) st = tern_read_u16(&r, &out->packet_id);
    if (st == TERN_OK && out->packet_id == 0) st = TERN_ERR_PACKET_ID;
#if TERN_CFG_MQTT5
    out->props = out->props_store;
    if (st == TERN_OK) st = tern_read_props(&r, TERN_IS_V5(v), type, out->props_store);
#endif
    if (st != TERN_OK) return st;
    int is_v5 = TERN_IS_V5(v);
    size_t count = tern_reader_left(&r);
    out->codes = NULL;
    out->count = 0;
    /* Without codes, anything after the packet id is a length error. */
    if (!has_codes(type, is_v5)) return tern_reader_end(&r);
    if (count == 0) return TERN_ERR_NO_FILTERS;
    /* The count field is 16 bits; a packet that long answers nothing a client sends. */
    if (count > UINT16_MAX) return TERN_ERR_PACKET_TOO_LARGE;
    st = check_codes(r.p + r.pos, count, type, is_v5);
    if (st != TERN_OK) return st;
    out->codes = r.p + r.pos;
    out->count = (uint16_t)count;
    return TERN_OK;
}

tern_status tern_codec_decode_suback(const uint8_t *buf, size_t len, tern_mqtt_version v,
                                     tern_suback *out)
{
    return decode_suback(buf, len, v, TERN_SUBACK, out);
}

tern_status tern_codec_decode_unsuback(const uint8_t *buf, size_t len, tern_mqtt_version v,
                                       tern_suback *out)
{
    return decode_suback(buf, len, v, TERN_UNSUBACK, out);
}

#if TERN_CFG_SERVER_SIDE
/* Everything the encoder checks: the body size and the property block size (0 in 3.1.1). */
static tern_status suback_body_size(const tern_suback *p, tern_mqtt_version v, uint8_t type,
                                    size_t *body, size_t *props_size)
{
    tern_status st = tern_check_version(v);
    if (st != TERN_OK) return st;
    if (p->packet_id == 0) return TERN_ERR_PACKET_ID;
    int is_v5 = TERN_IS_V5(v);
    size_t n = 2;
    if (has_codes(type, is_v5)) {
        /* [MQTT-3.9.3-1], 5.0 3.11.3: a code for each filter, and there is at least one. */
        if (p->count == 0) return TERN_ERR_NO_FILTERS;
        st = check_codes(p->codes, p->count, type, is_v5);
        if (st != TERN_OK) return st;
        n += p->count;
    }
    *props_size = 0;
#if TERN_CFG_MQTT5
    if (is_v5) st = tern_props_size(p->props, type, props_size);
#endif
    *body = n + *props_size;
    return st;
}

static tern_status size_suback(const tern_suback *p, tern_mqtt_version v, uint8_t type,
                               size_t *size)
{
    size_t body = 0, props_size = 0;
    tern_status st = suback_body_size(p, v, type, &body, &props_size);
    return st != TERN_OK ? st : tern_packet_total(body, size);
}

static tern_status encode_suback(const tern_suback *p, tern_mqtt_version v, uint8_t type,
                                 uint8_t *buf, size_t cap, size_t *written)
{
    size_t props_size = 0, total = 0;
    uint8_t *w = buf;
    tern_status st = suback_body_size(p, v, type, &total, &props_size);
    if (st == TERN_OK) st = tern_encode_begin(&w, cap, TERN_HEADER_BYTE(type, 0), &total);
    if (st != TERN_OK) return st;
    w = tern_write_u16(w, p->packet_id);
#if TERN_CFG_MQTT5
    if (props_size > 0) tern_write_props(&w, p->props, type, props_size);
#endif
    if (has_codes(type, TERN_IS_V5(v))) tern_write_raw(w, p->codes, p->count);
    *written = total;
    return TERN_OK;
}

tern_status tern_codec_size_suback(const tern_suback *p, tern_mqtt_version v, size_t *size)
{
    return size_suback(p, v, TERN_SUBACK, size);
}

tern_status tern_codec_encode_suback(const tern_suback *p, tern_mqtt_version v, uint8_t *buf,
                                     size_t cap, size_t *written)
{
    return encode_suback(p, v, TERN_SUBACK, buf, cap, written);
}

tern_status tern_codec_size_unsuback(const tern_suback *p, tern_mqtt_version v, size_t *size)
{
    return size_suback(p, v, TERN_UNSUBACK, size);
}

tern_status tern_codec_encode_unsuback(const tern_suback *p, tern_mqtt_version v, uint8_t *buf,
                                       size_t cap, size_t *written)
{
    return encode_suback(p, v, TERN_UNSUBACK, buf, cap, written);
}

#endif /* TERN_CFG_SERVER_SIDE */
