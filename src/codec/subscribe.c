/* SUBSCRIBE and UNSUBSCRIBE (sections 3.8 and 3.10 of both specs): a packet id, MQTT 5
 * properties, then topic filters, each followed by an options byte in SUBSCRIBE only.
 * One size/encode/decode path serves both packets. */
#include "wire.h"

/* [MQTT-3.8.1-1], [MQTT-3.10.1-1]: both packets carry fixed header flags 0010. */
#define SUBSCRIBE_FIXED_FLAGS 0x02u
#define SUBOPT_RESERVED_311 ((uint8_t)~TERN_SUBOPT_QOS_MASK)
#define SUBOPT_RESERVED_5 0xC0u
#define SUBOPT_RETAIN_HANDLING_MASK (3u << TERN_SUBOPT_RETAIN_HANDLING_SHIFT)


/* Subscription options (3.1.1 3.8.3.1, 5.0 3.8.3.1). */
static tern_status check_options(uint8_t options, tern_bytes filter, int is_v5)
{
    if ((options & TERN_SUBOPT_QOS_MASK) == 3) return TERN_ERR_QOS;
    if (!is_v5) return options & SUBOPT_RESERVED_311 ? TERN_ERR_SUB_OPTIONS : TERN_OK;
    if (options & SUBOPT_RESERVED_5) return TERN_ERR_SUB_OPTIONS;     /* [MQTT-3.8.3-5] */
    /* Retain handling 3 is a Protocol Error (5.0 3.8.3.1). */
    if ((options & SUBOPT_RETAIN_HANDLING_MASK) == SUBOPT_RETAIN_HANDLING_MASK)
        return TERN_ERR_SUB_OPTIONS;
    /* [MQTT-3.8.3-4]: No Local on a shared subscription is a Protocol Error. */
    if ((options & TERN_SUBOPT_NO_LOCAL) && tern_topic_is_shared(filter)) return TERN_ERR_SUB_OPTIONS;
    return TERN_OK;
}

/* One entry, as both directions judge it. */
static tern_status check_entry(const tern_subscription *e, int with_options, int is_v5)
{
    tern_status st = tern_topic_validate_filter(e->filter);
    if (st != TERN_OK || !with_options) return st;
    return check_options(e->options, e->filter, is_v5);
}

/* Everything the encoder checks: the body size and the property block size (0 in 3.1.1). */
static tern_status sub_body_size(const tern_subscribe *p, tern_mqtt_version v, uint8_t type,
                                 size_t *body, size_t *props_size)
{
    tern_status st = tern_check_version(v);
    if (st != TERN_OK) return st;
    if (p->packet_id == 0) return TERN_ERR_PACKET_ID;
    if (p->count == 0) return TERN_ERR_NO_FILTERS; /* [MQTT-3.8.3-3], [MQTT-3.10.3-2] */
    int is_v5 = TERN_IS_V5(v), with_options = type == TERN_SUBSCRIBE;
    size_t n = 2;
    for (size_t i = 0; i < p->count; i++) {
        const tern_subscription *e = &p->entries[i];
        st = tern_field_size(e->filter, &n);
        if (st == TERN_OK) st = check_entry(e, with_options, is_v5);
        if (st != TERN_OK) return st;
        n += with_options ? 1u : 0u;
        /* Checked per entry so that n cannot wrap a 32-bit size_t. */
        if (n > TERN_VARINT_MAX) return TERN_ERR_PACKET_TOO_LARGE;
    }
    *props_size = 0;
#if TERN_CFG_MQTT5
    if (is_v5) st = tern_props_size(p->props, type, props_size);
#endif
    *body = n + *props_size;
    return st;
}

static tern_status size_sub(const tern_subscribe *p, tern_mqtt_version v, uint8_t type,
                            size_t *size)
{
    size_t body = 0, props_size = 0;
    tern_status st = sub_body_size(p, v, type, &body, &props_size);
    return st != TERN_OK ? st : tern_packet_total(body, size);
}

