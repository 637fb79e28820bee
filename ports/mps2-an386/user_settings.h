/* wolfSSL's device profile for tern on a Cortex-M4 (wolfSSL reads this file when built with
 * WOLFSSL_USER_SETTINGS). A TLS client only: TLS 1.3 (and 1.2), X25519 and P-256 key
 * exchange, ECDSA P-256 and Ed25519 signatures checked, SHA-256, AES-128-GCM, session tickets,
 * PSK with (EC)DHE, SNI. No file system, no threads, no sockets: the bytes go through tern's
 * transport (wolfSSL's I/O callbacks). Everything else is off to save flash. */
#ifndef TERN_DEVICE_USER_SETTINGS_H
#define TERN_DEVICE_USER_SETTINGS_H

/* ---- platform: bare metal, one thread, newlib-nano */
#define SINGLE_THREADED
#define NO_FILESYSTEM
#define NO_WRITEV
#define NO_WOLFSSL_DIR
#define WOLFSSL_NO_SOCK
#define WOLFSSL_USER_IO          /* the application sets the I/O callbacks */
#define NO_DEV_RANDOM
#define WOLFSSL_GENERAL_ALIGNMENT 4
#define SIZEOF_LONG_LONG 8
#define WOLFSSL_SMALL_STACK      /* big temporaries on the heap, not the stack */
#define WOLFSSL_IGNORE_FILE_WARN

/* Entropy for the seed of wolfSSL's Hash-DRBG. TEST BUILDS ONLY: the port takes it from the host through
 * semihosting (semihost.c); a product must use its part's TRNG here. */
extern int tern_device_entropy(unsigned char *output, unsigned int size);
#define CUSTOM_RAND_GENERATE_SEED tern_device_entropy

/* ---- protocol */
#define WOLFSSL_TLS13
#define NO_WOLFSSL_SERVER
#define NO_OLD_TLS
#define HAVE_TLS_EXTENSIONS
#define HAVE_SUPPORTED_CURVES
#define HAVE_SNI
#define HAVE_SESSION_TICKET
#define HAVE_HKDF
#define HAVE_MAX_FRAGMENT        /* ask the broker for small records: small buffers */
#define SMALL_SESSION_CACHE
#define WOLFSSL_NO_TLS12         /* TLS 1.2 does not fit in the flash target (docs/device.md) */
#define NO_SESSION_CACHE_REF
#define NO_ERROR_STRINGS
/* What tern's TLS transport uses to check certificates and explain refusals: wolfSSL's
 * OpenSSL-compatible accessors (peer certificate, alternative names, versions, alert
 * history), the verify callback on every certificate of the chain, ALPN. The "lean" build
 * (bench/size/wolfssl_device_probe.c, docs/device.md) leaves them out to show what they cost. */
#ifndef TERN_DEVICE_WOLFSSL_LEAN
#define HAVE_ALPN
#define OPENSSL_EXTRA
#define WOLFSSL_ALT_NAMES
#define KEEP_PEER_CERT
#define HAVE_EX_DATA
#define WOLFSSL_ALWAYS_VERIFY_CB
#define WOLFSSL_VERIFY_CB_ALL_CERTS
#endif

/* ---- algorithms: the ones above, nothing else */
#define HAVE_ECC
#define ECC_USER_CURVES          /* P-256 only (HAVE_ECC256 is the default) */
#define ECC_TIMING_RESISTANT
#define TFM_TIMING_RESISTANT
#define HAVE_CURVE25519
#define HAVE_ED25519
#define WOLFSSL_SHA512           /* Ed25519 hashes with SHA-512 */
#define USE_SLOW_SHA512
#define USE_SLOW_SHA256
#define HAVE_AESGCM
#define GCM_SMALL
#define WOLFSSL_AES_SMALL_TABLES
#define WOLFSSL_AES_128
#define NO_AES_192
#define NO_AES_256
#define NO_AES_CBC
#define NO_RSA
#define NO_DH
#define NO_DSA
#define NO_MD4
#define NO_MD5
#define NO_SHA
#define NO_DES3
#define NO_RC4
#define NO_PWDBASED
#define NO_PKCS12
#define NO_PKCS8
#define NO_HC128
#define NO_RABBIT
#define WOLFSSL_NO_SHAKE128
#define WOLFSSL_NO_SHAKE256

/* ---- math: wolfSSL's single-precision code for P-256, with the Cortex-M assembly for its
 * field arithmetic. X25519 uses the full-size field code (fe_operations.c): the small one
 * (CURVE25519_SMALL) saves about 4 kB of flash but makes every X25519 operation several times
 * slower, and then the key exchange of a resumed handshake costs nearly a full one.
 * Ed25519 stays small (only firmware signatures use it). */
#define WOLFSSL_SP_MATH
#define WOLFSSL_HAVE_SP_ECC
#define WOLFSSL_SP_SMALL
#define WOLFSSL_SP_ARM_CORTEX_M_ASM
#define SP_WORD_SIZE 32
#define ED25519_SMALL

#endif
