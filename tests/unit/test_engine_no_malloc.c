/* Zero heap allocations in the core: from tern_client_init through connect, 10,000 publishes
 * at each QoS (acknowledged by the scripted peer) and disconnect, malloc is never called.
 * The plain build interposes malloc and friends; under AddressSanitizer (which owns malloc)
 * the sanitizer's allocation hooks count instead. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scripted_peer.h"

static volatile int counting;
static volatile long allocations;

#if defined(__SANITIZE_ADDRESS__)
/* From the sanitizer runtime (compiler-rt's allocator_interface.h; gcc ships no header). */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
static void count_malloc(const volatile void *p, size_t n)
{
    (void)p, (void)n;
    if (counting) allocations++;
}
static void ignore_free(const volatile void *p) { (void)p; }
static void install_counter(void) { __sanitizer_install_malloc_and_free_hooks(count_malloc, ignore_free); }
#else
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);
void free(void *p);
void *malloc(size_t n) { if (counting) allocations++; return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { if (counting) allocations++; return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { if (counting) allocations++; return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
static void install_counter(void) {}
#endif

#define SLOTS 4
static scripted_peer peer;
static tern_client client;
static tern_client_config cfg;
static uint8_t tx[512], rx[512], slot_mem[SLOTS][64];
static tern_inflight slots[SLOTS];
static uint16_t qos2[8];

static void reset_peer_buffers(void)
{
    peer.sent_len = peer.sent_pos = 0;
    peer.feed_len = peer.feed_pos = 0;
}

/* Publish SLOTS messages, acknowledge them all the way, repeat until n are done. */
static void publish_many(tern_mqtt_version v, uint8_t qos, int n)
{
    tern_publish m = {{(const uint8_t *)"bench/t", 7}, {(const uint8_t *)"0123456789abcdef", 16}, NULL, 0, qos, 0, 0};
    for (int done = 0; done < n;) {
        uint16_t ids[SLOTS];
        int batch = 0;
        for (; batch < SLOTS && done + batch < n; batch++)
            assert_int_equal(tern_client_publish(&client, &m, &ids[batch]), TERN_OK);
        peer_pump(&peer, &client);
        for (int i = 0; qos > 0 && i < batch; i++)
            peer_feed_ack(&peer, v, qos == 1 ? TERN_PUBACK : TERN_PUBREC, ids[i]);
        peer_pump(&peer, &client);
        for (int i = 0; qos == 2 && i < batch; i++) peer_feed_ack(&peer, v, TERN_PUBCOMP, ids[i]);
        peer_pump(&peer, &client);
        assert_int_equal(tern_client_inflight(&client), 0);
        reset_peer_buffers();
        done += batch;
    }
}

static void no_heap_allocation_from_init_to_disconnect(void **state)
{
    (void)state;
    install_counter();
    /* The counter itself must see an allocation, or a zero below would prove nothing. */
    allocations = 0;
    counting = 1;
    void *volatile probe = malloc(32);
    counting = 0;
    free(probe);
    assert_int_equal(allocations, 1);
    for (int vi = 0; vi < 1 + TERN_CFG_MQTT5; vi++) { /* 3.1.1 alone in a build without 5.0 */
        tern_mqtt_version v = vi ? TERN_MQTT_5 : TERN_MQTT_311;
        peer_init(&peer, PEER_ALL_AT_ONCE);
        memset(&cfg, 0, sizeof cfg);
        peer_transport(&peer, &cfg.transport);
        cfg.now_ms = peer_clock;
        cfg.clock_ctx = &peer;
        cfg.tx = tx;
        cfg.tx_cap = sizeof tx;
        cfg.rx = rx;
        cfg.rx_cap = sizeof rx;
        for (int i = 0; i < SLOTS; i++) slots[i] = (tern_inflight){slot_mem[i], sizeof slot_mem[i], 0, 0, 0, 0, 0};
        cfg.inflight = slots;
        cfg.inflight_count = SLOTS;
        cfg.inbound_qos2 = qos2;
        cfg.inbound_qos2_count = 8;
        tern_connect_options opts = {0};
        opts.version = v;
        opts.client_id = (tern_bytes){(const uint8_t *)"nomalloc", 8};
        opts.clean_start = 1;
        opts.keep_alive = 30;

        allocations = 0;
        counting = 1;
        assert_int_equal(tern_client_init(&client, &cfg), TERN_OK);
        assert_int_equal(tern_client_connect(&client, &opts), TERN_OK);
        peer_feed_connack(&peer, v, 0, 0);
        peer_pump(&peer, &client);
        assert_true(tern_client_is_connected(&client));
        reset_peer_buffers();
        for (uint8_t q = 0; q <= 2; q++) publish_many(v, q, 10000);
        assert_int_equal(tern_client_disconnect(&client, 0), TERN_OK);
        counting = 0;
        assert_int_equal(allocations, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_heap_allocation_from_init_to_disconnect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
