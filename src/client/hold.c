/* Back-pressure: an application that cannot take a message now holds it (tern_client_hold from
 * on_message). The message is not acknowledged and stays in the receive buffer, with every
 * PUBLISH after it, and is offered again later; the acks behind it are still handled. The
 * broker, its messages unacknowledged, stops at its in-flight limit (MQTT 5: our Receive
 * Maximum), then TCP stops it. Nothing is dropped: when the buffer is full of held messages,
 * so that not even the ack that would free the application can arrive, the hold is refused
 * and the application told. */
#include "internal.h"

/* Nothing more can be read or handled while the held messages stay: the receive buffer is
 * full and what follows them in it is not a whole packet. */
static int hold_stuck(const tern_client *c)
{
    if (c->held_len == 0 || c->rx_len < c->cfg->rx_cap) return 0;
    tern_header h;
    const uint8_t *next = c->cfg->rx + c->held_len;
    uint32_t left = c->rx_len - c->held_len;
    if (tern_codec_decode_header(next, left, &h) != TERN_OK) return 1;
    return (size_t)h.header_len + h.remaining > left;
}

int tern_hold_offer(tern_client *c)
{
    c->hold_refused = (uint8_t)hold_stuck(c);
    int offer = c->hold_retry || c->hold_refused;
    c->hold_retry = 0;
    return offer;
}

tern_status tern_client_hold(tern_client *c)
{
    if (!c || !c->delivering) return TERN_ERR_INVALID_ARG;
    if (c->hold_refused) return TERN_ERR_HOLD_FULL;
    c->held_now = 1;
    return TERN_OK;
}

int tern_client_held(const tern_client *c) { return c->held_len > 0; }
