/* tern fw push: publish a signed update. Chunks go out first (retained, QoS 1, last to first,
 * because each names the hash of the one after it), then the signed manifest (retained), so a
 * device never sees a manifest whose chunks are not all there. */
#define _POSIX_C_SOURCE 200809L
#include "fw.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "pkcs11_uri.h"
#include "secure_file.h"
#include "session.h"

typedef struct {
    FILE *f;
    uint64_t size;
    uint32_t count;
    uint8_t *payload;   /* one chunk: header + data */
} push_image;

static int open_image(const fw_options *o, push_image *img, uint8_t hash[32])
{
    wc_Sha256 sha;
    uint8_t buf[4096];
    size_t n;
    memset(img, 0, sizeof *img);
    img->f = fopen(o->image, "rb");
    if (!img->f || wc_InitSha256(&sha) != 0) return -1;
    while ((n = fread(buf, 1, sizeof buf, img->f)) > 0) {
        img->size += n;
        if (wc_Sha256Update(&sha, buf, (word32)n) != 0) return -1;
    }
    if (ferror(img->f) || img->size == 0 || wc_Sha256Final(&sha, hash) != 0) return -1;
    img->count = (uint32_t)((img->size + o->chunk_size - 1) / o->chunk_size);
    img->payload = malloc(TERN_FW_CHUNK_HEADER + (size_t)o->chunk_size);
    return img->payload ? 0 : -1;
}

/* Build chunk i's payload (its data read from the file); *len gets its size. */
static int build_chunk(const fw_options *o, push_image *img, const uint8_t *uid, uint32_t i,
                       const uint8_t next[32], size_t *len)
{
    uint64_t at = (uint64_t)i * o->chunk_size;
    size_t want = (size_t)(img->size - at < o->chunk_size ? img->size - at : o->chunk_size);
    tern_fw_chunk_header(img->payload, uid, i, next);
    if (fseeko(img->f, (off_t)at, SEEK_SET) != 0 ||
        fread(img->payload + TERN_FW_CHUNK_HEADER, 1, want, img->f) != want)
        return -1;
    *len = TERN_FW_CHUNK_HEADER + want;
    return 0;
}

static tern_status publish_retained(tool_session *s, const char *topic, const uint8_t *data, size_t len)
{
    tern_publish m;
    memset(&m, 0, sizeof m);
    m.topic.data = (const uint8_t *)topic;
    m.topic.len = (uint32_t)strlen(topic);
    m.payload.data = data;
    m.payload.len = (uint32_t)len;
    m.qos = 1;
    m.retain = 1;
    return tool_publish(s, &m);
}

/* Publish every chunk, last first; next ends as the hash of chunk 0. */
static tern_status publish_chunks(tool_session *s, const fw_options *o, push_image *img, const uint8_t *uid,
                                  uint8_t next[32])
{
    char topic[256];
    memset(next, 0, 32);
    for (uint32_t k = 0; k < img->count; k++) {
        uint32_t i = img->count - 1 - k;
        size_t len = 0;
        if (build_chunk(o, img, uid, i, next, &len) != 0) {
            fprintf(stderr, "tern fw push: cannot read %s\n", o->image);
            return TERN_ERR_IO;
        }
        fw_topic_chunk(topic, sizeof topic, o, uid, i);
        tern_status st = publish_retained(s, topic, img->payload, len);
        if (st != TERN_OK) return st;
        if (tern_fw_chunk_hash(img->payload, len, next) != TERN_OK) return TERN_ERR_IO;
        fw_progress("push", k + 1, img->count);
    }
    return TERN_OK;
}

