/* A device that takes signed firmware updates over MQTT, shaped like a microcontroller program:
 * static buffers, no malloc, one loop, and a storage that behaves like NOR flash (4 KiB erase
 * blocks that read 0xFF when erased, writes that can only clear bits), kept in a file:
 *
 *   block 0, 1    boot record, two copies: the valid one with the higher sequence number says
 *                 which slot holds the image to boot (its version, size and SHA-256)
 *   block 2, 3    download progress, two copies likewise
 *   slot A, B     SLOT_BLOCKS blocks each: the running image and the staging area (the other)
 *
 * An install writes the new boot record into the older copy: a power cut at any moment
 * leaves the other copy, naming a complete image, valid. `--check` is the boot loader's
 * test: it exits 0 when the boot record names an image whose bytes hash to what it records.
 *
 *   fw_device --flash F --factory IMAGE              provision version 1 in slot A
 *   fw_device --flash F --check                      is there a bootable image?
 *   fw_device --flash F --class C --trust K.pub [--host H] [--port P] [--id ID]
 *             [--stall-ms N] [--once] [--cut-after N]   run the update agent
 *
 * --cut-after N is a power cut for tests: flash operation N+1 is left half done (half the
 * bytes programmed, or half the block erased) and the process kills itself with SIGKILL. With
 * --once, the number of flash operations a whole run took is printed at the end.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "tern/client.h"
#include "tern/fwagent.h"
#include "tern/tcp.h"

#define BLOCK 4096u
#define SLOT_BLOCKS 160u
#define SLOT_SIZE ((uint64_t)SLOT_BLOCKS * BLOCK)
#define SLOT_AT(s) ((uint64_t)(4u + (s) * SLOT_BLOCKS) * BLOCK)
#define FLASH_SIZE SLOT_AT(2)
#define SAVE_EVERY 4u /* chunks between progress records: one per erase block of 1 KiB chunks */

typedef struct {
    uint8_t magic[4];
    uint32_t seq, slot;
    uint64_t version, size;
    uint8_t sha[32], update_id[TERN_FW_UPDATE_ID_LEN];
    uint8_t check[32]; /* SHA-256 of everything before it: a torn write does not verify */
} boot_record;

typedef struct {
    uint8_t magic[4];
    uint32_t seq, chunks;
    uint16_t manifest_len;
    uint8_t manifest[TERN_FW_MANIFEST_MAX], next[TERN_FW_HASH_LEN];
    uint8_t check[32];
} progress_record;

static int flash_fd = -1;
static long flash_ops, cut_after = -1;
static boot_record boot;
static uint8_t block_buf[BLOCK];

/* ---------------------------------------------------------------- the flash chip */

static int flash_read(uint64_t at, void *p, size_t n) { return pread(flash_fd, p, n, (off_t)at) == (ssize_t)n ? 0 : -1; }

/* Counts flash operations; the one after --cut-after's count is cut: half done, then the power goes. */
static size_t power_left(size_t n)
{
    flash_ops++;
    return cut_after >= 0 && flash_ops > cut_after ? n / 2 : n;
}

static void power_cut(void) { raise(SIGKILL); }

static int flash_erase(uint64_t block_at)
{
    size_t n = power_left(BLOCK);
    memset(block_buf, 0xFF, BLOCK);
    int ok = pwrite(flash_fd, block_buf, n, (off_t)block_at) == (ssize_t)n;
    if (n < BLOCK) power_cut();
    return ok ? 0 : -1;
}

/* NOR programming: bits go from 1 to 0 only (an unerased byte keeps its zeros). */
static int flash_program(uint64_t at, const uint8_t *p, size_t want)
{
    uint8_t cur[1024];
    size_t n = power_left(want);
    for (size_t done = 0; done < n;) {
        size_t k = n - done < sizeof cur ? n - done : sizeof cur;
        if (flash_read(at + done, cur, k) != 0) return -1;
        for (size_t i = 0; i < k; i++) cur[i] &= p[done + i];
        if (pwrite(flash_fd, cur, k, (off_t)(at + done)) != (ssize_t)k) return -1;
        done += k;
    }
    if (n < want) power_cut();
    return 0;
}

static int sha256(const void *p, size_t n, uint8_t out[32]) { return wc_Sha256Hash(p, (word32)n, out) == 0 ? 0 : -1; }

/* Two copies of a record in blocks `first` and `first + 1`: the valid one with the higher seq. */
static int record_load(uint32_t first, void *rec, size_t size, size_t check_at, const char *magic)
{
    uint8_t a[sizeof(progress_record)], h[32];
    int found = 0;
    uint32_t best = 0;
    for (uint32_t i = 0; i < 2; i++) {
        if (flash_read((uint64_t)(first + i) * BLOCK, a, size) != 0 || memcmp(a, magic, 4) != 0) continue;
        if (sha256(a, check_at, h) != 0 || memcmp(h, a + check_at, 32) != 0) continue;
        uint32_t seq;
        memcpy(&seq, a + 4, 4);
        if (!found || seq > best) memcpy(rec, a, size), best = seq, found = 1;
    }
    return found ? 0 : -1;
}

