/**
 * @file config.h
 * @brief Build configuration: every feature switch of tern, each with a default.
 *
 * Override with -D on the compiler command line (for the library and the application alike:
 * some switches change structs and declarations), or define TERN_CONFIG_FILE to a header of
 * your own that is included first. `make switches` builds and tests with switches off.
 */
#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H

#ifdef TERN_DOXYGEN
/** @brief Define to a header name ("my_tern_config.h") to set switches there. Not set by default. */
#define TERN_CONFIG_FILE "my_tern_config.h"
#endif
#if defined(TERN_CONFIG_FILE) && !defined(TERN_DOXYGEN)
#include TERN_CONFIG_FILE
#endif

/** @brief MQTT 5.0 support (properties, reason codes, AUTH). 0 = MQTT 3.1.1 only. Default 1. */
#ifndef TERN_CFG_MQTT5
#define TERN_CFG_MQTT5 1
#endif

/** @brief QoS 2 (PUBREC/PUBREL/PUBCOMP flows). 0 = QoS 0 and 1 only. Default 1. */
#ifndef TERN_CFG_QOS2
#define TERN_CFG_QOS2 1
#endif

/** @brief Human-readable strings: tern_status_str(), tern_status_name(), tern_packet_name()
 *         and tern_reason_str(). 0 = they all return "" (nothing else changes). Default 1. */
#ifndef TERN_CFG_STATUS_STRINGS
#define TERN_CFG_STATUS_STRINGS 1
#endif

/** @brief Messages larger than the receive buffer delivered in pieces (tern_callbacks.on_chunk).
 *         0 = such messages are always skipped (acknowledged; on_error gets
 *         TERN_ERR_MESSAGE_TOO_LARGE) and on_chunk is never called. Default 1. */
#ifndef TERN_CFG_CHUNKS
#define TERN_CFG_CHUNKS 1
#endif

/** @brief Persistence of in-flight messages across reboots (tern_callbacks.on_store,
 *         tern_client_restore()). 0 = on_store is never called and tern_client_restore()
 *         returns TERN_ERR_UNSUPPORTED; re-sending after a reconnect works as before. Default 1. */
#ifndef TERN_CFG_PERSISTENCE
#define TERN_CFG_PERSISTENCE 1
#endif

/** @brief What only a broker (or a test peer) needs: decoding CONNECT, SUBSCRIBE and
 *         UNSUBSCRIBE, encoding CONNACK, SUBACK and UNSUBACK. 0 = those functions are not
 *         built (nor declared); the session engine never uses them. Default 1. */
#ifndef TERN_CFG_SERVER_SIDE
#define TERN_CFG_SERVER_SIDE 1
#endif

/** @brief The first reconnect backoff when tern_connect_options.reconnect_min_ms is 0, in
 *         milliseconds; doubled after each failed attempt (with jitter). Default 500. */
#ifndef TERN_RECONNECT_MIN_MS
#define TERN_RECONNECT_MIN_MS 500u
#endif
/** @brief The reconnect backoff's ceiling when tern_connect_options.reconnect_max_ms is 0, in
 *         milliseconds. Default 30,000. */
#ifndef TERN_RECONNECT_MAX_MS
#define TERN_RECONNECT_MAX_MS 30000u
#endif
/** @brief The time allowed for the transport to open and the CONNACK to arrive when
 *         tern_connect_options.connect_timeout_ms is 0, in milliseconds. Default 10,000. */
#ifndef TERN_CONNECT_TIMEOUT_MS
#define TERN_CONNECT_TIMEOUT_MS 10000u
#endif

/** @brief How many SUBSCRIBE and UNSUBSCRIBE requests may await their acknowledgement at once
 *         (4 bytes of tern_client each), 1 to 8. The engine remembers each one's filter count to
 *         check the broker's answer (a wrong count, the wrong kind of ack, an ack for no request:
 *         a protocol violation); one more returns TERN_ERR_BUSY (tern_client_subscribe_wait
 *         waits instead). Many topics fit one request: a SUBSCRIBE carries any number of
 *         filters. Default 8. */
#ifndef TERN_SUBS_IN_FLIGHT
#define TERN_SUBS_IN_FLIGHT 8
#endif
#if TERN_SUBS_IN_FLIGHT < 1 || TERN_SUBS_IN_FLIGHT > 8
#error "TERN_SUBS_IN_FLIGHT must be 1 to 8 (tern_client keeps a bit per request in one byte)"
#endif

/** @brief While a message is held (tern_client_hold), how often at least it is offered again
 *         when nothing else happens: tern_client_next_timeout_ms reports no more than this, and
 *         the blocking layer waits no longer, in milliseconds. */
#ifndef TERN_HOLD_RETRY_MS
#define TERN_HOLD_RETRY_MS 20u
#endif

/** @brief The core's own loops for copying and comparing bytes instead of the C library's
 *         memcpy, memmove and memcmp: smaller code on Cortex-M4 with newlib (`make size`
 *         measures how much), a few more instructions per byte copied. Default: on in builds
 *         optimized for size (-Os), off otherwise. */
#ifndef TERN_CFG_OWN_COPY
#ifdef __OPTIMIZE_SIZE__
#define TERN_CFG_OWN_COPY 1
#else
#define TERN_CFG_OWN_COPY 0
#endif
#endif

#endif
