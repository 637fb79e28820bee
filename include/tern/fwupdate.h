/**
 * @file fwupdate.h
 * @brief Signed firmware update over MQTT: the receiver (device side) and the formats the
 *        publisher writes. The MQTT half is tern_fw_agent (tern/fwagent.h).
 *
 * An update is a signed manifest plus the image in chunks (docs/firmware-update.md has the
 * byte layout). The device trusts nothing it has not verified:
 *  - the manifest must be signed (Ed25519, or ECDSA P-256 over SHA-256) by one of the public
 *    keys it was provisioned with; the key is named by its id (SHA-256 of the public key), never
 *    carried in the message;
 *  - the device class must be its own and the version newer than the installed one;
 *  - chunks form a hash chain anchored in the signed manifest: chunk i's payload carries the
 *    hash of chunk i+1's payload and the manifest carries the hash of chunk 0's. So each chunk
 *    is checked the moment it arrives, with 32 bytes of state, and a forged or reordered chunk
 *    is refused before a byte of it is stored;
 *  - the SHA-256 of the whole image is checked again before install.
 *
 * The receiver is I/O free: the application feeds it the manifest and the chunks (from MQTT),
 * and gives it a storage interface (staging writes, commit) that suits its flash or files.
 * It never allocates.
 */
#ifndef TERN_FWUPDATE_H
#define TERN_FWUPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_FW_CLASS_MAX 32        /**< device class: 1..31 bytes of UTF-8, zero padded */
#define TERN_FW_UPDATE_ID_LEN 16    /**< update id bytes */
#define TERN_FW_HASH_LEN 32         /**< SHA-256 bytes */
#define TERN_FW_SIG_MAX 80          /**< Ed25519: 64; ECDSA P-256 DER: at most 72 */
#define TERN_FW_SIGNED_LEN 176      /**< manifest bytes covered by the signature */
#define TERN_FW_MANIFEST_MAX (TERN_FW_SIGNED_LEN + 2 + TERN_FW_SIG_MAX) /**< largest manifest */
#define TERN_FW_CHUNK_HEADER 56     /**< chunk payload bytes before the image data */

/** Signature algorithms of a manifest. */
enum { TERN_FW_SIG_ED25519 = 1, TERN_FW_SIG_ECDSA_P256 = 2 };

/** A decoded manifest (docs/firmware-update.md has the byte layout). Its fields mean nothing
 *  until tern_fw_manifest_verify accepted it. */
typedef struct {
    uint8_t sig_alg;                          /* TERN_FW_SIG_* */
    char device_class[TERN_FW_CLASS_MAX];     /* NUL-terminated */
    uint64_t version;
    uint64_t image_size;
    uint32_t chunk_size;
    uint32_t chunk_count;
    uint8_t image_hash[TERN_FW_HASH_LEN];     /* SHA-256 of the whole image */
    uint8_t first_chunk_hash[TERN_FW_HASH_LEN];
    uint8_t update_id[TERN_FW_UPDATE_ID_LEN];
    uint8_t key_id[TERN_FW_HASH_LEN];         /* SHA-256 of the signer's public key */
    uint16_t sig_len;
    uint8_t sig[TERN_FW_SIG_MAX];
} tern_fw_manifest;

/** A public key the device trusts. Ed25519: 32 bytes; ECDSA P-256: 65 (uncompressed point). */
typedef struct {
    uint8_t alg;                              /* TERN_FW_SIG_* */
    uint8_t len;
    uint8_t key[65];
    uint8_t id[TERN_FW_HASH_LEN];             /* SHA-256 of key[0..len) */
} tern_fw_key;

/**
 * @brief Where a device keeps an image being received, and where it installs it.
 *
 * The application implements it for its flash or files; the receiver and the agent call it
 * from the application's own thread (inside tern_client_poll's callbacks or
 * tern_fw_agent_poll). Every function returns TERN_OK or an error status (TERN_ERR_FW_STORAGE
 * unless a more specific one fits); none may call back into the agent. `ctx` is passed to
 * each. Functions marked "agent" are used by tern_fw_agent and may be NULL for a bare
 * tern_fw_receiver.
 */
