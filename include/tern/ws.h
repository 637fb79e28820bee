/**
 * @file ws.h
 * @brief MQTT over WebSocket (RFC 6455, MQTT 5.0 section 6): a frame codec and a transport.
 *
 * Two layers. The frame codec (tern_ws_encode_header, tern_ws_decode_header, tern_ws_mask and
 * the stream reader tern_ws_reader) is pure: no I/O, no allocation, nothing but the caller's
 * bytes. The transport (tern_ws) wraps any lower tern_transport, TCP for ws:// or TLS for
 * wss://, makes the HTTP/1.1 Upgrade handshake with the "mqtt" subprotocol and then carries
 * the MQTT byte stream in masked binary frames. It is non-blocking like every transport (the
 * lower transport's "would block" passes through) and allocates nothing but wolfCrypt's random
 * generator: the handshake and the outgoing frames live in a buffer the application gives;
 * incoming frames are decoded in the buffer the engine reads into.
 *
 * MQTT packets may span frames and a frame may hold several packets: the transport delivers
 * a byte stream. Pings are answered with pongs, a close from the server is answered with a
 * close carrying the same status, and every refusal has its own tern_status and a one-line
 * reason in tern_ws_error().
 */
#ifndef TERN_WS_H
#define TERN_WS_H

#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"
#include "tern/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The public API: what libtern.so exports (the library is built with -fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/** Longest frame header: 2 bytes, 8 of extended length, 4 of masking key. */
#define TERN_WS_MAX_HEADER 14
/** Longest payload of a control frame (close, ping, pong), RFC 6455 section 5.5. */
#define TERN_WS_MAX_CONTROL 125
/** Room for the one-line reason of the last failure, including its terminating NUL. */
#define TERN_WS_ERROR_MAX 200
/** Largest incoming data frame accepted when the configuration says 0. */
#define TERN_WS_DEFAULT_MAX_FRAME (1024u * 1024u)
/** Smallest buffer tern_ws_init accepts: a handshake request with a short host and path. */
#define TERN_WS_MIN_BUFFER 256

/** Frame opcodes (RFC 6455 section 5.2). */
typedef enum {
    TERN_WS_CONTINUATION = 0x0, /**< the next fragment of a message */
    TERN_WS_TEXT = 0x1,         /**< UTF-8 text: refused, MQTT is binary */
    TERN_WS_BINARY = 0x2,       /**< binary data: the MQTT byte stream */
    TERN_WS_CLOSE = 0x8,        /**< close, with an optional status and reason */
    TERN_WS_PING = 0x9,         /**< ping: answered with a pong */
    TERN_WS_PONG = 0xA          /**< pong */
} tern_ws_opcode;

/** Close status codes tern sends or names (RFC 6455 section 7.4.1). */
enum {
    TERN_WS_CLOSE_NORMAL = 1000,           /**< done: sent by close() */
    TERN_WS_CLOSE_GOING_AWAY = 1001,       /**< the server goes down */
    TERN_WS_CLOSE_PROTOCOL_ERROR = 1002,   /**< a malformed or misdirected frame */
    TERN_WS_CLOSE_UNSUPPORTED_DATA = 1003, /**< a text frame */
    TERN_WS_CLOSE_NO_STATUS = 1005,        /**< reported for a close frame without a status */
    TERN_WS_CLOSE_TOO_BIG = 1009           /**< a frame above the size limit */
};

/** One decoded frame header. */
typedef struct {
    uint64_t payload_len; /**< payload bytes that follow the header */
    uint8_t fin;          /**< 1: the last frame of its message */
    uint8_t opcode;       /**< tern_ws_opcode */
    uint8_t masked;       /**< 1: the payload is masked with mask */
    uint8_t mask[4];      /**< the masking key (zero when not masked) */
    uint8_t header_len;   /**< 2..14 bytes */
} tern_ws_header;

/**
 * @brief Encode a frame header.
 * @param out where the header goes (TERN_WS_MAX_HEADER bytes always suffice).
 * @param cap room at out.
 * @param opcode a tern_ws_opcode.
 * @param fin 1 for the last frame of a message (always 1 for control frames).
 * @param payload_len payload bytes that will follow (at most 2^63 - 1; at most 125 for a
 *        control frame).
 * @param mask the 4-byte masking key (a client's frames), or NULL for an unmasked frame (a
 *        server's). The payload is not touched: mask it with tern_ws_mask.
 * @param written set to the header's length on success.
 * @return TERN_OK; TERN_ERR_BUFFER_TOO_SMALL when cap is too small; TERN_ERR_INVALID_ARG for a
 *         reserved opcode, a fragmented or oversized control frame, or a length above 2^63 - 1.
 * Pure; may be called from any thread and from callbacks.
 */
tern_status tern_ws_encode_header(uint8_t *out, size_t cap, uint8_t opcode, int fin,
                                  uint64_t payload_len, const uint8_t *mask, size_t *written);

/**
 * @brief Decode a frame header from the first len bytes of in.
 *
 * Checks the frame's own syntax only: reserved bits, reserved opcodes, control frames that
 * are fragmented or longer than 125 bytes, lengths not in their shortest form or above
 * 2^63 - 1. Which frames a connection accepts (masking, text, size, continuation order) is
 * tern_ws_reader's business.
 * @param in the bytes received; only read.
 * @param len how many there are.
 * @param h filled on TERN_OK.
 * @return TERN_OK; TERN_NEED_MORE when the header is not complete; TERN_ERR_WS_RESERVED for a
 *         reserved bit or opcode; TERN_ERR_WS_FRAME for a malformed length or control frame.
 * Pure; may be called from any thread and from callbacks.
 */
tern_status tern_ws_decode_header(const uint8_t *in, size_t len, tern_ws_header *h);

/**
 * @brief Mask or unmask (the same operation) payload bytes in place.
 * @param data the bytes, changed in place.
 * @param len how many.
 * @param mask the frame's 4-byte masking key.
 * @param offset how many payload bytes of the same frame came before data, so that a payload
 *        may be (un)masked in pieces.
 * Pure; may be called from any thread and from callbacks.
 */
void tern_ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset);

/** What tern_ws_reader_feed found. */
typedef enum {
    TERN_WS_EVENT_NONE,  /**< all input consumed, nothing to report yet */
    TERN_WS_EVENT_DATA,  /**< payload bytes of a binary message (any fragment) */
    TERN_WS_EVENT_PING,  /**< a complete ping; answer with a pong carrying the same data */
    TERN_WS_EVENT_PONG,  /**< a complete pong */
    TERN_WS_EVENT_CLOSE  /**< a complete close: close_code and the reason in data */
} tern_ws_event_kind;

/** One result of tern_ws_reader_feed. */
typedef struct {
    const uint8_t *data; /**< DATA: inside the input; PING/PONG/CLOSE: inside the reader */
    size_t len;          /**< bytes at data */
    uint16_t close_code; /**< CLOSE: the status, TERN_WS_CLOSE_NO_STATUS when none was given */
    uint8_t kind;        /**< tern_ws_event_kind */
} tern_ws_event;

/** A frame stream decoder: the state between calls of tern_ws_reader_feed. Plain data, no
 * resources; zeroed by tern_ws_reader_init. */
typedef struct {
    uint64_t max_frame;        /**< largest data frame accepted */
    uint64_t remaining;        /**< payload bytes of the current frame still to come */
    uint64_t offset;           /**< payload bytes of the current frame already seen */
    tern_ws_header frame;      /**< the current frame */
    uint8_t header[TERN_WS_MAX_HEADER]; /**< a header split across inputs */
    uint8_t header_len;        /**< bytes in header */
    uint8_t control[TERN_WS_MAX_CONTROL]; /**< a control frame's payload */
    uint8_t in_frame;          /**< inside a frame's payload */
    uint8_t in_message;        /**< a fragmented binary message awaits its continuation */
    uint8_t expect_masked;     /**< 1: frames come from a client (masked), 0: from a server */
} tern_ws_reader;

