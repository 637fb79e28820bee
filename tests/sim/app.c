/* The application: random calls into the engine from outside and from inside every callback
 * (publish, subscribe, unsubscribe, disconnect), and the oracle that knows every message
 * either side ever sent and checks each delivery, acknowledgement and status against it. */
#include <string.h>

#include "sim.h"

#define A W.app

const char *const sim_topics[TOPIC_COUNT] = {"a", "b/x", "b/y", "c/d/e", "ab"};
const char *const sim_filters[FILTER_COUNT] = {"a", "b/+", "#", "c/#", "b/x", "+"};
const uint8_t sim_match[FILTER_COUNT][TOPIC_COUNT] = {
    {1, 0, 0, 0, 0}, /* a */
    {0, 1, 1, 0, 0}, /* b/+ */
    {1, 1, 1, 1, 1}, /* # */
    {0, 0, 0, 1, 0}, /* c/# */
    {0, 1, 0, 0, 0}, /* b/x */
    {1, 0, 0, 0, 1}, /* + */
};

void app_reset(void)
{
    memset(&A, 0, sizeof A);
    A.idle = 1;
}

/* ------------------------------------------------------------------ the oracle */

uint32_t oracle_payload(uint32_t token, uint8_t plen, uint8_t *out)
{
    out[0] = (uint8_t)(token >> 24);
    out[1] = (uint8_t)(token >> 16);
    out[2] = (uint8_t)(token >> 8);
    out[3] = (uint8_t)token;
    for (uint32_t i = 4; i < plen; i++) out[i] = (uint8_t)(token * 31u + i);
    return plen;
}

int oracle_payload_ok(const uint8_t *p, uint32_t n, uint32_t *token)
{
    if (n < 4) return 0;
    *token = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    for (uint32_t i = 4; i < n; i++)
        if (p[i] != (uint8_t)(*token * 31u + i)) return 0;
    return 1;
}

uint32_t oracle_new_broker_token(uint8_t topic, uint8_t qos, uint8_t retain)
{
    if (A.broker_tokens + 2u >= TOKEN_CAP) return 0;
    uint32_t t = ++A.broker_tokens;
    msg_info *m = &A.broker_msg[t];
    memset(m, 0, sizeof *m);
    m->topic = topic;
    m->qos = qos;
    m->retain = retain;
    m->plen = (uint8_t)rng_range(&W.rng, 4, W.k.max_payload);
    return t;
}

void oracle_broker_received(uint32_t token, uint8_t qos, uint8_t topic, int first_time)
{
    msg_info *m = &A.app_msg[token & ~APP_TOKEN_BIT];
    (void)topic;
    m->refused = 0;
    if (qos == 2 && !first_time) return;
    m->delivered++;
    if (qos == 2 && m->delivered > 1) {
        if (m->session == W.broker.s.number && !W.broker.s.desync)
            sim_fail("QoS 2 message %x reached the broker's subscribers twice in one session", token);
        /* Twice, but in two broker sessions: the issue asks for once within a session. The
         * client re-sent, in a session the broker resumed, a message it had sent in an
         * earlier session that ended with its connection (3.1.1 clean session). */
        sim_event("NOTE: QoS 2 message %x reached the broker again in a later session", token);
        A.notes++;
    }
    m->session = W.broker.s.number;
    if (qos == 0 && m->delivered > 1) sim_fail("QoS 0 message %x reached the broker twice", token);
}

void oracle_client_acked(uint32_t token, uint8_t type, uint16_t id)
{
    const msg_info *m = &A.broker_msg[token];
    if (m->delivered == 0 && W.broker.s.desync) {
        sim_event("NOTE: message %u acknowledged undelivered in a session the client never saw start", token);
        A.notes++;
        return;
    }
    if (m->delivered == 0)
        sim_fail("the client sent %s for QoS %u message %u (packet id %u) but never delivered it to the "
                 "application", type == TERN_PUBACK ? "PUBACK" : "PUBREC", m->qos, token, id);
}

/* ------------------------------------------------------------------ statuses */

static int protocol_status(tern_status st)
{
    return (st >= TERN_ERR_VARINT && st <= TERN_ERR_PROP_LENGTH) || st == TERN_ERR_PROTOCOL ||
           st == TERN_ERR_UNEXPECTED_PACKET || st == TERN_ERR_UNKNOWN_PACKET_ID || st == TERN_ERR_TOPIC_ALIAS ||
           st == TERN_ERR_RECEIVE_MAXIMUM || st == TERN_ERR_ACK_TYPE || st == TERN_ERR_ACK_COUNT;
}

