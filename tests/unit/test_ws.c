/* The WebSocket frame codec (RFC 6455's own examples, section 5.7), the stream reader's
 * refusals, the upgrade handshake's checks, and the transport over an in-memory lower
 * transport that accepts bytes a few at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tern/ws.h"
#include "transport/ws_internal.h"

static const uint8_t rfc_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

/* ------------------------------------------------------------------ headers and masking */

static void rfc_examples_decode(void **state)
{
    (void)state;
    tern_ws_header h;
    const uint8_t unmasked_hello[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    assert_int_equal(tern_ws_decode_header(unmasked_hello, sizeof unmasked_hello, &h), TERN_OK);
    assert_int_equal(h.opcode, TERN_WS_TEXT);
    assert_int_equal(h.fin, 1);
    assert_int_equal(h.masked, 0);
    assert_int_equal(h.payload_len, 5);
    assert_int_equal(h.header_len, 2);

    uint8_t masked_hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    assert_int_equal(tern_ws_decode_header(masked_hello, 5, &h), TERN_NEED_MORE);
    assert_int_equal(tern_ws_decode_header(masked_hello, sizeof masked_hello, &h), TERN_OK);
    assert_int_equal(h.masked, 1);
    assert_int_equal(h.header_len, 6);
    assert_memory_equal(h.mask, rfc_mask, 4);
    tern_ws_mask(masked_hello + 6, 2, h.mask, 0); /* in two pieces, as a stream would */
    tern_ws_mask(masked_hello + 8, 3, h.mask, 2);
    assert_memory_equal(masked_hello + 6, "Hello", 5);

    const uint8_t first[] = {0x01, 0x03, 0x48, 0x65, 0x6c}, last[] = {0x80, 0x02, 0x6c, 0x6f};
    assert_int_equal(tern_ws_decode_header(first, sizeof first, &h), TERN_OK);
    assert_int_equal(h.fin, 0);
    assert_int_equal(h.opcode, TERN_WS_TEXT);
    assert_int_equal(tern_ws_decode_header(last, sizeof last, &h), TERN_OK);
    assert_int_equal(h.fin, 1);
    assert_int_equal(h.opcode, TERN_WS_CONTINUATION);

    const uint8_t len256[] = {0x82, 0x7E, 0x01, 0x00};
    assert_int_equal(tern_ws_decode_header(len256, 3, &h), TERN_NEED_MORE);
    assert_int_equal(tern_ws_decode_header(len256, sizeof len256, &h), TERN_OK);
    assert_int_equal(h.payload_len, 256);
    assert_int_equal(h.header_len, 4);
    const uint8_t len64k[] = {0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00};
    assert_int_equal(tern_ws_decode_header(len64k, 9, &h), TERN_NEED_MORE);
    assert_int_equal(tern_ws_decode_header(len64k, sizeof len64k, &h), TERN_OK);
    assert_int_equal(h.payload_len, 65536);
    assert_int_equal(h.header_len, 10);
}

static void rfc_examples_encode(void **state)
{
    (void)state;
    uint8_t out[TERN_WS_MAX_HEADER + 5];
    size_t n = 0;
    /* Masked "Hello" (the client side of section 5.7) */
    assert_int_equal(tern_ws_encode_header(out, sizeof out, TERN_WS_TEXT, 1, 5, rfc_mask, &n), TERN_OK);
    memcpy(out + n, "Hello", 5);
    tern_ws_mask(out + n, 5, rfc_mask, 0);
    const uint8_t masked_hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    assert_int_equal(n + 5, sizeof masked_hello);
    assert_memory_equal(out, masked_hello, sizeof masked_hello);
    /* Masked pong answering the unmasked ping "Hello" */
    assert_int_equal(tern_ws_encode_header(out, sizeof out, TERN_WS_PONG, 1, 5, rfc_mask, &n), TERN_OK);
    assert_int_equal(out[0], 0x8a);
    assert_int_equal(out[1], 0x85);
    /* Unmasked fragments */
    assert_int_equal(tern_ws_encode_header(out, sizeof out, TERN_WS_TEXT, 0, 3, NULL, &n), TERN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 0x01);
    assert_int_equal(out[1], 0x03);
    /* 256 and 65536 bytes: 16- and 64-bit lengths */
    const uint8_t len256[] = {0x82, 0x7E, 0x01, 0x00};
    assert_int_equal(tern_ws_encode_header(out, sizeof out, TERN_WS_BINARY, 1, 256, NULL, &n), TERN_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(out, len256, 4);
    const uint8_t len64k[] = {0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00};
    assert_int_equal(tern_ws_encode_header(out, sizeof out, TERN_WS_BINARY, 1, 65536, NULL, &n), TERN_OK);
    assert_int_equal(n, 10);
    assert_memory_equal(out, len64k, 10);
    /* 125 is the longest short form, 65535 the longest 16-bit one */
    assert_int_equal(tern_ws_encode_header(out, sizeof out, TERN_WS_BINARY, 1, 125, NULL, &n), TERN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(tern_ws_encode_header(out, sizeof out, TERN_WS_BINARY, 1, 65535, NULL, &n), TERN_OK);
    assert_int_equal(n, 4);
}

static void masking_in_pieces_matches_bytewise(void **state)
{
    (void)state;
    uint8_t data[41], expected[41];
    for (size_t len = 0; len <= sizeof data; len++) {
        for (uint64_t offset = 0; offset < 9; offset++) {
            for (size_t i = 0; i < len; i++) data[i] = expected[i] = (uint8_t)(i * 31 + len);
            for (size_t i = 0; i < len; i++) expected[i] ^= rfc_mask[(offset + i) % 4];
            tern_ws_mask(data, len, rfc_mask, offset);
            if (len) assert_memory_equal(data, expected, len);
        }
    }
}

static void encode_refuses_what_no_peer_may_receive(void **state)
{
    (void)state;
    uint8_t out[TERN_WS_MAX_HEADER];
    size_t n = 0;
    assert_int_equal(tern_ws_encode_header(out, sizeof out, 0x3, 1, 1, NULL, &n), TERN_ERR_INVALID_ARG);
    assert_int_equal(tern_ws_encode_header(out, sizeof out, TERN_WS_PING, 0, 1, NULL, &n), TERN_ERR_INVALID_ARG);
    assert_int_equal(tern_ws_encode_header(out, sizeof out, TERN_WS_CLOSE, 1, 126, NULL, &n), TERN_ERR_INVALID_ARG);
    assert_int_equal(tern_ws_encode_header(out, sizeof out, TERN_WS_BINARY, 1, 1ull << 63, NULL, &n), TERN_ERR_INVALID_ARG);
    assert_int_equal(tern_ws_encode_header(out, 5, TERN_WS_BINARY, 1, 65536, NULL, &n), TERN_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(tern_ws_encode_header(out, 5, TERN_WS_BINARY, 1, 1, rfc_mask, &n), TERN_ERR_BUFFER_TOO_SMALL);
}

static void decode_refuses_malformed_headers(void **state)
{
    (void)state;
    static const struct { uint8_t bytes[10]; size_t len; tern_status st; } cases[] = {
        {{0xC2, 0x00}, 2, TERN_ERR_WS_RESERVED},   /* RSV1 */
        {{0xA2, 0x00}, 2, TERN_ERR_WS_RESERVED},   /* RSV2 */
        {{0x92, 0x00}, 2, TERN_ERR_WS_RESERVED},   /* RSV3 */
        {{0x83, 0x00}, 2, TERN_ERR_WS_RESERVED},   /* data opcode 3 */
        {{0x8B, 0x00}, 2, TERN_ERR_WS_RESERVED},   /* control opcode 0xB */
        {{0x89, 0x7E}, 2, TERN_ERR_WS_FRAME},      /* ping longer than 125 */
        {{0x09, 0x00}, 2, TERN_ERR_WS_FRAME},      /* fragmented ping */
        {{0x82, 0x7E, 0x00, 0x7D}, 4, TERN_ERR_WS_FRAME}, /* 125 in 16 bits */
        {{0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, 10, TERN_ERR_WS_FRAME}, /* 65535 in 64 */
        {{0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}, 10, TERN_ERR_WS_FRAME},    /* top bit set */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tern_ws_header h;
        assert_int_equal(tern_ws_decode_header(cases[i].bytes, cases[i].len, &h), cases[i].st);
    }
}

/* ------------------------------------------------------------------ the stream reader */

/* Feed all of in (in pieces of at most step bytes), collecting data and events. */
typedef struct {
    uint8_t data[256];
    size_t data_len;
    char events[64];   /* one letter per event: D data, P ping, O pong, C close */
    size_t events_len;
    uint16_t close_code;
    uint8_t ping[TERN_WS_MAX_CONTROL];
    size_t ping_len;
} collected;

static tern_status feed_all(tern_ws_reader *r, uint8_t *in, size_t len, size_t step, collected *c)
{
    memset(c, 0, sizeof *c);
    size_t pos = 0;
    while (pos < len) {
        size_t piece = len - pos < step ? len - pos : step, used = 0;
        tern_ws_event ev;
        tern_status st = tern_ws_reader_feed(r, in + pos, piece, &used, &ev);
        if (st != TERN_OK) return st;
        assert_true(used <= piece);
        assert_true(used > 0 || ev.kind != TERN_WS_EVENT_NONE);
        pos += used;
        if (ev.kind == TERN_WS_EVENT_NONE) continue;
        c->events[c->events_len++] = "NDPOC"[ev.kind];
        if (ev.kind == TERN_WS_EVENT_DATA) {
            memcpy(c->data + c->data_len, ev.data, ev.len);
            c->data_len += ev.len;
        } else if (ev.kind == TERN_WS_EVENT_PING) {
            memcpy(c->ping, ev.data, ev.len);
            c->ping_len = ev.len;
        } else if (ev.kind == TERN_WS_EVENT_CLOSE) {
            c->close_code = ev.close_code;
        }
    }
    return TERN_OK;
}

static void reader_joins_fragments_around_a_ping(void **state)
{
    (void)state;
    /* Section 5.7's fragmented message as binary, with its ping between the fragments,
     * then an empty frame and a frame holding two MQTT packets (PINGRESP twice). */
    const uint8_t stream[] = {0x02, 0x03, 0x48, 0x65, 0x6c, 0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f,
                              0x80, 0x02, 0x6c, 0x6f, 0x82, 0x00, 0x82, 0x04, 0xd0, 0x00, 0xd0, 0x00};
    const uint8_t expected[] = {'H', 'e', 'l', 'l', 'o', 0xd0, 0x00, 0xd0, 0x00};
    for (size_t step = 1; step <= sizeof stream; step++) {
        uint8_t copy[sizeof stream];
        memcpy(copy, stream, sizeof stream);
        tern_ws_reader r;
        tern_ws_reader_init(&r, 0, 0);
        collected c;
        assert_int_equal(feed_all(&r, copy, sizeof copy, step, &c), TERN_OK);
        assert_int_equal(c.data_len, sizeof expected);
        assert_memory_equal(c.data, expected, sizeof expected);
        assert_int_equal(c.ping_len, 5);
        assert_memory_equal(c.ping, "Hello", 5);
        assert_non_null(strchr(c.events, 'P'));
    }
}

static void reader_unmasks_a_clients_frames(void **state)
{
    (void)state;
    uint8_t masked_ping[] = {0x89, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    tern_ws_reader r;
    tern_ws_reader_init(&r, 1, 0);
    collected c;
    assert_int_equal(feed_all(&r, masked_ping, sizeof masked_ping, 4, &c), TERN_OK);
    assert_string_equal(c.events, "P");
    assert_memory_equal(c.ping, "Hello", 5);
    uint8_t unmasked[] = {0x82, 0x01, 0x00};
    tern_ws_reader_init(&r, 1, 0);
    assert_int_equal(feed_all(&r, unmasked, sizeof unmasked, 8, &c), TERN_ERR_WS_MASKED);
}

static void reader_reports_close_status_and_reason(void **state)
{
    (void)state;
    uint8_t normal[] = {0x88, 0x02, 0x03, 0xE8};
    uint8_t none[] = {0x88, 0x00};
    uint8_t policy[] = {0x88, 0x06, 0x03, 0xF0, 'g', 'o', 'n', 'e'};
    tern_ws_reader r;
    collected c;
    tern_ws_reader_init(&r, 0, 0);
    assert_int_equal(feed_all(&r, normal, sizeof normal, 1, &c), TERN_OK);
    assert_string_equal(c.events, "C");
    assert_int_equal(c.close_code, 1000);
    tern_ws_reader_init(&r, 0, 0);
    assert_int_equal(feed_all(&r, none, sizeof none, 2, &c), TERN_OK);
    assert_int_equal(c.close_code, TERN_WS_CLOSE_NO_STATUS);
    tern_ws_reader_init(&r, 0, 0);
    tern_ws_event ev;
    size_t used = 0;
    assert_int_equal(tern_ws_reader_feed(&r, policy, sizeof policy, &used, &ev), TERN_OK);
    assert_int_equal(ev.kind, TERN_WS_EVENT_CLOSE);
    assert_int_equal(ev.close_code, 1008);
    assert_int_equal(ev.len, 4);
    assert_memory_equal(ev.data, "gone", 4);
}

static void reader_refuses_what_mqtt_over_websocket_forbids(void **state)
{
    (void)state;
    static const struct { uint8_t bytes[12]; size_t len; uint64_t max; tern_status st; } cases[] = {
        {{0x81, 0x05, 'H', 'e', 'l', 'l', 'o'}, 7, 0, TERN_ERR_WS_TEXT},
        {{0x82, 0x81, 1, 2, 3, 4, 0}, 7, 0, TERN_ERR_WS_MASKED},          /* masked by the server */
        {{0x82, 0x65}, 2, 100, TERN_ERR_WS_TOO_LARGE},                   /* 101 > 100 */
        {{0x82, 0x7F, 0, 0, 0, 1, 0, 0, 0, 0}, 10, 0, TERN_ERR_WS_TOO_LARGE}, /* 4 GiB */
        {{0x80, 0x00}, 2, 0, TERN_ERR_WS_FRAME},                         /* continuation first */
        {{0x02, 0x00, 0x82, 0x00}, 4, 0, TERN_ERR_WS_FRAME},             /* new message inside one */
        {{0x88, 0x01, 0x03}, 3, 0, TERN_ERR_WS_FRAME},                   /* close of 1 byte */
        {{0x88, 0x02, 0x03, 0xED}, 4, 0, TERN_ERR_WS_FRAME},             /* status 1005 sent */
        {{0x88, 0x02, 0x00, 0x10}, 4, 0, TERN_ERR_WS_FRAME},             /* status 16 */
        {{0x88, 0x03, 0x03, 0xE8, 0xC0}, 5, 0, TERN_ERR_WS_FRAME},       /* reason not UTF-8 */
        {{0xC2, 0x00}, 2, 0, TERN_ERR_WS_RESERVED},
        {{0x8F, 0x00}, 2, 0, TERN_ERR_WS_RESERVED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t copy[12];
        memcpy(copy, cases[i].bytes, sizeof copy);
        tern_ws_reader r;
        tern_ws_reader_init(&r, 0, cases[i].max);
        collected c;
        assert_int_equal(feed_all(&r, copy, cases[i].len, 1, &c), cases[i].st);
    }
    assert_int_equal(tern_ws_close_code_for(TERN_ERR_WS_TEXT), 1003);
    assert_int_equal(tern_ws_close_code_for(TERN_ERR_WS_TOO_LARGE), 1009);
    assert_int_equal(tern_ws_close_code_for(TERN_ERR_WS_MASKED), 1002);
}

/* ------------------------------------------------------------------ the handshake */

static void accept_key_is_the_rfcs(void **state)
{
    (void)state;
    char accept[TERN_WS_ACCEPT_LEN];
    assert_int_equal(tern_ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", accept), TERN_OK);
    assert_string_equal(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    char key[32];
    const uint8_t nonce[16] = {'t', 'h', 'e', ' ', 's', 'a', 'm', 'p', 'l', 'e', ' ', 'n', 'o', 'n', 'c', 'e'};
    assert_int_equal(tern_ws_key_from(nonce, key, sizeof key), TERN_OK);
    assert_string_equal(key, "dGhlIHNhbXBsZSBub25jZQ==");
}

static void request_names_host_path_and_subprotocol(void **state)
{
    (void)state;
    char out[400];
    size_t len = 0;
    assert_int_equal(tern_ws_build_request(out, sizeof out, "broker.example", 8080, 0, "/mqtt",
                                           "dGhlIHNhbXBsZSBub25jZQ==", &len), TERN_OK);
    assert_int_equal(len, strlen(out));
    assert_non_null(strstr(out, "GET /mqtt HTTP/1.1\r\n"));
    assert_non_null(strstr(out, "Host: broker.example:8080\r\n"));
    assert_non_null(strstr(out, "Sec-WebSocket-Protocol: mqtt\r\n"));
    assert_non_null(strstr(out, "Sec-WebSocket-Version: 13\r\n"));
    assert_non_null(strstr(out, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
    assert_string_equal(out + len - 4, "\r\n\r\n");
    assert_int_equal(tern_ws_build_request(out, sizeof out, "::1", 443, 1, "/", "k", &len), TERN_OK);
    assert_non_null(strstr(out, "Host: [::1]\r\n"));
    assert_int_equal(tern_ws_build_request(out, 60, "broker.example", 80, 0, "/mqtt", "k", &len),
                     TERN_ERR_BUFFER_TOO_SMALL);
}

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define GOOD_ACCEPT "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
#define UPGRADE "Upgrade: websocket\r\nConnection: Upgrade\r\n"

static tern_status check(const char *resp, char *err)
{
    return tern_ws_check_response(resp, strlen(resp), KEY, err, 200);
}

static void response_checks_name_each_refusal(void **state)
{
    (void)state;
    char err[200];
    assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n" UPGRADE GOOD_ACCEPT
                           "Sec-WebSocket-Protocol: mqtt\r\n\r\n", err), TERN_OK);
    /* Header names and the Upgrade/Connection values in any case, Connection as a list */
    assert_int_equal(check("HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n"
                           "sec-websocket-accept:s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSEC-WEBSOCKET-PROTOCOL: mqtt\r\n\r\n", err), TERN_OK);
    assert_int_equal(check("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", err), TERN_ERR_WS_HANDSHAKE);
    assert_non_null(strstr(err, "\"HTTP/1.1 403 Forbidden\""));
    assert_int_equal(check("HTTP/1.1 200 OK\r\n\r\n", err), TERN_ERR_WS_HANDSHAKE);
    assert_int_equal(check("HTTP/1.1 1010 Odd\r\n\r\n", err), TERN_ERR_WS_HANDSHAKE);
    assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n" GOOD_ACCEPT
                           "Sec-WebSocket-Protocol: mqtt\r\n\r\n", err), TERN_ERR_WS_HANDSHAKE);
    assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n" UPGRADE
                           "Sec-WebSocket-Protocol: mqtt\r\n\r\n", err), TERN_ERR_WS_ACCEPT);
    assert_non_null(strstr(err, "no Sec-WebSocket-Accept"));
    assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n" UPGRADE
                           "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"
                           "Sec-WebSocket-Protocol: mqtt\r\n\r\n", err), TERN_ERR_WS_ACCEPT);
    assert_non_null(strstr(err, "wrong Sec-WebSocket-Accept"));
    assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n" UPGRADE GOOD_ACCEPT "\r\n", err),
                     TERN_ERR_WS_SUBPROTOCOL);
    assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n" UPGRADE GOOD_ACCEPT
                           "Sec-WebSocket-Protocol: mqttv3.1\r\n\r\n", err), TERN_ERR_WS_SUBPROTOCOL);
    assert_non_null(strstr(err, "\"mqttv3.1\""));
    assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n" UPGRADE GOOD_ACCEPT
                           "Sec-WebSocket-Protocol: mqtt\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n", err),
                     TERN_ERR_WS_HANDSHAKE);
    assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\nno colon here\r\n\r\n", err), TERN_ERR_WS_HANDSHAKE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc_examples_decode),
        cmocka_unit_test(rfc_examples_encode),
        cmocka_unit_test(masking_in_pieces_matches_bytewise),
        cmocka_unit_test(encode_refuses_what_no_peer_may_receive),
        cmocka_unit_test(decode_refuses_malformed_headers),
        cmocka_unit_test(reader_joins_fragments_around_a_ping),
        cmocka_unit_test(reader_unmasks_a_clients_frames),
        cmocka_unit_test(reader_reports_close_status_and_reason),
        cmocka_unit_test(reader_refuses_what_mqtt_over_websocket_forbids),
        cmocka_unit_test(accept_key_is_the_rfcs),
        cmocka_unit_test(request_names_host_path_and_subprotocol),
        cmocka_unit_test(response_checks_name_each_refusal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
