/* The WebSocket opening handshake (RFC 6455 section 4): the client's GET with Upgrade and the
 * mqtt subprotocol, and the check of the server's 101 response. SHA-1 and base64 are
 * wolfCrypt's. */
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/hash.h>

#include "ws_internal.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

tern_status tern_ws_key_from(const uint8_t nonce[16], char *key, size_t cap)
{
    word32 out_len = (word32)(cap - 1);
    if (cap < 25 || Base64_Encode_NoNl(nonce, 16, (byte *)key, &out_len) != 0) return TERN_ERR_BUFFER_TOO_SMALL;
    key[out_len] = '\0';
    return TERN_OK;
}

tern_status tern_ws_accept_for(const char *key, char accept[TERN_WS_ACCEPT_LEN])
{
    char joined[64 + sizeof ws_guid];
    size_t key_len = strlen(key);
    if (key_len > 64) return TERN_ERR_INVALID_ARG;
    memcpy(joined, key, key_len);
    memcpy(joined + key_len, ws_guid, sizeof ws_guid - 1);
    byte digest[WC_SHA_DIGEST_SIZE];
    if (wc_ShaHash((const byte *)joined, (word32)(key_len + sizeof ws_guid - 1), digest) != 0)
        return TERN_ERR_WS_ACCEPT;
    word32 out_len = TERN_WS_ACCEPT_LEN - 1;
    if (Base64_Encode_NoNl(digest, sizeof digest, (byte *)accept, &out_len) != 0) return TERN_ERR_WS_ACCEPT;
    accept[out_len] = '\0';
    return TERN_OK;
}

tern_status tern_ws_build_request(char *out, size_t cap, const char *host, uint16_t port,
                                  int secure, const char *path, const char *key, size_t *len)
{
    char port_part[8] = "";
    if (port != (secure ? 443 : 80)) snprintf(port_part, sizeof port_part, ":%u", (unsigned)port);
    /* An IPv6 literal goes in brackets in the Host header (RFC 7230 section 5.4). */
    const char *open = strchr(host, ':') ? "[" : "", *close = *open ? "]" : "";
    int n = snprintf(out, cap,
                     "GET %s HTTP/1.1\r\n"
                     "Host: %s%s%s%s\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Protocol: mqtt\r\n"
                     "\r\n",
                     path, open, host, close, port_part, key);
    if (n < 0 || (size_t)n >= cap) return TERN_ERR_BUFFER_TOO_SMALL;
    *len = (size_t)n;
    return TERN_OK;
}
