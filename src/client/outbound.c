/* Outgoing flows: PUBLISH at QoS 0/1/2, SUBSCRIBE, UNSUBSCRIBE, and the in-flight slots that
 * keep every unacknowledged QoS 1/2 packet until its flow completes. */
#include <string.h>

#include "internal.h"

uint16_t tern_next_packet_id(tern_client *c)
{
    /* Skip ids still in flight: an id is never reused before its flow completes. Ids are
     * handed out in order, so a clash is possible only once they have gone round (or were
     * restored): until then the scan of the slots is skipped. */
    for (;;) {
        uint16_t id = c->next_id++;
        if (c->next_id == 0) {
            c->next_id = 1;
            c->ids_wrapped = 1;
        }
        if (!c->ids_wrapped) return id;
        int used = tern_sub_pending(c, id) >= 0;
        for (uint16_t i = 0; i < c->cfg->inflight_count && !used; i++)
            used = c->cfg->inflight[i].state != TERN_SLOT_FREE && c->cfg->inflight[i].packet_id == id;
        if (!used) return id;
    }
}

/* Index i places after start, wrapping round the slots. */
static uint16_t slot_at(const tern_client *c, uint16_t start, uint16_t i)
{
    uint32_t at = (uint32_t)start + i;
    return (uint16_t)(at >= c->cfg->inflight_count ? at - c->cfg->inflight_count : at);
}

tern_inflight *tern_slot_find(tern_client *c, uint16_t packet_id, uint8_t state)
{
    /* Ids and slots are handed out in step, so the slot of an id is usually as far from the
     * last one found as the ids are apart: look there first, then scan from there. */
    uint16_t n = c->cfg->inflight_count, start = c->ack_hint < n ? c->ack_hint : 0;
    if (n) {
        int32_t apart = (int16_t)(uint16_t)(packet_id - c->cfg->inflight[start].packet_id);
        start = (uint16_t)(((int32_t)start + apart % n + n) % n);
    }
    for (uint16_t i = 0; i < c->cfg->inflight_count; i++) {
        uint16_t at = slot_at(c, start, i);
        tern_inflight *s = &c->cfg->inflight[at];
        if (s->state == state && s->packet_id == packet_id) {
            c->ack_hint = at;
            return s;
        }
    }
    return NULL;
}

void tern_slot_release(tern_client *c, tern_inflight *slot, tern_status st, uint8_t reason)
{
    uint16_t id = slot->packet_id;
    slot->state = TERN_SLOT_FREE;
    slot->len = 0;
    slot->resend = 0;
    c->unacked--;
    c->hold_retry = 1; /* room for what a held message wants to send */
    tern_slot_stored(c, slot);
    if (c->cfg->cb.on_publish_done) c->cfg->cb.on_publish_done(c, id, st, reason, c->cfg->cb.user);
}

static int can_send_now(const tern_client *c)
{
    return c->state == TERN_STATE_CONNECTED;
}

#if TERN_CFG_MQTT5
/* MQTT 5 outgoing topic alias for a QoS 0 message: an alias already bound to the topic
 * replaces it; otherwise a free alias is bound by sending both. Returns the alias entry to
 * record once the packet is queued (binding), or NULL. */
static tern_topic_alias *apply_out_alias(tern_client *c, tern_publish *m, tern_props *props)
{
    uint16_t n = c->cfg->out_topic_alias_count;
    if (n > c->peer_topic_alias_max) n = c->peer_topic_alias_max;
    if (n == 0 || !tern_is_v5(c) || m->topic.len == 0 ||
        (m->props && (m->props->present & TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS))))
        return NULL;
    tern_topic_alias *free_entry = NULL;
    uint16_t alias = 0;
    for (uint16_t i = 0; i < n && !alias; i++) {
        tern_topic_alias *a = &c->cfg->out_topic_aliases[i];
        if (a->len == m->topic.len && tern_same(a->topic, m->topic.data, a->len)) alias = (uint16_t)(i + 1);
        else if (!free_entry && a->len == 0 && a->cap >= m->topic.len) free_entry = a;
    }
    if (!alias && !free_entry) return NULL;
    if (m->props) tern_copy(props, m->props, sizeof *props); /* not memcpy: bytes.h */
    else memset(props, 0, sizeof *props);
    props->present |= TERN_PROP_BIT(TERN_PROP_TOPIC_ALIAS);
    m->props = props;
    if (alias) {
        props->topic_alias = alias;
        m->topic.len = 0;
        return NULL;
    }
    props->topic_alias = (uint16_t)(free_entry - c->cfg->out_topic_aliases + 1);
    return free_entry;
}
#endif

static tern_status publish_qos0(tern_client *c, const tern_publish *msg)
{
    tern_publish m = *msg;
    tern_topic_alias *bind = NULL;
#if TERN_CFG_MQTT5
    tern_props props;
    bind = apply_out_alias(c, &m, &props);
#endif
    size_t n = 0, cap = 0;
    tern_status st;
    do {
        uint8_t *buf = tern_tx_room(c, &cap);
        st = tern_codec_encode_publish(&m, tern_version(c), buf, cap, &n);
        if (st == TERN_OK && tern_over_peer_max(c, n)) return TERN_ERR_PACKET_TOO_LARGE;
        st = tern_tx_encoded(c, st, n);
    } while (st == TERN_NEED_MORE);
    if (st == TERN_OK && bind) { /* bound only now that the broker will see the binding */
        tern_copy(bind->topic, m.topic.data, m.topic.len);
        bind->len = (uint16_t)m.topic.len;
    }
    return st;
}

