/* libmosquitto: TLS QoS 1 publisher. Usage: mpub HOST PORT CAFILE TOPIC MESSAGE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mosquitto.h>

static int done;
static void on_publish(struct mosquitto *m, void *u, int mid)
{
    (void)u, (void)mid;
    done = 1;
    mosquitto_disconnect(m);
}

int main(int argc, char **argv)
{
    if (argc != 6) return 2;
    mosquitto_lib_init();
    struct mosquitto *m = mosquitto_new(NULL, true, NULL);
    if (!m) return 1;
    mosquitto_publish_callback_set(m, on_publish);
    int rc = mosquitto_tls_set(m, argv[3], NULL, NULL, NULL, NULL);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_connect(m, argv[1], atoi(argv[2]), 30);
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_publish(m, NULL, argv[4], (int)strlen(argv[5]), argv[5], 1, false);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_forever(m, 5000, 1);
    if (!done) fprintf(stderr, "%s\n", mosquitto_strerror(rc));
    mosquitto_destroy(m);
    mosquitto_lib_cleanup();
    return done ? 0 : 1;
}