/* Why a connection may end when the broker broke no rule. */
static int world_status(tern_status st)
{
    return st == TERN_ERR_CLOSED || st == TERN_ERR_KEEPALIVE_TIMEOUT || st == TERN_ERR_TIMEOUT ||
           st == TERN_ERR_CONNECT_REFUSED;
}

static void check_end_status(tern_status why)
{
    if (why >= TERN_STATUS_COUNT) sim_fail("status %d is not in status.h", (int)why);
    /* The engine closes the transport, then calls on_disconnect. */
    uint8_t violation = W.net.closed_violation;
    W.net.closed_violation = 0;
    if (violation) {
        if (!protocol_status(why))
            sim_fail("after a %s the connection ended with %s, not a protocol status", violation_name(violation),
                     tern_status_name(why));
        return;
    }
    if (why == TERN_OK ? !A.disconnecting : !world_status(why))
        sim_fail("the connection ended with %s though the broker broke no rule", tern_status_name(why));
}

/* ------------------------------------------------------------------ calls into the engine */

static void app_publish(const char *where)
{
    if (A.app_tokens + 2u >= TOKEN_CAP) return;
    uint32_t idx = A.app_tokens, token = APP_TOKEN_BIT | idx;
    msg_info *info = &A.app_msg[idx];
    memset(info, 0, sizeof *info);
    info->qos = (uint8_t)rng_below(&W.rng, 3);
    info->topic = (uint8_t)rng_below(&W.rng, TOPIC_COUNT);
    info->retain = (uint8_t)rng_chance(&W.rng, 30000);
    info->plen = (uint8_t)rng_range(&W.rng, 4, W.k.max_payload);
    uint8_t payload[256];
    tern_publish m;
    memset(&m, 0, sizeof m);
    m.topic = (tern_bytes){(const uint8_t *)sim_topics[info->topic], (uint32_t)strlen(sim_topics[info->topic])};
    m.payload = (tern_bytes){payload, oracle_payload(token, info->plen, payload)};
    m.qos = info->qos;
    m.retain = info->retain;
    uint16_t id = 0;
    tern_status st = tern_client_publish(&W.client, &m, &id);
    sim_event("app publish%s q%u %s %u B -> %s id %u", where, m.qos, sim_topics[info->topic], info->plen,
              tern_status_name(st), id);
    if (st == TERN_ERR_BUSY || st == TERN_WOULD_BLOCK || st == TERN_ERR_NOT_CONNECTED) return;
    if (st != TERN_OK) sim_fail("tern_client_publish returned %s", tern_status_name(st));
    A.app_tokens++;
    S_total.from_app++;
    if (m.qos == 0) return;
    if (id == 0) sim_fail("a QoS %u publish got packet id 0", m.qos);
    if (A.by_id[id]) sim_fail("packet id %u handed out while message %x still holds it", id, A.by_id[id]);
    A.by_id[id] = token;
    A.in_flight++;
}

static void app_subscribe(const char *where, int unsubscribe)
{
    tern_subscription subs[3];
    uint16_t n = (uint16_t)rng_range(&W.rng, 1, 3);
    uint32_t first = rng_below(&W.rng, FILTER_COUNT);
    for (uint16_t i = 0; i < n; i++) {
        const char *f = sim_filters[(first + i) % FILTER_COUNT];
        subs[i].filter = (tern_bytes){(const uint8_t *)f, (uint32_t)strlen(f)};
        subs[i].options = (uint8_t)rng_below(&W.rng, 3);
    }
    uint16_t id = 0;
    tern_status st = unsubscribe ? tern_client_unsubscribe(&W.client, subs, n, NULL, &id)
                                 : tern_client_subscribe(&W.client, subs, n, NULL, &id);
    sim_event("app %ssubscribe%s %u filters -> %s id %u", unsubscribe ? "un" : "", where, n, tern_status_name(st), id);
    if (st == TERN_WOULD_BLOCK || st == TERN_ERR_NOT_CONNECTED || st == TERN_ERR_BUSY) return;
    if (st != TERN_OK) sim_fail("tern_client_%ssubscribe returned %s", unsubscribe ? "un" : "", tern_status_name(st));
    A.sub_filters[id] = (uint16_t)(unsubscribe && tern_client_version(&W.client) != TERN_MQTT_5 ? 0x8000u : n);
}

