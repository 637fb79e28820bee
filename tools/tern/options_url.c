/* -L URL, as mosquitto_pub/sub read it, and for MQTT over WebSocket:
 *   mqtt(s)://[user[:password]@]host[:port]/topic   (the path is the topic)
 *   ws(s)://[user[:password]@]host[:port][/path]     (the path is the HTTP path; -t gives topics)
 * host may be an IPv6 literal in brackets. Without a port: 1883 / 8883, 80 / 443. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "options.h"

typedef struct {
    const char *prefix;
    int tls, websocket;
} url_scheme;

static const url_scheme schemes[] = {
    {"mqtt://", 0, 0}, {"mqtts://", 1, 0}, {"ws://", 0, 1}, {"wss://", 1, 1},
};

/* [user[:password]@] at the start of the authority: cut off, stored, and the host returned. */
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

/* host or [v6 literal], with an optional :port. 0, or -1 with err set. */
static int take_host_port(tool_options *o, char *hostport, const url_scheme *u, char *err, size_t cap)
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
        if (colon) *colon = '\0', port = colon + 1;
        o->host = hostport;
    }
    if (!o->host[0]) goto bad;
    long n = u->tls ? 443 : 80;
    if (port && tool_parse_number(port, 1, 65535, &n)) goto bad;
    if (port || u->websocket) { /* mqtt(s) without a port: 1883 or 8883, as without -L */
        o->port = (uint16_t)n;
        o->port_given = 1;
    }
    return 0;
bad:
    snprintf(err, cap, "invalid host or port in the -L URL");
    return -1;
}

int tool_parse_url(tool_options *o, const char *url, char *err, size_t cap)
{
    const url_scheme *u = NULL;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0] && !u; i++)
        if (!strncmp(url, schemes[i].prefix, strlen(schemes[i].prefix))) u = &schemes[i];
    if (!u) return snprintf(err, cap, "-L: the URL must start with mqtt://, mqtts://, ws:// or wss://"), -1;
    const char *rest = url + strlen(u->prefix);
    size_t auth_len = strcspn(rest, "/"), len = strlen(rest);
    if (len + 2 > sizeof o->url) return snprintf(err, cap, "the -L URL is longer than %zu bytes", sizeof o->url - 2), -1;
    /* Kept as "authority\0/path": host and user are cut out of the first part. */
    char *authority = o->url, *path = o->url + auth_len + 1;
    memcpy(authority, rest, auth_len);
    authority[auth_len] = '\0';
    memcpy(path, rest + auth_len, len - auth_len + 1);
    if (take_host_port(o, take_userinfo(o, authority), u, err, cap) != 0) return -1;
    if (u->tls) o->tls = 1;
    if (u->websocket) {
        o->websocket = 1;
        if (path[0] && !o->ws_path) o->ws_path = path;
        return 0;
    }
    if (!path[0] || !path[1]) return snprintf(err, cap, "-L: the URL needs a topic: mqtt://host/topic"), -1;
    if (o->mode == TOOL_PUB) {
        o->url_topic = path + 1;
        return 0;
    }
    if (o->topic_count == TERN_TOOL_MAX_TOPICS) return snprintf(err, cap, "at most %d topics", TERN_TOOL_MAX_TOPICS), -1;
    o->topics[o->topic_count++] = path + 1;
    return 0;
}
