/* Open the token a --key pkcs11:URI names, for TLS (session_pkcs11.c) and for signing
 * firmware (fw_token.c). The PIN comes from pin-source (a file only its owner can read, not a
 * symlink) or, for tests, pin-value with a warning. */
#include <stdio.h>
#include <string.h>

#include "pkcs11_uri.h"
#include "secure_file.h"

#ifdef TERN_HAVE_PKCS11
/* The PIN file's first line into pin: a private regular file of this user (secure_file.c).
 * 0, or -1 with one line printed. */
static int read_pin_file(const char *path, char *pin, size_t cap)
{
    long n = secure_file_read(path, "PKCS#11 PIN file", (uint8_t *)pin, cap - 1);
    if (n == SECURE_FILE_ABSENT) fprintf(stderr, "tern: PKCS#11 PIN file %s: no such file\n", path);
    if (n < 0) return -1;
    pin[n] = '\0';
    pin[strcspn(pin, "\r\n")] = '\0';
    return 0;
}

static int open_token(tern_pkcs11 *p, const tool_pkcs11_uri *u)
{
    char pin[128] = "";
    if (u->has_pin_value) {
        fprintf(stderr, "tern: warning: pin-value puts the PKCS#11 PIN on the command line, where "
                        "other users can see it; use pin-source=file:... outside tests\n");
        snprintf(pin, sizeof pin, "%s", u->pin_value);
    } else if (u->pin_source[0] && read_pin_file(u->pin_source, pin, sizeof pin) != 0) {
        return -1;
    }
    tern_pkcs11_config pc = {0};
    pc.module_path = u->module_path;
    pc.token_label = u->token[0] ? u->token : NULL;
    pc.slot = u->slot;
    pc.pin = pin;
    pc.pin_len = strlen(pin);
    pc.key_label = u->object[0] ? u->object : NULL;
    pc.key_id = u->id_len ? u->id : NULL;
    pc.key_id_len = u->id_len;
    tern_status st = tern_pkcs11_open(p, &pc);
    secure_wipe(pin, sizeof pin);
    if (st != TERN_OK) {
        fprintf(stderr, "tern: %s\n", tern_pkcs11_error(p));
        return -1;
    }
    return 0;
}
#endif

int tool_pkcs11_open(const char *uri, tern_pkcs11 *p)
{
#ifdef TERN_HAVE_PKCS11
    tool_pkcs11_uri u;
    char err[256];
    if (tool_parse_pkcs11_uri(uri, &u, err, sizeof err) != 0) {
        fprintf(stderr, "tern: %s\n", err);
        return -1;
    }
    return open_token(p, &u);
#else
    (void)uri, (void)p;
    fprintf(stderr, "tern: this build has no PKCS#11 support (TERN_WITH_PKCS11=OFF)\n");
    return -1;
#endif
}
