/* The model broker: what it does with each packet the client sends, and its session rules
 * for both MQTT versions. A session survives the connection when the client asked for it
 * (3.1.1 clean session 0, 5.0 a session expiry) and the broker did not lose it in a restart;
 * CONNACK says whether it resumed. The broker checks the client as it goes: well-formed
 * packets, DUP on re-sent QoS 2 PUBLISHes, the Receive Maximum it advertised, aliases it knows. */
#include <string.h>

#include "sim.h"

#define B W.broker

void broker_reset(void)
{
    memset(&B, 0, sizeof B);
    B.s.next_id = 1;
}

void broker_accept(void)
{
    B.state = 1;
    B.held = 0;
    B.delayed_n = 0;
    memset(B.out_alias, 0, sizeof B.out_alias);
    memset(B.in_alias, 0, sizeof B.in_alias);
}

void broker_closed(void)
{
    if (B.state == 0) return;
    int ends = B.state >= 2 && (B.v == TERN_MQTT_5 ? B.expiry == 0 : B.clean);
    B.state = 0;
    if (B.new_session_unseen) B.s.desync = 1;
    B.new_session_unseen = 0;
    if (ends) {
        sim_event("broker: session ends with the connection");
        flows_drop_session();
    }
}

void broker_restart(int keep_session)
{
    sim_event("broker restart, %s session", keep_session ? "keeping the" : "losing the");
    S_total.restarts++;
    net_cut(0);
    broker_closed();
    if (!keep_session) flows_drop_session();
    W.net.broker_down_until = (uint32_t)W.step + rng_range(&W.rng, 1, 300);
}

static void write_or_fail(const uint8_t *p, uint32_t n)
{
    (void)net_broker_write(p, n, VIOL_NONE); /* the room was checked before the packet was read */
}

static void write_ack_now(const uint8_t *p, uint8_t n)
{
    write_or_fail(p, n);
    uint8_t type = (uint8_t)(p[0] >> 4);
    if ((type == TERN_PUBACK || type == TERN_PUBCOMP) && rng_chance(&W.rng, W.k.p_dup_ack)) write_or_fail(p, n);
}

void broker_ack(uint8_t type, uint16_t id, uint8_t reason)
{
    delayed_ack a;
    a.bytes[0] = (uint8_t)(((unsigned)type << 4) | (type == TERN_PUBREL ? 2u : 0u));
    a.bytes[1] = 2;
    a.bytes[2] = (uint8_t)(id >> 8);
    a.bytes[3] = (uint8_t)id;
    a.len = 4;
    if (reason && B.v == TERN_MQTT_5) {
        a.bytes[1] = 3;
        a.bytes[a.len++] = reason;
    }
    if (type != TERN_PUBREL && B.delayed_n < DELAY_CAP && rng_chance(&W.rng, W.k.p_delay_ack)) {
        B.delayed[B.delayed_n++] = a;
        return;
    }
    /* A QoS 1 message counts against the Receive Maximum until its PUBACK is written. */
    if (type == TERN_PUBACK) B.held--;
    write_ack_now(a.bytes, a.len);
}

static void release_delayed(void)
{
    if (B.delayed_n == 0 || rng_below(&W.rng, 4) != 0) return;
    for (uint8_t i = 0; i < B.delayed_n; i++) {
        if ((B.delayed[i].bytes[0] >> 4) == TERN_PUBACK) B.held--;
        write_ack_now(B.delayed[i].bytes, B.delayed[i].len);
    }
    B.delayed_n = 0;
}

static void on_connect(const uint8_t *p, uint32_t n)
{
    tern_connect c;
    memset(&c, 0, sizeof c);
#if TERN_CFG_MQTT5
    tern_props props, will_props;
    c.props = &props;
    c.will_props = &will_props;
#endif
    tern_status st = tern_codec_decode_connect(p, n, &c);
    if (st != TERN_OK) sim_fail("the client sent a malformed CONNECT: %s", tern_status_name(st));
    B.v = (tern_mqtt_version)c.version;
    if (B.v == TERN_MQTT_5 && W.k.broker_311_only) {
        /* What a 3.1.1-only broker answers [MQTT-3.1.2-2], then it closes the connection. */
        static const uint8_t refuse[4] = {TERN_CONNACK << 4, 2, 0, 1};
        write_or_fail(refuse, sizeof refuse);
        sim_event("broker: MQTT 5 refused (3.1.1 only)");
        B.state = 0;
        net_cut(1);
        return;
    }
    B.clean = c.clean_start;
    B.expiry = 0;
    B.client_receive_max = W.k.broker_inflight_311 ? W.k.broker_inflight_311 : 1u;
    B.client_alias_max = 0;
#if TERN_CFG_MQTT5
    if (B.v == TERN_MQTT_5) {
        B.client_receive_max = 0xFFFF;
        if (props.present & TERN_PROP_BIT(TERN_PROP_SESSION_EXPIRY)) B.expiry = props.session_expiry;
        if (props.present & TERN_PROP_BIT(TERN_PROP_RECEIVE_MAXIMUM)) B.client_receive_max = props.receive_maximum;
        if (props.present & TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS_MAXIMUM))
            B.client_alias_max = props.topic_alias_maximum;
    }
