/* MQTT 5 properties (MQTT 5.0 section 2.2.2): one table of the 27 properties and one loop
 * for each direction. The encoder checks every rule the decoder checks, so tern never writes
 * a property block that a peer following the spec (or tern itself) would refuse. */
#include "tern/config.h"

#if TERN_CFG_MQTT5

#include <stddef.h>

#include "wire.h"

/* Wire types (MQTT 5.0 section 1.5) in the low bits of prop_desc.kind, value rules above.
 * PT_BYTE..PT_U32 are integers of 1 << type bytes, PT_STRING and PT_PAIR after PT_BINARY. */
enum {
    PT_BYTE,
    PT_U16,
    PT_U32,
    PT_VARINT,
    PT_BINARY,
    PT_STRING,
    PT_PAIR,
    PT_TYPE_MASK = 0x0F,
    PV_BOOL = 0x10,    /* only 0 or 1 */
    PV_NONZERO = 0x20  /* 0 is a protocol error */
};

typedef struct {
    uint8_t id;
    uint8_t kind;      /* PT_ type | PV_ rules */
    uint8_t offset;    /* of the field in tern_props (unused for user properties) */
    uint16_t allowed;  /* bit n: allowed in packet type n; bit 0: will properties */
} prop_desc;

#define IN(ctx) (1u << (ctx))
#define WILL IN(TERN_PROP_CTX_WILL)
#define PUB_ACKS (IN(TERN_PUBACK) | IN(TERN_PUBREC) | IN(TERN_PUBREL) | IN(TERN_PUBCOMP))
#define AT(field) ((uint8_t)offsetof(tern_props, field))

/* Offsets are stored in a byte; every field read through the table lies before user_props. */
_Static_assert(offsetof(tern_props, user_props) <= 255, "tern_props too large for prop_desc");

