/* The agent's files in --install-dir (a directory of the agent's user that nobody else can
 * write; every file is opened relative to it, never through a symbolic link):
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
    int dir_fd;
    int staging_fd;                 /* -1 when closed */
    uint64_t installed_version;
    uint8_t installed_update[TERN_FW_UPDATE_ID_LEN];
    int has_installed;
    char installed_image[96];
} fw_store;

/* Create dir if needed (0700), refuse one that another user owns or others can write, and
 * read what is installed: 0 on success, -1 with a one-line message on stderr. A missing
 * `current` means nothing installed; an unreadable or malformed one is an error. */
int fw_store_open(fw_store *st, const char *dir);
void fw_store_close(fw_store *st);
/* The storage interface the agent writes through. */
void fw_store_storage(fw_store *st, tern_fw_storage *out);

#endif
