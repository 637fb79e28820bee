/* An example port: a tern_transport over a pair of file descriptors (a pipe each way, a
 * serial line, a socketpair) instead of a socket the library opened itself. docs/porting.md
 * walks through it; tls_over_fds.c runs TLS and MQTT over it. */
#ifndef TERN_FD_TRANSPORT_H
#define TERN_FD_TRANSPORT_H

#include "tern/transport.h"

typedef struct {
    int read_fd;   /* bytes from the peer */
    int write_fd;  /* bytes to the peer */
    int is_open;
} fd_link;

/* Take over read_fd and write_fd (made non-blocking; closed by the transport's close) and
 * fill out with the link's functions. */
void fd_link_init(fd_link *link, int read_fd, int write_fd, tern_transport *out);

#endif
