/* A subscriber: prints "topic payload" for each message on FILTER, exits after COUNT messages.
 * It prints "subscribed" once the broker has acknowledged the subscription, so that a script
 * knows when to publish.
 *
 *   subscribe HOST PORT FILTER COUNT */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "tern/client.h"
#include "tern/tcp.h"

typedef struct {
    long wanted, received;
    int subscribed, refused;
} progress;

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    progress *p = user;
    (void)c;
    printf("%.*s %.*s\n", (int)m->topic.len, (const char *)m->topic.data, (int)m->payload.len,
           (const char *)m->payload.data);
    fflush(stdout);
    p->received++;
}

static void on_suback(tern_client *c, uint8_t type, const tern_suback *ack, void *user)
{
    progress *p = user;
    (void)c;
    if (type != TERN_SUBACK) return;
    p->subscribed = 1;
    p->refused = ack->count != 1 || ack->codes[0] >= 0x80;
    if (!p->refused) {
        puts("subscribed");
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s HOST PORT FILTER COUNT\n", argv[0]);
        return 2;
    }
    static uint8_t tx[1024], rx[4096];
    static uint16_t qos2_ids[16];
    progress p = {atol(argv[4]), 0, 0, 0};
    tern_tcp tcp;
    tern_client_config cfg = {.now_ms = tern_posix_now_ms, .tx = tx, .tx_cap = sizeof tx, .rx = rx,
                              .rx_cap = sizeof rx, .inbound_qos2 = qos2_ids,
                              .inbound_qos2_count = 16};
    cfg.cb.user = &p;
    cfg.cb.on_message = on_message;
    cfg.cb.on_suback = on_suback;
    tern_tcp_init(&tcp, argv[1], (uint16_t)atoi(argv[2]), 5000);
    tern_tcp_transport(&tcp, &cfg.transport);

    /* Reconnects on its own if the broker goes away; the subscription is sent again only if
     * the broker did not keep the session, which a clean start never asks it to. */
    tern_connect_options opts = {.version = TERN_MQTT_311, .client_id = TERN_LIT("example-subscriber"),
                                 .clean_start = 1, .keep_alive = 30};
    tern_subscription sub = {.filter = tern_str(argv[3]), .options = 2 /* QoS 2 */};

    tern_client client;
    tern_status st = tern_client_init(&client, &cfg);
    if (st == TERN_OK) st = tern_client_connect_wait(&client, &opts, 5000);
    /* The blocking layer's subscribe waits for room (TERN_SUBS_IN_FLIGHT requests awaiting
     * their SUBACK): a loop of these calls subscribes to any number of topics. */
    if (st == TERN_OK) st = tern_client_subscribe_wait(&client, &sub, 1, NULL, NULL, 5000);
    while (st == TERN_OK && !p.refused && p.received < p.wanted) st = tern_client_run(&client, 1000);
    if (st != TERN_OK || p.refused) {
        fprintf(stderr, "subscribe: %s\n", p.refused ? "subscription refused" : tern_status_str(st));
        return 1;
    }
    tern_client_disconnect(&client, 0);
    return 0;
}
