/* Inbound: read what the transport has, cut it into packets, and handle each one. A packet
 * is handled only when the send queue has room for its answer, so an ack is never lost. */
#include <string.h>

#include "internal.h"

void tern_deliver(tern_client *c, const tern_publish *m)
{
    for (uint16_t i = 0; i < c->cfg->route_count; i++) {
        const tern_route *r = &c->cfg->routes[i];
        if (r->on_message && tern_topic_matches(r->filter, m->topic)) {
            r->on_message(c, m, r->user);
            return;
        }
    }
    if (c->cfg->cb.on_message) c->cfg->cb.on_message(c, m, c->cfg->cb.user);
}

/* The inbound QoS 2 table holds the ids awaiting PUBREL in the order they arrived, packed at
 * its start (0 marks the end): a removal closes the gap, so entry 0 is always the oldest. The
 * first qos2_old entries came from before the last reconnect. */
int tern_qos2_seen(tern_client *c, uint16_t id, int remove)
{
    uint16_t *t = c->cfg->inbound_qos2, n = c->cfg->inbound_qos2_count;
    for (uint16_t i = 0; i < n && t[i]; i++) {
        if (t[i] != id) continue;
        if (remove) {
            tern_copy(t + i, t + i + 1, (size_t)(n - i - 1u) * sizeof *t);
            t[n - 1u] = 0;
            if (i < c->qos2_old) c->qos2_old--;
            c->hold_retry = 1; /* a message waiting for room can be taken now */
        }
        return 1;
    }
    return 0;
}

static uint16_t qos2_used(const tern_client *c)
{
    uint16_t used = 0;
    while (used < c->cfg->inbound_qos2_count && c->cfg->inbound_qos2[used]) used++;
    return used;
}

/* Room for one more id? A full table of ids from this connection means the broker has that
 * many messages awaiting PUBREL: forgetting one would deliver its re-send twice, so there is
 * no room (the caller holds the message back, unacknowledged) unless force is set: held
 * messages fill the receive buffer, and no PUBREL can arrive behind them (a broker far past
 * its in-flight limit: mosquitto 2.0.11 after restoring a session). Ids that came before the
 * last reconnect and got no PUBREL when the session resumed are ones a broker lost (killed
 * before it saved). Either way the oldest gives way, and the application is told. */
int tern_qos2_room(tern_client *c, int force)
{
    uint16_t *t = c->cfg->inbound_qos2, n = c->cfg->inbound_qos2_count;
    if (n == 0) return 0;
    if (t[n - 1u] == 0) return 1; /* packed: the last entry is free until it is full */
    if (c->qos2_old == 0 && !force) return 0;
    tern_copy(t, t + 1, (size_t)(n - 1u) * sizeof *t);
    t[n - 1u] = 0;
    if (c->qos2_old) c->qos2_old--;
    tern_report(c, TERN_ERR_RECEIVE_MAXIMUM);
    return 1;
}

int tern_qos2_remember(tern_client *c, uint16_t id)
{
    if (!tern_qos2_room(c, 1)) return 0;
    c->cfg->inbound_qos2[qos2_used(c)] = id;
    return 1;
}

void tern_qos2_session(tern_client *c, int session_present)
{
    if (!session_present && c->cfg->inbound_qos2_count)
        memset(c->cfg->inbound_qos2, 0, c->cfg->inbound_qos2_count * sizeof *c->cfg->inbound_qos2);
    c->qos2_old = qos2_used(c);
}

#if TERN_CFG_MQTT5
/* MQTT 5 topic alias from the broker: a topic with an alias binds it, an empty topic uses it.
 * Aliases beyond what we advertised, or unbound ones, are a protocol error (0x94). */
tern_status tern_resolve_topic_alias(tern_client *c, tern_publish *m, uint16_t alias)
{
    if (alias == 0 || alias > c->cfg->topic_alias_count) return TERN_ERR_TOPIC_ALIAS;
    tern_topic_alias *a = &c->cfg->topic_aliases[alias - 1];
    if (m->topic.len == 0) {
        if (a->len == 0) return TERN_ERR_TOPIC_ALIAS;
        m->topic.data = a->topic;
        m->topic.len = a->len;
        return TERN_OK;
    }
    if (m->topic.len > a->cap) return TERN_ERR_BUFFER_TOO_SMALL; /* the caller's table is too small */
    tern_copy(a->topic, m->topic.data, m->topic.len);
    a->len = (uint16_t)m->topic.len;
    return TERN_OK;
}
#endif

