/* One measured connection of tls-cost. The TCP transport under the client (under
 * wolfSSL, for TLS) is wrapped in a counting transport: bytes both ways, and round trips.
 * A round trip is a change of direction: data received after data was sent. On loopback the
 * count can race: TLS 1.3 session tickets may arrive before the client has written its
 * CONNECT, which then counts one more. Through the delaying proxy the order is fixed (the
 * CONNECT is always out before anything comes back), so tls-cost takes the count from there
 * when it has a delayed run. The library is unchanged: tern_tls.lower is replaced after
 * tern_tls_init. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "tlscost.h"
#include "tern/tls.h"

typedef struct {
    tern_transport inner;
    uint64_t sent, received;
    unsigned round_trips;
    int last_sent;     /* the last transfer was a send */
} counter;

static tern_status c_open(void *ctx) { counter *c = ctx; return c->inner.open(c->inner.ctx); }
static void c_close(void *ctx) { counter *c = ctx; c->inner.close(c->inner.ctx); }
static int c_socket(void *ctx) { counter *c = ctx; return c->inner.socket(c->inner.ctx); }

static int c_wants_write(void *ctx)
{
    counter *c = ctx;
    return c->inner.wants_write ? c->inner.wants_write(c->inner.ctx) : 0;
}

static tern_status c_wait(void *ctx, int want_write, uint32_t ms)
{
    counter *c = ctx;
    return c->inner.wait(c->inner.ctx, want_write, ms);
}

static int32_t c_send(void *ctx, const uint8_t *buf, size_t len)
{
    counter *c = ctx;
    int32_t n = c->inner.send(c->inner.ctx, buf, len);
    if (n > 0) {
        c->sent += (uint64_t)n;
        c->last_sent = 1;
    }
    return n;
}

static int32_t c_recv(void *ctx, uint8_t *buf, size_t len)
{
    counter *c = ctx;
    int32_t n = c->inner.recv(c->inner.ctx, buf, len);
    if (n > 0) {
        c->received += (uint64_t)n;
        if (c->last_sent) c->round_trips++;
        c->last_sent = 0;
    }
    return n;
}

static void wrap(counter *c, const tern_transport *inner, tern_transport *out)
{
    memset(c, 0, sizeof *c);
    c->inner = *inner;
    *out = (tern_transport){c, c_open, c_send, c_recv, c_close, c_socket, c_wants_write, c_wait};
}

static void reset(counter *c)
{
    c->sent = c->received = 0;
    c->round_trips = 0;
    c->last_sent = 0;
}

/* Everything a connection needs; static buffers (one connection at a time). */
typedef struct {
    tern_tcp tcp;
    tern_tls tls;
    int use_tls;
    counter count;
    tern_client client;
    tern_client_config cfg;
    tern_connect_options conn;
} conn;

static uint8_t tx_buf[8192], rx_buf[8192], slot_buf[8192];
static tern_inflight slot;
static uint16_t in_qos2[1];

