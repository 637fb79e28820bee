/* PUBLISH (MQTT 3.1.1 section 3.3, MQTT 5.0 section 3.3): the hot path of the library.
 * One pass each way. The topic is the only field scanned; the payload is copied once when
 * encoding and never looked at when decoding (it is whatever follows the properties). */
#include "wire.h"

#define PUBLISH_DUP 0x08u
#define PUBLISH_QOS_SHIFT 1u
#define PUBLISH_RETAIN 0x01u


/* The fixed header rules on QoS and DUP, shared by both directions. */
static tern_status check_qos_dup(uint8_t qos, int dup)
{
    if (qos > 2) return TERN_ERR_QOS;
    /* [MQTT-3.3.1-2]: DUP must be 0 for QoS 0; 5.0 calls the opposite a Malformed Packet. */
    if (dup && qos == 0) return TERN_ERR_FIXED_FLAGS;
    return TERN_OK;
}

#if TERN_CFG_MQTT5
static int has_topic_alias(const tern_props *props)
{
    return props != NULL && (props->present & TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS)) != 0;
}
#endif

/* The topic of an outgoing PUBLISH. MQTT 5.0 3.3.2.1: an empty topic says "use the topic
 * alias", so it is valid there when the properties carry one. */
static tern_status check_topic(const tern_publish *p, tern_mqtt_version v)
{
#if TERN_CFG_MQTT5
    if (p->topic.len == 0 && TERN_IS_V5(v) && has_topic_alias(p->props)) return TERN_OK;
#else
    (void)v;
#endif
    return tern_topic_validate_name(p->topic);
}

#if TERN_CFG_MQTT5
/* MQTT-3.3.4-6: a PUBLISH from a client carries no Subscription Identifier; the server adds
 * them when it forwards the message to subscribers. */
static tern_status check_direction(const tern_props *props, int from_server)
{
    int has_sub_id = props != NULL && (props->present & TERN_PROP_BIT(TERN_PROP_SUBSCRIPTION_ID)) != 0;
    return has_sub_id && !from_server ? TERN_ERR_PROP_SERVER_ONLY : TERN_OK;
}
#endif

/* Everything the encoder checks, in one pass: the body size and the property block size
 * (0 for 3.1.1). from_server: the broker's PUBLISH to a subscriber, else a client's. */
static tern_status publish_body_size(const tern_publish *p, tern_mqtt_version v, int from_server,
                                     size_t *body, size_t *props_size)
{
    tern_status st = tern_check_version(v);
    if (st == TERN_OK) st = check_qos_dup(p->qos, p->dup);
    if (st != TERN_OK) return st;
    if (p->qos > 0 && p->packet_id == 0) return TERN_ERR_PACKET_ID;
    /* Also keeps the sum below from wrapping a 32-bit size_t. */
    if (p->payload.len > TERN_VARINT_MAX) return TERN_ERR_PACKET_TOO_LARGE;
    size_t n = p->qos > 0 ? 2u : 0u;
    st = tern_field_size(p->topic, &n);
    if (st == TERN_OK) st = check_topic(p, v);
    *props_size = 0;
#if TERN_CFG_MQTT5
    if (st == TERN_OK && TERN_IS_V5(v)) st = check_direction(p->props, from_server);
    if (st == TERN_OK && TERN_IS_V5(v))
        st = tern_props_size(p->props, TERN_PUBLISH, props_size);
#else
    (void)from_server;
#endif
    *body = n + *props_size + p->payload.len;
    return st;
}

tern_status tern_codec_size_publish(const tern_publish *p, tern_mqtt_version v, size_t *size)
{
    size_t body = 0, props_size = 0;
    tern_status st = publish_body_size(p, v, 0, &body, &props_size);
    return st != TERN_OK ? st : tern_packet_total(body, size);
}

static tern_status encode_publish(const tern_publish *p, tern_mqtt_version v, int from_server,
                                  uint8_t *buf, size_t cap, size_t *written)
{
    size_t props_size = 0, total = 0;
    uint8_t *w = buf;
    unsigned flags = (unsigned)p->qos << PUBLISH_QOS_SHIFT;
    if (p->dup) flags |= PUBLISH_DUP;
    if (p->retain) flags |= PUBLISH_RETAIN;
    tern_status st = publish_body_size(p, v, from_server, &total, &props_size);
    if (st == TERN_OK) st = tern_encode_begin(&w, cap, TERN_HEADER_BYTE(TERN_PUBLISH, (uint8_t)flags), &total);
    if (st != TERN_OK) return st;
    w = tern_write_binary(w, p->topic);
    if (p->qos > 0) w = tern_write_u16(w, p->packet_id);
#if TERN_CFG_MQTT5
    if (props_size > 0) tern_write_props(&w, p->props, TERN_PUBLISH, props_size);
#endif
    tern_write_raw(w, p->payload.data, p->payload.len);
    *written = total;
    return TERN_OK;
}

