/* -d: one line per packet, worded as mosquitto_pub/sub's -d words it, so that a trace of
 * either reads the same: "received PUBLISH (d0, q1, r0, m1, 'topic', ... (5 bytes))". Topics
 * are printed with their control characters escaped always: a trace goes to terminals and to
 * logs read on terminals later. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "session.h"
#include "sub_print.h"

/* A message larger than the receive buffer is traced from its head, all the engine holds of
 * it: the fixed header says how long the whole is. 0, or -1 when even the head is cut. */
static int decode_head(const tool_session *s, const uint8_t *pkt, size_t len, tern_publish *m)
{
    tern_header h;
    size_t at, used;
    uint32_t props_len = 0;
    if (tern_codec_decode_header(pkt, len, &h) != TERN_OK || len >= (size_t)h.header_len + h.remaining ||
        (at = h.header_len) + 2 > len)
        return -1; /* a whole packet that did not decode is malformed */
    m->topic = (tern_bytes){pkt + at + 2, (uint32_t)(pkt[at] << 8 | pkt[at + 1])};
    at += 2 + m->topic.len;
    m->qos = (uint8_t)((h.flags >> 1) & 3u);
    m->dup = (uint8_t)((h.flags >> 3) & 1u);
    m->retain = (uint8_t)(h.flags & 1u);
    if (m->qos && at + 2 <= len) m->packet_id = (uint16_t)(pkt[at] << 8 | pkt[at + 1]);
    at += m->qos ? 2 : 0;
    if (s->conn.version == TERN_MQTT_5 && at <= len) {
        if (tern_varint_decode(pkt + at, len - at, &props_len, &used) != TERN_OK) return -1;
        at += used + props_len;
    }
    if (at > len || at > (size_t)h.header_len + h.remaining) return -1;
    m->payload.len = (uint32_t)(h.header_len + h.remaining - at);
    return 0;
}

static void trace_publish(const tool_session *s, const uint8_t *pkt, size_t len)
{
    tern_publish m;
    memset(&m, 0, sizeof m);
    if (tern_codec_decode_publish(pkt, len, s->conn.version, &m) != TERN_OK && decode_head(s, pkt, len, &m) != 0) {
        fprintf(stderr, " (malformed, %u bytes)", (unsigned)len);
        return;
    }
    fprintf(stderr, " (d%u, q%u, r%u, m%u, '", m.dup, m.qos, m.retain, m.packet_id);
    tool_print_topic(stderr, m.topic, 1); /* the broker's text: escaped, on a terminal or in a log */
    fprintf(stderr, "', ... (%u bytes))", (unsigned)m.payload.len);
}

/* Acks as mosquitto words them: what it receives with "Mid:", what it sends with "m". */
static void trace_ack(const tool_session *s, int outgoing, const uint8_t *pkt, size_t len)
{
    tern_ack a;
    memset(&a, 0, sizeof a);
    if (tern_codec_decode_ack(pkt, len, s->conn.version, &a) != TERN_OK) return;
    int with_rc = a.type == TERN_PUBACK || (outgoing ? a.type == TERN_PUBREC : a.type == TERN_PUBCOMP);
    if (outgoing && with_rc) fprintf(stderr, " (m%u, rc%u)", a.packet_id, a.reason_code);
    else if (outgoing) fprintf(stderr, " (m%u)", a.packet_id);
    else if (with_rc) fprintf(stderr, " (Mid: %u, RC:%u)", a.packet_id, a.reason_code);
    else fprintf(stderr, " (Mid: %u)", a.packet_id);
}

/* "Client ID sending TYPE", the id whole however long (mosquitto prints it whole). */
static void trace_head(const tool_session *s, int outgoing, uint8_t type)
{
    fprintf(stderr, "Client %s %s %s", s->client_id, outgoing ? "sending" : "received", tern_packet_name(type));
}

#if TERN_CFG_SERVER_SIDE
/* One line per filter, as mosquitto_sub prints them. */
static void trace_subscribe(const tool_session *s, const uint8_t *pkt, size_t len)
{
    tern_subscription entries[TERN_TOOL_MAX_TOPICS];
    tern_subscribe sub;
    memset(&sub, 0, sizeof sub);
    sub.entries_store = entries;
    sub.entries_capacity = TERN_TOOL_MAX_TOPICS;
    if (tern_codec_decode_subscribe(pkt, len, s->conn.version, &sub) != TERN_OK) return;
    for (uint16_t i = 0; i < sub.count && i < sub.entries_capacity; i++) {
        if (i) trace_head(s, 1, TERN_SUBSCRIBE);
        fprintf(stderr, " (Mid: %u, Topic: ", sub.packet_id);
        tool_print_topic(stderr, entries[i].filter, 1);
        fprintf(stderr, ", QoS: %u, Options: 0x%02x)%s", entries[i].options & TERN_SUBOPT_QOS_MASK,
                entries[i].options & ~TERN_SUBOPT_QOS_MASK, i + 1 < sub.count ? "\n" : "");
    }
}
#endif

/* "Subscribed (mid: 1): 1, 1" after the SUBACK, as mosquitto_sub prints it. */
static void trace_suback(const tool_session *s, const uint8_t *pkt, size_t len)
{
    tern_suback ack;
    memset(&ack, 0, sizeof ack);
    if (tern_codec_decode_suback(pkt, len, s->conn.version, &ack) != TERN_OK) return;
    fprintf(stderr, "\nSubscribed (mid: %u):", ack.packet_id);
    for (uint16_t i = 0; i < ack.count; i++) fprintf(stderr, "%s %u", i ? "," : "", ack.codes[i]);
}

void tool_trace(tern_client *c, int outgoing, const uint8_t *pkt, size_t len, void *user)
{
    tool_session *s = user;
    (void)c;
    tern_header h;
    if (tern_codec_decode_header(pkt, len, &h) != TERN_OK) return;
    trace_head(s, outgoing, h.type);
    if (h.type == TERN_PUBLISH) trace_publish(s, pkt, len);
    else if (h.type >= TERN_PUBACK && h.type <= TERN_PUBCOMP) trace_ack(s, outgoing, pkt, len);
    else if (h.type == TERN_CONNACK && len >= 4) fprintf(stderr, " (%u)", pkt[h.header_len + 1]);
    else if (h.type == TERN_SUBACK) trace_suback(s, pkt, len);
#if TERN_CFG_SERVER_SIDE
    else if (h.type == TERN_SUBSCRIBE && outgoing) trace_subscribe(s, pkt, len);
#endif
    fputc('\n', stderr);
}
