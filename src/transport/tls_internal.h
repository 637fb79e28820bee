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
/* tern_tls.psk_fallback: offering a PSK over TLS 1.3 and 1.2, trying 1.2 alone after the
 * combined offer failed, or settled on 1.2 alone for this server. */
enum { PSK_COMBINED_OFFER, PSK_TRYING_TLS12, PSK_TLS12_ONLY };

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

/* The last alert the server sent on the current connection, or -1. */
int tern_tls_last_alert(const tern_tls *t);

/* A handshake or I/O call failed with wolfSSL error `err`: the status that says why, with
 * the reason recorded in t->error. */
tern_status tern_tls_failure(tern_tls *t, int err, int handshaking);

/* Is name an IP address literal (IPv4 dotted quad or IPv6 text form)? 4 or 16, with the
 * address in out; 0 when it is not one (a host name). */
int tern_tls_parse_ip(const char *name, uint8_t out[16]);

/* The name of TLS alert `code` ("certificate_required"); "unassigned" for a code no RFC
 * names. Never NULL. */
const char *tern_tls_alert_name(int code);

/* One name a certificate gives: a subjectAltName entry, or the subject's common name. */
enum { TLS_NAME_DNS, TLS_NAME_IP, TLS_NAME_URI, TLS_NAME_OTHER, TLS_NAME_CN };
typedef struct {
    uint8_t type;         /* TLS_NAME_* */
    const uint8_t *data;  /* as in the certificate: text (not NUL-terminated), or address bytes */
    size_t len;
} tls_cert_name;

/* Does a certificate with these names (its subjectAltName entries, and its common names)
 * name host? RFC 6125: an IP address matches only an iPAddress entry; a host name matches a
 * DNS entry (a wildcard only as the whole left-most label with two labels after it), or a
 * common name when the certificate has no alternative names at all; URI names never match. */
int tern_tls_host_matches(const char *host, const tls_cert_name *names, size_t count);

/* Does the server certificate cert name t->server_name (tern_tls_host_matches)? TERN_OK, or
 * TERN_ERR_TLS_HOSTNAME with the names it has in t->error. */
tern_status tern_tls_check_peer_name(tern_tls *t, WOLFSSL_X509 *cert);

/* Take the certificate policy (key sizes, SHA-1, keyUsage) from cfg into t. */
void tern_tls_set_cert_policy(tern_tls *t, const tern_tls_config *cfg);

/* Does cert, depth places from the server's own certificate (0), keep the policy? TERN_OK,
 * or TERN_ERR_TLS_VERIFY with the reason and how to relax it in t->error. */
tern_status tern_tls_check_cert_policy(tern_tls *t, WOLFSSL_X509 *cert, int depth);

/* tern_tls_check_cert_policy for cert and for the trusted CA in the store that issued it. */
tern_status tern_tls_check_chain_link(tern_tls *t, WOLFSSL_X509_STORE_CTX *store, WOLFSSL_X509 *cert, int depth);

/* tern_tls_init_over on a t whose other fields (t->tcp) the caller has set up. */
tern_status tern_tls_setup(tern_tls *t, const tern_transport *lower, const char *server_name,
                           const tern_tls_config *cfg);

/* Build t->ctx from cfg (versions, trust, client certificate, PSK, ciphers, groups). */
tern_status tern_tls_load_config(tern_tls *t, const tern_tls_config *cfg);

#endif
