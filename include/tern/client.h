/**
 * @file client.h
 * @brief tern session engine: one MQTT 3.1.1 or 5.0 connection, QoS 0/1/2 both ways.
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
 *    and tern_client_tick() at least every tern_client_next_timeout_ms(); while the
 *    transport is still opening (after tern_client_connect, and between reconnects) there is
 *    no socket yet (-1): tern_client_tick() opens it, so tick on the timeout until there is;
 *  - blocking: tern_client_connect_wait(), tern_client_run(), tern_client_wait_idle(), and
 *    tern_client_publish_wait() / _subscribe_wait() / _unsubscribe_wait(), which wait for room
 *    where the non-blocking calls return TERN_ERR_BUSY.
 *
 * @par Threads
 * A client is used from one thread at a time: every tern_client_* call on one client, and
 * every callback it makes, happen in the thread that drives it (poll, on_readable,
 * on_writable, tick, connect_wait, run, wait_idle). The engine takes no locks and keeps no
 * global state, so different clients may run in different threads at once. To publish from
 * another thread, hand the message to the driving thread (a queue of your own, then a wake-up
 * of its loop) or serialise every call on the client under one mutex of yours -- the
 * callbacks then run with that mutex held. The transport and clock hooks are called from the
 * driving thread only.
 *
 * @par What a callback may call
 * Callbacks run inside tern_client_poll() (or the call that drives the client). From inside
 * them these calls are allowed and safe -- nothing is handled twice, no acknowledgement is
 * lost, whatever the transport or the buffers do:
 *
 * | callback         | publish | subscribe, unsubscribe | disconnect | hold | connect |
 * |------------------|:-------:|:----------------------:|:----------:|:----:|:-------:|
 * | on_connect       |   yes   |          yes           |    yes     |  -   |    -    |
 * | on_message, routes |  yes  |          yes           |    yes     | yes  |    -    |
 * | on_chunk         |   yes   |          yes           |    yes     |  -   |    -    |
 * | on_publish_done  |   yes   |          yes           |    yes     |  -   |    -    |
 * | on_suback        |   yes   |          yes           |    yes     |  -   |    -    |
 * | on_error         |   yes   |          yes           |    yes     |  -   |    -    |
 * | on_disconnect    |   yes   |          yes           |    yes     |  -   |   yes   |
 * | on_trace, on_store | -     |           -            |     -      |  -   |    -    |
 *
 * The state queries (is_connected, inflight, last_reason, last_error, version, held,
 * socket, wants_write, next_timeout_ms) may be called from any callback. Never call
 * tern_client_init, tern_client_restore, or anything that drives the client (poll,
 * on_readable, on_writable, tick, connect_wait, run, wait_idle, the *_wait calls) from a
 * callback.
 * While an inbound packet is handled, the room its answer needs in the send queue is kept
 * from the application: a publish that would take it returns TERN_WOULD_BLOCK (hold the
 * message, or drop your own copy knowingly). After tern_client_disconnect from a callback,
 * nothing more from that connection reaches the application. From on_disconnect, publish
 * QoS 1/2 stores the message for the next session, QoS 0, subscribe and unsubscribe return
 * TERN_ERR_NOT_CONNECTED, disconnect stops an automatic reconnect, and connect starts anew.
 * tests/unit/test_callbacks.c makes each allowed call from each callback.
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

/* The public API: what libtern.so exports (the library is built with -fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/** @brief A client: see struct tern_client. */
typedef struct tern_client tern_client;


/** @brief Where an outgoing QoS 1/2 message is in its flow. Each waiting state is numbered as
 * the packet type that ends it (TERN_PUBACK, TERN_PUBREC, TERN_PUBCOMP), so an ack finds its
 * slot by its own type. */
typedef enum {
    TERN_SLOT_FREE = 0,         /**< unused */
    TERN_SLOT_WAIT_PUBACK = 4,  /**< QoS 1 PUBLISH sent */
    TERN_SLOT_WAIT_PUBREC = 5,  /**< QoS 2 PUBLISH sent */
    TERN_SLOT_WAIT_PUBCOMP = 7  /**< QoS 2 PUBREL sent (the slot now holds the PUBREL) */
} tern_slot_state;

