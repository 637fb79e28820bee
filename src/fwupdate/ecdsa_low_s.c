/* One valid encoding per ECDSA P-256 signature. (r, s) and (r, n - s) both verify, and DER can
 * be written in more than one way; a manifest must have exactly one valid signature, so the
 * device accepts only the strict DER encoding with s <= n/2, and the publisher normalises what
 * it signs to that form. */
#include "fw_crypto.h"

#include <string.h>

#include <wolfssl/wolfcrypt/ecc.h>

#define P256_LEN 32

/* The P-256 group order n, and n/2 rounded down, big-endian. */
static const uint8_t P256_N[P256_LEN] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
static const uint8_t P256_HALF_N[P256_LEN] = {
    0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xDE, 0x73, 0x7D, 0x56, 0xD3, 0x8B, 0xCF, 0x42, 0x79, 0xDC, 0xE5, 0x61, 0x7E, 0x31, 0x92, 0xA8};

/* r and s of a DER signature, each right-aligned in 32 bytes. */
static int split(const uint8_t *sig, size_t len, uint8_t r[P256_LEN], uint8_t s[P256_LEN])
{
    uint8_t rb[P256_LEN + 1], sb[P256_LEN + 1];
    word32 rl = sizeof rb, sl = sizeof sb;
    if (len > TERN_FW_SIG_MAX || wc_ecc_sig_to_rs(sig, (word32)len, rb, &rl, sb, &sl) != 0) return -1;
    if (rl > P256_LEN || sl > P256_LEN) return -1;
    memset(r, 0, P256_LEN);
    memset(s, 0, P256_LEN);
    memcpy(r + P256_LEN - rl, rb, rl);
    memcpy(s + P256_LEN - sl, sb, sl);
    return 0;
}

static int encode(const uint8_t r[P256_LEN], const uint8_t s[P256_LEN], uint8_t *out, size_t cap, size_t *len)
{
    word32 n = (word32)(cap < TERN_FW_SIG_MAX ? cap : TERN_FW_SIG_MAX);
    if (wc_ecc_rs_raw_to_sig(r, P256_LEN, s, P256_LEN, out, &n) != 0) return -1;
    *len = n;
    return 0;
}

int tern_fw_ecdsa_is_canonical(const uint8_t *sig, size_t len)
{
    uint8_t r[P256_LEN], s[P256_LEN], again[TERN_FW_SIG_MAX];
    size_t again_len = 0;
    if (split(sig, len, r, s) != 0 || memcmp(s, P256_HALF_N, P256_LEN) > 0) return 0;
    return encode(r, s, again, sizeof again, &again_len) == 0 && again_len == len && memcmp(again, sig, len) == 0;
}

tern_status tern_fw_ecdsa_normalize(uint8_t *sig, uint16_t *len, size_t cap)
{
    uint8_t r[P256_LEN], s[P256_LEN];
    size_t out_len = 0;
    if (split(sig, *len, r, s) != 0) return TERN_ERR_SIGNATURE;
    if (memcmp(s, P256_HALF_N, P256_LEN) > 0) { /* s := n - s */
        unsigned borrow = 0;
        for (size_t i = P256_LEN; i-- > 0;) {
            unsigned d = (unsigned)P256_N[i] - s[i] - borrow;
            s[i] = (uint8_t)d;
            borrow = (d >> 8) & 1u;
        }
    }
    if (encode(r, s, sig, cap, &out_len) != 0) return TERN_ERR_BUFFER_TOO_SMALL;
    *len = (uint16_t)out_len;
    return TERN_OK;
}
