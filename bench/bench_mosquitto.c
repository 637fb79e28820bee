/* libmosquitto benchmark client: see bench_common.h for what it does and prints.
 * Single-threaded (mosquitto_loop in this thread), TCP_NODELAY on, the library's own send
 * window raised to the benchmark window so it never holds messages back below it. */
#define _POSIX_C_SOURCE 200809L
#include <mosquitto.h>

#include "bench_common.h"

static long received, acked;
static int connected = -1, subacked;

static void on_connect(struct mosquitto *m, void *user, int rc)
{
    (void)m;
    (void)user;
    connected = rc;
}

static void on_publish(struct mosquitto *m, void *user, int mid)
{
    (void)m;
    (void)user;
    (void)mid;
    acked++;
}

static void on_message(struct mosquitto *m, void *user, const struct mosquitto_message *msg)
{
    (void)m;
    (void)user;
    (void)msg;
    received++;
}

static void on_subscribe(struct mosquitto *m, void *user, int mid, int n, const int *granted)
{
    (void)m;
    (void)user;
    (void)mid;
    (void)n;
    (void)granted;
    subacked = 1;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "bench_mosquitto: %s: %s\n", what, mosquitto_strerror(rc));
    return 1;
}

int main(int argc, char **argv)
{
    bench_args a;
    if (bench_parse(&a, argc, argv, "mosquitto") != 0) return 2;

    mosquitto_lib_init();
    struct mosquitto *m = mosquitto_new(a.client_id, true, NULL);
    if (!m) return fail("new", MOSQ_ERR_NOMEM);
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_int_option(m, MOSQ_OPT_SEND_MAXIMUM, (int)a.window);
    mosquitto_connect_callback_set(m, on_connect);
    mosquitto_publish_callback_set(m, on_publish);
    mosquitto_message_callback_set(m, on_message);
    mosquitto_subscribe_callback_set(m, on_subscribe);

    int rc = mosquitto_connect(m, a.host, a.port, 60);
    if (rc != MOSQ_ERR_SUCCESS) return fail("connect", rc);
    while (rc == MOSQ_ERR_SUCCESS && connected < 0) rc = mosquitto_loop(m, 1000, 1);
    if (rc != MOSQ_ERR_SUCCESS) return fail("connect", rc);
    if (connected != 0) {
        fprintf(stderr, "bench_mosquitto: connect: %s\n", mosquitto_connack_string(connected));
        return 1;
    }
    if (a.e2e) {
        rc = mosquitto_subscribe(m, NULL, a.topic, a.qos);
        while (rc == MOSQ_ERR_SUCCESS && !subacked) rc = mosquitto_loop(m, 1000, 1);
        if (rc != MOSQ_ERR_SUCCESS) return fail("subscribe", rc);
    }

    double t0 = bench_now(), deadline = t0 + (double)a.timeout_s;
    long published = 0;
    for (;;) {
        long start = published + acked + received;
        while (published < a.count && published - acked < a.window &&
               (!a.e2e || published - received < a.window)) {
            rc = mosquitto_publish(m, NULL, a.topic, BENCH_PAYLOAD_LEN, a.payload, a.qos, false);
            if (rc != MOSQ_ERR_SUCCESS) return fail("publish", rc);
            published++;
        }
        if (published == a.count && acked == a.count && (!a.e2e || received == a.count) &&
            !mosquitto_want_write(m))
            break;
        if (bench_now() > deadline) {
            fprintf(stderr, "bench_mosquitto: timeout: published %ld acked %ld received %ld\n",
                    published, acked, received);
            return 1;
        }
        /* Handle what is there; when nothing moved, wait for the socket. */
        rc = mosquitto_loop(m, 0, 1);
        if (rc == MOSQ_ERR_SUCCESS && published + acked + received == start)
            rc = mosquitto_loop(m, 1000, 1);
        if (rc != MOSQ_ERR_SUCCESS) return fail("loop", rc);
    }
    double seconds = bench_now() - t0;
    mosquitto_disconnect(m);
    mosquitto_destroy(m);
    mosquitto_lib_cleanup();
    bench_report("libmosquitto", &a, received, seconds);
    return 0;
}