/** @brief One in-flight slot. The caller sets `packet` and `cap` (storage for one encoded
 * PUBLISH); the engine owns the rest. A QoS 1/2 message larger than `cap` is refused with
 * TERN_ERR_BUFFER_TOO_SMALL. The stored bytes are what is re-sent after a reconnect, and what
 * the on_store hook may persist. */
typedef struct {
    uint8_t *packet;     /**< storage for one encoded packet (caller's) */
    uint32_t cap;        /**< its size in bytes (caller's) */
    uint32_t len;        /**< bytes stored; 0 when free */
    uint32_t seq;        /**< order of entry: re-sends keep the original order */
    uint16_t packet_id;  /**< the packet identifier of the flow */
    uint8_t state;       /**< tern_slot_state */
    uint8_t resend;      /**< to be re-sent on the current connection */
} tern_inflight;

/** @brief An inbound message for the application.
 * @param c the client
 * @param msg the message; it and everything it points to live only during the call (copy
 *        what you keep)
 * @param user the user pointer of tern_callbacks (or of the route) */
typedef void (*tern_message_fn)(tern_client *c, const tern_publish *msg, void *user);

/** @brief Inbound messages whose topic matches `filter` go to on_message (first matching route
 * wins; unmatched messages go to tern_callbacks.on_message). Same rules as on_message. */
typedef struct {
    tern_bytes filter;           /**< topic filter, wildcards allowed */
    tern_message_fn on_message;  /**< called for matching messages */
    void *user;                  /**< passed to on_message */
} tern_route;

/** @brief One inbound topic alias (MQTT 5): the caller gives each entry storage for a topic of
 * up to `cap` bytes; the engine remembers there the topic the broker bound to the alias. */
typedef struct {
    uint8_t *topic;  /**< storage (caller's) */
    uint16_t cap;    /**< its size */
    uint16_t len;    /**< 0: unbound */
} tern_topic_alias;

/** @brief Everything the engine tells the application. Any pointer may be NULL. What each
 * callback may call is in the table at the top of this file. */
typedef struct {
    void *user; /**< passed to every callback */
    /** An inbound message (QoS 2: exactly once). msg->props is set for MQTT 5. The message
     * is acknowledged when this returns, unless it called tern_client_hold(). */
    tern_message_fn on_message;
    /** The CONNACK arrived: st is TERN_OK, TERN_ERR_CONNACK_REFUSED (ack->reason_code), or
     * TERN_ERR_NO_MQTT5 (a 3.1.1 broker refused MQTT 5; ack->reason_code 1). */
    void (*on_connect)(tern_client *c, tern_status st, const tern_connack *ack, void *user);
    /** The connection ended; why is TERN_OK after tern_client_disconnect(). Not called for a
     * refusal in the CONNACK (on_connect says it). */
    void (*on_disconnect)(tern_client *c, tern_status why, void *user);
    /** An outgoing QoS 1/2 message finished: TERN_OK (acknowledged; reason is the v5 reason
     * code), TERN_ERR_SESSION_LOST (the broker did not resume the session: dropped), or
     * TERN_ERR_MESSAGE_REFUSED when the broker refused it (MQTT 5 reason >= 0x80 in the PUBACK
     * or PUBREC). A QoS 2 message is the broker's once its PUBREC succeeded: a PUBCOMP with
     * 0x92 (Packet Identifier not found: the broker had finished the id already, its PUBCOMP
     * lost with a connection) is TERN_OK with reason 0x92. */
    void (*on_publish_done)(tern_client *c, uint16_t packet_id, tern_status st, uint8_t reason,
                            void *user);
    /** SUBACK or UNSUBACK (ack->codes has one code per filter, MQTT 5 UNSUBACK too; empty for
     * a 3.1.1 UNSUBACK). type is TERN_SUBACK or TERN_UNSUBACK. An ack with another number of
     * codes than the request had filters ends the connection (TERN_ERR_ACK_COUNT) instead. */
    void (*on_suback)(tern_client *c, uint8_t type, const tern_suback *ack, void *user);
    /** Something went wrong that did not end the connection (e.g. an inbound message larger
     * than the receive buffer was skipped: TERN_ERR_MESSAGE_TOO_LARGE). */
    void (*on_error)(tern_client *c, tern_status st, void *user);
    /** Every packet sent (outgoing 1) or received (0), for traces. Observe only. */
    void (*on_trace)(tern_client *c, int outgoing, const uint8_t *packet, size_t len, void *user);
    /** Persistence hook: a slot was filled or changed (slot->len > 0) or freed (len == 0).
     * Saving slot->packet lets tern_client_restore() bring the message back after a reboot.
     * Persist only. */
    void (*on_store)(tern_client *c, const tern_inflight *slot, void *user);
    /** Messages larger than the receive buffer, in pieces: with this set, such a message
     * arrives as consecutive calls, msg->payload being one piece, `offset` where it starts in
     * the whole payload and `total` the whole payload's length (the last piece ends at total).
     * Topic, QoS, packet id and properties are valid in every call. The message is
     * acknowledged after its last piece (QoS 2: delivered once, as on_message). When the
     * connection ends mid-message, on_error gets TERN_ERR_MESSAGE_CUT: drop what arrived; a
     * QoS 1/2 message comes again from offset 0 when the session resumes. Without on_chunk
     * such messages are skipped (acknowledged) and on_error gets TERN_ERR_MESSAGE_TOO_LARGE.
     * MQTT 5: without on_chunk the CONNECT advertises rx_cap as Maximum Packet Size (the broker
     * then drops larger messages itself); with on_chunk it advertises none, unless the
     * caller's connect properties set one. Pieces cannot be held. */
    void (*on_chunk)(tern_client *c, const tern_publish *msg, uint32_t offset, uint32_t total,
                     void *user);
} tern_callbacks;

/** @brief The application's memory and hooks. Kept by pointer: it must outlive the client.
 * Sizing: tx at least the largest packet sent; rx the largest packet accepted, and -- for
 * back-pressure with tern_client_hold() -- as many held messages as the broker sends
 * unacknowledged (its in-flight limit; MQTT 5: our Receive Maximum) plus an ack. */
typedef struct {
    tern_transport transport;              /**< the connection's hooks, read each time they are used */
    uint32_t (*now_ms)(void *clock_ctx);   /**< monotonic milliseconds; wraps freely */
    void *clock_ctx;                       /**< passed to now_ms */
    uint8_t *tx;                 /**< send buffer: at least the largest packet sent */
    uint32_t tx_cap;             /**< its size (at least 16) */
    uint8_t *rx;                 /**< receive buffer: the largest packet accepted */
    uint32_t rx_cap;             /**< its size (at least 16) */
    tern_inflight *inflight;     /**< outgoing QoS 1/2 slots. MQTT 5 also honours the broker's
                                      Receive Maximum; MQTT 3.1.1 has no flow control, so keep
                                      this at or below the broker's limit (mosquitto: 20) */
    uint16_t inflight_count;     /**< number of slots */
    uint16_t inbound_qos2_count; /**< size of inbound_qos2 */
    uint16_t *inbound_qos2;      /**< ids of inbound QoS 2 messages awaiting PUBREL. MQTT 5
                                      brokers are told half of inbound_qos2_count as our Receive
                                      Maximum: the rest is headroom for ids a broker lost in a
                                      crash. When every entry awaits its PUBREL on this
                                      connection, a new QoS 2 message waits unacknowledged in rx
                                      until one comes; only when such messages fill rx (a broker
                                      far past its in-flight limit) is the oldest id forgotten,
                                      and on_error told TERN_ERR_RECEIVE_MAXIMUM */
    const tern_route *routes;    /**< message routes, or NULL; read only */
    uint16_t route_count;        /**< number of routes */
    uint16_t topic_alias_count;  /**< MQTT 5: advertised as Topic Alias Maximum (0 = none) */
    tern_topic_alias *topic_aliases; /**< inbound alias table (topic_alias_count entries) */
    /** MQTT 5, outgoing QoS 0: the engine gives the first topics it publishes an alias (up to
     * this count and the broker's Topic Alias Maximum) and then sends just the alias. QoS 1/2
     * messages always carry their topic: they may be re-sent on a later connection, where
     * aliases are gone. A full table means later topics go out in full. */
    uint16_t out_topic_alias_count;
    tern_topic_alias *out_topic_aliases; /**< outgoing alias table */
    tern_callbacks cb;                   /**< what the engine tells the application */
} tern_client_config;

