/* The flags of tern pub, tern sub and tern fw's connection, as one table (args.h). Every bad
 * flag gets a one-line error; a secret is never repeated in one. */
#include "options.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "secure_file.h"
#include "sub_format.h"
#include "tern/tls.h"

#define P (1u << TOOL_PUB)
#define S (1u << TOOL_SUB)
#define F (1u << TOOL_FW)
#define ALL (P | S | F)
#define AT(field) offsetof(tool_options, field)

static int set_port(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    tool_options *o = opts;
    long port;
    (void)arg, (void)rest;
    if (tool_parse_number(v, 1, 65535, &port)) return snprintf(err, cap, "invalid value '%s' for -p/--port", v), -1;
    o->port = (uint16_t)port;
    o->port_given = 1;
    return 0;
}

static int add_to(const char **list, int *n, const char *v, const char *what, char *err, size_t cap)
{
    if (*n == TERN_TOOL_MAX_TOPICS) return snprintf(err, cap, "at most %d %s", TERN_TOOL_MAX_TOPICS, what), -1;
    list[(*n)++] = v;
    return 0;
}

static int add_topic(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    tool_options *o = opts;
    (void)arg, (void)rest;
    if (o->topic_count > 0 && o->mode == TOOL_PUB) return snprintf(err, cap, "tern pub takes one -t topic"), -1;
    return add_to(o->topics, &o->topic_count, v, "topics", err, cap);
}

static int add_filter_out(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    tool_options *o = opts;
    (void)arg, (void)rest;
    return add_to(o->filter_out, &o->filter_out_count, v, "-T filters", err, cap);
}

static int add_unsubscribe(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    tool_options *o = opts;
    (void)arg, (void)rest;
    return add_to(o->unsubscribe, &o->unsubscribe_count, v, "-U filters", err, cap);
}

/* -V, parsed here only. */
static int set_version(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    tool_options *o = opts;
    (void)arg, (void)rest;
    if (!strcmp(v, "mqttv311") || !strcmp(v, "311") || !strcmp(v, "4")) o->version = 4;
    else if (!strcmp(v, "mqttv5") || !strcmp(v, "5")) o->version = 5;
    else return snprintf(err, cap, "invalid value '%s' for -V/--protocol-version (mqttv311 or mqttv5)", v), -1;
    return 0;
}

static int persistent(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    (void)arg, (void)v, (void)rest, (void)err, (void)cap;
    ((tool_options *)opts)->clean_session = 0;
    return 0;
}

static int set_source(tool_options *o, tool_message_source src, const char *msg, char *err, size_t cap)
{
    if (o->source != MSG_NONE) return snprintf(err, cap, "only one of -m, -f, -s, -l, -n may be given"), -1;
    o->source = src;
    o->message = msg;
    return 0;
}

static int source_of(char flag)
{
    switch (flag) {
    case 'm': return MSG_ARG;
    case 'f': return MSG_FILE;
    case 's': return MSG_STDIN_ALL;
    case 'l': return MSG_STDIN_LINES;
    default: return MSG_NULL;
    }
}

static int message(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    (void)rest;
    return set_source(opts, (tool_message_source)source_of(arg->short_name), v, err, cap);
}

/* A TLS option: stored as given, and TLS is on. */
static int tls_string(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    ((tool_options *)opts)->tls = 1;
    return tool_arg_string(opts, arg, v, rest, err, cap);
}

static int tls_flag(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    tool_options *o = opts;
    (void)v, (void)rest, (void)err, (void)cap;
    o->tls = 1;
    if (arg->field) o->insecure = 1;
    return 0;
}

/* The library's own parser, so that the CLI accepts exactly what tern_tls does. */
static int tls_version(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    tool_options *o = opts;
    (void)arg, (void)rest;
    if (tern_tls_parse_version(v, &o->tls_version) != TERN_OK)
        return snprintf(err, cap, "invalid value '%s' for --tls-version (tlsv1.2 or tlsv1.3)", v), -1;
    o->tls = 1;
    return 0;
}

