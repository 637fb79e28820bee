/* A transport of your own: the session engine reaches the network only through the function
 * pointers of a tern_transport, so any byte stream will do (a UART, lwIP, a modem's socket
 * API). This one is a small non-blocking POSIX socket to a numeric IPv4 address, written
 * here from scratch rather than taken from tern_tcp, to show what a port has to provide.
 * It publishes one QoS 1 message and waits for its PUBACK.
 *
 *   custom_transport IPV4-ADDRESS PORT TOPIC MESSAGE */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tern/client.h"

typedef struct {
    struct sockaddr_in addr;
    int fd;
    int connecting;
} my_socket;

static tern_status my_open(void *ctx)
{
    my_socket *s = ctx;
    if (s->fd < 0) {
        s->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (s->fd < 0) return TERN_ERR_IO;
        fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
        if (connect(s->fd, (const struct sockaddr *)&s->addr, sizeof s->addr) == 0) return TERN_OK;
        if (errno != EINPROGRESS) return TERN_ERR_CONNECT_REFUSED;
        s->connecting = 1;
        return TERN_WOULD_BLOCK;
    }
    /* Connecting: done when the socket is writable; SO_ERROR says how it went. */
    struct pollfd p = {.fd = s->fd, .events = POLLOUT};
    if (poll(&p, 1, 0) == 0) return TERN_WOULD_BLOCK;
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    s->connecting = 0;
    return err == 0 ? TERN_OK : TERN_ERR_CONNECT_REFUSED;
}

static int32_t my_send(void *ctx, const uint8_t *buf, size_t len)
{
    my_socket *s = ctx;
    ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0) return (int32_t)n;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -(int32_t)TERN_ERR_IO;
}

static int32_t my_recv(void *ctx, uint8_t *buf, size_t len)
{
    my_socket *s = ctx;
    ssize_t n = recv(s->fd, buf, len, 0);
    if (n > 0) return (int32_t)n;
    if (n == 0) return -(int32_t)TERN_ERR_CLOSED;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -(int32_t)TERN_ERR_IO;
}

static void my_close(void *ctx)
{
    my_socket *s = ctx;
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    s->connecting = 0;
}

static int my_fd(void *ctx) { return ((my_socket *)ctx)->fd; }

/* Only the blocking layer (tern_client_connect_wait, _run, _wait_idle) calls this. */
static tern_status my_wait(void *ctx, int want_write, uint32_t timeout_ms)
{
    my_socket *s = ctx;
    struct pollfd p = {.fd = s->fd, .events = (short)(POLLIN | (want_write || s->connecting ? POLLOUT : 0))};
    int n = poll(&p, 1, (int)timeout_ms);
    return n > 0 ? TERN_OK : n == 0 ? TERN_ERR_TIMEOUT : TERN_ERR_IO;
}

static uint32_t now_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s IPV4-ADDRESS PORT TOPIC MESSAGE\n", argv[0]);
        return 2;
    }
    my_socket sock = {.fd = -1};
    sock.addr.sin_family = AF_INET;
    sock.addr.sin_port = htons((uint16_t)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &sock.addr.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", argv[1]);
        return 2;
    }
    static uint8_t tx[1024], rx[1024], slot[512];
    static tern_inflight inflight = {.packet = slot, .cap = sizeof slot};
    static uint16_t qos2_ids[4];
    tern_client_config cfg = {.now_ms = now_ms, .tx = tx, .tx_cap = sizeof tx, .rx = rx,
                              .rx_cap = sizeof rx, .inflight = &inflight, .inflight_count = 1,
                              .inbound_qos2 = qos2_ids, .inbound_qos2_count = 4};
    cfg.transport = (tern_transport){.ctx = &sock, .open = my_open, .send = my_send,
                                     .recv = my_recv, .close = my_close, .socket = my_fd,
                                     .wait = my_wait};
    tern_connect_options opts = {.version = TERN_MQTT_311, .client_id = TERN_LIT("custom-transport"),
                                 .clean_start = 1, .keep_alive = 30};
    tern_publish msg = {.topic = tern_str(argv[3]), .payload = tern_str(argv[4]), .qos = 1};

    tern_client client;
    tern_status st = tern_client_init(&client, &cfg);
    if (st == TERN_OK) st = tern_client_connect_wait(&client, &opts, 5000);
    if (st == TERN_OK) st = tern_client_publish(&client, &msg, NULL);
    if (st == TERN_OK) st = tern_client_wait_idle(&client, 5000);
    if (st != TERN_OK) {
        fprintf(stderr, "custom_transport: %s\n", tern_status_str(st));
        return 1;
    }
    tern_client_disconnect(&client, 0);
    puts("published over my own transport");
    return 0;
}
