/* tern tls-cost: each mode against the broker's listeners, repeated; medians reported as a
 * table, JSON and an SVG chart. Without -h it runs scripts/tls_cost_env.py, which generates
 * certificates, starts a mosquitto with the listeners every mode needs and runs this command
 * again against it. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlscost.h"

#define MAX_REPEAT 100

#ifndef TERN_TLS_COST_ENV_SCRIPT
#define TERN_TLS_COST_ENV_SCRIPT "scripts/tls_cost_env.py"
#endif

static const char usage[] =
    "usage: tern tls-cost [options]\n"
    "  Connects in every mode and reports bytes and round trips to CONNACK, time to CONNACK\n"
    "  (also through a delaying proxy), CPU time and instructions, peak heap, and TLS record\n"
    "  overhead per PUBLISH. Without -h: starts its own mosquitto with generated certificates.\n"
    "  -h host -p port       plain MQTT listener (port 1883)\n"
    "  --tls-port p          TLS listener, certificate from --cafile's CA (8883)\n"
    "  --rsa-port p          TLS listener with an RSA certificate (RSA modes skipped without)\n"
    "  --psk-port p          TLS-PSK listener (PSK modes skipped without --psk)\n"
    "  --cafile f  --psk hex  --psk-identity id\n"
    "  --delay-ms d          also measure through a proxy adding d ms each way (0: not)\n"
    "  --repeat n            connections per mode; medians reported (5)\n"
    "  --payload-size s      PUBLISH payload for the record overhead (64)  --publishes n (20)\n"
    "  --json file|-         write the results as JSON   --svg file  write the chart\n"
    "  --no-instructions     skip the callgrind runs     --only mode   one mode\n"
    "  --quick               1 connection per mode, 5 PUBLISHes, no callgrind\n"
    "  -V 311|5              MQTT version (311)\n";

static int number(const char *s, long lo, long hi, int *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

static int port_arg(const char *s, uint16_t *out)
{
    int v;
    if (number(s, 1, 65535, &v) != 0) return -1;
    *out = (uint16_t)v;
    return 0;
}

static void defaults(tc_options *o)
{
    memset(o, 0, sizeof *o);
    o->ports[TC_PLAIN] = 1883;
    o->ports[TC_EC] = 8883;
    o->version = 4;
    o->repeat = 5;
    o->publishes = 20;
    o->payload_size = 64;
    o->instructions = 1;
    o->broker = "";
}

/* One option with a value; 1 when it was one of these, -1 when its value is bad. */
static int value_option(tc_options *o, const char *f, const char *v, int *quick)
{
    (void)quick;
    int ok = 0;
    if (!strcmp(f, "-h")) o->host = v;
    else if (!strcmp(f, "-p")) ok = port_arg(v, &o->ports[TC_PLAIN]);
    else if (!strcmp(f, "--tls-port")) ok = port_arg(v, &o->ports[TC_EC]);
    else if (!strcmp(f, "--rsa-port")) ok = port_arg(v, &o->ports[TC_RSA]);
    else if (!strcmp(f, "--psk-port")) ok = port_arg(v, &o->ports[TC_PSK]);
    else if (!strcmp(f, "--cafile")) o->cafile = v;
    else if (!strcmp(f, "--psk")) o->psk = v;
    else if (!strcmp(f, "--psk-identity")) o->psk_identity = v;
    else if (!strcmp(f, "--broker")) o->broker = v;
    else if (!strcmp(f, "--only")) ok = tc_find_mode(v) ? (o->only = v, 0) : -1;
    else if (!strcmp(f, "--json")) o->json = v;
    else if (!strcmp(f, "--svg")) o->svg = v;
    else if (!strcmp(f, "--callgrind-child")) ok = tc_find_mode(v) ? (o->callgrind_child = v, 0) : -1;
    else if (!strcmp(f, "--delay-ms")) ok = number(v, 0, 10000, &o->delay_ms);
    else if (!strcmp(f, "--repeat")) ok = number(v, 1, MAX_REPEAT, &o->repeat);
    else if (!strcmp(f, "--publishes")) ok = number(v, 0, 100000, &o->publishes);
    else if (!strcmp(f, "--payload-size")) ok = number(v, 0, 4096, &o->payload_size);
    else if (!strcmp(f, "-V")) ok = !strcmp(v, "5") || !strcmp(v, "mqttv5") ? (o->version = 5, 0)
                                    : !strcmp(v, "311") || !strcmp(v, "mqttv311") ? (o->version = 4, 0) : -1;
    else return 0;
    return ok == 0 ? 1 : -1;
}

