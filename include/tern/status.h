/**
 * @file status.h
 * @brief The one status enum of tern, with a string for every value.
 *
 * Every function of the library that can fail returns a tern_status; tern_status_str() gives
 * its one-line description and tern_status_name() its constant's name. Transports return
 * failures as negated statuses (see transport.h).
 *
 * The list TERN_STATUS_LIST produces both the enum and the strings, so they cannot drift
 * apart. Add new values at the end of their group; values are not part of the ABI yet.
 */
#ifndef TERN_STATUS_H
#define TERN_STATUS_H

#include "tern/config.h"

/**
 * @brief Every status with its description, in enum order: TERN_OK, TERN_NEED_MORE,
 *        TERN_WOULD_BLOCK, then the errors (TERN_ERR_...) grouped by where they arise.
 *
 * An X-macro: X(name, text) is applied to each entry, which makes the enum tern_status
 * and the strings of tern_status_str().
 * @param X a macro taking (name, text)
 */
#define TERN_STATUS_LIST(X) \
    X(TERN_OK,                      "ok") \
    X(TERN_NEED_MORE,               "need more bytes") \
    X(TERN_WOULD_BLOCK,             "operation would block") \
    /* caller errors */ \
    X(TERN_ERR_INVALID_ARG,         "invalid argument") \
    X(TERN_ERR_BUFFER_TOO_SMALL,    "buffer too small") \
    X(TERN_ERR_UNSUPPORTED,         "feature not supported by this build or protocol version") \
    /* wire format */ \
    X(TERN_ERR_VARINT,              "malformed variable byte integer (more than 4 bytes)") \
    X(TERN_ERR_PACKET_TYPE,         "reserved or unexpected packet type") \
    X(TERN_ERR_FIXED_FLAGS,         "reserved fixed header flag bits set") \
    X(TERN_ERR_REMAINING_LENGTH,    "remaining length does not match packet contents") \
    X(TERN_ERR_PACKET_TOO_LARGE,    "packet exceeds maximum packet size") \
    X(TERN_ERR_QOS,                 "invalid QoS value (3)") \
    X(TERN_ERR_PROTOCOL_NAME,       "protocol name is not MQTT") \
    X(TERN_ERR_PROTOCOL_VERSION,    "unsupported protocol version") \
    X(TERN_ERR_CONNECT_FLAGS,       "invalid CONNECT flags") \
    X(TERN_ERR_CONNACK_FLAGS,       "invalid CONNACK acknowledge flags") \
    X(TERN_ERR_PACKET_ID,           "packet identifier must not be 0") \
    X(TERN_ERR_REASON_CODE,         "reason code not valid for this packet") \
    X(TERN_ERR_STRING_TOO_LONG,     "string or binary field longer than 65535 bytes") \
    X(TERN_ERR_NO_FILTERS,          "SUBSCRIBE/UNSUBSCRIBE/SUBACK with no entries") \
    X(TERN_ERR_SUB_OPTIONS,         "invalid subscription options") \
    /* UTF-8 rules */ \
    X(TERN_ERR_UTF8_ILL_FORMED,     "ill-formed UTF-8 (bad lead or continuation byte)") \
    X(TERN_ERR_UTF8_OVERLONG,       "overlong UTF-8 encoding") \
    X(TERN_ERR_UTF8_SURROGATE,      "UTF-16 surrogate code point in UTF-8 string") \
    X(TERN_ERR_UTF8_TOO_LARGE,      "code point above U+10FFFF") \
    X(TERN_ERR_UTF8_NULL,           "U+0000 in UTF-8 string") \
    /* topics */ \
    X(TERN_ERR_TOPIC_EMPTY,         "topic name or filter is empty") \
    X(TERN_ERR_TOPIC_WILDCARD,      "wildcard character in topic name") \
    X(TERN_ERR_FILTER_WILDCARD,     "misplaced wildcard in topic filter") \
    X(TERN_ERR_SHARED_FILTER,       "invalid shared subscription filter") \
    /* MQTT 5 properties */ \
    X(TERN_ERR_PROP_UNKNOWN,        "unknown property identifier") \
    X(TERN_ERR_PROP_NOT_ALLOWED,    "property not allowed in this packet") \
    X(TERN_ERR_PROP_DUPLICATE,      "property appears more than once") \
    X(TERN_ERR_PROP_VALUE,          "property has an invalid value") \
    X(TERN_ERR_PROP_LENGTH,         "property length exceeds the packet") \
    X(TERN_ERR_PROP_SERVER_ONLY,    "property only a server may send in this packet (Subscription Identifier in PUBLISH)") \
    /* session engine */ \
    X(TERN_ERR_BUSY,                "no free in-flight slot; retry after acknowledgements arrive") \
    X(TERN_ERR_NOT_CONNECTED,       "not connected") \
    X(TERN_ERR_CONNECTING,          "connection in progress") \
    X(TERN_ERR_CONNACK_REFUSED,     "broker refused the connection (see reason code)") \
    X(TERN_ERR_PROTOCOL,            "protocol violation by the peer") \
    X(TERN_ERR_UNEXPECTED_PACKET,   "packet a client must not receive in this state") \
    X(TERN_ERR_UNKNOWN_PACKET_ID,   "acknowledgement for a packet identifier not in flight") \
    X(TERN_ERR_TOPIC_ALIAS,         "invalid or unknown topic alias") \
    X(TERN_ERR_RECEIVE_MAXIMUM,     "peer exceeded receive maximum") \
    X(TERN_ERR_MESSAGE_TOO_LARGE,   "message larger than the receive buffer") \
    X(TERN_ERR_MESSAGE_CUT,         "connection ended in the middle of a message delivered in pieces") \
    X(TERN_ERR_KEEPALIVE_TIMEOUT,   "broker did not answer within the keep-alive grace period") \
    X(TERN_ERR_SERVER_DISCONNECT,   "broker sent DISCONNECT (see reason code)") \
    X(TERN_ERR_TIMEOUT,             "timed out") \
    X(TERN_ERR_SESSION_LOST,        "broker did not resume the session; in-flight messages dropped") \
    X(TERN_ERR_MESSAGE_REFUSED,     "broker refused the message (see reason code)") \
    X(TERN_ERR_ACK_COUNT,           "SUBACK or UNSUBACK with another number of reason codes than the request had filters") \
    X(TERN_ERR_ACK_TYPE,            "acknowledgement of the wrong type for a packet in flight (e.g. PUBACK for QoS 2)") \
    X(TERN_ERR_NO_MQTT5,            "unacceptable protocol version: the broker does not speak MQTT 5; try -V 311") \
    X(TERN_ERR_HOLD_FULL,           "receive buffer full of held messages: this one cannot be held, take it now") \
    X(TERN_ERR_PEER_PACKET_TOO_LARGE, "the broker sent a packet larger than our Maximum Packet Size (the receive buffer)") \
    /* transport */ \
    X(TERN_ERR_CLOSED,              "connection closed by peer") \
    X(TERN_ERR_IO,                  "network I/O error") \
    X(TERN_ERR_DNS,                 "host name could not be resolved") \
    X(TERN_ERR_CONNECT_REFUSED,     "TCP connection refused") \
    X(TERN_ERR_TLS,                 "TLS error") \
    X(TERN_ERR_TLS_VERIFY,          "TLS certificate verification failed") \
    X(TERN_ERR_TLS_UNKNOWN_CA,      "TLS server certificate not issued by a trusted CA (or self-signed)") \
    X(TERN_ERR_TLS_HOSTNAME,        "TLS server certificate is for another host name or address") \
    X(TERN_ERR_TLS_EXPIRED,         "TLS certificate expired or not yet valid") \
    X(TERN_ERR_TLS_CLIENT_CERT,     "TLS server requires a client certificate, or rejected ours") \
    X(TERN_ERR_TLS_PSK,             "TLS pre-shared key rejected (identity or key mismatch)") \
    X(TERN_ERR_TLS_VERSION,         "no TLS protocol version in common with the server") \
    X(TERN_ERR_TLS_CONFIG,          "TLS configuration could not be loaded (CA, certificate, key, PSK)") \
    X(TERN_ERR_TLS_SESSION_AUTH,    "saved TLS session refused: malformed, tampered with, or sealed under another key") \
    X(TERN_ERR_TLS_SESSION_BINDING, "saved TLS session refused: saved for another server or trust configuration") \
    /* firmware update */ \
    X(TERN_ERR_SIGNATURE,           "signature verification failed") \
    X(TERN_ERR_ROLLBACK,            "firmware version not newer than installed") \
    X(TERN_ERR_DEVICE_CLASS,        "firmware for another device class") \
    X(TERN_ERR_HASH,                "image hash mismatch") \
    X(TERN_ERR_SIZE,                "image size mismatch") \
    X(TERN_ERR_FW_FORMAT,           "not a firmware manifest or chunk of a known format") \
    X(TERN_ERR_FW_CHUNK,            "chunk does not belong to the update being applied, or is out of order") \
    X(TERN_ERR_FW_STORAGE,          "firmware staging or install storage failed") \
    /* WebSocket (ws://, wss://) */ \
    X(TERN_ERR_WS_HANDSHAKE,        "WebSocket upgrade refused (HTTP status other than 101, or not an upgrade)") \
    X(TERN_ERR_WS_ACCEPT,           "WebSocket upgrade: Sec-WebSocket-Accept missing or wrong") \
    X(TERN_ERR_WS_SUBPROTOCOL,      "WebSocket upgrade: the server did not agree to the mqtt subprotocol") \
    X(TERN_ERR_WS_RESERVED,         "WebSocket frame with a reserved bit or opcode") \
    X(TERN_ERR_WS_FRAME,            "malformed WebSocket frame (length, control frame, fragmentation or close status)") \
    X(TERN_ERR_WS_MASKED,           "WebSocket frame masked in the wrong direction") \
    X(TERN_ERR_WS_TEXT,             "WebSocket text frame: MQTT travels in binary frames only") \
    X(TERN_ERR_WS_TOO_LARGE,        "WebSocket frame larger than the configured maximum") \
    X(TERN_ERR_WS_CLOSED,           "the server closed the WebSocket (see the close status)") \
    /* PKCS#11 */ \
    X(TERN_ERR_PKCS11,              "PKCS#11 module, token, PIN or key unusable (see the message)")

