/* Shared by the three benchmark programs: the command line, the clock, the result line.
 *
 *   bench_X --port P --qos Q --count N [--mode pub|e2e] [--window W] [--host H]
 *
 * pub: publish N messages of 64 bytes at QoS Q to 127.0.0.1:P (MQTT 3.1.1), never more
 *      than W (default 100) unacknowledged, wait until all are acknowledged, disconnect.
 * e2e: the same client also subscribes (at QoS Q) to the topic it publishes on and the run
 *      ends when all N have come back; at most W are published and not yet received.
 * Prints one line: lib=X mode=M qos=Q msgs=N received=R seconds=S msgs_per_s=R rss_kb=K
 * (seconds: from after CONNACK (and SUBACK) to the last acknowledgement / arrival; rss_kb:
 * this process's peak resident set, VmHWM. The parent's ru_maxrss for a child would count the
 * memory of the process that forked it.) */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_PAYLOAD_LEN 64

typedef struct {
    const char *host;
    int port;
    int qos;
    long count;
    long window;
    int e2e;
    long timeout_s;
    char topic[64];
    char client_id[64];
    unsigned char payload[BENCH_PAYLOAD_LEN];
} bench_args;

static int bench_parse(bench_args *a, int argc, char **argv, const char *lib)
{
    memset(a, 0, sizeof *a);
    a->host = "127.0.0.1";
    a->port = 1883;
    a->qos = 0;
    a->count = 20000;
    a->window = 100;
    a->timeout_s = 120;
    for (int i = 1; i < argc; i += 2) { /* every option takes a value */
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) goto usage;
        if (!strcmp(o, "--port")) a->port = atoi(v);
        else if (!strcmp(o, "--host")) a->host = v;
        else if (!strcmp(o, "--qos")) a->qos = atoi(v);
        else if (!strcmp(o, "--count")) a->count = atol(v);
        else if (!strcmp(o, "--window")) a->window = atol(v);
        else if (!strcmp(o, "--timeout")) a->timeout_s = atol(v);
        else if (!strcmp(o, "--mode")) {
            if (!strcmp(v, "e2e")) a->e2e = 1;
            else if (strcmp(v, "pub") != 0) goto usage;
        } else goto usage;
    }
    if (a->qos < 0 || a->qos > 2 || a->count <= 0 || a->window <= 0 || a->port <= 0 ||
        a->port > 65535)
        goto usage;
    snprintf(a->topic, sizeof a->topic, "bench/%s/%ld", lib, (long)getpid());
    snprintf(a->client_id, sizeof a->client_id, "bench-%s-%ld", lib, (long)getpid());
    for (size_t i = 0; i < BENCH_PAYLOAD_LEN; i++) a->payload[i] = (unsigned char)('a' + i % 26);
    return 0;
usage:
    fprintf(stderr,
            "usage: %s --port P --qos 0|1|2 --count N [--mode pub|e2e] [--window W] "
            "[--host H] [--timeout S]\n",
            argv[0]);
    return -1;
}

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmHWM from /proc/self/status in kB, -1 if unknown. read(2) into a static buffer: no
 * malloc, so the heap counts stay the library's own. */
static long bench_peak_rss_kb(void)
{
    static char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    const char *p = strstr(buf, "VmHWM:");
    return p ? atol(p + 6) : -1;
}

static void bench_report(const char *lib, const bench_args *a, long received, double seconds)
{
    long rss = bench_peak_rss_kb();
    printf("lib=%s mode=%s qos=%d msgs=%ld received=%ld seconds=%.6f msgs_per_s=%.1f rss_kb=%ld\n",
           lib, a->e2e ? "e2e" : "pub", a->qos, a->count, received, seconds,
           seconds > 0 ? (double)a->count / seconds : 0.0, rss);
    fflush(stdout);
}

#endif
