/* libFuzzer target for the whole session engine: the input is what a broker sends, cut into
 * reads of fuzzer-chosen sizes, with would-block and clock steps in between. Whatever arrives,
 * the engine must not crash, read out of bounds, loop forever, or break its own bookkeeping.
 *
 * Input layout: byte 0 picks the version (bit 0) and the QoS of the messages the client
 * publishes meanwhile (bits 1-2). Then records: [ctl][data...], where ctl's low 5 bits are how
 * many bytes arrive in this read (0 = would block once), bit 5 advances the clock by 5 s,
 * bit 6 makes the client publish, bit 7 makes the peer close. The engine starts connected
 * after a valid CONNACK so that every later packet type is reached. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/client.h"

typedef struct {
    const uint8_t *in;
    size_t len, pos;
    size_t chunk;       /* bytes left in the current read record */
    int closed;
    uint32_t now;
} fuzz_peer;

static fuzz_peer peer;

static uint32_t clock_ms(void *ctx) { return ((fuzz_peer *)ctx)->now; }
static tern_status fz_open(void *ctx) { (void)ctx; return TERN_OK; }
static void fz_close(void *ctx) { (void)ctx; }

static int32_t fz_send(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    return peer.closed ? -(int32_t)TERN_ERR_CLOSED : (int32_t)(len > 4096 ? 4096 : len);
}

static int32_t fz_recv(void *ctx, uint8_t *buf, size_t len)
{
    fuzz_peer *p = ctx;
    if (p->closed) return -(int32_t)TERN_ERR_CLOSED;
    if (p->chunk == 0) return 0;
    size_t n = p->chunk < len ? p->chunk : len;
    if (n > p->len - p->pos) n = p->len - p->pos;
    memcpy(buf, p->in + p->pos, n);
    p->pos += n;
    p->chunk -= n;
    return (int32_t)n;
}

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    (void)c;
    (void)user;
    /* Touch every byte the engine hands out: ASan checks they are inside the buffer. */
    volatile uint8_t sink = 0;
    for (uint32_t i = 0; i < m->topic.len; i++) sink ^= m->topic.data[i];
    for (uint32_t i = 0; i < m->payload.len; i++) sink ^= m->payload.data[i];
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static uint8_t tx[512], rx[256], slot_mem[4][128];
    static tern_inflight slots[4];
    static uint16_t qos2[4];
    static uint8_t alias_mem[2][16];
    static tern_topic_alias aliases[2];
    memset(&peer, 0, sizeof peer);
    peer.in = data;
    peer.len = size;
    peer.pos = 1;
    tern_mqtt_version v = (data[0] & 1) ? TERN_MQTT_5 : TERN_MQTT_311;
    uint8_t qos = (uint8_t)((data[0] >> 1) % 3);
    for (int i = 0; i < 4; i++) {
        slots[i].packet = slot_mem[i];
        slots[i].cap = sizeof slot_mem[i];
    }
    tern_client_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.transport = (tern_transport){&peer, fz_open, fz_send, fz_recv, fz_close, NULL, NULL, NULL};
    cfg.now_ms = clock_ms;
    cfg.clock_ctx = &peer;
    cfg.tx = tx;
    cfg.tx_cap = sizeof tx;
    cfg.rx = rx;
    cfg.rx_cap = sizeof rx;
    cfg.inflight = slots;
    cfg.inflight_count = 4;
    cfg.inbound_qos2 = qos2;
    cfg.inbound_qos2_count = 4;
    cfg.cb.on_message = on_message;
    for (int i = 0; i < 2; i++) aliases[i] = (tern_topic_alias){alias_mem[i], sizeof alias_mem[i], 0};
    cfg.topic_aliases = aliases;
    cfg.topic_alias_count = 2;
    tern_connect_options opts;
    memset(&opts, 0, sizeof opts);
    opts.version = v;
    opts.client_id = (tern_bytes){(const uint8_t *)"fuzz", 4};
    opts.clean_start = 1;
    opts.keep_alive = 10;
    opts.auto_reconnect = 1;
    tern_client c;
    if (tern_client_init(&c, &cfg) != TERN_OK || tern_client_connect(&c, &opts) != TERN_OK) abort();
    tern_publish m = {{(const uint8_t *)"t/x", 3}, {(const uint8_t *)"payload", 7}, NULL, 0, qos, 0, 0, NULL};
    for (int steps = 0; steps < 4096 && peer.pos < peer.len; steps++) {
        uint8_t ctl = peer.in[peer.pos++];
        peer.chunk = ctl & 0x1Fu;
        if (ctl & 0x20u) peer.now += 5000;
        if (ctl & 0x40u) (void)tern_client_publish(&c, &m, NULL);
        peer.closed = (ctl & 0x80u) != 0;
        (void)tern_client_poll(&c);
        peer.closed = 0;
        if (tern_client_inflight(&c) > 4) abort(); /* bookkeeping must hold */
    }
    return 0;
}