static void app_disconnect(const char *where)
{
    A.disconnecting = 1;
    uint32_t before = A.disconnects;
    tern_status st = tern_client_disconnect(&W.client, 0);
    A.disconnecting = 0;
    sim_event("app disconnect%s -> %s", where, tern_status_name(st));
    /* On TERN_OK, on_disconnect ran (it marked the app idle, or the app connected again there),
     * or, waiting to reconnect, the client just stopped. */
    if (st == TERN_OK && A.disconnects == before) A.idle = 1;
    if (st != TERN_OK && st != TERN_ERR_NOT_CONNECTED) sim_fail("tern_client_disconnect returned %s", tern_status_name(st));
}

void app_connect(void)
{
    if (A.idle && A.use_311) W.opts.version = TERN_MQTT_311;
    if (A.idle) W.opts.clean_start = (uint8_t)rng_chance(&W.rng, W.draining ? 0 : 300000);
    A.version_change = A.idle && tern_client_version(&W.client) != W.opts.version;
    tern_status st = tern_client_connect(&W.client, &W.opts);
    A.version_change = 0;
    sim_event("app connect (clean %u) -> %s", W.opts.clean_start, tern_status_name(st));
    if (st == TERN_OK && A.idle) {
        A.idle = 0;
        return;
    }
    if (st != TERN_ERR_CONNECTING || A.idle) sim_fail("tern_client_connect returned %s", tern_status_name(st));
}

/* What a callback does besides its job. */
static void react(const char *where)
{
    if (W.draining) return;
    if (rng_chance(&W.rng, W.k.p_cb_publish)) app_publish(where);
    if (rng_chance(&W.rng, W.k.p_cb_subscribe)) app_subscribe(where, rng_below(&W.rng, 3) == 0);
    if (rng_chance(&W.rng, W.k.p_cb_disconnect)) app_disconnect(where);
}

void app_act(void)
{
    uint32_t r = rng_below(&W.rng, 100);
    if (r < 55) app_publish("");
    else if (r < 70) app_subscribe("", 0);
    else if (r < 76) app_subscribe("", 1);
    else if (r < 78 && rng_chance(&W.rng, W.k.p_app_disconnect)) app_disconnect("");
    else if (r < 90) app_connect();
    app_after_call();
}

/* ------------------------------------------------------------------ callbacks */

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    (void)user;
    uint32_t token;
    if (W.net.violation_handled)
        sim_fail("message delivered after a protocol violation (%s) on the same connection",
                 violation_name(W.net.violation_handled));
    if (!oracle_payload_ok(m->payload.data, m->payload.len, &token) || token == 0 || token > A.broker_tokens)
        sim_fail("delivered a message the broker never sent (%u bytes)", m->payload.len);
    msg_info *info = &A.broker_msg[token];
    const char *topic = sim_topics[info->topic];
    sim_event("app got message %u q%u%s", token, m->qos, m->dup ? " dup" : "");
    if (m->topic.len != strlen(topic) || memcmp(m->topic.data, topic, m->topic.len) != 0)
        sim_fail("message %u delivered on the wrong topic (%u bytes, want %s)", token, m->topic.len, topic);
    if (m->payload.len != info->plen || m->qos != info->qos || m->retain != info->retain)
        sim_fail("message %u delivered with length %u QoS %u retain %u; sent %u, %u, %u", token, m->payload.len,
                 m->qos, m->retain, info->plen, info->qos, info->retain);
    if (!W.draining && rng_chance(&W.rng, W.k.p_hold)) {
        tern_status st = tern_client_hold(c);
        sim_event("app holds message %u -> %s", token, tern_status_name(st));
        if (st == TERN_OK) {
            net_client_held();
            return;
        }
        if (st != TERN_ERR_HOLD_FULL) sim_fail("tern_client_hold returned %s", tern_status_name(st));
    }
    info->delivered++;
    S_total.delivered++;
    if (m->qos == 2) A.qos2_token[m->packet_id] = token;
    if (info->delivered > info->sends) sim_fail("message %u delivered %u times, sent %u", token, info->delivered, info->sends);
    if (info->qos == 2 && info->delivered > 1 && !info->forgotten)
        sim_fail("QoS 2 message %u delivered twice to the application", token);
    A.in_callback++;
    react(" from on_message");
    A.in_callback--;
}

