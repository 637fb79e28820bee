/* A signed firmware update on the device: tern's update agent (src/fwupdate) over MQTT over
 * the UART, staging into a flash-like region. The runner publishes an update signed with the
 * key this device was provisioned with (it must be installed), then one signed with another
 * key (it must be refused, and the installed version stay). */
#include <string.h>

#include "board.h"
#include "log.h"
#include "scenario.h"
#include "tern/fwagent.h"
#include "uart_transport.h"

#define DEVICE_CLASS "mps2-an386"
#define STEP_MS 60000u

/* The public key updates must be signed with (Ed25519), generated with the test keys
 * (Makefile: fw_key.c). */
extern const unsigned char device_fw_trusted_key[32];

/* The region the image is staged in, with NOR flash's rules: erased bytes read 0xFF and
 * programming can only clear bits, so a write over unerased bytes shows up as corruption. */
#define REGION_SIZE (64u * 1024u)
static uint8_t region[REGION_SIZE];
static struct {
    uint64_t version, size;
    uint8_t update_id[TERN_FW_UPDATE_ID_LEN];
} installed = {1, 0, {0}};

static tern_status region_write(void *ctx, uint64_t off, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (off > REGION_SIZE || len > REGION_SIZE - off) return TERN_ERR_SIZE;
    for (size_t i = 0; i < len; i++) region[off + i] &= data[i];
    return TERN_OK;
}

static tern_status region_read(void *ctx, uint64_t off, uint8_t *data, size_t len)
{
    (void)ctx;
    if (off > REGION_SIZE || len > REGION_SIZE - off) return TERN_ERR_SIZE;
    memcpy(data, region + off, len);
    return TERN_OK;
}

/* Keep the first `keep` staged bytes, erase the rest. */
static tern_status region_erase(void *ctx, uint64_t keep)
{
    (void)ctx;
    if (keep > REGION_SIZE) return TERN_ERR_SIZE;
    memset(region + keep, 0xFF, REGION_SIZE - (size_t)keep);
    return TERN_OK;
}

/* No progress survives a reset here (the region is RAM): every download starts over. */
static tern_status region_load_progress(void *ctx, uint8_t *manifest, size_t cap, size_t *len,
                                        uint32_t *chunks, uint8_t next[TERN_FW_HASH_LEN])
{
    (void)ctx, (void)manifest, (void)cap, (void)len, (void)chunks, (void)next;
    return TERN_ERR_FW_STORAGE;
}

/* The agent verified every byte: this is the moment a bootloader's record would switch. */
static tern_status region_install(void *ctx, const tern_fw_manifest *m)
{
    (void)ctx;
    installed.version = m->version;
    installed.size = m->image_size;
    memcpy(installed.update_id, m->update_id, sizeof installed.update_id);
    return TERN_OK;
}

static struct {
    int installed, refused;
} outcome;

static void on_event(tern_fw_agent *agent, const tern_fw_event *e, void *user)
{
    (void)agent, (void)user;
    if (e->kind == TERN_FW_EVENT_PROGRESS) return;
    dev_log("update event %d, version %lu, chunks %lu/%lu: %s", (int)e->kind,
            (unsigned long)e->version, (unsigned long)e->chunks_done,
            (unsigned long)e->chunk_count, e->reason);
    if (e->kind == TERN_FW_EVENT_INSTALLED) outcome.installed++;
    if (e->kind == TERN_FW_EVENT_IGNORED && e->status == TERN_ERR_SIGNATURE) outcome.refused++;
}

/* Run client and agent until *flag is set or the time is up. */
static int run_until(tern_client *c, tern_fw_agent *agent, const int *flag)
{
    uint32_t start = board_now_ms();
    while (!*flag) {
        if (board_now_ms() - start >= STEP_MS) return 0;
        (void)tern_client_run(c, tern_fw_agent_busy(agent) ? 2 : 20);
        if (tern_fw_agent_poll(agent) != TERN_OK) return 0;
    }
    return 1;
}

static int update_scenario(void)
{
    static tern_fw_key key;
    static tern_fw_agent agent;
    static tern_route routes[2];
    static const tern_fw_storage storage = {NULL, region_write, NULL, region_read,
                                            region_install, region_erase, region_load_progress};
    if (tern_fw_key_init(&key, TERN_FW_SIG_ED25519, device_fw_trusted_key, 32) != TERN_OK) return 1;
    (void)region_erase(NULL, 0);
    tern_transport uart;
    uart_transport(&uart);
    tern_client *client = scenario_connect(&uart, routes, 2);
    if (!client) return 2;
    tern_fw_agent_config ac = {.client = client, .keys = &key, .key_count = 1,
                               .device_class = DEVICE_CLASS, .device_id = "device-1",
                               .installed_version = installed.version, .storage = &storage,
                               .on_event = on_event};
    if (tern_fw_agent_init(&agent, &ac) != TERN_OK) return 3;
    tern_fw_agent_routes(&agent, routes);
    dev_log("running version %lu", (unsigned long)installed.version);
    dev_log("ACTION push-update");
    if (!run_until(client, &agent, &outcome.installed)) return 4;
    dev_log("installed version %lu (%lu bytes)", (unsigned long)installed.version,
            (unsigned long)installed.size);
    dev_log("ACTION push-forged");
    if (!run_until(client, &agent, &outcome.refused)) return 5;
    dev_log("MEASURE fw_installed_version %lu", (unsigned long)installed.version);
    (void)tern_client_wait_idle(client, STEP_MS);
    return tern_client_disconnect(client, 0) == TERN_OK ? 0 : 6;
}

int main(void)
{
    board_init();
    dev_log("tern on mps2-an386: signed firmware update over MQTT over the UART");
    return scenario_finish(update_scenario());
}
