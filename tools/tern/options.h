/* Command-line options of `tern pub` and `tern sub`, spelled as mosquitto_pub/sub spell them. */
#ifndef TERN_TOOL_OPTIONS_H
#define TERN_TOOL_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#define TERN_TOOL_MAX_TOPICS 32

/* TOOL_FW: the connection flags only (tern fw push / agent add their own). */
typedef enum { TOOL_PUB, TOOL_SUB, TOOL_FW } tool_mode;

typedef enum {
    MSG_NONE,       /* not given yet */
    MSG_ARG,        /* -m */
    MSG_FILE,       /* -f */
    MSG_STDIN_ALL,  /* -s */
    MSG_STDIN_LINES,/* -l */
    MSG_NULL        /* -n */
} tool_message_source;

typedef struct {
    tool_mode mode;
    const char *host;
    uint16_t port;
    const char *topics[TERN_TOOL_MAX_TOPICS];
    int topic_count;
    const char *message;          /* -m, or the file name for -f */
    tool_message_source source;
    int qos;
    int retain;
    const char *client_id;
    const char *username;
    const char *password;
    int keepalive;
    int version;                  /* 4 or 5 */
    long count;                   /* -C: sub exits after this many messages (0 = never) */
    long timeout_s;               /* -W: sub exits after this many seconds (0 = never) */
    int verbose;                  /* -v: print the topic before the payload */
    int no_newline;               /* -N */
    int clean_session;            /* cleared by -c */
    long session_expiry;          /* -x, MQTT 5 */
    int debug;                    /* -d: packet trace on stderr */
    int quiet;                    /* --quiet */
    const char *will_topic;
    const char *will_payload;
    int will_qos;
    int will_retain;
    /* TLS (any of these turns it on; the port then defaults to 8883) */
    int tls;
    int port_given;
    const char *cafile, *capath, *cert, *key, *psk, *psk_identity, *alpn, *ciphers;
    const char *tls_session;      /* file to resume from and save the TLS session to */
    uint8_t tls_version;          /* --tls-version: exactly this version (0: 1.2 or 1.3) */
    int insecure;                 /* --insecure: do not check the host name */
    /* MQTT over WebSocket: -L ws://, wss:// (url_ws.c) or --ws-path */
    int websocket;
    const char *ws_path;          /* the HTTP path (NULL: /mqtt) */
    char ws_url[512];             /* -L's host, user and path, cut apart */
} tool_options;

/* Parse argv (after the subcommand). On error, writes a one-line message to err and returns -1;
 * returns 1 for --help (usage printed by the caller), 0 when the options are usable. */
int tool_parse_options(tool_options *o, tool_mode mode, int argc, char **argv, char *err,
                       size_t err_cap);

/* Parse one connection option at argv[*i] (advancing *i past its value). 1 when it was one,
 * 0 when it is not a connection option, -1 on a bad value (message in err). */
int tool_parse_one(tool_options *o, int argc, char **argv, int *i, char *err, size_t err_cap);
/* Defaults for mode, and the checks that apply once every option is in. */
void tool_options_defaults(tool_options *o, tool_mode mode);
int tool_options_finish(tool_options *o, char *err, size_t err_cap);

/* -L with a ws:// or wss:// URL ([user[:pass]@]host[:port][/path]; the path is the HTTP path,
 * default port 80 or 443): 1 when parsed into o, 0 when the URL is of another scheme, -1 on
 * a bad URL (message in err). */
int tool_parse_ws_url(tool_options *o, const char *url, char *err, size_t err_cap);

/* The usage text of a mode. */
const char *tool_usage(tool_mode mode);

#endif
