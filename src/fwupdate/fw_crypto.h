/* wolfCrypt for the firmware module: hashes and signature checks. */
#ifndef TERN_FW_CRYPTO_H
#define TERN_FW_CRYPTO_H

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "tern/fwupdate.h"

/* Big-endian helpers for the fixed layouts. */
static inline void tern_fw_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}
static inline uint32_t tern_fw_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void tern_fw_put64(uint8_t *p, uint64_t v)
{
    tern_fw_put32(p, (uint32_t)(v >> 32));
    tern_fw_put32(p + 4, (uint32_t)v);
}
static inline uint64_t tern_fw_get64(const uint8_t *p)
{
    return (uint64_t)tern_fw_get32(p) << 32 | tern_fw_get32(p + 4);
}

/* Length of s up to its NUL, at most max. */
static inline size_t tern_fw_bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n]) n++;
    return n;
}

/* Does payload look like a chunk (magic, room for the header)? */
int tern_fw_chunk_is(const uint8_t *payload, size_t len);

/* Is sig an ECDSA P-256 signature in strict DER with s <= n/2 (the only form accepted)? */
int tern_fw_ecdsa_is_canonical(const uint8_t *sig, size_t len);

/* Receiver steps the agent uses apart (receiver.c). A verified manifest m: is it for this
 * device and newer (reason in r->reason)? Start applying it (buf/len: its raw bytes). */
tern_status tern_fw_check_verified(tern_fw_receiver *r, const tern_fw_manifest *m, const char *device_class,
                                   uint64_t installed_version);
tern_status tern_fw_start(tern_fw_receiver *r, const uint8_t *buf, size_t len, const tern_fw_manifest *m);

/* SHA-256 of one buffer. */
tern_status tern_fw_sha256(const uint8_t *data, size_t len, uint8_t out[TERN_FW_HASH_LEN]);

#endif
