/* The server certificate must name the host tern connected to. tern checks it itself, with
 * the RFC 6125 rules of tls_names.c, after the handshake and before a single byte of MQTT goes
 * out: wolfSSL 5.5's own check accepts "*", "*host" and "*.com", takes URI names for host
 * names, falls back to the common name beside alternative names, and Debian's build checks no
 * IP address at all (no WOLFSSL_IP_ALT_NAME). */
#include <stdio.h>
#include <string.h>

#include "tls_internal.h"

#include <wolfssl/wolfcrypt/asn.h>

/* More names than this in one certificate: the rest are not looked at (a refusal, never a
 * false match). */
enum { MAX_CERT_NAMES = 32, GENERAL_NAME_DNS = 2, GENERAL_NAME_URI = 6, GENERAL_NAME_IP = 7 };

static size_t add_name(tls_cert_name *out, size_t n, uint8_t type, WOLFSSL_ASN1_STRING *text)
{
    if (n >= MAX_CERT_NAMES) return n;
    out[n].type = type;
    out[n].data = text ? wolfSSL_ASN1_STRING_data(text) : NULL;
    int len = text ? wolfSSL_ASN1_STRING_length(text) : 0;
    out[n].len = out[n].data && len > 0 ? (size_t)len : 0;
    return n + 1;
}

/* The subjectAltName entries (alt, owned by the caller) and the subject's common names. */
static size_t collect_names(WOLFSSL_X509 *cert, WOLFSSL_GENERAL_NAMES *alt, tls_cert_name *out)
{
    size_t n = 0;
    int count = alt ? wolfSSL_sk_GENERAL_NAME_num(alt) : 0;
    for (int i = 0; i < count; i++) {
        WOLFSSL_GENERAL_NAME *gn = wolfSSL_sk_GENERAL_NAME_value(alt, i);
        if (!gn) continue;
        if (gn->type == GENERAL_NAME_DNS) n = add_name(out, n, TLS_NAME_DNS, gn->d.dNSName);
        else if (gn->type == GENERAL_NAME_IP) n = add_name(out, n, TLS_NAME_IP, gn->d.iPAddress);
        else if (gn->type == GENERAL_NAME_URI) n = add_name(out, n, TLS_NAME_URI, gn->d.uniformResourceIdentifier);
        else n = add_name(out, n, TLS_NAME_OTHER, NULL);
    }
    WOLFSSL_X509_NAME *subject = wolfSSL_X509_get_subject_name(cert);
    for (int i = -1; subject && (i = wolfSSL_X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;)
        n = add_name(out, n, TLS_NAME_CN, wolfSSL_X509_NAME_ENTRY_get_data(wolfSSL_X509_NAME_get_entry(subject, i)));
    return n;
}

/* One name for the error line: "DNS:x", "IP:1.2.3.4", "URI:x", "CN=x". */
static int describe_name(const tls_cert_name *name, char *out, size_t cap)
{
    static const char *const PREFIX[] = {"DNS:", "IP:", "URI:", "other name", "CN="};
    const uint8_t *d = name->data;
    if (name->type == TLS_NAME_IP && name->len == 4)
        return snprintf(out, cap, "IP:%u.%u.%u.%u", d[0], d[1], d[2], d[3]);
    if (name->type == TLS_NAME_IP && name->len == 16) {
        int w = snprintf(out, cap, "IP:");
        for (size_t i = 0; i < 16 && w > 0 && (size_t)w < cap; i += 2)
            w += snprintf(out + w, cap - (size_t)w, "%s%x", i ? ":" : "", (unsigned)(d[i] << 8 | d[i + 1]));
        return w;
    }
    int len = name->len < 64 ? (int)name->len : 64;
    return snprintf(out, cap, "%s%.*s", PREFIX[name->type], d ? len : 0, d ? (const char *)d : "");
}

static void describe_names(const tls_cert_name *names, size_t count, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < count && used + 1 < cap; i++) {
        if (i) used += (size_t)snprintf(out + used, cap - used, ", ");
        if (used + 1 >= cap) break;
        int w = describe_name(&names[i], out + used, cap - used);
        if (w < 0) break;
        used += (size_t)w < cap - used ? (size_t)w : cap - used - 1;
    }
    if (count == 0) snprintf(out, cap, "no name at all");
}

tern_status tern_tls_check_peer_name(tern_tls *t, WOLFSSL_X509 *cert)
{
    WOLFSSL_GENERAL_NAMES *alt = wolfSSL_X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    tls_cert_name names[MAX_CERT_NAMES];
    size_t count = collect_names(cert, alt, names);
    tern_status st = TERN_OK;
    if (!tern_tls_host_matches(t->server_name, names, count)) {
        char seen[TERN_TLS_ERROR_MAX / 2];
        describe_names(names, count, seen, sizeof seen);
        t->verify_status = st = TERN_ERR_TLS_HOSTNAME;
        tern_tls_set_error(t, "host name mismatch: expected \"%s\", certificate is for %s", t->server_name, seen);
    }
    if (alt) wolfSSL_GENERAL_NAMES_free(alt);
    return st;
}
