/* Saved TLS sessions: sealed under the application's key, bound to the configuration that
 * verified them, and never handed to wolfSSL's parser unless genuine. The test wraps
 * wolfSSL_d2i_SSL_SESSION (-Wl,--wrap) to count the bytes that reach it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#if TERN_HAVE_TLS
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "tern/tls.h"

static int parser_calls;

WOLFSSL_SESSION *__real_wolfSSL_d2i_SSL_SESSION(WOLFSSL_SESSION **s, const unsigned char **p, long len);
WOLFSSL_SESSION *__wrap_wolfSSL_d2i_SSL_SESSION(WOLFSSL_SESSION **s, const unsigned char **p, long len);
WOLFSSL_SESSION *__wrap_wolfSSL_d2i_SSL_SESSION(WOLFSSL_SESSION **s, const unsigned char **p, long len)
{
    parser_calls++;
    return __real_wolfSSL_d2i_SSL_SESSION(s, p, len);
}

static const uint8_t KEY[TERN_TLS_SESSION_KEY_SIZE] = "device key: 32 bytes of secret.";
static const uint8_t SESSION_ID[32] = {0x5e, 0x55, 0x10, 0x4e, 0x1d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                       12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27};

/* A transport to host:port that trusts nothing (no files needed), with or without a PSK. */
static void init_tls(tern_tls *t, const char *host, uint16_t port, const char *psk_identity)
{
    tern_tls_config cfg;
    tern_tls_config_init(&cfg);
    cfg.insecure_skip_verify = 1;
    cfg.psk_hex = psk_identity ? "00112233445566778899aabbccddeeff" : NULL;
    cfg.psk_identity = psk_identity;
    assert_int_equal(tern_tls_init(t, host, port, 1000, &cfg), TERN_OK);
}

/* A wolfSSL session with SESSION_ID: an empty one serialised, the id spliced in after the
 * fields before it (side, bornOn, timeout), and parsed back. */
static WOLFSSL_SESSION *session_with_id(void)
{
    WOLFSSL_SESSION *empty = wolfSSL_SESSION_new();
    uint8_t plain[1024], with_id[1024 + sizeof SESSION_ID];
    unsigned char *p = plain;
    int n = wolfSSL_i2d_SSL_SESSION(empty, &p);
    wolfSSL_SESSION_free(empty);
    assert_true(n > 10 && (size_t)n <= sizeof plain);
    assert_int_equal(plain[9], 0); /* the id's length */
    memcpy(with_id, plain, 9);
    with_id[9] = sizeof SESSION_ID;
    memcpy(with_id + 10, SESSION_ID, sizeof SESSION_ID);
    memcpy(with_id + 10 + sizeof SESSION_ID, plain + 10, (size_t)n - 10);
    const unsigned char *q = with_id;
    WOLFSSL_SESSION *s = wolfSSL_d2i_SSL_SESSION(NULL, &q, n + (long)sizeof SESSION_ID);
    assert_non_null(s);
    unsigned int id_len = 0;
    const unsigned char *id = wolfSSL_SESSION_get_id(s, &id_len);
    assert_int_equal(id_len, sizeof SESSION_ID);
    assert_memory_equal(id, SESSION_ID, sizeof SESSION_ID);
    return s;
}

/* t holds a session with a known id, exported into buf. */
static size_t export_one(tern_tls *t, uint8_t *buf, size_t cap)
{
    t->session = session_with_id();
    size_t len = 0;
    assert_int_equal(tern_tls_session_export(t, KEY, NULL, 0, &len), TERN_ERR_BUFFER_TOO_SMALL);
    assert_true(len <= cap);
    assert_int_equal(tern_tls_session_export(t, KEY, buf, cap, &len), TERN_OK);
    return len;
}

/* Where the session id's length byte is: the byte 32 just before the id. */
static size_t id_length_offset(const uint8_t *buf, size_t len)
{
    for (size_t i = 1; i + sizeof SESSION_ID <= len; i++)
        if (buf[i - 1] == sizeof SESSION_ID && !memcmp(buf + i, SESSION_ID, sizeof SESSION_ID)) return i - 1;
    fail_msg("session id not found in the export");
    return 0;
}