/* The secrets of --pw-file and --psk-file live here: not on the command line, not in argv. */
static char password_from_file[256], psk_from_file[2 * TERN_TLS_PSK_MAX + 2];

/* The first line of a secret file (secure_file_read's checks: this user's own regular file,
 * no symbolic link, closed to group and others). On a refusal secure_file_read has printed
 * the one line, so err stays empty. */
static int secret_file(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    tool_options *o = opts;
    (void)rest;
    int is_psk = !strcmp(arg->long_name, "psk-file");
    char *buf = is_psk ? psk_from_file : password_from_file;
    size_t buf_cap = is_psk ? sizeof psk_from_file : sizeof password_from_file;
    long n = secure_file_read(v, is_psk ? "PSK file" : "password file", (uint8_t *)buf, buf_cap - 1);
    if (n == SECURE_FILE_ABSENT) return snprintf(err, cap, "no such file: %s", v), -1;
    if (n < 0) return err[0] = 0, -1;
    buf[n] = 0;
    buf[strcspn(buf, "\r\n")] = 0;
    if (!buf[0]) return snprintf(err, cap, "the first line of %s is empty", v), -1;
    if (is_psk) {
        o->psk = buf;
        o->tls = 1;
    } else {
        o->password = buf;
    }
    return 0;
}

/* --repeat-delay SECONDS (a fraction is allowed, as in mosquitto_pub). */
static int repeat_delay(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    char *end = NULL;
    double s = strtod(v, &end);
    (void)arg, (void)rest;
    if (!*v || *end || !(s >= 0.0 && s <= 86400.0))
        return snprintf(err, cap, "invalid value '%s' for --repeat-delay (seconds, 0 to 86400)", v), -1;
    ((tool_options *)opts)->repeat_delay_ms = (long)(s * 1000.0 + 0.5);
    return 0;
}

/* -L: mqtt(s):// and ws(s):// (options_url.c). */
static int url(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    (void)arg, (void)rest;
    return tool_parse_url(opts, v, err, cap);
}

static int ws_path(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    tool_options *o = opts;
    (void)arg, (void)rest;
    if (v[0] != '/') return snprintf(err, cap, "invalid value '%s' for --ws-path (a path: /mqtt)", v), -1;
    o->ws_path = v;
    o->websocket = 1;
    return 0;
}

/* A TLS flag that relaxes one certificate rule: it turns TLS on too. */
static int tls_relax(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    ((tool_options *)opts)->tls = 1;
    return tool_arg_true(opts, arg, v, rest, err, cap);
}

/* -D CMD NAME VALUE (user-property: -D CMD user-property KEY VALUE). */
static int property(void *opts, const tool_arg *arg, const char *cmd, tool_args_rest *rest, char *err, size_t cap)
{
    (void)arg;
    const char *name = tool_args_take(rest);
    const char *value = name ? tool_args_take(rest) : NULL;
    const char *value2 = value && tool_property_takes_two(name) ? tool_args_take(rest) : NULL;
    if (!value || (tool_property_takes_two(name) && !value2))
        return snprintf(err, cap, "-D needs a command, a property name and its value(s)"), -1;
    return tool_add_property(opts, cmd, name, value, value2, err, cap);
}

/* -F: checked before connecting, as mosquitto_sub checks it. */
static int set_format(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    if (tool_format_check(v, err, cap) != 0) return -1;
    return tool_arg_string(opts, arg, v, rest, err, cap);
}

