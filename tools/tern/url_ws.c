/* -L ws://... and wss://...: MQTT over WebSocket, with the URL's path as the HTTP path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

/* [user[:pass]@] at the start of the authority: cut off, stored, and the host returned. */
static char *take_userinfo(tool_options *o, char *authority)
{
    char *at = strrchr(authority, '@');
    if (!at) return authority;
    *at = '\0';
    char *colon = strchr(authority, ':');
    if (colon) {
        *colon = '\0';
        o->password = colon + 1;
    }
    o->username = authority;
    return at + 1;
}

/* host, [v6 literal], each with an optional :port. 0 or -1 with err set. */
static int take_host_port(tool_options *o, char *hostport, int secure, char *err, size_t cap)
{
    char *port = NULL;
    if (hostport[0] == '[') {
        char *end = strchr(hostport, ']');
        if (!end || (end[1] && end[1] != ':')) goto bad;
        *end = '\0';
        o->host = hostport + 1;
        if (end[1] == ':') port = end + 2;
    } else {
        char *colon = strchr(hostport, ':');
        if (colon) {
            *colon = '\0';
            port = colon + 1;
        }
        o->host = hostport;
    }
    if (!o->host[0]) goto bad;
    long n = secure ? 443 : 80;
    if (port) {
        char *end = NULL;
        n = strtol(port, &end, 10);
        if (!*port || *end || n < 1 || n > 65535) goto bad;
    }
    o->port = (uint16_t)n;
    o->port_given = 1;
    return 0;
bad:
    snprintf(err, cap, "invalid host or port in the -L URL");
    return -1;
}

int tool_parse_ws_url(tool_options *o, const char *url, char *err, size_t err_cap)
{
    int secure;
    size_t skip;
    if (!strncmp(url, "ws://", 5)) secure = 0, skip = 5;
    else if (!strncmp(url, "wss://", 6)) secure = 1, skip = 6;
    else return 0;
    const char *rest = url + skip;
    size_t auth_len = strcspn(rest, "/"), len = strlen(rest);
    if (len + 2 > sizeof o->ws_url) {
        snprintf(err, err_cap, "the -L URL is longer than %zu bytes", sizeof o->ws_url - 2);
        return -1;
    }
    /* Kept as "authority\0/path": the host and user are cut out of the first part. */
    char *authority = o->ws_url;
    memcpy(authority, rest, auth_len);
    authority[auth_len] = '\0';
    char *path = authority + auth_len + 1;
    memcpy(path, rest + auth_len, len - auth_len + 1);
    if (path[0] && !o->ws_path) o->ws_path = path;
    if (take_host_port(o, take_userinfo(o, authority), secure, err, err_cap) != 0) return -1;
    o->websocket = 1;
    if (secure) o->tls = 1;
    return 1;
}
