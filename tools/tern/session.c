/* The client that tern pub and tern sub share. */
#define _POSIX_C_SOURCE 200809L
#include "session.h"

#include "pkcs11_uri.h"
#include "secure_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_suback(tern_client *c, uint8_t type, const tern_suback *ack, void *user)
{
    tool_session *s = user;
    (void)c;
    if (type == TERN_UNSUBACK) s->unsubacked = 1;
    if (type != TERN_SUBACK) return;
    s->subacked = 1;
    /* A SUBACK with another number of codes than filters never gets here: the engine ends
     * the connection with TERN_ERR_ACK_COUNT, which tool_fail names. */
    for (uint16_t i = 0; i < ack->count; i++) {
        if (ack->codes[i] < 0x80) continue;
        fprintf(stderr, "tern: subscription to '%s' refused: %s\n",
                i < s->o->topic_count ? s->o->topics[i] : "?",
                tern_reason_str(ack->codes[i], TERN_SUBACK, s->conn.version));
        s->sub_status = TERN_ERR_PROTOCOL;
    }
}

/* -d with TLS: how each connection (reconnects too) was secured. */
static void on_connect(tern_client *c, tern_status st, const tern_connack *ack, void *user)
{
    tool_session *s = user;
    (void)c;
    if (st != TERN_OK) return;
    s->connects++;
    s->session_present = ack->session_present;
    if (s->use_tls && s->o->debug) tool_tls_describe(s);
}

static void set_will(tool_session *s, const tool_options *o)
{
    if (!o->will_topic) return;
    s->will.topic = tern_str(o->will_topic);
    s->will.payload = tern_str(o->will_payload);
    s->will.qos = (uint8_t)o->will_qos;
    s->will.retain = (uint8_t)o->will_retain;
    if (o->has_will_props) {
        s->will_props = o->will_props.props;
        s->will.props = &s->will_props;
    }
    s->conn.will = &s->will;
}

static void set_connect_options(tool_session *s, const tool_options *o)
{
    s->client_id = s->generated_id;
    if (o->client_id) s->client_id = o->client_id; /* whole: a shortened id is another client */
    else if (o->mode == TOOL_FW) { /* a device's status topic needs a name that lasts */
        char host[48] = "device";
        (void)gethostname(host, sizeof host - 1);
        snprintf(s->generated_id, sizeof s->generated_id, "tern-fw-%s", host);
    } else if (o->id_prefix) {
        snprintf(s->generated_id, sizeof s->generated_id, "%s%ld", o->id_prefix, (long)getpid());
    } else snprintf(s->generated_id, sizeof s->generated_id, "tern-%s-%ld",
                    o->mode == TOOL_PUB ? "pub" : "sub", (long)getpid());
    s->conn.version = o->version == 5 ? TERN_MQTT_5 : TERN_MQTT_311;
    s->conn.client_id = tern_str(s->client_id);
    s->conn.username = tern_str(o->username);
    s->conn.has_username = o->username != NULL;
    s->conn.password = tern_str(o->password);
    s->conn.has_password = o->password != NULL;
    s->conn.clean_start = (uint8_t)o->clean_session;
    s->conn.keep_alive = (uint16_t)o->keepalive;
    s->conn.session_expiry = (uint32_t)o->session_expiry;
    /* -c in MQTT 5 without -x (or -D connect session-expiry-interval): keep the session, as
     * mosquitto_sub does; an expiry of 0 would end it with the connection. */
    int expiry_in_props = o->has_connect_props &&
                          (o->connect_props.props.present & TERN_PROP_BIT(TERN_PROP_SESSION_EXPIRY));
    if (!o->clean_session && o->version == 5 && !o->session_expiry && !expiry_in_props)
        s->conn.session_expiry = UINT32_MAX;
    s->conn.connect_timeout_ms = TOOL_CONNECT_TIMEOUT_MS;
    if (o->has_connect_props) {
        s->connect_props = o->connect_props.props;
        s->conn.props = &s->connect_props;
    }
    set_will(s, o);
}

static int is_loopback(const char *host)
{
    return !strcmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "::1");
}

/* The legacy-broker flags: each loosens one certificate rule, loudly. */
static void relax_cert_policy(tern_tls_config *tc, const tool_options *o)
{
    if (o->allow_weak_keys) {
        tc->min_rsa_bits = 1024;
        tc->min_ecc_bits = 224;
        fprintf(stderr, "tern: warning: --tls-allow-weak-keys: RSA keys from 1024 bits and ECC keys "
                        "from 224 bits are accepted; such keys can be broken\n");
    }
    if (o->allow_sha1) {
        tc->allow_sha1_signatures = 1;
        fprintf(stderr, "tern: warning: --tls-allow-sha1: certificates signed with SHA-1 are accepted; "
                        "such signatures can be forged\n");
    }
    if (o->ignore_key_usage) {
        tc->ignore_key_usage = 1;
        fprintf(stderr, "tern: warning: --tls-ignore-key-usage: certificates are used for what their "
                        "keyUsage does not allow\n");
    }
}

