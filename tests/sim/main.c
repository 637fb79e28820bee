/* tern_sim: runs seeds of the simulated world and checks the invariants after every step.
 *
 *   tern_sim [--first N] [--count N] [--seconds S] [--steps N] [--keep-going] [--list]
 *   tern_sim --seed N [--steps N] [--off MASK]   replay one seed, with the last events on failure
 *   tern_sim --seed N --shrink          the same failure with every rate it does not need off
 *
 * Each seed chooses its own world (MQTT version, buffer and slot sizes, fault rates, what the
 * callbacks do), runs --steps random steps, then lets the world settle without faults and
 * checks that every message the application handed in was acknowledged or reported. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

sim_world W;
sim_stats S_total;
extern jmp_buf sim_fail_jump;
extern char sim_fail_message[256];

static uint32_t pick(const uint32_t *choices, uint32_t n) { return choices[rng_below(&W.rng, n)]; }

/* A rate that is sometimes off, sometimes rare, sometimes frequent. */
static uint32_t rate(uint32_t high)
{
    uint32_t r = rng_below(&W.rng, 4);
    return r == 0 ? 0 : r == 1 ? high / 20u : r == 2 ? high / 4u : high;
}

static void choose_knobs(void)
{
    sim_knobs *k = &W.k;
    static const uint32_t tx_caps[] = {48, 64, 96, 128, 256, 512, 1024};
    k->version = TERN_CFG_MQTT5 && rng_below(&W.rng, 2) ? TERN_MQTT_5 : TERN_MQTT_311;
    k->tx_cap = pick(tx_caps, sizeof tx_caps / sizeof tx_caps[0]);
    k->max_payload = rng_range(&W.rng, 4, k->tx_cap - 24u < 200u ? k->tx_cap - 24u : 200u);
    k->rx_cap = k->max_payload + rng_range(&W.rng, 24, 600);
    k->slot_cap = k->max_payload + 24u;
    k->slots = (uint16_t)rng_range(&W.rng, 1, 16);
    k->qos2_ids = (uint16_t)rng_range(&W.rng, 2, 64);
    k->aliases_in = (uint16_t)(k->version == TERN_MQTT_5 ? rng_below(&W.rng, 9) : 0);
    k->aliases_out = (uint16_t)(k->version == TERN_MQTT_5 ? rng_below(&W.rng, 9) : 0);
    k->auto_reconnect = (uint8_t)rng_below(&W.rng, 2);
    k->keep_alive = (uint8_t)(rng_below(&W.rng, 3) ? rng_range(&W.rng, 1, 60) : 0);
    k->session_expiry = rng_below(&W.rng, 3) ? 3600u : 0u;
    k->p_block_send = rate(500000);
    k->p_block_recv = rate(500000);
    k->p_partial = rate(500000);
    k->p_block_open = rate(300000);
    k->p_cut = rate(4000);
    k->p_restart = rate(1500);
    k->p_restart_keeps = rng_below(&W.rng, 1000001);
    k->p_violation = rate(20000);
    k->p_clock_jump = rate(1000);
    k->p_delay_ack = rate(300000);
    k->p_dup_ack = rate(100000);
    k->p_refuse = rate(50000);
    k->p_graceful = rng_below(&W.rng, 1000001);
    k->p_cb_publish = rate(600000);
    k->p_cb_subscribe = rate(100000);
    k->p_cb_disconnect = rate(5000);
    k->p_app_disconnect = rate(1000000);
    k->p_hold = rate(500000);
    k->p_cb_connect = rate(500000);
    k->broker_receive_max = (uint16_t)(rng_below(&W.rng, 2) ? rng_range(&W.rng, 1, 20) : 0xFFFF);
    k->broker_alias_max = (uint16_t)(rng_below(&W.rng, 2) ? rng_range(&W.rng, 1, 8) : 0);
    k->drive = (uint8_t)rng_below(&W.rng, 3);
    k->broker_311_only = (uint8_t)(k->version == TERN_MQTT_5 && rng_below(&W.rng, 8) == 0);
    k->fallback_311 = (uint8_t)rng_below(&W.rng, 2);
    /* MQTT 3.1.1 has no Receive Maximum: half the brokers keep fewer QoS 2 messages awaiting
     * PUBREL than the client's table holds, half go past it (mosquitto's max_inflight_messages
     * is the broker's own choice). */
    k->broker_inflight_311 = (uint16_t)(rng_below(&W.rng, 2) ? k->qos2_ids / 2u
                                                              : rng_range(&W.rng, k->qos2_ids, 3u * k->qos2_ids));
}

