/* flow_check: a publisher and a persistent-session subscriber in one process, both on the
 * non-blocking core with auto-reconnect, exchanging COUNT sequence-numbered messages at one
 * QoS while the test restarts (or kills) the broker under them. Prints what arrived and exits
 * 0 only if every message arrived (QoS 1: at least once; QoS 2: exactly once).
 *
 * usage: flow_check PORT QOS COUNT VERSION(4|5) NAME [TIMEOUT_S] [options]
 *   --cafile FILE   connect over TLS (wolfSSL), trusting FILE
 *   --host HOST     connect to HOST (default 127.0.0.1)
 *   --rate N        publish at most N messages a second (so that the flow lasts while the
 *                   test injects its faults)
 *   --settle MS     once every message is acknowledged to the publisher, stop after MS of
 *                   silence at the subscriber even if some are missing (default: wait for
 *                   all until the timeout). A broker killed with SIGKILL may lose messages it
 *                   had acknowledged; the report then says which.
 *
 * Evidence for the test, on stderr (one line each):
 *   connect ROLE N at MS resumed R session-present S   every CONNACK (MS: CLOCK_MONOTONIC)
 *   duplicate message I packet-id P dup D               a message delivered more than once
 *   dupinfo message I packet-id P prev-id Q released R pub-id X  ...and what preceded it:
 *                   Q the id of the previous delivery, R 1 if the broker had sent PUBREL for Q
 *                   (it had declared the message finished) before the message came again, X
 *                   the publisher's packet id of the message (to find it in the broker's log)
 *   missing message I acked A pub-id P on-wire W        never delivered; A: PUBACK/PUBCOMP
 *                   reached the publisher; W: times the subscriber's socket saw it arrive
 *   idreuse message I packet-id P held-for J            the broker sent message I with an
 *                   id still held (PUBREC sent, no PUBREL yet) for message J
 *   ack-without-delivery packet-id P                    the subscriber acknowledged a
 *                   PUBLISH that was neither delivered nor held (must never happen)
 *   double-ack message I                                the publisher was told twice
 *   error ROLE STATUS                                   on_error (e.g. the inbound QoS 2 table
 *                   was full and forgot an id: TERN_ERR_RECEIVE_MAXIMUM)
 *   forgot packet-id P message I                        ...the id it forgot (the one that
 *                   arrived longest ago, as the engine keeps its table), and its message */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tern/client.h"
#include "tern/tcp.h"
#ifdef TERN_FLOW_TLS
#include "tern/tls.h"
#endif

#define SLOTS 16 /* 3.1.1 has no flow control: stay under mosquitto's default of 20 in flight */
#define SLOT_BYTES 256
#define QOS2_IDS 64 /* the subscriber's inbound QoS 2 table */

typedef struct {
    tern_tcp tcp;
#ifdef TERN_FLOW_TLS
    tern_tls tls;
#endif
    int use_tls;
    const char *role;
    unsigned resumed;
    tern_client client;
    tern_client_config cfg;
    tern_connect_options conn;
    uint8_t tx[8192], rx[8192];
    tern_inflight slots[SLOTS];
    uint8_t slot_mem[SLOTS][SLOT_BYTES];
    uint16_t qos2[QOS2_IDS];
    char id[64];
    unsigned connects;
    int want_subscribe;
} peer;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint32_t now_ms(void *ctx)
{
    (void)ctx;
    return (uint32_t)mono_ms();
}

#define NONE UINT32_MAX
static unsigned count, qos, *seen, acked, dropped;
static char topic[128];
static tern_mqtt_version mqtt_version;
/* Per message: times acknowledged to the publisher, its publisher packet id, times it arrived
 * on the subscriber's connection, whether the broker released (PUBREL) its last delivery. */
static unsigned *acks, *wire;
static uint16_t *pub_id;
static uint8_t *released;
static uint32_t *last_id;        /* subscriber packet id of its last delivery */
static uint32_t pub_msg[65536];  /* publisher packet id -> message */
/* Subscriber packet id -> the message delivered with it and awaiting PUBREL (QoS 2), and the
 * message of the last PUBLISH seen with that id and whether it was delivered. */
