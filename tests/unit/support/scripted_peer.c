/* See scripted_peer.h. */
#include "scripted_peer.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

void peer_init(scripted_peer *p, int mode)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
    p->now = 1000;
}

uint32_t peer_clock(void *ctx) { return ((scripted_peer *)ctx)->now; }

/* Would-block mode: every other call does nothing. */
static int blocked(scripted_peer *p) { return p->mode == PEER_WOULD_BLOCK && (p->calls++ & 1u) == 0; }

static tern_status peer_open(void *ctx)
{
    scripted_peer *p = ctx;
    if (blocked(p)) return TERN_WOULD_BLOCK;
    p->opens++;
    p->closed = 0;
    return TERN_OK;
}

static int32_t peer_send(void *ctx, const uint8_t *buf, size_t len)
{
    scripted_peer *p = ctx;
    if (p->closed) return -(int32_t)TERN_ERR_CLOSED;
    if (blocked(p)) return 0;
    if (p->mode != PEER_ALL_AT_ONCE && len > 3) len = 3; /* short writes too */
    assert_true(p->sent_len + len <= PEER_BUF);
    memcpy(p->sent + p->sent_len, buf, len);
    p->sent_len += len;
    return (int32_t)len;
}

static int32_t peer_recv(void *ctx, uint8_t *buf, size_t len)
{
    scripted_peer *p = ctx;
    if (p->closed) return -(int32_t)TERN_ERR_CLOSED;
    if (blocked(p)) return 0;
    size_t left = p->feed_len - p->feed_pos;
    if (left == 0) return 0;
    size_t n = p->mode == PEER_ALL_AT_ONCE ? (left < len ? left : len) : 1;
    memcpy(buf, p->feed + p->feed_pos, n);
    p->feed_pos += n;
    return (int32_t)n;
}

static void peer_close(void *ctx) { (void)ctx; }

static tern_status peer_wait(void *ctx, int want_write, uint32_t ms)
{
    scripted_peer *p = ctx;
    (void)want_write;
    if (p->feed_pos < p->feed_len) return TERN_OK;
    p->now += ms ? ms : 1;
    return TERN_ERR_TIMEOUT;
}

void peer_transport(scripted_peer *p, tern_transport *t)
{
    memset(t, 0, sizeof *t);
    t->ctx = p;
    t->open = peer_open;
    t->send = peer_send;
    t->recv = peer_recv;
    t->close = peer_close;
    t->wait = peer_wait;
}

void peer_feed(scripted_peer *p, const uint8_t *bytes, size_t n)
{
    assert_true(p->feed_len + n <= PEER_BUF);
    memcpy(p->feed + p->feed_len, bytes, n);
    p->feed_len += n;
}

void peer_feed_connack(scripted_peer *p, tern_mqtt_version v, int session_present, uint8_t code)
{
    tern_connack a = {NULL, (uint8_t)session_present, code};
    uint8_t buf[16];
    size_t n = 0;
    assert_int_equal(tern_codec_encode_connack(&a, v, buf, sizeof buf, &n), TERN_OK);
    peer_feed(p, buf, n);
}

void peer_feed_ack(scripted_peer *p, tern_mqtt_version v, uint8_t type, uint16_t id)
{
    tern_ack a = {NULL, id, type, 0};
    uint8_t buf[8];
    size_t n = 0;
    assert_int_equal(tern_codec_encode_ack(&a, v, buf, sizeof buf, &n), TERN_OK);
    peer_feed(p, buf, n);
}

void peer_feed_publish(scripted_peer *p, tern_mqtt_version v, const char *topic, const char *payload,
                       uint8_t qos, uint16_t id, int dup)
{
    tern_publish m = {{(const uint8_t *)topic, (uint32_t)strlen(topic)},
                      {(const uint8_t *)payload, (uint32_t)strlen(payload)}, NULL, id, qos, 0, (uint8_t)dup};
    uint8_t buf[1024];
    size_t n = 0;
    assert_int_equal(tern_codec_encode_publish(&m, v, buf, sizeof buf, &n), TERN_OK);
    peer_feed(p, buf, n);
}

uint8_t peer_next(scripted_peer *p, const uint8_t **pkt, size_t *len)
{
    tern_header h;
    if (tern_codec_decode_header(p->sent + p->sent_pos, p->sent_len - p->sent_pos, &h) != TERN_OK) return 0;
    size_t total = (size_t)h.header_len + h.remaining;
    if (total > p->sent_len - p->sent_pos) return 0;
    *pkt = p->sent + p->sent_pos;
    *len = total;
    p->sent_pos += total;
    return h.type;
}

const uint8_t *peer_expect(scripted_peer *p, uint8_t type, size_t *len)
{
    const uint8_t *pkt = NULL;
    uint8_t t;
    while ((t = peer_next(p, &pkt, len)) != 0)
        if (t == type) return pkt;
    fail_msg("client did not send %s", tern_packet_name(type));
    return NULL;
}

tern_status peer_pump(scripted_peer *p, tern_client *c)
{
    tern_status last = TERN_OK;
    int idle_streak = 0;
    for (int i = 0; i < 100000 && idle_streak < 6; i++) {
        size_t before_feed = p->feed_pos, before_sent = p->sent_len;
        tern_status st = tern_client_poll(c);
        if (st != TERN_OK) last = st;
        int moved = before_feed != p->feed_pos || before_sent != p->sent_len;
        idle_streak = moved || p->feed_pos < p->feed_len ? 0 : idle_streak + 1;
    }
    return last;
}