/* The TLS client key is a secret like --pw-file: tern reads it with secure_file_read's checks
 * (this user's own private regular file, no symbolic link) and hands the library the bytes,
 * so that the file checked is the file used. */
enum { CLIENT_KEY_MAX = 65536 }; /* a PEM key with room for a chain put in the same file */
static int read_client_key(const char *path, uint8_t *buf, tern_tls_config *tc)
{
    long n = secure_file_read(path, "TLS client key", buf, CLIENT_KEY_MAX);
    if (n == SECURE_FILE_ABSENT) fprintf(stderr, "tern: cannot read TLS client key %s: no such file\n", path);
    if (n < 0) return -1;
    tc->key_buf = buf;
    tc->key_len = (size_t)n;
    tc->key_buf_name = path;
    return 0;
}

/* The transport: TCP, or TLS over it with the options' trust and identity. */
static int set_transport(tool_session *s, const tool_options *o)
{
    if (!o->tls) {
        if (o->password && !is_loopback(o->host))
            fprintf(stderr, "tern: warning: sending the password in clear text to %s; use TLS (--cafile)\n", o->host);
        tern_tcp_init(&s->tcp, o->host, o->port, TOOL_CONNECT_TIMEOUT_MS);
        tern_tcp_transport(&s->tcp, &s->cfg.transport);
        return 0;
    }
    if (o->insecure)
        fprintf(stderr, "tern: warning: --insecure: the broker's host name is not checked; "
                        "anyone with a certificate from a trusted CA can impersonate it\n");
    tern_tls_config tc;
    tern_tls_config_init(&tc);
    tc.ca_file = o->cafile;
    tc.ca_path = o->capath;
    int token_key = tool_is_pkcs11_uri(o->key); /* the certificate goes with it, below */
    tc.cert_file = token_key ? NULL : o->cert;
    static uint8_t key[CLIENT_KEY_MAX];
    if (!token_key && o->key && read_client_key(o->key, key, &tc) != 0) return -1;
    tc.psk_hex = o->psk;
    tc.psk_identity = o->psk_identity;
    tc.alpn = o->alpn;
    tc.ciphers = o->ciphers;
    tc.min_version = tc.max_version = o->tls_version;
    tc.insecure_skip_hostname_check = (uint8_t)o->insecure;
    relax_cert_policy(&tc, o);
    tern_status st = tern_tls_init(&s->tls, o->host, o->port, TOOL_CONNECT_TIMEOUT_MS, &tc);
    secure_wipe(key, sizeof key); /* wolfSSL keeps its own copy */
    if (st != TERN_OK) {
        fprintf(stderr, "tern: TLS: %s\n", tern_tls_error(&s->tls));
        return -1;
    }
    s->use_tls = 1;
    if (token_key && tool_pkcs11_attach(s) != 0) return -1;
    tern_tls_transport(&s->tls, &s->cfg.transport);
    tool_tls_session_load(s);
    return 0;
}

int tool_session_init(tool_session *s, const tool_options *o, uint32_t tx_cap, uint32_t rx_cap,
                      uint16_t slots, uint32_t slot_cap, uint16_t inbound_qos2)
{
    memset(s, 0, sizeof *s);
    s->o = o;
    set_connect_options(s, o);
    if (set_transport(s, o) != 0) return -1;
    if (o->websocket && tool_ws_wrap(s) != 0) return -1;
    s->cfg.now_ms = tern_posix_now_ms;
    s->cfg.tx_cap = tx_cap;
    s->cfg.rx_cap = rx_cap;
    s->cfg.tx = malloc(tx_cap);
    s->cfg.rx = malloc(rx_cap);
    s->cfg.inflight_count = slots;
    s->cfg.inflight = calloc(slots ? slots : 1, sizeof *s->cfg.inflight);
    s->cfg.inbound_qos2_count = inbound_qos2;
    s->cfg.inbound_qos2 = calloc(inbound_qos2 ? inbound_qos2 : 1, sizeof *s->cfg.inbound_qos2);
    int ok = s->cfg.tx && s->cfg.rx && s->cfg.inflight && s->cfg.inbound_qos2;
    for (uint16_t i = 0; ok && i < slots; i++) {
        s->cfg.inflight[i].cap = slot_cap;
        s->cfg.inflight[i].packet = malloc(slot_cap);
        ok = s->cfg.inflight[i].packet != NULL;
    }
    s->cfg.cb.user = s;
    s->cfg.cb.on_suback = on_suback;
    s->cfg.cb.on_connect = on_connect;
    s->cfg.cb.on_trace = tool_observe;
    if (!ok || tern_client_init(&s->client, &s->cfg) != TERN_OK) {
        fprintf(stderr, "tern: out of memory for %u-byte buffers\n", (unsigned)(tx_cap > rx_cap ? tx_cap : rx_cap));
        return -1;
    }
    return 0;
}