static uint32_t held[65536], last_in[65536];
static uint8_t last_in_delivered[65536];
static unsigned id_reuses, acks_without_delivery, double_acks;
/* The subscriber's inbound QoS 2 ids awaiting PUBREL in the order the engine keeps them
 * (oldest first; one more while on_error reports the one it forgets). */
static uint16_t table[QOS2_IDS + 1];
static unsigned table_n;

static void table_remove(unsigned at)
{
    memmove(table + at, table + at + 1, (table_n - at - 1u) * sizeof *table);
    table_n--;
}
static uint64_t last_delivery_ms;

static unsigned message_number(tern_bytes payload)
{
    char num[16];
    uint32_t n = payload.len < sizeof num - 1 ? payload.len : (uint32_t)sizeof num - 1;
    memcpy(num, payload.data, n);
    num[n] = 0;
    return (unsigned)strtoul(num, NULL, 10);
}

/* The subscriber's packets as they cross its connection: what arrived, what was released,
 * what was acknowledged. */
static void on_sub_trace(tern_client *c, int outgoing, const uint8_t *pkt, size_t len, void *user)
{
    (void)c;
    (void)user;
    uint8_t type = (uint8_t)(pkt[0] >> 4);
    if (!outgoing && type == TERN_PUBLISH) {
        tern_publish m;
        memset(&m, 0, sizeof m);
        if (tern_codec_decode_publish(pkt, len, mqtt_version, &m) != TERN_OK || m.qos == 0) return;
        unsigned i = message_number(m.payload);
        if (i >= count) return;
        wire[i]++;
        if (m.qos == 2 && held[m.packet_id] != NONE && held[m.packet_id] != i) {
            id_reuses++;
            fprintf(stderr, "idreuse message %u packet-id %u held-for %u\n", i, m.packet_id,
                    held[m.packet_id]);
        }
        last_in[m.packet_id] = i;
        last_in_delivered[m.packet_id] = 0;
    } else if (type == TERN_PUBREL || (outgoing && (type == TERN_PUBACK || type == TERN_PUBREC))) {
        tern_ack a;
        memset(&a, 0, sizeof a);
        if (tern_codec_decode_ack(pkt, len, mqtt_version, &a) != TERN_OK) return;
        uint16_t id = a.packet_id;
        if (type == TERN_PUBREL) {
            if (held[id] != NONE && last_id[held[id]] == id) released[held[id]] = 1;
            held[id] = NONE;
            for (unsigned k = 0; k < table_n; k++)
                if (table[k] == id) {
                    table_remove(k);
                    break;
                }
        } else if (!last_in_delivered[id] && !(type == TERN_PUBREC && held[id] != NONE)) {
            acks_without_delivery++;
            fprintf(stderr, "ack-without-delivery packet-id %u\n", id);
        }
    }
}

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    (void)c;
    (void)user;
    unsigned i = message_number(m->payload);
    last_delivery_ms = mono_ms();
    if (i >= count) return;
    seen[i]++;
    /* The test checks each duplicate against the broker's log: print what it needs. */
    if (seen[i] > 1) {
        fprintf(stderr, "duplicate message %u packet-id %u dup %u\n", i, m->packet_id, m->dup);
        fprintf(stderr, "dupinfo message %u packet-id %u prev-id %u released %u pub-id %u\n", i,
                m->packet_id, last_id[i], released[i], pub_id[i]);
    }
    if (m->qos > 0) {
        last_in_delivered[m->packet_id] = 1;
        last_id[i] = m->packet_id;
        released[i] = 0;
    }
    if (m->qos == 2) held[m->packet_id] = i;
    if (m->qos == 2 && table_n <= QOS2_IDS) table[table_n++] = m->packet_id;
}

