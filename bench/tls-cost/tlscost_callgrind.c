/* Instructions of a connection: the measurement of one mode again, in a child under
 * `valgrind --tool=callgrind --toggle-collect=tc_measured_connect`, so that only the
 * instructions from transport open to CONNACK (user space: wolfSSL, tern, libc) are counted.
 * perf counters are not available in containers like this one; callgrind always is. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tlscost.h"

#define MAX_ARGS 40

static void add(char **argv, int *n, const char *s)
{
    if (*n < MAX_ARGS - 1) argv[(*n)++] = (char *)(uintptr_t)s;
}

/* "--flag value" for each listener and credential the mode may need. */
static void add_target(const tc_options *o, char **argv, int *n, char ports[TC_ROLES][8])
{
    static const char *flags[TC_ROLES] = {"-p", "--tls-port", "--rsa-port", "--psk-port"};
    add(argv, n, "-h");
    add(argv, n, o->host);
    for (int i = 0; i < TC_ROLES; i++) {
        snprintf(ports[i], 8, "%u", (unsigned)o->ports[i]);
        add(argv, n, flags[i]);
        add(argv, n, ports[i]);
    }
    if (o->cafile) { add(argv, n, "--cafile"); add(argv, n, o->cafile); }
    if (o->psk) { add(argv, n, "--psk"); add(argv, n, o->psk); }
    if (o->psk_identity) { add(argv, n, "--psk-identity"); add(argv, n, o->psk_identity); }
    add(argv, n, "-V");
    add(argv, n, o->version == 5 ? "5" : "311");
}

static double read_totals(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[256];
    double ir = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "totals:", 7) || (ir < 0 && !strncmp(line, "summary:", 8)))
            ir = strtod(strchr(line, ':') + 1, NULL);
    fclose(f);
    return ir;
}

static int run_child(char **argv)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

double tc_callgrind(const tc_options *o, const tc_mode *m, const char *argv0)
{
    char self[4096], out[64], ports[TC_ROLES][8];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) snprintf(self, sizeof self, "%s", argv0);
    else self[len] = 0;
    snprintf(out, sizeof out, "/tmp/tern-tls-cost-%ld.callgrind", (long)getpid());
    char outflag[96];
    snprintf(outflag, sizeof outflag, "--callgrind-out-file=%s", out);
    char *argv[MAX_ARGS];
    int n = 0;
    add(argv, &n, "valgrind");
    add(argv, &n, "--tool=callgrind");
    add(argv, &n, "--toggle-collect=tc_measured_connect");
    add(argv, &n, outflag);
    add(argv, &n, self);
    add_target(o, argv, &n, ports);
    add(argv, &n, "--callgrind-child");
    add(argv, &n, m->id);
    argv[n] = NULL;
    double ir = run_child(argv) == 0 ? read_totals(out) : -1;
    unlink(out);
    return ir;
}