static void on_connect(tern_client *c, tern_status st, const tern_connack *ack, void *user)
{
    (void)c;
    (void)user;
    sim_event("app on_connect %s session present %u", tern_status_name(st), ack->session_present);
    memcpy(A.qos2_resumed, W.qos2_ids, W.k.qos2_ids * sizeof *W.qos2_ids);
    /* Without the fallback, or with messages in flight that were encoded for MQTT 5. */
    if (st == TERN_ERR_NO_MQTT5 && W.k.broker_311_only) {
        A.idle = 1; /* a final refusal: no on_disconnect follows, no reconnect */
        A.use_311 = 1;
        return;
    }
    if (st != TERN_OK) sim_fail("on_connect with %s; the broker never refuses", tern_status_name(st));
    A.connected = 1;
    if (!ack->session_present && !W.draining) app_subscribe(" from on_connect", 0);
    react(" from on_connect");
}

static void on_disconnect(tern_client *c, tern_status why, void *user)
{
    (void)c;
    (void)user;
    sim_event("app on_disconnect %s", tern_status_name(why));
    check_end_status(why);
    A.connected = 0;
    A.last_disconnect = why;
    A.disconnects++;
    if (!W.opts.auto_reconnect || why == TERN_OK) A.idle = 1;
    if (A.in_disconnect || W.draining) return;
    /* The contract allows publish, subscribe, disconnect and connect here. */
    A.in_disconnect = 1;
    react(" from on_disconnect");
    if (rng_chance(&W.rng, W.k.p_cb_connect)) app_connect();
    A.in_disconnect = 0;
}

static void on_publish_done(tern_client *c, uint16_t id, tern_status st, uint8_t reason, void *user)
{
    (void)c;
    (void)user;
    uint32_t token = A.by_id[id];
    sim_event("app publish_done id %u %s reason %u", id, tern_status_name(st), reason);
    if (!token) sim_fail("on_publish_done for packet id %u, which holds no message of the app", id);
    msg_info *m = &A.app_msg[token & ~APP_TOKEN_BIT];
    if (st == TERN_OK && (m->delivered == 0 || m->refused))
        sim_fail("QoS %u message %x reported acknowledged; the broker %s", m->qos, token,
                 m->refused ? "refused it" : "never received it");
    if (st == TERN_ERR_SESSION_LOST && m->delivered && m->session == W.broker.s.number && !A.version_change)
        sim_fail("QoS %u message %x reported lost with the session; the broker received it in this session",
                 m->qos, token);
    if (st == TERN_ERR_MESSAGE_REFUSED && !m->refused)
        sim_fail("QoS %u message %x reported refused; the broker took it", m->qos, token);
    if (st != TERN_OK && st != TERN_ERR_MESSAGE_REFUSED && st != TERN_ERR_SESSION_LOST)
        sim_fail("on_publish_done with %s", tern_status_name(st));
    A.by_id[id] = 0;
    A.in_flight--;
    S_total.acked_to_app += st == TERN_OK;
    m->done = 1;
    react(" from on_publish_done");
}

static void on_suback(tern_client *c, uint8_t type, const tern_suback *ack, void *user)
{
    (void)c;
    (void)user;
    uint16_t want = A.sub_filters[ack->packet_id];
    sim_event("app on_%s id %u, %u codes", type == TERN_SUBACK ? "suback" : "unsuback", ack->packet_id, ack->count);
    if (want == 0) sim_fail("%s for packet id %u, which the app never used", type == TERN_SUBACK ? "SUBACK" : "UNSUBACK",
                            ack->packet_id);
    if ((want & 0x7FFFu) != ack->count && !(want == 0x8000u && ack->count == 0))
        sim_fail("the application got a %s with %u codes for %u filters (a protocol violation)",
                 type == TERN_SUBACK ? "SUBACK" : "UNSUBACK", ack->count, want & 0x7FFFu);
    A.sub_filters[ack->packet_id] = 0;
    react(type == TERN_SUBACK ? " from on_suback" : " from on_unsuback");
}

static int in_table(const uint16_t *t, uint16_t id)
{
    for (unsigned i = 0; i < W.k.qos2_ids && t[i]; i++)
        if (t[i] == id) return 1;
    return 0;
}

/* The engine forgot an id of a full inbound QoS 2 table (client.h, inbound_qos2). Allowed only
 * for an id carried over the last reconnect (a broker may have lost it) or when the receive
 * buffer is full, so that the message could not wait for a PUBREL; then only the message that
 * had the id may be delivered again, a duplicate of any other is still a failure. */
