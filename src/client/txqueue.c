/* The send queue: packets are encoded straight into the caller's send buffer and leave it
 * as fast as the transport takes them. Room is made by sliding the unsent tail to the front. */
#include "internal.h"

uint8_t *tern_tx_reserve(tern_client *c, size_t n)
{
    if (c->tx_len + n > c->cfg->tx_cap && c->tx_head > 0) {
        tern_copy(c->cfg->tx, c->cfg->tx + c->tx_head, c->tx_len - c->tx_head);
        c->tx_len -= c->tx_head;
        c->tx_head = 0;
    }
    return c->tx_len + n <= c->cfg->tx_cap ? c->cfg->tx + c->tx_len : NULL;
}

uint8_t *tern_tx_room(tern_client *c, size_t *cap)
{
    *cap = c->cfg->tx_cap - c->tx_len;
    return c->cfg->tx + c->tx_len;
}

tern_status tern_tx_encoded(tern_client *c, tern_status st, size_t n)
{
    /* It fits, but only in the room kept for the answer to the packet being handled. */
    int takes_kept = st == TERN_OK && c->tx_len + n + tern_tx_kept(c) > c->cfg->tx_cap;
    if (takes_kept) st = TERN_ERR_BUFFER_TOO_SMALL;
    if (st == TERN_OK) tern_tx_commit(c, (uint32_t)n);
    if (st == TERN_ERR_BUFFER_TOO_SMALL && c->tx_head > 0) {
        /* Slid only now that the room at the end was too small: sliding before every encode
         * would copy the unsent bytes after each partial send. */
        (void)tern_tx_reserve(c, c->cfg->tx_cap - (c->tx_len - c->tx_head));
        return TERN_NEED_MORE;
    }
    return st == TERN_ERR_BUFFER_TOO_SMALL && (c->tx_len > c->tx_head || takes_kept) ? TERN_WOULD_BLOCK : st;
}

void tern_tx_commit(tern_client *c, uint32_t n)
{
    if (c->cfg->cb.on_trace) c->cfg->cb.on_trace(c, 1, c->cfg->tx + c->tx_len, n, c->cfg->cb.user);
    c->tx_len += n;
}

tern_status tern_tx_queue(tern_client *c, const uint8_t *packet, uint32_t n)
{
    uint8_t *p = tern_tx_reserve(c, n);
    if (!p) return n > c->cfg->tx_cap ? TERN_ERR_BUFFER_TOO_SMALL : TERN_WOULD_BLOCK;
    tern_copy(p, packet, n);
    tern_tx_commit(c, n);
    return TERN_OK;
}

tern_status tern_tx_flush(tern_client *c)
{
    while (c->tx_head < c->tx_len) {
        int32_t n = c->cfg->transport.send(c->cfg->transport.ctx, c->cfg->tx + c->tx_head,
                                           c->tx_len - c->tx_head);
        if (n < 0) return (tern_status)-n;
        if (n == 0) return TERN_OK;
        c->tx_head += (uint32_t)n;
        c->last_tx_ms = tern_now(c);
    }
    c->tx_head = c->tx_len = 0;
    return TERN_OK;
}

uint32_t tern_ack_short(uint8_t *p, uint8_t type, uint16_t packet_id)
{
    p[0] = (uint8_t)(((unsigned)type << 4) | (type == TERN_PUBREL ? 2u : 0u)); /* [MQTT-3.6.1-1] */
    p[1] = 2;
    p[2] = (uint8_t)(packet_id >> 8);
    p[3] = (uint8_t)packet_id;
    return 4;
}

tern_status tern_tx_ack(tern_client *c, uint8_t type, uint16_t packet_id, uint8_t reason)
{
    uint8_t pkt[5]; /* v5 with a reason code: 2 + id + reason */
    if (packet_id == 0) return TERN_ERR_PACKET_ID;
    uint32_t n = tern_ack_short(pkt, type, packet_id);
    if (reason != 0 && tern_is_v5(c)) {
        /* 5.0's form with a reason code and no properties (3.4.2.1), as
         * tern_codec_encode_ack writes it, without sizing a property block that is not there. */
        if (!tern_reason_valid(reason, (tern_packet_type)type)) return TERN_ERR_REASON_CODE;
        pkt[1] = 3;
        pkt[n++] = reason;
    }
    return tern_tx_queue(c, pkt, n);
}

tern_status tern_tx_disconnect(tern_client *c, uint8_t reason)
{
    /* 3.1.1's is empty; 5.0 leaves a reason of 0 out, and the engine sends no properties
     * (5.0 3.14.2.1): the bytes tern_codec_encode_disconnect writes. */
    uint8_t pkt[3] = {(uint8_t)(TERN_DISCONNECT << 4), 0, reason};
    if (reason != 0 && tern_is_v5(c)) {
        if (!tern_reason_valid(reason, TERN_DISCONNECT)) return TERN_ERR_REASON_CODE;
        pkt[1] = 1;
    }
    return tern_tx_queue(c, pkt, 2u + pkt[1]);
}
