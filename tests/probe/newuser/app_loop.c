/* poll() event loop: TLS subscriber + stdin lines published. Usage: loop HOST PORT CAFILE */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
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

int main(int argc, char **argv)
{
    if (argc != 4) return 2;
    static uint8_t tx[2048], rx[2048], slots[4][512];
    static tern_inflight inflight[4];
    for (int i = 0; i < 4; i++) inflight[i] = (tern_inflight){.packet = slots[i], .cap = 512};
    static uint16_t qos2_ids[8];
    static tern_tls tls;
    tern_tls_config tls_cfg = {.ca_file = argv[3]};
    if (tern_tls_init(&tls, argv[1], (uint16_t)atoi(argv[2]), 5000, &tls_cfg) != TERN_OK)
        return fprintf(stderr, "%s\n", tern_tls_error(&tls)), 1;
    tern_client_config cfg = {.now_ms = now_ms, .tx = tx, .tx_cap = sizeof tx, .rx = rx,
                              .rx_cap = sizeof rx, .inflight = inflight, .inflight_count = 4,
                              .inbound_qos2 = qos2_ids, .inbound_qos2_count = 8,
                              .cb = {.on_message = on_message, .on_connect = on_connect}};
    tern_tls_transport(&tls, &cfg.transport);
    tern_subscription sub = {.filter = TERN_LIT("loop/#"), .options = 1};
    tern_connect_options opts = {.version = TERN_MQTT_5, .clean_start = 1, .keep_alive = 10,
                                 .auto_reconnect = 1, .subscriptions = &sub, .subscription_count = 1};
    tern_client client;
    if (tern_client_init(&client, &cfg) != TERN_OK || tern_client_connect(&client, &opts) != TERN_OK)
        return 1;
    int stdin_open = 1;
    for (;;) {
        struct pollfd fds[2] = {{.fd = tern_client_socket(&client), .events = POLLIN},
                                {.fd = stdin_open ? 0 : -1, .events = POLLIN}};
        if (tern_client_wants_write(&client)) fds[0].events |= POLLOUT;
        uint32_t t = tern_client_next_timeout_ms(&client);
        int n = poll(fds, 2, t > 1000 ? 1000 : (int)t);
        if (n < 0) return 1;
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) tern_client_on_readable(&client);
        if (fds[0].revents & POLLOUT) tern_client_on_writable(&client);
        if (fds[1].revents & (POLLIN | POLLHUP)) {
            char line[256];
            ssize_t len = read(0, line, sizeof line - 1);
            if (len <= 0) { stdin_open = 0; tern_client_wait_idle(&client, 5000); break; }
            while (len > 0 && line[len - 1] == '\n') len--;
            tern_publish msg = {.topic = TERN_LIT("loop/out"),
                                .payload = {(const uint8_t *)line, (uint32_t)len}, .qos = 1};
            tern_status st = tern_client_publish(&client, &msg, NULL);
            if (st != TERN_OK) fprintf(stderr, "publish: %s\n", tern_status_str(st));
        }
        tern_client_tick(&client);
    }
    tern_client_disconnect(&client, 0);
    tern_tls_deinit(&tls);
    return 0;
}
