/**
 * @file fwagent.h
 * @brief The device side of a signed firmware update over MQTT, as a component that runs on a
 *        tern_client the application owns.
 *
 * The agent subscribes to the retained manifest of its device class, verifies it
 * (tern_fw_offer_manifest: pinned keys, class, anti-rollback), pulls the chunks a window at a
 * time by subscribing to their retained topics, verifies each on arrival, re-asks after a
 * stall, resumes after a restart from the progress its storage saved, installs through the
 * storage, and publishes a retained status line. It allocates nothing, starts no thread,
 * opens no file and reads time from the client's own clock.
 *
 * Topics (PREFIX defaults to "tern/fw"):
 *  - PREFIX/CLASS/manifest          the signed manifest (retained)
 *  - PREFIX/CLASS/UPDATEID/INDEX    chunk INDEX of update UPDATEID (32 hex digits; retained)
 *  - PREFIX/CLASS/status/DEVICEID   what this device did (retained, published by the agent)
 *
 * Only what verifies acts: input that cannot be verified (a manifest that does not decode or
 * is not signed by a pinned key, a chunk that does not match the hash chain) is ignored and
 * reported through the event callback; it never ends or replaces a verified download. The
 * status topic carries only verified facts. Signature checks of unverified manifests are
 * bounded: bytes already refused are recognised by their hash and skipped, and at most
 * max_checks_per_s are checked in any second of the client's clock.
 *
 * Wiring: tern_fw_agent_init(); put the routes of tern_fw_agent_routes() into the client's
 * tern_client_config.routes (the agent never takes on_message); call tern_fw_agent_poll()
 * after every tern_client_poll() / tern_client_run() slice. All calls come from the thread
 * that drives the client. The agent notices a new connection when a poll finds the client
 * connected after one that found it disconnected, so poll more often than the client's
 * reconnect backoff (reconnect_min_ms); as a backstop it asks for the manifest again every
 * 10 minutes while idle (an unchanged manifest costs one SHA-256, no signature check).
 */
#ifndef TERN_FWAGENT_H
#define TERN_FWAGENT_H

#include <stddef.h>
#include <stdint.h>

#include "tern/client.h"
#include "tern/fwupdate.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_FW_PREFIX_MAX 48     /**< longest topic prefix, bytes */
#define TERN_FW_DEVICE_ID_MAX 64  /**< longest device id in the status topic, bytes */
/** Longest topic the agent builds (the status topic with the longest prefix and id). */
#define TERN_FW_TOPIC_MAX (TERN_FW_PREFIX_MAX + TERN_FW_CLASS_MAX + TERN_FW_DEVICE_ID_MAX + 16)
#define TERN_FW_STATUS_MAX 200    /**< longest status line, bytes */

/** What the agent tells the application through tern_fw_agent_config.on_event. */
typedef enum {
    TERN_FW_EVENT_IGNORED = 1,  /**< unverifiable input ignored (reason says what; no version) */
    TERN_FW_EVENT_REFUSED,      /**< a verified manifest refused: other class, not newer, chunks too large */
    TERN_FW_EVENT_DOWNLOADING,  /**< a verified manifest accepted (chunks_done > 0: resumed) */
    TERN_FW_EVENT_PROGRESS,     /**< one more chunk verified and staged */
    TERN_FW_EVENT_STALLED,      /**< the next chunk keeps arriving in a form that does not verify;
                                     still asking for it (the staged part is kept) */
    TERN_FW_EVENT_FAILED,       /**< the download was given up (storage, whole-image hash): staged bytes erased */
    TERN_FW_EVENT_INSTALLED,    /**< the image is verified and installed: the application may reboot into it */
    TERN_FW_EVENT_UP_TO_DATE    /**< the verified manifest is that of the update installed: nothing to do */
} tern_fw_event_kind;

/** One event. Everything in it is valid during the callback only. */
typedef struct {
    tern_fw_event_kind kind;   /**< what happened */
    tern_status status;        /**< TERN_OK, or why (TERN_ERR_SIGNATURE, TERN_ERR_ROLLBACK, ...) */
    uint64_t version;          /**< the verified version concerned; 0 for IGNORED */
    uint32_t chunks_done;      /**< chunks verified and staged so far */
    uint32_t chunk_count;      /**< chunks of the update; 0 for IGNORED and REFUSED */
    const char *reason;        /**< one line, never NULL */
} tern_fw_event;

typedef struct tern_fw_agent tern_fw_agent;

/** Event callback: called from tern_client_poll (via the routes) or tern_fw_agent_poll. It may
 *  read the agent but must not call tern_fw_agent_* functions. */
typedef void (*tern_fw_event_fn)(tern_fw_agent *agent, const tern_fw_event *event, void *user);

/** What the application gives the agent. Strings, keys and storage are kept by pointer and
 *  must outlive the agent. */
