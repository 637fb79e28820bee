/* TLS publisher. Usage: pub HOST PORT CAFILE TOPIC MESSAGE */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
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

int main(int argc, char **argv)
{
    if (argc != 6) return 2;
    static uint8_t tx[1024], rx[256], slot[1024];
    static tern_inflight inflight = {.packet = slot, .cap = sizeof slot};
    static uint16_t qos2_ids[2];
    static tern_tls tls;
    tern_tls_config tls_cfg = {.ca_file = argv[3]};
    if (tern_tls_init(&tls, argv[1], (uint16_t)atoi(argv[2]), 5000, &tls_cfg) != TERN_OK)
        return fprintf(stderr, "%s\n", tern_tls_error(&tls)), 1;
    tern_client_config cfg = {.now_ms = now_ms, .tx = tx, .tx_cap = sizeof tx, .rx = rx,
                              .rx_cap = sizeof rx, .inflight = &inflight, .inflight_count = 1,
                              .inbound_qos2 = qos2_ids, .inbound_qos2_count = 2};
    tern_tls_transport(&tls, &cfg.transport);
    tern_connect_options opts = {.version = TERN_MQTT_5, .clean_start = 1, .keep_alive = 30};
    tern_publish msg = {.topic = tern_str(argv[4]), .payload = tern_str(argv[5]), .qos = 1};
    tern_client client;
    tern_status st = tern_client_init(&client, &cfg);
    if (st == TERN_OK) st = tern_client_connect_wait(&client, &opts, 5000);
    if (st == TERN_OK) st = tern_client_publish(&client, &msg, NULL);
    if (st == TERN_OK) st = tern_client_wait_idle(&client, 5000);
    if (st != TERN_OK) fprintf(stderr, "%s %s\n", tern_status_str(st), tern_tls_error(&tls));
    tern_client_disconnect(&client, 0);
    tern_tls_deinit(&tls);
    return st == TERN_OK ? 0 : 1;
}