/* Rates the shrinker may switch off (--off), one bit each. */
static const struct {
    const char *name;
    uint32_t *rate;
} switchable[] = {
    {"cut", &W.k.p_cut},           {"restart", &W.k.p_restart},       {"violation", &W.k.p_violation},
    {"clock-jump", &W.k.p_clock_jump}, {"delay-ack", &W.k.p_delay_ack}, {"dup-ack", &W.k.p_dup_ack},
    {"refuse", &W.k.p_refuse},     {"block-send", &W.k.p_block_send}, {"block-recv", &W.k.p_block_recv},
    {"block-open", &W.k.p_block_open}, {"partial", &W.k.p_partial},   {"cb-publish", &W.k.p_cb_publish},
    {"cb-subscribe", &W.k.p_cb_subscribe}, {"cb-disconnect", &W.k.p_cb_disconnect},
    {"app-disconnect", &W.k.p_app_disconnect}, {"hold", &W.k.p_hold}, {"cb-connect", &W.k.p_cb_connect},
};
#define SWITCHABLE (sizeof switchable / sizeof switchable[0])

static void switch_off(uint32_t mask)
{
    for (unsigned i = 0; i < SWITCHABLE; i++)
        if (mask & (1u << i)) *switchable[i].rate = 0;
}

static void set_up_client(void)
{
    sim_knobs *k = &W.k;
    tern_client_config *cfg = &W.cfg;
    memset(W.tx, 0xA5, sizeof W.tx);
    memset(W.rx, 0xA5, sizeof W.rx);
    memset(W.slot_mem, 0xA5, sizeof W.slot_mem);
    net_transport(&cfg->transport);
    cfg->now_ms = net_clock;
    cfg->tx = W.tx + GUARD;
    cfg->tx_cap = k->tx_cap;
    cfg->rx = W.rx + GUARD;
    cfg->rx_cap = k->rx_cap;
    for (unsigned i = 0; i < k->slots; i++) W.slots[i] = (tern_inflight){W.slot_mem[i] + GUARD, k->slot_cap, 0, 0, 0, 0, 0};
    cfg->inflight = W.slots;
    cfg->inflight_count = k->slots;
    cfg->inbound_qos2 = W.qos2_ids;
    cfg->inbound_qos2_count = k->qos2_ids;
    for (unsigned t = 0; t < 2; t++)
        for (unsigned i = 0; i < 8; i++) W.aliases[t][i] = (tern_topic_alias){W.alias_mem[t][i] + GUARD, 16, 0};
    cfg->topic_alias_count = k->aliases_in;
    cfg->topic_aliases = W.aliases[0];
    cfg->out_topic_alias_count = k->aliases_out;
    cfg->out_topic_aliases = W.aliases[1];
    app_callbacks(&cfg->cb);
    tern_status st = tern_client_init(&W.client, cfg);
    if (st != TERN_OK) sim_fail("tern_client_init: %s", tern_status_name(st));
    /* The engine seeds its reconnect jitter with the client's address, which ASLR moves:
     * seed it from the run instead, so that a seed replays exactly. */
    W.client.rng = (uint32_t)rng_next(&W.rng) | 1u;
    tern_connect_options *o = &W.opts;
    o->version = k->version;
    o->client_id = (tern_bytes){(const uint8_t *)"sim", 3};
    o->auto_reconnect = k->auto_reconnect;
    o->keep_alive = k->keep_alive;
    o->session_expiry = k->session_expiry;
    o->reconnect_min_ms = rng_range(&W.rng, 1, 200);
    o->reconnect_max_ms = o->reconnect_min_ms + rng_range(&W.rng, 0, 3000);
    o->connect_timeout_ms = rng_range(&W.rng, 500, 10000);
    o->fallback_311 = k->fallback_311;
}

static int allowed_return(tern_status st, unsigned disconnects_before)
{
    if (st == TERN_OK) return 1;
    if (st == TERN_ERR_NO_MQTT5 && W.app.use_311) return 1; /* a refusal: on_connect, no on_disconnect */
    return W.app.disconnects != disconnects_before && st == W.app.last_disconnect;
}

