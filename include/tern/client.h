/* tern session engine: one MQTT 3.1.1 or 5.0 connection, QoS 0/1/2 both ways.
 *
 * Zero malloc: the application owns the client struct, the send and receive buffers, the
 * in-flight slots and every table; it hands them over in tern_client_config and keeps them
 * alive. The engine knows no sockets: it talks through a tern_transport and reads time
 * through a clock callback.
 *
 * Three ways to drive it:
 *  - non-blocking core: call tern_client_poll() whenever convenient; nothing in it waits;
 *  - external event loop: poll tern_client_socket() for reading (and for writing when
 *    tern_client_wants_write()), call tern_client_on_readable / _on_writable when it is,
 *    and tern_client_tick() at least every tern_client_next_timeout_ms();
 *  - blocking: tern_client_connect_wait(), tern_client_run(), tern_client_wait_idle().
 */
#ifndef TERN_CLIENT_H
#define TERN_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "tern/codec.h"
#include "tern/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_client tern_client;

/** How many SUBSCRIBE and UNSUBSCRIBE requests may await their acknowledgement at once: the
 * engine remembers each one's filter count to check the broker's answer against it. */
#define TERN_SUBS_IN_FLIGHT 4

/* Where an outgoing QoS 1/2 message is in its flow: each waiting state is numbered as the
 * packet type that ends it (TERN_PUBACK, TERN_PUBREC, TERN_PUBCOMP), so an ack finds its slot
 * by its own type. */
typedef enum {
    TERN_SLOT_FREE = 0,
    TERN_SLOT_WAIT_PUBACK = 4,  /* QoS 1 PUBLISH sent */
    TERN_SLOT_WAIT_PUBREC = 5,  /* QoS 2 PUBLISH sent */
    TERN_SLOT_WAIT_PUBCOMP = 7  /* QoS 2 PUBREL sent (the slot now holds the PUBREL) */
} tern_slot_state;

/* One in-flight slot. The caller sets `packet` and `cap` (storage for one encoded PUBLISH);
 * the engine owns the rest. A QoS 1/2 message larger than `cap` is refused with
 * TERN_ERR_BUFFER_TOO_SMALL. The stored bytes are what is re-sent after a reconnect, and what
 * the on_store hook may persist. */
typedef struct {
    uint8_t *packet;
    uint32_t cap;
    uint32_t len;        /* bytes stored; 0 when free */
    uint32_t seq;        /* order of entry: re-sends keep the original order */
    uint16_t packet_id;
    uint8_t state;       /* tern_slot_state */
    uint8_t resend;      /* to be re-sent on the current connection */
} tern_inflight;

typedef void (*tern_message_fn)(tern_client *c, const tern_publish *msg, void *user);

/* Inbound messages whose topic matches `filter` go to on_message (first matching route wins;
 * unmatched messages go to tern_callbacks.on_message). */
typedef struct {
    tern_bytes filter;
    tern_message_fn on_message;
    void *user;
} tern_route;

/* One inbound topic alias (MQTT 5): the caller gives each entry storage for a topic of up to
 * `cap` bytes; the engine remembers there the topic the broker bound to the alias. */
typedef struct {
    uint8_t *topic;
    uint16_t cap;
    uint16_t len;    /* 0: unbound */
} tern_topic_alias;

/* Everything the engine tells the application. Any pointer may be NULL. */
typedef struct {
    void *user;
    /* An inbound message (QoS 2: exactly once). msg->props is set for MQTT 5. */
    tern_message_fn on_message;
    /* The CONNACK arrived: st is TERN_OK or TERN_ERR_CONNACK_REFUSED (ack->reason_code). */
    void (*on_connect)(tern_client *c, tern_status st, const tern_connack *ack, void *user);
    /* The connection ended; why is TERN_OK after tern_client_disconnect(). */
    void (*on_disconnect)(tern_client *c, tern_status why, void *user);
    /* An outgoing QoS 1/2 message finished: TERN_OK (acknowledged; reason is the v5 reason
     * code), TERN_ERR_SESSION_LOST (the broker did not resume the session: dropped), or
     * TERN_ERR_MESSAGE_REFUSED when the broker refused it (MQTT 5 reason >= 0x80). */
    void (*on_publish_done)(tern_client *c, uint16_t packet_id, tern_status st, uint8_t reason,
                            void *user);
    /* SUBACK or UNSUBACK (ack->codes has one code per filter, MQTT 5 UNSUBACK too; empty for
     * a 3.1.1 UNSUBACK). type is TERN_SUBACK or TERN_UNSUBACK. */
    void (*on_suback)(tern_client *c, uint8_t type, const tern_suback *ack, void *user);
    /* Something went wrong that did not end the connection (e.g. an inbound message larger
     * than the receive buffer was skipped: TERN_ERR_MESSAGE_TOO_LARGE). */
    void (*on_error)(tern_client *c, tern_status st, void *user);
    /* Every packet sent (outgoing 1) or received (0), for traces. */
    void (*on_trace)(tern_client *c, int outgoing, const uint8_t *packet, size_t len, void *user);
    /* Persistence hook: a slot was filled or changed (slot->len > 0) or freed (len == 0).
     * Saving slot->packet lets tern_client_restore() bring the message back after a reboot. */
    void (*on_store)(tern_client *c, const tern_inflight *slot, void *user);
    /* Messages larger than the receive buffer, in pieces: with this set, such a message
     * arrives as consecutive calls, msg->payload being one piece, `offset` where it starts in
     * the whole payload and `total` the whole payload's length (the last piece ends at total).
     * Topic, QoS, packet id and properties are valid in every call. The message is
     * acknowledged after its last piece (QoS 2: delivered once, as on_message). When the
     * connection ends mid-message, on_error gets TERN_ERR_MESSAGE_CUT: drop what arrived; a
     * QoS 1/2 message comes again from offset 0 when the session resumes. Without on_chunk
     * such messages are skipped (acknowledged) and on_error gets TERN_ERR_MESSAGE_TOO_LARGE.
     * MQTT 5: without on_chunk the CONNECT advertises rx_cap as Maximum Packet Size (the broker
     * then drops larger messages itself); with on_chunk it advertises none, unless the
     * caller's connect properties set one. */
    void (*on_chunk)(tern_client *c, const tern_publish *msg, uint32_t offset, uint32_t total,
                     void *user);
} tern_callbacks;