#endif
    int present = !c.clean_start && B.s.exists;
    if (!present) flows_drop_session();
    B.s.exists = 1;
    tern_connack ack;
    memset(&ack, 0, sizeof ack);
    ack.session_present = (uint8_t)present;
    B.receive_max = 0xFFFF;
#if TERN_CFG_MQTT5
    tern_props ap;
    memset(&ap, 0, sizeof ap);
    if (B.v == TERN_MQTT_5) {
        ack.props = &ap;
        B.receive_max = W.k.broker_receive_max;
        if (B.receive_max != 0xFFFF) {
            ap.present |= TERN_PROP_BIT(TERN_PROP_RECEIVE_MAXIMUM);
            ap.receive_maximum = B.receive_max;
        }
        if (W.k.broker_alias_max) {
            ap.present |= TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS_MAXIMUM);
            ap.topic_alias_maximum = W.k.broker_alias_max;
        }
    }
#endif
    uint8_t out[64];
    size_t len = 0;
    st = tern_codec_encode_connack(&ack, B.v, out, sizeof out, &len);
    if (st != TERN_OK) sim_fail("the model broker cannot encode its CONNACK: %s", tern_status_name(st));
    write_or_fail(out, (uint32_t)len);
    B.new_session_unseen = (uint8_t)!present;
    B.state = 2;
    B.held = present ? B.s.qos2_count : 0;
    sim_event("broker: CONNECT v%u clean %u expiry %u -> session present %d", (unsigned)B.v, c.clean_start,
              B.expiry, present);
    if (present) S_total.resumed++;
    else S_total.new_sessions++;
    if (present) flows_resend();
}

static int qos2_index(uint16_t id)
{
    for (uint16_t i = 0; i < B.s.qos2_count; i++)
        if (B.s.qos2_ids[i] == id) return i;
    return -1;
}

static uint8_t topic_index(tern_bytes t)
{
    for (uint8_t i = 0; i < TOPIC_COUNT; i++)
        if (strlen(sim_topics[i]) == t.len && memcmp(sim_topics[i], t.data, t.len) == 0) return i;
    sim_fail("the client published on a topic it was never given (%u bytes)", t.len);
}

/* MQTT 5 topic alias from the client: bind or resolve. */
static uint8_t resolve_topic(const tern_publish *m)
{
#if TERN_CFG_MQTT5
    if (m->props && (m->props->present & TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS))) {
        uint16_t alias = m->props->topic_alias;
        if (alias == 0 || alias > W.k.broker_alias_max || alias >= sizeof B.in_alias)
            sim_fail("the client used topic alias %u; the broker allows %u", alias, W.k.broker_alias_max);
        if (m->topic.len) {
            B.in_alias[alias] = (uint8_t)(topic_index(m->topic) + 1u);
        } else if (!B.in_alias[alias]) {
            sim_fail("the client used topic alias %u before binding it on this connection", alias);
        }
        return (uint8_t)(B.in_alias[alias] - 1u);
    }
#endif
    return topic_index(m->topic);
}

/* A QoS 2 PUBLISH: new (deliver, remember) or a re-send (must be DUP, same message). */
static void on_qos2(const tern_publish *m, uint32_t token, uint8_t topic, uint8_t reason)
{
    int at = qos2_index(m->packet_id);
    if (at >= 0) {
        if (B.s.qos2_tokens[at] != token)
            sim_fail("the client reused packet id %u for another QoS 2 message before PUBCOMP", m->packet_id);
        if (!m->dup) sim_fail("the client re-sent QoS 2 packet id %u without DUP", m->packet_id);
        broker_ack(TERN_PUBREC, m->packet_id, 0);
        return;
    }
    if (reason >= 0x80) {
        W.app.app_msg[token & ~APP_TOKEN_BIT].refused = 1;
        B.held--;
        broker_ack(TERN_PUBREC, m->packet_id, reason);
        return;
    }
    if (B.s.qos2_count == BROKER_QOS2) sim_fail("the client has more QoS 2 messages in flight than the broker holds");
    B.s.qos2_ids[B.s.qos2_count] = m->packet_id;
    B.s.qos2_tokens[B.s.qos2_count++] = token;
    oracle_broker_received(token, 2, topic, 1);
    if (!flows_violation(VIOL_PUBACK_FOR_QOS2, m->packet_id, 0)) broker_ack(TERN_PUBREC, m->packet_id, 0);
}

