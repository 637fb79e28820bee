/* tern pub: publish one message (or one per line of stdin) and wait until it is delivered
 * to the broker at the QoS asked for. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "session.h"
#include "stop_signal.h"
#include "sub_print.h"
#include "tool.h"

#define LINE_MAX_BYTES 65536u /* the first send buffer; it grows for a longer -l line */
#define PROPS_ROOM 1024u      /* header, topic length, packet id, -D properties */

/* Read the whole of f; *len gets the size. NULL on failure. */
static uint8_t *read_all(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) free(buf);
        buf = bigger;
        cap *= 2;
    }
    *len = n;
    return ferror(f) ? (free(buf), NULL) : buf;
}

static int load_message(const tool_options *o, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (o->source == MSG_ARG) {
        *len = strlen(o->message);
        *data = (uint8_t *)strdup(o->message);
    } else if (o->source == MSG_FILE) {
        FILE *f = fopen(o->message, "rb");
        if (!f) {
            fprintf(stderr, "tern: cannot open '%s'\n", o->message);
            return -1;
        }
        *data = read_all(f, len);
        fclose(f);
    } else if (o->source == MSG_STDIN_ALL) {
        *data = read_all(stdin, len);
    } else {
        *data = malloc(1); /* -n and -l: an empty start */
    }
    if (!*data) fprintf(stderr, "tern: cannot read the message\n");
    return *data ? 0 : -1;
}

/* A failure publish_lines has printed its own line for. */
static int reported;
/* Messages delivered: a signal before the first one is a failure, not a clean stop. */
static long delivered;

/* Room for a message of payload_len bytes: the buffers grow, up to MQTT's packet limit
 * (the codec refuses anything larger). */
static tern_status make_room(tool_session *s, const tern_publish *m, size_t payload_len)
{
    size_t need = payload_len + m->topic.len + PROPS_ROOM;
    if (need > TERN_VARINT_MAX + PROPS_ROOM) return TERN_ERR_PACKET_TOO_LARGE;
    if (tool_session_grow(s, (uint32_t)need) == 0) return TERN_OK;
    fprintf(stderr, "tern: publish: no memory for a line of %zu bytes\n", payload_len);
    reported = 1;
    return TERN_ERR_BUFFER_TOO_SMALL;
}

static tern_status publish_lines(tool_session *s, tern_publish *m)
{
    /* One message per line, whatever its length (a line is never split in two). */
    char *line = NULL;
    size_t cap = 0;
    ssize_t got = 0;
    tern_status st = TERN_OK;
    while (st == TERN_OK && !tool_stop_requested && (got = getline(&line, &cap, stdin)) >= 0) {
        size_t n = (size_t)got;
        if (n && line[n - 1] == '\n') line[--n] = 0;
        st = make_room(s, m, n);
        if (st != TERN_OK) break;
        m->payload.data = (const uint8_t *)line;
        m->payload.len = (uint32_t)n;
        st = tool_publish(s, m);
        if (st == TERN_OK) st = tern_client_wait_idle(&s->client, 30000u);
        if (st == TERN_OK) delivered++;
    }
    /* getline's -1 is not only the end: never a silent stop (but a signal is a stop). */
    if (st == TERN_OK && ferror(stdin) && !tool_stop_requested) {
        fprintf(stderr, "tern: publish: cannot read standard input: %s\n", strerror(errno));
        reported = 1;
        st = TERN_ERR_IO;
    }
    free(line);
    return st;
}

static int check_topic(const tool_options *o, tern_bytes topic)
{
    tern_status st = tern_topic_validate_name(topic);
    if (st != TERN_OK) {
        fprintf(stderr, "tern: invalid topic: %s\n", tern_status_str(st));
        return -1;
    }
    if (tool_has_control_chars(topic) && !o->allow_control_chars) {
        fprintf(stderr, "tern: the topic holds control characters (brokers may drop such publishers); "
                        "--allow-control-chars sends it anyway\n");
        return -1;
    }
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && !tool_stop_requested) continue;
}

/* The message, --repeat times, --repeat-delay apart; each acknowledged before the next. */
static tern_status publish_repeated(tool_session *s, const tern_publish *m)
{
    tern_status st = TERN_OK;
    for (int i = 0; i < s->o->repeat && st == TERN_OK && !tool_stop_requested; i++) {
        if (i > 0 && s->o->repeat_delay_ms) sleep_ms(s->o->repeat_delay_ms);
        if (tool_stop_requested) break;
        st = tool_publish(s, m);
        if (st == TERN_OK) st = tern_client_wait_idle(&s->client, 30000u);
        if (st == TERN_OK) delivered++;
    }
    return st;
}

int tool_pub(const tool_options *o)
{
    tern_publish m;
    memset(&m, 0, sizeof m);
    m.topic = tern_str(o->topics[0]);
    m.qos = (uint8_t)o->qos;
    m.retain = (uint8_t)o->retain;
    tern_props props = o->publish_props.props; /* the message takes them writable */
    if (o->has_publish_props) m.props = &props;
    if (check_topic(o, m.topic)) return 1;
    uint8_t *data;
    size_t len;
    if (load_message(o, &data, &len)) return 1;
    m.payload.data = data;
    m.payload.len = (uint32_t)len;
    uint32_t room = (uint32_t)(len > LINE_MAX_BYTES ? len : LINE_MAX_BYTES) + m.topic.len + PROPS_ROOM;
    tool_session s;
    int rc = 1;
    tool_catch_stop_signals(); /* Ctrl-C: the message in flight is delivered, then DISCONNECT */
    /* One slot: each message is acknowledged before the next is read. */
    if (tool_session_init(&s, o, room, 4096, 1, room, 0) == 0 && tool_session_connect(&s) == 0) {
        /* Each message is delivered (wait_idle) before the next, the last one also when a
         * signal came: nothing is left to wait for. */
        tern_status st = o->source == MSG_STDIN_LINES ? publish_lines(&s, &m) : publish_repeated(&s, &m);
        if (st == TERN_OK && tool_stop_requested && delivered == 0 && o->source != MSG_STDIN_LINES)
            fprintf(stderr, "tern: publish: stopped by a signal before the message was sent\n");
        else if (st == TERN_OK) rc = 0;
        else if (!reported) tool_fail(&s, "publish", st);
        if (tern_client_is_connected(&s.client)) tern_client_disconnect(&s.client, 0);
    }
    tool_session_free(&s);
    free(data);
    return rc;
}
