/* The device's MQTT scenario, over whatever transport it is given (the UART, or TLS over the
 * UART): connect, subscribe, publish at QoS 0, 1 and 2 and receive each message back,
 * disconnect, connect again, then survive the broker closing the connection. */
#ifndef SCENARIO_H
#define SCENARIO_H

#include "tern/client.h"
#include "tern/transport.h"

/* Hooks around each connection, for a transport that has more to say (TLS: was the session
 * resumed, what did the handshake cost). Either may be NULL. */
typedef struct {
    void (*before_connect)(const char *label);
    void (*after_connect)(const char *label);
} scenario_hooks;

/* Run it; 0 when every step worked, otherwise the number of the step that failed. */
int scenario_run(const tern_transport *transport, const scenario_hooks *hooks);

/* The short form: connect, subscribe, publish at QoS 0, 1 and 2 and receive each back,
 * disconnect. Same return. */
int scenario_brief(const tern_transport *transport, const scenario_hooks *hooks);

/* For applications with their own loop (the firmware update): prepare the scenario's client
 * over transport with these routes and connect it. NULL if that failed. */
tern_client *scenario_connect(const tern_transport *transport, tern_route *routes,
                              uint16_t route_count);

/* Log the figures of every run (UART bytes each way, peak stack) and PASSED or the failed
 * step; returns failed_step, for main to return. */
int scenario_finish(int failed_step);

#endif
