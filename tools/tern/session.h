/* What tern pub and tern sub share: a client over TCP built from the command-line options,
 * the clock, the packet trace (-d) and one-line error messages. */
#ifndef TERN_TOOL_SESSION_H
#define TERN_TOOL_SESSION_H

#include "options.h"
#include "tern/client.h"
#include "tern/tcp.h"
#include "tern/tls.h"
#include "tern/ws.h"
#include "tern/pkcs11.h"

#define TOOL_CONNECT_TIMEOUT_MS 10000u

typedef struct {
    const tool_options *o;
    tern_tcp tcp;
    tern_tls tls;             /* used instead of tcp with TLS options */
    int use_tls;
    tern_ws ws;               /* over tcp or tls with -L ws:// or wss:// */
    uint8_t *ws_buf;
    int use_ws;
    tern_pkcs11 p11;          /* --key pkcs11:... */
    int use_p11;
    int connects;             /* CONNACKs accepted so far */
    int session_present;      /* of the last one */
    tern_client client;
    tern_client_config cfg;
    tern_connect_options conn;
    tern_publish will;
    const char *client_id;    /* -i as given (never shortened), or generated_id */
    char generated_id[64];
    tern_status sub_status;  /* set when a SUBACK refuses a filter */
    int subacked;
    int unsubacked;           /* an UNSUBACK arrived */
    tern_props connect_props; /* -D connect, -D will: copies the engine may point to */
    tern_props will_props;
    long received;            /* messages printed by tern sub */
    void *fw;                 /* tern fw agent's state, for its message callback */
    tern_status violation;    /* the broker broke the protocol: tern sub stops reconnecting */
    char server_reference[160]; /* MQTT 5: where the broker's last CONNACK/DISCONNECT points, escaped */
} tool_session;

/* Build the client: buffers of the given sizes (heap: the CLI may allocate, the core never
 * does), inflight slots of slot_cap bytes each. Returns 0 or -1 with a message printed. */
int tool_session_init(tool_session *s, const tool_options *o, uint32_t tx_cap, uint32_t rx_cap,
                      uint16_t slots, uint32_t slot_cap, uint16_t inbound_qos2);
/* Connect and wait for CONNACK. Returns 0 or -1 with a one-line message printed. */
int tool_session_connect(tool_session *s);
void tool_session_free(tool_session *s);
/* Make the send buffer and every in-flight slot hold packets of need bytes (never shrinks).
 * Only while idle: nothing queued, no slot in use (after tern_client_wait_idle). 0, or -1
 * when memory runs out (the buffers so far stay valid). */
int tool_session_grow(tool_session *s, uint32_t need);
/* Publish, driving the client while the in-flight slots or the send buffer are full. */
tern_status tool_publish(tool_session *s, const tern_publish *m);

/* Print "tern: <what>: <why>" for a status, naming CONNACK/DISCONNECT reasons and errno. */
void tool_fail(tool_session *s, const char *what, tern_status st);

/* -d: the client's on_trace hook (trace.c); user is the tool_session. */
void tool_trace(tern_client *c, int outgoing, const uint8_t *packet, size_t len, void *user);
/* The client's on_trace hook: notes a Server Reference (server_reference.c), then tool_trace
 * with -d. */
void tool_observe(tern_client *c, int outgoing, const uint8_t *packet, size_t len, void *user);

/* TLS helpers (session_tls.c). */
/* The TCP connection under the transport in use. */
tern_tcp *tool_tcp(tool_session *s);
/* --tls-session: offer the session saved in the file, if any / save the current one. */
void tool_tls_session_load(tool_session *s);
void tool_tls_session_save(tool_session *s);
/* -d: one line on the TLS connection: version, cipher, resumed or full, ALPN. */
void tool_tls_describe(tool_session *s);

/* PKCS#11 (session_pkcs11.c): --key pkcs11:URI. After tern_tls_init without a certificate
 * or key: open the token and present --cert with its key. 0, or -1 with a message printed. */
int tool_pkcs11_attach(tool_session *s);
/* After tern_tls_deinit. */
void tool_pkcs11_free(tool_session *s);

/* WebSocket (session_ws.c). */
/* Put the transport chosen so far under a WebSocket. 0, or -1 with a message printed. */
int tool_ws_wrap(tool_session *s);
void tool_ws_free(tool_session *s);
/* The WebSocket layer's reason for the last failure, "" if none (or no WebSocket). */
const char *tool_ws_error(const tool_session *s);

#endif