static tern_status encode_sub(const tern_subscribe *p, tern_mqtt_version v, uint8_t type,
                              uint8_t *buf, size_t cap, size_t *written)
{
    size_t props_size = 0, total = 0;
    uint8_t *w = buf;
    tern_status st = sub_body_size(p, v, type, &total, &props_size);
    if (st == TERN_OK) st = tern_encode_begin(&w, cap, TERN_HEADER_BYTE(type, SUBSCRIBE_FIXED_FLAGS), &total);
    if (st != TERN_OK) return st;
    w = tern_write_u16(w, p->packet_id);
#if TERN_CFG_MQTT5
    if (props_size > 0) tern_write_props(&w, p->props, type, props_size);
#endif
    for (size_t i = 0; i < p->count; i++) {
        w = tern_write_binary(w, p->entries[i].filter);
        if (type == TERN_SUBSCRIBE) w = tern_write_u8(w, p->entries[i].options);
    }
    *written = total;
    return TERN_OK;
}

#if TERN_CFG_SERVER_SIDE
/* The entries fill the rest of the packet: all are checked, the first entries_capacity stored. */
static tern_status read_entries(tern_reader *r, int with_options, int is_v5,
                                tern_subscribe *out)
{
    size_t count = 0;
    out->entries = out->entries_store;
    while (tern_reader_left(r) > 0) {
        tern_subscription e = {{NULL, 0}, 0};
        tern_status st = tern_read_binary(r, &e.filter);
        if (st == TERN_OK && with_options) st = tern_read_u8(r, &e.options);
        if (st == TERN_OK) st = check_entry(&e, with_options, is_v5);
        if (st != TERN_OK) return st;
        if (out->entries_store && count < out->entries_capacity) out->entries_store[count] = e;
        /* The count field is 16 bits; a packet that long is nothing a client sends. */
        if (++count > UINT16_MAX) return TERN_ERR_PACKET_TOO_LARGE;
    }
    if (count == 0) return TERN_ERR_NO_FILTERS; /* [MQTT-3.8.3-3], [MQTT-3.10.3-2] */
    out->count = (uint16_t)count;
    return TERN_OK;
}

static tern_status decode_sub(const uint8_t *buf, size_t len, tern_mqtt_version v,
                              uint8_t type, tern_subscribe *out)
{
    tern_reader r;
    tern_header h;
    tern_status st = tern_check_version(v);
    if (st == TERN_OK)
        st = tern_reader_begin(&r, buf, len, type, 0x0F, SUBSCRIBE_FIXED_FLAGS, &h);
    if (st == TERN_OK) st = tern_read_u16(&r, &out->packet_id);
    if (st == TERN_OK && out->packet_id == 0) st = TERN_ERR_PACKET_ID;
#if TERN_CFG_MQTT5
    out->props = out->props_store;
    if (st == TERN_OK) st = tern_read_props(&r, TERN_IS_V5(v), type, out->props_store);
#endif
    if (st != TERN_OK) return st;
    return read_entries(&r, type == TERN_SUBSCRIBE, TERN_IS_V5(v), out);
}
#endif /* TERN_CFG_SERVER_SIDE */

tern_status tern_codec_size_subscribe(const tern_subscribe *p, tern_mqtt_version v,
                                      size_t *size)
{
    return size_sub(p, v, TERN_SUBSCRIBE, size);
}

tern_status tern_codec_encode_subscribe(const tern_subscribe *p, tern_mqtt_version v,
                                        uint8_t *buf, size_t cap, size_t *written)
{
    return encode_sub(p, v, TERN_SUBSCRIBE, buf, cap, written);
}

#if TERN_CFG_SERVER_SIDE
tern_status tern_codec_decode_subscribe(const uint8_t *buf, size_t len, tern_mqtt_version v,
                                        tern_subscribe *out)
{
    return decode_sub(buf, len, v, TERN_SUBSCRIBE, out);
}
#endif

tern_status tern_codec_size_unsubscribe(const tern_subscribe *p, tern_mqtt_version v,
                                        size_t *size)
{
    return size_sub(p, v, TERN_UNSUBSCRIBE, size);
}

tern_status tern_codec_encode_unsubscribe(const tern_subscribe *p, tern_mqtt_version v,
                                          uint8_t *buf, size_t cap, size_t *written)
{
    return encode_sub(p, v, TERN_UNSUBSCRIBE, buf, cap, written);
}

#if TERN_CFG_SERVER_SIDE
tern_status tern_codec_decode_unsubscribe(const uint8_t *buf, size_t len, tern_mqtt_version v,
                                          tern_subscribe *out)
{
    return decode_sub(buf, len, v, TERN_UNSUBSCRIBE, out);
}
#endif
