/* The contract of include/tern/client.h with the application: every API call a callback may
 * make, made from every callback, in all three delivery modes of the scripted peer and both
 * protocol versions. Whatever the call, nothing is handled twice, nothing delivered is lost
 * unless the application ended the connection, and the call returns a documented status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "scripted_peer.h"

enum { CB_CONNECT, CB_MESSAGE, CB_PUBLISH_DONE, CB_SUBACK, CB_ERROR, CB_CHUNK, CB_DISCONNECT, CB_KINDS };
enum { CALL_PUBLISH0, CALL_PUBLISH1, CALL_PUBLISH2, CALL_SUBSCRIBE, CALL_UNSUBSCRIBE, CALL_DISCONNECT,
       CALL_HOLD, CALL_CONNECT, CALLS };
static const char *const cb_names[CB_KINDS] = {"on_connect", "on_message", "on_publish_done", "on_suback",
                                               "on_error", "on_chunk", "on_disconnect"};
static const char *const call_names[CALLS] = {"publish q0", "publish q1", "publish q2", "subscribe",
                                              "unsubscribe", "disconnect", "hold", "connect"};

/* What client.h allows from each callback (1: allowed). */
static const uint8_t allowed[CB_KINDS][CALLS] = {
    /*                 pub0 pub1 pub2 sub unsub disc hold conn */
    [CB_CONNECT] =      {1,  1,   1,   1,  1,    1,   0,   0},
    [CB_MESSAGE] =      {1,  1,   1,   1,  1,    1,   1,   0},
    [CB_PUBLISH_DONE] = {1,  1,   1,   1,  1,    1,   0,   0},
    [CB_SUBACK] =       {1,  1,   1,   1,  1,    1,   0,   0},
    [CB_ERROR] =        {1,  1,   1,   1,  1,    1,   0,   0},
    [CB_CHUNK] =        {TERN_CFG_CHUNKS, TERN_CFG_CHUNKS, TERN_CFG_CHUNKS, TERN_CFG_CHUNKS,
                         TERN_CFG_CHUNKS, TERN_CFG_CHUNKS, 0, 0}, /* a build without pieces */
    [CB_DISCONNECT] =   {1,  1,   1,   1,  1,    1,   0,   1},
};

static struct {
    scripted_peer peer;
    tern_client client;
    tern_client_config cfg;
    tern_connect_options opts;
    uint8_t tx[64], rx[128];
    tern_inflight slots[4];
    uint8_t slot_mem[4][96];
    uint16_t qos2[2]; /* small: a third QoS 2 message waits for a PUBREL (MQTT 3.1.1) */
    int cb, call, made, disconnected_by_app;
    tern_status call_status;
    int delivered[8]; /* per inbound message number (payload "m<n>") */
    int connects, disconnects, chunk_calls, chunk_done;
} fx;

static const tern_subscription filter = {{(const uint8_t *)"t/#", 3}, 1};

/* The call under test, made once from the callback under test. */
static void maybe_call(tern_client *c, int cb)
{
    if (cb != fx.cb || fx.made) return;
    fx.made = 1;
    static const char fill[64] = "fills the send queue up to the last two bytes, or waits.........";
    tern_publish m = {{(const uint8_t *)"out", 3}, {(const uint8_t *)fill, 0}, NULL, 0, 0, 0, 0};
    switch (fx.call) {
    case CALL_PUBLISH0:
    case CALL_PUBLISH1:
    case CALL_PUBLISH2:
        m.qos = (uint8_t)(fx.call - CALL_PUBLISH0);
        /* 62 bytes: into an empty queue it would leave no room for the ack of the message
         * being handled -- the engine keeps that room from the callback. */
        m.payload.len = (uint32_t)(sizeof fx.tx - 2 - 7 - (m.qos ? 2 : 0) - (fx.opts.version == TERN_MQTT_5));
        fx.call_status = tern_client_publish(c, &m, NULL);
        break;
    case CALL_SUBSCRIBE: fx.call_status = tern_client_subscribe(c, &filter, 1, NULL, NULL); break;
    case CALL_UNSUBSCRIBE: fx.call_status = tern_client_unsubscribe(c, &filter, 1, NULL, NULL); break;
    case CALL_DISCONNECT:
        fx.call_status = tern_client_disconnect(c, 0);
        fx.disconnected_by_app = 1;
        break;
    case CALL_HOLD: fx.call_status = tern_client_hold(c); break;
    default: fx.call_status = tern_client_connect(c, &fx.opts); break;
    }
}

static void on_connect(tern_client *c, tern_status st, const tern_connack *a, void *u)
{
    (void)a, (void)u;
    if (st == TERN_OK) fx.connects++;
    maybe_call(c, CB_CONNECT);
}

static void on_message(tern_client *c, const tern_publish *m, void *u)
{
    (void)u;
    int before = fx.made;
    maybe_call(c, CB_MESSAGE);
    if (!before && fx.made && fx.call == CALL_HOLD && fx.call_status == TERN_OK) return; /* not taken */
    assert_true(m->payload.len == 2 && m->payload.data[0] == 'm');
    fx.delivered[m->payload.data[1] - '0']++;
}

