/* Timers: keep-alive (PINGREQ when idle, dead after 1.5 x keep-alive of silence), the
 * connect timeout, and the reconnect backoff. */
#include "internal.h"

static uint32_t connect_timeout(const tern_client *c)
{
    return c->opts->connect_timeout_ms ? c->opts->connect_timeout_ms : TERN_CONNECT_TIMEOUT_MS;
}

static uint32_t until(uint32_t now, uint32_t deadline)
{
    return (int32_t)(deadline - now) > 0 ? deadline - now : 0;
}

/* The earlier of two times on the millisecond clock, which wraps every 49.7 days. */
static uint32_t earlier(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0 ? a : b; }

/* Silent for 1.5 x keep-alive: dead. */
static uint32_t until_dead(const tern_client *c, uint32_t now, uint32_t ka)
{
    return until(now, c->last_rx_ms + ka + ka / 2);
}

/* Milliseconds until the keep-alive needs something: a ping, or the verdict. */
static uint32_t until_keepalive(const tern_client *c, uint32_t now)
{
    uint32_t ka = (uint32_t)c->keep_alive * 1000u;
    if (ka == 0) return UINT32_MAX;
    uint32_t t = until_dead(c, now, ka);
    /* Ping when we have been quiet, and also when the broker has: a publisher that only
     * sends QoS 0 would otherwise never learn that the broker is gone. */
    if (!c->ping_outstanding) {
        uint32_t p = until(now, earlier(c->last_tx_ms, c->last_rx_ms) + ka);
        if (p < t) t = p;
    }
    return t;
}

uint32_t tern_client_next_timeout_ms(const tern_client *c)
{
    uint32_t now = tern_now(c);
    switch (c->state) {
    case TERN_STATE_BACKOFF: return until(now, c->timer_ms);
    case TERN_STATE_OPENING:
    case TERN_STATE_WAIT_CONNACK: return until(now, c->timer_ms + connect_timeout(c));
    case TERN_STATE_CONNECTED: {
        uint32_t t = until_keepalive(c, now);
        return c->held_len && t > TERN_HOLD_RETRY_MS ? TERN_HOLD_RETRY_MS : t;
    }
    default: return UINT32_MAX;
    }
}

/* A keep-alive deadline has come: dead, or time to ping. */
static tern_status keepalive_due(tern_client *c)
{
    uint32_t ka = (uint32_t)c->keep_alive * 1000u;
    if (c->ping_outstanding || until_dead(c, tern_now(c), ka) == 0) return TERN_ERR_KEEPALIVE_TIMEOUT;
    static const uint8_t pingreq[2] = {(uint8_t)(TERN_PINGREQ << 4), 0};
    tern_status st = tern_tx_queue(c, pingreq, sizeof pingreq);
    if (st == TERN_OK) c->ping_outstanding = 1;
    return st == TERN_WOULD_BLOCK ? TERN_OK : st;
}

/* Whatever is due now, by the same deadlines tern_client_next_timeout_ms reports. */
tern_status tern_timers_run(tern_client *c)
{
    if (c->state == TERN_STATE_CONNECTED) /* not next_timeout: it may stand for a held message */
        return until_keepalive(c, tern_now(c)) > 0 ? TERN_OK : keepalive_due(c);
    if (tern_client_next_timeout_ms(c) > 0) return TERN_OK;
    switch (c->state) {
    case TERN_STATE_BACKOFF: tern_conn_start_opening(c); return TERN_OK;
    default: return TERN_ERR_TIMEOUT; /* opening, or waiting for the CONNACK */
    }
}