static void on_publish(const uint8_t *p, uint32_t n)
{
    tern_publish m;
    memset(&m, 0, sizeof m);
#if TERN_CFG_MQTT5
    tern_props props;
    if (B.v == TERN_MQTT_5) m.props = &props;
#endif
    tern_status st = tern_codec_decode_publish(p, n, B.v, &m);
    if (st != TERN_OK) sim_fail("the client sent a malformed PUBLISH: %s", tern_status_name(st));
    uint8_t topic = resolve_topic(&m);
    uint32_t token;
    if (!oracle_payload_ok(m.payload.data, m.payload.len, &token) || !(token & APP_TOKEN_BIT) ||
        (token & ~APP_TOKEN_BIT) >= W.app.app_tokens)
        sim_fail("the broker got a PUBLISH whose payload the app never gave (%u bytes)", m.payload.len);
    const msg_info *info = &W.app.app_msg[token & ~APP_TOKEN_BIT];
    if (info->qos != m.qos || info->topic != topic)
        sim_fail("message %x arrived at QoS %u on topic %u; the app sent QoS %u on topic %u", token, m.qos, topic,
                 info->qos, info->topic);
    if (m.qos > 0 && qos2_index(m.packet_id) < 0) {
        if (++B.held > B.receive_max)
            sim_fail("the client has %u QoS 1/2 messages unacknowledged; the broker's Receive Maximum is %u",
                     B.held, B.receive_max);
    }
    uint8_t reason = B.v == TERN_MQTT_5 && rng_chance(&W.rng, W.k.p_refuse) ? TERN_RC_NOT_AUTHORIZED : 0;
    if (m.qos == 2) {
        on_qos2(&m, token, topic, reason);
    } else {
        if (reason == 0) oracle_broker_received(token, m.qos, topic, 0);
        else W.app.app_msg[token & ~APP_TOKEN_BIT].refused = 1;
        if (m.qos == 1) {
            if (reason || !flows_violation(VIOL_PUBREC_FOR_QOS1, m.packet_id, 0))
                broker_ack(TERN_PUBACK, m.packet_id, reason);
        }
    }
    if (reason) return;
    if (m.retain) {
        B.retained[topic] = (uint8_t)(m.payload.len > 4 ? 1u + m.qos : 0u); /* a short one clears it */
    }
    flows_publish(topic, m.qos, 0);
}

static void on_pubrel(const uint8_t *p, uint32_t n)
{
    tern_ack a;
    memset(&a, 0, sizeof a);
    tern_status st = tern_codec_decode_ack(p, n, B.v, &a);
    if (st != TERN_OK || a.type != TERN_PUBREL) sim_fail("the client sent a malformed PUBREL: %s", tern_status_name(st));
    int at = qos2_index(a.packet_id);
    if (at >= 0) {
        B.s.qos2_count--;
        B.s.qos2_ids[at] = B.s.qos2_ids[B.s.qos2_count];
        B.s.qos2_tokens[at] = B.s.qos2_tokens[B.s.qos2_count];
        B.held--;
    }
    /* Success also for an id already completed: its PUBCOMP was lost with a connection. */
    broker_ack(TERN_PUBCOMP, a.packet_id, 0);
}

static void on_subscribe(const uint8_t *p, uint32_t n, int unsubscribe)
{
    tern_subscription entries[8];
    tern_subscribe s;
    memset(&s, 0, sizeof s);
    s.entries = entries;
    s.capacity = 8;
#if TERN_CFG_MQTT5
    tern_props props;
    if (B.v == TERN_MQTT_5) s.props = &props;
#endif
    tern_status st = unsubscribe ? tern_codec_decode_unsubscribe(p, n, B.v, &s) : tern_codec_decode_subscribe(p, n, B.v, &s);
    if (st != TERN_OK || s.count > 8) sim_fail("the client sent a malformed (UN)SUBSCRIBE: %s", tern_status_name(st));
    uint8_t codes[8];
    for (uint16_t i = 0; i < s.count; i++) {
        int f = -1;
        for (int j = 0; j < FILTER_COUNT && f < 0; j++)
            if (strlen(sim_filters[j]) == entries[i].filter.len &&
                memcmp(sim_filters[j], entries[i].filter.data, entries[i].filter.len) == 0)
                f = j;
        if (f < 0) sim_fail("the client subscribed to a filter it was never given");
        uint8_t q = (uint8_t)(entries[i].options & TERN_SUBOPT_QOS_MASK);
        codes[i] = unsubscribe ? (B.s.subs[f] ? 0 : TERN_RC_NO_SUBSCRIPTION_EXISTED) : q;
        B.s.subs[f] = unsubscribe ? 0 : (uint8_t)(q + 1u);
    }
    if (!unsubscribe && flows_violation(VIOL_SUBACK_EXTRA, s.packet_id, s.count)) return;
    tern_suback a;
    memset(&a, 0, sizeof a);
    a.codes = codes;
    a.count = s.count;
    a.packet_id = s.packet_id;
    uint8_t out[32];
    size_t len = 0;
    if (unsubscribe && B.v != TERN_MQTT_5) a.count = 0;
    st = unsubscribe ? tern_codec_encode_unsuback(&a, B.v, out, sizeof out, &len)
                     : tern_codec_encode_suback(&a, B.v, out, sizeof out, &len);
    if (st != TERN_OK) sim_fail("the model broker cannot encode its SUBACK: %s", tern_status_name(st));
    write_or_fail(out, (uint32_t)len);
    if (unsubscribe) return;
    for (uint8_t t = 0; t < TOPIC_COUNT; t++)
        if (B.retained[t]) flows_publish(t, (uint8_t)(B.retained[t] - 1u), 1);
}

static void handle(const uint8_t *p, uint32_t n, uint8_t type)
{
    sim_event("broker <- %s", trace_packet(p, n));
    if (B.state == 1) {
        if (type != TERN_CONNECT) sim_fail("the client sent %s before CONNECT", trace_packet(p, n));
        on_connect(p, n);
        return;
    }
    tern_ack a;
    switch (type) {
    case TERN_PUBLISH: on_publish(p, n); break;
    case TERN_PUBACK:
    case TERN_PUBREC:
    case TERN_PUBCOMP:
        memset(&a, 0, sizeof a);
        if (tern_codec_decode_ack(p, n, B.v, &a) != TERN_OK) sim_fail("the client sent a malformed ack");
        flows_on_ack(type, a.packet_id);
        break;
    case TERN_PUBREL: on_pubrel(p, n); break;
    case TERN_SUBSCRIBE: on_subscribe(p, n, 0); break;
    case TERN_UNSUBSCRIBE: on_subscribe(p, n, 1); break;
    case TERN_PINGREQ: {
        static const uint8_t pingresp[2] = {TERN_PINGRESP << 4, 0};
        write_or_fail(pingresp, 2);
        break;
    }
    case TERN_DISCONNECT: B.state = 3; break; /* the close follows */
    default: sim_fail("the client sent %s to a broker", trace_packet(p, n));
    }
}

void broker_run(void)
{
    if (B.state == 0) return;
    if (B.state == 2) release_delayed();
    uint32_t pos = 0;
    while (B.state != 0 && pos < W.net.c2b_len && net_broker_room() > 8192) {
        tern_header h;
        tern_status st = tern_codec_decode_header(W.net.c2b + pos, W.net.c2b_len - pos, &h);
        if (st == TERN_NEED_MORE) break;
        if (st != TERN_OK) sim_fail("the client sent a malformed fixed header: %s", tern_status_name(st));
        uint32_t total = h.header_len + h.remaining;
        if (total > W.net.c2b_len - pos) break;
        if (B.state == 3) sim_fail("the client sent %s after DISCONNECT", trace_packet(W.net.c2b + pos, total));
        handle(W.net.c2b + pos, total, h.type);
        pos += total;
    }
    memmove(W.net.c2b, W.net.c2b + pos, W.net.c2b_len - pos);
    W.net.c2b_len -= pos;
    if (B.state == 2) flows_send();
}

int broker_idle(void)
{
    return W.net.c2b_len == 0 && B.delayed_n == 0 && !flows_pending() && W.net.b2c_pos == W.net.b2c_len &&
           W.net.handled == W.net.log_n;
}
