/* SIGINT and SIGTERM as a request to stop (stop_signal.h). */
#define _POSIX_C_SOURCE 200809L
#include "stop_signal.h"

#include <string.h>

volatile sig_atomic_t tool_stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    tool_stop_requested = 1;
}

void tool_catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = (int)SA_RESETHAND; /* a second Ctrl-C ends at once (a connect or an ack may take long) */
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGTERM, &sa, NULL);
}
