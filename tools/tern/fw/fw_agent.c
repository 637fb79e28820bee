/* tern fw agent: the device. The library's tern_fw_agent does the work (verify, pull chunks a
 * window at a time from their retained topics, resume, install, report status); this file
 * gives it a POSIX file storage (fw_store.c) and a connection built from the command line,
 * and turns its events into lines on stderr and, with --once, an exit status. */
#define _POSIX_C_SOURCE 200809L
#include "fw.h"

#include <stdlib.h>
#include <string.h>

#include "fw_store.h"
#include "session.h"
#include "tern/fwagent.h"

#define AGENT_RX 4096u /* a small device's receive buffer: 1 KiB chunks fit */

typedef struct {
    const fw_options *o;
    tool_session s;
    fw_store store;
    tern_fw_storage storage;
    tern_fw_agent agent;
    tern_route routes[2];
    tern_fw_key keys[FW_MAX_TRUST];
    size_t key_count;
    int outcome; /* 0 running, 1 installed, -1 refused or failed */
} agent_tool;

static void on_event(tern_fw_agent *fa, const tern_fw_event *e, void *user)
{
    agent_tool *t = user;
    static const char *const what[] = {"",       "ignored", "rejected",  "downloading",
                                       "",       "stalled", "failed",    "installed", "up to date with"};
    (void)fa;
    if (e->kind == TERN_FW_EVENT_PROGRESS) {
        fw_progress("agent", e->chunks_done, e->chunk_count);
        return;
    }
    if (e->kind == TERN_FW_EVENT_DOWNLOADING && e->chunks_done > 0)
        fprintf(stderr, "tern fw agent: resuming version %llu at chunk %lu of %lu\n", (unsigned long long)e->version,
                (unsigned long)e->chunks_done, (unsigned long)e->chunk_count);
    else if (e->version)
        fprintf(stderr, "tern fw agent: %s version %llu%s%s\n", what[e->kind], (unsigned long long)e->version,
                e->reason[0] ? ": " : "", e->reason);
    else fprintf(stderr, "tern fw agent: %s: %s\n", what[e->kind], e->reason);
    if (e->kind == TERN_FW_EVENT_INSTALLED || e->kind == TERN_FW_EVENT_UP_TO_DATE) t->outcome = 1;
    else if (e->kind == TERN_FW_EVENT_REFUSED || e->kind == TERN_FW_EVENT_FAILED || e->kind == TERN_FW_EVENT_STALLED)
        t->outcome = -1;
    else if (e->kind == TERN_FW_EVENT_IGNORED && !tern_fw_agent_busy(&t->agent) && e->status != TERN_ERR_BUSY)
        t->outcome = -1; /* --once: nothing verified to wait for */
}

static int load_keys(agent_tool *t)
{
    for (int i = 0; i < t->o->trust_count; i++) {
        if (fw_load_public_key(t->o->trust[i], &t->keys[t->key_count]) != 0) {
            fprintf(stderr, "tern fw agent: cannot read trusted key %s\n", t->o->trust[i]);
            return -1;
        }
        t->key_count++;
    }
    return 0;
}

static int start_agent(agent_tool *t)
{
    tern_fw_agent_config c;
    memset(&c, 0, sizeof c);
    c.client = &t->s.client;
    c.keys = t->keys;
    c.key_count = t->key_count;
    c.device_class = t->o->device_class;
    c.device_id = t->o->device_id ? t->o->device_id : t->s.client_id;
    c.topic_prefix = t->o->prefix;
    c.installed_version = t->store.installed_version;
    c.installed_update_id = t->store.has_installed ? t->store.installed_update : NULL;
    c.storage = &t->storage;
    c.on_event = on_event;
    c.user = t;
    if (tern_fw_agent_init(&t->agent, &c) != TERN_OK) {
        fprintf(stderr, "tern fw agent: device id, class or topic prefix not usable in a topic\n");
        return -1;
    }
    tern_fw_agent_routes(&t->agent, t->routes);
    t->s.cfg.routes = t->routes;
    t->s.cfg.route_count = 2;
    return 0;
}

static int run(agent_tool *t)
{
    for (;;) {
        /* Short slices while downloading: the window moves on between them. */
        tern_status st = tern_client_run(&t->s.client, tern_fw_agent_busy(&t->agent) ? 2 : 50);
        if (st == TERN_OK) st = tern_fw_agent_poll(&t->agent);
        if (st != TERN_OK) {
            tool_fail(&t->s, "connection lost", st);
            return 1;
        }
        if (t->o->once && t->outcome && tern_fw_agent_poll(&t->agent) == TERN_OK &&
            tern_client_wait_idle(&t->s.client, 10000u) == TERN_OK)
            return t->outcome > 0 ? 0 : 1;
    }
}

int fw_agent(const fw_options *o)
{
    agent_tool *t = calloc(1, sizeof *t);
    int rc = 1;
    if (!t) return 1;
    t->o = o;
    if (load_keys(t) != 0 || fw_store_open(&t->store, o->install_dir) != 0) {
        free(t);
        return 1;
    }
    fw_store_storage(&t->store, &t->storage);
    if (tool_session_init(&t->s, &o->conn, 8192, AGENT_RX, 4, 512, 16) == 0 && start_agent(t) == 0) {
        fprintf(stderr, "tern fw agent: device class %s, installed version %llu, waiting on %s\n", o->device_class,
                (unsigned long long)t->store.installed_version, t->agent.manifest_topic);
        if (tool_session_connect(&t->s) == 0) {
            t->s.conn.auto_reconnect = 1;
            rc = run(t);
            if (tern_client_is_connected(&t->s.client)) tern_client_disconnect(&t->s.client, 0);
        }
    }
    tool_session_free(&t->s);
    fw_store_close(&t->store);
    free(t);
    return rc;
}