/**
 * @brief Prepare a reader.
 * @param r the reader (owned by the caller).
 * @param expect_masked 0 to read a server's frames (what a client does: masked frames are
 *        refused), 1 to read a client's (unmasked frames are refused).
 * @param max_frame largest data frame payload accepted; 0 means TERN_WS_DEFAULT_MAX_FRAME.
 * Pure; thread rules: one reader per thread at a time.
 */
void tern_ws_reader_init(tern_ws_reader *r, int expect_masked, uint64_t max_frame);

/**
 * @brief Consume frame bytes until one event or the end of the input.
 *
 * Data payloads are unmasked in place and reported as they arrive (a frame may be reported in
 * several pieces, and several frames need several calls). Control frames are collected inside
 * the reader and reported once complete; they may come between the fragments of a message.
 * Only binary messages are accepted: MQTT over WebSocket has no text frames.
 * @param r the reader.
 * @param in the bytes received; data payloads are unmasked in place.
 * @param len how many.
 * @param used set to the bytes consumed (the rest belongs to the next call).
 * @param ev set to what was found; ev->data points into in (DATA) or into r (control frames)
 *        and is valid until the next call.
 * @return TERN_OK (with ev->kind TERN_WS_EVENT_NONE when the input ran out first);
 *         TERN_ERR_WS_RESERVED, TERN_ERR_WS_FRAME (malformed, a continuation without a message,
 *         a new message inside a fragmented one, a bad close status or reason),
 *         TERN_ERR_WS_MASKED (masking in the wrong direction), TERN_ERR_WS_TEXT,
 *         TERN_ERR_WS_TOO_LARGE. After an error the stream cannot be resynchronised: close it
 *         (tern_ws_close_code_for gives the status to close with).
 * Pure; thread rules: one reader per thread at a time.
 */
tern_status tern_ws_reader_feed(tern_ws_reader *r, uint8_t *in, size_t len, size_t *used,
                                tern_ws_event *ev);

/**
 * @brief The close status to send when refusing a stream for st.
 * @param st a status returned by tern_ws_reader_feed.
 * @return 1003 for a text frame, 1009 for an oversized frame, 1002 for the other protocol
 *         errors, 1000 otherwise.
 */
uint16_t tern_ws_close_code_for(tern_status st);

/** What the WebSocket transport needs; read by tern_ws_init only, but the strings and the
 * buffer must outlive the transport (they are not copied). */
typedef struct {
    const char *host;  /**< the Host header: the server's name as in the URL */
    uint16_t port;     /**< added to the Host header unless it is 80 (ws) or 443 (wss) */
    const char *path;  /**< the request path, starting with '/'; NULL: "/mqtt" */
    uint8_t *buf;      /**< the handshake and each outgoing frame are built here */
    size_t buf_cap;    /**< at least TERN_WS_MIN_BUFFER; an outgoing frame carries up to
                        *   buf_cap - TERN_WS_MAX_HEADER bytes of MQTT */
    uint64_t max_frame; /**< largest incoming data frame; 0: TERN_WS_DEFAULT_MAX_FRAME */
    uint8_t secure;    /**< 1 when the lower transport is TLS (wss://): Host port default 443 */
} tern_ws_config;

/** A WebSocket connection over a lower transport. Owned by the application; the fields are
 * internal. */
