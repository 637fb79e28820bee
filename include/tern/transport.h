/**
 * @file transport.h
 * @brief The transport seam: how the session engine reaches the network without knowing it.
 *
 * A transport is a struct of function pointers with an opaque context. TCP (tcp.h), TLS over
 * any other transport (tls.h) and the tests' in-memory transport all fill it the same way; a
 * port to lwIP, FreeRTOS+TCP, Zephyr or a modem fills it with its own functions
 * (docs/porting.md walks through one).
 *
 * Rules for every function: it never waits (except wait()), "not now" is a return value;
 * it is called only from the thread that drives the client using the transport, from inside
 * tern_client_poll() and its siblings; it must not call back into that client.
 */
#ifndef TERN_TRANSPORT_H
#define TERN_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A byte stream to the broker, as the engine sees it.
 *
 * The application owns the struct and what ctx points to; the engine keeps a copy of the
 * struct (in tern_client_config) and calls the functions with ctx. open, send, recv and close
 * are required; socket, wants_write and wait may be NULL.
 */
typedef struct tern_transport {
    /** @brief Passed to every function: the transport's own state (a socket, a TLS object). */
    void *ctx;
    /**
     * @brief Start, or continue, opening the connection (the address lives in ctx).
     * @param ctx the transport's context.
     * @return TERN_OK when open; TERN_WOULD_BLOCK while in progress (the engine calls again
     *         when the socket is ready, or later); any other status is a failure after which
     *         the transport is closed (TERN_ERR_DNS, TERN_ERR_CONNECT_REFUSED,
     *         TERN_ERR_TIMEOUT, TERN_ERR_IO, TERN_ERR_TLS_*). Called again after close() to
     *         reconnect.
     */
    tern_status (*open)(void *ctx);
    /**
     * @brief Send up to len bytes.
     * @param ctx the transport's context.
     * @param buf the bytes; only read during the call.
     * @param len how many.
     * @return The count taken (> 0, possibly fewer than len: the engine keeps the rest), 0 if
     *         it would block, or a negated tern_status on failure (-TERN_ERR_CLOSED when the
     *         peer is gone, -TERN_ERR_IO, -TERN_ERR_NOT_CONNECTED). A transport that returned
     *         0 may require the same leading bytes on the next call (TLS does).
     */
    int32_t (*send)(void *ctx, const uint8_t *buf, size_t len);
    /**
     * @brief Receive up to len bytes.
     * @param ctx the transport's context.
     * @param buf where they go.
     * @param len its room.
     * @return The count received (> 0), 0 if nothing is there yet, or a negated tern_status:
     *         -TERN_ERR_CLOSED when the peer closed the connection, -TERN_ERR_IO and others on
     *         failure.
     */
    int32_t (*recv)(void *ctx, uint8_t *buf, size_t len);
    /**
     * @brief Close the connection; safe to call when not open, and more than once.
     * @param ctx the transport's context.
     */
    void (*close)(void *ctx);
    /**
     * @brief The descriptor an external event loop should poll, or -1. Optional (NULL: -1).
     * @param ctx the transport's context.
     * @return A file descriptor, valid until the next open() or close(); -1 when none.
     */
    int (*socket)(void *ctx);
    /**
     * @brief Does the transport itself need to write before it can go on (a connect or a TLS
     *        handshake in progress)? Optional: NULL means never.
     * @param ctx the transport's context.
     * @return Non-zero when the descriptor should be polled for writing.
     */
    int (*wants_write)(void *ctx);
    /**
     * @brief Wait until the connection is readable (or writable when want_write is set) or
     *        timeout_ms passes. Used only by the blocking layer (tern_client_connect_wait,
     *        tern_client_run, tern_client_wait_idle). Optional: NULL means the blocking layer
     *        polls without sleeping.
     * @param ctx        the transport's context.
     * @param want_write also wake when writing is possible.
     * @param timeout_ms the longest wait.
     * @return TERN_OK when ready (or interrupted), TERN_ERR_TIMEOUT when the time passed, an
     *         error otherwise. With nothing open it simply lets the time pass.
     */
    tern_status (*wait)(void *ctx, int want_write, uint32_t timeout_ms);
} tern_transport;

#ifdef __cplusplus
}
#endif

#endif
