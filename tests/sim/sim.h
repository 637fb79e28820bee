/* The deterministic simulator of the engine's world (tests/sim): a real tern_client, a model
 * broker, an in-memory network with faults, a simulated clock and a random application, all
 * driven from one seeded PRNG in one thread, so that a seed replays exactly.
 *
 * One world at a time lives in the global W; each file owns one part of it:
 *   rng.c     the PRNG (splitmix64)
 *   trace.c   the ring of recent events, failure reports
 *   net.c     the transport and the clock the client sees, with their faults
 *   broker.c  the model broker: packets from the client, sessions, acks
 *   flows.c   the broker's messages to the client: queue, re-sends, ids, violations
 *   app.c     the application: callbacks, random API calls, the delivery oracle
 *   main.c    seeds, knobs, the step loop, the end-of-run checks */
#ifndef TERN_SIM_H
#define TERN_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "tern/client.h"

/* ------------------------------------------------------------------ rng.c */
typedef struct {
    uint64_t state;
} sim_rng;

uint64_t rng_next(sim_rng *r);
uint32_t rng_below(sim_rng *r, uint32_t n);             /* 0..n-1; 0 when n is 0 */
uint32_t rng_range(sim_rng *r, uint32_t lo, uint32_t hi); /* lo..hi inclusive */
int rng_chance(sim_rng *r, uint32_t per_million);       /* true with that probability */

/* ------------------------------------------------------------------ trace.c */
#if defined(__GNUC__)
#define SIM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SIM_PRINTF(a, b)
#endif
void sim_event(const char *fmt, ...) SIM_PRINTF(1, 2);
/* An invariant broke: print seed, step, message and the last events; end the seed. */
_Noreturn void sim_fail(const char *fmt, ...) SIM_PRINTF(1, 2);
void trace_reset(void);
void trace_dump(unsigned last);
/* The packet's type and id, for events ("PUBLISH q1 id 7 dup"). */
const char *trace_packet(const uint8_t *p, size_t n);

/* ------------------------------------------------------------------ the world */
#define PIPE_CAP (1u << 18)      /* bytes in flight one way on one connection */
#define LOG_CAP (1u << 17)       /* broker packets on one connection not yet handled */
#define TOKEN_CAP (1u << 16)     /* messages per seed, each way */
#define TOPIC_COUNT 5
#define FILTER_COUNT 6
#define BROKER_QUEUE 48          /* messages the broker holds for the client */
#define BROKER_QOS2 64           /* the client's QoS 2 ids the broker holds (PUBREC sent) */
#define DELAY_CAP 8              /* acks the broker holds back */
#define APP_TOKEN_BIT 0x80000000u

extern const char *const sim_topics[TOPIC_COUNT];
extern const char *const sim_filters[FILTER_COUNT];
/* sim_match[f][t]: does filter f match topic t (by hand, independent of the codec). */
extern const uint8_t sim_match[FILTER_COUNT][TOPIC_COUNT];

/* What a seed decides about the world. Probabilities are per million. */
typedef struct {
    tern_mqtt_version version;
    uint32_t tx_cap, rx_cap, slot_cap;
    uint16_t slots, qos2_ids, aliases_in, aliases_out;
    uint8_t auto_reconnect, persistent, keep_alive;
    uint32_t session_expiry;
    uint32_t p_block_send, p_block_recv, p_partial, p_block_open;
    uint32_t p_cut, p_restart, p_restart_keeps, p_violation, p_clock_jump;
    uint32_t p_delay_ack, p_dup_ack, p_refuse, p_graceful;
    uint32_t p_cb_publish, p_cb_subscribe, p_cb_disconnect, p_app_disconnect, p_hold, p_cb_connect;
    uint32_t max_payload;
    uint16_t broker_receive_max, broker_alias_max;
    uint16_t broker_inflight_311; /* 3.1.1: the broker's own limit of messages in flight to us */
    uint8_t drive;               /* 0 poll, 1 event loop calls, 2 both and the blocking layer */
    uint8_t broker_311_only;     /* answers an MQTT 5 CONNECT with a 3.1.1 refusal (code 1) */
    uint8_t fallback_311;        /* the client's opt-in fallback to 3.1.1 */
} sim_knobs;

/* One packet the broker wrote on this connection, in order. */
typedef struct {
    uint32_t at, len;
    uint8_t violation;           /* a violation kind, 0 for none */
    uint8_t state;               /* PKT_WAITING, PKT_HANDLED, or PKT_HELD by the application */
} sent_packet;
enum { PKT_WAITING, PKT_HANDLED, PKT_HELD };

