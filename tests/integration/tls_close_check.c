/* tls_close_check: how the library reports the end of a TLS connection the server closed.
 * Connects over TLS, prints "connected", publishes a QoS 0 "ready" on topic "ready" (a test
 * server closes when it has it), then drives the client until the connection ends and
 * prints "disconnected STATUS_NAME: TLS_ERROR" (what on_disconnect and tern_tls_error say).
 *
 *   tls_close_check HOST PORT CA_FILE */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "tern/client.h"
#include "tern/tcp.h"
#include "tern/tls.h"

static tern_status ended = TERN_OK;
static int disconnected;

static void on_disconnect(tern_client *c, tern_status why, void *user)
{
    (void)c, (void)user;
    ended = why;
    disconnected = 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s HOST PORT CA_FILE\n", argv[0]);
        return 2;
    }
    static uint8_t tx[512], rx[512];
    static uint16_t qos2_ids[2];
    static tern_tls tls;
    tern_tls_config tc;
    tern_tls_config_init(&tc);
    tc.ca_file = argv[3];
    if (tern_tls_init(&tls, argv[1], (uint16_t)atoi(argv[2]), 10000, &tc) != TERN_OK) {
        fprintf(stderr, "TLS setup: %s\n", tern_tls_error(&tls));
        return 1;
    }
    tern_client_config cfg = {0};
    tern_tls_transport(&tls, &cfg.transport);
    cfg.now_ms = tern_posix_now_ms;
    cfg.tx = tx, cfg.tx_cap = sizeof tx;
    cfg.rx = rx, cfg.rx_cap = sizeof rx;
    cfg.inbound_qos2 = qos2_ids, cfg.inbound_qos2_count = 2;
    cfg.cb.on_disconnect = on_disconnect;
    tern_connect_options opts = {0};
    opts.version = TERN_MQTT_311;
    opts.client_id = (tern_bytes){(const uint8_t *)"tls-close-check", 15};
    opts.clean_start = 1;
    opts.keep_alive = 60;
    tern_client client;
    tern_status st = tern_client_init(&client, &cfg);
    if (st == TERN_OK) st = tern_client_connect_wait(&client, &opts, 20000);
    if (st != TERN_OK) {
        fprintf(stderr, "connect: %s: %s\n", tern_status_name(st), tern_tls_error(&tls));
        return 1;
    }
    printf("connected\n");
    fflush(stdout);
    tern_publish ready = {0};
    ready.topic = ready.payload = (tern_bytes){(const uint8_t *)"ready", 5};
    (void)tern_client_publish(&client, &ready, NULL);
    for (int i = 0; i < 600 && !disconnected; i++) (void)tern_client_run(&client, 100);
    printf("disconnected %s: %s\n", disconnected ? tern_status_name(ended) : "(still connected)",
           tern_tls_error(&tls));
    tern_tls_deinit(&tls);
    return disconnected ? 0 : 1;
}
