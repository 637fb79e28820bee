/* tern fw: parse `keygen`, `push` and `agent` with the table parser (args.h): their own
 * flags plus the connection flags of tern pub/sub, TLS included, each meaning what it means
 * there; the topic layout, and the progress bar. */
#define _POSIX_C_SOURCE 200809L
#include "fw.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { FW_KEYGEN, FW_PUSH, FW_AGENT } fw_command;
static const char *const fw_commands[] = {"keygen", "push", "agent"};

#define KEYGEN (1u << FW_KEYGEN)
#define PUSH (1u << FW_PUSH)
#define AGENT (1u << FW_AGENT)
#define AT(field) offsetof(fw_options, field)

static const char fw_usage[] =
    "usage: tern fw keygen --out NAME [--type ed25519|p256]\n"
    "       tern fw push  [connection flags] --signing-key NAME|pkcs11:URI --version V\n"
    "                     --device-class C [--topic-prefix P] [--chunk-size N] [--manifest-out FILE] IMAGE\n"
    "       tern fw agent [connection flags] --trust NAME.pub [--trust ...] --device-class C\n"
    "                     [--topic-prefix P] --install-dir DIR [--device-id ID] [--once]\n"
    "connection flags: as tern pub/sub (-h -p -i -u -P -k -V -d, --cafile --cert --key --psk ...);\n"
    "tern fw COMMAND --help lists every flag of COMMAND.\n";

static int add_trust(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    fw_options *f = opts;
    (void)arg, (void)rest;
    if (f->trust_count == FW_MAX_TRUST) return snprintf(err, cap, "at most %d --trust keys", FW_MAX_TRUST), -1;
    f->trust[f->trust_count++] = v;
    return 0;
}

static int set_version(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    char *end = NULL;
    (void)arg, (void)rest;
    unsigned long long n = strtoull(v, &end, 10);
    if (!*v || *end || *v == '-' || n == 0) return snprintf(err, cap, "invalid value '%s' for --version (1 or more)", v), -1;
    ((fw_options *)opts)->version = n;
    return 0;
}

static int set_chunk_size(void *opts, const tool_arg *arg, const char *v, tool_args_rest *rest, char *err, size_t cap)
{
    long n;
    (void)arg, (void)rest;
    if (tool_parse_number(v, 16, 65536, &n)) return snprintf(err, cap, "invalid value '%s' for --chunk-size (16 to 65536)", v), -1;
    ((fw_options *)opts)->chunk_size = (uint32_t)n;
    return 0;
}

/* tern fw's own flags; the connection flags are tern pub/sub's rows (options.c), parsed by
 * the same parser in the same pass. */
static const tool_arg fw_table[] = {
    {0, "out", "NAME", KEYGEN, tool_arg_string, AT(out), 0, 0, "write the private key to NAME (0600) and the public key to NAME.pub"},
    {0, "type", "TYPE", KEYGEN, tool_arg_string, AT(key_type), 0, 0, "ed25519 (default) or p256"},
    {0, "signing-key", "KEY", PUSH, tool_arg_string, AT(signing_key), 0, 0, "sign with KEY: a file written by keygen, or pkcs11:URI (an EC P-256 key in a token)"},
    {0, "version", "V", PUSH, set_version, 0, 0, 0, "the image's version (a number from 1; devices refuse older ones)"},
    {0, "device-class", "C", PUSH | AGENT, tool_arg_string, AT(device_class), 0, 0, "the class of devices (1-31 characters, no / + #)"},
    {0, "topic-prefix", "P", PUSH | AGENT, tool_arg_string, AT(prefix), 0, 0, "topics under P (default " FW_DEFAULT_PREFIX ")"},
    {0, "chunk-size", "N", PUSH, set_chunk_size, 0, 0, 0, "bytes per chunk, 16 to 65536 (default 1024)"},
    {0, "manifest-out", "FILE", PUSH, tool_arg_string, AT(manifest_out), 0, 0, "also write the signed manifest to FILE"},
    {0, "trust", "NAME.pub", AGENT, add_trust, 0, 0, 0, "install images signed by this public key (repeatable, up to 8)"},
    {0, "install-dir", "DIR", AGENT, tool_arg_string, AT(install_dir), 0, 0, "where verified images are installed"},
    {0, "device-id", "ID", AGENT, tool_arg_string, AT(device_id), 0, 0, "status topic P/C/status/ID (default: the client id, which names the host unless -i)"},
    {0, "once", NULL, AGENT, tool_arg_true, AT(once), 0, 0, "exit after the first update (installed or refused)"},
};
#define FW_TABLE_SIZE (sizeof fw_table / sizeof fw_table[0])

