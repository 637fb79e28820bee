/* script_client: a small client on the library for the scripted-broker tests, for flows the
 * tern CLI cannot show (reconnect with a resumed session, several QoS 1/2 messages in flight,
 * topic aliases). Prints one line per event on stdout:
 *   connected session_present=N | disconnected STATUS | done id=N STATUS reason=0xNN |
 *   message topic=T qos=N dup=N payload=P | error STATUS | result ok | result fail: STATUS
 *
 * usage: script_client PORT VERSION(4|5) [-i id] [-c] [-r] [-k keepalive] [-a aliases]
 *                      [-q qos] [-n count] [-t topic] [-s filter] [-C count] [-W secs]
 *   -c: clean_start = 0   -r: auto_reconnect (100..400 ms backoff)
 *   -a: N inbound and N outbound topic aliases (MQTT 5)
 *   -n: publish count messages "m0".."mN-1" at -q on -t, all queued as fast as slots allow
 *   -s: subscribe to filter at -q; -C: then wait for count messages */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/client.h"
#include "tern/tcp.h"

#define SLOTS 4
#define ALIASES 4

static tern_tcp tcp;
static tern_client client;
static tern_client_config cfg;
static tern_connect_options conn;
static uint8_t tx[4096], rx[4096], slot_mem[SLOTS][512];
static tern_inflight slots[SLOTS];
static uint16_t qos2[16];
static tern_topic_alias in_alias[ALIASES], out_alias[ALIASES];
static uint8_t in_alias_mem[ALIASES][128], out_alias_mem[ALIASES][128];
static long done_ok, received;

static void on_connect(tern_client *c, tern_status st, const tern_connack *ack, void *user)
{
    (void)c;
    (void)user;
    if (st == TERN_OK) printf("connected session_present=%u\n", ack->session_present);
    else printf("refused reason=0x%02x\n", ack->reason_code);
    fflush(stdout);
}

static void on_disconnect(tern_client *c, tern_status why, void *user)
{
    (void)c;
    (void)user;
    printf("disconnected %s\n", tern_status_name(why));
    fflush(stdout);
}

static void on_done(tern_client *c, uint16_t id, tern_status st, uint8_t reason, void *user)
{
    (void)c;
    (void)user;
    if (st == TERN_OK) done_ok++;
    printf("done id=%u %s reason=0x%02x\n", id, tern_status_name(st), reason);
    fflush(stdout);
}

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    (void)c;
    (void)user;
    received++;
    printf("message topic=%.*s qos=%u dup=%u payload=%.*s\n", (int)m->topic.len,
           (const char *)m->topic.data, m->qos, m->dup, (int)m->payload.len, (const char *)m->payload.data);
    fflush(stdout);
}

static void on_error(tern_client *c, tern_status st, void *user)
{
    (void)c;
    (void)user;
    printf("error %s\n", tern_status_name(st));
    fflush(stdout);
}

static int fail(tern_status st)
{
    printf("result fail: %s\n", tern_status_name(st));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: script_client PORT VERSION [options]\n");
        return 2;
    }
    const char *id = "script-client", *topic = "t", *filter = NULL;
    int qos = 0, aliases = 0;
    long count = 0, want = 0, secs = 10;
    memset(&conn, 0, sizeof conn);
    conn.clean_start = 1;
    conn.keep_alive = 60;
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "0";
        if (!strcmp(a, "-c")) { conn.clean_start = 0; continue; }
        if (!strcmp(a, "-r")) { conn.auto_reconnect = 1; continue; }
        i++;
        if (!strcmp(a, "-i")) id = v;
        else if (!strcmp(a, "-k")) conn.keep_alive = (uint16_t)atoi(v);
        else if (!strcmp(a, "-a")) aliases = atoi(v) > ALIASES ? ALIASES : atoi(v);
        else if (!strcmp(a, "-q")) qos = atoi(v);
        else if (!strcmp(a, "-n")) count = atol(v);
        else if (!strcmp(a, "-t")) topic = v;
        else if (!strcmp(a, "-s")) filter = v;
        else if (!strcmp(a, "-C")) want = atol(v);
        else if (!strcmp(a, "-W")) secs = atol(v);
        else {
            fprintf(stderr, "script_client: unknown option %s\n", a);
            return 2;
        }
    }
    conn.version = atoi(argv[2]) == 5 ? TERN_MQTT_5 : TERN_MQTT_311;
    conn.client_id.data = (const uint8_t *)id;
    conn.client_id.len = (uint32_t)strlen(id);
    conn.reconnect_min_ms = 100;
    conn.reconnect_max_ms = 400;
    conn.connect_timeout_ms = 5000;

    tern_tcp_init(&tcp, "127.0.0.1", (uint16_t)atoi(argv[1]), 5000);
    tern_tcp_transport(&tcp, &cfg.transport);
    cfg.now_ms = tern_posix_now_ms;
    cfg.tx = tx;
    cfg.tx_cap = sizeof tx;
    cfg.rx = rx;
    cfg.rx_cap = sizeof rx;
    for (int i = 0; i < SLOTS; i++) {
        slots[i].packet = slot_mem[i];
        slots[i].cap = sizeof slot_mem[i];
    }
    cfg.inflight = slots;
    cfg.inflight_count = SLOTS;
    cfg.inbound_qos2 = qos2;
    cfg.inbound_qos2_count = 16;
    for (int i = 0; i < ALIASES; i++) {
        in_alias[i].topic = in_alias_mem[i];
        in_alias[i].cap = sizeof in_alias_mem[i];
        out_alias[i].topic = out_alias_mem[i];
        out_alias[i].cap = sizeof out_alias_mem[i];
    }
    cfg.topic_aliases = in_alias;
    cfg.topic_alias_count = (uint16_t)aliases;
    cfg.out_topic_aliases = out_alias;
    cfg.out_topic_alias_count = (uint16_t)aliases;
    cfg.cb.on_connect = on_connect;
    cfg.cb.on_disconnect = on_disconnect;
    cfg.cb.on_publish_done = on_done;
    cfg.cb.on_message = on_message;
    cfg.cb.on_error = on_error;
    if (tern_client_init(&client, &cfg) != TERN_OK) return fail(TERN_ERR_INVALID_ARG);

    uint32_t limit = (uint32_t)secs * 1000u, start = tern_posix_now_ms(NULL);
    tern_status st = tern_client_connect_wait(&client, &conn, limit);
    if (st != TERN_OK) return fail(st);
    if (filter) {
        tern_subscription sub = {{(const uint8_t *)filter, (uint32_t)strlen(filter)}, (uint8_t)qos};
        st = tern_client_subscribe(&client, &sub, 1, NULL, NULL);
        if (st != TERN_OK) return fail(st);
    }
    char payload[32];
    for (long i = 0; i < count; i++) {
        snprintf(payload, sizeof payload, "m%ld", i);
        tern_publish m;
        memset(&m, 0, sizeof m);
        m.topic.data = (const uint8_t *)topic;
        m.topic.len = (uint32_t)strlen(topic);
        m.payload.data = (const uint8_t *)payload;
        m.payload.len = (uint32_t)strlen(payload);
        m.qos = (uint8_t)qos;
        for (;;) {
            st = tern_client_publish(&client, &m, NULL);
            if (st != TERN_ERR_BUSY && st != TERN_WOULD_BLOCK && st != TERN_ERR_NOT_CONNECTED) break;
            if (tern_posix_now_ms(NULL) - start >= limit) return fail(TERN_ERR_TIMEOUT);
            st = tern_client_run(&client, 20);
            if (st != TERN_OK) return fail(st);
        }
        if (st != TERN_OK) return fail(st);
    }
    uint32_t used = tern_posix_now_ms(NULL) - start;
    st = tern_client_wait_idle(&client, used < limit ? limit - used : 1);
    if (st != TERN_OK) return fail(st);
    while (received < want) {
        used = tern_posix_now_ms(NULL) - start;
        if (used >= limit) return fail(TERN_ERR_TIMEOUT);
        st = tern_client_run(&client, 50);
        if (st != TERN_OK) return fail(st);
    }
    if (qos && done_ok != count) return fail(TERN_ERR_SESSION_LOST);
    tern_client_disconnect(&client, 0);
    printf("result ok\n");
    return 0;
}