/* MQTT 5.0 table 2-4, with the value rules of sections 3.1.2.11, 3.1.3.2, 3.2.2.3, 3.3.2.3. */
static const prop_desc prop_table[] = {
    {TERN_PROP_PAYLOAD_FORMAT, PT_BYTE | PV_BOOL, AT(payload_format), IN(TERN_PUBLISH) | WILL},
    {TERN_PROP_MESSAGE_EXPIRY, PT_U32, AT(message_expiry), IN(TERN_PUBLISH) | WILL},
    {TERN_PROP_CONTENT_TYPE, PT_STRING, AT(content_type), IN(TERN_PUBLISH) | WILL},
    {TERN_PROP_RESPONSE_TOPIC, PT_STRING, AT(response_topic), IN(TERN_PUBLISH) | WILL},
    {TERN_PROP_CORRELATION_DATA, PT_BINARY, AT(correlation_data), IN(TERN_PUBLISH) | WILL},
    {TERN_PROP_SUBSCRIPTION_ID, PT_VARINT | PV_NONZERO, AT(subscription_id),
     IN(TERN_PUBLISH) | IN(TERN_SUBSCRIBE)},
    {TERN_PROP_SESSION_EXPIRY, PT_U32, AT(session_expiry),
     IN(TERN_CONNECT) | IN(TERN_CONNACK) | IN(TERN_DISCONNECT)},
    {TERN_PROP_ASSIGNED_CLIENT_ID, PT_STRING, AT(assigned_client_id), IN(TERN_CONNACK)},
    {TERN_PROP_SERVER_KEEP_ALIVE, PT_U16, AT(server_keep_alive), IN(TERN_CONNACK)},
    {TERN_PROP_AUTH_METHOD, PT_STRING, AT(auth_method),
     IN(TERN_CONNECT) | IN(TERN_CONNACK) | IN(TERN_AUTH)},
    {TERN_PROP_AUTH_DATA, PT_BINARY, AT(auth_data),
     IN(TERN_CONNECT) | IN(TERN_CONNACK) | IN(TERN_AUTH)},
    {TERN_PROP_REQUEST_PROBLEM_INFO, PT_BYTE | PV_BOOL, AT(request_problem_info), IN(TERN_CONNECT)},
    {TERN_PROP_WILL_DELAY, PT_U32, AT(will_delay), WILL},
    {TERN_PROP_REQUEST_RESPONSE_INFO, PT_BYTE | PV_BOOL, AT(request_response_info),
     IN(TERN_CONNECT)},
    {TERN_PROP_RESPONSE_INFO, PT_STRING, AT(response_info), IN(TERN_CONNACK)},
    {TERN_PROP_SERVER_REFERENCE, PT_STRING, AT(server_reference),
     IN(TERN_CONNACK) | IN(TERN_DISCONNECT)},
    {TERN_PROP_REASON_STRING, PT_STRING, AT(reason_string),
     IN(TERN_CONNACK) | PUB_ACKS | IN(TERN_SUBACK) | IN(TERN_UNSUBACK) | IN(TERN_DISCONNECT) |
         IN(TERN_AUTH)},
    {TERN_PROP_RECEIVE_MAXIMUM, PT_U16 | PV_NONZERO, AT(receive_maximum),
     IN(TERN_CONNECT) | IN(TERN_CONNACK)},
    {TERN_PROP_TOPIC_ALIAS_MAXIMUM, PT_U16, AT(topic_alias_maximum),
     IN(TERN_CONNECT) | IN(TERN_CONNACK)},
    {TERN_PROP_TOPIC_ALIAS, PT_U16 | PV_NONZERO, AT(topic_alias), IN(TERN_PUBLISH)},
    {TERN_PROP_MAXIMUM_QOS, PT_BYTE | PV_BOOL, AT(maximum_qos), IN(TERN_CONNACK)},
    {TERN_PROP_RETAIN_AVAILABLE, PT_BYTE | PV_BOOL, AT(retain_available), IN(TERN_CONNACK)},
    {TERN_PROP_USER_PROPERTY, PT_PAIR, 0,
     (uint16_t)(0xFFFFu & ~(IN(TERN_PINGREQ) | IN(TERN_PINGRESP)))},
    {TERN_PROP_MAXIMUM_PACKET_SIZE, PT_U32 | PV_NONZERO, AT(maximum_packet_size),
     IN(TERN_CONNECT) | IN(TERN_CONNACK)},
    {TERN_PROP_WILDCARD_SUB_AVAILABLE, PT_BYTE | PV_BOOL, AT(wildcard_sub_available),
     IN(TERN_CONNACK)},
    {TERN_PROP_SUB_ID_AVAILABLE, PT_BYTE | PV_BOOL, AT(sub_id_available), IN(TERN_CONNACK)},
    {TERN_PROP_SHARED_SUB_AVAILABLE, PT_BYTE | PV_BOOL, AT(shared_sub_available),
     IN(TERN_CONNACK)},
};

#define PROP_COUNT (sizeof prop_table / sizeof prop_table[0])

static const prop_desc *find_prop(uint8_t id)
{
    for (size_t i = 0; i < PROP_COUNT; i++)
        if (prop_table[i].id == id) return &prop_table[i];
    return NULL;
}

static unsigned prop_type(const prop_desc *d) { return d->kind & PT_TYPE_MASK; }

static int allowed_in(const prop_desc *d, uint8_t ctx) { return (d->allowed >> ctx) & 1u; }

/* Sets of property ids (tern_props.present) as two 32-bit words: a 64-bit shift by a variable
 * costs Cortex-M a dozen instructions. Ids are below 64 (TERN_PROP_BIT). */
typedef uint32_t id_set[2];

static uint32_t *word_of(id_set s, uint8_t id) { return &s[id >> 5]; }
static uint32_t bit_of(uint8_t id) { return 1u << (id & 31u); }

