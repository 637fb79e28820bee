/* The broker's messages to the client: a queue per session, packet ids that start again at 1
 * in every new session, the client's Receive Maximum, topic aliases toward the client (MQTT 5),
 * re-sends with DUP when the session resumes -- and, now and then, a protocol violation with a
 * message right behind it, which the client must never deliver. */
#include <string.h>

#include "sim.h"

#define B W.broker
#define S W.broker.s

static const char *const violation_names[VIOL_COUNT] = {
    "none", "SUBACK with more codes than filters", "PUBACK for a QoS 2 PUBLISH",
    "PUBREC for a QoS 1 PUBLISH", "second CONNACK", "PUBLISH with QoS 3", "unbound topic alias"};

const char *violation_name(uint8_t kind) { return kind < VIOL_COUNT ? violation_names[kind] : "?"; }

void flows_drop_session(void)
{
    uint32_t number = S.number;
    memset(&S, 0, sizeof S);
    S.next_id = 1;
    S.number = number + 1u;
}

void flows_publish(uint8_t topic, uint8_t qos, uint8_t retain)
{
    uint8_t granted = 0;
    for (int f = 0; f < FILTER_COUNT; f++)
        if (S.subs[f] && sim_match[f][topic] && S.subs[f] > granted) granted = S.subs[f];
    if (!granted || (B.state != 2 && qos == 0 && !retain)) return;
    uint8_t q = qos < granted - 1u ? qos : (uint8_t)(granted - 1u);
    for (int i = 0; i < BROKER_QUEUE; i++) {
        if (S.out[i].state != BM_FREE) continue;
        uint32_t token = oracle_new_broker_token(topic, q, retain);
        if (!token) return;
        S.out[i] = (broker_msg){token, 0, q, BM_QUEUED, 0, S.next_order++};
        return;
    }
    /* The queue is full: the broker drops the message, as a real one would at its limit. */
}

static uint16_t in_flight(void)
{
    uint16_t n = 0;
    for (int i = 0; i < BROKER_QUEUE; i++) n = (uint16_t)(n + (S.out[i].state >= BM_SENT));
    return n;
}

static int id_used(uint16_t id)
{
    for (int i = 0; i < BROKER_QUEUE; i++)
        if (S.out[i].state >= BM_SENT && S.out[i].id == id) return 1;
    return 0;
}

static uint16_t next_id(void)
{
    for (;;) {
        uint16_t id = S.next_id++;
        if (S.next_id == 0) S.next_id = 1;
        if (!id_used(id)) return id;
    }
}

/* Encode the PUBLISH of m (alias toward the client when it takes them). */
static size_t encode(const broker_msg *m, uint8_t *out, size_t cap, uint8_t *payload)
{
    const msg_info *info = &W.app.broker_msg[m->token];
    tern_publish p;
    memset(&p, 0, sizeof p);
    p.topic = (tern_bytes){(const uint8_t *)sim_topics[info->topic], (uint32_t)strlen(sim_topics[info->topic])};
    p.payload = (tern_bytes){payload, oracle_payload(m->token, info->plen, payload)};
    p.qos = m->qos;
    p.dup = m->dup;
    p.retain = info->retain;
    p.packet_id = m->id;
#if TERN_CFG_MQTT5
    tern_props props;
    memset(&props, 0, sizeof props);
    if (B.v == TERN_MQTT_5 && B.client_alias_max) {
        uint8_t alias = B.out_alias[info->topic];
        if (alias) {
            p.topic.len = 0;
        } else {
            for (uint8_t t = 0; t < TOPIC_COUNT; t++) alias = B.out_alias[t] > alias ? B.out_alias[t] : alias;
            alias = alias < B.client_alias_max ? (uint8_t)(alias + 1u) : 0;
        }
        if (alias) {
            props.present = TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS);
            props.topic_alias = alias;
            p.props = &props;
            if (p.topic.len) B.out_alias[info->topic] = alias; /* bound by the write that follows */
        }
    }
#endif
    size_t n = 0;
    tern_status st = tern_codec_encode_publish(&p, B.v, out, cap, &n);
    if (st != TERN_OK) sim_fail("the model broker cannot encode a PUBLISH: %s", tern_status_name(st));
    return n;
}

static int write_message(broker_msg *m)
{
    uint8_t out[512], payload[256];
    if (net_broker_room() < sizeof out) return 0;
    size_t n = encode(m, out, sizeof out, payload);
    if (n > W.k.rx_cap) sim_fail("the model broker built a PUBLISH larger than the client takes");
    (void)net_broker_write(out, (uint32_t)n, VIOL_NONE);
    sim_event("  (message %u, session %u)", m->token, S.number);
    W.app.broker_msg[m->token].sends++;
    S_total.to_client++;
    return 1;
}

static broker_msg *oldest(uint8_t state, int window_open)
{
    broker_msg *best = NULL;
    for (int i = 0; i < BROKER_QUEUE; i++) {
        broker_msg *m = &S.out[i];
        if (m->state != state || (m->qos && !window_open)) continue;
        if (!best || (int32_t)(m->order - best->order) < 0) best = m;
    }
    return best;
}

void flows_send(void)
{
    while (B.state == 2 && W.net.open && !W.net.cut) {
        broker_msg *m = oldest(BM_QUEUED, in_flight() < B.client_receive_max);
        if (!m) return;
        if (m->qos) m->id = next_id();
        if (!write_message(m)) return;
        m->state = m->qos ? BM_SENT : BM_FREE;
    }
}

void flows_resend(void)
{
    uint8_t done[BROKER_QUEUE] = {0};
    for (;;) {
        int at = -1;
        for (int i = 0; i < BROKER_QUEUE; i++) {
            const broker_msg *c = &S.out[i];
            if ((c->state == BM_SENT || c->state == BM_PUBREL) && !done[i] &&
                (at < 0 || (int32_t)(c->order - S.out[at].order) < 0))
                at = i;
        }
        if (at < 0) return;
        done[at] = 1;
        broker_msg *m = &S.out[at];
        if (m->state == BM_PUBREL) {
            broker_ack(TERN_PUBREL, m->id, 0);
        } else {
            m->dup = 1;
            (void)write_message(m);
        }
    }
}

void flows_on_ack(uint8_t type, uint16_t id)
{
    for (int i = 0; i < BROKER_QUEUE; i++) {
        broker_msg *m = &S.out[i];
        if (m->id != id || m->state < BM_SENT) continue;
        uint8_t want = m->state == BM_PUBREL ? TERN_PUBCOMP : m->qos == 1 ? TERN_PUBACK : TERN_PUBREC;
        if (type == TERN_PUBREC && m->state == BM_PUBREL) { /* a PUBREC again: the PUBREL again */
            broker_ack(TERN_PUBREL, id, 0);
            return;
        }
        if (type != want)
            sim_fail("the client sent %s for packet id %u, which waits for type %u", type == TERN_PUBACK ? "PUBACK"
                     : type == TERN_PUBREC ? "PUBREC" : "PUBCOMP", id, want);
        if (type != TERN_PUBCOMP) oracle_client_acked(m->token, type, id);
        if (type == TERN_PUBREC) {
            m->state = BM_PUBREL;
            m->dup = 0;
            broker_ack(TERN_PUBREL, id, 0);
        } else {
            m->state = BM_FREE;
        }
        return;
    }
    if (!W.net.violation_handled && !W.app.qos2_forgotten)
        sim_fail("the client acknowledged packet id %u, which the broker has not in flight", id);
}

int flows_pending(void)
{
    for (int i = 0; i < BROKER_QUEUE; i++)
        if (S.out[i].state != BM_FREE) return 1;
    return 0;
}

/* A QoS 0 message right behind a violation, on a topic the client may not even want. */
static void message_behind(void)
{
    broker_msg m = {oracle_new_broker_token(0, 0, 0), 0, 0, BM_QUEUED, 0, 0};
    if (m.token) (void)write_message(&m);
}

int flows_violation(int kind, uint16_t id, uint16_t filters)
{
    if (W.draining || B.state != 2 || !rng_chance(&W.rng, W.k.p_violation)) return 0;
    uint8_t p[16];
    uint32_t n = 4;
    switch (kind) {
    case VIOL_SUBACK_EXTRA:
        n = (uint32_t)filters + rng_range(&W.rng, 1, 2);
        p[0] = TERN_SUBACK << 4;
        p[1] = (uint8_t)(2u + n + (B.v == TERN_MQTT_5));
        p[2] = (uint8_t)(id >> 8);
        p[3] = (uint8_t)id;
        n = 4;
        if (B.v == TERN_MQTT_5) p[n++] = 0; /* no properties */
        while (n < 2u + p[1]) p[n++] = 0;
        break;
    case VIOL_PUBACK_FOR_QOS2:
    case VIOL_PUBREC_FOR_QOS1:
        p[0] = (uint8_t)((kind == VIOL_PUBACK_FOR_QOS2 ? TERN_PUBACK : TERN_PUBREC) << 4);
        p[1] = 2;
        p[2] = (uint8_t)(id >> 8);
        p[3] = (uint8_t)id;
        break;
    case VIOL_CONNACK_AGAIN:
        p[0] = TERN_CONNACK << 4;
        p[1] = (uint8_t)(B.v == TERN_MQTT_5 ? 3 : 2);
        p[2] = p[3] = p[4] = 0;
        n = 2u + p[1];
        break;
    case VIOL_QOS3: /* topic "a", then what would be an id */
        memcpy(p, "\x36\x05\x00\x01" "a\x00\x01", 7);
        n = 7;
        break;
    case VIOL_ALIAS_UNBOUND: /* empty topic, alias 1 while nothing is bound on this connection */
        if (B.v != TERN_MQTT_5 || B.client_alias_max == 0) return 0;
        for (int t = 0; t < TOPIC_COUNT; t++)
            if (B.out_alias[t]) return 0;
        memcpy(p, "\x30\x06\x00\x00\x03\x23\x00\x01", 8);
        n = 8;
        break;
    default: return 0;
    }
    if (net_broker_room() < 1024) return 0;
    (void)net_broker_write(p, n, (uint8_t)kind);
    message_behind();
    return 1;
}
