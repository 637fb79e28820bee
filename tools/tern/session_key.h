/* The key that seals this user's saved TLS sessions (--tls-session). */
#ifndef TERN_TOOL_SESSION_KEY_H
#define TERN_TOOL_SESSION_KEY_H

#include <stdint.h>

#include "tern/tls.h"

/* The sealing key, from $XDG_STATE_HOME/tern/session.key (default
 * ~/.local/state/tern/session.key), made of random bytes on first use: the directory 0700,
 * the file 0600. Both must belong to this user and be closed to group and others. 0, or -1
 * with one line on stderr. */
int session_key_get(uint8_t key[TERN_TLS_SESSION_KEY_SIZE]);

#endif
