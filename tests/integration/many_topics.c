/* many_topics: the shape of application most examples on the web have -- subscribe to many
 * topics, one call each, then publish more messages than there are in-flight slots -- written
 * against tern the two ways it can be driven, to show what each does with its fixed tables.
 *
 * usage: many_topics PORT VERSION(4|5) MODE(event|blocking) TOPICS MESSAGES NAME
 *   event     the external event loop API; on_connect subscribes in a loop, one filter a call,
 *             until a call says TERN_ERR_BUSY (TERN_SUBS_IN_FLIGHT requests await their
 *             SUBACK), and goes on from on_suback as acks free entries (the idiom client.h
 *             documents). Publishes at QoS 1 from the loop, going on from on_publish_done
 *             after TERN_ERR_BUSY.
 *   blocking  tern_client_connect_wait, then tern_client_subscribe_wait once per filter and
 *             tern_client_publish_wait once per message: plain loops, no status to retry.
 * Every message goes to one of the topics (round robin) and comes back to this client.
 * Prints, on stdout: "first_busy B subscribed S subacks A granted G published P busy_publish
 * U received R topics_heard T" (B: index of the first subscribe call that said BUSY, -1 for
 * none) and exits 0 when every message came back on every topic, 1 otherwise. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/client.h"
#include "tern/tcp.h"

#define MAX_TOPICS 64
#define SLOTS 4
#define SLOT_BYTES 256

static struct {
    tern_client client;
    tern_tcp tcp;
    tern_client_config cfg;
    tern_connect_options conn;
    uint8_t tx[1024], rx[4096];
    tern_inflight slots[SLOTS];
    uint8_t slot_mem[SLOTS][SLOT_BYTES];
    uint16_t qos2[16];
    char names[MAX_TOPICS][96];
    unsigned topics, messages, next_sub, next_pub;
    int first_busy;
    unsigned subscribed, subacks, granted, published, busy_publish, received, done;
    unsigned heard[MAX_TOPICS];
} app;

static tern_subscription filter(unsigned i)
{
    tern_subscription s = {{(const uint8_t *)app.names[i], (uint32_t)strlen(app.names[i])}, 1};
    return s;
}

/* Subscribe from where we are until every filter is asked for or the engine says BUSY. */
static void subscribe_more(tern_client *c)
{
    while (app.next_sub < app.topics) {
        tern_subscription s = filter(app.next_sub);
        tern_status st = tern_client_subscribe(c, &s, 1, NULL, NULL);
        if (st == TERN_ERR_BUSY || st == TERN_WOULD_BLOCK) {
            if (app.first_busy < 0) app.first_busy = (int)app.next_sub;
            return; /* on_suback goes on */
        }
        if (st != TERN_OK) {
            fprintf(stderr, "subscribe %u: %s\n", app.next_sub, tern_status_str(st));
            exit(1);
        }
        app.next_sub++;
        app.subscribed++;
    }
}

static tern_publish message(unsigned n)
{
    static char payload[16];
    unsigned t = n % app.topics;
    snprintf(payload, sizeof payload, "%u", n);
    tern_publish m = {.topic = {(const uint8_t *)app.names[t], (uint32_t)strlen(app.names[t])},
                      .payload = {(const uint8_t *)payload, (uint32_t)strlen(payload)}, .qos = 1};
    return m;
}

/* Event loop: publish until every message is out or the engine says BUSY. */
static void publish_more(tern_client *c)
{
    while (app.subacks == app.topics && app.next_pub < app.messages) {
        tern_publish m = message(app.next_pub);
        tern_status st = tern_client_publish(c, &m, NULL);
        if (st == TERN_ERR_BUSY || st == TERN_WOULD_BLOCK) {
            app.busy_publish++;
            return; /* on_publish_done goes on */
        }
        if (st != TERN_OK) {
            fprintf(stderr, "publish %u: %s\n", app.next_pub, tern_status_str(st));
            exit(1);
        }
        app.next_pub++;
        app.published++;
    }
}

static int event_mode;

static void on_connect(tern_client *c, tern_status st, const tern_connack *ack, void *user)
{
    (void)ack;
    (void)user;
    if (st != TERN_OK) {
        fprintf(stderr, "connect: %s\n", tern_status_str(st));
        exit(1);
    }
    if (event_mode) subscribe_more(c);
}

static void on_suback(tern_client *c, uint8_t type, const tern_suback *ack, void *user)
{
    (void)user;
    if (type != TERN_SUBACK) return;
    app.subacks++;
    for (uint16_t i = 0; i < ack->count; i++) app.granted += ack->codes[i] < 0x80;
    if (event_mode) {
        subscribe_more(c);
        publish_more(c);
    }
}

static void on_publish_done(tern_client *c, uint16_t id, tern_status st, uint8_t reason, void *user)
{
    (void)id;
    (void)reason;
    (void)user;
    if (st != TERN_OK) {
        fprintf(stderr, "publish done: %s\n", tern_status_str(st));
        exit(1);
    }
    app.done++;
    if (event_mode) publish_more(c);
}

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    (void)c;
    (void)user;
    for (unsigned t = 0; t < app.topics; t++)
        if (m->topic.len == strlen(app.names[t]) && memcmp(m->topic.data, app.names[t], m->topic.len) == 0)
            app.heard[t]++;
    app.received++;
}

static int finished(void) { return app.received >= app.messages && app.done == app.messages; }

