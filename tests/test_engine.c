/* The session engine against a scripted peer, in all three delivery modes (all at once, one
 * byte per read, would-block before every read and write): the same assertions must hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scripted_peer.h"

#define SLOTS 3

typedef struct {
    scripted_peer peer;
    tern_client client;
    tern_client_config cfg;
    tern_connect_options opts;
    uint8_t tx[512], rx[128];
    tern_inflight slots[SLOTS];
    uint8_t slot_mem[SLOTS][128];
    uint16_t qos2[4];
    /* what the callbacks saw */
    int messages, connects, disconnects, errors, subacks;
    char last_payload[64];
    char last_topic[64];
    uint16_t done_ids[16];
    tern_status done_status[16];
    int done;
    tern_status last_error_cb, last_disconnect;
    /* messages in pieces, reassembled */
    char assembled[1200];
    uint32_t assembled_len, chunk_total;
    int chunks, chunk_topic_ok;
} fixture;

static fixture fx;

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    (void)c;
    fixture *f = user;
    f->messages++;
    size_t n = m->payload.len < sizeof f->last_payload - 1 ? m->payload.len : sizeof f->last_payload - 1;
    memcpy(f->last_payload, m->payload.data, n);
    f->last_payload[n] = 0;
    n = m->topic.len < sizeof f->last_topic - 1 ? m->topic.len : sizeof f->last_topic - 1;
    memcpy(f->last_topic, m->topic.data, n);
    f->last_topic[n] = 0;
}

static void on_connect(tern_client *c, tern_status st, const tern_connack *a, void *user)
{
    (void)c, (void)a, (void)st;
    ((fixture *)user)->connects++;
}

static void on_disconnect(tern_client *c, tern_status why, void *user)
{
    (void)c;
    ((fixture *)user)->disconnects++;
    ((fixture *)user)->last_disconnect = why;
}

static void on_done(tern_client *c, uint16_t id, tern_status st, uint8_t reason, void *user)
{
    (void)c, (void)reason;
    fixture *f = user;
    if (f->done < 16) {
        f->done_ids[f->done] = id;
        f->done_status[f->done] = st;
    }
    f->done++;
}

static void on_error(tern_client *c, tern_status st, void *user)
{
    (void)c;
    ((fixture *)user)->errors++;
    ((fixture *)user)->last_error_cb = st;
}

static void on_suback(tern_client *c, uint8_t type, const tern_suback *a, void *user)
{
    (void)c, (void)type, (void)a;
    ((fixture *)user)->subacks++;
}

static void setup(int mode, tern_mqtt_version v)
{
    memset(&fx, 0, sizeof fx);
    peer_init(&fx.peer, mode);
    peer_transport(&fx.peer, &fx.cfg.transport);
    fx.cfg.now_ms = peer_clock;
    fx.cfg.clock_ctx = &fx.peer;
    fx.cfg.tx = fx.tx;
    fx.cfg.tx_cap = sizeof fx.tx;
    fx.cfg.rx = fx.rx;
    fx.cfg.rx_cap = sizeof fx.rx;
    for (int i = 0; i < SLOTS; i++) {
        fx.slots[i].packet = fx.slot_mem[i];
        fx.slots[i].cap = sizeof fx.slot_mem[i];
    }
    fx.cfg.inflight = fx.slots;
    fx.cfg.inflight_count = SLOTS;
    fx.cfg.inbound_qos2 = fx.qos2;
    fx.cfg.inbound_qos2_count = 4;
    fx.cfg.cb = (tern_callbacks){.user = &fx, .on_message = on_message, .on_connect = on_connect,
                                 .on_disconnect = on_disconnect, .on_publish_done = on_done,
                                 .on_suback = on_suback, .on_error = on_error};
    fx.opts.version = v;
    fx.opts.client_id = (tern_bytes){(const uint8_t *)"engine", 6};
    fx.opts.clean_start = 1;
    fx.opts.keep_alive = 10;
    assert_int_equal(tern_client_init(&fx.client, &fx.cfg), TERN_OK);
}

/* Connect and take the CONNACK; the CONNECT is checked by decoding it. */
static void connect_ok(tern_mqtt_version v, int session_present)
{
    assert_int_equal(tern_client_connect(&fx.client, &fx.opts), TERN_OK);
    peer_feed_connack(&fx.peer, v, session_present, 0);
    assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_OK);
    assert_true(tern_client_is_connected(&fx.client));
    size_t len = 0;
    const uint8_t *pkt = peer_expect(&fx.peer, TERN_CONNECT, &len);
    tern_props props;
    tern_connect c = {.props = &props};
    assert_int_equal(tern_codec_decode_connect(pkt, len, &c), TERN_OK);
    assert_int_equal(c.version, v);
    assert_int_equal(c.keep_alive, 10);
    assert_int_equal(c.client_id.len, 6);
    if (v == TERN_MQTT_5) {
        assert_true(props.present & TERN_PROP_BIT(TERN_PROP_MAXIMUM_PACKET_SIZE));
        assert_int_equal(props.maximum_packet_size, sizeof fx.rx);
    }
}

static tern_publish message(uint8_t qos, const char *payload)
{
    tern_publish m = {{(const uint8_t *)"t/x", 3}, {(const uint8_t *)payload, (uint32_t)strlen(payload)},
                      NULL, 0, qos, 0, 0};
    return m;
}

static uint16_t sent_publish_id(int *dup)
{
    size_t len = 0;
    const uint8_t *pkt = peer_expect(&fx.peer, TERN_PUBLISH, &len);
    tern_publish m;
    memset(&m, 0, sizeof m);
    assert_int_equal(tern_codec_decode_publish(pkt, len, fx.opts.version, &m), TERN_OK);
    if (dup) *dup = m.dup;
    return m.packet_id;
}

#define FOR_EACH_MODE_AND_VERSION(...)                                                   \
    for (int mode = 0; mode < PEER_MODES; mode++)                                        \
        for (int vi = 0; vi < 2; vi++) {                                                 \
            tern_mqtt_version v = vi ? TERN_MQTT_5 : TERN_MQTT_311;                      \
            setup(mode, v);                                                              \
            __VA_ARGS__                                                                  \
        }

static void connack_refusals_surface_their_code(void **state)
{
    (void)state;
    static const uint8_t v3[] = {1, 2, 3, 4, 5};
    static const uint8_t v5[] = {0x80, 0x84, 0x85, 0x86, 0x87, 0x88, 0x8A, 0x97};
    for (int mode = 0; mode < PEER_MODES; mode++) {
        for (size_t i = 0; i < sizeof v3 + sizeof v5; i++) {
            tern_mqtt_version v = i < sizeof v3 ? TERN_MQTT_311 : TERN_MQTT_5;
            uint8_t code = i < sizeof v3 ? v3[i] : v5[i - sizeof v3];
            setup(mode, v);
            assert_int_equal(tern_client_connect(&fx.client, &fx.opts), TERN_OK);
            peer_feed_connack(&fx.peer, v, 0, code);
            assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_ERR_CONNACK_REFUSED);
            assert_false(tern_client_is_connected(&fx.client));
            assert_int_equal(tern_client_last_reason(&fx.client), code);
        }
    }
}

static void qos1_and_qos2_out_complete(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        connect_ok(v, 0);
        tern_publish m1 = message(1, "one"), m2 = message(2, "two");
        uint16_t id1 = 0, id2 = 0;
        assert_int_equal(tern_client_publish(&fx.client, &m1, &id1), TERN_OK);
        assert_int_equal(tern_client_publish(&fx.client, &m2, &id2), TERN_OK);
        assert_int_not_equal(id1, id2);
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(sent_publish_id(NULL), id1);
        assert_int_equal(sent_publish_id(NULL), id2);
        assert_int_equal(tern_client_inflight(&fx.client), 2);
        peer_feed_ack(&fx.peer, v, TERN_PUBACK, id1);
        peer_feed_ack(&fx.peer, v, TERN_PUBREC, id2);
        peer_pump(&fx.peer, &fx.client);
        size_t len;
        peer_expect(&fx.peer, TERN_PUBREL, &len);
        assert_int_equal(fx.done, 1);
        peer_feed_ack(&fx.peer, v, TERN_PUBCOMP, id2);
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(fx.done, 2);
        assert_int_equal(fx.done_status[0], TERN_OK);
        assert_int_equal(fx.done_status[1], TERN_OK);
        assert_int_equal(tern_client_inflight(&fx.client), 0);
    })
}

static void busy_when_slots_full_clears_after_ack(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        connect_ok(v, 0);
        tern_publish m = message(1, "x");
        uint16_t ids[SLOTS];
        for (int i = 0; i < SLOTS; i++) assert_int_equal(tern_client_publish(&fx.client, &m, &ids[i]), TERN_OK);
        for (int i = 0; i < SLOTS; i++)
            for (int j = 0; j < i; j++) assert_int_not_equal(ids[i], ids[j]);
        assert_int_equal(tern_client_publish(&fx.client, &m, NULL), TERN_ERR_BUSY);
        peer_pump(&fx.peer, &fx.client);
        peer_feed_ack(&fx.peer, v, TERN_PUBACK, ids[1]);
        peer_pump(&fx.peer, &fx.client);
        uint16_t again = 0;
        assert_int_equal(tern_client_publish(&fx.client, &m, &again), TERN_OK);
        assert_int_not_equal(again, ids[0]); /* still in flight: never reused */
        assert_int_not_equal(again, ids[2]);
    })
}

static void inbound_qos2_delivered_once_despite_dup(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        connect_ok(v, 0);
        peer_feed_publish(&fx.peer, v, "in/q2", "once", 2, 7, 0);
        peer_feed_publish(&fx.peer, v, "in/q2", "once", 2, 7, 1); /* broker re-sends */
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(fx.messages, 1);
        size_t len;
        peer_expect(&fx.peer, TERN_PUBREC, &len);
        peer_expect(&fx.peer, TERN_PUBREC, &len);
        peer_feed_ack(&fx.peer, v, TERN_PUBREL, 7);
        peer_pump(&fx.peer, &fx.client);
        peer_expect(&fx.peer, TERN_PUBCOMP, &len);
        /* After PUBREL the id is free: a new message with it is delivered. */
        peer_feed_publish(&fx.peer, v, "in/q2", "next", 2, 7, 0);
        peer_feed_publish(&fx.peer, v, "in/q1", "q1", 1, 8, 0);
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(fx.messages, 3);
        assert_string_equal(fx.last_payload, "q1");
        peer_expect(&fx.peer, TERN_PUBACK, &len);
    })
}

static void resumed_session_resends_in_order_with_dup(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        fx.opts.auto_reconnect = 1;
        fx.opts.clean_start = 0;
        connect_ok(v, 0);
        tern_publish a = message(1, "a"), b = message(2, "b");
        uint16_t ida, idb;
        assert_int_equal(tern_client_publish(&fx.client, &a, &ida), TERN_OK);
        assert_int_equal(tern_client_publish(&fx.client, &b, &idb), TERN_OK);
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(sent_publish_id(NULL), ida);
        assert_int_equal(sent_publish_id(NULL), idb);
        fx.peer.closed = 1; /* the connection drops before any ack */
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(fx.disconnects, 1);
        fx.peer.now += 60000; /* past any backoff */
        peer_feed_connack(&fx.peer, v, 1, 0);
        peer_pump(&fx.peer, &fx.client);
        assert_true(tern_client_is_connected(&fx.client));
        int dup = 0;
        size_t len;
        peer_expect(&fx.peer, TERN_CONNECT, &len);
        assert_int_equal(sent_publish_id(&dup), ida);
        assert_int_equal(dup, 1);
        assert_int_equal(sent_publish_id(&dup), idb);
        assert_int_equal(dup, 1);
        assert_int_equal(fx.done, 0);
    })
}