static void qos2_forgotten(void)
{
    A.qos2_forgotten = 1;
    for (unsigned i = 0; i < W.k.qos2_ids && A.qos2_before[i]; i++) {
        uint16_t id = A.qos2_before[i];
        if (in_table(W.qos2_ids, id)) continue;
        uint32_t token = A.qos2_token[id];
        sim_event("app: the client forgot QoS 2 id %u (message %u)", id, token);
        if (!in_table(A.qos2_resumed, id) && W.client.rx_len < W.k.rx_cap)
            sim_fail("QoS 2 id %u forgotten while its broker may re-send it and the message could wait", id);
        if (token) A.broker_msg[token].forgotten = 1;
    }
}

static void on_error(tern_client *c, tern_status st, void *user)
{
    (void)c;
    (void)user;
    sim_event("app on_error %s", tern_status_name(st));
    if (st == TERN_ERR_NO_MQTT5 && W.k.broker_311_only && W.k.fallback_311) return; /* falls back */
    /* Documented: when the table is full and the messages waiting for room fill the receive
     * buffer, the oldest id is forgotten; its re-send may then be delivered again. */
    if (st == TERN_ERR_RECEIVE_MAXIMUM) qos2_forgotten();
    else sim_fail("on_error with %s, which nothing here explains", tern_status_name(st));
    react(" from on_error");
}

/* The model of the inbound QoS 2 table (client.h, inbound_qos2): a new QoS 2 message finding
 * every id awaiting its PUBREL on this connection waits in the receive buffer like a held one,
 * unless held messages already fill it. */
static int waits_for_a_pubrel(const tern_client *c, const uint8_t *p, size_t n)
{
    tern_header h;
    if (tern_codec_decode_header(p, n, &h) != TERN_OK ||
        h.type != TERN_PUBLISH || ((h.flags >> 1) & 3u) != 2u)
        return 0;
    size_t at = h.header_len + 2u + (size_t)((p[h.header_len] << 8) | p[h.header_len + 1u]);
    uint16_t id = (uint16_t)((p[at] << 8) | p[at + 1u]);
    int full = W.qos2_ids[W.k.qos2_ids - 1u] != 0; /* packed from the start */
    return full && !in_table(W.qos2_ids, id) && c->qos2_old == 0 && !c->hold_refused;
}

static void on_trace(tern_client *c, int outgoing, const uint8_t *p, size_t n, void *user)
{
    (void)user;
    if (outgoing) return;
    memcpy(A.qos2_before, W.qos2_ids, W.k.qos2_ids * sizeof *W.qos2_ids);
    net_client_handled(p, n);
    if (waits_for_a_pubrel(c, p, n)) net_client_held();
}

void app_callbacks(tern_callbacks *cb)
{
    memset(cb, 0, sizeof *cb);
    cb->on_message = on_message;
    cb->on_connect = on_connect;
    cb->on_disconnect = on_disconnect;
    cb->on_publish_done = on_publish_done;
    cb->on_suback = on_suback;
    cb->on_error = on_error;
    cb->on_trace = on_trace;
}

/* ------------------------------------------------------------------ checks */

static void check_guard(const uint8_t *g, const char *what)
{
    for (unsigned i = 0; i < GUARD; i++)
        if (g[i] != 0xA5) sim_fail("the engine wrote outside its %s", what);
}

void app_after_call(void)
{
    if (W.net.violation_handled && W.net.open)
        sim_fail("the client handled a %s and kept the connection open", violation_name(W.net.violation_handled));
    if (tern_client_inflight(&W.client) > W.k.slots)
        sim_fail("%u messages in flight with %u slots", tern_client_inflight(&W.client), W.k.slots);
    check_guard(W.tx, "send buffer");
    check_guard(W.tx + GUARD + W.k.tx_cap, "send buffer");
    check_guard(W.rx, "receive buffer");
    check_guard(W.rx + GUARD + W.k.rx_cap, "receive buffer");
    for (unsigned i = 0; i < W.k.slots; i++) {
        check_guard(W.slot_mem[i], "in-flight slot");
        check_guard(W.slot_mem[i] + GUARD + W.k.slot_cap, "in-flight slot");
    }
}

void app_check_final(void)
{
    for (uint32_t id = 1; id < 65536; id++)
        if (A.by_id[id])
            sim_fail("QoS %u message %x (packet id %u) neither acknowledged nor reported at the end",
                     A.app_msg[A.by_id[id] & ~APP_TOKEN_BIT].qos, A.by_id[id], id);
}
