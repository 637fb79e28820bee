/* Client set-up and the life of a connection: CONNECT, CONNACK, loss, DISCONNECT. */
#include <string.h>

#include "internal.h"

tern_status tern_client_init(tern_client *c, const tern_client_config *cfg)
{
    if (!c || !cfg || !cfg->now_ms || !cfg->tx || !cfg->rx || cfg->tx_cap < 16 ||
        cfg->rx_cap < 16 || !cfg->transport.send || !cfg->transport.recv ||
        (cfg->inflight_count && !cfg->inflight) || (cfg->inbound_qos2_count && !cfg->inbound_qos2) ||
        (cfg->topic_alias_count && !cfg->topic_aliases) ||
        (cfg->out_topic_alias_count && !cfg->out_topic_aliases))
        return TERN_ERR_INVALID_ARG;
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->next_id = 1;
    c->peer_receive_max = 0xFFFF; /* the MQTT default until a CONNACK says otherwise */
    c->send_quota = 0xFFFF;
    c->rng = 0x9E3779B9u ^ cfg->now_ms(cfg->clock_ctx) ^ (uint32_t)(uintptr_t)c;
    for (uint16_t i = 0; i < cfg->inflight_count; i++) {
        cfg->inflight[i].len = 0;
        cfg->inflight[i].state = TERN_SLOT_FREE;
    }
    if (cfg->inbound_qos2_count) memset(cfg->inbound_qos2, 0, cfg->inbound_qos2_count * sizeof *cfg->inbound_qos2);
    return TERN_OK;
}

void tern_report(tern_client *c, tern_status st)
{
    if (c->cfg->cb.on_error) c->cfg->cb.on_error(c, st, c->cfg->cb.user);
}

void tern_conn_start_opening(tern_client *c)
{
#if TERN_CFG_MQTT5
    /* Topic aliases live for one network connection [MQTT-3.3.2-7]. */
    for (uint16_t i = 0; i < c->cfg->topic_alias_count; i++) c->cfg->topic_aliases[i].len = 0;
    for (uint16_t i = 0; i < c->cfg->out_topic_alias_count; i++) c->cfg->out_topic_aliases[i].len = 0;
    c->peer_topic_alias_max = 0;
#endif
    c->chunk_left = c->chunk_head = 0;
    c->state = TERN_STATE_OPENING;
    c->timer_ms = tern_now(c);
    c->tx_head = c->tx_len = c->rx_len = c->rx_skip = 0;
    c->ping_outstanding = 0;
    c->held_len = 0; /* held messages go with the connection; the broker sends QoS 1/2 again */
    c->held_now = c->hold_retry = c->hold_refused = 0;
    /* Requests unanswered on the connection that ended are not answered on the next one. */
    memset(c->sub_ids, 0, sizeof c->sub_ids);
}

tern_status tern_client_connect(tern_client *c, const tern_connect_options *opts)
{
    if (!c || !opts || (opts->version != TERN_MQTT_311 && opts->version != TERN_MQTT_5))
        return TERN_ERR_INVALID_ARG;
    if (opts->version == TERN_MQTT_5 && !TERN_CFG_MQTT5) return TERN_ERR_UNSUPPORTED;
    if (c->state != TERN_STATE_IDLE) return TERN_ERR_CONNECTING;
    uint8_t before = c->version;
    c->opts = opts;
    c->version = (uint8_t)opts->version;
    c->last_error = TERN_OK; /* what ends this connection, or its attempts, is told afresh */
    c->backoff_ms = 0;
    /* The slots hold messages encoded for the version of the last connection (a PUBLISH of
     * MQTT 5 has a property block 3.1.1 does not): with the other one they cannot go. */
    if (before && before != c->version && c->unacked) tern_slots_drop_all(c);
    tern_conn_start_opening(c);
    return TERN_OK;
}

#if TERN_CFG_MQTT5
/* CONNECT properties: the caller's, plus what the engine must advertise. */
static void connect_props(const tern_client *c, tern_props *p)
{
    /* Not `*p = *props`: the compiler copies a struct this size with memcpy (bytes.h). */
    if (c->opts->props) tern_copy(p, c->opts->props, sizeof *p);
    else memset(p, 0, sizeof *p);
    /* What does not fit the receive buffer is skipped anyway: the broker may as well not
     * send it. Not with on_chunk, which takes such messages in pieces: the broker would drop
     * them [MQTT-3.1.2-25] (the caller's props may still set a limit). */
    if (!c->cfg->cb.on_chunk) {
        p->present |= TERN_PROP_BIT(TERN_PROP_MAXIMUM_PACKET_SIZE);
        p->maximum_packet_size = c->cfg->rx_cap;
    }
    if (c->cfg->inbound_qos2_count) {
        p->present |= TERN_PROP_BIT(TERN_PROP_RECEIVE_MAXIMUM);
        p->receive_maximum = (uint16_t)(c->cfg->inbound_qos2_count / 2u ? c->cfg->inbound_qos2_count / 2u : 1u);
    }
    if (c->cfg->topic_alias_count) {
        p->present |= TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS_MAXIMUM);
        p->topic_alias_maximum = c->cfg->topic_alias_count;
    }
    if (c->opts->session_expiry) {
        p->present |= TERN_PROP_BIT(TERN_PROP_SESSION_EXPIRY);
        p->session_expiry = c->opts->session_expiry;
    }
}
#endif

