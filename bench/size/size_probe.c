/* The program `make size` links to measure what an application really carries: it calls
 * connect, subscribe, publish, run and disconnect over a do-nothing transport. Built with
 * --gc-sections, so only what these calls reach is counted. */
#include "tern/client.h"

static uint32_t probe_clock(void *ctx) { (void)ctx; return 0; }
static int32_t probe_send(void *ctx, const uint8_t *b, size_t n) { (void)ctx; (void)b; return (int32_t)n; }
static int32_t probe_recv(void *ctx, uint8_t *b, size_t n) { (void)ctx; (void)b; (void)n; return 0; }
static tern_status probe_wait(void *ctx, int w, uint32_t ms) { (void)ctx; (void)w; (void)ms; return TERN_OK; }

static uint8_t tx[256], rx[256], slot_mem[2][128];
static tern_inflight slots[2] = {{slot_mem[0], 128, 0, 0, 0, 0, 0}, {slot_mem[1], 128, 0, 0, 0, 0, 0}};
static uint16_t qos2[2];
static tern_client client;

int main(void)
{
    tern_client_config cfg = {0};
    cfg.transport.send = probe_send;
    cfg.transport.recv = probe_recv;
    cfg.transport.wait = probe_wait;
    cfg.now_ms = probe_clock;
    cfg.tx = tx;
    cfg.tx_cap = sizeof tx;
    cfg.rx = rx;
    cfg.rx_cap = sizeof rx;
    cfg.inflight = slots;
    cfg.inflight_count = 2;
    cfg.inbound_qos2 = qos2;
    cfg.inbound_qos2_count = 2;
    tern_connect_options opts = {0};
    opts.version = TERN_MQTT_311;
    opts.client_id.data = (const uint8_t *)"probe";
    opts.client_id.len = 5;
    opts.keep_alive = 60;
    tern_subscription sub = {{(const uint8_t *)"a/#", 3}, 1};
    tern_publish msg = {{(const uint8_t *)"a/b", 3}, {(const uint8_t *)"hi", 2}, 0, 0, 1, 0, 0};
    tern_client_init(&client, &cfg);
    tern_client_connect_wait(&client, &opts, 1000);
    tern_client_subscribe(&client, &sub, 1, 0, 0);
    tern_client_publish(&client, &msg, 0);
    tern_client_run(&client, 100);
    tern_client_disconnect(&client, 0);
    return 0;
}
