/* File storage for tern fw agent (layout in fw_store.h). Ordering is what makes it safe
 * against power loss: data is synced before the progress that counts it, and the image is
 * complete, of its signed length and synced before `current` is switched to it by a rename.
 * Every file is opened relative to the directory's descriptor with O_NOFOLLOW, and files
 * that are created are first unlinked, so a planted link is replaced, never written through. */
#define _POSIX_C_SOURCE 200809L
#include "fw_store.h"

#include "fw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SAVE_EVERY 8u /* chunks between progress saves (each costs two fsyncs) */
#define FILE_FLAGS (O_NOFOLLOW | O_CLOEXEC)

static tern_status fail(const fw_store *st, const char *what, const char *name)
{
    fprintf(stderr, "tern fw agent: %s %s/%s: %s\n", what, st->dir, name, strerror(errno));
    return TERN_ERR_FW_STORAGE;
}

static int write_all(int fd, const uint8_t *data, size_t len, uint64_t offset)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, data, len, (off_t)offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n, len -= (size_t)n, offset += (uint64_t)n;
    }
    return 0;
}

/* A new file `name`, whatever was there before (a planted link included) unlinked first. */
static int create_file(const fw_store *st, const char *name)
{
    if (unlinkat(st->dir_fd, name, 0) != 0 && errno != ENOENT) return -1;
    return openat(st->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | FILE_FLAGS, 0600);
}

/* Write name atomically: a temporary file, synced, renamed over it, the directory synced. */
static tern_status replace_file(const fw_store *st, const char *name, const uint8_t *data, size_t len)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%s.tmp", name);
    int fd = create_file(st, tmp);
    if (fd < 0) return fail(st, "cannot create", tmp);
    int ok = write_all(fd, data, len, 0) == 0 && fsync(fd) == 0;
    int saved = errno;
    ok &= close(fd) == 0;
    ok = ok && renameat(st->dir_fd, tmp, st->dir_fd, name) == 0;
    if (!ok) {
        errno = saved ? saved : errno;
        tern_status s = fail(st, "cannot write", tmp);
        (void)unlinkat(st->dir_fd, tmp, 0);
        return s;
    }
    (void)fsync(st->dir_fd);
    return TERN_OK;
}

/* `current`: absent = nothing installed (0); unreadable or malformed = -1, never version 0. */
static int read_installed(fw_store *st)
{
    char text[512], hex[2 * TERN_FW_UPDATE_ID_LEN + 1] = "", sha[65] = "";
    unsigned long long v = 0;
    st->installed_version = 0;
    st->has_installed = 0;
    st->installed_image[0] = 0;
    int fd = openat(st->dir_fd, "current", O_RDONLY | FILE_FLAGS);
    if (fd < 0 && errno == ENOENT) return 0;
    ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
    if (fd >= 0) close(fd);
    if (n < 0) return fail(st, "cannot read", "current"), -1;
    text[n] = 0;
    if (sscanf(text, "version %llu\nimage %95s\nsha256 %64s\nupdate %32s\n", &v, st->installed_image, sha, hex) != 4 ||
        v == 0 || fw_unhex(hex, st->installed_update, TERN_FW_UPDATE_ID_LEN) != 0) {
        fprintf(stderr, "tern fw agent: %s/current is not an installed record: refusing to guess the version\n", st->dir);
        return -1;
    }
    st->installed_version = v;
    st->has_installed = 1;
    return 0;
}

/* Our own directory: created 0700, or one that this user owns and nobody else can write. */
static int open_dir(fw_store *st, const char *dir)
{
    struct stat sb;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return -1;
    st->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | FILE_FLAGS);
    if (st->dir_fd < 0 || fstat(st->dir_fd, &sb) != 0) return -1;
    if (sb.st_uid != geteuid() || (sb.st_mode & (S_IWGRP | S_IWOTH))) {
        fprintf(stderr, "tern fw agent: %s is %s: refusing it as the install directory\n", dir,
                sb.st_uid != geteuid() ? "owned by another user" : "writable by group or others");
        errno = EPERM;
        return -1;
    }
    return 0;
}

