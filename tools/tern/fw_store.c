/* File storage for tern fw agent (layout in fw_store.h). Ordering is what makes it safe
 * against power loss: data is synced before the progress that counts it, and the image is
 * complete and synced before `current` is switched to it by a rename. */
#define _POSIX_C_SOURCE 200809L
#include "fw_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SAVE_EVERY 8u /* chunks between progress saves (each costs two fsyncs) */

static void path(char *out, size_t cap, const fw_store *st, const char *name)
{
    snprintf(out, cap, "%s/%s", st->dir, name);
}

static int sync_file(FILE *f) { return fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -1; }

static void sync_dir(const fw_store *st)
{
    int fd = open(st->dir, O_RDONLY);
    if (fd >= 0) (void)fsync(fd), close(fd);
}

/* Write name atomically: a temporary file, synced, renamed over it. */
static int replace_file(const fw_store *st, const char *name, const uint8_t *data, size_t len)
{
    char tmp[4096], dst[4096], tmp_name[64];
    snprintf(tmp_name, sizeof tmp_name, "%s.tmp", name);
    path(dst, sizeof dst, st, name);
    path(tmp, sizeof tmp, st, tmp_name);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(data, 1, len, f) == len && sync_file(f) == 0;
    if (f) ok &= fclose(f) == 0;
    ok = ok && rename(tmp, dst) == 0;
    if (ok) sync_dir(st);
    return ok ? 0 : -1;
}

static void read_installed(fw_store *st)
{
    char p[4096], line[256], hex[2 * TERN_FW_UPDATE_ID_LEN + 1] = "";
    path(p, sizeof p, st, "current");
    FILE *f = fopen(p, "r");
    st->installed_version = 0;
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        unsigned long long v;
        if (sscanf(line, "version %llu", &v) == 1) st->installed_version = v;
        else if (sscanf(line, "image %95s", st->installed_image) == 1) continue;
        else if (sscanf(line, "update %32s", hex) == 1) continue;
    }
    fclose(f);
    for (int i = 0; i < TERN_FW_UPDATE_ID_LEN && strlen(hex) == 32; i++) {
        unsigned b;
        if (sscanf(hex + 2 * i, "%2x", &b) == 1) st->installed_update[i] = (uint8_t)b;
    }
}

int fw_store_open(fw_store *st, const char *dir)
{
    memset(st, 0, sizeof *st);
    st->dir = dir;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return -1;
    read_installed(st);
    return 0;
}

void fw_store_close(fw_store *st)
{
    if (st->staging) fclose(st->staging);
    st->staging = NULL;
}

static tern_status staging_open(fw_store *st, int fresh)
{
    char p[4096];
    path(p, sizeof p, st, "staging.bin");
    if (fresh && st->staging) fclose(st->staging), st->staging = NULL;
    if (!st->staging) st->staging = fopen(p, fresh ? "w+b" : "r+b");
    return st->staging ? TERN_OK : TERN_ERR_FW_STORAGE;
}

static tern_status st_write(void *ctx, uint64_t offset, const uint8_t *data, size_t len)
{
    fw_store *st = ctx;
    if (staging_open(st, offset == 0) != TERN_OK || fseeko(st->staging, (off_t)offset, SEEK_SET) != 0 ||
        fwrite(data, 1, len, st->staging) != len)
        return TERN_ERR_FW_STORAGE;
    return TERN_OK;
}

static tern_status st_read(void *ctx, uint64_t offset, uint8_t *data, size_t len)
{
    fw_store *st = ctx;
    if (staging_open(st, 0) != TERN_OK || fseeko(st->staging, (off_t)offset, SEEK_SET) != 0 ||
        fread(data, 1, len, st->staging) != len)
        return TERN_ERR_FW_STORAGE;
    return TERN_OK;
}