tern_status tern_decode_inbound_publish(tern_client *c, const uint8_t *buf, size_t len,
                                        tern_publish *m, tern_props *props, uint32_t *total)
{
    memset(m, 0, sizeof *m);
#if TERN_CFG_MQTT5
    if (tern_is_v5(c)) m->props_store = props;
#else
    (void)props;
#endif
    tern_status st = tern_codec_decode_publish_head(buf, len, tern_version(c), m, total);
#if TERN_CFG_MQTT5
    if (st == TERN_OK && m->props && (props->present & TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS)))
        st = tern_resolve_topic_alias(c, m, props->topic_alias);
#endif
    return st;
}

/* Is the connection whose bytes are in rx still there? A callback may have ended it. */
static int connection_live(const tern_client *c)
{
    return c->state == TERN_STATE_CONNECTED || c->state == TERN_STATE_WAIT_CONNACK;
}

/* A new QoS 2 message and every id in the table awaits its PUBREL on this connection: it
 * stays unacknowledged in the receive buffer, held as by the application, and is taken once a
 * PUBREL frees an id (MQTT 3.1.1 has no flow control; an MQTT 5 broker went past our Receive
 * Maximum, but mosquitto 2.0.11 does after a restore, and ending the connection only makes it
 * send everything again). */
static tern_status qos2_no_room(tern_client *c)
{
    if (c->cfg->inbound_qos2_count == 0) return TERN_ERR_RECEIVE_MAXIMUM;
    c->held_now = 1;
    return TERN_OK;
}

/* A PUBLISH: deliver it, then answer -- unless on_message held it (tern_client_hold): then
 * nothing is answered and it is delivered again later. */
static tern_status on_publish(tern_client *c, const uint8_t *pkt, size_t len)
{
    tern_publish m;
    tern_props props;
    uint32_t total;
    tern_status st = tern_decode_inbound_publish(c, pkt, len, &m, &props, &total);
    if (st != TERN_OK) return st;
    /* QoS 2: deliver once; a re-sent PUBLISH of an id awaiting PUBREL is only acknowledged. */
    if (m.qos == 2 && tern_qos2_seen(c, m.packet_id, 0)) return tern_tx_ack(c, TERN_PUBREC, m.packet_id, 0);
    if (m.qos == 2 && !tern_qos2_room(c, c->hold_refused)) return qos2_no_room(c);
    c->delivering = 1;
    tern_deliver(c, &m);
    c->delivering = 0;
    if (c->held_now) return TERN_OK;
    /* Delivered: remembered even when on_message ended the connection, as the broker sends it
     * again (DUP) when the session resumes, and it must not be delivered twice. */
    if (m.qos == 2) (void)tern_qos2_remember(c, m.packet_id);
    if (!connection_live(c) || m.qos == 0) return TERN_OK;
    return tern_tx_ack(c, m.qos == 1 ? TERN_PUBACK : TERN_PUBREC, m.packet_id, 0);
}

static tern_status on_pubrel(tern_client *c, const uint8_t *pkt, size_t len)
{
    tern_ack ack;
    memset(&ack, 0, sizeof ack);
    tern_status st = tern_codec_decode_ack(pkt, len, tern_version(c), &ack);
    if (st != TERN_OK) return st;
    int known = tern_qos2_seen(c, ack.packet_id, 1);
    return tern_tx_ack(c, TERN_PUBCOMP, ack.packet_id,
                       known || !tern_is_v5(c) ? 0 : TERN_RC_PACKET_ID_NOT_FOUND);
}

static tern_status on_suback(tern_client *c, const uint8_t *pkt, size_t len, uint8_t type)
{
    tern_suback ack;
    memset(&ack, 0, sizeof ack);
#if TERN_CFG_MQTT5
    tern_props props;
    if (tern_is_v5(c)) ack.props_store = &props;
#endif
    tern_status st = type == TERN_SUBACK ? tern_codec_decode_suback(pkt, len, tern_version(c), &ack)
                                         : tern_codec_decode_unsuback(pkt, len, tern_version(c), &ack);
    if (st == TERN_OK) st = tern_sub_acked(c, ack.packet_id, type, ack.count);
    if (st == TERN_OK && c->cfg->cb.on_suback) c->cfg->cb.on_suback(c, type, &ack, c->cfg->cb.user);
    return st;
}

