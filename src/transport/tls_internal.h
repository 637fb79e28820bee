/* Shared by the wolfSSL transport's files: configuration, I/O, and error reporting. */
#ifndef TERN_TLS_INTERNAL_H
#define TERN_TLS_INTERNAL_H

/* wolfSSL's build options: Debian's (and any ./configure build) ship options.h; a device build
 * passes WOLFSSL_USER_SETTINGS and its own user_settings.h, read through settings.h. */
#ifdef WOLFSSL_USER_SETTINGS
#include <wolfssl/wolfcrypt/settings.h>
#else
#include <wolfssl/options.h>
#endif
#include <wolfssl/ssl.h>

#include "tern/tls.h"

enum { TLS_CLOSED, TLS_LOWER_OPENING, TLS_HANDSHAKING, TLS_OPEN };

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

/* Is name an IP address literal (IPv4 dotted quad or IPv6 text form)? 4 or 16, with the
 * address in out; 0 when it is not one (a host name). */
int tern_tls_parse_ip(const char *name, uint8_t out[16]);

/* tern_tls_init_over on a t whose other fields (t->tcp) the caller has set up. */
tern_status tern_tls_setup(tern_tls *t, const tern_transport *lower, const char *server_name,
                           const tern_tls_config *cfg);

/* Build t->ctx from cfg (versions, trust, client certificate, PSK, ciphers, groups). */
tern_status tern_tls_load_config(tern_tls *t, const tern_tls_config *cfg);

#endif
