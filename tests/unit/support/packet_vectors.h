/* Shared checks for the packet tests: one entry point per direction for every packet kind, so
 * that each byte vector gets the same treatment (exact encoding, size agreement, short
 * buffers, every prefix, trailing bytes, validate-only decoding, re-encoding).
 * Include after cmocka.h. */
#ifndef TERN_TEST_PACKET_VECTORS_H
#define TERN_TEST_PACKET_VECTORS_H

#include <stdlib.h>
#include <string.h>

#include "tern/codec.h"

/* A tern_bytes from a string literal (without its NUL). */
#define STR(s) ((tern_bytes){(const uint8_t *)(s), (uint32_t)(sizeof(s) - 1)})
#define BYTES(a) ((tern_bytes){(a), (uint32_t)sizeof(a)})
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Largest vector in the tests plus room to spare. */
#define PV_MAX 512

typedef enum {
    PK_CONNECT,
    PK_CONNACK,
    PK_PUBLISH,
    PK_ACK,
    PK_SUBSCRIBE,
    PK_UNSUBSCRIBE,
    PK_SUBACK,
    PK_UNSUBACK,
    PK_PING,
    PK_DISCONNECT,
    PK_AUTH
} packet_kind;

/* Decoded packet of any kind, with the caller storage that decoders fill. */
typedef struct {
    union {
        tern_connect connect;
        tern_connack connack;
        tern_publish publish;
        tern_ack ack;
        tern_subscribe subscribe;
        tern_suback suback;
        tern_disconnect disconnect;
        tern_packet_type ping;
    } u;
    tern_props props;
    tern_props will_props;
    tern_subscription entries[8];
    tern_user_prop user_props[8];
    tern_user_prop will_user_props[8];
} pv_decoded;

static inline tern_status pv_size(packet_kind k, const void *p, tern_mqtt_version v, size_t *size)
{
    switch (k) {
    case PK_CONNECT: return tern_codec_size_connect(p, size);
    case PK_CONNACK: return tern_codec_size_connack(p, v, size);
    case PK_PUBLISH: return tern_codec_size_publish(p, v, size);
    case PK_ACK: return tern_codec_size_ack(p, v, size);
    case PK_SUBSCRIBE: return tern_codec_size_subscribe(p, v, size);
    case PK_UNSUBSCRIBE: return tern_codec_size_unsubscribe(p, v, size);
    case PK_SUBACK: return tern_codec_size_suback(p, v, size);
    case PK_UNSUBACK: return tern_codec_size_unsuback(p, v, size);
    case PK_PING: *size = 2; return TERN_OK;
    case PK_DISCONNECT: return tern_codec_size_disconnect(p, v, size);
    case PK_AUTH: return tern_codec_size_auth(p, size);
    }
    return TERN_ERR_INVALID_ARG;
}

static inline tern_status pv_encode(packet_kind k, const void *p, tern_mqtt_version v,
                                    uint8_t *buf, size_t cap, size_t *written)
{
    switch (k) {
    case PK_CONNECT: return tern_codec_encode_connect(p, buf, cap, written);
    case PK_CONNACK: return tern_codec_encode_connack(p, v, buf, cap, written);
    case PK_PUBLISH: return tern_codec_encode_publish(p, v, buf, cap, written);
    case PK_ACK: return tern_codec_encode_ack(p, v, buf, cap, written);
    case PK_SUBSCRIBE: return tern_codec_encode_subscribe(p, v, buf, cap, written);
    case PK_UNSUBSCRIBE: return tern_codec_encode_unsubscribe(p, v, buf, cap, written);
    case PK_SUBACK: return tern_codec_encode_suback(p, v, buf, cap, written);
    case PK_UNSUBACK: return tern_codec_encode_unsuback(p, v, buf, cap, written);
    case PK_PING: return tern_codec_encode_ping(*(const tern_packet_type *)p, buf, cap, written);
    case PK_DISCONNECT: return tern_codec_encode_disconnect(p, v, buf, cap, written);
    case PK_AUTH: return tern_codec_encode_auth(p, buf, cap, written);
    }
    return TERN_ERR_INVALID_ARG;
}

/* Decode into d; with keep_props 0 the props pointers are NULL (validate only). */
static inline tern_status pv_decode(packet_kind k, const uint8_t *buf, size_t len,
                                    tern_mqtt_version v, pv_decoded *d, int keep_props)
{
    memset(d, 0, sizeof *d);
    tern_props *props = keep_props ? &d->props : NULL;
    switch (k) {
    case PK_CONNECT:
        d->u.connect.props = props;
        d->u.connect.will_props = keep_props ? &d->will_props : NULL;
        return tern_codec_decode_connect(buf, len, &d->u.connect);
    case PK_CONNACK:
        d->u.connack.props = props;
        return tern_codec_decode_connack(buf, len, v, &d->u.connack);
    case PK_PUBLISH:
        d->u.publish.props = props;
        return tern_codec_decode_publish(buf, len, v, &d->u.publish);
    case PK_ACK:
        d->u.ack.props = props;
        return tern_codec_decode_ack(buf, len, v, &d->u.ack);
    case PK_SUBSCRIBE:
    case PK_UNSUBSCRIBE:
        d->u.subscribe.props = props;
        d->u.subscribe.entries = d->entries;
        d->u.subscribe.capacity = (uint16_t)COUNT(d->entries);
        return k == PK_SUBSCRIBE ? tern_codec_decode_subscribe(buf, len, v, &d->u.subscribe)
                                 : tern_codec_decode_unsubscribe(buf, len, v, &d->u.subscribe);
    case PK_SUBACK:
    case PK_UNSUBACK:
        d->u.suback.props = props;
        return k == PK_SUBACK ? tern_codec_decode_suback(buf, len, v, &d->u.suback)
                              : tern_codec_decode_unsuback(buf, len, v, &d->u.suback);
    case PK_PING: return tern_codec_decode_ping(buf, len, &d->u.ping);
    case PK_DISCONNECT:
        d->u.disconnect.props = props;
        return tern_codec_decode_disconnect(buf, len, v, &d->u.disconnect);
    case PK_AUTH:
        d->u.disconnect.props = props;
        return tern_codec_decode_auth(buf, len, &d->u.disconnect);
    }
    return TERN_ERR_INVALID_ARG;
}

/* Decode from a heap copy of exactly len bytes, so that the sanitizer build catches any read
 * past the span. */
static inline tern_status pv_decode_exact(packet_kind k, const uint8_t *buf, size_t len,
                                          tern_mqtt_version v, pv_decoded *d, int keep_props)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    if (len > 0) memcpy(copy, buf, len);
    tern_status st = pv_decode(k, copy, len, v, d, keep_props);
    free(copy);
    return st;
}

/* Size and encode agree with the expected bytes, nothing is written past them, and a buffer
 * one byte short (or empty) is refused without touching *written. */
static inline void pv_check_encode(packet_kind k, const void *p, tern_mqtt_version v,
                                   const uint8_t *expect, size_t n)
{
    uint8_t buf[PV_MAX];
    size_t size = 0, written = 0;
    assert_true(n < PV_MAX);
    assert_int_equal(pv_size(k, p, v, &size), TERN_OK);
    assert_int_equal(size, n);
    memset(buf, 0xA5, sizeof buf);
    assert_int_equal(pv_encode(k, p, v, buf, n, &written), TERN_OK);
    assert_int_equal(written, n);
    assert_memory_equal(buf, expect, n);
    assert_int_equal(buf[n], 0xA5);
    written = 777;
    assert_int_equal(pv_encode(k, p, v, buf, n - 1, &written), TERN_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(pv_encode(k, p, v, buf, 0, &written), TERN_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(written, 777);
}

/* Every proper prefix needs more; the whole packet decodes, also with validation only and
 * with the start of another packet behind it. */
static inline void pv_check_decode_bounds(packet_kind k, tern_mqtt_version v,
                                          const uint8_t *bytes, size_t n)
{
    pv_decoded d;
    uint8_t longer[PV_MAX];
    for (size_t len = 0; len < n; len++)
        assert_int_equal(pv_decode_exact(k, bytes, len, v, &d, 1), TERN_NEED_MORE);
    assert_int_equal(pv_decode_exact(k, bytes, n, v, &d, 1), TERN_OK);
    assert_int_equal(pv_decode_exact(k, bytes, n, v, &d, 0), TERN_OK);
    assert_true(n + 2 <= sizeof longer);
    memcpy(longer, bytes, n);
    longer[n] = 0xC0; /* a PINGREQ follows */
    longer[n + 1] = 0x00;
    assert_int_equal(pv_decode(k, longer, n + 2, v, &d, 1), TERN_OK);
}

#if TERN_CFG_MQTT5
/* Decoded user properties are only in props.raw; copy them out for re-encoding. */
static inline void pv_collect_user_props(tern_props *props, tern_user_prop *out, size_t cap)
{
    size_t offset = 0, n = 0;
    tern_prop prop;
    while (tern_props_next(props->raw, &offset, &prop) == TERN_OK) {
        if (prop.id != TERN_PROP_USER_PROPERTY) continue;
        assert_true(n < cap);
        out[n].key = prop.bytes;
        out[n].value = prop.value2;
        n++;
    }
    assert_int_equal(n, props->user_prop_count);
    props->user_props = out;
}
#endif

/* Decoding and encoding again gives the same bytes. */
static inline void pv_check_reencode(packet_kind k, tern_mqtt_version v, const uint8_t *bytes,
                                     size_t n)
{
    pv_decoded d;
    uint8_t buf[PV_MAX];
    size_t written = 0;
    assert_int_equal(pv_decode(k, bytes, n, v, &d, 1), TERN_OK);
#if TERN_CFG_MQTT5
    pv_collect_user_props(&d.props, d.user_props, COUNT(d.user_props));
    pv_collect_user_props(&d.will_props, d.will_user_props, COUNT(d.will_user_props));
#endif
    assert_int_equal(pv_encode(k, &d.u, v, buf, sizeof buf, &written), TERN_OK);
    assert_int_equal(written, n);
    assert_memory_equal(buf, bytes, n);
}

/* All of the above for one packet and its bytes. */
static inline void pv_check_vector(packet_kind k, const void *p, tern_mqtt_version v,
                                   const uint8_t *bytes, size_t n)
{
    pv_check_encode(k, p, v, bytes, n);
    pv_check_decode_bounds(k, v, bytes, n);
    pv_check_reencode(k, v, bytes, n);
}

/* The encoder and its size function refuse p with status, and write nothing to *written. */
static inline void pv_check_encode_fails(packet_kind k, const void *p, tern_mqtt_version v,
                                         tern_status status)
{
    uint8_t buf[PV_MAX];
    size_t size = 777, written = 777;
    assert_int_equal(pv_size(k, p, v, &size), status);
    assert_int_equal(pv_encode(k, p, v, buf, sizeof buf, &written), status);
    assert_int_equal(written, 777);
}

/* The decoder refuses the bytes with status, whether it keeps the properties or not. */
static inline void pv_check_decode_fails(packet_kind k, tern_mqtt_version v,
                                         const uint8_t *bytes, size_t n, tern_status status)
{
    pv_decoded d;
    assert_int_equal(pv_decode_exact(k, bytes, n, v, &d, 1), status);
    assert_int_equal(pv_decode_exact(k, bytes, n, v, &d, 0), status);
}

#endif
