/* tern: the command-line client. `tern pub` and `tern sub` take mosquitto_pub/sub's flags. */
#include <stdio.h>
#include <string.h>

#include "fw.h"
#include "tool.h"

static int usage(FILE *f)
{
    fprintf(f, "usage: tern <command> [options]\n"
               "  pub   publish a message (like mosquitto_pub)\n"
               "  sub   subscribe and print messages (like mosquitto_sub)\n"
               "  fw    signed firmware update: keygen, push (publisher), agent (device)\n"
               "tern <command> --help shows a command's options.\n");
    return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) return usage(stderr);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) return usage(stdout);
    tool_mode mode;
    if (!strcmp(argv[1], "fw")) return tool_fw(argc - 2, argv + 2);
    if (!strcmp(argv[1], "pub")) mode = TOOL_PUB;
    else if (!strcmp(argv[1], "sub")) mode = TOOL_SUB;
    else {
        fprintf(stderr, "tern: unknown command '%s'\n", argv[1]);
        return usage(stderr);
    }
    tool_options o;
    char err[256];
    int r = tool_parse_options(&o, mode, argc - 1, argv + 1, err, sizeof err);
    if (r == 1) {
        tool_print_usage(mode, stdout);
        return 0;
    }
    if (r < 0) {
        fprintf(stderr, "tern %s: %s\n(tern %s --help lists every option)\n", argv[1], err, argv[1]);
        return 2;
    }
    /* --quiet, as mosquitto's: no error messages (a -d trace still asks for stderr). */
    if (o.quiet && !o.debug && !freopen("/dev/null", "w", stderr)) return 1;
    return mode == TOOL_PUB ? tool_pub(&o) : tool_sub(&o);
}