static void on_done(tern_client *c, uint16_t id, tern_status st, uint8_t r, void *u)
{
    (void)id, (void)st, (void)r, (void)u;
    maybe_call(c, CB_PUBLISH_DONE);
}

static void on_suback(tern_client *c, uint8_t type, const tern_suback *a, void *u)
{
    (void)type, (void)a, (void)u;
    maybe_call(c, CB_SUBACK);
}

static void on_error(tern_client *c, tern_status st, void *u)
{
    (void)st, (void)u;
    maybe_call(c, CB_ERROR);
}

static void on_chunk(tern_client *c, const tern_publish *m, uint32_t off, uint32_t total, void *u)
{
    (void)m, (void)u;
    fx.chunk_calls++;
    maybe_call(c, CB_CHUNK);
    if (off + m->payload.len == total) fx.chunk_done++;
}

static void on_disconnect(tern_client *c, tern_status why, void *u)
{
    (void)why, (void)u;
    fx.disconnects++;
    maybe_call(c, CB_DISCONNECT);
}

static void setup(int mode, tern_mqtt_version v, int cb, int call)
{
    memset(&fx, 0, sizeof fx);
    fx.cb = cb, fx.call = call;
    peer_init(&fx.peer, mode);
    peer_transport(&fx.peer, &fx.cfg.transport);
    fx.cfg.now_ms = peer_clock, fx.cfg.clock_ctx = &fx.peer;
    fx.cfg.tx = fx.tx, fx.cfg.tx_cap = sizeof fx.tx;
    fx.cfg.rx = fx.rx, fx.cfg.rx_cap = sizeof fx.rx;
    for (int i = 0; i < 4; i++) fx.slots[i] = (tern_inflight){fx.slot_mem[i], sizeof fx.slot_mem[i], 0, 0, 0, 0, 0};
    fx.cfg.inflight = fx.slots, fx.cfg.inflight_count = 4;
    fx.cfg.inbound_qos2 = fx.qos2, fx.cfg.inbound_qos2_count = 2;
    fx.cfg.cb = (tern_callbacks){.on_connect = on_connect, .on_message = on_message, .on_publish_done = on_done,
                                 .on_suback = on_suback, .on_error = on_error, .on_chunk = on_chunk,
                                 .on_disconnect = on_disconnect};
    fx.opts.version = v;
    fx.opts.client_id = (tern_bytes){(const uint8_t *)"contract", 8};
    fx.opts.clean_start = 1;
    assert_int_equal(tern_client_init(&fx.client, &fx.cfg), TERN_OK);
}

/* The broker's part: acknowledge what the client sent, count its acks of ours. */
static void broker_answers(tern_mqtt_version v, int acks[8])
{
    const uint8_t *p;
    size_t len;
    uint8_t t;
    while ((t = peer_next(&fx.peer, &p, &len)) != 0) {
        tern_header h;
        assert_int_equal(tern_codec_decode_header(p, len, &h), TERN_OK);
        const uint8_t *body = p + h.header_len;
        uint16_t id = (uint16_t)((body[0] << 8) | body[1]);
        if (t == TERN_PUBLISH) {
            tern_publish m;
            memset(&m, 0, sizeof m);
            assert_int_equal(tern_codec_decode_publish(p, len, v, &m), TERN_OK);
            if (m.qos) peer_feed_ack(&fx.peer, v, m.qos == 1 ? TERN_PUBACK : TERN_PUBREC, m.packet_id);
        } else if (t == TERN_PUBREL) {
            peer_feed_ack(&fx.peer, v, TERN_PUBCOMP, id);
        } else if (t == TERN_SUBSCRIBE || t == TERN_UNSUBSCRIBE) {
            uint8_t ack[] = {(uint8_t)((t + 1) << 4), 3, body[0], body[1], 0, 0};
            int empty = v == TERN_MQTT_311 && t == TERN_UNSUBSCRIBE; /* 3.1.1 UNSUBACK: no codes */
            ack[1] = (uint8_t)(2 + (v == TERN_MQTT_5) + !empty);
            peer_feed(&fx.peer, ack, 2u + ack[1]);
        } else if (t == TERN_PUBACK || t == TERN_PUBREC) {
            if (id >= 1 && id <= 7) acks[id]++;
            if (t == TERN_PUBREC) {
                uint8_t rel[] = {0x62, 0x02, body[0], body[1]};
                peer_feed(&fx.peer, rel, sizeof rel);
            }
        }
    }
}

static void pump_and_answer(tern_mqtt_version v, int acks[8])
{
    for (int i = 0; i < 8; i++) {
        peer_pump(&fx.peer, &fx.client);
        broker_answers(v, acks);
    }
}

static int status_documented(int call, tern_status st)
{
    switch (call) {
    case CALL_DISCONNECT: return st == TERN_OK || st == TERN_ERR_NOT_CONNECTED;
    case CALL_HOLD: return st == TERN_OK;
    case CALL_CONNECT: return st == TERN_OK || st == TERN_ERR_CONNECTING;
    default:
        return st == TERN_OK || st == TERN_WOULD_BLOCK || st == TERN_ERR_BUSY || st == TERN_ERR_NOT_CONNECTED;
    }
}

/* One run: connect, subscribe, publish, take messages (QoS 0, 1, 2, one QoS 2 too many for the
 * table in MQTT 3.1.1, one in pieces, one too large: on_error), then the broker closes. */
static void run_one(int mode, tern_mqtt_version v, int cb, int call)
{
    static char big[300], long_topic[111]; /* a head chunks may not take, room for its id */
    memset(big, 'b', sizeof big - 1);
    memset(long_topic, 't', sizeof long_topic - 1);
    big[0] = 'm', big[1] = '7';
    int acks[8] = {0};
    setup(mode, v, cb, call);
    assert_int_equal(tern_client_connect(&fx.client, &fx.opts), TERN_OK);
    peer_pump(&fx.peer, &fx.client);
    peer_feed_connack(&fx.peer, v, 0, 0);
    pump_and_answer(v, acks);
    if (tern_client_is_connected(&fx.client)) {
        (void)tern_client_subscribe(&fx.client, &filter, 1, NULL, NULL);
        tern_publish m = {{(const uint8_t *)"out", 3}, {(const uint8_t *)"x", 1}, NULL, 0, 1, 0, 0};
        (void)tern_client_publish(&fx.client, &m, NULL);
        pump_and_answer(v, acks);
    }
    if (tern_client_is_connected(&fx.client)) {
        peer_feed_publish(&fx.peer, v, "t/a", "m1", 1, 1, 0);
        peer_feed_publish(&fx.peer, v, "t/b", "m2", 0, 0, 0);
        peer_feed_publish(&fx.peer, v, "t/c", "m3", 2, 3, 0);
        peer_feed_publish(&fx.peer, v, "t/c", "m4", 2, 4, 0);
        peer_feed_publish(&fx.peer, v, long_topic, big, 1, 6, 0); /* too large: skipped, on_error */
        peer_feed_publish(&fx.peer, v, "t/d", big, 1, 7, 0);       /* in pieces */
        /* 3.1.1: one QoS 2 message too many for the table waits for a PUBREL. */
        peer_feed_publish(&fx.peer, v, "t/c", "m5", v == TERN_MQTT_311 ? 2 : 1, 5, 0);
        pump_and_answer(v, acks);
        fx.peer.now += 1000; /* a held message is offered again on the next poll */
        pump_and_answer(v, acks);
    }
    int ended_by_app = fx.disconnected_by_app && fx.made;
    if (!ended_by_app) {
        fx.peer.closed = 1;
        pump_and_answer(v, acks);
    }
    char what[96];
    snprintf(what, sizeof what, "%s from %s, mode %d, version %d", call_names[call], cb_names[cb], mode, v);
    if (!fx.made) fail_msg("%s: the callback never ran", what);
    if (!status_documented(call, fx.call_status))
        fail_msg("%s: returned %s", what, tern_status_name(fx.call_status));
    if (fx.connects != 1) fail_msg("%s: %d CONNACKs handled", what, fx.connects);
    for (int n = 1; n <= 5; n++) {
        if (fx.delivered[n] > 1 || acks[n] > 1) fail_msg("%s: message %d handled twice", what, n);
        /* Not taken and not acknowledged: only when the application ended the connection. */
        if (!ended_by_app && (!fx.delivered[n] || (n != 2 && !acks[n])))
            fail_msg("%s: message %d lost", what, n);
        if (acks[n] && !fx.delivered[n]) fail_msg("%s: message %d acknowledged, never delivered", what, n);
    }
    if (fx.chunk_done > 1 || acks[7] > 1) fail_msg("%s: the message in pieces completed twice", what);
    /* Without pieces (TERN_CFG_CHUNKS 0) it is skipped, acknowledged, and on_error told. */
    if (!ended_by_app && (fx.chunk_done != TERN_CFG_CHUNKS || acks[7] != 1))
        fail_msg("%s: message in pieces lost", what);
    if (fx.disconnects > 1 + (call == CALL_CONNECT)) fail_msg("%s: %d disconnects", what, fx.disconnects);
}

static void every_allowed_call_from_every_callback(void **state)
{
    (void)state;
    int runs = 0;
    for (int mode = 0; mode < PEER_MODES; mode++)
        for (int vi = 0; vi < 1 + TERN_CFG_MQTT5; vi++)
            for (int cb = 0; cb < CB_KINDS; cb++)
                for (int call = 0; call < CALLS; call++)
                    if (allowed[cb][call]) {
                        run_one(mode, vi ? TERN_MQTT_5 : TERN_MQTT_311, cb, call);
                        runs++;
                    }
    assert_int_equal(runs, PEER_MODES * (1 + TERN_CFG_MQTT5) * (38 + 6 * TERN_CFG_CHUNKS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_allowed_call_from_every_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
