/* The network and the clock as the client sees them: an in-memory transport whose every call
 * may block, move only part of the bytes, or find the connection cut, and a millisecond clock
 * that the step loop advances (and sometimes jumps). Every byte the broker writes is logged by
 * packet, so that each packet the client handles (on_trace) is matched with the next one the
 * broker sent: a packet handled twice, or one the broker never sent, is caught at once. */
#include <string.h>

#include "sim.h"

void net_reset(void)
{
    uint32_t now = W.net.now;
    memset(&W.net, 0, sizeof W.net);
    W.net.now = now;
}

uint32_t net_clock(void *ctx)
{
    (void)ctx;
    return W.net.now;
}

static void new_connection(void)
{
    W.net.c2b_len = W.net.b2c_len = W.net.b2c_pos = 0;
    W.net.log_n = W.net.handled = 0;
    W.net.open = 1;
    W.net.cut = W.net.graceful = 0;
    W.net.violation_handled = 0;
    W.net.conn++;
    S_total.connections++;
}

static tern_status t_open(void *ctx)
{
    (void)ctx;
    if (W.net.open) sim_fail("the engine opened the transport while it was open");
    if (W.step < W.net.broker_down_until) {
        sim_event("open: refused (broker down)");
        return TERN_ERR_CONNECT_REFUSED;
    }
    if (rng_chance(&W.rng, W.k.p_block_open)) return TERN_WOULD_BLOCK;
    new_connection();
    sim_event("open: connection %u", W.net.conn);
    broker_accept();
    return TERN_OK;
}

static uint32_t partial(uint32_t n)
{
    return n > 1 && rng_chance(&W.rng, W.k.p_partial) ? rng_range(&W.rng, 1, n - 1) : n;
}

static int32_t t_send(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    if (!W.net.open) sim_fail("the engine sent on a closed transport");
    if (len == 0) sim_fail("the engine sent 0 bytes");
    if (W.net.cut) return -(int32_t)TERN_ERR_CLOSED;
    if (rng_chance(&W.rng, W.k.p_block_send)) return 0;
    uint32_t room = PIPE_CAP - W.net.c2b_len;
    uint32_t n = partial(len > room ? room : (uint32_t)len);
    if (n == 0) return 0;
    memcpy(W.net.c2b + W.net.c2b_len, buf, n);
    W.net.c2b_len += n;
    return (int32_t)n;
}

static int32_t t_recv(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    if (!W.net.open) sim_fail("the engine read from a closed transport");
    if (len == 0) sim_fail("the engine asked to read 0 bytes");
    uint32_t left = W.net.b2c_len - W.net.b2c_pos;
    if (W.net.cut && (!W.net.graceful || left == 0)) return -(int32_t)TERN_ERR_CLOSED;
    if (rng_chance(&W.rng, W.k.p_block_recv) || left == 0) return 0;
    uint32_t n = partial(len < left ? (uint32_t)len : left);
    memcpy(buf, W.net.b2c + W.net.b2c_pos, n);
    W.net.b2c_pos += n;
    return (int32_t)n;
}

static void t_close(void *ctx)
{
    (void)ctx;
    W.net.closed_violation = 0;
    if (!W.net.open) return;
    sim_event("close: connection %u", W.net.conn);
    W.net.open = 0;
    /* What the client wrote before closing reaches the broker (unless the line was cut). */
    if (!W.net.cut) broker_run();
    W.net.closed_violation = W.net.violation_handled;
    W.net.violation_handled = 0;
    broker_closed();
    W.net.cut = 1;
}

static tern_status t_wait(void *ctx, int want_write, uint32_t ms)
{
    (void)ctx;
    (void)want_write;
    broker_run();
    uint32_t dt = rng_range(&W.rng, 1, 50);
    W.net.now += dt < ms ? dt : (ms ? ms : 1);
    return W.net.b2c_pos < W.net.b2c_len ? TERN_OK : TERN_ERR_TIMEOUT;
}

void net_transport(tern_transport *t)
{
    memset(t, 0, sizeof *t);
    t->open = t_open;
    t->send = t_send;
    t->recv = t_recv;
    t->close = t_close;
    t->wait = t_wait;
}