static int take_image(void *opts, const char *word, char *err, size_t cap)
{
    fw_options *f = opts;
    if (f->image) return snprintf(err, cap, "one IMAGE only ('%s' and '%s')", f->image, word), -1;
    f->image = word;
    return 0;
}

static void print_help(fw_command cmd, fw_options *f)
{
    fputs(fw_usage, stdout);
    printf("Flags of tern fw %s:\n", fw_commands[cmd]);
    tool_args_help(stdout, fw_table, FW_TABLE_SIZE, cmd);
    if (cmd == FW_KEYGEN) return;
    tool_arg_table conn = tool_options_table(&f->conn);
    tool_args_help(stdout, conn.rows, conn.count, conn.mode);
}

/* 0 when usable, 1 for --help (printed), -1 with a message in err. */
static int parse(fw_options *f, fw_command cmd, int argc, char **argv, char *err, size_t cap)
{
    memset(f, 0, sizeof *f);
    tool_options_defaults(&f->conn, TOOL_FW);
    f->prefix = FW_DEFAULT_PREFIX;
    f->chunk_size = FW_DEFAULT_CHUNK;
    tool_arg_table tables[2] = {{fw_table, FW_TABLE_SIZE, cmd, f}, tool_options_table(&f->conn)};
    int r = tool_args_parse_tables(tables, cmd == FW_KEYGEN ? 1 : 2, argc, argv,
                                   cmd == FW_PUSH ? take_image : NULL, f, err, cap);
    if (r == 1) print_help(cmd, f);
    if (r != 0) return r;
    if (cmd == FW_PUSH && f->conn.key && !f->signing_key && !f->conn.cert)
        return snprintf(err, cap, "--key is the TLS client key, as in tern pub/sub; the signing key is --signing-key"), -1;
    return tool_options_finish(&f->conn, err, cap);
}

static int class_ok(const fw_options *f)
{
    return f->device_class && *f->device_class && strlen(f->device_class) < TERN_FW_CLASS_MAX &&
           !strpbrk(f->device_class, "/+#");
}

/* What each command cannot do without: NULL when it has it all. */
static const char *missing(fw_command cmd, const fw_options *f)
{
    if (cmd == FW_KEYGEN) return f->out ? NULL : "needs --out NAME";
    if (cmd == FW_PUSH && !(f->signing_key && f->version && f->image && class_ok(f)))
        return "needs --signing-key, --version, --device-class (1-31 characters, no / + #) and IMAGE";
    if (cmd == FW_AGENT && !(f->trust_count > 0 && f->install_dir && class_ok(f)))
        return "needs --trust, --device-class (1-31 characters, no / + #) and --install-dir";
    return NULL;
}

int tool_fw(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help")) {
        fputs(fw_usage, argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    fw_command cmd = FW_KEYGEN;
    while (cmd <= FW_AGENT && strcmp(argv[0], fw_commands[cmd])) cmd++;
    if (cmd > FW_AGENT) {
        fprintf(stderr, "tern fw: unknown command '%s'\n%s", argv[0], fw_usage);
        return 2;
    }
    fw_options f;
    char err[256] = "";
    int r = parse(&f, cmd, argc, argv, err, sizeof err);
    if (r == 1) return 0;
    const char *lack = r == 0 ? missing(cmd, &f) : NULL;
    if (r < 0 || lack) {
        if (r < 0 && !err[0]) return 2; /* the one line was printed where the failure was found */
        fprintf(stderr, "tern fw %s: %s\n(tern fw %s --help lists every flag)\n", argv[0], lack ? lack : err, argv[0]);
        return 2;
    }
    if (cmd == FW_KEYGEN) return fw_keygen(&f);
    return cmd == FW_PUSH ? fw_push(&f) : fw_agent(&f);
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