static tern_status on_disconnect(tern_client *c, const uint8_t *pkt, size_t len)
{
    if (!tern_is_v5(c)) return TERN_ERR_UNEXPECTED_PACKET; /* 3.1.1 servers never send it */
    tern_disconnect d;
    memset(&d, 0, sizeof d);
    tern_status st = tern_codec_decode_disconnect(pkt, len, tern_version(c), &d);
    if (st != TERN_OK) return st;
    c->last_reason = d.reason_code;
    return TERN_ERR_SERVER_DISCONNECT;
}

static tern_status handle_packet(tern_client *c, const uint8_t *pkt, size_t len, uint8_t type)
{
    if (c->state != TERN_STATE_CONNECTED && type != TERN_CONNACK && type != TERN_DISCONNECT)
        return TERN_ERR_UNEXPECTED_PACKET;
    switch (type) {
    case TERN_CONNACK: return tern_conn_on_connack(c, pkt, len);
    case TERN_PUBLISH: return on_publish(c, pkt, len);
    case TERN_PUBACK:
    case TERN_PUBREC:
    case TERN_PUBCOMP: return tern_on_pub_ack(c, pkt, len);
    case TERN_PUBREL: return on_pubrel(c, pkt, len);
    case TERN_SUBACK:
    case TERN_UNSUBACK: return on_suback(c, pkt, len, type);
    case TERN_PINGRESP: {
        tern_packet_type t;
        c->ping_outstanding = 0;
        return tern_codec_decode_ping(pkt, len, &t);
    }
    case TERN_DISCONNECT: return on_disconnect(c, pkt, len);
    default: return TERN_ERR_UNEXPECTED_PACKET;
    }
}

/* A packet larger than the receive buffer: skip it on the wire and tell the application.
 * A QoS 1/2 PUBLISH is still acknowledged (its id is in the part we hold) so the broker does
 * not send it again and again; the application was told it was not delivered. */
static tern_status skip_oversized(tern_client *c, const tern_header *h, size_t total)
{
    const uint8_t *p = c->cfg->rx;
    uint8_t qos = (uint8_t)((h->flags >> 1) & 3u);
    tern_status st = TERN_OK;
    if (h->type != TERN_PUBLISH) return TERN_ERR_PEER_PACKET_TOO_LARGE; /* the broker's, not ours */
    if (qos > 0) {
        size_t at = h->header_len + 2u + (size_t)((p[h->header_len] << 8) | p[h->header_len + 1]);
        if (at + 2 > c->rx_len) return TERN_ERR_MESSAGE_TOO_LARGE; /* topic alone fills it */
        uint16_t id = (uint16_t)((p[at] << 8) | p[at + 1]);
        /* QoS 2: remember the id, so its PUBREL is answered as for any other message. */
        if (qos == 2 && !tern_qos2_seen(c, id, 0) && !tern_qos2_remember(c, id))
            return TERN_ERR_RECEIVE_MAXIMUM;
        st = tern_tx_ack(c, qos == 1 ? TERN_PUBACK : TERN_PUBREC, id, 0);
    }
    c->last_rx_ms = tern_now(c);
    c->rx_skip = (uint32_t)(total - c->rx_len);
    c->rx_len = 0;
    tern_report(c, TERN_ERR_MESSAGE_TOO_LARGE);
    return st;
}

/* A packet larger than the receive buffer begins at pos, nothing held before it: move it to
 * the start, then take it in pieces (on_chunk) or skip it once the buffer is full. */
static tern_status take_oversized(tern_client *c, uint32_t pos, const tern_header *h, size_t total)
{
    tern_copy(c->cfg->rx, c->cfg->rx + pos, c->rx_len - pos);
    c->rx_len -= pos;
#if TERN_CFG_CHUNKS
    if (c->cfg->cb.on_chunk && h->type == TERN_PUBLISH) {
        tern_status st = tern_chunk_start(c);
        if (st == TERN_NEED_MORE) return TERN_OK;
        if (st != TERN_ERR_MESSAGE_TOO_LARGE) return st;
    }
#endif
    if (c->rx_len < c->cfg->rx_cap && c->rx_len < total) return TERN_OK; /* fill first */
    if (!tern_tx_reserve(c, TERN_ACK_ROOM)) return TERN_OK;
    return skip_oversized(c, h, total);
}

