/* What a saved TLS session is bound to. A resumed session skips the certificate check: it is
 * trusted only because of the full handshake that created it. So a session may be offered
 * only under the configuration whose check it passed; this file reduces that configuration
 * to one SHA-256 digest, computed once by tern_tls_init (or _init_over) and sealed into
 * every export. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "tls_internal.h"
#include "tls_session_internal.h"

#include <wolfssl/wolfcrypt/sha256.h>

#ifndef NO_FILESYSTEM
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

/* One field of the binding: a tag and a length-prefixed value, so that no two different
 * configurations can produce the same byte stream. */
static void put_field(wc_Sha256 *h, uint8_t tag, const void *value, size_t len)
{
    uint8_t head[5] = {tag, (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
    wc_Sha256Update(h, head, sizeof head);
    if (len) wc_Sha256Update(h, value, (word32)len);
}

static void put_string(wc_Sha256 *h, uint8_t tag, const char *s)
{
    if (s) put_field(h, tag, s, strlen(s));
}

#ifndef NO_FILESYSTEM
/* The directory wolfSSL_CTX_load_system_CA_certs reads on Debian. */
static const char SYSTEM_CA_DIR[] = "/etc/ssl/certs";

/* SHA-256 of a file's contents, following symbolic links (the system store is made of them).
 * 0 on success, -1 when it cannot be read. */
static int digest_file(const char *path, uint8_t out[WC_SHA256_DIGEST_SIZE])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    wc_Sha256 h;
    wc_InitSha256(&h);
    uint8_t buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) wc_Sha256Update(&h, buf, (word32)n);
    close(fd);
    wc_Sha256Final(&h, out);
    wc_Sha256Free(&h);
    return n < 0 ? -1 : 0;
}

/* acc += d, as 256-bit big-endian numbers: the sum does not depend on readdir's order. */
static void add_digest(uint8_t acc[WC_SHA256_DIGEST_SIZE], const uint8_t d[WC_SHA256_DIGEST_SIZE])
{
    unsigned carry = 0;
    for (int i = WC_SHA256_DIGEST_SIZE - 1; i >= 0; i--) {
        carry += (unsigned)acc[i] + d[i];
        acc[i] = (uint8_t)carry;
        carry >>= 8;
    }
}

/* The digest of one directory entry: its name and its contents (or that it is unreadable). */
static void digest_entry(const char *name, const char *path, uint8_t out[WC_SHA256_DIGEST_SIZE])
{
    uint8_t contents[WC_SHA256_DIGEST_SIZE];
    int readable = digest_file(path, contents) == 0;
    wc_Sha256 h;
    wc_InitSha256(&h);
    put_string(&h, 'n', name);
    if (readable) put_field(&h, 'c', contents, sizeof contents);
    wc_Sha256Final(&h, out);
    wc_Sha256Free(&h);
}

/* Every regular file of a CA directory (what wolfSSL may have loaded from it), in any order.
 * -1 when the directory cannot be read. */
static int digest_dir(const char *dir, uint8_t out[WC_SHA256_DIGEST_SIZE])
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    uint8_t sum[WC_SHA256_DIGEST_SIZE] = {0};
    uint32_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
            stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        uint8_t entry[WC_SHA256_DIGEST_SIZE];
        digest_entry(e->d_name, path, entry);
        add_digest(sum, entry);
        count++;
    }
    closedir(d);
    wc_Sha256 h;
    wc_InitSha256(&h);
    put_field(&h, 's', sum, sizeof sum);
    put_field(&h, 'k', &count, sizeof count);
    wc_Sha256Final(&h, out);
    wc_Sha256Free(&h);
    return 0;
}

static tern_status put_file(tern_tls *t, wc_Sha256 *h, uint8_t tag, const char *what, const char *path)
{
    uint8_t d[WC_SHA256_DIGEST_SIZE];
    if (digest_file(path, d) != 0) {
        tern_tls_set_error(t, "cannot read %s \"%s\" to bind TLS sessions to it", what, path);
        return TERN_ERR_TLS_CONFIG;
    }
    put_field(h, tag, d, sizeof d);
    return TERN_OK;
}

static tern_status put_dir(tern_tls *t, wc_Sha256 *h, uint8_t tag, const char *path)
{
    uint8_t d[WC_SHA256_DIGEST_SIZE];
    if (digest_dir(path, d) != 0) {
        tern_tls_set_error(t, "cannot read CA directory \"%s\" to bind TLS sessions to it", path);
        return TERN_ERR_TLS_CONFIG;
    }
    put_field(h, tag, d, sizeof d);
    return TERN_OK;
}

/* The CA file, CA directory or system store that load_trust_files read. */
static tern_status put_trust_files(tern_tls *t, wc_Sha256 *h, const tern_tls_config *cfg)
{
    tern_status st = TERN_OK;
    if (cfg->ca_file) st = put_file(t, h, 'F', "CA file", cfg->ca_file);
    if (st == TERN_OK && cfg->ca_path) st = put_dir(t, h, 'D', cfg->ca_path);
    if (st == TERN_OK && !cfg->ca_file && !cfg->ca_path && !cfg->ca_buf) st = put_dir(t, h, 'S', SYSTEM_CA_DIR);
    return st;
}

static tern_status put_cert_file(tern_tls *t, wc_Sha256 *h, const tern_tls_config *cfg)
{
    return cfg->cert_file ? put_file(t, h, 'C', "client certificate", cfg->cert_file) : TERN_OK;
}
#else
/* No file system: the configuration loaded nothing from files. */
static tern_status put_trust_files(tern_tls *t, wc_Sha256 *h, const tern_tls_config *cfg)
{
    (void)t, (void)h, (void)cfg;
    return TERN_OK;
}

static tern_status put_cert_file(tern_tls *t, wc_Sha256 *h, const tern_tls_config *cfg)
{
    (void)t, (void)h, (void)cfg;
    return TERN_OK;
}
#endif

/* A buffer's contents, as a digest. */
static void put_buffer(wc_Sha256 *h, uint8_t tag, const uint8_t *buf, size_t len)
{
    uint8_t d[WC_SHA256_DIGEST_SIZE];
    wc_Sha256Hash(buf, (word32)len, d);
    put_field(h, tag, d, sizeof d);
}

/* What the certificate check trusts: CA certificates from memory, the CA file, the CA
 * directory, or the system store. */
static tern_status put_trust(tern_tls *t, wc_Sha256 *h, const tern_tls_config *cfg)
{
    if (!t->verify) return TERN_OK;
    if (cfg->ca_buf) put_buffer(h, 'B', cfg->ca_buf, cfg->ca_len);
    return put_trust_files(t, h, cfg);
}

/* Who the client is: its certificate (from memory or a file), or its PSK identity and key. */
static tern_status put_identity(tern_tls *t, wc_Sha256 *h, const tern_tls_config *cfg)
{
    if (t->psk_len) {
        uint8_t d[WC_SHA256_DIGEST_SIZE];
        wc_Sha256Hash(t->psk, t->psk_len, d);
        put_string(h, 'I', t->psk_identity);
        put_field(h, 'K', d, sizeof d);
    }
    if (cfg->cert_buf) put_buffer(h, 'c', cfg->cert_buf, cfg->cert_len);
    return put_cert_file(t, h, cfg);
}

uint8_t tern_tls_verify_level(const tern_tls *t)
{
    if (!t->verify) return TLS_VERIFIED_NOTHING;
    return t->check_name ? TLS_VERIFIED_CHAIN_AND_NAME : TLS_VERIFIED_CHAIN;
}

tern_status tern_tls_session_bind(tern_tls *t, const tern_tls_config *cfg)
{
    /* TLS over TCP (tern_tls_init): the host and port too; over the application's own
     * transport (tern_tls_init_over) the server name alone says where. */
    const char *host = t->tcp.host;
    uint16_t port = t->tcp.port;
    wc_Sha256 h;
    wc_InitSha256(&h);
    uint8_t port_be[2] = {(uint8_t)(port >> 8), (uint8_t)port};
    uint8_t level = tern_tls_verify_level(t);
    put_string(&h, 'v', "tern TLS session binding 1");
    put_string(&h, 'N', t->server_name);
    put_string(&h, 'H', host);
    put_field(&h, 'P', port_be, sizeof port_be);
    put_field(&h, 'L', &level, 1);
    /* A TLS 1.3 session offered by a 1.2-only configuration breaks the handshake. */
    uint8_t versions[2] = {cfg->min_version ? cfg->min_version : TERN_TLS_V1_2,
                           cfg->max_version ? cfg->max_version : TERN_TLS_V1_3};
    put_field(&h, 'T', versions, sizeof versions);
    /* A session verified under a relaxed certificate policy is no proof under a strict one. */
    uint8_t policy[6] = {(uint8_t)(t->min_rsa_bits >> 8), (uint8_t)t->min_rsa_bits,
                         (uint8_t)(t->min_ecc_bits >> 8), (uint8_t)t->min_ecc_bits, t->allow_sha1,
                         t->ignore_key_usage};
    put_field(&h, 'Y', policy, sizeof policy);
    tern_status st = put_trust(t, &h, cfg);
    if (st == TERN_OK) st = put_identity(t, &h, cfg);
    wc_Sha256Final(&h, t->session_binding);
    wc_Sha256Free(&h);
    return st;
}