/* Bytes of an integer property's field in tern_props (a varint is kept in a uint32_t). */
static unsigned int_width(unsigned type) { return type == PT_VARINT ? 4u : 1u << type; }

/* ------------------------------------------------------------ rules shared by both ways */

static tern_status check_string(tern_bytes s, int utf8)
{
    if (s.len > 0xFFFFu) return TERN_ERR_STRING_TOO_LONG;
    if (s.len > 0 && s.data == NULL) return TERN_ERR_INVALID_ARG;
    return utf8 ? tern_utf8_validate(s.data, s.len) : TERN_OK;
}

/* The value rules of one property; v->value2 is only looked at for user properties. */
static tern_status check_value(const prop_desc *d, const tern_prop *v)
{
    unsigned type = prop_type(d);
    if ((d->kind & PV_BOOL) && v->value > 1) return TERN_ERR_PROP_VALUE;
    if ((d->kind & PV_NONZERO) && v->value == 0) return TERN_ERR_PROP_VALUE;
    if (type == PT_VARINT && v->value > TERN_VARINT_MAX) return TERN_ERR_PROP_VALUE;
    if (type < PT_BINARY) return TERN_OK;
    tern_status st = check_string(v->bytes, type != PT_BINARY);
    if (st != TERN_OK || type != PT_PAIR) return st;
    return check_string(v->value2, 1);
}

/* ------------------------------------------------------------ decoding */

/* Read one property (identifier and value) without judging it; *d gets its table entry. */
static tern_status read_prop(tern_reader *r, const prop_desc **d, tern_prop *v)
{
    uint8_t id = 0;
    tern_status st = tern_read_u8(r, &id);
    /* Identifiers are varints, but every defined one is a single byte below 0x80. */
    *d = st == TERN_OK ? find_prop(id) : NULL;
    if (st != TERN_OK) return st;
    if (*d == NULL) return TERN_ERR_PROP_UNKNOWN;
    *v = (tern_prop){.id = id};
    unsigned type = prop_type(*d);
    if (type < PT_VARINT) {
        st = tern_read_uint(r, 1u << type, &v->value);
    } else if (type == PT_VARINT) {
        st = tern_read_varint(r, &v->value);
    } else {
        st = tern_read_binary(r, &v->bytes);
        if (st == TERN_OK && type == PT_PAIR) st = tern_read_binary(r, &v->value2);
    }
    /* The reader's "ran out" means the property runs past the end of its block. */
    return st == TERN_ERR_REMAINING_LENGTH ? TERN_ERR_PROP_LENGTH : st;
}

static void store_value(tern_props *out, const prop_desc *d, const tern_prop *v)
{
    void *field = (uint8_t *)out + d->offset;
    unsigned type = prop_type(d);
    if (type == PT_PAIR) {
        if (out->user_prop_count < 0xFFFFu) out->user_prop_count++; /* saturates; raw has all */
    } else if (type > PT_VARINT) {
        *(tern_bytes *)field = v->bytes;
    } else if (int_width(type) == 1) {
        *(uint8_t *)field = (uint8_t)v->value;
    } else if (int_width(type) == 2) {
        *(uint16_t *)field = (uint16_t)v->value;
    } else {
        *(uint32_t *)field = v->value;
    }
}

/* Judge one property read from a block: allowed here, not a forbidden repeat, valid value. */
static tern_status accept_prop(const prop_desc *d, const tern_prop *v, uint8_t ctx,
                               id_set seen, tern_props *out)
{
    uint32_t *word = word_of(seen, d->id), bit = bit_of(d->id);
    if (!allowed_in(d, ctx)) return TERN_ERR_PROP_NOT_ALLOWED;
    /* PUBLISH carries one Subscription Identifier per matching subscription (3.3.2.3.8). */
    int may_repeat = d->id == TERN_PROP_USER_PROPERTY ||
                     (d->id == TERN_PROP_SUBSCRIPTION_ID && ctx == TERN_PUBLISH);
    if ((*word & bit) && !may_repeat) return TERN_ERR_PROP_DUPLICATE;
    tern_status st = check_value(d, v);
    if (st != TERN_OK) return st;
    /* A repeated Subscription Identifier leaves the first in the field. */
    if (out != NULL && (!(*word & bit) || d->id == TERN_PROP_USER_PROPERTY))
        store_value(out, d, v);
    *word |= bit;
    return TERN_OK;
}

