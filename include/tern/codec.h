/* tern codec: the MQTT 3.1.1 and 5.0 wire format.
 *
 * Pure functions: no I/O, no malloc, no clock, no global state.
 * Encoding is size-then-encode into a caller buffer. Decoding reads a byte span that starts
 * at a fixed header; strings and binary fields of the result point into that span (zero copy),
 * so the span must outlive the decoded struct. No decoder reads past the span it is given.
 * A span shorter than the packet it starts gives TERN_NEED_MORE, which is not an error.
 */
#ifndef TERN_CODEC_H
#define TERN_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tern/config.h"
#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest value a variable byte integer can hold (4 bytes). */
#define TERN_VARINT_MAX 268435455u
/* Largest fixed header: 1 type byte + 4 length bytes. */
#define TERN_FIXED_HEADER_MAX 5u

typedef enum {
    TERN_MQTT_311 = 4,
    TERN_MQTT_5 = 5
} tern_mqtt_version;

typedef enum {
    TERN_CONNECT = 1,
    TERN_CONNACK = 2,
    TERN_PUBLISH = 3,
    TERN_PUBACK = 4,
    TERN_PUBREC = 5,
    TERN_PUBREL = 6,
    TERN_PUBCOMP = 7,
    TERN_SUBSCRIBE = 8,
    TERN_SUBACK = 9,
    TERN_UNSUBSCRIBE = 10,
    TERN_UNSUBACK = 11,
    TERN_PINGREQ = 12,
    TERN_PINGRESP = 13,
    TERN_DISCONNECT = 14,
    TERN_AUTH = 15
} tern_packet_type;

/* A span of bytes: a UTF-8 string or binary data. data may be NULL when len is 0. */
typedef struct {
    const uint8_t *data;
    uint32_t len;
} tern_bytes;

/* A tern_bytes over a C string (its bytes without the terminating NUL; NULL gives an empty
 * span). The span points into s: s must outlive it. Strings longer than UINT32_MAX bytes
 * (there are none on the devices tern runs on) are cut at UINT32_MAX. */
static inline tern_bytes tern_str(const char *s)
{
    tern_bytes b = {NULL, 0};
    if (s != NULL) {
        size_t n = strlen(s);
        b.data = (const uint8_t *)s;
        b.len = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    }
    return b;
}

/* A tern_bytes over a string literal, its length counted by the compiler:
 * tern_client_subscribe(..., TERN_LIT("sensors/+/temp") ...). An expression (a compound
 * literal); in the initializer of a static object use TERN_LIT_INIT. Only literals: the
 * "" before s makes anything else a compile error. */
#define TERN_LIT(s) ((tern_bytes)TERN_LIT_INIT(s))
/* The braces of TERN_LIT, for initializers: static const tern_route r = {TERN_LIT_INIT("a/#"), ...}. */
#define TERN_LIT_INIT(s) {(const uint8_t *)("" s), (uint32_t)(sizeof(s) - 1u)}

/* ---------------------------------------------------------------- primitives */

/* Fixed header of any packet. */
typedef struct {
    uint8_t type;          /* tern_packet_type (1..15) */
    uint8_t flags;         /* low nibble of the first byte */
    uint8_t header_len;    /* 2..5 */
    uint32_t remaining;    /* remaining length */
} tern_header;

/* Decode a fixed header. TERN_NEED_MORE if the span ends inside it; TERN_ERR_VARINT if the
 * length has a 5th continuation byte; TERN_ERR_PACKET_TYPE for type 0. Flags are not
 * checked here (the packet decoders do). The whole packet is header_len + remaining bytes. */
tern_status tern_codec_decode_header(const uint8_t *buf, size_t len, tern_header *out);

/* Variable byte integer. encode returns bytes written (1..4), 0 if value > TERN_VARINT_MAX
 * or cap too small. decode: TERN_OK / TERN_NEED_MORE / TERN_ERR_VARINT; *used = bytes read. */
size_t tern_varint_size(uint32_t value);
size_t tern_varint_encode(uint32_t value, uint8_t *buf, size_t cap);
tern_status tern_varint_decode(const uint8_t *buf, size_t len, uint32_t *value, size_t *used);

/* Check a UTF-8 string against the MQTT rules: well-formed, shortest form, no surrogates,
 * nothing above U+10FFFF, no U+0000. Each rejection has its own status.
 * (U+0001..U+001F and U+007F..U+009F and non-characters are allowed, as both specs allow
 * a receiver to accept them.) */
tern_status tern_utf8_validate(const uint8_t *s, size_t len);

