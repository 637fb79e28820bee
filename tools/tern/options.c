/* Parsing of the mosquitto_pub/sub-compatible flags. Every bad flag gets a one-line error. */
#include "options.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLS_USAGE \
    "  TLS:          [--cafile f] [--capath dir] [--cert f --key f|pkcs11:URI] [--tls-version tlsv1.2|tlsv1.3]\n" \
    "                [--psk hex --psk-identity id] [--alpn list] [--ciphers list] [--insecure]\n" \
    "                [--tls-session file]   (port 8883 unless -p)\n"
#define WS_USAGE \
    "  WebSocket:    [-L ws://[user[:pass]@]host[:port][/path] | -L wss://...] [--ws-path /path]\n"

static const char pub_usage[] =
    "usage: tern pub [-h host] [-p port] -t topic (-m msg | -f file | -s | -l | -n)\n"
    "                [-q qos] [-r] [-i id] [-u user] [-P pass] [-k keepalive] [-c] [-x expiry]\n"
    "                [-V mqttv311|mqttv5|311|5] [-d] [--quiet]\n"
    "                [--will-topic t --will-payload p --will-qos q --will-retain]\n"
    TLS_USAGE WS_USAGE;
static const char sub_usage[] =
    "usage: tern sub [-h host] [-p port] -t filter [-t filter ...] [-q qos] [-C count] [-W secs]\n"
    "                [-v] [-N] [-i id] [-u user] [-P pass] [-k keepalive] [-c] [-x expiry]\n"
    "                [-V mqttv311|mqttv5|311|5] [-d] [--quiet]\n"
    "                [--will-topic t --will-payload p --will-qos q --will-retain]\n"
    TLS_USAGE WS_USAGE;

const char *tool_usage(tool_mode mode) { return mode == TOOL_PUB ? pub_usage : sub_usage; }

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int parse_version(const char *s, int *out)
{
    if (!strcmp(s, "mqttv311") || !strcmp(s, "311") || !strcmp(s, "4")) *out = 4;
    else if (!strcmp(s, "mqttv5") || !strcmp(s, "5")) *out = 5;
    else return -1;
    return 0;
}

static void defaults(tool_options *o, tool_mode mode)
{
    memset(o, 0, sizeof *o);
    o->mode = mode;
    o->host = "localhost";
    o->port = 1883;
    o->keepalive = 60;
    o->version = 4;
    o->clean_session = 1;
}

static int set_source(tool_options *o, tool_message_source src, const char *msg, char *err,
                      size_t cap)
{
    if (o->source != MSG_NONE) {
        snprintf(err, cap, "only one of -m, -f, -s, -l, -n may be given");
        return -1;
    }
    o->source = src;
    o->message = msg;
    return 0;
}

/* Options without a value. Returns 1 if handled, 0 if not a flag of this kind, -1 on error. */
static int parse_flag(tool_options *o, const char *a, char *err, size_t cap)
{
    if (!strcmp(a, "-r")) o->retain = 1;
    else if (!strcmp(a, "-c")) o->clean_session = 0;
    else if (!strcmp(a, "-d") || !strcmp(a, "--debug")) o->debug = 1;
    else if (!strcmp(a, "--quiet")) o->quiet = 1;
    else if (!strcmp(a, "--will-retain")) o->will_retain = 1;
    else if (!strcmp(a, "--insecure")) o->insecure = o->tls = 1;
    else if (!strcmp(a, "--tls-use-os-certs")) o->tls = 1;
    else if (o->mode == TOOL_SUB && !strcmp(a, "-v")) o->verbose = 1;
    else if (o->mode == TOOL_SUB && !strcmp(a, "-N")) o->no_newline = 1;
    else if (o->mode == TOOL_PUB && !strcmp(a, "-n")) return set_source(o, MSG_NULL, NULL, err, cap) ? -1 : 1;
    else if (o->mode == TOOL_PUB && !strcmp(a, "-s")) return set_source(o, MSG_STDIN_ALL, NULL, err, cap) ? -1 : 1;
    else if (o->mode == TOOL_PUB && !strcmp(a, "-l")) return set_source(o, MSG_STDIN_LINES, NULL, err, cap) ? -1 : 1;
    else return 0;
    return 1;
}