tern_status tern_codec_encode_publish(const tern_publish *p, tern_mqtt_version v, uint8_t *buf,
                                      size_t cap, size_t *written)
{
    return encode_publish(p, v, 0, buf, cap, written);
}

#if TERN_CFG_SERVER_SIDE
tern_status tern_codec_encode_publish_from_server(const tern_publish *p, tern_mqtt_version v, uint8_t *buf,
                                                  size_t cap, size_t *written)
{
    return encode_publish(p, v, 1, buf, cap, written);
}
#endif

#if TERN_CFG_MQTT5

/* The property block of a 5.0 PUBLISH. An empty topic is only valid with a Topic Alias, so
 * when the caller keeps no properties they are decoded into scratch to look for one. */
static tern_status read_publish_props(tern_reader *r, tern_props *props, int topic_empty)
{
    tern_props scratch;
    if (props == NULL && topic_empty) props = &scratch;
    tern_status st = tern_read_props(r, 1, TERN_PUBLISH, props);
    if (st == TERN_OK && topic_empty && !has_topic_alias(props)) st = TERN_ERR_TOPIC_EMPTY;
    return st;
}
#endif

/* Everything after the fixed header up to the payload; the payload is the rest of the span. */
static tern_status read_publish_fields(tern_reader *r, const tern_header *h, tern_mqtt_version v,
                                       tern_publish *out)
{
    uint8_t qos = (uint8_t)((h->flags >> PUBLISH_QOS_SHIFT) & 3u);
    tern_status st = check_qos_dup(qos, (h->flags & PUBLISH_DUP) != 0);
    if (st == TERN_OK) st = tern_read_binary(r, &out->topic);
    if (st != TERN_OK) return st;
    int is_v5 = TERN_IS_V5(v);
    /* In 5.0 an empty topic waits for the properties (Topic Alias); all else is judged now. */
    if (out->topic.len > 0 || !is_v5) st = tern_topic_validate_name(out->topic);
    out->packet_id = 0;
    if (st == TERN_OK && qos > 0) {
        st = tern_read_u16(r, &out->packet_id);
        if (st == TERN_OK && out->packet_id == 0) st = TERN_ERR_PACKET_ID;
    }
#if TERN_CFG_MQTT5
    out->props = out->props_store;
    if (st == TERN_OK)
        st = is_v5 ? read_publish_props(r, out->props_store, out->topic.len == 0)
                   : tern_read_props(r, 0, TERN_PUBLISH, out->props_store);
#endif
    if (st != TERN_OK) return st;
    out->payload.data = r->p + r->pos;
    out->payload.len = (uint32_t)tern_reader_left(r);
    out->qos = qos;
    out->retain = (uint8_t)(h->flags & PUBLISH_RETAIN);
    out->dup = (uint8_t)((h->flags & PUBLISH_DUP) != 0);
    return TERN_OK;
}

tern_status tern_codec_decode_publish(const uint8_t *buf, size_t len, tern_mqtt_version v,
                                      tern_publish *out)
{
    tern_reader r;
    tern_header h;
    tern_status st = tern_check_version(v);
    /* Flags are PUBLISH's own (dup/qos/retain): checked by read_publish_fields. */
    if (st == TERN_OK) st = tern_reader_begin(&r, buf, len, TERN_PUBLISH, 0, 0, &h);
    return st == TERN_OK ? read_publish_fields(&r, &h, v, out) : st;
}

tern_status tern_codec_decode_publish_head(const uint8_t *buf, size_t len, tern_mqtt_version v,
                                           tern_publish *out, uint32_t *payload_total)
{
    tern_header h;
    tern_status st = tern_check_version(v);
    if (st == TERN_OK) st = tern_codec_decode_header(buf, len, &h);
    if (st != TERN_OK) return st;
    if (h.type != TERN_PUBLISH) return TERN_ERR_PACKET_TYPE;
    size_t end = (size_t)h.header_len + h.remaining;
    int partial = len < end;
    tern_reader r = {buf, partial ? len : end, h.header_len};
    st = read_publish_fields(&r, &h, v, out);
    /* Running out inside the head of a packet that goes on means: not enough yet. */
    if (st == TERN_ERR_REMAINING_LENGTH && partial) return TERN_NEED_MORE;
    if (st == TERN_OK) *payload_total = (uint32_t)(end - (size_t)(out->payload.data - buf));
    return st;
}