uint32_t tc_now_ms(void *clock_ctx)
{
    struct timespec ts;
    (void)clock_ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static double now_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The TLS side of mode m: versions fixed to the mode's, PSK or certificate trust, and the
 * key-share group when the mode names one (set on the context after tern_tls_init). */
static int setup_tls(conn *k, const tc_options *o, const tc_mode *m, uint16_t port, char *err,
                     size_t cap)
{
    tern_tls_config tc;
    tern_tls_config_init(&tc);
    tc.min_version = tc.max_version = m->version;
    if (m->role == TC_PSK) {
        tc.psk_hex = o->psk;
        tc.psk_identity = o->psk_identity;
        tc.insecure_skip_verify = 1; /* no certificate in a PSK handshake */
    } else {
        tc.ca_file = o->cafile;
    }
    if (tern_tls_init(&k->tls, o->host, port, TC_CONNECT_TIMEOUT_MS, &tc) != TERN_OK) {
        snprintf(err, cap, "TLS: %s", tern_tls_error(&k->tls));
        return -1;
    }
    int group = m->group;
    if (group && wolfSSL_CTX_set_groups(k->tls.ctx, &group, 1) != WOLFSSL_SUCCESS) {
        snprintf(err, cap, "TLS: cannot offer key-share group %d alone", group);
        return -1;
    }
    k->use_tls = 1;
    wrap(&k->count, &k->tls.lower, &k->tls.lower);
    tern_tls_transport(&k->tls, &k->cfg.transport);
    return 0;
}

static int setup(conn *k, const tc_options *o, const tc_mode *m, uint16_t port, char *err, size_t cap)
{
    memset(k, 0, sizeof *k);
    if (m->version) {
        if (setup_tls(k, o, m, port, err, cap) != 0) return -1;
    } else {
        tern_transport tcp_io;
        tern_tcp_init(&k->tcp, o->host, port, TC_CONNECT_TIMEOUT_MS);
        tern_tcp_transport(&k->tcp, &tcp_io);
        wrap(&k->count, &tcp_io, &k->cfg.transport);
    }
    k->cfg.now_ms = tc_now_ms;
    k->cfg.tx = tx_buf;
    k->cfg.tx_cap = sizeof tx_buf;
    k->cfg.rx = rx_buf;
    k->cfg.rx_cap = sizeof rx_buf;
    slot.packet = slot_buf;
    slot.cap = sizeof slot_buf;
    k->cfg.inflight = &slot;
    k->cfg.inflight_count = 1;
    k->cfg.inbound_qos2 = in_qos2;
    k->cfg.inbound_qos2_count = 1;
    if (tern_client_init(&k->client, &k->cfg) != TERN_OK) {
        snprintf(err, cap, "cannot set up the client");
        return -1;
    }
    k->conn.version = o->version == 5 ? TERN_MQTT_5 : TERN_MQTT_311;
    k->conn.client_id = (tern_bytes){(const uint8_t *)"tern-tls-cost", 13};
    k->conn.clean_start = 1;
    k->conn.keep_alive = 60;
    k->conn.connect_timeout_ms = TC_CONNECT_TIMEOUT_MS;
    return 0;
}

__attribute__((noinline)) tern_status tc_measured_connect(tern_client *c, const tern_connect_options *opts)
{
    return tern_client_connect_wait(c, opts, TC_CONNECT_TIMEOUT_MS + 1000u);
}

static int fail(conn *k, tern_status st, const char *what, char *err, size_t cap)
{
    if (k->use_tls && tern_tls_error(&k->tls)[0])
        snprintf(err, cap, "%s: TLS: %s", what, tern_tls_error(&k->tls));
    else
        snprintf(err, cap, "%s: %s", what, tern_status_str(st));
    return -1;
}

/* Protocol, suite, key exchange and certificate key of the open TLS connection. */
static void describe(conn *k, tc_sample *out)
{
    WOLFSSL *ssl = k->tls.ssl;
    snprintf(out->version, sizeof out->version, "%s", tern_tls_version(&k->tls));
    snprintf(out->cipher, sizeof out->cipher, "%s", tern_tls_cipher(&k->tls));
    const char *group = ssl ? wolfSSL_get_curve_name(ssl) : NULL;
    snprintf(out->group, sizeof out->group, "%s", group ? group : "-");
    int dh_bits = ssl && !group && strstr(out->cipher, "DHE-") ? wolfSSL_GetDhKey_Sz(ssl) : 0;
    if (dh_bits > 0) snprintf(out->group, sizeof out->group, "DH-%d", dh_bits);
    WOLFSSL_X509 *cert = ssl ? wolfSSL_get_peer_certificate(ssl) : NULL;
    int type = cert ? wolfSSL_X509_get_pubkey_type(cert) : 0;
    snprintf(out->cert, sizeof out->cert, "%s", type == 518 ? "ECDSA" : type == 645 ? "RSA" : "-");
    if (cert) wolfSSL_X509_free(cert);
    out->resumed = tern_tls_resumed(&k->tls);
}

#define TOPIC "tern/tls-cost"

/* Bytes of one QoS 0 PUBLISH of `payload` bytes on TOPIC. */
static double mqtt_publish_size(int version, int payload)
{
    int rl = 2 + (int)strlen(TOPIC) + payload + (version == 5 ? 1 : 0);
    int varint = rl < 128 ? 1 : rl < 16384 ? 2 : rl < 2097152 ? 3 : 4;
    return 1.0 + varint + rl;
}

/* o->publishes QoS 0 PUBLISHes, each flushed on its own (one TLS record each). */
static int publish_burst(conn *k, const tc_options *o, tc_sample *out, char *err, size_t cap)
{
    static uint8_t payload[4096];
    memset(payload, 'x', sizeof payload);
    tern_publish msg = {.topic = {(const uint8_t *)TOPIC, (uint32_t)strlen(TOPIC)},
                        .payload = {payload, (uint32_t)o->payload_size}};
    uint64_t before = k->count.sent;
    for (int i = 0; i < o->publishes; i++) {
        tern_status st = tern_client_publish(&k->client, &msg, NULL);
        if (st == TERN_OK) st = tern_client_wait_idle(&k->client, TC_CONNECT_TIMEOUT_MS);
        if (st != TERN_OK) return fail(k, st, "publish", err, cap);
    }
    double per = o->publishes ? (double)(k->count.sent - before) / o->publishes : 0;
    out->overhead = o->publishes ? per - mqtt_publish_size(o->version, o->payload_size) : 0;
    return 0;
}

/* The connection that is measured: counters zeroed, peak heap reset, open to CONNACK. */
static int measured(conn *k, uint64_t heap_base, tc_sample *out, char *err, size_t cap)
{
    reset(&k->count);
    tc_heap_reset_peak();
    uint64_t before_open = tc_heap_current();
    double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    tern_status st = tc_measured_connect(&k->client, &k->conn);
    out->cpu_ms = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
    out->ms = now_ms(CLOCK_MONOTONIC) - t0;
    out->heap_peak = tc_heap_peak() - heap_base;
    out->heap_conn = tc_heap_peak() - before_open;
    if (st != TERN_OK) return fail(k, st, "connect", err, cap);
    out->sent = k->count.sent;
    out->received = k->count.received;
    out->round_trips = k->count.round_trips;
    if (k->use_tls) describe(k, out);
    return 0;
}

static int run(conn *k, const tc_options *o, const tc_mode *m, uint64_t heap_base, tc_sample *out,
               char *err, size_t cap)
{
    if (m->resumed) { /* a full handshake first, whose session the measured one resumes */
        tern_status st = tern_client_connect_wait(&k->client, &k->conn, TC_CONNECT_TIMEOUT_MS + 1000u);
        if (st != TERN_OK) return fail(k, st, "first connect", err, cap);
        tern_client_disconnect(&k->client, 0);
    }
    if (measured(k, heap_base, out, err, cap) != 0) return -1;
    if (m->resumed && !out->resumed) {
        snprintf(err, cap, "the broker did not resume the session");
        return -1;
    }
    return publish_burst(k, o, out, err, cap);
}

int tc_measure(const tc_options *o, const tc_mode *m, uint16_t port, tc_sample *out, char *err,
               size_t cap)
{
    static conn k;
    memset(out, 0, sizeof *out);
    snprintf(out->version, sizeof out->version, "-");
    snprintf(out->cipher, sizeof out->cipher, "-");
    snprintf(out->group, sizeof out->group, "-");
    snprintf(out->cert, sizeof out->cert, "-");
    uint64_t heap_base = tc_heap_current();
    int r = setup(&k, o, m, port, err, cap);
    if (r == 0) r = run(&k, o, m, heap_base, out, err, cap);
    if (r == 0) tern_client_disconnect(&k.client, 0);
    else if (!k.use_tls && k.count.inner.close) k.count.inner.close(k.count.inner.ctx);
    if (k.use_tls) tern_tls_deinit(&k.tls);
    out->ok = r == 0;
    return r;
}
