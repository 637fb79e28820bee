/* Printing what tern sub receives (sub_print.c). */
#ifndef TERN_TOOL_SUB_PRINT_H
#define TERN_TOOL_SUB_PRINT_H

#include <stdio.h>

#include "options.h"
#include "tern/codec.h"

/* Does the topic hold a C0 or C1 control character or DEL? */
int tool_has_control_chars(tern_bytes topic);

/* A topic, with its control characters as \xNN when escape is set. */
void tool_print_topic(FILE *out, tern_bytes topic, int escape);

/* A message as -v, -N and -F ask; escape: control characters of the topic as \xNN. */
void tool_print_message(FILE *out, const tool_options *o, const tern_publish *m, int escape);

#endif