static tern_inflight *free_slot(tern_client *c)
{
    uint16_t start = c->slot_hint < c->cfg->inflight_count ? c->slot_hint : 0;
    for (uint16_t i = 0; i < c->cfg->inflight_count; i++) {
        uint16_t at = slot_at(c, start, i);
        if (c->cfg->inflight[at].state != TERN_SLOT_FREE) continue;
        c->slot_hint = slot_at(c, at, 1);
        return &c->cfg->inflight[at];
    }
    return NULL;
}

/* QoS 1/2: encode into a slot, then queue a copy; the slot keeps it for re-sending. */
static tern_status publish_qos12(tern_client *c, const tern_publish *m, uint16_t *id_out)
{
    tern_inflight *s = free_slot(c);
    if (!s || c->unacked >= tern_send_window(c)) return TERN_ERR_BUSY;
    tern_publish copy = *m;
    copy.packet_id = tern_next_packet_id(c);
    copy.dup = 0;
    /* Encoded straight into the slot (validated once); the slot is taken only on success. */
    size_t n = 0;
    tern_status st = tern_codec_encode_publish(&copy, tern_version(c), s->packet, s->cap, &n);
    if (st != TERN_OK) return st;
    if (tern_over_peer_max(c, n)) return TERN_ERR_PACKET_TOO_LARGE;
    if (can_send_now(c) && !tern_tx_reserve(c, n + tern_tx_kept(c))) return TERN_WOULD_BLOCK;
    s->len = (uint32_t)n;
    s->packet_id = copy.packet_id;
    s->seq = c->next_seq++;
    s->state = m->qos == 1 ? TERN_SLOT_WAIT_PUBACK : TERN_SLOT_WAIT_PUBREC;
    c->unacked++;
    tern_slot_stored(c, s);
    if (id_out) *id_out = copy.packet_id;
    /* Not connected: it waits in its slot and goes out when the session resumes. */
    /* Offline, or older messages still wait to be re-sent: queue it behind them, in order. */
    s->resend = !can_send_now(c) || c->resend_pending ? TERN_RESEND_NEVER_SENT : TERN_RESEND_NONE;
    if (s->resend) c->resend_pending = 1;
    return s->resend ? TERN_OK : tern_tx_queue(c, s->packet, s->len);
}

tern_status tern_client_publish(tern_client *c, const tern_publish *msg, uint16_t *packet_id)
{
    if (!c->opts) return TERN_ERR_NOT_CONNECTED;
    if (msg->qos > (TERN_CFG_QOS2 ? 2 : 1)) return msg->qos > 2 ? TERN_ERR_QOS : TERN_ERR_UNSUPPORTED;
    if (msg->qos == 0 && !can_send_now(c)) return TERN_ERR_NOT_CONNECTED;
    return msg->qos == 0 ? publish_qos0(c, msg) : publish_qos12(c, msg, packet_id);
}

int tern_sub_pending(const tern_client *c, uint16_t packet_id)
{
    for (int i = 0; i < TERN_SUBS_IN_FLIGHT; i++)
        if (c->sub_ids[i] == packet_id) return i;
    return -1;
}

tern_status tern_sub_acked(tern_client *c, uint16_t packet_id, uint8_t type, uint16_t codes)
{
    int i = packet_id ? tern_sub_pending(c, packet_id) : -1;
    if (i < 0) return TERN_ERR_UNKNOWN_PACKET_ID;
    int unsubscribe = (c->subs_unsub >> i) & 1;
    c->sub_ids[i] = 0;
    if (unsubscribe != (type == TERN_UNSUBACK)) return TERN_ERR_ACK_TYPE;
    /* A 3.1.1 UNSUBACK carries no codes. */
    if (unsubscribe && !tern_is_v5(c)) return TERN_OK;
    return codes == c->sub_counts[i] ? TERN_OK : TERN_ERR_ACK_COUNT;
}

/* Remember a request sent, to check its ack (slot i from tern_sub_pending(c, 0)). */
static void sub_sent(tern_client *c, int i, int unsubscribe, uint16_t packet_id, uint16_t count)
{
    c->sub_ids[i] = packet_id;
    c->sub_counts[i] = count;
    c->subs_unsub = (uint8_t)((c->subs_unsub & ~(1u << i)) | ((unsigned)unsubscribe << i));
}

static tern_status queue_sub(tern_client *c, int unsubscribe, const tern_subscription *subs,
                             uint16_t count, const tern_props *props, uint16_t *packet_id)
{
    if (!can_send_now(c)) return TERN_ERR_NOT_CONNECTED;
    int slot = tern_sub_pending(c, 0);
    if (slot < 0) return TERN_ERR_BUSY; /* its answer could not be checked */
    tern_subscribe p = {.entries = subs, .props = props, .count = count};
    p.packet_id = tern_next_packet_id(c);
    size_t n = 0, cap = 0;
    tern_status st;
    do {
        uint8_t *buf = tern_tx_room(c, &cap);
        st = unsubscribe ? tern_codec_encode_unsubscribe(&p, tern_version(c), buf, cap, &n)
                         : tern_codec_encode_subscribe(&p, tern_version(c), buf, cap, &n);
        st = tern_tx_encoded(c, st, n);
    } while (st == TERN_NEED_MORE);
    if (st != TERN_OK) return st;
    sub_sent(c, slot, unsubscribe, p.packet_id, count);
    if (packet_id) *packet_id = p.packet_id;
    return TERN_OK;
}

tern_status tern_client_subscribe(tern_client *c, const tern_subscription *subs, uint16_t count,
                                  const tern_props *props, uint16_t *packet_id)
{
    return queue_sub(c, 0, subs, count, props, packet_id);
}

tern_status tern_client_unsubscribe(tern_client *c, const tern_subscription *subs,
                                    uint16_t count, const tern_props *props, uint16_t *packet_id)
{
    return queue_sub(c, 1, subs, count, props, packet_id);
}