static void lost_session_reports_each_dropped_message(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        fx.opts.auto_reconnect = 1;
        connect_ok(v, 0);
        tern_publish a = message(1, "a");
        uint16_t ida, idb;
        assert_int_equal(tern_client_publish(&fx.client, &a, &ida), TERN_OK);
        assert_int_equal(tern_client_publish(&fx.client, &a, &idb), TERN_OK);
        peer_pump(&fx.peer, &fx.client);
        fx.peer.closed = 1;
        peer_pump(&fx.peer, &fx.client);
        fx.peer.now += 60000;
        peer_feed_connack(&fx.peer, v, 0, 0);
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(fx.done, 2);
        assert_int_equal(fx.done_status[0], TERN_ERR_SESSION_LOST);
        assert_int_equal(fx.done_status[1], TERN_ERR_SESSION_LOST);
        assert_int_equal(tern_client_inflight(&fx.client), 0);
    })
}

#if TERN_CFG_PERSISTENCE
/* What on_store saw last, per slot: the persisted copy an application would keep. */
static uint8_t stored[SLOTS][128];
static uint32_t stored_len[SLOTS];

static void on_store(tern_client *c, const tern_inflight *slot, void *user)
{
    (void)c, (void)user;
    size_t i = (size_t)(slot - fx.slots);
    assert_true(i < SLOTS);
    stored_len[i] = slot->len;
    memcpy(stored[i], slot->packet, slot->len);
}

/* Reboot: the packets saved through on_store, put back with tern_client_restore into a fresh
 * client, are re-sent when the broker resumes the session, and their flows complete. */
static void restored_packets_resent_after_reboot(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        memset(stored_len, 0, sizeof stored_len);
        fx.cfg.cb.on_store = on_store;
        connect_ok(v, 0);
        tern_publish a = message(1, "a"), b = message(2, "b");
        uint16_t ida = 0, idb = 0;
        assert_int_equal(tern_client_publish(&fx.client, &a, &ida), TERN_OK);
        assert_int_equal(tern_client_publish(&fx.client, &b, &idb), TERN_OK);
        peer_pump(&fx.peer, &fx.client);
        peer_feed_ack(&fx.peer, v, TERN_PUBREC, idb);
        peer_pump(&fx.peer, &fx.client);
        size_t len;
        peer_expect(&fx.peer, TERN_PUBREL, &len);
        uint8_t saved[SLOTS][128];
        uint32_t saved_len[SLOTS];
        memcpy(saved, stored, sizeof saved);
        memcpy(saved_len, stored_len, sizeof saved_len);
        assert_int_equal(saved[0][0] >> 4, TERN_PUBLISH);
        assert_int_equal(saved[1][0] >> 4, TERN_PUBREL);

        setup(mode, v); /* the reboot */
        fx.opts.clean_start = 0;
        for (int i = 0; i < SLOTS; i++)
            if (saved_len[i]) assert_int_equal(tern_client_restore(&fx.client, saved[i], saved_len[i]), TERN_OK);
        assert_int_equal(tern_client_inflight(&fx.client), 2);
        connect_ok(v, 1);
        int dup = 0;
        assert_int_equal(sent_publish_id(&dup), ida);
        assert_int_equal(dup, 1);
        const uint8_t *rel = peer_expect(&fx.peer, TERN_PUBREL, &len);
        assert_int_equal(len, 4);
        assert_int_equal((rel[2] << 8) | rel[3], idb);
        /* New messages never take a restored id. */
        tern_publish c = message(1, "c");
        uint16_t idc = 0;
        assert_int_equal(tern_client_publish(&fx.client, &c, &idc), TERN_OK);
        assert_int_not_equal(idc, ida);
        assert_int_not_equal(idc, idb);
        peer_feed_ack(&fx.peer, v, TERN_PUBACK, ida);
        peer_feed_ack(&fx.peer, v, TERN_PUBCOMP, idb);
        peer_feed_ack(&fx.peer, v, TERN_PUBACK, idc);
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(fx.done, 3);
        for (int i = 0; i < 3; i++) assert_int_equal(fx.done_status[i], TERN_OK);
        assert_int_equal(tern_client_inflight(&fx.client), 0);
    })
}

