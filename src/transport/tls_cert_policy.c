/* What tern asks of every certificate in the server's chain beyond wolfSSL's checks: keys of
 * at least 2048 bits (RSA) or 256 bits (elliptic curves), no SHA-1 (or MD5) signatures, and a
 * keyUsage, when present, that allows the certificate's use. Debian's wolfSSL 5.5 accepts
 * RSA-1024 server keys, ecdsa-with-SHA1 signatures and a server certificate whose keyUsage is
 * only cRLSign. Each rule can be relaxed in tern_tls_config for a legacy broker. */
#include <stdio.h>

#include "tls_internal.h"

#include <wolfssl/openssl/evp.h>
#include <wolfssl/wolfcrypt/asn.h>

/* The rules run in the verify callback, which wolfSSL calls for certificates it accepts only
 * with these two: without them a build would skip the policy silently. */
#if !defined(WOLFSSL_ALWAYS_VERIFY_CB) || !defined(WOLFSSL_VERIFY_CB_ALL_CERTS)
#error "tern's TLS transport needs wolfSSL built with WOLFSSL_ALWAYS_VERIFY_CB and WOLFSSL_VERIFY_CB_ALL_CERTS"
#endif

enum { DEFAULT_MIN_RSA_BITS = 2048, DEFAULT_MIN_ECC_BITS = 256 };

void tern_tls_set_cert_policy(tern_tls *t, const tern_tls_config *cfg)
{
    t->min_rsa_bits = cfg->min_rsa_bits ? cfg->min_rsa_bits : DEFAULT_MIN_RSA_BITS;
    t->min_ecc_bits = cfg->min_ecc_bits ? cfg->min_ecc_bits : DEFAULT_MIN_ECC_BITS;
    t->allow_sha1 = cfg->allow_sha1_signatures;
    t->ignore_key_usage = cfg->ignore_key_usage;
}

/* The certificate's subject, for the error line. */
static void subject_of(WOLFSSL_X509 *cert, char *out, int cap)
{
    out[0] = 0;
    if (!wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_subject_name(cert), out, cap)) out[0] = 0;
}

static const char *role(int depth) { return depth == 0 ? "server certificate" : "CA certificate"; }

static tern_status refuse(tern_tls *t, WOLFSSL_X509 *cert, int depth, const char *why, const char *relax)
{
    char subject[80];
    subject_of(cert, subject, sizeof subject);
    tern_tls_set_error(t, "%s %s refused: %s (%s)", role(depth), subject, why, relax);
    t->verify_status = TERN_ERR_TLS_VERIFY;
    return TERN_ERR_TLS_VERIFY;
}

static tern_status check_key(tern_tls *t, WOLFSSL_X509 *cert, int depth)
{
    WOLFSSL_EVP_PKEY *key = wolfSSL_X509_get_pubkey(cert);
    if (!key) return TERN_OK; /* a key wolfSSL cannot read fails its own checks */
    int type = wolfSSL_EVP_PKEY_base_id(key), bits = wolfSSL_EVP_PKEY_bits(key);
    wolfSSL_EVP_PKEY_free(key);
    char why[80];
    if (type == EVP_PKEY_RSA && bits < t->min_rsa_bits) {
        snprintf(why, sizeof why, "RSA key of %d bits, under %u", bits, (unsigned)t->min_rsa_bits);
        return refuse(t, cert, depth, why, "min_rsa_bits, --tls-allow-weak-keys");
    }
    if (type == EVP_PKEY_EC && bits < t->min_ecc_bits) {
        snprintf(why, sizeof why, "elliptic-curve key of %d bits, under %u", bits, (unsigned)t->min_ecc_bits);
        return refuse(t, cert, depth, why, "min_ecc_bits, --tls-allow-weak-keys");
    }
    return TERN_OK;
}

/* A self-issued certificate (a root) is trusted for what it is, not for its own signature. */
static int self_issued(WOLFSSL_X509 *cert)
{
    return wolfSSL_X509_NAME_cmp(wolfSSL_X509_get_subject_name(cert), wolfSSL_X509_get_issuer_name(cert)) == 0;
}

static tern_status check_signature(tern_tls *t, WOLFSSL_X509 *cert, int depth)
{
    int nid = wolfSSL_X509_get_signature_nid(cert);
    int sha1 = nid == NID_sha1WithRSAEncryption || nid == NID_ecdsa_with_SHA1 || nid == NID_dsaWithSHA1 ||
               nid == NID_dsaWithSHA1_2;
    int md5 = nid == NID_md5WithRSAEncryption || nid == NID_md5WithRSA;
    if (depth > 0 && self_issued(cert)) return TERN_OK;
    if (md5) return refuse(t, cert, depth, "signed with MD5", "never accepted");
    if (sha1 && !t->allow_sha1) return refuse(t, cert, depth, "signed with SHA-1", "allow_sha1_signatures, --tls-allow-sha1");
    return TERN_OK;
}

/* RFC 5280 4.2.1.3: a server key signs the handshake (digitalSignature) or agrees on a key
 * (keyAgreement); a CA key signs certificates (keyCertSign). */
static tern_status check_key_usage(tern_tls *t, WOLFSSL_X509 *cert, int depth)
{
    if (t->ignore_key_usage || wolfSSL_X509_get_ext_by_NID(cert, NID_key_usage, -1) < 0) return TERN_OK;
    unsigned usage = wolfSSL_X509_get_keyUsage(cert);
    if (depth == 0 && !(usage & (KEYUSE_DIGITAL_SIG | KEYUSE_KEY_AGREE)))
        return refuse(t, cert, depth, "its keyUsage allows neither digitalSignature nor keyAgreement",
                      "ignore_key_usage, --tls-ignore-key-usage");
    if (depth > 0 && !(usage & KEYUSE_KEY_CERT_SIGN))
        return refuse(t, cert, depth, "its keyUsage does not allow keyCertSign", "ignore_key_usage, --tls-ignore-key-usage");
    return TERN_OK;
}

tern_status tern_tls_check_cert_policy(tern_tls *t, WOLFSSL_X509 *cert, int depth)
{
    tern_status st = check_key(t, cert, depth);
    if (st == TERN_OK) st = check_signature(t, cert, depth);
    if (st == TERN_OK) st = check_key_usage(t, cert, depth);
    return st;
}

/* The trusted CA that issued the last certificate the server sent is never passed to the
 * verify callback by itself: look it up in the store and hold it to the CA rules too (a
 * trust anchor's own SHA-1 self-signature does not matter, its key and keyUsage do). */
tern_status tern_tls_check_chain_link(tern_tls *t, WOLFSSL_X509_STORE_CTX *store, WOLFSSL_X509 *cert, int depth)
{
    tern_status st = tern_tls_check_cert_policy(t, cert, depth);
    WOLFSSL_X509 *issuer = NULL;
    if (st != TERN_OK || self_issued(cert) ||
        wolfSSL_X509_STORE_CTX_get1_issuer(&issuer, store, cert) != WOLFSSL_SUCCESS || !issuer)
        return st;
    st = check_key(t, issuer, depth + 1);
    if (st == TERN_OK) st = check_key_usage(t, issuer, depth + 1);
    wolfSSL_X509_free(issuer);
    return st;
}
