/* Setting up and tearing down a WebSocket transport, and what it reports. */
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

#include "tern/ws.h"

/* Host and path go into the request line and a header: no spaces, controls or non-ASCII. */
static int is_token_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7F) return 0;
    return 1;
}

static tern_status invalid(tern_ws *ws, tern_status st, const char *why)
{
    snprintf(ws->error, sizeof ws->error, "%s", why);
    return st;
}

tern_status tern_ws_init(tern_ws *ws, const tern_transport *lower, const tern_ws_config *cfg)
{
    memset(ws, 0, sizeof *ws);
    const char *path = cfg->path ? cfg->path : "/mqtt";
    if (!lower || !lower->send || !lower->recv || !lower->close)
        return invalid(ws, TERN_ERR_INVALID_ARG, "the lower transport lacks send, recv or close");
    if (!cfg->host || !cfg->host[0] || !is_token_text(cfg->host))
        return invalid(ws, TERN_ERR_INVALID_ARG, "the host name is empty or has spaces or control characters");
    if (path[0] != '/' || !is_token_text(path))
        return invalid(ws, TERN_ERR_INVALID_ARG, "the WebSocket path must start with '/' and have no spaces or control characters");
    if (!cfg->buf || cfg->buf_cap < TERN_WS_MIN_BUFFER)
        return invalid(ws, TERN_ERR_BUFFER_TOO_SMALL, "the WebSocket buffer is smaller than TERN_WS_MIN_BUFFER");
    ws->lower = *lower;
    ws->host = cfg->host;
    ws->port = cfg->port;
    ws->path = path;
    ws->buf = cfg->buf;
    ws->cap = cfg->buf_cap;
    ws->max_frame = cfg->max_frame ? cfg->max_frame : TERN_WS_DEFAULT_MAX_FRAME;
    ws->secure = (uint8_t)(cfg->secure != 0);
    tern_ws_reader_init(&ws->reader, 0, ws->max_frame);
    return TERN_OK;
}

void tern_ws_deinit(tern_ws *ws)
{
    if (ws->lower.close && ws->state != 0) {
        tern_transport self;
        tern_ws_transport(ws, &self);
        self.close(ws);
    }
    if (ws->rng) wc_rng_free(ws->rng);
    ws->rng = NULL;
}

const char *tern_ws_error(const tern_ws *ws) { return ws->error; }

uint16_t tern_ws_close_status(const tern_ws *ws) { return ws->close_code; }
