/* tern benchmark client: see bench_common.h for what it does and prints.
 * All memory is static: the client, its buffers and 100 in-flight slots. The engine is driven
 * through its external event-loop API (poll(2) on tern_client_socket). */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>

#include "bench_common.h"
#include "tern/client.h"
#include "tern/tcp.h"

#define SLOTS 100
#define SLOT_CAP 160

static uint8_t tx_buf[16384], rx_buf[16384], slot_mem[SLOTS][SLOT_CAP];
static tern_inflight slots[SLOTS];
static uint16_t qos2_ids[256];
static tern_client client;
static long received, acked;
static int subacked;

static uint32_t now_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static void on_message(tern_client *c, const tern_publish *msg, void *user)
{
    (void)c;
    (void)msg;
    (void)user;
    received++;
}

static void on_publish_done(tern_client *c, uint16_t id, tern_status st, uint8_t reason, void *user)
{
    (void)c;
    (void)id;
    (void)reason;
    (void)user;
    if (st == TERN_OK) acked++;
}

static void on_suback(tern_client *c, uint8_t type, const tern_suback *ack, void *user)
{
    (void)c;
    (void)type;
    (void)ack;
    (void)user;
    subacked = 1;
}

/* Drive the engine once, waiting up to ms for the socket first. */
static tern_status drive(int ms)
{
    struct pollfd p = {tern_client_socket(&client), POLLIN, 0};
    if (tern_client_wants_write(&client)) p.events |= POLLOUT;
    if (p.fd >= 0 && ms > 0) (void)poll(&p, 1, ms);
    tern_status st = tern_client_poll(&client);
    if (st == TERN_OK && !tern_client_is_connected(&client)) st = TERN_ERR_NOT_CONNECTED;
    return st;
}

static int fail(const char *what, tern_status st)
{
    fprintf(stderr, "bench_tern: %s: %s\n", what, tern_status_str(st));
    return 1;
}

int main(int argc, char **argv)
{
    bench_args a;
    if (bench_parse(&a, argc, argv, "tern") != 0) return 2;

    for (int i = 0; i < SLOTS; i++) {
        slots[i].packet = slot_mem[i];
        slots[i].cap = SLOT_CAP;
    }
    tern_tcp tcp;
    tern_client_config cfg = {0};
    tern_tcp_init(&tcp, a.host, (uint16_t)a.port, 5000);
    tern_tcp_transport(&tcp, &cfg.transport);
    cfg.now_ms = now_ms;
    cfg.tx = tx_buf;
    cfg.tx_cap = sizeof tx_buf;
    cfg.rx = rx_buf;
    cfg.rx_cap = sizeof rx_buf;
    cfg.inflight = slots;
    cfg.inflight_count = SLOTS;
    cfg.inbound_qos2 = qos2_ids;
    cfg.inbound_qos2_count = (uint16_t)(sizeof qos2_ids / sizeof qos2_ids[0]);
    cfg.cb.on_message = on_message;
    cfg.cb.on_publish_done = on_publish_done;
    cfg.cb.on_suback = on_suback;

    tern_connect_options opts = {0};
    opts.version = TERN_MQTT_311;
    opts.client_id.data = (const uint8_t *)a.client_id;
    opts.client_id.len = (uint32_t)strlen(a.client_id);
    opts.clean_start = 1;
    opts.keep_alive = 60;

    tern_status st = tern_client_init(&client, &cfg);
    if (st != TERN_OK) return fail("init", st);
    st = tern_client_connect_wait(&client, &opts, 5000);
    if (st != TERN_OK) return fail("connect", st);

    if (a.e2e) {
        tern_subscription sub = {{(const uint8_t *)a.topic, (uint32_t)strlen(a.topic)},
                                 (uint8_t)a.qos};
        st = tern_client_subscribe(&client, &sub, 1, NULL, NULL);
        while (st == TERN_OK && !subacked) st = drive(1000);
        if (st != TERN_OK) return fail("subscribe", st);
    }

    tern_publish msg = {0};
    msg.topic.data = (const uint8_t *)a.topic;
    msg.topic.len = (uint32_t)strlen(a.topic);
    msg.payload.data = a.payload;
    msg.payload.len = BENCH_PAYLOAD_LEN;
    msg.qos = (uint8_t)a.qos;

    double t0 = bench_now(), deadline = t0 + (double)a.timeout_s;
    long published = 0;
    for (;;) {
        long start = published + acked + received;
        /* Publish as many as the window, the slots and the send buffer allow. */
        while (published < a.count && (!a.e2e || published - received < a.window) &&
               (a.qos == 0 || published - acked < a.window)) {
            st = tern_client_publish(&client, &msg, NULL);
            if (st == TERN_ERR_BUSY || st == TERN_WOULD_BLOCK) break;
            if (st != TERN_OK) return fail("publish", st);
            published++;
        }
        int done = published == a.count && (a.qos == 0 || acked == a.count) &&
                   (!a.e2e || received == a.count) && !tern_client_wants_write(&client);
        if (done) break;
        if (bench_now() > deadline) {
            fprintf(stderr, "bench_tern: timeout: published %ld acked %ld received %ld\n",
                    published, acked, received);
            return 1;
        }
        /* Flush and read what is there; when nothing moved, wait for the socket. */
        st = drive(0);
        long before = start;
        if (st == TERN_OK && published + acked + received == before) st = drive(1000);
        if (st != TERN_OK) return fail("run", st);
    }
    double seconds = bench_now() - t0;
    tern_client_disconnect(&client, 0);
    bench_report("tern", &a, received, seconds);
    return 0;
}
