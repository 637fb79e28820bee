/* tls-cost: what each way of securing an MQTT connection costs (bytes, round trips, CPU,
 * heap, time to CONNACK, record overhead per PUBLISH). The pieces, one idea per file:
 *   tlscost.c          options, the run over every mode, medians
 *   tlscost_modes.c    the modes and the TLS configuration of each
 *   tlscost_conn.c     one measured connection (counting transport, connect, PUBLISH burst)
 *   tlscost_heap.c     counting allocators for wolfSSL (current and peak bytes)
 *   tlscost_proxy.c    the delaying TCP proxy (a child process)
 *   tlscost_callgrind.c  instructions: the connection of one mode again under callgrind
 *   tlscost_report.c   the terminal table and the JSON
 *   tlscost_svg.c      the SVG chart */
#ifndef TERN_TOOL_TLSCOST_H
#define TERN_TOOL_TLSCOST_H

#include <stddef.h>
#include <stdint.h>

#include "tern/client.h"

/* Which listener a mode connects to. */
typedef enum { TC_PLAIN, TC_EC, TC_RSA, TC_PSK, TC_ROLES } tc_role;

typedef struct {
    const char *id;     /* "tls13-full-x25519" */
    const char *label;  /* "TLS 1.3 full, X25519" */
    tc_role role;
    uint8_t version;    /* 0 plain, 12 or 13 */
    uint8_t resumed;    /* measure the second connection, which resumes the first one's session */
    uint16_t group;     /* key-share group to offer alone (wolfSSL's id), 0: the library default */
} tc_mode;

#define TC_MAX_MODES 12
extern const tc_mode tc_modes[];
extern const int tc_mode_count;
const tc_mode *tc_find_mode(const char *id);

typedef struct {
    const char *host;
    uint16_t ports[TC_ROLES];     /* 0: the listener is not there, its modes are skipped */
    uint16_t proxy_ports[TC_ROLES]; /* the delaying proxy in front of each, when delay_ms */
    const char *cafile, *psk, *psk_identity;
    const char *broker;           /* what the broker is, for the report */
    const char *only;             /* --only: one mode */
    const char *json, *svg;       /* output files ("-": stdout for the JSON) */
    const char *callgrind_child;  /* internal: measure this mode once under callgrind */
    int version;                  /* MQTT 4 or 5 */
    int repeat;
    int publishes;
    int payload_size;
    int delay_ms;
    int instructions;             /* run callgrind */
} tc_options;

/* One connection. */
typedef struct {
    int ok;
    uint64_t sent, received;      /* TCP payload bytes up to CONNACK, both ways */
    unsigned round_trips;         /* receives that followed a send, up to CONNACK */
    double ms, cpu_ms;            /* wall and process CPU time from open to CONNACK */
    uint64_t heap_peak;           /* wolfSSL heap at its peak (context included), bytes */
    uint64_t heap_conn;           /* of which added during this connection (peak - before open) */
    double overhead;              /* wire bytes per PUBLISH minus its MQTT bytes */
    int resumed;
    char version[16], cipher[64], group[24], cert[8];
} tc_sample;

/* A mode's result: medians over the repeats. */
typedef struct {
    const tc_mode *mode;
    int ran;
    tc_sample s;                  /* medians of the numbers; strings of the last run */
    double ms_delayed;            /* median time to CONNACK through the proxy (< 0: not run) */
    int trips_delayed;            /* s.round_trips was counted through the proxy (see conn.c) */
    double instructions;          /* callgrind Ir of open to CONNACK (< 0: not measured) */
} tc_result;

/* tlscost_conn.c: one connection of mode m to port; err gets the reason on failure. */
int tc_measure(const tc_options *o, const tc_mode *m, uint16_t port, tc_sample *out, char *err,
               size_t cap);
/* The function callgrind counts (--toggle-collect): open to CONNACK. */
tern_status tc_measured_connect(tern_client *c, const tern_connect_options *opts);

/* tlscost_heap.c */
void tc_heap_install(void);       /* before any wolfSSL_Init */
uint64_t tc_heap_current(void);
void tc_heap_reset_peak(void);    /* peak := current */
uint64_t tc_heap_peak(void);

/* tlscost_proxy.c: a child process forwarding 127.0.0.1:proxy_ports[i] to host:ports[i] with
 * delay_ms one way. Returns its PID (> 0) or -1. */
int tc_proxy_start(const char *host, const uint16_t ports[TC_ROLES], uint16_t proxy_ports[TC_ROLES],
                   int delay_ms);
void tc_proxy_stop(int pid);

/* tlscost_callgrind.c: Ir of tc_measured_connect for mode m, or -1. */
double tc_callgrind(const tc_options *o, const tc_mode *m, const char *argv0);

/* tlscost_report.c / tlscost_svg.c */
void tc_print_table(const tc_options *o, const tc_result *r, int n);
int tc_write_json(const tc_options *o, const tc_result *r, int n);
int tc_write_svg(const tc_options *o, const tc_result *r, int n);

/* Connect and CONNACK wait limit of every measured connection. */
#define TC_CONNECT_TIMEOUT_MS 10000u
/* tlscost_conn.c: the clients' millisecond clock. */
uint32_t tc_now_ms(void *clock_ctx);

#endif