static int parse_tls_version(const char *v, uint8_t *out)
{
    if (!strcmp(v, "tlsv1.2") || !strcmp(v, "1.2")) *out = 12;
    else if (!strcmp(v, "tlsv1.3") || !strcmp(v, "1.3")) *out = 13;
    else return -1;
    return 0;
}

/* TLS options with a value: stored as given. 1 when a is one of them. */
static int parse_tls(tool_options *o, const char *a, const char *v)
{
    static const struct { const char *flag; size_t at; } map[] = {
        {"--cafile", offsetof(tool_options, cafile)},   {"--capath", offsetof(tool_options, capath)},
        {"--cert", offsetof(tool_options, cert)},       {"--key", offsetof(tool_options, key)},
        {"--psk", offsetof(tool_options, psk)},         {"--psk-identity", offsetof(tool_options, psk_identity)},
        {"--alpn", offsetof(tool_options, alpn)},       {"--ciphers", offsetof(tool_options, ciphers)},
        {"--tls-session", offsetof(tool_options, tls_session)}, {"--tls-version", 0},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(a, map[i].flag)) continue;
        if (map[i].at) memcpy((char *)o + map[i].at, &v, sizeof v);
        return 1;
    }
    return 0;
}

/* Options with a value v. Returns 1 if handled, 0 if unknown, -1 on error. */
static int parse_valued(tool_options *o, const char *a, const char *v, char *err, size_t cap)
{
    long n = 0;
    if (!strcmp(a, "-h") || !strcmp(a, "--host")) o->host = v;
    else if (!strcmp(a, "-p") || !strcmp(a, "--port")) {
        if (parse_long(v, 1, 65535, &n)) goto bad;
        o->port = (uint16_t)n;
        o->port_given = 1;
    } else if (!strcmp(a, "-t") || !strcmp(a, "--topic")) {
        if (o->topic_count > 0 && o->mode == TOOL_PUB) {
            snprintf(err, cap, "tern pub takes one -t topic");
            return -1;
        }
        if (o->topic_count == TERN_TOOL_MAX_TOPICS) {
            snprintf(err, cap, "at most %d topics", TERN_TOOL_MAX_TOPICS);
            return -1;
        }
        o->topics[o->topic_count++] = v;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--qos")) {
        if (parse_long(v, 0, 2, &n)) goto bad;
        o->qos = (int)n;
    } else if (!strcmp(a, "-i") || !strcmp(a, "--id")) o->client_id = v;
    else if (!strcmp(a, "-u") || !strcmp(a, "--username")) o->username = v;
    else if (!strcmp(a, "-P") || !strcmp(a, "--pw")) o->password = v;
    else if (!strcmp(a, "-k") || !strcmp(a, "--keepalive")) {
        if (parse_long(v, 0, 65535, &n)) goto bad;
        o->keepalive = (int)n;
    } else if (!strcmp(a, "-V") || !strcmp(a, "--protocol-version")) {
        if (parse_version(v, &o->version)) goto bad;
    } else if (!strcmp(a, "-x")) {
        if (parse_long(v, 0, 4294967295L, &n)) goto bad;
        o->session_expiry = n;
    } else if (!strcmp(a, "-L") || !strcmp(a, "--url")) {
        int r = tool_parse_ws_url(o, v, err, cap);
        if (r == 0) snprintf(err, cap, "-L: only ws:// and wss:// URLs are understood: %s", v);
        if (r <= 0) return -1;
    } else if (!strcmp(a, "--ws-path")) {
        if (v[0] != '/') goto bad;
        o->ws_path = v;
        o->websocket = 1;
    } else if (parse_tls(o, a, v)) {
        if (!strcmp(a, "--tls-version") && parse_tls_version(v, &o->tls_version)) goto bad;
        o->tls = 1;
    } else if (!strcmp(a, "--will-topic")) o->will_topic = v;
    else if (!strcmp(a, "--will-payload")) o->will_payload = v;
    else if (!strcmp(a, "--will-qos")) {
        if (parse_long(v, 0, 2, &n)) goto bad;
        o->will_qos = (int)n;
    } else if (o->mode == TOOL_PUB && !strcmp(a, "-m")) return set_source(o, MSG_ARG, v, err, cap) ? -1 : 1;
    else if (o->mode == TOOL_PUB && !strcmp(a, "-f")) return set_source(o, MSG_FILE, v, err, cap) ? -1 : 1;
    else if (o->mode == TOOL_SUB && !strcmp(a, "-C")) {
        if (parse_long(v, 1, 1L << 30, &n)) goto bad;
        o->count = n;
    } else if (o->mode == TOOL_SUB && !strcmp(a, "-W")) {
        if (parse_long(v, 1, 1L << 30, &n)) goto bad;
        o->timeout_s = n;
    } else return 0;
    return 1;
bad:
    snprintf(err, cap, "invalid value '%s' for %s", v, a);
    return -1;
}

