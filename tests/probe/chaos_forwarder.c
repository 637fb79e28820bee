/* Probe: forward in/# -> out/# at QoS q with tiny buffers, holding when busy, disconnecting from
 * on_message every K messages and reconnecting from on_disconnect (persistent session).
 *   chaos_fwd HOST PORT V(4|5) QOS N K TXCAP RXCAP SLOTS */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tern/client.h"
#include "tern/tcp.h"

static uint32_t now_ms(void *ctx) { (void)ctx; struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u); }

static long n_want, every, taken, held, lost, acked, done_err, disconnects, reconnects, errors, subacks, connects;
static int qos, quitting;
static long in_pub, out_ack, max_window, in_other;
static tern_connect_options opts;
static tern_subscription sub;

static void on_connect(tern_client *c, tern_status st, const tern_connack *ack, void *u)
{ (void)u; connects++; if (st != TERN_OK) { fprintf(stderr, "connack: %s\n", tern_status_str(st)); return; }
  if (!ack->session_present) { tern_status s = tern_client_subscribe(c, &sub, 1, NULL, NULL);
    if (s) fprintf(stderr, "subscribe: %s\n", tern_status_str(s)); } }
static void on_suback(tern_client *c, uint8_t t, const tern_suback *a, void *u) { (void)c; (void)t; (void)a; (void)u; subacks++; puts("subscribed"); fflush(stdout); }
static void on_message(tern_client *c, const tern_publish *m, void *u)
{
    (void)u; if (getenv("HOLD_ALL")) { tern_status h = tern_client_hold(c); if (h) fprintf(stderr, "hold: %s\n", tern_status_str(h)); else held++; return; }
    char topic[128]; int tl = snprintf(topic, sizeof topic, "out/%.*s", (int)m->topic.len - 3, (const char *)m->topic.data + 3);
    tern_publish out = {{(const uint8_t *)topic, (uint32_t)tl}, m->payload, NULL, 0, (uint8_t)qos, 0, 0, NULL};
    tern_status st = tern_client_publish(c, &out, NULL);
    if (st == TERN_ERR_BUSY || st == TERN_WOULD_BLOCK) { tern_status h = tern_client_hold(c); if (h == TERN_OK) { held++; return; }
        { static int dumped; if (!dumped++) { const uint8_t *b = c->cfg->rx; uint32_t at = 0, n[16] = {0};
            while (at + 2 <= c->rx_len) { uint32_t rl = 0, mul = 1, i = 1; while (b[at+i] & 0x80) { rl += (b[at+i] & 0x7f) * mul; mul *= 128; i++; } rl += b[at+i] * mul; i++;
              if (at + i + rl > c->rx_len) break; n[b[at] >> 4]++; if ((b[at]>>4)==3) { uint32_t tl = (uint32_t)(b[at+i]<<8 | b[at+i+1]); uint32_t q = at+i+2+tl; fprintf(stderr, "  pkt flags=%x id=%u payload=%.*s\n", b[at]&15, (unsigned)(b[q]<<8|b[q+1]), (int)(rl-2-tl-2), (const char*)b+q+2); } at += i + rl; }
            fprintf(stderr, "DUMP rx_len=%u held_len=%u parsed=%u publish=%u puback=%u other=%u msgs_taken=%ld out_acks_so_far=%ld\n", c->rx_len, c->held_len, at, n[3], n[4], n[2]+n[9]+n[13], taken, out_ack); } }
        fprintf(stderr, "LOST %.*s\n", (int)m->payload.len, (const char *)m->payload.data); lost++; fprintf(stderr, "lost: pub %s, hold %s, held_now %d\n", tern_status_str(st), tern_status_str(h), tern_client_held(c)); return; }
    if (st != TERN_OK) { lost++; fprintf(stderr, "lost(pub): %s\n", tern_status_str(st)); return; }
    taken++; fprintf(stderr, "OK %.*s\n", (int)m->payload.len, (const char *)m->payload.data);
    if (every && taken % every == 0) { disconnects++; tern_status d = tern_client_disconnect(c, 0);
        if (d) fprintf(stderr, "disconnect from on_message: %s\n", tern_status_str(d)); }
}
static void on_disconnect(tern_client *c, tern_status why, void *u)
{ (void)u; if (quitting) return; if (why != TERN_OK) fprintf(stderr, "on_disconnect: %s\n", tern_status_str(why));
  reconnects++; tern_status s = tern_client_connect(c, &opts); if (s) fprintf(stderr, "reconnect from on_disconnect: %s\n", tern_status_str(s)); }