static void on_connect(tern_client *c, tern_status st, const tern_connack *ack, void *user)
{
    peer *p = user;
    (void)c;
    (void)ack;
    if (st == TERN_OK) {
        p->connects++;
        p->want_subscribe = 1;
        int resumed = 0;
#ifdef TERN_FLOW_TLS
        if (p->use_tls) resumed = tern_tls_resumed(&p->tls);
#endif
        p->resumed += (unsigned)resumed;
        /* A new session starts with an empty table. */
        if (strcmp(p->role, "sub") == 0 && ack && !ack->session_present) table_n = 0;
        fprintf(stderr, "connect %s %u at %llu resumed %d session-present %u\n", p->role,
                p->connects, (unsigned long long)mono_ms(), resumed, ack ? ack->session_present : 0u);
    }
}

static void on_disconnect(tern_client *c, tern_status why, void *user)
{
    peer *p = user;
    (void)c;
    if (getenv("FLOW_DEBUG")) fprintf(stderr, "%s: connection ended: %s\n", p->id, tern_status_str(why));
}

static unsigned qos2_evictions;

static void on_error(tern_client *c, tern_status st, void *user)
{
    peer *p = user;
    (void)c;
    if (st == TERN_ERR_RECEIVE_MAXIMUM) qos2_evictions++;
    if (st == TERN_ERR_RECEIVE_MAXIMUM && table_n > 0) {
        fprintf(stderr, "forgot packet-id %u message %u\n", table[0], held[table[0]]);
        table_remove(0);
    }
    fprintf(stderr, "error %s %s\n", p->role, tern_status_name(st));
}

static void on_done(tern_client *c, uint16_t id, tern_status st, uint8_t reason, void *user)
{
    (void)c, (void)reason, (void)user;
    if (st == TERN_OK) acked++;
    else dropped++;
    uint32_t i = pub_msg[id];
    if (st == TERN_OK && i < count && ++acks[i] > 1) {
        double_acks++;
        fprintf(stderr, "double-ack message %u\n", i);
    }
}

