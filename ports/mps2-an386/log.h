/* The firmware's log (printf style), over semihosting. Lines starting "MEASURE " carry a
 * figure (name and value) for the host-side runner; "ACTION " lines ask it to do something to
 * the broker. */
#ifndef LOG_H
#define LOG_H

void dev_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
