/* -L mqtt(s)://[user[:password]@]host[:port]/topic, as mosquitto_pub/sub read it. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "options.h"

int tool_parse_url(tool_options *o, const char *url, char *err, size_t cap)
{
    int tls = !strncmp(url, "mqtts://", 8);
    if (!tls && strncmp(url, "mqtt://", 7)) return snprintf(err, cap, "-L: the URL must start with mqtt://, mqtts://, ws:// or wss://"), -1;
    if (strlen(url) >= sizeof o->url) return snprintf(err, cap, "-L: URL too long"), -1;
    strcpy(o->url, url + (tls ? 8 : 7));
    char *host = o->url, *topic = strchr(host, '/');
    if (!topic || !topic[1]) return snprintf(err, cap, "-L: the URL needs a topic: mqtt://host/topic"), -1;
    *topic++ = 0;
    char *at = strrchr(host, '@');
    if (at) { /* user[:password]@ */
        *at = 0;
        char *colon = strchr(host, ':');
        if (colon) {
            *colon = 0;
            o->password = colon + 1;
        }
        o->username = host;
        host = at + 1;
    }
    char *port = strrchr(host, ':');
    if (port) {
        long n;
        *port++ = 0;
        if (tool_parse_number(port, 1, 65535, &n)) return snprintf(err, cap, "-L: invalid port '%s'", port), -1;
        o->port = (uint16_t)n;
        o->port_given = 1;
    }
    if (!*host) return snprintf(err, cap, "-L: the URL needs a host"), -1;
    o->host = host;
    if (tls) o->tls = 1;
    if (o->topic_count == TERN_TOOL_MAX_TOPICS) return snprintf(err, cap, "at most %d topics", TERN_TOOL_MAX_TOPICS), -1;
    o->topics[o->topic_count++] = topic;
    return 0;
}