static void restore_refuses_what_it_cannot_hold(void **state)
{
    (void)state;
    setup(PEER_ALL_AT_ONCE, TERN_MQTT_311);
    static const uint8_t puback[] = {0x40, 0x02, 0x00, 0x01};
    static const uint8_t qos0[] = {0x30, 0x05, 0x00, 0x03, 'a', '/', 'b'};
    static const uint8_t qos3[] = {0x36, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x01};
    static const uint8_t cut[] = {0x32, 0x03, 0x00, 0x05, 'a'};        /* topic runs past the end */
    static const uint8_t no_id[] = {0x62, 0x01, 0x00};                 /* PUBREL without its id */
    static const uint8_t longer[] = {0x32, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x01, 0x00};
    static const uint8_t bad_header[] = {0x32, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    assert_int_equal(tern_client_restore(&fx.client, puback, sizeof puback), TERN_ERR_INVALID_ARG);
    assert_int_equal(tern_client_restore(&fx.client, qos0, sizeof qos0), TERN_ERR_QOS);
    assert_int_equal(tern_client_restore(&fx.client, qos3, sizeof qos3), TERN_ERR_QOS);
    assert_int_equal(tern_client_restore(&fx.client, cut, sizeof cut), TERN_ERR_REMAINING_LENGTH);
    assert_int_equal(tern_client_restore(&fx.client, no_id, sizeof no_id), TERN_ERR_REMAINING_LENGTH);
    assert_int_equal(tern_client_restore(&fx.client, longer, sizeof longer), TERN_ERR_INVALID_ARG);
    assert_int_equal(tern_client_restore(&fx.client, bad_header, sizeof bad_header), TERN_ERR_VARINT);
    uint8_t big[3 + 5 + 200] = {0x32, 0xCD, 0x01, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x09};
    assert_int_equal(tern_client_restore(&fx.client, big, sizeof big), TERN_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(tern_client_inflight(&fx.client), 0);
    /* Every slot taken: busy. */
    uint8_t pub[] = {0x32, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x01};
    for (uint8_t id = 1; id <= SLOTS; id++) {
        pub[8] = id;
        assert_int_equal(tern_client_restore(&fx.client, pub, sizeof pub), TERN_OK);
    }
    assert_int_equal(tern_client_inflight(&fx.client), SLOTS);
    assert_int_equal(tern_client_restore(&fx.client, pub, sizeof pub), TERN_ERR_BUSY);
    /* Only before connecting. */
    setup(PEER_ALL_AT_ONCE, TERN_MQTT_311);
    connect_ok(TERN_MQTT_311, 0);
    static const uint8_t pubrel[] = {0x62, 0x02, 0x00, 0x07};
    assert_int_equal(tern_client_restore(&fx.client, pubrel, sizeof pubrel), TERN_ERR_INVALID_ARG);
    assert_int_equal(tern_client_inflight(&fx.client), 0);
}

#else /* !TERN_CFG_PERSISTENCE */
static void on_store_unused(tern_client *c, const tern_inflight *slot, void *user)
{
    (void)c, (void)slot, (void)user;
    fail_msg("on_store called in a build without persistence");
}

/* Without persistence: nothing is restored and on_store is never called; flows still work. */
static void no_persistence_in_this_build(void **state)
{
    (void)state;
    setup(PEER_ALL_AT_ONCE, TERN_MQTT_311);
    static const uint8_t pub[] = {0x32, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x01};
    assert_int_equal(tern_client_restore(&fx.client, pub, sizeof pub), TERN_ERR_UNSUPPORTED);
    assert_int_equal(tern_client_inflight(&fx.client), 0);
    fx.cfg.cb.on_store = on_store_unused;
    connect_ok(TERN_MQTT_311, 0);
    tern_publish a = message(1, "a");
    uint16_t id = 0;
    assert_int_equal(tern_client_publish(&fx.client, &a, &id), TERN_OK);
    peer_pump(&fx.peer, &fx.client);
    peer_feed_ack(&fx.peer, TERN_MQTT_311, TERN_PUBACK, id);
    peer_pump(&fx.peer, &fx.client);
    assert_int_equal(fx.done, 1);
    assert_int_equal(tern_client_inflight(&fx.client), 0);
}
#endif /* TERN_CFG_PERSISTENCE */

/* The broker's answers to our QoS 1/2 flows that are not plain success. */
static void refused_and_unknown_acks(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        connect_ok(v, 0);
        size_t len;
        /* A PUBREC for an id not in flight (a duplicate): answered with PUBREL all the same. */
        peer_feed_ack(&fx.peer, v, TERN_PUBREC, 42);
        peer_pump(&fx.peer, &fx.client);
        const uint8_t *rel = peer_expect(&fx.peer, TERN_PUBREL, &len);
        tern_ack ack;
        tern_props props;
        memset(&ack, 0, sizeof ack);
        ack.props = &props;
        assert_int_equal(tern_codec_decode_ack(rel, len, v, &ack), TERN_OK);
        assert_int_equal(ack.packet_id, 42);
        assert_int_equal(ack.reason_code, v == TERN_MQTT_5 ? TERN_RC_PACKET_ID_NOT_FOUND : 0);
        assert_int_equal(fx.done, 0);
        if (v == TERN_MQTT_5) {
            /* MQTT 5: a reason >= 0x80 in PUBACK or PUBREC refuses the message. */
            tern_publish a = message(1, "a"), b = message(2, "b");
            uint16_t ida = 0, idb = 0;
            assert_int_equal(tern_client_publish(&fx.client, &a, &ida), TERN_OK);
            assert_int_equal(tern_client_publish(&fx.client, &b, &idb), TERN_OK);
            peer_pump(&fx.peer, &fx.client);
            uint8_t refused_puback[] = {0x40, 0x03, (uint8_t)(ida >> 8), (uint8_t)ida, 0x87};
            uint8_t refused_pubrec[] = {0x50, 0x03, (uint8_t)(idb >> 8), (uint8_t)idb, 0x80};
            peer_feed(&fx.peer, refused_puback, sizeof refused_puback);
            peer_feed(&fx.peer, refused_pubrec, sizeof refused_pubrec);
            peer_pump(&fx.peer, &fx.client);
            assert_int_equal(fx.done, 2);
            assert_int_equal(fx.done_ids[0], ida);
            assert_int_equal(fx.done_status[0], TERN_ERR_MESSAGE_REFUSED);
            assert_int_equal(fx.done_ids[1], idb);
            assert_int_equal(fx.done_status[1], TERN_ERR_MESSAGE_REFUSED);
            assert_int_equal(tern_client_inflight(&fx.client), 0);
            const uint8_t *pkt;
            while (peer_next(&fx.peer, &pkt, &len)) assert_int_not_equal(pkt[0] >> 4, TERN_PUBREL);
        }
    })
}

static void keepalive_pings_then_declares_dead(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        connect_ok(v, 0);
        fx.peer.now += 10000;
        peer_pump(&fx.peer, &fx.client);
        size_t len;
        peer_expect(&fx.peer, TERN_PINGREQ, &len);
        uint8_t pingresp[] = {0xD0, 0x00};
        peer_feed(&fx.peer, pingresp, 2);
        peer_pump(&fx.peer, &fx.client);
        assert_true(tern_client_is_connected(&fx.client));
        fx.peer.now += 10000; /* quiet again: a second ping, never answered */
        peer_pump(&fx.peer, &fx.client);
        peer_expect(&fx.peer, TERN_PINGREQ, &len);
        fx.peer.now += 5000;
        assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_ERR_KEEPALIVE_TIMEOUT);
        assert_false(tern_client_is_connected(&fx.client));
    })
}

/* A broker dripping a packet a byte at a time does not count as alive: keep-alive is about
 * complete packets (the hostile-broker slowloris test over TCP found this). */
static void keepalive_ignores_dripped_bytes(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        connect_ok(v, 0);
        fx.peer.now += 10000;
        peer_pump(&fx.peer, &fx.client);
        size_t len;
        peer_expect(&fx.peer, TERN_PINGREQ, &len);
        uint8_t start[] = {0x30, 0x7F, 0x00, 0x01}; /* a PUBLISH that never completes */
        for (size_t i = 0; i < sizeof start; i++) { /* a byte a second: 11..14 s */
            fx.peer.now += 1000;
            peer_feed(&fx.peer, &start[i], 1);
            assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_OK);
        }
        fx.peer.now += 1500; /* 15.5 s since the last complete packet (the CONNACK) */
        assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_ERR_KEEPALIVE_TIMEOUT);
    })
}

static void oversized_message_is_skipped_and_acked(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        connect_ok(v, 0);
        char big[300];
        memset(big, 'B', sizeof big - 1);
        big[sizeof big - 1] = 0;
        peer_feed_publish(&fx.peer, v, "big", big, 1, 9, 0);
        peer_feed_publish(&fx.peer, v, "small", "fits", 0, 0, 0);
        assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_OK);
        assert_int_equal(fx.errors, 1);
        assert_int_equal(fx.last_error_cb, TERN_ERR_MESSAGE_TOO_LARGE);
        assert_int_equal(fx.messages, 1);
        assert_string_equal(fx.last_payload, "fits");
        size_t len;
        const uint8_t *ack = peer_expect(&fx.peer, TERN_PUBACK, &len);
        assert_int_equal(ack[3], 9);
        assert_true(tern_client_is_connected(&fx.client));
    })
}

static void malformed_input_ends_the_connection_with_its_status(void **state)
{
    (void)state;
    static const struct { uint8_t bytes[8]; size_t n; tern_status st; } cases[] = {
        {{0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01}, 7, TERN_ERR_QOS},            /* QoS 3 */
        {{0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, 6, TERN_ERR_VARINT},             /* 5-byte length */
        {{0x20, 0x02, 0x00, 0x00}, 4, TERN_ERR_UNEXPECTED_PACKET},              /* second CONNACK */
        {{0x82, 0x04, 0x00, 0x01, 0x00, 0x00}, 6, TERN_ERR_UNEXPECTED_PACKET},  /* SUBSCRIBE */
        {{0x40, 0x03, 0x00, 0x01, 0x00}, 5, TERN_ERR_REMAINING_LENGTH},         /* PUBACK too long (3.1.1) */
    };
    for (int mode = 0; mode < PEER_MODES; mode++) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            setup(mode, TERN_MQTT_311);
            connect_ok(TERN_MQTT_311, 0);
            peer_feed(&fx.peer, cases[i].bytes, cases[i].n);
            assert_int_equal(peer_pump(&fx.peer, &fx.client), cases[i].st);
            assert_false(tern_client_is_connected(&fx.client));
            assert_int_equal(fx.last_disconnect, cases[i].st);
        }
        /* MQTT 5: the client says why before it closes (best effort: a transport that would
         * block right then gets no DISCONNECT, the connection closes all the same). */
        if (mode == PEER_WOULD_BLOCK) continue;
        setup(mode, TERN_MQTT_5);
        connect_ok(TERN_MQTT_5, 0);
        peer_feed(&fx.peer, cases[0].bytes, cases[0].n);
        assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_ERR_QOS);
        size_t len;
        const uint8_t *d = peer_expect(&fx.peer, TERN_DISCONNECT, &len);
        assert_int_equal(d[2], TERN_RC_MALFORMED_PACKET);
    }
}

static void server_disconnect_surfaces_its_reason(void **state)
{
    (void)state;
    for (int mode = 0; mode < PEER_MODES; mode++) {
        setup(mode, TERN_MQTT_5);
        connect_ok(TERN_MQTT_5, 0);
        uint8_t d[] = {0xE0, 0x01, 0x8B};
        peer_feed(&fx.peer, d, sizeof d);
        assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_ERR_SERVER_DISCONNECT);
        assert_int_equal(tern_client_last_reason(&fx.client), TERN_RC_SERVER_SHUTTING_DOWN);
    }
}

static int routed;
static void on_routed(tern_client *c, const tern_publish *m, void *user)
{
    (void)c, (void)m, (void)user;
    routed++;
}

static void subscribe_results_and_routes(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        tern_route route = {{(const uint8_t *)"sensors/+/temp", 14}, on_routed, NULL};
        fx.cfg.routes = &route;
        fx.cfg.route_count = 1;
        routed = 0;
        connect_ok(v, 0);
        tern_subscription subs[2] = {{{(const uint8_t *)"a/#", 3}, 1}, {{(const uint8_t *)"b", 1}, 2}};
        uint16_t id = 0;
        assert_int_equal(tern_client_subscribe(&fx.client, subs, 2, NULL, &id), TERN_OK);
        peer_pump(&fx.peer, &fx.client);
        size_t len;
        const uint8_t *pkt = peer_expect(&fx.peer, TERN_SUBSCRIBE, &len);
        tern_subscription got[2];
        tern_subscribe s = {got, NULL, 0, 2, 0};
        assert_int_equal(tern_codec_decode_subscribe(pkt, len, v, &s), TERN_OK);
        assert_int_equal(s.count, 2);
        assert_int_equal(s.packet_id, id);
        assert_int_equal(got[1].options & 3, 2);
        uint8_t codes[2] = {1, 0x80};
        tern_suback ack = {codes, NULL, 2, id};
        uint8_t buf[16];
        size_t n = 0;
        assert_int_equal(tern_codec_encode_suback(&ack, v, buf, sizeof buf, &n), TERN_OK);
        peer_feed(&fx.peer, buf, n);
        peer_feed_publish(&fx.peer, v, "sensors/kitchen/temp", "21", 0, 0, 0);
        peer_feed_publish(&fx.peer, v, "a/other", "x", 0, 0, 0);
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(fx.subacks, 1);
        assert_int_equal(routed, 1);     /* the matching route */
        assert_int_equal(fx.messages, 1); /* the default callback */
    })
}

