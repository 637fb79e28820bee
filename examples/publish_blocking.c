/* The smallest useful tern program: connect, publish one QoS 1 message, wait for its PUBACK,
 * disconnect. Everything the client needs is handed in: no malloc anywhere.
 *
 *   publish_blocking HOST PORT TOPIC MESSAGE */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/client.h"
#include "tern/tcp.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s HOST PORT TOPIC MESSAGE\n", argv[0]);
        return 2;
    }
    static uint8_t tx[1024], rx[1024], slot_mem[2][512];
    static tern_inflight slots[2] = {{slot_mem[0], sizeof slot_mem[0], 0, 0, 0, 0, 0},
                                     {slot_mem[1], sizeof slot_mem[1], 0, 0, 0, 0, 0}};
    static uint16_t qos2_ids[8];
    tern_tcp tcp;
    tern_client_config cfg = {0};
    tern_tcp_init(&tcp, argv[1], (uint16_t)atoi(argv[2]), 5000);
    tern_tcp_transport(&tcp, &cfg.transport);
    cfg.now_ms = tern_posix_now_ms;
    cfg.tx = tx;
    cfg.tx_cap = sizeof tx;
    cfg.rx = rx;
    cfg.rx_cap = sizeof rx;
    cfg.inflight = slots;
    cfg.inflight_count = 2;
    cfg.inbound_qos2 = qos2_ids;
    cfg.inbound_qos2_count = 8;

    tern_client client;
    tern_connect_options opts = {0};
    opts.version = TERN_MQTT_5;
    opts.client_id.data = (const uint8_t *)"example-publisher";
    opts.client_id.len = (uint32_t)strlen("example-publisher");
    opts.clean_start = 1;
    opts.keep_alive = 30;

    tern_publish msg = {0};
    msg.topic.data = (const uint8_t *)argv[3];
    msg.topic.len = (uint32_t)strlen(argv[3]);
    msg.payload.data = (const uint8_t *)argv[4];
    msg.payload.len = (uint32_t)strlen(argv[4]);
    msg.qos = 1;

    tern_status st = tern_client_init(&client, &cfg);
    if (st == TERN_OK) st = tern_client_connect_wait(&client, &opts, 5000);
    if (st == TERN_OK) st = tern_client_publish(&client, &msg, NULL);
    if (st == TERN_OK) st = tern_client_wait_idle(&client, 5000); /* until the PUBACK */
    if (st != TERN_OK) {
        fprintf(stderr, "publish failed: %s\n", tern_status_str(st));
        return 1;
    }
    tern_client_disconnect(&client, 0);
    puts("published and acknowledged");
    return 0;
}
