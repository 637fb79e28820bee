/* TLS transport: wolfSSL over any tern_transport, non-blocking from end to end. wolfSSL reads
 * and writes through its custom I/O callbacks over t->lower (so bytes are counted and "would
 * block" passes straight through as WANT_READ / WANT_WRITE); wolfSSL's WANT_READ / WANT_WRITE
 * become the transport's 0 = would block. */
#include <limits.h>
#include <string.h>

#include "tls_internal.h"
#include "tls_session_internal.h"

#include <wolfssl/error-ssl.h>

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    tern_tls *t = ctx;
    int32_t n = t->lower.recv(t->lower.ctx, (uint8_t *)buf, (size_t)sz);
    if (n > 0) t->bytes_received += (uint64_t)n;
    if (n > 0) return n;
    if (n == 0) return WOLFSSL_CBIO_ERR_WANT_READ;
    return n == -(int32_t)TERN_ERR_CLOSED ? WOLFSSL_CBIO_ERR_CONN_CLOSE : WOLFSSL_CBIO_ERR_GENERAL;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    tern_tls *t = ctx;
    int32_t n = t->lower.send(t->lower.ctx, (const uint8_t *)buf, (size_t)sz);
    if (n > 0) t->bytes_sent += (uint64_t)n;
    if (n > 0) return n;
    if (n == 0) return WOLFSSL_CBIO_ERR_WANT_WRITE;
    return n == -(int32_t)TERN_ERR_CLOSED ? WOLFSSL_CBIO_ERR_CONN_CLOSE : WOLFSSL_CBIO_ERR_GENERAL;
}

/* Keep the session of the open connection (with its TLS 1.3 ticket once it has arrived). */
static void keep_session(tern_tls *t)
{
    WOLFSSL_SESSION *s = wolfSSL_get1_session(t->ssl);
    if (!s) return;
    if (t->session) wolfSSL_SESSION_free(t->session);
    t->session = s;
    t->session_fresh = 1;
}

static void tls_close(void *ctx)
{
    tern_tls *t = ctx;
    if (t->ssl) {
        if (t->state == TLS_OPEN) {
            keep_session(t);
            (void)wolfSSL_shutdown(t->ssl); /* close_notify, best effort: never waits */
        }
        wolfSSL_free(t->ssl);
        t->ssl = NULL;
    }
    t->lower.close(t->lower.ctx);
    t->state = TLS_CLOSED;
    t->want_write = 0;
}

static void end_psk_retry(tern_tls *t);

/* A connection that failed: close it and return why. */
static tern_status failed(tern_tls *t, int err)
{
    tern_status st = tern_tls_failure(t, err, t->state != TLS_OPEN);
    tls_close(t);
    end_psk_retry(t);
    return st;
}

static tern_status new_connection(tern_tls *t)
{
    t->ssl = wolfSSL_new(t->ctx);
    if (!t->ssl) {
        tern_tls_set_error(t, "out of memory for the TLS connection");
        return TERN_ERR_TLS;
    }
    wolfSSL_set_ex_data(t->ssl, 0, t);
    t->psk_tls12_asked = 0;
    wolfSSL_SetCertCbCtx(t->ssl, t);
    wolfSSL_SSLSetIORecv(t->ssl, io_recv);
    wolfSSL_SSLSetIOSend(t->ssl, io_send);
    wolfSSL_SetIOReadCtx(t->ssl, t);
    wolfSSL_SetIOWriteCtx(t->ssl, t);
    int ok = 1;
    size_t name_len = strlen(t->server_name);
    if (!t->is_ip && name_len) ok &= wolfSSL_UseSNI(t->ssl, WOLFSSL_SNI_HOST_NAME, t->server_name, (word16)name_len) == WOLFSSL_SUCCESS;
    if (t->alpn[0])
        ok &= wolfSSL_UseALPN(t->ssl, t->alpn, (unsigned)strlen(t->alpn), WOLFSSL_ALPN_FAILED_ON_MISMATCH) == WOLFSSL_SUCCESS;
    ok &= wolfSSL_UseSessionTicket(t->ssl) == WOLFSSL_SUCCESS;
    /* Offer the kept session; a server that declines it simply makes a full handshake. */
    if (ok && t->session) (void)wolfSSL_set_session(t->ssl, t->session);
    if (!ok) {
        tern_tls_set_error(t, "cannot set up SNI, ALPN or session tickets");
        return TERN_ERR_TLS_CONFIG;
    }
    return TERN_OK;
}

/* The certificate must name the host (tls_peer_name.c): checked here, before a single byte of
 * MQTT goes out. A server without a certificate proved itself with the pre-shared key, or
 * resumed a session whose own handshake was checked: nothing to do. */