typedef struct {
    void *ctx; /**< The application's storage state, passed to every function. */
    /** Stage `len` bytes at `offset`. Bytes arrive in order from offset 0 (or from the point a
     *  resume left off); a flash storage erases each block as the writes reach it. */
    tern_status (*write)(void *ctx, uint64_t offset, const uint8_t *data, size_t len);
    /** Record progress a restart can resume from: the raw manifest, chunks accepted, and the
     *  hash the next chunk must have. The staged bytes it counts must be durable first. */
    tern_status (*save_progress)(void *ctx, const uint8_t *manifest, size_t manifest_len,
                                 uint32_t chunks_done, const uint8_t next_hash[TERN_FW_HASH_LEN]);
    /** Read staged bytes back (to rebuild the image hash when resuming). */
    tern_status (*read)(void *ctx, uint64_t offset, uint8_t *data, size_t len);
    /** Every byte is in and verified (exactly m->image_size bytes staged): make the staged
     *  image the installed one, atomically, and record m->version and m->update_id as what is
     *  installed. On failure nothing of the attempt may remain that blocks a later install. */
    tern_status (*install)(void *ctx, const tern_fw_manifest *m);
    /** Make the staging area hold exactly its first `keep` bytes (the verified ones), dropping
     *  whatever lies beyond; keep == 0 also forgets saved progress. Called on resume (so bytes
     *  of another attempt never end up in the image) and when an update starts or is given up.
     *  NULL: the storage guarantees that itself. */
    tern_status (*erase)(void *ctx, uint64_t keep);
    /** (agent) Progress saved by save_progress: TERN_OK with the manifest (at most `cap`
     *  bytes) in `manifest`, its length in *len, the chunks done and the next hash; any error
     *  when there is none. */
    tern_status (*load_progress)(void *ctx, uint8_t *manifest, size_t cap, size_t *len,
                                 uint32_t *chunks_done, uint8_t next_hash[TERN_FW_HASH_LEN]);
} tern_fw_storage;

/** The receiving side of one update. Opaque state; allocate it anywhere (no allocation
 *  inside). One thread at a time. */
typedef struct {
    tern_fw_manifest m;
    uint8_t manifest[TERN_FW_MANIFEST_MAX];   /* the raw manifest being applied */
    uint16_t manifest_len;
    uint32_t next_index;                      /* chunk expected next */
    uint64_t received;                        /* image bytes staged */
    uint8_t next_hash[TERN_FW_HASH_LEN];      /* hash chunk next_index must have */
    _Alignas(16) uint8_t sha_state[256];      /* running SHA-256 of the image (wolfCrypt's) */
    uint8_t active;                           /* a manifest was accepted */
    uint8_t installed;                        /* its image was verified and installed */
    char reason[160];                         /* one line: why the last thing was refused */
} tern_fw_receiver;

/**
 * @brief Prepare a trusted key: its id is the SHA-256 of its bytes.
 * @param k    filled.
 * @param alg  TERN_FW_SIG_ED25519 (len 32) or TERN_FW_SIG_ECDSA_P256 (len 65, uncompressed).
 * @param pub  the public key bytes (copied).
 * @param len  their length.
 * @return TERN_OK; TERN_ERR_INVALID_ARG for another algorithm or length.
 */
tern_status tern_fw_key_init(tern_fw_key *k, uint8_t alg, const uint8_t *pub, size_t len);

/**
 * @brief Decode a manifest (no trust implied): layout, canonical class, sizes that agree
 *        (checked without overflow).
 * @param buf  the bytes.
 * @param len  their length.
 * @param m    filled (zeroed on failure).
 * @return TERN_OK; TERN_ERR_FW_FORMAT when it is not a manifest.
 */
tern_status tern_fw_manifest_decode(const uint8_t *buf, size_t len, tern_fw_manifest *m);
/**
 * @brief The bytes of the part that is signed, for signing.
 * @param m    the manifest.
 * @param out  receives TERN_FW_SIGNED_LEN bytes.
 */
void tern_fw_manifest_encode_signed(const tern_fw_manifest *m, uint8_t out[TERN_FW_SIGNED_LEN]);
/**
 * @brief Encode a whole manifest: signed part + signature length + signature.
 * @param m    the manifest.
 * @param buf  output.
 * @param cap  its size (TERN_FW_MANIFEST_MAX is enough).
 * @param len  receives the encoded size.
 * @return TERN_OK; TERN_ERR_INVALID_ARG (signature too long); TERN_ERR_BUFFER_TOO_SMALL.
 */
tern_status tern_fw_manifest_encode(const tern_fw_manifest *m, uint8_t *buf, size_t cap, size_t *len);
/**
 * @brief Is m signed by one of keys? (ECDSA: strict DER with low S only.)
 * @param m        a decoded manifest.
 * @param keys     the trusted keys.
 * @param count    how many.
 * @param why      receives a one-line reason on failure (never a field of m but the key id).
 * @param why_cap  its size.
 * @return TERN_OK; TERN_ERR_SIGNATURE (no signature, unknown key, bad or non-canonical signature).
 */