/** @cond internal */
#define TERN_STATUS_ENUM_ENTRY(name, text) name,
/** @endcond */
/**
 * @brief A status: TERN_OK (0) for success, TERN_NEED_MORE and TERN_WOULD_BLOCK for "not yet",
 *        anything else an error. The values and their descriptions are in TERN_STATUS_LIST;
 *        TERN_STATUS_COUNT is the number of values.
 */
typedef enum { TERN_STATUS_LIST(TERN_STATUS_ENUM_ENTRY) TERN_STATUS_COUNT } tern_status;
#undef TERN_STATUS_ENUM_ENTRY

#ifdef __cplusplus
extern "C" {
#endif

/* The public API: what libtern.so exports (the library is built with -fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/**
 * @brief A short human-readable description of a status ("timed out").
 * @param status any value, also out of range ("unknown status")
 * @return A static string, never NULL; "" when built with TERN_CFG_STATUS_STRINGS=0.
 *         Callable from any thread and from callbacks.
 */
const char *tern_status_str(tern_status status);

/**
 * @brief The enum constant's name ("TERN_ERR_BUSY").
 * @param status any value, also out of range ("TERN_STATUS_UNKNOWN")
 * @return A static string, never NULL; "" when built with TERN_CFG_STATUS_STRINGS=0.
 *         Callable from any thread and from callbacks.
 */
const char *tern_status_name(tern_status status);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif
