/* Build a signed firmware update in memory (tests and fuzzing): an Ed25519 key, the image in
 * chunks with their hash chain, and the signed manifest. Header-only so that the fuzz targets,
 * which do not link the test support library, share it. */
#ifndef TERN_TEST_FW_BUILD_H
#define TERN_TEST_FW_BUILD_H

#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "tern/fwupdate.h"

#define FWB_MAX_CHUNKS 16
#define FWB_CHUNK 64
#define FWB_PAYLOAD (TERN_FW_CHUNK_HEADER + FWB_CHUNK)

typedef struct {
    uint8_t priv[32], pub[32];
    tern_fw_key trusted;
    uint8_t image[FWB_MAX_CHUNKS * FWB_CHUNK];
    size_t image_len;
    uint8_t chunk[FWB_MAX_CHUNKS][FWB_PAYLOAD];
    size_t chunk_len[FWB_MAX_CHUNKS];
    uint32_t count;
    tern_fw_manifest m;
    uint8_t manifest[TERN_FW_MANIFEST_MAX];
    size_t manifest_len;
} fw_build;

/* A fixed key from a seed byte (deterministic tests). */
static inline int fwb_key(fw_build *b, uint8_t seed)
{
    ed25519_key k;
    word32 n = 32;
    memset(b->priv, seed, 32);
    int ok = wc_ed25519_init(&k) == 0 && wc_ed25519_import_private_only(b->priv, 32, &k) == 0 &&
             wc_ed25519_make_public(&k, b->pub, 32) == 0;
    wc_ed25519_free(&k);
    (void)n;
    return ok && tern_fw_key_init(&b->trusted, TERN_FW_SIG_ED25519, b->pub, 32) == TERN_OK ? 0 : -1;
}

static inline int fwb_sign(fw_build *b)
{
    ed25519_key k;
    uint8_t msg[TERN_FW_SIGNED_LEN];
    word32 len = sizeof b->m.sig;
    memcpy(b->m.key_id, b->trusted.id, TERN_FW_HASH_LEN);
    tern_fw_manifest_encode_signed(&b->m, msg);
    int ok = wc_ed25519_init(&k) == 0 && wc_ed25519_import_private_key(b->priv, 32, b->pub, 32, &k) == 0 &&
             wc_ed25519_sign_msg(msg, sizeof msg, b->m.sig, &len, &k) == 0;
    wc_ed25519_free(&k);
    b->m.sig_len = (uint16_t)len;
    return ok && tern_fw_manifest_encode(&b->m, b->manifest, sizeof b->manifest, &b->manifest_len) == TERN_OK ? 0 : -1;
}

/* An update of image_len bytes (pattern from seed) for class, version; chunks of FWB_CHUNK. */
static inline int fwb_update(fw_build *b, size_t image_len, const char *cls, uint64_t version, uint8_t seed)
{
    uint8_t next[TERN_FW_HASH_LEN] = {0};
    if (image_len == 0 || image_len > sizeof b->image) return -1;
    b->image_len = image_len;
    for (size_t i = 0; i < image_len; i++) b->image[i] = (uint8_t)(seed + i * 7u);
    b->count = (uint32_t)((image_len + FWB_CHUNK - 1) / FWB_CHUNK);
    memset(&b->m, 0, sizeof b->m);
    for (size_t i = 0; i < TERN_FW_UPDATE_ID_LEN; i++) b->m.update_id[i] = (uint8_t)(seed ^ i);
    for (uint32_t k = b->count; k-- > 0;) {
        size_t n = k + 1 < b->count ? FWB_CHUNK : image_len - (size_t)k * FWB_CHUNK;
        tern_fw_chunk_header(b->chunk[k], b->m.update_id, k, next);
        memcpy(b->chunk[k] + TERN_FW_CHUNK_HEADER, b->image + (size_t)k * FWB_CHUNK, n);
        b->chunk_len[k] = TERN_FW_CHUNK_HEADER + n;
        if (tern_fw_chunk_hash(b->chunk[k], b->chunk_len[k], next) != TERN_OK) return -1;
    }
    b->m.sig_alg = TERN_FW_SIG_ED25519;
    strncpy(b->m.device_class, cls, sizeof b->m.device_class - 1);
    b->m.version = version;
    b->m.image_size = image_len;
    b->m.chunk_size = FWB_CHUNK;
    b->m.chunk_count = b->count;
    memcpy(b->m.first_chunk_hash, next, TERN_FW_HASH_LEN);
    if (wc_Sha256Hash(b->image, (word32)image_len, b->m.image_hash) != 0) return -1;
    return fwb_sign(b);
}

/* In-memory staging for the receiver. */
typedef struct {
    uint8_t data[FWB_MAX_CHUNKS * FWB_CHUNK];
    uint64_t written;
    uint64_t length;          /* as a file: the furthest byte ever written, until erased */
    uint64_t installed_len;   /* length staged when install was called */
    int installs;
    int fail_install;         /* install fails with this many calls to go (1: the next) */
    int erases;
    uint32_t saved_chunks;
    uint8_t saved_next[TERN_FW_HASH_LEN];
} fwb_store;

static inline tern_status fwb_write(void *ctx, uint64_t off, const uint8_t *d, size_t n)
{
    fwb_store *s = ctx;
    if (off + n > sizeof s->data) return TERN_ERR_FW_STORAGE;
    memcpy(s->data + off, d, n);
    s->written = off + n;
    if (s->written > s->length) s->length = s->written;
    return TERN_OK;
}

static inline tern_status fwb_read(void *ctx, uint64_t off, uint8_t *d, size_t n)
{
    fwb_store *s = ctx;
    if (off + n > sizeof s->data) return TERN_ERR_FW_STORAGE;
    memcpy(d, s->data + off, n);
    return TERN_OK;
}

static inline tern_status fwb_save(void *ctx, const uint8_t *m, size_t len, uint32_t chunks, const uint8_t next[32])
{
    fwb_store *s = ctx;
    (void)m, (void)len;
    s->saved_chunks = chunks;
    memcpy(s->saved_next, next, 32);
    return TERN_OK;
}

static inline tern_status fwb_install(void *ctx, const tern_fw_manifest *m)
{
    fwb_store *s = ctx;
    (void)m;
    if (s->fail_install && --s->fail_install == 0) return TERN_ERR_FW_STORAGE;
    s->installs++;
    s->installed_len = s->length;
    return TERN_OK;
}

static inline tern_status fwb_erase(void *ctx, uint64_t keep)
{
    fwb_store *s = ctx;
    if (keep > sizeof s->data) return TERN_ERR_FW_STORAGE;
    s->length = s->written = keep;
    if (keep == 0) s->saved_chunks = 0;
    s->erases++;
    return TERN_OK;
}

static inline void fwb_storage(fwb_store *s, tern_fw_storage *out)
{
    memset(s, 0, sizeof *s);
    out->ctx = s;
    out->write = fwb_write;
    out->read = fwb_read;
    out->save_progress = fwb_save;
    out->install = fwb_install;
    out->erase = fwb_erase;
    out->load_progress = NULL;
}

#endif
