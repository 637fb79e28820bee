/* tern pub's message: -m, -f FILE or -s, read into memory up to the largest payload one MQTT
 * packet can carry, and never further (an endless source such as /dev/zero ends there). */
#ifndef TERN_TOOL_PUB_MESSAGE_H
#define TERN_TOOL_PUB_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"

/* The largest payload a PUBLISH of o can carry: MQTT's largest Remaining Length less the
 * topic, the packet id (QoS 1 and 2) and the MQTT 5 properties. */
size_t pub_payload_limit(const tool_options *o);

/* The message of o into *data (malloc'd; the caller frees it), its size in *len. -1 after one
 * line on stderr: the file cannot be opened or read, or it holds more than
 * pub_payload_limit(o) bytes ("tern: message file larger than N bytes"). */
int pub_load_message(const tool_options *o, uint8_t **data, size_t *len);

#endif
