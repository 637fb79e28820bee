/* TLS subscriber with auto reconnect, written from README + headers. Usage: sub HOST PORT CAFILE TOPIC */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tern/client.h>
#include <tern/tls.h>

static uint32_t now_ms(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    (void)c, (void)user;
    printf("%.*s %.*s\n", (int)m->topic.len, (const char *)m->topic.data,
           (int)m->payload.len, (const char *)m->payload.data);
    fflush(stdout);
}
static void on_connect(tern_client *c, tern_status st, const tern_connack *ack, void *user)
{
    (void)c, (void)ack, (void)user;
    fprintf(stderr, "connect: %s\n", tern_status_str(st));
}
static void on_disconnect(tern_client *c, tern_status why, void *user)
{
    (void)c;
    fprintf(stderr, "disconnected: %s (%s)\n", tern_status_str(why), tern_tls_error(user));
}

int main(int argc, char **argv)
{
    if (argc != 5) return 2;
    static uint8_t tx[1024], rx[4096], slot[512];
    static tern_inflight inflight = {.packet = slot, .cap = sizeof slot};
    static uint16_t qos2_ids[8];
    static tern_tls tls;
    tern_tls_config tls_cfg = {.ca_file = argv[3]};
    if (tern_tls_init(&tls, argv[1], (uint16_t)atoi(argv[2]), 5000, &tls_cfg) != TERN_OK)
        return fprintf(stderr, "%s\n", tern_tls_error(&tls)), 1;
    tern_client_config cfg = {.now_ms = now_ms, .tx = tx, .tx_cap = sizeof tx, .rx = rx,
                              .rx_cap = sizeof rx, .inflight = &inflight, .inflight_count = 1,
                              .inbound_qos2 = qos2_ids, .inbound_qos2_count = 8,
                              .cb = {.on_message = on_message, .on_connect = on_connect,
                                     .on_disconnect = on_disconnect, .user = &tls}};
    tern_tls_transport(&tls, &cfg.transport);
    tern_subscription sub = {.filter = tern_str(argv[4]), .options = 1};
    tern_connect_options opts = {.version = TERN_MQTT_5, .client_id = TERN_LIT("nu-sub"),
                                 .clean_start = 1, .keep_alive = 10, .auto_reconnect = 1,
                                 .reconnect_max_ms = 2000,
                                 .subscriptions = &sub, .subscription_count = 1};
    tern_client client;
    tern_status st = tern_client_init(&client, &cfg);
    if (st == TERN_OK) st = tern_client_connect_wait(&client, &opts, 5000);
    if (st != TERN_OK) return fprintf(stderr, "%s %s\n", tern_status_str(st), tern_tls_error(&tls)), 1;
    for (;;) {
        st = tern_client_run(&client, 1000);
        if (st != TERN_OK) fprintf(stderr, "run: %s\n", tern_status_str(st));
    }
}
