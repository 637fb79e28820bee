/* TLS transport with wolfSSL, over any tern_transport (tern_tls_init_over) or over POSIX TCP
 * (tern_tls_init). Knows nothing of MQTT.
 *
 * Secure unless told otherwise, loudly: TLS 1.3 preferred and 1.2 allowed, the server
 * certificate always verified against the CA file, CA directory or the system store, and the
 * server's host name (or IP address) checked against the name the application connected to.
 * The TLS session is kept after each handshake and offered on every reopen, so a reconnect
 * normally costs a resumption rather than a full handshake.
 *
 * Non-blocking like every transport: open() returns TERN_WOULD_BLOCK while the transport
 * underneath opens or the handshake is under way, send()/recv() return 0 when wolfSSL wants the socket, and
 * wants_write() says whether it wants to write. A send() that returned 0 must be retried with
 * the same leading bytes (wolfSSL may already hold them in a record it could not flush).
 *
 * Memory: the application owns the tern_tls struct; wolfSSL allocates its context, the
 * connection and the saved session, all freed by close() and tern_tls_deinit(). */
#ifndef TERN_TLS_H
#define TERN_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"
#include "tern/tcp.h"
#include "tern/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TLS protocol versions, as used in tern_tls_config.min_version / max_version. */
enum { TERN_TLS_V1_2 = 12, TERN_TLS_V1_3 = 13 };

/* Longest pre-shared key accepted, in bytes (wolfSSL's own limit). */
#define TERN_TLS_PSK_MAX 64
/* Room for the one-line reason of the last failure, including its terminating NUL. */
#define TERN_TLS_ERROR_MAX 200
/** @brief Size in bytes of the key that seals exported TLS sessions (HMAC-SHA256). */
#define TERN_TLS_SESSION_KEY_SIZE 32
/** @brief Size in bytes of the digest a saved session is bound to (server, port, trust). */
#define TERN_TLS_SESSION_BINDING_SIZE 32

/* What to trust and what to present. Zero everything (or call tern_tls_config_init) for the
 * secure defaults; every string is read during tern_tls_init only and need not outlive it.
 * Each field names the mosquitto_pub/sub option it maps to. */
typedef struct {
    const char *ca_file;      /* --cafile: trusted CA certificates, PEM (a bundle) or DER */
    const char *ca_path;      /* --capath: a directory of PEM CA certificates.
                               * Neither ca_file nor ca_path: the system store (/etc/ssl/certs) */
    const char *cert_file;    /* --cert: client certificate (chain) for mutual TLS, PEM or DER */
    const char *key_file;     /* --key: its private key, PEM or DER (unencrypted) */
    /* The same three from memory, for devices without a file system (NO_FILESYSTEM): PEM
     * (starting "-----BEGIN") or DER, read during init only. A buffer and a file of the same
     * kind may both be given: both are loaded. */
    const uint8_t *ca_buf;    /* trusted CA certificates (PEM: several may follow each other) */
    size_t ca_len;
    const uint8_t *cert_buf;  /* client certificate (PEM: chain) */
    size_t cert_len;
    const uint8_t *key_buf;   /* its private key (unencrypted) */
    size_t key_len;
    const char *psk_hex;      /* --psk: pre-shared key in hex ("deadbeef"), as mosquitto spells it */
    const char *psk_identity; /* --psk-identity: required with psk_hex */
    const char *alpn;         /* --alpn: protocol list, comma-separated ("mqtt", "x-amzn-mqtt-ca") */
    const char *ciphers;      /* --ciphers: colon-separated suite names (OpenSSL/IANA spelling,
                               * TLS 1.3 ones too); NULL: a forward-secret AEAD-only default */
    const char *server_name;  /* name to verify and send as SNI; NULL: the host connected to */
    uint8_t min_version;      /* TERN_TLS_V1_2 or TERN_TLS_V1_3; 0: TLS 1.2 */
    uint8_t max_version;      /* --tls-version sets min = max; 0: TLS 1.3 */
    /* mosquitto's --insecure: the certificate chain is still verified, but not that it names
     * the host. Anyone with any certificate from a trusted CA can impersonate the broker. */
    uint8_t insecure_skip_hostname_check;
    /* No verification at all: anyone on the path can read and change the traffic.
     * For test benches only. The library never prints; the application should warn. */
    uint8_t insecure_skip_verify;
} tern_tls_config;

/* A TLS connection: the TCP transport it wraps, the wolfSSL objects, the saved session. */
typedef struct {
    tern_tcp tcp;                 /* used by tern_tls_init only (TLS over TCP) */
    tern_transport lower;         /* the transport the TLS records travel over */
    struct WOLFSSL_CTX *ctx;      /* certificates, keys, versions: built once by init */
    struct WOLFSSL *ssl;          /* the current connection, NULL when closed */
    struct WOLFSSL_SESSION *session; /* the session to offer on the next open, or NULL */
    uint8_t session_binding[TERN_TLS_SESSION_BINDING_SIZE]; /* what sessions are bound to */
    const char *server_name;      /* for SNI and verification; not copied */
    uint8_t psk[TERN_TLS_PSK_MAX];
    uint8_t psk_len;
    char psk_identity[128];
    char alpn[64];                /* comma-separated protocol list, "" for none */
    uint64_t bytes_sent;          /* lower-transport bytes since init (for */
    uint64_t bytes_received;      /*   measurements: handshake and record overhead) */
    uint8_t state;                /* internal: closed, TCP connecting, handshaking, open */
    uint8_t want_write;           /* wolfSSL is waiting to write */
    uint8_t resumed;              /* the current connection resumed a session */
    uint8_t session_fresh;        /* the session of the current connection has been kept */
    uint8_t is_ip;                /* server_name is an IP literal: check the IP SAN, no SNI */
    uint8_t verify;               /* verify the certificate chain */
    uint8_t check_name;           /* verify the host name / IP address */
    uint8_t cert_loaded;          /* a client certificate is configured */
    uint8_t cert_requested;       /* the server asked for a client certificate */
    tern_status verify_status;    /* what the certificate check found, TERN_OK if nothing */
    char error[TERN_TLS_ERROR_MAX];
} tern_tls;

/* Zero cfg: the secure defaults. */
void tern_tls_config_init(tern_tls_config *cfg);

/* "tlsv1.2" / "tlsv1.3" (mosquitto's spelling; "1.2" and "1.3" too) to TERN_TLS_V1_x.
 * TERN_ERR_INVALID_ARG for anything else. */
tern_status tern_tls_parse_version(const char *name, uint8_t *version);

/* Prepare a TLS transport to host:port (host is not copied and must outlive t) and load the
 * configuration: CA certificates, client certificate and key, PSK, versions, ciphers. Nothing
 * happens on the network yet. On failure (TERN_ERR_TLS_CONFIG, TERN_ERR_INVALID_ARG,
 * TERN_ERR_UNSUPPORTED) nothing is left allocated and tern_tls_error(t) says what was wrong;
 * tern_tls_deinit is still safe to call. */
tern_status tern_tls_init(tern_tls *t, const char *host, uint16_t port,
                          uint32_t connect_timeout_ms, const tern_tls_config *cfg);

/**
 * @brief Prepare a TLS transport over any transport: the application's own TCP (lwIP,
 *        FreeRTOS+TCP, Zephyr sockets, a modem's AT socket), a WebSocket, a pipe.
 *
 * wolfSSL reads and writes the TLS records through @p lower's send and recv (its custom I/O
 * callbacks): a return of 0 ("would block") becomes WANT_READ / WANT_WRITE, so the TLS
 * transport is exactly as non-blocking as the one underneath. open() opens @p lower first
 * (again and again while it says TERN_WOULD_BLOCK), then makes the handshake; close() sends
 * close_notify and closes @p lower. socket(), wants_write() and wait() pass through to
 * @p lower's (a NULL wait there makes the TLS wait NULL too). Nothing happens on the network
 * yet.
 *
 * @param t           the TLS transport to prepare (zeroed here); the application owns it.
 * @param lower       the transport underneath; its function table is copied, its context is
 *                    not: lower->ctx must outlive @p t. open, send, recv and close are required.
 * @param server_name the name (or IP literal) the certificate must be for, and the SNI sent;
 *                    not copied, must outlive @p t. cfg->server_name, when set, takes its
 *                    place. May be NULL only when nothing is verified (PSK, or
 *                    insecure_skip_verify).
 * @param cfg         what to trust and present; read during this call only.
 * @return TERN_OK; TERN_ERR_INVALID_ARG (missing argument, bad PSK, bad versions),
 *         TERN_ERR_TLS_CONFIG (a CA, certificate or key that cannot be loaded),
 *         TERN_ERR_UNSUPPORTED or TERN_ERR_TLS. On failure nothing is left allocated and
 *         tern_tls_error(t) says what was wrong; tern_tls_deinit is still safe to call.
 * Not from a tern callback of this transport's client; one thread per tern_tls.
 */
tern_status tern_tls_init_over(tern_tls *t, const tern_transport *lower, const char *server_name,
                               const tern_tls_config *cfg);

/* Fill a tern_transport whose context is t. */
void tern_tls_transport(tern_tls *t, tern_transport *out);

/* Close any connection and free everything wolfSSL allocated for t, the saved session too. */
void tern_tls_deinit(tern_tls *t);

/* The one-line reason for the last failure of init, open, send or recv: e.g.
 * "host name mismatch: expected \"localhost\", certificate is for \"wrong.example.com\"".
 * Empty when there was none; never NULL. */