static void unsubscribe_sends_filters_and_reports_the_unsuback(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        connect_ok(v, 0);
        tern_subscription subs[2] = {{{(const uint8_t *)"a/#", 3}, 0}, {{(const uint8_t *)"b", 1}, 0}};
        uint16_t id = 0;
        assert_int_equal(tern_client_unsubscribe(&fx.client, subs, 2, NULL, &id), TERN_OK);
        assert_int_not_equal(id, 0);
        peer_pump(&fx.peer, &fx.client);
        size_t len;
        const uint8_t *pkt = peer_expect(&fx.peer, TERN_UNSUBSCRIBE, &len);
        tern_subscription got[2];
        tern_subscribe s = {got, NULL, 0, 2, 0};
        assert_int_equal(tern_codec_decode_unsubscribe(pkt, len, v, &s), TERN_OK);
        assert_int_equal(s.count, 2);
        assert_int_equal(s.packet_id, id);
        assert_int_equal(got[0].filter.len, 3);
        assert_memory_equal(got[0].filter.data, "a/#", 3);
        uint8_t codes[2] = {0, 0x11};
        tern_suback ack = {codes, NULL, 2, id};
        uint8_t buf[16];
        size_t n = 0;
        assert_int_equal(tern_codec_encode_unsuback(&ack, v, buf, sizeof buf, &n), TERN_OK);
        peer_feed(&fx.peer, buf, n);
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(fx.subacks, 1);
        /* An empty filter is refused before anything is sent. */
        tern_subscription empty = {{(const uint8_t *)"", 0}, 0};
        assert_int_equal(tern_client_unsubscribe(&fx.client, &empty, 1, NULL, &id), TERN_ERR_TOPIC_EMPTY);
        const uint8_t *rest;
        assert_int_equal(peer_next(&fx.peer, &rest, &len), 0);
    })
}

static void feed_aliased(const char *topic, uint16_t alias)
{
    tern_props props;
    memset(&props, 0, sizeof props);
    props.present = TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS);
    props.topic_alias = alias;
    tern_publish m = {{(const uint8_t *)topic, (uint32_t)strlen(topic)}, {(const uint8_t *)"p", 1}, &props, 0, 0, 0, 0};
    uint8_t buf[64];
    size_t n = 0;
    assert_int_equal(tern_codec_encode_publish(&m, TERN_MQTT_5, buf, sizeof buf, &n), TERN_OK);
    peer_feed(&fx.peer, buf, n);
}

static void inbound_topic_aliases(void **state)
{
    (void)state;
    for (int mode = 0; mode < PEER_MODES; mode++) {
        setup(mode, TERN_MQTT_5);
        static uint8_t store[2][32];
        tern_topic_alias aliases[2] = {{store[0], 32, 0}, {store[1], 32, 0}};
        fx.cfg.topic_aliases = aliases;
        fx.cfg.topic_alias_count = 2;
        connect_ok(TERN_MQTT_5, 0);
        feed_aliased("long/topic/name", 1);
        feed_aliased("", 1);
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(fx.messages, 2);
        assert_string_equal(fx.last_topic, "long/topic/name");
        feed_aliased("", 2); /* never bound */
        assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_ERR_TOPIC_ALIAS);
        setup(mode, TERN_MQTT_5);
        fx.cfg.topic_aliases = aliases;
        fx.cfg.topic_alias_count = 2;
        connect_ok(TERN_MQTT_5, 0);
        feed_aliased("x", 3); /* beyond the advertised maximum */
        assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_ERR_TOPIC_ALIAS);
    }
}

static void broker_receive_maximum_limits_in_flight(void **state)
{
    (void)state;
    for (int mode = 0; mode < PEER_MODES; mode++) {
        setup(mode, TERN_MQTT_5);
        assert_int_equal(tern_client_connect(&fx.client, &fx.opts), TERN_OK);
        tern_props props;
        memset(&props, 0, sizeof props);
        props.present = TERN_PROP_BIT(TERN_PROP_RECEIVE_MAXIMUM);
        props.receive_maximum = 1;
        tern_connack a = {&props, 0, 0};
        uint8_t buf[32];
        size_t n = 0;
        assert_int_equal(tern_codec_encode_connack(&a, TERN_MQTT_5, buf, sizeof buf, &n), TERN_OK);
        peer_feed(&fx.peer, buf, n);
        peer_pump(&fx.peer, &fx.client);
        tern_publish m = message(1, "x");
        uint16_t id = 0;
        assert_int_equal(tern_client_publish(&fx.client, &m, &id), TERN_OK);
        assert_int_equal(tern_client_publish(&fx.client, &m, NULL), TERN_ERR_BUSY); /* slots free, quota not */
        peer_pump(&fx.peer, &fx.client);
        peer_feed_ack(&fx.peer, TERN_MQTT_5, TERN_PUBACK, id);
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(tern_client_publish(&fx.client, &m, NULL), TERN_OK);
    }
}

/* The external event loop: wants_write says when to watch for writability, on_writable and
 * on_readable move the bytes, tick runs the timers; nothing else is called. */
static void event_loop_api_drives_a_whole_exchange(void **state)
{
    (void)state;
    for (int mode = 0; mode < PEER_MODES; mode++) {
        setup(mode, TERN_MQTT_311);
        assert_int_equal(tern_client_socket(&fx.client), -1); /* the peer has no descriptor */
        assert_int_equal(tern_client_connect(&fx.client, &fx.opts), TERN_OK);
        peer_feed_connack(&fx.peer, TERN_MQTT_311, 0, 0);
        for (int i = 0; i < 200 && !tern_client_is_connected(&fx.client); i++) {
            if (tern_client_wants_write(&fx.client)) assert_int_equal(tern_client_on_writable(&fx.client), TERN_OK);
            assert_int_equal(tern_client_on_readable(&fx.client), TERN_OK);
        }
        assert_true(tern_client_is_connected(&fx.client));
        assert_false(tern_client_wants_write(&fx.client));
        tern_publish m = message(1, "loop");
        uint16_t id = 0;
        assert_int_equal(tern_client_publish(&fx.client, &m, &id), TERN_OK);
        assert_true(tern_client_wants_write(&fx.client));
        for (int i = 0; i < 200 && tern_client_wants_write(&fx.client); i++)
            assert_int_equal(tern_client_on_writable(&fx.client), TERN_OK);
        assert_int_equal(sent_publish_id(NULL), id);
        peer_feed_ack(&fx.peer, TERN_MQTT_311, TERN_PUBACK, id);
        for (int i = 0; i < 200 && fx.done == 0; i++) assert_int_equal(tern_client_on_readable(&fx.client), TERN_OK);
        assert_int_equal(fx.done, 1);
        /* Timers: the next deadline is the keep-alive; tick at it and a PINGREQ goes out. */
        uint32_t wait = tern_client_next_timeout_ms(&fx.client);
        assert_true(wait > 0 && wait <= 10000);
        fx.peer.now += wait;
        assert_int_equal(tern_client_tick(&fx.client), TERN_OK);
        for (int i = 0; i < 200 && tern_client_wants_write(&fx.client); i++)
            assert_int_equal(tern_client_on_writable(&fx.client), TERN_OK);
        size_t len;
        peer_expect(&fx.peer, TERN_PINGREQ, &len);
    }
}

