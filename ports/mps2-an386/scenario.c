/* The device's MQTT scenario (see scenario.h). Memory is all static: the client, its buffers
 * and slots; tern itself never allocates. */
#include "scenario.h"

#include <string.h>

#include "board.h"
#include "log.h"
#include "tern/client.h"
#include "tern/config.h"
#include "uart_transport.h"

#define STEP_TIMEOUT_MS 30000u
#define TOPIC_PREFIX "tern/device/"

static uint8_t tx[1024], rx[1024], slot_mem[4][256];
static tern_inflight slots[4] = {{slot_mem[0], 256, 0, 0, 0, 0, 0}, {slot_mem[1], 256, 0, 0, 0, 0, 0},
                                 {slot_mem[2], 256, 0, 0, 0, 0, 0}, {slot_mem[3], 256, 0, 0, 0, 0, 0}};
static uint16_t qos2_ids[8];
static tern_client_config cfg;
static tern_client client;
static tern_connect_options opts;

static struct {
    unsigned received_mask; /* bit n: the QoS n message came back */
    unsigned subacks, connects, disconnects;
} seen;

static uint32_t now_ms(void *ctx)
{
    (void)ctx;
    return board_now_ms();
}

static void on_message(tern_client *c, const tern_publish *msg, void *user)
{
    (void)c;
    (void)user;
    static const char expected[] = "qos ?";
    if (msg->payload.len == sizeof expected - 1 && memcmp(msg->payload.data, "qos ", 4) == 0) {
        unsigned qos = (unsigned)(msg->payload.data[4] - '0');
        if (qos <= 2 && qos == msg->qos) seen.received_mask |= 1u << qos;
    }
    dev_log("received %.*s: %.*s (QoS %u)", (int)msg->topic.len, (const char *)msg->topic.data,
            (int)msg->payload.len, (const char *)msg->payload.data, msg->qos);
}

static void on_connect(tern_client *c, tern_status st, const tern_connack *ack, void *user)
{
    (void)c;
    (void)user;
    dev_log("CONNACK: status %d, reason 0x%02x", (int)st, ack ? ack->reason_code : 0u);
    if (st == TERN_OK) seen.connects++;
}

static void on_disconnect(tern_client *c, tern_status why, void *user)
{
    (void)c;
    (void)user;
    dev_log("connection ended: status %d", (int)why);
    seen.disconnects++;
}

static void on_suback(tern_client *c, uint8_t type, const tern_suback *ack, void *user)
{
    (void)c;
    (void)user;
    if (type == TERN_SUBACK && ack->count == 1 && ack->codes[0] == 2) seen.subacks++;
}

static int connected(void) { return tern_client_is_connected(&client); }

/* Drive the client until done() or the step's time is up. */
static int run_until(int (*done)(void))
{
    uint32_t start = board_now_ms();
    while (!done()) {
        if (board_now_ms() - start >= STEP_TIMEOUT_MS) return 0;
        (void)tern_client_run(&client, 20);
    }
    return 1;
}

static unsigned subacks_wanted, mask_wanted, connects_wanted;
static int subscribed(void) { return seen.subacks >= subacks_wanted; }
static int all_received(void) { return (seen.received_mask & mask_wanted) == mask_wanted; }
static int reconnected(void) { return connected() && seen.connects >= connects_wanted; }

static int subscribe(void)
{
    static const tern_subscription sub = {{(const uint8_t *)TOPIC_PREFIX "+", sizeof TOPIC_PREFIX "+" - 1}, 2};
    subacks_wanted = seen.subacks + 1;
    return tern_client_subscribe(&client, &sub, 1, NULL, NULL) == TERN_OK && run_until(subscribed);
}

/* Publish "qos N" to TOPIC_PREFIX "qN" for each QoS in the mask; wait until each comes back. */
static int publish_and_receive(unsigned mask)
{
    static char topics[3][sizeof TOPIC_PREFIX "q0"], payloads[3][6];
    seen.received_mask = 0;
    mask_wanted = mask;
    for (unsigned qos = 0; qos <= 2; qos++) {
        if (!(mask & (1u << qos))) continue;
        memcpy(topics[qos], TOPIC_PREFIX "q0", sizeof topics[qos]);
        topics[qos][sizeof topics[qos] - 2] = (char)('0' + qos);
        memcpy(payloads[qos], "qos 0", 6);
        payloads[qos][4] = (char)('0' + qos);
        tern_publish msg = {0};
        msg.topic = (tern_bytes){(const uint8_t *)topics[qos], sizeof topics[qos] - 1};
        msg.payload = (tern_bytes){(const uint8_t *)payloads[qos], 5};
        msg.qos = (uint8_t)qos;
        if (tern_client_publish(&client, &msg, NULL) != TERN_OK) return 0;
    }
    return run_until(all_received) && tern_client_wait_idle(&client, STEP_TIMEOUT_MS) == TERN_OK;
}

static int connect_broker(const scenario_hooks *hooks, const char *label)
{
    if (hooks && hooks->before_connect) hooks->before_connect(label);
    connects_wanted = seen.connects + 1;
    if (tern_client_connect(&client, &opts) != TERN_OK || !run_until(reconnected)) return 0;
    if (hooks && hooks->after_connect) hooks->after_connect(label);
    return 1;
}

static int disconnect(void)
{
    unsigned before = seen.disconnects;
    return tern_client_disconnect(&client, 0) == TERN_OK && seen.disconnects > before;
}

/* The broker closes the connection (the runner restarts it); the keep-alive finds out and
 * tern reconnects by itself. */
static int survive_broker_close(const scenario_hooks *hooks)
{
    unsigned before = seen.disconnects;
    connects_wanted = seen.connects + 1;
    dev_log("ACTION restart-broker");
    if (hooks && hooks->before_connect) hooks->before_connect("after_broker_close");
    uint32_t start = board_now_ms();
    while (!(seen.disconnects > before && reconnected())) {
        if (board_now_ms() - start >= 2 * STEP_TIMEOUT_MS) return 0;
        (void)tern_client_run(&client, 20);
    }
    if (hooks && hooks->after_connect) hooks->after_connect("after_broker_close");
    return 1;
}

static void configure(const tern_transport *transport)
{
    cfg.transport = *transport;
    cfg.now_ms = now_ms;
    cfg.tx = tx;
    cfg.tx_cap = sizeof tx;
    cfg.rx = rx;
    cfg.rx_cap = sizeof rx;
    cfg.inflight = slots;
    cfg.inflight_count = 4;
    cfg.inbound_qos2 = qos2_ids;
    cfg.inbound_qos2_count = 8;
    cfg.cb.on_message = on_message;
    cfg.cb.on_connect = on_connect;
    cfg.cb.on_disconnect = on_disconnect;
    cfg.cb.on_suback = on_suback;
    opts.version = TERN_CFG_MQTT5 ? TERN_MQTT_5 : TERN_MQTT_311; /* minimal: 3.1.1 only */
    opts.client_id = (tern_bytes){(const uint8_t *)"tern-mps2-an386", 15};
    opts.clean_start = 1;
    opts.auto_reconnect = 1;
    /* Short, because the UART cannot tell a lost link: the keep-alive has to. */
    opts.keep_alive = 2;
    opts.connect_timeout_ms = 3000;
    opts.reconnect_min_ms = 300;
    opts.reconnect_max_ms = 2000;
}

int scenario_run(const tern_transport *transport, const scenario_hooks *hooks)
{
    configure(transport);
    if (tern_client_init(&client, &cfg) != TERN_OK) return 1;
    dev_log("step 1: connect");
    if (!connect_broker(hooks, "first")) return 1;
    dev_log("step 2: subscribe " TOPIC_PREFIX "+ at QoS 2");
    if (!subscribe()) return 2;
    dev_log("step 3: publish at QoS 0, 1 and 2; receive each back");
    if (!publish_and_receive(7)) return 3;
    dev_log("step 4: disconnect");
    if (!disconnect()) return 4;
    dev_log("step 5: connect again, subscribe, publish at QoS 1");
    if (!connect_broker(hooks, "again") || !subscribe() || !publish_and_receive(2)) return 5;
    dev_log("step 6: the broker closes the connection; reconnect");
    if (!survive_broker_close(hooks) || !subscribe() || !publish_and_receive(4)) return 6;
    dev_log("step 7: disconnect");
    if (!disconnect()) return 7;
    return 0;
}

int scenario_brief(const tern_transport *transport, const scenario_hooks *hooks)
{
    configure(transport);
    if (tern_client_init(&client, &cfg) != TERN_OK) return 1;
    if (!connect_broker(hooks, "brief")) return 1;
    if (!subscribe()) return 2;
    if (!publish_and_receive(7)) return 3;
    return disconnect() ? 0 : 4;
}

int scenario_finish(int failed_step)
{
    dev_log("MEASURE uart_bytes_sent %lu", (unsigned long)uart_bytes_sent());
    dev_log("MEASURE uart_bytes_received %lu", (unsigned long)uart_bytes_received());
    dev_log("MEASURE stack_peak_bytes %lu", (unsigned long)board_stack_peak());
    if (failed_step)
        dev_log("FAILED at step %d", failed_step);
    else
        dev_log("PASSED");
    return failed_step;
}

tern_client *scenario_connect(const tern_transport *transport, tern_route *routes,
                              uint16_t route_count)
{
    configure(transport);
    cfg.routes = routes;
    cfg.route_count = route_count;
    if (tern_client_init(&client, &cfg) != TERN_OK || !connect_broker(NULL, "fw")) return NULL;
    return &client;
}