static tern_status st_save(void *ctx, const uint8_t *manifest, size_t mlen, uint32_t chunks,
                           const uint8_t next[TERN_FW_HASH_LEN])
{
    fw_store *st = ctx;
    uint8_t rec[2 + TERN_FW_MANIFEST_MAX + 4 + TERN_FW_HASH_LEN];
    if (chunks % SAVE_EVERY) return TERN_OK;
    if (mlen > TERN_FW_MANIFEST_MAX || !st->staging || sync_file(st->staging) != 0) return TERN_ERR_FW_STORAGE;
    rec[0] = (uint8_t)(mlen >> 8), rec[1] = (uint8_t)mlen;
    memcpy(rec + 2, manifest, mlen);
    for (int i = 0; i < 4; i++) rec[2 + mlen + (size_t)i] = (uint8_t)(chunks >> (24 - 8 * i));
    memcpy(rec + 2 + mlen + 4, next, TERN_FW_HASH_LEN);
    return replace_file(st, "staging.state", rec, 2 + mlen + 4 + TERN_FW_HASH_LEN) == 0 ? TERN_OK : TERN_ERR_FW_STORAGE;
}

int fw_store_progress(const fw_store *st, uint8_t *manifest, size_t *len, uint32_t *chunks,
                      uint8_t next[TERN_FW_HASH_LEN])
{
    char p[4096];
    uint8_t rec[2 + TERN_FW_MANIFEST_MAX + 4 + TERN_FW_HASH_LEN];
    path(p, sizeof p, st, "staging.state");
    FILE *f = fopen(p, "rb");
    if (!f) return -1;
    size_t n = fread(rec, 1, sizeof rec, f);
    fclose(f);
    size_t mlen = n >= 2 ? (size_t)(rec[0] << 8 | rec[1]) : 0;
    if (n < 2 || mlen > TERN_FW_MANIFEST_MAX || n != 2 + mlen + 4 + TERN_FW_HASH_LEN) return -1;
    memcpy(manifest, rec + 2, mlen);
    *len = mlen;
    const uint8_t *c = rec + 2 + mlen;
    *chunks = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
    memcpy(next, c + 4, TERN_FW_HASH_LEN);
    return 0;
}

void fw_store_discard(fw_store *st)
{
    char p[4096];
    fw_store_close(st);
    path(p, sizeof p, st, "staging.state");
    (void)unlink(p);
    path(p, sizeof p, st, "staging.bin");
    (void)unlink(p);
}

static tern_status st_install(void *ctx, const tern_fw_manifest *m)
{
    fw_store *st = ctx;
    char image[96], from[4096], to[4096], old[4096], text[512], hex[65], uid[33];
    if (!st->staging || sync_file(st->staging) != 0) return TERN_ERR_FW_STORAGE;
    fw_store_close(st);
    snprintf(image, sizeof image, "firmware-%llu.bin", (unsigned long long)m->version);
    path(from, sizeof from, st, "staging.bin");
    path(to, sizeof to, st, image);
    if (rename(from, to) != 0) return TERN_ERR_FW_STORAGE;
    sync_dir(st);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", m->image_hash[i]);
    for (int i = 0; i < TERN_FW_UPDATE_ID_LEN; i++) snprintf(uid + 2 * i, 3, "%02x", m->update_id[i]);
    int n = snprintf(text, sizeof text, "version %llu\nimage %s\nsha256 %s\nupdate %s\n",
                     (unsigned long long)m->version, image, hex, uid);
    /* The switch: until this rename completes, `current` names the old image. */
    if (replace_file(st, "current", (const uint8_t *)text, (size_t)n) != 0) return TERN_ERR_FW_STORAGE;
    if (st->installed_image[0] && strcmp(st->installed_image, image) != 0) {
        path(old, sizeof old, st, st->installed_image);
        (void)unlink(old);
    }
    path(from, sizeof from, st, "staging.state");
    (void)unlink(from);
    read_installed(st);
    return TERN_OK;
}

void fw_store_storage(fw_store *st, tern_fw_storage *out)
{
    out->ctx = st;
    out->write = st_write;
    out->read = st_read;
    out->save_progress = st_save;
    out->install = st_install;
}
