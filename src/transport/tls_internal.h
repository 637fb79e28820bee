/* Shared by the wolfSSL transport's files: configuration, I/O, and error reporting. */
#ifndef TERN_TLS_INTERNAL_H
#define TERN_TLS_INTERNAL_H

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "tern/tls.h"

enum { TLS_CLOSED, TLS_TCP_CONNECTING, TLS_HANDSHAKING, TLS_OPEN };

/* Record the one-line reason for a failure (printf style). */
void tern_tls_set_error(tern_tls *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Certificate check callback: notes why a certificate was refused (unknown CA, expired,
 * host name) with the names involved, for the one-line error. */
/* Note why the certificate cert was refused (wolfSSL error err) in t->verify_status and t->error. */
void tern_tls_note_refusal(tern_tls *t, int err, WOLFSSL_X509 *cert);
int tern_tls_verify_cb(int preverified, WOLFSSL_X509_STORE_CTX *store);

/* A handshake or I/O call failed with wolfSSL error `err`: the status that says why, with
 * the reason recorded in t->error. */
tern_status tern_tls_failure(tern_tls *t, int err, int handshaking);

/* Build t->ctx from cfg (versions, trust, client certificate, PSK, ciphers, groups). */
tern_status tern_tls_load_config(tern_tls *t, const tern_tls_config *cfg);

#endif