tern_status tern_fw_manifest_verify(const tern_fw_manifest *m, const tern_fw_key *keys, size_t count,
                                    char *why, size_t why_cap);

/**
 * @brief Put an ECDSA P-256 signature in the one form devices accept: strict DER with the
 *        low S value (s <= n/2; s is replaced by n - s otherwise). Publishers call it after
 *        signing, since (r, s) and (r, n - s) both verify and a device accepts only one.
 * @param sig  the DER signature, rewritten in place.
 * @param len  its length in bytes, updated.
 * @param cap  bytes available at sig (TERN_FW_SIG_MAX is enough).
 * @return TERN_OK; TERN_ERR_SIGNATURE when sig is not a P-256 DER signature;
 *         TERN_ERR_BUFFER_TOO_SMALL when cap is too small. No allocation, any thread.
 */
tern_status tern_fw_ecdsa_normalize(uint8_t *sig, uint16_t *len, size_t cap);

/**
 * @brief Chunk payload layout, for publishers: the header of chunk `index`.
 * @param out        receives TERN_FW_CHUNK_HEADER bytes.
 * @param update_id  the update's id.
 * @param index      the chunk's index.
 * @param next_hash  SHA-256 of chunk index+1's payload (zeros for the last chunk).
 */
void tern_fw_chunk_header(uint8_t out[TERN_FW_CHUNK_HEADER], const uint8_t update_id[TERN_FW_UPDATE_ID_LEN],
                          uint32_t index, const uint8_t next_hash[TERN_FW_HASH_LEN]);
/**
 * @brief SHA-256 of a chunk payload (header + data): what the previous link must name.
 * @param payload  the payload.
 * @param len      its length.
 * @param out      receives the hash.
 * @return TERN_OK; TERN_ERR_FW_FORMAT when it cannot be hashed.
 */
tern_status tern_fw_chunk_hash(const uint8_t *payload, size_t len, uint8_t out[TERN_FW_HASH_LEN]);

/**
 * @brief Device side: offer a manifest. On TERN_OK it replaces whatever r was applying; on any
 *        refusal r is unchanged but for r->reason.
 * @param r                  the receiver.
 * @param buf                the manifest bytes (copied).
 * @param len                their length.
 * @param keys               trusted keys.
 * @param key_count          how many.
 * @param device_class       this device's class.
 * @param installed_version  what runs now.
 * @return TERN_OK (a new update to apply; resume with tern_fw_resume); TERN_ERR_FW_FORMAT,
 *         TERN_ERR_SIGNATURE, TERN_ERR_DEVICE_CLASS or TERN_ERR_ROLLBACK with r->reason.
 */
tern_status tern_fw_offer_manifest(tern_fw_receiver *r, const uint8_t *buf, size_t len,
                                   const tern_fw_key *keys, size_t key_count, const char *device_class,
                                   uint64_t installed_version);
/**
 * @brief Resume after tern_fw_offer_manifest accepted the manifest that progress was saved
 *        for: the staged bytes are read back to rebuild the image hash, and s->erase drops
 *        anything staged beyond them.
 * @param r            the receiver.
 * @param s            the storage.
 * @param chunks_done  chunks staged (from save_progress), less than the chunk count.
 * @param next_hash    the hash the next chunk must have (from save_progress).
 * @return TERN_OK; TERN_ERR_INVALID_ARG; TERN_ERR_FW_STORAGE (read or erase failed).
 */
tern_status tern_fw_resume(tern_fw_receiver *r, const tern_fw_storage *s, uint32_t chunks_done,
                           const uint8_t next_hash[TERN_FW_HASH_LEN]);
/**
 * @brief Feed one chunk payload. It is checked before a byte is stored; after the last chunk
 *        the image hash and length are checked and s->install is called.
 * @param r        the receiver.
 * @param s        the storage.
 * @param payload  the chunk payload.
 * @param len      its length.
 * @return TERN_OK (stored, r->next_index moved on); TERN_ERR_FW_CHUNK (not the chunk expected
 *         next: not stored); TERN_ERR_FW_FORMAT, TERN_ERR_SIZE, TERN_ERR_HASH (does not verify);
 *         TERN_ERR_FW_STORAGE or the install's status. r->reason says why.
 */
tern_status tern_fw_offer_chunk(tern_fw_receiver *r, const tern_fw_storage *s, const uint8_t *payload,
                                size_t len);
/**
 * @brief Has every chunk been accepted and the image installed?
 * @param r  the receiver.
 * @return 1 or 0.
 */
int tern_fw_complete(const tern_fw_receiver *r);

#ifdef __cplusplus
}
#endif

#endif
