/* The check of the server's answer to the WebSocket upgrade (RFC 6455 section 4.1, the
 * client's requirements on the response): status 101, Upgrade and Connection, the accept key
 * computed from ours, exactly the mqtt subprotocol and no extension we did not offer. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ws_internal.h"
#include "tern/text.h"

typedef struct {
    const char *at;
    size_t len;
} span;

typedef struct {
    span upgrade, connection, accept, protocol, extensions;
    int accept_count, protocol_count;
} response_headers;

static int span_is(span s, const char *word)
{
    size_t n = strlen(word);
    if (s.len != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s.at[i]) != tolower((unsigned char)word[i])) return 0;
    return 1;
}

static span trimmed(const char *at, size_t len)
{
    while (len && (*at == ' ' || *at == '\t')) at++, len--;
    while (len && (at[len - 1] == ' ' || at[len - 1] == '\t')) len--;
    span s = {at, len};
    return s;
}

/* Does a comma-separated list hold word (case-insensitive)? */
static int list_has(span list, const char *word)
{
    size_t start = 0;
    for (size_t i = 0; i <= list.len; i++) {
        if (i < list.len && list.at[i] != ',') continue;
        if (span_is(trimmed(list.at + start, i - start), word)) return 1;
        start = i + 1;
    }
    return 0;
}

/* Server text in a message, at most max bytes of it, with its control characters escaped
 * (tern_escape_text): the server chooses it. */
static void quote(char *out, size_t cap, const char *at, size_t len, size_t max)
{
    tern_escape_text(out, cap, at, len < max ? len : max);
}

static void note_header(response_headers *h, span name, span value)
{
    if (span_is(name, "upgrade")) h->upgrade = value;
    else if (span_is(name, "connection")) h->connection = value;
    else if (span_is(name, "sec-websocket-accept")) h->accept = value, h->accept_count++;
    else if (span_is(name, "sec-websocket-protocol")) h->protocol = value, h->protocol_count++;
    else if (span_is(name, "sec-websocket-extensions")) h->extensions = value;
}

/* The header lines after the status line; -1 for a line without a colon. */
static int read_headers(const char *p, const char *end, response_headers *h)
{
    memset(h, 0, sizeof *h);
    while (p < end) {
        const char *eol = p;
        while (eol + 1 < end && !(eol[0] == '\r' && eol[1] == '\n')) eol++;
        if (eol + 1 >= end) eol = end;
        if (eol == p) break; /* the empty line */
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (!colon) return -1;
        note_header(h, trimmed(p, (size_t)(colon - p)), trimmed(colon + 1, (size_t)(eol - colon - 1)));
        p = eol + 2;
    }
    return 0;
}

static tern_status check_status_line(const char *resp, size_t len, const char **after, char *err,
                                     size_t cap)
{
    const char *eol = resp;
    while (eol + 1 < resp + len && !(eol[0] == '\r' && eol[1] == '\n')) eol++;
    size_t line_len = (size_t)(eol - resp);
    /* "HTTP/1.1 101 ..." : the status code is the second word. */
    if (line_len >= 12 && !memcmp(resp, "HTTP/1.1 101", 12) && (line_len == 12 || resp[12] == ' ')) {
        *after = eol + 2;
        return TERN_OK;
    }
    char line[96];
    quote(line, sizeof line, resp, line_len, 80);
    snprintf(err, cap, "the server answered \"%s\" instead of 101 Switching Protocols", line);
    return TERN_ERR_WS_HANDSHAKE;
}

static tern_status check_accept(const response_headers *h, const char *key, char *err, size_t cap)
{
    char expected[TERN_WS_ACCEPT_LEN];
    tern_status st = tern_ws_accept_for(key, expected);
    if (st != TERN_OK) {
        snprintf(err, cap, "cannot compute the Sec-WebSocket-Accept value");
        return st;
    }
    if (h->accept_count == 1 && h->accept.len == strlen(expected) &&
        !memcmp(h->accept.at, expected, h->accept.len))
        return TERN_OK;
    char got[64];
    quote(got, sizeof got, h->accept.at, h->accept.len, 40);
    if (h->accept_count == 0) snprintf(err, cap, "the server sent no Sec-WebSocket-Accept");
    else snprintf(err, cap, "wrong Sec-WebSocket-Accept \"%s\" (expected \"%s\")", got, expected);
    return TERN_ERR_WS_ACCEPT;
}

tern_status tern_ws_check_response(const char *resp, size_t len, const char *key, char *err,
                                   size_t err_cap)
{
    const char *p = NULL;
    tern_status st = check_status_line(resp, len, &p, err, err_cap);
    if (st != TERN_OK) return st;
    response_headers h;
    if (p > resp + len || read_headers(p, resp + len, &h) != 0) {
        snprintf(err, err_cap, "malformed HTTP header line in the upgrade response");
        return TERN_ERR_WS_HANDSHAKE;
    }
    if (!span_is(h.upgrade, "websocket") || !list_has(h.connection, "upgrade")) {
        snprintf(err, err_cap, "101 response without \"Upgrade: websocket\" and \"Connection: Upgrade\"");
        return TERN_ERR_WS_HANDSHAKE;
    }
    st = check_accept(&h, key, err, err_cap);
    if (st != TERN_OK) return st;
    if (h.protocol_count != 1 || !(h.protocol.len == 4 && !memcmp(h.protocol.at, "mqtt", 4))) {
        char got[64];
        quote(got, sizeof got, h.protocol.at, h.protocol.len, 40);
        if (h.protocol_count == 0) snprintf(err, err_cap, "the server did not agree to the mqtt subprotocol (no Sec-WebSocket-Protocol)");
        else snprintf(err, err_cap, "the server chose subprotocol \"%s\" instead of mqtt", got);
        return TERN_ERR_WS_SUBPROTOCOL;
    }
    if (h.extensions.len) {
        char got[64];
        quote(got, sizeof got, h.extensions.at, h.extensions.len, 40);
        snprintf(err, err_cap, "the server chose extension \"%s\", which was not offered", got);
        return TERN_ERR_WS_HANDSHAKE;
    }
    return TERN_OK;
}
