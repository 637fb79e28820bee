/* The WebSocket transport: the upgrade over a lower transport, then MQTT in masked binary
 * frames. Outgoing frames are built in the application's buffer, incoming ones decoded in
 * the buffer the engine reads into; pongs and closes go out of a small buffer of their own. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

#include "tern/ws.h"
#include "ws_internal.h"

enum { WS_CLOSED, WS_LOWER_OPENING, WS_SENDING_REQUEST, WS_READING_RESPONSE, WS_OPEN, WS_FAILED };

__attribute__((format(printf, 2, 3)))
static void set_error(tern_ws *ws, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ws->error, sizeof ws->error, fmt, ap);
    va_end(ap);
}

static tern_status random_bytes(tern_ws *ws, uint8_t *out, size_t n)
{
    if (!ws->rng) ws->rng = wc_rng_new(NULL, 0, NULL);
    if (ws->rng && wc_RNG_GenerateBlock(ws->rng, out, (word32)n) == 0) return TERN_OK;
    set_error(ws, "the random generator failed");
    return TERN_ERR_IO;
}

/* A fresh masking key for each frame, unpredictable as section 10.3 asks; drawn 64 at a time
 * (the generator's cost per call is mostly fixed). */
static tern_status next_mask(tern_ws *ws, uint8_t mask[4])
{
    if (ws->masks_used == 0 || ws->masks_used >= sizeof ws->masks) {
        tern_status st = random_bytes(ws, ws->masks, sizeof ws->masks);
        if (st != TERN_OK) return st;
        ws->masks_used = 0;
    }
    memcpy(mask, ws->masks + ws->masks_used, 4);
    ws->masks_used = (uint16_t)(ws->masks_used + 4);
    return TERN_OK;
}

/* Send p[*sent..len) through the lower transport: 1 when all is out, 0 when it would block,
 * a negated status on failure. */
static int32_t push(tern_ws *ws, const uint8_t *p, size_t len, size_t *sent)
{
    while (*sent < len) {
        int32_t n = ws->lower.send(ws->lower.ctx, p + *sent, len - *sent);
        if (n <= 0) return n;
        *sent += (size_t)n;
        ws->bytes_sent += (uint64_t)n;
    }
    return 1;
}

/* What is queued, in order: the rest of a data frame already begun, then a pong or close. */
static int32_t flush_pending(tern_ws *ws)
{
    int32_t r = push(ws, ws->buf, ws->out_len, &ws->out_sent);
    if (r <= 0) return r;
    size_t sent = ws->control_sent;
    r = push(ws, ws->control, ws->control_len, &sent);
    ws->control_sent = (uint8_t)sent;
    if (r > 0) ws->control_len = ws->control_sent = 0;
    return r;
}

/* Queue a control frame. A pong waiting unsent is replaced (only the latest ping needs an
 * answer, section 5.5.3); one already on its way is left to finish and the new one dropped. */
static void queue_control(tern_ws *ws, uint8_t opcode, const uint8_t *payload, size_t len)
{
    if (ws->close_sent || ws->control_sent > 0) return;
    uint8_t mask[4];
    size_t n = 0;
    if (next_mask(ws, mask) != TERN_OK ||
        tern_ws_encode_header(ws->control, sizeof ws->control, opcode, 1, len, mask, &n) != TERN_OK)
        return;
    memcpy(ws->control + n, payload, len);
    tern_ws_mask(ws->control + n, len, mask, 0);
    ws->control_len = (uint8_t)(n + len);
    ws->close_sent = opcode == TERN_WS_CLOSE;
}

static void queue_close(tern_ws *ws, uint16_t code)
{
    uint8_t status[2] = {(uint8_t)(code >> 8), (uint8_t)code};
    queue_control(ws, TERN_WS_CLOSE, status, code == TERN_WS_CLOSE_NO_STATUS ? 0 : 2);
}

