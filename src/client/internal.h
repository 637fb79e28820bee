/* Internal to the session engine: state names and the helpers its files share. */
#ifndef TERN_CLIENT_INTERNAL_H
#define TERN_CLIENT_INTERNAL_H

#include "tern/client.h"
#include "../codec/bytes.h"

enum {
    TERN_STATE_IDLE = 0,      /* never connected, or disconnected on purpose */
    TERN_STATE_OPENING,       /* transport opening */
    TERN_STATE_WAIT_CONNACK,  /* CONNECT queued or sent */
    TERN_STATE_CONNECTED,
    TERN_STATE_BACKOFF        /* lost; waiting to reconnect */
};

static inline uint32_t tern_now(const tern_client *c) { return c->cfg->now_ms(c->cfg->clock_ctx); }
/* The protocol version of this connection: the options', or 3.1.1 after a fallback. */
static inline tern_mqtt_version tern_version(const tern_client *c) { return (tern_mqtt_version)c->version; }
static inline int tern_is_v5(const tern_client *c)
{
    return TERN_CFG_MQTT5 && c->version == TERN_MQTT_5;
}

/* How many of our QoS 1/2 PUBLISHes the broker may hold unacknowledged: its Receive Maximum,
 * or less once it refused one for "quota exceeded" (slots.c). */
static inline uint16_t tern_send_window(const tern_client *c)
{
    if (!TERN_CFG_MQTT5) return 0xFFFF; /* 3.1.1 has no flow control */
    return c->send_quota < c->peer_receive_max ? c->send_quota : c->peer_receive_max;
}

/* Is a packet of n bytes over the broker's Maximum Packet Size (MQTT 5 CONNACK)? */
static inline int tern_over_peer_max(const tern_client *c, size_t n)
{
    return TERN_CFG_MQTT5 && c->peer_max_packet && n > c->peer_max_packet;
}

/* tern_inflight.resend values. */
enum { TERN_RESEND_NONE = 0, TERN_RESEND_AGAIN = 1, TERN_RESEND_NEVER_SENT = 2,
       TERN_RESEND_LOST = 3 /* the session is gone: to be released (slots.c) */ };

/* Room the send queue must have before an inbound packet is handled: its answer. */
#define TERN_ACK_ROOM 8u
/* Bytes of the send queue the application's calls may not take: while an inbound packet is
 * handled, the room kept for its answer (found free before its handler ran), so a callback
 * that publishes cannot crowd out the ack of the message it was given. */
static inline uint32_t tern_tx_kept(const tern_client *c) { return c->handling ? TERN_ACK_ROOM : 0u; }

/* Send queue (txqueue.c). */
/* Reserve n bytes at the end of the send queue; NULL when there is no room now. */
uint8_t *tern_tx_reserve(tern_client *c, size_t n);
/* The room at the end of the queue (*cap bytes at the pointer returned). Encode there, then
 * call tern_tx_encoded. */
uint8_t *tern_tx_room(tern_client *c, size_t *cap);
/* After encoding at tern_tx_room with status st: commit the n bytes when st is TERN_OK.
 * TERN_NEED_MORE when it did not fit but room was made by sliding the unsent bytes to the
 * front: encode again at tern_tx_room. TERN_WOULD_BLOCK when it did not fit but the queue
 * will drain; st otherwise. */
tern_status tern_tx_encoded(tern_client *c, tern_status st, size_t n);
/* Commit n reserved bytes as one packet (traced). */
void tern_tx_commit(tern_client *c, uint32_t n);
/* Queue a whole packet by copy. TERN_WOULD_BLOCK when there is no room now. */
tern_status tern_tx_queue(tern_client *c, const uint8_t *packet, uint32_t n);
/* Send what the transport takes. Error status when it failed. */
tern_status tern_tx_flush(tern_client *c);
/* Write a PUBACK/PUBREC/PUBREL/PUBCOMP of reason 0 without properties at p: the 3.1.1 form,
 * which is also 5.0's short form (5.0 3.4.2.1). Returns its length, 4. */
uint32_t tern_ack_short(uint8_t *p, uint8_t type, uint16_t packet_id);
/* Queue a PUBACK/PUBREC/PUBREL/PUBCOMP (MQTT 5: with reason). */
tern_status tern_tx_ack(tern_client *c, uint8_t type, uint16_t packet_id, uint8_t reason);
/* Queue a DISCONNECT (MQTT 5: with reason). */
tern_status tern_tx_disconnect(tern_client *c, uint8_t reason);

