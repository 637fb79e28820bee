/* POSIX TCP transport: host names through getaddrinfo, IPv4 and IPv6, non-blocking connect
 * with a timeout, TCP_NODELAY. Knows nothing of MQTT. */
#ifndef TERN_TCP_H
#define TERN_TCP_H

#include <stdint.h>

#include "tern/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

struct addrinfo;

typedef struct {
    const char *host;              /* not copied: must outlive the transport */
    struct addrinfo *addrs;        /* resolved list, freed when the connection is up or fails */
    struct addrinfo *next_addr;    /* the address being tried */
    uint64_t attempt_started_ms;
    uint32_t connect_timeout_ms;   /* per address */
    int fd;
    int last_errno;                /* errno of the last failure, for messages */
    uint16_t port;
    uint8_t state;                 /* tern_tcp_state */
} tern_tcp;

/* Prepare a TCP transport to host:port; nothing happens on the network yet. */
void tern_tcp_init(tern_tcp *tcp, const char *host, uint16_t port, uint32_t connect_timeout_ms);

/* Fill a tern_transport whose context is tcp. */
void tern_tcp_transport(tern_tcp *tcp, tern_transport *out);

/* The descriptor of an open or opening connection, -1 otherwise. */
int tern_tcp_fd(const tern_tcp *tcp);

#ifdef __cplusplus
}
#endif

#endif