static const tool_arg table[] = {
    {'h', "host", "HOST", ALL, tool_arg_string, AT(host), 0, 0, "broker host (default localhost)"},
    {'p', "port", "PORT", ALL, set_port, 0, 0, 0, "broker port (default 1883, 8883 with TLS)"},
    {'L', "url", "URL", P | S, url, 0, 0, 0, "mqtt(s)://[user[:password]@]host[:port]/topic, or ws(s)://...[/path] for MQTT over WebSocket (a password here is visible to other users)"},
    {0, "ws-path", "PATH", P | S, ws_path, 0, 0, 0, "MQTT over WebSocket with this HTTP path (default /mqtt)"},
    {'t', "topic", "TOPIC", P | S, add_topic, 0, 0, 0, "topic to publish to; sub: filter to subscribe to (repeatable)"},
    {'T', "filter-out", "FILTER", S, add_filter_out, 0, 0, 0, "do not print messages whose topic matches FILTER (repeatable)"},
    {'U', "unsubscribe", "FILTER", S, add_unsubscribe, 0, 0, 0, "unsubscribe from FILTER first (a persistent session's; repeatable)"},
    {'q', "qos", "QOS", P | S, tool_arg_int, AT(qos), 0, 2, "quality of service: 0, 1 or 2 (default 0)"},
    {'m', "message", "MESSAGE", P, message, 0, 0, 0, "the message"},
    {'f', "file", "FILE", P, message, 0, 0, 0, "send the contents of FILE as the message"},
    {'s', "stdin-file", NULL, P, message, 0, 0, 0, "send standard input as one message"},
    {'l', "stdin-line", NULL, P, message, 0, 0, 0, "send each line of standard input as a message"},
    {'n', "null-message", NULL, P, message, 0, 0, 0, "send an empty message"},
    {'r', "retain", NULL, P, tool_arg_true, AT(retain), 0, 0, "ask the broker to retain the message"},
    {0, "repeat", "COUNT", P, tool_arg_int, AT(repeat), 1, 1000000, "publish the message COUNT times"},
    {0, "repeat-delay", "SECONDS", P, repeat_delay, 0, 0, 0, "wait SECONDS between repeats (fractions allowed)"},
    {0, "allow-control-chars", NULL, P, tool_arg_true, AT(allow_control_chars), 0, 0, "accept a topic with control characters (brokers may drop the publisher)"},
    {'C', "count", "COUNT", S, tool_arg_long, AT(count), 1, 1L << 30, "exit after COUNT messages"},
    {'W', "timeout", "SECONDS", S, tool_arg_long, AT(timeout_s), 1, 1L << 30, "stop after SECONDS: print \"Timed out\" and exit 27 (as mosquitto_sub)"},
    {'v', "verbose", NULL, S, tool_arg_true, AT(verbose), 0, 0, "print the topic before each message (control characters escaped on a terminal)"},
    {'N', NULL, NULL, S, tool_arg_true, AT(no_newline), 0, 0, "no newline after each message"},
    {'F', "format", "FORMAT", S, set_format, AT(format), 0, 0, "print with FORMAT, as mosquitto_sub: %t topic, %p payload, %l length, %q QoS, %r retained, %m id, %x/%X hex, %j/%J JSON, %U/%I time, %A %C %D %E %F %P %R %S MQTT 5 properties, flags/width/precision (%-10.5t), @X strftime, \\n \\t \\0 \\e ... (see tern(1))"},
    {'R', "no-retained", NULL, S, tool_arg_true, AT(no_retained), 0, 0, "do not print retained (stale) messages"},
    {0, "retained-only", NULL, S, tool_arg_true, AT(retained_only), 0, 0, "print only retained messages; exit at the first other one"},
    {'E', "exit-after-subscribe", NULL, S, tool_arg_true, AT(exit_after_subscribe), 0, 0, "exit once the subscriptions are acknowledged"},
    {'i', "id", "ID", ALL, tool_arg_string, AT(client_id), 0, 0, "client id (default tern-pub-PID, tern-sub-PID, tern-fw-HOSTNAME)"},
    {'u', "username", "USER", ALL, tool_arg_string, AT(username), 0, 0, "user name"},
    {'P', "pw", "PASSWORD", ALL, tool_arg_string, AT(password), 0, 0, "password (visible to other users: prefer --pw-file)"},
    {0, "pw-file", "FILE", ALL, secret_file, 0, 0, 0, "read the password from the first line of FILE (mode 0600 or stricter)"},
    {'k', "keepalive", "SECONDS", ALL, tool_arg_int, AT(keepalive), 0, 65535, "keep-alive interval (default 60; 0: off)"},
    {'V', "protocol-version", "VERSION", ALL, set_version, 0, 0, 0, "mqttv311 (default) or mqttv5 (also 311, 5)"},
    {'c', "disable-clean-session", NULL, ALL, persistent, 0, 0, 0, "persistent session (needs -i)"},
    {'x', "session-expiry-interval", "SECONDS", ALL, tool_arg_long, AT(session_expiry), 0, 4294967295L, "MQTT 5 session expiry"},
    {'D', "property", "CMD NAME VALUE", ALL, property, 0, 0, 0, "MQTT 5 property of CMD (connect, publish, subscribe, will), e.g. -D publish content-type text/plain"},
    {'d', "debug", NULL, ALL, tool_arg_true, AT(debug), 0, 0, "trace every packet on stderr"},
    {0, "quiet", NULL, ALL, tool_arg_true, AT(quiet), 0, 0, "no error messages"},
    {0, "will-topic", "TOPIC", ALL, tool_arg_string, AT(will_topic), 0, 0, "the will's topic"},
    {0, "will-payload", "MESSAGE", ALL, tool_arg_string, AT(will_payload), 0, 0, "the will's message"},
    {0, "will-qos", "QOS", ALL, tool_arg_int, AT(will_qos), 0, 2, "the will's QoS"},
    {0, "will-retain", NULL, ALL, tool_arg_true, AT(will_retain), 0, 0, "retain the will"},
    {0, "cafile", "FILE", ALL, tls_string, AT(cafile), 0, 0, "TLS: trusted CA certificates (PEM or DER); turns TLS on"},
    {0, "capath", "DIR", ALL, tls_string, AT(capath), 0, 0, "TLS: a directory of trusted CA certificates"},
    {0, "tls-use-os-certs", NULL, ALL, tls_flag, 0, 0, 0, "TLS with the system's CA store"},
    {0, "cert", "FILE", ALL, tls_string, AT(cert), 0, 0, "TLS: client certificate (with --key)"},
    {0, "key", "FILE", ALL, tls_string, AT(key), 0, 0, "TLS: client private key (a file, or a pkcs11: URI for a key in a token)"},
    {0, "tls-cert", "FILE", ALL, tls_string, AT(cert), 0, 0, "the same as --cert (tern fw's older spelling)"},
    {0, "tls-key", "FILE", ALL, tls_string, AT(key), 0, 0, "the same as --key (tern fw's older spelling)"},
    {0, "psk", "HEX", ALL, tls_string, AT(psk), 0, 0, "TLS-PSK key in hex (visible to other users: prefer --psk-file)"},
    {0, "psk-file", "FILE", ALL, secret_file, 0, 0, 0, "read the PSK (hex) from the first line of FILE (mode 0600 or stricter)"},
    {0, "psk-identity", "ID", ALL, tls_string, AT(psk_identity), 0, 0, "TLS-PSK identity"},
    {0, "tls-version", "VERSION", ALL, tls_version, 0, 0, 0, "only this TLS version: tlsv1.2 or tlsv1.3"},
    {0, "alpn", "LIST", ALL, tls_string, AT(alpn), 0, 0, "TLS ALPN protocols, comma-separated"},
    {0, "ciphers", "LIST", ALL, tls_string, AT(ciphers), 0, 0, "TLS cipher suites, colon-separated"},
    {0, "insecure", NULL, ALL, tls_flag, 1, 0, 0, "TLS without checking the broker's host name (warns)"},
    {0, "tls-session", "FILE", ALL, tls_string, AT(tls_session), 0, 0, "resume the TLS session saved in FILE, and save it there"},
    {0, "tls-allow-weak-keys", NULL, ALL, tls_relax, AT(allow_weak_keys), 0, 0, "legacy brokers only: accept RSA keys from 1024 bits and ECC from 224 (warns)"},
    {0, "tls-allow-sha1", NULL, ALL, tls_relax, AT(allow_sha1), 0, 0, "legacy brokers only: accept certificates signed with SHA-1 (warns)"},
    {0, "tls-ignore-key-usage", NULL, ALL, tls_relax, AT(ignore_key_usage), 0, 0, "legacy brokers only: ignore the certificates' keyUsage (warns)"},
};
#define TABLE_SIZE (sizeof table / sizeof table[0])

