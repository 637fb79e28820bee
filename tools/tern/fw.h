/* tern fw: keygen, push (the publisher) and agent (the device), over the fwupdate module. */
#ifndef TERN_TOOL_FW_H
#define TERN_TOOL_FW_H

#include <stdint.h>
#include <stdio.h>

#include "options.h"
#include "tern/fwupdate.h"

#define FW_MAX_TRUST 8
#define FW_DEFAULT_PREFIX "tern/fw"
#define FW_DEFAULT_CHUNK 1024u

typedef struct {
    tool_options conn;              /* connection flags, as tern pub/sub */
    const char *key;                /* push: private key file */
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
int fw_load_signing_key(const char *path, fw_signing_key *k);
int fw_load_public_key(const char *path, tern_fw_key *k);
/* Sign the signed part of m with k: fills m->sig_alg (before), key_id, sig. */
int fw_sign(const fw_signing_key *k, tern_fw_manifest *m);

/* Clear memory that held a secret with a call the compiler may not remove (explicit_bzero):
 * a memset of a buffer that is never read again is dropped at -O2. */
void fw_wipe(void *p, size_t n);

int fw_push(const fw_options *o);
int fw_agent(const fw_options *o);

/* The topics push writes: PREFIX/CLASS/manifest and PREFIX/CLASS/UPDATEID/INDEX (the agent,
 * in the library, builds its own, PREFIX/CLASS/status/ID included). */
void fw_topic_manifest(char *out, size_t cap, const fw_options *o);
void fw_topic_chunk(char *out, size_t cap, const fw_options *o, const uint8_t *update_id, uint32_t index);

/* A progress bar on stderr when it is a terminal. */
void fw_progress(const char *what, uint64_t done, uint64_t total);

#endif
