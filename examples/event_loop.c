/* Several clients in one thread, driven by the application's own poll() loop (the external
 * event loop API: tern_client_socket, _wants_write, _on_readable, _on_writable, _tick,
 * _next_timeout_ms). Client i subscribes to "loop/<i>" and, once every client is subscribed,
 * publishes to the next client's topic; the program ends when every client has its message.
 *
 *   event_loop HOST PORT [CLIENTS]   (CLIENTS: 2..8, default 3) */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/client.h"
#include "tern/tcp.h"

#define MAX_CLIENTS 8

typedef struct {
    tern_client client;
    tern_client_config cfg;
    tern_connect_options opts;
    tern_tcp tcp;
    uint8_t tx[512], rx[512], slot[256];
    tern_inflight inflight;
    uint16_t qos2_ids[4];
    char id[32], topic[32];
    int subscribed, received, published;
} peer;

static peer peers[MAX_CLIENTS];

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    peer *p = user;
    (void)c;
    printf("%s got %.*s on %.*s\n", p->id, (int)m->payload.len, (const char *)m->payload.data,
           (int)m->topic.len, (const char *)m->topic.data);
    p->received = 1;
}

static void on_suback(tern_client *c, uint8_t type, const tern_suback *ack, void *user)
{
    peer *p = user;
    (void)c;
    if (type == TERN_SUBACK && ack->count == 1 && ack->codes[0] < 0x80) p->subscribed = 1;
}

/* Subscribe as soon as the CONNACK is in: from the callback, as client.h allows. Many topics:
 * pass them all in one call (a SUBSCRIBE carries any number of filters), or, one call each,
 * go on from on_suback when a call says TERN_ERR_BUSY (TERN_SUBS_IN_FLIGHT requests await
 * their ack; tests/integration/many_topics.c does both ways). */
static void on_connect(tern_client *c, tern_status st, const tern_connack *ack, void *user)
{
    peer *p = user;
    (void)ack;
    if (st != TERN_OK) return;
    tern_subscription sub = {.filter = tern_str(p->topic), .options = 1};
    if (tern_client_subscribe(c, &sub, 1, NULL, NULL) != TERN_OK) fprintf(stderr, "%s: subscribe failed\n", p->id);
}

static tern_status start(peer *p, int i, const char *host, uint16_t port)
{
    snprintf(p->id, sizeof p->id, "event-loop-%d", i);
    snprintf(p->topic, sizeof p->topic, "loop/%d", i);
    p->inflight = (tern_inflight){.packet = p->slot, .cap = sizeof p->slot};
    p->cfg = (tern_client_config){.now_ms = tern_posix_now_ms, .tx = p->tx, .tx_cap = sizeof p->tx,
                                  .rx = p->rx, .rx_cap = sizeof p->rx, .inflight = &p->inflight,
                                  .inflight_count = 1, .inbound_qos2 = p->qos2_ids,
                                  .inbound_qos2_count = 4};
    p->cfg.cb = (tern_callbacks){.user = p, .on_message = on_message, .on_suback = on_suback,
                                 .on_connect = on_connect};
    tern_tcp_init(&p->tcp, host, port, 5000);
    tern_tcp_transport(&p->tcp, &p->cfg.transport);
    p->opts = (tern_connect_options){.version = TERN_MQTT_5, .client_id = tern_str(p->id),
                                     .clean_start = 1, .keep_alive = 30};
    tern_status st = tern_client_init(&p->client, &p->cfg);
    return st == TERN_OK ? tern_client_connect(&p->client, &p->opts) : st;
}

/* One round of the loop: wait on every socket (or until the earliest timer), then let each
 * client do what its socket allows, and run its timers. */
static tern_status one_round(int n)
{
    struct pollfd fds[MAX_CLIENTS];
    uint32_t wait_ms = 1000;
    for (int i = 0; i < n; i++) {
        tern_client *c = &peers[i].client;
        fds[i] = (struct pollfd){.fd = tern_client_socket(c), .events = POLLIN};
        if (tern_client_wants_write(c)) fds[i].events |= POLLOUT;
        uint32_t t = tern_client_next_timeout_ms(c);
        if (fds[i].fd < 0 && t > 10) t = 10; /* not open yet: come back soon */
        if (t < wait_ms) wait_ms = t;
    }
    if (poll(fds, (nfds_t)n, (int)wait_ms) < 0) return TERN_ERR_IO;
    for (int i = 0; i < n; i++) {
        tern_client *c = &peers[i].client;
        tern_status st = TERN_OK;
        if (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) st = tern_client_on_readable(c);
        else if (fds[i].revents & POLLOUT) st = tern_client_on_writable(c);
        if (st == TERN_OK) st = tern_client_tick(c);
        if (st != TERN_OK) {
            fprintf(stderr, "%s: %s\n", peers[i].id, tern_status_str(st));
            return st;
        }
    }
    return TERN_OK;
}

static int all_subscribed(int n)
{
    for (int i = 0; i < n; i++)
        if (!peers[i].subscribed) return 0;
    return 1;
}

static int all_received(int n)
{
    for (int i = 0; i < n; i++)
        if (!peers[i].received) return 0;
    return 1;
}

static void publish_round(int n)
{
    for (int i = 0; i < n; i++) {
        if (peers[i].published) continue;
        tern_publish m = {.topic = tern_str(peers[(i + 1) % n].topic), .payload = tern_str(peers[i].id), .qos = 1};
        if (tern_client_publish(&peers[i].client, &m, NULL) == TERN_OK) peers[i].published = 1;
    }
}

int main(int argc, char **argv)
{
    int n = argc > 3 ? atoi(argv[3]) : 3;
    if (argc < 3 || argc > 4 || n < 2 || n > MAX_CLIENTS) {
        fprintf(stderr, "usage: %s HOST PORT [CLIENTS 2..%d]\n", argv[0], MAX_CLIENTS);
        return 2;
    }
    for (int i = 0; i < n; i++)
        if (start(&peers[i], i, argv[1], (uint16_t)atoi(argv[2])) != TERN_OK) return 1;
    uint32_t deadline = tern_posix_now_ms(NULL) + 15000;
    while (!all_received(n)) {
        if ((int32_t)(tern_posix_now_ms(NULL) - deadline) > 0) {
            fprintf(stderr, "event_loop: timed out\n");
            return 1;
        }
        if (one_round(n) != TERN_OK) return 1;
        if (all_subscribed(n)) publish_round(n);
    }
    for (int i = 0; i < n; i++) tern_client_disconnect(&peers[i].client, 0);
    printf("all %d clients got their message\n", n);
    return 0;
}
