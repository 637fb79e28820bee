/* The transport seam: how the session engine reaches the network without knowing it.
 * A transport is a struct of function pointers with an opaque context. TCP (tcp_posix),
 * TLS (tls_wolfssl) and the tests' in-memory transport all fill it the same way. */
#ifndef TERN_TRANSPORT_H
#define TERN_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_transport {
    void *ctx;
    /* Start, or continue, opening the connection (the address lives in ctx).
     * TERN_OK when open; TERN_WOULD_BLOCK while in progress (call again when the socket is
     * ready or later); any other status is a failure and the transport is closed. */
    tern_status (*open)(void *ctx);
    /* Send up to len bytes. Returns the count sent (> 0), 0 if it would block, or a negated
     * tern_status (e.g. -TERN_ERR_CLOSED) on failure. */
    int32_t (*send)(void *ctx, const uint8_t *buf, size_t len);
    /* Receive up to len bytes. Returns the count received (> 0), 0 if it would block, or a
     * negated tern_status: -TERN_ERR_CLOSED when the peer closed the connection. */
    int32_t (*recv)(void *ctx, uint8_t *buf, size_t len);
    /* Close the connection; safe to call when not open. */
    void (*close)(void *ctx);
    /* The descriptor an event loop should poll, or -1 (optional: may be NULL). */
    int (*socket)(void *ctx);
    /* Does the transport itself need to write before it can go on (e.g. a TLS handshake)?
     * Optional: NULL means no. */
    int (*wants_write)(void *ctx);
    /* Wait until the connection is readable (or writable when want_write is set) or
     * timeout_ms passes; used only by the blocking convenience layer. Returns TERN_OK when
     * ready, TERN_ERR_TIMEOUT when the time passed, an error otherwise. Optional: NULL means the
     * blocking layer sleeps by polling. */
    tern_status (*wait)(void *ctx, int want_write, uint32_t timeout_ms);
} tern_transport;

#ifdef __cplusplus
}
#endif

#endif