tern_status tern_props_decode(const uint8_t *buf, size_t len, uint8_t ctx, tern_props *out,
                              size_t *used)
{
    if (ctx > TERN_AUTH || (buf == NULL && len > 0)) return TERN_ERR_INVALID_ARG;
    uint32_t block_len = 0;
    size_t len_size = 0;
    tern_status st = tern_varint_decode(buf, len, &block_len, &len_size);
    if (st == TERN_NEED_MORE) return TERN_ERR_PROP_LENGTH;
    if (st != TERN_OK) return st;
    if (block_len > len - len_size) return TERN_ERR_PROP_LENGTH;

    if (out != NULL) *out = (tern_props){.raw = {buf + len_size, block_len}};
    tern_reader r = {buf + len_size, block_len, 0};
    id_set seen = {0, 0};
    while (tern_reader_left(&r) > 0) {
        const prop_desc *d;
        tern_prop v;
        st = read_prop(&r, &d, &v);
        if (st == TERN_OK) st = accept_prop(d, &v, ctx, seen, out);
        if (st != TERN_OK) return st;
    }
    if (out != NULL) out->present = seen[0] | (uint64_t)seen[1] << 32;
    if (used != NULL) *used = len_size + block_len;
    return TERN_OK;
}

tern_status tern_props_next(tern_bytes raw, size_t *offset, tern_prop *out)
{
    if (*offset >= raw.len) return TERN_NEED_MORE;
    tern_reader r = {raw.data, raw.len, *offset};
    const prop_desc *d;
    tern_status st = read_prop(&r, &d, out);
    if (st == TERN_OK) *offset = r.pos;
    return st;
}

/* ------------------------------------------------------------ encoding */

/* value2 is empty but for user properties. */
static size_t value_size(unsigned type, const tern_prop *v)
{
    if (type < PT_VARINT) return 1u << type;
    if (type == PT_VARINT) return tern_varint_size(v->value);
    return 2u + v->bytes.len + (type == PT_PAIR ? 2u + v->value2.len : 0u);
}

static void write_value(uint8_t *w, unsigned type, const tern_prop *v)
{
    if (type < PT_VARINT) {
        tern_write_uint(w, 1u << type, v->value);
    } else if (type == PT_VARINT) {
        tern_write_varint(w, v->value);
    } else {
        w = tern_write_binary(w, v->bytes);
        if (type == PT_PAIR) tern_write_binary(w, v->value2);
    }
}

/* Not for user properties (emit_user_props). */
static void load_value(const tern_props *props, const prop_desc *d, tern_prop *v)
{
    const void *field = (const uint8_t *)props + d->offset;
    unsigned type = prop_type(d);
    *v = (tern_prop){.id = d->id};
    if (type > PT_VARINT) v->bytes = *(const tern_bytes *)field;
    else if (int_width(type) == 1) v->value = *(const uint8_t *)field;
    else if (int_width(type) == 2) v->value = *(const uint16_t *)field;
    else v->value = *(const uint32_t *)field;
}

/* Size pass (w == NULL): check the value and add its size to *acc.
 * Write pass: write it at w + *acc (the size pass has checked everything). */
static tern_status emit_prop(const prop_desc *d, const tern_prop *v, uint8_t *w, size_t *acc)
{
    unsigned type = prop_type(d);
    if (w == NULL) {
        tern_status st = check_value(d, v);
        if (st != TERN_OK) return st;
    } else {
        write_value(tern_write_u8(w + *acc, d->id), type, v);
    }
    *acc += 1u + value_size(type, v);
    /* Checked per property so that *acc cannot wrap even with a 32-bit size_t. */
    return *acc > TERN_VARINT_MAX ? TERN_ERR_PACKET_TOO_LARGE : TERN_OK;
}

