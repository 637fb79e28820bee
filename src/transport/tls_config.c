/* The wolfSSL context behind a tern_tls: versions, what to trust, what to present, PSK,
 * cipher suites and key-share groups. Built once; every reconnect reuses it. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "tls_internal.h"

/* Forward-secret AEAD suites only; ECDSA and RSA servers both work, TLS 1.3 and 1.2. */
static const char DEFAULT_CIPHERS[] =
    "TLS13-AES128-GCM-SHA256:TLS13-CHACHA20-POLY1305-SHA256:TLS13-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";
/* With a PSK. TLS 1.3: one suite, TLS_AES_128_GCM_SHA256: the key is offered for the suite
 * the callback names (OpenSSL-based brokers assume SHA-256 for such keys), and wolfSSL 5.5
 * offers it once per listed TLS 1.3 suite, which the server rejects (illegal_parameter).
 * TLS 1.2: DHE-PSK only, which keeps forward secrecy; wolfSSL 5.5 fails ECDHE-PSK against
 * OpenSSL ("Bad ECC Peer Key"), and plain PSK suites (PSK-CHACHA20-POLY1305...) have no
 * forward secrecy: a leaked key would decrypt every recorded session. Both only when asked
 * (ciphers). */
static const char DEFAULT_PSK_CIPHERS[] =
    "TLS13-AES128-GCM-SHA256:"
    "DHE-PSK-AES128-GCM-SHA256:DHE-PSK-AES256-GCM-SHA384:DHE-PSK-CHACHA20-POLY1305";

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static tern_status load_psk(tern_tls *t, const char *hex, const char *identity)
{
    size_t n = strlen(hex);
    if (!identity || !*identity) {
        tern_tls_set_error(t, "a PSK needs an identity (--psk-identity)");
        return TERN_ERR_INVALID_ARG;
    }
    if (n == 0 || n % 2 || n / 2 > TERN_TLS_PSK_MAX || strlen(identity) >= sizeof t->psk_identity) {
        tern_tls_set_error(t, "PSK must be 1 to %d bytes of hex, identity under %zu characters",
                           TERN_TLS_PSK_MAX, sizeof t->psk_identity);
        return TERN_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            tern_tls_set_error(t, "PSK is not hex (the value is a secret: not repeated here)");
            return TERN_ERR_INVALID_ARG;
        }
        t->psk[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    t->psk_len = (uint8_t)(n / 2);
    strcpy(t->psk_identity, identity);
    return TERN_OK;
}

static tern_tls *tls_of(WOLFSSL *ssl) { return wolfSSL_get_ex_data(ssl, 0); }

/* Hand wolfSSL the identity and key. */
static unsigned int give_psk(tern_tls *t, char *identity, unsigned int id_cap, unsigned char *key,
                             unsigned int key_cap)
{
    if (!t || strlen(t->psk_identity) >= id_cap || t->psk_len > key_cap) return 0;
    strcpy(identity, t->psk_identity);
    memcpy(key, t->psk, t->psk_len);
    return t->psk_len;
}

/* TLS 1.2: called once the server has chosen a PSK suite. */
static unsigned int psk_cb(WOLFSSL *ssl, const char *hint, char *identity, unsigned int id_cap,
                           unsigned char *key, unsigned int key_cap)
{
    (void)hint;
    tern_tls *t = tls_of(ssl);
    if (t) t->psk_tls12_asked = 1;
    return give_psk(t, identity, id_cap, key, key_cap);
}

/* TLS 1.3: called while the ClientHello is built, to offer the key. */
static unsigned int psk_tls13_cb(WOLFSSL *ssl, const char *hint, char *identity, unsigned int id_cap,
                                 unsigned char *key, unsigned int key_cap, const char **suite)
{
    (void)hint;
    *suite = "TLS13-AES128-GCM-SHA256"; /* SHA-256: what OpenSSL-based brokers assume */
    return give_psk(tls_of(ssl), identity, id_cap, key, key_cap);
}

/* The server asked for a certificate and we have none: note it, for the error message. */
static int no_cert_cb(WOLFSSL *ssl, WOLFSSL_X509 **x509, WOLFSSL_EVP_PKEY **key)
{
    (void)x509, (void)key;
    tern_tls *t = tls_of(ssl);
    if (t) t->cert_requested = 1;
    return 0; /* continue without one; the server decides */
}

static tern_status fail(tern_tls *t, const char *what, const char *file)
{
    tern_tls_set_error(t, "cannot load %s \"%s\"", what, file);
    return TERN_ERR_TLS_CONFIG;
}

/* PEM text starts (after any blank space) with "-----BEGIN"; anything else is taken for DER. */
static int buffer_format(const uint8_t *buf, size_t len)
{
    static const char begin[] = "-----BEGIN";
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')) i++;
    int pem = len - i >= sizeof begin - 1 && memcmp(buf + i, begin, sizeof begin - 1) == 0;
    return pem ? WOLFSSL_FILETYPE_PEM : WOLFSSL_FILETYPE_ASN1;
}

static long buffer_size(size_t len) { return len > (size_t)LONG_MAX ? LONG_MAX : (long)len; }

static int min_version(const tern_tls_config *cfg) { return cfg->min_version ? cfg->min_version : TERN_TLS_V1_2; }
static int max_version(const tern_tls_config *cfg) { return cfg->max_version ? cfg->max_version : TERN_TLS_V1_3; }

static tern_status load_versions(tern_tls *t, const tern_tls_config *cfg)
{
    int min = min_version(cfg), max = max_version(cfg);
    if (min < TERN_TLS_V1_2 || max > TERN_TLS_V1_3 || min > max) {
        tern_tls_set_error(t, "TLS versions must be 1.2 or 1.3, minimum not above maximum");
        return TERN_ERR_INVALID_ARG;
    }
    if (wolfSSL_CTX_SetMinVersion(t->ctx, min == TERN_TLS_V1_3 ? WOLFSSL_TLSV1_3 : WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS ||
        wolfSSL_CTX_set_max_proto_version(t->ctx, max == TERN_TLS_V1_3 ? TLS1_3_VERSION : TLS1_2_VERSION) != WOLFSSL_SUCCESS) {
        tern_tls_set_error(t, "this wolfSSL cannot limit TLS to %d.%d-%d.%d", min / 10, min % 10, max / 10, max % 10);
        return TERN_ERR_UNSUPPORTED;
    }
    return TERN_OK;
}

#ifndef NO_FILESYSTEM
static tern_status load_trust_files(tern_tls *t, const tern_tls_config *cfg)
{
    if (cfg->ca_file && wolfSSL_CTX_load_verify_locations(t->ctx, cfg->ca_file, NULL) != WOLFSSL_SUCCESS)
        return fail(t, "CA file", cfg->ca_file);
    if (cfg->ca_path && wolfSSL_CTX_load_verify_locations_ex(t->ctx, NULL, cfg->ca_path,
                                                             WOLFSSL_LOAD_FLAG_IGNORE_ERR) != WOLFSSL_SUCCESS)
        return fail(t, "CA directory", cfg->ca_path);
    if (!cfg->ca_file && !cfg->ca_path && !cfg->ca_buf &&
        wolfSSL_CTX_load_system_CA_certs(t->ctx) != WOLFSSL_SUCCESS)
        return fail(t, "the system CA store", "/etc/ssl/certs");
    return TERN_OK;
}
#else
static tern_status load_trust_files(tern_tls *t, const tern_tls_config *cfg)
{
    if (cfg->ca_file || cfg->ca_path) {
        tern_tls_set_error(t, "this build has no file system (NO_FILESYSTEM): give the CA as ca_buf");
        return TERN_ERR_UNSUPPORTED;
    }
    if (!cfg->ca_buf && !cfg->psk_hex) {
        tern_tls_set_error(t, "no CA to verify the server with (ca_buf), and no system store in this build");
        return TERN_ERR_TLS_CONFIG;
    }
    return TERN_OK;
}
#endif

static tern_status load_trust(tern_tls *t, const tern_tls_config *cfg)
{
    if (cfg->insecure_skip_verify) return TERN_OK;
    if (cfg->ca_buf && wolfSSL_CTX_load_verify_buffer(t->ctx, cfg->ca_buf, buffer_size(cfg->ca_len),
                                                      buffer_format(cfg->ca_buf, cfg->ca_len)) != WOLFSSL_SUCCESS)
        return fail(t, "CA certificates from", "ca_buf");
    return load_trust_files(t, cfg);
}

#ifndef NO_FILESYSTEM
/* PEM first, then DER. */
static tern_status load_identity_files(tern_tls *t, const tern_tls_config *cfg)
{
    if (cfg->cert_file && wolfSSL_CTX_use_certificate_chain_file(t->ctx, cfg->cert_file) != WOLFSSL_SUCCESS &&
        wolfSSL_CTX_use_certificate_file(t->ctx, cfg->cert_file, WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS)
        return fail(t, "client certificate", cfg->cert_file);
    if (cfg->key_file && wolfSSL_CTX_use_PrivateKey_file(t->ctx, cfg->key_file, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS &&
        wolfSSL_CTX_use_PrivateKey_file(t->ctx, cfg->key_file, WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS)
        return fail(t, "client key", cfg->key_file);
    return TERN_OK;
}
#else
static tern_status load_identity_files(tern_tls *t, const tern_tls_config *cfg)
{
    if (!cfg->cert_file && !cfg->key_file) return TERN_OK;
    tern_tls_set_error(t, "this build has no file system (NO_FILESYSTEM): give the client certificate and key as cert_buf and key_buf");
    return TERN_ERR_UNSUPPORTED;
}
#endif

static tern_status load_identity_buffers(tern_tls *t, const tern_tls_config *cfg)
{
    if (cfg->cert_buf && wolfSSL_CTX_use_certificate_chain_buffer_format(
                             t->ctx, cfg->cert_buf, buffer_size(cfg->cert_len),
                             buffer_format(cfg->cert_buf, cfg->cert_len)) != WOLFSSL_SUCCESS)
        return fail(t, "client certificate from", "cert_buf");
    if (cfg->key_buf && wolfSSL_CTX_use_PrivateKey_buffer(t->ctx, cfg->key_buf, buffer_size(cfg->key_len),
                                                          buffer_format(cfg->key_buf, cfg->key_len)) != WOLFSSL_SUCCESS)
        return cfg->key_buf_name ? fail(t, "client key", cfg->key_buf_name) : fail(t, "client key from", "key_buf");
    return TERN_OK;
}

static tern_status load_identity(tern_tls *t, const tern_tls_config *cfg)
{
    int has_cert = cfg->cert_file || cfg->cert_buf, has_key = cfg->key_file || cfg->key_buf;
    if (!has_cert && !has_key) return TERN_OK;
    if (!has_cert || !has_key) {
        tern_tls_set_error(t, "a client certificate needs its key, and a key its certificate (--cert and --key)");
        return TERN_ERR_INVALID_ARG;
    }
    tern_status st = load_identity_buffers(t, cfg);
    if (st == TERN_OK) st = load_identity_files(t, cfg);
    if (st != TERN_OK) return st;
    if (wolfSSL_CTX_check_private_key(t->ctx) != WOLFSSL_SUCCESS) {
        tern_tls_set_error(t, "client key \"%s\" does not match certificate \"%s\"",
                           cfg->key_file ? cfg->key_file : cfg->key_buf_name ? cfg->key_buf_name : "key_buf",
                           cfg->cert_file ? cfg->cert_file : "cert_buf");
        return TERN_ERR_TLS_CONFIG;
    }
    t->cert_loaded = 1;
    return TERN_OK;
}

static tern_status load_suites(tern_tls *t, const tern_tls_config *cfg)
{
    const char *list = cfg->ciphers ? cfg->ciphers : t->psk_len ? DEFAULT_PSK_CIPHERS : DEFAULT_CIPHERS;
    if (wolfSSL_CTX_set_cipher_list(t->ctx, list) != WOLFSSL_SUCCESS) {
        tern_tls_set_error(t, "no usable cipher suite in \"%s\"", list);
        return TERN_ERR_TLS_CONFIG;
    }
    int groups[] = {WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1};
    if (wolfSSL_CTX_set_groups(t->ctx, groups, 2) != WOLFSSL_SUCCESS) {
        tern_tls_set_error(t, "cannot set key-share groups X25519 and P-256");
        return TERN_ERR_TLS_CONFIG;
    }
    return TERN_OK;
}

tern_status tern_tls_load_config(tern_tls *t, const tern_tls_config *cfg)
{
    tern_status st = TERN_OK;
    if (cfg->psk_hex) st = load_psk(t, cfg->psk_hex, cfg->psk_identity);
    if (st == TERN_OK && cfg->alpn && strlen(cfg->alpn) >= sizeof t->alpn) {
        tern_tls_set_error(t, "ALPN list longer than %zu characters", sizeof t->alpn - 1);
        st = TERN_ERR_INVALID_ARG;
    }
    if (st != TERN_OK) return st;
    if (cfg->alpn) strcpy(t->alpn, cfg->alpn);
    t->ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
    if (!t->ctx) {
        tern_tls_set_error(t, "out of memory for the TLS context");
        return TERN_ERR_TLS_CONFIG;
    }
    t->verify = !cfg->insecure_skip_verify;
    tern_tls_set_cert_policy(t, cfg);
    t->check_name = t->verify && !cfg->insecure_skip_hostname_check && t->server_name[0];
    wolfSSL_CTX_set_verify(t->ctx, t->verify ? WOLFSSL_VERIFY_PEER : WOLFSSL_VERIFY_NONE,
                           t->verify ? tern_tls_verify_cb : NULL);
    if (t->psk_len) {
        wolfSSL_CTX_set_psk_client_callback(t->ctx, psk_cb);
        wolfSSL_CTX_set_psk_client_tls13_callback(t->ctx, psk_tls13_cb);
    }
    wolfSSL_CTX_set_client_cert_cb(t->ctx, no_cert_cb);
    t->psk_may_fall_back = (uint8_t)(t->psk_len && min_version(cfg) == TERN_TLS_V1_2 &&
                                     max_version(cfg) == TERN_TLS_V1_3);
    st = load_versions(t, cfg);
    if (st == TERN_OK) st = load_trust(t, cfg);
    if (st == TERN_OK) st = load_identity(t, cfg);
    if (st == TERN_OK) st = load_suites(t, cfg);
    return st;
}

tern_status tern_tls_parse_version(const char *name, uint8_t *version)
{
    if (!name) return TERN_ERR_INVALID_ARG;
    if (!strcmp(name, "tlsv1.2") || !strcmp(name, "1.2")) *version = TERN_TLS_V1_2;
    else if (!strcmp(name, "tlsv1.3") || !strcmp(name, "1.3")) *version = TERN_TLS_V1_3;
    else return TERN_ERR_INVALID_ARG;
    return TERN_OK;
}
