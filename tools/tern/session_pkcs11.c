/* --key pkcs11:...: the client key in a PKCS#11 token for mutual TLS (pkcs11_open.c opens
 * the token the URI names). */
#include <stdio.h>

#include "pkcs11_uri.h"
#include "session.h"

int tool_pkcs11_attach(tool_session *s)
{
    if (tool_pkcs11_open(s->o->key, &s->p11) != 0) return -1;
    s->use_p11 = 1;
#ifdef TERN_HAVE_PKCS11
    if (tern_tls_use_pkcs11_key(&s->tls, &s->p11, s->o->cert) != TERN_OK) {
        fprintf(stderr, "tern: TLS: %s\n", tern_tls_error(&s->tls));
        return -1;
    }
#endif
    return 0;
}

void tool_pkcs11_free(tool_session *s)
{
#ifdef TERN_HAVE_PKCS11
    if (s->use_p11) tern_pkcs11_close(&s->p11);
#endif
    s->use_p11 = 0;
}