static void drive_client(void)
{
    unsigned before = W.app.disconnects;
    uint32_t r = W.k.drive == 0 ? 0 : rng_below(&W.rng, 10);
    tern_status st;
    const char *how;
    if (r < 5) { how = "poll"; st = tern_client_poll(&W.client); }
    else if (r < 7) { how = "on_readable"; st = tern_client_on_readable(&W.client); }
    else if (r < 8) { how = "on_writable"; st = tern_client_on_writable(&W.client); }
    else if (r < 9 || W.k.drive < 2) { how = "tick"; st = tern_client_tick(&W.client); }
    else {
        how = "run";
        st = tern_client_run(&W.client, rng_range(&W.rng, 1, 100));
        if (st == TERN_ERR_NOT_CONNECTED || st == W.app.last_disconnect) st = TERN_OK;
    }
    if (!allowed_return(st, before)) sim_fail("tern_client_%s returned %s", how, tern_status_name(st));
    app_after_call();
}

static void advance_clock(uint32_t ms)
{
    W.net.now += ms;
}

static void faults(void)
{
    sim_knobs *k = &W.k;
    if (rng_chance(&W.rng, k->p_cut)) net_cut(rng_chance(&W.rng, k->p_graceful));
    if (rng_chance(&W.rng, k->p_restart)) broker_restart(rng_chance(&W.rng, k->p_restart_keeps));
    if (rng_chance(&W.rng, k->p_violation / 8u))
        (void)flows_violation((int)rng_range(&W.rng, VIOL_CONNACK_AGAIN, VIOL_ALIAS_UNBOUND), 0, 0);
    if (rng_chance(&W.rng, k->p_clock_jump)) {
        uint32_t ms = rng_range(&W.rng, 1000, 120000);
        sim_event("clock jumps %u ms", ms);
        advance_clock(ms);
    }
}

static void step(void)
{
    uint32_t r = rng_below(&W.rng, 1000);
    if (r < 380) {
        drive_client();
    } else if (r < 650) {
        broker_run();
    } else if (r < 720) {
        flows_publish((uint8_t)rng_below(&W.rng, TOPIC_COUNT), (uint8_t)rng_below(&W.rng, 3), 0);
    } else if (r < 840) {
        if (W.draining) drive_client();
        else app_act();
    } else if (r < 960) {
        advance_clock(rng_range(&W.rng, 0, 20));
    } else {
        uint32_t t = tern_client_next_timeout_ms(&W.client);
        if (t != UINT32_MAX) advance_clock(t < 60000 ? t : 60000);
    }
    if (!W.draining) faults();
    W.step++;
}

static int settled(void)
{
    return W.app.connected && tern_client_inflight(&W.client) == 0 && !tern_client_wants_write(&W.client) &&
           broker_idle();
}

/* No more faults: the world must settle with every message accounted for. */
static void drain(void)
{
    W.draining = 1;
    W.net.broker_down_until = 0;
    for (uint32_t i = 0; i < 200000 && !settled(); i++) {
        if (W.app.idle) app_connect();
        step();
    }
    if (!settled())
        sim_fail("the world did not settle without faults: %u messages in flight in the engine, %u the app "
                 "waits for, connected %d, broker %s",
                 tern_client_inflight(&W.client), W.app.in_flight, W.app.connected, broker_idle() ? "idle" : "busy");
    app_check_final();
}

typedef struct {
    uint64_t steps;
    int failed;
} seed_result;

static seed_result run_seed(uint64_t seed, uint64_t steps, unsigned trace_lines, uint32_t off)
{
    seed_result res = {0, 0};
    memset(&W, 0, sizeof W);
    W.seed = seed;
    W.rng.state = seed;
    trace_reset();
    if (setjmp(sim_fail_jump) == 0) {
        choose_knobs();
        switch_off(off);
        W.net.now = rng_below(&W.rng, 4) == 0 ? 0xFFFFFFFFu - rng_below(&W.rng, 200000) : (uint32_t)rng_next(&W.rng);
        broker_reset();
        app_reset();
        set_up_client();
        app_connect();
        while (W.step < steps) step();
        drain();
    } else {
        res.failed = 1;
        if (trace_lines == 0) goto done;
        printf("SIM FAIL seed %llu at step %llu: %s\n", (unsigned long long)seed, (unsigned long long)W.step,
               sim_fail_message);
        printf("  world: MQTT %s%s, tx %u rx %u slots %u qos2 ids %u, drive %u, auto-reconnect %u\n",
               W.k.version == TERN_MQTT_5 ? "5" : "3.1.1", W.k.broker_311_only ? " (broker 3.1.1 only)" : "",
               W.k.tx_cap, W.k.rx_cap, W.k.slots, W.k.qos2_ids, W.k.drive, W.k.auto_reconnect);
        printf("  replay: tern_sim --seed %llu --steps %llu", (unsigned long long)seed, (unsigned long long)steps);
        if (off) printf(" --off 0x%x (", off);
        for (unsigned i = 0, n = 0; i < SWITCHABLE; i++)
            if (off & (1u << i)) printf("%s%s", n++ ? " " : "", switchable[i].name);
        printf("%s\n", off ? ")" : "");
        printf("  last events:\n");
        trace_dump(trace_lines);
        fflush(stdout);
    }
done:
    res.steps = W.step;
    return res;
}