typedef struct {
    uint8_t c2b[PIPE_CAP];       /* client to broker, not yet read by the broker */
    uint32_t c2b_len;
    uint8_t b2c[PIPE_CAP];       /* broker to client; the client reads from b2c_pos */
    uint32_t b2c_len, b2c_pos;
    sent_packet log[LOG_CAP];    /* broker packets; all before `handled` were handled */
    uint32_t log_n, handled;
    uint32_t current;            /* the one being handled now */
    int open;                    /* the client holds the connection open */
    int cut;                     /* broken under the client: its next send/recv fails */
    int graceful;                /* the cut was a close: what was sent is still readable */
    uint32_t broker_down_until;  /* step until which connections are refused */
    uint32_t conn;               /* connection number */
    uint8_t violation_handled;   /* the client handled a violating packet on this connection */
    uint8_t closed_violation;    /* ... on the connection it closed last (for on_disconnect) */
    uint32_t now;                /* the clock, ms */
} sim_net;

/* A message the broker sends the client (its token is the index of msg_info). */
typedef struct {
    uint32_t token;
    uint16_t id;
    uint8_t qos, state, dup;
    uint32_t order;
} broker_msg;
enum { BM_FREE, BM_QUEUED, BM_SENT, BM_PUBREL };

typedef struct {
    int exists;
    uint32_t number;             /* sessions are numbered as the broker starts them */
    /* The CONNACK that started this session (session present 0) never reached the client:
     * it still holds the state of an older session, and cannot know (an MQTT race, not a
     * defect). Checks that need both sides to agree on the session only take notes here. */
    uint8_t desync;
    uint16_t next_id;
    uint32_t next_order;
    broker_msg out[BROKER_QUEUE];
    uint16_t qos2_ids[BROKER_QOS2];   /* client's QoS 2 messages the broker PUBREC'd */
    uint32_t qos2_tokens[BROKER_QOS2];
    uint16_t qos2_count;
    uint8_t subs[FILTER_COUNT];       /* granted QoS + 1, 0 when not subscribed */
} broker_session;

typedef struct {
    uint8_t bytes[8];
    uint8_t len;
} delayed_ack;

typedef struct {
    broker_session s;
    int state;                   /* 0 no connection, 1 waiting for CONNECT, 2 connected */
    tern_mqtt_version v;
    uint8_t clean;
    uint32_t expiry;
    uint16_t client_receive_max;
    uint16_t client_alias_max;
    uint16_t receive_max;        /* what the broker told the client (v5) */
    uint16_t held;               /* client QoS 1/2 PUBLISHes not yet completed (v5 count) */
    uint8_t new_session_unseen;  /* a CONNACK with session present 0 the client has not handled */
    uint8_t out_alias[TOPIC_COUNT];   /* alias the broker bound to a topic toward the client */
    uint8_t in_alias[16];             /* topic + 1 the client bound to an alias */
    delayed_ack delayed[DELAY_CAP];
    uint8_t delayed_n;
    uint8_t retained[TOPIC_COUNT];    /* 1 + QoS of the retained message, 0 none */
    uint32_t retained_token[TOPIC_COUNT];
} sim_broker;

/* What the oracle knows of each message. */
typedef struct {
    uint8_t topic, qos, plen, retain;
    uint16_t delivered;          /* to the app (broker tokens) or the broker's subscribers */
    uint16_t sends;              /* broker tokens: PUBLISHes written */
    uint8_t refused, done;       /* app tokens: refused by the broker; publish_done seen */
    uint8_t forgotten;           /* broker tokens: its QoS 2 id was forgotten (a full table) */
    uint32_t session;            /* app tokens: the broker session that last received it */
} msg_info;

typedef struct {
    uint32_t broker_tokens, app_tokens;
    msg_info broker_msg[TOKEN_CAP];
    msg_info app_msg[TOKEN_CAP];
    uint32_t by_id[65536];       /* app token in flight under a packet id, 0 none */
    uint16_t sub_filters[65536]; /* filters of the app's SUBSCRIBE/UNSUBSCRIBE by id */
    uint32_t in_flight;
    int connected, idle, disconnecting, in_callback;
    uint8_t qos2_forgotten; /* the engine said it forgot an inbound QoS 2 id (a full table) */
    uint16_t qos2_before[64 + 4];   /* the client's QoS 2 table before the packet being handled */
    uint16_t qos2_resumed[64 + 4];  /*   and as the last CONNACK left it (ids a broker may have lost) */
    uint32_t qos2_token[65536];     /* the broker token last delivered under a QoS 2 id */
    int use_311;                 /* told the broker does not speak MQTT 5: connect with 3.1.1 */
    int version_change;          /* a connect with another version drops what is in flight */
    int in_disconnect;           /* on_disconnect runs (a disconnect from it calls it again) */
    uint64_t notes;              /* findings that break no invariant of the issue */
    tern_status last_disconnect;
    uint32_t disconnects;
} sim_app;