/* Topic names (PUBLISH): UTF-8 rules, not empty, no '+' or '#'. Empty levels are allowed. */
tern_status tern_topic_validate_name(tern_bytes topic);
/* Topic filters (SUBSCRIBE/UNSUBSCRIBE): UTF-8 rules, not empty, '+' alone in its level,
 * '#' alone in the last level. "$share/{name}/{filter}" is checked as a shared subscription:
 * name non-empty without wildcards, filter non-empty and valid. */
tern_status tern_topic_validate_filter(tern_bytes filter);
/* Does topic name match filter? Both assumed valid. '+' matches one level (also an empty one),
 * '#' the parent level and everything below. Filters starting with a wildcard do not match
 * topics starting with '$'. For "$share/{name}/{filter}" the inner filter is matched. */
int tern_topic_matches(tern_bytes filter, tern_bytes topic);

/* ---------------------------------------------------------------- MQTT 5 properties */

typedef enum {
    TERN_PROP_PAYLOAD_FORMAT = 0x01,
    TERN_PROP_MESSAGE_EXPIRY = 0x02,
    TERN_PROP_CONTENT_TYPE = 0x03,
    TERN_PROP_RESPONSE_TOPIC = 0x08,
    TERN_PROP_CORRELATION_DATA = 0x09,
    TERN_PROP_SUBSCRIPTION_ID = 0x0B,
    TERN_PROP_SESSION_EXPIRY = 0x11,
    TERN_PROP_ASSIGNED_CLIENT_ID = 0x12,
    TERN_PROP_SERVER_KEEP_ALIVE = 0x13,
    TERN_PROP_AUTH_METHOD = 0x15,
    TERN_PROP_AUTH_DATA = 0x16,
    TERN_PROP_REQUEST_PROBLEM_INFO = 0x17,
    TERN_PROP_WILL_DELAY = 0x18,
    TERN_PROP_REQUEST_RESPONSE_INFO = 0x19,
    TERN_PROP_RESPONSE_INFO = 0x1A,
    TERN_PROP_SERVER_REFERENCE = 0x1C,
    TERN_PROP_REASON_STRING = 0x1F,
    TERN_PROP_RECEIVE_MAXIMUM = 0x21,
    TERN_PROP_TOPIC_ALIAS_MAXIMUM = 0x22,
    TERN_PROP_TOPIC_ALIAS = 0x23,
    TERN_PROP_MAXIMUM_QOS = 0x24,
    TERN_PROP_RETAIN_AVAILABLE = 0x25,
    TERN_PROP_USER_PROPERTY = 0x26,
    TERN_PROP_MAXIMUM_PACKET_SIZE = 0x27,
    TERN_PROP_WILDCARD_SUB_AVAILABLE = 0x28,
    TERN_PROP_SUB_ID_AVAILABLE = 0x29,
    TERN_PROP_SHARED_SUB_AVAILABLE = 0x2A
} tern_prop_id;

/* Where a property block sits: a packet type, or the will properties of CONNECT. */
#define TERN_PROP_CTX_WILL 0

typedef struct {
    tern_bytes key;
    tern_bytes value;
} tern_user_prop;

/* Bit for property id in tern_props.present. Ids are <= 0x2A, so a 64-bit mask holds all. */
#define TERN_PROP_BIT(id) ((uint64_t)1 << (id))

/* The properties of one packet. Only the fields whose bit is set in `present` mean anything.
 *
 * Encoding: set the bits and fields; user properties come from user_props[0..user_prop_count);
 * subscription_id (PUBLISH may carry several) encodes the one value in the field.
 * Decoding: every property is validated (known id, allowed in this packet, right type and
 * value, no forbidden duplicates); scalar fields and spans are filled, user_prop_count counts
 * the user properties, and `raw` spans the whole property block so that user properties and
 * repeated subscription identifiers can be read with tern_props_next(). */
typedef struct {
    uint64_t present;
    uint32_t message_expiry;
    uint32_t subscription_id;
    uint32_t session_expiry;
    uint32_t will_delay;
    uint32_t maximum_packet_size;
    uint16_t server_keep_alive;
    uint16_t receive_maximum;
    uint16_t topic_alias_maximum;
    uint16_t topic_alias;
    uint16_t user_prop_count;
    uint8_t payload_format;
    uint8_t request_problem_info;
    uint8_t request_response_info;
    uint8_t maximum_qos;
    uint8_t retain_available;
    uint8_t wildcard_sub_available;
    uint8_t sub_id_available;
    uint8_t shared_sub_available;
    tern_bytes content_type;
    tern_bytes response_topic;
    tern_bytes correlation_data;
    tern_bytes assigned_client_id;
    tern_bytes auth_method;
    tern_bytes auth_data;
    tern_bytes response_info;
    tern_bytes server_reference;
    tern_bytes reason_string;
    const tern_user_prop *user_props; /* encode only */
    tern_bytes raw;                   /* decode only: the property block without its length */
} tern_props;

/* One property read back from a decoded block. */
typedef struct {
    uint8_t id;
    uint32_t value;      /* byte, two-byte, four-byte and varint properties */
    tern_bytes bytes;    /* string and binary properties; key of a user property */
    tern_bytes value2;   /* value of a user property */
} tern_prop;

/* Iterate over a validated property block (tern_props.raw). *offset starts at 0.
 * Returns TERN_OK with the next property, TERN_NEED_MORE at the end. */
tern_status tern_props_next(tern_bytes raw, size_t *offset, tern_prop *out);

/* Size of an encoded property block including its length varint (1 when props is NULL or
 * empty). ctx is a tern_packet_type or TERN_PROP_CTX_WILL; properties not allowed there
 * give TERN_ERR_PROP_NOT_ALLOWED. */
tern_status tern_props_size(const tern_props *props, uint8_t ctx, size_t *size);
/* Encode a property block (length varint + properties). */
tern_status tern_props_encode(const tern_props *props, uint8_t ctx, uint8_t *buf, size_t cap,
                              size_t *written);
/* Decode and validate a property block (starting at its length varint) that must fit in
 * [buf, buf+len). out may be NULL (validate only). *used = bytes of the block. */
tern_status tern_props_decode(const uint8_t *buf, size_t len, uint8_t ctx, tern_props *out,
                              size_t *used);

/* ---------------------------------------------------------------- reason codes */

/* MQTT 5 reason codes (3.1.1 CONNACK return codes 0..5 are their own values). */
typedef enum {
    TERN_RC_SUCCESS = 0x00,                 /* also Normal disconnection, Granted QoS 0 */
    TERN_RC_GRANTED_QOS_1 = 0x01,
    TERN_RC_GRANTED_QOS_2 = 0x02,
    TERN_RC_DISCONNECT_WITH_WILL = 0x04,
    TERN_RC_NO_MATCHING_SUBSCRIBERS = 0x10,
    TERN_RC_NO_SUBSCRIPTION_EXISTED = 0x11,
    TERN_RC_CONTINUE_AUTHENTICATION = 0x18,
    TERN_RC_REAUTHENTICATE = 0x19,
    TERN_RC_UNSPECIFIED_ERROR = 0x80,
    TERN_RC_MALFORMED_PACKET = 0x81,
    TERN_RC_PROTOCOL_ERROR = 0x82,
    TERN_RC_IMPLEMENTATION_SPECIFIC = 0x83,
    TERN_RC_UNSUPPORTED_PROTOCOL_VERSION = 0x84,
    TERN_RC_CLIENT_ID_NOT_VALID = 0x85,
    TERN_RC_BAD_USERNAME_OR_PASSWORD = 0x86,
    TERN_RC_NOT_AUTHORIZED = 0x87,
    TERN_RC_SERVER_UNAVAILABLE = 0x88,
    TERN_RC_SERVER_BUSY = 0x89,
    TERN_RC_BANNED = 0x8A,
    TERN_RC_SERVER_SHUTTING_DOWN = 0x8B,
    TERN_RC_BAD_AUTH_METHOD = 0x8C,
    TERN_RC_KEEP_ALIVE_TIMEOUT = 0x8D,
    TERN_RC_SESSION_TAKEN_OVER = 0x8E,
    TERN_RC_TOPIC_FILTER_INVALID = 0x8F,
    TERN_RC_TOPIC_NAME_INVALID = 0x90,
    TERN_RC_PACKET_ID_IN_USE = 0x91,
    TERN_RC_PACKET_ID_NOT_FOUND = 0x92,
    TERN_RC_RECEIVE_MAXIMUM_EXCEEDED = 0x93,
    TERN_RC_TOPIC_ALIAS_INVALID = 0x94,
    TERN_RC_PACKET_TOO_LARGE = 0x95,
    TERN_RC_MESSAGE_RATE_TOO_HIGH = 0x96,
    TERN_RC_QUOTA_EXCEEDED = 0x97,
    TERN_RC_ADMINISTRATIVE_ACTION = 0x98,
    TERN_RC_PAYLOAD_FORMAT_INVALID = 0x99,
    TERN_RC_RETAIN_NOT_SUPPORTED = 0x9A,
    TERN_RC_QOS_NOT_SUPPORTED = 0x9B,
    TERN_RC_USE_ANOTHER_SERVER = 0x9C,
    TERN_RC_SERVER_MOVED = 0x9D,
    TERN_RC_SHARED_SUBS_NOT_SUPPORTED = 0x9E,
    TERN_RC_CONNECTION_RATE_EXCEEDED = 0x9F,
    TERN_RC_MAXIMUM_CONNECT_TIME = 0xA0,
    TERN_RC_SUB_IDS_NOT_SUPPORTED = 0xA1,
    TERN_RC_WILDCARD_SUBS_NOT_SUPPORTED = 0xA2
} tern_reason_code;

/* Name of a reason code as the spec words it ("Not authorized"), for the packet it came in
 * (0x00 is "Success", "Normal disconnection" or "Granted QoS 0" depending on the packet).
 * For version 3.1.1 CONNACK, the return codes 1..5 get their 3.1.1 names.
 * Unknown codes give "Unknown reason code". Never NULL; "" when built without strings
 * (TERN_CFG_STATUS_STRINGS=0). */
const char *tern_reason_str(uint8_t code, tern_packet_type packet, tern_mqtt_version version);

/* Is code a reason code that the spec allows in this packet type (MQTT 5)? */
int tern_reason_valid(uint8_t code, tern_packet_type packet);

/* ---------------------------------------------------------------- packets */

/* CONNECT. Presence of will, username and password is given by the has_ flags. */
typedef struct {
    tern_bytes client_id;
    tern_bytes username;
    tern_bytes password;
    tern_bytes will_topic;
    tern_bytes will_payload;
    tern_props *props;       /* MQTT 5: CONNECT properties; NULL = none / don't store */
    tern_props *will_props;  /* MQTT 5: will properties; NULL = none / don't store */
    uint16_t keep_alive;     /* seconds */
    uint8_t version;         /* tern_mqtt_version; filled by decode */
    uint8_t clean_start;     /* "clean session" in 3.1.1 */
    uint8_t has_will;
    uint8_t will_qos;
    uint8_t will_retain;
    uint8_t has_username;
    uint8_t has_password;
} tern_connect;

typedef struct {
    tern_props *props;
    uint8_t session_present;
    uint8_t reason_code;     /* 3.1.1 return code or 5.0 reason code */
} tern_connack;

typedef struct {
    tern_bytes topic;        /* may be empty in MQTT 5 when a topic alias is set */
    tern_bytes payload;
    tern_props *props;
    uint16_t packet_id;      /* QoS > 0 only */
    uint8_t qos;
    uint8_t retain;
    uint8_t dup;
} tern_publish;

/* PUBACK, PUBREC, PUBREL, PUBCOMP. */
typedef struct {
    tern_props *props;
    uint16_t packet_id;
    uint8_t type;            /* TERN_PUBACK..TERN_PUBCOMP */
    uint8_t reason_code;
} tern_ack;

/* One entry of SUBSCRIBE (filter + options) or UNSUBSCRIBE (filter, options unused). */
typedef struct {
    tern_bytes filter;
    uint8_t options;         /* bits 0-1 QoS, 2 no local, 3 retain as published,
                                4-5 retain handling; 3.1.1 uses the QoS bits only */
} tern_subscription;

#define TERN_SUBOPT_QOS_MASK 0x03u
#define TERN_SUBOPT_NO_LOCAL 0x04u
#define TERN_SUBOPT_RETAIN_AS_PUBLISHED 0x08u
#define TERN_SUBOPT_RETAIN_HANDLING_SHIFT 4u

/* SUBSCRIBE and UNSUBSCRIBE.
 * Encode: entries[0..count). Decode: entries may point to `capacity` caller slots; every
 * entry is validated, the first `capacity` are stored, and count is set to the total. */
typedef struct {
    tern_subscription *entries;
    tern_props *props;
    uint16_t count;
    uint16_t capacity;
    uint16_t packet_id;
} tern_subscribe;

/* SUBACK and UNSUBACK (3.1.1 UNSUBACK has no codes: count 0). codes point into the input
 * on decode. */
typedef struct {
    const uint8_t *codes;
    tern_props *props;
    uint16_t count;
    uint16_t packet_id;
} tern_suback;

/* DISCONNECT and AUTH (AUTH is MQTT 5 only; DISCONNECT in 3.1.1 has no fields). */
typedef struct {
    tern_props *props;
    uint8_t reason_code;
} tern_disconnect;