/* The connection ends: tell the server why (best effort, never waiting) and stay failed. */
static tern_status end_with(tern_ws *ws, tern_status st, uint16_t close_code)
{
    if (ws->out_sent == 0 || ws->out_sent == ws->out_len) {
        ws->out_len = ws->out_sent = 0; /* a frame not yet begun is dropped, not cut */
        queue_close(ws, close_code);
        (void)flush_pending(ws);
    }
    ws->failure = st;
    ws->state = WS_FAILED;
    return st;
}

/* ------------------------------------------------------------------ the opening handshake */

static tern_status handshake_failed(tern_ws *ws, tern_status st)
{
    ws->lower.close(ws->lower.ctx);
    ws->state = WS_CLOSED;
    ws->failure = st;
    return st;
}

static tern_status start_upgrade(tern_ws *ws)
{
    uint8_t nonce[16];
    tern_status st = random_bytes(ws, nonce, sizeof nonce);
    if (st == TERN_OK) st = tern_ws_key_from(nonce, ws->key, sizeof ws->key);
    size_t len = 0;
    if (st == TERN_OK)
        st = tern_ws_build_request((char *)ws->buf, ws->cap, ws->host, ws->port, ws->secure,
                                   ws->path, ws->key, &len);
    if (st != TERN_OK) {
        if (!ws->error[0]) set_error(ws, "the upgrade request does not fit the %zu-byte buffer", ws->cap);
        return handshake_failed(ws, st);
    }
    ws->out_len = len;
    ws->out_sent = 0;
    ws->state = WS_SENDING_REQUEST;
    return TERN_OK;
}

/* How many of the last bytes could begin the "\r\n\r\n" that ends the response head. */
static size_t terminator_matched(const uint8_t *p, size_t len)
{
    static const char end[] = "\r\n\r\n";
    for (size_t m = 3; m > 0; m--)
        if (len >= m && !memcmp(p + len - m, end, m)) return m;
    return 0;
}

/* Read the response head, never past its end: at most as many bytes as could still complete
 * "\r\n\r\n", so no frame byte that follows it is taken out of the stream here. */
static tern_status read_response(tern_ws *ws)
{
    for (;;) {
        if (ws->out_len >= 4 && !memcmp(ws->buf + ws->out_len - 4, "\r\n\r\n", 4)) {
            tern_status st = tern_ws_check_response((const char *)ws->buf, ws->out_len, ws->key,
                                                    ws->error, sizeof ws->error);
            if (st != TERN_OK) return handshake_failed(ws, st);
            ws->out_len = ws->out_sent = 0;
            ws->state = WS_OPEN;
            return TERN_OK;
        }
        size_t want = 4 - terminator_matched(ws->buf, ws->out_len);
        if (ws->out_len + want > ws->cap) {
            set_error(ws, "the upgrade response's headers exceed the %zu-byte buffer", ws->cap);
            return handshake_failed(ws, TERN_ERR_BUFFER_TOO_SMALL);
        }
        int32_t n = ws->lower.recv(ws->lower.ctx, ws->buf + ws->out_len, want);
        if (n == 0) return TERN_WOULD_BLOCK;
        if (n < 0) {
            tern_status st = (tern_status)-n;
            if (st == TERN_ERR_CLOSED && ws->out_len > 0 &&
                tern_ws_check_response((const char *)ws->buf, ws->out_len, ws->key, ws->error,
                                       sizeof ws->error) == TERN_ERR_WS_HANDSHAKE)
                return handshake_failed(ws, TERN_ERR_WS_HANDSHAKE);
            if (st == TERN_ERR_CLOSED) {
                set_error(ws, "the server closed the connection during the WebSocket upgrade");
                st = TERN_ERR_WS_HANDSHAKE;
            }
            return handshake_failed(ws, st);
        }
        ws->out_len += (size_t)n;
        ws->bytes_received += (uint64_t)n;
    }
}

static void reset_connection(tern_ws *ws)
{
    ws->out_len = ws->out_sent = ws->frame_payload = 0;
    ws->control_len = ws->control_sent = 0;
    ws->close_sent = 0;
    ws->close_code = 0;
    ws->failure = TERN_OK;
    ws->error[0] = '\0';
    tern_ws_reader_init(&ws->reader, 0, ws->max_frame);
}