/** @brief What to connect with. Kept by pointer until the client is disconnected (reconnects
 * reuse it). Zero-initialise it and set what you need: every default is 0 or NULL. */
typedef struct {
    tern_mqtt_version version;   /**< TERN_MQTT_311 or TERN_MQTT_5 */
    tern_bytes client_id;        /**< may be empty (the broker assigns one, with clean start) */
    tern_bytes username;         /**< sent when has_username */
    tern_bytes password;         /**< sent when has_password */
    uint8_t has_username;        /**< 1: send username */
    uint8_t has_password;        /**< 1: send password */
    uint8_t clean_start;         /**< 1: start a new session (3.1.1: clean session) */
    uint8_t auto_reconnect;      /**< reconnect after a lost connection, with backoff */
    uint16_t keep_alive;         /**< seconds; 0 = off */
    uint32_t session_expiry;     /**< MQTT 5: seconds the broker keeps the session */
    const tern_publish *will;    /**< NULL = no will; will->props are the will properties */
    const tern_props *props;     /**< MQTT 5: more CONNECT properties, or NULL */
    uint32_t reconnect_min_ms;   /**< first backoff (0: TERN_RECONNECT_MIN_MS) */
    uint32_t reconnect_max_ms;   /**< backoff ceiling (0: TERN_RECONNECT_MAX_MS) */
    uint32_t connect_timeout_ms; /**< transport open + CONNACK (0: TERN_CONNECT_TIMEOUT_MS) */
    /** 1: when an MQTT 5 CONNECT is refused with a 3.1.1 CONNACK "unacceptable protocol
     * version" (a broker that does not speak MQTT 5), connect again at once with MQTT 3.1.1
     * (on_error is told TERN_ERR_NO_MQTT5; tern_client_version() says which version is in use).
     * Not when QoS 1/2 messages, encoded for MQTT 5, wait in the slots: then, and with 0, the
     * attempt ends with TERN_ERR_NO_MQTT5. */
    uint8_t fallback_311;
    uint16_t subscription_count; /**< entries in subscriptions */
    /** Subscriptions the engine makes whenever the session is new (CONNACK session present 0,
     * the first connection with clean start included), in one SUBSCRIBE before on_connect;
     * results in on_suback, a failure to send it in on_error. NULL: the application
     * subscribes itself -- from on_connect when ack->session_present is 0, because a broker
     * that did not keep the session did not keep its subscriptions either. */
    const tern_subscription *subscriptions;
} tern_connect_options;

/** @brief Engine state. The fields are private; the struct is public so that it can be
 * allocated statically. */
