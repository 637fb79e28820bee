/* Shared by the PKCS#11 key files: finding the key's objects in the token. */
#ifndef TERN_PKCS11_INTERNAL_H
#define TERN_PKCS11_INTERNAL_H

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/wc_pkcs11.h>

#include "tern/pkcs11.h"

/* The object of this class (CKO_PRIVATE_KEY, CKO_PUBLIC_KEY) with the key's label or id, in
 * the open token's session: 1 with its handle in *found, 0 when there is none. */
int tern_pkcs11_find_object(const tern_pkcs11 *p, CK_OBJECT_CLASS cls, CK_OBJECT_HANDLE *found);

/* How the key is chosen, for messages: labelled "NAME" or with id HEX. */
void tern_pkcs11_describe_key(const tern_pkcs11 *p, char *out, size_t cap);

#endif