/* The cause of a failure without its numbers: a shrunk run must fail the same way. */
static void failure_kind(char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = sim_fail_message; *p && n + 1 < cap && !(*p >= '0' && *p <= '9'); p++) out[n++] = *p;
    out[n] = 0;
}

/* Switch off every rate the failure does not need, one at a time; replay what is left. */
static int shrink(uint64_t seed, uint64_t steps, unsigned trace_lines)
{
    char want[256], got[256];
    if (!run_seed(seed, steps, 0, 0).failed) {
        printf("tern_sim: seed %llu does not fail\n", (unsigned long long)seed);
        return 0;
    }
    failure_kind(want, sizeof want);
    uint32_t off = 0;
    for (unsigned i = 0; i < SWITCHABLE; i++) {
        if (!run_seed(seed, steps, 0, off | (1u << i)).failed) continue;
        failure_kind(got, sizeof got);
        if (strcmp(got, want) == 0) off |= 1u << i;
    }
    return run_seed(seed, steps, trace_lines, off).failed;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: tern_sim [--seed N | --first N --count N | --seconds S] [--steps N] [--keep-going]"
                    " [--list] [--trace LINES] [--off MASK] [--shrink]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint64_t first = 1, count = 100, steps = 20000;
    double seconds = 0;
    int keep_going = 0, list = 0, shrinking = 0;
    uint32_t off = 0;
    unsigned trace_lines = 40;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--keep-going")) { keep_going = 1; continue; }
        if (!strcmp(a, "--list")) { list = 1; continue; }
        if (!strcmp(a, "--shrink")) { shrinking = 1; continue; }
        if (!v) usage();
        i++;
        if (!strcmp(a, "--seed")) { first = strtoull(v, NULL, 0); count = 1; trace_lines = 200; }
        else if (!strcmp(a, "--first")) first = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--count")) count = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--steps")) steps = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--seconds")) { seconds = strtod(v, NULL); count = UINT64_MAX; }
        else if (!strcmp(a, "--trace")) trace_lines = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--off")) off = (uint32_t)strtoul(v, NULL, 0);
        else usage();
    }
    if (shrinking) return shrink(first, steps, trace_lines) ? 1 : 0;
    double start = seconds_now();
    uint64_t total = 0, ran = 0, failures = 0, notes = 0;
    for (uint64_t s = first; ran < count; s++, ran++) {
        if (seconds > 0 && seconds_now() - start >= seconds) break;
        seed_result r = run_seed(s, steps, trace_lines ? trace_lines : 1, off);
        total += r.steps;
        notes += W.app.notes;
        if (list) printf("seed %llu: %llu steps, %s\n", (unsigned long long)s, (unsigned long long)r.steps,
                         r.failed ? "FAILED" : "ok");
        if (r.failed) {
            failures++;
            if (!keep_going) { ran++; break; }
        }
    }
    double took = seconds_now() - start;
    printf("tern_sim: %llu seed%s from %llu, %llu steps in %.1f s (%.0f steps/s), %llu failed, %llu notes\n",
           (unsigned long long)ran, ran == 1 ? "" : "s", (unsigned long long)first, (unsigned long long)total, took,
           took > 0 ? (double)total / took : 0.0, (unsigned long long)failures, (unsigned long long)notes);
    printf("  world: %llu connections (%llu cut, %llu broker restarts), %llu new sessions, %llu resumed; "
           "%llu protocol violations handled; broker sent %llu messages, %llu delivered, %llu held; "
           "the app published %llu, %llu QoS 1/2 acknowledged\n",
           (unsigned long long)S_total.connections, (unsigned long long)S_total.cuts,
           (unsigned long long)S_total.restarts, (unsigned long long)S_total.new_sessions,
           (unsigned long long)S_total.resumed, (unsigned long long)S_total.violations,
           (unsigned long long)S_total.to_client, (unsigned long long)S_total.delivered,
           (unsigned long long)S_total.holds, (unsigned long long)S_total.from_app,
           (unsigned long long)S_total.acked_to_app);
    return failures ? 1 : 0;
}
