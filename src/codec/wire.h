/* Internal to the codec: bounded reader and unchecked writer over byte spans.
 * Readers never go past their span: running out inside a packet whose remaining length is
 * known means the remaining length lied, so they return TERN_ERR_REMAINING_LENGTH.
 * Writers do not check bounds: every encoder sizes the packet and checks the capacity first. */
#ifndef TERN_CODEC_WIRE_H
#define TERN_CODEC_WIRE_H

#include "tern/codec.h"
#include "bytes.h"

typedef struct {
    const uint8_t *p;
    size_t len;   /* end of the span (the end of the packet) */
    size_t pos;
} tern_reader;

static inline size_t tern_reader_left(const tern_reader *r) { return r->len - r->pos; }

tern_status tern_read_u8(tern_reader *r, uint8_t *v);
tern_status tern_read_u16(tern_reader *r, uint16_t *v);
/* A big-endian integer of n (1..4) bytes. */
tern_status tern_read_uint(tern_reader *r, unsigned n, uint32_t *v);
tern_status tern_read_varint(tern_reader *r, uint32_t *v);
/* Two-byte length then that many bytes. */
tern_status tern_read_binary(tern_reader *r, tern_bytes *v);
/* tern_read_binary plus the UTF-8 rules. */
tern_status tern_read_string(tern_reader *r, tern_bytes *v);

/* Start reading a packet: decode the fixed header, check the type and (when flags_mask is
 * non-zero) that (flags & flags_mask) == flags_value, check the whole packet is in the span,
 * and set the reader to the packet body. */
tern_status tern_reader_begin(tern_reader *r, const uint8_t *buf, size_t len, uint8_t type,
                              uint8_t flags_mask, uint8_t flags_value, tern_header *h);
/* TERN_OK if the reader consumed the whole body, TERN_ERR_REMAINING_LENGTH otherwise. */
tern_status tern_reader_end(const tern_reader *r);

uint8_t *tern_write_u8(uint8_t *p, uint8_t v);
uint8_t *tern_write_u16(uint8_t *p, uint16_t v);
uint8_t *tern_write_uint(uint8_t *p, unsigned n, uint32_t v);
uint8_t *tern_write_varint(uint8_t *p, uint32_t v);
/* Two-byte length then the bytes. */
uint8_t *tern_write_binary(uint8_t *p, tern_bytes v);
uint8_t *tern_write_raw(uint8_t *p, const uint8_t *data, size_t len);

/* Size of a fixed header for a body of `remaining` bytes; the packet total in *total.
 * TERN_ERR_PACKET_TOO_LARGE if remaining > TERN_VARINT_MAX. */
tern_status tern_packet_total(size_t remaining, size_t *total);
/* The first byte of a fixed header. */
#define TERN_HEADER_BYTE(type, flags) ((uint8_t)(((unsigned)(type) << 4) | (flags)))
/* The prologue every encoder shares. *w: the buffer, then the body; *len: the body size, then
 * the packet's. Sizes the packet, checks it fits in cap and writes the fixed header. */
tern_status tern_encode_begin(uint8_t **w, size_t cap, uint8_t first, size_t *len);

/* A string or binary field's encoded size (2 + len); TERN_ERR_STRING_TOO_LONG past 65535. */
tern_status tern_field_size(tern_bytes v, size_t *acc);
/* As tern_field_size, plus the UTF-8 rules. */
tern_status tern_string_size(tern_bytes v, size_t *acc);

/* Does filter start with "$share/" (a shared subscription, MQTT 5.0 4.8.2)? */
int tern_topic_is_shared(tern_bytes filter);

/* Version v is MQTT 5.0, known at compile time to be false in a 3.1.1-only build (every
 * codec entry point refuses 5.0 there first), so the 5.0-only checks compile away. */
#define TERN_IS_V5(v) (TERN_CFG_MQTT5 && (v) == TERN_MQTT_5)

/* TERN_OK for 3.1.1 and (when built in) 5.0; TERN_ERR_UNSUPPORTED for 5.0 in a 3.1.1-only
 * build; TERN_ERR_PROTOCOL_VERSION otherwise. */
tern_status tern_check_version(tern_mqtt_version v);

#if TERN_CFG_MQTT5
/* Write a property block already sized (and so checked: tern_props_size) at size bytes;
 * advances *w. */
void tern_write_props(uint8_t **w, const tern_props *props, uint8_t ctx, size_t size);
/* Decode the property block at the reader, or (has_block 0: the packet has none) read an
 * empty one, so that the caller's props never keep an earlier packet's values. */
tern_status tern_read_props(tern_reader *r, int has_block, uint8_t ctx, tern_props *props);
/* The optional tail of a 5.0 ack, DISCONNECT or AUTH: no byte left means reason 0, no block
 * means no properties (5.0 3.4.2.1, 3.14.2.1, 3.15.2.1). */
tern_status tern_read_reason_and_props(tern_reader *r, uint8_t type, uint8_t *reason,
                                       tern_props *props);
#endif

#endif