/* The application's memory and hooks. Kept by pointer: it must outlive the client. */
typedef struct {
    tern_transport transport;
    uint32_t (*now_ms)(void *clock_ctx);   /* monotonic milliseconds; wraps freely */
    void *clock_ctx;
    uint8_t *tx;                 /* send buffer: at least the largest packet sent */
    uint32_t tx_cap;
    uint8_t *rx;                 /* receive buffer: the largest packet accepted */
    uint32_t rx_cap;
    tern_inflight *inflight;     /* outgoing QoS 1/2 slots. MQTT 5 also honours the broker's
                                    Receive Maximum; MQTT 3.1.1 has no flow control, so keep
                                    this at or below the broker's limit (mosquitto: 20) */
    uint16_t inflight_count;
    uint16_t inbound_qos2_count; /* size of inbound_qos2 */
    uint16_t *inbound_qos2;      /* ids of inbound QoS 2 messages awaiting PUBREL. MQTT 5
                                    brokers are told half of inbound_qos2_count as our Receive
                                    Maximum: the rest is headroom for re-sends after a reconnect */
    tern_route *routes;
    uint16_t route_count;
    uint16_t topic_alias_count;  /* MQTT 5: advertised as Topic Alias Maximum (0 = none) */
    tern_topic_alias *topic_aliases;
    /* MQTT 5, outgoing QoS 0: the engine gives the first topics it publishes an alias (up to
     * this count and the broker's Topic Alias Maximum) and then sends just the alias. QoS 1/2
     * messages always carry their topic: they may be re-sent on a later connection, where
     * aliases are gone. A full table means later topics go out in full. */
    uint16_t out_topic_alias_count;
    tern_topic_alias *out_topic_aliases;
    tern_callbacks cb;
} tern_client_config;

/* What to connect with. Kept by pointer until the client is disconnected (reconnects reuse
 * it). */
typedef struct {
    tern_mqtt_version version;
    tern_bytes client_id;
    tern_bytes username;
    tern_bytes password;
    uint8_t has_username;
    uint8_t has_password;
    uint8_t clean_start;
    uint8_t auto_reconnect;      /* reconnect after a lost connection, with backoff */
    uint16_t keep_alive;         /* seconds; 0 = off */
    uint32_t session_expiry;     /* MQTT 5: seconds the broker keeps the session */
    const tern_publish *will;    /* NULL = no will; will->props are the will properties */
    tern_props *props;           /* MQTT 5: more CONNECT properties, or NULL */
    uint32_t reconnect_min_ms;   /* first backoff (default 500) */
    uint32_t reconnect_max_ms;   /* backoff ceiling (default 30000) */
    uint32_t connect_timeout_ms; /* transport open + CONNACK (default 10000) */
    uint8_t fallback_311;        /* MQTT 5 refused as unacceptable protocol version: retry in 3.1.1 */
} tern_connect_options;

