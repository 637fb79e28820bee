/* tern sub: subscribe to one or more filters and print what arrives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "tool.h"

#define SUB_RX_BYTES (1u << 20)

static void print_message(tern_client *c, const tern_publish *m, void *user)
{
    tool_session *s = user;
    (void)c;
    if (s->o->verbose) printf("%.*s ", (int)m->topic.len, (const char *)m->topic.data);
    fwrite(m->payload.data, 1, m->payload.len, stdout);
    if (!s->o->no_newline) putchar('\n');
    fflush(stdout);
    s->received++;
}

/* A lost connection is re-established, but not one the broker broke the protocol on: the
 * same broker would do it again, and the user would never hear why nothing arrives. */
static void on_disconnect(tern_client *c, tern_status why, void *user)
{
    tool_session *s = user;
    (void)c;
    int transient = why == TERN_OK || why == TERN_ERR_CLOSED || why == TERN_ERR_IO ||
                    why == TERN_ERR_KEEPALIVE_TIMEOUT || why == TERN_ERR_TIMEOUT ||
                    why == TERN_ERR_SERVER_DISCONNECT || why == TERN_ERR_MESSAGE_CUT ||
                    why >= TERN_ERR_CLOSED;
    if (!transient && s->violation == TERN_OK) s->violation = why;
}

/* The engine skipped a message larger than the receive buffer (or similar): say so. */
static void on_error(tern_client *c, tern_status st, void *user)
{
    (void)c;
    (void)user;
    fprintf(stderr, "tern: warning: %s (%s)\n", tern_status_str(st), tern_status_name(st));
}

static int subscribe_all(tool_session *s)
{
    tern_subscription subs[TERN_TOOL_MAX_TOPICS];
    for (int i = 0; i < s->o->topic_count; i++) {
        subs[i].filter.data = (const uint8_t *)s->o->topics[i];
        subs[i].filter.len = (uint32_t)strlen(s->o->topics[i]);
        subs[i].options = (uint8_t)s->o->qos;
        tern_status st = tern_topic_validate_filter(subs[i].filter);
        if (st != TERN_OK) {
            fprintf(stderr, "tern: invalid topic filter '%s': %s\n", s->o->topics[i], tern_status_str(st));
            return -1;
        }
    }
    tern_status st = tern_client_subscribe(&s->client, subs, (uint16_t)s->o->topic_count, NULL, NULL);
    if (st != TERN_OK) {
        tool_fail(s, "subscribe", st);
        return -1;
    }
    return 0;
}

int tool_sub(const tool_options *o)
{
    tool_session s;
    int rc = 1;
    if (tool_session_init(&s, o, 8192, SUB_RX_BYTES, 0, 0, 64) != 0) goto out;
    s.cfg.cb.on_message = print_message;
    s.cfg.cb.on_disconnect = on_disconnect;
    s.cfg.cb.on_error = on_error;
    if (tool_session_connect(&s) != 0 || subscribe_all(&s) != 0) goto out;
    s.conn.auto_reconnect = 1; /* like mosquitto_sub: a lost connection is re-established */
    int subscribed_on = s.connects;
    uint32_t start = tool_now_ms(NULL);
    uint32_t limit = o->timeout_s ? (uint32_t)o->timeout_s * 1000u : UINT32_MAX;
    while (!o->count || s.received < o->count) {
        tern_status st = tern_client_run(&s.client, 100);
        if (s.sub_status != TERN_OK) goto out;
        if (s.violation != TERN_OK) {
            tool_fail(&s, "connection lost", s.violation);
            goto out;
        }
        /* Reconnected without the old session: subscribe again, as mosquitto_sub does. */
        if (s.connects != subscribed_on && tern_client_is_connected(&s.client)) {
            subscribed_on = s.connects;
            if (!s.session_present && subscribe_all(&s) != 0) goto out;
        }
        if (st != TERN_OK) {
            tool_fail(&s, "connection lost", st);
            goto out;
        }
        if (tool_now_ms(NULL) - start < limit) continue;
        if (o->count) {
            fprintf(stderr, "tern: timed out after %ld s with %ld of %ld messages\n", o->timeout_s,
                    s.received, o->count);
            goto out;
        }
        break;
    }
    rc = 0;
    tern_client_disconnect(&s.client, 0);
out:
    tool_session_free(&s);
    return rc;
}
