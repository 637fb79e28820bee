/* Messages larger than the receive buffer, delivered in pieces to tern_callbacks.on_chunk.
 * The PUBLISH's head (fixed header, topic, packet id, properties) stays at the start of the
 * receive buffer while the payload streams through the rest, so every piece comes with its
 * topic and properties. The ack goes out after the last piece: if the connection is lost
 * mid-message, the broker still owes it and sends it again from the start. */
#include "tern/config.h"

#if TERN_CFG_CHUNKS

#include "internal.h"

tern_status tern_chunk_start(tern_client *c)
{
    tern_publish m;
    tern_props props;
    uint32_t total;
    tern_status st = tern_decode_inbound_publish(c, c->cfg->rx, c->rx_len, &m, &props, &total);
    if (st == TERN_NEED_MORE && c->rx_len == c->cfg->rx_cap) return TERN_ERR_MESSAGE_TOO_LARGE;
    if (st != TERN_OK) return st;
    size_t head = (size_t)(m.payload.data - c->cfg->rx);
    /* At least a quarter of the buffer for the payload, or pieces get silly small. */
    if (head > UINT16_MAX || head > c->cfg->rx_cap - c->cfg->rx_cap / 4u) return TERN_ERR_MESSAGE_TOO_LARGE;
    if (c->cfg->cb.on_trace) c->cfg->cb.on_trace(c, 0, c->cfg->rx, head, c->cfg->cb.user);
    c->chunk_head = (uint16_t)head;
    c->chunk_left = total;
    /* QoS 2: a re-sent message whose PUBREC we sent is acknowledged again, not delivered. */
    c->chunk_skip = (uint8_t)(m.qos == 2 && tern_qos2_seen(c, m.packet_id, 0));
    /* A new one needs room to be remembered before any piece goes out; it cannot wait in the
     * receive buffer, so the oldest id gives way if it must (see tern_qos2_room). */
    if (m.qos == 2 && !c->chunk_skip && !tern_qos2_room(c, 1)) return TERN_ERR_RECEIVE_MAXIMUM;
    return tern_chunk_continue(c);
}

/* The last piece is out: answer for the whole message and drop its head. */
static tern_status finish(tern_client *c, const tern_publish *m)
{
    tern_copy(c->cfg->rx, c->cfg->rx + c->chunk_head, c->rx_len - c->chunk_head);
    c->rx_len -= c->chunk_head;
    c->chunk_head = 0;
    if (m->qos == 1) return tern_tx_ack(c, TERN_PUBACK, m->packet_id, 0);
    if (m->qos == 0) return TERN_OK;
    if (!c->chunk_skip && !tern_qos2_remember(c, m->packet_id)) return TERN_ERR_RECEIVE_MAXIMUM;
    return tern_tx_ack(c, TERN_PUBREC, m->packet_id, 0);
}

tern_status tern_chunk_continue(tern_client *c)
{
    uint32_t have = c->rx_len - c->chunk_head;
    uint32_t piece = have < c->chunk_left ? have : c->chunk_left;
    int last = piece == c->chunk_left;
    if (piece == 0 || (last && !tern_tx_reserve(c, TERN_ACK_ROOM))) return TERN_OK;
    tern_publish m;
    tern_props props;
    uint32_t total;
    /* The head was checked when the message began: decoding it again cannot fail. */
    tern_status st = tern_decode_inbound_publish(c, c->cfg->rx, c->chunk_head + (size_t)piece,
                                                 &m, &props, &total);
    if (st != TERN_OK) return st;
    if (!c->chunk_skip) {
        c->handling = 1; /* its answer's room is kept from the callback (tern_tx_kept) */
        c->cfg->cb.on_chunk(c, &m, total - c->chunk_left, total, c->cfg->cb.user);
        c->handling = 0;
        if (c->chunk_left == 0) return TERN_OK; /* the callback ended the connection */
    }
    c->chunk_left -= piece;
    uint8_t *after = c->cfg->rx + c->chunk_head;
    tern_copy(after, after + piece, have - piece);
    c->rx_len -= piece;
    return last ? finish(c, &m) : TERN_OK;
}

void tern_chunk_abandon(tern_client *c)
{
    int cut = c->chunk_left && !c->chunk_skip;
    c->chunk_left = 0;
    c->chunk_head = 0;
    if (cut) tern_report(c, TERN_ERR_MESSAGE_CUT);
}

#else
typedef int tern_chunks_not_built; /* ISO C wants a translation unit to hold something */
#endif /* TERN_CFG_CHUNKS */