struct tern_client {
    /** @cond TERN_PRIVATE */
    const tern_client_config *cfg;
    const tern_connect_options *opts;
    uint32_t tx_head, tx_len, rx_len, rx_skip;
    uint32_t last_tx_ms, last_rx_ms, timer_ms;
    uint32_t backoff_ms, rng, next_seq, peer_max_packet;
    uint32_t chunk_left;         /* payload bytes of the message in pieces still to come */
    uint32_t held_len;           /* bytes of held PUBLISHes at the start of rx */
    uint16_t next_id, keep_alive, peer_receive_max, unacked;
    uint16_t chunk_head;         /* its head, kept at the start of rx */
    uint16_t peer_topic_alias_max;
    uint16_t slot_hint;          /* where the next slot searches start: slots fill and drain */
    uint16_t ack_hint;           /*   in order, so the slot wanted is usually the one there */
    uint16_t send_quota;         /* MQTT 5: what the broker showed it takes in flight (0x97) */
    uint16_t qos2_old;           /* inbound_qos2 entries from before the last reconnect */
    uint16_t sub_ids[TERN_SUBS_IN_FLIGHT];    /* SUBSCRIBE/UNSUBSCRIBE awaiting their ack (0: free) */
    uint16_t sub_counts[TERN_SUBS_IN_FLIGHT]; /*   and how many filters each had */
    uint8_t state, ping_outstanding, resend_pending, last_reason, chunk_skip;
    uint8_t ids_wrapped;         /* packet ids went round (or were restored): check for clashes */
    uint8_t handling;            /* an inbound packet is being handled (its callbacks run) */
    uint8_t version;             /* tern_mqtt_version of this connection */
    uint8_t delivering;          /* on_message runs: tern_client_hold may be called */
    uint8_t held_now;            /*   and it was */
    uint8_t hold_retry;          /* offer the held messages again (a poll, a flow completed) */
    uint8_t hold_refused;        /* nothing else can arrive: the next hold is refused */
    uint8_t subs_unsub;          /* bit i: sub_ids[i] is an UNSUBSCRIBE */
    tern_status last_error;
    /** @endcond */
};

/** @brief Prepare a client; nothing happens on the network.
 * @param c the client (caller's storage; zeroed here)
 * @param cfg the application's memory and hooks; kept by pointer, must outlive c
 * @return TERN_OK, or TERN_ERR_INVALID_ARG for a NULL argument, missing buffers or hooks
 *         (now_ms, transport send/recv), or buffers under 16 bytes.
 * Not from a callback. */
tern_status tern_client_init(tern_client *c, const tern_client_config *cfg);

/** @brief Start connecting (non-blocking): the transport is opened and CONNECT sent as
 * tern_client_poll runs.
 * @param c an initialised client, idle
 * @param opts what to connect with; kept by pointer, must outlive the connection. With another
 *        MQTT version than the last connection (also after a fallback to 3.1.1), the messages in
 *        flight, encoded for that one, are dropped, each reported to on_publish_done with
 *        TERN_ERR_SESSION_LOST.
 * @return TERN_OK; TERN_ERR_INVALID_ARG (NULL, or a version that is neither 3.1.1 nor 5);
 *         TERN_ERR_UNSUPPORTED (MQTT 5 in a 3.1.1-only build); TERN_ERR_CONNECTING when not
 *         idle. From on_disconnect only, among the callbacks. */
tern_status tern_client_connect(tern_client *c, const tern_connect_options *opts);

/** @brief Publish. QoS 0 is queued for sending (connected only); QoS 1/2 are encoded into a
 * free in-flight slot and sent, or sent when the session resumes if not connected.
 * @param c the client
 * @param msg the message; copied before this returns
 * @param packet_id gets the packet id of a QoS 1/2 message (may be NULL)
 * @return TERN_OK; TERN_ERR_BUSY when no slot is free or the broker's Receive Maximum is
 *         reached (it clears as acks arrive: hold the message you are forwarding, see
 *         tern_client_hold); TERN_WOULD_BLOCK when the send buffer has no room now (from a
 *         callback: its room is kept for the answer to the packet being handled);
 *         TERN_ERR_NOT_CONNECTED (QoS 0 offline, or never connected); TERN_ERR_QOS,
 *         TERN_ERR_UNSUPPORTED (QoS 2 in a build without it); TERN_ERR_PACKET_TOO_LARGE
 *         (over the broker's Maximum Packet Size); TERN_ERR_BUFFER_TOO_SMALL (larger than a
 *         slot or the send buffer); a codec status for an invalid topic or property.
 * Allowed from every callback but on_trace and on_store. */
tern_status tern_client_publish(tern_client *c, const tern_publish *msg, uint16_t *packet_id);

/** @brief Subscribe to several filters in one SUBSCRIBE; the result comes to on_suback.
 * @param c the client, connected
 * @param subs count filters with their options; copied before this returns
 * @param count how many (at least 1)
 * @param props MQTT 5 SUBSCRIBE properties, or NULL; read, not kept
 * @param packet_id gets the packet id (may be NULL)
 * @return TERN_OK; TERN_ERR_NOT_CONNECTED; TERN_ERR_BUSY when TERN_SUBS_IN_FLIGHT requests
 *         await their ack (retry once one is answered); TERN_WOULD_BLOCK (no room in the send
 *         buffer now);
 *         TERN_ERR_BUFFER_TOO_SMALL; a codec status for an invalid filter or property.
 * Allowed from every callback but on_trace and on_store. */
tern_status tern_client_subscribe(tern_client *c, const tern_subscription *subs, uint16_t count,
                                  const tern_props *props, uint16_t *packet_id);

/** @brief Unsubscribe from several filters in one UNSUBSCRIBE; the result comes to on_suback.
 * Parameters, statuses and callers as tern_client_subscribe (the options are not used).
 * @param c the client, connected
 * @param subs the filters
 * @param count how many
 * @param props MQTT 5 UNSUBSCRIBE properties, or NULL
 * @param packet_id gets the packet id (may be NULL)
 * @return as tern_client_subscribe */
tern_status tern_client_unsubscribe(tern_client *c, const tern_subscription *subs,
                                    uint16_t count, const tern_props *props, uint16_t *packet_id);

/** @brief Send DISCONNECT (MQTT 5: with reason; best effort) and close; no reconnect.
 * In-flight messages stay in their slots for the next session. While backing off before a
 * reconnect, stops reconnecting.
 * @param c the client
 * @param reason MQTT 5 reason code (0: normal disconnection); ignored for 3.1.1
 * @return TERN_OK; TERN_ERR_NOT_CONNECTED when already idle. on_disconnect gets TERN_OK.
 * Allowed from every callback but on_trace and on_store; afterwards nothing more from that
 * connection reaches the application. */
tern_status tern_client_disconnect(tern_client *c, uint8_t reason);

/** @brief The non-blocking core: open, read and handle what has arrived, write what can be
 * written, run the timers.
 * @param c the client
 * @return TERN_OK, or the status that ended the connection (once): a transport status, a
 *         protocol violation by the broker (TERN_ERR_ACK_TYPE, TERN_ERR_ACK_COUNT, a codec
 *         status, ...), TERN_ERR_KEEPALIVE_TIMEOUT, TERN_ERR_TIMEOUT (connect), a refusal.
 * Not from a callback. */
tern_status tern_client_poll(tern_client *c);

/** @brief External event loop: the descriptor to poll.
 * @param c the client
 * @return the transport's descriptor, or -1 (none, or the transport has no socket hook) */
int tern_client_socket(const tern_client *c);
/** @brief External event loop: poll for writability too?
 * @param c the client
 * @return non-zero when the client has something to write (or the transport needs to) */
int tern_client_wants_write(const tern_client *c);
/** @brief External event loop: the socket is readable. Statuses as tern_client_poll.
 * @param c the client
 * @return as tern_client_poll. Not from a callback. */
tern_status tern_client_on_readable(tern_client *c);
/** @brief External event loop: the socket is writable. Statuses as tern_client_poll.
 * @param c the client
 * @return as tern_client_poll. Not from a callback. */
tern_status tern_client_on_writable(tern_client *c);
/** @brief External event loop: timers (keep-alive, connect timeout, backoff, held messages).
 * @param c the client
 * @return as tern_client_poll. Not from a callback. */
tern_status tern_client_tick(tern_client *c);
/** @brief Milliseconds until tern_client_tick must run next.
 * @param c the client
 * @return the time, 0 when due, UINT32_MAX when no timer is pending; at most
 *         TERN_HOLD_RETRY_MS while a message is held */
uint32_t tern_client_next_timeout_ms(const tern_client *c);

