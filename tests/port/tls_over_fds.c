/* MQTT over TLS over a pair of file descriptors: proves that tern_tls runs over any transport.
 * The CA comes from memory (ca_buf), as on a device without a file system.
 *
 *   tls_over_fds READ_FD WRITE_FD CA_FILE SERVER_NAME TOPIC [CERT_FILE KEY_FILE]
 *
 * With CERT_FILE and KEY_FILE (PEM or DER) the client presents that certificate, also from
 * memory (cert_buf, key_buf).
 * Subscribes to TOPIC, publishes one QoS 1 message to it, waits for it to come back through
 * the broker, prints "received TOPIC PAYLOAD" and the TLS parameters, exits 0. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fd_transport.h"
#include "tern/client.h"
#include "tern/tcp.h"
#include "tern/tls.h"

static const char PAYLOAD[] = "hello over a pipe";

typedef struct {
    int subscribed;
    int received;
} progress;

static void on_suback(tern_client *c, uint8_t type, const tern_suback *ack, void *user)
{
    (void)c, (void)type, (void)ack;
    ((progress *)user)->subscribed = 1;
}

static void on_message(tern_client *c, const tern_publish *msg, void *user)
{
    (void)c;
    printf("received %.*s %.*s\n", (int)msg->topic.len, (const char *)msg->topic.data,
           (int)msg->payload.len, (const char *)msg->payload.data);
    ((progress *)user)->received = 1;
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n < cap ? n : 0;
}

/* Drive the client until *flag is set, the connection fails or timeout_ms passes. */
static tern_status run_until(tern_client *c, const int *flag, uint32_t timeout_ms)
{
    uint32_t start = tern_posix_now_ms(NULL);
    while (!*flag) {
        if (tern_posix_now_ms(NULL) - start > timeout_ms) return TERN_ERR_TIMEOUT;
        tern_status st = tern_client_run(c, 100);
        if (st != TERN_OK) return st;
    }
    return TERN_OK;
}

static tern_status exchange(tern_client *c, progress *p, const char *topic)
{
    tern_subscription sub = {{(const uint8_t *)topic, (uint32_t)strlen(topic)}, 1};
    tern_publish msg = {0};
    msg.topic = sub.filter;
    msg.payload.data = (const uint8_t *)PAYLOAD;
    msg.payload.len = (uint32_t)strlen(PAYLOAD);
    msg.qos = 1;
    tern_status st = tern_client_subscribe(c, &sub, 1, NULL, NULL);
    if (st == TERN_OK) st = run_until(c, &p->subscribed, 20000);
    if (st == TERN_OK) st = tern_client_publish(c, &msg, NULL);
    if (st == TERN_OK) st = run_until(c, &p->received, 20000);
    return st;
}

int main(int argc, char **argv)
{
    if (argc != 6 && argc != 8) {
        fprintf(stderr, "usage: %s READ_FD WRITE_FD CA_FILE SERVER_NAME TOPIC [CERT_FILE KEY_FILE]\n", argv[0]);
        return 2;
    }
    static uint8_t ca[16384], cert[16384], key[8192], tx[1024], rx[1024], slot_mem[512];
    static tern_inflight slot = {slot_mem, sizeof slot_mem, 0, 0, 0, 0, 0};
    static uint16_t qos2_ids[2];
    tern_tls_config tc;
    tern_tls_config_init(&tc);
    tc.ca_buf = ca;
    tc.ca_len = read_file(argv[3], ca, sizeof ca);
    if (argc == 8) {
        tc.cert_buf = cert;
        tc.cert_len = read_file(argv[6], cert, sizeof cert);
        tc.key_buf = key;
        tc.key_len = read_file(argv[7], key, sizeof key);
    }

    fd_link link;
    tern_transport pipes;
    fd_link_init(&link, atoi(argv[1]), atoi(argv[2]), &pipes);
    tern_tls tls;
    tern_status st = tern_tls_init_over(&tls, &pipes, argv[4], &tc);
    if (st != TERN_OK) {
        fprintf(stderr, "TLS setup: %s\n", tern_tls_error(&tls));
        return 1;
    }
    progress p = {0, 0};
    tern_client_config cfg = {0};
    tern_tls_transport(&tls, &cfg.transport);
    cfg.now_ms = tern_posix_now_ms;
    cfg.tx = tx, cfg.tx_cap = sizeof tx;
    cfg.rx = rx, cfg.rx_cap = sizeof rx;
    cfg.inflight = &slot, cfg.inflight_count = 1;
    cfg.inbound_qos2 = qos2_ids, cfg.inbound_qos2_count = 2;
    cfg.cb.user = &p;
    cfg.cb.on_message = on_message;
    cfg.cb.on_suback = on_suback;
    tern_connect_options opts = {0};
    opts.version = TERN_MQTT_5;
    opts.client_id = (tern_bytes){(const uint8_t *)"tern-tls-over-fds", 17};
    opts.clean_start = 1;
    opts.keep_alive = 30;

    tern_client client;
    st = tern_client_init(&client, &cfg);
    if (st == TERN_OK) st = tern_client_connect_wait(&client, &opts, 20000);
    if (st == TERN_OK) printf("connected %s %s\n", tern_tls_version(&tls), tern_tls_cipher(&tls));
    if (st == TERN_OK) st = exchange(&client, &p, argv[5]);
    if (st != TERN_OK)
        fprintf(stderr, "failed: %s%s%s\n", tern_status_str(st), tern_tls_error(&tls)[0] ? ": " : "",
                tern_tls_error(&tls));
    else
        tern_client_disconnect(&client, 0);
    tern_tls_deinit(&tls);
    return st == TERN_OK ? 0 : 1;
}
