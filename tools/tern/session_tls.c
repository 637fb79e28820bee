/* The CLI's TLS extras: the session file of --tls-session (resume after a restart) and the
 * -d line that says how the connection was secured. */
#include <stdio.h>

#include "secure_file.h"
#include "session.h"
#include "session_key.h"

tern_tcp *tool_tcp(tool_session *s) { return s->use_tls ? &s->tls.tcp : &s->tcp; }

/* Big enough for any session tern exports (a TLS 1.3 ticket and the server's chain). */
#define SESSION_FILE_MAX 16384

void tool_tls_session_load(tool_session *s)
{
    const char *path = s->o->tls_session;
    if (!path) return;
    static uint8_t buf[SESSION_FILE_MAX];
    uint8_t key[TERN_TLS_SESSION_KEY_SIZE];
    char why[160];
    long n = secure_file_check_read(path, buf, sizeof buf, why, sizeof why);
    /* Refused: not read, and replaced at exit by a new 0600 file of this user's (the rename
     * replaces a link, never writes through it). Replacing rather than leaving it is the
     * safer way: a file others could read no longer holds a session after this run. */
    if (n == SECURE_FILE_REFUSED)
        fprintf(stderr, "tern: ignoring TLS session file %s: %s; a new session is saved there\n", path, why);
    /* Absent (first run) or refused: a full handshake. */
    if (n <= 0) return;
    if (session_key_get(key) == 0) {
        if (tern_tls_session_import(&s->tls, key, buf, (size_t)n) != TERN_OK)
            fprintf(stderr, "tern: warning: %s: %s; making a full handshake\n", path, tern_tls_error(&s->tls));
        secure_wipe(key, sizeof key);
    }
    secure_wipe(buf, (size_t)n);
}

void tool_tls_session_save(tool_session *s)
{
    const char *path = s->o->tls_session;
    if (!path) return;
    static uint8_t buf[SESSION_FILE_MAX];
    uint8_t key[TERN_TLS_SESSION_KEY_SIZE];
    size_t n = 0;
    if (session_key_get(key) != 0) return;
    tern_status st = tern_tls_session_export(&s->tls, key, buf, sizeof buf, &n);
    secure_wipe(key, sizeof key);
    if (st == TERN_OK) (void)secure_file_write(path, "the TLS session to", buf, n, 1);
    else if (st != TERN_ERR_NOT_CONNECTED)
        fprintf(stderr, "tern: warning: cannot save the TLS session to %s: %s\n", path, tern_status_str(st));
    secure_wipe(buf, sizeof buf);
}

void tool_tls_describe(tool_session *s)
{
    const char *alpn = tern_tls_alpn(&s->tls);
    fprintf(stderr, "Client %s TLS %s %s, %s%s%s\n", s->client_id, tern_tls_version(&s->tls),
            tern_tls_cipher(&s->tls), tern_tls_resumed(&s->tls) ? "session resumed" : "full handshake",
            alpn[0] ? ", ALPN " : "", alpn);
}