/** @brief Blocking layer (uses transport.wait): connect and wait for the CONNACK.
 * @param c the client
 * @param opts as tern_client_connect
 * @param timeout_ms how long to wait in all
 * @return TERN_OK when connected; the refusal or the failure that ended the attempt
 *         (TERN_ERR_CONNACK_REFUSED, TERN_ERR_NO_MQTT5, a transport status, ...). With
 *         auto_reconnect, when the time runs out after failed attempts: the last attempt's
 *         failure (e.g. TERN_ERR_TLS_UNKNOWN_CA), also in tern_client_last_error();
 *         TERN_ERR_TIMEOUT when nothing failed but no CONNACK came in time. Not from a
 *         callback. */
tern_status tern_client_connect_wait(tern_client *c, const tern_connect_options *opts,
                                     uint32_t timeout_ms);
/** @brief Blocking layer: drive the client for ms milliseconds.
 * @param c the client
 * @param ms how long
 * @return TERN_OK; early, the status that ended the connection (unless auto_reconnect is
 *         on); the last error once the client is idle. Not from a callback. */
tern_status tern_client_run(tern_client *c, uint32_t ms);
/** @brief Blocking layer: drive until every outgoing message is acknowledged and the send
 * buffer is empty.
 * @param c the client
 * @param timeout_ms how long at most
 * @return TERN_OK; TERN_ERR_TIMEOUT; the status that ended the connection. Not from a
 *         callback. */
tern_status tern_client_wait_idle(tern_client *c, uint32_t timeout_ms);

/** @brief Blocking layer: tern_client_publish, waiting while there is no room for the message
 * (TERN_ERR_BUSY: every in-flight slot taken or the broker's Receive Maximum reached;
 * TERN_WOULD_BLOCK: the send buffer full) -- the connection is driven meanwhile, so the acks
 * that free a slot arrive. It waits for room, not for the acknowledgement (on_publish_done,
 * tern_client_wait_idle). The engine keeps no queue of its own: this is how a loop that
 * publishes more messages than there are slots sends them all, in order.
 * @param c the client
 * @param msg as tern_client_publish; copied before this returns
 * @param packet_id as tern_client_publish (may be NULL)
 * @param timeout_ms how long to wait for room at most
 * @return what tern_client_publish returned once it was not BUSY or WOULD_BLOCK (TERN_OK:
 *         taken); TERN_ERR_TIMEOUT when there was no room in time; the status that ended the
 *         connection (unless auto_reconnect is on: then QoS 1/2 messages wait in their slots
 *         across the reconnect, and QoS 0 gets TERN_ERR_NOT_CONNECTED). Not from a callback. */
tern_status tern_client_publish_wait(tern_client *c, const tern_publish *msg, uint16_t *packet_id,
                                     uint32_t timeout_ms);
/** @brief Blocking layer: tern_client_subscribe, waiting while TERN_SUBS_IN_FLIGHT requests
 * await their ack (TERN_ERR_BUSY) or the send buffer is full (TERN_WOULD_BLOCK), driving the
 * connection meanwhile. So a loop of one call per filter after tern_client_connect_wait works
 * for any number of filters. It waits for room, not for the SUBACK (on_suback).
 * @param c the client, connected
 * @param subs as tern_client_subscribe; copied before this returns
 * @param count as tern_client_subscribe
 * @param props as tern_client_subscribe
 * @param packet_id as tern_client_subscribe (may be NULL)
 * @param timeout_ms how long to wait for room at most
 * @return what tern_client_subscribe returned once it was not BUSY or WOULD_BLOCK;
 *         TERN_ERR_TIMEOUT; the status that ended the connection (TERN_ERR_NOT_CONNECTED once
 *         it is lost with auto_reconnect on). Not from a callback. */
tern_status tern_client_subscribe_wait(tern_client *c, const tern_subscription *subs, uint16_t count,
                                       const tern_props *props, uint16_t *packet_id, uint32_t timeout_ms);