void net_cut(int graceful)
{
    if (!W.net.open || W.net.cut) return;
    sim_event("cut connection %u%s", W.net.conn, graceful ? " (close)" : " (reset)");
    S_total.cuts++;
    W.net.cut = 1;
    W.net.graceful = graceful;
    broker_closed();
}

/* Drop what the client has read and handled, so the pipe never fills on a long connection. */
static void compact(void)
{
    uint32_t upto = W.net.handled < W.net.log_n ? W.net.log[W.net.handled].at : W.net.b2c_len;
    if (upto > W.net.b2c_pos) upto = W.net.b2c_pos;
    if (upto < PIPE_CAP / 4) return;
    memmove(W.net.b2c, W.net.b2c + upto, W.net.b2c_len - upto);
    W.net.b2c_len -= upto;
    W.net.b2c_pos -= upto;
    uint32_t keep = W.net.log_n - W.net.handled;
    memmove(W.net.log, W.net.log + W.net.handled, keep * sizeof W.net.log[0]);
    for (uint32_t i = 0; i < keep; i++) W.net.log[i].at -= upto;
    W.net.log_n = keep;
    W.net.current = W.net.current >= W.net.handled ? W.net.current - W.net.handled : 0;
    W.net.handled = 0;
}

uint32_t net_broker_room(void)
{
    compact();
    if (W.net.log_n + 8 >= LOG_CAP) return 0;
    return PIPE_CAP - W.net.b2c_len;
}

int net_broker_write(const uint8_t *p, uint32_t n, uint8_t violation)
{
    if (!W.net.open || W.net.cut || net_broker_room() < n) return 0;
    memcpy(W.net.b2c + W.net.b2c_len, p, n);
    W.net.log[W.net.log_n++] = (sent_packet){W.net.b2c_len, n, violation, PKT_WAITING};
    W.net.b2c_len += n;
    sim_event("broker -> %s%s%s", trace_packet(p, n), violation ? " VIOLATION " : "",
              violation ? violation_name(violation) : "");
    return 1;
}

static int same(const sent_packet *e, const uint8_t *p, size_t n)
{
    return e->len == n && memcmp(W.net.b2c + e->at, p, n) == 0;
}

/* Packets are handled in the order sent, with one exception: while the application holds
 * messages (tern_client_hold), the PUBLISHes behind them wait in order and the other packets
 * behind them (the acks that free the application) are handled first. A held message is
 * handled again when offered again; any other packet handled twice is a failure. */
void net_client_handled(const uint8_t *p, size_t n)
{
    sim_event("client handles %s", trace_packet(p, n));
    int holding = 0;
    for (uint32_t i = W.net.handled; i < W.net.log_n; i++) {
        sent_packet *e = &W.net.log[i];
        if (e->state == PKT_HANDLED) continue;
        if (same(e, p, n)) {
            e->state = PKT_HANDLED;
            W.net.current = i;
            if ((p[0] >> 4) == TERN_CONNACK) W.broker.new_session_unseen = 0;
            if (e->violation) {
                W.net.violation_handled = e->violation;
                S_total.violations++;
            }
            while (W.net.handled < W.net.log_n && W.net.log[W.net.handled].state == PKT_HANDLED) W.net.handled++;
            return;
        }
        holding |= e->state == PKT_HELD;
        int publish = (W.net.b2c[e->at] >> 4) == TERN_PUBLISH;
        if (!holding || !publish) break;
    }
    for (uint32_t i = W.net.log_n; i-- > 0;) {
        const sent_packet *e = &W.net.log[i];
        if (e->state == PKT_HANDLED && same(e, p, n))
            sim_fail("packet handled twice: %s (packet %u of the connection)", trace_packet(p, n), i + 1);
    }
    sim_fail("the client handled a packet the broker did not send next: %s", trace_packet(p, n));
}

void net_client_held(void)
{
    S_total.holds++;
    W.net.log[W.net.current].state = PKT_HELD;
    if (W.net.current < W.net.handled) W.net.handled = W.net.current;
}
