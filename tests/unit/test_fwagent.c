/* The firmware agent on a client connected to a scripted broker: updates pulled a window at a
 * time and installed; unverifiable input ignored without disturbing a verified download; the
 * status carrying verified facts only; signature checks of forged manifests bounded; a failed
 * install cleaned up so that the next update installs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fw_build.h"
#include "scripted_peer.h"
#include "tern/fwagent.h"

#define V TERN_MQTT_311

typedef struct {
    scripted_peer peer;
    tern_client client;
    tern_client_config cfg;
    tern_connect_options opts;
    uint8_t tx[8192], rx[2048], slot_mem[4][512];
    tern_inflight slots[4];
    uint16_t qos2[4];
    tern_route routes[2];
    fw_build b;
    fwb_store store;
    uint8_t saved_manifest[TERN_FW_MANIFEST_MAX];
    size_t saved_len;
    tern_fw_storage storage;
    tern_fw_agent agent;
    int events[TERN_FW_EVENT_UP_TO_DATE + 1];
    char last_reason[256];
    char status[TERN_FW_STATUS_MAX]; /* the last status line published */
} fixture;

static fixture fx;
static size_t acked_pos; /* how far ack_requests has read what the client sent */

/* The broker's side of SUBSCRIBE and UNSUBSCRIBE: acknowledge each one the client sent
 * (the engine keeps only a few unacknowledged). Returns how many were acknowledged. */
static int ack_requests(void)
{
    int acked = 0;
    tern_header h;
    while (acked_pos < fx.peer.sent_len &&
           tern_codec_decode_header(fx.peer.sent + acked_pos, fx.peer.sent_len - acked_pos, &h) == TERN_OK) {
        const uint8_t *p = fx.peer.sent + acked_pos + h.header_len;
        size_t len = h.remaining;
        acked_pos += h.header_len + h.remaining;
        uint8_t ack[64] = {h.type == TERN_SUBSCRIBE ? 0x90 : 0xB0, 2, p[0], p[1]};
        size_t n = 4;
        if (h.type == TERN_SUBSCRIBE) /* one granted QoS 1 per filter */
            for (size_t at = 2; at + 2 <= len && n < sizeof ack; at += 2u + (size_t)(p[at] << 8 | p[at + 1]) + 1u)
                ack[n++] = 1;
        ack[1] = (uint8_t)(n - 2);
        if (h.type == TERN_SUBSCRIBE || h.type == TERN_UNSUBSCRIBE) peer_feed(&fx.peer, ack, n), acked++;
    }
    return acked;
}

/* Run the client and the agent until nothing more is asked for. */
static void settle(void)
{
    do {
        assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_OK);
        assert_int_equal(tern_fw_agent_poll(&fx.agent), TERN_OK);
        assert_int_equal(peer_pump(&fx.peer, &fx.client), TERN_OK);
    } while (ack_requests() > 0);
}

static tern_status save_with_manifest(void *ctx, const uint8_t *m, size_t len, uint32_t chunks, const uint8_t next[32])
{
    (void)ctx;
    memcpy(fx.saved_manifest, m, len);
    fx.saved_len = len;
    return fwb_save(&fx.store, m, len, chunks, next);
}

static tern_status load(void *ctx, uint8_t *m, size_t cap, size_t *len, uint32_t *chunks, uint8_t next[32])
{
    (void)ctx;
    if (!fx.store.saved_chunks || fx.saved_len > cap) return TERN_ERR_FW_STORAGE;
    memcpy(m, fx.saved_manifest, fx.saved_len);
    *len = fx.saved_len;
    *chunks = fx.store.saved_chunks;
    memcpy(next, fx.store.saved_next, 32);
    return TERN_OK;
}

static void on_event(tern_fw_agent *a, const tern_fw_event *e, void *user)
{
    (void)a, (void)user;
    fx.events[e->kind]++;
    snprintf(fx.last_reason, sizeof fx.last_reason, "%s", e->reason);
}

