/* tls-cost: each mode against the broker's listeners, repeated; medians reported as a
 * table, JSON and an SVG chart. A benchmark, not installed: bench/tls-cost/run.py generates
 * certificates, starts a mosquitto with the listeners every mode needs and runs it. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "tlscost.h"

#define MAX_REPEAT 100


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

static const char usage[] =
    "usage: tls-cost -h HOST [options]   (bench/tls-cost/run.py starts a broker and runs it)\n"
    "  Connects in every mode and reports bytes and round trips to CONNACK, time to CONNACK\n"
    "  (also through a delaying proxy), CPU time and instructions, peak heap, and TLS record\n"
    "  overhead per PUBLISH.\n";

static int set_port(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    long n;
    (void)rest;
    if (tool_parse_number(v, 1, 65535, &n)) return snprintf(err, cap, "invalid port '%s'", v), -1;
    ((tc_options *)opts)->ports[arg->field] = (uint16_t)n;
    return 0;
}

static int set_mode(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    if (!tc_find_mode(v)) return snprintf(err, cap, "unknown mode '%s'", v), -1;
    return tool_arg_string(opts, arg, v, rest, err, cap);
}

static int set_version(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    tc_options *o = opts;
    (void)arg, (void)rest;
    if (!strcmp(v, "5") || !strcmp(v, "mqttv5")) o->version = 5;
    else if (!strcmp(v, "311") || !strcmp(v, "mqttv311")) o->version = 4;
    else return snprintf(err, cap, "invalid value '%s' for -V (311 or 5)", v), -1;
    return 0;
}

static int quick(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    tc_options *o = opts;
    (void)arg, (void)v, (void)rest, (void)err, (void)cap;
    o->repeat = 1;
    o->publishes = 5;
    o->instructions = 0;
    return 0;
}

static int no_instructions(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    (void)arg, (void)v, (void)rest, (void)err, (void)cap;
    ((tc_options *)opts)->instructions = 0;
    return 0;
}

#define ALL 1u
#define AT(field) offsetof(tc_options, field)
static const tool_arg table[] = {
    {'h', "host", "HOST", ALL, tool_arg_string, AT(host), 0, 0, "the broker (required)"},
    {'p', "port", "PORT", ALL, set_port, TC_PLAIN, 0, 0, "plain MQTT listener (1883)"},
    {0, "tls-port", "PORT", ALL, set_port, TC_EC, 0, 0, "TLS listener, certificate from --cafile's CA (8883)"},
    {0, "rsa-port", "PORT", ALL, set_port, TC_RSA, 0, 0, "TLS listener with an RSA certificate (RSA modes skipped without)"},
    {0, "psk-port", "PORT", ALL, set_port, TC_PSK, 0, 0, "TLS-PSK listener (PSK modes skipped without --psk)"},
    {0, "cafile", "FILE", ALL, tool_arg_string, AT(cafile), 0, 0, "CA of the TLS listeners"},
    {0, "psk", "HEX", ALL, tool_arg_string, AT(psk), 0, 0, "the PSK of the PSK listener"},
    {0, "psk-identity", "ID", ALL, tool_arg_string, AT(psk_identity), 0, 0, "its identity"},
    {0, "broker", "TEXT", ALL, tool_arg_string, AT(broker), 0, 0, "what the broker is, for the report"},
    {0, "only", "MODE", ALL, set_mode, AT(only), 0, 0, "measure one mode"},
    {0, "json", "FILE", ALL, tool_arg_string, AT(json), 0, 0, "write the results as JSON (- for stdout)"},
    {0, "svg", "FILE", ALL, tool_arg_string, AT(svg), 0, 0, "write the chart"},
    {0, "callgrind-child", "MODE", ALL, set_mode, AT(callgrind_child), 0, 0, "(internal) one connection under callgrind"},
    {0, "delay-ms", "MS", ALL, tool_arg_int, AT(delay_ms), 0, 10000, "also measure through a proxy adding MS each way (0: not)"},
    {0, "repeat", "N", ALL, tool_arg_int, AT(repeat), 1, MAX_REPEAT, "connections per mode; medians reported (5)"},
    {0, "publishes", "N", ALL, tool_arg_int, AT(publishes), 0, 100000, "PUBLISHes for the record overhead (20)"},
    {0, "payload-size", "BYTES", ALL, tool_arg_int, AT(payload_size), 0, 4096, "their payload (64)"},
    {0, "quick", NULL, ALL, quick, 0, 0, 0, "1 connection per mode, 5 PUBLISHes, no callgrind"},
    {0, "no-instructions", NULL, ALL, no_instructions, 0, 0, 0, "skip the callgrind runs"},
    {'V', "protocol-version", "VERSION", ALL, set_version, 0, 0, 0, "MQTT version: 311 (default) or 5"},
};
#define TABLE_SIZE (sizeof table / sizeof table[0])

/* 0: usable; 1: --help; -1: bad (message printed). */
static int parse(tc_options *o, int argc, char **argv)
{
    char err[256];
    defaults(o);
    int r = tool_args_parse(table, TABLE_SIZE, 0, o, argc, argv, NULL, err, sizeof err);
    if (r < 0) fprintf(stderr, "tls-cost: %s\n", err);
    if (r != 0) return r;
    if (!o->host) {
        fprintf(stderr, "tls-cost: -h HOST is required (bench/tls-cost/run.py starts a broker)\n");
        return -1;
    }
    if (o->psk && !o->psk_identity) {
        fprintf(stderr, "tls-cost: --psk needs --psk-identity\n");
        return -1;
    }
    if (!o->psk) o->ports[TC_PSK] = 0;
    else if (!o->ports[TC_PSK]) o->ports[TC_PSK] = o->ports[TC_EC];
    return 0;
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
            fprintf(stderr, "tls-cost: %s%s: %s\n", m->id, delayed ? " (delayed)" : "", err);
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
        fprintf(stderr, "tls-cost: cannot start the delaying proxy\n");
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
        fprintf(stderr, "tls-cost: counting instructions of %s under callgrind\n", tc_modes[i].id);
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
    fprintf(stderr, "tls-cost: %s: %s\n", m->id, err);
    return 1;
}

int main(int argc, char **argv)
{
    tc_options o;
    int r = parse(&o, argc, argv);
    if (r) {
        fputs(usage, r > 0 ? stdout : stderr);
        if (r > 0) tool_args_help(stdout, table, TABLE_SIZE, 0);
        return r > 0 ? 0 : 2;
    }
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