void tool_options_defaults(tool_options *o, tool_mode mode)
{
    memset(o, 0, sizeof *o);
    o->mode = mode;
    o->host = "localhost";
    o->port = 1883;
    o->keepalive = 60;
    o->version = 4;
    o->clean_session = 1;
    o->repeat = 1;
}

static int check_messages(const tool_options *o, char *err, size_t cap)
{
    if (o->topic_count == 0 && o->mode != TOOL_FW && !(o->mode == TOOL_SUB && o->unsubscribe_count))
        return snprintf(err, cap, "a topic is required (-t)"), -1;
    if (o->mode == TOOL_PUB && o->source == MSG_NONE)
        return snprintf(err, cap, "a message is required (-m, -f, -s, -l or -n)"), -1;
    if (o->no_retained && o->retained_only)
        return snprintf(err, cap, "-R and --retained-only exclude each other"), -1;
    if ((o->will_payload || o->will_qos || o->will_retain) && !o->will_topic)
        return snprintf(err, cap, "--will-payload, --will-qos and --will-retain need --will-topic"), -1;
    return 0;
}

static int check_session(const tool_options *o, char *err, size_t cap)
{
    if (o->password && !o->username && o->version == 4)
        return snprintf(err, cap, "-P needs -u with MQTT 3.1.1"), -1;
    if (!o->clean_session && !o->client_id)
        return snprintf(err, cap, "-c (persistent session) needs a client id (-i)"), -1;
    if (o->session_expiry && o->version != 5)
        return snprintf(err, cap, "-x (session expiry) needs MQTT 5 (-V 5)"), -1;
    int props = o->has_connect_props || o->has_publish_props || o->has_subscribe_props || o->has_will_props;
    if (props && o->version != 5) return snprintf(err, cap, "-D (properties) needs MQTT 5 (-V 5)"), -1;
    return 0;
}