#define GUARD 64
typedef struct {
    uint64_t seed;
    uint64_t step;
    sim_rng rng;
    sim_knobs k;
    sim_net net;
    sim_broker broker;
    sim_app app;
    tern_client client;
    tern_client_config cfg;
    tern_connect_options opts;
    int draining;
    /* Buffers handed to the engine, each between guard bytes. */
    uint8_t tx[GUARD + 4096 + GUARD], rx[GUARD + 4096 + GUARD];
    uint8_t slot_mem[16][GUARD + 512 + GUARD];
    tern_inflight slots[16];
    uint16_t qos2_ids[64 + 4];
    uint8_t alias_mem[2][8][GUARD + 16 + GUARD];
    tern_topic_alias aliases[2][8];
} sim_world;

extern sim_world W;

/* What happened in all seeds run so far (not reset per seed), for the summary. */
typedef struct {
    uint64_t connections, new_sessions, resumed, cuts, restarts, violations, holds;
    uint64_t to_client, delivered, from_app, acked_to_app;
} sim_stats;
extern sim_stats S_total;

/* ------------------------------------------------------------------ net.c */
void net_reset(void);
void net_transport(tern_transport *t);
uint32_t net_clock(void *ctx);
/* The broker cuts the connection (reset, or a close after which sent bytes still arrive). */
void net_cut(int graceful);
/* The client handled (traced) an inbound packet: match it with what the broker sent. */
void net_client_handled(const uint8_t *p, size_t n);
/* The application held the message being handled (tern_client_hold): it comes again. */
void net_client_held(void);
/* Append a broker packet to the client's stream. 0 when there is no room. */
int net_broker_write(const uint8_t *p, uint32_t n, uint8_t violation);
uint32_t net_broker_room(void);

/* ------------------------------------------------------------------ broker.c */
void broker_reset(void);
void broker_accept(void);
void broker_closed(void);
/* Read and answer what the client sent. */
void broker_run(void);
/* A restart: cut, down for a while, session kept or not. */
void broker_restart(int keep_session);
int broker_idle(void);
/* Queue an ack (maybe held back, maybe twice). */
void broker_ack(uint8_t type, uint16_t id, uint8_t reason);

/* ------------------------------------------------------------------ flows.c */
/* A message for the client's subscriptions (QoS 0 only when connected). */
void flows_publish(uint8_t topic, uint8_t qos, uint8_t retain);
/* Send what the client's receive maximum allows. */
void flows_send(void);
void flows_resend(void);
void flows_on_ack(uint8_t type, uint16_t id);
void flows_drop_session(void);
/* Write a protocol violation (and a QoS 0 message after it) when one fits now. */
int flows_violation(int reply_kind, uint16_t id, uint16_t filters);
int flows_pending(void);
enum { VIOL_NONE, VIOL_SUBACK_EXTRA, VIOL_PUBACK_FOR_QOS2, VIOL_PUBREC_FOR_QOS1,
       VIOL_CONNACK_AGAIN, VIOL_QOS3, VIOL_ALIAS_UNBOUND, VIOL_COUNT };
const char *violation_name(uint8_t kind);

/* ------------------------------------------------------------------ app.c */
void app_reset(void);
void app_callbacks(tern_callbacks *cb);
/* One random action of the application outside callbacks. */
void app_act(void);
void app_connect(void);
/* After any call into the engine from outside a callback. */
void app_after_call(void);
void app_check_final(void);
/* The oracle: the broker received a client message / completed a message to the client. */
void oracle_broker_received(uint32_t token, uint8_t qos, uint8_t topic, int first_time);
void oracle_client_acked(uint32_t token, uint8_t type, uint16_t id);
uint32_t oracle_new_broker_token(uint8_t topic, uint8_t qos, uint8_t retain);
/* Payload of a message: its token, then bytes that follow from it. */
uint32_t oracle_payload(uint32_t token, uint8_t plen, uint8_t *out);
int oracle_payload_ok(const uint8_t *p, uint32_t n, uint32_t *token);

#endif
