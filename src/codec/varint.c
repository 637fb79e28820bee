/* Variable byte integer (at most 4 bytes, shortest form) (MQTT 3.1.1 section 2.2.3, MQTT 5.0 section 1.5.5) and fixed header. */
#include "wire.h"

size_t tern_varint_size(uint32_t value)
{
    return value < 128u ? 1 : value < 16384u ? 2 : value < 2097152u ? 3 : 4;
}

size_t tern_varint_encode(uint32_t value, uint8_t *buf, size_t cap)
{
    size_t n = tern_varint_size(value);
    if (value > TERN_VARINT_MAX || n > cap) return 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t byte = (uint8_t)(value & 0x7Fu);
        value >>= 7;
        buf[i] = (uint8_t)(i + 1 < n ? byte | 0x80u : byte);
    }
    return n;
}

tern_status tern_varint_decode(const uint8_t *buf, size_t len, uint32_t *value, size_t *used)
{
    uint32_t v = 0;
    for (size_t i = 0; i < 4; i++) {
        if (i >= len) return TERN_NEED_MORE;
        v |= (uint32_t)(buf[i] & 0x7Fu) << (7 * i);
        if ((buf[i] & 0x80u) == 0) {
            /* MQTT 5 1.5.5: the shortest encoding is the only valid one. */
            if (i > 0 && buf[i] == 0) return TERN_ERR_VARINT;
            *value = v;
            *used = i + 1;
            return TERN_OK;
        }
    }
    return TERN_ERR_VARINT;
}

tern_status tern_codec_decode_header(const uint8_t *buf, size_t len, tern_header *out)
{
    if (len < 1) return TERN_NEED_MORE;
    size_t used = 0;
    tern_status st = tern_varint_decode(buf + 1, len - 1, &out->remaining, &used);
    if (st != TERN_OK) return st;
    out->type = (uint8_t)(buf[0] >> 4);
    out->flags = (uint8_t)(buf[0] & 0x0Fu);
    out->header_len = (uint8_t)(1 + used);
    return out->type == 0 ? TERN_ERR_PACKET_TYPE : TERN_OK;
}
