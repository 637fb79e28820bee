/* The sealing key of saved TLS sessions: one per user, private, made on first use. It lives
 * apart from the session files (which users name on the command line and may put anywhere)
 * in the user's own state directory. */
#define _GNU_SOURCE
#include "session_key.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secure_file.h"

/* $XDG_STATE_HOME/tern, or $HOME/.local/state/tern. -1 when neither variable is set. */
static int key_dir(char *dir, size_t cap)
{
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    int n;
    if (state && state[0] == '/') n = snprintf(dir, cap, "%s/tern", state);
    else if (home && home[0]) n = snprintf(dir, cap, "%s/.local/state/tern", home);
    else return -1;
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(char *dir)
{
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        int rc = mkdir(dir, 0700);
        *p = '/';
        if (rc != 0 && errno != EEXIST) return -1;
    }
    return mkdir(dir, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* The key's directory must be this user's and closed to others: whoever can write it can
 * replace the key. */
static int dir_is_private(char *dir)
{
    struct stat st;
    if (make_dirs(dir) != 0 || lstat(dir, &st) != 0) {
        fprintf(stderr, "tern: cannot create %s for the TLS session key: %s\n", dir, strerror(errno));
        return 0;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        fprintf(stderr, "tern: refusing TLS session key directory %s: it is not a directory of "
                        "this user's that only this user can write\n", dir);
        return 0;
    }
    return 1;
}

static int make_key(const char *path, uint8_t key[TERN_TLS_SESSION_KEY_SIZE])
{
    if (getrandom(key, TERN_TLS_SESSION_KEY_SIZE, 0) != TERN_TLS_SESSION_KEY_SIZE) {
        fprintf(stderr, "tern: no random bytes for the TLS session key: %s\n", strerror(errno));
        return -1;
    }
    return secure_file_write(path, "TLS session key", key, TERN_TLS_SESSION_KEY_SIZE, 0);
}

int session_key_get(uint8_t key[TERN_TLS_SESSION_KEY_SIZE])
{
    char dir[4096], path[4200];
    if (key_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, "tern: no place for the TLS session key: set HOME or XDG_STATE_HOME\n");
        return -1;
    }
    if (!dir_is_private(dir)) return -1;
    snprintf(path, sizeof path, "%s/session.key", dir);
    for (int attempt = 0; attempt < 2; attempt++) {
        long n = secure_file_read(path, "TLS session key", key, TERN_TLS_SESSION_KEY_SIZE);
        if (n == TERN_TLS_SESSION_KEY_SIZE) return 0;
        if (n >= 0) fprintf(stderr, "tern: refusing TLS session key %s: it is not %d bytes long\n", path,
                            TERN_TLS_SESSION_KEY_SIZE);
        if (n != SECURE_FILE_ABSENT) break;
        int rc = make_key(path, key);
        if (rc == 0) return 0;
        if (rc < 0) break; /* rc 1: another tern made it meanwhile: read theirs */
    }
    secure_wipe(key, TERN_TLS_SESSION_KEY_SIZE);
    return -1;
}