/* Every encoder: checks the fields (topic and UTF-8 rules, QoS, packet id, properties allowed
 * here), returns TERN_ERR_BUFFER_TOO_SMALL if cap is short (nothing useful written), else
 * writes the whole packet and sets *written. Every size function returns the same status the
 * encoder would, with the total packet size. */
tern_status tern_codec_size_connect(const tern_connect *p, size_t *size);
tern_status tern_codec_encode_connect(const tern_connect *p, uint8_t *buf, size_t cap, size_t *written);
tern_status tern_codec_size_publish(const tern_publish *p, tern_mqtt_version v, size_t *size);
tern_status tern_codec_encode_publish(const tern_publish *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
tern_status tern_codec_size_ack(const tern_ack *p, tern_mqtt_version v, size_t *size);
tern_status tern_codec_encode_ack(const tern_ack *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
tern_status tern_codec_size_subscribe(const tern_subscribe *p, tern_mqtt_version v, size_t *size);
tern_status tern_codec_encode_subscribe(const tern_subscribe *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
tern_status tern_codec_size_unsubscribe(const tern_subscribe *p, tern_mqtt_version v, size_t *size);
tern_status tern_codec_encode_unsubscribe(const tern_subscribe *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
/* PINGREQ and PINGRESP (type = TERN_PINGREQ or TERN_PINGRESP): always 2 bytes. */
tern_status tern_codec_encode_ping(tern_packet_type type, uint8_t *buf, size_t cap, size_t *written);
tern_status tern_codec_size_disconnect(const tern_disconnect *p, tern_mqtt_version v, size_t *size);
tern_status tern_codec_encode_disconnect(const tern_disconnect *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
tern_status tern_codec_size_auth(const tern_disconnect *p, size_t *size);
tern_status tern_codec_encode_auth(const tern_disconnect *p, uint8_t *buf, size_t cap, size_t *written);
#if TERN_CFG_SERVER_SIDE /* the broker's side: see tern/config.h */
tern_status tern_codec_size_connack(const tern_connack *p, tern_mqtt_version v, size_t *size);
tern_status tern_codec_encode_connack(const tern_connack *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
tern_status tern_codec_size_suback(const tern_suback *p, tern_mqtt_version v, size_t *size);
tern_status tern_codec_encode_suback(const tern_suback *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
tern_status tern_codec_size_unsuback(const tern_suback *p, tern_mqtt_version v, size_t *size);
tern_status tern_codec_encode_unsuback(const tern_suback *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
#endif

/* Every decoder: buf starts at the fixed header of the expected packet type; len may extend
 * past the packet (the rest is left alone). TERN_NEED_MORE if the packet is not complete.
 * Checks the fixed header flags, that the contents fill the remaining length exactly, the
 * spec's rules for every field, and (MQTT 5) the properties. Struct fields that point to
 * caller storage (props, will_props, entries) are read from *out before decoding: set them
 * (or leave them NULL) first. */
tern_status tern_codec_decode_connack(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_connack *out);
tern_status tern_codec_decode_publish(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_publish *out);
/* The head of a PUBLISH that may be longer than the span (for streaming large messages):
 * everything up to the payload is decoded and checked as above; out->payload is the part of
 * the payload inside the span and *payload_total the payload's full length. TERN_NEED_MORE
 * when the span ends before the payload starts. */
tern_status tern_codec_decode_publish_head(const uint8_t *buf, size_t len, tern_mqtt_version v,
                                           tern_publish *out, uint32_t *payload_total);
/* Decodes any of PUBACK, PUBREC, PUBREL, PUBCOMP; out->type tells which. */
tern_status tern_codec_decode_ack(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_ack *out);
tern_status tern_codec_decode_suback(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_suback *out);
tern_status tern_codec_decode_unsuback(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_suback *out);
/* PINGREQ or PINGRESP; *type tells which. */
tern_status tern_codec_decode_ping(const uint8_t *buf, size_t len, tern_packet_type *type);
tern_status tern_codec_decode_disconnect(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_disconnect *out);
tern_status tern_codec_decode_auth(const uint8_t *buf, size_t len, tern_disconnect *out);
#if TERN_CFG_SERVER_SIDE /* the broker's side: see tern/config.h */
tern_status tern_codec_decode_connect(const uint8_t *buf, size_t len, tern_connect *out);
tern_status tern_codec_decode_subscribe(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_subscribe *out);
tern_status tern_codec_decode_unsubscribe(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_subscribe *out);
#endif

/* Name of a packet type ("PUBLISH"); "?" for out-of-range values; "" when built without
 * strings (TERN_CFG_STATUS_STRINGS=0). */
const char *tern_packet_name(uint8_t type);

#ifdef __cplusplus
}
#endif

#endif