typedef struct {
    tern_client *client;                /**< initialised client, owned by the application */
    const tern_fw_key *keys;            /**< pinned public keys (tern_fw_key_init) */
    size_t key_count;                   /**< at least 1 */
    const char *device_class;           /**< 1..31 bytes, no '/', '+', '#' */
    const char *device_id;              /**< status topic suffix (1..63 bytes, no '/', '+', '#');
                                             it is visible to every subscriber: prefer an opaque
                                             id to a host name or serial number */
    const char *topic_prefix;           /**< NULL: "tern/fw"; at most TERN_FW_PREFIX_MAX-1 bytes */
    uint64_t installed_version;         /**< what runs now (from the storage's installed record) */
    const uint8_t *installed_update_id; /**< its update id (TERN_FW_UPDATE_ID_LEN bytes) or NULL;
                                             its manifest, seen again, is then not reported */
    const tern_fw_storage *storage;     /**< staging, progress, install: write, read, install,
                                             erase and load_progress are required,
                                             save_progress optional */
    uint16_t window;                    /**< chunks subscribed at once; 0: 8 */
    uint16_t max_checks_per_s;          /**< signature checks of unverified manifests per second; 0: 4 */
    uint32_t stall_ms;                  /**< no verified chunk for this long: ask again; 0: 3000 */
    uint8_t stall_rounds;               /**< re-asks that bring only unverifiable chunks before
                                             STALLED is reported; 0: 3 */
    tern_fw_event_fn on_event;          /**< may be NULL */
    void *user;                         /**< passed to on_event */
} tern_fw_agent_config;

/** The agent's state. The application allocates it (statically is fine); fields are private. */
struct tern_fw_agent {
    tern_fw_agent_config cfg;
    tern_fw_receiver rx;
    char manifest_topic[TERN_FW_TOPIC_MAX];
    char chunk_filter[TERN_FW_TOPIC_MAX];          /* PREFIX/CLASS/UPDATEID/+ (route) */
    char topic[TERN_FW_TOPIC_MAX];                 /* scratch: a chunk or the status topic */
    char status[TERN_FW_STATUS_MAX];               /* the line to publish */
    uint8_t refused_hash[TERN_FW_HASH_LEN];        /* SHA-256 of the last manifest refused */
    uint8_t installed_update[TERN_FW_UPDATE_ID_LEN];
    uint8_t sub_update[TERN_FW_UPDATE_ID_LEN];     /* the update whose chunk topics are subscribed */
    char bad_reason[160];                          /* why the last unverifiable chunk was refused */
    uint64_t installed_version;
    uint32_t sub_lo, sub_hi;                       /* chunk topics subscribed: [sub_lo, sub_hi) */
    uint32_t last_progress_ms, checks_window_ms, manifest_again_ms, manifest_asked_ms;
    uint32_t unverified_checks;                    /* signature checks of unverified manifests, ever */
    uint16_t checks_in_window;
    uint8_t connected, manifest_subscribed, status_pending, has_refused, manifest_again;
    uint8_t bad_chunk_seen, bad_rounds, stalled_reported, has_installed;
};

/**
 * @brief Prepare an agent. Nothing is sent until tern_fw_agent_poll runs on a connection.
 * @param agent  the state to fill (any previous content is overwritten).
 * @param cfg    copied into the agent; what it points to is kept.
 * @return TERN_OK; TERN_ERR_INVALID_ARG when a required field is missing, a storage function
 *         is NULL, or a name is empty, too long or holds '/', '+' or '#'.
 */
tern_status tern_fw_agent_init(tern_fw_agent *agent, const tern_fw_agent_config *cfg);

/**
 * @brief The two routes that bring the agent its messages: the manifest topic and the chunk
 *        topics of the update in progress. Copy them into the client's route table (before
 *        any route of the application's that would match the same topics); their filters
 *        point into the agent, which keeps them current.
 * @param agent  an initialised agent.
 * @param out    receives the two routes.
 */
void tern_fw_agent_routes(tern_fw_agent *agent, tern_route out[2]);

/**
 * @brief Do what waits: (re)subscribe after a (re)connection, keep the window of chunk
 *        subscriptions ahead of the next chunk, ask again after a stall, publish the status.
 *        Call after each tern_client_poll / tern_client_run slice (not from a callback).
 * @param agent  an initialised agent.
 * @return TERN_OK, also while the client is disconnected or its send buffer is full (the
 *         work is retried on the next call); another status only for a client error that
 *         is not about room or connection.
 */
tern_status tern_fw_agent_poll(tern_fw_agent *agent);

/**
 * @brief Is a verified download in progress? (The application may poll more often then.)
 * @param agent  an initialised agent.
 * @return 1 while chunks are being fetched, else 0.
 */
int tern_fw_agent_busy(const tern_fw_agent *agent);

/**
 * @brief The version installed now (the configured one, or the last one this agent installed).
 * @param agent  an initialised agent.
 * @return the version.
 */
uint64_t tern_fw_agent_installed_version(const tern_fw_agent *agent);

#ifdef __cplusplus
}
#endif

#endif
