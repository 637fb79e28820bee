/* libmosquitto: TLS subscriber with auto reconnect. Usage: msub HOST PORT CAFILE TOPIC */
#include <stdio.h>
#include <stdlib.h>
#include <mosquitto.h>

static void on_message(struct mosquitto *m, void *u, const struct mosquitto_message *msg)
{
    (void)m, (void)u;
    printf("%s %.*s\n", msg->topic, msg->payloadlen, (const char *)msg->payload);
    fflush(stdout);
}
static void on_connect(struct mosquitto *m, void *u, int rc)
{
    (void)u;
    fprintf(stderr, "connect: %s\n", mosquitto_connack_string(rc));
    if (rc == 0) mosquitto_subscribe(m, NULL, (const char *)u, 1);
}

int main(int argc, char **argv)
{
    if (argc != 5) return 2;
    mosquitto_lib_init();
    struct mosquitto *m = mosquitto_new("nu-msub", true, argv[4]);
    if (!m) return 1;
    mosquitto_connect_callback_set(m, on_connect);
    mosquitto_message_callback_set(m, on_message);
    mosquitto_reconnect_delay_set(m, 1, 2, false);
    int rc = mosquitto_tls_set(m, argv[3], NULL, NULL, NULL, NULL);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_connect(m, argv[1], atoi(argv[2]), 10);
    if (rc != MOSQ_ERR_SUCCESS) return fprintf(stderr, "%s\n", mosquitto_strerror(rc)), 1;
    mosquitto_loop_forever(m, -1, 1);
    mosquitto_destroy(m);
    mosquitto_lib_cleanup();
    return 0;
}