static tern_status ws_open(void *ctx)
{
    tern_ws *ws = ctx;
    if (ws->state == WS_OPEN) return TERN_OK;
    if (ws->state == WS_CLOSED || ws->state == WS_FAILED) {
        reset_connection(ws);
        ws->state = WS_LOWER_OPENING;
    }
    if (ws->state == WS_LOWER_OPENING) {
        tern_status st = ws->lower.open ? ws->lower.open(ws->lower.ctx) : TERN_OK;
        if (st == TERN_WOULD_BLOCK) return st;
        if (st != TERN_OK) { /* the lower transport closed itself and says why */
            ws->state = WS_CLOSED;
            return st;
        }
        st = start_upgrade(ws);
        if (st != TERN_OK) return st;
    }
    if (ws->state == WS_SENDING_REQUEST) {
        int32_t r = push(ws, ws->buf, ws->out_len, &ws->out_sent);
        if (r == 0) return TERN_WOULD_BLOCK;
        if (r < 0) return handshake_failed(ws, (tern_status)-r);
        ws->out_len = ws->out_sent = 0;
        ws->state = WS_READING_RESPONSE;
    }
    return read_response(ws);
}

/* ------------------------------------------------------------------ the open connection */

static int32_t not_open(const tern_ws *ws)
{
    return -(int32_t)(ws->failure != TERN_OK ? ws->failure : TERN_ERR_NOT_CONNECTED);
}

static int32_t lower_failed(tern_ws *ws, int32_t r)
{
    ws->failure = (tern_status)-r;
    ws->state = WS_FAILED;
    return r;
}

static int32_t ws_send(void *ctx, const uint8_t *buf, size_t len)
{
    tern_ws *ws = ctx;
    if (ws->state != WS_OPEN) return not_open(ws);
    int32_t r = flush_pending(ws);
    if (r < 0) return lower_failed(ws, r);
    if (ws->out_len) { /* the frame of an earlier call: report it once it is all out */
        if (ws->out_sent < ws->out_len) return 0;
        int32_t done = (int32_t)ws->frame_payload;
        ws->out_len = ws->out_sent = 0;
        return done;
    }
    if (r == 0 || len == 0) return 0; /* a control frame is on its way: data waits */
    size_t n = len < ws->cap - TERN_WS_MAX_HEADER ? len : ws->cap - TERN_WS_MAX_HEADER;
    if (n > INT32_MAX) n = INT32_MAX;
    uint8_t mask[4];
    size_t header = 0;
    tern_status st = next_mask(ws, mask);
    if (st == TERN_OK) st = tern_ws_encode_header(ws->buf, ws->cap, TERN_WS_BINARY, 1, n, mask, &header);
    if (st != TERN_OK) return lower_failed(ws, -(int32_t)st);
    memcpy(ws->buf + header, buf, n);
    tern_ws_mask(ws->buf + header, n, mask, 0);
    ws->out_len = header + n;
    ws->out_sent = 0;
    ws->frame_payload = n;
    r = push(ws, ws->buf, ws->out_len, &ws->out_sent);
    if (r < 0) return lower_failed(ws, r);
    if (r == 0) return 0; /* the caller comes back with the same bytes */
    ws->out_len = ws->out_sent = 0;
    return (int32_t)n;
}

static tern_status closed_by_server(tern_ws *ws, const tern_ws_event *ev)
{
    ws->close_code = ev->close_code;
    char reason[64];
    size_t n = ev->len < sizeof reason - 1 ? ev->len : sizeof reason - 1;
    for (size_t i = 0; i < n; i++) reason[i] = ev->data[i] >= 0x20 && ev->data[i] < 0x7F ? (char)ev->data[i] : '?';
    reason[n] = '\0';
    set_error(ws, "the server closed the WebSocket with status %u%s%s%s", (unsigned)ev->close_code,
              n ? " \"" : "", reason, n ? "\"" : "");
    int normal = ev->close_code == TERN_WS_CLOSE_NORMAL || ev->close_code == TERN_WS_CLOSE_GOING_AWAY;
    return end_with(ws, normal ? TERN_ERR_CLOSED : TERN_ERR_WS_CLOSED, ev->close_code);
}