/* Handle one complete packet. Its bytes count as consumed whatever comes of it: a packet is
 * handled once, never again. */
static tern_status handle_one(tern_client *c, const uint8_t *pkt, size_t total, uint8_t type)
{
    if (c->cfg->cb.on_trace) c->cfg->cb.on_trace(c, 0, pkt, total, c->cfg->cb.user);
    c->handling = 1;
    tern_status st = handle_packet(c, pkt, total, type);
    c->handling = 0;
    c->hold_refused = 0; /* something was handled: there is room again */
    c->last_rx_ms = tern_now(c);
    return st;
}

/* Handle every complete packet in the receive buffer, and drop from it exactly those handled.
 * Held messages (tern_client_hold) stay at its start, in order, and so does every PUBLISH after
 * them; the other packets after them (acks above all, which free the application) are handled.
 * The first failure stops it: nothing after a protocol violation reaches the application. */
static tern_status process_buffer(tern_client *c)
{
    tern_status st = TERN_OK;
#if TERN_CFG_CHUNKS
    if (c->chunk_left) {
        st = tern_chunk_continue(c);
        if (st != TERN_OK || c->chunk_left || !connection_live(c)) return st;
    }
#endif
    uint32_t done = 0; /* handled bytes at the start (nothing held before them): dropped at the end */
    uint32_t held = 0; /* held PUBLISHes after them */
    int holding = c->held_len && !tern_hold_offer(c);
    for (;;) {
        uint32_t pos = done + held;
        tern_header h;
        if (pos >= c->rx_len) break;
        st = tern_codec_decode_header(c->cfg->rx + pos, c->rx_len - pos, &h);
        if (st == TERN_NEED_MORE) { st = TERN_OK; break; }
        if (st != TERN_OK) break;
        size_t total = (size_t)h.header_len + h.remaining;
        if (total > c->cfg->rx_cap) {
            if (held) break; /* the held messages go first */
            return take_oversized(c, pos, &h, total);
        }
        if (total > c->rx_len - pos) break;
        if (holding && h.type == TERN_PUBLISH) { held += (uint32_t)total; continue; } /* in order */
        if (!tern_tx_reserve(c, TERN_ACK_ROOM)) break; /* answer room first; read again later */
        st = handle_one(c, c->cfg->rx + pos, total, h.type);
        /* Ended from a callback (tern_client_disconnect): what is left belongs to no one. */
        if (!connection_live(c)) return TERN_OK;
        if (c->held_now) {
            c->held_now = 0;
            holding = 1;
            held += (uint32_t)total;
            continue;
        }
        if (held) {
            tern_copy(c->cfg->rx + pos, c->cfg->rx + pos + total, c->rx_len - pos - total);
            c->rx_len -= (uint32_t)total;
        } else {
            done += (uint32_t)total;
        }
        if (st != TERN_OK) break;
    }
    if (done > 0) {
        tern_copy(c->cfg->rx, c->cfg->rx + done, c->rx_len - done);
        c->rx_len -= done;
    }
    c->held_len = held;
    return st;
}

tern_status tern_rx_read(tern_client *c)
{
    for (;;) {
        tern_status st = process_buffer(c);
        if (st != TERN_OK || !connection_live(c)) return st;
        if (c->held_len && c->hold_retry) continue; /* a flow completed: offer them again */
        if (c->rx_len == c->cfg->rx_cap) return TERN_OK; /* waiting for send-queue room */
        int32_t n = c->cfg->transport.recv(c->cfg->transport.ctx, c->cfg->rx + c->rx_len,
                                           c->cfg->rx_cap - c->rx_len);
        if (n < 0) return (tern_status)-n;
        if (n == 0) return TERN_OK;
        /* Keep-alive counts complete packets (process_buffer), not bytes: a broker dripping
         * a byte at a time must not keep a dead session alive. A large message that is
         * skipped or delivered in pieces counts as it flows. */
        if (c->rx_skip || (TERN_CFG_CHUNKS && c->chunk_left)) c->last_rx_ms = tern_now(c);
        if (c->rx_skip) {
            uint32_t drop = (uint32_t)n < c->rx_skip ? (uint32_t)n : c->rx_skip;
            c->rx_skip -= drop;
            tern_copy(c->cfg->rx + c->rx_len, c->cfg->rx + c->rx_len + drop, (uint32_t)n - drop);
            n -= (int32_t)drop;
        }
        c->rx_len += (uint32_t)n;
    }
}
