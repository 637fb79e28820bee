/* TLS session export and import, so that a device resumes after a reboot. */
#include <limits.h>

#include "tls_internal.h"

tern_status tern_tls_session_export(const tern_tls *t, uint8_t *buf, size_t cap, size_t *len)
{
    WOLFSSL_SESSION *s = t->session;
    if (!s) return TERN_ERR_NOT_CONNECTED;
    int n = wolfSSL_i2d_SSL_SESSION(s, NULL);
    if (n <= 0) return TERN_ERR_TLS;
    *len = (size_t)n;
    if (!buf || cap < (size_t)n) return TERN_ERR_BUFFER_TOO_SMALL;
    unsigned char *p = buf;
    return wolfSSL_i2d_SSL_SESSION(s, &p) == n ? TERN_OK : TERN_ERR_TLS;
}

tern_status tern_tls_session_import(tern_tls *t, const uint8_t *buf, size_t len)
{
    if (!buf || len == 0 || len > LONG_MAX) return TERN_ERR_INVALID_ARG;
    const unsigned char *p = buf;
    WOLFSSL_SESSION *s = wolfSSL_d2i_SSL_SESSION(NULL, &p, (long)len);
    if (!s) return TERN_ERR_INVALID_ARG;
    if (t->session) wolfSSL_SESSION_free(t->session);
    t->session = s;
    return TERN_OK;
}

void tern_tls_session_clear(tern_tls *t)
{
    if (t->session) wolfSSL_SESSION_free(t->session);
    t->session = NULL;
}
