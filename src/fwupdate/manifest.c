/* The update manifest: fixed big-endian layout (docs/firmware-update.md), the part covered by
 * the signature, and the signature check against the device's pinned keys. */
#include "fw_crypto.h"

#include <stdio.h>
#include <string.h>

#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>

static const uint8_t MANIFEST_MAGIC[4] = {'T', 'F', 'W', '1'};

tern_status tern_fw_sha256(const uint8_t *data, size_t len, uint8_t out[TERN_FW_HASH_LEN])
{
    return len <= UINT32_MAX && wc_Sha256Hash(data, (word32)len, out) == 0 ? TERN_OK : TERN_ERR_FW_FORMAT;
}

tern_status tern_fw_key_init(tern_fw_key *k, uint8_t alg, const uint8_t *pub, size_t len)
{
    if ((alg == TERN_FW_SIG_ED25519 && len != 32) || (alg == TERN_FW_SIG_ECDSA_P256 && len != 65) ||
        (alg != TERN_FW_SIG_ED25519 && alg != TERN_FW_SIG_ECDSA_P256))
        return TERN_ERR_INVALID_ARG;
    memset(k, 0, sizeof *k);
    k->alg = alg;
    k->len = (uint8_t)len;
    memcpy(k->key, pub, len);
    return tern_fw_sha256(pub, len, k->id);
}

void tern_fw_manifest_encode_signed(const tern_fw_manifest *m, uint8_t out[TERN_FW_SIGNED_LEN])
{
    memset(out, 0, TERN_FW_SIGNED_LEN);
    memcpy(out, MANIFEST_MAGIC, 4);
    out[4] = m->sig_alg;
    memcpy(out + 8, m->device_class, tern_fw_bounded_len(m->device_class, TERN_FW_CLASS_MAX - 1));
    tern_fw_put64(out + 40, m->version);
    tern_fw_put64(out + 48, m->image_size);
    tern_fw_put32(out + 56, m->chunk_size);
    tern_fw_put32(out + 60, m->chunk_count);
    memcpy(out + 64, m->image_hash, TERN_FW_HASH_LEN);
    memcpy(out + 96, m->first_chunk_hash, TERN_FW_HASH_LEN);
    memcpy(out + 128, m->update_id, TERN_FW_UPDATE_ID_LEN);
    memcpy(out + 144, m->key_id, TERN_FW_HASH_LEN);
}

tern_status tern_fw_manifest_encode(const tern_fw_manifest *m, uint8_t *buf, size_t cap, size_t *len)
{
    *len = TERN_FW_SIGNED_LEN + 2u + m->sig_len;
    if (m->sig_len > TERN_FW_SIG_MAX) return TERN_ERR_INVALID_ARG;
    if (cap < *len) return TERN_ERR_BUFFER_TOO_SMALL;
    tern_fw_manifest_encode_signed(m, buf);
    buf[TERN_FW_SIGNED_LEN] = (uint8_t)(m->sig_len >> 8);
    buf[TERN_FW_SIGNED_LEN + 1] = (uint8_t)m->sig_len;
    memcpy(buf + TERN_FW_SIGNED_LEN + 2, m->sig, m->sig_len);
    return TERN_OK;
}

/* Sizes that make sense together: chunks cover the image exactly. The count is rounded up
 * without adding to image_size, which may be as large as 2^64 - 1. */
static int geometry_ok(const tern_fw_manifest *m)
{
    if (m->chunk_size == 0 || m->chunk_size > (1u << 24) || m->image_size == 0 || m->chunk_count == 0) return 0;
    uint64_t count = m->image_size / m->chunk_size + (m->image_size % m->chunk_size != 0);
    return count == m->chunk_count;
}

tern_status tern_fw_manifest_decode(const uint8_t *buf, size_t len, tern_fw_manifest *m)
{
    memset(m, 0, sizeof *m);
    if (len < TERN_FW_SIGNED_LEN + 2u || memcmp(buf, MANIFEST_MAGIC, 4) != 0) return TERN_ERR_FW_FORMAT;
    m->sig_alg = buf[4];
    const uint8_t *cls = buf + 8;
    size_t cls_len = tern_fw_bounded_len((const char *)cls, TERN_FW_CLASS_MAX);
    if (cls_len == 0 || cls_len >= TERN_FW_CLASS_MAX || buf[5] || buf[6] || buf[7]) return TERN_ERR_FW_FORMAT;
    for (size_t i = cls_len; i < TERN_FW_CLASS_MAX; i++)
        if (cls[i] != 0) return TERN_ERR_FW_FORMAT; /* one way to write each class: signed bytes are canonical */
    memcpy(m->device_class, cls, cls_len);
    m->version = tern_fw_get64(buf + 40);
    m->image_size = tern_fw_get64(buf + 48);
    m->chunk_size = tern_fw_get32(buf + 56);
    m->chunk_count = tern_fw_get32(buf + 60);
    memcpy(m->image_hash, buf + 64, TERN_FW_HASH_LEN);
    memcpy(m->first_chunk_hash, buf + 96, TERN_FW_HASH_LEN);
    memcpy(m->update_id, buf + 128, TERN_FW_UPDATE_ID_LEN);
    memcpy(m->key_id, buf + 144, TERN_FW_HASH_LEN);
    m->sig_len = (uint16_t)(buf[TERN_FW_SIGNED_LEN] << 8 | buf[TERN_FW_SIGNED_LEN + 1]);
    if (m->sig_len > TERN_FW_SIG_MAX || len != TERN_FW_SIGNED_LEN + 2u + m->sig_len || !geometry_ok(m))
        return TERN_ERR_FW_FORMAT;
    memcpy(m->sig, buf + TERN_FW_SIGNED_LEN + 2, m->sig_len);
    return TERN_OK;
}

static int verify_ed25519(const tern_fw_key *k, const uint8_t *msg, size_t len, const uint8_t *sig, size_t sig_len)
{
    ed25519_key key;
    int res = 0;
    if (wc_ed25519_init(&key) != 0) return 0;
    if (wc_ed25519_import_public(k->key, k->len, &key) == 0)
        (void)wc_ed25519_verify_msg(sig, (word32)sig_len, msg, (word32)len, &res, &key);
    wc_ed25519_free(&key);
    return res == 1;
}

static int verify_p256(const tern_fw_key *k, const uint8_t *msg, size_t len, const uint8_t *sig, size_t sig_len)
{
    uint8_t hash[TERN_FW_HASH_LEN];
    ecc_key key;
    int res = 0;
    if (tern_fw_sha256(msg, len, hash) != TERN_OK || wc_ecc_init(&key) != 0) return 0;
    if (wc_ecc_import_x963(k->key, k->len, &key) == 0)
        (void)wc_ecc_verify_hash(sig, (word32)sig_len, hash, sizeof hash, &res, &key);
    wc_ecc_free(&key);
    return res == 1;
}

tern_status tern_fw_manifest_verify(const tern_fw_manifest *m, const tern_fw_key *keys, size_t count,
                                    char *why, size_t why_cap)
{
    if (m->sig_len == 0) {
        snprintf(why, why_cap, "manifest is not signed");
        return TERN_ERR_SIGNATURE;
    }
    const tern_fw_key *k = NULL;
    for (size_t i = 0; i < count && !k; i++)
        if (keys[i].alg == m->sig_alg && memcmp(keys[i].id, m->key_id, TERN_FW_HASH_LEN) == 0) k = &keys[i];
    if (!k) {
        snprintf(why, why_cap, "manifest signed by an untrusted key (key id %02x%02x%02x%02x...)",
                 m->key_id[0], m->key_id[1], m->key_id[2], m->key_id[3]);
        return TERN_ERR_SIGNATURE;
    }
    uint8_t signed_part[TERN_FW_SIGNED_LEN];
    tern_fw_manifest_encode_signed(m, signed_part);
    if (m->sig_alg == TERN_FW_SIG_ECDSA_P256 && !tern_fw_ecdsa_is_canonical(m->sig, m->sig_len)) {
        snprintf(why, why_cap, "manifest signature is not in the one accepted form (strict DER, low S)");
        return TERN_ERR_SIGNATURE;
    }
    int ok = m->sig_alg == TERN_FW_SIG_ED25519 ? verify_ed25519(k, signed_part, sizeof signed_part, m->sig, m->sig_len)
                                               : verify_p256(k, signed_part, sizeof signed_part, m->sig, m->sig_len);
    if (!ok) {
        snprintf(why, why_cap, "manifest signature does not verify with trusted key %02x%02x%02x%02x... (tampered)",
                 k->id[0], k->id[1], k->id[2], k->id[3]);
        return TERN_ERR_SIGNATURE;
    }
    return TERN_OK;
}
