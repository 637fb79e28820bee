/* flow_check: a publisher and a persistent-session subscriber in one process, both on the
 * non-blocking core with auto-reconnect, exchanging COUNT sequence-numbered messages at one
 * QoS while the test restarts the broker under them. Prints what arrived and exits 0 only if
 * every message arrived (QoS 1: at least once; QoS 2: exactly once).
 *
 * usage: flow_check PORT QOS COUNT VERSION(4|5) NAME [TIMEOUT_S] */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tern/client.h"
#include "tern/tcp.h"

#define SLOTS 16 /* 3.1.1 has no flow control: stay under mosquitto's default of 20 in flight */
#define SLOT_BYTES 256

typedef struct {
    tern_tcp tcp;
    tern_client client;
    tern_client_config cfg;
    tern_connect_options conn;
    uint8_t tx[8192], rx[8192];
    tern_inflight slots[SLOTS];
    uint8_t slot_mem[SLOTS][SLOT_BYTES];
    uint16_t qos2[64];
    char id[64];
    unsigned connects;
    int want_subscribe;
} peer;

static uint32_t now_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static unsigned count, qos, *seen, acked, dropped;
static char topic[128];

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    (void)c;
    (void)user;
    char num[16];
    uint32_t n = m->payload.len < sizeof num - 1 ? m->payload.len : (uint32_t)sizeof num - 1;
    memcpy(num, m->payload.data, n);
    num[n] = 0;
    unsigned i = (unsigned)strtoul(num, NULL, 10);
    if (i < count) seen[i]++;
    /* The test checks each duplicate against the broker's log: print what it needs. */
    if (i < count && seen[i] > 1)
        fprintf(stderr, "duplicate message %u packet-id %u dup %u\n", i, m->packet_id, m->dup);
}

static void on_connect(tern_client *c, tern_status st, const tern_connack *ack, void *user)
{
    peer *p = user;
    (void)c;
    (void)ack;
    if (st == TERN_OK) {
        p->connects++;
        p->want_subscribe = 1;
    }
}

static void on_disconnect(tern_client *c, tern_status why, void *user)
{
    peer *p = user;
    (void)c;
    if (getenv("FLOW_DEBUG")) fprintf(stderr, "%s: connection ended: %s\n", p->id, tern_status_str(why));
}

static void on_done(tern_client *c, uint16_t id, tern_status st, uint8_t reason, void *user)
{
    (void)c, (void)id, (void)reason, (void)user;
    if (st == TERN_OK) acked++;
    else dropped++;
}

static void peer_init(peer *p, const char *name, const char *role, uint16_t port, int version)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s-%s", name, role);
    tern_tcp_init(&p->tcp, "127.0.0.1", port, 2000);
    tern_tcp_transport(&p->tcp, &p->cfg.transport);
    p->cfg.now_ms = now_ms;
    p->cfg.tx = p->tx;
    p->cfg.tx_cap = sizeof p->tx;
    p->cfg.rx = p->rx;
    p->cfg.rx_cap = sizeof p->rx;
    for (int i = 0; i < SLOTS; i++) {
        p->slots[i].packet = p->slot_mem[i];
        p->slots[i].cap = SLOT_BYTES;
    }
    p->cfg.inflight = p->slots;
    p->cfg.inflight_count = SLOTS;
    p->cfg.inbound_qos2 = p->qos2;
    p->cfg.inbound_qos2_count = 64;
    p->cfg.cb.user = p;
    p->cfg.cb.on_message = on_message;
    p->cfg.cb.on_connect = on_connect;
    p->cfg.cb.on_publish_done = on_done;
    p->cfg.cb.on_disconnect = on_disconnect;
    p->conn.version = version == 5 ? TERN_MQTT_5 : TERN_MQTT_311;
    p->conn.client_id.data = (const uint8_t *)p->id;
    p->conn.client_id.len = (uint32_t)strlen(p->id);
    p->conn.clean_start = 0;           /* persistent sessions on both sides */
    p->conn.session_expiry = 3600;
    p->conn.keep_alive = 5;
    p->conn.auto_reconnect = 1;
    p->conn.reconnect_min_ms = 50;
    p->conn.reconnect_max_ms = 400;
    tern_client_init(&p->client, &p->cfg);
    tern_client_connect(&p->client, &p->conn);
}

static void subscribe_if_needed(peer *p)
{
    if (!p->want_subscribe || !tern_client_is_connected(&p->client)) return;
    tern_subscription s = {{(const uint8_t *)topic, (uint32_t)strlen(topic)}, (uint8_t)qos};
    if (tern_client_subscribe(&p->client, &s, 1, NULL, NULL) == TERN_OK) p->want_subscribe = 0;
}

static void wait_sockets(peer *a, peer *b)
{
    struct pollfd fds[2];
    int n = 0;
    peer *ps[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        int fd = tern_client_socket(&ps[i]->client);
        if (fd < 0) continue;
        fds[n].fd = fd;
        fds[n].events = (short)(POLLIN | (tern_client_wants_write(&ps[i]->client) ? POLLOUT : 0));
        fds[n].revents = 0;
        n++;
    }
    poll(fds, (nfds_t)n, 5);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: flow_check PORT QOS COUNT VERSION NAME [TIMEOUT_S]\n");
        return 2;
    }
    uint16_t port = (uint16_t)atoi(argv[1]);
    qos = (unsigned)atoi(argv[2]);
    count = (unsigned)atoi(argv[3]);
    int version = atoi(argv[4]);
    unsigned timeout_s = argc > 6 ? (unsigned)atoi(argv[6]) : 60;
    snprintf(topic, sizeof topic, "flow/%s", argv[5]);
    seen = calloc(count, sizeof *seen);
    static peer sub, pub;
    peer_init(&sub, argv[5], "sub", port, version);
    peer_init(&pub, argv[5], "pub", port, version);
    unsigned next = 0, subscribed_once = 0;
    uint32_t start = now_ms(NULL);
    char payload[16];
    for (;;) {
        tern_client_poll(&sub.client);
        tern_client_poll(&pub.client);
        subscribe_if_needed(&sub);
        if (!subscribed_once && sub.connects && !sub.want_subscribe) subscribed_once = 1;
        while (subscribed_once && next < count) {
            int n = snprintf(payload, sizeof payload, "%u", next);
            tern_publish m = {{(const uint8_t *)topic, (uint32_t)strlen(topic)},
                              {(const uint8_t *)payload, (uint32_t)n}, NULL, 0, (uint8_t)qos, 0, 0};
            if (tern_client_publish(&pub.client, &m, NULL) != TERN_OK) break;
            next++;
        }
        unsigned missing = 0, dups = 0;
        for (unsigned i = 0; i < count; i++) {
            missing += seen[i] == 0;
            dups += seen[i] > 1 ? seen[i] - 1 : 0;
        }
        int timed_out = now_ms(NULL) - start > timeout_s * 1000u;
        if ((missing == 0 && acked + dropped == count) || timed_out) {
            printf("published %u acked %u dropped %u received %u missing %u duplicates %u "
                   "pub_connects %u sub_connects %u%s\n",
                   next, acked, dropped, count - missing, missing, dups, pub.connects, sub.connects,
                   timed_out ? " TIMEOUT" : "");
            int ok = missing == 0 && dropped == 0 && !timed_out; /* duplicates: the test judges */
            return ok ? 0 : 1;
        }
        wait_sockets(&sub, &pub);
    }
}
