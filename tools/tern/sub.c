/* tern sub: subscribe to one or more filters and print what arrives, as mosquitto_sub does. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session.h"
#include "stop_signal.h"
#include "sub_print.h"
#include "tool.h"

#define SUB_RX_BYTES (1u << 20)
#define EXIT_TIMED_OUT 27 /* mosquitto_sub's status when -W passes */

typedef struct {
    int escape_topics;    /* stdout is a terminal: control characters of topics as \xNN */
    int stop;             /* --retained-only met a message that was not retained */
    int failed;           /* a message could not be received (one line printed): exit 1 */
    int ending;           /* the run is over: a message cut by our DISCONNECT is no news */
} sub_state;

static sub_state state;

static int filtered_out(const tool_options *o, tern_bytes topic)
{
    for (int i = 0; i < o->filter_out_count; i++)
        if (tern_topic_matches(tern_str(o->filter_out[i]), topic)) return 1;
    return 0;
}

/* Print m as the options ask, or skip it; -C's count. can_hold: m may be left
 * unacknowledged (not a message gathered from pieces, which is acknowledged already). */
static void deliver(tern_client *c, tool_session *s, const tern_publish *m, int can_hold)
{
    const tool_options *o = s->o;
    if (o->exit_after_subscribe) {
        /* -E: only the SUBACK is waited for; what the broker sends with it (retained
         * messages, a persistent session's queue) is neither printed nor acknowledged, so
         * the queue is still there for the next run (mosquitto_sub -E prints nothing). */
        if (can_hold) (void)tern_client_hold(c);
        return;
    }
    if (state.stop || filtered_out(o, m->topic) || (o->no_retained && m->retain)) return;
    if (o->count && s->received >= o->count) {
        /* -C N: the N-th is printed; what came in the same burst is left unacknowledged, so a
         * persistent session keeps it for the next run (as mosquitto_sub does). */
        if (can_hold) (void)tern_client_hold(c);
        return;
    }
    if (o->retained_only && !m->retain) {
        state.stop = 1;
        return;
    }
    tool_print_message(stdout, o, m, state.escape_topics);
    s->received++;
}

static void on_message(tern_client *c, const tern_publish *m, void *user)
{
    deliver(c, user, m, 1);
}

/* A message larger than the receive buffer comes in pieces: they are gathered on the heap
 * (the whole size is known from the first) and the message is printed whole, as any other,
 * or not at all when the connection ends midway. */
static struct {
    uint8_t *data;
    uint32_t have;
} gathered;

static void on_chunk(tern_client *c, const tern_publish *m, uint32_t offset, uint32_t total, void *user)
{
    if (offset == 0) {
        free(gathered.data);
        gathered.have = 0;
        gathered.data = malloc(total);
        if (!gathered.data) {
            fprintf(stderr, "tern: no memory for a message of %lu bytes\n", (unsigned long)total);
            state.failed = 1;
            return;
        }
    }
    if (!gathered.data || offset != gathered.have) return; /* a message cut or not held */
    memcpy(gathered.data + offset, m->payload.data, m->payload.len);
    gathered.have += m->payload.len;
    if (gathered.have < total) return;
    tern_publish whole = *m;
    whole.payload = (tern_bytes){gathered.data, total};
    deliver(c, user, &whole, 0);
    free(gathered.data);
    gathered.data = NULL;
}

/* A lost connection is re-established, but not one the broker broke the protocol on: the
 * same broker would do it again, and the user would never hear why nothing arrives. */
static void on_disconnect(tern_client *c, tern_status why, void *user)
{
    tool_session *s = user;
    if (why == TERN_ERR_SERVER_DISCONNECT && !s->o->quiet) {
        /* The broker said why (MQTT 5): the user hears it, or waits on a silent reconnect loop. */
        uint8_t rc = tern_client_last_reason(c);
        fprintf(stderr, "tern: the broker disconnected: %s (0x%02x)%s%s; reconnecting\n",
                tern_reason_str(rc, TERN_DISCONNECT, TERN_MQTT_5), rc,
                s->server_reference[0] ? "; it points to (not followed): " : "", s->server_reference);
    }
    int transient = why == TERN_OK || why == TERN_ERR_CLOSED || why == TERN_ERR_IO ||
                    why == TERN_ERR_KEEPALIVE_TIMEOUT || why == TERN_ERR_TIMEOUT ||
                    why == TERN_ERR_SERVER_DISCONNECT || why == TERN_ERR_MESSAGE_CUT ||
                    why >= TERN_ERR_CLOSED;
    if (!transient && s->violation == TERN_OK) s->violation = why;
}

/* Something the engine did not end the connection for. A message it had to skip (larger
 * than the receive buffer in a build without pieces) ends the run: -C would wait forever
 * for a message that was never printed. */
static void on_error(tern_client *c, tern_status st, void *user)
{
    (void)c;
    (void)user;
    if (st == TERN_ERR_MESSAGE_TOO_LARGE) {
        fprintf(stderr, "tern: a message was skipped: %s\n", tern_status_str(st));
        state.failed = 1;
        return;
    }
    if (st == TERN_ERR_MESSAGE_CUT && (state.ending || state.failed)) return;
    fprintf(stderr, "tern: warning: %s\n", tern_status_str(st)); /* the text, not the C name (N10) */
}

