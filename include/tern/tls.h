/**
 * @file tls.h
 * @brief TLS transport with wolfSSL, over any tern_transport (tern_tls_init_over) or over
 *        POSIX TCP (tern_tls_init). Knows nothing of MQTT.
 *
 * Secure unless told otherwise, loudly: TLS 1.3 preferred and 1.2 allowed, forward-secret
 * AEAD suites only; the server certificate always verified against the CA file, CA
 * directory, CA buffer or the system store; the server's host name (or IP address) checked
 * against the name the application connected to with the RFC 6125 rules (a wildcard only as a
 * whole left-most label, an address only against an iPAddress entry, no URI names, the common
 * name only without alternative names); every certificate of the chain with RSA keys of at
 * least 2048 bits or ECC keys of at least 256, no SHA-1 signature, and a keyUsage that allows
 * its use. The TLS session is kept after each handshake and offered on every reopen, so a
 * reconnect normally costs a resumption rather than a full handshake.
 *
 * Non-blocking like every transport: open() returns TERN_WOULD_BLOCK while the transport
 * underneath opens or the handshake is under way, send()/recv() return 0 when wolfSSL waits
 * for the transport underneath, and wants_write() says whether it wants to write. A send()
 * that returned 0 must be retried with the same leading bytes (wolfSSL may already hold them
 * in a record it could not flush).
 *
 * Memory: the application owns the tern_tls struct; wolfSSL allocates its context, the
 * connection and the saved session, all freed by close() and tern_tls_deinit().
 *
 * Threads: a tern_tls belongs to the thread that drives its client; the functions here are
 * not thread-safe on the same tern_tls. Different tern_tls objects may live in different
 * threads (wolfSSL's own initialisation is reference-counted by tern_tls_init/deinit; call
 * the first init before starting threads that make others).
 */
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

/* The public API: what libtern.so exports (the library is built with -fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/** @brief TLS protocol versions, as used in tern_tls_config.min_version and max_version. */
enum {
    TERN_TLS_V1_2 = 12, /**< TLS 1.2 */
    TERN_TLS_V1_3 = 13  /**< TLS 1.3 */
};

/** @brief Longest pre-shared key accepted, in bytes (wolfSSL's own limit). */
#define TERN_TLS_PSK_MAX 64
/** @brief Room for the one-line reason of the last failure, including its terminating NUL. */
#define TERN_TLS_ERROR_MAX 200
/** @brief Size in bytes of the key that seals exported TLS sessions (HMAC-SHA256). */
#define TERN_TLS_SESSION_KEY_SIZE 32
/** @brief Size in bytes of the digest a saved session is bound to (server, port, trust). */
#define TERN_TLS_SESSION_BINDING_SIZE 32

/**
 * @brief What to trust and what to present.
 *
 * Zero everything (or call tern_tls_config_init) for the secure defaults; every string and
 * buffer is read during tern_tls_init / tern_tls_init_over only and need not outlive it. Each
 * field names the mosquitto_pub/sub option (or the tern flag) it maps to.
 */
typedef struct {
    const char *ca_file;      /**< --cafile: trusted CA certificates, PEM (a bundle) or DER */
    const char *ca_path;      /**< --capath: a directory of PEM CA certificates. With neither
                               *   ca_file, ca_path nor ca_buf: the system store (/etc/ssl/certs) */
    const char *cert_file;    /**< --cert: client certificate (chain) for mutual TLS, PEM or DER */
    const char *key_file;     /**< --key: its private key, PEM or DER (unencrypted) */
    /* The same three from memory, for devices without a file system (NO_FILESYSTEM): PEM
     * (starting "-----BEGIN") or DER. A buffer and a file of the same kind may both be given:
     * both are loaded. */
    const uint8_t *ca_buf;    /**< trusted CA certificates in memory (PEM: several may follow each other), or NULL */
    size_t ca_len;            /**< bytes in ca_buf */
    const uint8_t *cert_buf;  /**< client certificate in memory (PEM: a chain), or NULL */
    size_t cert_len;          /**< bytes in cert_buf */
    const uint8_t *key_buf;   /**< its private key in memory (unencrypted), or NULL */
    size_t key_len;           /**< bytes in key_buf */
    const char *psk_hex;      /**< --psk: pre-shared key in hex ("deadbeef"), as mosquitto spells it.
                               *   Without ciphers, TLS 1.3 and, on TLS 1.2, DHE-PSK only (forward
                               *   secret); a TLS 1.2-only server is reached by a retry on 1.2 */
    const char *psk_identity; /**< --psk-identity: required with psk_hex */
    const char *alpn;         /**< --alpn: protocol list, comma-separated ("mqtt", "x-amzn-mqtt-ca") */
    const char *ciphers;      /**< --ciphers: colon-separated suite names (OpenSSL/IANA spelling,
                               *   TLS 1.3 ones too); NULL: a forward-secret AEAD-only default.
                               *   Plain PSK suites (no forward secrecy) only when named here */
    const char *server_name;  /**< name to verify and send as SNI; NULL: the host connected to */
    uint8_t min_version;      /**< TERN_TLS_V1_2 or TERN_TLS_V1_3; 0: TLS 1.2 */
    uint8_t max_version;      /**< --tls-version sets min = max; 0: TLS 1.3 */
    /** mosquitto's --insecure: the certificate chain is still verified, but not that it names
     *  the host. Anyone with any certificate from a trusted CA can impersonate the broker. */
    uint8_t insecure_skip_hostname_check;
    /** No verification at all: anyone on the path can read and change the traffic. For test
     *  benches only. The library never prints; the application should warn. */
    uint8_t insecure_skip_verify;
    /* What every certificate of the server's chain must have, beyond a valid signature from
     * a trusted CA. Relax only for a legacy broker that cannot be fixed, and say so. */
    uint16_t min_rsa_bits;    /**< smallest RSA key accepted (--tls-allow-weak-keys: 1024); 0: 2048 */
    uint16_t min_ecc_bits;    /**< smallest elliptic-curve key accepted (--tls-allow-weak-keys: 224); 0: 256 */
    uint8_t allow_sha1_signatures; /**< --tls-allow-sha1: accept certificates signed with SHA-1
                                    *   (collisions are practical: forgeable); 0: refused */
    uint8_t ignore_key_usage; /**< --tls-ignore-key-usage: accept a keyUsage that does not allow
                               *   the certificate's use (a server key that may not sign, a CA
                               *   that may not sign certificates); 0: honoured when present */
    const char *key_buf_name; /**< what error messages call key_buf (the file the application
                               *   read it from, having checked that the file is private);
                               *   NULL: "key_buf". Not copied; read only during init */
} tern_tls_config;

/**
 * @brief A TLS connection: the transport it wraps, the wolfSSL objects, the saved session.
 *
 * The application owns it (static, on the stack of a long-lived function, or in its own
 * struct); tern_tls_init or tern_tls_init_over set every field. The fields are private: read
 * them through the functions below (bytes_sent and bytes_received may be read directly).
 */
typedef struct {
    tern_tcp tcp;                 /**< the TCP connection of tern_tls_init (unused over another transport) */
    tern_transport lower;         /**< the transport the TLS records travel over */
    struct WOLFSSL_CTX *ctx;      /**< certificates, keys, versions: built once by init */
    struct WOLFSSL *ssl;          /**< the current connection, NULL when closed */
    struct WOLFSSL_SESSION *session; /**< the session to offer on the next open, or NULL */
    uint8_t session_binding[TERN_TLS_SESSION_BINDING_SIZE]; /**< what sessions are bound to */
    const char *server_name;      /**< for SNI and verification; not copied */
    uint8_t psk[TERN_TLS_PSK_MAX];/**< the pre-shared key */
    uint8_t psk_len;              /**< its length; 0 without a PSK */
    char psk_identity[128];       /**< the PSK identity */
    char alpn[64];                /**< comma-separated protocol list, "" for none */
    uint64_t bytes_sent;          /**< bytes written to the lower transport since init (handshake and record overhead included) */
    uint64_t bytes_received;      /**< bytes read from the lower transport since init */
    uint8_t state;                /**< closed, lower transport opening, handshaking, open */
    uint8_t want_write;           /**< wolfSSL is waiting to write */
    uint8_t resumed;              /**< the current connection resumed a session */
    uint8_t session_fresh;        /**< the session of the current connection has been kept */
    uint8_t is_ip;                /**< server_name is an IP literal: no SNI */
    uint8_t verify;               /**< verify the certificate chain */
    uint8_t check_name;           /**< verify the host name / IP address */
    uint8_t cert_loaded;          /**< a client certificate is configured */
    uint8_t cert_requested;       /**< the server asked for a client certificate */
    uint8_t psk_tls12_asked;      /**< a TLS 1.2 server chose a PSK suite (asked for our key) */
    uint8_t psk_may_fall_back;    /**< PSK, versions not fixed: may retry on TLS 1.2 alone */
    uint8_t psk_fallback;         /**< combined offer, trying TLS 1.2 alone, or server is 1.2-only */
    uint8_t psk_tls13_alert;      /**< the alert that ended the TLS 1.3 offer before a retry */
    uint16_t min_rsa_bits;        /**< certificate policy in force (see tern_tls_config) */
    uint16_t min_ecc_bits;        /**< certificate policy in force */
    uint8_t allow_sha1;           /**< certificate policy in force */
    uint8_t ignore_key_usage;     /**< certificate policy in force */
    tern_status verify_status;    /**< what the certificate check found, TERN_OK if nothing */
    tern_status lower_failure;    /**< how the lower transport last failed, TERN_OK if it did not */
    char error[TERN_TLS_ERROR_MAX]; /**< the last failure's reason (tern_tls_error) */
} tern_tls;

/**
 * @brief Zero cfg: the secure defaults.
 * @param cfg the configuration to reset.
 */
void tern_tls_config_init(tern_tls_config *cfg);

/**
 * @brief "tlsv1.2" / "tlsv1.3" (mosquitto's spelling; "1.2" and "1.3" too) to TERN_TLS_V1_x.
 * @param name    the text, or NULL.
 * @param version receives TERN_TLS_V1_2 or TERN_TLS_V1_3 on success.
 * @return TERN_OK, or TERN_ERR_INVALID_ARG for anything else (version untouched). Pure.
 */
tern_status tern_tls_parse_version(const char *name, uint8_t *version);

/**
 * @brief Prepare a TLS transport over POSIX TCP to host:port (tern_tls_init_over over a
 *        tern_tcp held in t->tcp) and load the configuration. Nothing happens on the network
 *        yet.
 * @param t                  the TLS transport to prepare (overwritten); the application owns it.
 * @param host               host name or IP literal: connected to, and what the certificate
 *                           must name (unless cfg->server_name); not copied, must outlive t.
 * @param port               TCP port.
 * @param connect_timeout_ms the longest wait for each address's TCP connect; 0: 10 s.
 * @param cfg                what to trust and present; read during this call only.
 * @return As tern_tls_init_over: TERN_OK; TERN_ERR_INVALID_ARG, TERN_ERR_TLS_CONFIG,
 *         TERN_ERR_UNSUPPORTED or TERN_ERR_TLS with the reason in tern_tls_error(t); nothing
 *         is left allocated on failure and tern_tls_deinit is still safe to call.
 * @note Not in builds without POSIX sockets (src/transport/tls_tcp.c left out). Not from a
 *       callback of the client using t.
 */
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
 *         TERN_ERR_UNSUPPORTED (a file asked of a NO_FILESYSTEM build) or TERN_ERR_TLS. On
 *         failure nothing is left allocated and tern_tls_error(t) says what was wrong;
 *         tern_tls_deinit is still safe to call.
 * @note Not from a callback of the client using t; one thread per tern_tls.
 */
tern_status tern_tls_init_over(tern_tls *t, const tern_transport *lower, const char *server_name,
                               const tern_tls_config *cfg);

/**
 * @brief Fill a tern_transport whose context is t, for tern_client_config.transport.
 *
 * The transport's failures are TLS statuses with the reason in tern_tls_error(t):
 * TERN_ERR_TLS_UNKNOWN_CA, TERN_ERR_TLS_EXPIRED, TERN_ERR_TLS_HOSTNAME, TERN_ERR_TLS_VERIFY
 * (the certificate policy), TERN_ERR_TLS_CLIENT_CERT, TERN_ERR_TLS_PSK, TERN_ERR_TLS_VERSION,
 * TERN_ERR_TLS; a server that closes the connection (close_notify or the lower transport
 * closing) is TERN_ERR_CLOSED, as over plain TCP.
 * @param t   the TLS transport, after a successful init; must outlive every use of out.
 * @param out the function table to fill.
 */
void tern_tls_transport(tern_tls *t, tern_transport *out);

/**
 * @brief Close any connection and free everything wolfSSL allocated for t, the saved session
 *        too. Safe after a failed init and more than once.
 * @param t the TLS transport.
 * @note Not from a callback of the client using t.
 */
void tern_tls_deinit(tern_tls *t);

/**
 * @brief The one-line reason for the last failure of init, open, send or recv, e.g.
 *        "host name mismatch: expected \"localhost\", certificate is for DNS:wrong.example.com".
 * @param t the TLS transport.
 * @return Text owned by t, valid until its next call; empty when there was none; never NULL.
 *         Never holds a key. Control characters (the server's certificate names carry what
 *         it chose) are escaped as \\xNN (tern_escape_text()): safe to print to a terminal.
 *         May be called from callbacks.
 */
const char *tern_tls_error(const tern_tls *t);

/**
 * @brief Did the current (or last) connection resume a saved session instead of making a
 *        full handshake?
 * @param t the TLS transport.
 * @return 1 when resumed, 0 otherwise. May be called from callbacks.
 */
int tern_tls_resumed(const tern_tls *t);

/**
 * @brief The negotiated protocol version of the open connection.
 * @param t the TLS transport.
 * @return "TLSv1.3" or "TLSv1.2"; "" when no connection is open. Static text.
 */
const char *tern_tls_version(const tern_tls *t);

/**
 * @brief The negotiated cipher suite of the open connection, in wolfSSL's spelling.
 * @param t the TLS transport.
 * @return "TLS13-AES128-GCM-SHA256" and the like; "" when no connection is open. Static text.
 */
const char *tern_tls_cipher(const tern_tls *t);

/**
 * @brief The ALPN protocol the server chose on the open connection.
 * @param t the TLS transport.
 * @return The protocol ("mqtt"), valid while the connection is open; "" when there is no
 *         open connection or the server chose none.
 */
const char *tern_tls_alpn(const tern_tls *t);

/**
 * @brief Is there a saved session to offer on the next open?
 * @param t the TLS transport.
 * @return 1 or 0. May be called from callbacks.
 */
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

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif
