/* The TLS session import path fed hostile bytes. First byte even: the rest is offered as an
 * envelope as it is. Odd: a genuine envelope (sealed at start-up under the fuzzer's key) is
 * edited by the rest, taken as (offset, xor) byte pairs and, for an odd count, a final
 * length to cut it to. Nothing may crash or read out of bounds, and the only bytes ever
 * accepted are the genuine envelope's, unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "tern/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t KEY[TERN_TLS_SESSION_KEY_SIZE] = "fuzzer's sealing key, 32 bytes.";
static tern_tls tls;
static uint8_t genuine[4096];
static size_t genuine_len;

/* A transport that trusts nothing (no files) holding an empty session, sealed into genuine. */
static void seal_genuine(void)
{
    tern_tls_config cfg;
    tern_tls_config_init(&cfg);
    cfg.insecure_skip_verify = 1;
    if (tern_tls_init(&tls, "broker.example", 8883, 1000, &cfg) != TERN_OK) abort();
    tls.session = wolfSSL_SESSION_new();
    if (!tls.session ||
        tern_tls_session_export(&tls, KEY, genuine, sizeof genuine, &genuine_len) != TERN_OK)
        abort();
}

/* genuine with data's edits applied, into out; its length. */
static size_t edited(const uint8_t *data, size_t size, uint8_t *out)
{
    size_t len = genuine_len;
    memcpy(out, genuine, len);
    for (size_t i = 0; i + 1 < size; i += 2) out[data[i] % len] ^= data[i + 1];
    if (size % 2) len = data[size - 1] % (len + 1);
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!genuine_len) seal_genuine();
    if (size == 0) return 0;
    static uint8_t buf[sizeof genuine];
    const uint8_t *offer = data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        len = edited(data + 1, size - 1, buf);
        offer = buf;
    }
    tern_status st = tern_tls_session_import(&tls, KEY, offer, len);
    int is_genuine = len == genuine_len && memcmp(offer, genuine, len) == 0;
    if ((st == TERN_OK) != is_genuine) abort();
    return 0;
}
