/* The TLS transport's own name handling, without a network: alert names, IP literals, and
 * the RFC 6125 host name check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#ifdef TERN_HAVE_TLS
#include "transport/tls_internal.h"

static void every_alert_has_a_name(void **state)
{
    (void)state;
    for (int code = -1; code < 300; code++) {
        const char *name = tern_tls_alert_name(code);
        assert_non_null(name);
        assert_true(name[0] != 0);
    }
    assert_string_equal(tern_tls_alert_name(116), "certificate_required");
    assert_string_equal(tern_tls_alert_name(109), "missing_extension");
    assert_string_equal(tern_tls_alert_name(120), "no_application_protocol");
    assert_string_equal(tern_tls_alert_name(115), "unknown_psk_identity");
    assert_string_equal(tern_tls_alert_name(40), "handshake_failure");
    assert_string_equal(tern_tls_alert_name(0), "close_notify");
    assert_string_equal(tern_tls_alert_name(200), "unassigned");
}

static void ip_literal(const char *text, int family, const char *bytes)
{
    uint8_t out[16];
    int n = tern_tls_parse_ip(text, out);
    assert_int_equal(n, family);
    if (family) assert_memory_equal(out, bytes, (size_t)family);
}

static void ip_literals_are_told_from_host_names(void **state)
{
    (void)state;
    ip_literal("127.0.0.1", 4, "\x7f\0\0\x01");
    ip_literal("255.255.255.255", 4, "\xff\xff\xff\xff");
    ip_literal("::1", 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01");
    ip_literal("::", 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
    ip_literal("2001:db8::2:1", 16, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\x02\0\x01");
    ip_literal("fe80:0:0:0:0:0:0:1", 16, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01");
    ip_literal("1::", 16, "\0\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
    ip_literal("::ffff:192.0.2.1", 16, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\0\x02\x01");
    const char *not_ip[] = {"localhost", "127.0.0", "127.0.0.1.", "256.0.0.1", "01.2.3.4", "1.2.3.4.5",
                            "1..2.3", "example.com", "*.0.0.1", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9",
                            "12345::", "::1:", "g::1", "", "1.2.3.-4", "::ffff:1.2.3", "1:2:3:4:5:6:7::8"};
    for (size_t i = 0; i < sizeof not_ip / sizeof not_ip[0]; i++) ip_literal(not_ip[i], 0, NULL);
    assert_int_equal(tern_tls_parse_ip(NULL, (uint8_t[16]){0}), 0);
}

/* host against one certificate name of the given type */
static int host_vs(const char *host, uint8_t type, const char *name)
{
    tls_cert_name n = {type, (const uint8_t *)name, strlen(name)};
    return tern_tls_host_matches(host, &n, 1);
}

static int host_vs_ip(const char *host, const char *bytes, size_t len)
{
    tls_cert_name n = {TLS_NAME_IP, (const uint8_t *)bytes, len};
    return tern_tls_host_matches(host, &n, 1);
}

static void dns_names_match_exactly_and_without_case(void **state)
{
    (void)state;
    assert_true(host_vs("localhost", TLS_NAME_DNS, "localhost"));
    assert_true(host_vs("LocalHost", TLS_NAME_DNS, "localhost"));
    assert_true(host_vs("broker.example.com", TLS_NAME_DNS, "Broker.Example.COM"));
    assert_true(host_vs("broker.example.com.", TLS_NAME_DNS, "broker.example.com"));
    assert_true(host_vs("broker.example.com", TLS_NAME_DNS, "broker.example.com."));
    assert_false(host_vs("localhost", TLS_NAME_DNS, "localhost2"));
    assert_false(host_vs("localhost2", TLS_NAME_DNS, "localhost"));
    assert_false(host_vs("example.com", TLS_NAME_DNS, "broker.example.com"));
    assert_false(host_vs("broker.example.com", TLS_NAME_DNS, "example.com"));
    assert_false(host_vs("", TLS_NAME_DNS, ""));
    assert_false(host_vs("a..b", TLS_NAME_DNS, "a..b"));
    assert_false(host_vs(".", TLS_NAME_DNS, "."));
    tls_cert_name nul = {TLS_NAME_DNS, (const uint8_t *)"localhost\0.evil.com", 19};
    assert_false(tern_tls_host_matches("localhost", &nul, 1)); /* an embedded NUL */
}