/* Signed with the key file o->signing_key, or in the token when there is one. */
static int make_manifest(const fw_options *o, fw_token *token, const push_image *img, const uint8_t *hash,
                         const uint8_t *uid, const uint8_t *first, uint8_t *out, size_t *len)
{
    fw_signing_key key;
    tern_fw_manifest m;
    memset(&m, 0, sizeof m);
    snprintf(m.device_class, sizeof m.device_class, "%s", o->device_class);
    m.version = o->version;
    m.image_size = img->size;
    m.chunk_size = o->chunk_size;
    m.chunk_count = img->count;
    memcpy(m.image_hash, hash, 32);
    memcpy(m.first_chunk_hash, first, 32);
    memcpy(m.update_id, uid, TERN_FW_UPDATE_ID_LEN);
    int rc;
    if (token) {
        rc = fw_token_sign(token, &m);
    } else {
        rc = fw_load_signing_key(o->signing_key, &key) != 0 ? -2 : fw_sign(&key, &m);
        secure_wipe(&key, sizeof key);
        if (rc != 0) fprintf(stderr, "tern fw push: cannot sign the manifest with %s\n", o->signing_key);
    }
    if (rc == 0) rc = tern_fw_manifest_encode(&m, out, TERN_FW_MANIFEST_MAX, len) == TERN_OK ? 0 : -1;
    return rc;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f) ok &= fclose(f) == 0;
    return ok ? 0 : -1;
}

static int new_update_id(uint8_t uid[TERN_FW_UPDATE_ID_LEN])
{
    WC_RNG rng;
    if (wc_InitRng(&rng) != 0) return -1;
    int rc = wc_RNG_GenerateBlock(&rng, uid, TERN_FW_UPDATE_ID_LEN);
    wc_FreeRng(&rng);
    return rc == 0 ? 0 : -1;
}

/* The key is checked before anything is published: a key file is read once, a token opened
 * (and kept open to sign the manifest). 0, or -1 with one line printed. */
static int open_signer(const fw_options *o, fw_token *token)
{
    if (token) return fw_token_open(o->signing_key, token);
    fw_signing_key probe;
    int rc = fw_load_signing_key(o->signing_key, &probe);
    secure_wipe(&probe, sizeof probe);
    if (rc != 0) fprintf(stderr, "tern fw push: cannot read signing key %s\n", o->signing_key);
    return rc;
}

int fw_push(const fw_options *o)
{
    push_image img;
    uint8_t hash[32], uid[TERN_FW_UPDATE_ID_LEN], first[32], manifest[TERN_FW_MANIFEST_MAX];
    size_t mlen = 0;
    fw_token token_key;
    fw_token *token = tool_is_pkcs11_uri(o->signing_key) ? &token_key : NULL;
    if (open_signer(o, token) != 0) return 1;
    if (open_image(o, &img, hash) != 0 || new_update_id(uid) != 0) {
        fprintf(stderr, "tern fw push: cannot read image %s (or it is empty)\n", o->image);
        if (img.f) fclose(img.f);
        free(img.payload);
        if (token) fw_token_close(token);
        return 1;
    }
    tool_session s;
    int rc = 1;
    uint32_t room = o->chunk_size + TERN_FW_CHUNK_HEADER + 512u;
    tool_options conn = o->conn; /* its own client id, apart from any agent on this host */
    char id[48];
    snprintf(id, sizeof id, "tern-fw-push-%ld", (long)getpid());
    if (!conn.client_id) conn.client_id = id;
    if (tool_session_init(&s, &conn, room * 2, 4096, 16, room, 0) == 0 && tool_session_connect(&s) == 0) {
        char topic[256];
        tern_status st = publish_chunks(&s, o, &img, uid, first);
        int mrc = st == TERN_OK ? make_manifest(o, token, &img, hash, uid, first, manifest, &mlen) : 0;
        fw_topic_manifest(topic, sizeof topic, o);
        if (st == TERN_OK && mrc == 0) st = publish_retained(&s, topic, manifest, mlen);
        if (st == TERN_OK && mrc == 0) st = tern_client_wait_idle(&s.client, 60000u);
        if (st != TERN_OK) tool_fail(&s, "push", st);
        if (st == TERN_OK && mrc == 0 && (!o->manifest_out || write_file(o->manifest_out, manifest, mlen) == 0)) {
            rc = 0;
            fprintf(stderr, "tern fw push: version %llu for %s: %llu bytes in %lu chunks, manifest on %s\n",
                    (unsigned long long)o->version, o->device_class, (unsigned long long)img.size,
                    (unsigned long)img.count, topic);
        }
        if (tern_client_is_connected(&s.client)) tern_client_disconnect(&s.client, 0);
    }
    tool_session_free(&s);
    if (token) fw_token_close(token);
    fclose(img.f);
    free(img.payload);
    return rc;
}
