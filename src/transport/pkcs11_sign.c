/* Signing with the token's key outside TLS (tern fw push --signing-key pkcs11:...): an ecc_key bound
 * to the token key by label or id with the crypto callback device, so that wolfCrypt's ECDSA
 * signs inside the token, and the public key read from the token's public key object. */
#include <stdio.h>
#include <string.h>

#include "pkcs11_internal.h"

#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#define P256_POINT_LEN 65

/* CKA_EC_POINT is the point in a DER OCTET STRING (04 41 04 X Y); some tokens give it bare. */
static int unwrap_point(const uint8_t *v, CK_ULONG len, uint8_t pub[P256_POINT_LEN])
{
    if (len == P256_POINT_LEN + 2 && v[0] == 0x04 && v[1] == P256_POINT_LEN) v += 2, len -= 2;
    if (len != P256_POINT_LEN || v[0] != 0x04) return -1;
    memcpy(pub, v, P256_POINT_LEN);
    return 0;
}

tern_status tern_pkcs11_p256_public_key(tern_pkcs11 *p, uint8_t pub[65])
{
    const Pkcs11Token *tok = p->token;
    CK_OBJECT_HANDLE obj = 0;
    uint8_t point[P256_POINT_LEN + 8];
    CK_ATTRIBUTE attr = {CKA_EC_POINT, point, sizeof point};
    if (!p->registered || !tern_pkcs11_find_object(p, CKO_PUBLIC_KEY, &obj)) {
        char key[96];
        tern_pkcs11_describe_key(p, key, sizeof key);
        snprintf(p->error, sizeof p->error, "no public key %s in the PKCS#11 token (needed for the key id)", key);
        return TERN_ERR_PKCS11;
    }
    if (tok->func->C_GetAttributeValue(tok->handle, obj, &attr, 1) != CKR_OK ||
        unwrap_point(point, attr.ulValueLen, pub) != 0) {
        snprintf(p->error, sizeof p->error, "the PKCS#11 public key is not an uncompressed EC P-256 point");
        return TERN_ERR_PKCS11;
    }
    return TERN_OK;
}

static int bind_key(const tern_pkcs11 *p, ecc_key *key)
{
    int rc = p->key_id_len ? wc_ecc_init_id(key, (unsigned char *)(uintptr_t)p->key_id, (int)p->key_id_len, NULL, p->dev_id)
                           : wc_ecc_init_label(key, p->key_label, NULL, p->dev_id);
    if (rc != 0) return rc;
    rc = wc_ecc_set_curve(key, 32, ECC_SECP256R1); /* the token's key is P-256: sizes from here */
    if (rc != 0) wc_ecc_free(key);
    return rc;
}

tern_status tern_pkcs11_p256_sign(tern_pkcs11 *p, const uint8_t hash[32], uint8_t *sig, size_t *sig_len)
{
    ecc_key key;
    WC_RNG rng;
    word32 len = *sig_len > 0xFFFFu ? 0xFFFFu : (word32)*sig_len;
    if (!p->registered || wc_InitRng(&rng) != 0) {
        snprintf(p->error, sizeof p->error, "the PKCS#11 token is not open");
        return TERN_ERR_PKCS11;
    }
    int rc = bind_key(p, &key);
    if (rc == 0) {
        rc = wc_ecc_sign_hash(hash, 32, sig, &len, &rng, &key);
        wc_ecc_free(&key);
    }
    wc_FreeRng(&rng);
    if (rc != 0) {
        snprintf(p->error, sizeof p->error, "the PKCS#11 token did not sign with the key (wolfCrypt error %d)", rc);
        return TERN_ERR_PKCS11;
    }
    *sig_len = len;
    return TERN_OK;
}
