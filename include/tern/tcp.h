/**
 * @file tcp.h
 * @brief POSIX TCP transport: host names through getaddrinfo, IPv4 and IPv6, non-blocking
 *        connect with a per-address timeout, TCP_NODELAY. Knows nothing of MQTT.
 *
 * Linux and other POSIX systems only (src/transport/tcp_posix.c); a device port writes its
 * own transport instead (docs/porting.md). Name resolution blocks: getaddrinfo has no
 * portable asynchronous form. One thread per tern_tcp.
 */
#ifndef TERN_TCP_H
#define TERN_TCP_H

#include <stdint.h>

#include "tern/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The public API: what libtern.so exports (the library is built with -fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

struct addrinfo;

/**
 * @brief A TCP connection to one host and port. The application owns it (static, on the
 *        stack or in its own struct); fields are private except where noted.
 */
typedef struct {
    const char *host;              /**< the host to connect to; not copied: must outlive the transport */
    struct addrinfo *addrs;        /**< resolved list, freed when the connection is up or fails */
    struct addrinfo *next_addr;    /**< the address being tried */
    uint64_t attempt_started_ms;   /**< when the connect to next_addr started */
    uint32_t connect_timeout_ms;   /**< per address */
    int fd;                        /**< the socket, -1 when none (see tern_tcp_fd) */
    int last_errno;                /**< errno of the last failure, for messages (readable by the application) */
    uint16_t port;                 /**< the port to connect to */
    uint8_t state;                 /**< idle, connecting or open */
} tern_tcp;

/**
 * @brief Prepare a TCP transport to host:port; nothing happens on the network yet.
 * @param tcp                the transport to prepare (overwritten).
 * @param host               host name or IP literal; not copied, must outlive tcp.
 * @param port               TCP port.
 * @param connect_timeout_ms the longest wait for each address's connect; 0: 10 s.
 * @note Not from a callback of a client that uses tcp.
 */
void tern_tcp_init(tern_tcp *tcp, const char *host, uint16_t port, uint32_t connect_timeout_ms);

/**
 * @brief Fill a tern_transport whose context is tcp (every function, wait included).
 * @param tcp the transport, after tern_tcp_init; must outlive every use of out.
 * @param out the function table to fill.
 */
void tern_tcp_transport(tern_tcp *tcp, tern_transport *out);

/**
 * @brief The descriptor of an open or opening connection.
 * @param tcp the transport.
 * @return The socket, or -1 when there is none. May be called from callbacks.
 */
int tern_tcp_fd(const tern_tcp *tcp);

/**
 * @brief A monotonic millisecond clock for tern_client_config.now_ms on POSIX systems
 *        (CLOCK_MONOTONIC): `cfg.now_ms = tern_posix_now_ms`.
 * @param clock_ctx not used (tern_client_config.clock_ctx may be NULL).
 * @return Milliseconds from an arbitrary start; wraps after about 49 days, which the engine
 *         expects. Thread-safe; may be called from callbacks.
 */
uint32_t tern_posix_now_ms(void *clock_ctx);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif
