/* The agent's side that talks to the client: set-up, the subscriptions (the manifest, and a
 * window of chunk topics that slides as chunks are verified), asking again after a stall, and
 * the status line. Everything here runs from tern_fw_agent_poll, never inside a callback. */
#include "agent_internal.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_PREFIX "tern/fw"
#define MANIFEST_REFRESH_MS 600000u /* idle: ask for the manifest again this often */

/* A topic level: 1..max-1 bytes, none of them '/', '+' or '#'. */
static int level_ok(const char *s, size_t max)
{
    size_t n = s ? tern_fw_bounded_len(s, max) : 0;
    return n > 0 && n < max && !strpbrk(s, "/+#");
}

static int storage_ok(const tern_fw_storage *s)
{
    return s && s->write && s->read && s->install && s->erase && s->load_progress;
}

tern_status tern_fw_agent_init(tern_fw_agent *a, const tern_fw_agent_config *cfg)
{
    if (!a || !cfg || !cfg->client || !cfg->client->cfg || !cfg->keys || cfg->key_count == 0 ||
        !storage_ok(cfg->storage) || !level_ok(cfg->device_class, TERN_FW_CLASS_MAX) ||
        !level_ok(cfg->device_id, TERN_FW_DEVICE_ID_MAX))
        return TERN_ERR_INVALID_ARG;
    const char *prefix = cfg->topic_prefix ? cfg->topic_prefix : DEFAULT_PREFIX;
    size_t plen = tern_fw_bounded_len(prefix, TERN_FW_PREFIX_MAX);
    if (plen == 0 || plen >= TERN_FW_PREFIX_MAX || strpbrk(prefix, "+#")) return TERN_ERR_INVALID_ARG;
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    a->cfg.topic_prefix = prefix;
    if (!a->cfg.window) a->cfg.window = 8;
    if (!a->cfg.max_checks_per_s) a->cfg.max_checks_per_s = 4;
    if (!a->cfg.stall_ms) a->cfg.stall_ms = 3000;
    if (!a->cfg.stall_rounds) a->cfg.stall_rounds = 3;
    a->installed_version = cfg->installed_version;
    if (cfg->installed_update_id) {
        memcpy(a->installed_update, cfg->installed_update_id, TERN_FW_UPDATE_ID_LEN);
        a->has_installed = 1;
    }
    snprintf(a->manifest_topic, sizeof a->manifest_topic, "%s/%s/manifest", prefix, cfg->device_class);
    /* The chunk route's filter keeps its length: 32 hex digits, all zero until an update. */
    snprintf(a->chunk_filter, sizeof a->chunk_filter, "%s/%s/%032d/+", prefix, cfg->device_class, 0);
    a->checks_window_ms = tern_fw_agent_now(a);
    return TERN_OK;
}

void tern_fw_agent_routes(tern_fw_agent *a, tern_route out[2])
{
    out[0].filter.data = (const uint8_t *)a->manifest_topic;
    out[0].filter.len = (uint32_t)strlen(a->manifest_topic);
    out[0].on_message = tern_fw_agent_on_manifest;
    out[0].user = a;
    out[1].filter.data = (const uint8_t *)a->chunk_filter;
    out[1].filter.len = (uint32_t)strlen(a->chunk_filter);
    out[1].on_message = tern_fw_agent_on_chunk;
    out[1].user = a;
}

int tern_fw_agent_busy(const tern_fw_agent *a) { return a->rx.active; }

uint64_t tern_fw_agent_installed_version(const tern_fw_agent *a) { return a->installed_version; }

/* Room, connection or slots missing now: the poll tries again next time. */
static int later(tern_status st)
{
    return st == TERN_WOULD_BLOCK || st == TERN_ERR_BUSY || st == TERN_ERR_NOT_CONNECTED;
}

static tern_status subscription(tern_fw_agent *a, const char *topic, int unsubscribe)
{
    tern_subscription sub = {{(const uint8_t *)topic, (uint32_t)strlen(topic)}, 1};
    return unsubscribe ? tern_client_unsubscribe(a->cfg.client, &sub, 1, NULL, NULL)
                       : tern_client_subscribe(a->cfg.client, &sub, 1, NULL, NULL);
}

static tern_status chunk_subscription(tern_fw_agent *a, uint32_t index, int unsubscribe)
{
    int n = snprintf(a->topic, sizeof a->topic, "%s/%s/", a->cfg.topic_prefix, a->cfg.device_class);
    tern_fw_agent_hex_id(a->topic + n, a->sub_update);
    snprintf(a->topic + n + 2 * TERN_FW_UPDATE_ID_LEN, sizeof a->topic - (size_t)n - 2 * TERN_FW_UPDATE_ID_LEN,
             "/%lu", (unsigned long)index);
    return subscription(a, a->topic, unsubscribe);
}

