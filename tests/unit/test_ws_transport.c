/* The WebSocket transport over an in-memory lower transport: the upgrade, frames both ways
 * through a lower transport that takes a few bytes at a time and sometimes none, pings
 * answered, closes both ways with their status, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tern/ws.h"
#include "transport/ws_internal.h"

typedef struct {
    uint8_t in[4096];   /* server to client */
    size_t in_len, in_pos;
    uint8_t out[8192];  /* client to server */
    size_t out_len;
    size_t send_step;   /* most bytes one send takes */
    int stall_every;    /* every n-th send takes nothing (0: never) */
    int sends;
    int closed;
} pipe_io;

static tern_status pipe_open(void *ctx)
{
    ((pipe_io *)ctx)->closed = 0;
    return TERN_OK;
}

static int32_t pipe_send(void *ctx, const uint8_t *buf, size_t len)
{
    pipe_io *p = ctx;
    if (p->closed) return -(int32_t)TERN_ERR_NOT_CONNECTED;
    p->sends++;
    if (p->stall_every && p->sends % p->stall_every == 0) return 0;
    size_t n = p->send_step && len > p->send_step ? p->send_step : len;
    assert_true(p->out_len + n <= sizeof p->out);
    memcpy(p->out + p->out_len, buf, n);
    p->out_len += n;
    return (int32_t)n;
}

static int32_t pipe_recv(void *ctx, uint8_t *buf, size_t len)
{
    pipe_io *p = ctx;
    if (p->closed) return -(int32_t)TERN_ERR_NOT_CONNECTED;
    size_t n = p->in_len - p->in_pos < len ? p->in_len - p->in_pos : len;
    memcpy(buf, p->in + p->in_pos, n);
    p->in_pos += n;
    return (int32_t)n;
}

static void pipe_close(void *ctx) { ((pipe_io *)ctx)->closed = 1; }

static void pipe_put(pipe_io *p, const void *bytes, size_t n)
{
    memcpy(p->in + p->in_len, bytes, n);
    p->in_len += n;
}

typedef struct {
    pipe_io pipe;
    tern_transport lower, io;
    tern_ws ws;
    uint8_t buf[256];
} fixture;

static void start(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->lower.ctx = &f->pipe;
    f->lower.open = pipe_open;
    f->lower.send = pipe_send;
    f->lower.recv = pipe_recv;
    f->lower.close = pipe_close;
    tern_ws_config cfg = {"broker.test", 8080, "/mqtt", f->buf, sizeof f->buf, 0, 0};
    assert_int_equal(tern_ws_init(&f->ws, &f->lower, &cfg), TERN_OK);
    tern_ws_transport(&f->ws, &f->io);
}

/* The key of the request the client sent. */
static void sent_key(const pipe_io *p, char *key, size_t cap)
{
    char req[1024];
    memcpy(req, p->out, p->out_len);
    req[p->out_len] = '\0';
    const char *k = strstr(req, "Sec-WebSocket-Key: ");
    assert_non_null(k);
    k += strlen("Sec-WebSocket-Key: ");
    size_t n = (size_t)(strchr(k, '\r') - k);
    assert_true(n < cap);
    memcpy(key, k, n);
    key[n] = '\0';
}

static void answer_upgrade(fixture *f, const char *protocol_line)
{
    char key[32], accept[TERN_WS_ACCEPT_LEN], resp[512];
    sent_key(&f->pipe, key, sizeof key);
    assert_int_equal(tern_ws_accept_for(key, accept), TERN_OK);
    int n = snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s\r\n", accept, protocol_line);
    pipe_put(&f->pipe, resp, (size_t)n);
    f->pipe.out_len = 0; /* from here on: frames */
}

/* Open through the upgrade; what follows the response in the stream stays for recv. */
static void open_upgraded(fixture *f, const void *after, size_t after_len)
{
    assert_int_equal(f->io.open(f->io.ctx), TERN_WOULD_BLOCK); /* request out, no answer yet */
    answer_upgrade(f, "Sec-WebSocket-Protocol: mqtt\r\n");
    if (after_len) pipe_put(&f->pipe, after, after_len);
    assert_int_equal(f->io.open(f->io.ctx), TERN_OK);
}

/* Decode the client's frames in the pipe: every one must be masked. */
typedef struct {
    uint8_t data[2048];
    size_t data_len;
    uint8_t last_control_opcode;
    uint8_t control[TERN_WS_MAX_CONTROL];
    size_t control_len;
    uint16_t close_code;
} client_frames;

static void decode_client_frames(fixture *f, client_frames *c)
{
    memset(c, 0, sizeof *c);
    tern_ws_reader r;
    tern_ws_reader_init(&r, 1, 0);
    size_t pos = 0;
    while (pos < f->pipe.out_len) {
        tern_ws_event ev;
        size_t used = 0;
        assert_int_equal(tern_ws_reader_feed(&r, f->pipe.out + pos, f->pipe.out_len - pos, &used, &ev), TERN_OK);
        pos += used;
        if (ev.kind == TERN_WS_EVENT_DATA) {
            memcpy(c->data + c->data_len, ev.data, ev.len);
            c->data_len += ev.len;
        } else if (ev.kind != TERN_WS_EVENT_NONE) {
            c->last_control_opcode = r.frame.opcode;
            memcpy(c->control, ev.data, ev.len);
            c->control_len = ev.len;
            c->close_code = ev.close_code;
        }
    }
}

static void upgrade_request_then_masked_frames_through_a_slow_lower(void **state)
{
    (void)state;
    fixture f;
    start(&f);
    f.pipe.send_step = 3;
    f.pipe.stall_every = 2;
    const uint8_t connack[] = {0x82, 0x04, 0x20, 0x02, 0x00, 0x00};
    assert_int_equal(f.io.open(f.io.ctx), TERN_WOULD_BLOCK);
    for (int i = 0; i < 200 && f.io.wants_write(f.io.ctx); i++)
        assert_int_equal(f.io.open(f.io.ctx), TERN_WOULD_BLOCK);
    assert_false(f.io.wants_write(f.io.ctx)); /* the request is out: waiting to read */
    assert_true(f.pipe.out_len > 44);
    assert_memory_equal(f.pipe.out, "GET /mqtt HTTP/1.1\r\nHost: broker.test:8080\r\n", 44);
    answer_upgrade(&f, "Sec-WebSocket-Protocol: mqtt\r\n");
    pipe_put(&f.pipe, connack, sizeof connack); /* the server's first frame, right behind */
    assert_int_equal(f.io.open(f.io.ctx), TERN_OK);

    /* 300 bytes of MQTT: more than one frame holds with this buffer, sent a few at a time */
    uint8_t mqtt[300];
    for (size_t i = 0; i < sizeof mqtt; i++) mqtt[i] = (uint8_t)(i * 7);
    size_t done = 0;
    for (int calls = 0; done < sizeof mqtt && calls < 1000; calls++) {
        int32_t n = f.io.send(f.io.ctx, mqtt + done, sizeof mqtt - done);
        assert_true(n >= 0);
        assert_true((size_t)n <= sizeof f.buf - TERN_WS_MAX_HEADER);
        done += (size_t)n;
    }
    assert_int_equal(done, sizeof mqtt);
    client_frames c;
    decode_client_frames(&f, &c);
    assert_int_equal(c.data_len, sizeof mqtt);
    assert_memory_equal(c.data, mqtt, sizeof mqtt);

    uint8_t rx[64];
    assert_int_equal(f.io.recv(f.io.ctx, rx, sizeof rx), 4);
    assert_memory_equal(rx, connack + 2, 4);
    assert_int_equal(f.io.recv(f.io.ctx, rx, sizeof rx), 0); /* nothing more: would block */
    tern_ws_deinit(&f.ws);
}

