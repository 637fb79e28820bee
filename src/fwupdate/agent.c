/* The agent's reaction to what arrives: manifests and chunks, routed to it by topic. Only what
 * verifies acts on the download; everything else is ignored and reported as an event, and the
 * signature checks that unverified manifests cost are bounded. */
#include "agent_internal.h"

#include <stdio.h>
#include <string.h>

uint32_t tern_fw_agent_now(const tern_fw_agent *a)
{
    const tern_client *c = a->cfg.client;
    return c->cfg->now_ms(c->cfg->clock_ctx);
}

void tern_fw_agent_emit(tern_fw_agent *a, tern_fw_event_kind kind, tern_status st, uint64_t version,
                        const char *reason)
{
    if (!a->cfg.on_event) return;
    int counted = kind != TERN_FW_EVENT_IGNORED && kind != TERN_FW_EVENT_REFUSED && kind != TERN_FW_EVENT_UP_TO_DATE;
    tern_fw_event e = {kind, st, version, counted ? a->rx.next_index : 0, counted ? a->rx.m.chunk_count : 0,
                       reason ? reason : ""};
    a->cfg.on_event(a, &e, a->cfg.user);
}

void tern_fw_agent_status(tern_fw_agent *a, const char *what, uint64_t version, const char *why)
{
    if (version) snprintf(a->status, sizeof a->status, "%s version %llu%s%s", what, (unsigned long long)version,
                          why ? ": " : "", why ? why : "");
    else snprintf(a->status, sizeof a->status, "%s: %s", what, why ? why : "");
    a->status_pending = 1;
}

/* At most max_checks_per_s signature checks of unverified manifests per second of the
 * client's clock. Refused: the manifest topic is asked for again a second later, so that a
 * genuine retained manifest dropped in a flood is not lost. */
static int check_allowed(tern_fw_agent *a)
{
    uint32_t t = tern_fw_agent_now(a);
    if (t - a->checks_window_ms >= 1000u) a->checks_window_ms = t, a->checks_in_window = 0;
    if (a->checks_in_window >= a->cfg.max_checks_per_s) {
        a->manifest_again = 1;
        a->manifest_again_ms = a->checks_window_ms + 1000u;
        return 0;
    }
    a->checks_in_window++;
    a->unverified_checks++;
    return 1;
}

static void remember_refused(tern_fw_agent *a, const uint8_t hash[TERN_FW_HASH_LEN])
{
    memcpy(a->refused_hash, hash, TERN_FW_HASH_LEN);
    a->has_refused = 1;
}

/* Input that does not verify: ignored, and reported only as that (never its contents). */
static void ignore_manifest(tern_fw_agent *a, tern_status st, const char *why)
{
    tern_fw_agent_emit(a, TERN_FW_EVENT_IGNORED, st, 0, why);
    if (!a->rx.active) tern_fw_agent_status(a, "ignored a manifest that does not verify", 0, why);
}

/* Chunks of this update must reach the agent whole, through the client's receive buffer. */
static int chunks_fit(const tern_fw_agent *a, const tern_fw_manifest *m)
{
    uint64_t packet = (uint64_t)m->chunk_size + TERN_FW_CHUNK_HEADER + strlen(a->chunk_filter) + 64u;
    return packet <= a->cfg.client->cfg->rx_cap;
}

/* A verified manifest that this device does not apply: say why, with its (verified) version. */
static int refuse_verified(tern_fw_agent *a, const tern_fw_manifest *m)
{
    tern_status st = tern_fw_check_verified(&a->rx, m, a->cfg.device_class, a->installed_version);
    if (st == TERN_OK && chunks_fit(a, m)) return 0;
    if (st == TERN_ERR_ROLLBACK && a->has_installed && m->version == a->installed_version &&
        memcmp(m->update_id, a->installed_update, TERN_FW_UPDATE_ID_LEN) == 0) {
        tern_fw_agent_emit(a, TERN_FW_EVENT_UP_TO_DATE, TERN_OK, m->version, "");
        return 1; /* the update installed: nothing to do */
    }
    if (st == TERN_OK) {
        st = TERN_ERR_BUFFER_TOO_SMALL;
        snprintf(a->rx.reason, sizeof a->rx.reason, "chunks of %lu bytes do not fit the %lu-byte receive buffer",
                 (unsigned long)m->chunk_size, (unsigned long)a->cfg.client->cfg->rx_cap);
    }
    tern_fw_agent_emit(a, TERN_FW_EVENT_REFUSED, st, m->version, a->rx.reason);
    if (!a->rx.active) tern_fw_agent_status(a, "rejected", m->version, a->rx.reason);
    return 1;
}

