/* The WebSocket frame stream as a receiver sees it: headers split anywhere, data payloads
 * passed on in place, control frames collected, and the rules of MQTT over WebSocket (binary
 * only, masking by direction, a size limit, continuation order) enforced. Pure, no I/O. */
#include <string.h>

#include "tern/codec.h"
#include "tern/ws.h"

void tern_ws_reader_init(tern_ws_reader *r, int expect_masked, uint64_t max_frame)
{
    memset(r, 0, sizeof *r);
    r->expect_masked = (uint8_t)(expect_masked != 0);
    r->max_frame = max_frame ? max_frame : TERN_WS_DEFAULT_MAX_FRAME;
}

/* May the frame whose header was just read come now? */
static tern_status admit(tern_ws_reader *r, const tern_ws_header *h)
{
    if (h->masked != r->expect_masked) return TERN_ERR_WS_MASKED;
    if (h->opcode == TERN_WS_TEXT) return TERN_ERR_WS_TEXT;
    if (h->opcode == TERN_WS_CLOSE && h->payload_len == 1) return TERN_ERR_WS_FRAME;
    if (h->opcode & 0x8u) return TERN_OK; /* control frames may come between fragments */
    if ((h->opcode == TERN_WS_CONTINUATION) != (r->in_message != 0)) return TERN_ERR_WS_FRAME;
    if (h->payload_len > r->max_frame) return TERN_ERR_WS_TOO_LARGE;
    r->in_message = (uint8_t)!h->fin;
    return TERN_OK;
}

/* Read header bytes from in; TERN_OK once the frame has started. */
static tern_status read_header(tern_ws_reader *r, const uint8_t *in, size_t len, size_t *used)
{
    size_t take = TERN_WS_MAX_HEADER - r->header_len;
    if (take > len) take = len;
    memcpy(r->header + r->header_len, in, take);
    tern_ws_header h;
    tern_status st = tern_ws_decode_header(r->header, r->header_len + take, &h);
    if (st == TERN_NEED_MORE) {
        r->header_len = (uint8_t)(r->header_len + take);
        *used = take;
        return st;
    }
    if (st != TERN_OK) return st;
    st = admit(r, &h);
    if (st != TERN_OK) return st;
    *used = (size_t)h.header_len - r->header_len; /* only what belonged to the header */
    r->header_len = 0;
    r->frame = h;
    r->remaining = h.payload_len;
    r->offset = 0;
    r->in_frame = 1;
    return TERN_OK;
}

/* Statuses 0-999, 1004-1006, 1015 and 1016-2999 must not appear in a close frame (7.4). */
static int valid_close_code(uint16_t code)
{
    if (code >= 3000 && code <= 4999) return 1;
    return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

/* A complete control frame in r->control. */
static tern_status control_event(tern_ws_reader *r, tern_ws_event *ev)
{
    size_t n = (size_t)r->frame.payload_len;
    ev->data = r->control;
    ev->len = n;
    if (r->frame.opcode == TERN_WS_PING) ev->kind = TERN_WS_EVENT_PING;
    else if (r->frame.opcode == TERN_WS_PONG) ev->kind = TERN_WS_EVENT_PONG;
    else {
        ev->kind = TERN_WS_EVENT_CLOSE;
        ev->close_code = TERN_WS_CLOSE_NO_STATUS;
        if (n >= 2) {
            ev->close_code = (uint16_t)((r->control[0] << 8) | r->control[1]);
            ev->data = r->control + 2;
            ev->len = n - 2;
            if (!valid_close_code(ev->close_code)) return TERN_ERR_WS_FRAME;
            if (ev->len && tern_utf8_validate(ev->data, ev->len) != TERN_OK) return TERN_ERR_WS_FRAME;
        }
    }
    return TERN_OK;
}

/* Payload bytes of the current frame; *used gets how many were taken. */
static tern_status read_payload(tern_ws_reader *r, uint8_t *in, size_t len, size_t *used,
                                tern_ws_event *ev)
{
    size_t n = r->remaining < len ? (size_t)r->remaining : len;
    int control = (r->frame.opcode & 0x8u) != 0;
    uint8_t *at = control ? r->control + r->offset : in;
    if (control) memcpy(at, in, n);
    if (r->frame.masked) tern_ws_mask(at, n, r->frame.mask, r->offset);
    r->offset += n;
    r->remaining -= n;
    *used = n;
    if (r->remaining == 0) r->in_frame = 0;
    if (!control) {
        if (n == 0) return TERN_OK;
        ev->kind = TERN_WS_EVENT_DATA;
        ev->data = in;
        ev->len = n;
        return TERN_OK;
    }
    return r->remaining == 0 ? control_event(r, ev) : TERN_OK;
}

tern_status tern_ws_reader_feed(tern_ws_reader *r, uint8_t *in, size_t len, size_t *used,
                                tern_ws_event *ev)
{
    memset(ev, 0, sizeof *ev);
    size_t pos = 0;
    tern_status st = TERN_OK;
    while (ev->kind == TERN_WS_EVENT_NONE) {
        size_t n = 0;
        if (!r->in_frame) {
            if (pos == len) break;
            st = read_header(r, in + pos, len - pos, &n);
            if (st == TERN_NEED_MORE) st = TERN_OK;
        } else {
            if (pos == len && r->remaining > 0) break;
            st = read_payload(r, in + pos, len - pos, &n, ev);
        }
        pos += n;
        if (st != TERN_OK) break;
    }
    *used = pos;
    return st;
}