/* The external event loop: poll the socket, hand readiness and time to the engine. */
static int run_event_loop(uint32_t deadline)
{
    tern_client *c = &app.client;
    if (tern_client_connect(c, &app.conn) != TERN_OK) return 1;
    while (!finished() && (int32_t)(deadline - tern_posix_now_ms(NULL)) > 0) {
        struct pollfd p = {tern_client_socket(c), POLLIN, 0};
        if (tern_client_wants_write(c)) p.events |= POLLOUT;
        uint32_t wait = tern_client_next_timeout_ms(c);
        int timeout = wait > 100 ? 100 : (int)wait;
        tern_status st = TERN_OK;
        if (p.fd < 0) {
            st = tern_client_tick(c); /* opening: the first tick opens the socket */
        } else if (poll(&p, 1, timeout) > 0) {
            if (p.revents & (POLLIN | POLLERR | POLLHUP)) st = tern_client_on_readable(c);
            if (st == TERN_OK && (p.revents & POLLOUT)) st = tern_client_on_writable(c);
        }
        if (st == TERN_OK) st = tern_client_tick(c);
        if (st != TERN_OK) {
            fprintf(stderr, "event loop: %s\n", tern_status_str(st));
            return 1;
        }
    }
    return 0;
}

/* The blocking layer: plain loops. The calls that find room return at once without reading,
 * so the SUBACKs wait in the socket: the call after TERN_SUBS_IN_FLIGHT of them, and the
 * publish after SLOTS messages, can only succeed by waiting (plain tern_client_subscribe and
 * tern_client_publish would say TERN_ERR_BUSY there). */
static int run_blocking(uint32_t deadline)
{
    tern_client *c = &app.client;
    tern_status st = tern_client_connect_wait(c, &app.conn, 10000);
    for (unsigned i = 0; st == TERN_OK && i < app.topics; i++) {
        tern_subscription s = filter(i);
        st = tern_client_subscribe_wait(c, &s, 1, NULL, NULL, 10000);
        app.subscribed += st == TERN_OK;
    }
    while (st == TERN_OK && app.subacks < app.topics && (int32_t)(deadline - tern_posix_now_ms(NULL)) > 0)
        st = tern_client_run(c, 50);
    for (unsigned n = 0; st == TERN_OK && n < app.messages; n++) {
        tern_publish m = message(n);
        st = tern_client_publish_wait(c, &m, NULL, 10000);
        app.published += st == TERN_OK;
    }
    while (st == TERN_OK && !finished() && (int32_t)(deadline - tern_posix_now_ms(NULL)) > 0)
        st = tern_client_run(c, 50);
    if (st != TERN_OK) fprintf(stderr, "blocking: %s\n", tern_status_str(st));
    return st != TERN_OK;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: many_topics PORT VERSION MODE TOPICS MESSAGES NAME\n");
        return 2;
    }
    app.topics = (unsigned)atoi(argv[4]);
    app.messages = (unsigned)atoi(argv[5]);
    if (app.topics == 0 || app.topics > MAX_TOPICS) return 2;
    event_mode = strcmp(argv[3], "event") == 0;
    app.first_busy = -1;
    for (unsigned i = 0; i < app.topics; i++) snprintf(app.names[i], sizeof app.names[i], "%s/t%u", argv[6], i);
    tern_tcp_init(&app.tcp, "127.0.0.1", (uint16_t)atoi(argv[1]), 5000);
    tern_tcp_transport(&app.tcp, &app.cfg.transport);
    app.cfg.now_ms = tern_posix_now_ms;
    app.cfg.tx = app.tx;
    app.cfg.tx_cap = sizeof app.tx;
    app.cfg.rx = app.rx;
    app.cfg.rx_cap = sizeof app.rx;
    for (int i = 0; i < SLOTS; i++) {
        app.slots[i].packet = app.slot_mem[i];
        app.slots[i].cap = SLOT_BYTES;
    }
    app.cfg.inflight = app.slots;
    app.cfg.inflight_count = SLOTS;
    app.cfg.inbound_qos2 = app.qos2;
    app.cfg.inbound_qos2_count = 16;
    app.cfg.cb = (tern_callbacks){.on_message = on_message, .on_connect = on_connect,
                                  .on_suback = on_suback, .on_publish_done = on_publish_done};
    app.conn.version = atoi(argv[2]) == 5 ? TERN_MQTT_5 : TERN_MQTT_311;
    app.conn.client_id = (tern_bytes){(const uint8_t *)argv[6], (uint32_t)strlen(argv[6])};
    app.conn.clean_start = 1;
    app.conn.keep_alive = 30;
    if (tern_client_init(&app.client, &app.cfg) != TERN_OK) return 2;
    uint32_t deadline = tern_posix_now_ms(NULL) + 60000u;
    int failed = event_mode ? run_event_loop(deadline) : run_blocking(deadline);
    unsigned topics_heard = 0;
    for (unsigned t = 0; t < app.topics; t++) topics_heard += app.heard[t] > 0;
    printf("first_busy %d subscribed %u subacks %u granted %u published %u busy_publish %u "
           "received %u topics_heard %u\n", app.first_busy, app.subscribed, app.subacks, app.granted,
           app.published, app.busy_publish, app.received, topics_heard);
    (void)tern_client_disconnect(&app.client, 0);
    return failed || !finished() || topics_heard != app.topics;
}
