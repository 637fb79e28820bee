/* MQTT over TLS 1.3 over the UART: the scenario with the broker's certificate checked
 * against a CA held in flash and its name checked ("localhost"), the reconnect resuming the
 * TLS session; then a connection with a pre-shared key. Each handshake is measured: the
 * instructions spent in it (QEMU -icount: 1 instruction = 1 ns of the CPU's clock; the
 * transport never sleeps inside open(), so its time is all computing), the bytes each way over
 * the UART and the most heap wolfSSL held. */
#include <stdint.h>

#include "board.h"
#include "log.h"
#include "scenario.h"
#include "tern/tls.h"
#include "tls_glue.h"
#include "uart_transport.h"

/* The test CA, DER, generated with the test broker's certificates (Makefile: test_ca.c). */
extern const unsigned char device_test_ca[];
extern const unsigned int device_test_ca_len;

/* TEST VALUES: the runner gives mosquitto the same identity and key. */
#define PSK_IDENTITY "tern-device"
#define PSK_HEX "00112233445566778899aabbccddeeff"

static tern_tls tls;
static tern_transport tls_io, uart_io;

/* The handshake under way: it starts when the UART's open() succeeds (each attempt anew: an
 * attempt that timed out is not part of the next one) and ends when the TLS open() does. */
static struct {
    const char *label;
    int running;
    uint64_t ns;
    uint32_t sent_before, received_before;
} handshake;

static tern_status link_open(void *ctx)
{
    tern_status st = uart_io.open(ctx);
    if (st == TERN_OK) {
        handshake.running = 1;
        handshake.ns = 0;
        handshake.sent_before = uart_bytes_sent();
        handshake.received_before = uart_bytes_received();
        tls_glue_heap_peak_reset();
    }
    return st;
}

/* The TLS transport's open(), timed: the handshake runs inside it. Calls made while the link
 * below was still being redialled are not the handshake's. */
static tern_status measured_open(void *ctx)
{
    uint64_t start = board_now_ns();
    tern_status st = tls_io.open(ctx);
    if (handshake.running) handshake.ns += board_now_ns() - start;
    if (st == TERN_WOULD_BLOCK) return st;
    handshake.running = 0;
    if (st != TERN_OK) {
        dev_log("TLS handshake failed: %s", tern_tls_error(&tls));
        return st;
    }
    const char *l = handshake.label;
    dev_log("TLS handshake (%s): %s, %s, %s", l, tern_tls_version(&tls), tern_tls_cipher(&tls),
            tern_tls_resumed(&tls) ? "resumed" : "full");
    dev_log("MEASURE handshake_%s_instructions %lu", l, (unsigned long)handshake.ns);
    dev_log("MEASURE handshake_%s_bytes_sent %lu", l,
            (unsigned long)(uart_bytes_sent() - handshake.sent_before));
    dev_log("MEASURE handshake_%s_bytes_received %lu", l,
            (unsigned long)(uart_bytes_received() - handshake.received_before));
    dev_log("MEASURE handshake_%s_resumed %d", l, tern_tls_resumed(&tls));
    dev_log("MEASURE handshake_%s_heap_peak_bytes %lu", l, (unsigned long)tls_glue_heap_peak());
    return st;
}

static void label_next(const char *label) { handshake.label = label; }
static void label_psk(const char *label)
{
    (void)label;
    handshake.label = "psk";
}

static int run_over_tls(const tern_tls_config *cfg, int full)
{
    tern_transport link;
    uart_transport(&uart_io);
    link = uart_io;
    link.open = link_open;
    if (tern_tls_init_over(&tls, &link, "localhost", cfg) != TERN_OK) {
        dev_log("TLS init failed: %s", tern_tls_error(&tls));
        return 10;
    }
    tern_tls_transport(&tls, &tls_io);
    tern_transport measured = tls_io;
    measured.open = measured_open;
    static const scenario_hooks hooks = {label_next, NULL};
    static const scenario_hooks psk_hooks = {label_psk, NULL};
    int failed = full ? scenario_run(&measured, &hooks) : scenario_brief(&measured, &psk_hooks);
    tern_tls_deinit(&tls);
    return failed;
}

/* The broker's certificate is for "localhost": asked to reach another name, the device must
 * refuse the handshake (before any MQTT byte). Returns 1 when it did. */
static int refuses_wrong_name(const tern_tls_config *cfg)
{
    tern_transport link;
    uart_transport(&link);
    if (tern_tls_init_over(&tls, &link, "broker.example.com", cfg) != TERN_OK) return 0;
    tern_tls_transport(&tls, &tls_io);
    tern_status st;
    uint32_t start = board_now_ms();
    while ((st = tls_io.open(tls_io.ctx)) == TERN_WOULD_BLOCK && board_now_ms() - start < 30000u)
        (void)tls_io.wait(tls_io.ctx, 0, 10);
    dev_log("TLS to the wrong name: status %d: %s", (int)st, tern_tls_error(&tls));
    tls_io.close(tls_io.ctx);
    tern_tls_deinit(&tls);
    return st != TERN_OK && st != TERN_WOULD_BLOCK;
}

int main(void)
{
    board_init();
    dev_log("tern on mps2-an386: MQTT over TLS over the UART");
    if (tls_glue_init() != 0) return 20;
    tern_tls_config cfg;
    tern_tls_config_init(&cfg);
    cfg.ca_buf = device_test_ca;
    cfg.ca_len = device_test_ca_len;
    cfg.min_version = TERN_TLS_V1_3;
    int failed = refuses_wrong_name(&cfg) ? 0 : 30;
    /* What wolfSSL holds after a connection (its globals); from then on
     * every connection must give back all it took. */
    dev_log("MEASURE heap_after_first_connection %lu", (unsigned long)tls_glue_heap_now());
    if (!failed) failed = run_over_tls(&cfg, 1);
    if (!failed) {
        dev_log("TLS-PSK: connect with a pre-shared key to a PSK broker");
        dev_log("ACTION psk-broker");
        tern_tls_config_init(&cfg);
        cfg.psk_identity = PSK_IDENTITY;
        cfg.psk_hex = PSK_HEX;
        cfg.min_version = TERN_TLS_V1_3;
        failed = run_over_tls(&cfg, 0);
        if (failed) failed += 100;
    }
    dev_log("MEASURE heap_at_end %lu", (unsigned long)tls_glue_heap_now());
    dev_log("MEASURE heap_peak_bytes_max %lu", (unsigned long)tls_glue_heap_peak_ever());
    dev_log("MEASURE heap_arena_bytes %lu", (unsigned long)board_heap_arena());
    return scenario_finish(failed);
}
