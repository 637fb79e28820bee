/* Why a TLS connection failed, in one line a person can act on: which certificate check
 * failed and for which names, or which alert the server sent. */
#include "tls_internal.h" /* first: wolfSSL's options.h must precede its other headers */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tern/text.h"

#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

/* Every reason goes through here, and most carry text the server chose (its certificate's
 * names, wolfSSL's rendering of them): escaped, so that printing the reason cannot send
 * commands to a terminal. */
void tern_tls_set_error(tern_tls *t, const char *fmt, ...)
{
    char raw[TERN_TLS_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    size_t used = len < 0 ? 0 : (size_t)len < sizeof raw ? (size_t)len : sizeof raw - 1;
    tern_escape_text(t->error, sizeof t->error, raw, used);
}

/* wolfSSL's text, or fallback where it has none: never a NULL for a %s. */
static const char *text_or(const char *text, const char *fallback) { return text ? text : fallback; }

/* The names a certificate is for: its DNS alternative names, or its subject. */
static void cert_names(WOLFSSL_X509 *cert, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    for (char *n = wolfSSL_X509_get_next_altname(cert); n && used + 4 < cap;
         n = wolfSSL_X509_get_next_altname(cert)) {
        int w = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", n);
        if (w < 0) break;
        used += (size_t)w < cap - used ? (size_t)w : cap - used - 1;
    }
    if (used == 0) wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_subject_name(cert), out, (int)cap);
}

void tern_tls_note_refusal(tern_tls *t, int err, WOLFSSL_X509 *cert)
{
    char names[96] = "?", when[40] = "?";
    if (cert) cert_names(cert, names, sizeof names);
    switch (err) {
    case ASN_NO_SIGNER_E:
    case ASN_SELF_SIGNED_E:
        t->verify_status = TERN_ERR_TLS_UNKNOWN_CA;
        if (cert) wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_issuer_name(cert), when, sizeof when);
        tern_tls_set_error(t, "server certificate (%s) is not signed by a trusted CA (issuer %s%s)",
                           names, when, strcmp(names, "?") ? "" : "; self-signed?");
        break;
    case ASN_AFTER_DATE_E:
    case ASN_BEFORE_DATE_E:
        t->verify_status = TERN_ERR_TLS_EXPIRED;
        if (cert) wolfSSL_ASN1_TIME_to_string(err == ASN_AFTER_DATE_E ? wolfSSL_X509_get_notAfter(cert)
                                                                      : wolfSSL_X509_get_notBefore(cert),
                                              when, sizeof when);
        tern_tls_set_error(t, "server certificate (%s) %s %s", names,
                           err == ASN_AFTER_DATE_E ? "expired on" : "is not valid before", when);
        break;
    case DOMAIN_NAME_MISMATCH:
    case IPADDR_MISMATCH:
        t->verify_status = TERN_ERR_TLS_HOSTNAME;
        tern_tls_set_error(t, "host name mismatch: expected \"%s\", certificate is for \"%s\"",
                           t->server_name, names);
        break;
    default:
        t->verify_status = TERN_ERR_TLS_VERIFY;
        tern_tls_set_error(t, "server certificate (%s) refused: %s (%d)", names,
                           text_or(wolfSSL_ERR_reason_error_string((unsigned long)err), "wolfSSL error"), err);
    }
}

/* wolfSSL's OpenSSL layer may report OpenSSL's X509_V_ERR_* numbers (positive) instead of its
 * own (negative): fold them onto one set. */
static int native_error(int e)
{
    switch (e) {
    case 2: case 7: case 18: case 19: case 20: case 21: return ASN_NO_SIGNER_E;
    case 9: case 13: return ASN_BEFORE_DATE_E;   /* not yet valid (13: as wolfSSL 5.5 says it) */
    case 10: case 14: return ASN_AFTER_DATE_E;   /* expired (14: likewise) */
    case 62: return DOMAIN_NAME_MISMATCH;
    case 64: return IPADDR_MISMATCH;
    default: return e;
    }
}

int tern_tls_verify_cb(int preverified, WOLFSSL_X509_STORE_CTX *store)
{
    tern_tls *t = store ? (tern_tls *)store->userCtx : NULL;
    if (!t) return preverified;
    if (preverified) { /* wolfSSL found nothing wrong: tern's own rules (WOLFSSL_ALWAYS_VERIFY_CB) */
        WOLFSSL_X509 *cert = wolfSSL_X509_STORE_CTX_get_current_cert(store);
        int depth = wolfSSL_X509_STORE_CTX_get_error_depth(store);
        if (t->verify_status != TERN_OK) return 0;
        return !cert || tern_tls_check_chain_link(t, store, cert, depth) == TERN_OK;
    }
    /* The first refusal is the one to report (the peer certificate is checked last). */
    if (t->verify_status == TERN_OK)
        tern_tls_note_refusal(t, native_error(wolfSSL_X509_STORE_CTX_get_error(store)), wolfSSL_X509_STORE_CTX_get_current_cert(store));
    return 0;
}

