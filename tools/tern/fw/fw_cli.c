/* tern fw: parse `keygen`, `push` and `agent` (their own flags plus the connection flags of
 * tern pub/sub, TLS included), the topic layout, and the progress bar. */
#define _POSIX_C_SOURCE 200809L
#include "fw.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char fw_usage[] =
    "usage: tern fw keygen --out NAME [--type ed25519|p256]\n"
    "       tern fw push  <connection flags> --key NAME|pkcs11:URI --version V --device-class C\n"
    "                     [--topic-prefix P] [--chunk-size N] [--manifest-out FILE] IMAGE\n"
    "                     (pkcs11:URI: an EC P-256 key in a token, as --key in tern pub)\n"
    "       tern fw agent <connection flags> --trust NAME.pub [--trust ...] --device-class C\n"
    "                     [--topic-prefix P] --install-dir DIR [--device-id ID] [--once]\n"
    "                     the status goes to P/C/status/ID, ID being the client id unless given\n"
    "                     (the default client id names the host: give -i or --device-id to hide it)\n"
    "connection flags: as tern pub/sub (-h -p -i -u -P -k -V, --cafile --capath --psk ...);\n"
    "                  a TLS client certificate is --cert (or --tls-cert); its key is --key in\n"
    "                  agent, --tls-key in push (where --key names the signing key)\n";

/* --key names the signing key in tern fw; a TLS client key is given as --tls-key. */
static int fw_flag(fw_options *f, const char *a, const char *v, int *used, int agent)
{
    char *end = NULL;
    *used = 1;
    if (!strcmp(a, "--once")) { f->once = 1; *used = 0; }
    else if (!v) return 0;
    else if (!strcmp(a, "--key") && agent) f->conn.key = v, f->conn.tls = 1; /* as pub/sub: no signing key here */
    else if (!strcmp(a, "--key")) f->key = v;
    else if (!strcmp(a, "--trust")) {
        if (f->trust_count == FW_MAX_TRUST) return -1;
        f->trust[f->trust_count++] = v;
    } else if (!strcmp(a, "--device-class")) f->device_class = v;
    else if (!strcmp(a, "--topic-prefix")) f->prefix = v;
    else if (!strcmp(a, "--install-dir")) f->install_dir = v;
    else if (!strcmp(a, "--device-id")) f->device_id = v;
    else if (!strcmp(a, "--out")) f->out = v;
    else if (!strcmp(a, "--type")) f->key_type = v;
    else if (!strcmp(a, "--manifest-out")) f->manifest_out = v;
    else if (!strcmp(a, "--version")) {
        f->version = strtoull(v, &end, 10);
        if (!*v || *end || f->version == 0) return -1;
    } else if (!strcmp(a, "--chunk-size")) {
        unsigned long n = strtoul(v, &end, 10);
        if (!*v || *end || n < 16 || n > 65536) return -1;
        f->chunk_size = (uint32_t)n;
    } else if (!strcmp(a, "--tls-cert") || !strcmp(a, "--cert")) f->conn.cert = v, f->conn.tls = 1;
    else if (!strcmp(a, "--tls-key")) f->conn.key = v, f->conn.tls = 1;
    else return 0;
    return 1;
}

static int parse(fw_options *f, int agent, int argc, char **argv, char *err, size_t cap)
{
    memset(f, 0, sizeof *f);
    tool_options_defaults(&f->conn, TOOL_FW);
    f->prefix = FW_DEFAULT_PREFIX;
    f->chunk_size = FW_DEFAULT_CHUNK;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = 0, r = fw_flag(f, a, v, &used, agent);
        if (r < 0) return snprintf(err, cap, "invalid value '%s' for %s", v ? v : "", a), -1;
        if (r > 0) {
            i += used;
            continue;
        }
        if (a[0] != '-' && !f->image) {
            f->image = a;
            continue;
        }
        r = tool_parse_one(&f->conn, argc, argv, &i, err, cap);
        if (r < 0) return -1;
        if (r == 0) return snprintf(err, cap, "unknown option or missing value: %s", a), -1;
    }
    return tool_options_finish(&f->conn, err, cap);
}

static int require(const char *cmd, int ok, const char *what)
{
    if (!ok) fprintf(stderr, "tern fw %s: %s\n%s", cmd, what, fw_usage);
    return ok;
}

int tool_fw(int argc, char **argv)
{
    fw_options f;
    char err[256];
    if (argc < 1 || !strcmp(argv[0], "--help")) {
        fputs(fw_usage, argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    const char *cmd = argv[0];
    if (parse(&f, !strcmp(cmd, "agent"), argc - 1, argv + 1, err, sizeof err) != 0) {
        fprintf(stderr, "tern fw %s: %s\n", cmd, err);
        return 2;
    }
    if (!strcmp(cmd, "keygen")) return fw_keygen(&f);
    int cls_ok = f.device_class && *f.device_class && strlen(f.device_class) < TERN_FW_CLASS_MAX &&
                 !strpbrk(f.device_class, "/+#");
    if (!strcmp(cmd, "push")) {
        if (!require(cmd, f.key && f.version && f.image && cls_ok,
                     "needs --key, --version, --device-class (1-31 characters, no / + #) and IMAGE"))
            return 2;
        return fw_push(&f);
    }
    if (!strcmp(cmd, "agent")) {
        if (!require(cmd, f.trust_count > 0 && f.install_dir && cls_ok,
                     "needs --trust, --device-class (1-31 characters, no / + #) and --install-dir"))
            return 2;
        return fw_agent(&f);
    }
    fprintf(stderr, "tern fw: unknown command '%s'\n%s", cmd, fw_usage);
    return 2;
}

void fw_topic_manifest(char *out, size_t cap, const fw_options *o)
{
    snprintf(out, cap, "%s/%s/manifest", o->prefix, o->device_class);
}

void fw_topic_chunk(char *out, size_t cap, const fw_options *o, const uint8_t *update_id, uint32_t index)
{
    char id[2 * TERN_FW_UPDATE_ID_LEN + 1];
    for (int i = 0; i < TERN_FW_UPDATE_ID_LEN; i++) snprintf(id + 2 * i, 3, "%02x", update_id[i]);
    snprintf(out, cap, "%s/%s/%s/%lu", o->prefix, o->device_class, id, (unsigned long)index);
}

void fw_progress(const char *what, uint64_t done, uint64_t total)
{
    if (!isatty(STDERR_FILENO) || total == 0) return;
    int width = 40, fill = (int)(done * (uint64_t)width / total);
    fprintf(stderr, "\r%s [%.*s%*s] %3d%% %llu/%llu", what, fill, "========================================",
            width - fill, "", (int)(done * 100 / total), (unsigned long long)done, (unsigned long long)total);
    if (done == total) fputc('\n', stderr);
    fflush(stderr);
}
