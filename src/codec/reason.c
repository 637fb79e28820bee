/* Reason codes: their names (MQTT 5.0 section 2.4 table 2-6, MQTT 3.1.1 table 3.1) and the
 * packets that may carry each (MQTT 5.0 sections 3.2.2.2 to 3.15.2.1). */
#include "tern/codec.h"

/* 3.1.1 CONNACK return codes 0..5 (MQTT 3.1.1 section 3.2.2.3). Built even without MQTT 5
 * (with the strings): a 3.1.1-only client still wants to say why it was refused. */
#if TERN_CFG_STATUS_STRINGS
static const char *connack_311_name(uint8_t code)
{
    static const char *const names[] = {
        "Connection Accepted",
        "Connection Refused, unacceptable protocol version",
        "Connection Refused, identifier rejected",
        "Connection Refused, Server unavailable",
        "Connection Refused, bad user name or password",
        "Connection Refused, not authorized",
    };
    return code < sizeof names / sizeof names[0] ? names[code] : "Unknown reason code";
}
#else
#define connack_311_name(code) ((void)(code), "")
#endif

#if TERN_CFG_MQTT5

#define IN(t) (1u << (t))
#define PUB_ACKS (IN(TERN_PUBACK) | IN(TERN_PUBREC))   /* PUBACK and PUBREC share their list */
#define PUB_ENDS (IN(TERN_PUBREL) | IN(TERN_PUBCOMP))  /* so do PUBREL and PUBCOMP */
#define CA IN(TERN_CONNACK)
#define SA IN(TERN_SUBACK)
#define UA IN(TERN_UNSUBACK)
#define DI IN(TERN_DISCONNECT)

typedef struct {
    uint8_t code;
    uint16_t packets;   /* bit n: allowed in packet type n */
#if TERN_CFG_STATUS_STRINGS
    const char *name;
#endif
} reason_desc;

/* Names only in a build with strings (TERN_CFG_STATUS_STRINGS). */
#if TERN_CFG_STATUS_STRINGS
#define R(code, packets, name) {code, packets, name}
#else
#define R(code, packets, name) {code, packets}
#endif

/* Sorted by code. DISCONNECT also accepts 0x8C: table 2-6 lists it there although the
 * DISCONNECT table 3-10 does not, and a receiver should not refuse what the spec names. */
static const reason_desc reasons[] = {
    R(0x00, CA | PUB_ACKS | PUB_ENDS | SA | UA | DI | IN(TERN_AUTH), "Success"),
    R(0x01, SA, "Granted QoS 1"),
    R(0x02, SA, "Granted QoS 2"),
    R(0x04, DI, "Disconnect with Will Message"),
    R(0x10, PUB_ACKS, "No matching subscribers"),
    R(0x11, UA, "No subscription existed"),
    R(0x18, IN(TERN_AUTH), "Continue authentication"),
    R(0x19, IN(TERN_AUTH), "Re-authenticate"),
    R(0x80, CA | PUB_ACKS | SA | UA | DI, "Unspecified error"),
    R(0x81, CA | DI, "Malformed Packet"),
    R(0x82, CA | DI, "Protocol Error"),
    R(0x83, CA | PUB_ACKS | SA | UA | DI, "Implementation specific error"),
    R(0x84, CA, "Unsupported Protocol Version"),
    R(0x85, CA, "Client Identifier not valid"),
    R(0x86, CA, "Bad User Name or Password"),
    R(0x87, CA | PUB_ACKS | SA | UA | DI, "Not authorized"),
    R(0x88, CA, "Server unavailable"),
    R(0x89, CA | DI, "Server busy"),
    R(0x8A, CA, "Banned"),
    R(0x8B, DI, "Server shutting down"),
    R(0x8C, CA | DI, "Bad authentication method"),
    R(0x8D, DI, "Keep Alive timeout"),
    R(0x8E, DI, "Session taken over"),
    R(0x8F, SA | UA | DI, "Topic Filter invalid"),
    R(0x90, CA | PUB_ACKS | DI, "Topic Name invalid"),
    R(0x91, PUB_ACKS | SA | UA, "Packet Identifier in use"),
    R(0x92, PUB_ENDS, "Packet Identifier not found"),
    R(0x93, DI, "Receive Maximum exceeded"),
    R(0x94, DI, "Topic Alias invalid"),
    R(0x95, CA | DI, "Packet too large"),
    R(0x96, DI, "Message rate too high"),
    R(0x97, CA | PUB_ACKS | SA | DI, "Quota exceeded"),
    R(0x98, DI, "Administrative action"),
    R(0x99, CA | PUB_ACKS | DI, "Payload format invalid"),
    R(0x9A, CA | DI, "Retain not supported"),
    R(0x9B, CA | DI, "QoS not supported"),
    R(0x9C, CA | DI, "Use another server"),
    R(0x9D, CA | DI, "Server moved"),
    R(0x9E, SA | DI, "Shared Subscriptions not supported"),
    R(0x9F, CA | DI, "Connection rate exceeded"),
    R(0xA0, DI, "Maximum connect time"),
    R(0xA1, SA | DI, "Subscription Identifiers not supported"),
    R(0xA2, SA | DI, "Wildcard Subscriptions not supported"),
};

static const reason_desc *find_reason(uint8_t code)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0] && reasons[i].code <= code; i++)
        if (reasons[i].code == code) return &reasons[i];
    return NULL;
}

const char *tern_reason_str(uint8_t code, tern_packet_type packet, tern_mqtt_version version)
{
#if !TERN_CFG_STATUS_STRINGS
    (void)code;
    (void)packet;
    (void)version;
    return "";
#else
    if (version == TERN_MQTT_311 && packet == TERN_CONNACK) return connack_311_name(code);
    if (code == TERN_RC_SUCCESS && packet == TERN_DISCONNECT) return "Normal disconnection";
    if (code == TERN_RC_SUCCESS && packet == TERN_SUBACK) return "Granted QoS 0";
    const reason_desc *r = find_reason(code);
    return r != NULL ? r->name : "Unknown reason code";
#endif
}

int tern_reason_valid(uint8_t code, tern_packet_type packet)
{
    const reason_desc *r = find_reason(code);
    return r != NULL && (unsigned)packet < 16u && ((r->packets >> packet) & 1u);
}

#else /* 3.1.1 only: CONNACK return codes are the only reason codes there are. */

const char *tern_reason_str(uint8_t code, tern_packet_type packet, tern_mqtt_version version)
{
    (void)version;
    return packet == TERN_CONNACK ? connack_311_name(code) : "Unknown reason code";
}

int tern_reason_valid(uint8_t code, tern_packet_type packet)
{
    (void)code;
    (void)packet;
    return 0;
}

#endif /* TERN_CFG_MQTT5 */
