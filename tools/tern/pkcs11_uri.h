/* --key pkcs11:...: an RFC 7512 PKCS#11 URI, e.g.
 *   pkcs11:token=tern;object=device?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin
 * Path attributes: token, object, id (percent-encoded bytes), slot-id, type (private only).
 * Query attributes: module-path, pin-source (file:PATH or PATH), pin-value (tests only). */
#ifndef TERN_TOOL_PKCS11_URI_H
#define TERN_TOOL_PKCS11_URI_H

#include <stddef.h>
#include <stdint.h>

#include "tern/pkcs11.h"

typedef struct {
    char token[64];
    char object[64];
    uint8_t id[64];
    size_t id_len;
    long slot;              /* -1: not given */
    char module_path[256];
    char pin_source[256];   /* a file to read the PIN from */
    char pin_value[64];
    int has_pin_value;
} tool_pkcs11_uri;

/* Is this --key value a PKCS#11 URI? */
int tool_is_pkcs11_uri(const char *s);

/* Parse uri into u. 0, or -1 with a one-line reason in err. */
int tool_parse_pkcs11_uri(const char *uri, tool_pkcs11_uri *u, char *err, size_t err_cap);

/* Parse uri, read its PIN and open the token into p (tern_pkcs11_open). 0, or -1 with one
 * line printed naming the cause. On success the caller closes p with tern_pkcs11_close. */
int tool_pkcs11_open(const char *uri, tern_pkcs11 *p);

#endif