static int check_combination(const tool_options *o, char *err, size_t cap)
{
    if (o->topic_count == 0 && o->mode != TOOL_FW) {
        snprintf(err, cap, "a topic is required (-t)");
        return -1;
    }
    if (o->mode == TOOL_PUB && o->source == MSG_NONE) {
        snprintf(err, cap, "a message is required (-m, -f, -s, -l or -n)");
        return -1;
    }
    if ((o->will_payload || o->will_qos || o->will_retain) && !o->will_topic) {
        snprintf(err, cap, "--will-payload, --will-qos and --will-retain need --will-topic");
        return -1;
    }
    if (o->password && !o->username && o->version == 4) {
        snprintf(err, cap, "-P needs -u with MQTT 3.1.1");
        return -1;
    }
    if (!o->clean_session && !o->client_id) {
        snprintf(err, cap, "-c (persistent session) needs a client id (-i)");
        return -1;
    }
    if ((o->psk != NULL) != (o->psk_identity != NULL)) {
        snprintf(err, cap, "--psk and --psk-identity go together");
        return -1;
    }
    if ((o->cert != NULL) != (o->key != NULL)) {
        snprintf(err, cap, "--cert and --key go together");
        return -1;
    }
    if (o->session_expiry && o->version != 5) {
        snprintf(err, cap, "-x (session expiry) needs MQTT 5 (-V 5)");
        return -1;
    }
    return 0;
}

int tool_parse_one(tool_options *o, int argc, char **argv, int *i, char *err, size_t err_cap)
{
    const char *a = argv[*i];
    int r = parse_flag(o, a, err, err_cap);
    if (r != 0) return r;
    if (*i + 1 >= argc) return 0;
    r = parse_valued(o, a, argv[*i + 1], err, err_cap);
    if (r > 0) (*i)++;
    return r;
}

void tool_options_defaults(tool_options *o, tool_mode mode) { defaults(o, mode); }

int tool_options_finish(tool_options *o, char *err, size_t err_cap)
{
    if (o->tls && !o->port_given) o->port = 8883;
    return check_combination(o, err, err_cap);
}

int tool_parse_options(tool_options *o, tool_mode mode, int argc, char **argv, char *err,
                       size_t err_cap)
{
    defaults(o, mode);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help")) return 1;
        int r = tool_parse_one(o, argc, argv, &i, err, err_cap);
        if (r < 0) return -1;
        if (r == 0) {
            snprintf(err, err_cap, i + 1 >= argc ? "unknown option or missing value: %s" : "unknown option: %s", a);
            return -1;
        }
    }
    return tool_options_finish(o, err, err_cap);
}