/* Engine state; fields are private, the struct is public so it can be allocated statically. */
struct tern_client {
    const tern_client_config *cfg;
    const tern_connect_options *opts;
    uint32_t tx_head, tx_len, rx_len, rx_skip;
    uint32_t last_tx_ms, last_rx_ms, timer_ms;
    uint32_t backoff_ms, rng, next_seq, peer_max_packet;
    uint32_t chunk_left;         /* payload bytes of the message in pieces still to come */
    uint16_t next_id, keep_alive, peer_receive_max, unacked;
    uint16_t chunk_head;         /* its head, kept at the start of rx */
    uint16_t peer_topic_alias_max;
    uint16_t slot_hint;          /* where the next slot searches start: slots fill and drain */
    uint16_t ack_hint;           /*   in order, so the slot wanted is usually the one there */
    uint16_t send_quota;         /* MQTT 5: what the broker showed it takes in flight (0x97) */
    uint8_t state, ping_outstanding, resend_pending, last_reason, chunk_skip;
    uint8_t ids_wrapped;         /* packet ids went round (or were restored): check for clashes */
    uint8_t handling;            /* an inbound packet is being handled (its callbacks run) */
    uint8_t version;             /* tern_mqtt_version of this connection */
    uint8_t delivering;          /* on_message runs: tern_client_hold may be called */
    uint8_t held_now;            /*   and it was */
    uint8_t hold_retry;          /* offer the held messages again (a poll, a flow completed) */
    uint8_t hold_refused;        /* nothing else can arrive: the next hold is refused */
    uint32_t held_len;           /* bytes of held PUBLISHes at the start of rx */
    uint8_t subs_unsub;          /* bit i: sub_ids[i] is an UNSUBSCRIBE */
    uint16_t sub_ids[TERN_SUBS_IN_FLIGHT];    /* SUBSCRIBE/UNSUBSCRIBE awaiting their ack (0: free) */
    uint16_t sub_counts[TERN_SUBS_IN_FLIGHT]; /*   and how many filters each had */
    tern_status last_error;
};

/* Prepare a client; nothing happens on the network. TERN_ERR_INVALID_ARG for missing
 * buffers or hooks. */
tern_status tern_client_init(tern_client *c, const tern_client_config *cfg);

/* Start connecting (non-blocking): the transport is opened and CONNECT sent as tern_client_poll
 * runs. opts must outlive the connection. With another MQTT version than the last connection
 * (also after a fallback to 3.1.1), the messages in flight, encoded for that one, are dropped,
 * each reported to on_publish_done with TERN_ERR_SESSION_LOST. */
tern_status tern_client_connect(tern_client *c, const tern_connect_options *opts);

/* Publish. QoS 0 is queued for sending; QoS 1/2 take an in-flight slot (TERN_ERR_BUSY when
 * none is free or the broker's receive maximum is reached; it clears as acks arrive).
 * TERN_WOULD_BLOCK when the send buffer has no room now. *packet_id (may be NULL) gets the id. */
tern_status tern_client_publish(tern_client *c, const tern_publish *msg, uint16_t *packet_id);

/* Subscribe to / unsubscribe from several filters in one packet; results in on_suback. */
tern_status tern_client_subscribe(tern_client *c, const tern_subscription *subs, uint16_t count,
                                  tern_props *props, uint16_t *packet_id);
tern_status tern_client_unsubscribe(tern_client *c, const tern_subscription *subs,
                                    uint16_t count, tern_props *props, uint16_t *packet_id);

/* Send DISCONNECT (MQTT 5: with reason) and close. In-flight messages stay in their slots
 * for the next session. */
tern_status tern_client_disconnect(tern_client *c, uint8_t reason);

/* The non-blocking core: open, read and handle what has arrived, write what can be written,
 * run the timers. Returns TERN_OK, or the status that ended the connection (once). */
tern_status tern_client_poll(tern_client *c);

/* External event loop. */
int tern_client_socket(const tern_client *c);
int tern_client_wants_write(const tern_client *c);
tern_status tern_client_on_readable(tern_client *c);
tern_status tern_client_on_writable(tern_client *c);
tern_status tern_client_tick(tern_client *c);
/* Milliseconds until tern_client_tick must run next (UINT32_MAX: no timer pending). */
uint32_t tern_client_next_timeout_ms(const tern_client *c);

/* Blocking layer (uses transport.wait). */
tern_status tern_client_connect_wait(tern_client *c, const tern_connect_options *opts,
                                     uint32_t timeout_ms);
/* Drive the client for ms milliseconds; returns early with the status that ended the
 * connection (unless auto_reconnect is on). */
tern_status tern_client_run(tern_client *c, uint32_t ms);
/* Drive until every outgoing message is acknowledged and the send buffer is empty. */
tern_status tern_client_wait_idle(tern_client *c, uint32_t timeout_ms);

/* State. */
int tern_client_is_connected(const tern_client *c);
uint16_t tern_client_inflight(const tern_client *c);
/* Reason code of the last CONNACK refusal or server DISCONNECT. */
uint8_t tern_client_last_reason(const tern_client *c);
tern_status tern_client_last_error(const tern_client *c);
tern_mqtt_version tern_client_version(const tern_client *c);

tern_status tern_client_hold(tern_client *c);
int tern_client_held(const tern_client *c);

/* Put a persisted in-flight packet (a PUBLISH or PUBREL from on_store) back into a slot,
 * before connecting; it is re-sent when the broker resumes the session. */
tern_status tern_client_restore(tern_client *c, const uint8_t *packet, uint32_t len);

#ifdef __cplusplus
}
#endif

#endif