static void genuine_session_is_imported(void **state)
{
    (void)state;
    tern_tls a, b;
    uint8_t buf[4096];
    init_tls(&a, "broker.example", 8883, NULL);
    size_t len = export_one(&a, buf, sizeof buf);
    init_tls(&b, "broker.example", 8883, NULL);
    parser_calls = 0;
    assert_int_equal(tern_tls_session_import(&b, KEY, buf, len), TERN_OK);
    assert_int_equal(parser_calls, 1);
    assert_true(tern_tls_has_session(&b));
    tern_tls_deinit(&a);
    tern_tls_deinit(&b);
}

/* The crash: the session-id length 32 changed to 0x73. Refused by the MAC, wolfSSL
 * never parses it, and the session held before stays. */
static void tampered_id_length_never_reaches_wolfssl(void **state)
{
    (void)state;
    tern_tls a;
    uint8_t buf[4096];
    init_tls(&a, "broker.example", 8883, NULL);
    size_t len = export_one(&a, buf, sizeof buf);
    WOLFSSL_SESSION *before = a.session;
    buf[id_length_offset(buf, len)] = 0x73;
    parser_calls = 0;
    assert_int_equal(tern_tls_session_import(&a, KEY, buf, len), TERN_ERR_TLS_SESSION_AUTH);
    assert_int_equal(parser_calls, 0);
    assert_ptr_equal(a.session, before);
    assert_non_null(strstr(tern_tls_error(&a), "tampered"));
    tern_tls_deinit(&a);
}

/* Every single-bit change anywhere, and every truncation or extension, is refused unparsed. */
static void any_change_is_refused_unparsed(void **state)
{
    (void)state;
    tern_tls a;
    uint8_t buf[4097];
    init_tls(&a, "broker.example", 8883, NULL);
    size_t len = export_one(&a, buf, sizeof buf - 1);
    parser_calls = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            tern_status st = tern_tls_session_import(&a, KEY, buf, len);
            buf[i] ^= (uint8_t)(1u << bit);
            assert_true(st == TERN_ERR_TLS_SESSION_AUTH || st == TERN_ERR_TLS_SESSION_BINDING);
        }
    }
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(tern_tls_session_import(&a, KEY, buf, cut), TERN_ERR_TLS_SESSION_AUTH);
    buf[len] = 0;
    assert_int_equal(tern_tls_session_import(&a, KEY, buf, len + 1), TERN_ERR_TLS_SESSION_AUTH);
    assert_int_equal(parser_calls, 0);
    tern_tls_deinit(&a);
}

static void another_key_is_refused(void **state)
{
    (void)state;
    tern_tls a;
    uint8_t buf[4096], other[TERN_TLS_SESSION_KEY_SIZE];
    init_tls(&a, "broker.example", 8883, NULL);
    size_t len = export_one(&a, buf, sizeof buf);
    memcpy(other, KEY, sizeof other);
    other[31] ^= 1;
    parser_calls = 0;
    assert_int_equal(tern_tls_session_import(&a, other, buf, len), TERN_ERR_TLS_SESSION_AUTH);
    assert_int_equal(parser_calls, 0);
    tern_tls_deinit(&a);
}

/* A genuine session under another host, port or client identity is refused unparsed. */
static void another_configuration_is_refused(void **state)
{
    (void)state;
    tern_tls a, b;
    uint8_t buf[4096];
    init_tls(&a, "broker.example", 8883, "device-1");
    size_t len = export_one(&a, buf, sizeof buf);
    struct {
        const char *host;
        uint16_t port;
        const char *psk_identity;
    } others[] = {{"rogue.example", 8883, "device-1"}, {"broker.example", 8884, "device-1"},
                  {"broker.example", 8883, "device-2"}, {"broker.example", 8883, NULL}};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        init_tls(&b, others[i].host, others[i].port, others[i].psk_identity);
        parser_calls = 0;
        assert_int_equal(tern_tls_session_import(&b, KEY, buf, len), TERN_ERR_TLS_SESSION_BINDING);
        assert_int_equal(parser_calls, 0);
        assert_false(tern_tls_has_session(&b));
        assert_non_null(strstr(tern_tls_error(&b), "another server or trust configuration"));
        tern_tls_deinit(&b);
    }
    init_tls(&b, "broker.example", 8883, "device-1");
    assert_int_equal(tern_tls_session_import(&b, KEY, buf, len), TERN_OK);
    tern_tls_deinit(&b);
    tern_tls_deinit(&a);
}

/* A session saved under a relaxed certificate policy (--tls-allow-weak-keys, --tls-allow-sha1,
 * --tls-ignore-key-usage) is refused by a client with the strict one, and the other way. */
