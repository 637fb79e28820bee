/* Forward over TLS: every message on sensors/# is published again, at QoS 1, on
 * forwarded/<the rest of its topic>. The connection is verified TLS (CA file, optionally a
 * client certificate), reconnects by itself (auto_reconnect) and keeps its session, so nothing
 * is lost while the broker restarts; at QoS 1 a message may arrive twice, never not at all.
 * Fixed memory: the buffers below, nothing else.
 *
 *   tls_forward HOST PORT CAFILE [CERTFILE KEYFILE]
 *
 * Prints "subscribed" once the broker has the subscription, a line for every (re)connection,
 * and on SIGINT or SIGTERM "forwarded N, held H times" after the last acknowledgement. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <tern/client.h>
#include <tern/tcp.h>
#include <tern/tls.h>

/* A message waits in rx while it is held (no free slot to forward it). mosquitto sends a
 * client that also publishes more than its in-flight limit unacknowledged: room for those. */
enum { SLOTS = 16, SLOT_BYTES = 512, RX_BYTES = 64 * 1024, TX_BYTES = 4096 };
#define IN_PREFIX "sensors/"    /* subscribed to as IN_PREFIX "#" */
#define OUT_PREFIX "forwarded/"

static tern_tls tls;
static unsigned long forwarded, held, lost;
static volatile sig_atomic_t stopping;

static void on_signal(int sig) { (void)sig, stopping = 1; }

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    (void)user;
    /* sensors/# matches "sensors" itself too: then the rest is empty. */
    uint32_t skip = m->topic.len < sizeof IN_PREFIX - 1 ? m->topic.len : sizeof IN_PREFIX - 1;
    char topic[256];
    int n = snprintf(topic, sizeof topic, OUT_PREFIX "%.*s", (int)(m->topic.len - skip),
                     (const char *)m->topic.data + skip);
    tern_publish out = {.topic = {(const uint8_t *)topic, (uint32_t)n}, .payload = m->payload, .qos = 1};
    tern_status st = (size_t)n < sizeof topic ? tern_client_publish(c, &out, NULL) : TERN_ERR_STRING_TOO_LONG;
    if (st == TERN_OK) {
        forwarded++;
        return;
    }
    /* No free slot (or no room to send) now: leave it unacknowledged, the engine offers it
     * again once a slot frees, and the broker waits meanwhile. */
    if (st == TERN_ERR_BUSY || st == TERN_WOULD_BLOCK) st = tern_client_hold(c);
    if (st == TERN_OK) {
        held++;
        return;
    }
    lost++; /* never silently: the message is acknowledged when this returns */
    fprintf(stderr, "tls_forward: lost a message of %.*s: %s\n", (int)m->topic.len,
            (const char *)m->topic.data, tern_status_str(st));
}

static void on_connect(tern_client *c, tern_status st, const tern_connack *ack, void *user)
{
    (void)c, (void)user;
    if (st == TERN_OK) printf("connected, session present %u\n", ack->session_present);
    else printf("connection refused: %s (reason 0x%02x)\n", tern_status_str(st), ack->reason_code);
    fflush(stdout);
}

static void on_disconnect(tern_client *c, tern_status why, void *user)
{
    (void)c, (void)user;
    if (why != TERN_OK) fprintf(stderr, "tls_forward: connection lost: %s %s; reconnecting\n",
                                tern_status_str(why), tern_tls_error(&tls));
}

static void on_suback(tern_client *c, uint8_t type, const tern_suback *ack, void *user)
{
    (void)c, (void)type, (void)user;
    puts(ack->codes[0] < 0x80 ? "subscribed" : "subscription refused");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 6) {
        fprintf(stderr, "usage: %s HOST PORT CAFILE [CERTFILE KEYFILE]\n", argv[0]);
        return 2;
    }
    static uint8_t tx[TX_BYTES], rx[RX_BYTES], slot_mem[SLOTS][SLOT_BYTES];
    static tern_inflight slots[SLOTS];
    static uint16_t qos2_ids[8];
    for (int i = 0; i < SLOTS; i++) slots[i] = (tern_inflight){.packet = slot_mem[i], .cap = SLOT_BYTES};
    /* Verifies the chain and that the certificate names HOST. */
    tern_tls_config tls_cfg = {.ca_file = argv[3], .cert_file = argc == 6 ? argv[4] : NULL,
                               .key_file = argc == 6 ? argv[5] : NULL};
    if (tern_tls_init(&tls, argv[1], (uint16_t)atoi(argv[2]), 5000, &tls_cfg) != TERN_OK)
        return fprintf(stderr, "tls_forward: %s\n", tern_tls_error(&tls)), 1;
    tern_client_config cfg = {.now_ms = tern_posix_now_ms, .tx = tx, .tx_cap = sizeof tx, .rx = rx, .rx_cap = sizeof rx,
                              .inflight = slots, .inflight_count = SLOTS,
                              .inbound_qos2 = qos2_ids, .inbound_qos2_count = 8,
                              .cb = {.on_message = on_message, .on_connect = on_connect,
                                     .on_disconnect = on_disconnect, .on_suback = on_suback}};
    tern_tls_transport(&tls, &cfg.transport);
    /* A fixed client id, no clean start and a session that outlives the connection: after a
     * reconnect the broker sends what it kept for us, and we re-send what it has not acknowledged. */
    static const tern_subscription sensors = {.filter = TERN_LIT_INIT(IN_PREFIX "#"), .options = 1};
    tern_connect_options opts = {.version = TERN_MQTT_5, .client_id = TERN_LIT("tern-tls-forward"),
                                 .keep_alive = 30, .session_expiry = 3600, .auto_reconnect = 1,
                                 .subscriptions = &sensors, .subscription_count = 1};

    tern_client client;
    tern_status st = tern_client_init(&client, &cfg);
    if (st == TERN_OK) st = tern_client_connect_wait(&client, &opts, 10000);
    if (st != TERN_OK) { /* the last attempt's cause, e.g. the certificate's, not "timed out" */
        fprintf(stderr, "tls_forward: connect: %s %s\n", tern_status_str(st), tern_tls_error(&tls));
        tern_tls_deinit(&tls);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stopping) (void)tern_client_run(&client, 200); /* reconnects, with backoff, by itself */
    st = tern_client_wait_idle(&client, 5000);              /* the last acknowledgements */
    tern_client_disconnect(&client, 0);
    tern_tls_deinit(&tls);
    printf("forwarded %lu, held %lu times\n", forwarded, held);
    if (st != TERN_OK) fprintf(stderr, "tls_forward: not all acknowledged: %s\n", tern_status_str(st));
    return st == TERN_OK && lost == 0 ? 0 : 1;
}
