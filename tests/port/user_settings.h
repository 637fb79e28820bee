/* An example wolfSSL configuration for a device build of tern's TLS transport
 * (WOLFSSL_USER_SETTINGS): what the transport needs, no file system, no sockets, all I/O
 * through tern's callbacks. The build compiles tern's TLS sources against it (tls_device_check)
 * to keep them buildable that way; docs/porting.md explains each group. */
#ifndef TERN_EXAMPLE_USER_SETTINGS_H
#define TERN_EXAMPLE_USER_SETTINGS_H

/* The platform: no file system, no BSD sockets, one thread. */
#define NO_FILESYSTEM
#define WOLFSSL_USER_IO
#define WOLFSSL_NO_SOCK
#define NO_WRITEV
#define SINGLE_THREADED
#define WOLFSSL_SMALL_STACK
/* Side-channel hardening, as a device on a hostile network needs. */
#define TFM_TIMING_RESISTANT
#define ECC_TIMING_RESISTANT
#define WC_RSA_BLINDING

/* TLS 1.3 and 1.2 with the extensions tern uses: SNI, ALPN, tickets, key-share groups. */
#define WOLFSSL_TLS13
#define HAVE_TLS_EXTENSIONS
#define HAVE_SUPPORTED_CURVES
#define HAVE_SNI
#define HAVE_ALPN
#define HAVE_SESSION_TICKET
#define HAVE_EXTENDED_MASTER
#define HAVE_ENCRYPT_THEN_MAC
#define HAVE_HKDF
#define WC_RSA_PSS

/* Forward-secret AEAD suites: ECDHE over X25519 and P-256, AES-GCM, ChaCha20-Poly1305. */
#define HAVE_ECC
#define HAVE_CURVE25519
#define HAVE_AESGCM
#define HAVE_CHACHA
#define HAVE_POLY1305
#define HAVE_FFDHE_2048

/* Certificate checks: the OpenSSL-compatible accessors tern's own checks and messages read
 * (peer certificate, alternative names, key usage, alert history), the verify callback on
 * every certificate of the chain. */
#define OPENSSL_EXTRA
#define WOLFSSL_ALT_NAMES
#define KEEP_PEER_CERT
#define HAVE_EX_DATA
#define WOLFSSL_ALWAYS_VERIFY_CB
#define WOLFSSL_VERIFY_CB_ALL_CERTS

/* The heap: wolfSSL allocates its context, connection and session (see docs/porting.md). */

#endif
