/* The client key in a PKCS#11 token, through wolfSSL's PKCS#11 crypto callbacks: the module is
 * loaded, the token found and logged in, the key looked up once so that a missing one is
 * named now rather than as a failed handshake, and the TLS context told to sign with it. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls_internal.h"

#include <wolfssl/wolfcrypt/cryptocb.h>
#include <wolfssl/wolfcrypt/wc_pkcs11.h>

#include "pkcs11_internal.h"

/* Return values of C_Login that wolfSSL's pkcs11.h does not name (PKCS#11 2.40, 11.1). */
#define TERN_CKR_PIN_INCORRECT 0xA0UL
#define TERN_CKR_PIN_LEN_RANGE 0xA2UL
#define TERN_CKR_PIN_LOCKED 0xA4UL

/* Crypto callback device ids: "tern" and a count, apart from anything else registered. */
static int next_dev_id = 0x7465726e;

__attribute__((format(printf, 2, 3)))
static tern_status refuse(tern_pkcs11 *p, const char *fmt, ...)
{
    char why[TERN_PKCS11_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    tern_pkcs11_close(p);
    memcpy(p->error, why, sizeof why);
    return TERN_ERR_PKCS11;
}

static void describe_token(const tern_pkcs11_config *cfg, char *out, size_t cap)
{
    if (cfg->token_label) snprintf(out, cap, "PKCS#11 token \"%s\"", cfg->token_label);
    else snprintf(out, cap, "the PKCS#11 token in slot %ld", cfg->slot);
}

void tern_pkcs11_describe_key(const tern_pkcs11 *p, char *out, size_t cap)
{
    if (!p->key_id_len) {
        snprintf(out, cap, "labelled \"%s\"", p->key_label);
        return;
    }
    size_t n = (size_t)snprintf(out, cap, "with id ");
    for (size_t i = 0; i < p->key_id_len && n + 3 <= cap; i++) n += (size_t)snprintf(out + n, cap - n, "%02x", p->key_id[i]);
}

/* wolfSSL says only that the login failed: ask the token why, in a session of our own. */
static const char *login_failure(const tern_pkcs11 *p, const Pkcs11Token *tok)
{
    CK_SESSION_HANDLE h = 0;
    if (tok->func->C_OpenSession(tok->slotId, CKF_SERIAL_SESSION, NULL, NULL, &h) != CKR_OK)
        return "cannot open a session";
    CK_RV rv = tok->func->C_Login(h, CKU_USER, p->pin, (CK_ULONG)p->pin_len);
    tok->func->C_CloseSession(h);
    if (rv == TERN_CKR_PIN_INCORRECT || rv == TERN_CKR_PIN_LEN_RANGE) return "refused the PIN";
    if (rv == TERN_CKR_PIN_LOCKED) return "is locked: too many wrong PINs";
    return "refused the login";
}

int tern_pkcs11_find_object(const tern_pkcs11 *p, CK_OBJECT_CLASS cls, CK_OBJECT_HANDLE *found)
{
    const Pkcs11Token *tok = p->token;
    /* A PKCS#11 template takes a writable pointer: give it a copy, not p's const bytes. */
    uint8_t value[sizeof p->key_id > sizeof p->key_label ? sizeof p->key_id : sizeof p->key_label];
    size_t len = p->key_id_len ? p->key_id_len : strlen(p->key_label);
    memcpy(value, p->key_id_len ? (const void *)p->key_id : (const void *)p->key_label, len);
    CK_ATTRIBUTE match[2] = {{CKA_CLASS, &cls, sizeof cls},
                             {p->key_id_len ? CKA_ID : CKA_LABEL, value, (CK_ULONG)len}};
    CK_ULONG count = 0;
    if (tok->func->C_FindObjectsInit(tok->handle, match, 2) != CKR_OK) return 0;
    CK_RV rv = tok->func->C_FindObjects(tok->handle, found, 1, &count);
    tok->func->C_FindObjectsFinal(tok->handle);
    return rv == CKR_OK && count > 0;
}

static tern_status take_config(tern_pkcs11 *p, const tern_pkcs11_config *cfg)
{
    if (!cfg->module_path || (!cfg->key_label && !cfg->key_id) || (!cfg->pin && cfg->pin_len)) {
        snprintf(p->error, sizeof p->error, "PKCS#11 needs a module path and a key label or id");
        return TERN_ERR_INVALID_ARG;
    }
    if ((cfg->key_label && strlen(cfg->key_label) >= sizeof p->key_label) ||
        (cfg->key_id && (cfg->key_id_len == 0 || cfg->key_id_len > sizeof p->key_id))) {
        snprintf(p->error, sizeof p->error, "PKCS#11 key label or id too long (or an empty id)");
        return TERN_ERR_INVALID_ARG;
    }
    if (cfg->key_id) {
        memcpy(p->key_id, cfg->key_id, cfg->key_id_len);
        p->key_id_len = cfg->key_id_len;
    } else {
        strcpy(p->key_label, cfg->key_label);
    }
    p->pin = malloc(cfg->pin_len + 1);
    if (!p->pin) return TERN_ERR_PKCS11;
    if (cfg->pin_len) memcpy(p->pin, cfg->pin, cfg->pin_len);
    p->pin_len = cfg->pin_len;
    return TERN_OK;
}

static tern_status load_module(tern_pkcs11 *p, const char *module)
{
    if (access(module, R_OK) != 0)
        return refuse(p, "PKCS#11 module \"%s\": %s", module, strerror(errno));
    Pkcs11Dev *dev = calloc(1, sizeof *dev);
    if (!dev) return refuse(p, "out of memory for the PKCS#11 module");
    if (wc_Pkcs11_Initialize(dev, module, NULL) != 0) {
        free(dev);
        return refuse(p, "PKCS#11 module \"%s\" cannot be loaded or initialised", module);
    }
    p->dev = dev;
    return TERN_OK;
}

/* The slot whose token has this label (space-padded to 32 bytes in CK_TOKEN_INFO), or -1.
 * Looked up here: wolfSSL 5.5's wc_Pkcs11Token_InitName finds no token of SoftHSM 2.6. */
static long slot_of_token(const tern_pkcs11 *p, const char *label)
{
    CK_FUNCTION_LIST *f = ((Pkcs11Dev *)p->dev)->func;
    CK_SLOT_ID slots[32];
    CK_ULONG count = sizeof slots / sizeof slots[0];
    size_t len = strlen(label);
    if (len > 32 || f->C_GetSlotList(CK_TRUE, slots, &count) != CKR_OK) return -1;
    for (CK_ULONG i = 0; i < count; i++) {
        CK_TOKEN_INFO info;
        if (f->C_GetTokenInfo(slots[i], &info) != CKR_OK || memcmp(info.label, label, len) != 0) continue;
        size_t pad = len;
        while (pad < 32 && info.label[pad] == ' ') pad++;
        if (pad == 32 && slots[i] <= 0x7FFFFFFF) return (long)slots[i];
    }
    return -1;
}

static tern_status open_token(tern_pkcs11 *p, const tern_pkcs11_config *cfg)
{
    char token_name[96];
    describe_token(cfg, token_name, sizeof token_name);
    long slot = cfg->token_label ? slot_of_token(p, cfg->token_label) : cfg->slot;
    if (slot < 0 || slot > 0x7FFFFFFF) return refuse(p, "%s not found", token_name);
    Pkcs11Token *tok = calloc(1, sizeof *tok);
    if (!tok) return refuse(p, "out of memory for the PKCS#11 token");
    int rc = wc_Pkcs11Token_Init(tok, p->dev, (int)slot, NULL, p->pin, (int)p->pin_len);
    if (rc != 0) {
        free(tok);
        return refuse(p, "%s not found", token_name);
    }
    p->token = tok;
    if (wc_Pkcs11Token_Open(tok, 0) != 0) return refuse(p, "%s %s", token_name, login_failure(p, tok));
    CK_OBJECT_HANDLE private_key = 0;
    if (!tern_pkcs11_find_object(p, CKO_PRIVATE_KEY, &private_key)) {
        char key[96];
        tern_pkcs11_describe_key(p, key, sizeof key);
        return refuse(p, "no private key %s in %s", key, token_name);
    }
    return TERN_OK;
}

tern_status tern_pkcs11_open(tern_pkcs11 *p, const tern_pkcs11_config *cfg)
{
    memset(p, 0, sizeof *p);
    tern_status st = take_config(p, cfg);
    if (st == TERN_OK) st = load_module(p, cfg->module_path);
    if (st == TERN_OK) st = open_token(p, cfg);
    if (st != TERN_OK) return st;
    p->dev_id = next_dev_id++;
    /* wolfCrypt's device table is set up by wolfCrypt_Init (counted; TLS has called it, a
     * signer outside TLS has not): held while the device is registered. */
    if (wolfCrypt_Init() != 0) return refuse(p, "cannot initialise wolfCrypt");
    if (wc_CryptoCb_RegisterDevice(p->dev_id, wc_Pkcs11_CryptoDevCb, p->token) != 0) {
        wolfCrypt_Cleanup();
        return refuse(p, "cannot register the PKCS#11 token with wolfSSL");
    }
    p->registered = 1;
    return TERN_OK;
}

tern_status tern_tls_use_pkcs11_key(tern_tls *t, const tern_pkcs11 *p, const char *cert_file)
{
    if (!t->ctx || !p->registered || !cert_file) {
        tern_tls_set_error(t, "the TLS transport or the PKCS#11 token is not ready");
        return TERN_ERR_TLS_CONFIG;
    }
    if (wolfSSL_CTX_use_certificate_chain_file(t->ctx, cert_file) != WOLFSSL_SUCCESS &&
        wolfSSL_CTX_use_certificate_file(t->ctx, cert_file, WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS) {
        tern_tls_set_error(t, "cannot load the client certificate \"%s\"", cert_file);
        return TERN_ERR_TLS_CONFIG;
    }
    int ok = p->key_id_len
                 ? wolfSSL_CTX_use_PrivateKey_Id(t->ctx, p->key_id, (long)p->key_id_len, p->dev_id)
                 : wolfSSL_CTX_use_PrivateKey_Label(t->ctx, p->key_label, p->dev_id);
    if (ok != WOLFSSL_SUCCESS) {
        tern_tls_set_error(t, "wolfSSL refused the PKCS#11 key for certificate \"%s\"", cert_file);
        return TERN_ERR_TLS_CONFIG;
    }
    t->cert_loaded = 1;
    return TERN_OK;
}

void tern_pkcs11_close(tern_pkcs11 *p)
{
    if (p->registered) wc_CryptoCb_UnRegisterDevice(p->dev_id);
    if (p->token) {
        wc_Pkcs11Token_Final(p->token);
        free(p->token);
        p->token = NULL;
    }
    if (p->dev) {
        wc_Pkcs11_Finalize(p->dev);
        free(p->dev);
        p->dev = NULL;
    }
    if (p->registered) wolfCrypt_Cleanup();
    p->registered = 0;
    if (p->pin) {
        volatile uint8_t *wipe = p->pin;
        for (size_t i = 0; i < p->pin_len; i++) wipe[i] = 0;
        free(p->pin);
        p->pin = NULL;
    }
    p->pin_len = 0;
}

const char *tern_pkcs11_error(const tern_pkcs11 *p) { return p->error; }
