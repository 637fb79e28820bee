/* tern fw agent: the device. It waits for the retained manifest of its class, verifies it,
 * fetches the chunks it still needs by subscribing to their (retained) topics a window at a
 * time, verifies each on arrival, installs atomically, and reports on its status topic.
 * Chunks are pulled, not pushed: the device sets the pace, resumes where it stopped, and any
 * number of devices share one retained copy on the broker. */
#define _POSIX_C_SOURCE 200809L
#include "fw.h"

#include <stdlib.h>
#include <string.h>

#include "fw_store.h"
#include "session.h"

#define WINDOW 8u             /* chunks asked for at once */
#define STALL_MS 3000u        /* no chunk for this long: ask again */
#define AGENT_RX 4096u        /* a small device's receive buffer: 1 KiB chunks fit */

typedef struct {
    const fw_options *o;
    tool_session s;
    fw_store store;
    tern_fw_storage storage;
    tern_fw_receiver rx;
    tern_fw_key keys[FW_MAX_TRUST];
    size_t key_count;
    char manifest_topic[256];
    char chunk_prefix[256];
    uint32_t window_start, window_end;   /* chunks subscribed to */
    uint32_t last_progress_ms;
    int subscribed_on;                   /* s.connects when we last subscribed */
    int outcome;                         /* 0 running, 1 installed, -1 refused */
} agent;

/* "<what> version V[: why]" on stderr and, retained, on the status topic. */
static void report(agent *a, const char *what, uint64_t v, const char *why)
{
    char topic[256], text[256];
    int n = snprintf(text, sizeof text, "%s version %llu%s%s", what, (unsigned long long)v, why ? ": " : "",
                     why ? why : "");
    fprintf(stderr, "tern fw agent: %s\n", text);
    fw_topic_status(topic, sizeof topic, a->o, a->s.client_id);
    tern_publish m;
    memset(&m, 0, sizeof m);
    m.topic.data = (const uint8_t *)topic;
    m.topic.len = (uint32_t)strlen(topic);
    m.payload.data = (const uint8_t *)text;
    m.payload.len = (uint32_t)(n < 0 ? 0 : n);
    m.qos = 1;
    m.retain = 1;
    if (tern_client_is_connected(&a->s.client)) (void)tern_client_publish(&a->s.client, &m, NULL);
}

static void refuse(agent *a, uint64_t version)
{
    report(a, "rejected", version, a->rx.reason);
    a->rx.active = 0;
    a->window_start = a->window_end = 0;
    fw_store_discard(&a->store);
    a->outcome = -1;
}

/* An interrupted attempt at this very manifest: continue from its saved progress. */
static void maybe_resume(agent *a, const uint8_t *buf, size_t len)
{
    uint8_t saved[TERN_FW_MANIFEST_MAX], next[TERN_FW_HASH_LEN];
    size_t slen = 0;
    uint32_t chunks = 0;
    if (fw_store_progress(&a->store, saved, &slen, &chunks, next) != 0 || slen != len ||
        memcmp(saved, buf, len) != 0 || chunks == 0)
        return;
    if (tern_fw_resume(&a->rx, &a->storage, chunks, next) == TERN_OK)
        fprintf(stderr, "tern fw agent: resuming version %llu at chunk %lu of %lu\n",
                (unsigned long long)a->rx.m.version, (unsigned long)chunks, (unsigned long)a->rx.m.chunk_count);
    else if (tern_fw_offer_manifest(&a->rx, buf, len, a->keys, a->key_count, a->o->device_class,
                                    a->store.installed_version) != TERN_OK)
        a->rx.active = 0; /* cannot happen: it was accepted a moment ago */
}

static void on_manifest(agent *a, const uint8_t *buf, size_t len)
{
    if (a->rx.active && len == a->rx.manifest_len && memcmp(buf, a->rx.manifest, len) == 0) return;
    tern_fw_manifest m;
    if (tern_fw_manifest_decode(buf, len, &m) == TERN_OK && a->store.installed_version &&
        !memcmp(m.update_id, a->store.installed_update, TERN_FW_UPDATE_ID_LEN))
        return; /* the update we run already */
    if (tern_fw_offer_manifest(&a->rx, buf, len, a->keys, a->key_count, a->o->device_class,
                               a->store.installed_version) != TERN_OK) {
        refuse(a, m.version);
        return;
    }
    size_t need = a->rx.m.chunk_size + TERN_FW_CHUNK_HEADER + strlen(a->chunk_prefix) + 64u;
    if (need > AGENT_RX) {
        snprintf(a->rx.reason, sizeof a->rx.reason, "chunks of %lu bytes do not fit the %u-byte receive buffer",
                 (unsigned long)a->rx.m.chunk_size, AGENT_RX);
        refuse(a, m.version);
        return;
    }
    fw_topic_chunk(a->chunk_prefix, sizeof a->chunk_prefix, a->o, a->rx.m.update_id, 0);
    a->chunk_prefix[strlen(a->chunk_prefix) - 1] = 0; /* ".../UPDATEID/" */
    maybe_resume(a, buf, len);
    a->window_start = a->window_end = 0;
    a->last_progress_ms = tool_now_ms(NULL);
    report(a, "downloading", a->rx.m.version, NULL);
}

static void on_chunk(agent *a, const uint8_t *buf, size_t len)
{
    tern_status st = tern_fw_offer_chunk(&a->rx, &a->storage, buf, len);
    if (st == TERN_ERR_FW_CHUNK) return; /* a re-sent or early chunk: it will be asked for again */
    if (st != TERN_OK) {
        refuse(a, a->rx.m.version);
        return;
    }
    a->last_progress_ms = tool_now_ms(NULL);
    fw_progress("agent", a->rx.next_index, a->rx.m.chunk_count);
    if (tern_fw_complete(&a->rx)) {
        report(a, "installed", a->rx.m.version, NULL);
        a->window_start = a->window_end = 0;
        a->outcome = 1;
    }
}

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    agent *a = ((tool_session *)user)->fw;
    (void)c;
    size_t plen = strlen(a->chunk_prefix);
    if (m->topic.len == strlen(a->manifest_topic) && !memcmp(m->topic.data, a->manifest_topic, m->topic.len))
        on_manifest(a, m->payload.data, m->payload.len);
    else if (a->rx.active && plen && m->topic.len > plen && !memcmp(m->topic.data, a->chunk_prefix, plen))
        on_chunk(a, m->payload.data, m->payload.len);
}

/* Subscribe (or unsubscribe) chunk topics [from, to). */
static tern_status chunk_subscriptions(agent *a, uint32_t from, uint32_t to, int unsubscribe)
{
    char topics[WINDOW][256];
    tern_subscription subs[WINDOW];
    uint16_t n = 0;
    for (uint32_t i = from; i < to && n < WINDOW; i++, n++) {
        fw_topic_chunk(topics[n], sizeof topics[n], a->o, a->rx.m.update_id, i);
        subs[n].filter.data = (const uint8_t *)topics[n];
        subs[n].filter.len = (uint32_t)strlen(topics[n]);
        subs[n].options = 1;
    }
    if (n == 0) return TERN_OK;
    return unsubscribe ? tern_client_unsubscribe(&a->s.client, subs, n, NULL, NULL)
                       : tern_client_subscribe(&a->s.client, subs, n, NULL, NULL);
}

/* Keep a window of chunk subscriptions ahead of the next chunk; ask again after a stall
 * (subscribing again makes the broker send the retained chunk again). */
static tern_status request_chunks(agent *a)
{
    uint32_t next = a->rx.next_index, now = tool_now_ms(NULL);
    int stalled = now - a->last_progress_ms > STALL_MS;
    if (!a->rx.active || (next < a->window_end && !stalled)) return TERN_OK;
    tern_status st = chunk_subscriptions(a, a->window_start, a->window_end, 1);
    uint32_t end = next + WINDOW < a->rx.m.chunk_count ? next + WINDOW : a->rx.m.chunk_count;
    if (st == TERN_OK) st = chunk_subscriptions(a, next, end, 0);
    if (st == TERN_OK) {
        a->window_start = next, a->window_end = end;
        a->last_progress_ms = now;
    }
    return st == TERN_WOULD_BLOCK ? TERN_OK : st;
}

static tern_status subscribe_manifest(agent *a)
{
    tern_subscription sub = {{(const uint8_t *)a->manifest_topic, (uint32_t)strlen(a->manifest_topic)}, 1};
    a->window_start = a->window_end = 0; /* a new session holds no chunk subscriptions */
    return tern_client_subscribe(&a->s.client, &sub, 1, NULL, NULL);
}

static int load_keys(agent *a)
{
    for (int i = 0; i < a->o->trust_count; i++) {
        if (fw_load_public_key(a->o->trust[i], &a->keys[a->key_count]) != 0) {
            fprintf(stderr, "tern fw agent: cannot read trusted key %s\n", a->o->trust[i]);
            return -1;
        }
        a->key_count++;
    }
    return 0;
}

static int run(agent *a)
{
    for (;;) {
        /* Short slices while downloading: the next window is asked for between them. */
        tern_status st = tern_client_run(&a->s.client, a->rx.active ? 2 : 50);
        if (st != TERN_OK) {
            tool_fail(&a->s, "connection lost", st);
            return 1;
        }
        if (!tern_client_is_connected(&a->s.client)) continue;
        if (a->s.connects != a->subscribed_on) { /* (re)connected: ask for everything again */
            a->subscribed_on = a->s.connects;
            if (subscribe_manifest(a) != TERN_OK) continue;
        }
        if (request_chunks(a) != TERN_OK) continue;
        if (a->o->once && a->outcome && tern_client_wait_idle(&a->s.client, 10000u) == TERN_OK)
            return a->outcome > 0 ? 0 : 1;
    }
}

int fw_agent(const fw_options *o)
{
    agent *a = calloc(1, sizeof *a);
    int rc = 1;
    if (!a) return 1;
    a->o = o;
    fw_topic_manifest(a->manifest_topic, sizeof a->manifest_topic, o);
    if (load_keys(a) != 0 || fw_store_open(&a->store, o->install_dir) != 0) {
        if (a->key_count == (size_t)o->trust_count) fprintf(stderr, "tern fw agent: cannot use %s\n", o->install_dir);
        free(a);
        return 1;
    }
    fw_store_storage(&a->store, &a->storage);
    fprintf(stderr, "tern fw agent: device class %s, installed version %llu, waiting on %s\n", o->device_class,
            (unsigned long long)a->store.installed_version, a->manifest_topic);
    if (tool_session_init(&a->s, &o->conn, 8192, AGENT_RX, 4, 512, 16) == 0) {
        a->s.fw = a;
        a->s.cfg.cb.on_message = on_message;
        if (tool_session_connect(&a->s) == 0) {
            a->s.conn.auto_reconnect = 1;
            rc = run(a);
            if (tern_client_is_connected(&a->s.client)) tern_client_disconnect(&a->s.client, 0);
        }
    }
    tool_session_free(&a->s);
    fw_store_close(&a->store);
    free(a);
    return rc;
}