int fw_store_open(fw_store *st, const char *dir)
{
    memset(st, 0, sizeof *st);
    st->dir = dir;
    st->staging_fd = -1;
    if (open_dir(st, dir) != 0) {
        if (errno != EPERM) fprintf(stderr, "tern fw agent: cannot use %s: %s\n", dir, strerror(errno));
        fw_store_close(st);
        return -1;
    }
    if (read_installed(st) != 0) {
        fw_store_close(st);
        return -1;
    }
    return 0;
}

void fw_store_close(fw_store *st)
{
    if (st->staging_fd >= 0) close(st->staging_fd);
    if (st->dir_fd > 0) close(st->dir_fd);
    st->staging_fd = st->dir_fd = -1;
}

static tern_status staging(fw_store *st)
{
    if (st->staging_fd < 0) st->staging_fd = openat(st->dir_fd, "staging.bin", O_RDWR | FILE_FLAGS);
    return st->staging_fd >= 0 ? TERN_OK : fail(st, "cannot open", "staging.bin");
}

static tern_status st_write(void *ctx, uint64_t offset, const uint8_t *data, size_t len)
{
    fw_store *st = ctx;
    if (staging(st) != TERN_OK) return TERN_ERR_FW_STORAGE;
    return write_all(st->staging_fd, data, len, offset) == 0 ? TERN_OK : fail(st, "cannot write", "staging.bin");
}

static tern_status st_read(void *ctx, uint64_t offset, uint8_t *data, size_t len)
{
    fw_store *st = ctx;
    if (staging(st) != TERN_OK) return TERN_ERR_FW_STORAGE;
    ssize_t n = pread(st->staging_fd, data, len, (off_t)offset);
    return n >= 0 && (size_t)n == len ? TERN_OK : TERN_ERR_FW_STORAGE;
}

/* Staging holds exactly its first `keep` bytes; keep == 0 starts afresh and forgets progress. */
static tern_status st_erase(void *ctx, uint64_t keep)
{
    fw_store *st = ctx;
    if (keep > 0) {
        if (staging(st) != TERN_OK) return TERN_ERR_FW_STORAGE;
        return ftruncate(st->staging_fd, (off_t)keep) == 0 ? TERN_OK : fail(st, "cannot truncate", "staging.bin");
    }
    if (st->staging_fd >= 0) close(st->staging_fd);
    st->staging_fd = -1;
    if (unlinkat(st->dir_fd, "staging.state", 0) != 0 && errno != ENOENT) return fail(st, "cannot remove", "staging.state");
    st->staging_fd = create_file(st, "staging.bin");
    return st->staging_fd >= 0 ? TERN_OK : fail(st, "cannot create", "staging.bin");
}

static tern_status st_save(void *ctx, const uint8_t *manifest, size_t mlen, uint32_t chunks,
                           const uint8_t next[TERN_FW_HASH_LEN])
{
    fw_store *st = ctx;
    uint8_t rec[2 + TERN_FW_MANIFEST_MAX + 4 + TERN_FW_HASH_LEN];
    if (chunks % SAVE_EVERY) return TERN_OK;
    if (mlen > TERN_FW_MANIFEST_MAX || staging(st) != TERN_OK) return TERN_ERR_FW_STORAGE;
    if (fsync(st->staging_fd) != 0) return fail(st, "cannot sync", "staging.bin");
    rec[0] = (uint8_t)(mlen >> 8), rec[1] = (uint8_t)mlen;
    memcpy(rec + 2, manifest, mlen);
    for (int i = 0; i < 4; i++) rec[2 + mlen + (size_t)i] = (uint8_t)(chunks >> (24 - 8 * i));
    memcpy(rec + 2 + mlen + 4, next, TERN_FW_HASH_LEN);
    return replace_file(st, "staging.state", rec, 2 + mlen + 4 + TERN_FW_HASH_LEN);
}

