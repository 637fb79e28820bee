/* The firmware receiver fed hostile bytes: first byte 0 = the bytes are a manifest, offered to
 * a device that trusts one key; otherwise a genuine manifest is accepted first and the bytes
 * are a sequence of chunk payloads (each preceded by one length byte), with genuine chunks
 * mixed in when the input says so. Nothing may crash or read out of bounds, and nothing but
 * the genuine image may ever be installed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fw_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fw_build b;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        if (fwb_key(&b, 1) != 0 || fwb_update(&b, 300, "sensor", 5, 3) != 0) abort();
        ready = 1;
    }
    static tern_fw_receiver rx;
    static fwb_store store;
    tern_fw_storage storage;
    fwb_storage(&store, &storage);
    memset(&rx, 0, sizeof rx);
    if (size == 0) return 0;
    if (data[0] == 0) {
        tern_status st = tern_fw_offer_manifest(&rx, data + 1, size - 1, &b.trusted, 1, "sensor", 0);
        /* Accepting anything but the genuine manifest would be a forgery. */
        if (st == TERN_OK && (size - 1 != b.manifest_len || memcmp(data + 1, b.manifest, b.manifest_len))) abort();
        return 0;
    }
    if (tern_fw_offer_manifest(&rx, b.manifest, b.manifest_len, &b.trusted, 1, "sensor", 0) != TERN_OK) abort();
    uint32_t genuine = 0;
    for (size_t at = 1; at < size;) {
        size_t n = data[at++];
        if (n == 0xFF && genuine < b.count) { /* a genuine chunk in between */
            (void)tern_fw_offer_chunk(&rx, &storage, b.chunk[genuine], b.chunk_len[genuine]);
            genuine = rx.next_index;
            continue;
        }
        if (n > size - at) n = size - at;
        (void)tern_fw_offer_chunk(&rx, &storage, data + at, n);
        at += n;
    }
    if (store.installs && memcmp(store.data, b.image, b.image_len) != 0) abort();
    return 0;
}
