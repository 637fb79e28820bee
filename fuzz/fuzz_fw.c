/* The firmware receiver fed hostile bytes: first byte 0 = the bytes are a manifest, offered to
 * a device that trusts one key; 2 = the next 16 bytes are image size, chunk size and chunk
 * count of a manifest that is then signed with the trusted key (so the geometry checks are
 * reached: sizes that overflow must be refused); 3 = messages to the agent (tern_fw_agent)
 * during a genuine update: each one byte of kind (manifest topic, chunk topic, or the next
 * genuine chunk), one of length, the payload; once every genuine chunk went in, the update
 * must be installed, whatever else arrived (unverifiable input never ends a verified
 * download); otherwise a genuine manifest is accepted first and the bytes
 * are a sequence of chunk payloads (each preceded by one length byte), with genuine chunks
 * mixed in when the input says so. Nothing may crash or read out of bounds, and nothing but
 * the genuine image may ever be installed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fw_build.h"
#include "tern/fwagent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fw_build b;
static int ready;

static uint64_t get(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = v << 8 | p[i];
    return v;
}

/* A signed manifest of the given geometry: accepted only when its chunks cover the image. */
static void geometry(const uint8_t *data, size_t size)
{
    static tern_fw_receiver rx;
    if (size < 16) return;
    fw_build g = b;
    g.m.image_size = get(data, 8);
    g.m.chunk_size = (uint32_t)get(data + 8, 4);
    g.m.chunk_count = (uint32_t)get(data + 12, 4);
    if (fwb_sign(&g) != 0) abort();
    if (tern_fw_offer_manifest(&rx, g.manifest, g.manifest_len, &g.trusted, 1, "sensor", 0) != TERN_OK) return;
    uint64_t n = g.m.chunk_count, cs = g.m.chunk_size;
    /* chunk_size <= 2^24 and n < 2^32: the products cannot overflow. */
    if (n == 0 || cs == 0 || cs > (1u << 24) || (n - 1) * cs >= g.m.image_size || g.m.image_size - (n - 1) * cs > cs)
        abort();
}

static int32_t no_io(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx, (void)buf, (void)len;
    return -1;
}

static int32_t no_input(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx, (void)buf, (void)len;
    return -1;
}

static uint32_t clock_ms;
static uint32_t fake_clock(void *ctx) { return (void)ctx, clock_ms; }

static tern_status no_progress(void *ctx, uint8_t *m, size_t cap, size_t *len, uint32_t *chunks, uint8_t next[32])
{
    (void)ctx, (void)m, (void)cap, (void)len, (void)chunks, (void)next;
    return TERN_ERR_FW_STORAGE;
}

static void deliver(const tern_route *route, const uint8_t *payload, size_t len)
{
    static tern_client client; /* only passed through: the agent sends nothing from a route */
    tern_publish m;
    memset(&m, 0, sizeof m);
    m.topic = route->filter;
    m.payload.data = payload;
    m.payload.len = (uint32_t)len;
    route->on_message(&client, &m, route->user);
}

static void agent_messages(const uint8_t *data, size_t size)
{
    static uint8_t tx[256], rx[2048];
    static tern_client client;
    static tern_client_config cfg;
    static fwb_store store;
    static tern_fw_storage storage;
    static tern_fw_agent agent;
    tern_route routes[2];
    memset(&cfg, 0, sizeof cfg);
    cfg.transport.send = no_io, cfg.transport.recv = no_input;
    cfg.now_ms = fake_clock, cfg.tx = tx, cfg.tx_cap = sizeof tx, cfg.rx = rx, cfg.rx_cap = sizeof rx;
    if (tern_client_init(&client, &cfg) != TERN_OK) abort();
    fwb_storage(&store, &storage);
    storage.load_progress = no_progress;
    tern_fw_agent_config c = {.client = &client, .keys = &b.trusted, .key_count = 1, .device_class = "sensor",
                              .device_id = "d", .storage = &storage};
    if (tern_fw_agent_init(&agent, &c) != TERN_OK) abort();
    tern_fw_agent_routes(&agent, routes);
    deliver(&routes[0], b.manifest, b.manifest_len);
    uint32_t genuine = 0;
    for (size_t at = 0; at + 2 <= size;) {
        uint8_t kind = data[at];
        size_t n = data[at + 1];
        at += 2;
        clock_ms += kind & 0xF0u; /* time passes: the rate limit opens again */
        if ((kind & 3) == 2) {
            if (genuine < b.count) deliver(&routes[1], b.chunk[genuine], b.chunk_len[genuine]), genuine++;
            continue;
        }
        if (n > size - at) n = size - at;
        deliver(&routes[kind & 1], data + at, n);
        at += n;
    }
    if (genuine == b.count && (store.installs != 1 || memcmp(store.data, b.image, b.image_len) != 0)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        if (fwb_key(&b, 1) != 0 || fwb_update(&b, 300, "sensor", 5, 3) != 0) abort();
        ready = 1;
    }
    static tern_fw_receiver rx;
    static fwb_store store;
    tern_fw_storage storage;
    fwb_storage(&store, &storage);
    memset(&rx, 0, sizeof rx);
    if (size == 0) return 0;
    if (data[0] == 2) {
        geometry(data + 1, size - 1);
        return 0;
    }
    if (data[0] == 3) {
        agent_messages(data + 1, size - 1);
        return 0;
    }
    if (data[0] == 0) {
        tern_status st = tern_fw_offer_manifest(&rx, data + 1, size - 1, &b.trusted, 1, "sensor", 0);
        /* Accepting anything but the genuine manifest would be a forgery. */
        if (st == TERN_OK && (size - 1 != b.manifest_len || memcmp(data + 1, b.manifest, b.manifest_len))) abort();
        return 0;
    }
    if (tern_fw_offer_manifest(&rx, b.manifest, b.manifest_len, &b.trusted, 1, "sensor", 0) != TERN_OK) abort();
    uint32_t genuine = 0;
    for (size_t at = 1; at < size;) {
        size_t n = data[at++];
        if (n == 0xFF && genuine < b.count) { /* a genuine chunk in between */
            (void)tern_fw_offer_chunk(&rx, &storage, b.chunk[genuine], b.chunk_len[genuine]);
            genuine = rx.next_index;
            continue;
        }
        if (n > size - at) n = size - at;
        (void)tern_fw_offer_chunk(&rx, &storage, data + at, n);
        at += n;
    }
    if (store.installs && memcmp(store.data, b.image, b.image_len) != 0) abort();
    return 0;
}
