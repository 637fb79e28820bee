/* Driving the engine: the non-blocking poll, the external event loop API, and the blocking
 * convenience layer on top of transport.wait. */
#include "internal.h"

/* The transport is open: send CONNECT. */
static tern_status opened(tern_client *c)
{
    uint32_t now = tern_now(c);
    c->timer_ms = now;
    c->last_rx_ms = c->last_tx_ms = now;
    /* Waiting for a CONNACK only once CONNECT is queued: a CONNECT that cannot be built ends
     * the attempt before the broker hears anything (not even a DISCONNECT). */
    tern_status st = tern_conn_send_connect(c);
    if (st == TERN_OK) c->state = TERN_STATE_WAIT_CONNACK;
    return st;
}

static tern_status try_open(tern_client *c)
{
    tern_status st = c->cfg->transport.open ? c->cfg->transport.open(c->cfg->transport.ctx) : TERN_OK;
    if (st == TERN_WOULD_BLOCK) return tern_timers_run(c);
    return st == TERN_OK ? opened(c) : st;
}

/* Work that may write: re-sends and the send queue. */
static tern_status write_side(tern_client *c)
{
    tern_status st = tern_slots_resend(c);
    return st == TERN_OK ? tern_tx_flush(c) : st;
}

/* Every failure ends the connection here, once. */
static tern_status settle(tern_client *c, tern_status st)
{
    if (st == TERN_OK || st == TERN_WOULD_BLOCK || c->state == TERN_STATE_IDLE) return TERN_OK;
#if TERN_CFG_MQTT5
    /* Tell a v5 broker why, when the fault is theirs (best effort). */
    if (tern_is_v5(c) && st != TERN_ERR_CLOSED && st != TERN_ERR_IO && st != TERN_ERR_SERVER_DISCONNECT &&
        st != TERN_ERR_CONNACK_REFUSED && st != TERN_ERR_NO_MQTT5 && c->state != TERN_STATE_OPENING && c->state != TERN_STATE_BACKOFF) {
        uint8_t reason = st == TERN_ERR_KEEPALIVE_TIMEOUT    ? TERN_RC_KEEP_ALIVE_TIMEOUT
                         : st == TERN_ERR_TOPIC_ALIAS       ? TERN_RC_TOPIC_ALIAS_INVALID
                         : st == TERN_ERR_RECEIVE_MAXIMUM   ? TERN_RC_RECEIVE_MAXIMUM_EXCEEDED
                         : st == TERN_ERR_PROP_DUPLICATE    ? TERN_RC_PROTOCOL_ERROR /* [MQTT-2.2.2] */
                         : st == TERN_ERR_PEER_PACKET_TOO_LARGE ? TERN_RC_PACKET_TOO_LARGE /* 3.1.2.11.4 */
                         : st < TERN_ERR_BUSY               ? TERN_RC_MALFORMED_PACKET
                                                            : TERN_RC_PROTOCOL_ERROR;
        /* Behind what is queued: the packet at the head may be partly sent already, and
         * anything written in its place would corrupt it (or precede the CONNECT). */
        if (tern_tx_disconnect(c, reason) == TERN_OK) (void)tern_tx_flush(c);
    }
#endif
    return tern_conn_lost(c, st);
}

static tern_status step(tern_client *c, int read, int write)
{
    tern_status st = TERN_OK;
    c->hold_retry = 1; /* every poll offers held messages again */
    if (c->state == TERN_STATE_BACKOFF) st = tern_timers_run(c);
    if (st == TERN_OK && c->state == TERN_STATE_OPENING) st = try_open(c);
    if (st != TERN_OK || (c->state != TERN_STATE_WAIT_CONNACK && c->state != TERN_STATE_CONNECTED))
        return st;
    if (read) st = tern_rx_read(c);
    /* A callback may have ended the connection (tern_client_disconnect): nothing more to do
     * on it, and nothing may be written to its closed transport. */
    if (st != TERN_OK || (c->state != TERN_STATE_WAIT_CONNACK && c->state != TERN_STATE_CONNECTED))
        return st;
    if (write) st = write_side(c);
    if (st == TERN_OK) st = tern_timers_run(c);
    if (st == TERN_OK && write) st = tern_tx_flush(c);
    return st;
}

tern_status tern_client_poll(tern_client *c) { return settle(c, step(c, 1, 1)); }
tern_status tern_client_on_readable(tern_client *c) { return settle(c, step(c, 1, 1)); }
tern_status tern_client_on_writable(tern_client *c) { return settle(c, step(c, 0, 1)); }
tern_status tern_client_tick(tern_client *c) { return settle(c, step(c, 0, 1)); }

int tern_client_socket(const tern_client *c)
{
    const tern_transport *t = &c->cfg->transport;
    return t->socket ? t->socket(t->ctx) : -1;
}

