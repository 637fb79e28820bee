/* The WebSocket frame decoder: a header decoded from any bytes encodes back to the same
 * bytes, and the stream reader, fed the bytes in pieces of a size the input chooses, never
 * reads or reports outside its input, whatever the frames. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/ws.h"

static void header_round_trips(const uint8_t *data, size_t size)
{
    tern_ws_header h;
    if (tern_ws_decode_header(data, size, &h) != TERN_OK) return;
    uint8_t again[TERN_WS_MAX_HEADER];
    size_t n = 0;
    if (tern_ws_encode_header(again, sizeof again, h.opcode, h.fin, h.payload_len,
                              h.masked ? h.mask : NULL, &n) != TERN_OK ||
        n != h.header_len || memcmp(again, data, n) != 0)
        abort();
}

static void stream_stays_inside(const uint8_t *data, size_t size)
{
    if (size < 2) return;
    size_t step = (size_t)(data[0] % 17) + 1;
    int expect_masked = data[1] & 1;
    uint64_t max_frame = (data[1] & 2) ? 64 : 0;
    size_t len = size - 2;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return;
    memcpy(copy, data + 2, len);
    tern_ws_reader r;
    tern_ws_reader_init(&r, expect_masked, max_frame);
    size_t pos = 0, data_total = 0;
    while (pos < len) {
        size_t piece = len - pos < step ? len - pos : step, used = 0;
        tern_ws_event ev;
        if (tern_ws_reader_feed(&r, copy + pos, piece, &used, &ev) != TERN_OK) break;
        if (used > piece || (used == 0 && ev.kind == TERN_WS_EVENT_NONE)) abort();
        if (ev.kind == TERN_WS_EVENT_DATA) {
            if (ev.data < copy + pos || ev.data + ev.len > copy + pos + used || ev.len == 0) abort();
            data_total += ev.len;
        } else if (ev.kind != TERN_WS_EVENT_NONE && ev.len > TERN_WS_MAX_CONTROL) {
            abort();
        }
        pos += used;
    }
    if (data_total > len) abort();
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    header_round_trips(data, size);
    stream_stays_inside(data, size);
    return 0;
}
