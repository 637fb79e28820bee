/* tern sub -F: the format language of mosquitto_sub 2.0.11 (its man page, FORMAT), printed as
 * it prints it: %-directives with flags, width and precision, @-directives for strftime, and
 * \-escapes. */
#ifndef TERN_TOOL_SUB_FORMAT_H
#define TERN_TOOL_SUB_FORMAT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "tern/codec.h"

/* Check a format before connecting: 0, or -1 with a one-line message in err. */
int tool_format_check(const char *format, char *err, size_t cap);

/* Print m with a checked format. escape: control characters of the strings the broker
 * chose (topic, content type, response topic, user properties) as \xNN. */
void tool_format_print(FILE *out, const char *format, const tern_publish *m, int escape);

/* %j and %J (sub_format_json.c): the message as one JSON object, as mosquitto_sub prints it;
 * raw: the payload as JSON itself (%J), or, when it is not valid JSON, nothing printed and
 * one line on stderr. */
void tool_format_json(FILE *out, const tern_publish *m, const struct tm *tm, long ns, int raw);

/* %J's payload (sub_format_json_payload.c) parsed as cJSON parses it and printed as cJSON
 * prints it (null when empty); out NULL: only check. 1, or 0 when it is not valid JSON (and
 * nothing was printed). */
int tool_format_json_payload(FILE *out, tern_bytes payload);

/* The first property `id` of m (MQTT 5), or NULL when it has none. */
const tern_prop *tool_format_prop(const tern_publish *m, uint8_t id, tern_prop *out);

#endif
