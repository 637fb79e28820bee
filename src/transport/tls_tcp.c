/* TLS over the POSIX TCP transport: the convenience the CLI, the tests and most Linux
 * applications use. A device build leaves this file out and calls tern_tls_init_over with its
 * own TCP transport. */
#include <string.h>

#include "tls_internal.h"

tern_status tern_tls_init(tern_tls *t, const char *host, uint16_t port, uint32_t connect_timeout_ms,
                          const tern_tls_config *cfg)
{
    memset(t, 0, sizeof *t);
    tern_tcp_init(&t->tcp, host, port, connect_timeout_ms);
    tern_transport tcp_io;
    tern_tcp_transport(&t->tcp, &tcp_io);
    if (!host) {
        tern_tls_set_error(t, "no host to connect to");
        return TERN_ERR_INVALID_ARG;
    }
    return tern_tls_setup(t, &tcp_io, host, cfg);
}
