/* Secret files: private to this user on reading, created 0600 and replaced atomically on
 * writing, never through a symbolic link. */
#define _GNU_SOURCE
#include "secure_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void secure_wipe(void *p, size_t n) { explicit_bzero(p, n); }

/* Why an open file may not be trusted with a secret, or NULL when it may. */
static const char *distrust(const struct stat *st, char *why, size_t cap)
{
    if (!S_ISREG(st->st_mode)) return "it is not a regular file";
    if (st->st_uid != geteuid()) {
        snprintf(why, cap, "it is owned by uid %u, not by this user (uid %u)", (unsigned)st->st_uid,
                 (unsigned)geteuid());
        return why;
    }
    if (st->st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(why, cap, "group or others can read or write it (mode %03o; chmod 600 it)",
                 (unsigned)(st->st_mode & 0777));
        return why;
    }
    return NULL;
}

long secure_file_check_read(const char *path, uint8_t *buf, size_t cap, char *why, size_t why_cap)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return SECURE_FILE_ABSENT;
    if (fd < 0) {
        snprintf(why, why_cap, "%s", errno == ELOOP ? "it is a symbolic link" : strerror(errno));
        return SECURE_FILE_REFUSED;
    }
    struct stat st;
    char reason[120];
    const char *bad = fstat(fd, &st) != 0 ? strerror(errno) : distrust(&st, reason, sizeof reason);
    if (!bad && (uintmax_t)st.st_size > cap) {
        snprintf(reason, sizeof reason, "it is larger than the %zu bytes tern takes there", cap);
        bad = reason;
    }
    ssize_t n = bad ? -1 : read(fd, buf, cap);
    if (!bad && n < 0) bad = strerror(errno);
    close(fd);
    if (bad) {
        snprintf(why, why_cap, "%s", bad);
        return SECURE_FILE_REFUSED;
    }
    return (long)n;
}

long secure_file_read(const char *path, const char *what, uint8_t *buf, size_t cap)
{
    char why[160];
    long n = secure_file_check_read(path, buf, cap, why, sizeof why);
    if (n == SECURE_FILE_REFUSED) fprintf(stderr, "tern: refusing %s %s: %s\n", what, path, why);
    return n;
}

/* A new file next to path, 0600, with buf in it and on disk; its name in tmp. -1 on failure. */
static int write_temporary(const char *path, const uint8_t *buf, size_t len, char *tmp, size_t cap)
{
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        if ((size_t)snprintf(tmp, cap, "%s.%ld.%u.tmp", path, (long)getpid(), attempt) >= cap) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST) continue;
        if (fd < 0) return -1;
        int ok = fchmod(fd, 0600) == 0 && write(fd, buf, len) == (ssize_t)len && fsync(fd) == 0;
        int saved = errno;
        if (close(fd) != 0) ok = 0;
        if (ok) return 0;
        unlink(tmp);
        errno = saved;
        return -1;
    }
    errno = EEXIST;
    return -1;
}

int secure_file_write(const char *path, const char *what, const uint8_t *buf, size_t len, int replace)
{
    char tmp[4200];
    int rc = write_temporary(path, buf, len, tmp, sizeof tmp);
    if (rc == 0) {
        rc = replace ? rename(tmp, path) : link(tmp, path);
        int saved = errno;
        if (rc != 0 || !replace) unlink(tmp);
        errno = saved;
        if (rc != 0 && !replace && errno == EEXIST) return 1; /* created meanwhile: it wins */
    }
    if (rc != 0) fprintf(stderr, "tern: warning: cannot save %s %s: %s\n", what, path, strerror(errno));
    return rc == 0 ? 0 : -1;
}
