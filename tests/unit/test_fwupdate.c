/* The firmware receiver: what it accepts, and each refusal with its own status and reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fw_build.h"
#include "fwupdate/fw_crypto.h"

#include <wolfssl/wolfcrypt/ecc.h>

static fw_build b;
static fwb_store store;
static tern_fw_storage storage;
static tern_fw_receiver rx;

static void fresh(size_t image_len, uint64_t version)
{
    assert_int_equal(fwb_key(&b, 1), 0);
    assert_int_equal(fwb_update(&b, image_len, "sensor", version, 3), 0);
    fwb_storage(&store, &storage);
    memset(&rx, 0, sizeof rx);
}

static tern_status offer(uint64_t installed)
{
    return tern_fw_offer_manifest(&rx, b.manifest, b.manifest_len, &b.trusted, 1, "sensor", installed);
}

static void accepted_update_installs_the_exact_image(void **state)
{
    (void)state;
    size_t sizes[] = {1, 64, 65, 1000, FWB_MAX_CHUNKS * FWB_CHUNK};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        fresh(sizes[i], 2);
        assert_int_equal(offer(1), TERN_OK);
        for (uint32_t k = 0; k < b.count; k++) {
            assert_false(tern_fw_complete(&rx));
            assert_int_equal(tern_fw_offer_chunk(&rx, &storage, b.chunk[k], b.chunk_len[k]), TERN_OK);
        }
        assert_true(tern_fw_complete(&rx));
        assert_int_equal(store.installs, 1);
        assert_int_equal(store.written, sizes[i]);
        assert_memory_equal(store.data, b.image, sizes[i]);
    }
}

static void manifest_refusals(void **state)
{
    (void)state;
    fresh(300, 5);
    assert_int_equal(offer(5), TERN_ERR_ROLLBACK);
    assert_non_null(strstr(rx.reason, "not newer"));
    assert_int_equal(offer(9), TERN_ERR_ROLLBACK);
    assert_int_equal(tern_fw_offer_manifest(&rx, b.manifest, b.manifest_len, &b.trusted, 1, "other", 0),
                     TERN_ERR_DEVICE_CLASS);
    assert_int_equal(tern_fw_offer_manifest(&rx, b.manifest, b.manifest_len, &b.trusted, 0, "sensor", 0),
                     TERN_ERR_SIGNATURE); /* no trusted key at all */
    assert_non_null(strstr(rx.reason, "untrusted key"));
    /* Signed by another key. */
    tern_fw_key mine = b.trusted;
    assert_int_equal(fwb_key(&b, 2), 0);
    assert_int_equal(fwb_sign(&b), 0);
    assert_int_equal(tern_fw_offer_manifest(&rx, b.manifest, b.manifest_len, &mine, 1, "sensor", 0),
                     TERN_ERR_SIGNATURE);
}

/* A device class with terminal commands (the publisher chose it) comes back escaped. */
static void device_class_in_the_reason_is_escaped(void **state)
{
    (void)state;
    memset(&rx, 0, sizeof rx);
    tern_fw_manifest m;
    memset(&m, 0, sizeof m);
    strcpy(m.device_class, "x\033]0;pwned\007\302\233");
    m.version = 2;
    assert_int_equal(tern_fw_check_verified(&rx, &m, "sensor", 1), TERN_ERR_DEVICE_CLASS);
    assert_string_equal(rx.reason, "update is for device class \"x\\x1b]0;pwned\\x07\\xc2\\x9b\", "
                                   "this device is \"sensor\"");
}

static void every_byte_of_the_signed_part_is_protected(void **state)
{
    (void)state;
    fresh(300, 5);
    for (size_t i = 0; i < TERN_FW_SIGNED_LEN; i++) {
        uint8_t m[TERN_FW_MANIFEST_MAX];
        memcpy(m, b.manifest, b.manifest_len);
        m[i] ^= 0x01;
        tern_status st = tern_fw_offer_manifest(&rx, m, b.manifest_len, &b.trusted, 1, "sensor", 0);
        assert_true(st == TERN_ERR_SIGNATURE || st == TERN_ERR_FW_FORMAT);
    }
    uint8_t unsigned_m[TERN_FW_MANIFEST_MAX];
    memcpy(unsigned_m, b.manifest, TERN_FW_SIGNED_LEN);
    unsigned_m[TERN_FW_SIGNED_LEN] = unsigned_m[TERN_FW_SIGNED_LEN + 1] = 0;
    assert_int_equal(tern_fw_offer_manifest(&rx, unsigned_m, TERN_FW_SIGNED_LEN + 2, &b.trusted, 1, "sensor", 0),
                     TERN_ERR_SIGNATURE);
    assert_non_null(strstr(rx.reason, "not signed"));
    /* Lengths other than the announced one are not manifests. */
    assert_int_equal(tern_fw_offer_manifest(&rx, b.manifest, b.manifest_len - 1, &b.trusted, 1, "sensor", 0),
                     TERN_ERR_FW_FORMAT);
    assert_int_equal(tern_fw_offer_manifest(&rx, b.manifest, 10, &b.trusted, 1, "sensor", 0), TERN_ERR_FW_FORMAT);
}

static void chunk_refusals_store_nothing(void **state)
{
    (void)state;
    fresh(300, 5); /* 5 chunks, the last of 44 bytes */
    assert_int_equal(offer(0), TERN_OK);
    assert_int_equal(tern_fw_offer_chunk(&rx, &storage, b.chunk[1], b.chunk_len[1]), TERN_ERR_FW_CHUNK);
    assert_int_equal(tern_fw_offer_chunk(&rx, &storage, b.chunk[0], b.chunk_len[0] - 1), TERN_ERR_SIZE);
    assert_non_null(strstr(rx.reason, "truncated"));
    uint8_t longer[FWB_PAYLOAD + 1];
    memcpy(longer, b.chunk[0], b.chunk_len[0]);
    assert_int_equal(tern_fw_offer_chunk(&rx, &storage, longer, b.chunk_len[0] + 1), TERN_ERR_SIZE);
    assert_non_null(strstr(rx.reason, "extra bytes"));
    uint8_t bad[FWB_PAYLOAD];
    for (size_t i = 0; i < b.chunk_len[0]; i++) {
        if (i >= 20 && i < 24) continue; /* the index: a different chunk, not a tampered one */
        memcpy(bad, b.chunk[0], b.chunk_len[0]);
        bad[i] ^= 0x80;
        tern_status st = tern_fw_offer_chunk(&rx, &storage, bad, b.chunk_len[0]);
        assert_true(st == TERN_ERR_HASH || st == TERN_ERR_FW_FORMAT || st == TERN_ERR_FW_CHUNK);
    }
    assert_int_equal(store.written, 0);
    assert_int_equal(rx.next_index, 0);
    /* The genuine chunks still go through after all that. */
    for (uint32_t k = 0; k < b.count; k++)
        assert_int_equal(tern_fw_offer_chunk(&rx, &storage, b.chunk[k], b.chunk_len[k]), TERN_OK);
    assert_true(tern_fw_complete(&rx));
}

static void chunks_of_another_update_are_not_taken(void **state)
{
    (void)state;
    fw_build other;
    assert_int_equal(fwb_key(&other, 1), 0);
    assert_int_equal(fwb_update(&other, 300, "sensor", 5, 9), 0);
    fresh(300, 5);
    assert_int_equal(offer(0), TERN_OK);
    assert_int_equal(tern_fw_offer_chunk(&rx, &storage, other.chunk[0], other.chunk_len[0]), TERN_ERR_FW_CHUNK);
    assert_non_null(strstr(rx.reason, "another update"));
}

static void resume_rebuilds_the_hash_from_staged_bytes(void **state)
{
    (void)state;
    fresh(FWB_MAX_CHUNKS * FWB_CHUNK - 10, 2);
    assert_int_equal(offer(1), TERN_OK);
    for (uint32_t k = 0; k < 6; k++)
        assert_int_equal(tern_fw_offer_chunk(&rx, &storage, b.chunk[k], b.chunk_len[k]), TERN_OK);
    /* A reboot: a new receiver, the same manifest, progress from storage. */
    memset(&rx, 0, sizeof rx);
    assert_int_equal(offer(1), TERN_OK);
    assert_int_equal(tern_fw_resume(&rx, &storage, store.saved_chunks, store.saved_next), TERN_OK);
    assert_int_equal(rx.next_index, 6);
    for (uint32_t k = 6; k < b.count; k++)
        assert_int_equal(tern_fw_offer_chunk(&rx, &storage, b.chunk[k], b.chunk_len[k]), TERN_OK);
    assert_true(tern_fw_complete(&rx));
    assert_memory_equal(store.data, b.image, b.image_len);
    /* Staged bytes changed behind its back: the whole-image hash catches it at the end. */
    fresh(FWB_MAX_CHUNKS * FWB_CHUNK - 10, 2);
    assert_int_equal(offer(1), TERN_OK);
    for (uint32_t k = 0; k < 6; k++)
        assert_int_equal(tern_fw_offer_chunk(&rx, &storage, b.chunk[k], b.chunk_len[k]), TERN_OK);
    store.data[5] ^= 1;
    memset(&rx, 0, sizeof rx);
    assert_int_equal(offer(1), TERN_OK);
    assert_int_equal(tern_fw_resume(&rx, &storage, store.saved_chunks, store.saved_next), TERN_OK);
    tern_status st = TERN_OK;
    for (uint32_t k = 6; k < b.count && st == TERN_OK; k++)
        st = tern_fw_offer_chunk(&rx, &storage, b.chunk[k], b.chunk_len[k]);
    assert_int_equal(st, TERN_ERR_HASH);
    assert_false(tern_fw_complete(&rx));
    assert_int_equal(store.installs, 0);
}


/* Finding 8: image_size = 2^64 - 1 with chunk_count = 0 wrapped the chunk count to 0. */
static void sizes_that_overflow_are_not_a_geometry(void **state)
{
    (void)state;
    fresh(300, 5);
    struct { uint64_t size; uint32_t chunk, count; } bad[] = {
        {UINT64_MAX, 64, 0}, {UINT64_MAX, 1u << 24, 0}, {UINT64_MAX - 62, 64, 0}, {UINT64_MAX, 64, UINT32_MAX},
        {(uint64_t)UINT32_MAX * 64 + 1, 64, 0}, {64, 64, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b.m.image_size = bad[i].size;
        b.m.chunk_size = bad[i].chunk;
        b.m.chunk_count = bad[i].count;
        assert_int_equal(fwb_sign(&b), 0);
        assert_int_equal(offer(0), TERN_ERR_FW_FORMAT);
    }
    /* The largest geometry that does add up is still a manifest. */
    b.m.image_size = (uint64_t)UINT32_MAX * 64;
    b.m.chunk_size = 64;
    b.m.chunk_count = UINT32_MAX;
    assert_int_equal(fwb_sign(&b), 0);
    assert_int_equal(offer(0), TERN_OK);
}

/* Finding 7: (r, n - s) verified as well as (r, s). */
static void ecdsa_accepts_only_the_low_s_signature(void **state)
{
    (void)state;
    static const uint8_t n[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF,
                                  0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17,
                                  0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
    fresh(300, 5);
    WC_RNG rng;
    ecc_key key;
    uint8_t pub[65], msg[TERN_FW_SIGNED_LEN], hash[32];
    word32 pub_len = sizeof pub;
    assert_int_equal(wc_InitRng(&rng), 0);
    assert_int_equal(wc_ecc_init(&key), 0);
    assert_int_equal(wc_ecc_make_key(&rng, 32, &key), 0);
    assert_int_equal(wc_ecc_export_x963(&key, pub, &pub_len), 0);
    tern_fw_key trusted;
    assert_int_equal(tern_fw_key_init(&trusted, TERN_FW_SIG_ECDSA_P256, pub, pub_len), TERN_OK);
    b.m.sig_alg = TERN_FW_SIG_ECDSA_P256;
    memcpy(b.m.key_id, trusted.id, 32);
    tern_fw_manifest_encode_signed(&b.m, msg);
    assert_int_equal(wc_Sha256Hash(msg, sizeof msg, hash), 0);
    /* Several signatures: wolfCrypt's own come out with high and low S alike. */
    for (int round = 0; round < 8; round++) {
        word32 len = sizeof b.m.sig;
        assert_int_equal(wc_ecc_sign_hash(hash, sizeof hash, b.m.sig, &len, &rng, &key), 0);
        b.m.sig_len = (uint16_t)len;
        assert_int_equal(tern_fw_ecdsa_normalize(b.m.sig, &b.m.sig_len, sizeof b.m.sig), TERN_OK);
        uint8_t r[33], s[33], low_s[32], high_s[32];
        word32 rl = sizeof r, sl = sizeof s;
        assert_int_equal(wc_ecc_sig_to_rs(b.m.sig, b.m.sig_len, r, &rl, s, &sl), 0);
        memset(low_s, 0, 32);
        memcpy(low_s + 32 - sl, s, sl);
        assert_true(low_s[0] < 0x80); /* normalised: s <= n/2 */
        unsigned borrow = 0;          /* high_s = n - low_s */
        for (size_t i = 32; i-- > 0;) {
            unsigned d = (unsigned)n[i] - low_s[i] - borrow;
            high_s[i] = (uint8_t)d;
            borrow = (d >> 8) & 1u;
        }
        assert_int_equal(tern_fw_manifest_encode(&b.m, b.manifest, sizeof b.manifest, &b.manifest_len), TERN_OK);
        assert_int_equal(tern_fw_offer_manifest(&rx, b.manifest, b.manifest_len, &trusted, 1, "sensor", 0), TERN_OK);
        /* The same signature with n - s: valid ECDSA, refused. */
        word32 hl = sizeof b.m.sig;
        assert_int_equal(wc_ecc_rs_raw_to_sig(r, rl, high_s, 32, b.m.sig, &hl), 0);
        b.m.sig_len = (uint16_t)hl;
        int res = 0;
        assert_int_equal(wc_ecc_verify_hash(b.m.sig, hl, hash, sizeof hash, &res, &key), 0);
        assert_int_equal(res, 1);
        assert_int_equal(tern_fw_manifest_encode(&b.m, b.manifest, sizeof b.manifest, &b.manifest_len), TERN_OK);
        assert_int_equal(tern_fw_offer_manifest(&rx, b.manifest, b.manifest_len, &trusted, 1, "sensor", 0),
                         TERN_ERR_SIGNATURE);
        assert_non_null(strstr(rx.reason, "low S"));
    }
    wc_ecc_free(&key);
    wc_FreeRng(&rng);
}

/* Finding 3: resuming kept staged bytes beyond the verified ones, so another attempt's tail
 * ended up in the installed image. */
static void resume_drops_staged_bytes_beyond_the_verified_ones(void **state)
{
    (void)state;
    fresh(6 * FWB_CHUNK + 10, 2); /* 7 chunks */
    assert_int_equal(offer(1), TERN_OK);
    for (uint32_t k = 0; k < 3; k++)
        assert_int_equal(tern_fw_offer_chunk(&rx, &storage, b.chunk[k], b.chunk_len[k]), TERN_OK);
    /* Another attempt left a longer staged file behind the saved progress. */
    uint8_t junk[FWB_MAX_CHUNKS * FWB_CHUNK];
    memset(junk, 0xA5, sizeof junk);
    assert_int_equal(fwb_write(&store, 3 * FWB_CHUNK, junk, sizeof junk - 3 * FWB_CHUNK), TERN_OK);
    memset(&rx, 0, sizeof rx);
    assert_int_equal(offer(1), TERN_OK);
    assert_int_equal(tern_fw_resume(&rx, &storage, store.saved_chunks, store.saved_next), TERN_OK);
    assert_int_equal(store.length, 3 * FWB_CHUNK);
    for (uint32_t k = 3; k < b.count; k++)
        assert_int_equal(tern_fw_offer_chunk(&rx, &storage, b.chunk[k], b.chunk_len[k]), TERN_OK);
    assert_true(tern_fw_complete(&rx));
    assert_int_equal(store.installed_len, b.image_len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepted_update_installs_the_exact_image),
        cmocka_unit_test(manifest_refusals),
        cmocka_unit_test(device_class_in_the_reason_is_escaped),
        cmocka_unit_test(every_byte_of_the_signed_part_is_protected),
        cmocka_unit_test(chunk_refusals_store_nothing),
        cmocka_unit_test(chunks_of_another_update_are_not_taken),
        cmocka_unit_test(resume_rebuilds_the_hash_from_staged_bytes),
        cmocka_unit_test(sizes_that_overflow_are_not_a_geometry),
        cmocka_unit_test(ecdsa_accepts_only_the_low_s_signature),
        cmocka_unit_test(resume_drops_staged_bytes_beyond_the_verified_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
