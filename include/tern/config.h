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

/* Defaults of tern_connect_options when its field is 0, in milliseconds: the first reconnect
 * backoff (doubled after each failed attempt, with jitter), its ceiling, and the time allowed
 * for the transport to open and the CONNACK to arrive. */
#ifndef TERN_RECONNECT_MIN_MS
#define TERN_RECONNECT_MIN_MS 500u
#endif
#ifndef TERN_RECONNECT_MAX_MS
#define TERN_RECONNECT_MAX_MS 30000u
#endif
#ifndef TERN_CONNECT_TIMEOUT_MS
#define TERN_CONNECT_TIMEOUT_MS 10000u
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
