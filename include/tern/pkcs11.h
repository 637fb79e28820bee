/**
 * @file pkcs11.h
 * @brief The client's private key in a PKCS#11 token (an HSM, a TPM through tpm2-pkcs11, a
 *        smart card, SoftHSM) for mutual TLS: the key never enters tern's memory, the TLS
 *        handshake signs through the token.
 *
 * Through wolfSSL's PKCS#11 support (HAVE_PKCS11, crypto callbacks). Use:
 * tern_pkcs11_open (module, token, PIN, key), then tern_tls_init without cert/key, then
 * tern_tls_use_pkcs11_key with the certificate file; at the end tern_tls_deinit, then
 * tern_pkcs11_close. Outside the core; allocates the module's and the token's state (wolfSSL
 * and the module allocate too).
 */
#ifndef TERN_PKCS11_H
#define TERN_PKCS11_H

#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"
#include "tern/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The public API: what libtern.so exports (the library is built with -fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/** Room for the one-line reason of the last failure, including its terminating NUL. */
#define TERN_PKCS11_ERROR_MAX 200

/** Where the key is. Read by tern_pkcs11_open only; nothing needs to outlive it. */
typedef struct {
    const char *module_path;   /**< the PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so) */
    const char *token_label;   /**< the token's label; NULL: use slot */
    long slot;                 /**< the slot id, when token_label is NULL */
    const char *pin;           /**< the user PIN, pin_len bytes; copied, wiped at close */
    size_t pin_len;            /**< its length */
    const char *key_label;     /**< CKA_LABEL of the private key, or NULL to go by key_id */
    const uint8_t *key_id;     /**< CKA_ID of the private key, or NULL to go by key_label */
    size_t key_id_len;         /**< its length */
} tern_pkcs11_config;

/** An open token with a logged-in session. Owned by the application; fields internal. */
typedef struct {
    void *dev;                 /**< wolfSSL's Pkcs11Dev: the loaded module */
    void *token;               /**< wolfSSL's Pkcs11Token: slot, session, login */
    uint8_t *pin;              /**< the copy of the PIN the token logs in with */
    size_t pin_len;            /**< its length */
    int dev_id;                /**< the crypto callback device registered with wolfSSL */
    uint8_t registered;        /**< the device is registered */
    uint8_t key_id[64];        /**< CKA_ID of the key, when it is chosen by id */
    size_t key_id_len;         /**< its length, 0 when chosen by label */
    char key_label[64];        /**< CKA_LABEL of the key, when it is chosen by label */
    char error[TERN_PKCS11_ERROR_MAX]; /**< the last failure's reason, "" if none */
} tern_pkcs11;

/**
 * @brief Load the module, find the token, log in with the PIN, check that the private key is
 *        there, and register the token with wolfSSL's crypto callbacks.
 * @param p the token state (owned by the application; must stay at its address until
 *        tern_pkcs11_close).
 * @param cfg module, token, PIN and key; see tern_pkcs11_config.
 * @return TERN_OK; TERN_ERR_INVALID_ARG (no module, no key label or id, a label or id too
 *         long); TERN_ERR_PKCS11 with a one-line reason in tern_pkcs11_error: the module is
 *         missing or cannot be loaded, no such token, the PIN is refused, no such private key.
 *         On failure nothing stays open; tern_pkcs11_close is still safe.
 * Not from callbacks; one thread at a time (PKCS#11 modules are initialised per process).
 */
tern_status tern_pkcs11_open(tern_pkcs11 *p, const tern_pkcs11_config *cfg);

/**
 * @brief Present a certificate whose private key is in the token: load cert_file into t and
 *        let the handshake sign through the token.
 * @param t a TLS transport prepared by tern_tls_init or tern_tls_init_over with neither a
 *        client certificate nor a key in its configuration.
 * @param p a token opened by tern_pkcs11_open; must stay open until tern_tls_deinit(t).
 * @param cert_file the client certificate (chain), PEM or DER.
 * @return TERN_OK; TERN_ERR_TLS_CONFIG with the reason in tern_tls_error(t) when the
 *         certificate cannot be loaded or wolfSSL refuses the token's key.
 * Not from callbacks; not while t is connecting.
 */
tern_status tern_tls_use_pkcs11_key(tern_tls *t, const tern_pkcs11 *p, const char *cert_file);

/**
 * @brief The token key's public key, for a signature's key id: the CKA_EC_POINT of the
 *        public key object with the same label or id as the private key.
 * @param p a token opened by tern_pkcs11_open.
 * @param pub receives the uncompressed EC P-256 point (0x04, X, Y).
 * @return TERN_OK; TERN_ERR_PKCS11 with the reason in tern_pkcs11_error: the token is not
 *         open, it has no such public key object, or its point is not an uncompressed P-256
 *         point.
 * Not from callbacks; one thread at a time per token.
 */
tern_status tern_pkcs11_p256_public_key(tern_pkcs11 *p, uint8_t pub[65]);

/**
 * @brief Sign a SHA-256 hash with ECDSA P-256 inside the token: the private key never
 *        leaves it (wolfCrypt's ECDSA through the token's crypto callback device).
 * @param p a token opened by tern_pkcs11_open, its key an EC P-256 private key.
 * @param hash the 32-byte SHA-256 of the message.
 * @param sig receives the DER signature (as the token's r and s give it: not normalised to
 *        low S; 72 bytes are enough).
 * @param sig_len in: bytes available at sig; out: the signature's length.
 * @return TERN_OK; TERN_ERR_PKCS11 with the reason in tern_pkcs11_error when the token is
 *         not open or does not sign (not an EC key, not allowed to sign, sig too small).
 * Not from callbacks; one thread at a time per token.
 */
tern_status tern_pkcs11_p256_sign(tern_pkcs11 *p, const uint8_t hash[32], uint8_t *sig, size_t *sig_len);

/**
 * @brief Log out, unregister the device, unload the module and wipe the PIN.
 * @param p the token; safe after a failed tern_pkcs11_open and twice. Call it after
 *        tern_tls_deinit of every transport that used it.
 */
void tern_pkcs11_close(tern_pkcs11 *p);

/**
 * @brief The one-line reason of the last failure of tern_pkcs11_open, e.g.
 *        "PKCS#11 token \"tern\" refused the PIN".
 * @param p the token.
 * @return "" when there was none; never NULL.
 */
const char *tern_pkcs11_error(const tern_pkcs11 *p);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif
