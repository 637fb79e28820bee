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

/* Sorted by code. DISCONNECT also accepts 0x8C: table 2-6 lists it there although the
 * DISCONNECT table 3-10 does not, and a receiver should not refuse what the spec names.
 * X(code, packets: bit n allowed in packet type n, name). */
#define REASONS(X) \
    X(0x00, CA | PUB_ACKS | PUB_ENDS | SA | UA | DI | IN(TERN_AUTH), "Success") \
    X(0x01, SA, "Granted QoS 1")                                                \
    X(0x02, SA, "Granted QoS 2")                                                \
    X(0x04, DI, "Disconnect with Will Message")                                 \
    X(0x10, PUB_ACKS, "No matching subscribers")                                \
    X(0x11, UA, "No subscription existed")                                      \
    X(0x18, IN(TERN_AUTH), "Continue authentication")                           \
    X(0x19, IN(TERN_AUTH), "Re-authenticate")                                   \
    X(0x80, CA | PUB_ACKS | SA | UA | DI, "Unspecified error")                  \
    X(0x81, CA | DI, "Malformed Packet")                                        \
    X(0x82, CA | DI, "Protocol Error")                                          \
    X(0x83, CA | PUB_ACKS | SA | UA | DI, "Implementation specific error")      \
    X(0x84, CA, "Unsupported Protocol Version")                                 \
    X(0x85, CA, "Client Identifier not valid")                                  \
    X(0x86, CA, "Bad User Name or Password")                                    \
    X(0x87, CA | PUB_ACKS | SA | UA | DI, "Not authorized")                     \
    X(0x88, CA, "Server unavailable")                                           \
    X(0x89, CA | DI, "Server busy")                                             \
    X(0x8A, CA, "Banned")                                                       \
    X(0x8B, DI, "Server shutting down")                                         \
    X(0x8C, CA | DI, "Bad authentication method")                               \
    X(0x8D, DI, "Keep Alive timeout")                                           \
    X(0x8E, DI, "Session taken over")                                           \
    X(0x8F, SA | UA | DI, "Topic Filter invalid")                               \
    X(0x90, CA | PUB_ACKS | DI, "Topic Name invalid")                           \
    X(0x91, PUB_ACKS | SA | UA, "Packet Identifier in use")                     \
    X(0x92, PUB_ENDS, "Packet Identifier not found")                            \
    X(0x93, DI, "Receive Maximum exceeded")                                     \
    X(0x94, DI, "Topic Alias invalid")                                          \
    X(0x95, CA | DI, "Packet too large")                                        \
    X(0x96, DI, "Message rate too high")                                        \
    X(0x97, CA | PUB_ACKS | SA | DI, "Quota exceeded")                          \
    X(0x98, DI, "Administrative action")                                        \
    X(0x99, CA | PUB_ACKS | DI, "Payload format invalid")                       \
    X(0x9A, CA | DI, "Retain not supported")                                    \
    X(0x9B, CA | DI, "QoS not supported")                                       \
    X(0x9C, CA | DI, "Use another server")                                      \
    X(0x9D, CA | DI, "Server moved")                                            \
    X(0x9E, SA | DI, "Shared Subscriptions not supported")                      \
    X(0x9F, CA | DI, "Connection rate exceeded")                                \
    X(0xA0, DI, "Maximum connect time")                                         \
    X(0xA1, SA | DI, "Subscription Identifiers not supported")                  \
    X(0xA2, SA | DI, "Wildcard Subscriptions not supported")

/* One array per column: a struct of a byte and a uint16_t would take 4 bytes a row. */
#define CODE(code, packets, name) code,
#define PACKETS(code, packets, name) packets,
static const uint8_t reason_codes[] = {REASONS(CODE)};
static const uint16_t reason_packets[] = {REASONS(PACKETS)};
#if TERN_CFG_STATUS_STRINGS /* names only in a build with strings */
#define NAME(code, packets, name) name,
static const char *const reason_names[] = {REASONS(NAME)};
#endif

#define REASON_COUNT (sizeof reason_codes / sizeof reason_codes[0])

/* Index of code in the table; REASON_COUNT when it is not there. */
static size_t find_reason(uint8_t code)
{
    size_t i = 0;
    while (i < REASON_COUNT && reason_codes[i] < code) i++;
    return i < REASON_COUNT && reason_codes[i] == code ? i : REASON_COUNT;
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
    size_t i = find_reason(code);
    return i < REASON_COUNT ? reason_names[i] : "Unknown reason code";
#endif
}

int tern_reason_valid(uint8_t code, tern_packet_type packet)
{
    size_t i = find_reason(code);
    return i < REASON_COUNT && (unsigned)packet < 16u && ((reason_packets[i] >> packet) & 1u);
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