static void begin(tern_fw_agent *a, const uint8_t *buf, size_t len, const tern_fw_manifest *m)
{
    uint8_t saved[TERN_FW_MANIFEST_MAX], next[TERN_FW_HASH_LEN];
    size_t saved_len = 0;
    uint32_t done = 0;
    const tern_fw_storage *s = a->cfg.storage;
    tern_status st = tern_fw_start(&a->rx, buf, len, m);
    int resumable = st == TERN_OK &&
                    s->load_progress(s->ctx, saved, sizeof saved, &saved_len, &done, next) == TERN_OK &&
                    saved_len == len && memcmp(saved, buf, len) == 0 && done > 0;
    if (resumable && tern_fw_resume(&a->rx, s, done, next) != TERN_OK) resumable = 0;
    if (!resumable && st == TERN_OK) {
        st = tern_fw_start(&a->rx, buf, len, m); /* a failed resume may have fed the hash */
        if (st == TERN_OK) st = s->erase(s->ctx, 0);
    }
    snprintf(a->chunk_filter, sizeof a->chunk_filter, "%s/%s/", a->cfg.topic_prefix, a->cfg.device_class);
    tern_fw_agent_hex_id(a->chunk_filter + strlen(a->chunk_filter), m->update_id);
    strcat(a->chunk_filter, "/+");
    a->last_progress_ms = tern_fw_agent_now(a);
    a->bad_chunk_seen = a->bad_rounds = a->stalled_reported = 0;
    if (st != TERN_OK) {
        a->rx.active = 0;
        tern_fw_agent_emit(a, TERN_FW_EVENT_FAILED, st, m->version, "cannot prepare the staging area");
        tern_fw_agent_status(a, "failed", m->version, "cannot prepare the staging area");
        return;
    }
    tern_fw_agent_emit(a, TERN_FW_EVENT_DOWNLOADING, TERN_OK, m->version, resumable ? "resumed" : "");
    tern_fw_agent_status(a, "downloading", m->version, NULL);
}

void tern_fw_agent_on_manifest(tern_client *c, const tern_publish *msg, void *user)
{
    tern_fw_agent *a = user;
    const uint8_t *buf = msg->payload.data;
    size_t len = msg->payload.len;
    uint8_t hash[TERN_FW_HASH_LEN];
    tern_fw_manifest m;
    char why[160];
    (void)c;
    if (a->rx.active && len == a->rx.manifest_len && memcmp(buf, a->rx.manifest, len) == 0) return;
    if (tern_fw_sha256(buf, len, hash) != TERN_OK) return;
    if (a->has_refused && memcmp(hash, a->refused_hash, TERN_FW_HASH_LEN) == 0) return; /* refused before */
    if (len > TERN_FW_MANIFEST_MAX || tern_fw_manifest_decode(buf, len, &m) != TERN_OK) {
        remember_refused(a, hash);
        snprintf(why, sizeof why, "not a valid manifest (%zu bytes)", len);
        ignore_manifest(a, TERN_ERR_FW_FORMAT, why);
        return;
    }
    if (!check_allowed(a)) {
        tern_fw_agent_emit(a, TERN_FW_EVENT_IGNORED, TERN_ERR_BUSY, 0, "too many manifests to check: later");
        return;
    }
    tern_status st = tern_fw_manifest_verify(&m, a->cfg.keys, a->cfg.key_count, why, sizeof why);
    if (st != TERN_OK) {
        remember_refused(a, hash);
        ignore_manifest(a, st, why);
        return;
    }
    /* Verified: from here on its fields are facts. */
    if (refuse_verified(a, &m)) {
        remember_refused(a, hash);
        return;
    }
    begin(a, buf, len, &m);
}

static void end_download(tern_fw_agent *a, tern_status st)
{
    const tern_fw_storage *s = a->cfg.storage;
    uint64_t v = a->rx.m.version;
    a->rx.active = 0;
    if (st == TERN_OK) {
        a->installed_version = v;
        memcpy(a->installed_update, a->rx.m.update_id, TERN_FW_UPDATE_ID_LEN);
        a->has_installed = 1;
        tern_fw_agent_emit(a, TERN_FW_EVENT_INSTALLED, TERN_OK, v, "");
        tern_fw_agent_status(a, "installed", v, NULL);
        return;
    }
    (void)s->erase(s->ctx, 0); /* nothing of a failed attempt may stay in the way of the next */
    tern_fw_agent_emit(a, TERN_FW_EVENT_FAILED, st, v, a->rx.reason);
    tern_fw_agent_status(a, "failed", v, a->rx.reason);
}

void tern_fw_agent_on_chunk(tern_client *c, const tern_publish *msg, void *user)
{
    tern_fw_agent *a = user;
    (void)c;
    if (!a->rx.active) return;
    tern_status st = tern_fw_offer_chunk(&a->rx, a->cfg.storage, msg->payload.data, msg->payload.len);
    if (st == TERN_ERR_FW_CHUNK) return; /* a re-sent or early chunk: it will be asked for again */
    if (st == TERN_OK && a->rx.active) {
        a->last_progress_ms = tern_fw_agent_now(a);
        a->bad_chunk_seen = a->bad_rounds = a->stalled_reported = 0;
        tern_fw_agent_emit(a, TERN_FW_EVENT_PROGRESS, TERN_OK, a->rx.m.version, "");
        return;
    }
    if (!a->rx.active || st == TERN_ERR_FW_STORAGE) { /* the end, or the storage gave way */
        end_download(a, st);
        return;
    }
    /* Bytes that do not verify on a chunk topic: ignored; the genuine chunk is asked for again. */
    a->bad_chunk_seen = 1;
    snprintf(a->bad_reason, sizeof a->bad_reason, "%s", a->rx.reason);
    tern_fw_agent_emit(a, TERN_FW_EVENT_IGNORED, st, 0, a->bad_reason);
}

void tern_fw_agent_hex_id(char *out, const uint8_t id[TERN_FW_UPDATE_ID_LEN])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < TERN_FW_UPDATE_ID_LEN; i++) {
        out[2 * i] = digits[id[i] >> 4];
        out[2 * i + 1] = digits[id[i] & 15];
    }
    out[2 * TERN_FW_UPDATE_ID_LEN] = 0;
}