static void another_certificate_policy_is_refused(void **state)
{
    (void)state;
    for (int relax = 0; relax < 3; relax++) {
        tern_tls a, b;
        uint8_t buf[4096];
        tern_tls_config cfg;
        tern_tls_config_init(&cfg);
        cfg.insecure_skip_verify = 1;
        cfg.min_rsa_bits = relax == 0 ? 1024 : 0;
        cfg.allow_sha1_signatures = relax == 1;
        cfg.ignore_key_usage = relax == 2;
        assert_int_equal(tern_tls_init(&a, "broker.example", 8883, 1000, &cfg), TERN_OK);
        size_t len = export_one(&a, buf, sizeof buf);
        init_tls(&b, "broker.example", 8883, NULL);
        parser_calls = 0;
        assert_int_equal(tern_tls_session_import(&b, KEY, buf, len), TERN_ERR_TLS_SESSION_BINDING);
        assert_int_equal(parser_calls, 0);
        tern_tls_deinit(&b);
        assert_int_equal(tern_tls_init(&b, "broker.example", 8883, 1000, &cfg), TERN_OK);
        assert_int_equal(tern_tls_session_import(&b, KEY, buf, len), TERN_OK);
        tern_tls_deinit(&b);
        tern_tls_deinit(&a);
    }
}

/* A lower transport that is never opened: tern_tls_init_over only needs its functions. */
static tern_status lower_open(void *ctx) { (void)ctx; return TERN_ERR_IO; }
static int32_t lower_send(void *ctx, const uint8_t *buf, size_t len) { (void)ctx, (void)buf; return (int32_t)len; }
static int32_t lower_recv(void *ctx, uint8_t *buf, size_t len) { (void)ctx, (void)buf, (void)len; return 0; }
static void lower_close(void *ctx) { (void)ctx; }

static void init_over(tern_tls *t, const char *server_name)
{
    tern_transport lower = {.open = lower_open, .send = lower_send, .recv = lower_recv, .close = lower_close};
    tern_tls_config cfg;
    tern_tls_config_init(&cfg);
    cfg.insecure_skip_verify = 1;
    assert_int_equal(tern_tls_init_over(t, &lower, server_name, &cfg), TERN_OK);
}

/* Over the application's own transport the server name says which server a session is for. */
static void server_name_binds_over_any_transport(void **state)
{
    (void)state;
    tern_tls a, b;
    uint8_t buf[4096];
    init_over(&a, "broker.example");
    size_t len = export_one(&a, buf, sizeof buf);
    init_over(&b, "rogue.example");
    assert_int_equal(tern_tls_session_import(&b, KEY, buf, len), TERN_ERR_TLS_SESSION_BINDING);
    tern_tls_deinit(&b);
    init_over(&b, "broker.example");
    assert_int_equal(tern_tls_session_import(&b, KEY, buf, len), TERN_OK);
    tern_tls_deinit(&b);
    /* Over TCP to the same name is another configuration too (host and port are bound). */
    init_tls(&b, "broker.example", 8883, NULL);
    assert_int_equal(tern_tls_session_import(&b, KEY, buf, len), TERN_ERR_TLS_SESSION_BINDING);
    tern_tls_deinit(&b);
    tern_tls_deinit(&a);
}

static void nothing_to_export_without_a_session(void **state)
{
    (void)state;
    tern_tls a;
    uint8_t buf[16];
    size_t len = 0;
    init_tls(&a, "broker.example", 8883, NULL);
    assert_int_equal(tern_tls_session_export(&a, KEY, buf, sizeof buf, &len), TERN_ERR_NOT_CONNECTED);
    assert_int_equal(tern_tls_session_import(&a, NULL, buf, sizeof buf), TERN_ERR_INVALID_ARG);
    tern_tls_deinit(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(genuine_session_is_imported),
        cmocka_unit_test(tampered_id_length_never_reaches_wolfssl),
        cmocka_unit_test(any_change_is_refused_unparsed),
        cmocka_unit_test(another_key_is_refused),
        cmocka_unit_test(another_configuration_is_refused),
        cmocka_unit_test(another_certificate_policy_is_refused),
        cmocka_unit_test(server_name_binds_over_any_transport),
        cmocka_unit_test(nothing_to_export_without_a_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* a build without TLS has no sessions to seal */
int main(void) { return 0; }
#endif
