/* Paho C (MQTTAsync) benchmark client: see bench_common.h for what it does and prints.
 * Paho runs its own send and receive threads; callbacks count under a mutex and the main
 * thread publishes whenever the window has room. */
#define _POSIX_C_SOURCE 200809L
#include <MQTTAsync.h>
#include <pthread.h>

#include "bench_common.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static long received, acked, failed;
static int connected, subacked, disconnected, lost;

static void bump(long *counter)
{
    pthread_mutex_lock(&lock);
    (*counter)++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void set_flag(int *flag, int value)
{
    pthread_mutex_lock(&lock);
    *flag = value;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void on_connect_ok(void *ctx, MQTTAsync_successData *d)
{
    (void)ctx;
    (void)d;
    set_flag(&connected, 1);
}

static void on_connect_fail(void *ctx, MQTTAsync_failureData *d)
{
    (void)ctx;
    fprintf(stderr, "bench_paho: connect failed: %d\n", d ? d->code : 0);
    set_flag(&connected, -1);
}

static void on_sub_ok(void *ctx, MQTTAsync_successData *d)
{
    (void)ctx;
    (void)d;
    set_flag(&subacked, 1);
}

static void on_sub_fail(void *ctx, MQTTAsync_failureData *d)
{
    (void)ctx;
    (void)d;
    set_flag(&subacked, -1);
}

static void on_send_ok(void *ctx, MQTTAsync_successData *d)
{
    (void)ctx;
    (void)d;
    bump(&acked);
}

static void on_send_fail(void *ctx, MQTTAsync_failureData *d)
{
    (void)ctx;
    (void)d;
    bump(&failed);
}

static void on_disconnect_ok(void *ctx, MQTTAsync_successData *d)
{
    (void)ctx;
    (void)d;
    set_flag(&disconnected, 1);
}

static void on_lost(void *ctx, char *cause)
{
    (void)ctx;
    fprintf(stderr, "bench_paho: connection lost: %s\n", cause ? cause : "?");
    set_flag(&lost, 1);
}

static int on_message(void *ctx, char *topic, int topic_len, MQTTAsync_message *msg)
{
    (void)ctx;
    (void)topic_len;
    MQTTAsync_freeMessage(&msg);
    MQTTAsync_free(topic);
    bump(&received);
    return 1;
}

/* Wait (lock held) until cond() or the deadline; 0 on success. */
static int wait_until(int (*cond)(const bench_args *), const bench_args *a, double deadline)
{
    while (!cond(a)) {
        if (lost || failed) return -1;
        double now = bench_now();
        if (now > deadline) return -1;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&changed, &lock, &ts);
    }
    return 0;
}

static long published;
static int is_connected(const bench_args *a) { (void)a; return connected != 0; }
static int is_subacked(const bench_args *a) { (void)a; return subacked != 0; }
static int is_disconnected(const bench_args *a) { (void)a; return disconnected != 0; }
static int has_room(const bench_args *a)
{
    return published - acked < a->window && (!a->e2e || published - received < a->window);
}
static int all_done(const bench_args *a)
{
    return acked == a->count && (!a->e2e || received == a->count);
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "bench_paho: %s: %d (acked %ld received %ld)\n", what, rc, acked, received);
    return 1;
}

int main(int argc, char **argv)
{
    bench_args a;
    if (bench_parse(&a, argc, argv, "paho") != 0) return 2;

    char uri[128];
    snprintf(uri, sizeof uri, "tcp://%s:%d", a.host, a.port);
    MQTTAsync client;
    int rc = MQTTAsync_create(&client, uri, a.client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL);
    if (rc != MQTTASYNC_SUCCESS) return fail("create", rc);
    rc = MQTTAsync_setCallbacks(client, NULL, on_lost, on_message, NULL);
    if (rc != MQTTASYNC_SUCCESS) return fail("callbacks", rc);

    MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer;
    co.MQTTVersion = MQTTVERSION_3_1_1;
    co.cleansession = 1;
    co.keepAliveInterval = 60;
    co.maxInflight = (int)a.window;
    co.onSuccess = on_connect_ok;
    co.onFailure = on_connect_fail;
    double deadline = bench_now() + (double)a.timeout_s;
    rc = MQTTAsync_connect(client, &co);
    if (rc != MQTTASYNC_SUCCESS) return fail("connect", rc);
    pthread_mutex_lock(&lock);
    rc = wait_until(is_connected, &a, deadline);
    pthread_mutex_unlock(&lock);
    if (rc != 0 || connected != 1) return fail("connect", connected);

    if (a.e2e) {
        MQTTAsync_responseOptions so = MQTTAsync_responseOptions_initializer;
        so.onSuccess = on_sub_ok;
        so.onFailure = on_sub_fail;
        rc = MQTTAsync_subscribe(client, a.topic, a.qos, &so);
        if (rc != MQTTASYNC_SUCCESS) return fail("subscribe", rc);
        pthread_mutex_lock(&lock);
        rc = wait_until(is_subacked, &a, deadline);
        pthread_mutex_unlock(&lock);
        if (rc != 0 || subacked != 1) return fail("subscribe", subacked);
    }

    MQTTAsync_message msg = MQTTAsync_message_initializer;
    msg.payload = a.payload;
    msg.payloadlen = BENCH_PAYLOAD_LEN;
    msg.qos = a.qos;
    msg.retained = 0;
    MQTTAsync_responseOptions po = MQTTAsync_responseOptions_initializer;
    po.onSuccess = on_send_ok;
    po.onFailure = on_send_fail;

    double t0 = bench_now();
    deadline = t0 + (double)a.timeout_s;
    while (published < a.count) {
        pthread_mutex_lock(&lock);
        rc = wait_until(has_room, &a, deadline);
        pthread_mutex_unlock(&lock);
        if (rc != 0) return fail("publish window", rc);
        rc = MQTTAsync_sendMessage(client, a.topic, &msg, &po);
        if (rc != MQTTASYNC_SUCCESS) return fail("publish", rc);
        pthread_mutex_lock(&lock);
        published++;
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    rc = wait_until(all_done, &a, deadline);
    pthread_mutex_unlock(&lock);
    if (rc != 0) return fail("waiting for acknowledgements", rc);
    double seconds = bench_now() - t0;

    MQTTAsync_disconnectOptions dop = MQTTAsync_disconnectOptions_initializer;
    dop.timeout = 1000;
    dop.onSuccess = on_disconnect_ok;
    if (MQTTAsync_disconnect(client, &dop) == MQTTASYNC_SUCCESS) {
        pthread_mutex_lock(&lock);
        (void)wait_until(is_disconnected, &a, bench_now() + 5);
        pthread_mutex_unlock(&lock);
    }
    MQTTAsync_destroy(&client);
    bench_report("paho", &a, received, seconds);
    return 0;
}
