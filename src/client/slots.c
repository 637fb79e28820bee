/* The in-flight slots across connections: acknowledgements, re-sending in the original order
 * when the broker resumes the session, dropping (and telling) when it does not, and restoring
 * persisted packets after a reboot. */
#include <string.h>

#include "internal.h"

#define PUBLISH_DUP_FLAG 0x08u

_Static_assert(TERN_SLOT_WAIT_PUBACK == (int)TERN_PUBACK && TERN_SLOT_WAIT_PUBREC == (int)TERN_PUBREC &&
                   TERN_SLOT_WAIT_PUBCOMP == (int)TERN_PUBCOMP,
               "an ack's packet type is the state of the slot it ends");

/* Report the slots marked lost. Marked first, released after: on_publish_done may publish, and
 * its new message must not be taken for one of them. */
static void release_lost(tern_client *c)
{
    for (uint16_t i = 0; i < c->cfg->inflight_count; i++)
        if (c->cfg->inflight[i].state != TERN_SLOT_FREE && c->cfg->inflight[i].resend == TERN_RESEND_LOST)
            tern_slot_release(c, &c->cfg->inflight[i], TERN_ERR_SESSION_LOST, 0);
}

void tern_slots_after_connack(tern_client *c, int session_present)
{
    c->resend_pending = 0;
    /* A quota learned from refusals belongs to the broker's session: a new one starts afresh. */
    if (!session_present) c->send_quota = 0xFFFF;
    for (uint16_t i = 0; i < c->cfg->inflight_count; i++) {
        tern_inflight *s = &c->cfg->inflight[i];
        if (s->state == TERN_SLOT_FREE) continue;
        if (s->resend != TERN_RESEND_NEVER_SENT) {
            /* The broker may have seen it: without the session it is gone, so say so. */
            if (!session_present) {
                s->resend = TERN_RESEND_LOST;
                continue;
            }
            /* A PUBLISH sent before goes again marked DUP; a PUBREL never is. */
            if (s->state != TERN_SLOT_WAIT_PUBCOMP) s->packet[0] |= PUBLISH_DUP_FLAG;
            s->resend = TERN_RESEND_AGAIN;
        }
        c->resend_pending = 1;
    }
    if (!session_present) release_lost(c);
}

void tern_slots_drop_all(tern_client *c)
{
    for (uint16_t i = 0; i < c->cfg->inflight_count; i++)
        if (c->cfg->inflight[i].state != TERN_SLOT_FREE) c->cfg->inflight[i].resend = TERN_RESEND_LOST;
    c->resend_pending = 0;
    release_lost(c);
}

/* What one pass over the slots finds. */
typedef struct {
    tern_inflight *oldest;        /* the pending slot with the lowest sequence number */
    tern_inflight *oldest_pubrel; /* the same among pending PUBRELs */
    uint16_t held; /* our messages the broker holds now: PUBLISHes sent on this connection and
                    * not yet acknowledged, and QoS 2 messages it received (PUBREC) and has
                    * not completed */
} slot_scan;

static slot_scan scan_slots(tern_client *c)
{
    slot_scan r = {NULL, NULL, 0};
    for (uint16_t i = 0; i < c->cfg->inflight_count; i++) {
        tern_inflight *s = &c->cfg->inflight[i];
        if (s->state == TERN_SLOT_FREE) continue;
        int pubrel = s->state == TERN_SLOT_WAIT_PUBCOMP;
        r.held = (uint16_t)(r.held + (!s->resend || pubrel));
        if (!s->resend) continue;
        if (!r.oldest || (int32_t)(s->seq - r.oldest->seq) < 0) r.oldest = s;
        if (pubrel && (!r.oldest_pubrel || (int32_t)(s->seq - r.oldest_pubrel->seq) < 0)) r.oldest_pubrel = s;
    }
    return r;
}

tern_status tern_slots_resend(tern_client *c)
{
    while (c->resend_pending && c->state == TERN_STATE_CONNECTED) {
        /* A PUBLISH goes only within the broker's window; PUBRELs go regardless (their
         * messages are already counted there), and their PUBCOMPs open the window.
         * PUBLISHes keep their order among themselves and PUBRELs theirs, which is all the
         * spec asks [MQTT-4.6.0-1, -3]: a PUBREL need not wait behind a PUBLISH held back. */
        slot_scan r = scan_slots(c);
        int room = !TERN_CFG_MQTT5 || r.held < tern_send_window(c);
        tern_inflight *s = room ? r.oldest : r.oldest_pubrel;
        if (!s) {
            if (room) c->resend_pending = 0;
            break;
        }
        tern_status st = tern_tx_queue(c, s->packet, s->len);
        if (st == TERN_WOULD_BLOCK) return TERN_OK; /* the rest goes when the queue drains */
        if (st != TERN_OK) return st;
        s->resend = 0;
    }
    return TERN_OK;
}

/* MQTT 5 "quota exceeded" (0x97) for a PUBLISH while others of ours were at the broker: it
 * takes fewer than its Receive Maximum said (mosquitto restored from an older save still counts
 * QoS 2 messages that we finished with the broker before it was killed, and never frees them).
 * Keep the message, send no more at once than the broker held when it refused, and send it again
 * when one of those completes. The window only shrinks, so this ends: refused with nothing else
 * of ours there, the refusal is real and the caller reports it. Returns 1 when kept. */
static int kept_for_quota(tern_client *c, tern_inflight *s, uint8_t reason)
{
    if (!TERN_CFG_MQTT5 || reason != TERN_RC_QUOTA_EXCEEDED) return 0;
    uint16_t others = (uint16_t)(scan_slots(c).held - 1u); /* s itself was sent on this connection */
    if (others == 0) return 0;
    c->send_quota = others;
    s->resend = TERN_RESEND_AGAIN;
    c->resend_pending = 1;
    return 1;
}

