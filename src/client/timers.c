/* Timers: keep-alive (PINGREQ when idle, dead after 1.5 x keep-alive of silence), the
 * connect timeout, and the reconnect backoff. */
#include "internal.h"

static uint32_t connect_timeout(const tern_client *c)
{
    return c->opts->connect_timeout_ms ? c->opts->connect_timeout_ms : 10000u;
}

static tern_status keepalive(tern_client *c, uint32_t now)
{
    uint32_t ka = (uint32_t)c->keep_alive * 1000u;
    if (ka == 0) return TERN_OK;
    if (now - c->last_rx_ms >= ka + ka / 2) return TERN_ERR_KEEPALIVE_TIMEOUT;
    /* Ping when we have been quiet, and also when the broker has: a publisher that only
     * sends QoS 0 would otherwise never learn that the broker is gone. */
    if (c->ping_outstanding || (now - c->last_tx_ms < ka && now - c->last_rx_ms < ka)) return TERN_OK;
    static const uint8_t pingreq[2] = {(uint8_t)(TERN_PINGREQ << 4), 0};
    tern_status st = tern_tx_queue(c, pingreq, sizeof pingreq);
    if (st == TERN_OK) {
        c->ping_outstanding = 1;
        c->ping_sent_ms = now;
    }
    return st == TERN_WOULD_BLOCK ? TERN_OK : st;
}

tern_status tern_timers_run(tern_client *c)
{
    uint32_t now = tern_now(c);
    switch (c->state) {
    case TERN_STATE_BACKOFF:
        if ((int32_t)(now - c->timer_ms) >= 0) tern_conn_start_opening(c);
        return TERN_OK;
    case TERN_STATE_OPENING:
    case TERN_STATE_WAIT_CONNACK:
        return now - c->timer_ms >= connect_timeout(c) ? TERN_ERR_TIMEOUT : TERN_OK;
    case TERN_STATE_CONNECTED: return keepalive(c, now);
    default: return TERN_OK;
    }
}

static uint32_t until(uint32_t now, uint32_t deadline)
{
    return (int32_t)(deadline - now) > 0 ? deadline - now : 0;
}

uint32_t tern_client_next_timeout_ms(const tern_client *c)
{
    uint32_t now = tern_now(c);
    switch (c->state) {
    case TERN_STATE_BACKOFF: return until(now, c->timer_ms);
    case TERN_STATE_OPENING:
    case TERN_STATE_WAIT_CONNACK: return until(now, c->timer_ms + connect_timeout(c));
    case TERN_STATE_CONNECTED: {
        uint32_t ka = (uint32_t)c->keep_alive * 1000u;
        if (ka == 0) return UINT32_MAX;
        uint32_t t = until(now, c->last_rx_ms + ka + ka / 2);
        if (!c->ping_outstanding) {
            uint32_t p = until(now, (c->last_tx_ms < c->last_rx_ms ? c->last_tx_ms : c->last_rx_ms) + ka);
            if (p < t) t = p;
        }
        return t;
    }
    default: return UINT32_MAX;
    }
}