int tool_session_grow(tool_session *s, uint32_t need)
{
    /* The engine reaches tx and the slots through cfg at each use and keeps no pointer into
     * them between calls; realloc keeps their bytes, and the caller is idle anyway. */
    if (need <= s->cfg.tx_cap) return 0;
    uint8_t *tx = realloc(s->cfg.tx, need);
    if (!tx) return -1;
    s->cfg.tx = tx;
    s->cfg.tx_cap = need;
    for (uint16_t i = 0; i < s->cfg.inflight_count; i++) {
        uint8_t *packet = realloc(s->cfg.inflight[i].packet, need);
        if (!packet) return -1;
        s->cfg.inflight[i].packet = packet;
        s->cfg.inflight[i].cap = need;
    }
    return 0;
}

void tool_session_free(tool_session *s)
{
    tool_ws_free(s);
    if (s->use_tls) {
        tool_tls_session_save(s);
        tern_tls_deinit(&s->tls);
    }
    tool_pkcs11_free(s);
    for (uint16_t i = 0; s->cfg.inflight && i < s->cfg.inflight_count; i++) free(s->cfg.inflight[i].packet);
    free(s->cfg.inflight);
    free(s->cfg.inbound_qos2);
    free(s->cfg.tx);
    free(s->cfg.rx);
}

void tool_fail(tool_session *s, const char *what, tern_status st)
{
    uint8_t reason = tern_client_last_reason(&s->client);
    /* A Server Reference is told, never followed. */
    const char *ref = s->server_reference[0] ? "; it points to (not followed): " : "";
    if (st == TERN_ERR_CONNACK_REFUSED) {
        fprintf(stderr, "tern: %s: connection refused by the broker: %s (reason 0x%02x)%s%s\n", what,
                tern_reason_str(reason, TERN_CONNACK, s->conn.version), reason, ref, s->server_reference);
    } else if (st == TERN_ERR_PEER_PACKET_TOO_LARGE) {
        fprintf(stderr, "tern: %s: the broker sent a packet larger than our Maximum Packet Size (%u bytes)\n",
                what, (unsigned)s->cfg.rx_cap);
    } else if (st == TERN_ERR_SERVER_DISCONNECT) {
        fprintf(stderr, "tern: %s: the broker disconnected: %s (reason 0x%02x)%s%s\n", what,
                tern_reason_str(reason, TERN_DISCONNECT, s->conn.version), reason, ref, s->server_reference);
    } else if ((st == TERN_ERR_CONNECT_REFUSED || st == TERN_ERR_IO || st == TERN_ERR_TIMEOUT) &&
               tool_tcp(s)->last_errno) {
        fprintf(stderr, "tern: %s: %s:%u: %s (%s)\n", what, s->o->host, (unsigned)s->o->port,
                tern_status_str(st), strerror(tool_tcp(s)->last_errno));
    } else if (tool_ws_error(s)[0]) {
        fprintf(stderr, "tern: %s: WebSocket: %s\n", what, tool_ws_error(s));
    } else if (s->use_tls && tern_tls_error(&s->tls)[0] && st != TERN_ERR_DNS) {
        fprintf(stderr, "tern: %s: TLS: %s\n", what, tern_tls_error(&s->tls));
    } else if (st == TERN_ERR_DNS) {
        fprintf(stderr, "tern: %s: cannot resolve host '%s'\n", what, s->o->host);
    } else {
        fprintf(stderr, "tern: %s: %s\n", what, tern_status_str(st));
    }
}

int tool_session_connect(tool_session *s)
{
    tern_status st = tern_client_connect_wait(&s->client, &s->conn, TOOL_CONNECT_TIMEOUT_MS + 1000u);
    if (st == TERN_OK) return 0;
    tool_fail(s, "connect", st);
    return -1;
}

tern_status tool_publish(tool_session *s, const tern_publish *m)
{
    for (;;) {
        tern_status st = tern_client_publish(&s->client, m, NULL);
        if (st != TERN_ERR_BUSY && st != TERN_WOULD_BLOCK) return st;
        st = tern_client_run(&s->client, 2); /* short: go on as soon as an ack frees a slot */
        if (st != TERN_OK) return st;
    }
}