/* The blocking layer over a transport whose wait advances the fake clock. */
static void blocking_layer_connects_publishes_and_times_out(void **state)
{
    (void)state;
    for (int mode = 0; mode < PEER_MODES; mode++) {
        setup(mode, TERN_MQTT_311);
        peer_feed_connack(&fx.peer, TERN_MQTT_311, 0, 0);
        assert_int_equal(tern_client_connect_wait(&fx.client, &fx.opts, 5000), TERN_OK);
        tern_publish m = message(1, "blocking");
        uint16_t id = 0;
        assert_int_equal(tern_client_publish(&fx.client, &m, &id), TERN_OK);
        /* Nobody acks: wait_idle gives up after its timeout, on the fake clock. */
        uint32_t before = fx.peer.now;
        assert_int_equal(tern_client_wait_idle(&fx.client, 3000), TERN_ERR_TIMEOUT);
        assert_true(fx.peer.now - before >= 3000);
        peer_feed_ack(&fx.peer, TERN_MQTT_311, TERN_PUBACK, id);
        assert_int_equal(tern_client_wait_idle(&fx.client, 3000), TERN_OK);
        assert_int_equal(tern_client_run(&fx.client, 500), TERN_OK);
    }
}

#if TERN_CFG_CHUNKS
static void on_chunk(tern_client *c, const tern_publish *m, uint32_t offset, uint32_t total, void *user)
{
    (void)c;
    fixture *f = user;
    assert_int_equal(offset, f->assembled_len); /* pieces come in order, without gaps */
    assert_true(offset + m->payload.len <= total && total <= sizeof f->assembled);
    memcpy(f->assembled + offset, m->payload.data, m->payload.len);
    f->assembled_len += m->payload.len;
    f->chunk_total = total;
    f->chunks++;
    f->chunk_topic_ok += m->topic.len == 3 && memcmp(m->topic.data, "big", 3) == 0;
}

static void large_message_delivered_in_pieces_then_acked(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        fx.cfg.cb.on_chunk = on_chunk;
        connect_ok(v, 0);
        static char big[1001];
        for (size_t i = 0; i < sizeof big - 1; i++) big[i] = (char)('a' + i % 26);
        big[sizeof big - 1] = 0;
        for (uint8_t qos = 1; qos <= 2; qos++) {
            fx.assembled_len = 0;
            fx.chunks = fx.chunk_topic_ok = 0;
            peer_feed_publish(&fx.peer, v, "big", big, qos, 9, 0);
            peer_feed_publish(&fx.peer, v, "small", "fits", 0, 0, 0);
            assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_OK);
            assert_int_equal(fx.chunk_total, 1000);
            assert_int_equal(fx.assembled_len, 1000);
            assert_memory_equal(fx.assembled, big, 1000);
            assert_true(fx.chunks >= 8); /* 1000 bytes through a 128-byte buffer */
            assert_int_equal(fx.chunk_topic_ok, fx.chunks);
            assert_string_equal(fx.last_payload, "fits"); /* the next packet is intact */
            size_t len;
            const uint8_t *ack = peer_expect(&fx.peer, qos == 1 ? TERN_PUBACK : TERN_PUBREC, &len);
            assert_int_equal(ack[3], 9);
        }
        /* QoS 2 re-sent before PUBREL: acknowledged, not delivered again. */
        int before = fx.chunks;
        peer_feed_publish(&fx.peer, v, "big", big, 2, 9, 1);
        peer_pump(&fx.peer, &fx.client);
        assert_int_equal(fx.chunks, before);
        size_t len;
        peer_expect(&fx.peer, TERN_PUBREC, &len);
        peer_feed_ack(&fx.peer, v, TERN_PUBREL, 9);
        peer_pump(&fx.peer, &fx.client);
        const uint8_t *comp = peer_expect(&fx.peer, TERN_PUBCOMP, &len);
        if (v == TERN_MQTT_5 && len > 4) assert_int_equal(comp[4], 0); /* the id was known */
        assert_int_equal(fx.errors, 0);
        assert_true(tern_client_is_connected(&fx.client));
    })
}

static void connection_lost_mid_message_says_cut(void **state)
{
    (void)state;
    for (int mode = 0; mode < PEER_MODES; mode++) {
        setup(mode, TERN_MQTT_311);
        fx.cfg.cb.on_chunk = on_chunk;
        connect_ok(TERN_MQTT_311, 0);
        static char big[1001];
        memset(big, 'z', sizeof big - 1);
        peer_feed_publish(&fx.peer, TERN_MQTT_311, "big", big, 1, 5, 0);
        fx.peer.feed_len -= 500; /* only half of it arrives */
        peer_pump(&fx.peer, &fx.client);
        assert_true(fx.chunks > 0);
        fx.peer.closed = 1;
        assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_ERR_CLOSED);
        assert_int_equal(fx.last_error_cb, TERN_ERR_MESSAGE_CUT);
        size_t len;
        const uint8_t *pkt;
        while (peer_next(&fx.peer, &pkt, &len)) assert_int_not_equal(pkt[0] >> 4, TERN_PUBACK); /* never acked */
    }
}