static tern_status check_peer_name(tern_tls *t)
{
    WOLFSSL_X509 *cert = wolfSSL_get_peer_certificate(t->ssl);
    if (!cert) {
        if (t->psk_len || wolfSSL_session_reused(t->ssl) == 1) return TERN_OK;
        tern_tls_set_error(t, "server presented no certificate to check against %s", t->server_name);
        return TERN_ERR_TLS_VERIFY;
    }
    tern_status st = tern_tls_check_peer_name(t, cert);
    wolfSSL_X509_free(cert);
    return st;
}

static tern_status tls_open(void *ctx);

/* A TLS 1.2-only server answers our TLS 1.3 PSK offer in TLS 1.2, and wolfSSL 5.5 gives up
 * on that handshake (VERSION_ERROR); a handshake_failure before the server asked for the key
 * may mean it shares no PSK suite with us, or rejected the key. Either way one new connection
 * offering TLS 1.2 alone tells which: on success tern keeps to 1.2 for this server, on failure
 * the cause is reported from both attempts. The downgrade is to what the configuration allows
 * anyway: forward-secret DHE-PSK with an AEAD. */
static int retry_psk_on_tls12(tern_tls *t, int err)
{
    int alert = tern_tls_last_alert(t);
    int retry = err == VERSION_ERROR || (alert == 40 /* handshake_failure */ && !t->psk_tls12_asked);
    if (!retry || !t->psk_may_fall_back || t->psk_fallback != PSK_COMBINED_OFFER) return 0;
    t->psk_tls13_alert = (uint8_t)(alert > 0 ? alert : 0);
    tls_close(t);
    /* On the context, as --tls-version does: the next connection is made from it. */
    if (wolfSSL_CTX_set_max_proto_version(t->ctx, TLS1_2_VERSION) != WOLFSSL_SUCCESS) return 0;
    t->psk_fallback = PSK_TRYING_TLS12;
    t->state = TLS_LOWER_OPENING;
    return 1;
}

/* The TLS 1.2 retry failed too: the next open makes the combined offer again. */
static void end_psk_retry(tern_tls *t)
{
    if (t->psk_fallback != PSK_TRYING_TLS12) return;
    t->psk_fallback = PSK_COMBINED_OFFER;
    (void)wolfSSL_CTX_set_max_proto_version(t->ctx, TLS1_3_VERSION);
}

static tern_status handshake(tern_tls *t)
{
    int rc = wolfSSL_connect(t->ssl);
    if (rc == WOLFSSL_SUCCESS && t->check_name) {
        tern_status st = check_peer_name(t);
        if (st != TERN_OK) {
            tls_close(t);
            return st;
        }
    }
    if (rc == WOLFSSL_SUCCESS) {
        if (t->psk_fallback == PSK_TRYING_TLS12) t->psk_fallback = PSK_TLS12_ONLY;
        t->state = TLS_OPEN;
        t->want_write = 0;
        t->resumed = (uint8_t)(wolfSSL_session_reused(t->ssl) == 1);
        t->session_fresh = 0;
        return TERN_OK;
    }
    int err = wolfSSL_get_error(t->ssl, rc);
    if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) {
        t->want_write = err == WOLFSSL_ERROR_WANT_WRITE;
        return TERN_WOULD_BLOCK;
    }
    if (retry_psk_on_tls12(t, err)) return tls_open(t); /* at once: the lower transport waits for it */
    return failed(t, err);
}

static tern_status tls_open(void *ctx)
{
    tern_tls *t = ctx;
    if (t->state == TLS_OPEN) return TERN_OK;
    if (t->state == TLS_CLOSED) {
        t->error[0] = 0;
        t->verify_status = TERN_OK;
        t->resumed = t->cert_requested = 0;
        t->state = TLS_LOWER_OPENING;
    }
    if (t->state == TLS_LOWER_OPENING) {
        tern_status st = t->lower.open(t->lower.ctx);
        if (st == TERN_WOULD_BLOCK) return st;
        if (st == TERN_OK) st = new_connection(t);
        if (st != TERN_OK) {
            tls_close(t);
            return st;
        }
        t->state = TLS_HANDSHAKING;
    }
    return handshake(t);
}

/* A read or write that did not complete: would block, or failed. */
static int32_t io_result(tern_tls *t, int rc)
{
    int err = wolfSSL_get_error(t->ssl, rc);
    if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) {
        t->want_write = err == WOLFSSL_ERROR_WANT_WRITE;
        return 0;
    }
    return -(int32_t)failed(t, err);
}