static int record_store(uint32_t first, void *rec, size_t size, size_t check_at, uint32_t seq)
{
    uint8_t *r = rec;
    memcpy(r + 4, &seq, 4);
    uint64_t at = (uint64_t)(first + seq % 2) * BLOCK;
    return sha256(r, check_at, r + check_at) == 0 && flash_erase(at) == 0 && flash_program(at, r, size) == 0 ? 0 : -1;
}

static int image_ok(const boot_record *b)
{
    wc_Sha256 s;
    uint8_t h[32];
    if (b->size == 0 || b->size > SLOT_SIZE || b->slot > 1 || wc_InitSha256(&s) != 0) return 0;
    for (uint64_t at = 0; at < b->size;) {
        size_t n = b->size - at < BLOCK ? (size_t)(b->size - at) : BLOCK;
        if (flash_read(SLOT_AT(b->slot) + at, block_buf, n) != 0 || wc_Sha256Update(&s, block_buf, (word32)n) != 0) return 0;
        at += n;
    }
    return wc_Sha256Final(&s, h) == 0 && memcmp(h, b->sha, 32) == 0;
}

/* ---------------------------------------------------------------- the agent's storage */

static uint32_t staging_slot(void) { return boot.slot ^ 1u; }

static tern_status st_write(void *ctx, uint64_t off, const uint8_t *d, size_t n)
{
    (void)ctx;
    if (off + n > SLOT_SIZE) return TERN_ERR_SIZE;
    uint64_t base = SLOT_AT(staging_slot());
    for (uint64_t b = (off + BLOCK - 1) / BLOCK * BLOCK; b < off + n; b += BLOCK)
        if (flash_erase(base + b) != 0) return TERN_ERR_FW_STORAGE; /* erased as the writes reach it */
    return flash_program(base + off, d, n) == 0 ? TERN_OK : TERN_ERR_FW_STORAGE;
}

static tern_status st_read(void *ctx, uint64_t off, uint8_t *d, size_t n)
{
    (void)ctx;
    return off + n <= SLOT_SIZE && flash_read(SLOT_AT(staging_slot()) + off, d, n) == 0 ? TERN_OK : TERN_ERR_FW_STORAGE;
}

/* Keep the first `keep` staged bytes: the rest of their block is erased (read, erase, write
 * back), later blocks are erased when the writes reach them. keep == 0 forgets progress. */
static tern_status st_erase(void *ctx, uint64_t keep)
{
    (void)ctx;
    static uint8_t prefix[BLOCK];
    if (keep == 0) return flash_erase(2 * BLOCK) == 0 && flash_erase(3 * BLOCK) == 0 ? TERN_OK : TERN_ERR_FW_STORAGE;
    if (keep > SLOT_SIZE) return TERN_ERR_SIZE;
    uint64_t block = SLOT_AT(staging_slot()) + keep / BLOCK * BLOCK;
    size_t part = (size_t)(keep % BLOCK);
    if (part == 0) return TERN_OK;
    int ok = flash_read(block, prefix, part) == 0 && flash_erase(block) == 0 && flash_program(block, prefix, part) == 0;
    return ok ? TERN_OK : TERN_ERR_FW_STORAGE;
}

static tern_status st_save(void *ctx, const uint8_t *m, size_t len, uint32_t chunks, const uint8_t next[32])
{
    static progress_record p, last;
    (void)ctx;
    if (chunks % SAVE_EVERY) return TERN_OK;
    uint32_t seq = record_load(2, &last, sizeof last, offsetof(progress_record, check), "TPR1") == 0 ? last.seq + 1 : 1;
    memset(&p, 0, sizeof p);
    memcpy(p.magic, "TPR1", 4);
    p.chunks = chunks;
    p.manifest_len = (uint16_t)len;
    memcpy(p.manifest, m, len);
    memcpy(p.next, next, 32);
    return record_store(2, &p, sizeof p, offsetof(progress_record, check), seq) == 0 ? TERN_OK : TERN_ERR_FW_STORAGE;
}

static tern_status st_load(void *ctx, uint8_t *m, size_t cap, size_t *len, uint32_t *chunks, uint8_t next[32])
{
    static progress_record p;
    (void)ctx;
    if (record_load(2, &p, sizeof p, offsetof(progress_record, check), "TPR1") != 0 || p.manifest_len > cap)
        return TERN_ERR_FW_STORAGE;
    memcpy(m, p.manifest, p.manifest_len);
    *len = p.manifest_len;
    *chunks = p.chunks;
    memcpy(next, p.next, 32);
    return TERN_OK;
}

/* The switch: a boot record naming the staging slot, written over the older copy, after the
 * staged bytes were read back and found to be exactly the signed image. */
static tern_status st_install(void *ctx, const tern_fw_manifest *m)
{
    boot_record b = boot;
    (void)ctx;
    b.slot = staging_slot();
    b.version = m->version;
    b.size = m->image_size;
    memcpy(b.sha, m->image_hash, 32);
    memcpy(b.update_id, m->update_id, TERN_FW_UPDATE_ID_LEN);
    if (!image_ok(&b)) return TERN_ERR_HASH;
    if (record_store(0, &b, sizeof b, offsetof(boot_record, check), boot.seq + 1) != 0) return TERN_ERR_FW_STORAGE;
    boot = b;
    return st_erase(ctx, 0);
}

/* ---------------------------------------------------------------- the program */

static uint32_t now_ms(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static int open_flash(const char *path)
{
    flash_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    return flash_fd >= 0 && ftruncate(flash_fd, (off_t)FLASH_SIZE) == 0 ? 0 : -1;
}

static int factory(const char *image)
{
    FILE *f = fopen(image, "rb");
    static uint8_t img[SLOT_BLOCKS * BLOCK];
    size_t n = f ? fread(img, 1, sizeof img, f) : 0;
    if (f) fclose(f);
    memset(&boot, 0, sizeof boot);
    memcpy(boot.magic, "TBR1", 4);
    boot.version = 1;
    boot.size = n;
    for (uint64_t b = 0; b < SLOT_SIZE; b += BLOCK) (void)flash_erase(SLOT_AT(0) + b);
    if (n == 0 || flash_program(SLOT_AT(0), img, n) != 0 || sha256(img, n, boot.sha) != 0 ||
        record_store(0, &boot, sizeof boot, offsetof(boot_record, check), 1) != 0 || flash_erase(0) != 0)
        return 1;
    return st_erase(NULL, 0) == TERN_OK ? 0 : 1;
}

static int check(void)
{
    if (record_load(0, &boot, sizeof boot, offsetof(boot_record, check), "TBR1") != 0 || !image_ok(&boot)) {
        printf("not bootable\n");
        return 1;
    }
    printf("bootable version %llu slot %u\n", (unsigned long long)boot.version, (unsigned)boot.slot);
    return 0;
}

/* "tern-fw-pub ed25519 HEX" or "tern-fw-pub p256 HEX", as tern fw keygen writes. */
static int load_key(const char *path, tern_fw_key *k)
{
    char alg[16], hex[160];
    uint8_t pub[65];
    FILE *f = fopen(path, "r");
    int n = f ? fscanf(f, "tern-fw-pub %15s %159s", alg, hex) : 0;
    if (f) fclose(f);
    uint8_t a = n == 2 && !strcmp(alg, "ed25519") ? TERN_FW_SIG_ED25519 : n == 2 && !strcmp(alg, "p256") ? TERN_FW_SIG_ECDSA_P256 : 0;
    size_t len = a == TERN_FW_SIG_ED25519 ? 32 : 65;
    if (!a || strlen(hex) != 2 * len) return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) return -1;
        pub[i] = (uint8_t)v;
    }
    return tern_fw_key_init(k, a, pub, len) == TERN_OK ? 0 : -1;
}

static int outcome; /* 1 installed, -1 refused / failed / stalled */

static void on_event(tern_fw_agent *a, const tern_fw_event *e, void *user)
{
    (void)a, (void)user;
    if (e->kind == TERN_FW_EVENT_PROGRESS) return;
    printf("event %d version %llu chunks %lu/%lu: %s\n", (int)e->kind, (unsigned long long)e->version,
           (unsigned long)e->chunks_done, (unsigned long)e->chunk_count, e->reason);
    fflush(stdout);
    if (e->kind == TERN_FW_EVENT_INSTALLED || e->kind == TERN_FW_EVENT_UP_TO_DATE) outcome = 1;
    else if (e->kind == TERN_FW_EVENT_REFUSED || e->kind == TERN_FW_EVENT_FAILED || e->kind == TERN_FW_EVENT_STALLED)
        outcome = -1;
    else if (e->kind == TERN_FW_EVENT_IGNORED && !tern_fw_agent_busy(a) && e->status != TERN_ERR_BUSY)
        outcome = -1;
}

typedef struct {
    const char *host, *cls, *id, *trust;
    uint16_t port;
    uint32_t stall_ms;
    int once;
} device_options;

static int run_agent(const device_options *o)
{
    static uint8_t tx[1024], rx[2048], slot_mem[2][384];
    static tern_inflight slots[2];
    static uint16_t qos2[4];
    static tern_route routes[2];
    static tern_client client;
    static tern_fw_agent agent;
    static tern_fw_key key;
    static tern_tcp tcp;
    static tern_client_config cfg;
    static tern_connect_options conn;
    static tern_fw_storage storage = {NULL, st_write, st_save, st_read, st_install, st_erase, st_load};
    if (load_key(o->trust, &key) != 0) return fprintf(stderr, "fw_device: cannot read %s\n", o->trust), 2;
    if (record_load(0, &boot, sizeof boot, offsetof(boot_record, check), "TBR1") != 0)
        return fprintf(stderr, "fw_device: no boot record: provision with --factory\n"), 2;
    tern_tcp_init(&tcp, o->host, o->port, 5000);
    tern_tcp_transport(&tcp, &cfg.transport);
    for (int i = 0; i < 2; i++) slots[i].packet = slot_mem[i], slots[i].cap = sizeof slot_mem[i];
    cfg.now_ms = now_ms, cfg.tx = tx, cfg.tx_cap = sizeof tx, cfg.rx = rx, cfg.rx_cap = sizeof rx;
    cfg.inflight = slots, cfg.inflight_count = 2, cfg.inbound_qos2 = qos2, cfg.inbound_qos2_count = 4;
    cfg.routes = routes, cfg.route_count = 2;
    if (tern_client_init(&client, &cfg) != TERN_OK) return 1;
    tern_fw_agent_config ac = {.client = &client, .keys = &key, .key_count = 1, .device_class = o->cls,
                               .device_id = o->id, .installed_version = boot.version,
                               .installed_update_id = boot.update_id, .storage = &storage,
                               .stall_ms = o->stall_ms, .on_event = on_event};
    if (tern_fw_agent_init(&agent, &ac) != TERN_OK) return fprintf(stderr, "fw_device: bad class or id\n"), 2;
    tern_fw_agent_routes(&agent, routes);
    conn.version = TERN_MQTT_311;
    conn.client_id = (tern_bytes){(const uint8_t *)o->id, (uint32_t)strlen(o->id)};
    conn.clean_start = 1, conn.keep_alive = 30, conn.auto_reconnect = 1;
    printf("running version %llu from slot %u\n", (unsigned long long)boot.version, (unsigned)boot.slot);
    fflush(stdout);
    if (tern_client_connect_wait(&client, &conn, 10000) != TERN_OK) return fprintf(stderr, "fw_device: cannot connect\n"), 1;
    while (!(o->once && outcome)) {
        if (tern_client_run(&client, tern_fw_agent_busy(&agent) ? 2 : 50) != TERN_OK) return 1;
        if (tern_fw_agent_poll(&agent) != TERN_OK) return 1;
    }
    (void)tern_fw_agent_poll(&agent); /* the last status line */
    (void)tern_client_wait_idle(&client, 10000);
    printf("flash operations %ld\n", flash_ops);
    tern_client_disconnect(&client, 0);
    return outcome > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"flash", 1, 0, 'f'}, {"factory", 1, 0, 'F'}, {"check", 0, 0, 'c'}, {"class", 1, 0, 'C'}, {"trust", 1, 0, 't'},
        {"host", 1, 0, 'h'},  {"port", 1, 0, 'p'},    {"id", 1, 0, 'i'},    {"stall-ms", 1, 0, 's'}, {"once", 0, 0, 'o'},
        {"cut-after", 1, 0, 'x'}, {0, 0, 0, 0}};
    device_options o = {"127.0.0.1", NULL, "device-1", NULL, 1883, 0, 0};
    const char *flash = NULL, *image = NULL;
    int c, do_check = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'f') flash = optarg;
        else if (c == 'F') image = optarg;
        else if (c == 'c') do_check = 1;
        else if (c == 'C') o.cls = optarg;
        else if (c == 't') o.trust = optarg;
        else if (c == 'h') o.host = optarg;
        else if (c == 'p') o.port = (uint16_t)atoi(optarg);
        else if (c == 'i') o.id = optarg;
        else if (c == 's') o.stall_ms = (uint32_t)atoi(optarg);
        else if (c == 'o') o.once = 1;
        else if (c == 'x') cut_after = atol(optarg);
        else return 2;
    }
    if (!flash || open_flash(flash) != 0) return fprintf(stderr, "usage: see the top of fw_device.c\n"), 2;
    if (image) return factory(image);
    if (do_check) return check();
    if (!o.cls || !o.trust) return fprintf(stderr, "fw_device: --class and --trust are needed\n"), 2;
    return run_agent(&o);
}
