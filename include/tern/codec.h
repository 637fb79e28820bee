/**
 * @file codec.h
 * @brief The MQTT 3.1.1 and 5.0 wire format: every control packet, both directions.
 *
 * Pure functions: no I/O, no malloc, no clock, no global state, so every function here may be
 * called from any thread (on distinct data) and from any callback of the client.
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

/* The public API: what libtern.so exports (the library is built with -fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/** @brief Largest value a variable byte integer can hold (4 bytes). */
#define TERN_VARINT_MAX 268435455u
/** @brief Largest fixed header: 1 type byte + 4 length bytes. */
#define TERN_FIXED_HEADER_MAX 5u

/** @brief MQTT protocol version, as the CONNECT packet's protocol level byte. */
typedef enum {
    TERN_MQTT_311 = 4, /**< MQTT 3.1.1 */
    TERN_MQTT_5 = 5    /**< MQTT 5.0 */
} tern_mqtt_version;

/** @brief MQTT control packet types (the high nibble of the first byte). */
typedef enum {
    TERN_CONNECT = 1, /**< CONNECT: client asks to connect */
    TERN_CONNACK = 2, /**< CONNACK: broker answers CONNECT */
    TERN_PUBLISH = 3, /**< PUBLISH: a message */
    TERN_PUBACK = 4, /**< PUBACK: QoS 1 acknowledgement */
    TERN_PUBREC = 5, /**< PUBREC: QoS 2 received */
    TERN_PUBREL = 6, /**< PUBREL: QoS 2 release */
    TERN_PUBCOMP = 7, /**< PUBCOMP: QoS 2 complete */
    TERN_SUBSCRIBE = 8, /**< SUBSCRIBE */
    TERN_SUBACK = 9, /**< SUBACK: broker answers SUBSCRIBE */
    TERN_UNSUBSCRIBE = 10, /**< UNSUBSCRIBE */
    TERN_UNSUBACK = 11, /**< UNSUBACK: broker answers UNSUBSCRIBE */
    TERN_PINGREQ = 12, /**< PINGREQ: keep-alive ping */
    TERN_PINGRESP = 13, /**< PINGRESP: keep-alive answer */
    TERN_DISCONNECT = 14, /**< DISCONNECT */
    TERN_AUTH = 15 /**< AUTH: MQTT 5 extended authentication */
} tern_packet_type;

/**
 * @brief A span of bytes: a UTF-8 string or binary data, not NUL-terminated.
 *
 * The span does not own its bytes: whoever fills it keeps them alive as long as it is used.
 * Build one with tern_str() or TERN_LIT().
 */
typedef struct {
    const uint8_t *data; /**< first byte; may be NULL when len is 0 */
    uint32_t len;        /**< number of bytes */
} tern_bytes;

/**
 * @brief A tern_bytes over a C string, without counting by hand.
 *
 * @param s a NUL-terminated string, or NULL
 * @return The span of s's bytes without the terminating NUL (NULL gives an empty span). It
 *         points into s, which must outlive it. Strings longer than UINT32_MAX bytes are cut
 *         at UINT32_MAX. Pure: callable anywhere, from callbacks and any thread.
 */
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

/**
 * @brief A tern_bytes over a string literal, its length counted by the compiler.
 *
 * `tern_subscription sub = {.filter = TERN_LIT("sensors/+/temp")};`. An expression (a
 * compound literal); in the initializer of a static object use TERN_LIT_INIT(). Only
 * literals: the `""` in front of s makes anything else a compile error. The literal's length
 * is its size less the terminating NUL, so embedded NULs count.
 * @param s a string literal
 */
#define TERN_LIT(s) ((tern_bytes)TERN_LIT_INIT(s))
/**
 * @brief The braces of TERN_LIT(), for initializers of static objects:
 *        `static const tern_bytes filter = TERN_LIT_INIT("a/#");`.
 * @param s a string literal
 */
#define TERN_LIT_INIT(s) {(const uint8_t *)("" s), (uint32_t)(sizeof(s) - 1u)}

/* ---------------------------------------------------------------- primitives */

/** @brief The fixed header of any packet. */
typedef struct {
    uint8_t type;          /**< tern_packet_type (1..15) */
    uint8_t flags;         /**< low nibble of the first byte */
    uint8_t header_len;    /**< bytes of the fixed header: 2..5 */
    uint32_t remaining;    /**< remaining length: the packet is header_len + remaining bytes */
} tern_header;

/**
 * @brief Decode a fixed header.
 *
 * Flags are not checked here (the packet decoders do).
 * @param buf the packet's first byte
 * @param len bytes available at buf
 * @param out receives the header
 * @return TERN_OK; TERN_NEED_MORE if the span ends inside the header; TERN_ERR_VARINT if
 *         the length has a 5th continuation byte; TERN_ERR_PACKET_TYPE for type 0.
 */
tern_status tern_codec_decode_header(const uint8_t *buf, size_t len, tern_header *out);

/**
 * @brief Bytes a variable byte integer needs.
 * @param value the value to encode
 * @return 1..4, or 0 when value > TERN_VARINT_MAX.
 */
size_t tern_varint_size(uint32_t value);
/**
 * @brief Encode a variable byte integer.
 * @param value the value (at most TERN_VARINT_MAX)
 * @param buf where to write
 * @param cap bytes available at buf
 * @return Bytes written (1..4); 0 if value > TERN_VARINT_MAX or cap is too small.
 */
size_t tern_varint_encode(uint32_t value, uint8_t *buf, size_t cap);
/**
 * @brief Decode a variable byte integer (non-shortest forms are accepted as the spec allows;
 *        a 5th byte is not).
 * @param buf the first byte
 * @param len bytes available at buf
 * @param value receives the value
 * @param used receives the bytes read
 * @return TERN_OK, TERN_NEED_MORE when the span ends inside it, TERN_ERR_VARINT.
 */
tern_status tern_varint_decode(const uint8_t *buf, size_t len, uint32_t *value, size_t *used);

/**
 * @brief Check a UTF-8 string against the MQTT rules.
 *
 * Well-formed, shortest form, no surrogates, nothing above U+10FFFF, no U+0000.
 * (U+0001..U+001F and U+007F..U+009F and non-characters are allowed, as both specs allow
 * a receiver to accept them.)
 * @param s the string's bytes (may be NULL when len is 0)
 * @param len its length
 * @return TERN_OK, or one of TERN_ERR_UTF8_ILL_FORMED, TERN_ERR_UTF8_OVERLONG,
 *         TERN_ERR_UTF8_SURROGATE, TERN_ERR_UTF8_TOO_LARGE, TERN_ERR_UTF8_NULL.
 */
tern_status tern_utf8_validate(const uint8_t *s, size_t len);

/**
 * @brief Check a topic name (PUBLISH): UTF-8 rules, not empty, no '+' or '#'. Empty levels
 *        are allowed.
 * @param topic the topic name
 * @return TERN_OK, TERN_ERR_TOPIC_EMPTY, TERN_ERR_TOPIC_WILDCARD, a UTF-8 status, or
 *         TERN_ERR_STRING_TOO_LONG.
 */
tern_status tern_topic_validate_name(tern_bytes topic);
/**
 * @brief Check a topic filter (SUBSCRIBE/UNSUBSCRIBE).
 *
 * UTF-8 rules, not empty, '+' alone in its level, '#' alone in the last level.
 * "$share/{name}/{filter}" is checked as a shared subscription: name non-empty without
 * wildcards, filter non-empty and valid.
 * @param filter the topic filter
 * @return TERN_OK, TERN_ERR_TOPIC_EMPTY, TERN_ERR_FILTER_WILDCARD,
 *         TERN_ERR_SHARED_FILTER, a UTF-8 status, or TERN_ERR_STRING_TOO_LONG.
 */
tern_status tern_topic_validate_filter(tern_bytes filter);
/**
 * @brief Does a topic name match a filter?
 *
 * '+' matches one level (also an empty one), '#' the parent level and everything below.
 * Filters starting with a wildcard do not match topics starting with '$'. For
 * "$share/{name}/{filter}" the inner filter is matched.
 * @param filter a valid topic filter (see tern_topic_validate_filter())
 * @param topic a valid topic name (see tern_topic_validate_name())
 * @return 1 when it matches, 0 when not.
 */
int tern_topic_matches(tern_bytes filter, tern_bytes topic);

/* ---------------------------------------------------------------- MQTT 5 properties */

/** @brief MQTT 5 property identifiers (MQTT 5.0 section 2.2.2.2); fields of tern_props. */
typedef enum {
    TERN_PROP_PAYLOAD_FORMAT = 0x01, /**< Payload Format Indicator */
    TERN_PROP_MESSAGE_EXPIRY = 0x02, /**< Message Expiry Interval */
    TERN_PROP_CONTENT_TYPE = 0x03, /**< Content Type */
    TERN_PROP_RESPONSE_TOPIC = 0x08, /**< Response Topic */
    TERN_PROP_CORRELATION_DATA = 0x09, /**< Correlation Data */
    TERN_PROP_SUBSCRIPTION_ID = 0x0B, /**< Subscription Identifier */
    TERN_PROP_SESSION_EXPIRY = 0x11, /**< Session Expiry Interval */
    TERN_PROP_ASSIGNED_CLIENT_ID = 0x12, /**< Assigned Client Identifier */
    TERN_PROP_SERVER_KEEP_ALIVE = 0x13, /**< Server Keep Alive */
    TERN_PROP_AUTH_METHOD = 0x15, /**< Authentication Method */
    TERN_PROP_AUTH_DATA = 0x16, /**< Authentication Data */
    TERN_PROP_REQUEST_PROBLEM_INFO = 0x17, /**< Request Problem Information */
    TERN_PROP_WILL_DELAY = 0x18, /**< Will Delay Interval */
    TERN_PROP_REQUEST_RESPONSE_INFO = 0x19, /**< Request Response Information */
    TERN_PROP_RESPONSE_INFO = 0x1A, /**< Response Information */
    TERN_PROP_SERVER_REFERENCE = 0x1C, /**< Server Reference */
    TERN_PROP_REASON_STRING = 0x1F, /**< Reason String */
    TERN_PROP_RECEIVE_MAXIMUM = 0x21, /**< Receive Maximum */
    TERN_PROP_TOPIC_ALIAS_MAXIMUM = 0x22, /**< Topic Alias Maximum */
    TERN_PROP_TOPIC_ALIAS = 0x23, /**< Topic Alias */
    TERN_PROP_MAXIMUM_QOS = 0x24, /**< Maximum QoS */
    TERN_PROP_RETAIN_AVAILABLE = 0x25, /**< Retain Available */
    TERN_PROP_USER_PROPERTY = 0x26, /**< User Property */
    TERN_PROP_MAXIMUM_PACKET_SIZE = 0x27, /**< Maximum Packet Size */
    TERN_PROP_WILDCARD_SUB_AVAILABLE = 0x28, /**< Wildcard Subscription Available */
    TERN_PROP_SUB_ID_AVAILABLE = 0x29, /**< Subscription Identifier Available */
    TERN_PROP_SHARED_SUB_AVAILABLE = 0x2A /**< Shared Subscription Available */
} tern_prop_id;

/** @brief Property context of the will properties of CONNECT (other contexts are the
 *         packet's tern_packet_type). */
#define TERN_PROP_CTX_WILL 0

/** @brief One MQTT 5 user property: a key and a value, both UTF-8. */
typedef struct {
    tern_bytes key;   /**< the name */
    tern_bytes value; /**< the value */
} tern_user_prop;

/**
 * @brief Bit for a property in tern_props.present (ids are <= 0x2A, so 64 bits hold all).
 * @param id a tern_prop_id
 */
#define TERN_PROP_BIT(id) ((uint64_t)1 << (id))

/**
 * @brief The MQTT 5 properties of one packet. Only the fields whose bit
 *        (TERN_PROP_BIT()) is set in `present` mean anything.
 *
 * Encoding: set the bits and fields; user properties come from user_props[0..user_prop_count);
 * subscription_id (PUBLISH may carry several) encodes the one value in the field.
 * Decoding: every property is validated (known id, allowed in this packet, right type and
 * value, no forbidden duplicates); scalar fields and spans are filled, user_prop_count counts
 * the user properties, and `raw` spans the whole property block so that user properties and
 * repeated subscription identifiers can be read with tern_props_next(). Decoded spans point
 * into the decoded packet. Each field is the property of the same name (tern_prop_id).
 */
typedef struct {
    uint64_t present; /**< TERN_PROP_BIT() of each property present */
    uint32_t message_expiry; /**< the message expiry property */
    uint32_t subscription_id; /**< the subscription id property */
    uint32_t session_expiry; /**< the session expiry property */
    uint32_t will_delay; /**< the will delay property */
    uint32_t maximum_packet_size; /**< the maximum packet size property */
    uint16_t server_keep_alive; /**< the server keep alive property */
    uint16_t receive_maximum; /**< the receive maximum property */
    uint16_t topic_alias_maximum; /**< the topic alias maximum property */
    uint16_t topic_alias; /**< the topic alias property */
    uint16_t user_prop_count; /**< user properties: to encode from user_props, or decoded (read them with tern_props_next()) */
    uint8_t payload_format; /**< the payload format property */
    uint8_t request_problem_info; /**< the request problem info property */
    uint8_t request_response_info; /**< the request response info property */
    uint8_t maximum_qos; /**< the maximum qos property */
    uint8_t retain_available; /**< the retain available property */
    uint8_t wildcard_sub_available; /**< the wildcard sub available property */
    uint8_t sub_id_available; /**< the sub id available property */
    uint8_t shared_sub_available; /**< the shared sub available property */
    tern_bytes content_type; /**< the content type property */
    tern_bytes response_topic; /**< the response topic property */
    tern_bytes correlation_data; /**< the correlation data property */
    tern_bytes assigned_client_id; /**< the assigned client id property */
    tern_bytes auth_method; /**< the auth method property */
    tern_bytes auth_data; /**< the auth data property */
    tern_bytes response_info; /**< the response info property */
    tern_bytes server_reference; /**< the server reference property */
    tern_bytes reason_string; /**< the reason string property */
    const tern_user_prop *user_props; /**< encode only: user_prop_count user properties */
    tern_bytes raw;                   /**< decode only: the property block without its length */
} tern_props;

/** @brief One property read back from a decoded block by tern_props_next(). */
typedef struct {
    uint8_t id;          /**< tern_prop_id */
    uint32_t value;      /**< byte, two-byte, four-byte and varint properties */
    tern_bytes bytes;    /**< string and binary properties; key of a user property */
    tern_bytes value2;   /**< value of a user property */
} tern_prop;

/**
 * @brief Iterate over a validated property block (tern_props.raw).
 * @param raw the block, as decoded into tern_props.raw
 * @param offset where to read next: start at 0; advanced past the property returned
 * @param out receives the property; its spans point into raw
 * @return TERN_OK with the next property, TERN_NEED_MORE at the end.
 */
tern_status tern_props_next(tern_bytes raw, size_t *offset, tern_prop *out);

/**
 * @brief Size of an encoded property block, including its length varint.
 * @param props the properties, or NULL (none)
 * @param ctx the tern_packet_type they go in, or TERN_PROP_CTX_WILL
 * @param size receives the size (1 when props is NULL or empty)
 * @return TERN_OK; TERN_ERR_PROP_NOT_ALLOWED for a property not allowed in ctx;
 *         TERN_ERR_PROP_VALUE, TERN_ERR_STRING_TOO_LONG or a UTF-8 status for a bad value.
 */
tern_status tern_props_size(const tern_props *props, uint8_t ctx, size_t *size);
/**
 * @brief Encode a property block (length varint + properties).
 * @param props the properties, or NULL (none)
 * @param ctx the tern_packet_type they go in, or TERN_PROP_CTX_WILL
 * @param buf where to write
 * @param cap bytes available at buf
 * @param written receives the bytes written
 * @return As tern_props_size(), and TERN_ERR_BUFFER_TOO_SMALL when cap is short.
 */
tern_status tern_props_encode(const tern_props *props, uint8_t ctx, uint8_t *buf, size_t cap,
                              size_t *written);
/**
 * @brief Decode and validate a property block (starting at its length varint) that must fit
 *        in [buf, buf+len).
 * @param buf the block's length varint
 * @param len bytes available at buf
 * @param ctx the tern_packet_type it came in, or TERN_PROP_CTX_WILL
 * @param out receives the properties (spans point into buf), or NULL to validate only
 * @param used receives the bytes of the block
 * @return TERN_OK, or TERN_ERR_PROP_UNKNOWN, TERN_ERR_PROP_NOT_ALLOWED,
 *         TERN_ERR_PROP_DUPLICATE, TERN_ERR_PROP_VALUE, TERN_ERR_PROP_LENGTH,
 *         TERN_ERR_VARINT, a UTF-8 status.
 */
tern_status tern_props_decode(const uint8_t *buf, size_t len, uint8_t ctx, tern_props *out,
                              size_t *used);

/* ---------------------------------------------------------------- reason codes */

/** @brief MQTT 5 reason codes, named as the spec names them (3.1.1 CONNACK return codes
 *         0..5 are their own values). */
typedef enum {
    TERN_RC_SUCCESS = 0x00, /**< Success; also Normal disconnection, Granted QoS 0 */
    TERN_RC_GRANTED_QOS_1 = 0x01, /**< Granted qos 1 */
    TERN_RC_GRANTED_QOS_2 = 0x02, /**< Granted qos 2 */
    TERN_RC_DISCONNECT_WITH_WILL = 0x04, /**< Disconnect with will */
    TERN_RC_NO_MATCHING_SUBSCRIBERS = 0x10, /**< No matching subscribers */
    TERN_RC_NO_SUBSCRIPTION_EXISTED = 0x11, /**< No subscription existed */
    TERN_RC_CONTINUE_AUTHENTICATION = 0x18, /**< Continue authentication */
    TERN_RC_REAUTHENTICATE = 0x19, /**< Reauthenticate */
    TERN_RC_UNSPECIFIED_ERROR = 0x80, /**< Unspecified error */
    TERN_RC_MALFORMED_PACKET = 0x81, /**< Malformed packet */
    TERN_RC_PROTOCOL_ERROR = 0x82, /**< Protocol error */
    TERN_RC_IMPLEMENTATION_SPECIFIC = 0x83, /**< Implementation specific */
    TERN_RC_UNSUPPORTED_PROTOCOL_VERSION = 0x84, /**< Unsupported protocol version */
    TERN_RC_CLIENT_ID_NOT_VALID = 0x85, /**< Client id not valid */
    TERN_RC_BAD_USERNAME_OR_PASSWORD = 0x86, /**< Bad username or password */
    TERN_RC_NOT_AUTHORIZED = 0x87, /**< Not authorized */
    TERN_RC_SERVER_UNAVAILABLE = 0x88, /**< Server unavailable */
    TERN_RC_SERVER_BUSY = 0x89, /**< Server busy */
    TERN_RC_BANNED = 0x8A, /**< Banned */
    TERN_RC_SERVER_SHUTTING_DOWN = 0x8B, /**< Server shutting down */
    TERN_RC_BAD_AUTH_METHOD = 0x8C, /**< Bad auth method */
    TERN_RC_KEEP_ALIVE_TIMEOUT = 0x8D, /**< Keep alive timeout */
    TERN_RC_SESSION_TAKEN_OVER = 0x8E, /**< Session taken over */
    TERN_RC_TOPIC_FILTER_INVALID = 0x8F, /**< Topic filter invalid */
    TERN_RC_TOPIC_NAME_INVALID = 0x90, /**< Topic name invalid */
    TERN_RC_PACKET_ID_IN_USE = 0x91, /**< Packet id in use */
    TERN_RC_PACKET_ID_NOT_FOUND = 0x92, /**< Packet id not found */
    TERN_RC_RECEIVE_MAXIMUM_EXCEEDED = 0x93, /**< Receive maximum exceeded */
    TERN_RC_TOPIC_ALIAS_INVALID = 0x94, /**< Topic alias invalid */
    TERN_RC_PACKET_TOO_LARGE = 0x95, /**< Packet too large */
    TERN_RC_MESSAGE_RATE_TOO_HIGH = 0x96, /**< Message rate too high */
    TERN_RC_QUOTA_EXCEEDED = 0x97, /**< Quota exceeded */
    TERN_RC_ADMINISTRATIVE_ACTION = 0x98, /**< Administrative action */
    TERN_RC_PAYLOAD_FORMAT_INVALID = 0x99, /**< Payload format invalid */
    TERN_RC_RETAIN_NOT_SUPPORTED = 0x9A, /**< Retain not supported */
    TERN_RC_QOS_NOT_SUPPORTED = 0x9B, /**< Qos not supported */
    TERN_RC_USE_ANOTHER_SERVER = 0x9C, /**< Use another server */
    TERN_RC_SERVER_MOVED = 0x9D, /**< Server moved */
    TERN_RC_SHARED_SUBS_NOT_SUPPORTED = 0x9E, /**< Shared subs not supported */
    TERN_RC_CONNECTION_RATE_EXCEEDED = 0x9F, /**< Connection rate exceeded */
    TERN_RC_MAXIMUM_CONNECT_TIME = 0xA0, /**< Maximum connect time */
    TERN_RC_SUB_IDS_NOT_SUPPORTED = 0xA1, /**< Sub ids not supported */
    TERN_RC_WILDCARD_SUBS_NOT_SUPPORTED = 0xA2 /**< Wildcard subs not supported */
} tern_reason_code;

/**
 * @brief Name of a reason code as the spec words it ("Not authorized").
 * @param code the reason code (or 3.1.1 CONNACK return code)
 * @param packet the packet it came in: 0x00 is "Success", "Normal disconnection" or
 *        "Granted QoS 0" depending on it
 * @param version for TERN_MQTT_311 CONNACK, the return codes 1..5 get their 3.1.1 names
 * @return A static string, never NULL: "Unknown reason code" for unknown codes, "" when built
 *         without strings (TERN_CFG_STATUS_STRINGS=0).
 */
const char *tern_reason_str(uint8_t code, tern_packet_type packet, tern_mqtt_version version);

/**
 * @brief Is code a reason code that the spec allows in this packet type (MQTT 5)?
 * @param code the reason code
 * @param packet the packet type
 * @return 1 if allowed, 0 if not.
 */
int tern_reason_valid(uint8_t code, tern_packet_type packet);

/* ---------------------------------------------------------------- packets */

/* One struct per packet serves both directions. What an encoder reads is a `const` view
 * (`props`, `entries`): the library never writes through it. A decoder needs somewhere to
 * write, so the caller lends it the `*_store` fields (decode only; NULL = validate, don't
 * keep); the decoder fills them and points the view at them (NULL when not stored). Builds
 * without MQTT 5 (TERN_CFG_MQTT5=0) leave the property fields alone. See docs/api-changes.md. */

/** @brief CONNECT. Presence of will, username and password is given by the has_ flags. */
typedef struct {
    tern_bytes client_id;    /**< client identifier (may be empty: the broker assigns one) */
    tern_bytes username;     /**< user name, when has_username */
    tern_bytes password;     /**< password (binary), when has_password */
    tern_bytes will_topic;   /**< will topic, when has_will */
    tern_bytes will_payload; /**< will message, when has_will */
    const tern_props *props;      /**< MQTT 5: CONNECT properties, or NULL (decode: points at props_store) */
    const tern_props *will_props; /**< MQTT 5: will properties, or NULL (decode: points at will_props_store) */
    uint16_t keep_alive;     /**< seconds; 0 = off */
    uint8_t version;         /**< tern_mqtt_version; filled by decode */
    uint8_t clean_start;     /**< "clean session" in 3.1.1 */
    uint8_t has_will;        /**< a will is present */
    uint8_t will_qos;        /**< QoS of the will (0..2) */
    uint8_t will_retain;     /**< the will is retained */
    uint8_t has_username;    /**< username is present */
    uint8_t has_password;    /**< password is present */
    tern_props *props_store;      /**< decode only: where to store the CONNECT properties; NULL = don't */
    tern_props *will_props_store; /**< decode only: where to store the will properties; NULL = don't */
} tern_connect;

/** @brief CONNACK. */
typedef struct {
    const tern_props *props; /**< MQTT 5: CONNACK properties, or NULL (decode: points at props_store) */
    uint8_t session_present; /**< the broker resumed a session */
    uint8_t reason_code;     /**< 3.1.1 return code or 5.0 reason code */
    tern_props *props_store; /**< decode only: where to store the properties; NULL = don't */
} tern_connack;

/** @brief PUBLISH: one message. */
typedef struct {
    tern_bytes topic;        /**< topic name; may be empty in MQTT 5 when a topic alias is set */
    tern_bytes payload;      /**< the message (binary, may be empty) */
    const tern_props *props; /**< MQTT 5: PUBLISH properties, or NULL (decode: points at props_store) */
    uint16_t packet_id;      /**< QoS > 0 only */
    uint8_t qos;             /**< 0, 1 or 2 */
    uint8_t retain;          /**< retain flag */
    uint8_t dup;             /**< re-delivery flag */
    tern_props *props_store; /**< decode only: where to store the properties; NULL = don't */
} tern_publish;

/** @brief PUBACK, PUBREC, PUBREL, PUBCOMP. */
typedef struct {
    const tern_props *props; /**< MQTT 5: properties, or NULL (decode: points at props_store) */
    uint16_t packet_id;      /**< the packet identifier acknowledged */
    uint8_t type;            /**< TERN_PUBACK .. TERN_PUBCOMP */
    uint8_t reason_code;     /**< MQTT 5 reason code (0 in 3.1.1) */
    tern_props *props_store; /**< decode only: where to store the properties; NULL = don't */
} tern_ack;

/** @brief One entry of SUBSCRIBE (filter + options) or UNSUBSCRIBE (filter, options unused). */
typedef struct {
    tern_bytes filter;       /**< topic filter */
    uint8_t options;         /**< bits 0-1 QoS, 2 no local, 3 retain as published,
                                  4-5 retain handling; 3.1.1 uses the QoS bits only */
} tern_subscription;

/** @brief tern_subscription.options: the maximum QoS bits. */
#define TERN_SUBOPT_QOS_MASK 0x03u
/** @brief tern_subscription.options (MQTT 5): do not send my own messages back. */
#define TERN_SUBOPT_NO_LOCAL 0x04u
/** @brief tern_subscription.options (MQTT 5): keep the retain flag as published. */
#define TERN_SUBOPT_RETAIN_AS_PUBLISHED 0x08u
/** @brief tern_subscription.options (MQTT 5): shift of the retain handling value (0..2). */
#define TERN_SUBOPT_RETAIN_HANDLING_SHIFT 4u

/**
 * @brief SUBSCRIBE and UNSUBSCRIBE.
 *
 * Encode: entries[0..count), read only. Decode: entries_store may point to entries_capacity
 * caller slots; every entry is validated, the first entries_capacity are stored, entries
 * points at them (NULL without entries_store) and count is set to the total.
 */
typedef struct {
    const tern_subscription *entries; /**< the filters (decode: points at entries_store) */
    const tern_props *props; /**< MQTT 5: properties, or NULL (decode: points at props_store) */
    uint16_t count;          /**< entries to encode, or entries decoded */
    uint16_t packet_id;      /**< packet identifier (not 0) */
    tern_subscription *entries_store; /**< decode only: entries_capacity slots for the filters */
    uint16_t entries_capacity; /**< decode only: slots at entries_store */
    tern_props *props_store; /**< decode only: where to store the properties; NULL = don't */
} tern_subscribe;

/** @brief SUBACK and UNSUBACK (3.1.1 UNSUBACK has no codes: count 0). */
typedef struct {
    const uint8_t *codes;    /**< one reason code per filter; on decode they point into the input */
    const tern_props *props; /**< MQTT 5: properties, or NULL (decode: points at props_store) */
    uint16_t count;          /**< number of codes */
    uint16_t packet_id;      /**< the packet identifier acknowledged */
    tern_props *props_store; /**< decode only: where to store the properties; NULL = don't */
} tern_suback;

/** @brief DISCONNECT and AUTH (AUTH is MQTT 5 only; DISCONNECT in 3.1.1 has no fields). */
typedef struct {
    const tern_props *props; /**< MQTT 5: properties, or NULL (decode: points at props_store) */
    uint8_t reason_code;     /**< MQTT 5 reason code */
    tern_props *props_store; /**< decode only: where to store the properties; NULL = don't */
} tern_disconnect;

/* Every encoder checks the fields (topic and UTF-8 rules, QoS, packet id, properties allowed
 * here) and writes the whole packet; every size function returns the status the encoder
 * would, with the total packet size. */
/**
 * @brief Size of an encoded CONNECT, checking every field as the encoder does.
 * @param p the packet's fields
 * @param size receives the whole packet's size
 * @return TERN_OK; a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_size_connect(const tern_connect *p, size_t *size);
/**
 * @brief Encode a CONNECT into a caller buffer.
 * @param p the packet's fields
 * @param buf where to write
 * @param cap bytes available at buf
 * @param written receives the bytes written
 * @return TERN_OK with the whole packet written; TERN_ERR_BUFFER_TOO_SMALL when cap is
 *         short (nothing useful written); a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_encode_connect(const tern_connect *p, uint8_t *buf, size_t cap, size_t *written);
/**
 * @brief Size of an encoded PUBLISH, checking every field as the encoder does (a client's
 *        PUBLISH: a Subscription Identifier gives TERN_ERR_PROP_SERVER_ONLY, MQTT-3.3.4-6).
 * @param p the packet's fields
 * @param v the protocol version
 * @param size receives the whole packet's size
 * @return TERN_OK; a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_size_publish(const tern_publish *p, tern_mqtt_version v, size_t *size);
/**
 * @brief Encode a client's PUBLISH into a caller buffer. A Subscription Identifier in
 *        p->props gives TERN_ERR_PROP_SERVER_ONLY (MQTT-3.3.4-6: only the server adds them);
 *        a broker uses tern_codec_encode_publish_from_server().
 * @param p the packet's fields
 * @param v the protocol version
 * @param buf where to write
 * @param cap bytes available at buf
 * @param written receives the bytes written
 * @return TERN_OK with the whole packet written; TERN_ERR_BUFFER_TOO_SMALL when cap is
 *         short (nothing useful written); a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_encode_publish(const tern_publish *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
#if TERN_CFG_SERVER_SIDE /* the broker's side: see tern/config.h */
/**
 * @brief Encode a PUBLISH as a broker sends it to a subscriber: as tern_codec_encode_publish(),
 *        but Subscription Identifiers are allowed (MQTT 5.0 section 3.3.2.3.8).
 * @param p the packet's fields; read only during the call
 * @param v the protocol version
 * @param buf where to write (owned by the caller)
 * @param cap bytes available at buf
 * @param written receives the bytes written
 * @return TERN_OK with the whole packet written; TERN_ERR_BUFFER_TOO_SMALL when cap is
 *         short; otherwise the statuses of tern_codec_encode_publish() but
 *         TERN_ERR_PROP_SERVER_ONLY. No state; callable from any thread and from callbacks.
 */
tern_status tern_codec_encode_publish_from_server(const tern_publish *p, tern_mqtt_version v, uint8_t *buf,
                                                  size_t cap, size_t *written);
#endif
/**
 * @brief Size of an encoded PUBACK, PUBREC, PUBREL or PUBCOMP (p->type), checking every field as the encoder does.
 * @param p the packet's fields
 * @param v the protocol version
 * @param size receives the whole packet's size
 * @return TERN_OK; a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_size_ack(const tern_ack *p, tern_mqtt_version v, size_t *size);
/**
 * @brief Encode a PUBACK, PUBREC, PUBREL or PUBCOMP (p->type) into a caller buffer.
 * @param p the packet's fields
 * @param v the protocol version
 * @param buf where to write
 * @param cap bytes available at buf
 * @param written receives the bytes written
 * @return TERN_OK with the whole packet written; TERN_ERR_BUFFER_TOO_SMALL when cap is
 *         short (nothing useful written); a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_encode_ack(const tern_ack *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
/**
 * @brief Size of an encoded SUBSCRIBE, checking every field as the encoder does.
 * @param p the packet's fields
 * @param v the protocol version
 * @param size receives the whole packet's size
 * @return TERN_OK; a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_size_subscribe(const tern_subscribe *p, tern_mqtt_version v, size_t *size);
/**
 * @brief Encode a SUBSCRIBE into a caller buffer.
 * @param p the packet's fields
 * @param v the protocol version
 * @param buf where to write
 * @param cap bytes available at buf
 * @param written receives the bytes written
 * @return TERN_OK with the whole packet written; TERN_ERR_BUFFER_TOO_SMALL when cap is
 *         short (nothing useful written); a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_encode_subscribe(const tern_subscribe *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
/**
 * @brief Size of an encoded UNSUBSCRIBE, checking every field as the encoder does.
 * @param p the packet's fields
 * @param v the protocol version
 * @param size receives the whole packet's size
 * @return TERN_OK; a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_size_unsubscribe(const tern_subscribe *p, tern_mqtt_version v, size_t *size);
/**
 * @brief Encode a UNSUBSCRIBE into a caller buffer.
 * @param p the packet's fields
 * @param v the protocol version
 * @param buf where to write
 * @param cap bytes available at buf
 * @param written receives the bytes written
 * @return TERN_OK with the whole packet written; TERN_ERR_BUFFER_TOO_SMALL when cap is
 *         short (nothing useful written); a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_encode_unsubscribe(const tern_subscribe *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
/**
 * @brief Encode a PINGREQ or PINGRESP: always 2 bytes.
 * @param type TERN_PINGREQ or TERN_PINGRESP
 * @param buf where to write
 * @param cap bytes available at buf
 * @param written receives 2
 * @return TERN_OK, TERN_ERR_BUFFER_TOO_SMALL, TERN_ERR_INVALID_ARG for another type.
 */
tern_status tern_codec_encode_ping(tern_packet_type type, uint8_t *buf, size_t cap, size_t *written);
/**
 * @brief Size of an encoded DISCONNECT, checking every field as the encoder does.
 * @param p the packet's fields
 * @param v the protocol version
 * @param size receives the whole packet's size
 * @return TERN_OK; a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_size_disconnect(const tern_disconnect *p, tern_mqtt_version v, size_t *size);
/**
 * @brief Encode a DISCONNECT into a caller buffer.
 * @param p the packet's fields
 * @param v the protocol version
 * @param buf where to write
 * @param cap bytes available at buf
 * @param written receives the bytes written
 * @return TERN_OK with the whole packet written; TERN_ERR_BUFFER_TOO_SMALL when cap is
 *         short (nothing useful written); a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_encode_disconnect(const tern_disconnect *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
/**
 * @brief Size of an encoded AUTH (MQTT 5 only), checking every field as the encoder does.
 * @param p the packet's fields
 * @param size receives the whole packet's size
 * @return TERN_OK; a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_size_auth(const tern_disconnect *p, size_t *size);
/**
 * @brief Encode a AUTH (MQTT 5 only) into a caller buffer.
 * @param p the packet's fields
 * @param buf where to write
 * @param cap bytes available at buf
 * @param written receives the bytes written
 * @return TERN_OK with the whole packet written; TERN_ERR_BUFFER_TOO_SMALL when cap is
 *         short (nothing useful written); a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_encode_auth(const tern_disconnect *p, uint8_t *buf, size_t cap, size_t *written);
#if TERN_CFG_SERVER_SIDE /* the broker's side: see tern/config.h */
/**
 * @brief Size of an encoded CONNACK (the broker's side), checking every field as the encoder does.
 * @param p the packet's fields
 * @param v the protocol version
 * @param size receives the whole packet's size
 * @return TERN_OK; a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_size_connack(const tern_connack *p, tern_mqtt_version v, size_t *size);
/**
 * @brief Encode a CONNACK (the broker's side) into a caller buffer.
 * @param p the packet's fields
 * @param v the protocol version
 * @param buf where to write
 * @param cap bytes available at buf
 * @param written receives the bytes written
 * @return TERN_OK with the whole packet written; TERN_ERR_BUFFER_TOO_SMALL when cap is
 *         short (nothing useful written); a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_encode_connack(const tern_connack *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
/**
 * @brief Size of an encoded SUBACK (the broker's side), checking every field as the encoder does.
 * @param p the packet's fields
 * @param v the protocol version
 * @param size receives the whole packet's size
 * @return TERN_OK; a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_size_suback(const tern_suback *p, tern_mqtt_version v, size_t *size);
/**
 * @brief Encode a SUBACK (the broker's side) into a caller buffer.
 * @param p the packet's fields
 * @param v the protocol version
 * @param buf where to write
 * @param cap bytes available at buf
 * @param written receives the bytes written
 * @return TERN_OK with the whole packet written; TERN_ERR_BUFFER_TOO_SMALL when cap is
 *         short (nothing useful written); a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_encode_suback(const tern_suback *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
/**
 * @brief Size of an encoded UNSUBACK (the broker's side), checking every field as the encoder does.
 * @param p the packet's fields
 * @param v the protocol version
 * @param size receives the whole packet's size
 * @return TERN_OK; a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_size_unsuback(const tern_suback *p, tern_mqtt_version v, size_t *size);
/**
 * @brief Encode a UNSUBACK (the broker's side) into a caller buffer.
 * @param p the packet's fields
 * @param v the protocol version
 * @param buf where to write
 * @param cap bytes available at buf
 * @param written receives the bytes written
 * @return TERN_OK with the whole packet written; TERN_ERR_BUFFER_TOO_SMALL when cap is
 *         short (nothing useful written); a field the spec forbids gives its own status (e.g. TERN_ERR_TOPIC_WILDCARD, TERN_ERR_QOS, TERN_ERR_PACKET_ID, TERN_ERR_PROP_NOT_ALLOWED, TERN_ERR_STRING_TOO_LONG, a UTF-8 status).
 */
tern_status tern_codec_encode_unsuback(const tern_suback *p, tern_mqtt_version v, uint8_t *buf, size_t cap, size_t *written);
#endif

/* Every decoder: buf starts at the fixed header of the expected packet type; len may extend
 * past the packet (the rest is left alone). Struct fields that point to caller storage
 * (props, will_props, entries) are read from *out before decoding: set them (or leave them
 * NULL) first. */
/**
 * @brief Decode and check a CONNACK.
 *
 * Checks the fixed header flags, that the contents fill the remaining length exactly, the
 * spec's rules for every field and (MQTT 5) the properties.
 * @param buf the packet's fixed header
 * @param len bytes available at buf (may extend past the packet)
 * @param v the protocol version of the connection
 * @param out receives the fields; its spans point into buf
 * @return TERN_OK; TERN_NEED_MORE when the packet is not complete;
 *         TERN_ERR_FIXED_FLAGS, TERN_ERR_REMAINING_LENGTH or the status of the first rule
 *         broken.
 */
tern_status tern_codec_decode_connack(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_connack *out);
/**
 * @brief Decode and check a PUBLISH.
 *
 * Checks the fixed header flags, that the contents fill the remaining length exactly, the
 * spec's rules for every field and (MQTT 5) the properties.
 * @param buf the packet's fixed header
 * @param len bytes available at buf (may extend past the packet)
 * @param v the protocol version of the connection
 * @param out receives the fields; its spans point into buf
 * @return TERN_OK; TERN_NEED_MORE when the packet is not complete;
 *         TERN_ERR_FIXED_FLAGS, TERN_ERR_REMAINING_LENGTH or the status of the first rule
 *         broken.
 */
tern_status tern_codec_decode_publish(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_publish *out);
/**
 * @brief Decode the head of a PUBLISH that may be longer than the span (for streaming large
 *        messages).
 *
 * Everything up to the payload is decoded and checked as tern_codec_decode_publish() does.
 * @param buf the packet's fixed header
 * @param len bytes available at buf
 * @param v the protocol version of the connection
 * @param out receives the fields; out->payload is the part of the payload inside the span
 * @param payload_total receives the payload's full length
 * @return TERN_OK; TERN_NEED_MORE when the span ends before the payload starts; otherwise
 *         as tern_codec_decode_publish().
 */
tern_status tern_codec_decode_publish_head(const uint8_t *buf, size_t len, tern_mqtt_version v,
                                           tern_publish *out, uint32_t *payload_total);
/**
 * @brief Decode and check a PUBACK, PUBREC, PUBREL or PUBCOMP (out->type tells which).
 *
 * Checks the fixed header flags, that the contents fill the remaining length exactly, the
 * spec's rules for every field and (MQTT 5) the properties.
 * @param buf the packet's fixed header
 * @param len bytes available at buf (may extend past the packet)
 * @param v the protocol version of the connection
 * @param out receives the fields; its spans point into buf
 * @return TERN_OK; TERN_NEED_MORE when the packet is not complete;
 *         TERN_ERR_FIXED_FLAGS, TERN_ERR_REMAINING_LENGTH or the status of the first rule
 *         broken.
 */
tern_status tern_codec_decode_ack(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_ack *out);
/**
 * @brief Decode and check a SUBACK.
 *
 * Checks the fixed header flags, that the contents fill the remaining length exactly, the
 * spec's rules for every field and (MQTT 5) the properties.
 * @param buf the packet's fixed header
 * @param len bytes available at buf (may extend past the packet)
 * @param v the protocol version of the connection
 * @param out receives the fields; its spans point into buf
 * @return TERN_OK; TERN_NEED_MORE when the packet is not complete;
 *         TERN_ERR_FIXED_FLAGS, TERN_ERR_REMAINING_LENGTH or the status of the first rule
 *         broken.
 */
tern_status tern_codec_decode_suback(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_suback *out);
/**
 * @brief Decode and check a UNSUBACK.
 *
 * Checks the fixed header flags, that the contents fill the remaining length exactly, the
 * spec's rules for every field and (MQTT 5) the properties.
 * @param buf the packet's fixed header
 * @param len bytes available at buf (may extend past the packet)
 * @param v the protocol version of the connection
 * @param out receives the fields; its spans point into buf
 * @return TERN_OK; TERN_NEED_MORE when the packet is not complete;
 *         TERN_ERR_FIXED_FLAGS, TERN_ERR_REMAINING_LENGTH or the status of the first rule
 *         broken.
 */
tern_status tern_codec_decode_unsuback(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_suback *out);
/**
 * @brief Decode a PINGREQ or PINGRESP.
 * @param buf the packet's fixed header
 * @param len bytes available at buf
 * @param type receives which of the two it is
 * @return TERN_OK, TERN_NEED_MORE, TERN_ERR_PACKET_TYPE, TERN_ERR_FIXED_FLAGS,
 *         TERN_ERR_REMAINING_LENGTH.
 */
tern_status tern_codec_decode_ping(const uint8_t *buf, size_t len, tern_packet_type *type);
/**
 * @brief Decode and check a DISCONNECT.
 *
 * Checks the fixed header flags, that the contents fill the remaining length exactly, the
 * spec's rules for every field and (MQTT 5) the properties.
 * @param buf the packet's fixed header
 * @param len bytes available at buf (may extend past the packet)
 * @param v the protocol version of the connection
 * @param out receives the fields; its spans point into buf
 * @return TERN_OK; TERN_NEED_MORE when the packet is not complete;
 *         TERN_ERR_FIXED_FLAGS, TERN_ERR_REMAINING_LENGTH or the status of the first rule
 *         broken.
 */
tern_status tern_codec_decode_disconnect(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_disconnect *out);
/**
 * @brief Decode and check a AUTH (MQTT 5).
 *
 * Checks the fixed header flags, that the contents fill the remaining length exactly, the
 * spec's rules for every field and (MQTT 5) the properties.
 * @param buf the packet's fixed header
 * @param len bytes available at buf (may extend past the packet)
 * @param out receives the fields; its spans point into buf
 * @return TERN_OK; TERN_NEED_MORE when the packet is not complete;
 *         TERN_ERR_FIXED_FLAGS, TERN_ERR_REMAINING_LENGTH or the status of the first rule
 *         broken.
 */
tern_status tern_codec_decode_auth(const uint8_t *buf, size_t len, tern_disconnect *out);
#if TERN_CFG_SERVER_SIDE /* the broker's side: see tern/config.h */
/**
 * @brief Decode and check a CONNECT (the broker's side).
 *
 * Checks the fixed header flags, that the contents fill the remaining length exactly, the
 * spec's rules for every field and (MQTT 5) the properties.
 * @param buf the packet's fixed header
 * @param len bytes available at buf (may extend past the packet)
 * @param out receives the fields; its spans point into buf
 * @return TERN_OK; TERN_NEED_MORE when the packet is not complete;
 *         TERN_ERR_FIXED_FLAGS, TERN_ERR_REMAINING_LENGTH or the status of the first rule
 *         broken.
 */
tern_status tern_codec_decode_connect(const uint8_t *buf, size_t len, tern_connect *out);
/**
 * @brief Decode and check a SUBSCRIBE (the broker's side).
 *
 * Checks the fixed header flags, that the contents fill the remaining length exactly, the
 * spec's rules for every field and (MQTT 5) the properties.
 * @param buf the packet's fixed header
 * @param len bytes available at buf (may extend past the packet)
 * @param v the protocol version of the connection
 * @param out receives the fields; its spans point into buf
 * @return TERN_OK; TERN_NEED_MORE when the packet is not complete;
 *         TERN_ERR_FIXED_FLAGS, TERN_ERR_REMAINING_LENGTH or the status of the first rule
 *         broken.
 */
tern_status tern_codec_decode_subscribe(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_subscribe *out);
/**
 * @brief Decode and check a UNSUBSCRIBE (the broker's side).
 *
 * Checks the fixed header flags, that the contents fill the remaining length exactly, the
 * spec's rules for every field and (MQTT 5) the properties.
 * @param buf the packet's fixed header
 * @param len bytes available at buf (may extend past the packet)
 * @param v the protocol version of the connection
 * @param out receives the fields; its spans point into buf
 * @return TERN_OK; TERN_NEED_MORE when the packet is not complete;
 *         TERN_ERR_FIXED_FLAGS, TERN_ERR_REMAINING_LENGTH or the status of the first rule
 *         broken.
 */
tern_status tern_codec_decode_unsubscribe(const uint8_t *buf, size_t len, tern_mqtt_version v, tern_subscribe *out);
#endif

/**
 * @brief Name of a packet type ("PUBLISH").
 * @param type a tern_packet_type
 * @return A static string, never NULL: "?" for out-of-range values, "" when built without
 *         strings (TERN_CFG_STATUS_STRINGS=0).
 */
const char *tern_packet_name(uint8_t type);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif
