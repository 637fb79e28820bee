/* The modes of tls-cost: which listener, which TLS version, full or resumed handshake,
 * which key share. ECDSA is the default server certificate; the RSA modes use the same
 * handshakes against an RSA certificate. */
#include <string.h>

#include "tlscost.h"

/* wolfSSL's named-group ids (WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1), without including
 * wolfSSL here. */
enum { GROUP_P256 = 23, GROUP_X25519 = 29 };

const tc_mode tc_modes[] = {
    {"plain", "plain TCP", TC_PLAIN, 0, 0, 0},
    {"tls12-full", "TLS 1.2 full (ECDSA)", TC_EC, 12, 0, 0},
    {"tls12-resumed", "TLS 1.2 resumed", TC_EC, 12, 1, 0},
    {"tls13-full-x25519", "TLS 1.3 full, X25519 (ECDSA)", TC_EC, 13, 0, GROUP_X25519},
    {"tls13-full-p256", "TLS 1.3 full, P-256 (ECDSA)", TC_EC, 13, 0, GROUP_P256},
    {"tls13-resumed", "TLS 1.3 resumed", TC_EC, 13, 1, 0},
    {"tls12-psk", "TLS 1.2 PSK (DHE-PSK)", TC_PSK, 12, 0, 0},
    {"tls13-psk-dhe", "TLS 1.3 PSK + (EC)DHE", TC_PSK, 13, 0, 0},
    {"tls12-full-rsa", "TLS 1.2 full (RSA)", TC_RSA, 12, 0, 0},
    {"tls13-full-rsa", "TLS 1.3 full, X25519 (RSA)", TC_RSA, 13, 0, GROUP_X25519},
};
const int tc_mode_count = (int)(sizeof tc_modes / sizeof tc_modes[0]);

const tc_mode *tc_find_mode(const char *id)
{
    for (int i = 0; i < tc_mode_count; i++)
        if (!strcmp(tc_modes[i].id, id)) return &tc_modes[i];
    return NULL;
}
