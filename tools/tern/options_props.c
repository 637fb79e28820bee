/* -D CMD NAME VALUE: MQTT 5 properties as mosquitto_pub/sub spell them. The codec checks
 * that the property is allowed in the packet, so a wrong one is refused before connecting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

typedef enum { KIND_BYTE, KIND_U16, KIND_U32, KIND_VARINT, KIND_STRING, KIND_PAIR } prop_kind;

typedef struct {
    const char *name;
    uint8_t id;
    uint8_t kind;
} prop_name;

static const prop_name names[] = {
    {"payload-format-indicator", TERN_PROP_PAYLOAD_FORMAT, KIND_BYTE},
    {"message-expiry-interval", TERN_PROP_MESSAGE_EXPIRY, KIND_U32},
    {"content-type", TERN_PROP_CONTENT_TYPE, KIND_STRING},
    {"response-topic", TERN_PROP_RESPONSE_TOPIC, KIND_STRING},
    {"correlation-data", TERN_PROP_CORRELATION_DATA, KIND_STRING},
    {"subscription-identifier", TERN_PROP_SUBSCRIPTION_ID, KIND_VARINT},
    {"session-expiry-interval", TERN_PROP_SESSION_EXPIRY, KIND_U32},
    {"receive-maximum", TERN_PROP_RECEIVE_MAXIMUM, KIND_U16},
    {"topic-alias-maximum", TERN_PROP_TOPIC_ALIAS_MAXIMUM, KIND_U16},
    {"maximum-packet-size", TERN_PROP_MAXIMUM_PACKET_SIZE, KIND_U32},
    {"request-problem-information", TERN_PROP_REQUEST_PROBLEM_INFO, KIND_BYTE},
    {"request-response-information", TERN_PROP_REQUEST_RESPONSE_INFO, KIND_BYTE},
    {"will-delay-interval", TERN_PROP_WILL_DELAY, KIND_U32},
    {"user-property", TERN_PROP_USER_PROPERTY, KIND_PAIR},
};

static const prop_name *find(const char *name)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i].name, name)) return &names[i];
    return NULL;
}

int tool_property_takes_two(const char *name)
{
    const prop_name *p = find(name);
    return p && p->kind == KIND_PAIR;
}

/* The packet a -D command names: its properties, the flag saying they are used, the codec's
 * context for them. */
static tool_props *packet(tool_options *o, const char *cmd, int **used, uint8_t *ctx)
{
    if (!strcmp(cmd, "connect")) *used = &o->has_connect_props, *ctx = TERN_CONNECT;
    else if (!strcmp(cmd, "publish")) *used = &o->has_publish_props, *ctx = TERN_PUBLISH;
    else if (!strcmp(cmd, "subscribe")) *used = &o->has_subscribe_props, *ctx = TERN_SUBSCRIBE;
    else if (!strcmp(cmd, "will")) *used = &o->has_will_props, *ctx = TERN_PROP_CTX_WILL;
    else return NULL;
    return *ctx == TERN_CONNECT ? &o->connect_props : *ctx == TERN_PUBLISH ? &o->publish_props
         : *ctx == TERN_SUBSCRIBE ? &o->subscribe_props : &o->will_props;
}

static int number(const char *s, uint32_t max, uint32_t *out)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || s[0] == '-' || v > max) return -1;
    *out = (uint32_t)v;
    return 0;
}

static void set_scalar(tern_props *p, uint8_t id, uint32_t v)
{
    switch (id) {
    case TERN_PROP_PAYLOAD_FORMAT: p->payload_format = (uint8_t)v; break;
    case TERN_PROP_MESSAGE_EXPIRY: p->message_expiry = v; break;
    case TERN_PROP_SUBSCRIPTION_ID: p->subscription_id = v; break;
    case TERN_PROP_SESSION_EXPIRY: p->session_expiry = v; break;
    case TERN_PROP_RECEIVE_MAXIMUM: p->receive_maximum = (uint16_t)v; break;
    case TERN_PROP_TOPIC_ALIAS_MAXIMUM: p->topic_alias_maximum = (uint16_t)v; break;
    case TERN_PROP_MAXIMUM_PACKET_SIZE: p->maximum_packet_size = v; break;
    case TERN_PROP_REQUEST_PROBLEM_INFO: p->request_problem_info = (uint8_t)v; break;
    case TERN_PROP_REQUEST_RESPONSE_INFO: p->request_response_info = (uint8_t)v; break;
    default: p->will_delay = v; break;
    }
}

static void set_string(tern_props *p, uint8_t id, tern_bytes v)
{
    if (id == TERN_PROP_CONTENT_TYPE) p->content_type = v;
    else if (id == TERN_PROP_RESPONSE_TOPIC) p->response_topic = v;
    else p->correlation_data = v;
}

static int set_value(tool_props *t, const prop_name *p, const char *value, const char *value2)
{
    static const uint32_t max[] = {[KIND_BYTE] = 255, [KIND_U16] = 65535, [KIND_U32] = 4294967295u,
                                   [KIND_VARINT] = TERN_VARINT_MAX};
    uint32_t v;
    if (p->kind == KIND_PAIR) {
        if (t->props.user_prop_count == TOOL_MAX_USER_PROPS) return -1;
        t->user[t->props.user_prop_count++] = (tern_user_prop){tern_str(value), tern_str(value2)};
        t->props.user_props = t->user;
    } else if (p->kind == KIND_STRING) {
        set_string(&t->props, p->id, tern_str(value));
    } else {
        if (number(value, max[p->kind], &v)) return -1;
        set_scalar(&t->props, p->id, v);
    }
    t->props.present |= TERN_PROP_BIT(p->id);
    return 0;
}

int tool_add_property(tool_options *o, const char *cmd, const char *name, const char *value,
                      const char *value2, char *err, size_t cap)
{
    int *used;
    uint8_t ctx;
    tool_props *t = packet(o, cmd, &used, &ctx);
    const prop_name *p = find(name);
    if (!t) return snprintf(err, cap, "-D %s: tern takes properties of connect, publish, subscribe and will", cmd), -1;
    if (!p) return snprintf(err, cap, "-D %s %s: unknown property", cmd, name), -1;
    if (p->kind != KIND_PAIR && (t->props.present & TERN_PROP_BIT(p->id)))
        return snprintf(err, cap, "-D %s %s: given twice", cmd, name), -1;
    if (set_value(t, p, value, value2))
        return snprintf(err, cap, "-D %s %s: invalid value '%s'", cmd, name, value), -1;
    size_t size;
    tern_status st = tern_props_size(&t->props, ctx, &size);
    /* The codec's PUBLISH encoder also knows what only a server may send (MQTT-3.3.4-6). */
    tern_publish probe = {.topic = tern_str("t"), .props = &t->props};
    if (st == TERN_OK && ctx == TERN_PUBLISH) st = tern_codec_size_publish(&probe, TERN_MQTT_5, &size);
    if (st != TERN_OK) return snprintf(err, cap, "-D %s %s: %s", cmd, name, tern_status_str(st)), -1;
    *used = 1;
    return 0;
}