tern_status tern_conn_send_connect(tern_client *c)
{
    const tern_connect_options *o = c->opts;
    tern_connect p;
    memset(&p, 0, sizeof p);
    p.version = c->version;
    p.client_id = o->client_id;
    p.username = o->username;
    p.password = o->password;
    p.has_username = o->has_username;
    p.has_password = o->has_password;
    p.clean_start = o->clean_start;
    p.keep_alive = o->keep_alive;
    if (o->will) {
        p.has_will = 1;
        p.will_topic = o->will->topic;
        p.will_payload = o->will->payload;
        p.will_qos = o->will->qos;
        p.will_retain = o->will->retain;
        p.will_props = o->will->props;
    }
#if TERN_CFG_MQTT5
    tern_props props;
    if (tern_is_v5(c)) {
        connect_props(c, &props);
        p.props = &props;
    }
#endif
    /* The queue is empty at connect time (tx_head 0): all of it is there to encode into, and
     * tern_tx_encoded never asks for a second try. */
    size_t n = 0, cap = 0;
    uint8_t *buf = tern_tx_room(c, &cap);
    tern_status st = tern_codec_encode_connect(&p, buf, cap, &n);
    return tern_tx_encoded(c, st, n);
}

/* Refusals that a retry cannot fix end auto-reconnect. */
static int refusal_is_final(uint8_t reason)
{
    return reason != TERN_RC_SERVER_UNAVAILABLE && reason != TERN_RC_SERVER_BUSY &&
           reason != 3 /* 3.1.1: server unavailable */ && reason != TERN_RC_QUOTA_EXCEEDED &&
           reason != TERN_RC_CONNECTION_RATE_EXCEEDED;
}

static uint32_t next_backoff(tern_client *c)
{
    uint32_t lo = c->opts->reconnect_min_ms ? c->opts->reconnect_min_ms : TERN_RECONNECT_MIN_MS;
    uint32_t hi = c->opts->reconnect_max_ms ? c->opts->reconnect_max_ms : TERN_RECONNECT_MAX_MS;
    c->backoff_ms = c->backoff_ms ? (c->backoff_ms > hi / 2 ? hi : c->backoff_ms * 2) : lo;
    /* xorshift32: jitter so that a fleet does not reconnect in lockstep */
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 17;
    c->rng ^= c->rng << 5;
    uint32_t half = c->backoff_ms / 2;
    return half + (half ? c->rng % (half + 1) : 0);
}

tern_status tern_conn_lost(tern_client *c, tern_status why)
{
    int was_connecting = c->state != TERN_STATE_CONNECTED;
    tern_chunk_abandon(c);
    if (c->cfg->transport.close) c->cfg->transport.close(c->cfg->transport.ctx);
    c->last_error = why;
    int refused = why == TERN_ERR_CONNACK_REFUSED || why == TERN_ERR_NO_MQTT5;
    int final = why == TERN_OK || why == TERN_ERR_NO_MQTT5 ||
                (why == TERN_ERR_CONNACK_REFUSED && refusal_is_final(c->last_reason));
    if (c->opts && c->opts->auto_reconnect && !final) {
        c->state = TERN_STATE_BACKOFF;
        c->timer_ms = tern_now(c) + next_backoff(c);
    } else {
        c->state = TERN_STATE_IDLE;
    }
    if (c->cfg->cb.on_disconnect && !(was_connecting && refused))
        c->cfg->cb.on_disconnect(c, why, c->cfg->cb.user);
    return why;
}

#if TERN_CFG_MQTT5
static void apply_connack_props(tern_client *c, const tern_props *p)
{
    if (p->present & TERN_PROP_BIT(TERN_PROP_RECEIVE_MAXIMUM)) c->peer_receive_max = p->receive_maximum;
    if (p->present & TERN_PROP_BIT(TERN_PROP_MAXIMUM_PACKET_SIZE))
        c->peer_max_packet = p->maximum_packet_size;
    if (p->present & TERN_PROP_BIT(TERN_PROP_SERVER_KEEP_ALIVE)) c->keep_alive = p->server_keep_alive;
    if (p->present & TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS_MAXIMUM))
        c->peer_topic_alias_max = p->topic_alias_maximum;
}
#endif

