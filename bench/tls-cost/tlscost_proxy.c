/* The delaying proxy of tls-cost --delay-ms: this kernel has no netem, so a child process
 * forwards 127.0.0.1:proxy_port to host:port for each listener, holding every chunk it reads
 * for delay_ms before writing it on (both ways), so that a round trip costs 2 * delay_ms. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tlscost.h"

#define MAX_PAIRS 16
#define CHUNK 16384

typedef struct chunk {
    struct chunk *next;
    double due;
    size_t len;            /* 0: the reader saw end of file; shut the writer down */
    unsigned char data[];
} chunk;

typedef struct {
    int from, to;          /* read from, write to */
    int eof;               /* nothing more will be read */
    int done;              /* the writer has been shut down */
    chunk *head, *tail;
} direction;

typedef struct {
    int used;
    direction dir[2];      /* client to server, server to client */
} pair;

static pair pairs[MAX_PAIRS];

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int listen_on(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static int connect_to(const char *host, uint16_t port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    if (getaddrinfo(host, service, &hints, &res) != 0) return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

static void nodelay(int fd)
{
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void accept_pair(int listener, const char *host, uint16_t port)
{
    int c = accept(listener, NULL, NULL);
    if (c < 0) return;
    int s = connect_to(host, port);
    pair *p = NULL;
    for (int i = 0; i < MAX_PAIRS && !p; i++)
        if (!pairs[i].used) p = &pairs[i];
    if (s < 0 || !p) {
        close(c);
        if (s >= 0) close(s);
        return;
    }
    nodelay(c);
    nodelay(s);
    memset(p, 0, sizeof *p);
    p->used = 1;
    p->dir[0].from = p->dir[1].to = c;
    p->dir[0].to = p->dir[1].from = s;
}

static void enqueue(direction *d, const unsigned char *data, size_t len, int delay_ms)
{
    chunk *k = malloc(sizeof *k + len);
    if (!k) exit(1);
    k->next = NULL;
    k->due = now_ms() + delay_ms;
    k->len = len;
    if (len) memcpy(k->data, data, len);
    if (d->tail) d->tail->next = k;
    else d->head = k;
    d->tail = k;
}

static void read_from(direction *d, int delay_ms)
{
    static unsigned char buf[CHUNK];
    ssize_t n = read(d->from, buf, sizeof buf);
    if (n > 0) {
        enqueue(d, buf, (size_t)n, delay_ms);
        return;
    }
    d->eof = 1;
    enqueue(d, buf, 0, delay_ms);
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write out what is due; returns the ms until the next chunk is due, or -1. */
static int flush_due(direction *d)
{
    double now = now_ms();
    while (d->head && d->head->due <= now) {
        chunk *k = d->head;
        if (!k->len || write_all(d->to, k->data, k->len) != 0) {
            (void)shutdown(d->to, SHUT_WR);
            d->done = d->eof = 1;
        }
        d->head = k->next;
        if (!d->head) d->tail = NULL;
        free(k);
    }
    return d->head ? (int)(d->head->due - now) + 1 : -1;
}

static void close_pair(pair *p)
{
    for (int i = 0; i < 2; i++)
        while (p->dir[i].head) {
            chunk *k = p->dir[i].head;
            p->dir[i].head = k->next;
            free(k);
        }
    close(p->dir[0].from);
    close(p->dir[0].to);
    p->used = 0;
}

/* Flush what is due and close finished pairs; the poll timeout until the next due chunk. */
static int service(void)
{
    int timeout = -1;
    for (int i = 0; i < MAX_PAIRS; i++) {
        if (!pairs[i].used) continue;
        for (int j = 0; j < 2; j++) {
            int t = flush_due(&pairs[i].dir[j]);
            if (t >= 0 && (timeout < 0 || t < timeout)) timeout = t;
        }
        if (pairs[i].dir[0].done && pairs[i].dir[1].done) close_pair(&pairs[i]);
    }
    return timeout;
}

static void proxy_loop(const char *host, const uint16_t ports[TC_ROLES], const int listeners[TC_ROLES],
                       int delay_ms)
{
    struct pollfd fds[TC_ROLES + 2 * MAX_PAIRS];
    direction *dirs[TC_ROLES + 2 * MAX_PAIRS];
    for (;;) {
        int timeout = service(), n = 0;
        for (int i = 0; i < TC_ROLES; i++) {
            if (listeners[i] < 0) continue;
            dirs[n] = NULL;
            fds[n++] = (struct pollfd){.fd = listeners[i], .events = POLLIN};
        }
        for (int i = 0; i < MAX_PAIRS; i++)
            for (int j = 0; pairs[i].used && j < 2; j++) {
                if (pairs[i].dir[j].eof) continue;
                dirs[n] = &pairs[i].dir[j];
                fds[n++] = (struct pollfd){.fd = pairs[i].dir[j].from, .events = POLLIN};
            }
        if (poll(fds, (nfds_t)n, timeout) < 0) continue;
        for (int i = 0; i < n; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            if (dirs[i]) {
                read_from(dirs[i], delay_ms);
                continue;
            }
            for (int r = 0; r < TC_ROLES; r++)
                if (listeners[r] == fds[i].fd) accept_pair(fds[i].fd, host, ports[r]);
        }
    }
}

int tc_proxy_start(const char *host, const uint16_t ports[TC_ROLES], uint16_t proxy_ports[TC_ROLES],
                   int delay_ms)
{
    int listeners[TC_ROLES];
    for (int i = 0; i < TC_ROLES; i++) {
        listeners[i] = -1;
        proxy_ports[i] = 0;
        if (ports[i] && (listeners[i] = listen_on(&proxy_ports[i])) < 0) return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_IGN);
        proxy_loop(host, ports, listeners, delay_ms);
        _exit(0);
    }
    for (int i = 0; i < TC_ROLES; i++)
        if (listeners[i] >= 0) close(listeners[i]);
    return pid > 0 ? (int)pid : -1;
}

void tc_proxy_stop(int pid)
{
    if (pid <= 0) return;
    kill((pid_t)pid, SIGTERM);
    (void)waitpid((pid_t)pid, NULL, 0);
}
