/* Subscribe and publish over TLS (the README's example). Usage: tls_pubsub HOST PORT CAFILE */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <tern/client.h>
#include <tern/tls.h>

static uint32_t now_ms(void *clock_ctx)
{
    struct timespec ts;
    (void)clock_ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int received;
static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    (void)c, (void)user;
    printf("%.*s: %.*s\n", (int)m->topic.len, (const char *)m->topic.data,
           (int)m->payload.len, (const char *)m->payload.data);
    received = 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) return 2;
    static uint8_t tx[1024], rx[1024], slot[512];  /* all the memory: no malloc */
    static tern_inflight inflight = {.packet = slot, .cap = sizeof slot};
    static uint16_t qos2_ids[8];
    static tern_tls tls;
    tern_tls_config tls_cfg = {.ca_file = argv[3]};  /* checks the chain and the host name */
    if (tern_tls_init(&tls, argv[1], (uint16_t)atoi(argv[2]), 5000, &tls_cfg) != TERN_OK)
        return fprintf(stderr, "%s\n", tern_tls_error(&tls)), 1;
    tern_client_config cfg = {.now_ms = now_ms, .tx = tx, .tx_cap = sizeof tx, .rx = rx,
                              .rx_cap = sizeof rx, .inflight = &inflight, .inflight_count = 1,
                              .inbound_qos2 = qos2_ids, .inbound_qos2_count = 8,
                              .cb = {.on_message = on_message}};
    tern_tls_transport(&tls, &cfg.transport);
    tern_connect_options opts = {.version = TERN_MQTT_5, .client_id = TERN_LIT("tls-example"),
                                 .clean_start = 1, .keep_alive = 30};
    tern_subscription sub = {.filter = TERN_LIT("hello/#"), .options = 1 /* QoS 1 */};
    tern_publish msg = {.topic = TERN_LIT("hello/world"), .payload = TERN_LIT("hi"), .qos = 1};

    tern_client client;
    tern_status st = tern_client_init(&client, &cfg);
    if (st == TERN_OK) st = tern_client_connect_wait(&client, &opts, 5000);
    if (st == TERN_OK) st = tern_client_subscribe(&client, &sub, 1, NULL, NULL);
    if (st == TERN_OK) st = tern_client_publish(&client, &msg, NULL);
    for (int i = 0; st == TERN_OK && !received && i < 50; i++) st = tern_client_run(&client, 100);
    if (!received) fprintf(stderr, "%s %s\n", tern_status_str(st), tern_tls_error(&tls));
    tern_client_disconnect(&client, 0);
    tern_tls_deinit(&tls);
    return received ? 0 : 1;
}
