/* WebSocket frame headers and masking (RFC 6455 section 5.2): pure, no I/O. */
#include <string.h>

#include "tern/ws.h"

#define LENGTH_16 126u /* the 7-bit length field's escape to a 16-bit length */
#define LENGTH_64 127u /* ... and to a 64-bit one */
#define MAX_PAYLOAD 0x7FFFFFFFFFFFFFFFull /* the 64-bit length's top bit must be 0 */

static int is_control(uint8_t opcode) { return (opcode & 0x8u) != 0; }

static int is_known_opcode(uint8_t opcode)
{
    return opcode <= TERN_WS_BINARY || (opcode >= TERN_WS_CLOSE && opcode <= TERN_WS_PONG);
}

tern_status tern_ws_encode_header(uint8_t *out, size_t cap, uint8_t opcode, int fin,
                                  uint64_t payload_len, const uint8_t *mask, size_t *written)
{
    if (!is_known_opcode(opcode) || payload_len > MAX_PAYLOAD ||
        (is_control(opcode) && (!fin || payload_len > TERN_WS_MAX_CONTROL)))
        return TERN_ERR_INVALID_ARG;
    size_t extended = payload_len < LENGTH_16 ? 0 : payload_len <= 0xFFFFu ? 2 : 8;
    size_t n = 2 + extended + (mask ? 4 : 0);
    if (cap < n) return TERN_ERR_BUFFER_TOO_SMALL;
    out[0] = (uint8_t)((fin ? 0x80u : 0u) | opcode);
    uint8_t mask_bit = mask ? 0x80u : 0u;
    if (extended == 0) out[1] = (uint8_t)(mask_bit | payload_len);
    else out[1] = (uint8_t)(mask_bit | (extended == 2 ? LENGTH_16 : LENGTH_64));
    for (size_t i = 0; i < extended; i++) /* network byte order */
        out[2 + i] = (uint8_t)(payload_len >> (8 * (extended - 1 - i)));
    for (size_t i = 0; mask && i < 4; i++) out[2 + extended + i] = mask[i];
    *written = n;
    return TERN_OK;
}

/* The payload length after the first two bytes; *extended gets the bytes it took. */
static tern_status decode_length(const uint8_t *in, size_t len, uint64_t *payload_len,
                                 size_t *extended)
{
    uint8_t short_len = in[1] & 0x7Fu;
    *extended = short_len == LENGTH_16 ? 2 : short_len == LENGTH_64 ? 8 : 0;
    if (len < 2 + *extended) return TERN_NEED_MORE;
    uint64_t v = short_len;
    if (*extended) {
        v = 0;
        for (size_t i = 0; i < *extended; i++) v = (v << 8) | in[2 + i];
    }
    /* The shortest form is required (section 5.2), and the top bit of 64 is 0. */
    if ((*extended == 2 && v < LENGTH_16) || (*extended == 8 && (v <= 0xFFFFu || v > MAX_PAYLOAD)))
        return TERN_ERR_WS_FRAME;
    *payload_len = v;
    return TERN_OK;
}

tern_status tern_ws_decode_header(const uint8_t *in, size_t len, tern_ws_header *h)
{
    if (len < 2) return TERN_NEED_MORE;
    uint8_t opcode = in[0] & 0x0Fu;
    if ((in[0] & 0x70u) || !is_known_opcode(opcode)) return TERN_ERR_WS_RESERVED;
    uint8_t fin = (uint8_t)(in[0] >> 7);
    uint8_t masked = (uint8_t)(in[1] >> 7);
    /* Control frames are never fragmented and carry at most 125 bytes (section 5.5). */
    if (is_control(opcode) && (!fin || (in[1] & 0x7Fu) > TERN_WS_MAX_CONTROL)) return TERN_ERR_WS_FRAME;
    uint64_t payload_len = 0;
    size_t extended = 0;
    tern_status st = decode_length(in, len, &payload_len, &extended);
    if (st != TERN_OK) return st;
    size_t header_len = 2 + extended + (masked ? 4u : 0u);
    if (len < header_len) return TERN_NEED_MORE;
    h->payload_len = payload_len;
    h->fin = fin;
    h->opcode = opcode;
    h->masked = masked;
    for (size_t i = 0; i < 4; i++) h->mask[i] = masked ? in[2 + extended + i] : 0;
    h->header_len = (uint8_t)header_len;
    return TERN_OK;
}

void tern_ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset)
{
    /* Eight bytes at a time with the key lined up to where data starts, the tail bytewise. */
    uint8_t key[8];
    for (size_t i = 0; i < sizeof key; i++) key[i] = mask[(offset + i) & 3u];
    uint64_t wide;
    memcpy(&wide, key, sizeof wide);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t v;
        memcpy(&v, data + i, sizeof v);
        v ^= wide;
        memcpy(data + i, &v, sizeof v);
    }
    for (; i < len; i++) data[i] ^= key[i & 7u];
}

uint16_t tern_ws_close_code_for(tern_status st)
{
    switch (st) {
    case TERN_ERR_WS_TEXT: return TERN_WS_CLOSE_UNSUPPORTED_DATA;
    case TERN_ERR_WS_TOO_LARGE: return TERN_WS_CLOSE_TOO_BIG;
    case TERN_ERR_WS_RESERVED: case TERN_ERR_WS_FRAME: case TERN_ERR_WS_MASKED:
        return TERN_WS_CLOSE_PROTOCOL_ERROR;
    default: return TERN_WS_CLOSE_NORMAL;
    }
}
