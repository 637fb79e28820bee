/* The WebSocket transport's parts that the tests reach directly: the opening handshake. */
#ifndef TERN_WS_INTERNAL_H
#define TERN_WS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"

/* Base64 of a 20-byte SHA-1 with its padding, and the terminating NUL. */
#define TERN_WS_ACCEPT_LEN 29

/* Sec-WebSocket-Accept for key: base64(SHA-1(key + the RFC 6455 GUID)), through wolfCrypt. */
tern_status tern_ws_accept_for(const char *key, char accept[TERN_WS_ACCEPT_LEN]);

/* Sec-WebSocket-Key: base64 of 16 bytes. */
tern_status tern_ws_key_from(const uint8_t nonce[16], char *key, size_t cap);

/* The GET request of the upgrade into out; *len gets its length (no NUL counted).
 * TERN_ERR_BUFFER_TOO_SMALL when it does not fit. */
tern_status tern_ws_build_request(char *out, size_t cap, const char *host, uint16_t port,
                                  int secure, const char *path, const char *key, size_t *len);

/* Check the server's response head (status line and headers up to the empty line, len bytes,
 * not NUL-terminated) to the request made with key. TERN_OK for a valid 101 with the mqtt
 * subprotocol; otherwise the status and a one-line reason in err. */
tern_status tern_ws_check_response(const char *resp, size_t len, const char *key, char *err,
                                   size_t err_cap);

#endif