static tern_status st_load(void *ctx, uint8_t *manifest, size_t cap, size_t *len, uint32_t *chunks,
                           uint8_t next[TERN_FW_HASH_LEN])
{
    fw_store *st = ctx;
    uint8_t rec[2 + TERN_FW_MANIFEST_MAX + 4 + TERN_FW_HASH_LEN + 1];
    int fd = openat(st->dir_fd, "staging.state", O_RDONLY | FILE_FLAGS);
    if (fd < 0) return TERN_ERR_FW_STORAGE;
    ssize_t n = read(fd, rec, sizeof rec);
    close(fd);
    size_t mlen = n >= 2 ? (size_t)(rec[0] << 8 | rec[1]) : 0;
    if (n < 2 || mlen > cap || (size_t)n != 2 + mlen + 4 + TERN_FW_HASH_LEN) return TERN_ERR_FW_STORAGE;
    memcpy(manifest, rec + 2, mlen);
    *len = mlen;
    const uint8_t *c = rec + 2 + mlen;
    *chunks = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
    memcpy(next, c + 4, TERN_FW_HASH_LEN);
    return TERN_OK;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Staged bytes: synced, exactly the signed length, closed. */
static tern_status seal_staging(fw_store *st, const tern_fw_manifest *m)
{
    struct stat sb;
    if (staging(st) != TERN_OK) return TERN_ERR_FW_STORAGE;
    if (fsync(st->staging_fd) != 0 || fstat(st->staging_fd, &sb) != 0) return fail(st, "cannot sync", "staging.bin");
    if ((uint64_t)sb.st_size != m->image_size) {
        fprintf(stderr, "tern fw agent: staging.bin has %lld bytes, the signed image %llu: not installed\n",
                (long long)sb.st_size, (unsigned long long)m->image_size);
        return TERN_ERR_SIZE;
    }
    close(st->staging_fd);
    st->staging_fd = -1;
    return TERN_OK;
}

/* Rename the staged image into place and switch `current` to it; on any failure remove what
 * this attempt created, so that nothing of it stands in the way of the next one. */
static tern_status st_install(void *ctx, const tern_fw_manifest *m)
{
    fw_store *st = ctx;
    char image[96], text[512], sha[65], uid[33], old[96];
    tern_status s = seal_staging(st, m);
    if (s != TERN_OK) return s;
    snprintf(image, sizeof image, "firmware-%llu.bin", (unsigned long long)m->version);
    if (renameat(st->dir_fd, "staging.bin", st->dir_fd, image) != 0) return fail(st, "cannot rename staging.bin to", image);
    (void)fsync(st->dir_fd);
    hex(sha, m->image_hash, 32);
    hex(uid, m->update_id, TERN_FW_UPDATE_ID_LEN);
    int n = snprintf(text, sizeof text, "version %llu\nimage %s\nsha256 %s\nupdate %s\n", (unsigned long long)m->version,
                     image, sha, uid);
    /* The switch: until this rename completes, `current` names the old image. */
    s = replace_file(st, "current", (const uint8_t *)text, (size_t)n);
    if (s != TERN_OK) {
        if (strcmp(image, st->installed_image) != 0) (void)unlinkat(st->dir_fd, image, 0);
        (void)fsync(st->dir_fd);
        return s;
    }
    snprintf(old, sizeof old, "%s", st->installed_image);
    if (old[0] && strcmp(old, image) != 0) (void)unlinkat(st->dir_fd, old, 0);
    (void)unlinkat(st->dir_fd, "staging.state", 0);
    return read_installed(st) == 0 ? TERN_OK : TERN_ERR_FW_STORAGE;
}

void fw_store_storage(fw_store *st, tern_fw_storage *out)
{
    memset(out, 0, sizeof *out);
    out->ctx = st;
    out->write = st_write;
    out->read = st_read;
    out->save_progress = st_save;
    out->install = st_install;
    out->erase = st_erase;
    out->load_progress = st_load;
}
