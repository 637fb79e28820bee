/* Chunk payloads and the hash chain that ties each one to the signed manifest:
 * chunk i = "TFWC" | update id | index | SHA-256(chunk i+1) | data, and the manifest names
 * SHA-256(chunk 0). The last chunk names 32 zero bytes. */
#include "fw_crypto.h"

#include <string.h>

static const uint8_t CHUNK_MAGIC[4] = {'T', 'F', 'W', 'C'};

void tern_fw_chunk_header(uint8_t out[TERN_FW_CHUNK_HEADER], const uint8_t update_id[TERN_FW_UPDATE_ID_LEN],
                          uint32_t index, const uint8_t next_hash[TERN_FW_HASH_LEN])
{
    memcpy(out, CHUNK_MAGIC, 4);
    memcpy(out + 4, update_id, TERN_FW_UPDATE_ID_LEN);
    tern_fw_put32(out + 20, index);
    memcpy(out + 24, next_hash, TERN_FW_HASH_LEN);
}

tern_status tern_fw_chunk_hash(const uint8_t *payload, size_t len, uint8_t out[TERN_FW_HASH_LEN])
{
    return tern_fw_sha256(payload, len, out);
}

int tern_fw_chunk_is(const uint8_t *payload, size_t len)
{
    return len >= TERN_FW_CHUNK_HEADER && memcmp(payload, CHUNK_MAGIC, 4) == 0;
}
