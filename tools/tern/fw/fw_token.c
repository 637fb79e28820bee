/* tern fw push --signing-key pkcs11:URI: the manifest signed (ECDSA P-256) by a key that stays in a
 * PKCS#11 token. The key id is the hash of the token's public key, and the signature is
 * checked against it as a device would before anything is published. */
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>

#include "fw.h"
#include "pkcs11_uri.h"

#ifdef TERN_HAVE_PKCS11
int fw_token_open(const char *uri, fw_token *t)
{
    memset(t, 0, sizeof *t);
    if (tool_pkcs11_open(uri, &t->p11) != 0) return -1;
    if (tern_pkcs11_p256_public_key(&t->p11, t->pub) != TERN_OK) {
        fprintf(stderr, "tern: %s\n", tern_pkcs11_error(&t->p11));
        tern_pkcs11_close(&t->p11);
        return -1;
    }
    return 0;
}

/* The signature as a device checks it, with the token's public key: a public key object that
 * is not the private key's pair would otherwise be found out by every device instead. */
static int verifies(const fw_token *t, const tern_fw_manifest *m)
{
    tern_fw_key key;
    char why[128] = "";
    if (tern_fw_key_init(&key, TERN_FW_SIG_ECDSA_P256, t->pub, sizeof t->pub) != TERN_OK ||
        tern_fw_manifest_verify(m, &key, 1, why, sizeof why) != TERN_OK) {
        fprintf(stderr, "tern: the PKCS#11 token's signature does not verify with its public key: %s\n", why);
        return 0;
    }
    return 1;
}

int fw_token_sign(fw_token *t, tern_fw_manifest *m)
{
    uint8_t msg[TERN_FW_SIGNED_LEN], hash[32];
    size_t len = sizeof m->sig;
    if (fw_sign_begin(m, TERN_FW_SIG_ECDSA_P256, t->pub, sizeof t->pub, msg) != 0 ||
        wc_Sha256Hash(msg, sizeof msg, hash) != 0)
        return -1;
    if (tern_pkcs11_p256_sign(&t->p11, hash, m->sig, &len) != TERN_OK) {
        fprintf(stderr, "tern: %s\n", tern_pkcs11_error(&t->p11));
        return -1;
    }
    return fw_sign_end(m, len) == 0 && verifies(t, m) ? 0 : -1;
}

void fw_token_close(fw_token *t) { tern_pkcs11_close(&t->p11); }
#else
int fw_token_open(const char *uri, fw_token *t)
{
    memset(t, 0, sizeof *t);
    return tool_pkcs11_open(uri, &t->p11); /* says this build has no PKCS#11 */
}

int fw_token_sign(fw_token *t, tern_fw_manifest *m)
{
    (void)t, (void)m;
    return -1;
}

void fw_token_close(fw_token *t) { (void)t; }
#endif
