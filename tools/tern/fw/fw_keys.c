/* Signing keys for firmware updates: `tern fw keygen` writes NAME (private) and NAME.pub as
 * one line of text each: "tern-fw-key ALG PRIVHEX PUBHEX" / "tern-fw-pub ALG PUBHEX", ALG
 * being ed25519 or p256. The device is provisioned with the .pub files only. */
#define _POSIX_C_SOURCE 200809L
#include "fw.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "secure_file.h"

static void hex(FILE *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", b[i]);
}

int fw_unhex(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n) return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static int make_key(uint8_t alg, fw_signing_key *k)
{
    WC_RNG rng;
    int ok = wc_InitRng(&rng) == 0;
    word32 a = sizeof k->priv, b = sizeof k->pub;
    k->alg = alg;
    if (ok && alg == TERN_FW_SIG_ED25519) {
        ed25519_key key;
        ok = wc_ed25519_init(&key) == 0 && wc_ed25519_make_key(&rng, 32, &key) == 0 &&
             wc_ed25519_export_private_only(&key, k->priv, &a) == 0 && wc_ed25519_export_public(&key, k->pub, &b) == 0;
        wc_ed25519_free(&key);
    } else if (ok) {
        ecc_key key;
        ok = wc_ecc_init(&key) == 0 && wc_ecc_make_key(&rng, 32, &key) == 0 &&
             wc_ecc_export_private_only(&key, k->priv, &a) == 0 && wc_ecc_export_x963(&key, k->pub, &b) == 0;
        wc_ecc_free(&key);
    }
    wc_FreeRng(&rng);
    k->pub_len = (uint8_t)b;
    return ok && a == 32 ? 0 : -1;
}

static const char *alg_name(uint8_t alg) { return alg == TERN_FW_SIG_ED25519 ? "ed25519" : "p256"; }

int fw_keygen(const fw_options *o)
{
    uint8_t alg = !o->key_type || !strcmp(o->key_type, "ed25519") ? TERN_FW_SIG_ED25519
                  : !strcmp(o->key_type, "p256")                 ? TERN_FW_SIG_ECDSA_P256
                                                                 : 0;
    fw_signing_key k;
    if (!alg || !o->out) {
        fprintf(stderr, "tern fw keygen: need --out NAME (and --type ed25519|p256)\n");
        return 2;
    }
    char pub_path[4096];
    snprintf(pub_path, sizeof pub_path, "%s.pub", o->out);
    /* Both files are new: an existing key, or a file or link planted at either name, is never
     * written through or over (O_EXCL fails on a symbolic link too). */
    int fd = open(o->out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *priv = fd >= 0 ? fdopen(fd, "w") : NULL;
    char priv_buf[512]; /* our own stdio buffer, so that the key's text can be wiped */
    if (priv) setvbuf(priv, priv_buf, _IOFBF, sizeof priv_buf);
    int pub_fd = priv ? open(pub_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644) : -1;
    FILE *pub = pub_fd >= 0 ? fdopen(pub_fd, "w") : NULL;
    int open_errno = fd < 0 || pub_fd < 0 ? errno : 0;
    if (!pub && pub_fd >= 0) close(pub_fd);
    int rc = !pub || make_key(alg, &k) != 0;
    if (!rc) {
        fprintf(priv, "tern-fw-key %s ", alg_name(alg));
        hex(priv, k.priv, 32), fputc(' ', priv), hex(priv, k.pub, k.pub_len), fputc('\n', priv);
        fprintf(pub, "tern-fw-pub %s ", alg_name(alg));
        hex(pub, k.pub, k.pub_len), fputc('\n', pub);
    }
    if (pub) rc |= fclose(pub) != 0;
    if (priv) rc |= fclose(priv) != 0;
    else if (fd >= 0) close(fd);
    if (rc) {
        /* Leave nothing half made behind: only the files this run created are removed. */
        if (pub_fd >= 0) unlink(pub_path);
        if (fd >= 0) unlink(o->out);
        fprintf(stderr, "tern fw keygen: cannot create %s and %s: %s (an existing file or link is never written over)\n",
                o->out, pub_path, open_errno ? strerror(open_errno) : "key generation or writing failed");
    }
    else fprintf(stderr, "tern fw keygen: wrote %s (keep it secret) and %s (give it to devices)\n", o->out, pub_path);
    secure_wipe(&k, sizeof k);
    secure_wipe(priv_buf, sizeof priv_buf);
    return rc ? 1 : 0;
}

/* Parse "MAGIC ALG HEX [HEX]" from the first line of text. */
static int parse_key_line(const char *text, const char *magic, char *alg, char *h1, char *h2)
{
    char m[16];
    h2[0] = 0;
    int n = sscanf(text, "%15s %15s %200s %200s", m, alg, h1, h2);
    return n >= 3 && !strcmp(m, magic) ? 0 : -1;
}

/* The first bytes of a key file as a string: a signing key only through secure_file_read
 * (this user's own regular file, private, not a link). */
static int read_key_text(const char *path, int secret, char *text, size_t cap)
{
    long n = -1;
    if (secret) n = secure_file_read(path, "signing key", (uint8_t *)text, cap - 1);
    else {
        FILE *f = fopen(path, "r");
        if (f) n = (long)fread(text, 1, cap - 1, f), fclose(f);
    }
    if (n < 0) return -1;
    text[n] = 0;
    return 0;
}

static uint8_t parse_alg(const char *s)
{
    return !strcmp(s, "ed25519") ? TERN_FW_SIG_ED25519 : !strcmp(s, "p256") ? TERN_FW_SIG_ECDSA_P256 : 0;
}

int fw_load_signing_key(const char *path, fw_signing_key *k)
{
    char text[512], alg[16], h1[201], h2[201];
    memset(k, 0, sizeof *k);
    int rc = read_key_text(path, 1, text, sizeof text) != 0 || parse_key_line(text, "tern-fw-key", alg, h1, h2) != 0 ||
                     !(k->alg = parse_alg(alg)) ? -1 : 0;
    k->pub_len = k->alg == TERN_FW_SIG_ED25519 ? 32 : 65;
    if (rc == 0 && (fw_unhex(h1, k->priv, 32) || fw_unhex(h2, k->pub, k->pub_len))) rc = -1;
    secure_wipe(text, sizeof text);
    secure_wipe(h1, sizeof h1);
    if (rc != 0) secure_wipe(k, sizeof *k);
    return rc;
}

int fw_load_public_key(const char *path, tern_fw_key *k)
{
    char text[512], alg[16], h1[201], h2[201];
    uint8_t pub[65];
    uint8_t a;
    if (read_key_text(path, 0, text, sizeof text) != 0 || parse_key_line(text, "tern-fw-pub", alg, h1, h2) != 0 ||
        !(a = parse_alg(alg)))
        return -1;
    size_t len = a == TERN_FW_SIG_ED25519 ? 32 : 65;
    return fw_unhex(h1, pub, len) || tern_fw_key_init(k, a, pub, len) != TERN_OK ? -1 : 0;
}

int fw_sign_begin(tern_fw_manifest *m, uint8_t alg, const uint8_t *pub, size_t pub_len,
                  uint8_t msg[TERN_FW_SIGNED_LEN])
{
    m->sig_alg = alg;
    if (wc_Sha256Hash(pub, (word32)pub_len, m->key_id) != 0) return -1;
    tern_fw_manifest_encode_signed(m, msg);
    return 0;
}

int fw_sign_end(tern_fw_manifest *m, size_t sig_len)
{
    m->sig_len = (uint16_t)sig_len;
    /* Devices accept one form of an ECDSA signature only: strict DER with the low S. */
    if (m->sig_alg == TERN_FW_SIG_ECDSA_P256)
        return tern_fw_ecdsa_normalize(m->sig, &m->sig_len, sizeof m->sig) == TERN_OK ? 0 : -1;
    return 0;
}

int fw_sign(const fw_signing_key *k, tern_fw_manifest *m)
{
    uint8_t msg[TERN_FW_SIGNED_LEN], hash[32];
    if (fw_sign_begin(m, k->alg, k->pub, k->pub_len, msg) != 0) return -1;
    word32 len = sizeof m->sig;
    int ok;
    if (k->alg == TERN_FW_SIG_ED25519) {
        ed25519_key key;
        ok = wc_ed25519_init(&key) == 0 && wc_ed25519_import_private_key(k->priv, 32, k->pub, 32, &key) == 0 &&
             wc_ed25519_sign_msg(msg, sizeof msg, m->sig, &len, &key) == 0;
        wc_ed25519_free(&key);
    } else {
        ecc_key key;
        WC_RNG rng;
        ok = wc_InitRng(&rng) == 0;
        ok = ok && wc_ecc_init(&key) == 0 && wc_ecc_import_private_key(k->priv, 32, k->pub, 65, &key) == 0 &&
             wc_ecc_set_rng(&key, &rng) == 0 && wc_Sha256Hash(msg, sizeof msg, hash) == 0 &&
             wc_ecc_sign_hash(hash, sizeof hash, m->sig, &len, &rng, &key) == 0;
        wc_ecc_free(&key);
        wc_FreeRng(&rng);
    }
    return ok && fw_sign_end(m, len) == 0 ? 0 : -1;
}