static int check_tls(const tool_options *o, char *err, size_t cap)
{
    if ((o->psk != NULL) != (o->psk_identity != NULL))
        return snprintf(err, cap, "--psk and --psk-identity go together"), -1;
    if ((o->cert != NULL) != (o->key != NULL)) return snprintf(err, cap, "--cert and --key go together"), -1;
    return 0;
}

int tool_options_finish(tool_options *o, char *err, size_t err_cap)
{
    if (o->tls && !o->port_given) o->port = 8883;
    if (check_messages(o, err, err_cap) || check_session(o, err, err_cap) || check_tls(o, err, err_cap))
        return -1;
    return 0;
}

tool_arg_table tool_options_table(tool_options *o)
{
    return (tool_arg_table){table, TABLE_SIZE, o->mode, o};
}

int tool_parse_options(tool_options *o, tool_mode mode, int argc, char **argv, char *err,
                       size_t err_cap)
{
    tool_options_defaults(o, mode);
    int r = tool_args_parse(table, TABLE_SIZE, mode, o, argc, argv, NULL, err, err_cap);
    if (r != 0) return r;
    return tool_options_finish(o, err, err_cap);
}

void tool_print_usage(tool_mode mode, FILE *f)
{
    if (mode == TOOL_PUB)
        fputs("usage: tern pub [options] -t TOPIC (-m MESSAGE | -f FILE | -s | -l | -n)\n"
              "Publish a message, as mosquitto_pub does. Options:\n", f);
    else
        fputs("usage: tern sub [options] -t FILTER [-t FILTER ...]\n"
              "Subscribe and print what arrives, as mosquitto_sub does. Options:\n", f);
    tool_args_help(f, table, TABLE_SIZE, mode);
    fputs("Exit status: 0 on success, 1 on a failure (one line on stderr names it), 2 on bad\n"
          "options, 27 when -W passes before -C messages arrived (as mosquitto_sub).\n"
          "Secrets: -P and --psk are visible to every user of this machine (ps, /proc); use\n"
          "--pw-file and --psk-file instead.\n", f);
}
