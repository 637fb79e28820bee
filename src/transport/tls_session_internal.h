/* Shared by the session files of the wolfSSL transport: what a saved session is bound to. */
#ifndef TERN_TLS_SESSION_INTERNAL_H
#define TERN_TLS_SESSION_INTERNAL_H

#include "tern/tls.h"

/* How much of the server's identity the handshakes under a configuration verified. */
enum { TLS_VERIFIED_NOTHING = 0, TLS_VERIFIED_CHAIN = 1, TLS_VERIFIED_CHAIN_AND_NAME = 2 };

/* Fill t->session_binding with a digest of everything a session's trust rests on: the server
 * name, host and port (TLS over TCP), what was verified, the TLS versions allowed, the contents of the
 * trusted CA file, directory or system store, the client certificate and the PSK. Called by
 * tern_tls_init once the configuration has loaded. TERN_ERR_TLS_CONFIG (with t->error set) when a file cannot be read. */
tern_status tern_tls_session_bind(tern_tls *t, const tern_tls_config *cfg);

/* What a connection under t's configuration verifies (TLS_VERIFIED_*). */
uint8_t tern_tls_verify_level(const tern_tls *t);

#endif