const char *tern_tls_error(const tern_tls *t);

/* Did the current (or last) connection resume a saved session instead of a full handshake? */
int tern_tls_resumed(const tern_tls *t);

/* The negotiated protocol version ("TLSv1.3"), cipher suite and ALPN protocol of the open
 * connection; "" when there is none (for the ALPN: when the server chose none). */
const char *tern_tls_version(const tern_tls *t);
const char *tern_tls_cipher(const tern_tls *t);
const char *tern_tls_alpn(const tern_tls *t);

/* Is there a saved session to offer on the next open? */
int tern_tls_has_session(const tern_tls *t);

/**
 * @brief Seal the saved session (with its TLS 1.3 ticket) into buf so that a device can
 * resume after a reboot.
 *
 * The bytes are an envelope: the wolfSSL session; what it is bound to (the server name, and
 * the host and port when t runs over TCP (tern_tls_init); whether the chain and the name
 * were verified; the TLS versions allowed; a SHA-256 fingerprint of the trusted CA buffer,
 * file, directory or system store contents; the client certificate or PSK); and an
 * HMAC-SHA256 over all of it under key. tern_tls_session_import accepts it only with the same
 * key and under the same configuration.
 *
 * What the application must keep secret: the key (the envelope can be made by anyone who
 * has it, and would then be trusted without a certificate check) and the bytes themselves,
 * which hold the session's master secret: with them anyone resumes the session as this
 * client, client certificate included. Store both where only the device can read them
 * (e.g. files of mode 0600); a key of TERN_TLS_SESSION_KEY_SIZE random bytes, one per device.
 *
 * For TLS 1.3 the ticket arrives after the handshake: export after the first bytes were
 * received (e.g. the CONNACK) or after close.
 *
 * @param t   the TLS transport, after tern_tls_init; not modified.
 * @param key TERN_TLS_SESSION_KEY_SIZE bytes of the application's secret sealing key; read
 *            during the call only.
 * @param buf where the envelope goes, or NULL to learn its size.
 * @param cap room in buf.
 * @param len receives the envelope's size (also when buf is NULL or too small).
 * @return TERN_OK; TERN_ERR_BUFFER_TOO_SMALL (only *len set) when buf is NULL or cap too
 *         small; TERN_ERR_NOT_CONNECTED when there is no session yet; TERN_ERR_INVALID_ARG
 *         for a NULL t, key or len; TERN_ERR_TLS when wolfSSL cannot serialise the session.
 * @note Not thread-safe on the same t; may be called from the client's callbacks.
 */
tern_status tern_tls_session_export(const tern_tls *t, const uint8_t key[TERN_TLS_SESSION_KEY_SIZE],
                                    uint8_t *buf, size_t cap, size_t *len);

/**
 * @brief Offer a session exported earlier (by this process or another) on the next open.
 *
 * A resumed session skips the certificate check: it is trusted only because of the full
 * handshake that created it. So import checks, before wolfSSL parses a single byte: the
 * envelope's format and length; the HMAC under key (in constant time); then that the
 * session was made under this configuration: same server name, host and port, the same
 * verification (a session from a run that skipped the host name or chain check is never
 * offered by a stricter one), the same TLS versions, the same trusted CA contents and the
 * same client certificate or PSK. Anything else is refused and changes nothing: the session
 * held before, if any, stays.
 *
 * @param t   the TLS transport, after tern_tls_init or tern_tls_init_over and before open
 *            (or while closed).
 * @param key the TERN_TLS_SESSION_KEY_SIZE-byte key the envelope was sealed with; read during
 *            the call only.
 * @param buf the envelope from tern_tls_session_export; read during the call only (wolfSSL
 *            copies the session).
 * @param len its size.
 * @return TERN_OK; TERN_ERR_TLS_SESSION_AUTH for bytes that are malformed, tampered with or
 *         sealed under another key; TERN_ERR_TLS_SESSION_BINDING for a genuine session saved
 *         for another server or trust configuration; TERN_ERR_INVALID_ARG for NULL
 *         arguments; TERN_ERR_TLS when the MAC cannot be computed. On a refusal
 *         tern_tls_error(t) holds the one-line reason.
 * @note Not thread-safe on the same t; do not call while a connection is opening.
 */
tern_status tern_tls_session_import(tern_tls *t, const uint8_t key[TERN_TLS_SESSION_KEY_SIZE],
                                    const uint8_t *buf, size_t len);

/**
 * @brief Forget the saved session: the next open makes a full handshake.
 * @param t the TLS transport; its session, if any, is freed.
 * @note Not thread-safe on the same t; do not call while a connection is opening.
 */
void tern_tls_session_clear(tern_tls *t);

#ifdef __cplusplus
}
#endif

#endif