typedef struct {
    tern_transport lower;        /**< the transport underneath, copied at init */
    tern_ws_reader reader;       /**< incoming frames */
    struct WC_RNG *rng;          /**< wolfCrypt's generator: handshake key, masking keys */
    const char *host;            /**< for the Host header, not copied */
    const char *path;            /**< the request path, not copied */
    uint8_t *buf;                /**< the application's buffer */
    size_t cap;                  /**< its size */
    size_t out_len;              /**< bytes in buf to send (request or one data frame) */
    size_t out_sent;             /**< of which sent */
    size_t frame_payload;        /**< MQTT bytes in the data frame in buf */
    uint64_t max_frame;          /**< largest incoming data frame */
    uint64_t bytes_sent;         /**< bytes handed to the lower transport since init */
    uint64_t bytes_received;     /**< bytes read from the lower transport since init */
    uint8_t control[TERN_WS_MAX_HEADER + TERN_WS_MAX_CONTROL]; /**< a pong or close to send */
    uint8_t control_len;         /**< bytes in control, 0 when none is waiting */
    uint8_t control_sent;        /**< of which sent */
    uint8_t masks[256];          /**< masking keys drawn ahead from rng */
    uint16_t masks_used;         /**< bytes of masks used */
    uint8_t state;               /**< internal: closed, upgrading, open, failed */
    uint8_t close_sent;          /**< our close frame is queued or sent */
    uint8_t secure;              /**< over TLS: the Host header's default port is 443 */
    uint16_t port;               /**< for the Host header */
    uint16_t close_code;         /**< the status of the server's close frame, 0 if none */
    tern_status failure;         /**< why the connection ended, once it has */
    char key[32];                /**< Sec-WebSocket-Key of the current handshake */
    char error[TERN_WS_ERROR_MAX]; /**< the last failure's reason, "" if none */
} tern_ws;

/**
 * @brief Prepare a WebSocket transport over lower; nothing happens on the network yet.
 * @param ws the transport (owned by the application, must stay at its address while used).
 * @param lower the transport underneath (tern_tcp_transport or tern_tls_transport), copied;
 *        its context must outlive ws. ws opens, uses and closes it.
 * @param cfg host, port, path and the buffer; see tern_ws_config.
 * @return TERN_OK; TERN_ERR_INVALID_ARG (missing host, path not starting with '/', host or path
 *         with spaces or control characters, lower without send/recv); TERN_ERR_BUFFER_TOO_SMALL
 *         (buf_cap below TERN_WS_MIN_BUFFER). tern_ws_error says which.
 * Not from callbacks; one thread at a time per ws.
 */
tern_status tern_ws_init(tern_ws *ws, const tern_transport *lower, const tern_ws_config *cfg);

/**
 * @brief Fill a tern_transport whose context is ws.
 * @param ws a transport prepared by tern_ws_init.
 * @param out the function table for tern_client_config.transport.
 *
 * open() connects the lower transport and makes the upgrade (TERN_WOULD_BLOCK while either is
 * under way); refusals: TERN_ERR_WS_HANDSHAKE (HTTP status other than 101, or a response that
 * is not an upgrade), TERN_ERR_WS_ACCEPT, TERN_ERR_WS_SUBPROTOCOL, TERN_ERR_BUFFER_TOO_SMALL
 * (response headers larger than the buffer). send() frames up to buf_cap - 14 bytes; like
 * TLS, a send() that returned 0 must be retried with the same leading bytes. recv() returns
 * MQTT bytes only, answering pings on the way; a close from the server ends it with
 * -TERN_ERR_CLOSED (status 1000 or 1001) or -TERN_ERR_WS_CLOSED (any other status).
 * close() sends a close frame (1000) when it can without waiting, then closes the lower
 * transport.
 */
void tern_ws_transport(tern_ws *ws, tern_transport *out);

/**
 * @brief Close any connection and free the random generator.
 * @param ws the transport; safe to call twice and after a failed tern_ws_init.
 */
void tern_ws_deinit(tern_ws *ws);

/**
 * @brief The one-line reason of the last failure, e.g. "HTTP/1.1 403 Forbidden" or
 *        "the server closed the WebSocket with status 1008 (policy)".
 * @param ws the transport.
 * @return "" when there was none; never NULL. Valid until the next call on ws.
 */
const char *tern_ws_error(const tern_ws *ws);

/**
 * @brief The status of the server's close frame.
 * @param ws the transport.
 * @return the status (TERN_WS_CLOSE_NO_STATUS if the frame carried none), 0 when the server
 *         sent no close frame on the current or last connection.
 */
uint16_t tern_ws_close_status(const tern_ws *ws);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif
