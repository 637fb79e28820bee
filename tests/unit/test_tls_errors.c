/* The TLS transport's error text never carries a control character from the server: the
 * certificate below names itself (subject, issuer) "evil ESC]0;pwned BEL ESC[2J CSI 1m DEL",
 * with CSI as the UTF-8 C1 control C2 9B (probe finding N1: an OSC title and a clear-screen
 * reached the terminal through `tern pub`'s refusal line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#ifdef TERN_HAVE_TLS
#include "transport/tls_internal.h"

#include <wolfssl/wolfcrypt/error-crypt.h>

/* openssl req -x509 -utf8 -subj "/CN=$BAD/O=$BAD" -addext subjectAltName=DNS:wrong.example.com
 * with BAD=$(printf 'evil\033]0;pwned\007\033[2J\302\2331m\177'); self-signed, P-256. */
static const char EVIL_CERT[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB/jCCAaOgAwIBAgIUVa/Y8dxJvPUzLIUzpuNS2Bx0FXUwCgYIKoZIzj0EAwIw\n"
    "RDEgMB4GA1UEAwwXZXZpbBtdMDtwd25lZAcbWzJKwpsxbX8xIDAeBgNVBAoMF2V2\n"
    "aWwbXTA7cHduZWQHG1sySsKbMW1/MCAXDTI2MTIwMjEzMzIwNloYDzIxMjYxMTA4\n"
    "MTMzMjA2WjBEMSAwHgYDVQQDDBdldmlsG10wO3B3bmVkBxtbMkrCmzFtfzEgMB4G\n"
    "A1UECgwXZXZpbBtdMDtwd25lZAcbWzJKwpsxbX8wWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAAQ2Cln3EU0sS5DImyM/xPsQXElXDr0lZcsZ+f/U9SqEst/CfbJHOA0b\n"
    "HMh08hqMNwfKMMdHobvcWI/2DG0PV2aRo3EwbzAdBgNVHQ4EFgQUAD2RYtyoelkH\n"
    "ueLaHW+HTYehREswHwYDVR0jBBgwFoAUAD2RYtyoelkHueLaHW+HTYehREswDwYD\n"
    "VR0TAQH/BAUwAwEB/zAcBgNVHREEFTATghF3cm9uZy5leGFtcGxlLmNvbTAKBggq\n"
    "hkjOPQQDAgNJADBGAiEAksMCtSTOb7DbIN1t3ES3Ibod+6ZQ6wD3i2LM8/GLhR0C\n"
    "IQDBj1S8iuX+ahF7gHN/zi1XAR3a/OtR0EawPa7FYpHHpw==\n"
    "-----END CERTIFICATE-----\n"
    ;

/* No C0 control, DEL or C1 control (lone or UTF-8) in s. */
static void assert_escaped(const char *s)
{
    const uint8_t *p = (const uint8_t *)s;
    for (size_t i = 0; p[i]; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f || (p[i] >= 0x80 && p[i] <= 0x9f))
            fail_msg("control byte 0x%02x at %zu in: %s", p[i], i, s);
    }
}

static WOLFSSL_X509 *evil_cert(void)
{
    WOLFSSL_X509 *cert = wolfSSL_X509_load_certificate_buffer((const unsigned char *)EVIL_CERT,
                                                              (int)sizeof EVIL_CERT - 1, WOLFSSL_FILETYPE_PEM);
    assert_non_null(cert);
    return cert;
}

static void refusal(int err, tern_status want, const char *must_contain)
{
    tern_tls t;
    memset(&t, 0, sizeof t);
    t.server_name = "localhost";
    WOLFSSL_X509 *cert = evil_cert();
    tern_tls_note_refusal(&t, err, cert);
    assert_int_equal(t.verify_status, want);
    assert_escaped(tern_tls_error(&t));
    assert_non_null(strstr(tern_tls_error(&t), must_contain));
    wolfSSL_X509_free(cert);
}

static void refusals_escape_the_certificates_names(void **state)
{
    (void)state;
    refusal(ASN_NO_SIGNER_E, TERN_ERR_TLS_UNKNOWN_CA, "evil\\x1b]0;pwned\\x07\\x1b[2J");
    refusal(ASN_SELF_SIGNED_E, TERN_ERR_TLS_UNKNOWN_CA, "not signed by a trusted CA");
    refusal(ASN_AFTER_DATE_E, TERN_ERR_TLS_EXPIRED, "expired on");
    refusal(ASN_SIG_CONFIRM_E, TERN_ERR_TLS_VERIFY, "refused");
}

static void host_name_mismatch_escapes_the_common_name(void **state)
{
    (void)state;
    tern_tls t;
    memset(&t, 0, sizeof t);
    t.server_name = "localhost";
    WOLFSSL_X509 *cert = evil_cert();
    assert_int_equal(tern_tls_check_peer_name(&t, cert), TERN_ERR_TLS_HOSTNAME);
    assert_escaped(tern_tls_error(&t));
    assert_non_null(strstr(tern_tls_error(&t), "DNS:wrong.example.com"));
    assert_non_null(strstr(tern_tls_error(&t), "CN=evil\\x1b]0;pwned\\x07\\x1b[2J\\xc2\\x9b1m\\x7f"));
    wolfSSL_X509_free(cert);
}

static void any_reason_is_escaped(void **state)
{
    (void)state;
    tern_tls t;
    memset(&t, 0, sizeof t);
    tern_tls_set_error(&t, "alert \"%s\" (%s)", "a\033[31mred\233", "line\nbreak");
    assert_string_equal(tern_tls_error(&t), "alert \"a\\x1b[31mred\\x9b\" (line\\x0abreak)");
    char long_text[3 * TERN_TLS_ERROR_MAX];
    memset(long_text, '\033', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    tern_tls_set_error(&t, "%s", long_text);
    assert_escaped(tern_tls_error(&t));
    assert_true(strlen(tern_tls_error(&t)) < TERN_TLS_ERROR_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refusals_escape_the_certificates_names),
        cmocka_unit_test(host_name_mismatch_escapes_the_common_name),
        cmocka_unit_test(any_reason_is_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void) { return 0; } /* no TLS in this build */
#endif