/* A 3.1.1 broker's answer to an MQTT 5 CONNECT: a 3.1.1 CONNACK (no property block) with
 * return code 1, "unacceptable protocol version" [MQTT-3.1.2-2]. Decoded as MQTT 5 it would be
 * a CONNACK with a reason code MQTT 5 does not have. */
static int refuses_mqtt5(const tern_client *c, const uint8_t *pkt, size_t len)
{
    return tern_is_v5(c) && len == 4 && pkt[1] == 2 && pkt[2] == 0 && pkt[3] == 1;
}

/* Connect again at once with MQTT 3.1.1, if the options ask for it and nothing in the slots
 * was encoded for MQTT 5. */
static int fall_back_to_311(tern_client *c)
{
    if (!c->opts->fallback_311 || c->unacked) return 0;
    c->version = TERN_MQTT_311;
    tern_report(c, TERN_ERR_NO_MQTT5);
    if (c->cfg->transport.close) c->cfg->transport.close(c->cfg->transport.ctx);
    tern_conn_start_opening(c);
    return 1;
}

/* A new session has no subscriptions: make the options' own again, before on_connect (whose
 * publishes then go after the SUBSCRIBE). A failure (a send queue too small) is reported. */
static void subscribe_again(tern_client *c)
{
    const tern_connect_options *o = c->opts;
    if (!o->subscription_count) return;
    tern_status st = tern_client_subscribe(c, o->subscriptions, o->subscription_count, NULL, NULL);
    if (st != TERN_OK) tern_report(c, st);
}

tern_status tern_conn_on_connack(tern_client *c, const uint8_t *pkt, size_t len)
{
    if (c->state != TERN_STATE_WAIT_CONNACK) return TERN_ERR_UNEXPECTED_PACKET;
    tern_connack ack;
    memset(&ack, 0, sizeof ack);
#if TERN_CFG_MQTT5
    tern_props props;
    ack.props = &props;
#endif
    if (refuses_mqtt5(c, pkt, len)) {
        c->last_reason = ack.reason_code = 1;
        if (fall_back_to_311(c)) return TERN_OK;
        if (c->cfg->cb.on_connect) c->cfg->cb.on_connect(c, TERN_ERR_NO_MQTT5, &ack, c->cfg->cb.user);
        return TERN_ERR_NO_MQTT5;
    }
    tern_status st = tern_codec_decode_connack(pkt, len, tern_version(c), &ack);
    if (st != TERN_OK) return st;
    c->last_reason = ack.reason_code;
    st = ack.reason_code != 0 ? TERN_ERR_CONNACK_REFUSED : TERN_OK;
    if (st == TERN_OK) {
        c->keep_alive = c->opts->keep_alive;
#if TERN_CFG_MQTT5
        c->peer_receive_max = 0xFFFF;
        c->peer_max_packet = 0;
        if (tern_is_v5(c)) apply_connack_props(c, &props);
#endif
        c->state = TERN_STATE_CONNECTED;
        c->backoff_ms = 0;
        /* A new session numbers its messages afresh: an id still awaiting PUBREL from the
         * old one would take a new message for a re-send, and lose it. Before any callback:
         * the session is new even if one ends this connection. */
        tern_qos2_session(c, ack.session_present);
        tern_slots_after_connack(c, ack.session_present);
        /* on_publish_done (session lost) may have ended the connection already. */
        if (c->state != TERN_STATE_CONNECTED) return TERN_OK;
        if (!ack.session_present) subscribe_again(c);
    }
    if (c->cfg->cb.on_connect) c->cfg->cb.on_connect(c, st, &ack, c->cfg->cb.user);
    return st;
}

tern_status tern_client_disconnect(tern_client *c, uint8_t reason)
{
    if (c->state == TERN_STATE_IDLE) return TERN_ERR_NOT_CONNECTED;
    if (c->state == TERN_STATE_BACKOFF) { /* no connection to end (on_disconnect was told): */
        c->state = TERN_STATE_IDLE;       /* just stop reconnecting */
        return TERN_OK;
    }
    if (c->state == TERN_STATE_CONNECTED && tern_tx_disconnect(c, reason) == TERN_OK)
        (void)tern_tx_flush(c); /* best effort: the socket closes next */
    return tern_conn_lost(c, TERN_OK); /* a loss on purpose: closed, idle, no reconnect */
}

int tern_client_is_connected(const tern_client *c) { return c->state == TERN_STATE_CONNECTED; }
uint16_t tern_client_inflight(const tern_client *c) { return c->unacked; }
uint8_t tern_client_last_reason(const tern_client *c) { return c->last_reason; }
tern_status tern_client_last_error(const tern_client *c) { return c->last_error; }
tern_mqtt_version tern_client_version(const tern_client *c) { return tern_version(c); }
