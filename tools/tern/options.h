/* Command-line options of `tern pub`, `tern sub` and the connection flags of `tern fw`,
 * spelled as mosquitto_pub/sub spell them. One table (options.c) describes every flag. */
#ifndef TERN_TOOL_OPTIONS_H
#define TERN_TOOL_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "args.h"
#include "tern/codec.h"

#define TERN_TOOL_MAX_TOPICS 32
#define TOOL_MAX_USER_PROPS 8

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

/* MQTT 5 properties of one packet given with -D, user properties included. */
typedef struct {
    tern_props props;
    tern_user_prop user[TOOL_MAX_USER_PROPS];
} tool_props;

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
    const char *password;         /* -P, --pw-file or -L: the secret itself */
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
    int allow_weak_keys;          /* --tls-allow-weak-keys: RSA from 1024 bits, ECC from 224 */
    int allow_sha1;               /* --tls-allow-sha1: certificates signed with SHA-1 */
    int ignore_key_usage;         /* --tls-ignore-key-usage */
    /* mosquitto parity */
    const char *format;           /* sub -F */
    int no_retained;              /* sub -R: skip retained (stale) messages */
    int retained_only;            /* sub --retained-only: print retained ones, stop at the first other */
    int exit_after_subscribe;     /* sub -E */
    const char *filter_out[TERN_TOOL_MAX_TOPICS]; /* sub -T */
    int filter_out_count;
    const char *unsubscribe[TERN_TOOL_MAX_TOPICS]; /* sub -U */
    int unsubscribe_count;
    int repeat;                   /* pub --repeat: publish this many times (default 1) */
    long repeat_delay_ms;         /* pub --repeat-delay, in milliseconds */
    int allow_control_chars;      /* pub --allow-control-chars: topics with C0/C1 characters */
    int has_connect_props, has_publish_props, has_subscribe_props, has_will_props;
    tool_props connect_props, publish_props, subscribe_props, will_props; /* -D */
    /* MQTT over WebSocket: -L ws:// or wss://, or --ws-path */
    int websocket;
    const char *ws_path;          /* the HTTP path (NULL: /mqtt) */
    char url[512];                /* -L: the URL, cut into host, user, password, topic or path */
} tool_options;

/* Parse argv (argv[0] is the subcommand's name). On error, writes a one-line message to err
 * and returns -1; returns 1 for --help (usage printed by the caller), 0 when usable. */
int tool_parse_options(tool_options *o, tool_mode mode, int argc, char **argv, char *err,
                       size_t err_cap);

/* The flags of o->mode as a parser table that sets o (for tern fw, which adds its own). */
tool_arg_table tool_options_table(tool_options *o);
/* Defaults for mode, and the checks that apply once every option is in. */
void tool_options_defaults(tool_options *o, tool_mode mode);
int tool_options_finish(tool_options *o, char *err, size_t err_cap);

/* Print the usage text of a mode, every flag with its help line. */
void tool_print_usage(tool_mode mode, FILE *f);

/* -D (options_props.c): add the property NAME VALUE [VALUE2] to the packet CMD. */
int tool_add_property(tool_options *o, const char *cmd, const char *name, const char *value,
                      const char *value2, char *err, size_t cap);
/* Does -D property NAME take two values (user-property)? */
int tool_property_takes_two(const char *name);

/* -L mqtt(s)://[user[:password]@]host[:port]/topic or ws(s)://...[/path] (options_url.c).
 * 0, or -1 with a message in err. */
int tool_parse_url(tool_options *o, const char *url, char *err, size_t cap);

#endif