static void start(uint64_t installed)
{
    memset(&fx, 0, sizeof fx);
    peer_init(&fx.peer, PEER_ALL_AT_ONCE);
    peer_transport(&fx.peer, &fx.cfg.transport);
    fx.cfg.now_ms = peer_clock;
    fx.cfg.clock_ctx = &fx.peer;
    fx.cfg.tx = fx.tx, fx.cfg.tx_cap = sizeof fx.tx;
    fx.cfg.rx = fx.rx, fx.cfg.rx_cap = sizeof fx.rx;
    for (int i = 0; i < 4; i++) fx.slots[i].packet = fx.slot_mem[i], fx.slots[i].cap = sizeof fx.slot_mem[i];
    fx.cfg.inflight = fx.slots, fx.cfg.inflight_count = 4;
    fx.cfg.inbound_qos2 = fx.qos2, fx.cfg.inbound_qos2_count = 4;
    fx.cfg.routes = fx.routes, fx.cfg.route_count = 2;
    fx.opts.version = V;
    fx.opts.client_id = (tern_bytes){(const uint8_t *)"dev", 3};
    fx.opts.clean_start = 1;
    assert_int_equal(tern_client_init(&fx.client, &fx.cfg), TERN_OK);
    assert_int_equal(fwb_key(&fx.b, 1), 0);
    fwb_storage(&fx.store, &fx.storage);
    fx.storage.save_progress = save_with_manifest;
    fx.storage.load_progress = load;
    tern_fw_agent_config c = {.client = &fx.client, .keys = &fx.b.trusted, .key_count = 1, .device_class = "sensor",
                              .device_id = "d1", .installed_version = installed, .storage = &fx.storage,
                              .on_event = on_event};
    assert_int_equal(tern_fw_agent_init(&fx.agent, &c), TERN_OK);
    tern_fw_agent_routes(&fx.agent, fx.routes);
    assert_int_equal(tern_client_connect(&fx.client, &fx.opts), TERN_OK);
    peer_feed_connack(&fx.peer, V, 0, 0);
    acked_pos = 0;
    settle();
}

/* The broker sends a message; the client and then the agent run. */
static void deliver(const char *topic, const uint8_t *payload, size_t len)
{
    tern_publish m = {{(const uint8_t *)topic, (uint32_t)strlen(topic)}, {payload, (uint32_t)len}, NULL, 0, 0, 0, 0};
    uint8_t buf[2048];
    size_t n = 0;
    assert_int_equal(tern_codec_encode_publish(&m, V, buf, sizeof buf, &n), TERN_OK);
    peer_feed(&fx.peer, buf, n);
    settle();
}

static void manifest(const uint8_t *bytes, size_t len) { deliver("tern/fw/sensor/manifest", bytes, len); }

static void chunk(uint32_t i, const uint8_t *payload, size_t len)
{
    char topic[128], id[33];
    for (int k = 0; k < 16; k++) snprintf(id + 2 * k, 3, "%02x", fx.b.m.update_id[k]);
    snprintf(topic, sizeof topic, "tern/fw/sensor/%s/%lu", id, (unsigned long)i);
    deliver(topic, payload, len);
}

static void genuine_chunks(uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++) chunk(i, fx.b.chunk[i], fx.b.chunk_len[i]);
}

/* Count the packets of `type` the client sent since the last call that contain `needle`;
 * the last PUBLISH's payload (the status) is kept in fx.status. */
static int sent(uint8_t type, const char *needle)
{
    const uint8_t *pkt;
    size_t len;
    uint8_t t;
    int n = 0;
    while ((t = peer_next(&fx.peer, &pkt, &len)) != 0) {
        int has = 0;
        for (size_t i = 0; needle && i + strlen(needle) <= len && !has; i++)
            has = memcmp(pkt + i, needle, strlen(needle)) == 0;
        if (t == type && (has || !needle)) n++;
        if (t == TERN_PUBLISH) {
            tern_publish m;
            memset(&m, 0, sizeof m);
            if (tern_codec_decode_publish(pkt, len, V, &m) == TERN_OK && m.payload.len < sizeof fx.status) {
                memcpy(fx.status, m.payload.data, m.payload.len);
                fx.status[m.payload.len] = 0;
            }
        }
    }
    return n;
}

static void pulls_chunks_a_window_at_a_time_and_installs(void **state)
{
    (void)state;
    start(1);
    assert_int_equal(sent(TERN_SUBSCRIBE, "tern/fw/sensor/manifest"), 1);
    assert_int_equal(fwb_update(&fx.b, 12 * FWB_CHUNK + 5, "sensor", 2, 3), 0);
    manifest(fx.b.manifest, fx.b.manifest_len);
    assert_int_equal(fx.events[TERN_FW_EVENT_DOWNLOADING], 1);
    assert_int_equal(sent(TERN_SUBSCRIBE, NULL), 2); /* the window: chunks 0-3, 4-7 */
    assert_string_equal(fx.status, "downloading version 2");
    genuine_chunks(0, 3);
    assert_int_equal(sent(TERN_UNSUBSCRIBE, NULL), 0); /* a batch at a time */
    genuine_chunks(3, 4);
    assert_int_equal(sent(TERN_UNSUBSCRIBE, "/3"), 1);    /* chunks 0-3 */
    genuine_chunks(3, fx.b.count);
    assert_int_equal(fx.events[TERN_FW_EVENT_INSTALLED], 1);
    assert_int_equal(fx.store.installs, 1);
    assert_memory_equal(fx.store.data, fx.b.image, fx.b.image_len);
    assert_int_equal(tern_fw_agent_installed_version(&fx.agent), 2);
    sent(0, NULL);
    assert_string_equal(fx.status, "installed version 2");
    assert_false(tern_fw_agent_busy(&fx.agent));
    /* Its manifest again (a reconnection): nothing to do, and no refusal to report. */
    fx.agent.has_refused = 0;
    manifest(fx.b.manifest, fx.b.manifest_len);
    assert_int_equal(fx.events[TERN_FW_EVENT_UP_TO_DATE], 1);
    assert_int_equal(fx.events[TERN_FW_EVENT_REFUSED], 0);
    /* Idle: the manifest is asked for again every 10 minutes; the same bytes cost no check. */
    sent(0, NULL);
    uint32_t checks = fx.agent.unverified_checks;
    fx.peer.now += 600000;
    settle();
    assert_int_equal(sent(TERN_SUBSCRIBE, "tern/fw/sensor/manifest"), 1);
    manifest(fx.b.manifest, fx.b.manifest_len);
    assert_int_equal(fx.agent.unverified_checks, checks);
    assert_int_equal(fx.events[TERN_FW_EVENT_UP_TO_DATE], 1);
}

/* Finding 1: garbage on the manifest and chunk topics during a genuine update. */
static void unverifiable_input_never_ends_a_verified_download(void **state)
{
    (void)state;
    start(1);
    assert_int_equal(fwb_update(&fx.b, 10 * FWB_CHUNK, "sensor", 2, 3), 0);
    manifest(fx.b.manifest, fx.b.manifest_len);
    genuine_chunks(0, 4);
    manifest((const uint8_t *)"garbage", 7);
    uint8_t forged[TERN_FW_MANIFEST_MAX];
    memcpy(forged, fx.b.manifest, fx.b.manifest_len);
    forged[47] ^= 0x40; /* a newer version nobody signed */
    manifest(forged, fx.b.manifest_len);
    chunk(4, (const uint8_t *)"x", 1);
    uint8_t bad[FWB_PAYLOAD];
    memcpy(bad, fx.b.chunk[4], fx.b.chunk_len[4]);
    bad[60] ^= 1;
    chunk(4, bad, fx.b.chunk_len[4]);
    assert_int_equal(fx.events[TERN_FW_EVENT_IGNORED], 4);
    assert_int_equal(fx.events[TERN_FW_EVENT_FAILED], 0);
    assert_true(tern_fw_agent_busy(&fx.agent));
    assert_int_equal(fx.store.erases, 1); /* only the one that started the download */
    genuine_chunks(4, fx.b.count);
    assert_int_equal(fx.events[TERN_FW_EVENT_INSTALLED], 1);
    assert_memory_equal(fx.store.data, fx.b.image, fx.b.image_len);
}

/* Finding 2: nothing from an unverified manifest reaches the status. */
static void status_reports_verified_facts_only(void **state)
{
    (void)state;
    start(1);
    fw_build other;
    assert_int_equal(fwb_key(&other, 9), 0);
    assert_int_equal(fwb_update(&other, 100, "sensor", 999999, 4), 0); /* signed, by a key not pinned */
    manifest(other.manifest, other.manifest_len);
    sent(0, NULL);
    assert_non_null(strstr(fx.status, "untrusted key"));
    assert_null(strstr(fx.status, "999999"));
    assert_int_equal(fx.events[TERN_FW_EVENT_IGNORED], 1);
    /* A verified refusal names its (verified) version. */
    assert_int_equal(fwb_update(&fx.b, 100, "sensor", 1, 4), 0);
    manifest(fx.b.manifest, fx.b.manifest_len);
    sent(0, NULL);
    assert_string_equal(fx.status, "rejected version 1: version 1 is not newer than the installed 1 "
                                   "(rollback or replayed manifest)");
}

