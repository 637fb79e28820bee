/* The device side of an update: accept a manifest only when it is signed by a pinned key, for
 * this device class and newer than what is installed; then accept chunks strictly in order,
 * each checked against the hash chain before a byte of it is stored; check the whole image's
 * hash and install. Every refusal leaves a one-line reason in r->reason. */
#include "fw_crypto.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tern/text.h"

_Static_assert(sizeof(wc_Sha256) <= sizeof(((tern_fw_receiver *)0)->sha_state),
               "tern_fw_receiver.sha_state too small for this wolfCrypt");

static wc_Sha256 *image_sha(tern_fw_receiver *r) { return (wc_Sha256 *)(void *)r->sha_state; }

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static tern_status refuse(tern_fw_receiver *r, tern_status st, const char *fmt, ...)
{
    char raw[sizeof r->reason];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* A manifest's device class is the publisher's text: escaped, like all peer text. */
    tern_escape_text(r->reason, sizeof r->reason, raw, len < 0 ? 0 : (size_t)len < sizeof raw ? (size_t)len : sizeof raw - 1);
    return st;
}

tern_status tern_fw_check_verified(tern_fw_receiver *r, const tern_fw_manifest *m, const char *device_class,
                                   uint64_t installed_version)
{
    if (strcmp(m->device_class, device_class) != 0)
        return refuse(r, TERN_ERR_DEVICE_CLASS, "update is for device class \"%s\", this device is \"%s\"",
                      m->device_class, device_class);
    if (m->version <= installed_version)
        return refuse(r, TERN_ERR_ROLLBACK, "version %llu is not newer than the installed %llu "
                                            "(rollback or replayed manifest)", (unsigned long long)m->version,
                      (unsigned long long)installed_version);
    return TERN_OK;
}

tern_status tern_fw_start(tern_fw_receiver *r, const uint8_t *buf, size_t len, const tern_fw_manifest *m)
{
    memset(r, 0, sizeof *r);
    r->m = *m;
    memcpy(r->manifest, buf, len);
    r->manifest_len = (uint16_t)len;
    memcpy(r->next_hash, m->first_chunk_hash, TERN_FW_HASH_LEN);
    if (wc_InitSha256(image_sha(r)) != 0) return TERN_ERR_FW_STORAGE;
    r->active = 1;
    return TERN_OK;
}

tern_status tern_fw_offer_manifest(tern_fw_receiver *r, const uint8_t *buf, size_t len,
                                   const tern_fw_key *keys, size_t key_count, const char *device_class,
                                   uint64_t installed_version)
{
    tern_fw_manifest m;
    r->reason[0] = 0;
    if (len > TERN_FW_MANIFEST_MAX || tern_fw_manifest_decode(buf, len, &m) != TERN_OK)
        return refuse(r, TERN_ERR_FW_FORMAT, "not a valid manifest (%zu bytes)", len);
    tern_status st = tern_fw_manifest_verify(&m, keys, key_count, r->reason, sizeof r->reason);
    if (st != TERN_OK) return st;
    /* Only now, signed by a key we trust, do its fields mean anything. */
    st = tern_fw_check_verified(r, &m, device_class, installed_version);
    return st != TERN_OK ? st : tern_fw_start(r, buf, len, &m);
}

tern_status tern_fw_resume(tern_fw_receiver *r, const tern_fw_storage *s, uint32_t chunks_done,
                           const uint8_t next_hash[TERN_FW_HASH_LEN])
{
    if (!r->active || chunks_done >= r->m.chunk_count) return TERN_ERR_INVALID_ARG;
    uint64_t bytes = (uint64_t)chunks_done * r->m.chunk_size;
    uint8_t buf[512];
    for (uint64_t at = 0; at < bytes;) {
        size_t n = bytes - at < sizeof buf ? (size_t)(bytes - at) : sizeof buf;
        if (s->read(s->ctx, at, buf, n) != TERN_OK || wc_Sha256Update(image_sha(r), buf, (word32)n) != 0)
            return refuse(r, TERN_ERR_FW_STORAGE, "cannot read back staged bytes at %llu of %llu",
                          (unsigned long long)at, (unsigned long long)bytes);
        at += n;
    }
    /* Whatever was staged beyond the verified bytes (a chunk written after the last save, or
     * another update's bytes) must not survive into the image. */
    if (s->erase && s->erase(s->ctx, bytes) != TERN_OK)
        return refuse(r, TERN_ERR_FW_STORAGE, "cannot drop staged bytes beyond %llu", (unsigned long long)bytes);
    r->next_index = chunks_done;
    r->received = bytes;
    memcpy(r->next_hash, next_hash, TERN_FW_HASH_LEN);
    return TERN_OK;
}

/* Length of chunk i's data: chunk_size, or what is left for the last one. */
static uint64_t expected_data(const tern_fw_manifest *m, uint32_t i)
{
    uint64_t before = (uint64_t)i * m->chunk_size;
    return i + 1 < m->chunk_count ? m->chunk_size : m->image_size - before;
}

/* The checks a chunk must pass before it is stored, each with its own reason. */
static tern_status check_chunk(tern_fw_receiver *r, const uint8_t *p, size_t len)
{
    if (!tern_fw_chunk_is(p, len)) return refuse(r, TERN_ERR_FW_FORMAT, "not a chunk (%zu bytes)", len);
    if (memcmp(p + 4, r->m.update_id, TERN_FW_UPDATE_ID_LEN) != 0)
        return refuse(r, TERN_ERR_FW_CHUNK, "chunk %lu belongs to another update", (unsigned long)tern_fw_get32(p + 20));
    uint32_t index = tern_fw_get32(p + 20);
    if (index != r->next_index)
        return refuse(r, TERN_ERR_FW_CHUNK, "chunk %lu arrived, chunk %lu is next", (unsigned long)index,
                      (unsigned long)r->next_index);
    uint64_t data = len - TERN_FW_CHUNK_HEADER, want = expected_data(&r->m, index);
    if (data < want)
        return refuse(r, TERN_ERR_SIZE, "chunk %lu is short by %llu bytes (truncated image)", (unsigned long)index,
                      (unsigned long long)(want - data));
    if (data > want)
        return refuse(r, TERN_ERR_SIZE, "chunk %lu has %llu bytes more than announced (extra bytes)",
                      (unsigned long)index, (unsigned long long)(data - want));
    uint8_t h[TERN_FW_HASH_LEN];
    if (tern_fw_chunk_hash(p, len, h) != TERN_OK || memcmp(h, r->next_hash, TERN_FW_HASH_LEN) != 0)
        return refuse(r, TERN_ERR_HASH, "chunk %lu does not match the signed image (tampered)", (unsigned long)index);
    return TERN_OK;
}

/* All chunks are in: the image as a whole must hash to what was signed. */
static tern_status finish(tern_fw_receiver *r, const tern_fw_storage *s)
{
    uint8_t h[TERN_FW_HASH_LEN];
    if (wc_Sha256Final(image_sha(r), h) != 0) return TERN_ERR_FW_STORAGE;
    r->active = 0;
    if (r->received != r->m.image_size)
        return refuse(r, TERN_ERR_SIZE, "%llu bytes staged, the signed image has %llu", (unsigned long long)r->received,
                      (unsigned long long)r->m.image_size);
    if (memcmp(h, r->m.image_hash, TERN_FW_HASH_LEN) != 0)
        return refuse(r, TERN_ERR_HASH, "image of %llu bytes does not hash to the signed SHA-256",
                      (unsigned long long)r->received);
    tern_status st = s->install(s->ctx, &r->m);
    if (st == TERN_OK) r->installed = 1;
    if (st != TERN_OK) return refuse(r, st, "install of version %llu failed", (unsigned long long)r->m.version);
    return TERN_OK;
}

tern_status tern_fw_offer_chunk(tern_fw_receiver *r, const tern_fw_storage *s, const uint8_t *payload, size_t len)
{
    if (!r->active) return refuse(r, TERN_ERR_FW_CHUNK, "no update in progress");
    tern_status st = check_chunk(r, payload, len);
    if (st != TERN_OK) return st;
    const uint8_t *data = payload + TERN_FW_CHUNK_HEADER;
    size_t n = len - TERN_FW_CHUNK_HEADER;
    if (s->write(s->ctx, r->received, data, n) != TERN_OK)
        return refuse(r, TERN_ERR_FW_STORAGE, "cannot stage chunk %lu at offset %llu", (unsigned long)r->next_index,
                      (unsigned long long)r->received);
    if (wc_Sha256Update(image_sha(r), data, (word32)n) != 0) return TERN_ERR_FW_STORAGE;
    r->received += n;
    r->next_index++;
    memcpy(r->next_hash, payload + 24, TERN_FW_HASH_LEN);
    if (r->next_index == r->m.chunk_count) return finish(r, s);
    if (s->save_progress &&
        s->save_progress(s->ctx, r->manifest, r->manifest_len, r->next_index, r->next_hash) != TERN_OK)
        return refuse(r, TERN_ERR_FW_STORAGE, "cannot save progress after chunk %lu", (unsigned long)(r->next_index - 1));
    return TERN_OK;
}

int tern_fw_complete(const tern_fw_receiver *r) { return r->installed; }