static int check_filters(const char *const *filters, int n)
{
    for (int i = 0; i < n; i++) {
        tern_status st = tern_topic_validate_filter(tern_str(filters[i]));
        if (st != TERN_OK) {
            fprintf(stderr, "tern: invalid topic filter '%s': %s\n", filters[i], tern_status_str(st));
            return -1;
        }
    }
    return 0;
}

/* SUBSCRIBE (or UNSUBSCRIBE) every filter of the list in one packet. */
static int send_filters(tool_session *s, const char *const *filters, int n, int unsubscribe)
{
    tern_subscription subs[TERN_TOOL_MAX_TOPICS];
    for (int i = 0; i < n; i++) subs[i] = (tern_subscription){tern_str(filters[i]), (uint8_t)s->o->qos};
    const tern_props *with = s->o->has_subscribe_props && !unsubscribe ? &s->o->subscribe_props.props : NULL;
    tern_status st = unsubscribe ? tern_client_unsubscribe(&s->client, subs, (uint16_t)n, NULL, NULL)
                                 : tern_client_subscribe(&s->client, subs, (uint16_t)n, with, NULL);
    if (st != TERN_OK) {
        tool_fail(s, unsubscribe ? "unsubscribe" : "subscribe", st);
        return -1;
    }
    return 0;
}

/* Drive the client until the SUBACK (or UNSUBACK) of the last request is in. */
static int wait_ack(tool_session *s, int *acked)
{
    while (!*acked && s->sub_status == TERN_OK) {
        tern_status st = tern_client_run(&s->client, 100);
        if (st != TERN_OK) {
            tool_fail(s, "connection lost", st);
            return -1;
        }
    }
    return s->sub_status == TERN_OK ? 0 : -1;
}

static int unsubscribe_first(tool_session *s)
{
    const tool_options *o = s->o;
    if (!o->unsubscribe_count) return 0;
    if (send_filters(s, o->unsubscribe, o->unsubscribe_count, 1)) return -1;
    return wait_ack(s, &s->unsubacked);
}

static int subscribe_all(tool_session *s)
{
    s->subacked = 0;
    return send_filters(s, s->o->topics, s->o->topic_count, 0);
}

/* Receive until -C messages, -W seconds or --retained-only's end; the exit status. */
static int receive(tool_session *s)
{
    const tool_options *o = s->o;
    s->conn.auto_reconnect = 1; /* like mosquitto_sub: a lost connection is re-established */
    int subscribed_on = s->connects;
    uint32_t start = tern_posix_now_ms(NULL);
    uint32_t limit = o->timeout_s ? (uint32_t)o->timeout_s * 1000u : UINT32_MAX;
    while ((!o->count || s->received < o->count) && !state.stop && !tool_stop_requested) {
        tern_status st = tern_client_run(&s->client, 100);
        if (s->sub_status != TERN_OK || state.failed) return 1;
        if (s->violation != TERN_OK) return tool_fail(s, "connection lost", s->violation), 1;
        /* Reconnected without the old session: subscribe again, as mosquitto_sub does. */
        if (s->connects != subscribed_on && tern_client_is_connected(&s->client)) {
            subscribed_on = s->connects;
            if (!s->session_present && subscribe_all(s) != 0) return 1;
        }
        if (st != TERN_OK) return tool_fail(s, "connection lost", st), 1;
        if (tern_posix_now_ms(NULL) - start >= limit) {
            fputs("Timed out\n", stderr);
            return EXIT_TIMED_OUT;
        }
    }
    return 0;
}

int tool_sub(const tool_options *o)
{
    tool_session s;
    int rc = 1;
    state.escape_topics = isatty(STDOUT_FILENO);
    /* -t, -T and -U alike: a bad filter is refused before connecting. */
    if (check_filters(o->topics, o->topic_count) || check_filters(o->filter_out, o->filter_out_count) ||
        check_filters(o->unsubscribe, o->unsubscribe_count))
        return 1;
    if (tool_session_init(&s, o, 8192, SUB_RX_BYTES, 0, 0, 64) != 0) goto out;
    s.cfg.cb.on_message = on_message;
    s.cfg.cb.on_disconnect = on_disconnect;
    s.cfg.cb.on_error = on_error;
    s.cfg.cb.on_chunk = on_chunk;
    tool_catch_stop_signals(); /* Ctrl-C: DISCONNECT, no will */
    if (tool_session_connect(&s) != 0 || unsubscribe_first(&s) != 0) goto out;
    if (o->topic_count == 0) { /* -U alone */
        rc = 0;
    } else if (subscribe_all(&s) == 0) {
        rc = o->exit_after_subscribe ? (wait_ack(&s, &s.subacked) ? 1 : 0) : receive(&s);
    }
    state.ending = 1;
    if (tern_client_is_connected(&s.client)) tern_client_disconnect(&s.client, 0);
out:
    free(gathered.data);
    tool_session_free(&s);
    return rc;
}