static void pings_are_answered_and_packets_cross_frames(void **state)
{
    (void)state;
    fixture f;
    start(&f);
    /* A PUBLISH split over a fragmented message with a ping inside, and two PINGRESPs in one frame */
    const uint8_t frames[] = {0x02, 0x03, 0x30, 0x05, 0x00, 0x89, 0x03, 'a', 'b', 'c',
                              0x80, 0x04, 0x01, 't', 'h', 'i', 0x82, 0x04, 0xd0, 0x00, 0xd0, 0x00};
    const uint8_t mqtt[] = {0x30, 0x05, 0x00, 0x01, 't', 'h', 'i', 0xd0, 0x00, 0xd0, 0x00};
    open_upgraded(&f, frames, sizeof frames);
    uint8_t rx[64];
    size_t got = 0;
    for (int i = 0; i < 10; i++) {
        int32_t n = f.io.recv(f.io.ctx, rx + got, sizeof rx - got);
        assert_true(n >= 0);
        got += (size_t)n;
    }
    assert_int_equal(got, sizeof mqtt);
    assert_memory_equal(rx, mqtt, sizeof mqtt);
    client_frames c;
    decode_client_frames(&f, &c);
    assert_int_equal(c.last_control_opcode, TERN_WS_PONG);
    assert_int_equal(c.control_len, 3);
    assert_memory_equal(c.control, "abc", 3);
    tern_ws_deinit(&f.ws);
}

static void a_server_close_is_answered_with_its_status(void **state)
{
    (void)state;
    fixture f;
    start(&f);
    const uint8_t frames[] = {0x82, 0x02, 0xd0, 0x00, 0x88, 0x05, 0x03, 0xF0, 'b', 'y', 'e'};
    open_upgraded(&f, frames, sizeof frames);
    uint8_t rx[64];
    assert_int_equal(f.io.recv(f.io.ctx, rx, sizeof rx), 2); /* the data before the close first */
    assert_int_equal(f.io.recv(f.io.ctx, rx, sizeof rx), -(int32_t)TERN_ERR_WS_CLOSED);
    assert_int_equal(tern_ws_close_status(&f.ws), 1008);
    assert_non_null(strstr(tern_ws_error(&f.ws), "status 1008 \"bye\""));
    client_frames c;
    decode_client_frames(&f, &c);
    assert_int_equal(c.last_control_opcode, TERN_WS_CLOSE);
    assert_int_equal(c.close_code, 1008);
    assert_true(f.io.send(f.io.ctx, rx, 1) < 0);
    tern_ws_deinit(&f.ws);

    start(&f);
    const uint8_t normal[] = {0x88, 0x02, 0x03, 0xE8};
    open_upgraded(&f, normal, sizeof normal);
    assert_int_equal(f.io.recv(f.io.ctx, rx, sizeof rx), -(int32_t)TERN_ERR_CLOSED);
    assert_int_equal(tern_ws_close_status(&f.ws), 1000);
    tern_ws_deinit(&f.ws);
}

static void refused_frames_close_with_their_status(void **state)
{
    (void)state;
    static const struct { uint8_t frame[12]; size_t len; tern_status st; uint16_t code; } cases[] = {
        {{0x81, 0x02, 'h', 'i'}, 4, TERN_ERR_WS_TEXT, 1003},
        {{0x82, 0x7F, 0, 0, 0, 0, 0x7F, 0, 0, 0}, 10, TERN_ERR_WS_TOO_LARGE, 1009},
        {{0x82, 0x81, 1, 2, 3, 4, 5}, 7, TERN_ERR_WS_MASKED, 1002},
        {{0xC2, 0x00}, 2, TERN_ERR_WS_RESERVED, 1002},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        start(&f);
        open_upgraded(&f, cases[i].frame, cases[i].len);
        uint8_t rx[64];
        assert_int_equal(f.io.recv(f.io.ctx, rx, sizeof rx), -(int32_t)cases[i].st);
        client_frames c;
        decode_client_frames(&f, &c);
        assert_int_equal(c.last_control_opcode, TERN_WS_CLOSE);
        assert_int_equal(c.close_code, cases[i].code);
        assert_true(tern_ws_error(&f.ws)[0] != '\0');
        tern_ws_deinit(&f.ws);
    }
}

static void the_client_closes_with_1000(void **state)
{
    (void)state;
    fixture f;
    start(&f);
    open_upgraded(&f, NULL, 0);
    f.io.close(f.io.ctx);
    assert_true(f.pipe.closed);
    client_frames c;
    decode_client_frames(&f, &c);
    assert_int_equal(c.last_control_opcode, TERN_WS_CLOSE);
    assert_int_equal(c.close_code, 1000);
    tern_ws_deinit(&f.ws);
}

static void upgrade_refusals_close_the_lower_transport(void **state)
{
    (void)state;
    fixture f;
    start(&f);
    assert_int_equal(f.io.open(f.io.ctx), TERN_WOULD_BLOCK);
    pipe_put(&f.pipe, "HTTP/1.1 403 Forbidden\r\n\r\n", 26);
    assert_int_equal(f.io.open(f.io.ctx), TERN_ERR_WS_HANDSHAKE);
    assert_true(f.pipe.closed);
    assert_non_null(strstr(tern_ws_error(&f.ws), "HTTP/1.1 403 Forbidden"));
    tern_ws_deinit(&f.ws);

    start(&f);
    assert_int_equal(f.io.open(f.io.ctx), TERN_WOULD_BLOCK);
    answer_upgrade(&f, "");
    assert_int_equal(f.io.open(f.io.ctx), TERN_ERR_WS_SUBPROTOCOL);
    tern_ws_deinit(&f.ws);

    start(&f); /* a response head longer than the buffer */
    assert_int_equal(f.io.open(f.io.ctx), TERN_WOULD_BLOCK);
    pipe_put(&f.pipe, "HTTP/1.1 101 Switching Protocols\r\n", 34);
    for (int i = 0; i < 10; i++) pipe_put(&f.pipe, "X-Padding: 0123456789012345678901234567890\r\n", 44);
    assert_int_equal(f.io.open(f.io.ctx), TERN_ERR_BUFFER_TOO_SMALL);
    tern_ws_deinit(&f.ws);
}

static void init_refuses_bad_configuration(void **state)
{
    (void)state;
    fixture f;
    start(&f);
    tern_ws ws;
    uint8_t small[16];
    tern_ws_config cfg = {"broker.test", 80, "mqtt", f.buf, sizeof f.buf, 0, 0};
    assert_int_equal(tern_ws_init(&ws, &f.lower, &cfg), TERN_ERR_INVALID_ARG); /* no leading / */
    cfg.path = "/a b";
    assert_int_equal(tern_ws_init(&ws, &f.lower, &cfg), TERN_ERR_INVALID_ARG);
    cfg.path = NULL;
    cfg.host = "bad\r\nhost";
    assert_int_equal(tern_ws_init(&ws, &f.lower, &cfg), TERN_ERR_INVALID_ARG);
    cfg.host = "broker.test";
    cfg.buf = small;
    cfg.buf_cap = sizeof small;
    assert_int_equal(tern_ws_init(&ws, &f.lower, &cfg), TERN_ERR_BUFFER_TOO_SMALL);
    assert_true(tern_ws_error(&ws)[0] != '\0');
    tern_ws_deinit(&ws);
    tern_ws_deinit(&f.ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(upgrade_request_then_masked_frames_through_a_slow_lower),
        cmocka_unit_test(pings_are_answered_and_packets_cross_frames),
        cmocka_unit_test(a_server_close_is_answered_with_its_status),
        cmocka_unit_test(refused_frames_close_with_their_status),
        cmocka_unit_test(the_client_closes_with_1000),
        cmocka_unit_test(upgrade_refusals_close_the_lower_transport),
        cmocka_unit_test(init_refuses_bad_configuration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
