/* The TLS transport over a scripted lower transport, without a network: what passes through
 * (would-block, the descriptor, wants_write, wait) and how a failure underneath is reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#ifdef TERN_HAVE_TLS
#include "tern/tls.h"

typedef struct {
    int opens;          /* open() calls */
    int open_blocks;    /* open() says TERN_WOULD_BLOCK this many times first */
    int32_t send_result; /* what send() returns (a count, 0, or a negated status) */
    int closes;
    size_t sent;        /* bytes taken by send() */
} scripted;

static tern_status s_open(void *ctx)
{
    scripted *s = ctx;
    return s->opens++ < s->open_blocks ? TERN_WOULD_BLOCK : TERN_OK;
}

static int32_t s_send(void *ctx, const uint8_t *buf, size_t len)
{
    scripted *s = ctx;
    (void)buf;
    if (s->send_result > 0) s->sent += len;
    return s->send_result > 0 ? (int32_t)len : s->send_result;
}

static int32_t s_recv(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx, (void)buf, (void)len;
    return 0; /* nothing ever arrives */
}

static void s_close(void *ctx) { ((scripted *)ctx)->closes++; }
static int s_socket(void *ctx) { (void)ctx; return 42; }
static int s_wants_write(void *ctx) { return ((scripted *)ctx)->opens < 2; }

static tern_transport lower_of(scripted *s)
{
    tern_transport t = {s, s_open, s_send, s_recv, s_close, s_socket, s_wants_write, NULL};
    return t;
}

static tern_status init_over(tern_tls *tls, tern_transport *lower)
{
    tern_tls_config cfg;
    tern_tls_config_init(&cfg);
    cfg.insecure_skip_verify = 1; /* no CA needed: nothing gets that far */
    return tern_tls_init_over(tls, lower, "broker.example", &cfg);
}

static void opening_waits_for_the_lower_transport_and_passes_its_descriptor(void **state)
{
    (void)state;
    scripted s = {0, 2, 1, 0, 0};
    tern_transport lower = lower_of(&s), io;
    static tern_tls tls;
    assert_int_equal(init_over(&tls, &lower), TERN_OK);
    tern_tls_transport(&tls, &io);
    assert_null(io.wait); /* the lower transport has none */
    assert_int_equal(io.socket(io.ctx), 42);
    assert_int_equal(io.open(io.ctx), TERN_WOULD_BLOCK);
    assert_true(io.wants_write(io.ctx)); /* the lower transport's, while it opens */
    assert_int_equal(io.open(io.ctx), TERN_WOULD_BLOCK);
    assert_int_equal(io.open(io.ctx), TERN_WOULD_BLOCK); /* open; ClientHello sent, no answer */
    assert_int_equal(s.opens, 3);
    assert_true(s.sent > 0);
    assert_int_equal(tls.bytes_sent, s.sent);
    io.close(io.ctx);
    assert_int_equal(s.closes, 1);
    tern_tls_deinit(&tls);
}

static void a_failure_underneath_is_reported_as_itself(void **state)
{
    (void)state;
    scripted s = {0, 0, -(int32_t)TERN_ERR_IO, 0, 0};
    tern_transport lower = lower_of(&s), io;
    static tern_tls tls;
    assert_int_equal(init_over(&tls, &lower), TERN_OK);
    tern_tls_transport(&tls, &io);
    assert_int_equal(io.open(io.ctx), TERN_ERR_IO);
    assert_non_null(strstr(tern_tls_error(&tls), "network I/O error"));
    assert_int_equal(s.closes, 1);
    tern_tls_deinit(&tls);
}

static void a_missing_lower_function_is_refused(void **state)
{
    (void)state;
    scripted s = {0, 0, 1, 0, 0};
    tern_transport lower = lower_of(&s);
    lower.recv = NULL;
    static tern_tls tls;
    assert_int_equal(init_over(&tls, &lower), TERN_ERR_INVALID_ARG);
    assert_true(tern_tls_error(&tls)[0] != 0);
    tern_tls_deinit(&tls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(opening_waits_for_the_lower_transport_and_passes_its_descriptor),
        cmocka_unit_test(a_failure_underneath_is_reported_as_itself),
        cmocka_unit_test(a_missing_lower_function_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void) { return 0; } /* no TLS in this build */
#endif
