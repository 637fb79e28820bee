/* A forwarder: subscribes to sensors/+/temp, and for every reading "<seq> <celsius>" publishes
 * "<seq> <fahrenheit>" on derived/<sensor>/temp_f, from inside on_message. Fixed memory: the
 * buffers below, nothing else. When no in-flight slot is free for the derived value, the
 * reading is held (tern_client_hold): not acknowledged, offered again once a slot frees, while
 * the broker waits. Nothing is lost; if the receive buffer ever fills with held readings, the
 * hold is refused and the reading is reported lost on stderr, never dropped silently.
 *
 *   forward HOST PORT [VERSION 311|5] [QOS 1|2] [COUNT] [RX_BYTES]
 *
 * Runs until COUNT derived values are acknowledged (default: forever), then prints
 * "received R forwarded F held H lost L" on stdout. Prints "subscribed" once the broker has
 * taken the subscription. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tern/client.h"
#include "tern/tcp.h"

/* The memory budget. The receive buffer holds the readings held back. A broker that keeps its
 * in-flight limit (MQTT 5: our Receive Maximum, half of QOS2_IDS) sends no more than that many
 * unacknowledged, so that many readings and an ack behind them are enough. mosquitto 2.0.11
 * does not keep it toward a client that also publishes: there the buffer must hold what the
 * broker sends beyond it. RX_BYTES on the command line: the receive buffer used (default 2048,
 * at most RX_MAX). */
enum { TX_BYTES = 1024, RX_DEFAULT = 2048, RX_MAX = 65536, SLOTS = 8, SLOT_BYTES = 96, QOS2_IDS = 40 };

typedef struct {
    uint8_t qos;
    unsigned long received, forwarded, acked, held, lost;
    time_t last_activity;
} forwarder;

static const tern_subscription sensors = {{(const uint8_t *)"sensors/+/temp", 14}, 1};

/* A new session has no subscriptions: (re)subscribe whenever the broker did not keep ours. */
static void on_connect(tern_client *c, tern_status st, const tern_connack *ack, void *user)
{
    forwarder *f = user;
    if (st != TERN_OK || ack->session_present) return;
    tern_subscription sub = sensors;
    sub.options = f->qos;
    tern_status s = tern_client_subscribe(c, &sub, 1, NULL, NULL);
    if (s != TERN_OK) fprintf(stderr, "forward: subscribe: %s\n", tern_status_str(s));
}

static void on_suback(tern_client *c, uint8_t type, const tern_suback *ack, void *user)
{
    (void)c, (void)user;
    if (type != TERN_SUBACK) return;
    if (ack->count == 1 && ack->codes[0] < 0x80) {
        puts("subscribed");
        fflush(stdout);
    } else {
        fprintf(stderr, "forward: subscription refused\n");
    }
}

/* derived/<sensor>/temp_f from sensors/<sensor>/temp; 0 when the topic does not fit. */
static size_t derived_topic(const tern_publish *m, char *out, size_t cap)
{
    const char *t = (const char *)m->topic.data;
    size_t sensor_len = m->topic.len - strlen("sensors/") - strlen("/temp");
    int n = snprintf(out, cap, "derived/%.*s/temp_f", (int)sensor_len, t + strlen("sensors/"));
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    forwarder *f = user;
    char reading[32], topic[96], value[48];
    size_t n = m->payload.len < sizeof reading - 1 ? m->payload.len : sizeof reading - 1;
    memcpy(reading, m->payload.data, n);
    reading[n] = 0;
    unsigned long seq = 0;
    double celsius = 0;
    size_t topic_len = derived_topic(m, topic, sizeof topic);
    if (sscanf(reading, "%lu %lf", &seq, &celsius) != 2 || topic_len == 0) {
        fprintf(stderr, "forward: not a reading: %s\n", reading);
        return;
    }
    int value_len = snprintf(value, sizeof value, "%lu %.2f", seq, celsius * 9.0 / 5.0 + 32.0);
    tern_publish out = {{(const uint8_t *)topic, (uint32_t)topic_len},
                        {(const uint8_t *)value, (uint32_t)value_len}, NULL, 0, f->qos, 0, 0, NULL};
    tern_status st = tern_client_publish(c, &out, NULL);
    f->last_activity = time(NULL);
    if (st == TERN_OK) {
        f->received++;
        f->forwarded++;
        return;
    }
    if (st == TERN_ERR_BUSY || st == TERN_WOULD_BLOCK) {
        tern_status h = tern_client_hold(c); /* no slot now: give it to me again later */
        if (h == TERN_OK) {
            f->held++;
            return;
        }
        st = h;
    }
    f->received++;
    f->lost++;
    fprintf(stderr, "forward: reading %lu from %.*s lost: %s\n", seq, (int)m->topic.len,
            (const char *)m->topic.data, tern_status_str(st));
}

static void on_publish_done(tern_client *c, uint16_t id, tern_status st, uint8_t reason, void *user)
{
    (void)c, (void)id, (void)reason;
    forwarder *f = user;
    if (st == TERN_OK) f->acked++;
    else fprintf(stderr, "forward: a derived value was not delivered: %s\n", tern_status_str(st));
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 7) {
        fprintf(stderr, "usage: %s HOST PORT [VERSION 311|5] [QOS 1|2] [COUNT] [RX_BYTES]\n", argv[0]);
        return 2;
    }
    static uint8_t tx[TX_BYTES], rx[RX_MAX], slot_mem[SLOTS][SLOT_BYTES];
    static tern_inflight slots[SLOTS];
    static uint16_t qos2_ids[QOS2_IDS];
    static forwarder f;
    f.qos = (uint8_t)(argc > 4 ? atoi(argv[4]) : 1);
    unsigned long count = argc > 5 ? strtoul(argv[5], NULL, 10) : 0;
    unsigned long rx_bytes = argc > 6 ? strtoul(argv[6], NULL, 10) : RX_DEFAULT;
    if (rx_bytes < 256 || rx_bytes > RX_MAX) rx_bytes = RX_DEFAULT;
    for (int i = 0; i < SLOTS; i++) slots[i] = (tern_inflight){slot_mem[i], SLOT_BYTES, 0, 0, 0, 0, 0};

    tern_tcp tcp;
    tern_client_config cfg = {0};
    tern_tcp_init(&tcp, argv[1], (uint16_t)atoi(argv[2]), 5000);
    tern_tcp_transport(&tcp, &cfg.transport);
    cfg.now_ms = tern_posix_now_ms;
    cfg.tx = tx, cfg.tx_cap = sizeof tx;
    cfg.rx = rx, cfg.rx_cap = (uint32_t)rx_bytes;
    cfg.inflight = slots, cfg.inflight_count = SLOTS;
    cfg.inbound_qos2 = qos2_ids, cfg.inbound_qos2_count = QOS2_IDS;
    cfg.cb = (tern_callbacks){.user = &f, .on_connect = on_connect, .on_suback = on_suback,
                              .on_message = on_message, .on_publish_done = on_publish_done};

    tern_connect_options opts = {0};
    opts.version = argc > 3 && !strcmp(argv[3], "311") ? TERN_MQTT_311 : TERN_MQTT_5;
    opts.client_id = (tern_bytes){(const uint8_t *)"tern-forward", 12};
    opts.clean_start = 1;
    opts.keep_alive = 30;
    opts.auto_reconnect = 1;

    tern_client client;
    tern_status st = tern_client_init(&client, &cfg);
    if (st == TERN_OK) st = tern_client_connect_wait(&client, &opts, 10000);
    if (st != TERN_OK) {
        fprintf(stderr, "forward: connect: %s\n", tern_status_str(st));
        return 1;
    }
    f.last_activity = time(NULL);
    while (!count || f.acked + f.lost < count) {
        (void)tern_client_run(&client, 200); /* auto_reconnect rides through a lost connection */
        if (count && time(NULL) - f.last_activity > 60) break; /* nothing for a minute: give up */
    }
    tern_client_disconnect(&client, 0);
    printf("received %lu forwarded %lu held %lu lost %lu\n", f.received, f.forwarded, f.held, f.lost);
    return f.lost || (count && f.acked + f.lost < count) ? 1 : 0;
}
