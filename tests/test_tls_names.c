/* The TLS transport's own name handling, without a network: alert names and IP literals. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_alert_has_a_name),
        cmocka_unit_test(ip_literals_are_told_from_host_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void) { return 0; } /* no TLS in this build */
#endif
