/* Names of packet types, for traces and messages. */
#include "tern/codec.h"

const char *tern_packet_name(uint8_t type)
{
#if !TERN_CFG_STATUS_STRINGS
    (void)type;
    return "";
#else
    static const char *const names[16] = {
        "?", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
        "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP",
        "DISCONNECT", "AUTH"};
    return type < 16 ? names[type] : "?";
#endif
}
