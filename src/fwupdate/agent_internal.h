/* What the agent's two halves share: the message side (agent.c) and the side that talks to
 * the client from tern_fw_agent_poll (agent_poll.c). */
#ifndef TERN_FW_AGENT_INTERNAL_H
#define TERN_FW_AGENT_INTERNAL_H

#include "fw_crypto.h"
#include "tern/fwagent.h"

/* The client's clock. */
uint32_t tern_fw_agent_now(const tern_fw_agent *a);
/* Tell the application (on_event). */
void tern_fw_agent_emit(tern_fw_agent *a, tern_fw_event_kind kind, tern_status st, uint64_t version,
                        const char *reason);
/* Set the status line "<what> version V[: why]" (or "<what>: why" without a version) to be
 * published by the next poll. */
void tern_fw_agent_status(tern_fw_agent *a, const char *what, uint64_t version, const char *why);
/* 32 lower-case hex digits and a NUL. */
void tern_fw_agent_hex_id(char *out, const uint8_t id[TERN_FW_UPDATE_ID_LEN]);

/* The routes' handlers. */
void tern_fw_agent_on_manifest(tern_client *c, const tern_publish *msg, void *user);
void tern_fw_agent_on_chunk(tern_client *c, const tern_publish *msg, void *user);

#endif