static tern_status emit_user_props(const tern_props *props, const prop_desc *d, uint8_t *w,
                                   size_t *acc)
{
    if (props->user_prop_count > 0 && props->user_props == NULL) return TERN_ERR_INVALID_ARG;
    for (size_t i = 0; i < props->user_prop_count; i++) {
        tern_prop v = {.id = d->id, .bytes = props->user_props[i].key,
                       .value2 = props->user_props[i].value};
        tern_status st = emit_prop(d, &v, w, acc);
        if (st != TERN_OK) return st;
    }
    return TERN_OK;
}

/* The properties of a block in table order: sized and checked (w == NULL) or written. */
static tern_status emit_props(const tern_props *props, uint8_t ctx, uint8_t *w, size_t *acc)
{
    if (ctx > TERN_AUTH) return TERN_ERR_INVALID_ARG;
    if (props == NULL) return TERN_OK;
    id_set unknown = {(uint32_t)props->present, (uint32_t)(props->present >> 32)};
    *word_of(unknown, TERN_PROP_USER_PROPERTY) &= ~bit_of(TERN_PROP_USER_PROPERTY);
    for (const prop_desc *d = prop_table; d < prop_table + PROP_COUNT; d++) {
        int is_user = d->id == TERN_PROP_USER_PROPERTY;
        /* User properties are there when counted, whatever their bit says. */
        uint32_t *word = word_of(unknown, d->id), bit = bit_of(d->id);
        if (is_user ? props->user_prop_count == 0 : !(*word & bit)) continue;
        *word &= ~bit;
        if (!allowed_in(d, ctx)) return TERN_ERR_PROP_NOT_ALLOWED;
        tern_status st;
        if (is_user) {
            st = emit_user_props(props, d, w, acc);
        } else {
            tern_prop v;
            load_value(props, d, &v);
            st = emit_prop(d, &v, w, acc);
        }
        if (st != TERN_OK) return st;
    }
    return unknown[0] | unknown[1] ? TERN_ERR_PROP_UNKNOWN : TERN_OK;
}

tern_status tern_props_size(const tern_props *props, uint8_t ctx, size_t *size)
{
    size_t body = 0;
    tern_status st = emit_props(props, ctx, NULL, &body);
    if (st == TERN_OK) *size = tern_varint_size((uint32_t)body) + body;
    return st;
}

tern_status tern_props_encode(const tern_props *props, uint8_t ctx, uint8_t *buf, size_t cap,
                              size_t *written)
{
    size_t total = 0;
    tern_status st = tern_props_size(props, ctx, &total);
    if (st != TERN_OK) return st;
    if (total > cap) return TERN_ERR_BUFFER_TOO_SMALL;
    tern_write_props(&buf, props, ctx, total);
    *written = total;
    return TERN_OK;
}

void tern_write_props(uint8_t **w, const tern_props *props, uint8_t ctx, size_t size)
{
    /* size = n + tern_varint_size(n) for the block's length n, so size less its own varint
     * length is n, or n - 1 when size alone reached a longer varint; n is then not the first
     * of its varint length, so either way that is n's varint length. */
    size_t body = size - tern_varint_size((uint32_t)(size - tern_varint_size((uint32_t)size)));
    size_t pos = 0;
    uint8_t *start = tern_write_varint(*w, (uint32_t)body);
    (void)emit_props(props, ctx, start, &pos); /* cannot fail: the size pass checked it all */
    *w = start + pos;
}

#else
typedef int tern_props_not_built; /* ISO C wants a translation unit to hold something */
#endif /* TERN_CFG_MQTT5 */
