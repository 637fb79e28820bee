/* PUBACK, PUBREC, PUBREL, PUBCOMP (MQTT 3.1.1 sections 3.4-3.7, MQTT 5.0 sections 3.4-3.7):
 * one function pair for the four. The body is a packet id; MQTT 5 adds a reason code and a
 * property block, each left out when it says nothing (reason 0, no properties). */
#include "wire.h"


/* QoS 2's three acks share PUBACK's code path, so a build without QoS 2 (TERN_CFG_QOS2)
 * would save nothing here by refusing them: that choice is the session engine's. */
static tern_status check_ack_type(uint8_t type)
{
    return type >= TERN_PUBACK && type <= TERN_PUBCOMP ? TERN_OK : TERN_ERR_PACKET_TYPE;
}

/* [MQTT-3.6.1-1]: PUBREL's fixed header flags are 0010; the others' are 0. */
static uint8_t ack_flags(uint8_t type) { return type == TERN_PUBREL ? 2u : 0u; }

/* Everything the encoder checks: the body size and the property block size (0 when the
 * block is left out). */
static tern_status ack_body_size(const tern_ack *p, tern_mqtt_version v, size_t *body,
                                 size_t *props_size)
{
    tern_status st = tern_check_version(v);
    if (st == TERN_OK) st = check_ack_type(p->type);
    if (st != TERN_OK) return st;
    if (p->packet_id == 0) return TERN_ERR_PACKET_ID;
    *body = 2;
    *props_size = 0;
#if TERN_CFG_MQTT5
    if (TERN_IS_V5(v)) {
        if (!tern_reason_valid(p->reason_code, (tern_packet_type)p->type))
            return TERN_ERR_REASON_CODE;
        st = tern_props_size(p->props, p->type, props_size);
        if (st != TERN_OK) return st;
        if (*props_size == 1) *props_size = 0; /* an empty block is left out */
        *body += *props_size > 0 ? 1u + *props_size : p->reason_code != 0 ? 1u : 0u;
    }
#endif
    return TERN_OK;
}

tern_status tern_codec_size_ack(const tern_ack *p, tern_mqtt_version v, size_t *size)
{
    size_t body = 0, props_size = 0;
    tern_status st = ack_body_size(p, v, &body, &props_size);
    return st != TERN_OK ? st : tern_packet_total(body, size);
}

tern_status tern_codec_encode_ack(const tern_ack *p, tern_mqtt_version v, uint8_t *buf,
                                  size_t cap, size_t *written)
{
    size_t props_size = 0, total = 0;
    uint8_t *w = buf;
    tern_status st = ack_body_size(p, v, &total, &props_size);
    if (st == TERN_OK) st = tern_encode_begin(&w, cap, TERN_HEADER_BYTE(p->type, ack_flags(p->type)), &total);
    if (st != TERN_OK) return st;
    w = tern_write_u16(w, p->packet_id);
#if TERN_CFG_MQTT5
    if (total > 4) w = tern_write_u8(w, p->reason_code); /* the body is more than the id */
    if (props_size > 0) tern_write_props(&w, p->props, p->type, props_size);
#endif
    *written = total;
    return TERN_OK;
}

tern_status tern_codec_decode_ack(const uint8_t *buf, size_t len, tern_mqtt_version v,
                                  tern_ack *out)
{
    tern_status st = tern_check_version(v);
    if (st != TERN_OK) return st;
    if (len == 0) return TERN_NEED_MORE;
    uint8_t type = (uint8_t)(buf[0] >> 4), flags = ack_flags(type);
    st = check_ack_type(type);
    if (st != TERN_OK) return st;
    out->type = type;
    out->reason_code = 0;
    /* The short form (remaining length 2: reason 0, no properties) is nearly every ack there
     * is, two per QoS 2 message: read it straight when no properties are asked for. */
    if (len >= 4 && buf[1] == 2 && (buf[0] & 0x0Fu) == flags && !out->props_store) {
        out->props = NULL;
        out->packet_id = (uint16_t)((buf[2] << 8) | buf[3]);
        return out->packet_id ? TERN_OK : TERN_ERR_PACKET_ID;
    }
    tern_reader r;
    tern_header h;
    st = tern_reader_begin(&r, buf, len, type, 0x0F, flags, &h);
    if (st == TERN_OK) st = tern_read_u16(&r, &out->packet_id);
    if (st == TERN_OK && out->packet_id == 0) st = TERN_ERR_PACKET_ID;
    if (st != TERN_OK) return st;
#if TERN_CFG_MQTT5
    out->props = out->props_store;
    /* A 3.1.1 ack reads like 5.0's short form: reason 0, no properties. */
    st = TERN_IS_V5(v) ? tern_read_reason_and_props(&r, type, &out->reason_code, out->props_store)
                          : tern_read_props(&r, 0, type, out->props_store);
#endif
    return st != TERN_OK ? st : tern_reader_end(&r);
}