/* Finding 9: a refused manifest is not checked again; at most 4 checks a second. */
static void signature_checks_of_forged_manifests_are_bounded(void **state)
{
    (void)state;
    start(1);
    assert_int_equal(fwb_update(&fx.b, 100, "sensor", 2, 3), 0);
    uint8_t forged[TERN_FW_MANIFEST_MAX];
    memcpy(forged, fx.b.manifest, fx.b.manifest_len);
    forged[TERN_FW_SIGNED_LEN + 2] ^= 1;
    for (int i = 0; i < 20; i++) manifest(forged, fx.b.manifest_len);
    assert_int_equal(fx.agent.unverified_checks, 1);
    for (int i = 0; i < 20; i++) {
        forged[TERN_FW_SIGNED_LEN + 3] = (uint8_t)i; /* each one new */
        manifest(forged, fx.b.manifest_len);
    }
    assert_int_equal(fx.agent.unverified_checks, 4);
    sent(0, NULL);
    /* The genuine manifest, dropped in the flood, is asked for again a second later. */
    manifest(fx.b.manifest, fx.b.manifest_len);
    assert_false(tern_fw_agent_busy(&fx.agent));
    fx.peer.now += 1000;
    settle();
    assert_int_equal(sent(TERN_SUBSCRIBE, "tern/fw/sensor/manifest"), 1);
    manifest(fx.b.manifest, fx.b.manifest_len);
    assert_true(tern_fw_agent_busy(&fx.agent));
}

/* Finding 5: a failed install leaves nothing behind, and the next update installs. */
static void failed_install_is_cleaned_up_and_the_next_update_installs(void **state)
{
    (void)state;
    start(1);
    assert_int_equal(fwb_update(&fx.b, 5 * FWB_CHUNK, "sensor", 2, 3), 0);
    fx.store.fail_install = 1;
    manifest(fx.b.manifest, fx.b.manifest_len);
    genuine_chunks(0, fx.b.count);
    assert_int_equal(fx.events[TERN_FW_EVENT_FAILED], 1);
    assert_int_equal(fx.store.length, 0);
    assert_int_equal(fx.store.saved_chunks, 0);
    sent(0, NULL);
    assert_string_equal(fx.status, "failed version 2: install of version 2 failed");
    assert_int_equal(fwb_update(&fx.b, 3 * FWB_CHUNK, "sensor", 3, 5), 0);
    manifest(fx.b.manifest, fx.b.manifest_len);
    genuine_chunks(0, fx.b.count);
    assert_int_equal(fx.events[TERN_FW_EVENT_INSTALLED], 1);
    assert_int_equal(fx.store.installed_len, fx.b.image_len);
}

/* A stall: the window is subscribed again, and a chunk that keeps arriving forged is reported. */
static void stall_asks_again_and_reports_a_chunk_that_never_verifies(void **state)
{
    (void)state;
    start(1);
    assert_int_equal(fwb_update(&fx.b, 4 * FWB_CHUNK, "sensor", 2, 3), 0);
    manifest(fx.b.manifest, fx.b.manifest_len);
    genuine_chunks(0, 1);
    sent(0, NULL);
    for (int round = 0; round < 3; round++) {
        chunk(1, (const uint8_t *)"forged", 6);
        fx.peer.now += 3000;
        settle();
        assert_int_equal(sent(TERN_SUBSCRIBE, "/3"), 1); /* chunks 1-3 again, in one request */
    }
    assert_int_equal(fx.events[TERN_FW_EVENT_STALLED], 1);
    assert_non_null(strstr(fx.last_reason, "chunk 1: not a chunk"));
    genuine_chunks(1, fx.b.count);
    assert_int_equal(fx.events[TERN_FW_EVENT_INSTALLED], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pulls_chunks_a_window_at_a_time_and_installs),
        cmocka_unit_test(unverifiable_input_never_ends_a_verified_download),
        cmocka_unit_test(status_reports_verified_facts_only),
        cmocka_unit_test(signature_checks_of_forged_manifests_are_bounded),
        cmocka_unit_test(failed_install_is_cleaned_up_and_the_next_update_installs),
        cmocka_unit_test(stall_asks_again_and_reports_a_chunk_that_never_verifies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
