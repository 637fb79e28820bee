/* Ctrl-C (SIGINT) and kill (SIGTERM) for tern pub and tern sub: the signal only asks the loop
 * to stop, so that it ends with a DISCONNECT and the broker does not publish the will of a
 * client that stopped on purpose (as mosquitto_pub/sub do). */
#ifndef TERN_TOOL_STOP_SIGNAL_H
#define TERN_TOOL_STOP_SIGNAL_H

#include <signal.h>

/* Set by SIGINT or SIGTERM once tool_catch_stop_signals ran. */
extern volatile sig_atomic_t tool_stop_requested;

/* Install the handler for one signal, without SA_RESTART: a blocking read (tern pub -l)
 * returns EINTR. A second signal has its default effect: the process ends at once. */
void tool_catch_stop_signals(void);

#endif
