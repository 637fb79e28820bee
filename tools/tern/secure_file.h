/* Files that hold secrets (TLS sessions, sealing keys): read only when they are this user's
 * own and private, written 0600 without following symbolic links. */
#ifndef TERN_TOOL_SECURE_FILE_H
#define TERN_TOOL_SECURE_FILE_H

#include <stddef.h>
#include <stdint.h>

enum { SECURE_FILE_ABSENT = -1, SECURE_FILE_REFUSED = -2 };

/* Read up to cap bytes of path. Refused (with one line on stderr naming `what`): a symbolic
 * link, anything but a regular file, a file another user owns, a file group or others can
 * read or write, a file larger than cap. Returns its size, SECURE_FILE_ABSENT (no such file,
 * nothing printed) or SECURE_FILE_REFUSED. */
long secure_file_read(const char *path, const char *what, uint8_t *buf, size_t cap);

/* secure_file_read's checks without its line: on SECURE_FILE_REFUSED, why (why_cap bytes)
 * says why, for a caller that words the consequence itself. */
long secure_file_check_read(const char *path, uint8_t *buf, size_t cap, char *why, size_t why_cap);

/* Write buf to path with mode 0600: a new temporary file in the same directory (O_CREAT |
 * O_EXCL | O_NOFOLLOW), fsync, then renamed over path (replace) or linked to it only if
 * path does not exist yet (!replace: SECURE_FILE_ABSENT is never returned, an existing file
 * wins and 1 is returned). 0 on success, -1 with one line on stderr. */
int secure_file_write(const char *path, const char *what, const uint8_t *buf, size_t len, int replace);

/* Clear memory that held a secret; the compiler may not remove it. */
void secure_wipe(void *p, size_t n);

#endif