#else /* !TERN_CFG_CHUNKS */
static void on_chunk_unused(tern_client *c, const tern_publish *m, uint32_t offset, uint32_t total,
                            void *user)
{
    (void)c, (void)m, (void)offset, (void)total, (void)user;
    fail_msg("on_chunk called in a build without chunks");
}

/* Without chunks: on_chunk is ignored and a message larger than the buffer is skipped. */
static void no_chunks_in_this_build(void **state)
{
    (void)state;
    FOR_EACH_MODE_AND_VERSION({
        fx.cfg.cb.on_chunk = on_chunk_unused;
        connect_ok(v, 0);
        static char big[1001];
        memset(big, 'z', sizeof big - 1);
        peer_feed_publish(&fx.peer, v, "big", big, 1, 9, 0);
        peer_feed_publish(&fx.peer, v, "small", "fits", 0, 0, 0);
        assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_OK);
        assert_int_equal(fx.last_error_cb, TERN_ERR_MESSAGE_TOO_LARGE);
        assert_string_equal(fx.last_payload, "fits");
        size_t len;
        const uint8_t *ack = peer_expect(&fx.peer, TERN_PUBACK, &len);
        assert_int_equal(ack[3], 9);
    })
}
#endif /* TERN_CFG_CHUNKS */

static const uint8_t *sent_publish(tern_publish *m, tern_props *props)
{
    size_t len = 0;
    const uint8_t *pkt = peer_expect(&fx.peer, TERN_PUBLISH, &len);
    memset(m, 0, sizeof *m);
    m->props = props;
    assert_int_equal(tern_codec_decode_publish(pkt, len, TERN_MQTT_5, m), TERN_OK);
    return pkt;
}

static void outgoing_topic_aliases_for_qos0(void **state)
{
    (void)state;
    for (int mode = 0; mode < PEER_MODES; mode++) {
        setup(mode, TERN_MQTT_5);
        static uint8_t store[1][16];
        tern_topic_alias out[1] = {{store[0], 16, 0}};
        fx.cfg.out_topic_aliases = out;
        fx.cfg.out_topic_alias_count = 1;
        for (int round = 0; round < 2; round++) { /* aliases start over on every connection */
            assert_int_equal(tern_client_connect(&fx.client, &fx.opts), TERN_OK);
            tern_props cp;
            memset(&cp, 0, sizeof cp);
            cp.present = TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS_MAXIMUM);
            cp.topic_alias_maximum = 5;
            tern_connack a = {&cp, 0, 0};
            uint8_t buf[32];
            size_t n = 0;
            assert_int_equal(tern_codec_encode_connack(&a, TERN_MQTT_5, buf, sizeof buf, &n), TERN_OK);
            peer_feed(&fx.peer, buf, n);
            peer_pump(&fx.peer, &fx.client);
            tern_publish x = message(0, "1"), y = message(0, "2"), q1 = message(1, "3");
            y.topic = (tern_bytes){(const uint8_t *)"t/y", 3};
            assert_int_equal(tern_client_publish(&fx.client, &x, NULL), TERN_OK);
            assert_int_equal(tern_client_publish(&fx.client, &x, NULL), TERN_OK);
            assert_int_equal(tern_client_publish(&fx.client, &y, NULL), TERN_OK);
            assert_int_equal(tern_client_publish(&fx.client, &q1, NULL), TERN_OK);
            peer_pump(&fx.peer, &fx.client);
            tern_publish m;
            tern_props p;
            sent_publish(&m, &p); /* binds alias 1 */
            assert_int_equal(m.topic.len, 3);
            assert_true(p.present & TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS));
            assert_int_equal(p.topic_alias, 1);
            sent_publish(&m, &p); /* uses it */
            assert_int_equal(m.topic.len, 0);
            assert_int_equal(p.topic_alias, 1);
            sent_publish(&m, &p); /* table full: in full */
            assert_int_equal(m.topic.len, 3);
            assert_false(p.present & TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS));
            sent_publish(&m, &p); /* QoS 1: always in full */
            assert_int_equal(m.topic.len, 3);
            assert_false(p.present & TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS));
            fx.peer.closed = 1;
            peer_pump(&fx.peer, &fx.client);
            fx.peer.closed = 0;
            size_t len;
            const uint8_t *pkt;
            while (peer_next(&fx.peer, &pkt, &len)) {}
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(connack_refusals_surface_their_code),
        cmocka_unit_test(qos1_and_qos2_out_complete),
        cmocka_unit_test(busy_when_slots_full_clears_after_ack),
        cmocka_unit_test(inbound_qos2_delivered_once_despite_dup),
        cmocka_unit_test(resumed_session_resends_in_order_with_dup),
        cmocka_unit_test(lost_session_reports_each_dropped_message),
        cmocka_unit_test(keepalive_pings_then_declares_dead),
        cmocka_unit_test(keepalive_ignores_dripped_bytes),
        cmocka_unit_test(oversized_message_is_skipped_and_acked),
        cmocka_unit_test(malformed_input_ends_the_connection_with_its_status),
        cmocka_unit_test(server_disconnect_surfaces_its_reason),
        cmocka_unit_test(subscribe_results_and_routes),
        cmocka_unit_test(unsubscribe_sends_filters_and_reports_the_unsuback),
        cmocka_unit_test(inbound_topic_aliases),
        cmocka_unit_test(broker_receive_maximum_limits_in_flight),
        cmocka_unit_test(event_loop_api_drives_a_whole_exchange),
        cmocka_unit_test(blocking_layer_connects_publishes_and_times_out),
#if TERN_CFG_CHUNKS
        cmocka_unit_test(large_message_delivered_in_pieces_then_acked),
        cmocka_unit_test(connection_lost_mid_message_says_cut),
#else
        cmocka_unit_test(no_chunks_in_this_build),
#endif
        cmocka_unit_test(outgoing_topic_aliases_for_qos0),
#if TERN_CFG_PERSISTENCE
        cmocka_unit_test(restored_packets_resent_after_reboot),
        cmocka_unit_test(restore_refuses_what_it_cannot_hold),
#else
        cmocka_unit_test(no_persistence_in_this_build),
#endif
        cmocka_unit_test(refused_and_unknown_acks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
