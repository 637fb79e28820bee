/* libFuzzer target for the codec. Built once per decoder (FUZZ_<NAME> chooses it).
 *
 * Beyond "no crash, no out-of-bounds read" (ASan+UBSan), every target checks that the codec
 * agrees with itself: whatever a decoder accepts, the matching encoder must accept, and
 * decode(encode(x)) must encode to the same bytes again. The first input byte picks the
 * protocol version for decoders that take one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/codec.h"

#define MAX_USER_PROPS 64
#define MAX_ENTRIES 64
#define OUT_CAP 70000

typedef struct {
    tern_props props;
    tern_user_prop user[MAX_USER_PROPS];
} owned_props;

static uint8_t out1[OUT_CAP], out2[OUT_CAP];

/* Decoded user properties live only in props.raw; collect them so the encoder sees them. */
static int own_user_props(owned_props *o)
{
    if (o->props.user_prop_count > MAX_USER_PROPS) return 0;
    size_t off = 0;
    uint16_t n = 0;
    tern_prop p;
    while (tern_props_next(o->props.raw, &off, &p) == TERN_OK) {
        if (p.id != TERN_PROP_USER_PROPERTY) continue;
        o->user[n].key = p.bytes;
        o->user[n].value = p.value2;
        n++;
    }
    if (n != o->props.user_prop_count) abort();
    o->props.user_props = o->user;
    return 1;
}

static void same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen != blen || memcmp(a, b, alen) != 0) abort();
}

static void must(tern_status st)
{
    if (st != TERN_OK) abort();
}

/* Each ROUND_TRIP below: encode the decoded struct, decode that, encode again, compare. */
#define ROUND_TRIP(encode_first, decode_again, encode_again)                    \
    do {                                                                      \
        size_t n1 = 0, n2 = 0;                                                \
        must(encode_first);                                                   \
        must(decode_again);                                                   \
        must(encode_again);                                                   \
        same_bytes(out1, n1, out2, n2);                                       \
    } while (0)

static int prepare(owned_props *a, owned_props *b)
{
    memset(b, 0, sizeof *b);
    return own_user_props(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    tern_mqtt_version v = (data[0] & 1) ? TERN_MQTT_5 : TERN_MQTT_311;
    data++;
    size--;
    owned_props pa, pb, wa, wb;
    memset(&pa, 0, sizeof pa);
    memset(&wa, 0, sizeof wa);
    (void)pb; (void)wb; (void)v;
#if defined(FUZZ_CONNECT)
    tern_connect a = {.props_store = &pa.props, .will_props_store = &wa.props}, b;
    if (tern_codec_decode_connect(data, size, &a) != TERN_OK) return 0;
    /* The one intended asymmetry: a 3.1.1 server must accept an empty client id without clean
     * session (to answer CONNACK 0x02), a client must never send one [MQTT-3.1.3-7/8]. */
    if (a.version == TERN_MQTT_311 && a.client_id.len == 0 && !a.clean_start) return 0;
    if (!prepare(&pa, &pb) || !prepare(&wa, &wb)) return 0;
    b = a;
    b.props_store = &pb.props;
    b.will_props_store = &wb.props;
    ROUND_TRIP(tern_codec_encode_connect(&a, out1, OUT_CAP, &n1),
               tern_codec_decode_connect(out1, n1, &b),
               (prepare(&pb, &pa), prepare(&wb, &wa), tern_codec_encode_connect(&b, out2, OUT_CAP, &n2)));
#elif defined(FUZZ_CONNACK)
    tern_connack a = {.props_store = &pa.props}, b;
    if (tern_codec_decode_connack(data, size, v, &a) != TERN_OK || !prepare(&pa, &pb)) return 0;
    b = a;
    b.props_store = &pb.props;
    ROUND_TRIP(tern_codec_encode_connack(&a, v, out1, OUT_CAP, &n1),
               tern_codec_decode_connack(out1, n1, v, &b),
               (prepare(&pb, &pa), tern_codec_encode_connack(&b, v, out2, OUT_CAP, &n2)));
#elif defined(FUZZ_PUBLISH)
    tern_publish a = {.props_store = &pa.props}, b;
    if (tern_codec_decode_publish(data, size, v, &a) != TERN_OK || !prepare(&pa, &pb)) return 0;
    b = a;
    b.props_store = &pb.props;
    /* What a client decodes is what a server sends: Subscription Identifiers included. */
    ROUND_TRIP(tern_codec_encode_publish_from_server(&a, v, out1, OUT_CAP, &n1),
               tern_codec_decode_publish(out1, n1, v, &b),
               (prepare(&pb, &pa), tern_codec_encode_publish_from_server(&b, v, out2, OUT_CAP, &n2)));
#elif defined(FUZZ_ACK)
    tern_ack a = {.props_store = &pa.props}, b, bare = {0};
    /* Without properties asked for, the short form is read straight: same verdict, same ack. */
    tern_status st_bare = tern_codec_decode_ack(data, size, v, &bare);
    tern_status st_a = tern_codec_decode_ack(data, size, v, &a);
    if (st_bare != st_a) abort();
    if (st_a == TERN_OK && (bare.type != a.type || bare.packet_id != a.packet_id ||
                            bare.reason_code != a.reason_code))
        abort();
    if (st_a != TERN_OK || !prepare(&pa, &pb)) return 0;
    b = a;
    b.props_store = &pb.props;
    ROUND_TRIP(tern_codec_encode_ack(&a, v, out1, OUT_CAP, &n1),
               tern_codec_decode_ack(out1, n1, v, &b),
               (prepare(&pb, &pa), tern_codec_encode_ack(&b, v, out2, OUT_CAP, &n2)));
#elif defined(FUZZ_SUBSCRIBE) || defined(FUZZ_UNSUBSCRIBE)
#if defined(FUZZ_SUBSCRIBE)
#define DECODE_SUB tern_codec_decode_subscribe
#define ENCODE_SUB tern_codec_encode_subscribe
#else
#define DECODE_SUB tern_codec_decode_unsubscribe
#define ENCODE_SUB tern_codec_encode_unsubscribe
#endif
    tern_subscription ea[MAX_ENTRIES], eb[MAX_ENTRIES];
    tern_subscribe a = {.props_store = &pa.props, .entries_store = ea, .entries_capacity = MAX_ENTRIES}, b;
    if (DECODE_SUB(data, size, v, &a) != TERN_OK || a.count > MAX_ENTRIES) return 0;
    if (!prepare(&pa, &pb)) return 0;
    b = a;
    b.props_store = &pb.props;
    b.entries_store = eb;
    ROUND_TRIP(ENCODE_SUB(&a, v, out1, OUT_CAP, &n1), DECODE_SUB(out1, n1, v, &b),
               (prepare(&pb, &pa), ENCODE_SUB(&b, v, out2, OUT_CAP, &n2)));
#elif defined(FUZZ_SUBACK) || defined(FUZZ_UNSUBACK)
#if defined(FUZZ_SUBACK)
#define DECODE_ACK tern_codec_decode_suback
#define ENCODE_ACK tern_codec_encode_suback
#else
#define DECODE_ACK tern_codec_decode_unsuback
#define ENCODE_ACK tern_codec_encode_unsuback
#endif
    tern_suback a = {.props_store = &pa.props}, b;
    if (DECODE_ACK(data, size, v, &a) != TERN_OK || !prepare(&pa, &pb)) return 0;
    b = a;
    b.props_store = &pb.props;
    ROUND_TRIP(ENCODE_ACK(&a, v, out1, OUT_CAP, &n1), DECODE_ACK(out1, n1, v, &b),
               (prepare(&pb, &pa), ENCODE_ACK(&b, v, out2, OUT_CAP, &n2)));
#elif defined(FUZZ_PING)
    tern_packet_type t;
    if (tern_codec_decode_ping(data, size, &t) != TERN_OK) return 0;
    size_t n1 = 0;
    must(tern_codec_encode_ping(t, out1, OUT_CAP, &n1));
    same_bytes(out1, n1, data, 2);
#elif defined(FUZZ_DISCONNECT)
    tern_disconnect a = {.props_store = &pa.props}, b;
    if (tern_codec_decode_disconnect(data, size, v, &a) != TERN_OK || !prepare(&pa, &pb)) return 0;
    b = a;
    b.props_store = &pb.props;
    ROUND_TRIP(tern_codec_encode_disconnect(&a, v, out1, OUT_CAP, &n1),
               tern_codec_decode_disconnect(out1, n1, v, &b),
               (prepare(&pb, &pa), tern_codec_encode_disconnect(&b, v, out2, OUT_CAP, &n2)));
#elif defined(FUZZ_AUTH)
    tern_disconnect a = {.props_store = &pa.props}, b;
    if (tern_codec_decode_auth(data, size, &a) != TERN_OK || !prepare(&pa, &pb)) return 0;
    b = a;
    b.props_store = &pb.props;
    ROUND_TRIP(tern_codec_encode_auth(&a, out1, OUT_CAP, &n1), tern_codec_decode_auth(out1, n1, &b),
               (prepare(&pb, &pa), tern_codec_encode_auth(&b, out2, OUT_CAP, &n2)));
#elif defined(FUZZ_PROPS)
    /* First byte after the version: the context (packet type or will). */
    if (size < 1) return 0;
    uint8_t ctx = (uint8_t)(data[0] % 16);
    size_t used = 0;
    if (tern_props_decode(data + 1, size - 1, ctx, &pa.props, &used) != TERN_OK) return 0;
    if (used > size - 1 || !prepare(&pa, &pb)) return 0;
    size_t n1 = 0, n2 = 0, used2 = 0;
    must(tern_props_encode(&pa.props, ctx, out1, OUT_CAP, &n1));
    must(tern_props_decode(out1, n1, ctx, &pb.props, &used2));
    if (used2 != n1) abort();
    prepare(&pb, &pa);
    must(tern_props_encode(&pb.props, ctx, out2, OUT_CAP, &n2));
    same_bytes(out1, n1, out2, n2);
#elif defined(FUZZ_TOPIC)
    /* Split the input at the first 0xFF into a filter and a topic. */
    const uint8_t *sep = memchr(data, 0xFF, size);
    if (!sep) return 0;
    tern_bytes filter = {data, (uint32_t)(sep - data)};
    tern_bytes topic = {sep + 1, (uint32_t)(size - (size_t)(sep - data) - 1)};
    int filter_ok = tern_topic_validate_filter(filter) == TERN_OK;
    int topic_ok = tern_topic_validate_name(topic) == TERN_OK;
    if (filter_ok && topic_ok) {
        int m = tern_topic_matches(filter, topic);
        /* A topic name is also a valid filter, and it must match itself (unless shared). */
        if (tern_topic_validate_filter(topic) == TERN_OK && !tern_topic_matches(topic, topic) &&
            !(topic.len >= 7 && memcmp(topic.data, "$share/", 7) == 0))
            abort();
        (void)m;
    }
#elif defined(FUZZ_HEADER)
    tern_header h;
    if (tern_codec_decode_header(data, size, &h) == TERN_OK) {
        if (h.header_len < 2 || h.header_len > 5 || h.header_len > size) abort();
        if (h.remaining > TERN_VARINT_MAX) abort();
    }
    uint32_t value = 0;
    size_t used = 0;
    if (tern_varint_decode(data, size, &value, &used) == TERN_OK) {
        uint8_t enc[4];
        size_t n = tern_varint_encode(value, enc, sizeof enc);
        same_bytes(enc, n, data, used);
    }
    (void)tern_utf8_validate(data, size);
#else
#error "define one FUZZ_<TARGET>"
#endif
    return 0;
}