static int32_t tls_send(void *ctx, const uint8_t *buf, size_t len)
{
    tern_tls *t = ctx;
    if (t->state != TLS_OPEN) return -(int32_t)TERN_ERR_NOT_CONNECTED;
    int rc = wolfSSL_write(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (rc <= 0) return io_result(t, rc);
    t->want_write = 0;
    return rc;
}

static int32_t tls_recv(void *ctx, uint8_t *buf, size_t len)
{
    tern_tls *t = ctx;
    if (t->state != TLS_OPEN) return -(int32_t)TERN_ERR_NOT_CONNECTED;
    int rc = wolfSSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (rc <= 0) return io_result(t, rc);
    /* TLS 1.3 tickets come after the handshake, before the first answer: keep it now. */
    if (!t->session_fresh) keep_session(t);
    return rc;
}

static int tls_socket(void *ctx)
{
    tern_tls *t = ctx;
    return t->lower.socket ? t->lower.socket(t->lower.ctx) : -1;
}

static int tls_wants_write(void *ctx)
{
    tern_tls *t = ctx;
    if (t->state != TLS_LOWER_OPENING) return t->want_write;
    return t->lower.wants_write ? t->lower.wants_write(t->lower.ctx) : 0;
}

/* Set only when the lower transport has a wait of its own. */
static tern_status tls_wait(void *ctx, int want_write, uint32_t timeout_ms)
{
    tern_tls *t = ctx;
    if (t->ssl && wolfSSL_pending(t->ssl) > 0) return TERN_OK; /* decrypted bytes wait */
    return t->lower.wait(t->lower.ctx, want_write || tls_wants_write(t), timeout_ms);
}

void tern_tls_transport(tern_tls *t, tern_transport *out)
{
    out->ctx = t;
    out->open = tls_open;
    out->send = tls_send;
    out->recv = tls_recv;
    out->close = tls_close;
    out->socket = tls_socket;
    out->wants_write = tls_wants_write;
    out->wait = t->lower.wait ? tls_wait : NULL;
}

void tern_tls_config_init(tern_tls_config *cfg) { memset(cfg, 0, sizeof *cfg); }

tern_status tern_tls_setup(tern_tls *t, const tern_transport *lower, const char *server_name,
                           const tern_tls_config *cfg)
{
    if (!lower || !lower->open || !lower->send || !lower->recv || !lower->close || !cfg) {
        tern_tls_set_error(t, "no lower transport (open, send, recv, close) or no TLS configuration");
        return TERN_ERR_INVALID_ARG;
    }
    t->lower = *lower;
    t->server_name = cfg->server_name ? cfg->server_name : server_name;
    int checks_name = !cfg->insecure_skip_verify && !cfg->insecure_skip_hostname_check && !cfg->psk_hex;
    if (!t->server_name && checks_name) {
        tern_tls_set_error(t, "no server name to check the certificate against");
        return TERN_ERR_INVALID_ARG;
    }
    if (!t->server_name) t->server_name = ""; /* PSK or unverified: nothing to check, no SNI */
    uint8_t addr[16];
    t->is_ip = (uint8_t)(tern_tls_parse_ip(t->server_name, addr) != 0);
    if (wolfSSL_Init() != WOLFSSL_SUCCESS) {
        tern_tls_set_error(t, "wolfSSL failed to initialise");
        return TERN_ERR_TLS;
    }
    tern_status st = tern_tls_load_config(t, cfg);
    if (st == TERN_OK) st = tern_tls_session_bind(t, cfg);
    if (st != TERN_OK) {
        char why[TERN_TLS_ERROR_MAX];
        memcpy(why, t->error, sizeof why);
        tern_tls_deinit(t);
        memcpy(t->error, why, sizeof why);
    }
    return st;
}

tern_status tern_tls_init_over(tern_tls *t, const tern_transport *lower, const char *server_name,
                               const tern_tls_config *cfg)
{
    memset(t, 0, sizeof *t);
    return tern_tls_setup(t, lower, server_name, cfg);
}

void tern_tls_deinit(tern_tls *t)
{
    if (t->ssl || t->state != TLS_CLOSED) tls_close(t);
    if (t->session) wolfSSL_SESSION_free(t->session);
    t->session = NULL;
    if (t->ctx) {
        wolfSSL_CTX_free(t->ctx);
        t->ctx = NULL;
        wolfSSL_Cleanup();
    }
}

const char *tern_tls_error(const tern_tls *t) { return t->error; }
int tern_tls_resumed(const tern_tls *t) { return t->resumed; }
int tern_tls_has_session(const tern_tls *t) { return t->session != NULL; }

const char *tern_tls_version(const tern_tls *t)
{
    return t->ssl && t->state == TLS_OPEN ? wolfSSL_get_version(t->ssl) : "";
}

const char *tern_tls_cipher(const tern_tls *t)
{
    const char *name = t->ssl && t->state == TLS_OPEN ? wolfSSL_get_cipher_name(t->ssl) : NULL;
    return name ? name : "";
}

const char *tern_tls_alpn(const tern_tls *t)
{
    char *name = NULL;
    word16 len = 0;
    if (!t->ssl || t->state != TLS_OPEN ||
        wolfSSL_ALPN_GetProtocol(t->ssl, &name, &len) != WOLFSSL_SUCCESS || !name)
        return "";
    return name; /* NUL-terminated by wolfSSL */
}
