/* The packet layer alone, as an application that runs its own session would link it (the way
 * Paho's embedded MQTTPacket library or coreMQTT's serializer is used): encode CONNECT,
 * SUBSCRIBE, PUBLISH, the acks, PINGREQ and DISCONNECT; decode the fixed header, CONNACK,
 * SUBACK, PUBLISH, the acks and PINGRESP. `make size` reports it as the codec profile. */
#include "tern/codec.h"

static uint8_t buf[256];
volatile size_t sink; /* keeps every call's result alive under --gc-sections */

int main(void)
{
    size_t n = 0, cap = sizeof buf;
    tern_connect con = {0};
    con.version = TERN_MQTT_311;
    con.client_id.data = (const uint8_t *)"probe";
    con.client_id.len = 5;
    con.keep_alive = 60;
    sink += tern_codec_encode_connect(&con, buf, cap, &n);
    tern_subscription sub = {{(const uint8_t *)"a/#", 3}, 1};
    tern_subscribe s = {&sub, 0, 1, 1, 7};
    sink += tern_codec_encode_subscribe(&s, TERN_MQTT_311, buf, cap, &n);
    tern_publish pub = {{(const uint8_t *)"a/b", 3}, {(const uint8_t *)"hi", 2}, 0, 8, 1, 0, 0};
    sink += tern_codec_encode_publish(&pub, TERN_MQTT_311, buf, cap, &n);
    tern_ack ack = {0, 8, TERN_PUBACK, 0};
    sink += tern_codec_encode_ack(&ack, TERN_MQTT_311, buf, cap, &n);
    sink += tern_codec_encode_ping(TERN_PINGREQ, buf, cap, &n);
    tern_disconnect d = {0};
    sink += tern_codec_encode_disconnect(&d, TERN_MQTT_311, buf, cap, &n);

    tern_header h;
    sink += tern_codec_decode_header(buf, sink, &h);
    tern_connack ca = {0};
    sink += tern_codec_decode_connack(buf, sink, TERN_MQTT_311, &ca);
    tern_suback sa = {0};
    sink += tern_codec_decode_suback(buf, sink, TERN_MQTT_311, &sa);
    tern_publish in = {0};
    sink += tern_codec_decode_publish(buf, sink, TERN_MQTT_311, &in);
    sink += tern_codec_decode_ack(buf, sink, TERN_MQTT_311, &ack);
    tern_packet_type t;
    sink += tern_codec_decode_ping(buf, sink, &t);
    return (int)sink;
}
