#include "log.h"

#include <stdarg.h>
#include <stdio.h>

#include "semihost.h"

void dev_log(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t end = (size_t)n < sizeof line - 2 ? (size_t)n : sizeof line - 2;
    line[end] = '\n';
    line[end + 1] = '\0';
    semihost_write(line);
}
