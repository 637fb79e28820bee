/* The firmware receiver: what it accepts, and each refusal with its own status and reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fw_build.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepted_update_installs_the_exact_image),
        cmocka_unit_test(manifest_refusals),
        cmocka_unit_test(every_byte_of_the_signed_part_is_protected),
        cmocka_unit_test(chunk_refusals_store_nothing),
        cmocka_unit_test(chunks_of_another_update_are_not_taken),
        cmocka_unit_test(resume_rebuilds_the_hash_from_staged_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
