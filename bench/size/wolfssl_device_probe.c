/* What wolfSSL's device profile costs without the parts tern's TLS transport adds
 * (ports/mps2-an386/user_settings.h with TERN_DEVICE_WOLFSSL_LEAN): a TLS 1.3 client that
 * verifies the server against a CA in memory, checks its name, sends SNI, resumes with a ticket
 * and can use a PSK, written straight on wolfSSL's native API. Linked, not run:
 * `make -C ports/mps2-an386 wolfssl-lean` prints its wolfSSL share (docs/device.md). */
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/ssl.h>

static int probe_recv(WOLFSSL *ssl, char *buf, int len, void *ctx)
{
    (void)ssl;
    (void)buf;
    (void)ctx;
    return len > 0 ? WOLFSSL_CBIO_ERR_WANT_READ : 0;
}

static int probe_send(WOLFSSL *ssl, char *buf, int len, void *ctx)
{
    (void)ssl;
    (void)buf;
    (void)ctx;
    return len;
}

static unsigned int probe_psk(WOLFSSL *ssl, const char *hint, char *identity,
                              unsigned int id_max, unsigned char *key, unsigned int key_max)
{
    (void)ssl;
    (void)hint;
    if (id_max < 2 || key_max < 16) return 0;
    identity[0] = 'x';
    identity[1] = '\0';
    for (unsigned int i = 0; i < 16; i++) key[i] = (unsigned char)i;
    return 16;
}

extern const unsigned char device_test_ca[];
extern const unsigned int device_test_ca_len;

int main(void)
{
    static unsigned char buf[64];
    wolfSSL_Init();
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
    if (!ctx) return 1;
    wolfSSL_CTX_load_verify_buffer(ctx, device_test_ca, (long)device_test_ca_len,
                                   WOLFSSL_FILETYPE_ASN1);
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
    wolfSSL_CTX_set_psk_client_callback(ctx, probe_psk);
    wolfSSL_SetIORecv(ctx, probe_recv);
    wolfSSL_SetIOSend(ctx, probe_send);
    WOLFSSL_SESSION *session = NULL;
    for (int round = 0; round < 2; round++) {
        WOLFSSL *ssl = wolfSSL_new(ctx);
        if (!ssl) return 2;
        wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, "localhost", 9);
        wolfSSL_check_domain_name(ssl, "localhost");
        wolfSSL_UseSessionTicket(ssl);
        if (session) wolfSSL_set_session(ssl, session);
        if (wolfSSL_connect(ssl) == WOLFSSL_SUCCESS) {
            wolfSSL_write(ssl, buf, sizeof buf);
            wolfSSL_read(ssl, buf, sizeof buf);
            session = wolfSSL_get1_session(ssl);
        }
        wolfSSL_shutdown(ssl);
        wolfSSL_free(ssl);
    }
    wolfSSL_SESSION_free(session);
    wolfSSL_CTX_free(ctx);
    return 0;
}