/* Alerts that mean the server did not accept our certificate (or our lack of one). */
static int alert_is_client_cert(int code, const tern_tls *t)
{
    return code == 116 /* certificate_required */ || code == 42 /* bad_certificate */ ||
           code == 43 /* unsupported_certificate */ || code == 44 /* certificate_revoked */ ||
           code == 45 /* certificate_expired */ || code == 48 /* unknown_ca */ ||
           (code == 40 /* handshake_failure */ && t->cert_requested && !t->cert_loaded);
}

static int alert_is_psk(int code)
{
    return code == 40 /* handshake_failure */ || code == 51 /* decrypt_error */ ||
           code == 20 /* bad_record_mac */ || code == 115 /* unknown_psk_identity */ ||
           code == 47 /* illegal_parameter */;
}

/* The peer ended the connection: close_notify (wolfSSL_get_error says ZERO_RETURN) or the
 * transport underneath closed. */
static int is_peer_close(int err)
{
    return err == WOLFSSL_ERROR_ZERO_RETURN || err == ZERO_RETURN || err == SOCKET_PEER_CLOSED_E ||
           err == SOCKET_ERROR_E;
}

int tern_tls_last_alert(const tern_tls *t)
{
    WOLFSSL_ALERT_HISTORY h;
    memset(&h, 0, sizeof h);
    return t->ssl && wolfSSL_get_alert_history(t->ssl, &h) == WOLFSSL_SUCCESS ? h.last_rx.code : -1;
}

/* A PSK handshake refused: by the key, or for want of a PSK suite both sides accept. The
 * server asks for the key in TLS 1.2 only once it has chosen a PSK suite; in TLS 1.3 the key
 * goes with the first message, so a TLS 1.3 refusal is told apart by the TLS 1.2 retry. */
static tern_status psk_refused(tern_tls *t, int alert, int version_refused)
{
    int retrying = t->psk_fallback == PSK_TRYING_TLS12;
    int tls12_alone = retrying || wolfSSL_CTX_get_max_proto_version(t->ctx) == TLS1_2_VERSION;
    if (version_refused) {
        if (!retrying || !t->psk_tls13_alert) return TERN_OK; /* truly no version in common */
        alert = t->psk_tls13_alert; /* a TLS 1.3-only server: its refusal of the offer is the cause */
    } else if (alert == 40 && tls12_alone && !t->psk_tls12_asked) {
        tern_tls_set_error(t, "server accepts none of the PSK cipher suites offered (alert %s): by "
                              "default only DHE-PSK, with forward secrecy; a server that allows only "
                              "plain PSK suites needs them named with --ciphers (e.g. PSK-AES128-GCM-SHA256)",
                           tern_tls_alert_name(alert));
        return TERN_ERR_TLS;
    } else if (!alert_is_psk(alert)) {
        return TERN_OK;
    }
    tern_tls_set_error(t, "server rejected the pre-shared key for identity \"%s\" (alert %s)",
                       t->psk_identity, tern_tls_alert_name(alert));
    return TERN_ERR_TLS_PSK;
}

tern_status tern_tls_failure(tern_tls *t, int err, int handshaking)
{
    if (t->verify_status != TERN_OK) return t->verify_status; /* the reason is written */
    int alert = tern_tls_last_alert(t);
    if (alert > 0 && alert_is_client_cert(alert, t)) {
        tern_tls_set_error(t, "server refused the connection for want of an acceptable client "
                              "certificate (alert %s)%s", tern_tls_alert_name(alert),
                           t->cert_loaded ? "" : "; give one with --cert/--key");
        return TERN_ERR_TLS_CLIENT_CERT;
    }
    if (t->psk_len && handshaking) {
        tern_status st = psk_refused(t, alert, err == VERSION_ERROR || alert == 70);
        if (st != TERN_OK) return st;
    }
    if (err == VERSION_ERROR || alert == 70 /* protocol_version */) {
        tern_tls_set_error(t, "no TLS version in common with the server");
        return TERN_ERR_TLS_VERSION;
    }
    if (t->lower_failure != TERN_OK && t->lower_failure != TERN_ERR_CLOSED) {
        tern_tls_set_error(t, "the connection underneath failed: %s", tern_status_str(t->lower_failure));
        return t->lower_failure;
    }
    if (is_peer_close(err)) {
        tern_tls_set_error(t, "connection closed by the server%s", handshaking ? " during the TLS handshake" : "");
        return handshaking ? TERN_ERR_TLS : TERN_ERR_CLOSED;
    }
    char why[80];
    wolfSSL_ERR_error_string_n((unsigned long)err, why, sizeof why);
    if (strstr(why, "unknown error")) snprintf(why, sizeof why, "wolfSSL error %d", err);
    if (alert > 0) tern_tls_set_error(t, "TLS failed: server sent alert \"%s\" (%s)",
                                      tern_tls_alert_name(alert), why);
    else tern_tls_set_error(t, "TLS failed: %s", why);
    return TERN_ERR_TLS;
}
