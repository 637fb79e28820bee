/* Secrets that stay off the command line: --pw-file and --psk-file read the first line of a
 * file that only its owner may read, opened without following a symbolic link. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"

static int refuse(const char *path, const char *why, char *err, size_t cap)
{
    snprintf(err, cap, "secret file '%s': %s", path, why);
    return -1;
}

/* The first line (without its newline) of an open file, into out. */
static int first_line(int fd, char *out, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t got = read(fd, out + n, cap - 1 - n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        n += (size_t)got;
    }
    out[n] = 0;
    char *eol = strpbrk(out, "\r\n");
    if (eol) *eol = 0;
    else if (n + 1 == cap) return -1; /* longer than the room for it */
    return 0;
}

int tool_read_secret_file(const char *path, char *out, size_t cap, char *err, size_t err_cap)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return refuse(path, errno == ELOOP ? "is a symbolic link (refused)" : strerror(errno), err, err_cap);
    struct stat st;
    int r = -1;
    if (fstat(fd, &st) != 0) refuse(path, strerror(errno), err, err_cap);
    else if (!S_ISREG(st.st_mode)) refuse(path, "is not a regular file", err, err_cap);
    else if (st.st_uid != geteuid()) refuse(path, "belongs to another user", err, err_cap);
    else if (st.st_mode & (S_IRWXG | S_IRWXO))
        refuse(path, "group or others may access it (chmod 600)", err, err_cap);
    else if (first_line(fd, out, cap) != 0) refuse(path, "first line too long", err, err_cap);
    else if (!out[0]) refuse(path, "is empty", err, err_cap);
    else r = 0;
    close(fd);
    if (r != 0) memset(out, 0, cap);
    return r;
}