/* An ack that no flow of its id can take: a PUBACK for a QoS 2 message (RabbitMQ 3.10 sends
 * one), a PUBREC for QoS 1, a PUBCOMP before the PUBREC. Ignoring it would hold the slot until
 * the next connection. A PUBREC after ours was answered is a duplicate, not this. */
static int wrong_ack_type(const tern_client *c, const tern_ack *ack)
{
    for (uint16_t i = 0; i < c->cfg->inflight_count; i++) {
        const tern_inflight *s = &c->cfg->inflight[i];
        if (s->state != TERN_SLOT_FREE && s->packet_id == ack->packet_id)
            return !(ack->type == TERN_PUBREC && s->state == TERN_SLOT_WAIT_PUBCOMP);
    }
    return 0;
}

/* PUBACK, PUBREC or PUBCOMP. A PUBREC means the QoS 2 message is with the broker: the slot
 * then holds the PUBREL. A reason >= 0x80 (MQTT 5) in a PUBACK or PUBREC ends the flow,
 * refused. Not in a PUBCOMP: the message was the broker's at its PUBREC [MQTT-4.3.3], and its
 * one error, 0x92, says only that the broker already finished the id (a PUBREL re-sent after a
 * lost PUBCOMP): delivered, the reason passed on. */
tern_status tern_on_pub_ack(tern_client *c, const uint8_t *pkt, size_t len)
{
    tern_ack ack;
    memset(&ack, 0, sizeof ack);
    tern_status st = tern_codec_decode_ack(pkt, len, tern_version(c), &ack);
    if (st != TERN_OK) return st;
    tern_inflight *s = tern_slot_find(c, ack.packet_id, ack.type); /* tern_slot_state */
    if (!s && wrong_ack_type(c, &ack)) return TERN_ERR_ACK_TYPE;
    if (!s) {
        /* Not ours (a duplicate after a re-send): a PUBREC is answered so the broker can
         * finish; another ack is ignored, as the broker may ack twice after a re-send. */
        return ack.type != TERN_PUBREC ? TERN_OK
                                       : tern_tx_ack(c, TERN_PUBREL, ack.packet_id,
                                                     tern_is_v5(c) ? TERN_RC_PACKET_ID_NOT_FOUND : 0);
    }
    int refused = ack.reason_code >= 0x80 && ack.type != TERN_PUBCOMP;
    if (refused && kept_for_quota(c, s, ack.reason_code)) return TERN_OK;
    if (refused || ack.type != TERN_PUBREC) {
        tern_slot_release(c, s, refused ? TERN_ERR_MESSAGE_REFUSED : TERN_OK, ack.reason_code);
        return TERN_OK;
    }
    /* The PUBREL (4 bytes) takes the place of the PUBLISH, which was longer. */
    s->len = tern_ack_short(s->packet, TERN_PUBREL, ack.packet_id);
    s->state = TERN_SLOT_WAIT_PUBCOMP;
    s->seq = c->next_seq++;
    tern_slot_stored(c, s);
    return tern_tx_queue(c, s->packet, s->len);
}

tern_status tern_client_restore(tern_client *c, const uint8_t *packet, uint32_t len)
{
#if !TERN_CFG_PERSISTENCE
    (void)c;
    (void)packet;
    (void)len;
    return TERN_ERR_UNSUPPORTED;
#else
    tern_header h;
    /* Before connecting only. */
    if (c->state != TERN_STATE_IDLE) return TERN_ERR_INVALID_ARG;
    tern_status st = tern_codec_decode_header(packet, len, &h);
    if (st != TERN_OK) return st;
    /* Room for the 2 bytes read next: a PUBLISH's topic length, a PUBREL's packet id (a
     * PUBREL is 4 bytes in all). */
    if (h.header_len + 2u > len) return TERN_ERR_REMAINING_LENGTH;
    if (h.header_len + h.remaining != len || (h.type != TERN_PUBLISH && h.type != TERN_PUBREL))
        return TERN_ERR_INVALID_ARG;
    uint8_t qos = (uint8_t)((h.flags >> 1) & 3u);
    if (h.type == TERN_PUBLISH && (qos == 0 || qos == 3)) return TERN_ERR_QOS;
    /* The packet id follows the topic in a PUBLISH, and leads a PUBREL. */
    size_t at = h.header_len;
    if (h.type == TERN_PUBLISH) at += 2u + (size_t)((packet[at] << 8) | packet[at + 1]);
    if (at + 2 > len) return TERN_ERR_REMAINING_LENGTH;
    tern_inflight *s = NULL;
    for (uint16_t i = 0; i < c->cfg->inflight_count && !s; i++)
        if (c->cfg->inflight[i].state == TERN_SLOT_FREE) s = &c->cfg->inflight[i];
    if (!s) return TERN_ERR_BUSY;
    if (len > s->cap) return TERN_ERR_BUFFER_TOO_SMALL;
    tern_copy(s->packet, packet, len);
    s->len = len;
    s->packet_id = (uint16_t)((packet[at] << 8) | packet[at + 1]);
    s->state = h.type == TERN_PUBREL ? TERN_SLOT_WAIT_PUBCOMP
               : qos == 1        ? TERN_SLOT_WAIT_PUBACK
                                 : TERN_SLOT_WAIT_PUBREC;
    s->seq = c->next_seq++;
    s->resend = 0;
    c->ids_wrapped = 1; /* a restored id may be any id */
    c->unacked++;
    return TERN_OK;
#endif
}