/* Unsubscribe chunk topics below `below` (all of them when the update changed or ended). */
static tern_status drop_chunks(tern_fw_agent *a, uint32_t below)
{
    while (a->sub_lo < a->sub_hi && a->sub_lo < below) {
        tern_status st = chunk_subscription(a, a->sub_lo, 1);
        if (st != TERN_OK) return st;
        a->sub_lo++;
    }
    return TERN_OK;
}

/* Keep [next, next + window) subscribed, for the update in progress. */
static tern_status keep_window(tern_fw_agent *a)
{
    const tern_fw_receiver *r = &a->rx;
    int same = r->active && memcmp(a->sub_update, r->m.update_id, TERN_FW_UPDATE_ID_LEN) == 0;
    tern_status st = drop_chunks(a, same ? r->next_index : UINT32_MAX);
    if (st != TERN_OK || !r->active) return st;
    if (!same || a->sub_hi < r->next_index) {
        memcpy(a->sub_update, r->m.update_id, TERN_FW_UPDATE_ID_LEN);
        a->sub_lo = a->sub_hi = r->next_index;
    }
    uint32_t end = r->m.chunk_count - r->next_index > a->cfg.window ? r->next_index + a->cfg.window
                                                                       : r->m.chunk_count;
    while (a->sub_hi < end) {
        st = chunk_subscription(a, a->sub_hi, 0);
        if (st != TERN_OK) return st;
        a->sub_hi++;
    }
    return TERN_OK;
}

/* No verified chunk for stall_ms: subscribe the window again (the broker sends the retained
 * chunks again). Rounds that brought only chunks that do not verify are counted. */
static void check_stall(tern_fw_agent *a, uint32_t now)
{
    if (!a->rx.active || now - a->last_progress_ms < a->cfg.stall_ms) return;
    a->last_progress_ms = now;
    a->bad_rounds = a->bad_chunk_seen ? (uint8_t)(a->bad_rounds + 1u) : 0;
    a->bad_chunk_seen = 0;
    if (a->sub_hi > a->rx.next_index) a->sub_hi = a->rx.next_index; /* subscribed again below */
    if (a->bad_rounds >= a->cfg.stall_rounds && !a->stalled_reported) {
        char why[TERN_FW_STATUS_MAX];
        a->stalled_reported = 1;
        snprintf(why, sizeof why, "chunk %lu: %s", (unsigned long)a->rx.next_index, a->bad_reason);
        tern_fw_agent_emit(a, TERN_FW_EVENT_STALLED, TERN_ERR_HASH, a->rx.m.version, why);
        tern_fw_agent_status(a, "stalled", a->rx.m.version, why);
    }
}

static tern_status publish_status(tern_fw_agent *a)
{
    tern_client *c = a->cfg.client;
    snprintf(a->topic, sizeof a->topic, "%s/%s/status/%s", a->cfg.topic_prefix, a->cfg.device_class,
             a->cfg.device_id);
    tern_publish m;
    memset(&m, 0, sizeof m);
    m.topic.data = (const uint8_t *)a->topic;
    m.topic.len = (uint32_t)strlen(a->topic);
    m.payload.data = (const uint8_t *)a->status;
    m.payload.len = (uint32_t)strlen(a->status);
    m.qos = c->cfg->inflight_count ? 1 : 0;
    m.retain = 1;
    tern_status st = tern_client_publish(c, &m, NULL);
    if (st == TERN_OK) a->status_pending = 0;
    return st;
}

static tern_status poll_connected(tern_fw_agent *a)
{
    uint32_t now = tern_fw_agent_now(a);
    tern_status st = TERN_OK;
    if (a->manifest_again && (int32_t)(now - a->manifest_again_ms) >= 0) a->manifest_subscribed = 0;
    if (!a->rx.active && now - a->manifest_asked_ms >= MANIFEST_REFRESH_MS) a->manifest_subscribed = 0;
    if (!a->manifest_subscribed) {
        st = subscription(a, a->manifest_topic, 0);
        if (st == TERN_OK) a->manifest_subscribed = 1, a->manifest_again = 0, a->manifest_asked_ms = now;
    }
    check_stall(a, now);
    if (st == TERN_OK) st = keep_window(a);
    if (st == TERN_OK && a->status_pending) st = publish_status(a);
    return st;
}

tern_status tern_fw_agent_poll(tern_fw_agent *a)
{
    if (!tern_client_is_connected(a->cfg.client)) {
        a->connected = 0;
        return TERN_OK;
    }
    if (!a->connected) { /* a new connection: ask for everything again */
        a->connected = 1;
        a->manifest_subscribed = 0;
        a->sub_lo = a->sub_hi = a->rx.next_index;
    }
    tern_status st = poll_connected(a);
    return later(st) ? TERN_OK : st;
}