/* 0: usable; 1: --help; -1: bad (message printed). */
static int parse(tc_options *o, int argc, char **argv)
{
    defaults(o);
    int quick = 0;
    for (int i = 0; i < argc; i++) {
        const char *f = argv[i];
        if (!strcmp(f, "--help")) return 1;
        if (!strcmp(f, "--quick")) { quick = 1; continue; }
        if (!strcmp(f, "--no-instructions")) { o->instructions = 0; continue; }
        int r = i + 1 < argc ? value_option(o, f, argv[i + 1], &quick) : 0;
        if (r == 1) { i++; continue; }
        fprintf(stderr, "tern tls-cost: %s '%s'\n", r < 0 ? "bad value for" : "unknown option or missing value:", f);
        return -1;
    }
    if (quick) {
        o->repeat = 1;
        o->publishes = 5;
        o->instructions = 0;
    }
    if (o->psk && !o->psk_identity) {
        fprintf(stderr, "tern tls-cost: --psk needs --psk-identity\n");
        return -1;
    }
    if (!o->psk) o->ports[TC_PSK] = 0;
    else if (!o->ports[TC_PSK]) o->ports[TC_PSK] = o->ports[TC_EC];
    return 0;
}

/* No -h: the environment script starts the broker and calls us back with its listeners. */
static int run_own_broker(const char *argv0, int argc, char **argv)
{
    const char *script = getenv("TERN_TLS_COST_ENV");
    if (!script) script = TERN_TLS_COST_ENV_SCRIPT;
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    self[len > 0 ? len : 0] = 0;
    char **args = calloc((size_t)argc + 4, sizeof *args);
    if (!args) return 1;
    args[0] = (char *)(uintptr_t)"python3";
    args[1] = (char *)(uintptr_t)script;
    args[2] = len > 0 ? self : (char *)(uintptr_t)argv0;
    for (int i = 0; i < argc; i++) args[3 + i] = argv[i];
    execvp(args[0], args);
    fprintf(stderr, "tern tls-cost: cannot run python3 %s to start a broker; give -h\n", script);
    free(args);
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    if (n <= 0) return -1;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum { F_SENT, F_RECEIVED, F_RTT, F_MS, F_CPU, F_HEAP, F_HEAP_CONN, F_OVERHEAD };

static double field(const tc_sample *s, int which)
{
    switch (which) {
    case F_SENT: return (double)s->sent;
    case F_RECEIVED: return (double)s->received;
    case F_RTT: return s->round_trips;
    case F_MS: return s->ms;
    case F_CPU: return s->cpu_ms;
    case F_HEAP: return (double)s->heap_peak;
    case F_HEAP_CONN: return (double)s->heap_conn;
    default: return s->overhead;
    }
}

static double median_of(const tc_sample *s, int n, int which)
{
    static double col[MAX_REPEAT];
    for (int i = 0; i < n; i++) col[i] = field(&s[i], which);
    return median(col, n);
}

/* Medians of the numbers; the strings (version, cipher...) of the last connection. */
static void summarise(tc_result *r, const tc_sample *s, int n)
{
    r->s = s[n - 1];
    r->s.sent = (uint64_t)median_of(s, n, F_SENT);
    r->s.received = (uint64_t)median_of(s, n, F_RECEIVED);
    r->s.round_trips = (unsigned)median_of(s, n, F_RTT);
    r->s.ms = median_of(s, n, F_MS);
    r->s.cpu_ms = median_of(s, n, F_CPU);
    r->s.heap_peak = (uint64_t)median_of(s, n, F_HEAP);
    r->s.heap_conn = (uint64_t)median_of(s, n, F_HEAP_CONN);
    r->s.overhead = median_of(s, n, F_OVERHEAD);
}

static int wanted(const tc_options *o, const tc_mode *m)
{
    return o->ports[m->role] && (!o->only || !strcmp(o->only, m->id));
}

static tc_sample samples[TC_MAX_MODES][MAX_REPEAT];

/* Every wanted mode o->repeat times, interleaved (noise spreads over all modes), to the given
 * ports. Returns the number of modes that failed. */
static int measure_all(const tc_options *o, const uint16_t ports[TC_ROLES], tc_result *res, int delayed)
{
    int failed = 0;
    char err[256];
    for (int rep = 0; rep < o->repeat; rep++)
        for (int i = 0; i < tc_mode_count; i++) {
            const tc_mode *m = &tc_modes[i];
            if (!wanted(o, m) || (rep && !res[i].ran)) continue;
            if (tc_measure(o, m, ports[m->role], &samples[i][rep], err, sizeof err) == 0) {
                res[i].ran = 1;
                continue;
            }
            fprintf(stderr, "tern tls-cost: %s%s: %s\n", m->id, delayed ? " (delayed)" : "", err);
            res[i].ran = 0;
            failed++;
        }
    for (int i = 0; i < tc_mode_count; i++) {
        if (!res[i].ran) continue;
        if (!delayed) summarise(&res[i], samples[i], o->repeat);
        else {
            res[i].ms_delayed = median_of(samples[i], o->repeat, F_MS);
            res[i].s.round_trips = (unsigned)median_of(samples[i], o->repeat, F_RTT);
        }
    }
    return failed;
}

static int measure_delayed(const tc_options *o, tc_result *res)
{
    tc_options d = *o;
    uint16_t proxy_ports[TC_ROLES];
    int pid = tc_proxy_start(o->host, o->ports, proxy_ports, o->delay_ms);
    if (pid < 0) {
        fprintf(stderr, "tern tls-cost: cannot start the delaying proxy\n");
        return 1;
    }
    d.host = "127.0.0.1";
    tc_result copy[TC_MAX_MODES];
    memcpy(copy, res, sizeof copy);
    int failed = measure_all(&d, proxy_ports, copy, 1);
    tc_proxy_stop(pid);
    for (int i = 0; i < tc_mode_count; i++) {
        res[i].ms_delayed = copy[i].ran ? copy[i].ms_delayed : -1;
        res[i].trips_delayed = copy[i].ran;
        if (copy[i].ran) res[i].s.round_trips = copy[i].s.round_trips;
    }
    return failed;
}

static void count_instructions(const tc_options *o, tc_result *res, const char *argv0)
{
    for (int i = 0; i < tc_mode_count; i++) {
        if (!res[i].ran) continue;
        fprintf(stderr, "tern tls-cost: counting instructions of %s under callgrind\n", tc_modes[i].id);
        res[i].instructions = tc_callgrind(o, &tc_modes[i], argv0);
    }
}

static int callgrind_child(tc_options *o)
{
    char err[256];
    tc_sample s;
    o->publishes = 0;
    const tc_mode *m = tc_find_mode(o->callgrind_child);
    if (tc_measure(o, m, o->ports[m->role], &s, err, sizeof err) == 0) return 0;
    fprintf(stderr, "tern tls-cost: %s: %s\n", m->id, err);
    return 1;
}

int tool_tls_cost(int argc, char **argv)
{
    tc_options o;
    int r = parse(&o, argc - 2, argv + 2);
    if (r) {
        fputs(usage, r > 0 ? stdout : stderr);
        return r > 0 ? 0 : 2;
    }
    if (!o.host) return run_own_broker(argv[0], argc - 2, argv + 2);
    tc_heap_install();
    if (o.callgrind_child) return callgrind_child(&o);
    tc_result res[TC_MAX_MODES];
    memset(res, 0, sizeof res);
    for (int i = 0; i < tc_mode_count; i++) {
        res[i].mode = &tc_modes[i];
        res[i].ms_delayed = res[i].instructions = -1;
    }
    int failed = measure_all(&o, o.ports, res, 0);
    if (o.delay_ms) failed += measure_delayed(&o, res);
    if (o.instructions) count_instructions(&o, res, argv[0]);
    tc_print_table(&o, res, tc_mode_count);
    if (o.json && tc_write_json(&o, res, tc_mode_count) != 0) failed++;
    if (o.svg && tc_write_svg(&o, res, tc_mode_count) != 0) failed++;
    return failed ? 1 : 0;
}
