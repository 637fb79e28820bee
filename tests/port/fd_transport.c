/* The five things a port provides, over two file descriptors. Every function returns at once:
 * "would block" is a 0 from send/recv, never a wait. */
#define _POSIX_C_SOURCE 200809L
#include "fd_transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

/* The descriptors exist before the transport does: opening is only allowed once, since a
 * pipe cannot be re-dialled (a real port connects its TCP socket here, step by step). */
static tern_status fd_open(void *ctx)
{
    fd_link *link = ctx;
    if (link->read_fd < 0 || link->write_fd < 0) return TERN_ERR_CONNECT_REFUSED;
    link->is_open = 1;
    return TERN_OK;
}

/* errno after a failed read or write: would block (0), the peer went away, or an error. */
static int32_t fd_error(void)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    return errno == EPIPE ? -(int32_t)TERN_ERR_CLOSED : -(int32_t)TERN_ERR_IO;
}

static int32_t fd_send(void *ctx, const uint8_t *buf, size_t len)
{
    fd_link *link = ctx;
    if (!link->is_open) return -(int32_t)TERN_ERR_NOT_CONNECTED;
    ssize_t n = write(link->write_fd, buf, len > INT32_MAX ? INT32_MAX : len);
    return n >= 0 ? (int32_t)n : fd_error();
}

static int32_t fd_recv(void *ctx, uint8_t *buf, size_t len)
{
    fd_link *link = ctx;
    if (!link->is_open) return -(int32_t)TERN_ERR_NOT_CONNECTED;
    ssize_t n = read(link->read_fd, buf, len > INT32_MAX ? INT32_MAX : len);
    if (n == 0 && len > 0) return -(int32_t)TERN_ERR_CLOSED; /* end of file: the peer closed */
    return n >= 0 ? (int32_t)n : fd_error();
}

static void fd_close(void *ctx)
{
    fd_link *link = ctx;
    if (link->read_fd >= 0) close(link->read_fd);
    if (link->write_fd >= 0 && link->write_fd != link->read_fd) close(link->write_fd);
    link->read_fd = link->write_fd = -1;
    link->is_open = 0;
}

static int fd_socket(void *ctx) { return ((fd_link *)ctx)->read_fd; }

/* Only for the blocking layer: sleep until there is something to read (or room to write). */
static tern_status fd_wait(void *ctx, int want_write, uint32_t timeout_ms)
{
    fd_link *link = ctx;
    struct pollfd fds[2] = {{link->read_fd, POLLIN, 0}, {link->write_fd, POLLOUT, 0}};
    int rc = poll(fds, want_write ? 2 : 1, timeout_ms > INT32_MAX ? INT32_MAX : (int)timeout_ms);
    if (rc > 0 || (rc < 0 && errno == EINTR)) return TERN_OK;
    return rc == 0 ? TERN_ERR_TIMEOUT : TERN_ERR_IO;
}

void fd_link_init(fd_link *link, int read_fd, int write_fd, tern_transport *out)
{
    link->read_fd = read_fd;
    link->write_fd = write_fd;
    link->is_open = 0;
    fcntl(read_fd, F_SETFL, fcntl(read_fd, F_GETFL, 0) | O_NONBLOCK);
    fcntl(write_fd, F_SETFL, fcntl(write_fd, F_GETFL, 0) | O_NONBLOCK);
    out->ctx = link;
    out->open = fd_open;
    out->send = fd_send;
    out->recv = fd_recv;
    out->close = fd_close;
    out->socket = fd_socket;
    out->wants_write = NULL; /* nothing to finish before it can carry bytes */
    out->wait = fd_wait;
}