static void on_done(tern_client *c, uint16_t id, tern_status st, uint8_t r, void *u)
{ (void)c; (void)id; (void)r; (void)u; if (st == TERN_OK) acked++; else { done_err++; fprintf(stderr, "publish_done: %s\n", tern_status_str(st)); } }
static void on_trace(tern_client *c, int outgoing, const uint8_t *pk, size_t len, void *u)
{ (void)c; (void)u; (void)len; uint8_t t = pk[0] >> 4;
  if (!outgoing && t == 3) in_pub++; else if (outgoing && (t == 4 || t == 5)) out_ack++; else if (!outgoing) in_other++;
  if (in_pub - out_ack > max_window) max_window = in_pub - out_ack; }
static void on_error(tern_client *c, tern_status st, void *u) { (void)c; (void)u; errors++; fprintf(stderr, "on_error: %s\n", tern_status_str(st)); }

int main(int argc, char **argv)
{
    if (argc != 10) return 2;
    uint32_t txcap = (uint32_t)atoi(argv[7]), rxcap = (uint32_t)atoi(argv[8]); uint16_t slots = (uint16_t)atoi(argv[9]);
    qos = atoi(argv[4]); n_want = atol(argv[5]); every = atol(argv[6]);
    uint8_t *tx = malloc(txcap), *rx = malloc(rxcap);
    tern_inflight *inf = calloc(slots, sizeof *inf);
    for (unsigned i = 0; i < slots; i++) { inf[i].packet = malloc(256); inf[i].cap = 256; }
    static uint16_t q2[8];
    tern_tcp tcp; tern_client_config cfg = {.now_ms = now_ms, .tx = tx, .tx_cap = txcap, .rx = rx, .rx_cap = rxcap,
        .inflight = inf, .inflight_count = slots, .inbound_qos2 = q2, .inbound_qos2_count = 8};
    cfg.cb.on_message = on_message; cfg.cb.on_connect = on_connect; cfg.cb.on_suback = on_suback;
    cfg.cb.on_disconnect = on_disconnect; cfg.cb.on_publish_done = on_done; cfg.cb.on_error = on_error; cfg.cb.on_trace = on_trace;
    tern_tcp_init(&tcp, argv[1], (uint16_t)atoi(argv[2]), 5000); tern_tcp_transport(&tcp, &cfg.transport);
    opts = (tern_connect_options){.version = atoi(argv[3]) == 5 ? TERN_MQTT_5 : TERN_MQTT_311,
        .client_id = tern_str(getenv("CID") ? getenv("CID") : "chaos-fwd"), .clean_start = 0, .keep_alive = 30, .session_expiry = 3600, .auto_reconnect = 1};
    sub = (tern_subscription){.filter = tern_str("in/#"), .options = (uint8_t)qos};
    tern_client c; tern_status st = tern_client_init(&c, &cfg);
    if (st == TERN_OK) st = tern_client_connect_wait(&c, &opts, 5000);
    time_t start = time(NULL);
    while (time(NULL) - start < (getenv("DUR") ? atoi(getenv("DUR")) : 60) && !(taken >= n_want && tern_client_inflight(&c) == 0)) {
        st = tern_client_run(&c, 200);
        if (st != TERN_OK && st != TERN_ERR_TIMEOUT && st != TERN_WOULD_BLOCK) { fprintf(stderr, "run: %s\n", tern_status_str(st)); }
    }
    quitting = 1;
    printf("trace: in_pub=%ld out_ack=%ld max_unacked_window=%ld in_other=%ld rx_len=%u held_len=%u\n", in_pub, out_ack, max_window, in_other, c.rx_len, c.held_len);
    printf("taken=%ld held=%ld lost=%ld acked=%ld done_err=%ld disconnects=%ld reconnects=%ld connects=%ld subacks=%ld errors=%ld inflight=%u\n",
           taken, held, lost, acked, done_err, disconnects, reconnects, connects, subacks, errors, tern_client_inflight(&c));
    tern_client_disconnect(&c, 0); tern_client_run(&c, 500);
    return 0;
}