static void wildcards_only_as_a_whole_left_label_with_two_after(void **state)
{
    (void)state;
    assert_true(host_vs("mqtt.example.com", TLS_NAME_DNS, "*.example.com"));
    assert_true(host_vs("MQTT.Example.com", TLS_NAME_DNS, "*.EXAMPLE.com"));
    assert_true(host_vs("a.b.c.d", TLS_NAME_DNS, "*.b.c.d"));
    assert_false(host_vs("example.com", TLS_NAME_DNS, "*.example.com"));      /* no label for it */
    assert_false(host_vs("a.b.example.com", TLS_NAME_DNS, "*.example.com"));  /* one label only */
    assert_false(host_vs(".example.com", TLS_NAME_DNS, "*.example.com"));
    assert_false(host_vs("localhost", TLS_NAME_DNS, "*"));
    assert_false(host_vs("localhost", TLS_NAME_DNS, "*host"));
    assert_false(host_vs("localhost", TLS_NAME_DNS, "local*"));
    assert_false(host_vs("localhost", TLS_NAME_DNS, "l*t"));
    assert_false(host_vs("example.com", TLS_NAME_DNS, "*.com"));              /* one label after */
    assert_false(host_vs("a.com", TLS_NAME_DNS, "*.com"));
    assert_false(host_vs("foo.example.com", TLS_NAME_DNS, "f*.example.com"));
    assert_false(host_vs("foo.example.com", TLS_NAME_DNS, "*o.example.com"));
    assert_false(host_vs("foo.bar.example.com", TLS_NAME_DNS, "foo.*.example.com"));
    assert_false(host_vs("foo.example.com", TLS_NAME_DNS, "*.*.com"));
    assert_false(host_vs("foo.example.com", TLS_NAME_DNS, "**.example.com"));
    assert_false(host_vs("foo.example.com", TLS_NAME_DNS, "*..example.com"));
    assert_false(host_vs("*.example.com", TLS_NAME_DNS, "*.example.com"));    /* a host has no '*' */
    assert_false(host_vs("foo.example.com", TLS_NAME_DNS, "*."));
}

static void ip_addresses_match_only_ip_entries(void **state)
{
    (void)state;
    assert_true(host_vs_ip("127.0.0.1", "\x7f\0\0\x01", 4));
    assert_true(host_vs_ip("::1", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16));
    assert_false(host_vs_ip("127.0.0.2", "\x7f\0\0\x01", 4));
    assert_false(host_vs_ip("::1", "\x7f\0\0\x01", 4));
    assert_false(host_vs_ip("127.0.0.1", "\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\0\0\x01", 16));
    assert_false(host_vs("127.0.0.1", TLS_NAME_DNS, "127.0.0.1"));
    assert_false(host_vs("127.0.0.1", TLS_NAME_DNS, "*.0.0.1"));
    assert_false(host_vs("127.0.0.1", TLS_NAME_CN, "127.0.0.1"));
    assert_false(host_vs("::1", TLS_NAME_DNS, "::1"));
    assert_false(host_vs("localhost", TLS_NAME_IP, "localhost")); /* a name never matches an address */
}

static void uri_names_never_match_and_cn_only_without_alt_names(void **state)
{
    (void)state;
    assert_false(host_vs("localhost", TLS_NAME_URI, "localhost"));
    assert_false(host_vs("localhost", TLS_NAME_OTHER, "localhost"));
    assert_true(host_vs("localhost", TLS_NAME_CN, "localhost"));
    assert_true(host_vs("mqtt.example.com", TLS_NAME_CN, "*.example.com"));
    assert_false(host_vs("localhost", TLS_NAME_CN, "*"));
    const tls_cert_name uri_and_cn[] = {{TLS_NAME_URI, (const uint8_t *)"localhost", 9},
                                        {TLS_NAME_CN, (const uint8_t *)"localhost", 9}};
    assert_false(tern_tls_host_matches("localhost", uri_and_cn, 2));
    const tls_cert_name dns_and_cn[] = {{TLS_NAME_DNS, (const uint8_t *)"other.example", 13},
                                        {TLS_NAME_CN, (const uint8_t *)"localhost", 9}};
    assert_false(tern_tls_host_matches("localhost", dns_and_cn, 2));
    assert_true(tern_tls_host_matches("other.example", dns_and_cn, 2));
    const tls_cert_name ip_and_cn[] = {{TLS_NAME_IP, (const uint8_t *)"\x7f\0\0\x01", 4},
                                       {TLS_NAME_CN, (const uint8_t *)"localhost", 9}};
    assert_false(tern_tls_host_matches("localhost", ip_and_cn, 2));
    assert_true(tern_tls_host_matches("127.0.0.1", ip_and_cn, 2));
    const tls_cert_name several[] = {{TLS_NAME_URI, (const uint8_t *)"mqtts://x", 9},
                                     {TLS_NAME_DNS, (const uint8_t *)"a.example", 9},
                                     {TLS_NAME_DNS, (const uint8_t *)"localhost", 9}};
    assert_true(tern_tls_host_matches("localhost", several, 3));
    assert_false(tern_tls_host_matches("localhost", NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_alert_has_a_name),
        cmocka_unit_test(ip_literals_are_told_from_host_names),
        cmocka_unit_test(dns_names_match_exactly_and_without_case),
        cmocka_unit_test(wildcards_only_as_a_whole_left_label_with_two_after),
        cmocka_unit_test(ip_addresses_match_only_ip_entries),
        cmocka_unit_test(uri_names_never_match_and_cn_only_without_alt_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void) { return 0; } /* no TLS in this build */
#endif
