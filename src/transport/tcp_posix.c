/* POSIX TCP transport. open() is a small state machine so that a non-blocking client can
 * call it again and again: resolve, then try each address with a non-blocking connect and a
 * per-address timeout. DNS resolution itself blocks (getaddrinfo has no portable async form). */
#define _POSIX_C_SOURCE 200809L
#include "tern/tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { TCP_IDLE, TCP_CONNECTING, TCP_OPEN };

static uint64_t tcp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint32_t tern_posix_now_ms(void *clock_ctx)
{
    (void)clock_ctx;
    return (uint32_t)tcp_now_ms(); /* the engine compares wrapped differences */
}

static void tcp_close(void *ctx)
{
    tern_tcp *tcp = ctx;
    if (tcp->fd >= 0) close(tcp->fd);
    tcp->fd = -1;
    if (tcp->addrs) freeaddrinfo(tcp->addrs);
    tcp->addrs = NULL;
    tcp->next_addr = NULL;
    tcp->state = TCP_IDLE;
}

static tern_status tcp_resolve(tern_tcp *tcp)
{
    struct addrinfo hints;
    char port[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    snprintf(port, sizeof port, "%u", (unsigned)tcp->port);
    int rc = getaddrinfo(tcp->host, port, &hints, &tcp->addrs);
    if (rc != 0 && rc != EAI_AGAIN && rc != EAI_SYSTEM) {
        hints.ai_flags = 0; /* AI_ADDRCONFIG hides loopback-only setups; retry without it */
        rc = getaddrinfo(tcp->host, port, &hints, &tcp->addrs);
    }
    if (rc != 0) {
        tcp->last_errno = rc == EAI_SYSTEM ? errno : 0;
        return TERN_ERR_DNS;
    }
    tcp->next_addr = tcp->addrs;
    return TERN_OK;
}

/* Start a non-blocking connect to the current address. */
static tern_status tcp_start_attempt(tern_tcp *tcp)
{
    const struct addrinfo *ai = tcp->next_addr;
    tcp->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (tcp->fd < 0) {
        tcp->last_errno = errno;
        return TERN_ERR_IO;
    }
    int flags = fcntl(tcp->fd, F_GETFL, 0);
    fcntl(tcp->fd, F_SETFL, flags | O_NONBLOCK);
    tcp->attempt_started_ms = tcp_now_ms();
    if (connect(tcp->fd, ai->ai_addr, ai->ai_addrlen) == 0) return TERN_OK;
    if (errno == EINPROGRESS) return TERN_WOULD_BLOCK;
    tcp->last_errno = errno;
    return errno == ECONNREFUSED ? TERN_ERR_CONNECT_REFUSED : TERN_ERR_IO;
}

/* Has the connect in progress finished? */
static tern_status tcp_check_attempt(tern_tcp *tcp)
{
    struct pollfd pfd = {tcp->fd, POLLOUT, 0};
    if (poll(&pfd, 1, 0) == 0) {
        if (tcp_now_ms() - tcp->attempt_started_ms < tcp->connect_timeout_ms) return TERN_WOULD_BLOCK;
        tcp->last_errno = ETIMEDOUT;
        return TERN_ERR_TIMEOUT;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(tcp->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == 0) return TERN_OK;
    tcp->last_errno = err;
    return err == ECONNREFUSED ? TERN_ERR_CONNECT_REFUSED : TERN_ERR_IO;
}

static void tcp_connected(tern_tcp *tcp)
{
    int one = 1;
    setsockopt(tcp->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    freeaddrinfo(tcp->addrs);
    tcp->addrs = NULL;
    tcp->next_addr = NULL;
    tcp->state = TCP_OPEN;
}

static tern_status tcp_open(void *ctx)
{
    tern_tcp *tcp = ctx;
    if (tcp->state == TCP_OPEN) return TERN_OK;
    tern_status st;
    if (tcp->state == TCP_IDLE) {
        tcp->last_errno = 0;
        st = tcp_resolve(tcp);
        if (st != TERN_OK) return st;
        tcp->state = TCP_CONNECTING;
        st = tcp_start_attempt(tcp);
    } else {
        st = tcp_check_attempt(tcp);
    }
    /* On failure move on to the next address; the last failure is the one reported. */
    while (st != TERN_OK && st != TERN_WOULD_BLOCK && tcp->next_addr->ai_next != NULL) {
        close(tcp->fd);
        tcp->fd = -1;
        tcp->next_addr = tcp->next_addr->ai_next;
        st = tcp_start_attempt(tcp);
    }
    if (st == TERN_OK) tcp_connected(tcp);
    else if (st != TERN_WOULD_BLOCK) {
        int saved = tcp->last_errno;
        tcp_close(tcp);
        tcp->last_errno = saved;
    }
    return st;
}

static int32_t tcp_io_error(tern_tcp *tcp)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    tcp->last_errno = errno;
    if (errno == EPIPE || errno == ECONNRESET) return -(int32_t)TERN_ERR_CLOSED;
    return -(int32_t)TERN_ERR_IO;
}

static int32_t tcp_send(void *ctx, const uint8_t *buf, size_t len)
{
    tern_tcp *tcp = ctx;
    if (tcp->state != TCP_OPEN) return -(int32_t)TERN_ERR_NOT_CONNECTED;
    if (len > INT32_MAX) len = INT32_MAX;
    ssize_t n = send(tcp->fd, buf, len, MSG_NOSIGNAL);
    return n >= 0 ? (int32_t)n : tcp_io_error(tcp);
}

static int32_t tcp_recv(void *ctx, uint8_t *buf, size_t len)
{
    tern_tcp *tcp = ctx;
    if (tcp->state != TCP_OPEN) return -(int32_t)TERN_ERR_NOT_CONNECTED;
    if (len > INT32_MAX) len = INT32_MAX;
    ssize_t n = recv(tcp->fd, buf, len, 0);
    if (n == 0 && len > 0) return -(int32_t)TERN_ERR_CLOSED;
    return n >= 0 ? (int32_t)n : tcp_io_error(tcp);
}

static int tcp_socket(void *ctx) { return ((tern_tcp *)ctx)->fd; }

static int tcp_wants_write(void *ctx) { return ((tern_tcp *)ctx)->state == TCP_CONNECTING; }

static tern_status tcp_wait(void *ctx, int want_write, uint32_t timeout_ms)
{
    tern_tcp *tcp = ctx;
    int timeout = timeout_ms > INT32_MAX ? INT32_MAX : (int)timeout_ms;
    if (tcp->fd < 0) { /* nothing to watch (e.g. waiting to reconnect): just let time pass */
        poll(NULL, 0, timeout);
        return TERN_ERR_TIMEOUT;
    }
    struct pollfd pfd = {tcp->fd, (short)(want_write ? POLLIN | POLLOUT : POLLIN), 0};
    int rc = poll(&pfd, 1, timeout);
    if (rc > 0) return TERN_OK;
    if (rc == 0) return TERN_ERR_TIMEOUT;
    if (errno == EINTR) return TERN_OK;
    tcp->last_errno = errno;
    return TERN_ERR_IO;
}

void tern_tcp_init(tern_tcp *tcp, const char *host, uint16_t port, uint32_t connect_timeout_ms)
{
    memset(tcp, 0, sizeof *tcp);
    tcp->host = host;
    tcp->port = port;
    tcp->connect_timeout_ms = connect_timeout_ms ? connect_timeout_ms : 10000u;
    tcp->fd = -1;
}

void tern_tcp_transport(tern_tcp *tcp, tern_transport *out)
{
    memset(out, 0, sizeof *out);
    out->ctx = tcp;
    out->open = tcp_open;
    out->send = tcp_send;
    out->recv = tcp_recv;
    out->close = tcp_close;
    out->socket = tcp_socket;
    out->wants_write = tcp_wants_write;
    out->wait = tcp_wait;
}

int tern_tcp_fd(const tern_tcp *tcp) { return tcp->fd; }
