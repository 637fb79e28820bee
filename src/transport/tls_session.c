/* TLS session export and import, so that a device resumes after a reboot.
 *
 * An exported session is sealed in an envelope that only the holder of the application's key
 * can make:
 *   "TSES" | format 1 | verify level | binding (32) | n (2, big-endian) | wolfSSL session (n)
 *   | HMAC-SHA256 under the key of everything before it (32)
 * Import checks the envelope, then the MAC (in constant time), then that the session was
 * made under this very configuration (binding and verify level); only then do the session
 * bytes reach wolfSSL, whose parser must never see bytes that did not come from our export. */
#include <limits.h>
#include <string.h>

#include "tls_internal.h"
#include "tls_session_internal.h"

#include <wolfssl/wolfcrypt/hmac.h>

static const uint8_t MAGIC[4] = {'T', 'S', 'E', 'S'};
enum {
    FORMAT = 1,
    MAC_SIZE = WC_SHA256_DIGEST_SIZE,
    HEADER_SIZE = 4 + 1 + 1 + TERN_TLS_SESSION_BINDING_SIZE + 2,
    OVERHEAD = HEADER_SIZE + MAC_SIZE,
    MAX_SESSION = 0xffff
};

/* Clear memory that held secrets with stores the compiler may not remove. */
static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--) *v++ = 0;
}

/* 0 when equal; the time taken does not depend on where the bytes differ. */
static int differ(const uint8_t *a, const uint8_t *b, size_t n)
{
    volatile uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) acc |= (uint8_t)(a[i] ^ b[i]);
    return acc != 0;
}

static int seal(const uint8_t key[TERN_TLS_SESSION_KEY_SIZE], const uint8_t *data, size_t len,
                uint8_t mac[MAC_SIZE])
{
    Hmac h;
    int ok = wc_HmacInit(&h, NULL, INVALID_DEVID) == 0;
    ok = ok && wc_HmacSetKey(&h, WC_SHA256, key, TERN_TLS_SESSION_KEY_SIZE) == 0 &&
         wc_HmacUpdate(&h, data, (word32)len) == 0 && wc_HmacFinal(&h, mac) == 0;
    wc_HmacFree(&h);
    wipe(&h, sizeof h);
    return ok;
}

static void put_header(const tern_tls *t, uint8_t *out, size_t session_len)
{
    memcpy(out, MAGIC, sizeof MAGIC);
    out[4] = FORMAT;
    out[5] = tern_tls_verify_level(t);
    memcpy(out + 6, t->session_binding, TERN_TLS_SESSION_BINDING_SIZE);
    out[HEADER_SIZE - 2] = (uint8_t)(session_len >> 8);
    out[HEADER_SIZE - 1] = (uint8_t)session_len;
}

tern_status tern_tls_session_export(const tern_tls *t, const uint8_t key[TERN_TLS_SESSION_KEY_SIZE],
                                    uint8_t *buf, size_t cap, size_t *len)
{
    if (!t || !key || !len) return TERN_ERR_INVALID_ARG;
    WOLFSSL_SESSION *s = t->session;
    if (!s) return TERN_ERR_NOT_CONNECTED;
    int n = wolfSSL_i2d_SSL_SESSION(s, NULL);
    if (n <= 0 || n > MAX_SESSION) return TERN_ERR_TLS;
    *len = (size_t)n + OVERHEAD;
    if (!buf || cap < *len) return TERN_ERR_BUFFER_TOO_SMALL;
    put_header(t, buf, (size_t)n);
    unsigned char *p = buf + HEADER_SIZE;
    if (wolfSSL_i2d_SSL_SESSION(s, &p) != n || !seal(key, buf, HEADER_SIZE + (size_t)n, buf + HEADER_SIZE + n)) {
        wipe(buf, *len);
        return TERN_ERR_TLS;
    }
    return TERN_OK;
}

/* The envelope's own checks, before any byte of it is believed. */
static tern_status check_envelope(const tern_tls *t, const uint8_t key[TERN_TLS_SESSION_KEY_SIZE],
                                  const uint8_t *buf, size_t len)
{
    if (len < OVERHEAD || memcmp(buf, MAGIC, sizeof MAGIC) != 0 || buf[4] != FORMAT)
        return TERN_ERR_TLS_SESSION_AUTH;
    size_t n = (size_t)buf[HEADER_SIZE - 2] << 8 | buf[HEADER_SIZE - 1];
    if (n == 0 || len != n + OVERHEAD) return TERN_ERR_TLS_SESSION_AUTH;
    uint8_t mac[MAC_SIZE];
    if (!seal(key, buf, HEADER_SIZE + n, mac)) return TERN_ERR_TLS;
    int forged = differ(mac, buf + HEADER_SIZE + n, MAC_SIZE);
    wipe(mac, sizeof mac);
    if (forged) return TERN_ERR_TLS_SESSION_AUTH;
    /* Genuine, and made by this device: but for this server and this trust? */
    if (buf[5] != tern_tls_verify_level(t) ||
        memcmp(buf + 6, t->session_binding, TERN_TLS_SESSION_BINDING_SIZE) != 0)
        return TERN_ERR_TLS_SESSION_BINDING;
    return TERN_OK;
}

tern_status tern_tls_session_import(tern_tls *t, const uint8_t key[TERN_TLS_SESSION_KEY_SIZE],
                                    const uint8_t *buf, size_t len)
{
    if (!t || !key || !buf || len > LONG_MAX) return TERN_ERR_INVALID_ARG;
    tern_status st = check_envelope(t, key, buf, len);
    if (st == TERN_ERR_TLS_SESSION_AUTH)
        tern_tls_set_error(t, "TLS session refused: malformed, tampered with, or sealed under another key");
    else if (st == TERN_ERR_TLS_SESSION_BINDING)
        tern_tls_set_error(t, "TLS session refused: it was saved for another server or trust configuration");
    if (st != TERN_OK) return st;
    const unsigned char *p = buf + HEADER_SIZE;
    WOLFSSL_SESSION *s = wolfSSL_d2i_SSL_SESSION(NULL, &p, (long)(len - OVERHEAD));
    if (!s) {
        tern_tls_set_error(t, "TLS session refused: wolfSSL cannot read it");
        return TERN_ERR_TLS_SESSION_AUTH;
    }
    if (t->session) wolfSSL_SESSION_free(t->session);
    t->session = s;
    return TERN_OK;
}

void tern_tls_session_clear(tern_tls *t)
{
    if (t->session) wolfSSL_SESSION_free(t->session);
    t->session = NULL;
}
