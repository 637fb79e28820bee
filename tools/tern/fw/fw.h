/* tern fw: keygen, push (the publisher) and agent (the device), over the fwupdate module. */
#ifndef TERN_TOOL_FW_H
#define TERN_TOOL_FW_H

#include <stdint.h>
#include <stdio.h>

#include "options.h"
#include "tern/fwupdate.h"
#include "tern/pkcs11.h"

#define FW_MAX_TRUST 8
#define FW_DEFAULT_PREFIX "tern/fw"
#define FW_DEFAULT_CHUNK 1024u

typedef struct {
    tool_options conn;              /* connection flags, as tern pub/sub */
    const char *signing_key;        /* push: --signing-key, a key file or a pkcs11: URI */
    const char *trust[FW_MAX_TRUST];/* agent: trusted public key files */
    int trust_count;
    const char *device_class;
    const char *prefix;
    const char *install_dir;
    const char *device_id;          /* agent: status topic suffix (default: the client id) */
    const char *image;
    const char *out;                /* keygen */
    const char *key_type;           /* keygen: ed25519 (default) or p256 */
    const char *manifest_out;       /* push: also write the manifest to this file */
    uint64_t version;
    uint32_t chunk_size;
    int once;
} fw_options;

/* A signing key loaded from a file written by `tern fw keygen`. */
typedef struct {
    uint8_t alg;                    /* TERN_FW_SIG_* */
    uint8_t priv[32];
    uint8_t pub[65];
    uint8_t pub_len;
} fw_signing_key;

int tool_fw(int argc, char **argv);

/* Keys (fw_keys.c). */
int fw_keygen(const fw_options *o);
/* n bytes from s, which must be exactly 2n hex digits: 0, or -1. */
int fw_unhex(const char *s, uint8_t *out, size_t n);
int fw_load_signing_key(const char *path, fw_signing_key *k);
int fw_load_public_key(const char *path, tern_fw_key *k);
/* Sign the signed part of m with k: fills m->sig_alg (before), key_id, sig. */
int fw_sign(const fw_signing_key *k, tern_fw_manifest *m);
/* The steps every signer shares: fill sig_alg, key_id (the hash of pub) and the signed bytes
 * msg; then, with the signature in m->sig, its length and the one form devices accept. */
int fw_sign_begin(tern_fw_manifest *m, uint8_t alg, const uint8_t *pub, size_t pub_len,
                  uint8_t msg[TERN_FW_SIGNED_LEN]);
int fw_sign_end(tern_fw_manifest *m, size_t sig_len);

/* A signing key in a PKCS#11 token (fw_token.c): --signing-key pkcs11:URI, ECDSA P-256. */
typedef struct {
    tern_pkcs11 p11;
    uint8_t pub[65];                /* read from the token's public key object */
} fw_token;
/* Open the token and read the public key. 0, or -1 with one line printed. */
int fw_token_open(const char *uri, fw_token *t);
/* Sign m in the token, then check the result as a device would. 0, or -1 with one line. */
int fw_token_sign(fw_token *t, tern_fw_manifest *m);
void fw_token_close(fw_token *t);

int fw_push(const fw_options *o);
int fw_agent(const fw_options *o);

/* The topics push writes: PREFIX/CLASS/manifest and PREFIX/CLASS/UPDATEID/INDEX (the agent,
 * in the library, builds its own, PREFIX/CLASS/status/ID included). */
void fw_topic_manifest(char *out, size_t cap, const fw_options *o);
void fw_topic_chunk(char *out, size_t cap, const fw_options *o, const uint8_t *update_id, uint32_t index);

/* A progress bar on stderr when it is a terminal. */
void fw_progress(const char *what, uint64_t done, uint64_t total);

#endif
