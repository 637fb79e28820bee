/* MQTT 5 redirection: a CONNACK (0x9C Use another server, 0x9D Server moved) or DISCONNECT
 * may carry a Server Reference. tern never follows it (a broker must not send the client
 * anywhere unasked), but the user is told where the broker points, escaped: the text is the
 * broker's. The packets are seen through the engine's trace hook, which observes only. */
#include <string.h>

#include "session.h"
#include "tern/text.h"

static void note_server_reference(tool_session *s, const uint8_t *pkt, size_t len)
{
    tern_props props;
    tern_status st = TERN_ERR_UNEXPECTED_PACKET;
    unsigned type = pkt[0] >> 4u;
    if (type == TERN_CONNACK || type == TERN_DISCONNECT) s->server_reference[0] = 0; /* this one's, or none */
    if (type == TERN_CONNACK) {
        tern_connack ack = {.props_store = &props};
        st = tern_codec_decode_connack(pkt, len, TERN_MQTT_5, &ack);
    } else if (type == TERN_DISCONNECT) {
        tern_disconnect d = {.props_store = &props};
        st = tern_codec_decode_disconnect(pkt, len, TERN_MQTT_5, &d);
    }
    if (st != TERN_OK || !(props.present & TERN_PROP_BIT(TERN_PROP_SERVER_REFERENCE))) return;
    tern_escape_text(s->server_reference, sizeof s->server_reference, props.server_reference.data,
                     props.server_reference.len);
}

void tool_observe(tern_client *c, int outgoing, const uint8_t *packet, size_t len, void *user)
{
    tool_session *s = user;
    if (!outgoing && len > 0 && s->conn.version == TERN_MQTT_5) note_server_reference(s, packet, len);
    if (s->o->debug) tool_trace(c, outgoing, packet, len, user);
}