static void peer_init(peer *p, const char *name, const char *role, const char *host, uint16_t port,
                      int version, const char *cafile)
{
    memset(p, 0, sizeof *p);
    p->role = role;
    snprintf(p->id, sizeof p->id, "%s-%s", name, role);
    if (cafile) {
#ifdef TERN_FLOW_TLS
        tern_tls_config tc;
        tern_tls_config_init(&tc);
        tc.ca_file = cafile;
        if (tern_tls_init(&p->tls, host, port, 2000, &tc) != TERN_OK) {
            fprintf(stderr, "flow_check: TLS: %s\n", tern_tls_error(&p->tls));
            exit(2);
        }
        tern_tls_transport(&p->tls, &p->cfg.transport);
        p->use_tls = 1;
#else
        fprintf(stderr, "flow_check: built without TLS\n");
        exit(2);
#endif
    } else {
        tern_tcp_init(&p->tcp, host, port, 2000);
        tern_tcp_transport(&p->tcp, &p->cfg.transport);
    }
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
    p->cfg.inbound_qos2_count = QOS2_IDS;
    p->cfg.cb.user = p;
    p->cfg.cb.on_message = on_message;
    p->cfg.cb.on_connect = on_connect;
    p->cfg.cb.on_publish_done = on_done;
    p->cfg.cb.on_disconnect = on_disconnect;
    p->cfg.cb.on_error = on_error;
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
        fprintf(stderr, "usage: flow_check PORT QOS COUNT VERSION NAME [TIMEOUT_S] [--cafile F] "
                        "[--host H] [--settle MS]\n");
        return 2;
    }
    uint16_t port = (uint16_t)atoi(argv[1]);
    qos = (unsigned)atoi(argv[2]);
    count = (unsigned)atoi(argv[3]);
    int version = atoi(argv[4]);
    unsigned timeout_s = argc > 6 && argv[6][0] != '-' ? (unsigned)atoi(argv[6]) : 60;
    const char *cafile = NULL, *host = "127.0.0.1";
    unsigned settle_ms = 0, rate = 0;
    for (int a = 6; a + 1 < argc; a++) {
        if (!strcmp(argv[a], "--cafile")) cafile = argv[++a];
        else if (!strcmp(argv[a], "--host")) host = argv[++a];
        else if (!strcmp(argv[a], "--settle")) settle_ms = (unsigned)atoi(argv[++a]);
        else if (!strcmp(argv[a], "--rate")) rate = (unsigned)atoi(argv[++a]);
    }
    mqtt_version = version == 5 ? TERN_MQTT_5 : TERN_MQTT_311;
    snprintf(topic, sizeof topic, "flow/%s", argv[5]);
    seen = calloc(count, sizeof *seen);
    acks = calloc(count, sizeof *acks);
    wire = calloc(count, sizeof *wire);
    pub_id = calloc(count, sizeof *pub_id);
    released = calloc(count, sizeof *released);
    last_id = calloc(count, sizeof *last_id);
    if (!seen || !acks || !wire || !pub_id || !released || !last_id) return 2;
    for (size_t k = 0; k < 65536; k++) pub_msg[k] = held[k] = last_in[k] = NONE;
    static peer sub, pub;
    peer_init(&sub, argv[5], "sub", host, port, version, cafile);
    sub.cfg.cb.on_trace = on_sub_trace;
    peer_init(&pub, argv[5], "pub", host, port, version, cafile);
    unsigned next = 0, subscribed_once = 0;
    uint64_t paced_from = 0;
    uint32_t start = now_ms(NULL);
    char payload[16];
    for (;;) {
        tern_client_poll(&sub.client);
        tern_client_poll(&pub.client);
        subscribe_if_needed(&sub);
        if (!subscribed_once && sub.connects && !sub.want_subscribe) subscribed_once = 1;
        if (subscribed_once && !paced_from) paced_from = mono_ms();
        while (subscribed_once && next < count) {
            if (rate && (uint64_t)next * 1000u >= (mono_ms() - paced_from) * rate) break;
            int n = snprintf(payload, sizeof payload, "%u", next);
            tern_publish m = {{(const uint8_t *)topic, (uint32_t)strlen(topic)},
                              {(const uint8_t *)payload, (uint32_t)n}, NULL, 0, (uint8_t)qos, 0, 0, NULL};
            uint16_t id = 0;
            if (tern_client_publish(&pub.client, &m, &id) != TERN_OK) break;
            pub_msg[id] = next;
            pub_id[next] = id;
            next++;
        }
        unsigned missing = 0, dups = 0;
        for (unsigned i = 0; i < count; i++) {
            missing += seen[i] == 0;
            dups += seen[i] > 1 ? seen[i] - 1 : 0;
        }
        int timed_out = now_ms(NULL) - start > timeout_s * 1000u;
        int all_acked = acked + dropped >= count;
        int settled = settle_ms && all_acked && mono_ms() - last_delivery_ms > settle_ms &&
                      tern_client_inflight(&sub.client) == 0;
        if ((missing == 0 && all_acked) || settled || timed_out) {
            for (unsigned i = 0; i < count && missing; i++)
                if (!seen[i])
                    fprintf(stderr, "missing message %u acked %u pub-id %u on-wire %u\n", i, acks[i],
                            pub_id[i], wire[i]);
            printf("published %u acked %u dropped %u received %u missing %u duplicates %u "
                   "pub_connects %u sub_connects %u pub_resumed %u sub_resumed %u id_reuses %u "
                   "acks_without_delivery %u double_acks %u qos2_evictions %u%s\n",
                   next, acked, dropped, count - missing, missing, dups, pub.connects, sub.connects,
                   pub.resumed, sub.resumed, id_reuses, acks_without_delivery, double_acks,
                   qos2_evictions, timed_out ? " TIMEOUT" : "");
            int ok = missing == 0 && dropped == 0 && !timed_out; /* duplicates: the test judges */
            return ok ? 0 : 1;
        }
        wait_sockets(&sub, &pub);
    }
}
