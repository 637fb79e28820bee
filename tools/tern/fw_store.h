/* The agent's files in --install-dir:
 *   current         "version V / image firmware-V.bin / sha256 HEX / update UIDHEX": the
 *                   installed image; replaced atomically (write, fsync, rename), it is the
 *                   single switch point of an install
 *   firmware-V.bin  installed images (the one named by current is the live one)
 *   staging.bin     the image being received
 *   staging.state   manifest + chunks accepted + next chain hash, so a restart resumes */
#ifndef TERN_TOOL_FW_STORE_H
#define TERN_TOOL_FW_STORE_H

#include <stdio.h>

#include "tern/fwupdate.h"

typedef struct {
    const char *dir;
    FILE *staging;
    uint64_t installed_version;
    uint8_t installed_update[TERN_FW_UPDATE_ID_LEN];
    char installed_image[96];
} fw_store;

/* Create dir if needed and read what is installed (version 0 when nothing). */
int fw_store_open(fw_store *st, const char *dir);
void fw_store_close(fw_store *st);
/* The storage interface the receiver writes through. */
void fw_store_storage(fw_store *st, tern_fw_storage *out);
/* Saved progress of an interrupted update: 0 when there is some. */
int fw_store_progress(const fw_store *st, uint8_t *manifest, size_t *len, uint32_t *chunks,
                      uint8_t next[TERN_FW_HASH_LEN]);
/* Forget a refused or abandoned update. */
void fw_store_discard(fw_store *st);

#endif