/* Connection life (client.c). */
/* Tell the application (on_error) of a fault that does not end the connection. */
void tern_report(tern_client *c, tern_status st);
/* Begin (re)opening the transport with empty buffers. */
void tern_conn_start_opening(tern_client *c);
tern_status tern_conn_send_connect(tern_client *c);
/* End the connection with status why: callbacks, close, maybe schedule a reconnect. */
tern_status tern_conn_lost(tern_client *c, tern_status why);
/* A CONNACK arrived. */
tern_status tern_conn_on_connack(tern_client *c, const uint8_t *pkt, size_t len);

/* Outgoing flows (outbound.c). */
tern_inflight *tern_slot_find(tern_client *c, uint16_t packet_id, uint8_t state);
void tern_slot_release(tern_client *c, tern_inflight *slot, tern_status st, uint8_t reason);
/* After CONNACK: mark slots for re-send (session resumed) or drop them (not resumed). */
void tern_slots_after_connack(tern_client *c, int session_present);
/* Drop every message in the slots, each reported TERN_ERR_SESSION_LOST. */
void tern_slots_drop_all(tern_client *c);
/* Queue pending re-sends while the send queue has room. */
tern_status tern_slots_resend(tern_client *c);
uint16_t tern_next_packet_id(tern_client *c);
tern_status tern_on_pub_ack(tern_client *c, const uint8_t *pkt, size_t len);
/* The entry of the SUBSCRIBE/UNSUBSCRIBE of packet_id awaiting its ack (0: a free one), or -1. */
int tern_sub_pending(const tern_client *c, uint16_t packet_id);
/* Its SUBACK (type TERN_SUBACK) or UNSUBACK with `codes` reason codes arrived: TERN_OK when
 * it answers a request of ours with one code per filter (forgotten now), else the violation. */
tern_status tern_sub_acked(tern_client *c, uint16_t packet_id, uint8_t type, uint16_t codes);
/* A slot was filled, changed or freed: tell the persistence hook. */
static inline void tern_slot_stored(tern_client *c, const tern_inflight *s)
{
#if TERN_CFG_PERSISTENCE
    if (c->cfg->cb.on_store) c->cfg->cb.on_store(c, s, c->cfg->cb.user);
#else
    (void)c;
    (void)s;
#endif
}

/* Inbound (inbound.c). */
tern_status tern_rx_read(tern_client *c);
void tern_deliver(tern_client *c, const tern_publish *m);
/* Inbound QoS 2 ids awaiting PUBREL: is id there (and forget it when remove is set)? */
int tern_qos2_seen(tern_client *c, uint16_t id, int remove);
/* Is there room for one more id (making it, when a broker lost some or force is set, by
 * forgetting the oldest)? */
int tern_qos2_room(tern_client *c, int force);
/* Remember id, forgetting the oldest when the table is full; 0 when there is no table. */
int tern_qos2_remember(tern_client *c, uint16_t id);
/* CONNACK: a new session forgets every id; a resumed one marks them as older than now. */
void tern_qos2_session(tern_client *c, int session_present);
/* MQTT 5 inbound topic alias: bind it or resolve an empty topic through it. */
tern_status tern_resolve_topic_alias(tern_client *c, tern_publish *m, uint16_t alias);
/* Decode an inbound PUBLISH, or the head of one that runs past len (*total: its whole
 * payload length), resolving its topic alias. props: storage for MQTT 5 properties. */
tern_status tern_decode_inbound_publish(tern_client *c, const uint8_t *buf, size_t len,
                                        tern_publish *m, tern_props *props, uint32_t *total);

#if TERN_CFG_CHUNKS
/* Messages in pieces (chunks.c). rx holds the start of a PUBLISH larger than rx_cap:
 * start delivering it. TERN_NEED_MORE: its head is not all in yet; TERN_ERR_MESSAGE_TOO_LARGE:
 * its head alone fills the buffer. */
tern_status tern_chunk_start(tern_client *c);
/* Deliver what arrived of the message in pieces; c->chunk_left is 0 once it is complete. */
tern_status tern_chunk_continue(tern_client *c);
/* The connection ended: abandon a message in pieces, telling the application. */
void tern_chunk_abandon(tern_client *c);
#else
static inline void tern_chunk_abandon(tern_client *c) { (void)c; }
#endif

/* Back-pressure (hold.c). Start of a pass over the receive buffer with held messages: offer
 * them again (1) or keep them held (0)? Offered when a poll or a completed flow asked for it
 * (hold_retry), or when nothing else can progress -- and then a new hold is refused. */
int tern_hold_offer(tern_client *c);

/* Timers (timers.c). */
tern_status tern_timers_run(tern_client *c);

#endif
