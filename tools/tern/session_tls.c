/* The CLI's TLS extras: the session file of --tls-session (resume after a restart) and the
 * -d line that says how the connection was secured. */
#include <stdio.h>

#include "session.h"

tern_tcp *tool_tcp(tool_session *s) { return s->use_tls ? &s->tls.tcp : &s->tcp; }

void tool_tls_session_load(tool_session *s)
{
    if (!s->o->tls_session) return;
    FILE *f = fopen(s->o->tls_session, "rb");
    if (!f) return; /* first run: nothing saved yet */
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (n > 0 && tern_tls_session_import(&s->tls, buf, n) != TERN_OK)
        fprintf(stderr, "tern: warning: TLS session in %s is unusable; making a full handshake\n",
                s->o->tls_session);
}

void tool_tls_session_save(tool_session *s)
{
    if (!s->o->tls_session) return;
    uint8_t buf[4096];
    size_t n = 0;
    if (tern_tls_session_export(&s->tls, buf, sizeof buf, &n) != TERN_OK) return;
    FILE *f = fopen(s->o->tls_session, "wb");
    if (!f || fwrite(buf, 1, n, f) != n)
        fprintf(stderr, "tern: warning: cannot save the TLS session to %s\n", s->o->tls_session);
    if (f) fclose(f);
}

void tool_tls_describe(tool_session *s)
{
    const char *alpn = tern_tls_alpn(&s->tls);
    fprintf(stderr, "Client %s TLS %s %s, %s%s%s\n", s->client_id, tern_tls_version(&s->tls),
            tern_tls_cipher(&s->tls), tern_tls_resumed(&s->tls) ? "session resumed" : "full handshake",
            alpn[0] ? ", ALPN " : "", alpn);
}