/** @brief Blocking layer: tern_client_unsubscribe, waiting for room as
 * tern_client_subscribe_wait does.
 * @param c the client, connected
 * @param subs the filters
 * @param count how many
 * @param props MQTT 5 UNSUBSCRIBE properties, or NULL
 * @param packet_id gets the packet id (may be NULL)
 * @param timeout_ms how long to wait for room at most
 * @return as tern_client_subscribe_wait. Not from a callback. */
tern_status tern_client_unsubscribe_wait(tern_client *c, const tern_subscription *subs,
                                         uint16_t count, const tern_props *props, uint16_t *packet_id,
                                         uint32_t timeout_ms);

/** @brief Connected (the CONNACK accepted)?
 * @param c the client
 * @return non-zero when connected */
int tern_client_is_connected(const tern_client *c);
/** @brief Outgoing QoS 1/2 messages not yet complete.
 * @param c the client
 * @return how many slots are in use */
uint16_t tern_client_inflight(const tern_client *c);
/** @brief Reason code of the last CONNACK refusal or server DISCONNECT.
 * @param c the client
 * @return the code (3.1.1 return codes 1..5 as they are) */
uint8_t tern_client_last_reason(const tern_client *c);
/** @brief Why the last connection, or attempt to connect, ended.
 * @param c the client
 * @return the status given to on_disconnect (or of the refusal, or of the failed attempt --
 *         kept while auto_reconnect tries again); TERN_OK after tern_client_disconnect, and
 *         from tern_client_connect until something fails */
tern_status tern_client_last_error(const tern_client *c);
/** @brief The protocol version of the current (or last) connection: the options' version, or
 * TERN_MQTT_311 after a fallback (tern_connect_options.fallback_311).
 * @param c the client, after tern_client_connect
 * @return TERN_MQTT_311 or TERN_MQTT_5 */
tern_mqtt_version tern_client_version(const tern_client *c);

/** @brief Back-pressure: from on_message (or a route), "I cannot take this message now".
 * The message is not acknowledged; it stays in the receive buffer with every PUBLISH after it
 * (in order) and is given to on_message again -- on every poll, whenever an outgoing flow
 * completes, and at least every TERN_HOLD_RETRY_MS -- until it is taken (on_message returns
 * without holding). Meanwhile the packets after it that are not PUBLISHes are handled: the
 * acks that free the application's slots still arrive. The broker, its messages
 * unacknowledged, stops at its in-flight limit (MQTT 5: our Receive Maximum, half of
 * inbound_qos2_count), then TCP stops it. A held QoS 0 message is lost with the connection;
 * QoS 1/2 come again when the session resumes.
 * @param c the client, inside on_message
 * @return TERN_OK: held. TERN_ERR_HOLD_FULL: the receive buffer is full of held messages and
 *         what follows is not a whole packet, so nothing could ever free the application; the
 *         message is not held and is acknowledged when on_message returns: take it now (store
 *         it, or count it lost -- knowingly). TERN_ERR_INVALID_ARG: not inside on_message
 *         (pieces of on_chunk cannot be held). */
tern_status tern_client_hold(tern_client *c);
/** @brief Is a message held (tern_client_hold)?
 * @param c the client
 * @return non-zero while held messages wait in the receive buffer */
int tern_client_held(const tern_client *c);

/** @brief Put a persisted in-flight packet (a PUBLISH or PUBREL from on_store) back into a
 * slot, before connecting; it is re-sent when the broker resumes the session.
 * @param c the client, initialised and idle
 * @param packet the packet bytes; copied
 * @param len their length
 * @return TERN_OK; TERN_ERR_INVALID_ARG (not idle, or not one whole PUBLISH/PUBREL);
 *         TERN_ERR_QOS (a QoS 0 PUBLISH); TERN_ERR_REMAINING_LENGTH; TERN_ERR_BUSY (no free
 *         slot); TERN_ERR_BUFFER_TOO_SMALL (larger than a slot); TERN_ERR_UNSUPPORTED in a
 *         build without persistence. Not from a callback. */
tern_status tern_client_restore(tern_client *c, const uint8_t *packet, uint32_t len);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif
