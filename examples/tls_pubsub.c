/* Subscribe and publish over TLS (the README's example). Usage: tls_pubsub HOST PORT CAFILE */
#include <stdio.h>
#include <stdlib.h>
#include <tern/client.h>
#include <tern/tcp.h>
#include <tern/tls.h>

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
    tern_tls_config tls_cfg = {.ca_file = argv[3]};  /* zero = defaults: chain and host name checked */
    if (tern_tls_init(&tls, argv[1], (uint16_t)atoi(argv[2]), 5000, &tls_cfg) != TERN_OK)
        return fprintf(stderr, "%s\n", tern_tls_error(&tls)), 1;
    tern_client_config cfg = {.now_ms = tern_posix_now_ms, .tx = tx, .tx_cap = sizeof tx,
                              .rx = rx, .rx_cap = sizeof rx, .inflight = &inflight,
                              .inflight_count = 1, .inbound_qos2 = qos2_ids,
                              .inbound_qos2_count = 8, .cb = {.on_message = on_message}};
    tern_tls_transport(&tls, &cfg.transport);
    tern_subscription sub = {.filter = TERN_LIT("hello/#"), .options = 1 /* QoS 1 */};
    tern_connect_options opts = {.version = TERN_MQTT_5, .client_id = TERN_LIT("tls-example"),
                                 .keep_alive = 30, .session_expiry = 3600,
                                 .auto_reconnect = 1,  /* with backoff, the session resumed */
                                 .subscriptions = &sub, .subscription_count = 1}; /* again when new */
    tern_publish msg = {.topic = TERN_LIT("hello/world"), .payload = TERN_LIT("hi"), .qos = 1};

    tern_client client;
    tern_status st = tern_client_init(&client, &cfg);
    if (st == TERN_OK) st = tern_client_connect_wait(&client, &opts, 5000);
    if (st == TERN_OK) st = tern_client_publish(&client, &msg, NULL);
    for (int i = 0; st == TERN_OK && !received && i < 50; i++) st = tern_client_run(&client, 100);
    if (!received) fprintf(stderr, "%s %s\n", tern_status_str(st), tern_tls_error(&tls));
    tern_client_disconnect(&client, 0);
    tern_tls_deinit(&tls);
    return received ? 0 : 1;
}