int tern_client_wants_write(const tern_client *c)
{
    const tern_transport *t = &c->cfg->transport;
    if (c->state == TERN_STATE_OPENING) return t->wants_write ? t->wants_write(t->ctx) : 1;
    /* No connection, nothing to write; re-sends wait for the CONNACK. */
    if (c->state != TERN_STATE_WAIT_CONNACK && c->state != TERN_STATE_CONNECTED) return 0;
    return c->tx_head < c->tx_len || (c->resend_pending && c->state == TERN_STATE_CONNECTED) ||
           (t->wants_write && t->wants_write(t->ctx));
}

/* Wait for the transport (or just time) for at most ms. */
static void wait_a_while(tern_client *c, uint32_t ms)
{
    const tern_transport *t = &c->cfg->transport;
    uint32_t timer = tern_client_next_timeout_ms(c); /* short while a message is held */
    if (timer < ms) ms = timer;
    if (t->wait) (void)t->wait(t->ctx, tern_client_wants_write(c), ms);
}

/* Drive until done(c, arg) or the time is up; stops on a failure unless auto_reconnect is on. */
static tern_status drive(tern_client *c, uint32_t ms, int (*done)(tern_client *, void *), void *arg)
{
    uint32_t start = tern_now(c);
    for (;;) {
        tern_status st = tern_client_poll(c);
        if (st != TERN_OK && !(c->opts && c->opts->auto_reconnect)) return st;
        if (done && done(c, arg)) return TERN_OK;
        if (c->state == TERN_STATE_IDLE) return c->last_error != TERN_OK ? c->last_error : TERN_ERR_NOT_CONNECTED;
        uint32_t elapsed = tern_now(c) - start;
        if (elapsed >= ms) return done ? TERN_ERR_TIMEOUT : TERN_OK;
        wait_a_while(c, ms - elapsed);
    }
}

static int is_connected(tern_client *c, void *arg)
{
    (void)arg;
    return c->state == TERN_STATE_CONNECTED;
}

static int is_idle(tern_client *c, void *arg)
{
    (void)arg;
    return c->state == TERN_STATE_CONNECTED && c->unacked == 0 && c->tx_head == c->tx_len;
}

tern_status tern_client_connect_wait(tern_client *c, const tern_connect_options *opts,
                                     uint32_t timeout_ms)
{
    tern_status st = tern_client_connect(c, opts);
    if (st == TERN_OK) st = drive(c, timeout_ms, is_connected, NULL);
    /* With auto_reconnect the attempts failed until the time ran out: say why they failed
     * (a wrong CA, a refused port), not just that time ran out. */
    return st == TERN_ERR_TIMEOUT && c->last_error != TERN_OK ? c->last_error : st;
}

tern_status tern_client_run(tern_client *c, uint32_t ms) { return drive(c, ms, NULL, NULL); }

tern_status tern_client_wait_idle(tern_client *c, uint32_t timeout_ms)
{
    return drive(c, timeout_ms, is_idle, NULL);
}

/* A publish, subscribe or unsubscribe the blocking layer makes again until the engine has room
 * for it: the engine holds no queue, so waiting means driving the connection until an ack frees
 * a slot (or a request entry) and the send queue drains. */
typedef struct {
    const tern_publish *msg;        /* a publish, or NULL: */
    const tern_subscription *subs;  /*   a subscribe or unsubscribe of these */
    const tern_props *props;
    uint16_t *packet_id;
    uint16_t count;
    uint8_t unsubscribe;
    tern_status st;                 /* what the last attempt said */
} request;

static int taken(tern_client *c, void *arg)
{
    request *r = arg;
    r->st = r->msg          ? tern_client_publish(c, r->msg, r->packet_id)
            : r->unsubscribe ? tern_client_unsubscribe(c, r->subs, r->count, r->props, r->packet_id)
                             : tern_client_subscribe(c, r->subs, r->count, r->props, r->packet_id);
    return r->st != TERN_ERR_BUSY && r->st != TERN_WOULD_BLOCK;
}

static tern_status until_taken(tern_client *c, request *r, uint32_t timeout_ms)
{
    if (taken(c, r)) return r->st; /* room now: no poll first */
    tern_status st = drive(c, timeout_ms, taken, r);
    return st == TERN_OK ? r->st : st;
}

tern_status tern_client_publish_wait(tern_client *c, const tern_publish *msg, uint16_t *packet_id,
                                     uint32_t timeout_ms)
{
    request r = {msg, NULL, NULL, packet_id, 0, 0, TERN_OK};
    return until_taken(c, &r, timeout_ms);
}

tern_status tern_client_subscribe_wait(tern_client *c, const tern_subscription *subs, uint16_t count,
                                       const tern_props *props, uint16_t *packet_id, uint32_t timeout_ms)
{
    request r = {NULL, subs, props, packet_id, count, 0, TERN_OK};
    return until_taken(c, &r, timeout_ms);
}

tern_status tern_client_unsubscribe_wait(tern_client *c, const tern_subscription *subs,
                                         uint16_t count, const tern_props *props, uint16_t *packet_id,
                                         uint32_t timeout_ms)
{
    request r = {NULL, subs, props, packet_id, count, 1, TERN_OK};
    return until_taken(c, &r, timeout_ms);
}