static tern_status refuse(tern_ws *ws, tern_status st)
{
    const tern_ws_header *f = &ws->reader.frame;
    set_error(ws, "%s (opcode %u, %llu bytes)", tern_status_str(st), (unsigned)f->opcode,
              (unsigned long long)f->payload_len);
    return end_with(ws, st, tern_ws_close_code_for(st));
}

/* Turn the n frame bytes at buf into MQTT bytes at its start; *out gets their count. */
static tern_status deframe(tern_ws *ws, uint8_t *buf, size_t n, size_t *out)
{
    size_t pos = 0;
    *out = 0;
    while (pos < n) {
        tern_ws_event ev;
        size_t used = 0;
        tern_status st = tern_ws_reader_feed(&ws->reader, buf + pos, n - pos, &used, &ev);
        pos += used;
        if (st != TERN_OK) return refuse(ws, st);
        if (ev.kind == TERN_WS_EVENT_DATA) {
            memmove(buf + *out, ev.data, ev.len);
            *out += ev.len;
        } else if (ev.kind == TERN_WS_EVENT_PING) {
            queue_control(ws, TERN_WS_PONG, ev.data, ev.len);
        } else if (ev.kind == TERN_WS_EVENT_CLOSE) {
            return closed_by_server(ws, &ev);
        }
    }
    return TERN_OK;
}

static int32_t ws_recv(void *ctx, uint8_t *buf, size_t len)
{
    tern_ws *ws = ctx;
    if (ws->state != WS_OPEN) return not_open(ws);
    if (len > INT32_MAX) len = INT32_MAX;
    for (;;) {
        int32_t r = flush_pending(ws); /* pongs go out even when the engine has nothing to send */
        if (r < 0) return lower_failed(ws, r);
        int32_t n = ws->lower.recv(ws->lower.ctx, buf, len);
        if (n == 0) return 0;
        if (n < 0) return lower_failed(ws, n);
        ws->bytes_received += (uint64_t)n;
        size_t out = 0;
        tern_status st = deframe(ws, buf, (size_t)n, &out);
        /* MQTT bytes that came before a close or a refused frame are delivered first; the
         * failure stays and is reported by the next call. */
        if (out > 0) return (int32_t)out;
        if (st != TERN_OK) return -(int32_t)st;
    }
}

static void ws_close(void *ctx)
{
    tern_ws *ws = ctx;
    if (ws->state == WS_OPEN) (void)end_with(ws, TERN_ERR_NOT_CONNECTED, TERN_WS_CLOSE_NORMAL);
    if (ws->state != WS_CLOSED) ws->lower.close(ws->lower.ctx);
    ws->state = WS_CLOSED;
    ws->out_len = ws->out_sent = 0;
    ws->control_len = ws->control_sent = 0;
}

static int ws_socket(void *ctx)
{
    tern_ws *ws = ctx;
    return ws->lower.socket(ws->lower.ctx);
}

static int ws_wants_write(void *ctx)
{
    tern_ws *ws = ctx;
    if (ws->state == WS_SENDING_REQUEST) return 1;
    if (ws->state == WS_OPEN && (ws->out_sent < ws->out_len || ws->control_sent < ws->control_len))
        return 1;
    return ws->lower.wants_write ? ws->lower.wants_write(ws->lower.ctx) : 0;
}

static tern_status ws_wait(void *ctx, int want_write, uint32_t timeout_ms)
{
    tern_ws *ws = ctx;
    return ws->lower.wait(ws->lower.ctx, want_write, timeout_ms);
}

void tern_ws_transport(tern_ws *ws, tern_transport *out)
{
    memset(out, 0, sizeof *out);
    out->ctx = ws;
    out->open = ws_open;
    out->send = ws_send;
    out->recv = ws_recv;
    out->close = ws_close;
    out->socket = ws->lower.socket ? ws_socket : NULL;
    out->wants_write = ws_wants_write;
    out->wait = ws->lower.wait ? ws_wait : NULL;
}
