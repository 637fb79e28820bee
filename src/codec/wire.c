/* Bounded reads and unchecked writes of the MQTT data types (spec section 1.5). */
#include "wire.h"

tern_status tern_read_u8(tern_reader *r, uint8_t *v)
{
    if (tern_reader_left(r) < 1) return TERN_ERR_REMAINING_LENGTH;
    *v = r->p[r->pos++];
    return TERN_OK;
}

tern_status tern_read_u16(tern_reader *r, uint16_t *v)
{
    if (tern_reader_left(r) < 2) return TERN_ERR_REMAINING_LENGTH;
    *v = (uint16_t)((r->p[r->pos] << 8) | r->p[r->pos + 1]);
    r->pos += 2;
    return TERN_OK;
}

tern_status tern_read_uint(tern_reader *r, unsigned n, uint32_t *v)
{
    if (tern_reader_left(r) < n) return TERN_ERR_REMAINING_LENGTH;
    uint32_t x = 0;
    while (n--) x = (x << 8) | r->p[r->pos++];
    *v = x;
    return TERN_OK;
}

tern_status tern_read_varint(tern_reader *r, uint32_t *v)
{
    size_t used = 0;
    tern_status st = tern_varint_decode(r->p + r->pos, tern_reader_left(r), v, &used);
    if (st == TERN_NEED_MORE) return TERN_ERR_REMAINING_LENGTH;
    r->pos += used;
    return st;
}

tern_status tern_read_binary(tern_reader *r, tern_bytes *v)
{
    uint16_t n;
    tern_status st = tern_read_u16(r, &n);
    if (st != TERN_OK) return st;
    if (tern_reader_left(r) < n) return TERN_ERR_REMAINING_LENGTH;
    v->data = r->p + r->pos;
    v->len = n;
    r->pos += n;
    return TERN_OK;
}

tern_status tern_read_string(tern_reader *r, tern_bytes *v)
{
    tern_status st = tern_read_binary(r, v);
    return st != TERN_OK ? st : tern_utf8_validate(v->data, v->len);
}

tern_status tern_reader_begin(tern_reader *r, const uint8_t *buf, size_t len, uint8_t type,
                              uint8_t flags_mask, uint8_t flags_value, tern_header *h)
{
    tern_status st = tern_codec_decode_header(buf, len, h);
    if (st != TERN_OK) return st;
    if (h->type != type) return TERN_ERR_PACKET_TYPE;
    if ((h->flags & flags_mask) != flags_value) return TERN_ERR_FIXED_FLAGS;
    if (len - h->header_len < h->remaining) return TERN_NEED_MORE;
    r->p = buf;
    r->pos = h->header_len;
    r->len = (size_t)h->header_len + h->remaining;
    return TERN_OK;
}

tern_status tern_reader_end(const tern_reader *r)
{
    return r->pos == r->len ? TERN_OK : TERN_ERR_REMAINING_LENGTH;
}

uint8_t *tern_write_u8(uint8_t *p, uint8_t v)
{
    *p = v;
    return p + 1;
}

uint8_t *tern_write_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

uint8_t *tern_write_uint(uint8_t *p, unsigned n, uint32_t v)
{
    for (unsigned i = n; i-- > 0; v >>= 8) p[i] = (uint8_t)v;
    return p + n;
}

uint8_t *tern_write_varint(uint8_t *p, uint32_t v)
{
    return p + tern_varint_encode(v, p, TERN_FIXED_HEADER_MAX - 1);
}

uint8_t *tern_write_raw(uint8_t *p, const uint8_t *data, size_t len)
{
    return tern_copy(p, data, len); /* data may be NULL when len is 0: nothing is read then */
}

uint8_t *tern_write_binary(uint8_t *p, tern_bytes v)
{
    p = tern_write_u16(p, (uint16_t)v.len);
    return tern_write_raw(p, v.data, v.len);
}

tern_status tern_packet_total(size_t remaining, size_t *total)
{
    if (remaining > TERN_VARINT_MAX) return TERN_ERR_PACKET_TOO_LARGE;
    *total = 1 + tern_varint_size((uint32_t)remaining) + remaining;
    return TERN_OK;
}

tern_status tern_encode_begin(uint8_t **w, size_t cap, uint8_t first, size_t *len)
{
    size_t body = *len;
    tern_status st = tern_packet_total(body, len);
    if (st != TERN_OK) return st;
    if (*len > cap) return TERN_ERR_BUFFER_TOO_SMALL;
    **w = first;
    *w = tern_write_varint(*w + 1, (uint32_t)body);
    return TERN_OK;
}

tern_status tern_field_size(tern_bytes v, size_t *acc)
{
    if (v.len > 0xFFFFu) return TERN_ERR_STRING_TOO_LONG;
    *acc += 2u + v.len;
    return TERN_OK;
}

tern_status tern_string_size(tern_bytes v, size_t *acc)
{
    tern_status st = tern_field_size(v, acc);
    return st != TERN_OK ? st : tern_utf8_validate(v.data, v.len);
}

tern_status tern_check_version(tern_mqtt_version v)
{
    if (v == TERN_MQTT_311) return TERN_OK;
    if (v != TERN_MQTT_5) return TERN_ERR_PROTOCOL_VERSION;
    return TERN_CFG_MQTT5 ? TERN_OK : TERN_ERR_UNSUPPORTED;
}

#if TERN_CFG_MQTT5
tern_status tern_read_props(tern_reader *r, int has_block, uint8_t ctx, tern_props *props)
{
    static const uint8_t empty_block = 0;
    size_t used = 0;
    if (!has_block) return props ? tern_props_decode(&empty_block, 1, ctx, props, &used) : TERN_OK;
    /* 5.0 requires the block here (at least its length byte). */
    if (tern_reader_left(r) == 0) return TERN_ERR_REMAINING_LENGTH;
    tern_status st = tern_props_decode(r->p + r->pos, tern_reader_left(r), ctx, props, &used);
    r->pos += used;
    return st;
}

tern_status tern_read_reason_and_props(tern_reader *r, uint8_t type, uint8_t *reason,
                                       tern_props *props)
{
    *reason = 0;
    if (tern_reader_left(r) > 0) {
        tern_status st = tern_read_u8(r, reason);
        if (st != TERN_OK) return st;
        if (!tern_reason_valid(*reason, (tern_packet_type)type)) return TERN_ERR_REASON_CODE;
    }
    return tern_read_props(r, tern_reader_left(r) > 0, type, props);
}
#endif
