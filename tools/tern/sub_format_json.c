/* tern sub -F %j and %J: the message as one JSON object, byte for byte as mosquitto_sub 2.0.11
 * prints it with cJSON (Debian's build): its keys in its order, its string escapes, its
 * timestamp, the payload as a C string (cut at a NUL byte) or null when empty. */
#define _POSIX_C_SOURCE 200809L
#include "sub_format.h"

#include <string.h>

#include "sub_print.h"

/* A JSON string as cJSON escapes it: quotes, backslashes and control characters. */
static void json_string(FILE *out, tern_bytes s)
{
    fputc('"', out);
    for (uint32_t i = 0; i < s.len; i++) {
        uint8_t c = s.data[i];
        const char *named = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b" : c == '\f' ? "\\f"
                          : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
        if (named) fputs(named, out);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

/* Up to the first NUL byte, as a C string would end there. */
static tern_bytes c_string(tern_bytes b)
{
    const uint8_t *nul = b.len ? memchr(b.data, 0, b.len) : NULL;
    if (nul) b.len = (uint32_t)(nul - b.data);
    return b;
}

static const char *prop_name(uint8_t id)
{
    switch (id) {
    case TERN_PROP_PAYLOAD_FORMAT: return "payload-format-indicator";
    case TERN_PROP_MESSAGE_EXPIRY: return "message-expiry-interval";
    case TERN_PROP_CONTENT_TYPE: return "content-type";
    case TERN_PROP_RESPONSE_TOPIC: return "response-topic";
    case TERN_PROP_CORRELATION_DATA: return "correlation-data";
    case TERN_PROP_SUBSCRIPTION_ID: return "subscription-identifier";
    case TERN_PROP_TOPIC_ALIAS: return "topic-alias";
    default: return NULL;
    }
}

/* "properties":{...} in the order they came, user properties in one object placed where the
 * first of them came (mosquitto_sub reads a topic alias under the wrong id: always 0). */
static void json_properties(FILE *out, const tern_publish *m)
{
    size_t at = 0, user_at = 0;
    tern_prop p;
    int first = 1, user_done = 0;
    fputs(",\"properties\":{", out);
    while (tern_props_next(m->props->raw, &at, &p) == TERN_OK) {
        const char *name = prop_name(p.id);
        if (!name && (p.id != TERN_PROP_USER_PROPERTY || user_done)) continue;
        fputs(first ? "" : ",", out);
        first = 0;
        if (p.id == TERN_PROP_USER_PROPERTY) {
            user_done = 1;
            fputs("\"user-properties\":{", out);
            for (int n = 0; tern_props_next(m->props->raw, &user_at, &p) == TERN_OK;) {
                if (p.id != TERN_PROP_USER_PROPERTY) continue;
                fputs(n++ ? "," : "", out);
                json_string(out, p.bytes);
                fputc(':', out);
                json_string(out, p.value2);
            }
            fputc('}', out);
        } else if (p.id == TERN_PROP_CONTENT_TYPE || p.id == TERN_PROP_RESPONSE_TOPIC || p.id == TERN_PROP_CORRELATION_DATA) {
            fprintf(out, "\"%s\":", name);
            json_string(out, c_string(p.bytes));
        } else {
            fprintf(out, "\"%s\":%lu", name, p.id == TERN_PROP_TOPIC_ALIAS ? 0ul : (unsigned long)p.value);
        }
    }
    fputc('}', out);
}

void tool_format_json(FILE *out, const tern_publish *m, const struct tm *tm, long ns, int raw)
{
    char tst[100];
    if (raw && !tool_format_json_payload(NULL, m->payload)) {
        fputs("tern: %J: the payload of a message on '", stderr);
        tool_print_topic(stderr, m->topic, 1);
        fputs("' is not valid JSON\n", stderr);
        return;
    }
    /* mosquitto_sub's own: microseconds written over the zeros, then a 'Z' before the offset. */
    strftime(tst, sizeof tst, "%Y-%m-%dT%H:%M:%S.000000Z%z", tm);
    snprintf(tst + 20, 9, "%06d", (int)(ns / 1000));
    tst[26] = 'Z';
    fprintf(out, "{\"tst\":\"%s\",\"topic\":", tst);
    json_string(out, m->topic);
    fprintf(out, ",\"qos\":%u,\"retain\":%u,\"payloadlen\":%lu", m->qos, m->retain, (unsigned long)m->payload.len);
    if (m->qos > 0) fprintf(out, ",\"mid\":%u", m->packet_id);
    if (m->props && m->props->raw.len) json_properties(out, m);
    fputs(",\"payload\":", out);
    if (raw) (void)tool_format_json_payload(out, m->payload);
    else if (m->payload.len) json_string(out, c_string(m->payload));
    else fputs("null", out);
    fputc('}', out);
}
