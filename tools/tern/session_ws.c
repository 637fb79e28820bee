/* The CLI's WebSocket layer: -L ws:// / wss:// or --ws-path put the transport already chosen
 * (TCP, or TLS over it) under a WebSocket. */
#include <stdio.h>
#include <stdlib.h>

#include "session.h"

/* Room for the upgrade and for each outgoing frame: the engine's packets are cut into frames
 * of at most this much (minus the frame header). */
#define TOOL_WS_BUFFER 8192u

int tool_ws_wrap(tool_session *s)
{
#ifdef TERN_HAVE_WS
    const tool_options *o = s->o;
    s->ws_buf = malloc(TOOL_WS_BUFFER);
    if (!s->ws_buf) {
        fprintf(stderr, "tern: out of memory for the WebSocket buffer\n");
        return -1;
    }
    tern_ws_config wc = {0};
    wc.host = o->host;
    wc.port = o->port;
    wc.path = o->ws_path;
    wc.buf = s->ws_buf;
    wc.buf_cap = TOOL_WS_BUFFER;
    wc.secure = (uint8_t)(o->tls != 0);
    tern_transport lower = s->cfg.transport;
    if (tern_ws_init(&s->ws, &lower, &wc) != TERN_OK) {
        fprintf(stderr, "tern: WebSocket: %s\n", tern_ws_error(&s->ws));
        return -1;
    }
    tern_ws_transport(&s->ws, &s->cfg.transport);
    s->use_ws = 1;
    return 0;
#else
    (void)s;
    fprintf(stderr, "tern: this build has no WebSocket support (TERN_WITH_WEBSOCKET=OFF)\n");
    return -1;
#endif
}

void tool_ws_free(tool_session *s)
{
#ifdef TERN_HAVE_WS
    if (s->use_ws) tern_ws_deinit(&s->ws);
#endif
    free(s->ws_buf);
    s->ws_buf = NULL;
    s->use_ws = 0;
}

const char *tool_ws_error(const tool_session *s)
{
#ifdef TERN_HAVE_WS
    if (s->use_ws) return tern_ws_error(&s->ws);
#endif
    (void)s;
    return "";
}
